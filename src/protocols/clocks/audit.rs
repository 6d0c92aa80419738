//! The audit a lab build switches on: every rule call a node makes is
//! compared with the model (`lamport-rules`, `vector-clock-rules`), and at
//! start each node runs generated operation sequences through the hooks
//! (`lamport-laws`, `vector-clock-laws`). The shipped scenarios run without
//! it (their checks are the protocols' own); the reference passes it.

use super::rules::{causally_ready, ClockOrder, Hooks};
use super::vclock::compare_entries;
use super::VClock;
use crate::sim::Invariant;
use crate::sim::{Node, NodeId, Prng, Sim, SimBuilder};

/// Who decides causal readiness in `vclock`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryRule {
    /// The hooks' [`deliverable`](super::ClockRules::deliverable) (lab 01 part C).
    Yours,
    /// The model's [`causally_ready`] over the node's clock (part B's
    /// scenarios, so a vector clock is graded before its delivery rule).
    Given,
}

impl crate::scenario::Choice for DeliveryRule {
    const NAMES: &'static [&'static str] = &["yours", "given"];
    const ALL: &'static [DeliveryRule] = &[DeliveryRule::Yours, DeliveryRule::Given];
}

/// What a lab build adds to the clock protocols.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Audit {
    /// Generated operation sequences each node runs at start.
    pub laws: u64,
    /// Who decides causal readiness (`vclock` only).
    pub delivery: DeliveryRule,
}

/// Steps in each generated operation sequence.
pub const LAW_STEPS: usize = 40;

/// Ghost records of the audit on one node.
#[derive(Clone, Debug, Default)]
pub struct AuditGhost {
    /// The first rule call that gave a wrong result.
    pub rule_broken: Option<String>,
    /// The first generated sequence that failed.
    pub law_broken: Option<String>,
}

impl AuditGhost {
    /// Record that `id`'s rule call went wrong (the first one is kept).
    pub fn rule(&mut self, id: NodeId, why: impl FnOnce() -> String) {
        if self.rule_broken.is_none() {
            self.rule_broken = Some(format!("{id}: {}", why()));
        }
    }
}

/// Register the `*-laws` and `*-rules` always-checks over `ghost`.
pub fn checks<N: Node>(
    b: SimBuilder<N>,
    names: [&'static str; 2],
    ghost: fn(&N) -> &AuditGhost,
) -> SimBuilder<N> {
    let first = move |sim: &Sim<N>, rules: bool| {
        let found = sim.live_nodes().find_map(|(_, n)| {
            let g = ghost(n);
            if rules {
                g.rule_broken.clone()
            } else {
                g.law_broken.clone()
            }
        });
        found.map_or(Ok(()), Err)
    };
    b.invariant(Invariant::always(names[0], move |sim: &Sim<N>| {
        first(sim, false)
    }))
    .invariant(Invariant::always(names[1], move |sim: &Sim<N>| {
        first(sim, true)
    }))
}

/// The last few operations, for error messages.
struct OpLog(Vec<String>);

impl OpLog {
    fn fail(&self, why: String) -> String {
        let skip = self.0.len().saturating_sub(8);
        let more = if skip > 0 { "..., " } else { "" };
        format!("{why}, after {more}{}", self.0[skip..].join(", "))
    }
}

/// Run `steps` random Lamport rule calls from time 0 and check each result
/// against the rules (`t + 1` for a send, `max(t, s) + 1` for a receipt).
pub fn lamport_laws(rng: &mut Prng, hooks: &Hooks, steps: usize) -> Result<(), String> {
    let mut log = OpLog(Vec::new());
    let mut time = 0u64;
    for _ in 0..steps {
        let (op, got, expected) = if rng.below(2) == 0 {
            let op = format!("lamport_send({time})");
            (op, (hooks.lamport_send)(time), time + 1)
        } else {
            let stamp = rng.below(time + 8);
            let op = format!("lamport_receive({time}, {stamp})");
            (
                op,
                (hooks.lamport_receive)(time, stamp),
                time.max(stamp) + 1,
            )
        };
        if got != expected {
            return Err(log.fail(format!("{op} returned {got}, expected {expected}")));
        }
        log.0.push(format!("{op} -> {got}"));
        time = got;
    }
    Ok(())
}

/// Clocks each vector sequence works on.
const CLOCKS: usize = 3;

/// Run `steps` random vector-clock rule calls over three clocks of `nodes`
/// entries (`c0`..`c2`, all zeros at first): increments, merges and
/// comparisons, each checked against [`VClock`].
pub fn vector_laws(rng: &mut Prng, hooks: &Hooks, nodes: u32, steps: usize) -> Result<(), String> {
    let n = nodes.max(1);
    let mut clocks = vec![vec![0u64; n as usize]; CLOCKS];
    let mut log = OpLog(vec![format!("c0..c2 = [0; {n}]")]);
    for _ in 0..steps {
        let (a, b) = (rng.index(CLOCKS), rng.index(CLOCKS));
        let before = VClock(clocks[a].clone());
        let mut expected = before.clone();
        let op = match rng.below(8) {
            0..=2 => {
                let k = NodeId(rng.below(u64::from(n)) as u32);
                (hooks.vector_increment)(&mut clocks[a], k);
                expected.increment(k);
                format!("vector_increment(c{a}, {k})")
            }
            3..=5 => {
                let other = clocks[b].clone();
                (hooks.vector_merge)(&mut clocks[a], &other);
                expected.merge(&VClock(other));
                format!("vector_merge(c{a}, c{b})")
            }
            _ => {
                let b = if rng.below(4) == 0 { a } else { b };
                let got = (hooks.vector_compare)(&clocks[a], &clocks[b]);
                let want = ClockOrder::from_partial(compare_entries(&clocks[a], &clocks[b]));
                let op = format!("vector_compare(c{a}, c{b})");
                if got != want {
                    let (x, y) = (VClock(clocks[a].clone()), VClock(clocks[b].clone()));
                    let why =
                        format!("{op} with c{a}={x}, c{b}={y} returned {got:?}, expected {want:?}");
                    return Err(log.fail(why));
                }
                format!("{op} -> {got:?}")
            }
        };
        if clocks[a] != expected.0 {
            let got = VClock(clocks[a].clone());
            let why = format!("{op} turned c{a} = {before} into {got}, expected {expected}");
            return Err(log.fail(why));
        }
        log.0.push(op);
    }
    Ok(())
}

/// Compare `a` with `b` through the hooks, both ways; the first wrong
/// answer, in words.
pub fn judge_compare(hooks: &Hooks, a: (&str, &VClock), b: (&str, &VClock)) -> Option<String> {
    for ((x_name, x), (y_name, y)) in [(a, b), (b, a)] {
        let got = (hooks.vector_compare)(&x.0, &y.0);
        let expected = ClockOrder::from_partial(x.partial_cmp(y));
        if got != expected {
            return Some(format!(
                "vector_compare({x_name} {x}, {y_name} {y}) gave {got:?}, expected {expected:?}"
            ));
        }
    }
    None
}

/// The model's delivery rule over vector clocks.
pub fn given_rule(delivered: &VClock, sender: NodeId, stamp: &VClock) -> bool {
    causally_ready(&delivered.0, sender, &stamp.0)
}
