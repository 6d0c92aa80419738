//! A skeleton shared by several labs, cut from one solution in stages (the
//! Raft labs 05–08 share `labs/raft/src/lib.rs`, cut from
//! `tests/labs/raft/solution.rs`).
//!
//! The solution marks each block a student writes with the lab and part it
//! belongs to:
//!
//! ```text
//! // SOLUTION 06 A: what goes here (one line, wrapped in the cut)
//! // SKELETON: a stand-in line          <- optional, any number
//! ...the solution's code...
//! // END
//! ```
//!
//! [`cut`] keeps the blocks up to a stage (a lab and part) as plain code and
//! replaces every later block by its text as a `// TODO lab NN P:` comment
//! followed by its `// SKELETON:` lines (a harmless stand-in: nothing, or
//! what the earlier labs need) or, without any, a `todo!()`. Lines starting
//! with `// SOLUTION FILE:` are dropped. The shipped skeleton is the cut
//! keeping nothing; a student who wrote every block up to lab k is the cut
//! keeping stage (k, last part) — the tests grade both.

#![allow(dead_code)]

use std::path::Path;

/// A block's stage: (lab, part), e.g. `("06", "A")`; ordered.
pub type Stage<'a> = (&'a str, &'a str);

/// One parsed `// SOLUTION NN P: text` marker.
fn marker(trimmed: &str) -> Option<(Stage<'_>, &str)> {
    let rest = trimmed.strip_prefix("// SOLUTION ")?;
    let (stage, text) = rest.split_once(": ")?;
    let (lab, part) = stage.split_once(' ')?;
    let ok = lab.len() == 2 && lab.bytes().all(|b| b.is_ascii_digit()) && part.len() == 1;
    ok.then_some(((lab, part), text))
}

/// The stages the solution's blocks name, in order, without repeats.
pub fn stages(solution: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = solution
        .lines()
        .filter_map(|l| marker(l.trim_start()))
        .map(|((lab, part), _)| (lab.to_string(), part.to_string()))
        .collect();
    out.sort();
    out.dedup();
    out
}

/// Cut `solution`, keeping the blocks of every stage up to `through`
/// (`None`: keep none — the shipped skeleton). Errors name the line.
pub fn cut(solution: &str, through: Option<Stage<'_>>) -> Result<String, String> {
    let mut out = String::new();
    let mut open: Option<(usize, bool)> = None; // (line, kept)
    let mut lab = String::new();
    let mut stand_in = false;
    for (n, line) in solution.lines().enumerate() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if trimmed.starts_with("// SOLUTION FILE:") {
            continue;
        }
        if let Some((stage, text)) = marker(trimmed) {
            if let Some((at, _)) = open {
                return Err(format!(
                    "line {}: a block opened on line {at} has no // END",
                    n + 1
                ));
            }
            let kept = through.is_some_and(|t| stage <= t);
            open = Some((n + 1, kept));
            lab = stage.0.to_string();
            stand_in = false;
            if !kept {
                let head = format!("TODO lab {} {}: {text}", stage.0, stage.1);
                for wrapped in wrap(&head, 80usize.saturating_sub(indent.len() + 3).max(40)) {
                    out.push_str(&format!("{indent}// {wrapped}\n"));
                }
            }
            continue;
        }
        let Some((_, kept)) = open else {
            if trimmed.starts_with("// END") || trimmed.starts_with("// SKELETON:") {
                return Err(format!("line {}: `{trimmed}` outside a block", n + 1));
            }
            out.push_str(line);
            out.push('\n');
            continue;
        };
        if let Some(code) = trimmed.strip_prefix("// SKELETON:") {
            if !kept {
                let code = code.strip_prefix(' ').unwrap_or(code);
                match (stand_in, code.is_empty()) {
                    (false, true) => {
                        out.push_str(&format!("{indent}// (Until lab {lab}: nothing.)\n"))
                    }
                    (false, false) => out.push_str(&format!(
                        "{indent}// (Until lab {lab}, a stand-in:)\n{indent}{code}\n"
                    )),
                    (true, _) => out.push_str(&format!("{indent}{code}\n")),
                }
                stand_in = true;
            }
            continue;
        }
        if trimmed == "// END" {
            if !kept && !stand_in {
                let stage = marker_stage(solution, open.map_or(0, |o| o.0));
                out.push_str(&format!(
                    "{indent}todo!(\"lab {stage}: see the comment above\");\n"
                ));
            }
            open = None;
            continue;
        }
        if kept {
            out.push_str(line);
            out.push('\n');
        }
    }
    match open {
        Some((at, _)) => Err(format!("line {at}: the block has no // END")),
        None => Ok(out),
    }
}

/// `NN P` of the marker on line `at` (1-based).
fn marker_stage(solution: &str, at: usize) -> String {
    let line = solution.lines().nth(at.saturating_sub(1)).unwrap_or("");
    marker(line.trim_start()).map_or(String::new(), |((lab, part), _)| format!("{lab} {part}"))
}

fn wrap(text: &str, width: usize) -> Vec<String> {
    let mut lines = vec![String::new()];
    for word in text.split_whitespace() {
        let last = lines.last_mut().expect("one line");
        if !last.is_empty() && last.len() + 1 + word.len() > width {
            lines.push(word.to_string());
        } else {
            if !last.is_empty() {
                last.push(' ');
            }
            last.push_str(word);
        }
    }
    lines
}

/// Assert the file at `fixture` (relative to the repository root) is
/// `solution` cut through `through`, or rewrite it under `DISTLAB_BLESS=1`.
/// `what` heads a fixture (not the shipped skeleton) as a comment.
pub fn assert_cut(solution: &str, fixture: &str, through: Option<Stage<'_>>, what: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(solution)).expect("solution");
    let body = cut(&text, through).unwrap_or_else(|e| panic!("{solution}: {e}"));
    let mut want = String::new();
    for line in what.lines() {
        want.push_str(&format!("// CUT: {line}\n"));
    }
    want.push_str(&body);
    let path = root.join(fixture);
    if std::env::var_os("DISTLAB_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write the cut");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{fixture} is not the cut of {solution} through {through:?}: edit the solution and \
         rerun with DISTLAB_BLESS=1"
    );
}
