//! The bully algorithm's checks and metrics.
//!
//! - `one-leader` (always, a monitor): no two live nodes both believe they
//!   lead for longer than `split_brain_grace` at once. A short overlap is
//!   the algorithm working (a restarted higher node announces itself; the
//!   old leader stands down when the announcement arrives); a long one is a
//!   split brain. It fails by design in `bully-partition`.
//! - `highest-live-leads` (eventually): at the end, every live node follows
//!   the highest live node, which leads.
//! - `leader-elected` (sometimes): some node led at some point.
//!
//! A paused leader still believes it leads (it cannot know it was paused),
//! so it counts as a leader while paused.

use super::{Bully, Params};
use crate::sim::{Invariant, Monitor, NodeId, Sim, SimBuilder, SimTime};
use std::sync::Arc;

/// The `one-leader` monitor: since when each node has led without a break,
/// and the split-brain figures for the metrics.
#[derive(Clone, Debug, Default)]
pub struct OneLeader {
    grace: SimTime,
    /// Per node: the true time it started leading, while it leads.
    since: Vec<Option<SimTime>>,
    /// Most nodes leading at once.
    most_at_once: usize,
    /// When the current overlap (two or more leaders) began.
    overlap_since: Option<SimTime>,
    /// Total time with two or more leaders, closed overlaps only.
    overlap_total: SimTime,
    /// Leadership changes seen: a node starting to lead.
    changes: u64,
}

impl OneLeader {
    /// A monitor that tolerates overlaps up to `grace`.
    pub fn new(grace: SimTime) -> Self {
        OneLeader {
            grace,
            ..OneLeader::default()
        }
    }
}

impl Monitor<Bully> for OneLeader {
    fn after_step(&mut self, sim: &Sim<Bully>) -> Result<(), String> {
        let now = sim.now();
        let n = sim.node_count() as usize;
        self.since.resize(n, None);
        for (i, slot) in sim.slots().iter().enumerate() {
            let leading = slot.state.as_deref().is_some_and(Bully::is_leading);
            match (leading, self.since[i]) {
                (true, None) => {
                    self.since[i] = Some(now);
                    self.changes += 1;
                }
                (false, Some(_)) => self.since[i] = None,
                _ => {}
            }
        }
        let mut leaders: Vec<(SimTime, NodeId)> = self
            .since
            .iter()
            .enumerate()
            .filter_map(|(i, s)| s.map(|t| (t, NodeId(i as u32))))
            .collect();
        self.most_at_once = self.most_at_once.max(leaders.len());
        if leaders.len() < 2 {
            if let Some(from) = self.overlap_since.take() {
                self.overlap_total += now.saturating_sub(from);
            }
            return Ok(());
        }
        leaders.sort();
        // The two longest-standing leaders have overlapped since the later
        // of the two started.
        let (first, second) = (leaders[0], leaders[1]);
        self.overlap_since.get_or_insert(second.0);
        let overlap = now.saturating_sub(second.0);
        if overlap > self.grace {
            let names: Vec<String> = leaders.iter().map(|(_, id)| id.to_string()).collect();
            return Err(format!(
                "split brain: {} and {} have both led for {overlap} (since {}), more than split_brain_grace = {}; leading now: {}",
                first.1,
                second.1,
                second.0,
                self.grace,
                names.join(" ")
            ));
        }
        Ok(())
    }

    fn metrics(&self) -> Vec<(String, String)> {
        vec![
            ("leaders-at-once-max".into(), self.most_at_once.to_string()),
            ("two-leaders-time".into(), self.overlap_total.to_string()),
            ("leadership-changes".into(), self.changes.to_string()),
        ]
    }
}

fn highest_live_leads(sim: &Sim<Bully>) -> Result<(), String> {
    let Some((top, _)) = sim.live_nodes().last() else {
        return Ok(());
    };
    let wrong: Vec<String> = sim
        .live_nodes()
        .filter(|(id, n)| n.leader != Some(top) || (*id == top && !n.is_leading()))
        .map(|(id, n)| {
            let follows = n.leader.map_or("nobody".to_string(), |l| l.to_string());
            format!("{id} follows {follows}")
        })
        .collect();
    if wrong.is_empty() {
        return Ok(());
    }
    Err(format!(
        "{top} is the highest live node, but {}",
        wrong.join(", ")
    ))
}

fn metrics(sim: &Sim<Bully>) -> Vec<(String, String)> {
    let elections: u64 = sim.live_nodes().map(|(_, n)| n.ghost.elections).sum();
    let wins: u64 = sim.live_nodes().map(|(_, n)| n.ghost.wins).sum();
    vec![
        ("elections-started".into(), elections.to_string()),
        ("elections-won".into(), wins.to_string()),
    ]
}

/// A simulation builder with bully nodes, their checks and metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<Bully> {
    let params = Arc::new(params);
    let grace = params.split_brain_grace;
    let factory = Arc::clone(&params);
    SimBuilder::new(nodes, seed, move |id, n| {
        Bully::new(Arc::clone(&factory), id, n)
    })
    .monitor("one-leader", OneLeader::new(grace))
    .invariant(Invariant::eventually(
        "highest-live-leads",
        highest_live_leads,
    ))
    .invariant(Invariant::sometimes(
        "leader-elected",
        |sim: &Sim<Bully>| sim.live_nodes().any(|(_, n)| n.is_leading()),
    ))
    .metrics(metrics)
}
