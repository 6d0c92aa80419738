//! `distlab list`: protocols, scenarios, labs.

use crate::cli::Context;
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
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

/// Run the command.
pub fn run(ctx: &Context, args: &ListArgs) -> i32 {
    let protocols = ctx.registry.all();
    let name_width = protocols
        .iter()
        .map(|p| p.facts.name.len())
        .max()
        .unwrap_or(0);
    let scenarios: Vec<PathBuf> = sorted_entries(&args.scenarios)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    let labs: Vec<PathBuf> = crate::labs::LABS
        .iter()
        .map(|l| Path::new("labs").join(l.slug))
        .collect();
    let path_width = scenarios
        .iter()
        .chain(&labs)
        .map(|p| p.display().to_string().chars().count())
        .max()
        .unwrap_or(0);
    println!("protocols:");
    for p in protocols {
        println!("  {:<name_width$} {}", p.facts.name, p.summary);
    }
    println!("\nscenarios ({}):", args.scenarios.display());
    for path in &scenarios {
        match scenario::load(path, &Overrides::default()) {
            Ok(s) => println!("  {:<path_width$} {}", path.display(), s.description),
            Err(e) => println!(
                "  {:<path_width$} (invalid: {})",
                path.display(),
                e.headline()
            ),
        }
    }
    println!("\nlabs (distlab lab list for parts and scores):");
    for (lab, path) in crate::labs::LABS.iter().zip(&labs) {
        println!("  {:<path_width$} {}", path.display(), lab.title);
    }
    super::EXIT_OK
}
