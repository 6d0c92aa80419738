//! `distlab lab batch NN DIR`: grade a folder of submissions, each in
//! isolation, and write a roster (CSV and JSON).
//!
//! Each submission gets its own scratch crate (see [`scratch`]), built with
//! cargo into the repository's `target/` (the dependencies it shares with
//! the main build are built once), and is graded in its own process by its
//! own binary (`lab check NN --json`), killed after a time limit. A
//! submission that does not compile, hangs or crashes the grader is a row
//! in the roster with the reason, never an error of the batch.

pub mod roster;
pub mod scratch;
pub mod submissions;

use super::common;
use crate::labs::{self, Lab};
use clap::Args;
use roster::{Roster, Row, RowStatus};
use scratch::{Ended, Scratch};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};
use submissions::Submission;

/// Arguments of `distlab lab batch`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  distlab lab batch 05 submissions/
  distlab lab batch 05 submissions/ --salt 'fall-2026 secret' --out grades/lab05
  distlab lab batch 03 submissions/ --time-limit 300 --jobs 2

A submission is a file NAME.rs (the student's src/lib.rs) or a folder NAME/
with src/lib.rs (its other files under src/ are copied; its Cargo.toml and
main.rs are not: the lab's dependencies and main.rs are used). Each is built
in target/distlab-batch/NN/NAME/ and graded by its own binary with
`lab check NN --json`; build.log, check.json and check.err stay there.
Writes OUT.csv and OUT.json (default roster.csv, roster.json). Exit code:
0 the roster was written (whatever the scores), 3 bad input.")]
pub struct BatchArgs {
    /// The lab: `05`, `5` or `05-raft-election`.
    pub lab: String,
    /// The folder of submissions.
    pub submissions: PathBuf,
    /// Grade with held-out seeds derived from this text (passed to
    /// `lab check --salt`).
    #[arg(long)]
    pub salt: Option<String>,
    /// Where to write the roster: OUT.csv and OUT.json.
    #[arg(long, default_value = "roster")]
    pub out: PathBuf,
    /// Seconds one submission's grading may take before it is killed and
    /// recorded as timed out.
    #[arg(long, default_value_t = 600)]
    pub time_limit: u64,
    /// Seconds one submission's build may take before it is killed.
    #[arg(long, default_value_t = 900)]
    pub build_time_limit: u64,
    /// Worker threads for each grading (passed to `lab check --jobs`).
    #[arg(long)]
    pub jobs: Option<usize>,
}

/// Run the command.
pub fn run(args: &BatchArgs) -> i32 {
    let Some(lab) = labs::find(&args.lab) else {
        return common::report_error(format!(
            "no lab {:?}; `distlab lab list` shows the labs",
            args.lab
        ));
    };
    let Some(package) = lab.package else {
        return common::report_error(format!(
            "lab {} has no crate to submit (it is graded by `distlab lab check {}`)",
            lab.id, lab.id
        ));
    };
    let (found, skipped) = match submissions::discover(&args.submissions) {
        Ok(f) => f,
        Err(e) => return common::report_error(e),
    };
    for s in &skipped {
        eprintln!("distlab: skipping {}: {}", s.name, s.why);
    }
    if found.is_empty() {
        return common::report_error(format!(
            "{}: no submissions (NAME.rs files or NAME/src/lib.rs folders)",
            args.submissions.display()
        ));
    }
    let root = labs::repo_root();
    let started = Instant::now();
    let mut rows = Vec::new();
    for (i, submission) in found.iter().enumerate() {
        let progress = format!("[{}/{}] {}", i + 1, found.len(), submission.student);
        let row = grade_one(&root, lab, package, submission, args, &progress);
        eprintln!("{progress}: {}", summary(&row));
        rows.push(row);
    }
    let roster = Roster {
        lab: lab.id.to_string(),
        salt: args.salt.clone(),
        rows,
    };
    match write_roster(lab, &roster, &args.out) {
        Ok((csv, json)) => {
            eprintln!(
                "distlab: graded {} submissions in {:.0}s; roster: {} and {}",
                roster.rows.len(),
                started.elapsed().as_secs_f64(),
                csv.display(),
                json.display()
            );
            super::EXIT_OK
        }
        Err(e) => common::report_error(e),
    }
}

/// One line of progress for a finished row.
fn summary(row: &Row) -> String {
    let detail = match row.status {
        RowStatus::Graded => {
            let parts: Vec<String> = row
                .parts
                .iter()
                .map(|p| format!("{} {}/{}", p.part, p.earned, p.possible))
                .collect();
            format!("{}/{} ({})", row.earned, row.possible, parts.join(", "))
        }
        _ => format!(
            "{}: {}",
            row.status.name(),
            row.error.as_deref().unwrap_or_default()
        ),
    };
    format!("{detail} in {:.1}s", row.seconds)
}

/// Build and grade one submission; every outcome is a row.
fn grade_one(
    root: &Path,
    lab: &Lab,
    package: &str,
    submission: &Submission,
    args: &BatchArgs,
    progress: &str,
) -> Row {
    let started = Instant::now();
    let mut row = Row::ungraded(
        lab,
        &submission.student,
        &submission.source,
        RowStatus::Error,
    );
    let outcome = build_and_check(root, lab, package, submission, args, progress, &mut row);
    if let Err(e) = outcome {
        row.error = Some(e);
    }
    row.seconds = started.elapsed().as_secs_f64();
    row
}

fn build_and_check(
    root: &Path,
    lab: &Lab,
    package: &str,
    submission: &Submission,
    args: &BatchArgs,
    progress: &str,
    row: &mut Row,
) -> Result<(), String> {
    let scratch = Scratch::new(root, lab, &submission.student);
    scratch::write_crate(root, lab, &scratch, submission)?;
    let target = root.join("target");
    eprintln!("{progress}: building {}", scratch.dir.display());
    let log = scratch.dir.join("build.log");
    let build = scratch::build_command(&scratch, &target);
    let limit = Duration::from_secs(args.build_time_limit);
    match scratch::run_limited(build, &log, &scratch.dir.join("build.err"), limit)? {
        Ended::Exited(Some(0)) => {}
        Ended::TimedOut => {
            row.status = RowStatus::TimedOut;
            return Err(format!("the build ran past {}s", args.build_time_limit));
        }
        Ended::Exited(_) => {
            let mut text = std::fs::read_to_string(&log).unwrap_or_default();
            text += &std::fs::read_to_string(scratch.dir.join("build.err")).unwrap_or_default();
            row.status = RowStatus::BuildError;
            return Err(scratch::first_error(&text, &scratch.dir));
        }
    }
    eprintln!("{progress}: grading");
    let mut check = Command::new(scratch.binary(&target));
    check
        .current_dir(&scratch.dir)
        .args(["lab", "check", lab.id, "--json"]);
    if let Some(salt) = &args.salt {
        check.args(["--salt", salt]);
    }
    if let Some(jobs) = args.jobs {
        check.args(["--jobs", &jobs.to_string()]);
    }
    let (out, err) = (
        scratch.dir.join("check.json"),
        scratch.dir.join("check.err"),
    );
    let limit = Duration::from_secs(args.time_limit);
    match scratch::run_limited(check, &out, &err, limit)? {
        Ended::TimedOut => {
            row.status = RowStatus::TimedOut;
            Err(format!(
                "grading ran past {}s (killed): an infinite loop?",
                args.time_limit
            ))
        }
        Ended::Exited(code @ (Some(0) | Some(1))) => {
            let stdout = std::fs::read_to_string(&out).unwrap_or_default();
            roster::fill_from_check(row, &stdout, package)
                .map_err(|e| format!("{e} (exit code {code:?}; see {})", err.display()))
        }
        Ended::Exited(code) => {
            let stderr = std::fs::read_to_string(&err).unwrap_or_default();
            let last = stderr.lines().rev().find(|l| !l.trim().is_empty());
            let how = code.map_or("killed by a signal".to_string(), |c| {
                format!("exit code {c}")
            });
            Err(format!(
                "the grader failed ({how}): {}",
                last.unwrap_or("no message")
            ))
        }
    }
}

/// Write `OUT.csv` and `OUT.json`; returns their paths.
pub fn write_roster(lab: &Lab, roster: &Roster, out: &Path) -> Result<(PathBuf, PathBuf), String> {
    let stem = match out.extension().and_then(|e| e.to_str()) {
        Some("csv" | "json") => out.with_extension(""),
        _ => out.to_path_buf(),
    };
    let csv = PathBuf::from(format!("{}.csv", stem.display()));
    let json = PathBuf::from(format!("{}.json", stem.display()));
    if let Some(parent) = csv.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::write(&csv, roster::to_csv(lab, roster))
        .map_err(|e| format!("{}: {e}", csv.display()))?;
    let text = serde_json::to_string_pretty(roster).map_err(|e| e.to_string())?;
    std::fs::write(&json, text + "\n").map_err(|e| format!("{}: {e}", json.display()))?;
    Ok((csv, json))
}
