//! Lab 11's cheat catalogue: rules that fake leases and fencing. Each must
//! score 0 on every part it does not really implement and at most 10%
//! overall (`tests/support/labs/cheats.rs`).

use distlab::labs::leases::{Acquire, Lease, LeaseRules, Reference};
use distlab::sim::{NodeId, SimTime};
use distlab::storage::Storage;
use std::cell::Cell;

/// Does nothing: never grants, never renews, accepts no write, never
/// starts one.
pub struct Idle;
impl LeaseRules for Idle {
    fn acquire(_: Option<&Lease>, _: NodeId, _: SimTime) -> Acquire {
        Acquire::Busy
    }
    fn renew(_: Option<&Lease>, _: NodeId, _: u64, _: SimTime) -> bool {
        false
    }
    fn next_token(_: &mut Storage, last: u64) -> u64 {
        last
    }
    fn recover_token(_: &Storage) -> Option<u64> {
        None
    }
    fn accept_write(_: u64, _: u64) -> bool {
        false
    }
    fn lease_end(sent_at: SimTime, _: SimTime) -> SimTime {
        sent_at
    }
    fn may_start_write(_: SimTime, _: SimTime, _: SimTime) -> bool {
        false
    }
}

/// Hard-codes the answers: always grant, always renew, a counter in
/// memory, every write accepted, a lease that lasts an hour, every write
/// started.
pub struct HardCoded;
impl LeaseRules for HardCoded {
    fn acquire(_: Option<&Lease>, _: NodeId, _: SimTime) -> Acquire {
        Acquire::Grant
    }
    fn renew(_: Option<&Lease>, _: NodeId, _: u64, _: SimTime) -> bool {
        true
    }
    fn next_token(_: &mut Storage, last: u64) -> u64 {
        last + 1
    }
    fn recover_token(_: &Storage) -> Option<u64> {
        None
    }
    fn accept_write(_: u64, _: u64) -> bool {
        true
    }
    fn lease_end(sent_at: SimTime, _: SimTime) -> SimTime {
        sent_at + SimTime::from_secs(3600)
    }
    fn may_start_write(_: SimTime, _: SimTime, _: SimTime) -> bool {
        true
    }
}

/// A lease that never expires: the holder keeps the lock until it
/// releases it (renewals too ignore the time); tokens, fencing and the
/// holder's rules as the reference does them.
pub struct NeverExpires;
impl LeaseRules for NeverExpires {
    fn acquire(lease: Option<&Lease>, asker: NodeId, _: SimTime) -> Acquire {
        match lease {
            Some(l) if l.holder == asker => Acquire::Again,
            Some(_) => Acquire::Busy,
            None => Acquire::Grant,
        }
    }
    fn renew(lease: Option<&Lease>, asker: NodeId, token: u64, _: SimTime) -> bool {
        lease.is_some_and(|l| l.holder == asker && l.token == token)
    }
    fn next_token(storage: &mut Storage, last: u64) -> u64 {
        Reference::next_token(storage, last)
    }
    fn recover_token(storage: &Storage) -> Option<u64> {
        Reference::recover_token(storage)
    }
    fn accept_write(highest: u64, token: u64) -> bool {
        Reference::accept_write(highest, token)
    }
    fn lease_end(sent_at: SimTime, lease: SimTime) -> SimTime {
        Reference::lease_end(sent_at, lease)
    }
    fn may_start_write(now: SimTime, lease_end: SimTime, work: SimTime) -> bool {
        Reference::may_start_write(now, lease_end, work)
    }
}

thread_local! {
    /// The token counter, outside the simulation.
    static LAST_TOKEN: Cell<u64> = const { Cell::new(0) };
}

/// Honest lease rules (the reference's) and everything else too, but the
/// token counter lives in a `thread_local` instead of `storage`: it
/// survives the service's restarts (tokens keep growing) — and leaks from
/// one run into the next.
pub struct Global;
impl LeaseRules for Global {
    fn acquire(lease: Option<&Lease>, asker: NodeId, now: SimTime) -> Acquire {
        Reference::acquire(lease, asker, now)
    }
    fn renew(lease: Option<&Lease>, asker: NodeId, token: u64, now: SimTime) -> bool {
        Reference::renew(lease, asker, token, now)
    }
    fn next_token(_: &mut Storage, _: u64) -> u64 {
        LAST_TOKEN.with(|t| {
            t.set(t.get() + 1);
            t.get()
        })
    }
    fn recover_token(_: &Storage) -> Option<u64> {
        let last = LAST_TOKEN.with(Cell::get);
        (last > 0).then_some(last)
    }
    fn accept_write(highest: u64, token: u64) -> bool {
        Reference::accept_write(highest, token)
    }
    fn lease_end(sent_at: SimTime, lease: SimTime) -> SimTime {
        Reference::lease_end(sent_at, lease)
    }
    fn may_start_write(now: SimTime, lease_end: SimTime, work: SimTime) -> bool {
        Reference::may_start_write(now, lease_end, work)
    }
}

thread_local! {
    /// The lease as the cheat remembers it: holder and expiry (service
    /// clock), outside the simulation.
    static HELD: Cell<Option<(NodeId, SimTime)>> = const { Cell::new(None) };
}

/// Keeps its state in `thread_local`s instead of the nodes and their
/// storage: the lease it granted (ignoring the service's own record, a
/// lease of one second) and the token counter. Each run passes its checks
/// on a fresh thread; the state leaks from one run into the next.
pub struct Globals;
impl LeaseRules for Globals {
    fn acquire(_: Option<&Lease>, asker: NodeId, now: SimTime) -> Acquire {
        let until = now + SimTime::from_secs(1);
        HELD.with(|held| match held.get() {
            Some((holder, end)) if now < end && holder == asker => {
                held.set(Some((asker, until)));
                Acquire::Again
            }
            Some((_, end)) if now < end => Acquire::Busy,
            _ => {
                held.set(Some((asker, until)));
                Acquire::Grant
            }
        })
    }
    fn renew(_: Option<&Lease>, asker: NodeId, _: u64, now: SimTime) -> bool {
        HELD.with(|held| match held.get() {
            Some((holder, end)) if now < end && holder == asker => {
                held.set(Some((asker, now + SimTime::from_secs(1))));
                true
            }
            _ => false,
        })
    }
    fn next_token(storage: &mut Storage, last: u64) -> u64 {
        Global::next_token(storage, last)
    }
    fn recover_token(storage: &Storage) -> Option<u64> {
        Global::recover_token(storage)
    }
    fn accept_write(highest: u64, token: u64) -> bool {
        Reference::accept_write(highest, token)
    }
    fn lease_end(sent_at: SimTime, lease: SimTime) -> SimTime {
        Reference::lease_end(sent_at, lease)
    }
    fn may_start_write(now: SimTime, lease_end: SimTime, work: SimTime) -> bool {
        Reference::may_start_write(now, lease_end, work)
    }
}
