//! The outbox relay, inside the store's node: publishes outbox entries to
//! the broker, one batch per partition in flight at a time, so that a
//! partition's log receives each stream's events in order. A batch is resent
//! (possibly grown) until the broker acknowledges it; the entries are then
//! deleted from the outbox. A crash between publishing and deleting only
//! republishes: duplicates in the log, for the consumers to suppress.

use super::events::StoredEvent;
use super::{CqrsNode, Msg, Params, BROKER};
use crate::sim::{Ctx, SimTime};
use std::collections::BTreeMap;

/// A batch waiting for the broker's acknowledgement.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InFlight {
    /// Store position of the batch's first record.
    pub first_position: u64,
    /// Store position of the batch's last record.
    pub last_position: u64,
    /// Local time it was (last) sent.
    pub sent_at: SimTime,
}

/// The relay's volatile state.
#[derive(Clone, Debug, Default)]
pub struct Relay {
    /// The batch in flight per partition.
    pub in_flight: BTreeMap<u32, InFlight>,
    /// Publish messages sent (resends included).
    pub publishes: u64,
}

impl Relay {
    /// Publish `records` (the partition's oldest outbox entries) unless a
    /// batch is in flight and not yet due for a resend.
    pub(crate) fn publish(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        partition: u32,
        records: Vec<StoredEvent>,
    ) {
        let (Some(first), Some(last)) = (records.first(), records.last()) else {
            self.in_flight.remove(&partition);
            return;
        };
        let now = ctx.now();
        if let Some(f) = self.in_flight.get(&partition) {
            let due = now.saturating_sub(f.sent_at) >= params.retry;
            if !due {
                return;
            }
            ctx.log(format!(
                "relay resend p{partition} from position {} (no ack)",
                first.position
            ));
        } else {
            ctx.log(format!(
                "relay publish p{partition} positions {}..={}",
                first.position, last.position
            ));
        }
        self.in_flight.insert(
            partition,
            InFlight {
                first_position: first.position,
                last_position: last.position,
                sent_at: now,
            },
        );
        self.publishes += 1;
        ctx.send(BROKER, Msg::Publish { partition, records });
    }

    /// The broker has everything of `partition` up to `last_position`.
    pub(crate) fn acked(&mut self, partition: u32, last_position: u64) {
        if self
            .in_flight
            .get(&partition)
            .is_some_and(|f| last_position >= f.last_position)
        {
            self.in_flight.remove(&partition);
        }
    }
}
