//! The network model: per-link latency, loss, duplication, optional FIFO
//! delivery, and partitions.
//!
//! Connectivity lives in a petgraph graph (an edge `a → b` means `a` can reach
//! `b`); a dense matrix mirrors it for the hot path. Client traffic crosses the
//! default link (latency and loss) but is not subject to partitions: clients sit
//! beside the cluster, as Jepsen's do.

pub mod latency;
pub mod partition;

pub use latency::Latency;
pub use partition::PartitionShape;

use crate::base::rng::{Prng, Ratio};
use crate::base::{Endpoint, NodeId, SimTime};
use petgraph::graphmap::DiGraphMap;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The behaviour of one directed link.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct LinkConfig {
    /// Delay distribution.
    pub latency: Latency,
    /// Probability that a message is lost.
    pub loss: Ratio,
    /// Probability that a message is delivered twice.
    pub duplicate: Ratio,
}

/// Network configuration: the default link, overrides, FIFO.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NetConfig {
    /// The link every pair uses unless overridden.
    pub default: LinkConfig,
    /// Per directed link overrides.
    pub links: BTreeMap<(NodeId, NodeId), LinkConfig>,
    /// Deliver in send order on each link.
    pub fifo: bool,
    /// Messages lost by name: `(from, to, n)` is the `n`-th message (from 1)
    /// sent from `from` to `to` (every send counts, delivered, lost or cut
    /// by a partition). Decided after the random loss draw, so listing a
    /// message changes no random number: it draws what a message lost at
    /// random draws.
    pub lose: BTreeSet<(Endpoint, Endpoint, u64)>,
    /// Draw the loss number for each message even on a link without loss
    /// (and ignore it): with `lose` listing the messages a lossy run lost,
    /// every other random draw (latencies, duplicates) stays as it was.
    pub keep_loss_draws: bool,
}

/// What the loss draw of a link without loss draws from when
/// `keep_loss_draws` is set: the denominator of every scenario probability.
const LOSS_DRAW: Ratio = Ratio {
    numerator: 1,
    denominator: 1_000_000_000,
};

/// What happens to one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transit {
    /// Delivered at `at`, and a second copy at `duplicate` if duplicated.
    Deliver {
        /// Arrival time of the message.
        at: SimTime,
        /// Arrival time of the duplicate copy, if any.
        duplicate: Option<SimTime>,
    },
    /// Lost to a partition.
    Partitioned,
    /// Lost at random.
    Lost,
}

/// The live network.
#[derive(Clone, Debug)]
pub struct Network {
    nodes: u32,
    config: NetConfig,
    /// Shared between copies of the world until one of them cuts or
    /// heals a link (copy on write): cloning a world is the explorer's
    /// hot path.
    graph: Arc<DiGraphMap<NodeId, ()>>,
    /// `cut[from * nodes + to]`: mirrors the graph.
    cut: Vec<bool>,
    last_arrival: Vec<SimTime>,
    /// Messages sent on each directed link so far (only counted when
    /// `config.lose` names any).
    sent: BTreeMap<(Endpoint, Endpoint), u64>,
}

impl Network {
    /// A fully connected network of `nodes`.
    pub fn new(nodes: u32, config: NetConfig) -> Network {
        let n = nodes as usize;
        let mut net = Network {
            nodes,
            config,
            graph: Arc::new(DiGraphMap::new()),
            cut: vec![false; n * n],
            last_arrival: Vec::new(),
            sent: BTreeMap::new(),
        };
        if net.config.fifo {
            net.last_arrival = vec![SimTime::ZERO; n * n];
        }
        net.heal();
        net
    }

    /// Number of nodes.
    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    /// The configuration in force (losses changed by faults included).
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    fn link(&self, from: NodeId, to: NodeId) -> &LinkConfig {
        if self.config.links.is_empty() {
            return &self.config.default;
        }
        self.config
            .links
            .get(&(from, to))
            .unwrap_or(&self.config.default)
    }

    /// Counts a message sent from `from` to `to`; true when the scenario
    /// lists it as lost.
    fn listed(&mut self, from: Endpoint, to: Endpoint) -> bool {
        if self.config.lose.is_empty() {
            return false;
        }
        let count = self.sent.entry((from, to)).or_insert(0);
        *count += 1;
        self.config.lose.contains(&(from, to, *count))
    }

    /// The random loss draw: lost at random (no draw at all on a link
    /// without loss, unless `keep_loss_draws`).
    fn lost_at_random(&self, rng: &mut Prng, loss: Ratio) -> bool {
        if loss.is_zero() && self.config.keep_loss_draws {
            rng.chance(LOSS_DRAW);
            return false;
        }
        rng.chance(loss)
    }

    /// Decide the fate of a message sent now from `from` to `to`.
    pub fn route(&mut self, rng: &mut Prng, from: NodeId, to: NodeId, now: SimTime) -> Transit {
        let listed = self.listed(Endpoint::Node(from), Endpoint::Node(to));
        let slot = from.index() * self.nodes as usize + to.index();
        if self.cut[slot] {
            return Transit::Partitioned;
        }
        let link = *self.link(from, to);
        if self.lost_at_random(rng, link.loss) || listed {
            return Transit::Lost;
        }
        let mut at = now + link.latency.sample(rng);
        let mut duplicate = if rng.chance(link.duplicate) {
            Some(now + link.latency.sample(rng))
        } else {
            None
        };
        if self.config.fifo {
            let last = &mut self.last_arrival[slot];
            at = at.max(*last);
            *last = at;
            if let Some(copy) = duplicate.as_mut() {
                *copy = (*copy).max(*last);
                *last = *copy;
            }
        }
        Transit::Deliver { at, duplicate }
    }

    /// Decide the fate of client traffic from `from` to `to` (a client and
    /// a node, either way round; default link; no partitions).
    pub fn route_client(
        &mut self,
        rng: &mut Prng,
        from: Endpoint,
        to: Endpoint,
        now: SimTime,
    ) -> Transit {
        let listed = self.listed(from, to);
        let link = self.config.default;
        if self.lost_at_random(rng, link.loss) || listed {
            return Transit::Lost;
        }
        Transit::Deliver {
            at: now + link.latency.sample(rng),
            duplicate: None,
        }
    }

    /// Restore every link.
    pub fn heal(&mut self) {
        self.cut.iter_mut().for_each(|c| *c = false);
        let mut graph = DiGraphMap::new();
        for a in 0..self.nodes {
            graph.add_node(NodeId(a));
        }
        for a in 0..self.nodes {
            for b in 0..self.nodes {
                if a != b {
                    graph.add_edge(NodeId(a), NodeId(b), ());
                }
            }
        }
        self.graph = Arc::new(graph);
    }

    /// Cut one direction: `from`'s messages to `to` are dropped.
    pub fn cut_one_way(&mut self, from: NodeId, to: NodeId) {
        if from == to || from.0 >= self.nodes || to.0 >= self.nodes {
            return;
        }
        self.cut[from.index() * self.nodes as usize + to.index()] = true;
        if self.graph.contains_edge(from, to) {
            Arc::make_mut(&mut self.graph).remove_edge(from, to);
        }
    }

    /// Cut both directions between each pair.
    pub fn cut_pairs(&mut self, pairs: &[(NodeId, NodeId)]) {
        for &(a, b) in pairs {
            self.cut_one_way(a, b);
            self.cut_one_way(b, a);
        }
    }

    /// Split into groups: links between different groups are cut. Nodes not
    /// named in any group form one more group together.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        let mut group_of: Vec<usize> = vec![groups.len(); self.nodes as usize];
        for (g, members) in groups.iter().enumerate() {
            for m in members {
                if let Some(slot) = group_of.get_mut(m.index()) {
                    *slot = g;
                }
            }
        }
        for a in 0..self.nodes {
            for b in 0..self.nodes {
                if group_of[a as usize] != group_of[b as usize] {
                    self.cut_one_way(NodeId(a), NodeId(b));
                }
            }
        }
    }

    /// Cut `node` off from every other node, both ways.
    pub fn isolate(&mut self, node: NodeId) {
        for other in 0..self.nodes {
            self.cut_one_way(node, NodeId(other));
            self.cut_one_way(NodeId(other), node);
        }
    }

    /// True when `from` can currently reach `to` directly.
    pub fn connected(&self, from: NodeId, to: NodeId) -> bool {
        from == to || self.graph.contains_edge(from, to)
    }

    /// True when any link is cut.
    pub fn is_partitioned(&self) -> bool {
        self.cut.iter().any(|&c| c)
    }

    /// Strongly connected components of the reachability graph, each sorted,
    /// largest first (ties by smallest member).
    pub fn components(&self) -> Vec<Vec<NodeId>> {
        let mut comps: Vec<Vec<NodeId>> = petgraph::algo::tarjan_scc(&*self.graph)
            .into_iter()
            .map(|mut c| {
                c.sort();
                c
            })
            .collect();
        comps.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        comps
    }

    /// True when some strongly connected component holds a majority.
    pub fn has_majority_component(&self) -> bool {
        self.components()
            .first()
            .is_some_and(|c| c.len() > self.nodes as usize / 2)
    }

    /// Set the network-wide loss probability (default link and overrides).
    pub fn set_loss(&mut self, loss: Ratio) {
        self.config.default.loss = loss;
        self.config.links.values_mut().for_each(|l| l.loss = loss);
    }

    /// Set the network-wide duplication probability.
    pub fn set_duplicate(&mut self, duplicate: Ratio) {
        self.config.default.duplicate = duplicate;
        self.config
            .links
            .values_mut()
            .for_each(|l| l.duplicate = duplicate);
    }

    /// Restore loss and duplication rates from `config` (default link and
    /// overrides); connectivity and FIFO state are untouched.
    pub fn restore_rates(&mut self, config: &NetConfig) {
        self.config.default = config.default;
        self.config.links = config.links.clone();
    }

    /// A readable description of the cut: `{n0 n1} | {n2 n3 n4}`, or `healthy`.
    pub fn describe(&self) -> String {
        if !self.is_partitioned() {
            return "healthy".into();
        }
        let comps = self.components();
        let groups: Vec<String> = comps
            .iter()
            .map(|c| {
                let names: Vec<String> = c.iter().map(|n| n.to_string()).collect();
                format!("{{{}}}", names.join(" "))
            })
            .collect();
        let cut = self.cut.iter().filter(|&&c| c).count();
        format!("{} ({cut} directed links cut)", groups.join(" | "))
    }
}

#[cfg(test)]
mod tests;
