//! Log compaction: a checkpoint of the applied key-value state, and
//! catch-up from it for a node too far behind.
//!
//! Every `snapshot_every` applied slots (Multi-Paxos only) a node stores a
//! [`Checkpoint`] — the state machine (data and client sessions) after
//! applying slots `1..=index` — under the key `checkpoint`, and forgets
//! every slot at or below `index`: the learner's `chosen/<slot>` entries
//! and the acceptor's `accepted/<slot>` ones, in storage (one sync with
//! the checkpoint, so a crash keeps both or neither) and in memory.
//!
//! Forgetting an acceptance is safe only because the slot is chosen and
//! this node applied it: whoever asks about such a slot gets the
//! checkpoint instead of the acceptance.
//!
//! - A `Prepare` from a slot at or below the acceptor's checkpoint is
//!   promised with the checkpoint attached; the candidate installs it
//!   before it counts the promise, so a leader never re-proposes (or fills
//!   with a no-op) a slot some acceptor of its majority has forgotten.
//!   Above the highest checkpoint of its majority every member reported
//!   its acceptances, as without compaction.
//! - An `Accept` for a forgotten slot is not accepted (the acceptor cannot
//!   compare it with what it accepted there); the acceptor answers with its
//!   checkpoint, and the proposer, behind, catches up from it.
//! - A follower whose applied prefix is below the leader's checkpoint gets
//!   the checkpoint (`Msg::Checkpoint`) in place of the decided slots the
//!   leader no longer holds, as Raft's InstallSnapshot.

use super::lab::{accepted_key, slot_key};
use super::{Mode, Paxos};
use crate::protocols::replicated_kv::Kv;
use crate::sim::{Ctx, Reply};
use serde::{Deserialize, Serialize};

/// Storage key of the node's checkpoint.
pub const CHECKPOINT_KEY: &str = "checkpoint";

/// The state machine after applying every slot through `index`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The last slot included.
    pub index: u64,
    /// The key-value state and client sessions after slot `index`.
    pub kv: Kv,
}

impl Paxos {
    /// Every slot through here is covered by the checkpoint and forgotten
    /// (0: none).
    pub fn compacted_through(&self) -> u64 {
        self.checkpoint.as_ref().map_or(0, |c| c.index)
    }

    /// The checkpoint to hand a node that asks about `slot`, if this node
    /// has forgotten that slot.
    pub(super) fn checkpoint_covering(&self, slot: u64) -> Option<Box<Checkpoint>> {
        self.checkpoint
            .as_ref()
            .filter(|c| slot <= c.index)
            .map(|c| Box::new(c.clone()))
    }

    /// Take a checkpoint once `snapshot_every` slots were applied since
    /// the last one.
    pub(super) fn maybe_checkpoint(&mut self, ctx: &mut Ctx<Self>) {
        let every = self.params.snapshot_every;
        if every == 0 || self.params.mode != Mode::Multi {
            return;
        }
        if self.applied < self.compacted_through().saturating_add(every) {
            return;
        }
        let checkpoint = Checkpoint {
            index: self.applied,
            kv: self.kv.clone(),
        };
        ctx.log(format!("checkpoint through slot {}", checkpoint.index));
        self.keep_checkpoint(ctx, checkpoint);
    }

    /// Make `checkpoint` this node's (durably) and forget the slots it
    /// covers.
    fn keep_checkpoint(&mut self, ctx: &mut Ctx<Self>, checkpoint: Checkpoint) {
        let index = checkpoint.index;
        let storage = ctx.storage();
        if let Ok(text) = serde_json::to_string(&checkpoint) {
            storage.put(CHECKPOINT_KEY, &text);
        }
        let keep_chosen = self.chosen.split_off(&(index + 1));
        for slot in std::mem::replace(&mut self.chosen, keep_chosen).into_keys() {
            storage.remove(&slot_key("chosen", slot));
        }
        let keep_accepted = self.accepted.split_off(&(index + 1));
        for slot in std::mem::replace(&mut self.accepted, keep_accepted).into_keys() {
            storage.remove(&accepted_key(slot));
        }
        self.dirty = true;
        self.checkpoint = Some(checkpoint);
    }

    /// Catch up from another node's checkpoint: if it is ahead of the
    /// applied prefix, take its state, forget the slots it covers and
    /// apply what follows it.
    pub(super) fn install_checkpoint(&mut self, ctx: &mut Ctx<Self>, checkpoint: Checkpoint) {
        let index = checkpoint.index;
        if index <= self.applied || self.params.mode != Mode::Multi {
            return;
        }
        ctx.log(format!(
            "caught up from a checkpoint: applied {} → {index}",
            self.applied
        ));
        self.kv = checkpoint.kv.clone();
        self.applied = index;
        self.next_slot = self.next_slot.max(index + 1);
        self.proposals = self.proposals.split_off(&(index + 1));
        let keep_waiting = self.waiting.split_off(&(index + 1));
        for (_, (client, id)) in std::mem::replace(&mut self.waiting, keep_waiting) {
            // Its command may be in the checkpoint or not: the client asks
            // again with the same id, and its session answers a duplicate.
            ctx.reply_to(client, id, Reply::Redirect(None));
        }
        self.keep_checkpoint(ctx, checkpoint);
        self.apply_chosen(ctx);
    }

    /// At a restart: the stored checkpoint, if any, becomes the applied
    /// state; stored slots it covers are dropped.
    pub(super) fn recover_checkpoint(&mut self, ctx: &mut Ctx<Self>) {
        let stored = ctx.storage().get::<String>(CHECKPOINT_KEY);
        let Some(Ok(checkpoint)) = stored.map(|t| serde_json::from_str::<Checkpoint>(&t)) else {
            return;
        };
        let index = checkpoint.index;
        self.kv = checkpoint.kv.clone();
        self.applied = index;
        // A student's storage keys are not removed with the reference's.
        self.accepted = self.accepted.split_off(&(index + 1));
        self.chosen = self.chosen.split_off(&(index + 1));
        self.checkpoint = Some(checkpoint);
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::engine::BuildOptions;
    use crate::sim::{NodeId, SimTime, Verdict};

    /// Five nodes checkpoint every 4 slots; n4 is down while the others
    /// run far past its applied prefix, restarts, and catches up from a
    /// checkpoint; every node forgets the slots its checkpoint covers, in
    /// memory and in storage; every check passes.
    #[test]
    fn a_node_behind_the_checkpoint_catches_up_from_it() {
        let text = r#"
name = "checkpoint"
description = "n4 misses many slots and catches up from a checkpoint."
nodes = 5
seed = 3
duration = "4s"
[protocol]
name = "paxos"
snapshot_every = 4
[network]
latency = { kind = "uniform", min = "1ms", max = "10ms" }
[workload]
kind = "kv"
clients = 2
rate = "40/s"
[[faults]]
at = "300ms"
crash = 4
[[faults]]
at = "2500ms"
restart = 4
[check]
history = "linearizable"
"#;
        let scenario =
            crate::scenario::parse("checkpoint.toml", text, &Default::default()).expect("scenario");
        let mut s = super::super::scenario::configured(&scenario, &BuildOptions::default())
            .expect("builds")
            .build();
        s.run_until(SimTime::from_millis(2400));
        let ahead = s.node(NodeId(0)).expect("n0 up").applied;
        assert!(ahead > 20, "n0 applied only {ahead}");
        s.run_until(SimTime::from_millis(3000));
        let behind = s.node(NodeId(4)).expect("n4 restarted");
        assert!(behind.applied >= ahead, "n4 applied {}", behind.applied);
        for (id, n) in s.live_nodes() {
            let through = n.compacted_through();
            assert!(through >= 4, "{id} never checkpointed");
            assert!(n.chosen.keys().all(|s| *s > through), "{id}");
            assert!(n.accepted.keys().all(|s| *s > through), "{id}");
            let storage = &s.slots()[id.0 as usize].storage;
            let slots =
                |prefix| super::super::lab::load_slots::<serde_json::Value>(storage, prefix);
            assert!(slots("chosen").iter().all(|(s, _)| *s > through), "{id}");
            assert!(slots("accepted").iter().all(|(s, _)| *s > through), "{id}");
            assert!(storage.contains(super::CHECKPOINT_KEY), "{id}");
        }
        let report = s.run();
        assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
    }
}
