//! What the inspector shows of a saga node, in the pattern's words: the
//! orchestrator's sagas (the step outstanding, going forward or
//! compensating, and why), the local service's step records (the
//! idempotency keys: result, applied and compensated counts), its
//! balances or stock, and the choreographed outbox. Steps are named as the
//! logs name them (`charge`, `refund`); sagas as `s0.3` (client 0's
//! request 3). Messages: `Step s0.3 charge`, `Result s0.3 charge ok`.

use super::orchestrator::{Orchestrator, SagaStatus};
use super::services::Services;
use super::{step_name, Action, Msg, Order, SagaNode, StepResult};
use crate::base::inspect::{Item, View};

/// `customer 2 buys 3 × item 1 for 45`.
fn order_text(order: &Order) -> String {
    format!(
        "customer {} buys {} × item {} for {}",
        order.customer, order.qty, order.item, order.amount
    )
}

/// `ok`, `failed: out of stock`, `busy`.
fn result_text(result: &StepResult) -> String {
    match result {
        StepResult::Ok => "ok".into(),
        StepResult::Failed(why) => format!("failed: {why}"),
        StepResult::Busy => "busy".into(),
    }
}

/// `do` or `undo`.
fn action_text(action: Action) -> &'static str {
    match action {
        Action::Do => "do",
        Action::Undo => "undo",
    }
}

impl Orchestrator {
    /// The orchestrator's sagas, newest last.
    fn view(&self, view: View) -> View {
        let sagas = self.sagas.values().map(|r| {
            let step = step_name(r.step, r.action);
            let text = match r.status {
                SagaStatus::Running if r.action == Action::Do => {
                    format!("running: {step} (step {})", r.step)
                }
                SagaStatus::Running => {
                    format!(
                        "compensating: {step} (step {}), because {}",
                        r.step, r.reason
                    )
                }
                SagaStatus::Completed => "completed".into(),
                SagaStatus::Compensated => format!("compensated, because {}", r.reason),
                SagaStatus::Stuck => format!("STUCK at {step} (step {})", r.step),
            };
            (r.saga.to_string(), Item::text(text))
        });
        let running = self
            .sagas
            .values()
            .filter(|r| r.status == SagaStatus::Running)
            .count();
        view.section("orchestrator")
            .field("running", running)
            .field("sagas", Item::list_last(sagas))
    }
}

impl Services {
    /// The local service: its state and its step records.
    fn view(&self, view: View, title: &str) -> View {
        let records = self.records.values().map(|r| {
            let mut text = match &r.result {
                Some(result) => result_text(result),
                None => "not run".into(),
            };
            if r.applied > 0 || r.undone > 0 {
                text.push_str(&format!(", applied {} undone {}", r.applied, r.undone));
            }
            if let Some(at) = r.done_at {
                text.push_str(&format!(", at {at}"));
            }
            if let Some(at) = r.undone_at {
                text.push_str(&format!(", compensated at {at}"));
            }
            if !r.blocked_by.is_empty() {
                let by: Vec<String> = r.blocked_by.iter().map(|s| s.to_string()).collect();
                text.push_str(&format!(", blocked by {}", by.join(" ")));
            }
            (
                format!("{} {}", r.saga, step_name(r.step, Action::Do)),
                Item::text(text),
            )
        });
        let mut view = view.section(title);
        if !self.balances.is_empty() {
            let balances = self
                .balances
                .iter()
                .map(|(c, b)| (format!("customer {c}"), Item::from(*b)));
            view = view.field("balances", Item::list(balances));
        }
        if !self.stock.is_empty() {
            let stock = self
                .stock
                .iter()
                .map(|(i, s)| (format!("item {i}"), Item::from(*s)));
            view = view.field("stock", Item::list(stock));
        }
        view.field("stepRecords", Item::list_last(records))
            .field("dedupHits", self.dedup_hits)
            .field("transientFailures", self.transient_failures)
    }
}

impl SagaNode {
    /// The node's labelled view ([`crate::sim::Node::inspect`]).
    pub(super) fn view(&self, role: &str) -> View {
        let mut view = View::new();
        if let Some(o) = &self.orchestrator {
            view = o.view(view);
        }
        let title = match role {
            "orchestrator" => "order service".to_string(),
            other => format!("{other} service"),
        };
        view = self.local.view(view, &title);
        if !self.outbox.is_empty() || self.orchestrator.is_none() {
            let outbox = self.outbox.values().map(|e| {
                (
                    format!("{} {}", e.saga, step_name(e.step, e.action)),
                    Item::text(format!("to step {}, last sent {}", e.step, e.sent_at)),
                )
            });
            view = view
                .section("outbox (unacknowledged events)")
                .field("events", Item::list(outbox));
        }
        view.params(self.params())
    }
}

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Step {
            saga,
            step,
            action,
            reason,
            ..
        } if !reason.is_empty() => {
            format!("Step {saga} {}: {reason}", step_name(*step, *action))
        }
        Msg::Step {
            saga, step, action, ..
        } => format!("Step {saga} {}", step_name(*step, *action)),
        Msg::Result {
            saga,
            step,
            action,
            result,
        } => format!(
            "Result {saga} {} {}",
            step_name(*step, *action),
            result_text(result)
        ),
        Msg::Ack { saga, step, action } => format!("Ack {saga} {}", step_name(*step, *action)),
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    match message {
        Msg::Step {
            saga,
            order,
            step,
            action,
            reason,
        } => {
            let view = View::new()
                .section("Step")
                .field("saga", saga.to_string())
                .field("step", format!("{step}: {}", step_name(*step, *action)))
                .field("action", action_text(*action))
                .field("order", order_text(order));
            if reason.is_empty() {
                view
            } else {
                view.field("compensatingBecause", reason.as_str())
            }
        }
        Msg::Result {
            saga,
            step,
            action,
            result,
        } => View::new()
            .section("Result")
            .field("saga", saga.to_string())
            .field("step", format!("{step}: {}", step_name(*step, *action)))
            .field("result", result_text(result)),
        Msg::Ack { saga, step, action } => View::new()
            .section("Ack")
            .field("saga", saga.to_string())
            .field("step", format!("{step}: {}", step_name(*step, *action))),
    }
}
