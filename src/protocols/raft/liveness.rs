//! Raft's liveness checks, judged over **windows**, never at one instant.
//!
//! A check that looks at the last instant of a run cries wolf: under loss an
//! election may have started, or a commit may still be on its way, in the
//! last few hundred milliseconds although nothing is wrong. Every check here
//! instead gives the protocol a window `W` derived from its own timeouts:
//! `W` = [`TIMEOUTS_PER_WINDOW`] maximum election timeouts (3 s at the
//! default 150–300 ms) — time for several elections, each needing one
//! timeout plus a round trip, and for a leader's heartbeats to carry its
//! commit index everywhere.
//!
//! - `re-election` ([`Progress`]): after the leader crashes, or is cut off
//!   from a majority, while a majority of nodes is up and connected, some
//!   node becomes leader of a *higher* term within `W` of quiet time (a
//!   later fault restarts the window; it runs only while a majority is up
//!   and connected). A leader that comes back in its old term (a restart
//!   that resumes leading, a cut that heals) does not count, unless the
//!   cut healed before the window ran out and it still leads.
//! - `stable-leader`: once faults stopped (the settle phase, at `S`), the
//!   cluster never goes longer than `W` without a leader followed by a
//!   majority in its term — the first stretch starts at `S` — and the
//!   leader stays: at most one new leader per `W` of settle phase (plus the
//!   first). Loss may depose a leader now and then; a cluster that keeps
//!   re-electing (a candidate that never steps down) is not stable.
//! - `all-follow-leader`: once faults stopped, no live node goes longer than
//!   `W` without following the leader of the highest term (or being it).
//!   It also fails, at any time of the run, when a node stays in the term
//!   of a live leader that can reach it without following that leader for
//!   longer than the leader's heartbeat plus a half and the link's maximum
//!   latency ([`Hearing`]), while no message was lost anywhere and no fault
//!   happened: an honest node follows the leader of its term on the first
//!   AppendEntries it gets, so only a node that ignores its own term's
//!   leader (a candidate that never steps down) stays out of step that long.
//!   The rule is off for latency distributions without a maximum.
//! - `messages-delivered`: in the settle phase at least one node-to-node
//!   message per other node and per maximum election timeout is delivered —
//!   a leader's heartbeats alone deliver several (a leader that sends
//!   nothing is not leading).
//! - `acked-ops-applied` (in `checks.rs`): everything committed, and every
//!   operation acknowledged to a client, by `max(S, end - W)` is applied on
//!   every live node at the end.
//!
//! The tracking runs inside the `election-safety` monitor (O(nodes) per
//! step; connectivity is recomputed only when a fault, a crash or a restart
//! changed it); the checks read it at the end.

use super::checks::RaftLabNode;
use super::{is_leader, Params};
use crate::sim::{NodeId, Sim, SimTime};

/// The liveness window, in maximum election timeouts.
pub const TIMEOUTS_PER_WINDOW: u64 = 10;

/// The liveness window `W` of `params`: [`TIMEOUTS_PER_WINDOW`] maximum
/// election timeouts.
pub fn window(params: &Params) -> SimTime {
    SimTime(
        params
            .election_timeout
            .1
            .as_nanos()
            .saturating_mul(TIMEOUTS_PER_WINDOW),
    )
}

/// How `W` was derived, for explanations: `3.000s (10 × the maximum
/// election timeout, 300ms)`.
pub fn describe_window(window: SimTime) -> String {
    let timeout = SimTime(window.as_nanos() / TIMEOUTS_PER_WINDOW);
    format!("{window} ({TIMEOUTS_PER_WINDOW} × the maximum election timeout, {timeout})")
}

/// When a judgement at the end of the run is made: the run's end once it
/// got there, else now (a report on the run so far).
pub fn judged_at<N: RaftLabNode>(sim: &Sim<N>) -> SimTime {
    match sim.next_event_time() {
        Some(at) if at <= sim.end_time() => sim.now(),
        _ => sim.end_time().max(sim.now()),
    }
}

/// How a tracked leader was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Lost {
    Crashed,
    CutOff,
}

/// The leader the checks follow: the live leader of the highest term.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Tracked {
    id: NodeId,
    incarnation: u32,
    term: u64,
}

/// A lost leader waiting for a successor in a higher term.
#[derive(Clone, Debug, Hash)]
struct Episode {
    leader: Tracked,
    how: Lost,
    at: SimTime,
    /// Start of the current window: the loss or the last fault since,
    /// while a majority is up and connected (`None` while not).
    quiet_since: Option<SimTime>,
}

/// Connectivity as the checks need it, recomputed when it can have changed.
#[derive(Clone, Debug, Default, Hash)]
struct Connectivity {
    /// (faults applied, settling, which nodes are up) when last computed.
    key: Option<(usize, bool, Vec<bool>)>,
    /// Some majority of live nodes can all talk to each other, both ways.
    majority: bool,
    /// Per node: it cannot talk both ways with a majority (itself counted).
    cut_off: Vec<bool>,
}

impl Connectivity {
    /// Refresh; true when a fault (or the settle) happened since last time.
    fn refresh<N: RaftLabNode>(&mut self, sim: &Sim<N>) -> bool {
        let (faults, settling) = (sim.fault_log().len(), sim.is_settling());
        // Unchanged (most steps): compared in place, nothing allocated.
        if let Some((f, s, live)) = &self.key {
            let same_live = live.len() == sim.slots().len()
                && live
                    .iter()
                    .zip(sim.slots())
                    .all(|(&up, slot)| up == slot.state.is_some());
            if (*f, *s) == (faults, settling) && same_live {
                return false;
            }
        }
        let live: Vec<bool> = sim.slots().iter().map(|s| s.state.is_some()).collect();
        let key = (faults, settling, live);
        let fault = self
            .key
            .as_ref()
            .is_some_and(|(faults, settling, _)| (*faults, *settling) != (key.0, key.1));
        let live = &key.2;
        let net = sim.network();
        let mutual = |a: usize, b: usize| {
            let (a, b) = (NodeId(a as u32), NodeId(b as u32));
            net.connected(a, b) && net.connected(b, a)
        };
        let majority = live.len() / 2 + 1;
        self.cut_off = vec![true; live.len()];
        self.majority = false;
        for v in (0..live.len()).filter(|&v| live[v]) {
            let group: Vec<usize> = (0..live.len())
                .filter(|&u| live[u] && mutual(v, u))
                .collect();
            self.cut_off[v] = group.len() < majority;
            let clique = group
                .iter()
                .all(|&a| group.iter().all(|&b| a == b || mutual(a, b)));
            self.majority |= group.len() >= majority && clique;
        }
        self.key = Some(key);
        fault
    }
}

/// The leader of the highest term among live nodes.
fn top_leader<N: RaftLabNode>(sim: &Sim<N>) -> Option<Tracked> {
    sim.slots()
        .iter()
        .enumerate()
        .filter_map(|(i, slot)| {
            let n = slot.state.as_deref().filter(|n| is_leader(*n))?;
            Some(Tracked {
                id: NodeId(i as u32),
                incarnation: slot.incarnation,
                term: n.current_term(),
            })
        })
        .max_by_key(|t| (t.term, std::cmp::Reverse(t.id)))
}

/// A stretch of the settle phase: its start and length.
pub type Stretch = (SimTime, SimTime);

/// Memory of the liveness checks (kept inside the `election-safety`
/// monitor, so it is cloned with the world).
#[derive(Clone, Debug, Default, Hash)]
pub struct Progress {
    /// The window `W`.
    pub window: SimTime,
    conn: Connectivity,
    tracked: Option<Tracked>,
    open: Option<Episode>,
    /// The first re-election that did not happen in time.
    pub failure: Option<String>,
    /// Leaders lost and replaced in a higher term, and the slowest
    /// replacement.
    pub replaced: (u64, SimTime),
    /// When the settle phase began, and messages delivered by then.
    pub settled: Option<(SimTime, u64)>,
    unled_since: Option<SimTime>,
    longest_unled: Option<Stretch>,
    out_of_step_since: Vec<Option<SimTime>>,
    longest_out_of_step: Option<(Stretch, NodeId)>,
    /// Leaders (terms) seen in the settle phase, the last one's term.
    pub settle_leaders: (u64, u64),
    /// Nodes in their leader's term that do not follow it.
    pub hearing: Hearing,
}

impl Progress {
    /// Tracking with window `window`.
    pub fn new(window: SimTime) -> Self {
        Progress {
            window,
            ..Progress::default()
        }
    }

    /// Look at the world after a step.
    pub fn observe<N: RaftLabNode>(&mut self, sim: &Sim<N>) {
        let now = sim.now();
        let fault = self.conn.refresh(sim);
        let top = top_leader(sim);
        self.check_deadline(now);
        self.resolve(sim, top, now);
        if let Some(open) = &mut self.open {
            if !self.conn.majority {
                open.quiet_since = None;
            } else if fault || open.quiet_since.is_none() {
                open.quiet_since = Some(now);
            }
        }
        self.follow_leader(sim, top, now);
        self.hearing.observe(sim, fault, now);
        if sim.is_settling() {
            self.track_settle(sim, top, now);
        }
    }

    /// Feed this memory into an explored state's fingerprint with its times
    /// relative to `now` (the `election-safety` monitor's
    /// `fingerprint_relative`); `false` once the settle phase began (its
    /// stretches are measured from absolute times; an explored world never
    /// settles). Left out: what only explanations and metrics show (when a
    /// leader was lost, the slowest replacement, the failures' texts, of
    /// which only whether there is one matters), and the fault and loss
    /// counts last seen, which after every step equal the run's own counts
    /// (the next step compares them only to tell whether it added one).
    pub fn fingerprint_relative(
        &self,
        now: SimTime,
        h: &mut crate::base::hash::StableHasher,
    ) -> bool {
        use std::hash::Hash;
        if self.settled.is_some() {
            return false;
        }
        let ago = |t: SimTime| i128::from(now.as_nanos()) - i128::from(t.as_nanos());
        self.window.hash(h);
        let conn = &self.conn;
        let key = conn
            .key
            .as_ref()
            .map(|(_, settling, live)| (settling, live));
        (key, conn.majority, &conn.cut_off).hash(h);
        self.tracked.hash(h);
        // The deadline check fails an episode once `now - quiet_since`
        // exceeds the window: older is as old.
        let over = i128::from(self.window.as_nanos()) + 1;
        self.open
            .as_ref()
            .map(|o| (o.leader, o.how, o.quiet_since.map(|t| ago(t).min(over))))
            .hash(h);
        self.failure.is_some().hash(h);
        let hearing = &self.hearing;
        (hearing.heartbeat, hearing.failure.is_some()).hash(h);
        if hearing.failure.is_none() {
            // Out of step longer than the bound fails the rule: older is
            // as old; without a bound only that it is out of step counts.
            for open in &hearing.open {
                open.map(|u| {
                    let age = u
                        .bound
                        .map(|b| ago(u.since).min(i128::from(b.as_nanos()) + 1));
                    (u.key, age)
                })
                .hash(h);
            }
        }
        true
    }

    /// Close the open episode when a leader of a higher term exists, or the
    /// cut-off leader is back, still leading its term, within the window.
    fn resolve<N: RaftLabNode>(&mut self, sim: &Sim<N>, top: Option<Tracked>, now: SimTime) {
        let Some(open) = &self.open else {
            return;
        };
        let higher = top.is_some_and(|t| t.term > open.leader.term);
        let back = open.how == Lost::CutOff
            && !self.conn.cut_off[open.leader.id.index()]
            && sim.slots()[open.leader.id.index()].incarnation == open.leader.incarnation
            && sim
                .node(open.leader.id)
                .is_some_and(|n| is_leader(n) && n.current_term() == open.leader.term);
        if higher {
            self.replaced.0 += 1;
            self.replaced.1 = self.replaced.1.max(now - open.at);
        }
        if higher || back {
            self.open = None;
        }
    }

    /// Record a failure when the open episode's window ran out.
    fn check_deadline(&mut self, now: SimTime) {
        let Some(open) = &self.open else {
            return;
        };
        let Some(since) = open.quiet_since else {
            return;
        };
        if now > since.saturating_add(self.window) && self.failure.is_none() {
            self.failure = Some(self.explain(open, since));
            self.open = None;
        }
    }

    fn explain(&self, open: &Episode, since: SimTime) -> String {
        let how = match open.how {
            Lost::Crashed => "crashed",
            Lost::CutOff => "was cut off from the majority",
        };
        let term = open.leader.term;
        format!(
            "{}, leader of term {term}, {how} at {}; a majority was up and connected from {since} on \
             (the last fault), but no node became leader of a term above {term} within W = {}",
            open.leader.id,
            open.at,
            describe_window(self.window)
        )
    }

    /// The open episode's failure if its window has run out by `at`.
    pub fn overdue(&self, at: SimTime) -> Option<String> {
        let open = self.open.as_ref()?;
        let since = open.quiet_since?;
        (at > since.saturating_add(self.window)).then(|| self.explain(open, since))
    }

    /// Follow the top leader; open an episode when it crashes or is cut off.
    fn follow_leader<N: RaftLabNode>(&mut self, sim: &Sim<N>, top: Option<Tracked>, now: SimTime) {
        if let Some(t) = self.tracked {
            let slot = &sim.slots()[t.id.index()];
            let same = slot.incarnation == t.incarnation && slot.state.is_some();
            let leads = slot
                .state
                .as_deref()
                .is_some_and(|n| is_leader(n) && n.current_term() == t.term);
            let lost = if !same {
                Some(Lost::Crashed)
            } else if leads && self.conn.cut_off[t.id.index()] {
                Some(Lost::CutOff)
            } else {
                None
            };
            if let Some(how) = lost {
                self.tracked = None;
                if self.open.is_none() {
                    self.open = Some(Episode {
                        leader: t,
                        how,
                        at: now,
                        quiet_since: self.conn.majority.then_some(now),
                    });
                }
            } else if !leads {
                self.tracked = None; // stepped down: not a fault
            }
        }
        let Some(top) = top else {
            return;
        };
        let newer = self.tracked.is_none_or(|t| top.term > t.term);
        let waiting = self
            .open
            .as_ref()
            .is_some_and(|o| o.leader.term >= top.term);
        if newer && !waiting && !self.conn.cut_off[top.id.index()] {
            self.tracked = Some(top);
        }
    }

    /// Settle phase: stretches without a majority-followed leader, and each
    /// node's stretches without following the top leader.
    fn track_settle<N: RaftLabNode>(&mut self, sim: &Sim<N>, top: Option<Tracked>, now: SimTime) {
        if self.settled.is_none() {
            self.settled = Some((now, sim.counters().delivered));
            self.unled_since = Some(now);
            self.out_of_step_since = vec![Some(now); sim.node_count() as usize];
        }
        // With membership changes, a node outside the top leader's
        // configuration is not expected to follow it.
        let outside = |id: NodeId| {
            top.and_then(|t| sim.node(t.id))
                .is_some_and(|l| !l.in_config(id))
        };
        let in_step = |id: NodeId, n: &N| {
            top.is_some_and(|t| {
                id == t.id
                    || outside(id)
                    || (n.current_term() == t.term && n.leader() == Some(t.id))
            })
        };
        let mut followers = 0;
        for (i, slot) in sim.slots().iter().enumerate() {
            let id = NodeId(i as u32);
            let ok = slot.state.as_deref().is_some_and(|n| in_step(id, n));
            followers += usize::from(ok);
            let since = &mut self.out_of_step_since[i];
            match (ok, *since) {
                (true, Some(from)) => {
                    let stretch = (from, now - from);
                    if self
                        .longest_out_of_step
                        .is_none_or(|((_, l), _)| stretch.1 > l)
                    {
                        self.longest_out_of_step = Some((stretch, id));
                    }
                    *since = None;
                }
                (false, None) => *since = Some(now),
                _ => {}
            }
        }
        if let Some(t) = top.filter(|t| t.term > self.settle_leaders.1) {
            self.settle_leaders = (self.settle_leaders.0 + 1, t.term);
        }
        let led = followers > sim.node_count() as usize / 2;
        match (led, self.unled_since) {
            (true, Some(from)) => {
                let stretch = (from, now - from);
                if self.longest_unled.is_none_or(|(_, l)| stretch.1 > l) {
                    self.longest_unled = Some(stretch);
                }
                self.unled_since = None;
            }
            (false, None) => self.unled_since = Some(now),
            _ => {}
        }
    }

    /// The longest settle-phase stretch without a leader followed by a
    /// majority, counting one still going on at `at`.
    pub fn longest_unled(&self, at: SimTime) -> Option<Stretch> {
        let ongoing = self.unled_since.map(|from| (from, at - from));
        longer(self.longest_unled, ongoing)
    }

    /// The longest settle-phase stretch in which some node did not follow
    /// the top leader, counting ones still going on at `at`, with the node.
    pub fn longest_out_of_step(&self, at: SimTime) -> Option<(Stretch, NodeId)> {
        let mut best = self.longest_out_of_step;
        for (i, since) in self.out_of_step_since.iter().enumerate() {
            if let Some(from) = since {
                let stretch = (*from, at - *from);
                if best.is_none_or(|((_, l), _)| stretch.1 > l) {
                    best = Some((stretch, NodeId(i as u32)));
                }
            }
        }
        best
    }
}

fn longer(a: Option<Stretch>, b: Option<Stretch>) -> Option<Stretch> {
    match (a, b) {
        (Some(x), Some(y)) => Some(if y.1 > x.1 { y } else { x }),
        (x, y) => x.or(y),
    }
}

/// One node's stretch in its leader's term without following it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct Unfollowed {
    /// (node incarnation, term, leader, leader incarnation).
    key: (u32, u64, NodeId, u32),
    since: SimTime,
    /// The longest the node may stay out of step ([`Hearing::bound`]; the
    /// link's latency never changes during a run); `None`: the rule is off
    /// for this link.
    bound: Option<SimTime>,
}

/// The same-term rule of `all-follow-leader`: a live node in the term of a
/// live leader that can reach it follows that leader within
/// `heartbeat × 1.5 + the link's maximum latency`, unless a message was
/// lost or a fault happened in between (either restarts the stretch).
#[derive(Clone, Debug, Default, Hash)]
pub struct Hearing {
    /// The leaders' heartbeat interval (zero: the rule is off).
    pub heartbeat: SimTime,
    dropped: u64,
    open: Vec<Option<Unfollowed>>,
    /// The first node found out of step too long, explained.
    pub failure: Option<String>,
}

impl Hearing {
    /// The rule for leaders heartbeating every `heartbeat`.
    pub fn new(heartbeat: SimTime) -> Self {
        Hearing {
            heartbeat,
            ..Hearing::default()
        }
    }

    /// The longest an honest node of `leader`'s term stays out of step on
    /// the link `leader` → `node`, if the link's latency has a maximum.
    fn bound<N: RaftLabNode>(&self, sim: &Sim<N>, leader: NodeId, node: NodeId) -> Option<SimTime> {
        use crate::net::Latency;
        // As the link is now, `network` faults' changes included.
        let link = sim
            .network()
            .effective_link(leader, node, Some("AppendEntries"));
        let latency = match link.latency {
            Latency::Constant { value } => value,
            Latency::Uniform { max, .. } => max,
            _ => return None,
        };
        let beat = self.heartbeat.as_nanos();
        Some(SimTime(beat + beat / 2 + latency.as_nanos()))
    }

    /// Look at the world after a step (`fault`: one happened since the last).
    fn observe<N: RaftLabNode>(&mut self, sim: &Sim<N>, fault: bool, now: SimTime) {
        if self.heartbeat == SimTime::ZERO || self.failure.is_some() {
            return;
        }
        let dropped = sim.counters().dropped;
        if fault || dropped != self.dropped {
            self.dropped = dropped;
            self.open.clear();
        }
        self.open.resize(sim.node_count() as usize, None);
        for (i, slot) in sim.slots().iter().enumerate() {
            let id = NodeId(i as u32);
            let key = slot.state.as_deref().and_then(|n| {
                let (leader, leads) = leader_of(sim, n.current_term())?;
                // With membership changes, only the leader's members.
                let member = sim.node(leader).is_some_and(|l| l.in_config(id));
                let out = leader != id
                    && n.leader() != Some(leader)
                    && member
                    && sim.network().connected(leader, id);
                out.then_some((slot.incarnation, n.current_term(), leader, leads))
            });
            match (key, self.open[i]) {
                (None, _) => self.open[i] = None,
                (Some(key), Some(u)) if u.key == key => {
                    let Some(bound) = u.bound else {
                        continue;
                    };
                    if now.saturating_sub(u.since) > bound {
                        self.failure = Some(describe_unfollowed(sim, id, u, now, bound));
                        return;
                    }
                }
                (Some(key), _) => {
                    let bound = self.bound(sim, key.2, id);
                    self.open[i] = Some(Unfollowed {
                        key,
                        since: now,
                        bound,
                    });
                }
            }
        }
    }
}

/// The live leader of `term` and its incarnation, if any.
fn leader_of<N: RaftLabNode>(sim: &Sim<N>, term: u64) -> Option<(NodeId, u32)> {
    sim.slots().iter().enumerate().find_map(|(i, slot)| {
        let n = slot.state.as_deref()?;
        (is_leader(n) && n.current_term() == term).then_some((NodeId(i as u32), slot.incarnation))
    })
}

fn describe_unfollowed<N: RaftLabNode>(
    sim: &Sim<N>,
    id: NodeId,
    u: Unfollowed,
    now: SimTime,
    bound: SimTime,
) -> String {
    let (_, term, leader, _) = u.key;
    let role = sim.node(id).and_then(|n| n.role()).unwrap_or("node");
    format!(
        "{id} stayed a {role} of term {term} from {} to {now} while {leader}, leader of term {term}, \
         could reach it, without following {leader} (no message was lost and no fault happened \
         meanwhile); a node follows the leader of its term on its first AppendEntries — a \
         candidate steps down — which arrives within the heartbeat × 1.5 plus the link's \
         maximum latency, {bound}",
        u.since
    )
}
