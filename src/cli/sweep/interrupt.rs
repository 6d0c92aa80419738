//! Ctrl-C during a sweep: the first SIGINT asks the sweep to stop (it writes
//! what it found and prints a summary); a second one ends the process at once
//! with exit code 130 (the failure file is valid JSON at every moment).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

/// Exit code of an interrupted sweep (128 + SIGINT, as shells report it).
pub const EXIT_INTERRUPTED: i32 = 130;

/// A SIGINT flag, registered for as long as this value lives.
pub struct Interrupt {
    flag: Arc<AtomicBool>,
    #[cfg(unix)]
    ids: Vec<signal_hook::SigId>,
}

impl Interrupt {
    /// Catch SIGINT from now on. If the handler cannot be installed, Ctrl-C
    /// keeps its default effect (the process ends).
    pub fn install() -> Interrupt {
        let flag = Arc::new(AtomicBool::new(false));
        #[cfg(unix)]
        {
            use signal_hook::consts::SIGINT;
            let mut ids = Vec::new();
            // Order matters: the shutdown handler sees the flag as it was
            // before this signal, so only a second Ctrl-C exits.
            if let Ok(id) = signal_hook::flag::register_conditional_shutdown(
                SIGINT,
                EXIT_INTERRUPTED,
                Arc::clone(&flag),
            ) {
                ids.push(id);
            }
            if let Ok(id) = signal_hook::flag::register(SIGINT, Arc::clone(&flag)) {
                ids.push(id);
            }
            Interrupt { flag, ids }
        }
        #[cfg(not(unix))]
        {
            Interrupt { flag }
        }
    }

    /// True once Ctrl-C was pressed.
    pub fn is_set(&self) -> bool {
        self.flag.load(Ordering::Relaxed)
    }
}

impl Drop for Interrupt {
    fn drop(&mut self) {
        #[cfg(unix)]
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}
