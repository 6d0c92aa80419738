//! Protocol-free views of a world, for user interfaces: trace entries,
//! messages in flight, partition groups, clients.

use super::event::Event;
use super::ids::{ClientId, Endpoint, NodeId};
use super::node::View;
use super::node::{Node, Reply, Request};
use super::panics::catch_panic;
use super::trace::{debug_text, SendRecord, TraceEntry, TraceEvent};
use super::world::Sim;
use super::SimTime;

/// One kept trace entry, with its message typed away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EntryView {
    /// Step number, from 1.
    pub step: u64,
    /// Virtual time.
    pub time: SimTime,
    /// `deliver`, `timer`, `fault`, ... (see [`crate::sim::TraceEvent::kind`]).
    pub kind: &'static str,
    /// Where it came from, if anywhere.
    pub source: Option<Endpoint>,
    /// Where it happened, if anywhere.
    pub target: Option<Endpoint>,
    /// The message, timer, operation or fault, readable (a message in
    /// its `Debug` form, as exports and the JSON trace show it).
    pub label: String,
    /// The same in one short line, for the event log and the diagram: a
    /// delivery's message as its protocol summarises it
    /// ([`Node::message_summary`]), anything else its label.
    pub summary: String,
    /// The message's id, for message events.
    pub msg_id: Option<u64>,
    /// When a delivered message was sent.
    pub sent_at: Option<SimTime>,
    /// Messages sent while handling it.
    pub sends: Vec<SendRecord>,
    /// Lines the handler logged.
    pub annotations: Vec<String>,
    /// The delivered message's or the fired timer's fields, labelled
    /// ([`Node::inspect_message`]; a timer's from its `Debug`).
    pub view: Option<View>,
}

/// Which trace entries an event log shows.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EntryFilter {
    /// Only entries whose source or target is this endpoint.
    pub endpoint: Option<Endpoint>,
    /// Only entries of this kind.
    pub kind: Option<String>,
}

impl EntryFilter {
    /// True when the filter lets everything through.
    pub fn is_empty(&self) -> bool {
        self.endpoint.is_none() && self.kind.is_none()
    }

    /// Does an entry with these fields pass?
    pub fn matches(&self, kind: &str, source: Option<Endpoint>, target: Option<Endpoint>) -> bool {
        let by_kind = self.kind.as_deref().is_none_or(|k| k == kind);
        let by_endpoint = self
            .endpoint
            .is_none_or(|e| source == Some(e) || target == Some(e));
        by_kind && by_endpoint
    }
}

/// A message or client request/reply on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlightView {
    /// Its id.
    pub msg_id: u64,
    /// Sender.
    pub from: Endpoint,
    /// Receiver.
    pub to: Endpoint,
    /// When it was sent (node-to-node messages only).
    pub sent_at: Option<SimTime>,
    /// When it will arrive.
    pub arrives: SimTime,
    /// The message, readable (`Debug`; a client's request or reply as
    /// the event log shows it).
    pub label: String,
    /// The message in one short line ([`Node::message_summary`]; the
    /// label for client traffic).
    pub summary: String,
}

/// What the UI shows about one client.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientView {
    /// The client.
    pub id: ClientId,
    /// The node it talks to next.
    pub target: NodeId,
    /// Its open operation, readable, if any.
    pub pending: Option<String>,
}

impl<N: Node> Sim<N> {
    /// Entry `index` of the kept trace, typed away.
    pub fn entry_view(&self, index: usize) -> Option<EntryView> {
        let entry: TraceEntry<N> = self.trace.entry(index)?;
        Some(EntryView {
            step: self.trace.step_at(index).unwrap_or_default(),
            time: entry.time,
            kind: entry.event.kind(),
            source: entry.event.source(),
            target: entry.event.target(),
            label: entry.event.label(),
            summary: event_summary(&entry.event),
            msg_id: entry.event.msg_id(),
            sent_at: entry.event.sent_at(),
            sends: self.trace.sends_at(index),
            annotations: self.trace.annotations_at(index).to_vec(),
            view: event_view(&entry.event),
        })
    }

    /// Indices of up to `max` kept entries before `end` that pass `filter`,
    /// newest first.
    pub fn find_entries(&self, end: usize, max: usize, filter: &EntryFilter) -> Vec<usize> {
        let end = end.min(self.trace.len());
        (0..end)
            .rev()
            .filter(|&i| {
                self.trace
                    .kind_at(i)
                    .is_some_and(|(kind, source, target)| filter.matches(kind, source, target))
            })
            .take(max)
            .collect()
    }

    /// Up to `max` messages on the wire, earliest arrival first.
    pub fn flights(&self, max: usize) -> Vec<FlightView> {
        let mut queued: Vec<_> = self
            .queue
            .iter()
            .filter(|(_, _, event)| event.is_in_flight())
            .collect();
        queued.sort_by_key(|&(at, seq, _)| (at, seq));
        queued
            .into_iter()
            .take(max)
            .filter_map(|(at, _, event)| flight_view(at, event))
            .collect()
    }

    /// Each node's partition group: 0 for the largest strongly connected
    /// component, 1 for the next, ... (all 0 while the network is whole).
    pub fn partition_groups(&self) -> Vec<usize> {
        let mut groups = vec![0; self.settings.nodes as usize];
        if self.network.is_partitioned() {
            for (g, members) in self.network.components().iter().enumerate() {
                for m in members {
                    groups[m.index()] = g;
                }
            }
        }
        groups
    }

    /// Every client's view.
    pub fn client_views(&self) -> Vec<ClientView> {
        self.clients
            .iter()
            .enumerate()
            .map(|(i, c)| ClientView {
                id: ClientId(i as u32),
                target: c.target,
                pending: {
                    let open: Vec<String> = c
                        .open_ops()
                        .map(|p| {
                            let op = &p.op;
                            match &op.key {
                                Some(key) => format!("#{} {} {} {}", p.id, op.f, key, op.value),
                                None => format!("#{} {} {}", p.id, op.f, op.value),
                            }
                        })
                        .collect();
                    (!open.is_empty()).then(|| open.join(", "))
                },
            })
            .collect()
    }
}

fn flight_view<N: Node>(at: SimTime, event: &Event<N>) -> Option<FlightView> {
    Some(match event {
        Event::Deliver {
            from,
            to,
            msg_id,
            sent_at,
            msg,
        } => FlightView {
            msg_id: *msg_id,
            from: Endpoint::Node(*from),
            to: Endpoint::Node(*to),
            sent_at: Some(*sent_at),
            arrives: at,
            label: debug_text(msg),
            summary: message_summary::<N>(msg),
        },
        Event::Request {
            node,
            msg_id,
            request,
        } => request_flight(at, *node, *msg_id, request),
        Event::Reply {
            node,
            client,
            msg_id,
            request_id,
            reply,
        } => reply_flight(at, (*node, *client), *msg_id, *request_id, reply),
        _ => return None,
    })
}

/// A client request on the wire, for every node type at once.
fn request_flight(at: SimTime, node: NodeId, msg_id: u64, request: &Request) -> FlightView {
    FlightView {
        msg_id,
        from: Endpoint::Client(request.client),
        to: Endpoint::Node(node),
        sent_at: None,
        arrives: at,
        label: format!("#{} {} {}", request.id, request.op.f, request.op.value),
        summary: format!("#{} {} {}", request.id, request.op.f, request.op.value),
    }
}

/// A reply on the wire from `node` to `client`, for every node type at once.
fn reply_flight(
    at: SimTime,
    (node, client): (NodeId, ClientId),
    msg_id: u64,
    request_id: u64,
    reply: &Reply,
) -> FlightView {
    FlightView {
        msg_id,
        from: Endpoint::Node(node),
        to: Endpoint::Client(client),
        sent_at: None,
        arrives: at,
        label: format!("#{request_id} {reply:?}"),
        summary: format!("#{request_id} {reply:?}"),
    }
}

/// An event's one-line summary: a delivery's message as the protocol
/// summarises it, anything else its label.
fn event_summary<N: Node>(event: &TraceEvent<N>) -> String {
    match event {
        TraceEvent::Deliver { msg, .. } => message_summary::<N>(msg),
        other => other.label(),
    }
}

/// [`Node::message_summary`] is protocol code: a panic in it shows the
/// message's `Debug` text instead.
fn message_summary<N: Node>(msg: &N::Msg) -> String {
    catch_panic(
        || "message_summary".into(),
        || N::message_summary(msg).replace(['\n', '\r'], " "),
    )
    .unwrap_or_else(|_| format!("{msg:?}"))
}

/// A delivered message's or a fired timer's view. [`Node::inspect_message`]
/// is protocol code: a panic in it shows in the view.
fn event_view<N: Node>(event: &TraceEvent<N>) -> Option<View> {
    let shown = match event {
        TraceEvent::Deliver { msg, .. } => {
            catch_panic(|| "inspect_message".into(), || N::inspect_message(msg))
        }
        TraceEvent::Timer { timer, .. } => Ok(View::from_debug(&format!("{timer:?}"))),
        _ => return None,
    };
    Some(shown.unwrap_or_else(|panic| View::note(format!("(cannot show: {})", panic.short()))))
}
