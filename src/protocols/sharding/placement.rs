//! Placement: which server owns a key, for a list of servers. Pure
//! functions, no simulation: the servers, the controller and the checks all
//! call the same [`Layout::owner`].
//!
//! - **mod-n**: `hash(key) mod N` over the servers in id order. A join or a
//!   leave changes `N`, so most keys change owner.
//! - **consistent-hash**: every server puts `vnodes` points on a ring of
//!   64-bit hashes; a key belongs to the first point at or after its hash
//!   (wrapping). A leave moves exactly the leaving server's keys; a join
//!   takes about a fair share from the others.
//! - **range**: the key space `k0 .. k{K-1}` (keys in numeric order) is cut
//!   into `N` equal ranges, one per server in id order; a range moves as a
//!   whole. A key not of the form `k<number>` below `K` is placed by its
//!   hash into the key space.
//!
//! [`moves`] counts the keys that change owner between two layouts and the
//! least any placement could move: the keys of the servers that left plus a
//! fair share (`keys / servers after`) for each server that joined.

use crate::base::hash::StableHasher;
use crate::sim::NodeId;
use std::fmt;
use std::hash::{Hash, Hasher};

/// How keys are placed on servers.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Placement {
    /// `hash(key) mod N`.
    ModN,
    /// A ring with `vnodes` points per server.
    ConsistentHash,
    /// Equal ranges of the key space, one per server.
    Range,
}

impl crate::scenario::Choice for Placement {
    const NAMES: &'static [&'static str] = &["mod-n", "consistent-hash", "range"];
    const ALL: &'static [Placement] =
        &[Placement::ModN, Placement::ConsistentHash, Placement::Range];
}

impl Placement {
    /// The name a scenario file uses.
    pub fn name(self) -> &'static str {
        match self {
            Placement::ModN => "mod-n",
            Placement::ConsistentHash => "consistent-hash",
            Placement::Range => "range",
        }
    }
}

/// A 64-bit hash of a string, well mixed (a stable hash finished with
/// splitmix64's mixer): the same on every platform and in every run.
pub fn key_hash(key: &str) -> u64 {
    let mut h = StableHasher::new();
    key.hash(&mut h);
    mix(h.finish())
}

/// splitmix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The ring position of a server's `i`th virtual node.
fn vnode_hash(server: NodeId, i: u32) -> u64 {
    mix(mix((u64::from(server.0) << 32) | u64::from(i)))
}

/// The position of `key` in a key space of `key_space` keys (`k<n>` is
/// `n`; any other key its hash, reduced into the space).
pub fn key_position(key: &str, key_space: u64) -> u64 {
    let space = key_space.max(1);
    match key.strip_prefix('k').and_then(|n| n.parse::<u64>().ok()) {
        Some(n) if n < space => n,
        _ => key_hash(key) % space,
    }
}

/// A placement applied to a set of servers: answers "who owns this key".
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Layout {
    placement: Placement,
    /// The servers, in id order.
    servers: Vec<NodeId>,
    /// consistent-hash: (point, server), sorted by point.
    ring: Vec<(u64, NodeId)>,
    /// range: the size of the key space.
    key_space: u64,
}

impl fmt::Debug for Layout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let servers: Vec<String> = self.servers.iter().map(|s| s.to_string()).collect();
        write!(f, "{} over [{}]", self.placement.name(), servers.join(", "))
    }
}

impl Layout {
    /// `placement` over `servers` (any order; duplicates ignored), with
    /// `vnodes` ring points per server (consistent-hash) and a key space of
    /// `key_space` keys (range).
    pub fn new(placement: Placement, servers: &[NodeId], vnodes: u32, key_space: u64) -> Layout {
        let mut servers = servers.to_vec();
        servers.sort();
        servers.dedup();
        let mut ring = Vec::new();
        if placement == Placement::ConsistentHash {
            for &s in &servers {
                for i in 0..vnodes.max(1) {
                    ring.push((vnode_hash(s, i), s));
                }
            }
            ring.sort();
        }
        Layout {
            placement,
            servers,
            ring,
            key_space: key_space.max(1),
        }
    }

    /// The servers, in id order.
    pub fn servers(&self) -> &[NodeId] {
        &self.servers
    }

    /// The owner of `key`; `None` without servers.
    pub fn owner(&self, key: &str) -> Option<NodeId> {
        let n = self.servers.len() as u64;
        if n == 0 {
            return None;
        }
        Some(match self.placement {
            Placement::ModN => self.servers[(key_hash(key) % n) as usize],
            Placement::ConsistentHash => {
                let h = key_hash(key);
                let at = self.ring.partition_point(|(point, _)| *point < h);
                self.ring[at % self.ring.len()].1
            }
            Placement::Range => {
                let position = key_position(key, self.key_space);
                // Range i holds positions [i·K/N, (i+1)·K/N).
                let index = (u128::from(position) * u128::from(n) / u128::from(self.key_space))
                    .min(u128::from(n - 1));
                self.servers[index as usize]
            }
        })
    }
}

/// Keys moved by a change of layout, against the least possible.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Moves {
    /// Keys whose owner changed.
    pub moved: u64,
    /// The least any placement must move: the keys of servers that left,
    /// plus `keys / servers after` for each server that joined.
    pub minimum: u64,
}

impl Moves {
    /// `moved / minimum` (1.0 when nothing had to move and nothing did).
    pub fn ratio(&self) -> f64 {
        if self.minimum == 0 {
            return if self.moved == 0 { 1.0 } else { f64::INFINITY };
        }
        self.moved as f64 / self.minimum as f64
    }
}

/// Count the keys of `keys` whose owner differs between `before` and
/// `after`, and the minimum ([`Moves`]).
pub fn moves<'k>(
    before: &Layout,
    after: &Layout,
    keys: impl IntoIterator<Item = &'k str>,
) -> Moves {
    let joined = after
        .servers
        .iter()
        .filter(|s| !before.servers.contains(s))
        .count() as u64;
    let mut total = 0u64;
    let mut moves = Moves::default();
    for key in keys {
        total += 1;
        let (old, new) = (before.owner(key), after.owner(key));
        if old != new {
            moves.moved += 1;
        }
        if old.is_some_and(|o| !after.servers.contains(&o)) {
            moves.minimum += 1;
        }
    }
    let after_count = after.servers.len() as u64;
    moves.minimum += (joined * total).checked_div(after_count).unwrap_or(0);
    moves
}

/// The keys `k0 .. k{count-1}`.
pub fn key_names(count: u64) -> Vec<String> {
    (0..count).map(|i| format!("k{i}")).collect()
}

/// One row of the move-count table: for `servers` servers and `keys` keys,
/// the moves of a join (server `servers + 1` added to `1..=servers`) and of
/// a leave (server 1 removed).
pub fn join_and_leave(
    placement: Placement,
    servers: u32,
    keys: u64,
    vnodes: u32,
) -> (Moves, Moves) {
    let names = key_names(keys);
    let ids: Vec<NodeId> = (1..=servers).map(NodeId).collect();
    let before = Layout::new(placement, &ids, vnodes, keys);
    let mut grown = ids.clone();
    grown.push(NodeId(servers + 1));
    let joined = Layout::new(placement, &grown, vnodes, keys);
    let left = Layout::new(placement, &ids[1..], vnodes, keys);
    let each = || names.iter().map(String::as_str);
    (
        moves(&before, &joined, each()),
        moves(&before, &left, each()),
    )
}

/// The move-count table for 4..=16 servers and `keys` keys, as Markdown
/// (what docs/protocols/sharding.md quotes).
pub fn move_table(keys: u64, vnodes: u32) -> String {
    let mut out = String::from(
        "| servers | placement | join: moved / minimum | ratio | leave: moved / minimum | ratio |\n\
         |---|---|---|---|---|---|\n",
    );
    for servers in 4..=16u32 {
        for placement in [Placement::ModN, Placement::ConsistentHash, Placement::Range] {
            let (join, leave) = join_and_leave(placement, servers, keys, vnodes);
            out.push_str(&format!(
                "| {servers} | {} | {} / {} | {:.2} | {} / {} | {:.2} |\n",
                placement.name(),
                join.moved,
                join.minimum,
                join.ratio(),
                leave.moved,
                leave.minimum,
                leave.ratio()
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids(range: std::ops::RangeInclusive<u32>) -> Vec<NodeId> {
        range.map(NodeId).collect()
    }

    #[test]
    fn mod_n_is_hash_mod_the_server_count_in_id_order() {
        let layout = Layout::new(Placement::ModN, &[NodeId(3), NodeId(1), NodeId(2)], 1, 10);
        for key in key_names(50) {
            let want = [NodeId(1), NodeId(2), NodeId(3)][(key_hash(&key) % 3) as usize];
            assert_eq!(layout.owner(&key), Some(want), "{key}");
        }
        assert_eq!(Layout::new(Placement::ModN, &[], 1, 10).owner("k0"), None);
    }

    #[test]
    fn consistent_hash_takes_the_first_point_at_or_after_the_key() {
        let layout = Layout::new(Placement::ConsistentHash, &ids(1..=3), 4, 10);
        assert_eq!(layout.ring.len(), 12);
        for key in key_names(100) {
            let h = key_hash(&key);
            let want = layout
                .ring
                .iter()
                .find(|(p, _)| *p >= h)
                .unwrap_or(&layout.ring[0])
                .1;
            assert_eq!(layout.owner(&key), Some(want), "{key}");
        }
    }

    #[test]
    fn range_cuts_the_key_space_into_equal_ranges_in_key_order() {
        let layout = Layout::new(Placement::Range, &ids(1..=4), 1, 100);
        assert_eq!(layout.owner("k0"), Some(NodeId(1)));
        assert_eq!(layout.owner("k24"), Some(NodeId(1)));
        assert_eq!(layout.owner("k25"), Some(NodeId(2)));
        assert_eq!(layout.owner("k74"), Some(NodeId(3)));
        assert_eq!(layout.owner("k99"), Some(NodeId(4)));
        // Outside the space, or not `k<n>`: placed by hash, still a server.
        assert!(layout.owner("k1000").is_some());
        assert!(layout.owner("apple").is_some());
        assert_eq!(key_position("k7", 100), 7);
    }

    #[test]
    fn the_minimum_is_the_leavers_keys_or_the_joiners_share() {
        let before = Layout::new(Placement::ModN, &ids(1..=4), 1, 100);
        let left = Layout::new(Placement::ModN, &ids(2..=4), 1, 100);
        let names = key_names(1000);
        let on_1 = names
            .iter()
            .filter(|k| before.owner(k) == Some(NodeId(1)))
            .count() as u64;
        let m = moves(&before, &left, names.iter().map(String::as_str));
        assert_eq!(m.minimum, on_1);
        let joined = Layout::new(Placement::ModN, &ids(1..=5), 1, 100);
        let m = moves(&before, &joined, names.iter().map(String::as_str));
        assert_eq!(m.minimum, 1000 / 5);
    }

    /// The figures of docs/protocols/sharding.md: 10,000 keys, 4 to 16
    /// servers. Consistent hashing with the default `vnodes` moves at most
    /// 1.5× the minimum on a join or a leave; mod-N moves more than half
    /// the keys; range sits between. `cargo test --lib move_counts --
    /// --nocapture` prints the table.
    #[test]
    fn move_counts_consistent_hashing_near_the_minimum_and_mod_n_most_keys() {
        let keys = 10_000;
        let vnodes = super::super::scenario::VNODES.default_value();
        for servers in 4..=16 {
            let (join, leave) = join_and_leave(Placement::ConsistentHash, servers, keys, vnodes);
            assert!(join.ratio() <= 1.5, "{servers} servers, join: {join:?}");
            assert!(leave.ratio() <= 1.5, "{servers} servers, leave: {leave:?}");
            let (join, leave) = join_and_leave(Placement::ModN, servers, keys, vnodes);
            assert!(
                join.moved > keys / 2,
                "mod-n, {servers} servers, join: {join:?}"
            );
            assert!(
                leave.moved > keys / 2,
                "mod-n, {servers} servers, leave: {leave:?}"
            );
        }
        println!("{}", move_table(keys, vnodes));
    }

    proptest! {
        #[test]
        fn every_key_has_an_owner_among_the_servers(
            placement in prop::sample::select(vec![Placement::ModN, Placement::ConsistentHash, Placement::Range]),
            servers in prop::collection::btree_set(1u32..40, 1..10),
            key in "[a-z]{0,3}[0-9]{0,4}",
            vnodes in 1u32..64,
        ) {
            let servers: Vec<NodeId> = servers.into_iter().map(NodeId).collect();
            let layout = Layout::new(placement, &servers, vnodes, 500);
            let owner = layout.owner(&key).expect("servers exist");
            prop_assert!(servers.contains(&owner));
            // The same answer whatever order the servers were given in.
            let mut reversed = servers.clone();
            reversed.reverse();
            prop_assert_eq!(Layout::new(placement, &reversed, vnodes, 500).owner(&key), Some(owner));
        }

        #[test]
        fn consistent_hashing_moves_only_to_a_joiner_and_from_a_leaver(
            servers in prop::collection::btree_set(1u32..40, 2..10),
            joiner in 40u32..50,
            keys in 1u64..300,
        ) {
            let servers: Vec<NodeId> = servers.into_iter().map(NodeId).collect();
            let before = Layout::new(Placement::ConsistentHash, &servers, 16, keys);
            let mut grown = servers.clone();
            grown.push(NodeId(joiner));
            let after = Layout::new(Placement::ConsistentHash, &grown, 16, keys);
            for key in key_names(keys) {
                let (old, new) = (before.owner(&key), after.owner(&key));
                prop_assert!(old == new || new == Some(NodeId(joiner)), "{key}: {old:?} -> {new:?}");
            }
            // A leave is the join read backwards.
            let m = moves(&after, &before, key_names(keys).iter().map(String::as_str));
            prop_assert_eq!(m.moved, m.minimum);
        }

        #[test]
        fn moved_is_never_below_the_leavers_keys(
            placement in prop::sample::select(vec![Placement::ModN, Placement::ConsistentHash, Placement::Range]),
            servers in 2u32..12,
            keys in 1u64..400,
        ) {
            let all: Vec<NodeId> = (1..=servers).map(NodeId).collect();
            let before = Layout::new(placement, &all, 16, keys);
            let after = Layout::new(placement, &all[1..], 16, keys);
            let names = key_names(keys);
            let m = moves(&before, &after, names.iter().map(String::as_str));
            prop_assert!(m.moved >= m.minimum);
        }
    }
}
