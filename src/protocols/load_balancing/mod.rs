//! Load balancing: balancers choosing among server instances, and what
//! each strategy does to tail latency when one instance turns slow.
//!
//! Nodes: `n0..nB` are **balancers**, the rest **instances** (servers that
//! take time: list them in `[service] nodes`, and the engine queues
//! requests behind their workers). Clients send to balancers: a client
//! starts at node `c mod nodes` (the engine's rule); an instance, or in
//! `client-side` mode a balancer that is not the client's own, redirects it
//! to balancer `c mod B`, and the client stays there. A balancer takes no
//! time (leave it out of `[service] nodes`).
//!
//! Modes (`mode`): `proxy` — one balancer in front of every instance, which
//! sees every request and so has the whole load in view; `client-side` —
//! `balancers` balancers, each a client library with only its own
//! requests in view (a partial view), or, with `load_info = "shared"`,
//! every balancer's outstanding counts as of their last reports, its own
//! included (the whole load, but stale: see `scenarios/lb-stale-load.toml`).
//!
//! The rules, and where each lives:
//! - **Choosing** ([`strategy`], called from `Balancer::pick` through the
//!   hooks of [`lab`], which lab 13's student writes): round robin,
//!   random, least outstanding, power of two choices, consistent hashing
//!   by the request's key with virtual nodes.
//! - **Forwarding and relaying** (`Balancer::on_request`,
//!   `Balancer::on_answer`): one attempt per request to the chosen
//!   instance, the balancer's outstanding count for it raised, lowered on
//!   the answer or the attempt's timeout (`request_timeout`); the first
//!   answer goes to the client, exactly once.
//! - **Retries** (`Balancer::on_attempt_timeout`): at most `retries` per
//!   request, to another instance, and no more in all than `retry_budget`
//!   of the requests received.
//! - **Hedging** (`Balancer::on_hedge`): after `hedge_after` without an
//!   answer, a second copy to another instance; the first answer wins, the
//!   other is ignored when it comes.
//! - **Outlier ejection** (`Balancer::note_outcome`): `eject_after`
//!   consecutive failures (timeouts, or answers slower than
//!   `eject_latency`) take an instance out of the choice for `eject_for`;
//!   at most half the instances are ejected at once.
//! - **Slow start** (`Balancer::ramped`, in `Balancer::pick`; the ramp
//!   starts in `Balancer::on_hello` at an instance's second or later
//!   `Hello`): for `slow_start` after an instance comes back, it counts as
//!   `(outstanding + 1) / share - 1`, its share rising from a tenth to a
//!   whole, so least-outstanding and two-choices do not send it every
//!   request at once (`scenarios/lb-herd-after-restart.toml`,
//!   `scenarios/lb-herd-slow-start.toml`).
//! - **Long-lived requests** (`hold`, an instance's `Timer::Hold`): an
//!   instance answers `hold` after it starts serving a request, so
//!   outstanding counts open connections.
//!
//! Parameters: [`scenario::PARAMS`]; checks and metrics: `checks.rs`.

mod balancer;
mod checks;
mod inspect;
mod kinds;
pub mod lab;
pub mod scenario;
pub mod strategy;

pub use balancer::{Balancer, BalancerStats, Pick};
pub use checks::{builder, KeyWorkload};
pub use strategy::Strategy;

use crate::sim::{Ctx, Node, NodeId, Ratio, Reply, Request, SimTime, Value};
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// A balancer forgets to lower its outstanding count when an answer
        /// comes: least-outstanding starves the instances it used most.
        LeakOutstanding = "leak-outstanding",
        /// Both answers of a hedged request go to the client.
        HedgeDoubleAnswer = "hedge-double-answer",
        /// Retries ignore the retry budget: a slow instance sets off a
        /// retry storm.
        RetryWithoutBudget = "retry-without-budget",
        /// A balancer counts failures and ejects, but keeps sending to the
        /// ejected instance.
        EjectIgnored = "eject-ignored",
        /// Least-outstanding and two-choices pick the *more* loaded
        /// instance.
        ChooseMoreLoaded = "choose-more-loaded",
        /// A balancer sets no timeout on its attempts: a request sent to
        /// an instance that crashed is never answered.
        NoAttemptTimeout = "no-attempt-timeout",
        /// Round robin's cursor never moves: every request goes to the
        /// first eligible instance (lab 13, part A).
        RoundRobinStuck = "round-robin-stuck",
        /// The consistent-hash ring ignores `virtual_nodes`: one point per
        /// instance, so a few instances own most keys (lab 13, part C).
        RingOnePoint = "ring-one-point",
    }
}

/// Where the balancing happens (`mode`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// One balancer in front of all instances.
    Proxy,
    /// One balancer per group of clients, each with its own view.
    ClientSide,
}

/// What a balancer knows of the load.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadInfo {
    /// Its own outstanding requests only.
    Local,
    /// Every balancer's (its own included) as of their last reports.
    Shared,
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Proxy or client-side (`mode`).
    pub mode: Mode,
    /// Balancer nodes, `n0..` (`balancers`; 1 in proxy mode).
    pub balancers: u32,
    /// How a balancer chooses (`strategy`).
    pub strategy: Strategy,
    /// Points per instance on the hash ring (`virtual_nodes`).
    pub virtual_nodes: u32,
    /// Keys the workload draws from (`keys`).
    pub keys: u32,
    /// A balancer's timeout for one attempt (`request_timeout`).
    pub request_timeout: SimTime,
    /// Retries per request at most (`retries`).
    pub retries: u32,
    /// Retries in all at most this share of requests (`retry_budget`).
    pub retry_budget: Ratio,
    /// Send a second copy after this long without an answer; zero: never
    /// (`hedge_after`).
    pub hedge_after: SimTime,
    /// Consecutive failures that eject an instance; zero: never
    /// (`eject_after`).
    pub eject_after: u32,
    /// An answer slower than this counts as a failure; zero: only
    /// timeouts do (`eject_latency`).
    pub eject_latency: SimTime,
    /// How long an ejection lasts (`eject_for`).
    pub eject_for: SimTime,
    /// What a balancer knows of the load (`load_info`).
    pub load_info: LoadInfo,
    /// How often balancers share their counts with `load_info = "shared"`
    /// (`load_report_every`).
    pub load_report_every: SimTime,
    /// An instance answers this long after serving a request; zero: at
    /// once (`hold`).
    pub hold: SimTime,
    /// A restarted instance's share ramps up over this long; zero: no ramp
    /// (`slow_start`).
    pub slow_start: SimTime,
    /// Deliberate defects (`bugs`).
    pub bugs: BTreeSet<Bug>,
    /// The strategies' rules (the reference's, or a lab 13 student's).
    pub hooks: lab::Hooks,
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            mode: Mode::Proxy,
            balancers: 1,
            strategy: Strategy::RoundRobin,
            virtual_nodes: VIRTUAL_NODES.default_value(),
            keys: KEYS.default_value(),
            request_timeout: REQUEST_TIMEOUT.default_value(),
            retries: RETRIES.default_value(),
            retry_budget: RETRY_BUDGET.default_value(),
            hedge_after: HEDGE_AFTER.default_value(),
            eject_after: EJECT_AFTER.default_value(),
            eject_latency: EJECT_LATENCY.default_value(),
            eject_for: EJECT_FOR.default_value(),
            load_info: LoadInfo::Local,
            load_report_every: LOAD_REPORT_EVERY.default_value(),
            hold: HOLD.default_value(),
            slow_start: SLOW_START.default_value(),
            bugs: BTreeSet::new(),
            hooks: lab::Hooks::default(),
        }
    }
}

impl Params {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }

    /// Whether node `id` is a balancer.
    pub fn is_balancer(&self, id: NodeId) -> bool {
        id.0 < self.balancers
    }
}

/// Messages.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Balancer → instance: one attempt of a client's request.
    Request {
        /// Attempt id (unique per balancer).
        attempt: u64,
        /// The request's key.
        key: String,
    },
    /// Instance → balancer: the answer to an attempt.
    Answer {
        /// Attempt id.
        attempt: u64,
        /// The value read.
        value: Value,
    },
    /// Instance → every balancer, when it starts: I am up.
    Hello,
    /// Balancer → balancer (`load_info = "shared"`): my outstanding
    /// requests per instance.
    Load {
        /// One count per instance.
        outstanding: Vec<u32>,
    },
}

/// Timers (balancers only).
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// An attempt took too long.
    AttemptTimeout(u64),
    /// Time to hedge call `0`.
    Hedge(u64),
    /// Time to share the load view.
    Report,
    /// An instance's held request is due (`hold`): answer it now.
    Hold {
        /// The balancer that sent the attempt.
        balancer: NodeId,
        /// Attempt id.
        attempt: u64,
        /// The request's key.
        key: String,
    },
}

/// A node's role.
#[derive(Clone, Debug)]
pub enum Role {
    /// `n0..nB`.
    Balancer(Box<Balancer>),
    /// The rest.
    Instance {
        /// Requests answered since the last start.
        served: u64,
    },
}

/// One node: a balancer or an instance.
#[derive(Clone, Debug)]
pub struct LbNode {
    params: Arc<Params>,
    /// Role and state.
    pub role: Role,
}

impl LbNode {
    /// A fresh node `id` of a run with `nodes` nodes.
    pub fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        let role = if params.is_balancer(id) {
            Role::Balancer(Box::new(Balancer::new(&params, id, nodes)))
        } else {
            Role::Instance { served: 0 }
        };
        LbNode { params, role }
    }

    /// The balancer state, if a balancer.
    pub fn balancer(&self) -> Option<&Balancer> {
        match &self.role {
            Role::Balancer(b) => Some(b),
            Role::Instance { .. } => None,
        }
    }

    /// The balancer the client of `request` belongs to.
    fn home(&self, request: &Request) -> NodeId {
        NodeId(request.client.0 % self.params.balancers.max(1))
    }
}

/// The value an instance answers for `key` (a read-only table: the key's
/// number, `k17` → 17).
pub fn table_value(key: &str) -> Value {
    Value::Int(key.trim_start_matches('k').parse().unwrap_or(0))
}

impl Node for LbNode {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let params = Arc::clone(&self.params);
        match &mut self.role {
            Role::Balancer(b) => b.on_start(&params, ctx),
            Role::Instance { .. } => {
                for b in 0..params.balancers {
                    ctx.send(NodeId(b), Msg::Hello);
                }
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        let params = Arc::clone(&self.params);
        match (&mut self.role, msg) {
            (Role::Instance { served }, Msg::Request { attempt, key }) => {
                *served += 1;
                if params.hold > SimTime::ZERO {
                    let balancer = from;
                    ctx.set_timer(
                        params.hold,
                        Timer::Hold {
                            balancer,
                            attempt,
                            key,
                        },
                    );
                } else {
                    let value = table_value(&key);
                    ctx.send(from, Msg::Answer { attempt, value });
                }
            }
            (Role::Balancer(b), Msg::Answer { attempt, value }) => {
                b.on_answer(&params, ctx, attempt, value)
            }
            (Role::Balancer(b), Msg::Hello) => b.on_hello(ctx, from),
            (Role::Balancer(b), Msg::Load { outstanding }) => b.on_load(from, outstanding),
            (_, msg) => ctx.log(format!("ignored {msg:?}")),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        let params = Arc::clone(&self.params);
        match (&mut self.role, timer) {
            (
                Role::Instance { .. },
                Timer::Hold {
                    balancer,
                    attempt,
                    key,
                },
            ) => {
                let value = table_value(&key);
                ctx.send(balancer, Msg::Answer { attempt, value });
            }
            (Role::Balancer(b), timer) => b.on_timer(&params, ctx, timer),
            (Role::Instance { .. }, _) => {}
        }
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let params = Arc::clone(&self.params);
        let home = self.home(&request);
        match &mut self.role {
            Role::Balancer(b) if params.mode == Mode::Proxy || home == ctx.id() => {
                b.on_request(&params, ctx, request)
            }
            _ => ctx.reply(&request, Reply::Redirect(Some(home))),
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match self.role {
            Role::Balancer(_) => "balancer",
            Role::Instance { .. } => "instance",
        })
    }

    /// A balancer's view of the instances (outstanding, ejected, served),
    /// its calls and counters; an instance's count (`inspect.rs`).
    fn inspect(&self) -> crate::sim::View {
        let view = match &self.role {
            Role::Balancer(b) => b.view(&self.params),
            Role::Instance { served } => crate::sim::View::new()
                .section("instance")
                .field("served", *served),
        };
        view.params(&*self.params)
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        match &self.role {
            Role::Balancer(b) => b.summary(&self.params),
            Role::Instance { served } => format!("instance: served {served}"),
        }
    }
}
