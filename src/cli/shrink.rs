//! `distlab shrink`: cut a failing run down to a minimal scenario that
//! fails the same check with the same seed (the library is
//! [`crate::shrink`]).

use super::common::{self, ScenarioArgs};
use super::failure;
use crate::cli::Context;
use crate::scenario::Scenario;
use crate::shrink::{self, Measure, Options, Progress, Shrunk};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `distlab shrink`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab sweep scenarios/2pc-bug-early-unlock.toml --seeds 0..10\n  distlab shrink distlab-failures.json\n  distlab shrink distlab-failures.json --index 2 --out small.toml\n  distlab shrink scenarios/raft-bug-forget-vote.toml --seed 1\n\nThe result is a scenario file (default: <name>.shrunk.toml in the current folder)\nthat fails the same check with the same seed: fewer faults (the nemesis written out\nas scheduled faults, then cut), fewer client operations, fewer nodes, a shorter run,\nthen the fewest messages delivered (random losses and cut deliveries written out as\n[network] lose_messages). Open it with `distlab replay FILE --seed N --tui`. See docs/shrink.md.\n\nExit codes: 0 shrunk (the file is written), 3 bad input (an unreadable file, an\nindex out of range, a seed that passes, a check that does not fail), 4 the\nimplementation panicked while the scenario was being built."
)]
pub struct ShrinkArgs {
    /// A failure file written by `sweep` (.json), or a scenario file (.toml).
    pub file: PathBuf,
    /// Seed, when FILE is a scenario (default: the scenario's `seed`).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Which failure of a failure file to shrink, from 0.
    #[arg(long, default_value_t = 0)]
    pub index: usize,
    /// The check the result must fail (default: the check the run failed first).
    #[arg(long)]
    pub check: Option<String>,
    /// Where to write the shrunk scenario (default: <name>.shrunk.toml).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// The most candidate runs to try.
    #[arg(long, default_value_t = 500, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub budget: u32,
}

/// Run the command.
pub fn run(ctx: &Context, args: &ShrinkArgs) -> i32 {
    let (scenario, check) = match common::guard_build(|| input(ctx, args)) {
        Ok(found) => found,
        Err(code) => return code,
    };
    let out = args.out.clone().unwrap_or_else(|| {
        // A scenario file's stem, or (a failure file) the scenario's name.
        let stem = match args.file.file_stem() {
            Some(stem) if !is_failure_file(&args.file) => stem.to_string_lossy().to_string(),
            _ => scenario.name.clone(),
        };
        PathBuf::from(format!("{stem}.shrunk.toml"))
    });
    let options = Options {
        check,
        budget: args.budget,
    };
    println!(
        "shrinking {} with seed {} (budget {} runs)",
        scenario.name, scenario.seed, options.budget
    );
    let started = std::time::Instant::now(); // allow-nondeterminism: wall time for the summary only
    let result =
        with_progress(|progress| shrink::shrink(&ctx.registry, &scenario, &options, progress));
    let wall = started.elapsed();
    let shrunk = match result {
        Ok(shrunk) => shrunk,
        Err(e) => return common::report_error(e),
    };
    let text = header(&shrunk, &scenario, &out) + &shrunk.text;
    if let Err(e) = std::fs::write(&out, text) {
        return common::report_error(format!("cannot write {}: {e}", out.display()));
    }
    print_result(&shrunk, &out, wall.as_secs_f64());
    super::EXIT_OK
}

/// The scenario to shrink (with its seed) and the check asked for: from a
/// failure file (its recorded first failed check unless `--check`), or a
/// scenario file.
///
/// A failure file's scenario is its embedded text or the file it names
/// once that matches the recorded hash, with the recorded overrides
/// (`--nodes`, `--duration`) and seed, as `replay` reads it.
fn input(ctx: &Context, args: &ShrinkArgs) -> Result<(Scenario, Option<String>), String> {
    if !is_failure_file(&args.file) {
        if args.index != 0 {
            return Err("--index applies to failure files (.json), not scenario files".into());
        }
        let scenario_args = ScenarioArgs {
            scenario: args.file.clone(),
            nodes: None,
            duration: None,
        };
        let overrides = scenario_args.overrides(args.seed);
        let scenario = common::load(ctx, &args.file, &overrides)?;
        return Ok((scenario, args.check.clone()));
    }
    if args.seed.is_some() {
        return Err("--seed applies to scenario files; a failure file records its seed".into());
    }
    let failures = failure::read(&args.file)?;
    let shown = args.file.display();
    let Some(f) = failures.get(args.index) else {
        return Err(match failures.len() {
            0 => format!("{shown}: the failure file holds no failures"),
            n => format!(
                "{shown} holds {n} failure(s), numbered 0 to {}: there is no --index {}",
                n - 1,
                args.index
            ),
        });
    };
    let scenario = f.load_scenario(ctx)?;
    if !f.actions.is_empty() || f.stop_at_step.is_some() {
        eprintln!(
            "distlab: note: seed {} was saved from the TUI with {} recorded action(s); the shrinker starts from the scenario and seed alone, without them",
            f.seed,
            f.actions.len()
        );
    }
    // The check: `--check`, else the one the run fails first (the safety
    // check that stopped it), which the recorded list does not single out.
    Ok((scenario, args.check.clone()))
}

/// A `.json` file is a failure file; anything else a scenario.
fn is_failure_file(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "json")
}

/// Runs `work` with a progress bar on stderr when it is a terminal.
fn with_progress<T>(work: impl FnOnce(&mut dyn FnMut(&Progress)) -> T) -> T {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return work(&mut |_| {});
    }
    let bar = indicatif::ProgressBar::new(0);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {bar:30} {pos}/{len} runs  {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    let result = work(&mut |p: &Progress| {
        bar.set_length(u64::from(p.budget));
        bar.set_position(u64::from(p.runs));
        bar.set_message(format!(
            "{}: best {} events, {} faults",
            p.pass, p.best.events, p.best.faults
        ));
    });
    bar.finish_and_clear();
    result
}

/// The comment at the top of the written file.
fn header(shrunk: &Shrunk, input: &Scenario, out: &Path) -> String {
    let origin = &input.source.origin;
    format!(
        "# Shrunk by `distlab shrink` from {origin} (seed {seed}): still fails `{check}`.\n# {line}\n# Replay: {program} replay {out} --seed {seed} [--tui]\n\n",
        out = out.display(),
        seed = input.seed,
        check = shrunk.check,
        line = before_after(&shrunk.before, &shrunk.after),
        program = common::program(),
    )
}

/// `events 5123 → 212, faults 81 → 2, operations 95 → 3, nodes 3 → 3`.
pub fn before_after(before: &Measure, after: &Measure) -> String {
    format!(
        "events {} → {}, faults {} → {}, operations {} → {}, nodes {} → {}",
        before.events,
        after.events,
        before.faults,
        after.faults,
        before.operations,
        after.operations,
        before.nodes,
        after.nodes
    )
}

fn print_result(shrunk: &Shrunk, out: &Path, wall_seconds: f64) {
    let spent = if shrunk.budget_spent {
        " (the budget ran out: --budget N to search longer)"
    } else {
        ""
    };
    println!(
        "kept {} reduction(s) in {} runs{spent}:",
        shrunk.steps.len(),
        shrunk.runs
    );
    for step in &shrunk.steps {
        println!("  {step}");
    }
    println!(
        "before → after: {}",
        before_after(&shrunk.before, &shrunk.after)
    );
    let seed = shrunk.scenario.seed;
    println!(
        "wrote {}: fails `{}` with seed {seed}, trace-hash {}",
        out.display(),
        shrunk.check,
        shrunk.trace_hash
    );
    let program = common::program();
    println!("replay: {program} replay {} --seed {seed}", out.display());
    println!(
        "step through it: {program} tui {} --seed {seed}",
        out.display()
    );
    eprintln!("wall time: {wall_seconds:.3}s");
}
