//! Service discovery: a registry that instances heartbeat to, with TTLs and
//! health checks, and callers that cache its answer (Consul's and
//! Kubernetes' endpoints, Eureka, in miniature).
//!
//! Nodes: `n0` is the **registry**, `n1..=instances` the **instances** of
//! one service, the rest **callers**: the services that call it, each with
//! its own cached copy of the registry's answer. Clients of the workload
//! talk to a caller (`n{instances+1} + client % callers`; the registry and
//! the instances redirect them there). The registry is one node, not
//! replicated: the lessons here are TTLs, caches and staleness, which a
//! registry replicated on Raft would still have on its clients' side (a
//! Raft-backed registry such as Consul's servers makes the registry itself
//! consistent, not the callers' caches).
//!
//! The rules, and where each lives:
//! - **Registration by heartbeat** ([`Instance`]): an instance sends a
//!   heartbeat every `heartbeat` from the moment it starts; a heartbeat
//!   registers it.
//! - **TTL** ([`Registry::listed`]): the registry lists an instance only
//!   while its last heartbeat is at most `ttl` old, on the registry's clock.
//!   Bug switch `no-expiry`: it never forgets one.
//! - **Flap damping** ([`Registry::on_heartbeat`]): an instance that was
//!   expired (or never listed) is listed again only after `healthy_after`
//!   heartbeats in a row, each within `ttl` of the one before.
//! - **Health checks** ([`Registry::on_health_timer`], optional,
//!   `health_check`): every `health_check` the registry pings each
//!   instance *through the path that serves calls*; an instance that
//!   missed `unhealthy_after` pings in a row is unlisted until it answers
//!   again. A heartbeat proves the process is alive; a health check proves
//!   it serves (a slow instance still heartbeats on time: its timer takes
//!   no worker, see `[service]`).
//! - **A restarted registry waits** ([`Registry::on_lookup`]): it knows
//!   nothing after a restart (registrations are soft state) and answers no
//!   lookup for one `ttl`, the time every live instance needs to heartbeat,
//!   so it never hands out an empty list that a caller would believe.
//! - **Caching** ([`Caller`]): a caller looks the service up every
//!   `refresh` and keeps the last answer. When the registry does not answer
//!   (partitioned, down) the caller keeps its view: with `on_stale =
//!   "serve"` it goes on calling from it however old it gets (availability
//!   over consistency), with `"fail"` it refuses calls once its view is
//!   older than `max_staleness`. Bug switch `cache-forever`: it never
//!   refreshes once it has a view.
//! - **Never an empty view from a full one** ([`Caller`]): an empty
//!   answer does not replace a view that holds instances (a registry that
//!   hears from nobody is more likely cut off than every instance dead).
//! - **Calls** ([`Caller::on_request`]): round robin over the view; a call
//!   unanswered after `call_timeout` is tried on the next instance, up to
//!   `max_attempts` attempts, then fails.
//!
//! Checks and metrics: `checks.rs`. Parameters: [`scenario::PARAMS`].
//! docs/protocols/service-discovery.md is the guided tour.

mod caller;
mod checks;
mod inspect;
mod registry;
pub mod scenario;

pub use caller::Caller;
pub use checks::{builder, CallsWorkload, Routing};
pub use registry::Registry;

use crate::sim::{Ctx, Node, NodeId, Request, SimTime};
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The registry's node.
pub const REGISTRY: NodeId = NodeId(0);

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// The registry never expires an instance: a dead one stays listed
        /// forever, and callers keep sending it calls that time out.
        NoExpiry = "no-expiry",
        /// A caller looks the service up once and never again: instances
        /// that die stay in its view, instances that start never enter it.
        CacheForever = "cache-forever",
        /// A caller retries a timed-out call on the same instance instead
        /// of the next one: a dead instance fails every call routed to it.
        RetrySameInstance = "retry-same-instance",
    }
}

/// What a caller does when the registry has not answered for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OnStale {
    /// Keep calling from the old view (availability).
    Serve,
    /// Refuse calls once the view is older than `max_staleness`
    /// (consistency: never act on a view known to be old).
    Fail,
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Instances of the service: `n1..=instances` (`instances`).
    pub instances: u32,
    /// An instance heartbeats this often (`heartbeat`).
    pub heartbeat: SimTime,
    /// The registry lists an instance while its last heartbeat is at most
    /// this old (`ttl`).
    pub ttl: SimTime,
    /// Heartbeats in a row before a (re)registered instance is listed
    /// (`healthy_after`).
    pub healthy_after: u32,
    /// Active health checks every this often; zero for none
    /// (`health_check`).
    pub health_check: SimTime,
    /// Missed health checks in a row that unlist an instance
    /// (`unhealthy_after`).
    pub unhealthy_after: u32,
    /// A caller looks the service up this often (`refresh`).
    pub refresh: SimTime,
    /// What a caller does with an old view (`on_stale`).
    pub on_stale: OnStale,
    /// How old a view may get before `on_stale = "fail"` refuses calls
    /// (`max_staleness`).
    pub max_staleness: SimTime,
    /// A call attempt unanswered after this is tried elsewhere
    /// (`call_timeout`).
    pub call_timeout: SimTime,
    /// Attempts per call, the first included (`max_attempts`).
    pub max_attempts: u32,
    /// Deliberate defects (`bugs`).
    pub bugs: BTreeSet<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            instances: INSTANCES.default_value(),
            heartbeat: HEARTBEAT.default_value(),
            ttl: TTL.default_value(),
            healthy_after: HEALTHY_AFTER.default_value(),
            health_check: HEALTH_CHECK.default_value(),
            unhealthy_after: UNHEALTHY_AFTER.default_value(),
            refresh: REFRESH.default_value(),
            on_stale: on_stale(ON_STALE.default_value()),
            max_staleness: MAX_STALENESS.default_value(),
            call_timeout: CALL_TIMEOUT.default_value(),
            max_attempts: MAX_ATTEMPTS.default_value(),
            bugs: BTreeSet::new(),
        }
    }
}

impl Params {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }

    /// Whether `id` is an instance.
    pub fn is_instance(&self, id: NodeId) -> bool {
        (1..=self.instances).contains(&id.0)
    }

    /// The instances' ids, in order.
    pub fn instance_ids(&self) -> impl Iterator<Item = NodeId> {
        (1..=self.instances).map(NodeId)
    }

    /// The caller that serves `client` in a cluster of `nodes`.
    pub fn caller_for(&self, client: crate::sim::ClientId, nodes: u32) -> NodeId {
        let first = self.instances + 1;
        let callers = nodes.saturating_sub(first).max(1);
        NodeId(first + client.0 % callers)
    }
}

/// Messages.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Instance → registry: I am alive (and registered).
    Heartbeat,
    /// Caller → registry: which instances are there?
    Lookup,
    /// Registry → caller: these (in id order).
    Instances {
        /// The listed instances.
        instances: Vec<NodeId>,
    },
    /// Caller → instance: one attempt of a call.
    Call {
        /// The attempt's id (unique per caller incarnation).
        attempt: u64,
    },
    /// Instance → caller: done.
    Answer {
        /// The attempt's id.
        attempt: u64,
    },
    /// Registry → instance: a health check.
    Ping {
        /// The check round.
        round: u64,
    },
    /// Instance → registry: healthy.
    Pong {
        /// The check round.
        round: u64,
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Instance: send a heartbeat.
    Heartbeat,
    /// Caller: look the service up again.
    Refresh,
    /// Caller: its view is empty; look up again before the next refresh.
    Relookup,
    /// Caller: an attempt took too long.
    CallTimeout(u64),
    /// Registry: judge the last round of health checks and start the next.
    HealthCheck,
}

/// An instance of the service (`n1..=instances`): it heartbeats, answers
/// calls and health checks.
#[derive(Clone, Debug, Default)]
pub struct Instance {
    /// Calls answered since it last started.
    pub served: u64,
}

impl Instance {
    fn on_start(&mut self, params: &Params, ctx: &mut Ctx<SdNode>) {
        ctx.send(REGISTRY, Msg::Heartbeat);
        ctx.set_timer(params.heartbeat, Timer::Heartbeat);
    }

    fn on_message(&mut self, ctx: &mut Ctx<SdNode>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Call { attempt } => {
                self.served += 1;
                ctx.send(from, Msg::Answer { attempt });
            }
            Msg::Ping { round } => ctx.send(from, Msg::Pong { round }),
            other => ctx.log(format!("ignored {other:?}")),
        }
    }

    fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<SdNode>) {
        ctx.send(REGISTRY, Msg::Heartbeat);
        ctx.set_timer(params.heartbeat, Timer::Heartbeat);
    }
}

/// A node's role and state.
#[derive(Clone, Debug)]
pub enum Role {
    /// `n0`.
    Registry(Registry),
    /// `n1..=instances`.
    Instance(Instance),
    /// The rest.
    Caller(Caller),
}

/// One node of the service-discovery cluster.
#[derive(Clone, Debug)]
pub struct SdNode {
    params: Arc<Params>,
    /// Role and state.
    pub role: Role,
}

impl SdNode {
    /// A fresh node `id`.
    pub fn new(params: Arc<Params>, id: NodeId) -> Self {
        let role = if id == REGISTRY {
            Role::Registry(Registry::default())
        } else if params.is_instance(id) {
            Role::Instance(Instance::default())
        } else {
            Role::Caller(Caller::default())
        };
        SdNode { params, role }
    }

    /// The caller's state, if a caller.
    pub fn as_caller(&self) -> Option<&Caller> {
        match &self.role {
            Role::Caller(c) => Some(c),
            _ => None,
        }
    }

    /// The registry's state, if the registry.
    pub fn as_registry(&self) -> Option<&Registry> {
        match &self.role {
            Role::Registry(r) => Some(r),
            _ => None,
        }
    }

    /// The instance's state, if an instance.
    pub fn as_instance(&self) -> Option<&Instance> {
        match &self.role {
            Role::Instance(i) => Some(i),
            _ => None,
        }
    }
}

impl Node for SdNode {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Registry(r) => r.on_start(&params, ctx),
            Role::Instance(i) => i.on_start(&params, ctx),
            Role::Caller(c) => c.on_start(&params, ctx),
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Registry(r) => r.on_message(&params, ctx, from, msg),
            Role::Instance(i) => i.on_message(ctx, from, msg),
            Role::Caller(c) => c.on_message(&params, ctx, from, msg),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Registry(r) => r.on_timer(&params, ctx, timer),
            Role::Instance(i) => i.on_timer(&params, ctx),
            Role::Caller(c) => c.on_timer(&params, ctx, timer),
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Caller(c) => c.on_request(&params, ctx, request),
            _ => {
                let caller = params.caller_for(request.client, ctx.node_count());
                ctx.reply(&request, crate::sim::Reply::Redirect(Some(caller)));
            }
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match self.role {
            Role::Registry(_) => "registry",
            Role::Instance(_) => "instance",
            Role::Caller(_) => "caller",
        })
    }

    /// The registry's registrations, a caller's view and calls, an
    /// instance's count; parameters folded (`inspect.rs`).
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
            Role::Registry(r) => r.summary(),
            Role::Instance(i) => format!("instance, served {}", i.served),
            Role::Caller(c) => c.summary(),
        }
    }
}

#[cfg(test)]
mod tests;
