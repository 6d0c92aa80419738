//! A shard server: serves the keys it owns and has, redirects the others,
//! and moves keys when the configuration changes.
//!
//! Migration into configuration `c+1`, step by step (docs/protocols/sharding.md):
//!
//! 1. A server adopts `c+1` only when its migration into `c` is done (no
//!    handoff to send, none to wait for). From that moment it stops serving
//!    the keys it does not own in `c+1`.
//! 2. It takes those keys out of its store into one handoff per server of
//!    `c+1` (empty ones too), with all its client sessions, and stores the
//!    new configuration, the handoffs and what it waits for, synced, before
//!    anything is sent.
//! 3. It sends each handoff, again every `poll` until acknowledged.
//! 4. A server of `c+1` waits for a handoff from every server of `c`. It
//!    installs one (keys, sessions merged by the higher request id), syncs,
//!    and only then acknowledges it and serves those keys. A handoff for an
//!    older configuration, or one already installed, is acknowledged again.
//! 5. On an acknowledgement the sender deletes its copy (synced).

use super::{Bug, Config, Entry, Handoff, Msg, Role, Server, Shard, Timer, CONTROLLER};
use crate::check::history::Value;
use crate::protocols::replicated_kv::{Applied, ClientCommand, Session};
use crate::sim::{ClientId, Ctx, NodeId, Reply, Request, SimTime};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// The ghost lineage after a write `(client, id)` on top of `parent`.
fn next_lineage(parent: u64, client: ClientId, id: u64) -> u64 {
    let mut h = crate::base::hash::StableHasher::new();
    std::hash::Hash::hash(&(parent, client.0, id), &mut h);
    std::hash::Hasher::finish(&h) | 1
}

/// True for operations that change nothing.
fn is_read(f: &str) -> bool {
    matches!(f, "get" | "read")
}

impl Shard {
    fn server_mut(&mut self) -> &mut Server {
        match &mut self.role {
            Role::Server(s) => s,
            Role::Controller(_) => unreachable!("n0 is the controller"),
        }
    }

    /// Boot or restart: reload the configuration, the store, the sessions
    /// and the migration in progress; resend its handoffs.
    pub(super) fn server_start(&mut self, ctx: &mut Ctx<Self>) {
        let params = Arc::clone(&self.params);
        let (config, prev): (Config, Config) = ctx.storage().get("cfg").unwrap_or_default();
        let inbound: BTreeSet<NodeId> = ctx.storage().get("in").unwrap_or_default();
        let outbound: BTreeMap<NodeId, Handoff> = ctx.storage().get("out").unwrap_or_default();
        let mut data = Vec::new();
        for (key, value) in ctx.storage().entries_with_prefix("d/") {
            if let Ok(entry) = serde_json::from_value::<Entry>(value.clone()) {
                data.push((key["d/".len()..].to_string(), entry));
            }
        }
        let mut sessions = Vec::new();
        for (key, value) in ctx.storage().entries_with_prefix("s/") {
            let client = key["s/".len()..].parse::<u32>().ok();
            let session = serde_json::from_value::<Session>(value.clone()).ok();
            if let (Some(client), Some(session)) = (client, session) {
                sessions.push((ClientId(client), session));
            }
        }
        let s = self.server_mut();
        s.layout = Arc::new(params.layout(&config.servers));
        s.prev_layout = Arc::new(params.layout(&prev.servers));
        s.config = config;
        s.prev = prev;
        s.inbound = inbound;
        s.outbound = outbound;
        for (key, entry) in data {
            s.lineage.insert(key.clone(), entry.lineage);
            s.kv.data.insert(key, entry.value);
        }
        s.kv.sessions.extend(sessions);
        s.adopted_at = ctx.now();
        self.send_handoffs(ctx);
        self.query_next(ctx);
    }

    /// Every `poll`: ask for the next configuration when ready; resend the
    /// handoffs not acknowledged yet.
    pub(super) fn server_tick(&mut self, ctx: &mut Ctx<Self>) {
        self.query_next(ctx);
        self.send_handoffs(ctx);
    }

    fn query_next(&mut self, ctx: &mut Ctx<Self>) {
        let s = self.server_mut();
        if !s.migrating() {
            let num = s.config.num + 1;
            ctx.send(CONTROLLER, Msg::Query { num });
        }
    }

    fn send_handoffs(&mut self, ctx: &mut Ctx<Self>) {
        let s = self.server_mut();
        for (to, handoff) in &s.outbound {
            ctx.send(*to, Msg::Handoff(handoff.clone()));
        }
    }

    /// A configuration arrived: adopt it if it is the next one and no
    /// migration is under way (otherwise a later poll asks again).
    pub(super) fn on_config(&mut self, ctx: &mut Ctx<Self>, config: Config) {
        let Role::Server(s) = &self.role else {
            return;
        };
        if config.num != s.config.num + 1 || s.migrating() {
            return;
        }
        self.adopt(ctx, config);
    }

    /// Steps 1–3: adopt `config`, stop serving what moves, hand it over.
    fn adopt(&mut self, ctx: &mut Ctx<Self>, config: Config) {
        let params = Arc::clone(&self.params);
        let me = self.id;
        let layout = Arc::new(params.layout(&config.servers));
        let s = self.server_mut();
        let was_server = s.config.servers.contains(&me);
        let is_server = config.servers.contains(&me);
        s.prev = std::mem::replace(&mut s.config, config);
        s.prev_layout = std::mem::replace(&mut s.layout, layout);
        s.inbound = if is_server {
            s.prev
                .servers
                .iter()
                .copied()
                .filter(|n| *n != me)
                .collect()
        } else {
            BTreeSet::new()
        };
        s.outbound.clear();
        if was_server {
            let sessions: Vec<(ClientId, Session)> = if params.has(Bug::NoSessionTransfer) {
                Vec::new()
            } else {
                s.kv.sessions.iter().map(|(c, x)| (*c, x.clone())).collect()
            };
            for to in s.config.servers.iter().filter(|n| **n != me) {
                s.outbound.insert(
                    *to,
                    Handoff {
                        num: s.config.num,
                        data: Vec::new(),
                        sessions: sessions.clone(),
                    },
                );
            }
            let moving: Vec<String> =
                s.kv.data
                    .keys()
                    .filter(|k| s.layout.owner(k) != Some(me))
                    .cloned()
                    .collect();
            for key in moving {
                let value = s.kv.data.remove(&key).unwrap_or(Value::Nil);
                let lineage = s.lineage.remove(&key).unwrap_or(0);
                ctx.storage().remove(&format!("d/{key}"));
                if let Some(h) = s.layout.owner(&key).and_then(|o| s.outbound.get_mut(&o)) {
                    h.data.push((key, Entry { value, lineage }));
                }
            }
        }
        ctx.storage().put("cfg", &(&s.config, &s.prev));
        ctx.storage().put("in", &s.inbound);
        ctx.storage().put("out", &s.outbound);
        ctx.storage().sync();
        s.adopted_at = ctx.now();
        let moving: usize = s.outbound.values().map(|h| h.data.len()).sum();
        ctx.log(format!(
            "adopt configuration {}: {moving} keys out, waiting for {} handoffs",
            s.config,
            s.inbound.len()
        ));
        self.send_handoffs(ctx);
        self.maybe_done(ctx);
    }

    /// Step 4: install a handoff, sync, acknowledge.
    pub(super) fn on_handoff(&mut self, ctx: &mut Ctx<Self>, from: NodeId, handoff: Handoff) {
        let params = Arc::clone(&self.params);
        let Role::Server(s) = &mut self.role else {
            return;
        };
        let num = handoff.num;
        if num > s.config.num {
            return; // not there yet: the sender tries again
        }
        if num < s.config.num || !s.inbound.contains(&from) {
            ctx.send(from, Msg::HandoffAck { num }); // installed before
            return;
        }
        let keys = handoff.data.len();
        for (key, entry) in handoff.data {
            ctx.storage().put(&format!("d/{key}"), &entry);
            s.lineage.insert(key.clone(), entry.lineage);
            s.kv.data.insert(key, entry.value);
        }
        for (client, session) in handoff.sessions {
            let newer =
                s.kv.sessions
                    .get(&client)
                    .is_none_or(|mine| session.last_id > mine.last_id);
            if newer {
                ctx.storage().put(&format!("s/{}", client.0), &session);
                s.kv.sessions.insert(client, session);
            }
        }
        s.inbound.remove(&from);
        ctx.storage().put("in", &s.inbound);
        if params.has(Bug::AckBeforeSync) {
            if !s.flush_armed {
                s.flush_armed = true;
                ctx.set_timer(
                    SimTime::from_nanos(params.poll.as_nanos() * 5),
                    Timer::Flush,
                );
            }
        } else {
            ctx.storage().sync();
        }
        ctx.log(format!("installed {keys} keys from {from} for #{num}"));
        ctx.send(from, Msg::HandoffAck { num });
        self.maybe_done(ctx);
        self.release_held(ctx);
    }

    /// Step 5: the receiver has the keys; forget them.
    pub(super) fn on_handoff_ack(&mut self, ctx: &mut Ctx<Self>, from: NodeId, num: u64) {
        let Role::Server(s) = &mut self.role else {
            return;
        };
        if num != s.config.num || s.outbound.remove(&from).is_none() {
            return;
        }
        ctx.storage().put("out", &s.outbound);
        ctx.storage().sync();
        self.maybe_done(ctx);
    }

    /// When nothing is left to send or wait for: note the migration's
    /// time, take the held requests, ask for the next configuration.
    fn maybe_done(&mut self, ctx: &mut Ctx<Self>) {
        let s = self.server_mut();
        if s.migrating() {
            return;
        }
        let took = ctx.now().saturating_sub(s.adopted_at);
        s.observed.migrations.push((s.config.num, took));
        self.release_held(ctx);
        self.query_next(ctx);
    }

    fn release_held(&mut self, ctx: &mut Ctx<Self>) {
        let held = std::mem::take(&mut self.server_mut().held);
        for request in held {
            self.handle_request(ctx, request);
        }
    }

    /// A client request: serve it, hold it (the key is ours but not here
    /// yet), or redirect it to the owner this server believes in.
    pub(super) fn handle_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let params = Arc::clone(&self.params);
        let me = self.id;
        let s = self.server_mut();
        let Some(key) = request.op.key.clone() else {
            ctx.reply(&request, Reply::Fail("sharding needs a key".into()));
            return;
        };
        if s.config.num == 0 {
            s.held.push(request);
            return;
        }
        if !s.serves(me, &key, &params) {
            match s.layout.owner(&key) {
                Some(owner) if owner == me => s.held.push(request),
                hint => {
                    s.redirects += 1;
                    ctx.reply(&request, Reply::Redirect(hint));
                }
            }
            return;
        }
        let command = ClientCommand {
            client: request.client,
            id: request.id,
            op: request.op.clone(),
        };
        s.served += 1;
        match s.kv.apply(&command, true) {
            Applied::Fresh(result) => {
                if !is_read(&command.op.f) {
                    // A write that left the key empty (a failed
                    // compare-and-set) still has a lineage: keep an
                    // explicit empty value so both move together.
                    s.kv.data.entry(key.clone()).or_insert(Value::Nil);
                    let parent = s.lineage.get(&key).copied().unwrap_or(0);
                    let lineage = next_lineage(parent, command.client, command.id);
                    s.lineage.insert(key.clone(), lineage);
                    s.observed.writes.push((key.clone(), parent, lineage));
                    s.observed.acked.push((key.clone(), lineage));
                    let value = s.kv.data.get(&key).cloned().unwrap_or(Value::Nil);
                    ctx.storage()
                        .put(&format!("d/{key}"), &Entry { value, lineage });
                }
                if let Some(session) = s.kv.sessions.get(&command.client) {
                    ctx.storage()
                        .put(&format!("s/{}", command.client.0), session);
                }
                ctx.storage().sync();
                ctx.reply(&request, result);
            }
            Applied::Duplicate(result) => ctx.reply(&request, result),
            // Shard servers never expire sessions (no stamped entries), so
            // `Expired` cannot happen; like a stale request, nothing to do.
            Applied::Stale | Applied::Expired => {}
        }
    }
}
