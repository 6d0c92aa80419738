//! Sagas: the shipped scenarios pass over seed ranges in both styles, every
//! bug switch is caught (and the same scenario passes without it), the
//! isolation anomaly is reported, and saga-orchestrated's hash is pinned.

use crate::support::{self, code, distlab, metric, stdout};
use distlab::check::Outcome;
use distlab::sim::{RunReport, Verdict};
use distlab::testing;

/// A copy of a shipped scenario with several replacements, in a temp file.
fn variant_many(path: &str, edits: &[(&str, &str)], name: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    let mut text = std::fs::read_to_string(full).expect("scenario exists");
    for (from, to) in edits {
        assert!(text.contains(from), "{path} has no {from:?}");
        text = text.replace(from, to);
    }
    let dir = std::env::temp_dir().join(format!("distlab-saga-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join(name);
    std::fs::write(&out, text).expect("write variant");
    out.to_string_lossy().into_owned()
}

fn choreographed(path: &str, name: &str) -> String {
    variant_many(
        path,
        &[(
            "name = \"saga\"",
            "name = \"saga\"\nstyle = \"choreographed\"",
        )],
        name,
    )
}

fn failed_check(report: &RunReport) -> Option<(String, String)> {
    report.checks.iter().find_map(|c| match &c.outcome {
        Outcome::Fail(why) => Some((c.name.clone(), why.clone())),
        _ => None,
    })
}

#[test]
fn orchestrated_passes_over_seeds() {
    testing::check_seeds(
        "orchestrated_passes_over_seeds",
        "scenarios/saga-orchestrated.toml",
        0..30,
    );
}

#[test]
fn choreographed_passes_over_seeds() {
    testing::check_seeds(
        "choreographed_passes_over_seeds",
        "scenarios/saga-choreographed.toml",
        0..30,
    );
}

#[test]
fn duplicates_pass_over_seeds_in_both_styles() {
    let name = "duplicates_pass_over_seeds_in_both_styles";
    testing::check_seeds(name, "scenarios/saga-duplicates.toml", 0..30);
    let path = variant_many(
        "scenarios/saga-duplicates.toml",
        &[("style = \"orchestrated\"", "style = \"choreographed\"")],
        "dup-choreo.toml",
    );
    testing::check_seeds(name, &path, 0..20);
}

#[test]
fn the_isolation_anomaly_is_reported_not_hidden() {
    let scenario = testing::load("scenarios/saga-isolation-anomaly.toml");
    for seed in 0..5 {
        let report = testing::run(&scenario, seed);
        assert_eq!(report.verdict, Verdict::Pass, "{report:#?}");
        let anomalies: u64 = metric(&report, "isolation-anomalies").parse().unwrap();
        assert!(anomalies > 0, "seed {seed}");
        assert!(metric(&report, "isolation-anomaly-example").contains("refused while"));
    }
}

/// The bug scenario fails within `limit` seeds on `check`; without the bug
/// the first ten seeds pass. Returns the first failing seed.
fn caught(path: &str, bug: &str, check: &str, limit: u64) -> u64 {
    let scenario = testing::load(path);
    let report = testing::first_failure(&scenario, 0..limit)
        .unwrap_or_else(|| panic!("{bug} is not caught within {limit} seeds of {path}"));
    let (name, why) = failed_check(&report).expect("a failed check");
    assert_eq!(name, check, "{bug}: {why}");
    let fixed = variant_many(
        path,
        &[(&format!("bugs = [\"{bug}\"]"), "bugs = []")],
        &format!("fixed-{bug}.toml"),
    );
    testing::check_seeds(&format!("fixed {bug}"), &fixed, 0..10);
    report.seed
}

#[test]
fn a_non_idempotent_payment_double_charges() {
    let path = "scenarios/saga-bug-payment-not-idempotent.toml";
    let check = "no-double-charge";
    assert_eq!(caught(path, "payment-not-idempotent", check, 1000), 0);
    let choreo = choreographed(path, "double-choreo.toml");
    assert_eq!(caught(&choreo, "payment-not-idempotent", check, 1000), 0);
}

#[test]
fn unretried_compensations_leave_half_done_sagas() {
    let path = "scenarios/saga-bug-no-compensation-retry.toml";
    let check = "sagas-complete-or-compensate";
    assert_eq!(caught(path, "no-compensation-retry", check, 1000), 0);
    let choreo = choreographed(path, "comp-choreo.toml");
    assert_eq!(caught(&choreo, "no-compensation-retry", check, 1000), 0);
}

#[test]
fn an_orchestrator_without_a_log_forgets_sagas() {
    let path = "scenarios/saga-bug-no-persist.toml";
    let seed = caught(path, "no-persist", "sagas-complete-or-compensate", 1000);
    assert_eq!(seed, 0);
    let report = testing::run(&testing::load(path), seed);
    assert_eq!(report.verdict, Verdict::LivenessFailure);
}

#[test]
fn conservation_catches_a_double_charge_on_its_own() {
    let path = variant_many(
        "scenarios/saga-bug-payment-not-idempotent.toml",
        &[(
            "[network]",
            "[check]\ninvariants = [\"money-and-stock-conserved\"]\n\n[network]",
        )],
        "conserve.toml",
    );
    let report = testing::first_failure(&testing::load(&path), 0..20).expect("caught");
    let (name, why) = failed_check(&report).expect("a failed check");
    assert_eq!(name, "money-and-stock-conserved");
    assert!(why.contains("but the completed sagas leave"), "{why}");
}

#[test]
fn the_two_styles_compare_from_their_summaries() {
    for path in [
        "scenarios/saga-orchestrated.toml",
        "scenarios/saga-choreographed.toml",
    ] {
        let out = distlab(&["run", path]);
        assert_eq!(code(&out), 0, "{}", stdout(&out));
        let text = stdout(&out);
        for m in ["sagas-completed", "saga-latency-p99", "messages-per-saga"] {
            assert!(text.contains(m), "{path}: {text}");
        }
    }
}

#[test]
fn a_saga_needs_four_services() {
    let path = variant_many(
        "scenarios/saga-orchestrated.toml",
        &[("nodes = 4", "nodes = 5")],
        "five.toml",
    );
    let out = distlab(&["run", &path]);
    assert_eq!(code(&out), 3);
    let err = support::stderr(&out);
    assert!(
        err.contains("saga needs exactly 4 nodes (order, payment, inventory, shipping), got 5"),
        "{err}"
    );
}

#[test]
fn orchestrated_trace_hash_is_pinned() {
    let scenario = testing::load("scenarios/saga-orchestrated.toml");
    let report = testing::run(&scenario, scenario.seed);
    insta::assert_snapshot!(
        "saga_orchestrated_trace_hash",
        format!(
            "saga-orchestrated seed {}: {}",
            scenario.seed, report.trace_hash
        )
    );
}
