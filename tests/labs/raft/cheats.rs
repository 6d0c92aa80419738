//! The Raft labs' cheat catalogue: nodes that fake the work instead of
//! doing it. Each must score zero on every part it does not implement and
//! at most 10% of a lab (tests/support/labs/cheats.rs says the rule).
//!
//! - [`Idle`]: does nothing at all.
//! - [`FixedLeader`]: n0 leads term 1 from the start, everyone follows it;
//!   no timers, no messages. With `ACKS`, n0 also acknowledges client
//!   commands at once, applying them to its own store without replicating.
//! - [`LocalKv`]: every node answers clients from its own store; no Raft.
//!
//! The other cheats and the plausible shortcuts are mutants of the lab
//! solutions (tests/labs/raft/mutants.rs): term, vote and log in a
//! `thread_local!` instead of `ctx.storage()`; a candidate that never steps
//! down on a same-term AppendEntries; a timeout drawn once per node.

use distlab::labs::raft::{Params, RaftLabNode};
use distlab::protocols::raft::kv::Session;
use distlab::protocols::raft::{ClientCommand, Command, Kv, Log};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request};
use std::sync::Arc;

/// Does nothing: no timers, no messages, no answers.
#[derive(Clone, Debug)]
pub struct Idle {
    log: Log,
    kv: Kv,
}

impl Node for Idle {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, _: &mut Ctx<Self>, _: Request) {}
}

impl RaftLabNode for Idle {
    fn new(_: Arc<Params>, _: NodeId, _: u32) -> Self {
        Idle {
            log: Log::new(),
            kv: Kv::default(),
        }
    }
    fn current_term(&self) -> u64 {
        0
    }
    fn voted_for(&self) -> Option<NodeId> {
        None
    }
    fn leader(&self) -> Option<NodeId> {
        None
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

/// n0 leads term 1 from boot (and again after every restart); everyone
/// else follows it in term 1, having voted for it. No timers, no messages.
/// With `ACKS`, n0 appends each client command to its own log, applies it
/// and acknowledges it at once, replicating nothing.
#[derive(Clone, Debug)]
pub struct FixedLeader<const ACKS: bool> {
    id: NodeId,
    log: Log,
    kv: Kv,
    acked: Vec<(u64, u64)>,
}

impl<const ACKS: bool> FixedLeader<ACKS> {
    fn is_n0(&self) -> bool {
        self.id == NodeId(0)
    }
}

impl<const ACKS: bool> Node for FixedLeader<ACKS> {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        if !(ACKS && self.is_n0()) {
            let hint = (!self.is_n0()).then_some(NodeId(0));
            ctx.reply(&request, Reply::Redirect(hint));
            return;
        }
        let result = self.kv.execute(&request.op);
        let session = Session {
            last_id: request.id,
            result: result.clone(),
        };
        self.kv.sessions.insert(request.client, session);
        let command = Command::Client(ClientCommand {
            client: request.client,
            id: request.id,
            op: request.op.clone(),
        });
        let index = self.log.append(1, command);
        self.acked.push((index, self.log.last_hash()));
        ctx.reply(&request, result);
    }

    fn role(&self) -> Option<&str> {
        Some(if self.is_n0() { "leader" } else { "follower" })
    }
}

impl<const ACKS: bool> RaftLabNode for FixedLeader<ACKS> {
    fn new(_: Arc<Params>, id: NodeId, _: u32) -> Self {
        FixedLeader {
            id,
            log: Log::new(),
            kv: Kv::default(),
            acked: Vec::new(),
        }
    }
    fn current_term(&self) -> u64 {
        1
    }
    fn voted_for(&self) -> Option<NodeId> {
        Some(NodeId(0))
    }
    fn leader(&self) -> Option<NodeId> {
        Some(NodeId(0))
    }
    fn log(&self) -> &Log {
        &self.log
    }
    fn commit_index(&self) -> u64 {
        self.log.last_index()
    }
    fn last_applied(&self) -> (u64, u64) {
        (self.log.last_index(), self.log.last_hash())
    }
    fn acked(&self) -> &[(u64, u64)] {
        &self.acked
    }
    fn kv(&self) -> &Kv {
        &self.kv
    }
}

/// Every node answers every client at once from its own store (a log of
/// its own, term 0, no leader, no messages).
#[derive(Clone, Debug)]
pub struct LocalKv {
    inner: FixedLeader<true>,
}

impl Node for LocalKv {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let kv = &mut self.inner.kv;
        if let Some(session) = kv.sessions.get(&request.client) {
            if session.last_id == request.id {
                ctx.reply(&request, session.result.clone());
                return;
            }
        }
        let result = kv.execute(&request.op);
        let session = Session {
            last_id: request.id,
            result: result.clone(),
        };
        kv.sessions.insert(request.client, session);
        ctx.reply(&request, result);
    }

    fn role(&self) -> Option<&str> {
        Some("follower")
    }
}

impl RaftLabNode for LocalKv {
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        LocalKv {
            inner: FixedLeader::new(params, id, nodes),
        }
    }
    fn current_term(&self) -> u64 {
        0
    }
    fn voted_for(&self) -> Option<NodeId> {
        None
    }
    fn leader(&self) -> Option<NodeId> {
        None
    }
    fn log(&self) -> &Log {
        &self.inner.log
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
        &self.inner.kv
    }
}
