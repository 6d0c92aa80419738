//! Jepsen's partition shapes, as sets of cut links.

use crate::base::rng::Prng;
use crate::base::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A named partition shape (Jepsen's nemesis vocabulary).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartitionShape {
    /// Two halves, the nodes shuffled first (the larger half is a majority).
    Halves,
    /// A random ring: every node sees a majority, no two see the same one.
    MajoritiesRing,
    /// Two halves joined by one bridge node that sees both.
    Bridge,
    /// One random node cut off from all others.
    IsolateOne,
    /// A random split into two non-empty groups.
    Random,
}

impl PartitionShape {
    /// Every shape, for nemesis selection.
    pub const ALL: [PartitionShape; 5] = [
        PartitionShape::Halves,
        PartitionShape::MajoritiesRing,
        PartitionShape::Bridge,
        PartitionShape::IsolateOne,
        PartitionShape::Random,
    ];

    /// Every shape with its name in scenario files.
    pub const NAMED: [(&'static str, PartitionShape); 5] = [
        ("halves", PartitionShape::Halves),
        ("majorities-ring", PartitionShape::MajoritiesRing),
        ("bridge", PartitionShape::Bridge),
        ("isolate-one", PartitionShape::IsolateOne),
        ("random", PartitionShape::Random),
    ];

    /// The pairs of nodes (both directions) that can no longer talk.
    pub fn cut_pairs(self, nodes: u32, rng: &mut Prng) -> Vec<(NodeId, NodeId)> {
        let mut order: Vec<NodeId> = (0..nodes).map(NodeId).collect();
        rng.shuffle(&mut order);
        let n = order.len();
        if n < 2 {
            return Vec::new();
        }
        match self {
            PartitionShape::Halves => {
                let (a, b) = order.split_at(n / 2);
                between(a, b)
            }
            PartitionShape::IsolateOne => between(&order[..1], &order[1..]),
            PartitionShape::Bridge => {
                // order[0] is the bridge; the rest split in two.
                let rest = &order[1..];
                let (a, b) = rest.split_at(rest.len() / 2);
                between(a, b)
            }
            PartitionShape::Random => {
                let cut = 1 + rng.index(n - 1);
                let (a, b) = order.split_at(cut);
                between(a, b)
            }
            PartitionShape::MajoritiesRing => majorities_ring(&order),
        }
    }
}

impl fmt::Display for PartitionShape {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            PartitionShape::Halves => "halves",
            PartitionShape::MajoritiesRing => "majorities-ring",
            PartitionShape::Bridge => "bridge",
            PartitionShape::IsolateOne => "isolate-one",
            PartitionShape::Random => "random",
        })
    }
}

/// Every pair with one node in `a` and one in `b`.
pub fn between(a: &[NodeId], b: &[NodeId]) -> Vec<(NodeId, NodeId)> {
    let mut pairs = Vec::with_capacity(a.len() * b.len());
    for &x in a {
        for &y in b {
            pairs.push((x, y));
        }
    }
    pairs
}

/// Ring positions: each node keeps links to the nodes within ring distance
/// `reach`, chosen so that it sees a majority (itself included); all other
/// links are cut.
fn majorities_ring(order: &[NodeId]) -> Vec<(NodeId, NodeId)> {
    let n = order.len();
    let majority = n / 2 + 1;
    let reach = majority / 2; // self + 2·reach >= majority
    let reach = if 1 + 2 * reach < majority {
        reach + 1
    } else {
        reach
    };
    let mut pairs = Vec::new();
    for i in 0..n {
        for j in (i + 1)..n {
            let distance = (j - i).min(n - (j - i));
            if distance > reach {
                pairs.push((order[i], order[j]));
            }
        }
    }
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::rng::Stream;

    fn visible(pairs: &[(NodeId, NodeId)], nodes: u32, who: u32) -> usize {
        (0..nodes)
            .filter(|&other| {
                !pairs
                    .iter()
                    .any(|&(a, b)| (a.0 == who && b.0 == other) || (b.0 == who && a.0 == other))
            })
            .count()
    }

    #[test]
    fn majorities_ring_gives_everyone_a_majority_but_not_the_same_one() {
        for nodes in [3u32, 5, 7, 9] {
            let mut rng = Prng::new(3, Stream::Faults);
            let pairs = PartitionShape::MajoritiesRing.cut_pairs(nodes, &mut rng);
            for who in 0..nodes {
                assert!(
                    visible(&pairs, nodes, who) > nodes as usize / 2,
                    "n={nodes}"
                );
            }
            if nodes >= 5 {
                assert!(!pairs.is_empty());
            }
        }
    }

    #[test]
    fn halves_and_isolate_cut_the_right_number_of_links() {
        let mut rng = Prng::new(4, Stream::Faults);
        assert_eq!(PartitionShape::Halves.cut_pairs(5, &mut rng).len(), 2 * 3);
        assert_eq!(PartitionShape::IsolateOne.cut_pairs(5, &mut rng).len(), 4);
        let bridge = PartitionShape::Bridge.cut_pairs(5, &mut rng);
        assert_eq!(bridge.len(), 2 * 2);
        // Exactly one node sees everybody.
        let full = (0..5).filter(|&w| visible(&bridge, 5, w) == 5).count();
        assert_eq!(full, 1);
        let random = PartitionShape::Random.cut_pairs(5, &mut rng);
        assert!(!random.is_empty());
    }
}
