//! A reliable link layer for the clock protocols: sequence numbers,
//! cumulative acknowledgements and retransmission turn a lossy, duplicating,
//! reordering network into exactly-once delivery, optionally in FIFO order
//! per link. (Volatile: the clock protocols do not survive crashes.)

use crate::sim::NodeId;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// What travels on a link.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum LinkMsg<P> {
    /// A payload with its per-link sequence number.
    Data {
        /// Sequence number on this link, from 0.
        seq: u64,
        /// The payload.
        payload: P,
    },
    /// Every sequence number below `next` arrived.
    Ack {
        /// The lowest sequence number not yet received.
        next: u64,
    },
}

#[derive(Clone, Debug)]
struct Outbox<P> {
    next_seq: u64,
    unacked: BTreeMap<u64, P>,
}

#[derive(Clone, Debug, Default)]
struct Inbox<P> {
    next: u64,
    above: BTreeSet<u64>,
    held: BTreeMap<u64, P>,
}

/// Per-peer send and receive state.
#[derive(Clone, Debug)]
pub struct Links<P> {
    fifo: bool,
    out: BTreeMap<NodeId, Outbox<P>>,
    inbound: BTreeMap<NodeId, Inbox<P>>,
}

impl<P: Clone> Links<P> {
    /// Links that deliver in send order per peer when `fifo`.
    pub fn new(fifo: bool) -> Self {
        Links {
            fifo,
            out: BTreeMap::new(),
            inbound: BTreeMap::new(),
        }
    }

    /// Queue `payload` for `to`; returns the message to send now.
    pub fn send(&mut self, to: NodeId, payload: P) -> LinkMsg<P> {
        let out = self.out.entry(to).or_insert_with(|| Outbox {
            next_seq: 0,
            unacked: BTreeMap::new(),
        });
        let seq = out.next_seq;
        out.next_seq += 1;
        out.unacked.insert(seq, payload.clone());
        LinkMsg::Data { seq, payload }
    }

    /// Handle a link message from `from`: the payloads now deliverable (each
    /// exactly once) and the acknowledgement to send back, if any.
    pub fn receive(&mut self, from: NodeId, msg: LinkMsg<P>) -> (Vec<P>, Option<LinkMsg<P>>) {
        match msg {
            LinkMsg::Ack { next } => {
                if let Some(out) = self.out.get_mut(&from) {
                    out.unacked.retain(|&seq, _| seq >= next);
                }
                (Vec::new(), None)
            }
            LinkMsg::Data { seq, payload } => {
                let fifo = self.fifo;
                let inbox = self.inbound.entry(from).or_insert_with(|| Inbox {
                    next: 0,
                    above: BTreeSet::new(),
                    held: BTreeMap::new(),
                });
                let mut ready = Vec::new();
                if seq >= inbox.next && inbox.above.insert(seq) {
                    if fifo {
                        inbox.held.insert(seq, payload);
                    } else {
                        ready.push(payload);
                    }
                }
                while inbox.above.remove(&inbox.next) {
                    if let Some(p) = inbox.held.remove(&inbox.next) {
                        ready.push(p);
                    }
                    inbox.next += 1;
                }
                (ready, Some(LinkMsg::Ack { next: inbox.next }))
            }
        }
    }

    /// Every unacknowledged message (at most `limit` per peer), to resend.
    pub fn unacked(&self, limit: usize) -> Vec<(NodeId, LinkMsg<P>)> {
        let mut out = Vec::new();
        for (&to, outbox) in &self.out {
            for (&seq, payload) in outbox.unacked.iter().take(limit) {
                let payload = payload.clone();
                out.push((to, LinkMsg::Data { seq, payload }));
            }
        }
        out
    }

    /// Messages not yet acknowledged, over all peers.
    pub fn in_flight(&self) -> usize {
        self.out.values().map(|o| o.unacked.len()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fifo_links_deliver_in_order_once_and_ack_cumulatively() {
        let (a, b) = (NodeId(0), NodeId(1));
        let mut sender: Links<u32> = Links::new(true);
        let mut receiver: Links<u32> = Links::new(true);
        let m0 = sender.send(b, 10);
        let m1 = sender.send(b, 11);
        let (ready, _) = receiver.receive(a, m1.clone());
        assert!(ready.is_empty(), "11 waits for 10");
        let (ready, ack) = receiver.receive(a, m0.clone());
        assert_eq!(ready, vec![10, 11]);
        assert_eq!(
            receiver.receive(a, m1).0,
            Vec::<u32>::new(),
            "duplicate dropped"
        );
        assert_eq!(sender.in_flight(), 2);
        sender.receive(b, ack.expect("ack"));
        assert_eq!(sender.in_flight(), 0);
        let mut unordered: Links<u32> = Links::new(false);
        let m2 = sender.send(b, 12);
        let m3 = sender.send(b, 13);
        unordered.receive(a, m0);
        unordered.receive(
            a,
            LinkMsg::Data {
                seq: 1,
                payload: 11,
            },
        );
        assert_eq!(unordered.receive(a, m3).0, vec![13]);
        assert_eq!(unordered.receive(a, m2).0, vec![12]);
    }
}
