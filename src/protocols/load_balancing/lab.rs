//! The rules lab 13 (load balancing and tail latency) hands to the
//! student, as small pure functions the balancer calls through [`Hooks`]:
//! round robin and random (part A), least-outstanding and the power of two
//! choices (part B), and a consistent-hash ring with virtual nodes (part
//! C). [`Reference`] is this protocol's implementation and calls the
//! functions of `strategy.rs` (one copy of each rule); a lab build
//! ([`build_lab`]) swaps in the student's ([`Hooks::of`]). Bug switches
//! stay in the balancer's plumbing and override the hooks where they act.
//!
//! What a strategy can see is what its arguments hold: the eligibility of
//! each instance, the balancer's load view and the balancer's own seeded
//! random stream ([`Prng`], which has no way back to the seed). No
//! simulation, no clock, no seed: a strategy cannot look at the run's
//! future (the service times still to be drawn, the faults still to come).
//!
//! The lab build runs every check of the protocol plus three of its own:
//! `picks-in-range` (a strategy returned an index that is no instance: a
//! clear failure instead of a panic that would take the grader down) and,
//! with `strategy = "consistent-hash"`, `ring-keys-moved` and
//! `ring-balanced` (see [`ring_report`]). The reference's lab build runs
//! the same events as the plain `load-balancing` build.

use super::checks::builder;
use super::scenario::{params, validated};
use super::strategy::{self, hash_text, RoundRobin, Strategy};
use super::{Balancer, LbNode, Params};
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::{DynSim, Invariant, Monitor, NodeId, Prng, Sim};

/// The rules lab 13's student writes; every function is pure apart from
/// the random stream it is handed. `eligible[i]` says whether instance `i`
/// may be chosen (not ejected, not tried already by this request); an
/// answer must be an eligible index, or `None` when none is eligible.
pub trait BalancingRules: 'static {
    /// Part A: round robin. `cursor` is the balancer's (0 at the start,
    /// kept between calls): the first eligible instance at or after it,
    /// wrapping; move the cursor past the instance chosen.
    fn round_robin(cursor: &mut usize, eligible: &[bool]) -> Option<usize>;

    /// Part A: any eligible instance, uniformly at random (`rng`: the
    /// balancer's own stream).
    fn random(eligible: &[bool], rng: &mut Prng) -> Option<usize>;

    /// Part B: an eligible instance with the fewest outstanding requests
    /// (`loads`, one per instance, the balancer's view), ties broken at
    /// random.
    fn least_outstanding(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<usize>;

    /// Part B: the power of two choices. Two *distinct* eligible instances
    /// drawn at random; `(picked, other)`, `picked` the less loaded (with
    /// one eligible instance, both are it).
    fn two_choices(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<(usize, usize)>;

    /// Part C: the positions on the ring of instance `instance`'s
    /// `virtual_nodes` points (use [`hash_text`]: it is the same on every
    /// platform).
    fn ring_points(instance: usize, virtual_nodes: u32) -> Vec<u64>;

    /// Part C: the owner of a key whose hash is `key_hash`, on `ring`
    /// (every instance's points as `(position, instance)`, sorted by
    /// position): the first eligible instance clockwise from the key.
    fn ring_owner(ring: &[(u64, usize)], key_hash: u64, eligible: &[bool]) -> Option<usize>;
}

/// This protocol's own implementation of [`BalancingRules`]: the
/// strategies of `strategy.rs`.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl BalancingRules for Reference {
    fn round_robin(cursor: &mut usize, eligible: &[bool]) -> Option<usize> {
        let mut rr = RoundRobin { cursor: *cursor };
        let picked = rr.pick(eligible);
        *cursor = rr.cursor;
        picked
    }

    fn random(eligible: &[bool], rng: &mut Prng) -> Option<usize> {
        strategy::random(eligible, rng)
    }

    fn least_outstanding(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<usize> {
        strategy::least_outstanding(loads, eligible, rng)
    }

    fn two_choices(loads: &[u32], eligible: &[bool], rng: &mut Prng) -> Option<(usize, usize)> {
        strategy::two_choices(loads, eligible, rng)
    }

    fn ring_points(instance: usize, virtual_nodes: u32) -> Vec<u64> {
        strategy::ring_points(instance, virtual_nodes)
    }

    fn ring_owner(ring: &[(u64, usize)], key_hash: u64, eligible: &[bool]) -> Option<usize> {
        strategy::ring_owner(ring, key_hash, eligible)
    }
}

/// The type of [`BalancingRules::two_choices`]: loads, eligibility and
/// the balancer's stream to `(picked, other)`.
pub type TwoChoicesFn = fn(&[u32], &[bool], &mut Prng) -> Option<(usize, usize)>;

/// The type of [`BalancingRules::ring_owner`]: the sorted ring, the key's
/// hash and eligibility to the owner.
pub type RingOwnerFn = fn(&[(u64, usize)], u64, &[bool]) -> Option<usize>;

/// [`BalancingRules`] as function pointers, carried in [`Params`] so every
/// balancer calls the implementation the simulation was built with.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// [`BalancingRules::round_robin`].
    pub round_robin: fn(&mut usize, &[bool]) -> Option<usize>,
    /// [`BalancingRules::random`].
    pub random: fn(&[bool], &mut Prng) -> Option<usize>,
    /// [`BalancingRules::least_outstanding`].
    pub least_outstanding: fn(&[u32], &[bool], &mut Prng) -> Option<usize>,
    /// [`BalancingRules::two_choices`].
    pub two_choices: TwoChoicesFn,
    /// [`BalancingRules::ring_points`].
    pub ring_points: fn(usize, u32) -> Vec<u64>,
    /// [`BalancingRules::ring_owner`].
    pub ring_owner: RingOwnerFn,
}

impl Hooks {
    /// The hooks of `R`.
    pub fn of<R: BalancingRules>() -> Self {
        Hooks {
            round_robin: R::round_robin,
            random: R::random,
            least_outstanding: R::least_outstanding,
            two_choices: R::two_choices,
            ring_points: R::ring_points,
            ring_owner: R::ring_owner,
        }
    }

    /// The ring of `instances` instances: every point of each, sorted by
    /// position (then instance). With `one_point` (the `ring-one-point`
    /// bug) only each instance's first point.
    pub fn ring(&self, instances: usize, virtual_nodes: u32, one_point: bool) -> Vec<(u64, usize)> {
        let mut ring = Vec::new();
        for i in 0..instances {
            let points = (self.ring_points)(i, virtual_nodes);
            let take = if one_point { 1 } else { points.len() };
            ring.extend(points.into_iter().take(take).map(|p| (p, i)));
        }
        ring.sort_unstable();
        ring
    }
}

impl Default for Hooks {
    fn default() -> Self {
        Hooks::of::<Reference>()
    }
}

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Hooks")
    }
}

/// Hooks are not part of a scenario's parameters: any two compare equal.
impl PartialEq for Hooks {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// What a ring does to `keys` keys (`k0..`) over `instances` instances:
/// the `ring-keys-moved` and `ring-balanced` figures.
#[derive(Clone, Debug, PartialEq)]
pub struct RingReport {
    /// Keys whose owner changed when one instance left (each instance in
    /// turn, made ineligible) or the last one joined (its points added).
    pub moved: u64,
    /// The fewest keys that had to move: those the leaving (or joining)
    /// instance owns.
    pub minimum: u64,
    /// The most keys one instance owns, all eligible.
    pub most_owned: u64,
    /// An even share: keys over instances.
    pub even_share: f64,
    /// A key no instance owned although some was eligible, or an owner
    /// that was not eligible: `(key, owner)`.
    pub wrong_owner: Option<(String, Option<usize>)>,
}

/// Measure the ring `hooks` build (module doc): every instance leaving in
/// turn, the last one joining, and how evenly keys spread.
pub fn ring_report(
    hooks: &Hooks,
    instances: usize,
    virtual_nodes: u32,
    keys: u32,
    one_point: bool,
) -> RingReport {
    let full = hooks.ring(instances, virtual_nodes, one_point);
    let names: Vec<(String, u64)> = (0..keys)
        .map(|k| {
            let key = format!("k{k}");
            let hash = hash_text(&key);
            (key, hash)
        })
        .collect();
    let mut report = RingReport {
        moved: 0,
        minimum: 0,
        most_owned: 0,
        even_share: f64::from(keys) / instances.max(1) as f64,
        wrong_owner: None,
    };
    let mut owners = |ring: &[(u64, usize)], eligible: &[bool]| -> Vec<Option<usize>> {
        names
            .iter()
            .map(|(key, hash)| {
                let owner = (hooks.ring_owner)(ring, *hash, eligible);
                let valid = owner.is_some_and(|o| eligible.get(o).copied().unwrap_or(false));
                if !valid && report.wrong_owner.is_none() {
                    report.wrong_owner = Some((key.clone(), owner));
                }
                owner
            })
            .collect()
    };
    let all = vec![true; instances];
    let before = owners(&full, &all);
    let mut owned = vec![0u64; instances];
    for o in before.iter().flatten() {
        if let Some(count) = owned.get_mut(*o) {
            *count += 1;
        }
    }
    let mut moved = 0;
    let mut minimum = 0;
    for leaving in 0..instances {
        let mut eligible = all.clone();
        eligible[leaving] = false;
        let after = owners(&full, &eligible);
        moved += before.iter().zip(&after).filter(|(a, b)| a != b).count() as u64;
        minimum += owned[leaving];
    }
    if instances >= 2 {
        // The last instance joins a ring of the others.
        let without: Vec<(u64, usize)> = full
            .iter()
            .copied()
            .filter(|&(_, i)| i + 1 != instances)
            .collect();
        let mut eligible = all.clone();
        eligible[instances - 1] = false;
        let earlier = owners(&without, &eligible);
        moved += earlier.iter().zip(&before).filter(|(a, b)| a != b).count() as u64;
        minimum += owned[instances - 1];
    }
    report.moved = moved;
    report.minimum = minimum;
    report.most_owned = owned.iter().copied().max().unwrap_or(0);
    report
}

/// `ring-keys-moved` allows at most this many times the minimum.
pub const MOVED_MAX_RATIO: f64 = 1.5;
/// `ring-balanced` allows the busiest instance at most this many even
/// shares of the keys.
pub const BALANCE_MAX_RATIO: f64 = 1.6;

fn keys_moved(report: &RingReport) -> Result<(), String> {
    if let Some((key, owner)) = &report.wrong_owner {
        return Err(format!(
            "the ring gave key {key} to {owner:?}, which is not an eligible instance"
        ));
    }
    let ratio = report.moved as f64 / report.minimum.max(1) as f64;
    if ratio > MOVED_MAX_RATIO {
        return Err(format!(
            "joins and leaves moved {} keys where {} had to move ({ratio:.2}x, at most {MOVED_MAX_RATIO}x): keys of instances that stayed changed owner",
            report.moved, report.minimum
        ));
    }
    Ok(())
}

fn balanced(report: &RingReport) -> Result<(), String> {
    let ratio = report.most_owned as f64 / report.even_share.max(1e-9);
    if ratio > BALANCE_MAX_RATIO {
        return Err(format!(
            "one instance owns {} keys, {ratio:.2} even shares ({:.0}; at most {BALANCE_MAX_RATIO}): too few points per instance?",
            report.most_owned, report.even_share
        ));
    }
    Ok(())
}

/// `picks-in-range`: no strategy answered an index that is no instance
/// (the balancer failed that request instead of indexing out of range).
/// Reads each balancer's ghost record after a step in which it ran.
#[derive(Clone, Debug)]
pub struct InRange {
    strategy: Strategy,
    /// Each balancer's handler count when last read.
    cursors: Vec<u64>,
}

impl InRange {
    /// The monitor for a run of `strategy` (named in its message).
    pub fn new(strategy: Strategy) -> Self {
        InRange {
            strategy,
            cursors: Vec::new(),
        }
    }
}

impl Monitor<LbNode> for InRange {
    fn after_step(&mut self, sim: &Sim<LbNode>) -> Result<(), String> {
        if self.cursors.len() != sim.slots().len() {
            self.cursors = vec![0; sim.slots().len()];
        }
        for (id, node) in sim.live_nodes() {
            let Some(b) = node.balancer() else {
                continue;
            };
            if b.handled == self.cursors[id.index()] {
                continue;
            }
            self.cursors[id.index()] = b.handled;
            if let Some(&index) = b.bad_picks.first() {
                return Err(out_of_range(id, b, self.strategy, index));
            }
        }
        Ok(())
    }
}

fn out_of_range(id: NodeId, b: &Balancer, strategy: Strategy, index: usize) -> String {
    format!(
        "{id}'s {} strategy returned instance index {index}, but there are {} instances (0..={}); the request failed",
        strategy.name(),
        b.instances.len(),
        b.instances.len().saturating_sub(1)
    )
}

/// Build a load-balancing simulation whose balancers choose with `R`'s
/// rules: the `[protocol]` parameters of `load-balancing` (bug switches act
/// in the balancer's plumbing), every check of the protocol and the lab's
/// own (module doc).
pub fn build_lab<R: BalancingRules>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut params = params(scenario)?;
    params.hooks = Hooks::of::<R>();
    let workload = validated(scenario, &params)?;
    let mut b = builder(params.clone(), scenario.nodes, scenario.seed)
        .monitor("picks-in-range", InRange::new(params.strategy));
    if params.strategy == Strategy::ConsistentHash {
        b = ring_checks(b, &params, scenario.nodes);
    }
    Ok(Box::new(
        configure(b, scenario, &super::scenario::FACTS, workload, options)?.build(),
    ))
}

/// `ring-keys-moved` and `ring-balanced` (end of run), over the ring the
/// run's hooks build.
fn ring_checks(
    b: crate::sim::SimBuilder<LbNode>,
    params: &Params,
    nodes: u32,
) -> crate::sim::SimBuilder<LbNode> {
    let instances = nodes.saturating_sub(params.balancers) as usize;
    let one_point = params.has(super::Bug::RingOnePoint);
    let (hooks, vnodes, keys) = (params.hooks, params.virtual_nodes, params.keys);
    let measure = move || ring_report(&hooks, instances, vnodes, keys, one_point);
    b.invariant(Invariant::eventually("ring-keys-moved", move |_| {
        keys_moved(&measure())
    }))
    .invariant(Invariant::eventually("ring-balanced", move |_| {
        balanced(&measure())
    }))
}
