//! Client requests: redirect to the leader; the leader appends the request
//! and answers once its entry is applied. Reads go through the log too.

use super::kv::SESSION_EXPIRED;
use super::log::{ClientCommand, Command};
use super::{persist, reads, Bug, Raft, ReadMode, Role};
use crate::sim::{ClientId, Ctx, NodeId, Reply, Request};

impl Raft {
    /// A client request arrived.
    pub(super) fn handle_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        if self.role != Role::Leader {
            match self.leader.filter(|l| *l != self.id) {
                Some(leader) => ctx.reply(&request, Reply::Redirect(Some(leader))),
                // No leader known (an election is on): hold the request until
                // one is, rather than send the client round in circles.
                None => self.held.push((request, ctx.now())),
            }
            return;
        }
        if self.transfer.is_some() {
            // Handing leadership over (transfer.rs): held, then redirected
            // to the new leader (or served if the transfer is abandoned).
            self.held.push((request, ctx.now()));
            return;
        }
        let key = (request.client, request.id);
        if !self.params.has(Bug::NoDedup) {
            // Already applied (a retry after a redirect): the cached result.
            match self.kv.lookup(request.client, request.id) {
                Some(Some(result)) => {
                    let result = result.clone();
                    ctx.reply(&request, result);
                    return;
                }
                Some(None) => return, // the client has moved on
                None => {}
            }
            if self.waiting.values().any(|w| *w == key) {
                return; // already in the log here; answered when applied
            }
            // Its session expired after the request was applied (its result
            // is gone): not appended again; the outcome is unknown.
            match self.kv.expired.get(&request.client) {
                Some(&last) if request.id == last => {
                    let why = format!("{SESSION_EXPIRED}; the request may have been applied");
                    ctx.reply(&request, Reply::Unknown(why));
                    return;
                }
                Some(&last) if request.id < last => return,
                _ => {}
            }
        }
        if self.params.read_mode != ReadMode::Log && reads::is_read(&request.op) {
            self.handle_read(ctx, request);
            return;
        }
        let command = Command::Client(ClientCommand {
            client: request.client,
            id: request.id,
            op: request.op,
        });
        let stamp = self.stamp(ctx);
        let index = self.log.append_stamped(self.term, command, stamp);
        persist::save_entries(ctx.storage(), &self.log, index);
        self.dirty = true;
        self.waiting.insert(index, key);
        self.broadcast_append(ctx);
        self.advance_commit(ctx);
        if self.params.has(Bug::ApplyBeforeCommit) {
            self.apply_committed(ctx);
        }
    }

    /// The entry at `index` (a command of client request `key`) was applied
    /// with `reply`: answer the client waiting on that index, if any.
    pub(super) fn answer(
        &mut self,
        ctx: &mut Ctx<Self>,
        index: u64,
        key: (ClientId, u64),
        reply: Option<Reply>,
    ) {
        let Some(waiting) = self.waiting.remove(&index) else {
            return;
        };
        if waiting != key {
            // Another leader's entry replaced ours: the request may still be
            // elsewhere in the log; the client retries the same id.
            ctx.reply_to(waiting.0, waiting.1, Reply::Redirect(None));
            return;
        }
        let Some(reply) = reply else {
            return;
        };
        if matches!(reply, Reply::Ok(_)) {
            let hash = self.log.hash_at(index).unwrap_or(self.applied_hash);
            self.acked.push((index, hash));
        }
        ctx.reply_to(key.0, key.1, reply);
    }

    /// A leader stepping down: its waiting clients retry elsewhere (the same
    /// request id, so a copy already in the log is not applied twice).
    pub(super) fn redirect_waiting(&mut self, ctx: &mut Ctx<Self>, hint: Option<NodeId>) {
        for (_, (client, id)) in std::mem::take(&mut self.waiting) {
            ctx.reply_to(client, id, Reply::Redirect(hint));
        }
    }

    /// Requests held while no leader was known: redirect them to the leader
    /// now known, or take them if this node is the leader.
    pub(super) fn release_held(&mut self, ctx: &mut Ctx<Self>) {
        if self.held.is_empty() {
            return;
        }
        let held = std::mem::take(&mut self.held);
        if self.role == Role::Leader {
            for (request, _) in held {
                self.handle_request(ctx, request);
            }
        } else if let Some(leader) = self.leader {
            for (request, _) in held {
                ctx.reply(&request, Reply::Redirect(Some(leader)));
            }
        } else {
            self.held = held;
        }
    }

    /// Give up holding requests older than the longest election timeout:
    /// the client tries another node.
    pub(super) fn expire_held(&mut self, ctx: &mut Ctx<Self>) {
        let now = ctx.now();
        let limit = self.params.election_timeout.1;
        let (old, young): (Vec<_>, Vec<_>) = std::mem::take(&mut self.held)
            .into_iter()
            .partition(|(_, since)| now >= since.saturating_add(limit));
        self.held = young;
        for (request, _) in old {
            ctx.reply(&request, Reply::Redirect(None));
        }
    }
}
