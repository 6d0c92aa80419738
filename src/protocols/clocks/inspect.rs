//! What the inspector shows of the clock protocols, in Lamport's and
//! Fidge/Mattern's words: a Lamport node's clock `C`, its queue ordered by
//! `(timestamp, node)` and each peer's horizon; the vector-clock store's
//! keys with their siblings and version vectors. Messages travel inside a
//! reliable link (`seq` numbers, cumulative acks), so a summary names the
//! payload first and the link sequence last: `Broadcast ts=5 value 17
//! (seq 3)`, `Broadcast n1#3 value 17 stamp [1 0 2] (seq 3)`, `LinkAck
//! next=4`, `Sync x y`.

use super::causal::Broadcast;
use super::lamport::{Lamport, Payload};
use super::link::LinkMsg;
use super::store::{KeyState, Msg as StoreMsg, Store};
use crate::base::inspect::{Item, View};

/// A link message's one line, the payload's given by `payload`.
fn link_summary<P>(message: &LinkMsg<P>, payload: impl Fn(&P) -> String) -> String {
    match message {
        LinkMsg::Data { seq, payload: p } => format!("{} (seq {seq})", payload(p)),
        LinkMsg::Ack { next } => format!("LinkAck next={next}"),
    }
}

/// A link message's view: the payload's section, then the link's.
fn link_view<P>(message: &LinkMsg<P>, payload: impl Fn(&P) -> View) -> View {
    match message {
        LinkMsg::Data { seq, payload: p } => payload(p).section("reliable link").field("seq", *seq),
        LinkMsg::Ack { next } => View::new()
            .section("LinkAck (reliable link)")
            .field("next", *next)
            .field("meaning", "every seq below next arrived"),
    }
}

fn lamport_payload(payload: &Payload) -> String {
    match payload {
        Payload::Broadcast { ts, value } => format!("Broadcast ts={ts} value {value}"),
        Payload::Ack { ts } => format!("Ack ts={ts}"),
    }
}

/// A Lamport-clock message's one line.
pub(super) fn lamport_summary(message: &LinkMsg<Payload>) -> String {
    link_summary(message, lamport_payload)
}

/// A Lamport-clock message's view.
pub(super) fn lamport_view(message: &LinkMsg<Payload>) -> View {
    link_view(message, |p| match p {
        Payload::Broadcast { ts, value } => View::new()
            .section("Broadcast")
            .field("timestamp", *ts)
            .field("value", *value),
        Payload::Ack { ts } => View::new()
            .section("Ack (moves the receiver's horizon)")
            .field("timestamp", *ts),
    })
}

/// A causal-broadcast message's one line.
pub(super) fn causal_summary(message: &LinkMsg<Broadcast>) -> String {
    link_summary(message, |b| {
        format!(
            "Broadcast {}#{} value {} stamp {}",
            b.sender, b.number, b.value, b.stamp
        )
    })
}

/// A causal-broadcast message's view.
pub(super) fn causal_view(message: &LinkMsg<Broadcast>) -> View {
    link_view(message, |b| {
        View::new()
            .section("Broadcast")
            .field("sender", b.sender)
            .field("number", b.number)
            .field("value", b.value)
            .field("stamp", b.stamp.to_string())
            .field("truth", b.truth.to_string())
    })
}

/// `2 siblings: 5 [1 0 0], 6 [0 1 0]` or `lww 5 at 1.2s by n1`.
fn key_text(state: &KeyState) -> String {
    let siblings: Vec<String> = state
        .siblings
        .iter()
        .map(|s| format!("{} {}", s.value, s.version))
        .collect();
    let mut parts = Vec::new();
    if !siblings.is_empty() {
        let noun = if siblings.len() == 1 {
            "sibling"
        } else {
            "siblings"
        };
        parts.push(format!(
            "{} {noun}: {}",
            siblings.len(),
            siblings.join(", ")
        ));
    }
    if let Some(lww) = &state.lww {
        parts.push(format!(
            "lww {} at {} by {}",
            lww.value, lww.stamp.0, lww.stamp.1
        ));
    }
    if parts.is_empty() {
        "empty".into()
    } else {
        parts.join("; ")
    }
}

/// A store sync's one line: `Sync x y z`.
pub(super) fn store_summary(message: &StoreMsg) -> String {
    let keys: Vec<&str> = message.keys.iter().map(|(k, _)| k.as_str()).collect();
    format!("Sync {}", keys.join(" "))
}

/// A store sync's view: every key's state.
pub(super) fn store_view(message: &StoreMsg) -> View {
    View::new()
        .section("Sync (anti-entropy)")
        .field(
            "keys",
            Item::list(
                message
                    .keys
                    .iter()
                    .map(|(k, state)| (k.clone(), Item::text(key_text(state)))),
            ),
        )
        .field("truth", message.truth.to_string())
}

impl Store {
    /// The store's labelled view: each key's siblings with their version
    /// vectors.
    pub(super) fn keys_item(&self) -> Item {
        Item::list(
            self.keys
                .iter()
                .map(|(k, state)| (k.clone(), Item::text(key_text(state)))),
        )
    }
}

impl Lamport {
    /// The queue ordered by `(timestamp, node)`: `(5, n1)  value 17`.
    pub(super) fn queue_item(&self) -> Item {
        Item::list(
            self.queue_entries()
                .map(|((ts, node), value)| (format!("({ts}, {node})"), Item::from(value))),
        )
    }
}
