//! The event store (n0): per-account streams, append with an expected
//! version, snapshots, and the outbox (published by the [relay](super::relay)).
//!
//! Storage keys: `ev/AAAA/VVVVVVVV` (an event), `out/PPPPPPPPPP` (an outbox
//! entry: the event at that store position is not yet published),
//! `snap/AAAA` (the latest snapshot), `stats` (conflict count). An append
//! writes the event, its outbox entry and any snapshot, then syncs once: the
//! three are durable together or not at all.

use super::aggregate::{AccountState, Snapshot};
use super::events::{stream_name, Account, CommandId, Payload, StoredEvent};
use super::hooks::{event_key, snapshot_key};
use super::relay::Relay;
use super::{Bug, CqrsNode, Msg, Params, Timer};
use crate::sim::{Ctx, NodeId};
use std::collections::BTreeMap;

/// Events per `ReadAll` page.
const PAGE: usize = 64;

/// The store's state (rebuilt from storage at every start).
#[derive(Clone, Debug, Default)]
pub struct EventStore {
    /// Every stream, events in version order.
    pub streams: BTreeMap<Account, Vec<StoredEvent>>,
    /// Each stream's current state (the fold of its events).
    pub states: BTreeMap<Account, AccountState>,
    /// The latest snapshot of each stream.
    pub snapshots: BTreeMap<Account, Snapshot>,
    /// The last store position used.
    pub head: u64,
    /// Commands already appended: their (stream, version).
    pub commands: BTreeMap<CommandId, (Account, u64)>,
    /// Events not yet acknowledged by the broker, by store position.
    pub outbox: BTreeMap<u64, StoredEvent>,
    /// The relay's state.
    pub relay: Relay,
    /// Appends refused for a stale expected version (persisted).
    pub conflicts: u64,
    /// The last event appended since the start, with the stream's balance
    /// after it (for the optimistic-concurrency check).
    pub last_appended: Option<(StoredEvent, i64)>,
}

/// Every event in a store's storage, by stream (for checks on a crashed store).
pub(crate) fn events_in(storage: &crate::storage::Storage) -> BTreeMap<Account, Vec<StoredEvent>> {
    let mut streams: BTreeMap<Account, Vec<StoredEvent>> = BTreeMap::new();
    for key in storage.keys().iter().filter(|k| k.starts_with("ev/")) {
        if let Some(e) = storage.get::<StoredEvent>(key) {
            streams.entry(e.account).or_default().push(e);
        }
    }
    streams
}

impl EventStore {
    /// Reload from storage and start the relay.
    pub(crate) fn start(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>) {
        let storage = ctx.storage();
        self.streams = events_in(storage);
        for key in storage.keys().iter().filter(|k| k.starts_with("snap/")) {
            if let Some(s) = storage.get::<Snapshot>(key) {
                self.snapshots.insert(s.account, s);
            }
        }
        let outbox: Vec<u64> = storage
            .keys()
            .iter()
            .filter_map(|k| k.strip_prefix("out/")?.parse().ok())
            .collect();
        self.conflicts = storage.get("stats").unwrap_or(0);
        for (&account, events) in &self.streams {
            let state = (params.hooks.rebuild)(account, None, events);
            self.states.insert(account, state);
            for e in events {
                self.head = self.head.max(e.position);
                self.commands.insert(e.command, (account, e.version));
                if outbox.contains(&e.position) {
                    self.outbox.insert(e.position, e.clone());
                }
            }
        }
        if self.head > 0 {
            ctx.log(format!(
                "recovered {} events in {} streams; outbox {}",
                self.head,
                self.streams.len(),
                self.outbox.len()
            ));
        }
        ctx.set_timer(params.relay_every, Timer::Relay);
    }

    /// Store messages: loads, appends, relay acknowledgements, queries.
    pub(crate) fn on_message(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        from: NodeId,
        msg: Msg,
    ) {
        match msg {
            Msg::Load { account, after } => self.load(ctx, from, account, after),
            Msg::Append {
                command,
                account,
                expected,
                payload,
            } => self.append(params, ctx, from, (command, account, expected), payload),
            Msg::Published {
                partition,
                last_position,
            } => self.relay_acked(params, ctx, partition, last_position),
            Msg::Head { account, query } => {
                let version = self.version(account);
                ctx.send(from, Msg::HeadIs { query, version });
            }
            Msg::ReadAll { after } => {
                let mut events: Vec<StoredEvent> = self
                    .streams
                    .values()
                    .flatten()
                    .filter(|e| e.position > after)
                    .cloned()
                    .collect();
                events.sort_by_key(|e| e.position);
                events.truncate(PAGE);
                let head = self.head;
                ctx.send(from, Msg::AllEvents { events, head });
            }
            other => ctx.log(format!("store ignored {other:?}")),
        }
    }

    /// The relay's timer.
    pub(crate) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, timer: Timer) {
        if let Timer::Relay = timer {
            self.relay_tick(params, ctx);
            ctx.set_timer(params.relay_every, Timer::Relay);
        }
    }

    /// A stream's current version.
    pub fn version(&self, account: Account) -> u64 {
        self.streams.get(&account).map_or(0, |s| s.len() as u64)
    }

    fn load(&self, ctx: &mut Ctx<CqrsNode>, from: NodeId, account: Account, after: u64) {
        let snapshot = self
            .snapshots
            .get(&account)
            .filter(|s| s.version > after)
            .cloned();
        let since = snapshot.as_ref().map_or(after, |s| s.version);
        let events: Vec<StoredEvent> = self
            .streams
            .get(&account)
            .map(|s| s.iter().filter(|e| e.version > since).cloned().collect())
            .unwrap_or_default();
        ctx.send(
            from,
            Msg::Loaded {
                account,
                snapshot,
                events,
            },
        );
    }

    fn append(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        from: NodeId,
        (command, account, expected): (CommandId, Account, u64),
        payload: Payload,
    ) {
        if let Some(&(a, v)) = self.commands.get(&command) {
            let event = self.streams[&a][v as usize - 1].clone();
            ctx.log(format!("{command} already appended as {event}"));
            return ctx.send(from, Msg::Appended { command, event });
        }
        let current = self.version(account);
        let allowed = (params.hooks.append_allowed)(current, expected);
        if !allowed && !params.has(Bug::NoExpectedVersion) {
            self.conflicts += 1;
            ctx.storage().put("stats", &self.conflicts);
            ctx.log(format!(
                "conflict {}: {command} expected v{expected}, stream at v{current}",
                stream_name(account)
            ));
            let msg = Msg::Conflict {
                command,
                account,
                current,
            };
            return ctx.send(from, msg);
        }
        self.head += 1;
        let event = StoredEvent {
            account,
            version: current + 1,
            expected,
            position: self.head,
            payload,
            command,
            appended_at: ctx.now(),
        };
        let state = self
            .states
            .entry(account)
            .or_insert_with(|| AccountState::new(account));
        state.apply_stored(&event);
        let snapshot_due =
            params.snapshot_every > 0 && event.version.is_multiple_of(params.snapshot_every);
        let snapshot = snapshot_due.then(|| state.clone());
        let storage = ctx.storage();
        if params.has(Bug::DualWrite) {
            storage.put(&event_key(account, event.version), &event);
            if let Some(s) = &snapshot {
                storage.put(&snapshot_key(account), s);
            }
            storage.sync();
        } else {
            (params.hooks.write_append)(storage, &event, snapshot.as_ref());
        }
        if let Some(s) = snapshot {
            self.snapshots.insert(account, s);
        }
        let state = &self.states[&account];
        ctx.log(format!(
            "append {event} (position {}, expected v{expected}){}",
            event.position,
            if snapshot_due { "; snapshot" } else { "" }
        ));
        self.last_appended = Some((event.clone(), state.balance));
        self.streams.entry(account).or_default().push(event.clone());
        self.commands.insert(command, (account, event.version));
        self.outbox.insert(event.position, event.clone());
        ctx.send(from, Msg::Appended { command, event });
        self.relay_partition(params, ctx, params.partition_of(account));
    }

    fn relay_acked(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        partition: u32,
        last_position: u64,
    ) {
        let done: Vec<u64> = self
            .outbox
            .range(..=last_position)
            .filter(|(_, e)| params.partition_of(e.account) == partition)
            .map(|(&p, _)| p)
            .collect();
        for p in &done {
            self.outbox.remove(p);
        }
        if !done.is_empty() {
            if params.has(Bug::DualWrite) {
                ctx.storage().sync();
            } else {
                (params.hooks.outbox_done)(ctx.storage(), &done);
            }
            ctx.log(format!(
                "relay: broker has p{partition} up to position {last_position}; {} outbox entries done",
                done.len()
            ));
        }
        self.relay.acked(partition, last_position);
        self.relay_partition(params, ctx, partition);
    }

    fn relay_tick(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>) {
        for partition in 0..params.partitions {
            self.relay_partition(params, ctx, partition);
        }
    }

    fn relay_partition(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, partition: u32) {
        let records: Vec<StoredEvent> = self
            .outbox
            .values()
            .filter(|e| params.partition_of(e.account) == partition)
            .take(params.batch as usize)
            .cloned()
            .collect();
        self.relay.publish(params, ctx, partition, records);
    }

    /// One line for the cluster view.
    pub fn summary(&self) -> String {
        let streams: Vec<String> = self
            .streams
            .iter()
            .map(|(a, s)| format!("{} v{}", stream_name(*a), s.len()))
            .collect();
        format!(
            "head {}; {}; outbox {}; snapshots {}; conflicts {}",
            self.head,
            streams.join(", "),
            self.outbox.len(),
            self.snapshots.len(),
            self.conflicts
        )
    }
}
