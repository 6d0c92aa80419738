//! The dependency: a server that takes time, on the engine's service model.
//!
//! The backend's service time, its worker and its queue are the engine's
//! (`[service]`, `src/sim/service.rs`): a call that arrives while the
//! backend is busy waits in the engine's queue, first come first served,
//! and the backend's handler runs when the call's service starts; the
//! answer leaves when the service time is over. While it is sick the
//! engine's `slow` fault (scheduled by [`super::builder`]) multiplies its
//! service times by `sick_slowdown`, and the handler fails a request with
//! probability `sick_failure`. The queue's peak and its length at the heal
//! are read from the engine ([`crate::sim::Sim::service_queue`]).

use super::{Msg, Params, ResilienceNode};
use crate::sim::{Ctx, NodeId, SimTime};

/// Counters of a backend (its queue is the engine's:
/// [`crate::sim::Sim::service_queue`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackendStats {
    /// Requests served (successfully or not).
    pub served: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Messages sent.
    pub sent: u64,
}

/// The backend's state.
#[derive(Clone, Debug, Default)]
pub struct Backend {
    /// Counters.
    pub stats: BackendStats,
}

/// True while the backend is sick, on its clock.
pub(super) fn sick(params: &Params, now: SimTime) -> bool {
    now >= params.sick_from && now < params.sick_until
}

impl Backend {
    /// A call's service starts now (the engine ran it off its queue):
    /// decide its fate and answer; the answer leaves when the service
    /// time is over.
    pub(super) fn on_call(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ResilienceNode>,
        from: NodeId,
        attempt: u64,
    ) {
        let ok = !(sick(params, ctx.now()) && ctx.rng().chance(params.sick_failure));
        self.stats.served += 1;
        if !ok {
            self.stats.failed += 1;
        }
        self.stats.sent += 1;
        ctx.send(from, Msg::Answer { attempt, ok });
    }

    /// One line for the cluster view (the queue is on the engine's line).
    pub(super) fn summary(&self) -> String {
        format!(
            "backend: served {}, failed {}",
            self.stats.served, self.stats.failed
        )
    }
}
