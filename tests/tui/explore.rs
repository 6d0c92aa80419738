//! A path found by `distlab explore` opens in the TUI (`distlab replay FILE
//! --tui`) paused at its violating step with the violated check shown; it
//! steps back through its choices (a crash and a restart included) and
//! forward again to the same world; user faults and saving are refused
//! there.

use crate::support::{self, tui::screen};
use distlab::cli::failure::{self, Failure};
use distlab::cli::tui::session;
use distlab::cli::Context;
use distlab::registry::Registry;
use distlab::sim::trace::format_hash;
use distlab::sim::StepResult;
use distlab::tui::app::Inspect;
use distlab::tui::{Action, App};
use std::path::PathBuf;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-tui-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Run `distlab explore ARGS --out DIR/found.json` (it must find a safety
/// violation) and read the replay file back.
fn explored(dir: &std::path::Path, args: &[&str]) -> Failure {
    let out = dir.join("found.json");
    let mut all = vec!["explore"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", out.to_str().expect("UTF-8 path")]);
    let found = support::distlab(&all);
    assert_eq!(support::code(&found), 1, "{}", support::stdout(&found));
    let mut failures = failure::read(&out).expect("the replay file reads");
    assert_eq!(failures.len(), 1);
    failures.remove(0)
}

/// What `distlab replay FILE --tui` opens, without the terminal.
fn open(f: &Failure) -> App {
    let ctx = Context {
        registry: Registry::builtin(),
        lab: None,
        params: Vec::new(),
    };
    match session(&ctx, &f.scenario_args(), Some(f.seed), Some(f)) {
        Ok(app) => app,
        Err(code) => panic!("the session did not open (exit {code})"),
    }
}

/// Paused on the failure: the recorded step, check and trace hash.
fn assert_at_failure(app: &App, f: &Failure, check: &str) {
    let choices = f.explore.as_ref().expect("an explored path").steps.len();
    assert_eq!(app.timeline().step_index(), f.steps);
    assert_eq!(app.ended(), Some(StepResult::Violated));
    assert_eq!(app.inspect(), Inspect::Check);
    let (name, _, step) = app.failed_check().expect("a failed check");
    assert_eq!((name.as_str(), step), (check, Some(f.steps)));
    assert_eq!(format_hash(app.timeline().sim().trace_hash()), f.trace_hash);
    assert_eq!(app.timeline().explored_position(), Some((choices, choices)));
}

#[test]
fn an_explored_2pc_violation_opens_at_its_step_with_the_check() {
    let dir = temp_dir("explore-2pc");
    let f = explored(
        &dir,
        &["scenarios/2pc-bug-presume-commit.toml", "--nodes", "3"],
    );
    let check = "commit-needs-every-yes-vote";
    let mut app = open(&f);
    assert_at_failure(&app, &f, check);
    assert!(
        app.status().contains(&format!("check `{check}` failed")),
        "{}",
        app.status()
    );
    let shown = screen(&app, 120, 40);
    assert!(
        shown.contains(&format!("FAILED {check} (step {})", f.steps)),
        "{shown}"
    );
    assert!(shown.contains("explored choice 3/3"), "{shown}");

    // Back through the three choices to the booted cluster, and no further.
    for done in (0..3).rev() {
        app.apply(Action::StepBack);
        assert_eq!(app.timeline().explored_position(), Some((done, 3)));
        assert_eq!(app.ended(), None);
    }
    let booted = app.timeline().step_index();
    assert_eq!(booted, f.steps - 3);
    app.apply(Action::StepBack);
    assert_eq!(app.timeline().step_index(), booted);
    assert!(app.status().contains("already at step"), "{}", app.status());

    // Faults of one's own are refused: the path's faults are its choices.
    app.apply(Action::Crash);
    assert!(
        app.status()
            .contains("explored path's faults are its choices"),
        "{}",
        app.status()
    );
    app.apply(Action::Save);
    assert!(app.status().contains("saved already"), "{}", app.status());

    // Forward again: the same violation, the same trace hash; then nothing.
    for _ in 0..3 {
        app.apply(Action::StepForward);
    }
    assert_at_failure(&app, &f, check);
    app.apply(Action::StepForward);
    assert_at_failure(&app, &f, check);
    let _ = std::fs::remove_dir_all(&dir);
}

/// A random walk's Raft counterexample: a crash and a restart on the path;
/// going back past them and forward again lands on the same world.
#[test]
fn a_random_walk_through_a_crash_steps_back_and_forth() {
    let dir = temp_dir("explore-raft");
    let f = explored(
        &dir,
        &[
            "scenarios/raft-bug-forget-vote.toml",
            // Without PreVote, as the engine's forget-vote searches: a
            // pre-vote round makes the walk's 16 steps too few.
            "--param",
            "prevote=false",
            "--nodes",
            "3",
            "--ops",
            "0",
            "--crashes",
            "1",
            "--restarts",
            "1",
            "--walks",
            "20000",
            "--depth",
            "16",
        ],
    );
    let path = &f.explore.as_ref().expect("an explored path").steps;
    assert!(
        path.iter().any(|s| s.label.starts_with("crash")),
        "{path:?}"
    );
    let check = "election-safety";
    let mut app = open(&f);
    assert_at_failure(&app, &f, check);
    let first = app.timeline().first_step();
    app.apply(Action::OpenPrompt(distlab::tui::PromptKind::Goto));
    for c in first.to_string().chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
    assert_eq!(app.timeline().step_index(), first);
    assert_eq!(app.timeline().explored_position(), Some((0, path.len())));
    assert!(app.timeline().sim().nodes().iter().all(|n| n.up));
    for _ in 0..path.len() {
        app.apply(Action::StepForward);
    }
    assert_at_failure(&app, &f, check);
    let _ = std::fs::remove_dir_all(&dir);
}
