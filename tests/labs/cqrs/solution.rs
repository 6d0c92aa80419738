// SOLUTION FILE: lab 10's skeleton with every todo!() filled in, a test
// SOLUTION FILE: fixture (tests/labs/cqrs.rs grades it). The skeleton,
// SOLUTION FILE: labs/10-event-sourcing/src/lib.rs, is this file with these
// SOLUTION FILE: lines dropped and each `// SOLUTION:` ... `// END` block cut
// SOLUTION FILE: to its comment and a todo!(); regenerate it with
// SOLUTION FILE: DISTLAB_BLESS=1 cargo test --test labs_05_10 cqrs::the_skeleton
//! Lab 10: event sourcing and CQRS — your aggregate, projection and outbox.
//!
//! Read `labs/10-event-sourcing/README.md` first: it explains the system
//! (event store and relay, broker, command handlers, projections), the rules
//! R1..R8 that the comments below refer to, and the parts.
//!
//! The nodes are given (they are the reference's, `distlab::protocols::cqrs`);
//! they call the eight functions below at the points where the rules apply.
//! Fill in every `todo!()`; each says what goes there.
//!
//! Run your code: `cargo run --release -p lab-10-event-sourcing -- tui scenarios/es-basic.toml`.
//! Grade it: `cargo run --release -- lab check 10`.

// The `todo!()`s leave parameters and imports unused until you fill them in.
#![allow(unused_variables, unused_imports, unreachable_code)]

use distlab::labs::cqrs::{event_key, outbox_key, snapshot_key, CqrsParts, MODEL_KEY};
use distlab::protocols::cqrs::events::DEFAULT_CURRENCY;
use distlab::protocols::cqrs::{
    Account, AccountState, Command, Payload, ProjectionState, Snapshot, StoredEvent,
};
use distlab::storage::Storage;
use std::collections::BTreeMap;

/// Your rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct EventSourcing;

impl CqrsParts for EventSourcing {
    fn rebuild(
        account: Account,
        snapshot: Option<&Snapshot>,
        events: &[StoredEvent],
    ) -> AccountState {
        // SOLUTION: R1 (part A): start from the snapshot (a copy) or from `AccountState::new(account)`; fold in, in order, every event whose version is above the state's version with `state.apply_stored(e)` (it upcasts v1 events and sets the version); skip the others.
        let mut state = snapshot
            .cloned()
            .unwrap_or_else(|| AccountState::new(account));
        for e in events {
            if e.version > state.version {
                state.apply_stored(e);
            }
        }
        state
        // END
    }

    fn decide(state: &AccountState, command: &Command, write_v1: bool) -> Result<Payload, String> {
        // SOLUTION: R2 (part A): refuse (Err with a reason) a deposit or withdrawal of a non-positive amount and a withdrawal above `state.balance`; otherwise the event: `Payload::WithdrawnV1 { amount }`, or for a deposit `Payload::DepositedV1 { amount }` if `write_v1` (an old writer) else `Payload::DepositedV2 { amount, currency: DEFAULT_CURRENCY.to_string() }`.
        match *command {
            Command::Deposit { amount } | Command::Withdraw { amount } if amount <= 0 => {
                Err(format!("amount {amount}: must be positive"))
            }
            Command::Deposit { amount } if write_v1 => Ok(Payload::DepositedV1 { amount }),
            Command::Deposit { amount } => Ok(Payload::DepositedV2 {
                amount,
                currency: DEFAULT_CURRENCY.to_string(),
            }),
            Command::Withdraw { amount } if amount > state.balance => Err(format!(
                "insufficient funds: balance {} < {amount} at v{}",
                state.balance, state.version
            )),
            Command::Withdraw { amount } => Ok(Payload::WithdrawnV1 { amount }),
        }
        // END
    }

    fn append_allowed(current: u64, expected: u64) -> bool {
        // SOLUTION: R3 (part A): optimistic concurrency: the store appends only if the stream is still at the version the command was validated against (`expected`); otherwise the handler gets `Conflict`, reloads and decides again.
        current == expected
        // END
    }

    fn should_apply(last_applied: u64, version: u64) -> bool {
        // SOLUTION: R4 (part B): delivery is at least once: apply an event only if its version is above the stream's last applied version in the read model; an event at or below it was applied already (a redelivery or a duplicate in the log).
        version > last_applied
        // END
    }

    fn persist(storage: &mut Storage, state: &ProjectionState) {
        // SOLUTION: R5 (part B): put the whole state (read model, last applied versions, processed offsets) under `MODEL_KEY` and sync, so they are durable together before any offset is committed.
        storage.put(MODEL_KEY, state);
        storage.sync();
        // END
    }

    fn offsets_to_commit(
        processed: &BTreeMap<u32, u64>,
        received: &BTreeMap<u32, u64>,
    ) -> Vec<(u32, u64)> {
        // SOLUTION: R6 (part B): commit only what is processed and persisted: each partition's processed offset. A received batch may still be lost in a crash; committing its offsets would skip it forever.
        processed.iter().map(|(&p, &o)| (p, o)).collect()
        // END
    }

    fn write_append(storage: &mut Storage, event: &StoredEvent, snapshot: Option<&Snapshot>) {
        // SOLUTION: R7 (part C): the transactional outbox: put the event under `event_key(event.account, event.version)`, its outbox entry `()` under `outbox_key(event.position)` and the snapshot if any under `snapshot_key(account)`, then sync once: durable together or not at all.
        storage.put(&event_key(event.account, event.version), event);
        storage.put(&outbox_key(event.position), &());
        if let Some(s) = snapshot {
            storage.put(&snapshot_key(s.account), s);
        }
        storage.sync();
        // END
    }

    fn outbox_done(storage: &mut Storage, positions: &[u64]) {
        // SOLUTION: R8 (part C): the broker has these events: remove their outbox entries (`outbox_key`) and sync. Never remove one earlier: until the ack, a crash must leave it for the restarted relay to publish again.
        for &p in positions {
            storage.remove(&outbox_key(p));
        }
        storage.sync();
        // END
    }
}
