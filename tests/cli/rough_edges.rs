//! Issue 19's rough edges of a first hour, one test each: what used to be
//! accepted in silence (or said something misleading) and what is said now.

use crate::support::{code, distlab, stderr, stdout};
use std::path::PathBuf;

/// A fresh temporary folder for one test.
fn temp(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-rough-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Exit code 3, no panic, and this exact message (snapshotted).
fn bad(name: &str, args: &[&str]) {
    let out = distlab(args);
    let err = stderr(&out);
    assert_eq!(code(&out), 3, "{name}: {err}{}", stdout(&out));
    assert!(!err.contains("panicked"), "{name} panicked: {err}");
    insta::assert_snapshot!(name, err);
}

#[test]
fn check_history_of_an_empty_file_is_an_error_not_linearizable() {
    // It said "linearizable" and exited 0.
    bad(
        "check-history-empty",
        &["check-history", "tests/fixtures/histories/empty.jsonl"],
    );
}

#[test]
fn a_runs_history_exports_and_checks_and_a_trace_says_what_to_do() {
    let dir = temp("history");
    let out = distlab(&["export", "scenarios/raft-basic.toml", "--format", "history"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let history = dir.join("history.jsonl");
    std::fs::write(&history, &out.stdout).expect("writes");
    assert!(
        stderr(&out).contains("exported the history of seed 1: 724 events"),
        "{}",
        stderr(&out)
    );
    let checked = distlab(&["check-history", &history.to_string_lossy()]);
    let text = stdout(&checked);
    assert_eq!(code(&checked), 0, "{text}{}", stderr(&checked));
    assert!(text.contains(": linearizable"), "{text}");
    assert!(text.contains("362 operations (362 ok, 0 info"), "{text}");
    // The trace is not a history: the error says how to get one.
    let out = distlab(&["export", "scenarios/raft-basic.toml", "--format", "jsonl"]);
    let trace = dir.join("trace.jsonl");
    std::fs::write(&trace, &out.stdout).expect("writes");
    let checked = distlab(&["check-history", &trace.to_string_lossy()]);
    assert_eq!(code(&checked), 3);
    let err = stderr(&checked);
    assert!(!err.contains("invalid type"), "{err}");
    assert!(
        err.contains(":1: this is a line of a run's trace")
            && err.contains("distlab export SCENARIO --format history"),
        "{err}"
    );
}

#[test]
fn completed_operations_do_not_log_timeouts() {
    // raft-basic: 362 operations, all answered, and 362 `client-timeout`
    // events; the timers still fire (the trace hash is unchanged) but as
    // lapsed bookkeeping, not timeouts.
    let out = distlab(&["export", "scenarios/raft-basic.toml", "--format", "jsonl"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(text.matches("\"kind\":\"client-timeout\"").count(), 0);
    assert_eq!(text.matches("already answered").count(), 362);
    assert!(
        stderr(&out).contains("trace-hash 0x08f99740a71948f8"),
        "the pinned hash: {}",
        stderr(&out)
    );
    // A run whose operations do time out still says so: an isolated
    // leader leaves some operations without an answer.
    let run = distlab(&["run", "scenarios/raft-leader-isolated.toml", "--json"]);
    let report = crate::support::json(&run);
    let info = report["operations"]["info"].as_u64().expect("info count");
    let out = distlab(&[
        "export",
        "scenarios/raft-leader-isolated.toml",
        "--format",
        "jsonl",
    ]);
    let timeouts = stdout(&out)
        .lines()
        .filter(|l| l.contains("\"kind\":\"client-timeout\""))
        .count() as u64;
    assert!(timeouts > 0, "the scenario has timeouts");
    assert!(
        timeouts <= info,
        "{timeouts} timeouts, {info} info operations"
    );
}

#[test]
fn sweep_params_checks_metrics_and_the_chart_path_before_sweeping() {
    // An unknown metric printed a column of "-" and exited 0.
    bad(
        "sweep-params-unknown-metric",
        &[
            "sweep-params",
            "scenarios/gossip-rumor.toml",
            "--param",
            "fanout=1,2",
            "--seeds",
            "0..2",
            "--metrics",
            "nosuch",
        ],
    );
    // An unwritable chart failed only after the whole sweep: now nothing
    // runs (no table on stdout).
    let out = distlab(&[
        "sweep-params",
        "scenarios/gossip-rumor.toml",
        "--param",
        "fanout=1,2",
        "--seeds",
        "0..2",
        "--svg",
        "/nonexistent/x.svg",
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_eq!(stdout(&out), "", "no sweep ran");
    assert!(
        stderr(&out).starts_with("distlab: cannot write /nonexistent/x.svg"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_failed_sweep_params_leaves_an_earlier_chart_alone() {
    let dir = temp("chart");
    let chart = dir.join("chart.svg");
    std::fs::write(&chart, "<svg>earlier</svg>").expect("writes");
    let out = distlab(&[
        "sweep-params",
        "scenarios/gossip-rumor.toml",
        "--param",
        "fanout=1,2",
        "--seeds",
        "0..2",
        "--metrics",
        "nosuch",
        "--svg",
        &chart.to_string_lossy(),
    ]);
    assert_eq!(code(&out), 3, "{}", stderr(&out));
    assert_eq!(
        std::fs::read_to_string(&chart).expect("still there"),
        "<svg>earlier</svg>"
    );
    // And a chart this run would have created is not left empty.
    let fresh = dir.join("fresh.svg");
    let out = distlab(&[
        "sweep-params",
        "scenarios/gossip-rumor.toml",
        "--param",
        "fanout=1,2",
        "--metrics",
        "nosuch",
        "--svg",
        &fresh.to_string_lossy(),
    ]);
    assert_eq!(code(&out), 3);
    assert!(!fresh.exists(), "an empty chart was left behind");
}

#[test]
fn list_says_where_it_looked_for_scenarios() {
    bad(
        "list-scenarios-missing",
        &["list", "--scenarios", "/nonexistent"],
    );
    // Outside the repository the default folder is missing: say so.
    let dir = temp("list");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_distlab"))
        .arg("list")
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    assert!(
        text.contains("(none: there is no folder scenarios in ")
            && text.contains("run distlab from the repository's root, or pass --scenarios DIR"),
        "{text}"
    );
}

#[test]
fn flags_that_make_no_sense_are_refused() {
    bad(
        "sweep-jobs-zero",
        &[
            "sweep",
            "scenarios/broadcast-basic.toml",
            "--seeds",
            "0..2",
            "--jobs",
            "0",
        ],
    );
    // The tour is a quiz: no reference to grade.
    bad(
        "lab-check-tour-reference",
        &["lab", "check", "00", "--reference"],
    );
}

#[test]
fn the_tui_without_a_terminal_says_what_to_use_instead() {
    // The test harness pipes stdout: no terminal. It said "No such device
    // or address (os error 6)".
    bad(
        "tui-without-terminal",
        &["tui", "scenarios/raft-basic.toml"],
    );
}

#[test]
fn typos_and_counts_read_right() {
    // A swapped pair of letters at the top level gets a suggestion, as a
    // doubled letter (`durration`) did.
    bad(
        "top-level-typo",
        &["run", "tests/fixtures/bad_inputs/top-level-typo.toml"],
    );
    // "there are 1 nodes" → "there is 1 node".
    bad(
        "one-node-fault",
        &["run", "tests/fixtures/bad_inputs/one-node-fault.toml"],
    );
}

#[test]
fn one_skipped_operation_is_one_operation() {
    // The explanation said "... 1 earlier operations ...".
    let out = distlab(&[
        "check-history",
        "tests/fixtures/histories/register-stale-read-after-9-writes.jsonl",
        "--model",
        "register",
    ]);
    assert_eq!(code(&out), 1, "{}", stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("... 1 earlier operation ..."), "{text}");
}
