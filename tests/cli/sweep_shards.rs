//! A sweep split into shards (`--shard I/N --results FILE`) and folded back
//! by `distlab merge` prints exactly what one sweep over the whole range
//! prints, writes the same failure file, and refuses files that are not one
//! sweep's complete shards.

use crate::support::{code, stderr, stdout};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-shards-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

/// Run `distlab` in `dir`.
fn distlab_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_distlab"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the distlab binary runs")
}

/// A scenario that fails on some seeds and passes on others.
fn scenario() -> String {
    format!(
        "{}/scenarios/raft-bug-forget-vote.toml",
        env!("CARGO_MANIFEST_DIR")
    )
}

const SEEDS: &str = "0..30";

/// Run the three shards of `SEEDS` in `dir`, returning the results files.
fn shards(dir: &Path) -> Vec<String> {
    (0..3)
        .map(|i| {
            let results = format!("shard-{i}.json");
            let out = distlab_in(
                dir,
                &[
                    "sweep",
                    &scenario(),
                    "--seeds",
                    SEEDS,
                    "--jobs",
                    "2",
                    "--shard",
                    &format!("{i}/3"),
                    "--results",
                    &results,
                    "--failures",
                    &format!("shard-{i}-failures.json"),
                ],
            );
            assert!(
                [0, 1, 2].contains(&code(&out)),
                "shard {i}: {}",
                stderr(&out)
            );
            dir.join(results).display().to_string()
        })
        .collect()
}

#[test]
fn merged_shards_print_exactly_what_one_sweep_prints() {
    let whole = temp_dir("whole");
    let one = distlab_in(
        &whole,
        &["sweep", &scenario(), "--seeds", SEEDS, "--jobs", "1"],
    );
    let printed = stdout(&one);
    assert!(printed.contains("FAIL seed"), "{printed}");
    assert!(
        printed.contains("swept 30 seeds of raft-bug-forget-vote: ")
            && !printed.contains(": 30 passed"),
        "the range must hold passes and failures: {printed}"
    );

    let parts = temp_dir("parts");
    let mut files = shards(&parts);
    // Any order on the command line.
    files.reverse();
    let merged_dir = temp_dir("merged");
    let mut args = vec!["merge"];
    args.extend(files.iter().map(String::as_str));
    let merged = distlab_in(&merged_dir, &args);
    assert_eq!(code(&merged), code(&one), "{}", stderr(&merged));
    assert_eq!(stdout(&merged), printed);
    assert!(stderr(&merged).contains("merged 3 shard results files"));
    let read = |dir: &Path| {
        let text = std::fs::read_to_string(dir.join("distlab-failures.json")).expect("failures");
        serde_json::from_str::<serde_json::Value>(&text).expect("JSON")
    };
    assert_eq!(read(&merged_dir), read(&whole));

    // The JSON summary too, field for field.
    let one_json = distlab_in(&whole, &["sweep", &scenario(), "--seeds", SEEDS, "--json"]);
    let mut args = vec!["merge", "--json"];
    args.extend(files.iter().map(String::as_str));
    let merged_json = distlab_in(&merged_dir, &args);
    assert_eq!(stdout(&merged_json), stdout(&one_json));
}

#[test]
fn merge_refuses_what_is_not_one_sweeps_complete_shards() {
    let dir = temp_dir("refuse");
    let files = shards(&dir);
    // Every refusal's message, for one snapshot (the temp dir shown as DIR).
    let messages = std::cell::RefCell::new(String::new());
    let shown = dir.display().to_string();
    let refused = |args: &[&str], says: &str| {
        let out = distlab_in(&dir, args);
        assert_eq!(code(&out), 3, "{args:?}: {}", stdout(&out));
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).contains("panicked"));
        let command = args.join(" ").replace(&shown, "DIR");
        let said = stderr(&out).replace(&shown, "DIR");
        messages
            .borrow_mut()
            .push_str(&format!("$ distlab {command}\n{said}\n"));
    };
    refused(
        &["merge", &files[0], &files[2]],
        "missing shard results: 1/3 (each of the 3 shards must be given once)",
    );
    refused(
        &["merge", &files[0], &files[1], &files[1], &files[2]],
        "are both shard 1/3",
    );

    // Another scenario text, another range, an interrupted shard.
    let text = std::fs::read_to_string(&files[1]).expect("shard file");
    let edit = |name: &str, from: &str, to: &str| {
        assert!(text.contains(from), "{from}");
        let path = dir.join(name);
        std::fs::write(&path, text.replacen(from, to, 1)).expect("write");
        path.display().to_string()
    };
    let hash_at = text.find("\"scenario_hash\":\"").expect("hash") + 17;
    let hash = &text[hash_at..hash_at + 18];
    let other = edit("other.json", hash, "0x0000000000000000");
    refused(
        &["merge", &files[0], &other, &files[2]],
        "are not shards of one sweep: scenario text",
    );
    let stopped = edit(
        "stopped.json",
        "\"interrupted\":false",
        "\"interrupted\":true",
    );
    refused(
        &["merge", &files[0], &stopped, &files[2]],
        "is from an interrupted shard (10 of its seeds ran): run shard 1/3 again",
    );
    let wrong_seed = edit("wrong-seed.json", "{\"seed\":1,", "{\"seed\":2,");
    refused(
        &["merge", &files[0], &wrong_seed, &files[2]],
        "result 1 is of seed 2; shard 1/3 of 0..30 has seed 1 there",
    );

    // Another format version, and a tampered record (a passed seed turned
    // into a failure without one).
    let version = edit(
        "version.json",
        "\"distlab_sweep_results\":1",
        "\"distlab_sweep_results\":7",
    );
    refused(
        &["merge", &files[0], &version, &files[2]],
        "format 7 is not one this distlab reads (it reads format 1)",
    );
    let pass_at = text
        .find("\"verdict\":\"pass\"")
        .expect("a passed seed in shard 1");
    let seed_at = text[..pass_at].rfind("{\"seed\":").expect("its record");
    let tampered_seed: String = text[seed_at + 8..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    let tampered = edit(
        "tampered.json",
        "\"verdict\":\"pass\"",
        "\"verdict\":\"safety-violation\"",
    );
    refused(
        &["merge", &files[0], &tampered, &files[2]],
        &format!("seed {tampered_seed}: a seed that did not pass needs its failure"),
    );

    // Not a results file at all, and broken JSON with its place.
    let scenario = scenario();
    refused(&["merge", &scenario], "not a sweep results file");
    let broken = dir.join("broken.json");
    std::fs::write(&broken, "{\"distlab_sweep_results\": 1,\n \"scenario\": [}").expect("write");
    refused(&["merge", &broken.display().to_string()], "line 2, column");
    refused(
        &["merge", "/nonexistent/shard.json"],
        "cannot read /nonexistent/shard.json",
    );
    let scenario_dir = format!("{}/", env!("CARGO_MANIFEST_DIR"));
    // The scenario text's fingerprint changes with its comments: not pinned.
    insta::assert_snapshot!(
        "merge_refusals",
        messages
            .into_inner()
            .replace(&scenario_dir, "")
            .replace(hash, "0xSCENARIO_TEXT_HASH")
    );
}

#[test]
fn results_never_overwrite_an_unrelated_file() {
    let dir = temp_dir("clobber");
    let precious = dir.join("notes.json");
    std::fs::write(&precious, "{\"mine\": true}").expect("write");
    let out = distlab_in(
        &dir,
        &[
            "sweep",
            &scenario(),
            "--seeds",
            "0..2",
            "--results",
            &precious.display().to_string(),
        ],
    );
    assert_eq!(code(&out), 3, "{}", stdout(&out));
    assert!(stderr(&out).contains("is not a sweep results file"));
    assert_eq!(
        std::fs::read_to_string(&precious).unwrap(),
        "{\"mine\": true}"
    );
}
