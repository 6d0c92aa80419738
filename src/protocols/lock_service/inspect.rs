//! What the inspector shows of a lock-service node, in Kleppmann's words
//! ("How to do distributed locking"): the service's lease (holder,
//! fencing token, expiry on the service's clock) and its queue; the
//! storage's highest token and the write it holds; a holder's grant
//! (token, lease end on its own clock, writes sent) — the two clocks are
//! the point of the lab, so both are shown as instants. Messages:
//! `Granted token 4 lease 1s`, `Write token 4 value 17`, `Fenced token 3
//! < 4`.

use super::{HolderState, LockNode, Msg};
use crate::base::inspect::{Item, View};

impl LockNode {
    /// The node's labelled view ([`crate::sim::Node::inspect`]).
    pub(super) fn view(&self) -> View {
        match self {
            LockNode::Service(s) => {
                let (holder, token, expires) = match s.lease {
                    Some(l) => (
                        Item::from(l.holder),
                        Item::from(l.token),
                        Item::from(l.expires),
                    ),
                    None => (Item::text("free"), Item::Absent, Item::Absent),
                };
                let waiting = s
                    .waiting
                    .iter()
                    .map(|(node, sent)| (node.to_string(), Item::text(format!("asked at {sent}"))));
                let grants = s
                    .ghost
                    .grants
                    .iter()
                    .map(|(node, token)| (format!("token {token}"), Item::from(*node)));
                View::new()
                    .section("lock service (service clock)")
                    .field("holder", holder)
                    .field("token", token)
                    .field("leaseExpires", expires)
                    .field("lastToken", s.last_token)
                    .field("quietUntil", s.quiet_until)
                    .field("waiting", Item::list(waiting))
                    .section("history (ghost, lost on crash)")
                    .field("grants", Item::list_last(grants))
                    .field("turnedAway", s.ghost.turned_away.len())
                    .params(&*s.params)
            }
            LockNode::Storage(s) => {
                let value = match s.value {
                    Some((value, writer, token)) => {
                        Item::text(format!("{value} (from {writer}, token {token})"))
                    }
                    None => Item::Absent,
                };
                let writes = s.ghost.writes.iter().map(|(writer, token, ok)| {
                    let fate = if *ok { "accepted" } else { "FENCED" };
                    (
                        format!("token {token}"),
                        Item::text(format!("{writer} {fate}")),
                    )
                });
                View::new()
                    .section("storage (fenced register)")
                    .field("highestToken", s.highest)
                    .field("value", value)
                    .section("history (ghost, lost on crash)")
                    .field("writes", Item::list_last(writes))
                    .params(&*s.params)
            }
            LockNode::Holder(h) => {
                let view = View::new().section("holder (own clock)");
                let view = match h.state {
                    HolderState::Waiting => view.field("state", "waiting for the lock"),
                    HolderState::Holding {
                        token,
                        lease_end,
                        writes,
                    } => view
                        .field("state", "holds the lock")
                        .field("token", token)
                        .field("leaseEnd", lease_end)
                        .field("writes", format!("{writes} of {}", h.params.hold_writes)),
                };
                view.field("epoch", h.epoch)
                    .section("history (ghost, lost on crash)")
                    .field("writesSent", h.ghost.writes_sent)
                    .field("fenced", h.ghost.fenced)
                    .params(&*h.params)
            }
        }
    }
}

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Acquire { sent_at } => format!("Acquire (sent {sent_at})"),
        Msg::Granted { token, lease, .. } => format!("Granted token {token} lease {lease}"),
        Msg::Busy => "Busy".into(),
        Msg::Renew { token, .. } => format!("Renew token {token}"),
        Msg::Renewed { token, .. } => format!("Renewed token {token}"),
        Msg::Lost { token } => format!("Lost token {token}"),
        Msg::Release { token } => format!("Release token {token}"),
        Msg::Write { token, value } => format!("Write token {token} value {value}"),
        Msg::WriteOk { token } => format!("WriteOk token {token}"),
        Msg::Fenced { token, highest } => format!("Fenced token {token} < {highest}"),
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    let view = View::new();
    match message {
        Msg::Acquire { sent_at } => view
            .section("Acquire")
            .field("sentAt", *sent_at)
            .field("meaning", "may I have the lock?"),
        Msg::Granted {
            token,
            lease,
            sent_at,
        } => view
            .section("Granted")
            .field("token", *token)
            .field("lease", *lease)
            .field("requestSentAt", *sent_at)
            .field(
                "meaning",
                "yours until requestSentAt + lease (holder's clock)",
            ),
        Msg::Busy => view
            .section("Busy")
            .field("meaning", "someone else holds the lock"),
        Msg::Renew { token, sent_at } => view
            .section("Renew")
            .field("token", *token)
            .field("sentAt", *sent_at),
        Msg::Renewed { token, sent_at } => view
            .section("Renewed")
            .field("token", *token)
            .field("requestSentAt", *sent_at),
        Msg::Lost { token } => view
            .section("Lost")
            .field("token", *token)
            .field("meaning", "that lease is gone"),
        Msg::Release { token } => view.section("Release").field("token", *token),
        Msg::Write { token, value } => view
            .section("Write")
            .field("token", *token)
            .field("value", *value),
        Msg::WriteOk { token } => view.section("WriteOk").field("token", *token),
        Msg::Fenced { token, highest } => view
            .section("Fenced")
            .field("token", *token)
            .field("highestAccepted", *highest),
    }
}
