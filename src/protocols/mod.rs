//! Protocols: each one a [`Node`](crate::sim::Node) implementation with its
//! invariants, workload and scenarios.

pub mod broadcast;
pub mod pingpong;
pub mod raft;
