//! Stateful safety checks: [`Monitor`]s remember what they saw in earlier
//! steps.
//!
//! An [`Invariant`](super::Invariant) is a stateless `Fn(&Sim)`: it sees only
//! the world as it is now. Some safety properties are about the whole run —
//! "at most one leader per term, *ever*" must still count a leader that has
//! since crashed; "a node's commit index never decreases" must survive the
//! node's restart. A monitor keeps that memory. It lives inside the
//! [`crate::sim::Sim`] (so it is cloned with the world and time travel
//! stays exact), runs after every step alongside the `always` checks, and a
//! failure stops the run as a safety violation, shown in the report's checks
//! under the monitor's name with kind `always`.
//!
//! ```
//! use distlab::sim::Monitor;
//! use distlab::protocols::pingpong::PingPong;
//! use distlab::sim::Sim;
//!
//! /// The number of live nodes never grows past its first reading.
//! #[derive(Clone, Debug, Default)]
//! struct NeverMoreLive { first: Option<usize> }
//!
//! impl Monitor<PingPong> for NeverMoreLive {
//!     fn after_step(&mut self, sim: &Sim<PingPong>) -> Result<(), String> {
//!         let live = sim.live_nodes().count();
//!         let first = *self.first.get_or_insert(live);
//!         if live > first { Err(format!("{live} live nodes, first saw {first}")) } else { Ok(()) }
//!     }
//! }
//! ```

use super::{Node, Sim};
use std::any::Any;
use std::fmt::Debug;

/// A safety check with memory across steps.
///
/// Implement it on a `Clone + Debug` struct; cloning and downcasting come
/// from the blanket [`MonitorClone`] impl. Keep [`Monitor::after_step`] cheap
/// (about O(nodes) per step): it runs after every event.
pub trait Monitor<N: Node>: MonitorClone<N> + Debug + Send + Sync + 'static {
    /// Look at the world after a step; `Err(why)` stops the run as a safety
    /// violation.
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String>;

    /// Metrics for the run report, (name, value) pairs (default none).
    fn metrics(&self) -> Vec<(String, String)> {
        Vec::new()
    }

    /// Feed this monitor's memory into the explorer's state fingerprint:
    /// everything that can change a later verdict. The default hashes the
    /// `Debug` text (correct when `Debug` shows every field, as the derived
    /// one does); a `Hash`-based override (`self.hash(hasher)`) is faster.
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        crate::base::hash::hash_debug(&self, hasher);
    }

    /// The explorer's relative time ([`Node::fingerprint_relative`]): feed
    /// this monitor's memory into `hasher` with every time in it taken
    /// relative to `now` (true time), and return `true`. A time that only
    /// an explanation shows (a violation's text) may be left out: merging
    /// states that differ in it changes no verdict. The default returns
    /// `false`: the explorer keeps absolute time for the state.
    fn fingerprint_relative(
        &self,
        now: crate::sim::SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        let _ = (now, hasher);
        false
    }
}

/// Cloning and downcasting for boxed monitors; implemented for every
/// `Monitor + Clone`, never by hand.
pub trait MonitorClone<N: Node> {
    /// A boxed copy.
    fn clone_box(&self) -> Box<dyn Monitor<N>>;
    /// For [`Sim::monitor`](crate::sim::Sim::monitor).
    fn as_any(&self) -> &dyn Any;
}

impl<N: Node, T: Monitor<N> + Clone> MonitorClone<N> for T {
    fn clone_box(&self) -> Box<dyn Monitor<N>> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
}

impl<N: Node> Clone for Box<dyn Monitor<N>> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// A monitor with its name, as registered with
/// [`SimBuilder::monitor`](crate::sim::SimBuilder::monitor).
#[derive(Clone, Debug)]
pub struct NamedMonitor<N: Node> {
    /// Name shown in reports (`election-safety`); shared, not copied, by
    /// each clone of the world.
    pub name: std::sync::Arc<str>,
    /// The monitor and its memory.
    pub monitor: Box<dyn Monitor<N>>,
}
