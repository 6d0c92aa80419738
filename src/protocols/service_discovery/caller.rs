//! A caller: a service that calls the discovered one through its cached
//! view of the registry's answer.

use super::registry::names;
use super::{Bug, Msg, OnStale, Params, SdNode, Timer, REGISTRY};
use crate::sim::{Ctx, NodeId, Reply, Request, SimTime, TimerId, Value};
use std::collections::BTreeMap;

/// One call waiting for an instance's answer.
#[derive(Clone, Debug)]
pub struct PendingCall {
    /// The client's request.
    pub request: Request,
    /// The instance this attempt went to.
    pub instance: NodeId,
    /// Attempts so far, this one included.
    pub attempts: u32,
    timer: TimerId,
}

/// What a caller counted since it last started (ghost: read by the checks
/// and the metrics, never by the protocol).
#[derive(Clone, Debug, Default)]
pub struct CallerStats {
    /// Attempts sent, per instance.
    pub sent_to: BTreeMap<NodeId, u64>,
    /// Attempts that timed out.
    pub timeouts: u64,
    /// Calls that failed (every attempt timed out, no instance known, or a
    /// view too old).
    pub failed: u64,
    /// Times the view changed.
    pub view_changes: u64,
}

/// A caller's state.
#[derive(Clone, Debug, Default)]
pub struct Caller {
    /// The instances it calls: the registry's last answer (volatile).
    pub view: Vec<NodeId>,
    /// Local time of the registry's last answer.
    pub fetched_at: Option<SimTime>,
    /// Round-robin position.
    pub cursor: usize,
    /// Calls in flight, by attempt id.
    pub calls: BTreeMap<u64, PendingCall>,
    /// The next attempt id.
    pub next_attempt: u64,
    /// Calls that arrived while no instance was known, in order: sent when
    /// a view with instances arrives (the client's own timeout bounds the
    /// wait).
    pub held: Vec<Request>,
    /// An early lookup is pending (the view was empty).
    relookup_armed: bool,
    /// Ghost counters.
    pub stats: CallerStats,
}

impl Caller {
    /// Look up at once; the first refresh comes after a random part of
    /// `refresh`, so that callers started together do not refresh in
    /// lockstep (and a crash is not always seen at the same moment).
    pub(super) fn on_start(&mut self, params: &Params, ctx: &mut Ctx<SdNode>) {
        ctx.send(REGISTRY, Msg::Lookup);
        let first = ctx.rng().range_inclusive(1, params.refresh.as_nanos());
        ctx.set_timer(SimTime(first), Timer::Refresh);
    }

    pub(super) fn on_message(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<SdNode>,
        from: NodeId,
        msg: Msg,
    ) {
        match msg {
            Msg::Instances { instances } if from == REGISTRY => {
                self.on_instances(params, ctx, instances)
            }
            Msg::Answer { attempt } => {
                if let Some(call) = self.calls.remove(&attempt) {
                    ctx.cancel_timer(call.timer);
                    ctx.reply(&call.request, Reply::Ok(Value::Nil));
                }
            }
            other => ctx.log(format!("ignored {other:?} from {from}")),
        }
    }

    /// The registry's answer replaces the view — except an empty answer
    /// while the view holds instances: a registry that hears from no
    /// instance at all (it restarted, or was cut off from them) is more
    /// likely wrong than every instance gone, and an empty view fails every
    /// call (Envoy's panic threshold and Eureka's self-preservation make
    /// the same bet). An empty view is looked up again soon (one call
    /// timeout), not at the next refresh.
    fn on_instances(&mut self, params: &Params, ctx: &mut Ctx<SdNode>, instances: Vec<NodeId>) {
        if instances.is_empty() && !self.view.is_empty() {
            ctx.log(format!(
                "the registry lists no instance: keeps {}",
                names(&self.view)
            ));
            return;
        }
        if instances != self.view {
            ctx.log(format!("view {}", names(&instances)));
            self.stats.view_changes += 1;
            self.view = instances;
        }
        self.fetched_at = Some(ctx.now());
        if self.view.is_empty() {
            self.arm_relookup(params, ctx);
            return;
        }
        for request in std::mem::take(&mut self.held) {
            if let Some(instance) = self.next_instance(None) {
                self.send_call(params, ctx, request, instance, 1);
            }
        }
    }

    /// Look up again after one call timeout (once at a time).
    fn arm_relookup(&mut self, params: &Params, ctx: &mut Ctx<SdNode>) {
        if !self.relookup_armed {
            self.relookup_armed = true;
            ctx.set_timer(params.call_timeout, Timer::Relookup);
        }
    }

    pub(super) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<SdNode>, timer: Timer) {
        match timer {
            Timer::Refresh => {
                if params.has(Bug::CacheForever) && self.fetched_at.is_some() {
                    return;
                }
                ctx.send(REGISTRY, Msg::Lookup);
                ctx.set_timer(params.refresh, Timer::Refresh);
            }
            Timer::Relookup => {
                self.relookup_armed = false;
                if self.view.is_empty() {
                    ctx.send(REGISTRY, Msg::Lookup);
                    self.arm_relookup(params, ctx);
                }
            }
            Timer::CallTimeout(attempt) => self.on_call_timeout(params, ctx, attempt),
            Timer::Heartbeat | Timer::HealthCheck => {}
        }
    }

    /// A client call: refused if the view is too old (with `on_stale =
    /// "fail"`) or empty; otherwise sent to the next instance in round
    /// robin; held while no instance is known.
    pub fn on_request(&mut self, params: &Params, ctx: &mut Ctx<SdNode>, request: Request) {
        let now = ctx.now();
        if params.on_stale == OnStale::Fail {
            let age = self.fetched_at.map(|t| now.saturating_sub(t));
            if age.is_none_or(|age| age > params.max_staleness) {
                let why = match age {
                    Some(age) => format!(
                        "the view is {age} old (max_staleness {}): the registry is unreachable",
                        params.max_staleness
                    ),
                    None => "no answer from the registry yet".to_string(),
                };
                self.fail(ctx, &request, why);
                return;
            }
        }
        let Some(instance) = self.next_instance(None) else {
            // No instance known yet: hold the call until a view arrives.
            self.held.push(request);
            self.arm_relookup(params, ctx);
            return;
        };
        self.send_call(params, ctx, request, instance, 1);
    }

    /// The next instance in round robin, skipping `avoid` when the view
    /// holds another.
    fn next_instance(&mut self, avoid: Option<NodeId>) -> Option<NodeId> {
        let n = self.view.len();
        for _ in 0..n {
            let pick = self.view[self.cursor % n];
            self.cursor = self.cursor.wrapping_add(1);
            if Some(pick) != avoid || n == 1 {
                return Some(pick);
            }
        }
        None
    }

    fn send_call(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<SdNode>,
        request: Request,
        instance: NodeId,
        attempts: u32,
    ) {
        let attempt = self.next_attempt;
        self.next_attempt += 1;
        let timer = ctx.set_timer(params.call_timeout, Timer::CallTimeout(attempt));
        *self.stats.sent_to.entry(instance).or_default() += 1;
        ctx.send(instance, Msg::Call { attempt });
        self.calls.insert(
            attempt,
            PendingCall {
                request,
                instance,
                attempts,
                timer,
            },
        );
    }

    /// No answer in time: try the next instance (the same one with the
    /// `retry-same-instance` bug), or fail the call after `max_attempts`.
    fn on_call_timeout(&mut self, params: &Params, ctx: &mut Ctx<SdNode>, attempt: u64) {
        let Some(call) = self.calls.remove(&attempt) else {
            return;
        };
        self.stats.timeouts += 1;
        if call.attempts >= params.max_attempts {
            let why = format!("no answer from {} attempt(s)", call.attempts);
            self.fail(ctx, &call.request, why);
            return;
        }
        let next = if params.has(Bug::RetrySameInstance) {
            Some(call.instance)
        } else {
            self.next_instance(Some(call.instance))
        };
        match next {
            Some(instance) => {
                self.send_call(params, ctx, call.request, instance, call.attempts + 1)
            }
            None => self.fail(ctx, &call.request, "no instance known".into()),
        }
    }

    fn fail(&mut self, ctx: &mut Ctx<SdNode>, request: &Request, why: String) {
        self.stats.failed += 1;
        ctx.reply(request, Reply::Fail(why));
    }

    /// One line for the TUI.
    pub fn summary(&self) -> String {
        format!(
            "caller: view {}, {} call(s) in flight, {} held",
            names(&self.view),
            self.calls.len(),
            self.held.len()
        )
    }
}
