//! The grader's own copy of every lab's data and scenarios, and the hashes
//! that say which lab was graded.
//!
//! Every `labs/NN-name/lab.toml` and every scenario file a lab case names is
//! compiled into the binary ([`copy_of`], the generated table in
//! `scenario_copies.rs`). The grader always grades with those copies — the
//! labs themselves ([`super::LABS`]) are read from the copies of their
//! `lab.toml` — so editing a lab's points, seeds, checks or scenarios cannot
//! change a grade; `distlab lab check` refuses to grade while a file on disk
//! differs from its copy ([`check_files`]), naming the file, so that what
//! the student reads (and the replay commands it prints, which read the
//! scenario on disk) stays true. A test (`tests/labs/grader.rs`) regenerates the
//! table from the files and fails when it is stale, naming the command that
//! rewrites it.
//!
//! Hashes are FNV-1a 64 over the bytes ([`fnv1a64`]), with line endings
//! normalised to `\n` so a Windows checkout hashes the same.

use super::scenario_copies::COPIES;
use super::{Lab, LabCode, Part};
use std::borrow::Cow;
use std::path::Path;

/// FNV-1a, 64 bits: a fixed, platform-independent hash.
pub fn fnv1a64(bytes: &[u8]) -> u64 {
    fold(0xcbf2_9ce4_8422_2325, bytes)
}

/// Continue an FNV-1a 64 hash `hash` over `bytes`.
pub fn fold(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, &b| {
        (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A hash as text: `0x` and 16 hex digits.
pub fn hex(hash: u64) -> String {
    format!("{hash:#018x}")
}

/// `text` with `\r\n` line endings turned into `\n`.
pub fn normalise(text: &str) -> Cow<'_, str> {
    if text.contains("\r\n") {
        Cow::Owned(text.replace("\r\n", "\n"))
    } else {
        Cow::Borrowed(text)
    }
}

/// The hash of a scenario text (line endings normalised).
pub fn scenario_hash(text: &str) -> String {
    hex(fnv1a64(normalise(text).as_bytes()))
}

/// The grader's compiled-in copy of the lab file `path` (a `lab.toml` or a
/// scenario, relative to the repository root as a case names it), if it
/// has one.
pub fn copy_of(path: &str) -> Option<&'static str> {
    COPIES
        .iter()
        .find(|(p, _)| *p == path)
        .map(|(_, text)| *text)
}

/// Where a case's scenario text came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// The grader's compiled-in copy.
    Copy,
    /// The file on disk (a scenario no lab in [`super::LABS`] names: a test
    /// lab's).
    Disk,
}

/// The text the grader uses for scenario `path`: its own copy, or (for a
/// file no lab names) the file under `root`.
pub fn scenario_text(path: &str, root: &Path) -> Result<(String, Source), String> {
    if let Some(text) = copy_of(path) {
        return Ok((text.to_string(), Source::Copy));
    }
    let file = root.join(path);
    std::fs::read_to_string(&file)
        .map(|t| (normalise(&t).into_owned(), Source::Disk))
        .map_err(|e| format!("cannot read {path}: {}", strip_os_error(&e.to_string())))
}

fn strip_os_error(reason: &str) -> &str {
    reason.find(" (os error").map_or(reason, |i| &reason[..i])
}

/// The scenario files of `parts`, each once, in case order.
pub fn scenario_files(parts: &[&Part]) -> Vec<&'static str> {
    let mut files: Vec<&'static str> = Vec::new();
    for case in parts.iter().flat_map(|p| p.cases) {
        if !files.contains(&case.scenario) {
            files.push(case.scenario);
        }
    }
    files
}

/// Per scenario file of `parts`: (path, hash of the text the grader uses).
/// A file the grader cannot read hashes as `missing`.
pub fn scenario_hashes(parts: &[&Part], root: &Path) -> Vec<(String, String)> {
    scenario_files(parts)
        .into_iter()
        .map(|path| {
            let hash = scenario_text(path, root)
                .map(|(text, _)| scenario_hash(&text))
                .unwrap_or_else(|_| "missing".into());
            (path.to_string(), hash)
        })
        .collect()
}

/// The lab's version: a hash over its parts and cases (scenario, seeds,
/// checks, points) and the hashes of its scenarios. It changes whenever
/// what the lab grades changes; a custom lab (the quiz) hashes its case
/// list only.
pub fn lab_version(lab: &Lab, root: &Path) -> String {
    let parts: Vec<&Part> = lab.parts.iter().collect();
    let mut hash = fnv1a64(lab.id.as_bytes());
    for part in &parts {
        hash = fold(hash, format!("part {} ", part.id).as_bytes());
        for case in part.cases {
            let line = format!(
                "case {} {}..{} [{}] {}\n",
                case.scenario,
                case.seeds.0,
                case.seeds.1,
                case.checks.join(","),
                case.points
            );
            hash = fold(hash, line.as_bytes());
        }
    }
    if lab.custom.is_none() {
        for (path, file_hash) in scenario_hashes(&parts, root) {
            hash = fold(hash, format!("{path} {file_hash}\n").as_bytes());
        }
    }
    hex(hash)
}

/// The files of `lab` the grader has its own copy of — its `lab.toml`,
/// then (unless it is graded by its own code) the scenario files of `parts`
/// — whose file under `root` differs from the copy (or is missing, or has
/// no copy), one message each, naming the file and how to restore it.
pub fn check_files(lab: &Lab, parts: &[&Part], root: &Path) -> Vec<String> {
    let mut files = vec![format!("labs/{}/lab.toml", lab.slug)];
    if lab.custom.is_none() {
        files.extend(scenario_files(parts).into_iter().map(str::to_string));
    }
    files
        .iter()
        .filter_map(|path| check_file(path, root))
        .collect()
}

/// What is wrong with the file `path` under `root`, if anything.
fn check_file(path: &str, root: &Path) -> Option<String> {
    let Some(copy) = copy_of(path) else {
        return Some(format!(
            "{path}: the grader has no copy of this file (the copies are stale: \
             run `DISTLAB_BLESS=1 cargo test --test labs scenario_copies` and rebuild)"
        ));
    };
    let restore = format!("restore it with `git checkout -- {path}`");
    let variant = if path.ends_with("/lab.toml") {
        "(the lab's parts, seeds, checks and points are the grader's, not the file's)"
    } else {
        "(to try a variant, save it under another name and run it with `run` or `sweep`)"
    };
    match std::fs::read_to_string(root.join(path)) {
        Err(_) => Some(format!(
            "{path} is missing: {restore}; the grader always uses its own copy"
        )),
        Ok(text) if normalise(&text) != copy => Some(format!(
            "{path} differs from the grader's copy: {restore}; the grader always uses its \
             own copy {variant}"
        )),
        Ok(_) => None,
    }
}

/// The source of the generated `src/labs/scenario_copies.rs`: the
/// `lab.toml` of every lab in `code` and every scenario file its cases
/// name, read (and the lab data checked) under `root`.
pub fn generate_copies(code: &[LabCode], root: &Path) -> Result<String, String> {
    let mut files: Vec<String> = Vec::new();
    for lab in code {
        let data = lab.read(root)?;
        files.push(lab.data_path());
        let parts: Vec<&Part> = data.lab.parts.iter().collect();
        files.extend(scenario_files(&parts).into_iter().map(str::to_string));
    }
    files.sort_unstable();
    files.dedup();
    let mut out = String::from(
        "//! GENERATED: the grader's own copy of every lab's `lab.toml` and of every\n\
         //! scenario file a lab case names (see `integrity.rs`). Do not edit: change\n\
         //! the file, then run `DISTLAB_BLESS=1 cargo test --test labs scenario_copies`.\n\n\
         /// (path relative to the repository root, text with `\\n` line endings).\n\
         #[rustfmt::skip]\n\
         pub(super) const COPIES: &[(&str, &str)] = &[\n",
    );
    for path in files {
        let text = std::fs::read_to_string(root.join(&path))
            .map_err(|e| format!("{path}: {}", strip_os_error(&e.to_string())))?;
        let text = normalise(&text);
        let fence = "#".repeat(fence_length(&text));
        out.push_str(&format!(
            "    (\n        {path:?},\n        r{fence}\"{text}\"{fence},\n    ),\n"
        ));
    }
    out.push_str("];\n");
    Ok(out)
}

/// How many `#` a raw string holding `text` needs: none without a `"`,
/// else one more than the longest run of `#` right after a `"`.
fn fence_length(text: &str) -> usize {
    text.split('"')
        .skip(1)
        .map(|rest| rest.chars().take_while(|&c| c == '#').count() + 1)
        .max()
        .unwrap_or(0)
}
