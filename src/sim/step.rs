//! The one path through the engine: `step()` pops an event, runs the handler,
//! applies the effects it pushed into `Ctx`, runs the per-step checks, and
//! appends to the trace.

use super::event::{ErasedEvent, Event};
use super::ids::{Endpoint, NodeId};
use super::node::{Ctx, Effect, Node, Request};
use super::panics::{catch_inline, catch_panic, clip, PanicReport, PANIC_CHECK};
use super::trace::{self, SendOutcome, SendRecord, TraceEvent, TraceLevel};
use super::world::{Sim, Violation};
use super::SimTime;
use crate::net::Transit;
use std::fmt::Debug;
use std::hash::Hash;
use std::sync::Arc;

/// The engine's own check: a run whose simulated time stands still for this
/// many consecutive steps stops with a violation of this name. Nothing real
/// does a million things in zero time; a zero-period timer or a message loop
/// with zero latency does, forever. One million is far above any legitimate
/// burst at one instant (256 nodes each sending to every other node is 65,280
/// deliveries) and costs well under a second to reach.
pub const TIME_STILL_CHECK: &str = "time-advances";

/// Consecutive steps at one instant after which [`TIME_STILL_CHECK`] stops the run.
pub const TIME_STILL_LIMIT: u64 = 1_000_000;

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
        if self
            .timed
            .as_deref()
            .is_some_and(|t| t.next_moment() < scheduled.at)
        {
            // Moments before this event see the world as it is now.
            self.timed_before(scheduled.at);
            if self.violation.is_some() {
                return StepResult::Violated;
            }
        }
        if scheduled.at == self.now && self.step > 0 {
            self.still_steps += 1;
            if self.still_steps >= TIME_STILL_LIMIT {
                return self.stop_time_still(&scheduled.event);
            }
        } else {
            self.still_steps = 0;
        }
        let result = self.process(scheduled.at, scheduled.event);
        if result == StepResult::Progressed && self.chaos.is_some() {
            self.chaos_after_step();
        }
        result
    }

    /// Process one event at time `at`: count the step, fold it into the
    /// trace hash, run its handler and apply the effects, keep the trace
    /// entry, run the per-step checks. [`Sim::step`] calls it with the
    /// earliest event; the explorer with the event it chose.
    #[inline(always)]
    pub(crate) fn process(&mut self, at: SimTime, event: Event<N>) -> StepResult {
        self.now = at;
        self.step += 1;
        self.handled.clear();
        {
            let h = self.trace.hasher();
            (self.step, self.now).hash(h);
        }
        let full = self.trace.level() == TraceLevel::Full;
        let event = self.dispatch(event, full);
        if let Some(event) = event {
            self.trace.push(self.step, self.now, event);
        }
        let result = self.run_step_checks();
        if result == StepResult::Progressed
            && self.explore.is_none()
            && self.timed.as_deref().is_some_and(|t| t.busy())
        {
            self.timed_after_step();
            if self.violation.is_some() {
                return StepResult::Violated;
            }
        }
        result
    }

    /// A step with no handler: a fault the explorer applies to a message
    /// on the wire (drop, duplicate), recorded as a fault event.
    pub(crate) fn process_wire_fault(&mut self, text: String) -> StepResult {
        self.step += 1;
        {
            let h = self.trace.hasher();
            (self.step, self.now).hash(h);
        }
        let event = TraceEvent::Fault(text.clone());
        event.fold(self.trace.hasher());
        self.fault_log.push((self.now, text));
        if self.trace.level() == TraceLevel::Full {
            self.trace.push(self.step, self.now, event);
        }
        self.run_step_checks()
    }

    /// Stop the run: time stood still. `next` (not processed) is the event
    /// that would have run at the same instant once more.
    #[cold]
    fn stop_time_still(&mut self, next: &Event<N>) -> StepResult {
        let what = describe_event(next.erased(), self.now);
        self.violation = Some(Violation {
            check: TIME_STILL_CHECK.to_string(),
            step: self.step,
            time: self.now,
            detail: format!(
                "time stood still at {} for {} steps: {what}; a zero period or a zero latency repeats forever",
                self.now, self.still_steps
            ),
        });
        StepResult::Violated
    }

    /// Skipped lazily: cancelled timers and timers of a previous incarnation.
    #[inline]
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
    #[inline(always)]
    fn dispatch(&mut self, event: Event<N>, full: bool) -> Option<TraceEvent<N>> {
        if let Some((node, until)) = self.paused_target(&event) {
            return self.hold(node, until, event, full);
        }
        if self.service.is_some() {
            return self.dispatch_served(event, full);
        }
        match event {
            Event::Deliver {
                from,
                to,
                msg_id,
                sent_at,
                msg,
            } => self.deliver(from, to, msg_id, sent_at, msg, full),
            other => self.dispatch_now(other, full),
        }
    }

    /// [`Sim::dispatch`] when nodes take time (`service.rs`): an arrival at
    /// a served node starts on a free worker or waits in its queue; a
    /// `serve` event starts the head of a queue.
    #[cold]
    fn dispatch_served(&mut self, event: Event<N>, full: bool) -> Option<TraceEvent<N>> {
        use super::service::{Admit, Release};
        let service = self.service.as_deref_mut().expect("served");
        let arrival = match &event {
            Event::Deliver { to, .. } => Some(*to),
            Event::Request { node, .. } if service.takes_requests() => Some(*node),
            _ => None,
        };
        let (event, time) = match (event, arrival) {
            (Event::Serve(node), _) => {
                if let Some(until) = self.nodes[node.index()].paused_until {
                    if until > self.now {
                        // Paused: the worker does nothing until it resumes.
                        self.queue.push(until, Event::Serve(node));
                        return None;
                    }
                }
                match service.release(node, self.now) {
                    Release::Nothing => return None,
                    Release::Later(at) => {
                        self.queue.push(at, Event::Serve(node));
                        return None;
                    }
                    Release::Start { event, time, next } => {
                        if let Some(at) = next {
                            self.queue.push(at, Event::Serve(node));
                        }
                        if event.is_in_flight() {
                            // Out of the node's queue, into its handler.
                            self.in_flight -= 1;
                        }
                        (event, time)
                    }
                }
            }
            (event, Some(node))
                if self.nodes[node.index()].state.is_some() && service.serves(node) =>
            {
                match service.admit(node, event, self.now) {
                    Admit::Start(event, time) => (event, time),
                    Admit::Wait { schedule, waiting } => {
                        if let Some(at) = schedule {
                            self.queue.push(at, Event::Serve(node));
                        }
                        return self.queued(node, waiting, full);
                    }
                }
            }
            (event, _) => return self.dispatch_now(event, full),
        };
        self.service.as_deref_mut().expect("served").delay = time;
        let ev = self.dispatch_now(event, full);
        if let Some(service) = self.service.as_deref_mut() {
            service.delay = SimTime::ZERO;
        }
        ev
    }

    /// An arrival waits for a worker of `node` (the newest of `waiting`).
    fn queued(&mut self, node: NodeId, waiting: usize, full: bool) -> Option<TraceEvent<N>> {
        // Still in flight: in the node's receive queue, not yet handled.
        self.in_flight += 1;
        let ev = TraceEvent::Queued { node, waiting };
        ev.fold(self.trace.hasher());
        full.then_some(ev)
    }

    /// A message arrives at `to`: run its `on_message` (or drop it, the
    /// node being down). The engine's most common step: compiled into
    /// [`Sim::dispatch`] (so into `step`), handler and sends included.
    #[inline(always)]
    fn deliver(
        &mut self,
        from: NodeId,
        to: NodeId,
        msg_id: u64,
        sent_at: SimTime,
        msg: N::Msg,
        full: bool,
    ) -> Option<TraceEvent<N>> {
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
        let site = || match &kept {
            Some(msg) => format!("{to}'s on_message({}) from {from}", label(msg)),
            None => format!("{to}'s on_message from {from} (message #{msg_id})"),
        };
        self.run_handler(to, Handler::Message(from, msg), &site);
        kept.map(|msg| TraceEvent::Deliver {
            msg_id,
            from,
            to,
            sent_at,
            msg,
        })
    }

    /// Run the event's handler now.
    #[inline(never)]
    fn dispatch_now(&mut self, event: Event<N>, full: bool) -> Option<TraceEvent<N>> {
        match event {
            Event::Deliver {
                from,
                to,
                msg_id,
                sent_at,
                msg,
            } => self.deliver(from, to, msg_id, sent_at, msg, full),
            Event::Timer {
                node, id, timer, ..
            } => {
                let ev = TraceEvent::Timer {
                    node,
                    id,
                    timer: timer.clone(),
                };
                ev.fold(self.trace.hasher());
                let site = || match &ev {
                    TraceEvent::Timer { timer, .. } => {
                        format!("{node}'s on_timer({})", label(timer))
                    }
                    _ => format!("{node}'s on_timer"),
                };
                self.with_node(node, Handler::Timer(timer), &site);
                full.then_some(ev)
            }
            Event::Start(node) => {
                let ev = TraceEvent::Start(node);
                ev.fold(self.trace.hasher());
                self.with_node(node, Handler::Start, &|| format!("{node}'s on_start"));
                full.then_some(ev)
            }
            other => {
                // Faults and client events call protocol code too (`role()`
                // for a symbolic target, the constructor at a restart).
                let site = control_site(&other);
                match catch_panic(|| site.to_string(), || self.dispatch_control(other)) {
                    Ok(ev) => {
                        ev.fold(self.trace.hasher());
                        full.then_some(ev)
                    }
                    Err(panic) => {
                        self.stop_on_panic(panic);
                        None
                    }
                }
            }
        }
    }

    /// Run a handler on a live node, then apply its effects. If the handler
    /// panics, its effects are dropped and the run stops here
    /// ([`Sim::stop_on_panic`]); `site` names the handler for the report.
    #[inline(never)]
    pub(crate) fn with_node(&mut self, id: NodeId, handler: Handler<N>, site: &dyn Fn() -> String) {
        self.run_handler(id, handler, site);
    }

    /// [`Sim::with_node`]'s body, compiled into its caller: a delivery
    /// (the common step) runs it inline, every other caller through
    /// `with_node`.
    #[inline(always)]
    fn run_handler(&mut self, id: NodeId, handler: Handler<N>, site: &dyn Fn() -> String) {
        let nodes = self.settings.nodes;
        if self.explore.is_some() {
            self.node_changed(id);
        }
        let slot = &mut self.nodes[id.index()];
        let Some(state) = slot.state.as_mut().map(state_mut) else {
            return;
        };
        self.handled.push(id);
        let mut effects = std::mem::take(&mut self.effects);
        let mut ctx = Ctx {
            id,
            nodes,
            local_now: slot.clock.local(self.now),
            rng: &mut slot.rng,
            storage: &mut slot.storage,
            effects: &mut effects,
            next_timer: match self.explore.as_deref_mut() {
                Some(mode) => &mut mode.next_timer[id.index()],
                None => &mut self.next_timer,
            },
            clock_read: Default::default(),
        };
        let run = || match handler {
            Handler::Start => state.on_start(&mut ctx),
            Handler::Message(from, msg) => state.on_message(&mut ctx, from, msg),
            Handler::Timer(timer) => state.on_timer(&mut ctx, timer),
            Handler::Request(request) => state.on_request(&mut ctx, request),
        };
        if let Err(panic) = catch_inline(site, run) {
            effects.clear();
            self.effects = effects;
            self.stop_on_panic(panic);
            return;
        }
        if ctx.clock_read.get() {
            if let Some(mode) = self.explore.as_deref_mut() {
                mode.clock_read = true;
            }
        }
        if effects.len() == 1 {
            // One effect (a reply to a message, a timer set again): no
            // draining iterator.
            if let Some(effect) = effects.pop() {
                self.apply_effect(id, effect);
            }
        } else {
            for effect in effects.drain(..) {
                self.apply_effect(id, effect);
            }
        }
        // Give the buffer back. What it replaces is the empty vector
        // `mem::take` left: without an allocation it needs no drop (a
        // call of the drop glue per step otherwise).
        let spare = std::mem::replace(&mut self.effects, effects);
        if spare.capacity() == 0 {
            std::mem::forget(spare);
        }
    }

    /// The paused node `event` would run a handler on, and when it resumes.
    #[inline]
    fn paused_target(&self, event: &Event<N>) -> Option<(NodeId, SimTime)> {
        let node = match event {
            Event::Deliver { to, .. } => *to,
            Event::Timer { node, .. } | Event::Request { node, .. } => *node,
            _ => return None,
        };
        let slot = &self.nodes[node.index()];
        let until = slot.paused_until?;
        (until > self.now && slot.state.is_some()).then_some((node, until))
    }

    /// A paused node's message, request or timer waits in the node's slot
    /// until the node resumes ([`Sim::resume`] schedules them again, in the
    /// order they came due): a resumed node sees its messages in order of
    /// arrival and its overdue timers all at once. A crash loses them.
    #[cold]
    fn hold(
        &mut self,
        node: NodeId,
        until: SimTime,
        event: Event<N>,
        full: bool,
    ) -> Option<TraceEvent<N>> {
        let what = match &event {
            Event::Deliver { msg_id, from, .. } => format!("message #{msg_id} from {from}"),
            Event::Timer { timer, .. } => format!("timer {}", label(timer)),
            Event::Request { request, .. } => {
                format!("request #{} from {}", request.id, request.client)
            }
            _ => String::new(),
        };
        if event.is_in_flight() {
            // Still on its way, in the node's receive buffer.
            self.in_flight += 1;
        }
        self.nodes[node.index()].held.push(event);
        let ev = TraceEvent::Held { node, until, what };
        ev.fold(self.trace.hasher());
        full.then_some(ev)
    }

    /// Stop the run at this step because protocol code panicked: the world
    /// may be half-updated, so nothing runs after this (`step()` keeps
    /// returning [`StepResult::Violated`]). The first panic wins.
    pub(crate) fn stop_on_panic(&mut self, panic: PanicReport) {
        if self.violation.is_some() {
            return;
        }
        self.violation = Some(Violation {
            check: PANIC_CHECK.to_string(),
            step: self.step,
            time: self.now,
            detail: panic.to_string(),
        });
        self.panicked = Some(Box::new(panic));
    }

    /// Apply one effect of `node`'s handler: a send inline (the common
    /// effect), the rest out of line.
    #[inline(always)]
    fn apply_effect(&mut self, node: NodeId, effect: Effect<N>) {
        match effect {
            Effect::Send(to, msg) => self.send(node, to, msg),
            other => self.apply_other_effect(node, other),
        }
    }

    /// [`Sim::apply_effect`] for everything but a send.
    #[inline(never)]
    fn apply_other_effect(&mut self, node: NodeId, effect: Effect<N>) {
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
                let (from, to) = (Endpoint::Node(node), Endpoint::Client(client));
                let departs = self.departure();
                let route = self
                    .network
                    .route_client(&mut self.net_rng, from, to, departs);
                let outcome = match route {
                    Transit::Deliver { at, duplicate } => {
                        if let Some(copy_at) = duplicate {
                            self.in_flight += 1;
                            let copy = Event::Reply {
                                node,
                                client,
                                msg_id,
                                request_id,
                                reply: Box::new(reply.clone()),
                            };
                            self.queue.push(copy_at, copy);
                        }
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
                        match duplicate {
                            Some(copy_at) => SendOutcome::Duplicated(at, copy_at),
                            None => SendOutcome::Scheduled(at),
                        }
                    }
                    Transit::Partitioned => SendOutcome::Partitioned,
                    Transit::Lost => SendOutcome::Lost,
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

    #[inline(always)]
    fn send(&mut self, from: NodeId, to: NodeId, msg: N::Msg) {
        let msg_id = self.next_msg;
        self.next_msg += 1;
        self.counters.sent += 1;
        if let Some(bytes) = &mut self.message_bytes {
            *bytes += crate::base::size::serialized_size(&msg);
        }
        if to.0 >= self.settings.nodes {
            // A send to a node that does not exist is lost, like a bad address.
            self.counters.dropped += 1;
            return;
        }
        let sent_at = self.departure();
        let kind = if self.network.wants_kinds() {
            N::message_kind(&msg)
        } else {
            None
        };
        let route = self
            .network
            .route_kind(&mut self.net_rng, from, to, sent_at, kind);
        let outcome = match route {
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
                    self.queue.push_event(copy_at, copy);
                }
                self.in_flight += 1;
                self.queue.push_event(
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

    /// When what a handler sends leaves: now, or when the work of a node
    /// that takes time is done (`service.rs`).
    #[inline]
    fn departure(&self) -> SimTime {
        match &self.service {
            Some(service) => self.now + service.delay,
            None => self.now,
        }
    }

    #[inline(always)]
    pub(crate) fn note_send(&mut self, send: SendRecord) {
        send.hash(self.trace.hasher());
        self.trace.note_send(send);
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

/// An event in words, for the time-advances check: who, and what repeats.
fn describe_event(event: ErasedEvent<'_>, now: SimTime) -> String {
    let short = |text: String| {
        if text.chars().count() <= 80 {
            text
        } else {
            text.chars().take(77).chain("...".chars()).collect()
        }
    };
    match event {
        ErasedEvent::Timer { node, timer } => {
            format!(
                "{node}'s timer {} fires every 0ns",
                short(format!("{timer:?}"))
            )
        }
        ErasedEvent::Deliver {
            from,
            to,
            msg,
            sent_at,
            ..
        } => format!(
            "message {} from {from} to {to} arrives {} after it was sent",
            short(format!("{msg:?}")),
            now.saturating_sub(sent_at)
        ),
        ErasedEvent::Start(node) => format!("{node} starts again"),
        ErasedEvent::Request { node, .. } => format!("a client request to {node} arrives"),
        ErasedEvent::Reply { node, client, .. } => format!("{node}'s reply to {client} arrives"),
        ErasedEvent::ClientWake(client) => format!("{client} wakes up again"),
        ErasedEvent::ClientTimeout(client) => format!("{client}'s request times out"),
        ErasedEvent::ClientResend(client) => format!("{client} resends its request"),
        ErasedEvent::Fault(action) | ErasedEvent::NemesisUndo(action) => {
            format!("the fault {} fires", short(format!("{action:?}")))
        }
        ErasedEvent::NemesisTick => "the nemesis ticks".to_string(),
        ErasedEvent::NemesisMix => "the swarm nemesis states its mix".to_string(),
        ErasedEvent::Resume(node) => format!("{node}'s pause ends"),
        ErasedEvent::Settle => "the settle event runs".to_string(),
        ErasedEvent::ExperimentAbort => "the experiment's abort runs".to_string(),
        ErasedEvent::Serve(node) => format!("a worker of {node} takes the next queued arrival"),
    }
}

/// A message or timer as a panic report shows it: its `Debug`, clipped.
fn label(value: &impl Debug) -> String {
    clip(&format!("{value:?}"), 80)
}

/// Where a control event runs protocol code, for a panic report.
fn control_site<N: Node>(event: &Event<N>) -> &'static str {
    match event {
        Event::ClientWake(_) => "a client's next operation",
        Event::Request { .. } => "a client request",
        Event::Reply { .. } => "a client reply",
        Event::ClientTimeout { .. } => "a client timeout",
        Event::ClientResend { .. } => "a client resend",
        Event::Fault(_) => {
            "a scheduled fault (a role target calls role(), a restart the constructor)"
        }
        Event::NemesisTick | Event::NemesisUndo(_) | Event::NemesisMix => "a nemesis fault",
        Event::Resume(_) => "the end of a pause",
        Event::Settle | Event::ExperimentAbort => {
            "the settle point or an experiment's abort (it restarts crashed nodes)"
        }
        Event::Serve(_) => "a queued arrival's service",
        Event::Start(_) | Event::Deliver { .. } | Event::Timer { .. } => "an event",
    }
}

/// Which handler [`Sim::with_node`] runs, with its arguments: an enum
/// rather than a closure, so `with_node` is compiled once per node type
/// instead of once per call site.
pub(crate) enum Handler<N: Node> {
    /// `on_start`.
    Start,
    /// `on_message` from a node.
    Message(NodeId, N::Msg),
    /// `on_timer`.
    Timer(N::Timer),
    /// `on_request`.
    Request(Request),
}

/// The node's state to change in place: [`Arc::make_mut`], without its
/// atomic read-modify-write when this `Arc` is the state's only reference
/// (every plain run; an explored world shares states with its copies).
/// `make_mut` always does a compare-and-swap on the count, a locked
/// instruction that costs about as much as the rest of a short handler.
#[inline(always)]
fn state_mut<T: Clone>(state: &mut Arc<T>) -> &mut T {
    if Arc::strong_count(state) == 1 && Arc::weak_count(state) == 0 {
        // Pairs with the `Release` decrement of any other `Arc` to this
        // state that was dropped (on another thread, in an explorer's
        // copy): its uses of the state happen before ours.
        std::sync::atomic::fence(std::sync::atomic::Ordering::Acquire);
        // SAFETY: the pointer is valid (we hold an `Arc` to it) and was
        // derived from the `Arc`'s own raw pointer, so it may be written
        // through. It is unaliased for as long as the returned borrow
        // lives, because nothing else can reach the value: the strong
        // count is 1, so ours is the only `Arc`, and we hold it by `&mut`,
        // so nobody can clone it (or downgrade it) while the borrow lives;
        // the weak count is 0, so no `Weak` exists that could be upgraded,
        // and a new `Weak` can only come from an `Arc` (ours, borrowed) or
        // another `Weak` (none). That is `Arc::get_mut`'s own condition;
        // it checks it with a compare-and-swap only to exclude a `Weak`
        // being upgraded meanwhile, which the zero weak count rules out.
        // The `Acquire` fence above orders the reads of the counts before
        // our accesses. `a_state_is_changed_in_place_only_when_unshared`
        // tests both ways.
        return unsafe { &mut *Arc::as_ptr(state).cast_mut() };
    }
    Arc::make_mut(state)
}

#[cfg(test)]
mod tests {
    use super::state_mut;
    use std::sync::Arc;

    #[test]
    fn a_state_is_changed_in_place_only_when_unshared() {
        // Alone: changed in place, no copy.
        let mut alone = Arc::new(vec![1, 2, 3]);
        let before = Arc::as_ptr(&alone);
        state_mut(&mut alone).push(4);
        assert_eq!(Arc::as_ptr(&alone), before);
        assert_eq!(*alone, vec![1, 2, 3, 4]);

        // Shared with a copy: the copy keeps the old value (copy on write).
        let copy = Arc::clone(&alone);
        state_mut(&mut alone).push(5);
        assert_eq!(*copy, vec![1, 2, 3, 4]);
        assert_eq!(*alone, vec![1, 2, 3, 4, 5]);
        assert_ne!(Arc::as_ptr(&alone), Arc::as_ptr(&copy));

        // A weak reference makes it shared too: nothing it could upgrade
        // to sees the change.
        let mut held = Arc::new(7u64);
        let weak = Arc::downgrade(&held);
        *state_mut(&mut held) += 1;
        assert_eq!(*held, 8);
        assert_eq!(weak.upgrade().map(|w| *w), None);

        // The copy dropped on another thread: unshared again, in place.
        let mut state = Arc::new(String::from("a"));
        let other = Arc::clone(&state);
        std::thread::spawn(move || drop(other)).join().unwrap(); // allow-nondeterminism: a unit test of the Acquire fence, the copy dropped on another thread; no simulation runs
        let before = Arc::as_ptr(&state);
        state_mut(&mut state).push('b');
        assert_eq!(Arc::as_ptr(&state), before);
        assert_eq!(*state, "ab");
    }
}
