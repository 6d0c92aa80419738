//! SWIM's checks and metrics.
//!
//! Crash episodes are read from the run's fault log (`crash nX` until the
//! next `restart … nX …`, or until the settle point). Ghost records are kept
//! on node clocks; the SWIM scenarios do not skew clocks, and times are
//! compared through each node's clock reading at the episode's bounds.

use super::{Params, State, Swim};
use crate::sim::Invariant;
use crate::sim::{NodeId, Sim, SimBuilder, SimTime};
use std::sync::Arc;

/// A node crashed at `from` and came back at `to` (true times).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Episode {
    /// The crashed node.
    pub node: NodeId,
    /// Crash time.
    pub from: SimTime,
    /// Restart time (or the settle point).
    pub to: SimTime,
}

fn nodes_named(text: &str) -> Vec<NodeId> {
    text.split_whitespace()
        .filter_map(|w| w.strip_prefix('n')?.parse().ok().map(NodeId))
        .collect()
}

/// Every crash episode of the run so far (an open one ends at `duration`).
pub fn crash_episodes<N: crate::sim::Node>(sim: &Sim<N>) -> Vec<Episode> {
    let mut open: Vec<(NodeId, SimTime)> = Vec::new();
    let mut done = Vec::new();
    for (at, text) in sim.fault_log() {
        if let Some(rest) = text.strip_prefix("crash ") {
            open.extend(nodes_named(rest).into_iter().map(|n| (n, *at)));
        } else if let Some(rest) = text.strip_prefix("restart ") {
            for n in nodes_named(rest) {
                if let Some(i) = open.iter().position(|&(m, _)| m == n) {
                    let (node, from) = open.remove(i);
                    done.push(Episode {
                        node,
                        from,
                        to: *at,
                    });
                }
            }
        }
    }
    let end = sim.duration().min(sim.now());
    done.extend(open.into_iter().map(|(node, from)| Episode {
        node,
        from,
        to: end,
    }));
    done
}

fn was_down(episodes: &[Episode], node: NodeId, local: SimTime) -> bool {
    episodes
        .iter()
        .any(|e| e.node == node && e.from <= local && local < e.to)
}

/// Nodes up from `from` to the end of the run (their ghost records cover it).
fn up_since<'a>(
    sim: &'a Sim<Swim>,
    episodes: &[Episode],
    from: SimTime,
) -> Vec<(NodeId, &'a Swim)> {
    sim.live_nodes()
        .filter(|(id, _)| !episodes.iter().any(|e| e.node == *id && e.to > from))
        .collect()
}

fn crashed_member_declared_dead(sim: &Sim<Swim>, bound: SimTime) -> Result<(), String> {
    let episodes = crash_episodes(sim);
    let mut missing = Vec::new();
    for e in episodes.iter().filter(|e| e.to - e.from >= bound) {
        for (id, node) in up_since(sim, &episodes, e.from) {
            if id == e.node {
                continue;
            }
            let clock = &sim.slots()[id.index()].clock;
            let (low, high) = (clock.local(e.from), clock.local(e.to));
            let declared = node
                .ghost
                .deaths
                .iter()
                .any(|&(m, at)| m == e.node && low <= at && at <= high);
            if !declared {
                missing.push(format!(
                    "{id} never declared {} dead while it was down from {} to {}",
                    e.node, e.from, e.to
                ));
            }
        }
    }
    if missing.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = missing.iter().take(5).cloned().collect();
    Err(format!("{} (bound {bound})", shown.join("; ")))
}

fn no_live_member_held_dead(sim: &Sim<Swim>, grace: SimTime) -> Result<(), String> {
    let mut held = Vec::new();
    for (id, node) in sim.live_nodes() {
        let now = sim.slots()[id.index()].clock.local(sim.now());
        // Only changed entries can be dead: O(changes), not O(n) per node.
        for (m, info) in node.changed_members() {
            let up = sim.node(m).is_some();
            if up && info.state == State::Dead && now.saturating_sub(info.since) > grace {
                held.push(format!(
                    "{id} holds live {m} dead since {} (incarnation {})",
                    info.since, info.incarnation
                ));
            }
        }
    }
    if held.is_empty() {
        return Ok(());
    }
    let shown: Vec<String> = held.iter().take(5).cloned().collect();
    Err(format!(
        "{} live members held dead for more than {grace}: {}",
        held.len(),
        shown.join("; ")
    ))
}

fn metrics(sim: &Sim<Swim>, bound: SimTime) -> Vec<(String, String)> {
    let episodes = crash_episodes(sim);
    let (mut suspicions, mut false_suspicions, mut deaths, mut false_deaths) = (0, 0, 0, 0);
    let mut refutations = 0;
    for (_, node) in sim.live_nodes() {
        refutations += node.ghost.refutations;
        for &(m, at) in &node.ghost.suspicions {
            suspicions += 1;
            false_suspicions += u64::from(!was_down(&episodes, m, at));
        }
        for &(m, at) in &node.ghost.deaths {
            deaths += 1;
            false_deaths += u64::from(!was_down(&episodes, m, at));
        }
    }
    let mut out = vec![
        ("suspicions".to_string(), suspicions.to_string()),
        ("false-suspicions".to_string(), false_suspicions.to_string()),
        ("refutations".to_string(), refutations.to_string()),
        ("dead-declarations".to_string(), deaths.to_string()),
        (
            "false-dead-declarations".to_string(),
            false_deaths.to_string(),
        ),
    ];
    let mut detection = Vec::new();
    for e in episodes.iter().filter(|e| e.to - e.from >= bound) {
        let firsts: Option<Vec<SimTime>> = up_since(sim, &episodes, e.from)
            .iter()
            .filter(|(id, _)| *id != e.node)
            .map(|(_, n)| {
                let deaths = n.ghost.deaths.iter();
                deaths
                    .filter(|&&(m, at)| m == e.node && at >= e.from)
                    .map(|&(_, at)| at)
                    .min()
            })
            .collect();
        if let Some(last) = firsts.and_then(|f| f.into_iter().max()) {
            detection.push(last.saturating_sub(e.from));
        }
    }
    if let Some(max) = detection.iter().max() {
        out.push(("detection-time-max".into(), max.to_string()));
    }
    out
}

/// A simulation builder with SWIM nodes, their checks and metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<Swim> {
    let params = Arc::new(params);
    let bound = params.detection_bound(nodes);
    let grace = bound;
    let factory = Arc::clone(&params);
    SimBuilder::new(nodes, seed, move |id, n| {
        Swim::new(Arc::clone(&factory), id, n)
    })
    .invariant(Invariant::eventually(
        "crashed-member-declared-dead",
        move |sim| crashed_member_declared_dead(sim, bound),
    ))
    .invariant(Invariant::eventually(
        "no-live-member-held-dead",
        move |sim| no_live_member_held_dead(sim, grace),
    ))
    .invariant(Invariant::sometimes("probe-acked", |sim: &Sim<Swim>| {
        sim.live_nodes().any(|(_, n)| n.ghost.acks > 0)
    }))
    .metrics(move |sim| metrics(sim, bound))
}
