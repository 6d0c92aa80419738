//! A panic anywhere in a sweep worker (building the simulation, running it,
//! its checks, its report) is a failed seed, not the end of the sweep.
//!
//! While a worker runs a seed, the panic hook records the message and where
//! it was raised instead of printing it (a sweep may hit thousands); panics
//! on any other thread go to the hook that was installed before.

use std::cell::{Cell, RefCell};
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

thread_local! {
    static IN_WORKER: Cell<bool> = const { Cell::new(false) };
    static LAST: RefCell<Option<String>> = const { RefCell::new(None) };
}

static HOOK: Once = Once::new();

/// Install the recording hook (once per process; it forwards every panic
/// outside [`catching`] to the previous hook).
pub fn install_hook() {
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if IN_WORKER.with(Cell::get) {
                let message = info.payload_as_str().unwrap_or("(no message)");
                let text = match info.location() {
                    Some(at) => format!("{message} (at {}:{})", at.file(), at.line()),
                    None => message.to_string(),
                };
                LAST.with(|last| *last.borrow_mut() = Some(text));
            } else {
                previous(info);
            }
        }));
    });
}

/// Run `f`; a panic becomes `Err(message)`.
pub fn catching<R>(f: impl FnOnce() -> R) -> Result<R, String> {
    LAST.with(|last| last.borrow_mut().take());
    IN_WORKER.with(|w| w.set(true));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    IN_WORKER.with(|w| w.set(false));
    result.map_err(|payload| {
        LAST.with(|last| last.borrow_mut().take())
            .or_else(|| payload.downcast_ref::<&str>().map(|s| s.to_string()))
            .or_else(|| payload.downcast_ref::<String>().cloned())
            .unwrap_or_else(|| "(no message)".into())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_panic_becomes_its_message() {
        install_hook();
        assert_eq!(catching(|| 7), Ok(7));
        let err = catching(|| -> u32 { panic!("seed {} broke", 3) }).expect_err("panicked");
        assert!(
            err.starts_with("seed 3 broke (at src/cli/sweep/panics.rs:"),
            "{err}"
        );
        assert_eq!(catching(|| 8), Ok(8), "the thread works on after a panic");
    }
}
