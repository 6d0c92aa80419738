//! What the inspector shows of a quorum key-value node, in Dynamo's words:
//! the versions a replica holds per key (`5@3.n1`: value 5 with tag
//! `(3, writer n1)`, and its vector clock), the hints it holds for an
//! unreachable replica, then the operations it coordinates (phase, the
//! quorum it needs, replies and acknowledgements so far). Messages:
//! `Query op1.7 x`, `Store op1.7 x 5@3.n1 hint n2`, `StoreAck op1.7`. An
//! operation id carries its coordinator's incarnation (`boot << 32 | n`,
//! so that a late reply from before a crash never matches): `op1.7` is
//! operation 7 of the node's first life, `op2.0` the first after a
//! restart.

use super::node::{KvNode, Msg, Origin, Phase};
use super::Sibling;
use crate::base::inspect::{Item, View};
use crate::protocols::show;

/// `op1.7`: operation 7 of the coordinator's first incarnation (ids are
/// `boot << 32 | n`; `op7` for an id without one).
fn op_id(op: u64) -> String {
    match op >> 32 {
        0 => format!("op{op}"),
        boot => format!("op{boot}.{}", op & 0xffff_ffff),
    }
}

/// `5@3.n1` (value, tag: sequence or clock, writer).
fn sibling_text(sibling: &Sibling) -> String {
    format!("{}@{}.n{}", sibling.value, sibling.tag.0, sibling.tag.1)
}

/// Versions in one line: `5@3.n1`, `[5@3.n1 6@4.n2]`, `nil`.
fn state_text(state: &[Sibling]) -> String {
    match state {
        [] => "nil".into(),
        [one] => sibling_text(one),
        many => format!("[{}]", show::joined(many.iter().map(sibling_text), " ")),
    }
}

/// Versions with their vector clocks: `5@3.n1 [1 0 2]`.
fn state_with_clocks(state: &[Sibling]) -> String {
    match state {
        [] => "nil".into(),
        many => show::joined(
            many.iter()
                .map(|s| format!("{} {}", sibling_text(s), s.clock)),
            ", ",
        ),
    }
}

impl KvNode {
    /// The node's labelled view (parameters added by the caller).
    pub(super) fn view(&self) -> View {
        let data = self
            .data
            .iter()
            .map(|(key, state)| (key.clone(), Item::text(state_with_clocks(state))));
        let hints = self.hints.iter().map(|((replica, key), state)| {
            (
                format!("{key} for {replica}"),
                Item::text(state_text(state)),
            )
        });
        let pending = self.pending.iter().map(|(op, p)| {
            let origin = match p.origin {
                Origin::Client(client, id) => format!("{client} #{id}"),
                Origin::Remote(node, op) => format!("{node} {}", op_id(op)),
            };
            let what = match p.write {
                Some(value) => format!("put {} {value}", p.key),
                None => format!("get {}", p.key),
            };
            let phase = match p.phase {
                Phase::Query => format!(
                    "query: {} of {} replies from {}",
                    p.replies.len(),
                    p.need,
                    show::nodes(p.asked.iter().copied())
                ),
                Phase::Store => format!(
                    "store: {} of {} acks from {}",
                    p.acks.len(),
                    p.need,
                    show::nodes(p.asked.iter().copied())
                ),
                Phase::Forward => "forwarded to the primary".to_string(),
            };
            let retried = if p.retried { ", retried" } else { "" };
            (
                op_id(*op),
                Item::text(format!("{what} for {origin}, {phase}{retried}")),
            )
        });
        let sessions = self.sessions.iter().map(|((client, key), (seq, writer))| {
            (
                format!("{client} {key}"),
                Item::text(format!("seen {seq}.n{writer}")),
            )
        });
        View::new()
            .section("replica")
            .field("data", Item::list(data))
            .field("hints", Item::list(hints))
            .field("siblingsPeak", self.siblings_peak)
            .field("siblingReads", self.sibling_reads)
            .section("coordinator")
            .field("pending", Item::list_last(pending))
            .field("sessions", Item::list(sessions))
    }
}

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Query { op, key } => format!("Query {} {key}", op_id(*op)),
        Msg::QueryReply { op, state } => format!("QueryReply {} {}", op_id(*op), state_text(state)),
        Msg::Store {
            op,
            key,
            state,
            hint,
        } => {
            let hint = hint.map(|h| format!(" hint {h}")).unwrap_or_default();
            format!("Store {} {key} {}{hint}", op_id(*op), state_text(state))
        }
        Msg::StoreAck { op } => format!("StoreAck {}", op_id(*op)),
        Msg::Sync { keys } => format!(
            "Sync {}",
            show::joined(keys.iter().map(|(k, _)| k.as_str()), " ")
        ),
        Msg::Handoff { key, state } => format!("Handoff {key} {}", state_text(state)),
        Msg::HandoffAck { key, state } => format!("HandoffAck {key} {}", state_text(state)),
        Msg::Forward { op, key, value } => format!("Forward {} put {key} {value}", op_id(*op)),
        Msg::ForwardAck { op, tag } => {
            format!("ForwardAck {} tag {}.n{}", op_id(*op), tag.0, tag.1)
        }
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    let versions = |state: &[Sibling]| Item::text(state_with_clocks(state));
    match message {
        Msg::Query { op, key } => View::new()
            .section("Query (read a replica)")
            .field("op", op_id(*op))
            .field("key", key.as_str()),
        Msg::QueryReply { op, state } => View::new()
            .section("QueryReply")
            .field("op", op_id(*op))
            .field("versions", versions(state)),
        Msg::Store {
            op,
            key,
            state,
            hint,
        } => View::new()
            .section("Store (write a replica)")
            .field("op", op_id(*op))
            .field("key", key.as_str())
            .field("versions", versions(state))
            .field("hintFor", *hint),
        Msg::StoreAck { op } => View::new().section("StoreAck").field("op", op_id(*op)),
        Msg::Sync { keys } => View::new().section("Sync (anti-entropy)").field(
            "keys",
            Item::list(
                keys.iter()
                    .map(|(k, state)| (k.clone(), Item::text(state_text(state)))),
            ),
        ),
        Msg::Handoff { key, state } => View::new()
            .section("Handoff (hinted)")
            .field("key", key.as_str())
            .field("versions", versions(state)),
        Msg::HandoffAck { key, state } => View::new()
            .section("HandoffAck")
            .field("key", key.as_str())
            .field("versions", versions(state)),
        Msg::Forward { op, key, value } => View::new()
            .section("Forward (to the primary)")
            .field("op", op_id(*op))
            .field("key", key.as_str())
            .field("value", *value),
        Msg::ForwardAck { op, tag } => View::new()
            .section("ForwardAck")
            .field("op", op_id(*op))
            .field("tag", format!("{}.n{}", tag.0, tag.1)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn operation_ids_show_their_incarnation() {
        assert_eq!(op_id(7), "op7");
        assert_eq!(op_id((1 << 32) | 5), "op1.5");
        assert_eq!(op_id(2 << 32), "op2.0");
        let store = Msg::Store {
            op: (1 << 32) | 5,
            key: "x".into(),
            state: vec![],
            hint: Some(crate::sim::NodeId(2)),
        };
        assert_eq!(message_summary(&store), "Store op1.5 x nil hint n2");
    }
}
