//! Pictures a person can look at instead of reading: a run's space-time
//! diagram as a static SVG for slides or as one self-contained HTML page that
//! scrolls, zooms and explains ([`run`]); a checked history as a timeline,
//! the failing key first, with the checker's explanation beside it
//! ([`history`]); a sweep's table of medians as bar charts ([`chart`]);
//! a sweep's latency distributions as a tail plot ([`latency`]);
//! the text helpers they use ([`text`]).
//!
//! Everything is deterministic: the same run gives the same bytes.

pub mod chart;
pub mod history;
pub mod latency;
pub mod run;
pub mod text;
