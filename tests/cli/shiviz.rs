//! `distlab export --format shiviz` writes logs ShiViz accepts: the parser
//! regex and the executions delimiter on the first two lines, then per event
//! a description line and `host {clock}`, where each host's own counter starts
//! at 1 and rises by one per event, and each clock is the max-merge of the
//! host's previous clock and the clocks it learned from (checked for runs of
//! several protocols, several seeds each).

use crate::support::{code, distlab, stdout};
use std::collections::BTreeMap;

type Clock = BTreeMap<String, u64>;

/// Check one execution's events; returns how many events it had.
fn check_execution(lines: &[&str], name: &str) -> usize {
    assert!(
        lines.len().is_multiple_of(2),
        "{name}: events come in pairs of lines"
    );
    let mut by_host_count: BTreeMap<(String, u64), Clock> = BTreeMap::new();
    let mut last: BTreeMap<String, Clock> = BTreeMap::new();
    for pair in lines.chunks(2) {
        let (host, json) = pair[1]
            .split_once(' ')
            .unwrap_or_else(|| panic!("{name}: bad host line {:?}", pair[1]));
        let clock: Clock =
            serde_json::from_str(json).unwrap_or_else(|e| panic!("{name}: bad clock {json}: {e}"));
        let previous = last.get(host).cloned().unwrap_or_default();
        let own = clock.get(host).copied().unwrap_or(0);
        assert_eq!(
            own,
            previous.get(host).copied().unwrap_or(0) + 1,
            "{name}: {host}'s own counter must rise by one at {:?}",
            pair[0]
        );
        // Expected: max(previous, clocks of the events this one learned of), own + 1.
        let mut expected = previous.clone();
        for (other, &count) in &clock {
            if other == host || count <= previous.get(other).copied().unwrap_or(0) {
                continue;
            }
            let source = by_host_count
                .get(&(other.clone(), count))
                .unwrap_or_else(|| {
                    panic!("{name}: {host} knows {other}:{count}, an event not logged before")
                });
            for (h, &n) in source {
                let e = expected.entry(h.clone()).or_insert(0);
                *e = (*e).max(n);
            }
        }
        expected.insert(host.to_string(), own);
        assert_eq!(
            clock, expected,
            "{name}: clock is not the max-merge at {:?}",
            pair[0]
        );
        by_host_count.insert((host.to_string(), own), clock.clone());
        last.insert(host.to_string(), clock);
    }
    lines.len() / 2
}

fn check_export(scenario: &str) {
    let out = distlab(&["export", scenario, "--seeds", "0..2", "--format", "shiviz"]);
    assert!(
        code(&out) <= 2,
        "{scenario}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines[0], r"(?<event>.*)\n(?<host>\S*) (?<clock>{.*})");
    assert_eq!(lines[1], "=== (?<trace>.*) ===");
    let mut executions: Vec<(String, Vec<&str>)> = Vec::new();
    for line in &lines[2..] {
        if let Some(name) = line
            .strip_prefix("=== ")
            .and_then(|l| l.strip_suffix(" ==="))
        {
            executions.push((name.to_string(), Vec::new()));
        } else {
            executions
                .last_mut()
                .expect("a delimiter comes first")
                .1
                .push(line);
        }
    }
    assert_eq!(executions.len(), 2, "{scenario}: one execution per seed");
    for (name, body) in &executions {
        assert!(check_execution(body, name) > 50, "{name}: too few events");
    }
}

#[test]
fn shiviz_exports_follow_shivizs_rules_for_several_protocols() {
    for scenario in [
        "scenarios/broadcast-partition.toml",
        "scenarios/broadcast-lossy.toml",
        "scenarios/gossip-rumor.toml",
        "scenarios/swim-failure-detection.toml",
        "scenarios/vclock-causal-broadcast.toml",
    ] {
        check_export(scenario);
    }
}

#[test]
fn the_validator_rejects_a_clock_that_skips() {
    let bad = [
        "step 1 start",
        "n0 {\"n0\":1}",
        "step 2 timer",
        "n0 {\"n0\":3}",
    ];
    let result = std::panic::catch_unwind(|| check_execution(&bad, "bad"));
    assert!(result.is_err());
    let unknown = ["step 1 deliver", "n0 {\"n0\":1,\"n1\":4}"];
    assert!(std::panic::catch_unwind(|| check_execution(&unknown, "unknown")).is_err());
}
