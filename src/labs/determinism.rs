//! The determinism check: after the main pass, the grader runs a sample of
//! each case's seeds again, alone on a fresh thread and in another order
//! (the last case first, each case's seeds from the highest down), and
//! compares what each gave (its trace hash, or its panic).
//!
//! A node whose behaviour depends only on the simulation gives the same
//! trace every time. One that keeps state outside it — a `thread_local!`,
//! a `static Mutex`, any global — sees that state left over from other
//! seeds (on the main pass, seeds share worker threads and the process),
//! so its runs change with the order they ran in. Every part with a seed
//! that changed scores 0: its results do not say anything about the code.
//!
//! The sample, per case: the first seed, the first failing seed (if any),
//! and the seeds a third and two thirds of the way up to it (or to the
//! last seed): at most four reruns per case.

use super::grade::FirstFailure;
use super::Case;
use crate::scenario::Scenario;
use crate::sim::RunReport;
use std::collections::BTreeMap;

/// One case's main pass, as the check needs it.
pub(super) struct CaseRun {
    /// Index of the part in the scoreboard.
    pub part: usize,
    /// Index of the case in its part.
    pub index: usize,
    /// The case.
    pub case: Case,
    /// Its seeds, in grading order.
    pub seeds: Vec<u64>,
    /// Index (in `seeds`) of the first failure, if any.
    pub failure_index: Option<usize>,
    /// Per index run in the main pass: what it gave ([`fingerprint`]).
    pub fingerprints: BTreeMap<usize, String>,
    /// The scenario, as graded.
    pub scenario: Scenario,
}

/// What a run gave, to compare two runs of one seed: its trace hash, or
/// (with no report) why it failed (a panic with its message).
pub(super) fn fingerprint(outcome: &Result<RunReport, FirstFailure>) -> String {
    let report = match outcome {
        Ok(report) => Some(report),
        Err(failure) => failure.report.as_deref(),
    };
    match (report, outcome) {
        (Some(report), _) => format!("trace hash {}", report.trace_hash),
        (None, Err(failure)) => match failure.reasons.first() {
            Some((kind, why)) => format!("{kind} ({why})"),
            None => "a failure".into(),
        },
        (None, Ok(_)) => unreachable!("a passing run has a report"),
    }
}

/// The indexes of a case's seeds to run again: the first, the first
/// failure (or the last seed), and two between.
pub(super) fn sample(seeds: usize, failure_index: Option<usize>) -> Vec<usize> {
    let Some(last) = failure_index.or(seeds.checked_sub(1)) else {
        return Vec::new();
    };
    let mut picked = vec![0, last / 3, 2 * last / 3, last];
    picked.dedup();
    picked
}

/// Run the sample of every case in `runs` again with `rerun` (scenario,
/// seed, case → fingerprint), the last case first; for each case with a
/// seed that gave something else: (part index, case index, what differed).
pub(super) fn recheck(
    runs: &[CaseRun],
    rerun: &dyn Fn(&Scenario, u64, &Case) -> String,
) -> Vec<(usize, usize, String)> {
    let mut found = Vec::new();
    for run in runs.iter().rev() {
        let mut picked = sample(run.seeds.len(), run.failure_index);
        picked.reverse();
        for index in picked {
            let Some(first) = run.fingerprints.get(&index) else {
                continue;
            };
            let again = rerun(&run.scenario, run.seeds[index], &run.case);
            if again != *first {
                found.push((
                    run.part,
                    run.index,
                    format!(
                        "seed {} of {} gave {first} the first time and {again} when run again",
                        run.seeds[index], run.case.scenario
                    ),
                ));
                break;
            }
        }
    }
    found.reverse();
    found
}

#[cfg(test)]
mod tests {
    use super::sample;

    #[test]
    fn the_sample_takes_the_first_seed_the_failure_and_two_between() {
        assert_eq!(sample(100, None), vec![0, 33, 66, 99]);
        assert_eq!(sample(100, Some(7)), vec![0, 2, 4, 7]);
        assert_eq!(sample(100, Some(0)), vec![0]);
        assert_eq!(sample(2, None), vec![0, 1]);
        assert_eq!(sample(0, None), Vec::<usize>::new());
    }
}
