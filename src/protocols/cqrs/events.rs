//! Events as stored (versioned schemas) and as the fold understands them
//! (the latest schema), with the upcaster between the two.
//!
//! Version 1 of `Deposited` had only an amount; version 2 adds the currency.
//! Old writers still write version 1 and the store keeps whatever was written
//! (events are immutable), so every reader goes through [`upcast`]: a v1
//! deposit becomes a v2 deposit in the default currency. The folds
//! ([`Event`] consumers) only know version 2.

use crate::sim::SimTime;
use serde::{Deserialize, Serialize};
use std::fmt;

/// The currency a v1 `Deposited` is assumed to be in.
pub const DEFAULT_CURRENCY: &str = "EUR";

/// An account (an aggregate, and its stream `acct-N`).
pub type Account = u32;

/// The name of an account's stream.
pub fn stream_name(account: Account) -> String {
    format!("acct-{account}")
}

/// An event as written to the store: any schema version ever used.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Payload {
    /// Schema v1: money came in (no currency field).
    DepositedV1 {
        /// Amount.
        amount: i64,
    },
    /// Schema v2: money came in, in a currency.
    DepositedV2 {
        /// Amount.
        amount: i64,
        /// Currency code.
        currency: String,
    },
    /// Schema v1 (the only one): money went out.
    WithdrawnV1 {
        /// Amount.
        amount: i64,
    },
}

impl Payload {
    /// The schema version this payload was written with.
    pub fn schema(&self) -> u8 {
        match self {
            Payload::DepositedV2 { .. } => 2,
            _ => 1,
        }
    }

    /// The change to the balance of the upcast event: `upcast(self).delta()`
    /// without building the event (folds run on every step of a check, and
    /// the upcaster allocates the currency).
    pub fn delta(&self) -> i64 {
        match self {
            Payload::DepositedV1 { amount } | Payload::DepositedV2 { amount, .. } => *amount,
            Payload::WithdrawnV1 { amount } => -amount,
        }
    }
}

/// An event in the current (v2) model: what folds consume.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Event {
    /// Money came in.
    Deposited {
        /// Amount.
        amount: i64,
        /// Currency code.
        currency: String,
    },
    /// Money went out.
    Withdrawn {
        /// Amount.
        amount: i64,
    },
}

impl Event {
    /// The change to the balance.
    pub fn delta(&self) -> i64 {
        match self {
            Event::Deposited { amount, .. } => *amount,
            Event::Withdrawn { amount } => -amount,
        }
    }
}

/// The upcaster: any stored schema to the current model.
pub fn upcast(payload: &Payload) -> Event {
    match payload {
        Payload::DepositedV1 { amount } => Event::Deposited {
            amount: *amount,
            currency: DEFAULT_CURRENCY.to_string(),
        },
        Payload::DepositedV2 { amount, currency } => Event::Deposited {
            amount: *amount,
            currency: currency.clone(),
        },
        Payload::WithdrawnV1 { amount } => Event::Withdrawn { amount: *amount },
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::DepositedV1 { amount } => write!(f, "Deposited({amount})"),
            Payload::DepositedV2 { amount, currency } => {
                write!(f, "Deposited({amount} {currency}, v2)")
            }
            Payload::WithdrawnV1 { amount } => write!(f, "Withdrawn({amount})"),
        }
    }
}

/// A command's identity: the client request that issued it. The store
/// refuses to append the same command twice (a resent append is answered
/// with the original result).
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default,
)]
pub struct CommandId {
    /// The client.
    pub client: u32,
    /// The client's request number.
    pub request: u64,
}

impl fmt::Display for CommandId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "c{}.{}", self.client, self.request)
    }
}

/// An event in the store, with its place in its stream and in the store.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct StoredEvent {
    /// The aggregate (stream).
    pub account: Account,
    /// Position in the stream: 1, 2, 3, ...
    pub version: u64,
    /// The version the writer expected the stream to be at (`version - 1`
    /// when optimistic concurrency holds).
    pub expected: u64,
    /// Position in the whole store (global order of appends): 1, 2, 3, ...
    pub position: u64,
    /// What happened, as written.
    pub payload: Payload,
    /// The command that produced it.
    pub command: CommandId,
    /// The store's clock when it was appended.
    pub appended_at: SimTime,
}

impl StoredEvent {
    /// The event in the current model.
    pub fn event(&self) -> Event {
        upcast(&self.payload)
    }
}

impl fmt::Display for StoredEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} v{} {}",
            stream_name(self.account),
            self.version,
            self.payload
        )
    }
}
