//! The replicated state machine shared by the consensus protocols (Raft,
//! Multi-Paxos): a key-value store with client sessions, the client command
//! they agree on, and the client workload that drives it.
//!
//! Operations and results follow the `kv` model of the linearizability
//! checker (docs/checkers.md): `get k → v`, `put k v`, `append k v`,
//! `cas k [from to]` (an `ok` result `false` means the compare failed).
//! `nil`, `""` and `[]` are the same empty value.
//!
//! **Exactly once.** Each client has a session holding its last applied
//! request id and that request's result (the Raft dissertation, §6.3). A
//! command whose `(client, id)` was already applied is not applied again: the
//! cached result is returned. Clients have one request open at a time, so one
//! slot per client is enough; an id *below* the session's is a request the
//! client has given up on, and is skipped.

use crate::check::history::Value;
use crate::scenario::{ParamReader, ScenarioError};
use crate::sim::{ClientId, Op, Prng, Reply};
use crate::workload::Workload;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A client operation with its session key: `(client, id)` identifies it, so
/// a retried request is applied once.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ClientCommand {
    /// The client.
    pub client: ClientId,
    /// The client's request number (the same on a retry after a redirect).
    pub id: u64,
    /// The operation.
    pub op: Op,
}

/// One client's session.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Session {
    /// The last request id applied for this client.
    pub last_id: u64,
    /// Its result, returned again to a retry.
    pub result: Reply,
}

/// The key-value state machine.
#[derive(Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Kv {
    /// The data.
    pub data: BTreeMap<String, Value>,
    /// Client sessions, for deduplication.
    pub sessions: BTreeMap<ClientId, Session>,
    /// With session expiry ([`Kv::apply_stamped`]): each session's last
    /// activity, the stamp of the last entry applied for it.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub active: BTreeMap<ClientId, u64>,
    /// Expired sessions: the client and the last request id its session
    /// applied (a tombstone, so a retry of that request is not applied
    /// again — see the exactly-once caveat in docs/protocols/raft.md).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub expired: BTreeMap<ClientId, u64>,
}

/// The answer to a request from a client whose session expired.
pub const SESSION_EXPIRED: &str = "session expired";

/// Without session expiry the two maps are empty and hash (and print) to
/// nothing, as before they existed.
impl std::hash::Hash for Kv {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (&self.data, &self.sessions).hash(h);
        if !self.active.is_empty() || !self.expired.is_empty() {
            (&self.active, &self.expired).hash(h);
        }
    }
}

impl std::fmt::Debug for Kv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut d = f.debug_struct("Kv");
        d.field("data", &self.data)
            .field("sessions", &self.sessions);
        if !self.active.is_empty() || !self.expired.is_empty() {
            d.field("active", &self.active)
                .field("expired", &self.expired);
        }
        d.finish()
    }
}

/// What applying a command produced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Executed now, with this result.
    Fresh(Reply),
    /// Already applied: the cached result.
    Duplicate(Reply),
    /// An older request of a client that has moved on: nothing happens.
    Stale,
    /// A retry of the last request of a session that has expired since:
    /// it was applied, its result is gone, it is not applied again.
    Expired,
}

impl Applied {
    /// The reply to send, if any.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            Applied::Fresh(r) | Applied::Duplicate(r) => Some(r),
            Applied::Stale | Applied::Expired => None,
        }
    }
}

impl Kv {
    /// The session's answer for `(client, id)` if it was already applied
    /// (`Some(None)`: stale, no answer), or `None` if it is new.
    pub fn lookup(&self, client: ClientId, id: u64) -> Option<Option<&Reply>> {
        let session = self.sessions.get(&client)?;
        match id.cmp(&session.last_id) {
            std::cmp::Ordering::Less => Some(None),
            std::cmp::Ordering::Equal => Some(Some(&session.result)),
            std::cmp::Ordering::Greater => None,
        }
    }

    /// Apply a client command. With `dedup` off (a bug switch) every copy
    /// of a retried request executes.
    pub fn apply(&mut self, command: &ClientCommand, dedup: bool) -> Applied {
        if dedup {
            match self.lookup(command.client, command.id) {
                Some(Some(result)) => return Applied::Duplicate(result.clone()),
                Some(None) => return Applied::Stale,
                None => {}
            }
        }
        let result = self.execute(&command.op);
        self.sessions.insert(
            command.client,
            Session {
                last_id: command.id,
                result: result.clone(),
            },
        );
        Applied::Fresh(result)
    }

    /// [`Kv::apply`] at an entry stamped `stamp`, with sessions that
    /// expire `timeout` after their last activity. First every session
    /// idle for longer than `timeout` at `stamp` expires (a tombstone keeps
    /// its last request id). A command of an expired session is refused:
    /// a retry of its last request is [`Applied::Expired`] (it happened,
    /// its result is lost), an older one stale, a newer one answered
    /// [`SESSION_EXPIRED`] as a failure — it is not executed, and that
    /// answer opens a new session (a copy of it gets the same answer).
    /// Deterministic: stamps are in the log, so every replica expires the
    /// same sessions at the same entry.
    pub fn apply_stamped(
        &mut self,
        command: &ClientCommand,
        dedup: bool,
        stamp: u64,
        timeout: u64,
    ) -> Applied {
        let idle: Vec<ClientId> = self
            .active
            .iter()
            .filter(|(_, &last)| stamp > last.saturating_add(timeout))
            .map(|(c, _)| *c)
            .collect();
        for client in idle {
            self.active.remove(&client);
            if let Some(session) = self.sessions.remove(&client) {
                self.expired.insert(client, session.last_id);
            }
        }
        let client = command.client;
        if let Some(&last) = self.expired.get(&client) {
            match command.id.cmp(&last) {
                std::cmp::Ordering::Less => return Applied::Stale,
                std::cmp::Ordering::Equal => return Applied::Expired,
                std::cmp::Ordering::Greater => {
                    self.expired.remove(&client);
                    let result = Reply::Fail(SESSION_EXPIRED.into());
                    let session = Session {
                        last_id: command.id,
                        result: result.clone(),
                    };
                    self.sessions.insert(client, session);
                    self.active.insert(client, stamp);
                    return Applied::Fresh(result);
                }
            }
        }
        let applied = self.apply(command, dedup);
        if applied != Applied::Stale {
            self.active.insert(client, stamp);
        }
        applied
    }

    /// Answer a read (`get` or `read`) from the data without changing
    /// anything (Raft's ReadIndex and lease reads); any other operation
    /// fails.
    pub fn read(&self, op: &Op) -> Reply {
        match (op.f.as_str(), &op.key) {
            ("get" | "read", Some(key)) => {
                Reply::Ok(self.data.get(key).cloned().unwrap_or(Value::Nil))
            }
            _ => Reply::Fail(format!("{} is not a read", op.f)),
        }
    }

    /// Execute one operation on the data.
    pub fn execute(&mut self, op: &Op) -> Reply {
        let Some(key) = op.key.clone() else {
            return Reply::Fail(format!("{} needs a key", op.f));
        };
        let current = self.data.get(&key).cloned().unwrap_or(Value::Nil);
        match op.f.as_str() {
            "get" | "read" => Reply::Ok(current),
            "put" | "write" => {
                self.data.insert(key, op.value.clone());
                Reply::Ok(Value::Nil)
            }
            "append" => {
                self.data.insert(key, append(&current, &op.value));
                Reply::Ok(Value::Nil)
            }
            "cas" => match &op.value {
                Value::List(pair) if pair.len() == 2 => {
                    if same(&current, &pair[0]) {
                        self.data.insert(key, pair[1].clone());
                        Reply::Ok(Value::Nil)
                    } else {
                        Reply::Ok(Value::Bool(false))
                    }
                }
                other => Reply::Fail(format!("cas takes [from, to], got {other}")),
            },
            f => Reply::Fail(format!("unknown operation {f:?}")),
        }
    }
}

/// The checker's `append`: concatenate strings, push onto a list.
fn append(state: &Value, v: &Value) -> Value {
    match (state, v) {
        (Value::Nil, Value::Str(s)) => Value::Str(s.clone()),
        (Value::Str(a), Value::Str(b)) => Value::Str(format!("{a}{b}")),
        (Value::List(items), v) => {
            let mut items = items.clone();
            items.push(v.clone());
            Value::List(items)
        }
        (Value::Nil, v) => Value::List(vec![v.clone()]),
        (other, v) => Value::List(vec![other.clone(), v.clone()]),
    }
}

/// Equality with `nil`, `""` and `[]` all meaning empty.
fn same(a: &Value, b: &Value) -> bool {
    let empty = |v: &Value| match v {
        Value::Nil => true,
        Value::Str(s) => s.is_empty(),
        Value::List(l) => l.is_empty(),
        _ => false,
    };
    a == b || (empty(a) && empty(b))
}

/// Clients read, put, append and compare-and-set over a few keys.
///
/// Puts and compare-and-sets use small integers (0–4), so compares sometimes
/// succeed; appends push the operation's unique sequence number, so a command
/// applied twice shows in every later read of the key. With a `payload`,
/// each written value is that integer as a string padded to `payload`
/// bytes (`"3......"`): the same identities, bigger messages and logs.
#[derive(Clone, Debug)]
pub struct KvWorkload {
    /// Number of keys, `k0`, `k1`, ...
    pub keys: u64,
    /// Weights (parts per thousand) of get, put, append, cas.
    pub weights: [u64; 4],
    /// Bytes of each written value; 0: plain integers.
    pub payload: usize,
}

impl KvWorkload {
    /// `n` as a written value: the integer, or with a payload the string
    /// of its digits padded with `.` to `payload` bytes (never cut short).
    /// Draws nothing: the operations are those of the same seed without.
    pub fn value(&self, n: i64) -> Value {
        if self.payload == 0 {
            return Value::Int(n);
        }
        let digits = n.to_string();
        let pad = self.payload.saturating_sub(digits.len());
        Value::Str(format!("{digits}{}", ".".repeat(pad)))
    }
}

impl Workload for KvWorkload {
    fn next_op(&self, rng: &mut Prng, _client: ClientId, sequence: u64) -> Op {
        // `format!("k{n}")`'s text without the formatting machinery.
        let mut key = String::with_capacity(4);
        key.push('k');
        crate::base::digits::push_decimal(&mut key, rng.below(self.keys.max(1)), 1);
        let key = Some(key);
        let small = |rng: &mut Prng| self.value(rng.below(5) as i64);
        let (f, value) = match rng.weighted_index(&self.weights).unwrap_or(0) {
            0 => ("get", Value::Nil),
            1 => ("put", small(rng)),
            2 => ("append", self.value(sequence as i64)),
            _ => ("cas", Value::List(vec![small(rng), small(rng)])),
        };
        Op {
            f: f.into(),
            key,
            value,
        }
    }
}

/// Read `[workload]` (kind `kv`): `keys` (1..=1000, default 3), the
/// shares of operations `read_ratio` (default 0.25), `append_ratio` (0.3),
/// `cas_ratio` (0.15) (puts take the rest), and `payload` (bytes of each
/// written value, 0..=65536, default 0: plain integers).
pub fn workload(p: &mut ParamReader<'_>) -> Result<KvWorkload, ScenarioError> {
    let keys = p.u64_in("keys", 3, 1..=1000)?;
    let read = p.f64_in("read_ratio", 0.25, 0.0..=1.0)?;
    let append = p.f64_in("append_ratio", 0.3, 0.0..=1.0)?;
    let cas = p.f64_in("cas_ratio", 0.15, 0.0..=1.0)?;
    let payload = p.u64_in("payload", 0, 0..=65536)? as usize;
    let per_mille = |x: f64| (x * 1000.0).round() as u64;
    let (read, append, cas) = (per_mille(read), per_mille(append), per_mille(cas));
    let Some(put) = 1000u64.checked_sub(read + append + cas) else {
        let message = "read_ratio + append_ratio + cas_ratio must not be more than 1";
        return Err(p.error_at("read_ratio", message));
    };
    Ok(KvWorkload {
        keys,
        weights: [read, put, append, cas],
        payload,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn op(f: &str, key: &str, value: Value) -> Op {
        Op {
            f: f.into(),
            key: Some(key.into()),
            value,
        }
    }

    fn cmd(client: u32, id: u64, op: Op) -> ClientCommand {
        ClientCommand {
            client: ClientId(client),
            id,
            op,
        }
    }

    #[test]
    fn operations_follow_the_checkers_kv_model() {
        let mut kv = Kv::default();
        assert_eq!(
            kv.execute(&op("get", "x", Value::Nil)),
            Reply::Ok(Value::Nil)
        );
        let cas = |from, to| {
            op(
                "cas",
                "x",
                Value::List(vec![Value::Int(from), Value::Int(to)]),
            )
        };
        assert_eq!(kv.execute(&cas(1, 2)), Reply::Ok(Value::Bool(false)));
        kv.execute(&op("put", "x", Value::Int(1)));
        assert_eq!(kv.execute(&cas(1, 2)), Reply::Ok(Value::Nil));
        assert_eq!(
            kv.execute(&op("get", "x", Value::Nil)),
            Reply::Ok(Value::Int(2))
        );
        kv.execute(&op("append", "y", Value::Int(7)));
        kv.execute(&op("append", "y", Value::Int(8)));
        let both = Value::List(vec![Value::Int(7), Value::Int(8)]);
        assert_eq!(kv.execute(&op("get", "y", Value::Nil)), Reply::Ok(both));
        assert!(matches!(
            kv.execute(&op("frob", "y", Value::Nil)),
            Reply::Fail(_)
        ));
    }

    #[test]
    fn a_retried_request_is_applied_once() {
        let mut kv = Kv::default();
        let a = cmd(0, 3, op("append", "x", Value::Int(1)));
        assert_eq!(kv.apply(&a, true), Applied::Fresh(Reply::Ok(Value::Nil)));
        assert_eq!(
            kv.apply(&a, true),
            Applied::Duplicate(Reply::Ok(Value::Nil))
        );
        assert_eq!(kv.data["x"], Value::List(vec![Value::Int(1)]));
        // An older request of the same client is skipped.
        let old = cmd(0, 2, op("append", "x", Value::Int(9)));
        assert_eq!(kv.apply(&old, true), Applied::Stale);
        // Without deduplication (the bug switch) the retry executes again.
        kv.apply(&a, false);
        assert_eq!(
            kv.data["x"],
            Value::List(vec![Value::Int(1), Value::Int(1)])
        );
    }

    #[test]
    fn sessions_expire_by_stamp_and_refuse_their_clients_requests() {
        let mut kv = Kv::default();
        let append = |id, v| cmd(0, id, op("append", "x", Value::Int(v)));
        let ok = Applied::Fresh(Reply::Ok(Value::Nil));
        assert_eq!(kv.apply_stamped(&append(1, 1), true, 100, 50), ok);
        // Another client's entry at stamp 151 expires client 0's session.
        let other = cmd(1, 1, op("put", "y", Value::Int(2)));
        assert_eq!(kv.apply_stamped(&other, true, 151, 50), ok);
        assert!(!kv.sessions.contains_key(&ClientId(0)));
        assert_eq!(kv.expired.get(&ClientId(0)), Some(&1));
        // A retry of the applied request: not applied again, outcome lost.
        assert_eq!(
            kv.apply_stamped(&append(1, 1), true, 152, 50),
            Applied::Expired
        );
        assert_eq!(kv.data["x"], Value::List(vec![Value::Int(1)]));
        // A new request: refused, not executed; its copy gets the same.
        let refused = Applied::Fresh(Reply::Fail(SESSION_EXPIRED.into()));
        assert_eq!(kv.apply_stamped(&append(2, 2), true, 153, 50), refused);
        let again = Applied::Duplicate(Reply::Fail(SESSION_EXPIRED.into()));
        assert_eq!(kv.apply_stamped(&append(2, 2), true, 154, 50), again);
        assert_eq!(kv.data["x"], Value::List(vec![Value::Int(1)]));
        // The refusal opened a new session: the next request runs.
        assert_eq!(kv.apply_stamped(&append(3, 3), true, 155, 50), ok);
        let both = Value::List(vec![Value::Int(1), Value::Int(3)]);
        assert_eq!(kv.data["x"], both);
    }

    #[test]
    fn without_expiry_the_state_hashes_as_before() {
        use crate::base::hash::StableHasher;
        use std::hash::{Hash, Hasher};
        let kv = Kv::default();
        let mut a = StableHasher::new();
        kv.hash(&mut a);
        let mut b = StableHasher::new();
        (&kv.data, &kv.sessions).hash(&mut b);
        assert_eq!(a.finish(), b.finish());
    }
}
