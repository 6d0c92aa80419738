//! What the inspector shows of a resilience node, in the patterns' words
//! (Nygard's "Release It!"): a gateway's circuit breaker (state and its
//! counts), bulkhead, rate limiter and the calls in hand with their
//! attempts; a backend's counters (its queue is the engine's). Messages:
//! `Call #12`, `Answer #12 ok`.

use super::backend::Backend;
use super::gateway::Gateway;
use super::patterns::BreakerState;
use super::{Mode, Msg};
use crate::base::inspect::{Item, View};

/// `closed, 2 failures of 5`, `OPEN until 3.2s`, `half-open: 1 probe in
/// flight, 0 of 2 succeeded`.
fn breaker_text(state: BreakerState, threshold: u32, probes: u32) -> String {
    match state {
        BreakerState::Closed { failures } => {
            format!("closed, {failures} consecutive failures of {threshold}")
        }
        BreakerState::Open { until } => format!("OPEN until {until} (failing fast)"),
        BreakerState::HalfOpen {
            in_flight,
            successes,
        } => format!("half-open: {in_flight} probes in flight, {successes} of {probes} succeeded"),
    }
}

impl Gateway {
    /// The gateway's labelled view: its protection first, then the calls
    /// in hand, then the counters.
    pub(super) fn view(&self) -> View {
        let calls = self.calls.iter().map(|(id, call)| {
            let attempt = match call.current {
                Some((attempt, _)) => format!("attempt #{attempt} in flight"),
                None => "backing off".to_string(),
            };
            (
                format!("#{id}"),
                Item::text(format!(
                    "{} #{}: try {}, {attempt}, arrived {}",
                    call.client, call.request, call.tries, call.arrived
                )),
            )
        });
        let mut view = View::new()
            .section(format!("gateway [{}] → {}", self.mode.name(), self.backend))
            .field("mode", self.mode.name());
        if self.mode == Mode::Full {
            view = view
                .field(
                    "breaker",
                    breaker_text(
                        self.breaker.state(),
                        self.breaker.failure_threshold,
                        self.breaker.probes,
                    ),
                )
                .field("breakerOpened", self.breaker.opened)
                .field(
                    "bulkhead",
                    format!("{} of {} in use", self.bulkhead.in_use, self.bulkhead.max),
                )
                .field(
                    "rateLimiter",
                    format!(
                        "{} of {} tokens, one per {}",
                        self.limiter.tokens(),
                        self.limiter.capacity,
                        self.limiter.interval
                    ),
                );
        }
        let s = &self.stats;
        view.field("callsOpen", Item::list(calls))
            .section("counters")
            .field("calls", s.calls)
            .field("attempts", s.attempts)
            .field("retries", s.retries)
            .field("timeouts", s.timeouts)
            .field("lateAnswers", s.late_answers)
            .field("fastFailures", s.fast_failures)
    }
}

impl Backend {
    /// The backend's labelled view: its counters (the request in service
    /// and the queue are the engine's, on the cluster panel's line).
    pub(super) fn view(&self) -> View {
        let s = &self.stats;
        View::new()
            .section("counters")
            .field("served", s.served)
            .field("failed", s.failed)
            .field("sent", s.sent)
    }
}

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Call { attempt } => format!("Call #{attempt}"),
        Msg::Answer { attempt, ok: true } => format!("Answer #{attempt} ok"),
        Msg::Answer { attempt, ok: false } => format!("Answer #{attempt} failed"),
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    match message {
        Msg::Call { attempt } => View::new()
            .section("Call (one attempt)")
            .field("attempt", format!("#{attempt}")),
        Msg::Answer { attempt, ok } => View::new()
            .section("Answer")
            .field("attempt", format!("#{attempt}"))
            .field("outcome", if *ok { "ok" } else { "failed" }),
    }
}
