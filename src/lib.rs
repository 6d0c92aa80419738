//! distlab: a deterministic distributed-systems simulator and teaching lab.

pub mod check;
pub mod cli;
pub mod scenario;
pub mod sim;
