//! The shared vocabulary every other module speaks: ids, virtual time,
//! seeded random streams and ratios, the stable hasher, and the operations
//! and values clients exchange with nodes, and the labelled view of a
//! node's state the inspector shows. A leaf: it imports nothing else
//! from distlab (`tests/tidy/main.rs` checks), so the engine, the network, faults,
//! workloads and checkers can all depend on it without depending on each
//! other. The engine re-exports it (`sim::SimTime`, `sim::NodeId`, ...).

pub mod digits;
pub mod hash;
pub mod ids;
pub mod inspect;
pub mod int_set;
pub mod op;
pub mod rng;
pub mod size;
pub mod suggest;
pub mod time;
pub mod value;

pub use ids::{ClientId, Endpoint, NodeId, TimerId};
pub use op::{Op, Reply, Request};
pub use rng::{Prng, Ratio, Stream};
pub use time::SimTime;
pub use value::Value;
