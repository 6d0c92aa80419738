//! What the inspector shows of a sharding node, in shardkv's words: the
//! controller's configurations and the keys each change moved; a server's
//! configuration, the keys it holds, the handoffs it waits for and the ones
//! it still has to get acknowledged. Messages: `Query #3`, `Config #3 [n1
//! n2 n4]`, `Handoff #3: 4 keys, 3 sessions`, `HandoffAck #3`.

use super::{Msg, Role, Shard};
use crate::base::inspect::{Item, View};

impl Shard {
    /// The node's labelled view ([`crate::sim::Node::inspect`]).
    pub(super) fn view(&self) -> View {
        match &self.role {
            Role::Controller(c) => {
                let configs = c
                    .configs
                    .iter()
                    .map(|config| (format!("#{}", config.num), Item::text(config.to_string())));
                let moves = c.moves.iter().enumerate().map(|(i, m)| {
                    (
                        format!("#{}→#{}", i + 1, i + 2),
                        Item::text(format!("{} moved (minimum {})", m.moved, m.minimum)),
                    )
                });
                View::new()
                    .section("controller (single node: CP)")
                    .field("configurations", Item::list_last(configs))
                    .field("keysMoved", Item::list_last(moves))
                    .params(&*self.params)
            }
            Role::Server(s) => {
                let data =
                    s.kv.data
                        .iter()
                        .map(|(k, v)| (k.clone(), Item::text(v.to_string())));
                let sessions =
                    s.kv.sessions
                        .iter()
                        .map(|(c, x)| (c.to_string(), Item::text(format!("#{}", x.last_id))));
                let outbound = s.outbound.iter().map(|(to, h)| {
                    (
                        to.to_string(),
                        Item::text(format!(
                            "{} keys, {} sessions",
                            h.data.len(),
                            h.sessions.len()
                        )),
                    )
                });
                View::new()
                    .section("server")
                    .field("config", Item::text(s.config.to_string()))
                    .field("previous", Item::text(s.prev.to_string()))
                    .field("adoptedAt", s.adopted_at)
                    .field("waitsFor", Item::set(s.inbound.iter().copied()))
                    .field("unacked", Item::list(outbound))
                    .field("heldRequests", s.held.len())
                    .section("store")
                    .field("data", Item::list(data))
                    .field("sessions", Item::list(sessions))
                    .field("served", s.served)
                    .field("redirected", s.redirects)
                    .params(&*self.params)
            }
        }
    }
}

/// A message's fields ([`crate::sim::Node::inspect_message`]).
pub(super) fn message_view(message: &Msg) -> View {
    let view = View::new().section(message_summary(message));
    match message {
        Msg::Query { num } => view.field("wants", *num),
        Msg::Config { config } => view
            .field("num", config.num)
            .field("servers", Item::set(config.servers.iter().copied())),
        Msg::Handoff(h) => {
            let data = h
                .data
                .iter()
                .map(|(k, e)| (k.clone(), Item::text(e.value.to_string())));
            let sessions = h
                .sessions
                .iter()
                .map(|(c, x)| (c.to_string(), Item::text(format!("#{}", x.last_id))));
            view.field("num", h.num)
                .field("data", Item::list(data))
                .field("sessions", Item::list(sessions))
        }
        Msg::HandoffAck { num } => view.field("num", *num),
    }
}

/// A message in one line ([`crate::sim::Node::message_summary`]).
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Query { num } => format!("Query #{num}"),
        Msg::Config { config } => format!("Config {config}"),
        Msg::Handoff(h) => format!(
            "Handoff #{}: {} keys, {} sessions",
            h.num,
            h.data.len(),
            h.sessions.len()
        ),
        Msg::HandoffAck { num } => format!("HandoffAck #{num}"),
    }
}
