//! Lab exercises: what each lab grades, and the grader that runs a student's
//! implementation through scenarios, faults and checks over fixed seeds.
//!
//! A lab is data ([`Lab`]): parts, each a list of [`Case`]s (a scenario file,
//! a seed range, the checks that must pass, points). The student's crate
//! (`labs/NN-name/`) implements a lab trait over [`crate::sim::Node`] and
//! registers itself under the reference protocol's name with
//! [`crate::registry::install_overrides`], so the same scenario files, the
//! same checks and the same CLI (including the TUI) run the student's code.
//! The reference implementation goes through the very same generic build
//! path ([`Lab::reference`]), which is how the project's own tests prove
//! every grader gives full marks to the reference and takes points from each
//! of its bug switches ([`Lab::bugs`]).
//!
//! The grader keeps its own copy of every lab scenario ([`integrity`]), can
//! grade on held-out seeds ([`seeds`]), and checks that the code under test
//! is deterministic (a node keeping state in a global loses the parts that
//! show it). Labs never touch the CLI: `distlab lab` (in `cli::lab`) prints
//! the scoreboard ([`board`]), writes replay files from a
//! [`grade::Scoreboard`] and records official scores ([`status`]).

pub mod board;
pub mod broadcast;
pub mod clocks;
pub mod cqrs;
mod determinism;
pub mod grade;
pub mod integrity;
pub mod quorum_kv;
pub mod raft;
pub mod saga;
mod scenario_copies;
pub mod seeds;
pub mod status;
pub mod tour;
pub mod two_pc;

pub use grade::{grade, CaseResult, FirstFailure, GradeOptions, PartResult, Scoreboard};
pub use seeds::SeedSet;

use crate::registry::BuildFn;
use std::path::{Path, PathBuf};

/// One lab exercise.
#[derive(Clone, Copy, Debug)]
pub struct Lab {
    /// Two-digit number, as typed in `distlab lab check 05`.
    pub id: &'static str,
    /// Folder under `labs/`, e.g. `05-raft-election`.
    pub slug: &'static str,
    /// Title for listings.
    pub title: &'static str,
    /// The student's cargo package (`lab-05-raft-election`); `None` for a lab
    /// without code (the tour).
    pub package: Option<&'static str>,
    /// The protocol name the student's implementation replaces (`raft`).
    pub protocol: &'static str,
    /// Graded parts, in order.
    pub parts: &'static [Part],
    /// Hints, shown one at a time by `distlab lab hint`.
    pub hints: &'static [&'static str],
    /// Builds the reference implementation through the lab's generic build
    /// (the same path the student's type takes); `None` for the tour.
    pub reference: Option<BuildFn>,
    /// Bug switches of the reference, with the parts each must lose points on.
    pub bugs: &'static [LabBug],
    /// A grader that does not run cases (the tour's quiz): given the
    /// repository root, it scores every part itself.
    pub custom: Option<CustomGrader>,
}

/// A grader for a lab whose parts are not scenario runs (each [`Case`] then
/// describes one question, worth its points).
pub type CustomGrader = fn(&Path) -> Vec<PartResult>;

/// One graded part of a lab.
#[derive(Clone, Copy, Debug)]
pub struct Part {
    /// Short id: `A`, `B`, ...
    pub id: &'static str,
    /// What the part asks for.
    pub title: &'static str,
    /// The runs that grade it.
    pub cases: &'static [Case],
}

impl Part {
    /// Points the part is worth.
    pub fn points(&self) -> u32 {
        self.cases.iter().map(|c| c.points).sum()
    }
}

/// One graded run set: every seed in `seeds` must pass every check the lab's
/// build attaches (and `checks` must be among them), for `points`. The
/// scoreboard lists every check graded, `checks` first.
#[derive(Clone, Copy, Debug)]
pub struct Case {
    /// Scenario file, relative to the repository root.
    pub scenario: &'static str,
    /// Seeds `start..end` (end excluded).
    pub seeds: (u64, u64),
    /// Checks this case is about (shown first; the grader fails the case if
    /// a run does not report one of them, so a lab build that forgot a check
    /// cannot pass silently). Every other check the run reports is graded
    /// too, and listed after these.
    pub checks: &'static [&'static str],
    /// Points for passing every seed.
    pub points: u32,
}

/// A bug switch of the reference implementation and the parts it breaks.
#[derive(Clone, Copy, Debug)]
pub struct LabBug {
    /// Name, for messages.
    pub name: &'static str,
    /// The `[protocol]` key that switches it on (`bugs` or `bug`).
    pub param: &'static str,
    /// The value, as TOML (`["forget-vote"]`, `"dual-write"`).
    pub value: &'static str,
    /// Parts that must lose points with the bug on.
    pub breaks: &'static [&'static str],
}

impl Lab {
    /// Points the lab is worth.
    pub fn points(&self) -> u32 {
        self.parts.iter().map(Part::points).sum()
    }

    /// The part called `id` (case-insensitive).
    pub fn part(&self, id: &str) -> Option<&'static Part> {
        self.parts.iter().find(|p| p.id.eq_ignore_ascii_case(id))
    }

    /// The lab's folder, under `root`.
    pub fn dir(&self, root: &Path) -> PathBuf {
        root.join("labs").join(self.slug)
    }
}

/// Every lab, in order.
pub const LABS: &[&Lab] = &[
    &tour::LAB,
    &clocks::LAB,
    &broadcast::LAB,
    &two_pc::LAB,
    &saga::LAB,
    &raft::election::LAB,
    &raft::replication::LAB,
    &raft::persistence::LAB,
    &raft::kv::LAB,
    &quorum_kv::LAB,
    &cqrs::LAB,
];

/// The lab numbered `id` (`5`, `05` and `05-raft-election` all work).
pub fn find(id: &str) -> Option<&'static Lab> {
    let id = id.trim();
    LABS.iter().copied().find(|lab| {
        lab.id == id
            || lab.slug == id
            || id.parse::<u32>().ok() == lab.id.parse::<u32>().ok() && id.parse::<u32>().is_ok()
    })
}

/// The repository root: where `labs/` and `scenarios/` live. The current
/// directory when it has `labs/`, else the distlab source tree this binary
/// was built from.
pub fn repo_root() -> PathBuf {
    let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
    if cwd.join("labs").is_dir() && cwd.join("scenarios").is_dir() {
        return cwd;
    }
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The lab this binary is the student crate of (set by a lab crate's `main`
/// through [`student_main`]).
static CURRENT: std::sync::OnceLock<&'static str> = std::sync::OnceLock::new();

/// The lab this process is a student binary for, if any.
pub fn current_lab() -> Option<&'static str> {
    CURRENT.get().copied()
}

/// Whether this process is the student binary of lab `id` (a crate may
/// serve several labs: `lab-raft` is `"05,06,07,08"`).
pub fn is_current_lab(id: &str) -> bool {
    current_lab().is_some_and(|labs| labs.split(',').any(|l| l.trim() == id))
}

/// Mark this process as the student binary of lab `lab_id` (a lab crate's
/// `main` does it through `cli::student_main`; a comma-separated list for a
/// crate shared by several labs). Later calls are ignored.
pub fn set_current_lab(lab_id: &'static str) {
    let _ = CURRENT.set(lab_id);
}
