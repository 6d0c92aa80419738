//! distlab: a deterministic distributed-systems simulator and teaching lab.
//!
//! The core (`sim`, `net`, `clock`, `storage`, `faults`, `workload`, `check`)
//! knows nothing of protocols, the CLI or the TUI. Protocols implement
//! [`sim::Node`]; the CLI drives a type-erased [`sim::DynSim`] built from the
//! protocol registry.

pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod clock;
pub mod faults;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod labs;
pub mod net;
pub mod protocols;
pub mod registry;
pub mod scenario;
pub mod sim;
pub mod storage;
pub mod testing;
#[cfg(feature = "cli")]
pub mod tui;
pub mod workload;
