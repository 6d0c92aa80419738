//! Sharding: a key-value store split over shard servers by a placement
//! function, a controller that owns the numbered configuration, and a
//! migration protocol that moves keys when servers join and leave while
//! the store stays linearizable (MIT 6.5840's shardkv, lab 5, in
//! miniature).
//!
//! - **Placement** (`placement.rs`, pure): mod-N hashing, consistent
//!   hashing with virtual nodes, range partitioning; [`placement::moves`]
//!   counts the keys a join or a leave moves against the minimum.
//! - **Controller** (`controller.rs`, node `n0`): holds every configuration
//!   (number, servers), makes a new one (number + 1) at each scheduled
//!   join or leave, pushes it to every node and answers queries. A single
//!   node: consistent, unavailable while it is down (CP in CAP terms; a
//!   real system replicates it, e.g. on Raft).
//! - **Servers** (`server.rs`, `n1..`): serve the keys they own in their
//!   current configuration, redirect the others to the owner they believe
//!   in, and step through configurations one at a time. On adopting
//!   configuration `c+1` a server stops serving the keys it no longer owns
//!   and hands each new owner its keys and all its client sessions (one
//!   handoff per new server, empty ones included, retried until
//!   acknowledged; kept in storage until then). A new owner installs a
//!   handoff, syncs it, acknowledges it, and only then serves those keys.
//!   A server moves on only when every handoff it sends is acknowledged
//!   and every one it waits for is installed.
//! - **Sessions**: the client sessions of `replicated_kv.rs` (Raft's and
//!   Paxos's) travel with the keys, so a retried write applies once.
//!
//! Checks (`checks.rs`): one serving server per key at any moment
//! (`single-server`), every acknowledged write in its key's final value
//! (`acked-writes-survive`, through a ghost lineage of each key), every
//! migration finished at the end (`migrations-complete`), and a
//! linearizable client history. docs/protocols/sharding.md is the tour.

mod checks;
mod controller;
mod inspect;
pub mod placement;
pub mod scenario;
mod server;

pub use checks::builder;
pub use placement::{Layout, Moves, Placement};

use crate::check::history::Value;
use crate::protocols::replicated_kv::{Kv, Session};
use crate::sim::{ClientId, Ctx, Node, NodeId, Request, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::sync::Arc;

crate::bug_switches! {
    /// A deliberate defect in the migration protocol, to see the checks
    /// catch it.
    pub enum Bug {
        /// The old owner keeps serving a key after handing it over: its
        /// reads are stale and its writes are lost (the new owner never
        /// sees them).
        ServeAfterHandoff = "serve-after-handoff",
        /// Handoffs carry the keys but not the client sessions: a write
        /// applied by the old owner and retried at the new one applies
        /// twice.
        NoSessionTransfer = "no-session-transfer",
        /// The new owner acknowledges a handoff before syncing it (the sync
        /// comes later, on a timer): the old owner deletes its copy, and a
        /// crash in between loses the keys.
        AckBeforeSync = "ack-before-sync",
    }
}

/// Protocol parameters (`[protocol]` keys in parentheses; meanings and
/// defaults: [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// How keys are placed (`placement`).
    pub placement: Placement,
    /// Ring points per server, consistent hashing (`vnodes`).
    pub vnodes: u32,
    /// Servers in configuration 1: `n1..=n{servers}` (`servers`).
    pub servers: u32,
    /// When a spare joins (the first above the highest server, wrapping
    /// round); `None`: never (`join_at`).
    pub join_at: Option<SimTime>,
    /// When server `leave` leaves; `None`: never (`leave_at`).
    pub leave_at: Option<SimTime>,
    /// The server that leaves at `leave_at` (`leave`).
    pub leave: u32,
    /// Every this long, alternately the lowest-numbered server leaves and
    /// a spare joins; `None`: no churn (`churn_every`).
    pub churn_every: Option<SimTime>,
    /// Polling, retransmission and resend interval (`poll`).
    pub poll: SimTime,
    /// No configuration change at or after this time (the scenario's
    /// `duration`, so migrations finish while the run settles).
    pub changes_until: SimTime,
    /// The key space `k0..k{keys-1}` (the workload's `keys`): range
    /// partitioning cuts it, the checks and metrics walk it.
    pub keys: u64,
    /// Deliberate defects (`bugs`).
    pub bugs: BTreeSet<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            placement: PLACEMENT.default_value(),
            vnodes: VNODES.default_value(),
            servers: 4,
            join_at: None,
            leave_at: None,
            leave: 1,
            churn_every: None,
            poll: POLL.default_value(),
            changes_until: SimTime::from_secs(10),
            keys: 20,
            bugs: BTreeSet::new(),
        }
    }
}

impl Params {
    /// True if `bug` is switched on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }

    /// A placement over `servers` with these parameters.
    pub fn layout(&self, servers: &[NodeId]) -> Layout {
        Layout::new(self.placement, servers, self.vnodes, self.keys)
    }
}

/// A numbered configuration: which servers hold the keys.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Config {
    /// 0 before the first configuration; +1 at every change.
    pub num: u64,
    /// The servers, in id order.
    pub servers: Vec<NodeId>,
}

impl fmt::Display for Config {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<String> = self.servers.iter().map(|s| s.to_string()).collect();
        write!(f, "#{} [{}]", self.num, servers.join(" "))
    }
}

/// A stored key: its value and its ghost lineage (a hash chained through
/// every write applied to the key; only the checks read it).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Entry {
    /// The value.
    pub value: Value,
    /// Ghost: the lineage after the last write.
    pub lineage: u64,
}

/// The keys (and sessions) one server hands another for a configuration.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Handoff {
    /// The configuration the keys move into.
    pub num: u64,
    /// The keys the receiver owns in `num` that the sender owned before.
    pub data: Vec<(String, Entry)>,
    /// The sender's client sessions (for exactly-once).
    pub sessions: Vec<(ClientId, Session)>,
}

/// Messages between nodes.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Server → controller: send me configuration `num` if it exists.
    Query {
        /// The configuration asked for.
        num: u64,
    },
    /// Controller → node: a configuration (answer or push).
    Config {
        /// The configuration.
        config: Config,
    },
    /// Old owner → new owner: keys and sessions for a configuration.
    Handoff(Handoff),
    /// New owner → old owner: the handoff for `num` is installed and synced.
    HandoffAck {
        /// The configuration of the handoff.
        num: u64,
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Poll the controller, resend handoffs (server); make due changes
    /// (controller).
    Tick,
    /// With `ack-before-sync`: the late sync.
    Flush,
}

/// What the checks read: records since the node last started
/// (append-only; handlers never read them).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Observed {
    /// Writes applied: (key, lineage before, lineage after).
    pub writes: Vec<(String, u64, u64)>,
    /// Writes acknowledged to a client: (key, lineage after the write).
    pub acked: Vec<(String, u64)>,
    /// Migrations finished: (configuration, time from adopting it to the
    /// last handoff installed and acknowledged).
    pub migrations: Vec<(u64, SimTime)>,
}

/// A shard server's state.
#[derive(Clone, Debug)]
pub struct Server {
    /// The configuration it serves.
    pub config: Config,
    /// The one before (what it owned before `config`).
    pub prev: Config,
    /// `config` as a placement.
    pub layout: Arc<Layout>,
    /// `prev` as a placement.
    pub prev_layout: Arc<Layout>,
    /// Keys and client sessions.
    pub kv: Kv,
    /// Ghost lineage per key.
    pub lineage: BTreeMap<String, u64>,
    /// Servers whose handoff for `config` is not installed yet.
    pub inbound: BTreeSet<NodeId>,
    /// Handoffs for `config` not acknowledged yet, by receiver.
    pub outbound: BTreeMap<NodeId, Handoff>,
    /// Requests for keys this server owns but has not received yet.
    pub held: Vec<Request>,
    /// Local time it adopted `config`.
    pub adopted_at: SimTime,
    /// Requests served since it started (volatile).
    pub served: u64,
    /// Requests redirected since it started (volatile).
    pub redirects: u64,
    /// With `ack-before-sync`: a late sync is pending.
    pub flush_armed: bool,
    /// For the checks.
    pub observed: Observed,
}

/// The controller's state.
#[derive(Clone, Debug, Default)]
pub struct Controller {
    /// Every configuration, from 1 (`configs[i].num == i + 1`).
    pub configs: Vec<Config>,
    /// Keys moved (and the minimum) by each change, over `k0..k{keys-1}`.
    pub moves: Vec<Moves>,
}

/// A node's role and state.
#[derive(Clone, Debug)]
pub enum Role {
    /// `n0`: owns the configuration.
    Controller(Controller),
    /// `n1..`: holds keys.
    Server(Box<Server>),
}

/// One node: the controller (`n0`) or a shard server.
#[derive(Clone)]
pub struct Shard {
    params: Arc<Params>,
    id: NodeId,
    /// Role and state.
    pub role: Role,
}

/// The controller's node id.
pub const CONTROLLER: NodeId = NodeId(0);

impl Shard {
    /// A fresh node `id` (boot, or restart before recovery).
    pub fn new(params: Arc<Params>, id: NodeId) -> Shard {
        let role = if id == CONTROLLER {
            Role::Controller(Controller::default())
        } else {
            let empty = Arc::new(params.layout(&[]));
            Role::Server(Box::new(Server {
                config: Config::default(),
                prev: Config::default(),
                layout: Arc::clone(&empty),
                prev_layout: empty,
                kv: Kv::default(),
                lineage: BTreeMap::new(),
                inbound: BTreeSet::new(),
                outbound: BTreeMap::new(),
                held: Vec::new(),
                adopted_at: SimTime::ZERO,
                served: 0,
                redirects: 0,
                flush_armed: false,
                observed: Observed::default(),
            }))
        };
        Shard { params, id, role }
    }

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }

    /// The parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }

    /// The server state, if this node is a server.
    pub fn server(&self) -> Option<&Server> {
        match &self.role {
            Role::Server(s) => Some(s),
            Role::Controller(_) => None,
        }
    }

    /// The controller state, if this node is the controller.
    pub fn controller(&self) -> Option<&Controller> {
        match &self.role {
            Role::Controller(c) => Some(c),
            Role::Server(_) => None,
        }
    }
}

impl Server {
    /// True if this server answers requests for `key` now: it owns the key
    /// in its configuration and has it (it owned it before, or the old
    /// owner's handoff is installed). With `serve-after-handoff` also a key
    /// it owned before and handed over.
    pub fn serves(&self, me: NodeId, key: &str, params: &Params) -> bool {
        let old = self.prev_layout.owner(key);
        if self.layout.owner(key) == Some(me) {
            return old == Some(me) || old.is_none_or(|o| !self.inbound.contains(&o));
        }
        params.has(Bug::ServeAfterHandoff) && old == Some(me)
    }

    /// True while a migration into `config` is under way.
    pub fn migrating(&self) -> bool {
        !self.inbound.is_empty() || !self.outbound.is_empty()
    }
}

impl Node for Shard {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        match self.role {
            Role::Controller(_) => self.controller_start(ctx),
            Role::Server(_) => self.server_start(ctx),
        }
        ctx.set_timer(self.params.poll, Timer::Tick);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Query { num } => self.on_query(ctx, from, num),
            Msg::Config { config } => self.on_config(ctx, config),
            Msg::Handoff(handoff) => self.on_handoff(ctx, from, handoff),
            Msg::HandoffAck { num } => self.on_handoff_ack(ctx, from, num),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        match timer {
            Timer::Tick => {
                match self.role {
                    Role::Controller(_) => self.controller_tick(ctx),
                    Role::Server(_) => self.server_tick(ctx),
                }
                ctx.set_timer(self.params.poll, Timer::Tick);
            }
            Timer::Flush => {
                if let Role::Server(s) = &mut self.role {
                    s.flush_armed = false;
                }
                ctx.storage().sync();
            }
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match &self.role {
            Role::Controller(c) => {
                // Not a server: point the client at the owner in the latest
                // configuration.
                let hint = c.configs.last().and_then(|config| {
                    let key = request.op.key.as_deref()?;
                    self.params.layout(&config.servers).owner(key)
                });
                ctx.reply(&request, crate::sim::Reply::Redirect(hint));
            }
            Role::Server(_) => self.handle_request(ctx, request),
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match &self.role {
            Role::Controller(_) => "controller",
            Role::Server(s) if s.config.servers.contains(&self.id) => "server",
            Role::Server(_) => "spare",
        })
    }

    fn inspect(&self) -> crate::sim::View {
        self.view()
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        match &self.role {
            Role::Controller(c) => {
                let last = c.configs.last().cloned().unwrap_or_default();
                format!("controller config {last}")
            }
            Role::Server(s) => {
                let state = if s.migrating() {
                    format!(
                        "MIGRATING (waits for {}, {} handoffs unacked)",
                        s.inbound.len(),
                        s.outbound.len()
                    )
                } else {
                    "ready".into()
                };
                format!(
                    "config {} {state} keys {} served {}",
                    s.config,
                    s.kv.data.len(),
                    s.served
                )
            }
        }
    }
}

/// The node's state for the trace and the explorer's fingerprint (the
/// layouts are derived from the configurations and left out).
impl fmt::Debug for Shard {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.role {
            Role::Controller(c) => f
                .debug_struct("Controller")
                .field("id", &self.id)
                .field("configs", &c.configs)
                .field("moves", &c.moves)
                .finish(),
            Role::Server(s) => f
                .debug_struct("Server")
                .field("id", &self.id)
                .field("config", &s.config)
                .field("prev", &s.prev)
                .field("data", &s.kv.data)
                .field("sessions", &s.kv.sessions)
                .field("lineage", &s.lineage)
                .field("inbound", &s.inbound)
                .field("outbound", &s.outbound)
                .field("held", &s.held)
                .field("adopted_at", &s.adopted_at)
                .field("served", &s.served)
                .field("redirects", &s.redirects)
                .field("flush_armed", &s.flush_armed)
                .field("observed", &s.observed)
                .finish(),
        }
    }
}
