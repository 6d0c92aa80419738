//! `distlab sweep-params`: run a scenario once per value of one `[protocol]`
//! parameter over a seed range and print a table of metrics (median over
//! seeds), to read off a trade-off such as gossip's fanout.

use super::common::{self, ScenarioArgs};
use super::sweep::parse_seeds;
use crate::cli::Context;
use crate::scenario::engine::BuildOptions;
use crate::scenario::Scenario;
use crate::sim::{SimTime, Verdict};
use clap::Args;

/// Arguments of `distlab sweep-params`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab sweep-params scenarios/gossip-rumor.toml --param fanout=1,2,3,4 --seeds 0..20\n  distlab sweep-params scenarios/gossip-anti-entropy.toml --param mode=push,pull,push-pull --metrics converge-rounds-p50,messages-per-update\n  distlab sweep-params scenarios/gossip-rumor.toml --param fanout=1,2,3,4 --svg fanout.svg\n\n--svg draws one panel per metric, one bar per value, medians written over the bars (docs/pictures.md)."
)]
pub struct ParamsArgs {
    #[command(flatten)]
    pub scenario: ScenarioArgs,
    /// The parameter and its values: `NAME=V1,V2,...` (values in TOML or bare words).
    #[arg(long, value_parser = parse_param)]
    pub param: (String, Vec<String>),
    /// Seeds to run for each value, `START..END` (END excluded).
    #[arg(long, value_parser = parse_seeds, default_value = "0..10")]
    pub seeds: (u64, u64),
    /// Metrics to show, comma-separated (default: every metric of the first run).
    #[arg(long, value_delimiter = ',')]
    pub metrics: Vec<String>,
    /// Also write the table as an SVG chart (one panel per metric, one bar
    /// per value, each metric scaled to its own maximum).
    #[arg(long)]
    pub svg: Option<std::path::PathBuf>,
    /// Also draw each value's latency distribution (the ok operations of
    /// every seed, pooled) as one tail plot: the share of operations slower
    /// than x, log-log, p50/p99/p99.9 marked.
    #[arg(long)]
    pub latency_svg: Option<std::path::PathBuf>,
    /// Also chart a metric that lists a number per item (`METRIC=FILE.svg`,
    /// e.g. `load-per-instance=load.svg`, whose value reads `n1 120, n2
    /// 97, ...`): one panel per value, one bar per item (median over seeds).
    #[arg(long, value_parser = parse_breakdown)]
    pub breakdown_svg: Option<(String, std::path::PathBuf)>,
}

/// Parse `metric=file.svg`.
pub fn parse_breakdown(text: &str) -> Result<(String, std::path::PathBuf), String> {
    match text.split_once('=') {
        Some((metric, file)) if !metric.trim().is_empty() && !file.trim().is_empty() => {
            Ok((metric.trim().to_string(), file.trim().into()))
        }
        _ => Err(format!(
            "expected METRIC=FILE.svg such as load-per-instance=load.svg, got {text:?}"
        )),
    }
}

/// A metric that lists a number per item, `n1 120, n2 97`: the items in
/// order with their numbers; `None` if the text is not such a list.
fn breakdown(text: &str) -> Option<Vec<(String, f64)>> {
    text.split(',')
        .map(|item| {
            let (label, value) = item.trim().rsplit_once(' ')?;
            Some((label.trim().to_string(), number(value)?))
        })
        .collect()
}

/// What one parameter value's runs gave besides the table: the ok
/// latencies of every seed (with `--latency-svg`) and the breakdown
/// metric's items per seed (with `--breakdown-svg`).
#[derive(Default)]
struct Extras {
    latencies: Vec<u64>,
    items: Vec<(String, Vec<f64>)>,
}

/// Parse `name=v1,v2`.
pub fn parse_param(text: &str) -> Result<(String, Vec<String>), String> {
    let bad = || format!("expected NAME=V1,V2,... such as fanout=1,2,3, got {text:?}");
    let (name, values) = text.split_once('=').ok_or_else(bad)?;
    let values: Vec<String> = values.split(',').map(|v| v.trim().to_string()).collect();
    if name.trim().is_empty() || values.iter().any(String::is_empty) {
        return Err(bad());
    }
    Ok((name.trim().to_string(), values))
}

/// A metric as a number: plain numbers, percentages and durations (in ms).
fn number(text: &str) -> Option<f64> {
    if let Ok(t) = text.parse::<SimTime>() {
        return Some(t.as_nanos() as f64 / 1e6);
    }
    text.trim_end_matches('%').parse().ok()
}

fn median(mut xs: Vec<f64>) -> Option<f64> {
    xs.sort_by(f64::total_cmp);
    xs.get(xs.len().checked_sub(1)? / 2).copied()
}

/// One table row: passes and the median of each metric; the extras the
/// charts asked for go into `extras`.
fn row(
    ctx: &Context,
    args: &ParamsArgs,
    scenario: &Scenario,
    names: &mut Vec<String>,
    extras: &mut Extras,
) -> Result<(u64, Vec<Option<f64>>), String> {
    let mut passed = 0;
    let mut values: Vec<Vec<f64>> = Vec::new();
    for seed in args.seeds.0..args.seeds.1 {
        let mut sim = common::build(ctx, scenario, seed, &BuildOptions::default())?;
        let report = sim.run();
        if args.latency_svg.is_some() {
            extras.latencies.extend_from_slice(sim.op_latencies());
        }
        passed += u64::from(report.verdict == Verdict::Pass);
        if names.is_empty() {
            *names = report.metrics.iter().map(|(k, _)| k.clone()).collect();
        }
        values.resize(names.len(), Vec::new());
        for (i, name) in names.iter().enumerate() {
            let found = report.metrics.iter().find(|(k, _)| k == name);
            if let Some(x) = found.and_then(|(_, v)| number(v)) {
                values[i].push(x);
            }
        }
        if let Some((metric, _)) = &args.breakdown_svg {
            let text = report.metrics.iter().find(|(k, _)| k == metric);
            let items = text.and_then(|(_, v)| breakdown(v)).ok_or_else(|| {
                format!(
                    "--breakdown-svg: {metric} is not a metric of {} that lists a number per item (like `n1 120, n2 97`)",
                    scenario.name
                )
            })?;
            for (label, x) in items {
                match extras.items.iter_mut().find(|(l, _)| *l == label) {
                    Some((_, xs)) => xs.push(x),
                    None => extras.items.push((label, vec![x])),
                }
            }
        }
    }
    Ok((passed, values.into_iter().map(median).collect()))
}

/// Run the first value's first seed and check that every metric asked for
/// is one the run reports; the error lists the known ones.
fn check_metrics(
    ctx: &Context,
    base: &Scenario,
    name: &str,
    value: &str,
    seed: u64,
    wanted: &[String],
) -> Result<(), String> {
    let mut scenario = base.clone();
    scenario.protocol_params = base
        .protocol_params
        .with_param(name, value)
        .map_err(|e| e.to_string())?;
    let report = common::build(ctx, &scenario, seed, &BuildOptions::default())?.run();
    let known: Vec<&str> = report.metrics.iter().map(|(k, _)| k.as_str()).collect();
    let unknown: Vec<&str> = wanted
        .iter()
        .map(String::as_str)
        .filter(|m| !known.contains(m))
        .collect();
    if unknown.is_empty() {
        return Ok(());
    }
    let listed = if known.is_empty() {
        format!("{} reports no metrics", base.name)
    } else {
        format!("the metrics of {} are: {}", base.name, known.join(", "))
    };
    Err(format!(
        "unknown metric{} {}; {listed}",
        if unknown.len() == 1 { "" } else { "s" },
        unknown.join(", ")
    ))
}

fn cells(medians: &[Option<f64>]) -> String {
    let cells: Vec<String> = medians
        .iter()
        .map(|m| crate::pictures::chart::format_value(*m))
        .collect();
    cells.join(" | ")
}

/// Most seeds per parameter value.
pub const MAX_SEEDS: u64 = 1_000_000;

/// Run the command.
pub fn run(ctx: &Context, args: &ParamsArgs) -> i32 {
    let seeds = args.seeds.1 - args.seeds.0;
    if seeds > MAX_SEEDS {
        return common::report_error(format!(
            "--seeds {}..{} holds {seeds} seeds; sweep-params runs at most {MAX_SEEDS} per value (their metrics are kept for the medians)",
            args.seeds.0, args.seeds.1
        ));
    }
    let base = match common::load(ctx, &args.scenario.scenario, &args.scenario.overrides(None)) {
        Ok(s) => s,
        Err(e) => return common::report_error(e),
    };
    let (name, values) = &args.param;
    // Fail before the sweep, not after it: a chart that cannot be written,
    // metrics no run reports.
    // Opened without truncating: a chart already there stays until the
    // new one is written; a file this run created goes if the run fails.
    let mut created = false;
    if let Some(path) = &args.svg {
        created = !path.exists();
        let opened = std::fs::OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path);
        if let Err(e) = opened {
            return common::report_error(format!("cannot write {}: {e}", path.display()));
        }
    }
    let give_up = |message: String| {
        if let (Some(path), true) = (&args.svg, created) {
            let _ = std::fs::remove_file(path);
        }
        common::report_error(message)
    };
    if !args.metrics.is_empty() {
        if let Err(e) = check_metrics(ctx, &base, name, &values[0], args.seeds.0, &args.metrics) {
            return give_up(e);
        }
    }
    let mut names = args.metrics.clone();
    let mut rows = Vec::new();
    let mut extras = Vec::new();
    for value in values {
        let mut scenario = base.clone();
        scenario.protocol_params = match base.protocol_params.with_param(name, value) {
            Ok(p) => p,
            Err(e) => return give_up(e.to_string()),
        };
        let mut extra = Extras::default();
        match row(ctx, args, &scenario, &mut names, &mut extra) {
            Ok(r) => rows.push((value.clone(), r)),
            Err(e) => return give_up(format!("{name}={value}: {e}")),
        }
        extras.push((value.clone(), extra));
    }
    println!(
        "{} over seeds {}..{} (metrics: median over seeds; durations in ms)",
        base.name, args.seeds.0, args.seeds.1
    );
    println!("| {name} | pass | {} |", names.join(" | "));
    println!("|---|---|{}", "---|".repeat(names.len()));
    let runs = args.seeds.1 - args.seeds.0;
    for (value, (passed, medians)) in &rows {
        println!("| {value} | {passed}/{runs} | {} |", cells(medians));
    }
    if let Some(path) = &args.svg {
        let title = format!(
            "{} over seeds {}..{}",
            base.name, args.seeds.0, args.seeds.1
        );
        let table: Vec<(String, Vec<Option<f64>>)> = rows
            .iter()
            .map(|(value, (_, medians))| (value.clone(), medians.clone()))
            .collect();
        let chart = crate::pictures::chart::bar_chart(&title, name, &names, &table);
        if let Err(e) = std::fs::write(path, chart) {
            return common::report_error(format!("cannot write {}: {e}", path.display()));
        }
        eprintln!("wrote {}", path.display());
    }
    let title = format!(
        "{} over seeds {}..{}",
        base.name, args.seeds.0, args.seeds.1
    );
    if let Some(path) = &args.latency_svg {
        let series: Vec<(String, Vec<u64>)> = extras
            .iter()
            .map(|(value, e)| (value.clone(), e.latencies.clone()))
            .collect();
        let chart = crate::pictures::latency::tail_chart(&title, name, &series);
        if let Err(e) = write_chart(path, &chart) {
            return common::report_error(e);
        }
    }
    if let Some((metric, path)) = &args.breakdown_svg {
        let chart = breakdown_chart(&title, metric, &extras);
        if let Err(e) = write_chart(path, &chart) {
            return common::report_error(e);
        }
    }
    super::EXIT_OK
}

fn write_chart(path: &std::path::Path, chart: &str) -> Result<(), String> {
    std::fs::write(path, chart).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!("wrote {}", path.display());
    Ok(())
}

/// The breakdown as a bar chart: a panel per parameter value, a bar per
/// item (in the order the first run listed them), medians over seeds.
fn breakdown_chart(title: &str, metric: &str, extras: &[(String, Extras)]) -> String {
    let panels: Vec<String> = extras
        .iter()
        .map(|(value, _)| format!("{metric}: {value}"))
        .collect();
    let mut labels: Vec<String> = Vec::new();
    for (_, e) in extras {
        for (label, _) in &e.items {
            if !labels.contains(label) {
                labels.push(label.clone());
            }
        }
    }
    let rows: Vec<(String, Vec<Option<f64>>)> = labels
        .iter()
        .map(|label| {
            let per_value = extras
                .iter()
                .map(|(_, e)| {
                    let xs = e.items.iter().find(|(l, _)| l == label);
                    xs.and_then(|(_, xs)| median(xs.clone()))
                })
                .collect();
            (label.clone(), per_value)
        })
        .collect();
    crate::pictures::chart::bar_chart(title, "item", &panels, &rows)
}
