//! The dependency: one request at a time from an unbounded FIFO queue.

use super::{Msg, Params, ResilienceNode, Timer};
use crate::sim::{Ctx, NodeId, SimTime};
use std::collections::VecDeque;

/// Counters of a backend.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackendStats {
    /// Requests served (successfully or not).
    pub served: u64,
    /// Requests that failed.
    pub failed: u64,
    /// Longest queue seen.
    pub queue_peak: usize,
    /// Queue length when the sickness ended (first request seen after it).
    pub queue_at_heal: Option<usize>,
    /// Messages sent.
    pub sent: u64,
}

/// The backend's state.
#[derive(Clone, Debug, Default)]
pub struct Backend {
    pub(super) queue: VecDeque<(NodeId, u64)>,
    pub(super) serving: Option<(NodeId, u64, bool)>,
    /// Counters.
    pub stats: BackendStats,
}

fn sick(params: &Params, now: SimTime) -> bool {
    now >= params.sick_from && now < params.sick_until
}

impl Backend {
    /// Requests waiting (not counting the one in service).
    pub fn queue_len(&self) -> usize {
        self.queue.len()
    }

    pub(super) fn on_call(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ResilienceNode>,
        from: NodeId,
        attempt: u64,
    ) {
        self.note_heal(params, ctx.now());
        self.queue.push_back((from, attempt));
        self.stats.queue_peak = self.stats.queue_peak.max(self.queue.len());
        if self.serving.is_none() {
            self.start_next(params, ctx);
        }
    }

    fn note_heal(&mut self, params: &Params, now: SimTime) {
        if now >= params.sick_until && self.stats.queue_at_heal.is_none() {
            self.stats.queue_at_heal = Some(self.queue.len());
        }
    }

    fn start_next(&mut self, params: &Params, ctx: &mut Ctx<ResilienceNode>) {
        let Some((caller, attempt)) = self.queue.pop_front() else {
            return;
        };
        let now = ctx.now();
        let (time, ok) = if sick(params, now) {
            let fails = ctx.rng().chance(params.sick_failure);
            (params.sick_service_time, !fails)
        } else {
            (params.service_time, true)
        };
        self.serving = Some((caller, attempt, ok));
        ctx.set_timer(time, Timer::Served);
    }

    pub(super) fn on_served(&mut self, params: &Params, ctx: &mut Ctx<ResilienceNode>) {
        self.note_heal(params, ctx.now());
        let Some((caller, attempt, ok)) = self.serving.take() else {
            return;
        };
        self.stats.served += 1;
        if !ok {
            self.stats.failed += 1;
        }
        self.stats.sent += 1;
        ctx.send(caller, Msg::Answer { attempt, ok });
        self.start_next(params, ctx);
    }

    /// One line for the cluster view.
    pub(super) fn summary(&self) -> String {
        format!(
            "backend: queue {} (peak {}), served {}, failed {}",
            self.queue.len(),
            self.stats.queue_peak,
            self.stats.served,
            self.stats.failed
        )
    }
}
