//! Size flags are bounded before any work: a clear error and exit 3, never
//! a "capacity overflow" panic or an allocation abort.

#[test]
fn export_refuses_more_seeds_than_it_can_hold() {
    super::bad(
        "export-seeds-too-many",
        &[
            "export",
            "scenarios/broadcast-basic.toml",
            "--format",
            "shiviz",
            "--seeds",
            "0..18446744073709551615",
        ],
    );
}

#[test]
fn bench_refuses_nodes_beyond_the_scenario_limit() {
    super::bad(
        "bench-nodes-too-many",
        &["bench", "--nodes", "4294967295", "--messages", "1"],
    );
    super::bad("bench-nodes-too-few", &["bench", "--nodes", "1"]);
}

#[test]
fn bench_refuses_more_messages_than_its_full_trace_can_keep() {
    super::bad(
        "bench-messages-too-many",
        &["bench", "--messages", "18446744073709551615"],
    );
}

#[test]
fn run_refuses_nodes_beyond_the_scenario_limit() {
    super::bad(
        "run-nodes-too-many",
        &[
            "run",
            "scenarios/broadcast-basic.toml",
            "--nodes",
            "4294967295",
        ],
    );
}

#[test]
fn the_largest_allowed_sizes_run() {
    let out = crate::support::distlab(&["bench", "--nodes", "256", "--messages", "1000"]);
    assert_eq!(
        crate::support::code(&out),
        0,
        "{}",
        crate::support::stderr(&out)
    );
    let out = crate::support::distlab(&[
        "export",
        "scenarios/broadcast-basic.toml",
        "--format",
        "shiviz",
        "--seeds",
        "0..2",
        "--duration",
        "200ms",
    ]);
    assert_eq!(crate::support::code(&out), 0);
}

#[test]
fn sweep_params_and_lab_flags_are_bounded() {
    super::bad(
        "sweep-params-seeds-too-many",
        &[
            "sweep-params",
            "scenarios/gossip-rumor.toml",
            "--param",
            "fanout=1,2",
            "--seeds",
            "0..18446744073709551615",
        ],
    );
    super::bad(
        "lab-more-seeds-too-many",
        &["lab", "check", "05", "--more-seeds", "18446744073709551615"],
    );
    super::bad(
        "lab-jobs-too-many",
        &["lab", "check", "05", "--jobs", "1000000"],
    );
    super::bad("lab-jobs-zero", &["lab", "check", "05", "--jobs", "0"]);
}

#[test]
fn pictures_refuse_a_big_cluster_and_point_to_jsonl() {
    let err = super::bad(
        "export-svg-too-many-nodes",
        &[
            "export",
            "scenarios/swim-10k.toml",
            "--format",
            "svg",
            "--steps",
            "1..101",
        ],
    );
    assert!(err.contains("--format jsonl streams any size"), "{err}");
}
