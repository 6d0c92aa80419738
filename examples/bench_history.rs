//! Time the linearizability check alone, in process: the history is loaded
//! (or simulated) first, then only `check_operations` is timed, `--repeat`
//! times, and the median is printed. Wall time is read here only to report
//! the figures (allow-nondeterminism). Documented in docs/performance.md.
//!
//! ```text
//! # History files, or directories of them (a directory with an expected.tsv,
//! # like Porcupine's corpus, uses the files and models it lists):
//! cargo run --release --example bench_history -- files ../shared/data/porcupine
//! cargo run --release --example bench_history -- files --model kv --repeat 5 FILE...
//! # Every seed of a scenario: run it, then time the check of its history
//! # at the simulations' step budget (5,000,000):
//! cargo run --release --example bench_history -- scenario scenarios/raft-one-key.toml --seeds 0..200
//! # Every scenario with a bug switch (default directory scenarios/): run
//! # seeds in order until the first failure; where that failure is the
//! # linearizability check, time judging that history (one table row each):
//! cargo run --release --example bench_history -- bugs --seeds 0..30
//! ```
//!
//! Options: `--model M` (default: from expected.tsv, else `kv` for `.edn`/
//! `.txt`/`.jsonl` files and `cas-register` for `.log`), `--repeat N`
//! (default 3), `--steps S` (step budget; default none for files, 5,000,000
//! for scenarios), `--no-partition`, `--quiet` (totals only).

use distlab::check::history::History;
use distlab::check::history_io::{self, Format};
use distlab::check::linearizability::{check_operations, Budget, Model, Options, Verdict};
use distlab::check::ops::{pair, Operations};
use distlab::check::verdict::Status;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{self, Overrides};
use distlab::sim::TraceLevel;
use std::path::{Path, PathBuf};
use std::time::Instant;

struct Settings {
    model: Option<Model>,
    repeat: usize,
    steps: Option<u64>,
    partition: bool,
    quiet: bool,
    seeds: (u64, u64),
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((mode, rest)) = args.split_first() else {
        usage("expected `files` or `scenario`");
    };
    let mut settings = Settings {
        model: None,
        repeat: 3,
        steps: None,
        partition: true,
        quiet: false,
        seeds: (0, 1),
    };
    let mut paths = Vec::new();
    let mut it = rest.iter();
    while let Some(arg) = it.next() {
        let mut value = |name: &str| {
            it.next()
                .cloned()
                .unwrap_or_else(|| usage(&format!("{name} needs a value")))
        };
        match arg.as_str() {
            "--model" => {
                let m = value("--model");
                settings.model = Some(m.parse().unwrap_or_else(|e: String| usage(&e)));
            }
            "--repeat" => settings.repeat = number(&value("--repeat")).max(1) as usize,
            "--steps" => settings.steps = Some(number(&value("--steps"))),
            "--seeds" => {
                let s = value("--seeds");
                let (a, b) = s
                    .split_once("..")
                    .unwrap_or_else(|| usage("--seeds is START..END"));
                settings.seeds = (number(a), number(b));
            }
            "--no-partition" => settings.partition = false,
            "--quiet" => settings.quiet = true,
            other => paths.push(PathBuf::from(other)),
        }
    }
    match mode.as_str() {
        "files" => files(&paths, &settings),
        "scenario" => {
            for path in &paths {
                scenario_seeds(path, &settings);
            }
        }
        "bugs" => {
            let dir = paths.first().cloned().unwrap_or_else(|| "scenarios".into());
            if settings.seeds == (0, 1) {
                settings.seeds = (0, 30);
            }
            bug_scenarios(&dir, &settings);
        }
        other => usage(&format!("unknown mode `{other}`")),
    }
}

fn usage(message: &str) -> ! {
    eprintln!("bench_history: {message}");
    eprintln!("usage: bench_history files [--model M] [--repeat N] [--steps S] [--no-partition] [--quiet] PATH...");
    eprintln!("       bench_history scenario [--model M] [--repeat N] [--steps S] [--quiet] FILE --seeds A..B");
    eprintln!("       bench_history bugs [--repeat N] [--steps S] [--seeds A..B] [DIR]");
    std::process::exit(3)
}

fn number(s: &str) -> u64 {
    s.replace('_', "")
        .parse()
        .unwrap_or_else(|_| usage(&format!("expected a number, found `{s}`")))
}

/// Check `ops` `repeat` times; the last verdict and the median seconds.
fn timed(
    ops: &Operations,
    model: Model,
    settings: &Settings,
    steps: Option<u64>,
) -> (Verdict, f64) {
    let budget = match steps {
        Some(s) => Budget::steps(s),
        None => Budget::default(),
    };
    let options = Options {
        budget,
        partition: settings.partition,
    };
    let mut times = Vec::new();
    let mut verdict = None;
    for _ in 0..settings.repeat {
        let started = Instant::now(); // allow-nondeterminism: benchmark timer
        let v = check_operations(ops, model, &options).expect("the operations fit the model");
        times.push(started.elapsed().as_secs_f64());
        verdict = Some(v);
    }
    times.sort_by(f64::total_cmp);
    (verdict.expect("repeat >= 1"), times[times.len() / 2])
}

fn files(paths: &[PathBuf], settings: &Settings) {
    let mut list: Vec<(PathBuf, Option<Model>)> = Vec::new();
    for path in paths {
        if path.is_dir() {
            let expected = path.join("expected.tsv");
            if let Ok(text) = std::fs::read_to_string(&expected) {
                for line in text.lines().skip(1).filter(|l| !l.trim().is_empty()) {
                    let fields: Vec<&str> = line.split('\t').collect();
                    list.push((path.join(fields[0]), fields[1].parse().ok()));
                }
            } else {
                let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                    .expect("readable directory")
                    .map(|e| e.expect("directory entry").path())
                    .collect();
                entries.sort();
                list.extend(entries.into_iter().map(|p| (p, None)));
            }
        } else {
            list.push((path.clone(), None));
        }
    }
    let mut total = 0.0;
    let mut by_dir: std::collections::BTreeMap<String, (usize, f64)> = Default::default();
    for (path, listed) in &list {
        let text = std::fs::read_to_string(path).expect("readable history file");
        let name = path.display().to_string();
        let parsed = history_io::parse(&text, Format::detect(&name, &text))
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let ops = pair(&parsed.history, Some(&parsed.lines)).expect("well-formed history");
        let model = settings.model.or(*listed).unwrap_or_else(|| guess(path));
        let (verdict, seconds) = timed(&ops, model, settings, settings.steps);
        total += seconds;
        let dir = path
            .parent()
            .and_then(Path::file_name)
            .map_or(String::new(), |d| d.to_string_lossy().into_owned());
        let entry = by_dir.entry(dir).or_default();
        entry.0 += 1;
        entry.1 += seconds;
        if !settings.quiet {
            println!(
                "{name}\t{model}\t{}\tops={}\tsteps={}\t{:.3} ms",
                verdict.status,
                verdict.operations,
                verdict.steps,
                seconds * 1e3
            );
        }
    }
    for (dir, (n, seconds)) in &by_dir {
        println!("{dir}/: {n} histories, {:.1} ms", seconds * 1e3);
    }
    println!("total: {} histories, {:.1} ms", list.len(), total * 1e3);
}

fn guess(path: &Path) -> Model {
    match path.extension().and_then(|e| e.to_str()) {
        Some("log") => Model::CasRegister,
        _ => Model::Kv,
    }
}

fn scenario_seeds(path: &Path, settings: &Settings) {
    let model = settings.model.unwrap_or(Model::Kv);
    let steps = settings.steps.or(Some(5_000_000));
    let (mut counts, mut first_failing) = ([0usize; 3], None);
    let mut total = 0.0;
    let mut slowest: (f64, u64) = (0.0, 0);
    for seed in settings.seeds.0..settings.seeds.1 {
        let mut sim = sim_at(path, seed);
        run_without_checks(sim.as_mut());
        let history: &History = sim.history();
        let ops = pair(history, None).expect("the simulation's history pairs");
        let (verdict, seconds) = timed(&ops, model, settings, steps);
        total += seconds;
        if seconds > slowest.0 {
            slowest = (seconds, seed);
        }
        let slot = match verdict.status {
            Status::Valid => 0,
            Status::Invalid => 1,
            Status::Unknown => 2,
        };
        counts[slot] += 1;
        if verdict.status == Status::Invalid && first_failing.is_none() {
            first_failing = Some((seed, seconds, verdict.steps));
        }
        if !settings.quiet {
            println!(
                "seed {seed}\t{}\tops={}\tsteps={}\t{:.3} ms",
                verdict.status,
                verdict.operations,
                verdict.steps,
                seconds * 1e3
            );
        }
    }
    println!(
        "{}: seeds {}..{}: {} valid, {} invalid, {} unknown; checks {:.1} ms in all, slowest {:.3} ms (seed {})",
        path.display(),
        settings.seeds.0,
        settings.seeds.1,
        counts[0],
        counts[1],
        counts[2],
        total * 1e3,
        slowest.0 * 1e3,
        slowest.1
    );
    if let Some((seed, seconds, steps)) = first_failing {
        println!(
            "first failing seed {seed}: judged in {:.3} ms ({steps} steps)",
            seconds * 1e3
        );
    }
}

/// Run the simulation to its end without evaluating the end-of-run checks
/// (the history check is what this example times).
/// The scenario at `path` built at `seed`, hashing its trace only.
fn sim_at(path: &Path, seed: u64) -> Box<dyn distlab::sim::DynSim> {
    let overrides = Overrides {
        seed: Some(seed),
        ..Overrides::default()
    };
    let scenario = scenario::load(path, &overrides).unwrap_or_else(|e| panic!("{e}"));
    let options = BuildOptions {
        trace_level: TraceLevel::HashOnly,
    };
    distlab::registry::build(&scenario, &options).unwrap_or_else(|e| panic!("{e}"))
}

fn run_without_checks(sim: &mut dyn distlab::sim::DynSim) {
    while sim.step() == distlab::sim::StepResult::Progressed {}
}

/// Whether a scenario file switches a bug on (`bugs = [...]` not empty).
fn has_bug(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim();
        line.starts_with("bugs")
            && line.split_once('=').is_some_and(|(_, v)| {
                v.trim()
                    .trim_start_matches('[')
                    .trim_start()
                    .starts_with('"')
            })
    })
}

/// Every scenario in `dir` with a bug switch: its first failing seed in
/// `settings.seeds` and, when that failure is the linearizability check,
/// the time to judge its history (the check alone, at `--steps` or the
/// simulations' 5,000,000 steps).
fn bug_scenarios(dir: &Path, settings: &Settings) {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .expect("readable scenario directory")
        .map(|e| e.expect("directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    let steps = settings.steps.or(Some(5_000_000));
    let model = settings.model.unwrap_or(Model::Kv);
    let mut others = Vec::new();
    println!("scenario\tseed\tops\tverdict\tms\tsteps");
    for path in &files {
        let text = std::fs::read_to_string(path).expect("readable scenario");
        if !has_bug(&text) {
            continue;
        }
        let name = path
            .file_stem()
            .map_or(String::new(), |s| s.to_string_lossy().into_owned());
        let mut found = None;
        for seed in settings.seeds.0..settings.seeds.1 {
            let mut sim = sim_at(path, seed);
            let report = sim.run();
            if report.verdict == distlab::sim::Verdict::Pass {
                continue;
            }
            let first = report
                .violation
                .as_ref()
                .map(|v| v.check.clone())
                .or_else(|| {
                    report
                        .checks
                        .iter()
                        .find(|c| !matches!(c.outcome, distlab::check::Outcome::Pass))
                        .map(|c| c.name.clone())
                });
            found = Some((seed, first.unwrap_or_default(), sim));
            break;
        }
        match found {
            Some((seed, check, sim)) if check == "linearizable" => {
                let ops = pair(sim.history(), None).expect("the simulation's history pairs");
                let (verdict, seconds) = timed(&ops, model, settings, steps);
                println!(
                    "{name}\t{seed}\t{}\t{}\t{:.3}\t{}",
                    verdict.operations,
                    verdict.status,
                    seconds * 1e3,
                    verdict.steps
                );
            }
            Some((seed, check, _)) => others.push(format!("{name}: seed {seed} fails `{check}`")),
            None => others.push(format!(
                "{name}: no failure in seeds {}..{}",
                settings.seeds.0, settings.seeds.1
            )),
        }
    }
    if !settings.quiet {
        println!("\nfirst failure not a linearizability violation:");
        for line in &others {
            println!("  {line}");
        }
    }
}
