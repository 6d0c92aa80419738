//! The shrinker on shipped bug scenarios and on inputs it must refuse.

use super::*;
use crate::scenario::{load, parse, Overrides};

fn shipped(name: &str, seed: u64) -> Scenario {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("scenarios")
        .join(name);
    let overrides = Overrides {
        seed: Some(seed),
        ..Overrides::default()
    };
    load(&path, &overrides).expect("a shipped scenario")
}

fn options(budget: u32) -> Options {
    Options {
        check: None,
        budget,
    }
}

#[test]
fn a_raft_bug_shrinks_to_a_smaller_run_that_fails_the_same_check() {
    let scenario = shipped("raft-bug-no-dedup.toml", 1);
    let mut calls = 0;
    let shrunk = shrink(&Registry::builtin(), &scenario, &options(80), &mut |p| {
        calls += 1;
        assert!(p.runs <= p.budget);
    })
    .expect("the shipped seed fails");
    assert!(calls > 0);
    let (b, a) = (shrunk.before, shrunk.after);
    assert!(a.events < b.events, "{b:?} → {a:?}");
    assert!(a.faults <= b.faults && a.operations <= b.operations && a.nodes <= b.nodes);
    assert!(shrunk.scenario.faults.len() <= scenario.faults.len());
    // The written file, read and run again: same check, same trace hash.
    let again = parse("again.toml", &shrunk.text, &Overrides::default()).expect("reads back");
    let probe = probe::run(&Registry::builtin(), &again).expect("builds");
    assert!(probe.fails(&shrunk.check), "{:?}", probe.failed);
    assert_eq!(probe.trace_hash, shrunk.trace_hash);
    assert_eq!(again.seed, 1);
    assert_eq!(again.name, "raft-bug-no-dedup-shrunk");
}

#[test]
fn shrinking_is_deterministic() {
    let scenario = shipped("2pc-bug-presume-commit.toml", 3);
    let first = shrink(&Registry::builtin(), &scenario, &options(40), &mut |_| {});
    let second = shrink(&Registry::builtin(), &scenario, &options(40), &mut |_| {});
    let (first, second) = (first.expect("fails"), second.expect("fails"));
    assert_eq!(first.text, second.text);
    assert_eq!(first.steps, second.steps);
    assert_eq!(first.trace_hash, second.trace_hash);
}

#[test]
fn a_passing_seed_is_refused() {
    let scenario = shipped("raft-basic.toml", 0);
    let error = shrink(&Registry::builtin(), &scenario, &options(10), &mut |_| {})
        .expect_err("raft-basic passes");
    assert!(matches!(error, Error::Passes { seed: 0, .. }), "{error}");
}

#[test]
fn a_check_that_does_not_fail_is_refused() {
    let scenario = shipped("raft-bug-no-dedup.toml", 1);
    let options = Options {
        check: Some("no-such-check".into()),
        budget: 10,
    };
    let error = shrink(&Registry::builtin(), &scenario, &options, &mut |_| {})
        .expect_err("that check does not fail");
    let Error::CheckNotFailed { check, failed, .. } = &error else {
        panic!("{error}");
    };
    assert_eq!(check, "no-such-check");
    assert!(!failed.is_empty());
}

#[test]
fn the_budget_bounds_the_runs() {
    let scenario = shipped("raft-bug-no-dedup.toml", 1);
    let shrunk = shrink(&Registry::builtin(), &scenario, &options(3), &mut |_| {}).expect("fails");
    assert!(shrunk.runs <= 3, "{}", shrunk.runs);
    assert!(shrunk.budget_spent);
}
