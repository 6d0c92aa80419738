//! Ballot numbers: `(round, node)`, ordered by round and then by the
//! proposer's id, so two proposers never share one (Paxos Made Simple, §2.2:
//! "different proposers choose their numbers from disjoint sets").

use crate::sim::NodeId;
use serde::{Deserialize, Serialize};
use std::fmt;

/// A ballot (proposal number). `Ballot::ZERO` is "none yet": no proposer
/// ever uses round 0.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
pub struct Ballot {
    /// The round, compared first.
    pub round: u64,
    /// The proposer's node id, which breaks ties between equal rounds.
    pub node: u32,
}

impl Ballot {
    /// Below every real ballot: nothing promised, nothing accepted.
    pub const ZERO: Ballot = Ballot { round: 0, node: 0 };

    /// Ballot `round` of proposer `node`.
    pub fn new(round: u64, node: NodeId) -> Ballot {
        Ballot {
            round,
            node: node.0,
        }
    }

    /// The proposer that owns this ballot.
    pub fn owner(self) -> NodeId {
        NodeId(self.node)
    }

    /// True for a real ballot (round above 0).
    pub fn is_some(self) -> bool {
        self.round > 0
    }
}

impl fmt::Display for Ballot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_some() {
            write!(f, "{}.n{}", self.round, self.node)
        } else {
            f.write_str("-")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ballots_order_by_round_then_node() {
        let a = Ballot::new(1, NodeId(4));
        let b = Ballot::new(2, NodeId(0));
        let c = Ballot::new(2, NodeId(3));
        assert!(Ballot::ZERO < a && a < b && b < c);
        assert_eq!(c.to_string(), "2.n3");
        assert_eq!(Ballot::ZERO.to_string(), "-");
    }
}
