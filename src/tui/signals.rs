//! Signals that end the terminal UI with the terminal restored: SIGTERM,
//! SIGHUP and SIGINT sent from outside (in raw mode, the Ctrl-C *key* is a
//! key, not a signal). Without this, `kill` leaves the terminal in raw mode,
//! on the alternate screen, with the cursor hidden.
//!
//! A watcher thread (signal-hook's iterator, so nothing runs inside the
//! signal handler) records the signal; the frame loop sees it within a frame
//! and returns, and the normal path restores the terminal. If the loop does
//! not answer within [`GRACE`] (a long jump in time blocks it), the watcher
//! restores the terminal itself and exits with `128 + signal`.

use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How long the frame loop has to notice a signal before the watcher
/// restores the terminal and exits on its own.
pub const GRACE: Duration = Duration::from_millis(500);

/// The process exit code after `signal`: `128 + signal`, as shells report it.
pub fn exit_code(signal: i32) -> i32 {
    128 + signal
}

/// A signal's name (`SIGTERM`), or its number.
pub fn name(signal: i32) -> String {
    match signal {
        1 => "SIGHUP".into(),
        2 => "SIGINT".into(),
        15 => "SIGTERM".into(),
        other => format!("signal {other}"),
    }
}

/// Watches for the signals while it lives.
pub struct Watch {
    pending: Arc<AtomicI32>,
    restored: Arc<AtomicBool>,
    #[cfg(unix)]
    handle: signal_hook::iterator::Handle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Watch {
    /// Start watching (on platforms without these signals, a no-op).
    pub fn start() -> std::io::Result<Watch> {
        let pending = Arc::new(AtomicI32::new(0));
        let restored = Arc::new(AtomicBool::new(false));
        #[cfg(unix)]
        {
            use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};
            let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP, SIGINT])?;
            let handle = signals.handle();
            let (seen, done) = (Arc::clone(&pending), Arc::clone(&restored));
            let thread = std::thread::spawn(move || {
                if let Some(signal) = signals.forever().next() {
                    seen.store(signal, Ordering::SeqCst);
                    fallback(signal, &done);
                }
            });
            Ok(Watch {
                pending,
                restored,
                handle,
                thread: Some(thread),
            })
        }
        #[cfg(not(unix))]
        Ok(Watch {
            pending,
            restored,
            thread: None,
        })
    }

    /// The signal received, if any.
    pub fn pending(&self) -> Option<i32> {
        match self.pending.load(Ordering::SeqCst) {
            0 => None,
            signal => Some(signal),
        }
    }

    /// The terminal is restored: the watcher need not do it.
    pub fn restored(&self) {
        self.restored.store(true, Ordering::SeqCst);
    }
}

/// After a signal: wait for the frame loop to restore the terminal; if it
/// does not within [`GRACE`], restore it here and exit.
#[cfg(unix)]
fn fallback(signal: i32, restored: &AtomicBool) {
    let started = std::time::Instant::now(); // allow-nondeterminism: UI signal grace
    while started.elapsed() < GRACE {
        if restored.load(Ordering::SeqCst) {
            return;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    if !restored.load(Ordering::SeqCst) {
        ratatui::restore();
        eprintln!("distlab: tui stopped by {}", name(signal));
        std::process::exit(exit_code(signal));
    }
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.restored();
        #[cfg(unix)]
        self.handle.close();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
