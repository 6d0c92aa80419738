//! The command line: exit codes, output shape, and the exact message for every
//! kind of bad input (exit code 3, never a panic).

use crate::support::{self, code, distlab, json, stderr, stdout};

#[test]
fn run_prints_checks_metrics_and_the_trace_hash() {
    let out = distlab(&["run", "scenarios/broadcast-basic.toml"]);
    assert_eq!(code(&out), 0, "{}", stderr(&out));
    let text = stdout(&out);
    for needle in [
        "seed: 1",
        "messages: sent",
        "checks:",
        "acked-values-everywhere",
        "metrics:",
        "verdict: pass",
        "trace-hash: 0x",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
}

#[test]
fn run_json_has_the_documented_fields() {
    let out = distlab(&[
        "run",
        "scenarios/broadcast-partition.toml",
        "--seed",
        "9",
        "--json",
    ]);
    assert_eq!(code(&out), 0);
    let v = json(&out);
    for key in [
        "scenario",
        "seed",
        "steps",
        "virtual_time_ns",
        "trace_hash",
        "messages",
        "checks",
        "verdict",
        "metrics",
    ] {
        assert!(v.get(key).is_some(), "missing {key}: {v}");
    }
    for key in ["sent", "delivered", "dropped", "duplicated"] {
        assert!(v["messages"][key].is_u64(), "messages.{key}");
    }
    let check = &v["checks"][0];
    for key in ["name", "kind", "status"] {
        assert!(check.get(key).is_some(), "checks[0].{key}: {check}");
    }
    assert_eq!(v["seed"], 9);
    assert_eq!(v["verdict"], "pass");
}

#[test]
fn overrides_change_the_run() {
    let out = distlab(&[
        "run",
        "scenarios/broadcast-basic.toml",
        "--nodes",
        "7",
        "--duration",
        "3s",
        "--json",
    ]);
    assert_eq!(code(&out), 0);
    let v = json(&out);
    assert!(
        v["virtual_time_ns"].as_u64().unwrap_or(0) <= 8_000_000_000,
        "3 s + 5 s settle"
    );
}

#[test]
fn a_liveness_failure_exits_2_and_prints_a_replay_command() {
    let path = support::variant(
        "scenarios/broadcast-lossy.toml",
        "bugs = []",
        "bugs = [\"no-retransmit\"]",
        "exit2.toml",
    );
    let out = distlab(&["run", &path]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(stdout(&out).contains(&format!("replay: distlab replay {path} --seed 3")));
}

#[test]
fn sweep_writes_failures_that_replay_reproduces() {
    let path = support::variant(
        "scenarios/broadcast-lossy.toml",
        "bugs = []",
        "bugs = [\"no-retransmit\"]",
        "sweep.toml",
    );
    let failures = std::env::temp_dir().join(format!("distlab-sweep-{}.json", std::process::id()));
    let failures = failures.to_string_lossy().into_owned();
    let out = distlab(&["sweep", &path, "--seeds", "0..20", "--failures", &failures]);
    assert_eq!(code(&out), 2);
    assert!(
        stdout(&out).contains(&format!("replay: distlab replay {path} --seed 0")),
        "{}",
        stdout(&out)
    );
    let replayed = distlab(&["replay", &failures]);
    assert_eq!(code(&replayed), 2);
    let text = stdout(&replayed);
    assert_eq!(
        text.matches("replay: reproduced seed").count(),
        20,
        "{text}"
    );
    assert!(!text.contains("DID NOT REPRODUCE"));
    // Several failures: one line each and a summary, not 20 full reports
    // (a 2,000-failure file printed 40,000 lines).
    assert_eq!(text.lines().count(), 21, "{text}");
    assert!(!text.contains("checks:"), "{text}");
    assert_eq!(
        text.lines().last(),
        Some(format!("replay: all 20 recorded runs reproduced ({failures})").as_str()),
        "{text}"
    );
}

#[test]
fn shards_partition_the_seed_range() {
    let total: u64 = (0..3)
        .map(|i| {
            let shard = format!("{i}/3");
            let out = distlab(&[
                "sweep",
                "scenarios/broadcast-basic.toml",
                "--seeds",
                "0..10",
                "--shard",
                &shard,
                "--json",
            ]);
            json(&out)["runs"].as_u64().unwrap_or(0)
        })
        .sum();
    assert_eq!(total, 10);
}

#[test]
fn export_writes_one_json_object_per_step() {
    let out = distlab(&[
        "export",
        "scenarios/broadcast-basic.toml",
        "--seed",
        "2",
        "--format",
        "jsonl",
    ]);
    assert_eq!(code(&out), 0);
    let text = stdout(&out);
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).expect("a JSON line"))
        .collect();
    assert!(lines.len() > 1000);
    assert_eq!(lines[0]["step"], 1);
    assert_eq!(lines[0]["kind"], "start");
    assert!(lines
        .iter()
        .any(|l| l["kind"] == "deliver" && l["label"].as_str().unwrap_or("").contains("Gossip")));
}

#[test]
fn list_shows_protocols_and_scenarios() {
    let out = distlab(&["list"]);
    assert_eq!(code(&out), 0);
    insta::assert_snapshot!(stdout(&out));
}

#[test]
fn list_params_shows_a_protocols_parameters_and_bug_switches() {
    for protocol in ["swim", "raft", "pingpong"] {
        let out = distlab(&["list", "--params", protocol]);
        assert_eq!(code(&out), 0, "{}", stderr(&out));
        insta::assert_snapshot!(format!("list-params-{protocol}"), stdout(&out));
    }
    bad("list-params-unknown", &["list", "--params", "swimm"]);
}

/// The parameter tables in `docs/protocols/*.md` are generated from the
/// protocols' declarations (between markers); a stale one fails with a
/// diff, and `DISTLAB_BLESS=1` rewrites it.
#[test]
fn protocol_docs_tables_are_generated_from_the_declarations() {
    use distlab::scenario::param_spec::{markdown, splice_doc};
    let bless = std::env::var_os("DISTLAB_BLESS").is_some();
    let mut docs: Vec<std::path::PathBuf> = std::fs::read_dir("docs/protocols")
        .expect("docs/protocols")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "md"))
        .collect();
    docs.sort();
    let mut stale = Vec::new();
    for entry in distlab::registry::Registry::builtin().all() {
        let facts = &entry.facts;
        if facts.params.is_empty() && facts.bugs.is_empty() {
            continue;
        }
        let tables = markdown(facts.params, facts.bugs);
        let mut found = false;
        for path in &docs {
            let have = std::fs::read_to_string(path).expect("doc");
            let Some(want) = splice_doc(&have, facts.name, &tables) else {
                continue;
            };
            found = true;
            if want == have {
                continue;
            }
            if bless {
                std::fs::write(path, &want).expect("write doc");
            } else {
                stale.push(format!(
                    "{} ({}):\n{}",
                    path.display(),
                    facts.name,
                    line_diff(&have, &want)
                ));
            }
        }
        assert!(
            found,
            "no doc under docs/protocols has the parameter markers of `{}`",
            facts.name
        );
    }
    assert!(
        stale.is_empty(),
        "parameter tables differ from the declarations (run \
         `DISTLAB_BLESS=1 cargo test --test cli protocol_docs`):\n{}",
        stale.join("\n")
    );
}

/// The lines only in `old` (`-`) and only in `new` (`+`), in order.
fn line_diff(old: &str, new: &str) -> String {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    // Longest common subsequence, then walk it.
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let (mut i, mut j, mut out) = (0, 0, String::new());
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            (i, j) = (i + 1, j + 1);
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            out += &format!("+ {}\n", b[j]);
            j += 1;
        } else {
            out += &format!("- {}\n", a[i]);
            i += 1;
        }
    }
    out
}

#[test]
fn every_command_has_help_with_examples() {
    for cmd in [
        "list", "run", "sweep", "replay", "export", "bench", "explore",
    ] {
        let out = distlab(&[cmd, "--help"]);
        assert_eq!(code(&out), 0, "{cmd}");
        assert!(
            stdout(&out).contains("Example"),
            "{cmd} --help has no example"
        );
    }
}

/// Each bad input: exit code 3, no panic, and this exact message.
fn bad(name: &str, args: &[&str]) {
    let out = distlab(args);
    let err = stderr(&out);
    assert_eq!(code(&out), 3, "{name}: {err}");
    assert!(!err.contains("panicked"), "{name} panicked: {err}");
    insta::assert_snapshot!(name, err);
}

#[test]
fn bad_inputs_are_reported_with_their_place() {
    bad("missing-file", &["run", "scenarios/no-such-file.toml"]);
    for file in [
        "unknown-protocol",
        "unknown-role",
        "unknown-param",
        "bad-topology",
        "unknown-workload",
        "unknown-invariant",
        "unknown-predicate",
        "unknown-predicate-role",
        "unknown-history",
        "bad-read-ratio",
        "old-bug-key",
        "unknown-bug",
        "bugs-not-a-list",
        "bug-twice",
        "bugs-without-switches",
        "raft-max-inflight-zero",
        "raft-snapshot-chunk-negative",
        "raft-changes-bad-item",
        "raft-changes-unknown-node",
        "raft-changes-not-strings",
        "raft-voters-too-many",
        "lb-slow-start-number",
        "lb-hold-bad-unit",
    ] {
        let path = format!("tests/fixtures/bad_inputs/{file}.toml");
        bad(file, &["run", &path]);
    }
    bad(
        "seeds-reversed",
        &[
            "sweep",
            "scenarios/broadcast-basic.toml",
            "--seeds",
            "10..5",
        ],
    );
    bad(
        "seeds-garbage",
        &["sweep", "scenarios/broadcast-basic.toml", "--seeds", "lots"],
    );
    bad(
        "shard-out-of-range",
        &[
            "sweep",
            "scenarios/broadcast-basic.toml",
            "--seeds",
            "0..5",
            "--shard",
            "3/2",
        ],
    );
    bad(
        "duration-garbage",
        &[
            "run",
            "scenarios/broadcast-basic.toml",
            "--duration",
            "5 parsecs",
        ],
    );
    bad(
        "nodes-zero",
        &["run", "scenarios/broadcast-basic.toml", "--nodes", "0"],
    );
    bad(
        "replay-missing-fields",
        &["replay", "tests/fixtures/bad_inputs/missing-fields.json"],
    );
    bad(
        "replay-truncated",
        &["replay", "tests/fixtures/bad_inputs/truncated.json"],
    );
    bad(
        "replay-wrong-shape",
        &["replay", "tests/fixtures/bad_inputs/wrong-shape.json"],
    );
    bad(
        "explore-walk-and-bfs",
        &[
            "explore",
            "scenarios/explore-pingpong.toml",
            "--walks",
            "10",
            "--bfs",
        ],
    );
    bad(
        "explore-unknown-bound",
        &["explore", "tests/fixtures/bad_inputs/unknown-bound.toml"],
    );
    bad(
        "explore-bounds-undeclared",
        &[
            "explore",
            "tests/fixtures/bad_inputs/bounds-undeclared.toml",
        ],
    );
    bad(
        "explore-unknown-bound-flag",
        &[
            "explore",
            "scenarios/explore-raft-bounded.toml",
            "--bound",
            "trem=2",
        ],
    );
    bad(
        "explore-bound-not-a-number",
        &[
            "explore",
            "scenarios/explore-raft-bounded.toml",
            "--bound",
            "term=two",
        ],
    );
    bad(
        "explore-relative-time-undeclared",
        &[
            "explore",
            "scenarios/explore-pingpong.toml",
            "--relative-time",
        ],
    );
    bad("replay-missing", &["replay", "no-such-failures.json"]);
    bad("unknown-command", &["frobnicate"]);
}

/// raft-basic with a history search far too small to decide: `unknown`.
fn undecided_raft(extra: &str, name: &str) -> String {
    support::variant(
        "scenarios/raft-basic.toml",
        "history = \"linearizable\"",
        &format!("history = \"linearizable\"\nhistory_steps = 100\n{extra}"),
        name,
    )
}

/// An undecided check is not a pass: `run` says `unknown`, why, and how
/// to raise the budget, and exits 6; the JSON verdict says so too.
#[test]
fn run_reports_an_undecided_history_as_unknown_not_pass() {
    let path = undecided_raft("", "undecided-run.toml");
    let out = distlab(&["run", &path]);
    assert_eq!(code(&out), 6, "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    for needle in [
        "unknown at-end     linearizable: the history search could not decide: it used its budget of 100 steps; raise it in the scenario with `[check] history_steps = 1000`",
        "verdict: unknown",
        "no check failed, but 1 check could not decide (linearizable): this run is not a pass (exit code 6)",
        "replay: distlab replay",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in:\n{text}");
    }
    let out = distlab(&["run", &path, "--json"]);
    assert_eq!(code(&out), 6);
    assert_eq!(json(&out)["verdict"], "unknown");
}

/// `sweep` counts undecided seeds apart from passes and failures, prints
/// and records them, and exits 6; a scenario that accepts them passes with
/// the count still shown.
#[test]
fn sweep_counts_unknown_seeds_apart() {
    let path = undecided_raft("", "undecided-sweep.toml");
    let failures = std::env::temp_dir().join(format!(
        "distlab-tests-{}/undecided-failures.json",
        std::process::id()
    ));
    let file = failures.to_string_lossy().into_owned();
    let out = distlab(&["sweep", &path, "--seeds", "0..3", "--failures", &file]);
    assert_eq!(code(&out), 6, "{}\n{}", stdout(&out), stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("UNKNOWN seed 0: unknown (linearizable)"),
        "{text}"
    );
    assert!(text.contains(": 0 passed, 0 failed, 3 unknown"), "{text}");
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&failures).expect("failures written"))
            .expect("json");
    assert_eq!(written["failures"][0]["verdict"], "unknown", "{written}");
    // The replay of an undecided seed comes back undecided.
    let out = distlab(&["replay", &file]);
    assert_eq!(code(&out), 6, "{}", stdout(&out));
    assert!(stdout(&out).contains("replay: reproduced seed 0"));

    let out = distlab(&[
        "sweep",
        &path,
        "--seeds",
        "0..3",
        "--json",
        "--failures",
        &file,
    ]);
    let v = json(&out);
    assert_eq!(
        (
            v["passed"].as_u64(),
            v["failed"].as_u64(),
            v["unknown"].as_u64()
        ),
        (Some(0), Some(0), Some(3))
    );

    let accepting = undecided_raft("unknown = \"pass\"", "undecided-accepted.toml");
    let out = distlab(&["sweep", &accepting, "--seeds", "0..3", "--failures", &file]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(
        stdout(&out)
            .contains(": 3 passed, 0 failed, 0 unknown (3 of the passes with an undecided check"),
        "{}",
        stdout(&out)
    );
    let out = distlab(&["run", &accepting]);
    assert_eq!(code(&out), 0);
    assert!(stdout(&out).contains("passed with 1 undecided check (linearizable)"));
}

/// `[expect]` bounds a metric: raft-costs holds its shipped bounds, and a
/// bound it exceeds fails the run like a liveness check (exit 2) with the
/// measured value; a misspelt metric fails and suggests the name.
#[test]
fn expectations_on_metrics_pass_and_fail_with_the_measured_value() {
    let out = distlab(&["run", "scenarios/raft-costs.toml"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    assert!(stdout(&out).contains("pass    expect     expect messages-per-op"));
    let tight = support::variant(
        "scenarios/raft-costs.toml",
        "messages-per-op = { max = 12 }",
        "messages-per-op = { max = 5 }\nelection-won = { max = 1 }",
        "expect-tight.toml",
    );
    let out = distlab(&["run", &tight]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains("FAIL    expect     expect messages-per-op: measured 6.9, expected <= 5"),
        "{text}"
    );
    assert!(
        text.contains("expect election-won: the run reported no metric `election-won` (did you mean `elections-won`?)"),
        "{text}"
    );
    assert!(text.contains("verdict: liveness-failure"), "{text}");
}

/// Checks in time show in `run` like any check (kinds `at` and `within`);
/// a moment that does not hold is a safety failure (exit 1) naming the
/// moment and the step, a missed deadline a liveness failure (exit 2)
/// naming the fault it followed; `sweep` counts them like other failures.
#[test]
fn checks_in_time_show_in_run_and_sweep() {
    let out = distlab(&["run", "scenarios/raft-no-quorum.toml"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "pass    at         at 4s: no-leader, nothing-committed, no-op-commits (since 3.1s)"
        ),
        "{text}"
    );
    assert!(
        text.contains("pass    within     within 1s after restart: leader-exists, op-commits"),
        "{text}"
    );
    let leader_now = support::variant(
        "scenarios/raft-no-quorum.toml",
        "at = \"4s\"\nsince = \"3.1s\"\nholds = [\"no-leader\",",
        "at = \"4s\"\nsince = \"3.1s\"\nholds = [\"leader-exists\",",
        "leader-at-4s.toml",
    );
    let out = distlab(&["run", &leader_now]);
    assert_eq!(code(&out), 1, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("FAIL    at         at 4s: leader-exists, nothing-committed, no-op-commits (since 3.1s): at 4s (step "), "{text}");
    assert!(text.contains("): leader-exists did not hold"), "{text}");
    let tight = support::variant(
        "scenarios/raft-no-quorum.toml",
        "within = \"1s\"",
        "within = \"20ms\"",
        "tight-deadline.toml",
    );
    let out = distlab(&["run", &tight]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    let text = stdout(&out);
    assert!(text.contains("FAIL    within     within 20ms after restart: leader-exists, op-commits: after restart n"), "{text}");
    assert!(text.contains("at 10s (step "), "{text}");
    assert!(text.contains("by the deadline at 10.02s, leader-exists first held at 10.018s; op-commits never held (1 of 1 restart windows missed their deadline)"), "{text}");
    let out = distlab(&["sweep", &tight, "--seeds", "0..3"]);
    assert_eq!(code(&out), 2, "{}", stdout(&out));
    assert!(
        stdout(&out).contains("3 seeds of raft-no-quorum: 0 passed, 3 failed, 0 unknown"),
        "{}",
        stdout(&out)
    );
}
