//! The protocol: a configuration master (node 0) and a chain of replicas
//! (nodes 1..n), all one [`Node`] type.
//!
//! **Writes** (`put`) go to the head, which appends them to its log and
//! forwards them down the chain; the tail appends, applies and answers the
//! client: a write is acknowledged once, at the tail. **Reads** (`get`) go
//! to the tail, which answers from its state — while it holds a *lease*
//! from the master (below). Any other node redirects the client.
//!
//! **Repair.** Replicas send the master a heartbeat every `heartbeat`. The
//! master removes a replica it has not heard from for `suspect_after`
//! (head, middle or tail: the chain closes over the gap) and writes the new
//! configuration, numbered by an *epoch*, to its durable storage before
//! sending it. Every message between replicas carries the sender's epoch; a
//! replica adopts any newer configuration it sees and refuses chain traffic
//! from an older one. Each replica keeps, as the paper's "sent" list, the
//! entries its successor has not yet acknowledged (`log[succ_acked..]`);
//! when its successor changes it resends them, and a successor that sees a
//! gap asks for the missing entries.
//!
//! **Rejoining.** A replica outside the chain (restarted after being
//! removed, or wrongly suspected) is appended by the master as a *joining*
//! tail: it empties its log, copies the chain's state from its predecessor,
//! and answers clients only once it holds everything its predecessor held
//! (then the master marks it complete in the next epoch). One joins at a
//! time; the master never removes the last complete replicas, so no
//! acknowledged write can be lost with them.
//!
//! **Leases.** Clients are never partitioned from the nodes, so a tail cut
//! off from the master (and removed) could still answer reads with old
//! data. The tail therefore answers reads only until `lease` after the
//! heartbeat the master last answered, and the master waits
//! `suspect_after` (> `lease`) without hearing from a tail before removing
//! it. This assumes clocks that do not jump (clock faults break it, as they
//! break any lease).
//!
//! **Durability.** Replicas keep their configuration and log in
//! `ctx.storage()` and sync before anything they wrote is sent or
//! acknowledged, so a replica restarted before the master noticed carries
//! on where it was; the master keeps its configuration there.
//!
//! What is simplified: the master is one node (the paper replicates it with
//! Paxos); while it is down, the chain keeps serving writes but no repair
//! happens and reads stop when the tail's lease runs out.

use crate::{Bug, Params};
use distlab::sim::Value;
use distlab::sim::{ClientId, Ctx, Node, NodeId, Reply, Request, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::sync::Arc;

/// The configuration master's node id; replicas are the other nodes.
pub const MASTER: NodeId = NodeId(0);

/// A chain configuration. The master numbers them by epoch and never
/// reuses an epoch, so every node that knows epoch `e` knows the same chain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Config {
    /// Increases with every change.
    pub epoch: u64,
    /// Head first, tail last.
    pub chain: Vec<NodeId>,
    /// The tail still copying the chain's state, if any (it is the last
    /// of `chain`), and the epoch in which it was added.
    pub joining: Option<Joining>,
}

/// A replica appended to the chain that has not yet caught up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Joining {
    /// The replica.
    pub node: NodeId,
    /// The epoch that added it.
    pub since: u64,
}

impl Config {
    /// Epoch 1: every replica, in id order (node 1 is the head).
    pub fn initial(nodes: u32) -> Config {
        Config {
            epoch: 1,
            chain: (1..nodes).map(NodeId).collect(),
            joining: None,
        }
    }
    /// The head, where writes enter.
    pub fn head(&self) -> Option<NodeId> {
        self.chain.first().copied()
    }
    /// The tail, which acknowledges writes and answers reads.
    pub fn tail(&self) -> Option<NodeId> {
        self.chain.last().copied()
    }
    /// The node before `id` in the chain.
    pub fn predecessor(&self, id: NodeId) -> Option<NodeId> {
        let i = self.chain.iter().position(|&n| n == id)?;
        i.checked_sub(1).map(|p| self.chain[p])
    }
    /// The node after `id` in the chain.
    pub fn successor(&self, id: NodeId) -> Option<NodeId> {
        let i = self.chain.iter().position(|&n| n == id)?;
        self.chain.get(i + 1).copied()
    }
    /// True if `id` is in the chain.
    pub fn contains(&self, id: NodeId) -> bool {
        self.chain.contains(&id)
    }
    /// True if `id` is the joining tail.
    pub fn is_joining(&self, id: NodeId) -> bool {
        self.joining.is_some_and(|j| j.node == id)
    }
}

/// One write, as it travels down the chain.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Update {
    /// The key written.
    pub key: String,
    /// The value written (workload values are unique).
    pub value: i64,
    /// Who asked, so the tail can answer.
    pub client: ClientId,
    /// The client's request number.
    pub request: u64,
}

/// Messages between nodes: `Debug` is how the trace and the TUI show them,
/// `Hash` feeds the trace hash, and the `Node` trait asks for `Serialize`
/// too (messages are plain data).
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Replica → master, every `heartbeat`.
    Heartbeat {
        /// The replica's epoch.
        epoch: u64,
        /// Its log length.
        len: u64,
        /// Whether it holds every acknowledged write (false while joining).
        complete: bool,
        /// Its local clock when it sent this (the lease starts here).
        sent_at: SimTime,
    },
    /// The current configuration: the master's answer to a heartbeat (with
    /// a lease for the tail) or news of a change; replicas also send it to
    /// a node that spoke from an older epoch.
    Config {
        /// The configuration.
        config: Config,
        /// For the tail, from the master: a read lease from the `sent_at`
        /// of the heartbeat answered.
        lease_from: Option<SimTime>,
    },
    /// Predecessor → successor: log entries from index `from` (possibly
    /// none: a chain heartbeat).
    Forward {
        /// The sender's configuration.
        config: Config,
        /// Index of the first entry.
        from: u64,
        /// The entries.
        entries: Vec<Update>,
        /// The sender's log length.
        len: u64,
        /// How many entries the sender knows the tail has.
        stable: u64,
    },
    /// Successor → predecessor: what it holds.
    Ack {
        /// The sender's epoch.
        epoch: u64,
        /// Its log length.
        len: u64,
        /// How many entries it knows the tail has.
        stable: u64,
        /// True if a `Forward` started past its log's end: resend from `len`.
        gap: bool,
    },
}

/// The one timer: heartbeats, resends and (at the master) failure detection.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Every `heartbeat`.
    Tick,
}

/// A node: the master or a replica.
#[derive(Clone, Debug)]
pub enum ChainNode {
    /// Node 0.
    Master(Master),
    /// Nodes 1..n.
    Replica(Replica),
}

impl ChainNode {
    /// The node `id` of `nodes`, as built at boot and at every restart.
    pub fn new(id: NodeId, nodes: u32, params: Arc<Params>) -> ChainNode {
        if id == MASTER {
            ChainNode::Master(Master {
                params,
                nodes,
                config: Config::initial(nodes),
                last_heard: Vec::new(),
                reports: Vec::new(),
            })
        } else {
            ChainNode::Replica(Replica {
                params,
                id,
                config: Config::initial(nodes),
                log: Vec::new(),
                kv: BTreeMap::new(),
                stable: 0,
                caught_up_for: None,
                wiped_for: None,
                succ_acked: 0,
                sent_upto: 0,
                last_progress: SimTime::ZERO,
                lease_until: SimTime::ZERO,
            })
        }
    }

    /// The replica, if this node is one.
    pub fn replica(&self) -> Option<&Replica> {
        match self {
            ChainNode::Replica(r) => Some(r),
            ChainNode::Master(_) => None,
        }
    }

    /// The master, if this node is it.
    pub fn master(&self) -> Option<&Master> {
        match self {
            ChainNode::Master(m) => Some(m),
            ChainNode::Replica(_) => None,
        }
    }

    /// The configuration this node knows.
    pub fn config(&self) -> &Config {
        match self {
            ChainNode::Master(m) => &m.config,
            ChainNode::Replica(r) => &r.config,
        }
    }
}

impl Node for ChainNode {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        match self {
            ChainNode::Master(m) => m.start(ctx),
            ChainNode::Replica(r) => r.start(ctx),
        }
        ctx.set_timer(self.params().heartbeat, Timer::Tick);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match self {
            ChainNode::Master(m) => m.on_message(ctx, from, msg),
            ChainNode::Replica(r) => r.on_message(ctx, from, msg),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, Timer::Tick: Timer) {
        match self {
            ChainNode::Master(m) => m.reconfigure(ctx),
            ChainNode::Replica(r) => r.tick(ctx),
        }
        ctx.set_timer(self.params().heartbeat, Timer::Tick);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match self {
            // The master serves no data: send the client to the chain.
            ChainNode::Master(m) => {
                let to = match request.op.f.as_str() {
                    "put" => m.config.head(),
                    _ => m.config.tail(),
                };
                ctx.reply(&request, Reply::Redirect(to));
            }
            ChainNode::Replica(r) => r.on_request(ctx, request),
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match self {
            ChainNode::Master(_) => "master",
            ChainNode::Replica(r) => r.role(),
        })
    }

    fn summary(&self) -> String {
        match self {
            ChainNode::Master(m) => {
                format!("epoch {} chain {}", m.config.epoch, show_chain(&m.config))
            }
            ChainNode::Replica(r) => format!(
                "epoch {} log {} stable {} sent {}",
                r.config.epoch,
                r.log.len(),
                r.stable,
                r.sent().len()
            ),
        }
    }
}

impl ChainNode {
    fn params(&self) -> &Params {
        match self {
            ChainNode::Master(m) => &m.params,
            ChainNode::Replica(r) => &r.params,
        }
    }
}

/// `n1 → n2 → (n3 joining)`: the chain as the summary and the log show it.
pub fn show_chain(config: &Config) -> String {
    let names: Vec<String> = config
        .chain
        .iter()
        .map(|n| match config.is_joining(*n) {
            true => format!("({n} joining)"),
            false => n.to_string(),
        })
        .collect();
    names.join(" → ")
}

/// The configuration master.
#[derive(Clone, Debug)]
pub struct Master {
    /// The current configuration (durable).
    pub config: Config,
    /// When each node was last heard from, on the master's clock.
    last_heard: Vec<SimTime>,
    /// Each node's last heartbeat: (epoch, complete).
    reports: Vec<Option<(u64, bool)>>,
    nodes: u32,
    // Last, so that the TUI's inspector shows the state first.
    params: Arc<Params>,
}

impl Master {
    fn start(&mut self, ctx: &mut Ctx<ChainNode>) {
        if let Some(config) = ctx.storage().get::<Config>("config") {
            self.config = config;
        }
        // A (re)started master gives everyone a full `suspect_after`: a
        // lease it granted before a crash runs out before it removes anyone.
        self.last_heard = vec![ctx.now(); self.nodes as usize];
        self.reports = vec![None; self.nodes as usize];
    }

    fn on_message(&mut self, ctx: &mut Ctx<ChainNode>, from: NodeId, msg: Msg) {
        let Msg::Heartbeat {
            epoch,
            complete,
            sent_at,
            ..
        } = msg
        else {
            return;
        };
        self.last_heard[from.index()] = ctx.now();
        self.reports[from.index()] = Some((epoch, complete));
        let lease = self.config.tail() == Some(from) && epoch == self.config.epoch && complete;
        let config = self.config.clone();
        let lease_from = lease.then_some(sent_at);
        ctx.send(from, Msg::Config { config, lease_from });
    }

    fn alive(&self, now: SimTime, node: NodeId) -> bool {
        now.saturating_sub(self.last_heard[node.index()]) <= self.params.suspect_after
    }

    /// One decision per tick: remove suspected replicas, or mark the
    /// joining tail complete, or let one replica join.
    fn reconfigure(&mut self, ctx: &mut Ctx<ChainNode>) {
        let now = ctx.now();
        let config = self.config.clone();
        let joiner = config.joining.map(|j| j.node);
        if config.chain.iter().any(|&n| !self.alive(now, n)) {
            let mut keep: Vec<NodeId> = config
                .chain
                .iter()
                .copied()
                .filter(|&n| self.alive(now, n))
                .collect();
            if keep.iter().all(|&n| Some(n) == joiner) {
                // Every complete replica is suspected: they may hold the
                // only copies of acknowledged writes. Keep them and wait.
                keep = config
                    .chain
                    .iter()
                    .copied()
                    .filter(|&n| Some(n) != joiner || self.alive(now, n))
                    .collect();
            }
            if keep != config.chain {
                let joining = config.joining.filter(|j| keep.contains(&j.node));
                self.install(ctx, keep, joining);
            }
            return;
        }
        if let Some(j) = config.joining {
            if self.reports[j.node.index()] == Some((config.epoch, true)) {
                self.install(ctx, config.chain, None);
            }
            return;
        }
        let newcomer = (1..self.nodes).map(NodeId).find(|&n| {
            !config.contains(n)
                && self.alive(now, n)
                && self.reports[n.index()].is_some_and(|(e, _)| e == config.epoch)
        });
        if let Some(node) = newcomer {
            let mut chain = config.chain;
            chain.push(node);
            let since = config.epoch + 1;
            self.install(ctx, chain, Some(Joining { node, since }));
        }
    }

    /// Make `chain` the next epoch: durable first, then announced.
    fn install(&mut self, ctx: &mut Ctx<ChainNode>, chain: Vec<NodeId>, joining: Option<Joining>) {
        self.config = Config {
            epoch: self.config.epoch + 1,
            chain,
            joining,
        };
        ctx.storage().put("config", &self.config);
        ctx.storage().sync();
        ctx.log(format!(
            "epoch {}: {}",
            self.config.epoch,
            show_chain(&self.config)
        ));
        for n in (1..self.nodes).map(NodeId) {
            let config = self.config.clone();
            ctx.send(
                n,
                Msg::Config {
                    config,
                    lease_from: None,
                },
            );
        }
    }
}

/// A replica.
#[derive(Clone, Debug)]
pub struct Replica {
    id: NodeId,
    /// The newest configuration it knows (durable).
    pub config: Config,
    /// Every write it holds, in chain order (durable): the history that is
    /// a prefix of its predecessor's.
    pub log: Vec<Update>,
    /// The state machine: the log applied.
    pub kv: BTreeMap<String, i64>,
    /// How many entries it knows the tail holds (acknowledged writes).
    pub stable: u64,
    /// The joining epoch in which it caught up (durable).
    caught_up_for: Option<u64>,
    /// The joining epoch for which it emptied its log (durable).
    wiped_for: Option<u64>,
    /// How many entries its successor acknowledged.
    succ_acked: u64,
    /// How far it has sent to its successor.
    sent_upto: u64,
    /// When `succ_acked` last moved or it last resent.
    last_progress: SimTime,
    /// Until when, on its clock, it may answer reads as the tail.
    lease_until: SimTime,
    // Last, so that the TUI's inspector shows the state first.
    params: Arc<Params>,
}

/// The storage key of log entry `i`.
fn entry_key(i: usize) -> String {
    format!("log/{i:08}")
}

impl Replica {
    fn has_bug(&self, bug: Bug) -> bool {
        self.params.bugs.contains(&bug)
    }

    /// The "sent" list: entries forwarded to the successor that it has not
    /// acknowledged.
    pub fn sent(&self) -> &[Update] {
        let from = (self.succ_acked as usize).min(self.log.len());
        match self.config.successor(self.id) {
            Some(_) => &self.log[from..],
            None => &[],
        }
    }

    /// True if it holds every acknowledged write: a member of the chain
    /// that is not still joining.
    pub fn is_complete(&self) -> bool {
        match self.config.joining {
            Some(j) if j.node == self.id => self.caught_up_for == Some(j.since),
            _ => self.config.contains(self.id),
        }
    }

    /// True if it is the tail and complete: it acknowledges writes.
    pub fn is_active_tail(&self) -> bool {
        self.config.tail() == Some(self.id) && self.is_complete()
    }

    fn role(&self) -> &'static str {
        let c = &self.config;
        if !c.contains(self.id) {
            "out"
        } else if c.is_joining(self.id) {
            "joining"
        } else if c.tail() == Some(self.id) {
            "tail"
        } else if c.head() == Some(self.id) {
            "head"
        } else {
            "middle"
        }
    }

    fn start(&mut self, ctx: &mut Ctx<ChainNode>) {
        let s = ctx.storage();
        if let Some(config) = s.get::<Config>("config") {
            self.config = config;
        }
        let len: usize = s.get("len").unwrap_or(0);
        self.log = (0..len)
            .map(|i| {
                s.get(&entry_key(i))
                    .expect("every synced entry is readable")
            })
            .collect();
        self.caught_up_for = s.get("caught_up_for");
        self.wiped_for = s.get("wiped_for");
        for u in &self.log {
            self.kv.insert(u.key.clone(), u.value);
        }
        // The tail acknowledged everything it holds.
        if self.is_active_tail() {
            self.stable = self.log.len() as u64;
        }
        self.last_progress = ctx.now();
    }

    fn on_message(&mut self, ctx: &mut Ctx<ChainNode>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Config { config, lease_from } => {
                let epoch = config.epoch;
                self.adopt(ctx, config);
                if let (MASTER, Some(sent_at)) = (from, lease_from) {
                    if epoch == self.config.epoch && self.is_active_tail() {
                        let until = sent_at + self.params.lease;
                        self.lease_until = self.lease_until.max(until);
                    }
                }
            }
            Msg::Forward {
                config,
                from: first,
                entries,
                len,
                stable,
            } => self.on_forward(ctx, from, config, first, entries, len, stable),
            Msg::Ack {
                epoch,
                len,
                stable,
                gap,
            } => self.on_ack(ctx, from, epoch, len, stable, gap),
            Msg::Heartbeat { .. } => {}
        }
    }

    /// Adopt `config` if it is newer than ours.
    fn adopt(&mut self, ctx: &mut Ctx<ChainNode>, config: Config) {
        if config.epoch <= self.config.epoch {
            return;
        }
        let me = self.id;
        let was_tail = self.config.tail() == Some(me);
        let was_active = self.is_active_tail();
        let old_successor = self.config.successor(me);
        self.config = config;
        ctx.storage().put("config", &self.config);
        if let Some(j) = self.config.joining.filter(|j| j.node == me) {
            if self.wiped_for != Some(j.since) {
                // Back in the chain after being out: what we hold may
                // include writes the chain never kept (we were a head that
                // crashed before forwarding). Start empty and copy.
                for i in 0..self.log.len() {
                    ctx.storage().remove(&entry_key(i));
                }
                ctx.storage().put("len", &0usize);
                ctx.storage().put("wiped_for", &j.since);
                self.wiped_for = Some(j.since);
                self.log.clear();
                self.kv.clear();
                self.stable = 0;
            }
        }
        ctx.storage().sync();
        let successor = self.config.successor(me);
        if successor != old_successor {
            // A new successor: resend our sent list, from what the tail is
            // known to hold (it asks for less if it has less).
            self.succ_acked = match self.has_bug(Bug::NoResend) {
                true => self.log.len() as u64,
                false => self.stable.min(self.log.len() as u64),
            };
            self.sent_upto = self.succ_acked;
            self.last_progress = ctx.now();
            self.pump(ctx);
        }
        if was_tail != (self.config.tail() == Some(me)) {
            self.lease_until = SimTime::ZERO;
        }
        if self.is_active_tail() && !was_active {
            self.acknowledge(ctx);
        }
        ctx.log(format!(
            "adopted epoch {}: {}",
            self.config.epoch,
            self.role()
        ));
    }

    #[allow(clippy::too_many_arguments)]
    fn on_forward(
        &mut self,
        ctx: &mut Ctx<ChainNode>,
        from: NodeId,
        config: Config,
        first: u64,
        entries: Vec<Update>,
        pred_len: u64,
        pred_stable: u64,
    ) {
        let epoch = config.epoch;
        self.adopt(ctx, config);
        if epoch < self.config.epoch {
            let config = self.config.clone();
            let lease_from = None;
            ctx.send(from, Msg::Config { config, lease_from });
            return;
        }
        if self.config.predecessor(self.id) != Some(from) {
            return;
        }
        let len = self.log.len() as u64;
        if first > len {
            self.send_ack(ctx, from, true);
            return;
        }
        let old = self.log.len();
        let skip = (len - first) as usize;
        self.log.extend(entries.into_iter().skip(skip));
        self.stable = self.stable.max(pred_stable.min(self.log.len() as u64));
        if let Some(j) = self.config.joining.filter(|j| j.node == self.id) {
            if self.caught_up_for != Some(j.since) && self.log.len() as u64 >= pred_len {
                // We hold all our predecessor held in this epoch, so every
                // acknowledged write: from now on we are the tail.
                self.caught_up_for = Some(j.since);
                ctx.storage().put("caught_up_for", &j.since);
                ctx.log("caught up with the chain");
            }
        }
        self.appended(ctx, old);
        self.send_ack(ctx, from, false);
    }

    fn send_ack(&mut self, ctx: &mut Ctx<ChainNode>, to: NodeId, gap: bool) {
        let msg = Msg::Ack {
            epoch: self.config.epoch,
            len: self.log.len() as u64,
            stable: self.stable,
            gap,
        };
        ctx.send(to, msg);
    }

    fn on_ack(
        &mut self,
        ctx: &mut Ctx<ChainNode>,
        from: NodeId,
        epoch: u64,
        len: u64,
        stable: u64,
        gap: bool,
    ) {
        if epoch < self.config.epoch {
            let config = self.config.clone();
            let lease_from = None;
            ctx.send(from, Msg::Config { config, lease_from });
            return;
        }
        if epoch > self.config.epoch || self.config.successor(self.id) != Some(from) {
            return;
        }
        let len = len.min(self.log.len() as u64);
        if gap && !self.has_bug(Bug::NoResend) {
            self.succ_acked = len;
            self.sent_upto = len;
            self.last_progress = ctx.now();
        } else if len > self.succ_acked {
            self.succ_acked = len;
            self.sent_upto = self.sent_upto.max(len);
            self.last_progress = ctx.now();
        }
        let stable = stable.min(self.log.len() as u64);
        if stable > self.stable {
            self.stable = stable;
            if let Some(pred) = self.config.predecessor(self.id) {
                self.send_ack(ctx, pred, false);
            }
        }
        self.pump(ctx);
    }

    /// Entries from `old` were appended: make them durable, apply them,
    /// acknowledge them if we are the tail, and pass them on.
    fn appended(&mut self, ctx: &mut Ctx<ChainNode>, old: usize) {
        if self.log.len() > old {
            for i in old..self.log.len() {
                ctx.storage().put(&entry_key(i), &self.log[i]);
                let u = &self.log[i];
                self.kv.insert(u.key.clone(), u.value);
            }
            ctx.storage().put("len", &self.log.len());
        }
        ctx.storage().sync();
        if self.is_active_tail() {
            self.acknowledge(ctx);
        }
        self.pump(ctx);
    }

    /// As the tail: answer the clients of every entry not yet known
    /// acknowledged (a client that already gave up ignores the answer).
    fn acknowledge(&mut self, ctx: &mut Ctx<ChainNode>) {
        let from = (self.stable as usize).min(self.log.len());
        for u in &self.log[from..] {
            ctx.reply_to(u.client, u.request, Reply::Ok(Value::Nil));
        }
        self.stable = self.log.len() as u64;
    }

    /// Send the successor the next batch it has not been sent.
    fn pump(&mut self, ctx: &mut Ctx<ChainNode>) {
        let Some(successor) = self.config.successor(self.id) else {
            return;
        };
        let len = self.log.len();
        let from = (self.sent_upto as usize).min(len);
        if from == len {
            return;
        }
        let to = len.min(from + self.params.batch);
        self.forward(ctx, successor, from, to);
    }

    fn forward(&mut self, ctx: &mut Ctx<ChainNode>, to_node: NodeId, from: usize, to: usize) {
        let msg = Msg::Forward {
            config: self.config.clone(),
            from: from as u64,
            entries: self.log[from..to].to_vec(),
            len: self.log.len() as u64,
            stable: self.stable,
        };
        ctx.send(to_node, msg);
        self.sent_upto = to as u64;
    }

    fn tick(&mut self, ctx: &mut Ctx<ChainNode>) {
        let now = ctx.now();
        let heartbeat = Msg::Heartbeat {
            epoch: self.config.epoch,
            len: self.log.len() as u64,
            complete: self.is_complete(),
            sent_at: now,
        };
        ctx.send(MASTER, heartbeat);
        let Some(successor) = self.config.successor(self.id) else {
            return;
        };
        // Resend the sent list if the successor has not acknowledged for a
        // while (a forward or its ack was lost); otherwise a chain
        // heartbeat that carries our configuration and length.
        let stalled = now.saturating_sub(self.last_progress) >= self.params.resend_after;
        if (self.succ_acked as usize) < self.log.len() && stalled {
            self.sent_upto = self.succ_acked;
            self.last_progress = now;
        }
        let from = (self.sent_upto as usize).min(self.log.len());
        let to = self.log.len().min(from + self.params.batch);
        self.forward(ctx, successor, from, to);
    }

    fn on_request(&mut self, ctx: &mut Ctx<ChainNode>, request: Request) {
        let me = Some(self.id);
        let key = request.op.key.clone().unwrap_or_default();
        match request.op.f.as_str() {
            "put" if self.config.head() != me => {
                ctx.reply(&request, Reply::Redirect(self.config.head()));
            }
            "put" => {
                let Some(value) = request.op.value.as_int() else {
                    ctx.reply(&request, Reply::Fail("put needs an integer".into()));
                    return;
                };
                let old = self.log.len();
                self.log.push(Update {
                    key,
                    value,
                    client: request.client,
                    request: request.id,
                });
                if self.has_bug(Bug::AckAtHead) {
                    ctx.reply(&request, Reply::Ok(Value::Nil));
                }
                // The tail (maybe this node, in a chain of one) answers.
                self.appended(ctx, old);
            }
            "get" if self.config.tail() != me => {
                ctx.reply(&request, Reply::Redirect(self.config.tail()));
            }
            "get" => {
                let leased = ctx.now() < self.lease_until || self.has_bug(Bug::ReadsWithoutLease);
                let reply = if !self.is_complete() {
                    Reply::Fail("the tail is still copying the chain's state".into())
                } else if !leased {
                    Reply::Fail("the tail holds no lease from the master".into())
                } else {
                    Reply::Ok(self.kv.get(&key).map_or(Value::Nil, |v| Value::Int(*v)))
                };
                ctx.reply(&request, reply);
            }
            f => ctx.reply(&request, Reply::Fail(format!("unknown operation {f:?}"))),
        }
    }
}
