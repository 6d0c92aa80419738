//! Neighbour graphs for broadcast, built with petgraph.

use crate::sim::NodeId;
use petgraph::graph::UnGraph;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The shape of the gossip graph (Maelstrom's broadcast topologies).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Topology {
    /// n0 - n1 - n2 - ...
    Line,
    /// A line closed into a circle.
    Ring,
    /// A near-square grid, row by row.
    Grid,
    /// A binary tree rooted at n0.
    Tree,
    /// Everyone is everyone's neighbour.
    Total,
}

impl crate::scenario::Choice for Topology {
    const NAMES: &'static [&'static str] = &["line", "ring", "grid", "tree", "total"];
    const ALL: &'static [Topology] = &[
        Topology::Line,
        Topology::Ring,
        Topology::Grid,
        Topology::Tree,
        Topology::Total,
    ];
}

impl Topology {
    /// The undirected graph on `nodes` nodes.
    pub fn graph(self, nodes: u32) -> UnGraph<NodeId, ()> {
        let mut g = UnGraph::new_undirected();
        let ix: Vec<_> = (0..nodes).map(|i| g.add_node(NodeId(i))).collect();
        let n = nodes as usize;
        let mut edge = |a: usize, b: usize| {
            if a != b && a < n && b < n && g.find_edge(ix[a], ix[b]).is_none() {
                g.add_edge(ix[a], ix[b], ());
            }
        };
        match self {
            Topology::Line => (1..n).for_each(|i| edge(i - 1, i)),
            Topology::Ring => {
                (1..n).for_each(|i| edge(i - 1, i));
                if n > 2 {
                    edge(n - 1, 0);
                }
            }
            Topology::Grid => {
                let width = (1..=n).find(|w| w * w >= n).unwrap_or(1);
                for i in 0..n {
                    if (i + 1) % width != 0 {
                        edge(i, i + 1);
                    }
                    edge(i, i + width);
                }
            }
            Topology::Tree => (1..n).for_each(|i| edge((i - 1) / 2, i)),
            Topology::Total => {
                for a in 0..n {
                    for b in (a + 1)..n {
                        edge(a, b);
                    }
                }
            }
        }
        g
    }

    /// Each node's neighbours, sorted.
    pub fn neighbours(self, nodes: u32) -> Vec<Vec<NodeId>> {
        let g = self.graph(nodes);
        g.node_indices()
            .map(|i| {
                let mut ns: Vec<NodeId> = g.neighbors(i).map(|j| g[j]).collect();
                ns.sort();
                ns
            })
            .collect()
    }
}

impl fmt::Display for Topology {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::scenario::Choice::name(*self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes_have_the_expected_edges_and_are_connected() {
        let edges = |t: Topology, n| t.graph(n).edge_count();
        assert_eq!(edges(Topology::Line, 5), 4);
        assert_eq!(edges(Topology::Ring, 5), 5);
        assert_eq!(edges(Topology::Tree, 7), 6);
        assert_eq!(edges(Topology::Total, 5), 10);
        // 3x3 grid: 6 horizontal + 6 vertical.
        assert_eq!(edges(Topology::Grid, 9), 12);
        for t in [
            Topology::Line,
            Topology::Ring,
            Topology::Grid,
            Topology::Tree,
            Topology::Total,
        ] {
            for n in [1u32, 2, 5, 10] {
                assert_eq!(
                    petgraph::algo::connected_components(&t.graph(n)),
                    1,
                    "{t} {n}"
                );
            }
        }
        assert_eq!(Topology::Line.neighbours(3)[1], vec![NodeId(0), NodeId(2)]);
    }
}
