//! The engine hands its client history to the checkers: a replicated register
//! that answers reads from a stale local copy is caught by the at-end
//! linearizability check; the same protocol on one node passes.

use distlab::check::history::Value;
use distlab::check::linearizability::Model;
use distlab::check::Outcome;
use distlab::sim::Invariant;
use distlab::sim::{Ctx, Node, NodeId, Op, Prng, Reply, Request, SimBuilder, SimTime, Verdict};
use distlab::workload::{ClientConfig, Workload};
use serde::Serialize;

/// Writes are applied locally and pushed to peers asynchronously; reads are
/// served from the local copy. Linearizable on one node, not on several.
#[derive(Clone, Debug, Default)]
struct LazyRegister {
    value: Option<i64>,
    version: u64,
}

#[derive(Clone, Debug, Hash, Serialize)]
struct Update {
    value: i64,
    version: u64,
}

impl Node for LazyRegister {
    type Msg = Update;
    type Timer = ();
    fn on_start(&mut self, _ctx: &mut Ctx<Self>) {}
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, msg: Update) {
        if msg.version > self.version {
            self.value = Some(msg.value);
            self.version = msg.version;
        }
    }
    fn on_timer(&mut self, _ctx: &mut Ctx<Self>, _timer: ()) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match (request.op.f.as_str(), &request.op.value) {
            ("write", Value::Int(v)) => {
                self.version = ctx.now().as_nanos() * 8 + u64::from(ctx.id().0);
                self.value = Some(*v);
                ctx.broadcast(Update {
                    value: *v,
                    version: self.version,
                });
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
            ("read", _) => {
                let v = self.value.map_or(Value::Nil, Value::Int);
                ctx.reply(&request, Reply::Ok(v));
            }
            _ => ctx.reply(&request, Reply::Fail("unknown op".into())),
        }
    }
}

#[derive(Debug)]
struct RegisterWorkload;

impl Workload for RegisterWorkload {
    fn next_op(&self, rng: &mut Prng, _client: distlab::sim::ClientId, sequence: u64) -> Op {
        if rng.below(2) == 0 {
            Op {
                f: "read".into(),
                key: None,
                value: Value::Nil,
            }
        } else {
            Op {
                f: "write".into(),
                key: None,
                value: Value::Int(sequence as i64 % 5),
            }
        }
    }
}

fn run(nodes: u32, seed: u64) -> distlab::sim::RunReport {
    SimBuilder::new(nodes, seed, |_, _| LazyRegister::default())
        .duration(SimTime::from_secs(3))
        .settle(SimTime::from_secs(1))
        .clients(
            ClientConfig::with_rate(4, 200.0, SimTime::from_secs(1)),
            RegisterWorkload,
        )
        .invariant(Invariant::linearizable(Model::Register, 1_000_000))
        .build()
        .run()
}

#[test]
fn a_stale_replica_read_is_caught_by_the_linearizability_check() {
    let report = run(3, 1);
    assert_eq!(report.verdict, Verdict::SafetyViolation);
    let Outcome::Fail(why) = &report.checks[0].outcome else {
        panic!("expected a failure: {:?}", report.checks);
    };
    assert!(why.contains("cannot be placed"), "{why}");
}

#[test]
fn the_same_register_on_one_node_is_linearizable() {
    for seed in 0..5 {
        let report = run(1, seed);
        assert_eq!(
            report.verdict,
            Verdict::Pass,
            "seed {seed}: {:?}",
            report.checks
        );
        assert!(report.operations.ok > 300);
    }
}
