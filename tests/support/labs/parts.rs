//! Parts in order: a lab's skeleton with only the rules of its first parts
//! filled in (cut mechanically from the solution, like the skeleton) must
//! pass those parts, so a `todo!()` of a later part never fails an earlier
//! one. The fixture is the solution with every `// SOLUTION: <rules>: ...`
//! block whose rules (`R1`, `R1, R6`) are all in the kept set left as code,
//! and every other block cut to its `todo!()`; `DISTLAB_BLESS=1` rewrites it.

#![allow(dead_code)]

use std::path::Path;

/// The rules a `// SOLUTION:` marker names (`"R1, R6"` → `["R1", "R6"]`).
fn rules_of(text: &str) -> Vec<&str> {
    text.split(':')
        .next()
        .unwrap_or("")
        .split(',')
        .map(str::trim)
        .collect()
}

/// `solution` with the blocks of the `kept` rules turned into plain code,
/// then cut like the skeleton.
pub fn cut_keeping(solution: &str, lab: &str, kept: &[&str]) -> String {
    let mut out = String::new();
    let mut in_kept = false;
    for line in solution.lines() {
        let trimmed = line.trim_start();
        if let Some(text) = trimmed.strip_prefix("// SOLUTION: ") {
            if rules_of(text).iter().all(|r| kept.contains(r)) {
                in_kept = true;
                continue;
            }
        }
        if in_kept && trimmed == "// END" {
            in_kept = false;
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    super::cut::cut(&out, lab)
}

/// Assert `fixture` is `solution` cut keeping the `kept` rules, or rewrite
/// it under `DISTLAB_BLESS=1`.
pub fn assert_cut_keeping(solution: &str, fixture: &str, lab: &str, kept: &[&str]) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(root.join(solution)).expect("solution");
    let want = cut_keeping(&text, lab, kept);
    let path = root.join(fixture);
    if std::env::var_os("DISTLAB_BLESS").is_some() {
        std::fs::write(&path, &want).expect("write the fixture");
        return;
    }
    let have = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        have == want,
        "{fixture} is not {solution} cut keeping {kept:?}: rerun with DISTLAB_BLESS=1"
    );
}
