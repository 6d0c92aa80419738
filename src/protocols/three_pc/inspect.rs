//! What the inspector shows of a three-phase-commit node, in Skeen's
//! words: the coordinator's transactions by stage (voting, with each
//! participant's vote; pre-committing, with who acknowledged), the ones it
//! recovers after a crash, its decision log; a participant's undecided
//! transactions (uncertain or pre-committed) and its part in the
//! termination protocol, every transaction's state, then its accounts
//! and locks. Messages: `CanCommit t0.6 a4 read (n1 n2)`, `PreCommit
//! t0.6`, `StateReport t0.6 pre-committed`.

use super::coordinator::{Coordinator, Stage};
use super::participant::{Lead, Participant, Termination};
use super::{Msg, Params};
use crate::base::inspect::{Item, View};
use crate::protocols::show;
use crate::protocols::two_pc::inspect::{
    decision_log_item, op_text, ops_text, outcome_text, shard_section, vote_text, vote_word,
    votes_item,
};
use crate::sim::NodeId;

impl Coordinator {
    /// The coordinator's labelled view.
    pub(super) fn view(&self) -> View {
        let voting = self
            .active
            .iter()
            .filter(|(_, a)| a.stage == Stage::Voting)
            .map(|(tx, a)| {
                (
                    tx.to_string(),
                    votes_item(a.shares.keys().copied(), &a.votes),
                )
            });
        let pre_committing = self.active.iter().filter_map(|(tx, a)| match &a.stage {
            Stage::PreCommitting(acked) => Some((
                tx.to_string(),
                Item::text(format!(
                    "acked [{}] of {}",
                    show::nodes(acked.iter().copied()),
                    show::nodes(a.shares.keys().copied())
                )),
            )),
            Stage::Voting => None,
        });
        let recovering = self.recovering.iter().map(|(tx, asked)| {
            (
                tx.to_string(),
                Item::text(format!("asking {}", show::nodes(asked.iter().copied()))),
            )
        });
        View::new()
            .section("coordinator")
            .field("voting", Item::list(voting))
            .field("preCommitting", Item::list(pre_committing))
            .field("recovering", Item::list(recovering))
            .field("decisionLog", decision_log_item(&self.log))
    }
}

/// `round 1: leading, collecting n1 pre-committed, n2 uncertain (since
/// 3.2s)` or `round 0: waiting for n1 to lead`.
fn termination_text(t: &Termination, participants: &[NodeId]) -> String {
    match &t.leading {
        Some((Lead::Collecting(states), since)) => {
            let states = show::joined(states.iter().map(|(n, s)| format!("{n} {s}")), ", ");
            format!(
                "round {}: leading, collecting states {states} (since {since})",
                t.round
            )
        }
        Some((Lead::PreCommitting { targets, acked }, since)) => format!(
            "round {}: leading, pre-committing {}, acked [{}] (since {since})",
            t.round,
            show::nodes(targets.iter().copied()),
            show::nodes(acked.iter().copied())
        ),
        None => {
            let candidate = participants.get(t.round as usize);
            match candidate {
                Some(c) => format!("round {}: waiting for {c} to lead", t.round),
                None => format!("round {}: waiting", t.round),
            }
        }
    }
}

impl Participant {
    /// A participant's labelled view.
    pub(super) fn view(&self, params: &Params) -> View {
        let undecided = self.undecided().map(|(tx, state)| {
            let record = self.txns.get(tx);
            let ops = record.map(|r| ops_text(&r.ops)).unwrap_or_default();
            let since = record
                .and_then(|r| r.prepared_at)
                .map(|t| format!(", since {t}"))
                .unwrap_or_default();
            (tx.to_string(), Item::text(format!("{state}: {ops}{since}")))
        });
        let terminations = self.terminations.iter().map(|(tx, t)| {
            let participants = self
                .txns
                .get(tx)
                .map(|r| r.participants.clone())
                .unwrap_or_default();
            (
                tx.to_string(),
                Item::text(termination_text(t, &participants)),
            )
        });
        let states = self
            .states
            .iter()
            .map(|(tx, state)| (tx.to_string(), Item::text(state.to_string())));
        let view = View::new()
            .section("participant")
            .field("undecided", Item::list(undecided))
            .field("termination", Item::list(terminations))
            .field("states", Item::list_last(states));
        shard_section(view, &self.shard, params.initial_balance)
    }
}

/// A message's one line.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::CanCommit {
            tx,
            participants,
            ops,
        } => format!(
            "CanCommit {tx} {} ({})",
            ops_text(ops),
            show::nodes(participants.iter().copied())
        ),
        Msg::Vote { tx, vote } => format!("Vote {tx} {}", vote_word(vote)),
        Msg::PreCommit { tx, .. } => format!("PreCommit {tx}"),
        Msg::PreCommitAck { tx } => format!("PreCommitAck {tx}"),
        Msg::Decision { tx, outcome, .. } => {
            let word = match outcome {
                super::Outcome::Commit => "DoCommit",
                super::Outcome::Abort => "Abort",
            };
            format!("{word} {tx}")
        }
        Msg::Ack { tx } => format!("Ack {tx}"),
        Msg::Elect { tx, .. } => format!("Elect {tx}"),
        Msg::StateReq { tx, .. } => format!("StateReq {tx}"),
        Msg::StateReport { tx, state } => format!("StateReport {tx} {state}"),
        Msg::Query { tx } => format!("Query {tx}"),
    }
}

/// A message's labelled view.
pub(super) fn message_view(message: &Msg) -> View {
    let set = |p: &[NodeId]| Item::set(p.iter().copied());
    match message {
        Msg::CanCommit {
            tx,
            participants,
            ops,
        } => View::new()
            .section("CanCommit (phase 1)")
            .field("tx", tx.to_string())
            .field("participants", set(participants))
            .field("ops", Item::set(ops.iter().map(op_text))),
        Msg::Vote { tx, vote } => View::new()
            .section("Vote")
            .field("tx", tx.to_string())
            .field("vote", vote_text(vote)),
        Msg::PreCommit { tx, participants } => View::new()
            .section("PreCommit (phase 2)")
            .field("tx", tx.to_string())
            .field("participants", set(participants)),
        Msg::PreCommitAck { tx } => View::new()
            .section("PreCommitAck")
            .field("tx", tx.to_string()),
        Msg::Decision {
            tx,
            outcome,
            participants,
        } => View::new()
            .section("Decision (phase 3)")
            .field("tx", tx.to_string())
            .field("outcome", outcome_text(*outcome))
            .field("participants", set(participants)),
        Msg::Ack { tx } => View::new().section("Ack").field("tx", tx.to_string()),
        Msg::Elect { tx, participants } => View::new()
            .section("Elect (termination protocol)")
            .field("tx", tx.to_string())
            .field("participants", set(participants)),
        Msg::StateReq { tx, participants } => View::new()
            .section("StateReq (termination protocol)")
            .field("tx", tx.to_string())
            .field("participants", set(participants)),
        Msg::StateReport { tx, state } => View::new()
            .section("StateReport (termination protocol)")
            .field("tx", tx.to_string())
            .field("state", state.to_string()),
        Msg::Query { tx } => View::new()
            .section("Query (coordinator recovery)")
            .field("tx", tx.to_string()),
    }
}
