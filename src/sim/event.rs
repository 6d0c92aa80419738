//! The event queue, ordered by (time, seq) (the keys: `wheel.rs`).
//!
//! `seq` is a counter assigned when an event is scheduled, so events at the
//! same time run in the order they were scheduled: ties break deterministically.

use super::ids::{ClientId, NodeId, TimerId};
use super::node::{Node, Reply, Request};
use super::wheel::{Entry, Keys};
use super::SimTime;
use crate::faults::FaultAction;
use std::sync::Arc;

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
    ClientResend {
        client: ClientId,
        request_id: u64,
    },
    Fault(Box<FaultAction>),
    NemesisTick,
    NemesisUndo(Box<FaultAction>),
    /// A swarm nemesis states the mix it drew (a trace control event).
    NemesisMix,
    /// A paused node's pause may be over: release what it holds.
    Resume(NodeId),
    Settle,
    /// A chaos experiment's abort condition tripped: heal everything.
    ExperimentAbort,
    /// A worker of a node that takes time may be free: start the head of
    /// its queue (`service.rs`).
    Serve(NodeId),
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

impl<N: Node> Event<N> {
    /// The event with its message or timer as `&dyn Debug`: what the
    /// descriptions read, so that they are compiled once rather than once
    /// per node type.
    pub(crate) fn erased(&self) -> ErasedEvent<'_> {
        match self {
            Event::Start(node) => ErasedEvent::Start(*node),
            Event::Deliver {
                from,
                to,
                sent_at,
                msg,
                ..
            } => ErasedEvent::Deliver {
                from: *from,
                to: *to,
                sent_at: *sent_at,
                msg,
            },
            Event::Timer { node, timer, .. } => ErasedEvent::Timer { node: *node, timer },
            Event::Request { node, request, .. } => ErasedEvent::Request {
                node: *node,
                request,
            },
            Event::Reply {
                node,
                client,
                reply,
                ..
            } => ErasedEvent::Reply {
                node: *node,
                client: *client,
                reply,
            },
            Event::ClientWake(client) => ErasedEvent::ClientWake(*client),
            Event::ClientTimeout { client, .. } => ErasedEvent::ClientTimeout(*client),
            Event::ClientResend { client, .. } => ErasedEvent::ClientResend(*client),
            Event::Fault(action) => ErasedEvent::Fault(action),
            Event::NemesisTick => ErasedEvent::NemesisTick,
            Event::NemesisUndo(action) => ErasedEvent::NemesisUndo(action),
            Event::NemesisMix => ErasedEvent::NemesisMix,
            Event::Resume(node) => ErasedEvent::Resume(*node),
            Event::Settle => ErasedEvent::Settle,
            Event::ExperimentAbort => ErasedEvent::ExperimentAbort,
            Event::Serve(node) => ErasedEvent::Serve(*node),
        }
    }
}

/// An [`Event`] as the engine's descriptions read it, borrowed, with its
/// message or timer typed away (`&dyn Debug`).
pub(crate) enum ErasedEvent<'a> {
    Start(NodeId),
    Deliver {
        from: NodeId,
        to: NodeId,
        sent_at: SimTime,
        msg: &'a dyn std::fmt::Debug,
    },
    Timer {
        node: NodeId,
        timer: &'a dyn std::fmt::Debug,
    },
    Request {
        node: NodeId,
        request: &'a Request,
    },
    Reply {
        node: NodeId,
        client: ClientId,
        reply: &'a Reply,
    },
    ClientWake(ClientId),
    ClientTimeout(ClientId),
    ClientResend(ClientId),
    Fault(&'a FaultAction),
    NemesisTick,
    NemesisUndo(&'a FaultAction),
    NemesisMix,
    Resume(NodeId),
    Settle,
    ExperimentAbort,
    Serve(NodeId),
}

/// An event popped from the queue, with its time and scheduling order.
#[derive(Clone, Debug)]
pub(crate) struct Scheduled<N: Node> {
    pub(crate) at: SimTime,
    /// Scheduling order (the engine needs only the order pops come in).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) seq: u64,
    pub(crate) event: Event<N>,
}

/// What a queue slot holds: an event, or a reference to a pending timer
/// (kept in its node's table, so a clock jump can re-time that node's
/// timers alone).
#[derive(Debug)]
enum Item<N: Node> {
    /// An event of this world's own (a plain run's events stay here).
    Event(Event<N>),
    /// An event copies of an explored world share ([`Queue::share`]):
    /// cloning the queue copies a pointer, not the message.
    Shared(Arc<SharedEvent<N>>),
    Timer {
        node: NodeId,
        id: u64,
        epoch: u32,
    },
}

/// An event shared between copies of an explored world, with its hash in
/// the state fingerprint, computed once.
#[derive(Debug)]
struct SharedEvent<N: Node> {
    event: Event<N>,
    hash: Option<u64>,
}

impl<N: Node> Clone for Item<N> {
    fn clone(&self) -> Self {
        match self {
            Item::Event(event) => Item::Event(event.clone()),
            Item::Shared(shared) => Item::Shared(Arc::clone(shared)),
            Item::Timer { node, id, epoch } => Item::Timer {
                node: *node,
                id: *id,
                epoch: *epoch,
            },
        }
    }

    /// As `clone`, but a slot that already shares `source`'s event is left
    /// as it is (no count up and down): a recycled world's queue mostly
    /// holds the events of the world copied into it, in the same slots.
    #[inline]
    fn clone_from(&mut self, source: &Self) {
        if let (Item::Shared(mine), Item::Shared(theirs)) = (&*self, source) {
            if Arc::ptr_eq(mine, theirs) {
                return;
            }
        }
        *self = source.clone();
    }
}

impl<N: Node> Item<N> {
    /// The event held (`None` for a timer reference).
    fn event(&self) -> Option<&Event<N>> {
        match self {
            Item::Event(event) => Some(event),
            Item::Shared(shared) => Some(&shared.event),
            Item::Timer { .. } => None,
        }
    }

    /// The event's fingerprint hash, when it was computed at sharing.
    fn hash(&self) -> Option<u64> {
        match self {
            Item::Shared(shared) => shared.hash,
            Item::Event(_) | Item::Timer { .. } => None,
        }
    }

    /// The event held, taken out (a shared one is copied unless this was
    /// its last holder).
    #[inline]
    fn into_event(self) -> Option<Event<N>> {
        match self {
            Item::Event(event) => Some(event),
            Item::Shared(shared) => Some(
                Arc::try_unwrap(shared).map_or_else(|shared| shared.event.clone(), |s| s.event),
            ),
            Item::Timer { .. } => None,
        }
    }
}

/// A timer waiting to fire, in its node's table.
#[derive(Clone, Debug)]
struct PendingTimer<N: Node> {
    seq: u64,
    /// Bumped at each re-timing: timer keys with an older epoch are
    /// stale copies, skipped.
    epoch: u32,
    incarnation: u32,
    local_deadline: SimTime,
    timer: N::Timer,
}

/// One node's pending timers, sorted by timer id: a small vector (a node
/// has a few timers pending) is one allocation of a few dozen bytes, where
/// a `BTreeMap` leaf takes hundreds; the explorer clones it with every
/// world. Timer ids grow, so an insert is nearly always a push.
#[derive(Debug)]
struct TimerTable<N: Node>(Vec<(u64, PendingTimer<N>)>);

impl<N: Node> Clone for TimerTable<N> {
    fn clone(&self) -> Self {
        TimerTable(self.0.clone())
    }

    /// As `clone`, keeping this table's buffer.
    fn clone_from(&mut self, source: &Self) {
        self.0.clone_from(&source.0);
    }
}

impl<N: Node> Default for TimerTable<N> {
    fn default() -> Self {
        TimerTable(Vec::new())
    }
}

impl<N: Node> TimerTable<N> {
    fn position(&self, id: u64) -> Result<usize, usize> {
        self.0.binary_search_by_key(&id, |(i, _)| *i)
    }
    fn get(&self, id: &u64) -> Option<&PendingTimer<N>> {
        self.position(*id).ok().map(|at| &self.0[at].1)
    }
    fn contains_key(&self, id: &u64) -> bool {
        self.position(*id).is_ok()
    }
    fn insert(&mut self, id: u64, pending: PendingTimer<N>) {
        match self.position(id) {
            Ok(at) => self.0[at].1 = pending,
            Err(at) => self.0.insert(at, (id, pending)),
        }
    }
    fn remove(&mut self, id: &u64) -> Option<PendingTimer<N>> {
        let at = self.position(*id).ok()?;
        Some(self.0.remove(at).1)
    }
    /// In id order.
    fn iter(&self) -> impl Iterator<Item = (&u64, &PendingTimer<N>)> {
        self.0.iter().map(|(id, p)| (id, p))
    }
    fn iter_mut(&mut self) -> impl Iterator<Item = (&u64, &mut PendingTimer<N>)> {
        self.0.iter_mut().map(|(id, p)| (&*id, p))
    }
    fn values(&self) -> impl Iterator<Item = &PendingTimer<N>> {
        self.0.iter().map(|(_, p)| p)
    }
}

/// The pending events.
///
/// The keys `(time, seq, slot)` are kept in order by [`Keys`] (a binary
/// heap while the queue is small, a timing wheel past a few hundred keys:
/// `wheel.rs`); the events wait in a slab of slots. Timers live in
/// per-node tables (by timer id) and the keys hold a small reference to
/// each. A clock jump re-times one node's timers by pushing a
/// fresh reference for each (same `seq`, new time, new epoch) and leaving the
/// old references to be skipped as stale: its cost depends on that node's
/// pending timers, not on the queue's size. Stale references never reach the
/// top of the keys (they are dropped eagerly), so [`Queue::peek_time`] and the
/// pop order are exactly those of a queue re-timed in place.
#[derive(Debug)]
pub(crate) struct Queue<N: Node> {
    keys: Keys,
    /// The items the keys point at; `None` in a free slot.
    slots: Vec<Option<Item<N>>>,
    /// Free slots, reused last-freed first.
    free: Vec<u32>,
    seq: u64,
    timers: Vec<TimerTable<N>>,
    /// Stale timer references still among the keys.
    stale: usize,
    /// Timers re-timed by clock jumps so far (a cost counter for tests).
    retimed: u64,
}

/// Room a copy of the queue keeps for the events its next step schedules.
const COPY_ROOM: usize = 4;

impl<N: Node> Clone for Queue<N> {
    /// A copy with room to spare in the keys and the slots (a derived
    /// clone has none, so an explored copy's first push reallocated them).
    fn clone(&self) -> Self {
        let mut slots = Vec::with_capacity(self.slots.len() + COPY_ROOM);
        slots.extend(self.slots.iter().cloned());
        let mut free = Vec::with_capacity(self.free.len() + COPY_ROOM);
        free.extend_from_slice(&self.free);
        Queue {
            keys: self.keys.clone(),
            slots,
            free,
            seq: self.seq,
            timers: self.timers.clone(),
            stale: self.stale,
            retimed: self.retimed,
        }
    }

    /// As `clone`, keeping this queue's buffers (a recycled world's: they
    /// have room already, so no allocation).
    fn clone_from(&mut self, source: &Self) {
        let Queue {
            keys,
            slots,
            free,
            seq,
            timers,
            stale,
            retimed,
        } = self;
        keys.clone_from(&source.keys);
        slots.clone_from(&source.slots);
        free.clone_from(&source.free);
        *seq = source.seq;
        timers.clone_from(&source.timers);
        *stale = source.stale;
        *retimed = source.retimed;
    }
}

impl<N: Node> Default for Queue<N> {
    fn default() -> Self {
        Queue {
            keys: Keys::default(),
            slots: Vec::new(),
            free: Vec::new(),
            seq: 0,
            timers: Vec::new(),
            stale: 0,
            retimed: 0,
        }
    }
}

impl<N: Node> Queue<N> {
    #[inline]
    pub(crate) fn push(&mut self, at: SimTime, event: Event<N>) {
        let seq = self.seq;
        self.seq += 1;
        let item = match event {
            Event::Timer {
                node,
                id,
                incarnation,
                local_deadline,
                timer,
            } => {
                if self.timers.len() <= node.index() {
                    self.timers
                        .resize_with(node.index() + 1, TimerTable::default);
                }
                let pending = PendingTimer {
                    seq,
                    epoch: 0,
                    incarnation,
                    local_deadline,
                    timer,
                };
                self.timers[node.index()].insert(id.0, pending);
                Item::Timer {
                    node,
                    id: id.0,
                    epoch: 0,
                }
            }
            other => Item::Event(other),
        };
        self.push_item(at, seq, item);
    }

    /// [`Queue::push`] for an event that is not a timer (a message on
    /// the wire): no timer table to look at. Inlined into the send path.
    #[inline(always)]
    pub(crate) fn push_event(&mut self, at: SimTime, event: Event<N>) {
        debug_assert!(!matches!(event, Event::Timer { .. }), "a timer");
        let seq = self.seq;
        self.seq += 1;
        self.push_item(at, seq, Item::Event(event));
    }

    /// Put `item` in a slot and its key in the keys.
    #[inline(always)]
    fn push_item(&mut self, at: SimTime, seq: u64, item: Item<N>) {
        let timer = matches!(item, Item::Timer { .. });
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot as usize] = Some(item);
                slot
            }
            None => {
                self.slots.push(Some(item));
                (self.slots.len() - 1) as u32
            }
        };
        self.keys.push(Entry {
            at,
            seq,
            slot,
            timer,
        });
    }

    /// Empty `entry`'s slot, returning what it held.
    #[inline]
    fn release(&mut self, entry: Entry) -> Item<N> {
        self.free.push(entry.slot);
        self.slots[entry.slot as usize]
            .take()
            .expect("a key's slot holds its item")
    }

    /// The item `entry` points at.
    fn item(&self, entry: &Entry) -> &Item<N> {
        item_of(&self.slots, entry)
    }

    #[inline]
    pub(crate) fn pop(&mut self) -> Option<Scheduled<N>> {
        let popped = loop {
            let entry = self.keys.pop()?;
            let item = self.release(entry);
            if let Some(event) = self.resolve(item) {
                break Scheduled {
                    at: entry.at,
                    seq: entry.seq,
                    event,
                };
            }
            self.stale -= 1;
        };
        self.drop_stale_top();
        // The next pop reads the new top's slot: in a big queue it was
        // written tens of thousands of events ago and is out of the
        // caches, so start loading it now (issue 21, item 2).
        if let Some(next) = self.keys.peek_if_big() {
            if let Some(slot) = self.slots.get(next.slot as usize) {
                super::wheel::prefetch(slot, std::mem::size_of_val(slot));
            }
        }
        Some(popped)
    }

    /// The event an entry stands for; `None` for a stale timer reference.
    #[inline]
    fn resolve(&mut self, item: Item<N>) -> Option<Event<N>> {
        match item {
            Item::Event(_) | Item::Shared(_) => item.into_event(),
            Item::Timer { node, id, epoch } => {
                let table = &mut self.timers[node.index()];
                if table.get(&id).is_none_or(|p| p.epoch != epoch) {
                    return None;
                }
                let pending = table.remove(&id)?;
                Some(Event::Timer {
                    node,
                    id: TimerId(id),
                    incarnation: pending.incarnation,
                    local_deadline: pending.local_deadline,
                    timer: pending.timer,
                })
            }
        }
    }

    fn is_stale(&self, item: &Item<N>) -> bool {
        is_stale_in(&self.timers, item)
    }

    #[inline]
    fn drop_stale_top(&mut self) {
        if self.stale != 0 {
            self.drop_stale_keys();
        }
    }

    /// [`Queue::drop_stale_top`]'s work, when some keys are stale.
    #[cold]
    fn drop_stale_keys(&mut self) {
        while let Some(&top) = self.keys.peek() {
            // Only a timer reference can be stale: other keys' slots are
            // not read here (a cache miss per pop in a big queue).
            if !top.timer || !self.is_stale(self.item(&top)) {
                break;
            }
            self.keys.pop();
            self.release(top);
            self.stale -= 1;
        }
    }

    pub(crate) fn peek_time(&self) -> Option<SimTime> {
        self.keys.peek().map(|s| s.at)
    }

    /// Every queued event but timers, in no particular order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = (SimTime, u64, &Event<N>)> {
        self.keys
            .iter()
            .filter_map(|e| self.item(e).event().map(|event| (e.at, e.seq, event)))
    }

    /// [`Queue::iter`], with each event's fingerprint hash when it was
    /// computed at sharing ([`Queue::share`]).
    pub(crate) fn iter_hashed(
        &self,
    ) -> impl Iterator<Item = (SimTime, u64, &Event<N>, Option<u64>)> {
        self.keys.iter().filter_map(|e| {
            let item = self.item(e);
            item.event().map(|event| (e.at, e.seq, event, item.hash()))
        })
    }

    /// Every queued event but timers, with its fingerprint hash when it was
    /// computed at sharing, read from the slots: the events of
    /// [`Queue::iter_hashed`] (each key's slot holds one event or timer
    /// reference, a free slot none), without their times or seqs and
    /// without walking the keys (the explorer's fingerprint, which needs
    /// neither).
    pub(crate) fn events_hashed(&self) -> impl Iterator<Item = (&Event<N>, Option<u64>)> {
        self.slots
            .iter()
            .filter_map(|slot| slot.as_ref().and_then(|i| i.event().map(|e| (e, i.hash()))))
    }

    /// Put every event of this world's own behind a shared pointer, with
    /// its fingerprint hash (`hash`), so that copies of the world share
    /// them: the explorer calls it on each state it may copy. Which events
    /// are queued, their order and their contents do not change.
    pub(crate) fn share(&mut self, hash: impl Fn(&Event<N>) -> Option<u64>) {
        for slot in self.slots.iter_mut() {
            if matches!(slot, Some(Item::Event(_))) {
                if let Some(Item::Event(event)) = slot.take() {
                    let hash = hash(&event);
                    *slot = Some(Item::Shared(Arc::new(SharedEvent { event, hash })));
                }
            }
        }
    }

    /// Queued events, timers included (cancelled ones until they are skipped).
    pub(crate) fn len(&self) -> usize {
        self.keys.len() - self.stale
    }

    /// Is timer `id` of `node` still waiting to fire (or to be skipped)?
    pub(crate) fn has_timer(&self, node: NodeId, id: TimerId) -> bool {
        self.timers
            .get(node.index())
            .is_some_and(|table| table.contains_key(&id.0))
    }

    /// Every pending timer: (node, id, seq, incarnation, payload), in node
    /// then id order (the explorer's enabled timers).
    pub(crate) fn timers(
        &self,
    ) -> impl Iterator<Item = (NodeId, TimerId, u64, u32, &N::Timer)> + '_ {
        self.timers.iter().enumerate().flat_map(|(node, table)| {
            table.iter().map(move |(&id, p)| {
                let node = NodeId(node as u32);
                (node, TimerId(id), p.seq, p.incarnation, &p.timer)
            })
        })
    }

    /// Every pending timer with its local deadline: (node, id, incarnation,
    /// local deadline, payload), in node then id order (the explorer's
    /// fingerprint: [`Queue::timers`] and [`Queue::timer_deadlines`] in one
    /// pass).
    pub(crate) fn timers_due(
        &self,
    ) -> impl Iterator<Item = (NodeId, TimerId, u32, SimTime, &N::Timer)> + '_ {
        self.timers.iter().enumerate().flat_map(|(node, table)| {
            table.iter().map(move |(&id, p)| {
                let node = NodeId(node as u32);
                (node, TimerId(id), p.incarnation, p.local_deadline, &p.timer)
            })
        })
    }

    /// Every pending timer's (node, seq, incarnation, local deadline), in
    /// node then id order (the explorer's deadline-ordered time model).
    pub(crate) fn timer_deadlines(&self) -> impl Iterator<Item = (NodeId, u64, u32, SimTime)> + '_ {
        self.timers.iter().enumerate().flat_map(|(node, table)| {
            table
                .values()
                .map(move |p| (NodeId(node as u32), p.seq, p.incarnation, p.local_deadline))
        })
    }

    /// Take the event scheduled as `seq` out of the queue, whatever its
    /// time (the explorer runs events in any order). `None` if no such
    /// event is queued.
    pub(crate) fn take(&mut self, seq: u64) -> Option<Event<N>> {
        self.take_at(seq).map(|(_, event)| event)
    }

    /// [`Queue::take`], with the time the event was queued for (`None` for
    /// a timer, whose time is its local deadline).
    pub(crate) fn take_at(&mut self, seq: u64) -> Option<(Option<SimTime>, Event<N>)> {
        let timer = self.timers.iter().enumerate().find_map(|(node, table)| {
            let id = table
                .iter()
                .find(|(_, p)| p.seq == seq)
                .map(|(&id, _)| id)?;
            Some((NodeId(node as u32), id))
        });
        if let Some((node, id)) = timer {
            let pending = self.remove_timer(node, TimerId(id))?;
            let event = Event::Timer {
                node,
                id: TimerId(id),
                incarnation: pending.incarnation,
                local_deadline: pending.local_deadline,
                timer: pending.timer,
            };
            return Some((None, event));
        }
        let slots = &self.slots;
        let entry = self
            .keys
            .take_first(|e| e.seq == seq && item_of(slots, e).event().is_some())?;
        let event = self.release(entry).into_event()?;
        Some((Some(entry.at), event))
    }

    /// Take every queued (non-timer) event that `doomed` picks out of the
    /// queue, in (time, seq) order.
    pub(crate) fn take_where(&mut self, doomed: impl Fn(&Event<N>) -> bool) -> Vec<Event<N>> {
        let picked = self
            .keys
            .iter()
            .any(|e| self.item(e).event().is_some_and(&doomed));
        if !picked {
            return Vec::new();
        }
        let slots = &self.slots;
        let mut taken = self
            .keys
            .take_where(|e| item_of(slots, e).event().is_some_and(&doomed));
        self.drop_stale_top();
        taken.sort_by_key(|e| (e.at, e.seq));
        taken
            .into_iter()
            .filter_map(|entry| self.release(entry).into_event())
            .collect()
    }

    /// The queued (non-timer) event scheduled as `seq`.
    pub(crate) fn get(&self, seq: u64) -> Option<&Event<N>> {
        self.keys
            .iter()
            .find(|e| e.seq == seq)
            .and_then(|e| self.item(e).event())
    }

    /// Is `seq` a queued node-to-node message?
    pub(crate) fn is_delivery(&self, seq: u64) -> bool {
        matches!(self.get(seq), Some(Event::Deliver { .. }))
    }

    /// Remove a pending timer of `node` (its key becomes stale).
    fn remove_timer(&mut self, node: NodeId, id: TimerId) -> Option<PendingTimer<N>> {
        let pending = self.timers.get_mut(node.index())?.remove(&id.0)?;
        self.stale += 1;
        self.drop_stale_top();
        Some(pending)
    }

    /// Drop pending timers: those in `ids` (cancelled) and those of `node`
    /// whose incarnation is not `incarnation(node)` (set before a crash).
    pub(crate) fn purge_timers(
        &mut self,
        ids: &std::collections::BTreeSet<u64>,
        incarnation: impl Fn(NodeId) -> u32,
    ) {
        let mut doomed = Vec::new();
        for (node, table) in self.timers.iter().enumerate() {
            let node = NodeId(node as u32);
            let current = incarnation(node);
            for (&id, p) in table.iter() {
                if ids.contains(&id) || p.incarnation != current {
                    doomed.push((node, TimerId(id)));
                }
            }
        }
        for (node, id) in doomed {
            self.remove_timer(node, id);
        }
    }

    /// Timers re-timed by [`Queue::retime_timers`] so far.
    #[cfg(test)]
    pub(crate) fn retimed(&self) -> u64 {
        self.retimed
    }

    /// Re-time every pending timer of `node` to `retime(local_deadline)`,
    /// keeping each timer's seq (a clock jump). Other events are not touched.
    pub(crate) fn retime_timers(&mut self, node: NodeId, retime: impl Fn(SimTime) -> SimTime) {
        let Some(table) = self.timers.get_mut(node.index()) else {
            return;
        };
        let mut retimed = Vec::new();
        for (&id, pending) in table.iter_mut() {
            pending.epoch = pending.epoch.wrapping_add(1);
            let (at, seq) = (retime(pending.local_deadline), pending.seq);
            let epoch = pending.epoch;
            retimed.push((at, seq, Item::Timer { node, id, epoch }));
        }
        for (at, seq, item) in retimed {
            self.push_item(at, seq, item);
            self.stale += 1;
            self.retimed += 1;
        }
        if self.stale > 1024 && self.stale * 2 > self.keys.len() {
            self.compact();
        }
        self.drop_stale_top();
    }

    /// Drop every stale reference (amortised: runs when they are the majority).
    fn compact(&mut self) {
        let timers = &self.timers;
        let slots = &self.slots;
        let stale = self
            .keys
            .take_where(|e| e.timer && is_stale_in(timers, item_of(slots, e)));
        for entry in stale {
            self.release(entry);
        }
        self.stale = 0;
    }
}

/// The item `entry` points at, in `slots`.
fn item_of<'a, N: Node>(slots: &'a [Option<Item<N>>], entry: &Entry) -> &'a Item<N> {
    slots[entry.slot as usize]
        .as_ref()
        .expect("a key's slot holds its item")
}

/// Is `item` a timer reference that `timers` no longer hold (cancelled,
/// fired, or re-timed since)?
fn is_stale_in<N: Node>(timers: &[TimerTable<N>], item: &Item<N>) -> bool {
    match item {
        Item::Event(_) | Item::Shared(_) => false,
        Item::Timer { node, id, epoch } => timers[node.index()]
            .get(id)
            .is_none_or(|p| p.epoch != *epoch),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::tests_support::Probe;

    fn timer(node: u32, id: u64, local_ms: u64) -> Event<Probe> {
        Event::Timer {
            node: NodeId(node),
            id: TimerId(id),
            incarnation: 0,
            local_deadline: SimTime::from_millis(local_ms),
            timer: (),
        }
    }

    fn drain(queue: &mut Queue<Probe>) -> Vec<(SimTime, u64)> {
        std::iter::from_fn(|| queue.pop().map(|s| (s.at, s.seq))).collect()
    }

    /// A clock jump re-times the jumping node's timers only: the work is its
    /// own pending timers, however many other events and timers are queued.
    #[test]
    fn a_clock_jump_touches_only_that_nodes_timers() {
        let mut queue: Queue<Probe> = Queue::default();
        for i in 0..10_000u64 {
            queue.push(SimTime::from_millis(i), Event::Settle);
            queue.push(SimTime::from_millis(i), timer(1, 100 + i, i));
        }
        for i in 0..3u64 {
            queue.push(SimTime::from_millis(50 + i), timer(0, i, 50 + i));
        }
        queue.retime_timers(NodeId(0), |local| local + SimTime::from_secs(20));
        assert_eq!(queue.retimed(), 3, "only node 0's three timers");
        assert_eq!(queue.len(), 20_003, "stale copies are not counted");
        let order = drain(&mut queue);
        assert_eq!(order.len(), 20_003);
        let last: Vec<SimTime> = order[20_000..].iter().map(|&(at, _)| at).collect();
        assert_eq!(
            last,
            vec![
                SimTime::from_millis(20_050),
                SimTime::from_millis(20_051),
                SimTime::from_millis(20_052)
            ]
        );
    }

    /// Re-timing by reference pops in exactly the (time, seq) order of a
    /// queue re-timed in place, through many jumps back and forth.
    #[test]
    fn retimed_pops_match_an_in_place_retime() {
        let mut queue: Queue<Probe> = Queue::default();
        let mut model: Vec<(SimTime, u64, Option<SimTime>)> = Vec::new();
        for i in 0..200u64 {
            let local = SimTime::from_millis(1000 + (i * 37) % 500);
            let node = (i % 3) as u32;
            if i % 4 == 0 {
                queue.push(local, Event::Settle);
                model.push((local, i, None));
            } else {
                queue.push(local, timer(node, i, local.as_nanos() / 1_000_000));
                model.push((local, i, Some(SimTime(u64::from(node)))));
            }
        }
        for jump in 0..60u64 {
            let node = NodeId((jump % 3) as u32);
            let shift = SimTime::from_millis(jump * 7 % 40);
            let retime = |local: SimTime| local.saturating_add(shift);
            queue.retime_timers(node, retime);
            for (i, entry) in model.iter_mut().enumerate() {
                if entry.2 == Some(SimTime(u64::from(node.0))) {
                    let local = SimTime::from_millis(1000 + (i as u64 * 37) % 500);
                    entry.0 = retime(local);
                }
            }
        }
        let mut expected: Vec<(SimTime, u64)> = model.iter().map(|e| (e.0, e.1)).collect();
        expected.sort();
        assert_eq!(drain(&mut queue), expected);
    }

    /// A timer of `node` due at local time `local_ns`.
    fn timer_ns(node: u32, id: u64, local_ns: u64) -> Event<Probe> {
        Event::Timer {
            node: NodeId(node),
            id: TimerId(id),
            incarnation: 0,
            local_deadline: SimTime(local_ns),
            timer: (),
        }
    }

    /// One step of a random run of the queue.
    #[derive(Clone, Debug)]
    enum Op {
        /// An event (not a timer) due this long after the last pop.
        Push(u64),
        /// A timer of node 0..3 due this long after the last pop.
        Timer(u32, u64),
        Pop,
        /// A clock jump of node 0..3: its timers move to local + this.
        Jump(u32, u64),
        /// Cancel the pending timer picked by this number.
        Cancel(usize),
        /// Take out the queued event picked by this number.
        Take(usize),
    }

    fn op() -> impl proptest::strategy::Strategy<Value = Op> {
        use proptest::prelude::*;
        prop_oneof![
            5 => (0u64..2_000).prop_map(Op::Push),
            3 => (0u32..3, 0u64..2_000).prop_map(|(n, at)| Op::Timer(n, at)),
            6 => Just(Op::Pop),
            1 => (0u32..3, 0u64..3_000).prop_map(|(n, by)| Op::Jump(n, by)),
            1 => any::<usize>().prop_map(Op::Cancel),
            1 => any::<usize>().prop_map(Op::Take),
        ]
    }

    /// The model's entry: due time, and for a timer its node and local
    /// deadline; keyed by seq.
    type Model = std::collections::BTreeMap<u64, (u64, Option<(u32, u64, u64)>)>;

    /// Run `ops` against a model (a map by seq; the next pop is its least
    /// (time, seq)), checking every pop, `peek_time` and `len`.
    fn check_against_model(prefill: u64, ops: &[Op]) {
        let mut queue: Queue<Probe> = Queue::default();
        let mut model = Model::new();
        let mut now = 0u64;
        let mut next_id = 0u64;
        let mut took = false;
        // The highest node that has set a timer (its table and every lower
        // node's exist from then on; the prefill's timers are node 0's).
        let mut timer_reach: Option<u32> = (prefill > 0).then_some(0);
        let least = |model: &Model| model.iter().map(|(&seq, e)| (e.0, seq)).min();
        for i in 0..prefill {
            let at = (i * 7_919) % 20_000;
            if i % 3 == 0 {
                queue.push(SimTime(at), timer_ns((i % 9) as u32 % 3, next_id, at));
                model.insert(queue.seq - 1, (at, Some(((i % 9) as u32 % 3, next_id, at))));
                next_id += 1;
            } else {
                queue.push(SimTime(at), Event::Settle);
                model.insert(queue.seq - 1, (at, None));
            }
        }
        for op in ops {
            match *op {
                Op::Push(after) => {
                    queue.push(SimTime(now + after), Event::Settle);
                    model.insert(queue.seq - 1, (now + after, None));
                }
                Op::Timer(node, after) => {
                    let at = now + after;
                    queue.push(SimTime(at), timer_ns(node, next_id, at));
                    model.insert(queue.seq - 1, (at, Some((node, next_id, at))));
                    next_id += 1;
                }
                Op::Pop => {
                    let got = queue.pop().map(|s| (s.at.0, s.seq));
                    let want = least(&model);
                    assert_eq!(got, want);
                    if let Some((at, seq)) = got {
                        model.remove(&seq);
                        now = now.max(at);
                    }
                }
                Op::Jump(node, by) => {
                    queue.retime_timers(NodeId(node), |local| local + SimTime(by));
                    for entry in model.values_mut() {
                        if let (at, Some((n, _, local))) = entry {
                            if *n == node {
                                *at = *local + by;
                            }
                        }
                    }
                }
                Op::Cancel(pick) => {
                    let timers: Vec<(u64, u64)> = model
                        .iter()
                        .filter_map(|(&seq, e)| e.1.map(|(_, id, _)| (seq, id)))
                        .collect();
                    if let Some(&(seq, id)) = timers.get(pick % timers.len().max(1)) {
                        queue.purge_timers(&[id].into_iter().collect(), |_| 0);
                        model.remove(&seq);
                        took = false;
                    }
                }
                Op::Take(pick) => {
                    let events: Vec<u64> = model
                        .iter()
                        .filter(|(_, e)| e.1.is_none())
                        .map(|(&seq, _)| seq)
                        .collect();
                    if let Some(&seq) = events.get(pick % events.len().max(1)) {
                        assert!(matches!(queue.take(seq), Some(Event::Settle)));
                        model.remove(&seq);
                    }
                }
            }
            assert_eq!(queue.len(), model.len());
            // `take` (the explorer's) may leave a stale timer key on top
            // until the next pop, cancel or jump drops it, as it always
            // has (pops skip it): `peek_time` is exact otherwise. A jump
            // drops it only if the node has a timer table (one exists for
            // every node up to the highest that ever set a timer): a jump
            // of a node past those changes nothing and leaves the top.
            match op {
                Op::Take(_) => took = true,
                Op::Pop => took = false,
                Op::Jump(node, _) if timer_reach.is_some_and(|r| r >= *node) => took = false,
                Op::Timer(node, _) => timer_reach = timer_reach.max(Some(*node)),
                Op::Jump(..) | Op::Push(_) | Op::Cancel(_) => {}
            }
            if !took {
                assert_eq!(queue.peek_time().map(|t| t.0), least(&model).map(|l| l.0));
            }
        }
        let mut want: Vec<(SimTime, u64)> = model.iter().map(|(&s, e)| (SimTime(e.0), s)).collect();
        want.sort();
        assert_eq!(drain(&mut queue), want);
    }

    /// `events_hashed` (the slots) holds the events `iter` (the keys)
    /// holds, through pushes, pops, takes, cancels and clock jumps, in a
    /// small queue and a big one.
    #[test]
    fn events_read_from_the_slots_are_those_of_the_keys() {
        for size in [10u64, 1_500] {
            let mut queue: Queue<Probe> = Queue::default();
            let check = |queue: &Queue<Probe>| {
                let mut slots: Vec<String> = queue
                    .events_hashed()
                    .map(|(e, h)| format!("{e:?} {h:?}"))
                    .collect();
                let mut keys: Vec<String> = queue
                    .iter_hashed()
                    .map(|(_, _, e, h)| format!("{e:?} {h:?}"))
                    .collect();
                slots.sort();
                keys.sort();
                assert_eq!(slots, keys);
            };
            for i in 0..size {
                queue.push(SimTime::from_millis(i % 97), Event::Start(NodeId(i as u32)));
                queue.push(SimTime::from_millis(i % 89), timer(i as u32 % 3, i, i % 89));
            }
            check(&queue);
            queue.share(|e| match e {
                Event::Start(n) => Some(u64::from(n.0) * 3),
                _ => None,
            });
            for i in 0..size / 3 {
                queue.pop();
                queue.take(4 * i + 2);
                queue.push(SimTime::from_millis(i + 5), Event::Start(NodeId(9_000)));
                if i % 7 == 0 {
                    queue.retime_timers(NodeId(1), |t| t + SimTime::from_millis(3));
                    queue.purge_timers(&[i, i + 1].into_iter().collect(), |_| 0);
                }
                check(&queue);
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]

        /// Random pushes, timers, pops, clock jumps, cancels and removals,
        /// on a small queue (one heap) and a big one (the timing wheel):
        /// pops come in exactly the (time, seq) order of a model.
        #[test]
        fn pops_match_a_model_through_jumps_and_removals(
            prefill in proptest::prelude::prop_oneof![
                proptest::strategy::Just(0u64),
                proptest::strategy::Just(50),
                proptest::strategy::Just(2_000),
            ],
            ops in proptest::collection::vec(op(), 0..1_500),
        ) {
            check_against_model(prefill, &ops);
        }
    }
}
