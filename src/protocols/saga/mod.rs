//! Sagas: an order flow across four services, with a compensation for every
//! step, in two styles (orchestrated and choreographed).
//!
//! Nodes are services: **n0 order** (and, in the orchestrated style, the
//! orchestrator), **n1 payment**, **n2 inventory**, **n3 shipping**. A client
//! places an order (customer, item, quantity); the saga runs five local
//! transactions, each with a compensation:
//!
//! | step | service   | local transaction                 | may fail with      | compensation   |
//! |------|-----------|-----------------------------------|--------------------|----------------|
//! | 0    | order     | create the order (pending)        | —                  | cancel order   |
//! | 1    | payment   | charge the customer               | insufficient funds | refund         |
//! | 2    | inventory | reserve stock                     | out of stock       | release stock  |
//! | 3    | shipping  | schedule a shipment               | no courier         | cancel shipment|
//! | 4    | order     | fraud check, approve the order    | fraud check        | —              |
//!
//! A step that fails starts the compensations of the steps before it, newest
//! first; the saga ends **completed** (step 4 done) or **compensated** (step 0
//! undone), and the client is answered `ok` or `fail`. Any handler can also
//! fail *transiently* (`flaky`): nothing happens, and the command is retried.
//!
//! - **Orchestrated** (`style = "orchestrated"`): the orchestrator on n0 sends
//!   each command and waits for its result, persisting the saga's progress
//!   (synced) at every transition so that it resumes after a crash; it resends
//!   the current command every `retry` until it gets an answer.
//! - **Choreographed** (`style = "choreographed"`): there is no orchestrator;
//!   each service, having run its step, emits the next event (forward on
//!   success, backward on failure) through a durable **outbox** written in the
//!   same local transaction, and resends it every `retry` until the next
//!   service acknowledges it.
//!
//! Messaging is at-least-once (resends, network duplication), so every handler
//! is **idempotent**: each service keeps a record per (step, saga) — the
//! idempotency key — holding the step's result, written and synced together
//! with the effect; a repeated command returns the recorded result. The
//! records survive restarts.
//!
//! Sagas are not isolated: a saga can be refused stock or money held by
//! another saga that is later compensated. The services note whose holdings
//! caused each refusal; the `isolation-anomalies` metric counts refusals
//! caused by sagas that were rolled back.
//!
//! Checks (`checks.rs`): no double charge, stock never negative (always);
//! every saga completed or fully compensated, and money and stock conserved
//! across completed and compensated sagas (at the end).
//!
//! Bug switches (`[protocol] bugs = [...]`): `payment-not-idempotent`,
//! `no-compensation-retry`, `no-persist`, `give-up-on-busy` (see [`Bug`]).
//! Parameters and their defaults: [`scenario::PARAMS`].

mod checks;
pub mod lab;
pub use lab::SagaLabNode;
mod choreography;
mod inspect;
mod orchestrator;
pub mod scenario;
mod services;

pub use checks::{attach_checks, builder, charged_at_most_once, parse_order, OrderWorkload};
pub use orchestrator::{Orchestrator, SagaRecord, SagaStatus};
pub use services::{Services, StepRecord};

use crate::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fmt;
use std::sync::Arc;

/// Steps in a saga.
pub const STEPS: u8 = 5;

/// The node that runs `step`.
pub fn node_of(step: u8) -> NodeId {
    match step {
        1 => NodeId(1),
        2 => NodeId(2),
        3 => NodeId(3),
        _ => NodeId(0),
    }
}

/// A step's name, for logs.
pub fn step_name(step: u8, action: Action) -> &'static str {
    match (step, action) {
        (0, Action::Do) => "create order",
        (0, Action::Undo) => "cancel order",
        (1, Action::Do) => "charge",
        (1, Action::Undo) => "refund",
        (2, Action::Do) => "reserve stock",
        (2, Action::Undo) => "release stock",
        (3, Action::Do) => "schedule shipment",
        (3, Action::Undo) => "cancel shipment",
        (4, Action::Do) => "approve order",
        _ => "nothing",
    }
}

/// How the saga is driven.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Style {
    /// An orchestrator on n0 sends commands and persists progress.
    Orchestrated,
    /// Services react to each other's events through outboxes.
    Choreographed,
}

impl crate::scenario::Choice for Style {
    const NAMES: &'static [&'static str] = &["orchestrated", "choreographed"];
    const ALL: &'static [Style] = &[Style::Orchestrated, Style::Choreographed];
}

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// The payment service ignores its idempotency records when charging: a
        /// duplicated or resent charge charges again.
        PaymentNotIdempotent = "payment-not-idempotent",
        /// A compensation is sent once: not resent when lost, and a transient
        /// failure abandons the saga.
        NoCompensationRetry = "no-compensation-retry",
        /// The orchestrator keeps saga progress in memory only (choreographed:
        /// outboxes are not persisted).
        NoPersist = "no-persist",
        /// The orchestrator treats a transient failure (`Busy`) of a forward
        /// step as a refusal and compensates, instead of retrying.
        GiveUpOnBusy = "give-up-on-busy",
    }
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// Orchestrated or choreographed (`style`).
    pub style: Style,
    /// Customers, each with an account at payment (`customers`).
    pub customers: u32,
    /// Every customer's opening balance (`initial_balance`).
    pub initial_balance: i64,
    /// Items at inventory (`items`).
    pub items: u32,
    /// Every item's opening stock (`initial_stock`).
    pub initial_stock: i64,
    /// Chance that shipping finds no courier (`shipping_failure`).
    pub shipping_failure: crate::sim::Ratio,
    /// Chance that the final fraud check rejects the order (`reject_ratio`).
    pub reject_ratio: crate::sim::Ratio,
    /// Chance that any handler fails transiently (`flaky`).
    pub flaky: crate::sim::Ratio,
    /// Resend unanswered commands and unacknowledged events this often
    /// (`retry`).
    pub retry: SimTime,
    /// Deliberate defects (`bugs`).
    pub bugs: std::collections::BTreeSet<Bug>,
}

impl Params {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            style: STYLE.default_value(),
            customers: CUSTOMERS.default_value(),
            initial_balance: INITIAL_BALANCE.default_value(),
            items: ITEMS.default_value(),
            initial_stock: INITIAL_STOCK.default_value(),
            shipping_failure: SHIPPING_FAILURE.default_value(),
            reject_ratio: REJECT_RATIO.default_value(),
            flaky: FLAKY.default_value(),
            retry: RETRY.default_value(),
            bugs: Default::default(),
        }
    }
}

/// A saga's id: the client request that placed the order.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct SagaId {
    /// The client.
    pub client: u32,
    /// The client's request number.
    pub request: u64,
}

impl fmt::Display for SagaId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "s{}.{}", self.client, self.request)
    }
}

/// What was ordered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub struct Order {
    /// Customer index.
    pub customer: u32,
    /// Item index.
    pub item: u32,
    /// Quantity.
    pub qty: u32,
    /// Price charged.
    pub amount: i64,
}

impl Order {
    /// Unit price of item `item`: 10, 15, 20, ...
    pub fn price(item: u32) -> i64 {
        10 + 5 * i64::from(item)
    }
}

/// Run a step, or compensate it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Action {
    /// The local transaction.
    Do,
    /// Its compensation.
    Undo,
}

/// A step's answer.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum StepResult {
    /// Done.
    Ok,
    /// Refused for a business reason: compensate the earlier steps.
    Failed(String),
    /// Temporarily unavailable, nothing happened: try again.
    Busy,
}

/// Messages between services.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Run or compensate `step` (a command from the orchestrator, or an event
    /// from the neighbouring service).
    Step {
        /// The saga.
        saga: SagaId,
        /// The order.
        order: Order,
        /// Which step.
        step: u8,
        /// Run or compensate.
        action: Action,
        /// Why the saga is compensating (empty going forward).
        reason: String,
    },
    /// Orchestrated: a service's answer to a `Step` command.
    Result {
        /// The saga.
        saga: SagaId,
        /// Which step.
        step: u8,
        /// Run or compensate.
        action: Action,
        /// The answer.
        result: StepResult,
    },
    /// Choreographed: the receiver handled the event (stop resending it).
    Ack {
        /// The saga.
        saga: SagaId,
        /// Which step.
        step: u8,
        /// Run or compensate.
        action: Action,
    },
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Resend unanswered commands / unacknowledged events.
    Retry,
}

/// An event waiting in a choreographed service's outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutboxEntry {
    /// The saga.
    pub saga: SagaId,
    /// The order.
    pub order: Order,
    /// The step the receiver should run or compensate.
    pub step: u8,
    /// Run or compensate.
    pub action: Action,
    /// Why compensating.
    pub reason: String,
    /// Local time it was last sent.
    pub sent_at: SimTime,
}

/// One service node.
#[derive(Clone, Debug)]
pub struct SagaNode {
    params: Arc<Params>,
    id: NodeId,
    /// The services' state on this node.
    pub local: Services,
    /// The orchestrator (n0, orchestrated style).
    pub orchestrator: Option<Orchestrator>,
    /// Choreographed style: events not acknowledged yet, by (saga, step, action).
    pub outbox: BTreeMap<(SagaId, u8, Action), OutboxEntry>,
}

impl SagaNode {
    /// A fresh node `id`.
    pub fn new(params: Arc<Params>, id: NodeId) -> Self {
        let orchestrator =
            (id == NodeId(0) && params.style == Style::Orchestrated).then(Orchestrator::default);
        SagaNode {
            local: Services::new(&params, id),
            params,
            id,
            orchestrator,
            outbox: BTreeMap::new(),
        }
    }

    /// The protocol parameters.
    pub fn params(&self) -> &Params {
        &self.params
    }
}

impl Node for SagaNode {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.local.load(&self.params, ctx);
        match self.params.style {
            Style::Orchestrated => {
                let params = Arc::clone(&self.params);
                if let Some(o) = self.orchestrator.as_mut() {
                    o.start(&params, &mut self.local, ctx);
                }
            }
            Style::Choreographed => self.load_outbox(ctx),
        }
        ctx.set_timer(self.params.retry, Timer::Retry);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        self.local.last_touched = None;
        let params = Arc::clone(&self.params);
        match (params.style, msg) {
            (
                Style::Orchestrated,
                Msg::Result {
                    saga,
                    step,
                    action,
                    result,
                },
            ) => {
                if let Some(o) = self.orchestrator.as_mut() {
                    o.on_result(&params, &mut self.local, ctx, saga, (step, action), result);
                }
            }
            (
                Style::Orchestrated,
                Msg::Step {
                    saga,
                    order,
                    step,
                    action,
                    ..
                },
            ) => {
                let (result, _) = self.local.execute(&params, ctx, saga, order, step, action);
                ctx.storage().sync();
                ctx.send(
                    from,
                    Msg::Result {
                        saga,
                        step,
                        action,
                        result,
                    },
                );
            }
            (Style::Choreographed, msg) => self.on_event(ctx, from, msg),
            (Style::Orchestrated, msg) => ctx.log(format!("ignored {msg:?}")),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: Timer) {
        self.local.last_touched = None;
        let params = Arc::clone(&self.params);
        match params.style {
            Style::Orchestrated => {
                if let Some(o) = self.orchestrator.as_mut() {
                    o.resend(&params, &mut self.local, ctx);
                }
            }
            Style::Choreographed => self.resend_outbox(ctx),
        }
        ctx.set_timer(params.retry, Timer::Retry);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        self.local.last_touched = None;
        if self.id != NodeId(0) {
            return ctx.reply(&request, Reply::Redirect(Some(NodeId(0))));
        }
        let Some(order) = checks::parse_order(&self.params, &request) else {
            let why = format!(
                "expected an order [customer, item, qty], got {}",
                request.op.value
            );
            return ctx.reply(&request, Reply::Fail(why));
        };
        let saga = SagaId {
            client: request.client.0,
            request: request.id,
        };
        let params = Arc::clone(&self.params);
        match params.style {
            Style::Orchestrated => {
                if let Some(o) = self.orchestrator.as_mut() {
                    o.begin(&params, &mut self.local, ctx, saga, order);
                }
            }
            Style::Choreographed => self.begin_choreographed(ctx, saga, order),
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match self.id.0 {
            0 if self.orchestrator.is_some() => "orchestrator",
            0 => "order",
            1 => "payment",
            2 => "inventory",
            _ => "shipping",
        })
    }

    /// The orchestrator's sagas (on n0), the local service's state and
    /// step records, the outbox of events not yet acknowledged;
    /// parameters folded (`inspect.rs`).
    fn inspect(&self) -> crate::sim::View {
        self.view(self.role().unwrap_or("service"))
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        let mut text = self.local.summary(&self.params);
        if let Some(o) = &self.orchestrator {
            text = format!("{}; {text}", o.summary());
        }
        if !self.outbox.is_empty() {
            text.push_str(&format!("; outbox {}", self.outbox.len()));
        }
        text
    }
}

#[cfg(test)]
mod tests;
