//! The versioned store's checks and metrics.

use super::store::{acked_puts, Scheme, Store, StoreParams};
use super::VClock;
use crate::check::convergence::{check_convergence, ReplicaState};
use crate::check::verdict::Status;
use crate::check::{CheckKind, Outcome};
use crate::sim::Invariant;
use crate::sim::{Sim, SimBuilder};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Every write's true causal past, from the writers' durable records.
fn write_records(sim: &Sim<Store>) -> BTreeMap<i64, VClock> {
    let mut out = BTreeMap::new();
    for slot in sim.slots() {
        for k in slot.storage.keys() {
            let Some(v) = k.strip_prefix("write/").and_then(|v| v.parse().ok()) else {
                continue;
            };
            if let Some(truth) = slot.storage.get::<VClock>(&k) {
                out.insert(v, truth);
            }
        }
    }
    out
}

/// What survives of `key` at a node under `scheme`: (value, causal past, note).
fn survivors(node: &Store, key: &str, scheme: Scheme) -> Vec<(i64, VClock, String)> {
    let Some(state) = node.keys.get(key) else {
        return Vec::new();
    };
    match scheme {
        Scheme::VectorClock => state
            .siblings
            .iter()
            .map(|s| (s.value, s.truth.clone(), format!("version {}", s.version)))
            .collect(),
        Scheme::LastWriterWins => state
            .lww
            .iter()
            .map(|e| {
                let note = format!("stamp {} at {}", e.stamp.0, e.stamp.1);
                (e.value, e.truth.clone(), note)
            })
            .collect(),
    }
}

/// Acknowledged writes that vanished without a causally later write
/// replacing them: one line each.
pub fn lost_writes(sim: &Sim<Store>, scheme: Scheme) -> Vec<String> {
    let records = write_records(sim);
    let mut lost = Vec::new();
    for (key, value) in acked_puts(sim.history()) {
        let Some(past) = records.get(&value) else {
            continue;
        };
        for (id, node) in sim.live_nodes() {
            let kept = survivors(node, &key, scheme);
            let fine = kept
                .iter()
                .any(|(v, truth, _)| *v == value || past.happens_before(truth));
            if !fine {
                let held: Vec<String> = kept
                    .iter()
                    .map(|(v, truth, note)| format!("{v} ({note}, causal past {truth})"))
                    .collect();
                lost.push(format!(
                    "put {key}={value} (causal past {past}) was silently overwritten at {id} by {}, which does not happen after it",
                    held.join(", ")
                ));
                break;
            }
        }
    }
    lost
}

fn no_silent_overwrite(sim: &Sim<Store>, scheme: Scheme) -> Outcome {
    let lost = lost_writes(sim, scheme);
    if lost.is_empty() {
        return Outcome::Pass;
    }
    let shown: Vec<String> = lost.iter().take(3).cloned().collect();
    Outcome::Fail(format!(
        "{} acknowledged writes lost: {}",
        lost.len(),
        shown.join("; ")
    ))
}

fn replicas_converge(sim: &Sim<Store>, scheme: Scheme) -> Result<(), String> {
    let replicas: Vec<(String, ReplicaState)> = sim
        .live_nodes()
        .map(|(id, n)| {
            let state: BTreeMap<&String, Vec<i64>> =
                n.keys.keys().map(|k| (k, n.visible(k, scheme))).collect();
            (id.to_string(), ReplicaState::Text(format!("{state:?}")))
        })
        .collect();
    let report = check_convergence(&replicas);
    match report.status {
        Status::Valid => Ok(()),
        _ => Err(report.explanation.trim_end().replace('\n', " ")),
    }
}

fn metrics(sim: &Sim<Store>) -> Vec<(String, String)> {
    let lww = lost_writes(sim, Scheme::LastWriterWins).len();
    let vc = lost_writes(sim, Scheme::VectorClock).len();
    let mut with_siblings = 0;
    if let Some((_, node)) = sim.live_nodes().next() {
        with_siblings = node.keys.values().filter(|s| s.siblings.len() > 1).count();
    }
    let most = sim
        .live_nodes()
        .map(|(_, n)| n.siblings_peak)
        .max()
        .unwrap_or(0);
    vec![
        (
            "writes-acked".into(),
            acked_puts(sim.history()).len().to_string(),
        ),
        ("lww-lost-writes".into(), lww.to_string()),
        ("vclock-lost-writes".into(), vc.to_string()),
        ("keys-with-siblings".into(), with_siblings.to_string()),
        ("siblings-peak".into(), most.to_string()),
    ]
}

/// A simulation builder with store nodes, checks (on the chosen scheme) and
/// metrics (on both).
pub fn builder(params: StoreParams, nodes: u32, seed: u64) -> SimBuilder<Store> {
    let scheme = params.scheme;
    let params = Arc::new(params);
    SimBuilder::new(nodes, seed, move |id, n| {
        Store::new(Arc::clone(&params), id, n)
    })
    .invariant(Invariant::always("clock-condition", |sim: &Sim<Store>| {
        super::first_violation(sim.live_nodes().map(|(id, n)| (id, &n.ghost)))
    }))
    .invariant(Invariant::eventually("replicas-converge", move |sim| {
        replicas_converge(sim, scheme)
    }))
    .invariant(Invariant::new(
        "no-silent-overwrite",
        CheckKind::AtEnd,
        move |sim| no_silent_overwrite(sim, scheme),
    ))
    .metrics(metrics)
}
