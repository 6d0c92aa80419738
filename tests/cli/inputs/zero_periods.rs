//! A zero period would make simulated time stand still: every protocol
//! rejects it as a scenario error with file and line (exit 3).

use crate::support::{code, distlab, stderr};

#[test]
fn the_five_line_hang_is_a_scenario_error() {
    super::bad(
        "zero-period-broadcast-retry",
        &["run", "tests/fixtures/bad_inputs/zero-retry.toml"],
    );
}

/// (protocol, period key, the rest of `[protocol]`).
const PERIODS: &[(&str, &str, &str)] = &[
    ("broadcast", "retry", ""),
    ("lamport", "retry", ""),
    ("vclock", "retry", ""),
    ("versioned-kv", "sync", ""),
    ("saga", "retry", ""),
    ("two-pc", "retry", ""),
    ("cqrs", "relay_every", ""),
    ("cqrs", "poll", ""),
    ("cqrs", "commit_every", ""),
    ("cqrs", "retry", ""),
    ("quorum-kv", "sync", ""),
    ("gossip", "interval", ""),
    ("swim", "period", ""),
    ("raft", "heartbeat", ""),
];

#[test]
fn every_protocol_rejects_a_zero_period_at_its_line() {
    let dir = super::temp_dir("zero-periods");
    for (protocol, key, rest) in PERIODS {
        let text = format!(
            "name = \"zero\"\ndescription = \"a zero period\"\nnodes = 5\nduration = \"1s\"\n[protocol]\nname = \"{protocol}\"\n{key} = \"0ns\"\n{rest}"
        );
        let path = dir.join(format!("{protocol}-{key}.toml"));
        std::fs::write(&path, text).unwrap();
        let path = path.to_string_lossy().into_owned();
        let out = distlab(&["run", &path]);
        let err = stderr(&out);
        assert_eq!(code(&out), 3, "{protocol} {key}: {err}");
        assert!(
            err.contains(&format!("{path}:7:")) && err.contains("more than 0"),
            "{protocol} {key}: {err}"
        );
    }
}
