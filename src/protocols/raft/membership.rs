//! Membership changes (the dissertation, chapter 4): the configuration is a
//! log entry ([`Command::Config`]) that takes effect **on append** (§4.1: a
//! server uses the latest configuration in its log, committed or not; a
//! truncated configuration entry reverts it). Every quorum — votes,
//! PreVotes, the commit index, CheckQuorum, ReadIndex rounds — is counted by
//! [`Config::quorum`] / [`Config::quorum_index`] of the configuration in
//! force; a joint configuration (§4.3) needs a majority of both its old and
//! its new voters.
//!
//! Changes come from the scenario (`[protocol] changes = ["3s add 3",
//! "6s remove 0", ...]`, [`Change`]): the leader works through the list in
//! order, one configuration entry at a time, and never appends a change
//! before the previous one is committed (unless the `two-changes-at-once`
//! bug). Each configuration records the index of the list item it works
//! towards ([`Config::step`]), so a new leader resumes where the old one
//! stopped. A node to add first joins as a **learner** (replicated to, not
//! counted); it is promoted once its log is within `catchup_entries` of the
//! leader's. With `membership = "single"` (the default) a voter is added
//! or removed one at a time (§4.2); with `"joint"` the leader goes through
//! a joint configuration `C_old,new` to `C_new` (§4.3). A node that is not a
//! voter of its configuration never campaigns; a leader that removed itself
//! steps down once that change is committed; `drain X` transfers leadership
//! away from `X` (transfer.rs) before removing it.

use super::log::{Command, Log};
use super::{persist, Bug, Membership, Raft, Role};
use crate::sim::{Ctx, NodeId, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// A cluster configuration: who votes, who only replicates.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Config {
    /// The voters (with `old`: the new voters of a joint configuration).
    pub voters: BTreeSet<NodeId>,
    /// Non-voting members catching up before promotion.
    pub learners: BTreeSet<NodeId>,
    /// A joint configuration's old voters: quorums need a majority of
    /// both sets.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub old: Option<BTreeSet<NodeId>>,
    /// How many items of the scenario's `changes` this configuration works
    /// towards (0: the initial configuration).
    pub step: u32,
}

impl Config {
    /// The initial configuration: voters `0..voters`.
    pub fn initial(voters: u32) -> Config {
        Config {
            voters: (0..voters).map(NodeId).collect(),
            ..Config::default()
        }
    }

    /// True if `id` votes (in either half of a joint configuration).
    pub fn is_voter(&self, id: NodeId) -> bool {
        self.voters.contains(&id) || self.old.as_ref().is_some_and(|o| o.contains(&id))
    }

    /// True if `id` votes or learns.
    pub fn is_member(&self, id: NodeId) -> bool {
        self.is_voter(id) || self.learners.contains(&id)
    }

    /// Every member (voters, old voters, learners), in id order.
    pub fn members(&self) -> BTreeSet<NodeId> {
        let mut all = self.voters.clone();
        all.extend(self.learners.iter().copied());
        if let Some(old) = &self.old {
            all.extend(old.iter().copied());
        }
        all
    }

    /// The voter sets a quorum needs a majority of: one, or two when joint.
    pub fn halves(&self) -> impl Iterator<Item = &BTreeSet<NodeId>> {
        std::iter::once(&self.voters).chain(self.old.as_ref())
    }

    /// True if the nodes for which `has` holds form a quorum: a majority of
    /// the voters (and of the old voters, when joint).
    pub fn quorum(&self, has: impl Fn(NodeId) -> bool) -> bool {
        self.halves()
            .all(|half| half.iter().filter(|&&id| has(id)).count() > half.len() / 2)
    }

    /// The highest value a quorum has reached: for each half, the value
    /// of its majority-th highest voter; the least of the halves.
    pub fn quorum_index(&self, of: impl Fn(NodeId) -> u64) -> u64 {
        self.halves()
            .map(|half| {
                let mut values: Vec<u64> = half.iter().map(|&id| of(id)).collect();
                values.sort_unstable_by(|a, b| b.cmp(a));
                values.get(half.len() / 2).copied().unwrap_or(0)
            })
            .min()
            .unwrap_or(0)
    }

    /// True if every quorum of `self` shares a node with every quorum of
    /// `other` (so the two cannot decide independently): some half of each
    /// has majorities that always intersect.
    pub fn quorums_overlap(&self, other: &Config) -> bool {
        self.halves()
            .any(|a| other.halves().any(|b| majorities_intersect(a, b)))
    }
}

/// Whether every majority of `a` intersects every majority of `b`: two
/// disjoint ones exist when the majorities, filled first from the nodes
/// only in their own set, need no more of the shared nodes than there are.
pub fn majorities_intersect(a: &BTreeSet<NodeId>, b: &BTreeSet<NodeId>) -> bool {
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let shared = a.intersection(b).count();
    let (only_a, only_b) = (a.len() - shared, b.len() - shared);
    let need_a = (a.len() / 2 + 1).saturating_sub(only_a);
    let need_b = (b.len() / 2 + 1).saturating_sub(only_b);
    need_a + need_b > shared
}

/// `{0,1,2}` / `{0,1,2} + learners {3}` / `joint {0,1,2} → {1,2,3}`.
impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let set = |s: &BTreeSet<NodeId>| {
            let ids: Vec<String> = s.iter().map(|n| n.0.to_string()).collect();
            format!("{{{}}}", ids.join(","))
        };
        match &self.old {
            Some(old) => write!(f, "joint {} → {}", set(old), set(&self.voters))?,
            None => f.write_str(&set(&self.voters))?,
        }
        if !self.learners.is_empty() {
            write!(f, " + learners {}", set(&self.learners))?;
        }
        Ok(())
    }
}

/// One membership change a scenario asks for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ChangeOp {
    /// Add a voter (as a learner first).
    Add(NodeId),
    /// Remove a voter (the leader itself: it steps down once committed).
    Remove(NodeId),
    /// Add the second, then remove the first.
    Replace(NodeId, NodeId),
    /// Transfer leadership away from the node if it leads, then remove it.
    Drain(NodeId),
}

/// An item of `changes`: from local time `at` on, the leader works on `op`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Change {
    /// When the leader may start on it (its local clock).
    pub at: SimTime,
    /// What to change.
    pub op: ChangeOp,
}

impl ChangeOp {
    /// The voters after this change.
    pub fn apply(self, voters: &mut BTreeSet<NodeId>) {
        match self {
            ChangeOp::Add(n) => {
                voters.insert(n);
            }
            ChangeOp::Remove(n) | ChangeOp::Drain(n) => {
                voters.remove(&n);
            }
            ChangeOp::Replace(old, new) => {
                voters.remove(&old);
                voters.insert(new);
            }
        }
    }
}

/// The syntax of one item of `changes`, for error messages.
pub const CHANGE_SYNTAX: &str =
    "\"TIME add N\", \"TIME remove N\", \"TIME replace OLD NEW\" or \"TIME drain N\" (TIME such as \"3s\", N a node number)";

/// Parse and validate `changes` for a cluster of `nodes` whose initial
/// voters are `0..voters`: each item's syntax, node numbers below `nodes`,
/// times in order, an added node not already a voter, a removed one a
/// voter, and at least one voter left. The error names the item.
pub fn parse_changes(texts: &[String], nodes: u32, voters: u32) -> Result<Vec<Change>, String> {
    let mut current = Config::initial(voters).voters;
    let mut out: Vec<Change> = Vec::new();
    for (i, text) in texts.iter().enumerate() {
        let fail = |why: String| format!("changes[{i}] = {text:?}: {why}");
        let words: Vec<&str> = text.split_whitespace().collect();
        let node = |w: &str| -> Result<NodeId, String> {
            let digits = w.strip_prefix('n').unwrap_or(w);
            match digits.parse::<u32>() {
                Ok(n) if n < nodes => Ok(NodeId(n)),
                Ok(n) => Err(fail(format!("node {n} is not below nodes = {nodes}"))),
                Err(_) => Err(fail(format!(
                    "expected a node number, got {w:?}; expected {CHANGE_SYNTAX}"
                ))),
            }
        };
        let (Some(time), Some(verb)) = (words.first(), words.get(1)) else {
            return Err(fail(format!("expected {CHANGE_SYNTAX}")));
        };
        let at = time
            .parse::<SimTime>()
            .map_err(|e| fail(format!("bad time {time:?} ({e}); expected {CHANGE_SYNTAX}")))?;
        let args = &words[2..];
        let op = match (*verb, args) {
            ("add", [n]) => ChangeOp::Add(node(n)?),
            ("remove", [n]) => ChangeOp::Remove(node(n)?),
            ("drain", [n]) => ChangeOp::Drain(node(n)?),
            ("replace", [a, b]) => ChangeOp::Replace(node(a)?, node(b)?),
            _ => return Err(fail(format!("expected {CHANGE_SYNTAX}"))),
        };
        if out.last().is_some_and(|c| c.at > at) {
            return Err(fail("times must not go back".into()));
        }
        let (gone, added) = match op {
            ChangeOp::Add(n) => (None, Some(n)),
            ChangeOp::Remove(n) | ChangeOp::Drain(n) => (Some(n), None),
            ChangeOp::Replace(a, b) => (Some(a), Some(b)),
        };
        if let Some(n) = added.filter(|n| current.contains(n)) {
            return Err(fail(format!("node {} is already a voter then", n.0)));
        }
        if let Some(n) = gone.filter(|n| !current.contains(n)) {
            return Err(fail(format!("node {} is not a voter then", n.0)));
        }
        op.apply(&mut current);
        if current.is_empty() {
            return Err(fail("no voter would be left".into()));
        }
        out.push(Change { at, op });
    }
    Ok(out)
}

/// The latest configuration entry in `log` at or below `limit`, with its
/// index (`None`: none is held above the base). The log keeps the indices
/// of its configuration entries ([`Log::latest_config_at`]): this runs
/// after every handler and in the `config-quorums` check after every step.
pub fn latest_in_log(log: &Log, limit: u64) -> Option<(u64, &Config)> {
    let index = log.latest_config_at(limit)?;
    match log.entry(index) {
        Some(super::Entry {
            command: Command::Config(config),
            ..
        }) => Some((index, config)),
        _ => None,
    }
}

impl Raft {
    /// True when the scenario uses membership changes (`voters` below the
    /// node count, or `changes`): otherwise every node votes, always, and
    /// none of this module runs.
    pub fn membership_active(&self) -> bool {
        self.params.membership_active(self.nodes)
    }

    /// The configuration the log puts in force (§4.1): its latest
    /// configuration entry, else the snapshot's, else the initial one.
    pub fn config_in_log(&self) -> Config {
        self.config_through(self.log.last_index())
    }

    /// The configuration in force at `index` of this node's log.
    pub fn config_through(&self, index: u64) -> Config {
        if let Some((_, c)) = latest_in_log(&self.log, index) {
            return c.clone();
        }
        self.snapshot
            .as_ref()
            .and_then(|s| s.config.clone())
            .unwrap_or_else(|| Config::initial(self.params.initial_voters(self.nodes)))
    }

    /// The configuration to store in a snapshot through `index` (`None`
    /// without membership changes).
    pub(super) fn snapshot_config(&self, index: u64) -> Option<Config> {
        self.membership_active().then(|| self.config_through(index))
    }

    /// Recompute the configuration in force — the latest in the log, or
    /// with the `config-on-commit` bug the latest committed one — and, on
    /// a leader, the progress of each member.
    pub(super) fn refresh_config(&mut self, ctx: &Ctx<Self>) {
        let limit = if self.params.has(Bug::ConfigOnCommit) {
            self.commit
        } else {
            self.log.last_index()
        };
        let found = latest_in_log(&self.log, limit);
        self.config_index = found.map_or(0, |(i, _)| i);
        let in_force = match found {
            Some((_, config)) => Some(config),
            None => self.snapshot.as_ref().and_then(|s| s.config.as_ref()),
        };
        let config = match in_force {
            Some(config) if *config == self.config => return,
            Some(config) => config.clone(),
            None => Config::initial(self.params.initial_voters(self.nodes)),
        };
        if config == self.config {
            return;
        }
        self.config = config;
        if self.role == Role::Leader {
            let next = self.log.last_index() + 1;
            let now = ctx.now();
            let members = self.config.members();
            // A voter just removed stays until it holds this
            // configuration: it learns it was removed and stops
            // campaigning (`drop_removed`).
            let index = self.config_index;
            self.progress
                .retain(|id, p| members.contains(id) || p.matched < index);
            for id in members.into_iter().filter(|&id| id != self.id) {
                self.progress.entry(id).or_insert_with(|| super::Progress {
                    next,
                    matched: 0,
                    last_heard: now,
                    ..super::Progress::default()
                });
            }
        }
    }

    /// The nodes this node talks to: every other node, or with membership
    /// changes the other members of its configuration.
    pub(super) fn peers(&self, ctx: &Ctx<Self>) -> Vec<NodeId> {
        if !self.membership_active() {
            return ctx.peers().collect();
        }
        self.config
            .members()
            .into_iter()
            .filter(|&id| id != self.id)
            .collect()
    }

    /// True if the nodes in `votes` form a quorum of the configuration in
    /// force (without membership changes: a majority of all nodes).
    pub(super) fn is_quorum(&self, votes: &BTreeSet<NodeId>) -> bool {
        if !self.membership_active() {
            return votes.len() >= self.majority();
        }
        self.config.quorum(|id| votes.contains(&id))
    }

    /// The leader's followers, to replicate to: the members of its
    /// configuration and the removed nodes that do not hold the
    /// configuration that removed them yet (without membership changes:
    /// every other node, as [`Raft::peers`]).
    pub(super) fn followers(&self) -> Vec<NodeId> {
        self.progress.keys().copied().collect()
    }

    /// A leader stops replicating to a removed node once it holds the
    /// configuration in force (which excludes it): from then on that node
    /// knows it is no voter and never campaigns ([`Raft::may_campaign`]).
    fn drop_removed(&mut self) {
        let (config, index) = (&self.config, self.config_index);
        let done = |id: &NodeId, p: &super::Progress| !config.is_member(*id) && p.matched >= index;
        if self.progress.iter().any(|(id, p)| done(id, p)) {
            self.progress.retain(|id, p| !done(id, p));
        }
    }

    /// With `ignore_votes_with_leader`: `from` is outside this leader's
    /// configuration — a removed node the leader still replicates to
    /// ([`Raft::followers`]) that has not received the configuration
    /// removing it, whose election timer kept raising its term. Its
    /// higher term in an answer deposes no one: it counts for nothing, as
    /// its vote does.
    pub(super) fn is_outsider(&self, from: NodeId) -> bool {
        self.params.ignore_votes_with_leader
            && self.role == Role::Leader
            && self.membership_active()
            && !self.config.is_member(from)
    }

    /// Whether this node may stand for election: it is a voter of its
    /// configuration (always, without membership changes).
    pub(super) fn may_campaign(&self) -> bool {
        !self.membership_active() || self.config.is_voter(self.id)
    }

    /// After every handler, with membership changes: refresh the
    /// configuration; a leader that is no longer a voter steps down once
    /// that is committed; drive the leadership transfer and the scenario's
    /// changes.
    pub(super) fn membership_tick(&mut self, ctx: &mut Ctx<Self>) {
        self.refresh_config(ctx);
        if self.role != Role::Leader {
            self.transfer = None;
            return;
        }
        if !self.config.is_voter(self.id) && self.commit >= self.config_index {
            ctx.log(format!("removed from {}: steps down", self.config));
            self.become_follower(ctx, self.term, None);
            self.transfer = None;
            return;
        }
        self.drop_removed();
        if self.transfer.is_some() {
            self.drive_transfer(ctx);
            return;
        }
        self.drive_changes(ctx);
    }

    /// The target voters after the first `step` items of `changes`.
    fn target(&self, step: usize) -> BTreeSet<NodeId> {
        let mut voters = Config::initial(self.params.initial_voters(self.nodes)).voters;
        for change in self.params.changes.iter().take(step) {
            change.op.apply(&mut voters);
        }
        voters
    }

    /// The leader's next move towards the scenario's changes: at most one
    /// new configuration entry, and only when the last one is committed.
    fn drive_changes(&mut self, ctx: &mut Ctx<Self>) {
        let (latest_index, current) = match latest_in_log(&self.log, self.log.last_index()) {
            Some((i, c)) => (i, c.clone()),
            None => (0, self.config_through(0)),
        };
        if latest_index > self.commit && !self.params.has(Bug::TwoChangesAtOnce) {
            return; // one change in flight
        }
        let mut step = current.step as usize;
        let mut target = self.target(step);
        let done = current.voters == target && current.old.is_none() && current.learners.is_empty();
        if done {
            let Some(change) = self.params.changes.get(step) else {
                return;
            };
            if ctx.now() < change.at {
                return;
            }
            step += 1;
            target = self.target(step);
        }
        let Some(next) = self.next_config(ctx, &current, step, &target) else {
            return;
        };
        ctx.log(format!("configuration {current} → {next}"));
        let stamp = self.stamp(ctx);
        let index = self
            .log
            .append_stamped(self.term, Command::Config(next), stamp);
        persist::save_entries(ctx.storage(), &self.log, index);
        self.dirty = true;
        // To the members so far; a new member gets its first probe at the
        // next heartbeat, whose ticks resend a lost one a heartbeat later
        // (a probe sent now, between ticks, would wait up to two).
        self.broadcast_append(ctx);
        self.refresh_config(ctx);
        self.advance_commit(ctx);
    }

    /// The next configuration from `current` towards `target` (item `step`),
    /// or `None` to wait (a learner catching up, a transfer started).
    fn next_config(
        &mut self,
        ctx: &mut Ctx<Self>,
        current: &Config,
        step: usize,
        target: &BTreeSet<NodeId>,
    ) -> Option<Config> {
        let mut next = current.clone();
        next.step = step as u32;
        if current.old.is_some() {
            // Joint consensus, second half: C_old,new is committed; C_new.
            next.old = None;
            return Some(next);
        }
        let adding: Vec<NodeId> = target.difference(&current.voters).copied().collect();
        let removing: Vec<NodeId> = current.voters.difference(target).copied().collect();
        // Every node to add joins as a learner first.
        if let Some(&new) = adding.iter().find(|n| !current.learners.contains(n)) {
            next.learners.insert(new);
            return Some(next);
        }
        let caught_up = |raft: &Raft, id: NodeId| {
            raft.progress.get(&id).is_some_and(|p| {
                p.matched.saturating_add(raft.params.catchup_entries) >= raft.log.last_index()
            })
        };
        if !adding.iter().all(|&n| caught_up(self, n)) {
            return None;
        }
        let draining = self.params.changes.get(step.wrapping_sub(1)).map(|c| c.op);
        if removing.contains(&self.id) && draining == Some(ChangeOp::Drain(self.id)) {
            let to = target
                .iter()
                .copied()
                .filter(|&id| id != self.id && current.voters.contains(&id))
                .max_by_key(|id| {
                    (
                        self.progress.get(id).map_or(0, |p| p.matched),
                        u32::MAX - id.0,
                    )
                });
            if let Some(to) = to {
                self.start_transfer(ctx, to);
                return None;
            }
        }
        match self.params.membership {
            Membership::Single => {
                if let Some(&new) = adding.first() {
                    next.learners.remove(&new);
                    next.voters.insert(new);
                } else if let Some(&gone) = removing.first() {
                    next.voters.remove(&gone);
                } else {
                    next.learners.clear();
                }
            }
            Membership::Joint => {
                if adding.is_empty() && removing.is_empty() {
                    next.learners.clear();
                } else {
                    next.old = Some(current.voters.clone());
                    next.voters = target.clone();
                    next.learners.retain(|n| !target.contains(n));
                }
            }
        }
        Some(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(ids: &[u32]) -> BTreeSet<NodeId> {
        ids.iter().copied().map(NodeId).collect()
    }

    fn config(voters: &[u32], old: Option<&[u32]>) -> Config {
        Config {
            voters: set(voters),
            old: old.map(set),
            ..Config::default()
        }
    }

    #[test]
    fn a_single_configuration_needs_a_majority_of_its_voters() {
        let c = config(&[0, 1, 2, 3], None);
        assert!(!c.quorum(|id| id.0 < 2), "2 of 4 is not a majority");
        assert!(c.quorum(|id| id.0 < 3));
        assert!(!c.quorum(|id| id.0 == 9), "non-voters never count");
        // Match indexes 9, 7, 5, 3: three of four hold 5.
        assert_eq!(c.quorum_index(|id| [9, 7, 5, 3][id.0 as usize]), 5);
        let five = config(&[0, 1, 2, 3, 4], None);
        assert_eq!(five.quorum_index(|id| u64::from(id.0) * 10), 20);
    }

    #[test]
    fn a_joint_configuration_needs_majorities_of_both_halves() {
        // Old {0,1,2}, new {2,3,4}.
        let c = config(&[2, 3, 4], Some(&[0, 1, 2]));
        assert!(!c.quorum(|id| [0, 1].contains(&id.0)), "old majority only");
        assert!(!c.quorum(|id| [3, 4].contains(&id.0)), "new majority only");
        assert!(c.quorum(|id| [1, 2, 3].contains(&id.0)));
        assert!(c.is_voter(NodeId(0)) && c.is_voter(NodeId(4)));
        // Old half holds 8, 8, 1 (majority-th: 8); new half 1, 6, 6 (6).
        let m = [8, 8, 1, 6, 6];
        assert_eq!(c.quorum_index(|id| m[id.0 as usize]), 6);
    }

    #[test]
    fn quorums_overlap_for_one_change_but_not_for_two() {
        let c0 = config(&[0, 1, 2], None);
        let add = config(&[0, 1, 2, 3], None);
        let add_two = config(&[0, 1, 2, 3, 4], None);
        let swap = config(&[1, 2, 3], None);
        assert!(c0.quorums_overlap(&add));
        assert!(add.quorums_overlap(&add_two));
        assert!(!c0.quorums_overlap(&add_two), "{{0,1}} and {{2,3,4}}");
        assert!(!c0.quorums_overlap(&swap), "{{0,1}} and {{2,3}}");
        // Joint consensus: C_old,new overlaps both C_old and C_new.
        let joint = config(&[1, 2, 3], Some(&[0, 1, 2]));
        assert!(joint.quorums_overlap(&c0) && joint.quorums_overlap(&swap));
    }

    #[test]
    fn changes_parse_and_report_the_item_at_fault() {
        let texts: Vec<String> = ["1s add 3", "2s replace 0 n4", "3s drain 1"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let changes = parse_changes(&texts, 5, 3).unwrap();
        assert_eq!(changes[1].op, ChangeOp::Replace(NodeId(0), NodeId(4)));
        assert_eq!(changes[2].at, SimTime::from_secs(3));
        let bad = |t: &str| parse_changes(&[t.to_string()], 5, 3).unwrap_err();
        assert!(
            bad("1s add 1").contains("already a voter"),
            "{}",
            bad("1s add 1")
        );
        assert!(bad("1s remove 4").contains("not a voter"));
        assert!(bad("1s add 7").contains("not below nodes = 5"));
        assert!(bad("soon add 3").contains("bad time"));
        assert!(bad("1s evict 3").contains("expected"));
    }

    #[test]
    fn the_log_finds_its_latest_configuration_as_a_full_scan_does() {
        let scan = |log: &Log, limit: u64| {
            (log.base_index() + 1..=limit.min(log.last_index()))
                .rev()
                .find(|&i| matches!(log.entry(i).map(|e| &e.command), Some(Command::Config(_))))
        };
        let check = |log: &Log| {
            for limit in 0..=log.last_index() + 1 {
                let found = latest_in_log(log, limit).map(|(i, _)| i);
                assert_eq!(found, scan(log, limit), "limit {limit} of {log:?}");
            }
        };
        // Configurations at 3 and 7 among no-ops, checked as the log grows.
        let mut log = Log::new();
        for i in 1..=10u64 {
            let command = if i == 3 || i == 7 {
                Command::Config(config(&[0, 1, 2, i as u32 % 5], None))
            } else {
                Command::Noop
            };
            log.append(1, command);
            check(&log);
        }
        // A truncation below the last configuration, then a new leader's
        // entries in its place; a merge that brings a configuration.
        log.truncate_after(6);
        check(&log);
        assert_eq!(latest_in_log(&log, 10).map(|(i, _)| i), Some(3));
        log.append(2, Command::Noop);
        log.append(3, Command::Config(config(&[1, 2, 3], None)));
        check(&log);
        let leader = log.clone();
        let mut follower = Log::new();
        let merged = follower.merge(0, leader.entries_from(1, 100));
        assert_eq!(merged.appended_from, Some(1));
        check(&follower);
        assert_eq!(follower, leader);
        // Compaction past the configurations: none is held above the base.
        log.compact(5);
        check(&log);
        log.compact(8);
        log.append(3, Command::Noop);
        check(&log);
        assert_eq!(latest_in_log(&log, 9), None);
    }
}
