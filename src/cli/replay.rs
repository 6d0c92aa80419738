//! `distlab replay`: re-run a failure (or a saved TUI session) exactly and
//! confirm it comes back; `--tui` opens it in the terminal UI instead.

use super::common::{self, ScenarioArgs};
use super::failure::{self, Failure, NO_TRACE};
use crate::cli::Context;
use crate::scenario::engine::BuildOptions;
use crate::sim::{DynSim, RunReport, StepResult, Timeline};
use clap::Args;
use std::path::PathBuf;

/// Arguments of `distlab replay`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab replay scenarios/broadcast-lossy.toml --seed 17\n  distlab replay distlab-failures.json\n  distlab replay distlab-session.json --tui\n  distlab replay distlab-explore.json --tui\n\nWith a replay file, every failure in it is re-run and compared: same verdict,\nsame failing checks, same trace hash (a file of several failures prints one\nline each, then a summary). User actions saved from the TUI are\nre-applied at their steps; a session saved mid-run stops at its step; a path\nfound by `distlab explore` has its choices re-applied in explore mode.\nWith --tui, the (first) failure opens paused at its failing step (an explored\npath: after its last choice; b steps back through it).\n\nExit codes: 0 all checks passed, 1 safety violation, 2 liveness failure, 3 bad input,\n4 the implementation panicked, 6 no check failed but one could not decide (the worst\nover the file's failures), 5 a recorded run did not come back (another verdict, other\nfailing checks or another trace hash)."
)]
pub struct ReplayArgs {
    /// A replay file (.json, written by `sweep`) or a scenario file (.toml).
    pub file: PathBuf,
    /// Seed, when FILE is a scenario.
    #[arg(long)]
    pub seed: Option<u64>,
    /// Override the number of nodes (scenario files only).
    #[arg(long)]
    pub nodes: Option<u32>,
    /// Override the duration (scenario files only).
    #[arg(long, value_parser = common::parse_time)]
    pub duration: Option<crate::sim::SimTime>,
    /// Print JSON reports instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Open the run in the terminal UI, paused at the failing step.
    #[arg(long, conflicts_with = "json")]
    pub tui: bool,
}

/// Run the command.
pub fn run(ctx: &Context, args: &ReplayArgs) -> i32 {
    let is_json = args.file.extension().is_some_and(|e| e == "json");
    if !is_json {
        let scenario = ScenarioArgs {
            scenario: args.file.clone(),
            nodes: args.nodes,
            duration: args.duration,
        };
        if args.tui {
            return super::tui::open(ctx, &scenario, args.seed, None);
        }
        let output = if args.json {
            Output::Json
        } else {
            Output::Full
        };
        return replay_one(ctx, &scenario, args.seed, None, output);
    }
    if args.seed.is_some() || args.nodes.is_some() || args.duration.is_some() {
        return common::report_error(
            "--seed, --nodes and --duration apply to scenario files, not replay files",
        );
    }
    let failures = match failure::read(&args.file) {
        Ok(f) => f,
        Err(e) => return common::report_error(e),
    };
    if failures.is_empty() {
        return common::report_error(format!(
            "{}: the replay file holds no failures",
            args.file.display()
        ));
    }
    if args.tui {
        if failures.len() > 1 {
            eprintln!(
                "distlab: {} holds {} failures; opening the first (seed {})",
                args.file.display(),
                failures.len(),
                failures[0].seed
            );
        }
        let f = &failures[0];
        return super::tui::open(ctx, &f.scenario_args(), Some(f.seed), Some(f));
    }
    // One failure: its full report. Several: one line each (a sweep's file
    // may hold thousands), then a summary.
    let output = match (args.json, failures.len()) {
        (true, _) => Output::Json,
        (false, 1) => Output::Full,
        (false, _) => Output::Line,
    };
    let mut worst = 0;
    let mut not_reproduced = 0;
    for f in &failures {
        let code = replay_one(ctx, &f.scenario_args(), Some(f.seed), Some(f), output);
        if code == super::EXIT_BAD_INPUT {
            return code;
        }
        not_reproduced += usize::from(code == super::EXIT_NOT_REPRODUCED);
        worst = super::worse_exit(worst, code);
    }
    if !args.json {
        let total = failures.len();
        let runs = if total == 1 { "run" } else { "runs" };
        let summary = if not_reproduced == 0 {
            format!("replay: all {total} recorded {runs} reproduced")
        } else {
            format!(
                "replay: {not_reproduced} of {total} recorded {runs} DID NOT REPRODUCE, {} reproduced",
                total - not_reproduced
            )
        };
        println!("{summary} ({})", args.file.display());
    }
    worst
}

/// How much `replay_one` prints.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Output {
    /// The run's whole report.
    Full,
    /// Only the reproduced / not reproduced line.
    Line,
    /// The report as JSON.
    Json,
}

fn replay_one(
    ctx: &Context,
    args: &ScenarioArgs,
    seed: Option<u64>,
    expected: Option<&Failure>,
    output: Output,
) -> i32 {
    // A replay file's scenario: its embedded text, or the file it names
    // once that matches the recorded hash (failure.rs).
    let overrides = args.overrides(seed);
    let loaded = common::guard_build(|| match expected {
        Some(f) => f.load_scenario(ctx),
        None => common::load(ctx, &args.scenario, &overrides),
    });
    let scenario = match loaded {
        Ok(s) => s,
        Err(code) => return built_no_sim(code, expected),
    };
    let built = common::guard_build(|| {
        common::build(ctx, &scenario, scenario.seed, &BuildOptions::default())
    });
    let mut sim = match built {
        Ok(sim) => sim,
        Err(code) => return built_no_sim(code, expected),
    };
    let report = match expected {
        Some(f) => run_recorded(sim, f),
        None => sim.run(),
    };
    let report = common::name_the_panic(ctx, report, &scenario, |mut sim| match expected {
        Some(f) => run_recorded(sim, f),
        None => sim.run(),
    });
    match output {
        Output::Json => println!("{}", common::report_json(&report)),
        Output::Full => common::print_report(&report, scenario.protocol.get_ref(), scenario.nodes),
        Output::Line => {}
    }
    let mut code = report.verdict.exit_code();
    if let Some(f) = expected {
        let now = Failure::from_report(&args.scenario, &scenario.source.text, args, &report);
        let same = now.trace_hash == f.trace_hash
            && now.verdict == f.verdict
            && now.failed_checks == f.failed_checks;
        if same {
            let at = f
                .stop_at_step
                .map(|s| format!(" at step {s}"))
                .unwrap_or_default();
            let what = match &f.explore {
                Some(path) => format!("{} explored choice(s)", path.steps.len()),
                None => format!("{} recorded action(s)", f.actions.len()),
            };
            println!(
                "replay: reproduced seed {}{at} with {what}: {}{}, trace-hash {}",
                f.seed,
                f.verdict,
                checks_in_parens(&f.failed_checks),
                f.trace_hash
            );
        } else {
            println!(
                "replay: DID NOT REPRODUCE seed {}: expected {}{} with trace-hash {}, got {}{} with trace-hash {}",
                f.seed,
                f.verdict,
                checks_in_parens(&f.failed_checks),
                f.trace_hash,
                now.verdict,
                checks_in_parens(&now.failed_checks),
                now.trace_hash
            );
            if now.scenario_hash != f.scenario_hash {
                println!("replay: the scenario file changed since the failure was recorded");
            } else {
                println!("replay: the scenario is unchanged, so the code changed (or this is a determinism bug)");
            }
            code = super::EXIT_NOT_REPRODUCED;
        }
    }
    code
}

/// ` (a, b)` naming the failed checks, or nothing when none failed (a
/// passing run is `pass`, not `pass ()`).
fn checks_in_parens(checks: &[String]) -> String {
    if checks.is_empty() {
        String::new()
    } else {
        format!(" ({})", checks.join(", "))
    }
}

/// The simulation could not be built (`code`: a scenario error or a panic,
/// already printed; loading a scenario builds it once to validate it). A
/// failure recorded from a seed whose *build* panicked (a sweep writes it
/// with trace hash `none`, no steps) is reproduced when the build panics
/// again; any other recorded failure is not reproduced by a build panic.
/// Scenario errors keep their exit code.
fn built_no_sim(code: i32, expected: Option<&Failure>) -> i32 {
    let Some(f) = expected.filter(|_| code == super::EXIT_PANIC) else {
        return code;
    };
    if f.trace_hash == NO_TRACE && f.steps == 0 {
        println!(
            "replay: reproduced seed {}: building the simulation panicked again{}, trace-hash {NO_TRACE}",
            f.seed,
            checks_in_parens(&f.failed_checks)
        );
        return code;
    }
    println!(
        "replay: DID NOT REPRODUCE seed {}: expected {}{} with trace-hash {}, got a panic while building the simulation",
        f.seed,
        f.verdict,
        checks_in_parens(&f.failed_checks),
        f.trace_hash,
    );
    super::EXIT_NOT_REPRODUCED
}

/// Re-run a replay file's run: its recorded actions at their steps, to its
/// stop step (a session saved mid-run) or to the end; an explored path: its
/// forced choices in explore mode.
pub fn run_recorded(sim: Box<dyn DynSim>, failure: &Failure) -> RunReport {
    if let Some(path) = &failure.explore {
        let choices: Vec<_> = path.steps.iter().map(|s| s.choice).collect();
        let options = crate::sim::ExploreOptions {
            ops_per_client: path.ops_per_client,
            wire: path.wire,
            time: path.time,
            relative_time: false,
        };
        return run_explored(sim, options, &choices);
    }
    let mut timeline = Timeline::with_actions(sim, u64::MAX, failure.timeline_actions());
    match failure.stop_at_step {
        Some(stop) => {
            timeline.goto(stop);
            timeline.sim().report()
        }
        None => {
            while timeline.step() == StepResult::Progressed {}
            timeline.sim_mut().finish()
        }
    }
}

/// Run `choices` in explore mode from the scenario's initial state, then
/// the end-of-run checks: how `distlab explore`'s counterexamples replay.
pub fn run_explored(
    mut sim: Box<dyn DynSim>,
    options: crate::sim::ExploreOptions,
    choices: &[crate::sim::Choice],
) -> RunReport {
    if sim.start_exploring(options) != StepResult::Violated {
        for choice in choices {
            match sim.apply_choice(choice) {
                Some(StepResult::Violated) | None => break,
                Some(_) => {}
            }
        }
    }
    sim.finish()
}
