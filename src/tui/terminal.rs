//! The real terminal: raw mode and the alternate screen, restored on quit,
//! on error (a drop guard), on a panic that is not protocol code's (a
//! hook; the engine catches protocol panics and the session shows them) and
//! on SIGTERM, SIGHUP or SIGINT ([`super::signals`]); Ctrl-C arrives as a
//! key in raw mode and quits. The frame loop
//! reads keys, paces stepping against wall time, and redraws at most
//! [`FPS`] times a second while running. Wall time lives here only: the
//! simulation sees steps, never the clock.

use super::app::App;
use super::keys::map_key;
use super::render::render;
use super::signals::Watch;
use super::Action;
use crossterm::event::{self, Event};
use ratatui::DefaultTerminal;
use std::io;
use std::time::{Duration, Instant};

/// Redraws per second at most while running.
pub const FPS: u32 = 30;

/// Steps per chunk when running as fast as possible, between clock checks.
const CHUNK: u64 = 256;

/// Restores the terminal when dropped (quit, error, unwinding).
struct Restore;

impl Drop for Restore {
    fn drop(&mut self) {
        ratatui::restore();
    }
}

/// How the terminal UI ended.
pub struct Exit {
    /// The app as it was left (to report on).
    pub app: App,
    /// The signal that stopped it (SIGTERM, SIGHUP, SIGINT), if one did.
    pub signal: Option<i32>,
}

/// Run `app` in the terminal until it quits or a signal stops it; the
/// terminal is restored either way.
pub fn run(mut app: App) -> io::Result<Exit> {
    let watch = Watch::start()?;
    let mut terminal = init()?;
    let guard = Restore;
    let result = frame_loop(&mut terminal, &mut app, &watch);
    drop(guard);
    watch.restored();
    let signal = watch.pending();
    result.map(|()| Exit { app, signal })
}

/// Raw mode, the alternate screen, and a panic hook that restores the
/// terminal before a panic is printed. `ratatui::try_init` would restore it
/// on *every* panic, including one in protocol code that the engine catches
/// and shows on screen (the session goes on): this hook asks the engine's
/// hook first ([`crate::sim::panics::is_catching`]), which is installed
/// before it so that it runs inside it.
fn init() -> io::Result<DefaultTerminal> {
    crate::sim::panics::install_panic_hook();
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if !crate::sim::panics::is_catching() {
            ratatui::restore();
        }
        previous(info);
    }));
    crossterm::terminal::enable_raw_mode()?;
    crossterm::execute!(io::stdout(), crossterm::terminal::EnterAlternateScreen)?;
    ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(io::stdout()))
}

fn frame_loop(terminal: &mut DefaultTerminal, app: &mut App, watch: &Watch) -> io::Result<()> {
    let frame = Duration::from_secs(1) / FPS; // allow-nondeterminism: UI pacing
    let mut credit = 0.0f64;
    let mut last_tick = Instant::now(); // allow-nondeterminism: UI pacing
    let done = |app: &App| app.should_quit() || watch.pending().is_some();
    while !done(app) {
        terminal.draw(|f| render(app, f))?;
        let started = Instant::now(); // allow-nondeterminism: UI pacing
        loop {
            let remaining = frame.saturating_sub(started.elapsed());
            if app.is_busy() {
                step_for(app, &mut credit, &mut last_tick, started + frame * 4 / 5);
                if event::poll(Duration::ZERO)? {
                    handle(app, event::read()?);
                }
            } else {
                credit = 0.0;
                last_tick = Instant::now(); // allow-nondeterminism: UI pacing
                if event::poll(remaining)? {
                    handle(app, event::read()?);
                    break;
                }
            }
            if done(app) || started.elapsed() >= frame {
                break;
            }
        }
    }
    Ok(())
}

/// Advance the app by what its rate allows since the last tick, never past
/// `deadline`.
fn step_for(app: &mut App, credit: &mut f64, last_tick: &mut Instant, deadline: Instant) {
    let now = Instant::now(); // allow-nondeterminism: UI pacing
    let elapsed = now.duration_since(*last_tick).as_secs_f64();
    *last_tick = now;
    match app.rate() {
        Some(rate) => {
            *credit = (*credit + rate as f64 * elapsed).min(rate as f64);
            while *credit >= 1.0 && app.is_busy() && Instant::now() < deadline {
                let n = (*credit as u64).min(CHUNK);
                app.apply(Action::Tick(n));
                *credit -= n as f64;
            }
            if *credit < 1.0 {
                // Nothing due yet: wait a little instead of spinning.
                let wait = Duration::from_secs_f64((1.0 - *credit) / rate as f64);
                let until = deadline.saturating_duration_since(Instant::now());
                std::thread::sleep(wait.min(until).min(Duration::from_millis(5)));
            }
        }
        None => {
            while app.is_busy() && Instant::now() < deadline {
                app.apply(Action::Tick(CHUNK));
            }
        }
    }
}

fn handle(app: &mut App, event: Event) {
    if let Event::Key(key) = event {
        if let Some(action) = map_key(key, app.mode()) {
            app.apply(action);
        }
    }
}
