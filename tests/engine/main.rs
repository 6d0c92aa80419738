//! The engine: what every run guarantees, whatever the protocol.
//!
//! - `bench_workload`: `distlab bench`'s pingpong workload: its trace hash pinned at both levels, and the full trace's packed side arrays (step numbers, sends) checked against a real run.
//! - `determinism`: one (scenario, seed) gives one trace hash, in one process, across processes and at every `--jobs`; the shipped scenarios' hashes are pinned.
//! - `explore`: exhaustive search: state counts derived by hand, breadth first = depth first, timer ids, a 2PC bug switch found and the reference exhausted, counterexamples that replay, bad input.
//! - `explore_parallel`: `explore --jobs`: breadth first on 2 and 3 threads reports exactly what 1 does (clean, cut short, bug switches found); random walks find a Raft bug switch, follow the seed, ignore `--jobs`, and replay; `--dfs --jobs 2` is bad input.
//! - `harness`: `#[distlab::test]`, both forms: a builder sweep and a scenario sweep pass, a failing one panics at its lowest seed with the replay lines.
//! - `long_runs`: a long run's memory grows with its length, not its square (read answers stored compactly); raft-churn's full trace keeps at most half its original bytes per event.
//! - `pause`: the `pause` fault: nothing runs on a paused node, what came due runs at resume in order of arrival (timers once, late), a second pause extends the first, a crash loses what was held.
//! - `service`: servers that take time (`[service]`): bounded workers serve a burst first come first served, sends leave when the work is done, `slow` multiplies service times, a crash loses the queue, draws are deterministic.
//! - `random_scenarios`: random scenarios (every fault, network setting, nemesis, skewed clocks) never panic and replay identically (proptest).

#[path = "../support/mod.rs"]
mod support;

mod bench_workload;
mod determinism;
mod explore;
mod explore_parallel;
mod harness;
mod long_runs;
mod pause;
mod random_scenarios;
mod service;
