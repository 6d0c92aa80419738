//! Errors in a history: where (line) and what was expected.

use std::fmt;

/// A problem in a history file or in-memory history, with its 1-based line.
///
/// For an in-memory [`History`](crate::check::history::History) the line is
/// the 1-based index of the event.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HistoryError {
    /// 1-based line (or event number) where the problem is.
    pub line: usize,
    /// What was expected, in plain words.
    pub message: String,
}

impl HistoryError {
    /// A new error at `line`.
    pub fn new(line: usize, message: impl Into<String>) -> Self {
        HistoryError {
            line,
            message: message.into(),
        }
    }
}

impl fmt::Display for HistoryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.line, self.message)
    }
}

impl std::error::Error for HistoryError {}
