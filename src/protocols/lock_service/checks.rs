//! The lock service's checks and metrics.
//!
//! Two monitors read the ghost records of the service and the storage after
//! every step (a cursor each; a crashed node's records start over, which
//! the cursor notices) and keep their memory for the whole run, in true
//! time:
//! - `fenced-writes` ([`FencedWrites`]): the storage never accepts a write
//!   whose token is lower than one it accepted before: mutual exclusion as
//!   the storage sees it.
//! - `tokens-grow` ([`LockLog`]): every new grant carries a token higher
//!   than every earlier grant, across restarts of the service. It also
//!   remembers when a holder crashed while the service had the lock leased
//!   to it, for the liveness check.
//! - `lock-regranted-after-crash` (eventually): after such a crash the lock
//!   is granted again within [`regrant_bound`].

use super::{LockNode, Params, SERVICE, STORAGE};
use crate::sim::{Invariant, Monitor, NodeId, Sim, SimBuilder, SimTime};
use std::sync::Arc;

/// How long after a holder's crash the lock must be granted again: the
/// lease (the service waits it out), plus a rest and two retries of the
/// other holders, plus 100 ms for messages.
pub fn regrant_bound(params: &Params) -> SimTime {
    params.lease + params.rest + params.retry + params.retry + SimTime::from_millis(100)
}

/// A grant, as the `tokens-grow` monitor saw it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Grant {
    /// True time of the grant.
    pub at: SimTime,
    /// To whom.
    pub holder: NodeId,
    /// The token.
    pub token: u64,
}

/// A holder crashed while the service had the lock leased to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HolderCrash {
    /// True time of the crash.
    pub at: SimTime,
    /// The holder.
    pub holder: NodeId,
    /// The token of its lease.
    pub token: u64,
}

/// The `tokens-grow` monitor: every grant of the run, crashes of lease
/// holders, and when the service was down.
#[derive(Clone, Debug, Default)]
pub struct LockLog {
    /// Every new grant, in order.
    pub grants: Vec<Grant>,
    /// Holders that crashed holding a lease.
    pub holder_crashes: Vec<HolderCrash>,
    /// True times at which the service was seen down.
    pub service_down: Vec<SimTime>,
    cursor: usize,
    up: Vec<bool>,
}

impl LockLog {
    /// The highest token granted so far.
    pub fn max_token(&self) -> u64 {
        self.grants.iter().map(|g| g.token).max().unwrap_or(0)
    }
}

impl Monitor<LockNode> for LockLog {
    fn after_step(&mut self, sim: &Sim<LockNode>) -> Result<(), String> {
        let now = sim.now();
        let service = sim.node(SERVICE).and_then(LockNode::as_service);
        let nodes = sim.slots().len();
        if self.up.len() != nodes {
            self.up = vec![true; nodes];
        }
        for (i, was_up) in self.up.iter_mut().enumerate() {
            let id = NodeId(i as u32);
            let is_up = sim.node(id).is_some();
            if *was_up && !is_up && id != SERVICE && id != STORAGE {
                if let Some(l) = service.and_then(|s| s.lease).filter(|l| l.holder == id) {
                    self.holder_crashes.push(HolderCrash {
                        at: now,
                        holder: id,
                        token: l.token,
                    });
                }
            }
            *was_up = is_up;
        }
        let Some(service) = service else {
            self.cursor = 0;
            self.service_down.push(now);
            return Ok(());
        };
        let grants = &service.ghost.grants;
        if grants.len() < self.cursor {
            self.cursor = 0;
        }
        for &(holder, token) in &grants[self.cursor..] {
            if let Some(before) = self.grants.iter().max_by_key(|g| g.token).copied() {
                if token <= before.token {
                    return Err(format!(
                        "n0 granted token {token} to {holder} after granting token {} to {} at {} \
                         (tokens must only grow, across restarts of the service too)",
                        before.token, before.holder, before.at
                    ));
                }
            }
            self.grants.push(Grant {
                at: now,
                holder,
                token,
            });
        }
        self.cursor = grants.len();
        Ok(())
    }

    fn metrics(&self) -> Vec<(String, String)> {
        vec![
            ("grants".into(), self.grants.len().to_string()),
            ("max-token".into(), self.max_token().to_string()),
            (
                "holder-crashes-holding".into(),
                self.holder_crashes.len().to_string(),
            ),
        ]
    }
}

/// The `fenced-writes` monitor: every write the storage judged, and the
/// highest token it accepted (with who wrote it, and when).
#[derive(Clone, Debug, Default)]
pub struct FencedWrites {
    /// Writes accepted.
    pub accepted: u64,
    /// Writes rejected by fencing.
    pub rejected: u64,
    /// The highest accepted token: (writer, token, true time).
    pub highest: Option<(NodeId, u64, SimTime)>,
    cursor: usize,
}

impl Monitor<LockNode> for FencedWrites {
    fn after_step(&mut self, sim: &Sim<LockNode>) -> Result<(), String> {
        let Some(storage) = sim.node(STORAGE).and_then(LockNode::as_storage) else {
            self.cursor = 0;
            return Ok(());
        };
        let writes = &storage.ghost.writes;
        if writes.len() < self.cursor {
            self.cursor = 0;
        }
        for &(writer, token, accepted) in &writes[self.cursor..] {
            if !accepted {
                self.rejected += 1;
                continue;
            }
            self.accepted += 1;
            match self.highest {
                Some((other, top, at)) if token < top => {
                    let lease = sim
                        .node(SERVICE)
                        .and_then(LockNode::as_service)
                        .and_then(|s| s.lease);
                    let now_holds = match lease {
                        Some(l) if l.holder == other => format!("{other} holds the lock"),
                        Some(l) => format!(
                            "{other} was granted the lock after it ({} holds it now)",
                            l.holder
                        ),
                        None => format!("{other} was granted the lock after it"),
                    };
                    return Err(format!(
                        "{writer} wrote with token {token} after {other} wrote with token {top} \
                         at {at} — {writer}'s lease had expired and {now_holds}"
                    ));
                }
                Some((_, top, _)) if token == top => {}
                _ => self.highest = Some((writer, token, sim.now())),
            }
        }
        self.cursor = writes.len();
        Ok(())
    }

    fn metrics(&self) -> Vec<(String, String)> {
        vec![
            ("writes-accepted".into(), self.accepted.to_string()),
            ("fenced-writes-rejected".into(), self.rejected.to_string()),
        ]
    }
}

/// After each crash of a lease holder, the lock is granted again within
/// `bound` (crashes too close to the end, or while the service was down,
/// are not judged).
fn regranted_after_crash(sim: &Sim<LockNode>, bound: SimTime) -> Result<(), String> {
    let Some(log) = sim.monitor::<LockLog>("tokens-grow") else {
        return Ok(());
    };
    let end = sim.now();
    for c in &log.holder_crashes {
        let deadline = c.at + bound;
        if deadline > end || log.service_down.iter().any(|&t| c.at <= t && t <= deadline) {
            continue;
        }
        let again = log.grants.iter().find(|g| g.at > c.at && g.token > c.token);
        match again {
            Some(g) if g.at <= deadline => {}
            Some(g) => {
                return Err(format!(
                    "{} crashed holding token {} at {}; the lock was granted again only at {} \
                     (to {}), later than the bound {bound}",
                    c.holder, c.token, c.at, g.at, g.holder
                ))
            }
            None => {
                return Err(format!(
                    "{} crashed holding token {} at {}; the lock was never granted again \
                     (bound {bound})",
                    c.holder, c.token, c.at
                ))
            }
        }
    }
    Ok(())
}

/// A simulation builder with the lock service, storage and `nodes - 2`
/// holders, their monitors, checks and metrics.
pub fn builder(params: Params, nodes: u32, seed: u64) -> SimBuilder<LockNode> {
    let params = Arc::new(params);
    let bound = regrant_bound(&params);
    let factory = Arc::clone(&params);
    SimBuilder::new(nodes, seed, move |id, _| {
        LockNode::new(Arc::clone(&factory), id)
    })
    .monitor("fenced-writes", FencedWrites::default())
    .monitor("tokens-grow", LockLog::default())
    .invariant(Invariant::eventually(
        "lock-regranted-after-crash",
        move |sim| regranted_after_crash(sim, bound),
    ))
    .invariant(Invariant::sometimes(
        "lock-granted",
        |sim: &Sim<LockNode>| {
            sim.monitor::<LockLog>("tokens-grow")
                .is_some_and(|l| !l.grants.is_empty())
        },
    ))
}
