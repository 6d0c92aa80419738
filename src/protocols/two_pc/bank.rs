//! The bank: accounts spread over the participants, transfers and audits
//! encoded as list-append transactions so the serializability checker can
//! read the history directly.
//!
//! Each account is a list of signed *entries*. A transfer of `amount` with
//! tag `id * 100 + amount` appends `-tag` to the source account and `+tag` to
//! the destination, so every entry is unique per account (as the checker
//! requires) and an account's balance is `initial + Σ sign(e) · (|e| mod 100)`.
//! A transfer reads both accounts before appending:
//!
//! ```text
//! [["r","a1",nil], ["append","a1",-1207], ["r","a4",nil], ["append","a4",1207]]
//! ```
//!
//! is transaction 12 moving 7 from `a1` to `a4`. An audit reads two accounts.

use crate::check::history::Value;
use crate::sim::{ClientId, NodeId, Op, Prng, Ratio};
use crate::workload::Workload;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// An entry's tag is `id * TAG_BASE + amount`, so amounts are below this.
pub const TAG_BASE: i64 = 100;

/// One micro-operation on one account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum MicroOp {
    /// Read the account's entries.
    Read,
    /// Append a signed entry (negative: a debit).
    Append(i64),
}

/// A micro-operation with its account.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct AccountOp {
    /// Account name (`a0`, `a1`, ...).
    pub account: String,
    /// What to do.
    pub op: MicroOp,
}

/// The money an entry moves: positive for a credit, negative for a debit.
pub fn entry_amount(entry: i64) -> i64 {
    entry.signum() * (entry.abs() % TAG_BASE)
}

/// An account's balance: `initial` plus its entries.
pub fn balance(initial: i64, entries: &[i64]) -> i64 {
    initial + entries.iter().map(|&e| entry_amount(e)).sum::<i64>()
}

/// Account `index`'s name (`a7`), built without `format!` (a client's
/// transaction names two).
pub fn account_name(index: u32) -> String {
    let mut name = String::with_capacity(11);
    name.push('a');
    crate::base::digits::push_decimal(&mut name, u64::from(index), 0);
    name
}

/// Which participant holds `account`, if it exists: accounts are dealt
/// round-robin over nodes `1..nodes` (node 0 is the coordinator).
pub fn owner(account: &str, accounts: u32, nodes: u32) -> Option<NodeId> {
    let index: u32 = account.strip_prefix('a')?.parse().ok()?;
    let participants = nodes.checked_sub(1).filter(|&p| p > 0)?;
    (index < accounts).then_some(NodeId(1 + index % participants))
}

/// The accounts participant `node` holds.
pub fn accounts_of(node: NodeId, accounts: u32, nodes: u32) -> Vec<String> {
    (0..accounts)
        .map(account_name)
        .filter(|a| owner(a, accounts, nodes) == Some(node))
        .collect()
}

/// Decode a client operation's value into micro-operations.
pub fn parse_txn(value: &Value) -> Result<Vec<AccountOp>, String> {
    let Some(items) = value.as_list() else {
        return Err(format!("expected a list of micro-ops, got {value}"));
    };
    items
        .iter()
        .map(|item| {
            let parts = item.as_list().unwrap_or_default();
            let (Some(f), Some(account)) = (
                parts.first().and_then(Value::as_str),
                parts.get(1).and_then(Value::as_str),
            ) else {
                return Err(format!("expected [f, account, value], got {item}"));
            };
            let op = match (f, parts.get(2)) {
                ("r", _) => MicroOp::Read,
                ("append", Some(Value::Int(e))) if *e != 0 => MicroOp::Append(*e),
                _ => return Err(format!("unknown micro-op {item}")),
            };
            Ok(AccountOp {
                account: account.to_string(),
                op,
            })
        })
        .collect()
}

/// A transaction's micro-operations (in the request's order) and each
/// owning node's share of them.
pub type TxnShares = (Vec<AccountOp>, BTreeMap<NodeId, Vec<AccountOp>>);

/// A client's transaction request (`op.f` is `txn`) split by the nodes
/// that own its accounts, as a coordinator of two- or three-phase commit
/// does before it asks them. `Err` is the reason to fail the request with:
/// not a transaction, an empty or malformed one, or an unknown account.
pub fn split_txn(op: &Op, accounts: u32, nodes: u32) -> Result<TxnShares, String> {
    let ops = match parse_txn(&op.value) {
        Ok(ops) if op.f == "txn" && !ops.is_empty() => ops,
        Ok(_) => return Err(format!("expected a txn, got {:?}", op.f)),
        Err(why) => return Err(why),
    };
    let mut shares: BTreeMap<NodeId, Vec<AccountOp>> = BTreeMap::new();
    for account_op in &ops {
        let Some(node) = owner(&account_op.account, accounts, nodes) else {
            return Err(format!("no account {:?}", account_op.account));
        };
        shares.entry(node).or_default().push(account_op.clone());
    }
    Ok((ops, shares))
}

/// A committed transaction's answer to its client: `ops` in the request's
/// order, each read filled from the reads its owning node sent with its
/// yes vote (`votes`: per node, its reads in the order of its share), as a
/// coordinator of two- or three-phase commit replies.
pub fn committed_value(
    ops: &[AccountOp],
    votes: BTreeMap<NodeId, Vec<Vec<i64>>>,
    accounts: u32,
    nodes: u32,
) -> Value {
    let mut by_node: BTreeMap<NodeId, std::vec::IntoIter<Vec<i64>>> = votes
        .into_iter()
        .map(|(node, reads)| (node, reads.into_iter()))
        .collect();
    let mut reads = ops.iter().filter(|o| o.op == MicroOp::Read).map(|o| {
        owner(&o.account, accounts, nodes)
            .and_then(|n| by_node.get_mut(&n)?.next())
            .unwrap_or_default()
    });
    encode_txn(ops, &mut reads)
}

/// A committed transaction's answer, as [`committed_value`] gives it,
/// built from `request`, the transaction's value as the client sent it
/// (`ops` parsed from it): each append of the answer is the request's own
/// micro-operation (the same `["append", account, entry]`, shared when the
/// request's items are, [`Value::Shared`]); only the reads are new. Equal,
/// item for item, to what [`committed_value`] builds.
pub fn committed_reply(
    request: &Value,
    ops: &[AccountOp],
    votes: BTreeMap<NodeId, Vec<Vec<i64>>>,
    accounts: u32,
    nodes: u32,
) -> Value {
    let items = request.as_list().filter(|items| items.len() == ops.len());
    let mut by_node: BTreeMap<NodeId, std::vec::IntoIter<Vec<i64>>> = votes
        .into_iter()
        .map(|(node, reads)| (node, reads.into_iter()))
        .collect();
    let reply: std::sync::Arc<[Value]> = ops
        .iter()
        .enumerate()
        .map(|(at, o)| match &o.op {
            MicroOp::Read => {
                let entries = owner(&o.account, accounts, nodes)
                    .and_then(|n| by_node.get_mut(&n)?.next())
                    .unwrap_or_default();
                micro_op("r", o.account.clone(), Value::ints(entries))
            }
            MicroOp::Append(e) => match items.as_ref().map(|items| &items[at]) {
                // `parse_txn` read it as ["append", o.account, e] (and
                // maybe more): the same three items are the same value.
                Some(item) if item.as_list().is_some_and(|parts| parts.len() == 3) => item.clone(),
                _ => micro_op("append", o.account.clone(), Value::Int(*e)),
            },
        })
        .collect();
    Value::Shared(reply)
}

/// One micro-operation as a history value, `[f, account, arg]`, a
/// [`Value::Shared`] (a `List` to every reader): an answer shares its
/// appends with the request.
fn micro_op(f: &str, account: String, arg: Value) -> Value {
    Value::Shared(std::sync::Arc::from([
        Value::Str(f.into()),
        Value::Str(account),
        arg,
    ]))
}

/// Encode micro-operations as a history value, reads filled from `reads`
/// (in order) or `nil` when `reads` runs out. The list of micro-operations
/// and each micro-operation are [`Value::Shared`] (a `List` to every
/// reader, [`Value::as_list`]): a transaction is copied into the client's
/// pending operation, the request, the history and its pairing, and each
/// copy then shares it.
pub fn encode_txn(ops: &[AccountOp], reads: &mut dyn Iterator<Item = Vec<i64>>) -> Value {
    let items: std::sync::Arc<[Value]> = ops
        .iter()
        .map(|o| match &o.op {
            MicroOp::Read => {
                let result = match reads.next() {
                    Some(entries) => Value::ints(entries),
                    None => Value::Nil,
                };
                micro_op("r", o.account.clone(), result)
            }
            MicroOp::Append(e) => micro_op("append", o.account.clone(), Value::Int(*e)),
        })
        .collect();
    Value::Shared(items)
}

/// Clients move money between two random accounts, or audit two accounts.
#[derive(Clone, Debug)]
pub struct BankWorkload {
    /// Number of accounts.
    pub accounts: u32,
    /// Largest amount moved (1..=99).
    pub max_amount: i64,
    /// Share of operations that are read-only audits.
    pub audit_ratio: Ratio,
}

impl Workload for BankWorkload {
    fn next_op(&self, rng: &mut Prng, _client: ClientId, sequence: u64) -> Op {
        let n = u64::from(self.accounts.max(2));
        let from = rng.below(n) as u32;
        let to = ((u64::from(from) + 1 + rng.below(n - 1)) % n) as u32;
        let (from, to) = (account_name(from), account_name(to));
        // What `encode_txn` makes of the transaction's micro-operations
        // (reads unfilled), built without them.
        let items: std::sync::Arc<[Value]> = if rng.chance(self.audit_ratio) {
            std::sync::Arc::from([
                micro_op("r", from, Value::Nil),
                micro_op("r", to, Value::Nil),
            ])
        } else {
            let amount = rng.range_inclusive(1, self.max_amount.clamp(1, TAG_BASE - 1) as u64);
            let tag = sequence as i64 * TAG_BASE + amount as i64;
            std::sync::Arc::from([
                micro_op("r", from.clone(), Value::Nil),
                micro_op("append", from, Value::Int(-tag)),
                micro_op("r", to.clone(), Value::Nil),
                micro_op("append", to, Value::Int(tag)),
            ])
        };
        Op {
            f: "txn".into(),
            key: None,
            value: Value::Shared(items),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_encode_amount_and_direction() {
        assert_eq!(entry_amount(1207), 7);
        assert_eq!(entry_amount(-1207), -7);
        assert_eq!(balance(100, &[1207, -305]), 102);
    }

    #[test]
    fn account_names_are_as_formatted() {
        for index in [0, 1, 9, 10, 11, 99, 100, 12345, u32::MAX] {
            assert_eq!(account_name(index), format!("a{index}"));
        }
    }

    #[test]
    fn accounts_are_dealt_round_robin_over_participants() {
        assert_eq!(owner("a0", 8, 4), Some(NodeId(1)));
        assert_eq!(owner("a4", 8, 4), Some(NodeId(2)));
        assert_eq!(owner("a8", 8, 4), None);
        assert_eq!(owner("b1", 8, 4), None);
        assert_eq!(owner("a0", 8, 1), None);
        assert_eq!(accounts_of(NodeId(3), 8, 4), vec!["a2", "a5"]);
    }

    #[test]
    fn a_generated_transfer_round_trips() {
        let w = BankWorkload {
            accounts: 6,
            max_amount: 9,
            audit_ratio: Ratio::ZERO,
        };
        let mut rng = Prng::new(1, crate::sim::Stream::Workload);
        let op = w.next_op(&mut rng, ClientId(0), 12);
        let ops = parse_txn(&op.value).expect("parses");
        assert_eq!(ops.len(), 4);
        let MicroOp::Append(debit) = ops[1].op else {
            panic!("{ops:?}")
        };
        assert!(debit < 0 && debit.abs() / TAG_BASE == 12);
        let back = encode_txn(&ops, &mut std::iter::empty());
        assert_eq!(back, op.value);
    }

    /// The workload's value is what `encode_txn` makes of its micro-ops
    /// (audits and transfers), and the answer built from the request
    /// ([`committed_reply`]) is what [`committed_value`] builds, item for
    /// item, hashed and printed alike, whether the request's items are
    /// shared or plain lists (as a file's history reads back).
    #[test]
    fn the_answer_built_from_the_request_is_the_committed_value() {
        use crate::base::hash::StableHasher;
        use std::hash::{Hash, Hasher};
        let hash = |v: &Value| {
            let mut h = StableHasher::new();
            v.hash(&mut h);
            h.finish()
        };
        let plain = |v: &Value| -> Value {
            let items = v.as_list().expect("a list");
            Value::List(
                items
                    .iter()
                    .map(|i| Value::List(i.as_list().expect("a micro-op").into_owned()))
                    .collect(),
            )
        };
        let w = BankWorkload {
            accounts: 7,
            max_amount: 30,
            audit_ratio: Ratio::new(1, 3),
        };
        let mut rng = Prng::new(5, crate::sim::Stream::Workload);
        let nodes = 4;
        for sequence in 0..60 {
            let op = w.next_op(&mut rng, ClientId(1), sequence);
            let ops = parse_txn(&op.value).expect("parses");
            assert_eq!(encode_txn(&ops, &mut std::iter::empty()), op.value);
            let mut votes: BTreeMap<NodeId, Vec<Vec<i64>>> = BTreeMap::new();
            for (i, o) in ops.iter().enumerate() {
                if o.op == MicroOp::Read {
                    let node = owner(&o.account, w.accounts, nodes).expect("owned");
                    let read = (0..i as i64 + sequence as i64 % 5).collect();
                    votes.entry(node).or_default().push(read);
                }
            }
            let want = committed_value(&ops, votes.clone(), w.accounts, nodes);
            for request in [op.value.clone(), plain(&op.value)] {
                let got = committed_reply(&request, &ops, votes.clone(), w.accounts, nodes);
                assert_eq!(got, want);
                assert_eq!(hash(&got), hash(&want));
                assert_eq!(hash(&got), hash(&plain(&want)));
                assert_eq!(got.to_string(), plain(&want).to_string());
                assert_eq!(format!("{got:?}"), format!("{:?}", plain(&want)));
                assert_eq!(
                    serde_json::to_string(&got).expect("json"),
                    serde_json::to_string(&plain(&want)).expect("json")
                );
            }
        }
    }
}
