//! Checks: invariants over the world and checkers over client histories.

pub mod causal;
pub mod convergence;
pub mod counter;
pub mod error;
pub mod expect;
pub mod experiment;
pub mod history;
pub mod history_io;
pub use crate::base::int_set;
pub mod linearizability;
pub mod ops;
pub mod result;
pub mod serializability;
pub mod set_full;
pub mod timed;
pub mod verdict;

pub use error::HistoryError;
pub use expect::{Expectation, Quantity};
pub use experiment::{Experiment, Window, WindowSpec};
pub use result::{CheckKind, CheckResult, Outcome, UnknownPolicy};
pub use timed::{Moment, PredicateRef, TimedCheck};
pub use verdict::Status;
