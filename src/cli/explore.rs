//! `distlab explore`: every interleaving of a small configuration, checked;
//! a counterexample becomes a replay file.

use super::common::{self, ScenarioArgs};
use super::failure::{self, ExplorePath, ExploreStep, Failure};
use crate::cli::Context;
use crate::explore::{self, Config, Progress, Report};
use crate::scenario::engine::BuildOptions;
use crate::scenario::explore::{BOUND_MAX, DEPTH_MAX, FAULTS_MAX, OPS_MAX, STATES_MAX, WALKS_MAX};
use crate::scenario::{ExploreStrategy, Scenario};
use crate::sim::Verdict;
use clap::Args;
use std::path::PathBuf;

/// The most threads `--jobs` may ask for.
const JOBS_MAX: u64 = 256;

/// Arguments of `distlab explore`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab explore scenarios/explore-pingpong.toml\n  distlab explore scenarios/explore-2pc.toml --crashes 1\n  distlab explore scenarios/explore-2pc.toml --depth 9 --jobs 2\n  distlab explore scenarios/raft-bug-forget-vote.toml --nodes 3 --depth 12 --dfs\n  distlab explore scenarios/raft-bug-forget-vote.toml --nodes 3 --crashes 1 --restarts 1 --walks 2000 --depth 30\n  distlab explore scenarios/explore-raft.toml --bug vote-without-log-check --depth 12\n  distlab explore scenarios/explore-raft-bounded.toml --bound term=1\n  distlab replay distlab-explore.json --tui\n\nFrom the scenario's initial state (nodes booted) the search tries every enabled\nchoice: deliver any message on the wire (an unordered multiset, latency ignored),\nfire any pending timer, let an idle client issue its next operation or time out,\nand within the budgets drop or duplicate a message, crash or restart a node.\nTime moves only when a timer fires (--ordered-timers: in deadline order;\n--frozen-time: never); the scenario's faults, nemesis and loss are not used. Flags\noverride the scenario's [explore] table (docs/explore.md).\n\n--jobs N expands states on N threads (breadth first: each level; depth first: states\nstill on the stack, ahead of time) or runs the random walks on N threads; the result\nis the same for every N. Depth first gains only on cores nothing else is using: on a\nbusy machine `--dfs --jobs 2` can take longer than one thread.\n--bound NAME=LIMIT (repeatable) sets the boundary: a state where a live node's value\nof one of the protocol's bound quantities (or the engine's `wire`, messages in flight)\nexceeds its limit is checked but not expanded, and an exhausted search says\n\"exhausted within the boundary\". --relative-time merges states that differ only by\nwhen they happen (for protocols that declare it): with a boundary, a protocol whose\ntimers re-arm forever gets a finite space.\n\n--walk (or --walks N) samples spaces too large to finish: N walks of up to --depth\nsteps (default 100), each choosing uniformly among the enabled choices, seeded by\nthe seed and the walk's number.\n\nA violation is written as a replay file (--out): `distlab replay FILE` re-runs\nthe path, `distlab replay FILE --tui` opens it at the failing step.\n\nExit codes: 0 no violation (the summary says whether the space was exhausted),\n1 safety violation, 2 liveness failure (an eventually check on a terminal state),\n3 bad input, 4 the implementation panicked."
)]
pub struct ExploreArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// Seed (default: the scenario's `seed`; it seeds the nodes' own random streams).
    #[arg(long)]
    pub seed: Option<u64>,
    /// Breadth first: the first violation found is a shortest one (default).
    #[arg(long, conflicts_with_all = ["dfs", "walk", "walks"])]
    pub bfs: bool,
    /// Depth first: less memory, counterexamples not the shortest.
    #[arg(long, conflicts_with_all = ["walk", "walks"])]
    pub dfs: bool,
    /// Random walks instead of an exhaustive search, for spaces too large to
    /// finish: each walk takes a uniformly random enabled choice per step.
    #[arg(long)]
    pub walk: bool,
    /// How many random walks (implies --walk; default 1000).
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=WALKS_MAX))]
    pub walks: Option<u64>,
    /// Threads expanding states (breadth and depth first) or running walks
    /// (default 1); the result does not depend on it.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=JOBS_MAX))]
    pub jobs: Option<u64>,
    /// Do not expand states this many choices from the start (random walks:
    /// steps per walk, default 100).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(DEPTH_MAX)))]
    pub depth: Option<u32>,
    /// Stop after this many unique states.
    #[arg(long, value_parser = clap::value_parser!(u64).range(1..=STATES_MAX))]
    pub states: Option<u64>,
    /// Operations each client issues.
    #[arg(long, value_parser = clap::value_parser!(u64).range(0..=OPS_MAX))]
    pub ops: Option<u64>,
    /// Messages the search may drop on a path.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=i64::from(FAULTS_MAX)))]
    pub drops: Option<u32>,
    /// Messages the search may duplicate on a path.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=i64::from(FAULTS_MAX)))]
    pub duplicates: Option<u32>,
    /// Node crashes on a path.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=i64::from(FAULTS_MAX)))]
    pub crashes: Option<u32>,
    /// Node restarts on a path.
    #[arg(long, value_parser = clap::value_parser!(u32).range(0..=i64::from(FAULTS_MAX)))]
    pub restarts: Option<u32>,
    /// Keep delivered messages on the wire, so any message may arrive again
    /// (finite spaces for protocols that resend on a timer; no terminal states).
    #[arg(long)]
    pub duplicating: bool,
    /// Freeze time: it is not part of the state, so periodic timers do not
    /// make the space infinite (exact only if no handler reads the clock).
    #[arg(long, conflicts_with = "ordered_timers")]
    pub frozen_time: bool,
    /// Fire timers in deadline order, as in a run (time still moves only
    /// when a timer fires; messages may take any time): far fewer states.
    #[arg(long)]
    pub ordered_timers: bool,
    /// Fingerprint times relative to now: states that differ only by when
    /// they happen are one state (for protocols that declare it; needed for
    /// a timer-driven protocol's space to be finite).
    #[arg(long)]
    pub relative_time: bool,
    /// Bound one of the protocol's quantities (repeatable; replaces the
    /// scenario's limit for that name), e.g. `--bound term=2`: states where a
    /// live node exceeds it are checked but not expanded.
    #[arg(long = "bound", value_name = "NAME=LIMIT", value_parser = parse_bound)]
    pub bounds: Vec<(String, u64)>,
    /// Stop after this much wall time (e.g. `30s`); the result says so.
    #[arg(long, value_parser = common::parse_time)]
    pub time: Option<crate::sim::SimTime>,
    /// Where to write the counterexample's replay file.
    #[arg(long, default_value = "distlab-explore.json")]
    pub out: PathBuf,
    /// Print one JSON object instead of the human summary.
    #[arg(long)]
    pub json: bool,
    /// Switch on exactly these bug switches (repeatable; replaces the
    /// scenario's `bugs`), e.g. `--bug commit-old-terms`.
    #[arg(long = "bug", value_name = "NAME")]
    pub bugs: Vec<String>,
    /// Set a `[protocol]` parameter (repeatable), e.g.
    /// `--param initial_balance=0` (a TOML value or a bare word).
    #[arg(long = "param", value_name = "NAME=VALUE", value_parser = parse_setting)]
    pub params: Vec<(String, String)>,
}

/// Parse `name=limit`.
fn parse_bound(text: &str) -> Result<(String, u64), String> {
    let (name, limit) = parse_setting(text)
        .map_err(|_| format!("expected NAME=LIMIT such as term=2, got {text:?}"))?;
    match limit.parse::<u64>() {
        Ok(limit) if limit <= BOUND_MAX => Ok((name, limit)),
        _ => Err(format!(
            "expected a limit from 0 to {BOUND_MAX} for `{name}`, got {limit:?}"
        )),
    }
}

/// Parse `name=value`.
fn parse_setting(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() && !value.trim().is_empty() => {
            Ok((name.trim().to_string(), value.trim().to_string()))
        }
        _ => Err(format!(
            "expected NAME=VALUE such as initial_balance=0, got {text:?}"
        )),
    }
}

/// `scenario` with the `--param` and `--bug` settings.
fn with_settings(
    ctx: &Context,
    scenario: Scenario,
    args: &ExploreArgs,
) -> Result<Scenario, String> {
    let mut settings: Vec<(String, String, String)> = args
        .params
        .iter()
        .map(|(name, value)| {
            (
                format!("--param {name}={value}"),
                name.clone(),
                value.clone(),
            )
        })
        .collect();
    if !args.bugs.is_empty() {
        let flags: Vec<String> = args.bugs.iter().map(|b| format!("--bug {b}")).collect();
        let names: Vec<String> = args.bugs.iter().map(|b| format!("{b:?}")).collect();
        settings.push((
            flags.join(" "),
            "bugs".to_string(),
            format!("[{}]", names.join(", ")),
        ));
    }
    common::with_settings(ctx, scenario, &settings)
}

impl ExploreArgs {
    /// The search settings: the scenario's `[explore]`, then the flags.
    fn config(&self, scenario: &Scenario) -> Config {
        let mut config = Config::from_spec(&scenario.explore);
        if self.bfs {
            config.strategy = ExploreStrategy::Bfs;
        }
        if self.dfs {
            config.strategy = ExploreStrategy::Dfs;
        }
        if self.walk || self.walks.is_some() {
            config.strategy = ExploreStrategy::Walk;
        }
        config.walks = self.walks.unwrap_or(config.walks);
        config.jobs = self.jobs.map_or(1, |j| j as usize);
        if self.frozen_time {
            config.time = crate::sim::TimeModel::Frozen;
        }
        if self.ordered_timers {
            config.time = crate::sim::TimeModel::Ordered;
        }
        if self.duplicating {
            config.wire = crate::sim::Wire::Duplicating;
        }
        config.relative_time |= self.relative_time;
        for (name, limit) in &self.bounds {
            config.bounds.insert(name.clone(), *limit);
        }
        config.max_depth = self.depth.or(config.max_depth);
        config.max_states = self.states.unwrap_or(config.max_states);
        config.ops_per_client = self.ops.unwrap_or(config.ops_per_client);
        let b = &mut config.budgets;
        b.drops = self.drops.unwrap_or(b.drops);
        b.duplicates = self.duplicates.unwrap_or(b.duplicates);
        b.crashes = self.crashes.unwrap_or(b.crashes);
        b.restarts = self.restarts.unwrap_or(b.restarts);
        config
    }
}

/// Run the command.
pub fn run(ctx: &Context, args: &ExploreArgs) -> i32 {
    let overrides = args.scenario.overrides(args.seed);
    let scenario =
        match common::guard_build(|| common::load(ctx, &args.scenario.scenario, &overrides)) {
            Ok(s) => s,
            Err(code) => return code,
        };
    let changed = !args.bugs.is_empty() || !args.params.is_empty();
    let scenario = match with_settings(ctx, scenario, args) {
        Ok(s) => s,
        Err(e) => return common::report_error(e),
    };
    if let Some(why) = explore::unsupported(&scenario) {
        return common::report_error(format!(
            "{}: cannot explore: {why}",
            args.scenario.scenario.display()
        ));
    }
    let config = args.config(&scenario);
    let built = common::guard_build(|| {
        common::build(ctx, &scenario, scenario.seed, &BuildOptions::default())
    });
    let sim = match built {
        Ok(sim) => sim,
        Err(code) => return code,
    };
    if let Err(e) = check_boundary(&scenario, args, &config, sim.as_ref()) {
        return common::report_error(e);
    }
    let started = std::time::Instant::now(); // allow-nondeterminism: --time and states/s only
    let report = search_with_bar(sim, &config, args.time);
    let wall = started.elapsed().as_secs_f64();
    if args.json {
        let mut value = serde_json::to_value(&report).unwrap_or_default();
        value["wall_seconds"] = serde_json::json!(wall);
        println!("{value}");
    } else {
        print_summary(&scenario, &config, &report, wall);
    }
    if let Some(c) = &report.violation {
        let path: Vec<_> = c.path.iter().map(|s| s.choice).collect();
        let rebuilt = common::build(ctx, &scenario, scenario.seed, &BuildOptions::default());
        let Ok(sim) = rebuilt else {
            return report.verdict().exit_code();
        };
        let replayed = super::replay::run_explored(sim, config.options(), &path);
        // The replay file carries the scenario as searched.
        let text = if changed {
            crate::scenario::to_toml(&scenario)
        } else {
            scenario.source.text.to_string()
        };
        let mut failure =
            Failure::from_report(&args.scenario.scenario, &text, &args.scenario, &replayed);
        if changed {
            failure.scenario_text = Some(text);
        }
        failure.explore = Some(ExplorePath {
            ops_per_client: config.ops_per_client,
            wire: config.wire,
            time: config.time,
            steps: c
                .path
                .iter()
                .map(|s| ExploreStep {
                    choice: s.choice,
                    label: s.label.clone(),
                })
                .collect(),
        });
        match failure::write_one(&args.out, &failure, false) {
            Ok(()) if !args.json => {
                println!("wrote {}", args.out.display());
                let program = common::program();
                let out = args.out.display();
                println!("replay: {program} replay {out}");
                println!(
                    "step through it (opens at the violating step): {program} replay {out} --tui"
                );
            }
            Ok(()) => {}
            Err(e) => eprintln!("distlab: cannot write {}: {e}", args.out.display()),
        }
    }
    report.verdict().exit_code()
}

/// The boundary's names are the protocol's, and relative time is something
/// it declares: bad input (exit 3) otherwise, at the scenario's line or the
/// flag.
fn check_boundary(
    scenario: &Scenario,
    args: &ExploreArgs,
    config: &Config,
    sim: &dyn crate::sim::DynSim,
) -> Result<(), String> {
    let declared = sim.bounds();
    let protocol = format!("protocol `{}`", scenario.protocol.get_ref());
    for bound in &scenario.explore.bounds {
        let name = bound.name.get_ref();
        if let Err(why) = explore::check_bound(&declared, &protocol, name) {
            let error =
                crate::scenario::ScenarioError::at(&scenario.source, bound.name.span(), why);
            return Err(error.to_string());
        }
    }
    for (name, limit) in &args.bounds {
        explore::check_bound(&declared, &protocol, name)
            .map_err(|why| format!("--bound {name}={limit}: {why}"))?;
    }
    if config.relative_time && config.time != crate::sim::TimeModel::Frozen {
        if let Some(why) = sim.relative_time_refusal() {
            let place = if args.relative_time {
                "--relative-time".to_string()
            } else {
                format!(
                    "{}: [explore] relative_time",
                    args.scenario.scenario.display()
                )
            };
            return Err(format!(
                "{place}: {protocol} cannot be explored with relative time: {why}"
            ));
        }
    }
    Ok(())
}

/// The search, with a progress bar on stderr once it runs for a second (on
/// a terminal), stopped after `time` of wall time if given.
fn search_with_bar(
    sim: Box<dyn crate::sim::DynSim>,
    config: &Config,
    time: Option<crate::sim::SimTime>,
) -> Report {
    use std::io::IsTerminal;
    let terminal = std::io::stderr().is_terminal();
    let started = std::time::Instant::now(); // allow-nondeterminism: progress display and --time
    let limit = time.map(|t| std::time::Duration::from_nanos(t.as_nanos()));
    let mut bar: Option<indicatif::ProgressBar> = None;
    let mut on_progress = |p: &Progress| {
        let elapsed = started.elapsed();
        if terminal && bar.is_none() && elapsed.as_secs() >= 1 {
            let b = indicatif::ProgressBar::new_spinner();
            b.set_style(
                indicatif::ProgressStyle::with_template("{spinner} [{elapsed_precise}] {msg}")
                    .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
            );
            bar = Some(b);
        }
        if let Some(b) = &bar {
            let rate = p.unique_states as f64 / elapsed.as_secs_f64().max(1e-9);
            b.set_message(format!(
                "{} unique states ({rate:.0}/s), {} transitions, depth {}, {} waiting",
                p.unique_states, p.transitions, p.max_depth, p.pending
            ));
            b.tick();
        }
        limit.is_none_or(|l| elapsed < l)
    };
    let report = explore::search_with(sim, config, &mut on_progress);
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    report
}

fn print_summary(scenario: &Scenario, config: &Config, report: &Report, wall: f64) {
    let b = config.budgets;
    let (strategy, depth) = match report.strategy {
        ExploreStrategy::Walk => (
            format!("walk ({} walks)", config.walks),
            format!("{} per walk", config.walk_depth()),
        ),
        other => (
            other.name().to_string(),
            config
                .max_depth
                .map_or("unbounded".to_string(), |d| d.to_string()),
        ),
    };
    let mut extra = String::new();
    if config.relative_time {
        extra.push_str(", relative time");
    }
    let boundary = config.boundary_text();
    if !boundary.is_empty() {
        extra.push_str(&format!(", boundary {boundary}"));
    }
    println!(
        "explore {} ({}, {} nodes, seed {}): {strategy}, {} network, {} time, depth {depth}, states {}, ops {}/client, drops {}, duplicates {}, crashes {}, restarts {}, jobs {}{extra}",
        scenario.name,
        scenario.protocol.get_ref(),
        scenario.nodes,
        scenario.seed,
        match config.wire {
            crate::sim::Wire::Multiset => "multiset",
            crate::sim::Wire::Duplicating => "duplicating",
        },
        match config.time {
            crate::sim::TimeModel::Timers => "timer-driven",
            crate::sim::TimeModel::Frozen => "frozen",
            crate::sim::TimeModel::Ordered => "deadline-ordered",
        },
        config.max_states,
        config.ops_per_client,
        b.drops,
        b.duplicates,
        b.crashes,
        b.restarts,
        config.jobs
    );
    let rate = report.unique_states as f64 / wall.max(1e-9);
    println!(
        "  unique states: {}   transitions: {}   terminal: {}   max depth: {}",
        report.unique_states, report.transitions, report.terminal_states, report.max_depth
    );
    println!("  wall time: {wall:.3}s   {rate:.0} unique states/s");
    let limits: Vec<&str> = report
        .limits
        .iter()
        .filter(|l| report.strategy != ExploreStrategy::Walk || **l != explore::Limit::Depth)
        .map(|l| match l {
            explore::Limit::Depth => "the depth bound",
            explore::Limit::States => "the state bound",
            explore::Limit::Stopped => "the time limit",
            explore::Limit::Boundary => "the boundary",
        })
        .collect();
    let space = if report.strategy == ExploreStrategy::Walk {
        let mut text = format!(
            "sampled by {} random walk(s), {} of them ending in a terminal state (a sample: never exhausted)",
            report.walks, report.terminal_states
        );
        if report.violation.is_some() {
            text.push_str("; stopped at the first violation");
        } else if !limits.is_empty() {
            text.push_str(&format!("; cut short by {}", limits.join(" and ")));
        }
        text
    } else if report.exhausted && boundary.is_empty() {
        "exhausted: every reachable state was visited".to_string()
    } else if report.exhausted {
        format!(
            "exhausted: every reachable state was visited (none outside the boundary, {boundary})"
        )
    } else if report.exhausted_within_boundary {
        format!(
            "exhausted within the boundary ({boundary}): {} states inside, {} outside",
            report.unique_states - report.outside_states,
            report.outside_states
        )
    } else if report.violation.is_some() {
        "stopped at the first violation".to_string()
    } else {
        format!("NOT exhausted: cut short by {}", limits.join(" and "))
    };
    println!("  space: {space}");
    if !boundary.is_empty() && !report.exhausted_within_boundary {
        println!(
            "  outside the boundary ({boundary}): {} (checked, not expanded)",
            report.outside_states
        );
    }
    for s in &report.sometimes {
        match &s.witness {
            Some(path) => println!("  sometimes {}: reached in {} step(s)", s.name, path.len()),
            None => println!("  sometimes {}: never reached", s.name),
        }
    }
    if report.frozen_clock_read {
        println!("  WARNING: time was frozen but a handler read its clock (ctx.now()): states that depend on time passing were not explored; drop --frozen-time / time = \"frozen\"");
    }
    match &report.violation {
        None => println!("verdict: {}", Verdict::Pass.name()),
        Some(c) => {
            println!("verdict: {}", c.verdict.name());
            print!("{c}");
        }
    }
}
