//! The balancer: takes client requests, picks an instance by the strategy,
//! forwards, relays the first answer, and keeps the bookkeeping the
//! strategy needs (outstanding requests per instance, a round-robin
//! cursor, a hash ring), plus retries, hedges and outlier ejection.

use super::strategy::{hash_text, RoundRobin, Strategy};
use super::{Bug, LbNode, LoadInfo, Msg, Params, Timer};
use crate::sim::{ClientId, Ctx, NodeId, Reply, Request, SimTime, TimerId, Value};
use std::collections::BTreeMap;

/// Counters of a balancer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BalancerStats {
    /// Client requests taken.
    pub calls: u64,
    /// Requests answered `ok`.
    pub answered: u64,
    /// Requests failed (every attempt timed out).
    pub failed: u64,
    /// Attempts after a request's first (not hedges).
    pub retries: u64,
    /// Hedged copies sent.
    pub hedges: u64,
    /// Answers that came after their request was answered (a hedge's
    /// loser) or after their attempt timed out.
    pub late_answers: u64,
    /// Ejections.
    pub ejections: u64,
    /// Answers received, per instance (the per-instance load).
    pub served: Vec<u64>,
}

/// One pick, as the checks see it: the balancer's view when it chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Pick {
    /// Instance index chosen.
    pub instance: usize,
    /// The other sample of two-choices.
    pub other: Option<usize>,
    /// The load view (outstanding per instance) the choice was made on.
    pub loads: Vec<u32>,
    /// Which instances were candidates (not ejected, not tried already
    /// for this request).
    pub candidates: Vec<bool>,
    /// The chosen instance was ejected at the time (its ejection's end).
    pub ejected_until: Option<SimTime>,
    /// The balancer's clock.
    pub at: SimTime,
}

/// A client request in hand.
#[derive(Clone, Debug)]
pub(super) struct Call {
    pub(super) client: ClientId,
    pub(super) request: u64,
    pub(super) key: String,
    pub(super) tries: u32,
    pub(super) in_flight: u32,
    pub(super) tried: Vec<usize>,
}

/// One attempt in flight.
#[derive(Clone, Debug)]
pub(super) struct Attempt {
    pub(super) call: u64,
    pub(super) client: ClientId,
    pub(super) request: u64,
    pub(super) instance: usize,
    pub(super) sent: SimTime,
    timer: Option<TimerId>,
}

/// Per-instance outlier state.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Outlier {
    /// Consecutive failures.
    pub failures: u32,
    /// Ejected until then (balancer clock).
    pub until: Option<SimTime>,
}

/// A balancer's state.
#[derive(Clone, Debug)]
pub struct Balancer {
    /// The instances' node ids, by index.
    pub instances: Vec<NodeId>,
    /// Outstanding attempts per instance, as this balancer counts them.
    pub outstanding: Vec<u32>,
    /// The other balancers' last reports (`load_info = "shared"`).
    pub reported: BTreeMap<NodeId, Vec<u32>>,
    /// Round-robin cursor.
    pub round_robin: RoundRobin,
    /// The consistent-hash ring, `(position, instance)` sorted, built from
    /// the strategy's hooks at the first pick that needs it.
    ring: Vec<(u64, usize)>,
    /// Outlier ejection state per instance.
    pub outliers: Vec<Outlier>,
    /// Per instance: whether it has said `Hello` to this balancer yet.
    pub greeted: Vec<bool>,
    /// Per instance: when it came back (a `Hello` after its first), the
    /// start of its slow-start ramp (`slow_start`).
    pub rejoined: Vec<Option<SimTime>>,
    pub(super) calls: BTreeMap<u64, Call>,
    pub(super) attempts: BTreeMap<u64, Attempt>,
    next_id: u64,
    /// Counters.
    pub stats: BalancerStats,
    /// Ghost (for the checks, not the protocol): handler runs so far.
    pub handled: u64,
    /// Ghost: the picks the last handler made.
    pub picks: Vec<Pick>,
    /// Ghost: the client answers the last handler sent.
    pub replies: Vec<(ClientId, u64)>,
    /// Ghost: indices the strategy returned in the last handler that are
    /// no instance (the request failed instead).
    pub bad_picks: Vec<usize>,
}

impl Balancer {
    /// The balancer at `id` of a run with `nodes` nodes.
    pub fn new(params: &Params, _id: NodeId, nodes: u32) -> Self {
        let instances: Vec<NodeId> = (params.balancers..nodes).map(NodeId).collect();
        let n = instances.len();
        Balancer {
            outstanding: vec![0; n],
            reported: BTreeMap::new(),
            round_robin: RoundRobin::default(),
            ring: Vec::new(),
            outliers: vec![Outlier::default(); n],
            greeted: vec![false; n],
            rejoined: vec![None; n],
            calls: BTreeMap::new(),
            attempts: BTreeMap::new(),
            next_id: 0,
            stats: BalancerStats {
                served: vec![0; n],
                ..BalancerStats::default()
            },
            handled: 0,
            picks: Vec::new(),
            replies: Vec::new(),
            bad_picks: Vec::new(),
            instances,
        }
    }

    /// A handler starts: the ghost records start over.
    fn enter(&mut self) {
        self.handled += 1;
        self.picks.clear();
        self.replies.clear();
        self.bad_picks.clear();
    }

    /// Attempts in flight per instance, counted from the attempts table
    /// (what `outstanding` must equal).
    pub fn in_flight(&self) -> Vec<u32> {
        let mut counts = vec![0; self.instances.len()];
        for a in self.attempts.values() {
            counts[a.instance] += 1;
        }
        counts
    }

    /// Whether instance `i` is ejected at `now`.
    pub fn ejected(&self, i: usize, now: SimTime) -> Option<SimTime> {
        self.outliers[i].until.filter(|&until| until > now)
    }

    /// The load view: with `local`, the own outstanding counts; with
    /// `shared`, the sum of every balancer's counts as of its last report
    /// (its own included): the whole load, but up to a report period old.
    fn loads(&self, params: &Params) -> Vec<u32> {
        if params.load_info == LoadInfo::Local {
            return self.outstanding.clone();
        }
        let mut loads = vec![0; self.outstanding.len()];
        for report in self.reported.values() {
            for (l, r) in loads.iter_mut().zip(report) {
                *l += r;
            }
        }
        loads
    }

    /// Instance `i`'s share under slow start at `now`, in thousandths:
    /// from 100 when it came back to 1000 after `slow_start` (1000 when
    /// it did not come back, or without slow start).
    pub fn slow_start_share(&self, params: &Params, i: usize, now: SimTime) -> u64 {
        let window = params.slow_start.as_nanos();
        match self.rejoined[i] {
            Some(since) if window > 0 => {
                let elapsed = now.saturating_sub(since).as_nanos();
                let share = u128::from(elapsed) * 1000 / u128::from(window);
                share.clamp(100, 1000) as u64
            }
            _ => 1000,
        }
    }

    /// The load view with slow start: an instance at a share `f` of full
    /// weight counts as `(load + 1) / f - 1` outstanding (Envoy's
    /// least-request weighting), so least-outstanding gives it about `f`
    /// of the requests an instance at full weight holds. An instance at
    /// full weight keeps its count, so without a ramp nothing changes.
    fn ramped(&self, params: &Params, now: SimTime, mut loads: Vec<u32>) -> Vec<u32> {
        for (i, load) in loads.iter_mut().enumerate() {
            let share = self.slow_start_share(params, i, now);
            if share < 1000 {
                let scaled = (u64::from(*load) + 1) * 1000;
                *load = (scaled.div_ceil(share) - 1).min(u64::from(u32::MAX)) as u32;
            }
        }
        loads
    }

    pub(super) fn on_start(&mut self, params: &Params, ctx: &mut Ctx<LbNode>) {
        self.enter();
        if params.load_info == LoadInfo::Shared {
            ctx.set_timer(params.load_report_every, Timer::Report);
        }
    }

    /// Choose an instance for `call`, not one it tried already; `None` if
    /// there is none.
    fn pick(&mut self, params: &Params, ctx: &mut Ctx<LbNode>, call: u64) -> Option<usize> {
        let now = ctx.now();
        let tried = self.calls.get(&call).map(|c| c.tried.clone());
        let tried = tried.unwrap_or_default();
        let ignore_ejection = params.has(Bug::EjectIgnored);
        let candidates: Vec<bool> = (0..self.instances.len())
            .map(|i| !tried.contains(&i) && (ignore_ejection || self.ejected(i, now).is_none()))
            .collect();
        let loads = self.loads(params);
        let loads = self.ramped(params, now, loads);
        let (chosen, other) = self.choose(params, ctx, call, &loads, &candidates);
        let n = self.instances.len();
        if let Some(bad) = [chosen, other].into_iter().flatten().find(|&i| i >= n) {
            self.bad_picks.push(bad);
            ctx.log(format!("the strategy returned instance index {bad} of {n}"));
            return None;
        }
        let chosen = chosen?;
        self.picks.push(Pick {
            instance: chosen,
            other,
            ejected_until: self.ejected(chosen, now),
            loads,
            candidates,
            at: now,
        });
        Some(chosen)
    }

    /// The strategy's choice for `call` among `candidates`, through the
    /// hooks (`lab.rs`): `(chosen, other sample of two-choices)`. Unchecked:
    /// a student's strategy may answer an index that is no instance.
    fn choose(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<LbNode>,
        call: u64,
        loads: &[u32],
        candidates: &[bool],
    ) -> (Option<usize>, Option<usize>) {
        let hooks = &params.hooks;
        let worse = params.has(Bug::ChooseMoreLoaded);
        match params.strategy {
            Strategy::RoundRobin => {
                let before = self.round_robin.cursor;
                let picked = (hooks.round_robin)(&mut self.round_robin.cursor, candidates);
                if params.has(Bug::RoundRobinStuck) {
                    self.round_robin.cursor = before;
                }
                (picked, None)
            }
            Strategy::Random => ((hooks.random)(candidates, ctx.rng()), None),
            Strategy::LeastOutstanding if worse => {
                let inverted: Vec<u32> = loads.iter().map(|l| u32::MAX - l).collect();
                (
                    (hooks.least_outstanding)(&inverted, candidates, ctx.rng()),
                    None,
                )
            }
            Strategy::LeastOutstanding => (
                (hooks.least_outstanding)(loads, candidates, ctx.rng()),
                None,
            ),
            Strategy::TwoChoices => match (hooks.two_choices)(loads, candidates, ctx.rng()) {
                Some((a, b)) if worse => (Some(b), Some(a)),
                Some((a, b)) => (Some(a), Some(b)),
                None => (None, None),
            },
            Strategy::ConsistentHash => {
                if self.ring.is_empty() {
                    let one_point = params.has(Bug::RingOnePoint);
                    self.ring = hooks.ring(self.instances.len(), params.virtual_nodes, one_point);
                }
                let key = self.calls.get(&call).map(|c| c.key.clone());
                let hash = hash_text(&key.unwrap_or_default());
                ((hooks.ring_owner)(&self.ring, hash, candidates), None)
            }
        }
    }

    /// Send one attempt of `call` to instance `i`.
    fn send_attempt(&mut self, params: &Params, ctx: &mut Ctx<LbNode>, call: u64, i: usize) {
        let Some(c) = self.calls.get_mut(&call) else {
            return;
        };
        let attempt = self.next_id;
        self.next_id += 1;
        c.tries += 1;
        c.in_flight += 1;
        c.tried.push(i);
        let key = c.key.clone();
        let (client, request) = (c.client, c.request);
        let timer = (!params.has(Bug::NoAttemptTimeout))
            .then(|| ctx.set_timer(params.request_timeout, Timer::AttemptTimeout(attempt)));
        self.attempts.insert(
            attempt,
            Attempt {
                call,
                client,
                request,
                instance: i,
                sent: ctx.now(),
                timer,
            },
        );
        self.outstanding[i] += 1;
        ctx.send(self.instances[i], Msg::Request { attempt, key });
    }

    pub(super) fn on_request(&mut self, params: &Params, ctx: &mut Ctx<LbNode>, request: Request) {
        self.enter();
        self.stats.calls += 1;
        let id = self.next_id;
        self.next_id += 1;
        let call = Call {
            client: request.client,
            request: request.id,
            key: request.op.key.clone().unwrap_or_default(),
            tries: 0,
            in_flight: 0,
            tried: Vec::new(),
        };
        self.calls.insert(id, call);
        match self.pick(params, ctx, id) {
            Some(i) => self.send_attempt(params, ctx, id, i),
            None => return self.finish(ctx, id, Reply::Fail("no instance to send to".into())),
        }
        if params.hedge_after > SimTime::ZERO {
            ctx.set_timer(params.hedge_after, Timer::Hedge(id));
        }
    }

    /// Answer call `id`'s client and forget the call.
    fn finish(&mut self, ctx: &mut Ctx<LbNode>, id: u64, reply: Reply) {
        if let Some(call) = self.calls.remove(&id) {
            match reply {
                Reply::Ok(_) => self.stats.answered += 1,
                _ => self.stats.failed += 1,
            }
            self.replies.push((call.client, call.request));
            ctx.reply_to(call.client, call.request, reply);
        }
    }

    /// Attempt `attempt` ended (answered or timed out): forget it and
    /// lower its instance's count (unless `leak`: the `leak-outstanding`
    /// bug on an answer).
    fn end_attempt(&mut self, ctx: &mut Ctx<LbNode>, attempt: u64, leak: bool) -> Option<Attempt> {
        let a = self.attempts.remove(&attempt)?;
        if let Some(timer) = a.timer {
            ctx.cancel_timer(timer);
        }
        if !leak {
            self.outstanding[a.instance] = self.outstanding[a.instance].saturating_sub(1);
        }
        if let Some(c) = self.calls.get_mut(&a.call) {
            c.in_flight = c.in_flight.saturating_sub(1);
        }
        Some(a)
    }

    pub(super) fn on_answer(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<LbNode>,
        attempt: u64,
        value: Value,
    ) {
        self.enter();
        let leak = params.has(Bug::LeakOutstanding);
        let Some(a) = self.end_attempt(ctx, attempt, leak) else {
            self.stats.late_answers += 1;
            return;
        };
        self.stats.served[a.instance] += 1;
        let latency = ctx.now().saturating_sub(a.sent);
        let slow = params.eject_latency > SimTime::ZERO && latency > params.eject_latency;
        self.note_outcome(params, ctx, a.instance, !slow);
        if self.calls.contains_key(&a.call) {
            self.finish(ctx, a.call, Reply::Ok(value));
        } else {
            self.stats.late_answers += 1;
            if params.has(Bug::HedgeDoubleAnswer) {
                self.replies.push((a.client, a.request));
                ctx.reply_to(a.client, a.request, Reply::Ok(value));
            }
        }
    }

    /// Count a success or failure of instance `i` for outlier ejection.
    fn note_outcome(&mut self, params: &Params, ctx: &mut Ctx<LbNode>, i: usize, ok: bool) {
        if params.eject_after == 0 {
            return;
        }
        let now = ctx.now();
        let ejected_now = (0..self.instances.len())
            .filter(|&j| self.ejected(j, now).is_some())
            .count();
        let o = &mut self.outliers[i];
        if ok {
            o.failures = 0;
            return;
        }
        o.failures += 1;
        let room = 2 * (ejected_now + 1) <= self.instances.len();
        if o.failures >= params.eject_after && o.until.is_none_or(|u| u <= now) && room {
            o.until = Some(now + params.eject_for);
            o.failures = 0;
            self.stats.ejections += 1;
            ctx.log(format!(
                "eject {} until {}",
                self.instances[i],
                now + params.eject_for
            ));
        }
    }

    pub(super) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<LbNode>, timer: Timer) {
        self.enter();
        match timer {
            Timer::AttemptTimeout(attempt) => self.on_attempt_timeout(params, ctx, attempt),
            Timer::Hedge(call) => self.on_hedge(params, ctx, call),
            Timer::Hold { .. } => {}
            Timer::Report => {
                let outstanding = self.outstanding.clone();
                self.reported.insert(ctx.id(), outstanding.clone());
                for b in 0..params.balancers {
                    if NodeId(b) != ctx.id() {
                        let outstanding = outstanding.clone();
                        ctx.send(NodeId(b), Msg::Load { outstanding });
                    }
                }
                ctx.set_timer(params.load_report_every, Timer::Report);
            }
        }
    }

    /// Whether one more retry stays within the budget.
    fn budget_allows(&self, params: &Params) -> bool {
        let r = params.retry_budget;
        u128::from(self.stats.retries + 1) * u128::from(r.denominator)
            <= u128::from(self.stats.calls) * u128::from(r.numerator)
    }

    fn on_attempt_timeout(&mut self, params: &Params, ctx: &mut Ctx<LbNode>, attempt: u64) {
        let Some(a) = self.end_attempt(ctx, attempt, false) else {
            return;
        };
        self.note_outcome(params, ctx, a.instance, false);
        let Some((tries, in_flight)) = self.calls.get(&a.call).map(|c| (c.tries, c.in_flight))
        else {
            return;
        };
        if in_flight > 0 {
            return; // a hedge is still out
        }
        let retries_used = tries.saturating_sub(1);
        let may_retry = retries_used < params.retries
            && (params.has(Bug::RetryWithoutBudget) || self.budget_allows(params));
        if may_retry {
            if let Some(i) = self.pick(params, ctx, a.call) {
                self.stats.retries += 1;
                return self.send_attempt(params, ctx, a.call, i);
            }
        }
        self.finish(
            ctx,
            a.call,
            Reply::Fail(format!("timed out ({tries} attempts)")),
        );
    }

    fn on_hedge(&mut self, params: &Params, ctx: &mut Ctx<LbNode>, call: u64) {
        let open = self.calls.get(&call).is_some_and(|c| c.in_flight > 0);
        if !open {
            return;
        }
        if let Some(i) = self.pick(params, ctx, call) {
            self.stats.hedges += 1;
            self.send_attempt(params, ctx, call, i);
        }
    }

    pub(super) fn on_hello(&mut self, ctx: &mut Ctx<LbNode>, from: NodeId) {
        self.enter();
        if let Some(i) = self.instances.iter().position(|&n| n == from) {
            if self.greeted[i] {
                self.rejoined[i] = Some(ctx.now());
            }
            self.greeted[i] = true;
            if self.outliers[i].until.is_some() {
                ctx.log(format!("{from} is back: ejection lifted"));
            }
            self.outliers[i] = Outlier::default();
        }
    }

    pub(super) fn on_load(&mut self, from: NodeId, outstanding: Vec<u32>) {
        self.enter();
        self.reported.insert(from, outstanding);
    }

    /// Retries allowed so far by the budget.
    pub fn retry_allowance(&self, params: &Params) -> u64 {
        let r = params.retry_budget;
        (u128::from(self.stats.calls) * u128::from(r.numerator) / u128::from(r.denominator)) as u64
    }

    /// One line for the cluster view.
    pub(super) fn summary(&self, params: &Params) -> String {
        let loads: Vec<String> = self.outstanding.iter().map(u32::to_string).collect();
        format!(
            "balancer [{}]: {} open, outstanding [{}], {} retries, {} hedges, {} ejections",
            params.strategy.name(),
            self.calls.len(),
            loads.join(" "),
            self.stats.retries,
            self.stats.hedges,
            self.stats.ejections
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn balancer(slow_start: SimTime) -> (Params, Balancer) {
        let params = Params {
            slow_start,
            ..Params::default()
        };
        let b = Balancer::new(&params, NodeId(0), 4);
        (params, b)
    }

    #[test]
    fn slow_start_ramps_a_rejoined_instance_from_a_tenth_to_a_whole() {
        let (params, mut b) = balancer(SimTime::from_secs(2));
        let at = SimTime::from_millis;
        // Never rejoined: full weight.
        assert_eq!(b.slow_start_share(&params, 1, at(500)), 1000);
        b.rejoined[1] = Some(at(10_000));
        assert_eq!(b.slow_start_share(&params, 1, at(10_000)), 100);
        assert_eq!(b.slow_start_share(&params, 1, at(10_100)), 100);
        assert_eq!(b.slow_start_share(&params, 1, at(11_000)), 500);
        assert_eq!(b.slow_start_share(&params, 1, at(12_000)), 1000);
        assert_eq!(b.slow_start_share(&params, 1, at(20_000)), 1000);
        // Without slow start a rejoined instance is at full weight at once.
        let (off, mut b_off) = balancer(SimTime::ZERO);
        b_off.rejoined[1] = Some(at(10_000));
        assert_eq!(b_off.slow_start_share(&off, 1, at(10_000)), 1000);
    }

    #[test]
    fn a_ramping_instance_counts_as_more_loaded_and_the_others_keep_their_counts() {
        let (params, mut b) = balancer(SimTime::from_secs(2));
        let at = SimTime::from_millis;
        let loads = vec![5, 0, 3];
        // Nobody ramps: the view is unchanged.
        assert_eq!(b.ramped(&params, at(1000), loads.clone()), loads);
        b.rejoined[1] = Some(at(1000));
        // A tenth of a share: (0 + 1) / 0.1 - 1 = 9, more than 5 and 3.
        assert_eq!(b.ramped(&params, at(1000), loads.clone()), [5, 9, 3]);
        // Half a share: (0 + 1) / 0.5 - 1 = 1; with 2 open, 5.
        assert_eq!(b.ramped(&params, at(2000), loads.clone()), [5, 1, 3]);
        assert_eq!(b.ramped(&params, at(2000), vec![5, 2, 3]), [5, 5, 3]);
        // After the window: unchanged again.
        assert_eq!(b.ramped(&params, at(3000), loads.clone()), loads);
    }
}
