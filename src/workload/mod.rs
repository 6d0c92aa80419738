//! Clients and workloads.
//!
//! Clients are closed-loop: each has at most one operation open (or
//! `in_flight` of them), issues it to a node over the simulated network,
//! waits for a reply or a timeout, then thinks for a while (not at all with
//! `in_flight`) and issues the next. Every operation is recorded in a
//! Jepsen-style [`History`](crate::check::history::History). A protocol supplies
//! the [`Workload`] that decides what each operation is.

use crate::base::rng::Prng;
use crate::base::Op;
use crate::base::{ClientId, SimTime};
use std::fmt::Debug;

/// Generates client operations. Stateless: everything it needs comes from the
/// workload stream, the client and the operation's sequence number.
pub trait Workload: Debug + Send + Sync {
    /// The `sequence`-th operation over all clients, issued by `client`.
    fn next_op(&self, rng: &mut Prng, client: ClientId, sequence: u64) -> Op;
}

/// Client settings.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientConfig {
    /// Number of clients.
    pub clients: u32,
    /// Mean think time between one operation's end and the next's start, per
    /// client (drawn uniformly in `[interval/2, 3·interval/2]`).
    pub interval: SimTime,
    /// An operation without a reply after this is recorded as `info`.
    pub timeout: SimTime,
    /// Resend an unanswered request, with the same request id, to the next
    /// node after this long (again and again until `timeout`); `None`: never
    /// (a client then resends only when redirected).
    pub resend: Option<SimTime>,
    /// Stop after this many operations in all.
    pub max_ops: Option<u64>,
    /// What a client does when an operation times out.
    pub retry: RetryMode,
    /// With [`RetryMode::SameId`]: the most retries of one operation, after
    /// which it ends `info`; `None`: no limit (it stays open until answered
    /// or the run ends).
    pub retries: Option<u32>,
    /// Keep this many operations open per client, issuing the next one as
    /// soon as one ends (no think time; `interval` only staggers the
    /// clients' first operations); `None`: one at a time, with think time.
    pub in_flight: Option<u32>,
}

/// What a client does when an operation's `timeout` passes unanswered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RetryMode {
    /// Give up: the operation ends `info` (outcome unknown) and the next
    /// one gets a new request id.
    #[default]
    NewId,
    /// Retry: send the same request (the same id) to the next node and wait
    /// another `timeout`; the operation stays one invoke and ends with the
    /// answer to whichever copy is answered first.
    SameId,
}

impl RetryMode {
    /// Every mode with its name in scenario files.
    pub const NAMED: [(&'static str, RetryMode); 2] =
        [("new-id", RetryMode::NewId), ("same-id", RetryMode::SameId)];
}

impl Default for ClientConfig {
    fn default() -> Self {
        ClientConfig {
            clients: 0,
            interval: SimTime::from_millis(100),
            timeout: SimTime::from_secs(1),
            resend: None,
            max_ops: None,
            retry: RetryMode::NewId,
            retries: None,
            in_flight: None,
        }
    }
}

impl ClientConfig {
    /// `clients` clients issuing `rate_per_sec` operations per second in all.
    pub fn with_rate(clients: u32, rate_per_sec: f64, timeout: SimTime) -> ClientConfig {
        let per_client = if rate_per_sec > 0.0 {
            rate_per_sec / clients.max(1) as f64
        } else {
            1.0
        };
        let interval_ns = (1e9 / per_client).round().clamp(1.0, 1e15) as u64;
        ClientConfig {
            clients,
            interval: SimTime(interval_ns),
            timeout,
            resend: None,
            max_ops: None,
            retry: RetryMode::NewId,
            retries: None,
            in_flight: None,
        }
    }

    /// Operations each client keeps open at once: `in_flight`, or 1.
    pub fn lanes(&self) -> u32 {
        self.in_flight.unwrap_or(1).max(1)
    }
}
