//! The broker (n1), in the style of Kafka: one topic, `partitions`
//! append-only logs, consumer-group offsets. Appends and commits are synced
//! before they are acknowledged, so a broker crash and restart loses
//! nothing. Delivery is pull-based with long polling (a fetch past the end
//! of a partition is held until records arrive) and at-least-once: a consumer reads from
//! its group's committed offset, so whatever it read but had not committed
//! when it crashed is delivered again. Order holds within a partition only.
//!
//! Storage keys: `log/PP/OOOOOOOOOO` (a record), `commit/GG/PP` (a group's
//! committed offset; the group is the consumer's node index).

use super::events::{stream_name, Account, StoredEvent};
use super::{CqrsNode, Msg, Params};
use crate::sim::{Ctx, NodeId};
use std::collections::{BTreeMap, BTreeSet};

/// The broker's state (rebuilt from storage at every start).
#[derive(Clone, Debug, Default)]
pub struct Broker {
    /// One log per partition.
    pub logs: Vec<Vec<StoredEvent>>,
    /// Committed offsets by (group, partition).
    pub committed: BTreeMap<(u32, u32), u64>,
    /// Every (stream, version) in the logs.
    pub seen: BTreeSet<(Account, u64)>,
    /// The highest version of each stream in the logs.
    pub newest: BTreeMap<Account, u64>,
    /// An event that entered the log after a later event of its stream
    /// (first occurrence out of order), for the per-stream-order check.
    pub out_of_order: Option<String>,
    /// Long polls: fetches past the end of a partition, held until records
    /// arrive, by (consumer, partition) → offset wanted (volatile).
    pub parked: BTreeMap<(u32, u32), u64>,
}

fn log_key(partition: u32, offset: usize) -> String {
    format!("log/{partition:02}/{offset:010}")
}

fn commit_key(group: u32, partition: u32) -> String {
    format!("commit/{group:02}/{partition:02}")
}

/// Every partition log in a broker's storage (for checks on a crashed broker).
pub(crate) fn logs_in(storage: &crate::storage::Storage, partitions: u32) -> Vec<Vec<StoredEvent>> {
    let mut logs = vec![Vec::new(); partitions as usize];
    for key in storage.keys().iter().filter(|k| k.starts_with("log/")) {
        let partition: Option<usize> = key.get(4..6).and_then(|p| p.parse().ok());
        if let (Some(p), Some(e)) = (partition, storage.get::<StoredEvent>(key)) {
            if let Some(log) = logs.get_mut(p) {
                log.push(e);
            }
        }
    }
    logs
}

impl Broker {
    /// Reload logs and offsets from storage.
    pub(crate) fn start(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>) {
        let storage = ctx.storage();
        self.logs = logs_in(storage, params.partitions);
        for key in storage.keys().iter().filter(|k| k.starts_with("commit/")) {
            let group = key.get(7..9).and_then(|g| g.parse().ok());
            let partition = key.get(10..12).and_then(|p| p.parse().ok());
            if let (Some(g), Some(p), Some(offset)) = (group, partition, storage.get(key)) {
                self.committed.insert((g, p), offset);
            }
        }
        for e in self.logs.iter().flatten() {
            self.seen.insert((e.account, e.version));
            let newest = self.newest.entry(e.account).or_default();
            *newest = (*newest).max(e.version);
        }
        let records: usize = self.logs.iter().map(Vec::len).sum();
        if records > 0 {
            ctx.log(format!("recovered {records} records"));
        }
    }

    /// Broker messages: publish, fetch, offsets.
    pub(crate) fn on_message(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        from: NodeId,
        msg: Msg,
    ) {
        match msg {
            Msg::Publish { partition, records } => {
                self.append(params, ctx, from, partition, records)
            }
            Msg::OffsetFetch => {
                let offsets = (0..params.partitions)
                    .map(|p| self.committed.get(&(from.0, p)).copied().unwrap_or(0))
                    .collect();
                ctx.send(from, Msg::Offsets { offsets });
            }
            Msg::Fetch {
                partition,
                from: offset,
            } => {
                let Some(log) = self.logs.get(partition as usize) else {
                    return;
                };
                if offset as usize >= log.len() {
                    // Nothing new: hold the fetch until something is appended.
                    self.parked.insert((from.0, partition), offset);
                    return;
                }
                self.parked.remove(&(from.0, partition));
                let reply = Self::records(log, params, partition, offset);
                ctx.send(from, reply);
            }
            Msg::Commit { partition, offset } => {
                let committed = self.committed.entry((from.0, partition)).or_default();
                if offset > *committed {
                    *committed = offset;
                    ctx.storage().put(&commit_key(from.0, partition), &offset);
                    ctx.storage().sync();
                    ctx.log(format!("{from} committed p{partition} offset {offset}"));
                }
            }
            other => ctx.log(format!("broker ignored {other:?}")),
        }
    }

    fn records(log: &[StoredEvent], params: &Params, partition: u32, from: u64) -> Msg {
        let start = (from as usize).min(log.len());
        let end = (start + params.batch as usize).min(log.len());
        Msg::Records {
            partition,
            from: start as u64,
            records: log[start..end].to_vec(),
        }
    }

    fn append(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        from: NodeId,
        partition: u32,
        records: Vec<StoredEvent>,
    ) {
        let Some(last) = records.last().map(|e| e.position) else {
            return;
        };
        let Some(log) = self.logs.get_mut(partition as usize) else {
            return;
        };
        let first_offset = log.len();
        for e in records {
            ctx.storage().put(&log_key(partition, log.len()), &e);
            let newest = self.newest.entry(e.account).or_default();
            if self.seen.insert((e.account, e.version)) && e.version < *newest {
                self.out_of_order.get_or_insert_with(|| {
                    format!(
                        "broker p{partition} got {e} after {} v{}",
                        stream_name(e.account),
                        newest
                    )
                });
            }
            *newest = (*newest).max(e.version);
            log.push(e);
        }
        ctx.storage().sync();
        ctx.log(format!(
            "broker p{partition} append offsets {first_offset}..{}",
            log.len() - 1
        ));
        let ack = Msg::Published {
            partition,
            last_position: last,
        };
        ctx.send(from, ack);
        let waiting: Vec<((u32, u32), u64)> = self
            .parked
            .iter()
            .filter(|((_, p), _)| *p == partition)
            .map(|(&k, &o)| (k, o))
            .collect();
        for ((consumer, p), offset) in waiting {
            self.parked.remove(&(consumer, p));
            let log = &self.logs[partition as usize];
            ctx.send(NodeId(consumer), Self::records(log, params, p, offset));
        }
    }

    /// One line for the cluster view.
    pub fn summary(&self) -> String {
        let logs: Vec<String> = self
            .logs
            .iter()
            .enumerate()
            .map(|(p, l)| format!("p{p} {}", l.len()))
            .collect();
        let commits: Vec<String> = self
            .committed
            .iter()
            .map(|((g, p), o)| format!("n{g}/p{p}@{o}"))
            .collect();
        format!("{}; committed {}", logs.join(" "), commits.join(" "))
    }
}
