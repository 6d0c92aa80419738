//! A lock service with leases, a storage service, and lock holders that
//! write to the storage under fencing tokens (Kleppmann, "How to do
//! distributed locking", 2016).
//!
//! Nodes: `n0` is the lock service, `n1` the storage service, `n2..` the
//! lock holders (at least two). The service is one node, not replicated: the
//! lesson is leases and fencing, and a lock service replicated on Raft moves
//! the single point of failure but leaves the fencing problem where it is.
//!
//! The rules, and where each lives:
//! - **Lease** ([`Service::on_acquire`]): the service grants the lock to one
//!   holder at a time, for `lease`, judged on the service's clock; an
//!   expired lease is taken away at the next request.
//! - **Fencing token** ([`Service::on_acquire`]): every grant carries a
//!   number one higher than the last, stored and synced before the grant is
//!   sent, so tokens only grow, across restarts of the service too.
//! - **Renewal** ([`Holder::on_renew_timer`]): a holder renews every
//!   `renew_every` while it holds the lock; it judges its lease on its own
//!   clock from the moment it *sent* the request (the service started the
//!   lease later, so the holder's view is the shorter one).
//! - **Writes** ([`Holder::start_work`]): a holder starts a write only if its
//!   lease (by its clock) outlasts the write's `work` time; the write goes
//!   out when the work is done, *without* looking at the lease again: that
//!   gap is where a pause (or a slow clock) hits.
//! - **Fencing** ([`StorageNode::on_write`]): the storage rejects a write
//!   whose token is lower than the highest token it has accepted, and
//!   answers `Fenced`. Bug switch `no-fencing`: it accepts every write.
//!
//! Parameters and their defaults: [`scenario::PARAMS`]; checks: `checks.rs`.

mod checks;
mod inspect;
pub mod lab;
pub mod scenario;

pub use checks::{builder, regrant_bound, LockLog};

use crate::sim::{Ctx, Node, NodeId, SimTime};
use serde::Serialize;
use std::collections::BTreeSet;
use std::sync::Arc;

/// The lock service's node.
pub const SERVICE: NodeId = NodeId(0);
/// The storage service's node.
pub const STORAGE: NodeId = NodeId(1);

crate::bug_switches! {
    /// A deliberate defect, to see the checks catch it.
    pub enum Bug {
        /// The storage accepts every write, whatever its token: a holder
        /// paused past its lease (or whose clock runs slow) overwrites the
        /// writes of the holder the lock went to next.
        NoFencing = "no-fencing",
        /// The service keeps its token counter in memory only: after a
        /// restart it counts from 1 again, and tokens stop growing.
        VolatileToken = "volatile-token",
    }
}

/// Protocol parameters (the `[protocol]` keys, meanings and defaults:
/// [`scenario::PARAMS`]).
#[derive(Clone, Debug, PartialEq)]
pub struct Params {
    /// How long a grant or a renewal lasts (`lease`).
    pub lease: SimTime,
    /// A holder renews this often while it holds the lock (`renew_every`).
    pub renew_every: SimTime,
    /// A holder that has no lock asks again this often (`retry`).
    pub retry: SimTime,
    /// Time to produce one write, between the lease check and the send
    /// (`work`).
    pub work: SimTime,
    /// Writes a holder makes before it releases the lock (`hold_writes`).
    pub hold_writes: u32,
    /// A holder waits this long after releasing before asking again (`rest`).
    pub rest: SimTime,
    /// Deliberate defects (`bugs`).
    pub bugs: BTreeSet<Bug>,
    /// The rules the nodes call (the reference's, or a lab student's).
    pub hooks: lab::Hooks,
    /// Lab 11 only: the parts whose rules are the reference's in a lab
    /// build (`given_parts`; the reference's own build ignores it).
    pub given_parts: Vec<String>,
}

impl Params {
    /// Whether the bug switch `bug` is on.
    pub fn has(&self, bug: Bug) -> bool {
        self.bugs.contains(&bug)
    }
}

impl Default for Params {
    fn default() -> Self {
        use scenario::*;
        Params {
            lease: LEASE.default_value(),
            renew_every: RENEW_EVERY.default_value(),
            retry: RETRY.default_value(),
            work: WORK.default_value(),
            hold_writes: HOLD_WRITES.default_value(),
            rest: REST.default_value(),
            bugs: BTreeSet::new(),
            hooks: lab::Hooks::default(),
            given_parts: Vec::new(),
        }
    }
}

/// Messages. `sent_at` is the holder's clock reading when it sent the
/// request, echoed back so a late answer is judged from when it was asked.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// Holder → service: may I have the lock?
    Acquire {
        /// Holder's clock at sending.
        sent_at: SimTime,
    },
    /// Service → holder: yes, with this token, for `lease`.
    Granted {
        /// The fencing token.
        token: u64,
        /// The lease duration.
        lease: SimTime,
        /// Echo of the request's `sent_at`.
        sent_at: SimTime,
    },
    /// Service → holder: someone else holds it.
    Busy,
    /// Holder → service: extend my lease.
    Renew {
        /// The token held.
        token: u64,
        /// Holder's clock at sending.
        sent_at: SimTime,
    },
    /// Service → holder: extended by `lease` from your `sent_at`.
    Renewed {
        /// The token held.
        token: u64,
        /// Echo of the request's `sent_at`.
        sent_at: SimTime,
    },
    /// Service → holder: that lease is gone (expired, or the service restarted).
    Lost {
        /// The token that is no longer valid.
        token: u64,
    },
    /// Holder → service: I am done with the lock.
    Release {
        /// The token held.
        token: u64,
    },
    /// Holder → storage: write `value` under `token`.
    Write {
        /// The fencing token.
        token: u64,
        /// What to write.
        value: u64,
    },
    /// Storage → holder: written.
    WriteOk {
        /// The write's token.
        token: u64,
    },
    /// Storage → holder: rejected, the storage has accepted `highest`.
    Fenced {
        /// The write's token.
        token: u64,
        /// The highest token the storage has accepted.
        highest: u64,
    },
}

/// Timers (all the holder's).
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Timer {
    /// Ask for the lock (again), if still wanted in this epoch.
    Acquire(u64),
    /// Renew the lease held in this epoch.
    Renew(u64),
    /// The work for a write is done: send it (whatever the lease says now).
    Send {
        /// The token the write was started under.
        token: u64,
        /// The value.
        value: u64,
    },
}

/// The lease the service has granted.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// The holder.
    pub holder: NodeId,
    /// Its token.
    pub token: u64,
    /// When it expires, on the service's clock.
    pub expires: SimTime,
}

/// Ghost records of the service (for checks; lost on crash).
#[derive(Clone, Debug, Default)]
pub struct ServiceGhost {
    /// Every new grant: (holder, token), in order.
    pub grants: Vec<(NodeId, u64)>,
    /// Askers the lease rule turned away (`Busy`) although the lock was
    /// free or its lease had expired: (asker, service clock, the lease).
    /// The reference never does; lab 11's `expired-leases-give-way` reads it.
    pub turned_away: Vec<(NodeId, SimTime, Option<Lease>)>,
}

/// The lock service (`n0`).
#[derive(Clone, Debug)]
pub struct Service {
    params: Arc<Params>,
    /// The last token issued (durable under key `token`).
    pub last_token: u64,
    /// The current lease, if any (volatile: lost on crash).
    pub lease: Option<Lease>,
    /// After a restart, no grant before this (service clock): a holder of
    /// the old lease may still believe it holds the lock.
    pub quiet_until: SimTime,
    /// Holders turned away while the lock was held, with their request's
    /// `sent_at`, in order of asking: the first is granted the lock on a
    /// release (volatile).
    pub waiting: Vec<(NodeId, SimTime)>,
    /// Ghost records.
    pub ghost: ServiceGhost,
}

impl Service {
    fn on_start(&mut self, ctx: &mut Ctx<LockNode>) {
        if self.params.has(Bug::VolatileToken) {
            let restarted: bool = ctx.storage().get("started").unwrap_or(false);
            ctx.storage().put("started", &true);
            ctx.storage().sync();
            if restarted {
                self.quiet_until = ctx.now() + self.params.lease;
            }
            return;
        }
        if let Some(token) = (self.params.hooks.recover_token)(ctx.storage()) {
            self.last_token = token;
            self.quiet_until = ctx.now() + self.params.lease;
            ctx.log(format!(
                "restarted at token {token}: no grant until {}",
                self.quiet_until
            ));
        }
    }

    /// The lease rule (the hook [`lab::LeaseRules::acquire`]): grant if the
    /// lock is free or its lease expired, the same token again if the asker
    /// already holds it (a retransmission), else queue the asker.
    pub fn on_acquire(&mut self, ctx: &mut Ctx<LockNode>, from: NodeId, sent_at: SimTime) {
        let now = ctx.now();
        let lease = self.params.lease;
        if now < self.quiet_until {
            ctx.send(from, Msg::Busy);
            return;
        }
        match (self.params.hooks.acquire)(self.lease.as_ref(), from, now) {
            lab::Acquire::Again => match &mut self.lease {
                Some(l) if l.holder == from => {
                    l.expires = now + lease;
                    let token = l.token;
                    ctx.send(
                        from,
                        Msg::Granted {
                            token,
                            lease,
                            sent_at,
                        },
                    );
                    return;
                }
                // "Again" to someone who holds nothing: nothing to repeat.
                _ => {
                    ctx.send(from, Msg::Busy);
                    return;
                }
            },
            lab::Acquire::Busy => {
                if self.lease.is_none_or(|l| now >= l.expires) {
                    self.ghost.turned_away.push((from, now, self.lease));
                }
                self.waiting.retain(|w| w.0 != from);
                self.waiting.push((from, sent_at));
                ctx.send(from, Msg::Busy);
                return;
            }
            lab::Acquire::Grant => {}
        }
        if let Some(old) = self.lease {
            ctx.log(format!(
                "lease of {} (token {}) expired at {}",
                old.holder, old.token, old.expires
            ));
        }
        self.grant(ctx, from, sent_at);
    }

    /// A new grant to `to`: the next token, durable before it is sent.
    fn grant(&mut self, ctx: &mut Ctx<LockNode>, to: NodeId, sent_at: SimTime) {
        let (now, lease) = (ctx.now(), self.params.lease);
        let from = to;
        self.waiting.retain(|w| w.0 != to);
        let token = if self.params.has(Bug::VolatileToken) {
            self.last_token + 1
        } else {
            // Durable before the grant leaves: a restarted service must
            // never issue this token again (the hook
            // [`lab::LeaseRules::next_token`]).
            (self.params.hooks.next_token)(ctx.storage(), self.last_token)
        };
        self.last_token = token;
        self.lease = Some(Lease {
            holder: from,
            token,
            expires: now + lease,
        });
        self.ghost.grants.push((from, token));
        ctx.log(format!("grants token {token} to {from}"));
        ctx.send(
            from,
            Msg::Granted {
                token,
                lease,
                sent_at,
            },
        );
    }

    fn on_message(&mut self, ctx: &mut Ctx<LockNode>, from: NodeId, msg: Msg) {
        let now = ctx.now();
        match msg {
            Msg::Acquire { sent_at } => self.on_acquire(ctx, from, sent_at),
            Msg::Renew { token, sent_at } => {
                let renew = (self.params.hooks.renew)(self.lease.as_ref(), from, token, now);
                match &mut self.lease {
                    Some(l) if renew => {
                        l.expires = now + self.params.lease;
                        ctx.send(from, Msg::Renewed { token, sent_at });
                    }
                    _ => ctx.send(from, Msg::Lost { token }),
                }
            }
            Msg::Release { token }
                if self
                    .lease
                    .is_some_and(|l| l.holder == from && l.token == token) =>
            {
                self.lease = None;
                ctx.log(format!("{from} released token {token}"));
                // Hand the lock straight to the first holder waiting
                // (it judges the lease from when it asked: shorter).
                if !self.waiting.is_empty() {
                    let (next, sent_at) = self.waiting.remove(0);
                    self.grant(ctx, next, sent_at);
                }
            }
            _ => {}
        }
    }
}

/// Ghost records of the storage (for checks; lost on crash).
#[derive(Clone, Debug, Default)]
pub struct StorageGhost {
    /// Every write it judged: (writer, token, accepted), in order.
    pub writes: Vec<(NodeId, u64, bool)>,
}

/// The storage service (`n1`): one register, fenced by token.
#[derive(Clone, Debug)]
pub struct StorageNode {
    params: Arc<Params>,
    /// The highest token accepted (durable under key `highest`).
    pub highest: u64,
    /// The last write accepted: (value, writer, token).
    pub value: Option<(u64, NodeId, u64)>,
    /// Ghost records.
    pub ghost: StorageGhost,
}

impl StorageNode {
    fn on_start(&mut self, ctx: &mut Ctx<LockNode>) {
        self.highest = ctx.storage().get("highest").unwrap_or(0);
        self.value = ctx.storage().get("value");
    }

    /// The fencing rule (the hook [`lab::LeaseRules::accept_write`]): reject
    /// a token lower than the highest accepted.
    pub fn on_write(&mut self, ctx: &mut Ctx<LockNode>, from: NodeId, token: u64, value: u64) {
        let accept = (self.params.hooks.accept_write)(self.highest, token);
        if !accept && !self.params.has(Bug::NoFencing) {
            self.ghost.writes.push((from, token, false));
            ctx.log(format!(
                "fenced: rejects {from}'s write with token {token} (has accepted token {})",
                self.highest
            ));
            let highest = self.highest;
            ctx.send(from, Msg::Fenced { token, highest });
            return;
        }
        self.highest = self.highest.max(token);
        self.value = Some((value, from, token));
        ctx.storage().put("highest", &self.highest);
        ctx.storage().put("value", &self.value);
        ctx.storage().sync();
        self.ghost.writes.push((from, token, true));
        ctx.send(from, Msg::WriteOk { token });
    }
}

/// Where a holder is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HolderState {
    /// Resting, or asking for the lock.
    Waiting,
    /// Holds the lock (by its own clock) until `lease_end`.
    Holding {
        /// The grant's token.
        token: u64,
        /// The lease's end on this holder's clock.
        lease_end: SimTime,
        /// Writes sent under this grant.
        writes: u32,
    },
}

/// Ghost records of a holder (for checks and metrics; lost on crash).
#[derive(Clone, Debug, Default)]
pub struct HolderGhost {
    /// Writes sent.
    pub writes_sent: u64,
    /// Writes the storage fenced off.
    pub fenced: u64,
}

/// A lock holder (`n2..`).
#[derive(Clone, Debug)]
pub struct Holder {
    params: Arc<Params>,
    /// Where it is.
    pub state: HolderState,
    /// Bumped at every change of state: timers of an older epoch are void.
    pub epoch: u64,
    next_value: u64,
    /// Ghost records.
    pub ghost: HolderGhost,
}

impl Holder {
    fn wait(&mut self, ctx: &mut Ctx<LockNode>, after: SimTime) {
        self.state = HolderState::Waiting;
        self.epoch += 1;
        ctx.set_timer(after, Timer::Acquire(self.epoch));
    }

    fn give_up(&mut self, ctx: &mut Ctx<LockNode>, why: &str) {
        if let HolderState::Holding { token, .. } = self.state {
            ctx.log(format!("gives up token {token}: {why}"));
        }
        let rest = self.params.rest;
        self.wait(ctx, rest);
    }

    /// Start the next write if the lease (on this holder's clock) outlasts
    /// its work; release after `hold_writes` writes.
    pub fn start_work(&mut self, ctx: &mut Ctx<LockNode>) {
        let HolderState::Holding {
            token,
            lease_end,
            writes,
        } = self.state
        else {
            return;
        };
        if writes >= self.params.hold_writes {
            ctx.send(SERVICE, Msg::Release { token });
            ctx.log(format!("releases token {token}"));
            let rest = self.params.rest;
            self.wait(ctx, rest);
            return;
        }
        // The write must be done well before the lease ends: twice its work.
        let work = self.params.work;
        if !(self.params.hooks.may_start_write)(ctx.now(), lease_end, work) {
            self.give_up(ctx, "lease too short to finish a write");
            return;
        }
        self.next_value += 1;
        let value = u64::from(ctx.id().0) * 1_000_000 + self.next_value;
        ctx.set_timer(work, Timer::Send { token, value });
    }

    /// Renew while holding; a lease that ran out on this holder's clock is
    /// given up.
    pub fn on_renew_timer(&mut self, ctx: &mut Ctx<LockNode>, epoch: u64) {
        let HolderState::Holding {
            token, lease_end, ..
        } = self.state
        else {
            return;
        };
        if epoch != self.epoch {
            return;
        }
        let now = ctx.now();
        if now >= lease_end {
            self.give_up(ctx, "lease expired before it was renewed");
            return;
        }
        ctx.send(
            SERVICE,
            Msg::Renew {
                token,
                sent_at: now,
            },
        );
        ctx.set_timer(self.params.renew_every, Timer::Renew(epoch));
    }

    fn on_timer(&mut self, ctx: &mut Ctx<LockNode>, timer: Timer) {
        match timer {
            Timer::Acquire(epoch) => {
                if epoch != self.epoch || self.state != HolderState::Waiting {
                    return;
                }
                let sent_at = ctx.now();
                ctx.send(SERVICE, Msg::Acquire { sent_at });
                ctx.set_timer(self.params.retry, Timer::Acquire(epoch));
            }
            Timer::Renew(epoch) => self.on_renew_timer(ctx, epoch),
            Timer::Send { token, value } => {
                // The write was under way: it goes out whatever the lease
                // says now. Only the storage can still stop it.
                ctx.send(STORAGE, Msg::Write { token, value });
                self.ghost.writes_sent += 1;
                if let HolderState::Holding {
                    token: held,
                    ref mut writes,
                    ..
                } = self.state
                {
                    if held == token {
                        *writes += 1;
                        self.start_work(ctx);
                    }
                }
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<LockNode>, msg: Msg) {
        match msg {
            Msg::Granted {
                token,
                lease,
                sent_at,
            } => match self.state {
                HolderState::Waiting => {
                    self.epoch += 1;
                    let lease_end = (self.params.hooks.lease_end)(sent_at, lease);
                    self.state = HolderState::Holding {
                        token,
                        lease_end,
                        writes: 0,
                    };
                    ctx.log(format!("holds token {token} until {lease_end}"));
                    ctx.set_timer(self.params.renew_every, Timer::Renew(self.epoch));
                    self.start_work(ctx);
                }
                HolderState::Holding { token: held, .. } if held != token => {
                    // A grant this holder no longer wants: hand it back.
                    ctx.send(SERVICE, Msg::Release { token });
                }
                HolderState::Holding { .. } => {}
            },
            Msg::Renewed { token, sent_at } => {
                if let HolderState::Holding {
                    token: held,
                    ref mut lease_end,
                    ..
                } = self.state
                {
                    if held == token {
                        let end = (self.params.hooks.lease_end)(sent_at, self.params.lease);
                        *lease_end = (*lease_end).max(end);
                    }
                }
            }
            Msg::Lost { token } => {
                if matches!(self.state, HolderState::Holding { token: held, .. } if held == token) {
                    self.give_up(ctx, "the service says the lease is gone");
                }
            }
            Msg::Fenced { token, highest } => {
                self.ghost.fenced += 1;
                ctx.log(format!(
                    "write with token {token} fenced off (storage has token {highest})"
                ));
                if matches!(self.state, HolderState::Holding { token: held, .. } if held == token) {
                    self.give_up(ctx, "fenced off by the storage");
                }
            }
            _ => {}
        }
    }
}

/// A node of the lock-service protocol: one of the three roles.
#[derive(Clone, Debug)]
pub enum LockNode {
    /// `n0`.
    Service(Service),
    /// `n1`.
    Storage(StorageNode),
    /// `n2..`.
    Holder(Holder),
}

impl LockNode {
    /// A fresh node `id`.
    pub fn new(params: Arc<Params>, id: NodeId) -> Self {
        match id {
            SERVICE => LockNode::Service(Service {
                params,
                last_token: 0,
                lease: None,
                quiet_until: SimTime::ZERO,
                waiting: Vec::new(),
                ghost: ServiceGhost::default(),
            }),
            STORAGE => LockNode::Storage(StorageNode {
                params,
                highest: 0,
                value: None,
                ghost: StorageGhost::default(),
            }),
            _ => LockNode::Holder(Holder {
                params,
                state: HolderState::Waiting,
                epoch: 0,
                next_value: 0,
                ghost: HolderGhost::default(),
            }),
        }
    }

    /// The service, if this is it.
    pub fn as_service(&self) -> Option<&Service> {
        match self {
            LockNode::Service(s) => Some(s),
            _ => None,
        }
    }

    /// The storage, if this is it.
    pub fn as_storage(&self) -> Option<&StorageNode> {
        match self {
            LockNode::Storage(s) => Some(s),
            _ => None,
        }
    }

    /// The holder, if this is one.
    pub fn as_holder(&self) -> Option<&Holder> {
        match self {
            LockNode::Holder(h) => Some(h),
            _ => None,
        }
    }
}

impl Node for LockNode {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        match self {
            LockNode::Service(s) => s.on_start(ctx),
            LockNode::Storage(s) => s.on_start(ctx),
            LockNode::Holder(h) => {
                let spread = h.params.retry.as_nanos().max(1);
                let first = SimTime(ctx.rng().below(spread));
                h.wait(ctx, first);
            }
        }
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match self {
            LockNode::Service(s) => s.on_message(ctx, from, msg),
            LockNode::Storage(s) => {
                if let Msg::Write { token, value } = msg {
                    s.on_write(ctx, from, token, value);
                }
            }
            LockNode::Holder(h) => h.on_message(ctx, msg),
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Timer) {
        if let LockNode::Holder(h) = self {
            h.on_timer(ctx, timer);
        }
    }

    fn role(&self) -> Option<&str> {
        Some(match self {
            LockNode::Service(_) => "lock-service",
            LockNode::Storage(_) => "storage",
            LockNode::Holder(h) if matches!(h.state, HolderState::Holding { .. }) => "lock-holder",
            LockNode::Holder(_) => "holder",
        })
    }

    /// The part this node plays (lock service, storage, holder): the
    /// lease with its fencing token and expiry, the highest token, the
    /// holder's grant; parameters folded (`inspect.rs`).
    fn inspect(&self) -> crate::sim::View {
        self.view()
    }

    fn inspect_message(message: &Msg) -> crate::sim::View {
        inspect::message_view(message)
    }

    fn message_summary(message: &Msg) -> String {
        inspect::message_summary(message)
    }

    fn summary(&self) -> String {
        match self {
            LockNode::Service(s) => match s.lease {
                Some(l) => format!(
                    "token {}: {} holds it until {}",
                    s.last_token, l.holder, l.expires
                ),
                None => format!("token {}: free", s.last_token),
            },
            LockNode::Storage(s) => {
                let rejected = s.ghost.writes.iter().filter(|w| !w.2).count();
                format!(
                    "highest token {}, {} writes, {rejected} fenced",
                    s.highest,
                    s.ghost.writes.len() - rejected
                )
            }
            LockNode::Holder(h) => match h.state {
                HolderState::Waiting => "waiting for the lock".into(),
                HolderState::Holding {
                    token,
                    lease_end,
                    writes,
                } => format!("holds token {token} until {lease_end} ({writes} writes)"),
            },
        }
    }
}

#[cfg(test)]
mod tests;
