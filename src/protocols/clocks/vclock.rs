//! Vector clocks: one counter per node, compared entry-wise.

use crate::sim::NodeId;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

/// A vector clock over a fixed number of nodes.
///
/// `a ≤ b` when every entry of `a` is at most `b`'s; `a < b` ("happens
/// before") when also `a ≠ b`; neither means the two are concurrent
/// (`partial_cmp` is `None`). [`VClock::merge`] is the least upper bound.
///
/// ```
/// use distlab::protocols::clocks::VClock;
/// use distlab::sim::NodeId;
/// let mut a = VClock::new(3);
/// a.increment(NodeId(0));
/// let mut b = VClock::new(3);
/// b.increment(NodeId(1));
/// assert!(a.concurrent(&b));
/// let mut c = a.clone();
/// c.merge(&b);
/// assert!(a < c && b < c);
/// ```
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct VClock(pub Vec<u64>);

impl VClock {
    /// All zeros for `nodes` nodes.
    pub fn new(nodes: u32) -> VClock {
        VClock(vec![0; nodes as usize])
    }

    /// The entry of `node` (0 beyond the vector's length).
    pub fn get(&self, node: NodeId) -> u64 {
        self.0.get(node.index()).copied().unwrap_or(0)
    }

    /// Set the entry of `node`, growing the vector if needed.
    pub fn set(&mut self, node: NodeId, value: u64) {
        if self.0.len() <= node.index() {
            self.0.resize(node.index() + 1, 0);
        }
        self.0[node.index()] = value;
    }

    /// Add one to `node`'s entry.
    pub fn increment(&mut self, node: NodeId) {
        let v = self.get(node);
        self.set(node, v + 1);
    }

    /// Entry-wise maximum (the least upper bound).
    pub fn merge(&mut self, other: &VClock) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        merge_entries(&mut self.0, &other.0);
    }

    /// Entry-wise minimum: the classic bug (not an upper bound).
    pub fn merge_min(&mut self, other: &VClock) {
        if self.0.len() < other.0.len() {
            self.0.resize(other.0.len(), 0);
        }
        for (i, mine) in self.0.iter_mut().enumerate() {
            *mine = (*mine).min(other.0.get(i).copied().unwrap_or(0));
        }
    }

    /// True when `self` happens before `other` (`self < other`).
    pub fn happens_before(&self, other: &VClock) -> bool {
        self.partial_cmp(other) == Some(Ordering::Less)
    }

    /// True when neither happens before the other and they differ.
    pub fn concurrent(&self, other: &VClock) -> bool {
        self.partial_cmp(other).is_none()
    }

    /// As a name → counter map (`n0`, `n1`, ...; zero entries left out), the
    /// form `check::causal` takes.
    pub fn named(&self) -> BTreeMap<String, u64> {
        self.0
            .iter()
            .enumerate()
            .filter(|(_, &v)| v > 0)
            .map(|(i, &v)| (NodeId(i as u32).to_string(), v))
            .collect()
    }
}

/// Entry-wise maximum of `mine` and `theirs`, into `mine` (entries past
/// `mine`'s end are left out).
pub fn merge_entries(mine: &mut [u64], theirs: &[u64]) {
    for (a, b) in mine.iter_mut().zip(theirs) {
        *a = (*a).max(*b);
    }
}

/// The entry-wise order of two vectors (entries past a slice's end read
/// 0): `Less` when `a` happens before `b`, `None` when concurrent.
pub fn compare_entries(a: &[u64], b: &[u64]) -> Option<Ordering> {
    let (mut less, mut greater) = (false, false);
    for i in 0..a.len().max(b.len()) {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        less |= x < y;
        greater |= x > y;
    }
    match (less, greater) {
        (false, false) => Some(Ordering::Equal),
        (true, false) => Some(Ordering::Less),
        (false, true) => Some(Ordering::Greater),
        (true, true) => None,
    }
}

impl PartialOrd for VClock {
    fn partial_cmp(&self, other: &VClock) -> Option<Ordering> {
        compare_entries(&self.0, &other.0)
    }
}

impl fmt::Display for VClock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.0.iter().map(u64::to_string).collect();
        write!(f, "[{}]", items.join(" "))
    }
}
