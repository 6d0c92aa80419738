//! The reduction passes, each a source of smaller candidates (see the
//! module doc of `shrink` for the order and the reasons).

use super::ddmin::{ddmin, first_kept};
use super::nemesis;
use super::{losses, Shrinker};
use crate::scenario::{
    ClockSpec, FaultAction, FaultSpec, PartitionSpec, Probability, Scenario, Target,
};
use crate::sim::SimTime;

const MS: u64 = 1_000_000;

/// The most values one scan tries.
const POINTS: u64 = 48;

type Pass = fn(&mut Shrinker<'_>) -> bool;

/// An edit of a scenario, named for the list of kept reductions.
type Edit = (&'static str, fn(&mut Scenario));

/// The share of the runs left that a round of scenario-level passes may
/// use: the rest is the event-level cut's, so that a long scenario-level
/// search (many faults, many scans) can no longer starve the cut.
const SCENARIO_SHARE: (u32, u32) = (4, 5);

/// Runs the passes until none keeps a candidate or the budget is spent:
/// the scenario-level passes until none finds anything or they have used
/// [`SCENARIO_SHARE`] of the runs left, then the event-level cut (losses,
/// deliveries) with everything left, and again from the top while the cut
/// finds something. The cut costs many runs on a long run, so it starts
/// from the smallest run the scenario-level passes reach.
pub(crate) fn run_all(s: &mut Shrinker<'_>) {
    let scenario: [(&'static str, Pass); 7] = [
        ("time", time),
        ("nemesis", nemesis),
        ("faults", faults),
        ("earlier", earlier),
        ("clients", clients),
        ("nodes", nodes),
        ("network", network),
    ];
    let events: [(&'static str, Pass); 2] = [
        ("losses", losses::losses),
        ("deliveries", losses::deliveries),
    ];
    let mut share = SCENARIO_SHARE;
    loop {
        s.allow_share(share);
        let kept_before = s.kept();
        while run_round(s, &scenario) {}
        let cut_short = s.spent();
        s.allow_share((1, 1));
        if share == (1, 1) && s.kept() == kept_before {
            // The scenario-level passes had the rest and found nothing
            // more: the cut already ran on this very scenario.
            return;
        }
        if run_round(s, &events) {
            share = SCENARIO_SHARE;
        } else if cut_short && !s.spent() {
            // They stopped at their share and the cut found nothing: they
            // get what is left.
            share = (1, 1);
        } else {
            return;
        }
    }
}

/// Runs each pass once; whether any kept a candidate (false once the
/// budget is spent).
fn run_round(s: &mut Shrinker<'_>, passes: &[(&'static str, Pass)]) -> bool {
    let mut changed = false;
    for &(name, pass) in passes {
        if s.spent() {
            return false;
        }
        s.pass = name;
        changed |= pass(s);
    }
    changed && !s.spent()
}

/// Whether the test kept the candidate (`None`, a spent budget, is no).
pub(super) fn kept(answer: Option<bool>) -> bool {
    answer == Some(true)
}

/// `scenario` ending at `duration`: faults from then on dropped, the
/// nemesis stopped there (or dropped if it had not started).
fn with_duration(scenario: &Scenario, duration: SimTime) -> Scenario {
    let mut c = scenario.clone();
    c.duration = duration;
    c.faults.retain(|f| f.at < duration);
    if let Some(n) = &mut c.nemesis {
        n.stop = n.stop.min(duration);
    }
    if c.nemesis.as_ref().is_some_and(|n| n.start >= n.stop) {
        c.nemesis = None;
    }
    c
}

/// Time: a run stopped by the check ends at the violation; a failure at
/// the end gets the shortest duration and settle that still fail.
fn time(s: &mut Shrinker<'_>) -> bool {
    let stopped = s.best.stopped.clone().filter(|(c, _)| *c == s.check);
    if let Some((_, at)) = stopped {
        let cut = SimTime((at.as_nanos() / MS + 1) * MS);
        if cut >= s.current.duration {
            return false;
        }
        let candidate = with_duration(&s.current, cut);
        return kept(s.try_candidate(
            &candidate,
            &format!("duration cut at the violation ({cut})"),
        ));
    }
    let mut changed = false;
    let high = s.current.duration.as_nanos().div_ceil(MS);
    let found = first_kept(1, high, POINTS, &mut |ms| {
        let candidate = with_duration(&s.current, SimTime(ms * MS));
        s.try_candidate(&candidate, &format!("duration {}", SimTime(ms * MS)))
    });
    changed |= found < high;
    let high = s.current.settle.as_nanos() / MS;
    let found = first_kept(0, high, POINTS, &mut |ms| {
        let mut candidate = s.current.clone();
        candidate.settle = SimTime(ms * MS);
        s.try_candidate(&candidate, &format!("settle {}", SimTime(ms * MS)))
    });
    changed | (found < high)
}

/// Nemesis: none; else the faults it injected, written out; else one kind
/// fewer.
fn nemesis(s: &mut Shrinker<'_>) -> bool {
    let Some(spec) = s.current.nemesis.clone() else {
        return false;
    };
    let mut candidate = s.current.clone();
    candidate.nemesis = None;
    if kept(s.try_candidate(&candidate, "nemesis removed")) {
        return true;
    }
    let until = match &s.best.stopped {
        Some((_, at)) => *at + SimTime(1),
        None => s.current.duration,
    };
    if let Some(injected) = nemesis::written_out(s.registry, &s.current, until) {
        let count = injected.len();
        candidate.faults.extend(injected);
        candidate.faults.sort_by_key(|f| f.at);
        let what = format!("nemesis written out as {count} scheduled faults");
        if kept(s.try_candidate(&candidate, &what)) {
            return true;
        }
    }
    if spec.kinds.len() < 2 {
        return false;
    }
    for index in 0..spec.kinds.len() {
        let mut candidate = s.current.clone();
        let kinds = &mut candidate.nemesis.as_mut().expect("present").kinds;
        kinds.remove(index);
        if kept(s.try_candidate(&candidate, "one nemesis kind fewer")) {
            return true;
        }
    }
    false
}

/// Faults: ddmin over the schedule.
fn faults(s: &mut Shrinker<'_>) -> bool {
    let all = s.current.faults.clone();
    let before = all.len();
    let found = ddmin(all, &mut |subset: &[FaultSpec]| {
        let mut candidate = s.current.clone();
        candidate.faults = subset.to_vec();
        let what = format!("faults {} → {}", s.current.faults.len(), subset.len());
        s.try_candidate(&candidate, &what)
    });
    found.len() < before
}

/// Earlier faults: every fault moved earlier by the same amount, the
/// largest shift first (the first fault at 0 s), so that a failure that
/// follows a fault comes sooner and takes fewer events.
fn earlier(s: &mut Shrinker<'_>) -> bool {
    let Some(first) = s.current.faults.iter().map(|f| f.at).min() else {
        return false;
    };
    let first_ms = first.as_nanos() / MS;
    let found = first_kept(0, first_ms, POINTS, &mut |k| {
        let shift = SimTime((first_ms - k) * MS);
        let mut candidate = s.current.clone();
        for f in &mut candidate.faults {
            f.at = SimTime(f.at.as_nanos() - shift.as_nanos());
        }
        s.try_candidate(&candidate, &format!("faults {shift} earlier"))
    });
    found < first_ms
}

/// Clients: none at all; an `ops` cap, then a lower one; fewer clients; a
/// lower rate.
fn clients(s: &mut Shrinker<'_>) -> bool {
    let Some(workload) = s.current.workload.clone() else {
        return false;
    };
    let mut candidate = s.current.clone();
    candidate.workload = None;
    if kept(s.try_candidate(&candidate, "no clients")) {
        return true;
    }
    let mut changed = false;
    let invoked = s.best.measure.operations.max(1);
    if workload.ops.is_none_or(|ops| ops > invoked) {
        let mut candidate = s.current.clone();
        candidate.workload.as_mut().expect("present").ops = Some(invoked);
        changed |= kept(s.try_candidate(&candidate, &format!("ops = {invoked}")));
    }
    let mut scalar = |s: &mut Shrinker<'_>, high: u64, set: fn(&mut Scenario, u64), what: &str| {
        let found = first_kept(1, high, POINTS, &mut |value| {
            let mut candidate = s.current.clone();
            set(&mut candidate, value);
            s.try_candidate(&candidate, &format!("{what} = {value}"))
        });
        changed |= found < high;
    };
    if let Some(ops) = s.current.workload.as_ref().and_then(|w| w.ops) {
        scalar(s, ops, |c, v| workload_mut(c).ops = Some(v), "ops");
    }
    let clients = u64::from(workload.clients);
    scalar(
        s,
        clients,
        |c, v| workload_mut(c).clients = v as u32,
        "clients",
    );
    let rate = s.current.workload.as_ref().map_or(1, |w| w.rate.count);
    scalar(s, rate, |c, v| workload_mut(c).rate.count = v, "rate");
    changed
}

fn workload_mut(c: &mut Scenario) -> &mut crate::scenario::WorkloadSpec {
    c.workload
        .as_mut()
        .expect("the clients pass only runs with a workload")
}

/// Nodes: the fewest that still fail, from one up.
fn nodes(s: &mut Shrinker<'_>) -> bool {
    for count in 1..s.current.nodes {
        let candidate = with_nodes(&s.current, count);
        match s.try_candidate(&candidate, &format!("nodes = {count}")) {
            Some(true) => return true,
            Some(false) => {}
            None => return false,
        }
    }
    false
}

/// `scenario` with `count` nodes: faults and links that name a removed
/// node are dropped, partition groups lose the removed nodes.
fn with_nodes(scenario: &Scenario, count: u32) -> Scenario {
    let mut c = scenario.clone();
    c.nodes = count;
    c.network.links.retain(|l| l.from < count && l.to < count);
    let fits = |t: &Target| !matches!(t, Target::Node(n) if *n >= count);
    c.faults.retain_mut(|f| match &mut f.action {
        FaultAction::Partition(PartitionSpec::Groups(groups)) => {
            for g in groups.iter_mut() {
                g.retain(|n| *n < count);
            }
            groups.retain(|g| !g.is_empty());
            !groups.is_empty()
        }
        FaultAction::Partition(PartitionSpec::Targets(groups)) => {
            for g in groups.iter_mut() {
                g.retain(|t| fits(t));
            }
            groups.retain(|g| !g.is_empty());
            !groups.is_empty()
        }
        FaultAction::HealGroup(members) => {
            members.retain(|t| fits(t));
            members.len() >= 2
        }
        FaultAction::HealNode(t) => fits(t),
        FaultAction::HealLink { from, to, .. } => fits(from) && fits(to),
        FaultAction::Network(change) => {
            change.from.as_ref().is_none_or(&fits) && change.to.as_ref().is_none_or(&fits)
        }
        FaultAction::Isolate(t) | FaultAction::Crash(t) | FaultAction::Restart(t) => fits(t),
        FaultAction::Cut { from, to } => fits(from) && fits(to),
        FaultAction::ClockJump { node, .. }
        | FaultAction::ClockStrobe { node, .. }
        | FaultAction::Pause { node, .. }
        | FaultAction::Slow { node, .. } => fits(node),
        _ => true,
    });
    c
}

/// Network and clocks: no loss (else the random losses written out as
/// `lose` entries), no duplication, no per-link overrides, no kept loss
/// draws, perfect clocks.
fn network(s: &mut Shrinker<'_>) -> bool {
    let mut changed = false;
    let edits: [Edit; 5] = [
        ("no loss", |c| c.network.loss = Probability::ZERO),
        ("no duplication", |c| {
            c.network.duplicate = Probability::ZERO
        }),
        ("no per-link overrides", |c| c.network.links.clear()),
        ("no kept loss draws", |c| c.network.keep_loss_draws = false),
        ("perfect clocks", |c| c.clocks = ClockSpec::default()),
    ];
    for (what, edit) in edits {
        let mut candidate = s.current.clone();
        edit(&mut candidate);
        if candidate != s.current {
            changed |= kept(s.try_candidate(&candidate, what));
        }
    }
    changed
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse, Overrides};

    const TEXT: &str = r#"
name = "t"
description = "d"
protocol = "echo"
nodes = 4
duration = "10s"
[[network.links]]
from = 3
to = 0
[[faults]]
at = "1s"
crash = 3
[[faults]]
at = "2s"
partition = [[0, 3], [1, 2]]
[[faults]]
at = "3s"
partition = [[3]]
[[faults]]
at = "4s"
cut = { from = 1, to = "leader" }
[[faults]]
at = "9s"
heal = true
[nemesis]
kinds = ["crash"]
every = "1s"
start = "5s"
"#;

    fn scenario() -> Scenario {
        parse("t.toml", TEXT, &Overrides::default()).expect("valid")
    }

    #[test]
    fn fewer_nodes_drop_what_names_them() {
        let c = with_nodes(&scenario(), 3);
        assert!(c.network.links.is_empty());
        let actions: Vec<&FaultAction> = c.faults.iter().map(|f| &f.action).collect();
        let groups = PartitionSpec::Groups(vec![vec![0], vec![1, 2]]);
        assert_eq!(actions[0], &FaultAction::Partition(groups));
        assert!(matches!(actions[1], FaultAction::Cut { .. }));
        assert_eq!(actions[2], &FaultAction::Heal);
        assert_eq!(actions.len(), 3);
    }

    #[test]
    fn a_shorter_run_drops_later_faults_and_the_nemesis() {
        let c = with_duration(&scenario(), SimTime::from_millis(2500));
        assert_eq!(c.faults.len(), 2);
        assert!(c.nemesis.is_none(), "it started at 5s");
        let c = with_duration(&scenario(), SimTime::from_secs(6));
        assert_eq!(c.nemesis.map(|n| n.stop), Some(SimTime::from_secs(6)));
    }
}
