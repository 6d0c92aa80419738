//! Raft's checks: the safety properties of Figure 3 as monitors (after every
//! step, with memory across crashes), liveness at the end, and metrics.
//!
//! Logs are compared through prefix hashes (`log.rs`), so each monitor does
//! O(nodes) work per step plus O(1) per new entry.

use super::{Kv, Log, Params, Raft};
use crate::check::{Invariant, Monitor};
use crate::sim::{Node, NodeId, Sim, SimBuilder, SimTime};
use std::collections::BTreeMap;
use std::sync::Arc;

/// A Raft node as the checks see it: the reference [`Raft`] and a student's
/// node in the Raft labs (`distlab::labs::raft`) both implement it, so every
/// monitor and end-of-run check here runs unchanged on either.
///
/// The log is distlab's [`Log`] (entries with prefix hashes), so two logs
/// are compared in O(1) per index. [`Node::role`] must answer `"leader"`
/// exactly while the node leads its current term.
pub trait RaftLabNode: Node {
    /// A fresh node `id` of a cluster of `nodes`, before `on_start` (boot,
    /// and again at every restart: durable state comes back from storage).
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self;
    /// The current term.
    fn current_term(&self) -> u64;
    /// The vote cast in the current term, if any.
    fn voted_for(&self) -> Option<NodeId>;
    /// The leader this node follows (itself when leading), if known.
    fn leader(&self) -> Option<NodeId>;
    /// The log.
    fn log(&self) -> &Log;
    /// The highest index known committed.
    fn commit_index(&self) -> u64;
    /// The last applied index and the log's prefix hash there (`(0, 0)`
    /// before anything was applied).
    fn last_applied(&self) -> (u64, u64);
    /// Entries this node acknowledged to a client, as (index, prefix hash),
    /// in order, since it last started.
    fn acked(&self) -> &[(u64, u64)];
    /// The replicated state machine.
    fn kv(&self) -> &Kv;
    /// Snapshots installed from a leader since the node last started.
    fn snapshots_installed(&self) -> u64 {
        0
    }
}

/// Whether `n` says it is a leader ([`Node::role`] is `"leader"`).
pub fn is_leader<N: Node>(n: &N) -> bool {
    n.role() == Some("leader")
}

impl RaftLabNode for Raft {
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        Raft::new(params, id, nodes)
    }
    fn current_term(&self) -> u64 {
        self.term
    }
    fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    fn log(&self) -> &Log {
        &self.log
    }
    fn commit_index(&self) -> u64 {
        self.commit
    }
    fn last_applied(&self) -> (u64, u64) {
        (self.applied, self.applied_hash)
    }
    fn acked(&self) -> &[(u64, u64)] {
        &self.acked
    }
    fn kv(&self) -> &Kv {
        &self.kv
    }
    fn snapshots_installed(&self) -> u64 {
        self.snapshots_installed
    }
}

/// Per-node memory, grown to the node count on first use.
fn per_node<T: Clone + Default>(v: &mut Vec<T>, nodes: u32) {
    if v.len() < nodes as usize {
        v.resize(nodes as usize, T::default());
    }
}

/// **Election safety**: at most one leader per term, ever (a leader that has
/// since crashed still counts). Also measures, once the network healed (the
/// settle phase), the longest stretch without any leader, for `stable-leader`.
#[derive(Clone, Debug, Default)]
pub struct ElectionSafety {
    /// Each term's leader and when it was first seen leading (true time).
    pub leaders: BTreeMap<u64, (NodeId, SimTime)>,
    /// Since when no node has been leader (settle phase only).
    pub leaderless_since: Option<SimTime>,
    /// The longest leaderless stretch of the settle phase that has ended.
    pub longest_leaderless: SimTime,
    /// When the settle phase was first seen.
    pub healed_at: Option<SimTime>,
}

impl ElectionSafety {
    /// The longest leaderless stretch after healing, counting one still going
    /// on at `now`.
    pub fn longest_leaderless_until(&self, now: SimTime) -> SimTime {
        let ongoing = self
            .leaderless_since
            .map_or(SimTime::ZERO, |since| now - since);
        self.longest_leaderless.max(ongoing)
    }

    fn track_availability<N: RaftLabNode>(&mut self, sim: &Sim<N>, has_leader: bool) {
        if !sim.is_settling() {
            return;
        }
        let now = sim.now();
        if self.healed_at.is_none() {
            self.healed_at = Some(now);
        }
        match (has_leader, self.leaderless_since) {
            (true, Some(since)) => {
                self.longest_leaderless = self.longest_leaderless.max(now - since);
                self.leaderless_since = None;
            }
            (false, None) => self.leaderless_since = Some(now),
            _ => {}
        }
    }
}

impl<N: RaftLabNode> Monitor<N> for ElectionSafety {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        let mut has_leader = false;
        for (id, n) in sim.live_nodes() {
            if !is_leader(n) {
                continue;
            }
            has_leader = true;
            match self.leaders.get(&n.current_term()) {
                None => {
                    self.leaders.insert(n.current_term(), (id, sim.now()));
                }
                Some(&(other, since)) if other != id => {
                    return Err(format!(
                        "two leaders in term {}: {other} (leader since {since}) and {id}",
                        n.current_term()
                    ));
                }
                Some(_) => {}
            }
        }
        self.track_availability(sim, has_leader);
        Ok(())
    }

    fn metrics(&self) -> Vec<(String, String)> {
        let shown: Vec<String> = self
            .leaders
            .iter()
            .rev()
            .take(8)
            .map(|(term, (id, at))| format!("{id}@t{term}({at})"))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        let more = self.leaders.len().saturating_sub(shown.len());
        let prefix = if more > 0 {
            format!("... {more} more, ")
        } else {
            String::new()
        };
        vec![
            ("elections-won".into(), self.leaders.len().to_string()),
            ("leaders".into(), format!("{prefix}{}", shown.join(" → "))),
        ]
    }
}

/// A node's leadership as last seen: incarnation, term, last index and hash.
type LeaderMark = Option<(u32, u64, u64, u64)>;

/// **Leader append-only**: while a node leads a term, its log only grows;
/// no entry it holds is overwritten or deleted.
#[derive(Clone, Debug, Default)]
pub struct LeaderAppendOnly {
    seen: Vec<LeaderMark>,
}

impl<N: RaftLabNode> Monitor<N> for LeaderAppendOnly {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.seen, sim.node_count());
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = slot.state.as_ref().filter(|n| is_leader(*n)) else {
                self.seen[i] = None;
                continue;
            };
            let last = n.log().last_index();
            if let Some((inc, term, old_last, old_hash)) = self.seen[i] {
                if inc == slot.incarnation && term == n.current_term() {
                    if last < old_last {
                        return Err(format!(
                            "n{i}, leader of term {term}, shrank its log: its last index went from {old_last} down to {last}"
                        ));
                    }
                    if n.log().hash_at(old_last).is_some_and(|h| h != old_hash) {
                        return Err(format!(
                            "n{i}, leader of term {term}, changed its entry at index {old_last}"
                        ));
                    }
                }
            }
            self.seen[i] = Some((
                slot.incarnation,
                n.current_term(),
                last,
                n.log().last_hash(),
            ));
        }
        Ok(())
    }
}

/// **Log matching**: two entries with the same index and term have the same
/// prefix — on any two nodes, at any two times.
#[derive(Clone, Debug, Default)]
pub struct LogMatching {
    /// (index, term) → (prefix hash, first holder).
    table: BTreeMap<(u64, u64), (u64, NodeId)>,
    /// Each node's (last index, last hash) when last checked.
    seen: Vec<(u64, u64)>,
}

impl<N: RaftLabNode> Monitor<N> for LogMatching {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.seen, sim.node_count());
        for (id, n) in sim.live_nodes() {
            let now = (n.log().last_index(), n.log().last_hash());
            if self.seen[id.index()] == now {
                continue;
            }
            self.seen[id.index()] = now;
            // Walk back to the first entry already known with the same prefix.
            let base = n.log().base_index();
            let mut index = now.0;
            while index > 0 && index >= base {
                let (Some(term), Some(hash)) = (n.log().term_at(index), n.log().hash_at(index))
                else {
                    break;
                };
                match self.table.get(&(index, term)) {
                    Some(&(known, _)) if known == hash => break,
                    Some(&(_, who)) => {
                        return Err(format!(
                            "{id} and {who} both hold an entry of term {term} at index {index}, \
                             but their logs differ up to it"
                        ));
                    }
                    None => {
                        self.table.insert((index, term), (hash, id));
                    }
                }
                index -= 1;
            }
        }
        Ok(())
    }
}

/// **Leader completeness**: an entry committed in term t is in the log of
/// every leader of a term after t.
///
/// "Committed in term t" is observed: when a node's commit index first moves
/// past everything seen committed before, the commit happened at the latest in
/// that node's current term (its leader's term). Using that upper bound never
/// blames a leader of an earlier term — an isolated old leader need not hold
/// entries committed after it was deposed.
#[derive(Clone, Debug, Default)]
pub struct LeaderCompleteness {
    /// Per term: the highest index seen committed in that term, its prefix
    /// hash, and the node that committed it.
    committed: BTreeMap<u64, (u64, u64, NodeId)>,
    /// Highest index seen committed anywhere.
    highest: u64,
    /// Bumped whenever `committed` changes.
    version: u64,
    seen_commit: Vec<u64>,
    /// Per node: (incarnation, term, version) of its last check as leader.
    checked: Vec<Option<(u32, u64, u64)>>,
}

impl LeaderCompleteness {
    fn observe<N: RaftLabNode>(&mut self, id: NodeId, n: &N) {
        if n.commit_index() == self.seen_commit[id.index()] {
            return;
        }
        self.seen_commit[id.index()] = n.commit_index();
        if n.commit_index() <= self.highest {
            return;
        }
        let Some(hash) = n.log().hash_at(n.commit_index()) else {
            return;
        };
        self.highest = n.commit_index();
        self.committed
            .insert(n.current_term(), (n.commit_index(), hash, id));
        self.version += 1;
    }

    fn check_leader<N: RaftLabNode>(&self, id: NodeId, n: &N) -> Result<(), String> {
        let before = self.committed.range(..n.current_term());
        let Some((t, &(index, hash, who))) = before.max_by_key(|(_, (index, _, _))| *index) else {
            return Ok(());
        };
        let lacks = match n.log().hash_at(index) {
            Some(h) => h != hash,
            None => index > n.log().last_index(),
        };
        if lacks {
            return Err(format!(
                "{id}, leader of term {}, lacks the entry at index {index} that {who} committed in term {t}",
                n.current_term()
            ));
        }
        Ok(())
    }
}

impl<N: RaftLabNode> Monitor<N> for LeaderCompleteness {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.seen_commit, sim.node_count());
        per_node(&mut self.checked, sim.node_count());
        for (id, n) in sim.live_nodes() {
            self.observe(id, n);
        }
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = slot.state.as_ref().filter(|n| is_leader(*n)) else {
                self.checked[i] = None;
                continue;
            };
            // A leader's log only grows (leader-append-only): check it again
            // only when it is new or something new was committed.
            let key = (slot.incarnation, n.current_term(), self.version);
            if self.checked[i] != Some(key) {
                self.check_leader(NodeId(i as u32), n)?;
                self.checked[i] = Some(key);
            }
        }
        Ok(())
    }
}

/// **State-machine safety**: no two nodes apply different commands at the
/// same index (compared by prefix hash). Also gathers the entries nodes
/// acknowledged to clients, for the end-of-run check.
#[derive(Clone, Debug, Default)]
pub struct StateMachineSafety {
    /// Applied index → (prefix hash, first node seen there).
    applied: BTreeMap<u64, (u64, NodeId)>,
    seen_applied: Vec<u64>,
    /// Entries acknowledged to a client: index → prefix hash.
    pub acked: BTreeMap<u64, u64>,
    /// Per node: (incarnation, how many of its acks were read).
    ack_cursor: Vec<(u32, usize)>,
}

impl StateMachineSafety {
    fn check_applied<N: RaftLabNode>(&mut self, id: NodeId, n: &N) -> Result<(), String> {
        let (index, hash) = (n.last_applied().0, n.last_applied().1);
        let differs = |who: NodeId, at: u64| {
            format!("{id} applied a different command sequence than {who} did, up to index {at}")
        };
        if let Some(&(known, who)) = self.applied.get(&index) {
            return if known == hash {
                Ok(())
            } else {
                Err(differs(who, index))
            };
        }
        // Compare with the nearest point recorded below, through the log.
        if let Some((&below, &(known, who))) = self.applied.range(..index).next_back() {
            let consistent_log = n.log().hash_at(index) == Some(hash);
            if consistent_log && n.log().hash_at(below).is_some_and(|h| h != known) {
                return Err(differs(who, below));
            }
        }
        self.applied.insert(index, (hash, id));
        Ok(())
    }

    fn collect_acks<N: RaftLabNode>(
        &mut self,
        i: usize,
        incarnation: u32,
        n: &N,
    ) -> Result<(), String> {
        if self.ack_cursor[i].0 != incarnation {
            self.ack_cursor[i] = (incarnation, 0);
        }
        for &(index, hash) in n.acked().iter().skip(self.ack_cursor[i].1) {
            match self.acked.insert(index, hash) {
                Some(old) if old != hash => {
                    return Err(format!(
                        "two different operations were acknowledged to clients at index {index} (the last by n{i})"
                    ));
                }
                _ => {}
            }
        }
        self.ack_cursor[i].1 = n.acked().len();
        Ok(())
    }
}

impl<N: RaftLabNode> Monitor<N> for StateMachineSafety {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.seen_applied, sim.node_count());
        per_node(&mut self.ack_cursor, sim.node_count());
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = &slot.state else {
                continue;
            };
            if n.last_applied().0 != self.seen_applied[i] && n.last_applied().0 > 0 {
                self.seen_applied[i] = n.last_applied().0;
                self.check_applied(NodeId(i as u32), n)?;
            }
            if n.acked().len() != self.ack_cursor[i].1 || slot.incarnation != self.ack_cursor[i].0 {
                self.collect_acks(i, slot.incarnation, n)?;
            }
        }
        Ok(())
    }
}

/// **Commit index never decreases** on a node, across its whole lifetime
/// including restarts.
#[derive(Clone, Debug, Default)]
pub struct CommitNeverDecreases {
    highest: Vec<u64>,
}

impl<N: RaftLabNode> Monitor<N> for CommitNeverDecreases {
    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.highest, sim.node_count());
        for (id, n) in sim.live_nodes() {
            let highest = &mut self.highest[id.index()];
            if n.commit_index() < *highest {
                return Err(format!(
                    "{id}'s commit index went back from {} to {}",
                    *highest,
                    n.commit_index()
                ));
            }
            *highest = n.commit_index();
        }
        Ok(())
    }
}

/// After the settle phase: a leader, followed by a majority in its term
/// (counting itself); and once the network healed, the cluster never went
/// longer than `bound` without a leader.
fn stable_leader<N: RaftLabNode>(sim: &Sim<N>, bound: SimTime) -> Result<(), String> {
    let leader = sim
        .live_nodes()
        .filter(|(_, n)| is_leader(*n))
        .max_by_key(|(_, n)| n.current_term());
    let Some((lid, l)) = leader else {
        return Err(
            "no leader at the end of the run, although every node was up and connected".into(),
        );
    };
    let followers = sim
        .live_nodes()
        .filter(|(_, n)| n.current_term() == l.current_term() && n.leader() == Some(lid))
        .count();
    if followers < sim.node_count() as usize / 2 + 1 {
        let others: Vec<String> = sim
            .live_nodes()
            .filter(|(_, n)| n.current_term() != l.current_term() || n.leader() != Some(lid))
            .map(|(id, n)| {
                let follows = n.leader().map_or("nobody".into(), |x| x.to_string());
                format!("{id} (term {}, follows {follows})", n.current_term())
            })
            .collect();
        return Err(format!(
            "{lid} leads term {} but only {followers} of {} nodes follow it (itself included); not following: {}",
            l.current_term(),
            sim.node_count(),
            others.join(", ")
        ));
    }
    let Some(m) = sim.monitor::<ElectionSafety>("election-safety") else {
        return Ok(());
    };
    let longest = m.longest_leaderless_until(sim.now());
    if longest > bound {
        let healed = m.healed_at.unwrap_or(sim.duration());
        return Err(format!(
            "after the network healed at {healed}, the cluster went {longest} without a leader (more than {bound})"
        ));
    }
    Ok(())
}

/// After the settle phase: every node applied everything committed, and every
/// entry acknowledged to a client is in every node's applied log.
fn acked_ops_applied<N: RaftLabNode>(sim: &Sim<N>) -> Result<(), String> {
    let committed = sim
        .live_nodes()
        .map(|(_, n)| n.commit_index())
        .max()
        .unwrap_or(0);
    for (id, n) in sim.live_nodes() {
        if n.last_applied().0 < committed {
            return Err(format!(
                "{id} applied only up to index {}, but {committed} is committed",
                n.last_applied().0
            ));
        }
    }
    let Some(m) = sim.monitor::<StateMachineSafety>("state-machine-safety") else {
        return Ok(());
    };
    for (&index, &hash) in &m.acked {
        for (id, n) in sim.live_nodes() {
            let missing = match n.log().hash_at(index) {
                Some(h) => h != hash,
                None => index > n.last_applied().0,
            };
            if missing {
                return Err(format!(
                    "the operation acknowledged at index {index} is not in {id}'s applied log ({} acknowledged in all)",
                    m.acked.len()
                ));
            }
        }
    }
    Ok(())
}

fn metrics<N: RaftLabNode>(sim: &Sim<N>) -> Vec<(String, String)> {
    let max = |f: fn(&N) -> u64| sim.live_nodes().map(|(_, n)| f(n)).max().unwrap_or(0);
    vec![
        ("max-term".into(), max(|n| n.current_term()).to_string()),
        ("commit-index".into(), max(|n| n.commit_index()).to_string()),
        (
            "snapshot-index".into(),
            max(|n| n.log().base_index()).to_string(),
        ),
        (
            "snapshots-installed".into(),
            sim.live_nodes()
                .map(|(_, n)| n.snapshots_installed())
                .sum::<u64>()
                .to_string(),
        ),
    ]
}

/// A simulation builder with Raft nodes, their monitors, checks and metrics
/// (the linearizability check is added by the scenario, when asked for).
pub fn builder<N: RaftLabNode>(params: Params, nodes: u32, seed: u64) -> SimBuilder<N> {
    let bound = SimTime(params.election_timeout.1.as_nanos().saturating_mul(10));
    let params = Arc::new(params);
    SimBuilder::new(nodes, seed, move |id, n| N::new(Arc::clone(&params), id, n))
        .monitor("election-safety", ElectionSafety::default())
        .monitor("leader-append-only", LeaderAppendOnly::default())
        .monitor("log-matching", LogMatching::default())
        .monitor("leader-completeness", LeaderCompleteness::default())
        .monitor("state-machine-safety", StateMachineSafety::default())
        .monitor("commit-never-decreases", CommitNeverDecreases::default())
        .invariant(Invariant::eventually("stable-leader", move |sim| {
            stable_leader(sim, bound)
        }))
        .invariant(Invariant::eventually(
            "acked-ops-applied",
            acked_ops_applied,
        ))
        .invariant(Invariant::sometimes("leader-elected", |sim: &Sim<N>| {
            sim.live_nodes().any(|(_, n)| is_leader(n))
        }))
        .metrics(metrics)
}
