//! Checks in time, as plain data: a scenario's `[[check.at]]` (predicates
//! that must hold at a moment) and `[[check.within]]` (predicates that must
//! hold, all at one moment, within a deadline after every fault of a kind).
//! The engine evaluates them (`crate::sim::timed`); the predicates are
//! named boolean functions of the world that the engine and each protocol
//! declare (`crate::sim::Predicate`).

use super::CheckKind;
use crate::base::SimTime;
use std::fmt;

/// One predicate a timed check asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PredicateRef {
    /// A declared predicate, by name (`leader-exists`, `op-commits`).
    Named(String),
    /// How many live nodes hold a role (`Node::role`): at least `min`, at
    /// most `max` (`{ role = "leader", count = 0 }` is `min = max = 0`).
    RoleCount {
        /// The role, as `role()` answers it.
        role: String,
        /// Fewest live nodes holding it.
        min: u32,
        /// Most live nodes holding it; `None`: no upper bound.
        max: Option<u32>,
    },
}

impl fmt::Display for PredicateRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PredicateRef::Named(name) => f.write_str(name),
            PredicateRef::RoleCount { role, min, max } => match max {
                Some(max) if max == min => write!(f, "{role} count = {min}"),
                Some(max) if *min == 0 => write!(f, "{role} count <= {max}"),
                Some(max) => write!(f, "{role} count in {min}..={max}"),
                None => write!(f, "{role} count >= {min}"),
            },
        }
    }
}

/// When a timed check looks at the world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Moment {
    /// Once, at `at`: the world after every event at `at` or earlier.
    /// Predicates about "since" (`op-commits`, `nothing-committed`) count
    /// from `since`.
    At {
        /// The moment.
        at: SimTime,
        /// The reference moment for "since" predicates (default 0).
        since: SimTime,
    },
    /// After every fault of a kind: the predicates must all hold together
    /// after some step in `[fault, fault + within]`; "since" predicates
    /// count from the fault.
    Within {
        /// The fault kinds followed (`heal`, `restart`, ... as
        /// `FaultAction::kind` names them); empty: every fault.
        after: Vec<String>,
        /// The deadline, from the fault.
        within: SimTime,
    },
}

/// A check in time: a moment and the predicates that must hold then.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TimedCheck {
    /// When.
    pub moment: Moment,
    /// What must hold (all of them).
    pub holds: Vec<PredicateRef>,
}

impl TimedCheck {
    /// `at` (safety) or `within` (bounded liveness).
    pub fn kind(&self) -> CheckKind {
        match self.moment {
            Moment::At { .. } => CheckKind::At,
            Moment::Within { .. } => CheckKind::Within,
        }
    }

    /// The check's name in reports: `at 5s: no-leader, nothing-committed
    /// since 3s`, `within 2s after heal: leader-exists, op-commits`.
    pub fn check_name(&self) -> String {
        let holds: Vec<String> = self.holds.iter().map(|p| p.to_string()).collect();
        let holds = holds.join(", ");
        match &self.moment {
            Moment::At { at, since } if *since == SimTime::ZERO => format!("at {at}: {holds}"),
            Moment::At { at, since } => format!("at {at}: {holds} (since {since})"),
            Moment::Within { after, within } => {
                format!("within {within} after {}: {holds}", after_name(after))
            }
        }
    }
}

/// `heal`, `heal or restart`, `fault` (every fault).
pub fn after_name(after: &[String]) -> String {
    if after.is_empty() {
        "fault".to_string()
    } else {
        after.join(" or ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_say_when_and_what() {
        let role = PredicateRef::RoleCount {
            role: "leader".into(),
            min: 0,
            max: Some(0),
        };
        let at = TimedCheck {
            moment: Moment::At {
                at: SimTime::from_secs(5),
                since: SimTime::from_secs(3),
            },
            holds: vec![role, PredicateRef::Named("nothing-committed".into())],
        };
        assert_eq!(
            at.check_name(),
            "at 5s: leader count = 0, nothing-committed (since 3s)"
        );
        assert_eq!(at.kind(), CheckKind::At);
        let within = TimedCheck {
            moment: Moment::Within {
                after: vec!["heal".into(), "restart".into()],
                within: SimTime::from_secs(2),
            },
            holds: vec![PredicateRef::Named("leader-exists".into())],
        };
        assert_eq!(
            within.check_name(),
            "within 2s after heal or restart: leader-exists"
        );
        assert_eq!(within.kind(), CheckKind::Within);
        let bounds = |min, max| PredicateRef::RoleCount {
            role: "leader".into(),
            min,
            max,
        };
        assert_eq!(bounds(1, None).to_string(), "leader count >= 1");
        assert_eq!(bounds(0, Some(1)).to_string(), "leader count <= 1");
        assert_eq!(bounds(1, Some(2)).to_string(), "leader count in 1..=2");
    }
}
