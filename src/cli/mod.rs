//! The command line: clap definitions and dispatch. Each command lives in its
//! own module and returns the process exit code.
//!
//! Exit codes: 0 all checks passed, 1 a safety check failed, 2 a liveness
//! check failed, 3 bad input (usage, scenario, file), 4 the implementation
//! panicked (protocol code: a handler, a constructor, a check's accessor),
//! 5 `replay` did not reproduce the recorded run, 6 no check failed but one
//! could not decide (the verdict `unknown`; [`worse_exit`] ranks them).

mod bench;
pub mod check_history;
mod common;
mod explore;
mod export;
pub mod failure;
mod lab;
pub mod lab_batch;
pub mod lab_handout;
mod list;
mod params;
mod replay;
mod run;
mod shrink;
pub(crate) mod sweep;
pub mod tui;

use crate::registry::{ProtocolEntry, Registry};
use clap::{Parser, Subcommand};

/// Exit code: every check passed.
pub const EXIT_OK: i32 = 0;
/// Exit code: bad input (usage, scenario file, replay file).
pub const EXIT_BAD_INPUT: i32 = 3;
/// Exit code: the implementation panicked (see [`crate::sim::panics`]).
pub const EXIT_PANIC: i32 = 4;
/// Exit code: `replay` ran a recorded failure or session and it did not come
/// back (another verdict, other failing checks or another trace hash) — a
/// determinism regression, or code that changed.
pub const EXIT_NOT_REPRODUCED: i32 = 5;
/// Exit code: no check failed but at least one could not decide, and the
/// scenario does not accept that (`[check] unknown`, [`crate::sim::Verdict::Unknown`]).
pub const EXIT_UNKNOWN: i32 = 6;

/// The worse of two exit codes of runs, for "the worst over many": a run
/// that did not come back, a panic, a safety violation, a liveness failure,
/// an undecided run, a pass (not numeric order: 1 is worse than 2, and 6
/// only worse than 0).
pub fn worse_exit(a: i32, b: i32) -> i32 {
    let rank = |code: i32| match code {
        EXIT_NOT_REPRODUCED => 6,
        EXIT_BAD_INPUT => 5,
        other => crate::sim::Verdict::from_exit_code(other).map_or(7, |v| v.severity()),
    };
    if rank(b) > rank(a) {
        b
    } else {
        a
    }
}

/// distlab: a deterministic distributed-systems simulator and teaching lab.
#[derive(Debug, Parser)]
#[command(name = "distlab", version, about, propagate_version = true)]
#[command(
    after_help = "Examples:\n  distlab list\n  distlab run scenarios/broadcast-basic.toml\n  distlab tui scenarios/broadcast-partition.toml\n  distlab sweep scenarios/broadcast-lossy.toml --seeds 0..2000\n  distlab explore scenarios/explore-pingpong.toml\n  distlab shrink distlab-failures.json\n  distlab bench\n  distlab lab list\n  distlab check-history tests/fixtures/histories/porcupine/etcd_002.log\n\nExit codes: 0 all checks passed, 1 a safety check failed, 2 a liveness check failed,\n3 bad input, 4 the implementation panicked, 5 `replay` did not reproduce a recorded run,\n130 an interrupted sweep (each command's --help says which apply)."
)]
pub struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// List protocols, scenarios and labs.
    List(list::ListArgs),
    /// Run a scenario headless and report checks, metrics and the trace hash.
    Run(run::RunArgs),
    /// Run a scenario over many seeds in parallel and collect failures.
    Sweep(sweep::SweepArgs),
    /// Fold the results files of a sharded sweep into one sweep's output.
    Merge(sweep::merge::MergeArgs),
    /// Re-run a failure exactly and confirm it comes back.
    Replay(replay::ReplayArgs),
    /// Cut a failing run down to a minimal scenario that fails the same check.
    Shrink(shrink::ShrinkArgs),
    /// Export a run's full trace.
    Export(export::ExportArgs),
    /// Check every interleaving of a small configuration (exhaustive search).
    Explore(explore::ExploreArgs),
    /// Measure the engine: the pingpong workload at both trace levels.
    Bench(bench::BenchArgs),
    /// Check a recorded history against a consistency model.
    CheckHistory(check_history::CheckHistoryArgs),
    /// Step through a scenario in the terminal UI: forward, back, and faults
    /// from the keyboard.
    Tui(tui::TuiArgs),
    /// Run a scenario once per value of a protocol parameter and tabulate its metrics.
    SweepParams(params::ParamsArgs),
    /// Lab exercises: list them, grade your implementation, get a hint.
    Lab(lab::LabArgs),
}

/// What every command runs with: the protocols it knows and, in a lab
/// crate's binary, the lab(s) whose student code those protocols are. A
/// value handed to each command (no process globals), so a test can run two
/// differently-configured CLIs in one process.
#[derive(Clone, Debug, Default)]
pub struct Context {
    /// The protocols scenarios may name.
    pub registry: Registry,
    /// The lab ids this binary is the student crate of (`"05,06,07,08,14"` for
    /// `lab-raft`), or `None` for distlab and a user's own binary.
    pub lab: Option<&'static str>,
    /// `[protocol]` parameters set in every scenario before it is built, as
    /// TOML values (`lab replay --bug` switches a reference bug on this way).
    pub params: Vec<(&'static str, &'static str)>,
}

impl Context {
    /// Whether this binary is the student crate of lab `id`.
    pub fn is_student_of(&self, id: &str) -> bool {
        self.lab
            .is_some_and(|labs| labs.split(',').any(|l| l.trim() == id))
    }
}

/// The `main` of a lab crate: the whole distlab CLI with the student's
/// implementation in place of the reference protocol of the same name, so
/// `cargo run --release -p lab-raft -- tui scenarios/raft-basic.toml` steps
/// through the student's code. `lab_id` is the lab the crate is for, or a
/// comma-separated list for a crate several labs share (`lab-raft`:
/// `"05,06,07,08,14"`). Returns the exit code.
pub fn student_main(lab_id: &'static str, entry: ProtocolEntry) -> i32 {
    student_main_with(lab_id, vec![entry])
}

/// [`student_main`] for a lab whose student code replaces several protocols
/// (lab 01 replaces `lamport` and `vclock`).
pub fn student_main_with(lab_id: &'static str, entries: Vec<ProtocolEntry>) -> i32 {
    run_with(Context {
        registry: Registry::builtin().with_all(entries),
        lab: Some(lab_id),
        params: Vec::new(),
    })
}

/// The whole CLI on `registry`: the `main` of a crate that tests its own
/// protocol with distlab. Every command sees the registry's protocols
/// (`list`, `run`, `sweep`, `replay`, `export`, `tui`), and replay hints
/// name this binary.
///
/// ```no_run
/// use distlab::registry::{ProtocolEntry, Registry};
/// // Your protocol's entry: its name, roles and workloads, and how to build
/// // it from a scenario (here a built-in's, for the example's sake).
/// let mine = ProtocolEntry {
///     summary: "primary-backup register with failover",
///     facts: distlab::protocols::broadcast::scenario::FACTS,
///     build: distlab::protocols::broadcast::scenario::build,
/// };
/// // The body of `main` in the user's crate (src/main.rs):
/// std::process::exit(distlab::cli::main_with(Registry::builtin().with(mine)));
/// ```
pub fn main_with(registry: Registry) -> i32 {
    run_with(Context {
        registry,
        lab: None,
        params: Vec::new(),
    })
}

/// Parse the command line, run the command with the built-in protocols, and
/// return the exit code.
pub fn main() -> i32 {
    main_with(Registry::builtin())
}

/// `distlab list | head` closes stdout early: exit quietly (141, as a
/// shell reports SIGPIPE), as Unix tools do, instead of reporting the
/// failed write as a crash. Every binary built on the CLI (distlab, a lab
/// crate, a user's `main_with`) gets it.
fn exit_quietly_on_broken_pipe() {
    let default_hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        if info
            .payload_as_str()
            .is_some_and(|m| m.contains("Broken pipe"))
        {
            std::process::exit(141);
        }
        default_hook(info);
    }));
}

/// Parse the command line and run the command with `ctx`.
pub fn run_with(ctx: Context) -> i32 {
    exit_quietly_on_broken_pipe();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() {
                EXIT_BAD_INPUT
            } else {
                EXIT_OK
            };
            let _ = e.print();
            return code;
        }
    };
    match cli.command {
        Command::List(args) => list::run(&ctx, &args),
        Command::Run(args) => run::run(&ctx, &args),
        Command::Sweep(args) => sweep::run(&ctx, &args),
        Command::Merge(args) => sweep::merge::run(&args),
        Command::Replay(args) => replay::run(&ctx, &args),
        Command::Shrink(args) => shrink::run(&ctx, &args),
        Command::Export(args) => export::run(&ctx, &args),
        Command::Explore(args) => explore::run(&ctx, &args),
        Command::Bench(args) => bench::run(&args),
        Command::CheckHistory(args) => check_history::run(&args),
        Command::Tui(args) => tui::run(&ctx, &args),
        Command::SweepParams(args) => params::run(&ctx, &args),
        Command::Lab(args) => lab::run(&ctx, &args),
    }
}

#[cfg(test)]
mod exit_tests {
    use super::*;

    /// A sweep or replay reports its worst run: not the largest number.
    #[test]
    fn the_worst_exit_code_is_not_the_largest() {
        assert_eq!(worse_exit(1, 2), 1, "safety beats liveness");
        assert_eq!(worse_exit(2, 1), 1);
        assert_eq!(worse_exit(1, EXIT_UNKNOWN), 1);
        assert_eq!(worse_exit(EXIT_UNKNOWN, 0), EXIT_UNKNOWN);
        assert_eq!(worse_exit(EXIT_PANIC, 1), EXIT_PANIC);
        assert_eq!(
            worse_exit(EXIT_PANIC, EXIT_NOT_REPRODUCED),
            EXIT_NOT_REPRODUCED
        );
        assert_eq!(worse_exit(EXIT_OK, EXIT_OK), EXIT_OK);
    }
}
