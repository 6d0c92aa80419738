//! The controller (`n0`): the numbered configurations, made at the
//! scheduled joins and leaves, stored (synced) before anyone hears of them,
//! pushed to every node when made and answered to every query.
//!
//! It is one node, so the configuration is consistent and unavailable
//! while the controller is down or cut off: servers keep serving the
//! configuration they have, and no rebalance happens (CP). A real system
//! replicates it (6.5840's shardctrler runs on Raft).

use super::placement::{self, moves};
use super::{Config, Controller, Msg, Params, Role, Shard};
use crate::sim::{Ctx, NodeId, SimTime};

/// A scheduled change of membership.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// A spare joins: the first one numbered above the highest server,
    /// wrapping round to n1.
    Join,
    /// This server leaves.
    Leave(NodeId),
    /// The lowest-numbered server leaves (churn).
    LeaveLowest,
}

/// Every change the parameters schedule, in time order (ties: the fixed
/// join, the fixed leave, then churn).
pub fn schedule(params: &Params) -> Vec<(SimTime, Change)> {
    let mut out = Vec::new();
    if let Some(at) = params.join_at {
        out.push((at, Change::Join));
    }
    if let Some(at) = params.leave_at {
        out.push((at, Change::Leave(NodeId(params.leave))));
    }
    if let Some(every) = params.churn_every {
        let mut at = every;
        let mut leave = true;
        while at < params.changes_until {
            out.push((
                at,
                if leave {
                    Change::LeaveLowest
                } else {
                    Change::Join
                },
            ));
            leave = !leave;
            at += every;
        }
    }
    out.retain(|(at, _)| *at < params.changes_until);
    out.sort_by_key(|(at, _)| *at);
    out
}

/// The servers after `change` applied to `servers` (of `nodes` nodes), or
/// `None` if it cannot apply (no spare to join, the last server leaving, a
/// leaver that is not a server).
pub fn apply_change(servers: &[NodeId], change: Change, nodes: u32) -> Option<Vec<NodeId>> {
    let mut next = servers.to_vec();
    match change {
        Change::Join => {
            // The first spare after the highest server, wrapping round: a
            // server that just left is the last to come back.
            let highest = servers.iter().max().map_or(0, |n| n.0);
            let spares = (highest + 1..nodes).chain(1..=highest.min(nodes));
            let spare = spares.map(NodeId).find(|n| !servers.contains(n))?;
            next.push(spare);
        }
        Change::Leave(node) => {
            if next.len() <= 1 || !next.contains(&node) {
                return None;
            }
            next.retain(|n| *n != node);
        }
        Change::LeaveLowest => {
            if next.len() <= 1 {
                return None;
            }
            next.remove(0);
        }
    }
    next.sort();
    Some(next)
}

impl Shard {
    fn controller_mut(&mut self) -> &mut Controller {
        match &mut self.role {
            Role::Controller(c) => c,
            Role::Server(_) => unreachable!("only n0 is the controller"),
        }
    }

    /// Boot or restart: reload the configurations, or make the first one.
    pub(super) fn controller_start(&mut self, ctx: &mut Ctx<Self>) {
        let configs: Vec<Config> = ctx.storage().get("configs").unwrap_or_default();
        let params = std::sync::Arc::clone(&self.params);
        let c = self.controller_mut();
        if configs.is_empty() {
            let servers = (1..=params.servers).map(NodeId).collect();
            c.configs.push(Config { num: 1, servers });
            ctx.storage().put("configs", &c.configs);
            ctx.storage().sync();
        } else {
            c.configs = configs;
        }
        c.moves = recount(&params, &c.configs);
        let latest = c.configs.last().cloned().unwrap_or_default();
        ctx.log(format!("controller: configuration {latest}"));
        for node in ctx.peers() {
            ctx.send(
                node,
                Msg::Config {
                    config: latest.clone(),
                },
            );
        }
    }

    /// Make the changes that are due (each a new configuration, stored and
    /// synced, then pushed to every node).
    pub(super) fn controller_tick(&mut self, ctx: &mut Ctx<Self>) {
        let params = std::sync::Arc::clone(&self.params);
        let plan = schedule(&params);
        let now = ctx.now();
        let nodes = ctx.node_count();
        let done: u64 = ctx.storage().get("done").unwrap_or(0);
        let mut next_done = done;
        let mut made = Vec::new();
        let c = self.controller_mut();
        for &(at, change) in plan.iter().skip(done as usize) {
            if at > now {
                break;
            }
            next_done += 1;
            let last = c.configs.last().cloned().unwrap_or_default();
            let Some(servers) = apply_change(&last.servers, change, nodes) else {
                continue;
            };
            let config = Config {
                num: last.num + 1,
                servers,
            };
            c.configs.push(config.clone());
            made.push(config);
        }
        if next_done == done {
            return;
        }
        c.moves = recount(&params, &c.configs);
        ctx.storage().put("configs", &c.configs);
        ctx.storage().put("done", &next_done);
        ctx.storage().sync();
        for config in made {
            ctx.log(format!("controller: new configuration {config}"));
            for node in ctx.peers() {
                ctx.send(
                    node,
                    Msg::Config {
                        config: config.clone(),
                    },
                );
            }
        }
    }

    /// A server asks for configuration `num`.
    pub(super) fn on_query(&mut self, ctx: &mut Ctx<Self>, from: NodeId, num: u64) {
        let Role::Controller(c) = &self.role else {
            return;
        };
        let wanted = num.checked_sub(1).and_then(|i| c.configs.get(i as usize));
        if let Some(config) = wanted {
            let config = config.clone();
            ctx.send(from, Msg::Config { config });
        }
    }
}

/// The keys each change moved, and the minimum, over `k0..k{keys-1}`.
fn recount(params: &Params, configs: &[Config]) -> Vec<placement::Moves> {
    let keys = placement::key_names(params.keys);
    configs
        .windows(2)
        .map(|pair| {
            let (before, after) = (
                params.layout(&pair[0].servers),
                params.layout(&pair[1].servers),
            );
            moves(&before, &after, keys.iter().map(String::as_str))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn churn_alternates_leave_and_join_until_the_end_of_changes() {
        let params = Params {
            join_at: Some(SimTime::from_secs(1)),
            churn_every: Some(SimTime::from_secs(2)),
            changes_until: SimTime::from_secs(7),
            ..Params::default()
        };
        let plan = schedule(&params);
        let at: Vec<u64> = plan
            .iter()
            .map(|(t, _)| t.as_nanos() / 1_000_000_000)
            .collect();
        assert_eq!(at, vec![1, 2, 4, 6]);
        assert_eq!(plan[1].1, Change::LeaveLowest);
        assert_eq!(plan[2].1, Change::Join);
    }

    #[test]
    fn a_change_that_cannot_apply_makes_no_configuration() {
        let servers = [NodeId(1), NodeId(2)];
        assert_eq!(
            apply_change(&servers, Change::Join, 4),
            Some(vec![NodeId(1), NodeId(2), NodeId(3)])
        );
        assert_eq!(apply_change(&servers, Change::Join, 3), None);
        // After the highest server first, then wrapping round.
        assert_eq!(
            apply_change(&[NodeId(2), NodeId(3)], Change::Join, 5),
            Some(vec![NodeId(2), NodeId(3), NodeId(4)])
        );
        assert_eq!(
            apply_change(&[NodeId(2), NodeId(4)], Change::Join, 5),
            Some(vec![NodeId(1), NodeId(2), NodeId(4)])
        );
        assert_eq!(apply_change(&[NodeId(2)], Change::LeaveLowest, 3), None);
        assert_eq!(apply_change(&servers, Change::Leave(NodeId(3)), 4), None);
        assert_eq!(
            apply_change(&servers, Change::LeaveLowest, 4),
            Some(vec![NodeId(2)])
        );
    }
}
