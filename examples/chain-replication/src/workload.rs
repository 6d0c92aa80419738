//! What the clients ask: `put` a unique value to one of a few keys, or
//! `get` one. The simulator's clients call [`KvWorkload::next_op`] for each
//! operation, send it to a node, follow redirects, time out, and record a
//! Jepsen-style history that the linearizability check reads.

use distlab::sim::Value;
use distlab::sim::{ClientId, Op, Prng, Ratio};
use distlab::workload::Workload;

/// `put`s and `get`s on keys `k0`, `k1`, ...
#[derive(Clone, Debug)]
pub struct KvWorkload {
    /// Number of keys.
    pub keys: u64,
    /// Share of operations that are reads.
    pub read_ratio: Ratio,
}

impl Workload for KvWorkload {
    fn next_op(&self, rng: &mut Prng, _client: ClientId, sequence: u64) -> Op {
        let key = Some(format!("k{}", rng.below(self.keys.max(1))));
        // Values are unique (the operation's sequence number), so a read
        // names the write it saw: the history checker relies on it.
        let (f, value) = match rng.chance(self.read_ratio) {
            true => ("get", Value::Nil),
            false => ("put", Value::Int(sequence as i64 + 1)),
        };
        Op {
            f: f.into(),
            key,
            value,
        }
    }
}
