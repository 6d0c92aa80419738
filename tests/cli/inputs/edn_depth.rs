//! Deep EDN nesting is an error with its line, never a stack overflow.

use distlab::check::history_io::{self, Format};

fn parse_error(text: &str) -> String {
    match history_io::parse(text, Format::Edn) {
        Ok(_) => panic!("a nested line was accepted"),
        Err(e) => format!("line {}: {}", e.line, e.message),
    }
}

#[test]
fn sixty_five_thousand_brackets_are_an_error() {
    let line = "[".repeat(65_536);
    let text = format!("{{:process 0, :type :invoke, :f :read, :value nil}}\n{line}\n");
    assert_eq!(
        parse_error(&text),
        "line 2: nesting deeper than 128 levels at column 129"
    );
}

#[test]
fn thirty_thousand_nested_maps_are_an_error() {
    let line = "{:a ".repeat(30_000);
    assert_eq!(
        parse_error(&line),
        "line 1: nesting deeper than 128 levels at column 513"
    );
}

#[test]
fn nesting_up_to_the_limit_is_read() {
    // A value 127 vectors deep inside the event map: 128 levels in all.
    let value = format!("{}1{}", "[".repeat(127), "]".repeat(127));
    let text = format!("{{:process 0, :type :invoke, :f :write, :value {value}}}\n");
    let parsed = history_io::parse(&text, Format::Edn).expect("128 levels are allowed");
    assert_eq!(parsed.history.events.len(), 1);
    let deeper = text.replacen("[", "[[", 1).replacen("]", "]]", 1);
    assert!(parse_error(&deeper).contains("nesting deeper than 128 levels"));
}

#[test]
fn check_history_exits_3_on_deep_nesting() {
    let dir = super::temp_dir("edn-depth");
    let path = dir.join("deep.edn");
    std::fs::write(&path, "[".repeat(65_536)).unwrap();
    let path = path.to_string_lossy().into_owned();
    let out = crate::support::distlab(&["check-history", &path, "--format", "edn"]);
    let err = crate::support::stderr(&out);
    assert_eq!(crate::support::code(&out), 3, "{err}");
    assert!(
        err.contains(":1: nesting deeper than 128 levels at column 129"),
        "{err}"
    );
}
