//! Layering: protocols never import labs. A lab's rules trait lives in its
//! protocol (`src/protocols/<p>/lab.rs`, `cqrs/hooks.rs`) and `src/labs`
//! re-exports it; a protocol that reaches into `crate::labs` fails here with
//! the file and line.

use std::path::Path;

/// Every `.rs` file under `dir`, sorted.
fn rust_files(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("readable source folder")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// Lines of `text` that name the `labs` module from inside the crate:
/// `crate::labs`, or `labs` inside a `use crate::{...}` group.
fn offending_lines(text: &str) -> Vec<(usize, String)> {
    let mut out = Vec::new();
    let mut in_group = false;
    for (i, line) in text.lines().enumerate() {
        let code = line.split("//").next().unwrap_or("");
        let opens = code.contains("crate::{");
        let group = in_group || opens;
        let names_labs = code.contains("crate::labs")
            || (group
                && code
                    .split(|c: char| !c.is_alphanumeric() && c != '_')
                    .any(|w| w == "labs"));
        if names_labs {
            out.push((i + 1, line.trim().to_string()));
        }
        if opens {
            in_group = !code.contains('}');
        } else if in_group && code.contains('}') {
            in_group = false;
        }
    }
    out
}

#[test]
fn protocols_never_import_labs() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    rust_files(&root.join("src/protocols"), &mut files);
    assert!(files.len() > 20, "found the protocol sources");
    let mut wrong = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable");
        for (line, code) in offending_lines(&text) {
            let rel = file.strip_prefix(root).unwrap_or(file).display();
            wrong.push(format!(
                "{rel}:{line}: `{code}`: protocols never import labs; move what the checks need into the protocol (a rules trait in src/protocols/<p>/lab.rs) and re-export it from src/labs"
            ));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn the_scan_finds_imports_of_labs() {
    assert_eq!(
        offending_lines("use crate::labs::two_pc::TwoPcLabNode;").len(),
        1
    );
    assert_eq!(
        offending_lines("use crate::{\n    check::Outcome,\n    labs::saga,\n};").len(),
        1
    );
    assert!(offending_lines("// see crate::labs for the lab\nuse crate::sim::Node;").is_empty());
    assert!(offending_lines("use crate::{check, sim};\nlet labs = 3;").is_empty());
}
