//! What the inspector shows of a Multi-Paxos node, by the roles of the
//! paper ("Paxos Made Simple"): the acceptor's promise and accepted
//! proposals per slot (newest in sight), the proposer's ballot, promises
//! and proposals in flight, the learner's chosen slots and applied index;
//! timers as local-clock times, parameters folded last.

use super::{Paxos, Role};
use crate::base::inspect::{Item, View};

impl Paxos {
    /// The node's labelled view ([`crate::sim::Node::inspect`]).
    pub(super) fn view(&self) -> View {
        let accepted = self.accepted.iter().map(|(slot, (ballot, command))| {
            (slot.to_string(), Item::text(format!("{ballot} {command}")))
        });
        let chosen = self
            .chosen
            .iter()
            .map(|(slot, command)| (slot.to_string(), Item::text(command.to_string())));
        let proposals = self.proposals.iter().map(|(slot, p)| {
            let by: Vec<String> = p.accepted_by.iter().map(|n| n.to_string()).collect();
            (
                slot.to_string(),
                Item::text(format!("{} accepted by [{}]", p.command, by.join(" "))),
            )
        });
        let mut view = View::new()
            .field("role", format!("{:?}", self.role).to_lowercase())
            .field("leader", self.leader)
            .section("acceptor")
            .field("promised", self.promised.to_string())
            .field("accepted", Item::list_last(accepted))
            .section("proposer")
            .field("ballot", self.ballot.to_string())
            .field("round", self.round)
            .field("nextSlot", self.next_slot);
        if self.role != Role::Follower {
            let promises = self
                .promises
                .iter()
                .map(|(node, reports)| (node.to_string(), Item::from(reports.len())));
            view = view
                .field("promises", Item::list(promises))
                .field("proposals", Item::list(proposals))
                .field("preemptions", self.preemptions);
        }
        view.section("learner")
            .field("chosen", Item::list_last(chosen))
            .field("applied", self.applied)
            .field("data", Item::debug(&self.kv.data))
            .section("timers (local clock)")
            .field("electionDeadline", self.election_deadline)
            .params(&*self.params)
    }
}
