//! Lab 00, the tour: run a scenario, read the summary, sweep seeds, replay a
//! failure. Graded as a quiz: the student writes what they saw into
//! `labs/00-tour/answers.toml`, and the grader runs the same simulations and
//! compares. Nothing to implement, so there is no crate and no reference.

use super::grade::{CaseResult, FirstFailure, PartResult};
use super::{Case, Lab};
use crate::check::Outcome;
use crate::registry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{self, Overrides};
use crate::sim::{RunReport, Verdict};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::LazyLock;

/// The tour, as `labs/00-tour/lab.toml` describes it (the grader's copy).
pub static LAB: LazyLock<Lab> = LazyLock::new(|| super::compiled_lab("00"));

/// The answers file, relative to the repository root.
pub const ANSWERS: &str = "labs/00-tour/answers.toml";

/// Grade `labs/00-tour/answers.toml` under `root`.
pub fn grade_answers(root: &Path) -> Vec<PartResult> {
    let path = root.join(ANSWERS);
    let answers: Result<toml::Table, String> = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))
        .and_then(|text| {
            toml::from_str::<toml::Table>(&text).map_err(|e| format!("{}: {e}", path.display()))
        });
    // The truth of each (scenario, seeds) a question is about, run once.
    let mut truths: BTreeMap<(&str, (u64, u64)), Truth> = BTreeMap::new();
    LAB.parts
        .iter()
        .map(|part| PartResult {
            id: part.id.to_string(),
            title: part.title.to_string(),
            cases: part
                .cases
                .iter()
                .map(|case| {
                    let truth = truths
                        .entry((case.scenario, case.seeds))
                        .or_insert_with(|| Truth::compute(root, case));
                    grade_question(case, &answers, truth)
                })
                .collect(),
        })
        .collect()
}

/// The right answers about one case's scenario and seeds, from the
/// simulations themselves: the run of its first seed, and the first seed
/// of its range that fails.
struct Truth {
    scenario: &'static str,
    seeds: (u64, u64),
    first: Result<RunReport, String>,
    first_failure: Result<Option<RunReport>, String>,
}

impl Truth {
    fn compute(root: &Path, case: &Case) -> Truth {
        let run = |seed: u64| -> Result<RunReport, String> {
            let overrides = Overrides {
                seed: Some(seed),
                ..Overrides::default()
            };
            let s =
                scenario::load(&root.join(case.scenario), &overrides).map_err(|e| e.to_string())?;
            let mut sim =
                registry::build(&s, &BuildOptions::default()).map_err(|e| e.to_string())?;
            Ok(sim.run())
        };
        let (start, end) = case.seeds;
        let first = run(start);
        let first_failure = std::iter::once(first.clone())
            .chain((start + 1..end).map(run))
            .find(|r| r.as_ref().map_or(true, |r| r.verdict != Verdict::Pass))
            .transpose();
        Truth {
            scenario: case.scenario,
            seeds: case.seeds,
            first,
            first_failure,
        }
    }

    /// The right answer to question `key`, as text.
    fn answer(&self, key: &str) -> Result<String, String> {
        let failing = || -> Result<RunReport, String> {
            self.first_failure.clone()?.ok_or_else(|| {
                let (start, end) = self.seeds;
                format!("no seed of {} in {start}..{end} fails", self.scenario)
            })
        };
        Ok(match key {
            "trace_hash" => self.first.clone()?.trace_hash,
            "messages_delivered" => self.first.clone()?.messages.delivered.to_string(),
            "first_failing_seed" => failing()?.seed.to_string(),
            "failing_check" => failing()?
                .checks
                .iter()
                .find(|c| matches!(c.outcome, Outcome::Fail(_)))
                .map(|c| c.name.clone())
                .unwrap_or_default(),
            "failing_trace_hash" => failing()?.trace_hash,
            other => return Err(format!("unknown question {other}")),
        })
    }
}

fn grade_question(case: &Case, answers: &Result<toml::Table, String>, truth: &Truth) -> CaseResult {
    let key = case.checks[0];
    let mut result = CaseResult {
        scenario: case.scenario.to_string(),
        seeds: case.seeds,
        checks: vec![key.to_string()],
        points: case.points,
        passed: 0,
        first_failure: None,
        error: None,
        nondeterministic: None,
    };
    let given = match answers {
        Ok(table) => table.get(key).map(|v| match v {
            toml::Value::String(s) => s.trim().to_string(),
            other => other.to_string(),
        }),
        Err(e) => {
            result.error = Some(e.clone());
            return result;
        }
    };
    let expected = match truth.answer(key) {
        Ok(a) => a,
        Err(e) => {
            result.error = Some(e);
            return result;
        }
    };
    match given {
        Some(g) if g.eq_ignore_ascii_case(&expected) => result.passed = 1,
        Some(g) if g.is_empty() => {
            result.error = Some(format!("`{key}` is not answered yet in {ANSWERS}"));
        }
        Some(g) => {
            result.first_failure = Some(FirstFailure {
                seed: case.seeds.0,
                reasons: vec![(
                    key.to_string(),
                    format!(
                        "{g:?} is not what the simulation gives; run it again and read carefully"
                    ),
                )],
                report: None,
            });
        }
        None => result.error = Some(format!("{ANSWERS} has no `{key}`")),
    }
    result
}
