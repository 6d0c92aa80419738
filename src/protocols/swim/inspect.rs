//! A SWIM message in the inspector and in one line, in the paper's words
//! (Das et al.): `Ping #7`, `Ping #7 for n2` (an indirect probe), `Ack #7
//! n3`, `PingReq #7 n3`, then the sender's incarnation and the
//! piggybacked membership updates (`n3 suspect@1`).

use super::{Body, Member, Msg, State, Update};
use crate::base::inspect::{Item, View};
use crate::sim::NodeId;

/// `alive`, `suspect`, `dead`.
fn state_text(state: State) -> &'static str {
    match state {
        State::Alive => "alive",
        State::Suspect => "suspect",
        State::Dead => "dead",
    }
}

/// `n3 suspect@1`: member, state, incarnation.
fn update_text(update: &Update) -> String {
    format!(
        "{} {}@{}",
        update.member,
        state_text(update.state),
        update.incarnation
    )
}

/// The body in one line.
fn body_text(body: &Body) -> String {
    match body {
        Body::Ping { seq, relay: None } => format!("Ping #{seq}"),
        Body::Ping {
            seq,
            relay: Some(r),
        } => format!("Ping #{seq} for {r}"),
        Body::Ack {
            seq,
            target,
            relay: None,
        } => format!("Ack #{seq} {target}"),
        Body::Ack {
            seq,
            target,
            relay: Some(r),
        } => format!("Ack #{seq} {target} via {r}"),
        Body::PingReq { seq, target } => format!("PingReq #{seq} {target}"),
    }
}

/// A message's one line: the body, then the updates it carries.
pub(super) fn message_summary(message: &Msg) -> String {
    let body = body_text(&message.body);
    match message.gossip.as_slice() {
        [] => body,
        [one] => format!("{body} +{}", update_text(one)),
        more => format!("{body} +{} updates", more.len()),
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    let view = match &message.body {
        Body::Ping { seq, relay } => View::new()
            .section("Ping (are you there?)")
            .field("probe", format!("#{seq}"))
            .field("onBehalfOf", *relay),
        Body::Ack { seq, target, relay } => View::new()
            .section("Ack")
            .field("probe", format!("#{seq}"))
            .field("answered", *target)
            .field("forwardTo", *relay),
        Body::PingReq { seq, target } => View::new()
            .section("PingReq (ping it for me)")
            .field("probe", format!("#{seq}"))
            .field("target", *target),
    };
    view.field("senderIncarnation", message.incarnation)
        .section("piggybacked updates")
        .field("updates", Item::set(message.gossip.iter().map(update_text)))
}

impl super::Swim {
    /// The node's labelled view: its own incarnation and the probe in
    /// progress, the membership list (state@incarnation, since when),
    /// the updates it is still spreading; the checks' ghost state and the
    /// parameters folded.
    pub(super) fn view(&self) -> View {
        let probe = match &self.probe {
            Some(p) => {
                let answer = if p.acked {
                    "acked"
                } else {
                    "waiting for its ack"
                };
                Item::text(format!("#{} → {}, {answer}", p.seq, p.target))
            }
            None => Item::Absent,
        };
        // A big cluster lists only the changed entries (and how many
        // others are alive at incarnation 0), not thousands of lines.
        let big = self.nodes > super::LISTED_ORDER_MAX;
        let listed: Vec<(NodeId, Member)> = if big {
            self.changed_members().collect()
        } else {
            self.members().collect()
        };
        let unchanged = (self.nodes.saturating_sub(1) as usize).saturating_sub(listed.len());
        let mut members: Vec<(String, Item)> = listed
            .into_iter()
            .map(|(node, m)| {
                let text = format!(
                    "{}@{} since {}",
                    state_text(m.state),
                    m.incarnation,
                    m.since
                );
                (node.to_string(), Item::text(text))
            })
            .collect();
        if big {
            let text = format!("{unchanged} members alive@0 since start");
            members.push(("others".to_string(), Item::text(text)));
        }
        let order = if big {
            let rotation = match self.order_key {
                Some(key) => format!("permutation {key:016x}"),
                None => "not drawn yet".to_string(),
            };
            Item::text(format!(
                "{rotation}, {} of {} probed",
                self.cursor,
                self.nodes.saturating_sub(1)
            ))
        } else {
            Item::set(self.order.iter().copied())
        };
        let spreading = self.queue.values().map(|(update, sent)| {
            (
                update.member.to_string(),
                Item::text(format!(
                    "{}@{}, sent {sent} times",
                    state_text(update.state),
                    update.incarnation
                )),
            )
        });
        let suspicions = self
            .ghost
            .suspicions
            .iter()
            .map(|(node, at)| (node.to_string(), Item::from(*at)));
        let deaths = self
            .ghost
            .deaths
            .iter()
            .map(|(node, at)| (node.to_string(), Item::from(*at)));
        View::new()
            .section("")
            .field("incarnation", self.incarnation)
            .field("probe", probe)
            .field("members", Item::list(members))
            .field("spreading", Item::list(spreading))
            .field("probeOrder", order)
            .section("ghost (for the checks)")
            .field("suspicionsRaised", Item::list_last(suspicions))
            .field("deathsAccepted", Item::list_last(deaths))
            .field("refutations", self.ghost.refutations)
            .fold()
            .params(&*self.params)
    }
}
