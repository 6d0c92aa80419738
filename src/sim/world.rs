//! The world: every piece of simulation state, in one cloneable value.

use super::event::{Event, Queue};
use super::ids::{ClientId, NodeId};
use super::node::{Effect, Node, Op};
use super::rng::{Prng, Stream};
use super::trace::{Trace, TraceLevel};
use super::SimTime;
use crate::check::history::History;
use crate::check::CheckResult;
use crate::clock::Clock;
use crate::faults::{Nemesis, NemesisConfig, ScheduledFault};
use crate::net::{NetConfig, Network};
use crate::sim::{Invariant, Monitor, NamedMonitor};
use crate::storage::Storage;
use crate::workload::{ClientConfig, Workload};
use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

/// Builds a node: at boot and at every restart.
pub type NodeFactory<N> = Arc<dyn Fn(NodeId, u32) -> N + Send + Sync>;
/// Extra protocol metrics for the run report: (name, value) pairs.
pub type MetricsFn<N> = Arc<dyn Fn(&Sim<N>) -> Vec<(String, String)> + Send + Sync>;

/// One node's slot: its state (absent while crashed) and what survives crashes.
///
/// Laid out for a delivery's cache misses (issue 21, item 2): what every
/// delivery reads — the state's pointer, the incarnation, the clock, the
/// pause — comes first, in the slot's first cache line (the slot is
/// 64-byte aligned), and the rest (the random stream's 256-byte buffer,
/// storage, role, held events) after it. With the default layout these
/// four were spread over three lines of the ~480-byte slot, and at 200
/// nodes each was a first-level miss per delivery.
#[derive(Debug)]
#[repr(C, align(64))]
pub struct NodeSlot<N: Node> {
    /// The node, or `None` while crashed. Behind an `Arc` so that copies of
    /// a world share the node states a step did not change: a handler gets
    /// `Arc::make_mut`'s `&mut N`, which copies the state only while another
    /// world shares it (never in a plain run).
    pub state: Option<Arc<N>>,
    /// Bumped at every crash, so stale timers are skipped.
    pub incarnation: u32,
    /// The node's clock.
    pub clock: Clock,
    /// While paused (a `pause` fault): the true time it resumes. Until
    /// then no handler runs on it; what comes due for it waits.
    pub paused_until: Option<SimTime>,
    /// The node's own random stream (survives restarts).
    pub rng: Prng,
    /// Durable storage.
    pub storage: Storage,
    /// The role the node held when it last crashed, so that a restart can
    /// target it by role (`restart = "coordinator"`).
    pub role_at_crash: Option<String>,
    /// What came due for the node while paused, in order: released when it
    /// resumes, lost if it crashes first.
    pub(crate) held: Vec<super::event::Event<N>>,
}

impl<N: Node> Clone for NodeSlot<N> {
    fn clone(&self) -> Self {
        let NodeSlot {
            state,
            incarnation,
            rng,
            storage,
            clock,
            role_at_crash,
            paused_until,
            held,
        } = self;
        NodeSlot {
            state: state.clone(),
            incarnation: *incarnation,
            rng: rng.clone(),
            storage: storage.clone(),
            clock: *clock,
            role_at_crash: role_at_crash.clone(),
            paused_until: *paused_until,
            held: held.clone(),
        }
    }

    /// As `clone`, keeping this slot's `held` buffer.
    fn clone_from(&mut self, source: &Self) {
        let NodeSlot {
            state,
            incarnation,
            rng,
            storage,
            clock,
            role_at_crash,
            paused_until,
            held,
        } = self;
        match (&*state, &source.state) {
            // Already sharing the source's node state: nothing to count.
            (Some(mine), Some(theirs)) if Arc::ptr_eq(mine, theirs) => {}
            _ => state.clone_from(&source.state),
        }
        *incarnation = source.incarnation;
        rng.clone_from(&source.rng);
        storage.clone_from(&source.storage);
        *clock = source.clock;
        role_at_crash.clone_from(&source.role_at_crash);
        *paused_until = source.paused_until;
        held.clone_from(&source.held);
    }
}

/// One client's state.
#[derive(Debug, Default)]
pub struct ClientSlot {
    /// The next request number (shared by the client's lanes).
    pub next_request: u64,
    /// The node the client talks to next.
    pub target: NodeId,
    /// The client's lanes: one per operation it may keep open at once
    /// (`[workload] in_flight`, default 1).
    pub lanes: Vec<Lane>,
}

/// One of a client's slots for an open operation: a Jepsen process of its
/// own in the history.
#[derive(Debug, Default)]
pub struct Lane {
    /// History process number (renumbered after an indeterminate operation).
    pub process: u64,
    /// The open operation, if any.
    pub pending: Option<PendingOp>,
}

impl Clone for ClientSlot {
    fn clone(&self) -> Self {
        ClientSlot {
            next_request: self.next_request,
            target: self.target,
            lanes: self.lanes.clone(),
        }
    }

    /// As `clone`, keeping this slot's lanes (and their operations' text).
    fn clone_from(&mut self, source: &Self) {
        let ClientSlot {
            next_request,
            target,
            lanes,
        } = self;
        *next_request = source.next_request;
        *target = source.target;
        lanes.clone_from(&source.lanes);
    }
}

impl Clone for Lane {
    fn clone(&self) -> Self {
        Lane {
            process: self.process,
            pending: self.pending.clone(),
        }
    }

    fn clone_from(&mut self, source: &Self) {
        self.process = source.process;
        self.pending.clone_from(&source.pending);
    }
}

impl Clone for PendingOp {
    fn clone(&self) -> Self {
        let PendingOp {
            id,
            op,
            attempts,
            invoked_at,
            deadline,
            retries,
        } = self;
        PendingOp {
            id: *id,
            op: op.clone(),
            attempts: *attempts,
            invoked_at: *invoked_at,
            deadline: *deadline,
            retries: *retries,
        }
    }

    /// As `clone`, keeping the operation's strings' buffers.
    fn clone_from(&mut self, source: &Self) {
        let PendingOp {
            id,
            op,
            attempts,
            invoked_at,
            deadline,
            retries,
        } = self;
        *id = source.id;
        op.clone_from(&source.op);
        *attempts = source.attempts;
        *invoked_at = source.invoked_at;
        *deadline = source.deadline;
        *retries = source.retries;
    }
}

impl ClientSlot {
    /// The open operation with request number `id`, if any.
    pub fn open(&self, id: u64) -> Option<&PendingOp> {
        self.lanes
            .iter()
            .filter_map(|l| l.pending.as_ref())
            .find(|p| p.id == id)
    }

    /// The lane holding the open operation `id`, if any.
    pub(crate) fn lane_of(&self, id: u64) -> Option<usize> {
        self.lanes
            .iter()
            .position(|l| l.pending.as_ref().is_some_and(|p| p.id == id))
    }

    /// True when some lane has no open operation.
    pub fn has_idle_lane(&self) -> bool {
        self.lanes.iter().any(|l| l.pending.is_none())
    }

    /// Every open operation, lane by lane.
    pub fn open_ops(&self) -> impl Iterator<Item = &PendingOp> {
        self.lanes.iter().filter_map(|l| l.pending.as_ref())
    }
}

/// An operation a client is waiting on.
#[derive(Debug)]
pub struct PendingOp {
    /// Request number.
    pub id: u64,
    /// The operation.
    pub op: Op,
    /// Nodes tried so far (redirects).
    pub attempts: u32,
    /// When it was invoked.
    pub invoked_at: SimTime,
    /// When the client next gives up (or, with `retry = "same-id"`,
    /// retries): the invocation plus `timeout`, pushed back by each retry.
    pub deadline: SimTime,
    /// Retries after a timeout so far (`retry = "same-id"`).
    pub retries: u32,
}

/// Message and operation counters.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counters {
    /// Node-to-node messages sent.
    pub sent: u64,
    /// Messages (and copies) handed to a live node.
    pub delivered: u64,
    /// Messages lost: at random, to a partition, or to a down node.
    pub dropped: u64,
    /// Extra copies created by duplication.
    pub duplicated: u64,
    /// Client operations invoked.
    pub ops_invoked: u64,
    /// Client operations that completed `ok`.
    pub ops_ok: u64,
    /// Client operations that completed `fail`.
    pub ops_fail: u64,
    /// Client operations that ended `info` (timed out).
    pub ops_info: u64,
}

/// Why the run stopped early.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// The check that failed.
    pub check: String,
    /// Step at which it failed.
    pub step: u64,
    /// Virtual time at which it failed.
    pub time: SimTime,
    /// The check's explanation.
    pub detail: String,
}

/// Static settings of a simulation.
#[derive(Clone)]
pub struct SimSettings<N: Node> {
    pub(crate) name: String,
    pub(crate) seed: u64,
    pub(crate) nodes: u32,
    pub(crate) duration: SimTime,
    pub(crate) settle: SimTime,
    pub(crate) lose_unsynced: bool,
    pub(crate) factory: NodeFactory<N>,
    pub(crate) clients: ClientConfig,
    pub(crate) workload: Option<Arc<dyn Workload>>,
    pub(crate) nemesis: Option<NemesisConfig>,
    pub(crate) invariants: Vec<Invariant<N>>,
    pub(crate) monitors: Vec<NamedMonitor<N>>,
    pub(crate) metrics: Option<MetricsFn<N>>,
    pub(crate) base_net: NetConfig,
    /// What an `unknown` check outcome makes of the verdict.
    pub(crate) unknown: crate::check::UnknownPolicy,
    /// The history checkers' step budget, when the scenario sets one.
    pub(crate) history_steps: Option<u64>,
    /// Bounds on the run's metrics (`[expect]`), judged at the end.
    pub(crate) expectations: Vec<crate::check::Expectation>,
    /// Count the bytes of every message sent and report the byte metrics
    /// (`message-bytes`, `bytes-per-op`, `storage-bytes`): on when an
    /// expectation names one, since it costs a serialisation per send.
    pub(crate) count_bytes: bool,
    /// The predicates timed checks may name: the engine's, then the
    /// protocol's.
    pub(crate) predicates: Vec<super::Predicate<N>>,
    /// Checks at a moment and within a deadline (`[[check.at]]`,
    /// `[[check.within]]`).
    pub(crate) timed_checks: Vec<crate::check::TimedCheck>,
    /// Service time on bounded workers (`[service]`), if nodes take time.
    pub(crate) service: Option<super::ServiceConfig>,
    /// A chaos experiment (`[experiment]`): hypothesis, windows, blast
    /// radius, abort condition.
    pub(crate) experiment: Option<crate::check::Experiment>,
}

/// The simulated world. Cloning it forks the run: the clone replays exactly.
/// `clone_from` makes an existing world a copy of another reusing its
/// buffers (the explorer recycles the worlds it is done with so).
pub struct Sim<N: Node> {
    pub(crate) settings: Arc<SimSettings<N>>,
    pub(crate) now: SimTime,
    pub(crate) step: u64,
    pub(crate) queue: Queue<N>,
    pub(crate) nodes: Vec<NodeSlot<N>>,
    pub(crate) clients: Vec<ClientSlot>,
    pub(crate) network: Network,
    pub(crate) net_rng: Prng,
    pub(crate) fault_rng: Prng,
    pub(crate) workload_rng: Prng,
    pub(crate) nemesis: Nemesis,
    pub(crate) cancelled: BTreeSet<u64>,
    pub(crate) next_timer: u64,
    pub(crate) next_msg: u64,
    pub(crate) next_process: u64,
    pub(crate) ops_issued: u64,
    pub(crate) settling: bool,
    pub(crate) in_flight: u64,
    pub(crate) effects: Vec<Effect<N>>,
    /// The nodes whose handler ran in the current (or last) step, in order.
    pub(crate) handled: Vec<NodeId>,
    pub(crate) trace: Trace<N>,
    /// Shared by copies of the world until one of them records an event
    /// (copy on write): most explored steps record none.
    pub(crate) history: Arc<History>,
    pub(crate) counters: Counters,
    /// Bytes of the node-to-node messages sent (their JSON form), counted
    /// only when the settings ask for it (`count_bytes`).
    pub(crate) message_bytes: Option<u64>,
    pub(crate) op_latencies: Vec<u64>,
    pub(crate) sometimes_seen: Vec<bool>,
    /// Stateful safety checks, cloned with the world.
    pub(crate) monitors: Vec<NamedMonitor<N>>,
    pub(crate) violation: Option<Violation>,
    /// Consecutive steps taken without simulated time advancing (the
    /// time-advances guard in `step.rs`).
    pub(crate) still_steps: u64,
    /// The panic that stopped the run (its violation is `panic`), if any.
    pub(crate) panicked: Option<Box<super::panics::PanicReport>>,
    pub(crate) final_checks: Option<Vec<CheckResult>>,
    pub(crate) fault_log: Vec<(SimTime, String)>,
    /// The timed checks' progress (`None` without timed checks, so a run
    /// without them does no work for them).
    pub(crate) timed: Option<Box<super::timed::Timed>>,
    /// Set once the world is explored ([`Sim::start_exploring`]): time
    /// stands still and the explorer picks each next event.
    pub(crate) explore: Option<Box<super::choice::ExploreMode>>,
    /// The service model's workers and queues (`None` when nodes take no
    /// time, so a run without one does no work for it).
    pub(crate) service: Option<Box<super::service::Service<N>>>,
    /// A chaos experiment's progress (`None` without `[experiment]`).
    pub(crate) chaos: Option<Box<super::chaos::Chaos>>,
}

impl<N: Node> Clone for Sim<N> {
    fn clone(&self) -> Self {
        // Every field by name (no `..`): a new field is a compile error
        // here and in `clone_from` until it is copied.
        let Sim {
            settings,
            now,
            step,
            queue,
            nodes,
            clients,
            network,
            net_rng,
            fault_rng,
            workload_rng,
            nemesis,
            cancelled,
            next_timer,
            next_msg,
            next_process,
            ops_issued,
            settling,
            in_flight,
            effects,
            handled,
            trace,
            history,
            counters,
            message_bytes,
            op_latencies,
            sometimes_seen,
            monitors,
            violation,
            still_steps,
            panicked,
            final_checks,
            fault_log,
            timed,
            explore,
            service,
            chaos,
        } = self;
        Sim {
            settings: settings.clone(),
            now: *now,
            step: *step,
            queue: queue.clone(),
            nodes: nodes.clone(),
            clients: clients.clone(),
            network: network.clone(),
            net_rng: net_rng.clone(),
            fault_rng: fault_rng.clone(),
            workload_rng: workload_rng.clone(),
            nemesis: nemesis.clone(),
            cancelled: cancelled.clone(),
            next_timer: *next_timer,
            next_msg: *next_msg,
            next_process: *next_process,
            ops_issued: *ops_issued,
            settling: *settling,
            in_flight: *in_flight,
            effects: effects.clone(),
            handled: handled.clone(),
            trace: trace.clone(),
            history: history.clone(),
            counters: counters.clone(),
            message_bytes: *message_bytes,
            op_latencies: op_latencies.clone(),
            sometimes_seen: sometimes_seen.clone(),
            monitors: monitors.clone(),
            violation: violation.clone(),
            still_steps: *still_steps,
            panicked: panicked.clone(),
            final_checks: final_checks.clone(),
            fault_log: fault_log.clone(),
            timed: timed.clone(),
            explore: explore.clone(),
            service: service.clone(),
            chaos: chaos.clone(),
        }
    }

    /// Become a copy of `source`, keeping this world's allocations where
    /// the field's own `clone_from` can (the vectors of the queue, the
    /// node and client slots, the explore bookkeeping, the monitors'
    /// list): the same value as `source.clone()`, fewer `malloc`s. The
    /// explorer copies worlds into the ones it is done with.
    fn clone_from(&mut self, source: &Self) {
        let Sim {
            settings,
            now,
            step,
            queue,
            nodes,
            clients,
            network,
            net_rng,
            fault_rng,
            workload_rng,
            nemesis,
            cancelled,
            next_timer,
            next_msg,
            next_process,
            ops_issued,
            settling,
            in_flight,
            effects,
            handled,
            trace,
            history,
            counters,
            message_bytes,
            op_latencies,
            sometimes_seen,
            monitors,
            violation,
            still_steps,
            panicked,
            final_checks,
            fault_log,
            timed,
            explore,
            service,
            chaos,
        } = self;
        share_from(settings, &source.settings);
        now.clone_from(&source.now);
        step.clone_from(&source.step);
        queue.clone_from(&source.queue);
        nodes.clone_from(&source.nodes);
        clients.clone_from(&source.clients);
        network.clone_from(&source.network);
        net_rng.clone_from(&source.net_rng);
        fault_rng.clone_from(&source.fault_rng);
        workload_rng.clone_from(&source.workload_rng);
        nemesis.clone_from(&source.nemesis);
        cancelled.clone_from(&source.cancelled);
        next_timer.clone_from(&source.next_timer);
        next_msg.clone_from(&source.next_msg);
        next_process.clone_from(&source.next_process);
        ops_issued.clone_from(&source.ops_issued);
        settling.clone_from(&source.settling);
        in_flight.clone_from(&source.in_flight);
        effects.clone_from(&source.effects);
        handled.clone_from(&source.handled);
        trace.clone_from(&source.trace);
        share_from(history, &source.history);
        counters.clone_from(&source.counters);
        message_bytes.clone_from(&source.message_bytes);
        op_latencies.clone_from(&source.op_latencies);
        sometimes_seen.clone_from(&source.sometimes_seen);
        monitors.clone_from(&source.monitors);
        violation.clone_from(&source.violation);
        still_steps.clone_from(&source.still_steps);
        panicked.clone_from(&source.panicked);
        final_checks.clone_from(&source.final_checks);
        fault_log.clone_from(&source.fault_log);
        timed.clone_from(&source.timed);
        explore.clone_from(&source.explore);
        service.clone_from(&source.service);
        chaos.clone_from(&source.chaos);
    }
}

/// `to.clone_from(from)` for a shared value, leaving `to` as it is when it
/// already points at `from`'s value (an `Arc`'s own `clone_from` counts
/// up and down even then).
fn share_from<T: ?Sized>(to: &mut Arc<T>, from: &Arc<T>) {
    if !Arc::ptr_eq(to, from) {
        *to = Arc::clone(from);
    }
}

impl<N: Node> fmt::Debug for Sim<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Sim")
            .field("name", &self.settings.name)
            .field("seed", &self.settings.seed)
            .field("now", &self.now)
            .field("step", &self.step)
            .finish_non_exhaustive()
    }
}

/// Builds a [`Sim`]: nodes, network, clocks, clients, faults, checks.
pub struct SimBuilder<N: Node> {
    settings: SimSettings<N>,
    clock_offset_max: SimTime,
    clock_drift_max_ppm: u32,
    clocks: Vec<Option<Clock>>,
    faults: Vec<ScheduledFault>,
    trace_level: TraceLevel,
}

impl<N: Node> SimBuilder<N> {
    /// `nodes` nodes built by `factory(id, nodes)`, seeded by `seed`.
    pub fn new(
        nodes: u32,
        seed: u64,
        factory: impl Fn(NodeId, u32) -> N + Send + Sync + 'static,
    ) -> Self {
        SimBuilder {
            settings: SimSettings {
                name: "unnamed".into(),
                seed,
                nodes,
                duration: SimTime::from_secs(10),
                settle: SimTime::from_secs(5),
                lose_unsynced: true,
                factory: Arc::new(factory),
                clients: ClientConfig::default(),
                workload: None,
                nemesis: None,
                invariants: Vec::new(),
                monitors: Vec::new(),
                metrics: None,
                base_net: NetConfig::default(),
                unknown: crate::check::UnknownPolicy::default(),
                history_steps: None,
                expectations: Vec::new(),
                count_bytes: false,
                predicates: super::timed::engine_predicates(),
                timed_checks: Vec::new(),
                service: None,
                experiment: None,
            },
            clock_offset_max: SimTime::ZERO,
            clock_drift_max_ppm: 0,
            clocks: Vec::new(),
            faults: Vec::new(),
            trace_level: TraceLevel::HashOnly,
        }
    }

    /// Name shown in reports (default `unnamed`).
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.settings.name = name.into();
        self
    }
    /// How long clients and faults run (default 10 s).
    pub fn duration(mut self, duration: SimTime) -> Self {
        self.settings.duration = duration;
        self
    }
    /// Quiet phase after `duration` before eventual checks (default 5 s).
    pub fn settle(mut self, settle: SimTime) -> Self {
        self.settings.settle = settle;
        self
    }
    /// Network configuration (default: uniform 1–10 ms, no loss).
    pub fn network(mut self, config: NetConfig) -> Self {
        self.settings.base_net = config;
        self
    }
    /// Random clock offsets in `±offset_max` and drifts in `±drift_max_ppm`.
    pub fn clock_skew(mut self, offset_max: SimTime, drift_max_ppm: u32) -> Self {
        self.clock_offset_max = offset_max;
        self.clock_drift_max_ppm = drift_max_ppm;
        self
    }
    /// Fix one node's clock (overrides the random skew).
    pub fn clock(mut self, node: NodeId, clock: Clock) -> Self {
        if self.clocks.len() <= node.index() {
            self.clocks.resize(node.index() + 1, None);
        }
        self.clocks[node.index()] = Some(clock);
        self
    }
    /// Whether a crash loses unsynced storage writes (default true).
    pub fn lose_unsynced(mut self, lose: bool) -> Self {
        self.settings.lose_unsynced = lose;
        self
    }
    /// Clients and their workload.
    pub fn clients(mut self, config: ClientConfig, workload: impl Workload + 'static) -> Self {
        self.settings.clients = config;
        self.settings.workload = Some(Arc::new(workload));
        self
    }
    /// Clients with a boxed workload (as built from a scenario).
    pub fn boxed_clients(mut self, config: ClientConfig, workload: Box<dyn Workload>) -> Self {
        self.settings.clients = config;
        self.settings.workload = Some(Arc::from(workload));
        self
    }
    /// Names of the checks registered so far (monitors first, then
    /// invariants).
    pub fn invariant_names(&self) -> Vec<String> {
        let monitors = self.settings.monitors.iter().map(|m| m.name.to_string());
        let invariants = self.settings.invariants.iter().map(|i| i.name.clone());
        monitors.chain(invariants).collect()
    }
    /// Keep only the checks (invariants and monitors) whose name passes `keep`.
    pub fn retain_invariants(mut self, keep: impl Fn(&str) -> bool) -> Self {
        self.settings.invariants.retain(|i| keep(&i.name));
        self.settings.monitors.retain(|m| keep(&m.name));
        self
    }
    /// A fault at a fixed time.
    pub fn fault(mut self, fault: ScheduledFault) -> Self {
        self.faults.push(fault);
        self
    }
    /// Random faults.
    pub fn nemesis(mut self, config: NemesisConfig) -> Self {
        self.settings.nemesis = Some(config);
        self
    }
    /// What a run whose checks include an `unknown` outcome, and no
    /// failure, comes to (default: [`UnknownPolicy::Fail`](crate::check::UnknownPolicy::Fail),
    /// the verdict `unknown`).
    pub fn unknown(mut self, policy: crate::check::UnknownPolicy) -> Self {
        self.settings.unknown = policy;
        self
    }
    /// The step budget of the history checkers
    /// ([`Invariant::linearizable`]) instead of the one each was given
    /// (`[check] history_steps`); `None` keeps theirs.
    pub fn history_steps(mut self, steps: Option<u64>) -> Self {
        self.settings.history_steps = steps;
        self
    }
    /// A bound on a metric the run reports, judged at the end like a check
    /// of kind `expect` (`[expect]` in a scenario).
    /// A bound on a byte metric ([`BYTE_METRICS`](crate::check::expect::BYTE_METRICS))
    /// turns on [`SimBuilder::count_bytes`].
    pub fn expect(mut self, expectation: crate::check::Expectation) -> Self {
        if crate::check::expect::BYTE_METRICS.contains(&expectation.metric.as_str()) {
            self.settings.count_bytes = true;
        }
        self.settings.expectations.push(expectation);
        self
    }
    /// Count the bytes of every node-to-node message (the length of its
    /// JSON form) and report `message-bytes`, `bytes-per-op` and
    /// `storage-bytes` (default off: it costs a serialisation per send;
    /// a bound on one of them in `[expect]` turns it on). It changes
    /// nothing a run does or hashes.
    pub fn count_bytes(mut self, on: bool) -> Self {
        self.settings.count_bytes = on;
        self
    }
    /// A chaos experiment: its hypothesis is judged over its windows at
    /// the end (checks of kind `expect`), its abort condition as the run
    /// goes, its blast radius where faults pick their nodes
    /// (`[experiment]` in a scenario, docs/chaos.md).
    pub fn experiment(mut self, experiment: crate::check::Experiment) -> Self {
        self.settings.experiment = Some(experiment);
        self
    }
    /// A predicate timed checks may name (`[[check.at]] holds = [...]`);
    /// one named like an earlier one replaces it.
    pub fn predicate(mut self, predicate: super::Predicate<N>) -> Self {
        self.settings.predicates.push(predicate);
        self
    }
    /// The predicates declared so far, (name, meaning), the engine's first.
    pub fn predicate_names(&self) -> Vec<(String, String)> {
        predicate_list(&self.settings.predicates)
    }
    /// Nodes take time to handle messages and requests, on bounded
    /// workers (`[service]`; `service.rs`).
    pub fn service(mut self, config: super::ServiceConfig) -> Self {
        self.settings.service = Some(config);
        self
    }
    /// A check at a moment or within a deadline after faults, judged by
    /// the engine as the run goes (`[[check.at]]`, `[[check.within]]`).
    pub fn timed_check(mut self, check: crate::check::TimedCheck) -> Self {
        self.settings.timed_checks.push(check);
        self
    }
    /// A check.
    pub fn invariant(mut self, invariant: Invariant<N>) -> Self {
        self.settings.invariants.push(invariant);
        self
    }
    /// A stateful safety check ([`Monitor`]): it runs after every step with
    /// its memory, which is part of the world (cloned with it); a failure
    /// stops the run like a failed `always` check.
    pub fn monitor(mut self, name: impl Into<String>, monitor: impl Monitor<N>) -> Self {
        self.settings.monitors.push(NamedMonitor {
            name: Arc::from(name.into()),
            monitor: Arc::new(monitor),
        });
        self
    }
    /// Protocol metrics for the report.
    pub fn metrics(
        mut self,
        metrics: impl Fn(&Sim<N>) -> Vec<(String, String)> + Send + Sync + 'static,
    ) -> Self {
        self.settings.metrics = Some(Arc::new(metrics));
        self
    }
    /// Trace recording level (default hash-only).
    pub fn trace_level(mut self, level: TraceLevel) -> Self {
        self.trace_level = level;
        self
    }

    /// Build the world at time zero, with node starts, client wake-ups, faults
    /// and the settle point scheduled.
    pub fn build(self) -> Sim<N> {
        let s = self.settings;
        let seed = s.seed;
        let clocks = node_clocks(
            seed,
            s.nodes,
            (self.clock_offset_max, self.clock_drift_max_ppm),
            &self.clocks,
        );
        let nodes = clocks
            .into_iter()
            .enumerate()
            .map(|(i, clock)| {
                let i = i as u32;
                NodeSlot {
                    role_at_crash: None,
                    paused_until: None,
                    held: Vec::new(),
                    state: Some(Arc::new((s.factory)(NodeId(i), s.nodes))),
                    incarnation: 0,
                    rng: Prng::new(seed, Stream::Node(i)),
                    storage: Storage::new(),
                    clock,
                }
            })
            .collect();
        let network = Network::new(s.nodes, s.base_net.clone());
        let clients = client_slots(&s.clients, s.nodes);
        let sometimes = vec![false; s.invariants.len()];
        let timed = (!s.timed_checks.is_empty())
            .then(|| Box::new(super::timed::Timed::new(&s.timed_checks, &s.predicates)));
        let service = s
            .service
            .clone()
            .map(|config| Box::new(super::service::Service::new(config, s.nodes, seed)));
        let mut sim = Sim {
            service,
            now: SimTime::ZERO,
            step: 0,
            queue: Queue::default(),
            nodes,
            clients,
            network,
            net_rng: Prng::new(seed, Stream::Network),
            fault_rng: Prng::new(seed, Stream::Faults),
            workload_rng: Prng::new(seed, Stream::Workload),
            nemesis: Nemesis::default(),
            cancelled: BTreeSet::new(),
            next_timer: 0,
            next_msg: 0,
            next_process: u64::from(s.clients.clients) * u64::from(s.clients.lanes()),
            ops_issued: 0,
            settling: false,
            in_flight: 0,
            effects: Vec::new(),
            handled: Vec::new(),
            trace: Trace::new(self.trace_level),
            history: Arc::new(History::new()),
            counters: Counters::default(),
            message_bytes: s.count_bytes.then_some(0),
            op_latencies: Vec::new(),
            sometimes_seen: sometimes,
            monitors: s.monitors.clone(),
            violation: None,
            still_steps: 0,
            panicked: None,
            final_checks: None,
            fault_log: Vec::new(),
            explore: None,
            timed,
            chaos: s.experiment.is_some().then(Box::default),
            settings: Arc::new(s),
        };
        sim.schedule_initial(self.faults);
        sim
    }
}

/// Each node's clock: the one the builder set, or a random offset in
/// `±offset_max` and drift in `±drift_max_ppm` from the clocks' stream
/// (drawn for every node, set or not, so setting one moves no other).
fn node_clocks(
    seed: u64,
    nodes: u32,
    (offset_max, drift_max_ppm): (SimTime, u32),
    set: &[Option<Clock>],
) -> Vec<Clock> {
    let mut clock_rng = Prng::new(seed, Stream::Clocks);
    let offset_max = offset_max.as_nanos();
    let drift_max = u64::from(drift_max_ppm);
    (0..nodes)
        .map(|i| {
            let offset = clock_rng.range_inclusive(0, 2 * offset_max) as i64 - offset_max as i64;
            let drift = clock_rng.range_inclusive(0, 2 * drift_max) as i64 - drift_max as i64;
            set.get(i as usize)
                .copied()
                .flatten()
                .unwrap_or(Clock::new(offset, drift))
        })
        .collect()
}

/// The clients' slots at the start, each aimed at node `c % nodes`.
fn client_slots(config: &ClientConfig, nodes: u32) -> Vec<ClientSlot> {
    let lanes = u64::from(config.lanes());
    let count = u64::from(config.clients);
    (0..config.clients)
        .map(|c| ClientSlot {
            target: NodeId(c % nodes.max(1)),
            // Lane k of client c is process c + k·clients: with one
            // lane, process c, as before lanes existed.
            lanes: (0..lanes)
                .map(|k| Lane {
                    process: u64::from(c) + k * count,
                    pending: None,
                })
                .collect(),
            ..ClientSlot::default()
        })
        .collect()
}

impl<N: Node> Sim<N> {
    fn schedule_initial(&mut self, faults: Vec<ScheduledFault>) {
        for i in 0..self.settings.nodes {
            self.queue.push(SimTime::ZERO, Event::Start(NodeId(i)));
        }
        let interval = self.settings.clients.interval.as_nanos();
        for c in 0..self.settings.clients.clients {
            let delay = self.workload_rng.range_inclusive(0, interval);
            // One wake per lane: each issues an operation at once.
            for _ in 0..self.settings.clients.lanes() {
                self.queue
                    .push(SimTime(delay), Event::ClientWake(ClientId(c)));
            }
        }
        for fault in faults {
            self.queue
                .push(fault.at, Event::Fault(Box::new(fault.action)));
        }
        if let Some(nemesis) = &self.settings.nemesis {
            let mut config = nemesis;
            if nemesis.swarm {
                let mut rng = Prng::new(self.settings.seed, Stream::Swarm);
                let mix = crate::faults::SwarmMix::draw(nemesis, &mut rng);
                let effective = mix.config(nemesis);
                self.nemesis.swarm = Some(Box::new((mix, effective)));
                self.queue.push(nemesis.start, Event::NemesisMix);
                config = &self.nemesis.swarm.as_ref().expect("just set").1;
            }
            let first = config.start + Nemesis::next_delay(config, &mut self.fault_rng);
            self.queue.push(first, Event::NemesisTick);
        }
        self.queue.push(self.settings.duration, Event::Settle);
    }

    /// Scenario name.
    pub fn name(&self) -> &str {
        &self.settings.name
    }
    /// Master seed.
    pub fn seed(&self) -> u64 {
        self.settings.seed
    }
    /// True (virtual) time.
    pub fn now(&self) -> SimTime {
        self.now
    }
    /// Steps processed so far.
    pub fn steps(&self) -> u64 {
        self.step
    }
    /// When clients and faults stop.
    pub fn duration(&self) -> SimTime {
        self.settings.duration
    }
    /// When the run ends: `duration + settle`.
    pub fn end_time(&self) -> SimTime {
        self.settings.duration.saturating_add(self.settings.settle)
    }
    /// The nodes whose handler ran in the last step, in order: usually
    /// one; none for a step that ran no handler (a crash, a client's
    /// timeout); several when a fault restarts several. A node's state
    /// changes only in its own handlers, so a per-step check of a rule
    /// about each node's own state may look at these alone (O(1) per step
    /// instead of O(nodes)).
    pub fn handled_nodes(&self) -> &[NodeId] {
        &self.handled
    }

    /// Number of nodes.
    pub fn node_count(&self) -> u32 {
        self.settings.nodes
    }
    /// A node's state, `None` while it is crashed.
    pub fn node(&self, id: NodeId) -> Option<&N> {
        self.nodes
            .get(id.index())
            .and_then(|slot| slot.state.as_deref())
    }
    /// Every node slot (state, storage, clock), in id order.
    pub fn slots(&self) -> &[NodeSlot<N>] {
        &self.nodes
    }
    /// Nodes that are up, with their ids.
    pub fn live_nodes(&self) -> impl Iterator<Item = (NodeId, &N)> {
        self.nodes
            .iter()
            .enumerate()
            .filter_map(|(i, slot)| slot.state.as_deref().map(|n| (NodeId(i as u32), n)))
    }
    /// True while `node` is paused (a `pause` fault): up, but running no
    /// handler until [`NodeSlot::paused_until`].
    pub fn is_paused(&self, node: NodeId) -> bool {
        self.nodes
            .get(node.index())
            .and_then(|slot| slot.paused_until)
            .is_some_and(|until| until > self.now)
    }
    /// The network.
    pub fn network(&self) -> &Network {
        &self.network
    }
    /// The client history so far.
    pub fn history(&self) -> &History {
        &self.history
    }
    /// Message and operation counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }
    /// The trace (entries kept only at the full level).
    pub fn trace(&self) -> &Trace<N> {
        &self.trace
    }
    /// The safety violation that stopped the run, if any.
    pub fn violation(&self) -> Option<&Violation> {
        self.violation.as_ref()
    }
    /// The panic in protocol code that stopped the run, if any (the
    /// violation is then the check `panic`).
    pub fn panic(&self) -> Option<&super::panics::PanicReport> {
        self.panicked.as_deref()
    }
    /// True once clients stopped and faults were undone (after `duration`).
    pub fn is_settling(&self) -> bool {
        self.settling
    }
    /// Messages and client requests/replies in flight.
    pub fn in_flight(&self) -> u64 {
        self.in_flight
    }
    /// Faults applied so far, with their times.
    pub fn fault_log(&self) -> &[(SimTime, String)] {
        &self.fault_log
    }
    /// The predicates timed checks may name, (name, meaning), each name
    /// once (a protocol's replaces the engine's of the same name).
    pub fn predicates(&self) -> Vec<(String, String)> {
        predicate_list(&self.settings.predicates)
    }
    /// The checks registered for this run.
    pub fn invariants(&self) -> &[Invariant<N>] {
        &self.settings.invariants
    }
    /// The state of the monitor registered as `name`, if it has type `T`.
    pub fn monitor<T: 'static>(&self, name: &str) -> Option<&T> {
        self.monitors
            .iter()
            .find(|m| *m.name == *name)
            .and_then(|m| m.monitor.as_any().downcast_ref::<T>())
    }
    /// The service queue of `node` (`[service]`; `service.rs`): waiting
    /// now, the longest so far, and its length when a `slow` fault ended;
    /// `None` when the node takes no time.
    pub fn service_queue(&self, node: NodeId) -> Option<super::QueueReading> {
        self.service.as_deref()?.queue(node)
    }
    /// Number of queued events (including cancelled timers not yet skipped).
    pub fn queued_events(&self) -> usize {
        self.queue.len()
    }
    /// Time of the next queued event, if any.
    pub fn next_event_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }
}

/// (name, meaning) of each predicate, the last declaration of a name wins,
/// in first-declaration order.
fn predicate_list<N: Node>(predicates: &[super::Predicate<N>]) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    for p in predicates {
        match out.iter_mut().find(|(name, _)| *name == p.name) {
            Some(entry) => entry.1 = p.doc.clone(),
            None => out.push((p.name.clone(), p.doc.clone())),
        }
    }
    out
}
