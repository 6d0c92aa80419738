//! `distlab sweep`: many seeds, in parallel, with a progress bar.
//!
//! Each simulation stays single-threaded. Worker threads claim seed positions
//! from a bounded [`window::Window`], which hands results on in seed order:
//! each failure is printed (FAIL line and replay command) and appended to the
//! failure file as soon as every lower seed is done, and the sweep hash is
//! folded in the same order, so output, file and hash do not depend on
//! `--jobs`. Nothing is kept per seed but failures: memory is
//! O(jobs + failures) whatever the range.
//!
//! A panic in a worker is a failed seed (the engine stops a run at a panic
//! in protocol code; `crate::sim::catch_panic` catches the rest). Ctrl-C stops claiming
//! seeds, lets the running ones finish, writes what was found and prints
//! "interrupted after N of M seeds"; the exit code is then 130. A second
//! Ctrl-C ends the process at once ([`interrupt`]).

mod interrupt;
pub mod merge;
mod pool;
pub mod results;
mod sink;
mod window;

use super::common::{self, ScenarioArgs};
use super::failure::Failure;
use crate::cli::Context;
use crate::scenario::engine::BuildOptions;
use crate::scenario::Scenario;
use crate::sim::hash::StableHasher;
use crate::sim::Verdict;
use clap::Args;
use indicatif::{ProgressBar, ProgressStyle};
use interrupt::Interrupt;
use sink::{FailureSink, SinkOutcome};
use std::hash::Hasher;
use std::path::PathBuf;
use window::SeedRange;

pub use interrupt::EXIT_INTERRUPTED;

/// Results held at most while a slow seed holds back the ones after it.
const WINDOW_LIMIT: u64 = 4096;

/// Arguments of `distlab sweep`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab sweep scenarios/broadcast-lossy.toml --seeds 0..2000\n  distlab sweep scenarios/broadcast-partition.toml --seeds 0..10000 --jobs 2 --shard 0/4\n\nEvery failing seed is printed with the command that replays it, and all failures\nare written to the --failures file for `distlab replay FILE` as they are found (in seed\norder). Ctrl-C stops the sweep: running seeds finish, what was found is written, and\nthe exit code is 130 (a second Ctrl-C quits at once).\n\nSeeds whose checks did not fail but could not all decide (a history search out of\nbudget) are `unknown`: counted apart (\"1990 passed, 0 failed, 10 unknown\"), printed\nand written to the file like failures; `[check] unknown = \"pass\"` counts them as passes.\n\nExit codes (the worst over the seeds): 0 all seeds passed, 4 the implementation\npanicked (a failed seed; the sweep goes on), else 1 a safety violation, else 2 liveness\nfailures, else 6 unknown seeds; 3 bad input, 130 interrupted."
)]
pub struct SweepArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seeds to run, `START..END` (END excluded).
    #[arg(long, value_parser = parse_seeds)]
    pub seeds: (u64, u64),
    /// Worker threads, 1 to 256 (default: the number of cores).
    #[arg(long, value_parser = common::parse_jobs)]
    pub jobs: Option<usize>,
    /// Run only shard I of N: the seeds whose position in the range is I modulo N.
    #[arg(long, value_parser = parse_shard)]
    pub shard: Option<(u64, u64)>,
    /// Where to write the failures (created at the first failure). An
    /// earlier sweep's file there is replaced, or removed if this sweep finds
    /// none; any other file there is left alone and the sweep refuses to run.
    #[arg(long, default_value = "distlab-failures.json")]
    pub failures: PathBuf,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Also write every seed's result to this file, for `distlab merge`
    /// (one file per `--shard`; see docs/scaling.md).
    #[arg(long)]
    pub results: Option<PathBuf>,
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

/// What one seed gave, as small as possible: a sweep holds at most
/// `WINDOW_LIMIT` of these plus its failures.
pub(crate) enum SeedResult {
    Passed {
        trace_hash: String,
        steps: u64,
        /// A check could not decide, and the scenario lets that pass
        /// (`[check] unknown = "pass"`).
        undecided: bool,
    },
    Failed {
        failure: Box<Failure>,
        verdict: Verdict,
        steps: u64,
        /// The panic message, when the seed panicked.
        panic: Option<String>,
    },
}

/// Build and run one seed; any panic on the way is a failed seed.
fn run_seed(
    ctx: &Context,
    scenario: &Scenario,
    args: &SweepArgs,
    seed: u64,
) -> Result<SeedResult, String> {
    let path = &args.scenario.scenario;
    let text = &scenario.source.text;
    let site = || format!("seed {seed} (building or running it, outside a handler)");
    let outcome = crate::sim::catch_panic(site, || {
        let mut sim = common::build(ctx, scenario, seed, &BuildOptions::default())?;
        // A sweep reads no metric: skip them (quorum-kv's cost a second
        // linearizability search).
        let report = sim.run_without_metrics();
        if report.verdict == Verdict::Pass {
            let undecided = !report.unknown_checks().is_empty();
            return Ok(SeedResult::Passed {
                trace_hash: report.trace_hash,
                steps: report.steps,
                undecided,
            });
        }
        Ok(SeedResult::Failed {
            failure: Box::new(Failure::from_report(path, text, &args.scenario, &report)),
            verdict: report.verdict,
            steps: report.steps,
            panic: report
                .panic
                .as_ref()
                .map(|p| panic_line(p, Some(report.steps))),
        })
    });
    match outcome {
        Ok(result) => result,
        Err(panic) => Ok(SeedResult::Failed {
            failure: Box::new(Failure {
                scenario: path.clone(),
                scenario_hash: super::failure::text_hash(text),
                scenario_text: None,
                origin: None,
                seed,
                nodes: args.scenario.nodes,
                duration_ns: args.scenario.duration.map(crate::sim::SimTime::as_nanos),
                verdict: common::verdict_name(Verdict::Panic).to_string(),
                failed_checks: vec!["panic".into()],
                trace_hash: super::failure::NO_TRACE.into(),
                steps: 0,
                actions: Vec::new(),
                stop_at_step: None,
                explore: None,
            }),
            verdict: Verdict::Panic,
            steps: 0,
            panic: Some(panic_line(&panic, None)),
        }),
    }
}

/// A panicking seed's FAIL text: `panic at FILE:LINE:COL: MESSAGE (in
/// SITE, step N)`.
fn panic_line(panic: &crate::sim::PanicReport, step: Option<u64>) -> String {
    let at = panic.location.as_deref().unwrap_or("an unknown location");
    match step {
        Some(step) => format!(
            "panic at {at}: {} (in {}, step {step})",
            panic.message, panic.site
        ),
        None => format!("panic at {at}: {} (in {})", panic.message, panic.site),
    }
}

/// Everything the sweep keeps while results are handed on: counts, the
/// sweep hash folded in seed order, and the failures.
struct Tally {
    hasher: StableHasher,
    runs: u64,
    passed: u64,
    /// Seeds whose verdict is `unknown`: no check failed, one could not
    /// decide (counted apart from failures; written to the file too).
    unknown: u64,
    /// Passed seeds with an undecided check (`[check] unknown = "pass"`).
    passed_undecided: u64,
    steps: u64,
    worst: Verdict,
    failures: Vec<Failure>,
    /// Every seed's record, kept only for `--results`.
    records: Option<Vec<results::SeedRecord>>,
}

impl Tally {
    fn new(keep_records: bool) -> Self {
        Tally {
            records: keep_records.then(Vec::new),
            hasher: StableHasher::new(),
            runs: 0,
            passed: 0,
            unknown: 0,
            passed_undecided: 0,
            steps: 0,
            worst: Verdict::Pass,
            failures: Vec::new(),
        }
    }

    /// Seeds that failed a check or panicked (not the undecided ones).
    fn failed(&self) -> u64 {
        self.runs - self.passed - self.unknown
    }

    /// `1990 passed, 0 failed, 10 unknown`, with a note when undecided
    /// seeds passed by the scenario's leave.
    fn counts(&self) -> String {
        let mut counts = format!(
            "{} passed, {} failed, {} unknown",
            self.passed,
            self.failed(),
            self.unknown
        );
        if self.passed_undecided > 0 {
            counts.push_str(&format!(
                " ({} of the passes with an undecided check, as `[check] unknown = \"pass\"` allows)",
                self.passed_undecided
            ));
        }
        counts
    }
}

/// Run the command.
pub fn run(ctx: &Context, args: &SweepArgs) -> i32 {
    let scenario = match common::load(ctx, &args.scenario.scenario, &args.scenario.overrides(None))
    {
        Ok(s) => s,
        Err(e) => return common::report_error(e),
    };
    let (start, end) = args.seeds;
    let (shard, shards) = args.shard.unwrap_or((0, 1));
    let range = SeedRange {
        start,
        end,
        shard,
        shards,
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, 256);
    if let Some(path) = &args.results {
        if let Err(e) = results::check_target(path) {
            return common::report_error(e);
        }
    }
    let mut sink = match FailureSink::open(&args.failures) {
        Ok(sink) => sink,
        Err(e) => return common::report_error(e),
    };
    if sink.has_previous() {
        eprintln!(
            "note: {} holds an earlier sweep's failures; this sweep replaces it",
            args.failures.display()
        );
    }
    let interrupt = Interrupt::install();
    let started = std::time::Instant::now(); // allow-nondeterminism: progress and summary only
    let bar = progress_bar(range.len());
    let mut tally = Tally::new(args.results.is_some());
    let ending = pool::run(
        range,
        jobs,
        WINDOW_LIMIT,
        &interrupt,
        |seed| run_seed(ctx, &scenario, args, seed),
        |_, seed, result| hand_on(args, &bar, &mut sink, &mut tally, seed, result),
        |running| {
            bar.println(format!(
                "interrupted: finishing {running} running seed(s), then writing what was found (Ctrl-C again to quit now)"
            ))
        },
    );
    bar.finish_and_clear();
    drop(interrupt);
    let ending = match ending {
        Ok(ending) => ending,
        Err(e) => {
            let _ = sink.finish(&tally.failures);
            return common::report_error(e);
        }
    };
    let written = match sink.finish(&tally.failures) {
        Ok(outcome) => outcome,
        Err(e) => return common::report_error(e),
    };
    if let (Some(path), Some(records)) = (&args.results, tally.records.take()) {
        let file = results::ResultsFile {
            distlab_sweep_results: results::FORMAT,
            scenario: args.scenario.scenario.clone(),
            scenario_name: scenario.name.clone(),
            scenario_hash: super::failure::text_hash(&scenario.source.text),
            seeds: [start, end],
            shard: [shard, shards],
            nodes: args.scenario.nodes,
            duration_ns: args.scenario.duration.map(crate::sim::SimTime::as_nanos),
            interrupted: ending.interrupted,
            results: records,
        };
        if let Err(e) = results::write(path, &file) {
            return common::report_error(e);
        }
    }
    let wall = started.elapsed().as_secs_f64();
    summarise(
        args,
        &scenario.name,
        range,
        &tally,
        &ending,
        written,
        Some(wall),
    )
}

fn progress_bar(len: u64) -> ProgressBar {
    let bar = ProgressBar::new(len);
    bar.set_style(
        ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} seeds {rate} {msg}",
        )
        .map(|style| {
            // indicatif's own `{per_sec}` prints `66.2628/s`.
            style.with_key(
                "rate",
                |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{}", seeds_per_second(state.per_sec()));
                },
            )
        })
        .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    bar.set_message("failures: 0");
    bar
}

/// A rate for the progress bar, rounded to what a reader can use:
/// `66/s`, `8.4/s`, `0.25/s`.
pub fn seeds_per_second(rate: f64) -> String {
    if !rate.is_finite() || rate <= 0.0 {
        "-/s".to_string()
    } else if rate >= 10.0 {
        format!("{rate:.0}/s")
    } else if rate >= 1.0 {
        format!("{rate:.1}/s")
    } else {
        format!("{rate:.2}/s")
    }
}

/// One result, in seed order: fold it into the hash and, for a failure,
/// print it and append it to the file.
fn hand_on(
    args: &SweepArgs,
    bar: &ProgressBar,
    sink: &mut FailureSink,
    tally: &mut Tally,
    seed: u64,
    result: SeedResult,
) -> Result<(), String> {
    tally.runs += 1;
    bar.inc(1);
    tally.hasher.write_u64(seed);
    if let Some(records) = &mut tally.records {
        records.push(results::SeedRecord::of(seed, &result));
    }
    match result {
        SeedResult::Passed {
            trace_hash,
            steps,
            undecided,
        } => {
            tally.passed += 1;
            tally.passed_undecided += u64::from(undecided);
            tally.steps += steps;
            tally.hasher.write(trace_hash.as_bytes());
        }
        SeedResult::Failed {
            failure,
            verdict,
            steps,
            panic,
        } => {
            tally.steps += steps;
            tally.unknown += u64::from(verdict == Verdict::Unknown);
            if verdict.severity() > tally.worst.severity() {
                tally.worst = verdict;
            }
            match &panic {
                Some(_) => tally.hasher.write(b"panic"),
                None => tally.hasher.write(failure.trace_hash.as_bytes()),
            }
            if !args.json {
                let what = match &panic {
                    Some(line) => line.clone(),
                    None => format!("{} ({})", failure.verdict, failure.failed_checks.join(", ")),
                };
                let replay = common::replay_command(&args.scenario.scenario, seed, &args.scenario);
                let label = if verdict == Verdict::Unknown {
                    "UNKNOWN"
                } else {
                    "FAIL"
                };
                bar.suspend(|| {
                    println!("{label} seed {seed}: {what}");
                    println!("  replay: {replay}");
                });
            }
            sink.append(&failure)?;
            tally.failures.push(*failure);
            bar.set_message(format!("failures: {}", tally.failed()));
        }
    }
    Ok(())
}

/// Print the summary (or the JSON object) and return the exit code;
/// `wall` is left out for a merge.
fn summarise(
    args: &SweepArgs,
    name: &str,
    range: SeedRange,
    tally: &Tally,
    ending: &pool::Ending,
    written: SinkOutcome,
    wall: Option<f64>,
) -> i32 {
    let sweep_hash =
        (!ending.interrupted).then(|| crate::sim::trace::format_hash(tally.hasher.finish()));
    let resume = resume_flags(args, range, ending);
    if args.json {
        let value = serde_json::json!({
            "scenario": name,
            "seeds": {"start": args.seeds.0, "end": args.seeds.1},
            "shard": args.shard.map(|(i, n)| format!("{i}/{n}")),
            "runs": tally.runs,
            "passed": tally.passed,
            "failed": tally.failed(),
            "unknown": tally.unknown,
            "passed_undecided": tally.passed_undecided,
            "failures": tally.failures,
            "sweep_hash": sweep_hash,
            "interrupted": ending.interrupted,
            "resume": resume,
        });
        println!("{value}");
    } else {
        print_summary(args, name, range, tally, ending, resume.as_deref());
        print_file_outcome(args, written);
        match &sweep_hash {
            Some(hash) => println!("sweep-hash: {hash}"),
            None => println!("sweep-hash: none (interrupted: not every seed ran)"),
        }
        if let Some(wall) = wall {
            eprintln!(
                "wall time: {wall:.2}s ({:.0} seeds/s, {:.2} M events/s)",
                tally.runs as f64 / wall.max(1e-9),
                tally.steps as f64 / wall.max(1e-9) / 1e6
            );
        }
    }
    if ending.interrupted {
        return EXIT_INTERRUPTED;
    }
    tally.worst.exit_code()
}

/// After an interrupt: the flags that run the seeds not yet handed on.
fn resume_flags(args: &SweepArgs, range: SeedRange, ending: &pool::Ending) -> Option<String> {
    if !ending.interrupted || ending.frontier >= range.len() {
        return None;
    }
    let next = range.seed(ending.frontier);
    let mut flags = format!("--seeds {next}..{}", range.end);
    if let Some((_, n)) = args.shard {
        // The first unfinished seed is in this shard: restarting the range
        // there makes it position 0 of shard 0.
        flags.push_str(&format!(" --shard 0/{n}"));
    }
    if let Some(n) = args.scenario.nodes {
        flags.push_str(&format!(" --nodes {n}"));
    }
    if let Some(d) = args.scenario.duration {
        flags.push_str(&format!(" --duration {d}"));
    }
    // Another file, or the resumed sweep would replace this one's failures.
    let stem = args
        .failures
        .file_stem()
        .map_or_else(|| "failures".into(), |s| s.to_string_lossy().into_owned());
    let file = args
        .failures
        .with_file_name(format!("{stem}-from-{next}.json"));
    flags.push_str(&format!(" --failures {}", file.display()));
    Some(flags)
}

fn print_summary(
    args: &SweepArgs,
    name: &str,
    range: SeedRange,
    tally: &Tally,
    ending: &pool::Ending,
    resume: Option<&str>,
) {
    let counts = tally.counts();
    if !ending.interrupted {
        println!("swept {} seeds of {name}: {counts}", tally.runs);
        return;
    }
    println!(
        "interrupted after {} of {} seeds of {name}: {counts}",
        tally.runs,
        range.len(),
    );
    if let Some(flags) = resume {
        let path = args.scenario.scenario.display();
        println!(
            "every seed before {} ran; to go on: distlab sweep {path} {flags}",
            range.seed(ending.frontier)
        );
    }
}

fn print_file_outcome(args: &SweepArgs, written: SinkOutcome) {
    let file = args.failures.display();
    match written {
        SinkOutcome::Nothing => {}
        SinkOutcome::Written { replaced } => {
            let note = if replaced {
                "; it replaces an earlier sweep's file"
            } else {
                ""
            };
            println!(
                "failures written to {file} (replay them all: {} replay {file}){note}",
                common::program()
            );
        }
        SinkOutcome::RemovedStale => {
            println!("no failures: removed {file}, left by an earlier sweep");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::seeds_per_second;

    #[test]
    fn the_progress_rate_is_rounded_to_what_a_reader_uses() {
        // indicatif's `{per_sec}` printed `66.2628/s`.
        assert_eq!(seeds_per_second(66.2628), "66/s");
        assert_eq!(seeds_per_second(8.43), "8.4/s");
        assert_eq!(seeds_per_second(0.254), "0.25/s");
        assert_eq!(seeds_per_second(0.0), "-/s");
        assert_eq!(seeds_per_second(f64::NAN), "-/s");
    }
}
