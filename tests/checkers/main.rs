//! The checkers, on histories written by hand, generated, collected elsewhere or produced by the engine.
//!
//! - `hand_written`: every checker on tiny hand-written histories (`tests/fixtures/histories/`) catches its bug; explanations are snapshotted.
//! - `hard_histories`: seeds of `scenarios/raft-one-key.toml` whose history the search once left `unknown` now pass (pinned verdicts).
//! - `history_checks`: the engine hands its client history to the checkers (a stale-read register is caught).
//! - `linearizability_brute`: the optimised linearizability search agrees with a brute-force checker on small random histories with `info` operations (proptest).
//! - `linearizability_props`: a sequential register's histories are linearizable, impossible reads and CASes are not (proptest).
//! - `porcupine`: every history of Porcupine's corpus gets its expected verdict.
//! - `serializability_old`: the serializability checker before session 21 (reads judged value by value), kept as the reference `serializability_same` compares against.
//! - `serializability_same`: the serializability checker gives the same report as its previous version (`serializability_old`) on generated histories and on the two- and three-phase commit scenarios' histories.

mod hand_written;
mod hard_histories;
mod history_checks;
mod linearizability_brute;
mod linearizability_props;
mod porcupine;
mod serializability_old;
mod serializability_same;
