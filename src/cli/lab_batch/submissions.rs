//! Finding the submissions in a folder: each is a lab source file
//! (`alice.rs`, the student's `src/lib.rs`) or a crate folder (`bob/` with
//! `src/lib.rs`). Everything else is skipped with a reason, never read.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// One student's submission.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Submission {
    /// The student's name: the file stem or folder name, made safe for a
    /// cargo package name (letters, digits, `-`, `_`; lower case).
    pub student: String,
    /// What was submitted, relative to the submissions folder (`alice.rs`,
    /// `bob/`).
    pub source: String,
    /// The `src` folder to copy (a crate folder), or the one source file.
    #[serde(skip)]
    pub path: PathBuf,
    /// Whether `path` is a crate's `src` folder (else a single `lib.rs`).
    #[serde(skip)]
    pub is_crate: bool,
}

/// A folder entry that is not a submission, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Skipped {
    /// The entry's name.
    pub name: String,
    /// Why it was skipped.
    pub why: &'static str,
}

/// The submissions in `dir`, sorted by student name, and the entries that
/// were skipped. Two entries whose names map to the same student get `-2`,
/// `-3`, ... appended, so no submission overwrites another.
pub fn discover(dir: &Path) -> Result<(Vec<Submission>, Vec<Skipped>), String> {
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("{}: cannot read the submissions folder: {e}", dir.display()))?;
    let mut names: Vec<(String, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", dir.display()))?;
        names.push((
            entry.file_name().to_string_lossy().into_owned(),
            entry.path(),
        ));
    }
    names.sort();
    let mut found = Vec::new();
    let mut skipped = Vec::new();
    for (name, path) in names {
        match classify(&name, &path) {
            Ok((stem, src, is_crate)) => {
                let source = if is_crate { format!("{name}/") } else { name };
                found.push(Submission {
                    student: safe_name(&stem),
                    source,
                    path: src,
                    is_crate,
                });
            }
            Err(why) => skipped.push(Skipped { name, why }),
        }
    }
    found.sort_by(|a, b| (&a.student, &a.source).cmp(&(&b.student, &b.source)));
    dedupe(&mut found);
    Ok((found, skipped))
}

/// What an entry is: `(stem, path to copy, is a crate)`, or why it is not a
/// submission.
fn classify(name: &str, path: &Path) -> Result<(String, PathBuf, bool), &'static str> {
    if name.starts_with('.') {
        return Err("hidden");
    }
    let meta = std::fs::symlink_metadata(path).map_err(|_| "unreadable")?;
    if meta.file_type().is_symlink() {
        return Err("a symbolic link (submit the file itself)");
    }
    if meta.is_file() {
        return match name.strip_suffix(".rs") {
            Some(stem) if !stem.is_empty() => Ok((stem.to_string(), path.to_path_buf(), false)),
            _ => Err("not a .rs file or a crate folder"),
        };
    }
    if meta.is_dir() {
        let lib = path.join("src").join("lib.rs");
        return match std::fs::symlink_metadata(&lib) {
            Ok(m) if m.is_file() => Ok((name.to_string(), path.join("src"), true)),
            _ => Err("a folder without src/lib.rs"),
        };
    }
    Err("not a .rs file or a crate folder")
}

/// `name` as a cargo package name component: lower case ASCII letters and
/// digits, other characters as `_`.
pub fn safe_name(name: &str) -> String {
    let safe: String = name
        .chars()
        .map(|c| match c {
            'a'..='z' | '0'..='9' | '-' | '_' => c,
            'A'..='Z' => c.to_ascii_lowercase(),
            _ => '_',
        })
        .collect();
    if safe.is_empty() {
        "_".into()
    } else {
        safe
    }
}

fn dedupe(found: &mut [Submission]) {
    let mut seen = std::collections::BTreeSet::new();
    for s in found.iter_mut() {
        let mut name = s.student.clone();
        let mut n = 2;
        while !seen.insert(name.clone()) {
            name = format!("{}-{n}", s.student);
            n += 1;
        }
        s.student = name;
    }
}
