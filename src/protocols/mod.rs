//! Protocols: each one a [`Node`](crate::sim::Node) implementation with its
//! invariants, workload and scenarios.

pub mod broadcast;
pub mod bully;
pub mod clocks;
pub mod cqrs;
pub mod gossip;
pub mod load_balancing;
pub mod lock_service;
pub mod paxos;
pub mod pingpong;
pub mod quorum_kv;
pub mod raft;
pub mod replicated_kv;
pub mod resilience;
pub mod saga;
pub mod service_discovery;
pub mod sharding;
pub mod swim;
pub mod three_pc;
pub mod two_pc;

pub(crate) mod show;
