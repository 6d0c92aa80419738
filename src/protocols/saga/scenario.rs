//! Building a saga simulation from a scenario file.

use super::{builder, Bug, OrderWorkload, Params, Style};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{BugSwitch, Param, ParamDecl, Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio, SimTime};
use crate::workload::Workload;

/// What sagas offer scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "saga",
    roles: &["orchestrator", "order", "payment", "inventory", "shipping"],
    workloads: &["orders"],
    histories: &[],
    params: PARAMS,
    bugs: Bug::DECLS,
};

/// The saga's `[protocol]` parameters.
pub const PARAMS: &[ParamDecl] = &[
    STYLE.decl,
    CUSTOMERS.decl,
    INITIAL_BALANCE.decl,
    ITEMS.decl,
    INITIAL_STOCK.decl,
    SHIPPING_FAILURE.decl,
    REJECT_RATIO.decl,
    FLAKY.decl,
    RETRY.decl,
];

pub(crate) const STYLE: Param<Style> = Param::choice(
    "style",
    "orchestrated",
    "an orchestrator on n0 drives the saga, or the services react to each other's events",
);
pub(crate) const CUSTOMERS: Param<u32> = Param::integer(
    "customers",
    4,
    1,
    1000,
    "customers, each with an account at payment",
);
pub(crate) const INITIAL_BALANCE: Param<i64> = Param::integer(
    "initial_balance",
    200,
    0,
    1_000_000,
    "every customer's opening balance",
);
pub(crate) const ITEMS: Param<u32> = Param::integer("items", 3, 1, 1000, "items at inventory");
pub(crate) const INITIAL_STOCK: Param<i64> = Param::integer(
    "initial_stock",
    20,
    0,
    1_000_000,
    "every item's opening stock",
);
pub(crate) const SHIPPING_FAILURE: Param<Ratio> = Param::probability(
    "shipping_failure",
    0.1,
    "chance that shipping finds no courier (the saga compensates)",
);
pub(crate) const REJECT_RATIO: Param<Ratio> = Param::probability(
    "reject_ratio",
    0.05,
    "chance that the final fraud check rejects the order",
);
pub(crate) const FLAKY: Param<Ratio> = Param::probability_up_to(
    "flaky",
    0.0,
    0.9,
    "chance that any handler fails transiently (retried)",
);
pub(crate) const RETRY: Param<SimTime> = Param::positive_duration(
    "retry",
    SimTime::from_millis(200),
    "resend unanswered commands and unacknowledged events this often",
);

/// Read `[protocol]` ([`PARAMS`] and `bugs`).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let mut p = FACTS.reader(scenario);
    let params = Params {
        style: p.get(&STYLE)?,
        customers: p.get(&CUSTOMERS)?,
        initial_balance: p.get(&INITIAL_BALANCE)?,
        items: p.get(&ITEMS)?,
        initial_stock: p.get(&INITIAL_STOCK)?,
        shipping_failure: p.get(&SHIPPING_FAILURE)?,
        reject_ratio: p.get(&REJECT_RATIO)?,
        flaky: p.get(&FLAKY)?,
        retry: p.get(&RETRY)?,
        bugs: p.bugs::<Bug>()?.into_iter().collect(),
    };
    p.finish()?;
    Ok(params)
}

/// Sagas need exactly four nodes: order, payment, inventory, shipping.
pub fn check_nodes(scenario: &Scenario) -> Result<(), ScenarioError> {
    if scenario.nodes != 4 {
        return Err(ScenarioError::at(
            &scenario.source,
            scenario.protocol.span(),
            format!(
                "saga needs exactly 4 nodes (order, payment, inventory, shipping), got {}",
                scenario.nodes
            ),
        ));
    }
    Ok(())
}

/// Read `[workload] kind = "orders"`: `max_qty` (1..=100, default 3); `None`
/// without a workload.
pub fn workload(
    scenario: &Scenario,
    params: &Params,
) -> Result<Option<Box<dyn Workload>>, ScenarioError> {
    let Some(w) = &scenario.workload else {
        return Ok(None);
    };
    let mut wp = w.params.reader();
    let max_qty = wp.u64_in("max_qty", 3, 1..=100)? as u32;
    wp.finish()?;
    Ok(Some(Box::new(OrderWorkload {
        customers: params.customers,
        items: params.items,
        max_qty,
    })))
}

/// `[protocol]` as in [`params`]; `[workload] kind = "orders"` with
/// `max_qty` (1..=100, default 3). Needs exactly four nodes: order, payment,
/// inventory, shipping.
pub fn build(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let params = params(scenario)?;
    check_nodes(scenario)?;
    let workload = workload(scenario, &params)?;
    let b = builder(params, scenario.nodes, scenario.seed);
    Ok(Box::new(
        configure(b, scenario, &FACTS, workload, options)?.build(),
    ))
}
