//! Load balancing: one slow instance among ten (round robin's p99 collapses,
//! least-outstanding and two-choices hold), the scenarios pass over small
//! seed ranges, every bug switch is caught by the check meant for it and the
//! same scenario passes without it, trace hashes are pinned.

use crate::support::metric;
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
        "scenarios/lb-herd-slow-start.toml",
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

fn expect_check_fails(report: &RunReport, check: &str) -> bool {
    report
        .checks
        .iter()
        .any(|c| c.name == check && matches!(c.outcome, Outcome::Fail(_)))
}

/// The restart herd (`lb-herd-slow-start`, seeds 0..3): with
/// `slow_start = "2s"` least-outstanding keeps every queue within the
/// scenario's `[expect]` bound; without it the restarted instance n8
/// draws every new request at once and `expect queue-length-max` fails,
/// with the longest queue on n8. Without the crash and restart the same
/// run without slow start passes: the herd is the restart's doing.
/// Two-choices passes without slow start.
#[test]
fn a_restart_herds_least_outstanding_and_slow_start_prevents_it() {
    let path = "scenarios/lb-herd-slow-start.toml";
    let ramp = "slow_start = \"2s\"";
    let text = std::fs::read_to_string(path).expect("scenario");
    let cut = &text[..text.find("[[faults]]").expect("faults")];
    let bound = &text[text.find("[expect]").expect("[expect]")..];
    let steady = format!("{}\n{bound}", cut.replace(ramp, "slow_start = \"0s\""));
    let steady = parse(path, &steady, &Overrides::default()).expect("parses");
    let without = variant(path, ramp, "slow_start = \"0s\"");
    let two_choices = variant(
        path,
        "strategy = \"least-outstanding\"\nhold = \"500ms\"\nslow_start = \"2s\"",
        "strategy = \"two-choices\"\nhold = \"500ms\"\nslow_start = \"0s\"",
    );
    let with = testing::load(path);
    for seed in 0..3 {
        let report = testing::run(&with, seed);
        assert_eq!(report.verdict, Verdict::Pass, "slow start, seed {seed}");
        let report = testing::run(&without, seed);
        assert_eq!(report.verdict, Verdict::LivenessFailure, "seed {seed}");
        assert!(
            expect_check_fails(&report, "expect queue-length-max"),
            "seed {seed}: {:?}",
            report.checks
        );
        let peaks = metric(&report, "queue-peak-per-instance");
        let longest = metric(&report, "queue-length-max");
        assert!(
            peaks.contains(&format!("n8 {longest},")),
            "seed {seed}: the longest queue ({longest}) is not n8's: {peaks}"
        );
        let report = testing::run(&steady, seed);
        assert_eq!(report.verdict, Verdict::Pass, "no restart, seed {seed}");
        let report = testing::run(&two_choices, seed);
        assert_eq!(report.verdict, Verdict::Pass, "two-choices, seed {seed}");
    }
}

/// With `hold`, an instance answers a request `hold` after it starts
/// serving it: no request is answered sooner (p50 above 500 ms), and the
/// balancers' outstanding counts are the open requests (about 50 per
/// instance at 1000 requests/s).
#[test]
fn held_requests_are_answered_after_the_hold() {
    let s = testing::load("scenarios/lb-herd-after-restart.toml");
    let report = testing::run(&s, 0);
    let p50: SimTime = metric(&report, "op-latency-p50").parse().expect("duration");
    assert!(p50 >= SimTime::from_millis(500), "p50 {p50}");
    let quick = variant(
        "scenarios/lb-herd-after-restart.toml",
        "hold = \"500ms\"",
        "hold = \"0s\"",
    );
    let report = testing::run(&quick, 0);
    let p50: SimTime = metric(&report, "op-latency-p50").parse().expect("duration");
    assert!(p50 < SimTime::from_millis(50), "p50 {p50} without hold");
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
        ("scenarios/lb-herd-after-restart.toml", "0x59bb347cb6db9446"),
        ("scenarios/lb-herd-slow-start.toml", "0x55122460ec6a1b3a"),
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
