//! The grader: run every case of a lab over its seeds with a given build
//! (the student's or the reference's), and score the parts.
//!
//! Grading is deterministic: a case's result depends only on the build, the
//! scenario file and the seeds (runs are single-threaded simulations; worker
//! threads only split the seeds, and results are kept by seed). A panic in
//! the implementation under test (a `todo!()` left in a skeleton) fails that
//! seed with the panic's message; it never takes the grader down.

use super::{Case, Lab, Part};
use crate::check::Outcome;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{self, Overrides, Scenario, ScenarioError};
use crate::sim::{catch_panic, DynSim, RunReport, Verdict, PANIC_CHECK};
use serde::Serialize;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A build function as the grader takes it: the student's registered
/// protocol, the reference, or the reference with a bug switched on.
pub type Build<'a> =
    &'a (dyn Fn(&Scenario, &BuildOptions) -> Result<Box<dyn DynSim>, ScenarioError> + Sync);

/// How to grade.
#[derive(Clone, Debug, Default)]
pub struct GradeOptions {
    /// Only this part (by id).
    pub part: Option<String>,
    /// Extra seeds after each case's range (students may run more; the score
    /// with extra seeds is not the official one).
    pub extra_seeds: u64,
    /// Worker threads (at least 1).
    pub jobs: usize,
}

/// The result of one case.
#[derive(Clone, Debug, Serialize)]
pub struct CaseResult {
    /// Scenario file, relative to the repository root.
    pub scenario: String,
    /// Seeds run, `start..end`.
    pub seeds: (u64, u64),
    /// The checks the case is about.
    pub checks: Vec<String>,
    /// Points it is worth.
    pub points: u32,
    /// Seeds that passed.
    pub passed: u64,
    /// The lowest failing seed, if any.
    pub first_failure: Option<FirstFailure>,
    /// A problem that stopped the case before any run (bad scenario file).
    pub error: Option<String>,
}

impl CaseResult {
    /// Whether every seed passed.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.first_failure.is_none()
    }

    /// Points earned: all or nothing.
    pub fn earned(&self) -> u32 {
        if self.ok() {
            self.points
        } else {
            0
        }
    }
}

/// What went wrong at a failing seed.
#[derive(Clone, Debug, Serialize)]
pub struct FirstFailure {
    /// The seed.
    pub seed: u64,
    /// Why, one line per failed check (or the panic).
    pub reasons: Vec<(String, String)>,
    /// The run's report (absent when the build failed or panicked).
    #[serde(skip)]
    pub report: Option<Box<RunReport>>,
}

/// The result of one part.
#[derive(Clone, Debug, Serialize)]
pub struct PartResult {
    /// Part id.
    pub id: String,
    /// Part title.
    pub title: String,
    /// Its cases.
    pub cases: Vec<CaseResult>,
}

impl PartResult {
    /// Points earned.
    pub fn earned(&self) -> u32 {
        self.cases.iter().map(CaseResult::earned).sum()
    }

    /// Points possible.
    pub fn possible(&self) -> u32 {
        self.cases.iter().map(|c| c.points).sum()
    }

    /// The first failing case, if any.
    pub fn first_failure(&self) -> Option<&CaseResult> {
        self.cases.iter().find(|c| !c.ok())
    }
}

/// A lab's score.
#[derive(Clone, Debug, Serialize)]
pub struct Scoreboard {
    /// Lab id.
    pub lab: String,
    /// Parts graded, in order.
    pub parts: Vec<PartResult>,
    /// Extra seeds run beyond the official ranges.
    pub extra_seeds: u64,
}

impl Scoreboard {
    /// Points earned.
    pub fn earned(&self) -> u32 {
        self.parts.iter().map(PartResult::earned).sum()
    }

    /// Points possible (of the parts graded).
    pub fn possible(&self) -> u32 {
        self.parts.iter().map(PartResult::possible).sum()
    }

    /// The part called `id`.
    pub fn part(&self, id: &str) -> Option<&PartResult> {
        self.parts.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }
}

/// The parts `options` selects; an unknown part is an error naming the
/// lab's parts.
pub fn selected_parts(lab: &Lab, options: &GradeOptions) -> Result<Vec<&'static Part>, String> {
    match &options.part {
        None => Ok(lab.parts.iter().collect()),
        Some(id) => lab.part(id).map(|p| vec![p]).ok_or_else(|| {
            let ids: Vec<&str> = lab.parts.iter().map(|p| p.id).collect();
            format!(
                "lab {} has no part {id:?}; its parts are {}",
                lab.id,
                ids.join(", ")
            )
        }),
    }
}

/// Seeds the grade will run (for a progress bar).
pub fn total_runs(lab: &Lab, options: &GradeOptions) -> u64 {
    selected_parts(lab, options)
        .unwrap_or_default()
        .iter()
        .flat_map(|p| p.cases)
        .map(|c| c.seeds.1 - c.seeds.0 + options.extra_seeds)
        .sum()
}

/// Grade `lab` with `build`, reading scenarios under `root`. `progress` is
/// called once per finished run (from worker threads).
pub fn grade(
    lab: &Lab,
    build: Build<'_>,
    root: &Path,
    options: &GradeOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Scoreboard, String> {
    let parts = selected_parts(lab, options)?;
    let results = if let Some(custom) = lab.custom {
        let mut all = custom(root);
        all.retain(|r| parts.iter().any(|p| p.id == r.id));
        all
    } else {
        parts
            .iter()
            .map(|part| PartResult {
                id: part.id.to_string(),
                title: part.title.to_string(),
                cases: part
                    .cases
                    .iter()
                    .map(|case| grade_case(case, build, root, options, progress))
                    .collect(),
            })
            .collect()
    };
    Ok(Scoreboard {
        lab: lab.id.to_string(),
        parts: results,
        extra_seeds: options.extra_seeds,
    })
}

/// Run one case over its seeds.
pub fn grade_case(
    case: &Case,
    build: Build<'_>,
    root: &Path,
    options: &GradeOptions,
    progress: &(dyn Fn() + Sync),
) -> CaseResult {
    let (start, end) = (case.seeds.0, case.seeds.1 + options.extra_seeds);
    let mut result = CaseResult {
        scenario: case.scenario.to_string(),
        seeds: (start, end),
        checks: case.checks.iter().map(|c| c.to_string()).collect(),
        points: case.points,
        passed: 0,
        first_failure: None,
        error: None,
    };
    let scenario = match scenario::load(&root.join(case.scenario), &Overrides::default()) {
        Ok(s) => s,
        Err(e) => {
            result.error = Some(e.to_string());
            return result;
        }
    };
    let next = AtomicU64::new(start);
    let failures: Mutex<Vec<FirstFailure>> = Mutex::new(Vec::new());
    let passed = AtomicU64::new(0);
    let lowest_failure = AtomicU64::new(u64::MAX);
    let jobs = options.jobs.max(1);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let seed = next.fetch_add(1, Ordering::Relaxed);
                    if seed >= end {
                        break;
                    }
                    // Seeds above a known failure cannot be the first one.
                    if seed > lowest_failure.load(Ordering::Relaxed) {
                        progress();
                        continue;
                    }
                    match run_seed(&scenario, seed, case, build) {
                        Ok(()) => {
                            passed.fetch_add(1, Ordering::Relaxed);
                        }
                        Err(failure) => {
                            lowest_failure.fetch_min(seed, Ordering::Relaxed);
                            failures.lock().expect("no poisoning").push(failure);
                        }
                    }
                    progress();
                }
            });
        }
    });
    result.passed = passed.into_inner();
    result.first_failure = failures
        .into_inner()
        .expect("no poisoning")
        .into_iter()
        .min_by_key(|f| f.seed);
    if let Some(f) = &result.first_failure {
        // Count only seeds below the first failure as passed: the rest were
        // skipped or raced, and the count must not depend on `jobs`.
        result.passed = f.seed - start;
    }
    result
}

/// Build and run one seed; `Err` says why it did not pass.
fn run_seed(
    scenario: &Scenario,
    seed: u64,
    case: &Case,
    build: Build<'_>,
) -> Result<(), FirstFailure> {
    let mut s = scenario.clone();
    s.seed = seed;
    // A panic in a handler or a check stops the run inside the engine (the
    // report's first failed check is `panic`); only the build (scenario →
    // simulation, the node's constructor) can panic out here.
    let built = catch_panic(
        || "building the simulation (the scenario, the node's constructor)".into(),
        || build(&s, &BuildOptions::default()),
    );
    let fail = |reasons: Vec<(String, String)>, report: Option<Box<RunReport>>| FirstFailure {
        seed,
        reasons,
        report,
    };
    let report = match built {
        Ok(Ok(mut sim)) => sim.run(),
        Ok(Err(e)) => return Err(fail(vec![("build".into(), e.to_string())], None)),
        Err(panic) => return Err(fail(vec![(PANIC_CHECK.into(), panic.to_string())], None)),
    };
    let report = name_the_panic(report, &s, build);
    let mut reasons: Vec<(String, String)> = report
        .checks
        .iter()
        .filter_map(|c| match &c.outcome {
            Outcome::Fail(why) => Some((c.name.clone(), why.clone())),
            _ => None,
        })
        .collect();
    for wanted in case.checks {
        if !report.checks.iter().any(|c| c.name == *wanted) {
            reasons.push((
                wanted.to_string(),
                "the run has no such check (the lab's build must attach it)".into(),
            ));
        }
    }
    if reasons.is_empty() && report.verdict != Verdict::Pass {
        reasons.push(("verdict".into(), format!("{:?}", report.verdict)));
    }
    if reasons.is_empty() {
        Ok(())
    } else {
        Err(fail(reasons, Some(Box::new(report))))
    }
}

/// Grade `lab`'s reference implementation, optionally with one bug switch
/// on (for the project's tests and `distlab lab check --reference`).
pub fn grade_reference(
    lab: &Lab,
    bug: Option<&super::LabBug>,
    root: &Path,
    options: &GradeOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Scoreboard, String> {
    if lab.custom.is_some() {
        return grade(lab, &|_, _| unreachable_build(), root, options, progress);
    }
    let reference = lab
        .reference
        .ok_or_else(|| format!("lab {} has no reference implementation", lab.id))?;
    match bug {
        None => grade(lab, &reference, root, options, progress),
        Some(bug) => {
            let with_bug = move |s: &Scenario, o: &BuildOptions| {
                let mut s = s.clone();
                s.protocol_params = s.protocol_params.with_param(bug.param, bug.value)?;
                reference(&s, o)
            };
            grade(lab, &with_bug, root, options, progress)
        }
    }
}

/// A run that panicked, run again with the full trace kept so that the
/// panic names the message being handled (`n1's on_message(RequestVote {
/// .. }) from n0`): the hash-only level does not keep it. Same run, same
/// hash (checked); anything else keeps the first report.
fn name_the_panic(report: RunReport, scenario: &Scenario, build: Build<'_>) -> RunReport {
    if report.panic.is_none() {
        return report;
    }
    let options = BuildOptions {
        trace_level: crate::sim::TraceLevel::Full,
    };
    match catch_panic(String::new, || {
        build(scenario, &options).map(|mut sim| sim.run())
    }) {
        Ok(Ok(full)) if full.trace_hash == report.trace_hash => full,
        _ => report,
    }
}

fn unreachable_build() -> Result<Box<dyn DynSim>, ScenarioError> {
    Err(ScenarioError::whole(
        "lab",
        "this lab is graded without simulations",
    ))
}
