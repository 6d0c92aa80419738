//! The orchestrator (n0, orchestrated style): drives each saga step by step
//! and persists its progress so that it resumes after a crash.

use super::services::Services;
use super::{node_of, step_name, Action, Bug, Msg, Order, Params, SagaId, SagaNode};
use super::{StepResult, STEPS};
use crate::check::history::Value;
use crate::sim::{ClientId, Ctx, NodeId, Reply, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Where a saga stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum SagaStatus {
    /// Steps or compensations still to run.
    Running,
    /// Every step done.
    Completed,
    /// Every done step compensated.
    Compensated,
    /// Abandoned half-way (only under `no-compensation-retry`).
    Stuck,
}

/// A saga's progress (`saga/<id>` in storage, synced at every transition).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SagaRecord {
    /// The saga.
    pub saga: SagaId,
    /// The order.
    pub order: Order,
    /// The step whose command is outstanding.
    pub step: u8,
    /// Running it, or compensating it.
    pub action: Action,
    /// Where the saga stands.
    pub status: SagaStatus,
    /// Why it is compensating.
    pub reason: String,
}

/// The orchestrator's state.
#[derive(Clone, Debug, Default)]
pub struct Orchestrator {
    /// Every saga (reloaded from storage at start).
    pub sagas: BTreeMap<SagaId, SagaRecord>,
    /// When each outstanding command was last sent (volatile).
    sent_at: BTreeMap<SagaId, SimTime>,
}

fn saga_key(saga: SagaId) -> String {
    format!("saga/{saga}")
}

impl Orchestrator {
    /// Restart: reload progress and resume every running saga.
    pub(super) fn start(&mut self, params: &Params, local: &mut Services, ctx: &mut Ctx<SagaNode>) {
        if params.has(Bug::NoPersist) {
            return;
        }
        for key in ctx.storage().keys() {
            if key.starts_with("saga/") {
                if let Some(r) = ctx.storage().get::<SagaRecord>(&key) {
                    self.sagas.insert(r.saga, r);
                }
            }
        }
        let running: Vec<SagaId> = self
            .sagas
            .values()
            .filter(|r| r.status == SagaStatus::Running)
            .map(|r| r.saga)
            .collect();
        if !running.is_empty() {
            ctx.log(format!("resuming {} sagas from the log", running.len()));
        }
        for saga in running {
            self.drive(params, local, ctx, saga);
        }
    }

    /// A new order: record the saga and start it.
    pub(super) fn begin(
        &mut self,
        params: &Params,
        local: &mut Services,
        ctx: &mut Ctx<SagaNode>,
        saga: SagaId,
        order: Order,
    ) {
        if self.sagas.contains_key(&saga) {
            return;
        }
        let record = SagaRecord {
            saga,
            order,
            step: 0,
            action: Action::Do,
            status: SagaStatus::Running,
            reason: String::new(),
        };
        self.save(params, ctx, &record);
        self.sagas.insert(saga, record);
        self.drive(params, local, ctx, saga);
    }

    fn save(&self, params: &Params, ctx: &mut Ctx<SagaNode>, record: &SagaRecord) {
        if !params.has(Bug::NoPersist) {
            ctx.storage().put(&saga_key(record.saga), record);
        }
        ctx.storage().sync();
    }

    /// Issue the outstanding command; local steps run at once.
    fn drive(
        &mut self,
        params: &Params,
        local: &mut Services,
        ctx: &mut Ctx<SagaNode>,
        saga: SagaId,
    ) {
        loop {
            let Some(r) = self
                .sagas
                .get(&saga)
                .filter(|r| r.status == SagaStatus::Running)
            else {
                return;
            };
            let (step, action, order) = (r.step, r.action, r.order);
            if node_of(step) != NodeId(0) {
                let reason = r.reason.clone();
                self.sent_at.insert(saga, ctx.now());
                let msg = Msg::Step {
                    saga,
                    order,
                    step,
                    action,
                    reason,
                };
                return ctx.send(node_of(step), msg);
            }
            let (result, _) = local.execute(params, ctx, saga, order, step, action);
            let busy = result == StepResult::Busy;
            self.transition(params, ctx, saga, result);
            if busy {
                self.sent_at.insert(saga, ctx.now());
                return; // the retry tick tries again
            }
        }
    }

    /// A service answered.
    pub(super) fn on_result(
        &mut self,
        params: &Params,
        local: &mut Services,
        ctx: &mut Ctx<SagaNode>,
        saga: SagaId,
        command: (u8, Action),
        result: StepResult,
    ) {
        let current = self
            .sagas
            .get(&saga)
            .is_some_and(|r| r.status == SagaStatus::Running && (r.step, r.action) == command);
        if !current {
            return; // a late or duplicated answer
        }
        let busy = result == StepResult::Busy;
        self.transition(params, ctx, saga, result);
        if !busy {
            self.drive(params, local, ctx, saga);
        }
    }

    /// Apply a step's result to the saga's progress and persist it.
    fn transition(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<SagaNode>,
        saga: SagaId,
        result: StepResult,
    ) {
        let Some(mut r) = self.sagas.remove(&saga) else {
            return;
        };
        let result = match result {
            StepResult::Busy if params.has(Bug::GiveUpOnBusy) && r.action == Action::Do => {
                StepResult::Failed("busy (bug: gave up)".into())
            }
            other => other,
        };
        let reply = match (r.action, result) {
            (Action::Do, StepResult::Ok) if r.step + 1 == STEPS => {
                r.status = SagaStatus::Completed;
                Some(Reply::Ok(Value::Str("completed".into())))
            }
            (Action::Do, StepResult::Ok) => {
                r.step += 1;
                None
            }
            (Action::Do, StepResult::Failed(why)) => {
                ctx.log(format!(
                    "{saga}: {} failed ({why}), compensating",
                    step_name(r.step, Action::Do)
                ));
                r.reason = why;
                r.action = Action::Undo;
                if r.step == 0 {
                    r.status = SagaStatus::Compensated;
                } else {
                    r.step -= 1;
                }
                None
            }
            (Action::Undo, StepResult::Busy) if params.has(Bug::NoCompensationRetry) => {
                ctx.log(format!(
                    "{saga}: {} failed, giving up (bug)",
                    step_name(r.step, Action::Undo)
                ));
                r.status = SagaStatus::Stuck;
                None
            }
            (_, StepResult::Busy) => None,
            (Action::Undo, _) if r.step == 0 => {
                r.status = SagaStatus::Compensated;
                Some(Reply::Fail(format!("compensated: {}", r.reason)))
            }
            (Action::Undo, _) => {
                r.step -= 1;
                None
            }
        };
        self.save(params, ctx, &r);
        if let Some(reply) = reply {
            ctx.reply_to(ClientId(saga.client), saga.request, reply);
        }
        self.sagas.insert(saga, r);
    }

    /// Retry tick: resend commands unanswered for `retry`.
    pub(super) fn resend(
        &mut self,
        params: &Params,
        local: &mut Services,
        ctx: &mut Ctx<SagaNode>,
    ) {
        let now = ctx.now();
        let due: Vec<SagaId> = self
            .sagas
            .values()
            .filter(|r| r.status == SagaStatus::Running)
            .filter(|r| !(r.action == Action::Undo && params.has(Bug::NoCompensationRetry)))
            .filter(|r| {
                self.sent_at
                    .get(&r.saga)
                    .is_none_or(|&t| now.saturating_sub(t) >= params.retry)
            })
            .map(|r| r.saga)
            .collect();
        for saga in due {
            self.drive(params, local, ctx, saga);
        }
    }

    /// One line for the cluster view.
    pub(super) fn summary(&self) -> String {
        let count = |s: SagaStatus| self.sagas.values().filter(|r| r.status == s).count();
        format!(
            "orchestrator: {} running, {} completed, {} compensated, {} stuck",
            count(SagaStatus::Running),
            count(SagaStatus::Completed),
            count(SagaStatus::Compensated),
            count(SagaStatus::Stuck)
        )
    }
}
