//! What `distlab lab` remembers between runs: each lab's last official score
//! and how many hints were shown, in `target/distlab-labs/` (never committed).

use super::grade::Scoreboard;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// What `distlab lab` remembers of a lab's official grades (all parts, the
/// published or held-out seeds, no extra seeds): the last one and the best
/// one. Only the student's own work is recorded, never `--reference`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Lab id.
    pub lab: String,
    /// The lab's version (its data and scenarios) when graded.
    pub lab_version: String,
    /// The latest official grade.
    pub last: Option<Record>,
    /// The best official grade (most points; the earlier on a tie).
    pub best: Option<Record>,
}

/// One official grade.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    /// Points earned.
    pub earned: u32,
    /// Points possible.
    pub possible: u32,
    /// Per part: id, earned, possible.
    pub parts: Vec<(String, u32, u32)>,
    /// When it was graded (seconds since the Unix epoch).
    pub time_unix: u64,
    /// A hash of the graded code (empty when unknown).
    pub code_hash: String,
    /// Which seeds: `published` or the held-out set's name.
    pub seeds: String,
    /// Per scenario file: path and content hash (empty when unknown).
    pub scenario_hashes: Vec<(String, String)>,
}

impl Record {
    /// The record of a scoreboard graded at `time_unix`.
    pub fn from_scoreboard(board: &Scoreboard, time_unix: u64) -> Record {
        Record {
            earned: board.earned(),
            possible: board.possible(),
            parts: board
                .parts
                .iter()
                .map(|p| (p.id.clone(), p.earned(), p.possible()))
                .collect(),
            time_unix,
            code_hash: String::new(),
            seeds: "published".into(),
            scenario_hashes: Vec::new(),
        }
    }
}

impl Status {
    /// `self` with `record` as the last grade, and as the best one if it
    /// earned more than the best so far.
    pub fn with(mut self, record: Record) -> Status {
        let better = self.best.as_ref().is_none_or(|b| record.earned > b.earned);
        if better {
            self.best = Some(record.clone());
        }
        self.last = Some(record);
        self
    }
}

/// Record an official grade of `lab` (updating last and best).
pub fn record(root: &Path, lab: &str, lab_version: &str, record: Record) -> Result<(), String> {
    let status = read(root, lab)
        .filter(|s| s.lab_version == lab_version)
        .unwrap_or_else(|| Status {
            lab: lab.to_string(),
            lab_version: lab_version.to_string(),
            last: None,
            best: None,
        });
    write(root, lab, &status.with(record))
}

/// The folder of lab state under the repository root.
pub fn dir(root: &Path) -> PathBuf {
    root.join("target").join("distlab-labs")
}

fn status_path(root: &Path, lab: &str) -> PathBuf {
    dir(root).join(format!("{lab}.json"))
}

fn hints_path(root: &Path, lab: &str) -> PathBuf {
    dir(root).join(format!("{lab}-hints"))
}

/// Where the first failure of the last grade is written, as a replay file.
pub fn failure_path(root: &Path, lab: &str) -> PathBuf {
    dir(root).join(format!("{lab}-failure.json"))
}

/// The recorded status of `lab`, if it was graded.
pub fn read(root: &Path, lab: &str) -> Option<Status> {
    let text = std::fs::read_to_string(status_path(root, lab)).ok()?;
    serde_json::from_str(&text).ok()
}

/// Record the status of `lab`.
pub fn write(root: &Path, lab: &str, status: &Status) -> Result<(), String> {
    let path = status_path(root, lab);
    std::fs::create_dir_all(dir(root)).map_err(|e| format!("{}: {e}", dir(root).display()))?;
    let text = serde_json::to_string_pretty(status).map_err(|e| e.to_string())?;
    std::fs::write(&path, text + "\n").map_err(|e| format!("{}: {e}", path.display()))
}

/// How many hints of `lab` were shown.
pub fn hints_shown(root: &Path, lab: &str) -> usize {
    std::fs::read_to_string(hints_path(root, lab))
        .ok()
        .and_then(|t| t.trim().parse().ok())
        .unwrap_or(0)
}

/// Record that `count` hints of `lab` were shown.
pub fn set_hints_shown(root: &Path, lab: &str, count: usize) -> Result<(), String> {
    let path = hints_path(root, lab);
    std::fs::create_dir_all(dir(root)).map_err(|e| format!("{}: {e}", dir(root).display()))?;
    std::fs::write(&path, format!("{count}\n")).map_err(|e| format!("{}: {e}", path.display()))
}
