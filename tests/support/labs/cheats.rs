//! The cheat catalogue's rule, written once: a cheat (a student type that
//! fakes the work: does nothing, hard-codes an answer, keeps durable state in
//! a process global, takes a plausible shortcut) scores **zero on every part
//! whose behaviour it does not really implement**, and **at most 10% of the
//! lab's points** in total.
//!
//! Each lab's tests declare its cheats as `Cheat`s and call
//! [`assert_cheats_lose`]; the table of scores is printed (`--nocapture`) so a
//! closing note can quote it.

#![allow(dead_code)]

use distlab::labs::grade::{self, Build, GradeOptions, Scoreboard};
use distlab::labs::Lab;
use std::path::PathBuf;

/// One entry of a lab's cheat catalogue.
pub struct Cheat<'a> {
    /// What the cheat does, in a few words ("does nothing", "fixed leader n0").
    pub name: &'static str,
    /// The cheat's build (`&build::<CheatType>` or a closure).
    pub build: Build<'a>,
    /// Parts whose behaviour the cheat honestly implements (it may earn
    /// points there); every other part must score zero.
    pub real_parts: &'static [&'static str],
}

/// The repository root.
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Grade `cheat` on every part of `lab` (two threads).
pub fn grade_cheat(lab: &Lab, cheat: &Cheat<'_>) -> Scoreboard {
    let options = GradeOptions {
        jobs: 2,
        ..GradeOptions::default()
    };
    grade::grade(lab, cheat.build, &root(), &options, &|| {}).expect("grades")
}

/// The cheat's score line: `name: total/possible (A 0/20, B 0/30, ...)`.
pub fn score_line(cheat: &Cheat<'_>, board: &Scoreboard) -> String {
    let parts: Vec<String> = board
        .parts
        .iter()
        .map(|p| format!("{} {}/{}", p.id, p.earned(), p.possible()))
        .collect();
    format!(
        "{}: {}/{} ({})",
        cheat.name,
        board.earned(),
        board.possible(),
        parts.join(", ")
    )
}

/// Every cheat scores 0 on each part outside its `real_parts` and at most
/// 10% of the lab's points overall. Prints the score table.
pub fn assert_cheats_lose(lab: &Lab, cheats: &[Cheat<'_>]) {
    let mut table = Vec::new();
    let mut wrong = Vec::new();
    for cheat in cheats {
        let board = grade_cheat(lab, cheat);
        let line = score_line(cheat, &board);
        for part in &board.parts {
            let honest = cheat
                .real_parts
                .iter()
                .any(|p| p.eq_ignore_ascii_case(&part.id));
            if !honest && part.earned() > 0 {
                wrong.push(format!("{line}: part {} must score 0", part.id));
            }
        }
        if board.earned() * 10 > board.possible() {
            wrong.push(format!("{line}: more than 10% of the lab's points"));
        }
        table.push(line);
    }
    eprintln!("lab {} cheats:\n  {}", lab.id, table.join("\n  "));
    assert!(wrong.is_empty(), "cheats scored:\n{}", wrong.join("\n"));
}

/// A plausible shortcut: an otherwise honest implementation that skips one
/// rule (a timeout drawn once, a candidate that never steps down). It must
/// lose points on every part in `must_lose`; other parts may pass.
pub struct Shortcut<'a> {
    /// What the shortcut skips.
    pub name: &'static str,
    /// Its build.
    pub build: Build<'a>,
    /// Parts that must lose points.
    pub must_lose: &'static [&'static str],
}

/// Every shortcut loses points on each part it names. Prints the score table.
pub fn assert_shortcuts_lose(lab: &Lab, shortcuts: &[Shortcut<'_>]) {
    let mut table = Vec::new();
    let mut wrong = Vec::new();
    for shortcut in shortcuts {
        let cheat = Cheat {
            name: shortcut.name,
            build: shortcut.build,
            real_parts: &[],
        };
        let board = grade_cheat(lab, &cheat);
        let line = score_line(&cheat, &board);
        for &id in shortcut.must_lose {
            match board.part(id) {
                Some(part) if part.earned() < part.possible() => {}
                Some(_) => wrong.push(format!("{line}: kept part {id}")),
                None => wrong.push(format!("{line}: lab has no part {id}")),
            }
        }
        table.push(line);
    }
    eprintln!("lab {} shortcuts:\n  {}", lab.id, table.join("\n  "));
    assert!(
        wrong.is_empty(),
        "shortcuts kept their parts:\n{}",
        wrong.join("\n")
    );
}
