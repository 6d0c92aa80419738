//! `distlab sweep`: many seeds, in parallel, with a progress bar.
//!
//! Each simulation stays single-threaded; worker threads take seeds from a
//! shared counter and results are stored by seed, so the output does not depend
//! on `--jobs`.

use super::common::{self, ScenarioArgs};
use super::failure::{Failure, FailureFile};
use crate::scenario::engine::BuildOptions;
use crate::scenario::Scenario;
use crate::sim::hash::StableHasher;
use crate::sim::{RunReport, Verdict};
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use std::hash::Hasher;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

/// Arguments of `distlab sweep`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab sweep scenarios/broadcast-lossy.toml --seeds 0..2000\n  distlab sweep scenarios/broadcast-partition.toml --seeds 0..10000 --jobs 2 --shard 0/4\n\nEvery failing seed is printed with the command that replays it, and all failures\nare written to the --failures file for `distlab replay FILE`. A seed whose protocol code\npanics is a failed seed (\"panic at FILE:LINE: message\"); the sweep goes on.\n\nExit codes: the worst over the seeds: 0 all passed, 1 safety violation, 2 liveness\nfailure, 4 the implementation panicked; 3 bad input."
)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seeds to run, `START..END` (END excluded).
    #[arg(long, value_parser = parse_seeds)]
    pub seeds: (u64, u64),
    /// Worker threads (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Run only shard I of N: the seeds whose position in the range is I modulo N.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Where to write the failures (only written when there are some).
    #[arg(long, default_value = "distlab-failures.json")]
    pub failures: PathBuf,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
}

/// Parse `A..B`.
pub fn parse_seeds(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("expected a seed range like 0..1000 (end excluded), got {text:?}");
    let (a, b) = text.split_once("..").ok_or_else(bad)?;
    let a: u64 = a.trim().parse().map_err(|_| bad())?;
    let b: u64 = b.trim().parse().map_err(|_| bad())?;
    if b <= a {
        return Err(format!(
            "the seed range {text:?} is empty: the end must be greater than the start"
        ));
    }
    Ok((a, b))
}

/// Parse `I/N`.
pub fn parse_shard(text: &str) -> Result<(u64, u64), String> {
    let bad = || format!("expected a shard like 0/4 (index/count), got {text:?}");
    let (i, n) = text.split_once('/').ok_or_else(bad)?;
    let i: u64 = i.trim().parse().map_err(|_| bad())?;
    let n: u64 = n.trim().parse().map_err(|_| bad())?;
    if n == 0 || i >= n {
        return Err(format!(
            "shard index must be below the shard count, got {text:?}"
        ));
    }
    Ok((i, n))
}

struct Outcome {
    seed: u64,
    report: RunReport,
}

/// Run the command.
pub fn run(args: &SweepArgs) -> i32 {
    let overrides = args.scenario.overrides(None);
    let scenario = match common::guard_build(|| common::load(&args.scenario.scenario, &overrides)) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let (start, end) = args.seeds;
    let (shard, shards) = args.shard.unwrap_or((0, 1));
    let seeds: Vec<u64> = (start..end)
        .filter(|s| (s - start) % shards == shard)
        .collect();
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 256);
    let started = std::time::Instant::now(); // allow-nondeterminism: progress and summary only
    let outcomes = match run_seeds(&scenario, &seeds, jobs) {
        Ok(o) => o,
        Err((e, code)) => {
            common::report_error(e);
            return code;
        }
    };
    let wall = started.elapsed().as_secs_f64();
    summarise(args, &scenario, &outcomes, wall)
}

/// Run every seed; `Err` is a message and the exit code (a build that
/// failed, or panicked: a panic in a handler is a failed seed instead).
fn run_seeds(
    scenario: &Scenario,
    seeds: &[u64],
    jobs: usize,
) -> Result<Vec<Outcome>, (String, i32)> {
    let bar = ProgressBar::new(seeds.len() as u64);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} seeds {per_sec} {msg}",
        )
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("failures: 0");
    let next = AtomicUsize::new(0);
    let failures = AtomicU64::new(0);
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new((0..seeds.len()).map(|_| None).collect());
    let error: Mutex<Option<(String, i32)>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(seeds.len()) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(&seed) = seeds.get(i) else { break };
                let site =
                    || format!("building seed {seed} (the scenario, the node's constructor)");
                let built = crate::sim::catch_panic(site, || {
                    common::build(scenario, seed, &BuildOptions::default())
                });
                let report = match built {
                    Ok(Ok(mut sim)) => sim.run(),
                    Ok(Err(e)) => {
                        *error.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some((e, super::EXIT_BAD_INPUT));
                        break;
                    }
                    Err(panic) => {
                        let e = format!("the implementation panicked while {panic}");
                        *error.lock().unwrap_or_else(|p| p.into_inner()) =
                            Some((e, super::EXIT_PANIC));
                        break;
                    }
                };
                if report.verdict != Verdict::Pass {
                    let n = failures.fetch_add(1, Ordering::Relaxed) + 1;
                    bar.set_message(format!("failures: {n}"));
                }
                results.lock().unwrap_or_else(|p| p.into_inner())[i] =
                    Some(Outcome { seed, report });
                bar.inc(1);
            });
        }
    });
    bar.finish_and_clear();
    if let Some(e) = error.into_inner().unwrap_or_else(|p| p.into_inner()) {
        return Err(e);
    }
    Ok(results
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect())
}

fn summarise(args: &SweepArgs, scenario: &Scenario, outcomes: &[Outcome], wall: f64) -> i32 {
    let mut h = StableHasher::new();
    for o in outcomes {
        h.write_u64(o.seed);
        h.write(o.report.trace_hash.as_bytes());
    }
    let sweep_hash = crate::sim::trace::format_hash(h.finish());
    let failed: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| o.report.verdict != Verdict::Pass)
        .collect();
    let path = &args.scenario.scenario;
    let failures: Vec<Failure> = failed
        .iter()
        .map(|o| Failure::from_report(path, &scenario.source.text, &args.scenario, &o.report))
        .collect();
    if !failures.is_empty() {
        let file = FailureFile {
            distlab_failures: 1,
            failures: failures.clone(),
        };
        let written = serde_json::to_string_pretty(&file)
            .map_err(|e| e.to_string())
            .and_then(|text| {
                std::fs::write(&args.failures, text + "\n").map_err(|e| e.to_string())
            });
        if let Err(e) = written {
            return common::report_error(format!("cannot write {}: {e}", args.failures.display()));
        }
    }
    if args.json {
        let value = serde_json::json!({
            "scenario": scenario.name,
            "seeds": {"start": args.seeds.0, "end": args.seeds.1},
            "shard": args.shard.map(|(i, n)| format!("{i}/{n}")),
            "runs": outcomes.len(),
            "passed": outcomes.len() - failed.len(),
            "failed": failed.len(),
            "failures": failures,
            "sweep_hash": sweep_hash,
        });
        println!("{value}");
    } else {
        for (o, f) in failed.iter().zip(&failures) {
            match &o.report.panic {
                Some(p) => println!(
                    "FAIL seed {}: panic at {}: {} (in {}, step {})",
                    o.seed,
                    p.location.as_deref().unwrap_or("an unknown location"),
                    p.message,
                    p.site,
                    o.report.steps
                ),
                None => println!(
                    "FAIL seed {}: {} ({})",
                    o.seed,
                    f.verdict,
                    f.failed_checks.join(", ")
                ),
            }
            println!(
                "  replay: {}",
                common::replay_command(path, o.seed, &args.scenario)
            );
        }
        let steps: u64 = outcomes.iter().map(|o| o.report.steps).sum();
        println!(
            "swept {} seeds of {}: {} passed, {} failed",
            outcomes.len(),
            scenario.name,
            outcomes.len() - failed.len(),
            failed.len()
        );
        if !failures.is_empty() {
            println!(
                "failures written to {} (replay them all: distlab replay {})",
                args.failures.display(),
                args.failures.display()
            );
        }
        println!("sweep-hash: {sweep_hash}");
        eprintln!(
            "wall time: {wall:.2}s ({:.0} seeds/s, {:.2} M events/s)",
            outcomes.len() as f64 / wall.max(1e-9),
            steps as f64 / wall.max(1e-9) / 1e6
        );
    }
    match failed.iter().map(|o| o.report.verdict.exit_code()).max() {
        Some(code) => code,
        None => super::EXIT_OK,
    }
}
