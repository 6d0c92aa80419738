//! The dependency graph (ww, wr, rw, real-time, process edges), its strongly
//! connected components (petgraph), and the smallest cycle of each anomaly.

use super::txn::{external_reads, show, KeyOrder, Txn, Writers};
use crate::check::ops::Outcome;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

/// The wall-clock budget of a check (`check-history --timeout`): looked at
/// every 16 units of work, so a hard history ends with `unknown`.
pub(super) struct Deadline {
    at: Option<Instant>,
    calls: u32,
    /// Set once the deadline passed.
    pub expired: bool,
}

impl Deadline {
    /// Give up at `at` (never if `None`).
    pub fn new(at: Option<Instant>) -> Self {
        Deadline {
            at,
            calls: 0,
            expired: false,
        }
    }

    /// True (and remembered) once the deadline has passed.
    pub fn passed(&mut self) -> bool {
        self.calls = self.calls.wrapping_add(1);
        if !self.expired && self.calls.is_multiple_of(16) {
            // allow-nondeterminism: checker budget/timing, not simulation
            self.expired = self.at.is_some_and(|at| Instant::now() >= at); // allow-nondeterminism: --timeout of check-history ends the search as unknown; simulations pass none
        }
        self.expired
    }
}

/// Edge kinds (bit flags).
pub(super) const WW: u8 = 1;
pub(super) const WR: u8 = 2;
pub(super) const RW: u8 = 4;
pub(super) const RT: u8 = 8;
pub(super) const PROCESS: u8 = 16;

/// The dependency graph over transactions (node i = txn i).
pub(super) struct Graph<'a> {
    /// Edge kinds between txns.
    pub edges: BTreeMap<(usize, usize), u8>,
    /// Why each (edge, kind) exists, in the order found: the first for an
    /// (edge, kind) is its reason, put in words only for the edges of a
    /// cycle ([`Graph::reason`], a scan: a handful of edges per finding,
    /// against a map insert for every edge of every history).
    reasons: Vec<(usize, usize, u8, Reason<'a>)>,
    pub nodes: usize,
}

/// Why an edge exists, with what its words need (borrowed from the
/// transactions: a read can be long, and most edges are never shown).
#[derive(Clone, Copy)]
enum Reason<'a> {
    /// The source appended `first` to `key` and the target `second` right after.
    Ww {
        key: &'a str,
        first: i64,
        second: i64,
    },
    /// The target read `read` of `key`, ending with the source's append `last`.
    Wr {
        key: &'a str,
        read: &'a [i64],
        last: i64,
    },
    /// The source read `read` of `key` and missed `next`, the target's append.
    Rw {
        key: &'a str,
        read: &'a [i64],
        next: i64,
    },
    /// Same process.
    Process(u64),
    /// The source completed (line `ret`) before the target was invoked (line `call`).
    Realtime { ret: usize, call: usize },
}

impl<'a> Graph<'a> {
    fn add(&mut self, a: usize, b: usize, kind: u8, reason: Reason<'a>) {
        if a == b {
            return;
        }
        *self.edges.entry((a, b)).or_insert(0) |= kind;
        self.reasons.push((a, b, kind, reason));
    }

    /// The reason for edge `a → b` of `kind`, in words (empty if none).
    pub fn reason(&self, a: usize, b: usize, kind: u8) -> String {
        let first = self
            .reasons
            .iter()
            .find(|r| (r.0, r.1, r.2) == (a, b, kind));
        let Some((_, _, _, reason)) = first else {
            return String::new();
        };
        match *reason {
            Reason::Ww { key, first, second } => format!(
                "T{a} appended {first} to {key:?} and T{b} appended {second} right after it"
            ),
            Reason::Wr { key, read, last } => format!(
                "T{b} read {key:?} = {} and saw {last}, which T{a} appended",
                show(read)
            ),
            Reason::Rw { key, read, next } => format!(
                "T{a} read {key:?} = {} and did not see {next}, which T{b} appended next",
                show(read)
            ),
            Reason::Process(process) => format!("T{a} came before T{b} on process {process}"),
            Reason::Realtime { ret, call } => {
                format!("T{a} completed (line {ret}) before T{b} was invoked (line {call})")
            }
        }
    }
}

/// Build the graph; `realtime` adds real-time and process-order edges.
/// `None` when the deadline passed first.
pub(super) fn build<'a>(
    txns: &'a [Txn],
    writers: &Writers,
    orders: &'a BTreeMap<String, KeyOrder>,
    realtime: bool,
    deadline: &mut Deadline,
) -> Option<Graph<'a>> {
    let mut g = Graph {
        edges: BTreeMap::new(),
        reasons: Vec::new(),
        nodes: txns.len(),
    };
    let writer = |k: &str, v: i64| writers.get(k, v).map(|w| w.0);
    for (k, key) in orders {
        for pair in key.order.windows(2) {
            if let (Some(a), Some(b)) = (writer(k, pair[0]), writer(k, pair[1])) {
                let reason = Reason::Ww {
                    key: k,
                    first: pair[0],
                    second: pair[1],
                };
                g.add(a, b, WW, reason);
            }
        }
    }
    for (t, k, vs) in external_reads(txns) {
        if let Some(&last) = vs.last() {
            if let Some(w) = writer(k, last) {
                let reason = Reason::Wr {
                    key: k,
                    read: vs,
                    last,
                };
                g.add(w, t, WR, reason);
            }
        }
        let order = &orders[k].order;
        if order.starts_with(vs) {
            if let Some(&next) = order.get(vs.len()) {
                if let Some(w) = writer(k, next) {
                    let reason = Reason::Rw {
                        key: k,
                        read: vs,
                        next,
                    };
                    g.add(t, w, RW, reason);
                }
            }
        }
    }
    if realtime {
        add_order_edges(&mut g, txns, deadline)?;
    }
    Some(g)
}

fn add_order_edges(g: &mut Graph, txns: &[Txn], deadline: &mut Deadline) -> Option<()> {
    let ok: Vec<usize> = (0..txns.len())
        .filter(|&t| txns[t].op.outcome == Outcome::Ok)
        .collect();
    let mut last_of_process: BTreeMap<u64, usize> = BTreeMap::new();
    for &t in &ok {
        if deadline.passed() {
            return None;
        }
        let op = txns[t].op;
        if let Some(prev) = last_of_process.insert(op.process, t) {
            g.add(prev, t, PROCESS, Reason::Process(op.process));
        }
        for &a in &ok {
            let before = txns[a].op;
            if before.precedes(op) {
                let reason = Reason::Realtime {
                    ret: before.ret_line.unwrap_or(0),
                    call: op.call_line,
                };
                g.add(a, t, RT, reason);
            }
        }
    }
    Some(())
}

/// Is the graph, over the edges with a kind in `mask`, free of cycles?
/// (Kahn's algorithm: O(nodes + edges).) Every anomaly class looks for a
/// cycle over a subset of the edges, so an acyclic graph has none of them
/// and the search per class (a graph and its components each) is skipped:
/// that is every valid history.
pub(super) fn acyclic(g: &Graph, mask: u8) -> bool {
    let mut indegree = vec![0u32; g.nodes];
    let mut adj: Vec<Vec<usize>> = vec![Vec::new(); g.nodes];
    for (&(a, b), &kinds) in &g.edges {
        if kinds & mask != 0 {
            adj[a].push(b);
            indegree[b] += 1;
        }
    }
    let mut ready: Vec<usize> = (0..g.nodes).filter(|&n| indegree[n] == 0).collect();
    let mut done = 0;
    while let Some(n) = ready.pop() {
        done += 1;
        for &m in &adj[n] {
            indegree[m] -= 1;
            if indegree[m] == 0 {
                ready.push(m);
            }
        }
    }
    done == g.nodes
}

/// A cycle: nodes in order, and the kind used for each edge (node i → i+1).
pub(super) struct Cycle {
    pub nodes: Vec<usize>,
    pub kinds: Vec<u8>,
}

/// Shortest path from `from` to `to` using edges with a kind in `mask`,
/// staying inside component `comp`.
fn shortest_path(
    adj: &[Vec<(usize, u8)>],
    comp: &[usize],
    from: usize,
    to: usize,
    mask: u8,
    deadline: &mut Deadline,
) -> Option<Cycle> {
    let mut prev: BTreeMap<usize, (usize, u8)> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = vec![false; adj.len()];
    seen[from] = true;
    while let Some(n) = queue.pop_front() {
        if deadline.passed() {
            return None;
        }
        if n == to {
            let mut nodes = vec![to];
            let mut kinds = Vec::new();
            let mut cur = to;
            while cur != from {
                let (p, k) = prev[&cur];
                nodes.push(p);
                kinds.push(k);
                cur = p;
            }
            nodes.reverse();
            kinds.reverse();
            return Some(Cycle { nodes, kinds });
        }
        for &(m, kinds) in &adj[n] {
            let usable = kinds & mask;
            if usable != 0 && !seen[m] && comp[m] == comp[from] {
                seen[m] = true;
                prev.insert(m, (n, lowest(usable)));
                queue.push_back(m);
            }
        }
    }
    None
}

fn lowest(kinds: u8) -> u8 {
    kinds & kinds.wrapping_neg()
}

/// Find the smallest cycle that closes through an edge of kind `closing`,
/// with the rest of the path using `mask`. Candidates are capped for speed.
/// Stops early (check `deadline.expired`) when the deadline passes.
pub(super) fn smallest_cycle(
    g: &Graph,
    closing: u8,
    mask: u8,
    deadline: &mut Deadline,
) -> Option<Cycle> {
    let all = mask | closing;
    let mut graph = DiGraph::<usize, u8>::new();
    let idx: Vec<NodeIndex> = (0..g.nodes).map(|n| graph.add_node(n)).collect();
    let mut adj = vec![Vec::new(); g.nodes];
    for (&(a, b), &kinds) in &g.edges {
        if kinds & all != 0 {
            graph.add_edge(idx[a], idx[b], kinds & all);
            adj[a].push((b, kinds & all));
        }
    }
    let mut comp = vec![usize::MAX; g.nodes];
    for (c, members) in tarjan_scc(&graph).into_iter().enumerate() {
        for n in members {
            comp[graph[n]] = c;
        }
    }
    let mut best: Option<Cycle> = None;
    for (&(a, b), &kinds) in g
        .edges
        .iter()
        .filter(|(_, k)| *k & closing != 0)
        .take(20_000)
    {
        if deadline.passed() {
            return None;
        }
        if comp[a] != comp[b] || kinds & closing == 0 {
            continue;
        }
        if let Some(mut path) = shortest_path(&adj, &comp, b, a, mask, deadline) {
            if best
                .as_ref()
                .is_none_or(|c| path.nodes.len() < c.nodes.len())
            {
                path.nodes.insert(0, a);
                path.kinds.insert(0, lowest(kinds & closing));
                path.nodes.pop();
                best = Some(path);
            }
        }
    }
    best
}

/// Name of an edge kind.
pub(super) fn kind_name(kind: u8) -> &'static str {
    match kind {
        WW => "ww",
        WR => "wr",
        RW => "rw",
        RT => "realtime",
        _ => "process",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn graph(nodes: usize, edges: &[(usize, usize, u8)]) -> Graph<'static> {
        let mut g = Graph {
            edges: BTreeMap::new(),
            reasons: Vec::new(),
            nodes,
        };
        for &(a, b, kind) in edges {
            g.add(a, b, kind, Reason::Process(0));
        }
        g
    }

    /// A cycle over `mask`'s edges, by the components `smallest_cycle`
    /// uses: some edge inside one strongly connected component.
    fn has_cycle(g: &Graph, mask: u8) -> bool {
        let mut pg = DiGraph::<usize, ()>::new();
        let idx: Vec<NodeIndex> = (0..g.nodes).map(|n| pg.add_node(n)).collect();
        for (&(a, b), &kinds) in &g.edges {
            if kinds & mask != 0 {
                pg.add_edge(idx[a], idx[b], ());
            }
        }
        tarjan_scc(&pg).iter().any(|c| c.len() > 1)
    }

    #[test]
    fn a_cycle_of_the_masked_kinds_is_seen_and_other_kinds_are_not() {
        let g = graph(3, &[(0, 1, WW), (1, 2, WR), (2, 0, RW)]);
        assert!(!acyclic(&g, WW | WR | RW));
        assert!(acyclic(&g, WW | WR), "without the rw edge: a path");
        assert!(acyclic(
            &graph(3, &[(0, 1, WW), (0, 2, WW), (1, 2, RW)]),
            WW | RW
        ));
        assert!(acyclic(&graph(0, &[]), WW));
    }

    proptest! {
        /// On random graphs, `acyclic` agrees with the components: the
        /// fast path never skips a history that has a cycle.
        #[test]
        fn acyclic_agrees_with_the_components(
            nodes in 1usize..12,
            edges in proptest::collection::vec((0usize..12, 0usize..12, 0u8..5), 0..30),
            mask in 1u8..32,
        ) {
            let edges: Vec<(usize, usize, u8)> = edges
                .into_iter()
                .filter(|&(a, b, _)| a < nodes && b < nodes)
                .map(|(a, b, k)| (a, b, 1 << k))
                .collect();
            let g = graph(nodes, &edges);
            prop_assert_eq!(acyclic(&g, mask), !has_cycle(&g, mask));
        }
    }
}
