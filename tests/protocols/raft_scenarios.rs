//! Raft's shipped scenarios pass over seed ranges (the big sweeps are
//! benchmarks: see docs/protocols/raft.md), and their reports say what a
//! user should see.

use distlab::check::Outcome;
use distlab::sim::Verdict;
use distlab::testing;

fn passes(test: &str, name: &str, seeds: std::ops::Range<u64>) {
    testing::check_seeds(test, &format!("scenarios/raft-{name}.toml"), seeds);
}

#[test]
fn raft_basic_is_linearizable_over_seeds() {
    passes("raft_basic_is_linearizable_over_seeds", "basic", 0..50);
}

fn metric(report: &distlab::sim::RunReport, name: &str) -> String {
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.clone())
        .unwrap_or_default()
}

#[test]
fn raft_leader_isolated_elects_a_new_leader() {
    passes(
        "raft_leader_isolated_elects_a_new_leader",
        "leader-isolated",
        0..20,
    );
    let report = testing::run(&testing::load("scenarios/raft-leader-isolated.toml"), 7);
    let metric = |name: &str| metric(&report, name);
    let elections: u64 = metric("elections-won").parse().unwrap_or(0);
    assert!(
        elections >= 2,
        "the isolation forces a new leader: {}",
        metric("leaders")
    );
    for name in [
        "messages-per-op",
        "availability",
        "op-latency-p50",
        "op-latency-p99",
    ] {
        assert!(
            !metric(name).is_empty(),
            "{name} missing: {:?}",
            report.metrics
        );
    }
    let history = report.checks.iter().find(|c| c.name == "linearizable");
    assert_eq!(history.map(|c| &c.outcome), Some(&Outcome::Pass));
}

/// A leader paused for 2 s (a GC pause) is replaced while it sleeps; it
/// wakes up in its old term, and every check still passes.
#[test]
fn raft_leader_pause_elects_a_new_leader_while_the_old_one_sleeps() {
    passes(
        "raft_leader_pause_elects_a_new_leader_while_the_old_one_sleeps",
        "leader-pause",
        0..30,
    );
    for seed in 0..10 {
        let report = testing::run(&testing::load("scenarios/raft-leader-pause.toml"), seed);
        let leaders = metric(&report, "leaders");
        // `n1@t1(164.577ms) → n2@t2(3.167s)`: a second leader, elected
        // during the pause (3 s to 5 s), in a higher term.
        let second = leaders.split(" → ").nth(1).unwrap_or_default().to_string();
        let at: f64 = second
            .split('(')
            .nth(1)
            .and_then(|t| t.trim_end_matches(')').strip_suffix('s'))
            .and_then(|t| t.parse().ok())
            .unwrap_or(0.0);
        assert!(
            (3.0..5.0).contains(&at),
            "seed {seed}: no new leader during the pause: {leaders}"
        );
    }
}

/// A leader twenty times slower (`slow`, with every node taking time:
/// `[service]`) is not replaced — its heartbeats run on time — and every
/// client waits behind its queue; without the fault the same runs are fast.
#[test]
fn raft_gray_leader_is_not_replaced_and_every_client_waits() {
    passes(
        "raft_gray_leader_is_not_replaced_and_every_client_waits",
        "gray-leader",
        0..30,
    );
    let slow = testing::load("scenarios/raft-gray-leader.toml");
    let mut healthy = slow.clone();
    healthy.faults.clear();
    let ms = |text: String| -> f64 {
        match text.strip_suffix("ms") {
            Some(ms) => ms.parse().unwrap_or(f64::MAX),
            None => {
                text.trim_end_matches('s')
                    .parse::<f64>()
                    .unwrap_or(f64::MAX)
                    * 1000.0
            }
        }
    };
    for seed in 0..10 {
        let report = testing::run(&slow, seed);
        assert_eq!(metric(&report, "elections-won"), "1", "seed {seed}");
        let queue: u64 = metric(&report, "queue-length-max").parse().unwrap();
        // Pipelining sends fewer, bigger AppendEntries: 15-25 queued at
        // the peak on seeds 0..10 (50-160 before it).
        assert!(
            queue >= 10,
            "seed {seed}: the leader's queue peaked at {queue}"
        );
        let p99 = ms(metric(&report, "op-latency-p99"));
        let calm = testing::run(&healthy, seed);
        let calm_p99 = ms(metric(&calm, "op-latency-p99"));
        assert!(
            p99 > 5.0 * calm_p99,
            "seed {seed}: p99 {p99} ms slow against {calm_p99} ms healthy"
        );
    }
}

#[test]
fn raft_minority_partition_commits_only_on_the_majority_side() {
    passes(
        "raft_minority_partition_commits_only_on_the_majority_side",
        "minority-partition",
        0..20,
    );
}

#[test]
fn raft_majority_flap_stays_safe() {
    passes("raft_majority_flap_stays_safe", "majority-flap", 0..20);
}

#[test]
fn raft_crash_restart_recovers_from_storage() {
    passes(
        "raft_crash_restart_recovers_from_storage",
        "crash-restart",
        0..20,
    );
}

#[test]
fn raft_figure8_never_loses_a_committed_entry() {
    passes(
        "raft_figure8_never_loses_a_committed_entry",
        "figure8",
        0..20,
    );
}

#[test]
fn raft_unreliable_network_is_harmless() {
    passes("raft_unreliable_network_is_harmless", "unreliable", 0..20);
}

#[test]
fn raft_churn_stays_safe_and_recovers() {
    passes("raft_churn_stays_safe_and_recovers", "churn", 0..20);
}

#[test]
fn raft_clock_skew_costs_elections_not_safety() {
    passes(
        "raft_clock_skew_costs_elections_not_safety",
        "clock-skew",
        0..20,
    );
}

#[test]
fn raft_snapshot_brings_a_far_behind_follower_back() {
    passes(
        "raft_snapshot_brings_a_far_behind_follower_back",
        "snapshot",
        0..20,
    );
    let scenario = testing::load("scenarios/raft-snapshot.toml");
    for seed in 0..5 {
        let report = testing::run(&scenario, seed);
        let installed: u64 = metric(&report, "snapshots-installed").parse().unwrap_or(0);
        assert!(installed >= 1, "seed {seed}: no snapshot was installed");
    }
}

/// Sums of `snapshots-sent` and `snapshots-installed` over `seeds`.
fn copies(scenario: &distlab::scenario::Scenario, seeds: std::ops::Range<u64>) -> (u64, u64) {
    let mut sums = (0, 0);
    for seed in seeds {
        let report = testing::run(scenario, seed);
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}: {report:?}");
        let count = |name| metric(&report, name).parse::<u64>().unwrap_or(0);
        sums.0 += count("snapshots-sent");
        sums.1 += count("snapshots-installed");
    }
    sums
}

#[test]
fn raft_snapshot_slow_links_costs_one_copy_per_install() {
    // The file's `[expect] snapshot-copies <= 1.1` is checked on every
    // seed; the sums show that installs happened at all.
    let mut scenario = testing::load("scenarios/raft-snapshot-slow-links.toml");
    let (sent, installed) = copies(&scenario, 0..10);
    assert!(
        installed >= 10 && sent <= installed + installed / 10,
        "{sent} / {installed}"
    );
    // In chunks of 256 bytes: the same, one chunk in flight.
    scenario.protocol_params = scenario
        .protocol_params
        .with_param("snapshot_chunk", "256")
        .expect("param");
    let (sent, installed) = copies(&scenario, 0..10);
    assert!(
        installed >= 10 && sent <= installed + installed / 10,
        "{sent} / {installed}"
    );
}

#[test]
fn raft_lost_snapshot_chunks_are_sent_again() {
    // Chunks of 128 bytes over links that lose 10 % of the messages: lost
    // chunks and lost answers are sent again after the resend time (from
    // the offset in flight), and the follower still installs.
    // (Without the file's `[expect]`: under loss a resend is no waste.)
    let file =
        std::fs::read_to_string("scenarios/raft-snapshot-slow-links.toml").expect("readable");
    let text = file[..file.rfind("[expect]").expect("an [expect] table")]
        .replace(
            "snapshot_every = 20",
            "snapshot_every = 20\nsnapshot_chunk = 128",
        )
        .replace("[network]", "[network]\nloss = 0.1");
    let overrides = distlab::scenario::Overrides::default();
    let scenario = distlab::scenario::parse("lossy-chunks.toml", &text, &overrides)
        .expect("the lossy variant parses");
    // Seed 1's follower catches up by entries (no install), so 12 seeds.
    let mut installs = 0;
    for seed in 0..12 {
        let report = testing::run(&scenario, seed);
        assert_eq!(report.verdict, Verdict::Pass, "seed {seed}: {report:?}");
        let count = |name| metric(&report, name).parse::<u64>().unwrap_or(0);
        installs += count("snapshots-installed");
    }
    assert!(installs >= 10, "{installs} installs over 12 seeds");
}

#[test]
fn raft_trace_hashes_are_pinned() {
    let hashes: Vec<(String, u64, String)> = [
        "basic",
        "figure8",
        "leader-pause",
        "gray-leader",
        "pipeline",
        "pipeline-reorder",
        "lossy",
        "long-tail",
        "snapshot-followers",
        "snapshot-slow-links",
    ]
    .iter()
    .map(|name| {
        let path = format!("scenarios/raft-{name}.toml");
        let scenario = testing::load(&path);
        let report = testing::run(&scenario, scenario.seed);
        assert_eq!(report, testing::run(&scenario, scenario.seed), "{path}");
        (path, scenario.seed, report.trace_hash)
    })
    .collect();
    insta::assert_debug_snapshot!(hashes);
}
