//! The state fingerprint of an explored world: a 64-bit hash of everything
//! that decides what the world can do next and what its checks say.
//!
//! Two explored states with the same fingerprint are treated as one, so the
//! fingerprint must include everything that can change a future step or a
//! check, and nothing else (what it leaves out lets equal states merge):
//!
//! | in the fingerprint | left out, and why |
//! |---|---|
//! | the time, when it moves (the default time model); each node: up or down, its state ([`Node::fingerprint`]), its random stream's position, its storage (durable and unsynced) | the time under the frozen model (the same in every state); clocks' offsets and drifts (fixed: explore applies no clock fault) |
//! | messages, client requests and replies on the wire, as a multiset (messages as a set on a duplicating wire) | message ids and send times: nodes never see them |
//! | pending timers that can fire: node, payload, when it is due (when time moves; overdue ones as now), and the id when the node keeps it (its number appears in the node's `Debug` text or storage), as a multiset | cancelled and stale timers (removed at once); ids the node keeps nowhere (it can never cancel them); the next timer id (see `docs/explore.md`) |
//! | clients: process, request count, target, open operation; the workload's random stream and op count | counters, trace, fault log: records of the path, not state |
//! | the client history (event order, no times) and each monitor's memory | `sometimes` marks: the explorer tracks them itself |
//!
//! With relative time ([`ExploreOptions::relative_time`](super::ExploreOptions::relative_time))
//! the time itself is left out and every time in the state enters relative
//! to it: when each timer is due; under the deadline-ordered model when
//! each client timeout and resend is due; how long an open operation has
//! left when clients resend (what decides whether a resend schedules
//! another); and the times nodes and monitors hold
//! ([`Node::fingerprint_relative`], [`Monitor::fingerprint_relative`]). A
//! state whose node or monitor cannot hash itself so keeps absolute time
//! (a relative fingerprint never equals an absolute one). Two states that
//! differ only by when they happen — every time shifted by the same amount
//! — then have one fingerprint: for a protocol whose behaviour does not
//! depend on its clock's absolute reading (which it declares by those
//! methods), they have the same futures, shifted.
//!
//! [`Monitor::fingerprint_relative`]: super::Monitor::fingerprint_relative

use super::event::Event;
use super::hash::StableHasher;
use super::ids::NodeId;
use super::node::Node;
use super::world::Sim;
use super::{relative_time, SimTime, TimeModel};
use crate::storage::Storage;
use std::hash::{Hash, Hasher};

impl<N: Node> Sim<N> {
    /// The fingerprint of this explored state (see the module doc).
    /// Outside explore mode it is defined too, but time-dependent parts of
    /// a normal run (when each event is due) are not in it.
    pub fn fingerprint(&self) -> u64 {
        if let Some(now) = self.relative_now() {
            if let Some(fingerprint) = self.fingerprint_at(Some(now)) {
                return fingerprint;
            }
        }
        self.fingerprint_at(None).unwrap_or_default()
    }

    /// Relative time is asked for and can apply: time moves, and every
    /// clock reads true time plus a fixed offset that is not negative (no
    /// drift, which would make a shifted clock tick differently; no
    /// reading clamped at zero). The time the state is relative to.
    pub(crate) fn relative_now(&self) -> Option<SimTime> {
        let mode = self.explore.as_deref()?;
        let exact = |slot: &super::world::NodeSlot<N>| {
            slot.clock.drift_ppm == 0 && slot.clock.offset_ns >= 0
        };
        (mode.relative_time && mode.time != TimeModel::Frozen && self.nodes.iter().all(exact))
            .then_some(self.now)
    }

    /// Why relative time cannot apply to this world, if it cannot: the
    /// clocks, or a node or monitor that does not hash itself relative to
    /// now ([`Node::fingerprint_relative`], [`Monitor::fingerprint_relative`]).
    /// `None` under any other time model than one where time moves.
    ///
    /// [`Monitor::fingerprint_relative`]: super::Monitor::fingerprint_relative
    pub fn relative_time_refusal(&self) -> Option<String> {
        if let Some(slot) = self
            .nodes
            .iter()
            .position(|s| s.clock.drift_ppm != 0 || s.clock.offset_ns < 0)
        {
            return Some(format!(
                "n{slot}'s clock drifts or runs behind true time: relative time needs clocks that read true time plus an offset of 0 or more"
            ));
        }
        let now = self.now;
        let mut h = StableHasher::new();
        for (i, slot) in self.nodes.iter().enumerate() {
            if let Some(node) = slot.state.as_deref() {
                if !node.fingerprint_relative(slot.clock.local(now), &mut h) {
                    return Some(format!(
                        "the nodes (n{i}) do not hash themselves relative to now (Node::fingerprint_relative)"
                    ));
                }
            }
        }
        for m in &self.monitors {
            if !m.monitor.fingerprint_relative(now, &mut h) {
                return Some(format!(
                    "the monitor `{}` does not hash its memory relative to now (Monitor::fingerprint_relative)",
                    m.name
                ));
            }
        }
        None
    }

    /// The fingerprint, absolute (`relative` = `None`) or with every time
    /// relative to `relative`; `None` when a node or monitor cannot hash
    /// itself relative to now.
    fn fingerprint_at(&self, relative: Option<SimTime>) -> Option<u64> {
        let mut h = StableHasher::new();
        match relative {
            None if self.time_moves() => self.now.hash(&mut h),
            None => {}
            // A relative state never equals an absolute one.
            Some(_) => u64::MAX.hash(&mut h),
        }
        let cache = self.explore.as_deref().map(|m| &m.node_hashes);
        for (i, slot) in self.nodes.iter().enumerate() {
            match cache.and_then(|c| c.get(i)).and_then(Option::as_ref) {
                Some(cached) if cached.relative_to == relative => cached.hash.hash(&mut h),
                _ => {
                    let fresh = node_hash(slot, relative);
                    if fresh.relative_to != relative {
                        return None;
                    }
                    fresh.hash.hash(&mut h);
                }
            }
        }
        self.hash_pending(&mut h, relative);
        self.hash_clients(&mut h, relative);
        let cache = self.explore.as_deref().map(|m| &m.monitor_hashes);
        for (i, m) in self.monitors.iter().enumerate() {
            let hash = match cache.and_then(|c| c.get(i)).and_then(Option::as_ref) {
                Some(cached) if cached.relative_to == relative => cached.hash,
                _ => monitor_hash(m, relative).hash,
            };
            hash?.hash(&mut h);
        }
        Some(h.finish())
    }

    /// Messages on the wire, live client events and timers, as a multiset
    /// (each element hashed alone, the hashes combined by [`Multiset`]: a
    /// count and a wrapping sum, so their order does not matter and no
    /// list is sorted); with `relative`, when each is due relative to it.
    /// Messages and client traffic use the hash cached when their event
    /// was shared ([`wire_hash`]). The events are read from the queue's
    /// slots ([`super::event::Queue::events_hashed`]) unless when a client
    /// timeout or resend is due is in the state (relative time under the
    /// deadline-ordered model), which only the queue's keys know.
    fn hash_pending(&self, h: &mut StableHasher, relative: Option<SimTime>) {
        let mut elements = Multiset::default();
        // On a duplicating wire the messages are a set: listed, sorted and
        // deduplicated (a message resent while a copy is on the wire adds
        // nothing); otherwise summed like the other elements.
        let duplicating = self.duplicating();
        let mut messages = Multiset::default();
        let mut message_set = Hashes::default();
        // Under the deadline-ordered model a client's timeout or resend is
        // ordered with the timers, so when it is due matters.
        let ordered = self.time_model() == Some(TimeModel::Ordered);
        let times = relative.filter(|_| ordered);
        let mut add = |at: Option<SimTime>, event: &Event<N>, cached: Option<u64>| {
            // What is on the wire is always live (`is_live`), and cached.
            let wire = matches!(
                event,
                Event::Deliver { .. } | Event::Request { .. } | Event::Reply { .. }
            );
            if !wire && !self.is_live(event) {
                return;
            }
            // A client timeout or resend whose due time is in the state:
            // its cached hash (without the time) does not do.
            let timed = times.is_some()
                && matches!(
                    event,
                    Event::ClientTimeout { .. } | Event::ClientResend { .. }
                );
            let cached = if timed { None } else { cached };
            if let Some(hash) = cached.or_else(|| wire_hash(event)) {
                match event {
                    Event::Deliver { .. } if duplicating => message_set.push(hash),
                    Event::Deliver { .. } => messages.add(hash),
                    _ => elements.add(hash),
                }
                return;
            }
            let Some(mut e) = client_event_hasher(event) else {
                return;
            };
            if let (Some(now), Some(at), true) = (times, at, timed) {
                relative_time(at.max(now), now).hash(&mut e);
            }
            elements.add(e.finish());
        };
        if times.is_some() {
            for (at, _, event, cached) in self.queue.iter_hashed() {
                add(Some(at), event, cached);
            }
        } else {
            for (event, cached) in self.queue.events_hashed() {
                add(None, event, cached);
            }
        }
        let cache = self.explore.as_deref().map(|m| &m.node_hashes);
        let mut mentions = Mentions::default();
        // When time moves, when each timer is due is part of the state: it
        // decides the time after it fires (an overdue timer fires now).
        let time_moves = self.time_moves();
        for (node, id, incarnation, local, timer) in self.queue.timers_due() {
            let slot = &self.nodes[node.index()];
            let Some(state) = slot.state.as_deref() else {
                continue;
            };
            if slot.incarnation != incarnation {
                continue;
            }
            let mut e = StableHasher::new();
            (7u8, node, timer).hash(&mut e);
            if time_moves {
                let due = slot.clock.true_time_of(local, self.now).max(self.now);
                match relative {
                    None => due.hash(&mut e),
                    Some(now) => relative_time(due, now).hash(&mut e),
                }
            }
            // A timer id the node keeps nowhere (state or storage) can never
            // be cancelled, so which number it has cannot matter.
            let cached = cache
                .and_then(|c| c.get(node.index()))
                .and_then(Option::as_ref);
            let kept = match cached {
                Some(cached) => cached.numbers().binary_search(&id.0).is_ok(),
                None => mentions.of(node, state, &slot.storage).contains(id.0),
            };
            if kept {
                id.hash(&mut e);
            }
            elements.add(e.finish());
        }
        if duplicating {
            let set = message_set.as_mut_slice();
            set.sort_unstable();
            let set = dedup(set);
            (2u8, &*set).hash(h);
        } else {
            (1u8, messages.count, messages.sum).hash(h);
        }
        (elements.count, elements.sum).hash(h);
    }

    fn hash_clients(&self, h: &mut StableHasher, relative: Option<SimTime>) {
        let config = &self.settings.clients;
        for c in &self.clients {
            let first = c.lanes.first().map_or(0, |l| l.process);
            (first, c.next_request, c.target).hash(h);
            for (i, lane) in c.lanes.iter().enumerate() {
                if i > 0 {
                    lane.process.hash(h);
                }
                match &lane.pending {
                    Some(p) => {
                        (1u8, p.id, &p.op, p.attempts).hash(h);
                        if config.retry == crate::workload::RetryMode::SameId {
                            p.retries.hash(h);
                        }
                        // A resend at `t` schedules the next one if
                        // `t + resend < deadline`: what matters is how
                        // long is left, and nothing once it is under `resend`.
                        if let (Some(now), Some(every)) = (relative, config.resend) {
                            let left = relative_time(p.deadline, now);
                            (left - i128::from(every.as_nanos())).max(0).hash(h);
                        }
                    }
                    None => 0u8.hash(h),
                }
            }
        }
        (self.next_process, self.ops_issued).hash(h);
        self.workload_rng.position().hash(h);
        self.history.events.len().hash(h);
        for e in &self.history.events {
            (e.process, e.kind, &e.f, &e.key, &e.value, &e.error).hash(h);
        }
    }
}

impl<N: Node> Sim<N> {
    /// Explore mode: recompute the cached hashes of the nodes a step
    /// touched (a handler ran, or it crashed), so a fingerprint hashes each
    /// untouched node's cached value instead of its `Debug` text again.
    pub(crate) fn refresh_node_hashes(&mut self) {
        // Every explored state passes here: share its queued events (with
        // their hashes) with the copies the explorer will make of it.
        self.queue.share(queued_hash);
        let relative = self.relative_now();
        let Some(mode) = self.explore.as_deref_mut() else {
            return;
        };
        mode.node_hashes.resize(self.nodes.len(), None);
        for (slot, cached) in self.nodes.iter().zip(mode.node_hashes.iter_mut()) {
            // Relative to another time (time moved): stale too.
            if cached.as_ref().is_none_or(|c| c.relative_to != relative) {
                *cached = Some(node_hash(slot, relative));
            }
        }
        mode.monitor_hashes.resize(self.monitors.len(), None);
        for (m, cached) in self.monitors.iter().zip(mode.monitor_hashes.iter_mut()) {
            if cached.as_ref().is_none_or(|c| c.relative_to != relative) {
                *cached = Some(monitor_hash(m, relative));
            }
        }
    }

    /// A step ran monitor `index` (`after_step`): its cached hash is stale.
    pub(crate) fn monitor_changed(&mut self, index: usize) {
        if let Some(cached) = self
            .explore
            .as_deref_mut()
            .and_then(|m| m.monitor_hashes.get_mut(index))
        {
            *cached = None;
        }
    }

    /// A handler ran on `node` or it crashed: its cached hash is stale.
    pub(crate) fn node_changed(&mut self, node: NodeId) {
        if let Some(cached) = self
            .explore
            .as_deref_mut()
            .and_then(|m| m.node_hashes.get_mut(node.index()))
        {
            *cached = None;
        }
    }
}

/// One monitor's part of a fingerprint: the hash of its memory
/// ([`Monitor::fingerprint`](super::Monitor::fingerprint), or
/// [`Monitor::fingerprint_relative`](super::Monitor::fingerprint_relative)
/// to `relative_to`), kept until a step runs the monitor, as a node's is
/// kept until a handler runs on it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct MonitorHash {
    /// `None` when the monitor cannot hash itself relative to now.
    hash: Option<u64>,
    /// The time the hash is relative to, `None` when absolute.
    relative_to: Option<SimTime>,
}

/// Monitor `m`'s memory hashed alone, absolute (`relative` = `None`) or
/// relative to `relative`.
fn monitor_hash<N: Node>(
    m: &super::monitor::NamedMonitor<N>,
    relative: Option<SimTime>,
) -> MonitorHash {
    let mut h = StableHasher::new();
    let done = match relative {
        None => {
            m.monitor.fingerprint(&mut h);
            true
        }
        Some(now) => m.monitor.fingerprint_relative(now, &mut h),
    };
    MonitorHash {
        hash: done.then(|| h.finish()),
        relative_to: relative,
    }
}

/// One node's part of a fingerprint, and the numbers it keeps (for timer
/// ids). Copied with every explored world: the numbers are shared, and
/// absent (no allocation) when the node keeps none.
#[derive(Clone, Debug)]
pub(crate) struct NodeHash {
    hash: u64,
    numbers: Option<std::sync::Arc<[u64]>>,
    /// The time the hash is relative to (relative time), `None` when
    /// absolute.
    relative_to: Option<SimTime>,
}

impl NodeHash {
    /// The numbers the node keeps, sorted.
    fn numbers(&self) -> &[u64] {
        self.numbers.as_deref().unwrap_or_default()
    }
}

/// Up or down, the node's state ([`Node::fingerprint`], or
/// [`Node::fingerprint_relative`] to the node's clock reading at
/// `relative`), its random stream's position and its storage; and the large
/// numbers in its state and storage. Absolute when the node cannot hash
/// itself relative to now.
fn node_hash<N: Node>(slot: &super::world::NodeSlot<N>, relative: Option<SimTime>) -> NodeHash {
    let mut h = StableHasher::new();
    let mut mentions = Mentions::default();
    let mut relative_to = relative;
    match slot.state.as_deref() {
        Some(node) => {
            1u8.hash(&mut h);
            let done = relative.is_some_and(|now| {
                let mut r = StableHasher::new();
                let done = node.fingerprint_relative(slot.clock.local(now), &mut r);
                r.finish().hash(&mut h);
                done
            });
            if !done {
                relative_to = None;
                node.fingerprint(&mut h);
            }
            mentions.of(NodeId(0), node, &slot.storage);
        }
        None => 0u8.hash(&mut h),
    }
    slot.rng.position().hash(&mut h);
    slot.storage.hash_contents(&mut h);
    NodeHash {
        hash: h.finish(),
        numbers: (!mentions.numbers.is_empty()).then(|| mentions.numbers.into()),
        relative_to,
    }
}

/// The numbers written in one node's state (`Debug` text) and storage, read
/// once per fingerprint and node, to tell the timer ids it keeps.
#[derive(Default)]
struct Mentions {
    node: Option<NodeId>,
    numbers: Vec<u64>,
}

impl Mentions {
    fn of<N: Node>(&mut self, node: NodeId, state: &N, storage: &Storage) -> &Self {
        if self.node != Some(node) {
            self.node = Some(node);
            self.numbers.clear();
            if let Some(mut kept) = state.kept_timer_ids() {
                kept.sort_unstable();
                self.numbers = kept;
                return self;
            }
            let mut scan = Numbers {
                out: &mut self.numbers,
                run: None,
            };
            let _ = std::fmt::write(&mut scan, format_args!("{state:?}"));
            scan.end_run();
            storage.for_each_value(|value| {
                let mut scan = Numbers {
                    out: &mut self.numbers,
                    run: None,
                };
                let _ = std::fmt::write(&mut scan, format_args!("{value}"));
                scan.end_run();
            });
            self.numbers.sort_unstable();
        }
        self
    }

    fn contains(&self, n: u64) -> bool {
        self.numbers.binary_search(&n).is_ok()
    }
}

/// Collects the runs of decimal digits written to it that could be an
/// explore-mode timer id (at least 2^40; shorter or overlong runs are
/// skipped), without building the text.
struct Numbers<'a> {
    out: &'a mut Vec<u64>,
    /// The digit run so far (`None` once it overflowed).
    run: Option<Option<u64>>,
}

impl Numbers<'_> {
    fn end_run(&mut self) {
        if let Some(Some(n)) = self.run.take() {
            if n >= 1 << 40 {
                self.out.push(n);
            }
        }
    }
}

impl std::fmt::Write for Numbers<'_> {
    fn write_str(&mut self, text: &str) -> std::fmt::Result {
        for byte in text.bytes() {
            if byte.is_ascii_digit() {
                let digit = u64::from(byte - b'0');
                let run = self.run.get_or_insert(Some(0));
                *run = run.and_then(|n| n.checked_mul(10)?.checked_add(digit));
            } else {
                self.end_run();
            }
        }
        Ok(())
    }
}

/// A message, client request or reply on the wire: its hash in the
/// fingerprint (the same wherever it was sent from and whenever it is due,
/// so computed once per event, [`super::event::Queue::share`]). `None` for
/// other events.
pub(crate) fn wire_hash<N: Node>(event: &Event<N>) -> Option<u64> {
    let mut e = StableHasher::new();
    match event {
        Event::Deliver { from, to, msg, .. } => (1u8, from, to, msg).hash(&mut e),
        Event::Request { node, request, .. } => (2u8, node, request).hash(&mut e),
        Event::Reply {
            node,
            client,
            request_id,
            reply,
            ..
        } => (3u8, node, client, request_id, reply).hash(&mut e),
        _ => return None,
    }
    Some(e.finish())
}

/// A multiset of 64-bit element hashes, combined so that the order they
/// come in does not matter: their number and the wrapping sum of each
/// hash passed through a bijective mixer ([`Multiset::mix`], so that the
/// sum's carries do not line up with any structure the element hashes
/// share). Two different multisets of the same size combine to the same
/// sum only when a non-zero combination of their mixed hashes with small
/// integer coefficients (the differences of multiplicities) is zero
/// modulo 2^64: about 2^-64 for each pair, times the multiplicity (a
/// message present twice in one and not at all in the other gives `2x =
/// 2y`, about 2^-63). This is the same order as two different element
/// lists colliding in one 64-bit hash, the argument the fingerprint rests
/// on (`docs/explore.md`, "The state fingerprint").
#[derive(Clone, Copy, Default)]
struct Multiset {
    count: u64,
    sum: u64,
}

impl Multiset {
    #[inline]
    fn add(&mut self, hash: u64) {
        self.count += 1;
        self.sum = self.sum.wrapping_add(Self::mix(hash));
    }

    /// The 64-bit finaliser of MurmurHash3 (a bijection of `u64`).
    #[inline]
    fn mix(mut x: u64) -> u64 {
        x ^= x >> 33;
        x = x.wrapping_mul(0xFF51_AFD7_ED55_8CCD);
        x ^= x >> 33;
        x = x.wrapping_mul(0xC4CE_B9FE_1A85_EC53);
        x ^ (x >> 33)
    }
}

/// A client event's or a start's part of a fingerprint, without when it is
/// due (which relative deadline-ordered time adds for a timeout or a
/// resend): the hasher, not finished. `None` for other events.
fn client_event_hasher<N: Node>(event: &Event<N>) -> Option<StableHasher> {
    let mut e = StableHasher::new();
    match event {
        Event::ClientWake(client) => (4u8, client).hash(&mut e),
        Event::ClientTimeout { client, request_id } => (5u8, client, request_id).hash(&mut e),
        Event::Start(node) => (6u8, node).hash(&mut e),
        Event::ClientResend { client, request_id } => (8u8, client, request_id).hash(&mut e),
        _ => return None,
    }
    Some(e)
}

/// The hash cached with a queued event when it is shared
/// ([`super::event::Queue::share`]): its [`wire_hash`], or for a client
/// event or a start its [`client_event_hasher`]'s (the fingerprint adds
/// the due time itself where it counts). `None` for other events.
fn queued_hash<N: Node>(event: &Event<N>) -> Option<u64> {
    wire_hash(event).or_else(|| client_event_hasher(event).map(|e| e.finish()))
}

/// Up to [`Hashes::INLINE`] element hashes on the stack, more on the heap:
/// the fingerprint's multisets without an allocation per state (they had
/// been a `Vec` each, regrown as they filled).
struct Hashes {
    len: usize,
    inline: [u64; Hashes::INLINE],
    spill: Vec<u64>,
}

impl Hashes {
    const INLINE: usize = 48;

    fn push(&mut self, hash: u64) {
        if self.len < Self::INLINE {
            self.inline[self.len] = hash;
        } else {
            if self.spill.is_empty() {
                self.spill.reserve(2 * Self::INLINE);
                self.spill.extend_from_slice(&self.inline);
            }
            self.spill.push(hash);
        }
        self.len += 1;
    }

    fn as_mut_slice(&mut self) -> &mut [u64] {
        if self.len <= Self::INLINE {
            &mut self.inline[..self.len]
        } else {
            &mut self.spill
        }
    }
}

impl Default for Hashes {
    fn default() -> Self {
        Hashes {
            len: 0,
            inline: [0; Hashes::INLINE],
            spill: Vec::new(),
        }
    }
}

/// `Vec::dedup` on a sorted slice: the distinct values, moved to the front.
fn dedup(sorted: &mut [u64]) -> &mut [u64] {
    let mut kept = 0;
    let mut i = 0;
    while i < sorted.len() {
        if kept == 0 || sorted[i] != sorted[kept - 1] {
            sorted[kept] = sorted[i];
            kept += 1;
        }
        i += 1;
    }
    &mut sorted[..kept]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The multiset combination does not depend on the order the elements
    /// come in, and tells apart multisets that differ in one element, in
    /// a multiplicity, or in size.
    #[test]
    fn multisets_ignore_order_and_tell_contents_apart() {
        let of = |hashes: &[u64]| {
            let mut m = Multiset::default();
            for &x in hashes {
                m.add(x);
            }
            (m.count, m.sum)
        };
        let base = [3u64, 1 << 63, 17, 17, u64::MAX, 0];
        let mut reversed = base;
        reversed.reverse();
        let mut rotated = base;
        rotated.rotate_left(2);
        assert_eq!(of(&base), of(&reversed));
        assert_eq!(of(&base), of(&rotated));
        assert_ne!(of(&base), of(&[3, 1 << 63, 17, 18, u64::MAX, 0]));
        assert_ne!(of(&base), of(&[3, 1 << 63, 17, u64::MAX, u64::MAX, 0]));
        assert_ne!(of(&base), of(&base[1..]));
        assert_ne!(of(&[]), of(&[0]));
        // Pairs that a plain sum would merge: {1, 4} and {2, 3}.
        assert_ne!(of(&[1, 4]), of(&[2, 3]));
        // `mix` is a bijection on a sample (no two inputs collide).
        let mut mixed: Vec<u64> = (0..10_000u64).map(Multiset::mix).collect();
        mixed.sort_unstable();
        mixed.dedup();
        assert_eq!(mixed.len(), 10_000);
    }

    /// The stack lists hash as the `Vec`s they replaced (the fingerprint
    /// did not change), below, at and above the inline size, and `dedup`
    /// keeps what `Vec::dedup` keeps.
    #[test]
    fn stack_lists_hash_like_vecs() {
        for len in [
            0,
            1,
            7,
            Hashes::INLINE - 1,
            Hashes::INLINE,
            Hashes::INLINE + 1,
            300,
        ] {
            let values: Vec<u64> = (0..len as u64).map(|i| (i * 7919) % 13).collect();
            let mut stack = Hashes::default();
            for &v in &values {
                stack.push(v);
            }
            let mut vec = values.clone();
            vec.sort_unstable();
            let sorted = stack.as_mut_slice();
            sorted.sort_unstable();
            assert_eq!(sorted, &vec[..], "len {len}");
            let (mut a, mut b) = (StableHasher::new(), StableHasher::new());
            (&*sorted, &*sorted).hash(&mut a);
            (vec.clone(), vec.clone()).hash(&mut b);
            assert_eq!(a.finish(), b.finish(), "len {len}");
            let kept = dedup(sorted).to_vec();
            vec.dedup();
            assert_eq!(kept, vec, "len {len}");
        }
    }
}
