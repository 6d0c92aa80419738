//! CAP trade-offs (quorum-kv): every scenario passes over a seed range in the
//! modes it promises, the lessons show up (stale reads when R+W <= N, lost
//! updates under LWW), each bug switch is caught with its replay command
//! printed, the comparison table is snapshotted and two hashes are pinned.

use crate::support::{code, distlab, stdout};
use distlab::check::Outcome;
use distlab::scenario::Scenario;
use distlab::sim::{RunReport, Verdict};
use distlab::testing;

fn with(path: &str, name: &str, value: &str) -> Scenario {
    let mut s = testing::load(path);
    s.protocol_params = s.protocol_params.with_param(name, value).expect("param");
    s
}

fn metric(report: &RunReport, name: &str) -> f64 {
    let text = &report
        .metrics
        .iter()
        .find(|(k, _)| k == name)
        .expect(name)
        .1;
    text.trim_end_matches('%').parse().unwrap_or(0.0)
}

fn passes(test: &str, path: &str, scenario: &Scenario, seeds: std::ops::Range<u64>) {
    if let Some(r) = testing::first_failure(scenario, testing::seeds_from_env(seeds)) {
        panic!("{}", testing::failure_message(test, path, &r));
    }
}

#[test]
fn cap_scenarios_pass_over_seeds() {
    for path in [
        "scenarios/cap-partition.toml",
        "scenarios/cap-minority-partition.toml",
        "scenarios/cap-read-replicas.toml",
        "scenarios/cap-quorum-sweep.toml",
    ] {
        testing::check_seeds("cap_scenarios_pass_over_seeds", path, 0..40);
    }
}

#[test]
fn cap_partition_passes_in_every_mode() {
    let path = "scenarios/cap-partition.toml";
    for mode in ["ap", "primary-async", "primary-sync"] {
        passes(
            "cap_partition_passes_in_every_mode",
            path,
            &with(path, "mode", mode),
            0..40,
        );
    }
    let lww = with(path, "conflict", "lww");
    let lww = Scenario {
        protocol_params: lww.protocol_params.with_param("mode", "ap").unwrap(),
        ..lww
    };
    passes("cap_partition_passes_in_every_mode", path, &lww, 0..20);
}

#[test]
fn cp_is_linearizable_and_ap_is_available_but_stale_on_the_same_partition() {
    let path = "scenarios/cap-partition.toml";
    let cp = testing::run(&testing::load(path), 7);
    let ap = testing::run(&with(path, "mode", "ap"), 7);
    assert_eq!(metric(&cp, "linearizable"), 1.0);
    assert_eq!(metric(&ap, "linearizable"), 0.0);
    assert!(metric(&cp, "avail-partitioned") < metric(&ap, "avail-partitioned"));
    assert!(metric(&ap, "stale-reads") > 0.0);
    assert_eq!(metric(&cp, "stale-reads"), 0.0);
}

#[test]
fn stale_reads_show_up_when_r_plus_w_is_at_most_n() {
    let s = testing::load("scenarios/cap-quorum-sweep.toml"); // r = w = 1, n = 3
    let seen = (0..20)
        .filter(|&seed| metric(&testing::run(&s, seed), "stale-reads") > 0.0)
        .count();
    assert!(
        seen > 0,
        "no seed in 0..20 showed a stale read with R+W <= N"
    );
}

#[test]
fn lww_under_clock_skew_loses_updates_and_vector_clocks_do_not() {
    let path = "scenarios/cap-clock-skew-lww.toml";
    let lww = testing::load(path);
    let lost = (0..20)
        .filter(|&seed| metric(&testing::run(&lww, seed), "lost-updates") > 0.0)
        .count();
    assert!(lost > 0, "LWW lost no update on seeds 0..20");
    // The check `writes-visible` names the lost acknowledged write: under
    // LWW with a skewed clock the scenario fails by design.
    let caught = (0..20)
        .filter(|&seed| {
            let report = testing::run(&lww, seed);
            report.checks.iter().any(|c| {
                c.name == "writes-visible" && matches!(c.outcome, distlab::check::Outcome::Fail(_))
            })
        })
        .count();
    assert!(
        caught > 0,
        "writes-visible caught no lost write on seeds 0..20"
    );
    // With vector clocks the at-end check `no-lost-updates` runs and passes.
    passes(
        "lww_under_clock_skew",
        path,
        &with(path, "conflict", "vclock"),
        0..20,
    );
}

#[test]
fn sessions_fix_read_your_writes_on_read_replicas() {
    let path = "scenarios/cap-read-replicas.toml";
    let none = with(path, "session", "none");
    let broken = (0..20)
        .filter(|&seed| metric(&testing::run(&none, seed), "session-violations") > 0.0)
        .count();
    assert!(
        broken > 0,
        "async replication never broke read-your-writes on seeds 0..20"
    );
    passes(
        "sessions_fix_read_your_writes",
        path,
        &with(path, "session", "monotonic"),
        0..20,
    );
}

fn caught(test: &str, path: &str, expected: Verdict, check: &str) {
    let scenario = testing::load(path);
    let failure = testing::first_failure(&scenario, 0..1000)
        .unwrap_or_else(|| panic!("{path}: no seed in 0..1000 catches the bug"));
    println!("{}", testing::failure_message(test, path, &failure));
    assert_eq!(failure.verdict, expected, "{path}");
    let failed = failure
        .checks
        .iter()
        .find(|c| c.name == check)
        .expect("check");
    assert!(
        matches!(failed.outcome, Outcome::Fail(_)),
        "{path}: {check} did not fail"
    );
}

#[test]
fn bug_no_write_back_is_caught_by_the_linearizability_checker() {
    caught(
        "bug_no_write_back_is_caught_by_the_linearizability_checker",
        "scenarios/cap-bug-no-write-back.toml",
        Verdict::SafetyViolation,
        "linearizable",
    );
}

#[test]
fn bug_stale_quorum_is_caught_by_the_linearizability_checker() {
    caught(
        "bug_stale_quorum_is_caught_by_the_linearizability_checker",
        "scenarios/cap-bug-stale-quorum.toml",
        Verdict::SafetyViolation,
        "linearizable",
    );
}

#[test]
fn bug_no_handoff_is_caught_by_convergence() {
    caught(
        "bug_no_handoff_is_caught_by_convergence",
        "scenarios/cap-bug-no-handoff.toml",
        Verdict::LivenessFailure,
        "replicas-converge",
    );
}

#[test]
fn bug_no_repair_is_caught_by_convergence() {
    caught(
        "bug_no_repair_is_caught_by_convergence",
        "scenarios/cap-bug-no-repair.toml",
        Verdict::LivenessFailure,
        "replicas-converge",
    );
}

#[test]
fn cap_trace_hashes_are_pinned() {
    for (path, hash) in [
        ("scenarios/cap-partition.toml", "0xf1c4838467f7218d"),
        ("scenarios/cap-read-replicas.toml", "0x1fe2e67bb593fbf6"),
    ] {
        let s = testing::load(path);
        assert_eq!(testing::run(&s, s.seed).trace_hash, hash, "{path}");
    }
}

#[test]
fn comparison_table_for_seed_7_is_stable() {
    let svg = std::env::temp_dir().join(format!("cap-{}.svg", std::process::id()));
    let out = distlab(&[
        "sweep-params",
        "scenarios/cap-partition.toml",
        "--param",
        "mode=cp,ap,primary-async,primary-sync",
        "--seeds",
        "7..8",
        "--metrics",
        "availability,avail-partitioned,op-latency-p50,op-latency-p99,stale-reads,lost-updates,sibling-reads,linearizable,converged",
        "--svg",
        svg.to_str().unwrap(),
    ]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!("cap_comparison_seed_7", stdout(&out));
    let chart = std::fs::read_to_string(&svg).expect("svg written");
    // One bar per value of `mode`, labelled with the value (the chart's
    // caption names the parameter).
    assert!(chart.starts_with("<svg"), "{chart}");
    assert!(chart.contains("one bar per mode value"), "{chart}");
    for mode in ["cp", "ap", "primary-async", "primary-sync"] {
        assert!(chart.contains(&format!(">{mode}<")), "{mode}: {chart}");
    }
}
