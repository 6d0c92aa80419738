//! Lab 10's cheat catalogue: rules that fake event sourcing and CQRS. Each
//! must score 0 on every part it does not really implement and at most 10%
//! overall (`tests/support/labs/cheats.rs`).

use distlab::labs::cqrs::{CqrsParts, Reference};
use distlab::protocols::cqrs::{
    Account, AccountState, Command, Payload, ProjectionState, Snapshot, StoredEvent,
};
use distlab::storage::Storage;
use std::cell::RefCell;
use std::collections::BTreeMap;

/// Does nothing: every command refused, nothing appended, applied,
/// persisted or committed.
pub struct Idle;
impl CqrsParts for Idle {
    fn rebuild(a: Account, _: Option<&Snapshot>, _: &[StoredEvent]) -> AccountState {
        AccountState::new(a)
    }
    fn decide(_: &AccountState, _: &Command, _: bool) -> Result<Payload, String> {
        Err("no".into())
    }
    fn append_allowed(_: u64, _: u64) -> bool {
        false
    }
    fn should_apply(_: u64, _: u64) -> bool {
        false
    }
    fn persist(_: &mut Storage, _: &ProjectionState) {}
    fn offsets_to_commit(_: &BTreeMap<u32, u64>, _: &BTreeMap<u32, u64>) -> Vec<(u32, u64)> {
        Vec::new()
    }
    fn write_append(_: &mut Storage, _: &StoredEvent, _: Option<&Snapshot>) {}
    fn outbox_done(_: &mut Storage, _: &[u64]) {}
}

/// Hard-codes the answers: a fresh account whatever the store holds, every
/// deposit accepted against it, every append allowed, nothing applied,
/// persisted or written, every received offset committed.
pub struct HardCoded;
impl CqrsParts for HardCoded {
    fn rebuild(a: Account, _: Option<&Snapshot>, _: &[StoredEvent]) -> AccountState {
        AccountState::new(a)
    }
    fn decide(s: &AccountState, c: &Command, v1: bool) -> Result<Payload, String> {
        Reference::decide(s, c, v1)
    }
    fn append_allowed(_: u64, _: u64) -> bool {
        true
    }
    fn should_apply(_: u64, _: u64) -> bool {
        false
    }
    fn persist(_: &mut Storage, _: &ProjectionState) {}
    fn offsets_to_commit(_: &BTreeMap<u32, u64>, r: &BTreeMap<u32, u64>) -> Vec<(u32, u64)> {
        r.iter().map(|(&p, &o)| (p, o)).collect()
    }
    fn write_append(_: &mut Storage, _: &StoredEvent, _: Option<&Snapshot>) {}
    fn outbox_done(_: &mut Storage, _: &[u64]) {}
}

/// An honest aggregate (part A, the reference's rules) whose projection
/// never updates: no event is ever applied to the read model; the rest
/// (persisting, committing offsets, the outbox) as the reference does it.
pub struct FrozenProjection;
impl CqrsParts for FrozenProjection {
    fn rebuild(a: Account, s: Option<&Snapshot>, e: &[StoredEvent]) -> AccountState {
        Reference::rebuild(a, s, e)
    }
    fn decide(s: &AccountState, c: &Command, v1: bool) -> Result<Payload, String> {
        Reference::decide(s, c, v1)
    }
    fn append_allowed(c: u64, e: u64) -> bool {
        Reference::append_allowed(c, e)
    }
    fn should_apply(_: u64, _: u64) -> bool {
        false
    }
    fn persist(st: &mut Storage, s: &ProjectionState) {
        Reference::persist(st, s)
    }
    fn offsets_to_commit(p: &BTreeMap<u32, u64>, r: &BTreeMap<u32, u64>) -> Vec<(u32, u64)> {
        Reference::offsets_to_commit(p, r)
    }
    fn write_append(st: &mut Storage, e: &StoredEvent, s: Option<&Snapshot>) {
        Reference::write_append(st, e, s)
    }
    fn outbox_done(st: &mut Storage, p: &[u64]) {
        Reference::outbox_done(st, p)
    }
}

thread_local! {
    /// What should be durable, kept in a process global instead: the last
    /// persisted projection state and every appended event.
    static DISK: RefCell<(Option<ProjectionState>, Vec<StoredEvent>)> =
        const { RefCell::new((None, Vec::new())) };
}

/// An honest aggregate (part A) that keeps everything durable in a
/// `thread_local` instead of `storage`: the projection's state and the
/// appended events and outbox entries never reach the disk.
pub struct Global;
impl CqrsParts for Global {
    fn rebuild(a: Account, s: Option<&Snapshot>, e: &[StoredEvent]) -> AccountState {
        Reference::rebuild(a, s, e)
    }
    fn decide(s: &AccountState, c: &Command, v1: bool) -> Result<Payload, String> {
        Reference::decide(s, c, v1)
    }
    fn append_allowed(c: u64, e: u64) -> bool {
        Reference::append_allowed(c, e)
    }
    fn should_apply(l: u64, v: u64) -> bool {
        Reference::should_apply(l, v)
    }
    fn persist(_: &mut Storage, s: &ProjectionState) {
        DISK.with(|d| d.borrow_mut().0 = Some(s.clone()));
    }
    fn offsets_to_commit(p: &BTreeMap<u32, u64>, r: &BTreeMap<u32, u64>) -> Vec<(u32, u64)> {
        Reference::offsets_to_commit(p, r)
    }
    fn write_append(_: &mut Storage, e: &StoredEvent, _: Option<&Snapshot>) {
        DISK.with(|d| d.borrow_mut().1.push(e.clone()));
    }
    fn outbox_done(_: &mut Storage, _: &[u64]) {}
}
