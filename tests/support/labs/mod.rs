//! The labs' shared checks, written once (used by `tests/labs/`).
//!
//! - `cheats`: the cheat catalogue's rule: a cheat scores zero on every part
//!   it does not really implement and at most 10% overall.
//! - `cut`: a lab's skeleton is its solution cut down (`// SOLUTION:` blocks
//!   to `todo!()`s).
//! - `grading`: full marks for the reference and a solution, bug switches
//!   lose their parts, the skeleton scores zero, `--jobs` changes nothing.
//! - `parts`: a skeleton with only its first parts' rules filled in passes
//!   those parts.
//! - `staged`: the Raft labs' one solution cut through a stage (lab, part).

pub mod cheats;
pub mod cut;
pub mod grading;
pub mod parts;
pub mod staged;
