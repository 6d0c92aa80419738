//! What must hold: an invariant checked after every step, checks at the end
//! of the run, and the client history checked for linearizability.

use crate::node::{ChainNode, Config, Replica};
use distlab::check::history::EventType;
use distlab::check::linearizability::Model;
use distlab::sim::Invariant;
use distlab::sim::{NodeId, Sim};
use std::collections::BTreeSet;

/// The newest configuration any live node knows.
pub fn newest_config(sim: &Sim<ChainNode>) -> Option<&Config> {
    sim.live_nodes()
        .map(|(_, n)| n.config())
        .max_by_key(|c| c.epoch)
}

/// The replica `id` if it is up.
pub fn replica(sim: &Sim<ChainNode>, id: NodeId) -> Option<&Replica> {
    sim.node(id).and_then(ChainNode::replica)
}

/// `prefix-order` (always): in the newest configuration, every replica's
/// log is a prefix of its predecessor's — updates reach a node only through
/// the node before it, in the same order (for each pair of neighbours that
/// are up and know that configuration).
pub fn prefix_order() -> Invariant<ChainNode> {
    Invariant::always("prefix-order", |sim: &Sim<ChainNode>| {
        let Some(config) = newest_config(sim) else {
            return Ok(());
        };
        let current = |id| replica(sim, id).filter(|r| r.config.epoch == config.epoch);
        for pair in config.chain.windows(2) {
            let (Some(pred), Some(succ)) = (current(pair[0]), current(pair[1])) else {
                continue;
            };
            if !pred.log.starts_with(&succ.log) {
                let at = pred.log.iter().zip(&succ.log).take_while(|(a, b)| a == b);
                return Err(format!(
                    "epoch {}: {}'s log ({} entries) is not a prefix of its predecessor {}'s ({} entries); they differ at index {}",
                    config.epoch,
                    pair[1],
                    succ.log.len(),
                    pair[0],
                    pred.log.len(),
                    at.count()
                ));
            }
        }
        Ok(())
    })
}

/// `chain-repaired` (eventually): after the settle phase every replica is
/// back in the chain, none is still joining, and all hold the same log.
pub fn chain_repaired() -> Invariant<ChainNode> {
    Invariant::eventually("chain-repaired", |sim: &Sim<ChainNode>| {
        let master = sim.node(crate::MASTER).and_then(ChainNode::master);
        let config = &master.ok_or("the master is down")?.config;
        if config.chain.len() + 1 != sim.node_count() as usize || config.joining.is_some() {
            return Err(format!(
                "epoch {}: the chain is {}, not every replica",
                config.epoch,
                crate::node::show_chain(config)
            ));
        }
        let head = replica(sim, config.chain[0]).ok_or("the head is down")?;
        for &id in &config.chain {
            let r = replica(sim, id).ok_or(format!("{id} is down"))?;
            if r.config.epoch != config.epoch {
                return Err(format!(
                    "{id} is in epoch {}, the master in {}",
                    r.config.epoch, config.epoch
                ));
            }
            if r.log != head.log {
                return Err(format!(
                    "{id} holds {} entries, the head {}",
                    r.log.len(),
                    head.log.len()
                ));
            }
        }
        Ok(())
    })
}

/// `writes-kept` (eventually): every acknowledged write is in the tail's
/// log after the run.
pub fn writes_kept() -> Invariant<ChainNode> {
    Invariant::eventually("writes-kept", |sim: &Sim<ChainNode>| {
        let config = newest_config(sim).ok_or("every node is down")?;
        let tail = config.tail().and_then(|t| replica(sim, t));
        let tail = tail.ok_or("the tail is down")?;
        let held: BTreeSet<i64> = tail.log.iter().map(|u| u.value).collect();
        let history = &sim.history().events;
        let acked = history
            .iter()
            .filter(|e| e.kind == EventType::Ok && e.f == "put");
        for event in acked {
            let value = event.value.as_int().unwrap_or_default();
            if !held.contains(&value) {
                return Err(format!(
                    "put {value} was acknowledged but the tail lacks it"
                ));
            }
        }
        Ok(())
    })
}

/// `write-acknowledged` (sometimes): some write reached the tail, so a run
/// in which nothing happens cannot pass.
pub fn write_acknowledged() -> Invariant<ChainNode> {
    Invariant::sometimes("write-acknowledged", |sim: &Sim<ChainNode>| {
        sim.live_nodes()
            .filter_map(|(_, n)| n.replica())
            .any(|r| r.stable > 0)
    })
}

/// Step budget of the linearizability search (deterministic; running out
/// gives `unknown`, never a pass).
pub const HISTORY_STEPS: u64 = 2_000_000;

/// `linearizable` (at the end): the client history is linearizable for a
/// key-value store (distlab's checker: `get`/`put` per key).
pub fn linearizable() -> Invariant<ChainNode> {
    Invariant::linearizable(Model::Kv, HISTORY_STEPS)
}
