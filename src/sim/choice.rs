//! The engine's choice API, for exhaustive exploration.
//!
//! A normal run is one path: [`Sim::step`] always takes the earliest event.
//! An explored world is a tree of paths: from each state the explorer lists
//! every [`Choice`] that is enabled ([`Sim::choices`]) and applies the one it
//! picks ([`Sim::apply_choice`]), on a clone of the world for each branch.
//!
//! In explore mode ([`Sim::start_exploring`]):
//!
//! - **Order, not time, is explored**: the network is an unordered multiset
//!   (any message on the wire may arrive next, latency ignored; or a
//!   duplicating set, [`Wire`]) and any pending timer may fire next. Time
//!   moves only when a timer fires, to its deadline ([`TimeModel::Timers`],
//!   the default), or stands still ([`TimeModel::Frozen`]).
//! - **Faults come only from choices**: the scenario's scheduled faults, its
//!   nemesis and the settle point are removed; random loss and duplication
//!   are off. Dropping or duplicating a message and crashing or restarting a
//!   node are choices the explorer offers within its budgets.
//! - **Clients** issue an operation when they are idle and below their
//!   per-client bound; a pending operation may time out at any moment.
//! - **Timer ids** are allocated per node (`(node + 1) << 40 | count`), so
//!   the ids a node sees depend on its own history only, and cancelled or
//!   stale timers are removed at once.
//!
//! Every choice is processed like a step of a normal run: the step counter,
//! the trace hash and trace entry, the effects, the monitors and the
//! `always` checks are exactly those of [`Sim::step`].

use super::event::{ErasedEvent, Event};
use super::hash::StableHasher;
use super::ids::{ClientId, Endpoint, NodeId};
use super::node::Node;
use super::panics::{catch_panic, PANIC_CHECK};
use super::step::StepResult;
use super::trace::debug_text;
use super::world::Sim;
use super::SimTime;
use crate::check::{CheckKind, CheckResult, Outcome};
use crate::faults::{FaultAction, Target};
use crate::net::NetConfig;
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};

/// One thing that may happen next in an explored world. Queued events are
/// named by their scheduling number (`seq`), which is deterministic: the same
/// choices from the same initial state give the same numbers, so a path of
/// choices replays exactly.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case", deny_unknown_fields)]
pub enum Choice {
    /// Run queued event `seq` now: deliver a message, a client request or
    /// a reply; fire a timer; a client's next operation or its timeout.
    Run {
        /// The event's scheduling number.
        seq: u64,
    },
    /// Lose the message `seq` on the wire.
    Drop {
        /// The delivery's scheduling number.
        seq: u64,
    },
    /// Copy the message `seq` on the wire (both copies arrive, in any order).
    Duplicate {
        /// The delivery's scheduling number.
        seq: u64,
    },
    /// Crash a live node.
    Crash {
        /// The node's index.
        node: u32,
    },
    /// Restart a crashed node.
    Restart {
        /// The node's index.
        node: u32,
    },
}

/// Which fault choices [`Sim::choices`] offers (the explorer turns each off
/// when its budget is spent).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FaultChoices {
    /// Offer dropping each message on the wire.
    pub drop: bool,
    /// Offer duplicating each message on the wire.
    pub duplicate: bool,
    /// Offer crashing each live node.
    pub crash: bool,
    /// Offer restarting each crashed node.
    pub restart: bool,
}

/// How the explored network treats a delivered message.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Wire {
    /// An unordered multiset: a delivery takes the message off the wire
    /// (stateright's unordered non-duplicating network). Exact.
    #[default]
    Multiset,
    /// An unordered set whose messages stay after delivery, so any message
    /// may arrive again, any number of times (stateright's unordered
    /// duplicating network, DSLabs' network). Every state of the multiset
    /// model's nodes is reachable here too; a protocol that resends on a
    /// timer gets a finite space; no state is ever terminal.
    Duplicating,
}

/// How time passes in an explored world.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TimeModel {
    /// Time moves only when a timer fires: to that timer's deadline, if
    /// later than now (never back). Messages arrive at the current time. The
    /// time is part of the state, so a handler that compares clock readings
    /// (Raft's election deadline) behaves as in a run. Spaces with periodic
    /// timers are infinite: bound the depth.
    #[default]
    Timers,
    /// Time stands still at boot: every handler reads the same clock, and
    /// time is not part of the state, so periodic timers do not make the
    /// space infinite. Exact only for protocols whose handlers never read
    /// the clock; the search reports when one did.
    Frozen,
    /// As [`TimeModel::Timers`], but timers fire in deadline order, as in a
    /// run without clock faults: only the pending timers (and clients'
    /// timeouts and resends) with the earliest deadline may come next, and
    /// time moves to it. Messages still take any time (they may arrive
    /// after any number of timers fired). Far fewer states than
    /// [`TimeModel::Timers`]; it cannot express a timer that fires before
    /// an earlier one (which only clock drift allows).
    Ordered,
}

/// How a world is explored: [`Sim::start_exploring`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExploreOptions {
    /// Operations each client may issue.
    pub ops_per_client: u64,
    /// The network model.
    #[serde(default)]
    pub wire: Wire,
    /// The time model.
    #[serde(default)]
    pub time: TimeModel,
    /// Fingerprint times relative to now, so that states that differ only
    /// by when they happen are one state ([`Sim::fingerprint`], the module
    /// doc of `sim::fingerprint`). Changes which states the explorer merges,
    /// never what a path does.
    #[serde(default)]
    pub relative_time: bool,
}

/// Explore-mode state kept in the world.
#[derive(Debug)]
pub(crate) struct ExploreMode {
    /// Operations each client may issue.
    pub(crate) ops_per_client: u64,
    /// The network model.
    pub(crate) wire: Wire,
    /// Each node's part of the fingerprint, `None` when a step touched it;
    /// copied with the world (a hash and, for a node that keeps timer ids,
    /// a shared list of them: no allocation per copy).
    pub(crate) node_hashes: Vec<Option<super::fingerprint::NodeHash>>,
    /// Each monitor's part of the fingerprint, `None` when a step ran it.
    pub(crate) monitor_hashes: Vec<Option<super::fingerprint::MonitorHash>>,
    /// The time model.
    pub(crate) time: TimeModel,
    /// A handler read its clock (`ctx.now()`) since exploring began.
    pub(crate) clock_read: bool,
    /// Per-node timer id counters.
    pub(crate) next_timer: Vec<u64>,
    /// Fingerprint times relative to now ([`ExploreOptions::relative_time`]).
    pub(crate) relative_time: bool,
}

impl Clone for ExploreMode {
    fn clone(&self) -> Self {
        let ExploreMode {
            ops_per_client,
            wire,
            node_hashes,
            monitor_hashes,
            time,
            clock_read,
            next_timer,
            relative_time,
        } = self;
        ExploreMode {
            ops_per_client: *ops_per_client,
            wire: *wire,
            node_hashes: node_hashes.clone(),
            monitor_hashes: monitor_hashes.clone(),
            time: *time,
            clock_read: *clock_read,
            next_timer: next_timer.clone(),
            relative_time: *relative_time,
        }
    }

    /// As `clone`, keeping this mode's vectors.
    fn clone_from(&mut self, source: &Self) {
        let ExploreMode {
            ops_per_client,
            wire,
            node_hashes,
            monitor_hashes,
            time,
            clock_read,
            next_timer,
            relative_time,
        } = self;
        *ops_per_client = source.ops_per_client;
        *wire = source.wire;
        node_hashes.clone_from(&source.node_hashes);
        monitor_hashes.clone_from(&source.monitor_hashes);
        *time = source.time;
        *clock_read = source.clock_read;
        next_timer.clone_from(&source.next_timer);
        *relative_time = source.relative_time;
    }
}

impl<N: Node> Sim<N> {
    /// Enter explore mode (see the module doc): remove scheduled faults, the
    /// nemesis and the settle point, turn random loss and duplication off,
    /// boot every node (their `on_start`, in id order, as at time 0 of a
    /// run). Each client may then issue up to `options.ops_per_client`
    /// operations. Call it once, on a freshly built world.
    pub fn start_exploring(&mut self, options: ExploreOptions) -> StepResult {
        let nodes = self.settings.nodes as usize;
        self.explore = Some(Box::new(ExploreMode {
            ops_per_client: options.ops_per_client,
            wire: options.wire,
            node_hashes: Vec::new(),
            monitor_hashes: Vec::new(),
            time: options.time,
            clock_read: false,
            next_timer: vec![0; nodes],
            relative_time: options.relative_time,
        }));
        for (i, counter) in self.explore_counters().iter_mut().enumerate() {
            *counter = (i as u64 + 1) << 40;
        }
        let mut net = self.settings.base_net.clone();
        quiet_network(&mut net);
        self.network.restore_rates(&net);
        let control: Vec<u64> = self
            .queue
            .iter()
            .filter(|(_, _, e)| {
                matches!(
                    e,
                    Event::Fault(_)
                        | Event::NemesisTick
                        | Event::NemesisUndo(_)
                        | Event::NemesisMix
                        | Event::Resume(_)
                        | Event::Settle
                        | Event::ExperimentAbort
                        | Event::Serve(_)
                )
            })
            .map(|(_, seq, _)| seq)
            .collect();
        for seq in control {
            self.queue.take(seq);
        }
        let mut starts: Vec<u64> = self
            .queue
            .iter()
            .filter(|(_, _, e)| matches!(e, Event::Start(_)))
            .map(|(_, seq, _)| seq)
            .collect();
        starts.sort_unstable();
        for seq in starts {
            if let Some(event) = self.queue.take(seq) {
                if self.process(self.now, event) == StepResult::Violated {
                    return StepResult::Violated;
                }
                self.purge_dead_timers();
            }
        }
        self.refresh_node_hashes();
        StepResult::Progressed
    }

    fn explore_counters(&mut self) -> &mut [u64] {
        match self.explore.as_deref_mut() {
            Some(mode) => &mut mode.next_timer,
            None => &mut [],
        }
    }

    /// True once [`Sim::start_exploring`] ran.
    pub fn is_exploring(&self) -> bool {
        self.explore.is_some()
    }

    /// Every enabled choice, in a fixed order: queued events by scheduling
    /// number (identical messages on one link offered once: the network is
    /// a multiset), then the fault choices `faults` allows. Empty once a
    /// check failed, and outside explore mode.
    pub fn choices(&self, faults: FaultChoices) -> Vec<Choice> {
        let mut out = Vec::new();
        self.choices_into(faults, &mut out);
        out
    }

    /// [`Sim::choices`] into `out` (cleared first), so that a caller that
    /// lists the choices of many states reuses one buffer.
    pub fn choices_into(&self, faults: FaultChoices, out: &mut Vec<Choice>) {
        out.clear();
        if self.violation.is_some() || self.explore.is_none() {
            return;
        }
        // Messages on the wire, one per distinct (link, message): the
        // earliest scheduled of identical ones, by their wire hash.
        // On the stack while short (no allocation per state).
        let mut wire = WireList::default();
        // Under the deadline-ordered model a live client timeout or resend
        // may run only if due by the horizon ([`Sim::horizon`]), which
        // depends on all of them: they wait here, as (Some(due), seq), and
        // the horizon is found from the same walk over the queue.
        let ordered = self.time_model() == Some(TimeModel::Ordered);
        let mut timed = WireList::default();
        let mut earliest: Option<SimTime> = None;
        for (at, seq, event, hash) in self.queue.iter_hashed() {
            if let Event::Deliver { .. } = event {
                // Identical messages on one link: the same wire hash.
                let hash = hash.or_else(|| super::fingerprint::wire_hash(event));
                match wire.as_mut_slice().iter_mut().find(|(h, _)| *h == hash) {
                    Some(first) => first.1 = first.1.min(seq),
                    None => wire.push((hash, seq)),
                }
            } else if self.is_live(event) {
                if ordered && is_timed(event) {
                    timed.push((Some(at.0), seq));
                    earliest = Some(earliest.map_or(at, |e| e.min(at)));
                } else {
                    out.push(Choice::Run { seq });
                }
            }
        }
        let horizon = if ordered {
            self.live_timer_times()
                .map(|(_, due)| due)
                .chain(earliest)
                .min()
                .map(|earliest| earliest.max(self.now))
        } else {
            None
        };
        for &(at, seq) in timed.as_mut_slice().iter() {
            let at = SimTime(at.unwrap_or_default());
            if horizon.is_none_or(|h| at <= h) {
                out.push(Choice::Run { seq });
            }
        }
        debug_assert_eq!(horizon, self.horizon());
        let wire = wire.as_mut_slice();
        out.extend(wire.iter().map(|&(_, seq)| Choice::Run { seq }));
        match horizon {
            Some(h) => out.extend(
                self.live_timer_times()
                    .filter(|&(_, due)| due <= h)
                    .map(|(seq, _)| Choice::Run { seq }),
            ),
            None => out.extend(self.live_timers().map(|(seq, _)| Choice::Run { seq })),
        }
        // Every choice so far is a `Run`: in scheduling order.
        out.sort_unstable();
        if faults.drop || faults.duplicate {
            let mut seqs: Vec<u64> = wire.iter().map(|&(_, seq)| seq).collect();
            seqs.sort_unstable();
            if faults.drop {
                out.extend(seqs.iter().map(|&seq| Choice::Drop { seq }));
            }
            if faults.duplicate && !self.duplicating() {
                out.extend(seqs.iter().map(|&seq| Choice::Duplicate { seq }));
            }
        }
        for (i, slot) in self.nodes.iter().enumerate() {
            let node = i as u32;
            match slot.state {
                Some(_) if faults.crash => out.push(Choice::Crash { node }),
                None if faults.restart => out.push(Choice::Restart { node }),
                _ => {}
            }
        }
    }

    /// Pending timers that may fire: (seq, node).
    pub(crate) fn live_timers(&self) -> impl Iterator<Item = (u64, NodeId)> + '_ {
        self.queue
            .timers()
            .filter(|(node, _, _, incarnation, _)| {
                let slot = &self.nodes[node.index()];
                slot.state.is_some() && slot.incarnation == *incarnation
            })
            .map(|(node, _, seq, _, _)| (seq, node))
    }

    /// Pending timers that may fire, with their deadlines in true time:
    /// (seq, deadline).
    fn live_timer_times(&self) -> impl Iterator<Item = (u64, SimTime)> + '_ {
        self.queue
            .timer_deadlines()
            .filter(|&(node, _, incarnation, _)| {
                let slot = &self.nodes[node.index()];
                slot.state.is_some() && slot.incarnation == incarnation
            })
            .map(|(node, seq, _, local)| {
                let clock = self.nodes[node.index()].clock;
                (seq, clock.true_time_of(local, self.now))
            })
    }

    /// Under [`TimeModel::Ordered`]: the latest time a timed event (a
    /// timer, a client's timeout or resend) may have to run next — the
    /// earliest pending deadline, or now if one is overdue. `None` under
    /// the other models (any timed event may run next) or when none is
    /// pending.
    fn horizon(&self) -> Option<SimTime> {
        if self.time_model() != Some(TimeModel::Ordered) {
            return None;
        }
        let clients = self
            .queue
            .iter()
            .filter(|(_, _, e)| is_timed(e) && self.is_live(e))
            .map(|(at, _, _)| at);
        let earliest = self
            .live_timer_times()
            .map(|(_, due)| due)
            .chain(clients)
            .min()?;
        Some(earliest.max(self.now))
    }

    /// Would running this queued (non-timer) event do something? Messages
    /// and client traffic on the wire always arrive (a node that is down
    /// loses them); a client's next operation needs an idle client below
    /// its bound; a timeout or a resend needs the operation still open.
    pub(crate) fn is_live(&self, event: &Event<N>) -> bool {
        match event {
            Event::Deliver { .. } | Event::Request { .. } | Event::Reply { .. } => true,
            Event::ClientWake(client) => self.may_issue(*client),
            Event::ClientTimeout { client, request_id }
            | Event::ClientResend { client, request_id } => {
                self.clients[client.0 as usize].open(*request_id).is_some()
            }
            Event::Start(_) => true,
            Event::Timer { .. }
            | Event::Fault(_)
            | Event::NemesisTick
            | Event::NemesisUndo(_)
            | Event::NemesisMix
            | Event::Resume(_)
            | Event::Settle
            | Event::ExperimentAbort
            | Event::Serve(_) => false,
        }
    }

    /// True when delivered messages stay on the wire ([`Wire::Duplicating`]).
    pub(crate) fn duplicating(&self) -> bool {
        self.explore
            .as_deref()
            .is_some_and(|m| m.wire == Wire::Duplicating)
    }

    fn may_issue(&self, client: ClientId) -> bool {
        let Some(mode) = self.explore.as_deref() else {
            return false;
        };
        let slot = &self.clients[client.0 as usize];
        let global = self.settings.clients.max_ops;
        self.settings.workload.is_some()
            && slot.has_idle_lane()
            && slot.next_request < mode.ops_per_client
            && global.is_none_or(|max| self.ops_issued < max)
    }

    /// Apply one choice as one step (see the module doc). A choice that is
    /// not enabled (an event no longer queued, a node in the wrong state)
    /// changes nothing and returns `None`.
    pub fn apply_choice(&mut self, choice: &Choice) -> Option<StepResult> {
        if self.violation.is_some() {
            return Some(StepResult::Violated);
        }
        let result = match *choice {
            Choice::Run { seq } if self.duplicating() && self.queue.is_delivery(seq) => {
                let event = self.queue.get(seq)?.clone();
                self.process(self.now, event)
            }
            Choice::Run { seq } => {
                // A client's timeout or resend moves time to when it is
                // due under the deadline-ordered model.
                let (queued_at, event) = self.queue.take_at(seq)?;
                let due = match self.time_model() {
                    Some(TimeModel::Ordered) if is_timed(&event) => queued_at,
                    _ => None,
                };
                if event.is_in_flight() {
                    self.in_flight -= 1;
                }
                let at = due.map_or_else(|| self.time_of(&event), |due| due.max(self.now));
                self.process(at, event)
            }
            Choice::Drop { seq } => {
                let text = self.take_delivery(seq, "drop")?;
                self.counters.dropped += 1;
                self.process_wire_fault(text)
            }
            Choice::Duplicate { seq } => {
                let event = self.queue.take(seq)?;
                let Event::Deliver {
                    msg_id, from, to, ..
                } = &event
                else {
                    self.queue.push(self.now, event);
                    return None;
                };
                let text = format!("duplicate message #{msg_id} {from} -> {to}");
                self.counters.duplicated += 1;
                self.in_flight += 1;
                self.queue.push(self.now, event.clone());
                self.queue.push(self.now, event);
                self.process_wire_fault(text)
            }
            Choice::Crash { node } => {
                self.node(NodeId(node))?;
                let action = FaultAction::Crash(Target::Node(NodeId(node)));
                self.process(self.now, Event::Fault(Box::new(action)))
            }
            Choice::Restart { node } => {
                if (node as usize) >= self.nodes.len() || self.node(NodeId(node)).is_some() {
                    return None;
                }
                let action = FaultAction::Restart(Target::Node(NodeId(node)));
                self.process(self.now, Event::Fault(Box::new(action)))
            }
        };
        self.purge_dead_timers();
        self.refresh_node_hashes();
        Some(result)
    }

    /// When `event` runs: now, or, for a timer under [`TimeModel::Timers`],
    /// its deadline if that is later.
    fn time_of(&self, event: &Event<N>) -> super::SimTime {
        let timers = self.time_moves();
        match event {
            Event::Timer {
                node,
                local_deadline,
                ..
            } if timers => {
                let clock = self.nodes[node.index()].clock;
                self.now.max(clock.true_time_of(*local_deadline, self.now))
            }
            _ => self.now,
        }
    }

    /// True when time is part of the explored state ([`TimeModel::Timers`]).
    pub(crate) fn time_moves(&self) -> bool {
        self.explore
            .as_deref()
            .is_some_and(|m| m.time != TimeModel::Frozen)
    }

    /// Has a handler read its clock since exploring began?
    pub fn clock_was_read(&self) -> bool {
        self.explore.as_deref().is_some_and(|m| m.clock_read)
    }

    /// The time model in force (explore mode only).
    pub fn time_model(&self) -> Option<TimeModel> {
        self.explore.as_deref().map(|m| m.time)
    }

    /// Take message `seq` off the wire for a drop; its description.
    fn take_delivery(&mut self, seq: u64, verb: &str) -> Option<String> {
        let event = self.queue.take(seq)?;
        let Event::Deliver {
            msg_id, from, to, ..
        } = &event
        else {
            self.queue.push(self.now, event);
            return None;
        };
        self.in_flight -= 1;
        Some(format!("{verb} message #{msg_id} {from} -> {to}"))
    }

    /// Remove cancelled timers and timers from before a crash at once, so
    /// an explored state holds only timers that can fire.
    fn purge_dead_timers(&mut self) {
        let cancelled = std::mem::take(&mut self.cancelled);
        let nodes = &self.nodes;
        self.queue
            .purge_timers(&cancelled, |n| nodes[n.index()].incarnation);
    }

    /// A choice in words, as of this state (before it is applied):
    /// `deliver n0 -> n1 Ping(0)`, `fire n2's timer Election`, ...
    pub fn describe_choice(&self, choice: &Choice) -> String {
        let event = match *choice {
            Choice::Run { seq } | Choice::Drop { seq } | Choice::Duplicate { seq } => {
                self.describe_queued(seq)
            }
            Choice::Crash { .. } | Choice::Restart { .. } => None,
        };
        choice_text(choice, event)
    }

    /// Queued event `seq` in words, if it is queued.
    fn describe_queued(&self, seq: u64) -> Option<String> {
        if let Some((_, node)) = self.live_timers().find(|&(s, _)| s == seq) {
            let timer = self
                .queue
                .timers()
                .find(|t| t.2 == seq)
                .map(|t| debug_text(&t.4))
                .unwrap_or_default();
            return Some(format!("fire {node}'s timer {}", clip(&timer)));
        }
        let (_, _, event) = self.queue.iter().find(|(_, s, _)| *s == seq)?;
        Some(describe_event(event.erased()))
    }
}

/// [`Sim::describe_choice`] once the event it names is described
/// (`None`: not queued).
fn choice_text(choice: &Choice, event: Option<String>) -> String {
    let event = |seq: u64| event.clone().unwrap_or_else(|| format!("event #{seq}"));
    match *choice {
        Choice::Run { seq } => event(seq),
        Choice::Drop { seq } => format!("drop: {}", event(seq)),
        Choice::Duplicate { seq } => format!("duplicate: {}", event(seq)),
        Choice::Crash { node } => format!("crash {}", NodeId(node)),
        Choice::Restart { node } => format!("restart {}", NodeId(node)),
    }
}

impl<N: Node> Sim<N> {
    /// The `eventually` and end-of-run (history) checks, evaluated on the
    /// world as it is now: the explorer runs them on terminal states. A
    /// panic in one is the failed check `panic`.
    pub fn terminal_checks(&self) -> Vec<CheckResult> {
        let settings = std::sync::Arc::clone(&self.settings);
        let mut out = Vec::new();
        for inv in &settings.invariants {
            if !matches!(inv.kind, CheckKind::Eventually | CheckKind::AtEnd) {
                continue;
            }
            let site = || format!("the end-of-run check `{}`", inv.name);
            let (name, kind, outcome) = match catch_panic(site, || inv.evaluate(self)) {
                Ok(outcome) => (inv.name.clone(), inv.kind, outcome),
                Err(panic) => (
                    PANIC_CHECK.to_string(),
                    CheckKind::Always,
                    Outcome::Fail(panic.to_string()),
                ),
            };
            out.push(CheckResult {
                name,
                kind,
                outcome,
            });
        }
        out
    }

    /// Is this state outside the search boundary: does a live node's value
    /// of one of its protocol's bound quantities ([`Node::BOUNDS`]) exceed
    /// its limit? `limits[i]` is the limit of `N::BOUNDS[i]` (`None`: not
    /// bounded).
    pub fn outside_bounds(&self, limits: &[Option<u64>]) -> bool {
        self.nodes
            .iter()
            .filter_map(|slot| slot.state.as_deref())
            .any(|node| {
                N::BOUNDS
                    .iter()
                    .zip(limits)
                    .any(|(bound, limit)| limit.is_some_and(|l| (bound.value)(node) > l))
            })
    }

    /// Messages, client requests and replies on the wire: the explorer's
    /// `wire` bound. Counted as the fingerprint counts them: identical
    /// messages on a duplicating wire once.
    pub fn wire_len(&self) -> usize {
        let mut messages: Vec<u64> = Vec::new();
        let mut other = 0;
        for (_, _, event) in self.queue.iter() {
            match event {
                Event::Deliver { from, to, msg, .. } => {
                    let mut h = StableHasher::new();
                    (from, to, msg).hash(&mut h);
                    messages.push(h.finish());
                }
                Event::Request { .. } | Event::Reply { .. } => other += 1,
                _ => {}
            }
        }
        if self.duplicating() {
            messages.sort_unstable();
            messages.dedup();
        }
        messages.len() + other
    }

    /// For each registered check (in [`Sim::invariants`] order): has it
    /// been a `sometimes` check that held after some step of this path?
    pub fn sometimes_seen(&self) -> &[bool] {
        &self.sometimes_seen
    }
}

/// The distinct messages on the wire while listing choices: (wire hash,
/// earliest seq), up to [`WireList::INLINE`] on the stack, more on the heap.
struct WireList {
    len: usize,
    inline: [(Option<u64>, u64); WireList::INLINE],
    spill: Vec<(Option<u64>, u64)>,
}

impl WireList {
    const INLINE: usize = 32;

    fn push(&mut self, item: (Option<u64>, u64)) {
        if self.len < Self::INLINE {
            self.inline[self.len] = item;
        } else {
            if self.spill.is_empty() {
                self.spill.reserve(2 * Self::INLINE);
                self.spill.extend_from_slice(&self.inline);
            }
            self.spill.push(item);
        }
        self.len += 1;
    }

    fn as_mut_slice(&mut self) -> &mut [(Option<u64>, u64)] {
        if self.len <= Self::INLINE {
            &mut self.inline[..self.len]
        } else {
            &mut self.spill
        }
    }
}

impl Default for WireList {
    fn default() -> Self {
        WireList {
            len: 0,
            inline: [(None, 0); WireList::INLINE],
            spill: Vec::new(),
        }
    }
}

/// A client's timeout or resend: an event that waits for its time (the
/// deadline-ordered model orders them with the timers).
fn is_timed<N: Node>(event: &Event<N>) -> bool {
    matches!(
        event,
        Event::ClientTimeout { .. } | Event::ClientResend { .. }
    )
}

/// No random loss or duplication anywhere (latency is ignored anyway).
fn quiet_network(net: &mut NetConfig) {
    net.default.loss = super::Ratio::ZERO;
    net.default.duplicate = super::Ratio::ZERO;
    for link in net.links.values_mut() {
        link.loss = super::Ratio::ZERO;
        link.duplicate = super::Ratio::ZERO;
    }
}

fn describe_event(event: ErasedEvent<'_>) -> String {
    match event {
        ErasedEvent::Deliver { from, to, msg, .. } => {
            format!("deliver {from} -> {to} {}", clip(&format!("{msg:?}")))
        }
        ErasedEvent::Request { node, request } => format!(
            "deliver {} -> {node} request {}",
            Endpoint::Client(request.client),
            clip(&format!("{:?}", request.op))
        ),
        ErasedEvent::Reply {
            node,
            client,
            reply,
        } => {
            format!(
                "deliver {node} -> {client} reply {}",
                clip(&format!("{reply:?}"))
            )
        }
        ErasedEvent::ClientWake(client) => format!("{client} invokes its next operation"),
        ErasedEvent::ClientTimeout(client) => format!("{client}'s operation times out"),
        ErasedEvent::ClientResend(client) => format!("{client} resends its operation"),
        ErasedEvent::Start(node) => format!("start {node}"),
        ErasedEvent::Timer { node, timer } => format!("fire {node}'s timer {timer:?}"),
        ErasedEvent::Fault(action) => format!("fault {action:?}"),
        ErasedEvent::NemesisTick | ErasedEvent::NemesisUndo(_) | ErasedEvent::NemesisMix => {
            "nemesis".into()
        }
        ErasedEvent::Resume(node) => format!("resume {node}"),
        ErasedEvent::Settle => "settle".into(),
        ErasedEvent::ExperimentAbort => "experiment abort".into(),
        ErasedEvent::Serve(node) => format!("serve {node}"),
    }
}

fn clip(text: &str) -> String {
    super::panics::clip(text, 120)
}

#[cfg(test)]
mod wire_list_tests {
    use super::WireList;

    /// The stack list holds what a vector would, below, at and past its
    /// inline size.
    #[test]
    fn wire_list_is_a_vec() {
        for len in [0, 1, 31, 32, 33, 100] {
            let mut list = WireList::default();
            let mut vec = Vec::new();
            for i in 0..len as u64 {
                let item = ((i % 3 != 0).then_some(i * 7), i);
                list.push(item);
                vec.push(item);
            }
            assert_eq!(list.as_mut_slice(), &vec[..], "{len}");
        }
    }
}
