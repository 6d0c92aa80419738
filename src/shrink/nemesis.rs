//! The nemesis written out: the faults it injected in one run, as
//! `[[faults]]` entries at the times they happened, so that delta debugging
//! can keep the two crashes that matter and drop the other two hundred.
//!
//! The faults are read from the run's trace (`nemesis: crash n1`,
//! `nemesis undo: restart n1`, `nemesis: partition halves: {n0 n1} | {n2}
//! (4 directed links cut)`, `nemesis undo: heal: ...`). Crashes, restarts,
//! heals and partitions into groups (halves, isolate-one, random) are
//! written exactly. A partition that is not a split into groups (a
//! majorities ring, a bridge), a clock fault or a loss change cannot be
//! written from its trace line: then the nemesis is not written out at all
//! (and the shrinker tries narrowing it instead).
//!
//! Without the nemesis its random draws are gone, so the written-out run
//! is not the same execution event for event (its ticks were events, and
//! same-time events may order differently); it is only kept, like any
//! candidate, when it still fails the same check.

use super::probe;
use crate::registry::Registry;
use crate::scenario::{FaultAction, FaultSpec, PartitionSpec, Scenario, Target};
use crate::sim::{SimTime, TraceLevel};

/// The faults the nemesis injected in a run of `scenario`, before
/// `until` (and before the scenario's duration), or `None` when one of
/// them cannot be written as a scheduled fault (or the run fails to build).
pub(crate) fn written_out(
    registry: &Registry,
    scenario: &Scenario,
    until: SimTime,
) -> Option<Vec<FaultSpec>> {
    let (sim, _) = probe::run_at(registry, scenario, TraceLevel::Full).ok()?;
    let end = until.min(scenario.duration);
    let mut faults = Vec::new();
    for index in 0..sim.trace_len() {
        let entry = sim.entry(index)?;
        if entry.kind != "fault" || entry.time >= end {
            continue;
        }
        let text = match (
            entry.label.strip_prefix("nemesis: "),
            entry.label.strip_prefix("nemesis undo: "),
        ) {
            (Some(text), _) | (_, Some(text)) => text,
            _ => continue,
        };
        if let Some(action) = action_of(text, scenario.nodes)? {
            faults.push(FaultSpec {
                at: entry.time,
                action,
                span: 0..0,
                in_flight: crate::scenario::InFlight::Deliver,
            });
        }
    }
    Some(faults)
}

/// The scheduled fault a nemesis trace line stands for: `Some(None)` for
/// a line that did nothing, `None` for one that cannot be written.
fn action_of(text: &str, nodes: u32) -> Option<Option<FaultAction>> {
    if text == "stopped" || text == "nothing to do" || text.ends_with("skipped") {
        return Some(None);
    }
    if text.starts_with("heal:") {
        return Some(Some(FaultAction::Heal));
    }
    if let Some(list) = text.strip_prefix("crash ") {
        return Some(Some(FaultAction::Crash(Target::Node(one_node(list)?))));
    }
    if let Some(list) = text.strip_prefix("restart ") {
        return Some(Some(FaultAction::Restart(Target::Node(one_node(list)?))));
    }
    if text.starts_with("partition") {
        let groups = groups_of(text, nodes)?;
        return Some(Some(FaultAction::Partition(PartitionSpec::Groups(groups))));
    }
    None
}

/// `n3` → 3.
fn one_node(text: &str) -> Option<u32> {
    text.trim().strip_prefix('n')?.parse().ok()
}

/// `partition halves: {n0 n1} | {n2 n3 n4} (12 directed links cut)` → the
/// groups, when the cut links are exactly those between the groups.
fn groups_of(text: &str, nodes: u32) -> Option<Vec<Vec<u32>>> {
    let (_, shape) = text.split_once(": ")?;
    let (groups, cut) = shape.rsplit_once(" (")?;
    let cut: u64 = cut.strip_suffix(" directed links cut)")?.parse().ok()?;
    let mut out: Vec<Vec<u32>> = Vec::new();
    for group in groups.split(" | ") {
        let inner = group.trim().strip_prefix('{')?.strip_suffix('}')?;
        let members: Option<Vec<u32>> = inner.split_whitespace().map(one_node).collect();
        out.push(members?);
    }
    let listed: u64 = out.iter().map(|g| g.len() as u64).sum();
    let between =
        u64::from(nodes).pow(2) - out.iter().map(|g| (g.len() as u64).pow(2)).sum::<u64>();
    (out.len() >= 2 && listed == u64::from(nodes) && between == cut).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crash_restart_and_heal_lines_are_written_out() {
        let crash = action_of("crash n2", 3);
        assert_eq!(crash, Some(Some(FaultAction::Crash(Target::Node(2)))));
        let restart = action_of("restart n0", 3);
        assert_eq!(restart, Some(Some(FaultAction::Restart(Target::Node(0)))));
        let heal = action_of("heal: all links restored", 3);
        assert_eq!(heal, Some(Some(FaultAction::Heal)));
        assert_eq!(action_of("nothing to do", 3), Some(None));
    }

    #[test]
    fn group_partitions_are_written_out_and_rings_are_not() {
        let halves = "partition halves: {n0 n1} | {n2 n3 n4} (12 directed links cut)";
        let groups = PartitionSpec::Groups(vec![vec![0, 1], vec![2, 3, 4]]);
        assert_eq!(
            action_of(halves, 5),
            Some(Some(FaultAction::Partition(groups)))
        );
        // A majorities ring leaves every node connected: one component,
        // links cut inside it.
        let ring = "partition majorities-ring: {n0 n1 n2 n3 n4} (10 directed links cut)";
        assert_eq!(action_of(ring, 5), None);
        // Groups plus extra cuts inside them: not a plain split.
        let bridge = "partition bridge: {n0 n1} | {n2 n3 n4} (14 directed links cut)";
        assert_eq!(action_of(bridge, 5), None);
        assert_eq!(action_of("clock-jump n1 +2s", 5), None);
        assert_eq!(action_of("loss set to 1/10", 5), None);
    }
}
