//! The application state: the simulation's timeline and the view state. No
//! terminal types here; [`App::apply`] is the only thing that changes it.

use super::action::{Action, Mode, PromptKind};
use super::parse::{self, GotoTarget};
use crate::faults::{FaultAction, HealScope, NetChange, Target};
use crate::sim::{
    Endpoint, EntryFilter, NodeId, RunReport, SimTime, StepResult, Timeline, TraceLevel,
};

/// Playing speeds in events per second of wall time; `None` is as fast as
/// the machine goes.
pub const SPEEDS: [Option<u64>; 14] = [
    Some(1),
    Some(2),
    Some(5),
    Some(10),
    Some(20),
    Some(50),
    Some(100),
    Some(300),
    Some(1_000),
    Some(3_000),
    Some(10_000),
    Some(30_000),
    Some(100_000),
    None,
];

/// The speed a session starts at (50 events/s).
pub const DEFAULT_SPEED: usize = 5;

/// Above this many nodes the cluster panel summarises (counts by state,
/// role, partition group and summary) and lists only the selected, picked
/// (`o`) and busiest nodes; the diagram draws columns for those only.
pub const BIG_CLUSTER: usize = 64;

/// How many recent steps decide which nodes are the busiest.
pub const BUSY_WINDOW: usize = 2_000;

/// Snapshot interval for the TUI's timeline (it doubles on long runs).
pub const SNAPSHOT_EVERY: u64 = 1_024;

/// The panel that `j`/`k` act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    /// Select a node.
    Cluster,
    /// Select an event (diagram and log).
    Events,
    /// Scroll the inspector.
    Inspector,
}

/// What the inspector shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Inspect {
    /// The selected node's full state.
    Node,
    /// The selected event.
    Entry,
    /// The failed check's explanation.
    Check,
}

/// Where a seek (`g`) is heading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Seek {
    Step(u64),
    Time(SimTime),
}

/// Everything a replay file needs from a session (`s`).
#[derive(Clone, Debug)]
pub struct SaveRequest {
    /// The report at the current step (end-of-run checks if the run ended).
    pub report: RunReport,
    /// The user's actions on the current path: (steps completed, action).
    pub actions: Vec<(u64, FaultAction)>,
    /// True when the run is over (finished or stopped by a violation), so a
    /// replay runs to the end; otherwise it stops at `report.steps`.
    pub ended: bool,
}

/// Writes a replay file and says where (given by the command that opened
/// the session, so the app knows nothing of files).
pub type Saver = Box<dyn FnMut(&SaveRequest) -> Result<String, String>>;

/// The TUI's state.
pub struct App {
    pub(crate) timeline: Timeline,
    pub(crate) mode: Mode,
    pub(crate) prompt: String,
    pub(crate) playing: bool,
    pub(crate) speed: usize,
    pub(crate) focus: Focus,
    pub(crate) inspect: Inspect,
    pub(crate) selected_node: usize,
    /// `o`: the nodes the user picked to show in a big cluster's panels.
    pub(crate) picked: Vec<usize>,
    pub(crate) selected_entry: Option<usize>,
    pub(crate) inspector_scroll: u16,
    /// `e`: the inspector shows folded lists and sections whole.
    pub(crate) inspector_expanded: bool,
    pub(crate) filter: EntryFilter,
    pub(crate) filter_text: String,
    pub(crate) status: String,
    pub(crate) ended: Option<StepResult>,
    pub(crate) quit: bool,
    /// Recorded actions exist that no save has written out yet.
    unsaved: bool,
    /// The last key was a `q` that warned about unsaved actions: another
    /// `q` quits.
    quit_armed: bool,
    seek: Option<Seek>,
    saver: Option<Saver>,
}

impl App {
    /// A session on `timeline`, paused. If the run already stopped (a
    /// violation, or end-of-run checks evaluated), it opens on the failure.
    pub fn new(timeline: Timeline) -> App {
        let mut app = App {
            timeline,
            mode: Mode::Normal,
            prompt: String::new(),
            playing: false,
            speed: DEFAULT_SPEED,
            focus: Focus::Cluster,
            inspect: Inspect::Node,
            selected_node: 0,
            picked: Vec::new(),
            selected_entry: None,
            inspector_scroll: 0,
            inspector_expanded: false,
            filter: EntryFilter::default(),
            filter_text: String::new(),
            status: "paused: space runs, n steps, ? shows every key".into(),
            ended: None,
            quit: false,
            unsaved: false,
            quit_armed: false,
            seek: None,
            saver: None,
        };
        if let Some((_, choices)) = app.timeline.explored_position() {
            app.status = format!(
                "an explored path of {choices} choice(s): n applies the next, b steps back"
            );
        }
        let sim = app.timeline.sim();
        if let Some(v) = sim.violation() {
            app.ended = Some(StepResult::Violated);
            app.inspect = Inspect::Check;
            app.status = match sim.panic() {
                Some(p) => format!("{} panicked at step {}", p.site, v.step),
                None => format!("check `{}` failed at step {}", v.check, v.step),
            };
        } else if sim.check_results().is_some() {
            app.ended = Some(StepResult::Finished);
            app.status = "the run is over".into();
            if let Some((check, _, _)) = app.failed_check() {
                app.inspect = Inspect::Check;
                app.status = format!("check `{check}` failed at the end of the run");
            }
        }
        app
    }

    /// Use `saver` for `s`.
    pub fn with_saver(mut self, saver: Saver) -> App {
        self.saver = Some(saver);
        self
    }

    /// The timeline (current simulation, recorded actions).
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// The input mode.
    pub fn mode(&self) -> &Mode {
        &self.mode
    }

    /// True once the user asked to quit.
    pub fn should_quit(&self) -> bool {
        self.quit
    }

    /// True while the app wants [`Action::Tick`]s (playing or seeking).
    pub fn is_busy(&self) -> bool {
        self.playing || self.seek.is_some()
    }

    /// Steps per second of wall time wanted now; `None` is as fast as
    /// possible (also while seeking).
    pub fn rate(&self) -> Option<u64> {
        if self.seek.is_some() {
            None
        } else {
            SPEEDS[self.speed]
        }
    }

    /// True while playing.
    pub fn is_playing(&self) -> bool {
        self.playing
    }

    /// Index into [`SPEEDS`] of the playing speed.
    pub fn speed(&self) -> usize {
        self.speed
    }

    /// The focused panel.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// What the inspector shows.
    pub fn inspect(&self) -> Inspect {
        self.inspect
    }

    /// The selected node's index.
    /// The nodes picked with `o`, in id order.
    pub fn picked_nodes(&self) -> &[usize] {
        &self.picked
    }

    /// True when the cluster has more than [`BIG_CLUSTER`] nodes: the
    /// cluster panel summarises and the diagram draws only
    /// [`App::shown_nodes`].
    pub fn is_big_cluster(&self) -> bool {
        self.timeline.sim().node_count() as usize > BIG_CLUSTER
    }

    /// Up to `room` nodes to draw, in id order: every node of a small
    /// cluster; in a big one the selected node, then the picked ones, then
    /// the busiest (most events among the last [`BUSY_WINDOW`] steps).
    pub fn shown_nodes(&self, room: usize) -> Vec<usize> {
        let count = self.timeline.sim().node_count() as usize;
        if count <= BIG_CLUSTER {
            return (0..count.min(room)).collect();
        }
        let mut shown: Vec<usize> = Vec::with_capacity(room);
        let add = |n: usize, shown: &mut Vec<usize>| {
            if shown.len() < room && n < count && !shown.contains(&n) {
                shown.push(n);
            }
        };
        add(self.selected_node, &mut shown);
        for &n in &self.picked {
            add(n, &mut shown);
        }
        for n in self.busiest_nodes(room) {
            add(n, &mut shown);
        }
        shown.sort_unstable();
        shown
    }

    /// Up to `max` nodes with the most events (as source or target) among
    /// the last [`BUSY_WINDOW`] kept steps, busiest first (ties by id).
    pub fn busiest_nodes(&self, max: usize) -> Vec<usize> {
        let sim = self.timeline.sim();
        let end = self.selected_entry.map_or(sim.trace_len(), |s| s + 1);
        let mut counts: std::collections::BTreeMap<usize, usize> = Default::default();
        for i in end.saturating_sub(BUSY_WINDOW)..end {
            let Some(e) = sim.entry(i) else { continue };
            for end in [e.source, e.target].into_iter().flatten() {
                if let Endpoint::Node(n) = end {
                    *counts.entry(n.index()).or_default() += 1;
                }
            }
        }
        let mut busy: Vec<(usize, usize)> = counts.into_iter().collect();
        busy.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        busy.into_iter().take(max).map(|(n, _)| n).collect()
    }

    /// The selected node's index.
    pub fn selected_node(&self) -> usize {
        self.selected_node
    }

    /// The selected trace entry's index, if any.
    pub fn selected_entry(&self) -> Option<usize> {
        self.selected_entry
    }

    /// The event log's filter.
    pub fn filter(&self) -> &EntryFilter {
        &self.filter
    }

    /// The text in the open prompt.
    pub fn prompt_text(&self) -> &str {
        &self.prompt
    }

    /// How the run stopped, if it did (finished or violated).
    pub fn ended(&self) -> Option<StepResult> {
        self.ended
    }

    /// True while a `g` seek is under way.
    pub(crate) fn seek_active(&self) -> bool {
        self.seek.is_some()
    }

    /// The status line.
    pub fn status(&self) -> &str {
        &self.status
    }

    /// The failed check, if any: (name, explanation, step when known).
    pub fn failed_check(&self) -> Option<(String, String, Option<u64>)> {
        let sim = self.timeline.sim();
        if let Some(v) = sim.violation() {
            return Some((v.check.clone(), v.detail.clone(), Some(v.step)));
        }
        sim.check_results()?.iter().find_map(|c| match &c.outcome {
            crate::check::Outcome::Fail(why) => Some((c.name.clone(), why.clone(), None)),
            _ => None,
        })
    }

    /// Apply one action: the only way the app changes.
    pub fn apply(&mut self, action: Action) {
        if !matches!(action, Action::Quit | Action::Tick(_)) {
            self.quit_armed = false;
        }
        match action {
            Action::TogglePlay => self.toggle_play(),
            Action::StepForward => {
                self.playing = false;
                self.seek = None;
                self.advance(1);
            }
            Action::StepBack => self.step_back(),
            Action::Faster => self.change_speed(1),
            Action::Slower => self.change_speed(-1),
            Action::SelectNext => self.select(1),
            Action::SelectPrev => self.select(-1),
            Action::NextPanel => self.next_panel(),
            Action::Deselect => self.deselect(),
            Action::ToggleExpand => {
                self.inspector_expanded = !self.inspector_expanded;
                self.status = if self.inspector_expanded {
                    "inspector: everything unfolded (e folds)".into()
                } else {
                    "inspector: long lists and parameters folded (e unfolds)".into()
                };
            }
            Action::Crash => self.act_on_node(FaultAction::Crash),
            Action::Restart => self.act_on_node(FaultAction::Restart),
            Action::Isolate => self.act_on_node(FaultAction::Isolate),
            Action::Heal => self.user_fault(FaultAction::Heal),
            Action::HealNode => self.act_on_node(|t| FaultAction::HealPart(HealScope::Node(t))),
            Action::Fork => self.fork(),
            Action::Save => self.save(),
            Action::OpenPrompt(kind) => {
                self.playing = false;
                self.prompt.clear();
                self.mode = Mode::Prompt(kind);
            }
            Action::PromptInput(c) => self.prompt.push(c),
            Action::PromptBackspace => {
                self.prompt.pop();
            }
            Action::PromptSubmit => self.submit_prompt(),
            Action::PromptCancel => self.mode = Mode::Normal,
            Action::ToggleHelp => {
                self.mode = match self.mode {
                    Mode::Help => Mode::Normal,
                    _ => Mode::Help,
                }
            }
            Action::Quit => self.ask_quit(),
            Action::Tick(n) => self.tick(n),
        }
    }

    /// Quit, unless recorded actions would be lost unsaved: then warn once,
    /// and quit on the next `q`.
    fn ask_quit(&mut self) {
        let count = self.timeline.injected().len();
        if self.unsaved && count > 0 && !self.quit_armed && self.saver.is_some() {
            self.quit_armed = true;
            self.mode = Mode::Normal;
            self.status = format!(
                "{count} recorded action(s) not saved: s saves them, q again quits without saving"
            );
            return;
        }
        self.quit = true;
    }

    fn toggle_play(&mut self) {
        if self.ended.is_some() {
            self.playing = false;
            self.status = "the run is over: step back (b) or go to an earlier step (g)".into();
            return;
        }
        self.playing = !self.playing;
        self.seek = None;
        self.status = if self.playing { "running" } else { "paused" }.into();
    }

    fn change_speed(&mut self, delta: isize) {
        let last = SPEEDS.len() as isize - 1;
        self.speed = (self.speed as isize + delta).clamp(0, last) as usize;
        self.status = format!("speed: {}", speed_label(SPEEDS[self.speed]));
    }

    /// Advance while playing or seeking, at most `n` steps.
    fn tick(&mut self, n: u64) {
        for _ in 0..n {
            match self.seek {
                Some(Seek::Step(target)) if self.timeline.step_index() >= target => {
                    self.finish_seek();
                    return;
                }
                Some(Seek::Time(t)) if self.next_time_beyond(t) => {
                    self.finish_seek();
                    return;
                }
                None if !self.playing => return,
                _ => {}
            }
            if !self.advance(1) {
                return;
            }
        }
    }

    fn next_time_beyond(&self, t: SimTime) -> bool {
        self.timeline.sim().next_time().is_none_or(|next| next > t)
    }

    fn finish_seek(&mut self) {
        self.seek = None;
        self.status = format!("at step {}", self.timeline.step_index());
    }

    /// Take up to `n` steps; false when the run stopped.
    fn advance(&mut self, n: u64) -> bool {
        if self.ended.is_some() {
            self.playing = false;
            self.seek = None;
            return false;
        }
        for _ in 0..n {
            match self.timeline.step() {
                StepResult::Progressed => {}
                stopped => {
                    self.on_stop(stopped);
                    return false;
                }
            }
        }
        true
    }

    fn on_stop(&mut self, result: StepResult) {
        self.playing = false;
        self.seek = None;
        self.ended = Some(result);
        if result == StepResult::Finished {
            let report = self.timeline.sim_mut().finish();
            self.status = format!("the run is over: {}", verdict_text(report.verdict));
        }
        if let Some(p) = self.timeline.sim().panic() {
            self.inspect = Inspect::Check;
            self.inspector_scroll = 0;
            self.status = format!(
                "{} panicked at step {}: paused (b steps back)",
                p.site,
                self.timeline.step_index()
            );
        } else if let Some((check, _, step)) = self.failed_check() {
            self.inspect = Inspect::Check;
            self.inspector_scroll = 0;
            self.status = match step {
                Some(step) => format!("check `{check}` failed at step {step}: paused"),
                None => format!("check `{check}` failed at the end of the run"),
            };
        }
    }

    fn step_back(&mut self) {
        self.playing = false;
        self.seek = None;
        let first = self.timeline.first_step();
        if self.timeline.step_index() <= first {
            self.status = if first == 0 {
                "already at step 0".into()
            } else {
                format!("already at step {first}, the first after the nodes booted")
            };
            return;
        }
        self.timeline.back();
        self.status = format!("back to step {}", self.timeline.step_index());
        self.after_travel();
    }

    /// After moving back: the run is live again; selections past the end go.
    fn after_travel(&mut self) {
        self.ended = None;
        if self.inspect == Inspect::Check {
            self.inspect = Inspect::Node;
        }
        let len = self.timeline.sim().trace_len();
        if self.selected_entry.is_some_and(|e| e >= len) {
            self.selected_entry = None;
            if self.inspect == Inspect::Entry {
                self.inspect = Inspect::Node;
            }
        }
        let ahead = self.timeline.actions_ahead();
        if ahead > 0 {
            self.status.push_str(&format!(
                "; {ahead} recorded action(s) ahead will replay (x forks without them)"
            ));
        }
    }

    fn goto(&mut self, target: GotoTarget) {
        self.playing = false;
        let now = self.timeline.step_index();
        let step = match target {
            GotoTarget::Step(s) => s,
            GotoTarget::Time(t) if t >= self.timeline.sim().now() => {
                self.seek = Some(Seek::Time(t));
                self.status = format!("seeking to {t}");
                return;
            }
            GotoTarget::Time(t) => self.step_at_time(t),
        };
        if step >= now {
            self.seek = Some(Seek::Step(step));
            self.status = format!("seeking to step {step}");
        } else {
            self.timeline.goto(step);
            self.status = format!("went back to step {step}");
            self.after_travel();
        }
    }

    /// The number of kept entries at or before time `t` (binary search).
    fn step_at_time(&self, t: SimTime) -> u64 {
        let sim = self.timeline.sim();
        let (mut low, mut high) = (0usize, sim.trace_len());
        while low < high {
            let mid = (low + high) / 2;
            match sim.entry(mid) {
                Some(e) if e.time <= t => low = mid + 1,
                _ => high = mid,
            }
        }
        low as u64
    }

    fn select(&mut self, delta: i64) {
        match self.focus {
            Focus::Cluster => {
                let count = self.timeline.sim().node_count() as i64;
                let next = (self.selected_node as i64 + delta).clamp(0, (count - 1).max(0));
                self.selected_node = next as usize;
                self.inspect = Inspect::Node;
                self.inspector_scroll = 0;
            }
            Focus::Events => self.select_entry(delta),
            Focus::Inspector => {
                let scroll = i64::from(self.inspector_scroll) + delta;
                self.inspector_scroll = scroll.clamp(0, i64::from(u16::MAX)) as u16;
            }
        }
    }

    fn select_entry(&mut self, delta: i64) {
        let sim = self.timeline.sim();
        let len = sim.trace_len();
        let found = match (self.selected_entry, delta < 0) {
            (None, true) => sim.find_entries(len, 1, &self.filter).first().copied(),
            (None, false) => None,
            (Some(i), true) => sim.find_entries(i, 1, &self.filter).first().copied(),
            (Some(i), false) => (i + 1..len).find(|&j| sim.entry_matches(j, &self.filter)),
        };
        match (found, delta < 0) {
            (Some(i), _) => {
                self.selected_entry = Some(i);
                self.inspect = Inspect::Entry;
                self.inspector_scroll = 0;
            }
            (None, false) => self.deselect(),
            (None, true) => {}
        }
    }

    fn deselect(&mut self) {
        self.selected_entry = None;
        self.inspect = if self.failed_check().is_some() {
            Inspect::Check
        } else {
            Inspect::Node
        };
        self.inspector_scroll = 0;
    }

    fn next_panel(&mut self) {
        self.focus = match self.focus {
            Focus::Cluster => Focus::Events,
            Focus::Events => Focus::Inspector,
            Focus::Inspector => Focus::Cluster,
        };
    }

    /// Show `picked` (empty: the busiest nodes only) and select the first.
    fn pick(&mut self, picked: Vec<usize>) {
        if let Some(&first) = picked.first() {
            self.selected_node = first;
            self.inspect = Inspect::Node;
            self.inspector_scroll = 0;
        }
        self.status = match picked.len() {
            0 => "picked nodes cleared: the busiest are shown".into(),
            n => format!("showing {n} picked node(s); n{} selected", picked[0]),
        };
        self.picked = picked;
    }

    fn act_on_node(&mut self, make: fn(Target) -> FaultAction) {
        if !self.can_act() {
            return;
        }
        let node = NodeId(self.selected_node as u32);
        let action = make(Target::Node(node));
        let up = self.timeline.sim().node_view(node).is_none_or(|v| v.up);
        match (&action, up) {
            (FaultAction::Restart(_), true) => {
                self.status =
                    format!("{node} is up: only a crashed node can restart (c crashes it)");
            }
            (FaultAction::Crash(_), false) => {
                self.status = format!("{node} is down already: r restarts it");
            }
            _ => self.user_fault(action),
        }
    }

    /// Record and inject a user fault (it runs as the next event).
    /// Whether the user may inject a fault now; if not, the status says why.
    fn can_act(&mut self) -> bool {
        if self.timeline.explored_position().is_some() {
            self.status = "an explored path's faults are its choices: open the scenario with `distlab tui` to inject your own".into();
            return false;
        }
        if self.ended.is_some() {
            self.status = "the run is over: step back (b) to act at an earlier step".into();
            return false;
        }
        true
    }

    fn user_fault(&mut self, action: FaultAction) {
        if !self.can_act() {
            return;
        }
        let at = self.timeline.step_index();
        let text = action.to_string();
        let dropped = self.timeline.inject(action);
        self.unsaved = true;
        self.status = format!("{text}: recorded at step {at}, runs as the next event");
        if dropped > 0 {
            self.status.push_str(&format!(
                "; timeline forked: {dropped} later action(s) dropped"
            ));
        }
    }

    fn fork(&mut self) {
        let dropped = self.timeline.fork();
        self.status = if dropped == 0 {
            "no recorded actions ahead: nothing to fork".into()
        } else {
            format!(
                "timeline forked at step {}: {dropped} later action(s) dropped",
                self.timeline.step_index()
            )
        };
    }

    fn save(&mut self) {
        if self.timeline.explored_position().is_some() {
            self.status =
                "an explored path is saved already: the replay file `distlab explore` wrote".into();
            return;
        }
        let Some(mut saver) = self.saver.take() else {
            self.status = "saving is not available in this session".into();
            return;
        };
        let ended = self.ended.is_some();
        let report = if ended {
            self.timeline.sim_mut().finish()
        } else {
            self.timeline.sim().report()
        };
        let request = SaveRequest {
            report,
            actions: self.timeline.injected().to_vec(),
            ended,
        };
        self.status = match saver(&request) {
            Ok(where_) => {
                self.unsaved = false;
                format!("saved {where_} (replay: distlab replay {where_})")
            }
            Err(e) => format!("could not save: {e}"),
        };
        self.saver = Some(saver);
    }

    fn submit_prompt(&mut self) {
        let Mode::Prompt(kind) = self.mode else {
            return;
        };
        self.mode = Mode::Normal;
        let text = std::mem::take(&mut self.prompt);
        let nodes = self.timeline.sim().node_count();
        let result = match kind {
            PromptKind::Goto => parse::goto_target(&text).map(|t| self.goto(t)),
            PromptKind::Pick => parse::pick(&text, nodes).map(|picked| self.pick(picked)),
            PromptKind::Filter => parse::filter(&text, nodes).map(|f| {
                self.filter = f;
                self.filter_text = text.trim().to_string();
                self.selected_entry = None;
                self.status = if self.filter.is_empty() {
                    "log filter cleared".into()
                } else {
                    format!("log filtered by {}", self.filter_text)
                };
            }),
            PromptKind::Partition => parse::partition(&text, nodes).map(|a| self.user_fault(a)),
            PromptKind::Loss => {
                parse::loss(&text).map(|r| self.user_fault(FaultAction::SetLoss(r)))
            }
            PromptKind::Pause => parse::pause_duration(&text).map(|duration| {
                let node = Target::Node(NodeId(self.selected_node as u32));
                self.user_fault(FaultAction::Pause { node, duration })
            }),
            PromptKind::Delay => parse::delay(&text).map(|latency| {
                let node = Target::Node(NodeId(self.selected_node as u32));
                self.user_fault(match latency {
                    None => FaultAction::NetworkReset,
                    Some(latency) => FaultAction::Network(NetChange {
                        from: Some(node),
                        to: None,
                        both_ways: true,
                        messages: Vec::new(),
                        latency: Some(latency),
                        loss: None,
                        duplicate: None,
                    }),
                })
            }),
            PromptKind::Slow => parse::slow(&text).map(|(factor, duration)| {
                let node = Target::Node(NodeId(self.selected_node as u32));
                self.user_fault(FaultAction::Slow {
                    node,
                    factor,
                    duration,
                })
            }),
        };
        if let Err(e) = result {
            self.status = e;
        }
    }
}

/// `pass`, `safety-violation`, `liveness-failure` or `panic`.
pub fn verdict_text(verdict: crate::sim::Verdict) -> &'static str {
    verdict.name()
}

/// `50 ev/s`, `max`.
pub fn speed_label(speed: Option<u64>) -> String {
    match speed {
        Some(n) => format!("{n} ev/s"),
        None => "max".into(),
    }
}

/// The trace level a TUI session needs: the full trace (the log and the
/// diagram read it).
pub const TRACE_LEVEL: TraceLevel = TraceLevel::Full;
