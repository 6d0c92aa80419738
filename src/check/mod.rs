//! Checks: invariants over the world and checkers over client histories.

pub mod causal;
pub mod convergence;
pub mod counter;
pub mod error;
pub mod history;
pub mod history_io;
pub mod int_set;
pub mod invariant;
pub mod linearizability;
pub mod monitor;
pub mod ops;
pub mod serializability;
pub mod set_full;
pub mod timeline;
pub mod verdict;

pub use error::HistoryError;
pub use invariant::{CheckKind, CheckResult, Invariant, Outcome};
pub use monitor::{Monitor, MonitorClone, NamedMonitor};
pub use verdict::Status;
