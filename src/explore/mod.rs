//! Exhaustive state-space search of small configurations: `distlab
//! explore`.
//!
//! A normal run follows one path: the earliest event first. The explorer
//! follows all of them. From the scenario's initial state (nodes booted), it
//! lists every enabled choice — deliver any one message on the wire (the
//! network is an unordered multiset), fire any one pending timer, let an idle
//! client issue its next operation or time out, and within budgets drop or
//! duplicate a message, crash or restart a node — and applies each to a copy
//! of the world ([`crate::sim::choice`]). States are fingerprinted
//! ([`crate::sim::DynSim::fingerprint`]) so that each is expanded once.
//! Every step runs the monitors and `always` checks; states where nothing is
//! enabled run the `eventually` and history checks; `sometimes` checks are
//! reported reached (with a path) or never.
//!
//! A boundary ([`Config::bounds`]: limits on the protocol's bound
//! quantities, [`crate::sim::Node::BOUNDS`], and the engine's, `wire`) and
//! relative time ([`Config::relative_time`]) give a protocol whose timers
//! re-arm forever a finite space: states outside the boundary are checked
//! but not expanded, and the report says the space was exhausted *within
//! the boundary* ([`Report::exhausted_within_boundary`]).
//!
//! States are expanded on [`Config::jobs`] threads (breadth first, a
//! level's; depth first, those still on the stack, ahead of time) and
//! merged in the sequential order, so the report does not depend on the
//! number of threads. For spaces too large to finish, random walks
//! ([`Config::walk`]) sample paths, seeded by the scenario's seed and the
//! walk's number.
//!
//! ```
//! use distlab::explore::{self, Config};
//! use distlab::protocols::pingpong::PingPong;
//! use distlab::sim::SimBuilder;
//!
//! // Two pingpong nodes: each boots by sending Ping(0) to the other, and
//! // every delivery is answered. Three choices deep: 1 + 2 + 3 + 4 states
//! // (see tests/engine/explore.rs for the derivation).
//! let sim = SimBuilder::new(2, 0, |_, _| PingPong::default()).build();
//! let report = explore::search(Box::new(sim), &Config::default().depth(3));
//! assert_eq!(report.unique_states, 10);
//! report.assert_no_violation();
//! ```
//!
//! What the search can and cannot prove is in `docs/explore.md`.

mod boundary;
mod config;
mod parallel;
mod phases;
mod report;
mod search;
mod seen;
mod stack;
mod visited;
mod walk;

pub use boundary::{check_bound, ENGINE_BOUNDS};
pub use config::{Budgets, Config, WALK_DEPTH_DEFAULT};
pub use phases::search_from;
pub use report::{Counterexample, Limit, PathStep, Report, Sometimes};
pub use search::{label_path, search, search_with, Progress};

use crate::scenario::Scenario;

/// Why a scenario cannot be explored, if it cannot: the explorer's model
/// (unordered network, no time) cannot honour what it asks for.
pub fn unsupported(scenario: &Scenario) -> Option<String> {
    if scenario.network.fifo {
        return Some(format!(
            "scenario `{}` asks for FIFO links ([network] fifo = true), but explore treats the network as an unordered multiset; remove `fifo` to explore it",
            scenario.name
        ));
    }
    if !scenario.network.lose.is_empty() {
        return Some(format!(
            "scenario `{}` names messages to lose ([network] lose_messages), but explore decides which messages are lost itself (the `drops` budget); remove `lose_messages` to explore it",
            scenario.name
        ));
    }
    if scenario.service.is_some() {
        return Some(format!(
            "scenario `{}` gives its nodes service times ([service]), but explore has no time: it delivers any message next, so there is no queue to wait in; remove [service] to explore it",
            scenario.name
        ));
    }
    None
}
