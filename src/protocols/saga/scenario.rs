//! Building a saga simulation from a scenario file.

use super::{builder, Bug, OrderWorkload, Params, Style};
use crate::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, Ratio};
use crate::workload::Workload;

/// What sagas offer scenarios.
pub const FACTS: ProtocolFacts = ProtocolFacts {
    name: "saga",
    roles: &["orchestrator", "order", "payment", "inventory", "shipping"],
    workloads: &["orders"],
    histories: &[],
};

/// Read `[protocol]`: `style` (orchestrated|choreographed), `customers` (4),
/// `initial_balance` (200), `items` (3), `initial_stock` (20),
/// `shipping_failure` (0.1), `reject_ratio` (0.05), `flaky` (0), `retry`
/// (200ms), `bug` (none|payment-not-idempotent|no-compensation-retry|no-persist).
pub fn params(scenario: &Scenario) -> Result<Params, ScenarioError> {
    let d = Params::default();
    let mut p = scenario.protocol_params.reader();
    let style = p.one_of("style", "orchestrated", &["orchestrated", "choreographed"])?;
    let customers = p.u64_in("customers", u64::from(d.customers), 1..=1000)? as u32;
    let initial_balance = p.u64_in("initial_balance", d.initial_balance as u64, 0..=1_000_000)?;
    let items = p.u64_in("items", u64::from(d.items), 1..=1000)? as u32;
    let initial_stock = p.u64_in("initial_stock", d.initial_stock as u64, 0..=1_000_000)?;
    let shipping_failure = p.f64_in("shipping_failure", d.shipping_failure.as_f64(), 0.0..=1.0)?;
    let reject_ratio = p.f64_in("reject_ratio", d.reject_ratio.as_f64(), 0.0..=1.0)?;
    let flaky = p.f64_in("flaky", 0.0, 0.0..=0.9)?;
    let retry = p.positive_duration("retry", d.retry)?;
    let bug = p.one_of("bug", "none", &Bug::NAMES)?;
    p.finish()?;
    Ok(Params {
        style: if style == "choreographed" {
            Style::Choreographed
        } else {
            Style::Orchestrated
        },
        customers,
        initial_balance: initial_balance as i64,
        items,
        initial_stock: initial_stock as i64,
        shipping_failure: Ratio::from_probability(shipping_failure),
        reject_ratio: Ratio::from_probability(reject_ratio),
        flaky: Ratio::from_probability(flaky),
        retry,
        bug: Bug::from_name(bug).flatten(),
    })
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
