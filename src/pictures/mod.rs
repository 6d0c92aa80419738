//! Pictures a person can look at instead of reading: a run's space-time
//! diagram as a static SVG for slides or as one self-contained HTML page that
//! scrolls, zooms and explains ([`run`]); the history timelines of
//! `check-history` live in [`crate::check::timeline`] and use the text
//! helpers here ([`text`]).
//!
//! Everything is deterministic: the same run gives the same bytes.

pub mod run;
pub mod text;
