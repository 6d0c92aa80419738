//! What the inspector shows of a service-discovery node: the registry's
//! registrations (last heartbeat on its clock, streak, missed checks) and
//! what it listed last; a caller's view, how old it is, its calls in
//! flight; an instance's count of calls served. Messages: `Instances [n1,
//! n3]`, `Call #12`, `Ping round 4`.

use super::registry::names;
use super::{Msg, Role, SdNode};
use crate::base::inspect::{Item, View};

impl SdNode {
    /// The node's labelled view ([`crate::sim::Node::inspect`]).
    pub(super) fn view(&self) -> View {
        let view = match &self.role {
            Role::Registry(r) => {
                let registrations = r.registrations.iter().map(|(id, reg)| {
                    (
                        id.to_string(),
                        Item::text(format!(
                            "heard {}, streak {}, missed checks {}",
                            reg.last_heard, reg.streak, reg.missed
                        )),
                    )
                });
                View::new()
                    .section("registry (registry clock; soft state, lost on crash)")
                    .field("registrations", Item::list(registrations))
                    .field("listedLast", names(&r.last_answer))
                    .field("answersFrom", r.answering_from)
                    .field("healthRound", r.round)
                    .field("lookups", r.lookups)
            }
            Role::Instance(i) => View::new().section("instance").field("served", i.served),
            Role::Caller(c) => {
                let calls = c.calls.iter().map(|(attempt, call)| {
                    (
                        format!("#{attempt}"),
                        Item::text(format!(
                            "{} #{} to {}, attempt {}",
                            call.request.client, call.request.id, call.instance, call.attempts
                        )),
                    )
                });
                let fetched = match c.fetched_at {
                    Some(t) => Item::from(t),
                    None => Item::text("never"),
                };
                View::new()
                    .section("caller (own clock)")
                    .field("view", names(&c.view))
                    .field("fetchedAt", fetched)
                    .field("calls", Item::list_last(calls))
                    .field("held", c.held.len())
                    .section("counts (ghost, lost on crash)")
                    .field("timeouts", c.stats.timeouts)
                    .field("failed", c.stats.failed)
                    .field("viewChanges", c.stats.view_changes)
            }
        };
        view.params(&*self.params)
    }
}

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Heartbeat => "Heartbeat".into(),
        Msg::Lookup => "Lookup".into(),
        Msg::Instances { instances } => format!("Instances {}", names(instances)),
        Msg::Call { attempt } => format!("Call #{attempt}"),
        Msg::Answer { attempt } => format!("Answer #{attempt}"),
        Msg::Ping { round } => format!("Ping round {round}"),
        Msg::Pong { round } => format!("Pong round {round}"),
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    let view = View::new();
    match message {
        Msg::Heartbeat => view
            .section("Heartbeat")
            .field("meaning", "alive: list me for another ttl"),
        Msg::Lookup => view
            .section("Lookup")
            .field("meaning", "which instances are there?"),
        Msg::Instances { instances } => view
            .section("Instances")
            .field("listed", names(instances))
            .field("meaning", "heard within ttl (and healthy)"),
        Msg::Call { attempt } => view.section("Call").field("attempt", *attempt),
        Msg::Answer { attempt } => view.section("Answer").field("attempt", *attempt),
        Msg::Ping { round } => view
            .section("Ping")
            .field("round", *round)
            .field("meaning", "health check, through the serving queue"),
        Msg::Pong { round } => view.section("Pong").field("round", *round),
    }
}
