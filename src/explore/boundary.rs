//! The search boundary: states where a live node exceeds a limit on one of
//! its protocol's bound quantities ([`crate::sim::Node::BOUNDS`]) are
//! *outside*. The search counts and checks them like every state but does
//! not expand them, so a protocol whose terms or logs grow without limit
//! has a finite space to exhaust (stateright's `within_boundary`).

use super::config::Config;
use crate::sim::DynSim;

/// The bound quantities the explorer counts itself, for every protocol:
/// name and meaning. A protocol's own quantities ([`DynSim::bounds`]) come
/// first; these names are reserved.
pub const ENGINE_BOUNDS: &[(&str, &str)] =
    &[("wire", "messages, client requests and replies on the wire")];

/// A search's limits: one per quantity the protocol declares, in its
/// declaration order (`None`: not bounded), and the engine's.
#[derive(Clone, Debug, Default)]
pub(super) struct Boundary {
    limits: Vec<Option<u64>>,
    /// The most messages on the wire.
    wire: Option<u64>,
}

impl Boundary {
    /// `config.bounds` against the quantities `root`'s protocol declares
    /// and the engine's ([`ENGINE_BOUNDS`]).
    ///
    /// # Panics
    /// If a bounded name is neither ([`check_bound`] says why).
    pub(super) fn new(root: &dyn DynSim, config: &Config) -> Boundary {
        if config.bounds.is_empty() {
            return Boundary::default();
        }
        let declared = root.bounds();
        for name in config.bounds.keys() {
            let world = format!("the protocol of `{}`", root.name());
            if let Err(why) = check_bound(&declared, &world, name) {
                panic!("explore: {why}");
            }
        }
        let limits: Vec<Option<u64>> = declared
            .iter()
            .map(|(name, _)| config.bounds.get(*name).copied())
            .collect();
        let declares = |name: &str| declared.iter().any(|(known, _)| *known == name);
        let engine = |name: &str| (!declares(name)).then(|| config.bounds.get(name).copied());
        Boundary {
            limits: if limits.iter().any(Option::is_some) {
                limits
            } else {
                Vec::new()
            },
            wire: engine("wire").flatten(),
        }
    }

    /// Is `state` outside the boundary?
    pub(super) fn outside(&self, state: &dyn DynSim) -> bool {
        self.wire.is_some_and(|most| state.wire_len() as u64 > most)
            || (!self.limits.is_empty() && state.outside_bounds(&self.limits))
    }
}

/// Is `name` one of the bound quantities `declared` (a world's
/// [`DynSim::bounds`]) or the engine's ([`ENGINE_BOUNDS`])? The error
/// starts with `protocol` (`` protocol `raft` ``) and lists what can be
/// bounded, for `[explore] bounds` and `--bound`.
pub fn check_bound(
    declared: &[(&'static str, &'static str)],
    protocol: &str,
    name: &str,
) -> Result<(), String> {
    let engine = ENGINE_BOUNDS.iter().copied();
    if declared
        .iter()
        .copied()
        .chain(engine.clone())
        .any(|(known, _)| known == name)
    {
        return Ok(());
    }
    let all: Vec<(&str, &str)> = declared.iter().copied().chain(engine).collect();
    let names: Vec<&str> = all.iter().map(|(known, _)| *known).collect();
    let listed: Vec<String> = all
        .iter()
        .map(|(known, meaning)| format!("{known} ({meaning})"))
        .collect();
    let mut message = if declared.is_empty() {
        format!(
            "{protocol} has no bound {name:?}: it declares no bound quantities of its own (its nodes' Node::BOUNDS is empty); what every protocol can bound: {}",
            listed.join(", ")
        )
    } else {
        format!(
            "{protocol} has no bound {name:?}; expected one of: {}",
            listed.join(", ")
        )
    };
    if let Some(close) = crate::scenario::read::closest(name, &names) {
        message.push_str(&format!(" (did you mean `{close}`?)"));
    }
    Err(message)
}
