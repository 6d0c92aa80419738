//! Resilience: the retry-storm scenario passes over seeds and its summary
//! compares the three protections side by side; a single protection runs on
//! two nodes.

use crate::support::{self, code, distlab, stdout};
use distlab::registry::Registry;
use distlab::scenario::engine::BuildOptions;
use distlab::sim::Verdict;
use distlab::testing;

#[test]
fn retry_storm_passes_over_seeds() {
    testing::check_seeds(
        "retry_storm_passes_over_seeds",
        "scenarios/resilience-retry-storm.toml",
        0..20,
    );
}

#[test]
fn the_summary_compares_the_protections_side_by_side() {
    let out = distlab(&["run", "scenarios/resilience-retry-storm.toml"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    for metric in [
        "success-rate",
        "latency-p99",
        "messages-sent",
        "backend-queue-peak",
        "time-to-recover",
    ] {
        let line = text
            .lines()
            .find(|l| l.trim_start().starts_with(metric))
            .unwrap_or_else(|| panic!("no {metric} line in {text}"));
        for mode in ["none ", "| retries ", "| full "] {
            assert!(line.contains(mode), "{line}");
        }
    }
}

#[test]
fn one_protection_runs_on_two_nodes() {
    let dir = std::env::temp_dir().join(format!("distlab-resilience-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/resilience-retry-storm.toml"),
    )
    .expect("scenario");
    let single = text.replace("protection = \"compare\"", "protection = \"full\"");
    let six = dir.join("full-six.toml");
    std::fs::write(&six, &single).expect("write");
    let out = distlab(&["run", six.to_str().expect("utf-8")]);
    assert_eq!(code(&out), 3);
    assert!(
        support::stderr(&out)
            .contains("resilience runs 1 gateway/backend pair(s) here, so it needs 2 nodes, got 6"),
        "{}",
        support::stderr(&out)
    );
    let two = dir.join("full-two.toml");
    // One pair gets a third of the comparison's load.
    let one_pair = single
        .replace("nodes = 6", "nodes = 2")
        .replace("nodes = [1, 3, 5]", "nodes = [1]")
        .replace("clients = 60", "clients = 20")
        .replace("rate = \"600/s\"", "rate = \"200/s\"");
    std::fs::write(&two, one_pair).expect("write");
    let report = testing::run(&testing::load(&two), 1);
    assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
}

#[test]
fn a_backend_that_heals_at_high_utilisation_never_recovers_without_protection() {
    let dir = std::env::temp_dir().join(format!("distlab-resilience-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("scenarios/resilience-retry-storm.toml"),
    )
    .expect("scenario");
    let path = dir.join("metastable.toml");
    std::fs::write(&path, text.replace("value = \"3ms\"", "value = \"4ms\"")).expect("write");
    let report = testing::run(&testing::load(&path), 1);
    assert_eq!(report.verdict, Verdict::LivenessFailure, "{report:#?}");
    let check = report
        .checks
        .iter()
        .find(|c| c.name == "recovers-after-heal")
        .expect("check");
    let distlab::check::Outcome::Fail(why) = &check.outcome else {
        panic!("{check:?}");
    };
    assert!(why.ends_with("for: none, retries"), "{why}");
}

/// `resilience-breaker` (the doc's picture): at seed 1 the breaker opens
/// once and fails eight calls fast, and the run is the one drawn in
/// `docs/pictures/resilience-breaker.svg` (trace hash pinned).
#[test]
fn the_breaker_scenario_opens_the_breaker_once_and_fails_fast() {
    let out = distlab(&["run", "scenarios/resilience-breaker.toml"]);
    assert_eq!(code(&out), 0, "{}", stdout(&out));
    let text = stdout(&out);
    for line in [
        "breaker-opened           full 1",
        "fast-failures            full 8",
        "trace-hash: 0x3a18b9e0e5d82db4",
    ] {
        assert!(text.contains(line), "no {line:?} in {text}");
    }
}

/// A backend is a server that takes time: a scenario without `[service]`,
/// or whose `[service] nodes` leaves a backend out, is refused with its
/// place and what to write.
#[test]
fn backends_without_service_time_are_reported_with_their_place() {
    for name in [
        "resilience-without-service",
        "resilience-backend-not-served",
    ] {
        let file = format!("tests/fixtures/bad_inputs/{name}.toml");
        let scenario = testing::load(&file);
        let error = match Registry::builtin().build(&scenario, &BuildOptions::default()) {
            Ok(_) => panic!("{file} built, but it is meant to be invalid"),
            Err(e) => e.to_string(),
        };
        insta::assert_snapshot!(name, error);
    }
}
