//! The engine: world, event queue, context, trace, time.
//!
//! A [`Sim`] is the whole world as one cloneable value. [`Sim::step`] is the
//! only way it moves: pop the earliest event, run its handler, apply the
//! effects the handler pushed into its [`Ctx`], run the per-step checks,
//! append to the trace.

pub use crate::base::{hash, ids, inspect, rng, time};
mod apply;
pub mod chaos;
pub mod choice;
mod clients;
pub mod dynsim;
pub mod erased;
mod event;
pub(crate) mod fingerprint;
pub mod happens_before;
pub mod invariant;
pub mod monitor;
pub mod node;
pub mod panics;
mod probe;
pub mod report;
mod service;
mod snapshot;
mod step;
mod step_checks;
pub mod timed;
pub mod timeline;
pub mod trace;
pub mod views;
mod wheel;
mod world;

pub use crate::base::Value;
pub use crate::check::UnknownPolicy;
pub use chaos::{ExperimentReport, WindowReport};
pub use choice::{Choice, ExploreOptions, FaultChoices, TimeModel, Wire};
pub use dynsim::{DynSim, NodeView};
pub use ids::{ClientId, Endpoint, NodeId, TimerId};
pub use invariant::Invariant;
pub use monitor::{Monitor, MonitorClone, NamedMonitor};
pub use node::{relative_time, Bound, Ctx, Effect, Node, Op, Reply, Request, View};
pub use panics::{catch_panic, PanicReport, PANIC_CHECK};
pub use report::{MessageCounts, OpCounts, RunReport, Verdict};
pub use rng::{Prng, Ratio, Stream};
pub use service::{QueueReading, ServiceConfig};
pub use snapshot::LogMarks;
pub use step::{StepResult, TIME_STILL_CHECK, TIME_STILL_LIMIT};
pub use time::SimTime;
pub use timed::Predicate;
pub use timeline::Timeline;
pub use trace::{SendOutcome, SendRecord, Trace, TraceEntry, TraceEvent, TraceLevel};
pub use views::{ClientView, EntryFilter, EntryView, FlightView};
pub use world::{
    ClientSlot, Counters, Lane, MetricsFn, NodeFactory, NodeSlot, PendingOp, Sim, SimBuilder,
    Violation,
};
#[cfg(test)]
mod client_tests;
#[cfg(test)]
mod net_fault_tests;
#[cfg(test)]
mod panic_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod timed_tests;

#[cfg(test)]
pub(crate) mod tests_support {
    //! A do-nothing node for unit tests of engine parts.
    use super::{Ctx, Node, NodeId};

    /// Never acts.
    #[derive(Clone, Debug, Default)]
    pub(crate) struct Probe;

    impl Node for Probe {
        type Msg = ();
        type Timer = ();
        fn on_start(&mut self, _ctx: &mut Ctx<Self>) {}
        fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, _msg: ()) {}
        fn on_timer(&mut self, _ctx: &mut Ctx<Self>, _timer: ()) {}
    }
}
