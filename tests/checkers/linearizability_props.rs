//! Properties: a history produced by a sequential register with random
//! real-time windows is linearizable; an impossible read or CAS is not.

use distlab::check::history::{EventType, History, HistoryEvent, Value};
use distlab::check::linearizability::{check, Budget, Model};
use distlab::check::verdict::Status;
use proptest::prelude::*;

#[derive(Clone, Debug)]
enum Op {
    Read,
    Write(i64),
    Cas(i64, i64),
}

/// One generated operation: what it does, its window around its
/// linearization point, and whether its completion is lost (`info`).
#[derive(Clone, Debug)]
struct Planned {
    op: Op,
    before: u64,
    after: u64,
    info: bool,
}

fn planned() -> impl Strategy<Value = Planned> {
    let op = prop_oneof![
        Just(Op::Read),
        (0..4i64).prop_map(Op::Write),
        (0..4i64, 0..4i64).prop_map(|(a, b)| Op::Cas(a, b)),
    ];
    (op, 0..3000u64, 0..3000u64, prop::bool::weighted(0.1)).prop_map(|(op, before, after, info)| {
        Planned {
            op,
            before,
            after,
            info,
        }
    })
}

/// Run the ops sequentially against a CAS register (op i takes effect at
/// time 1000·(i+1)) and record each with its window; op i runs on process i.
fn record(plan: &[Planned]) -> Vec<(u64, HistoryEvent)> {
    let mut state = Value::Nil;
    let mut events = Vec::new();
    for (i, p) in plan.iter().enumerate() {
        let point = 1000 * (i as u64 + 1) + 3000;
        let (f, input, output) = match p.op {
            Op::Read => ("read", Value::Nil, state.clone()),
            Op::Write(v) => {
                state = Value::Int(v);
                ("write", Value::Int(v), Value::Int(v))
            }
            Op::Cas(from, to) => {
                let cas = Value::List(vec![Value::Int(from), Value::Int(to)]);
                if state == Value::Int(from) {
                    state = Value::Int(to);
                    ("cas", cas.clone(), cas)
                } else {
                    ("cas", cas, Value::Bool(false))
                }
            }
        };
        let event = |kind, value| HistoryEvent {
            process: i as u64,
            kind,
            f: f.into(),
            key: None,
            value,
            time: 0,
            error: None,
        };
        events.push((point - p.before, event(EventType::Invoke, input)));
        if p.info {
            events.push((u64::MAX, event(EventType::Info, Value::Nil)));
        } else {
            events.push((point + p.after, event(EventType::Ok, output)));
        }
    }
    events
}

fn history(mut events: Vec<(u64, HistoryEvent)>) -> History {
    // Invocations first at equal times: that only adds concurrency.
    events.sort_by_key(|(t, e)| (*t, e.kind != EventType::Invoke, e.process));
    let mut h = History::new();
    for (t, mut e) in events {
        e.time = t.min(1 << 40);
        h.push(e);
    }
    h
}

fn verdict(h: &History) -> Status {
    check(h, Model::CasRegister, &Budget::steps(50_000_000))
        .unwrap()
        .status
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn sequential_register_histories_are_linearizable(plan in prop::collection::vec(planned(), 1..40)) {
        prop_assert_eq!(verdict(&history(record(&plan))), Status::Valid);
    }

    #[test]
    fn a_read_of_a_value_never_written_is_not_linearizable(plan in prop::collection::vec(planned(), 1..40), pick in any::<prop::sample::Index>()) {
        let mut events = record(&plan);
        let reads: Vec<usize> = (0..events.len())
            .filter(|&i| events[i].1.f == "read" && events[i].1.kind == EventType::Ok)
            .collect();
        prop_assume!(!reads.is_empty());
        let i = reads[pick.index(reads.len())];
        events[i].1.value = Value::Int(99);
        prop_assert_eq!(verdict(&history(events)), Status::Invalid);
    }

    #[test]
    fn a_cas_that_succeeds_from_a_value_never_written_is_not_linearizable(plan in prop::collection::vec(planned(), 1..40), pick in any::<prop::sample::Index>()) {
        let mut events = record(&plan);
        let cas: Vec<usize> = (0..events.len())
            .filter(|&i| events[i].1.f == "cas" && events[i].1.kind == EventType::Ok)
            .collect();
        prop_assume!(!cas.is_empty());
        let i = cas[pick.index(cas.len())];
        let to = Value::Int(7);
        let process = events[i].1.process;
        let invoke = events.iter().position(|(_, e)| e.process == process && e.kind == EventType::Invoke).unwrap();
        events[invoke].1.value = Value::List(vec![Value::Int(99), to.clone()]);
        events[i].1.value = Value::List(vec![Value::Int(99), to]);
        prop_assert_eq!(verdict(&history(events)), Status::Invalid);
    }
}
