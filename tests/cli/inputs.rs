//! Untrusted input stays untrusted (issue 15): every module is one input
//! and what it may and may not do (docs/inputs.md).
//!
//! - `time_guard`: a run whose simulated time stands still stops with the
//!   `time-advances` violation, naming the node and the timer or message.
//! - `zero_periods`: every protocol rejects a zero period with file and line.
//! - `edn_depth`: deeply nested EDN is an error (exit 3), not a stack overflow.
//! - `replay_files`: replay and session files never read a device, never
//!   echo a file that is not their scenario, resolve paths against their
//!   folder, embed their scenario; a run that does not come back exits 4.
//! - `cli_sizes`: size flags are bounded (exit 3), never a panic or abort.
//! - `sessions`: the TUI's `s` never overwrites a different session file.

mod cli_sizes;
mod edn_depth;
mod replay_files;
mod sessions;
mod time_guard;
mod zero_periods;

use crate::support;

/// A bad input: exit code 3, no panic, and this exact message on stderr.
fn bad(name: &str, args: &[&str]) -> String {
    let out = support::distlab(args);
    let err = support::stderr(&out);
    assert_eq!(support::code(&out), 3, "{name}: {err}");
    assert!(!err.contains("panicked"), "{name} panicked: {err}");
    insta::assert_snapshot!(name, err);
    err
}

/// A fresh temporary folder for one test.
fn temp_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-inputs-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}
