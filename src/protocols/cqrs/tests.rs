//! Unit tests: the store's expected-version rule, snapshot + replay
//! equivalence, the upcaster, the read-model fold, and the checks on
//! hand-made broken states.

use super::events::DEFAULT_CURRENCY;
use super::*;
use crate::sim::{Effect, Prng, Stream};
use crate::storage::Storage;

/// Run `f` against a hand-built context for node `id`; returns the effects.
fn with_ctx(
    id: NodeId,
    storage: &mut Storage,
    now: SimTime,
    f: impl FnOnce(&mut Ctx<CqrsNode>),
) -> Vec<Effect<CqrsNode>> {
    let mut rng = Prng::new(1, Stream::Node(id.0));
    let mut effects = Vec::new();
    let mut next_timer = 0;
    let mut ctx = Ctx {
        id,
        nodes: 5,
        local_now: now,
        rng: &mut rng,
        storage,
        effects: &mut effects,
        next_timer: &mut next_timer,
        clock_read: Default::default(),
    };
    f(&mut ctx);
    effects
}

fn sent(effects: &[Effect<CqrsNode>]) -> Vec<Msg> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Send(_, m) => Some(m.clone()),
            _ => None,
        })
        .collect()
}

fn append(command: u64, account: Account, expected: u64, payload: Payload) -> Msg {
    Msg::Append {
        command: CommandId {
            client: 0,
            request: command,
        },
        account,
        expected,
        payload,
    }
}

fn deposit(amount: i64) -> Payload {
    Payload::DepositedV1 { amount }
}

fn store_with(params: &Params, storage: &mut Storage, msgs: Vec<Msg>) -> (EventStore, Vec<Msg>) {
    let mut store = EventStore::default();
    let mut out = Vec::new();
    with_ctx(STORE, storage, SimTime::ZERO, |ctx| {
        store.start(params, ctx)
    });
    for msg in msgs {
        let effects = with_ctx(STORE, storage, SimTime::from_millis(1), |ctx| {
            store.on_message(params, ctx, NodeId(2), msg)
        });
        let replies = sent(&effects).into_iter();
        out.extend(replies.filter(|m| !matches!(m, Msg::Publish { .. })));
    }
    (store, out)
}

#[test]
fn an_append_with_a_stale_expected_version_is_rejected() {
    let params = Params::default();
    let mut storage = Storage::new();
    let (store, replies) = store_with(
        &params,
        &mut storage,
        vec![
            append(1, 0, 0, deposit(10)),
            append(2, 0, 1, deposit(5)),
            append(3, 0, 1, Payload::WithdrawnV1 { amount: 15 }),
        ],
    );
    assert_eq!(store.version(0), 2);
    assert!(matches!(replies[0], Msg::Appended { ref event, .. } if event.version == 1));
    assert!(matches!(replies[1], Msg::Appended { ref event, .. } if event.version == 2));
    assert!(
        matches!(replies[2], Msg::Conflict { current: 2, .. }),
        "{:?}",
        replies[2]
    );
    assert_eq!(store.conflicts, 1);
    assert_eq!(store.states[&0].balance, 15);
}

#[test]
fn without_the_rule_a_stale_append_goes_through_and_the_check_sees_it() {
    let params = Params {
        bugs: vec![Bug::NoExpectedVersion],
        ..Params::default()
    };
    let mut storage = Storage::new();
    let (store, replies) = store_with(
        &params,
        &mut storage,
        vec![
            append(1, 0, 0, deposit(10)),
            append(2, 0, 0, Payload::WithdrawnV1 { amount: 10 }),
            append(3, 0, 0, Payload::WithdrawnV1 { amount: 10 }),
        ],
    );
    assert!(replies.iter().all(|m| matches!(m, Msg::Appended { .. })));
    let (last, balance) = store.last_appended.clone().unwrap();
    assert_eq!((last.version, last.expected, balance), (3, 0, -10));
}

#[test]
fn a_resent_append_is_answered_with_the_original_event() {
    let params = Params::default();
    let mut storage = Storage::new();
    let (store, replies) = store_with(
        &params,
        &mut storage,
        vec![append(1, 0, 0, deposit(10)), append(1, 0, 0, deposit(10))],
    );
    assert_eq!(store.version(0), 1);
    assert_eq!(replies.len(), 2);
    assert!(replies
        .iter()
        .all(|m| matches!(m, Msg::Appended { event, .. } if event.version == 1)));
}

#[test]
fn the_event_and_its_outbox_entry_are_durable_together() {
    let params = Params::default();
    let mut storage = Storage::new();
    store_with(&params, &mut storage, vec![append(1, 0, 0, deposit(10))]);
    storage.crash(true);
    let keys = storage.keys();
    assert!(keys.contains(&"ev/0000/00000001".to_string()), "{keys:?}");
    assert!(keys.contains(&"out/0000000001".to_string()), "{keys:?}");
    let (store, _) = store_with(&params, &mut storage, vec![]);
    assert_eq!(
        store.outbox.len(),
        1,
        "the relay will publish it after a restart"
    );
}

#[test]
fn dual_write_keeps_no_outbox_so_a_crash_forgets_the_publish() {
    let params = Params {
        bugs: vec![Bug::DualWrite],
        ..Params::default()
    };
    let mut storage = Storage::new();
    store_with(&params, &mut storage, vec![append(1, 0, 0, deposit(10))]);
    storage.crash(true);
    let (store, _) = store_with(&params, &mut storage, vec![]);
    assert_eq!(store.version(0), 1);
    assert!(store.outbox.is_empty());
}

fn stored(account: Account, version: u64, payload: Payload) -> StoredEvent {
    StoredEvent {
        account,
        version,
        expected: version - 1,
        position: version,
        payload,
        command: CommandId::default(),
        appended_at: SimTime::ZERO,
    }
}

fn history(n: u64) -> Vec<StoredEvent> {
    (1..=n)
        .map(|v| {
            let payload = match v % 3 {
                0 => Payload::WithdrawnV1 { amount: 3 },
                1 => deposit(10),
                _ => Payload::DepositedV2 {
                    amount: 7,
                    currency: "USD".into(),
                },
            };
            stored(0, v, payload)
        })
        .collect()
}

#[test]
fn snapshot_plus_later_events_equals_a_full_replay() {
    let events = history(20);
    let full = AccountState::rebuild(0, None, &events);
    for at in 0..=20 {
        let snapshot = AccountState::rebuild(0, None, &events[..at]);
        let fast = AccountState::rebuild(0, Some(&snapshot), &events);
        assert_eq!(fast, full, "snapshot at v{at}");
    }
    assert_eq!(full.version, 20);
}

#[test]
fn the_upcaster_turns_v1_deposits_into_v2_in_the_default_currency() {
    assert_eq!(
        upcast(&deposit(12)),
        Event::Deposited {
            amount: 12,
            currency: DEFAULT_CURRENCY.into()
        }
    );
    let v2 = Payload::DepositedV2 {
        amount: 3,
        currency: "USD".into(),
    };
    assert_eq!(
        upcast(&v2),
        Event::Deposited {
            amount: 3,
            currency: "USD".into()
        }
    );
    assert_eq!((deposit(1).schema(), v2.schema()), (1, 2));
    let out = Payload::WithdrawnV1 { amount: 5 };
    for p in [deposit(12), v2.clone(), out] {
        assert_eq!(p.delta(), upcast(&p).delta(), "{p}");
    }
    let model = read_model_at(&history(6), 6);
    let view = &model.accounts[&0];
    assert_eq!(view.deposited[DEFAULT_CURRENCY], 20);
    assert_eq!(view.deposited["USD"], 14);
    assert_eq!(view.balance, 20 + 14 - 6);
}

#[test]
fn read_model_at_is_the_past() {
    let mut events = history(9);
    events.extend((1..=3).map(|v| StoredEvent {
        position: 9 + v,
        ..stored(1, v, deposit(100))
    }));
    let now = read_model_at(&events, 12);
    let past = read_model_at(&events, 4);
    assert_eq!(now.accounts[&1].balance, 300);
    assert!(!past.accounts.contains_key(&1));
    assert_eq!(past.accounts[&0].version, 4);
    assert_eq!(past, read_model_at(&events[..4], 100));
}

#[test]
fn a_stale_snapshot_or_expected_version_is_caught_by_the_checks() {
    use crate::check::Outcome;
    let params = Params::default();
    let mut sim = builder(params.clone(), 5, 1).build();
    let slot = &mut sim.nodes[0];
    if let Some(node) = slot.state.as_mut().map(std::sync::Arc::make_mut) {
        if let Part::Store(store) = &mut node.part {
            let events = history(4);
            store.streams.insert(0, events.clone());
            let mut wrong = AccountState::rebuild(0, None, &events[..2]);
            wrong.balance += 1;
            store.snapshots.insert(0, wrong);
            let mut stale = events[3].clone();
            stale.expected = 1;
            store.last_appended = Some((stale, 4));
        }
    }
    let verdict = |name: &str| {
        let inv = sim.invariants().iter().find(|i| i.name == name).unwrap();
        inv.evaluate(&sim)
    };
    assert!(
        matches!(verdict("snapshot-replay-equivalence"), Outcome::Fail(w) if w.contains("snapshot of acct-0 at v2"))
    );
    assert!(
        matches!(verdict("optimistic-concurrency"), Outcome::Fail(w) if w.contains("validated against v1 but appended as v4"))
    );
}

#[test]
fn an_event_entering_the_log_after_a_later_one_breaks_per_stream_order() {
    use crate::check::Outcome;
    let params = Params::default();
    let mut sim = builder(params.clone(), 5, 1).build();
    let mut storage = Storage::new();
    let mut broker = Broker::default();
    with_ctx(BROKER, &mut storage, SimTime::ZERO, |ctx| {
        broker.start(&params, ctx);
        for v in [1, 3, 2] {
            let records = vec![stored(0, v, deposit(1))];
            let msg = Msg::Publish {
                partition: 0,
                records,
            };
            broker.on_message(&params, ctx, STORE, msg);
        }
    });
    assert!(broker.out_of_order.is_some());
    if let Some(node) = sim.nodes[1].state.as_mut().map(std::sync::Arc::make_mut) {
        node.part = Part::Broker(Box::new(broker));
    }
    let inv = sim
        .invariants()
        .iter()
        .find(|i| i.name == "per-stream-order")
        .unwrap();
    assert!(matches!(inv.evaluate(&sim), Outcome::Fail(w) if w.contains("acct-0 v2")));
}

#[test]
fn a_read_latest_that_misses_an_acknowledged_write_breaks_read_your_writes() {
    use crate::check::history::{EventType, HistoryEvent, Value};
    use crate::check::Outcome;
    let mut sim = builder(Params::default(), 5, 1).build();
    let event = |process, kind, f: &str, value, time| HistoryEvent {
        process,
        kind,
        f: f.into(),
        key: Some("acct-1".into()),
        value,
        time,
        error: None,
    };
    let list = |a, b| Value::List(vec![Value::Int(a), Value::Int(b)]);
    for e in [
        event(0, EventType::Invoke, "deposit", Value::Int(5), 10),
        event(0, EventType::Ok, "deposit", list(3, 9), 20),
        event(1, EventType::Invoke, "read", Value::Nil, 30),
        event(1, EventType::Ok, "read", list(40, 2), 40),
        event(2, EventType::Invoke, "read-latest", Value::Nil, 50),
        event(2, EventType::Ok, "read-latest", list(45, 3), 60),
    ] {
        std::sync::Arc::make_mut(&mut sim.history).push(e);
    }
    let ryw = sim
        .invariants()
        .iter()
        .find(|i| i.name == "read-your-writes")
        .unwrap()
        .clone();
    assert_eq!(ryw.evaluate(&sim), Outcome::Pass);
    let stale = HistoryEvent {
        value: list(40, 2),
        ..sim.history.events[5].clone()
    };
    std::sync::Arc::make_mut(&mut sim.history).events[5] = stale;
    assert!(matches!(
        ryw.evaluate(&sim),
        Outcome::Fail(w) if w.contains("returned v2, but v3 was acknowledged before it")
    ));
    let reads = super::checks::reads(sim.history());
    assert_eq!(
        reads[0],
        ("acct-1".into(), "read".into(), 30, 2, 3),
        "a stale read"
    );
}

#[test]
fn an_acknowledged_command_missing_from_the_store_is_caught() {
    use crate::check::history::{EventType, History, HistoryEvent, Value};
    let event = |process, kind, f: &str, value| HistoryEvent {
        process,
        kind,
        f: f.into(),
        key: Some("acct-0".into()),
        value,
        time: 0,
        error: None,
    };
    let list = |a, b| Value::List(vec![Value::Int(a), Value::Int(b)]);
    let mut history = History::default();
    for e in [
        event(0, EventType::Invoke, "deposit", Value::Int(10)),
        event(0, EventType::Ok, "deposit", list(1, 1)),
        event(1, EventType::Invoke, "deposit", Value::Int(7)),
        event(1, EventType::Ok, "deposit", list(2, 2)),
    ] {
        history.push(e);
    }
    let mut events = vec![stored(0, 1, deposit(10)), stored(0, 2, deposit(7))];
    events[1].command.request = 1;
    assert_eq!(checks::accepted_commands_stored(&history, &events), Ok(()));
    let lost = &events[..1];
    let why = checks::accepted_commands_stored(&history, lost).unwrap_err();
    assert!(why.contains("the store has no acct-0 v2"), "{why}");
    let mut twice = events.clone();
    twice[1].command.request = 0;
    let why = checks::accepted_commands_stored(&history, &twice).unwrap_err();
    assert!(why.contains("is in the store twice"), "{why}");
    let mut changed = events.clone();
    changed[1].payload = deposit(70);
    let why = checks::accepted_commands_stored(&history, &changed).unwrap_err();
    assert!(
        why.contains("but the store holds acct-0 v2 Deposited(70)"),
        "{why}"
    );
}
