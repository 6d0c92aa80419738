//! Entry points for fuzzing distlab's untrusted inputs, shared by the
//! cargo-fuzz targets in `fuzz/` and by the stable smoke test
//! (`tests/scenarios/fuzz_smoke.rs`), so CI exercises the same code on every change.
//!
//! Each function takes arbitrary bytes and must never panic, hang or
//! allocate without bound; it returns whether the input got past the
//! readers ([`Reach::Ran`]) so a test can tell a fuzzer that only ever
//! exercises error paths. Work is bounded: at most [`MAX_STEPS`] simulation
//! steps per run and a step budget for the history checkers.

use crate::check::history_io::{self, Format};
use crate::check::linearizability::{self, Budget, Model, Options};
use crate::check::serializability::{self, Consistency};
use crate::check::{counter, ops, set_full};
use crate::cli::failure;
use crate::pictures::history::{self as timeline, HistoryPicture};
use crate::registry;
use crate::scenario::engine::BuildOptions;
use crate::scenario::{self, Overrides};
use crate::sim::{DynSim, StepResult, Timeline, TraceLevel};
use crate::tui::{map_key, render, Action, App};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use std::path::Path;

/// Most simulation steps one fuzz input runs.
pub const MAX_STEPS: u64 = 2_000;

/// Search steps the linearizability checker may take per model.
pub const CHECK_STEPS: u64 = 20_000;

/// How far an input got.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// Rejected by a reader, with an error (rendered, never shown).
    Rejected,
    /// Read, built and run (or checked).
    Ran,
}

/// A scenario file: parse, build, run at most [`MAX_STEPS`] steps, finish.
pub fn scenario(data: &[u8]) -> Reach {
    let Ok(text) = std::str::from_utf8(data) else {
        return Reach::Rejected;
    };
    let scenario = match scenario::parse("fuzz.toml", text, &Overrides::default()) {
        Ok(s) => s,
        Err(e) => return rejected(e),
    };
    match registry::build(&scenario, &BuildOptions::default()) {
        Ok(sim) => {
            run_bounded(sim);
            Reach::Ran
        }
        Err(e) => rejected(e),
    }
}

/// A history file in every format: read, pair, and run every checker with a
/// step budget, plus the timeline pictures.
pub fn history(data: &[u8]) -> Reach {
    let Ok(text) = std::str::from_utf8(data) else {
        return Reach::Rejected;
    };
    let _ = Format::detect("fuzz.txt", text);
    let mut reach = Reach::Rejected;
    for format in [Format::Jsonl, Format::JepsenLog, Format::Edn] {
        let parsed = match history_io::parse(text, format) {
            Ok(p) => p,
            Err(e) => {
                let _ = e.to_string();
                continue;
            }
        };
        let _ = history_io::to_jsonl(&parsed.history);
        let pairs = match ops::pair(&parsed.history, Some(&parsed.lines)) {
            Ok(o) => o,
            Err(e) => {
                let _ = e.to_string();
                continue;
            }
        };
        reach = Reach::Ran;
        check_all(&pairs);
    }
    reach
}

fn check_all(pairs: &ops::Operations) {
    let options = Options {
        budget: Budget::steps(CHECK_STEPS),
        partition: true,
    };
    let models = [
        Model::Register,
        Model::CasRegister,
        Model::Kv,
        Model::Counter,
        Model::Set,
        Model::Queue,
    ];
    let mut failing = Vec::new();
    for model in models {
        if let Ok(v) = linearizability::check_operations(pairs, model, &options) {
            failing = v.failing_ops;
        }
    }
    for consistency in [
        Consistency::StrictSerializable,
        Consistency::Serializable,
        Consistency::SnapshotIsolation,
        Consistency::ReadCommitted,
    ] {
        let _ = serializability::check_operations(pairs, consistency);
    }
    let _ = counter::check_counter(pairs);
    let _ = set_full::check_set_full(pairs, true);
    let picture = HistoryPicture {
        title: "fuzz",
        failing: &failing,
        failing_key: pairs.ops.first().and_then(|o| o.key.as_deref()),
        explanation: "fuzz",
    };
    let _ = timeline::render_svg(pairs, &picture);
    let _ = timeline::render_html(pairs, &picture);
}

/// Where the replay target pretends its input lies: beside the seed replay
/// files, so their relative scenario paths resolve.
const REPLAY_ORIGIN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/fuzz/seeds/replay/input.json");

/// A replay file, as if at `REPLAY_ORIGIN`: read it, load each failure's
/// scenario (at most two) the way `distlab replay` does, and re-run it with
/// its recorded actions for at most [`MAX_STEPS`] steps.
pub fn replay(data: &[u8]) -> Reach {
    let Ok(text) = std::str::from_utf8(data) else {
        return Reach::Rejected;
    };
    let origin = Path::new(REPLAY_ORIGIN);
    let failures = match failure::parse(origin, text) {
        Ok(f) => f,
        Err(_) => return Reach::Rejected,
    };
    let mut reach = Reach::Rejected;
    for mut f in failures.into_iter().take(2) {
        f.origin = Some(origin.to_path_buf());
        let scenario = match f.load_scenario(&crate::cli::Context::default()) {
            Ok(s) => s,
            Err(_) => continue,
        };
        let Ok(sim) = registry::build(&scenario, &BuildOptions::default()) else {
            continue;
        };
        reach = Reach::Ran;
        let mut timeline = Timeline::with_actions(sim, 64, f.timeline_actions());
        let stop = f.stop_at_step.unwrap_or(MAX_STEPS).min(MAX_STEPS);
        timeline.goto(stop);
        let _ = timeline.sim().report();
    }
    reach
}

/// The scenario the TUI target steps through: broadcast over a partition
/// (9 nodes, faults, about 16,000 steps to its end, so any jump is quick).
const TUI_SCENARIO: &str = include_str!("../scenarios/broadcast-partition.toml");

/// A TUI session driven by keys decoded from `data` (two bytes a key: which
/// key, and a character for prompts), advancing while it runs and
/// rendering into a terminal whose size the first byte picks (down to 1x1).
pub fn tui_keys(data: &[u8]) -> Reach {
    let overrides = Overrides::default();
    let Ok(scenario) = scenario::parse("broadcast-partition.toml", TUI_SCENARIO, &overrides) else {
        return Reach::Rejected;
    };
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let Ok(sim) = registry::build(&scenario, &options) else {
        return Reach::Rejected;
    };
    let mut app = App::new(Timeline::new(sim, 64));
    let (width, height) = match data.first() {
        Some(b) => (u16::from(b & 0x7f) + 1, u16::from(b >> 3) + 1),
        None => (80, 24),
    };
    for (i, pair) in data.get(1..).unwrap_or(&[]).chunks(2).enumerate() {
        let key = decode_key(pair);
        if let Some(action) = map_key(key, app.mode()) {
            app.apply(action);
        }
        if app.should_quit() {
            break;
        }
        if app.is_busy() {
            app.apply(Action::Tick(64));
        }
        if i % 4 == 0 {
            draw(&app, width, height);
        }
    }
    draw(&app, width, height);
    Reach::Ran
}

/// A key from two bytes: the first picks the key, the second the character
/// typed for the character keys.
pub fn decode_key(pair: &[u8]) -> KeyEvent {
    let which = pair.first().copied().unwrap_or(0);
    let byte = pair.get(1).copied().unwrap_or(b'n');
    let code = match which % 16 {
        0 => KeyCode::Enter,
        1 => KeyCode::Esc,
        2 => KeyCode::Backspace,
        3 => KeyCode::Tab,
        4 => KeyCode::Left,
        5 => KeyCode::Right,
        6 => KeyCode::Up,
        7 => KeyCode::Down,
        8 => {
            return KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
        }
        9 => KeyCode::Char(char::from(b"0123456789.,- "[usize::from(byte) % 14])),
        _ => KeyCode::Char(char::from(byte)),
    };
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn draw(app: &App, width: u16, height: u16) {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let Ok(mut terminal) = ratatui::Terminal::new(backend);
    let _ = terminal.draw(|f| render(app, f));
}

fn run_bounded(mut sim: Box<dyn DynSim>) {
    for _ in 0..MAX_STEPS {
        if sim.step() != StepResult::Progressed {
            break;
        }
    }
    let _ = sim.finish();
}

/// A sweep results file (`sweep --results`, what `merge` reads): parse it
/// and check every record as `merge` does.
pub fn sweep_results(data: &[u8]) -> Reach {
    let Ok(text) = std::str::from_utf8(data) else {
        return Reach::Rejected;
    };
    match crate::cli::sweep::results::parse(text) {
        Ok(_) => Reach::Ran,
        Err(e) => rejected(e),
    }
}

fn rejected(error: impl std::fmt::Display) -> Reach {
    let _ = error.to_string();
    Reach::Rejected
}
