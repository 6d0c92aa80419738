//! Gossip neighbour graphs: broadcast's fixed shapes plus a random regular
//! graph drawn from the scenario seed.

use crate::protocols::broadcast::Topology;
use crate::sim::{NodeId, Prng, Stream};
use petgraph::graph::UnGraph;
use std::fmt;

/// Who a gossip node may talk to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GossipTopology {
    /// One of broadcast's shapes (line, ring, grid, tree, total).
    Fixed(Topology),
    /// A connected random graph where every node has `degree` neighbours
    /// (one less when `nodes × degree` is odd), drawn from the seed.
    RandomRegular {
        /// Neighbours per node.
        degree: u32,
    },
}

impl GossipTopology {
    /// Names accepted in scenario files.
    pub const NAMES: [&'static str; 6] =
        ["line", "ring", "grid", "tree", "total", "random-regular"];

    /// Parse a scenario name; `degree` is used by `random-regular`.
    pub fn from_name(name: &str, degree: u32) -> Option<GossipTopology> {
        if name == "random-regular" {
            return Some(GossipTopology::RandomRegular { degree });
        }
        <Topology as crate::scenario::Choice>::from_name(name).map(GossipTopology::Fixed)
    }

    /// The undirected graph on `nodes` nodes for `seed`.
    pub fn graph(self, nodes: u32, seed: u64) -> UnGraph<NodeId, ()> {
        match self {
            GossipTopology::Fixed(t) => t.graph(nodes),
            GossipTopology::RandomRegular { degree } => random_regular(nodes, degree, seed),
        }
    }

    /// Each node's neighbours, sorted.
    pub fn neighbours(self, nodes: u32, seed: u64) -> Vec<Vec<NodeId>> {
        let g = self.graph(nodes, seed);
        g.node_indices()
            .map(|i| {
                let mut ns: Vec<NodeId> = g.neighbors(i).map(|j| g[j]).collect();
                ns.sort();
                ns
            })
            .collect()
    }
}

impl fmt::Display for GossipTopology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            GossipTopology::Fixed(t) => write!(f, "{t}"),
            GossipTopology::RandomRegular { degree } => write!(f, "random-regular({degree})"),
        }
    }
}

/// A connected `degree`-regular graph by the pairing (configuration) model,
/// retried until it has no loops, no double edges and one component; after
/// 200 failed draws, the circulant graph (each node joined to its `degree/2`
/// nearest on each side), which is regular and connected. The draws come from
/// their own stream, so they never shift another.
fn random_regular(nodes: u32, degree: u32, seed: u64) -> UnGraph<NodeId, ()> {
    let n = nodes as usize;
    let mut d = (degree as usize).min(n.saturating_sub(1));
    if (n * d) % 2 == 1 {
        d -= 1;
    }
    let mut rng = Prng::new(seed, Stream::Other(0x6055_1900));
    for _ in 0..200 {
        let mut stubs: Vec<usize> = (0..n).flat_map(|i| std::iter::repeat_n(i, d)).collect();
        rng.shuffle(&mut stubs);
        let mut g = empty(nodes);
        let ok = stubs.chunks(2).all(|pair| {
            let (a, b) = (pair[0], pair[1]);
            let (ia, ib) = (
                petgraph::graph::NodeIndex::new(a),
                petgraph::graph::NodeIndex::new(b),
            );
            if a == b || g.find_edge(ia, ib).is_some() {
                return false;
            }
            g.add_edge(ia, ib, ());
            true
        });
        if ok && (n == 0 || petgraph::algo::connected_components(&g) == 1) {
            return g;
        }
    }
    let mut g = empty(nodes);
    for i in 0..n {
        for step in 1..=d.div_ceil(2) {
            let j = (i + step) % n;
            let (ia, ib) = (
                petgraph::graph::NodeIndex::new(i),
                petgraph::graph::NodeIndex::new(j),
            );
            if i != j && g.find_edge(ia, ib).is_none() {
                g.add_edge(ia, ib, ());
            }
        }
    }
    g
}

fn empty(nodes: u32) -> UnGraph<NodeId, ()> {
    let mut g = UnGraph::new_undirected();
    for i in 0..nodes {
        g.add_node(NodeId(i));
    }
    g
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_regular_graphs_are_regular_connected_and_seeded() {
        for (n, d) in [(10u32, 3u32), (8, 4), (16, 3), (5, 2), (2, 3), (7, 3)] {
            let t = GossipTopology::RandomRegular { degree: d };
            let g = t.graph(n, 7);
            assert_eq!(petgraph::algo::connected_components(&g), 1, "{n} {d}");
            let degrees: Vec<usize> = g.node_indices().map(|i| g.neighbors(i).count()).collect();
            let want = {
                let d = (d as usize).min(n as usize - 1);
                if (n as usize * d) % 2 == 1 {
                    d - 1
                } else {
                    d
                }
            };
            assert!(degrees.iter().all(|&x| x == want), "{n} {d}: {degrees:?}");
        }
        let t = GossipTopology::RandomRegular { degree: 3 };
        assert_eq!(t.neighbours(10, 1), t.neighbours(10, 1));
        assert_ne!(t.neighbours(10, 1), t.neighbours(10, 2));
    }
}
