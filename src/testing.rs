//! Replaying seeds inside `cargo test`.
//!
//! ```no_run
//! // tests/my_protocol.rs
//! #[test]
//! fn broadcast_survives_loss() {
//!     distlab::testing::check_seeds("broadcast_survives_loss", "scenarios/broadcast-lossy.toml", 0..200);
//! }
//! ```
//!
//! On failure the test panics with the failing seed, the failed checks, and
//! two ways to replay it: `DISTLAB_SEED=<n> cargo test <name>` (runs only that
//! seed) and `distlab replay <scenario> --seed <n>`.

use crate::check::Outcome;
use crate::registry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{self, Overrides, Scenario};
use crate::sim::{RunReport, Verdict};
use std::ops::Range;
use std::path::Path;

/// The environment variable that narrows a seed range to one seed.
pub const SEED_VAR: &str = "DISTLAB_SEED";

/// Load a scenario file, panicking with the positioned error if it is invalid.
pub fn load(path: impl AsRef<Path>) -> Scenario {
    scenario::load(path.as_ref(), &Overrides::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Run `scenario` with `seed` to the end.
pub fn run(scenario: &Scenario, seed: u64) -> RunReport {
    let mut s = scenario.clone();
    s.seed = seed;
    let mut sim = registry::build(&s, &BuildOptions::default()).unwrap_or_else(|e| panic!("{e}"));
    sim.run()
}

/// `seeds`, or only the seed in `DISTLAB_SEED` when it is set.
///
/// # Panics
/// If `DISTLAB_SEED` is set but is not a number.
pub fn seeds_from_env(seeds: Range<u64>) -> Range<u64> {
    match std::env::var(SEED_VAR) {
        Ok(text) => {
            let seed: u64 = text
                .trim()
                .parse()
                .unwrap_or_else(|_| panic!("{SEED_VAR} must be a number, got {text:?}"));
            seed..seed + 1
        }
        Err(_) => seeds,
    }
}

/// The first seed in `seeds` whose run does not pass, with its report.
pub fn first_failure(scenario: &Scenario, seeds: Range<u64>) -> Option<RunReport> {
    seeds
        .map(|seed| run(scenario, seed))
        .find(|r| r.verdict != Verdict::Pass)
}

/// Run the scenario at `path` over `seeds` (or `DISTLAB_SEED`) and panic on
/// the first failure with instructions to replay it.
pub fn check_seeds(test_name: &str, path: &str, seeds: Range<u64>) {
    let scenario = load(path);
    if let Some(report) = first_failure(&scenario, seeds_from_env(seeds)) {
        panic!("{}", failure_message(test_name, path, &report));
    }
}

/// The message printed for a failing seed.
pub fn failure_message(test_name: &str, path: &str, report: &RunReport) -> String {
    let mut text = format!(
        "scenario {} failed at seed {} ({:?}), trace-hash {}\n",
        report.scenario, report.seed, report.verdict, report.trace_hash
    );
    for check in &report.checks {
        if let Outcome::Fail(why) = &check.outcome {
            text.push_str(&format!("  {} {}: {why}\n", check.kind, check.name));
        }
    }
    text.push_str(&format!(
        "replay in tests:   {SEED_VAR}={} cargo test {test_name}\nreplay headless:   distlab replay {path} --seed {}\n",
        report.seed, report.seed
    ));
    text
}
