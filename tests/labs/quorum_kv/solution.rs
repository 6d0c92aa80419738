// SOLUTION FILE: lab 09's skeleton with every todo!() filled in, a test
// SOLUTION FILE: fixture (tests/labs/quorum_kv.rs grades it). The skeleton,
// SOLUTION FILE: labs/09-quorum-kv/src/lib.rs, is this file with these
// SOLUTION FILE: lines dropped and each `// SOLUTION:` ... `// END` block cut
// SOLUTION FILE: to its comment and a todo!(); regenerate it with
// SOLUTION FILE: DISTLAB_BLESS=1 cargo test --test labs_05_10 quorum_kv::the_skeleton
//! Lab 09: quorum KV — your `cp` (ABD) and `ap` (sloppy quorum) store.
//!
//! Read `labs/09-quorum-kv/README.md` first: it explains both modes, the
//! rules numbered R1..R9 that the comments below refer to, and the parts.
//!
//! Everything except the protocol's logic is given: the message and timer
//! types (shared with the reference, `distlab::protocols::quorum_kv`),
//! placement on the consistent-hashing ring, merging versions, persisting
//! data and hints, creating an `ap` version with its vector clock, the
//! operation table, fanning a phase out, and answering the client. Fill in
//! every `todo!()`; each says what goes there.
//!
//! Run your code: `cargo run --release -p lab-09-quorum-kv -- tui labs/09-quorum-kv/scenarios/cp-basic.toml`.
//! Grade it: `cargo run --release -- lab check 09`.

// The `todo!()`s leave parameters and helpers unused until you fill them in.
#![allow(unused_variables, unused_mut, dead_code, unreachable_code)]

use distlab::check::history::Value;
use distlab::labs::quorum_kv::QuorumLabNode;
use distlab::protocols::clocks::VClock;
use distlab::protocols::quorum_kv::{merge, Conflict, Mode, Msg, Params, Ring, Sibling, Timer};
use distlab::sim::{ClientId, Ctx, Node, NodeId, Reply, Request, TimerId};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Which round trip an operation is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Asking replicas for their versions (`Msg::Query` → `Msg::QueryReply`).
    Query,
    /// Storing versions at replicas (`Msg::Store` → `Msg::StoreAck`).
    Store,
}

/// An operation this node coordinates.
#[derive(Clone, Debug)]
struct Pending {
    /// The client and its request id, to answer with `ctx.reply_to`.
    client: ClientId,
    request: u64,
    /// The key.
    key: String,
    /// The value of a put; `None` for a get.
    write: Option<i64>,
    /// The current phase (set by `fan_out`).
    phase: Phase,
    /// Answers the current phase needs (set by `fan_out`).
    need: usize,
    /// Nodes the current phase was sent to (set by `fan_out`).
    asked: Vec<NodeId>,
    /// Query replies by sender (the query phase).
    replies: BTreeMap<NodeId, Vec<Sibling>>,
    /// Store acks by sender (the store phase; cleared by `fan_out`).
    acks: BTreeSet<NodeId>,
    /// What the store phase stores, and what a read returns.
    result: Vec<Sibling>,
    /// The deadline timer, to cancel when the operation finishes.
    deadline: TimerId,
}

/// One store node: replica, fallback and coordinator.
#[derive(Clone, Debug)]
pub struct QuorumKv {
    params: Arc<Params>,
    ring: Arc<Ring>,
    id: NodeId,
    /// Versions held as a replica (`d/<key>` in storage).
    data: BTreeMap<String, Vec<Sibling>>,
    /// Hints held as a fallback: (intended replica, key) → versions
    /// (`hints` in storage).
    hints: BTreeMap<(NodeId, String), Vec<Sibling>>,
    /// Operations this node coordinates.
    pending: BTreeMap<u64, Pending>,
    /// Next operation id.
    next_op: u64,
    /// Reads that returned more than one version (a metric).
    sibling_reads: u64,
}

// ---------------------------------------------------------------------------
// Given: placement, versions, storage, operations
// ---------------------------------------------------------------------------

/// A client's view of some versions: nil, one value, or the sorted list of
/// sibling values.
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

/// The highest tag among `state` (`(0, 0)` if empty).
fn top_tag(state: &[Sibling]) -> (u64, u32) {
    state.iter().map(|s| s.tag).max().unwrap_or((0, 0))
}

/// Ghost record the grader reads (`w/<value>`): the vector clock of every
/// version this node creates. Call it whenever you create a version.
fn record_write(ctx: &mut Ctx<QuorumKv>, value: i64, clock: &VClock) {
    ctx.storage().put(&format!("w/{value}"), clock);
    ctx.storage().sync();
}

impl QuorumKv {
    /// The replicas of `key`: the first `n` nodes of its preference list.
    fn replicas(&self, key: &str) -> Vec<NodeId> {
        self.ring.replicas(key, self.params.n)
    }

    /// The nodes after the replicas in `key`'s preference list (sloppy
    /// quorum fallbacks, in order).
    fn fallbacks(&self, key: &str) -> Vec<NodeId> {
        self.ring
            .preference(key)
            .into_iter()
            .skip(self.params.n.max(1))
            .collect()
    }

    /// A majority of the `n` replicas.
    fn majority(&self) -> usize {
        self.params.n / 2 + 1
    }

    /// True when concurrent versions are kept side by side (`ap` with
    /// vector clocks); pass it to `merge`.
    fn siblings(&self) -> bool {
        self.params.mode == Mode::Ap && self.params.conflict == Conflict::VectorClock
    }

    /// This node's versions of `key`, hints included.
    fn local_view(&self, key: &str) -> Vec<Sibling> {
        let mut out = self.data.get(key).cloned().unwrap_or_default();
        let siblings = self.siblings();
        for ((_, k), state) in &self.hints {
            if k == key {
                merge(&mut out, state, siblings);
            }
        }
        out
    }

    /// Send `msg` to `to`, handling it at once if `to` is this node.
    fn send(&mut self, ctx: &mut Ctx<Self>, to: NodeId, msg: Msg) {
        if to == self.id {
            self.on_message(ctx, to, msg);
        } else {
            ctx.send(to, msg);
        }
    }

    /// Merge `state` into this replica's versions of `key`, durably. True if
    /// they changed.
    fn store_local(&mut self, ctx: &mut Ctx<Self>, key: &str, state: &[Sibling]) -> bool {
        let siblings = self.siblings();
        let mine = self.data.entry(key.to_string()).or_default();
        let changed = merge(mine, state, siblings);
        if changed {
            ctx.storage().put(&format!("d/{key}"), &self.data[key]);
            ctx.storage().sync();
        }
        changed
    }

    /// Write every hint to storage (call after changing `self.hints`).
    fn save_hints(&self, ctx: &mut Ctx<Self>) {
        let all: Vec<(NodeId, String, Vec<Sibling>)> = self
            .hints
            .iter()
            .map(|((t, k), s)| (*t, k.clone(), s.clone()))
            .collect();
        ctx.storage().put("hints", &all);
        ctx.storage().sync();
    }

    /// Merge `state` into the hint for `target`'s `key`, durably.
    fn store_hint(&mut self, ctx: &mut Ctx<Self>, target: NodeId, key: &str, state: &[Sibling]) {
        let siblings = self.siblings();
        let entry = self.hints.entry((target, key.to_string())).or_default();
        merge(entry, state, siblings);
        self.save_hints(ctx);
    }

    /// `ap`: a new version of `key` holding `value`, whose vector clock
    /// follows every version this node holds (recorded for the grader).
    fn ap_version(&mut self, ctx: &mut Ctx<Self>, key: &str, value: i64) -> Sibling {
        let mut clock = VClock::new(ctx.node_count());
        for s in self.local_view(key) {
            clock.merge(&s.clock);
        }
        // A durable counter: two versions from this node never share a clock.
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

    /// Register a new operation with its deadline timer; returns its id.
    fn new_op(&mut self, ctx: &mut Ctx<Self>, request: &Request, write: Option<i64>) -> u64 {
        let op = self.next_op;
        self.next_op += 1;
        let deadline = ctx.set_timer(self.params.deadline, Timer::Deadline(op));
        let key = request.op.key.clone().unwrap_or_default();
        self.pending.insert(
            op,
            Pending {
                client: request.client,
                request: request.id,
                key,
                write,
                phase: Phase::Query,
                need: 1,
                asked: Vec::new(),
                replies: BTreeMap::new(),
                acks: BTreeSet::new(),
                result: Vec::new(),
                deadline,
            },
        );
        op
    }

    /// Start `phase` of `op`: remember the phase, what it needs and whom it
    /// asked, forget the acks of an earlier store phase, and send
    /// `Msg::Query` (query) or `Msg::Store` of `result` (store) to `targets`.
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
        let key = p.key.clone();
        let state = p.result.clone();
        for to in targets {
            let msg = match phase {
                Phase::Query => Msg::Query {
                    op,
                    key: key.clone(),
                },
                Phase::Store => Msg::Store {
                    op,
                    key: key.clone(),
                    state: state.clone(),
                    hint: None,
                },
            };
            self.send(ctx, to, msg);
        }
    }

    /// Answer the client of `op` (a put with nil, a get with `result`),
    /// cancel its deadline and forget it.
    fn finish(&mut self, ctx: &mut Ctx<Self>, op: u64) {
        let Some(p) = self.pending.remove(&op) else {
            return;
        };
        ctx.cancel_timer(p.deadline);
        let value = if p.write.is_some() {
            Value::Nil
        } else {
            if p.result.len() > 1 {
                self.sibling_reads += 1;
            }
            value_of(&p.result)
        };
        ctx.reply_to(p.client, p.request, Reply::Ok(value));
    }
}

// ---------------------------------------------------------------------------
// Your part: the coordinator
// ---------------------------------------------------------------------------

impl QuorumKv {
    /// A client request: a `put` (value `Value::Int`) or a `get` of
    /// `request.op.key`.
    fn start(&mut self, ctx: &mut Ctx<Self>, request: &Request) {
        let write = match (request.op.f.as_str(), &request.op.value) {
            ("put", Value::Int(v)) => Some(*v),
            ("get", _) => None,
            (f, _) => {
                ctx.reply(request, Reply::Fail(format!("unknown operation {f:?}")));
                return;
            }
        };
        let op = self.new_op(ctx, request, write);
        let key = request.op.key.clone().unwrap_or_default();
        let replicas = self.replicas(&key);
        if self.params.mode == Mode::Ap {
            self.start_ap(ctx, op, &key, write, replicas);
            return;
        }
        // SOLUTION: R1: cp: start the query phase at the replicas, needing a majority (reads and writes alike)
        let need = self.majority();
        self.fan_out(ctx, op, Phase::Query, replicas, need);
        // END
    }

    /// `ap` (part C): start operation `op` on `key` (a put of `write`, or a
    /// get) at its `replicas`.
    fn start_ap(
        &mut self,
        ctx: &mut Ctx<Self>,
        op: u64,
        key: &str,
        write: Option<i64>,
        replicas: Vec<NodeId>,
    ) {
        // SOLUTION: R6: set a `Timer::Sloppy(op)` of `params.sloppy_after`, then a get queries the replicas needing `params.r`, a put stores `vec![self.ap_version(..)]` (put it in `result` first) needing `params.w`
        ctx.set_timer(self.params.sloppy_after, Timer::Sloppy(op));
        match write {
            None => {
                let need = self.params.r;
                self.fan_out(ctx, op, Phase::Query, replicas, need);
            }
            Some(value) => {
                let version = self.ap_version(ctx, key, value);
                if let Some(p) = self.pending.get_mut(&op) {
                    p.result = vec![version];
                }
                let need = self.params.w;
                self.fan_out(ctx, op, Phase::Store, replicas, need);
            }
        }
        // END
    }

    /// A reply to `op` from `from`: a query reply (`Some(state)`) or a store
    /// ack (`None`).
    fn on_answer(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        op: u64,
        state: Option<Vec<Sibling>>,
    ) {
        let Some(p) = self.pending.get_mut(&op) else {
            return;
        };
        // SOLUTION: R2: count a quorum by distinct senders, per phase: a query reply counts only in the query phase (keep it in `replies`), an ack only in the store phase (`acks`); anything else is stale and ignored. When the count reaches `need` (exactly once), call `query_done` or `finish`
        let count = match (p.phase, state) {
            (Phase::Query, Some(s)) => {
                p.replies.insert(from, s);
                p.replies.len()
            }
            (Phase::Store, None) => {
                p.acks.insert(from);
                p.acks.len()
            }
            _ => return,
        };
        if count == p.need {
            match p.phase {
                Phase::Query => self.query_done(ctx, op),
                Phase::Store => self.finish(ctx, op),
            }
        }
        // END
    }

    /// The query phase of `op` has its quorum (`replies`).
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
        match (self.params.mode, write) {
            (Mode::Cp, Some(value)) => {
                // SOLUTION: R3: tag the write `(seq, self.id.0)` with seq one above the highest tag seen and above every seq this node issued before (keep that durably under "issued"); make its `VClock` (merge the seen clocks, increment your entry) and `record_write` it; then store `vec![that version]` at the replicas, needing a majority
                let mut clock = VClock::new(ctx.node_count());
                merged.iter().for_each(|s| clock.merge(&s.clock));
                clock.increment(self.id);
                let issued: u64 = ctx.storage().get("issued").unwrap_or(0);
                let seq = (top_tag(&merged).0 + 1).max(issued + 1);
                ctx.storage().put("issued", &seq);
                record_write(ctx, value, &clock);
                let version = Sibling {
                    value,
                    tag: (seq, self.id.0),
                    clock,
                };
                if let Some(p) = self.pending.get_mut(&op) {
                    p.result = vec![version];
                }
                let (replicas, need) = (self.replicas(&key), self.majority());
                self.fan_out(ctx, op, Phase::Store, replicas, need);
                // END
            }
            (Mode::Cp, None) => {
                // SOLUTION: R4: the read's result is the newest version seen; if there is one, write it back (store phase at the replicas, needing a majority) before answering; a key nobody holds is answered at once
                let empty = merged.is_empty();
                if let Some(p) = self.pending.get_mut(&op) {
                    p.result = merged;
                }
                if empty {
                    self.finish(ctx, op);
                } else {
                    let (replicas, need) = (self.replicas(&key), self.majority());
                    self.fan_out(ctx, op, Phase::Store, replicas, need);
                }
                // END
            }
            _ => {
                // SOLUTION: R7: answer with the merged versions; read repair: send `Msg::Sync` with the merged versions to every node whose reply differed from them
                let stale: Vec<NodeId> = self
                    .pending
                    .get(&op)
                    .map(|p| {
                        p.replies
                            .iter()
                            .filter(|(_, s)| **s != merged)
                            .map(|(n, _)| *n)
                            .collect()
                    })
                    .unwrap_or_default();
                for to in stale {
                    let keys = vec![(key.clone(), merged.clone())];
                    self.send(ctx, to, Msg::Sync { keys });
                }
                if let Some(p) = self.pending.get_mut(&op) {
                    p.result = merged;
                }
                self.finish(ctx, op);
                // END
            }
        }
    }

    /// `ap`: `Timer::Sloppy(op)` fired; the operation may still lack its
    /// quorum.
    fn sloppy(&mut self, ctx: &mut Ctx<Self>, op: u64) {
        let Some(p) = self.pending.get(&op) else {
            return;
        };
        let fallbacks = self.fallbacks(&p.key);
        // SOLUTION: R6: a get also queries every fallback; a put sends its `Msg::Store` (same op, `result`) to one fallback per replica that has not acked yet, in order, with `hint: Some(that replica)`
        let key = p.key.clone();
        match p.phase {
            Phase::Query => {
                for to in fallbacks {
                    let msg = Msg::Query {
                        op,
                        key: key.clone(),
                    };
                    self.send(ctx, to, msg);
                }
            }
            Phase::Store => {
                let missing: Vec<NodeId> = p
                    .asked
                    .iter()
                    .filter(|n| !p.acks.contains(n))
                    .copied()
                    .collect();
                let state = p.result.clone();
                for (target, to) in missing.into_iter().zip(fallbacks) {
                    let msg = Msg::Store {
                        op,
                        key: key.clone(),
                        state: state.clone(),
                        hint: Some(target),
                    };
                    self.send(ctx, to, msg);
                }
            }
        }
        // END
    }

    /// `Timer::Deadline(op)`: the operation did not get its quorum in time.
    fn deadline(&mut self, ctx: &mut Ctx<Self>, op: u64) {
        let Some(p) = self.pending.remove(&op) else {
            return;
        };
        // SOLUTION: R5: a get, or a put still in its query phase, fails (`Reply::Fail` to the client, saying why); a put in its store phase may already be stored somewhere: leave it unanswered (the client times out)
        if p.write.is_none() || p.phase == Phase::Query {
            let why = format!("no quorum for {} within {}", p.key, self.params.deadline);
            ctx.reply_to(p.client, p.request, Reply::Fail(why));
        }
        // END
    }
}

// ---------------------------------------------------------------------------
// Your part: the replica and the background work
// ---------------------------------------------------------------------------

impl QuorumKv {
    /// A message to this node as a replica or a fallback.
    fn replica_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Query { op, key } => {
                // SOLUTION: R1: answer with every version you hold of `key`, hints included
                let state = self.local_view(&key);
                self.send(ctx, from, Msg::QueryReply { op, state });
                // END
            }
            Msg::Store {
                op,
                key,
                state,
                hint,
            } => {
                match hint {
                    Some(target) if target != self.id => {
                        // SOLUTION: R6: a store with a hint for another node: merge the versions into that hint, durably (`store_hint`), then ack
                        self.store_hint(ctx, target, &key, &state);
                        self.send(ctx, from, Msg::StoreAck { op });
                        // END
                    }
                    _ => {
                        // SOLUTION: R1: merge the versions into your data, durably (`store_local`), then ack
                        self.store_local(ctx, &key, &state);
                        self.send(ctx, from, Msg::StoreAck { op });
                        // END
                    }
                }
            }
            Msg::Sync { keys } => {
                // SOLUTION: R7: merge every key's versions into your data
                for (key, state) in keys {
                    self.store_local(ctx, &key, &state);
                }
                // END
            }
            Msg::Handoff { key, state } => {
                // SOLUTION: R8: merge the hinted versions into your data, then acknowledge with `Msg::HandoffAck` carrying the same key and versions
                self.store_local(ctx, &key, &state);
                self.send(ctx, from, Msg::HandoffAck { key, state });
                // END
            }
            Msg::HandoffAck { key, state } => {
                // SOLUTION: R8: drop your hint of `key` for `from`, durably, but only if it still holds exactly the acknowledged versions (a newer write may have joined it since)
                let k = (from, key);
                if self.hints.get(&k) == Some(&state) {
                    self.hints.remove(&k);
                    self.save_hints(ctx);
                }
                // END
            }
            Msg::Forward { .. } | Msg::ForwardAck { .. } => {} // primary modes: not in this lab
            Msg::QueryReply { .. } | Msg::StoreAck { .. } => {}
        }
    }

    /// `Timer::Sync`: background work, every `params.sync`.
    fn sync_round(&mut self, ctx: &mut Ctx<Self>) {
        // SOLUTION: R9, R8: anti-entropy: pick a random peer (`ctx.peers()`, `ctx.rng().index(..)`) and send it, in one `Msg::Sync`, every key of your data it is also a replica of; R8: send every hint to its replica as a `Msg::Handoff` (keep it until acknowledged); then set the timer again
        if self.params.mode == Mode::Ap {
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
        let hints: Vec<((NodeId, String), Vec<Sibling>)> = self
            .hints
            .iter()
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect();
        for ((to, key), state) in hints {
            ctx.send(to, Msg::Handoff { key, state });
        }
        ctx.set_timer(self.params.sync, Timer::Sync);
        // END
    }
}

// ---------------------------------------------------------------------------
// Given: the node
// ---------------------------------------------------------------------------

impl Node for QuorumKv {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        // Reload the data and the hints.
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
        // Background work (handoff, anti-entropy: part C) runs in ap only.
        if self.params.mode == Mode::Ap {
            let first = ctx.rng().below(self.params.sync.as_nanos().max(1));
            ctx.set_timer(distlab::sim::SimTime(first), Timer::Sync);
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::QueryReply { op, state } => self.on_answer(ctx, from, op, Some(state)),
            Msg::StoreAck { op } => self.on_answer(ctx, from, op, None),
            other => self.replica_message(ctx, from, other),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Deadline(op) => self.deadline(ctx, op),
            Timer::Sloppy(op) => self.sloppy(ctx, op),
            Timer::Sync => self.sync_round(ctx),
            Timer::Replicate(_) => {} // primary modes: not in this lab
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        self.start(ctx, &request);
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

impl QuorumLabNode for QuorumKv {
    fn new(params: Arc<Params>, ring: Arc<Ring>, id: NodeId) -> Self {
        QuorumKv {
            params,
            ring,
            id,
            data: BTreeMap::new(),
            hints: BTreeMap::new(),
            pending: BTreeMap::new(),
            next_op: 1,
            sibling_reads: 0,
        }
    }

    fn data(&self) -> &BTreeMap<String, Vec<Sibling>> {
        &self.data
    }

    fn hints(&self) -> &BTreeMap<(NodeId, String), Vec<Sibling>> {
        &self.hints
    }

    fn sibling_reads(&self) -> u64 {
        self.sibling_reads
    }
}
