//! The roster: one row per submission (points per part, total, first
//! failure and its replay command, or why it was not graded), written as
//! CSV and JSON.

use crate::labs::Lab;
use serde::{Deserialize, Serialize};
use std::fmt::Write as _;

/// How a submission's grading ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RowStatus {
    /// Built and graded (whatever the score).
    Graded,
    /// The crate did not compile.
    BuildError,
    /// Building or grading ran past the time limit and was killed.
    TimedOut,
    /// The grading process failed without a score (crashed, bad input).
    Error,
}

impl RowStatus {
    /// The name in the roster.
    pub fn name(self) -> &'static str {
        match self {
            RowStatus::Graded => "graded",
            RowStatus::BuildError => "build-error",
            RowStatus::TimedOut => "timed-out",
            RowStatus::Error => "error",
        }
    }
}

/// Points of one part.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartPoints {
    /// Part id.
    pub part: String,
    /// Points earned.
    pub earned: u32,
    /// Points possible.
    pub possible: u32,
}

/// One submission's line in the roster.
#[derive(Clone, Debug, Serialize)]
pub struct Row {
    /// The student.
    pub student: String,
    /// What was submitted (`alice.rs`, `bob/`).
    pub source: String,
    /// The lab id.
    pub lab: String,
    /// How grading ended.
    pub status: RowStatus,
    /// Points per part (every part of the lab; zero when not graded).
    pub parts: Vec<PartPoints>,
    /// Points earned.
    pub earned: u32,
    /// Points possible.
    pub possible: u32,
    /// The first failure: part, scenario, seed and the first failed check.
    pub first_failure: Option<String>,
    /// The command that replays the first failure with the student's crate.
    pub replay: Option<String>,
    /// Why the submission has no score: the compiler's first error, the time
    /// limit, or the grader's error.
    pub error: Option<String>,
    /// Wall-clock seconds spent building and grading.
    pub seconds: f64,
}

impl Row {
    /// A row with no points (for a submission that was not graded).
    pub fn ungraded(lab: &Lab, student: &str, source: &str, status: RowStatus) -> Row {
        Row {
            student: student.to_string(),
            source: source.to_string(),
            lab: lab.id.to_string(),
            status,
            parts: lab
                .parts
                .iter()
                .map(|p| PartPoints {
                    part: p.id.to_string(),
                    earned: 0,
                    possible: p.points(),
                })
                .collect(),
            earned: 0,
            possible: lab.points(),
            first_failure: None,
            replay: None,
            error: None,
            seconds: 0.0,
        }
    }
}

/// The whole roster.
#[derive(Clone, Debug, Serialize)]
pub struct Roster {
    /// The lab id.
    pub lab: String,
    /// The held-out seed salt, if one was given.
    pub salt: Option<String>,
    /// One row per submission, by student name.
    pub rows: Vec<Row>,
}

/// The roster as CSV: `student,source,lab,status,<part ids>,total,possible,
/// first_failure,replay,error,seconds`.
pub fn to_csv(lab: &Lab, roster: &Roster) -> String {
    let mut header = vec!["student", "source", "lab", "status"];
    header.extend(lab.parts.iter().map(|p| p.id));
    header.extend([
        "total",
        "possible",
        "first_failure",
        "replay",
        "error",
        "seconds",
    ]);
    let mut out = header.join(",") + "\n";
    for row in &roster.rows {
        let mut fields = vec![
            row.student.clone(),
            row.source.clone(),
            row.lab.clone(),
            row.status.name().to_string(),
        ];
        for part in lab.parts {
            let earned = row.parts.iter().find(|p| p.part == part.id);
            fields.push(earned.map_or(0, |p| p.earned).to_string());
        }
        fields.push(row.earned.to_string());
        fields.push(row.possible.to_string());
        for text in [&row.first_failure, &row.replay, &row.error] {
            fields.push(text.clone().unwrap_or_default());
        }
        fields.push(format!("{:.1}", row.seconds));
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        let _ = writeln!(out, "{}", line.join(","));
    }
    out
}

/// A CSV field, quoted when it holds a comma, quote or line break.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

/// The part of `lab check --json`'s output the roster reads.
#[derive(Debug, Deserialize)]
struct CheckOutput {
    earned: u32,
    possible: u32,
    scoreboard: Board,
}

#[derive(Debug, Deserialize)]
struct Board {
    parts: Vec<BoardPart>,
}

#[derive(Debug, Deserialize)]
struct BoardPart {
    id: String,
    cases: Vec<BoardCase>,
}

#[derive(Debug, Deserialize)]
struct BoardCase {
    scenario: String,
    points: u32,
    #[serde(default)]
    first_failure: Option<BoardFailure>,
    #[serde(default)]
    error: Option<String>,
}

#[derive(Debug, Deserialize)]
struct BoardFailure {
    seed: u64,
    #[serde(default)]
    reasons: Vec<(String, String)>,
}

/// Fill `row` from the JSON `distlab lab check NN --json` printed (the last
/// line that starts with `{`); `package` is the student's lab crate, for
/// the replay command.
pub fn fill_from_check(row: &mut Row, stdout: &str, package: &str) -> Result<(), String> {
    let line = stdout
        .lines()
        .rev()
        .find(|l| l.trim_start().starts_with('{'))
        .ok_or("the grader printed no score")?;
    let output: CheckOutput = serde_json::from_str(line)
        .map_err(|e| format!("the grader's output is not a score: {e}"))?;
    row.earned = output.earned;
    row.possible = output.possible;
    for part in &output.scoreboard.parts {
        let (earned, possible) = part.cases.iter().fold((0, 0), |(e, p), c| {
            let ok = c.first_failure.is_none() && c.error.is_none();
            (e + if ok { c.points } else { 0 }, p + c.points)
        });
        match row.parts.iter_mut().find(|p| p.part == part.id) {
            Some(p) => (p.earned, p.possible) = (earned, possible),
            None => row.parts.push(PartPoints {
                part: part.id.clone(),
                earned,
                possible,
            }),
        }
        if row.first_failure.is_some() {
            continue;
        }
        for case in &part.cases {
            if let Some(e) = &case.error {
                let first = e.lines().next().unwrap_or_default();
                row.first_failure = Some(format!("part {}: {first}", part.id));
                break;
            }
            if let Some(f) = &case.first_failure {
                let why = f
                    .reasons
                    .first()
                    .map(|(check, why)| {
                        format!(": {check}: {}", why.lines().next().unwrap_or_default())
                    })
                    .unwrap_or_default();
                row.first_failure = Some(format!(
                    "part {}, {} seed {}{why}",
                    part.id, case.scenario, f.seed
                ));
                row.replay = Some(format!(
                    "cargo run --release -p {package} -- replay {} --seed {}",
                    case.scenario, f.seed
                ));
                break;
            }
        }
    }
    row.status = RowStatus::Graded;
    Ok(())
}
