//! The dependency graph (ww, wr, rw, real-time, process edges), its strongly
//! connected components (petgraph), and the smallest cycle of each anomaly.

use super::txn::{external_reads, show, Txn, Writers};
use distlab::check::ops::Outcome;
use petgraph::algo::tarjan_scc;
use petgraph::graph::{DiGraph, NodeIndex};
use std::collections::{BTreeMap, VecDeque};

/// Edge kinds (bit flags).
pub(super) const WW: u8 = 1;
pub(super) const WR: u8 = 2;
pub(super) const RW: u8 = 4;
pub(super) const RT: u8 = 8;
pub(super) const PROCESS: u8 = 16;

/// The dependency graph over transactions (node i = txn i).
pub(super) struct Graph {
    /// Edge kinds between txns.
    pub edges: BTreeMap<(usize, usize), u8>,
    /// A reason for each (edge, kind), in words.
    pub reasons: BTreeMap<(usize, usize, u8), String>,
    pub nodes: usize,
}

impl Graph {
    fn add(&mut self, a: usize, b: usize, kind: u8, reason: String) {
        if a == b {
            return;
        }
        *self.edges.entry((a, b)).or_insert(0) |= kind;
        self.reasons.entry((a, b, kind)).or_insert(reason);
    }
}

/// Build the graph; `realtime` adds real-time and process-order edges.
pub(super) fn build(
    txns: &[Txn],
    writers: &Writers,
    orders: &BTreeMap<String, Vec<i64>>,
    realtime: bool,
) -> Graph {
    let mut g = Graph {
        edges: BTreeMap::new(),
        reasons: BTreeMap::new(),
        nodes: txns.len(),
    };
    let writer = |k: &str, v: i64| writers.get(&(k.to_string(), v)).map(|w| w.0);
    for (k, order) in orders {
        for pair in order.windows(2) {
            if let (Some(a), Some(b)) = (writer(k, pair[0]), writer(k, pair[1])) {
                g.add(
                    a,
                    b,
                    WW,
                    format!(
                        "T{a} appended {} to {k:?} and T{b} appended {} right after it",
                        pair[0], pair[1]
                    ),
                );
            }
        }
    }
    for (t, k, vs) in external_reads(txns) {
        if let Some(&last) = vs.last() {
            if let Some(w) = writer(k, last) {
                g.add(
                    w,
                    t,
                    WR,
                    format!(
                        "T{t} read {k:?} = {} and saw {last}, which T{w} appended",
                        show(vs)
                    ),
                );
            }
        }
        let order = &orders[k];
        if order.starts_with(vs) {
            if let Some(&next) = order.get(vs.len()) {
                if let Some(w) = writer(k, next) {
                    g.add(
                        t,
                        w,
                        RW,
                        format!(
                            "T{t} read {k:?} = {} and did not see {next}, which T{w} appended next",
                            show(vs)
                        ),
                    );
                }
            }
        }
    }
    if realtime {
        add_order_edges(&mut g, txns);
    }
    g
}

fn add_order_edges(g: &mut Graph, txns: &[Txn]) {
    let ok: Vec<usize> = (0..txns.len())
        .filter(|&t| txns[t].op.outcome == Outcome::Ok)
        .collect();
    let mut last_of_process: BTreeMap<u64, usize> = BTreeMap::new();
    for &t in &ok {
        let op = txns[t].op;
        if let Some(prev) = last_of_process.insert(op.process, t) {
            g.add(
                prev,
                t,
                PROCESS,
                format!("T{prev} came before T{t} on process {}", op.process),
            );
        }
        for &a in &ok {
            let before = txns[a].op;
            if before.precedes(op) {
                g.add(
                    a,
                    t,
                    RT,
                    format!(
                        "T{a} completed (line {}) before T{t} was invoked (line {})",
                        before.ret_line.unwrap_or(0),
                        op.call_line
                    ),
                );
            }
        }
    }
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
) -> Option<Cycle> {
    let mut prev: BTreeMap<usize, (usize, u8)> = BTreeMap::new();
    let mut queue = VecDeque::from([from]);
    let mut seen = vec![false; adj.len()];
    seen[from] = true;
    while let Some(n) = queue.pop_front() {
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
pub(super) fn smallest_cycle(g: &Graph, closing: u8, mask: u8) -> Option<Cycle> {
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
        if comp[a] != comp[b] || kinds & closing == 0 {
            continue;
        }
        if let Some(mut path) = shortest_path(&adj, &comp, b, a, mask) {
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
