//! Chaos experiments (`[experiment]`, `scenarios/chaos-*.toml`): each
//! verdict over a few seeds (the breaking one violates, the protected one
//! holds), the hypothesis judged over the window it names, the abort
//! condition stopping the faults, the blast radius skipping a role that
//! resolves outside it, and the trace hashes pinned.

use distlab::check::{CheckResult, Outcome};
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{parse, Overrides, Scenario};
use distlab::sim::{RunReport, TraceLevel, Verdict};
use distlab::testing;

/// A scenario file with `from` replaced by `to` (which must occur).
fn edited(path: &str, from: &str, to: &str) -> Scenario {
    let text = std::fs::read_to_string(path).expect("scenario");
    assert!(text.contains(from), "{path} has no {from:?}");
    parse(path, &text.replace(from, to), &Overrides::default()).expect("valid")
}

fn hypothesis<'r>(report: &'r RunReport, name: &str) -> &'r CheckResult {
    report
        .checks
        .iter()
        .find(|c| c.name == name)
        .unwrap_or_else(|| panic!("no check {name:?} in {:#?}", report.checks))
}

fn failed(report: &RunReport) -> Vec<&str> {
    report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .map(|c| c.name.as_str())
        .collect()
}

#[test]
fn retries_without_backoff_break_the_hypothesis_and_full_protection_keeps_it() {
    let broken = testing::load("scenarios/chaos-resilience-no-backoff.toml");
    let kept = testing::load("scenarios/chaos-resilience-protected.toml");
    for seed in 0..4 {
        let report = testing::run(&broken, seed);
        assert_eq!(report.verdict, Verdict::LivenessFailure, "seed {seed}");
        let experiment = report.experiment.as_ref().expect("an experiment");
        assert!(!experiment.held, "seed {seed}");
        // Before the sickness the service is on its steady state; after
        // the heal it is not.
        assert_eq!(
            hypothesis(&report, "hypothesis before: op-latency-p99 <= 50ms").outcome,
            Outcome::Pass,
            "seed {seed}"
        );
        assert!(
            failed(&report)
                .iter()
                .all(|name| name.starts_with("hypothesis after: ")),
            "seed {seed}: {:?}",
            failed(&report)
        );
        assert!(!failed(&report).is_empty(), "seed {seed}");
        let report = testing::run(&kept, seed);
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}: {report:#?}");
        assert!(report.experiment.as_ref().expect("an experiment").held);
    }
}

#[test]
fn the_hypothesis_is_judged_over_the_window_it_names() {
    // Round robin: the same bound holds before the slow-down and is
    // violated during it, by seconds.
    let path = "scenarios/chaos-lb-slow-instance.toml";
    let round_robin = edited(
        path,
        "strategy = \"least-outstanding\"",
        "strategy = \"round-robin\"",
    );
    let report = testing::run(&round_robin, 1);
    assert_eq!(report.verdict, Verdict::LivenessFailure);
    assert_eq!(
        hypothesis(&report, "hypothesis before: op-latency-p99 <= 100ms").outcome,
        Outcome::Pass
    );
    let Outcome::Fail(why) =
        &hypothesis(&report, "hypothesis during: op-latency-p99 <= 100ms").outcome
    else {
        panic!("round robin's p99 during the slow-down holds: {report:#?}");
    };
    assert!(
        why.contains("over [2s, 8s), expected <= 100ms: violated by"),
        "{why}"
    );
    let experiment = report.experiment.as_ref().expect("an experiment");
    let windows: Vec<(&str, String, String)> = experiment
        .windows
        .iter()
        .map(|w| {
            (
                w.window.name.as_str(),
                w.window.from.to_string(),
                w.window.to.to_string(),
            )
        })
        .collect();
    assert_eq!(
        windows,
        vec![
            ("before", "1s".into(), "2s".into()),
            ("during", "2s".into(), "8s".into()),
            ("after", "8.5s".into(), "10s".into()),
        ]
    );
    // Least-outstanding holds the same bounds over the same windows.
    let kept = testing::load(path);
    for seed in 0..2 {
        let report = testing::run(&kept, seed);
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}: {report:#?}");
    }
}

#[test]
fn the_instance_dies_experiment_holds_after_the_ttl_and_not_with_a_long_one() {
    let path = "scenarios/chaos-sd-instance-dies.toml";
    let scenario = testing::load(path);
    for seed in 0..4 {
        let report = testing::run(&scenario, seed);
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}: {report:#?}");
    }
    let long_ttl = edited(path, "ttl = \"1s\"", "ttl = \"4s\"");
    let report = testing::run(&long_ttl, 1);
    let failed = failed(&report);
    assert!(
        failed.contains(&"hypothesis after: op-latency-p99 <= 50ms"),
        "{failed:?}"
    );
    assert!(
        failed
            .iter()
            .all(|name| !name.starts_with("hypothesis before")),
        "{failed:?}"
    );
}

#[test]
fn the_migration_experiment_holds_and_stays_linearizable() {
    let scenario = testing::load("scenarios/chaos-shard-leave.toml");
    for seed in 0..4 {
        let report = testing::run(&scenario, seed);
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}: {report:#?}");
        assert_eq!(
            hypothesis(&report, "hypothesis migration: availability >= 99%").outcome,
            Outcome::Pass
        );
    }
}

/// The load-balancing experiment with round robin, a crash and a restart
/// of n5 after the slow-down, and `abort` added (or not).
fn abortable(abort: bool) -> Scenario {
    let text = std::fs::read_to_string("scenarios/chaos-lb-slow-instance.toml").expect("file");
    let mut text = text
        .replace(
            "strategy = \"least-outstanding\"",
            "strategy = \"round-robin\"",
        )
        .replace(
            "[experiment]\n",
            "[[faults]]\nat = \"6s\"\ncrash = 5\n\n[[faults]]\nat = \"7s\"\nrestart = 5\n\n[experiment]\n",
        );
    if abort {
        text.push_str("abort = [\"op-latency-p99 >= 500ms\"]\n");
    }
    parse("abortable.toml", &text, &Overrides::default()).expect("valid")
}

fn fault_lines(scenario: &Scenario) -> Vec<String> {
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let mut sim = distlab::registry::build(scenario, &options).expect("builds");
    sim.run();
    (0..sim.trace_len())
        .filter_map(|i| sim.entry(i))
        .filter(|e| e.kind == "fault")
        .map(|e| format!("{} {}", e.time, e.label))
        .collect()
}

#[test]
fn an_abort_that_trips_stops_the_faults_and_heals() {
    let metric = |r: &RunReport, name: &str| {
        r.metrics
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.clone())
    };
    let plain = testing::run(&abortable(false), 1);
    let aborted = testing::run(&abortable(true), 1);
    assert_eq!(metric(&plain, "faults").as_deref(), Some("3"));
    assert!(plain
        .experiment
        .as_ref()
        .expect("experiment")
        .aborted
        .is_none());
    let experiment = aborted.experiment.as_ref().expect("an experiment");
    let why = experiment.aborted.as_deref().expect("the abort tripped");
    assert!(
        why.starts_with("aborted at 4.8s: op-latency-p99 >= 500ms (measured"),
        "{why}"
    );
    // The slow-down and the abort's heal; the crash and restart skipped.
    assert_eq!(metric(&aborted, "faults").as_deref(), Some("2"));
    let lines = fault_lines(&abortable(true));
    assert_eq!(lines.len(), 4, "{lines:?}");
    assert!(lines[0].starts_with("2s slow n5 x10"), "{lines:?}");
    assert!(
        lines[1].starts_with("4.8s experiment aborted at 4.8s because op-latency-p99 >= 500ms")
            && lines[1].contains("network healed, slow-downs ended"),
        "{lines:?}"
    );
    assert!(
        lines[2].starts_with("6s crash n5 skipped: the experiment was aborted at 4.8s"),
        "{lines:?}"
    );
    assert!(lines[3].starts_with("7s restart n5 skipped"), "{lines:?}");
    // "during" ends at the abort; "after" is still measured.
    let during = &experiment.windows[1].window;
    assert_eq!(
        (during.from.to_string(), during.to.to_string()),
        ("2s".into(), "4.8s".into())
    );
    assert!(experiment.windows[2].ops_invoked > 0);
    assert!(!failed(&plain).is_empty());
}

#[test]
fn a_role_that_resolves_outside_the_blast_radius_is_skipped_and_reported() {
    let text = r#"
name = "raft-blast-radius"
description = "Crash the leader, but only n4 may be touched."
protocol = "raft"
nodes = 5
seed = 1
duration = "6s"

[workload]
kind = "kv"
clients = 2
rate = "20/s"

[[faults]]
at = "3s"
crash = "leader"

[experiment]
hypothesis = ["availability >= 50%"]
blast_radius = [4]
"#;
    let scenario = parse("blast.toml", text, &Overrides::default()).expect("valid");
    let report = testing::run(&scenario, 1);
    let experiment = report.experiment.as_ref().expect("an experiment");
    assert_eq!(experiment.skipped.len(), 1, "{experiment:#?}");
    assert!(
        experiment.skipped[0].starts_with("crash leader at 3s: n")
            && experiment.skipped[0].ends_with("outside the blast radius; skipped"),
        "{:?}",
        experiment.skipped
    );
    let lines = fault_lines(&scenario);
    assert_eq!(
        lines,
        vec!["3s crash leader: outside the experiment's blast radius; skipped"]
    );
}

#[test]
fn chaos_trace_hashes_are_pinned() {
    for (path, hash) in [
        (
            "scenarios/chaos-resilience-no-backoff.toml",
            "0x0518c5bfeb496668",
        ),
        (
            "scenarios/chaos-resilience-protected.toml",
            "0xa4ecfaf2b5961c89",
        ),
        (
            "scenarios/chaos-lb-slow-instance.toml",
            "0x8fd3b36cabb76748",
        ),
        (
            "scenarios/chaos-sd-instance-dies.toml",
            "0x317b7f2635decb8e",
        ),
        ("scenarios/chaos-shard-leave.toml", "0x0c7e44efcddeb433"),
    ] {
        let s = testing::load(path);
        assert_eq!(testing::run(&s, s.seed).trace_hash, hash, "{path}");
    }
}
