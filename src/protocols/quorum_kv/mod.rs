//! A Dynamo-style replicated key-value store with CP, AP and primary-backup
//! modes: the CAP trade-off as something to run and measure.
//!
//! **Placement.** Keys are placed by consistent hashing: every node owns
//! `vnodes` points on a 64-bit ring (FNV-1a of `n3#5`), a key hashes onto the
//! ring, and walking clockwise from it gives the key's *preference list*: the
//! first `n` distinct nodes are its replicas, the rest are fallbacks.
//!
//! **Coordinators.** Whichever node a client reaches coordinates the
//! operation: it fans out to the replicas, waits for a quorum, and answers
//! later with `reply_to`. Every operation has a deadline.
//!
//! **Modes** (`[protocol] mode`):
//! - `cp`: ABD (Attiya–Bar-Noy–Dolev, multi-writer): a write queries a
//!   majority of the `n` replicas for the highest tag `(seq, writer)`, then
//!   stores `(seq + 1, me)` at a majority; a read queries a majority, then
//!   *writes back* the newest value to a majority before answering. `r`/`w`
//!   are ignored (majorities). Without a majority by the deadline the
//!   operation fails (a read, or a write still in its query phase) or is left
//!   unanswered (a write that may have been stored: the client times out).
//! - `ap`: sloppy quorums. Reads and writes go to the `n` replicas; after
//!   `sloppy_after` without a quorum they also go to fallback nodes, which
//!   keep a write as a *hint* for the replica it was meant for and hand it
//!   off when that replica answers again (hinted handoff). Conflicts are
//!   resolved by last-writer-wins on the writer's local clock (`conflict =
//!   "lww"`) or kept as vector-clock siblings (`"vclock"`). Reads repair
//!   stale replicas; anti-entropy pushes a random peer the keys it replicates.
//! - `primary-async` / `primary-sync`: the first replica of a key is its
//!   primary (fixed, no failover). Writes are forwarded to it; it orders
//!   them and replicates to the other replicas either after answering
//!   (async) or before (sync: all replicas must ack). Reads go to a random
//!   replica (read replicas), so async replication serves stale reads.
//!
//! **Sessions** (`session = "none" | "ryw" | "monotonic"`, primary modes):
//! the coordinator remembers, per client and key, the highest tag the client
//! wrote (and, for `monotonic`, read); a replica read below that floor is
//! retried at the primary. The session lives at the coordinator: a client
//! that times out and moves to another node starts a new session (the limit
//! of a stateless engine client, stated in `docs/protocols/cap.md`).

mod checks;
pub mod lab;
pub use lab::QuorumLabNode;
mod inspect;
mod node;
pub mod scenario;
#[cfg(test)]
mod tests;

pub use checks::{
    analyse, builder, builder_for, builder_made, converged, lost_updates, metrics,
    partitioned_by_client, stale_reads, Analysis, Placement,
};
pub use node::{KvNode, Msg, Timer};

use crate::protocols::clocks::VClock;
use crate::sim::{NodeId, SimTime};
use serde::{Deserialize, Serialize};

/// How the store replicates and what it gives up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Mode {
    /// Linearizable ABD with majority quorums; refuses without a majority.
    Cp,
    /// Sloppy quorums, hinted handoff, read repair, anti-entropy.
    Ap,
    /// Primary per shard, asynchronous replication, reads from any replica.
    PrimaryAsync,
    /// Primary per shard, synchronous replication to every replica.
    PrimarySync,
}

impl crate::scenario::Choice for Mode {
    const NAMES: &'static [&'static str] = &["cp", "ap", "primary-async", "primary-sync"];
    const ALL: &'static [Mode] = &[Mode::Cp, Mode::Ap, Mode::PrimaryAsync, Mode::PrimarySync];
}

impl Mode {
    /// True for the two primary-backup modes.
    pub fn is_primary(self) -> bool {
        matches!(self, Mode::PrimaryAsync | Mode::PrimarySync)
    }
}

/// How `ap` resolves concurrent writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Conflict {
    /// Highest `(writer's local clock, writer)` wins.
    LastWriterWins,
    /// Concurrent versions are kept side by side; reads return them all.
    VectorClock,
}

impl crate::scenario::Choice for Conflict {
    const NAMES: &'static [&'static str] = &["vclock", "lww"];
    const ALL: &'static [Conflict] = &[Conflict::VectorClock, Conflict::LastWriterWins];
}

/// Session guarantee enforced by the coordinator.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Session {
    /// None.
    None,
    /// Read-your-writes.
    ReadYourWrites,
    /// Read-your-writes and monotonic reads.
    MonotonicReads,
}

impl crate::scenario::Choice for Session {
    const NAMES: &'static [&'static str] = &["none", "ryw", "monotonic"];
    const ALL: &'static [Session] = &[
        Session::None,
        Session::ReadYourWrites,
        Session::MonotonicReads,
    ];
}

crate::bug_switches! {
    /// Deliberate defects, each caught by a check.
    #[derive(Serialize)]
    pub enum Bug {
        /// `cp` reads answer after the query phase, without writing back.
        NoWriteBack = "no-write-back",
        /// Every reply message counts toward a quorum: duplicates and replies to
        /// the other phase too.
        StaleQuorum = "stale-quorum",
        /// Fallback nodes keep hints forever.
        NoHandoff = "no-handoff",
        /// No read repair and no anti-entropy.
        NoRepair = "no-repair",
    }
}

/// Store parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug)]
pub struct Params {
    /// Mode (`mode`).
    pub mode: Mode,
    /// Replicas per key (`n`).
    pub n: usize,
    /// Read quorum for `ap` (`r`).
    pub r: usize,
    /// Write quorum for `ap` (`w`).
    pub w: usize,
    /// Conflict resolution in `ap` (`conflict`).
    pub conflict: Conflict,
    /// Session guarantee (`session`).
    pub session: Session,
    /// Operation deadline at the coordinator (`deadline`).
    pub deadline: SimTime,
    /// `ap`: when to add fallback nodes (`sloppy_after`).
    pub sloppy_after: SimTime,
    /// Anti-entropy and hinted-handoff period (`sync`).
    pub sync: SimTime,
    /// `primary-async`: replication delay after the primary answers (`lag`).
    pub lag: SimTime,
    /// Ring points per node (`vnodes`).
    pub vnodes: u32,
    /// Deliberate defects (`bugs`).
    pub bugs: std::collections::BTreeSet<Bug>,
}

impl Params {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            mode: MODE.default_value(),
            n: N.default_value(),
            r: R.default_value(),
            w: W.default_value(),
            conflict: CONFLICT.default_value(),
            session: SESSION.default_value(),
            deadline: DEADLINE.default_value(),
            sloppy_after: SLOPPY_AFTER.default_value(),
            sync: SYNC.default_value(),
            lag: LAG.default_value(),
            vnodes: VNODES.default_value(),
            bugs: Default::default(),
        }
    }
}

/// One stored version of a key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sibling {
    /// The value (client values are unique integers).
    pub value: i64,
    /// Total order: `(seq, writer)` in cp and primary modes, `(local clock
    /// in ns, writer)` in ap.
    pub tag: (u64, u32),
    /// Vector clock: the version in `ap`+`vclock`, elsewhere a ghost record
    /// of what the writer had seen (for the lost-update metric).
    pub clock: VClock,
}

/// Merge `theirs` into `mine`: one highest-tag version, or (vector clocks)
/// every version not dominated by another. True if `mine` changed.
pub fn merge(mine: &mut Vec<Sibling>, theirs: &[Sibling], siblings: bool) -> bool {
    let before = mine.clone();
    for s in theirs {
        if siblings {
            if mine.iter().any(|m| s.clock <= m.clock) {
                continue;
            }
            mine.retain(|m| !m.clock.happens_before(&s.clock));
            mine.push(s.clone());
        } else if mine.first().is_none_or(|m| m.tag < s.tag) {
            *mine = vec![s.clone()];
        }
    }
    mine.sort_by_key(|s| (s.tag, s.value));
    *mine != before
}

/// FNV-1a, 64 bits: a fixed hash for ring positions.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in bytes {
        h ^= u64::from(*b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// A consistent-hashing ring.
#[derive(Clone, Debug)]
pub struct Ring {
    points: Vec<(u64, NodeId)>,
    nodes: u32,
}

impl Ring {
    /// `vnodes` points per node.
    pub fn new(nodes: u32, vnodes: u32) -> Ring {
        let mut points: Vec<(u64, NodeId)> = (0..nodes)
            .flat_map(|n| (0..vnodes.max(1)).map(move |v| (n, v)))
            .map(|(n, v)| (fnv1a(format!("n{n}#{v}").as_bytes()), NodeId(n)))
            .collect();
        points.sort();
        Ring { points, nodes }
    }

    /// Every node, in preference order for `key` (replicas first).
    pub fn preference(&self, key: &str) -> Vec<NodeId> {
        let h = fnv1a(key.as_bytes());
        let start = self.points.partition_point(|(p, _)| *p < h);
        let mut out: Vec<NodeId> = Vec::with_capacity(self.nodes as usize);
        for i in 0..self.points.len() {
            let node = self.points[(start + i) % self.points.len()].1;
            if !out.contains(&node) {
                out.push(node);
            }
        }
        out
    }

    /// The replicas of `key`: the first `n` (at least one) of its
    /// preference list.
    pub fn replicas(&self, key: &str, n: usize) -> Vec<NodeId> {
        let mut p = self.preference(key);
        p.truncate(n.max(1));
        p
    }
}
