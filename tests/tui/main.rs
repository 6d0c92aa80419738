//! The terminal UI.
//!
//! - `big_cluster`: 10,000 nodes: the summarised cluster panel, node picking (`o`), a diagram of the picked and busiest nodes.
//! - `app`: the state machine: every action through `App::apply`, time travel, keyboard faults recorded as inputs.
//! - `explore`: a path found by `distlab explore` opens at its violating step with the check shown, steps back through its choices and forward to the same world.
//! - `inspector`: a node's labelled view (Raft's Figure 2 table), a selected message's fields, other protocols' views, and every built-in protocol providing one.
//! - `render`: the screens rendered into ratatui's TestBackend, snapshotted at two sizes.
//! - `replay`: a saved TUI session replays headless with the same trace hash.
//! - `tmux`: the real binary in tmux: shows the cluster, steps, goes back, quits cleanly (skipped without tmux).

#[path = "../support/mod.rs"]
mod support;

mod app;
mod big_cluster;
mod explore;
mod inspector;
mod render;
mod replay;
mod tmux;
