//! The validated scenario: plain data, every default filled in.
//!
//! Every field documents the TOML key it comes from and its default. Values
//! that are validated later (protocol name, workload kind, role targets,
//! invariant and history names) keep their byte span so that later errors can
//! point into the file with [`ScenarioError::at`](super::ScenarioError::at).

use super::error::SourceInfo;
use super::params::ParamTable;
pub use super::units::{Probability, SignedDuration};
use crate::base::SimTime;
use crate::check::{Expectation, UnknownPolicy};
use std::fmt;
use std::ops::Range;
use toml::Spanned;

/// The most nodes a scenario may have (`nodes` and `--nodes`): 16,384.
///
/// The engine keeps about half a kilobyte per node and nothing per pair of
/// nodes until a fault cuts a link (the cut table is then one bit per
/// directed pair: 32 MiB at this limit); a 10,000-node run
/// (`scenarios/gossip-10k.toml`, `scenarios/swim-10k.toml`) is measured in
/// `docs/performance.md`.
pub const MAX_NODES: u32 = 16_384;

/// A whole scenario file, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct Scenario {
    /// `name`: required; a short identifier such as `"raft-leader-isolated"`.
    pub name: String,
    /// `description`: required; one line shown by `distlab list`.
    pub description: String,
    /// `protocol` (a string) or `[protocol] name`: required; the protocol's
    /// registry name. Not checked here: the registry validates it (span kept).
    pub protocol: Spanned<String>,
    /// `nodes`: required, 1..=[`MAX_NODES`] (or `--nodes`).
    pub nodes: u32,
    /// `seed`: default 0 (or `--seed`).
    pub seed: u64,
    /// `duration`: required (or `--duration`); how long clients and faults run.
    pub duration: SimTime,
    /// `settle`: default `"5s"`; after `duration`, faults stop, the network
    /// heals, crashed nodes restart and no new client operations start; then
    /// the eventually-checks run.
    pub settle: SimTime,
    /// `[network]`: default: uniform 1ms..10ms latency, no loss, no duplication.
    pub network: NetworkSpec,
    /// `[clocks]`: default: perfect clocks.
    pub clocks: ClockSpec,
    /// `[storage]`: default: a crash loses unsynced writes.
    pub storage: StorageSpec,
    /// `[service]`: default none (handlers take no time).
    pub service: Option<ServiceSpec>,
    /// `[protocol]` keys other than `name`: default empty; read them with
    /// [`ParamTable::reader`].
    pub protocol_params: ParamTable,
    /// `[workload]`: default none (no clients).
    pub workload: Option<WorkloadSpec>,
    /// `[[faults]]`: default none; sorted by `at` (entries at the same time
    /// stay in file order).
    pub faults: Vec<FaultSpec>,
    /// `[nemesis]`: default none (no random faults).
    pub nemesis: Option<NemesisSpec>,
    /// `[experiment]`: a chaos experiment (hypothesis over windows, blast
    /// radius, abort condition), if the scenario states one.
    pub experiment: Option<crate::check::Experiment>,
    /// `[check]`: default: all invariants, no history check.
    pub check: CheckSpec,
    /// `[explore]`: default: breadth first, 1 000 000 states, one operation
    /// per client, no faults (only `distlab explore` reads it).
    pub explore: super::explore::ExploreSpec,
    /// The file's origin and text, for errors found later.
    pub source: SourceInfo,
}

/// `[network]`: the network-wide link model.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkSpec {
    /// `latency`: default `{ kind = "uniform", min = "1ms", max = "10ms" }`.
    pub latency: LatencySpec,
    /// `loss`: default 0.0; probability that a message is dropped.
    pub loss: Probability,
    /// `duplicate`: default 0.0; probability that a message is delivered twice.
    pub duplicate: Probability,
    /// `fifo`: default false; when true, each link delivers in send order.
    pub fifo: bool,
    /// `[[network.links]]`: default none; per-link overrides.
    pub links: Vec<LinkSpec>,
    /// `lose_messages`: default none; particular messages lost, each named by its
    /// directed link and ordinal (written by `distlab shrink`).
    pub lose: Vec<LoseSpec>,
    /// `keep_loss_draws`: default false; every message draws the loss number
    /// a lossy network draws, even where the loss is 0, and ignores it.
    pub keep_loss_draws: bool,
    /// `clients`: default `"loss-only"`; what random faults client requests
    /// and replies suffer: `"loss-only"` (the network's loss, no
    /// duplication), `"lossy"` (its loss and duplication), `"reliable"`.
    pub clients: ClientTraffic,
}

/// `[network] clients`: the engine's type, shared as is; its scenario
/// names are in `ClientTraffic::NAMED`.
pub use crate::net::ClientTraffic;

/// One entry of `[network] lose_messages`: the `nth` message (from 1) sent from
/// `from` to `to` is lost. Every send on that directed link counts
/// (delivered, lost or cut by a partition); a node is its index, a client
/// `"c0"`, `"c1"`, ... (client traffic counts on its own links: client 0
/// to node 2 is one link, node 2 to client 0 another).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct LoseSpec {
    /// `from`: the sender.
    pub from: crate::base::Endpoint,
    /// `to`: the receiver.
    pub to: crate::base::Endpoint,
    /// `nth`: which message on that link, from 1.
    pub nth: u64,
}

impl Default for NetworkSpec {
    fn default() -> Self {
        NetworkSpec {
            latency: LatencySpec::default(),
            loss: Probability::ZERO,
            duplicate: Probability::ZERO,
            fifo: false,
            links: Vec::new(),
            lose: Vec::new(),
            keep_loss_draws: false,
            clients: ClientTraffic::LossOnly,
        }
    }
}

/// `[network] latency` and link overrides: the engine's latency
/// distribution, shared as is (kinds `constant`, `uniform`, `exponential`,
/// `lognormal`; default uniform 1ms..10ms).
pub use crate::net::Latency as LatencySpec;

/// `[[network.links]]`: overrides for one link (or one pair of links).
#[derive(Clone, Debug, PartialEq)]
pub struct LinkSpec {
    /// `from`: required; a node index below `nodes`.
    pub from: u32,
    /// `to`: required; a node index below `nodes`, not `from`.
    pub to: u32,
    /// `both_ways`: default true; also applies to the link `to` → `from`.
    pub both_ways: bool,
    /// `latency`: default: the network-wide latency.
    pub latency: Option<LatencySpec>,
    /// `loss`: default: the network-wide loss.
    pub loss: Option<Probability>,
    /// `duplicate`: default: the network-wide duplication.
    pub duplicate: Option<Probability>,
}

/// `[clocks]`: how far node clocks are from true (virtual) time.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ClockSpec {
    /// `offset`: default `"0ms"`; each node's initial offset is drawn in
    /// `[-offset, +offset]`.
    pub offset: SimTime,
    /// `drift_ppm`: default 0, at most 100 000; each node's drift is drawn in
    /// `[-drift_ppm, +drift_ppm]` parts per million.
    pub drift_ppm: u32,
}

/// `[service]`: nodes take time to handle messages and client requests,
/// on a bounded number of workers, so arrivals queue (`src/sim/service.rs`).
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceSpec {
    /// `time`: required; the service time of one message or request, a
    /// distribution written like `latency`.
    pub time: LatencySpec,
    /// `workers`: default 1; how many a node handles at once (1..=1024).
    pub workers: u32,
    /// `nodes`: default all; the node indices that take time.
    pub nodes: Option<Vec<u32>>,
    /// `requests`: default true; client requests take time too (false:
    /// only messages do, and a client request is handled at once).
    pub requests: bool,
}

/// `[storage]`: durable storage behaviour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StorageSpec {
    /// `lose_unsynced`: default true; a crash loses writes not yet synced.
    pub lose_unsynced: bool,
}

impl Default for StorageSpec {
    fn default() -> Self {
        StorageSpec {
            lose_unsynced: true,
        }
    }
}

/// An operation rate: `count` operations per `per` of virtual time
/// (`"10/s"` is 10 per second). Kept as an integer ratio.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rate {
    /// Operations per period; at least 1.
    pub count: u64,
    /// The period: 1ms, 1s or 1m.
    pub per: SimTime,
}

impl Rate {
    /// The mean time between two operations (`per / count`, rounded down,
    /// at least 1ns).
    pub fn interval(self) -> SimTime {
        SimTime((self.per.as_nanos() / self.count.max(1)).max(1))
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let unit = match self.per.as_nanos() {
            1_000_000 => "ms".to_string(),
            1_000_000_000 => "s".to_string(),
            60_000_000_000 => "m".to_string(),
            _ => self.per.to_string(),
        };
        write!(f, "{}/{unit}", self.count)
    }
}

/// `[workload] retry`: the engine's type, shared as is; its scenario names
/// are in `RetryMode::NAMED`.
pub use crate::workload::RetryMode;

/// `[workload]`: clients issuing operations.
#[derive(Clone, Debug, PartialEq)]
pub struct WorkloadSpec {
    /// `kind`: required; validated later by the protocol's workload (span kept).
    pub kind: Spanned<String>,
    /// `clients`: default 1, in 0..=1000.
    pub clients: u32,
    /// `rate`: default `"10/s"`; total operations per second over all clients
    /// (`"N/s"`, `"N/ms"`, `"N/m"`).
    pub rate: Rate,
    /// `ops`: default none (no cap); the most operations to issue in total.
    pub ops: Option<u64>,
    /// `timeout`: default `"1s"`; a client gives up on an operation after
    /// this and records `info` (outcome unknown).
    pub timeout: SimTime,
    /// `resend`: default none; resend an unanswered request (the same id) to
    /// the next node after this long, again and again until `timeout`.
    pub resend: Option<SimTime>,
    /// `retry`: default `"new-id"` (a timed-out operation ends `info`);
    /// `"same-id"`: a timed-out operation is sent again with the same id
    /// to the next node, and the client waits another `timeout`.
    pub retry: RetryMode,
    /// `retries`: default none (no limit); with `retry = "same-id"` only,
    /// the most retries of one operation before it ends `info`.
    pub retries: Option<u32>,
    /// `in_flight`: default none; each client keeps this many operations
    /// open, issuing the next as soon as one ends. Not with `rate`.
    pub in_flight: Option<u32>,
    /// Every other key of `[workload]`, for the workload to read.
    pub params: ParamTable,
}

/// One `[[faults]]` entry: an action at a time.
#[derive(Clone, Debug, PartialEq)]
pub struct FaultSpec {
    /// `at`: required; before `duration`.
    pub at: SimTime,
    /// The one action key of the entry.
    pub action: FaultAction,
    /// Byte span of the action's value, for errors found later.
    pub span: Range<usize>,
    /// `in_flight`: default `"deliver"`; only beside `partition`,
    /// `isolate` and `cut`: what becomes of messages already on the wire
    /// over a link the fault cuts.
    pub in_flight: InFlight,
}

/// `in_flight = "deliver" | "drop"` beside a partition, isolation or cut.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum InFlight {
    /// `"deliver"` (the default): a cut is decided when a message is
    /// sent, so messages already on the wire arrive.
    #[default]
    Deliver,
    /// `"drop"`: messages on the wire over a link the fault cuts are
    /// dropped at once (counted as dropped, listed in the fault's trace
    /// line).
    Drop,
}

impl InFlight {
    /// Every mode with its name in scenario files.
    pub const NAMED: [(&'static str, InFlight); 2] =
        [("deliver", InFlight::Deliver), ("drop", InFlight::Drop)];
}

/// `network = { ... }`: a change to some links while the run goes.
#[derive(Clone, Debug, PartialEq)]
pub struct NetworkChangeSpec {
    /// `from`: default every node; the senders (a target).
    pub from: Option<Target>,
    /// `to`: default every node; the receivers (a target).
    pub to: Option<Target>,
    /// `both_ways`: default true (as in `[[network.links]]`); also the
    /// links from `to` to `from`.
    pub both_ways: bool,
    /// `message`: default every message; a message kind (the variant name
    /// of the protocol's message, as the trace's first word shows it) or
    /// a list of them.
    pub messages: Vec<String>,
    /// `latency`: the new delay distribution.
    pub latency: Option<LatencySpec>,
    /// `loss`: the new loss probability.
    pub loss: Option<Probability>,
    /// `duplicate`: the new duplication probability.
    pub duplicate: Option<Probability>,
}

/// What a scheduled fault does. Exactly one per `[[faults]]` entry.
#[derive(Clone, Debug, PartialEq)]
pub enum FaultAction {
    /// `partition = "halves"` or `partition = [[0, 1], [2, 3, 4]]`.
    Partition(PartitionSpec),
    /// `isolate = TARGET`: cut the target off from every other node.
    Isolate(Target),
    /// `cut = { from = TARGET, to = TARGET }`: drop `from`'s messages to `to`
    /// (one way).
    Cut {
        /// `from`: required; whose messages are dropped.
        from: Target,
        /// `to`: required; the receiver that stops hearing `from`.
        to: Target,
    },
    /// `heal = true`: remove every partition, isolation and cut.
    Heal,
    /// `heal = TARGET` (a node, role, `"leader+1"` or client): restore
    /// every link to and from it.
    HealNode(Target),
    /// `heal = { from = TARGET, to = TARGET }`: restore the link `from` →
    /// `to` (and back with `both_ways = true`).
    HealLink {
        /// `from`: required.
        from: Target,
        /// `to`: required.
        to: Target,
        /// `both_ways`: default false (as a `cut` is one way).
        both_ways: bool,
    },
    /// `heal = { group = [0, "leader"] }`: restore every link between two
    /// members of the group.
    HealGroup(Vec<Target>),
    /// `network = { from, to, both_ways, message, latency, loss, duplicate }`.
    Network(NetworkChangeSpec),
    /// `network = "reset"`: undo every `network` change.
    NetworkReset,
    /// `crash = TARGET`.
    Crash(Target),
    /// `restart = TARGET`: restart one crashed node.
    Restart(Target),
    /// `restart = "all"`: restart every crashed node.
    RestartAll,
    /// `clock_jump = { node = TARGET, by = "-2s" }`: move a clock at once.
    ClockJump {
        /// `node`: required.
        node: Target,
        /// `by`: required; signed (`"+2s"`, `"-2s"`, `"2s"`).
        by: SignedDuration,
    },
    /// `slow = { node, factor, for }`: the node's service times are
    /// `factor` times longer for `for` (only with `[service]`).
    Slow {
        /// `node`: required.
        node: Target,
        /// `factor`: required, 1..=1000.
        factor: u32,
        /// `for`: required.
        duration: SimTime,
    },
    /// `clock_strobe = { node, delta, period, for }`: for `duration`, every
    /// `period` the clock jumps forward by `delta` then back, alternately.
    ClockStrobe {
        /// `node`: required.
        node: Target,
        /// `delta`: required; the size of each jump.
        delta: SimTime,
        /// `period`: required, more than 0; time between jumps.
        period: SimTime,
        /// `for`: required; how long the strobing lasts.
        duration: SimTime,
    },
    /// `pause = TARGET` with `for = "3s"` beside it: the node runs no
    /// handler for `duration` (a GC pause, a SIGSTOP); what comes due for it
    /// waits until it resumes.
    Pause {
        /// `pause`: required; whom.
        node: Target,
        /// `for`: required; how long.
        duration: SimTime,
    },
    /// `loss = 0.2`: set the network-wide loss probability.
    Loss(Probability),
    /// `duplicate = 0.1`: set the network-wide duplication probability.
    Duplicate(Probability),
}

/// Which node a fault acts on.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Target {
    /// A node index, below `nodes`.
    Node(u32),
    /// `"random"`: a node drawn from the fault RNG stream when the fault fires.
    Random,
    /// Any other string, such as `"leader"` or `"follower"`: a role resolved
    /// when the fault fires by the protocol's role hook. The span is kept so
    /// that an unknown role can be reported at its place in the file.
    Role(Spanned<String>),
    /// `"c1"`: a client, below `[workload] clients`; only `isolate`,
    /// `cut`, `heal` and partition groups take one.
    Client(u32),
    /// `"leader+1"`: the node `offset` places after the holder of the
    /// role, in id order, wrapping round (the role's span kept).
    Relative {
        /// The role.
        role: Spanned<String>,
        /// Places after its holder, 1 or more.
        offset: u32,
    },
}

/// How `partition = ...` splits the nodes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PartitionSpec {
    /// A named shape, resolved when the fault fires.
    Shape(PartitionShape),
    /// Explicit groups of node indices; nodes listed in no group form one
    /// more group together. No node appears twice.
    Groups(Vec<Vec<u32>>),
    /// Groups that name clients too (`[[0, 1, "c0"], [2, 3, 4]]`): the
    /// nodes split as for `Groups`; each named client reaches only the
    /// nodes of its group. No member appears twice.
    Mixed(Vec<Vec<crate::base::Endpoint>>),
    /// Groups naming roles, `"random"` or relative targets too
    /// (`[["leader", 1], ["leader+2"]]`), resolved when the fault fires:
    /// indices and clients are placed first, then each other member in
    /// the order written picks a node not placed yet (or is skipped).
    Targets(Vec<Vec<Target>>),
}

/// A named Jepsen partition shape: the engine's type, shared as is; its
/// scenario names are in `PartitionShape::NAMED`.
pub use crate::net::PartitionShape;

/// `[nemesis]`: random faults.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NemesisSpec {
    /// `kinds`: required, non-empty, no repeats; drawn uniformly.
    pub kinds: Vec<NemesisKind>,
    /// `every`: required, more than 0; mean interval between faults.
    pub every: SimTime,
    /// `heal_after`: default `"1s"`; each fault is undone after this (heal,
    /// restart, clock reset, loss reset).
    pub heal_after: SimTime,
    /// `start`: default `"0s"`; no faults before this.
    pub start: SimTime,
    /// `stop`: default `duration`; no faults from this time on. At most
    /// `duration` and after `start`.
    pub stop: SimTime,
    /// `swarm`: default false; when true the seed draws the mix: a
    /// subset of `kinds` with weights, `every` and `heal_after` around
    /// the configured ones, and how many faults may overlap (1 to 3).
    pub swarm: bool,
}

/// The kinds of random fault the nemesis injects.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum NemesisKind {
    /// `"partition"`: any partition shape.
    Partition,
    /// `"partition-halves"`.
    PartitionHalves,
    /// `"partition-ring"`: majorities ring.
    PartitionRing,
    /// `"partition-bridge"`.
    PartitionBridge,
    /// `"partition-isolate"`: one node against the rest.
    PartitionIsolate,
    /// `"partition-random"`.
    PartitionRandom,
    /// `"crash"`: crash a random node (restarted after `heal_after`).
    Crash,
    /// `"clock-jump"`: jump a random node's clock.
    ClockJump,
    /// `"clock-strobe"`: strobe a random node's clock.
    ClockStrobe,
    /// `"loss"`: raise network-wide message loss.
    Loss,
    /// `"pause"`: pause a random node for `heal_after`.
    Pause,
    /// `"slow"`: slow a random node's links to 50–500 ms.
    Slow,
    /// `"slow-node"`: multiply a random node's service times (`[service]`)
    /// by 2 to 20 for `heal_after/2` to `heal_after`, drawn from the seed.
    SlowNode,
}

impl NemesisKind {
    /// Every kind with its TOML name.
    pub const ALL: [(&'static str, NemesisKind); 13] = [
        ("partition", NemesisKind::Partition),
        ("partition-halves", NemesisKind::PartitionHalves),
        ("partition-ring", NemesisKind::PartitionRing),
        ("partition-bridge", NemesisKind::PartitionBridge),
        ("partition-isolate", NemesisKind::PartitionIsolate),
        ("partition-random", NemesisKind::PartitionRandom),
        ("crash", NemesisKind::Crash),
        ("clock-jump", NemesisKind::ClockJump),
        ("clock-strobe", NemesisKind::ClockStrobe),
        ("loss", NemesisKind::Loss),
        ("pause", NemesisKind::Pause),
        ("slow", NemesisKind::Slow),
        ("slow-node", NemesisKind::SlowNode),
    ];
}

/// `[check]`: what is checked.
#[derive(Clone, Debug, PartialEq)]
pub struct CheckSpec {
    /// `invariants`: default `"all"`.
    pub invariants: InvariantSelection,
    /// `history`: default `"none"` (`None`); a history model name such as
    /// `"linearizable"`, validated later (span kept).
    pub history: Option<Spanned<String>>,
    /// `history_steps`: the history checker's step budget (default: the
    /// protocol's, 5,000,000 for Raft and Paxos); a search that uses it up
    /// ends `unknown`.
    pub history_steps: Option<u64>,
    /// `unknown`: what a run with an undecided check comes to (default
    /// `"fail"`: the verdict `unknown`, exit code 6).
    pub unknown: UnknownPolicy,
    /// `[expect]` (a table of its own): bounds on the run's metrics, in
    /// file order.
    pub expect: Vec<Expectation>,
    /// `[[check.at]]` then `[[check.within]]`: checks in time, in file
    /// order within each kind.
    pub timed: Vec<TimedSpec>,
}

/// One `[[check.at]]` or `[[check.within]]` table, its predicates' spans
/// kept (their names are checked against the protocol when it is built).
#[derive(Clone, Debug, PartialEq)]
pub struct TimedSpec {
    /// When it looks.
    pub moment: crate::check::Moment,
    /// `holds`: what must hold then.
    pub holds: Vec<Spanned<crate::check::PredicateRef>>,
}

impl TimedSpec {
    /// The check, without spans.
    pub fn check(&self) -> crate::check::TimedCheck {
        crate::check::TimedCheck {
            moment: self.moment.clone(),
            holds: self.holds.iter().map(|p| p.get_ref().clone()).collect(),
        }
    }
}

impl Default for CheckSpec {
    fn default() -> Self {
        CheckSpec {
            invariants: InvariantSelection::All,
            history: None,
            history_steps: None,
            unknown: UnknownPolicy::Fail,
            expect: Vec::new(),
            timed: Vec::new(),
        }
    }
}

/// Which of the protocol's invariants run.
#[derive(Clone, Debug, PartialEq)]
pub enum InvariantSelection {
    /// `"all"`: every invariant the protocol ships.
    All,
    /// `"none"`.
    None,
    /// `["name", ...]`: these, by name (validated later; spans kept).
    Named(Vec<Spanned<String>>),
}
