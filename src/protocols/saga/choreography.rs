//! The choreographed style: no orchestrator. Each service runs its step and
//! emits the next event through a durable outbox, resent until acknowledged.

use super::{node_of, step_name, Action, Bug, Msg, Order, OutboxEntry, SagaId, SagaNode};
use super::{StepResult, STEPS};
use crate::check::history::Value;
use crate::sim::{ClientId, Ctx, NodeId, Reply};

fn outbox_key(saga: SagaId, step: u8, action: Action) -> String {
    format!("outbox/{saga}/{step}/{action:?}")
}

impl SagaNode {
    /// Reload unacknowledged events after a restart.
    pub(super) fn load_outbox(&mut self, ctx: &mut Ctx<Self>) {
        if self.params.has(Bug::NoPersist) {
            return;
        }
        for key in ctx.storage().keys() {
            if key.starts_with("outbox/") {
                if let Some(e) = ctx.storage().get::<OutboxEntry>(&key) {
                    self.outbox.insert((e.saga, e.step, e.action), e);
                }
            }
        }
    }

    /// A new order at the order service: create it and tell payment.
    pub(super) fn begin_choreographed(&mut self, ctx: &mut Ctx<Self>, saga: SagaId, order: Order) {
        if self.local.records.contains_key(&(0, saga)) {
            return;
        }
        let params = std::sync::Arc::clone(&self.params);
        let (result, fresh) = self.local.execute(&params, ctx, saga, order, 0, Action::Do);
        if fresh {
            self.follow_up(ctx, saga, order, (0, Action::Do), result, String::new());
        }
        ctx.storage().sync();
    }

    /// Handle an event from another service.
    pub(super) fn on_event(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Step {
                saga,
                order,
                step,
                action,
                reason,
            } => {
                let params = std::sync::Arc::clone(&self.params);
                let (result, fresh) = self.local.execute(&params, ctx, saga, order, step, action);
                if result == StepResult::Busy {
                    return; // no ack: the sender resends
                }
                if fresh {
                    self.follow_up(ctx, saga, order, (step, action), result, reason);
                }
                ctx.storage().sync();
                ctx.send(from, Msg::Ack { saga, step, action });
            }
            Msg::Ack { saga, step, action } => {
                if self.outbox.remove(&(saga, step, action)).is_some() {
                    ctx.storage().remove(&outbox_key(saga, step, action));
                }
            }
            Msg::Result { .. } => ctx.log(format!("ignored {msg:?}")),
        }
    }

    /// After a step ran: emit the next event, or finish the saga.
    fn follow_up(
        &mut self,
        ctx: &mut Ctx<Self>,
        saga: SagaId,
        order: Order,
        (step, action): (u8, Action),
        result: StepResult,
        reason: String,
    ) {
        let client = ClientId(saga.client);
        match (action, result) {
            (Action::Do, StepResult::Ok) if step + 1 == STEPS => {
                ctx.reply_to(
                    client,
                    saga.request,
                    Reply::Ok(Value::Str("completed".into())),
                );
            }
            (Action::Do, StepResult::Ok) => {
                self.emit(ctx, saga, order, step + 1, Action::Do, reason)
            }
            (Action::Do, StepResult::Failed(why)) => {
                ctx.log(format!(
                    "{saga}: {} failed ({why}), compensating",
                    step_name(step, action)
                ));
                if step > 0 {
                    self.emit(ctx, saga, order, step - 1, Action::Undo, why);
                }
            }
            (Action::Undo, _) if step == 0 => {
                let reply = Reply::Fail(format!("compensated: {reason}"));
                ctx.reply_to(client, saga.request, reply);
            }
            (Action::Undo, _) => self.emit(ctx, saga, order, step - 1, Action::Undo, reason),
            (Action::Do, StepResult::Busy) => {}
        }
    }

    /// Put an event in the outbox (durable with the step's record) and send it.
    fn emit(
        &mut self,
        ctx: &mut Ctx<Self>,
        saga: SagaId,
        order: Order,
        step: u8,
        action: Action,
        reason: String,
    ) {
        let entry = OutboxEntry {
            saga,
            order,
            step,
            action,
            reason: reason.clone(),
            sent_at: ctx.now(),
        };
        if !self.params.has(Bug::NoPersist) {
            ctx.storage().put(&outbox_key(saga, step, action), &entry);
        }
        self.outbox.insert((saga, step, action), entry);
        let msg = Msg::Step {
            saga,
            order,
            step,
            action,
            reason,
        };
        ctx.send(node_of(step), msg);
    }

    /// Retry tick: resend every unacknowledged event.
    pub(super) fn resend_outbox(&mut self, ctx: &mut Ctx<Self>) {
        let no_retry = self.params.has(Bug::NoCompensationRetry);
        let now = ctx.now();
        for e in self.outbox.values_mut() {
            if no_retry && e.action == Action::Undo {
                continue;
            }
            if now.saturating_sub(e.sent_at) < self.params.retry {
                continue;
            }
            e.sent_at = now;
            let msg = Msg::Step {
                saga: e.saga,
                order: e.order,
                step: e.step,
                action: e.action,
                reason: e.reason.clone(),
            };
            ctx.send(node_of(e.step), msg);
        }
    }
}
