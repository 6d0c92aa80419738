//! Student code never crashes the tools: a protocol whose handler panics,
//! driven through the real command line (`run`, `replay`, `sweep`, `tui`)
//! and the TUI's rendering.
//!
//! This test binary is also that command line: started with
//! `DISTLAB_PANICS_CLI=1` it is `distlab` with the protocol `fuse` installed
//! the way a lab crate installs a student's node (`cli::student_main`). So
//! its `main` is our own (`harness = false` in Cargo.toml): with the
//! variable it runs the CLI, without it it runs the tests below (a name on
//! the command line runs only the tests containing it).

use distlab::registry::ProtocolEntry;
use distlab::scenario::engine::{configure, BuildOptions, ProtocolFacts};
use distlab::scenario::{Scenario, ScenarioError};
use distlab::sim::{Ctx, DynSim, Node, NodeId, SimBuilder, SimTime, Timeline, TraceLevel};
use distlab::tui::{render, Action, App};
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use serde::Serialize;
use std::path::PathBuf;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

const AS_USER_CLI: &str = "DISTLAB_PANICS_AS_USER_CLI";
const AS_CLI: &str = "DISTLAB_PANICS_CLI";
const SCENARIO: &str = "tests/fixtures/panics/fuse.toml";

// ---------------------------------------------------------------------------
// The panicking protocol.

/// n0 says `Hello(k)` to n1 every 100 ms. On some seeds (a third of them,
/// drawn from n1's own stream at start) n1 has a `todo!()` where the third
/// hello arrives. Seven nodes cannot even be built; nor can seed 13.
#[derive(Clone, Debug)]
pub struct Fuse {
    armed: bool,
    got: u64,
}

/// What n0 says to n1.
#[derive(Clone, Debug, Hash, Serialize)]
pub enum Msg {
    /// The n-th hello.
    Hello(u64),
}

/// n0's timer: say hello again.
#[derive(Clone, Debug, Hash, Serialize)]
pub struct Every(u64);

impl Node for Fuse {
    type Msg = Msg;
    type Timer = Every;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        self.armed = ctx.id() == NodeId(1) && ctx.rng().below(3) == 0;
        if ctx.id() == NodeId(0) {
            ctx.set_timer(SimTime::from_millis(100), Every(0));
        }
    }
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, msg: Msg) {
        let Msg::Hello(k) = msg;
        self.got += 1;
        if self.armed && k == 2 {
            todo!("lab 99 A: answer the third hello");
        }
    }
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Every) {
        ctx.send(NodeId(1), Msg::Hello(timer.0));
        ctx.set_timer(SimTime::from_millis(100), Every(timer.0 + 1));
    }
    fn summary(&self) -> String {
        format!("got {}", self.got)
    }
}

const FACTS: ProtocolFacts = ProtocolFacts {
    name: "fuse",
    roles: &[],
    workloads: &[],
    histories: &[],
    params: &[],
    bugs: &[],
};

fn build(scenario: &Scenario, options: &BuildOptions) -> Result<Box<dyn DynSim>, ScenarioError> {
    scenario.protocol_params.reader().finish()?;
    if scenario.seed == 13 {
        todo!("seed 13 cannot be built");
    }
    let b = SimBuilder::new(scenario.nodes, scenario.seed, |_, nodes| {
        if nodes == 7 {
            todo!("seven nodes");
        }
        Fuse {
            armed: false,
            got: 0,
        }
    });
    Ok(Box::new(
        configure(b, scenario, &FACTS, None, options)?.build(),
    ))
}

fn entry() -> ProtocolEntry {
    ProtocolEntry {
        summary: "says hello; panics on some seeds (tests/panics.rs)",
        facts: FACTS,
        build,
    }
}

// ---------------------------------------------------------------------------
// Running this binary as the CLI.

fn cli(args: &[&str]) -> Output {
    Command::new(std::env::current_exe().expect("own path"))
        .args(args)
        .env(AS_CLI, "1")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("the CLI runs")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// `tests/panics.rs:LINE:COL` → `tests/panics.rs:L:C`, so the snapshots do
/// not move with every edit of this file; wall time dropped.
fn masked(text: &str) -> String {
    // Replay hints name the running binary (this one: a CLI with the
    // panicking protocol installed, which `distlab` does not know).
    let exe = std::env::current_exe().expect("own path");
    let text = &text.replace(&exe.display().to_string(), "THIS-BINARY");
    let mut out = String::new();
    let mut rest = text.as_str();
    let tag = "tests/panics.rs:";
    while let Some(i) = rest.find(tag) {
        let (head, tail) = rest.split_at(i + tag.len());
        out.push_str(head);
        out.push_str("L:C");
        // LINE, then `:COL`: digits, and a colon only before more digits.
        let bytes = tail.as_bytes();
        let mut skip = 0;
        while skip < bytes.len()
            && (bytes[skip].is_ascii_digit()
                || (bytes[skip] == b':' && bytes.get(skip + 1).is_some_and(u8::is_ascii_digit)))
        {
            skip += 1;
        }
        rest = &tail[skip..];
    }
    out.push_str(rest);
    out.lines()
        .filter(|l| !l.starts_with("wall time"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Seeds of `SCENARIO` whose run panics, found by running each in process
/// (seed 13, which cannot even be built, left out).
fn panicking_seeds(range: std::ops::Range<u64>) -> Vec<u64> {
    range
        .filter(|&seed| seed != 13)
        .filter(|&seed| {
            let scenario = scenario(seed);
            let mut sim = build(&scenario, &BuildOptions::default()).expect("builds");
            sim.run().panic.is_some()
        })
        .collect()
}

fn scenario(seed: u64) -> Scenario {
    let path = format!("{}/{SCENARIO}", env!("CARGO_MANIFEST_DIR"));
    let mut s = distlab::testing::load(path);
    s.seed = seed;
    s
}

// ---------------------------------------------------------------------------
// The tests.

fn run_prints_the_panic_and_exits_4() {
    let seed = panicking_seeds(0..20)[0].to_string();
    let out = cli(&["run", SCENARIO, "--seed", &seed]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert!(!stderr(&out).contains("panicked at"), "{}", stderr(&out));
    insta::assert_snapshot!("run_panicking_seed", masked(&stdout(&out)));
}

fn run_json_names_the_panic() {
    let seed = panicking_seeds(0..20)[0].to_string();
    let out = cli(&["run", SCENARIO, "--seed", &seed, "--json"]);
    assert_eq!(out.status.code(), Some(4));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["verdict"], "panic");
    assert_eq!(v["violation"]["check"], "panic");
    assert_eq!(
        v["panic"]["message"],
        "not yet implemented: lab 99 A: answer the third hello"
    );
    // Named from a re-run with the full trace (the run itself keeps only
    // the hash).
    assert_eq!(v["panic"]["site"], "n1's on_message(Hello(2)) from n0");
}

fn a_passing_seed_still_passes() {
    let bad = panicking_seeds(0..20);
    let good = (0..20)
        .find(|s| !bad.contains(s))
        .expect("a seed that passes");
    let out = cli(&["run", SCENARIO, "--seed", &good.to_string()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

fn replay_of_a_panicking_seed_exits_4() {
    let seed = panicking_seeds(0..20)[0].to_string();
    let out = cli(&["replay", SCENARIO, "--seed", &seed]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    insta::assert_snapshot!("replay_panicking_seed", masked(&stdout(&out)));
}

fn a_constructor_that_panics_is_reported_not_a_crash() {
    let out = cli(&["run", SCENARIO, "--nodes", "7"]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    assert_eq!(
        masked(&stderr(&out)),
        "distlab: the implementation panicked while building the simulation (the scenario, \
         the node's constructor): panicked at tests/panics.rs:L:C: not yet implemented: seven nodes"
    );
}

fn sweep_counts_panicking_seeds_as_failed_and_goes_on() {
    let dir = temp_dir("sweep");
    let failures = dir.join("failures.json");
    let failures = failures.to_str().expect("utf-8 path");
    let out = cli(&[
        "sweep",
        SCENARIO,
        "--seeds",
        "0..12",
        "--jobs",
        "2",
        "--failures",
        failures,
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(!stderr(&out).contains("panicked"), "{}", stderr(&out));
    let bad = panicking_seeds(0..12);
    assert!(bad.len() >= 2 && bad.len() < 12, "{bad:?}");
    for seed in &bad {
        let line = format!(
            "FAIL seed {seed}: panic at tests/panics.rs:L:C: not yet implemented: lab 99 A: \
             answer the third hello (in n1's on_message from n0 (message #2), step 8)"
        );
        assert!(masked(&text).contains(&line), "{line}\n{text}");
        let replay = format!("  replay: THIS-BINARY replay {SCENARIO} --seed {seed}");
        assert!(masked(&text).contains(&replay), "{text}");
    }
    let summary = format!(
        "swept 12 seeds of fuse: {} passed, {} failed",
        12 - bad.len(),
        bad.len()
    );
    assert!(text.contains(&summary), "{text}");
    // The failures file replays every panic exactly.
    let out = cli(&["replay", failures]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = stdout(&out);
    assert_eq!(
        text.matches("replay: reproduced seed").count(),
        bad.len(),
        "{text}"
    );
    assert!(text.contains(": panic (panic), trace-hash"), "{text}");
}

fn a_build_panic_on_a_sweep_worker_does_not_crash_the_sweep() {
    let dir = temp_dir("sweep-build");
    let failures = dir.join("failures.json");
    let out = cli(&[
        "sweep",
        SCENARIO,
        "--seeds",
        "12..15",
        "--jobs",
        "1",
        "--failures",
        failures.to_str().expect("utf-8"),
    ]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let err = masked(&stderr(&out));
    assert!(!err.contains("scoped thread panicked"), "{err}");
    // The seed that cannot be built is a failed seed; the others still run.
    let text = masked(&stdout(&out));
    assert!(
        text.contains(
            "FAIL seed 13: panic at tests/panics.rs:L:C: not yet implemented: seed 13 cannot be \
             built (in seed 13 (building or running it, outside a handler))"
        ),
        "{text}"
    );
    assert!(text.contains("swept 3 seeds of fuse"), "{text}");
    // Its failure replays: the build panics again, which is the failure.
    let out = cli(&["replay", failures.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains(
            "replay: reproduced seed 13: building the simulation panicked again (panic), trace-hash none"
        ),
        "{text}"
    );
    assert!(!text.contains("DID NOT REPRODUCE"), "{text}");
}

/// An in-process TUI session on a panicking seed.
fn session() -> App {
    let seed = panicking_seeds(0..20)[0];
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let sim = build(&scenario(seed), &options).expect("builds");
    App::new(Timeline::new(sim, 4))
}

fn screen(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test terminal");
    terminal.draw(|f| render(app, f)).expect("draw");
    let buffer = terminal.backend().buffer();
    let mut out = String::new();
    for y in 0..height {
        let line: String = (0..width).map(|x| buffer[(x, y)].symbol()).collect();
        out.push_str(line.trim_end());
        out.push('\n');
    }
    // The trace hash moves with the protocol's code; the layout must not.
    let masked = masked(&out);
    match masked.find("hash 0x") {
        Some(i) => format!("{}################{}", &masked[..i + 7], &masked[i + 23..]),
        None => masked,
    }
}

fn the_tui_shows_the_panic_and_steps_back() {
    let mut app = session();
    for _ in 0..20 {
        app.apply(Action::StepForward);
    }
    assert_eq!(app.timeline().step_index(), 8, "stopped at the panic");
    assert!(!app.should_quit());
    let text = screen(&app, 120, 40);
    assert!(
        text.contains("✗ PANIC in n1's on_message (step 8)"),
        "{text}"
    );
    assert!(text.contains("at tests/panics.rs:L:C"), "{text}");
    // The inspector wraps the message.
    assert!(
        text.contains("│not yet implemented: lab 99 A: answer the")
            && text.contains("│third hello"),
        "{text}"
    );
    insta::assert_snapshot!("tui_at_a_panic_120x40", text);
    insta::assert_snapshot!("tui_at_a_panic_80x24", screen(&app, 80, 24));
    // Playing on does nothing; stepping back leaves the panic behind.
    app.apply(Action::TogglePlay);
    assert!(!app.is_playing());
    app.apply(Action::StepBack);
    assert_eq!(app.timeline().step_index(), 7);
    assert!(app.timeline().sim().panic().is_none());
    assert!(!screen(&app, 120, 40).contains("PANIC"));
    // Going to a later step meets the same panic again.
    app.apply(Action::OpenPrompt(distlab::tui::PromptKind::Goto));
    for c in "50".chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
    app.apply(Action::Tick(100));
    assert_eq!(app.timeline().step_index(), 8);
    assert!(screen(&app, 120, 40).contains("✗ PANIC in n1's on_message (step 8)"));
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("distlab-panics-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    dir
}

// ---------------------------------------------------------------------------
// tmux: the real terminal.

fn tmux(args: &[&str]) -> String {
    let out = Command::new("tmux").args(args).output().expect("tmux runs");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn wait_for(session: &str, want: &str) -> String {
    let started = Instant::now();
    loop {
        let screen = tmux(&["capture-pane", "-p", "-t", session]);
        if screen.contains(want) || started.elapsed() > Duration::from_secs(10) {
            return screen;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// Kills the tmux session when the test ends, pass or fail.
struct TmuxSession(String);

impl Drop for TmuxSession {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["kill-session", "-t", &self.0])
            .output();
    }
}

fn the_tui_binary_survives_a_panic_in_tmux() {
    let have_tmux = Command::new("which")
        .arg("tmux")
        .output()
        .is_ok_and(|o| o.status.success());
    if !have_tmux {
        eprintln!("SKIPPED the_tui_binary_survives_a_panic_in_tmux: tmux is not installed");
        return;
    }
    let seed = panicking_seeds(0..20)[0];
    let name = format!("distlab-panics-test-{}", std::process::id());
    let command = format!(
        "cd {} && {AS_CLI}=1 {} tui {SCENARIO} --seed {seed}; echo distlab-exited-$?; sleep 30",
        env!("CARGO_MANIFEST_DIR"),
        std::env::current_exe().expect("own path").display()
    );
    let status = Command::new("tmux")
        .args([
            "new-session",
            "-d",
            "-s",
            &name,
            "-x",
            "120",
            "-y",
            "40",
            &command,
        ])
        .status()
        .expect("tmux starts");
    assert!(status.success());
    let _session = TmuxSession(name.clone());
    wait_for(&name, "step 0");
    // Space runs at 50 events/s: the panic at step 8 pauses the run.
    tmux(&["send-keys", "-t", &name, " "]);
    let screen = wait_for(&name, "PANIC");
    assert!(
        screen.contains("✗ PANIC in n1's on_message (step 8)"),
        "{screen}"
    );
    assert!(screen.contains("not yet implemented: lab 99 A"), "{screen}");
    assert!(screen.contains("at tests/panics.rs:"), "{screen}");
    assert!(!screen.contains("distlab-exited"), "{screen}");
    tmux(&["send-keys", "-t", &name, "n"]);
    tmux(&["send-keys", "-t", &name, "b"]);
    let screen = wait_for(&name, "back to step 7");
    assert!(screen.contains("back to step 7"), "{screen}");
    tmux(&["send-keys", "-t", &name, "n"]);
    let screen = wait_for(&name, "PANIC");
    assert!(screen.contains("panicked at step 8"), "{screen}");
    tmux(&["send-keys", "-t", &name, "q"]);
    let screen = wait_for(&name, "distlab-exited-0");
    assert!(
        screen.contains(&format!("tui: left fuse seed {seed} at step 8")),
        "{screen}"
    );
}

// ---------------------------------------------------------------------------

/// A user's binary: the whole CLI with a protocol of their own added
/// (`cli::main_with`, not a lab): `list` shows it, the built-ins stay, and
/// replay hints name this binary, not `distlab`, which does not know it.
fn a_users_binary_lists_its_protocol_and_names_itself_in_hints() {
    let run = |args: &[&str]| {
        Command::new(std::env::current_exe().expect("own path"))
            .args(args)
            .env(AS_USER_CLI, "1")
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .output()
            .expect("the CLI runs")
    };
    let list = stdout(&run(&["list"]));
    assert!(
        list.contains("fuse") && list.contains("says hello; panics on some seeds"),
        "{list}"
    );
    assert!(list.contains("raft "), "the built-ins stay: {list}");
    let bad = panicking_seeds(0..12)[0];
    let out = run(&["run", SCENARIO, "--seed", &bad.to_string()]);
    assert_eq!(out.status.code(), Some(4), "{}", stderr(&out));
    let replay = format!("replay: THIS-BINARY replay {SCENARIO} --seed {bad}");
    assert!(masked(&stdout(&out)).contains(&replay), "{}", stdout(&out));
}

fn main() {
    if std::env::var_os(AS_CLI).is_some() {
        std::process::exit(distlab::cli::student_main("99", entry()));
    }
    if std::env::var_os(AS_USER_CLI).is_some() {
        std::process::exit(distlab::cli::main_with(
            distlab::registry::Registry::builtin().with(entry()),
        ));
    }
    let tests: [(&str, fn()); 11] = [
        (
            "a_users_binary_lists_its_protocol_and_names_itself_in_hints",
            a_users_binary_lists_its_protocol_and_names_itself_in_hints,
        ),
        (
            "run_prints_the_panic_and_exits_4",
            run_prints_the_panic_and_exits_4,
        ),
        ("run_json_names_the_panic", run_json_names_the_panic),
        ("a_passing_seed_still_passes", a_passing_seed_still_passes),
        (
            "replay_of_a_panicking_seed_exits_4",
            replay_of_a_panicking_seed_exits_4,
        ),
        (
            "a_constructor_that_panics_is_reported_not_a_crash",
            a_constructor_that_panics_is_reported_not_a_crash,
        ),
        (
            "sweep_counts_panicking_seeds_as_failed_and_goes_on",
            sweep_counts_panicking_seeds_as_failed_and_goes_on,
        ),
        (
            "a_build_panic_on_a_sweep_worker_does_not_crash_the_sweep",
            a_build_panic_on_a_sweep_worker_does_not_crash_the_sweep,
        ),
        (
            "the_tui_shows_the_panic_and_steps_back",
            the_tui_shows_the_panic_and_steps_back,
        ),
        (
            "the_tui_binary_survives_a_panic_in_tmux",
            the_tui_binary_survives_a_panic_in_tmux,
        ),
        ("panicking_seeds_are_some_not_all", || {
            let bad = panicking_seeds(0..20);
            assert!(!bad.is_empty() && bad.len() < 20, "{bad:?}");
        }),
    ];
    let filters: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    let mut failed = Vec::new();
    for (name, test) in tests {
        if !filters.is_empty() && !filters.iter().any(|f| name.contains(f.as_str())) {
            continue;
        }
        print!("test {name} ... ");
        match std::panic::catch_unwind(test) {
            Ok(()) => println!("ok"),
            Err(_) => {
                println!("FAILED");
                failed.push(name);
            }
        }
    }
    if !failed.is_empty() {
        println!("\nfailed: {}", failed.join(", "));
        std::process::exit(101);
    }
    println!("\ntest result: ok");
}
