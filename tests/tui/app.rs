//! The TUI's state machine: every action through `App::apply`, time travel,
//! and keyboard faults recorded as inputs of the run.

use crate::support::tui::{failing_session, session, FAILS_AT};
use distlab::faults::{FaultAction, Target};
use distlab::sim::{Endpoint, NodeId, SimTime, StepResult};
use distlab::tui::app::{Focus, Inspect, DEFAULT_SPEED, SPEEDS};
use distlab::tui::{Action, Mode, PromptKind, SaveRequest};
use std::cell::RefCell;
use std::rc::Rc;

const SCENARIO: &str = "scenarios/broadcast-partition.toml";

fn type_in(app: &mut distlab::tui::App, kind: PromptKind, text: &str) {
    app.apply(Action::OpenPrompt(kind));
    for c in text.chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
}

fn steps(app: &mut distlab::tui::App, n: u64) {
    for _ in 0..n {
        app.apply(Action::StepForward);
    }
}

#[test]
fn a_session_opens_paused_at_step_zero() {
    let app = session(SCENARIO);
    assert_eq!(app.timeline().step_index(), 0);
    assert!(!app.is_playing() && !app.is_busy());
    assert_eq!(app.mode(), &Mode::Normal);
    assert_eq!(app.speed(), DEFAULT_SPEED);
    assert_eq!(app.ended(), None);
}

#[test]
fn play_pause_and_ticks() {
    let mut app = session(SCENARIO);
    app.apply(Action::Tick(10));
    assert_eq!(app.timeline().step_index(), 0, "paused: ticks do nothing");
    app.apply(Action::TogglePlay);
    assert!(app.is_playing() && app.is_busy());
    assert_eq!(app.rate(), SPEEDS[DEFAULT_SPEED]);
    app.apply(Action::Tick(10));
    assert_eq!(app.timeline().step_index(), 10);
    app.apply(Action::TogglePlay);
    app.apply(Action::Tick(10));
    assert_eq!(app.timeline().step_index(), 10);
}

#[test]
fn speed_changes_and_clamps() {
    let mut app = session(SCENARIO);
    app.apply(Action::Faster);
    assert_eq!(app.speed(), DEFAULT_SPEED + 1);
    for _ in 0..50 {
        app.apply(Action::Faster);
    }
    assert_eq!(app.speed(), SPEEDS.len() - 1);
    assert_eq!(app.rate(), None, "the last speed is as fast as possible");
    for _ in 0..50 {
        app.apply(Action::Slower);
    }
    assert_eq!(app.speed(), 0);
}

#[test]
fn stepping_back_lands_on_the_same_world() {
    let mut app = session(SCENARIO);
    steps(&mut app, 200);
    let at_200 = app.timeline().sim().trace_hash();
    app.apply(Action::StepForward);
    assert_eq!(app.timeline().step_index(), 201);
    app.apply(Action::StepBack);
    assert_eq!(app.timeline().step_index(), 200);
    assert_eq!(app.timeline().sim().trace_hash(), at_200);
    assert_eq!(app.timeline().sim().trace_len(), 200);
}

#[test]
fn goto_steps_and_times_forward_and_back() {
    let mut app = session(SCENARIO);
    type_in(&mut app, PromptKind::Goto, "300");
    assert!(app.is_busy(), "going forward seeks in ticks");
    app.apply(Action::Tick(1_000));
    assert_eq!(app.timeline().step_index(), 300);
    assert!(!app.is_busy());
    type_in(&mut app, PromptKind::Goto, "120");
    assert_eq!(app.timeline().step_index(), 120, "going back is immediate");
    type_in(&mut app, PromptKind::Goto, "1s");
    app.apply(Action::Tick(100_000));
    let sim = app.timeline().sim();
    assert!(sim.now().as_nanos() <= 1_000_000_000);
    assert!(sim
        .next_time()
        .is_some_and(|t| t.as_nanos() > 1_000_000_000));
    let at_one_second = app.timeline().step_index();
    steps(&mut app, 50);
    type_in(&mut app, PromptKind::Goto, "1s");
    assert_eq!(app.timeline().step_index(), at_one_second);
    type_in(&mut app, PromptKind::Goto, "soon");
    // It says what `g` takes, not just that "soon" is no time unit.
    assert!(
        app.status()
            .contains("g takes a step number (1500) or a virtual time"),
        "{}",
        app.status()
    );
    type_in(&mut app, PromptKind::Goto, "abc");
    assert!(
        !app.status().contains("unknown time unit") && app.status().contains("\"abc\" is neither"),
        "{}",
        app.status()
    );
}

#[test]
fn restart_of_a_live_node_and_crash_of_a_dead_one_are_refused() {
    // Restart on a live node was recorded as "fault restart nobody".
    let mut app = session(SCENARIO);
    steps(&mut app, 20);
    app.apply(Action::Restart);
    assert!(app.timeline().injected().is_empty(), "nothing recorded");
    assert!(
        app.status()
            .contains("n0 is up: only a crashed node can restart"),
        "{}",
        app.status()
    );
    app.apply(Action::Crash);
    steps(&mut app, 1);
    assert_eq!(app.timeline().injected().len(), 1);
    app.apply(Action::Crash);
    assert_eq!(app.timeline().injected().len(), 1, "no second crash");
    assert!(
        app.status().contains("n0 is down already"),
        "{}",
        app.status()
    );
}

#[test]
fn a_partition_that_cuts_nothing_is_refused() {
    // `0 1 2` on a 3-node cluster (every node in one group) was recorded.
    let mut app = session(SCENARIO); // 9 nodes
    steps(&mut app, 5);
    type_in(&mut app, PromptKind::Partition, "0 1 2 3 4 5 6 7 8");
    assert!(app.timeline().injected().is_empty(), "nothing recorded");
    assert!(app.status().contains("nothing is cut"), "{}", app.status());
    // One group and the rest is a real partition.
    type_in(&mut app, PromptKind::Partition, "0 1 2");
    assert_eq!(app.timeline().injected().len(), 1);
}

#[test]
fn quit_with_unsaved_actions_asks_first() {
    let mut app = session(SCENARIO).with_saver(Box::new(|_: &SaveRequest| Ok("s.json".into())));
    steps(&mut app, 5);
    app.apply(Action::Crash);
    app.apply(Action::Quit);
    assert!(!app.should_quit(), "the first q warns");
    assert!(
        app.status().contains("1 recorded action(s) not saved"),
        "{}",
        app.status()
    );
    app.apply(Action::StepForward);
    app.apply(Action::Quit);
    assert!(!app.should_quit(), "another key in between disarms it");
    app.apply(Action::Quit);
    assert!(app.should_quit(), "q twice quits");
    // Once saved, q quits at once.
    let mut app = session(SCENARIO).with_saver(Box::new(|_: &SaveRequest| Ok("s.json".into())));
    steps(&mut app, 5);
    app.apply(Action::Crash);
    app.apply(Action::Save);
    app.apply(Action::Quit);
    assert!(app.should_quit());
}

#[test]
fn selection_focus_and_scrolling() {
    let mut app = session(SCENARIO);
    steps(&mut app, 30);
    assert_eq!(app.focus(), Focus::Cluster);
    app.apply(Action::SelectNext);
    app.apply(Action::SelectNext);
    assert_eq!(app.selected_node(), 2);
    app.apply(Action::SelectPrev);
    assert_eq!(app.selected_node(), 1);
    for _ in 0..20 {
        app.apply(Action::SelectNext);
    }
    assert_eq!(app.selected_node(), 8, "clamped to the last node");
    app.apply(Action::NextPanel);
    assert_eq!(app.focus(), Focus::Events);
    app.apply(Action::SelectPrev);
    assert_eq!(app.selected_entry(), Some(29), "the newest event first");
    assert_eq!(app.inspect(), Inspect::Entry);
    app.apply(Action::SelectPrev);
    assert_eq!(app.selected_entry(), Some(28));
    app.apply(Action::SelectNext);
    app.apply(Action::SelectNext);
    assert_eq!(app.selected_entry(), None, "past the newest: follow again");
    app.apply(Action::SelectPrev);
    app.apply(Action::Deselect);
    assert_eq!(app.selected_entry(), None);
    assert_eq!(app.inspect(), Inspect::Node);
    app.apply(Action::NextPanel);
    assert_eq!(app.focus(), Focus::Inspector);
    app.apply(Action::NextPanel);
    assert_eq!(app.focus(), Focus::Cluster);
}

#[test]
fn the_log_filter_takes_nodes_and_kinds() {
    let mut app = session(SCENARIO);
    steps(&mut app, 100);
    type_in(&mut app, PromptKind::Filter, "n3");
    assert_eq!(app.filter().endpoint, Some(Endpoint::Node(NodeId(3))));
    app.apply(Action::NextPanel);
    app.apply(Action::SelectPrev);
    let chosen = app.selected_entry().expect("an event at n3");
    let e = app.timeline().sim().entry(chosen).unwrap();
    let n3 = Some(Endpoint::Node(NodeId(3)));
    assert!(e.source == n3 || e.target == n3);
    type_in(&mut app, PromptKind::Filter, "deliver");
    assert_eq!(app.filter().kind.as_deref(), Some("deliver"));
    type_in(&mut app, PromptKind::Filter, "");
    assert!(app.filter().is_empty());
    type_in(&mut app, PromptKind::Filter, "n99");
    assert!(app.status().contains("unknown filter"));
}

#[test]
fn prompts_edit_and_cancel() {
    let mut app = session(SCENARIO);
    app.apply(Action::OpenPrompt(PromptKind::Goto));
    assert_eq!(app.mode(), &Mode::Prompt(PromptKind::Goto));
    app.apply(Action::PromptInput('4'));
    app.apply(Action::PromptInput('2'));
    app.apply(Action::PromptBackspace);
    assert_eq!(app.prompt_text(), "4");
    app.apply(Action::PromptCancel);
    assert_eq!(app.mode(), &Mode::Normal);
    assert_eq!(app.timeline().step_index(), 0);
}

#[test]
fn help_and_quit() {
    let mut app = session(SCENARIO);
    app.apply(Action::ToggleHelp);
    assert_eq!(app.mode(), &Mode::Help);
    app.apply(Action::ToggleHelp);
    assert_eq!(app.mode(), &Mode::Normal);
    assert!(!app.should_quit());
    app.apply(Action::Quit);
    assert!(app.should_quit());
}

/// `w` slows the selected node's workers (a `[service]` scenario); a bad
/// answer is explained and injects nothing.
#[test]
fn the_slow_key_slows_the_selected_nodes_workers() {
    let mut app = session("scenarios/raft-gray-leader.toml");
    steps(&mut app, 20);
    app.apply(Action::SelectNext);
    type_in(&mut app, PromptKind::Slow, "ten 3s");
    assert!(app.status().contains("factor"), "{}", app.status());
    assert!(app.timeline().injected().is_empty());
    type_in(&mut app, PromptKind::Slow, "10 3s");
    steps(&mut app, 1);
    let actions: Vec<String> = app
        .timeline()
        .injected()
        .iter()
        .map(|(_, a)| a.to_string())
        .collect();
    assert_eq!(actions, ["slow n1 x10 for 3s"]);
    let n1 = &app.timeline().sim().nodes()[1];
    assert!(
        n1.service
            .as_deref()
            .is_some_and(|s| s.contains("x10 slow")),
        "{:?}",
        n1.service
    );
}

#[test]
fn keyboard_faults_are_recorded_with_their_step() {
    let mut app = session(SCENARIO);
    steps(&mut app, 40);
    app.apply(Action::SelectNext);
    app.apply(Action::Crash);
    steps(&mut app, 5);
    assert!(!app.timeline().sim().nodes()[1].up, "n1 crashed");
    app.apply(Action::Restart);
    app.apply(Action::SelectNext);
    app.apply(Action::Isolate);
    type_in(&mut app, PromptKind::Partition, "0 1 | 2 3");
    type_in(&mut app, PromptKind::Loss, "10%");
    app.apply(Action::Heal);
    steps(&mut app, 5);
    let recorded: Vec<u64> = app.timeline().injected().iter().map(|(s, _)| *s).collect();
    assert_eq!(recorded, vec![40, 45, 45, 45, 45, 45]);
    let actions: Vec<String> = app
        .timeline()
        .injected()
        .iter()
        .map(|(_, a)| a.to_string())
        .collect();
    assert_eq!(
        actions,
        [
            "crash n1",
            "restart n1",
            "isolate n2",
            "partition {n0 n1} | {n2 n3}",
            "loss 0.1",
            "heal"
        ]
    );
    assert!(app.timeline().sim().nodes()[1].up, "n1 restarted");
}

/// `d` changes the latency of the selected node's links from now on (its
/// messages then take that long), `d reset` undoes it, and `u` heals only
/// the selected node's links where `h` heals everything.
#[test]
fn the_network_keys_change_latency_and_heal_one_node() {
    let mut app = session(SCENARIO);
    steps(&mut app, 40);
    app.apply(Action::SelectNext);
    type_in(&mut app, PromptKind::Delay, "10s..1ms");
    assert!(app.status().contains("low to high"), "{}", app.status());
    type_in(&mut app, PromptKind::Delay, "500ms");
    steps(&mut app, 1);
    // Messages sent from now on; those already on the wire keep theirs.
    let changed = app.timeline().sim().now();
    let from_n1 = |app: &distlab::tui::App| -> Vec<SimTime> {
        app.timeline()
            .sim()
            .flights(1000)
            .into_iter()
            .filter(|f| f.from == Endpoint::Node(NodeId(1)) || f.to == Endpoint::Node(NodeId(1)))
            .filter_map(|f| f.sent_at.filter(|&t| t >= changed).map(|t| f.arrives - t))
            .collect()
    };
    let mut seen = false;
    for _ in 0..400 {
        steps(&mut app, 1);
        let delays = from_n1(&app);
        assert!(
            delays.iter().all(|&d| d == SimTime::from_millis(500)),
            "{delays:?}"
        );
        seen |= !delays.is_empty();
    }
    assert!(seen, "n1 sent or received something in 400 steps");
    type_in(&mut app, PromptKind::Delay, "reset");
    app.apply(Action::Isolate);
    app.apply(Action::SelectNext);
    app.apply(Action::Isolate);
    steps(&mut app, 3);
    let net = app.timeline().sim().network_description();
    assert!(net.contains("(30 directed links cut)"), "{net}");
    app.apply(Action::SelectPrev);
    app.apply(Action::HealNode);
    steps(&mut app, 1);
    // n2 stays cut off from the other eight; n1's links are back.
    let net = app.timeline().sim().network_description();
    assert!(net.contains("(14 directed links cut)"), "{net}");
    let actions: Vec<String> = app
        .timeline()
        .injected()
        .iter()
        .map(|(_, a)| a.to_string())
        .collect();
    assert_eq!(
        actions[..2],
        [
            "network n1 <-> * all messages: latency constant 500ms".to_string(),
            "network reset".to_string()
        ]
    );
    assert_eq!(actions[2..], ["isolate n1", "isolate n2", "heal n1"]);
}

#[test]
fn going_back_replays_recorded_actions_until_the_timeline_forks() {
    let mut app = session(SCENARIO);
    steps(&mut app, 40);
    app.apply(Action::Crash);
    steps(&mut app, 20);
    let with_crash = app.timeline().sim().trace_hash();
    type_in(&mut app, PromptKind::Goto, "30");
    assert_eq!(app.timeline().actions_ahead(), 1);
    assert!(app.status().contains("recorded action"), "{}", app.status());
    steps(&mut app, 30);
    assert_eq!(app.timeline().sim().trace_hash(), with_crash, "replayed");
    type_in(&mut app, PromptKind::Goto, "30");
    app.apply(Action::Fork);
    assert!(app.status().contains("forked"), "{}", app.status());
    assert_eq!(app.timeline().injected().len(), 0);
    steps(&mut app, 30);
    assert!(
        app.timeline().sim().nodes()[0].up,
        "no crash on the new path"
    );
    type_in(&mut app, PromptKind::Goto, "35");
    app.apply(Action::SelectNext);
    app.apply(Action::Crash);
    assert_eq!(
        app.timeline().injected(),
        &[(35, FaultAction::Crash(Target::Node(NodeId(1))))]
    );
}

#[test]
fn a_failing_check_pauses_the_run_and_explains_itself() {
    let mut app = failing_session();
    app.apply(Action::TogglePlay);
    app.apply(Action::Tick(10_000));
    assert_eq!(app.ended(), Some(StepResult::Violated));
    assert!(!app.is_playing());
    assert_eq!(app.timeline().step_index(), FAILS_AT);
    assert_eq!(app.inspect(), Inspect::Check);
    assert!(app.status().contains("test-stops-at-step-60"));
    app.apply(Action::Crash);
    assert!(app.status().contains("the run is over"));
    assert!(app.timeline().injected().is_empty());
    app.apply(Action::StepBack);
    assert_eq!(app.ended(), None);
    assert_eq!(app.timeline().step_index(), FAILS_AT - 1);
    assert_eq!(app.inspect(), Inspect::Node);
}

#[test]
fn save_hands_the_report_and_actions_to_the_saver() {
    let saved: Rc<RefCell<Vec<SaveRequest>>> = Rc::default();
    let sink = Rc::clone(&saved);
    let mut app = session(SCENARIO).with_saver(Box::new(move |r: &SaveRequest| {
        sink.borrow_mut().push(r.clone());
        Ok("session.json".into())
    }));
    steps(&mut app, 25);
    app.apply(Action::Crash);
    steps(&mut app, 5);
    app.apply(Action::Save);
    assert!(
        app.status().contains("saved session.json"),
        "{}",
        app.status()
    );
    let saved = saved.borrow();
    assert_eq!(saved.len(), 1);
    assert_eq!(saved[0].report.steps, 30);
    assert_eq!(saved[0].actions.len(), 1);
    assert!(!saved[0].ended);
}

/// A run that ends with an undecided check is not shown as passed: the
/// badge says which check could not decide, the status line the verdict.
#[test]
fn an_undecided_check_is_not_shown_as_passed() {
    let mut app = crate::support::tui::session("scenarios/raft-basic.toml");
    steps(&mut app, 1);
    assert!(crate::support::tui::screen(&app, 160, 40).contains("checks ok so far"));
    let path = crate::support::variant(
        "scenarios/raft-basic.toml",
        "history = \"linearizable\"",
        "history = \"linearizable\"\nhistory_steps = 100",
        "tui-undecided.toml",
    );
    let scenario = distlab::testing::load(&path);
    let options = distlab::scenario::engine::BuildOptions {
        trace_level: distlab::sim::TraceLevel::Full,
    };
    let sim = distlab::registry::build(&scenario, &options).expect("builds");
    let mut app = distlab::tui::App::new(distlab::sim::Timeline::new(sim, 64));
    app.apply(Action::TogglePlay);
    for _ in 0..100 {
        app.apply(Action::Tick(100_000));
    }
    assert_eq!(app.ended(), Some(StepResult::Finished));
    let screen = crate::support::tui::screen(&app, 160, 40);
    assert!(
        screen.contains("? UNKNOWN: linearizable could not decide"),
        "{screen}"
    );
    assert!(!screen.contains("checks passed"), "{screen}");
    assert!(app.status().contains("unknown"), "{}", app.status());
}
