//! `lab.toml`, the file that holds a lab's data: a valid one reads into the
//! lab it describes (paths from the lab folder, named check sets, bug values
//! as TOML), and every mistake is an error naming the file, line and column
//! and what was expected (pinned with snapshots); the README tables it
//! generates.

use distlab::labs::data::{self, readme};

/// A valid lab file: every key, a named check set, a shared scenario.
pub const VALID: &str = r#"id = "90"
title = "test lab"
protocol = "broadcast"
hints = ["first", "second"]

[checks]
delivery = ["acked-values-everywhere", "messages-flow"]

[[parts]]
id = "A"
title = "healthy network"
note = "R1"

[[parts.cases]]
scenario = "../../scenarios/broadcast-basic.toml"
seeds = "0..10"
checks = "delivery"
points = 10
note = "a line"

[[parts]]
id = "B"
title = "lossy network"

[[parts.cases]]
scenario = "scenarios/../../../scenarios/broadcast-lossy.toml"
seeds = "5..15"
checks = ["acked-values-everywhere"]
points = 20

[[bugs]]
name = "no-retransmit"
param = "bugs"
value = ["no-retransmit"]
breaks = ["B"]
rule = "R2: no retransmission"

[[bugs]]
name = "two"
param = "bugs"
value = ["a", "b"]
breaks = ["A", "B"]
"#;

const ORIGIN: &str = "labs/90-test/lab.toml";

fn exists(path: &str) -> bool {
    [
        "scenarios/broadcast-basic.toml",
        "scenarios/broadcast-lossy.toml",
    ]
    .contains(&path)
}

/// Pin `text` as `tests/labs/snapshots/labs__grader__lab_data__<name>.snap`,
/// with the other labs snapshots.
fn snapshot(name: &str, text: &str) {
    insta::with_settings!({snapshot_path => "../snapshots"}, {
        insta::assert_snapshot!(name, text);
    });
}

fn parse(text: &str) -> Result<data::LabData, distlab::scenario::ScenarioError> {
    data::parse(ORIGIN, "90-test", text, &exists)
}

#[test]
fn a_valid_lab_file_reads_into_its_lab() {
    let data = parse(VALID).expect("valid");
    let lab = data.lab;
    assert_eq!((lab.id, lab.slug, lab.title), ("90", "90-test", "test lab"));
    assert_eq!((lab.package, lab.protocol), (None, "broadcast"));
    assert_eq!(lab.hints, ["first", "second"]);
    assert_eq!(lab.points(), 30);
    let a = &lab.parts[0].cases[0];
    assert_eq!(a.scenario, "scenarios/broadcast-basic.toml");
    assert_eq!(a.seeds, (0, 10));
    assert_eq!(a.checks, ["acked-values-everywhere", "messages-flow"]);
    let b = &lab.parts[1].cases[0];
    assert_eq!(b.scenario, "scenarios/broadcast-lossy.toml");
    assert_eq!((b.seeds, b.points), ((5, 15), 20));
    assert_eq!(lab.bugs[0].value, "[\"no-retransmit\"]");
    assert_eq!(lab.bugs[1].value, "[\"a\", \"b\"]");
    assert_eq!(lab.bugs[1].breaks, ["A", "B"]);
    assert!(lab.reference.is_none() && lab.custom.is_none());
    assert_eq!(data.parts[0].cases[0].1.as_deref(), Some("delivery"));
    assert_eq!(data.rules[0].as_deref(), Some("R2: no retransmission"));
}

/// Each mistake: a name, what to replace in [`VALID`], and with what.
const INVALID: &[(&str, &str, &str)] = &[
    ("syntax", "seeds = \"0..10\"", "seeds = "),
    ("unknown-top-key", "protocol = ", "protocols = "),
    ("unknown-case-key", "points = 10", "point = 10"),
    ("missing-title", "title = \"test lab\"\n", ""),
    ("id-not-folder", "id = \"90\"", "id = \"91\""),
    ("points-zero", "points = 10", "points = 0"),
    ("points-not-integer", "points = 10", "points = \"ten\""),
    ("seeds-empty", "seeds = \"5..15\"", "seeds = \"5..5\""),
    ("seeds-not-range", "seeds = \"5..15\"", "seeds = \"5-15\""),
    (
        "scenario-missing",
        "broadcast-basic.toml",
        "broadcast-basics.toml",
    ),
    (
        "scenario-outside",
        "\"../../scenarios/broadcast-basic.toml\"",
        "\"../../../x.toml\"",
    ),
    (
        "scenario-absolute",
        "\"../../scenarios/broadcast-basic.toml\"",
        "\"/etc/x.toml\"",
    ),
    (
        "unknown-check-set",
        "checks = \"delivery\"",
        "checks = \"deliveries\"",
    ),
    (
        "checks-empty",
        "checks = [\"acked-values-everywhere\"]",
        "checks = []",
    ),
    (
        "check-listed-twice",
        "checks = [\"acked-values-everywhere\"]",
        "checks = [\"acked-values-everywhere\", \"acked-values-everywhere\"]",
    ),
    (
        "unused-check-set",
        "checks = \"delivery\"",
        "checks = [\"messages-flow\"]",
    ),
    (
        "breaks-unknown-part",
        "breaks = [\"B\"]",
        "breaks = [\"D\"]",
    ),
    ("duplicate-part", "id = \"B\"", "id = \"A\""),
    (
        "duplicate-bug",
        "name = \"two\"",
        "name = \"no-retransmit\"",
    ),
    ("bug-without-value", "value = [\"no-retransmit\"]\n", ""),
    (
        "no-cases",
        "[[parts.cases]]\nscenario = \"scenarios/../../../scenarios/broadcast-lossy.toml\"\n\
         seeds = \"5..15\"\nchecks = [\"acked-values-everywhere\"]\npoints = 20\n",
        "cases = []\n",
    ),
    (
        "hints-not-strings",
        "hints = [\"first\", \"second\"]",
        "hints = [\"first\", 2]",
    ),
];

#[test]
fn every_mistake_in_a_lab_file_is_an_error_naming_the_place() {
    for (name, from, to) in INVALID {
        assert!(VALID.contains(from), "{name}: {from:?} is not in VALID");
        let text = VALID.replacen(from, to, 1);
        let error = match parse(&text) {
            Ok(_) => panic!("{name}: no error"),
            Err(e) => e,
        };
        assert_eq!(error.origin, ORIGIN, "{name}");
        assert!(error.line > 0, "{name}: no line: {error}");
        snapshot(&format!("lab-data-{name}"), &error.to_string());
    }
}

#[test]
fn scenario_paths_are_resolved_from_the_lab_folder() {
    let dir = "labs/05-x";
    assert_eq!(
        data::resolve(dir, "scenarios/a.toml").as_deref(),
        Ok("labs/05-x/scenarios/a.toml")
    );
    assert_eq!(
        data::resolve(dir, "../../scenarios/a.toml").as_deref(),
        Ok("scenarios/a.toml")
    );
    assert_eq!(
        data::resolve(dir, "./scenarios//a.toml").as_deref(),
        Ok("labs/05-x/scenarios/a.toml")
    );
    for bad in [
        "../../../a.toml",
        "/a.toml",
        "C:/a.toml",
        "a\\b.toml",
        "a.txt",
    ] {
        assert!(data::resolve(dir, bad).is_err(), "{bad}");
    }
}

#[test]
fn the_readme_tables_come_from_the_lab_file() {
    let data = parse(VALID).expect("valid");
    let tables = readme::tables(&data, false);
    snapshot("lab-data-readme-tables", &tables);
    let readme = format!(
        "# Lab\n\nbefore\n{}\nstale\n{}\nafter\n",
        readme::BEGIN,
        readme::END
    );
    let spliced = readme::splice(&readme, &tables).expect("markers");
    assert!(spliced.contains(&format!("{}\n{tables}{}", readme::BEGIN, readme::END)));
    assert!(spliced.starts_with("# Lab\n\nbefore\n") && spliced.ends_with("\nafter\n"));
    assert!(!spliced.contains("stale"));
    assert!(readme::splice("# no markers", &tables).is_err());
}
