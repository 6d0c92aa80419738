//! The rules lab 10 hands to the student, as pure functions the nodes call
//! through [`Hooks`]: the aggregate (rebuild, decide), the store's
//! expected-version rule, the projection's idempotency and persistence, and
//! the outbox writes. [`Reference`] is this protocol's own implementation;
//! a lab build swaps in the student's ([`Hooks::of`]). Bug switches stay in
//! the nodes' plumbing and override the hooks where they act.

use super::aggregate::{AccountState, Command, Snapshot};
use super::events::{Account, Payload, StoredEvent};
use super::projection::ProjectionState;
use crate::storage::Storage;
use std::collections::BTreeMap;

/// Storage key of an event: `ev/AAAA/VVVVVVVV`.
pub fn event_key(account: Account, version: u64) -> String {
    format!("ev/{account:04}/{version:08}")
}

/// Storage key of an outbox entry (the event at store `position` is not yet
/// published): `out/PPPPPPPPPP`, value `()`.
pub fn outbox_key(position: u64) -> String {
    format!("out/{position:010}")
}

/// Storage key of a stream's latest snapshot: `snap/AAAA`.
pub fn snapshot_key(account: Account) -> String {
    format!("snap/{account:04}")
}

/// Storage key of a projection's persisted state ([`ProjectionState`]).
pub const MODEL_KEY: &str = "model";

/// The parts of event sourcing, CQRS and the outbox that lab 10's student
/// writes; every function is pure apart from the storage it is handed.
pub trait CqrsParts: 'static {
    /// Part A: `account`'s state from its latest snapshot (if any) and the
    /// events after it, folded in version order; events at or below the
    /// snapshot's version are skipped. Events may be schema v1 (upcast them).
    fn rebuild(
        account: Account,
        snapshot: Option<&Snapshot>,
        events: &[StoredEvent],
    ) -> AccountState;

    /// Part A: validate `command` against `state`: the event to append
    /// (deposits in schema v1 if `write_v1`, else v2 in the default
    /// currency), or why it is refused.
    fn decide(state: &AccountState, command: &Command, write_v1: bool) -> Result<Payload, String>;

    /// Part A: may the store append an event validated against version
    /// `expected` to a stream now at version `current`?
    fn append_allowed(current: u64, expected: u64) -> bool;

    /// Part B: should a projection apply an event of version `version` to a
    /// stream whose last applied version is `last_applied`?
    fn should_apply(last_applied: u64, version: u64) -> bool;

    /// Part B: persist a projection's state (read model, last applied
    /// versions, processed offsets) under [`MODEL_KEY`], durably.
    fn persist(storage: &mut Storage, state: &ProjectionState);

    /// Part B: the offsets to commit to the broker, per partition, given
    /// the offsets processed (and persisted) and the offsets received
    /// (fetched, maybe not yet processed).
    fn offsets_to_commit(
        processed: &BTreeMap<u32, u64>,
        received: &BTreeMap<u32, u64>,
    ) -> Vec<(u32, u64)>;

    /// Part C: write an appended event, its outbox entry and the stream's
    /// new snapshot (if one is due), durably and together.
    fn write_append(storage: &mut Storage, event: &StoredEvent, snapshot: Option<&Snapshot>);

    /// Part C: the broker has acknowledged the events at these store
    /// positions: delete their outbox entries, durably.
    fn outbox_done(storage: &mut Storage, positions: &[u64]);
}

/// This protocol's own implementation of [`CqrsParts`].
#[derive(Clone, Copy, Debug, Default)]
pub struct Reference;

impl CqrsParts for Reference {
    fn rebuild(
        account: Account,
        snapshot: Option<&Snapshot>,
        events: &[StoredEvent],
    ) -> AccountState {
        AccountState::rebuild(account, snapshot, events)
    }

    fn decide(state: &AccountState, command: &Command, write_v1: bool) -> Result<Payload, String> {
        state.decide(command, write_v1)
    }

    fn append_allowed(current: u64, expected: u64) -> bool {
        current == expected
    }

    fn should_apply(last_applied: u64, version: u64) -> bool {
        version > last_applied
    }

    fn persist(storage: &mut Storage, state: &ProjectionState) {
        storage.put(MODEL_KEY, state);
        storage.sync();
    }

    fn offsets_to_commit(
        processed: &BTreeMap<u32, u64>,
        _received: &BTreeMap<u32, u64>,
    ) -> Vec<(u32, u64)> {
        processed.iter().map(|(&p, &o)| (p, o)).collect()
    }

    fn write_append(storage: &mut Storage, event: &StoredEvent, snapshot: Option<&Snapshot>) {
        storage.put(&event_key(event.account, event.version), event);
        storage.put(&outbox_key(event.position), &());
        if let Some(s) = snapshot {
            storage.put(&snapshot_key(s.account), s);
        }
        storage.sync();
    }

    fn outbox_done(storage: &mut Storage, positions: &[u64]) {
        for &p in positions {
            storage.remove(&outbox_key(p));
        }
        storage.sync();
    }
}

/// Offsets by partition.
type Offsets = BTreeMap<u32, u64>;

/// [`CqrsParts`] as function pointers, carried in [`super::Params`] so every
/// node calls the implementation the simulation was built with.
#[derive(Clone, Copy)]
pub struct Hooks {
    /// [`CqrsParts::rebuild`].
    pub rebuild: fn(Account, Option<&Snapshot>, &[StoredEvent]) -> AccountState,
    /// [`CqrsParts::decide`].
    pub decide: fn(&AccountState, &Command, bool) -> Result<Payload, String>,
    /// [`CqrsParts::append_allowed`].
    pub append_allowed: fn(u64, u64) -> bool,
    /// [`CqrsParts::should_apply`].
    pub should_apply: fn(u64, u64) -> bool,
    /// [`CqrsParts::persist`].
    pub persist: fn(&mut Storage, &ProjectionState),
    /// [`CqrsParts::offsets_to_commit`].
    pub offsets_to_commit: fn(&Offsets, &Offsets) -> Vec<(u32, u64)>,
    /// [`CqrsParts::write_append`].
    pub write_append: fn(&mut Storage, &StoredEvent, Option<&Snapshot>),
    /// [`CqrsParts::outbox_done`].
    pub outbox_done: fn(&mut Storage, &[u64]),
}

impl Hooks {
    /// The hooks of `P`.
    pub fn of<P: CqrsParts>() -> Self {
        Hooks {
            rebuild: P::rebuild,
            decide: P::decide,
            append_allowed: P::append_allowed,
            should_apply: P::should_apply,
            persist: P::persist,
            offsets_to_commit: P::offsets_to_commit,
            write_append: P::write_append,
            outbox_done: P::outbox_done,
        }
    }
}

/// The parts of [`CqrsParts`], for [`Hooks::given`].
pub const PARTS: [&str; 3] = ["A", "B", "C"];

impl Hooks {
    /// These hooks with the rules of the parts named in `parts` (`"A"`:
    /// rebuild, decide, append_allowed; `"B"`: should_apply, persist,
    /// offsets_to_commit; `"C"`: write_append, outbox_done) replaced by the
    /// reference's.
    pub fn given(mut self, parts: &[String]) -> Self {
        let reference = Hooks::of::<Reference>();
        for part in parts {
            match part.as_str() {
                "A" => {
                    self.rebuild = reference.rebuild;
                    self.decide = reference.decide;
                    self.append_allowed = reference.append_allowed;
                }
                "B" => {
                    self.should_apply = reference.should_apply;
                    self.persist = reference.persist;
                    self.offsets_to_commit = reference.offsets_to_commit;
                }
                "C" => {
                    self.write_append = reference.write_append;
                    self.outbox_done = reference.outbox_done;
                }
                _ => {}
            }
        }
        self
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
