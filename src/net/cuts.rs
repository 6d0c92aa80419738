//! Which directed links between nodes are cut: one bit per ordered pair,
//! allocated at the first cut (a run without partitions keeps nothing per
//! pair of nodes), shared between copies of the world until one of them
//! changes it (copy on write: cloning a world is the explorer's hot path).
//!
//! Components come from a forward-backward search over the complement of
//! the cut set: a node's search scans the nodes not yet reached and either
//! reaches one or meets a cut bit, so one search costs O(nodes + cuts), not
//! O(nodes²) as a search over an explicit graph of every uncut link would.

use crate::base::NodeId;
use std::sync::Arc;

/// The cut directed links among `nodes` nodes.
#[derive(Clone, Default)]
pub(super) struct Cuts {
    nodes: usize,
    /// Bit `from * nodes + to`; empty until the first cut.
    bits: Arc<Vec<u64>>,
    /// Number of set bits.
    count: usize,
}

impl std::fmt::Debug for Cuts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Cuts({} of {} nodes)", self.count, self.nodes)
    }
}

impl Cuts {
    /// No cut links among `nodes` nodes.
    pub(super) fn new(nodes: u32) -> Cuts {
        Cuts {
            nodes: nodes as usize,
            bits: Arc::new(Vec::new()),
            count: 0,
        }
    }

    fn slot(&self, from: NodeId, to: NodeId) -> usize {
        from.index() * self.nodes + to.index()
    }

    /// No link is cut.
    #[inline]
    pub(super) fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// True when `from`'s messages to `to` are cut (both below `nodes`).
    pub(super) fn get(&self, from: NodeId, to: NodeId) -> bool {
        if self.count == 0 {
            return false;
        }
        let slot = self.slot(from, to);
        self.bits[slot / 64] & (1 << (slot % 64)) != 0
    }

    /// Cut or restore `from` → `to` (both below `nodes`, distinct).
    pub(super) fn set(&mut self, from: NodeId, to: NodeId, cut: bool) {
        if self.get(from, to) == cut {
            return;
        }
        let slot = self.slot(from, to);
        let bits = Arc::make_mut(&mut self.bits);
        if bits.is_empty() {
            bits.resize((self.nodes * self.nodes).div_ceil(64), 0);
        }
        bits[slot / 64] ^= 1 << (slot % 64);
        if cut {
            self.count += 1;
        } else {
            self.count -= 1;
        }
    }

    /// Restore every link (and free the table).
    pub(super) fn clear(&mut self) {
        self.bits = Arc::new(Vec::new());
        self.count = 0;
    }

    /// Number of cut directed links.
    pub(super) fn count(&self) -> usize {
        self.count
    }

    /// The nodes of `remaining` that `root` reaches (forward) or that reach
    /// `root` (backward) through uncut links among `remaining`, `root`
    /// included. Removes nothing from `remaining`.
    fn reach(&self, root: NodeId, remaining: &[NodeId], forward: bool) -> Vec<NodeId> {
        let mut unseen: Vec<NodeId> = remaining.iter().copied().filter(|&n| n != root).collect();
        let mut reached = vec![root];
        let mut next = 0;
        while next < reached.len() && !unseen.is_empty() {
            let v = reached[next];
            next += 1;
            unseen.retain(|&u| {
                let cut = if forward {
                    self.get(v, u)
                } else {
                    self.get(u, v)
                };
                if !cut {
                    reached.push(u);
                }
                cut
            });
        }
        reached
    }

    /// Strongly connected components of the uncut links, each sorted,
    /// largest first (ties by smallest member).
    pub(super) fn components(&self) -> Vec<Vec<NodeId>> {
        let mut remaining: Vec<NodeId> = (0..self.nodes as u32).map(NodeId).collect();
        let mut comps = Vec::new();
        if self.count == 0 {
            if !remaining.is_empty() {
                comps.push(remaining);
            }
            return comps;
        }
        while let Some(&root) = remaining.first() {
            let mut forward = self.reach(root, &remaining, true);
            forward.sort();
            let mut comp: Vec<NodeId> = self
                .reach(root, &remaining, false)
                .into_iter()
                .filter(|n| forward.binary_search(n).is_ok())
                .collect();
            comp.sort();
            remaining.retain(|n| comp.binary_search(n).is_err());
            comps.push(comp);
        }
        comps.sort_by(|a, b| b.len().cmp(&a.len()).then(a[0].cmp(&b[0])));
        comps
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(v: &[u32]) -> Vec<NodeId> {
        v.iter().copied().map(NodeId).collect()
    }

    #[test]
    fn nothing_is_kept_until_the_first_cut() {
        let mut cuts = Cuts::new(10_000);
        assert!(cuts.bits.is_empty());
        assert_eq!(cuts.components().len(), 1);
        cuts.set(NodeId(1), NodeId(2), true);
        assert_eq!(cuts.bits.len(), 10_000 * 10_000 / 64);
        assert!(cuts.get(NodeId(1), NodeId(2)));
        assert!(!cuts.get(NodeId(2), NodeId(1)));
        cuts.set(NodeId(1), NodeId(2), false);
        assert_eq!(cuts.count(), 0);
    }

    #[test]
    fn components_follow_one_way_cuts() {
        // 0 → 1 cut only: 0 and 1 still reach each other through 2.
        let mut cuts = Cuts::new(3);
        cuts.set(NodeId(0), NodeId(1), true);
        assert_eq!(cuts.components(), vec![ids(&[0, 1, 2])]);
        // Cut 0 off from everyone in one direction: {1 2} | {0}.
        cuts.set(NodeId(0), NodeId(2), true);
        assert_eq!(cuts.components(), vec![ids(&[1, 2]), ids(&[0])]);
        // A chain of one-way links gives singletons.
        let mut cuts = Cuts::new(4);
        for a in 0..4u32 {
            for b in 0..a {
                cuts.set(NodeId(a), NodeId(b), true);
            }
        }
        assert_eq!(cuts.components().len(), 4);
    }

    #[test]
    fn halves_of_a_big_cluster() {
        let n = 2_000u32;
        let mut cuts = Cuts::new(n);
        for a in 0..n {
            for b in 0..n {
                if (a < n / 2) != (b < n / 2) {
                    cuts.set(NodeId(a), NodeId(b), true);
                }
            }
        }
        let comps = cuts.components();
        assert_eq!(comps.len(), 2);
        assert_eq!(comps[0].len(), 1_000);
        assert_eq!(comps[0][0], NodeId(0));
    }
}
