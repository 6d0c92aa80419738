//! Helpers shared by the test binaries, in one place. Each binary
//! (`tests/<area>/main.rs`) that needs them declares
//! `#[path = "../support/mod.rs"] mod support;`.
//!
//! - this module: run the real `distlab` binary, read its output, variants
//!   of the shipped scenarios.
//! - `tui`: TUI sessions on shipped scenarios, one whose check fails,
//!   rendering to text.
//! - `labs`: the checks every lab's tests make (grading, the cheat
//!   catalogue, cutting skeletons from solutions).

#![allow(dead_code)]

pub mod labs;
pub mod tui;

use std::process::{Command, Output};

/// The metric `name` of a run's report; panics, listing the metrics the
/// run has, when it has no such metric.
pub fn metric<'r>(report: &'r distlab::sim::RunReport, name: &str) -> &'r str {
    report
        .metric(name)
        .unwrap_or_else(|| panic!("no metric {name} in {:?}", report.metrics))
}

/// Run `distlab` with `args` from the package root.
pub fn distlab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_distlab"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the distlab binary runs")
}

/// Stdout as text.
pub fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Stderr as text.
pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Exit code (-1 if killed by a signal).
pub fn code(out: &Output) -> i32 {
    out.status.code().unwrap_or(-1)
}

/// Parse stdout as one JSON object.
pub fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {}", stdout(out)))
}

/// The shipped scenarios.
pub const SCENARIOS: [&str; 3] = [
    "scenarios/broadcast-basic.toml",
    "scenarios/broadcast-partition.toml",
    "scenarios/broadcast-lossy.toml",
];

/// A copy of a shipped scenario with one line replaced, written to a temp file.
pub fn variant(path: &str, from: &str, to: &str, name: &str) -> String {
    let text = std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .expect("scenario exists");
    assert!(text.contains(from), "{path} has no {from:?}");
    let dir = std::env::temp_dir().join(format!("distlab-tests-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join(name);
    std::fs::write(&out, text.replace(from, to)).expect("write variant");
    out.to_string_lossy().into_owned()
}

/// The scenario at `path`, with the bug switch `bug` on, fails first at
/// seed `first` (searching 0..1000, or `DISTLAB_SEEDS`) with one of
/// `checks` failing; the same seed passes once its `bugs = ["bug"]` line
/// is removed. `test` names the calling test in the failure message.
pub fn bug_caught_at(test: &str, path: &str, bug: &str, checks: &[&str], first: u64) {
    use distlab::check::Outcome;
    use distlab::sim::Verdict;
    use distlab::testing;
    let scenario = testing::load(path);
    let seeds = testing::seeds_from_env(0..1000);
    let Some(report) = testing::first_failure(&scenario, seeds.clone()) else {
        panic!("{path}: the bug `{bug}` was not caught in seeds {seeds:?}");
    };
    let message = testing::failure_message(test, path, &report);
    println!("{message}");
    assert_eq!(report.seed, first, "{message}");
    let failed: Vec<&str> = report
        .checks
        .iter()
        .filter(|c| matches!(c.outcome, Outcome::Fail(_)))
        .map(|c| c.name.as_str())
        .collect();
    assert!(
        failed.iter().any(|c| checks.contains(c)),
        "{path}: expected one of {checks:?} to fail, got {failed:?}"
    );
    let line = format!("bugs = [\"{bug}\"]");
    let fixed = variant(path, &line, "", &format!("fixed-{bug}.toml"));
    let fixed = testing::run(&testing::load(&fixed), report.seed);
    assert_eq!(
        fixed.verdict,
        Verdict::Pass,
        "without the bug, seed {} must pass: {fixed:#?}",
        report.seed
    );
}
