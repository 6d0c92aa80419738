//! Labs run the node under test behind a vtable (`sim::erased`; `DynRaft`,
//! `DynTwoPc`, ...), so the engine is compiled once per lab rather than
//! once per student, cheat and mutant type. The wrapper must not change
//! the run: the reference through its lab's build (wrapped) and through
//! the protocol's own build (not wrapped) give the same steps, trace hash
//! and verdict, and the same one-line message summaries.

use distlab::labs;
use distlab::registry::BuildFn;
use distlab::scenario::engine::BuildOptions;
use distlab::sim::DynSim;

fn load(file: &str) -> distlab::scenario::Scenario {
    distlab::testing::load(format!("{}/scenarios/{file}", env!("CARGO_MANIFEST_DIR")))
}

fn run(build: BuildFn, file: &str, seed: u64) -> (Box<dyn DynSim>, String) {
    let scenario = distlab::scenario::Scenario { seed, ..load(file) };
    let options = BuildOptions {
        trace_level: distlab::sim::TraceLevel::Full,
    };
    let mut sim = build(&scenario, &options).expect("the scenario builds");
    let report = sim.run();
    (sim, format!("{:?}", report.verdict))
}

/// The same run, wrapped and not.
fn same_run(lab: BuildFn, file: &str, seeds: std::ops::Range<u64>) {
    for seed in seeds {
        let (wrapped, wrapped_verdict) = run(lab, file, seed);
        let (plain, plain_verdict) = run(distlab::registry::build, file, seed);
        assert!(plain.steps() > 100, "{file} seed {seed}: a run with steps");
        assert_eq!(wrapped.steps(), plain.steps(), "{file} seed {seed}: steps");
        assert_eq!(
            wrapped.trace_hash(),
            plain.trace_hash(),
            "{file} seed {seed}: trace hash"
        );
        assert_eq!(
            wrapped_verdict, plain_verdict,
            "{file} seed {seed}: verdict"
        );
        for i in (0..plain.trace_len()).step_by(97) {
            let (a, b) = (wrapped.entry(i).unwrap(), plain.entry(i).unwrap());
            assert_eq!(a.label, b.label, "{file} seed {seed} entry {i}: label");
            assert_eq!(
                a.summary, b.summary,
                "{file} seed {seed} entry {i}: summary"
            );
        }
    }
}

#[test]
fn raft_wrapped_runs_as_the_reference() {
    same_run(labs::raft::REFERENCE, "raft-basic.toml", 0..2);
    same_run(labs::raft::REFERENCE, "raft-churn.toml", 0..2);
    // A network change for one message kind: the kind of a boxed message
    // is the inner one's.
    same_run(labs::raft::REFERENCE, "raft-network-changes.toml", 0..2);
}

#[test]
fn two_pc_wrapped_runs_as_the_reference() {
    same_run(labs::two_pc::REFERENCE, "2pc-participant-crash.toml", 0..2);
}

#[test]
fn saga_wrapped_runs_as_the_reference() {
    same_run(labs::saga::REFERENCE, "saga-orchestrated.toml", 0..2);
}

#[test]
fn quorum_kv_wrapped_runs_as_the_reference() {
    same_run(labs::quorum_kv::REFERENCE, "cap-partition.toml", 0..2);
    same_run(labs::quorum_kv::REFERENCE, "cap-clock-skew-lww.toml", 0..1);
}

#[test]
fn broadcast_and_gossip_wrapped_run_as_the_reference() {
    same_run(labs::broadcast::REFERENCE, "broadcast-lossy.toml", 0..2);
    same_run(
        labs::broadcast::REFERENCE,
        "gossip-partition-heal.toml",
        0..2,
    );
}
