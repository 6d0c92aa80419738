//! The one path through the engine: `step()` pops an event, runs the handler,
//! applies the effects it pushed into `Ctx`, runs the per-step checks, and
//! appends to the trace.

use super::event::Event;
use super::ids::{Endpoint, NodeId};
use super::node::{Ctx, Effect, Node};
use super::trace::{self, SendOutcome, SendRecord, TraceEvent, TraceLevel};
use super::world::{Sim, Violation};
use super::SimTime;
use crate::check::{CheckKind, Outcome};
use crate::net::Transit;
use std::hash::Hash;

/// What a call to [`Sim::step`] did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StepResult {
    /// One event was processed.
    Progressed,
    /// Nothing left to do before the end of the run.
    Finished,
    /// A safety check failed; the run is stopped.
    Violated,
}

impl<N: Node> Sim<N> {
    /// Process one event. Events past the end of the run are not processed.
    pub fn step(&mut self) -> StepResult {
        if self.violation.is_some() {
            return StepResult::Violated;
        }
        let end = self.end_time();
        let scheduled = loop {
            match self.queue.peek_time() {
                Some(at) if at <= end => {}
                _ => return StepResult::Finished,
            }
            let Some(item) = self.queue.pop() else {
                return StepResult::Finished;
            };
            if item.event.is_in_flight() {
                self.in_flight -= 1;
            }
            if !self.is_stale(&item.event) {
                break item;
            }
        };
        self.now = scheduled.at;
        self.step += 1;
        {
            let h = self.trace.hasher();
            (self.step, self.now).hash(h);
        }
        let full = self.trace.level() == TraceLevel::Full;
        let event = self.dispatch(scheduled.event, full);
        if let Some(event) = event {
            self.trace.push(self.step, self.now, event);
        }
        self.run_step_checks()
    }

    /// Skipped lazily: cancelled timers and timers of a previous incarnation.
    fn is_stale(&mut self, event: &Event<N>) -> bool {
        match event {
            Event::Timer {
                node,
                id,
                incarnation,
                ..
            } => {
                let cancelled = !self.cancelled.is_empty() && self.cancelled.remove(&id.0);
                cancelled || self.nodes[node.index()].incarnation != *incarnation
            }
            _ => false,
        }
    }

    /// Run the event's handler; return the trace event at the full level.
    fn dispatch(&mut self, event: Event<N>, full: bool) -> Option<TraceEvent<N>> {
        match event {
            Event::Deliver {
                from,
                to,
                msg_id,
                sent_at,
                msg,
            } => {
                if self.nodes[to.index()].state.is_none() {
                    self.counters.dropped += 1;
                    let ev = TraceEvent::DeliverToDown {
                        msg_id,
                        from: Endpoint::Node(from),
                        to,
                    };
                    ev.fold(self.trace.hasher());
                    return full.then_some(ev);
                }
                self.counters.delivered += 1;
                trace::fold_deliver(self.trace.hasher(), msg_id, from, to, sent_at, &msg);
                let kept = full.then(|| msg.clone());
                self.with_node(to, |node, ctx| node.on_message(ctx, from, msg));
                kept.map(|msg| TraceEvent::Deliver {
                    msg_id,
                    from,
                    to,
                    sent_at,
                    msg,
                })
            }
            Event::Timer {
                node, id, timer, ..
            } => {
                let ev = TraceEvent::Timer {
                    node,
                    id,
                    timer: timer.clone(),
                };
                ev.fold(self.trace.hasher());
                self.with_node(node, |n, ctx| n.on_timer(ctx, timer));
                full.then_some(ev)
            }
            Event::Start(node) => {
                let ev = TraceEvent::Start(node);
                ev.fold(self.trace.hasher());
                self.with_node(node, |n, ctx| n.on_start(ctx));
                full.then_some(ev)
            }
            other => {
                let ev = self.dispatch_control(other);
                ev.fold(self.trace.hasher());
                full.then_some(ev)
            }
        }
    }

    /// Run a handler on a live node, then apply its effects.
    pub(crate) fn with_node(&mut self, id: NodeId, handler: impl FnOnce(&mut N, &mut Ctx<N>)) {
        let nodes = self.settings.nodes;
        let slot = &mut self.nodes[id.index()];
        let Some(state) = slot.state.as_mut() else {
            return;
        };
        let mut effects = std::mem::take(&mut self.effects);
        let mut ctx = Ctx {
            id,
            nodes,
            local_now: slot.clock.local(self.now),
            rng: &mut slot.rng,
            storage: &mut slot.storage,
            effects: &mut effects,
            next_timer: &mut self.next_timer,
        };
        handler(state, &mut ctx);
        for effect in effects.drain(..) {
            self.apply_effect(id, effect);
        }
        self.effects = effects;
    }

    fn apply_effect(&mut self, node: NodeId, effect: Effect<N>) {
        match effect {
            Effect::Send(to, msg) => self.send(node, to, msg),
            Effect::SetTimer(id, after, timer) => {
                let slot = &self.nodes[node.index()];
                let local_deadline = slot.clock.local(self.now).saturating_add(after);
                let at = slot.clock.true_time_of(local_deadline, self.now);
                let incarnation = slot.incarnation;
                (9u8, id, at).hash(self.trace.hasher());
                self.queue.push(
                    at,
                    Event::Timer {
                        node,
                        id,
                        incarnation,
                        local_deadline,
                        timer,
                    },
                );
            }
            Effect::CancelTimer(id) => {
                (10u8, id).hash(self.trace.hasher());
                // Only a pending timer needs skipping: remembering ids that
                // already fired would grow the set for the whole run.
                let owner = (node.index()..self.nodes.len())
                    .chain(0..node.index())
                    .map(|i| NodeId(i as u32))
                    .find(|&n| self.queue.has_timer(n, id));
                if owner.is_some() {
                    self.cancelled.insert(id.0);
                }
            }
            Effect::Reply(client, request_id, reply) => {
                let msg_id = self.next_msg;
                self.next_msg += 1;
                let outcome = match self.network.route_client(&mut self.net_rng, self.now) {
                    Transit::Deliver { at, .. } => {
                        self.in_flight += 1;
                        let reply = Box::new(reply);
                        self.queue.push(
                            at,
                            Event::Reply {
                                node,
                                client,
                                msg_id,
                                request_id,
                                reply,
                            },
                        );
                        SendOutcome::Scheduled(at)
                    }
                    _ => SendOutcome::Lost,
                };
                let send = SendRecord {
                    msg_id,
                    from: Endpoint::Node(node),
                    to: Endpoint::Client(client),
                    outcome,
                };
                self.note_send(send);
            }
            Effect::Log(text) => {
                text.hash(self.trace.hasher());
                self.trace.note_annotation(text);
            }
        }
    }

    fn send(&mut self, from: NodeId, to: NodeId, msg: N::Msg) {
        let msg_id = self.next_msg;
        self.next_msg += 1;
        self.counters.sent += 1;
        if to.0 >= self.settings.nodes {
            // A send to a node that does not exist is lost, like a bad address.
            self.counters.dropped += 1;
            return;
        }
        let sent_at = self.now;
        let outcome = match self.network.route(&mut self.net_rng, from, to, self.now) {
            Transit::Deliver { at, duplicate } => {
                if let Some(copy_at) = duplicate {
                    self.counters.duplicated += 1;
                    self.in_flight += 1;
                    let copy = Event::Deliver {
                        from,
                        to,
                        msg_id,
                        sent_at,
                        msg: msg.clone(),
                    };
                    self.queue.push(copy_at, copy);
                }
                self.in_flight += 1;
                self.queue.push(
                    at,
                    Event::Deliver {
                        from,
                        to,
                        msg_id,
                        sent_at,
                        msg,
                    },
                );
                match duplicate {
                    Some(copy_at) => SendOutcome::Duplicated(at, copy_at),
                    None => SendOutcome::Scheduled(at),
                }
            }
            Transit::Lost => {
                self.counters.dropped += 1;
                SendOutcome::Lost
            }
            Transit::Partitioned => {
                self.counters.dropped += 1;
                SendOutcome::Partitioned
            }
        };
        let send = SendRecord {
            msg_id,
            from: Endpoint::Node(from),
            to: Endpoint::Node(to),
            outcome,
        };
        self.note_send(send);
    }

    pub(crate) fn note_send(&mut self, send: SendRecord) {
        send.hash(self.trace.hasher());
        self.trace.note_send(send);
    }

    /// After each step: monitors and `always` checks (stop on failure), then
    /// the `sometimes` checks not yet seen.
    fn run_step_checks(&mut self) -> StepResult {
        if !self.monitors.is_empty() && self.run_monitors() == StepResult::Violated {
            return StepResult::Violated;
        }
        if self.settings.invariants.is_empty() {
            return StepResult::Progressed;
        }
        let settings = std::sync::Arc::clone(&self.settings);
        for (i, inv) in settings.invariants.iter().enumerate() {
            match inv.kind {
                CheckKind::Always => {
                    if let Outcome::Fail(detail) = inv.evaluate(self) {
                        self.violation = Some(Violation {
                            check: inv.name.clone(),
                            step: self.step,
                            time: self.now,
                            detail,
                        });
                        return StepResult::Violated;
                    }
                }
                CheckKind::Sometimes
                    if !self.sometimes_seen[i] && inv.evaluate(self) == Outcome::Pass =>
                {
                    self.sometimes_seen[i] = true;
                }
                _ => {}
            }
        }
        StepResult::Progressed
    }

    /// Run every monitor on the world as it is now; the first failure
    /// becomes the run's violation.
    fn run_monitors(&mut self) -> StepResult {
        // Monitors live in the world they watch: take them out while they look.
        let mut monitors = std::mem::take(&mut self.monitors);
        let mut failed = None;
        for m in &mut monitors {
            if let Err(detail) = m.monitor.after_step(self) {
                failed = Some(Violation {
                    check: m.name.clone(),
                    step: self.step,
                    time: self.now,
                    detail,
                });
                break;
            }
        }
        self.monitors = monitors;
        match failed {
            Some(violation) => {
                self.violation = Some(violation);
                StepResult::Violated
            }
            None => StepResult::Progressed,
        }
    }

    /// Run `n` steps (fewer if the run finishes or stops).
    pub fn run_steps(&mut self, n: u64) -> StepResult {
        for _ in 0..n {
            match self.step() {
                StepResult::Progressed => {}
                other => return other,
            }
        }
        StepResult::Progressed
    }

    /// Run every event up to and including time `until`.
    pub fn run_until(&mut self, until: SimTime) -> StepResult {
        while self.queue.peek_time().is_some_and(|at| at <= until) {
            match self.step() {
                StepResult::Progressed => {}
                other => return other,
            }
        }
        if self.queue.peek_time().is_none() || until >= self.end_time() {
            return StepResult::Finished;
        }
        StepResult::Progressed
    }

    /// Run until no message or client traffic is in flight (timers may remain),
    /// or until `limit`.
    pub fn run_until_quiescent(&mut self, limit: SimTime) -> StepResult {
        while self.in_flight > 0 && self.queue.peek_time().is_some_and(|at| at <= limit) {
            match self.step() {
                StepResult::Progressed => {}
                other => return other,
            }
        }
        StepResult::Progressed
    }
}
