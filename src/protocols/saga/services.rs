//! The services' local transactions, their compensations, and the
//! idempotency records that make repeated commands harmless.

use super::{Action, Bug, Order, Params, SagaId, SagaNode, StepResult};
use crate::sim::{Ctx, NodeId, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A service's record of one step of one saga (`step/<step>/<saga>` in
/// storage): the idempotency key is (step, saga).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StepRecord {
    /// The saga.
    pub saga: SagaId,
    /// The step.
    pub step: u8,
    /// The order.
    pub order: Order,
    /// The local transaction's result, once it ran (`Ok` or `Failed`).
    pub result: Option<StepResult>,
    /// Times the effect was applied (more than 1 is a double charge).
    pub applied: u32,
    /// Times it was compensated.
    pub undone: u32,
    /// The compensation ran (a repeated one returns `Ok` at once).
    pub undo_done: bool,
    /// Sagas whose holdings caused this step's refusal (isolation).
    pub blocked_by: Vec<SagaId>,
    /// Local time the step ran.
    pub done_at: Option<SimTime>,
    /// Local time it was compensated.
    pub undone_at: Option<SimTime>,
}

impl StepRecord {
    fn new(saga: SagaId, step: u8, order: Order) -> Self {
        StepRecord {
            saga,
            step,
            order,
            result: None,
            applied: 0,
            undone: 0,
            undo_done: false,
            blocked_by: Vec::new(),
            done_at: None,
            undone_at: None,
        }
    }

    /// The effect currently in force: applications minus compensations.
    pub fn net(&self) -> i64 {
        i64::from(self.applied) - i64::from(self.undone)
    }
}

/// The storage key of a step record.
pub fn record_key(step: u8, saga: SagaId) -> String {
    format!("step/{step}/{saga}")
}

/// The services on one node: their records and the state derived from them.
#[derive(Clone, Debug)]
pub struct Services {
    node: NodeId,
    /// Every step record, by (step, saga).
    pub records: BTreeMap<(u8, SagaId), StepRecord>,
    /// Payment (n1): each customer's balance.
    pub balances: BTreeMap<u32, i64>,
    /// Inventory (n2): each item's stock.
    pub stock: BTreeMap<u32, i64>,
    /// The record the last handler changed, for the checks.
    pub last_touched: Option<(u8, SagaId)>,
    /// Repeated commands answered from a record, since the last start.
    pub dedup_hits: u64,
    /// Transient failures, since the last start.
    pub transient_failures: u64,
}

impl Services {
    /// Fresh services for node `id` at their opening balances and stock.
    pub fn new(params: &Params, id: NodeId) -> Self {
        let balances = match id.0 {
            1 => (0..params.customers)
                .map(|c| (c, params.initial_balance))
                .collect(),
            _ => BTreeMap::new(),
        };
        let stock = match id.0 {
            2 => (0..params.items)
                .map(|i| (i, params.initial_stock))
                .collect(),
            _ => BTreeMap::new(),
        };
        Services {
            node: id,
            records: BTreeMap::new(),
            balances,
            stock,
            last_touched: None,
            dedup_hits: 0,
            transient_failures: 0,
        }
    }

    /// Reload the records and recompute balances and stock from them.
    pub(super) fn load(&mut self, _params: &Params, ctx: &mut Ctx<SagaNode>) {
        for key in ctx.storage().keys() {
            if !key.starts_with("step/") {
                continue;
            }
            if let Some(r) = ctx.storage().get::<StepRecord>(&key) {
                self.adjust(&r.order, r.step, -r.net());
                self.records.insert((r.step, r.saga), r);
            }
        }
    }

    /// Move balance or stock by `times` applications of `step`'s effect
    /// (negative: take away).
    fn adjust(&mut self, order: &Order, step: u8, times: i64) {
        match step {
            1 => *self.balances.entry(order.customer).or_default() += times * order.amount,
            2 => *self.stock.entry(order.item).or_default() += times * i64::from(order.qty),
            _ => {}
        }
    }

    /// Run or compensate `step` for `saga`, idempotently; the result and
    /// whether anything new happened. The record is written but not synced:
    /// the caller syncs once its own writes (outbox, progress) are in.
    pub(super) fn execute(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<SagaNode>,
        saga: SagaId,
        order: Order,
        step: u8,
        action: Action,
    ) -> (StepResult, bool) {
        let key = (step, saga);
        let mut record = self
            .records
            .remove(&key)
            .unwrap_or_else(|| StepRecord::new(saga, step, order));
        let outcome = match action {
            Action::Do => self.run(params, ctx, &mut record),
            Action::Undo => self.compensate(params, ctx, &mut record),
        };
        let keep = record.result.is_some() || record.undo_done;
        if outcome.1 {
            ctx.storage().put(&record_key(step, saga), &record);
            self.last_touched = Some(key);
        }
        if keep {
            self.records.insert(key, record);
        }
        outcome
    }

    fn run(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<SagaNode>,
        record: &mut StepRecord,
    ) -> (StepResult, bool) {
        if let Some(done) = &record.result {
            let double = record.step == 1
                && params.has(Bug::PaymentNotIdempotent)
                && *done == StepResult::Ok;
            if !double {
                self.dedup_hits += 1;
                return (done.clone(), false);
            }
        }
        if record.undo_done {
            let refused = StepResult::Failed("compensated before it ran".into());
            record.result = Some(refused.clone());
            return (refused, true);
        }
        if ctx.rng().chance(params.flaky) {
            self.transient_failures += 1;
            return (StepResult::Busy, false);
        }
        let result = self.business(params, ctx, record);
        if result == StepResult::Ok {
            record.applied += 1;
            self.adjust(&record.order, record.step, -1);
        }
        record.result = Some(result.clone());
        record.done_at = Some(ctx.now());
        (result, true)
    }

    /// The local transaction's business rule.
    fn business(
        &self,
        params: &Params,
        ctx: &mut Ctx<SagaNode>,
        record: &mut StepRecord,
    ) -> StepResult {
        let order = record.order;
        let refuse = |record: &mut StepRecord, why: &str, holders: Vec<SagaId>| {
            record.blocked_by = holders;
            StepResult::Failed(why.to_string())
        };
        match record.step {
            1 if self.balances.get(&order.customer).copied().unwrap_or(0) < order.amount => refuse(
                record,
                "insufficient funds",
                self.holders(1, |o| o.customer == order.customer),
            ),
            2 if self.stock.get(&order.item).copied().unwrap_or(0) < i64::from(order.qty) => {
                refuse(
                    record,
                    "out of stock",
                    self.holders(2, |o| o.item == order.item),
                )
            }
            3 if ctx.rng().chance(params.shipping_failure) => {
                StepResult::Failed("no courier".into())
            }
            4 if ctx.rng().chance(params.reject_ratio) => StepResult::Failed("fraud check".into()),
            _ => StepResult::Ok,
        }
    }

    /// Sagas holding an effect of `step` on the same resource.
    fn holders(&self, step: u8, same: impl Fn(&Order) -> bool) -> Vec<SagaId> {
        self.records
            .values()
            .filter(|r| r.step == step && r.net() > 0 && same(&r.order))
            .map(|r| r.saga)
            .collect()
    }

    fn compensate(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<SagaNode>,
        record: &mut StepRecord,
    ) -> (StepResult, bool) {
        if record.undo_done {
            self.dedup_hits += 1;
            return (StepResult::Ok, false);
        }
        if ctx.rng().chance(params.flaky) {
            self.transient_failures += 1;
            return (StepResult::Busy, false);
        }
        if record.net() > 0 {
            record.undone += 1;
            self.adjust(&record.order, record.step, 1);
        }
        record.undo_done = true;
        record.undone_at = Some(ctx.now());
        (StepResult::Ok, true)
    }

    /// One line for the cluster view.
    pub(super) fn summary(&self, _params: &Params) -> String {
        match self.node.0 {
            0 => {
                let (mut done, mut undone, mut open) = (0, 0, 0);
                for r in self.records.values().filter(|r| r.step == 0) {
                    let completed = self
                        .records
                        .get(&(4, r.saga))
                        .is_some_and(|f| f.result == Some(StepResult::Ok));
                    match (completed, r.undo_done) {
                        (true, _) => done += 1,
                        (false, true) => undone += 1,
                        _ => open += 1,
                    }
                }
                format!("orders: {done} completed, {undone} cancelled, {open} open")
            }
            1 => format!("balances {:?}", self.balances.values().collect::<Vec<_>>()),
            2 => format!("stock {:?}", self.stock.values().collect::<Vec<_>>()),
            _ => {
                let live = self.records.values().filter(|r| r.net() > 0).count();
                let cancelled = self.records.values().filter(|r| r.undone > 0).count();
                format!("shipments: {live} scheduled, {cancelled} cancelled")
            }
        }
    }
}
