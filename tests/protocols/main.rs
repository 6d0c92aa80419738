//! The shipped protocols, each through its scenarios: seed ranges pass, every bug switch is caught (with its replay command), trace hashes are pinned.
//!
//! - `bug_scenarios`: every shipped `*-bug-*.toml` fails at the seed its file names.
//! - `bully`: the bully election: hand-over and bully-back, the split brain a partition makes (by design), flapping with a slow node, the `no-bully` switch.
//! - `chaos`: chaos experiments (`[experiment]`): each shipped verdict over seeds, the hypothesis judged over its window, an abort stopping the faults, a role skipped outside the blast radius, trace hashes pinned.
//! - `cap`: quorum-kv's CAP trade-offs, the comparison table (snapshot) and its bug switches.
//! - `clocks`: Lamport and vector-clock scenarios; LWW loses writes where vector clocks keep siblings.
//! - `clocks_props`: vector clocks form a partial order and merge is its least upper bound (proptest).
//! - `cqrs`: event sourcing and CQRS under crashes, loss and duplication; each bug caught by the check meant for it.
//! - `explore_bounded`: `explore` exhausts the 3-node Raft reference inside a boundary (term, log, wire; relative time) and finds a bug switch inside it.
//! - `explore_paxos`: `explore` on Multi-Paxos: counts pinned at small depths for every strategy and with fault budgets.
//! - `explore_bugs`: `explore` finds every Raft and 2PC bug switch in a small configuration (some in phases), and the reference passes the same searches.
//! - `gossip`: gossip scenarios and bug switches.
//! - `load_balancing`: one slow instance among ten (round robin's p99 collapses, least-outstanding and two-choices hold), stale load, a herd that a restart causes under least-outstanding and slow start preventing it, held (long-lived) requests, every bug switch caught by its check, trace hashes pinned.
//! - `lock_service`: the lock service: a holder paused past its lease corrupts the storage without fencing and is fenced off with it; tokens grow; the lock is granted again after a crash.
//! - `paxos`: Multi-Paxos under churn (crashes, partitions, pauses, loss, duplication); every bug switch caught on its check; dueling proposers livelock without backoff and end with it.
//! - `raft_6_5840`: the MIT 6.5840 Raft tests as scenarios (`scenarios/raft-6.5840/`): each passes on the reference; each bug switch fails one of them.
//! - `raft_bugs`: every Raft bug switch is caught within a few seeds, and the same seed passes without it.
//! - `raft_membership`: membership changes (single-server with learner catch-up, joint consensus) and leadership transfer (drain, then remove) pass their scenarios, make every change of the list, pinned hashes; the two membership bug switches are in `raft_bugs`.
//! - `raft_network`: Raft under a network that changes mid-run (a change for one message kind, in-flight drops, a partial heal, a reset) and under a swarm nemesis; a slow change is no false liveness failure; a relative target names a known role.
//! - `raft_clients`: Raft under the richer client model: a client cut off with the minority gets no `ok` (a leader answering without a quorum would answer it), lossy client traffic with same-id retries catches `no-dedup` where the old model does not, pipelined clients with big values.
//! - `raft_reads`: ReadIndex and lease reads (`read_mode`) pass their scenarios linearizably with no log entry per read; a lease skips rounds; pinned hashes.
//! - `raft_scenarios`: Raft's shipped scenarios pass over seed ranges and report what a user should see.
//! - `raft_sessions`: client sessions that expire (`session_timeout`): refused requests fail, retries of applied ones end `info`, the history stays linearizable.
//! - `raft_timed`: Raft's checks in time: moments and deadlines pass on the reference, fail when what they state is false, and leave the trace hash alone.
//! - `resilience`: the retry-storm scenario and the three protections side by side.
//! - `saga`: sagas in both styles, the isolation anomaly, bug switches.
//! - `service_discovery`: service discovery: TTLs, caches, flap damping, health checks and stale views, each bug switch caught by its check.
//! - `swim`: SWIM failure detection and its bug switch.
//! - `three_pc`: three-phase commit over 2PC's bank and checks: no blocking where 2PC blocks, atomicity lost under a partition (by design), its bug switches.
//! - `two_pc`: two-phase commit: scenarios, bug switches, every check catches something.

#[path = "../support/mod.rs"]
mod support;

mod bug_scenarios;
mod bully;
mod cap;
mod chaos;
mod clocks;
mod clocks_props;
mod cqrs;
mod explore_bounded;
mod explore_bugs;
mod explore_paxos;
mod gossip;
mod load_balancing;
mod lock_service;
mod paxos;
mod raft_6_5840;
mod raft_bugs;
mod raft_clients;
mod raft_membership;
mod raft_network;
mod raft_pipeline;
mod raft_reads;
mod raft_scenarios;
mod raft_sessions;
mod raft_timed;
mod resilience;
mod saga;
mod service_discovery;
mod sharding;
mod swim;
mod three_pc;
mod two_pc;
