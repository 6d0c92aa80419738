//! `distlab list`: protocols, scenarios, labs.

use crate::registry::PROTOCOLS;
use crate::scenario::{self, Overrides};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `distlab list`.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  distlab list")]
pub struct ListArgs {
    /// Folder of scenario files.
    #[arg(long, default_value = "scenarios")]
    pub scenarios: PathBuf,
    /// Folder of labs.
    #[arg(long, default_value = "labs")]
    pub labs: PathBuf,
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

/// Run the command.
pub fn run(args: &ListArgs) -> i32 {
    println!("protocols:");
    for p in PROTOCOLS {
        println!("  {:<12} {}", p.facts.name, p.summary);
    }
    println!("\nscenarios ({}):", args.scenarios.display());
    for path in sorted_entries(&args.scenarios) {
        if path.extension().is_some_and(|e| e == "toml") {
            match scenario::load(&path, &Overrides::default()) {
                Ok(s) => println!("  {:<40} {}", path.display(), s.description),
                Err(e) => println!("  {:<40} (invalid: {})", path.display(), e.headline()),
            }
        }
    }
    println!("\nlabs ({}):", args.labs.display());
    let labs: Vec<PathBuf> = sorted_entries(&args.labs)
        .into_iter()
        .filter(|p| p.is_dir())
        .collect();
    if labs.is_empty() {
        println!("  (none yet)");
    }
    for lab in labs {
        let title = std::fs::read_to_string(lab.join("README.md"))
            .ok()
            .and_then(|t| {
                t.lines()
                    .next()
                    .map(|l| l.trim_start_matches('#').trim().to_string())
            })
            .unwrap_or_default();
        println!("  {:<40} {title}", lab.display());
    }
    super::EXIT_OK
}
