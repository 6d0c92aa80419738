//! [`Value`]: the data an operation carries — Jepsen's small vocabulary
//! (nil, booleans, integers, strings, lists, maps), shared by workloads,
//! nodes' replies and history checkers.

use super::int_set::IntSet;
use serde::{Deserialize, Serialize};
use std::borrow::Cow;
use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// A value carried by an operation: Jepsen's small vocabulary of data.
///
/// [`Value::IntSet`] is a compact form of a `List` of increasing `Int`s:
/// it compares, orders, hashes, prints and serialises exactly as that list
/// (a file never holds it: it reads back as a `List`).
#[derive(Clone, Serialize, Deserialize, Default)]
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
    #[serde(skip_deserializing, serialize_with = "serialize_int_set")]
    IntSet(IntSet),
}

fn serialize_int_set<S: serde::Serializer>(runs: &IntSet, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(runs.iter())
}

/// A list's items, borrowed or (for [`Value::IntSet`]) made on the fly.
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

    /// The items inside, if this is a list (an [`Value::IntSet`] is
    /// expanded).
    pub fn as_list(&self) -> Option<Cow<'_, [Value]>> {
        match self {
            Value::List(items) => Some(Cow::Borrowed(items)),
            Value::IntSet(runs) => Some(Cow::Owned(runs.iter().map(Value::Int).collect())),
            _ => None,
        }
    }

    /// The variant's place in the order (and hash) of values; an
    /// `IntSet` is a `List`.
    fn rank(&self) -> isize {
        match self {
            Value::Nil => 0,
            Value::Bool(_) => 1,
            Value::Int(_) => 2,
            Value::Str(_) => 3,
            Value::List(_) | Value::IntSet(_) => 4,
        }
    }

    /// A list's items (empty for other values).
    fn items(&self) -> Items<'_> {
        match self {
            Value::List(items) => Items::Slice(items.iter()),
            Value::IntSet(runs) => Items::Ints(runs.iter()),
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
            (Value::IntSet(a), Value::IntSet(b)) => a.iter().cmp(b.iter()),
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
            Value::IntSet(runs) => {
                state.write_usize(runs.len());
                for i in runs.iter() {
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
            Value::IntSet(runs) => {
                let items: Vec<Value> = runs.iter().map(Value::Int).collect();
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
            Value::List(_) | Value::IntSet(_) => {
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
            Value::IntSet(runs) => Derived::List(runs.iter().map(Derived::Int).collect()),
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
        ]
    }

    #[test]
    fn int_set_is_its_list_in_every_comparison_hash_and_print() {
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
    fn values_out_of_order_stay_a_plain_list() {
        assert!(matches!(Value::int_set([3, 1]), Value::List(_)));
        assert_eq!(Value::int_set([3, 1]).to_string(), "[3 1]");
    }
}
