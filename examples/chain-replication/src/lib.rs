//! Chain replication (van Renesse & Schneider, OSDI 2004), tested with
//! distlab: an example of a protocol that lives in its own crate.
//!
//! - [`node`]: the protocol — a configuration master and a chain of
//!   replicas, as one [`distlab::sim::Node`] type.
//! - [`workload`]: what clients ask (`put`/`get` on a few keys).
//! - [`checks`]: an invariant over the nodes, end-of-run checks and the
//!   linearizability history check.
//! - [`scenario`]: building a simulation from a scenario file that names
//!   `protocol = "chain-replication"`, and the [`entry`] the binary and the
//!   tests register.
//!
//! `docs/testing-your-protocol.md` (in the distlab repository) walks
//! through this crate.

pub mod checks;
pub mod node;
pub mod scenario;
pub mod workload;

pub use node::{ChainNode, Config, Msg, Timer, Update, MASTER};
pub use scenario::{build, builder, configured, entry, FACTS};
pub use workload::KvWorkload;

use distlab::sim::SimTime;

/// Protocol parameters (`[protocol]` in a scenario file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Params {
    /// Replicas send the master a heartbeat, and their successor what it
    /// lacks, this often; the master checks for failures as often.
    pub heartbeat: SimTime,
    /// The master removes a replica it has not heard from for this long.
    pub suspect_after: SimTime,
    /// The tail answers reads until this long after the heartbeat the
    /// master last answered. Must be less than `suspect_after`.
    pub lease: SimTime,
    /// A replica resends its sent list when its successor has acknowledged
    /// nothing for this long.
    pub resend_after: SimTime,
    /// At most this many entries per message.
    pub batch: usize,
    /// Deliberate defects, to see the checks catch them.
    pub bugs: Vec<Bug>,
}

impl Default for Params {
    fn default() -> Self {
        use scenario::{BATCH, HEARTBEAT, LEASE, RESEND_AFTER, SUSPECT_AFTER};
        Params {
            heartbeat: HEARTBEAT.default_value(),
            suspect_after: SUSPECT_AFTER.default_value(),
            lease: LEASE.default_value(),
            resend_after: RESEND_AFTER.default_value(),
            batch: BATCH.default_value(),
            bugs: Vec::new(),
        }
    }
}

distlab::bug_switches! {
    /// A deliberate defect (`[protocol] bugs = [...]`). Each is caught by a
    /// check: a check that never fails checks nothing.
    pub enum Bug {
        /// The head answers a write as soon as it has it, before the write
        /// reaches the tail. A read at the tail then misses an acknowledged
        /// write: the linearizability check fails.
        AckAtHead = "ack-at-head",
        /// After a repair a replica assumes its new successor has
        /// everything (no resend of the sent list, gaps ignored). The chain
        /// stops, and the logs never agree again: `chain-repaired` fails.
        NoResend = "no-resend",
        /// The tail answers reads without a lease from the master, so a
        /// tail cut off from the master and replaced still answers with old
        /// data: the linearizability check fails.
        ReadsWithoutLease = "reads-without-lease",
    }
}
