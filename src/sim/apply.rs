//! Applying faults to the world: partitions, crashes, restarts, clocks, loss.
//!
//! The faults' code reads the nodes only to resolve a target (who is up,
//! who holds a role) and acts on a node only through a crash, a restart,
//! a clock jump, a pause or a slow-down. It runs on `dyn FaultHost`,
//! which every `Sim<N>` implements with those few small methods, so it is
//! compiled once for the library rather than once per node type
//! (docs/architecture.md, "What stays generic").

use super::event::Event;
use super::ids::{Endpoint, NodeId};
use super::node::Node;
use super::rng::Prng;
use super::rng::Ratio;
use super::world::Sim;
use super::SimTime;
use crate::faults::{
    FaultAction, HealScope, Nemesis, NemesisConfig, NetChange, PartitionSpec, Target,
};
use crate::net::{LinkRule, NetConfig, Network};
use std::hash::Hash;

/// What applying a fault needs from a world: its nodes (up or not, their
/// roles), the network, the fault stream, and the actions on one node.
/// Every `Sim<N>` is one; the fault code itself runs on `dyn FaultHost`.
pub(crate) trait FaultHost {
    /// Number of nodes.
    fn node_count(&self) -> u32;
    /// Number of clients.
    fn client_count(&self) -> u32;
    /// True (virtual) time.
    fn now(&self) -> SimTime;
    /// Is `node` up (not crashed)?
    fn is_up(&self, node: NodeId) -> bool;
    /// The role a live node holds ([`Node::role`]); `None` if down.
    fn role_of(&self, node: NodeId) -> Option<&str>;
    /// The role a crashed node held when it crashed.
    fn role_at_crash(&self, node: NodeId) -> Option<&str>;
    /// The network.
    fn net(&self) -> &Network;
    /// The network, to change.
    fn net_mut(&mut self) -> &mut Network;
    /// The fault stream.
    fn fault_stream(&mut self) -> &mut Prng;
    /// Does a chaos experiment run (`[experiment]`)?
    fn has_experiment(&self) -> bool;
    /// The nodes inside the experiment's blast radius (the rest noted as
    /// skipped for `what`).
    fn keep_inside_radius(&mut self, nodes: Vec<NodeId>, what: &str) -> Vec<NodeId>;
    /// Is `node` inside the blast radius (every node without one)?
    fn node_in_radius(&self, node: NodeId) -> bool;
    /// Crash a node.
    fn crash_node(&mut self, node: NodeId);
    /// Restart a crashed node.
    fn restart_node(&mut self, node: NodeId);
    /// Jump a node's clock by `by_ns`.
    fn jump_node_clock(&mut self, node: NodeId, by_ns: i64);
    /// Pause a live node until `until`.
    fn pause_node(&mut self, node: NodeId, until: SimTime);
    /// Slow a node's service by `factor` until `until`; false if the node
    /// takes no time (not in `[service]`).
    fn slow_node(&mut self, node: NodeId, factor: u32, until: SimTime) -> bool;
    /// Schedule a fault at `at`.
    fn schedule_fault(&mut self, at: SimTime, action: FaultAction);
    /// Take off the wire the messages, requests and replies over a link
    /// the network cuts now and `before` did not; count them dropped.
    /// Returns (message id, from, to) of each.
    fn drop_newly_cut(&mut self, before: &Network) -> Vec<(u64, Endpoint, Endpoint)>;
    /// Apply a fault now, as a scheduled one is ([`Sim::apply_fault`]).
    fn apply_fault_now(&mut self, action: &FaultAction) -> String;
    /// Schedule a nemesis fault's undo at `at`.
    fn schedule_undo(&mut self, at: SimTime, action: FaultAction);
    /// Schedule the nemesis's next round at `at`.
    fn schedule_tick(&mut self, at: SimTime);
    /// The nemesis's state and the fault stream.
    fn nemesis_and_stream(&mut self) -> (&mut Nemesis, &mut Prng);
    /// True once clients stopped and faults were undone.
    fn is_settling(&self) -> bool;
    /// When the experiment was aborted, if it was.
    fn aborted_at(&self) -> Option<SimTime>;
    /// The experiment's progress, if one runs.
    fn chaos_mut(&mut self) -> Option<&mut super::chaos::Chaos>;
    /// Note a fault in the fault log, at the current time.
    fn log_fault(&mut self, text: String);
}

impl<N: Node> FaultHost for Sim<N> {
    fn node_count(&self) -> u32 {
        self.settings.nodes
    }
    fn client_count(&self) -> u32 {
        self.settings.clients.clients
    }
    fn now(&self) -> SimTime {
        self.now
    }
    fn is_up(&self, node: NodeId) -> bool {
        self.nodes[node.index()].state.is_some()
    }
    fn role_of(&self, node: NodeId) -> Option<&str> {
        self.nodes[node.index()].state.as_deref()?.role()
    }
    fn role_at_crash(&self, node: NodeId) -> Option<&str> {
        self.nodes[node.index()].role_at_crash.as_deref()
    }
    fn net(&self) -> &Network {
        &self.network
    }
    fn net_mut(&mut self) -> &mut Network {
        &mut self.network
    }
    fn fault_stream(&mut self) -> &mut Prng {
        &mut self.fault_rng
    }
    fn has_experiment(&self) -> bool {
        self.chaos.is_some()
    }
    fn keep_inside_radius(&mut self, nodes: Vec<NodeId>, what: &str) -> Vec<NodeId> {
        self.inside_blast_radius(nodes, what)
    }
    fn node_in_radius(&self, node: NodeId) -> bool {
        self.in_radius(node)
    }
    fn crash_node(&mut self, node: NodeId) {
        self.crash(node);
    }
    fn restart_node(&mut self, node: NodeId) {
        self.restart(node);
    }
    fn jump_node_clock(&mut self, node: NodeId, by_ns: i64) {
        self.jump_clock(node, by_ns);
    }
    fn pause_node(&mut self, node: NodeId, until: SimTime) {
        self.pause(node, until);
    }
    fn slow_node(&mut self, node: NodeId, factor: u32, until: SimTime) -> bool {
        self.service
            .as_deref_mut()
            .is_some_and(|s| s.slow(node, factor, until))
    }
    fn schedule_fault(&mut self, at: SimTime, action: FaultAction) {
        self.queue.push(at, Event::Fault(Box::new(action)));
    }
    fn drop_newly_cut(&mut self, before: &Network) -> Vec<(u64, Endpoint, Endpoint)> {
        let network = &self.network;
        let newly_cut =
            |from: Endpoint, to: Endpoint| network.is_cut(from, to) && !before.is_cut(from, to);
        let taken = self.queue.take_where(|event| match event {
            Event::Deliver { from, to, .. } => {
                newly_cut(Endpoint::Node(*from), Endpoint::Node(*to))
            }
            Event::Request { node, request, .. } => {
                newly_cut(Endpoint::Client(request.client), Endpoint::Node(*node))
            }
            Event::Reply { node, client, .. } => {
                newly_cut(Endpoint::Node(*node), Endpoint::Client(*client))
            }
            _ => false,
        });
        self.in_flight -= taken.len() as u64;
        self.counters.dropped += taken.len() as u64;
        taken
            .iter()
            .filter_map(|event| match event {
                Event::Deliver {
                    msg_id, from, to, ..
                } => Some((*msg_id, Endpoint::Node(*from), Endpoint::Node(*to))),
                Event::Request {
                    msg_id,
                    node,
                    request,
                } => Some((
                    *msg_id,
                    Endpoint::Client(request.client),
                    Endpoint::Node(*node),
                )),
                Event::Reply {
                    msg_id,
                    node,
                    client,
                    ..
                } => Some((*msg_id, Endpoint::Node(*node), Endpoint::Client(*client))),
                _ => None,
            })
            .collect()
    }
    fn apply_fault_now(&mut self, action: &FaultAction) -> String {
        self.apply_fault(action)
    }
    fn schedule_undo(&mut self, at: SimTime, action: FaultAction) {
        self.queue.push(at, Event::NemesisUndo(Box::new(action)));
    }
    fn schedule_tick(&mut self, at: SimTime) {
        self.queue.push(at, Event::NemesisTick);
    }
    fn nemesis_and_stream(&mut self) -> (&mut Nemesis, &mut Prng) {
        (&mut self.nemesis, &mut self.fault_rng)
    }
    fn is_settling(&self) -> bool {
        self.settling
    }
    fn aborted_at(&self) -> Option<SimTime> {
        self.chaos_aborted().map(|(at, _)| *at)
    }
    fn chaos_mut(&mut self) -> Option<&mut super::chaos::Chaos> {
        self.chaos.as_deref_mut()
    }
    fn log_fault(&mut self, text: String) {
        self.fault_log.push((self.now, text));
    }
}

impl<N: Node> Sim<N> {
    /// This world as the fault code sees it.
    pub(crate) fn host(&mut self) -> &mut (dyn FaultHost + '_) {
        self
    }

    /// Nodes a target names right now. Roles come from [`Node::role`]; a role
    /// held by several nodes, or `random`, picks one from the fault stream.
    pub fn resolve_target(&mut self, target: &Target) -> Vec<NodeId> {
        self.host().resolve_target(target)
    }

    /// Crashed nodes a restart target names: a role means the role the node
    /// held when it crashed; `random` picks one crashed node.
    pub fn resolve_crashed(&mut self, target: &Target) -> Vec<NodeId> {
        self.host().resolve_crashed(target)
    }

    /// Crashed nodes, in id order.
    pub fn crashed_nodes(&self) -> Vec<NodeId> {
        let host: &dyn FaultHost = self;
        host.crashed_nodes()
    }

    /// Apply a fault now; returns a description for the trace.
    pub(crate) fn apply_fault(&mut self, action: &FaultAction) -> String {
        let text = self.host().apply_fault_inner(action);
        self.fault_log.push((self.now, text.clone()));
        if let Some(timed) = self.timed.as_deref_mut() {
            timed.note_fault(action.kind(), &text);
        }
        if self.chaos.is_some() {
            self.chaos_note_fault(action);
        }
        text
    }

    /// Crash a node: state and timers gone, unsynced writes lost if configured.
    pub(crate) fn crash(&mut self, node: NodeId) {
        if self.explore.is_some() {
            self.node_changed(node);
        }
        let lose = self.settings.lose_unsynced;
        let slot = &mut self.nodes[node.index()];
        slot.paused_until = None;
        let mut lost = std::mem::take(&mut slot.held);
        if let Some(service) = self.service.as_deref_mut() {
            // Its queue of arrivals waiting for a worker was in memory too.
            lost.extend(service.crash(node));
        }
        let slot = &mut self.nodes[node.index()];
        if let Some(state) = slot.state.take() {
            slot.role_at_crash = state.role().map(str::to_string);
            slot.incarnation += 1;
            slot.storage.crash(lose);
        }
        // Messages and requests the node held while paused were in its
        // receive buffer: lost with it (its timers die with the incarnation).
        for event in lost {
            if event.is_in_flight() {
                self.in_flight -= 1;
                self.counters.dropped += 1;
            }
        }
    }

    /// Pause a live node until `until` (true time); a second pause
    /// extends the first. What comes due for it meanwhile waits
    /// (`Sim::hold`).
    pub(crate) fn pause(&mut self, node: NodeId, until: SimTime) {
        if self.explore.is_some() {
            self.node_changed(node);
        }
        let slot = &mut self.nodes[node.index()];
        if slot.state.is_some() {
            slot.paused_until = Some(slot.paused_until.map_or(until, |u| u.max(until)));
            self.queue.push(until, Event::Resume(node));
        }
    }

    /// A pause may be over: if `node` is paused until now (not crashed
    /// since, not paused again for longer), it resumes and what it held is
    /// scheduled now, in the order it came due.
    pub(crate) fn resume(&mut self, node: NodeId) -> String {
        let now = self.now;
        let slot = &mut self.nodes[node.index()];
        match slot.paused_until {
            Some(until) if until <= now => {
                slot.paused_until = None;
                let held = std::mem::take(&mut slot.held);
                let count = held.len();
                for event in held {
                    self.queue.push(now, event);
                }
                format!("resume {node}: {count} held event(s) run now")
            }
            Some(until) => format!("{node} stays paused until {until} (paused again)"),
            None => format!("resume {node}: not paused any more (it crashed)"),
        }
    }

    /// Restart a crashed node from its constructor; it runs `on_start` now.
    pub(crate) fn restart(&mut self, node: NodeId) {
        let slot = &mut self.nodes[node.index()];
        if slot.state.is_some() {
            return;
        }
        slot.state = Some(std::sync::Arc::new((self.settings.factory)(
            node,
            self.settings.nodes,
        )));
        (12u8, node).hash(self.trace.hasher());
        self.with_node(node, super::step::Handler::Start, &|| {
            format!("{node}'s on_start (after a restart)")
        });
    }

    /// Jump a node's clock and re-time its pending timers (they run on local time).
    pub(crate) fn jump_clock(&mut self, node: NodeId, by_ns: i64) {
        self.nodes[node.index()].clock.jump(by_ns);
        let clock = self.nodes[node.index()].clock;
        let now = self.now;
        self.queue.retime_timers(node, |local_deadline| {
            clock.true_time_of(local_deadline, now)
        });
    }

    /// One nemesis round: inject a fault, schedule its undo and the next round.
    pub(crate) fn nemesis_tick(&mut self) -> String {
        let settings = std::sync::Arc::clone(&self.settings);
        let Some(configured) = settings.nemesis.as_ref() else {
            return "nemesis: not configured".into();
        };
        let loss = settings.base_net.default.loss;
        self.host().nemesis_round(configured, loss)
    }

    /// End of `duration`: stop clients and the nemesis, heal the network,
    /// restore loss, restart crashed nodes. Eventual checks run at the end.
    pub(crate) fn settle(&mut self) -> String {
        self.settling = true;
        if let Some(timed) = self.timed.as_deref_mut() {
            timed.note_settle();
        }
        let settings = std::sync::Arc::clone(&self.settings);
        self.host().settle_world(&settings.base_net)
    }
}

impl dyn FaultHost + '_ {
    /// Nodes that are up, in id order.
    fn live(&self) -> Vec<NodeId> {
        (0..self.node_count())
            .map(NodeId)
            .filter(|&n| self.is_up(n))
            .collect()
    }

    /// Nodes a target names right now ([`Sim::resolve_target`]).
    fn resolve_target(&mut self, target: &Target) -> Vec<NodeId> {
        match target {
            Target::Node(n) if n.0 < self.node_count() => vec![*n],
            Target::Node(_) | Target::Client(_) => Vec::new(),
            Target::AllCrashed => self.crashed_nodes(),
            Target::Random => {
                let up: Vec<NodeId> = self.live();
                let up: Vec<NodeId> = up.into_iter().filter(|&n| self.node_in_radius(n)).collect();
                self.pick_one(up)
            }
            Target::Role(role) => {
                let holders = self.holders(role);
                self.pick_one(holders)
            }
            Target::Relative { role, offset } => {
                let holders = self.holders(role);
                self.pick_one(holders)
                    .into_iter()
                    .map(|n| self.shifted(n, *offset))
                    .collect()
            }
        }
    }

    /// Live nodes whose `role()` is `role`, in id order.
    fn holders(&self, role: &str) -> Vec<NodeId> {
        (0..self.node_count())
            .map(NodeId)
            .filter(|&n| self.is_up(n) && self.role_of(n) == Some(role))
            .collect()
    }

    /// The node `offset` places after `node` in id order, wrapping round.
    fn shifted(&self, node: NodeId, offset: u32) -> NodeId {
        let nodes = u64::from(self.node_count().max(1));
        NodeId(((u64::from(node.0) + u64::from(offset)) % nodes) as u32)
    }

    /// Crashed nodes a restart target names ([`Sim::resolve_crashed`]).
    fn resolve_crashed(&mut self, target: &Target) -> Vec<NodeId> {
        let crashed = self.crashed_nodes();
        match target {
            Target::Node(n) => crashed.into_iter().filter(|c| c == n).collect(),
            Target::AllCrashed => crashed,
            Target::Client(_) => Vec::new(),
            Target::Random => self.pick_one(crashed),
            Target::Relative { .. } => {
                let named = self.resolve_target(target);
                crashed.into_iter().filter(|c| named.contains(c)).collect()
            }
            Target::Role(role) => {
                let held: Vec<NodeId> = crashed
                    .into_iter()
                    .filter(|&n| self.role_at_crash(n) == Some(role.as_str()))
                    .collect();
                self.pick_one(held)
            }
        }
    }

    fn pick_one(&mut self, mut candidates: Vec<NodeId>) -> Vec<NodeId> {
        if candidates.len() > 1 {
            let i = self.fault_stream().index(candidates.len());
            candidates = vec![candidates[i]];
        }
        candidates
    }

    /// Crashed nodes, in id order.
    pub(crate) fn crashed_nodes(&self) -> Vec<NodeId> {
        (0..self.node_count())
            .map(NodeId)
            .filter(|&n| !self.is_up(n))
            .collect()
    }

    /// One nemesis round ([`Sim::nemesis_tick`]) of `configured`; `loss`
    /// is the network's configured loss.
    fn nemesis_round(&mut self, configured: &NemesisConfig, loss: Ratio) -> String {
        if self.is_settling() || self.now() >= configured.stop {
            return "nemesis: stopped".into();
        }
        if let Some(at) = self.aborted_at() {
            return format!("nemesis: stopped, the experiment was aborted at {at}");
        }
        if let Some(swarm) = self.nemesis_and_stream().0.swarm.clone() {
            return self.swarm_round(&swarm.1, swarm.0.overlap, loss);
        }
        let config = configured;
        let up: Vec<NodeId> = self.live();
        let up: Vec<NodeId> = up.into_iter().filter(|&n| self.node_in_radius(n)).collect();
        let (nemesis, rng) = self.nemesis_and_stream();
        let chosen = nemesis.choose(config, rng, &up, loss);
        let text = match chosen {
            Some((action, undo)) => {
                let text = self.apply_fault_now(&action);
                if let Some(undo) = undo {
                    let at = self.now() + config.heal_after;
                    self.schedule_undo(at, undo);
                }
                format!("nemesis: {text}")
            }
            None => "nemesis: nothing to do".into(),
        };
        let delay = Nemesis::next_delay(config, self.fault_stream());
        let next = self.now() + config.heal_after + delay;
        self.schedule_tick(next);
        text
    }

    /// A swarm nemesis's round: a fault unless `overlap` faults are
    /// already waiting for their undo; the next round `every` later (not
    /// after the undo), so faults overlap.
    fn swarm_round(&mut self, config: &NemesisConfig, overlap: u32, loss: Ratio) -> String {
        let text = if self.nemesis_and_stream().0.active >= overlap {
            format!("nemesis: {overlap} fault(s) in force already; nothing new")
        } else {
            let up: Vec<NodeId> = self.live();
            let up: Vec<NodeId> = up.into_iter().filter(|&n| self.node_in_radius(n)).collect();
            let (nemesis, rng) = self.nemesis_and_stream();
            let chosen = nemesis.choose(config, rng, &up, loss);
            match chosen {
                Some((action, undo)) => {
                    let text = self.apply_fault_now(&action);
                    if let Some(undo) = undo {
                        self.nemesis_and_stream().0.active += 1;
                        let at = self.now() + config.heal_after;
                        self.schedule_undo(at, undo);
                    }
                    format!("nemesis: {text}")
                }
                None => "nemesis: nothing to do".into(),
            }
        };
        let next = self.now() + Nemesis::next_delay(config, self.fault_stream());
        self.schedule_tick(next);
        text
    }

    /// The settle point's work on the world ([`Sim::settle`]): heal the
    /// network, restore its rates to `base`, restart crashed nodes.
    fn settle_world(&mut self, base: &NetConfig) -> String {
        self.net_mut().heal();
        self.net_mut().restore_rates(base);
        let crashed = self.crashed_nodes();
        for &n in &crashed {
            self.restart_node(n);
        }
        format!(
            "settle: clients and faults stop, network healed, restarted {}",
            names(&crashed)
        )
    }

    fn apply_fault_inner(&mut self, action: &FaultAction) -> String {
        let nodes = self.node_count();
        match action {
            FaultAction::Partition(PartitionSpec::Shape(shape)) => {
                let pairs = shape.cut_pairs(nodes, self.fault_stream());
                self.net_mut().cut_pairs(&pairs);
                format!("partition {shape}: {}", self.net().describe())
            }
            FaultAction::Partition(PartitionSpec::Groups(groups)) => {
                self.net_mut().partition(groups);
                format!("partition: {}", self.net().describe())
            }
            FaultAction::Partition(PartitionSpec::Mixed(groups)) => self.partition_mixed(groups),
            FaultAction::Partition(PartitionSpec::Targets(groups)) => {
                let (groups, skipped) = self.resolve_groups(groups);
                let text = self.partition_mixed(&groups);
                with_skipped(text, &skipped)
            }
            FaultAction::Isolate(Target::Client(client)) => {
                self.net_mut().isolate_client(*client);
                format!("isolate {client}: {}", self.net().describe())
            }
            FaultAction::Isolate(target) => self.each_target(target, "isolate", |sim, n| {
                sim.net_mut().isolate(n);
            }),
            FaultAction::Cut { from, to } => {
                let sources = self.resolve_endpoints(from);
                let sinks = self.resolve_endpoints(to);
                for &a in &sources {
                    for &b in &sinks {
                        match (a, b) {
                            (Endpoint::Node(a), Endpoint::Node(b)) => {
                                self.net_mut().cut_one_way(a, b);
                            }
                            _ => self.net_mut().cut_client_link(a, b),
                        }
                    }
                }
                format!("cut {} -> {}", names(&sources), names(&sinks))
            }
            FaultAction::Heal => {
                self.net_mut().heal();
                "heal: all links restored".into()
            }
            FaultAction::Crash(target) => {
                self.each_target(target, "crash", |sim, n| sim.crash_node(n))
            }
            FaultAction::Restart(target) => {
                let down = self.resolve_crashed(target);
                for &n in &down {
                    self.restart_node(n);
                }
                format!("restart {}", names(&down))
            }
            FaultAction::ClockJump { node, by_ns } => {
                let by = *by_ns;
                let text =
                    self.each_target(node, "clock-jump", |sim, n| sim.jump_node_clock(n, by));
                let sign = if by < 0 { "-" } else { "+" };
                format!("{text} {sign}{}", SimTime(by.unsigned_abs()))
            }
            FaultAction::ClockStrobe {
                node,
                delta,
                period,
                duration,
            } => self.start_strobe(node, *delta, *period, *duration),
            FaultAction::Pause { node, duration } => {
                let until = self.now() + *duration;
                let text = self.each_target(node, "pause", |sim, n| sim.pause_node(n, until));
                format!("{text} for {duration} (until {until})")
            }
            FaultAction::Slow {
                node,
                factor,
                duration,
            } => {
                let until = self.now() + *duration;
                let factor = *factor;
                let mut idle = Vec::new();
                let text = self.each_target(node, "slow", |sim, n| {
                    if !sim.slow_node(n, factor, until) {
                        idle.push(n);
                    }
                });
                match idle.as_slice() {
                    [] => format!("{text} x{factor} for {duration} (until {until})"),
                    _ => format!(
                        "{text} x{factor} for {duration}: {} take(s) no time (not in [service]), nothing slows",
                        names(&idle)
                    ),
                }
            }
            FaultAction::SetLoss(loss) => {
                self.net_mut().set_loss(*loss);
                format!("loss set to {loss}")
            }
            FaultAction::SetDuplicate(dup) => {
                self.net_mut().set_duplicate(*dup);
                format!("duplication set to {dup}")
            }
            FaultAction::Network(change) => self.change_network(change),
            FaultAction::NetworkReset => {
                let undone = self.net_mut().reset_rules();
                format!("network reset: {undone} change(s) undone, links as configured")
            }
            FaultAction::HealPart(scope) => self.heal_part(scope),
            FaultAction::DropInFlight(inner) => self.cut_dropping(inner),
        }
    }

    /// Resolve partition groups of targets: fixed nodes and clients first,
    /// then each role, relative or random member in order, picking a node
    /// not placed yet. Returns the groups and the members skipped.
    fn resolve_groups(&mut self, groups: &[Vec<Target>]) -> (Vec<Vec<Endpoint>>, Vec<String>) {
        let mut out: Vec<Vec<Endpoint>> = vec![Vec::new(); groups.len()];
        let mut placed: Vec<NodeId> = Vec::new();
        for (g, members) in groups.iter().enumerate() {
            for member in members {
                match member {
                    Target::Node(n) if n.0 < self.node_count() => {
                        out[g].push(Endpoint::Node(*n));
                        placed.push(*n);
                    }
                    Target::Client(c) if c.0 < self.client_count() => {
                        out[g].push(Endpoint::Client(*c));
                    }
                    _ => {}
                }
            }
        }
        let mut skipped = Vec::new();
        for (g, members) in groups.iter().enumerate() {
            for member in members {
                let candidates: Vec<NodeId> = match member {
                    Target::Node(_) | Target::Client(_) | Target::AllCrashed => continue,
                    Target::Random => self.live(),
                    Target::Role(role) => self.holders(role),
                    Target::Relative { .. } => self.resolve_target(member),
                };
                let free: Vec<NodeId> = candidates
                    .into_iter()
                    .filter(|n| !placed.contains(n))
                    .collect();
                match self.pick_one(free).first() {
                    Some(&n) => {
                        out[g].push(Endpoint::Node(n));
                        placed.push(n);
                    }
                    None => skipped.push(member.to_string()),
                }
            }
        }
        (out, skipped)
    }

    /// A `network` change: one rule per resolved (sender, receiver) pair,
    /// and the mirrored rules if both ways.
    fn change_network(&mut self, change: &NetChange) -> String {
        let mut ends = |t: &Option<Target>| -> Option<Vec<Option<NodeId>>> {
            match t {
                None => Some(vec![None]),
                Some(t) => {
                    let nodes = self.resolve_target(t);
                    (!nodes.is_empty()).then(|| nodes.into_iter().map(Some).collect())
                }
            }
        };
        let (Some(froms), Some(tos)) = (ends(&change.from), ends(&change.to)) else {
            return format!("network {change}: no such node right now; skipped");
        };
        let mut pairs = Vec::new();
        for &from in &froms {
            for &to in &tos {
                pairs.push((from, to));
                if change.both_ways {
                    pairs.push((to, from));
                }
            }
        }
        pairs.dedup();
        let mut names = Vec::new();
        for (from, to) in pairs {
            let end = |n: Option<NodeId>| n.map_or("*".to_string(), |n| n.to_string());
            names.push(format!("{} -> {}", end(from), end(to)));
            self.net_mut().add_rule(LinkRule {
                from,
                to,
                messages: change.messages.clone(),
                latency: change.latency,
                loss: change.loss,
                duplicate: change.duplicate,
            });
        }
        format!("network {}: {}", names.join(", "), change.what())
    }

    /// A partial heal: the links a scope names, restored.
    fn heal_part(&mut self, scope: &HealScope) -> String {
        let restored = match scope {
            HealScope::Node(t) => {
                let ends = self.resolve_endpoints(t);
                for &e in &ends {
                    self.net_mut().restore_endpoint(e);
                }
                if ends.is_empty() {
                    return format!("heal {t}: no such node right now; skipped");
                }
                format!("heal {}: its links restored", names(&ends))
            }
            HealScope::Link {
                from,
                to,
                both_ways,
            } => {
                let sources = self.resolve_endpoints(from);
                let sinks = self.resolve_endpoints(to);
                for &a in &sources {
                    for &b in &sinks {
                        self.net_mut().restore_link(a, b);
                        if *both_ways {
                            self.net_mut().restore_link(b, a);
                        }
                    }
                }
                let arrow = if *both_ways { "<->" } else { "->" };
                format!("heal {} {arrow} {}", names(&sources), names(&sinks))
            }
            HealScope::Group(members) => {
                let (groups, skipped) = self.resolve_groups(std::slice::from_ref(members));
                let group = groups.into_iter().next().unwrap_or_default();
                for &a in &group {
                    for &b in &group {
                        if a != b {
                            self.net_mut().restore_link(a, b);
                        }
                    }
                }
                with_skipped(format!("heal {{{}}}", names(&group)), &skipped)
            }
        };
        format!("{restored}: {}", self.net().describe())
    }

    /// A partition, isolation or cut, then the messages on the wire over a
    /// link it cut are dropped (counted as dropped).
    fn cut_dropping(&mut self, inner: &FaultAction) -> String {
        let before = self.net().clone();
        let text = self.apply_fault_inner(inner);
        let taken = self.drop_newly_cut(&before);
        let mut listed: Vec<(u64, String)> = taken
            .iter()
            .map(|&(id, from, to)| (id, format!("#{id} {from}->{to}")))
            .collect();
        listed.sort();
        let listed: Vec<String> = listed.into_iter().map(|(_, text)| text).collect();
        let shown = listed.len().min(12);
        let more = listed.len() - shown;
        let mut list = listed[..shown].join(", ");
        if more > 0 {
            list.push_str(&format!(" and {more} more"));
        }
        match taken.len() {
            0 => format!("{text}; no message in flight over the cut"),
            n => format!("{text}; dropped {n} message(s) in flight: {list}"),
        }
    }

    /// What a target names right now as message ends: a client, or the
    /// nodes [`Sim::resolve_target`] picks.
    fn resolve_endpoints(&mut self, target: &Target) -> Vec<Endpoint> {
        match target {
            Target::Client(c) if c.0 < self.client_count() => vec![Endpoint::Client(*c)],
            Target::Client(_) => Vec::new(),
            _ => self
                .resolve_target(target)
                .into_iter()
                .map(Endpoint::Node)
                .collect(),
        }
    }

    /// Partition groups naming clients: the nodes split as plain groups do
    /// (unnamed nodes one more group); each named client is cut off, both
    /// ways, from every node outside its group.
    fn partition_mixed(&mut self, groups: &[Vec<Endpoint>]) -> String {
        let node_groups: Vec<Vec<NodeId>> = groups
            .iter()
            .map(|g| {
                g.iter()
                    .filter_map(|e| match e {
                        Endpoint::Node(n) => Some(*n),
                        Endpoint::Client(_) => None,
                    })
                    .collect()
            })
            .collect();
        self.net_mut().partition(&node_groups);
        let all = self.node_count();
        for (members, group) in node_groups.iter().zip(groups) {
            for endpoint in group {
                if let Endpoint::Client(c) = endpoint {
                    let outside = (0..all).map(NodeId).filter(|n| !members.contains(n));
                    self.net_mut().cut_client_from(*c, outside);
                }
            }
        }
        format!("partition: {}", self.net().describe())
    }

    fn each_target(
        &mut self,
        target: &Target,
        verb: &str,
        mut f: impl FnMut(&mut Self, NodeId),
    ) -> String {
        let targets = self.resolve_target(target);
        let targets = if self.has_experiment() {
            let what = format!("{verb} {target}");
            let inside = self.keep_inside_radius(targets.clone(), &what);
            if inside.is_empty() && !targets.is_empty() {
                return format!("{what}: outside the experiment's blast radius; skipped");
            }
            inside
        } else {
            targets
        };
        if targets.is_empty() {
            return format!("{verb} {target}: no such node right now; skipped");
        }
        for &n in &targets {
            f(self, n);
        }
        format!("{verb} {}", names(&targets))
    }

    fn start_strobe(
        &mut self,
        node: &Target,
        delta: SimTime,
        period: SimTime,
        duration: SimTime,
    ) -> String {
        let targets = self.resolve_target(node);
        let targets = if self.has_experiment() {
            self.keep_inside_radius(targets, &format!("clock-strobe {node}"))
        } else {
            targets
        };
        let Some(&n) = targets.first() else {
            return format!("clock-strobe {node}: no such node right now; skipped");
        };
        let period = period.max(SimTime::from_micros(1));
        let jumps = (duration.as_nanos() / period.as_nanos()).min(100_000);
        let delta = delta.as_nanos() as i64;
        for k in 0..jumps {
            // Alternate +delta, -delta: the clock ends where it started.
            let by_ns = if k % 2 == 0 { delta } else { -delta };
            let at = self.now() + SimTime(period.as_nanos() * (k + 1));
            let action = FaultAction::ClockJump {
                node: Target::Node(n),
                by_ns,
            };
            self.schedule_fault(at, action);
        }
        if jumps % 2 == 1 {
            let at = self.now() + SimTime(period.as_nanos() * (jumps + 1));
            let action = FaultAction::ClockJump {
                node: Target::Node(n),
                by_ns: -delta,
            };
            self.schedule_fault(at, action);
        }
        format!(
            "clock-strobe {n} ±{} every {period} for {duration}",
            SimTime(delta as u64)
        )
    }
}

/// `text`, then the members that named nobody, if any.
fn with_skipped(text: String, skipped: &[String]) -> String {
    if skipped.is_empty() {
        return text;
    }
    format!(
        "{text} ({} named no node not already placed; skipped)",
        skipped.join(", ")
    )
}

fn names<T: std::fmt::Display>(nodes: &[T]) -> String {
    if nodes.is_empty() {
        return "nobody".into();
    }
    let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    names.join(" ")
}
