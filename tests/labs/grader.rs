//! The labs framework itself: the grader scores a correct implementation
//! full marks, takes points for a real bug, survives panics, does not depend
//! on `--jobs`, refuses a build that lacks a promised check, zeroes the
//! parts of a node that keeps state outside the simulation, grades with its
//! own copy of every scenario (and refuses an edited one), grades held-out
//! seeds, records last and best official scores, and words its feedback
//! truthfully; the tour's quiz grades right and wrong answers; `distlab lab`
//! list/check/hint work from a scratch repository root. Each lab's data is
//! its `lab.toml` (`lab_data`): the grader's copies of those files and of
//! the scenarios are fresh, an edited `lab.toml` is refused, and the README
//! tables generated from it are up to date.

mod election;
mod lab_data;

use crate::support::{self, labs::cheats};
use distlab::labs::grade::{self, GradeOptions};
use distlab::labs::{integrity, tour, Case, Lab, LabBug, Part};
use distlab::protocols::broadcast;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{Scenario, ScenarioError};
use distlab::sim::DynSim;
use std::path::{Path, PathBuf};
use std::process::Command;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A lab over the broadcast protocol: flooding on a healthy network, then
/// under loss (where retransmission matters).
const BROADCAST_LAB: Lab = Lab {
    id: "90",
    slug: "90-test",
    title: "test lab",
    package: None,
    protocol: "broadcast",
    parts: &[
        Part {
            id: "A",
            title: "healthy network",
            cases: &[Case {
                scenario: "scenarios/broadcast-basic.toml",
                seeds: (0, 10),
                checks: &["acked-values-everywhere"],
                points: 10,
            }],
        },
        Part {
            id: "B",
            title: "lossy network",
            cases: &[Case {
                scenario: "scenarios/broadcast-lossy.toml",
                seeds: (0, 10),
                checks: &["acked-values-everywhere"],
                points: 20,
            }],
        },
    ],
    hints: &[],
    reference: Some(broadcast::scenario::build),
    bugs: &[LabBug {
        name: "no-retransmit",
        param: "bugs",
        value: "[\"no-retransmit\"]",
        breaks: &["B"],
    }],
    custom: None,
};

fn options(jobs: usize) -> GradeOptions {
    GradeOptions {
        jobs,
        ..GradeOptions::default()
    }
}

#[test]
fn the_reference_gets_full_marks_and_a_bug_loses_the_part_it_breaks() {
    let board =
        grade::grade_reference(&BROADCAST_LAB, None, &root(), &options(2), &|| {}).expect("grades");
    assert_eq!((board.earned(), board.possible()), (30, 30));
    for bug in BROADCAST_LAB.bugs {
        let board = grade::grade_reference(&BROADCAST_LAB, Some(bug), &root(), &options(2), &|| {})
            .expect("grades");
        for part in bug.breaks {
            let p = board.part(part).expect("part graded");
            assert!(p.earned() < p.possible(), "{} kept part {part}", bug.name);
            let failure = p.first_failure().and_then(|c| c.first_failure.as_ref());
            let failure = failure.expect("a first failure");
            assert!(
                failure
                    .reasons
                    .iter()
                    .any(|(check, _)| check == "acked-values-everywhere"),
                "{:?}",
                failure.reasons
            );
            assert!(failure.report.is_some(), "a report to replay");
        }
        assert_eq!(
            board.part("A").map(|p| p.earned()),
            Some(10),
            "the healthy part still passes"
        );
    }
}

fn panicking(_: &Scenario, _: &BuildOptions) -> Result<Box<dyn DynSim>, ScenarioError> {
    todo!("implement the protocol")
}

#[test]
fn a_panicking_implementation_scores_zero_without_crashing_the_grader() {
    let board =
        grade::grade(&BROADCAST_LAB, &panicking, &root(), &options(2), &|| {}).expect("grades");
    assert_eq!((board.earned(), board.possible()), (0, 30));
    let case = &board.parts[0].cases[0];
    let failure = case.first_failure.as_ref().expect("fails");
    assert_eq!(failure.seed, 0);
    assert_eq!(failure.reasons[0].0, "panic");
    assert!(
        failure.reasons[0]
            .1
            .contains("not yet implemented: implement the protocol")
            && failure.reasons[0].1.contains("tests/labs/grader.rs:"),
        "{:?}",
        failure.reasons
    );
}

#[test]
fn grading_does_not_depend_on_jobs() {
    let bug = &BROADCAST_LAB.bugs[0];
    let part = GradeOptions {
        part: Some("B".into()),
        extra_seeds: 10,
        ..options(1)
    };
    let one =
        grade::grade_reference(&BROADCAST_LAB, Some(bug), &root(), &part, &|| {}).expect("grades");
    let two = grade::grade_reference(
        &BROADCAST_LAB,
        Some(bug),
        &root(),
        &GradeOptions {
            jobs: 2,
            ..part.clone()
        },
        &|| {},
    )
    .expect("grades");
    let summary = |b: &grade::Scoreboard| {
        let c = &b.parts[0].cases[0];
        (
            c.seeds,
            c.passed,
            c.first_failure
                .as_ref()
                .map(|f| (f.seed, f.reasons.clone())),
        )
    };
    assert_eq!(summary(&one), summary(&two));
    assert_eq!(one.parts.len(), 1, "only part B");
    assert_eq!(
        one.parts[0].cases[0].seeds,
        (0, 20),
        "extra seeds extend the range"
    );
}

#[test]
fn a_case_fails_when_the_build_lacks_a_promised_check() {
    const LAB: Lab = Lab {
        parts: &[Part {
            id: "A",
            title: "x",
            cases: &[Case {
                scenario: "scenarios/broadcast-basic.toml",
                seeds: (0, 2),
                checks: &["no-such-check"],
                points: 1,
            }],
        }],
        ..BROADCAST_LAB
    };
    let board = grade::grade_reference(&LAB, None, &root(), &options(1), &|| {}).expect("grades");
    assert_eq!(board.earned(), 0);
    let reasons = &board.parts[0].cases[0]
        .first_failure
        .as_ref()
        .expect("fails")
        .reasons;
    assert!(reasons[0].1.contains("no such check"), "{reasons:?}");
}

#[test]
fn an_unknown_part_is_an_error_naming_the_parts() {
    let opts = GradeOptions {
        part: Some("Z".into()),
        ..options(1)
    };
    let err = grade::grade_reference(&BROADCAST_LAB, None, &root(), &opts, &|| {}).unwrap_err();
    assert_eq!(err, "lab 90 has no part \"Z\"; its parts are A, B");
}

/// A scratch repository root holding the scenarios and the tour's folder.
fn scratch_root(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-labs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["scenarios", "labs/00-tour"] {
        std::fs::create_dir_all(dir.join(sub)).expect("scratch dirs");
    }
    for file in [
        "scenarios/raft-basic.toml",
        "scenarios/raft-bug-forget-vote.toml",
        "labs/00-tour/lab.toml",
        tour::ANSWERS,
    ] {
        std::fs::copy(root().join(file), dir.join(file)).expect("copy");
    }
    dir
}

/// The right answers, read from the CLI the way a student would.
fn right_answers() -> String {
    let run = support::json(&support::distlab(&[
        "run",
        "scenarios/raft-basic.toml",
        "--json",
    ]));
    let sweep = support::json(&support::distlab(&[
        "sweep",
        "scenarios/raft-bug-forget-vote.toml",
        "--seeds",
        "0..20",
        "--json",
        "--failures",
        &std::env::temp_dir()
            .join(format!("distlab-labs-failures-{}.json", std::process::id()))
            .to_string_lossy(),
    ]));
    let first = &sweep["failures"][0];
    format!(
        "trace_hash = {}\nmessages_delivered = \"{}\"\nfirst_failing_seed = \"{}\"\nfailing_check = {}\nfailing_trace_hash = {}\n",
        run["trace_hash"], run["messages"]["delivered"], first["seed"], first["failed_checks"][0], first["trace_hash"]
    )
}

#[test]
fn the_tour_quiz_grades_right_and_wrong_answers() {
    let dir = scratch_root("quiz");
    let unanswered =
        grade::grade(&tour::LAB, &panicking, &dir, &options(1), &|| {}).expect("grades");
    assert_eq!((unanswered.earned(), unanswered.possible()), (0, 5));
    let answers = right_answers();
    std::fs::write(dir.join(tour::ANSWERS), &answers).expect("write answers");
    let right = grade::grade(&tour::LAB, &panicking, &dir, &options(1), &|| {}).expect("grades");
    assert_eq!(right.earned(), 5, "{answers}\n{right:#?}");
    let wrong = answers.replace("failing_check = \"", "failing_check = \"x");
    std::fs::write(dir.join(tour::ANSWERS), wrong).expect("write answers");
    let board = grade::grade(&tour::LAB, &panicking, &dir, &options(1), &|| {}).expect("grades");
    assert_eq!(board.earned(), 4);
    assert_eq!(board.part("B").map(|p| p.earned()), Some(2));
}

fn distlab_in(dir: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_distlab"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the distlab binary runs")
}

#[test]
fn lab_commands_list_check_and_hint() {
    let dir = scratch_root("cli");
    let list = distlab_in(&dir, &["lab", "list"]);
    assert_eq!(support::code(&list), 0);
    let text = support::stdout(&list);
    assert!(
        text.contains("00  Tour: run, read, sweep, replay") && text.contains("not attempted"),
        "{text}"
    );

    let check = distlab_in(&dir, &["lab", "check", "0"]);
    assert_eq!(support::code(&check), 1, "points lost");
    let text = support::stdout(&check);
    assert!(text.contains("score: 0/5"), "{text}");
    let list = support::stdout(&distlab_in(&dir, &["lab", "list"]));
    assert!(list.contains("0/5"), "the score is remembered: {list}");

    let status = distlab::labs::status::read(&dir, "00").expect("an official grade is recorded");
    let last = status.last.expect("last");
    assert_eq!(
        (last.earned, last.possible, last.seeds.as_str()),
        (0, 5, "published")
    );
    assert!(
        last.code_hash.starts_with("0x") && last.time_unix > 0,
        "{last:?}"
    );

    std::fs::write(dir.join(tour::ANSWERS), right_answers()).expect("write answers");
    let check = distlab_in(&dir, &["lab", "check", "00-tour"]);
    assert_eq!(support::code(&check), 0, "{}", support::stdout(&check));
    assert!(support::stdout(&check).contains("score: 5/5"));

    let first = support::stdout(&distlab_in(&dir, &["lab", "hint", "00"]));
    let second = support::stdout(&distlab_in(&dir, &["lab", "hint", "00"]));
    assert!(
        first.starts_with("hint 1/3") && second.starts_with("hint 2/3"),
        "{first}{second}"
    );
    let reset = support::stdout(&distlab_in(&dir, &["lab", "hint", "00", "--reset"]));
    assert!(reset.starts_with("hint 1/3"), "{reset}");

    let missing = distlab_in(&dir, &["lab", "check", "77"]);
    assert_eq!(support::code(&missing), 3);
    insta::assert_snapshot!("lab-unknown", support::stderr(&missing));
    let bad_part = distlab_in(&dir, &["lab", "check", "00", "--part", "Q"]);
    assert_eq!(support::code(&bad_part), 3);
    insta::assert_snapshot!("lab-unknown-part", support::stderr(&bad_part));
}

#[test]
fn lab_check_reference_with_a_bug_prints_replays_that_reproduce() {
    let dir = scratch_root("replay");
    copy_lab05(&dir);
    let check = distlab_in(
        &dir,
        &[
            "lab",
            "check",
            "05",
            "--reference",
            "--bug",
            "forget-vote",
            "--part",
            "C",
        ],
    );
    assert_eq!(support::code(&check), 1, "points lost");
    let text = support::stdout(&check);
    assert!(
        text.contains("the reference with bug forget-vote"),
        "{text}"
    );
    assert!(
        text.contains(
            "distlab lab replay 05 target/distlab-labs/05-failure.json --tui --bug forget-vote"
        ),
        "{text}"
    );
    let replay = distlab_in(
        &dir,
        &[
            "lab",
            "replay",
            "05",
            "target/distlab-labs/05-failure.json",
            "--bug",
            "forget-vote",
        ],
    );
    assert!(
        support::stdout(&replay).contains("replay: reproduced seed"),
        "{}{}",
        support::stdout(&replay),
        support::stderr(&replay)
    );
    assert!(
        !distlab::labs::status::dir(&dir).join("05.json").exists(),
        "--reference never touches the record"
    );
    let unknown = distlab_in(
        &dir,
        &["lab", "check", "05", "--reference", "--bug", "nope"],
    );
    assert_eq!(support::code(&unknown), 3);
    assert!(support::stderr(&unknown).contains("its bug switches are: forget-vote"));
}

#[test]
fn scenario_copies_cover_every_lab_file_and_case_and_match_the_files() {
    let want =
        integrity::generate_copies(distlab::labs::CODE, &root()).expect("every lab file reads");
    let path = root().join("src/labs/scenario_copies.rs");
    if std::env::var_os("DISTLAB_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write the copies");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "src/labs/scenario_copies.rs is stale (a lab.toml or a lab scenario changed): run \
         `DISTLAB_BLESS=1 cargo test --test labs scenario_copies` and rebuild"
    );
    for code in distlab::labs::CODE {
        let file = std::fs::read_to_string(root().join(code.data_path())).expect("lab.toml");
        let copy = integrity::copy_of(&code.data_path());
        assert_eq!(copy, Some(integrity::normalise(&file).as_ref()));
    }
    for lab in distlab::labs::LABS.iter() {
        for case in lab.parts.iter().flat_map(|p| p.cases) {
            let copy = integrity::copy_of(case.scenario);
            let file = std::fs::read_to_string(root().join(case.scenario)).expect("file");
            assert_eq!(
                copy,
                Some(integrity::normalise(&file).as_ref()),
                "{}",
                case.scenario
            );
        }
    }
}

#[test]
fn every_lab_folder_has_its_data_and_code() {
    let mut folders: Vec<String> = std::fs::read_dir(root().join("labs"))
        .expect("labs/")
        .flatten()
        .filter(|e| e.path().join("lab.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let registered: Vec<&str> = distlab::labs::CODE.iter().map(|c| c.slug).collect();
    assert_eq!(
        folders, registered,
        "every labs/*/lab.toml has a labs::CODE entry"
    );
    let ids: Vec<&str> = distlab::labs::LABS.iter().map(|l| l.id).collect();
    let mut unique = ids.clone();
    unique.dedup();
    assert_eq!(ids, unique, "lab ids are unique and in order");
    for lab in distlab::labs::LABS.iter() {
        assert_eq!(
            lab.custom.is_some(),
            lab.reference.is_none(),
            "lab {}",
            lab.id
        );
        assert_eq!(
            lab.custom.is_some(),
            lab.package.is_none(),
            "lab {}",
            lab.id
        );
    }
}

#[test]
fn readme_tables_are_generated_from_lab_toml() {
    let bless = std::env::var_os("DISTLAB_BLESS").is_some();
    let mut stale = Vec::new();
    for code in distlab::labs::CODE {
        let data = code.read(&root()).expect("lab.toml reads");
        let tables = distlab::labs::data::readme::tables(&data, code.custom.is_some());
        let path = root().join("labs").join(code.slug).join("README.md");
        let have = std::fs::read_to_string(&path).expect("README");
        let want = distlab::labs::data::readme::splice(&have, &tables)
            .unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        if want == have {
            continue;
        }
        if bless {
            std::fs::write(&path, want).expect("write README");
        } else {
            stale.push(format!("labs/{}/README.md", code.slug));
        }
    }
    assert!(
        stale.is_empty(),
        "README tables differ from lab.toml: {} (run `DISTLAB_BLESS=1 cargo test --test labs readme`)",
        stale.join(", ")
    );
}

#[test]
fn an_edited_lab_toml_is_refused_naming_the_file() {
    let dir = scratch_lab05("edited-data");
    let file = dir.join("labs/05-raft-election/lab.toml");
    let text = std::fs::read_to_string(&file).expect("lab.toml");
    std::fs::write(&file, text.replacen("points = 30", "points = 300", 1)).expect("edit");
    let check = distlab_in(&dir, &["lab", "check", "05", "--reference", "--part", "A"]);
    assert_eq!(support::code(&check), 3);
    insta::assert_snapshot!("lab-edited-lab-toml", support::stderr(&check));
    assert!(support::stdout(&check).is_empty(), "nothing graded");

    // The tour (graded by its own code) checks its lab.toml too.
    let tour = dir.join("labs/00-tour/lab.toml");
    std::fs::remove_file(&tour).expect("rm");
    let check = distlab_in(&dir, &["lab", "check", "00"]);
    assert_eq!(support::code(&check), 3);
    assert!(
        support::stderr(&check).contains("labs/00-tour/lab.toml is missing"),
        "{}",
        support::stderr(&check)
    );
}

fn election_board<K: election::Keep>() -> grade::Scoreboard {
    let build = distlab::labs::raft::build::<election::Election<K>>;
    grade::grade(
        &distlab::labs::raft::election::LAB,
        &build,
        &root(),
        &options(2),
        &|| {},
    )
    .expect("grades")
}

#[test]
fn an_honest_node_passes_the_determinism_check_and_keeps_its_points() {
    let board = election_board::<election::InStorage>();
    assert!(board.nondeterminism().is_empty(), "{board:#?}");
    assert_eq!(board.earned(), board.possible(), "{board:#?}");
}

#[test]
fn a_node_keeping_its_term_and_vote_outside_the_simulation_loses_every_part() {
    let lab = &distlab::labs::raft::election::LAB;
    cheats::assert_cheats_lose(
        lab,
        &[
            cheats::Cheat {
                name: "term and vote in a thread_local! map",
                build: &distlab::labs::raft::build::<election::Election<election::InThreadLocal>>,
                real_parts: &[],
            },
            cheats::Cheat {
                name: "term and vote in a static Mutex map",
                build: &distlab::labs::raft::build::<election::Election<election::InStatic>>,
                real_parts: &[],
            },
        ],
    );
    let board = election_board::<election::InThreadLocal>();
    let text = distlab::labs::board::render(lab, &board, "a thread_local! cheat");
    eprintln!("{text}");
    assert!(
        text.contains("NOT DETERMINISTIC (parts A, B, C score 0): your node keeps state outside the simulation (a global, a thread-local, a static)"),
        "{text}"
    );
    for part in &board.parts {
        assert!(part.nondeterministic(), "part {} not flagged", part.id);
        let (_, what) = board
            .nondeterminism()
            .into_iter()
            .find(|(p, _)| *p == part.id)
            .expect("a finding");
        assert!(
            what.contains(" gave trace hash 0x") && what.contains(" when run again"),
            "{what}"
        );
    }
}

#[test]
fn held_out_seeds_replace_the_published_ones_and_their_failures_replay() {
    use distlab::labs::SeedSet;
    let salt = SeedSet::held_out("the instructor's secret");
    let file = "scenarios/broadcast-lossy.toml";
    let seeds = salt.seeds(file, (0, 10));
    assert_eq!(seeds.len(), 10);
    assert_eq!(seeds, salt.seeds(file, (0, 10)), "deterministic");
    assert_ne!(seeds, SeedSet::held_out("another").seeds(file, (0, 10)));
    assert_ne!(seeds, SeedSet::Published.seeds(file, (0, 10)));
    assert!(salt.label().starts_with("held-out (salt #"));
    assert!(!salt.label().contains("secret"), "the salt is never shown");

    let bug = &BROADCAST_LAB.bugs[0];
    let part_b = GradeOptions {
        part: Some("B".into()),
        ..options(2)
    };
    let board =
        grade::grade_reference_seeds(&BROADCAST_LAB, Some(bug), &root(), &part_b, &salt, &|| {})
            .expect("grades");
    assert_eq!(board.seeds, salt.label());
    let case = &board.parts[0].cases[0];
    let failure = case
        .first_failure
        .as_ref()
        .expect("the bug fails a held-out seed");
    assert_eq!(
        seeds[case.passed as usize], failure.seed,
        "the actual seed is named"
    );
    // Replaying the named seed (what the printed command does) fails again.
    let scenario = distlab::scenario::load(&root().join(file), &Default::default()).expect("loads");
    let mut scenario = distlab::scenario::Scenario {
        seed: failure.seed,
        ..scenario
    };
    scenario.protocol_params = scenario
        .protocol_params
        .with_param(bug.param, bug.value)
        .expect("bug switch");
    let report = broadcast::scenario::build(&scenario, &BuildOptions::default())
        .expect("builds")
        .run();
    assert_eq!(
        report.trace_hash,
        failure.report.as_ref().expect("report").trace_hash
    );
}

#[test]
fn a_case_lists_every_check_it_grades() {
    let bug = &BROADCAST_LAB.bugs[0];
    let board = grade::grade_reference(&BROADCAST_LAB, Some(bug), &root(), &options(2), &|| {})
        .expect("grades");
    for case in board.parts.iter().flat_map(|p| &p.cases) {
        assert_eq!(
            case.checks[0], "acked-values-everywhere",
            "the case's own first"
        );
        assert!(case.checks.len() > 1, "{:?}", case.checks);
        let Some(failure) = &case.first_failure else {
            continue;
        };
        let report = failure.report.as_ref().expect("report");
        let graded: Vec<&String> = report.checks.iter().map(|c| &c.name).collect();
        for name in &graded {
            assert!(case.checks.contains(name), "{name} graded but not listed");
        }
        for (check, _) in &failure.reasons {
            assert!(case.checks.contains(check), "failed on unlisted {check}");
        }
    }
}

/// A hand-made scoreboard showing every kind of case line.
fn sample_board(seeds: &str) -> grade::Scoreboard {
    use distlab::labs::{CaseResult, FirstFailure, PartResult};
    let case = |passed: u64, failure: Option<u64>| CaseResult {
        scenario: "labs/90-test/scenarios/x.toml".into(),
        seeds: (0, 100),
        checks: vec!["leader-elected".into(), "election-safety".into()],
        points: 10,
        passed,
        first_failure: failure.map(|seed| FirstFailure {
            seed,
            reasons: vec![("leader-elected".into(), "no leader".into())],
            report: None,
        }),
        ..CaseResult::default()
    };
    let held_out = seeds != "published";
    let seed = |published: u64| {
        if held_out {
            48_213_007 + published
        } else {
            published
        }
    };
    grade::Scoreboard {
        lab: "90".into(),
        lab_version: "0x0000000000000000".into(),
        parts: vec![
            PartResult {
                id: "A".into(),
                title: "first".into(),
                cases: vec![
                    case(100, None),
                    case(1, Some(seed(1))),
                    case(0, Some(seed(0))),
                    case(99, Some(seed(99))),
                ],
            },
            PartResult {
                id: "B".into(),
                title: "second".into(),
                cases: vec![CaseResult {
                    nondeterministic: Some(
                        "seed 7 of labs/90-test/scenarios/x.toml gave trace hash 0x00000000000000aa the first time and trace hash 0x00000000000000bb when run again".into(),
                    ),
                    ..case(100, None)
                }],
            },
        ],
        extra_seeds: 1,
        seeds: seeds.into(),
        scenario_hashes: Vec::new(),
    }
}

#[test]
fn the_scoreboard_words_failures_checks_and_nondeterminism_truthfully() {
    let published =
        distlab::labs::board::render(&BROADCAST_LAB, &sample_board("published"), "a test");
    insta::assert_snapshot!("lab-board-published", published);
    let held_out = sample_board("held-out (salt #1a2b3c4d)");
    let text = distlab::labs::board::render(&BROADCAST_LAB, &held_out, "a test");
    insta::assert_snapshot!("lab-board-held-out", text);
    assert_eq!(distlab::labs::board::count(1, "node"), "1 node");
    assert_eq!(distlab::labs::board::count(3, "node"), "3 nodes");
}

#[test]
fn the_record_keeps_the_last_and_the_best_of_the_current_version() {
    use distlab::labs::status::{Record, Status};
    let record = |earned: u32, time_unix: u64| Record {
        earned,
        possible: 100,
        parts: vec![("A".into(), earned, 100)],
        time_unix,
        code_hash: format!("code-{time_unix}"),
        seeds: "published".into(),
        scenario_hashes: vec![("x.toml".into(), "0x1".into())],
    };
    let first = Status::with_record(None, "05", "v1", record(60, 1));
    let worse = Status::with_record(Some(first), "05", "v1", record(40, 2));
    assert_eq!(worse.last.as_ref().map(|r| r.earned), Some(40));
    assert_eq!(
        worse.best.as_ref().map(|r| (r.earned, r.time_unix)),
        Some((60, 1))
    );
    let better = Status::with_record(Some(worse.clone()), "05", "v1", record(90, 3));
    assert_eq!(better.best.as_ref().map(|r| r.time_unix), Some(3));
    let changed = Status::with_record(Some(better), "05", "v2", record(10, 4));
    assert_eq!(
        changed.best.as_ref().map(|r| r.earned),
        Some(10),
        "a new lab version starts a new best"
    );
    assert!(changed.best_of("v1").is_none());

    let dir = scratch_root("status");
    let state = distlab::labs::status::dir(&dir);
    std::fs::create_dir_all(&state).expect("state dir");
    std::fs::write(
        state.join("05.json"),
        r#"{"earned": 55, "possible": 100, "parts": [], "graded": "student"}"#,
    )
    .expect("old status");
    assert_eq!(
        distlab::labs::status::read(&dir, "05"),
        None,
        "old format reads as absent"
    );
    let written = distlab::labs::status::record(&dir, "05", "v1", record(70, 5)).expect("writes");
    assert_eq!(distlab::labs::status::read(&dir, "05"), Some(written));
}

/// Copy lab 05's `lab.toml` and scenarios into the scratch root `dir`.
fn copy_lab05(dir: &Path) {
    let lab = "labs/05-raft-election";
    std::fs::create_dir_all(dir.join(lab).join("scenarios")).expect("lab dir");
    std::fs::copy(
        root().join(lab).join("lab.toml"),
        dir.join(lab).join("lab.toml"),
    )
    .expect("copy");
    let scenarios = format!("{lab}/scenarios");
    for entry in std::fs::read_dir(root().join(&scenarios)).expect("lab scenarios") {
        let path = entry.expect("entry").path();
        let to = dir.join(&scenarios).join(path.file_name().expect("name"));
        std::fs::copy(&path, to).expect("copy");
    }
}

/// A scratch root with lab 05's `lab.toml` and scenarios.
fn scratch_lab05(name: &str) -> PathBuf {
    let dir = scratch_root(name);
    copy_lab05(&dir);
    dir
}

#[test]
fn an_edited_or_missing_lab_scenario_is_refused_naming_the_file() {
    let dir = scratch_lab05("edited");
    let file = dir.join("labs/05-raft-election/scenarios/restarts.toml");
    let text = std::fs::read_to_string(&file).expect("scenario");
    std::fs::write(&file, text.replacen("duration", "# edited\nduration", 1)).expect("edit");
    let check = distlab_in(&dir, &["lab", "check", "05", "--reference"]);
    assert_eq!(support::code(&check), 3);
    insta::assert_snapshot!("lab-edited-scenario", support::stderr(&check));
    assert!(support::stdout(&check).is_empty(), "nothing graded");

    // Windows line endings are the same file.
    std::fs::write(&file, text.replace('\n', "\r\n")).expect("crlf");
    std::fs::remove_file(dir.join("labs/05-raft-election/scenarios/lossy.toml")).expect("rm");
    let check = distlab_in(&dir, &["lab", "check", "05", "--reference", "--part", "C"]);
    assert_eq!(support::code(&check), 3);
    insta::assert_snapshot!("lab-missing-scenario", support::stderr(&check));
}

#[test]
fn lab_check_with_a_salt_grades_held_out_seeds_and_says_so() {
    let dir = scratch_lab05("salt");
    let check = distlab_in(
        &dir,
        &[
            "lab",
            "check",
            "05",
            "--reference",
            "--part",
            "A",
            "--salt",
            "s3cret",
        ],
    );
    let text = support::stdout(&check);
    assert_eq!(support::code(&check), 0, "{text}");
    assert!(text.contains("seeds: held-out (salt #"), "{text}");
    assert!(
        text.contains("100 held-out seeds") && !text.contains("s3cret"),
        "{text}"
    );
}
