//! The event-level cut: particular messages lost, named in the scenario
//! file (`[network] lose_messages`, by directed link and ordinal), so the result
//! stays "a scenario file plus a seed".
//!
//! - **Random losses written out**: a run with random loss re-draws its
//!   losses in every smaller candidate, so the one loss the bug needs is
//!   gone. The losses that happened are written out as `lose_messages` entries with
//!   `loss = 0` and `keep_loss_draws = true`: each message still draws the
//!   number the loss draw took (and ignores it), so every other random
//!   choice (latencies, duplicates) is the same and the candidate is the
//!   same run, trace hash for trace hash.
//! - **Losses**: `ddmin` over the `lose_messages` list (keep the losses that matter).
//! - **Deliveries**: `ddmin` over the messages delivered before the
//!   violation: the fewest deliveries kept, the rest lost, that still fail
//!   the check in no more events.
//!
//! A message's name (its link and its ordinal on it) counts every send on
//! that link, delivered, lost or cut off by a partition, and no random
//! draw: it stays the same message while the run before it is the same,
//! and losing one message renumbers nothing on its own link. What the
//! protocol does differently once a message is lost is, like any change,
//! a different run that is only kept if it still fails.
//!
//! Timer firings are not cut: a live node's timer always fires, so a run
//! without one is a run the modelled system cannot have (see
//! docs/shrink.md).

use super::ddmin::ddmin;
use super::{probe, Shrinker};
use crate::base::Endpoint;
use crate::scenario::{FaultAction, LoseSpec, NemesisKind, Probability, Scenario};
use crate::sim::{SendOutcome, TraceLevel};
use std::collections::{BTreeMap, BTreeSet};

/// One message of a run: its name, and whether it was lost or delivered
/// (an event of the run: delivered to a node or client, or dropped by a
/// down node).
struct Sent {
    name: LoseSpec,
    lost: bool,
    delivered: bool,
}

/// The messages of a run of `scenario`, in send order (`None` when it does
/// not build).
fn messages(s: &Shrinker<'_>, scenario: &Scenario) -> Option<Vec<Sent>> {
    let (sim, _) = probe::run_at(s.registry, scenario, TraceLevel::Full).ok()?;
    let mut count: BTreeMap<(Endpoint, Endpoint), u64> = BTreeMap::new();
    let mut sent = Vec::new();
    let mut index_of: BTreeMap<u64, usize> = BTreeMap::new();
    for index in 0..sim.trace_len() {
        let entry = sim.entry(index)?;
        if let Some(&i) = entry.msg_id.and_then(|id| index_of.get(&id)) {
            let message: &mut Sent = &mut sent[i];
            message.delivered = true;
        }
        for record in &entry.sends {
            let n = count.entry((record.from, record.to)).or_insert(0);
            *n += 1;
            index_of.insert(record.msg_id, sent.len());
            sent.push(Sent {
                name: LoseSpec {
                    from: record.from,
                    to: record.to,
                    nth: *n,
                },
                lost: record.outcome == SendOutcome::Lost,
                delivered: false,
            });
        }
    }
    Some(sent)
}

/// `lose_messages` entries naming a node or client the scenario does not have are
/// dropped (fewer nodes, fewer clients).
pub(crate) fn prune(scenario: &mut Scenario) {
    let nodes = scenario.nodes;
    let clients = scenario.workload.as_ref().map_or(0, |w| w.clients);
    let exists = |e: Endpoint| match e {
        Endpoint::Node(n) => n.0 < nodes,
        Endpoint::Client(c) => c.0 < clients,
    };
    scenario
        .network
        .lose
        .retain(|l| exists(l.from) && exists(l.to));
}

/// Whether the run can lose messages at random, in a way the written-out
/// losses replace exactly (no loss faults, no loss nemesis).
fn random_loss(scenario: &Scenario) -> bool {
    let n = &scenario.network;
    let lossy = n.loss != Probability::ZERO
        || n.links
            .iter()
            .any(|l| l.loss.is_some_and(|p| p != Probability::ZERO));
    let changed = scenario
        .faults
        .iter()
        .any(|f| matches!(f.action, FaultAction::Loss(_)))
        || scenario
            .nemesis
            .as_ref()
            .is_some_and(|m| m.kinds.contains(&NemesisKind::Loss));
    lossy && !changed
}

/// The random losses of the current run written out as `lose_messages` entries,
/// with the loss draws kept: the same run.
fn written_out(s: &mut Shrinker<'_>) -> bool {
    if !random_loss(&s.current) {
        return false;
    }
    let Some(sent) = messages(s, &s.current) else {
        return false;
    };
    let mut candidate = s.current.clone();
    let n = &mut candidate.network;
    n.loss = Probability::ZERO;
    for link in &mut n.links {
        if link.loss.is_some() {
            link.loss = Some(Probability::ZERO);
        }
    }
    n.keep_loss_draws = true;
    let lost: BTreeSet<LoseSpec> = sent.iter().filter(|m| m.lost).map(|m| m.name).collect();
    n.lose = lost.into_iter().collect();
    let what = format!("random losses written out as {} lose entries", n.lose.len());
    super::passes::kept(s.try_candidate(&candidate, &what))
}

/// Losses: the random losses written out (when the run has any), then
/// ddmin over the `lose_messages` list.
pub(crate) fn losses(s: &mut Shrinker<'_>) -> bool {
    let written = written_out(s);
    let all = s.current.network.lose.clone();
    let before = all.len();
    let found = ddmin(all, &mut |subset: &[LoseSpec]| {
        let mut candidate = s.current.clone();
        candidate.network.lose = subset.to_vec();
        let what = format!("lose {} → {}", s.current.network.lose.len(), subset.len());
        s.try_candidate(&candidate, &what)
    });
    written || found.len() < before
}

/// Deliveries: ddmin over the messages the run delivered (up to the
/// violation, where the run stops): the fewest kept, the rest lost.
pub(crate) fn deliveries(s: &mut Shrinker<'_>) -> bool {
    let Some(sent) = messages(s, &s.current) else {
        return false;
    };
    let listed: BTreeSet<LoseSpec> = s.current.network.lose.iter().copied().collect();
    let delivered: Vec<LoseSpec> = sent
        .iter()
        .filter(|m| m.delivered && !listed.contains(&m.name))
        .map(|m| m.name)
        .collect();
    let before = delivered.len();
    let found = ddmin(delivered.clone(), &mut |kept: &[LoseSpec]| {
        let kept: BTreeSet<&LoseSpec> = kept.iter().collect();
        let mut candidate = s.current.clone();
        let lose = &mut candidate.network.lose;
        lose.extend(delivered.iter().filter(|m| !kept.contains(m)).copied());
        lose.sort();
        let what = format!("{} deliveries lost", lose.len() - listed.len());
        s.try_candidate(&candidate, &what)
    });
    found.len() < before
}
