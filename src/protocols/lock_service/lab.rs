//! The rules lab 11 (leases and fencing) hands to the student, as small
//! pure functions the lock service's own nodes call through [`Hooks`]:
//! the service's lease rules (part A), its fencing tokens (part B), the
//! storage's fencing check (part C) and the holder's own view of its lease
//! (part D). [`Reference`] is this protocol's implementation; a lab build
//! ([`build_lab`]) swaps in the student's ([`Hooks::of`]). Bug switches stay
//! in the nodes' plumbing and override the hooks where they act.
//!
//! The lab build adds three checks to the protocol's four:
//! - `expired-leases-give-way` (always): the service never turns an asker
//!   away while the lock is free or its lease has expired on the service's
//!   clock (a lease that never expires keeps a dead holder's lock forever);
//! - `no-false-fencing` (always): the storage rejects a write only if it
//!   has accepted a higher token before (a storage that turns away current
//!   writes is not fencing, it is broken);
//! - `leases-alone-suffice` (always, judged only in a run without pauses,
//!   clock jumps or a nemesis): the storage never has to fence a write.
//!   While holders run and clocks only drift, leases alone keep the holders
//!   apart: a service that grants a held lease, or a holder that writes
//!   past its lease (no margin for drift), shows up as a fenced write.

use super::scenario::{check_nodes, params, FACTS};
use super::{builder, Lease, LockNode, SERVICE, STORAGE};
use crate::scenario::engine::{configure, BuildOptions};
use crate::scenario::{FaultAction, Scenario, ScenarioError};
use crate::sim::{DynSim, Monitor, NodeId, Sim, SimTime};
use crate::storage::Storage;

/// Storage key of the service's last issued token (the reference's).
pub const TOKEN_KEY: &str = "token";

/// The service's answer to a request for the lock ([`LeaseRules::acquire`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Acquire {
    /// A new grant: the next token, a fresh lease.
    Grant,
    /// The asker holds the lease already (its request is a retransmission):
    /// the same token again, the lease extended.
    Again,
    /// Someone else holds a lease that has not expired: the asker waits.
    Busy,
}

/// The rules lab 11's student writes; every function is pure apart from
/// the storage it is handed.
pub trait LeaseRules: 'static {
    /// Part A: the service's answer to `asker`'s request for the lock at
    /// `now` (the service's clock), given the current `lease` (if any).
    fn acquire(lease: Option<&Lease>, asker: NodeId, now: SimTime) -> Acquire;

    /// Part A: may `asker` renew the lease of `token` at `now` (the
    /// service's clock)? If so, the service extends it by the lease length.
    fn renew(lease: Option<&Lease>, asker: NodeId, token: u64, now: SimTime) -> bool;

    /// Part B: the token of a new grant, after `last`; durable in `storage`
    /// before it is returned (the grant is sent right after).
    fn next_token(storage: &mut Storage, last: u64) -> u64;

    /// Part B: after a restart of the service, the last token it issued
    /// (from `storage`), or `None` on its first start.
    fn recover_token(storage: &Storage) -> Option<u64>;

    /// Part C: may the storage, which has accepted tokens up to `highest`,
    /// accept a write under `token`?
    fn accept_write(highest: u64, token: u64) -> bool;

    /// Part D: on the holder's clock, when its lease ends, given when it
    /// sent the request that was granted or renewed (`sent_at`) and the
    /// lease length.
    fn lease_end(sent_at: SimTime, lease: SimTime) -> SimTime;

    /// Part D: may a holder whose lease ends at `lease_end` (its clock)
    /// start a write at `now` (its clock) that takes `work` to produce?
    fn may_start_write(now: SimTime, lease_end: SimTime, work: SimTime) -> bool;
}

/// This protocol's own implementation of [`LeaseRules`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl LeaseRules for Reference {
    fn acquire(lease: Option<&Lease>, asker: NodeId, now: SimTime) -> Acquire {
        match lease {
            Some(l) if now < l.expires && l.holder == asker => Acquire::Again,
            Some(l) if now < l.expires => Acquire::Busy,
            _ => Acquire::Grant,
        }
    }

    fn renew(lease: Option<&Lease>, asker: NodeId, token: u64, now: SimTime) -> bool {
        lease.is_some_and(|l| l.holder == asker && l.token == token && now < l.expires)
    }

    fn next_token(storage: &mut Storage, last: u64) -> u64 {
        let token = last + 1;
        storage.put(TOKEN_KEY, &token);
        storage.sync();
        token
    }

    fn recover_token(storage: &Storage) -> Option<u64> {
        storage.get(TOKEN_KEY)
    }

    fn accept_write(highest: u64, token: u64) -> bool {
        token >= highest
    }

    fn lease_end(sent_at: SimTime, lease: SimTime) -> SimTime {
        sent_at + lease
    }

    fn may_start_write(now: SimTime, lease_end: SimTime, work: SimTime) -> bool {
        now + work + work < lease_end
    }
}

/// [`LeaseRules`] as function pointers, carried in [`super::Params`] so
/// every node calls the implementation the simulation was built with.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// [`LeaseRules::acquire`].
    pub acquire: fn(Option<&Lease>, NodeId, SimTime) -> Acquire,
    /// [`LeaseRules::renew`].
    pub renew: fn(Option<&Lease>, NodeId, u64, SimTime) -> bool,
    /// [`LeaseRules::next_token`].
    pub next_token: fn(&mut Storage, u64) -> u64,
    /// [`LeaseRules::recover_token`].
    pub recover_token: fn(&Storage) -> Option<u64>,
    /// [`LeaseRules::accept_write`].
    pub accept_write: fn(u64, u64) -> bool,
    /// [`LeaseRules::lease_end`].
    pub lease_end: fn(SimTime, SimTime) -> SimTime,
    /// [`LeaseRules::may_start_write`].
    pub may_start_write: fn(SimTime, SimTime, SimTime) -> bool,
}

impl Hooks {
    /// The hooks of `R`.
    pub fn of<R: LeaseRules>() -> Self {
        Hooks {
            acquire: R::acquire,
            renew: R::renew,
            next_token: R::next_token,
            recover_token: R::recover_token,
            accept_write: R::accept_write,
            lease_end: R::lease_end,
            may_start_write: R::may_start_write,
        }
    }

    /// These hooks with the rules of the parts named in `parts` (`"A"`:
    /// acquire, renew; `"B"`: next_token, recover_token; `"C"`:
    /// accept_write; `"D"`: lease_end, may_start_write) replaced by the
    /// reference's.
    pub fn given(mut self, parts: &[String]) -> Self {
        let reference = Hooks::of::<Reference>();
        for part in parts {
            match part.as_str() {
                "A" => {
                    self.acquire = reference.acquire;
                    self.renew = reference.renew;
                }
                "B" => {
                    self.next_token = reference.next_token;
                    self.recover_token = reference.recover_token;
                }
                "C" => self.accept_write = reference.accept_write,
                "D" => {
                    self.lease_end = reference.lease_end;
                    self.may_start_write = reference.may_start_write;
                }
                _ => {}
            }
        }
        self
    }
}

/// The parts of [`LeaseRules`], for [`Hooks::given`].
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

/// Whether `scenario` runs without pauses, clock jumps or strobes and
/// without a nemesis: a run in which `leases-alone-suffice` is judged.
pub fn calm(scenario: &Scenario) -> bool {
    scenario.nemesis.is_none()
        && !scenario.faults.iter().any(|f| {
            matches!(
                f.action,
                FaultAction::Pause { .. }
                    | FaultAction::ClockJump { .. }
                    | FaultAction::ClockStrobe { .. }
            )
        })
}

/// Which rejections of the storage a [`Rejections`] monitor fails on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Judge {
    /// `no-false-fencing`: a rejection of a token at least the highest
    /// accepted.
    #[default]
    Current,
    /// `leases-alone-suffice` in a calm run: every rejection.
    Every,
    /// `leases-alone-suffice` in a run with pauses or clock jumps: none.
    Nothing,
}

/// The lab's two checks on the storage's judgements (one monitor type,
/// two names): `no-false-fencing` and `leases-alone-suffice`.
#[derive(Clone, Debug, Default)]
pub struct Rejections {
    /// What fails.
    pub judge: Judge,
    /// The highest token the storage accepted in the run.
    pub highest: Option<(NodeId, u64)>,
    cursor: usize,
}

impl Rejections {
    fn judge(&self, writer: NodeId, token: u64) -> Result<(), String> {
        let top = self.highest.map_or(0, |h| h.1);
        let by = self
            .highest
            .map_or(String::from("nobody"), |(w, t)| format!("{w} (token {t})"));
        if self.judge == Judge::Nothing {
            return Ok(());
        }
        if self.judge == Judge::Every {
            return Err(format!(
                "n1 fenced off {writer}'s write with token {token} (highest accepted: {by}) in a \
                 run without pauses or clock jumps: the leases alone should have kept the \
                 holders apart (a lease granted while another ran, or a holder writing past \
                 its lease)"
            ));
        }
        if token >= top {
            return Err(format!(
                "n1 rejected {writer}'s write with token {token}, but the highest token it had \
                 accepted is {top} (by {by}): only an older token may be fenced off"
            ));
        }
        Ok(())
    }
}

impl Monitor<LockNode> for Rejections {
    fn after_step(&mut self, sim: &Sim<LockNode>) -> Result<(), String> {
        let Some(storage) = sim.node(STORAGE).and_then(LockNode::as_storage) else {
            self.cursor = 0;
            return Ok(());
        };
        let writes = &storage.ghost.writes;
        if writes.len() < self.cursor {
            self.cursor = 0;
        }
        for &(writer, token, accepted) in &writes[self.cursor..] {
            if accepted {
                if self.highest.is_none_or(|h| token > h.1) {
                    self.highest = Some((writer, token));
                }
            } else {
                self.judge(writer, token)?;
            }
        }
        self.cursor = writes.len();
        Ok(())
    }
}

/// The `expired-leases-give-way` monitor: reads the service's
/// `turned_away` ghost records (a cursor; a restarted service starts over).
#[derive(Clone, Debug, Default)]
pub struct GiveWay {
    cursor: usize,
}

impl Monitor<LockNode> for GiveWay {
    fn after_step(&mut self, sim: &Sim<LockNode>) -> Result<(), String> {
        let Some(service) = sim.node(SERVICE).and_then(LockNode::as_service) else {
            self.cursor = 0;
            return Ok(());
        };
        let turned = &service.ghost.turned_away;
        if turned.len() < self.cursor {
            self.cursor = 0;
        }
        if let Some(&(asker, at, lease)) = turned.get(self.cursor) {
            let why = match lease {
                None => "the lock was free".to_string(),
                Some(l) => format!(
                    "{}'s lease (token {}) had expired at {} on its clock",
                    l.holder, l.token, l.expires
                ),
            };
            return Err(format!(
                "n0 turned {asker} away (Busy) at {at} on its clock, but {why}: an expired \
                 lease must give way to the next asker"
            ));
        }
        Ok(())
    }
}

/// Build a lock-service simulation whose nodes follow `R`'s rules: the
/// `[protocol]` parameters of `lock-service` (bug switches act in the
/// nodes' plumbing; `given_parts` puts the reference's rules in for those
/// parts), every check of the protocol plus `expired-leases-give-way`,
/// `no-false-fencing` and `leases-alone-suffice`.
pub fn build_lab<R: LeaseRules>(
    scenario: &Scenario,
    options: &BuildOptions,
) -> Result<Box<dyn DynSim>, ScenarioError> {
    check_nodes(scenario)?;
    let mut params = params(scenario)?;
    params.hooks = Hooks::of::<R>().given(&params.given_parts);
    let judge = if calm(scenario) {
        Judge::Every
    } else {
        Judge::Nothing
    };
    let b = builder(params, scenario.nodes, scenario.seed)
        .monitor("expired-leases-give-way", GiveWay::default())
        .monitor("no-false-fencing", Rejections::default())
        .monitor(
            "leases-alone-suffice",
            Rejections {
                judge,
                ..Rejections::default()
            },
        );
    Ok(Box::new(
        configure(b, scenario, &FACTS, None, options)?.build(),
    ))
}
