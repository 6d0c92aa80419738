//! The engine: world, event queue, context, trace, time.

pub mod time;

pub use time::SimTime;
