//! The terminal UI: step through any scenario, forward and back, and break it
//! on purpose.
//!
//! Structure (see `docs/tui.md`): [`App`] holds the simulation's [`Timeline`]
//! and the view state, with no terminal types; [`map_key`] turns a key into an
//! [`Action`] purely; [`App::apply`] is the only mutation; [`render()`] draws
//! from `&App`. [`terminal`] owns the real terminal: raw mode, the panic hook,
//! and the frame loop that paces stepping against wall time; [`signals`]
//! restores the terminal on SIGTERM, SIGHUP and SIGINT.
//!
//! [`Timeline`]: crate::sim::Timeline

pub mod action;
pub mod app;
pub mod keys;
pub mod parse;
pub mod render;
pub mod signals;
pub mod terminal;

pub use action::{Action, Mode, PromptKind};
pub use app::{App, SaveRequest, Saver};
pub use keys::map_key;
pub use render::render;
