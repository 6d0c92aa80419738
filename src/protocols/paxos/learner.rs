//! The learner: chosen slots, applied in slot order to the key-value store;
//! the client waiting on a slot is answered when it applies.

use super::{Command, Mode, Paxos};
use crate::protocols::replicated_kv::Applied;
use crate::sim::{ClientId, Ctx, Reply};

impl Paxos {
    /// `slot` is chosen with `command` (told by the leader, or counted here
    /// as leader). Learned once; applied when every slot below it is.
    pub(super) fn learn(&mut self, ctx: &mut Ctx<Self>, slot: u64, command: Command) {
        if slot <= self.applied || self.chosen.contains_key(&slot) {
            return;
        }
        self.observed.learned.push((slot, command.digest()));
        self.save_chosen(ctx, slot, &command);
        self.chosen.insert(slot, command);
        if self.params.mode == Mode::SingleDecree {
            self.single_learned(ctx);
        }
        self.apply_chosen(ctx);
    }

    /// Apply every chosen slot that follows the applied prefix (then
    /// checkpoint if it is time).
    pub(super) fn apply_chosen(&mut self, ctx: &mut Ctx<Self>) {
        let before = self.applied;
        while let Some(command) = self.chosen.get(&(self.applied + 1)) {
            let slot = self.applied + 1;
            let (key, reply) = match command {
                Command::Client(c) => {
                    let applied = self.kv.apply(c, true);
                    let reply = match applied {
                        Applied::Fresh(r) | Applied::Duplicate(r) => Some(r),
                        Applied::Stale | Applied::Expired => None,
                    };
                    (Some((c.client, c.id)), reply)
                }
                Command::Noop | Command::Own(_) => (None, None),
            };
            self.applied = slot;
            self.answer(ctx, slot, key, reply);
        }
        if self.applied > before {
            self.maybe_checkpoint(ctx);
        }
    }

    /// The slot a client was waiting on applied: answer it, or send it
    /// round again if another command took the slot.
    fn answer(
        &mut self,
        ctx: &mut Ctx<Self>,
        slot: u64,
        key: Option<(ClientId, u64)>,
        reply: Option<Reply>,
    ) {
        let Some(waiting) = self.waiting.remove(&slot) else {
            return;
        };
        if Some(waiting) != key {
            ctx.reply_to(waiting.0, waiting.1, Reply::Redirect(None));
            return;
        }
        let Some(reply) = reply else {
            return;
        };
        if matches!(reply, Reply::Ok(_)) {
            self.observed.acked.push(slot);
        }
        ctx.reply_to(waiting.0, waiting.1, reply);
    }
}
