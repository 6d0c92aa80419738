//! A TUI session saved after keyboard actions replays headless with the same
//! trace hash (`distlab replay FILE`).

use crate::support::{code, distlab, stderr, stdout, tui::session};
use distlab::cli::failure;
use distlab::cli::tui::saver_into;
use distlab::tui::{Action, App, PromptKind};
use std::path::PathBuf;

const SCENARIO: &str = "scenarios/broadcast-partition.toml";

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-tui-{name}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn with_saver(app: App, dir: &std::path::Path) -> App {
    let scenario = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SCENARIO);
    let saver = saver_into(dir.to_path_buf(), scenario, 2).expect("saver");
    app.with_saver(saver)
}

fn saved_path(app: &App) -> String {
    let status = app.status();
    let start = status.find("saved ").expect("saved") + "saved ".len();
    status[start..].split(' ').next().unwrap().to_string()
}

fn steps(app: &mut App, n: u64) {
    for _ in 0..n {
        app.apply(Action::StepForward);
    }
}

/// A session with a crash, a partition, loss, a trip back in time that
/// forks, and a restart.
fn busy_session(dir: &std::path::Path) -> App {
    let mut app = with_saver(session(SCENARIO), dir);
    steps(&mut app, 300);
    app.apply(Action::SelectNext);
    app.apply(Action::Crash);
    steps(&mut app, 200);
    app.apply(Action::OpenPrompt(PromptKind::Partition));
    for c in "0 1 | 2 3 4 5 6 7 8".chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
    steps(&mut app, 200);
    for _ in 0..50 {
        app.apply(Action::StepBack);
    }
    type_goto(&mut app, "450");
    app.apply(Action::Fork);
    app.apply(Action::OpenPrompt(PromptKind::Loss));
    for c in "0.3".chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
    steps(&mut app, 100);
    app.apply(Action::Restart);
    steps(&mut app, 100);
    app
}

#[test]
fn a_session_saved_mid_run_replays_headless_with_the_same_hash() {
    let dir = temp_dir("mid-run");
    let mut app = busy_session(&dir);
    app.apply(Action::Save);
    let path = saved_path(&app);
    let file = &failure::read(path.as_ref()).expect("a replay file")[0];
    assert_eq!(
        file.actions.len(),
        3,
        "crash, loss, restart (the partition was forked away)"
    );
    assert_eq!(file.stop_at_step, Some(app.timeline().step_index()));
    let hash = distlab::sim::trace::format_hash(app.timeline().sim().trace_hash());
    assert_eq!(file.trace_hash, hash);
    let out = distlab(&["replay", &path]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(text.contains("replay: reproduced seed 2 at step"), "{text}");
    assert!(text.contains("with 3 recorded action(s)"), "{text}");
    assert!(text.contains(&format!("trace-hash {hash}")), "{text}");
    // A passing run is `pass`, not `pass ()`; the file gets a summary line.
    assert!(text.contains(": pass, trace-hash"), "{text}");
    assert!(!text.contains("()"), "{text}");
    assert!(
        text.trim_end()
            .ends_with(&format!("replay: all 1 recorded run reproduced ({path})")),
        "{text}"
    );
}

#[test]
fn a_session_saved_at_the_end_replays_the_whole_run() {
    let dir = temp_dir("end");
    let mut app = busy_session(&dir);
    type_goto(&mut app, "99999999");
    while app.is_busy() {
        app.apply(Action::Tick(10_000));
    }
    assert!(app.ended().is_some());
    app.apply(Action::Save);
    let path = saved_path(&app);
    let file = &failure::read(path.as_ref()).expect("a replay file")[0];
    assert_eq!(file.stop_at_step, None);
    let out = distlab(&["replay", &path]);
    let text = stdout(&out);
    assert!(
        text.contains("replay: reproduced seed 2 with 3"),
        "{text}{}",
        stderr(&out)
    );
    assert!(text.contains(&file.trace_hash), "{text}");
}

#[test]
fn a_tampered_action_does_not_reproduce() {
    let dir = temp_dir("tampered");
    let mut app = busy_session(&dir);
    app.apply(Action::Save);
    let path = saved_path(&app);
    let text = std::fs::read_to_string(&path).unwrap();
    let changed = text.replacen("\"restart\"", "\"crash\"", 1);
    assert_ne!(text, changed);
    std::fs::write(&path, changed).unwrap();
    let out = distlab(&["replay", &path]);
    assert!(
        stdout(&out).contains("DID NOT REPRODUCE"),
        "{}",
        stdout(&out)
    );
}

fn type_goto(app: &mut App, text: &str) {
    app.apply(Action::OpenPrompt(PromptKind::Goto));
    for c in text.chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
}
