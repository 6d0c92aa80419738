//! The network model: per-link latency, loss, duplication, optional FIFO
//! delivery, and partitions.
//!
//! Connectivity is the set of cut directed links (`cuts.rs`: one bit per
//! ordered pair of nodes, allocated at the first cut, so a cluster of
//! thousands of nodes keeps nothing per pair until a fault cuts a link);
//! components are searched over it on demand. Client traffic crosses the
//! default link (latency, and loss or duplication as [`ClientTraffic`] says)
//! and is not subject to the nodes' partitions: clients sit beside the
//! cluster, as Jepsen's do, unless a fault names a client (`isolate = "c1"`,
//! a client in a partition group, a cut from or to a client), which cuts
//! that client's own links ([`Network::cut_client_link`]).

mod cuts;
mod kind;
pub mod latency;
pub mod partition;

pub use latency::Latency;
pub use partition::PartitionShape;

use crate::base::rng::{Prng, Ratio};
use crate::base::{ClientId, Endpoint, NodeId, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The behaviour of one directed link.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize, Default)]
pub struct LinkConfig {
    /// Delay distribution.
    pub latency: Latency,
    /// Probability that a message is lost.
    pub loss: Ratio,
    /// Probability that a message is delivered twice.
    pub duplicate: Ratio,
}

/// What random faults client traffic (requests and replies) suffers. It
/// always crosses the default link (its latency); partitions that name no
/// client never touch it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum ClientTraffic {
    /// Lost with the default link's loss probability, never duplicated (the
    /// behaviour before this setting existed; pinned hashes rely on it).
    #[default]
    LossOnly,
    /// Lost and duplicated with the default link's probabilities, as a
    /// message between nodes is: a duplicated request reaches its node
    /// twice with the same request id, a duplicated reply reaches its
    /// client twice.
    Lossy,
    /// Neither lost nor duplicated at random (messages named in `lose`
    /// are still lost); only partitions naming a client cut it off.
    Reliable,
}

impl ClientTraffic {
    /// Every mode with its name in scenario files.
    pub const NAMED: [(&'static str, ClientTraffic); 3] = [
        ("loss-only", ClientTraffic::LossOnly),
        ("lossy", ClientTraffic::Lossy),
        ("reliable", ClientTraffic::Reliable),
    ];
}

/// Network configuration: the default link, overrides, FIFO.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct NetConfig {
    /// The link every pair uses unless overridden.
    pub default: LinkConfig,
    /// Per directed link overrides.
    pub links: BTreeMap<(NodeId, NodeId), LinkConfig>,
    /// Deliver in send order on each link.
    pub fifo: bool,
    /// Messages lost by name: `(from, to, n)` is the `n`-th message (from 1)
    /// sent from `from` to `to` (every send counts, delivered, lost or cut
    /// by a partition). Decided after the random loss draw, so listing a
    /// message changes no random number: it draws what a message lost at
    /// random draws.
    pub lose: BTreeSet<(Endpoint, Endpoint, u64)>,
    /// Draw the loss number for each message even on a link without loss
    /// (and ignore it): with `lose` listing the messages a lossy run lost,
    /// every other random draw (latencies, duplicates) stays as it was.
    pub keep_loss_draws: bool,
    /// What random faults client traffic suffers (default: loss only).
    pub clients: ClientTraffic,
}

/// What the loss draw of a link without loss draws from when
/// `keep_loss_draws` is set: the denominator of every scenario probability.
const LOSS_DRAW: Ratio = Ratio {
    numerator: 1,
    denominator: 1_000_000_000,
};

/// A change to some links' behaviour made by a fault while the run goes
/// (`network = { ... }`): it applies on top of the configured link, to
/// every message it matches, until [`Network::reset_rules`].
#[derive(Clone, Debug, PartialEq)]
pub struct LinkRule {
    /// The sender it applies to (`None`: any node).
    pub from: Option<NodeId>,
    /// The receiver it applies to (`None`: any node).
    pub to: Option<NodeId>,
    /// Only messages of these kinds ([`message_kind`]); empty: all.
    pub messages: Vec<String>,
    /// The delay distribution, if it changes.
    pub latency: Option<Latency>,
    /// The loss probability, if it changes.
    pub loss: Option<Ratio>,
    /// The duplication probability, if it changes.
    pub duplicate: Option<Ratio>,
}

impl LinkRule {
    fn matches(&self, from: NodeId, to: NodeId, kind: Option<&str>) -> bool {
        self.from.is_none_or(|f| f == from)
            && self.to.is_none_or(|t| t == to)
            && (self.messages.is_empty()
                || kind.is_some_and(|k| self.messages.iter().any(|m| m == k)))
    }

    fn apply(&self, link: &mut LinkConfig) {
        if let Some(latency) = self.latency {
            link.latency = latency;
        }
        if let Some(loss) = self.loss {
            link.loss = loss;
        }
        if let Some(duplicate) = self.duplicate {
            link.duplicate = duplicate;
        }
    }
}

/// A message's kind, as network changes name it: the variant name of an
/// enum message (`AppendEntries` for `Msg::AppendEntries { .. }`), or the
/// type name of a struct message, as its derived `Serialize` gives them
/// (the first word of the message in the trace, unless a `#[serde(rename)]`
/// says otherwise). `None` for anything else (a tuple, a number, `()`).
/// Reads no field: it stops at the name.
pub fn message_kind<T: Serialize + ?Sized>(message: &T) -> Option<&'static str> {
    match message.serialize(kind::KindOf) {
        Err(kind::Found(name)) => name,
        Ok(()) => None,
    }
}

/// What happens to one message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transit {
    /// Delivered at `at`, and a second copy at `duplicate` if duplicated.
    Deliver {
        /// Arrival time of the message.
        at: SimTime,
        /// Arrival time of the duplicate copy, if any.
        duplicate: Option<SimTime>,
    },
    /// Lost to a partition.
    Partitioned,
    /// Lost at random.
    Lost,
}

/// The live network.
#[derive(Clone, Debug)]
pub struct Network {
    nodes: u32,
    config: NetConfig,
    /// The cut directed links between nodes.
    cuts: cuts::Cuts,
    /// FIFO links only: the last arrival time on each directed link that
    /// carried a message (`from * nodes + to`).
    last_arrival: BTreeMap<usize, SimTime>,
    /// Messages sent on each directed link so far (only counted when
    /// `config.lose` names any).
    sent: BTreeMap<(Endpoint, Endpoint), u64>,
    /// Cut directed links between a client and a node (either way round):
    /// empty unless a fault names a client.
    client_cuts: BTreeSet<(Endpoint, Endpoint)>,
    /// Changes made by `network` faults, in the order they were made (a
    /// later one wins where two set the same thing): empty unless a fault
    /// made one.
    rules: Vec<LinkRule>,
}

impl Network {
    /// A fully connected network of `nodes`.
    pub fn new(nodes: u32, config: NetConfig) -> Network {
        Network {
            nodes,
            config,
            cuts: cuts::Cuts::new(nodes),
            last_arrival: BTreeMap::new(),
            sent: BTreeMap::new(),
            client_cuts: BTreeSet::new(),
            rules: Vec::new(),
        }
    }

    /// Number of nodes.
    pub fn nodes(&self) -> u32 {
        self.nodes
    }

    /// The configuration in force (losses changed by faults included).
    pub fn config(&self) -> &NetConfig {
        &self.config
    }

    fn link(&self, from: NodeId, to: NodeId) -> &LinkConfig {
        if self.config.links.is_empty() {
            return &self.config.default;
        }
        self.config
            .links
            .get(&(from, to))
            .unwrap_or(&self.config.default)
    }

    /// How the link `from` → `to` treats a message of kind `kind` now:
    /// the configured link (loss and duplicate faults included) with the
    /// changes in force applied (for `None`, those naming no kind).
    pub fn effective_link(&self, from: NodeId, to: NodeId, kind: Option<&str>) -> LinkConfig {
        let mut link = *self.link(from, to);
        for rule in &self.rules {
            if rule.matches(from, to, kind) {
                rule.apply(&mut link);
            }
        }
        link
    }

    /// True when every message between nodes crosses the default link
    /// untouched by lists, cuts, overrides, rules or FIFO order (the
    /// common case: [`Network::route_kind`]'s fast path).
    #[inline]
    fn is_plain(&self) -> bool {
        self.config.lose.is_empty()
            && !self.config.fifo
            && self.config.links.is_empty()
            && self.rules.is_empty()
            && self.cuts.is_empty()
    }

    /// Counts a message sent from `from` to `to`; true when the scenario
    /// lists it as lost.
    fn listed(&mut self, from: Endpoint, to: Endpoint) -> bool {
        if self.config.lose.is_empty() {
            return false;
        }
        let count = self.sent.entry((from, to)).or_insert(0);
        *count += 1;
        self.config.lose.contains(&(from, to, *count))
    }

    /// The random loss draw: lost at random (no draw at all on a link
    /// without loss, unless `keep_loss_draws`).
    #[inline]
    fn lost_at_random(&self, rng: &mut Prng, loss: Ratio) -> bool {
        if loss.is_zero() && self.config.keep_loss_draws {
            rng.chance(LOSS_DRAW);
            return false;
        }
        rng.chance(loss)
    }

    /// Decide the fate of a message sent now from `from` to `to`.
    pub fn route(&mut self, rng: &mut Prng, from: NodeId, to: NodeId, now: SimTime) -> Transit {
        self.route_kind(rng, from, to, now, None)
    }

    /// True when a change in force names message kinds: the sender must
    /// then pass each message's kind to [`Network::route_kind`].
    pub fn wants_kinds(&self) -> bool {
        self.rules.iter().any(|r| !r.messages.is_empty())
    }

    /// [`Network::route`] for a message of kind `kind` ([`message_kind`]),
    /// which changes made for some kinds only look at.
    #[inline(always)]
    pub fn route_kind(
        &mut self,
        rng: &mut Prng,
        from: NodeId,
        to: NodeId,
        now: SimTime,
        kind: Option<&str>,
    ) -> Transit {
        if self.is_plain() {
            // No list, cut, rule, override or FIFO: the default link, and
            // exactly the draws of the general path below. Inlined into
            // the sender (the engine's hot path); the rest out of line.
            let link = &self.config.default;
            if self.lost_at_random(rng, link.loss) {
                return Transit::Lost;
            }
            let at = now + link.latency.sample(rng);
            let duplicate = rng
                .chance(link.duplicate)
                .then(|| now + link.latency.sample(rng));
            return Transit::Deliver { at, duplicate };
        }
        self.route_general(rng, from, to, now, kind)
    }

    /// [`Network::route_kind`] when the network is not plain: lists, cuts,
    /// per-link overrides, rules, FIFO links.
    #[inline(never)]
    fn route_general(
        &mut self,
        rng: &mut Prng,
        from: NodeId,
        to: NodeId,
        now: SimTime,
        kind: Option<&str>,
    ) -> Transit {
        let listed = self.listed(Endpoint::Node(from), Endpoint::Node(to));
        if self.cuts.get(from, to) {
            return Transit::Partitioned;
        }
        let link = self.effective_link(from, to, kind);
        if self.lost_at_random(rng, link.loss) || listed {
            return Transit::Lost;
        }
        let mut at = now + link.latency.sample(rng);
        let mut duplicate = if rng.chance(link.duplicate) {
            Some(now + link.latency.sample(rng))
        } else {
            None
        };
        if self.config.fifo {
            let slot = from.index() * self.nodes as usize + to.index();
            let last = self.last_arrival.entry(slot).or_insert(SimTime::ZERO);
            at = at.max(*last);
            *last = at;
            if let Some(copy) = duplicate.as_mut() {
                *copy = (*copy).max(*last);
                *last = *copy;
            }
        }
        Transit::Deliver { at, duplicate }
    }

    /// Decide the fate of client traffic from `from` to `to` (a client and
    /// a node, either way round): the default link, loss and duplication as
    /// [`NetConfig::clients`] says, and only the cuts that name the client.
    pub fn route_client(
        &mut self,
        rng: &mut Prng,
        from: Endpoint,
        to: Endpoint,
        now: SimTime,
    ) -> Transit {
        let listed = self.listed(from, to);
        if !self.client_cuts.is_empty() && self.client_cuts.contains(&(from, to)) {
            return Transit::Partitioned;
        }
        let link = self.config.default;
        let random = self.config.clients != ClientTraffic::Reliable;
        if (random && self.lost_at_random(rng, link.loss)) || listed {
            return Transit::Lost;
        }
        let at = now + link.latency.sample(rng);
        let duplicate = if self.config.clients == ClientTraffic::Lossy && rng.chance(link.duplicate)
        {
            Some(now + link.latency.sample(rng))
        } else {
            None
        };
        Transit::Deliver { at, duplicate }
    }

    /// Cut the directed link between a client and a node (`from` → `to`,
    /// one of them a client); nothing for two nodes or two clients.
    pub fn cut_client_link(&mut self, from: Endpoint, to: Endpoint) {
        let bad_node = |e: Endpoint| matches!(e, Endpoint::Node(n) if n.0 >= self.nodes);
        match (from, to) {
            _ if bad_node(from) || bad_node(to) => {}
            (Endpoint::Client(_), Endpoint::Node(_)) | (Endpoint::Node(_), Endpoint::Client(_)) => {
                self.client_cuts.insert((from, to));
            }
            _ => {}
        }
    }

    /// Cut `client` off from every node, both ways.
    pub fn isolate_client(&mut self, client: ClientId) {
        self.cut_client_from(client, (0..self.nodes).map(NodeId));
    }

    /// Cut `client` off from each of `nodes`, both ways.
    pub fn cut_client_from(&mut self, client: ClientId, nodes: impl IntoIterator<Item = NodeId>) {
        let c = Endpoint::Client(client);
        for node in nodes {
            self.cut_client_link(c, Endpoint::Node(node));
            self.cut_client_link(Endpoint::Node(node), c);
        }
    }

    /// True when `from` can currently reach `to` (a client and a node).
    pub fn client_connected(&self, from: Endpoint, to: Endpoint) -> bool {
        !self.client_cuts.contains(&(from, to))
    }

    /// True when any link between a client and a node is cut.
    pub fn clients_cut(&self) -> bool {
        !self.client_cuts.is_empty()
    }

    /// Restore every link (those of clients too).
    pub fn heal(&mut self) {
        self.cuts.clear();
        self.client_cuts.clear();
    }

    /// Add a change to some links' behaviour, on top of those in force.
    pub fn add_rule(&mut self, rule: LinkRule) {
        self.rules.push(rule);
    }

    /// The changes in force, oldest first.
    pub fn rules(&self) -> &[LinkRule] {
        &self.rules
    }

    /// Drop every change: links behave as configured (and as loss and
    /// duplicate faults set them) again. Returns how many there were.
    pub fn reset_rules(&mut self) -> usize {
        std::mem::take(&mut self.rules).len()
    }

    /// True when `from`'s messages to `to` are cut (two nodes, or a
    /// client and a node either way round).
    pub fn is_cut(&self, from: Endpoint, to: Endpoint) -> bool {
        match (from, to) {
            (Endpoint::Node(a), Endpoint::Node(b)) => {
                a.0 < self.nodes && b.0 < self.nodes && self.cuts.get(a, b)
            }
            _ => self.client_cuts.contains(&(from, to)),
        }
    }

    /// Restore one direction: `from`'s messages reach `to` again (two
    /// nodes, or a client and a node either way round).
    pub fn restore_link(&mut self, from: Endpoint, to: Endpoint) {
        match (from, to) {
            (Endpoint::Node(a), Endpoint::Node(b)) => {
                if a == b || a.0 >= self.nodes || b.0 >= self.nodes {
                    return;
                }
                self.cuts.set(a, b, false);
            }
            _ => {
                self.client_cuts.remove(&(from, to));
            }
        }
    }

    /// Restore every link to and from `end` (a node: its links with
    /// every node and client; a client: its links with every node).
    pub fn restore_endpoint(&mut self, end: Endpoint) {
        for n in 0..self.nodes {
            let node = Endpoint::Node(NodeId(n));
            self.restore_link(end, node);
            self.restore_link(node, end);
        }
        if let Endpoint::Node(_) = end {
            let clients: Vec<(Endpoint, Endpoint)> = self
                .client_cuts
                .iter()
                .filter(|&&(a, b)| a == end || b == end)
                .copied()
                .collect();
            for (a, b) in clients {
                self.client_cuts.remove(&(a, b));
            }
        }
    }

    /// Cut one direction: `from`'s messages to `to` are dropped.
    pub fn cut_one_way(&mut self, from: NodeId, to: NodeId) {
        if from == to || from.0 >= self.nodes || to.0 >= self.nodes {
            return;
        }
        self.cuts.set(from, to, true);
    }

    /// Cut both directions between each pair.
    pub fn cut_pairs(&mut self, pairs: &[(NodeId, NodeId)]) {
        for &(a, b) in pairs {
            self.cut_one_way(a, b);
            self.cut_one_way(b, a);
        }
    }

    /// Split into groups: links between different groups are cut. Nodes not
    /// named in any group form one more group together.
    pub fn partition(&mut self, groups: &[Vec<NodeId>]) {
        let mut group_of: Vec<usize> = vec![groups.len(); self.nodes as usize];
        for (g, members) in groups.iter().enumerate() {
            for m in members {
                if let Some(slot) = group_of.get_mut(m.index()) {
                    *slot = g;
                }
            }
        }
        for a in 0..self.nodes {
            for b in 0..self.nodes {
                if group_of[a as usize] != group_of[b as usize] {
                    self.cut_one_way(NodeId(a), NodeId(b));
                }
            }
        }
    }

    /// Cut `node` off from every other node, both ways.
    pub fn isolate(&mut self, node: NodeId) {
        for other in 0..self.nodes {
            self.cut_one_way(node, NodeId(other));
            self.cut_one_way(NodeId(other), node);
        }
    }

    /// True when `from` can currently reach `to` directly.
    pub fn connected(&self, from: NodeId, to: NodeId) -> bool {
        from == to || (from.0 < self.nodes && to.0 < self.nodes && !self.cuts.get(from, to))
    }

    /// True when any link is cut.
    pub fn is_partitioned(&self) -> bool {
        self.cuts.count() > 0
    }

    /// Strongly connected components of the reachability graph, each sorted,
    /// largest first (ties by smallest member).
    pub fn components(&self) -> Vec<Vec<NodeId>> {
        self.cuts.components()
    }

    /// True when some strongly connected component holds a majority.
    pub fn has_majority_component(&self) -> bool {
        self.components()
            .first()
            .is_some_and(|c| c.len() > self.nodes as usize / 2)
    }

    /// Set the network-wide loss probability (default link and overrides).
    pub fn set_loss(&mut self, loss: Ratio) {
        self.config.default.loss = loss;
        self.config.links.values_mut().for_each(|l| l.loss = loss);
    }

    /// Set the network-wide duplication probability.
    pub fn set_duplicate(&mut self, duplicate: Ratio) {
        self.config.default.duplicate = duplicate;
        self.config
            .links
            .values_mut()
            .for_each(|l| l.duplicate = duplicate);
    }

    /// Restore loss and duplication rates from `config` (default link and
    /// overrides) and drop every change ([`Network::reset_rules`]);
    /// connectivity and FIFO state are untouched.
    pub fn restore_rates(&mut self, config: &NetConfig) {
        self.config.default = config.default;
        self.config.links = config.links.clone();
        self.rules.clear();
    }

    /// A readable description of the cut: `{n0 n1} | {n2 n3 n4}`, or
    /// `healthy`; then, if a client is cut off, `; c1 cut from n2 n3 n4`.
    pub fn describe(&self) -> String {
        let nodes = self.describe_nodes();
        if self.client_cuts.is_empty() {
            return nodes;
        }
        format!("{nodes}; {}", self.describe_clients())
    }

    /// Each client with a cut link: the nodes it cannot reach and the nodes
    /// that cannot reach it (`c1 cut from n2 n3` when both ways).
    fn describe_clients(&self) -> String {
        let mut clients: Vec<ClientId> = self
            .client_cuts
            .iter()
            .flat_map(|&(a, b)| [a, b])
            .filter_map(|e| match e {
                Endpoint::Client(c) => Some(c),
                Endpoint::Node(_) => None,
            })
            .collect();
        clients.sort();
        clients.dedup();
        let list = |nodes: Vec<NodeId>| {
            let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
            names.join(" ")
        };
        let parts: Vec<String> = clients
            .into_iter()
            .map(|c| {
                let client = Endpoint::Client(c);
                let all = (0..self.nodes).map(NodeId);
                let sends: Vec<NodeId> = all
                    .clone()
                    .filter(|&n| self.client_cuts.contains(&(client, Endpoint::Node(n))))
                    .collect();
                let hears: Vec<NodeId> = all
                    .filter(|&n| self.client_cuts.contains(&(Endpoint::Node(n), client)))
                    .collect();
                match (sends.is_empty(), hears.is_empty()) {
                    _ if sends == hears => format!("{c} cut from {}", list(sends)),
                    (false, true) => format!("{c} -> {} cut", list(sends)),
                    (true, false) => format!("{} -> {c} cut", list(hears)),
                    _ => format!("{c} -> {} cut, {} -> {c} cut", list(sends), list(hears)),
                }
            })
            .collect();
        parts.join(", ")
    }

    fn describe_nodes(&self) -> String {
        if !self.is_partitioned() {
            return "healthy".into();
        }
        let comps = self.components();
        let groups: Vec<String> = comps
            .iter()
            .map(|c| {
                let names: Vec<String> = c.iter().map(|n| n.to_string()).collect();
                format!("{{{}}}", names.join(" "))
            })
            .collect();
        let cut = self.cuts.count();
        format!("{} ({cut} directed links cut)", groups.join(" | "))
    }
}

#[cfg(test)]
mod tests;
