//! Replay, failure and session files are untrusted: they name their
//! scenario relative to their folder, must name a regular file of sane size
//! whose text has the recorded hash, never get a byte of another file
//! echoed, and embed the scenario when they are sessions. A replay that
//! does not come back exits 5.

use crate::support::{code, distlab, stderr, stdout};
use distlab::cli::failure::{self, text_hash, Failure};
use std::path::{Path, PathBuf};

const SCENARIO: &str = "scenarios/broadcast-basic.toml";

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// A passing run of `scenario` recorded as a replay file entry.
fn recorded(scenario: &str, text: &str) -> serde_json::Value {
    serde_json::json!({
        "scenario": scenario,
        "scenario_hash": text_hash(text),
        "seed": 1,
        "verdict": "pass",
        "failed_checks": [],
        "trace_hash": "0x0000000000000000",
        "steps": 0,
    })
}

fn write_json(path: &Path, value: &serde_json::Value) -> String {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
    path.to_string_lossy().into_owned()
}

#[test]
fn a_replay_file_naming_a_secret_never_shows_it() {
    let dir = super::temp_dir("secret");
    let secret = dir.join("secret.toml");
    // Invalid TOML: the old reader printed this line in its parse error.
    std::fs::write(&secret, "root:SECRET-PASSWORD-HASH:19000:0:99999:7:::\n").unwrap();
    let mut entry = recorded("secret.toml", "name = \"something else\"\n");
    entry["scenario"] = secret.to_string_lossy().into_owned().into();
    let file = write_json(&dir.join("evil.json"), &entry);
    let out = distlab(&["replay", &file]);
    let err = stderr(&out);
    assert_eq!(code(&out), 3, "{err}");
    assert!(!err.contains("SECRET"), "{err}");
    assert!(!stdout(&out).contains("SECRET"));
    assert!(
        err.contains("is not the scenario seed 1 was recorded with")
            && err.contains("nothing of it is shown"),
        "{err}"
    );
}

#[test]
fn a_replay_file_naming_etc_shadow_is_refused_without_its_content() {
    let file = write_json(
        &super::temp_dir("shadow").join("shadow.json"),
        &recorded("/etc/shadow", "x"),
    );
    let out = distlab(&["replay", &file]);
    let err = stderr(&out);
    assert_eq!(code(&out), 3, "{err}");
    // Either unreadable (not root) or not matching: never a line of it.
    assert!(!err.contains("root:"), "{err}");
    assert!(err.contains("/etc/shadow"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_replay_file_naming_a_device_is_refused_at_once() {
    let dir = super::temp_dir("device");
    let file = write_json(&dir.join("zero.json"), &recorded("/dev/zero", "x"));
    let out = distlab(&["replay", &file]);
    let err = stderr(&out);
    assert_eq!(code(&out), 3, "{err}");
    assert_eq!(
        err.replace(&file, "FILE"),
        "distlab: FILE: cannot read the scenario it names, /dev/zero: not a regular file (it is a character device)\n"
    );
}

#[cfg(unix)]
#[test]
fn endless_files_named_on_the_command_line_stop_at_their_limit() {
    let dir = super::temp_dir("endless");
    let link = dir.join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
    let link = link.to_string_lossy().into_owned();
    let out = distlab(&["replay", &link]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).ends_with(": larger than 64 MiB, the limit for this file\n"),
        "{}",
        stderr(&out)
    );
    let out = distlab(&["run", "/dev/zero"]);
    assert_eq!(code(&out), 3);
    assert_eq!(
        stderr(&out),
        "distlab: cannot read /dev/zero: larger than 1 MiB, the limit for this file\n"
    );
}

#[test]
fn relative_scenario_paths_start_at_the_replay_file() {
    // The replay file and its scenario sit together in a folder that is
    // not the current directory (the binary runs from the package root).
    let dir = super::temp_dir("relative");
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    let changed = text.replace("seed = 1", "seed = 1\n# a copy beside the replay file");
    std::fs::write(dir.join("sub/beside.toml"), &changed).unwrap();
    let file = write_json(&dir.join("r.json"), &recorded("sub/beside.toml", &changed));
    let out = distlab(&["replay", &file]);
    let text = stdout(&out);
    // Found and run (the recorded hash is a placeholder: exit 5).
    assert_eq!(code(&out), 5, "{text}{}", stderr(&out));
    assert!(text.contains("scenario: broadcast-basic"), "{text}");
}

#[test]
fn files_written_before_relative_paths_still_replay_from_the_current_directory() {
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    let file = write_json(
        &super::temp_dir("legacy").join("old.json"),
        &recorded(SCENARIO, &text),
    );
    let out = distlab(&["replay", &file]);
    assert_eq!(code(&out), 5, "{}", stderr(&out));
    assert!(stdout(&out).contains("DID NOT REPRODUCE seed 1"));
}

#[test]
fn a_replay_that_does_not_come_back_exits_5() {
    let out = distlab(&["run", SCENARIO, "--seed", "1", "--json"]);
    let report = crate::support::json(&out);
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    let mut entry = recorded(SCENARIO, &text);
    entry["trace_hash"] = report["trace_hash"].clone();
    entry["steps"] = report["steps"].clone();
    let dir = super::temp_dir("exit-5");
    let good = write_json(&dir.join("good.json"), &entry);
    let out = distlab(&["replay", &good]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("replay: reproduced seed 1"));
    entry["trace_hash"] = "0x0123456789abcdef".into();
    let bad = write_json(&dir.join("bad.json"), &entry);
    let out = distlab(&["replay", &bad]);
    assert_eq!(code(&out), 5, "{}", stdout(&out));
    assert!(stdout(&out).contains("replay: DID NOT REPRODUCE seed 1"));
}

#[test]
fn a_session_embeds_its_scenario_and_replays_without_it() {
    let dir = super::temp_dir("embedded");
    let scenario = dir.join("gone.toml");
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    std::fs::write(&scenario, &text).unwrap();
    let saver = distlab::cli::tui::saver_into(dir.clone(), scenario.clone(), 1).unwrap();
    let mut app = crate::support::tui::session(SCENARIO).with_saver(saver);
    for _ in 0..40 {
        app.apply(distlab::tui::Action::StepForward);
    }
    app.apply(distlab::tui::Action::Save);
    let saved = PathBuf::from(super::sessions::saved_path(&app));
    std::fs::remove_file(&scenario).unwrap();
    let stored = &failure::read(&saved).unwrap()[0];
    assert_eq!(
        stored.scenario,
        Path::new("gone.toml"),
        "relative to the file"
    );
    assert_eq!(stored.scenario_text.as_deref(), Some(text.as_str()));
    let out = distlab(&["replay", &saved.to_string_lossy()]);
    assert_eq!(code(&out), 0, "{}{}", stdout(&out), stderr(&out));
    assert!(stdout(&out).contains("at step 40 with 0 recorded action(s)"));
}

#[test]
fn an_edited_embedded_scenario_is_refused() {
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    let mut entry = recorded(SCENARIO, &text);
    entry["scenario_text"] = text.replace("nodes = 5", "nodes = 4").into();
    let file = write_json(&super::temp_dir("edited").join("e.json"), &entry);
    let out = distlab(&["replay", &file]);
    assert_eq!(code(&out), 3);
    assert!(
        stderr(&out).contains("does not match its scenario_hash"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn failures_store_scenario_paths_relative_to_their_file() {
    let text = std::fs::read_to_string(root().join(SCENARIO)).unwrap();
    let dir = super::temp_dir("write-one");
    let mut f: Failure = serde_json::from_value(recorded(SCENARIO, &text)).unwrap();
    f.scenario = root().join(SCENARIO);
    let path = dir.join("deep/er/f.json");
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    failure::write_one(&path, &f, false).unwrap();
    let stored = &failure::read(&path).unwrap()[0];
    assert!(stored.scenario.is_relative(), "{:?}", stored.scenario);
    assert_eq!(
        std::fs::canonicalize(stored.scenario_path()).unwrap(),
        std::fs::canonicalize(root().join(SCENARIO)).unwrap()
    );
    assert!(stored.load_scenario(&Default::default()).is_ok());
}
