//! [`Value`]: the data an operation carries — Jepsen's small vocabulary
//! (nil, booleans, integers, strings, lists, maps), shared by workloads,
//! nodes' replies and history checkers.

use super::int_set::IntSet;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// A value carried by an operation: Jepsen's small vocabulary of data.
///
/// [`Value::IntSet`] is a compact form of a `List` of increasing `Int`s,
/// [`Value::Ints`] a shared form of a `List` of `Int`s in any order and
/// [`Value::Shared`] a shared form of any `List`: each compares, orders,
/// hashes, prints and serialises exactly as that list (a file never holds
/// them: they read back as a `List`). Read a list's items with
/// [`Value::as_list`], which takes every form.
#[derive(Clone, Serialize, Default)]
#[serde(untagged)]
pub enum Value {
    /// No value (`nil`): a read's invocation, or an empty register.
    #[default]
    Nil,
    /// A boolean.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A string.
    Str(String),
    /// A list of values (CAS pairs `[from, to]`, list-append transactions, ...).
    List(Vec<Value>),
    /// A list of strictly increasing integers stored as runs or a bitmap:
    /// what broadcast and g-set reads return (every value so far), kept
    /// small so that a long run's history fits ([`Value::int_set`]).
    #[serde(serialize_with = "serialize_int_set")]
    IntSet(IntSet),
    /// A list of integers in any order, shared: copying the value copies
    /// a pointer, not the list. What a read of an append-only list returns
    /// (the bank's account entries, read again by every later transaction
    /// and copied into the history and its pairing); built with
    /// [`Value::ints`].
    #[serde(serialize_with = "serialize_ints")]
    Ints(Arc<[i64]>),
    /// A list of values, shared: copying the value copies a pointer, not
    /// the items (equal to, and hashed, printed and written as, the `List`
    /// of the same items). What the bank's transactions are (a client's
    /// transaction is copied into its pending operation, the request, the
    /// history and the history's pairing); built with
    /// [`Value::shared_list`].
    #[serde(serialize_with = "serialize_shared")]
    Shared(Arc<[Value]>),
}

/// Reads what `#[serde(untagged)]` read — `null`, a boolean, an integer
/// that fits `i64`, a string, or a list of these — but straight from the
/// input's own type: the derived untagged reader buffered every value and
/// tried the variants in turn, building an error message for each miss,
/// which was most of the cost of reading histories and of protocols that
/// recover from storage (Paxos: 5 % of a churn sweep). Never produces an
/// [`Value::IntSet`]: a file's list reads back as a `List`.
impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> serde::de::Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("null, a boolean, an integer, a string or a list of values")
    }
    fn visit_unit<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_none<E: serde::de::Error>(self) -> Result<Value, E> {
        Ok(Value::Nil)
    }
    fn visit_bool<E: serde::de::Error>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E: serde::de::Error>(self, i: i64) -> Result<Value, E> {
        Ok(Value::Int(i))
    }
    fn visit_u64<E: serde::de::Error>(self, u: u64) -> Result<Value, E> {
        i64::try_from(u).map(Value::Int).map_err(|_| {
            E::invalid_value(
                serde::de::Unexpected::Unsigned(u),
                &"an integer that fits i64",
            )
        })
    }
    fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Value, E> {
        Ok(Value::Str(s.to_owned()))
    }
    fn visit_string<E: serde::de::Error>(self, s: String) -> Result<Value, E> {
        Ok(Value::Str(s))
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::List(items))
    }
}

fn serialize_int_set<S: serde::Serializer>(runs: &IntSet, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(runs.iter())
}

fn serialize_ints<S: serde::Serializer>(ints: &Arc<[i64]>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(ints.iter())
}

fn serialize_shared<S: serde::Serializer>(items: &Arc<[Value]>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(items.iter())
}

/// A list's items, borrowed or (for [`Value::IntSet`] and [`Value::Ints`])
/// made on the fly.
enum Items<'a> {
    Slice(std::slice::Iter<'a, Value>),
    Ints(Box<dyn Iterator<Item = i64> + 'a>),
}

impl<'a> Iterator for Items<'a> {
    type Item = Cow<'a, Value>;
    fn next(&mut self) -> Option<Cow<'a, Value>> {
        match self {
            Items::Slice(it) => it.next().map(Cow::Borrowed),
            Items::Ints(it) => it.next().map(|i| Cow::Owned(Value::Int(i))),
        }
    }
}

impl Value {
    /// The list of `values`: an [`Value::IntSet`] when they are strictly
    /// increasing (a set's elements in order), else a plain `List`.
    pub fn int_set(values: impl IntoIterator<Item = i64> + Clone) -> Value {
        match IntSet::from_sorted(values.clone()) {
            Some(runs) => Value::IntSet(runs),
            None => Value::List(values.into_iter().map(Value::Int).collect()),
        }
    }

    /// The list of `values` as an [`Value::Ints`]: equal to (and hashed,
    /// printed and written as) `Value::List` of the same `Int`s, but a copy
    /// of it shares the integers.
    pub fn ints(values: impl Into<Arc<[i64]>>) -> Value {
        Value::Ints(values.into())
    }

    /// The list of `items` as a [`Value::Shared`]: equal to (and hashed,
    /// printed and written as) `Value::List` of the same items, but a copy
    /// of it shares the items.
    pub fn shared_list(items: impl Into<Arc<[Value]>>) -> Value {
        Value::Shared(items.into())
    }

    /// The integer inside, if this is an `Int`.
    pub fn as_int(&self) -> Option<i64> {
        match self {
            Value::Int(i) => Some(*i),
            _ => None,
        }
    }

    /// The string inside, if this is a `Str`.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// The items inside, if this is a list (an [`Value::IntSet`] or
    /// [`Value::Ints`] is expanded; a [`Value::Shared`] is borrowed).
    pub fn as_list(&self) -> Option<Cow<'_, [Value]>> {
        match self {
            Value::List(items) => Some(Cow::Borrowed(items)),
            Value::Shared(items) => Some(Cow::Borrowed(items)),
            Value::IntSet(runs) => Some(Cow::Owned(runs.iter().map(Value::Int).collect())),
            Value::Ints(ints) => Some(Cow::Owned(ints.iter().copied().map(Value::Int).collect())),
            _ => None,
        }
    }

    /// The integers inside, if this is a list of integers only (without
    /// copying them for an [`Value::Ints`]).
    pub fn as_ints(&self) -> Option<Cow<'_, [i64]>> {
        match self {
            Value::Ints(ints) => Some(Cow::Borrowed(ints)),
            Value::IntSet(runs) => Some(Cow::Owned(runs.iter().collect())),
            Value::List(items) => items
                .iter()
                .map(Value::as_int)
                .collect::<Option<Vec<_>>>()
                .map(Cow::Owned),
            Value::Shared(items) => items
                .iter()
                .map(Value::as_int)
                .collect::<Option<Vec<_>>>()
                .map(Cow::Owned),
            _ => None,
        }
    }

    /// The variant's place in the order (and hash) of values; an
    /// `IntSet`, `Ints` or `Shared` is a `List`.
    fn rank(&self) -> isize {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Str(_) => 3,
            Value::List(_) | Value::IntSet(_) | Value::Ints(_) | Value::Shared(_) => 4,
        }
    }

    /// A list's items (empty for other values).
    fn items(&self) -> Items<'_> {
        match self {
            Value::List(items) => Items::Slice(items.iter()),
            Value::Shared(items) => Items::Slice(items.iter()),
            Value::IntSet(runs) => Items::Ints(runs.iter()),
            Value::Ints(ints) => Items::Ints(Box::new(ints.iter().copied())),
            _ => Items::Slice([].iter()),
        }
    }
}

impl PartialEq for Value {
    fn eq(&self, other: &Value) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Value {}

impl PartialOrd for Value {
    fn partial_cmp(&self, other: &Value) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// The order `#[derive(Ord)]` gave (variant, then contents; lists
/// lexicographically), with an `IntSet` ordered as its `List`.
impl Ord for Value {
    fn cmp(&self, other: &Value) -> Ordering {
        match (self, other) {
            (Value::Bool(a), Value::Bool(b)) => a.cmp(b),
            (Value::Int(a), Value::Int(b)) => a.cmp(b),
            (Value::Str(a), Value::Str(b)) => a.cmp(b),
            (Value::List(a), Value::List(b)) => a.cmp(b),
            (Value::Shared(a), Value::Shared(b)) => a.cmp(b),
            (Value::List(a), Value::Shared(b)) => a[..].cmp(&b[..]),
            (Value::Shared(a), Value::List(b)) => a[..].cmp(&b[..]),
            (Value::IntSet(a), Value::IntSet(b)) => a.iter().cmp(b.iter()),
            (Value::Ints(a), Value::Ints(b)) => a.cmp(b),
            _ if self.rank() == 4 && other.rank() == 4 => self.items().cmp(other.items()),
            _ => self.rank().cmp(&other.rank()),
        }
    }
}

/// Byte for byte what `#[derive(Hash)]` wrote before `IntSet` existed
/// (trace hashes are pinned): the variant's index as an `isize`, then the
/// fields; an `IntSet` hashes as its `List`.
impl Hash for Value {
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_isize(self.rank());
        match self {
            Value::Nil => {}
            Value::Bool(b) => b.hash(state),
            Value::Int(i) => i.hash(state),
            Value::Str(s) => s.hash(state),
            Value::List(items) => items.hash(state),
            Value::Shared(items) => items[..].hash(state),
            Value::IntSet(runs) => {
                state.write_usize(runs.len());
                for i in runs.iter() {
                    state.write_isize(2);
                    i.hash(state);
                }
            }
            Value::Ints(ints) => {
                state.write_usize(ints.len());
                for i in ints.iter() {
                    state.write_isize(2);
                    i.hash(state);
                }
            }
        }
    }
}

/// As `#[derive(Debug)]` printed it; an `IntSet` prints as its `List`.
impl fmt::Debug for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => f.write_str("Nil"),
            Value::Bool(b) => f.debug_tuple("Bool").field(b).finish(),
            Value::Int(i) => f.debug_tuple("Int").field(i).finish(),
            Value::Str(s) => f.debug_tuple("Str").field(s).finish(),
            Value::List(items) => f.debug_tuple("List").field(items).finish(),
            Value::Shared(items) => f.debug_tuple("List").field(&&items[..]).finish(),
            Value::IntSet(runs) => {
                let items: Vec<Value> = runs.iter().map(Value::Int).collect();
                f.debug_tuple("List").field(&items).finish()
            }
            Value::Ints(ints) => {
                let items: Vec<Value> = ints.iter().copied().map(Value::Int).collect();
                f.debug_tuple("List").field(&items).finish()
            }
        }
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Value::Nil => write!(f, "nil"),
            Value::Bool(b) => write!(f, "{b}"),
            Value::Int(i) => write!(f, "{i}"),
            Value::Str(s) => write!(f, "{s:?}"),
            Value::List(_) | Value::IntSet(_) | Value::Ints(_) | Value::Shared(_) => {
                write!(f, "[")?;
                for (i, item) in self.items().enumerate() {
                    if i > 0 {
                        write!(f, " ")?;
                    }
                    write!(f, "{item}")?;
                }
                write!(f, "]")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::base::hash::StableHasher;

    /// The reader that replaced `#[serde(untagged)]` reads what it read,
    /// from JSON text, from a JSON tree and from TOML, and refuses what it
    /// refused.
    #[test]
    fn values_read_as_the_untagged_reader_read_them() {
        let json = r#"[null, true, -3, 9223372036854775807, "x", [1, [2, "y"]], []]"#;
        let want = Value::List(vec![
            Value::Nil,
            Value::Bool(true),
            Value::Int(-3),
            Value::Int(i64::MAX),
            Value::Str("x".into()),
            Value::List(vec![
                Value::Int(1),
                Value::List(vec![Value::Int(2), Value::Str("y".into())]),
            ]),
            Value::List(vec![]),
        ]);
        let read: Value = serde_json::from_str(json).unwrap();
        assert!(matches!(&read, Value::List(items) if items.len() == 7));
        assert_eq!(format!("{read:?}"), format!("{want:?}"));
        let tree: serde_json::Value = serde_json::from_str(json).unwrap();
        assert_eq!(
            format!("{:?}", Value::deserialize(&tree).unwrap()),
            format!("{want:?}")
        );
        let toml: toml::Table = toml::from_str("v = [1, \"a\", true]").unwrap();
        let v = Value::deserialize(toml["v"].clone()).unwrap();
        assert_eq!(
            v,
            Value::List(vec![
                Value::Int(1),
                Value::Str("a".into()),
                Value::Bool(true)
            ])
        );
        for bad in ["1.5", "18446744073709551615", r#"{"a": 1}"#, "[1, {}]"] {
            let err = serde_json::from_str::<Value>(bad).unwrap_err().to_string();
            assert!(
                err.contains("expected") || err.contains("fits i64"),
                "{bad}: {err}"
            );
        }
        // What it writes reads back the same, an IntSet as a List.
        let set = Value::int_set([1, 2, 3, 9]);
        let back: Value = serde_json::from_str(&serde_json::to_string(&set).unwrap()).unwrap();
        assert!(matches!(back, Value::List(_)));
        assert_eq!(back, set);
    }

    /// The `Value` of before `IntSet`, with the derived impls whose
    /// behaviour the hand-written ones keep.
    #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
    enum Derived {
        Nil,
        Bool(bool),
        Int(i64),
        Str(String),
        List(Vec<Derived>),
    }

    fn derived(v: &Value) -> Derived {
        match v {
            Value::Nil => Derived::Nil,
            Value::Bool(b) => Derived::Bool(*b),
            Value::Int(i) => Derived::Int(*i),
            Value::Str(s) => Derived::Str(s.clone()),
            Value::List(items) => Derived::List(items.iter().map(derived).collect()),
            Value::Shared(items) => Derived::List(items.iter().map(derived).collect()),
            Value::IntSet(runs) => Derived::List(runs.iter().map(Derived::Int).collect()),
            Value::Ints(ints) => Derived::List(ints.iter().copied().map(Derived::Int).collect()),
        }
    }

    fn hash_of(v: &impl Hash) -> u64 {
        let mut h = StableHasher::new();
        v.hash(&mut h);
        h.finish()
    }

    fn samples() -> Vec<Value> {
        let ints = |v: &[i64]| Value::List(v.iter().copied().map(Value::Int).collect());
        vec![
            Value::Nil,
            Value::Bool(false),
            Value::Bool(true),
            Value::Int(-3),
            Value::Int(7),
            Value::Str("a".into()),
            Value::Str("b".into()),
            Value::List(vec![]),
            ints(&[1, 2, 3]),
            ints(&[1, 2, 4]),
            ints(&[1, 2]),
            Value::List(vec![Value::Int(1), Value::Str("x".into())]),
            Value::int_set([1, 2, 3]),
            Value::int_set([1, 2, 4]),
            Value::int_set([]),
            Value::int_set([5]),
            Value::ints(vec![1, 2, 3]),
            Value::ints(vec![3, -1]),
            Value::ints(Vec::new()),
            Value::ints(vec![1, 2]),
            Value::shared_list(vec![]),
            Value::shared_list(vec![Value::Int(1), Value::Int(2), Value::Int(3)]),
            Value::shared_list(vec![Value::Int(1), Value::Str("x".into())]),
            Value::shared_list(vec![Value::Str("a".into()), Value::Int(7)]),
            Value::shared_list(vec![Value::shared_list(vec![Value::Nil]), Value::Int(0)]),
        ]
    }

    #[test]
    fn int_set_and_ints_are_their_list_in_every_comparison_hash_and_print() {
        let all = samples();
        for a in &all {
            assert_eq!(hash_of(a), hash_of(&derived(a)), "hash of {a:?}");
            assert_eq!(
                format!("{a:?}"),
                format!("{:?}", derived(a)).replace("Derived::", "")
            );
            for b in &all {
                assert_eq!(a.cmp(b), derived(a).cmp(&derived(b)), "{a:?} vs {b:?}");
                assert_eq!(a == b, derived(a) == derived(b), "{a:?} == {b:?}");
            }
        }
        let runs = Value::int_set([1, 2, 3, 9]);
        assert!(matches!(runs, Value::IntSet(_)));
        let list = Value::List([1, 2, 3, 9].map(Value::Int).to_vec());
        assert_eq!(runs, list);
        assert_eq!(hash_of(&runs), hash_of(&list));
        assert_eq!(runs.to_string(), "[1 2 3 9]");
        assert_eq!(runs.as_list().as_deref(), list.as_list().as_deref());
    }

    #[test]
    fn int_set_serialise_as_a_list_and_read_back_as_one() {
        let runs = Value::int_set([1, 2, 3, 9]);
        let json = serde_json::to_string(&runs).expect("serialises");
        assert_eq!(json, "[1,2,3,9]");
        let back: Value = serde_json::from_str(&json).expect("reads back");
        assert!(matches!(back, Value::List(_)));
        assert_eq!(back, runs);
    }

    #[test]
    fn shared_ints_are_their_list_and_serialise_as_one() {
        let ints = Value::ints(vec![4, -1207, 3]);
        let list = Value::List([4, -1207, 3].map(Value::Int).to_vec());
        assert_eq!(ints, list);
        assert_eq!(hash_of(&ints), hash_of(&list));
        assert_eq!(ints.to_string(), "[4 -1207 3]");
        assert_eq!(format!("{ints:?}"), format!("{list:?}"));
        assert_eq!(ints.as_list().as_deref(), list.as_list().as_deref());
        assert_eq!(ints.as_ints().as_deref(), Some(&[4, -1207, 3][..]));
        assert_eq!(list.as_ints().as_deref(), Some(&[4, -1207, 3][..]));
        assert_eq!(Value::Str("x".into()).as_ints(), None);
        let json = serde_json::to_string(&ints).expect("serialises");
        assert_eq!(json, "[4,-1207,3]");
        let back: Value = serde_json::from_str(&json).expect("reads back");
        assert!(matches!(back, Value::List(_)));
        assert_eq!(back, ints);
        let copy = ints.clone();
        match (&ints, &copy) {
            (Value::Ints(a), Value::Ints(b)) => assert!(Arc::ptr_eq(a, b), "a copy shares"),
            _ => unreachable!(),
        }
    }

    #[test]
    fn shared_lists_are_their_list_and_serialise_as_one() {
        let items = || vec![Value::Str("r".into()), Value::Str("a1".into()), Value::Nil];
        let inner = Value::shared_list(items());
        let shared = Value::shared_list(vec![inner, Value::Int(-1207)]);
        let list = Value::List(vec![Value::List(items()), Value::Int(-1207)]);
        assert_eq!(shared, list);
        assert_eq!(hash_of(&shared), hash_of(&list));
        assert_eq!(shared.to_string(), list.to_string());
        assert_eq!(shared.to_string(), "[[\"r\" \"a1\" nil] -1207]");
        assert_eq!(format!("{shared:?}"), format!("{list:?}"));
        assert_eq!(format!("{shared:#?}"), format!("{list:#?}"));
        assert_eq!(shared.as_list().as_deref(), list.as_list().as_deref());
        let ints = Value::shared_list(vec![Value::Int(4), Value::Int(-1)]);
        assert_eq!(ints.as_ints().as_deref(), Some(&[4, -1][..]));
        let json = serde_json::to_string(&shared).expect("serialises");
        assert_eq!(json, serde_json::to_string(&list).expect("serialises"));
        assert_eq!(json, "[[\"r\",\"a1\",null],-1207]");
        let back: Value = serde_json::from_str(&json).expect("reads back");
        assert!(matches!(back, Value::List(_)));
        assert_eq!(back, shared);
        let copy = shared.clone();
        match (&shared, &copy) {
            (Value::Shared(a), Value::Shared(b)) => assert!(Arc::ptr_eq(a, b), "a copy shares"),
            _ => unreachable!(),
        }
    }

    #[test]
    fn values_out_of_order_stay_a_plain_list() {
        assert!(matches!(Value::int_set([3, 1]), Value::List(_)));
        assert_eq!(Value::int_set([3, 1]).to_string(), "[3 1]");
    }
}
