//! Causal order of deliveries: if message `a` happens before message `b`
//! (by their vector timestamps), no node may deliver `b` before `a`.

use super::verdict::Status;
use std::collections::BTreeMap;

/// A vector timestamp: node name → counter (missing entries are 0).
pub type VectorClock = BTreeMap<String, u64>;

/// True when `a` happens before `b`: `a ≤ b` entry-wise and `a ≠ b`.
pub fn happens_before(a: &VectorClock, b: &VectorClock) -> bool {
    let le = a.iter().all(|(k, &v)| v <= b.get(k).copied().unwrap_or(0));
    le && a
        .iter()
        .filter(|(_, &v)| v > 0)
        .ne(b.iter().filter(|(_, &v)| v > 0))
}

/// A delivery that breaks causal order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CausalViolation {
    /// The node that delivered out of order.
    pub node: String,
    /// The message delivered too early.
    pub delivered: String,
    /// A message that happens before it, not yet delivered at that point.
    pub missing: String,
    /// Position (0-based) of the early delivery in the node's order.
    pub position: usize,
}

/// The outcome of a causal-delivery check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CausalReport {
    /// Valid when no node delivers a message before one that happens before it.
    pub status: Status,
    /// The first violation per node.
    pub violations: Vec<CausalViolation>,
    /// The violations in words.
    pub explanation: String,
}

/// Check per-node delivery orders against per-message vector timestamps.
/// A node's order must include its own messages (delivered locally when
/// sent), as in causal broadcast. A delivered message without a timestamp is
/// ignored.
pub fn check_causal_delivery(
    timestamps: &BTreeMap<String, VectorClock>,
    deliveries: &BTreeMap<String, Vec<String>>,
) -> CausalReport {
    let mut violations = Vec::new();
    'nodes: for (node, order) in deliveries {
        for (position, message) in order.iter().enumerate() {
            let Some(clock) = timestamps.get(message) else {
                continue;
            };
            for (other, other_clock) in timestamps {
                let earlier = order[..position].contains(other);
                if happens_before(other_clock, clock) && !earlier {
                    violations.push(CausalViolation {
                        node: node.clone(),
                        delivered: message.clone(),
                        missing: other.clone(),
                        position,
                    });
                    continue 'nodes;
                }
            }
        }
    }
    let explanation = violations
        .iter()
        .map(|v| {
            format!(
                "{} delivered {} (delivery #{}) before {}, which happens before it: {} ≤ {}\n",
                v.node,
                v.delivered,
                v.position + 1,
                v.missing,
                show(&timestamps[&v.missing]),
                show(&timestamps[&v.delivered])
            )
        })
        .collect();
    CausalReport {
        status: if violations.is_empty() {
            Status::Valid
        } else {
            Status::Invalid
        },
        violations,
        explanation,
    }
}

fn show(clock: &VectorClock) -> String {
    let items: Vec<String> = clock.iter().map(|(k, v)| format!("{k}:{v}")).collect();
    format!("{{{}}}", items.join(" "))
}
