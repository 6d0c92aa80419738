//! The grader: run every case of a lab over its seeds with a given build
//! (the student's or the reference's), and score the parts.
//!
//! Grading is deterministic: a case's result depends only on the build, the
//! scenario and the seeds (runs are single-threaded simulations; worker
//! threads only split the seeds, and results are kept by seed). A panic in
//! the implementation under test (a `todo!()` left in a skeleton) fails that
//! seed with the panic's message; it never takes the grader down.
//!
//! Three things keep a grade honest:
//! - the grader always uses its own compiled-in copy of each scenario
//!   ([`super::integrity`]);
//! - an instructor can grade with held-out seeds ([`SeedSet`]);
//! - after the main pass, a sample of seeds is run again on a fresh thread
//!   in another order, and a different trace hash zeroes the part
//!   (`labs::determinism`): a node that keeps state outside the
//!   simulation (a global, a thread-local, a static) gives itself away.

use super::determinism::{self, CaseRun};
use super::integrity;
use super::seeds::SeedSet;
use super::{Case, Lab, Part};
use crate::check::Outcome;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{self, Overrides, Scenario, ScenarioError};
use crate::sim::{catch_panic, DynSim, RunReport, Verdict, PANIC_CHECK};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

/// A build function as the grader takes it: the student's registered
/// protocol, the reference, or the reference with a bug switched on.
pub type Build<'a> =
    &'a (dyn Fn(&Scenario, &BuildOptions) -> Result<Box<dyn DynSim>, ScenarioError> + Sync);

/// How to grade (the seed set is an argument of [`grade_seeds`]).
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
#[derive(Clone, Debug, Default, Serialize)]
pub struct CaseResult {
    /// Scenario file, relative to the repository root.
    pub scenario: String,
    /// The published seeds, `start..end` (with any extra seeds). With
    /// held-out seeds, as many seeds derived from the salt ran instead.
    pub seeds: (u64, u64),
    /// Every check graded, the case's own first: a seed passes only if all
    /// of them pass (the case's listed checks must be among them).
    pub checks: Vec<String>,
    /// Points it is worth.
    pub points: u32,
    /// Seeds that passed: all of them, or those before the first failure
    /// (the seeds after it are skipped).
    pub passed: u64,
    /// The first failing seed, if any.
    pub first_failure: Option<FirstFailure>,
    /// A problem that stopped the case before any run (bad scenario file).
    pub error: Option<String>,
    /// A seed that gave another trace hash when run again (the determinism
    /// check): the whole part scores 0.
    pub nondeterministic: Option<String>,
}

impl CaseResult {
    /// Whether every seed passed.
    pub fn ok(&self) -> bool {
        self.error.is_none() && self.first_failure.is_none() && self.nondeterministic.is_none()
    }

    /// Points earned: all or nothing.
    pub fn earned(&self) -> u32 {
        if self.ok() {
            self.points
        } else {
            0
        }
    }

    /// How many seeds the case has.
    pub fn runs(&self) -> u64 {
        self.seeds.1.saturating_sub(self.seeds.0)
    }
}

/// What went wrong at a failing seed.
#[derive(Clone, Debug, Serialize)]
pub struct FirstFailure {
    /// The seed (the actual seed, also with held-out seeds).
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
    /// Points earned: 0 when a case was not deterministic.
    pub fn earned(&self) -> u32 {
        if self.nondeterministic() {
            return 0;
        }
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

    /// Whether a case of the part failed the determinism check.
    pub fn nondeterministic(&self) -> bool {
        self.cases.iter().any(|c| c.nondeterministic.is_some())
    }
}

/// A lab's score.
#[derive(Clone, Debug, Serialize)]
pub struct Scoreboard {
    /// Lab id.
    pub lab: String,
    /// The lab's version ([`integrity::lab_version`]).
    pub lab_version: String,
    /// Parts graded, in order.
    pub parts: Vec<PartResult>,
    /// Extra seeds run beyond the official ranges.
    pub extra_seeds: u64,
    /// The seed set: `published` or `held-out (salt #…)`.
    pub seeds: String,
    /// Per scenario file graded: (path, hash of the grader's copy).
    pub scenario_hashes: Vec<(String, String)>,
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

    /// The determinism check's findings: (part id, what differed).
    pub fn nondeterminism(&self) -> Vec<(&str, &str)> {
        self.parts
            .iter()
            .flat_map(|p| {
                p.cases
                    .iter()
                    .filter_map(move |c| Some((p.id.as_str(), c.nondeterministic.as_deref()?)))
            })
            .collect()
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

/// Grade `lab` with `build` on the published seeds. `root` is where
/// scenario files no lab names are read (the grader has its own copy of
/// every lab's); `progress` is called once per finished run (from worker
/// threads).
pub fn grade(
    lab: &Lab,
    build: Build<'_>,
    root: &Path,
    options: &GradeOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Scoreboard, String> {
    grade_seeds(lab, build, root, options, &SeedSet::Published, progress)
}

/// Grade `lab` with `build` on the seed set `seeds`, then run the
/// determinism check.
pub fn grade_seeds(
    lab: &Lab,
    build: Build<'_>,
    root: &Path,
    options: &GradeOptions,
    seeds: &SeedSet,
    progress: &(dyn Fn() + Sync),
) -> Result<Scoreboard, String> {
    let parts = selected_parts(lab, options)?;
    let mut runs: Vec<CaseRun> = Vec::new();
    let mut results = if let Some(custom) = lab.custom {
        let mut all = custom(root);
        all.retain(|r| parts.iter().any(|p| p.id == r.id));
        all
    } else {
        let mut results = Vec::new();
        for (p, part) in parts.iter().enumerate() {
            let mut cases = Vec::new();
            for (c, case) in part.cases.iter().enumerate() {
                let (result, run) = run_case(case, build, root, options, seeds, progress);
                cases.push(result);
                runs.extend(run.map(|r| CaseRun {
                    part: p,
                    index: c,
                    ..r
                }));
            }
            results.push(PartResult {
                id: part.id.to_string(),
                title: part.title.to_string(),
                cases,
            });
        }
        results
    };
    for (part, case, message) in
        determinism::recheck(&runs, &|s, seed, case| rerun(s, seed, case, build))
    {
        results[part].cases[case].nondeterministic = Some(message);
    }
    Ok(Scoreboard {
        lab: lab.id.to_string(),
        lab_version: integrity::lab_version(lab, root),
        parts: results,
        extra_seeds: options.extra_seeds,
        seeds: seeds.label(),
        scenario_hashes: integrity::scenario_hashes(&parts, root),
    })
}

/// Run one case over its published seeds.
pub fn grade_case(
    case: &Case,
    build: Build<'_>,
    root: &Path,
    options: &GradeOptions,
    progress: &(dyn Fn() + Sync),
) -> CaseResult {
    run_case(case, build, root, options, &SeedSet::Published, progress).0
}

/// Run one case over its seeds from `seeds`; also what the determinism
/// check needs to run some seeds again (absent when the scenario did not
/// load).
fn run_case(
    case: &Case,
    build: Build<'_>,
    root: &Path,
    options: &GradeOptions,
    seeds: &SeedSet,
    progress: &(dyn Fn() + Sync),
) -> (CaseResult, Option<CaseRun>) {
    let range = (case.seeds.0, case.seeds.1 + options.extra_seeds);
    let mut result = CaseResult {
        scenario: case.scenario.to_string(),
        seeds: range,
        checks: case.checks.iter().map(|c| c.to_string()).collect(),
        points: case.points,
        ..CaseResult::default()
    };
    let loaded = integrity::scenario_text(case.scenario, root).and_then(|(text, _)| {
        scenario::parse(case.scenario, &text, &Overrides::default()).map_err(|e| e.to_string())
    });
    let scenario = match loaded {
        Ok(s) => s,
        Err(e) => {
            result.error = Some(e);
            return (result, None);
        }
    };
    let list = seeds.seeds(case.scenario, range);
    let pass = run_seeds(&scenario, &list, case, build, options.jobs.max(1), progress);
    result.passed = pass.first_failure.as_ref().map_or(list.len(), |(i, _)| *i) as u64;
    if let Some(checks) = &pass.checks {
        for name in checks {
            if !result.checks.contains(name) {
                result.checks.push(name.clone());
            }
        }
    }
    let run = CaseRun {
        part: 0,
        index: 0,
        case: *case,
        failure_index: pass.first_failure.as_ref().map(|(i, _)| *i),
        seeds: list,
        fingerprints: pass.fingerprints,
        scenario,
    };
    result.first_failure = pass.first_failure.map(|(_, f)| f);
    (result, Some(run))
}

/// What the main pass over one case's seeds found.
struct Pass {
    /// The first failing seed: (index in the seed list, failure).
    first_failure: Option<(usize, FirstFailure)>,
    /// Per index run: what the run gave ([`determinism::fingerprint`]).
    fingerprints: BTreeMap<usize, String>,
    /// The checks the first seed's run reported.
    checks: Option<Vec<String>>,
}

/// Run `seeds` (in index order, split over `jobs` threads); stop looking
/// past the first failure.
fn run_seeds(
    scenario: &Scenario,
    seeds: &[u64],
    case: &Case,
    build: Build<'_>,
    jobs: usize,
    progress: &(dyn Fn() + Sync),
) -> Pass {
    let next = AtomicU64::new(0);
    let failures: Mutex<Vec<(usize, FirstFailure)>> = Mutex::new(Vec::new());
    let fingerprints: Mutex<BTreeMap<usize, String>> = Mutex::new(BTreeMap::new());
    let checks: Mutex<Option<Vec<String>>> = Mutex::new(None);
    let lowest_failure = AtomicU64::new(u64::MAX);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let index = next.fetch_add(1, Ordering::Relaxed);
                    let Some(&seed) = seeds.get(index as usize) else {
                        break;
                    };
                    // Seeds after a known failure cannot be the first one.
                    if index > lowest_failure.load(Ordering::Relaxed) {
                        progress();
                        continue;
                    }
                    let outcome = run_seed(scenario, seed, case, build);
                    if index == 0 {
                        *checks.lock().expect("no poisoning") = check_names(&outcome);
                    }
                    fingerprints
                        .lock()
                        .expect("no poisoning")
                        .insert(index as usize, determinism::fingerprint(&outcome));
                    if let Err(failure) = outcome {
                        lowest_failure.fetch_min(index, Ordering::Relaxed);
                        failures
                            .lock()
                            .expect("no poisoning")
                            .push((index as usize, failure));
                    }
                    progress();
                }
            });
        }
    });
    let first_failure = failures
        .into_inner()
        .expect("no poisoning")
        .into_iter()
        .min_by_key(|(i, _)| *i);
    let mut fingerprints = fingerprints.into_inner().expect("no poisoning");
    // Keep only runs up to the first failure: the count of runs past it
    // depends on `jobs`.
    if let Some((i, _)) = &first_failure {
        fingerprints.retain(|k, _| k <= i);
    }
    Pass {
        first_failure,
        fingerprints,
        checks: checks.into_inner().expect("no poisoning"),
    }
}

/// Run `seed` of `scenario` again, alone, on a fresh grading thread (for
/// the determinism check); what it gave.
fn rerun(scenario: &Scenario, seed: u64, case: &Case, build: Build<'_>) -> String {
    std::thread::scope(|scope| {
        scope
            .spawn(|| determinism::fingerprint(&run_seed(scenario, seed, case, build)))
            .join()
            .unwrap_or_else(|_| "a crash of the grading thread".into())
    })
}

/// The checks a seed's run reported (none without a report).
fn check_names(outcome: &Result<RunReport, FirstFailure>) -> Option<Vec<String>> {
    let report = match outcome {
        Ok(report) => report,
        Err(failure) => failure.report.as_deref()?,
    };
    Some(report.checks.iter().map(|c| c.name.clone()).collect())
}

/// Build and run one seed: its report when it passed, else why not.
fn run_seed(
    scenario: &Scenario,
    seed: u64,
    case: &Case,
    build: Build<'_>,
) -> Result<RunReport, FirstFailure> {
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
            // An undecided check is no pass (unless the case's scenario
            // accepts it: then the verdict says pass).
            Outcome::Unknown(why) if report.verdict == Verdict::Unknown => {
                Some((c.name.clone(), format!("unknown: {why}")))
            }
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
        Ok(report)
    } else {
        Err(fail(reasons, Some(Box::new(report))))
    }
}

/// Grade `lab`'s reference implementation on the published seeds,
/// optionally with one bug switch on (for the project's tests and `distlab
/// lab check --reference`).
pub fn grade_reference(
    lab: &Lab,
    bug: Option<&super::LabBug>,
    root: &Path,
    options: &GradeOptions,
    progress: &(dyn Fn() + Sync),
) -> Result<Scoreboard, String> {
    grade_reference_seeds(lab, bug, root, options, &SeedSet::Published, progress)
}

/// [`grade_reference`] on the seed set `seeds`.
pub fn grade_reference_seeds(
    lab: &Lab,
    bug: Option<&super::LabBug>,
    root: &Path,
    options: &GradeOptions,
    seeds: &SeedSet,
    progress: &(dyn Fn() + Sync),
) -> Result<Scoreboard, String> {
    if lab.custom.is_some() {
        let build = |_: &Scenario, _: &BuildOptions| unreachable_build();
        return grade_seeds(lab, &build, root, options, seeds, progress);
    }
    let reference = lab
        .reference
        .ok_or_else(|| format!("lab {} has no reference implementation", lab.id))?;
    match bug {
        None => grade_seeds(lab, &reference, root, options, seeds, progress),
        Some(bug) => {
            let with_bug = move |s: &Scenario, o: &BuildOptions| {
                let mut s = s.clone();
                s.protocol_params = s.protocol_params.with_param(bug.param, bug.value)?;
                reference(&s, o)
            };
            grade_seeds(lab, &with_bug, root, options, seeds, progress)
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
