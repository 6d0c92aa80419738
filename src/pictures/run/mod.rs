//! A run's space-time diagram: one lane per node and client, time (steps)
//! flowing right, arrows from the step that sent a message to the step that
//! delivered it, marks for timers, starts, client operations, drops, crashes,
//! pauses and partitions, the failing check highlighted.
//!
//! - `model`: what the pictures show, read from the engine's views while
//!   the run steps ([`run_and_read`]).
//! - `svg`: a static picture of a range of steps ([`render_svg`]).
//! - `html`: one self-contained page over the whole run, drawn by a small
//!   inline script from the model as compact JSON ([`render_html`]).
//! - `geometry`: sizes and colours both pictures share.

mod geometry;
mod html;
mod model;
mod svg;

pub use html::render_html;
pub use model::{
    run_and_read, Failure, LaneSpan, PartitionSpan, RunModel, Snapshot, StepMark, SNAPSHOT_EVERY,
};
pub use svg::{default_window, render_svg, StepRange, MAX_SVG_STEPS};
