//! Client behaviour under faults: isolation, lossy client traffic,
//! retries with the same id, several operations in flight.

use super::*;
use crate::check::history::{EventType, Value};
use crate::faults::{FaultAction, ScheduledFault, Target};
use crate::net::{ClientTraffic, Latency, LinkConfig, NetConfig};
use crate::workload::{ClientConfig, RetryMode, Workload};
use serde::Serialize;

#[derive(Clone, Debug, Hash, Serialize)]
enum Nothing {}

/// Answers every request at once, `ok`, and counts what reached it.
#[derive(Clone, Debug, Default)]
struct Answer {
    requests: Vec<(ClientId, u64)>,
    silent_for: Vec<NodeId>,
    id: u32,
}

impl Node for Answer {
    type Msg = Nothing;
    type Timer = Nothing;
    fn on_start(&mut self, _ctx: &mut Ctx<Self>) {}
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, _msg: Nothing) {}
    fn on_timer(&mut self, _ctx: &mut Ctx<Self>, _timer: Nothing) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        self.requests.push((request.client, request.id));
        if !self.silent_for.contains(&NodeId(self.id)) {
            ctx.reply(&request, Reply::Ok(Value::Nil));
        }
    }
}

/// Writes its sequence number.
#[derive(Debug)]
struct Writes;

impl Workload for Writes {
    fn next_op(&self, _rng: &mut crate::base::rng::Prng, _client: ClientId, sequence: u64) -> Op {
        Op {
            f: "write".into(),
            key: None,
            value: Value::Int(sequence as i64),
        }
    }
}

fn net(clients: ClientTraffic, duplicate: crate::base::rng::Ratio) -> NetConfig {
    NetConfig {
        default: LinkConfig {
            latency: Latency::Constant {
                value: SimTime::from_millis(5),
            },
            duplicate,
            ..LinkConfig::default()
        },
        clients,
        ..NetConfig::default()
    }
}

fn sim(config: ClientConfig, network: NetConfig, silent: &[u32]) -> SimBuilder<Answer> {
    let silent: Vec<NodeId> = silent.iter().map(|&n| NodeId(n)).collect();
    SimBuilder::new(3, 7, move |id, _| Answer {
        silent_for: silent.clone(),
        id: id.0,
        ..Answer::default()
    })
    .network(network)
    .clients(config, Writes)
    .trace_level(TraceLevel::Full)
}

fn kinds(s: &Sim<Answer>) -> Vec<EventType> {
    s.history().events.iter().map(|e| e.kind).collect()
}

fn at(ms: u64, action: FaultAction) -> ScheduledFault {
    ScheduledFault {
        at: SimTime::from_millis(ms),
        action,
    }
}

#[test]
fn a_timed_out_operation_retried_with_the_same_id_ends_ok_once() {
    // n0 and n1 never answer: the client times out twice, retrying the
    // same request (id 0) on n1, then n2, which answers.
    let config = ClientConfig {
        clients: 1,
        timeout: SimTime::from_secs(1),
        max_ops: Some(1),
        retry: RetryMode::SameId,
        ..ClientConfig::default()
    };
    let mut s = sim(
        config,
        net(ClientTraffic::LossOnly, Default::default()),
        &[0, 1],
    )
    .duration(SimTime::from_secs(5))
    .build();
    s.run();
    let retries: Vec<(String, u64)> = s
        .trace()
        .entries()
        .filter_map(|step| match &step.event {
            TraceEvent::Retry { node, request, .. } => Some((node.to_string(), request.id)),
            _ => None,
        })
        .collect();
    assert_eq!(retries, vec![("n1".into(), 0), ("n2".into(), 0)]);
    // One invoke, one ok (not info plus a second operation), at 2 s + 10 ms.
    assert_eq!(kinds(&s), vec![EventType::Invoke, EventType::Ok]);
    let events = &s.history().events;
    assert_eq!(
        events[1].time - events[0].time,
        SimTime::from_millis(2010).as_nanos()
    );
    assert_eq!(s.counters().ops_info, 0);
}

#[test]
fn new_id_mode_and_a_retry_limit_end_info() {
    let base = ClientConfig {
        clients: 1,
        timeout: SimTime::from_secs(1),
        max_ops: Some(1),
        ..ClientConfig::default()
    };
    let limited = ClientConfig {
        retry: RetryMode::SameId,
        retries: Some(1),
        ..base.clone()
    };
    for (config, gave_up_after) in [(base, 1000), (limited, 2000)] {
        let mut s = sim(
            config,
            net(ClientTraffic::LossOnly, Default::default()),
            &[0, 1],
        )
        .duration(SimTime::from_secs(5))
        .build();
        s.run();
        assert_eq!(kinds(&s), vec![EventType::Invoke, EventType::Info]);
        let events = &s.history().events;
        let waited = events[1].time - events[0].time;
        assert_eq!(waited, SimTime::from_millis(gave_up_after).as_nanos());
    }
}

#[test]
fn lossy_client_traffic_duplicates_requests_and_replies_but_not_operations() {
    let always = crate::base::rng::Ratio {
        numerator: 1,
        denominator: 1,
    };
    let config = ClientConfig {
        clients: 2,
        max_ops: Some(6),
        ..ClientConfig::default()
    };
    let mut s = sim(config.clone(), net(ClientTraffic::Lossy, always), &[])
        .duration(SimTime::from_secs(3))
        .build();
    s.run();
    // Every request reached its node twice, with the same id.
    let mut seen: Vec<(ClientId, u64)> = (0..3)
        .flat_map(|n| {
            s.node(NodeId(n))
                .map(|a| a.requests.clone())
                .unwrap_or_default()
        })
        .collect();
    seen.sort();
    assert_eq!(seen.len(), 12, "{seen:?}");
    assert!(seen.chunks(2).all(|pair| pair[0] == pair[1]), "{seen:?}");
    // Every reply arrived twice; the second copy changed nothing.
    let replies = s
        .trace()
        .entries()
        .filter(|step| matches!(step.event, TraceEvent::Reply { .. }))
        .count();
    assert_eq!(replies, 24);
    let ok = kinds(&s).iter().filter(|k| **k == EventType::Ok).count();
    assert_eq!((s.history().events.len(), ok), (12, 6));
    // The default (loss only) never duplicates client traffic.
    let mut plain = sim(config, net(ClientTraffic::LossOnly, always), &[])
        .duration(SimTime::from_secs(3))
        .build();
    plain.run();
    let requests: usize = (0..3)
        .map(|n| plain.node(NodeId(n)).map_or(0, |a| a.requests.len()))
        .sum();
    assert_eq!(requests, 6);
}

#[test]
fn an_isolated_client_gets_no_answers_until_the_heal() {
    let config = ClientConfig {
        clients: 2,
        interval: SimTime::from_millis(100),
        timeout: SimTime::from_millis(300),
        ..ClientConfig::default()
    };
    let mut s = sim(
        config,
        net(ClientTraffic::LossOnly, Default::default()),
        &[],
    )
    .fault(at(1000, FaultAction::Isolate(Target::Client(ClientId(1)))))
    .fault(at(2000, FaultAction::Heal))
    .duration(SimTime::from_secs(3))
    .build();
    s.run();
    let ok_in = |process: u64, from: u64, to: u64| {
        s.history()
            .events
            .iter()
            .filter(|e| e.kind == EventType::Ok && e.process == process)
            .filter(|e| (from..to).contains(&(e.time / 1_000_000)))
            .count()
    };
    // Client 1 (process 1 until its first timeout renumbers it) is cut
    // off: nothing ok between 1.01 s and 2 s; client 0 carries on.
    let c1_ok_while_cut = s
        .history()
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok && e.process != 0)
        .filter(|e| (1010..2000).contains(&(e.time / 1_000_000)))
        .count();
    assert_eq!(c1_ok_while_cut, 0);
    assert!(ok_in(0, 1010, 2000) > 3);
    let infos = kinds(&s).iter().filter(|k| **k == EventType::Info).count();
    assert!(infos >= 2, "client 1 timed out while cut off");
    let after_heal = s
        .history()
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok && e.process != 0 && e.time > 2_000_000_000)
        .count();
    assert!(after_heal > 0, "healed: client 1 is answered again");
    let text = s
        .fault_log()
        .iter()
        .map(|(_, t)| t.clone())
        .collect::<Vec<_>>();
    assert_eq!(text[0], "isolate c1: healthy; c1 cut from n0 n1 n2");
}

#[test]
fn a_cut_from_a_client_drops_its_requests_one_way() {
    let config = ClientConfig {
        clients: 1,
        max_ops: Some(1),
        timeout: SimTime::from_secs(1),
        ..ClientConfig::default()
    };
    let cut = FaultAction::Cut {
        from: Target::Client(ClientId(0)),
        to: Target::Node(NodeId(0)),
    };
    let mut s = sim(
        config,
        net(ClientTraffic::Reliable, Default::default()),
        &[],
    )
    .fault(at(0, cut))
    .duration(SimTime::from_secs(3))
    .build();
    s.run();
    assert_eq!(kinds(&s), vec![EventType::Invoke, EventType::Info]);
    assert!(s.node(NodeId(0)).is_some_and(|a| a.requests.is_empty()));
}

#[test]
fn in_flight_keeps_that_many_operations_open_per_client() {
    let config = ClientConfig {
        clients: 2,
        max_ops: Some(40),
        in_flight: Some(3),
        ..ClientConfig::default()
    };
    let mut s = sim(
        config,
        net(ClientTraffic::LossOnly, Default::default()),
        &[],
    )
    .duration(SimTime::from_secs(3))
    .build();
    s.run();
    let events = &s.history().events;
    let mut open = 0i64;
    let mut most = 0;
    for e in events {
        open += if e.kind == EventType::Invoke { 1 } else { -1 };
        most = most.max(open);
    }
    assert_eq!(most, 6, "two clients, three each");
    let processes: std::collections::BTreeSet<u64> = events.iter().map(|e| e.process).collect();
    assert_eq!(processes.len(), 6, "one process per lane");
    assert_eq!(s.counters().ops_ok, 40);
    // Closed loop with no think time: 40 operations of 10 ms round trips
    // on 6 lanes end well inside the first second.
    let last = events.last().map_or(0, |e| e.time);
    assert!(last < SimTime::from_millis(500).as_nanos() + events[0].time);
}
