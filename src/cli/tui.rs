//! `distlab tui`: open a scenario in the terminal UI (and `replay --tui`).

use super::common::{self, ScenarioArgs};
use super::failure::{self, Failure};
use crate::scenario::engine::BuildOptions;
use crate::sim::trace::format_hash;
use crate::sim::{StepResult, Timeline, TraceLevel};
use crate::tui::app::SNAPSHOT_EVERY;
use crate::tui::{terminal, App, SaveRequest, Saver};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `distlab tui`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab tui scenarios/broadcast-partition.toml\n  distlab tui scenarios/broadcast-lossy.toml --seed 7 --nodes 3\n\nKeys: space run/pause, n step, b step back, c crash, p partition, s save,\n? every key, q quit. See docs/tui.md.\n\nA panic in the protocol's code stops the run at that step and shows on screen (header\nand inspector); step back with b. Exit codes: 0 on quit, 3 bad input, 4 the\nimplementation panicked while the simulation was being built."
)]
pub struct TuiArgs {
    /// Scenario file and overrides.
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seed (default: the scenario's).
    #[arg(long)]
    pub seed: Option<u64>,
}

/// Run the command.
pub fn run(args: &TuiArgs) -> i32 {
    open(&args.scenario, args.seed, None)
}

/// Open a scenario (and, for a replay file, its recorded actions, paused at
/// its failing or saved step) in the terminal UI.
pub fn open(args: &ScenarioArgs, seed: Option<u64>, replay: Option<&Failure>) -> i32 {
    let overrides = args.overrides(seed);
    let scenario = match common::guard_build(|| common::load(&args.scenario, &overrides)) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let sim = match common::guard_build(|| common::build(&scenario, scenario.seed, &options)) {
        Ok(sim) => sim,
        Err(code) => return code,
    };
    let actions = replay.map(Failure::timeline_actions).unwrap_or_default();
    let mut timeline = Timeline::with_actions(sim, SNAPSHOT_EVERY, actions);
    if let Some(f) = replay {
        open_at_failure(&mut timeline, f);
    }
    let seed = scenario.seed;
    let app = App::new(timeline).with_saver(saver(
        args.clone(),
        scenario.source.text.to_string(),
        seed,
        PathBuf::from("."),
    ));
    match terminal::run(app) {
        Ok(app) => {
            let sim = app.timeline().sim();
            println!(
                "tui: left {} seed {seed} at step {} ({}), trace-hash {}",
                sim.name(),
                sim.steps(),
                sim.now(),
                format_hash(sim.trace_hash())
            );
            super::EXIT_OK
        }
        Err(e) => common::report_error(format!("terminal: {e}")),
    }
}

/// Go to a replay file's step; for a run that went to its end, evaluate the
/// end-of-run checks there.
fn open_at_failure(timeline: &mut Timeline, f: &Failure) {
    let target = f.stop_at_step.unwrap_or(f.steps);
    let result = timeline.goto(target);
    if f.stop_at_step.is_some() || result == StepResult::Violated {
        return;
    }
    if timeline.sim().violation().is_none() {
        match timeline.step() {
            StepResult::Finished => {
                timeline.sim_mut().finish();
            }
            StepResult::Progressed => {
                // The run goes on past the recorded end: show the recorded step.
                timeline.goto(target);
            }
            StepResult::Violated => {}
        }
    }
}

/// A saver for sessions on the scenario file `scenario` (no overrides) with
/// `seed`, writing replay files into `dir` (what `distlab tui` does, for
/// tests and other front ends).
pub fn saver_into(dir: PathBuf, scenario: PathBuf, seed: u64) -> Result<Saver, String> {
    let text = std::fs::read_to_string(&scenario)
        .map_err(|e| format!("cannot read {}: {e}", scenario.display()))?;
    let args = ScenarioArgs {
        scenario,
        nodes: None,
        duration: None,
    };
    Ok(saver(args, text, seed, dir))
}

/// Saves sessions into `dir` as
/// `distlab-session-<scenario>-seed<N>-step<S>.json`.
fn saver(args: ScenarioArgs, text: String, seed: u64, dir: PathBuf) -> Saver {
    Box::new(move |request: &SaveRequest| {
        let failure = Failure::from_session(&args.scenario, &text, &args, request);
        let name = format!(
            "distlab-session-{}-seed{seed}-step{}.json",
            request.report.scenario, request.report.steps
        );
        let path = if dir == std::path::Path::new(".") {
            PathBuf::from(name)
        } else {
            dir.join(name)
        };
        write(&path, &failure)?;
        Ok(path.display().to_string())
    })
}

/// Write one replay file.
pub fn write(path: &std::path::Path, failure: &Failure) -> Result<(), String> {
    let text = serde_json::to_string_pretty(failure).map_err(|e| e.to_string())?;
    std::fs::write(path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    // Read it back, so a file that cannot be replayed is never left behind
    // silently.
    failure::read(path).map(|_| ())
}
