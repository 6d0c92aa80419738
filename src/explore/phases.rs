//! Searching in phases: from a state some choices led to.

use super::config::Config;
use super::report::Report;
use super::search::search;
use crate::sim::{Choice, DynSim};

/// Search from the state that `prefix` leads to: `initial` (a freshly
/// built world) is put in explore mode with `config`'s options, the choices
/// are applied in order, and the search starts there. The second phase of
/// a search in phases (as DSLabs' search tests do): a first search finds a
/// short path to an interesting state (a leader elected, a transaction
/// committed; a `sometimes` check's witness, [`Report::sometimes`]), the
/// second explores everything within bounds from that state. The report's
/// paths start at that state. `None` if a choice of `prefix` is not
/// enabled where it is applied.
pub fn search_from(
    mut initial: Box<dyn DynSim>,
    prefix: &[Choice],
    config: &Config,
) -> Option<Report> {
    initial.start_exploring(config.options());
    for choice in prefix {
        initial.apply_choice(choice)?;
    }
    Some(search(initial, config))
}
