//! The worker threads and the consumer that hands their results on in seed
//! order.

use super::interrupt::Interrupt;
use super::window::{Claim, SeedRange, Window};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::Duration;

/// How a pool run ended.
#[derive(Debug)]
pub struct Ending {
    /// Ctrl-C stopped it.
    pub interrupted: bool,
    /// Every position before this one was handed on in order.
    pub frontier: u64,
}

struct Shared<T> {
    window: Mutex<Window<T>>,
    changed: Condvar,
    running: AtomicUsize,
    fatal: Mutex<Option<String>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// Run `work(seed)` for every seed of `range` on `jobs` threads, calling
/// `hand_on(position, seed, result)` on this thread in position order (after
/// an interrupt: the results that completed, in order, past the gaps).
/// `work` returning `Err` stops the sweep with that error.
pub fn run<T: Send>(
    range: SeedRange,
    jobs: usize,
    limit: u64,
    interrupt: &Interrupt,
    work: impl Fn(u64) -> Result<T, String> + Sync,
    mut hand_on: impl FnMut(u64, u64, T) -> Result<(), String>,
    mut on_interrupt: impl FnMut(usize),
) -> Result<Ending, String> {
    let total = range.len();
    let workers = (jobs as u64).min(total).max(1) as usize;
    let shared = Shared {
        window: Mutex::new(Window::new(total, limit)),
        changed: Condvar::new(),
        running: AtomicUsize::new(workers),
        fatal: Mutex::new(None),
    };
    let ending = std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                work_loop(&shared, range, &work);
                shared.running.fetch_sub(1, Ordering::SeqCst);
                shared.changed.notify_all();
            });
        }
        let ending = consume(&shared, range, interrupt, &mut hand_on, &mut on_interrupt);
        if ending.is_err() {
            lock(&shared.window).stop();
            shared.changed.notify_all();
        }
        ending
    });
    if let Some(e) = lock(&shared.fatal).take() {
        return Err(e);
    }
    ending
}

fn work_loop<T>(shared: &Shared<T>, range: SeedRange, work: &impl Fn(u64) -> Result<T, String>) {
    loop {
        let position = {
            let mut window = lock(&shared.window);
            loop {
                match window.claim() {
                    Claim::Run(p) => break p,
                    Claim::Done => return,
                    Claim::Wait => {
                        window = shared
                            .changed
                            .wait(window)
                            .unwrap_or_else(|p| p.into_inner());
                    }
                }
            }
        };
        let result = work(range.seed(position));
        let mut window = lock(&shared.window);
        match result {
            Ok(r) => window.complete(position, r),
            Err(e) => {
                lock(&shared.fatal).get_or_insert(e);
                window.stop();
            }
        }
        drop(window);
        shared.changed.notify_all();
    }
}

fn consume<T>(
    shared: &Shared<T>,
    range: SeedRange,
    interrupt: &Interrupt,
    hand_on: &mut impl FnMut(u64, u64, T) -> Result<(), String>,
    on_interrupt: &mut impl FnMut(usize),
) -> Result<Ending, String> {
    let mut interrupted = false;
    loop {
        let (batch, finished, frontier) = {
            let mut window = lock(&shared.window);
            loop {
                if interrupt.is_set() && !interrupted {
                    interrupted = true;
                    window.stop();
                    shared.changed.notify_all();
                    on_interrupt(shared.running.load(Ordering::SeqCst));
                }
                let mut batch = Vec::new();
                while let Some(item) = window.pop_ready() {
                    batch.push(item);
                }
                let idle = shared.running.load(Ordering::SeqCst) == 0;
                let frontier = window.frontier();
                if idle && window.is_stopped() {
                    batch.extend(window.drain_stopped());
                }
                if !batch.is_empty() || idle {
                    break (batch, idle, frontier);
                }
                window = shared
                    .changed
                    .wait_timeout(window, Duration::from_millis(100))
                    .map_or_else(|p| p.into_inner().0, |(w, _)| w);
            }
        };
        shared.changed.notify_all();
        for (position, result) in batch {
            hand_on(position, range.seed(position), result)?;
        }
        if finished {
            return Ok(Ending {
                interrupted,
                frontier,
            });
        }
    }
}
