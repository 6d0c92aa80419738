//! Log compaction (§7): snapshots every `snapshot_every` applied entries, and
//! InstallSnapshot for a follower that needs entries the leader dropped.

use super::log::Log;
use super::persist::{self, Snapshot};
use super::{Bug, Msg, Raft, Role};
use crate::sim::{Ctx, NodeId, SimTime};

impl Raft {
    /// Snapshot the state machine at the applied index once
    /// `snapshot_every` entries were applied since the last snapshot; then
    /// drop the log up to the snapshot — on a leader, no further than the
    /// compaction point ([`Raft::compaction_point`]), so the log may keep a
    /// tail behind its snapshot for a follower that still needs it.
    pub(super) fn maybe_snapshot(&mut self, ctx: &mut Ctx<Self>) {
        let every = self.params.snapshot_every;
        if every == 0 {
            return;
        }
        let last = self.snapshot.as_ref().map_or(0, |s| s.index);
        let index = self.applied;
        if index <= self.commit && index >= last.max(self.log.base_index()) + every {
            if let Some(term) = self.log.term_at(index) {
                let snapshot = Snapshot {
                    index,
                    term,
                    hash: self.applied_hash,
                    kv: self.kv.clone(),
                    config: self.snapshot_config(index),
                };
                persist::save_snapshot(ctx.storage(), &snapshot);
                self.dirty = true;
                self.snapshot = Some(snapshot);
                ctx.log(format!("snapshot through {index}"));
            }
        }
        self.trim_log(ctx);
    }

    /// Drop the log through the snapshot's index, or only through the
    /// compaction point if that is lower (durably).
    fn trim_log(&mut self, ctx: &mut Ctx<Self>) {
        let Some(snapshot) = &self.snapshot else {
            return;
        };
        let base = self.log.base_index();
        let to = snapshot.index.min(self.compaction_point(ctx.now()));
        if to <= base {
            return;
        }
        self.log.compact(to);
        persist::remove_entries(ctx.storage(), base + 1, to);
        self.dirty = true;
    }

    /// How far the log may be dropped: the applied index — on a leader
    /// with `snapshot_hold`, no further than the match index of any
    /// follower it heard from within `snapshot_hold` whose match index is
    /// still in the log (one already behind the log needs the snapshot
    /// anyway). So a live follower a few entries behind gets those entries,
    /// not a snapshot; one that fell silent (cut off, crashed) holds
    /// nothing back once `snapshot_hold` passed, which bounds the tail kept
    /// for it.
    pub(super) fn compaction_point(&self, now: SimTime) -> u64 {
        let hold = self.params.snapshot_hold;
        let ignore = self.params.has(Bug::CompactPastFollowers);
        if self.role != Role::Leader || hold == SimTime::ZERO || ignore {
            return self.applied;
        }
        let base = self.log.base_index();
        self.progress
            .values()
            .filter(|p| p.matched >= base && now.saturating_sub(p.last_heard) <= hold)
            .map(|p| p.matched)
            .fold(self.applied, u64::min)
    }

    /// InstallSnapshot: replace the state machine, keep the log suffix if it
    /// matches the snapshot's last entry, discard the log otherwise.
    pub(super) fn on_install_snapshot(
        &mut self,
        ctx: &mut Ctx<Self>,
        from: NodeId,
        term: u64,
        snapshot: Snapshot,
    ) {
        if term < self.term {
            let term = self.term;
            ctx.send(
                from,
                Msg::SnapshotReply {
                    term,
                    match_index: 0,
                },
            );
            return;
        }
        self.follow(ctx, from, term);
        let index = snapshot.index;
        if index <= self.log.last_index() + self.params.max_entries as u64 {
            self.sent.near_snapshots += 1;
        }
        if index > self.commit {
            self.install(ctx, snapshot);
            self.snapshots_installed += 1;
            ctx.log(format!("installed snapshot through {index} from {from}"));
        }
        // Committed entries match the leader's, so the log matches through
        // the snapshot's index either way.
        let term = self.term;
        let msg = Msg::SnapshotReply {
            term,
            match_index: index,
        };
        ctx.send(from, msg);
    }

    /// Replace log prefix and state machine by `snapshot` (durably).
    pub(super) fn install(&mut self, ctx: &mut Ctx<Self>, snapshot: Snapshot) {
        let (base, last) = (self.log.base_index(), self.log.last_index());
        let index = snapshot.index;
        if self.log.term_at(index) == Some(snapshot.term) {
            self.log.compact(index);
            persist::remove_entries(ctx.storage(), base + 1, index);
        } else {
            self.log = Log::after_snapshot(index, snapshot.term, snapshot.hash);
            persist::remove_entries(ctx.storage(), base + 1, last);
        }
        self.kv = snapshot.kv.clone();
        self.applied = index;
        self.applied_hash = snapshot.hash;
        self.commit = index;
        persist::save_commit(ctx.storage(), index);
        persist::save_snapshot(ctx.storage(), &snapshot);
        self.snapshot = Some(snapshot);
        self.dirty = true;
    }
}
