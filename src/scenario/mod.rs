//! The scenario file format: human-written TOML, parsed and validated into a
//! [`Scenario`] with errors that name the file, line and column and say what
//! was expected.
//!
//! This module is pure data and validation. It does not know the protocols,
//! and of the engine it shares only plain value types (`SimTime`, `Latency`,
//! `PartitionShape`); `engine.rs` maps a scenario onto a `SimBuilder`.
//! The protocol name, workload kind, role targets, invariant and history
//! names are kept with their spans, and protocol parameters are
//! kept in a [`ParamTable`], so that the protocol registry can validate them
//! later and still report errors at their place in the file
//! ([`ScenarioError::at`]). A protocol declares its parameters and bug
//! switches once ([`param_spec`]), and reads its table against them. The
//! format is documented key by key in `docs/scenarios.md`.
//!
//! ```
//! use distlab::scenario::{parse, Overrides};
//!
//! let text = r#"
//! name = "echo-basic"
//! description = "Two nodes echo."
//! protocol = "echo"
//! nodes = 2
//! duration = "1s"
//! [network]
//! loss = 1.5
//! "#;
//! let error = parse("x.toml", text, &Overrides::default()).unwrap_err();
//! assert_eq!(error.headline(), "x.toml:8:8: loss must be between 0 and 1, got 1.5");
//! ```

pub mod engine;
mod error;
mod experiment;
pub mod explore;
mod faults;
mod latency;
pub mod param_spec;
mod params;
mod parse;
pub(crate) mod read;
mod spec;
mod timed;
mod units;
pub(crate) mod value;
mod write;

pub use error::{ScenarioError, SourceInfo};
pub use explore::{ExploreBound, ExploreNetwork, ExploreSpec, ExploreStrategy, ExploreTime};
pub use param_spec::{
    BugDecl, BugSwitch, Choice, Integer, Param, ParamDecl, ParamKind, ParamValue, Setting,
};
pub use params::{ParamReader, ParamTable};
pub use spec::{
    CheckSpec, ClientTraffic, ClockSpec, FaultAction, FaultSpec, InFlight, InvariantSelection,
    LatencySpec, LinkSpec, LoseSpec, NemesisKind, NemesisSpec, NetworkChangeSpec, NetworkSpec,
    PartitionShape, PartitionSpec, Probability, Rate, RetryMode, Scenario, SignedDuration,
    StorageSpec, Target, TimedSpec, WorkloadSpec, MAX_NODES,
};

pub use write::to_toml;

use crate::base::SimTime;
use std::path::Path;

/// Command-line values that replace the file's, applied before the checks
/// that depend on them (node indices below `nodes`, fault times before
/// `duration`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Overrides {
    /// `--seed`: replaces `seed`.
    pub seed: Option<u64>,
    /// `--nodes`: replaces `nodes` (must be 1..=[`MAX_NODES`]).
    pub nodes: Option<u32>,
    /// `--duration`: replaces `duration` (must be more than 0).
    pub duration: Option<SimTime>,
}

/// Parses and validates a scenario text. `origin` names it in errors
/// (usually the path as the user typed it).
pub fn parse(origin: &str, text: &str, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    parse::parse_scenario(origin, text, overrides)
}

/// Reads and parses a scenario file. The path, as given, is the origin in
/// errors; an unreadable file is an error too (`cannot read x.toml: No such
/// file or directory`), and so is one larger than
/// [`crate::input::SCENARIO_LIMIT`] (1 MiB).
pub fn load(path: &Path, overrides: &Overrides) -> Result<Scenario, ScenarioError> {
    let origin = path.display().to_string();
    let text = read_text(&origin, path, crate::input::Kind::Named)?;
    parse(&origin, &text, overrides)
}

/// Reads a scenario file's text (at most [`crate::input::SCENARIO_LIMIT`]
/// bytes, UTF-8), with errors named by `origin`.
pub fn read_text(
    origin: &str,
    path: &Path,
    kind: crate::input::Kind,
) -> Result<String, ScenarioError> {
    use crate::input::ReadError;
    crate::input::read_text(path, kind, crate::input::SCENARIO_LIMIT).map_err(|e| match e {
        ReadError::NotUtf8 { prefix, offset } => {
            let source = SourceInfo::new(origin, &prefix);
            ScenarioError::at(&source, offset..offset, "the file is not valid UTF-8")
        }
        other => ScenarioError::whole(origin, format!("cannot read {origin}: {other}")),
    })
}

#[cfg(test)]
mod tests;
