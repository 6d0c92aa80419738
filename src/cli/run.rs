//! `distlab run`: one scenario, one seed, headless.

use super::common::{self, ScenarioArgs};
use crate::cli::Context;
use crate::scenario::engine::BuildOptions;
use clap::Args;

/// Arguments of `distlab run`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab run scenarios/broadcast-basic.toml\n  distlab run scenarios/broadcast-partition.toml --seed 42 --json\n\nExit codes: 0 all checks passed, 1 safety violation, 2 liveness failure, 3 bad input,\n4 the implementation panicked (the run stops at that step; the panic's message and\nlocation are printed), 6 unknown: no check failed but one could not decide (a history\nsearch out of budget; `[check] history_steps` raises it, `[check] unknown = \"pass\"`\naccepts it)."
)]
pub struct RunArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seed (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
}

/// Run the command.
pub fn run(ctx: &Context, args: &RunArgs) -> i32 {
    let overrides = args.scenario.overrides(args.seed);
    let scenario =
        match common::guard_build(|| common::load(ctx, &args.scenario.scenario, &overrides)) {
            Ok(s) => s,
            Err(code) => return code,
        };
    let built = common::guard_build(|| {
        common::build(ctx, &scenario, scenario.seed, &BuildOptions::default())
    });
    let mut sim = match built {
        Ok(sim) => sim,
        Err(code) => return code,
    };
    let started = std::time::Instant::now(); // allow-nondeterminism: wall time for the summary only
    let report = run_with_progress(sim.as_mut());
    let wall = started.elapsed();
    let report = common::name_the_panic(ctx, report, &scenario, |mut sim| sim.run());
    if args.json {
        println!("{}", common::report_json(&report));
    } else {
        common::print_report(&report, scenario.protocol.get_ref(), scenario.nodes);
        eprintln!("wall time: {:.3}s", wall.as_secs_f64());
        if report.verdict != crate::sim::Verdict::Pass {
            let replay =
                common::replay_command(&args.scenario.scenario, scenario.seed, &args.scenario);
            println!("replay: {replay}");
            println!("replay in the TUI, paused at the failure: {replay} --tui");
        }
    }
    report.verdict.exit_code()
}

/// Run to the end (as `DynSim::run` does) and, when stderr is a terminal and
/// the run takes more than a second of wall time, show its progress in
/// simulated time there.
fn run_with_progress(sim: &mut dyn crate::sim::DynSim) -> crate::sim::RunReport {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    let started = std::time::Instant::now(); // allow-nondeterminism: progress display only
    let end_ms = sim.end_time().as_nanos() / 1_000_000;
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut steps = 0u64;
    while sim.step() == crate::sim::StepResult::Progressed {
        steps += 1;
        if !terminal || !steps.is_multiple_of(65_536) {
            continue;
        }
        if bar.is_none() && started.elapsed().as_secs() >= 1 {
            let b = indicatif::ProgressBar::new(end_ms);
            b.set_style(
                indicatif::ProgressStyle::with_template(
                    "{spinner} [{elapsed_precise}] {wide_bar} {msg} (eta {eta})",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            bar = Some(b);
        }
        if let Some(b) = &bar {
            let now = sim.now();
            b.set_position(now.as_nanos() / 1_000_000);
            b.set_message(format!(
                "{now} of {} simulated, {steps} steps",
                sim.end_time()
            ));
        }
    }
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    sim.finish()
}
