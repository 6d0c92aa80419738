//! One shard's results (`sweep --results FILE`) and what `distlab merge`
//! reads back.
//!
//! A sweep too big for one machine runs as N shard processes
//! (`--shard I/N`) on a batch system, each writing its results file;
//! `merge` folds the files in seed order into exactly what one sweep over
//! the whole range prints: the same counts, the same FAIL lines in the same
//! order, the same failure file and the same sweep hash. So the file holds,
//! per seed, what the sweep hash folds (the seed and its trace hash) and
//! what the summary counts, and a failed seed's whole [`Failure`].
//!
//! The file is untrusted input (it comes back from another machine):
//! [`read`] checks its format marker, every seed's record and that the
//! seeds are exactly the shard's, and says which file and where.

use super::super::failure::Failure;
use super::window::SeedRange;
use super::SeedResult;
use crate::sim::Verdict;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// The format marker's value in files this version writes.
pub const FORMAT: u32 = 1;

/// Largest results file `merge` reads (a million seeds with a few
/// thousand failures is tens of MB).
const MAX_BYTES: u64 = 1 << 30;

/// A results file.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResultsFile {
    /// Format marker: [`FORMAT`].
    pub distlab_sweep_results: u32,
    /// The scenario file, as given on the sweep's command line.
    pub scenario: PathBuf,
    /// The scenario's name (the summary line names it).
    pub scenario_name: String,
    /// Fingerprint of the scenario file's text: every shard must have run
    /// the same file.
    pub scenario_hash: String,
    /// The whole sweep's range, `[start, end)`.
    pub seeds: [u64; 2],
    /// This shard, `[index, count]`.
    pub shard: [u64; 2],
    /// `--nodes` override, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub nodes: Option<u32>,
    /// `--duration` override in nanoseconds, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_ns: Option<u64>,
    /// Ctrl-C stopped the shard: its results are incomplete.
    pub interrupted: bool,
    /// One record per seed of the shard that ran, in seed order.
    pub results: Vec<SeedRecord>,
}

/// One seed's result.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeedRecord {
    /// The seed.
    pub seed: u64,
    /// Its verdict's name (`pass`, `safety-violation`, ...).
    pub verdict: String,
    /// Steps it ran.
    pub steps: u64,
    /// A passed seed's trace hash.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trace_hash: Option<String>,
    /// A passed seed had a check that could not decide.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub undecided: bool,
    /// A panicking seed's FAIL text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub panic: Option<String>,
    /// A seed that did not pass.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failure: Option<Failure>,
}

impl SeedRecord {
    /// The record of `result`.
    pub(super) fn of(seed: u64, result: &SeedResult) -> SeedRecord {
        match result {
            SeedResult::Passed {
                trace_hash,
                steps,
                undecided,
            } => SeedRecord {
                seed,
                verdict: Verdict::Pass.name().into(),
                steps: *steps,
                trace_hash: Some(trace_hash.clone()),
                undecided: *undecided,
                panic: None,
                failure: None,
            },
            SeedResult::Failed {
                failure,
                verdict,
                steps,
                panic,
            } => SeedRecord {
                seed,
                verdict: verdict.name().into(),
                steps: *steps,
                trace_hash: None,
                undecided: false,
                panic: panic.clone(),
                failure: Some((**failure).clone()),
            },
        }
    }

    /// The result this record holds, or what is wrong with it.
    pub(super) fn into_result(self) -> Result<SeedResult, String> {
        let seed = self.seed;
        let verdict = Verdict::from_name(&self.verdict).ok_or_else(|| {
            format!(
                "seed {seed}: unknown verdict {:?} (expected pass, safety-violation, liveness-failure, panic or unknown)",
                self.verdict
            )
        })?;
        if verdict == Verdict::Pass {
            let trace_hash = self
                .trace_hash
                .ok_or_else(|| format!("seed {seed}: a passed seed needs its trace_hash"))?;
            if self.failure.is_some() || self.panic.is_some() {
                return Err(format!(
                    "seed {seed}: a passed seed has no failure and no panic"
                ));
            }
            return Ok(SeedResult::Passed {
                trace_hash,
                steps: self.steps,
                undecided: self.undecided,
            });
        }
        let failure = self
            .failure
            .ok_or_else(|| format!("seed {seed}: a seed that did not pass needs its failure"))?;
        if failure.seed != seed {
            return Err(format!(
                "seed {seed}: its failure is of seed {}",
                failure.seed
            ));
        }
        if self.panic.is_some() && verdict != Verdict::Panic {
            return Err(format!("seed {seed}: only a panicking seed has a panic"));
        }
        Ok(SeedResult::Failed {
            failure: Box::new(failure),
            verdict,
            steps: self.steps,
            panic: self.panic,
        })
    }
}

impl ResultsFile {
    /// The range this shard covers.
    pub fn range(&self) -> SeedRange {
        SeedRange {
            start: self.seeds[0],
            end: self.seeds[1],
            shard: self.shard[0],
            shards: self.shard[1],
        }
    }
}

/// Write `file` to `path` (through a temporary file and a rename, so a
/// reader never sees half a file).
pub fn write(path: &Path, file: &ResultsFile) -> Result<(), String> {
    let text = serde_json::to_string(file).map_err(|e| format!("{}: {e}", path.display()))?;
    let tmp = path.with_extension("json.tmp");
    std::fs::write(&tmp, text + "\n")
        .and_then(|()| std::fs::rename(&tmp, path))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// Check, before a sweep starts, that `path` may be written: absent, or a
/// results file (an earlier shard's, which the sweep replaces). Any other
/// file is left alone and the sweep refuses to run.
pub fn check_target(path: &Path) -> Result<(), String> {
    let Ok(meta) = std::fs::metadata(path) else {
        return Ok(());
    };
    let head = meta
        .is_file()
        .then(|| std::fs::File::open(path).ok())
        .flatten()
        .map(|f| {
            use std::io::Read;
            let mut head = Vec::with_capacity(256);
            let _ = f.take(256).read_to_end(&mut head);
            String::from_utf8_lossy(&head).into_owned()
        })
        .unwrap_or_default();
    let ours = head
        .trim_start()
        .strip_prefix('{')
        .is_some_and(|r| r.trim_start().starts_with("\"distlab_sweep_results\""));
    if ours {
        Ok(())
    } else {
        Err(format!(
            "{} exists and is not a sweep results file: choose another --results path (nothing was run)",
            path.display()
        ))
    }
}

/// Read and check a results file: its format, and that its records are
/// exactly the shard's seeds in order (unless it says it was interrupted,
/// which [`super::merge`] refuses anyway).
pub fn read(path: &Path) -> Result<ResultsFile, String> {
    let shown = path.display();
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    if !meta.is_file() {
        return Err(format!("{shown} is not a file"));
    }
    if meta.len() > MAX_BYTES {
        return Err(format!(
            "{shown} is {} bytes: larger than any results file (at most {MAX_BYTES})",
            meta.len()
        ));
    }
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {shown}: {e}"))?;
    parse(&text).map_err(|e| format!("{shown}: {e}"))
}

/// [`read`] on text already in memory (the fuzz target's entry).
pub fn parse(text: &str) -> Result<ResultsFile, String> {
    let looks_right = text
        .trim_start()
        .strip_prefix('{')
        .is_some_and(|r| r.trim_start().starts_with("\"distlab_sweep_results\""));
    if !looks_right {
        return Err(
            "not a sweep results file (expected a JSON object starting with \"distlab_sweep_results\", as `distlab sweep --results FILE` writes)"
                .into(),
        );
    }
    let file: ResultsFile = serde_json::from_str(text)
        .map_err(|e| format!("line {}, column {}: {e}", e.line(), e.column()))?;
    if file.distlab_sweep_results != FORMAT {
        return Err(format!(
            "format {} is not one this distlab reads (it reads format {FORMAT})",
            file.distlab_sweep_results
        ));
    }
    let [start, end] = file.seeds;
    let [index, count] = file.shard;
    if end <= start {
        return Err(format!("the seed range {start}..{end} is empty"));
    }
    if count == 0 || index >= count {
        return Err(format!(
            "shard {index}/{count}: the index must be below the count"
        ));
    }
    let range = file.range();
    if file.results.len() as u64 > range.len() {
        return Err(format!(
            "{} results for a shard of {} seeds",
            file.results.len(),
            range.len()
        ));
    }
    if !file.interrupted && file.results.len() as u64 != range.len() {
        return Err(format!(
            "{} results for a shard of {} seeds, and the file does not say it was interrupted",
            file.results.len(),
            range.len()
        ));
    }
    for (position, record) in file.results.iter().enumerate() {
        let want = range.seed(position as u64);
        if record.seed != want {
            return Err(format!(
                "result {} is of seed {}; shard {index}/{count} of {start}..{end} has seed {want} there",
                position + 1,
                record.seed
            ));
        }
        record.clone().into_result()?;
    }
    Ok(file)
}
