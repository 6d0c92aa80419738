//! The bank workload, the checks and the metrics.
//!
//! State is read from live nodes, or from storage when a node is down (the
//! store's events, the broker's logs, a projection's persisted read model).

use super::aggregate::AccountState;
use super::broker::logs_in;
use super::events::{stream_name, Account, StoredEvent};
use super::projection::{read_model_at, ProjectionState, ReadModel};
use super::store::events_in;
use super::{CqrsNode, Params, BROKER, STORE};
use crate::check::history::{EventType, History, Value};
use crate::check::{CheckKind, Outcome};
use crate::sim::Invariant;
use crate::sim::{ClientId, NodeId, Op, Prng, Sim, SimBuilder, SimTime};
use crate::workload::Workload;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Clients deposit, withdraw and read random accounts.
#[derive(Clone, Debug)]
pub struct BankWorkload {
    /// Accounts.
    pub accounts: u32,
    /// Largest amount deposited or withdrawn.
    pub max_amount: u32,
    /// Percent of operations that are eventually consistent `read`s.
    pub read_percent: u32,
    /// Percent of operations that are `read-latest` (read-your-writes).
    pub latest_percent: u32,
}

impl Workload for BankWorkload {
    fn next_op(&self, rng: &mut Prng, _client: ClientId, _sequence: u64) -> Op {
        let account = rng.below(u64::from(self.accounts.max(1)));
        let key = Some(format!("acct-{account}"));
        let roll = rng.below(100) as u32;
        if roll < self.latest_percent {
            return Op {
                f: "read-latest".into(),
                key,
                value: Value::Nil,
            };
        }
        if roll < self.latest_percent + self.read_percent {
            return Op {
                f: "read".into(),
                key,
                value: Value::Nil,
            };
        }
        let amount = rng.range_inclusive(1, u64::from(self.max_amount.max(1))) as i64;
        // Slightly more deposits than withdrawals, so balances grow.
        let f = if rng.below(100) < 55 {
            "deposit"
        } else {
            "withdraw"
        };
        Op {
            f: f.into(),
            key,
            value: Value::Int(amount),
        }
    }
}

/// Every event in the store (live, or from its storage), in store order.
pub(crate) fn store_events(sim: &Sim<CqrsNode>) -> Vec<StoredEvent> {
    let streams = match sim.node(STORE).and_then(CqrsNode::store) {
        Some(s) => s.streams.clone(),
        None => events_in(&sim.slots()[STORE.index()].storage),
    };
    let mut all: Vec<StoredEvent> = streams.into_values().flatten().collect();
    all.sort_by_key(|e| e.position);
    all
}

/// The broker's partition logs (live, or from its storage).
fn broker_logs(sim: &Sim<CqrsNode>, params: &Params) -> Vec<Vec<StoredEvent>> {
    match sim.node(BROKER).and_then(CqrsNode::broker) {
        Some(b) => b.logs.clone(),
        None => logs_in(&sim.slots()[BROKER.index()].storage, params.partitions),
    }
}

/// Each projection's persisted-or-live state, by node.
fn projections(sim: &Sim<CqrsNode>, params: &Params) -> Vec<(NodeId, ProjectionState)> {
    (params.first_projection().0..sim.node_count())
        .map(NodeId)
        .map(|id| {
            let state = match sim.node(id).and_then(CqrsNode::projection) {
                Some(p) => p.state.clone(),
                None => sim.slots()[id.index()]
                    .storage
                    .get("model")
                    .unwrap_or_default(),
            };
            (id, state)
        })
        .collect()
}

fn optimistic_concurrency(sim: &Sim<CqrsNode>) -> Result<(), String> {
    let Some(store) = sim.node(STORE).and_then(CqrsNode::store) else {
        return Ok(());
    };
    let Some((e, balance)) = &store.last_appended else {
        return Ok(());
    };
    if e.expected + 1 != e.version {
        return Err(format!(
            "{e} (command {}) was validated against v{} but appended as v{}: \
             {} event(s) it never saw came in between (balance now {balance})",
            e.command,
            e.expected,
            e.version,
            e.version.saturating_sub(e.expected + 1)
        ));
    }
    if *balance < 0 {
        return Err(format!(
            "{e} took {} below zero: {balance}",
            stream_name(e.account)
        ));
    }
    Ok(())
}

fn per_stream_order(sim: &Sim<CqrsNode>) -> Result<(), String> {
    if let Some(store) = sim.node(STORE).and_then(CqrsNode::store) {
        if let Some((e, _)) = &store.last_appended {
            let len = store.version(e.account);
            if store.streams[&e.account].last().map(|l| l.version) != Some(len) {
                return Err(format!(
                    "{} has a gap or duplicate before v{len}",
                    stream_name(e.account)
                ));
            }
        }
    }
    if let Some(why) = sim
        .node(BROKER)
        .and_then(CqrsNode::broker)
        .and_then(|b| b.out_of_order.clone())
    {
        return Err(why);
    }
    Ok(())
}

fn no_double_apply(sim: &Sim<CqrsNode>) -> Result<(), String> {
    for (id, node) in sim.live_nodes() {
        let Some(applied) = node.projection().and_then(|p| p.last_applied.as_ref()) else {
            continue;
        };
        if applied.event.version <= applied.previous {
            return Err(format!(
                "projection {id} applied {} (position {}) again: {} was already at v{}, \
                 so the event is counted twice",
                applied.event,
                applied.event.position,
                stream_name(applied.event.account),
                applied.previous
            ));
        }
    }
    Ok(())
}

fn every_event_published(sim: &Sim<CqrsNode>, params: &Params) -> Result<(), String> {
    let logs = broker_logs(sim, params);
    let in_log: BTreeSet<(Account, u64)> = logs
        .iter()
        .flatten()
        .map(|e| (e.account, e.version))
        .collect();
    let missing: Vec<StoredEvent> = store_events(sim)
        .into_iter()
        .filter(|e| !in_log.contains(&(e.account, e.version)))
        .collect();
    let Some(first) = missing.first() else {
        return Ok(());
    };
    let outbox = match sim.node(STORE).and_then(CqrsNode::store) {
        Some(s) => s.outbox.len(),
        None => 0,
    };
    Err(format!(
        "{} event(s) in the store never reached the broker; first: {first} (position {}, \
         appended at {}); {outbox} left in the outbox to publish them",
        missing.len(),
        first.position,
        first.appended_at
    ))
}

/// The difference between a projection's read model and the store's fold.
fn explain(
    id: NodeId,
    state: &ProjectionState,
    want: &ReadModel,
    events: &[StoredEvent],
) -> Option<String> {
    if state.model == *want {
        return None;
    }
    let find = |a: Account, v: u64| {
        events
            .iter()
            .find(|e| e.account == a && e.version == v)
            .map_or(format!("{} v{v}", stream_name(a)), StoredEvent::to_string)
    };
    let accounts: BTreeSet<Account> = want
        .accounts
        .keys()
        .chain(state.model.accounts.keys())
        .copied()
        .collect();
    for a in accounts {
        let got = state.model.accounts.get(&a).cloned().unwrap_or_default();
        let expect = want.accounts.get(&a).cloned().unwrap_or_default();
        if got == expect {
            continue;
        }
        let mut why = format!(
            "projection {id}: {} = {} at v{} (events applied: {}), the store's fold gives {} at v{} (events: {})",
            stream_name(a),
            got.balance,
            got.version,
            got.deposits + got.withdrawals,
            expect.balance,
            expect.version,
            expect.deposits + expect.withdrawals
        );
        if let Some(&(_, v)) = state.gaps.iter().find(|(ga, _)| *ga == a) {
            why.push_str(&format!("; lost: {} never applied", find(a, v)));
        }
        if let Some(&(_, v)) = state.doubled.iter().find(|(da, _)| *da == a) {
            why.push_str(&format!("; applied twice: {}", find(a, v)));
        }
        return Some(why);
    }
    Some(format!("projection {id} differs from the store's fold"))
}

fn projection_matches_store(sim: &Sim<CqrsNode>, params: &Params) -> Result<(), String> {
    let events = store_events(sim);
    let head = events.last().map_or(0, |e| e.position);
    let want = read_model_at(&events, head);
    for (id, state) in projections(sim, params) {
        if let Some(why) = explain(id, &state, &want, &events) {
            return Err(why);
        }
    }
    Ok(())
}

fn snapshot_replay(sim: &Sim<CqrsNode>) -> Result<(), String> {
    let Some(store) = sim.node(STORE).and_then(CqrsNode::store) else {
        return Ok(());
    };
    for (account, snapshot) in &store.snapshots {
        let events = store.streams.get(account).cloned().unwrap_or_default();
        let before: Vec<StoredEvent> = events
            .iter()
            .filter(|e| e.version <= snapshot.version)
            .cloned()
            .collect();
        let replayed = AccountState::rebuild(*account, None, &before);
        if replayed != *snapshot {
            return Err(format!(
                "snapshot of {} at v{} holds balance {}, replaying its events gives {}",
                stream_name(*account),
                snapshot.version,
                snapshot.balance,
                replayed.balance
            ));
        }
        let full = AccountState::rebuild(*account, None, &events);
        let fast = AccountState::rebuild(*account, Some(snapshot), &events);
        if full != fast {
            return Err(format!(
                "{}: snapshot + later events give {:?}, full replay gives {:?}",
                stream_name(*account),
                fast,
                full
            ));
        }
    }
    Ok(())
}

/// For each read: its key, function, invoke time, returned version, and the
/// highest version acknowledged to any client for that key before it was
/// invoked.
pub(crate) fn reads(history: &History) -> Vec<(String, String, u64, u64, u64)> {
    let mut acked: BTreeMap<String, Vec<(u64, u64)>> = BTreeMap::new();
    let mut invoked: BTreeMap<u64, u64> = BTreeMap::new();
    let mut out = Vec::new();
    for ev in &history.events {
        match ev.kind {
            EventType::Invoke => {
                invoked.insert(ev.process, ev.time);
            }
            EventType::Ok => {
                let key = ev.key.clone().unwrap_or_default();
                let Some(list) = ev.value.as_list() else {
                    continue;
                };
                let version = list.first().and_then(Value::as_int).unwrap_or(0) as u64;
                let read_version = list.get(1).and_then(Value::as_int).unwrap_or(0) as u64;
                if ev.f.starts_with("read") {
                    let start = invoked.get(&ev.process).copied().unwrap_or(0);
                    let before = acked.get(&key).map_or(0, |v| {
                        v.iter()
                            .filter(|(t, _)| *t < start)
                            .map(|(_, v)| *v)
                            .max()
                            .unwrap_or(0)
                    });
                    out.push((key, ev.f.clone(), start, read_version, before));
                } else {
                    acked.entry(key).or_default().push((ev.time, version));
                }
            }
            _ => {}
        }
    }
    out
}

fn read_your_writes(sim: &Sim<CqrsNode>) -> Result<(), String> {
    for (key, f, start, got, before) in reads(sim.history()) {
        if f == "read-latest" && got < before {
            return Err(format!(
                "read-latest {key} invoked at {} returned v{got}, but v{before} was acknowledged before it",
                SimTime(start)
            ));
        }
    }
    Ok(())
}

/// Every command acknowledged `ok [version position]` is in the store as that
/// event, with the amount the client asked for; no command is in the store
/// twice. With the store's fold this makes the final state the fold of the
/// accepted commands: no acknowledged command lost, none applied twice.
pub(crate) fn accepted_commands_stored(
    history: &History,
    events: &[StoredEvent],
) -> Result<(), String> {
    let mut seen: BTreeMap<super::CommandId, &StoredEvent> = BTreeMap::new();
    for e in events {
        if let Some(first) = seen.insert(e.command, e) {
            return Err(format!(
                "command {} is in the store twice: {first} and {e}",
                e.command
            ));
        }
    }
    let by_version: BTreeMap<(String, u64), &StoredEvent> = events
        .iter()
        .map(|e| ((stream_name(e.account), e.version), e))
        .collect();
    let mut asked: BTreeMap<u64, &Value> = BTreeMap::new();
    for ev in &history.events {
        if ev.f.starts_with("read") {
            continue;
        }
        if ev.kind == EventType::Invoke {
            asked.insert(ev.process, &ev.value);
            continue;
        }
        let Some(list) = ev.value.as_list().filter(|_| ev.kind == EventType::Ok) else {
            continue;
        };
        let key = ev.key.clone().unwrap_or_default();
        let version = list.first().and_then(Value::as_int).unwrap_or(0) as u64;
        let position = list.get(1).and_then(Value::as_int).unwrap_or(0) as u64;
        let amount = asked.get(&ev.process).and_then(|v| v.as_int()).unwrap_or(0);
        let delta = if ev.f == "withdraw" { -amount } else { amount };
        match by_version.get(&(key.clone(), version)) {
            Some(e) if e.position == position && e.event().delta() == delta => {}
            Some(e) => {
                return Err(format!(
                    "{} {key} {amount} was acknowledged as v{version} at position {position}, \
                     but the store holds {e} at position {} there",
                    ev.f, e.position
                ))
            }
            None => {
                return Err(format!(
                    "{} {key} {amount} was acknowledged as v{version}, but the store has no {key} v{version}",
                    ev.f
                ))
            }
        }
    }
    Ok(())
}

fn lags(sim: &Sim<CqrsNode>, params: &Params) -> Vec<u64> {
    let mut out = Vec::new();
    for id in params.first_projection().0..sim.node_count() {
        let storage = &sim.slots()[id as usize].storage;
        for key in storage.keys().iter().filter(|k| k.starts_with("lag/")) {
            out.extend(storage.get::<Vec<u64>>(key).unwrap_or_default());
        }
    }
    out.sort_unstable();
    out
}

fn percentile(sorted: &[u64], q: usize) -> String {
    crate::sim::report::percentile(sorted, q).map_or("-".into(), |p| SimTime(p).to_string())
}

fn metrics(sim: &Sim<CqrsNode>, params: &Params) -> Vec<(String, String)> {
    let events = store_events(sim);
    let head = events.last().map_or(0, |e| e.position);
    let deposits = |schema: u8| {
        events
            .iter()
            .filter(|e| matches!(e.event(), super::Event::Deposited { .. }))
            .filter(|e| e.payload.schema() == schema)
            .count()
            .to_string()
    };
    let store = sim.node(STORE).and_then(CqrsNode::store);
    let storage = &sim.slots()[STORE.index()].storage;
    let conflicts: u64 = store.map_or_else(|| storage.get("stats").unwrap_or(0), |s| s.conflicts);
    let retries: u64 = params
        .handlers()
        .map(|h| match sim.node(h).and_then(CqrsNode::handler) {
            Some(c) => c.retries,
            None => sim.slots()[h.index()].storage.get("retries").unwrap_or(0),
        })
        .sum();
    let logs = broker_logs(sim, params);
    let records: usize = logs.iter().map(Vec::len).sum();
    let distinct: BTreeSet<(Account, u64)> = logs
        .iter()
        .flatten()
        .map(|e| (e.account, e.version))
        .collect();
    let states = projections(sim, params);
    let sum = |f: fn(&ProjectionState) -> u64| -> u64 { states.iter().map(|(_, s)| f(s)).sum() };
    let mut out = vec![
        ("events-appended".to_string(), head.to_string()),
        ("deposits-v1-upcast".to_string(), deposits(1)),
        ("deposits-v2".to_string(), deposits(2)),
        ("command-conflicts".to_string(), conflicts.to_string()),
        ("command-retries".to_string(), retries.to_string()),
        ("broker-records".to_string(), records.to_string()),
        (
            "broker-duplicate-records".to_string(),
            (records - distinct.len()).to_string(),
        ),
        (
            "redeliveries".to_string(),
            sum(|s| s.redeliveries).to_string(),
        ),
        (
            "duplicates-suppressed".to_string(),
            sum(|s| s.duplicates).to_string(),
        ),
        (
            "projection-gaps".to_string(),
            sum(|s| s.gaps.len() as u64).to_string(),
        ),
    ];
    let lag = lags(sim, params);
    if !lag.is_empty() {
        out.push(("read-model-lag-p50".into(), percentile(&lag, 50)));
        out.push(("read-model-lag-p99".into(), percentile(&lag, 99)));
    }
    let reads = reads(sim.history());
    let plain: Vec<_> = reads.iter().filter(|r| r.1 == "read").collect();
    let stale = plain.iter().filter(|r| r.3 < r.4).count();
    out.push(("reads".into(), plain.len().to_string()));
    out.push(("stale-reads".into(), stale.to_string()));
    let behind = plain
        .iter()
        .map(|r| r.4.saturating_sub(r.3))
        .max()
        .unwrap_or(0);
    out.push(("stale-read-max-versions-behind".into(), behind.to_string()));
    out.push((
        "read-latest-reads".into(),
        reads
            .iter()
            .filter(|r| r.1 == "read-latest")
            .count()
            .to_string(),
    ));
    if head > 1 {
        let half = head / 2;
        let past = read_model_at(&events, half);
        out.push((
            "read-model-at-half".into(),
            format!("position {half}: {}", past.describe()),
        ));
    }
    out
}

/// A simulation builder with the event-driven services, checks and metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<CqrsNode> {
    let params = Arc::new(params);
    let factory = Arc::clone(&params);
    let (p1, p2, p3) = (
        Arc::clone(&params),
        Arc::clone(&params),
        Arc::clone(&params),
    );
    SimBuilder::new(nodes, seed, move |id, _| {
        CqrsNode::new(Arc::clone(&factory), id)
    })
    .invariant(Invariant::always(
        "optimistic-concurrency",
        optimistic_concurrency,
    ))
    .invariant(Invariant::always("no-double-apply", no_double_apply))
    .invariant(Invariant::always("per-stream-order", per_stream_order))
    .invariant(Invariant::eventually("every-event-published", move |sim| {
        every_event_published(sim, &p1)
    }))
    .invariant(Invariant::eventually(
        "projection-matches-store",
        move |sim| projection_matches_store(sim, &p2),
    ))
    .invariant(Invariant::new(
        "snapshot-replay-equivalence",
        CheckKind::AtEnd,
        |sim| Outcome::from(snapshot_replay(sim)),
    ))
    .invariant(Invariant::new(
        "accepted-commands-stored",
        CheckKind::AtEnd,
        |sim: &Sim<CqrsNode>| {
            Outcome::from(accepted_commands_stored(sim.history(), &store_events(sim)))
        },
    ))
    .invariant(Invariant::new(
        "read-your-writes",
        CheckKind::AtEnd,
        |sim| Outcome::from(read_your_writes(sim)),
    ))
    .invariant(Invariant::sometimes(
        "an-event-reaches-a-projection",
        |sim: &Sim<CqrsNode>| {
            sim.live_nodes()
                .any(|(_, n)| n.projection().is_some_and(|p| p.last_applied.is_some()))
        },
    ))
    .metrics(move |sim| metrics(sim, &p3))
}
