//! What the inspector shows of an event-sourcing / CQRS node, in the
//! pattern's words: the event store's streams (version, balance, newest
//! events), its outbox and relay; the broker's partition logs and
//! committed offsets per consumer group; a command handler's commands in
//! progress (loading or appending at an expected version, conflicts); a
//! projection's read model, its offsets per partition and the queries it
//! holds. Events read `acct-3 v4 Deposited(25)`; commands `c0.7`.
//! Messages: `Append c0.7 acct-3 @v3 Deposited(25)`, `Records p1 @12 +3`.

use super::aggregate::Command;
use super::broker::Broker;
use super::commands::{CommandHandler, Stage};
use super::events::{stream_name, StoredEvent};
use super::projection::Projection;
use super::store::EventStore;
use super::{CqrsNode, Msg, Part};
use crate::base::inspect::{Item, View};
use crate::protocols::show;

/// `deposit 25`, `withdraw 10`.
fn command_text(command: &Command) -> String {
    match command {
        Command::Deposit { amount } => format!("deposit {amount}"),
        Command::Withdraw { amount } => format!("withdraw {amount}"),
    }
}

/// A list of events, newest kept in sight: `@12  acct-3 v4 Deposited(25)`.
fn events_item<'a>(events: impl Iterator<Item = &'a StoredEvent>) -> Item {
    Item::list_last(events.map(|e| (format!("@{}", e.position), Item::text(e.to_string()))))
}

/// `3 events acct-3 v4..v6` (or `none`).
fn batch_text(events: &[StoredEvent]) -> String {
    match (events.first(), events.last()) {
        (Some(first), Some(last)) => format!(
            "{} events, positions {}..{}",
            events.len(),
            first.position,
            last.position
        ),
        _ => "no events".into(),
    }
}

impl EventStore {
    fn view(&self) -> View {
        let streams = self.states.iter().map(|(account, state)| {
            let snapshot = self
                .snapshots
                .get(account)
                .map(|s| format!(", snapshot at v{}", s.version))
                .unwrap_or_default();
            (
                stream_name(*account),
                Item::text(format!(
                    "v{} balance {}{snapshot}",
                    state.version, state.balance
                )),
            )
        });
        let mut all: Vec<&StoredEvent> = self.streams.values().flatten().collect();
        all.sort_by_key(|e| e.position);
        let in_flight = self.relay.in_flight.iter().map(|(p, f)| {
            (
                format!("p{p}"),
                Item::text(format!(
                    "positions {}..{} sent {}",
                    f.first_position, f.last_position, f.sent_at
                )),
            )
        });
        View::new()
            .section("event store")
            .field("head", format!("@{}", self.head))
            .field("conflicts", self.conflicts)
            .field("streams", Item::list(streams))
            .field("events", events_item(all.into_iter()))
            .section("outbox and relay")
            .field("outbox", events_item(self.outbox.values()))
            .field("inFlight", Item::list(in_flight))
            .field("publishes", self.relay.publishes)
            .field("commandsAppended", self.commands.len())
    }
}

impl Broker {
    fn view(&self) -> View {
        let logs = self.logs.iter().enumerate().map(|(p, log)| {
            let last = log
                .last()
                .map(|e| format!(", last {e}"))
                .unwrap_or_default();
            (
                format!("p{p}"),
                Item::text(format!("{} records{last}", log.len())),
            )
        });
        let committed = self
            .committed
            .iter()
            .map(|((group, p), offset)| (format!("group {group} p{p}"), Item::from(*offset)));
        let parked = self.parked.iter().map(|((consumer, p), offset)| {
            (
                format!("consumer {consumer} p{p}"),
                Item::text(format!("waits for offset {offset}")),
            )
        });
        let mut view = View::new()
            .section("broker")
            .field("partitions", Item::list(logs))
            .field("committedOffsets", Item::list(committed))
            .field("longPolls", Item::list(parked));
        if let Some(why) = &self.out_of_order {
            view = view.field("outOfOrder", why.as_str());
        }
        view
    }
}

impl CommandHandler {
    fn view(&self) -> View {
        let pending = self.pending.iter().map(|(id, p)| {
            let stage = match &p.stage {
                Stage::Loading => "loading the stream".to_string(),
                Stage::Appending { expected, payload } => {
                    format!("appending {payload} at expected v{expected}")
                }
            };
            let conflicts = if p.conflicts > 0 {
                format!(", {} conflicts", p.conflicts)
            } else {
                String::new()
            };
            (
                id.to_string(),
                Item::text(format!(
                    "{} {}: {stage}{conflicts}, since {}",
                    command_text(&p.command),
                    stream_name(p.account),
                    p.sent_at
                )),
            )
        });
        let cache = self.cache.iter().map(|(account, state)| {
            (
                stream_name(*account),
                Item::text(format!("v{} balance {}", state.version, state.balance)),
            )
        });
        View::new()
            .section("command handler")
            .field("pending", Item::list(pending))
            .field("cache", Item::list(cache))
            .field("conflictRetries", self.retries)
            .field("writesSchemaV1", self.writes_v1)
    }
}

impl Projection {
    fn view(&self) -> View {
        let s = &self.state;
        let accounts = s.model.accounts.iter().map(|(account, a)| {
            (
                stream_name(*account),
                Item::text(format!("v{} balance {}", a.version, a.balance)),
            )
        });
        let processed = s
            .processed
            .iter()
            .map(|(p, offset)| (format!("p{p}"), Item::from(*offset)));
        let processing = self
            .processing
            .iter()
            .map(|(p, (from, records))| (format!("p{p} @{from}"), Item::text(batch_text(records))));
        let waiting = self.waiting.values().map(|q| {
            let wanted = q
                .min_version
                .map(|v| format!(" for v{v}"))
                .unwrap_or_default();
            (
                format!("{} #{}", q.request.client, q.request.id),
                Item::text(format!(
                    "{}{wanted}, asked {}",
                    stream_name(q.account),
                    q.asked_at
                )),
            )
        });
        let mut view = View::new()
            .section("projection (read model)")
            .field("accounts", Item::list(accounts))
            .field("processed", Item::list(processed))
            .field("processing", Item::list(processing))
            .field("waitingQueries", Item::list(waiting));
        if let Some(at) = self.rebuilding {
            view = view.field("rebuilding", format!("read the store through @{at}"));
        }
        view.section("delivery")
            .field("applied", s.applied)
            .field("duplicates", s.duplicates)
            .field("redeliveries", s.redeliveries)
            .field("gaps", s.gaps.len())
            .field("doubled", s.doubled.len())
    }
}

impl CqrsNode {
    /// The node's labelled view ([`crate::sim::Node::inspect`]).
    pub(super) fn view(&self) -> View {
        let view = match &self.part {
            Part::Store(s) => s.view(),
            Part::Broker(b) => b.view(),
            Part::Commands(h) => h.view(),
            Part::Projection(p) => p.view(),
        };
        view.params(&*self.params)
    }
}

/// `3 events @12..14`.
fn events_text(events: &[StoredEvent]) -> String {
    match (events.first(), events.last()) {
        (Some(first), Some(last)) if events.len() == 1 => format!("{first} @{}", last.position),
        (Some(first), Some(last)) => {
            format!(
                "{} events @{}..{}",
                events.len(),
                first.position,
                last.position
            )
        }
        _ => "no events".into(),
    }
}

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Load { account, after } => format!("Load {} after v{after}", stream_name(*account)),
        Msg::Loaded {
            account,
            snapshot,
            events,
        } => {
            let snapshot = snapshot
                .as_ref()
                .map(|s| format!(" snapshot v{}", s.version))
                .unwrap_or_default();
            format!(
                "Loaded {}{snapshot} +{} events",
                stream_name(*account),
                events.len()
            )
        }
        Msg::Append {
            command,
            account,
            expected,
            payload,
        } => format!(
            "Append {command} {} @v{expected} {payload}",
            stream_name(*account)
        ),
        Msg::Appended { command, event } => format!("Appended {command} {event}"),
        Msg::Conflict {
            command,
            account,
            current,
        } => format!(
            "Conflict {command} {} is at v{current}",
            stream_name(*account)
        ),
        Msg::Publish { partition, records } => {
            format!("Publish p{partition} {}", events_text(records))
        }
        Msg::Published {
            partition,
            last_position,
        } => format!("Published p{partition} through @{last_position}"),
        Msg::OffsetFetch => "OffsetFetch".into(),
        Msg::Offsets { offsets } => format!("Offsets {}", show::bracketed(offsets, 6)),
        Msg::Fetch { partition, from } => format!("Fetch p{partition} from {from}"),
        Msg::Records {
            partition,
            from,
            records,
        } => format!("Records p{partition} from {from} +{}", records.len()),
        Msg::Commit { partition, offset } => format!("Commit p{partition} offset {offset}"),
        Msg::Head { account, query } => format!("Head {} (query {query})", stream_name(*account)),
        Msg::HeadIs { query, version } => format!("HeadIs v{version} (query {query})"),
        Msg::ReadAll { after } => format!("ReadAll after @{after}"),
        Msg::AllEvents { events, head } => {
            format!("AllEvents {} (head @{head})", events_text(events))
        }
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    let view = View::new();
    let events = |events: &[StoredEvent]| events_item(events.iter());
    match message {
        Msg::Load { account, after } => view
            .section("Load")
            .field("stream", stream_name(*account))
            .field("after", format!("v{after}")),
        Msg::Loaded {
            account,
            snapshot,
            events: list,
        } => view
            .section("Loaded")
            .field("stream", stream_name(*account))
            .field(
                "snapshot",
                snapshot
                    .as_ref()
                    .map(|s| format!("v{} balance {}", s.version, s.balance)),
            )
            .field("events", events(list)),
        Msg::Append {
            command,
            account,
            expected,
            payload,
        } => view
            .section("Append")
            .field("command", command.to_string())
            .field("stream", stream_name(*account))
            .field("expectedVersion", format!("v{expected}"))
            .field("event", payload.to_string()),
        Msg::Appended { command, event } => view
            .section("Appended")
            .field("command", command.to_string())
            .field("event", event.to_string())
            .field("position", format!("@{}", event.position)),
        Msg::Conflict {
            command,
            account,
            current,
        } => view
            .section("Conflict")
            .field("command", command.to_string())
            .field("stream", stream_name(*account))
            .field("currentVersion", format!("v{current}")),
        Msg::Publish { partition, records } => view
            .section("Publish")
            .field("partition", format!("p{partition}"))
            .field("records", events(records)),
        Msg::Published {
            partition,
            last_position,
        } => view
            .section("Published")
            .field("partition", format!("p{partition}"))
            .field("through", format!("@{last_position}")),
        Msg::OffsetFetch => view
            .section("OffsetFetch")
            .field("meaning", "my group's committed offsets?"),
        Msg::Offsets { offsets } => view.section("Offsets").field(
            "offsets",
            Item::list(
                offsets
                    .iter()
                    .enumerate()
                    .map(|(p, o)| (format!("p{p}"), Item::from(*o))),
            ),
        ),
        Msg::Fetch { partition, from } => view
            .section("Fetch")
            .field("partition", format!("p{partition}"))
            .field("from", *from),
        Msg::Records {
            partition,
            from,
            records,
        } => view
            .section("Records")
            .field("partition", format!("p{partition}"))
            .field("from", *from)
            .field("records", events(records)),
        Msg::Commit { partition, offset } => view
            .section("Commit")
            .field("partition", format!("p{partition}"))
            .field("offset", *offset),
        Msg::Head { account, query } => view
            .section("Head")
            .field("stream", stream_name(*account))
            .field("query", *query),
        Msg::HeadIs { query, version } => view
            .section("HeadIs")
            .field("query", *query)
            .field("version", format!("v{version}")),
        Msg::ReadAll { after } => view
            .section("ReadAll (rebuild)")
            .field("after", format!("@{after}")),
        Msg::AllEvents { events: list, head } => view
            .section("AllEvents (rebuild)")
            .field("events", events(list))
            .field("head", format!("@{head}")),
    }
}
