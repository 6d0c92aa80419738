//! A replicated key-value store with two versioning schemes side by side:
//! vector clocks with siblings, and last-writer-wins by wall clock.
//!
//! Every node keeps both. A `put k v` at node `i` writes to each:
//!
//! - **vector clocks**: the new version is the merge of the versions of `k`'s
//!   siblings held at `i` (the write's context) with `i`'s entry raised past
//!   them, so it replaces exactly those siblings. A received version is
//!   dropped if a held one is at least as new, replaces the ones it
//!   dominates, and is otherwise kept as a sibling: concurrent writes survive
//!   side by side, and `get` returns all of them (the application merges;
//!   its next `put` supersedes them all).
//! - **last-writer-wins**: the write is stamped `(local clock, node id)`; the
//!   highest stamp wins everywhere. A node whose clock is behind loses its
//!   writes to older ones, even to writes it had already seen.
//!
//! Writes are pushed to every node and a push anti-entropy round to a random
//! node every `sync` repairs losses. State and a ghost record of each write's
//! true causal past (a vector clock over all events, carried on every
//! message) are stored durably, so nodes survive crashes. `[protocol] store`
//! picks which scheme answers `get` and is checked; the metrics report both.

use super::{Bug, ClockGhost, VClock};
use crate::check::history::{EventType, Value};
use crate::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// Which scheme answers clients and is checked.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scheme {
    /// Vector clocks with siblings.
    VectorClock,
    /// Last-writer-wins by wall clock.
    LastWriterWins,
}

impl crate::scenario::Choice for Scheme {
    const NAMES: &'static [&'static str] = &["vclock", "lww"];
    const ALL: &'static [Scheme] = &[Scheme::VectorClock, Scheme::LastWriterWins];
}

/// Store parameters.
#[derive(Clone, Debug, PartialEq)]
pub struct StoreParams {
    /// The scheme clients see (`store`).
    pub scheme: Scheme,
    /// Anti-entropy period (`sync`).
    pub sync: SimTime,
    /// Deliberate defects (`bugs`): only `MergeMin` applies (to the write
    /// context).
    pub bugs: BTreeSet<Bug>,
}

impl StoreParams {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

/// One version of a key under vector clocks.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Sibling {
    /// The value.
    pub value: i64,
    /// Its version.
    pub version: VClock,
    /// Ghost: the write's true causal past.
    pub truth: VClock,
}

/// A key's value under last-writer-wins.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct LwwEntry {
    /// The value.
    pub value: i64,
    /// (writer's local clock, writer): the highest wins.
    pub stamp: (SimTime, NodeId),
    /// Ghost: the write's true causal past.
    pub truth: VClock,
}

/// Both schemes' state of one key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct KeyState {
    /// Vector-clock siblings.
    pub siblings: Vec<Sibling>,
    /// Last-writer-wins entry.
    pub lww: Option<LwwEntry>,
}

/// Messages between nodes.
#[derive(Clone, Debug, Hash, Serialize)]
pub struct Msg {
    /// Keys and their state.
    pub keys: Vec<(String, KeyState)>,
    /// Ghost: the sender's causal past.
    pub truth: VClock,
}

/// Timers.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Push everything to a random node.
    Sync,
}

/// One store node.
#[derive(Clone, Debug)]
pub struct Store {
    params: Arc<StoreParams>,
    id: NodeId,
    /// Every key's state.
    pub keys: BTreeMap<String, KeyState>,
    truth: VClock,
    /// Most siblings any key has held here (ghost, for metrics).
    pub siblings_peak: usize,
    /// Clock-condition records.
    pub ghost: ClockGhost,
}

impl Store {
    /// A fresh node.
    pub fn new(params: Arc<StoreParams>, id: NodeId, nodes: u32) -> Self {
        Store {
            params,
            id,
            keys: BTreeMap::new(),
            truth: VClock::new(nodes),
            siblings_peak: 0,
            ghost: ClockGhost::default(),
        }
    }

    /// The values clients see for `key` under `scheme`, sorted.
    pub fn visible(&self, key: &str, scheme: Scheme) -> Vec<i64> {
        let Some(state) = self.keys.get(key) else {
            return Vec::new();
        };
        let mut values: Vec<i64> = match scheme {
            Scheme::VectorClock => state.siblings.iter().map(|s| s.value).collect(),
            Scheme::LastWriterWins => state.lww.iter().map(|e| e.value).collect(),
        };
        values.sort_unstable();
        values
    }

    fn persist(&self, ctx: &mut Ctx<Self>, key: &str) {
        if let Some(state) = self.keys.get(key) {
            ctx.storage().put(&format!("key/{key}"), state);
        }
        ctx.storage().put("truth", &self.truth);
        ctx.storage().sync();
    }

    /// Merge a received key state; true if anything changed.
    fn merge_key(&mut self, key: &str, theirs: &KeyState) -> bool {
        let mine = self.keys.entry(key.to_string()).or_default();
        let before = mine.clone();
        for s in &theirs.siblings {
            if mine.siblings.iter().any(|m| s.version <= m.version) {
                continue;
            }
            mine.siblings
                .retain(|m| !m.version.happens_before(&s.version));
            mine.siblings.push(s.clone());
        }
        mine.siblings.sort_by_key(|s| s.value);
        let count = mine.siblings.len();
        if let Some(e) = &theirs.lww {
            if mine.lww.as_ref().is_none_or(|m| m.stamp < e.stamp) {
                mine.lww = Some(e.clone());
            }
        }
        self.siblings_peak = self.siblings_peak.max(count);
        self.keys.get(key) != Some(&before)
    }

    fn put(&mut self, ctx: &mut Ctx<Self>, key: &str, value: i64) {
        self.truth.increment(self.id);
        let truth = self.truth.clone();
        let state = self.keys.entry(key.to_string()).or_default();
        let mut version = state
            .siblings
            .first()
            .map(|s| s.version.clone())
            .unwrap_or_default();
        for s in state.siblings.iter().skip(1) {
            if self.params.has(Bug::MergeMin) {
                version.merge_min(&s.version);
            } else {
                version.merge(&s.version);
            }
        }
        version.increment(self.id);
        // Clock condition: the write follows every version it replaces.
        for s in &state.siblings {
            if !s.version.happens_before(&version) {
                let text = format!(
                    "{} wrote {key}={value} with version {version}, not after sibling {} at {}",
                    self.id, s.value, s.version
                );
                self.ghost.violation(text);
            }
        }
        state.siblings = vec![Sibling {
            value,
            version,
            truth: truth.clone(),
        }];
        let stamp = (ctx.now(), self.id);
        if state.lww.as_ref().is_none_or(|e| e.stamp < stamp) {
            state.lww = Some(LwwEntry {
                value,
                stamp,
                truth: truth.clone(),
            });
        }
        ctx.storage().put(&format!("write/{value}"), &truth);
        self.persist(ctx, key);
        let msg = Msg {
            keys: vec![(key.to_string(), self.keys[key].clone())],
            truth,
        };
        ctx.broadcast(msg);
    }
}

impl Node for Store {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        for k in ctx.storage().keys() {
            if let Some(key) = k.strip_prefix("key/") {
                if let Some(state) = ctx.storage().get::<KeyState>(&k) {
                    self.keys.insert(key.to_string(), state);
                }
            }
        }
        if let Some(truth) = ctx.storage().get::<VClock>("truth") {
            self.truth = truth;
        }
        let first = ctx.rng().below(self.params.sync.as_nanos().max(1));
        ctx.set_timer(SimTime(first), Timer::Sync);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, _from: NodeId, msg: Msg) {
        self.truth.merge(&msg.truth);
        self.truth.increment(self.id);
        let changed: Vec<String> = msg
            .keys
            .iter()
            .filter(|(k, state)| self.merge_key(k, state))
            .map(|(k, _)| k.clone())
            .collect();
        for key in changed {
            self.persist(ctx, &key);
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: Timer) {
        let peers: Vec<NodeId> = ctx.peers().collect();
        if !peers.is_empty() && !self.keys.is_empty() {
            let to = peers[ctx.rng().index(peers.len())];
            let keys = self
                .keys
                .iter()
                .map(|(k, s)| (k.clone(), s.clone()))
                .collect();
            self.truth.increment(self.id);
            let truth = self.truth.clone();
            ctx.send(to, Msg { keys, truth });
        }
        ctx.set_timer(self.params.sync, Timer::Sync);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let key = request.op.key.clone().unwrap_or_default();
        match (request.op.f.as_str(), &request.op.value) {
            ("put", Value::Int(v)) => {
                let v = *v;
                self.put(ctx, &key, v);
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
            ("get", _) => {
                let values = self.visible(&key, self.params.scheme);
                let list = values.into_iter().map(Value::Int).collect();
                ctx.reply(&request, Reply::Ok(Value::List(list)));
            }
            (f, _) => ctx.reply(&request, Reply::Fail(format!("unknown operation {f:?}"))),
        }
    }

    /// Each key's versions (siblings with their vector clocks); the
    /// checks' ghost and the parameters folded.
    fn inspect(&self) -> crate::sim::View {
        crate::sim::View::new()
            .field("keys", self.keys_item())
            .field("truth", self.truth.to_string())
            .field("siblingsPeak", self.siblings_peak)
            .folded("ghost (for the checks)", &self.ghost)
            .params(&*self.params)
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        super::inspect::store_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        super::inspect::store_summary(message)
    }

    fn summary(&self) -> String {
        let siblings = self
            .keys
            .values()
            .map(|s| s.siblings.len())
            .max()
            .unwrap_or(0);
        format!("{} keys, up to {siblings} siblings", self.keys.len())
    }
}

/// Acknowledged puts: (key, value).
pub fn acked_puts(history: &crate::check::history::History) -> Vec<(String, i64)> {
    history
        .events
        .iter()
        .filter(|e| e.kind == EventType::Ok && e.f == "put")
        .filter_map(|e| Some((e.key.clone()?, e.value.as_int()?)))
        .collect()
}
