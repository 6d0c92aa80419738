//! Sequential specifications: what each model's operations do to its state.

use super::search::FxMap;
use crate::check::history::Value;
use crate::check::ops::{Operation, Outcome};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::hash::Hash;

/// A sequential model, compiled from history operations.
pub(super) trait SeqModel {
    /// The model state (hashed and compared by the search cache).
    type State: Clone + Eq + Hash;
    /// A compiled operation (input and, if known, output). Equal ops have
    /// equal effects (the search tries one of two equal `info` ops first).
    type Op: PartialEq;
    /// The initial state.
    fn init(&mut self) -> Self::State;
    /// Compile an `Ok` or `Info` operation; `Ok(None)` drops it (it can never
    /// matter, e.g. a read with an unknown result).
    fn compile(&mut self, op: &Operation) -> Result<Option<Self::Op>, String>;
    /// Apply `op` to `state`: the next state, or `None` if `op`'s result is impossible.
    fn step(&mut self, state: &Self::State, op: &Self::Op) -> Option<Self::State>;
    /// The state in plain words.
    fn show(&self, state: &Self::State) -> String;
    /// A small number naming `state` exactly — equal states have equal
    /// numbers and different states different ones — when the model keeps
    /// one anyway (a single key's trie node): the search then interns the
    /// state by indexing a vector with it instead of hashing the state.
    /// `None` (the default): hash it.
    fn dense_id(&self, _state: &Self::State) -> Option<u32> {
        None
    }
    /// Should the search remember the results of `op` (asked once per
    /// operation, with the initial state: every state the model reaches
    /// has its shape, e.g. one key or many)? `false` when a step costs no
    /// more than the memo's probe and insert (a single key's put or append
    /// of a string is one probe of the trie's child table, its own memo).
    /// The default: remember every step.
    fn memoize(&self, _init: &Self::State, _op: &Self::Op) -> bool {
        true
    }
    /// Does the check try shorter searches first (`run`'s *shortcuts*:
    /// the history without some operations of unknown outcome)? Leaving
    /// out an operation whose outcome is unknown is always sound — it may
    /// not have happened — so a linearization found without it is one of
    /// the whole history; only a failure there proves nothing. The
    /// default: no shortcuts.
    fn takes_shortcuts(&self) -> bool {
        false
    }
    /// For a shortcut: is `op` (compiled from an operation of unknown
    /// outcome) a write of a value no result ever shows? Such a write is
    /// rarely needed (it can only matter by making a compare-and-set fail),
    /// and every one the search keeps multiplies the orders it tries.
    fn unseen_write(&self, _op: &Self::Op) -> bool {
        false
    }
    /// Pairs `(write, read)` of indices into `ops` where `read`'s known
    /// result shows that `write` took effect before it, in every
    /// linearization: the search may then treat `write` as returning just
    /// before `read` returns (a constraint every linearization meets
    /// anyway), which turns a write of unknown outcome that some read saw
    /// into one the search must place, and early. The default: none.
    fn must_precede(&self, _ops: &[Self::Op]) -> Vec<(usize, usize)> {
        Vec::new()
    }
    /// For a shortcut that got stuck on `stuck` (an operation that could
    /// not be placed, or one that could have gone next): could placing
    /// `write`, an operation of unknown outcome the shortcut left out,
    /// make it placeable? Only a guess of which operations to put back
    /// first (any answer is sound: a shortcut proves only linearizable).
    /// The default: yes, every one.
    fn could_explain(&self, _stuck: &Self::Op, _write: &Self::Op) -> bool {
        true
    }
}

fn known(op: &Operation) -> Option<&Value> {
    (op.outcome == Outcome::Ok).then_some(&op.output)
}

fn cas_args(op: &Operation) -> Result<(Value, Value), String> {
    match op.input.as_list().as_deref() {
        Some([from, to]) => Ok((from.clone(), to.clone())),
        _ => Err(format!("expected cas value [FROM TO], found {}", op.input)),
    }
}

/// `Some(true)` applied, `Some(false)` compare failed, `None` unknown.
fn cas_result(op: &Operation) -> Option<bool> {
    known(op).map(|v| *v != Value::Bool(false))
}

fn unknown_op(model: &str, f: &str, expected: &str) -> String {
    format!("unknown operation `{f}` for the {model} model (expected {expected})")
}

/// Empty string, empty list and nil are the same "empty" value.
pub(super) fn normalize(v: &Value) -> Value {
    if is_empty(v) {
        Value::Nil
    } else {
        v.clone()
    }
}

/// A register operation.
#[derive(PartialEq)]
pub(super) enum RegOp {
    Read(Value),
    Write(Value),
    Cas(Value, Value, Option<bool>),
}

/// A read/write register, optionally with compare-and-set.
pub(super) struct Register {
    pub allow_cas: bool,
}

impl SeqModel for Register {
    type State = Value;
    type Op = RegOp;
    fn init(&mut self) -> Value {
        Value::Nil
    }
    fn compile(&mut self, op: &Operation) -> Result<Option<RegOp>, String> {
        Ok(Some(match op.f.as_str() {
            "read" | "get" => match known(op) {
                Some(v) => RegOp::Read(v.clone()),
                None => return Ok(None),
            },
            "write" | "put" => RegOp::Write(op.input.clone()),
            "cas" if self.allow_cas => {
                let (from, to) = cas_args(op)?;
                RegOp::Cas(from, to, cas_result(op))
            }
            f if self.allow_cas => return Err(unknown_op("cas-register", f, "read, write or cas")),
            f => return Err(unknown_op("register", f, "read or write")),
        }))
    }
    fn step(&mut self, state: &Value, op: &RegOp) -> Option<Value> {
        match op {
            RegOp::Read(v) => (v == state).then(|| state.clone()),
            RegOp::Write(v) => Some(v.clone()),
            RegOp::Cas(from, to, result) => {
                let matches = from == state;
                match result {
                    Some(applied) if *applied != matches => None,
                    _ if matches => Some(to.clone()),
                    _ => Some(state.clone()),
                }
            }
        }
    }
    fn show(&self, state: &Value) -> String {
        format!("the register holds {state}")
    }
}

/// A key-value operation on key index `.0`.
#[derive(PartialEq)]
pub(super) enum KvOp {
    Get(usize, Value),
    Put(usize, u32),
    Append(usize, u32),
    Cas(usize, Value, u32, Option<bool>),
}

/// The trie node of each key; one key (the partitioned case) needs no allocation.
#[derive(Clone, PartialEq, Eq, Hash)]
pub(super) enum KvState {
    One(u32),
    Many(Vec<u32>),
}

impl KvState {
    fn get(&self, k: usize) -> u32 {
        match self {
            KvState::One(n) => *n,
            KvState::Many(nodes) => nodes[k],
        }
    }

    fn with(&self, k: usize, node: u32) -> KvState {
        match self {
            KvState::One(_) => KvState::One(node),
            KvState::Many(nodes) => {
                let mut nodes = nodes.clone();
                nodes[k] = node;
                KvState::Many(nodes)
            }
        }
    }
}

/// A key-value store: get/put/append/cas on string keys, all initially empty.
///
/// A key's value is a node in a trie of values: node 0 is empty, a `put` node
/// replaces, an `append` node extends its parent. Appends then cost no string
/// copy, and a `get` compares its result from the end, piece by piece.
///
/// **Unread appends.** Appending a non-string value `v` that no `get`
/// returns and no `cas` compares with (not even inside a list) makes the
/// key a list holding `v`, and every later value of the key until a `put`
/// or a successful `cas` holds it too (appends only extend). All such
/// values behave alike: every `get` and every `cas` that must succeed
/// fails on them (their results never hold `v`), every `cas` that failed
/// or whose outcome is unknown leaves them unchanged, appends keep them
/// such, and a `put` replaces them. So they are one state, [`UNREAD`]:
/// without it, `k` appends of values nobody read (requests that timed out
/// and were never applied, say) made `k!` orders of distinct lists for the
/// search to try.
pub(super) struct Kv {
    keys: BTreeMap<String, usize>,
    values: Vec<Value>,
    value_ids: FxMap<Value, u32>,
    /// (parent, value id, is_append); node 0 is the empty value.
    nodes: Vec<(u32, u32, bool)>,
    children: FxMap<(u32, u32, bool), u32>,
    /// Every value a `get` returned or a `cas` compared with, and the
    /// elements of those that are lists (probed, never iterated).
    observed: FxMap<Value, ()>,
}

/// The trie node standing for every value that holds an unread append
/// (see [`Kv`]).
const UNREAD: u32 = u32::MAX;

impl Default for Kv {
    fn default() -> Self {
        Kv {
            keys: BTreeMap::new(),
            values: Vec::new(),
            value_ids: FxMap::default(),
            nodes: vec![(0, 0, false)],
            children: FxMap::default(),
            observed: FxMap::default(),
        }
    }
}

impl Kv {
    fn key_index(&mut self, key: &str) -> usize {
        let next = self.keys.len();
        *self.keys.entry(key.to_string()).or_insert(next)
    }

    fn value_id(&mut self, v: &Value) -> u32 {
        let next = self.values.len() as u32;
        let id = *self.value_ids.entry(v.clone()).or_insert(next);
        if id == next {
            self.values.push(v.clone());
        }
        id
    }

    fn child(&mut self, parent: u32, value: u32, is_append: bool) -> u32 {
        let parent = if is_append { parent } else { 0 };
        if is_empty(&self.values[value as usize]) {
            return parent;
        }
        let next = self.nodes.len() as u32;
        let id = *self
            .children
            .entry((parent, value, is_append))
            .or_insert(next);
        if id == next {
            self.nodes.push((parent, value, is_append));
        }
        id
    }

    fn observe(&mut self, v: &Value) {
        if let Value::List(items) = v {
            for item in items {
                self.observe(item);
            }
        }
        self.observed.insert(v.clone(), ());
    }

    /// Is `value` a non-string, non-empty value no result ever shows?
    fn unread(&self, value: u32) -> bool {
        let v = &self.values[value as usize];
        !matches!(v, Value::Str(_)) && !is_empty(v) && !self.observed.contains_key(v)
    }

    fn materialize(&self, node: u32) -> Value {
        if node == UNREAD {
            return Value::Str(
                "(a list holding a value appended that no get or cas ever saw)".into(),
            );
        }
        let mut chain = Vec::new();
        let mut base = Value::Nil;
        let mut n = node;
        while n != 0 {
            let (parent, value, is_append) = self.nodes[n as usize];
            if !is_append {
                base = self.values[value as usize].clone();
                break;
            }
            chain.push(value);
            n = parent;
        }
        chain
            .iter()
            .rev()
            .fold(base, |acc, &v| append(&acc, &self.values[v as usize]))
    }

    /// Does `node` hold `expected`? Strings are compared from the end, piece by piece.
    fn holds(&self, node: u32, expected: &Value) -> bool {
        if node == UNREAD {
            return false;
        }
        let mut rest: &str = match expected {
            Value::Str(s) => s,
            Value::Nil => "",
            _ => return normalize(&self.materialize(node)) == *expected,
        };
        let mut n = node;
        while n != 0 {
            let (parent, value, is_append) = self.nodes[n as usize];
            let Value::Str(piece) = &self.values[value as usize] else {
                return normalize(&self.materialize(node)) == normalize(expected);
            };
            match rest.strip_suffix(piece.as_str()) {
                Some(r) => rest = r,
                None => return false,
            }
            if !is_append {
                break;
            }
            n = parent;
        }
        rest.is_empty()
    }
}

/// Empty: nil, `""`, or a list of no items in any of `Value`'s list forms.
fn is_empty(v: &Value) -> bool {
    match v {
        Value::Nil => true,
        Value::Str(s) => s.is_empty(),
        other => other.as_list().is_some_and(|items| items.is_empty()),
    }
}

/// `v` appended to `state`: strings concatenate; a list (in any of
/// `Value`'s list forms) gets `v` as its last item; nothing becomes `[v]`
/// and any other value `s` becomes `[s, v]`.
fn append(state: &Value, v: &Value) -> Value {
    match (state, v) {
        (Value::Nil, Value::Str(s)) => Value::Str(s.clone()),
        (Value::Str(a), Value::Str(b)) => Value::Str(format!("{a}{b}")),
        (Value::Nil, v) => Value::List(vec![v.clone()]),
        (other, v) => match other.as_list() {
            Some(items) => {
                let mut items = items.into_owned();
                items.push(v.clone());
                Value::List(items)
            }
            None => Value::List(vec![other.clone(), v.clone()]),
        },
    }
}

impl SeqModel for Kv {
    type State = KvState;
    type Op = KvOp;
    fn init(&mut self) -> KvState {
        match self.keys.len() {
            0 | 1 => KvState::One(0),
            n => KvState::Many(vec![0; n]),
        }
    }
    fn compile(&mut self, op: &Operation) -> Result<Option<KvOp>, String> {
        let key = op
            .key
            .as_deref()
            .ok_or("expected a key for a kv operation")?;
        let k = self.key_index(key);
        Ok(Some(match op.f.as_str() {
            "get" | "read" => match known(op) {
                Some(v) => {
                    self.observe(v);
                    KvOp::Get(k, normalize(v))
                }
                None => return Ok(None),
            },
            "put" | "write" => KvOp::Put(k, self.value_id(&op.input)),
            "append" => KvOp::Append(k, self.value_id(&op.input)),
            "cas" => {
                let (from, to) = cas_args(op)?;
                self.observe(&from);
                KvOp::Cas(k, normalize(&from), self.value_id(&to), cas_result(op))
            }
            f => return Err(unknown_op("kv", f, "get, put, append or cas")),
        }))
    }
    fn step(&mut self, state: &KvState, op: &KvOp) -> Option<KvState> {
        let (k, next) = match op {
            KvOp::Get(k, v) => return self.holds(state.get(*k), v).then(|| state.clone()),
            KvOp::Put(k, v) => (*k, self.child(0, *v, false)),
            KvOp::Append(k, v) if state.get(*k) == UNREAD || self.unread(*v) => (*k, UNREAD),
            KvOp::Append(k, v) => (*k, self.child(state.get(*k), *v, true)),
            KvOp::Cas(k, from, to, result) => {
                let matches = self.holds(state.get(*k), from);
                match result {
                    Some(applied) if *applied != matches => return None,
                    _ if matches => (*k, self.child(0, *to, false)),
                    _ => return Some(state.clone()),
                }
            }
        };
        Some(state.with(k, next))
    }
    fn memoize(&self, init: &KvState, op: &KvOp) -> bool {
        // On one key, string values are cheap to step: a put or an append
        // of a string is one probe of the trie's child table (its own
        // memo; a put of another value is as cheap, but the memo's one
        // probe on a u64 is cheaper still when, as in an info-heavy
        // history, the same put is tried from the same state again and
        // again), a get of a string a walk up the trie comparing pieces, no
        // dearer than the memo's probe and insert — and in a history of
        // distinct appends nearly every get comes from a new state, so the
        // memo would only grow (c50-ok: 480,000 of its gets missed). Other
        // values are not: an append asks whether anyone read the value (a
        // hash of it), a get of a list builds the list. Those, a cas, and
        // every step on many keys are remembered.
        let string = |v: &Value| matches!(v, Value::Str(_));
        let cheap = match op {
            KvOp::Put(_, v) | KvOp::Append(_, v) => string(&self.values[*v as usize]),
            KvOp::Get(_, v) => string(v),
            KvOp::Cas(..) => false,
        };
        !(cheap && matches!(init, KvState::One(_)))
    }
    fn takes_shortcuts(&self) -> bool {
        true
    }
    fn unseen_write(&self, op: &KvOp) -> bool {
        match op {
            KvOp::Put(_, v) | KvOp::Append(_, v) | KvOp::Cas(_, _, v, None) => self.unread(*v),
            KvOp::Get(..) | KvOp::Cas(..) => false,
        }
    }
    /// An `append` of an integer `v` that is the only append of `v` to
    /// its key precedes every `get` of the key whose list holds `v` as an
    /// item where nothing else can have put it: the key starts empty; an
    /// append to a list pushes its value, to nothing makes `[v]`, to a
    /// scalar `s` makes `[s, v]`. So an item past the first comes from an
    /// append or from a list some `put` or `cas` wrote, and the first item
    /// from those or from a scalar one wrote: `v` must not be written by
    /// them in that way.
    fn must_precede(&self, ops: &[KvOp]) -> Vec<(usize, usize)> {
        fn ints_in(v: &Value, out: &mut BTreeSet<i64>) {
            match v.as_list() {
                Some(items) => items.iter().for_each(|item| ints_in(item, out)),
                None => {
                    if let Value::Int(n) = v {
                        out.insert(*n);
                    }
                }
            }
        }
        // Per (key, integer): the one append writing it (`None`: several).
        let mut writer: BTreeMap<(usize, i64), Option<usize>> = BTreeMap::new();
        // Integers a put or cas writes inside a list, or as the value.
        let (mut in_list, mut scalar) = (BTreeSet::new(), BTreeSet::new());
        let mut ints = BTreeSet::new();
        for (i, op) in ops.iter().enumerate() {
            match op {
                KvOp::Append(k, v) => {
                    if let Value::Int(n) = self.values[*v as usize] {
                        writer
                            .entry((*k, n))
                            .and_modify(|w| *w = None)
                            .or_insert(Some(i));
                    }
                }
                KvOp::Put(k, v) | KvOp::Cas(k, _, v, _) => match &self.values[*v as usize] {
                    Value::Int(n) => {
                        scalar.insert((*k, *n));
                    }
                    value => {
                        ints.clear();
                        ints_in(value, &mut ints);
                        in_list.extend(ints.iter().map(|&n| (*k, n)));
                    }
                },
                KvOp::Get(..) => {}
            }
        }
        let mut pairs = Vec::new();
        for (j, op) in ops.iter().enumerate() {
            let KvOp::Get(k, seen) = op else { continue };
            let Some(items) = seen.as_list() else {
                continue;
            };
            for (at, item) in items.iter().enumerate() {
                let Value::Int(n) = item else { continue };
                let key = (*k, *n);
                if in_list.contains(&key) || (at == 0 && scalar.contains(&key)) {
                    continue;
                }
                if let Some(&Some(i)) = writer.get(&key) {
                    pairs.push((i, j));
                }
            }
        }
        pairs
    }
    /// A `get` (or a `cas` that must succeed) of `v` is explained by a
    /// write to its key of `v`, of a list `v` starts with, or of a scalar,
    /// string or item `v` holds; a `cas` that must fail by any write to
    /// its key; nothing else ever gets stuck.
    fn could_explain(&self, stuck: &KvOp, write: &KvOp) -> bool {
        let (key, target) = match stuck {
            KvOp::Get(k, v) | KvOp::Cas(k, v, _, Some(true)) => (*k, Some(v)),
            KvOp::Cas(k, _, _, Some(false)) => (*k, None),
            KvOp::Put(..) | KvOp::Append(..) | KvOp::Cas(_, _, _, None) => return false,
        };
        let (k, written, appended) = match write {
            KvOp::Put(k, v) | KvOp::Cas(k, _, v, _) => (*k, &self.values[*v as usize], false),
            KvOp::Append(k, v) => (*k, &self.values[*v as usize], true),
            KvOp::Get(..) => return false,
        };
        if k != key {
            return false;
        }
        let Some(target) = target else { return true };
        let items = target.as_list();
        let holds_item = items
            .as_deref()
            .is_some_and(|items| items.contains(written));
        let within = match (target, written) {
            (Value::Str(t), Value::Str(w)) => t.contains(w.as_str()),
            _ => false,
        };
        if appended {
            return holds_item || within;
        }
        let prefix = match (items.as_deref(), written.as_list()) {
            (Some(items), Some(w)) => items.starts_with(&w),
            _ => false,
        };
        normalize(written) == *target || holds_item || prefix || within
    }
    fn dense_id(&self, state: &KvState) -> Option<u32> {
        // A trie node is one value (nodes are interned by parent and
        // piece); UNREAD is not a node and is hashed like a many-key state.
        match state {
            KvState::One(node) if *node != UNREAD => Some(*node),
            _ => None,
        }
    }
    fn show(&self, state: &KvState) -> String {
        let shown: Vec<String> = self
            .keys
            .iter()
            .map(|(key, &i)| match self.materialize(state.get(i)) {
                Value::Nil => format!("{key:?} = \"\""),
                v => format!("{key:?} = {v}"),
            })
            .collect();
        format!("the store holds {{{}}}", shown.join(", "))
    }
}

/// A counter operation.
#[derive(PartialEq)]
pub(super) enum CounterOp {
    Add(i64),
    Read(i64),
}

/// A counter: `add N` and `read → N`, starting at 0.
pub(super) struct Counter;

impl SeqModel for Counter {
    type State = i64;
    type Op = CounterOp;
    fn init(&mut self) -> i64 {
        0
    }
    fn compile(&mut self, op: &Operation) -> Result<Option<CounterOp>, String> {
        let int = |v: &Value| {
            v.as_int()
                .ok_or_else(|| format!("expected an integer, found {v}"))
        };
        Ok(Some(match op.f.as_str() {
            "add" | "increment" => CounterOp::Add(int(&op.input)?),
            "read" => match known(op) {
                Some(v) => CounterOp::Read(int(v)?),
                None => return Ok(None),
            },
            f => return Err(unknown_op("counter", f, "add or read")),
        }))
    }
    fn step(&mut self, state: &i64, op: &CounterOp) -> Option<i64> {
        match op {
            CounterOp::Add(d) => Some(state.wrapping_add(*d)),
            CounterOp::Read(v) => (v == state).then_some(*state),
        }
    }
    fn show(&self, state: &i64) -> String {
        format!("the counter is {state}")
    }
}

/// A set operation.
#[derive(PartialEq)]
pub(super) enum SetOp {
    Add(Value),
    Read(BTreeSet<Value>),
}

/// A grow-only set: `add V` and `read → [elements]`.
pub(super) struct Set;

impl SeqModel for Set {
    type State = BTreeSet<Value>;
    type Op = SetOp;
    fn init(&mut self) -> BTreeSet<Value> {
        BTreeSet::new()
    }
    fn compile(&mut self, op: &Operation) -> Result<Option<SetOp>, String> {
        Ok(Some(match op.f.as_str() {
            "add" => SetOp::Add(op.input.clone()),
            "read" => match known(op) {
                Some(Value::List(items)) => SetOp::Read(items.iter().cloned().collect()),
                Some(Value::Nil) => SetOp::Read(BTreeSet::new()),
                Some(v) => {
                    return Err(format!(
                        "expected a list of elements for a set read, found {v}"
                    ))
                }
                None => return Ok(None),
            },
            f => return Err(unknown_op("set", f, "add or read")),
        }))
    }
    fn step(&mut self, state: &BTreeSet<Value>, op: &SetOp) -> Option<BTreeSet<Value>> {
        match op {
            SetOp::Add(v) => {
                let mut next = state.clone();
                next.insert(v.clone());
                Some(next)
            }
            SetOp::Read(seen) => (seen == state).then(|| state.clone()),
        }
    }
    fn show(&self, state: &BTreeSet<Value>) -> String {
        let items: Vec<String> = state.iter().map(Value::to_string).collect();
        format!("the set is {{{}}}", items.join(" "))
    }
}

/// A queue operation; a dequeue with `None` has an unknown result.
#[derive(PartialEq)]
pub(super) enum QueueOp {
    Enqueue(Value),
    Dequeue(Option<Value>),
}

/// A FIFO queue: `enqueue V` and `dequeue → V` (`nil` when empty).
pub(super) struct Queue;

impl SeqModel for Queue {
    type State = VecDeque<Value>;
    type Op = QueueOp;
    fn init(&mut self) -> VecDeque<Value> {
        VecDeque::new()
    }
    fn compile(&mut self, op: &Operation) -> Result<Option<QueueOp>, String> {
        Ok(Some(match op.f.as_str() {
            "enqueue" => QueueOp::Enqueue(op.input.clone()),
            "dequeue" => QueueOp::Dequeue(known(op).cloned()),
            f => return Err(unknown_op("queue", f, "enqueue or dequeue")),
        }))
    }
    fn step(&mut self, state: &VecDeque<Value>, op: &QueueOp) -> Option<VecDeque<Value>> {
        let mut next = state.clone();
        match op {
            QueueOp::Enqueue(v) => next.push_back(v.clone()),
            QueueOp::Dequeue(None) => {
                next.pop_front();
            }
            QueueOp::Dequeue(Some(Value::Nil)) => return state.is_empty().then_some(next),
            QueueOp::Dequeue(Some(v)) => {
                if next.pop_front().as_ref() != Some(v) {
                    return None;
                }
            }
        }
        Some(next)
    }
    fn show(&self, state: &VecDeque<Value>) -> String {
        let items: Vec<String> = state.iter().map(Value::to_string).collect();
        format!("the queue holds [{}] (front first)", items.join(" "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info(f: &str, key: Option<&str>, input: Value) -> Operation {
        Operation {
            id: 0,
            process: 0,
            f: f.into(),
            key: key.map(str::to_string),
            input,
            output: Value::Nil,
            outcome: Outcome::Info,
            call: 0,
            ret: None,
            call_time: 0,
            ret_time: None,
            call_line: 1,
            ret_line: None,
        }
    }

    /// Apply every op in turn from the initial state, then check that each
    /// `info` op is accepted in every state reached.
    fn accepted_everywhere<M: SeqModel>(mut model: M, setup: &[Operation], infos: &[Operation]) {
        let mut states = vec![model.init()];
        let setup: Vec<M::Op> = setup
            .iter()
            .filter_map(|o| model.compile(o).expect("compiles"))
            .collect();
        for op in &setup {
            let last = states.last().expect("a state").clone();
            states.push(model.step(&last, op).expect("the setup runs"));
        }
        for op in infos {
            let Some(compiled) = model.compile(op).expect("compiles") else {
                continue; // dropped: it constrains nothing
            };
            for state in &states {
                assert!(model.step(state, &compiled).is_some(), "{} refused", op.f);
            }
        }
    }

    fn ok(f: &str, input: Value, output: Value) -> Operation {
        Operation {
            outcome: Outcome::Ok,
            output,
            ..info(f, Some("k"), input)
        }
    }

    fn compiled(model: &mut Kv, ops: &[Operation]) -> Vec<KvOp> {
        ops.iter()
            .map(|o| model.compile(o).expect("compiles").expect("kept"))
            .collect()
    }

    #[test]
    fn every_list_form_is_a_list_to_append_to_and_empty_when_it_has_no_items() {
        let (int, list) = (Value::Int, Value::List);
        let forms = [
            list(vec![int(1), int(2)]),
            Value::ints(vec![1, 2]),
            Value::int_set([1, 2]),
            Value::shared_list(vec![int(1), int(2)]),
        ];
        for form in &forms {
            assert_eq!(append(form, &int(3)), list(vec![int(1), int(2), int(3)]));
            assert!(!is_empty(form));
        }
        assert_eq!(append(&int(1), &int(3)), list(vec![int(1), int(3)]));
        for empty in [
            list(vec![]),
            Value::ints(vec![]),
            Value::shared_list(vec![]),
        ] {
            assert!(is_empty(&empty));
            assert_eq!(normalize(&empty), Value::Nil);
        }
    }

    #[test]
    fn a_get_orders_the_one_append_of_an_item_it_shows_before_it() {
        let (int, list) = (Value::Int, Value::List);
        let ops = [
            info("append", Some("k"), int(7)), // 0: shown past the first item
            info("append", Some("k"), int(8)), // 1: never shown
            info("append", Some("k"), int(2)), // 2: first item, and a put writes 2
            ok("put", int(2), Value::Nil),     // 3
            info("append", Some("k"), int(5)), // 4: two appends of 5
            info("append", Some("k"), int(5)), // 5
            ok("put", list(vec![int(1), int(9)]), Value::Nil), // 6: writes 9 in a list
            info("append", Some("k"), int(9)), // 7
            info("append", Some("k"), int(3)), // 8: first item, only appended
            ok(
                "get",
                Value::Nil,
                list(vec![int(2), int(7), int(5), int(9)]),
            ), // 9
            ok("get", Value::Nil, list(vec![int(3), int(7)])), // 10
            ok("get", Value::Nil, int(7)),     // 11: a scalar shows no item
        ];
        let mut kv = Kv::default();
        let ops = compiled(&mut kv, &ops);
        assert_eq!(kv.must_precede(&ops), vec![(0, 9), (8, 10), (0, 10)]);
    }

    #[test]
    fn a_stuck_get_is_explained_by_writes_of_what_it_read() {
        let (int, list) = (Value::Int, Value::List);
        let cas = |a, b| list(vec![int(a), int(b)]);
        let mut kv = Kv::default();
        let ops = compiled(
            &mut kv,
            &[
                ok("get", Value::Nil, list(vec![int(4), int(6)])), // 0
                info("put", Some("k"), int(4)),                    // 1: the first item
                info("put", Some("k"), int(6)),                    // 2: an item
                info("put", Some("k"), int(5)),                    // 3: no
                info("append", Some("k"), int(6)),                 // 4: an item
                info("append", Some("k"), int(9)),                 // 5: no
                info("cas", Some("k"), cas(1, 4)),                 // 6: writes the first item
                info("put", Some("k"), list(vec![int(4)])),        // 7: a prefix
                ok("cas", cas(4, 1), Value::Bool(false)),          // 8: must fail
                ok("get", Value::Nil, int(5)),                     // 9
            ],
        );
        let explains = |stuck: usize| {
            (1..8)
                .filter(|&w| kv.could_explain(&ops[stuck], &ops[w]))
                .collect::<Vec<_>>()
        };
        assert_eq!(explains(0), vec![1, 2, 4, 6, 7]);
        assert_eq!(explains(9), vec![3]);
        // A compare-and-set that must fail: any write may make it fail.
        assert_eq!(explains(8), (1..8).collect::<Vec<_>>());
        // A write never gets stuck.
        assert!(!kv.could_explain(&ops[1], &ops[2]));
    }

    /// The search treats `info` operations as free (search.rs): it relies
    /// on every model accepting them in every state.
    #[test]
    fn every_model_accepts_an_info_operation_in_every_state() {
        let int = Value::Int;
        let cas = |a, b| Value::List(vec![int(a), int(b)]);
        let k = Some("k");
        let reg_setup = [info("write", None, int(1)), info("cas", None, cas(1, 2))];
        let reg_infos = [
            info("write", None, int(3)),
            info("cas", None, cas(2, 4)),
            info("cas", None, cas(9, 4)),
            info("read", None, Value::Nil),
        ];
        accepted_everywhere(Register { allow_cas: true }, &reg_setup, &reg_infos);
        let kv_setup = [info("put", k, int(1)), info("append", k, int(5))];
        let kv_infos = [
            info("put", k, int(3)),
            info("append", k, int(6)),
            info("cas", k, cas(1, 4)),
            info("cas", k, cas(3, 4)),
            info("get", k, Value::Nil),
        ];
        accepted_everywhere(Kv::default(), &kv_setup, &kv_infos);
        accepted_everywhere(
            Counter,
            &[info("add", None, int(2))],
            &[info("add", None, int(-5)), info("read", None, Value::Nil)],
        );
        accepted_everywhere(
            Set,
            &[info("add", None, int(2))],
            &[info("add", None, int(3)), info("read", None, Value::Nil)],
        );
        accepted_everywhere(
            Queue,
            &[info("enqueue", None, int(2))],
            &[
                info("enqueue", None, int(3)),
                info("dequeue", None, Value::Nil),
            ],
        );
    }
}
