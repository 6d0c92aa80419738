//! Eventual convergence: at quiescence every replica holds the same state.

use super::history::Value;
use super::verdict::Status;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write;

/// A replica's state: a structured value or a plain string.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum ReplicaState {
    /// A structured value (lists are compared element by element).
    Value(Value),
    /// A rendered state.
    Text(String),
}

impl From<Value> for ReplicaState {
    fn from(v: Value) -> Self {
        ReplicaState::Value(v)
    }
}

impl From<&str> for ReplicaState {
    fn from(s: &str) -> Self {
        ReplicaState::Text(s.to_string())
    }
}

impl std::fmt::Display for ReplicaState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReplicaState::Value(v) => write!(f, "{v}"),
            ReplicaState::Text(t) => write!(f, "{t}"),
        }
    }
}

/// The outcome of a convergence check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvergenceReport {
    /// Valid when all replicas agree.
    pub status: Status,
    /// Replicas whose state differs from the majority state.
    pub differing: Vec<String>,
    /// What differs, in words.
    pub explanation: String,
}

/// Compare replica states. The most common state (ties: the first replica's)
/// is the reference; every other replica is reported with how it differs.
pub fn check_convergence(replicas: &[(String, ReplicaState)]) -> ConvergenceReport {
    let mut groups: BTreeMap<&ReplicaState, Vec<&str>> = BTreeMap::new();
    for (name, state) in replicas {
        groups.entry(state).or_default().push(name);
    }
    let Some(reference) = replicas.iter().map(|(_, s)| s).max_by_key(|s| {
        (
            groups[s].len(),
            std::cmp::Reverse(replicas.iter().position(|(_, x)| x == *s)),
        )
    }) else {
        return ConvergenceReport {
            status: Status::Valid,
            differing: Vec::new(),
            explanation: String::new(),
        };
    };
    let mut differing = Vec::new();
    let mut text = String::new();
    if groups.len() > 1 {
        let _ = writeln!(
            text,
            "Replicas did not converge: {} distinct states.",
            groups.len()
        );
        let _ = writeln!(
            text,
            "Majority ({}): {reference}",
            groups[reference].join(", ")
        );
    }
    for (name, state) in replicas.iter().filter(|(_, s)| s != reference) {
        differing.push(name.clone());
        let _ = writeln!(text, "- {name} differs: {}", diff(reference, state));
    }
    ConvergenceReport {
        status: if differing.is_empty() {
            Status::Valid
        } else {
            Status::Invalid
        },
        differing,
        explanation: text,
    }
}

fn diff(reference: &ReplicaState, other: &ReplicaState) -> String {
    if let (ReplicaState::Value(Value::List(a)), ReplicaState::Value(Value::List(b))) =
        (reference, other)
    {
        let (sa, sb): (BTreeSet<&Value>, BTreeSet<&Value>) =
            (a.iter().collect(), b.iter().collect());
        let missing: Vec<String> = sa.difference(&sb).map(|v| v.to_string()).collect();
        let extra: Vec<String> = sb.difference(&sa).map(|v| v.to_string()).collect();
        if !missing.is_empty() || !extra.is_empty() {
            return format!(
                "missing [{}], extra [{}]",
                missing.join(" "),
                extra.join(" ")
            );
        }
        return format!("same elements in another order: {other}");
    }
    format!("holds {other}")
}
