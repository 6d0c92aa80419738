//! Every shipped bug-switch scenario (`scenarios/*-bug-*.toml`) fails at the
//! seed its file names: `distlab run FILE` is how a reader first meets a
//! bug switch, and a file whose own seed passes shows nothing. Protocol
//! changes move which seeds fail (a heartbeat more or less changes every
//! schedule); this test says which file's seed to move (`distlab sweep
//! FILE` lists the failing ones).

use distlab::sim::Verdict;
use distlab::testing;

#[test]
fn every_bug_scenario_fails_at_its_own_seed() {
    let mut paths: Vec<String> = std::fs::read_dir("scenarios")
        .expect("the scenarios folder")
        .filter_map(|e| e.ok())
        .map(|e| e.path().to_string_lossy().into_owned())
        .filter(|p| p.contains("-bug-") && p.ends_with(".toml"))
        .collect();
    paths.sort();
    assert!(paths.len() >= 50, "only {} bug scenarios", paths.len());
    let passing: Vec<String> = paths
        .iter()
        .filter_map(|path| {
            let scenario = testing::load(path);
            let report = testing::run(&scenario, scenario.seed);
            (report.verdict == Verdict::Pass).then(|| format!("{path} (seed {})", scenario.seed))
        })
        .collect();
    assert!(
        passing.is_empty(),
        "these bug scenarios pass at their own seed, so `distlab run` shows nothing: \
         {passing:?}; set each file's `seed` to one that fails (`distlab sweep FILE`)"
    );
}
