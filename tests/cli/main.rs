//! The `distlab` binary, driven as a user drives it.
//!
//! - `commands`: exit codes, output shape and the exact message for every kind of bad input (exit 3, never a panic).
//! - `check_history`: `check-history` end to end: exit codes, output, error messages.
//! - `inputs`: untrusted input stays untrusted (issue 15; its own module map, docs/inputs.md).
//! - `shrink`: `shrink` cuts a failure (failure file or scenario and seed) to a smaller scenario that fails the same check and replays to the reported trace hash; its bad inputs.
//! - `pictures`: `export --format html|svg`: deterministic, the SVG pinned, bad `--steps` refused, the failing check highlighted, the page rendered in headless Chromium (skipped without it).
//! - `shiviz`: `export --format shiviz` writes logs ShiViz accepts, with consistent vector clocks.
//! - `rough_edges`: issue 19's first-hour rough edges: empty histories, traces given to `check-history`, `export --format history`, flags checked before the work, `list` without a scenarios folder, `tui` without a terminal, typo suggestions, plurals.
//! - `sweep_shards`: `sweep --shard I/N --results FILE` then `merge` prints exactly what one sweep prints (same failures, file and sweep hash); merge refuses incomplete or mismatched shards.
//! - `sweep_stream`: `sweep` streams failures while it runs, ends cleanly on Ctrl-C, never clobbers a failure file.

#[path = "../support/mod.rs"]
mod support;

mod check_history;
mod commands;
mod inputs;
mod pictures;
mod rough_edges;
mod shiviz;
mod shrink;
mod sweep_shards;
mod sweep_stream;
