//! Lab 11: leases and fencing tokens — your lock service, storage and holder rules.
//!
//! Read `labs/11-leases-fencing/README.md` first: it explains the system (a
//! lock service, a storage, lock holders that write under the lock), the
//! rules R1..R7 that the comments below refer to, and the parts.
//!
//! The nodes are given (they are the reference's,
//! `distlab::protocols::lock_service`); they call the seven functions below
//! at the points where the rules apply. Fill in every `todo!()`; each says
//! what goes there.
//!
//! Run your code: `cargo run --release -p lab-11-leases-fencing -- tui scenarios/lock-pause-fencing.toml`.
//! Grade it: `cargo run --release -- lab check 11`.

// The `todo!()`s leave parameters and imports unused until you fill them in.
#![allow(unused_variables, unused_imports, unreachable_code)]

use distlab::labs::leases::{Acquire, Lease, LeaseRules, TOKEN_KEY};
use distlab::sim::{NodeId, SimTime};
use distlab::storage::Storage;

/// Your rules.
#[derive(Clone, Copy, Debug, Default)]
pub struct Leases;

impl LeaseRules for Leases {
    fn acquire(lease: Option<&Lease>, asker: NodeId, now: SimTime) -> Acquire {
        // R1 (part A): the lease rule. `Again` if `asker` holds a lease that
        // has not expired (`now < lease.expires`: a retransmitted request gets
        // the same token back), `Busy` if someone else holds one that has not
        // expired, and `Grant` otherwise: no lease, or an expired one (an
        // expired lease belongs to nobody, whoever held it).
        todo!("lab 11, R1 (part A): see the comment above")
    }

    fn renew(lease: Option<&Lease>, asker: NodeId, token: u64, now: SimTime) -> bool {
        // R2 (part A): renew only the current lease, for its holder and its
        // token, while it runs (`now < lease.expires`); refuse anything else, a
        // renewal that comes after expiry too: the lock may be promised to
        // someone else by now.
        todo!("lab 11, R2 (part A): see the comment above")
    }

    fn next_token(storage: &mut Storage, last: u64) -> u64 {
        // R3 (part B): the token of a new grant is `last + 1`. Put it in
        // `storage` under `TOKEN_KEY` and `sync()` before you return it: the
        // grant leaves right after, and a restarted service must never issue it
        // again.
        todo!("lab 11, R3 (part B): see the comment above")
    }

    fn recover_token(storage: &Storage) -> Option<u64> {
        // R4 (part B): at a restart of the service, the last token it issued:
        // read it back from `storage` (`storage.get(TOKEN_KEY)`); `None` on its
        // very first start.
        todo!("lab 11, R4 (part B): see the comment above")
    }

    fn accept_write(highest: u64, token: u64) -> bool {
        // R5 (part C): the fencing check. Accept a write unless its token is
        // older (lower) than the highest token already accepted; a holder
        // writes several times under one token, so an equal token is current.
        todo!("lab 11, R5 (part C): see the comment above")
    }

    fn lease_end(sent_at: SimTime, lease: SimTime) -> SimTime {
        // R6 (part D): on the holder's clock, when the lease ends. The service
        // started it when the request arrived, which the holder cannot know; it
        // knows when it sent the request (`sent_at`), which was earlier: count
        // `lease` from there.
        todo!("lab 11, R6 (part D): see the comment above")
    }

    fn may_start_write(now: SimTime, lease_end: SimTime, work: SimTime) -> bool {
        // R7 (part D): start a write only if it will be sent well before the
        // lease ends: it takes `work` to produce and goes out without another
        // look at the lease, and clocks drift; leave as much again as a margin:
        // `now + 2 × work` strictly before `lease_end`.
        todo!("lab 11, R7 (part D): see the comment above")
    }
}
