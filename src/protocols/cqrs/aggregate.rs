//! The command side's aggregate: a bank account, rebuilt from its events
//! (or a snapshot and the events after it), validating commands.

use super::events::{Account, Event, Payload, StoredEvent};
use serde::{Deserialize, Serialize};

/// A command on an account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Command {
    /// Put money in.
    Deposit {
        /// Amount (positive).
        amount: i64,
    },
    /// Take money out; refused if the balance would go negative.
    Withdraw {
        /// Amount (positive).
        amount: i64,
    },
}

/// An account's state, as of a version of its stream.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountState {
    /// The account.
    pub account: Account,
    /// The stream version this state includes (0: no events).
    pub version: u64,
    /// Balance.
    pub balance: i64,
}

/// An aggregate snapshot: the state at a version, so that loading needs only
/// the events after it.
pub type Snapshot = AccountState;

impl AccountState {
    /// A fresh account.
    pub fn new(account: Account) -> Self {
        AccountState {
            account,
            version: 0,
            balance: 0,
        }
    }

    /// Fold one event (the current model) in.
    pub fn apply(&mut self, version: u64, event: &Event) {
        self.balance += event.delta();
        self.version = version;
    }

    /// Fold a stored event in (upcasting it: only the upcast event's
    /// change to the balance counts, [`Payload::delta`]).
    pub fn apply_stored(&mut self, event: &StoredEvent) {
        self.balance += event.payload.delta();
        self.version = event.version;
    }

    /// The state from a snapshot (or nothing) and the events after it.
    /// Events at or below the snapshot's version are skipped.
    pub fn rebuild(account: Account, snapshot: Option<&Snapshot>, events: &[StoredEvent]) -> Self {
        let mut state = snapshot
            .cloned()
            .unwrap_or_else(|| AccountState::new(account));
        for e in events {
            if e.version > state.version {
                state.apply_stored(e);
            }
        }
        state
    }

    /// Validate `command` against this state: the event to append, written
    /// with schema v1 or v2 for deposits, or why it is refused.
    pub fn decide(&self, command: &Command, write_v1: bool) -> Result<Payload, String> {
        match *command {
            Command::Deposit { amount } if amount <= 0 => {
                Err(format!("deposit of {amount}: must be positive"))
            }
            Command::Deposit { amount } if write_v1 => Ok(Payload::DepositedV1 { amount }),
            Command::Deposit { amount } => Ok(Payload::DepositedV2 {
                amount,
                currency: super::events::DEFAULT_CURRENCY.to_string(),
            }),
            Command::Withdraw { amount } if amount <= 0 => {
                Err(format!("withdrawal of {amount}: must be positive"))
            }
            Command::Withdraw { amount } if amount > self.balance => Err(format!(
                "insufficient funds: balance {} < {amount} at v{}",
                self.balance, self.version
            )),
            Command::Withdraw { amount } => Ok(Payload::WithdrawnV1 { amount }),
        }
    }
}
