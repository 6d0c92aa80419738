//! `distlab merge`: shard results files folded into one sweep's output.
//!
//! The files must be every shard of one sweep (same scenario text, range
//! and overrides; shard indices 0..N each once; none interrupted). Seeds are
//! handed on in range order through the same code a sweep uses
//! ([`super::hand_on`], [`super::summarise`]), so the printout, the failure
//! file and the sweep hash are exactly those of one `distlab sweep` over
//! the whole range.

use super::results::{self, ResultsFile};
use super::sink::FailureSink;
use super::window::SeedRange;
use super::{hand_on, summarise, SweepArgs, Tally};
use crate::cli::common::{self, ScenarioArgs};
use crate::sim::SimTime;
use clap::Args;
use indicatif::ProgressBar;
use std::path::PathBuf;

/// Arguments of `distlab merge`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab sweep scenarios/raft-churn.toml --seeds 0..100000 --shard 0/4 --results shard-0.json\n  ... (shards 1/4, 2/4 and 3/4, on any machines)\n  distlab merge shard-0.json shard-1.json shard-2.json shard-3.json\n\nThe output is exactly what one `distlab sweep` over the whole range prints: the\nsame counts, FAIL lines in seed order, failure file and sweep hash. Every shard\nmust be there once, all from the same scenario text, range and overrides, and\nnone interrupted. docs/scaling.md runs the shards as a Kubernetes Indexed Job\nor a GitHub Actions matrix.\n\nExit codes: as `distlab sweep` (the worst over the seeds); 3 if the files are\nnot one sweep's complete shards."
)]
pub struct MergeArgs {
    /// The shards' results files (`distlab sweep --results FILE`), in any order.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Where to write the failures, as `sweep --failures`.
    #[arg(long, default_value = "distlab-failures.json")]
    pub failures: PathBuf,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
}

/// Run the command.
pub fn run(args: &MergeArgs) -> i32 {
    let shards = match read_all(args) {
        Ok(shards) => shards,
        Err(e) => return common::report_error(e),
    };
    let first = &shards[0];
    let sweep = SweepArgs {
        scenario: ScenarioArgs {
            scenario: first.scenario.clone(),
            nodes: first.nodes,
            duration: first.duration_ns.map(SimTime::from_nanos),
        },
        seeds: (first.seeds[0], first.seeds[1]),
        jobs: None,
        shard: None,
        failures: args.failures.clone(),
        json: args.json,
        results: None,
    };
    let range = SeedRange {
        start: first.seeds[0],
        end: first.seeds[1],
        shard: 0,
        shards: 1,
    };
    let mut sink = match FailureSink::open(&args.failures) {
        Ok(sink) => sink,
        Err(e) => return common::report_error(e),
    };
    if sink.has_previous() {
        eprintln!(
            "note: {} holds an earlier sweep's failures; this merge replaces it",
            args.failures.display()
        );
    }
    let name = first.scenario_name.clone();
    let count = shards.len() as u64;
    let mut queues: Vec<std::vec::IntoIter<results::SeedRecord>> =
        shards.into_iter().map(|f| f.results.into_iter()).collect();
    let bar = ProgressBar::hidden();
    let mut tally = Tally::new(false);
    for position in 0..range.len() {
        let seed = range.seed(position);
        // `read` checked each file's seeds, so the shard's next record is
        // this seed's.
        let Some(record) = queues[(position % count) as usize].next() else {
            return common::report_error(format!("no result for seed {seed}"));
        };
        let result = match record.into_result() {
            Ok(result) => result,
            Err(e) => return common::report_error(e),
        };
        if let Err(e) = hand_on(&sweep, &bar, &mut sink, &mut tally, seed, result) {
            let _ = sink.finish(&tally.failures);
            return common::report_error(e);
        }
    }
    let written = match sink.finish(&tally.failures) {
        Ok(outcome) => outcome,
        Err(e) => return common::report_error(e),
    };
    let ending = super::pool::Ending {
        interrupted: false,
        frontier: range.len(),
    };
    let code = summarise(&sweep, &name, range, &tally, &ending, written, None);
    if !args.json {
        eprintln!("merged {count} shard results files");
    }
    code
}

/// Read every file and check that together they are one sweep's shards,
/// each once; sorted by shard index.
fn read_all(args: &MergeArgs) -> Result<Vec<ResultsFile>, String> {
    let mut shards = Vec::with_capacity(args.files.len());
    for path in &args.files {
        shards.push((path, results::read(path)?));
    }
    let (first_path, first) = &shards[0];
    let count = first.shard[1];
    for (path, file) in &shards {
        let what = |field: &str, a: String, b: String| {
            format!(
                "{} and {} are not shards of one sweep: {field} {a} against {b}",
                first_path.display(),
                path.display()
            )
        };
        if file.scenario_hash != first.scenario_hash {
            return Err(what(
                "scenario text",
                first.scenario_hash.clone(),
                file.scenario_hash.clone(),
            ));
        }
        if file.seeds != first.seeds {
            return Err(what(
                "seeds",
                format!("{}..{}", first.seeds[0], first.seeds[1]),
                format!("{}..{}", file.seeds[0], file.seeds[1]),
            ));
        }
        if file.shard[1] != count {
            return Err(what(
                "shard count",
                count.to_string(),
                file.shard[1].to_string(),
            ));
        }
        if (file.nodes, file.duration_ns) != (first.nodes, first.duration_ns) {
            return Err(what(
                "--nodes/--duration",
                format!("{:?}/{:?}", first.nodes, first.duration_ns),
                format!("{:?}/{:?}", file.nodes, file.duration_ns),
            ));
        }
        if file.interrupted {
            return Err(format!(
                "{} is from an interrupted shard ({} of its seeds ran): run shard {}/{} again",
                path.display(),
                file.results.len(),
                file.shard[0],
                count
            ));
        }
    }
    let mut by_index = std::collections::BTreeMap::new();
    for (path, file) in &shards {
        if let Some(other) = by_index.insert(file.shard[0], *path) {
            return Err(format!(
                "{} and {} are both shard {}/{count}",
                other.display(),
                path.display(),
                file.shard[0]
            ));
        }
    }
    if shards.len() as u64 != count {
        let missing: Vec<String> = (0..count)
            .filter(|i| !by_index.contains_key(i))
            .take(10)
            .map(|i| format!("{i}/{count}"))
            .collect();
        let more = if count - shards.len() as u64 > 10 {
            ", ..."
        } else {
            ""
        };
        return Err(format!(
            "missing shard results: {}{more} (each of the {count} shards must be given once)",
            missing.join(", ")
        ));
    }
    let mut files: Vec<ResultsFile> = shards.into_iter().map(|(_, f)| f).collect();
    files.sort_by_key(|f| f.shard[0]);
    Ok(files)
}
