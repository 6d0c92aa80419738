//! Servers that take time: service time on a bounded number of workers
//! (`[service]` in a scenario; issue 20).
//!
//! Without a service model a handler runs in no time: a node answers a
//! thousand requests at the instant they arrive. With one, handling a
//! message or a client request takes a *service time*, drawn from the
//! scenario's distribution, on one of the node's `workers`:
//!
//! - A message or request that arrives while a worker is free (and nothing
//!   is queued before it) starts at once: its handler runs now, and what it
//!   sends and replies leaves when the work is done, `service time` later.
//! - One that arrives while every worker is busy waits in the node's queue,
//!   first come first served (a trace `queued` event says so), and starts
//!   when a worker frees (a `serve` step, which records the delivery).
//! - Timers are the node's own housekeeping: they run at once and take no
//!   worker. A crash loses the queue (it was in the process's memory); a
//!   pause holds arrivals as always, and they queue once it ends.
//! - The `slow` fault multiplies a node's service times for a while (a noisy
//!   neighbour, a failing disk).
//!
//! Draws come from a stream of their own (`Stream::Service`), so adding a
//! service model changes no other random choice, and a scenario without
//! one runs exactly as before (no draw, no event, the same trace hash).
//!
//! Metrics: `service-busy-max` (the busiest node's share of worker time in
//! use), `queue-length-max`, `queued` (arrivals that had to wait) and
//! `queue-wait-max`.

use super::event::Event;
use super::ids::NodeId;
use super::node::Node;
use super::rng::{Prng, Stream};
use super::SimTime;
use crate::net::Latency;
use std::collections::VecDeque;

/// How long handling a message or request takes, and on how many workers.
#[derive(Clone, Debug, PartialEq)]
pub struct ServiceConfig {
    /// The service time of one message or request.
    pub time: Latency,
    /// Workers per node: how many messages or requests it handles at once.
    pub workers: u32,
    /// The nodes that take time; `None` for all of them.
    pub nodes: Option<Vec<NodeId>>,
    /// Client requests take time too (`true`, the default in a scenario);
    /// `false`: only messages do, a client request is handled at once
    /// (a node clients reach only by mistake, to be redirected).
    pub requests: bool,
}

/// What a protocol's checks and metrics can read of one served node's
/// queue ([`crate::sim::Sim::service_queue`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueueReading {
    /// Arrivals waiting for a worker now.
    pub waiting: usize,
    /// The longest the queue has been.
    pub longest: usize,
    /// The queue's length when the latest `slow` fault on the node ended,
    /// read at the first arrival or service start after its end (`None`
    /// before then, or without a `slow` fault).
    pub at_slow_end: Option<usize>,
}

/// One served node's workers and queue.
#[derive(Clone, Debug)]
pub(crate) struct Workers<N: Node> {
    /// When each worker is free again (true time).
    busy_until: Vec<SimTime>,
    /// Arrivals waiting for a worker, first come first served, with when
    /// each arrived.
    waiting: VecDeque<(SimTime, Event<N>)>,
    /// A `serve` event is scheduled for this node.
    wake_pending: bool,
    /// A `slow` fault: service times multiplied by the factor until then.
    slow: Option<(u32, SimTime)>,
    /// Worker time used (for `service-busy-max`).
    busy: SimTime,
    /// Arrivals that had to wait, the longest queue and the longest wait.
    queued: u64,
    longest_queue: usize,
    longest_wait: SimTime,
    /// The queue's length when the latest `slow` fault ended (noted at
    /// the first arrival or release after its end).
    at_slow_end: Option<usize>,
}

impl<N: Node> Workers<N> {
    fn new(workers: u32) -> Self {
        Workers {
            busy_until: vec![SimTime::ZERO; workers.max(1) as usize],
            waiting: VecDeque::new(),
            wake_pending: false,
            slow: None,
            busy: SimTime::ZERO,
            queued: 0,
            longest_queue: 0,
            longest_wait: SimTime::ZERO,
            at_slow_end: None,
        }
    }

    /// Note the queue's length if a `slow` fault has ended and it is not
    /// noted yet (called before an arrival joins or a release leaves).
    fn note_slow_end(&mut self, now: SimTime) {
        if let Some((_, until)) = self.slow {
            if now >= until && self.at_slow_end.is_none() {
                self.at_slow_end = Some(self.waiting.len());
            }
        }
    }

    /// Give `worker` a service time drawn now, slowed if a `slow` fault
    /// is in force; return it.
    fn take(
        &mut self,
        worker: usize,
        config: &ServiceConfig,
        rng: &mut Prng,
        now: SimTime,
    ) -> SimTime {
        let drawn = config.time.sample(rng);
        let factor = match self.slow {
            Some((factor, until)) if until > now => u64::from(factor),
            _ => 1,
        };
        let time = SimTime(drawn.as_nanos().saturating_mul(factor));
        self.busy_until[worker] = now + time;
        self.busy += time;
        time
    }

    /// When the first worker is free.
    fn next_free(&self) -> SimTime {
        self.busy_until
            .iter()
            .copied()
            .min()
            .unwrap_or(SimTime::ZERO)
    }
}

/// The share of a node's worker time used from the start of the run to
/// `now`, in whole percent (rounded down): `busy` counts each service time
/// in full when it starts, so the part still ahead of `now` on each
/// worker (`busy_until`) is taken off.
fn utilisation_percent(busy: SimTime, busy_until: &[SimTime], now: SimTime) -> u64 {
    let ahead: u64 = busy_until
        .iter()
        .map(|&t| t.saturating_sub(now).as_nanos())
        .sum();
    let done = busy.as_nanos().saturating_sub(ahead);
    let capacity = u128::from(now.as_nanos()) * busy_until.len() as u128;
    if capacity == 0 {
        return 0;
    }
    (u128::from(done) * 100 / capacity).min(100) as u64
}

/// The service model of a run: its settings, stream and every node's
/// workers (`None` for nodes that take no time).
#[derive(Clone, Debug)]
pub(crate) struct Service<N: Node> {
    config: ServiceConfig,
    rng: Prng,
    nodes: Vec<Option<Workers<N>>>,
    /// While a served handler runs: how long its work takes, so what it
    /// sends and replies leaves that much later.
    pub(crate) delay: SimTime,
}

/// What an arrival at a served node does.
pub(crate) enum Admit<N: Node> {
    /// A worker took it: run the handler now; its sends leave `delay` later.
    Start(Event<N>, SimTime),
    /// Every worker is busy (or others wait first): it waits, `waiting`
    /// in the queue with it; schedule a `serve` event at `schedule`.
    Wait {
        schedule: Option<SimTime>,
        waiting: usize,
    },
}

/// What a `serve` event does.
pub(crate) enum Release<N: Node> {
    /// Nothing waits (the queue was lost in a crash).
    Nothing,
    /// No worker is free yet: serve again then.
    Later(SimTime),
    /// Run `event`'s handler now; its sends leave `time` later; serve
    /// again at `next` if more wait.
    Start {
        event: Event<N>,
        time: SimTime,
        next: Option<SimTime>,
    },
}

impl<N: Node> Service<N> {
    /// The model for a run of `nodes` nodes under `seed`.
    pub(crate) fn new(config: ServiceConfig, nodes: u32, seed: u64) -> Self {
        let served = |i: u32| {
            config
                .nodes
                .as_ref()
                .is_none_or(|list| list.contains(&NodeId(i)))
        };
        let workers = (0..nodes)
            .map(|i| served(i).then(|| Workers::new(config.workers)))
            .collect();
        Service {
            rng: Prng::new(seed, Stream::Service),
            nodes: workers,
            config,
            delay: SimTime::ZERO,
        }
    }

    /// True when client requests take time too (`ServiceConfig::requests`).
    pub(crate) fn takes_requests(&self) -> bool {
        self.config.requests
    }

    /// True when `node` takes time to handle what arrives.
    pub(crate) fn serves(&self, node: NodeId) -> bool {
        self.nodes.get(node.index()).is_some_and(Option::is_some)
    }

    /// An arrival at served `node` at `now`: start it on a free worker if
    /// nothing waits before it, or queue it.
    pub(crate) fn admit(&mut self, node: NodeId, event: Event<N>, now: SimTime) -> Admit<N> {
        let Service {
            config, rng, nodes, ..
        } = self;
        let Some(workers) = nodes[node.index()].as_mut() else {
            return Admit::Start(event, SimTime::ZERO);
        };
        workers.note_slow_end(now);
        let free = workers.busy_until.iter().position(|&t| t <= now);
        match free {
            Some(worker) if workers.waiting.is_empty() => {
                let time = workers.take(worker, config, rng, now);
                Admit::Start(event, time)
            }
            _ => {
                workers.waiting.push_back((now, event));
                workers.queued += 1;
                workers.longest_queue = workers.longest_queue.max(workers.waiting.len());
                let schedule = (!workers.wake_pending).then(|| {
                    workers.wake_pending = true;
                    workers.next_free().max(now)
                });
                Admit::Wait {
                    schedule,
                    waiting: workers.waiting.len(),
                }
            }
        }
    }

    /// A `serve` event for `node` at `now`: start the head of its queue on
    /// the worker that freed.
    pub(crate) fn release(&mut self, node: NodeId, now: SimTime) -> Release<N> {
        let Service {
            config, rng, nodes, ..
        } = self;
        let Some(workers) = nodes.get_mut(node.index()).and_then(Option::as_mut) else {
            return Release::Nothing;
        };
        workers.wake_pending = false;
        workers.note_slow_end(now);
        if workers.waiting.is_empty() {
            return Release::Nothing;
        }
        let Some(worker) = workers.busy_until.iter().position(|&t| t <= now) else {
            // Only a served arrival takes a worker, and none is served
            // while others wait; stay safe and wait for the next anyway.
            workers.wake_pending = true;
            return Release::Later(workers.next_free());
        };
        let (arrived, event) = workers.waiting.pop_front().expect("not empty");
        workers.longest_wait = workers.longest_wait.max(now.saturating_sub(arrived));
        let time = workers.take(worker, config, rng, now);
        let next = (!workers.waiting.is_empty()).then(|| {
            workers.wake_pending = true;
            workers.next_free().max(now)
        });
        Release::Start { event, time, next }
    }

    /// `node` crashed: its queue is lost and its workers are idle. Returns
    /// the lost arrivals (the caller counts the messages among them).
    pub(crate) fn crash(&mut self, node: NodeId) -> Vec<Event<N>> {
        let Some(workers) = self.nodes.get_mut(node.index()).and_then(Option::as_mut) else {
            return Vec::new();
        };
        workers
            .busy_until
            .iter_mut()
            .for_each(|t| *t = SimTime::ZERO);
        workers.wake_pending = false;
        workers.waiting.drain(..).map(|(_, event)| event).collect()
    }

    /// A `slow` fault: multiply `node`'s service times by `factor` until
    /// `until`. False when the node takes no time (nothing to slow).
    pub(crate) fn slow(&mut self, node: NodeId, factor: u32, until: SimTime) -> bool {
        match self.nodes.get_mut(node.index()).and_then(Option::as_mut) {
            Some(workers) => {
                workers.slow = Some((factor, until));
                workers.at_slow_end = None;
                true
            }
            None => false,
        }
    }

    /// What a check can read of `node`'s queue; `None` when the node
    /// takes no time.
    pub(crate) fn queue(&self, node: NodeId) -> Option<QueueReading> {
        let workers = self.nodes.get(node.index())?.as_ref()?;
        Some(QueueReading {
            waiting: workers.waiting.len(),
            longest: workers.longest_queue,
            at_slow_end: workers.at_slow_end,
        })
    }

    /// What the TUI's cluster panel shows of `node`'s workers at `now`
    /// (`2/2 busy 73%, 3 queued`: workers busy now, then its utilisation,
    /// the share of its worker time used so far; and `x10 slow` while a
    /// `slow` fault lasts);
    /// `None` when the node takes no time.
    pub(crate) fn describe(&self, node: NodeId, now: SimTime) -> Option<String> {
        let workers = self.nodes.get(node.index())?.as_ref()?;
        Some(describe_workers(workers.load(), workers.slow, now))
    }

    /// The model's metrics at `now` (see the module comment).
    pub(crate) fn metrics(&self, now: SimTime) -> Vec<(String, String)> {
        let served: Vec<Load<'_>> = self.nodes.iter().flatten().map(Workers::load).collect();
        service_metrics(&served, self.config.workers, now)
    }
}

impl<N: Node> Workers<N> {
    /// What the descriptions and metrics read: everything but the queued
    /// events themselves.
    fn load(&self) -> Load<'_> {
        Load {
            busy_until: &self.busy_until,
            busy: self.busy,
            waiting: self.waiting.len(),
            queued: self.queued,
            longest_queue: self.longest_queue,
            longest_wait: self.longest_wait,
        }
    }
}

/// A served node's workers as [`Service::describe`] and
/// [`Service::metrics`] read them, without the node type: the wording is
/// compiled once.
struct Load<'a> {
    busy_until: &'a [SimTime],
    busy: SimTime,
    waiting: usize,
    queued: u64,
    longest_queue: usize,
    longest_wait: SimTime,
}

/// [`Service::describe`] of one served node.
fn describe_workers(workers: Load<'_>, slow: Option<(u32, SimTime)>, now: SimTime) -> String {
    let busy = workers.busy_until.iter().filter(|&&t| t > now).count();
    let mut text = format!(
        "{busy}/{} busy {}%",
        workers.busy_until.len(),
        utilisation_percent(workers.busy, workers.busy_until, now)
    );
    if workers.waiting > 0 {
        text += &format!(", {} queued", workers.waiting);
    }
    if let Some((factor, until)) = slow {
        if until > now {
            text += &format!(", x{factor} slow");
        }
    }
    text
}

/// [`Service::metrics`] over the served nodes' loads.
fn service_metrics(served: &[Load<'_>], workers: u32, now: SimTime) -> Vec<(String, String)> {
    let served = || served.iter();
    let capacity = now.as_nanos() as f64 * f64::from(workers.max(1));
    let busiest = served()
        .map(|w| {
            w.busy
                .as_nanos()
                .min(now.as_nanos() * w.busy_until.len() as u64)
        })
        .max()
        .unwrap_or(0);
    let share = if capacity > 0.0 {
        busiest as f64 / capacity
    } else {
        0.0
    };
    vec![
        ("service-busy-max".into(), format!("{share:.3}")),
        (
            "queue-length-max".into(),
            served()
                .map(|w| w.longest_queue)
                .max()
                .unwrap_or(0)
                .to_string(),
        ),
        (
            "queued".into(),
            served().map(|w| w.queued).sum::<u64>().to_string(),
        ),
        (
            "queue-wait-max".into(),
            served()
                .map(|w| w.longest_wait)
                .max()
                .unwrap_or(SimTime::ZERO)
                .to_string(),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::utilisation_percent;
    use crate::sim::SimTime;

    fn ms(n: u64) -> SimTime {
        SimTime(n * 1_000_000)
    }

    #[test]
    fn utilisation_counts_only_the_work_done_so_far() {
        // One worker, 60 ms of work started, 20 ms of it still ahead at
        // 100 ms: 40 ms done of 100 ms.
        assert_eq!(utilisation_percent(ms(60), &[ms(120)], ms(100)), 40);
        // Two workers, one idle: 150 ms done of 2 x 100 ms.
        assert_eq!(utilisation_percent(ms(150), &[ms(90), ms(0)], ms(100)), 75);
        // Always busy is 100%; nothing yet at time zero is 0%.
        assert_eq!(utilisation_percent(ms(100), &[ms(100)], ms(100)), 100);
        assert_eq!(
            utilisation_percent(SimTime::ZERO, &[ms(0)], SimTime::ZERO),
            0
        );
    }
}
