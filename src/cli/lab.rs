//! `distlab lab`: list the labs, grade one, show its next hint.
//!
//! `lab check NN` grades the student's crate: from the main `distlab` binary
//! it runs `cargo run --release -p lab-NN-... -- lab check NN ...`, whose
//! binary is the whole distlab CLI with the student's implementation
//! installed, and which grades in-process. `--reference` grades the built-in
//! reference instead (for teachers, and to see what full marks look like).

use super::common;
use super::failure::Failure;
use crate::cli::Context;
use crate::labs::grade::{self, GradeOptions, Scoreboard};
use crate::labs::{self, board, integrity, status, Lab};
use crate::labs::{LabBug, SeedSet};
use crate::registry::ProtocolEntry;
use clap::{Args, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

/// Arguments of `distlab lab`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab lab list\n  distlab lab check 05\n  distlab lab check 05 --part B\n  distlab lab hint 05\n\nFor instructors:\n  distlab lab handout 05 ../lab05-handout\n  distlab lab batch 05 submissions/ --salt SECRET --out roster\n\nSee labs/README.md and docs/labs.md."
)]
pub struct LabArgs {
    #[command(subcommand)]
    command: LabCommand,
}

#[derive(Debug, Subcommand)]
enum LabCommand {
    /// List the labs: parts, points, your best and last score, and a total.
    List,
    /// Grade a lab: build your crate, run every part over its seeds, score it.
    Check(CheckArgs),
    /// Print the next hint of a lab (one more each time).
    Hint(HintArgs),
    /// Replay a lab run (a scenario and seed, or the replay file `lab check`
    /// wrote) with the lab's build: yours in your lab crate, the reference
    /// (optionally with a bug switch) in the main binary.
    Replay(LabReplayArgs),
    /// For instructors: grade a folder of submissions, each in isolation,
    /// and write a roster (CSV and JSON).
    Batch(super::lab_batch::BatchArgs),
    /// For instructors: write a student repository without the reference
    /// implementations the labs ask for.
    Handout(super::lab_handout::HandoutArgs),
}

/// Arguments of `distlab lab replay`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab lab replay 01 labs/01-clocks/scenarios/lamport-rules.toml --seed 3\n  distlab lab replay 05 target/distlab-labs/05-failure.json --tui --bug forget-vote\n\nLab scenarios may use settings only the lab's build knows (plain `distlab\nreplay` rejects them); this command builds them the way the grader did."
)]
pub struct LabReplayArgs {
    /// The lab: `05`, `5` or `05-raft-election`.
    pub lab: String,
    /// What to replay, as for `distlab replay`.
    #[command(flatten)]
    pub replay: super::replay::ReplayArgs,
    /// With the reference: switch on one of its bug switches.
    #[arg(long)]
    pub bug: Option<String>,
}

/// Arguments of `distlab lab check`.
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  distlab lab check 05\n  distlab lab check 05 --part B --more-seeds 500\n  distlab lab check 05 --reference\n  distlab lab check 05 --reference --bug forget-vote\n  distlab lab check 05 --salt \"instructor secret\"\n\nThe grader uses its own copy of every lab scenario and refuses to grade\nwhile a lab scenario file differs from it. The first failure is written to\ntarget/distlab-labs/NN-failure.json and printed with the commands that\nreplay it headless and in the TUI, paused at the failing step. Exit code:\n0 full marks, 1 points lost, 3 bad input (or an edited lab scenario)."
)]
pub struct CheckArgs {
    /// The lab: `05`, `5` or `05-raft-election`.
    pub lab: String,
    /// Grade only this part (`A`, `B`, ...).
    #[arg(long)]
    pub part: Option<String>,
    /// Run this many seeds more per case (not an official score; at most 1000000).
    #[arg(long, default_value_t = 0, value_parser = clap::value_parser!(u64).range(..=1_000_000))]
    pub more_seeds: u64,
    /// Worker threads (default: the number of cores; 1 to 256).
    #[arg(long, value_parser = super::common::parse_jobs)]
    pub jobs: Option<usize>,
    /// Grade the built-in reference implementation instead of your crate.
    #[arg(long)]
    pub reference: bool,
    /// With --reference: switch on one of the reference's bug switches.
    #[arg(long, requires = "reference")]
    pub bug: Option<String>,
    /// Grade on held-out seeds derived from this secret text (as many per
    /// case as published) instead of the published ones.
    #[arg(long, value_name = "TEXT")]
    pub salt: Option<String>,
    /// Print the scoreboard as JSON.
    #[arg(long)]
    pub json: bool,
}

/// Arguments of `distlab lab hint`.
#[derive(Debug, Args)]
pub struct HintArgs {
    /// The lab: `05`, `5` or `05-raft-election`.
    pub lab: String,
    /// Print every hint.
    #[arg(long)]
    pub all: bool,
    /// Start again from the first hint.
    #[arg(long, conflicts_with = "all")]
    pub reset: bool,
}

/// Run the command.
pub fn run(ctx: &Context, args: &LabArgs) -> i32 {
    match &args.command {
        LabCommand::List => list(),
        LabCommand::Check(a) => check(ctx, a),
        LabCommand::Hint(a) => hint(a),
        LabCommand::Replay(a) => replay(ctx, a),
        LabCommand::Batch(a) => super::lab_batch::run(a),
        LabCommand::Handout(a) => super::lab_handout::run(a),
    }
}

fn find_bug(lab: &'static Lab, name: Option<&String>) -> Result<Option<&'static LabBug>, String> {
    let Some(name) = name else { return Ok(None) };
    match lab.bugs.iter().find(|b| b.name == name) {
        Some(b) => Ok(Some(b)),
        None => {
            let names: Vec<&str> = lab.bugs.iter().map(|b| b.name).collect();
            Err(format!(
                "lab {} has no bug switch {name:?}; its bug switches are: {}",
                lab.id,
                if names.is_empty() {
                    "none".into()
                } else {
                    names.join(", ")
                }
            ))
        }
    }
}

fn replay(ctx: &Context, args: &LabReplayArgs) -> i32 {
    let lab = match find(&args.lab) {
        Ok(l) => l,
        Err(e) => return common::report_error(e),
    };
    let bug = match find_bug(lab, args.bug.as_ref()) {
        Ok(b) => b,
        Err(e) => return common::report_error(e),
    };
    let student = ctx.is_student_of(lab.id);
    if student && bug.is_some() {
        return common::report_error("--bug switches the reference's bugs; this is your lab crate");
    }
    let mut ctx = ctx.clone();
    if let (false, Some(reference)) = (student, lab.reference) {
        // Every protocol the lab's scenarios name runs the lab's reference
        // build, with the bug switch set in every scenario.
        let root = labs::repo_root();
        let names: BTreeSet<String> = lab
            .parts
            .iter()
            .flat_map(|p| p.cases)
            .filter_map(|c| crate::scenario::load(&root.join(c.scenario), &Default::default()).ok())
            .map(|s| s.protocol.get_ref().to_string())
            .collect();
        let entries: Vec<ProtocolEntry> = names
            .iter()
            .filter_map(|n| ctx.registry.find(n))
            .map(|e| ProtocolEntry {
                build: reference,
                ..*e
            })
            .collect();
        ctx.registry = ctx.registry.with_all(entries);
        if let Some(bug) = bug {
            ctx.params.push((bug.param, bug.value));
        }
    }
    super::replay::run(&ctx, &args.replay)
}

fn find(id: &str) -> Result<&'static Lab, String> {
    labs::find(id).ok_or_else(|| {
        let ids: Vec<String> = labs::LABS
            .iter()
            .map(|l| format!("{} ({})", l.id, l.slug))
            .collect();
        format!("no lab {id:?}; the labs are {}", ids.join(", "))
    })
}

fn list() -> i32 {
    let root = labs::repo_root();
    let width = labs::LABS.iter().map(|l| l.title.len()).max().unwrap_or(0);
    println!(
        "{:<3} {:<width$}  {:<10} {:>6}  {:<13} last",
        "lab", "title", "parts", "points", "best"
    );
    let (mut best_total, mut possible_total) = (0, 0);
    for lab in labs::LABS.iter() {
        let parts: Vec<&str> = lab.parts.iter().map(|p| p.id).collect();
        let status = status::read(&root, lab.id);
        let score = |r: Option<&status::Record>| r.map(|r| format!("{}/{}", r.earned, r.possible));
        let best = status.as_ref().and_then(|s| s.best.as_ref());
        let last = status.as_ref().and_then(|s| s.last.as_ref());
        best_total += best.map_or(0, |r| r.earned);
        possible_total += lab.points();
        let line = format!(
            "{:<3} {:<width$}  {:<10} {:>6}  {:<13} {}",
            lab.id,
            lab.title,
            parts.join(" "),
            lab.points(),
            score(best).unwrap_or_else(|| "not attempted".into()),
            score(last).unwrap_or_default()
        );
        println!("{}", line.trim_end());
    }
    println!("\ntotal (best of each lab): {best_total}/{possible_total}");
    println!(
        "start with: labs/{}/README.md; grade with: distlab lab check NN",
        labs::LABS[0].slug
    );
    super::EXIT_OK
}

fn hint(args: &HintArgs) -> i32 {
    let lab = match find(&args.lab) {
        Ok(l) => l,
        Err(e) => return common::report_error(e),
    };
    let root = labs::repo_root();
    if lab.hints.is_empty() {
        println!("lab {} has no hints: its README is the whole story", lab.id);
        return super::EXIT_OK;
    }
    if args.all {
        for (i, h) in lab.hints.iter().enumerate() {
            println!("hint {}/{}: {h}", i + 1, lab.hints.len());
        }
        return super::EXIT_OK;
    }
    let shown = if args.reset {
        0
    } else {
        status::hints_shown(&root, lab.id)
    };
    let index = shown.min(lab.hints.len() - 1);
    println!(
        "hint {}/{}: {}",
        index + 1,
        lab.hints.len(),
        lab.hints[index]
    );
    if index + 1 == lab.hints.len() {
        println!(
            "(that was the last hint; `distlab lab hint {} --all` shows them all)",
            lab.id
        );
    }
    if let Err(e) = status::set_hints_shown(&root, lab.id, index + 1) {
        return common::report_error(e);
    }
    super::EXIT_OK
}

/// Who is graded.
enum Graded<'a> {
    Student,
    Reference(Option<&'a labs::LabBug>),
}

fn check(ctx: &Context, args: &CheckArgs) -> i32 {
    let lab = match find(&args.lab) {
        Ok(l) => l,
        Err(e) => return common::report_error(e),
    };
    if args.reference && lab.reference.is_none() {
        // The tour is a quiz: there is no reference to grade, and grading
        // the answers file under that name reads as full marks for nothing.
        return common::report_error(format!(
            "lab {} is a quiz with no reference implementation; `distlab lab check {}` grades your answers in labs/{}/answers.toml",
            lab.id, lab.id, lab.slug
        ));
    }
    let bug = match find_bug(lab, args.bug.as_ref()) {
        Ok(b) => b,
        Err(e) => return common::report_error(e),
    };
    let options = GradeOptions {
        part: args.part.clone(),
        extra_seeds: args.more_seeds,
        jobs: args
            .jobs
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .clamp(1, 256),
    };
    let parts = match grade::selected_parts(lab, &options) {
        Ok(p) => p,
        Err(e) => return common::report_error(e),
    };
    let root = labs::repo_root();
    let problems = integrity::check_files(lab, &parts, &root);
    if !problems.is_empty() {
        for problem in &problems {
            eprintln!("distlab: {problem}");
        }
        return super::EXIT_BAD_INPUT;
    }
    let graded = if args.reference {
        Graded::Reference(bug)
    } else if lab.custom.is_some() || ctx.is_student_of(lab.id) {
        Graded::Student
    } else {
        return delegate(lab, args);
    };
    let seeds = args
        .salt
        .as_deref()
        .map_or(SeedSet::Published, SeedSet::held_out);
    let board = match run_grade(ctx, lab, &graded, &root, &options, &seeds) {
        Ok(b) => b,
        Err(e) => return common::report_error(e),
    };
    let official = !args.reference && args.part.is_none() && args.more_seeds == 0;
    if official {
        record(lab, &board, &root);
    }
    report(lab, &board, &graded, args.json, &root);
    if board.earned() == board.possible() {
        super::EXIT_OK
    } else {
        1
    }
}

/// Grade with a progress bar.
fn run_grade(
    ctx: &Context,
    lab: &'static Lab,
    graded: &Graded<'_>,
    root: &Path,
    options: &GradeOptions,
    seeds: &SeedSet,
) -> Result<Scoreboard, String> {
    let bar = ProgressBar::new(grade::total_runs(lab, options));
    bar.set_style(
        ProgressStyle::with_template("{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} runs")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let tick = || bar.inc(1);
    let result = match graded {
        Graded::Student if lab.custom.is_some() => {
            grade::grade_reference(lab, None, root, options, &tick)
        }
        Graded::Student => match ctx.registry.find(lab.protocol) {
            Some(entry) => grade::grade_seeds(lab, &entry.build, root, options, seeds, &tick),
            None => Err(format!("protocol {} is not registered", lab.protocol)),
        },
        Graded::Reference(bug) => {
            grade::grade_reference_seeds(lab, *bug, root, options, seeds, &tick)
        }
    };
    bar.finish_and_clear();
    result
}

/// Record an official grade (last and best) in `target/distlab-labs/`.
fn record(lab: &Lab, board: &Scoreboard, root: &Path) {
    let time_unix = std::time::SystemTime::now() // allow-nondeterminism: the record's timestamp
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let record = status::Record::from_scoreboard(board, time_unix, &code_hash(lab, root));
    if let Err(e) = status::record(root, lab.id, &board.lab_version, record) {
        eprintln!("distlab: could not record the score: {e}");
    }
}

/// A hash of the graded code: the lab crate's `src/**/*.rs` files sorted by
/// path (for a lab without a crate, the files at the top of its folder
/// other than the README).
pub fn code_hash(lab: &Lab, root: &Path) -> String {
    let mut files = Vec::new();
    match lab.package.and_then(|p| crate_dir(root, p)) {
        Some(dir) => collect_rust_files(&dir.join("src"), &mut files),
        None => {
            if let Ok(entries) = std::fs::read_dir(lab.dir(root)) {
                files.extend(
                    entries
                        .flatten()
                        .map(|e| e.path())
                        .filter(|p| p.is_file() && !p.ends_with("README.md")),
                );
            }
        }
    }
    let mut named: Vec<(String, std::path::PathBuf)> = files
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(root).unwrap_or(&p).to_string_lossy();
            (name.replace('\\', "/"), p)
        })
        .collect();
    named.sort();
    let mut hash = integrity::fnv1a64(b"code");
    for (name, path) in named {
        let bytes = std::fs::read(&path).unwrap_or_default();
        hash = integrity::fold(hash, name.as_bytes());
        hash = integrity::fold(hash, &[0]);
        hash = integrity::fold(hash, &bytes);
        hash = integrity::fold(hash, &[0]);
    }
    integrity::hex(hash)
}

/// The folder under `labs/` whose `Cargo.toml` declares `package`.
pub(crate) fn crate_dir(root: &Path, package: &str) -> Option<std::path::PathBuf> {
    let wanted = format!("name = \"{package}\"");
    let mut dirs: Vec<_> = std::fs::read_dir(root.join("labs"))
        .ok()?
        .flatten()
        .map(|e| e.path())
        .collect();
    dirs.sort();
    dirs.into_iter().find(|d| {
        std::fs::read_to_string(d.join("Cargo.toml"))
            .is_ok_and(|t| t.lines().any(|l| l.trim() == wanted))
    })
}

fn collect_rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for path in entries.flatten().map(|e| e.path()) {
        if path.is_dir() {
            collect_rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Print the scoreboard (or its JSON) and the first failure.
fn report(lab: &Lab, board: &Scoreboard, graded: &Graded<'_>, json: bool, root: &Path) {
    let bug = match graded {
        Graded::Reference(bug) => *bug,
        Graded::Student => None,
    };
    let who = match graded {
        Graded::Student => "student",
        Graded::Reference(_) => "reference",
    };
    let runner = match (graded, lab.package) {
        (Graded::Student, Some(package)) => (
            format!("cargo run --release -p {package} -- replay"),
            String::new(),
        ),
        _ => (
            format!("distlab lab replay {}", lab.id),
            bug.map(|b| format!(" --bug {}", b.name))
                .unwrap_or_default(),
        ),
    };
    if json {
        let value = serde_json::json!({
            "lab": lab.id,
            "graded": who,
            "bug": bug.map(|b| b.name),
            "seeds": board.seeds,
            "lab_version": board.lab_version,
            "earned": board.earned(),
            "possible": board.possible(),
            "scoreboard": board,
        });
        println!("{value}");
    } else {
        let whose = match (graded, bug, lab.package) {
            (Graded::Reference(_), Some(b), _) => format!("the reference with bug {}", b.name),
            (Graded::Reference(_), None, _) => "the reference implementation".to_string(),
            (Graded::Student, _, None) => format!("your answers in labs/{}", lab.slug),
            (Graded::Student, _, Some(p)) => format!("your implementation ({p})"),
        };
        print!("{}", board::render(lab, board, &whose));
        print_first_failure(lab, board, root, &runner);
    }
}

/// From the main binary: build and run the student's crate, which grades
/// itself.
fn delegate(lab: &Lab, args: &CheckArgs) -> i32 {
    let Some(package) = lab.package else {
        return common::report_error(format!("lab {} has no crate to grade", lab.id));
    };
    let root = labs::repo_root();
    let mut forwarded = vec!["lab".to_string(), "check".into(), lab.id.into()];
    if let Some(p) = &args.part {
        forwarded.extend(["--part".into(), p.clone()]);
    }
    if args.more_seeds > 0 {
        forwarded.extend(["--more-seeds".into(), args.more_seeds.to_string()]);
    }
    if let Some(j) = args.jobs {
        forwarded.extend(["--jobs".into(), j.to_string()]);
    }
    if args.json {
        forwarded.push("--json".into());
    }
    // The salt is forwarded but never echoed.
    let shown = forwarded.join(" ");
    if let Some(salt) = &args.salt {
        forwarded.extend(["--salt".into(), salt.clone()]);
    }
    let shown = match args.salt {
        Some(_) => format!("{shown} --salt …"),
        None => shown,
    };
    eprintln!(
        "distlab: building your lab {} crate: cargo run --release -p {package} -- {shown}",
        lab.id
    );
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&root)
        .args(["run", "--release", "--quiet", "-p", package, "--"])
        .args(&forwarded)
        .status();
    match status {
        Ok(s) => s.code().unwrap_or(super::EXIT_BAD_INPUT),
        Err(e) => common::report_error(format!(
            "cannot run cargo to build {package}: {e} (is Rust installed and on PATH?)"
        )),
    }
}

fn print_first_failure(lab: &Lab, board: &Scoreboard, root: &Path, runner: &(String, String)) {
    let Some((part, case)) = board
        .parts
        .iter()
        .find_map(|p| p.first_failure().map(|c| (p, c)))
    else {
        return;
    };
    println!();
    if lab.custom.is_some() {
        println!(
            "`distlab lab hint {}` gives a hint; labs/{}/README.md has the steps",
            lab.id, lab.slug
        );
        return;
    }
    if let Some(e) = &case.error {
        println!("part {}: {}", part.id, e);
        return;
    }
    let Some(f) = &case.first_failure else { return };
    match &f.report {
        Some(r) => println!(
            "first failure: part {}, {} seed {} ({} at step {}, {})",
            part.id,
            case.scenario,
            f.seed,
            common::verdict_name(r.verdict),
            r.violation.as_ref().map_or(r.steps, |v| v.step),
            crate::sim::SimTime(r.virtual_time_ns)
        ),
        None => println!(
            "first failure: part {}, {} seed {}",
            part.id, case.scenario, f.seed
        ),
    }
    for (check, why) in &f.reasons {
        println!("  {check}: {why}");
    }
    println!(
        "replay it headless:\n  {} {} --seed {}{}",
        runner.0, case.scenario, f.seed, runner.1
    );
    let Some(report) = &f.report else {
        // No run to save: the build itself panicked (the node's constructor).
        if f.reasons
            .iter()
            .any(|(check, _)| check == crate::sim::PANIC_CHECK)
        {
            println!(
                "open it in the TUI:\n  {} {} --seed {} --tui{}",
                runner.0, case.scenario, f.seed, runner.1
            );
        }
        return;
    };
    let path = Path::new(&case.scenario);
    let text = std::fs::read_to_string(root.join(path)).unwrap_or_default();
    let args = common::ScenarioArgs {
        scenario: path.to_path_buf(),
        nodes: None,
        duration: None,
    };
    let failure = Failure::from_report(path, &text, &args, report);
    let file = status::failure_path(root, lab.id);
    let written = std::fs::create_dir_all(status::dir(root))
        .map_err(|e| e.to_string())
        .and_then(|()| super::tui::write(&file, &failure));
    match written {
        Ok(()) => {
            let shown = file.strip_prefix(root).unwrap_or(&file);
            println!(
                "open it in the TUI, paused at the failing step:\n  {} {} --tui{}",
                runner.0,
                shown.display(),
                runner.1
            );
        }
        Err(e) => eprintln!("distlab: could not write the replay file: {e}"),
    }
}
