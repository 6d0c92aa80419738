//! What `distlab lab` remembers between runs: each lab's last official score
//! and how many hints were shown, in `target/distlab-labs/` (never committed).

use super::grade::Scoreboard;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The last official grade of a lab (all parts, no extra seeds).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Status {
    /// Points earned.
    pub earned: u32,
    /// Points possible.
    pub possible: u32,
    /// Per part: id, earned, possible.
    pub parts: Vec<(String, u32, u32)>,
    /// Whose implementation was graded: `student` or `reference`.
    pub graded: String,
}

impl Status {
    /// The status a scoreboard records.
    pub fn from_scoreboard(board: &Scoreboard, graded: &str) -> Status {
        Status {
            earned: board.earned(),
            possible: board.possible(),
            parts: board
                .parts
                .iter()
                .map(|p| (p.id.clone(), p.earned(), p.possible()))
                .collect(),
            graded: graded.to_string(),
        }
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
