//! Ballot numbers: `(round, node)`, ordered by round and then by the
//! proposer's id, so two proposers never share one (Paxos Made Simple, §2.2:
//! "different proposers choose their numbers from disjoint sets").

use crate::base::digits::push_decimal;
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

    /// Append the ballot as `Display` writes it (`3.n1`, or `-` for none)
    /// to `out`, without the formatting machinery: the handlers' log lines
    /// are built on every step the explorer takes.
    pub fn push_to(self, out: &mut String) {
        if self.is_some() {
            push_decimal(out, self.round, 1);
            out.push_str(".n");
            push_decimal(out, u64::from(self.node), 1);
        } else {
            out.push('-');
        }
    }
}

/// `parts` joined, each a text or a ballot (as `Display` writes it): a log
/// line built without `format!`.
pub(super) fn line(parts: &[Part<'_>]) -> String {
    let mut out = String::with_capacity(48);
    for part in parts {
        match part {
            Part::Text(text) => out.push_str(text),
            Part::Ballot(ballot) => ballot.push_to(&mut out),
            Part::Number(n) => push_decimal(&mut out, *n, 1),
        }
    }
    out
}

/// A piece of a log line ([`line`]).
pub(super) enum Part<'a> {
    Text(&'a str),
    Ballot(Ballot),
    Number(u64),
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

    /// `push_to` and `line` write what `Display` and `format!` write.
    #[test]
    fn log_lines_are_the_formatted_text() {
        for b in [
            Ballot::ZERO,
            Ballot::new(1, NodeId(0)),
            Ballot::new(10, NodeId(2)),
            Ballot::new(u64::MAX, NodeId(u32::MAX)),
        ] {
            let mut out = String::from("x");
            b.push_to(&mut out);
            assert_eq!(out, format!("x{b}"));
            let by = Ballot::new(7, NodeId(1));
            let text = line(&[
                Part::Text("ballot "),
                Part::Ballot(b),
                Part::Text(" pre-empted by "),
                Part::Ballot(by),
                Part::Text(" from slot "),
                Part::Number(1234),
            ]);
            assert_eq!(
                text,
                format!("ballot {b} pre-empted by {by} from slot 1234")
            );
        }
    }

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
