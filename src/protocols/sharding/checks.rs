//! Sharding's checks: one serving server per key after every step (a
//! monitor with memory across crashes), every acknowledged write in its
//! key's final value and every migration finished at the end, and the
//! metrics (keys moved against the minimum, migration time, redirects,
//! load per server).

use super::placement::key_names;
use super::{Params, Shard};
use crate::sim::{Invariant, Monitor, NodeId, Sim, SimBuilder, SimTime};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What changes whether a node serves a key: (alive, incarnation,
/// configuration, handoffs awaited, handoffs unacknowledged).
type Shape = (bool, u32, u64, usize, usize);

/// Per node: (incarnation, records read) for one `Observed` list.
type Cursor = Vec<(u32, usize)>;

/// **single-server**: at no moment do two live servers both serve a key
/// (a server serves a key when [`super::Server::serves`] says so: it owns
/// it in its configuration and has received it). Re-evaluated over the
/// key space `k0..k{keys-1}` whenever a node's configuration, migration
/// state or liveness changes. It also gathers, for the end-of-run checks
/// and metrics, the ghost lineage of every write, the writes acknowledged,
/// migration times and the requests each node served and redirected.
#[derive(Clone, Debug, Default)]
pub struct ShardMonitor {
    params: Arc<Params>,
    keys: Vec<String>,
    shapes: Vec<Shape>,
    /// Lineage → the lineage it was written over.
    pub parents: BTreeMap<u64, u64>,
    /// Writes acknowledged: (key, lineage after the write).
    pub acked: Vec<(String, u64)>,
    /// Migration times, by configuration: the longest any server took.
    pub migrations: BTreeMap<u64, SimTime>,
    /// Per node: requests served and redirected, all incarnations.
    pub load: Vec<(u64, u64)>,
    /// Per node: (incarnation, served, redirected) last seen.
    seen: Vec<(u32, u64, u64)>,
    write_cursor: Cursor,
    ack_cursor: Cursor,
    migration_cursor: Cursor,
}

impl ShardMonitor {
    fn new(params: Arc<Params>) -> Self {
        ShardMonitor {
            keys: key_names(params.keys),
            params,
            ..ShardMonitor::default()
        }
    }

    fn check_single_server(&self, sim: &Sim<Shard>) -> Result<(), String> {
        for key in &self.keys {
            let mut first: Option<(NodeId, u64)> = None;
            for (id, node) in sim.live_nodes() {
                let Some(s) = node.server() else { continue };
                if !s.serves(id, key, &self.params) {
                    continue;
                }
                if let Some((other, num)) = first {
                    return Err(format!(
                        "{key} is served by two servers at once: {other} (configuration #{num}) \
                         and {id} (configuration #{})",
                        s.config.num
                    ));
                }
                first = Some((id, s.config.num));
            }
        }
        Ok(())
    }

    fn gather(&mut self, sim: &Sim<Shard>) {
        let nodes = sim.node_count() as usize;
        self.load.resize(nodes, (0, 0));
        self.seen.resize(nodes, (0, 0, 0));
        for cursor in [
            &mut self.write_cursor,
            &mut self.ack_cursor,
            &mut self.migration_cursor,
        ] {
            cursor.resize(nodes, (0, 0));
        }
        for (i, slot) in sim.slots().iter().enumerate() {
            let Some(s) = slot.state.as_deref().and_then(Shard::server) else {
                continue;
            };
            if self.seen[i].0 != slot.incarnation {
                self.seen[i] = (slot.incarnation, 0, 0);
            }
            self.load[i].0 += s.served - self.seen[i].1;
            self.load[i].1 += s.redirects - self.seen[i].2;
            self.seen[i] = (slot.incarnation, s.served, s.redirects);
            for (_, parent, child) in fresh(
                &mut self.write_cursor[i],
                slot.incarnation,
                &s.observed.writes,
            ) {
                self.parents.insert(*child, *parent);
            }
            for ack in fresh(&mut self.ack_cursor[i], slot.incarnation, &s.observed.acked) {
                self.acked.push(ack.clone());
            }
            let done = fresh(
                &mut self.migration_cursor[i],
                slot.incarnation,
                &s.observed.migrations,
            );
            for (num, took) in done {
                let longest = self.migrations.entry(*num).or_default();
                *longest = (*longest).max(*took);
            }
        }
    }
}

/// The records of `list` after the cursor (reset at a new incarnation).
fn fresh<'a, T>(cursor: &mut (u32, usize), incarnation: u32, list: &'a [T]) -> &'a [T] {
    if cursor.0 != incarnation {
        *cursor = (incarnation, 0);
    }
    let from = cursor.1.min(list.len());
    cursor.1 = list.len();
    &list[from..]
}

impl Monitor<Shard> for ShardMonitor {
    fn after_step(&mut self, sim: &Sim<Shard>) -> Result<(), String> {
        self.gather(sim);
        let shapes: Vec<Shape> = sim
            .slots()
            .iter()
            .map(|slot| match slot.state.as_deref().and_then(Shard::server) {
                Some(s) => (
                    true,
                    slot.incarnation,
                    s.config.num,
                    s.inbound.len(),
                    s.outbound.len(),
                ),
                None => (false, slot.incarnation, 0, 0, 0),
            })
            .collect();
        if shapes == self.shapes {
            return Ok(());
        }
        self.shapes = shapes;
        self.check_single_server(sim)
    }

    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        use std::hash::Hash;
        (&self.parents, &self.acked, &self.migrations, &self.load).hash(hasher);
    }
}

/// The controller's latest configuration and each server's layout of it.
fn latest(sim: &Sim<Shard>) -> Option<super::Config> {
    sim.live_nodes()
        .find_map(|(_, n)| n.controller())
        .and_then(|c| c.configs.last().cloned())
}

/// `migrations-complete`: at the end every live server is at the
/// controller's latest configuration with nothing to send or wait for.
fn migrations_complete(sim: &Sim<Shard>) -> Result<(), String> {
    let Some(config) = latest(sim) else {
        return Err("the controller is down at the end".into());
    };
    for (id, node) in sim.live_nodes() {
        let Some(s) = node.server() else { continue };
        if s.config.num != config.num {
            return Err(format!(
                "{id} is at configuration {} at the end, the controller at {config}",
                s.config
            ));
        }
        if s.migrating() {
            let waits: Vec<String> = s.inbound.iter().map(|n| n.to_string()).collect();
            let unacked: Vec<String> = s.outbound.keys().map(|n| n.to_string()).collect();
            return Err(format!(
                "{id} never finished moving into {config}: it waits for handoffs from [{}] and \
                 has handoffs unacknowledged by [{}]",
                waits.join(", "),
                unacked.join(", ")
            ));
        }
    }
    Ok(())
}

/// `acked-writes-survive`: every write acknowledged to a client is in its
/// key's value at the end on the key's owner in the latest configuration:
/// the write's lineage is that value's lineage or one it was written over
/// (a later write overwrote it).
fn acked_writes_survive(sim: &Sim<Shard>) -> Result<(), String> {
    let Some(m) = sim.monitor::<ShardMonitor>("single-server") else {
        return Ok(());
    };
    let Some(config) = latest(sim) else {
        return Err("the controller is down at the end".into());
    };
    let layout = m.params.layout(&config.servers);
    let mut chains: BTreeMap<&str, BTreeSet<u64>> = BTreeMap::new();
    for (key, lineage) in &m.acked {
        let Some(owner) = layout.owner(key) else {
            continue;
        };
        let Some(s) = sim.node(owner).and_then(Shard::server) else {
            continue; // down at the end: nothing to compare
        };
        let chain = chains.entry(key).or_insert_with(|| {
            let mut chain = BTreeSet::new();
            let mut at = s.lineage.get(key.as_str()).copied().unwrap_or(0);
            while at != 0 && chain.insert(at) {
                at = m.parents.get(&at).copied().unwrap_or(0);
            }
            chain
        });
        if !chain.contains(lineage) {
            return Err(format!(
                "a write to {key} acknowledged to a client is lost: the value of {key} on its \
                 owner {owner} at the end (configuration {config}) neither holds it nor was \
                 written over it"
            ));
        }
    }
    Ok(())
}

fn metrics(sim: &Sim<Shard>) -> Vec<(String, String)> {
    let mut out = Vec::new();
    if let Some(c) = sim.live_nodes().find_map(|(_, n)| n.controller()) {
        let moved: u64 = c.moves.iter().map(|m| m.moved).sum();
        let minimum: u64 = c.moves.iter().map(|m| m.minimum).sum();
        out.push(("rebalances".into(), c.moves.len().to_string()));
        out.push(("keys-moved".into(), moved.to_string()));
        out.push(("keys-moved-minimum".into(), minimum.to_string()));
    }
    let Some(m) = sim.monitor::<ShardMonitor>("single-server") else {
        return out;
    };
    let longest = m.migrations.values().max().copied().unwrap_or_default();
    out.push(("migration-time-max".into(), longest.to_string()));
    let redirects: u64 = m.load.iter().map(|l| l.1).sum();
    out.push(("redirects".into(), redirects.to_string()));
    let served: Vec<(usize, u64)> = m
        .load
        .iter()
        .enumerate()
        .filter(|(_, l)| l.0 > 0)
        .map(|(i, l)| (i, l.0))
        .collect();
    let total: u64 = served.iter().map(|s| s.1).sum();
    let max = served.iter().map(|s| s.1).max().unwrap_or(0);
    if !served.is_empty() && total > 0 {
        // max / mean, in hundredths (integers only).
        let ratio = max * 100 * served.len() as u64 / total;
        out.push((
            "load-max-mean".into(),
            format!("{}.{:02}", ratio / 100, ratio % 100),
        ));
    }
    let per: Vec<String> = served.iter().map(|(i, n)| format!("n{i}:{n}")).collect();
    out.push(("load-per-server".into(), per.join(" ")));
    out
}

/// A simulation builder with the controller (`n0`) and shard servers,
/// their monitor, checks and metrics (the linearizability check is added
/// by the scenario).
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<Shard> {
    let params = Arc::new(params);
    let monitor = ShardMonitor::new(Arc::clone(&params));
    SimBuilder::new(nodes, seed, move |id, _| {
        Shard::new(Arc::clone(&params), id)
    })
    .monitor("single-server", monitor)
    .invariant(Invariant::eventually(
        "migrations-complete",
        migrations_complete,
    ))
    .invariant(Invariant::eventually(
        "acked-writes-survive",
        acked_writes_survive,
    ))
    .metrics(metrics)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_cursor_reads_each_record_once_and_restarts_with_the_node() {
        let mut cursor = (0, 0);
        assert_eq!(super::fresh(&mut cursor, 0, &[1, 2]), &[1, 2]);
        assert_eq!(super::fresh(&mut cursor, 0, &[1, 2, 3]), &[3]);
        assert_eq!(super::fresh(&mut cursor, 1, &[7]), &[7]);
    }
}
