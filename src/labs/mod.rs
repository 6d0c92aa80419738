//! Lab exercises: what each lab grades, and the grader that runs a student's
//! implementation through scenarios, faults and checks over fixed seeds.
//!
//! A lab is a folder, `labs/NN-name/`: a README, scenarios, and its data in
//! `lab.toml` ([`data`]): parts, each a list of [`Case`]s (a scenario file,
//! a seed range, the checks that must pass, points), hints, and the bug
//! switches of the reference with the parts each must break. What cannot be
//! data is Rust, one [`LabCode`] per lab in [`CODE`]: the reference build,
//! or the tour's own grader. The student's crate (`labs/NN-name/`)
//! implements a lab trait over [`crate::sim::Node`] and registers itself
//! under the reference protocol's name through [`crate::cli::student_main`] (a
//! [`crate::registry::Registry`] with its entry added), so the same scenario files, the
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
pub mod data;
mod determinism;
pub mod grade;
pub mod integrity;
pub mod leases;
pub mod load_balancing;
pub mod paxos;
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
use std::sync::LazyLock;

/// One lab exercise: the data of its `lab.toml` ([`data::parse`]) and its
/// code ([`LabCode`]).
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
    /// The `[protocol]` key that switches it on (`bugs`, or another key).
    pub param: &'static str,
    /// The value, as TOML (`["forget-vote"]`, `"1s"`).
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

/// What of a lab cannot be data: its folder and its code. The lab's data is
/// the grader's copy of `labs/<slug>/lab.toml`.
#[derive(Clone, Copy, Debug)]
pub struct LabCode {
    /// Folder under `labs/`, e.g. `05-raft-election`.
    pub slug: &'static str,
    /// The reference build ([`Lab::reference`]); `None` for the tour.
    pub reference: Option<BuildFn>,
    /// A grader that does not run cases ([`Lab::custom`]).
    pub custom: Option<CustomGrader>,
}

impl LabCode {
    /// The lab's data file, relative to the repository root.
    pub fn data_path(&self) -> String {
        format!("labs/{}/lab.toml", self.slug)
    }

    /// `lab` (as [`data::parse`] read it) with this code.
    pub fn attach(&self, lab: Lab) -> Lab {
        Lab {
            reference: self.reference,
            custom: self.custom,
            ..lab
        }
    }

    /// Read and check the lab's `lab.toml` under `root`, with its scenarios
    /// on disk there (what `DISTLAB_BLESS` and the tests read; the grader
    /// reads its compiled-in copy, [`LABS`]).
    pub fn read(&self, root: &Path) -> Result<data::LabData, String> {
        let origin = self.data_path();
        let text =
            crate::scenario::read_text(&origin, &root.join(&origin), crate::input::Kind::Regular)
                .map_err(|e| e.to_string())?;
        let exists = |path: &str| root.join(path).is_file();
        let mut data =
            data::parse(&origin, self.slug, &text, &exists).map_err(|e| e.to_string())?;
        data.lab = self.attach(data.lab);
        Ok(data)
    }
}

/// Every lab, in order, with its code.
pub const CODE: &[LabCode] = &[
    LabCode {
        slug: "00-tour",
        reference: None,
        custom: Some(tour::grade_answers),
    },
    LabCode {
        slug: "01-clocks",
        reference: Some(clocks::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "02-broadcast",
        reference: Some(broadcast::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "03-two-phase-commit",
        reference: Some(two_pc::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "04-sagas",
        reference: Some(saga::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "05-raft-election",
        reference: Some(raft::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "06-raft-log",
        reference: Some(raft::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "07-raft-persist",
        reference: Some(raft::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "08-raft-kv",
        reference: Some(raft::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "09-quorum-kv",
        reference: Some(quorum_kv::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "10-event-sourcing",
        reference: Some(cqrs::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "11-leases-fencing",
        reference: Some(leases::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "12-paxos",
        reference: Some(paxos::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "13-load-balancing",
        reference: Some(load_balancing::REFERENCE),
        custom: None,
    },
    LabCode {
        slug: "14-raft-reads",
        reference: Some(raft::REFERENCE),
        custom: None,
    },
];

/// Every lab, in order: [`CODE`] with the data of the grader's compiled-in
/// copy of each `lab.toml` ([`integrity::copy_of`]), read once per process.
pub static LABS: LazyLock<Vec<&'static Lab>> =
    LazyLock::new(|| CODE.iter().map(compiled).collect());

/// Lab `code` from the grader's copy of its `lab.toml`. The copies are
/// generated from files `DISTLAB_BLESS` checked, and a test keeps them equal
/// to the files, so a failure here is a broken build, not bad input.
fn compiled(code: &LabCode) -> &'static Lab {
    let path = code.data_path();
    let stale = "run `DISTLAB_BLESS=1 cargo test --test labs scenario_copies` and rebuild";
    let Some(text) = integrity::copy_of(&path) else {
        panic!("the grader has no copy of {path}: {stale}");
    };
    let exists = |p: &str| integrity::copy_of(p).is_some();
    match data::parse(&path, code.slug, text, &exists) {
        Ok(data) => Box::leak(Box::new(code.attach(data.lab))),
        Err(e) => panic!("the grader's copy of {path} is invalid ({stale}): {e}"),
    }
}

/// The lab with id `id`, which [`CODE`] lists (for the lab modules' `LAB`).
fn compiled_lab(id: &str) -> Lab {
    match LABS.iter().find(|lab| lab.id == id) {
        Some(lab) => **lab,
        None => panic!("no lab {id} in labs::CODE"),
    }
}

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
