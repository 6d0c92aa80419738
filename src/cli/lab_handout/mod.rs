//! `distlab lab handout NN|all OUT_DIR`: write the student repository.
//!
//! The handout is a copy of this repository (the library, CLI, scenarios,
//! docs and the chosen labs' folders) in which the protocols the students
//! must write are not present as source: the bodies of the reference's
//! functions that a lab asks for are replaced by `unimplemented!("not in the
//! handout: ...")` ([`strip`]), keeping every type, signature and doc
//! comment, so the grader, the checks and the students' skeletons compile
//! unchanged. `tests/` (with every lab's solution), `examples/` and every
//! `#[cfg(test)]` item are left out. What is cut for each lab is the table
//! [`CUTS`]; docs/labs.md ("For instructors") says what stays and why.

pub mod strip;

use super::common;
use crate::labs::{self, Lab};
use clap::Args;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use strip::Cut;

/// Arguments of `distlab lab handout`.
#[derive(Debug, Args)]
#[command(after_help = "Examples:
  distlab lab handout 05 ../lab05-handout
  distlab lab handout all ../distlab-course

Writes a student repository to OUT_DIR (which must not exist or be empty):
src/ with the reference's answers cut out (their function bodies are
`unimplemented!(\"not in the handout: ...\")`), scenarios/, docs/, README.md,
labs/README.md, the chosen labs' folders (README, scenarios) and skeleton
crates (labs/raft, once, for any of 05-08 and 14); no tests/ (the lab solutions
live there) and no #[cfg(test)] code.
HANDOUT.md in it lists what was cut. Exit code: 0 written, 3 bad input.")]
pub struct HandoutArgs {
    /// The lab (`05`, `5`, `05-raft-election`) or `all`.
    pub lab: String,
    /// The folder to write the student repository to.
    pub out: PathBuf,
}

/// What a lab's handout cuts: `(file, which function bodies)`.
pub type LabCuts = (&'static str, &'static [(&'static str, Cut<'static>)]);

const RAFT: &[(&str, Cut<'static>)] = &[
    ("src/protocols/raft/election.rs", Cut::All),
    ("src/protocols/raft/replication.rs", Cut::All),
    ("src/protocols/raft/client.rs", Cut::All),
    ("src/protocols/raft/snapshot.rs", Cut::All),
    ("src/protocols/raft/persist.rs", Cut::All),
    // Lab 14's answers (ReadIndex rounds).
    ("src/protocols/raft/reads.rs", Cut::All),
    ("src/protocols/raft/mod.rs", Cut::Impls(&["Raft"])),
];

/// What each lab's handout cuts. Labs 05–08 and 14 cut all of the reference Raft
/// (a lab 05 handout must not show lab 06's answers either).
pub const CUTS: &[LabCuts] = &[
    (
        "01",
        &[("src/protocols/clocks/rules.rs", Cut::Impls(&["Reference"]))],
    ),
    (
        "02",
        &[
            ("src/protocols/broadcast/mod.rs", Cut::Impls(&["Broadcast"])),
            ("src/protocols/gossip/mod.rs", Cut::Impls(&["Gossip"])),
        ],
    ),
    (
        "03",
        &[
            ("src/protocols/two_pc/coordinator.rs", Cut::All),
            ("src/protocols/two_pc/participant.rs", Cut::All),
            ("src/protocols/two_pc/mod.rs", Cut::Impls(&["TwoPc"])),
            // Three-phase commit prepares with 2PC's participant code and
            // votes, logs and applies the way lab 03 asks: cut it too.
            ("src/protocols/three_pc/coordinator.rs", Cut::All),
            ("src/protocols/three_pc/participant.rs", Cut::All),
        ],
    ),
    (
        "04",
        &[
            ("src/protocols/saga/orchestrator.rs", Cut::All),
            ("src/protocols/saga/services.rs", Cut::All),
            ("src/protocols/saga/choreography.rs", Cut::All),
            ("src/protocols/saga/mod.rs", Cut::Impls(&["SagaNode"])),
        ],
    ),
    ("05", RAFT),
    ("06", RAFT),
    ("07", RAFT),
    ("08", RAFT),
    (
        "09",
        &[("src/protocols/quorum_kv/node.rs", Cut::Impls(&["KvNode"]))],
    ),
    (
        "10",
        &[("src/protocols/cqrs/hooks.rs", Cut::Impls(&["Reference"]))],
    ),
    (
        "11",
        &[(
            "src/protocols/lock_service/lab.rs",
            Cut::Impls(&["Reference"]),
        )],
    ),
    (
        "12",
        &[
            ("src/protocols/paxos/lab.rs", Cut::Impls(&["Reference"])),
            // The synod rules the reference calls: lab 12's answers.
            ("src/protocols/paxos/synod.rs", Cut::All),
        ],
    ),
    (
        "13",
        &[
            (
                "src/protocols/load_balancing/lab.rs",
                Cut::Impls(&["Reference"]),
            ),
            // The strategies the reference calls: lab 13's answers (their
            // names and the key hash are in kinds.rs, kept).
            ("src/protocols/load_balancing/strategy.rs", Cut::All),
        ],
    ),
    ("14", RAFT),
];

/// Labs that run a reference protocol themselves (the tour's quiz runs the
/// reference Raft): left out of a handout that cuts that protocol's folder.
const NEEDS: &[(&str, &str)] = &[("00", "src/protocols/raft/")];

/// Top-level entries copied into a handout (when present).
const COPIED: &[&str] = &[
    "Cargo.lock",
    "README.md",
    ".gitignore",
    "LICENSE",
    "LICENSE-MIT",
    "LICENSE-APACHE",
    "rust-toolchain.toml",
    "src",
    "scenarios",
    "docs",
];

/// Run the command.
pub fn run(args: &HandoutArgs) -> i32 {
    let chosen: Vec<&'static Lab> = if args.lab.eq_ignore_ascii_case("all") {
        labs::LABS.to_vec()
    } else {
        match labs::find(&args.lab) {
            Some(lab) => vec![lab],
            None => {
                return common::report_error(format!(
                    "no lab {:?}; `distlab lab list` shows the labs (or use `all`)",
                    args.lab
                ))
            }
        }
    };
    match write(&labs::repo_root(), &chosen, &args.out) {
        Ok(report) => {
            for note in &report.notes {
                eprintln!("distlab: {note}");
            }
            println!(
                "wrote the handout of lab {} to {}: {} function bodies cut in {} files; see HANDOUT.md there",
                report.labs.join(", "),
                args.out.display(),
                report.bodies,
                report.cut_files.len()
            );
            super::EXIT_OK
        }
        Err(e) => common::report_error(e),
    }
}

/// What a handout holds.
#[derive(Debug, Default)]
pub struct Report {
    /// Lab ids included.
    pub labs: Vec<String>,
    /// Files whose function bodies were cut.
    pub cut_files: Vec<String>,
    /// Function bodies cut.
    pub bodies: usize,
    /// Labs left out and why.
    pub notes: Vec<String>,
}

/// The cuts for `chosen`, merged per file.
fn merged_cuts(chosen: &[&Lab]) -> BTreeMap<&'static str, Option<BTreeSet<&'static str>>> {
    let mut merged: BTreeMap<&str, Option<BTreeSet<&str>>> = BTreeMap::new();
    for (_, cuts) in CUTS
        .iter()
        .filter(|(id, _)| chosen.iter().any(|l| l.id == *id))
    {
        for (file, cut) in cuts.iter() {
            let entry = merged.entry(file).or_insert_with(|| Some(BTreeSet::new()));
            match (cut, entry.as_mut()) {
                (Cut::Impls(types), Some(set)) => set.extend(types.iter().copied()),
                (Cut::All, _) => *entry = None,
                _ => {}
            }
        }
    }
    merged
}

/// Write the handout of `chosen` from `root` into `out`.
pub fn write(root: &Path, chosen: &[&'static Lab], out: &Path) -> Result<Report, String> {
    refuse_non_empty(out)?;
    let cuts = merged_cuts(chosen);
    let mut report = Report::default();
    let mut included = Vec::new();
    for lab in chosen {
        let blocked = NEEDS
            .iter()
            .find(|(id, dir)| *id == lab.id && cuts.keys().any(|f| f.starts_with(dir)));
        match blocked {
            Some((_, dir)) => report.notes.push(format!(
                "lab {} left out: it runs the reference in {dir}, which this handout cuts (hand it out on its own)",
                lab.id
            )),
            None => included.push(*lab),
        }
    }
    for entry in COPIED {
        let from = root.join(entry);
        if from.is_dir() {
            super::lab_batch::scratch::copy_tree(&from, &out.join(entry))?;
        } else if from.is_file() {
            copy_file(&from, &out.join(entry))?;
        }
    }
    copy_labs(root, &included, out)?;
    write_manifest(root, &included, out)?;
    cut_sources(out, &cuts, &mut report)?;
    report.labs = included.iter().map(|l| l.id.to_string()).collect();
    write_notes(out, &report)?;
    Ok(report)
}

fn refuse_non_empty(out: &Path) -> Result<(), String> {
    let non_empty = std::fs::read_dir(out).is_ok_and(|mut e| e.next().is_some());
    match non_empty {
        true => Err(format!(
            "{}: the folder is not empty; give a new or empty folder",
            out.display()
        )),
        false => std::fs::create_dir_all(out).map_err(|e| format!("{}: {e}", out.display())),
    }
}

fn copy_file(from: &Path, to: &Path) -> Result<(), String> {
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(|e| format!("{}: {e}", parent.display()))?;
    }
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", from.display()))
}

fn copy_labs(root: &Path, included: &[&Lab], out: &Path) -> Result<(), String> {
    copy_file(&root.join("labs/README.md"), &out.join("labs/README.md"))?;
    for lab in included {
        let to = out.join("labs").join(lab.slug);
        super::lab_batch::scratch::copy_tree(&lab.dir(root), &to)?;
    }
    for dir in crate_dirs(root, included)? {
        let to = out.join("labs").join(&dir);
        super::lab_batch::scratch::copy_tree(&root.join("labs").join(&dir), &to)?;
    }
    Ok(())
}

/// The included labs' crate folders under `labs/` (`raft` for labs 05–08 and 14,
/// which share one crate; a lab's own folder otherwise), each once, in
/// order.
fn crate_dirs(root: &Path, included: &[&Lab]) -> Result<Vec<String>, String> {
    let mut dirs: Vec<String> = Vec::new();
    for lab in included.iter().filter(|l| l.package.is_some()) {
        let dir = super::lab_batch::scratch::crate_dir(root, lab)?;
        let name = dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if !dirs.contains(&name) {
            dirs.push(name);
        }
    }
    Ok(dirs)
}

/// The root `Cargo.toml` with `[workspace] members` listing only the
/// included labs' crates (`labs/raft` once for any of labs 05–08 and 14), and
/// `default-members` only the library (the handout has no `examples/`).
fn write_manifest(root: &Path, included: &[&Lab], out: &Path) -> Result<(), String> {
    let path = root.join("Cargo.toml");
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let start = text
        .find("members = [")
        .ok_or_else(|| format!("{}: no `members = [` in [workspace]", path.display()))?;
    let end = start
        + text[start..]
            .find(']')
            .ok_or_else(|| format!("{}: `members` is not closed", path.display()))?;
    let mut members = vec!["    \".\",".to_string()];
    for dir in crate_dirs(root, included)? {
        members.push(format!("    \"labs/{dir}\","));
    }
    let manifest = format!(
        "{}members = [\n{}\n{}",
        &text[..start],
        members.join("\n"),
        &text[end..]
    );
    let manifest = match manifest.find("\ndefault-members = [") {
        Some(at) => {
            let close = manifest[at..]
                .find(']')
                .map_or(manifest.len(), |c| at + c + 1);
            format!(
                "{}\ndefault-members = [\".\"]{}",
                &manifest[..at],
                &manifest[close..]
            )
        }
        None => manifest,
    };
    let to = out.join("Cargo.toml");
    std::fs::write(&to, manifest).map_err(|e| format!("{}: {e}", to.display()))
}

/// Cut every `.rs` file under `out/src`: the chosen function bodies in the
/// files of `cuts`, `#[cfg(test)]` items everywhere (and the files of the
/// test modules they declared).
fn cut_sources(
    out: &Path,
    cuts: &BTreeMap<&'static str, Option<BTreeSet<&'static str>>>,
    report: &mut Report,
) -> Result<(), String> {
    let mut files = Vec::new();
    rust_files(&out.join("src"), &mut files)?;
    for file in files {
        if !file.is_file() {
            continue; // a test module file removed with its declaration
        }
        let relative = file
            .strip_prefix(out)
            .unwrap_or(&file)
            .to_string_lossy()
            .replace('\\', "/");
        let text =
            std::fs::read_to_string(&file).map_err(|e| format!("{}: {e}", file.display()))?;
        let types: Vec<&str>;
        let cut = match cuts.get(relative.as_str()) {
            None => Cut::TestsOnly,
            Some(None) => Cut::All,
            Some(Some(set)) => {
                types = set.iter().copied().collect();
                Cut::Impls(&types)
            }
        };
        let stripped = strip::strip(&text, cut);
        if stripped.text == text {
            continue;
        }
        if stripped.bodies > 0 {
            report.bodies += stripped.bodies;
            report.cut_files.push(relative.clone());
        }
        let text = allow_unused(&stripped.text, stripped.bodies > 0);
        std::fs::write(&file, text).map_err(|e| format!("{}: {e}", file.display()))?;
        for module in &stripped.test_modules {
            remove_module_file(&file, module);
        }
    }
    Ok(())
}

/// A cut file leaves parameters and imports unused: say so once at the top
/// (after the module's `//!` docs), so the handout builds without warnings.
fn allow_unused(text: &str, cut: bool) -> String {
    if !cut {
        return text.to_string();
    }
    let docs_end = text
        .lines()
        .take_while(|l| l.starts_with("//!") || l.trim().is_empty())
        .map(|l| l.len() + 1)
        .sum::<usize>()
        .min(text.len());
    format!(
        "{}// Cut for the handout: the reference's function bodies are not shipped.\n#![allow(unused_variables, unused_imports, unused_mut, dead_code, unreachable_code)]\n\n{}",
        &text[..docs_end],
        &text[docs_end..]
    )
}

/// Delete the file of `mod module;` declared in `file`.
fn remove_module_file(file: &Path, module: &str) {
    let Some(dir) = file.parent() else { return };
    let stem = file
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or_default();
    let base = if matches!(stem, "mod" | "lib" | "main") {
        dir.to_path_buf()
    } else {
        dir.join(stem)
    };
    let _ = std::fs::remove_file(base.join(format!("{module}.rs")));
    let _ = std::fs::remove_dir_all(base.join(module));
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) -> Result<(), String> {
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    for path in paths {
        if path.is_dir() {
            rust_files(&path, out)?;
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    Ok(())
}

/// HANDOUT.md: what this repository is and what was cut.
fn write_notes(out: &Path, report: &Report) -> Result<(), String> {
    let mut text = String::from(
        "# distlab handout\n\nA student copy of distlab. The reference implementations of the\nprotocols these labs ask you to write are not included: their function\nbodies say `unimplemented!(\"not in the handout: ...\")`. Running one of\nthem (`distlab run` on a scenario of that protocol, `lab check --reference`)\nreports that panic. Your lab crate runs your code instead:\n`cargo run --release -p lab-NN-name -- run scenarios/...`.\n\n",
    );
    text += &format!(
        "Labs: {}\n\nFiles with function bodies cut:\n\n",
        report.labs.join(", ")
    );
    for file in &report.cut_files {
        text += &format!("- `{file}`\n");
    }
    for note in &report.notes {
        text += &format!("\nNote: {note}.\n");
    }
    let path = out.join("HANDOUT.md");
    std::fs::write(&path, text).map_err(|e| format!("{}: {e}", path.display()))
}
