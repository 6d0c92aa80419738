//! The three-valued answer every history checker gives.

use serde::Serialize;
use std::fmt;

/// Whether a property holds for a history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// The property holds.
    Valid,
    /// The property is violated; the checker explains how.
    Invalid,
    /// The checker ran out of budget before deciding.
    Unknown,
}

impl Status {
    /// The process exit code for this status: 0 valid, 1 invalid, 2 unknown.
    pub fn exit_code(self) -> i32 {
        match self {
            Status::Valid => 0,
            Status::Invalid => 1,
            Status::Unknown => 2,
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Status::Valid => "valid",
            Status::Invalid => "invalid",
            Status::Unknown => "unknown",
        })
    }
}
