//! What the inspector shows of a load-balancing node: a balancer's view of
//! every instance (outstanding requests, ejection, answers received), its
//! requests in hand and counters. Messages: `Request #12 k7`, `Answer #12`.

use super::balancer::Balancer;
use super::{Msg, Params};
use crate::base::inspect::{Item, View};

impl Balancer {
    /// The balancer's labelled view: one line per instance, the requests in
    /// hand, the counters.
    pub(super) fn view(&self, params: &Params) -> View {
        let instances = self.instances.iter().enumerate().map(|(i, node)| {
            let ejected = match self.outliers[i].until {
                Some(until) => format!(", ejected until {until}"),
                None => String::new(),
            };
            let ramp = match self.rejoined[i] {
                Some(since) if params.slow_start > crate::sim::SimTime::ZERO => {
                    format!(", slow start from {since}")
                }
                _ => String::new(),
            };
            (
                node.to_string(),
                Item::text(format!(
                    "{} outstanding, {} answered, {} failures in a row{ejected}{ramp}",
                    self.outstanding[i], self.stats.served[i], self.outliers[i].failures
                )),
            )
        });
        let calls = self.calls.iter().map(|(id, c)| {
            (
                format!("#{id}"),
                Item::text(format!(
                    "{} #{} key {}: {} tries, {} in flight",
                    c.client, c.request, c.key, c.tries, c.in_flight
                )),
            )
        });
        let s = &self.stats;
        let mut view = View::new()
            .section(format!("balancer [{}]", params.strategy.name()))
            .field("instances", Item::list(instances))
            .field("roundRobinCursor", self.round_robin.cursor)
            .field("callsOpen", Item::list(calls));
        if !self.reported.is_empty() {
            let reports = self
                .reported
                .iter()
                .map(|(from, r)| (from.to_string(), Item::text(format!("{r:?}"))));
            view = view.field("reportedLoads", Item::list(reports));
        }
        view.section("counters")
            .field("calls", s.calls)
            .field("answered", s.answered)
            .field("failed", s.failed)
            .field("retries", s.retries)
            .field("hedges", s.hedges)
            .field("lateAnswers", s.late_answers)
            .field("ejections", s.ejections)
    }
}

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Request { attempt, key } => format!("Request #{attempt} {key}"),
        Msg::Answer { attempt, .. } => format!("Answer #{attempt}"),
        Msg::Hello => "Hello".into(),
        Msg::Load { outstanding } => format!("Load {outstanding:?}"),
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    match message {
        Msg::Request { attempt, key } => View::new()
            .section("Request (one attempt)")
            .field("attempt", format!("#{attempt}"))
            .field("key", key.as_str()),
        Msg::Answer { attempt, value } => View::new()
            .section("Answer")
            .field("attempt", format!("#{attempt}"))
            .field("value", format!("{value:?}")),
        Msg::Hello => View::new().section("Hello (an instance started)"),
        Msg::Load { outstanding } => View::new()
            .section("Load (a balancer's outstanding counts)")
            .field("outstanding", format!("{outstanding:?}")),
    }
}
