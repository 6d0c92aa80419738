//! What `distlab lab` remembers between runs, in `target/distlab-labs/`
//! (never committed): each lab's last and best official score, and how many
//! hints were shown.
//!
//! A score is *official* when it grades the student's own work on every
//! part with no extra seeds (`--reference`, `--bug`, `--part` and
//! `--more-seeds` never touch the record). `best` is the highest-earned
//! official run of the lab's current version ([`Status::lab_version`]): when
//! a lab's data or scenarios change, the old best no longer counts.

use super::grade::Scoreboard;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The recorded scores of one lab.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Lab id (`05`).
    pub lab: String,
    /// The lab's version when `last` was recorded: a hash over its case list
    /// and scenario hashes (`labs::integrity::lab_version`).
    pub lab_version: String,
    /// The last official run.
    pub last: Option<Record>,
    /// The best official run of `lab_version` (highest `earned`; the earlier
    /// one on a tie).
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
    /// When it was graded, in seconds since the Unix epoch (wall clock, read
    /// by the CLI).
    pub time_unix: u64,
    /// A hash of the graded code: the lab crate's `src/**/*.rs` files,
    /// sorted by path (computed by the CLI).
    pub code_hash: String,
    /// The seed set: `published`, or `held-out (salt #xxxxxxxx)` (the
    /// salt's fingerprint, never the salt).
    pub seeds: String,
    /// Per case scenario file: (path, FNV-1a 64 of the grader's copy).
    pub scenario_hashes: Vec<(String, String)>,
}

impl Record {
    /// The record of `board`, graded at `time_unix` on code hashed
    /// `code_hash`.
    pub fn from_scoreboard(board: &Scoreboard, time_unix: u64, code_hash: &str) -> Record {
        Record {
            earned: board.earned(),
            possible: board.possible(),
            parts: board
                .parts
                .iter()
                .map(|p| (p.id.clone(), p.earned(), p.possible()))
                .collect(),
            time_unix,
            code_hash: code_hash.to_string(),
            seeds: board.seeds.clone(),
            scenario_hashes: board.scenario_hashes.clone(),
        }
    }
}

impl Status {
    /// The status after recording `record` for `lab` at `lab_version` over
    /// `previous` (any version, or none): `last` is `record`; `best` is the
    /// better of `record` and the previous best of the same version.
    pub fn with_record(
        previous: Option<Status>,
        lab: &str,
        lab_version: &str,
        record: Record,
    ) -> Status {
        let best = previous
            .filter(|p| p.lab_version == lab_version)
            .and_then(|p| p.best)
            .filter(|b| b.earned >= record.earned)
            .unwrap_or_else(|| record.clone());
        Status {
            lab: lab.to_string(),
            lab_version: lab_version.to_string(),
            last: Some(record),
            best: Some(best),
        }
    }

    /// The best record, if it belongs to `lab_version` (the lab as compiled
    /// now); `None` when the lab changed since.
    pub fn best_of(&self, lab_version: &str) -> Option<&Record> {
        self.best
            .as_ref()
            .filter(|_| self.lab_version == lab_version)
    }
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

/// The recorded status of `lab`, if it was graded. A file in an older
/// format (or unreadable) counts as absent: it is replaced at the next
/// official grade.
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

/// Record an official grade of `lab` (at `lab_version`): read the status,
/// update `last` and `best`, write it back. Returns the new status.
pub fn record(root: &Path, lab: &str, lab_version: &str, record: Record) -> Result<Status, String> {
    let status = Status::with_record(read(root, lab), lab, lab_version, record);
    write(root, lab, &status)?;
    Ok(status)
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
