//! The store's checks and the numbers of the CAP comparison, computed at the
//! end of a run from the client history, the fault log and the replicas.
//!
//! The checks read nodes through [`QuorumLabNode`] (replica data, hints), so
//! the same checks judge the reference ([`KvNode`]) and lab 09's student
//! implementations; placement comes from the ring, never from the node.

use super::lab::QuorumLabNode;
use super::{merge, KvNode, Mode, Params, Ring, Session, Sibling};
use crate::check::convergence::{check_convergence, ReplicaState};
use crate::check::history::{EventType, History, Value};
use crate::check::linearizability::{self, Budget, Model};
use crate::check::verdict::Status;
use crate::check::{CheckKind, Outcome};
use crate::protocols::clocks::VClock;
use crate::sim::Invariant;
use crate::sim::{Node, NodeId, Sim, SimBuilder, SimTime};
use std::collections::BTreeMap;
use std::sync::Arc;

/// One completed client operation.
#[derive(Clone, Debug)]
struct Op {
    process: u64,
    write: bool,
    key: String,
    /// Written value, or the values read.
    values: Vec<i64>,
    invoked: u64,
    /// Completion time, for `ok` operations.
    done: Option<u64>,
    ok: bool,
}

fn ints(v: &Value) -> Vec<i64> {
    match v {
        Value::Int(i) => vec![*i],
        Value::List(items) => items.iter().filter_map(Value::as_int).collect(),
        _ => Vec::new(),
    }
}

fn operations(history: &History) -> Vec<Op> {
    let mut open: BTreeMap<u64, usize> = BTreeMap::new();
    let mut ops: Vec<Op> = Vec::new();
    for e in &history.events {
        if e.kind == EventType::Invoke {
            open.insert(e.process, ops.len());
            ops.push(Op {
                process: e.process,
                write: e.f == "put",
                key: e.key.clone().unwrap_or_default(),
                values: ints(&e.value),
                invoked: e.time,
                done: None,
                ok: false,
            });
        } else if let Some(i) = open.remove(&e.process) {
            let op = &mut ops[i];
            op.ok = e.kind == EventType::Ok;
            if op.ok {
                op.done = Some(e.time);
                if !op.write {
                    op.values = ints(&e.value);
                }
            }
        }
    }
    ops
}

/// The numbers of one run.
#[derive(Clone, Debug, Default)]
pub struct Analysis {
    /// Operations invoked.
    pub invoked: usize,
    /// Operations that succeeded.
    pub ok: usize,
    /// Operations invoked while the network was partitioned.
    pub invoked_partitioned: usize,
    /// Of those, succeeded.
    pub ok_partitioned: usize,
    /// Reads that missed an acknowledged write.
    pub stale_reads: usize,
    /// Read-your-writes and monotonic-read violations.
    pub session_violations: usize,
    /// First few violation descriptions.
    pub examples: Vec<String>,
}

/// When a put of `value` completed (ok) and was invoked.
fn put_times(ops: &[Op]) -> BTreeMap<i64, (u64, Option<u64>)> {
    ops.iter()
        .filter(|o| o.write)
        .filter_map(|o| Some((*o.values.first()?, (o.invoked, o.done))))
        .collect()
}

/// True when every value read comes from a put that completed before the
/// put of `newer` was invoked (so the read missed `newer`).
fn older_than(read: &[i64], newer_invoked: u64, puts: &BTreeMap<i64, (u64, Option<u64>)>) -> bool {
    read.iter().all(|v| {
        puts.get(v)
            .and_then(|(_, done)| *done)
            .is_some_and(|d| d < newer_invoked)
    })
}

/// Reads that missed an acknowledged write: some put of the key completed
/// before the read was invoked, and everything the read returned was written
/// by puts that had completed before that put was even invoked.
pub fn stale_reads(history: &History) -> Vec<String> {
    let ops = operations(history);
    let puts = put_times(&ops);
    let mut out = Vec::new();
    for r in ops.iter().filter(|o| !o.write && o.ok) {
        let newest = ops
            .iter()
            .filter(|w| w.write && w.ok && w.key == r.key)
            .filter(|w| w.done.is_some_and(|d| d < r.invoked))
            .max_by_key(|w| w.invoked);
        if let Some(w) = newest {
            if older_than(&r.values, w.invoked, &puts) {
                out.push(format!(
                    "read of {} at {} returned {:?}, missing put {:?} acknowledged at {}",
                    r.key,
                    SimTime(r.invoked),
                    r.values,
                    w.values,
                    SimTime(w.done.unwrap_or(0))
                ));
            }
        }
    }
    out
}

/// Per process: a read older than the process's own last write
/// (read-your-writes) or than its previous read (monotonic reads).
fn session_violations(ops: &[Op], monotonic: bool) -> Vec<String> {
    let puts = put_times(ops);
    let mut floor: BTreeMap<(u64, String), (u64, String)> = BTreeMap::new();
    let mut out = Vec::new();
    for o in ops.iter().filter(|o| o.ok) {
        let k = (o.process, o.key.clone());
        if o.write {
            floor.insert(k, (o.invoked, "its own write".into()));
            continue;
        }
        if let Some((since, what)) = floor.get(&k) {
            if older_than(&o.values, *since, &puts) {
                out.push(format!(
                    "process {} read {} = {:?} at {}, older than {what}",
                    o.process,
                    o.key,
                    o.values,
                    SimTime(o.invoked)
                ));
            }
        }
        if monotonic {
            let newest = o
                .values
                .iter()
                .filter_map(|v| puts.get(v))
                .map(|(i, _)| *i)
                .max();
            if let Some(i) = newest {
                floor.insert(k, (i, "an earlier read".into()));
            }
        }
    }
    out
}

/// Partitioned intervals from the fault log: partition/isolate/cut until
/// heal (or the end of the fault phase).
fn partitioned(log: &[(SimTime, String)], end: SimTime) -> Vec<(u64, u64)> {
    let mut out = Vec::new();
    let mut since: Option<u64> = None;
    for (t, text) in log {
        let cut = ["partition", "isolate", "cut"]
            .iter()
            .any(|p| text.starts_with(p));
        if cut && since.is_none() {
            since = Some(t.as_nanos());
        } else if text.starts_with("heal") {
            if let Some(s) = since.take() {
                out.push((s, t.as_nanos()));
            }
        }
    }
    if let Some(s) = since {
        out.push((s, end.as_nanos()));
    }
    out
}

/// Per client (history process): operations invoked while the network was
/// partitioned, and how many of them succeeded.
pub fn partitioned_by_client<N: Node>(sim: &Sim<N>) -> BTreeMap<u64, (usize, usize)> {
    let ops = operations(sim.history());
    let cuts = partitioned(sim.fault_log(), sim.duration());
    let mut out: BTreeMap<u64, (usize, usize)> = BTreeMap::new();
    for o in &ops {
        if cuts.iter().any(|(a, b)| o.invoked >= *a && o.invoked < *b) {
            let e = out.entry(o.process).or_default();
            e.0 += 1;
            e.1 += usize::from(o.ok);
        }
    }
    out
}

/// Analyse a run's history.
pub fn analyse<N: Node>(sim: &Sim<N>, session: Session) -> Analysis {
    let ops = operations(sim.history());
    let cuts = partitioned(sim.fault_log(), sim.duration());
    let during = |o: &Op| cuts.iter().any(|(a, b)| o.invoked >= *a && o.invoked < *b);
    let stale = stale_reads(sim.history());
    let sessions = session_violations(&ops, session == Session::MonotonicReads);
    let mut examples: Vec<String> = sessions.iter().take(3).cloned().collect();
    examples.extend(stale.iter().take(3).cloned());
    Analysis {
        invoked: ops.len(),
        ok: ops.iter().filter(|o| o.ok).count(),
        invoked_partitioned: ops.iter().filter(|o| during(o)).count(),
        ok_partitioned: ops.iter().filter(|o| during(o) && o.ok).count(),
        stale_reads: stale.len(),
        session_violations: sessions.len(),
        examples,
    }
}

/// Where keys live: the ring and the replica count.
#[derive(Clone, Debug)]
pub struct Placement {
    /// The consistent-hashing ring every node shares.
    pub ring: Arc<Ring>,
    /// Replicas per key.
    pub n: usize,
}

impl Placement {
    /// The replicas of `key`.
    pub fn replicas(&self, key: &str) -> Vec<NodeId> {
        self.ring.replicas(key, self.n)
    }
}

/// The converged versions of every key: the merge over its live replicas.
fn final_state<S: QuorumLabNode>(
    sim: &Sim<S>,
    place: &Placement,
    siblings: bool,
) -> BTreeMap<String, Vec<Sibling>> {
    let mut out: BTreeMap<String, Vec<Sibling>> = BTreeMap::new();
    for (id, node) in sim.live_nodes() {
        for (key, state) in node.data() {
            if place.replicas(key).contains(&id) {
                merge(out.entry(key.clone()).or_default(), state, siblings);
            }
        }
    }
    out
}

/// Every write's ghost clock, from the writers' durable records.
fn write_clocks<N: Node>(sim: &Sim<N>) -> BTreeMap<i64, VClock> {
    let mut out = BTreeMap::new();
    for slot in sim.slots() {
        for k in slot.storage.keys() {
            if let Some(v) = k.strip_prefix("w/").and_then(|v| v.parse().ok()) {
                if let Some(clock) = slot.storage.get::<VClock>(&k) {
                    out.insert(v, clock);
                }
            }
        }
    }
    out
}

/// Acknowledged writes gone after convergence without being replaced by a
/// write that saw them (vector-clock ghost) or came after them in real time.
pub fn lost_updates<S: QuorumLabNode>(
    sim: &Sim<S>,
    place: &Placement,
    siblings: bool,
) -> Vec<String> {
    let ops = operations(sim.history());
    let puts = put_times(&ops);
    let clocks = write_clocks(sim);
    let state = final_state(sim, place, siblings);
    let mut out = Vec::new();
    for w in ops.iter().filter(|o| o.write && o.ok) {
        let (Some(&v), Some(done)) = (w.values.first(), w.done) else {
            continue;
        };
        let survivors = state.get(&w.key).map(Vec::as_slice).unwrap_or_default();
        let kept = survivors.iter().any(|s| {
            s.value == v
                || clocks.get(&v).is_some_and(|c| c <= &s.clock)
                || puts.get(&s.value).is_some_and(|(i, _)| *i > done)
        });
        if !kept {
            let held: Vec<i64> = survivors.iter().map(|s| s.value).collect();
            out.push(format!(
                "put {}={v} was lost: the replicas hold {held:?}",
                w.key
            ));
        }
    }
    out
}

/// Acknowledged writes that a read after the run would miss (eventual
/// visibility): for every key, take its newest acknowledged put (by
/// invocation) and the versions the key's live replicas hold, merged; if
/// nothing is held, or everything held was written by puts that completed
/// before that put was invoked, the write is invisible. A store that
/// acknowledges and forgets, or keeps its data anywhere but at the replicas,
/// fails here; a concurrent write that won (last-writer-wins) does not.
pub fn invisible_writes<S: QuorumLabNode>(
    sim: &Sim<S>,
    place: &Placement,
    siblings: bool,
) -> Vec<String> {
    let ops = operations(sim.history());
    let puts = put_times(&ops);
    let state = final_state(sim, place, siblings);
    let mut newest: BTreeMap<&str, &Op> = BTreeMap::new();
    for w in ops.iter().filter(|o| o.write && o.ok) {
        let e = newest.entry(w.key.as_str()).or_insert(w);
        if w.invoked > e.invoked {
            *e = w;
        }
    }
    let mut out = Vec::new();
    for (key, w) in newest {
        let held: Vec<i64> = state
            .get(key)
            .map(|s| s.iter().map(|v| v.value).collect())
            .unwrap_or_default();
        if older_than(&held, w.invoked, &puts) {
            out.push(format!(
                "put {key}={:?} was acknowledged at {}, but after the run the replicas of {key} hold {held:?}: a read would miss it",
                w.values,
                SimTime(w.done.unwrap_or(0))
            ));
        }
    }
    out
}

/// `writes-visible`: no acknowledged write is invisible after the run
/// ([`invisible_writes`]).
pub fn writes_visible<S: QuorumLabNode>(
    sim: &Sim<S>,
    place: &Placement,
    siblings: bool,
) -> Outcome {
    let lost = invisible_writes(sim, place, siblings);
    match lost.first() {
        None => Outcome::Pass,
        Some(first) => Outcome::Fail(format!("{} keys; {first}", lost.len())),
    }
}

/// `messages-flow`: a quorum store talks to its replicas, so every
/// acknowledged operation costs at least one message. A node that answers
/// from memory it shares with other nodes (a process global) instead of
/// replicating fails here.
pub fn messages_flow<N: Node>(sim: &Sim<N>) -> Outcome {
    let (sent, ok) = (sim.counters().sent, sim.counters().ops_ok);
    if sent >= ok {
        Outcome::Pass
    } else {
        Outcome::Fail(format!(
            "{ok} operations succeeded with only {sent} messages sent: a quorum operation asks the key's replicas over the network"
        ))
    }
}

/// Live replicas of every key agree and no hint is left undelivered.
pub fn converged<S: QuorumLabNode>(sim: &Sim<S>, place: &Placement) -> Result<(), String> {
    let keys: std::collections::BTreeSet<String> = sim
        .live_nodes()
        .flat_map(|(_, n)| n.data().keys().cloned())
        .collect();
    for key in keys {
        let owners = place.replicas(&key);
        let replicas: Vec<(String, ReplicaState)> = sim
            .live_nodes()
            .filter(|(id, _)| owners.contains(id))
            .map(|(id, n)| {
                let values: Vec<i64> = n
                    .data()
                    .get(&key)
                    .into_iter()
                    .flatten()
                    .map(|s| s.value)
                    .collect();
                (id.to_string(), ReplicaState::Text(format!("{values:?}")))
            })
            .collect();
        let report = check_convergence(&replicas);
        if report.status != Status::Valid {
            let why = report.explanation.trim_end().replace('\n', " ");
            return Err(format!("key {key}: {why}"));
        }
    }
    for (id, node) in sim.live_nodes() {
        if let Some(((to, key), _)) = node.hints().iter().next() {
            return Err(format!("{id} still holds a hint of {key} for {to}"));
        }
    }
    Ok(())
}

fn linearizable_metric<N: Node>(sim: &Sim<N>) -> String {
    let budget = Budget::steps(200_000);
    match linearizability::check(sim.history(), Model::Kv, &budget).map(|v| v.status) {
        Ok(Status::Valid) => "1".into(),
        Ok(Status::Invalid) => "0".into(),
        _ => "-".into(),
    }
}

fn percent(part: usize, whole: usize) -> String {
    if whole == 0 {
        return "-".into();
    }
    format!("{:.1}%", 100.0 * part as f64 / whole as f64)
}

/// The numbers of the CAP comparison (every run's metrics).
pub fn metrics<S: QuorumLabNode>(
    sim: &Sim<S>,
    place: &Placement,
    params: &Params,
) -> Vec<(String, String)> {
    let a = analyse(sim, params.session);
    let siblings = params.mode == Mode::Ap && params.conflict == super::Conflict::VectorClock;
    let lost = lost_updates(sim, place, siblings).len();
    let sibling_reads: u64 = sim.live_nodes().map(|(_, n)| n.sibling_reads()).sum();
    let converged = match (params.mode, converged(sim, place).is_ok()) {
        (Mode::Cp, _) => "-",
        (_, true) => "1",
        (_, false) => "0",
    };
    vec![
        (
            "avail-partitioned".into(),
            percent(a.ok_partitioned, a.invoked_partitioned),
        ),
        ("stale-reads".into(), a.stale_reads.to_string()),
        ("lost-updates".into(), lost.to_string()),
        ("sibling-reads".into(), sibling_reads.to_string()),
        (
            "session-violations".into(),
            a.session_violations.to_string(),
        ),
        ("linearizable".into(), linearizable_metric(sim)),
        ("converged".into(), converged.into()),
    ]
}

/// A simulation builder with store nodes, the checks the mode promises, and
/// the comparison metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<KvNode> {
    builder_for::<KvNode>(Arc::new(params), nodes, seed)
}

/// [`builder`] for any implementation of [`QuorumLabNode`]: every node gets
/// the same ring (`vnodes` points per node).
pub fn builder_for<S: QuorumLabNode>(params: Arc<Params>, nodes: u32, seed: u64) -> SimBuilder<S> {
    builder_made(params, nodes, seed, S::new)
}

/// [`builder_for`] with nodes made by `make` instead of `S::new` (the lab's
/// `DynQuorum` wraps the student's constructor).
pub fn builder_made<S: QuorumLabNode>(
    params: Arc<Params>,
    nodes: u32,
    seed: u64,
    make: fn(Arc<Params>, Arc<Ring>, NodeId) -> S,
) -> SimBuilder<S> {
    let ring = Arc::new(Ring::new(nodes, params.vnodes));
    let place = Placement {
        ring: Arc::clone(&ring),
        n: params.n,
    };
    let shared = Arc::clone(&params);
    let mut b = SimBuilder::new(nodes, seed, move |id: NodeId, _| {
        make(Arc::clone(&shared), Arc::clone(&ring), id)
    });
    let p = Arc::clone(&params);
    let at = place.clone();
    b = b.metrics(move |sim| metrics(sim, &at, &p));
    if matches!(params.mode, Mode::Cp | Mode::Ap) {
        let at = place.clone();
        let siblings = params.mode == Mode::Ap && params.conflict == super::Conflict::VectorClock;
        b = b
            .invariant(Invariant::new(
                "writes-visible",
                CheckKind::Eventually,
                move |sim| writes_visible(sim, &at, siblings),
            ))
            .invariant(Invariant::new(
                "messages-flow",
                CheckKind::Eventually,
                messages_flow::<S>,
            ));
    }
    if params.mode == Mode::Cp {
        b = b.invariant(Invariant::linearizable(Model::Kv, 2_000_000));
    } else {
        let at = place.clone();
        b = b.invariant(Invariant::eventually("replicas-converge", move |sim| {
            converged(sim, &at)
        }));
    }
    if params.mode == Mode::Ap && params.conflict == super::Conflict::VectorClock {
        let at = place.clone();
        b = b.invariant(Invariant::new(
            "no-lost-updates",
            CheckKind::AtEnd,
            move |sim| {
                let lost = lost_updates(sim, &at, true);
                match lost.first() {
                    None => Outcome::Pass,
                    Some(first) => {
                        Outcome::Fail(format!("{} acknowledged writes lost; {first}", lost.len()))
                    }
                }
            },
        ));
    }
    if params.session != Session::None {
        let session = params.session;
        b = b.invariant(Invariant::new(
            "session-guarantees",
            CheckKind::AtEnd,
            move |sim| {
                let a = analyse(sim, session);
                if a.session_violations == 0 {
                    Outcome::Pass
                } else {
                    Outcome::Fail(format!(
                        "session guarantees violated (count: {}); {}",
                        a.session_violations,
                        a.examples.join("; ")
                    ))
                }
            },
        ));
    }
    b
}
