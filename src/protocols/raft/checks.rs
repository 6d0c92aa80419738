//! Raft's checks: the safety properties of Figure 3 as monitors (after every
//! step, with memory across crashes), liveness at the end, and metrics.
//!
//! Logs are compared through prefix hashes (`log.rs`), so each monitor does
//! O(nodes) work per step plus O(1) per new entry.

use super::liveness::{self, describe_window, judged_at, Progress};
use super::log::Command;
use super::membership::Config;
use super::{Kv, Log, Params, Raft, SendStats};
use crate::sim::{ClientId, Node, NodeId, Sim, SimBuilder, SimTime};
use crate::sim::{Invariant, Monitor, Predicate};
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
    /// What the node sent since it last started, for the cost metrics
    /// (`appends-per-commit`, `entries-sent`, `snapshot-copies`; zeros
    /// when a node does not count).
    fn sent_stats(&self) -> SendStats {
        SendStats::default()
    }
    /// With membership changes (membership.rs): the configuration this
    /// node's log puts in force at `index` — its latest configuration entry
    /// at or below it, else its snapshot's, else the initial one. `None`
    /// when the node does not change membership (every node votes).
    fn config_at(&self, index: u64) -> Option<Config> {
        let _ = index;
        None
    }
    /// Whether the configuration this node uses includes `id` as a voter or
    /// learner (always, without membership changes): the liveness checks
    /// expect only a leader's members to follow it.
    fn in_config(&self, id: NodeId) -> bool {
        let _ = id;
        true
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
    fn sent_stats(&self) -> SendStats {
        self.sent
    }
    fn config_at(&self, index: u64) -> Option<Config> {
        self.membership_active().then(|| self.config_through(index))
    }
    fn in_config(&self, id: NodeId) -> bool {
        !self.membership_active() || self.config.is_member(id)
    }
}

/// Per-node memory, grown to the node count on first use.
fn per_node<T: Clone + Default>(v: &mut Vec<T>, nodes: u32) {
    if v.len() < nodes as usize {
        v.resize(nodes as usize, T::default());
    }
}

/// True when [`per_node`] would leave `v` as it is.
fn sized<T>(v: &[T], nodes: u32) -> bool {
    v.len() >= nodes as usize
}

/// **Election safety**: at most one leader per term, ever (a leader that has
/// since crashed still counts). Also carries the liveness tracking
/// ([`Progress`]) that the windowed end-of-run checks read.
#[derive(Clone, Debug, Default, Hash)]
pub struct ElectionSafety {
    /// Each term's leader and when it was first seen leading (true time).
    pub leaders: BTreeMap<u64, (NodeId, SimTime)>,
    /// Re-elections, leaderless and unfollowed stretches (liveness.rs).
    pub progress: Progress,
    /// Elections won against a healthy leader, for the
    /// `spurious-elections` metric.
    pub spurious: SpuriousElections,
}

/// **Spurious elections** (a metric, not a check): an election is spurious
/// when it is won in a term that the first node to enter it entered while
/// a healthy leader of an earlier term existed — one that is up, still
/// leads its term, and is followed by a majority of the nodes (counting
/// itself) each of which it can reach and hear from — and while that node
/// could itself reach and hear from that leader. A split vote before the
/// first leader, an election after the leader crashed or was cut off from
/// its majority, or a term raised by a node cut off from the leader, is
/// not spurious. With no faults every election after the first should be
/// none at all (issue 23: 0 over 1,000 seeds).
///
/// Metrics only: it is not part of the state the explorer tells apart
/// (its `Hash` hashes nothing).
#[derive(Clone, Debug, Default)]
pub struct SpuriousElections {
    /// The highest term a live node was seen in.
    top_term: u64,
    /// Terms first entered while a healthy leader of an earlier term led.
    contested: std::collections::BTreeSet<u64>,
    /// Elections won in a contested term.
    pub count: u64,
}

impl std::hash::Hash for SpuriousElections {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl SpuriousElections {
    /// Before this step's new leaders are recorded: note a term entered
    /// while the leader of the latest term in `leaders` was healthy.
    fn observe<N: RaftLabNode>(
        &mut self,
        sim: &Sim<N>,
        leaders: &BTreeMap<u64, (NodeId, SimTime)>,
    ) {
        let top = sim
            .live_nodes()
            .map(|(_, n)| n.current_term())
            .max()
            .unwrap_or(0);
        if top <= self.top_term {
            return;
        }
        self.top_term = top;
        let Some((&term, &(leader, _))) = leaders.iter().next_back() else {
            return;
        };
        let net = sim.network();
        let hears_leader = |id: NodeId| net.connected(leader, id) && net.connected(id, leader);
        let challenger = sim
            .live_nodes()
            .any(|(id, n)| n.current_term() == top && hears_leader(id));
        if challenger && healthy_leader(sim, term, leader) {
            self.contested.insert(top);
        }
    }

    /// A leader of `term` was seen for the first time.
    fn won(&mut self, term: u64) {
        if self.contested.contains(&term) {
            self.count += 1;
        }
    }
}

/// `leader` is up, leads `term`, and a majority of the nodes (itself
/// included) follow it in `term` over links that work both ways.
fn healthy_leader<N: RaftLabNode>(sim: &Sim<N>, term: u64, leader: NodeId) -> bool {
    let Some(l) = sim.node(leader) else {
        return false;
    };
    if !is_leader(l) || l.current_term() != term {
        return false;
    }
    let net = sim.network();
    let followers = sim
        .live_nodes()
        .filter(|&(id, n)| {
            id != leader
                && n.current_term() == term
                && n.leader() == Some(leader)
                && net.connected(leader, id)
                && net.connected(id, leader)
        })
        .count();
    followers + 1 > sim.node_count() as usize / 2
}

impl ElectionSafety {
    /// Election safety, with liveness windows of `window`.
    pub fn new(window: SimTime) -> Self {
        ElectionSafety {
            leaders: BTreeMap::new(),
            progress: Progress::new(window),
            spurious: SpuriousElections::default(),
        }
    }

    /// Also check that nodes follow their term's leader, which heartbeats
    /// every `heartbeat` (liveness.rs, [`super::liveness::Hearing`]).
    pub fn hearing(mut self, heartbeat: SimTime) -> Self {
        self.progress.hearing = super::liveness::Hearing::new(heartbeat);
        self
    }
}

impl<N: RaftLabNode> Monitor<N> for ElectionSafety {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    /// Relative to `now`: each term's leader without when it was first
    /// seen (only the violation's text shows it), and the liveness
    /// tracking's times relative to now (liveness.rs,
    /// `Progress::fingerprint_relative`).
    fn fingerprint_relative(
        &self,
        now: SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        use std::hash::Hash;
        for (term, (leader, _)) in &self.leaders {
            (term, leader).hash(hasher);
        }
        self.progress.fingerprint_relative(now, hasher)
    }

    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        self.spurious.observe(sim, &self.leaders);
        for (id, n) in sim.live_nodes() {
            if !is_leader(n) {
                continue;
            }
            match self.leaders.get(&n.current_term()) {
                None => {
                    self.leaders.insert(n.current_term(), (id, sim.now()));
                    self.spurious.won(n.current_term());
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
        self.progress.observe(sim);
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
        let (replaced, slowest) = self.progress.replaced;
        vec![
            ("elections-won".into(), self.leaders.len().to_string()),
            ("spurious-elections".into(), self.spurious.count.to_string()),
            (
                "leaders-replaced".into(),
                format!("{replaced} (slowest {slowest})"),
            ),
            ("leaders".into(), format!("{prefix}{}", shown.join(" → "))),
        ]
    }
}

/// A node's leadership as last seen: incarnation, term, last index and hash.
type LeaderMark = Option<(u32, u64, u64, u64)>;

/// **Leader append-only**: while a node leads a term, its log only grows;
/// no entry it holds is overwritten or deleted.
#[derive(Clone, Debug, Default, Hash)]
pub struct LeaderAppendOnly {
    seen: Vec<LeaderMark>,
}

impl<N: RaftLabNode> Monitor<N> for LeaderAppendOnly {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    /// No time in its memory: as `fingerprint`.
    fn fingerprint_relative(
        &self,
        _now: SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        std::hash::Hash::hash(self, hasher);
        true
    }

    /// Each leader's mark is the one it would note now; every other
    /// node's mark is empty.
    fn unchanged_after(&self, sim: &Sim<N>) -> bool {
        sized(&self.seen, sim.node_count())
            && sim.slots().iter().zip(&self.seen).all(|(slot, seen)| {
                let now = slot.state.as_deref().filter(|n| is_leader(*n)).map(|n| {
                    (
                        slot.incarnation,
                        n.current_term(),
                        n.log().last_index(),
                        n.log().last_hash(),
                    )
                });
                *seen == now
            })
    }

    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.seen, sim.node_count());
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = slot.state.as_deref().filter(|n| is_leader(*n)) else {
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

/// **One append per request per term**: a leader appends each client request
/// `(client, id)` at most once in its term. A retry of a request it already
/// applied gets the session's cached answer; one still waiting in its log is
/// answered when that copy applies. (Copies in *different* terms are
/// normal: a new leader cannot know whether an uncommitted copy from an
/// earlier term will survive. Sessions make those exactly-once when
/// applied; the `linearizable` check sees the rest.)
#[derive(Clone, Debug, Default, Hash)]
pub struct OneAppendPerTerm {
    /// (term, client, request id) → the index its term's leader put it at.
    appended: BTreeMap<(u64, ClientId, u64), u64>,
    /// Per node: the (term, last index) checked while it led.
    seen: Vec<(u64, u64)>,
}

impl<N: RaftLabNode> Monitor<N> for OneAppendPerTerm {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    /// No time in its memory: as `fingerprint`.
    fn fingerprint_relative(
        &self,
        _now: SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        std::hash::Hash::hash(self, hasher);
        true
    }

    /// Every live leader's (term, last index) was checked already.
    fn unchanged_after(&self, sim: &Sim<N>) -> bool {
        sized(&self.seen, sim.node_count())
            && sim.live_nodes().all(|(id, n)| {
                !is_leader(n) || self.seen[id.index()] == (n.current_term(), n.log().last_index())
            })
    }

    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.seen, sim.node_count());
        for (id, n) in sim.live_nodes() {
            if !is_leader(n) {
                continue;
            }
            let term = n.current_term();
            let log = n.log();
            let (seen_term, seen_last) = self.seen[id.index()];
            let floor = if seen_term == term { seen_last } else { 0 };
            // The leader's own entries are the run of its term at the end.
            let mut index = log.last_index();
            while index > floor.max(log.base_index()) {
                let Some(entry) = log.entry(index) else { break };
                if entry.term != term {
                    break;
                }
                if let Command::Client(c) = &entry.command {
                    let key = (term, c.client, c.id);
                    match self.appended.get(&key) {
                        Some(&first) if first != index => {
                            let (low, high) = (first.min(index), first.max(index));
                            return Err(format!(
                                "{id}, leader of term {term}, appended {}'s request #{} twice \
                                 (indexes {low} and {high}): a retry of a request the leader \
                                 had already applied (its session holds the answer) or was \
                                 already waiting on",
                                c.client, c.id
                            ));
                        }
                        Some(_) => {}
                        None => {
                            self.appended.insert(key, index);
                        }
                    }
                }
                index -= 1;
            }
            self.seen[id.index()] = (term, log.last_index());
        }
        Ok(())
    }
}

/// **Log matching**: two entries with the same index and term have the same
/// prefix — on any two nodes, at any two times.
#[derive(Clone, Debug, Default, Hash)]
pub struct LogMatching {
    /// (index, term) → (prefix hash, first holder).
    table: BTreeMap<(u64, u64), (u64, NodeId)>,
    /// Each node's (last index, last hash) when last checked.
    seen: Vec<(u64, u64)>,
}

impl<N: RaftLabNode> Monitor<N> for LogMatching {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    /// No time in its memory: as `fingerprint`.
    fn fingerprint_relative(
        &self,
        _now: SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        std::hash::Hash::hash(self, hasher);
        true
    }

    /// No live node's log end moved since it was last checked.
    fn unchanged_after(&self, sim: &Sim<N>) -> bool {
        sized(&self.seen, sim.node_count())
            && sim
                .live_nodes()
                .all(|(id, n)| self.seen[id.index()] == (n.log().last_index(), n.log().last_hash()))
    }

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
#[derive(Clone, Debug, Default, Hash)]
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
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    /// No time in its memory: as `fingerprint`.
    fn fingerprint_relative(
        &self,
        _now: SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        std::hash::Hash::hash(self, hasher);
        true
    }

    /// No live node's commit index moved, and every leader was checked in
    /// its incarnation and term against what is committed now.
    fn unchanged_after(&self, sim: &Sim<N>) -> bool {
        let nodes = sim.node_count();
        sized(&self.seen_commit, nodes)
            && sized(&self.checked, nodes)
            && sim
                .live_nodes()
                .all(|(id, n)| n.commit_index() == self.seen_commit[id.index()])
            && sim
                .slots()
                .iter()
                .zip(&self.checked)
                .all(|(slot, checked)| {
                    let now = slot
                        .state
                        .as_deref()
                        .filter(|n| is_leader(*n))
                        .map(|n| (slot.incarnation, n.current_term(), self.version));
                    *checked == now
                })
    }

    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.seen_commit, sim.node_count());
        per_node(&mut self.checked, sim.node_count());
        for (id, n) in sim.live_nodes() {
            self.observe(id, n);
        }
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = slot.state.as_deref().filter(|n| is_leader(*n)) else {
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
#[derive(Clone, Debug, Default, Hash)]
pub struct StateMachineSafety {
    /// Applied index → (prefix hash, first node seen there).
    applied: BTreeMap<u64, (u64, NodeId)>,
    seen_applied: Vec<u64>,
    /// Entries acknowledged to a client: index → prefix hash.
    pub acked: BTreeMap<u64, u64>,
    /// Per node: (incarnation, how many of its acks were read).
    ack_cursor: Vec<(u32, usize)>,
    /// Acknowledged indexes in the order first seen.
    pub ack_order: Vec<u64>,
    /// The liveness window `W` (liveness.rs).
    pub window: SimTime,
    /// The apply mark, taken at the first step at or after
    /// `max(S, end - W)`: its time, the highest commit index anywhere, and
    /// how many entries had been acknowledged.
    pub mark: Option<(SimTime, u64, usize)>,
}

impl StateMachineSafety {
    /// State-machine safety, with an apply window of `window`.
    pub fn new(window: SimTime) -> Self {
        StateMachineSafety {
            window,
            ..StateMachineSafety::default()
        }
    }

    /// Take the apply mark once the settle phase is `W` from its end.
    fn take_mark<N: RaftLabNode>(&mut self, sim: &Sim<N>) {
        let from = sim.end_time().saturating_sub(self.window);
        if self.mark.is_some() || !sim.is_settling() || sim.now() < from {
            return;
        }
        let committed = sim.live_nodes().map(|(_, n)| n.commit_index()).max();
        self.mark = Some((sim.now(), committed.unwrap_or(0), self.ack_order.len()));
    }

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
                Some(_) => {}
                None => self.ack_order.push(index),
            }
        }
        self.ack_cursor[i].1 = n.acked().len();
        Ok(())
    }
}

impl<N: RaftLabNode> Monitor<N> for StateMachineSafety {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    /// Relative to `now`: everything but the time of the apply mark, which
    /// only the end-of-run check's text shows (and which is taken in the
    /// settle phase only, which an explored world never reaches).
    fn fingerprint_relative(
        &self,
        _now: SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        use std::hash::Hash;
        let StateMachineSafety {
            applied,
            seen_applied,
            acked,
            ack_cursor,
            ack_order,
            window,
            mark,
        } = self;
        (applied, seen_applied, acked, ack_cursor, ack_order, window).hash(hasher);
        mark.map(|(_, committed, acks)| (committed, acks))
            .hash(hasher);
        true
    }

    /// No node applied or acknowledged anything new, and the apply mark
    /// is not due.
    fn unchanged_after(&self, sim: &Sim<N>) -> bool {
        let nodes = sim.node_count();
        let from = sim.end_time().saturating_sub(self.window);
        let no_mark = self.mark.is_some() || !sim.is_settling() || sim.now() < from;
        no_mark
            && sized(&self.seen_applied, nodes)
            && sized(&self.ack_cursor, nodes)
            && sim.slots().iter().enumerate().all(|(i, slot)| {
                slot.state.as_deref().is_none_or(|n| {
                    let applied = n.last_applied().0;
                    (applied == self.seen_applied[i] || applied == 0)
                        && self.ack_cursor[i] == (slot.incarnation, n.acked().len())
                })
            })
    }

    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.seen_applied, sim.node_count());
        per_node(&mut self.ack_cursor, sim.node_count());
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = slot.state.as_deref() else {
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
        self.take_mark(sim);
        Ok(())
    }
}

/// **Commit index never decreases** on a node, across its whole lifetime
/// including restarts.
#[derive(Clone, Debug, Default, Hash)]
pub struct CommitNeverDecreases {
    highest: Vec<u64>,
}

impl<N: RaftLabNode> Monitor<N> for CommitNeverDecreases {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    /// No time in its memory: as `fingerprint`.
    fn fingerprint_relative(
        &self,
        _now: SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        std::hash::Hash::hash(self, hasher);
        true
    }

    /// Every live node's commit index is the highest noted for it.
    fn unchanged_after(&self, sim: &Sim<N>) -> bool {
        sized(&self.highest, sim.node_count())
            && sim
                .live_nodes()
                .all(|(id, n)| n.commit_index() == self.highest[id.index()])
    }

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

/// **Configuration quorums** (with membership changes, membership.rs): two
/// majorities never decide independently.
///
/// - *Committed in its configuration*: when a leader's commit index
///   moves, the entry there is held by a majority of every voter set of
///   the configuration its log puts in force (§4.1: the latest in the log,
///   committed or not). A crashed voter counts as holding it (its log is
///   not visible); a snapshot covering the index holds it.
/// - *One change at a time*: the configurations a node's log may still
///   put in force — the one at the highest index ever seen committed and
///   every later configuration entry — have pairwise intersecting quorums.
#[derive(Clone, Debug, Default, Hash)]
pub struct ConfigQuorums {
    /// Per node: (incarnation, commit index) when last checked as leader.
    led: Vec<(u32, u64)>,
    /// Per node: (last index, last hash, committed) when last checked.
    seen: Vec<(u64, u64, u64)>,
    /// Per node: its last index at the end of the previous step (a leader
    /// may commit and then append a configuration in one step: the commit
    /// was counted in the configuration in force before).
    before: Vec<u64>,
    /// The highest index seen committed on any node.
    committed: u64,
}

impl ConfigQuorums {
    fn check_commit<N: RaftLabNode>(&self, sim: &Sim<N>, id: NodeId, n: &N) -> Result<(), String> {
        let index = n.commit_index();
        let before = self.before.get(id.index()).copied().unwrap_or(0);
        let (Some(config), Some(hash)) =
            (n.config_at(n.log().last_index()), n.log().hash_at(index))
        else {
            return Ok(());
        };
        let holds = |v: NodeId| {
            v == id
                || sim.node(v).is_none_or(|m| {
                    m.log().base_index() >= index || m.log().hash_at(index) == Some(hash)
                })
        };
        let earlier = n.config_at(before.min(n.log().last_index()));
        if config.quorum(holds) || earlier.is_some_and(|c| c.quorum(holds)) {
            return Ok(());
        }
        let holders: Vec<String> = config
            .halves()
            .flat_map(|h| h.iter().copied())
            .filter(|&v| holds(v))
            .map(|v| v.to_string())
            .collect::<std::collections::BTreeSet<_>>()
            .into_iter()
            .collect();
        Err(format!(
            "{id}, leader of term {}, committed index {index} held only by {{{}}}, not by a majority \
             of {config}, the configuration its log puts in force (the latest configuration entry, \
             committed or not, is in force from when it is appended)",
            n.current_term(),
            holders.join(",")
        ))
    }

    fn check_pending<N: RaftLabNode>(&self, id: NodeId, n: &N) -> Result<(), String> {
        let log = n.log();
        let from = self.committed.min(log.last_index());
        let Some(settled) = n.config_at(from) else {
            return Ok(());
        };
        let mut configs = vec![(from, settled)];
        for (index, entry) in log.iter().filter(|(i, _)| *i > from) {
            if let Command::Config(c) = &entry.command {
                configs.push((index, c.clone()));
            }
        }
        for (k, (i, a)) in configs.iter().enumerate() {
            for (j, b) in &configs[k + 1..] {
                if !a.quorums_overlap(b) {
                    return Err(format!(
                        "{id}'s log may put in force both {a} (at index {i}) and {b} (at index {j}), \
                         whose majorities can be disjoint: two changes in flight at once (the highest \
                         index seen committed is {})",
                        self.committed
                    ));
                }
            }
        }
        Ok(())
    }
}

impl<N: RaftLabNode> Monitor<N> for ConfigQuorums {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    /// No time in its memory: as `fingerprint`.
    fn fingerprint_relative(
        &self,
        _now: SimTime,
        hasher: &mut crate::base::hash::StableHasher,
    ) -> bool {
        std::hash::Hash::hash(self, hasher);
        true
    }

    /// Nothing was committed past the highest commit seen, and every live
    /// node's marks (as leader, its log's end, its last index) are the ones
    /// it would note now.
    fn unchanged_after(&self, sim: &Sim<N>) -> bool {
        let nodes = sim.node_count();
        sized(&self.led, nodes)
            && sized(&self.seen, nodes)
            && sized(&self.before, nodes)
            && sim.slots().iter().enumerate().all(|(i, slot)| {
                slot.state.as_deref().is_none_or(|n| {
                    let last = n.log().last_index();
                    n.commit_index() <= self.committed
                        && (!is_leader(n) || self.led[i] == (slot.incarnation, n.commit_index()))
                        && self.seen[i] == (last, n.log().last_hash(), self.committed)
                        && self.before[i] == last
                })
            })
    }

    fn after_step(&mut self, sim: &Sim<N>) -> Result<(), String> {
        per_node(&mut self.led, sim.node_count());
        per_node(&mut self.seen, sim.node_count());
        per_node(&mut self.before, sim.node_count());
        for (_, n) in sim.live_nodes() {
            self.committed = self.committed.max(n.commit_index());
        }
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(n) = slot.state.as_deref() else {
                continue;
            };
            let id = NodeId(i as u32);
            let mark = (slot.incarnation, n.commit_index());
            if is_leader(n) && self.led[i] != mark {
                self.led[i] = mark;
                self.check_commit(sim, id, n)?;
            }
            let seen = (n.log().last_index(), n.log().last_hash(), self.committed);
            if self.seen[i] != seen {
                self.seen[i] = seen;
                self.check_pending(id, n)?;
            }
            self.before[i] = n.log().last_index();
        }
        Ok(())
    }
}

/// The liveness memory (inside `election-safety`), if registered.
fn progress<N: RaftLabNode>(sim: &Sim<N>) -> Option<&Progress> {
    sim.monitor::<ElectionSafety>("election-safety")
        .map(|m| &m.progress)
}

/// `re-election`: every leader lost to a crash or a cut while a majority
/// was up and connected was replaced by a leader of a higher term within
/// `W` of quiet time (liveness.rs).
fn re_election<N: RaftLabNode>(sim: &Sim<N>) -> Result<(), String> {
    let Some(p) = progress(sim) else {
        return Ok(());
    };
    match p.failure.clone().or_else(|| p.overdue(judged_at(sim))) {
        Some(why) => Err(why),
        None => Ok(()),
    }
}

/// `stable-leader`: after faults stop at `S`, the cluster never goes longer
/// than `W` without a leader followed by a majority in its term (the first
/// stretch starts at `S`, one still going on at the end counts), and elects
/// at most one new leader per `W`, plus two: the first, and one that a fault
/// undone at `S` may force (a clock jumped back to true time fires an
/// election timer at once).
fn stable_leader<N: RaftLabNode>(sim: &Sim<N>) -> Result<(), String> {
    let Some(p) = progress(sim) else {
        return Ok(());
    };
    let Some((settled, _)) = p.settled else {
        return Ok(());
    };
    let end = judged_at(sim);
    let allowed = 2 + end.saturating_sub(settled).as_nanos() / p.window.as_nanos().max(1);
    let (leaders, last) = p.settle_leaders;
    if leaders > allowed {
        return Err(format!(
            "after the faults stopped at {settled}, {leaders} leaders were elected (up to term {last}) \
             in {}: a leader followed by a majority keeps its term while the network works; at most \
             {allowed} (one per W = {}, plus the first and one a fault undone at the settle point \
             may force) are allowed",
            end.saturating_sub(settled),
            describe_window(p.window)
        ));
    }
    let Some((from, length)) = p.longest_unled(end) else {
        return Ok(());
    };
    if length <= p.window {
        return Ok(());
    }
    Err(format!(
        "after the faults stopped at {settled}, the cluster went {length} (from {from}) without a \
         leader followed by a majority in its term; it must have one within W = {}, and keep it",
        describe_window(p.window)
    ))
}

/// `all-follow-leader`: after faults stop at `S`, no live node goes longer
/// than `W` without following the leader of the highest term (or being it);
/// and at any time, a node in the term of a leader that can reach it
/// follows it within a heartbeat and a half plus the latency
/// (liveness.rs, `Hearing`).
fn all_follow_leader<N: RaftLabNode>(sim: &Sim<N>) -> Result<(), String> {
    let Some(p) = progress(sim) else {
        return Ok(());
    };
    if let Some(why) = &p.hearing.failure {
        return Err(why.clone());
    }
    let Some((settled, _)) = p.settled else {
        return Ok(());
    };
    let Some(((from, length), id)) = p.longest_out_of_step(judged_at(sim)) else {
        return Ok(());
    };
    if length <= p.window {
        return Ok(());
    }
    let now = match sim.node(id) {
        Some(n) => {
            let follows = n.leader().map_or("nobody".into(), |l| l.to_string());
            format!(
                "; at the end it is a {} of term {}, following {follows}",
                n.role().unwrap_or("node"),
                n.current_term()
            )
        }
        None => String::new(),
    };
    Err(format!(
        "after the faults stopped at {settled}, {id} went {length} (from {from}) without following \
         the leader of the highest term; every live node must follow it within W = {}{now}",
        describe_window(p.window)
    ))
}

/// `messages-delivered`: in the settle phase, at least one node-to-node
/// message per other node and per maximum election timeout was delivered.
fn messages_delivered<N: RaftLabNode>(sim: &Sim<N>) -> Result<(), String> {
    let Some(p) = progress(sim) else {
        return Ok(());
    };
    let Some((settled, before)) = p.settled else {
        return Ok(());
    };
    let timeout = (p.window.as_nanos() / liveness::TIMEOUTS_PER_WINDOW).max(1);
    let length = judged_at(sim).saturating_sub(settled);
    let wanted = u64::from(sim.node_count().saturating_sub(1)) * (length.as_nanos() / timeout);
    let delivered = sim.counters().delivered - before;
    if delivered >= wanted {
        return Ok(());
    }
    Err(format!(
        "after the faults stopped at {settled}, only {delivered} messages between nodes were delivered \
         in {length}; a leader's heartbeats alone deliver at least one to each other node per \
         maximum election timeout ({}), {wanted} in all",
        SimTime(timeout)
    ))
}

/// `acked-ops-applied`: everything committed, and every operation
/// acknowledged to a client, by the mark (`max(S, end - W)`) is applied on
/// every live node at the end — `W` later, or the whole settle phase when
/// it is shorter. Without a mark (no step after it), the end is the mark.
fn acked_ops_applied<N: RaftLabNode>(sim: &Sim<N>) -> Result<(), String> {
    let Some(m) = sim.monitor::<StateMachineSafety>("state-machine-safety") else {
        return Ok(());
    };
    let now_committed = || sim.live_nodes().map(|(_, n)| n.commit_index()).max();
    let (at, committed, acked) = m.mark.unwrap_or_else(|| {
        (
            judged_at(sim),
            now_committed().unwrap_or(0),
            m.ack_order.len(),
        )
    });
    let within = format!(
        "committed by {at}; everything committed must be applied on every node within W = {} of the \
         heal (or of its commit, if later)",
        describe_window(m.window)
    );
    // With membership changes, only the members of the newest leader's
    // configuration are expected to keep up.
    let newest = sim
        .live_nodes()
        .filter(|(_, n)| is_leader(*n))
        .max_by_key(|(_, n)| n.current_term());
    let member = |id: NodeId| newest.is_none_or(|(_, l)| l.in_config(id));
    for (id, n) in sim.live_nodes().filter(|(id, _)| member(*id)) {
        if n.last_applied().0 < committed {
            return Err(format!(
                "{id} applied only up to index {} at the end, but {committed} was {within}",
                n.last_applied().0
            ));
        }
    }
    for &index in &m.ack_order[..acked] {
        let hash = m.acked[&index];
        for (id, n) in sim.live_nodes().filter(|(id, _)| member(*id)) {
            let missing = match n.log().hash_at(index) {
                Some(h) => h != hash,
                None => index > n.last_applied().0,
            };
            if missing {
                return Err(format!(
                    "the operation acknowledged to a client at index {index} is not in {id}'s applied \
                     log at the end ({} acknowledged in all); it was {within}",
                    m.acked.len()
                ));
            }
        }
    }
    Ok(())
}

/// A live, unpaused leader that a majority of the cluster (itself
/// counted) follows: live, in its term and connected to it both ways.
pub fn led_by_majority<N: RaftLabNode>(sim: &Sim<N>) -> Option<NodeId> {
    let majority = sim.node_count() as usize / 2 + 1;
    let net = sim.network();
    sim.live_nodes()
        .filter(|(id, n)| is_leader(*n) && !sim.is_paused(*id))
        .find(|(leader, l)| {
            let term = l.current_term();
            let followers = sim
                .live_nodes()
                .filter(|(id, n)| {
                    n.current_term() == term
                        && (id == leader
                            || (net.connected(*leader, *id) && net.connected(*id, *leader)))
                })
                .count();
            followers >= majority
        })
        .map(|(id, _)| id)
}

fn metrics<N: RaftLabNode>(sim: &Sim<N>) -> Vec<(String, String)> {
    let max = |f: fn(&N) -> u64| sim.live_nodes().map(|(_, n)| f(n)).max().unwrap_or(0);
    // Counted by each node since it last started: a crash forgets its
    // counts (the sums are of the nodes up at the end).
    let sum = |f: fn(&N) -> u64| sim.live_nodes().map(|(_, n)| f(n)).sum::<u64>();
    let committed = max(|n| n.commit_index());
    let needed = u64::from(sim.node_count().saturating_sub(1)) * committed;
    let ratio = |a: u64, b: u64| format!("{:.2}", a as f64 / b.max(1) as f64);
    let (appends, entries) = (
        sum(|n| n.sent_stats().appends),
        sum(|n| n.sent_stats().entries),
    );
    let snapshots = sum(|n| n.sent_stats().snapshots);
    let costs: Vec<(String, String)> = vec![
        ("appends-sent".into(), appends.to_string()),
        ("appends-per-commit".into(), ratio(appends, committed)),
        ("entries-sent".into(), entries.to_string()),
        ("entries-sent-per-needed".into(), ratio(entries, needed)),
        ("snapshots-sent".into(), snapshots.to_string()),
        (
            "snapshot-copies".into(),
            ratio(snapshots, sum(|n| n.snapshots_installed())),
        ),
        (
            "snapshots-to-near-followers".into(),
            sum(|n| n.sent_stats().near_snapshots).to_string(),
        ),
    ];
    let reads = sum(|n| n.sent_stats().reads);
    let rounds = sum(|n| n.sent_stats().read_rounds);
    let mut costs = costs;
    if reads + rounds > 0 {
        costs.push(("reads-without-log".into(), reads.to_string()));
        costs.push(("read-rounds".into(), rounds.to_string()));
        costs.push(("reads-per-round".into(), ratio(reads, rounds)));
    }
    let mut all = vec![
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
    ];
    all.extend(costs);
    all
}

/// `reads-off-the-log` (registered when `read_mode` is `read-index` or
/// `lease`): reads are served without log entries (reads.rs), so no live
/// node's log holds a client `get`/`read` at the end. It reads the entries
/// still in each log (compaction hides older ones; the Raft labs do not
/// compact). A node that puts reads in the log anyway is correct but pays a
/// replication round and an entry per read, which ReadIndex exists to save.
fn reads_off_the_log<N: RaftLabNode>(sim: &Sim<N>) -> Result<(), String> {
    for (id, n) in sim.live_nodes() {
        let log = n.log();
        for index in log.base_index() + 1..=log.last_index() {
            let Some(entry) = log.entry(index) else {
                continue;
            };
            if let Command::Client(c) = &entry.command {
                if super::reads::is_read(&c.op) {
                    return Err(format!(
                        "{id}'s log holds a read at index {index} (term {}, client {} request {}: \
                         {}): in read-index (or lease) mode a leader answers a read at its commit \
                         index once a round confirms it still leads, without a log entry",
                        entry.term, c.client, c.id, c.op.f
                    ));
                }
            }
        }
    }
    Ok(())
}

/// A simulation builder with Raft nodes, their monitors, checks and metrics
/// (the linearizability check is added by the scenario, when asked for).
pub fn builder<N: RaftLabNode>(params: Params, nodes: u32, seed: u64) -> SimBuilder<N> {
    builder_with(params, nodes, seed, N::new)
}

/// [`builder`] with nodes made by `make` instead of `N::new` (the labs'
/// `DynRaft` wraps the student's constructor).
pub fn builder_with<N: RaftLabNode>(
    params: Params,
    nodes: u32,
    seed: u64,
    make: fn(Arc<Params>, NodeId, u32) -> N,
) -> SimBuilder<N> {
    let window = liveness::window(&params);
    let safety = ElectionSafety::new(window).hearing(params.heartbeat);
    let membership = params.membership_active(nodes);
    let reads_off_log = params.read_mode != super::ReadMode::Log;
    let params = Arc::new(params);
    let b = SimBuilder::new(nodes, seed, move |id, n| make(Arc::clone(&params), id, n));
    let b = if membership {
        b.monitor("config-quorums", ConfigQuorums::default())
    } else {
        b
    };
    let b = if reads_off_log {
        b.invariant(Invariant::eventually(
            "reads-off-the-log",
            reads_off_the_log,
        ))
    } else {
        b
    };
    b
        .monitor("election-safety", safety)
        .monitor("leader-append-only", LeaderAppendOnly::default())
        .monitor("one-append-per-term", OneAppendPerTerm::default())
        .monitor("log-matching", LogMatching::default())
        .monitor("leader-completeness", LeaderCompleteness::default())
        .monitor("state-machine-safety", StateMachineSafety::new(window))
        .monitor("commit-never-decreases", CommitNeverDecreases::default())
        .invariant(Invariant::eventually("stable-leader", stable_leader))
        .invariant(Invariant::eventually("re-election", re_election))
        .invariant(Invariant::eventually(
            "all-follow-leader",
            all_follow_leader,
        ))
        .invariant(Invariant::eventually(
            "messages-delivered",
            messages_delivered,
        ))
        .invariant(Invariant::eventually(
            "acked-ops-applied",
            acked_ops_applied,
        ))
        .invariant(Invariant::sometimes("leader-elected", |sim: &Sim<N>| {
            sim.live_nodes().any(|(_, n)| is_leader(n))
        }))
        .predicate(Predicate::now(
            "leader-exists",
            "a live, unpaused node leads its term and a majority of the cluster (itself counted) is live, in that term and connected to it both ways",
            |sim: &Sim<N>| led_by_majority(sim).is_some(),
        ))
        .predicate(Predicate::now(
            "no-leader",
            "not leader-exists: no leader a majority follows (a deposed or cut-off node may still think it leads)",
            |sim: &Sim<N>| led_by_majority(sim).is_none(),
        ))
        .predicate(Predicate::now(
            "one-leader",
            "leader-exists, and no other live node thinks it is a leader",
            |sim: &Sim<N>| {
                led_by_majority(sim).is_some()
                    && sim.live_nodes().filter(|(_, n)| is_leader(*n)).count() == 1
            },
        ))
        .predicate(Predicate::unchanged(
            "nothing-committed",
            "no live node's commit index is above the highest one a live node had at the reference moment (the fault, or `since`)",
            |sim: &Sim<N>| {
                sim.live_nodes()
                    .map(|(_, n)| n.commit_index())
                    .max()
                    .unwrap_or(0)
            },
        ))
        .metrics(metrics)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::raft::Raft;
    use crate::scenario::engine::BuildOptions;
    use crate::sim::StepResult;

    /// A copy of each monitor that answers `unchanged_after` (all but
    /// `election-safety`, whose liveness memory moves with time).
    #[derive(Clone)]
    struct Copies {
        append_only: LeaderAppendOnly,
        one_append: OneAppendPerTerm,
        matching: LogMatching,
        completeness: LeaderCompleteness,
        machine: StateMachineSafety,
        commit: CommitNeverDecreases,
        quorums: ConfigQuorums,
    }

    fn copy<T: Monitor<Raft> + Clone>(sim: &Sim<Raft>, name: &str) -> T {
        sim.monitor::<T>(name).cloned().expect("registered")
    }

    impl Copies {
        fn of(sim: &Sim<Raft>) -> Self {
            Copies {
                append_only: copy(sim, "leader-append-only"),
                one_append: copy(sim, "one-append-per-term"),
                matching: copy(sim, "log-matching"),
                completeness: copy(sim, "leader-completeness"),
                machine: copy(sim, "state-machine-safety"),
                commit: copy(sim, "commit-never-decreases"),
                quorums: copy(sim, "config-quorums"),
            }
        }
    }

    /// `before` is the monitor `name` as it was before `sim`'s last step:
    /// when it says that step leaves it as it is, the step must have (the
    /// monitor in the world, which ran `after_step`, reads the same).
    fn judge<T: Monitor<Raft>>(before: &T, sim: &Sim<Raft>, name: &str, a: &mut (u64, u64)) {
        let after = sim.monitor::<T>(name).expect("registered");
        if before.unchanged_after(sim) {
            assert_eq!(
                format!("{before:?}"),
                format!("{after:?}"),
                "{name} said step {} changes nothing, but it did",
                sim.steps()
            );
            a.0 += 1;
        } else {
            a.1 += 1;
        }
    }

    /// Every step of the first part of a churn run with membership changes
    /// (crashes and restarts, partitions, elections, configuration
    /// changes): whenever a monitor's `unchanged_after` says `true`,
    /// `after_step` left it exactly as it was; and each monitor gives both
    /// answers, so the shortcut is taken and is not a constant.
    #[test]
    fn unchanged_after_is_true_only_when_a_step_changes_nothing() {
        let scenario = crate::testing::load("scenarios/raft-churn-membership.toml");
        let mut sim =
            super::super::scenario::configured::<Raft>(&scenario, &BuildOptions::default())
                .expect("builds")
                .build();
        let mut answers = [(0u64, 0u64); 7];
        let mut crashes = 0;
        for _ in 0..30_000 {
            let before = Copies::of(&sim);
            let incarnations: u32 = sim.slots().iter().map(|s| s.incarnation).sum();
            if sim.step() != StepResult::Progressed {
                break;
            }
            crashes += sim.slots().iter().map(|s| s.incarnation).sum::<u32>() - incarnations;
            let a = &mut answers;
            judge(&before.append_only, &sim, "leader-append-only", &mut a[0]);
            judge(&before.one_append, &sim, "one-append-per-term", &mut a[1]);
            judge(&before.matching, &sim, "log-matching", &mut a[2]);
            judge(&before.completeness, &sim, "leader-completeness", &mut a[3]);
            judge(&before.machine, &sim, "state-machine-safety", &mut a[4]);
            judge(&before.commit, &sim, "commit-never-decreases", &mut a[5]);
            judge(&before.quorums, &sim, "config-quorums", &mut a[6]);
        }
        assert!(sim.violation().is_none(), "{:?}", sim.violation());
        assert!(crashes > 0, "the run crashed no node");
        let names = [
            "leader-append-only",
            "one-append-per-term",
            "log-matching",
            "leader-completeness",
            "state-machine-safety",
            "commit-never-decreases",
            "config-quorums",
        ];
        for ((unchanged, changed), name) in answers.iter().zip(names) {
            assert!(
                *unchanged > 0 && *changed > 0,
                "{name}: {unchanged} steps unchanged, {changed} changed"
            );
        }
    }
}
