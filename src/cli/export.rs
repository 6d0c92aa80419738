//! `distlab export`: a run's full trace.

use super::common::{self, ScenarioArgs};
use crate::scenario::engine::BuildOptions;
use crate::sim::TraceLevel;
use clap::{Args, ValueEnum};
use std::io::Write;

/// Export formats.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Format {
    /// One JSON object per step (see docs/architecture.md).
    Jsonl,
}

/// Arguments of `distlab export`.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  distlab export scenarios/broadcast-basic.toml --seed 3 --format jsonl > trace.jsonl"
)]
pub struct ExportArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Output format.
    #[arg(long, value_enum, default_value = "jsonl")]
    pub format: Format,
}

/// Run the command.
pub fn run(args: &ExportArgs) -> i32 {
    let scenario = match common::load(&args.scenario.scenario, &args.scenario.overrides(args.seed))
    {
        Ok(s) => s,
        Err(e) => return common::report_error(e),
    };
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let mut sim = match common::build(&scenario, scenario.seed, &options) {
        Ok(sim) => sim,
        Err(e) => return common::report_error(e),
    };
    let report = sim.run();
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let Format::Jsonl = args.format;
    if let Err(e) = sim.write_trace_jsonl(&mut out).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return common::report_error(format!("cannot write the trace: {e}"));
        }
    }
    eprintln!(
        "exported {} steps; verdict {}; trace-hash {}",
        report.steps,
        common::verdict_name(report.verdict),
        report.trace_hash
    );
    report.verdict.exit_code()
}
