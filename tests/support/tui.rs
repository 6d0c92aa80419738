//! Helpers shared by the TUI tests: sessions on shipped scenarios, a
//! session whose always-check fails, and rendering to text.

#![allow(dead_code)]

use distlab::protocols::broadcast::{builder, BroadcastWorkload, Params};
use distlab::registry;
use distlab::scenario::engine::BuildOptions;
use distlab::sim::Invariant;
use distlab::sim::{Ratio, SimTime, Timeline, TraceLevel};
use distlab::tui::{render, App};
use distlab::workload::ClientConfig;
use ratatui::backend::TestBackend;
use ratatui::Terminal;

/// A session on a shipped scenario (path relative to the package root).
pub fn session(path: &str) -> App {
    let full = format!("{}/{path}", env!("CARGO_MANIFEST_DIR"));
    let scenario = distlab::testing::load(full);
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let sim = registry::build(&scenario, &options).expect("the scenario builds");
    App::new(Timeline::new(sim, 64))
}

/// Step at which [`failing_session`]'s always-check fails.
pub const FAILS_AT: u64 = 60;

/// A broadcast session with a test-only always-check that fails at step
/// [`FAILS_AT`].
pub fn failing_session() -> App {
    let sim = builder(Params::default(), 4, 3)
        .name("broadcast-test-check")
        .duration(SimTime::from_secs(3))
        .trace_level(TraceLevel::Full)
        .clients(
            ClientConfig::with_rate(2, 20.0, SimTime::from_secs(1)),
            BroadcastWorkload {
                read_ratio: Ratio::ZERO,
            },
        )
        .invariant(Invariant::always("test-stops-at-step-60", |sim| {
            if sim.steps() >= FAILS_AT {
                Err(format!("the test check fires at step {FAILS_AT}"))
            } else {
                Ok(())
            }
        }))
        .build();
    App::new(Timeline::new(Box::new(sim), 64))
}

/// The screen as text, one line per row, with the trace hash masked.
pub fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| render(app, f)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let mut line = String::new();
        for x in 0..width {
            line.push_str(buffer[(x, y)].symbol());
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    mask_hash(&out)
}

fn mask_hash(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find("hash 0x") {
        let (head, tail) = rest.split_at(i + "hash 0x".len());
        out.push_str(head);
        let digits = tail
            .bytes()
            .take(16)
            .take_while(u8::is_ascii_hexdigit)
            .count();
        out.push_str(&"#".repeat(digits));
        rest = &tail[digits..];
    }
    out.push_str(rest);
    out
}
