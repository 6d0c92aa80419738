//! Client requests: followers redirect to the leader (as in Raft); the
//! leader gives each new command the next slot and answers once it applies.
//! Reads are commands too, so they are linearizable without leases.

use super::{Command, Mode, Paxos, Role};
use crate::protocols::replicated_kv::ClientCommand;
use crate::sim::{Ctx, Reply, Request};
use std::sync::Arc;

impl Paxos {
    /// A client request arrived.
    pub(super) fn handle_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        if self.params.mode == Mode::SingleDecree {
            let why = "single-decree mode decides one value and takes no client requests";
            ctx.reply(&request, Reply::Fail(why.into()));
            return;
        }
        if self.role != Role::Leader {
            match self.leader.filter(|l| *l != self.id) {
                Some(leader) => ctx.reply(&request, Reply::Redirect(Some(leader))),
                None => self.held.push((request, ctx.now())),
            }
            return;
        }
        let key = (request.client, request.id);
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
            return; // already proposed here; answered when applied
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        self.waiting.insert(slot, key);
        let command = Command::Client(Arc::new(ClientCommand {
            client: request.client,
            id: request.id,
            op: request.op,
        }));
        self.propose(ctx, slot, command);
    }

    /// Requests held while no leader was known: take them as leader, or
    /// redirect them to the leader now known.
    pub(super) fn release_held(&mut self, ctx: &mut Ctx<Self>) {
        if self.held.is_empty() {
            return;
        }
        let held = std::mem::take(&mut self.held);
        if self.role == Role::Leader {
            for (request, _) in held {
                self.handle_request(ctx, request);
            }
        } else if let Some(leader) = self.leader.filter(|l| *l != self.id) {
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
