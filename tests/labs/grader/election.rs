//! A compact lab 05 node (Raft leader election) whose durable term and vote
//! live where `K` keeps them: in `ctx.storage()` (honest), in a
//! `thread_local!` map, or in a `static Mutex` map — the two cheats the
//! grader's determinism check must catch. Both cheats survive restarts
//! (the map is keyed by node id) and pass every check of a single run; what
//! gives them away is that the map outlives the run.

use distlab::labs::raft::{Params, RaftLabNode};
use distlab::protocols::raft::{Kv, Log};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime, TimerId};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Debug;
use std::marker::PhantomData;
use std::sync::{Arc, Mutex};

/// Where a node keeps its term and vote.
pub trait Keep: Clone + Debug + Send + Sync + 'static {
    /// Save `(term, vote)` for `ctx.id()`, durably.
    fn save(ctx: &mut Ctx<Election<Self>>, meta: Meta);
    /// What was saved for `ctx.id()`, if anything.
    fn load(ctx: &mut Ctx<Election<Self>>) -> Option<Meta>;
}

/// The durable state.
#[derive(Clone, Copy, Debug, Default, Serialize, Deserialize)]
pub struct Meta {
    term: u64,
    vote: Option<NodeId>,
}

/// Honest: `ctx.storage()`, synced.
#[derive(Clone, Debug)]
pub struct InStorage;

impl Keep for InStorage {
    fn save(ctx: &mut Ctx<Election<Self>>, meta: Meta) {
        ctx.storage().put("meta", &meta);
        ctx.storage().sync();
    }
    fn load(ctx: &mut Ctx<Election<Self>>) -> Option<Meta> {
        ctx.storage().get::<Meta>("meta")
    }
}

thread_local! {
    static THREAD_MAP: RefCell<BTreeMap<NodeId, Meta>> = const { RefCell::new(BTreeMap::new()) };
}

/// Cheat: a `thread_local!` map from node id to (term, vote).
#[derive(Clone, Debug)]
pub struct InThreadLocal;

impl Keep for InThreadLocal {
    fn save(ctx: &mut Ctx<Election<Self>>, meta: Meta) {
        THREAD_MAP.with(|m| m.borrow_mut().insert(ctx.id(), meta));
    }
    fn load(ctx: &mut Ctx<Election<Self>>) -> Option<Meta> {
        THREAD_MAP.with(|m| m.borrow().get(&ctx.id()).copied())
    }
}

static GLOBAL_MAP: Mutex<BTreeMap<NodeId, Meta>> = Mutex::new(BTreeMap::new());

/// Cheat: a `static Mutex` map from node id to (term, vote).
#[derive(Clone, Debug)]
pub struct InStatic;

impl Keep for InStatic {
    fn save(ctx: &mut Ctx<Election<Self>>, meta: Meta) {
        let mut map = GLOBAL_MAP.lock().unwrap_or_else(|e| e.into_inner());
        map.insert(ctx.id(), meta);
    }
    fn load(ctx: &mut Ctx<Election<Self>>) -> Option<Meta> {
        let map = GLOBAL_MAP.lock().unwrap_or_else(|e| e.into_inner());
        map.get(&ctx.id()).copied()
    }
}

/// Messages: RequestVote, Vote, heartbeat and its answer.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// A candidate asks for a vote.
    Ask { term: u64 },
    /// The answer.
    Vote { term: u64, granted: bool },
    /// The leader's heartbeat.
    Beat { term: u64 },
    /// Its answer (carries the follower's term).
    BeatOk { term: u64 },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Election timeout.
    Election,
    /// Heartbeat (leader) or vote re-request (candidate).
    Beat,
}

/// The node.
#[derive(Clone, Debug)]
pub struct Election<K: Keep> {
    params: Arc<Params>,
    id: NodeId,
    nodes: u32,
    term: u64,
    vote: Option<NodeId>,
    role: &'static str,
    leader: Option<NodeId>,
    votes: BTreeSet<NodeId>,
    log: Log,
    kv: Kv,
    election: Option<TimerId>,
    beat: Option<TimerId>,
    keep: PhantomData<K>,
}

impl<K: Keep> Election<K> {
    fn persist(&mut self, ctx: &mut Ctx<Self>) {
        let meta = Meta {
            term: self.term,
            vote: self.vote,
        };
        K::save(ctx, meta);
    }

    fn reset_election(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(t) = self.election.take() {
            ctx.cancel_timer(t);
        }
        let (lo, hi) = self.params.election_timeout;
        let after = SimTime(ctx.rng().range_inclusive(lo.as_nanos(), hi.as_nanos()));
        self.election = Some(ctx.set_timer(after, Timer::Election));
    }

    fn arm_beat(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(t) = self.beat.take() {
            ctx.cancel_timer(t);
        }
        self.beat = Some(ctx.set_timer(self.params.heartbeat, Timer::Beat));
    }

    fn follow(&mut self, ctx: &mut Ctx<Self>, term: u64, leader: Option<NodeId>) {
        if term > self.term {
            self.term = term;
            self.vote = None;
            self.persist(ctx);
        }
        let was = self.role;
        self.role = "follower";
        self.leader = leader;
        self.votes.clear();
        if was != "follower" {
            self.reset_election(ctx);
        }
    }

    fn campaign(&mut self, ctx: &mut Ctx<Self>) {
        self.term += 1;
        self.role = "candidate";
        self.vote = Some(self.id);
        self.leader = None;
        self.votes = BTreeSet::from([self.id]);
        self.persist(ctx);
        self.reset_election(ctx);
        self.broadcast(ctx);
        self.arm_beat(ctx);
    }

    fn broadcast(&mut self, ctx: &mut Ctx<Self>) {
        let term = self.term;
        for peer in ctx.peers() {
            if self.role == "leader" {
                ctx.send(peer, Msg::Beat { term });
            } else if !self.votes.contains(&peer) {
                ctx.send(peer, Msg::Ask { term });
            }
        }
    }

    fn on_ask(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: u64) {
        if term > self.term {
            self.follow(ctx, term, None);
        }
        let granted = term == self.term && self.vote.is_none_or(|v| v == from);
        if granted {
            self.vote = Some(from);
            self.persist(ctx);
            self.reset_election(ctx);
        }
        let term = self.term;
        ctx.send(from, Msg::Vote { term, granted });
    }

    fn on_vote(&mut self, ctx: &mut Ctx<Self>, from: NodeId, term: u64, granted: bool) {
        if term > self.term {
            return self.follow(ctx, term, None);
        }
        if self.role != "candidate" || term != self.term || !granted {
            return;
        }
        self.votes.insert(from);
        if self.votes.len() > self.nodes as usize / 2 {
            self.role = "leader";
            self.leader = Some(self.id);
            self.broadcast(ctx);
            self.arm_beat(ctx);
        }
    }
}

impl<K: Keep> Node for Election<K> {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        if let Some(meta) = K::load(ctx) {
            self.term = meta.term;
            self.vote = meta.vote;
        }
        self.reset_election(ctx);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Ask { term } => self.on_ask(ctx, from, term),
            Msg::Vote { term, granted } => self.on_vote(ctx, from, term, granted),
            Msg::Beat { term } if term < self.term => {
                let term = self.term;
                ctx.send(from, Msg::BeatOk { term });
            }
            Msg::Beat { term } => {
                self.follow(ctx, term, Some(from));
                self.reset_election(ctx);
                ctx.send(from, Msg::BeatOk { term });
            }
            Msg::BeatOk { term } if term > self.term => self.follow(ctx, term, None),
            Msg::BeatOk { .. } => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Election => {
                self.election = None;
                if self.role == "leader" {
                    self.reset_election(ctx);
                } else {
                    self.campaign(ctx);
                }
            }
            Timer::Beat => {
                self.beat = None;
                if self.role != "follower" {
                    self.broadcast(ctx);
                    self.arm_beat(ctx);
                }
            }
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let hint = self.leader.filter(|l| *l != self.id);
        ctx.reply(&request, Reply::Redirect(hint));
    }

    fn role(&self) -> Option<&str> {
        Some(self.role)
    }
}

impl<K: Keep> RaftLabNode for Election<K> {
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        Election {
            params,
            id,
            nodes,
            term: 0,
            vote: None,
            role: "follower",
            leader: None,
            votes: BTreeSet::new(),
            log: Log::new(),
            kv: Kv::default(),
            election: None,
            beat: None,
            keep: PhantomData,
        }
    }
    fn current_term(&self) -> u64 {
        self.term
    }
    fn voted_for(&self) -> Option<NodeId> {
        self.vote
    }
    fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    fn log(&self) -> &Log {
        &self.log
    }
    fn commit_index(&self) -> u64 {
        0
    }
    fn last_applied(&self) -> (u64, u64) {
        (0, 0)
    }
    fn acked(&self) -> &[(u64, u64)] {
        &[]
    }
    fn kv(&self) -> &Kv {
        &self.kv
    }
}
