//! Service discovery: the shipped scenarios pass over seed ranges; each bug
//! switch fails the check meant for it while the same file without it
//! passes; flap damping, health checks and the stale-view choice each do
//! what their scenario says; trace hashes are pinned.

use distlab::check::{Outcome, Quantity};
use distlab::scenario::{parse, Overrides, Scenario};
use distlab::sim::{RunReport, Verdict};
use distlab::testing;

/// A metric's value: a number, a percentage (the number before `%`) or a
/// duration (in milliseconds).
fn metric(report: &RunReport, name: &str) -> f64 {
    let text = report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_else(|| panic!("no metric {name} in {:?}", report.metrics));
    match text.parse::<Quantity>() {
        Ok(Quantity::Duration(t)) => t.as_nanos() as f64 / 1e6,
        Ok(q) => q.value(),
        Err(why) => panic!("{name}: {why}"),
    }
}

/// `path` with `from` replaced by `to` (which must occur).
fn variant(path: &str, from: &str, to: &str) -> Scenario {
    let text = std::fs::read_to_string(path).expect("scenario");
    assert!(text.contains(from), "{path} has no {from:?}");
    parse(path, &text.replace(from, to), &Overrides::default()).expect("parses")
}

fn failed(report: &RunReport) -> Vec<String> {
    report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .map(|c| c.name.clone())
        .collect()
}

#[test]
fn service_discovery_scenarios_pass_over_seeds() {
    for path in [
        "scenarios/sd-instance-dies.toml",
        "scenarios/sd-registry-partitioned.toml",
        "scenarios/sd-flapping-instance.toml",
        "scenarios/sd-gray-instance.toml",
    ] {
        testing::check_seeds("service_discovery_scenarios_pass_over_seeds", path, 0..20);
    }
}

#[test]
fn each_bug_switch_fails_its_check_and_passes_without_it() {
    for (bug, check, verdict) in [
        ("no-expiry", "fresh-views", Verdict::SafetyViolation),
        ("cache-forever", "views-converge", Verdict::LivenessFailure),
        (
            "retry-same-instance",
            "expect availability",
            Verdict::LivenessFailure,
        ),
    ] {
        let path = format!("scenarios/sd-bug-{bug}.toml");
        let scenario = testing::load(&path);
        for seed in 0..5 {
            let report = testing::run(&scenario, seed);
            assert_eq!(report.verdict, verdict, "{path} seed {seed}");
            assert!(
                failed(&report).iter().any(|c| c == check),
                "{path} seed {seed}: {check} did not fail: {:?}",
                failed(&report)
            );
        }
        let fixed = variant(&path, &format!("bugs = [\"{bug}\"]"), "bugs = []");
        for seed in 0..5 {
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
fn a_crashed_instance_leaves_the_views_within_ttl_and_a_refresh() {
    let scenario = testing::load("scenarios/sd-instance-dies.toml");
    for seed in 0..10 {
        let report = testing::run(&scenario, seed);
        // ttl 1 s after n2's last heartbeat, then the next refresh (1 s).
        let gone_after = metric(&report, "dead-routing-max");
        assert!(gone_after > 0.0, "seed {seed}: n2 was never seen routed to");
        assert!(
            metric(&report, "dead-calls") >= 1.0,
            "seed {seed}: {:?}",
            report.metrics
        );
        assert_eq!(
            metric(&report, "calls-failed"),
            0.0,
            "seed {seed}: retries elsewhere"
        );
    }
    // A longer TTL keeps the dead instance longer.
    let long = variant(
        "scenarios/sd-instance-dies.toml",
        "ttl = \"1s\"",
        "ttl = \"4s\"",
    );
    let report = testing::run(&long, 1);
    assert!(
        failed(&report).contains(&"expect dead-routing-max".to_string()),
        "{:?}",
        report.metrics
    );
}

#[test]
fn a_partitioned_registry_leaves_callers_serving_stale_views_or_refusing() {
    let path = "scenarios/sd-registry-partitioned.toml";
    let serve = testing::load(path);
    let fail = variant(path, "on_stale = \"serve\"", "on_stale = \"fail\"");
    for seed in 0..5 {
        let served = testing::run(&serve, seed);
        let refused = testing::run(&fail, seed);
        assert_eq!(served.verdict, Verdict::Pass, "seed {seed}");
        // The dead n3 stays in the views until the partition heals.
        assert!(
            metric(&served, "dead-routing-max") >= 3_000.0,
            "{:?}",
            served.metrics
        );
        assert!(metric(&served, "availability") >= 99.0);
        assert!(
            metric(&refused, "availability") < 80.0,
            "seed {seed}: {:?}",
            refused.metrics
        );
    }
}

#[test]
fn flap_damping_keeps_a_flapping_instance_out() {
    let path = "scenarios/sd-flapping-instance.toml";
    let damped = testing::load(path);
    let undamped = variant(path, "healthy_after = 4", "healthy_after = 1");
    for seed in 0..5 {
        let d = testing::run(&damped, seed);
        let u = testing::run(&undamped, seed);
        assert_eq!(d.verdict, Verdict::Pass, "seed {seed}");
        assert!(
            failed(&u).contains(&"expect dead-calls".to_string()),
            "seed {seed}: {:?}",
            u.metrics
        );
        assert!(metric(&u, "view-changes") > metric(&d, "view-changes"));
    }
}

#[test]
fn health_checks_unlist_a_slow_instance_that_heartbeats() {
    let path = "scenarios/sd-gray-instance.toml";
    let checked = testing::load(path);
    let ttl_only = variant(path, "health_check = \"200ms\"", "health_check = \"0s\"");
    for seed in 0..5 {
        let c = testing::run(&checked, seed);
        let t = testing::run(&ttl_only, seed);
        assert_eq!(c.verdict, Verdict::Pass, "seed {seed}");
        assert!(
            failed(&t).contains(&"expect call-timeouts".to_string()),
            "seed {seed}: {:?}",
            t.metrics
        );
        assert!(metric(&t, "queue-length-max") > metric(&c, "queue-length-max"));
    }
}

#[test]
fn service_discovery_trace_hashes_are_pinned() {
    let hashes: Vec<String> = [
        "scenarios/sd-instance-dies.toml",
        "scenarios/sd-registry-partitioned.toml",
        "scenarios/sd-flapping-instance.toml",
        "scenarios/sd-gray-instance.toml",
    ]
    .iter()
    .map(|path| {
        let scenario = testing::load(path);
        format!(
            "{path} {}",
            testing::run(&scenario, scenario.seed).trace_hash
        )
    })
    .collect();
    insta::assert_snapshot!(hashes.join("\n"));
}
