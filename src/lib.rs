//! distlab: a deterministic distributed-systems simulator and teaching lab.
//!
//! The core (`sim`, `net`, `clock`, `storage`, `faults`, `workload`, `check`)
//! knows nothing of protocols, the CLI or the TUI. Protocols implement
//! [`sim::Node`]; the CLI drives a type-erased [`sim::DynSim`] built from the
//! protocol registry.

pub mod base;
pub mod check;
#[cfg(feature = "cli")]
pub mod cli;
pub mod clock;
pub mod explore;
pub mod faults;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod fuzzing;
pub mod input;
pub mod labs;
pub mod net;
pub mod pictures;
pub mod protocols;
pub mod registry;
pub mod scenario;
pub mod shrink;
pub mod sim;
pub mod storage;
pub mod testing;
#[cfg(feature = "cli")]
pub mod tui;
pub mod workload;

/// `#[distlab::test(seeds = 0..500)]`: a seed sweep as a test function.
///
/// On a function of the seed that returns a [`sim::SimBuilder`], it becomes
/// a `#[test]` running [`testing::seeds`] over the range (keys `jobs` and
/// `check_determinism` as on [`testing::SeedSweep`]); with
/// `scenario = "path.toml"`, on a function returning the
/// [`registry::Registry`] to run with, it runs [`testing::check_seeds_in`].
/// A failure panics with the lowest failing seed and the
/// `DISTLAB_SEED=… cargo test …` line that replays it.
///
/// ```no_run
/// use distlab::protocols::broadcast::{builder, Broadcast, BroadcastWorkload, Params};
/// use distlab::sim::{Ratio, SimBuilder, SimTime};
/// use distlab::workload::ClientConfig;
///
/// #[distlab::test(seeds = 0..20, jobs = 2)]
/// fn broadcast_delivers(seed: u64) -> SimBuilder<Broadcast> {
///     builder(Params::default(), 3, seed)
///         .duration(SimTime::from_secs(1))
///         .clients(
///             ClientConfig::with_rate(1, 20.0, SimTime::from_secs(1)),
///             BroadcastWorkload { read_ratio: Ratio::ZERO },
///         )
/// }
///
/// #[distlab::test(scenario = "scenarios/broadcast-basic.toml", seeds = 0..3)]
/// fn broadcast_scenario() -> distlab::registry::Registry {
///     distlab::registry::Registry::builtin()
/// }
/// ```
pub use distlab_macros::test;
