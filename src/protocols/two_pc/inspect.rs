//! What the inspector shows of a two-phase-commit node, in the protocol's
//! words: the coordinator's transactions collecting votes (each
//! participant's vote), its durable decision log (outcome, who
//! acknowledged); a participant's transactions (phase, vote, locks, in
//! doubt), its lock table and balances. Transactions are named as the
//! checks and the log lines name them (`t0.6`: client 0's request 6).
//! Messages show as `Prepare t0.6 a4 read, a0 +25 (n1 n2)`, `Vote t0.6
//! yes`, `Decision t0.6 commit`. Also used by three-phase commit, which
//! shares the bank, the transactions and the votes.

use super::bank::{balance, entry_amount, AccountOp, MicroOp};
use super::coordinator::Coordinator;
use super::participant::{Participant, Phase, TxnRecord};
use super::{Msg, Outcome, Params, Vote};
use crate::base::inspect::{Item, View};
use crate::protocols::show;
use crate::sim::NodeId;

/// `a4 read`, `a0 +7`, `a3 -7`: the amount an append moves (its entry
/// also carries the transaction's tag, see [`super::bank::TAG_BASE`]).
pub(crate) fn op_text(op: &AccountOp) -> String {
    match op.op {
        MicroOp::Read => format!("{} read", op.account),
        MicroOp::Append(entry) => format!("{} {:+}", op.account, entry_amount(entry)),
    }
}

/// A transaction's micro-operations: `a4 read, a0 +25`.
pub(crate) fn ops_text(ops: &[AccountOp]) -> String {
    let ops: Vec<String> = ops.iter().map(op_text).collect();
    ops.join(", ")
}

/// `commit` or `abort`.
pub(crate) fn outcome_text(outcome: Outcome) -> &'static str {
    match outcome {
        Outcome::Commit => "commit",
        Outcome::Abort => "abort",
    }
}

/// `yes` or `no: a4 is locked`, for a one-line summary.
pub(crate) fn vote_word(vote: &Vote) -> String {
    match vote {
        Vote::Yes(_) => "yes".into(),
        Vote::No(why) => format!("no: {why}"),
    }
}

/// `yes, reads [3 -2] []` or `no: a4 is locked`.
pub(crate) fn vote_text(vote: &Vote) -> String {
    match vote {
        Vote::Yes(reads) if reads.is_empty() => "yes".into(),
        Vote::Yes(reads) => {
            let reads: Vec<String> = reads.iter().map(|r| format!("{r:?}")).collect();
            format!("yes, reads {}", reads.join(" ").replace(',', ""))
        }
        Vote::No(why) => format!("no: {why}"),
    }
}

/// Each participant's vote on a transaction collecting votes: `yes`, or
/// `waiting` for one not heard from yet.
pub(crate) fn votes_item<T>(
    participants: impl Iterator<Item = NodeId>,
    votes: &std::collections::BTreeMap<NodeId, T>,
) -> Item {
    Item::list(participants.map(|p| {
        let vote = if votes.contains_key(&p) {
            "yes"
        } else {
            "waiting"
        };
        (p.to_string(), Item::text(vote))
    }))
}

/// The coordinator's durable decision log, newest last:
/// `t0.5  commit, acked n1 n2 of n1 n2`.
pub(crate) fn decision_log_item(
    log: &std::collections::BTreeMap<super::TxId, super::DecisionRecord>,
) -> Item {
    Item::list_last(log.iter().map(|(tx, record)| {
        let acked = show::nodes(record.acked.iter().copied());
        let all = show::nodes(record.participants.iter().copied());
        let presumed = if record.presumed { " (presumed)" } else { "" };
        let text = if record.done() {
            format!(
                "{}{presumed}, all acked ({all})",
                outcome_text(record.outcome)
            )
        } else {
            format!(
                "{}{presumed}, acked [{acked}] of {all}",
                outcome_text(record.outcome)
            )
        };
        (tx.to_string(), Item::text(text))
    }))
}

/// A participant's record of a transaction: `prepared, voted yes, 2
/// locks, since 1.2s, 3 queries (in doubt)`.
pub(crate) fn record_text(record: &TxnRecord, state: &str) -> String {
    let mut parts = vec![state.to_string()];
    if record.voted_yes {
        parts.push("voted yes".into());
    }
    if record.phase == Phase::Prepared {
        parts.push(match record.locks {
            1 => "1 lock".to_string(),
            n => format!("{n} locks"),
        });
        if let Some(at) = record.prepared_at {
            parts.push(format!("since {at}"));
        }
        if record.queries > 0 {
            parts.push(format!("{} queries (in doubt)", record.queries));
        }
    } else if let Some(at) = record.decided_at {
        parts.push(format!("at {at}"));
    }
    parts.join(", ")
}

/// A participant's accounts (`a1  balance 103, 4 entries`) and lock
/// table (`a1  exclusive t0.6`).
pub(crate) fn shard_section(view: View, shard: &Participant, initial_balance: i64) -> View {
    let accounts = shard.accounts.iter().map(|(name, entries)| {
        let text = format!(
            "balance {}, {} entries",
            balance(initial_balance, entries),
            entries.len()
        );
        (name.clone(), Item::text(text))
    });
    let locks = shard
        .lock_table()
        .into_iter()
        .map(|(account, held)| (account, Item::text(held)));
    view.section("accounts")
        .field("balances", Item::list(accounts))
        .field("locks", Item::list(locks))
        .field("locksHeld", shard.locks_held())
        .field("locksPeak", shard.locks_peak)
}

fn phase_text(phase: Phase) -> &'static str {
    match phase {
        Phase::Prepared => "prepared",
        Phase::Committed => "committed",
        Phase::Aborted => "aborted",
    }
}

impl Coordinator {
    /// The coordinator's labelled view: transactions collecting votes,
    /// then the decision log, then the abort reasons.
    pub(super) fn view(&self) -> View {
        let collecting = self.active.iter().map(|(tx, active)| {
            let votes = votes_item(active.shares.keys().copied(), &active.votes);
            (tx.to_string(), votes)
        });
        View::new()
            .section("coordinator")
            .field("collectingVotes", Item::list(collecting))
            .field("decisionLog", decision_log_item(&self.log))
            .section("aborts since start")
            .field("votedNo", self.aborts.voted_no)
            .field("voteTimeout", self.aborts.vote_timeout)
            .field("presumed", self.aborts.presumed)
    }
}

impl Participant {
    /// A participant's labelled view: undecided transactions first, every
    /// transaction record (the durable `txn/` records), then its accounts
    /// and locks.
    pub(super) fn view(&self, params: &Params) -> View {
        let prepared = self.prepared().map(|r| {
            let ops = ops_text(&r.ops);
            (r.tx.to_string(), Item::text(record_text(r, &ops)))
        });
        let records = self.txns.values().map(|r| {
            (
                r.tx.to_string(),
                Item::text(record_text(r, phase_text(r.phase))),
            )
        });
        let view = View::new()
            .section("participant")
            .field("prepared", Item::list(prepared))
            .field("txnLog", Item::list_last(records));
        shard_section(view, self, params.initial_balance)
    }
}

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Prepare {
            tx,
            participants,
            ops,
        } => format!(
            "Prepare {tx} {} ({})",
            ops_text(ops),
            show::nodes(participants.iter().copied())
        ),
        Msg::Vote { tx, vote } => format!("Vote {tx} {}", vote_word(vote)),
        Msg::Decision { tx, outcome, .. } => format!("Decision {tx} {}", outcome_text(*outcome)),
        Msg::Ack { tx } => format!("Ack {tx}"),
        Msg::Query { tx, .. } => format!("Query {tx}"),
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    let participants = |p: &[NodeId]| Item::set(p.iter().copied());
    match message {
        Msg::Prepare {
            tx,
            participants: p,
            ops,
        } => View::new()
            .section("Prepare (phase 1)")
            .field("tx", tx.to_string())
            .field("participants", participants(p))
            .field("ops", Item::set(ops.iter().map(op_text))),
        Msg::Vote { tx, vote } => View::new()
            .section("Vote")
            .field("tx", tx.to_string())
            .field("vote", vote_text(vote)),
        Msg::Decision {
            tx,
            outcome,
            participants: p,
        } => View::new()
            .section("Decision (phase 2)")
            .field("tx", tx.to_string())
            .field("outcome", outcome_text(*outcome))
            .field("participants", participants(p)),
        Msg::Ack { tx } => View::new().section("Ack").field("tx", tx.to_string()),
        Msg::Query {
            tx,
            participants: p,
        } => View::new()
            .section("Query (in doubt)")
            .field("tx", tx.to_string())
            .field("participants", participants(p)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::protocols::two_pc::TxId;

    fn tx() -> TxId {
        TxId {
            client: 0,
            request: 6,
        }
    }

    #[test]
    fn messages_read_as_the_protocol_writes_them() {
        let prepare = Msg::Prepare {
            tx: tx(),
            participants: vec![NodeId(1), NodeId(2)],
            ops: vec![
                AccountOp {
                    account: "a4".into(),
                    op: MicroOp::Read,
                },
                AccountOp {
                    account: "a4".into(),
                    op: MicroOp::Append(-2507),
                },
            ]
            .into(),
        };
        assert_eq!(
            message_summary(&prepare),
            "Prepare t0.6 a4 read, a4 -7 (n1 n2)"
        );
        let yes = Msg::Vote {
            tx: tx(),
            vote: Vote::Yes(vec![vec![3, -2]]),
        };
        assert_eq!(message_summary(&yes), "Vote t0.6 yes");
        assert_eq!(
            vote_text(&Vote::Yes(vec![vec![3, -2]])),
            "yes, reads [3 -2]"
        );
        let no = Msg::Vote {
            tx: tx(),
            vote: Vote::No("a4 is locked".into()),
        };
        assert_eq!(message_summary(&no), "Vote t0.6 no: a4 is locked");
        let decision = Msg::Decision {
            tx: tx(),
            outcome: Outcome::Abort,
            participants: vec![NodeId(1)],
        };
        assert_eq!(message_summary(&decision), "Decision t0.6 abort");
        assert!(!message_view(&decision).from_debug);
    }
}
