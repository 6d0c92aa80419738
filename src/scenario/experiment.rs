//! `[experiment]`: a chaos experiment (docs/scenarios.md, docs/chaos.md):
//! `hypothesis` and `abort` bounds, `recovery` or `[[experiment.window]]`,
//! and `blast_radius`, checked against the scenario's faults and nemesis.

use super::error::{ScenarioError, SourceInfo};
use super::faults::node_index;
use super::read::{self, array_of_tables, Context, Section};
use super::spec::{FaultAction, FaultSpec, NemesisKind, NemesisSpec, Target};
use super::value::{Item, Value};
use crate::base::{NodeId, SimTime};
use crate::check::experiment::{parse_bound, Experiment, Window, WindowSpec};
use crate::check::Expectation;

const KEYS: [&str; 6] = [
    "hypothesis",
    "warmup",
    "recovery",
    "window",
    "blast_radius",
    "abort",
];

/// The `[experiment]` table, its blast radius checked against `faults`
/// (explicit faults may target only nodes inside it and no network-wide
/// fault) and `nemesis` (only kinds that pick one node).
pub(crate) fn parse_experiment(
    section: &Section<'_>,
    context: &Context<'_>,
    faults: &[FaultSpec],
    nemesis: Option<&NemesisSpec>,
) -> Result<Experiment, ScenarioError> {
    let source = section.source;
    section.check_keys(&KEYS)?;
    let hypothesis_item = section.required(
        "hypothesis",
        "a list of bounds like [\"op-latency-p99 <= 50ms\", \"availability >= 99.5%\"]",
    )?;
    let hypothesis = bounds(source, "hypothesis", hypothesis_item)?;
    let abort = match section.get("abort") {
        Some(item) => bounds(source, "abort", item)?,
        None => Vec::new(),
    };
    let phase_key = section.get("recovery").or(section.get("warmup"));
    let windows = match (section.get("window"), phase_key) {
        (Some(_), Some(item)) => {
            let message = "`warmup` and `recovery` shape the before/during/after phases; with [[experiment.window]] there are no phases: give the windows' `from` instead".to_string();
            return Err(read::error(source, item, message));
        }
        (Some(item), None) => WindowSpec::Explicit(windows(source, item, context)?),
        (None, _) => {
            let duration = |key: &str| -> Result<SimTime, ScenarioError> {
                section
                    .get(key)
                    .map(|item| read::duration(source, key, item))
                    .transpose()
                    .map(|d| d.unwrap_or(SimTime::ZERO))
            };
            WindowSpec::Phases {
                warmup: duration("warmup")?,
                recovery: duration("recovery")?,
            }
        }
    };
    let blast_radius = match section.get("blast_radius") {
        Some(item) => {
            let radius = blast_radius(context, item)?;
            check_faults(source, &radius, faults)?;
            check_nemesis(source, item, nemesis)?;
            Some(radius.into_iter().map(NodeId).collect())
        }
        None => None,
    };
    Ok(Experiment {
        hypothesis,
        windows,
        blast_radius,
        abort,
    })
}

/// A non-empty list of bounds as text.
fn bounds(source: &SourceInfo, key: &str, item: &Item) -> Result<Vec<Expectation>, ScenarioError> {
    let expected = "a list of bounds like [\"op-latency-p99 <= 50ms\", \"availability >= 99.5%\"]";
    let items = match &item.value {
        Value::Array(items) if !items.is_empty() => items,
        Value::Array(_) => {
            let message = format!("`{key}` is empty; expected {expected}");
            return Err(read::error(source, item, message));
        }
        other => {
            let message = format!("expected {expected} for `{key}`, got {}", other.describe());
            return Err(read::error(source, item, message));
        }
    };
    items
        .iter()
        .map(|entry| {
            let text = read::string(source, key, entry)?;
            parse_bound(text.get_ref()).map_err(|why| read::error(source, entry, why))
        })
        .collect()
}

/// `[[experiment.window]]`: `name`, `from`, `to`; names unique, `from <
/// to <= duration`.
fn windows(
    source: &SourceInfo,
    item: &Item,
    context: &Context<'_>,
) -> Result<Vec<Window>, ScenarioError> {
    let mut out: Vec<Window> = Vec::new();
    for entry in array_of_tables(source, item, "experiment.window")? {
        let place = "in [[experiment.window]]".to_string();
        let t = Section::new(source, entry, "[[experiment.window]]", place)?;
        t.check_keys(&["name", "from", "to"])?;
        let name_item = t.required("name", "a name like \"sick\"")?;
        let name = read::string(source, "name", name_item)?.into_inner();
        if name.trim().is_empty() || out.iter().any(|w| w.name == name) {
            let message = format!("window names must be distinct and not empty, got {name:?}");
            return Err(read::error(source, name_item, message));
        }
        let from = read::duration(source, "from", t.required("from", "a moment like \"3s\"")?)?;
        let to_item = t.required("to", "a moment like \"8s\"")?;
        let to = read::duration(source, "to", to_item)?;
        if to <= from || to > context.duration {
            let message = format!(
                "window {name:?} must end after it starts ({from}) and by the end of the workload ({})",
                context.duration_from
            );
            return Err(read::error(source, to_item, message));
        }
        out.push(Window { name, from, to });
    }
    if out.is_empty() {
        let message = "[[experiment.window]] is empty: give at least one window, or none for before/during/after".to_string();
        return Err(read::error(source, item, message));
    }
    Ok(out)
}

/// `blast_radius = [0, 1]`: node indices, not empty.
fn blast_radius(context: &Context<'_>, item: &Item) -> Result<Vec<u32>, ScenarioError> {
    let source = context.source;
    match &item.value {
        Value::Array(items) if !items.is_empty() => items
            .iter()
            .map(|i| node_index(context, "blast_radius", i))
            .collect(),
        other => {
            let message = format!(
                "expected a non-empty list of node indices like [0, 1] for `blast_radius`, got {}",
                other.describe()
            );
            Err(read::error(source, item, message))
        }
    }
}

/// Every explicit fault stays inside the radius.
fn check_faults(
    source: &SourceInfo,
    radius: &[u32],
    faults: &[FaultSpec],
) -> Result<(), ScenarioError> {
    let shown: Vec<String> = radius.iter().map(u32::to_string).collect();
    let shown = format!("[{}]", shown.join(", "));
    for fault in faults {
        let problem = match touched(&fault.action) {
            Touches::Everyone(what) => Some(format!(
                "{what} touches every node, but the experiment's blast_radius is {shown}: aim the fault at nodes inside it"
            )),
            Touches::Targets(targets) => targets.iter().find_map(|t| match t {
                Target::Node(n) if !radius.contains(n) => Some(format!(
                    "this fault targets node {n}, outside the experiment's blast_radius {shown}"
                )),
                _ => None,
            }),
        };
        if let Some(message) = problem {
            return Err(ScenarioError::at(source, fault.span.clone(), message));
        }
    }
    Ok(())
}

/// What a fault touches: named targets, or every node.
enum Touches<'a> {
    Everyone(&'static str),
    Targets(Vec<&'a Target>),
}

fn touched(action: &FaultAction) -> Touches<'_> {
    match action {
        FaultAction::Partition(_) => Touches::Everyone("a partition"),
        FaultAction::Loss(_) => Touches::Everyone("a network-wide loss"),
        FaultAction::Duplicate(_) => Touches::Everyone("a network-wide duplication"),
        FaultAction::Network(change) => match (&change.from, &change.to) {
            (Some(from), Some(to)) => Touches::Targets(vec![from, to]),
            (Some(one), None) | (None, Some(one)) => Touches::Targets(vec![one]),
            (None, None) => Touches::Everyone("a network change on every link"),
        },
        FaultAction::Isolate(t)
        | FaultAction::Crash(t)
        | FaultAction::ClockJump { node: t, .. }
        | FaultAction::Slow { node: t, .. }
        | FaultAction::ClockStrobe { node: t, .. }
        | FaultAction::Pause { node: t, .. } => Touches::Targets(vec![t]),
        FaultAction::Cut { from, to } => Touches::Targets(vec![from, to]),
        // Repairs touch nothing that was healthy.
        FaultAction::Heal
        | FaultAction::HealNode(_)
        | FaultAction::HealLink { .. }
        | FaultAction::HealGroup(_)
        | FaultAction::NetworkReset
        | FaultAction::Restart(_)
        | FaultAction::RestartAll => Touches::Targets(Vec::new()),
    }
}

/// The nemesis may only use kinds that pick one node (which it then picks
/// inside the radius).
fn check_nemesis(
    source: &SourceInfo,
    radius_item: &Item,
    nemesis: Option<&NemesisSpec>,
) -> Result<(), ScenarioError> {
    let Some(nemesis) = nemesis else {
        return Ok(());
    };
    let wide = nemesis.kinds.iter().find(|k| {
        matches!(
            k,
            NemesisKind::Partition
                | NemesisKind::PartitionHalves
                | NemesisKind::PartitionRing
                | NemesisKind::PartitionBridge
                | NemesisKind::PartitionIsolate
                | NemesisKind::PartitionRandom
                | NemesisKind::Loss
        )
    });
    match wide {
        Some(kind) => {
            let name = NemesisKind::ALL
                .iter()
                .find(|(_, k)| k == kind)
                .map_or("?", |(n, _)| *n);
            let message = format!(
                "the nemesis kind {name:?} picks the nodes it touches among all of them, so it cannot keep to a blast_radius; keep kinds that pick one node (crash, pause, clock-jump, clock-strobe, slow, slow-node)"
            );
            Err(read::error(source, radius_item, message))
        }
        None => Ok(()),
    }
}
