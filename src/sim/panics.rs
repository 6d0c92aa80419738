//! Panics in protocol code become the run's failure, never the tool's.
//!
//! A student's `todo!()` (or any panic) in `on_start`, `on_message`,
//! `on_timer`, `on_request`, a constructor, `role()`, or an accessor a check
//! reads must not take down `run`, `sweep`, `replay`, the TUI or the grader.
//! The engine runs every piece of protocol code inside [`catch_panic`]; a
//! panic there stops the run at that step with a [`PanicReport`] (message,
//! source location, node and handler) and the verdict
//! [`Verdict::Panic`](super::Verdict::Panic) (exit code 4).
//!
//! # The one process global
//!
//! Rust tells only a *panic hook* where a panic happened (`file:line`); the
//! payload that `catch_unwind` returns holds the message alone. So this
//! module installs one process-wide hook, once ([`install_panic_hook`]).
//! It is the single, deliberate process global of the engine, and it does
//! not touch determinism: it only records, into a thread-local, the message
//! and location of a panic raised while [`catch_panic`] runs on that thread
//! (and keeps the default "thread panicked at ..." print off stderr). Any
//! other panic goes to the hook that was installed before (the default
//! one, the binary's, or the TUI's terminal restorer). The thread-locals are
//! per thread, so parallel sweeps and graders do not mix their panics.

use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{self, AssertUnwindSafe};
use std::sync::Once;

/// The name of the check a panic shows up as (`stopped by `panic``).
pub const PANIC_CHECK: &str = "panic";

/// A panic caught in protocol code: what, where in the source, and where in
/// the run.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct PanicReport {
    /// The panic's message (`not yet implemented: lab 05 A: ...`).
    pub message: String,
    /// Source location, `file:line:column` (absent only if Rust gave none).
    pub location: Option<String>,
    /// Where in the run: `n2's on_timer(Election)`, `the check
    /// `election-safety``, `building the simulation`.
    pub site: String,
}

impl PanicReport {
    /// `panicked at FILE:LINE:COL: MESSAGE` (the location when known).
    pub fn short(&self) -> String {
        match &self.location {
            Some(at) => format!("panicked at {at}: {}", self.message),
            None => format!("panicked: {}", self.message),
        }
    }
}

impl fmt::Display for PanicReport {
    /// `n2's on_timer(Election): panicked at FILE:LINE:COL: MESSAGE`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.site, self.short())
    }
}

/// What the hook saw: message and location.
struct Seen {
    message: String,
    location: Option<String>,
}

thread_local! { // allow-nondeterminism: the one process global, the panic hook's per-thread "inside a handler" flag
    /// How many [`catch_panic`] calls are running on this thread.
    static CATCHING: Cell<u32> = const { Cell::new(0) };
    /// The last panic the hook recorded on this thread while catching.
    static SEEN: RefCell<Option<Seen>> = const { RefCell::new(None) };
}

/// Install the recording hook (once per process; later calls do nothing).
/// [`catch_panic`] calls it; a front end that installs its own hook (the
/// TUI's terminal restorer) calls it first, so that its hook runs around
/// this one and can ask [`is_catching`] before acting.
pub fn install_panic_hook() {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let previous = panic::take_hook();
        panic::set_hook(Box::new(move |info| {
            if !is_catching() {
                return previous(info);
            }
            let message = info
                .payload_as_str()
                .map(str::to_string)
                .unwrap_or_else(|| "(a panic without a text message)".into());
            let location = info
                .location()
                .map(|at| format!("{}:{}:{}", at.file(), at.line(), at.column()));
            SEEN.with(|s| *s.borrow_mut() = Some(Seen { message, location }));
        }));
    });
}

/// True while [`catch_panic`] runs on this thread: a panic now will be
/// caught and reported, so a hook should stay quiet (the TUI must not
/// restore the terminal for it).
pub fn is_catching() -> bool {
    CATCHING.with(Cell::get) > 0
}

/// Run `f`; if it panics, return what and where (`site` says where in the
/// run, for the report). Nests. On the happy path this costs a counter
/// increment and decrement: `catch_unwind` itself is free until a panic.
/// Inlined into its caller so that the handler it runs is compiled in the
/// caller's codegen unit whatever the partition (otherwise an unrelated
/// change elsewhere can move it and cost the engine's hot path).
#[inline]
pub fn catch_panic<R>(
    site: impl FnOnce() -> String,
    f: impl FnOnce() -> R,
) -> Result<R, PanicReport> {
    // A thin generic shell over `catch_dyn`: every handler call site of
    // every node type instantiates this function, so the catching itself
    // (the hook, the counters, `catch_unwind`, the thread locals) is
    // compiled once instead of once per call site and node type.
    let mut f = Some(f);
    let mut out = None;
    let mut run = || out = f.take().map(|f| f());
    match catch_dyn(&mut run) {
        Ok(()) => Ok(out.expect("catch_dyn ran the closure")),
        Err((message, location)) => Err(PanicReport {
            message,
            location,
            site: site(),
        }),
    }
}

/// [`catch_panic`] for the engine's hot path (a node's handler, once per
/// step): the same catching, counter and report, with `f` compiled into
/// the caller instead of called through `&mut dyn FnMut` (that indirect
/// call kept the handler, its `Ctx` and its effects out of line: about 30
/// instructions an event, issue 21). Only the panic's report is out of
/// line ([`caught`]). One instantiation per node type (`Sim::with_node`),
/// so the code it duplicates stays small.
#[inline(always)]
pub(crate) fn catch_inline<R>(
    site: impl FnOnce() -> String,
    f: impl FnOnce() -> R,
) -> Result<R, PanicReport> {
    install_panic_hook();
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get() - 1));
    match result {
        Ok(out) => Ok(out),
        Err(payload) => Err(caught(payload, site())),
    }
}

/// The report of a panic [`catch_inline`] caught: what the hook saw (or
/// the payload's text), as [`catch_dyn`] gives it.
#[cold]
#[inline(never)]
fn caught(payload: Box<dyn std::any::Any + Send>, site: String) -> PanicReport {
    let seen = SEEN.with(|s| s.borrow_mut().take());
    let (message, location) = match seen {
        Some(seen) => (seen.message, seen.location),
        None => (payload_text(payload.as_ref()), None),
    };
    PanicReport {
        message,
        location,
        site,
    }
}

/// [`catch_panic`]'s body, not generic: run `f`; on a panic, its message
/// and location.
fn catch_dyn(f: &mut dyn FnMut()) -> Result<(), (String, Option<String>)> {
    install_panic_hook();
    CATCHING.with(|c| c.set(c.get() + 1));
    let result = panic::catch_unwind(AssertUnwindSafe(f));
    CATCHING.with(|c| c.set(c.get() - 1));
    result.map_err(|payload| {
        let seen = SEEN.with(|s| s.borrow_mut().take());
        match seen {
            Some(seen) => (seen.message, seen.location),
            None => (payload_text(payload.as_ref()), None),
        }
    })
}

/// The text of a panic payload (`&str` or `String`), for panics the hook
/// did not see.
fn payload_text(payload: &(dyn std::any::Any + Send)) -> String {
    payload
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "(a panic without a text message)".into())
}

/// `text` cut to `max` characters, marked with `…`.
pub(crate) fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let mut out: String = text.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}
