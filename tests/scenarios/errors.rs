//! Every invalid scenario in `tests/fixtures/invalid_scenarios/` fails with the exact
//! message snapshotted in `tests/scenarios/snapshots/scenarios__errors__*.snap`.

use distlab::scenario::{load, parse, Overrides};
use distlab::sim::SimTime;
use std::path::{Path, PathBuf};

fn invalid_files() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir("tests/fixtures/invalid_scenarios")
        .expect("tests/fixtures/invalid_scenarios exists")
        .map(|entry| entry.expect("readable directory entry").path())
        .filter(|path| path.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    files
}

#[test]
fn every_invalid_scenario_has_its_exact_error() {
    let files = invalid_files();
    assert!(files.len() >= 20, "only {} invalid scenarios", files.len());
    for path in files {
        let name = path
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("UTF-8 file name")
            .to_string();
        let message = match load(&path, &Overrides::default()) {
            Ok(_) => panic!("{} parsed, but it is meant to be invalid", path.display()),
            Err(error) => error.to_string(),
        };
        assert!(
            message.starts_with(&format!("tests/fixtures/invalid_scenarios/{name}.toml:")),
            "{message}"
        );
        insta::assert_snapshot!(name, message);
    }
}

#[test]
fn a_missing_file_is_a_clear_error() {
    let error = load(Path::new("scenarios/x.toml"), &Overrides::default()).expect_err("missing");
    assert_eq!(
        error.to_string(),
        "cannot read scenarios/x.toml: No such file or directory"
    );
}

const FIVE_NODES_CRASH_4: &str = r#"name = "crash-four"
description = "Crash the last of five nodes."
protocol = "broadcast"
nodes = 5
seed = 3
duration = "30s"

[[faults]]
at = "5s"
crash = 4
"#;

#[test]
fn nodes_override_makes_a_fault_on_node_4_invalid() {
    let overrides = Overrides {
        nodes: Some(4),
        ..Overrides::default()
    };
    let error = parse("scenarios/crash-four.toml", FIVE_NODES_CRASH_4, &overrides)
        .expect_err("node 4 does not exist with --nodes 4");
    insta::assert_snapshot!("override-nodes-4", error.to_string());
}

#[test]
fn duration_override_makes_a_late_fault_invalid() {
    let overrides = Overrides {
        duration: Some(SimTime::from_secs(5)),
        ..Overrides::default()
    };
    let error = parse("scenarios/crash-four.toml", FIVE_NODES_CRASH_4, &overrides)
        .expect_err("the fault at 5s is at the end of a 5s run");
    insta::assert_snapshot!("override-duration-5s", error.to_string());
}

#[test]
fn seed_and_duration_overrides_take_effect() {
    let overrides = Overrides {
        seed: Some(99),
        nodes: Some(8),
        duration: Some(SimTime::from_secs(60)),
    };
    let scenario = parse("s.toml", FIVE_NODES_CRASH_4, &overrides).expect("valid");
    assert_eq!(scenario.seed, 99);
    assert_eq!(scenario.nodes, 8);
    assert_eq!(scenario.duration, SimTime::from_secs(60));
    let plain = parse("s.toml", FIVE_NODES_CRASH_4, &Overrides::default()).expect("valid");
    assert_eq!((plain.seed, plain.nodes), (3, 5));
    assert_eq!(plain.duration, SimTime::from_secs(30));
}
