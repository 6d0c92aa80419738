//! The TUI's `s` never silently replaces a different session file: the same
//! session saved twice names the file already there; another session at the
//! same step gets the next free name.

use distlab::cli::failure;
use distlab::cli::tui::saver_into;
use distlab::tui::{Action, App};
use std::path::PathBuf;

const SCENARIO: &str = "scenarios/broadcast-partition.toml";

/// The path in the status line after `s`.
pub fn saved_path(app: &App) -> String {
    let status = app.status();
    let start = status.find("saved ").expect(status) + "saved ".len();
    status[start..].split(' ').next().unwrap().to_string()
}

fn session_in(dir: &std::path::Path) -> App {
    let scenario = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(SCENARIO);
    let saver = saver_into(dir.to_path_buf(), scenario, 2).expect("saver");
    crate::support::tui::session(SCENARIO).with_saver(saver)
}

fn steps(app: &mut App, n: u64) {
    for _ in 0..n {
        app.apply(Action::StepForward);
    }
}

#[test]
fn a_different_session_at_the_same_step_gets_a_new_name() {
    let dir = super::temp_dir("sessions");
    // First session: 100 quiet steps.
    let mut quiet = session_in(&dir);
    steps(&mut quiet, 100);
    quiet.apply(Action::Save);
    let first = saved_path(&quiet);
    assert!(
        first.ends_with("distlab-session-broadcast-partition-seed2-step100.json"),
        "{first}"
    );
    let before = std::fs::read_to_string(&first).unwrap();
    // Saving the same session again names the same file, unchanged.
    quiet.apply(Action::Save);
    assert_eq!(saved_path(&quiet), first);
    assert_eq!(std::fs::read_to_string(&first).unwrap(), before);
    // Second session: a crash at step 50, saved at the same step 100.
    let mut crashed = session_in(&dir);
    steps(&mut crashed, 50);
    crashed.apply(Action::Crash);
    steps(&mut crashed, 50);
    crashed.apply(Action::Save);
    let second = saved_path(&crashed);
    assert!(
        second.ends_with("distlab-session-broadcast-partition-seed2-step100-2.json"),
        "{second}"
    );
    assert_eq!(
        std::fs::read_to_string(&first).unwrap(),
        before,
        "untouched"
    );
    assert_eq!(failure::read(second.as_ref()).unwrap()[0].actions.len(), 1);
    assert!(failure::read(first.as_ref()).unwrap()[0].actions.is_empty());
}

#[test]
fn a_users_file_of_that_name_is_never_replaced() {
    let dir = super::temp_dir("users-file");
    let name = dir.join("distlab-session-broadcast-partition-seed2-step10.json");
    std::fs::write(&name, "my notes\n").unwrap();
    let mut app = session_in(&dir);
    steps(&mut app, 10);
    app.apply(Action::Save);
    assert!(
        saved_path(&app).ends_with("-step10-2.json"),
        "{}",
        app.status()
    );
    assert_eq!(std::fs::read_to_string(&name).unwrap(), "my notes\n");
}
