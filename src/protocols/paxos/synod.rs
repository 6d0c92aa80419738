//! The Synod protocol (single-decree Paxos) for one instance: the acceptor's
//! two rules and the proposer's choice of value. Multi-Paxos runs exactly
//! these rules once per log slot (`acceptor.rs`, `leader.rs`); the
//! single-decree mode (`single_decree.rs`) runs them for one instance with
//! competing proposers.
//!
//! - **Phase 1b (promise)**: an acceptor answers `prepare(b)` with a promise
//!   if `b` is at least its promised ballot, raises its promise to `b`, and
//!   reports the proposal it accepted with the highest ballot (if any).
//!   (`>=` rather than `>`: a duplicated prepare gets the same answer;
//!   ballots are unique per proposer, so equality is the same proposer.)
//! - **Phase 2b (accept)**: an acceptor accepts `accept(b, v)` if `b` is at
//!   least its promised ballot, and then holds `(b, v)` and promises `b`.
//! - **Phase 2a (the proposer's value)**: with promises from a majority, the
//!   proposer must propose the value of the highest-ballot proposal any of
//!   them reported; only if none reported one may it propose its own.
//! - **Chosen**: a value is chosen once a majority of acceptors accepted it
//!   in one ballot.
//!
//! The acceptor's state must be durable (synced) before it answers: an
//! acceptor that forgets a promise or an acceptance after a crash breaks the
//! majority intersection every rule above relies on.

use super::ballot::Ballot;

/// Phase 1b: may an acceptor that promised `promised` promise `ballot`?
pub fn may_promise(promised: Ballot, ballot: Ballot) -> bool {
    ballot >= promised
}

/// Phase 2b: may an acceptor that promised `promised` accept a proposal in
/// `ballot`? (`check_promise` false is the `no-promise-check` bug.)
pub fn may_accept(promised: Ballot, ballot: Ballot, check_promise: bool) -> bool {
    !check_promise || ballot >= promised
}

/// How the proposer picks among the accepted proposals reported in phase 1.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueRule {
    /// The rule: the value of the highest-ballot proposal.
    HighestBallot,
    /// The `any-accepted-value` bug: the first proposal reported, whatever
    /// its ballot.
    FirstReported,
}

/// Phase 2a: the value the proposer must propose, given the accepted
/// proposals its majority of promises reported (in arrival order), or
/// `None` if none was reported and it is free to propose its own.
pub fn choose_value<'a, V>(
    reported: impl IntoIterator<Item = &'a (Ballot, V)>,
    rule: ValueRule,
) -> Option<&'a V>
where
    V: 'a,
{
    let mut reported = reported.into_iter();
    match rule {
        ValueRule::HighestBallot => reported
            .filter(|(b, _)| b.is_some())
            .max_by_key(|(b, _)| *b)
            .map(|(_, v)| v),
        ValueRule::FirstReported => reported.next().map(|(_, v)| v),
    }
}

/// True if `count` acceptors out of `nodes` are a majority.
pub fn is_majority(count: usize, nodes: u32) -> bool {
    count > nodes as usize / 2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::NodeId;

    fn b(round: u64, node: u32) -> Ballot {
        Ballot::new(round, NodeId(node))
    }

    #[test]
    fn an_acceptor_promises_only_ballots_at_least_its_promise() {
        assert!(may_promise(Ballot::ZERO, b(1, 0)));
        assert!(may_promise(b(1, 0), b(1, 0)), "a duplicate prepare");
        assert!(may_promise(b(1, 0), b(1, 2)));
        assert!(!may_promise(b(2, 0), b(1, 2)));
    }

    #[test]
    fn an_acceptor_accepts_only_ballots_at_least_its_promise() {
        assert!(may_accept(b(2, 1), b(2, 1), true));
        assert!(may_accept(b(2, 1), b(3, 0), true));
        assert!(!may_accept(b(2, 1), b(1, 4), true));
        assert!(may_accept(b(2, 1), b(1, 4), false), "the bug");
    }

    #[test]
    fn the_proposer_takes_the_highest_ballot_value() {
        let reported = [(b(1, 0), "a"), (b(3, 1), "c"), (b(2, 2), "b")];
        assert_eq!(
            choose_value(&reported, ValueRule::HighestBallot),
            Some(&"c")
        );
        assert_eq!(
            choose_value(&reported, ValueRule::FirstReported),
            Some(&"a")
        );
        let none: [(Ballot, &str); 0] = [];
        assert_eq!(choose_value(&none, ValueRule::HighestBallot), None);
    }

    #[test]
    fn a_majority_is_more_than_half() {
        assert!(!is_majority(1, 3));
        assert!(is_majority(2, 3));
        assert!(!is_majority(2, 4));
        assert!(is_majority(3, 5));
    }
}
