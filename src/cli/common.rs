//! Pieces the commands share: scenario loading with overrides, building, and
//! printing a run report.

use super::Context;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{self, Overrides, Scenario};
use crate::sim::{DynSim, PanicReport, RunReport, SimTime, Verdict};
use clap::Args;
use std::path::{Path, PathBuf};

/// Scenario file plus the flags that override its values.
#[derive(Debug, Clone, Args)]
pub struct ScenarioArgs {
    /// The scenario file (TOML), e.g. scenarios/broadcast-basic.toml.
    pub scenario: PathBuf,
    /// Override the number of nodes.
    #[arg(long)]
    pub nodes: Option<u32>,
    /// Override how long clients and faults run, e.g. 30s.
    #[arg(long, value_parser = parse_time)]
    pub duration: Option<SimTime>,
}

/// Parse a duration flag (`250ms`, `30s`).
pub fn parse_time(text: &str) -> Result<SimTime, String> {
    text.parse::<SimTime>().map_err(|e| e.to_string())
}

/// Most worker threads a `--jobs` flag takes.
pub const MAX_JOBS: usize = 256;

/// Parse a `--jobs` flag: 1 to [`MAX_JOBS`] worker threads.
pub fn parse_jobs(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_JOBS).contains(&n) => Ok(n),
        _ => Err(format!(
            "expected 1 to {MAX_JOBS} worker threads, got {text:?}"
        )),
    }
}

/// Print an error the way every command does.
pub fn report_error(message: impl std::fmt::Display) -> i32 {
    eprintln!("distlab: {message}");
    super::EXIT_BAD_INPUT
}

impl ScenarioArgs {
    /// The overrides these flags ask for, with `seed`.
    pub fn overrides(&self, seed: Option<u64>) -> Overrides {
        Overrides {
            seed,
            nodes: self.nodes,
            duration: self.duration,
        }
    }
}

/// Load and validate a scenario, and check that the registry can build it
/// (protocol name and parameters), so errors surface before any work.
pub fn load(ctx: &Context, path: &Path, overrides: &Overrides) -> Result<Scenario, String> {
    let scenario = scenario::load(path, overrides).map_err(|e| e.to_string())?;
    prepare(ctx, scenario)
}

/// [`load`] for a scenario text already in hand (`origin` names it in
/// errors): parse, validate, and check that the registry can build it.
pub fn load_text(
    ctx: &Context,
    origin: &str,
    text: &str,
    overrides: &Overrides,
) -> Result<Scenario, String> {
    let scenario = scenario::parse(origin, text, overrides).map_err(|e| e.to_string())?;
    prepare(ctx, scenario)
}

/// Set the context's parameters in `scenario` and check that it builds.
fn prepare(ctx: &Context, mut scenario: Scenario) -> Result<Scenario, String> {
    for (key, value) in &ctx.params {
        scenario.protocol_params = scenario
            .protocol_params
            .with_param(key, value)
            .map_err(|e| e.to_string())?;
    }
    ctx.registry
        .build(&scenario, &BuildOptions::default())
        .map_err(|e| e.to_string())?;
    Ok(scenario)
}

/// `scenario` with `[protocol]` settings from the command line: each is
/// the flag that set it (`--param fanout=5`, `--bug forget-vote`), the
/// parameter and its value. A value the protocol refuses is the flag's
/// fault, not the file's: the error names the flag and no file position.
pub fn with_settings(
    ctx: &Context,
    mut scenario: Scenario,
    settings: &[(String, String, String)],
) -> Result<Scenario, String> {
    for (flag, name, value) in settings {
        scenario.protocol_params = scenario
            .protocol_params
            .with_param(name, value)
            .map_err(|e| format!("{flag}: {}", e.message))?;
        ctx.registry
            .build(&scenario, &BuildOptions::default())
            .map_err(|e| format!("{flag}: {}", e.message))?;
    }
    Ok(scenario)
}

/// Build a simulation of `scenario` with `seed`.
pub fn build(
    ctx: &Context,
    scenario: &Scenario,
    seed: u64,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, String> {
    let mut scenario = scenario.clone();
    scenario.seed = seed;
    ctx.registry
        .build(&scenario, options)
        .map_err(|e| e.to_string())
}

/// How to run this program again in a hint: `distlab` when the running
/// binary is distlab, else the path it was started as (a lab crate's or a
/// user's binary built on [`super::main_with`], whose protocols the
/// `distlab` binary does not know).
pub fn program() -> String {
    let invoked = std::env::args_os().next().unwrap_or_default();
    let path = Path::new(&invoked);
    match path.file_stem().and_then(|s| s.to_str()) {
        Some("distlab") | None => "distlab".to_string(),
        Some(_) => path.display().to_string(),
    }
}

/// The command that replays `seed` of `path` with the same overrides.
pub fn replay_command(path: &Path, seed: u64, args: &ScenarioArgs) -> String {
    let mut cmd = format!("{} replay {} --seed {seed}", program(), path.display());
    if let Some(n) = args.nodes {
        cmd.push_str(&format!(" --nodes {n}"));
    }
    if let Some(d) = args.duration {
        cmd.push_str(&format!(" --duration {d}"));
    }
    cmd
}

/// The experiment block: each window, each hypothesis bound over it
/// (measured, held or violated by how much), the abort and the skips.
fn print_experiment(e: &crate::sim::ExperimentReport) {
    let verdict = if e.held { "held" } else { "VIOLATED" };
    println!("experiment: steady-state hypothesis {verdict}");
    for w in &e.windows {
        if w.window.from == w.window.to {
            println!(
                "  window {} is empty (at {}): not judged",
                w.window.name, w.window.from
            );
            continue;
        }
        println!(
            "  window {} [{}, {}): {} ops invoked",
            w.window.name, w.window.from, w.window.to, w.ops_invoked
        );
        for j in e.judgements.iter().filter(|j| j.window == w.window.name) {
            let measured = j.measured.as_deref().unwrap_or("nothing to measure");
            let status = match (j.status, &j.by) {
                ("violated", Some(by)) => {
                    let relative = j
                        .by_relative_percent
                        .map(|r| format!(", {r}% past the bound"))
                        .unwrap_or_default();
                    format!("VIOLATED by {by}{relative}")
                }
                (status, _) => status.to_string(),
            };
            println!("    {:<34} measured {measured:<10} {status}", j.hypothesis);
        }
    }
    match &e.aborted {
        Some(why) => println!("  {why}"),
        None => println!("  not aborted"),
    }
    for skip in &e.skipped {
        println!("  blast radius: {skip}");
    }
}

/// The human summary of a run.
pub fn print_report(report: &RunReport, protocol: &str, nodes: u32) {
    println!(
        "scenario: {}  protocol: {protocol}  nodes: {nodes}  seed: {}",
        report.scenario, report.seed
    );
    println!(
        "steps: {}  virtual time: {}",
        report.steps,
        SimTime(report.virtual_time_ns)
    );
    let m = &report.messages;
    println!(
        "messages: sent {}, delivered {}, dropped {}, duplicated {}",
        m.sent, m.delivered, m.dropped, m.duplicated
    );
    let o = &report.operations;
    if o.invoked > 0 {
        println!(
            "operations: invoked {}, ok {}, fail {}, info {}",
            o.invoked, o.ok, o.fail, o.info
        );
    }
    if let Some(v) = &report.violation {
        println!("stopped at step {} ({}) by `{}`", v.step, v.time, v.check);
    }
    if let Some(p) = &report.panic {
        print_panic(p);
    }
    println!("checks:");
    for c in &report.checks {
        let (status, detail) = match &c.outcome {
            crate::check::Outcome::Pass => ("pass", String::new()),
            crate::check::Outcome::Fail(d) => ("FAIL", format!(": {d}")),
            crate::check::Outcome::Unknown(d) => ("unknown", format!(": {d}")),
        };
        println!(
            "  {status:<7} {:<10} {}{detail}",
            c.kind.to_string(),
            c.name
        );
    }
    if !report.metrics.is_empty() {
        println!("metrics:");
        let width = report
            .metrics
            .iter()
            .map(|(name, _)| name.len())
            .max()
            .unwrap_or(0)
            .max(24);
        for (name, value) in &report.metrics {
            println!("  {name:<width$} {value}");
        }
    }
    if let Some(e) = &report.experiment {
        print_experiment(e);
    }
    println!("verdict: {}", verdict_name(report.verdict));
    if let Some(note) = unknown_note(report) {
        println!("  {note}");
    }
    println!("trace-hash: {}", report.trace_hash);
}

/// Under a verdict with undecided checks: what `unknown` means and what to
/// do about it. `None` when every check decided.
pub fn unknown_note(report: &RunReport) -> Option<String> {
    let unknown = report.unknown_checks();
    if unknown.is_empty() || !matches!(report.verdict, Verdict::Pass | Verdict::Unknown) {
        return None;
    }
    let names = unknown.join(", ");
    let checks = if unknown.len() == 1 {
        "check"
    } else {
        "checks"
    };
    Some(if report.verdict == Verdict::Unknown {
        format!(
            "no check failed, but {} {checks} could not decide ({names}): this run is not a pass (exit code 6); raise the budget its explanation above names, or accept undecided runs with `[check] unknown = \"pass\"`",
            unknown.len()
        )
    } else {
        format!(
            "passed with {} undecided {checks} ({names}), as the scenario allows (`[check] unknown = \"pass\"`)",
            unknown.len()
        )
    })
}

/// `pass`, `safety-violation`, `liveness-failure` or `panic`.
pub fn verdict_name(verdict: Verdict) -> &'static str {
    verdict.name()
}

/// A panic in protocol code, on three lines: where in the run, where in the
/// source, and the message.
pub fn print_panic(p: &PanicReport) {
    println!("  {} panicked", p.site);
    if let Some(at) = &p.location {
        println!("  at {at}");
    }
    println!("  {}", p.message);
}

/// A run that panicked, run again with the full trace kept, so that the
/// panic's site names the message being handled (`n1's
/// on_message(RequestVote { .. }) from n0`, not `message #57`): a run at the
/// hash-only level does not keep the message, and the run is deterministic.
/// `rerun` runs a simulation the way the first run did. Any other report is
/// returned as it is.
pub fn name_the_panic(
    ctx: &Context,
    report: RunReport,
    scenario: &Scenario,
    rerun: impl FnOnce(Box<dyn DynSim>) -> RunReport,
) -> RunReport {
    if report.panic.is_none() {
        return report;
    }
    let options = BuildOptions {
        trace_level: crate::sim::TraceLevel::Full,
    };
    let again = crate::sim::catch_panic(String::new, || {
        build(ctx, scenario, scenario.seed, &options).map(rerun)
    });
    match again {
        Ok(Ok(full)) if full.trace_hash == report.trace_hash => full,
        _ => report,
    }
}

/// Run `f` (loading or building a scenario, which runs the protocol's
/// constructor); a panic there is reported as the implementation's and
/// gives [`super::EXIT_PANIC`].
pub fn guard_build<T>(f: impl FnOnce() -> Result<T, String>) -> Result<T, i32> {
    let site = || "building the simulation (the scenario, the node's constructor)".to_string();
    match crate::sim::catch_panic(site, f) {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(e)) => Err(report_error(e)),
        Err(panic) => {
            eprintln!("distlab: the implementation panicked while {panic}");
            Err(super::EXIT_PANIC)
        }
    }
}

/// A run report as the `--json` object: the report plus the verdict name.
pub fn report_json(report: &RunReport) -> serde_json::Value {
    let mut value = serde_json::to_value(report).unwrap_or_default();
    if let Some(obj) = value.as_object_mut() {
        obj.insert("verdict".into(), verdict_name(report.verdict).into());
        let metrics: serde_json::Map<String, serde_json::Value> = report
            .metrics
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().into()))
            .collect();
        obj.insert("metrics".into(), metrics.into());
    }
    value
}
