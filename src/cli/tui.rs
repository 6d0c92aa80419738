//! `distlab tui`: open a scenario in the terminal UI (and `replay --tui`).

use super::common::{self, ScenarioArgs};
use super::failure::{self, Failure};
use crate::cli::Context;
use crate::scenario::engine::BuildOptions;
use crate::sim::trace::format_hash;
use crate::sim::{ExploreOptions, StepResult, Timeline, TraceLevel};
use crate::tui::app::SNAPSHOT_EVERY;
use crate::tui::{signals, terminal, App, SaveRequest, Saver};
use clap::Args;
use std::path::{Path, PathBuf};

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
pub fn run(ctx: &Context, args: &TuiArgs) -> i32 {
    open(ctx, &args.scenario, args.seed, None)
}

/// Open a scenario (and, for a replay file, its recorded actions, paused at
/// its failing or saved step; for an explored path, its choices, paused
/// after the last) in the terminal UI.
pub fn open(
    ctx: &Context,
    args: &ScenarioArgs,
    seed: Option<u64>,
    replay: Option<&Failure>,
) -> i32 {
    let app = match session(ctx, args, seed, replay) {
        Ok(app) => app,
        Err(code) => return code,
    };
    if let Err(e) = need_terminal(&args.scenario) {
        return common::report_error(e);
    }
    match terminal::run(app) {
        Ok(exit) => {
            let sim = exit.app.timeline().sim();
            println!(
                "tui: left {} seed {} at step {} ({}), trace-hash {}",
                sim.name(),
                sim.seed(),
                sim.steps(),
                sim.now(),
                format_hash(sim.trace_hash())
            );
            match exit.signal {
                Some(signal) => {
                    eprintln!("distlab: tui stopped by {}", signals::name(signal));
                    signals::exit_code(signal)
                }
                None => super::EXIT_OK,
            }
        }
        // ENXIO: no controlling terminal to open (/dev/tty), e.g. under a
        // job runner even with stdout on a terminal.
        Err(e) if e.raw_os_error() == Some(6) => common::report_error(no_terminal(
            &args.scenario,
            "there is no controlling terminal to read keys from",
        )),
        Err(e) => common::report_error(format!("terminal: {e}")),
    }
}

/// The TUI draws on a terminal: without one (output piped, a CI job, no
/// tty), say so and name the commands that work without one, rather than
/// the OS error the terminal calls fail with.
fn need_terminal(scenario: &std::path::Path) -> Result<(), String> {
    use std::io::IsTerminal;
    if std::io::stdout().is_terminal() {
        return Ok(());
    }
    Err(no_terminal(scenario, "its output is not a terminal here"))
}

/// The message for a TUI that has no terminal to draw on: `why`, and the
/// commands that work without one.
fn no_terminal(scenario: &std::path::Path, why: &str) -> String {
    let file = scenario.display();
    format!(
        "the TUI needs a terminal, and {why}; without a terminal, `distlab run {file}` prints the run's summary and `distlab export {file} --format jsonl > trace.jsonl` writes its trace"
    )
}

/// The session [`open`] shows, without a terminal (for tests and other
/// front ends): paused at step 0; for a replay file at its failing or saved
/// step; for a path found by `distlab explore` after its last choice (the
/// failing step, or the end-of-run checks of the terminal state it reached),
/// in explore mode so that stepping back re-applies its choices. `Err`: the
/// exit code of an error already printed.
pub fn session(
    ctx: &Context,
    args: &ScenarioArgs,
    seed: Option<u64>,
    replay: Option<&Failure>,
) -> Result<App, i32> {
    let overrides = args.overrides(seed);
    let scenario = common::guard_build(|| match replay {
        Some(f) => f.load_scenario(ctx),
        None => common::load(ctx, &args.scenario, &overrides),
    })?;
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let sim = common::guard_build(|| common::build(ctx, &scenario, scenario.seed, &options))?;
    if let Some(path) = replay.and_then(|f| f.explore.as_ref()) {
        let options = ExploreOptions {
            ops_per_client: path.ops_per_client,
            wire: path.wire,
            time: path.time,
            relative_time: false,
        };
        let choices = path.steps.iter().map(|s| s.choice).collect();
        let mut timeline = Timeline::explored(sim, SNAPSHOT_EVERY, options, choices);
        open_at_end_of_path(&mut timeline);
        return Ok(App::new(timeline));
    }
    let actions = replay.map(Failure::timeline_actions).unwrap_or_default();
    let mut timeline = Timeline::with_actions(sim, SNAPSHOT_EVERY, actions);
    if let Some(f) = replay {
        open_at_failure(&mut timeline, f);
    }
    Ok(App::new(timeline).with_saver(saver(
        args.clone(),
        scenario.source.text.to_string(),
        scenario.seed,
        PathBuf::from("."),
    )))
}

/// Apply an explored path's choices; after the last, a world with nothing
/// enabled gets its end-of-run checks, as `distlab replay` evaluates them.
fn open_at_end_of_path(timeline: &mut Timeline) {
    loop {
        match timeline.step() {
            StepResult::Progressed => {}
            StepResult::Finished => {
                timeline.sim_mut().finish();
                return;
            }
            StepResult::Violated => return,
        }
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
/// `distlab-session-<scenario>-seed<N>-step<S>.json`; never replaces a
/// different file of that name (the next free `-2`, `-3`, ... is used), and
/// saving the same session twice names the file already there.
fn saver(args: ScenarioArgs, text: String, seed: u64, dir: PathBuf) -> Saver {
    Box::new(move |request: &SaveRequest| {
        let failure = Failure::from_session(&args.scenario, &text, &args, request);
        let base = format!(
            "distlab-session-{}-seed{seed}-step{}",
            request.report.scenario, request.report.steps
        );
        let path = save_fresh(&dir, &base, &failure)?;
        Ok(path.display().to_string())
    })
}

/// Most numbered names tried for one session name before giving up.
const SESSION_NAMES: u32 = 1000;

/// Write `failure` to `dir/base.json`, or `dir/base-N.json` for the first N
/// whose file does not exist (or holds this very session already).
fn save_fresh(dir: &Path, base: &str, failure: &Failure) -> Result<PathBuf, String> {
    for n in 1..=SESSION_NAMES {
        let name = match n {
            1 => format!("{base}.json"),
            n => format!("{base}-{n}.json"),
        };
        let path = if dir == Path::new(".") {
            PathBuf::from(name)
        } else {
            dir.join(name)
        };
        match failure::write_one(&path, failure, true) {
            Ok(()) => return Ok(path),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                if holds_session(&path, failure) {
                    return Ok(path);
                }
            }
            Err(e) => return Err(format!("{}: {e}", path.display())),
        }
    }
    Err(format!(
        "{}: {SESSION_NAMES} session files of this name exist already; move some away",
        dir.join(format!("{base}.json")).display()
    ))
}

/// True when `path` is a replay file holding exactly `failure`.
fn holds_session(path: &Path, failure: &Failure) -> bool {
    let stored = Failure {
        origin: Some(path.to_path_buf()),
        ..failure.clone().relative_to(path)
    };
    matches!(failure::read(path).as_deref(), Ok([only]) if *only == stored)
}

/// Write one replay file (replacing one of that name), its scenario path
/// relative to the file's folder, and read it back.
pub fn write(path: &Path, failure: &Failure) -> Result<(), String> {
    failure::write_one(path, failure, false).map_err(|e| format!("{}: {e}", path.display()))
}
