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
use std::sync::Arc;

/// A safety check with memory across steps.
///
/// Implement it on a `Clone + Debug` struct; cloning and downcasting come
/// from the blanket [`MonitorClone`] impl. Keep [`Monitor::after_step`] cheap
/// (about O(nodes) per step): it runs after every event.
pub trait Monitor<N: Node>: MonitorClone<N> + Debug + Send + Sync + 'static {
    /// Look at the world after a step; `Err(why)` stops the run as a safety
    /// violation.
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String>;

    /// The explorer's copy-on-write fast path: `true` when
    /// [`Monitor::after_step`] on this world would return `Ok(())` and
    /// leave this monitor's memory exactly as it is (nothing new to note).
    /// Copies of an explored world share their monitors; a step asks a
    /// shared monitor this first, and copies its memory (then runs
    /// `after_step` on the copy) only when the answer is `false`. The
    /// default, `false`, is always correct; answering `true` when
    /// `after_step` would change the memory or fail would hide a
    /// violation. Keep it cheaper than a copy of the memory (it runs
    /// after every explored step). Only asked of a monitor that another
    /// world shares: a plain run never asks it.
    fn unchanged_after(&self, sim: &Sim<N>) -> bool {
        let _ = sim;
        false
    }

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
    /// A shared copy (a world's monitors are shared by its copies).
    fn clone_arc(&self) -> Arc<dyn Monitor<N>>;
    /// For [`Sim::monitor`](crate::sim::Sim::monitor).
    fn as_any(&self) -> &dyn Any;
}

impl<N: Node, T: Monitor<N> + Clone> MonitorClone<N> for T {
    fn clone_box(&self) -> Box<dyn Monitor<N>> {
        Box::new(self.clone())
    }
    fn clone_arc(&self) -> Arc<dyn Monitor<N>> {
        Arc::new(self.clone())
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
#[derive(Debug)]
pub struct NamedMonitor<N: Node> {
    /// Name shown in reports (`election-safety`); shared, not copied, by
    /// each clone of the world.
    pub name: Arc<str>,
    /// The monitor and its memory, shared by copies of the world until a
    /// step changes it (copy on write, as the nodes' states: a step
    /// copies a shared monitor unless [`Monitor::unchanged_after`] says
    /// the step leaves it as it is; a plain run, never copied, copies
    /// nothing).
    pub monitor: Arc<dyn Monitor<N>>,
}

impl<N: Node> Clone for NamedMonitor<N> {
    fn clone(&self) -> Self {
        NamedMonitor {
            name: Arc::clone(&self.name),
            monitor: Arc::clone(&self.monitor),
        }
    }

    /// As `clone`, leaving a name or monitor already shared with `source`
    /// as it is (no count up and down): the explorer copies worlds into
    /// recycled ones, which mostly share them.
    fn clone_from(&mut self, source: &Self) {
        if !Arc::ptr_eq(&self.name, &source.name) {
            self.name = Arc::clone(&source.name);
        }
        if !Arc::ptr_eq(&self.monitor, &source.monitor) {
            self.monitor = Arc::clone(&source.monitor);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::{Choice, Ctx, ExploreOptions, FaultChoices, NodeId, SimBuilder, TimeModel};

    /// Two nodes bounce one message each: every delivery is answered.
    #[derive(Clone, Debug, Default)]
    struct Bounce {
        got: u64,
    }

    impl Node for Bounce {
        type Msg = u64;
        type Timer = ();
        fn on_start(&mut self, ctx: &mut Ctx<Self>) {
            let other = NodeId(1 - ctx.id().0);
            ctx.send(other, 0);
        }
        fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: u64) {
            self.got += 1;
            ctx.send(from, msg + 1);
        }
        fn on_timer(&mut self, _ctx: &mut Ctx<Self>, _timer: ()) {}
    }

    /// The most messages one node got; a step where no node passes it
    /// changes nothing.
    #[derive(Clone, Debug, Default)]
    struct MostGot {
        most: u64,
    }

    impl Monitor<Bounce> for MostGot {
        fn after_step(&mut self, sim: &Sim<Bounce>) -> Result<(), String> {
            let most = sim.live_nodes().map(|(_, n)| n.got).max().unwrap_or(0);
            self.most = self.most.max(most);
            Ok(())
        }
        fn unchanged_after(&self, sim: &Sim<Bounce>) -> bool {
            sim.live_nodes().all(|(_, n)| n.got <= self.most)
        }
    }

    fn most(sim: &Sim<Bounce>) -> u64 {
        sim.monitor::<MostGot>("most-got").expect("registered").most
    }

    fn shared(a: &Sim<Bounce>, b: &Sim<Bounce>) -> bool {
        Arc::ptr_eq(&a.monitors[0].monitor, &b.monitors[0].monitor)
    }

    /// The first message on the wire to `to`.
    fn delivery_to(sim: &Sim<Bounce>, to: u32) -> Choice {
        let choices = sim.choices(FaultChoices::default());
        *choices
            .iter()
            .find(|c| sim.describe_choice(c).contains(&format!("-> n{to}")))
            .expect("a message to that node")
    }

    /// Copies of an explored world share their monitor until a step
    /// changes it: then only the copy that took the step holds the new
    /// memory. A step the monitor says changes nothing keeps it shared.
    #[test]
    fn copies_share_a_monitor_until_a_step_changes_it() {
        let mut root = SimBuilder::new(2, 0, |_, _| Bounce::default())
            .monitor("most-got", MostGot::default())
            .build();
        root.start_exploring(ExploreOptions {
            ops_per_client: 0,
            wire: Default::default(),
            time: TimeModel::Frozen,
            relative_time: false,
        });
        let mut a = root.clone();
        assert!(shared(&root, &a), "a copy copies no monitor");
        // n1 gets its first message: the monitor changes, in `a` only.
        a.apply_choice(&delivery_to(&a, 1)).expect("enabled");
        assert!(!shared(&root, &a));
        assert_eq!((most(&root), most(&a)), (0, 1));
        // n0 gets its first: the most any node got is still 1.
        let mut b = a.clone();
        b.apply_choice(&delivery_to(&b, 0)).expect("enabled");
        assert!(shared(&a, &b), "a step that changes nothing copies nothing");
        // n1 gets its second: `b` copies, `a` keeps its memory.
        b.apply_choice(&delivery_to(&b, 1)).expect("enabled");
        assert!(!shared(&a, &b));
        assert_eq!((most(&root), most(&a), most(&b)), (0, 1, 2));
        // The fingerprints tell the three states apart, and a copy's
        // equals its original's.
        assert_ne!(a.fingerprint(), b.fingerprint());
        assert_eq!(a.clone().fingerprint(), a.fingerprint());
        // A world no other copy shares runs its monitor in place.
        let before = Arc::as_ptr(&b.monitors[0].monitor) as *const u8;
        b.apply_choice(&delivery_to(&b, 0)).expect("enabled");
        b.apply_choice(&delivery_to(&b, 1)).expect("enabled");
        assert_eq!(Arc::as_ptr(&b.monitors[0].monitor) as *const u8, before);
        assert_eq!(most(&b), 3);
    }
}
