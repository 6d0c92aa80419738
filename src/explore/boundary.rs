//! The search boundary: states where a live node exceeds a limit on one of
//! its protocol's bound quantities ([`crate::sim::Node::BOUNDS`]) are
//! *outside*. The search counts and checks them like every state but does
//! not expand them, so a protocol whose terms or logs grow without limit
//! has a finite space to exhaust (stateright's `within_boundary`).

use super::config::Config;
use crate::sim::DynSim;

/// A search's limits, one per quantity the protocol declares, in its
/// declaration order (`None`: not bounded).
#[derive(Clone, Debug, Default)]
pub(super) struct Boundary {
    limits: Vec<Option<u64>>,
}

impl Boundary {
    /// `config.bounds` against the quantities `root`'s protocol declares.
    ///
    /// # Panics
    /// If a bounded name is not one of them ([`check_bound`] says why).
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
        let limits = declared
            .iter()
            .map(|(name, _)| config.bounds.get(*name).copied())
            .collect();
        Boundary { limits }
    }

    /// Is `state` outside the boundary?
    pub(super) fn outside(&self, state: &dyn DynSim) -> bool {
        !self.limits.is_empty() && state.outside_bounds(&self.limits)
    }
}

/// Is `name` one of the bound quantities `declared` (a world's
/// [`DynSim::bounds`])? The error starts with `protocol` (`` protocol `raft` ``)
/// and lists what it declares, for `[explore] bounds` and `--bound`.
pub fn check_bound(
    declared: &[(&'static str, &'static str)],
    protocol: &str,
    name: &str,
) -> Result<(), String> {
    if declared.iter().any(|(known, _)| *known == name) {
        return Ok(());
    }
    if declared.is_empty() {
        return Err(format!(
            "{protocol} has no bound {name:?}: it declares no bound quantities (its nodes' Node::BOUNDS is empty), so its searches cannot be bounded"
        ));
    }
    let names: Vec<&str> = declared.iter().map(|(known, _)| *known).collect();
    let listed: Vec<String> = declared
        .iter()
        .map(|(known, meaning)| format!("{known} ({meaning})"))
        .collect();
    let mut message = format!(
        "{protocol} has no bound {name:?}; expected one of: {}",
        listed.join(", ")
    );
    if let Some(close) = crate::scenario::read::closest(name, &names) {
        message.push_str(&format!(" (did you mean `{close}`?)"));
    }
    Err(message)
}
