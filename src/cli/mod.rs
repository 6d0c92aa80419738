//! The command line.

pub mod check_history;

use clap::{Parser, Subcommand};

/// distlab: a deterministic distributed-systems simulator and teaching lab.
#[derive(Parser, Debug)]
#[command(name = "distlab", version, about)]
pub struct Cli {
    /// The command to run.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check a recorded history against a consistency model.
    CheckHistory(check_history::CheckHistoryArgs),
}

/// Run the command line and return the process exit code.
pub fn main() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            // Help and version are not errors; everything else is bad usage.
            return if e.use_stderr() { 3 } else { 0 };
        }
    };
    match &cli.command {
        Command::CheckHistory(args) => check_history::run(args),
    }
}
