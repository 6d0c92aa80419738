//! Resilience patterns around a slow, flaky dependency, and the retry storm
//! they prevent.
//!
//! Nodes come in pairs: an even node is a **gateway** that takes client
//! calls, an odd node the **backend** it depends on. The backend is a
//! server that takes time on the engine's service model (`[service]`: its
//! service time, its workers, its unbounded FIFO queue; `backend.rs`).
//! Between `sick_from` and `sick_until` it is *sick*: the engine's `slow`
//! fault multiplies its service times by `sick_slowdown`, and each request
//! fails with probability `sick_failure`. It serves every queued request,
//! including those whose caller already gave up.
//!
//! The gateway calls the backend with a per-attempt timeout (`call_timeout`)
//! and up to `max_attempts` attempts. How it retries is the **protection**:
//!
//! - `none`: retry at once after a failure or timeout. Under load, a slow
//!   backend makes calls time out, each timeout adds another request to its
//!   queue, the queue grows, every call times out: a **retry storm**. After
//!   the backend heals it must still drain the abandoned requests.
//! - `retries`: exponential backoff with full jitter between attempts
//!   ([`patterns::Backoff`]): retries spread out, fewer pile up.
//! - `full`: backoff and jitter, a **circuit breaker** (after
//!   `breaker_threshold` consecutive failures calls fail fast for
//!   `breaker_open_for`, then one probe decides), a **bulkhead** (at most
//!   `bulkhead` calls in flight to the backend), a **rate limit** on incoming
//!   calls (`rate_limit` per second, bursts of `rate_burst`), and a
//!   **deadline**: no retry after `deadline` from the call's arrival, when the
//!   client has given up anyway.
//!
//! `protection = "compare"` (the default) runs three independent pairs side
//! by side on six nodes — n0/n1 `none`, n2/n3 `retries`, n4/n5 `full` — with
//! the same clients' load split evenly (each operation names its pair in its
//! key) and the same sickness, so one run's summary compares them: success
//! rate, latency p50/p99, messages sent, the backend's queue and the time to
//! recover after the dependency heals.

mod backend;
mod checks;
mod gateway;
mod inspect;
pub mod patterns;
pub mod scenario;

pub use backend::Backend;
pub use checks::{builder, CallWorkload};
pub use gateway::Gateway;

use crate::sim::{Ctx, Node, NodeId, Ratio, Request, SimTime};
use patterns::Backoff;
use serde::Serialize;
use std::sync::Arc;

/// How a gateway protects itself and its backend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Mode {
    /// Immediate retries.
    None,
    /// Retries with exponential backoff and jitter.
    Retries,
    /// Backoff, circuit breaker, bulkhead, rate limit, deadline.
    Full,
}

impl Mode {
    /// Every mode, in comparison order.
    pub const ALL: [Mode; 3] = [Mode::None, Mode::Retries, Mode::Full];

    /// The scenario name.
    pub fn name(self) -> &'static str {
        match self {
            Mode::None => "none",
            Mode::Retries => "retries",
            Mode::Full => "full",
        }
    }
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// The modes of the pairs, in node order (`protection`; compare: all
    /// three).
    pub modes: Vec<Mode>,
    /// Per-attempt timeout (`call_timeout`).
    pub call_timeout: SimTime,
    /// Attempts per call, the first included (`max_attempts`).
    pub max_attempts: u32,
    /// Backoff between attempts, `retries` and `full` (`backoff_base`,
    /// `backoff_max`, `jitter`).
    pub backoff: Backoff,
    /// Consecutive failures that open the breaker (`breaker_threshold`).
    pub breaker_threshold: u32,
    /// How long the breaker stays open (`breaker_open_for`).
    pub breaker_open_for: SimTime,
    /// Calls in flight to the backend at most (`bulkhead`).
    pub bulkhead: u32,
    /// Calls accepted per second at the gateway (`rate_limit`).
    pub rate_limit: u64,
    /// Burst the rate limiter allows (`rate_burst`).
    pub rate_burst: u64,
    /// No retry after this since the call arrived (`deadline`).
    pub deadline: SimTime,
    /// How many times longer the backend's service times are while sick
    /// (`sick_slowdown`; an engine `slow` fault).
    pub sick_slowdown: u32,
    /// Chance a request fails when sick (`sick_failure`).
    pub sick_failure: Ratio,
    /// The backend is sick from (`sick_from`) ...
    pub sick_from: SimTime,
    /// ... until (`sick_until`), on its clock.
    pub sick_until: SimTime,
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            modes: modes(PROTECTION.default_value()),
            call_timeout: CALL_TIMEOUT.default_value(),
            max_attempts: MAX_ATTEMPTS.default_value(),
            backoff: Backoff {
                base: BACKOFF_BASE.default_value(),
                max: BACKOFF_MAX.default_value(),
                jitter: JITTER.default_value(),
            },
            breaker_threshold: BREAKER_THRESHOLD.default_value(),
            breaker_open_for: BREAKER_OPEN_FOR.default_value(),
            bulkhead: BULKHEAD.default_value(),
            rate_limit: RATE_LIMIT.default_value(),
            rate_burst: RATE_BURST.default_value(),
            deadline: DEADLINE.default_value(),
            sick_slowdown: SICK_SLOWDOWN.default_value(),
            sick_failure: SICK_FAILURE.default_value(),
            sick_from: SICK_FROM.default_value(),
            sick_until: SICK_UNTIL.default_value(),
        }
    }
}

impl Params {
    /// The mode of node `id`'s pair.
    pub fn mode_of(&self, id: NodeId) -> Mode {
        self.modes
            .get(id.index() / 2)
            .copied()
            .unwrap_or(Mode::None)
    }
}

/// Messages.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Gateway → backend: one attempt of a call.
    Call {
        /// Attempt id (unique per gateway).
        attempt: u64,
    },
    /// Backend → gateway: the attempt's outcome.
    Answer {
        /// Attempt id.
        attempt: u64,
        /// Served successfully.
        ok: bool,
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Gateway: an attempt took too long.
    AttemptTimeout(u64),
    /// Gateway: backoff over, try the call again.
    Retry(u64),
}

/// A node's role.
#[derive(Clone, Debug)]
pub enum Role {
    /// Even nodes.
    Gateway(Gateway),
    /// Odd nodes.
    Backend(Backend),
}

/// One node of a gateway/backend pair.
#[derive(Clone, Debug)]
pub struct ResilienceNode {
    params: Arc<Params>,
    /// Role and state.
    pub role: Role,
}

impl ResilienceNode {
    /// A fresh node `id`.
    pub fn new(params: Arc<Params>, id: NodeId) -> Self {
        let role = if id.0.is_multiple_of(2) {
            Role::Gateway(Gateway::new(&params, id))
        } else {
            Role::Backend(Backend::default())
        };
        ResilienceNode { params, role }
    }

    /// The gateway state, if a gateway.
    pub fn gateway(&self) -> Option<&Gateway> {
        match &self.role {
            Role::Gateway(g) => Some(g),
            Role::Backend(_) => None,
        }
    }

    /// The backend state, if a backend.
    pub fn backend(&self) -> Option<&Backend> {
        match &self.role {
            Role::Backend(b) => Some(b),
            Role::Gateway(_) => None,
        }
    }
}

impl Node for ResilienceNode {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, _ctx: &mut Ctx<Self>) {}

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        let params = Arc::clone(&self.params);
        match (&mut self.role, msg) {
            (Role::Gateway(g), Msg::Answer { attempt, ok }) => {
                g.on_answer(&params, ctx, attempt, ok)
            }
            (Role::Backend(b), Msg::Call { attempt }) => b.on_call(&params, ctx, from, attempt),
            (_, msg) => ctx.log(format!("ignored {msg:?}")),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Gateway(g) => g.on_timer(&params, ctx, timer),
            Role::Backend(_) => ctx.log(format!("ignored {timer:?}")),
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Gateway(g) => g.on_request(&params, ctx, request),
            Role::Backend(_) => {
                let gateway = NodeId(ctx.id().0 - 1);
                ctx.reply(&request, crate::sim::Reply::Redirect(Some(gateway)));
            }
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match self.role {
            Role::Gateway(_) => "gateway",
            Role::Backend(_) => "backend",
        })
    }

    /// The gateway's protection (breaker state and counts, bulkhead,
    /// rate limiter) and calls, or the backend's counters (its queue is
    /// the engine's, in the cluster panel); parameters folded
    /// (`inspect.rs`).
    fn inspect(&self) -> crate::sim::View {
        let view = match &self.role {
            Role::Gateway(g) => g.view(),
            Role::Backend(b) => b.view(),
        };
        view.params(&*self.params)
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        match &self.role {
            Role::Gateway(g) => g.summary(),
            Role::Backend(b) => b.summary(),
        }
    }
}

#[cfg(test)]
mod tests;
