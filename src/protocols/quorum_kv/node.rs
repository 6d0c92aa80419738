//! The store node: replica, coordinator, and (primary modes) primary.

use super::{merge, Bug, Conflict, Mode, Params, Ring, Session, Sibling};
use crate::check::history::Value;
use crate::protocols::clocks::VClock;
use crate::sim::{ClientId, Ctx, Node, NodeId, Reply, Request, TimerId};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Messages between nodes.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Coordinator → replica: send me your versions of `key`.
    Query {
        /// Coordinator's operation id.
        op: u64,
        /// The key.
        key: String,
    },
    /// Replica → coordinator: my versions (hints included).
    QueryReply {
        /// Operation id.
        op: u64,
        /// The replica's versions.
        state: Vec<Sibling>,
    },
    /// Coordinator → replica: store these versions (for `hint`, if a fallback).
    Store {
        /// Operation id.
        op: u64,
        /// The key.
        key: String,
        /// Versions to merge.
        state: Vec<Sibling>,
        /// The replica this is meant for, when sent to a fallback.
        hint: Option<NodeId>,
    },
    /// Replica → coordinator: stored (durably).
    StoreAck {
        /// Operation id.
        op: u64,
    },
    /// Read repair, asynchronous replication and anti-entropy: merge these.
    Sync {
        /// Keys and versions.
        keys: Vec<(String, Vec<Sibling>)>,
    },
    /// Fallback → replica: a hint handed off.
    Handoff {
        /// The key.
        key: String,
        /// The hinted versions.
        state: Vec<Sibling>,
    },
    /// Replica → fallback: the hint is stored; drop it.
    HandoffAck {
        /// The key.
        key: String,
        /// The versions received.
        state: Vec<Sibling>,
    },
    /// Coordinator → primary: order and replicate this write.
    Forward {
        /// Coordinator's operation id.
        op: u64,
        /// The key.
        key: String,
        /// The value.
        value: i64,
    },
    /// Primary → coordinator: the write is done, with its tag.
    ForwardAck {
        /// Operation id.
        op: u64,
        /// The tag the primary gave it.
        tag: (u64, u32),
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// An operation's deadline.
    Deadline(u64),
    /// `ap`: add fallback nodes to an operation.
    Sloppy(u64),
    /// Anti-entropy and hinted handoff.
    Sync,
    /// `primary-async`: push a key to the other replicas (after `lag`).
    Replicate(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Origin {
    Client(ClientId, u64),
    Remote(NodeId, u64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Phase {
    Query,
    Store,
    Forward,
}

#[derive(Clone, Debug)]
pub(super) struct Pending {
    pub(super) origin: Origin,
    pub(super) key: String,
    pub(super) write: Option<i64>,
    pub(super) phase: Phase,
    pub(super) need: usize,
    pub(super) asked: Vec<NodeId>,
    pub(super) replies: BTreeMap<NodeId, Vec<Sibling>>,
    pub(super) acks: BTreeSet<NodeId>,
    pub(super) raw: usize,
    pub(super) result: Vec<Sibling>,
    pub(super) retried: bool,
    pub(super) deadline: TimerId,
}

/// One store node.
#[derive(Clone, Debug)]
pub struct KvNode {
    params: Arc<Params>,
    ring: Arc<Ring>,
    id: NodeId,
    /// The versions this node holds as a replica.
    pub data: BTreeMap<String, Vec<Sibling>>,
    /// Hints held as a fallback: (intended replica, key) → versions.
    pub hints: BTreeMap<(NodeId, String), Vec<Sibling>>,
    pub(super) pending: BTreeMap<u64, Pending>,
    next_op: u64,
    pub(super) sessions: BTreeMap<(ClientId, String), (u64, u32)>,
    /// Most versions one key has held here.
    pub siblings_peak: usize,
    /// Reads this node coordinated that returned more than one version.
    pub sibling_reads: u64,
}

fn value_of(state: &[Sibling]) -> Value {
    match state {
        [] => Value::Nil,
        [one] => Value::Int(one.value),
        many => {
            let mut values: Vec<i64> = many.iter().map(|s| s.value).collect();
            values.sort_unstable();
            Value::List(values.into_iter().map(Value::Int).collect())
        }
    }
}

/// Ghost: a write's vector clock, kept durably by its writer for the
/// lost-update metric (never read by the protocol).
fn record_write(ctx: &mut Ctx<KvNode>, value: i64, clock: &VClock) {
    ctx.storage().put(&format!("w/{value}"), clock);
    ctx.storage().sync();
}

fn top_tag(state: &[Sibling]) -> (u64, u32) {
    state.iter().map(|s| s.tag).max().unwrap_or((0, 0))
}

impl KvNode {
    /// A fresh node.
    pub fn new(params: Arc<Params>, ring: Arc<Ring>, id: NodeId) -> Self {
        KvNode {
            params,
            ring,
            id,
            data: BTreeMap::new(),
            hints: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_op: 1,
            sessions: BTreeMap::new(),
            siblings_peak: 0,
            sibling_reads: 0,
        }
    }

    /// The replicas of `key` (the first `n` of its preference list).
    pub fn replicas(&self, key: &str) -> Vec<NodeId> {
        self.ring.replicas(key, self.params.n)
    }

    fn siblings(&self) -> bool {
        self.params.mode == Mode::Ap && self.params.conflict == Conflict::VectorClock
    }

    fn bug(&self, bug: Bug) -> bool {
        self.params.has(bug)
    }

    fn majority(&self) -> usize {
        self.params.n / 2 + 1
    }

    /// This node's versions of `key`, hints included.
    pub fn local_view(&self, key: &str) -> Vec<Sibling> {
        let mut out = self.data.get(key).cloned().unwrap_or_default();
        let siblings = self.siblings();
        for ((_, k), state) in &self.hints {
            if k == key {
                merge(&mut out, state, siblings);
            }
        }
        out
    }

    fn send(&mut self, ctx: &mut Ctx<Self>, to: NodeId, msg: Msg) {
        if to == self.id {
            self.on_message(ctx, to, msg);
        } else {
            ctx.send(to, msg);
        }
    }

    fn store_local(&mut self, ctx: &mut Ctx<Self>, key: &str, state: &[Sibling]) -> bool {
        let siblings = self.siblings();
        let mine = self.data.entry(key.to_string()).or_default();
        let changed = merge(mine, state, siblings);
        self.siblings_peak = self.siblings_peak.max(mine.len());
        if changed {
            ctx.storage().put(&format!("d/{key}"), &self.data[key]);
            ctx.storage().sync();
        }
        changed
    }

    fn store_hint(&mut self, ctx: &mut Ctx<Self>, target: NodeId, key: &str, state: &[Sibling]) {
        let siblings = self.siblings();
        let entry = self.hints.entry((target, key.to_string())).or_default();
        merge(entry, state, siblings);
        let all: Vec<(NodeId, String, Vec<Sibling>)> = self
            .hints
            .iter()
            .map(|((t, k), s)| (*t, k.clone(), s.clone()))
            .collect();
        ctx.storage().put("hints", &all);
        ctx.storage().sync();
    }

    fn new_op(
        &mut self,
        ctx: &mut Ctx<Self>,
        origin: Origin,
        key: &str,
        write: Option<i64>,
    ) -> u64 {
        let op = self.next_op;
        self.next_op += 1;
        let deadline = ctx.set_timer(self.params.deadline, Timer::Deadline(op));
        let pending = Pending {
            origin,
            key: key.to_string(),
            write,
            phase: Phase::Query,
            need: 1,
            asked: Vec::new(),
            replies: BTreeMap::new(),
            acks: BTreeSet::new(),
            raw: 0,
            result: Vec::new(),
            retried: false,
            deadline,
        };
        self.pending.insert(op, pending);
        op
    }

    /// Send `phase` of `op` to `targets`, needing `need` answers.
    fn fan_out(
        &mut self,
        ctx: &mut Ctx<Self>,
        op: u64,
        phase: Phase,
        targets: Vec<NodeId>,
        need: usize,
    ) {
        let Some(p) = self.pending.get_mut(&op) else {
            return;
        };
        p.phase = phase;
        p.need = need;
        p.asked = targets.clone();
        p.acks.clear();
        p.raw = 0;
        let key = p.key.clone();
        let state = p.result.clone();
        for to in targets {
            let msg = match phase {
                Phase::Query => Msg::Query {
                    op,
                    key: key.clone(),
                },
                _ => Msg::Store {
                    op,
                    key: key.clone(),
                    state: state.clone(),
                    hint: None,
                },
            };
            self.send(ctx, to, msg);
        }
    }

    fn start(&mut self, ctx: &mut Ctx<Self>, request: &Request) {
        let key = request.op.key.clone().unwrap_or_default();
        let write = match (request.op.f.as_str(), &request.op.value) {
            ("put", Value::Int(v)) => Some(*v),
            ("get", _) => None,
            (f, _) => {
                ctx.reply(request, Reply::Fail(format!("unknown operation {f:?}")));
                return;
            }
        };
        let origin = Origin::Client(request.client, request.id);
        let op = self.new_op(ctx, origin, &key, write);
        let replicas = self.replicas(&key);
        match (self.params.mode, write) {
            (Mode::Cp, _) => {
                let need = self.majority();
                self.fan_out(ctx, op, Phase::Query, replicas, need);
            }
            (Mode::Ap, None) => {
                ctx.set_timer(self.params.sloppy_after, Timer::Sloppy(op));
                let need = self.params.r;
                self.fan_out(ctx, op, Phase::Query, replicas, need);
            }
            (Mode::Ap, Some(value)) => {
                let sibling = self.ap_version(ctx, &key, value);
                self.pending.get_mut(&op).expect("just made").result = vec![sibling];
                ctx.set_timer(self.params.sloppy_after, Timer::Sloppy(op));
                let need = self.params.w;
                self.fan_out(ctx, op, Phase::Store, replicas, need);
            }
            (_, Some(value)) => {
                let p = self.pending.get_mut(&op).expect("just made");
                p.phase = Phase::Forward;
                let msg = Msg::Forward { op, key, value };
                self.send(ctx, replicas[0], msg);
            }
            (_, None) => {
                let target = replicas[ctx.rng().index(replicas.len())];
                self.fan_out(ctx, op, Phase::Query, vec![target], 1);
            }
        }
    }

    /// `ap`: a new version whose context is everything this node holds.
    fn ap_version(&mut self, ctx: &mut Ctx<Self>, key: &str, value: i64) -> Sibling {
        let mut clock = VClock::new(ctx.node_count());
        for s in self.local_view(key) {
            clock.merge(&s.clock);
        }
        // The node's own entry comes from a durable counter: a coordinator
        // that is not a replica does not hold its earlier versions, and two
        // versions with one clock would never merge.
        let counter: u64 = ctx.storage().get("counter").unwrap_or(0);
        let mine = clock.get(self.id).max(counter) + 1;
        clock.set(self.id, mine);
        ctx.storage().put("counter", &mine);
        record_write(ctx, value, &clock);
        Sibling {
            value,
            tag: (ctx.now().as_nanos(), self.id.0),
            clock,
        }
    }

    /// A reply (`state` for a query reply, `None` for an ack) to `op`.
    fn on_answer(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        op: u64,
        state: Option<Vec<Sibling>>,
    ) {
        let stale_quorum = self.bug(Bug::StaleQuorum);
        let Some(p) = self.pending.get_mut(&op) else {
            return;
        };
        let count = match (p.phase, state) {
            (Phase::Query, Some(s)) => {
                p.replies.insert(from, s);
                p.raw += 1;
                if stale_quorum {
                    p.raw
                } else {
                    p.replies.len()
                }
            }
            (Phase::Store, None) => {
                p.acks.insert(from);
                p.raw += 1;
                if stale_quorum {
                    p.raw
                } else {
                    p.acks.len()
                }
            }
            (Phase::Store, Some(_)) if stale_quorum => {
                p.raw += 1;
                p.raw
            }
            _ => return,
        };
        if count == p.need {
            match p.phase {
                Phase::Query => self.query_done(ctx, op),
                _ => self.store_done(ctx, op),
            }
        }
    }

    fn query_done(&mut self, ctx: &mut Ctx<Self>, op: u64) {
        let siblings = self.siblings();
        let Some(p) = self.pending.get(&op) else {
            return;
        };
        let mut merged = Vec::new();
        for state in p.replies.values() {
            merge(&mut merged, state, siblings);
        }
        let (key, write) = (p.key.clone(), p.write);
        let replies = p.replies.clone();
        let p = self.pending.get_mut(&op).expect("present");
        match (self.params.mode, write) {
            (Mode::Cp, Some(value)) => {
                let mut clock = VClock::new(ctx.node_count());
                merged.iter().for_each(|s| clock.merge(&s.clock));
                clock.increment(self.id);
                // Two writes from one coordinator may see the same highest
                // tag: the durable counter keeps this node's tags unique.
                let issued: u64 = ctx.storage().get("issued").unwrap_or(0);
                let seq = (top_tag(&merged).0 + 1).max(issued + 1);
                ctx.storage().put("issued", &seq);
                let tag = (seq, self.id.0);
                record_write(ctx, value, &clock);
                p.result = vec![Sibling { value, tag, clock }];
                let (replicas, need) = (self.replicas(&key), self.majority());
                self.fan_out(ctx, op, Phase::Store, replicas, need);
            }
            (Mode::Cp, None) => {
                p.result = merged.clone();
                if merged.is_empty() || self.bug(Bug::NoWriteBack) {
                    self.finish(ctx, op);
                } else {
                    let (replicas, need) = (self.replicas(&key), self.majority());
                    self.fan_out(ctx, op, Phase::Store, replicas, need);
                }
            }
            (Mode::Ap, _) => {
                p.result = merged.clone();
                if !self.bug(Bug::NoRepair) {
                    let stale: Vec<NodeId> = replies
                        .iter()
                        .filter(|(_, s)| **s != merged)
                        .map(|(n, _)| *n)
                        .collect();
                    for to in stale {
                        let keys = vec![(key.clone(), merged.clone())];
                        self.send(ctx, to, Msg::Sync { keys });
                    }
                }
                self.finish(ctx, op);
            }
            _ => {
                p.result = merged.clone();
                self.primary_read_done(ctx, op);
            }
        }
    }

    /// Primary modes: a replica answered a read; check the session floor.
    fn primary_read_done(&mut self, ctx: &mut Ctx<Self>, op: u64) {
        let Some(p) = self.pending.get(&op) else {
            return;
        };
        let floor = match p.origin {
            Origin::Client(c, _) => self.sessions.get(&(c, p.key.clone())).copied(),
            Origin::Remote(..) => None,
        };
        let below = floor.is_some_and(|f| top_tag(&p.result) < f);
        if below && !p.retried && self.params.session != Session::None {
            let primary = self.replicas(&p.key)[0];
            let p = self.pending.get_mut(&op).expect("present");
            p.retried = true;
            p.replies.clear();
            ctx.log(format!(
                "session floor not met; reading {} at the primary",
                p.key
            ));
            self.fan_out(ctx, op, Phase::Query, vec![primary], 1);
            return;
        }
        self.finish(ctx, op);
    }

    fn store_done(&mut self, ctx: &mut Ctx<Self>, op: u64) {
        self.finish(ctx, op);
    }

    /// Answer the operation's origin with its result and forget it.
    fn finish(&mut self, ctx: &mut Ctx<Self>, op: u64) {
        let Some(p) = self.pending.remove(&op) else {
            return;
        };
        ctx.cancel_timer(p.deadline);
        let tag = top_tag(&p.result);
        match p.origin {
            Origin::Client(client, id) => {
                let value = if p.write.is_some() {
                    Value::Nil
                } else {
                    if p.result.len() > 1 {
                        self.sibling_reads += 1;
                    }
                    value_of(&p.result)
                };
                let remember = p.write.is_some() || self.params.session == Session::MonotonicReads;
                if remember && self.params.session != Session::None {
                    let floor = self.sessions.entry((client, p.key.clone())).or_default();
                    *floor = (*floor).max(tag);
                }
                ctx.reply_to(client, id, Reply::Ok(value));
            }
            Origin::Remote(to, their_op) => {
                self.send(ctx, to, Msg::ForwardAck { op: their_op, tag });
            }
        }
    }

    /// The primary orders a write, stores it, and replicates it.
    fn primary_write(&mut self, ctx: &mut Ctx<Self>, origin: Origin, key: &str, value: i64) {
        let mine = self.data.get(key).cloned().unwrap_or_default();
        let mut clock = VClock::new(ctx.node_count());
        mine.iter().for_each(|s| clock.merge(&s.clock));
        clock.increment(self.id);
        record_write(ctx, value, &clock);
        let sibling = Sibling {
            value,
            tag: (top_tag(&mine).0 + 1, self.id.0),
            clock,
        };
        let state = vec![sibling];
        self.store_local(ctx, key, &state);
        let others: Vec<NodeId> = self
            .replicas(key)
            .into_iter()
            .filter(|&n| n != self.id)
            .collect();
        let op = self.new_op(ctx, origin, key, Some(value));
        self.pending.get_mut(&op).expect("just made").result = state.clone();
        if self.params.mode == Mode::PrimarySync && !others.is_empty() {
            let need = others.len();
            self.fan_out(ctx, op, Phase::Store, others, need);
        } else {
            ctx.set_timer(self.params.lag, Timer::Replicate(key.to_string()));
            self.finish(ctx, op);
        }
    }
}

impl KvNode {
    /// `ap`: the operation still lacks a quorum; add fallback nodes.
    fn sloppy(&mut self, ctx: &mut Ctx<Self>, op: u64) {
        let Some(p) = self.pending.get(&op) else {
            return;
        };
        let preference = self.ring.preference(&p.key);
        let fallbacks: Vec<NodeId> = preference.iter().skip(self.params.n).copied().collect();
        let key = p.key.clone();
        match p.phase {
            Phase::Query => {
                for to in fallbacks {
                    self.send(
                        ctx,
                        to,
                        Msg::Query {
                            op,
                            key: key.clone(),
                        },
                    );
                }
            }
            _ => {
                let missing: Vec<NodeId> = p
                    .asked
                    .iter()
                    .filter(|n| !p.acks.contains(n))
                    .copied()
                    .collect();
                let state = p.result.clone();
                for (target, to) in missing.into_iter().zip(fallbacks) {
                    let hint = Some(target);
                    let msg = Msg::Store {
                        op,
                        key: key.clone(),
                        state: state.clone(),
                        hint,
                    };
                    self.send(ctx, to, msg);
                }
            }
        }
    }

    fn deadline(&mut self, ctx: &mut Ctx<Self>, op: u64) {
        let Some(p) = self.pending.get(&op) else {
            return;
        };
        // A write past its query phase may have been stored: leave the
        // client to time out (indeterminate) rather than claim it failed.
        let maybe_applied = p.write.is_some() && p.phase != Phase::Query;
        let p = self.pending.remove(&op).expect("present");
        if let (Origin::Client(client, id), false) = (p.origin, maybe_applied) {
            let why = format!("no quorum for {} within {}", p.key, self.params.deadline);
            ctx.reply_to(client, id, Reply::Fail(why));
        }
    }

    fn sync_round(&mut self, ctx: &mut Ctx<Self>) {
        if !self.bug(Bug::NoRepair) && self.params.mode != Mode::Cp {
            let peers: Vec<NodeId> = ctx.peers().collect();
            if !peers.is_empty() {
                let to = peers[ctx.rng().index(peers.len())];
                let keys: Vec<(String, Vec<Sibling>)> = self
                    .data
                    .iter()
                    .filter(|(k, _)| self.replicas(k).contains(&to))
                    .map(|(k, s)| (k.clone(), s.clone()))
                    .collect();
                if !keys.is_empty() {
                    ctx.send(to, Msg::Sync { keys });
                }
            }
        }
        if !self.bug(Bug::NoHandoff) {
            let hints: Vec<((NodeId, String), Vec<Sibling>)> = self
                .hints
                .iter()
                .map(|(k, s)| (k.clone(), s.clone()))
                .collect();
            for ((to, key), state) in hints {
                ctx.send(to, Msg::Handoff { key, state });
            }
        }
        ctx.set_timer(self.params.sync, Timer::Sync);
    }

    fn replica_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Query { op, key } => {
                let state = self.local_view(&key);
                self.send(ctx, from, Msg::QueryReply { op, state });
            }
            Msg::Store {
                op,
                key,
                state,
                hint,
            } => {
                match hint {
                    Some(target) if target != self.id => self.store_hint(ctx, target, &key, &state),
                    _ => {
                        self.store_local(ctx, &key, &state);
                    }
                }
                self.send(ctx, from, Msg::StoreAck { op });
            }
            Msg::Sync { keys } => {
                for (key, state) in keys {
                    self.store_local(ctx, &key, &state);
                }
            }
            Msg::Handoff { key, state } => {
                self.store_local(ctx, &key, &state);
                self.send(ctx, from, Msg::HandoffAck { key, state });
            }
            Msg::HandoffAck { key, state } => {
                let k = (from, key);
                if self.hints.get(&k) == Some(&state) {
                    self.hints.remove(&k);
                    let all: Vec<(NodeId, String, Vec<Sibling>)> = self
                        .hints
                        .iter()
                        .map(|((t, k), s)| (*t, k.clone(), s.clone()))
                        .collect();
                    ctx.storage().put("hints", &all);
                    ctx.storage().sync();
                }
            }
            Msg::Forward { op, key, value } => {
                self.primary_write(ctx, Origin::Remote(from, op), &key, value);
            }
            Msg::QueryReply { .. } | Msg::StoreAck { .. } | Msg::ForwardAck { .. } => {}
        }
    }
}

impl Node for KvNode {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        for k in ctx.storage().keys() {
            if let Some(key) = k.strip_prefix("d/") {
                if let Some(state) = ctx.storage().get::<Vec<Sibling>>(&k) {
                    self.data.insert(key.to_string(), state);
                }
            }
        }
        let hints: Vec<(NodeId, String, Vec<Sibling>)> =
            ctx.storage().get("hints").unwrap_or_default();
        for (t, k, s) in hints {
            self.hints.insert((t, k), s);
        }
        // Operation ids carry the incarnation, so a late reply to an
        // operation from before a crash never matches a new one.
        let boot: u64 = ctx.storage().get::<u64>("boot").unwrap_or(0) + 1;
        ctx.storage().put("boot", &boot);
        ctx.storage().sync();
        self.next_op = boot << 32;
        let first = ctx.rng().below(self.params.sync.as_nanos().max(1));
        ctx.set_timer(crate::sim::SimTime(first), Timer::Sync);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::QueryReply { op, state } => self.on_answer(ctx, from, op, Some(state)),
            Msg::StoreAck { op } => self.on_answer(ctx, from, op, None),
            Msg::ForwardAck { op, tag } => {
                if let Some(p) = self.pending.get_mut(&op) {
                    let value = p.write.unwrap_or_default();
                    p.result = vec![Sibling {
                        value,
                        tag,
                        clock: VClock::default(),
                    }];
                    self.finish(ctx, op);
                }
            }
            other => self.replica_message(ctx, from, other),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Deadline(op) => self.deadline(ctx, op),
            Timer::Sloppy(op) => self.sloppy(ctx, op),
            Timer::Sync => self.sync_round(ctx),
            Timer::Replicate(key) => {
                let state = self.data.get(&key).cloned().unwrap_or_default();
                for to in self.replicas(&key).into_iter().filter(|&n| n != self.id) {
                    let keys = vec![(key.clone(), state.clone())];
                    ctx.send(to, Msg::Sync { keys });
                }
            }
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        self.start(ctx, &request);
    }

    /// The replica's keys with their siblings, the hints it holds for
    /// others, the operations it coordinates; parameters folded.
    /// A replica's versions (value@tag, with vector clocks in `ap`) and
    /// hints, then the operations it coordinates: phase, quorum needed,
    /// replies and acks so far (`inspect.rs`).
    fn inspect(&self) -> crate::sim::View {
        self.view().params(&*self.params)
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        super::inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        super::inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        format!(
            "{} keys, {} hints, {} open ops",
            self.data.len(),
            self.hints.len(),
            self.pending.len()
        )
    }
}
