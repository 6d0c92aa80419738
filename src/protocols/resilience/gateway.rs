//! The gateway: takes client calls and calls the backend, protected (or not)
//! by timeouts, retries, backoff, a circuit breaker, a bulkhead, a rate
//! limit and a deadline.

use super::patterns::{Bulkhead, CircuitBreaker, RateLimiter};
use super::{Mode, Msg, Params, ResilienceNode, Timer};
use crate::check::history::Value;
use crate::sim::{ClientId, Ctx, NodeId, Reply, Request, SimTime, TimerId};
use std::collections::BTreeMap;

/// Counters of a gateway.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct GatewayStats {
    /// Client calls accepted.
    pub calls: u64,
    /// Attempts sent to the backend.
    pub attempts: u64,
    /// Attempts after the first.
    pub retries: u64,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// Answers that came after their attempt was given up (wasted work).
    pub late_answers: u64,
    /// Calls refused without trying: breaker open, bulkhead full, rate limit.
    pub fast_failures: u64,
    /// Messages sent.
    pub sent: u64,
}

#[derive(Clone, Debug)]
pub(super) struct Call {
    pub(super) client: ClientId,
    pub(super) request: u64,
    pub(super) tries: u32,
    pub(super) arrived: SimTime,
    pub(super) current: Option<(u64, TimerId)>,
}

/// A gateway's state.
#[derive(Clone, Debug)]
pub struct Gateway {
    /// Its protection.
    pub mode: Mode,
    pub(super) backend: NodeId,
    pub(super) calls: BTreeMap<u64, Call>,
    attempts: BTreeMap<u64, u64>,
    /// Circuit breaker (used in `full`).
    pub breaker: CircuitBreaker,
    /// Bulkhead (used in `full`).
    pub bulkhead: Bulkhead,
    pub(super) limiter: RateLimiter,
    next_id: u64,
    /// Counters.
    pub stats: GatewayStats,
}

impl Gateway {
    /// The gateway at even node `id`, in front of backend `id + 1`.
    pub fn new(params: &Params, id: NodeId) -> Self {
        Gateway {
            mode: params.mode_of(id),
            backend: NodeId(id.0 + 1),
            calls: BTreeMap::new(),
            attempts: BTreeMap::new(),
            breaker: CircuitBreaker::new(params.breaker_threshold, params.breaker_open_for, 1),
            bulkhead: Bulkhead::new(params.bulkhead),
            limiter: RateLimiter::new(params.rate_limit, params.rate_burst),
            next_id: 0,
            stats: GatewayStats::default(),
        }
    }

    /// Attempts in flight to the backend.
    pub fn in_flight(&self) -> usize {
        self.attempts.len()
    }

    pub(super) fn on_request(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ResilienceNode>,
        request: Request,
    ) {
        let wanted = request.op.key.as_deref().unwrap_or(self.mode.name());
        if wanted != self.mode.name() {
            let pair = params.modes.iter().position(|m| m.name() == wanted);
            let hint = pair.map(|p| NodeId(2 * p as u32));
            return ctx.reply(&request, Reply::Redirect(hint));
        }
        if self.mode == Mode::Full && !self.limiter.try_take(ctx.now()) {
            self.stats.fast_failures += 1;
            return ctx.reply(&request, Reply::Fail("rate limited".into()));
        }
        self.stats.calls += 1;
        let id = self.next_id;
        self.next_id += 1;
        let call = Call {
            client: request.client,
            request: request.id,
            tries: 0,
            arrived: ctx.now(),
            current: None,
        };
        self.calls.insert(id, call);
        self.attempt(params, ctx, id);
    }

    /// Try call `id` once more, unless the protection refuses.
    fn attempt(&mut self, params: &Params, ctx: &mut Ctx<ResilienceNode>, id: u64) {
        if self.mode == Mode::Full {
            // The bulkhead first: a breaker probe that could not be sent
            // would hold the half-open breaker forever.
            let refusal = if !self.bulkhead.try_acquire() {
                Some("bulkhead full")
            } else if !self.breaker.allow(ctx.now()) {
                self.bulkhead.release();
                Some("circuit open")
            } else {
                None
            };
            if let Some(why) = refusal {
                self.stats.fast_failures += 1;
                return self.finish(ctx, id, Reply::Fail(why.into()));
            }
        }
        let Some(call) = self.calls.get_mut(&id) else {
            return;
        };
        let attempt = self.next_id;
        self.next_id += 1;
        call.tries += 1;
        if call.tries > 1 {
            self.stats.retries += 1;
        }
        let timer = ctx.set_timer(params.call_timeout, Timer::AttemptTimeout(attempt));
        call.current = Some((attempt, timer));
        self.attempts.insert(attempt, id);
        self.stats.attempts += 1;
        self.stats.sent += 1;
        ctx.send(self.backend, Msg::Call { attempt });
    }

    fn finish(&mut self, ctx: &mut Ctx<ResilienceNode>, id: u64, reply: Reply) {
        if let Some(call) = self.calls.remove(&id) {
            ctx.reply_to(call.client, call.request, reply);
        }
    }

    /// The current attempt `attempt` ended: stop its timer, free its slot.
    fn end_attempt(&mut self, ctx: &mut Ctx<ResilienceNode>, attempt: u64) -> Option<u64> {
        let id = self.attempts.remove(&attempt)?;
        if let Some((_, timer)) = self.calls.get_mut(&id).and_then(|c| c.current.take()) {
            ctx.cancel_timer(timer);
        }
        if self.mode == Mode::Full {
            self.bulkhead.release();
        }
        Some(id)
    }

    pub(super) fn on_answer(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ResilienceNode>,
        attempt: u64,
        ok: bool,
    ) {
        let Some(id) = self.end_attempt(ctx, attempt) else {
            self.stats.late_answers += 1;
            return;
        };
        if ok {
            self.breaker.on_success();
            self.finish(ctx, id, Reply::Ok(Value::Nil));
        } else {
            self.breaker.on_failure(ctx.now());
            self.retry_or_give_up(params, ctx, id, "the backend failed");
        }
    }

    pub(super) fn on_timer(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ResilienceNode>,
        timer: Timer,
    ) {
        match timer {
            Timer::AttemptTimeout(attempt) => {
                if let Some(id) = self.end_attempt(ctx, attempt) {
                    self.stats.timeouts += 1;
                    self.breaker.on_failure(ctx.now());
                    self.retry_or_give_up(params, ctx, id, "the backend timed out");
                }
            }
            Timer::Retry(id) => self.attempt(params, ctx, id),
        }
    }

    fn retry_or_give_up(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<ResilienceNode>,
        id: u64,
        why: &str,
    ) {
        let Some(call) = self.calls.get(&id) else {
            return;
        };
        let tries = call.tries;
        let late = ctx.now().saturating_sub(call.arrived) >= params.deadline;
        if tries >= params.max_attempts || (self.mode == Mode::Full && late) {
            let reply = Reply::Fail(format!("{why} ({tries} attempts)"));
            return self.finish(ctx, id, reply);
        }
        match self.mode {
            Mode::None => self.attempt(params, ctx, id),
            Mode::Retries | Mode::Full => {
                let delay = params.backoff.delay(tries, ctx.rng());
                ctx.set_timer(delay, Timer::Retry(id));
            }
        }
    }

    /// One line for the cluster view.
    pub(super) fn summary(&self) -> String {
        let mut text = format!(
            "gateway [{}]: {} calls open, {} attempts in flight, {} retries",
            self.mode.name(),
            self.calls.len(),
            self.attempts.len(),
            self.stats.retries
        );
        if self.mode == Mode::Full {
            text.push_str(&format!(", breaker {:?}", self.breaker.state()));
        }
        text
    }
}
