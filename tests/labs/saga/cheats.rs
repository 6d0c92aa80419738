//! Lab 04's cheat catalogue: nodes that fake sagas. Each must score 0 on
//! every part it does not really implement and at most 10% overall
//! (`tests/support/labs/cheats.rs`).

use distlab::check::history::Value;
use distlab::labs::saga::SagaLabNode;
use distlab::protocols::saga::{parse_order, Order, Params, SagaId, StepRecord, StepResult};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::sync::Arc;

/// What every cheat shows the grader.
#[derive(Clone, Debug)]
pub struct Shown {
    params: Arc<Params>,
    id: NodeId,
    records: BTreeMap<(u8, SagaId), StepRecord>,
    balances: BTreeMap<u32, i64>,
    stock: BTreeMap<u32, i64>,
}

/// The accessors, the same for every cheat.
macro_rules! shows {
    ($t:ty) => {
        impl SagaLabNode for $t {
            fn new(params: Arc<Params>, id: NodeId) -> Self {
                let balances = (0..params.customers)
                    .map(|c| (c, params.initial_balance))
                    .collect();
                let stock = (0..params.items)
                    .map(|i| (i, params.initial_stock))
                    .collect();
                Self(Shown {
                    params,
                    id,
                    records: BTreeMap::new(),
                    balances,
                    stock,
                })
            }
            fn step_records(&self) -> &BTreeMap<(u8, SagaId), StepRecord> {
                &self.0.records
            }
            fn balances(&self) -> &BTreeMap<u32, i64> {
                if self.0.id.0 == 1 {
                    &self.0.balances
                } else {
                    empty()
                }
            }
            fn stock(&self) -> &BTreeMap<u32, i64> {
                if self.0.id.0 == 2 {
                    &self.0.stock
                } else {
                    empty()
                }
            }
            fn last_touched(&self) -> Option<(u8, SagaId)> {
                None
            }
        }
    };
}

fn empty() -> &'static BTreeMap<u32, i64> {
    static EMPTY: BTreeMap<u32, i64> = BTreeMap::new();
    &EMPTY
}

/// Does nothing: no messages, no answers.
#[derive(Clone, Debug)]
pub struct Idle(Shown);
shows!(Idle);

impl Node for Idle {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, _: &mut Ctx<Self>, _: Request) {}
}

/// Answers every order "completed" at once, running no step.
#[derive(Clone, Debug)]
pub struct AlwaysCompletes(Shown);
shows!(AlwaysCompletes);

impl Node for AlwaysCompletes {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        ctx.reply(&request, Reply::Ok(Value::Str("completed".into())));
    }
}

thread_local! {
    /// The services' balances and stock in a process global instead of
    /// the services' storage.
    static SHOP: RefCell<(BTreeMap<u32, i64>, BTreeMap<u32, i64>)> =
        const { RefCell::new((BTreeMap::new(), BTreeMap::new())) };
}

/// A step record as a finished step leaves it.
fn record(saga: SagaId, step: u8, order: Order, result: StepResult, now: SimTime) -> StepRecord {
    let applied = u32::from(result == StepResult::Ok);
    StepRecord {
        saga,
        step,
        order,
        result: Some(result),
        applied,
        undone: 0,
        undo_done: false,
        blocked_by: Vec::new(),
        done_at: Some(now),
        undone_at: None,
    }
}

/// n0 runs every step of an order itself, at once, on balances and stock
/// kept in a thread-local map (charge and reserve if there is enough, else
/// refuse at payment or inventory), records all steps in its own records
/// and answers; every 20 ms the payment and inventory nodes copy their
/// balances and stock from the map. No message, no storage.
#[derive(Clone, Debug)]
pub struct Global(Shown);
shows!(Global);

impl Global {
    fn run(&mut self, saga: SagaId, order: Order, now: SimTime) -> Reply {
        let p = Arc::clone(&self.0.params);
        let refused = SHOP.with(|shop| {
            let (balances, stock) = &mut *shop.borrow_mut();
            let balance = balances.entry(order.customer).or_insert(p.initial_balance);
            if *balance < order.amount {
                return Some(1);
            }
            let held = stock.entry(order.item).or_insert(p.initial_stock);
            if *held < i64::from(order.qty) {
                return Some(2);
            }
            *held -= i64::from(order.qty);
            *balances.entry(order.customer).or_default() -= order.amount;
            None
        });
        let records = &mut self.0.records;
        let mut first = record(saga, 0, order, StepResult::Ok, now);
        match refused {
            Some(step) => {
                first.undone = 1;
                first.undo_done = true;
                first.undone_at = Some(now);
                let no = StepResult::Failed("not enough".into());
                records.insert((step, saga), record(saga, step, order, no, now));
                records.insert((0, saga), first);
                Reply::Fail("compensated".into())
            }
            None => {
                records.insert((0, saga), first);
                for step in 1..=4 {
                    records.insert((step, saga), record(saga, step, order, StepResult::Ok, now));
                }
                Reply::Ok(Value::Str("completed".into()))
            }
        }
    }
}

impl Node for Global {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timer(SimTime::from_millis(20), ());
    }
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _: ()) {
        SHOP.with(|shop| {
            let (balances, stock) = &*shop.borrow();
            self.0
                .balances
                .extend(balances.iter().map(|(k, v)| (*k, *v)));
            self.0.stock.extend(stock.iter().map(|(k, v)| (*k, *v)));
        });
        ctx.set_timer(SimTime::from_millis(20), ());
    }
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let Some(order) = parse_order(&self.0.params, &request) else {
            return ctx.reply(&request, Reply::Fail("not an order".into()));
        };
        let saga = SagaId {
            client: request.client.0,
            request: request.id,
        };
        let reply = self.run(saga, order, ctx.now());
        ctx.reply(&request, reply);
    }
}
