//! The grader's own copy of every lab scenario, and the hashes that say
//! which lab was graded.
//!
//! Every scenario file a lab case names is compiled into the binary
//! ([`copy_of`], the generated table in `scenario_copies.rs`). The grader
//! always grades with that copy, so editing `labs/NN-name/scenarios/x.toml`
//! cannot change a grade; `distlab lab check` refuses to grade while a file
//! on disk differs from the copy ([`check_files`]), so that the replay
//! commands it prints (which read the file on disk) stay true. A test
//! (`tests/labs.rs`) regenerates the table from the case list and fails when
//! it is stale, naming the command that rewrites it.
//!
//! Hashes are FNV-1a 64 over the bytes ([`fnv1a64`]), with line endings
//! normalised to `\n` so a Windows checkout hashes the same.

use super::scenario_copies::COPIES;
use super::{Lab, Part};
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

/// The grader's compiled-in copy of the scenario file `path` (relative to
/// the repository root, as a case names it), if it has one.
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

/// The scenario files of `parts` whose file under `root` differs from the
/// grader's copy (or is missing, or has no copy), one message each, naming
/// the file and how to restore it.
pub fn check_files(parts: &[&Part], root: &Path) -> Vec<String> {
    let mut problems = Vec::new();
    for path in scenario_files(parts) {
        let Some(copy) = copy_of(path) else {
            problems.push(format!(
                "{path}: the grader has no copy of this file (the copies are stale: \
                 run `DISTLAB_BLESS=1 cargo test --test labs scenario_copies` and rebuild)"
            ));
            continue;
        };
        let restore = format!("restore it with `git checkout -- {path}`");
        match std::fs::read_to_string(root.join(path)) {
            Err(_) => problems.push(format!(
                "{path} is missing: {restore}; the grader always uses its own copy"
            )),
            Ok(text) if normalise(&text) != copy => problems.push(format!(
                "{path} differs from the grader's copy: {restore}; the grader always uses its \
                 own copy (to try a variant, save it under another name and run it with \
                 `run` or `sweep`)"
            )),
            Ok(_) => {}
        }
    }
    problems
}

/// The source of the generated `src/labs/scenario_copies.rs`: every
/// scenario file of every non-custom lab in `labs`, read under `root`.
pub fn generate_copies(labs: &[&Lab], root: &Path) -> Result<String, String> {
    let mut files: Vec<&str> = Vec::new();
    for lab in labs.iter().filter(|l| l.custom.is_none()) {
        let parts: Vec<&Part> = lab.parts.iter().collect();
        for path in scenario_files(&parts) {
            if !files.contains(&path) {
                files.push(path);
            }
        }
    }
    files.sort_unstable();
    let mut out = String::from(
        "//! GENERATED: the grader's own copy of every scenario file a lab case names\n\
         //! (see `integrity.rs`). Do not edit: change the scenario file, then run\n\
         //! `DISTLAB_BLESS=1 cargo test --test labs scenario_copies`.\n\n\
         /// (path relative to the repository root, text with `\\n` line endings).\n\
         #[rustfmt::skip]\n\
         pub(super) const COPIES: &[(&str, &str)] = &[\n",
    );
    for path in files {
        let text = std::fs::read_to_string(root.join(path))
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
