//! `distlab run`: one scenario, one seed, headless.

use super::common::{self, ScenarioArgs};
use crate::scenario::engine::BuildOptions;
use clap::Args;

/// Arguments of `distlab run`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab run scenarios/broadcast-basic.toml\n  distlab run scenarios/broadcast-partition.toml --seed 42 --json\n\nExit codes: 0 all checks passed, 1 safety violation, 2 liveness failure, 3 bad input,\n4 the implementation panicked (the run stops at that step; the panic's message and\nlocation are printed)."
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
pub fn run(args: &RunArgs) -> i32 {
    let overrides = args.scenario.overrides(args.seed);
    let scenario = match common::guard_build(|| common::load(&args.scenario.scenario, &overrides)) {
        Ok(s) => s,
        Err(code) => return code,
    };
    let built =
        common::guard_build(|| common::build(&scenario, scenario.seed, &BuildOptions::default()));
    let mut sim = match built {
        Ok(sim) => sim,
        Err(code) => return code,
    };
    let started = std::time::Instant::now(); // allow-nondeterminism: wall time for the summary only
    let report = sim.run();
    let wall = started.elapsed();
    let report = common::name_the_panic(report, &scenario, |mut sim| sim.run());
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
