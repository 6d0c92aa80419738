//! Probe order and indirect-probe helpers in big clusters.
//!
//! Up to [`LISTED_ORDER_MAX`] nodes each member shuffles the list of every
//! other member once per rotation and probes down it (the paper's
//! round-robin). A shuffled list is O(n) per node, O(n²) for the cluster:
//! 400 MB at 10,000 nodes. Above that size a rotation draws one 64-bit key
//! and probes position `i` of the rotation at `permute(key, n − 1, i)`, a
//! bijection of `0..n − 1` (a four-round Feistel network over the next even
//! power of two, walking the cycle until it lands inside): the same
//! guarantee — every member probed exactly once per rotation, in an order
//! nobody can predict — in O(1) memory. Helpers for a ping-req are then
//! drawn by rejection (a random member, kept if alive, not the target and
//! not already picked) instead of shuffling the list of every live member.

use super::{NodeId, State, Swim};
use crate::sim::Ctx;

/// Largest cluster whose members keep a shuffled probe list; above it the
/// order is a permutation drawn from one key per rotation.
pub const LISTED_ORDER_MAX: u32 = 1024;

/// A 64-bit mix (splitmix64's finaliser): integer only, the same on every
/// platform.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

/// Position `i` of the permutation of `0..m` that `key` picks (`i < m`).
pub(super) fn permute(key: u64, m: u32, i: u32) -> u32 {
    if m <= 1 {
        return 0;
    }
    let bits = u32::BITS - (m - 1).leading_zeros();
    let half = bits.div_ceil(2);
    let mask = (1u64 << half) - 1;
    let mut x = u64::from(i);
    loop {
        let (mut left, mut right) = (x >> half, x & mask);
        for round in 0..4u64 {
            let f = mix(key ^ (round << 60) ^ right) & mask;
            (left, right) = (right, left ^ f);
        }
        x = (left << half) | right;
        if x < u64::from(m) {
            return x as u32;
        }
    }
}

impl Swim {
    /// The next member to probe from this rotation's permutation (a new
    /// key at the start of each rotation).
    pub(super) fn next_permuted(&mut self, ctx: &mut Ctx<Self>) -> Option<NodeId> {
        let others = self.nodes.saturating_sub(1);
        if others == 0 {
            return None;
        }
        if self.cursor >= others as usize {
            self.cursor = 0;
            self.order_key = None;
        }
        let key = match self.order_key {
            Some(key) => key,
            None => *self.order_key.insert(ctx.rng().next_u64()),
        };
        let i = permute(key, others, self.cursor as u32);
        self.cursor += 1;
        // Skip over this node's own id.
        Some(NodeId(if i < self.id.0 { i } else { i + 1 }))
    }

    /// Up to `indirect` distinct live members other than `target`, drawn at
    /// random; when 32 draws per helper are not enough (most members dead),
    /// the rest come from a shuffle of those left.
    pub(super) fn sample_helpers(&self, ctx: &mut Ctx<Self>, target: NodeId) -> Vec<NodeId> {
        let want = self.params.indirect as usize;
        let usable = |m: NodeId| {
            m != target
                && self
                    .member(m)
                    .is_some_and(|info| info.state == State::Alive)
        };
        let mut picked: Vec<NodeId> = Vec::with_capacity(want);
        let mut draws = 32 * want;
        while picked.len() < want && draws > 0 {
            draws -= 1;
            let m = NodeId(ctx.rng().below(u64::from(self.nodes)) as u32);
            if usable(m) && !picked.contains(&m) {
                picked.push(m);
            }
        }
        if picked.len() < want {
            let mut rest: Vec<NodeId> = (0..self.nodes)
                .map(NodeId)
                .filter(|&m| usable(m) && !picked.contains(&m))
                .collect();
            ctx.rng().shuffle(&mut rest);
            rest.truncate(want - picked.len());
            picked.extend(rest);
        }
        picked
    }
}

#[cfg(test)]
mod tests {
    use super::permute;

    #[test]
    fn permute_is_a_bijection_for_every_size() {
        for m in [1u32, 2, 3, 7, 8, 9, 1000, 1025, 9_999] {
            for key in [0u64, 1, 0xdead_beef] {
                let mut seen = vec![false; m as usize];
                for i in 0..m {
                    let p = permute(key, m, i);
                    assert!(p < m, "{p} out of 0..{m}");
                    assert!(!seen[p as usize], "{p} twice (m {m}, key {key})");
                    seen[p as usize] = true;
                }
            }
        }
    }

    #[test]
    fn different_keys_give_different_orders() {
        let order = |key| (0..50).map(|i| permute(key, 9_999, i)).collect::<Vec<_>>();
        assert_ne!(order(1), order(2));
        // Pinned: a change here moves every big SWIM run's trace hash.
        assert_eq!(order(7)[..5], [6922, 8629, 1985, 654, 9158]);
    }
}
