//! The query side: read models, the [`read_model_at`] fold ("time travel"),
//! and projection nodes that consume the broker's topic.
//!
//! A projection is its own consumer group. It fetches each partition from
//! its committed offset, processes a batch (taking `process_delay`), applies
//! each event whose version is the stream's next one, suppresses those at or
//! below the stream's last applied version (redeliveries, duplicates in the
//! log), persists the read model — balances, last applied versions and
//! counters, one synced write — and commits the processed offsets every
//! `commit_every`. A crash between persisting and committing redelivers
//! events; the versions make that harmless.

use super::events::{stream_name, upcast, Account, Event, StoredEvent};
use super::{account_of, Bug, CqrsNode, Msg, Params, Timer, BROKER, STORE};
use crate::check::history::Value;
use crate::sim::{Ctx, Reply, Request, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One account in the read model.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// Balance.
    pub balance: i64,
    /// The last applied version of the account's stream.
    pub version: u64,
    /// Deposits applied.
    pub deposits: u64,
    /// Withdrawals applied.
    pub withdrawals: u64,
    /// Total deposited, by currency (v1 deposits count in the default).
    pub deposited: BTreeMap<String, i64>,
}

/// A read model: every account's view.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadModel {
    /// Views by account.
    pub accounts: BTreeMap<Account, AccountView>,
}

impl ReadModel {
    /// Apply one event (upcast) to its account's view, unconditionally.
    pub fn apply(&mut self, e: &StoredEvent) {
        let view = self.accounts.entry(e.account).or_default();
        match upcast(&e.payload) {
            Event::Deposited { amount, currency } => {
                view.balance += amount;
                view.deposits += 1;
                *view.deposited.entry(currency).or_default() += amount;
            }
            Event::Withdrawn { amount } => {
                view.balance -= amount;
                view.withdrawals += 1;
            }
        }
        view.version = view.version.max(e.version);
    }

    /// The stream's last applied version.
    pub fn version(&self, account: Account) -> u64 {
        self.accounts.get(&account).map_or(0, |v| v.version)
    }

    /// `acct-0=40@v5 acct-1=...`.
    pub fn describe(&self) -> String {
        let parts: Vec<String> = self
            .accounts
            .iter()
            .map(|(a, v)| format!("{}={}@v{}", stream_name(*a), v.balance, v.version))
            .collect();
        if parts.is_empty() {
            "empty".into()
        } else {
            parts.join(" ")
        }
    }
}

/// The read model as of store position `position`: the fold of every event
/// appended at or before it, each stream in version order. With `position`
/// the store's head this is what every projection must converge to; with an
/// earlier one it is the past ("time travel").
pub fn read_model_at(events: &[StoredEvent], position: u64) -> ReadModel {
    let mut past: Vec<&StoredEvent> = events.iter().filter(|e| e.position <= position).collect();
    past.sort_by_key(|e| (e.account, e.version));
    let mut model = ReadModel::default();
    for e in past {
        model.apply(e);
    }
    model
}

/// What a projection persists, in one synced write per batch.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectionState {
    /// The read model.
    pub model: ReadModel,
    /// Per partition, the offset after the last processed record.
    pub processed: BTreeMap<u32, u64>,
    /// Events applied.
    pub applied: u64,
    /// Deliveries suppressed as duplicates (stream already at that version).
    pub duplicates: u64,
    /// Records delivered again after a restart (offset already processed).
    pub redeliveries: u64,
    /// Events applied after a gap in their stream, and the versions skipped.
    pub gaps: Vec<(Account, u64)>,
    /// Events applied although the stream was already at that version.
    pub doubled: Vec<(Account, u64)>,
    /// Lag samples written so far (keys `lag/N`).
    pub lag_batches: u64,
}

/// The last event a projection applied, for the checks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Applied {
    /// The event.
    pub event: StoredEvent,
    /// The stream's version in the read model before it.
    pub previous: u64,
}

/// A query waiting for the read model to catch up.
#[derive(Clone, Debug)]
pub struct WaitingQuery {
    /// The client request.
    pub request: Request,
    /// The account.
    pub account: Account,
    /// The version to wait for (`None` until the store said).
    pub min_version: Option<u64>,
    /// Local time the head request was sent.
    pub asked_at: SimTime,
}

/// A projection node.
#[derive(Clone, Debug, Default)]
pub struct Projection {
    /// The persisted part.
    pub state: ProjectionState,
    /// Next offset to fetch per partition (`None` until the broker answers).
    pub position: Option<Vec<u64>>,
    /// Outstanding fetches: partition → local time sent.
    pub fetching: BTreeMap<u32, SimTime>,
    /// Batches being processed: partition → (first offset, records).
    pub processing: BTreeMap<u32, (u64, Vec<StoredEvent>)>,
    /// Queries waiting for a version, by query number.
    pub waiting: BTreeMap<u64, WaitingQuery>,
    next_query: u64,
    /// Rebuilding from the store: the store position read so far.
    pub rebuilding: Option<u64>,
    /// The last applied event, since the start (for the checks).
    pub last_applied: Option<Applied>,
    /// Per partition, the offset after the last batch received (since the
    /// start; processed or not).
    pub received: BTreeMap<u32, u64>,
    /// Lag samples (ns) not yet persisted.
    lags: Vec<u64>,
    offset_asked_at: SimTime,
}

impl Projection {
    /// Boot: restore the read model, ask the broker for committed offsets.
    pub(crate) fn start(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>) {
        if let Some(state) = ctx.storage().get::<ProjectionState>("model") {
            self.state = state;
            let text = format!("restored read model: {}", self.state.model.describe());
            ctx.log(text);
        }
        self.offset_asked_at = ctx.now();
        ctx.send(BROKER, Msg::OffsetFetch);
        ctx.set_timer(params.poll, Timer::Poll);
        ctx.set_timer(params.commit_every, Timer::CommitOffsets);
        if let Some(at) = params.rebuild_at.filter(|&at| at > ctx.now()) {
            ctx.set_timer(at - ctx.now(), Timer::Rebuild);
        }
    }

    /// Broker and store replies.
    pub(crate) fn on_message(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, msg: Msg) {
        match msg {
            Msg::Offsets { offsets } if self.position.is_none() => {
                ctx.log(format!("consuming from committed offsets {offsets:?}"));
                self.position = Some(offsets);
                self.fetch_idle(params, ctx, true);
            }
            Msg::Records {
                partition,
                from,
                records,
            } => self.on_records(params, ctx, partition, from, records),
            Msg::HeadIs { query, version } => {
                if let Some(q) = self.waiting.get_mut(&query) {
                    q.min_version = Some(version);
                }
                self.answer_waiting(ctx);
            }
            Msg::AllEvents { events, head } => self.on_rebuild_page(params, ctx, events, head),
            _ => {}
        }
    }

    /// Timers: poll, process, commit, rebuild.
    pub(crate) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, timer: Timer) {
        match timer {
            Timer::Poll => {
                self.poll(params, ctx);
                ctx.set_timer(params.poll, Timer::Poll);
            }
            Timer::Process(partition) => self.process(params, ctx, partition),
            Timer::CommitOffsets => {
                if !params.has(Bug::CommitBeforeProcess) {
                    let commit =
                        (params.hooks.offsets_to_commit)(&self.state.processed, &self.received);
                    for (partition, offset) in commit {
                        ctx.send(BROKER, Msg::Commit { partition, offset });
                    }
                }
                ctx.set_timer(params.commit_every, Timer::CommitOffsets);
            }
            Timer::Rebuild => {
                ctx.log(format!(
                    "rebuild: dropping the read model ({}), replaying the store",
                    self.state.model.describe()
                ));
                self.state.model = ReadModel::default();
                self.processing.clear();
                self.fetching.clear();
                self.rebuilding = Some(0);
                ctx.send(STORE, Msg::ReadAll { after: 0 });
            }
            _ => {}
        }
    }

    fn poll(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>) {
        let now = ctx.now();
        if self.position.is_none() && now.saturating_sub(self.offset_asked_at) >= params.retry {
            self.offset_asked_at = now;
            ctx.send(BROKER, Msg::OffsetFetch);
        }
        if let Some(after) = self.rebuilding {
            ctx.send(STORE, Msg::ReadAll { after });
            return;
        }
        self.fetching
            .retain(|_, sent| now.saturating_sub(*sent) < params.retry);
        self.fetch_idle(params, ctx, false);
        let ask: Vec<(u64, Account)> = self
            .waiting
            .iter_mut()
            .filter(|(_, q)| {
                q.min_version.is_none() && now.saturating_sub(q.asked_at) >= params.retry
            })
            .map(|(&id, q)| {
                q.asked_at = now;
                (id, q.account)
            })
            .collect();
        for (query, account) in ask {
            ctx.send(STORE, Msg::Head { account, query });
        }
    }

    /// Fetch every partition that is neither being fetched nor processed.
    fn fetch_idle(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, all: bool) {
        let Some(position) = self.position.clone() else {
            return;
        };
        if self.rebuilding.is_some() {
            return;
        }
        let now = ctx.now();
        for partition in 0..params.partitions {
            let busy =
                self.fetching.contains_key(&partition) || self.processing.contains_key(&partition);
            if busy && !all {
                continue;
            }
            let from = position.get(partition as usize).copied().unwrap_or(0);
            self.fetching.insert(partition, now);
            ctx.send(BROKER, Msg::Fetch { partition, from });
        }
    }

    fn on_records(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        partition: u32,
        from: u64,
        records: Vec<StoredEvent>,
    ) {
        let Some(position) = self.position.as_mut() else {
            return;
        };
        let expected = position.get(partition as usize).copied();
        if expected != Some(from)
            || self.processing.contains_key(&partition)
            || self.rebuilding.is_some()
        {
            return; // stale or duplicated answer
        }
        self.fetching.remove(&partition);
        if records.is_empty() {
            return; // caught up; the next poll fetches again
        }
        let end = from + records.len() as u64;
        self.received.insert(partition, end);
        if params.has(Bug::CommitBeforeProcess) {
            ctx.send(
                BROKER,
                Msg::Commit {
                    partition,
                    offset: end,
                },
            );
            position[partition as usize] = end;
        }
        ctx.log(format!(
            "projection received p{partition} offsets {from}..{}",
            end - 1
        ));
        self.processing.insert(partition, (from, records));
        ctx.set_timer(params.process_delay, Timer::Process(partition));
    }

    fn process(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, partition: u32) {
        let Some((from, records)) = self.processing.remove(&partition) else {
            return;
        };
        let end = from + records.len() as u64;
        let processed = self.state.processed.get(&partition).copied().unwrap_or(0);
        for (i, e) in records.iter().enumerate() {
            if from + (i as u64) < processed {
                self.state.redeliveries += 1;
            }
            self.apply(params, ctx, e, true);
        }
        let processed = self.state.processed.entry(partition).or_default();
        *processed = (*processed).max(end);
        self.persist(params, ctx);
        if let Some(position) = self.position.as_mut() {
            let p = &mut position[partition as usize];
            *p = (*p).max(end);
        }
        self.answer_waiting(ctx);
        let from = self.position.as_ref().map_or(0, |p| p[partition as usize]);
        self.fetching.insert(partition, ctx.now());
        ctx.send(BROKER, Msg::Fetch { partition, from });
    }

    /// Apply one delivered event unless it is a duplicate.
    fn apply(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, e: &StoredEvent, live: bool) {
        let previous = self.state.model.version(e.account);
        let apply = (params.hooks.should_apply)(previous, e.version);
        if !apply || e.version <= previous {
            if !apply && !params.has(Bug::NonIdempotentProjection) {
                self.state.duplicates += 1;
                ctx.log(format!("duplicate {e} suppressed (at v{previous})"));
                return;
            }
            self.state.doubled.push((e.account, e.version));
        } else if e.version > previous + 1 {
            for missing in previous + 1..e.version {
                self.state.gaps.push((e.account, missing));
            }
            ctx.log(format!(
                "gap: {e} after v{previous}; v{}..v{} never arrived",
                previous + 1,
                e.version - 1
            ));
        }
        self.state.model.apply(e);
        self.state.applied += 1;
        self.last_applied = Some(Applied {
            event: e.clone(),
            previous,
        });
        if live {
            let lag = ctx.now().saturating_sub(e.appended_at);
            self.lags.push(lag.as_nanos());
            ctx.log(format!("projection applied {e} (lag {lag})"));
        }
    }

    fn persist(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>) {
        if !self.lags.is_empty() {
            let key = format!("lag/{:08}", self.state.lag_batches);
            self.state.lag_batches += 1;
            let lags = std::mem::take(&mut self.lags);
            ctx.storage().put(&key, &lags);
        }
        (params.hooks.persist)(ctx.storage(), &self.state);
    }

    fn on_rebuild_page(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        events: Vec<StoredEvent>,
        head: u64,
    ) {
        let Some(after) = self.rebuilding else {
            return;
        };
        if events.first().is_some_and(|e| e.position <= after) {
            return; // a duplicated page
        }
        let mut read = after;
        for e in &events {
            self.apply(params, ctx, e, false);
            read = read.max(e.position);
        }
        if read < head && !events.is_empty() {
            self.rebuilding = Some(read);
            ctx.send(STORE, Msg::ReadAll { after: read });
            return;
        }
        self.rebuilding = None;
        self.persist(params, ctx);
        ctx.log(format!(
            "rebuild done at store position {read}: {}",
            self.state.model.describe()
        ));
        self.fetch_idle(params, ctx, true);
        self.answer_waiting(ctx);
    }

    /// A client query.
    pub(crate) fn on_request(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        request: Request,
    ) {
        let Some(account) = account_of(params, &request) else {
            let why = format!("expected an account acct-0..acct-{}", params.accounts - 1);
            return ctx.reply(&request, Reply::Fail(why));
        };
        let min_version = match (request.op.f.as_str(), &request.op.value) {
            ("read", Value::Int(v)) => Some((*v).max(0) as u64),
            ("read", _) if self.rebuilding.is_none() => return self.answer(ctx, &request, account),
            ("read", _) => Some(0),
            ("read-latest", _) => None,
            (other, _) => {
                let why = format!("unknown query {other:?}; expected read or read-latest");
                return ctx.reply(&request, Reply::Fail(why));
            }
        };
        let query = self.next_query;
        self.next_query += 1;
        if min_version.is_none() {
            ctx.send(STORE, Msg::Head { account, query });
        }
        let waiting = WaitingQuery {
            request,
            account,
            min_version,
            asked_at: ctx.now(),
        };
        self.waiting.insert(query, waiting);
        self.answer_waiting(ctx);
    }

    fn answer(&self, ctx: &mut Ctx<CqrsNode>, request: &Request, account: Account) {
        let view = self.state.model.accounts.get(&account);
        let balance = view.map_or(0, |v| v.balance);
        let version = view.map_or(0, |v| v.version);
        let value = Value::List(vec![Value::Int(balance), Value::Int(version as i64)]);
        ctx.reply(request, Reply::Ok(value));
    }

    fn answer_waiting(&mut self, ctx: &mut Ctx<CqrsNode>) {
        if self.rebuilding.is_some() {
            return;
        }
        let ready: Vec<u64> = self
            .waiting
            .iter()
            .filter(|(_, q)| {
                q.min_version
                    .is_some_and(|v| self.state.model.version(q.account) >= v)
            })
            .map(|(&id, _)| id)
            .collect();
        for id in ready {
            if let Some(q) = self.waiting.remove(&id) {
                self.answer(ctx, &q.request, q.account);
            }
        }
    }

    /// One line for the cluster view.
    pub fn summary(&self) -> String {
        let s = &self.state;
        let mut text = format!(
            "{}; applied {}, duplicates {}, redeliveries {}",
            s.model.describe(),
            s.applied,
            s.duplicates,
            s.redeliveries
        );
        if !self.waiting.is_empty() {
            text.push_str(&format!("; {} queries waiting", self.waiting.len()));
        }
        if self.rebuilding.is_some() {
            text.push_str("; rebuilding");
        }
        text
    }
}
