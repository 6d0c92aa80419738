//! Unit tests for the whole parse: defaults, overrides, positions.

use super::*;

const MINIMAL: &str = r#"
name = "min"
description = "Smallest valid scenario."
protocol = "echo"
nodes = 3
duration = "10s"
"#;

fn parse_ok(text: &str) -> Scenario {
    match parse("t.toml", text, &Overrides::default()) {
        Ok(scenario) => scenario,
        Err(e) => panic!("expected a valid scenario, got:\n{e}"),
    }
}

fn parse_err(text: &str) -> ScenarioError {
    parse("t.toml", text, &Overrides::default()).expect_err("expected an error")
}

#[test]
fn minimal_scenario_gets_every_default() {
    let s = parse_ok(MINIMAL);
    assert_eq!(s.name, "min");
    assert_eq!(s.protocol.get_ref(), "echo");
    assert_eq!((s.nodes, s.seed), (3, 0));
    assert_eq!(s.duration, SimTime::from_secs(10));
    assert_eq!(s.settle, SimTime::from_secs(5));
    assert_eq!(s.network, NetworkSpec::default());
    assert_eq!(s.clocks, ClockSpec::default());
    assert!(s.storage.lose_unsynced);
    assert!(s.protocol_params.is_empty());
    assert_eq!(
        (s.workload.is_none(), s.faults.len(), s.nemesis.is_none()),
        (true, 0, true)
    );
    assert_eq!(s.check, CheckSpec::default());
}

#[test]
fn protocol_table_holds_name_and_parameters() {
    let text = MINIMAL.replace("protocol = \"echo\"\n", "")
        + "[protocol]\nname = \"raft\"\nelection_timeout = { min = \"150ms\", max = \"300ms\" }\n";
    let s = parse_ok(&text);
    assert_eq!(s.protocol.get_ref(), "raft");
    let mut reader = s.protocol_params.reader();
    let ms = SimTime::from_millis;
    let range = reader.duration_range("election_timeout", ms(1), ms(2));
    assert_eq!(range, Ok((ms(150), ms(300))));
    assert_eq!(reader.finish(), Ok(()));
}

#[test]
fn unknown_protocol_parameter_names_the_protocol() {
    let text = format!("{MINIMAL}[protocol]\nname = \"raft\"\nfoo = 1\n")
        .replace("protocol = \"echo\"\n", "");
    let s = parse_ok(&text);
    let err = s
        .protocol_params
        .reader()
        .finish()
        .expect_err("foo is unknown");
    assert_eq!(
        err.headline(),
        "t.toml:8:1: unknown key `foo` in [protocol] for protocol `raft`; expected one of: name"
    );
}

#[test]
fn overrides_replace_file_values() {
    let overrides = Overrides {
        seed: Some(42),
        nodes: Some(7),
        duration: Some(SimTime::from_secs(3)),
    };
    let s = parse("t.toml", MINIMAL, &overrides).expect("valid");
    assert_eq!(
        (s.seed, s.nodes, s.duration),
        (42, 7, SimTime::from_secs(3))
    );
}

#[test]
fn nodes_override_is_checked_before_node_indices() {
    let text = format!("{MINIMAL}[[faults]]\nat = \"1s\"\ncrash = 2\n");
    parse_ok(&text);
    let overrides = Overrides {
        nodes: Some(2),
        ..Overrides::default()
    };
    let err = parse("t.toml", &text, &overrides).expect_err("node 2 is gone");
    assert_eq!(
        err.headline(),
        "t.toml:9:9: node 2 does not exist: there are 2 nodes, numbered 0 to 1 (--nodes 2)"
    );
}

#[test]
fn invalid_overrides_are_errors() {
    let overrides = Overrides {
        nodes: Some(0),
        ..Overrides::default()
    };
    let err = parse("t.toml", MINIMAL, &overrides).expect_err("zero nodes");
    assert_eq!(
        err.to_string(),
        "--nodes must be between 1 and 16384, got 0"
    );
}

#[test]
fn faults_are_sorted_by_time_keeping_file_order_for_ties() {
    let text = format!(
        "{MINIMAL}[[faults]]\nat = \"5s\"\nheal = true\n[[faults]]\nat = \"1s\"\ncrash = \"leader\"\n\
         [[faults]]\nat = \"5s\"\nrestart = \"all\"\n"
    );
    let s = parse_ok(&text);
    let actions: Vec<_> = s
        .faults
        .iter()
        .map(|f| (f.at.as_millis(), f.action.clone()))
        .collect();
    assert_eq!(actions[0].0, 1000);
    assert!(
        matches!(&actions[0].1, FaultAction::Crash(Target::Role(r)) if r.get_ref() == "leader")
    );
    assert_eq!(actions[1], (5000, FaultAction::Heal));
    assert_eq!(actions[2], (5000, FaultAction::RestartAll));
}

#[test]
fn role_targets_keep_their_span() {
    let text = format!("{MINIMAL}[[faults]]\nat = \"1s\"\nisolate = \"leadr\"\n");
    let s = parse_ok(&text);
    let FaultAction::Isolate(Target::Role(role)) = &s.faults[0].action else {
        panic!("role expected");
    };
    let err = ScenarioError::at(
        &s.source,
        role.span(),
        "unknown role \"leadr\" for protocol `echo`",
    );
    assert_eq!(
        err.headline(),
        "t.toml:9:11: unknown role \"leadr\" for protocol `echo`"
    );
}

#[test]
fn missing_required_key_says_what_was_expected() {
    let err = parse_err(&MINIMAL.replace("nodes = 3\n", ""));
    assert_eq!(
        err.headline(),
        "t.toml:1:1: missing `nodes` at the top level; expected an integer from 1 to 16384"
    );
}

#[test]
fn errors_render_the_line_and_a_caret() {
    let err = parse_err(&format!("{MINIMAL}[network]\nloss = 1.5\n"));
    assert_eq!(
        err.to_string(),
        "t.toml:8:8: loss must be between 0 and 1, got 1.5\n  |\n8 | loss = 1.5\n  |        ^^^"
    );
}

#[test]
fn load_reports_a_missing_file() {
    let err = load(Path::new("no/such/file.toml"), &Overrides::default()).expect_err("missing");
    assert_eq!(
        err.to_string(),
        "cannot read no/such/file.toml: No such file or directory"
    );
}
