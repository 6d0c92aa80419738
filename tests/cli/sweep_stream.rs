//! `distlab sweep` streams: failures appear (stdout and file) while it runs,
//! Ctrl-C ends it cleanly with what was found, huge ranges cost nothing up
//! front, and the failure file never silently replaces or outlives anything.

use crate::support::{self, code, distlab, stderr, stdout};
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-sweep-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

fn failing_variant(name: &str) -> String {
    support::variant(
        "scenarios/broadcast-lossy.toml",
        "bugs = []",
        "bugs = [\"no-retransmit\"]",
        name,
    )
}

/// Ctrl-C after the first FAIL line of a sweep over every u64 seed: the
/// sweep stops, says how far it got, exits 130, and the failure file holds
/// (at least) that failure. Before, the range was collected up front (an
/// allocation abort for this one) and nothing was printed or written until
/// the end.
#[cfg(unix)]
#[test]
fn ctrl_c_ends_the_sweep_with_what_it_found() {
    let dir = temp_dir("sigint");
    let file = dir.join("failures.json");
    let mut child = Command::new(env!("CARGO_BIN_EXE_distlab"))
        .args(["sweep", "scenarios/raft-bug-forget-vote.toml"])
        .args([
            "--seeds",
            "0..18446744073709551615",
            "--jobs",
            "2",
            "--failures",
        ])
        .arg(&file)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("distlab runs");
    let lines = BufReader::new(child.stdout.take().expect("stdout"));
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        for line in lines.lines().map_while(Result::ok) {
            if send.send(line).is_err() {
                break;
            }
        }
    });
    let first = receive.recv_timeout(Duration::from_secs(120));
    let Ok(first) = first else {
        let _ = child.kill();
        panic!("no FAIL line while the sweep ran");
    };
    assert!(first.starts_with("FAIL seed "), "{first}");
    let killed = Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(killed.success());
    let status = child.wait().expect("the sweep ends");
    let rest: Vec<String> = receive.iter().collect();
    let text = rest.join("\n");
    assert_eq!(status.code(), Some(130), "{text}");
    assert!(text.contains("interrupted after "), "{text}");
    assert!(
        text.contains(" of 18446744073709551615 seeds of raft-bug-forget-vote"),
        "{text}"
    );
    assert!(text.contains("to go on: distlab sweep"), "{text}");
    let written = std::fs::read_to_string(&file).expect("the failure file was written");
    let value: serde_json::Value = serde_json::from_str(&written).expect("complete JSON");
    let failures = value["failures"].as_array().expect("a failures list");
    assert!(!failures.is_empty());
    let seeds: Vec<u64> = failures.iter().filter_map(|f| f["seed"].as_u64()).collect();
    assert!(seeds.windows(2).all(|w| w[0] < w[1]), "{seeds:?}");
}

/// A range of 2^64 - 1 seeds, sharded down to three: seed positions are
/// computed, not collected, without overflowing at the top of the range.
#[test]
fn a_huge_range_costs_nothing_up_front() {
    let out = distlab(&[
        "sweep",
        "scenarios/broadcast-basic.toml",
        "--seeds",
        "0..18446744073709551615",
        "--shard",
        "0/9223372036854775807",
        "--json",
    ]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let value = support::json(&out);
    assert_eq!(value["runs"], 3);
    assert_eq!(value["interrupted"], false);
}

#[test]
fn an_unrelated_file_is_never_overwritten() {
    let dir = temp_dir("unrelated");
    let file = dir.join("distlab-failures.json");
    std::fs::write(&file, "my notes\n").expect("write");
    let path = failing_variant("unrelated.toml");
    let file_arg = file.to_string_lossy().into_owned();
    let out = distlab(&["sweep", &path, "--seeds", "0..5", "--failures", &file_arg]);
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    assert_eq!(
        stderr(&out).trim(),
        format!(
            "distlab: refusing to overwrite {file_arg}: it is not a failure file written by distlab (choose another file with --failures FILE)"
        )
    );
    assert_eq!(std::fs::read_to_string(&file).expect("read"), "my notes\n");
}

#[test]
fn an_earlier_sweeps_file_is_replaced_or_removed_and_said() {
    let dir = temp_dir("stale");
    let file = dir.join("distlab-failures.json");
    let file_arg = file.to_string_lossy().into_owned();
    let failing = failing_variant("stale.toml");
    let out = distlab(&[
        "sweep",
        &failing,
        "--seeds",
        "0..3",
        "--failures",
        &file_arg,
    ]);
    assert_eq!(code(&out), 2, "{}", stderr(&out));
    assert!(file.exists());
    let again = distlab(&[
        "sweep",
        &failing,
        "--seeds",
        "0..3",
        "--failures",
        &file_arg,
    ]);
    assert!(
        stderr(&again).contains("holds an earlier sweep's failures; this sweep replaces it"),
        "{}",
        stderr(&again)
    );
    assert!(
        stdout(&again).contains("it replaces an earlier sweep's file"),
        "{}",
        stdout(&again)
    );
    let passing = distlab(&[
        "sweep",
        "scenarios/broadcast-basic.toml",
        "--seeds",
        "0..3",
        "--failures",
        &file_arg,
    ]);
    assert_eq!(code(&passing), 0, "{}", stderr(&passing));
    assert!(
        stdout(&passing).contains(&format!(
            "no failures: removed {file_arg}, left by an earlier sweep"
        )),
        "{}",
        stdout(&passing)
    );
    assert!(!file.exists(), "no stale failure file is left behind");
}
