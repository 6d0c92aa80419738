//! The scoreboard as text: what `distlab lab check` prints before the first
//! failure's details. Pure functions of a [`Scoreboard`], so tests pin the
//! wording with snapshots.

use super::grade::{CaseResult, PartResult, Scoreboard};
use super::Lab;

/// `1 seed`, `2 seeds`: a count and its noun (`noun` + `s` past one).
pub fn count(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// What the determinism check means, printed above its findings.
pub const NONDETERMINISM: &str = "your node keeps state outside the simulation (a global, a \
thread-local, a static) or depends on something else that changes between runs (HashMap \
iteration order, the wall clock)";

/// The scoreboard of `lab`: a header naming `whose` work was graded and the
/// seed set, the determinism check's findings first, then every part and
/// case, and the score.
pub fn render(lab: &Lab, board: &Scoreboard, whose: &str) -> String {
    let mut out = format!("lab {}: {} — grading {whose}\n", lab.id, lab.title);
    if lab.custom.is_none() {
        out += &format!("seeds: {}\n", board.seeds);
    }
    if board.extra_seeds > 0 {
        out += &format!(
            "({} per case: not an official score)\n",
            count(board.extra_seeds, "extra seed")
        );
    }
    out += &render_nondeterminism(board);
    for part in &board.parts {
        out += &render_part(lab, board, part);
    }
    out += &format!("\nscore: {}/{}\n", board.earned(), board.possible());
    out
}

/// The determinism check's findings (empty when there are none).
fn render_nondeterminism(board: &Scoreboard) -> String {
    let found = board.nondeterminism();
    if found.is_empty() {
        return String::new();
    }
    let mut parts: Vec<&str> = found.iter().map(|(p, _)| *p).collect();
    parts.dedup();
    let scored = match parts.as_slice() {
        [one] => format!("part {one} scores 0"),
        many => format!("parts {} score 0", many.join(", ")),
    };
    let mut out = format!("\nNOT DETERMINISTIC ({scored}): {NONDETERMINISM}:\n");
    for (part, what) in found {
        out += &format!("  part {part}: {what}\n");
    }
    out += "  Keep a node's state in its own fields and durable state in ctx.storage(); \
            use BTreeMap/BTreeSet where order matters.\n";
    out
}

fn render_part(lab: &Lab, board: &Scoreboard, part: &PartResult) -> String {
    let mark = if part.earned() == part.possible() {
        "pass"
    } else {
        "FAIL"
    };
    let mut out = format!(
        "\npart {}  {}  {}/{}  {mark}\n",
        part.id,
        part.title,
        part.earned(),
        part.possible()
    );
    for case in &part.cases {
        if lab.custom.is_some() {
            let outcome = case
                .error
                .clone()
                .or_else(|| case.first_failure.as_ref().map(|f| f.reasons[0].1.clone()))
                .unwrap_or_else(|| "right".into());
            out += &format!(
                "  {:>2}/{:<2} {} (about {}): {outcome}\n",
                case.earned(),
                case.points,
                case.checks.join(", "),
                case.scenario
            );
            continue;
        }
        let published = board.seeds == "published";
        let seeds = if published {
            format!("seeds {}..{}", case.seeds.0, case.seeds.1)
        } else {
            count(case.runs(), "held-out seed")
        };
        out += &format!(
            "  {:>2}/{:<2} {}  {seeds}  {}\n",
            case.earned(),
            case.points,
            case.scenario,
            outcome(case, published)
        );
        out += &format!("        checks: {}\n", case.checks.join(", "));
    }
    out
}

/// How a case went: `100/100 passed`, or where it failed and which seeds
/// passed and were skipped.
pub fn outcome(case: &CaseResult, published: bool) -> String {
    if let Some(e) = &case.error {
        return format!("error: {}", e.lines().next().unwrap_or(""));
    }
    let runs = case.runs();
    let Some(f) = &case.first_failure else {
        let passed = format!("{runs}/{runs} passed");
        return match case.nondeterministic {
            Some(_) => format!("{passed}, but not deterministic (see above)"),
            None => passed,
        };
    };
    let before = case.passed;
    let after = runs.saturating_sub(before + 1);
    let mut notes = Vec::new();
    if published {
        let start = case.seeds.0;
        if before > 0 {
            notes.push(format!("{} passed", span(start, start + before - 1)));
        }
        if after > 0 {
            notes.push(format!("{} skipped", span(f.seed + 1, case.seeds.1 - 1)));
        }
    } else {
        if before > 0 {
            notes.push(format!("{before} passed"));
        }
        if after > 0 {
            notes.push(format!("{after} skipped"));
        }
    }
    if notes.is_empty() {
        format!("failed at seed {}", f.seed)
    } else {
        format!("failed at seed {} ({})", f.seed, notes.join(", "))
    }
}

/// `seed 3` or `seeds 3–9`.
fn span(first: u64, last: u64) -> String {
    if first == last {
        format!("seed {first}")
    } else {
        format!("seeds {first}–{last}")
    }
}
