//! `distlab list`: protocols, scenarios, labs; `distlab list --params
//! PROTOCOL`: one protocol's `[protocol]` parameters and bug switches.

use crate::cli::Context;
use crate::scenario::{self, param_spec, Overrides};
use clap::Args;
use std::path::{Path, PathBuf};

/// Arguments of `distlab list`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:\n  distlab list\n  distlab list --params swim")]
pub struct ListArgs {
    /// Folder of scenario files (default: `scenarios` in the current
    /// directory).
    #[arg(long)]
    pub scenarios: Option<PathBuf>,
    /// List one protocol's `[protocol]` parameters (key, type, default,
    /// values, meaning) and its bug switches (`bugs = [...]`) instead.
    #[arg(long, value_name = "PROTOCOL")]
    pub params: Option<String>,
}

fn sorted_entries(dir: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|rd| rd.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    paths.sort();
    paths
}

/// `distlab list --params PROTOCOL`; an unknown protocol is bad input.
fn params(ctx: &Context, name: &str) -> i32 {
    let Some(entry) = ctx.registry.find(name) else {
        let names: Vec<&str> = ctx.registry.all().iter().map(|p| p.facts.name).collect();
        eprintln!(
            "distlab: unknown protocol {name:?}; expected one of: {}",
            names.join(", ")
        );
        return super::EXIT_BAD_INPUT;
    };
    let facts = &entry.facts;
    println!("{}: {}\n", facts.name, entry.summary);
    print!(
        "{}",
        param_spec::listing(facts.name, facts.params, facts.bugs)
    );
    print!("{}", predicates(ctx, facts.name));
    super::EXIT_OK
}

/// The predicates `[[check.at]]` and `[[check.within]]` may name: the
/// protocol declares them on its simulation builder, so a small default
/// scenario is built to ask.
fn predicates(ctx: &Context, protocol: &str) -> String {
    // Some protocols need a node count of their own (saga: exactly 4).
    let build = |nodes: u32| -> Result<Box<dyn crate::sim::DynSim>, String> {
        let text = format!(
            "name = \"list\"\ndescription = \"list\"\nnodes = {nodes}\nduration = \"1s\"\n[protocol]\nname = \"{protocol}\"\n"
        );
        let s =
            scenario::parse("list.toml", &text, &Overrides::default()).map_err(|e| e.headline())?;
        let options = scenario::engine::BuildOptions::default();
        let build = || ctx.registry.build(&s, &options).map_err(|e| e.headline());
        crate::sim::catch_panic(|| "the protocol's constructor".into(), build)
            .map_err(|p| p.short())?
    };
    let mut built = build(3);
    for nodes in 4..=8 {
        if built.is_ok() {
            break;
        }
        built = build(nodes);
    }
    let mut out = String::from(
        "\npredicates ([[check.at]] / [[check.within]] holds = [\"name\", ...], or a role count like { role = \"leader\", count = 0 }):\n",
    );
    match built {
        Ok(sim) => {
            let predicates = sim.predicates();
            let width = predicates.iter().map(|(n, _)| n.len()).max().unwrap_or(0);
            for (name, doc) in predicates {
                out += &format!("  {name:<width$}  {doc}\n");
            }
        }
        Err(why) => out += &format!("  (could not build a default scenario to ask: {why})\n"),
    }
    out
}

/// Run the command.
pub fn run(ctx: &Context, args: &ListArgs) -> i32 {
    if let Some(name) = &args.params {
        return params(ctx, name);
    }
    let protocols = ctx.registry.all();
    let name_width = protocols
        .iter()
        .map(|p| p.facts.name.len())
        .max()
        .unwrap_or(0);
    let folder = args
        .scenarios
        .clone()
        .unwrap_or_else(|| PathBuf::from("scenarios"));
    // A folder named on the command line must exist; the default one is
    // missing when distlab runs outside the repository: say where it looked.
    let missing = !folder.is_dir();
    if missing && args.scenarios.is_some() {
        return super::common::report_error(format!(
            "--scenarios {}: not a folder of scenario files",
            folder.display()
        ));
    }
    let scenarios: Vec<PathBuf> = sorted_entries(&folder)
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
    println!("protocols (distlab list --params NAME for parameters and bug switches):");
    for p in protocols {
        println!("  {:<name_width$} {}", p.facts.name, p.summary);
    }
    println!("\nscenarios ({}):", folder.display());
    if missing {
        let here = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| ".".into());
        println!(
            "  (none: there is no folder {} in {here}; run distlab from the repository's root, or pass --scenarios DIR)",
            folder.display()
        );
    } else if scenarios.is_empty() {
        println!("  (none: no .toml files in {})", folder.display());
    }
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
