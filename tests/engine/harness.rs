//! `#[distlab::test]` (the attribute in `macros/`, re-exported by distlab):
//! both forms run, a failing sweep fails at the lowest failing seed with its
//! replay line, and `should_panic` lands on the generated test.

use distlab::protocols::broadcast::{builder, Broadcast, BroadcastWorkload, Params};
use distlab::registry::Registry;
use distlab::sim::Invariant;
use distlab::sim::{Ratio, SimBuilder, SimTime};
use distlab::workload::ClientConfig;

/// A small broadcast run.
fn small(seed: u64) -> SimBuilder<Broadcast> {
    builder(Params::default(), 3, seed)
        .duration(SimTime::from_secs(1))
        .clients(
            ClientConfig::with_rate(1, 20.0, SimTime::from_secs(1)),
            BroadcastWorkload {
                read_ratio: Ratio::ZERO,
            },
        )
}

#[distlab::test(seeds = 0..12, jobs = 2, check_determinism = true)]
fn a_builder_sweep_runs(seed: u64) -> SimBuilder<Broadcast> {
    small(seed)
}

#[distlab::test(seeds = 0..40, jobs = 3)]
#[should_panic(expected = "DISTLAB_SEED=7 cargo test a_failing_sweep_names_its_lowest_seed")]
fn a_failing_sweep_names_its_lowest_seed(seed: u64) -> SimBuilder<Broadcast> {
    small(seed).invariant(Invariant::eventually("seed-below-seven", |sim| {
        match sim.seed() {
            s if s >= 7 && s % 3 == 1 => Err(format!("seed {s} is unlucky")),
            _ => Ok(()),
        }
    }))
}

#[distlab::test(scenario = "scenarios/broadcast-basic.toml", seeds = 0..3)]
fn a_scenario_sweep_runs() -> Registry {
    Registry::builtin()
}

#[distlab::test(scenario = "scenarios/raft-bug-forget-vote.toml", seeds = 0..50)]
#[should_panic(
    expected = "replay headless:   distlab replay scenarios/raft-bug-forget-vote.toml --seed"
)]
fn a_failing_scenario_sweep_gives_the_replay_command() -> Registry {
    Registry::builtin()
}
