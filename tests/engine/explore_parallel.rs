//! `explore --jobs` and random walks. A breadth-first or depth-first search
//! on 2 or 3 threads reports exactly what one thread does (states,
//! transitions, terminal states, limits, verdict, counterexample,
//! `sometimes` witnesses, max depth) on clean, cut-short and buggy
//! configurations. Random walks find known bug switches, are a function of
//! the seed, do not depend on `--jobs` either, and their counterexamples
//! replay.

use crate::support;
use distlab::explore::{self, Budgets, Config, Limit, Report};
use distlab::registry::Registry;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{load, Overrides};
use distlab::sim::{DynSim, Verdict};

/// A shipped scenario's world, with `nodes` and `seed` overridden and
/// protocol parameters set.
fn sim(
    path: &str,
    nodes: Option<u32>,
    seed: Option<u64>,
    params: &[(&str, &str)],
) -> Box<dyn DynSim> {
    let overrides = Overrides {
        nodes,
        ..Overrides::default()
    };
    let mut scenario = load(path.as_ref(), &overrides).expect("scenario loads");
    if let Some(seed) = seed {
        scenario.seed = seed;
    }
    for (key, value) in params {
        scenario.protocol_params = scenario
            .protocol_params
            .with_param(key, value)
            .expect("param");
    }
    Registry::builtin()
        .build(&scenario, &BuildOptions::default())
        .expect("builds")
}

/// The scenario's own `[explore]` settings.
fn spec(path: &str) -> Config {
    let scenario = load(path.as_ref(), &Overrides::default()).expect("scenario loads");
    Config::from_spec(&scenario.explore)
}

/// Search with 1, 2 and 3 threads; every report must be the same. Returns
/// the one-thread report.
fn same_for_every_jobs(make: impl Fn() -> Box<dyn DynSim>, config: &Config) -> Report {
    let one = explore::search(make(), &config.clone().jobs(1));
    for jobs in [2, 3] {
        let many = explore::search(make(), &config.clone().jobs(jobs));
        assert_eq!(many, one, "{jobs} jobs report something else than 1");
    }
    one
}

/// Pingpong (counted by hand in tests/engine/explore.rs), the 2PC
/// reference to depth 7 (pinned there at 2197 states) and to depth 8 cut by
/// the state bound in the middle of a level, and the Raft reference with a
/// crash and a restart (levels of thousands of states: several parallel
/// rounds each).
#[test]
fn breadth_first_reports_the_same_for_every_jobs() {
    let pingpong = "scenarios/explore-pingpong.toml";
    let report = same_for_every_jobs(|| sim(pingpong, None, None, &[]), &spec(pingpong).depth(12));
    assert_eq!(report.unique_states, 13 * 14 / 2);

    let two_pc = "scenarios/explore-2pc.toml";
    let make = || sim(two_pc, None, None, &[]);
    let report = same_for_every_jobs(make, &spec(two_pc).depth(7));
    assert_eq!(report.unique_states, 2197);
    report.assert_no_violation();
    assert!(report.sometimes.iter().all(|s| s.witness.is_some()));

    let report = same_for_every_jobs(make, &spec(two_pc).depth(8).states(2500));
    assert_eq!(report.unique_states, 2500);
    assert_eq!(report.limits, vec![Limit::States]);

    let raft = || sim("scenarios/raft-basic.toml", Some(3), Some(1), &[]);
    let config = Config::default().depth(5).ops(0).budgets(Budgets {
        crashes: 1,
        restarts: 1,
        ..Budgets::default()
    });
    let report = same_for_every_jobs(raft, &config);
    report.assert_no_violation();
    assert!(report.unique_states > 2000, "{}", report.unique_states);
}

/// Two 2PC bug switches: `presume-commit` (three steps) and
/// `forget-prepared` (a participant crashes after voting yes and forgets
/// it: seven steps, tens of thousands of states first). The same shortest
/// counterexample, choice by choice, on every number of threads.
#[test]
fn a_violation_found_in_parallel_is_the_sequential_one() {
    let two_pc = "scenarios/explore-2pc.toml";
    let presume = || sim(two_pc, None, None, &[("bugs", "[\"presume-commit\"]")]);
    let report = same_for_every_jobs(presume, &spec(two_pc));
    let c = report.expect_violation();
    assert_eq!(c.check, "commit-needs-every-yes-vote");
    assert_eq!(c.path.len(), 3, "{c}");

    let forget = || sim(two_pc, None, None, &[("bugs", "[\"forget-prepared\"]")]);
    let config = spec(two_pc).budgets(Budgets {
        crashes: 1,
        restarts: 1,
        ..Budgets::default()
    });
    let report = same_for_every_jobs(forget, &config);
    let c = report.expect_violation();
    assert_eq!(c.verdict, Verdict::SafetyViolation);
    assert!(c.path.iter().any(|s| s.label.starts_with("crash")), "{c}");
}

/// Depth first on 2 and 3 threads (helpers expanding states still on the
/// stack ahead of time, one thread merging in stack order): the shipped
/// explore scenarios, exhausted (pingpong, 2PC, Paxos to depth 7, pinned in
/// tests/protocols/explore_paxos.rs at 11,504 states; the bounded Raft
/// with its boundary and relative time, pinned in
/// tests/protocols/explore_bounded.rs at 177,616 states without the drop),
/// cut by the state bound in the middle of the search, and with a crash and
/// a restart.
#[test]
fn depth_first_reports_the_same_for_every_jobs() {
    let pingpong = "scenarios/explore-pingpong.toml";
    let make = || sim(pingpong, None, None, &[]);
    let report = same_for_every_jobs(make, &spec(pingpong).dfs().depth(12));
    assert_eq!(report.unique_states, 13 * 14 / 2);

    let two_pc = "scenarios/explore-2pc.toml";
    let make = || sim(two_pc, None, None, &[]);
    let report = same_for_every_jobs(make, &spec(two_pc).dfs().depth(7));
    assert_eq!(report.unique_states, 2197);
    report.assert_no_violation();
    assert!(report.sometimes.iter().all(|s| s.witness.is_some()));
    let report = same_for_every_jobs(make, &spec(two_pc).dfs().depth(8).states(2500));
    assert_eq!(report.unique_states, 2500);
    assert!(
        report.limits.contains(&Limit::States),
        "{:?}",
        report.limits
    );

    let paxos = "scenarios/explore-paxos.toml";
    let make = || sim(paxos, None, None, &[]);
    let report = same_for_every_jobs(make, &spec(paxos).dfs().depth(7));
    report.assert_no_violation();
    assert_eq!(
        (report.unique_states, report.transitions, report.max_depth),
        (11_504, 25_450, 7)
    );
    assert!(report.sometimes.iter().any(|s| s.witness.is_some()));
    let report = same_for_every_jobs(make, &spec(paxos).dfs().states(4321));
    assert_eq!(report.unique_states, 4321);
    assert!(
        report.limits.contains(&Limit::States),
        "{:?}",
        report.limits
    );

    let bounded = "scenarios/explore-raft-bounded.toml";
    let make = || sim(bounded, None, None, &[]);
    let config = spec(bounded).budgets(Budgets::default());
    assert_eq!(config.strategy, distlab::scenario::ExploreStrategy::Dfs);
    let report = same_for_every_jobs(make, &config);
    report
        .assert_no_violation()
        .assert_exhausted_within_boundary();
    assert_eq!(
        (report.unique_states, report.outside_states),
        (177_616, 68_442)
    );
    let report = same_for_every_jobs(make, &spec(bounded).states(30_000));
    assert_eq!(report.unique_states, 30_000);
    assert!(
        report.limits.contains(&Limit::States),
        "{:?}",
        report.limits
    );

    let raft = || sim("scenarios/raft-basic.toml", Some(3), Some(1), &[]);
    let config = Config::default().dfs().depth(5).ops(0).budgets(Budgets {
        crashes: 1,
        restarts: 1,
        ..Budgets::default()
    });
    let report = same_for_every_jobs(raft, &config);
    report.assert_no_violation();
    assert!(report.unique_states > 2000, "{}", report.unique_states);
}

/// Depth first on 2 and 3 threads finds the violation one thread finds,
/// with the same path and the same states before it: 2PC's
/// `presume-commit` and `forget-prepared` (a crash and a restart), Raft's
/// `forget-vote` (a crash and a restart, found deep in the search) and
/// `reply-before-sync`.
#[test]
fn a_violation_found_depth_first_in_parallel_is_the_sequential_one() {
    let two_pc = "scenarios/explore-2pc.toml";
    let crash = Budgets {
        crashes: 1,
        restarts: 1,
        ..Budgets::default()
    };
    let presume = || sim(two_pc, None, None, &[("bugs", "[\"presume-commit\"]")]);
    let report = same_for_every_jobs(presume, &spec(two_pc).dfs());
    assert_eq!(
        report.expect_violation().check,
        "commit-needs-every-yes-vote"
    );

    let forget = || sim(two_pc, None, None, &[("bugs", "[\"forget-prepared\"]")]);
    let config = spec(two_pc).dfs().ordered().depth(8).budgets(crash);
    let report = same_for_every_jobs(forget, &config);
    let c = report.expect_violation();
    assert_eq!(c.verdict, Verdict::SafetyViolation);
    assert!(c.path.iter().any(|s| s.label.starts_with("crash")), "{c}");

    let config = Config::default().dfs().depth(8).ops(0).budgets(crash);
    let forget_vote = || {
        sim(
            "scenarios/raft-bug-forget-vote.toml",
            Some(3),
            None,
            &[("prevote", "false")],
        )
    };
    let report = same_for_every_jobs(forget_vote, &config);
    assert_eq!(report.expect_violation().check, "election-safety");
    assert!(report.unique_states > 1000, "{}", report.unique_states);

    let raft = "scenarios/explore-raft.toml";
    let reply = || sim(raft, None, None, &[("bugs", "[\"reply-before-sync\"]")]);
    let config = spec(raft).dfs().ops(0).budgets(crash);
    let report = same_for_every_jobs(reply, &config);
    assert_eq!(report.expect_violation().check, "commit-never-decreases");
}

/// Raft's `forget-vote` switch needs a crash and a restart between two
/// votes: breadth first finds it after some 950 000 states; random walks of
/// 16 steps find it within a few thousand walks, the same walk on every
/// number of threads.
#[test]
fn random_walks_find_raft_forget_vote_whatever_the_jobs() {
    // Without PreVote (the default): elections, and double votes, are quicker.
    let forget_vote = || {
        sim(
            "scenarios/raft-bug-forget-vote.toml",
            Some(3),
            None,
            &[("prevote", "false")],
        )
    };
    let config = Config::default()
        .walk(20_000)
        .depth(16)
        .ops(0)
        .budgets(Budgets {
            crashes: 1,
            restarts: 1,
            ..Budgets::default()
        });
    let one = explore::search(forget_vote(), &config);
    let c = one.expect_violation();
    assert_eq!(c.check, "election-safety", "{c}");
    assert!(c.path.len() <= 16, "{c}");
    assert!(c.path.iter().any(|s| s.label.starts_with("restart")), "{c}");
    assert!(one.walks < 20_000, "stopped at the first violating walk");
    assert!(!one.exhausted);
    let two = explore::search(forget_vote(), &config.clone().jobs(2));
    assert_eq!(two, one, "2 jobs walk differently");
}

/// The same seed walks the same paths: equal reports run after run and for
/// every number of threads; another seed takes other paths.
#[test]
fn random_walks_are_a_function_of_the_seed() {
    let two_pc = "scenarios/explore-2pc.toml";
    let config = spec(two_pc).walk(300).depth(12);
    let walk = |seed| same_for_every_jobs(|| sim(two_pc, None, Some(seed), &[]), &config);
    let first = walk(5);
    assert_eq!(walk(5), first);
    first.assert_no_violation();
    assert_eq!(first.walks, 300);
    assert_eq!(
        first.transitions,
        300 * 12,
        "no walk ends early on a duplicating wire"
    );
    assert!(first.unique_states > 1000, "{}", first.unique_states);
    assert_ne!(walk(6).unique_states, first.unique_states);

    // Cut by the state bound in the middle of a walk, at the same step.
    let cut = same_for_every_jobs(
        || sim(two_pc, None, Some(5), &[]),
        &config.clone().states(777),
    );
    assert_eq!(cut.unique_states, 777);
    assert_eq!(cut.limits.last(), Some(&Limit::States));
}

/// `distlab explore --jobs 2` prints the same JSON report as one job (bar
/// the wall time), breadth and depth first; a random walk's
/// counterexample replays.
#[test]
fn the_command_line_runs_jobs_and_walks() {
    let json = |extra: &[&str]| {
        let mut args = vec![
            "explore",
            "scenarios/explore-2pc.toml",
            "--depth",
            "7",
            "--json",
        ];
        args.extend_from_slice(extra);
        let out = support::distlab(&args);
        assert_eq!(support::code(&out), 0, "{}", support::stderr(&out));
        let mut value = support::json(&out);
        value
            .as_object_mut()
            .expect("an object")
            .remove("wall_seconds");
        value
    };
    let one = json(&[]);
    assert_eq!(one["unique_states"], 2197);
    assert_eq!(json(&["--jobs", "2"]), one);
    let dfs = json(&["--dfs"]);
    assert_eq!(dfs["unique_states"], 2197);
    assert_eq!(json(&["--dfs", "--jobs", "2"]), dfs);
    assert_eq!(
        json(&["--dfs", "--jobs", "3", "--states", "999"]),
        json(&["--dfs", "--states", "999"])
    );

    let dir = std::env::temp_dir().join(format!("distlab-explore-walk-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("walk.json");
    let out_text = out.to_str().expect("UTF-8 path");
    let found = support::distlab(&[
        "explore",
        "scenarios/2pc-bug-presume-commit.toml",
        "--nodes",
        "3",
        "--walks",
        "50",
        "--jobs",
        "2",
        "--out",
        out_text,
    ]);
    let text = support::stdout(&found);
    assert_eq!(support::code(&found), 1, "{text}");
    assert!(text.contains("walk (50 walks)"), "{text}");
    assert!(text.contains("sampled by 1 random walk(s)"), "{text}");
    let replayed = support::distlab(&["replay", out_text]);
    let replay_text = support::stdout(&replayed);
    assert_eq!(support::code(&replayed), 1, "{replay_text}");
    assert!(
        replay_text.contains("replay: reproduced seed 3 with"),
        "{replay_text}"
    );
    let _ = std::fs::remove_dir_all(&dir);

    let zero = support::distlab(&["explore", "scenarios/explore-pingpong.toml", "--jobs", "0"]);
    assert_eq!(support::code(&zero), 3);
}
