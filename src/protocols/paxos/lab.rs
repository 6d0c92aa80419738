//! The rules lab 12 (Paxos) hands to the student, as small pure functions
//! the Paxos nodes call through [`Hooks`], in both modes (single-decree and
//! Multi-Paxos, where they run once per slot): the acceptor's promise rule
//! (part A), its accept rule (part B), the proposer's choice of value and
//! its majority (part C), and what the acceptor stores and recovers after a
//! restart (part D). [`Reference`] is this protocol's implementation and
//! calls the synod rules of `synod.rs` (one copy of each rule); a lab build
//! ([`build_lab`]) swaps in the student's ([`Hooks::of`]). Bug switches
//! stay in the nodes' plumbing and override the hooks where they act.
//!
//! The lab build runs exactly the protocol's checks; the reference's lab
//! build runs the same events as the plain `paxos` build.

use super::scenario::{configured_with, params};
use super::synod::{self, ValueRule};
use super::{Ballot, Command};
use crate::base::digits::push_decimal;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{Scenario, ScenarioError};
use crate::sim::DynSim;
use crate::storage::Storage;
use std::collections::BTreeMap;

/// Storage key of the acceptor's promise (the reference's).
pub const PROMISED_KEY: &str = "promised";
/// Storage key of the proposer's highest round (the reference's).
pub const ROUND_KEY: &str = "round";

/// The storage key of the accepted proposal in `slot` (the reference's):
/// `accepted/<slot>`, zero-padded so keys sort by slot.
pub fn accepted_key(slot: u64) -> String {
    slot_key("accepted", slot)
}

/// `prefix/<slot>` with the slot zero-padded to 12 digits (more if it needs
/// them), as `format!("{prefix}/{slot:012}")` writes it but without the
/// formatting machinery ([`push_decimal`]): a key is made at every
/// acceptance and every learned slot, and `format!` with a width was 5 % of
/// a Paxos churn run.
pub fn slot_key(prefix: &str, slot: u64) -> String {
    let mut key = String::with_capacity(prefix.len() + 13);
    key.push_str(prefix);
    key.push('/');
    push_decimal(&mut key, slot, 12);
    key
}

/// What an acceptor (and its proposer) gets back from storage at a restart
/// ([`PaxosRules::recover`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Recovered {
    /// The highest ballot it promised ([`Ballot::ZERO`] if none).
    pub promised: Ballot,
    /// The highest round its proposer used (0 if none).
    pub round: u64,
    /// Per slot, the proposal it accepted last.
    pub accepted: BTreeMap<u64, (Ballot, Command)>,
}

/// The rules lab 12's student writes; every function is pure apart from
/// the storage it is handed. The nodes call them in both modes; Multi-Paxos
/// calls them once per slot.
pub trait PaxosRules: 'static {
    /// Part A (phase 1b): an acceptor that promised `promised` receives
    /// `prepare(ballot)`. `Some(p)`: it promises, and `p` is its promise from
    /// now on (it then reports its accepted proposals); `None`: it refuses.
    fn promise(promised: Ballot, ballot: Ballot) -> Option<Ballot>;

    /// Part B (phase 2b): may an acceptor that promised `promised` accept a
    /// proposal in `ballot`? (If it does, it promises `ballot` too.)
    fn may_accept(promised: Ballot, ballot: Ballot) -> bool;

    /// Part C (phase 2a): given the accepted proposals a majority of
    /// promises reported for one slot (in arrival order; a ballot of
    /// [`Ballot::ZERO`] is no proposal), the value the proposer must
    /// propose, or `None` if it is free to propose its own.
    fn choose_value(reported: &[(Ballot, Command)]) -> Option<&Command>;

    /// Part C: are `count` acceptors out of `nodes` enough — for a
    /// proposer's promises, and for a value to be chosen?
    fn is_majority(count: usize, nodes: u32) -> bool;

    /// Part D: the acceptor raised its promise to `promised`: store it (the
    /// node syncs once before any answer leaves its handler).
    fn store_promise(storage: &mut Storage, promised: Ballot);

    /// Part D: the acceptor accepted `(ballot, command)` in `slot`: store it.
    fn store_accepted(storage: &mut Storage, slot: u64, ballot: Ballot, command: &Command);

    /// Part D: the proposer is about to use `round` in a ballot: store it.
    fn store_round(storage: &mut Storage, round: u64);

    /// Part D: at a (re)start, read back what the three functions above
    /// stored.
    fn recover(storage: &Storage) -> Recovered;
}

/// This protocol's own implementation of [`PaxosRules`]: the synod rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

/// Store `value` as one JSON text (fewer allocations than a JSON tree).
fn put_text<T: serde::Serialize>(storage: &mut Storage, key: &str, value: &T) {
    if let Ok(text) = serde_json::to_string(value) {
        storage.put(key, &text);
    }
}

/// Read back every `prefix/<slot>` entry stored as JSON text, in slot order.
pub fn load_slots<T: serde::de::DeserializeOwned>(
    storage: &Storage,
    prefix: &str,
) -> Vec<(u64, T)> {
    let mut out = Vec::new();
    for (key, value) in storage.entries_with_prefix(prefix) {
        let Some(slot) = key[prefix.len()..]
            .strip_prefix('/')
            .and_then(|s| s.parse::<u64>().ok())
        else {
            continue;
        };
        if let Some(Ok(value)) = value.as_str().map(serde_json::from_str) {
            out.push((slot, value));
        }
    }
    out
}

impl PaxosRules for Reference {
    fn promise(promised: Ballot, ballot: Ballot) -> Option<Ballot> {
        synod::may_promise(promised, ballot).then_some(ballot)
    }

    fn may_accept(promised: Ballot, ballot: Ballot) -> bool {
        synod::may_accept(promised, ballot, true)
    }

    fn choose_value(reported: &[(Ballot, Command)]) -> Option<&Command> {
        synod::choose_value(reported, ValueRule::HighestBallot)
    }

    fn is_majority(count: usize, nodes: u32) -> bool {
        synod::is_majority(count, nodes)
    }

    fn store_promise(storage: &mut Storage, promised: Ballot) {
        storage.put(PROMISED_KEY, &promised);
    }

    fn store_accepted(storage: &mut Storage, slot: u64, ballot: Ballot, command: &Command) {
        put_text(storage, &accepted_key(slot), &(ballot, command));
    }

    fn store_round(storage: &mut Storage, round: u64) {
        storage.put(ROUND_KEY, &round);
    }

    fn recover(storage: &Storage) -> Recovered {
        Recovered {
            promised: storage.get::<Ballot>(PROMISED_KEY).unwrap_or_default(),
            round: storage.get::<u64>(ROUND_KEY).unwrap_or(0),
            accepted: load_slots(storage, "accepted").into_iter().collect(),
        }
    }
}

/// [`PaxosRules`] as function pointers, carried in [`super::Params`] so
/// every node calls the implementation the simulation was built with.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// [`PaxosRules::promise`].
    pub promise: fn(Ballot, Ballot) -> Option<Ballot>,
    /// [`PaxosRules::may_accept`].
    pub may_accept: fn(Ballot, Ballot) -> bool,
    /// [`PaxosRules::choose_value`].
    pub choose_value: for<'a> fn(&'a [(Ballot, Command)]) -> Option<&'a Command>,
    /// [`PaxosRules::is_majority`].
    pub is_majority: fn(usize, u32) -> bool,
    /// [`PaxosRules::store_promise`].
    pub store_promise: fn(&mut Storage, Ballot),
    /// [`PaxosRules::store_accepted`].
    pub store_accepted: fn(&mut Storage, u64, Ballot, &Command),
    /// [`PaxosRules::store_round`].
    pub store_round: fn(&mut Storage, u64),
    /// [`PaxosRules::recover`].
    pub recover: fn(&Storage) -> Recovered,
}

impl Hooks {
    /// The hooks of `R`.
    pub fn of<R: PaxosRules>() -> Self {
        Hooks {
            promise: R::promise,
            may_accept: R::may_accept,
            choose_value: R::choose_value,
            is_majority: R::is_majority,
            store_promise: R::store_promise,
            store_accepted: R::store_accepted,
            store_round: R::store_round,
            recover: R::recover,
        }
    }

    /// These hooks with the rules of the parts named in `parts` (`"A"`:
    /// promise; `"B"`: may_accept; `"C"`: choose_value, is_majority;
    /// `"D"`: store_promise, store_accepted, store_round, recover) replaced
    /// by the reference's.
    pub fn given(mut self, parts: &[String]) -> Self {
        let reference = Hooks::of::<Reference>();
        for part in parts {
            match part.as_str() {
                "A" => self.promise = reference.promise,
                "B" => self.may_accept = reference.may_accept,
                "C" => {
                    self.choose_value = reference.choose_value;
                    self.is_majority = reference.is_majority;
                }
                "D" => {
                    self.store_promise = reference.store_promise;
                    self.store_accepted = reference.store_accepted;
                    self.store_round = reference.store_round;
                    self.recover = reference.recover;
                }
                _ => {}
            }
        }
        self
    }
}

/// The parts of [`PaxosRules`], for [`Hooks::given`].
pub const PARTS: [&str; 4] = ["A", "B", "C", "D"];

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

/// Build a Paxos simulation whose nodes follow `R`'s rules: the
/// `[protocol]` parameters of `paxos` (bug switches act in the nodes'
/// plumbing; `given_parts` puts the reference's rules in for those parts)
/// and every check of the protocol.
pub fn build_lab<R: PaxosRules>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    let mut params = params(scenario)?;
    params.hooks = Hooks::of::<R>().given(&params.given_parts);
    Ok(Box::new(
        configured_with(params, scenario, options)?.build(),
    ))
}
