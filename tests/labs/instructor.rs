//! What an instructor needs: `distlab lab batch` (submission discovery, the
//! roster, and — `#[ignore]`, heavy — grading five real submissions),
//! `distlab lab handout` (the cutter, the handout's contents, and —
//! `#[ignore]` — that its skeleton builds), and `distlab lab list` (best and
//! last score, a total; the reference's grade never recorded).

use crate::support;
use distlab::cli::lab_batch::roster::{self, Roster, Row, RowStatus};
use distlab::cli::lab_batch::submissions;
use distlab::cli::lab_handout::strip::{self, Cut};
use distlab::cli::lab_handout::{self as handout};
use distlab::labs::{self, status};
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A fresh temporary folder for one test.
fn temp(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("distlab-instructor-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().expect("parent")).expect("dirs");
    std::fs::write(path, text).expect("write");
}

fn lab(id: &str) -> &'static labs::Lab {
    labs::find(id).expect("lab exists")
}

#[test]
fn submissions_are_files_and_crate_folders_and_everything_else_is_skipped() {
    let dir = temp("discover");
    write(&dir.join("alice.rs"), "// alice");
    write(&dir.join("Bob Smith.rs"), "// bob");
    write(&dir.join("carol/src/lib.rs"), "// carol");
    write(&dir.join("carol/Cargo.toml"), "[package]");
    write(&dir.join("dave/lib.rs"), "// not in src/");
    write(&dir.join("notes.txt"), "grading notes");
    write(&dir.join(".DS_Store"), "");
    write(&dir.join("ALICE.rs"), "// a second alice");
    #[cfg(unix)]
    std::os::unix::fs::symlink("/etc/hostname", dir.join("eve.rs")).expect("symlink");
    let (found, skipped) = submissions::discover(&dir).expect("reads");
    let mut text = String::new();
    for s in &found {
        text += &format!("{} <- {} (crate: {})\n", s.student, s.source, s.is_crate);
    }
    for s in &skipped {
        text += &format!("skipped {}: {}\n", s.name, s.why);
    }
    insta::assert_snapshot!("batch-discovery", text);
    let missing = submissions::discover(&dir.join("nope")).expect_err("no folder");
    assert!(
        missing.contains("cannot read the submissions folder"),
        "{missing}"
    );
}

/// `lab check 05 --json` output for a submission that passes part A and
/// fails B (a check) and C (a panic).
const CHECK_JSON: &str = r#"{"lab":"05","graded":"student","bug":null,"earned":20,"possible":100,"scoreboard":{"lab":"05","extra_seeds":0,"parts":[
 {"id":"A","title":"a","cases":[{"scenario":"labs/05-raft-election/scenarios/election-3.toml","seeds":[0,100],"checks":["x"],"points":20,"passed":100,"first_failure":null,"error":null}]},
 {"id":"B","title":"b","cases":[{"scenario":"labs/05-raft-election/scenarios/leader-crash.toml","seeds":[0,100],"checks":["x"],"points":30,"passed":7,"first_failure":{"seed":7,"reasons":[["new-leader-elected","no leader in a higher term\nafter 3s"]]},"error":null}]},
 {"id":"C","title":"c","cases":[{"scenario":"labs/05-raft-election/scenarios/restarts.toml","seeds":[0,200],"checks":["x"],"points":50,"passed":0,"first_failure":{"seed":0,"reasons":[["panic","not yet implemented, src/lib.rs:12:9"]]},"error":null}]}]}}"#;

fn sample_roster() -> Roster {
    let lab = lab("05");
    let mut graded = Row::ungraded(lab, "alice", "alice.rs", RowStatus::Error);
    roster::fill_from_check(
        &mut graded,
        &format!("noise\n{}", CHECK_JSON.replace('\n', "")),
        "lab-raft",
    )
    .expect("parses");
    let mut broken = Row::ungraded(lab, "bob", "bob/", RowStatus::BuildError);
    broken.error = Some("src/lib.rs:3:5: error[E0308]: mismatched types, \"expected u32\"".into());
    let mut slow = Row::ungraded(lab, "carol", "carol.rs", RowStatus::TimedOut);
    slow.error = Some("grading ran past 60s (killed): an infinite loop?".into());
    slow.seconds = 60.04;
    Roster {
        lab: "05".into(),
        salt: Some("held out".into()),
        rows: vec![graded, broken, slow],
    }
}

#[test]
fn the_roster_has_points_per_part_the_first_failure_and_why_a_row_has_no_score() {
    let roster = sample_roster();
    let row = &roster.rows[0];
    assert_eq!(row.status, RowStatus::Graded);
    assert_eq!((row.earned, row.possible), (20, 100));
    let parts: Vec<(String, u32, u32)> = row
        .parts
        .iter()
        .map(|p| (p.part.clone(), p.earned, p.possible))
        .collect();
    let expected: Vec<(String, u32, u32)> = vec![
        ("A".into(), 20, 20),
        ("B".into(), 0, 30),
        ("C".into(), 0, 50),
    ];
    assert_eq!(parts, expected);
    insta::assert_snapshot!("batch-roster-csv", roster::to_csv(lab("05"), &roster));
    let dir = temp("roster");
    let (csv, json) =
        distlab::cli::lab_batch::write_roster(lab("05"), &roster, &dir.join("out/roster.csv"))
            .expect("writes");
    assert_eq!(csv, dir.join("out/roster.csv"));
    assert_eq!(json, dir.join("out/roster.json"));
    let value: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(json).expect("json")).expect("parses");
    assert_eq!(value["rows"][0]["parts"][1]["part"], "B");
    assert_eq!(value["rows"][1]["status"], "build-error");
    assert_eq!(value["salt"], "held out");
}

#[test]
fn a_grader_output_that_is_not_a_score_is_an_error_row() {
    let mut row = Row::ungraded(lab("05"), "x", "x.rs", RowStatus::Error);
    let e = roster::fill_from_check(&mut row, "thread 'main' panicked", "p").expect_err("no score");
    assert_eq!(e, "the grader printed no score");
    let e = roster::fill_from_check(&mut row, "{\"earned\": 3}", "p").expect_err("not a score");
    assert!(e.starts_with("the grader's output is not a score"), "{e}");
    assert_eq!(row.status, RowStatus::Error);
}

#[test]
fn lab_batch_refuses_bad_input() {
    let empty = temp("batch-empty");
    let cases = [
        (
            "batch-no-folder",
            vec!["lab", "batch", "05", "/nonexistent/submissions"],
        ),
        (
            "batch-no-crate",
            vec!["lab", "batch", "00", empty.to_str().expect("utf-8")],
        ),
        (
            "batch-unknown-lab",
            vec!["lab", "batch", "77", empty.to_str().expect("utf-8")],
        ),
    ];
    for (name, args) in cases {
        let out = support::distlab(&args);
        assert_eq!(support::code(&out), 3, "{name}");
        let text = support::stderr(&out).replace(empty.to_str().expect("utf-8"), "[EMPTY]");
        insta::assert_snapshot!(name, text);
    }
    let out = support::distlab(&["lab", "batch", "05", empty.to_str().expect("utf-8")]);
    assert_eq!(support::code(&out), 3);
    assert!(
        support::stderr(&out).contains("no submissions"),
        "{}",
        support::stderr(&out)
    );
}

const SOURCE: &str = r##"//! A module.

use std::fmt;

/// Keep me.
pub struct Raft { term: u64 }

/// A free function.
pub fn helper(x: u32) -> u32 {
    let s = "a { brace in a string }";
    let c = '{';
    let r = r#"raw "}" string"#;
    /* a { comment /* nested } */ */
    x + s.len() as u32 + r.len() as u32 + c as u32
}

impl Raft {
    /// Cut me.
    pub fn start_election<'a>(&mut self, peers: &'a [u8; 3]) -> &'a [u8] {
        self.term += 1; // {
        peers
    }
}

impl fmt::Debug for Raft {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Raft {{ term: {} }}", self.term)
    }
}

impl Other {
    fn keep(&self) -> u32 { 7 }
}

mod inner {
    pub fn deep() -> u32 { 1 }
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod more {
    #[test]
    fn t() { assert!(true) }
}
"##;

#[test]
fn the_cutter_replaces_the_chosen_bodies_and_drops_test_items() {
    let impls = strip::strip(SOURCE, Cut::Impls(&["Raft"]));
    assert_eq!(impls.bodies, 2, "{}", impls.text);
    assert_eq!(impls.test_modules, ["tests"]);
    insta::assert_snapshot!("handout-cut-impls", impls.text);
    let all = strip::strip(SOURCE, Cut::All);
    assert_eq!(all.bodies, 5, "{}", all.text);
    assert!(!all.text.contains("self.term += 1") && !all.text.contains("x + s.len()"));
    assert!(all
        .text
        .contains("/// Keep me.\npub struct Raft { term: u64 }"));
    let tests_only = strip::strip(SOURCE, Cut::TestsOnly);
    assert_eq!(tests_only.bodies, 0);
    assert!(!tests_only.text.contains("cfg(test)") && tests_only.text.contains("x + s.len()"));
}

/// The statements of a source text: lines ending in `;` that are not
/// comments or signatures.
fn code_lines(text: &str) -> Vec<&str> {
    text.lines()
        .map(str::trim)
        .filter(|l| l.len() > 20 && l.ends_with(';') && !l.starts_with("//") && !l.contains("fn "))
        .collect()
}

#[test]
fn the_handout_of_lab_05_has_the_skeleton_and_not_the_reference_raft() {
    let out = temp("handout-05");
    let report = handout::write(&root(), &[lab("05")], &out.join("course")).expect("writes");
    let course = out.join("course");
    assert_eq!(report.labs, ["05"]);
    for gone in [
        "tests",
        "examples",
        "labs/06-raft-log",
        "labs/00-tour",
        "src/protocols/raft/tests.rs",
    ] {
        assert!(!course.join(gone).exists(), "{gone} is in the handout");
    }
    for kept in [
        "labs/raft/src/lib.rs",
        "labs/raft/Cargo.toml",
        "labs/05-raft-election/scenarios/leader-crash.toml",
        "labs/05-raft-election/README.md",
        "labs/README.md",
        "scenarios/raft-basic.toml",
        "docs/labs.md",
        "src/protocols/raft/checks.rs",
        "HANDOUT.md",
        "Cargo.lock",
    ] {
        assert!(course.join(kept).exists(), "{kept} is missing");
    }
    // Not one line of the reference's election or replication code.
    for file in ["election.rs", "replication.rs", "client.rs", "persist.rs"] {
        let original =
            std::fs::read_to_string(root().join("src/protocols/raft").join(file)).expect("reads");
        let cut =
            std::fs::read_to_string(course.join("src/protocols/raft").join(file)).expect("reads");
        let kept: Vec<&str> = code_lines(&original)
            .into_iter()
            .filter(|l| cut.contains(l) && !l.starts_with("pub ") && !l.starts_with("use "))
            .collect();
        assert!(cut.contains(strip::STUB), "{file} not cut");
        assert!(!cut.contains("ctx."), "{file} still has handler code");
        assert!(kept.len() <= 2, "{file} keeps reference lines: {kept:#?}");
    }
    let raft = std::fs::read_to_string(course.join("src/protocols/raft/mod.rs")).expect("reads");
    assert!(raft.contains("pub struct Params") && !raft.contains("fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {\n        match"));
    let manifest = std::fs::read_to_string(course.join("Cargo.toml")).expect("reads");
    assert!(
        manifest.contains("members = [\n    \".\",\n    \"labs/raft\",\n]"),
        "{manifest}"
    );
    assert!(
        manifest.contains("\ndefault-members = [\".\"]\n"),
        "the handout has no examples/: {manifest}"
    );
    let notes = std::fs::read_to_string(course.join("HANDOUT.md")).expect("reads");
    assert!(
        notes.contains("`src/protocols/raft/election.rs`"),
        "{notes}"
    );
    // No lab solution anywhere: a line only the solution has.
    let solution =
        std::fs::read_to_string(root().join("tests/labs/raft/solution.rs")).expect("reads");
    let skeleton = std::fs::read_to_string(root().join("labs/raft/src/lib.rs")).expect("reads");
    let only_solution: Vec<&str> = code_lines(&solution)
        .into_iter()
        .filter(|l| !skeleton.contains(l))
        .collect();
    let handed = std::fs::read_to_string(course.join("labs/raft/src/lib.rs")).expect("reads");
    assert!(only_solution.iter().all(|l| !handed.contains(l)));
    let again = handout::write(&root(), &[lab("05")], &course).expect_err("not empty");
    assert!(again.contains("the folder is not empty"), "{again}");
}

#[test]
fn the_handout_of_every_lab_leaves_the_tour_out_and_says_why() {
    let out = temp("handout-all");
    let all: Vec<&'static labs::Lab> = labs::LABS.to_vec();
    let report = handout::write(&root(), &all, &out.join("course")).expect("writes");
    assert!(!report.labs.contains(&"00".to_string()));
    assert_eq!(report.labs.len(), labs::LABS.len() - 1);
    assert_eq!(
        report.notes,
        ["lab 00 left out: it runs the reference in src/protocols/raft/, which this handout cuts (hand it out on its own)"]
    );
    let tour = handout::write(&root(), &[lab("00")], &out.join("tour")).expect("writes");
    assert_eq!((tour.labs.len(), tour.bodies), (1, 0));
}

/// `cargo check` of the handout's workspace with its lab 05 crate (slow: it
/// checks distlab again from the handout's copy). Run it with `cargo test --test labs instructor:: -- --ignored`.
#[test]
#[ignore]
fn the_handout_skeleton_builds() {
    let out = temp("handout-build");
    let course = out.join("course");
    handout::write(&root(), &[lab("05")], &course).expect("writes");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let status = Command::new(cargo)
        .current_dir(&course)
        .args(["check", "--workspace", "--all-targets"])
        .env("CARGO_TARGET_DIR", root().join("target"))
        .status()
        .expect("cargo runs");
    assert!(status.success(), "the handout does not build");
}

fn record(earned: u32, time_unix: u64) -> status::Record {
    status::Record {
        earned,
        possible: 100,
        parts: vec![("A".into(), earned.min(20), 20)],
        time_unix,
        code_hash: String::new(),
        seeds: "published".into(),
        scenario_hashes: Vec::new(),
    }
}

#[test]
fn lab_list_shows_best_and_last_and_a_total_never_the_reference() {
    let dir = temp("list");
    for sub in ["scenarios", "labs/00-tour"] {
        std::fs::create_dir_all(dir.join(sub)).expect("dirs");
    }
    // The grader refuses to grade without the lab's own lab.toml.
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/labs/00-tour/lab.toml"),
        dir.join("labs/00-tour/lab.toml"),
    )
    .expect("copies lab.toml");
    let version = env!("CARGO_PKG_VERSION");
    status::record(&dir, "05", version, record(55, 1)).expect("records");
    status::record(&dir, "05", version, record(20, 2)).expect("records");
    let kept = status::read(&dir, "05").expect("status");
    assert_eq!(kept.best.map(|r| (r.earned, r.time_unix)), Some((55, 1)));
    assert_eq!(kept.last.map(|r| (r.earned, r.time_unix)), Some((20, 2)));
    // The tour graded with --reference records nothing; graded as the
    // student's answers it records them (unanswered: 0/5).
    let reference = Command::new(env!("CARGO_BIN_EXE_distlab"))
        .args(["lab", "check", "00", "--reference"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert!(
        status::read(&dir, "00").is_none(),
        "{}",
        support::stdout(&reference)
    );
    let student = Command::new(env!("CARGO_BIN_EXE_distlab"))
        .args(["lab", "check", "00"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    assert_eq!(support::code(&student), 1, "{}", support::stdout(&student));
    let list = Command::new(env!("CARGO_BIN_EXE_distlab"))
        .args(["lab", "list"])
        .current_dir(&dir)
        .output()
        .expect("runs");
    insta::assert_snapshot!("lab-list-best-last", support::stdout(&list));
}

/// The whole batch on five lab 05 submissions: the solution (a file), the
/// solution without persistence (a crate folder), a node that does nothing,
/// one that does not compile, one that loops forever. Slow (five release
/// builds and gradings): `cargo test --test labs instructor:: -- --ignored`.
#[test]
#[ignore]
fn lab_batch_grades_five_submissions_into_a_roster() {
    let dir = temp("batch");
    let subs = dir.join("submissions");
    let solution =
        std::fs::read_to_string(root().join("tests/labs/raft/solution.rs")).expect("reads");
    let skeleton = std::fs::read_to_string(root().join("labs/raft/src/lib.rs")).expect("reads");
    let forget = "        ctx.storage().put(META_KEY, &meta);\n";
    assert!(solution.contains(forget));
    write(&subs.join("honest.rs"), &solution);
    write(
        &subs.join("forgetful/src/lib.rs"),
        &solution.replace(forget, ""),
    );
    write(
        &subs.join("forgetful/Cargo.toml"),
        "[package]\nname = \"whatever\"\n",
    );
    let stubbed = |with: &str| -> String {
        skeleton
            .lines()
            .map(|l| {
                if l.trim_start().starts_with("todo!(") {
                    with
                } else {
                    l
                }
            })
            .collect::<Vec<_>>()
            .join("\n")
    };
    write(&subs.join("nothing.rs"), &stubbed(""));
    write(
        &subs.join("forever.rs"),
        &stubbed("        loop { std::hint::spin_loop(); }"),
    );
    write(
        &subs.join("broken.rs"),
        &format!("{solution}\npub fn broken() -> u32 {{ \"not a number\" }}\n"),
    );
    let out = Command::new(env!("CARGO_BIN_EXE_distlab"))
        .args(["lab", "batch", "05"])
        .arg(&subs)
        .arg("--out")
        .arg(dir.join("roster"))
        .args(["--time-limit", "120", "--jobs", "2"])
        .current_dir(root())
        .output()
        .expect("runs");
    eprintln!("{}", support::stderr(&out));
    assert_eq!(support::code(&out), 0);
    let csv = std::fs::read_to_string(dir.join("roster.csv")).expect("roster.csv");
    let masked: Vec<String> = csv
        .lines()
        .map(|l| match l.rsplit_once(',') {
            Some((rest, _)) if !l.starts_with("student,") => format!("{rest},[seconds]"),
            _ => l.to_string(),
        })
        .collect();
    insta::assert_snapshot!("batch-five-submissions", masked.join("\n"));
}
