//! Every checker on tiny hand-written histories: each catches a real bug,
//! and its explanation text is pinned with insta.

use distlab::check::causal::{check_causal_delivery, VectorClock};
use distlab::check::convergence::{check_convergence, ReplicaState};
use distlab::check::counter::check_counter;
use distlab::check::history::{EventType, History, HistoryEvent, Value};
use distlab::check::history_io::{self, Format};
use distlab::check::linearizability::{self, check_operations, Budget, Model, Options};
use distlab::check::ops::{pair, Operations};
use distlab::check::serializability::{self, Consistency};
use distlab::check::set_full::check_set_full;
use distlab::check::verdict::Status;
use std::collections::BTreeMap;

fn fixture(name: &str) -> Operations {
    let path = format!(
        "{}/tests/fixtures/histories/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap();
    let parsed = history_io::parse(&text, Format::detect(&path, &text)).unwrap();
    pair(&parsed.history, Some(&parsed.lines)).unwrap()
}

fn linear(name: &str, model: Model) -> linearizability::Verdict {
    check_operations(&fixture(name), model, &Options::default()).unwrap()
}

#[test]
fn register_stale_read() {
    let v = linear("register-stale-read.jsonl", Model::Register);
    assert_eq!(v.status, Status::Invalid);
    assert_eq!(v.failing_ops, vec![1]);
    insta::assert_snapshot!(v.explanation);
}

#[test]
fn cas_register_impossible_cas() {
    let v = linear("cas-register-bad-cas.jsonl", Model::CasRegister);
    assert_eq!(v.status, Status::Invalid);
    insta::assert_snapshot!(v.explanation);
}

#[test]
fn kv_get_sees_appends_in_the_wrong_order() {
    let v = linear("kv-bad-get.jsonl", Model::Kv);
    assert_eq!(
        (v.status, v.failing_key.as_deref()),
        (Status::Invalid, Some("x"))
    );
    insta::assert_snapshot!(v.explanation);
}

#[test]
fn counter_reads_more_than_was_added() {
    let v = linear("counter-bad-read.jsonl", Model::Counter);
    assert_eq!(v.status, Status::Invalid);
    insta::assert_snapshot!(v.explanation);
}

#[test]
fn set_loses_an_element() {
    let v = linear("set-lost-element.jsonl", Model::Set);
    assert_eq!(v.status, Status::Invalid);
    insta::assert_snapshot!(v.explanation);
}

#[test]
fn queue_dequeues_out_of_order() {
    let v = linear("queue-out-of-order.jsonl", Model::Queue);
    assert_eq!(v.status, Status::Invalid);
    insta::assert_snapshot!(v.explanation);
}

#[test]
fn valid_histories_pass() {
    assert_eq!(
        linear("register-ok.jsonl", Model::Register).status,
        Status::Valid
    );
    assert_eq!(
        linear("register-concurrent-ok.jsonl", Model::Register).status,
        Status::Valid
    );
    assert_eq!(
        linear("cas-ok.log", Model::CasRegister).status,
        Status::Valid
    );
    assert_eq!(linear("kv-ok.edn", Model::Kv).status, Status::Valid);
}

#[test]
fn a_step_budget_gives_unknown_deterministically() {
    let v = check_operations(
        &fixture("register-concurrent-ok.jsonl"),
        Model::Register,
        &Options {
            budget: Budget::steps(0),
            partition: true,
        },
    )
    .unwrap();
    assert_eq!(v.status, Status::Unknown);
}

fn anomaly(name: &str, consistency: Consistency) -> serializability::Report {
    serializability::check_operations(&fixture(name), consistency).unwrap()
}

#[test]
fn list_append_anomalies_are_named_with_their_smallest_cycle() {
    let ok = anomaly("la-ok.jsonl", Consistency::StrictSerializable);
    assert_eq!(ok.status, Status::Valid, "{}", ok.explanation);
    for (file, name) in [
        ("la-g0.jsonl", "G0"),
        ("la-g1a.jsonl", "G1a"),
        ("la-g1b.jsonl", "G1b"),
        ("la-g1c.jsonl", "G1c"),
        ("la-g-single.jsonl", "G-single"),
        ("la-g2.jsonl", "G2"),
    ] {
        let r = anomaly(file, Consistency::Serializable);
        assert_eq!(r.status, Status::Invalid, "{file}");
        assert_eq!(r.anomalies, vec![name.to_string()], "{file}");
        insta::assert_snapshot!(format!("anomaly_{name}"), r.explanation);
    }
}

#[test]
fn consistency_models_forbid_different_anomalies() {
    assert_eq!(
        anomaly("la-g2.jsonl", Consistency::SnapshotIsolation).status,
        Status::Valid
    );
    assert_eq!(
        anomaly("la-g-single.jsonl", Consistency::SnapshotIsolation).status,
        Status::Invalid
    );
    assert_eq!(
        anomaly("la-g-single.jsonl", Consistency::ReadCommitted).status,
        Status::Valid
    );
    assert_eq!(
        anomaly("la-g1c.jsonl", Consistency::ReadCommitted).status,
        Status::Invalid
    );
    assert_eq!(
        anomaly("la-realtime.jsonl", Consistency::Serializable).status,
        Status::Valid
    );
    let strict = anomaly("la-realtime.jsonl", Consistency::StrictSerializable);
    assert_eq!(strict.anomalies, vec!["G-single-realtime".to_string()]);
    insta::assert_snapshot!(strict.explanation);
}

#[test]
fn incompatible_read_orders_are_reported() {
    let h = "{\"process\":0,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"append\",\"x\",1],[\"append\",\"x\",2]]}\n\
             {\"process\":0,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"append\",\"x\",1],[\"append\",\"x\",2]]}\n\
             {\"process\":1,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",null]]}\n\
             {\"process\":1,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",[2,1]]]}\n\
             {\"process\":2,\"type\":\"invoke\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",null]]}\n\
             {\"process\":2,\"type\":\"ok\",\"f\":\"txn\",\"value\":[[\"r\",\"x\",[1]]]}\n";
    let parsed = history_io::parse(h, Format::Jsonl).unwrap();
    let r = serializability::check(&parsed.history, Consistency::Serializable).unwrap();
    assert!(
        r.anomalies.contains(&"incompatible-order".to_string()),
        "{:?}",
        r.anomalies
    );
}

#[test]
fn convergence_reports_the_replica_that_differs() {
    let list =
        |xs: &[i64]| ReplicaState::Value(Value::List(xs.iter().map(|&x| Value::Int(x)).collect()));
    let agree = check_convergence(&[("n1".into(), list(&[1, 2])), ("n2".into(), list(&[1, 2]))]);
    assert_eq!(agree.status, Status::Valid);
    let r = check_convergence(&[
        ("n1".into(), list(&[1, 2, 3])),
        ("n2".into(), list(&[1, 2, 3])),
        ("n3".into(), list(&[1, 4])),
        ("n4".into(), "leader=n1".into()),
    ]);
    assert_eq!(r.status, Status::Invalid);
    assert_eq!(r.differing, vec!["n3".to_string(), "n4".to_string()]);
    insta::assert_snapshot!(r.explanation);
}

fn event(process: u64, kind: EventType, f: &str, value: Value) -> HistoryEvent {
    HistoryEvent {
        process,
        kind,
        f: f.into(),
        key: None,
        value,
        time: 0,
        error: None,
    }
}

fn ops_of(events: Vec<HistoryEvent>) -> Operations {
    pair(&History { events }, None).unwrap()
}

fn ints(xs: &[i64]) -> Value {
    Value::List(xs.iter().map(|&x| Value::Int(x)).collect())
}

#[test]
fn set_full_finds_lost_and_stale_elements() {
    use EventType::*;
    let ops = ops_of(vec![
        event(0, Invoke, "add", Value::Int(1)),
        event(0, Ok, "add", Value::Int(1)),
        event(1, Invoke, "add", Value::Int(2)),
        event(1, Ok, "add", Value::Int(2)),
        event(2, Invoke, "read", Value::Nil),
        event(2, Ok, "read", ints(&[1])),
        event(2, Invoke, "read", Value::Nil),
        event(2, Ok, "read", ints(&[1, 2])),
        event(3, Invoke, "read", Value::Nil),
        event(3, Ok, "read", ints(&[2])),
    ]);
    let eventual = check_set_full(&ops, false);
    assert_eq!(eventual.status, Status::Invalid);
    assert_eq!(eventual.lost, vec![Value::Int(1)]);
    assert_eq!(eventual.stale, vec![Value::Int(2)]);
    insta::assert_snapshot!(eventual.explanation);
    let fine = ops_of(vec![
        event(0, Invoke, "add", Value::Int(1)),
        event(0, Ok, "add", Value::Int(1)),
        event(2, Invoke, "read", Value::Nil),
        event(2, Ok, "read", ints(&[1])),
    ]);
    assert_eq!(check_set_full(&fine, true).status, Status::Valid);
}

#[test]
fn counter_bounds_catch_a_read_beyond_any_subset_of_adds() {
    use EventType::*;
    let mut events = vec![
        event(0, Invoke, "add", Value::Int(1)),
        event(0, Ok, "add", Value::Int(1)),
        event(1, Invoke, "add", Value::Int(5)),
        event(1, Info, "add", Value::Nil),
        event(2, Invoke, "read", Value::Nil),
        event(2, Ok, "read", Value::Int(6)),
    ];
    assert_eq!(check_counter(&ops_of(events.clone())).status, Status::Valid);
    events.push(event(2, Invoke, "read", Value::Nil));
    events.push(event(2, Ok, "read", Value::Int(7)));
    events.push(event(3, Invoke, "read", Value::Nil));
    events.push(event(3, Ok, "read", Value::Int(0)));
    let r = check_counter(&ops_of(events));
    assert_eq!(r.status, Status::Invalid);
    assert_eq!(r.failing_ops, vec![3, 4]);
    insta::assert_snapshot!(r.explanation);
}

fn clock(entries: &[(&str, u64)]) -> VectorClock {
    entries.iter().map(|(k, v)| (k.to_string(), *v)).collect()
}

#[test]
fn causal_delivery_catches_an_effect_before_its_cause() {
    let timestamps: BTreeMap<String, VectorClock> = [
        ("question".to_string(), clock(&[("a", 1)])),
        ("answer".to_string(), clock(&[("a", 1), ("b", 1)])),
        ("aside".to_string(), clock(&[("c", 1)])),
    ]
    .into();
    let good: BTreeMap<String, Vec<String>> = [
        (
            "a".to_string(),
            vec!["question".into(), "aside".into(), "answer".into()],
        ),
        ("b".to_string(), vec!["question".into(), "answer".into()]),
    ]
    .into();
    assert_eq!(
        check_causal_delivery(&timestamps, &good).status,
        Status::Valid
    );
    let bad: BTreeMap<String, Vec<String>> = [(
        "c".to_string(),
        vec!["aside".into(), "answer".into(), "question".into()],
    )]
    .into();
    let r = check_causal_delivery(&timestamps, &bad);
    assert_eq!(r.status, Status::Invalid);
    assert_eq!(r.violations[0].missing, "question");
    insta::assert_snapshot!(r.explanation);
}

#[test]
fn library_check_pairs_and_checks_an_in_memory_history() {
    use EventType::*;
    let mut h = History::new();
    h.push(event(0, Invoke, "write", Value::Int(1)));
    h.push(event(0, Ok, "write", Value::Int(1)));
    h.push(event(0, Invoke, "write", Value::Int(2)));
    let err = linearizability::check(
        &History {
            events: vec![event(0, Ok, "read", Value::Nil)],
        },
        Model::Register,
        &Budget::unlimited(),
    )
    .unwrap_err();
    assert_eq!(err.line, 1);
    let v = linearizability::check(&h, Model::Register, &Budget::unlimited()).unwrap();
    assert_eq!(v.status, Status::Valid);
}

#[test]
fn jepsen_edn_transactions_map_onto_list_append() {
    let text = "{:process 0, :type :invoke, :f :txn, :value [[:append :x 1] [:r :y nil]]}\n\
                {:process 1, :type :invoke, :f :txn, :value [[:append :y 1] [:r :x nil]]}\n\
                {:process 0, :type :ok, :f :txn, :value [[:append :x 1] [:r :y [1]]]}\n\
                {:process 1, :type :ok, :f :txn, :value [[:append :y 1] [:r :x [1]]]}\n";
    let parsed = history_io::parse(text, Format::Edn).unwrap();
    let r = serializability::check(&parsed.history, Consistency::ReadCommitted).unwrap();
    assert_eq!(r.anomalies, vec!["G1c".to_string()]);
}
