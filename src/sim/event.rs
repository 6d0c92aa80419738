//! The event queue: a binary heap ordered by (time, seq).
//!
//! `seq` is a counter assigned when an event is scheduled, so events at the
//! same time run in the order they were scheduled: ties break deterministically.

use super::ids::{ClientId, NodeId, TimerId};
use super::node::{Node, Reply, Request};
use super::SimTime;
use crate::faults::FaultAction;
use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// Something that will happen.
#[derive(Clone, Debug)]
pub(crate) enum Event<N: Node> {
    Start(NodeId),
    Deliver {
        from: NodeId,
        to: NodeId,
        msg_id: u64,
        sent_at: SimTime,
        msg: N::Msg,
    },
    Timer {
        node: NodeId,
        id: TimerId,
        incarnation: u32,
        local_deadline: SimTime,
        timer: N::Timer,
    },
    Request {
        node: NodeId,
        msg_id: u64,
        request: Box<Request>,
    },
    Reply {
        node: NodeId,
        client: ClientId,
        msg_id: u64,
        request_id: u64,
        reply: Box<Reply>,
    },
    ClientWake(ClientId),
    ClientTimeout {
        client: ClientId,
        request_id: u64,
    },
    Fault(Box<FaultAction>),
    NemesisTick,
    NemesisUndo(Box<FaultAction>),
    Settle,
}

impl<N: Node> Event<N> {
    /// True for messages and client traffic on the wire.
    pub(crate) fn is_in_flight(&self) -> bool {
        matches!(
            self,
            Event::Deliver { .. } | Event::Request { .. } | Event::Reply { .. }
        )
    }
}

#[derive(Clone, Debug)]
pub(crate) struct Scheduled<N: Node> {
    pub(crate) at: SimTime,
    pub(crate) seq: u64,
    pub(crate) event: Event<N>,
}

impl<N: Node> PartialEq for Scheduled<N> {
    fn eq(&self, other: &Self) -> bool {
        self.at == other.at && self.seq == other.seq
    }
}
impl<N: Node> Eq for Scheduled<N> {}
impl<N: Node> PartialOrd for Scheduled<N> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<N: Node> Ord for Scheduled<N> {
    /// Reversed, so the max-heap pops the earliest (time, seq).
    fn cmp(&self, other: &Self) -> Ordering {
        (other.at, other.seq).cmp(&(self.at, self.seq))
    }
}

/// The pending events.
#[derive(Clone, Debug)]
pub(crate) struct Queue<N: Node> {
    heap: BinaryHeap<Scheduled<N>>,
    seq: u64,
}

impl<N: Node> Default for Queue<N> {
    fn default() -> Self {
        Queue {
            heap: BinaryHeap::new(),
            seq: 0,
        }
    }
}

impl<N: Node> Queue<N> {
    pub(crate) fn push(&mut self, at: SimTime, event: Event<N>) {
        let seq = self.seq;
        self.seq += 1;
        self.heap.push(Scheduled { at, seq, event });
    }

    pub(crate) fn pop(&mut self) -> Option<Scheduled<N>> {
        self.heap.pop()
    }

    pub(crate) fn peek_time(&self) -> Option<SimTime> {
        self.heap.peek().map(|s| s.at)
    }

    /// Every queued event, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Scheduled<N>> {
        self.heap.iter()
    }

    pub(crate) fn len(&self) -> usize {
        self.heap.len()
    }

    /// Re-time every queued event that `retime` returns a new time for,
    /// keeping each event's seq (rare: clock jumps).
    pub(crate) fn retime(&mut self, mut retime: impl FnMut(&Event<N>) -> Option<SimTime>) {
        let mut items = std::mem::take(&mut self.heap).into_vec();
        for item in &mut items {
            if let Some(at) = retime(&item.event) {
                item.at = at;
            }
        }
        self.heap = BinaryHeap::from(items);
    }
}
