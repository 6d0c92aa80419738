//! The registry (`n0`): registrations by heartbeat, the TTL, flap damping,
//! active health checks, and the wait after a restart.

use super::{Bug, Msg, Params, SdNode, Timer};
use crate::sim::{Ctx, NodeId, SimTime};
use std::collections::BTreeMap;

/// What the registry knows of one instance (soft state: lost on a crash).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Registration {
    /// Registry clock at its last heartbeat.
    pub last_heard: SimTime,
    /// Heartbeats in a row, each within `ttl` of the one before.
    pub streak: u32,
    /// Health checks missed in a row.
    pub missed: u32,
    /// The last health-check round it answered.
    pub answered: u64,
}

/// The registry's state.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    /// Every instance that ever heartbeat since the registry started.
    pub registrations: BTreeMap<NodeId, Registration>,
    /// No lookup is answered before this (registry clock): set one `ttl`
    /// after a restart.
    pub answering_from: SimTime,
    /// The current health-check round (0 before the first).
    pub round: u64,
    /// The list it answered last, to log changes.
    pub last_answer: Vec<NodeId>,
    /// Lookups answered since it last started.
    pub lookups: u64,
}

impl Registry {
    pub(super) fn on_start(&mut self, params: &Params, ctx: &mut Ctx<SdNode>) {
        let restarted: bool = ctx.storage().get("started").unwrap_or(false);
        if restarted {
            self.answering_from = ctx.now() + params.ttl;
            ctx.log(format!(
                "restarted knowing no instance: no lookup answered until {}",
                self.answering_from
            ));
        } else {
            ctx.storage().put("started", &true);
            ctx.storage().sync();
        }
        if params.health_check > SimTime::ZERO {
            ctx.set_timer(params.health_check, Timer::HealthCheck);
        }
    }

    pub(super) fn on_message(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<SdNode>,
        from: NodeId,
        msg: Msg,
    ) {
        match msg {
            Msg::Heartbeat if params.is_instance(from) => self.on_heartbeat(params, ctx, from),
            Msg::Lookup => self.on_lookup(params, ctx, from),
            Msg::Pong { round } => {
                if let Some(r) = self.registrations.get_mut(&from) {
                    if round == self.round {
                        r.answered = round;
                        r.missed = 0;
                    }
                }
            }
            other => ctx.log(format!("ignored {other:?} from {from}")),
        }
    }

    /// A heartbeat registers (or keeps registered) its sender. The streak
    /// counts heartbeats in a row, each within `ttl` of the one before: an
    /// instance that expired starts again at one (flap damping: it is
    /// listed once the streak reaches `healthy_after`).
    pub fn on_heartbeat(&mut self, params: &Params, ctx: &mut Ctx<SdNode>, from: NodeId) {
        let now = ctx.now();
        let r = self.registrations.entry(from).or_default();
        let fresh = r.streak > 0 && now.saturating_sub(r.last_heard) <= params.ttl;
        if !fresh {
            ctx.log(format!("{from} registers"));
        }
        r.streak = if fresh { r.streak.saturating_add(1) } else { 1 };
        r.last_heard = now;
    }

    /// The instances listed at registry time `now`: heard within `ttl`
    /// (the `no-expiry` bug drops this), a streak of `healthy_after`
    /// heartbeats, and (with health checks) fewer than `unhealthy_after`
    /// checks missed in a row. In id order.
    pub fn listed(&self, params: &Params, now: SimTime) -> Vec<NodeId> {
        let checks = params.health_check > SimTime::ZERO;
        self.registrations
            .iter()
            .filter(|(_, r)| {
                let alive =
                    params.has(Bug::NoExpiry) || now.saturating_sub(r.last_heard) <= params.ttl;
                let damped = r.streak >= params.healthy_after;
                let healthy = !checks || r.missed < params.unhealthy_after;
                alive && damped && healthy
            })
            .map(|(id, _)| *id)
            .collect()
    }

    /// Answer a lookup with the listed instances — unless the registry
    /// restarted less than a `ttl` ago: it would answer with the few
    /// instances that happened to heartbeat since, and callers would
    /// believe it.
    pub fn on_lookup(&mut self, params: &Params, ctx: &mut Ctx<SdNode>, from: NodeId) {
        let now = ctx.now();
        if now < self.answering_from {
            return;
        }
        let instances = self.listed(params, now);
        if instances != self.last_answer {
            ctx.log(format!("lists {}", names(&instances)));
            self.last_answer = instances.clone();
        }
        self.lookups += 1;
        ctx.send(from, Msg::Instances { instances });
    }

    /// Judge the round that ends (a registered instance that did not
    /// answer missed one more check) and ping every registered instance.
    pub fn on_health_timer(&mut self, params: &Params, ctx: &mut Ctx<SdNode>) {
        let round = self.round;
        for (id, r) in &mut self.registrations {
            if round > 0 && r.answered < round {
                r.missed = r.missed.saturating_add(1);
                if r.missed == params.unhealthy_after {
                    ctx.log(format!("{id} failed {} health checks", r.missed));
                }
            }
        }
        self.round += 1;
        let round = self.round;
        let now = ctx.now();
        // Ping only instances heard from lately: one gone for good is
        // expired by the TTL anyway.
        let targets: Vec<NodeId> = self
            .registrations
            .iter()
            .filter(|(_, r)| now.saturating_sub(r.last_heard) <= params.ttl)
            .map(|(id, _)| *id)
            .collect();
        for id in targets {
            ctx.send(id, Msg::Ping { round });
        }
        ctx.set_timer(params.health_check, Timer::HealthCheck);
    }

    pub(super) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<SdNode>, timer: Timer) {
        if let Timer::HealthCheck = timer {
            self.on_health_timer(params, ctx);
        }
    }

    /// One line for the TUI.
    pub fn summary(&self) -> String {
        format!(
            "registry: {} registered, lists {}",
            self.registrations.len(),
            names(&self.last_answer)
        )
    }
}

/// `[n1, n3]`.
pub(super) fn names(ids: &[NodeId]) -> String {
    let names: Vec<String> = ids.iter().map(|id| id.to_string()).collect();
    format!("[{}]", names.join(", "))
}
