//! A restart probe for checks: what a node would come back with if it
//! crashed now. The probe builds a fresh node, hands it a copy of the
//! node's storage as a crash leaves it (unsynced writes dropped when the
//! run loses them) and runs its `on_start` — on a thread of its own, so
//! that state a node keeps outside the simulation (a `thread_local`)
//! instead of in storage is not there to reload. Its sends and timers go
//! nowhere; the run is untouched (the probe's storage and random stream
//! are copies).

use super::ids::NodeId;
use super::node::{Ctx, Node};
use super::panics::catch_panic;
use super::world::Sim;

impl<N: Node> Sim<N> {
    /// Restart a copy of node `id` (built by `make`) from its storage on a
    /// fresh thread and return what `read` sees of it once `on_start` has
    /// run; `Err` with the panic if `make`, `on_start` or `read` panicked.
    pub fn restart_probe<R: Send>(
        &self,
        id: NodeId,
        make: impl FnOnce() -> N + Send,
        read: impl FnOnce(&N) -> R + Send,
    ) -> Result<R, String> {
        let slot = &self.nodes[id.index()];
        let mut storage = slot.storage.clone();
        storage.crash(self.settings.lose_unsynced);
        let mut rng = slot.rng.clone();
        let nodes = self.settings.nodes;
        let local_now = slot.clock.local(self.now);
        // allow-nondeterminism: a scoped thread joined at once, over copies (see the module doc)
        std::thread::scope(|scope| {
            let probe = scope.spawn(move || {
                catch_panic(
                    || format!("{id}'s on_start (a restart probe)"),
                    move || {
                        let mut node = make();
                        let mut effects = Vec::new();
                        let mut next_timer = 0;
                        let mut ctx = Ctx {
                            id,
                            nodes,
                            local_now,
                            rng: &mut rng,
                            storage: &mut storage,
                            effects: &mut effects,
                            next_timer: &mut next_timer,
                            clock_read: Default::default(),
                        };
                        node.on_start(&mut ctx);
                        read(&node)
                    },
                )
                .map_err(|panic| panic.to_string())
            });
            probe
                .join()
                .unwrap_or_else(|_| Err(format!("{id}'s restart probe panicked")))
        })
    }
}
