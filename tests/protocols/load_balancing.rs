//! Load balancing: one slow instance among ten (round robin's p99 collapses,
//! least-outstanding and two-choices hold), the scenarios pass over small
//! seed ranges, every bug switch is caught by the check meant for it and the
//! same scenario passes without it, trace hashes are pinned.

use distlab::check::Outcome;
use distlab::scenario::{parse, Overrides, Scenario};
use distlab::sim::{RunReport, SimTime, Verdict};
use distlab::testing;

/// `path` with `[protocol]`'s `from` line replaced by `to`.
fn variant(path: &str, from: &str, to: &str) -> Scenario {
    let text = std::fs::read_to_string(path).expect("scenario");
    assert!(text.contains(from), "{path} has no {from:?}");
    parse(path, &text.replace(from, to), &Overrides::default()).expect("parses")
}

fn p99(report: &RunReport) -> SimTime {
    let (_, value) = report
        .metrics
        .iter()
        .find(|(n, _)| n == "op-latency-p99")
        .expect("op-latency-p99");
    value.parse().expect("a duration")
}

/// The textbook result, on seeds 0..3: round robin's p99 is more than five
/// times least-outstanding's and two-choices' on the same seeds (it would
/// fail if the strategies all behaved alike).
#[test]
fn one_slow_instance_collapses_round_robins_p99_and_not_the_load_aware_ones() {
    let path = "scenarios/lb-slow-instance.toml";
    let line = "strategy = \"round-robin\"";
    for seed in 0..3 {
        let of = |strategy: &str| {
            let s = variant(path, line, &format!("strategy = \"{strategy}\""));
            let report = testing::run(&s, seed);
            assert_eq!(report.verdict, Verdict::Pass, "{strategy} seed {seed}");
            p99(&report)
        };
        let rr = of("round-robin");
        for smart in ["least-outstanding", "two-choices"] {
            let p = of(smart);
            assert!(
                rr.as_nanos() > 5 * p.as_nanos(),
                "seed {seed}: round robin p99 {rr}, {smart} p99 {p}"
            );
        }
    }
}

#[test]
fn the_scenarios_pass_over_seeds_with_every_strategy() {
    for path in [
        "scenarios/lb-slow-instance.toml",
        "scenarios/lb-stale-load.toml",
        "scenarios/lb-herd-after-restart.toml",
    ] {
        testing::check_seeds(
            "the_scenarios_pass_over_seeds_with_every_strategy",
            path,
            0..3,
        );
    }
    let line = "strategy = \"round-robin\"";
    for strategy in ["random", "consistent-hash"] {
        let s = variant(
            "scenarios/lb-slow-instance.toml",
            line,
            &format!("strategy = \"{strategy}\""),
        );
        for seed in 0..2 {
            assert_eq!(testing::run(&s, seed).verdict, Verdict::Pass, "{strategy}");
        }
    }
}

/// Each bug scenario fails on the check meant for it at its own seed, and
/// on every seed of 0..5; without the switch it passes.
#[test]
fn every_bug_switch_is_caught_by_its_check() {
    for (bug, check, verdict) in [
        (
            "leak-outstanding",
            "outstanding-accurate",
            Verdict::SafetyViolation,
        ),
        (
            "hedge-double-answer",
            "answered-once",
            Verdict::SafetyViolation,
        ),
        (
            "retry-without-budget",
            "retry-budget-respected",
            Verdict::SafetyViolation,
        ),
        ("eject-ignored", "ejected-skipped", Verdict::SafetyViolation),
        (
            "choose-more-loaded",
            "picks-follow-strategy",
            Verdict::SafetyViolation,
        ),
        (
            "no-attempt-timeout",
            "no-lost-requests",
            Verdict::LivenessFailure,
        ),
        (
            "round-robin-stuck",
            "expect load-max-min",
            Verdict::LivenessFailure,
        ),
        (
            "ring-one-point",
            "expect load-max-min",
            Verdict::LivenessFailure,
        ),
    ] {
        let path = format!("scenarios/lb-bug-{bug}.toml");
        let scenario = testing::load(&path);
        for seed in 0..5 {
            let report = testing::run(&scenario, seed);
            assert_eq!(report.verdict, verdict, "{path} seed {seed}");
            let failed = report
                .checks
                .iter()
                .find(|c| c.name == check)
                .unwrap_or_else(|| panic!("{path}: no check {check}"));
            assert!(
                matches!(failed.outcome, Outcome::Fail(_)),
                "{path} seed {seed}: {check} is {:?}",
                failed.outcome
            );
        }
        let fixed = variant(&path, &format!("bugs = [\"{bug}\"]"), "bugs = []");
        for seed in 0..3 {
            let report = testing::run(&fixed, seed);
            assert_eq!(
                report.verdict,
                Verdict::Pass,
                "{path} without the bug, seed {seed}"
            );
        }
    }
}

#[test]
fn load_balancing_trace_hashes_are_pinned() {
    for (path, hash) in [
        ("scenarios/lb-slow-instance.toml", "0x8bed279fbe0503c2"),
        ("scenarios/lb-stale-load.toml", "0xd0a1c653a8e5c387"),
        ("scenarios/lb-herd-after-restart.toml", "0xf5819f3afd94b64e"),
        (
            "scenarios/lb-bug-leak-outstanding.toml",
            "0xa67b8c5e061533e7",
        ),
        (
            "scenarios/lb-bug-hedge-double-answer.toml",
            "0x40838c0567a07b6c",
        ),
        (
            "scenarios/lb-bug-retry-without-budget.toml",
            "0xa73fec61a5121c1c",
        ),
        ("scenarios/lb-bug-eject-ignored.toml", "0x2345913bf86acfea"),
        (
            "scenarios/lb-bug-choose-more-loaded.toml",
            "0x162deb2283594c8b",
        ),
        (
            "scenarios/lb-bug-no-attempt-timeout.toml",
            "0x68fcda4ba585ca34",
        ),
        (
            "scenarios/lb-bug-round-robin-stuck.toml",
            "0x52322d3a4b8ba8ac",
        ),
        ("scenarios/lb-bug-ring-one-point.toml", "0x901299187464b78f"),
    ] {
        let s = testing::load(path);
        assert_eq!(testing::run(&s, s.seed).trace_hash, hash, "{path}");
    }
}
