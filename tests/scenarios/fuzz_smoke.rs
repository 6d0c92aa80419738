//! The fuzz targets' entry points (`distlab::fuzzing`, also called by the
//! cargo-fuzz targets in `fuzz/`) on the stable toolchain, in every
//! `cargo test`: the shipped files as they are, the inputs that once broke
//! them, and a few seconds of random mutations of the shipped files. The long
//! campaigns run with cargo-fuzz (fuzz/README.md).

use distlab::fuzzing::{self, Reach};
use proptest::prelude::*;
use std::path::Path;

fn files(patterns: &[&str]) -> Vec<Vec<u8>> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut out = Vec::new();
    for pattern in patterns {
        let (dir, ext) = pattern.rsplit_once("/*.").expect("dir/*.ext");
        let dirs: Vec<_> = match dir.split_once("/*/") {
            // labs/*/scenarios: every lab's folder.
            Some((parent, child)) => std::fs::read_dir(root.join(parent))
                .unwrap()
                .map(|e| e.unwrap().path().join(child))
                .filter(|p| p.is_dir())
                .collect(),
            None => vec![root.join(dir)],
        };
        for dir in dirs {
            let mut paths: Vec<_> = std::fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.is_file())
                .filter(|p| ext == "*" || p.extension().is_some_and(|e| e == ext))
                .collect();
            paths.sort();
            out.extend(paths.iter().map(|p| std::fs::read(p).unwrap()));
        }
    }
    out
}

fn scenarios() -> Vec<Vec<u8>> {
    files(&[
        "scenarios/*.toml",
        "labs/*/scenarios/*.toml",
        "tests/fixtures/valid_scenarios/*.toml",
        "tests/fixtures/invalid_scenarios/*.toml",
        "tests/fixtures/bad_inputs/*.toml",
    ])
}

fn histories() -> Vec<Vec<u8>> {
    files(&["tests/fixtures/histories/*.*"])
}

/// Replay files: the shipped bad ones, sessions embedding each shipped
/// scenario (with a crash and a restart), and ones naming a file.
fn replays() -> Vec<Vec<u8>> {
    let mut out = files(&[
        "tests/fixtures/bad_inputs/*.json",
        "fuzz/seeds/replay/*.json",
    ]);
    for text in files(&["scenarios/*.toml"]).into_iter().take(6) {
        let text = String::from_utf8(text).unwrap();
        let session = serde_json::json!({
            "scenario": "embedded.toml",
            "scenario_hash": distlab::cli::failure::text_hash(&text),
            "scenario_text": text,
            "seed": 3,
            "verdict": "pass",
            "failed_checks": [],
            "trace_hash": "0x0",
            "steps": 500,
            "actions": [
                {"step": 100, "action": {"crash": {"node": 1}}},
                {"step": 300, "action": {"restart": {"node": 1}}}
            ],
            "stop_at_step": 500
        });
        out.push(serde_json::to_vec(&session).unwrap());
    }
    out
}

/// A fuzz target's entry point.
type Target = fn(&[u8]) -> Reach;

/// Inputs that broke a reader once (issue 15), or that must stay bounded.
fn regressions() -> Vec<(&'static str, Target, Vec<u8>)> {
    let zero = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/bad_inputs/zero-retry.toml"),
    )
    .unwrap();
    let device = br#"{"scenario": "/dev/zero", "scenario_hash": "0x0", "seed": 1,
        "verdict": "pass", "failed_checks": [], "trace_hash": "0x0", "steps": 1}"#;
    let far = br#"{"scenario": "/etc/passwd", "scenario_hash": "0x0", "seed": 1,
        "verdict": "pass", "failed_checks": [], "trace_hash": "0x0", "steps": 1,
        "stop_at_step": 18446744073709551615}"#;
    // g, 9 x 20, Enter: a jump far past the end of the run.
    let mut goto = vec![80, 14, b'g'];
    for _ in 0..20 {
        goto.extend([9, 9]);
    }
    goto.extend([0, 0]);
    vec![
        (
            "edn brackets",
            fuzzing::history,
            "[".repeat(65_536).into_bytes(),
        ),
        (
            "edn maps",
            fuzzing::history,
            "{:a ".repeat(30_000).into_bytes(),
        ),
        ("zero retry", fuzzing::scenario, zero),
        ("device", fuzzing::replay, device.to_vec()),
        ("far stop", fuzzing::replay, far.to_vec()),
        ("goto far", fuzzing::tui_keys, goto),
        ("1x1 screen", fuzzing::tui_keys, vec![0, 14, b'n', 14, b'?']),
    ]
}

#[test]
fn key_sequences_drive_the_tui() {
    // Step, step, back, crash, step: the session builds and runs.
    let keys = [80, 14, b'n', 14, b'n', 14, b'b', 14, b'c', 14, b'n'];
    assert_eq!(fuzzing::tui_keys(&keys), Reach::Ran);
    assert_eq!(fuzzing::tui_keys(&[]), Reach::Ran);
}

#[test]
fn regressions_are_rejected_or_bounded() {
    for (name, target, input) in regressions() {
        let started = std::time::Instant::now();
        target(&input);
        let took = started.elapsed();
        assert!(took.as_secs() < 10, "{name} took {took:?}");
    }
}

#[test]
fn every_shipped_scenario_runs() {
    let all = scenarios();
    let ran = all
        .iter()
        .filter(|s| fuzzing::scenario(s) == Reach::Ran)
        .count();
    // The valid ones build and run; the invalid ones are rejected.
    let shipped = files(&["scenarios/*.toml"]);
    assert!(shipped.iter().all(|s| fuzzing::scenario(s) == Reach::Ran));
    assert!(
        ran >= shipped.len() && ran < all.len(),
        "{ran} of {}",
        all.len()
    );
}

#[test]
fn shipped_histories_and_replays_get_through_their_readers() {
    let ran = histories()
        .iter()
        .filter(|h| fuzzing::history(h) == Reach::Ran)
        .count();
    assert!(ran >= 10, "only {ran} histories were read");
    let ran = replays()
        .iter()
        .filter(|r| fuzzing::replay(r) == Reach::Ran)
        .count();
    assert!(ran >= 6, "only {ran} replay files ran");
    let ran = files(&["fuzz/seeds/sweep_results/*.json"])
        .iter()
        .filter(|r| fuzzing::sweep_results(r) == Reach::Ran)
        .count();
    assert!(ran >= 2, "only {ran} sweep results files were read");
}

/// A random edit of a corpus entry: overwrite, insert or delete bytes.
fn mutate(mut input: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(at, byte, how) in edits {
        let at = if input.is_empty() {
            0
        } else {
            at % input.len()
        };
        match how % 3 {
            0 if !input.is_empty() => input[at] = byte,
            1 => input.insert(at, byte),
            _ if !input.is_empty() => {
                input.remove(at);
            }
            _ => input.push(byte),
        }
    }
    input
}

/// Bytes that matter to the readers, more often than chance would pick them.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        any::<u8>(),
        prop::sample::select(b"[]{}\"=:,.0123456789\n#-".to_vec()),
    ]
}

fn edits() -> impl Strategy<Value = Vec<(usize, u8, u8)>> {
    prop::collection::vec((any::<usize>(), interesting_byte(), any::<u8>()), 1..6)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_never_panic(pick in any::<prop::sample::Index>(), e in edits()) {
        let corpus = scenarios();
        fuzzing::scenario(&mutate(pick.get(&corpus).clone(), &e));
    }

    #[test]
    fn mutated_histories_never_panic(pick in any::<prop::sample::Index>(), e in edits()) {
        let corpus = histories();
        fuzzing::history(&mutate(pick.get(&corpus).clone(), &e));
    }

    #[test]
    fn mutated_replays_never_panic(pick in any::<prop::sample::Index>(), e in edits()) {
        let corpus = replays();
        fuzzing::replay(&mutate(pick.get(&corpus).clone(), &e));
    }

    #[test]
    fn mutated_sweep_results_never_panic(pick in any::<prop::sample::Index>(), e in edits()) {
        let corpus = files(&["fuzz/seeds/sweep_results/*.json"]);
        fuzzing::sweep_results(&mutate(pick.get(&corpus).clone(), &e));
    }

    #[test]
    fn random_key_sequences_never_panic(keys in prop::collection::vec(any::<u8>(), 0..120)) {
        fuzzing::tui_keys(&keys);
    }
}
