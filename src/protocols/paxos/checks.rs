//! Paxos's checks: safety monitors after every step (with memory across
//! crashes), liveness at the end, and metrics.
//!
//! The monitors read what each node records in [`Observed`](super::Observed)
//! (acceptances, proposals, lessons, acknowledgements since it started),
//! through a per-node cursor reset at each restart. A node's state changes
//! only in its own handlers, so after a step only the nodes whose handler
//! ran in it ([`Sim::handled_nodes`]: usually one) can have new records, a
//! new promise, a restart or a new ballot led: the monitors look at those
//! alone, and a step costs O(1) plus O(1) per new record whatever the
//! cluster's size (the same verdict, at the same step, as looking at every
//! node; `unchanged_after` still looks at every node).

use super::{Ballot, Mode, Params, Paxos, Role};
use crate::sim::{Invariant, Monitor, NodeId, NodeSlot, Sim, SimBuilder, SimTime};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Per node: (incarnation, records read) for one of its `Observed` lists.
type Cursor = Vec<(u32, usize)>;

/// The nodes whose handler ran in the last step, with their slots: the
/// only ones a step can change.
fn handled(sim: &Sim<Paxos>) -> impl Iterator<Item = (usize, &NodeSlot<Paxos>)> {
    let slots = sim.slots();
    sim.handled_nodes()
        .iter()
        .filter_map(move |id| Some((id.index(), slots.get(id.index())?)))
}

/// Call `f` with each record of `list` not read yet on each node the last
/// step ran a handler on (and the node), stopping at the first error. No
/// allocation per step.
fn each_fresh<T>(
    sim: &Sim<Paxos>,
    cursor: &mut Cursor,
    list: fn(&Paxos) -> &Vec<T>,
    mut f: impl FnMut(NodeId, &T) -> Result<(), String>,
) -> Result<(), String> {
    let nodes = sim.node_count() as usize;
    if cursor.len() < nodes {
        cursor.resize(nodes, (0, 0));
    }
    for (i, slot) in handled(sim) {
        let Some(n) = slot.state.as_deref() else {
            continue;
        };
        if cursor[i].0 != slot.incarnation {
            cursor[i] = (slot.incarnation, 0);
        }
        let items = list(n);
        let from = cursor[i].1;
        cursor[i].1 = items.len();
        for item in items.iter().skip(from) {
            f(NodeId(i as u32), item)?;
        }
    }
    Ok(())
}

/// Has `cursor` read every record of `list` on every live node, so that
/// [`each_fresh`] would find nothing new and change nothing? (A monitor's
/// [`Monitor::unchanged_after`]: the explorer then shares it, uncopied.)
fn all_read<T>(sim: &Sim<Paxos>, cursor: &Cursor, list: fn(&Paxos) -> &Vec<T>) -> bool {
    cursor.len() >= sim.node_count() as usize
        && sim.slots().iter().enumerate().all(|(i, slot)| {
            slot.state
                .as_deref()
                .is_none_or(|n| cursor[i] == (slot.incarnation, list(n).len()))
        })
}

/// The acceptors that accepted one proposal: a bit per node below 64 (a
/// cluster is usually 3–7 nodes: no allocation per proposal), a set
/// beyond.
#[derive(Clone, Debug, Default, Hash)]
struct Acceptors {
    low: u64,
    high: BTreeSet<NodeId>,
}

impl Acceptors {
    fn insert(&mut self, id: NodeId) {
        if id.0 < 64 {
            self.low |= 1 << id.0;
        } else {
            self.high.insert(id);
        }
    }

    fn len(&self) -> usize {
        self.low.count_ones() as usize + self.high.len()
    }

    /// In node order.
    fn iter(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..64u32)
            .filter(|i| self.low >> i & 1 == 1)
            .map(NodeId)
            .chain(self.high.iter().copied())
    }
}

/// **Agreement**: at most one value is chosen per slot, ever. A value is
/// chosen in a slot when a majority of acceptors accepted it in one ballot
/// (an acceptor that accepted once counts, even if it later crashed or
/// accepted something else). Also **validity**: every acceptance is of the
/// value the ballot's proposer proposed in that slot, and a proposer never
/// proposes two values in one slot with one ballot.
#[derive(Clone, Debug, Default, Hash)]
pub struct Agreement {
    /// (slot, ballot) → the value proposed.
    proposed: BTreeMap<(u64, Ballot), u64>,
    /// (slot, ballot) → the acceptors that accepted the proposal.
    accepted: BTreeMap<(u64, Ballot), Acceptors>,
    /// slot → (value, the ballot it was first chosen in).
    pub chosen: BTreeMap<u64, (u64, Ballot)>,
    proposal_cursor: Cursor,
    accept_cursor: Cursor,
}

impl Monitor<Paxos> for Agreement {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    fn unchanged_after(&self, sim: &Sim<Paxos>) -> bool {
        all_read(sim, &self.proposal_cursor, |n| &n.observed.proposals)
            && all_read(sim, &self.accept_cursor, |n| &n.observed.accepts)
    }

    fn after_step(&mut self, sim: &Sim<Paxos>) -> Result<(), String> {
        let proposed = &mut self.proposed;
        each_fresh(
            sim,
            &mut self.proposal_cursor,
            |n| &n.observed.proposals,
            |id, &(slot, ballot, value)| match proposed.insert((slot, ballot), value) {
                Some(old) if old != value => Err(format!(
                    "{id} proposed two different values for slot {slot} with one ballot {ballot}: \
                     a ballot must carry one value per slot"
                )),
                _ => Ok(()),
            },
        )?;
        let (proposed, accepted, chosen) = (&self.proposed, &mut self.accepted, &mut self.chosen);
        let nodes = sim.node_count();
        each_fresh(
            sim,
            &mut self.accept_cursor,
            |n| &n.observed.accepts,
            |id, &(slot, ballot, value)| {
                if proposed.get(&(slot, ballot)) != Some(&value) {
                    return Err(format!(
                    "validity: {id} accepted in slot {slot}, ballot {ballot}, a value its proposer never proposed there"
                ));
                }
                let by = accepted.entry((slot, ballot)).or_default();
                by.insert(id);
                // A majority, written out here (not `synod::is_majority`):
                // the check must not share the rule it judges (lab 12).
                if by.len() <= nodes as usize / 2 {
                    return Ok(());
                }
                match chosen.get(&slot) {
                    None => {
                        chosen.insert(slot, (value, ballot));
                    }
                    Some(&(first, at)) if first != value => {
                        let who: Vec<String> = by.iter().map(|n| n.to_string()).collect();
                        return Err(format!(
                        "two values chosen in slot {slot}: one by a majority in ballot {at}, another by \
                         {} in ballot {ballot}",
                        who.join(", ")
                    ));
                    }
                    Some(_) => {}
                }
                Ok(())
            },
        )
    }

    fn metrics(&self) -> Vec<(String, String)> {
        vec![("slots-chosen".into(), self.chosen.len().to_string())]
    }
}

/// **Each ballot is led once**: a ballot's phase 1 succeeds for one
/// proposer incarnation only (Raft's election safety, for ballots). A
/// proposer that reuses a ballot after a restart can send two values in it.
#[derive(Clone, Debug, Default, Hash)]
pub struct BallotLedOnce {
    /// Ballot → (leader, its incarnation, when first seen leading).
    pub leaders: BTreeMap<Ballot, (NodeId, u32, SimTime)>,
}

impl Monitor<Paxos> for BallotLedOnce {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    fn unchanged_after(&self, sim: &Sim<Paxos>) -> bool {
        // Every leader's ballot is noted, as led by that leader.
        sim.slots().iter().enumerate().all(|(i, slot)| {
            slot.state
                .as_deref()
                .filter(|n| n.role == Role::Leader)
                .is_none_or(|n| {
                    self.leaders
                        .get(&n.ballot)
                        .is_some_and(|&(who, incarnation, _)| {
                            (who, incarnation) == (NodeId(i as u32), slot.incarnation)
                        })
                })
        })
    }

    fn after_step(&mut self, sim: &Sim<Paxos>) -> Result<(), String> {
        for (i, slot) in handled(sim) {
            let Some(n) = slot.state.as_deref().filter(|n| n.role == Role::Leader) else {
                continue;
            };
            let id = NodeId(i as u32);
            match self.leaders.get(&n.ballot) {
                None => {
                    self.leaders
                        .insert(n.ballot, (id, slot.incarnation, sim.now()));
                }
                Some(&(who, incarnation, since))
                    if (who, incarnation) != (id, slot.incarnation) =>
                {
                    return Err(format!(
                        "ballot {} led twice: by {who} from {since} and again by {id} after a restart; \
                         a proposer must never reuse a ballot",
                        n.ballot
                    ));
                }
                Some(_) => {}
            }
        }
        Ok(())
    }

    fn metrics(&self) -> Vec<(String, String)> {
        let shown: Vec<String> = self
            .leaders
            .iter()
            .rev()
            .take(8)
            .map(|(b, (id, _, at))| format!("{id}@{b}({at})"))
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        vec![
            ("ballots-led".into(), self.leaders.len().to_string()),
            (
                "leaders".into(),
                if shown.is_empty() {
                    "none".into()
                } else {
                    shown.join(" → ")
                },
            ),
        ]
    }
}

/// **Acceptor state never goes back**: a node's promised ballot never
/// decreases, and neither does the ballot it accepted in a slot — across
/// restarts too (what it promised or accepted must have been durable).
/// A slot its checkpoint covers is exempt from the restart check: it is
/// chosen, applied, and forgotten on purpose (`checkpoint.rs`).
#[derive(Clone, Debug, Default, Hash)]
pub struct AcceptorMonotonic {
    promised: Vec<Ballot>,
    /// (node, slot) → highest ballot accepted there.
    accepted: BTreeMap<(NodeId, u64), Ballot>,
    incarnations: Vec<u32>,
    cursor: Cursor,
}

impl Monitor<Paxos> for AcceptorMonotonic {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    fn unchanged_after(&self, sim: &Sim<Paxos>) -> bool {
        let nodes = sim.node_count() as usize;
        self.promised.len() >= nodes
            && self.incarnations.len() >= nodes
            && sim.slots().iter().enumerate().all(|(i, slot)| {
                slot.state.as_deref().is_none_or(|n| {
                    n.promised == self.promised[i] && self.incarnations[i] == slot.incarnation
                })
            })
            && all_read(sim, &self.cursor, |n| &n.observed.accepts)
    }

    fn after_step(&mut self, sim: &Sim<Paxos>) -> Result<(), String> {
        let nodes = sim.node_count() as usize;
        self.promised
            .resize(nodes.max(self.promised.len()), Ballot::ZERO);
        self.incarnations
            .resize(nodes.max(self.incarnations.len()), 0);
        for (i, slot) in handled(sim) {
            let Some(n) = slot.state.as_deref() else {
                continue;
            };
            let id = NodeId(i as u32);
            if n.promised < self.promised[i] {
                return Err(format!(
                    "{id}'s promise went back from {} to {}: a promise must be durable before it is answered",
                    self.promised[i], n.promised
                ));
            }
            self.promised[i] = n.promised;
            if self.incarnations[i] != slot.incarnation {
                self.incarnations[i] = slot.incarnation;
                let from = n.compacted_through() + 1;
                for (&(who, s), &b) in self.accepted.range((id, from)..=(id, u64::MAX)) {
                    debug_assert_eq!(who, id);
                    let now = n.accepted.get(&s).map_or(Ballot::ZERO, |(b, _)| *b);
                    if now < b {
                        return Err(format!(
                            "{id} restarted without its acceptance in slot {s} (ballot {b}; it now holds {now}): \
                             an acceptance must be durable before it is answered"
                        ));
                    }
                }
            }
        }
        let accepted = &mut self.accepted;
        each_fresh(
            sim,
            &mut self.cursor,
            |n| &n.observed.accepts,
            |id, &(slot, ballot, _)| {
                let seen = accepted.entry((id, slot)).or_default();
                if ballot < *seen {
                    return Err(format!(
                    "{id} accepted ballot {ballot} in slot {slot} after accepting {seen} there: \
                     an acceptor must refuse ballots below its promise"
                ));
                }
                *seen = ballot;
                Ok(())
            },
        )
    }
}

/// **Learners agree** (state-machine safety): no two nodes learn different
/// commands for one slot, so every node applies the same sequence. Also
/// gathers the slots acknowledged to clients, for the end-of-run check.
#[derive(Clone, Debug, Default, Hash)]
pub struct LearnersAgree {
    /// slot → (command digest, first node that learned it).
    learned: BTreeMap<u64, (u64, NodeId)>,
    /// Slots acknowledged to a client.
    pub acked: BTreeSet<u64>,
    learn_cursor: Cursor,
    ack_cursor: Cursor,
}

impl Monitor<Paxos> for LearnersAgree {
    fn fingerprint(&self, hasher: &mut crate::base::hash::StableHasher) {
        std::hash::Hash::hash(self, hasher);
    }

    fn unchanged_after(&self, sim: &Sim<Paxos>) -> bool {
        all_read(sim, &self.learn_cursor, |n| &n.observed.learned)
            && all_read(sim, &self.ack_cursor, |n| &n.observed.acked)
    }

    fn after_step(&mut self, sim: &Sim<Paxos>) -> Result<(), String> {
        let learned = &mut self.learned;
        each_fresh(
            sim,
            &mut self.learn_cursor,
            |n| &n.observed.learned,
            |id, &(slot, value)| match learned.get(&slot) {
                None => {
                    learned.insert(slot, (value, id));
                    Ok(())
                }
                Some(&(v, who)) if v != value => Err(format!(
                    "{id} learned a different command for slot {slot} than {who} did"
                )),
                Some(_) => Ok(()),
            },
        )?;
        let acked = &mut self.acked;
        each_fresh(
            sim,
            &mut self.ack_cursor,
            |n| &n.observed.acked,
            |_, &slot| {
                acked.insert(slot);
                Ok(())
            },
        )
    }
}

/// `acked-ops-applied`: every slot acknowledged to a client is applied on
/// every live node at the end; and every live node has applied as far as
/// the furthest one.
fn acked_ops_applied(sim: &Sim<Paxos>) -> Result<(), String> {
    let Some(m) = sim.monitor::<LearnersAgree>("learners-agree") else {
        return Ok(());
    };
    let furthest = sim.live_nodes().map(|(_, n)| n.applied).max().unwrap_or(0);
    for (id, n) in sim.live_nodes() {
        if let Some(slot) = m.acked.iter().find(|s| **s > n.applied) {
            return Err(format!(
                "the command acknowledged to a client in slot {slot} is not applied on {id} at the end \
                 (it applied up to slot {}; {} acknowledged in all)",
                n.applied,
                m.acked.len()
            ));
        }
        if n.applied < furthest {
            return Err(format!(
                "{id} applied only up to slot {} at the end, another node up to {furthest}",
                n.applied
            ));
        }
    }
    Ok(())
}

/// `value-learned` (single-decree): every live node learned the chosen value.
fn value_learned(sim: &Sim<Paxos>) -> Result<(), String> {
    let preemptions: u64 = sim.live_nodes().map(|(_, n)| n.preemptions).sum();
    for (id, n) in sim.live_nodes() {
        if !n.chosen.contains_key(&1) {
            return Err(format!(
                "{id} never learned a chosen value: no proposer got a majority to accept \
                 ({preemptions} pre-emptions, highest round {})",
                sim.live_nodes().map(|(_, n)| n.round).max().unwrap_or(0)
            ));
        }
    }
    Ok(())
}

fn metrics(sim: &Sim<Paxos>) -> Vec<(String, String)> {
    let max = |f: fn(&Paxos) -> u64| sim.live_nodes().map(|(_, n)| f(n)).max().unwrap_or(0);
    let sum = |f: fn(&Paxos) -> u64| sim.live_nodes().map(|(_, n)| f(n)).sum::<u64>();
    vec![
        ("max-round".into(), max(|n| n.round).to_string()),
        ("applied".into(), max(|n| n.applied).to_string()),
        ("preemptions".into(), sum(|n| n.preemptions).to_string()),
    ]
}

/// A simulation builder with Paxos nodes, their monitors, checks and
/// metrics (the linearizability check is added by the scenario).
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<Paxos> {
    let mode = params.mode;
    let params = Arc::new(params);
    let b = SimBuilder::new(nodes, seed, move |id, n| {
        Paxos::new(Arc::clone(&params), id, n)
    })
    .monitor("agreement", Agreement::default())
    .monitor("ballot-led-once", BallotLedOnce::default())
    .monitor("acceptor-monotonic", AcceptorMonotonic::default())
    .monitor("learners-agree", LearnersAgree::default())
    .metrics(metrics);
    match mode {
        Mode::Multi => b
            .invariant(Invariant::eventually(
                "acked-ops-applied",
                acked_ops_applied,
            ))
            .invariant(Invariant::sometimes(
                "leader-elected",
                |sim: &Sim<Paxos>| sim.live_nodes().any(|(_, n)| n.is_leader()),
            )),
        Mode::SingleDecree => b
            .invariant(Invariant::eventually("value-learned", value_learned))
            .invariant(Invariant::sometimes("value-chosen", |sim: &Sim<Paxos>| {
                sim.live_nodes().any(|(_, n)| n.chosen.contains_key(&1))
            })),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::engine::BuildOptions;
    use crate::sim::StepResult;
    use std::fmt::Debug;

    /// The acceptor set counts each node once and lists them in node order,
    /// below and above the 64 bits.
    #[test]
    fn acceptors_count_each_node_once_in_node_order() {
        let mut a = Acceptors::default();
        for id in [70, 3, 0, 63, 3, 64, 70, 1000] {
            a.insert(NodeId(id));
        }
        assert_eq!(a.len(), 6);
        let ids: Vec<u32> = a.iter().map(|n| n.0).collect();
        assert_eq!(ids, [0, 3, 63, 64, 70, 1000]);
    }

    /// How often a monitor said a step leaves it as it is, and how often not.
    #[derive(Default)]
    struct Answers {
        unchanged: u64,
        changed: u64,
    }

    /// `before` is the monitor `name` as it was before `sim`'s last step:
    /// when it says that step leaves it as it is, the step must have (the
    /// monitor in the world, which ran `after_step`, reads the same).
    fn judge<T: Monitor<Paxos> + Debug>(before: &T, sim: &Sim<Paxos>, name: &str, a: &mut Answers) {
        let after = sim.monitor::<T>(name).expect("registered");
        if before.unchanged_after(sim) {
            assert_eq!(
                format!("{before:?}"),
                format!("{after:?}"),
                "{name} said step {} changes nothing, but it did",
                sim.steps()
            );
            a.unchanged += 1;
        } else {
            a.changed += 1;
        }
    }

    /// Every step of a churn run (crashes and restarts, partitions, loss,
    /// duplication): whenever a monitor's `unchanged_after` says `true`,
    /// `after_step` left it exactly as it was; and each monitor gives both
    /// answers, so the shortcut is taken and is not a constant.
    #[test]
    fn unchanged_after_is_true_only_when_a_step_changes_nothing() {
        let scenario = crate::testing::load("scenarios/paxos-churn.toml");
        let mut sim =
            crate::protocols::paxos::scenario::configured(&scenario, &BuildOptions::default())
                .expect("builds")
                .build();
        let mut answers: [Answers; 4] = Default::default();
        let mut crashes = 0;
        for _ in 0..20_000 {
            let agreement = sim.monitor::<Agreement>("agreement").cloned().expect("on");
            let led = sim
                .monitor::<BallotLedOnce>("ballot-led-once")
                .cloned()
                .expect("on");
            let acceptor = sim
                .monitor::<AcceptorMonotonic>("acceptor-monotonic")
                .cloned()
                .expect("on");
            let learners = sim
                .monitor::<LearnersAgree>("learners-agree")
                .cloned()
                .expect("on");
            let incarnations: u32 = sim.slots().iter().map(|s| s.incarnation).sum();
            if sim.step() != StepResult::Progressed {
                break;
            }
            crashes += sim.slots().iter().map(|s| s.incarnation).sum::<u32>() - incarnations;
            judge(&agreement, &sim, "agreement", &mut answers[0]);
            judge(&led, &sim, "ballot-led-once", &mut answers[1]);
            judge(&acceptor, &sim, "acceptor-monotonic", &mut answers[2]);
            judge(&learners, &sim, "learners-agree", &mut answers[3]);
        }
        assert!(sim.violation().is_none(), "{:?}", sim.violation());
        assert!(crashes > 0, "the run crashed no node");
        for (a, name) in answers.iter().zip([
            "agreement",
            "ballot-led-once",
            "acceptor-monotonic",
            "learners-agree",
        ]) {
            assert!(
                a.unchanged > 0 && a.changed > 0,
                "{name}: {} steps unchanged, {} changed",
                a.unchanged,
                a.changed
            );
        }
    }
}
