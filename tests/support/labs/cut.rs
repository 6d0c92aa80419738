//! A lab's skeleton is its solution fixture cut down: the `// SOLUTION FILE:`
//! header lines dropped, and each `// SOLUTION: <what goes here>` ... `// END`
//! block replaced by that text as a comment and a `todo!()`. The tests check
//! the shipped skeleton is exactly that, so the two never drift apart;
//! `DISTLAB_BLESS=1` rewrites the skeleton instead.

use std::path::Path;

/// Cut `solution` down to its skeleton; `lab` names the lab in the
/// `todo!()` messages.
pub fn cut(solution: &str, lab: &str) -> String {
    let mut out = String::new();
    let mut skipping = false;
    for line in solution.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if trimmed.starts_with("// SOLUTION FILE:") {
            continue;
        }
        if skipping {
            skipping = trimmed != "// END";
            continue;
        }
        if let Some(text) = trimmed.strip_prefix("// SOLUTION: ") {
            for wrapped in wrap(text, 80 - indent.len() - 3) {
                out.push_str(&format!("{indent}// {wrapped}\n"));
            }
            let rule = text.split(':').next().unwrap_or(text);
            out.push_str(&format!(
                "{indent}todo!(\"lab {lab}, {rule}: see the comment above\")\n"
            ));
            skipping = true;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    out
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

/// Assert the skeleton at `skeleton` (relative to the repository root) is
/// the cut of `solution`, or rewrite it under `DISTLAB_BLESS=1`.
pub fn assert_cut(solution: &str, skeleton: &str, lab: &str) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let want = cut(
        &std::fs::read_to_string(root.join(solution)).expect("solution"),
        lab,
    );
    let path = root.join(skeleton);
    if std::env::var_os("DISTLAB_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write the skeleton");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{skeleton} is not the cut of {solution}: edit the solution and rerun with DISTLAB_BLESS=1"
    );
}
