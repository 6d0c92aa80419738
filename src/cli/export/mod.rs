//! `distlab export`: a run's full trace, as JSON Lines or as a ShiViz log,
//! or its picture (`pictures`: a self-contained HTML page or an SVG).

mod pictures;

use super::common::{self, ScenarioArgs};
use crate::cli::Context;
use crate::scenario::engine::BuildOptions;
use crate::scenario::Scenario;
use crate::sim::happens_before::{HappensBefore, SHIVIZ_DELIMITER, SHIVIZ_REGEX};
use crate::sim::{DynSim, RunReport, StepResult, TraceLevel};
use clap::{Args, ValueEnum};
use std::io::Write;

/// Export formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// One JSON object per step (see docs/architecture.md).
    Jsonl,
    /// A ShiViz log: vector clocks per event, one execution per seed (docs/shiviz.md).
    Shiviz,
    /// The run's client history (invocations and completions), one event
    /// per line, as `distlab check-history` reads it.
    History,
    /// One self-contained HTML page: the run's space-time diagram, scrolling,
    /// zooming, with details on click (docs/pictures.md).
    Html,
    /// A static SVG of the space-time diagram of a range of steps (`--steps`).
    Svg,
}

/// Arguments of `distlab export`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab export scenarios/broadcast-basic.toml --seed 3 --format jsonl > trace.jsonl\n  distlab export scenarios/broadcast-partition.toml --seeds 0..3 --format shiviz > run.shiviz\n  distlab export scenarios/raft-leader-isolated.toml --format html > run.html\n  distlab export scenarios/raft-leader-isolated.toml --format svg --steps 3150..3250 > isolate.svg\n  distlab export scenarios/raft-basic.toml --format history > history.jsonl\n  distlab check-history history.jsonl --model kv\n\nThe html page draws the whole run: scroll, zoom (+/-, ctrl+wheel), click a mark for its step;\nopen run.html#step=3164 to start at step 3164. The svg draws --steps (default: the first\n100 steps, or the 100 ending 10 after a failing check's step).\n\nOpen a .shiviz file at https://bestchai.bitbucket.io/shiviz/ (\"Try out ShiViz\", then\nupload the file): the regular expressions on its first two lines tell ShiViz how to read it.\n\nThe trace is written whatever the verdict. Exit codes: 0 all checks passed, 1 safety\nviolation, 2 liveness failure, 3 bad input, 4 the implementation panicked, 6 a check\ncould not decide."
)]
pub struct ExportArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seed (default: the scenario's `seed`).
    #[arg(long, conflicts_with = "seeds")]
    pub seed: Option<u64>,
    /// Several seeds, `START..END` (END excluded), as separate ShiViz executions.
    #[arg(long, value_parser = super::sweep::parse_seeds)]
    pub seeds: Option<(u64, u64)>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
    /// For `--format svg`: the steps to draw, `A..B` (B excluded) or `A..=B`,
    /// at most 1000, e.g. `--steps 1..101`.
    #[arg(long, value_name = "A..B", value_parser = pictures::parse_steps)]
    pub steps: Option<crate::pictures::run::StepRange>,
}

fn run_full(
    ctx: &Context,
    scenario: &Scenario,
    seed: u64,
) -> Result<(Box<dyn DynSim>, RunReport), String> {
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let mut sim = common::build(ctx, scenario, seed, &options)?;
    let report = sim.run();
    Ok((sim, report))
}

/// Most seeds one `--seeds` export takes: every seed is a full run whose
/// trace is kept, and ShiViz shows a handful of executions at a time.
pub const MAX_EXPORT_SEEDS: u64 = 1000;

/// Check the flags before any work (exit 3 on a bad one).
fn validate(args: &ExportArgs) -> Result<(), String> {
    if args.steps.is_some() && args.format != Format::Svg {
        return Err("--steps chooses the steps an SVG draws; it goes with --format svg (the html page holds every step)".into());
    }
    if let Some((start, end)) = args.seeds {
        let count = end - start;
        if count > MAX_EXPORT_SEEDS {
            return Err(format!(
                "--seeds {start}..{end} holds {count} seeds; export takes at most {MAX_EXPORT_SEEDS} (each is a full run kept in memory)"
            ));
        }
    }
    Ok(())
}

/// Kept entries written out and forgotten at a time by the streaming export.
const STREAM_CHUNK: usize = 4096;

/// Stream one run's trace as JSON Lines to stdout while it runs: memory does
/// not grow with the run's length (the trace hash is the same as `run`'s).
fn export_jsonl(ctx: &Context, scenario: &Scenario, seed: u64) -> i32 {
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let mut sim = match common::guard_build(|| common::build(ctx, scenario, seed, &options)) {
        Ok(sim) => sim,
        Err(code) => return code,
    };
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let written = stream_run(sim.as_mut(), &mut out);
    let report = sim.finish();
    let written = written
        .and_then(|()| sim.drain_trace_jsonl(&mut out))
        .and_then(|()| out.flush());
    if let Err(e) = written {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return common::report_error(format!("cannot write the trace: {e}"));
        }
    }
    exported(seed, &report)
}

/// Say on stderr what was exported (and a panic that stopped the run);
/// the run's exit code.
fn exported(seed: u64, report: &RunReport) -> i32 {
    eprintln!(
        "exported seed {seed}: {} steps; verdict {}; trace-hash {}",
        report.steps,
        common::verdict_name(report.verdict),
        report.trace_hash
    );
    if let Some(p) = &report.panic {
        eprintln!("stopped at step {} by a panic: {p}", report.steps);
    }
    report.verdict.exit_code()
}

/// Write one run's client history as JSON Lines (what `check-history`
/// reads): times in nanoseconds of virtual time, one process per client
/// (a new one after an indeterminate operation, as Jepsen does).
fn export_history(ctx: &Context, scenario: &Scenario, seed: u64) -> i32 {
    let run = common::guard_build(|| {
        let mut sim = common::build(ctx, scenario, seed, &BuildOptions::default())?;
        let report = sim.run();
        Ok((sim, report))
    });
    let (sim, report) = match run {
        Ok(run) => run,
        Err(code) => return code,
    };
    let history = sim.history();
    let text = crate::check::history_io::to_jsonl(history);
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return common::report_error(format!("cannot write the history: {e}"));
        }
    }
    if history.events.is_empty() {
        eprintln!(
            "distlab: seed {seed} of {} recorded no client operations (no [workload]?): the history is empty",
            scenario.name
        );
    }
    eprintln!(
        "exported the history of seed {seed}: {} events; verdict {}; trace-hash {}",
        history.events.len(),
        common::verdict_name(report.verdict),
        report.trace_hash
    );
    report.verdict.exit_code()
}

/// Step to the end of the run (as `DynSim::run` does), writing the kept
/// entries out every [`STREAM_CHUNK`] steps.
fn stream_run(sim: &mut dyn DynSim, out: &mut dyn Write) -> std::io::Result<()> {
    while sim.step() == StepResult::Progressed {
        if sim.trace_len() >= STREAM_CHUNK {
            sim.drain_trace_jsonl(out)?;
        }
    }
    Ok(())
}

/// Run the command.
pub fn run(ctx: &Context, args: &ExportArgs) -> i32 {
    if let Err(e) = validate(args) {
        return common::report_error(e);
    }
    let overrides = args.scenario.overrides(args.seed);
    let scenario =
        match common::guard_build(|| common::load(ctx, &args.scenario.scenario, &overrides)) {
            Ok(s) => s,
            Err(code) => return code,
        };
    if args.seeds.is_some() && args.format != Format::Shiviz {
        return common::report_error("--seeds exports several runs, which only --format shiviz can hold; use --seed for jsonl, history, html and svg");
    }
    let seeds: Vec<u64> = match args.seeds {
        Some((start, end)) => (start..end).collect(),
        None => vec![scenario.seed],
    };
    if args.format == Format::Jsonl {
        return export_jsonl(ctx, &scenario, seeds[0]);
    }
    if args.format == Format::History {
        return export_history(ctx, &scenario, seeds[0]);
    }
    if matches!(args.format, Format::Html | Format::Svg) {
        return pictures::export_picture(ctx, args, &scenario, seeds[0]);
    }
    let mut text = String::new();
    let mut worst = 0;
    for &seed in &seeds {
        let (sim, report) = match common::guard_build(|| run_full(ctx, &scenario, seed)) {
            Ok(run) => run,
            Err(code) => return code,
        };
        // ShiViz needs the whole run (happens-before); JSON Lines streamed above.
        if text.is_empty() {
            text.push_str(&format!("{SHIVIZ_REGEX}\n{SHIVIZ_DELIMITER}\n"));
        }
        text.push_str(&format!("=== {} seed {seed} ===\n", scenario.name));
        HappensBefore::from_sim(sim.as_ref()).write_shiviz(&mut text);
        worst = super::worse_exit(worst, exported(seed, &report));
    }
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return common::report_error(format!("cannot write the trace: {e}"));
        }
    }
    worst
}
