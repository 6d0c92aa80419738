//! Writing the failure file while the sweep runs.
//!
//! The file is created at the first failure and each later failure is
//! appended as it is handed on (in seed order), so an interrupted or killed
//! sweep leaves what it found: after every append the file is a complete
//! JSON document (`{"distlab_failures": 1, "failures": [...]}`), because the
//! closing `]}` is rewritten after each entry. At the end the file is
//! rewritten pretty-printed (through a temporary file and a rename).
//!
//! The sweep never silently replaces a file: an existing file at the path
//! must itself be a distlab failure file (else the sweep refuses to start),
//! and replacing or removing it is said on stderr.

use super::super::failure::{Failure, FailureFile};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

const HEADER: &str = "{\"distlab_failures\": 1, \"failures\": [\n";
const TRAILER: &str = "\n]}\n";

/// What the sweep did to the failure file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkOutcome {
    /// No failures, and no file was there.
    Nothing,
    /// Failures were written; `replaced` if an earlier sweep's file was there.
    Written {
        /// An earlier sweep's file was replaced.
        replaced: bool,
    },
    /// No failures: the earlier sweep's file was removed (it would be stale).
    RemovedStale,
}

/// The failure file of one sweep.
#[derive(Debug)]
pub struct FailureSink {
    path: PathBuf,
    previous: bool,
    file: Option<File>,
}

/// True if the file at `path` starts like a file `distlab sweep` writes.
/// Reads at most 4 KiB, and only from a regular file.
fn is_failure_file(path: &Path) -> Result<bool, String> {
    let meta = std::fs::metadata(path).map_err(|e| format!("cannot inspect: {e}"))?;
    if !meta.is_file() {
        return Ok(false);
    }
    let mut head = Vec::with_capacity(4096);
    File::open(path)
        .and_then(|f| f.take(4096).read_to_end(&mut head))
        .map_err(|e| format!("cannot read: {e}"))?;
    let text = String::from_utf8_lossy(&head);
    let rest = text.trim_start();
    Ok(rest
        .strip_prefix('{')
        .is_some_and(|r| r.trim_start().starts_with("\"distlab_failures\"")))
}

impl FailureSink {
    /// Get ready to write failures to `path`. Refuses (before any seed runs)
    /// if something that is not a distlab failure file is there.
    pub fn open(path: &Path) -> Result<FailureSink, String> {
        let previous = match std::fs::symlink_metadata(path) {
            Err(_) => false,
            Ok(_) => {
                let ours = is_failure_file(path)
                    .map_err(|e| format!("cannot write failures to {}: {e}", path.display()))?;
                if !ours {
                    return Err(format!(
                        "refusing to overwrite {}: it is not a failure file written by distlab (choose another file with --failures FILE)",
                        path.display()
                    ));
                }
                true
            }
        };
        Ok(FailureSink {
            path: path.to_path_buf(),
            previous,
            file: None,
        })
    }

    /// True if an earlier sweep's failure file is at the path.
    pub fn has_previous(&self) -> bool {
        self.previous
    }

    /// Append one failure; the file stays a complete JSON document.
    pub fn append(&mut self, failure: &Failure) -> Result<(), String> {
        let stored = failure.clone().relative_to(&self.path);
        let entry = serde_json::to_string(&stored).map_err(|e| e.to_string())?;
        self.append_entry(&entry)
            .map_err(|e| format!("cannot write {}: {e}", self.path.display()))
    }

    fn append_entry(&mut self, entry: &str) -> std::io::Result<()> {
        match &mut self.file {
            None => {
                let mut file = OpenOptions::new()
                    .write(true)
                    .create(true)
                    .truncate(true)
                    .open(&self.path)?;
                file.write_all(format!("{HEADER}{entry}{TRAILER}").as_bytes())?;
                file.flush()?;
                self.file = Some(file);
            }
            Some(file) => {
                file.seek(SeekFrom::End(-(TRAILER.len() as i64)))?;
                file.write_all(format!(",\n{entry}{TRAILER}").as_bytes())?;
                file.flush()?;
            }
        }
        Ok(())
    }

    /// Finish: rewrite the file pretty-printed with `failures` (in seed
    /// order), or remove an earlier sweep's file if there are none.
    pub fn finish(mut self, failures: &[Failure]) -> Result<SinkOutcome, String> {
        self.file = None;
        let fail = |e: std::io::Error| format!("cannot write {}: {e}", self.path.display());
        if failures.is_empty() {
            if !self.previous {
                return Ok(SinkOutcome::Nothing);
            }
            std::fs::remove_file(&self.path).map_err(fail)?;
            return Ok(SinkOutcome::RemovedStale);
        }
        let file = FailureFile {
            distlab_failures: 1,
            failures: failures
                .iter()
                .map(|f| f.clone().relative_to(&self.path))
                .collect(),
        };
        let text = serde_json::to_string_pretty(&file).map_err(|e| e.to_string())? + "\n";
        let name = self
            .path
            .file_name()
            .map_or_else(|| "failures".into(), |n| n.to_string_lossy().into_owned());
        let temp = self
            .path
            .with_file_name(format!(".{name}.{}.tmp", std::process::id()));
        std::fs::write(&temp, text).map_err(fail)?;
        if let Err(e) = std::fs::rename(&temp, &self.path) {
            let _ = std::fs::remove_file(&temp);
            return Err(fail(e));
        }
        Ok(SinkOutcome::Written {
            replaced: self.previous,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn failure(seed: u64) -> Failure {
        Failure {
            scenario: "scenarios/x.toml".into(),
            scenario_hash: "0x1".into(),
            scenario_text: None,
            origin: None,
            seed,
            nodes: None,
            duration_ns: None,
            verdict: "safety-violation".into(),
            failed_checks: vec!["check".into()],
            trace_hash: "0x2".into(),
            steps: 3,
            actions: Vec::new(),
            stop_at_step: None,
            explore: None,
        }
    }

    fn temp(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("distlab-sink-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        dir.join("distlab-failures.json")
    }

    #[test]
    fn the_file_is_complete_json_after_every_append() {
        let path = temp("append");
        let mut sink = FailureSink::open(&path).expect("open");
        assert!(!sink.has_previous());
        for seed in [3, 7, 9] {
            sink.append(&failure(seed)).expect("append");
            let text = std::fs::read_to_string(&path).expect("read");
            let file: FailureFile = serde_json::from_str(&text).expect("valid after each append");
            assert_eq!(file.failures.last().map(|f| f.seed), Some(seed));
        }
        let all = [failure(3), failure(7), failure(9)];
        assert_eq!(
            sink.finish(&all),
            Ok(SinkOutcome::Written { replaced: false })
        );
        let text = std::fs::read_to_string(&path).expect("read");
        let file: FailureFile = serde_json::from_str(&text).expect("valid");
        // Stored with the scenario path relative to the file's folder.
        let stored: Vec<Failure> = all.iter().map(|f| f.clone().relative_to(&path)).collect();
        assert_eq!(file.failures, stored);
        assert!(text.starts_with("{\n  \"distlab_failures\": 1"), "{text}");
    }

    #[test]
    fn an_unrelated_file_is_never_overwritten() {
        let path = temp("unrelated");
        std::fs::write(&path, "{\"my\": \"data\"}\n").expect("write");
        let err = FailureSink::open(&path).expect_err("must refuse");
        assert!(err.contains("refusing to overwrite"), "{err}");
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "{\"my\": \"data\"}\n"
        );
        let dir = path.with_file_name("a-directory");
        std::fs::create_dir_all(&dir).expect("dir");
        assert!(FailureSink::open(&dir).is_err());
    }

    #[test]
    fn an_earlier_sweeps_file_is_replaced_or_removed_and_said() {
        let path = temp("stale");
        let mut sink = FailureSink::open(&path).expect("open");
        sink.append(&failure(1)).expect("append");
        sink.finish(&[failure(1)]).expect("finish");
        let sink = FailureSink::open(&path).expect("an earlier failure file is ours");
        assert!(sink.has_previous());
        assert_eq!(sink.finish(&[]), Ok(SinkOutcome::RemovedStale));
        assert!(
            !path.exists(),
            "a sweep without failures leaves no stale file"
        );
        let sink = FailureSink::open(&path).expect("open");
        assert_eq!(sink.finish(&[]), Ok(SinkOutcome::Nothing));
    }
}
