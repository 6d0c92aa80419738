//! Protocols: each one a [`Node`](crate::sim::Node) implementation with its
//! invariants, workload and scenarios.

pub mod broadcast;
pub mod pingpong;
pub mod resilience;
pub mod saga;
pub mod two_pc;
