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
//!
//! Without a scenario file, sweep seeds over a [`SimBuilder`] and look at
//! the typed nodes of each finished run:
//!
//! ```
//! use distlab::protocols::broadcast::{builder, BroadcastWorkload, Params};
//! use distlab::sim::{Ratio, SimTime};
//! use distlab::testing;
//! use distlab::workload::ClientConfig;
//!
//! // #[test]
//! fn every_node_holds_every_value() {
//!     let build = |seed| {
//!         builder(Params::default(), 3, seed)
//!             .duration(SimTime::from_secs(1))
//!             .clients(
//!                 ClientConfig::with_rate(1, 20.0, SimTime::from_secs(1)),
//!                 BroadcastWorkload { read_ratio: Ratio::ZERO },
//!             )
//!     };
//!     testing::seeds("every_node_holds_every_value", build)
//!         .over(0..20)
//!         .jobs(2) // the verdict does not depend on it
//!         .inspect(|_seed, sim| {
//!             let sizes: Vec<usize> = sim.live_nodes().map(|(_, n)| n.values.len()).collect();
//!             assert!(sizes.windows(2).all(|w| w[0] == w[1]), "{sizes:?}");
//!         })
//!         .run();
//! }
//! # every_node_holds_every_value();
//! ```
//!
//! A sweep stops at the first failing seed (the lowest, whatever `jobs`),
//! and with `DISTLAB_CHECK_DETERMINISM=1` (or [`SeedSweep::check_determinism`])
//! runs every seed twice and fails when the trace hashes differ: state kept
//! outside the simulation (a global, a `thread_local`, a wall clock) shows
//! up there. Failures panic at the caller's line (`#[track_caller]`).

use crate::check::Outcome;
use crate::registry::Registry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{self, Overrides, Scenario};
use crate::sim::{catch_panic, Node, RunReport, Sim, SimBuilder, Verdict};
use std::ops::Range;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// The environment variable that narrows a seed range to one seed.
pub const SEED_VAR: &str = "DISTLAB_SEED";

/// The environment variable that, set to anything but `0` or empty, runs
/// every seed twice and compares the trace hashes.
pub const CHECK_DETERMINISM_VAR: &str = "DISTLAB_CHECK_DETERMINISM";

/// Whether `DISTLAB_CHECK_DETERMINISM` asks for the determinism self-check.
pub fn determinism_from_env() -> bool {
    std::env::var(CHECK_DETERMINISM_VAR).is_ok_and(|v| !v.is_empty() && v != "0")
}

/// Load a scenario file, panicking with the positioned error if it is invalid.
pub fn load(path: impl AsRef<Path>) -> Scenario {
    scenario::load(path.as_ref(), &Overrides::default()).unwrap_or_else(|e| panic!("{e}"))
}

/// Run `scenario` with `seed` to the end with the built-in protocols.
pub fn run(scenario: &Scenario, seed: u64) -> RunReport {
    run_in(&Registry::builtin(), scenario, seed)
}

/// Run `scenario` with `seed` to the end with `registry`'s protocols (a
/// scenario that names your own protocol).
pub fn run_in(registry: &Registry, scenario: &Scenario, seed: u64) -> RunReport {
    let mut s = scenario.clone();
    s.seed = seed;
    let mut sim = registry
        .build(&s, &BuildOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
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
    first_failure_in(&Registry::builtin(), scenario, seeds)
}

/// [`first_failure`] with `registry`'s protocols.
pub fn first_failure_in(
    registry: &Registry,
    scenario: &Scenario,
    seeds: Range<u64>,
) -> Option<RunReport> {
    seeds
        .map(|seed| run_in(registry, scenario, seed))
        .find(|r| r.verdict != Verdict::Pass)
}

/// Run the scenario at `path` over `seeds` (or `DISTLAB_SEED`) and panic on
/// the first failure with instructions to replay it. With
/// `DISTLAB_CHECK_DETERMINISM=1`, each seed also runs a second time and the
/// trace hashes must match.
#[track_caller]
pub fn check_seeds(test_name: &str, path: &str, seeds: Range<u64>) {
    check_seeds_in(&Registry::builtin(), test_name, path, seeds);
}

/// [`check_seeds`] for a scenario that names a protocol of `registry` (your
/// own, added with [`Registry::with`]). The failure message's replay line
/// runs your crate's binary (`cargo run --release -p <your crate> --
/// replay …`, the crate `cargo test` runs in) when the scenario's protocol
/// is one you added.
#[track_caller]
pub fn check_seeds_in(registry: &Registry, test_name: &str, path: &str, seeds: Range<u64>) {
    let scenario = load(path);
    let twice = determinism_from_env();
    let program = replay_program(registry, scenario.protocol.get_ref());
    for seed in seeds_from_env(seeds) {
        let report = run_in(registry, &scenario, seed);
        if report.verdict != Verdict::Pass {
            panic!(
                "{}",
                scenario_failure_text(test_name, path, &report, &program)
            );
        }
        if twice {
            let again = run_in(registry, &scenario, seed);
            if again.trace_hash != report.trace_hash {
                panic!(
                    "{}",
                    nondeterminism_message(test_name, seed, &report.trace_hash, &again.trace_hash)
                );
            }
        }
    }
}

/// `cargo test`, with `-p <crate>` when the tests run in a crate other than
/// distlab (cargo sets `CARGO_PKG_NAME` for the test binaries it runs), so
/// the replay line works from a workspace root too.
fn cargo_test() -> String {
    match std::env::var("CARGO_PKG_NAME") {
        Ok(package) if package != "distlab" && !package.is_empty() => {
            format!("cargo test -p {package}")
        }
        _ => "cargo test".to_string(),
    }
}

/// The command that replays a scenario of `protocol`: `distlab` for a
/// built-in, else the binary of the crate under test (`CARGO_PKG_NAME`,
/// which cargo sets when it runs the tests), whose `main` is
/// [`crate::cli::main_with`] on the same registry.
fn replay_program(registry: &Registry, protocol: &str) -> String {
    match std::env::var("CARGO_PKG_NAME") {
        Ok(package) if registry.is_added(protocol) && package != "distlab" => {
            format!("cargo run --release -p {package} --")
        }
        _ => "distlab".to_string(),
    }
}

/// The message for a seed whose two runs differ.
fn nondeterminism_message(test_name: &str, seed: u64, first: &str, second: &str) -> String {
    format!(
        "seed {seed} is not deterministic: trace-hash {first}, then {second} on a second run.\n\
         A node keeps state outside the simulation (a global, a thread_local, a static), or reads\n\
         the wall clock, OS randomness or a HashMap's order; all of it must come from ctx\n\
         (ctx.storage(), ctx.rng(), ctx.now()).\n\
         replay in tests:   {SEED_VAR}={seed} {CHECK_DETERMINISM_VAR}=1 {} {test_name}\n",
        cargo_test()
    )
}

/// What a seed of a [`SeedSweep`] came to: its trace hash, or why it failed.
type SeedOutcome = Result<String, String>;

/// A sweep of seeds over a simulation built in code ([`seeds`]): fail-fast,
/// optionally parallel, optionally run twice per seed, with typed access to
/// each finished run.
pub struct SeedSweep<'f, N: Node> {
    name: String,
    build: Box<dyn Fn(u64) -> SimBuilder<N> + Sync + 'f>,
    seeds: Range<u64>,
    jobs: usize,
    determinism: bool,
    inspect: Option<Inspect<'f, N>>,
}

/// What [`SeedSweep::inspect`] runs on each passing run.
type Inspect<'f, N> = Box<dyn Fn(u64, &Sim<N>) + Sync + 'f>;

/// A sweep named `test_name` (the test's function name, for the replay
/// line) over the simulations `build` makes from a seed: by default seeds
/// `0..100`, one thread, determinism self-check as `DISTLAB_CHECK_DETERMINISM`
/// says.
pub fn seeds<'f, N: Node>(
    test_name: &str,
    build: impl Fn(u64) -> SimBuilder<N> + Sync + 'f,
) -> SeedSweep<'f, N> {
    SeedSweep {
        name: test_name.to_string(),
        build: Box::new(build),
        seeds: 0..100,
        jobs: 1,
        determinism: determinism_from_env(),
        inspect: None,
    }
}

/// What a passing sweep ran.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SweepSummary {
    /// Seeds run (each once, or twice with the determinism check).
    pub seeds: u64,
    /// The trace hash of each seed, in seed order.
    pub trace_hashes: Vec<(u64, String)>,
}

impl<'f, N: Node> SeedSweep<'f, N> {
    /// The seeds to run (`DISTLAB_SEED` narrows them to one).
    pub fn over(mut self, seeds: Range<u64>) -> Self {
        self.seeds = seeds;
        self
    }

    /// Run seeds on `jobs` threads (at least 1). The outcome does not
    /// depend on it: a failure is always the lowest failing seed.
    pub fn jobs(mut self, jobs: usize) -> Self {
        self.jobs = jobs.max(1);
        self
    }

    /// Run every seed twice and fail when the trace hashes differ.
    pub fn check_determinism(mut self, on: bool) -> Self {
        self.determinism = on;
        self
    }

    /// Look at each passing run's final state (assert on typed nodes with
    /// `sim.node(id)`, `sim.live_nodes()`, `sim.history()`); a panic here
    /// fails the seed.
    pub fn inspect(mut self, f: impl Fn(u64, &Sim<N>) + Sync + 'f) -> Self {
        self.inspect = Some(Box::new(f));
        self
    }

    /// One seed: build, run, check the verdict, inspect, and run again for
    /// the determinism check.
    fn one(&self, seed: u64) -> SeedOutcome {
        let name = &self.name;
        let runs = if self.determinism { 2 } else { 1 };
        let mut hash: Option<String> = None;
        for _ in 0..runs {
            let mut sim = catch_panic(
                || format!("the sweep's builder at seed {seed}"),
                || (self.build)(seed).build(),
            )
            .map_err(|p| format!("seed {seed}: {p}"))?;
            let report = sim.run();
            if report.verdict != Verdict::Pass {
                return Err(failure_text(name, &report));
            }
            if let Some(first) = &hash {
                if *first != report.trace_hash {
                    return Err(nondeterminism_message(
                        name,
                        seed,
                        first,
                        &report.trace_hash,
                    ));
                }
                continue;
            }
            if let Some(inspect) = &self.inspect {
                catch_panic(|| format!("inspect at seed {seed}"), || inspect(seed, &sim))
                    .map_err(|p| {
                        format!(
                            "seed {seed}: the inspection failed: {p}\nreplay in tests:   {SEED_VAR}={seed} cargo test {name}\n"
                        )
                    })?;
            }
            hash = Some(report.trace_hash);
        }
        Ok(hash.unwrap_or_default())
    }

    /// Run the sweep; panic (at the caller's line) with the lowest failing
    /// seed and how to replay it.
    #[track_caller]
    pub fn run(self) -> SweepSummary {
        match self.try_run() {
            Ok(summary) => summary,
            Err(message) => panic!("{message}"),
        }
    }

    /// Run the sweep; `Err` with the lowest failing seed's message.
    pub fn try_run(self) -> Result<SweepSummary, String> {
        let seeds = seeds_from_env(self.seeds.clone());
        let next = AtomicU64::new(seeds.start);
        // The lowest failing seed so far; seeds above it are not started.
        let lowest_failure = AtomicU64::new(u64::MAX);
        let results: Mutex<Vec<(u64, SeedOutcome)>> = Mutex::new(Vec::new());
        let work = || loop {
            let seed = next.fetch_add(1, Ordering::SeqCst);
            if seed >= seeds.end || seed > lowest_failure.load(Ordering::SeqCst) {
                break;
            }
            let outcome = self.one(seed);
            if outcome.is_err() {
                lowest_failure.fetch_min(seed, Ordering::SeqCst);
            }
            results
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .push((seed, outcome));
        };
        if self.jobs == 1 {
            work();
        } else {
            std::thread::scope(|scope| {
                for _ in 0..self.jobs {
                    scope.spawn(work);
                }
            });
        }
        let mut results = results.into_inner().unwrap_or_else(|e| e.into_inner());
        results.sort_by_key(|(seed, _)| *seed);
        let mut trace_hashes = Vec::new();
        for (seed, outcome) in results {
            match outcome {
                Ok(hash) => trace_hashes.push((seed, hash)),
                Err(message) => return Err(message),
            }
        }
        Ok(SweepSummary {
            seeds: trace_hashes.len() as u64,
            trace_hashes,
        })
    }
}

/// A failing run's verdict and failed checks, and the `cargo test` line
/// that replays it.
fn failure_text(test_name: &str, report: &RunReport) -> String {
    let mut text = format!(
        "seed {} failed ({:?}), trace-hash {}\n",
        report.seed, report.verdict, report.trace_hash
    );
    if let Some(panic) = &report.panic {
        text.push_str(&format!("  panic: {panic}\n"));
    }
    push_checks(&mut text, report);
    text.push_str(&format!(
        "replay in tests:   {SEED_VAR}={} {} {test_name}\n",
        report.seed,
        cargo_test()
    ));
    text
}

/// The failed (and, for an `unknown` verdict, the undecided) checks, one
/// line each.
fn push_checks(text: &mut String, report: &RunReport) {
    for check in &report.checks {
        match &check.outcome {
            Outcome::Fail(why) => {
                text.push_str(&format!("  {} {}: {why}\n", check.kind, check.name));
            }
            Outcome::Unknown(why) if report.verdict == crate::sim::Verdict::Unknown => {
                text.push_str(&format!(
                    "  {} {}: could not decide: {why}\n",
                    check.kind, check.name
                ));
            }
            _ => {}
        }
    }
}

/// The message printed for a failing seed of a scenario of built-in
/// protocols.
pub fn failure_message(test_name: &str, path: &str, report: &RunReport) -> String {
    scenario_failure_text(test_name, path, report, "distlab")
}

/// The message printed for a failing seed, replayed with `program`.
fn scenario_failure_text(test_name: &str, path: &str, report: &RunReport, program: &str) -> String {
    let mut text = format!(
        "scenario {} failed at seed {} ({:?}), trace-hash {}\n",
        report.scenario, report.seed, report.verdict, report.trace_hash
    );
    push_checks(&mut text, report);
    text.push_str(&format!(
        "replay in tests:   {SEED_VAR}={} {} {test_name}\nreplay headless:   {program} replay {path} --seed {}\n",
        report.seed,
        cargo_test(),
        report.seed
    ));
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::broadcast::{builder, Broadcast, BroadcastWorkload, Params};
    use crate::sim::Invariant;
    use crate::sim::{Ratio, SimTime};
    use crate::workload::ClientConfig;

    /// A small broadcast run for `seed`.
    fn small(seed: u64) -> SimBuilder<Broadcast> {
        builder(Params::default(), 3, seed)
            .duration(SimTime::from_secs(1))
            .clients(
                ClientConfig::with_rate(1, 20.0, SimTime::from_secs(1)),
                BroadcastWorkload {
                    read_ratio: Ratio::ZERO,
                },
            )
    }

    /// Fails its end-of-run check on seeds 7, 10, 13, ...
    fn failing_from_seven(seed: u64) -> SimBuilder<Broadcast> {
        small(seed).invariant(Invariant::eventually("seed-below-seven", |sim| {
            match sim.seed() {
                s if s >= 7 && s % 3 == 1 => Err(format!("seed {s} is unlucky")),
                _ => Ok(()),
            }
        }))
    }

    #[test]
    fn a_passing_sweep_is_the_same_on_any_number_of_threads() {
        let one = seeds("t", small).over(0..12).try_run().expect("passes");
        let three = seeds("t", small)
            .over(0..12)
            .jobs(3)
            .try_run()
            .expect("passes");
        assert_eq!(one, three);
        assert_eq!(one.seeds, 12);
        let twice = seeds("t", small)
            .over(0..12)
            .check_determinism(true)
            .try_run();
        assert_eq!(twice, Ok(one));
    }

    #[test]
    fn a_failing_sweep_reports_the_lowest_failing_seed_on_any_number_of_threads() {
        for jobs in [1, 2, 4] {
            let err = seeds("my_test", failing_from_seven)
                .over(0..40)
                .jobs(jobs)
                .try_run()
                .expect_err("seed 7 fails");
            assert!(err.starts_with("seed 7 failed"), "jobs {jobs}: {err}");
            assert!(err.contains("seed-below-seven: seed 7 is unlucky"), "{err}");
            assert!(err.contains("DISTLAB_SEED=7 cargo test my_test"), "{err}");
        }
    }

    /// A seed whose check cannot decide fails the test (not a pass), with
    /// the check's explanation; a builder that accepts undecided checks
    /// passes.
    #[test]
    fn an_undecided_check_fails_the_sweep_unless_accepted() {
        use crate::check::{CheckKind, Outcome, UnknownPolicy};
        let undecided = |seed| {
            small(seed).invariant(Invariant::new("budgeted", CheckKind::AtEnd, |_| {
                Outcome::Unknown("the search used its budget".into())
            }))
        };
        let err = seeds("undecided_test", undecided)
            .over(0..3)
            .try_run()
            .expect_err("unknown is not a pass");
        assert!(err.starts_with("seed 0 failed (Unknown)"), "{err}");
        assert!(
            err.contains("at-end budgeted: could not decide: the search used its budget"),
            "{err}"
        );
        let accepted = move |seed| undecided(seed).unknown(UnknownPolicy::Pass);
        assert!(seeds("t", accepted).over(0..3).try_run().is_ok());
    }

    #[test]
    fn state_outside_the_simulation_fails_the_determinism_check() {
        // A builder that reads a process global: the second run of a seed
        // is another run.
        static RUNS: AtomicU64 = AtomicU64::new(0);
        let leaky = |seed: u64| small(seed + 1000 * RUNS.fetch_add(1, Ordering::SeqCst));
        assert!(seeds("leaky", leaky).over(0..3).try_run().is_ok());
        let err = seeds("leaky", leaky)
            .over(0..3)
            .check_determinism(true)
            .try_run()
            .expect_err("caught");
        assert!(err.starts_with("seed 0 is not deterministic"), "{err}");
        assert!(
            err.contains("DISTLAB_CHECK_DETERMINISM=1 cargo test leaky"),
            "{err}"
        );
    }

    #[test]
    fn inspect_sees_the_typed_nodes_and_its_panics_fail_the_seed() {
        let seen = AtomicU64::new(0);
        seeds("t", small)
            .over(0..5)
            .inspect(|_, sim| {
                let values: usize = sim.live_nodes().map(|(_, n)| n.values.len()).sum();
                seen.fetch_add(values as u64, Ordering::SeqCst);
            })
            .run();
        assert!(seen.load(Ordering::SeqCst) > 0);
        let err = seeds("t", small)
            .over(0..5)
            .jobs(2)
            .inspect(|seed, _| assert!(seed < 2, "too big"))
            .try_run()
            .expect_err("seed 2 fails");
        assert!(err.starts_with("seed 2: the inspection failed"), "{err}");
        assert!(err.contains("too big"), "{err}");
    }
}
