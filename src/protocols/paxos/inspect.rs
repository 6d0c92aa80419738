//! What the inspector shows of a Multi-Paxos node, by the roles of the
//! paper ("Paxos Made Simple"): the acceptor's promise and accepted
//! proposals per slot (newest in sight), the proposer's ballot, promises
//! and proposals in flight, the learner's chosen slots and applied index;
//! timers as local-clock times, parameters folded last. Messages name
//! their phase (1a Prepare, 1b Promise, 2a Accept, 2b Accepted) and write
//! ballots `b3.n1` (round 3 of proposer n1), slots `s4`.

use super::ballot::Ballot;
use super::{Msg, Paxos, Role};
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
        let mut view = view
            .section("learner")
            .field("chosen", Item::list_last(chosen))
            .field("applied", self.applied);
        if let Some(checkpoint) = &self.checkpoint {
            view = view.field("checkpoint", checkpoint.index);
        }
        view.field(
            "data",
            Item::list(
                self.kv
                    .data
                    .iter()
                    .map(|(key, value)| (key.clone(), Item::text(value.to_string()))),
            ),
        )
        .section("timers (local clock)")
        .field("electionDeadline", self.election_deadline)
        .params(&*self.params)
    }
}

/// A ballot as the summaries write it: `b3.n1` (round 3 of proposer n1),
/// `b-` for none.
fn ballot(b: Ballot) -> String {
    format!("b{b}")
}

/// A message in one line: `Prepare b3.n1 from s4`, `Promise b3.n1 +2
/// accepted`, `Accept b3.n1 s4 c0#2 put x 1`, `Accepted b3.n1 s4`.
pub(super) fn message_summary(message: &Msg) -> String {
    match message {
        Msg::Prepare {
            ballot: b,
            from_slot,
        } => {
            format!("Prepare {} from s{from_slot}", ballot(*b))
        }
        Msg::Promise {
            ballot: b,
            accepted,
            checkpoint,
        } => {
            let mut line = format!("Promise {}", ballot(*b));
            if let Some(c) = checkpoint {
                line.push_str(&format!(" checkpoint≤s{}", c.index));
            }
            if !accepted.is_empty() {
                line.push_str(&format!(" +{} accepted", accepted.len()));
            }
            line
        }
        Msg::Checkpoint { checkpoint } => format!("Checkpoint ≤s{}", checkpoint.index),
        Msg::Accept {
            ballot: b,
            slot,
            command,
        } => format!("Accept {} s{slot} {command}", ballot(*b)),
        Msg::Accepted { ballot: b, slot } => format!("Accepted {} s{slot}", ballot(*b)),
        Msg::Nack {
            ballot: b,
            promised,
        } => {
            format!("Nack {} (promised {})", ballot(*b), ballot(*promised))
        }
        Msg::Decided { entries } => match (entries.first(), entries.last()) {
            (Some((first, _)), Some((last, _))) if first != last => {
                format!("Decided s{first}..s{last} ({} slots)", entries.len())
            }
            (Some((slot, command)), _) => format!("Decided s{slot} {command}"),
            _ => "Decided nothing".into(),
        },
        Msg::Heartbeat {
            ballot: b,
            chosen_through,
        } => format!("Heartbeat {} chosen≤s{chosen_through}", ballot(*b)),
        Msg::HeartbeatReply { ballot: b, applied } => {
            format!("HeartbeatReply {} applied≤s{applied}", ballot(*b))
        }
    }
}

/// A message's labelled view, with the phase names of the paper.
pub(super) fn message_view(message: &Msg) -> View {
    let view = View::new();
    match message {
        Msg::Prepare {
            ballot: b,
            from_slot,
        } => view
            .section("Prepare (phase 1a)")
            .field("ballot", ballot(*b))
            .field("fromSlot", *from_slot),
        Msg::Promise {
            ballot: b,
            accepted,
            checkpoint,
        } => view
            .section("Promise (phase 1b)")
            .field("ballot", ballot(*b))
            .field("checkpoint", checkpoint.as_ref().map(|c| c.index))
            .field(
                "accepted",
                Item::list_last(accepted.iter().map(|(slot, a, command)| {
                    (
                        format!("s{slot}"),
                        Item::text(format!("{} {command}", ballot(*a))),
                    )
                })),
            ),
        Msg::Accept {
            ballot: b,
            slot,
            command,
        } => view
            .section("Accept (phase 2a)")
            .field("ballot", ballot(*b))
            .field("slot", *slot)
            .field("command", command.to_string()),
        Msg::Accepted { ballot: b, slot } => view
            .section("Accepted (phase 2b)")
            .field("ballot", ballot(*b))
            .field("slot", *slot),
        Msg::Nack {
            ballot: b,
            promised,
        } => view
            .section("Nack (refused)")
            .field("ballot", ballot(*b))
            .field("promised", ballot(*promised)),
        Msg::Decided { entries } => view.section("Decided (learners)").field(
            "chosen",
            Item::list_last(
                entries
                    .iter()
                    .map(|(slot, command)| (format!("s{slot}"), Item::text(command.to_string()))),
            ),
        ),
        Msg::Checkpoint { checkpoint } => view
            .section("Checkpoint (catch-up)")
            .field("through", checkpoint.index)
            .field("keys", checkpoint.kv.data.len())
            .field("sessions", checkpoint.kv.sessions.len()),
        Msg::Heartbeat {
            ballot: b,
            chosen_through,
        } => view
            .section("Heartbeat")
            .field("ballot", ballot(*b))
            .field("chosenThrough", *chosen_through),
        Msg::HeartbeatReply { ballot: b, applied } => view
            .section("Heartbeat reply")
            .field("ballot", ballot(*b))
            .field("applied", *applied),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::NodeId;

    #[test]
    fn ballots_and_slots_read_as_the_doc_writes_them() {
        let b = Ballot::new(3, NodeId(1));
        let prepare = Msg::Prepare {
            ballot: b,
            from_slot: 4,
        };
        assert_eq!(message_summary(&prepare), "Prepare b3.n1 from s4");
        let nack = Msg::Nack {
            ballot: b,
            promised: Ballot::new(4, NodeId(2)),
        };
        assert_eq!(message_summary(&nack), "Nack b3.n1 (promised b4.n2)");
        let accepted = Msg::Accepted { ballot: b, slot: 4 };
        assert_eq!(message_summary(&accepted), "Accepted b3.n1 s4");
        assert_eq!(
            message_view(&accepted).sections[0].title,
            "Accepted (phase 2b)"
        );
    }
}
