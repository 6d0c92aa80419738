//! Determinism: same (scenario, seed) gives the same trace hash in one process,
//! across processes, and at every `--jobs` count; shipped scenarios' hashes are
//! pinned.

use crate::support::{self, code, distlab, json, SCENARIOS};
use distlab::testing;

#[test]
fn same_seed_twice_in_one_process_gives_the_same_report() {
    for path in SCENARIOS {
        let scenario = testing::load(path);
        let a = testing::run(&scenario, 11);
        let b = testing::run(&scenario, 11);
        assert_eq!(a, b, "{path}");
        assert_ne!(
            a.trace_hash,
            testing::run(&scenario, 12).trace_hash,
            "{path}: seeds must matter"
        );
    }
}

#[test]
fn two_processes_give_the_same_trace_hash() {
    for path in SCENARIOS {
        let runs: Vec<serde_json::Value> = (0..2)
            .map(|_| {
                let out = distlab(&["run", path, "--seed", "5", "--json"]);
                assert_eq!(code(&out), 0, "{path}");
                json(&out)
            })
            .collect();
        assert_eq!(runs[0], runs[1], "{path}");
        assert!(runs[0]["trace_hash"]
            .as_str()
            .is_some_and(|h| h.starts_with("0x") && h.len() == 18));
    }
}

#[test]
fn sweep_results_do_not_depend_on_jobs() {
    let buggy = support::variant(
        "scenarios/broadcast-lossy.toml",
        "bugs = []",
        "bugs = [\"forget-on-restart\"]",
        "jobs.toml",
    );
    let dir = std::env::temp_dir();
    let mut results = Vec::new();
    for jobs in ["1", "2", "3"] {
        let failures = dir.join(format!("distlab-jobs-{}-{jobs}.json", std::process::id()));
        let failures = failures.to_string_lossy().into_owned();
        let out = distlab(&[
            "sweep",
            &buggy,
            "--seeds",
            "0..120",
            "--jobs",
            jobs,
            "--json",
            "--failures",
            &failures,
        ]);
        let mut value = json(&out);
        value["failures"] = serde_json::Value::Null; // compared through the file below
        let file = std::fs::read_to_string(&failures).unwrap_or_default();
        results.push((code(&out), value, file));
    }
    assert!(
        results[0].1["failed"].as_u64().unwrap_or(0) > 0,
        "the broken variant must fail somewhere"
    );
    assert_eq!(results[0], results[1]);
    assert_eq!(results[1], results[2]);
}

#[test]
fn shipped_scenarios_have_pinned_trace_hashes() {
    let hashes: Vec<(String, String)> = SCENARIOS
        .iter()
        .map(|path| {
            let scenario = testing::load(path);
            (
                path.to_string(),
                testing::run(&scenario, scenario.seed).trace_hash,
            )
        })
        .collect();
    insta::assert_debug_snapshot!(hashes);
}

#[test]
fn shipped_scenarios_pass_over_many_seeds() {
    testing::check_seeds(
        "shipped_scenarios_pass_over_many_seeds",
        "scenarios/broadcast-basic.toml",
        0..100,
    );
    testing::check_seeds(
        "shipped_scenarios_pass_over_many_seeds",
        "scenarios/broadcast-partition.toml",
        0..100,
    );
    testing::check_seeds(
        "shipped_scenarios_pass_over_many_seeds",
        "scenarios/broadcast-lossy.toml",
        0..300,
    );
}

#[test]
fn a_failing_seed_found_by_a_sweep_replays_in_a_test() {
    let path = support::variant(
        "scenarios/broadcast-lossy.toml",
        "bugs = []",
        "bugs = [\"no-retransmit\"]",
        "replay.toml",
    );
    let scenario = testing::load(&path);
    let failure = testing::first_failure(&scenario, 0..50).expect("the broken variant fails");
    let again = testing::run(&scenario, failure.seed);
    assert_eq!(failure, again);
    let message = testing::failure_message("my_test", &path, &failure);
    assert!(
        message.contains(&format!("DISTLAB_SEED={} cargo test my_test", failure.seed)),
        "{message}"
    );
    assert!(
        message.contains(&format!("distlab replay {path} --seed {}", failure.seed)),
        "{message}"
    );
}
