//! Lab 00, the tour: run a scenario, read the summary, sweep seeds, replay a
//! failure. Graded as a quiz: the student writes what they saw into
//! `labs/00-tour/answers.toml`, and the grader runs the same simulations and
//! compares. Nothing to implement, so there is no crate and no reference.

use super::grade::{CaseResult, FirstFailure, PartResult};
use super::{Case, Lab, Part};
use crate::check::Outcome;
use crate::registry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{self, Overrides};
use crate::sim::{RunReport, Verdict};
use std::path::Path;

const RAFT_BASIC: &str = "scenarios/raft-basic.toml";
const FORGET_VOTE: &str = "scenarios/raft-bug-forget-vote.toml";
/// Seeds the sweep question is about.
const SWEEP: (u64, u64) = (0, 20);

/// The tour.
pub const LAB: Lab = Lab {
    id: "00",
    slug: "00-tour",
    title: "Tour: run, read, sweep, replay",
    package: None,
    protocol: "raft",
    parts: &[
        Part {
            id: "A",
            title: "run a scenario and read its summary",
            cases: &[
                Case {
                    scenario: RAFT_BASIC,
                    seeds: (1, 2),
                    checks: &["trace_hash"],
                    points: 1,
                },
                Case {
                    scenario: RAFT_BASIC,
                    seeds: (1, 2),
                    checks: &["messages_delivered"],
                    points: 1,
                },
            ],
        },
        Part {
            id: "B",
            title: "sweep seeds and replay a failure",
            cases: &[
                Case {
                    scenario: FORGET_VOTE,
                    seeds: SWEEP,
                    checks: &["first_failing_seed"],
                    points: 1,
                },
                Case {
                    scenario: FORGET_VOTE,
                    seeds: SWEEP,
                    checks: &["failing_check"],
                    points: 1,
                },
                Case {
                    scenario: FORGET_VOTE,
                    seeds: SWEEP,
                    checks: &["failing_trace_hash"],
                    points: 1,
                },
            ],
        },
    ],
    hints: &[
        "`distlab run scenarios/raft-basic.toml` prints the summary; the trace hash is on the `trace-hash` line and the message counters on `messages`.",
        "`distlab sweep scenarios/raft-bug-forget-vote.toml --seeds 0..20` prints every failing seed in order, with the check that failed in parentheses.",
        "`distlab replay scenarios/raft-bug-forget-vote.toml --seed N` re-runs seed N and prints its trace hash; `--tui` opens it paused where the check failed.",
    ],
    reference: None,
    bugs: &[],
    custom: Some(grade_answers),
};

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
    let truth = Truth::compute(root);
    LAB.parts
        .iter()
        .map(|part| PartResult {
            id: part.id.to_string(),
            title: part.title.to_string(),
            cases: part
                .cases
                .iter()
                .map(|case| grade_question(case, &answers, &truth))
                .collect(),
        })
        .collect()
}

/// The right answers, from the simulations themselves.
struct Truth {
    basic: Result<RunReport, String>,
    first_failure: Result<Option<RunReport>, String>,
}

impl Truth {
    fn compute(root: &Path) -> Truth {
        let run = |file: &str, seed: u64| -> Result<RunReport, String> {
            let overrides = Overrides {
                seed: Some(seed),
                ..Overrides::default()
            };
            let s = scenario::load(&root.join(file), &overrides).map_err(|e| e.to_string())?;
            let mut sim =
                registry::build(&s, &BuildOptions::default()).map_err(|e| e.to_string())?;
            Ok(sim.run())
        };
        let first_failure = (SWEEP.0..SWEEP.1)
            .map(|seed| run(FORGET_VOTE, seed))
            .find(|r| r.as_ref().map_or(true, |r| r.verdict != Verdict::Pass))
            .transpose();
        Truth {
            basic: run(RAFT_BASIC, 1),
            first_failure,
        }
    }

    /// The right answer to question `key`, as text.
    fn answer(&self, key: &str) -> Result<String, String> {
        let failing = || -> Result<RunReport, String> {
            self.first_failure.clone()?.ok_or_else(|| {
                format!("no seed of {FORGET_VOTE} in {}..{} fails", SWEEP.0, SWEEP.1)
            })
        };
        Ok(match key {
            "trace_hash" => self.basic.clone()?.trace_hash,
            "messages_delivered" => self.basic.clone()?.messages.delivered.to_string(),
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
