//! One submission's scratch crate and the processes that build and grade it.
//!
//! The scratch crate (`target/distlab-batch/NN/<student>/`) is the lab's
//! crate (the folder under `labs/` whose `Cargo.toml` names the lab's
//! package: `labs/raft` for labs 05–08) with the student's sources: the lab's dependencies (paths made
//! absolute), the root's `[profile]` settings and `Cargo.lock` (so the
//! dependencies it shares with the main build are not rebuilt), its own
//! empty `[workspace]`, and the lab's `src/main.rs` in place of any the
//! student sent. It doubles as the grading root: it holds copies of
//! `labs/` and `scenarios/`, so a grade's state files and replay file land
//! there, not in the instructor's `target/distlab-labs/`.

use super::submissions::Submission;
use crate::labs::Lab;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// How a time-limited process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ended {
    /// It exited with this code (`None`: killed by a signal).
    Exited(Option<i32>),
    /// It ran past the limit and was killed.
    TimedOut,
}

/// Names for a submission's scratch crate.
pub struct Scratch {
    /// The crate folder (also the grading root).
    pub dir: PathBuf,
    /// Package and binary name: `distlab-batch-NN-<student>`.
    pub package: String,
}

impl Scratch {
    /// The scratch crate of `student` for `lab`, under `root`.
    pub fn new(root: &Path, lab: &Lab, student: &str) -> Scratch {
        Scratch {
            dir: batch_dir(root, lab).join(student),
            package: format!("distlab-batch-{}-{student}", lab.id),
        }
    }

    /// The built binary, in the shared target folder.
    pub fn binary(&self, target: &Path) -> PathBuf {
        target
            .join("release")
            .join(format!("{}{}", self.package, std::env::consts::EXE_SUFFIX))
    }
}

/// Where a lab's scratch crates live.
pub fn batch_dir(root: &Path, lab: &Lab) -> PathBuf {
    root.join("target").join("distlab-batch").join(lab.id)
}

/// Write the scratch crate of `submission` (replacing an earlier one).
pub fn write_crate(
    root: &Path,
    lab: &Lab,
    scratch: &Scratch,
    submission: &Submission,
) -> Result<(), String> {
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    if scratch.dir.exists() {
        std::fs::remove_dir_all(&scratch.dir).map_err(|e| io(&scratch.dir, e))?;
    }
    let src = scratch.dir.join("src");
    std::fs::create_dir_all(&src).map_err(|e| io(&src, e))?;
    if submission.is_crate {
        copy_tree(&submission.path, &src)?;
    } else {
        let lib = src.join("lib.rs");
        std::fs::copy(&submission.path, &lib).map_err(|e| io(&submission.path, e))?;
    }
    let lab_dir = crate_dir(root, lab)?;
    let main = lab_dir.join("src").join("main.rs");
    std::fs::copy(&main, src.join("main.rs")).map_err(|e| io(&main, e))?;
    let manifest = manifest(root, lab, scratch)?;
    let path = scratch.dir.join("Cargo.toml");
    std::fs::write(&path, manifest).map_err(|e| io(&path, e))?;
    let lock = root.join("Cargo.lock");
    if lock.is_file() {
        std::fs::copy(&lock, scratch.dir.join("Cargo.lock")).map_err(|e| io(&lock, e))?;
    }
    for shared in ["labs", "scenarios"] {
        copy_tree(&root.join(shared), &scratch.dir.join(shared))?;
    }
    Ok(())
}

/// The scratch crate's `Cargo.toml`.
fn manifest(root: &Path, lab: &Lab, scratch: &Scratch) -> Result<String, String> {
    let lab_dir = crate_dir(root, lab)?;
    let package = lab.package.unwrap_or_default();
    let lab_manifest = read_toml(&lab_dir.join("Cargo.toml"))?;
    let root_manifest = read_toml(&root.join("Cargo.toml"))?;
    let mut dependencies = lab_manifest
        .get("dependencies")
        .and_then(|d| d.as_table())
        .cloned()
        .unwrap_or_default();
    for (_, dep) in dependencies.iter_mut() {
        if let Some(path) = dep.get_mut("path") {
            if let Some(p) = path.as_str() {
                let absolute = absolute(&lab_dir.join(p));
                *path = toml::Value::String(absolute.to_string_lossy().into_owned());
            }
        }
    }
    let mut out = toml::Table::new();
    let mut pkg = toml::Table::new();
    pkg.insert("name".into(), scratch.package.clone().into());
    pkg.insert("version".into(), "0.0.0".into());
    pkg.insert("edition".into(), "2021".into());
    pkg.insert("publish".into(), false.into());
    out.insert("package".into(), pkg.into());
    let mut lib = toml::Table::new();
    lib.insert("name".into(), package.replace('-', "_").into());
    lib.insert("path".into(), "src/lib.rs".into());
    out.insert("lib".into(), lib.into());
    let mut bin = toml::Table::new();
    bin.insert("name".into(), scratch.package.clone().into());
    bin.insert("path".into(), "src/main.rs".into());
    out.insert("bin".into(), toml::Value::Array(vec![bin.into()]));
    out.insert("dependencies".into(), dependencies.into());
    if let Some(profile) = root_manifest.get("profile") {
        out.insert("profile".into(), profile.clone());
    }
    out.insert("workspace".into(), toml::Table::new().into());
    toml::to_string(&out).map_err(|e| e.to_string())
}

/// The folder of `lab`'s crate (several labs may share one).
pub fn crate_dir(root: &Path, lab: &Lab) -> Result<PathBuf, String> {
    let package = lab.package.unwrap_or_default();
    crate::cli::lab::crate_dir(root, package).ok_or_else(|| {
        format!(
            "{}: no crate under labs/ declares the package {package:?} of lab {}",
            root.join("labs").display(),
            lab.id
        )
    })
}

fn read_toml(path: &Path) -> Result<toml::Table, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.parse::<toml::Table>()
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// `path` made absolute and without `..` (when it exists).
fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Copy the regular files and folders under `from` into `to`; symbolic
/// links are not followed (a submission cannot make the grader read a file
/// outside it), nor are `target` folders copied.
pub fn copy_tree(from: &Path, to: &Path) -> Result<(), String> {
    let io = |p: &Path, e: std::io::Error| format!("{}: {e}", p.display());
    std::fs::create_dir_all(to).map_err(|e| io(to, e))?;
    let entries = std::fs::read_dir(from).map_err(|e| io(from, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| io(from, e))?;
        let kind = entry.file_type().map_err(|e| io(&entry.path(), e))?;
        let target = to.join(entry.file_name());
        if kind.is_dir() && entry.file_name() != "target" {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), &target).map_err(|e| io(&entry.path(), e))?;
        }
    }
    Ok(())
}

/// `cargo build --release` of the scratch crate into `target`, output to
/// `build.log` in the crate.
pub fn build_command(scratch: &Scratch, target: &Path) -> Command {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut command = Command::new(cargo);
    command
        .current_dir(&scratch.dir)
        .args(["build", "--release", "--message-format", "short"])
        .arg("--manifest-path")
        .arg(scratch.dir.join("Cargo.toml"))
        .arg("--target-dir")
        .arg(target)
        .env_remove("CARGO_TARGET_DIR");
    command
}

/// Run `command` with stdout and stderr written to files, killing it (and
/// every process it started) after `limit`.
pub fn run_limited(
    mut command: Command,
    stdout: &Path,
    stderr: &Path,
    limit: Duration,
) -> Result<Ended, String> {
    let out = File::create(stdout).map_err(|e| format!("{}: {e}", stdout.display()))?;
    let err = File::create(stderr).map_err(|e| format!("{}: {e}", stderr.display()))?;
    command
        .stdin(Stdio::null())
        .stdout(Stdio::from(out))
        .stderr(Stdio::from(err));
    own_process_group(&mut command);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", command.get_program()))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(status)) => return Ok(Ended::Exited(status.code())),
            Ok(None) if start.elapsed() >= limit => {
                kill_group(&mut child);
                return Ok(Ended::TimedOut);
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(50)),
            Err(e) => return Err(format!("waiting for {:?}: {e}", command.get_program())),
        }
    }
}

#[cfg(unix)]
fn own_process_group(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    command.process_group(0);
}

#[cfg(not(unix))]
fn own_process_group(_: &mut Command) {}

/// Kill `child` and the processes it started (its process group on Unix:
/// cargo's rustc, the grader's helpers), then reap it.
fn kill_group(child: &mut Child) {
    #[cfg(unix)]
    {
        let group = format!("-{}", child.id());
        let _ = Command::new("kill")
            .args(["-KILL", "--", &group])
            .stderr(Stdio::null())
            .status();
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The compiler's first error in a `--message-format short` build log, with
/// the scratch crate's path removed (`src/lib.rs:12:5: error[E0308]: ...`).
pub fn first_error(log: &str, scratch: &Path) -> String {
    let prefix = format!("{}/", scratch.display());
    let line = log
        .lines()
        .find(|l| l.contains("error[") || l.contains(": error:"))
        .or_else(|| log.lines().find(|l| l.starts_with("error")))
        .unwrap_or("the build failed (no error line in build.log)");
    line.replace(&prefix, "").trim().to_string()
}
