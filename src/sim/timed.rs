//! Checks in time: predicates that must hold at a moment (`[[check.at]]`)
//! or within a deadline after every fault of a kind (`[[check.within]]`).
//!
//! A [`Predicate`] is a named boolean function of the world, declared once:
//! the engine declares a few for every protocol ([`engine_predicates`]:
//! `all-up`, `op-commits`, `no-op-commits`), a protocol declares its own
//! next to its invariants (`SimBuilder::predicate`), and a scenario also
//! counts roles (`{ role = "leader", count = 0 }`).
//!
//! **When they are evaluated.** No event is scheduled for them, so a run's
//! trace hash is the same with or without timed checks. "At `T`" is the
//! world after every event at `T` or earlier: [`Sim::step`] looks, before
//! it processes the first event later than `T` (and the end of the run
//! looks at moments no event passed). A deadline window opens after the
//! step that applied a matching fault (scheduled or nemesis); after every
//! step while it is open the predicates are evaluated, and the window is
//! met the first time they all hold at once. It fails when its deadline
//! passes; a later fault of any kind (or the settle point, which stops the
//! clients) ends it early as *interrupted*: neither pass nor fail.

use super::panics::catch_panic;
use super::{Node, Sim, SimTime};
use crate::check::history::EventType;
use crate::check::timed::after_name;
use crate::check::{CheckResult, Moment, Outcome, PredicateRef, TimedCheck};
use std::fmt;
use std::sync::Arc;

type NowFn<N> = Arc<dyn Fn(&Sim<N>) -> bool + Send + Sync>;
type SinceFn<N> = Arc<dyn Fn(&Sim<N>, SimTime) -> bool + Send + Sync>;
type MeasureFn<N> = Arc<dyn Fn(&Sim<N>) -> u64 + Send + Sync>;

/// How a predicate reads the world.
enum Eval<N: Node> {
    /// The world as it is now.
    Now(NowFn<N>),
    /// The world and the reference moment (the fault a deadline follows,
    /// or an `at` check's `since`).
    Since(SinceFn<N>),
    /// A measure that must not have grown since the reference moment.
    Unchanged(MeasureFn<N>),
}

impl<N: Node> Clone for Eval<N> {
    fn clone(&self) -> Self {
        match self {
            Eval::Now(f) => Eval::Now(Arc::clone(f)),
            Eval::Since(f) => Eval::Since(Arc::clone(f)),
            Eval::Unchanged(f) => Eval::Unchanged(Arc::clone(f)),
        }
    }
}

/// A named boolean predicate over the world, for timed checks.
pub struct Predicate<N: Node> {
    /// Name a scenario uses (`leader-exists`).
    pub name: String,
    /// What it means, one line (shown by `distlab list --params`).
    pub doc: String,
    eval: Eval<N>,
    /// Once true for a reference moment, it stays true (`op-commits`):
    /// an open window stops evaluating it.
    stays_true: bool,
}

impl<N: Node> Clone for Predicate<N> {
    fn clone(&self) -> Self {
        Predicate {
            name: self.name.clone(),
            doc: self.doc.clone(),
            eval: self.eval.clone(),
            stays_true: self.stays_true,
        }
    }
}

impl<N: Node> fmt::Debug for Predicate<N> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Predicate({})", self.name)
    }
}

impl<N: Node> Predicate<N> {
    /// A predicate of the world as it is.
    pub fn now(
        name: impl Into<String>,
        doc: impl Into<String>,
        holds: impl Fn(&Sim<N>) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self::with(name, doc, Eval::Now(Arc::new(holds)))
    }

    /// A predicate of the world and a reference moment: the fault a
    /// deadline check follows, or an `at` check's `since`.
    pub fn since(
        name: impl Into<String>,
        doc: impl Into<String>,
        holds: impl Fn(&Sim<N>, SimTime) -> bool + Send + Sync + 'static,
    ) -> Self {
        Self::with(name, doc, Eval::Since(Arc::new(holds)))
    }

    /// Holds while `measure` is no higher than it was at the reference
    /// moment (Raft's `nothing-committed`: the highest commit index).
    pub fn unchanged(
        name: impl Into<String>,
        doc: impl Into<String>,
        measure: impl Fn(&Sim<N>) -> u64 + Send + Sync + 'static,
    ) -> Self {
        Self::with(name, doc, Eval::Unchanged(Arc::new(measure)))
    }

    /// Declare that once it holds for a reference moment it keeps holding,
    /// so an open window need not evaluate it again.
    pub fn stays_true(mut self) -> Self {
        self.stays_true = true;
        self
    }

    fn with(name: impl Into<String>, doc: impl Into<String>, eval: Eval<N>) -> Self {
        Predicate {
            name: name.into(),
            doc: doc.into(),
            eval,
            stays_true: false,
        }
    }
}

/// The predicates the engine declares for every protocol.
pub fn engine_predicates<N: Node>() -> Vec<Predicate<N>> {
    vec![
        Predicate::now(
            "all-up",
            "every node is up: none crashed, none paused",
            |sim: &Sim<N>| {
                (0..sim.node_count())
                    .map(super::NodeId)
                    .all(|n| sim.node(n).is_some() && !sim.is_paused(n))
            },
        ),
        Predicate::since(
            "op-commits",
            "a client operation invoked at or after the reference moment (the fault, or `since`) completed ok",
            |sim: &Sim<N>, since| op_committed_since(sim, since),
        )
        .stays_true(),
        Predicate::since(
            "no-op-commits",
            "no client operation completed ok after the reference moment (the fault, or `since`)",
            |sim: &Sim<N>, since| {
                let t = since.as_nanos();
                !sim.history()
                    .events
                    .iter()
                    .rev()
                    .take_while(|e| e.time > t)
                    .any(|e| e.kind == EventType::Ok)
            },
        ),
    ]
}

/// An `ok` whose invocation came at or after `since`: scan back over the
/// events after `since` (the history is in time order).
fn op_committed_since<N: Node>(sim: &Sim<N>, since: SimTime) -> bool {
    let t = since.as_nanos();
    let mut completed: Vec<u64> = Vec::new();
    for e in sim.history().events.iter().rev() {
        if e.time < t {
            break;
        }
        match e.kind {
            EventType::Ok => completed.push(e.process),
            EventType::Invoke if completed.contains(&e.process) => return true,
            _ => {}
        }
    }
    false
}

/// A predicate a timed check names, found among the declared ones.
#[derive(Clone, Debug)]
enum Resolved {
    Declared(usize),
    RoleCount {
        role: String,
        min: u32,
        max: Option<u32>,
    },
    Unknown(String),
}

/// One open deadline window: a fault, its deadline, and what held so far.
#[derive(Clone, Debug)]
struct Window {
    fault: String,
    at: SimTime,
    step: u64,
    deadline: SimTime,
    /// Each predicate's measure at the fault (`Unchanged` ones).
    baseline: Vec<u64>,
    /// When each predicate first held in the window.
    first_held: Vec<Option<SimTime>>,
}

impl Window {
    fn describe(&self) -> String {
        format!("after {} at {} (step {})", self.fault, self.at, self.step)
    }
}

/// One timed check's progress.
#[derive(Clone, Debug)]
struct CheckState {
    check: TimedCheck,
    preds: Vec<Resolved>,
    /// `at`: the measures at `since`, once captured.
    baseline: Option<Vec<u64>>,
    /// `at`: the outcome, once evaluated.
    result: Option<Outcome>,
    /// `within`: the windows still open.
    open: Vec<Window>,
    met: u32,
    failed: u32,
    interrupted: u32,
    first_failure: Option<String>,
    first_interrupt: Option<String>,
}

/// The timed checks' state: part of the world (cloned with it, so time
/// travel stays exact). Absent when a run has no timed check.
#[derive(Clone, Debug)]
pub(crate) struct Timed {
    checks: Vec<CheckState>,
    /// The earliest `at`, `since` or deadline not yet passed.
    next: SimTime,
    /// Faults applied in the current step: (kind, description).
    faults: Vec<(&'static str, String)>,
    /// The settle point ran in the current step.
    settled: bool,
}

impl Timed {
    /// State for `checks`, their predicates resolved among `declared`.
    pub(crate) fn new<N: Node>(checks: &[TimedCheck], declared: &[Predicate<N>]) -> Self {
        let checks = checks
            .iter()
            .map(|check| CheckState {
                preds: check.holds.iter().map(|p| resolve(p, declared)).collect(),
                check: check.clone(),
                baseline: None,
                result: None,
                open: Vec::new(),
                met: 0,
                failed: 0,
                interrupted: 0,
                first_failure: None,
                first_interrupt: None,
            })
            .collect();
        let mut timed = Timed {
            checks,
            next: SimTime::ZERO,
            faults: Vec::new(),
            settled: false,
        };
        timed.refresh_next();
        timed
    }

    /// Something to do after this step: a fault, the settle point, or an
    /// open window.
    pub(crate) fn busy(&self) -> bool {
        self.settled || !self.faults.is_empty() || self.checks.iter().any(|c| !c.open.is_empty())
    }

    /// The earliest moment still to look at.
    pub(crate) fn next_moment(&self) -> SimTime {
        self.next
    }

    /// A fault was applied in this step.
    pub(crate) fn note_fault(&mut self, kind: &'static str, text: &str) {
        self.faults.push((kind, text.to_string()));
    }

    /// The settle point ran in this step.
    pub(crate) fn note_settle(&mut self) {
        self.settled = true;
    }

    fn refresh_next(&mut self) {
        let mut next = SimTime(u64::MAX);
        for c in &self.checks {
            if let Moment::At { at, since } = c.check.moment {
                if c.baseline.is_none() {
                    next = next.min(since.min(at));
                }
                if c.result.is_none() {
                    next = next.min(at);
                }
            }
            for w in &c.open {
                next = next.min(w.deadline);
            }
        }
        self.next = next;
    }
}

fn resolve<N: Node>(p: &PredicateRef, declared: &[Predicate<N>]) -> Resolved {
    match p {
        PredicateRef::Named(name) => match declared.iter().rposition(|d| d.name == *name) {
            Some(i) => Resolved::Declared(i),
            None => Resolved::Unknown(name.clone()),
        },
        PredicateRef::RoleCount { role, min, max } => Resolved::RoleCount {
            role: role.clone(),
            min: *min,
            max: *max,
        },
    }
}

/// What the timed checks read from a world: their predicates' values and
/// where the run is. Every `Sim<N>` is one; the checks' bookkeeping
/// (moments passed, windows opened and met, results) runs on
/// `dyn TimedWorld`, compiled once rather than once per node type.
trait TimedWorld {
    /// Does predicate `p` hold now, for the reference moment `since` and the
    /// measure `baseline` taken then?
    fn predicate_holds(&self, p: &Resolved, since: SimTime, baseline: u64) -> bool;
    /// Each predicate's measure now (0 for those without one).
    fn measures(&self, preds: &[Resolved]) -> Vec<u64>;
    /// Why the predicates of an `at` check do not hold now, or `None`.
    fn at_failure(&self, c: &CheckState, since: SimTime) -> Option<String>;
    /// Once true for a reference moment, does `p` stay true?
    fn stays_true(&self, p: &Resolved) -> bool;
    /// (true time, steps so far, settling).
    fn position(&self) -> (SimTime, u64, bool);
}

impl<N: Node> TimedWorld for Sim<N> {
    fn predicate_holds(&self, p: &Resolved, since: SimTime, baseline: u64) -> bool {
        match p {
            Resolved::Declared(i) => match &self.settings.predicates[*i].eval {
                Eval::Now(f) => f(self),
                Eval::Since(f) => f(self, since),
                Eval::Unchanged(f) => f(self) <= baseline,
            },
            Resolved::RoleCount { min, max, .. } => {
                let count = self.role_count(p);
                count >= *min && max.is_none_or(|max| count <= max)
            }
            Resolved::Unknown(_) => false,
        }
    }

    fn measures(&self, preds: &[Resolved]) -> Vec<u64> {
        preds
            .iter()
            .map(|p| match p {
                Resolved::Declared(i) => match &self.settings.predicates[*i].eval {
                    Eval::Unchanged(f) => f(self),
                    _ => 0,
                },
                _ => 0,
            })
            .collect()
    }

    fn at_failure(&self, c: &CheckState, since: SimTime) -> Option<String> {
        let baseline = c.baseline.clone().unwrap_or_default();
        let failing: Vec<String> = c
            .preds
            .iter()
            .zip(&c.check.holds)
            .enumerate()
            .filter(|(i, (p, _))| {
                !self.predicate_holds(p, since, baseline.get(*i).copied().unwrap_or(0))
            })
            .map(|(_, (p, named))| match p {
                Resolved::RoleCount { role, .. } => {
                    let holders: Vec<String> = self
                        .live_nodes()
                        .filter(|(_, n)| n.role() == Some(role.as_str()))
                        .map(|(id, _)| id.to_string())
                        .collect();
                    let who = if holders.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", holders.join(" "))
                    };
                    format!("{named} did not hold ({} live {role}{who})", holders.len())
                }
                Resolved::Unknown(name) => format!("there is no predicate `{name}`"),
                Resolved::Declared(_) => format!("{named} did not hold"),
            })
            .collect();
        (!failing.is_empty()).then(|| failing.join("; "))
    }

    fn stays_true(&self, p: &Resolved) -> bool {
        matches!(p, Resolved::Declared(i) if self.settings.predicates[*i].stays_true)
    }

    fn position(&self) -> (SimTime, u64, bool) {
        (self.now, self.step, self.settling)
    }
}

impl<N: Node> Sim<N> {
    fn role_count(&self, p: &Resolved) -> u32 {
        let Resolved::RoleCount { role, .. } = p else {
            return 0;
        };
        self.live_nodes()
            .filter(|(_, n)| n.role() == Some(role.as_str()))
            .count() as u32
    }

    /// Look at every moment before `next` (the time of the event about to
    /// run): the world is as it was at each of them.
    pub(crate) fn timed_before(&mut self, next: SimTime) {
        let Some(mut timed) = self.timed.take() else {
            return;
        };
        let site = || "a timed check's predicate (it reads the nodes' state)".to_string();
        let result = catch_panic(site, || {
            let world: &dyn TimedWorld = self;
            world.pass_moments(&mut timed, next)
        });
        self.timed = Some(timed);
        if let Err(panic) = result {
            self.stop_on_panic(panic);
        }
    }

    /// After a step: faults end open windows and open new ones; then each
    /// open window evaluates its predicates.
    pub(crate) fn timed_after_step(&mut self) {
        let Some(mut timed) = self.timed.take() else {
            return;
        };
        let site = || "a timed check's predicate (it reads the nodes' state)".to_string();
        let result = catch_panic(site, || {
            let world: &dyn TimedWorld = self;
            world.watch_windows(&mut timed)
        });
        self.timed = Some(timed);
        if let Err(panic) = result {
            self.stop_on_panic(panic);
        }
    }

    /// The timed checks' results as of now: moments the run passed without
    /// an event after them are judged on the world as it is, if the run
    /// reached its end.
    pub(crate) fn timed_results(&self) -> Vec<CheckResult> {
        let Some(timed) = self.timed.as_deref() else {
            return Vec::new();
        };
        let end = self.end_time();
        let finished = self.queue.peek_time().is_none_or(|t| t > end);
        let stopped = self.violation.as_ref().map(|v| {
            format!(
                "not evaluated: the run stopped at step {} on `{}`",
                v.step, v.check
            )
        });
        let world: &dyn TimedWorld = self;
        world.results(timed, end, finished, stopped, self.explore.is_some())
    }
}

impl dyn TimedWorld + '_ {
    /// Capture `since` measures, judge `at` checks and fail deadlines for
    /// every moment earlier than `next`.
    fn pass_moments(&self, timed: &mut Timed, next: SimTime) {
        for c in &mut timed.checks {
            if let Moment::At { at, since } = c.check.moment {
                if c.baseline.is_none() && since.min(at) < next {
                    c.baseline = Some(self.measures(&c.preds));
                }
                if c.result.is_none() && at < next {
                    c.result = Some(match self.at_failure(c, since) {
                        None => Outcome::Pass,
                        Some(why) => {
                            Outcome::Fail(format!("at {at} (step {}): {why}", self.position().1))
                        }
                    });
                }
            }
            let (late, open): (Vec<Window>, Vec<Window>) =
                c.open.drain(..).partition(|w| w.deadline < next);
            c.open = open;
            for w in late {
                c.failed += 1;
                if c.first_failure.is_none() {
                    c.first_failure = Some(missed(&c.check, &w));
                }
            }
        }
        timed.refresh_next();
    }

    fn watch_windows(&self, timed: &mut Timed) {
        let (now, step, settling) = self.position();
        let faults = std::mem::take(&mut timed.faults);
        let settled = std::mem::take(&mut timed.settled);
        for c in &mut timed.checks {
            let Moment::Within { after, within } = &c.check.moment else {
                continue;
            };
            let mut ends: Vec<String> = faults
                .iter()
                .map(|(_, text)| format!("{text} at {now}"))
                .collect();
            if settled {
                ends.push(format!("the settle point at {now} (clients stop)"));
            }
            if let Some(end) = ends.first() {
                for w in c.open.drain(..) {
                    c.interrupted += 1;
                    if c.first_interrupt.is_none() {
                        c.first_interrupt = Some(format!("{}: interrupted by {end}", w.describe()));
                    }
                }
            }
            // After the settle point clients have stopped: a late undo
            // of a fault the settle point already undid opens no window.
            for (kind, text) in faults.iter().filter(|_| !settling) {
                if after.is_empty() || after.iter().any(|a| a == kind) {
                    c.open.push(Window {
                        fault: text.clone(),
                        at: now,
                        step,
                        deadline: now.saturating_add(*within),
                        baseline: self.measures(&c.preds),
                        first_held: vec![None; c.preds.len()],
                    });
                }
            }
            let mut still_open = Vec::new();
            for mut w in std::mem::take(&mut c.open) {
                let mut all = true;
                for (i, p) in c.preds.iter().enumerate() {
                    let known = w.first_held[i].is_some() && self.stays_true(p);
                    if known || self.predicate_holds(p, w.at, w.baseline[i]) {
                        w.first_held[i].get_or_insert(now);
                    } else {
                        all = false;
                    }
                }
                if all {
                    c.met += 1;
                } else {
                    still_open.push(w);
                }
            }
            c.open = still_open;
        }
        timed.refresh_next();
    }

    /// [`Sim::timed_results`] once the world's position is read.
    fn results(
        &self,
        timed: &Timed,
        end: SimTime,
        finished: bool,
        stopped: Option<String>,
        explored: bool,
    ) -> Vec<CheckResult> {
        let mut timed = timed.clone();
        if finished && stopped.is_none() && !explored {
            self.pass_moments(&mut timed, end.saturating_add(SimTime(1)));
        }
        timed
            .checks
            .iter()
            .map(|c| {
                let outcome = if explored {
                    Outcome::Unknown(
                        "not judged on one explored path: time stands still there".into(),
                    )
                } else {
                    match &c.check.moment {
                        Moment::At { at, .. } => c.result.clone().unwrap_or_else(|| {
                            Outcome::Unknown(match &stopped {
                                Some(why) => why.clone(),
                                None if *at > end => {
                                    format!("{at} is after the run's end at {end}")
                                }
                                None => format!("not reached: the run is at {}", self.position().0),
                            })
                        }),
                        Moment::Within { after, .. } => {
                            within_outcome(c, &after_name(after), end, stopped.as_deref())
                        }
                    }
                };
                CheckResult {
                    name: c.check.check_name(),
                    kind: c.check.kind(),
                    outcome,
                }
            })
            .collect()
    }
}

/// A window whose deadline passed: which predicates never held.
fn missed(check: &TimedCheck, w: &Window) -> String {
    let parts: Vec<String> = check
        .holds
        .iter()
        .zip(&w.first_held)
        .map(|(p, held)| match held {
            Some(t) => format!("{p} first held at {t}"),
            None => format!("{p} never held"),
        })
        .collect();
    let all_held = w.first_held.iter().all(Option::is_some);
    let how = if all_held {
        format!(
            "each held at some moment, never all at once ({})",
            parts.join("; ")
        )
    } else {
        parts.join("; ")
    };
    format!("{}: by the deadline at {}, {how}", w.describe(), w.deadline)
}

/// A deadline check's outcome over all its windows.
fn within_outcome(c: &CheckState, what: &str, end: SimTime, stopped: Option<&str>) -> Outcome {
    let total = c.met + c.failed + c.interrupted + c.open.len() as u32;
    if let Some(first) = &c.first_failure {
        return Outcome::Fail(format!(
            "{first} ({} of {total} {what} windows missed their deadline)",
            c.failed
        ));
    }
    if let Some(w) = c.open.first() {
        let why = match stopped {
            Some(why) => why.to_string(),
            None if w.deadline > end => format!(
                "its deadline at {} is after the run's end at {end}",
                w.deadline
            ),
            None => "the run has not reached its deadline".to_string(),
        };
        return Outcome::Unknown(format!("{}: not decided: {why}", w.describe()));
    }
    if c.met > 0 {
        return Outcome::Pass;
    }
    Outcome::Unknown(match &c.first_interrupt {
        Some(first) => format!(
            "every one of the {total} {what} windows was interrupted by a later fault before it was met, so nothing was checked; first: {first}"
        ),
        None => format!("no {what} happened during the run, so nothing was checked"),
    })
}
