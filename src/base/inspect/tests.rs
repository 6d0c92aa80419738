use super::debug::{parse, Tree, MAX_DEPTH};
use super::*;
use proptest::prelude::*;
use std::collections::{BTreeMap, BTreeSet};

fn atom(s: &str) -> Tree {
    Tree::Atom(s.to_string())
}

fn text(view: &View, width: usize, expanded: bool) -> Vec<String> {
    lines(view, width, expanded)
        .iter()
        .map(Line::text)
        .collect()
}

#[test]
fn parses_structs_tuples_lists_maps_sets_and_strings() {
    assert_eq!(
        parse(
            r#"A { x: 1, s: "a, b: }", t: (1, 'c'), l: [Some(2), None], m: {1: "x"}, e: {}, z: B::C }"#
        ),
        Tree::Struct {
            name: "A".into(),
            fields: vec![
                ("x".into(), atom("1")),
                ("s".into(), atom(r#""a, b: }""#)),
                (
                    "t".into(),
                    Tree::Tuple {
                        name: String::new(),
                        items: vec![atom("1"), atom("'c'")]
                    }
                ),
                (
                    "l".into(),
                    Tree::List(vec![
                        Tree::Tuple {
                            name: "Some".into(),
                            items: vec![atom("2")]
                        },
                        atom("None")
                    ])
                ),
                ("m".into(), Tree::Map(vec![(atom("1"), atom(r#""x""#))])),
                ("e".into(), Tree::Map(Vec::new())),
                ("z".into(), atom("B::C")),
            ]
        }
    );
    assert_eq!(parse("{1, 2}"), Tree::Set(vec![atom("1"), atom("2")]));
    assert_eq!(parse(r#""quote \" inside""#), atom(r#""quote \" inside""#));
    assert_eq!(
        parse("S { a: 1, .. }"),
        Tree::Struct {
            name: "S".into(),
            fields: vec![("a".into(), atom("1"))]
        }
    );
}

#[test]
fn text_that_does_not_parse_comes_back_whole() {
    for bad in [
        "A { x: 1",
        "[1, 2",
        "A { : 1 }",
        "}",
        "\"unterminated",
        "Foo(1))",
        "{1: }",
        "",
        "'",
        "\\",
    ] {
        assert_eq!(parse(bad), atom(bad.trim()), "{bad:?}");
    }
    let deep = "[".repeat(MAX_DEPTH + 5) + &"]".repeat(MAX_DEPTH + 5);
    assert_eq!(parse(&deep), Tree::Atom(deep.clone()));
    let fine = "[".repeat(10) + &"]".repeat(10);
    assert!(matches!(parse(&fine), Tree::List(_)));
}

#[derive(Debug)]
#[allow(dead_code)]
struct Params {
    heartbeat: SimTime,
    prevote: bool,
}

#[derive(Debug)]
#[allow(dead_code)]
struct Node {
    term: u64,
    voted_for: Option<NodeId>,
    leader: Option<NodeId>,
    retry: SimTime,
    votes: BTreeSet<NodeId>,
    client: ClientId,
    params: Params,
}

fn node() -> Node {
    Node {
        term: 3,
        voted_for: Some(NodeId(1)),
        leader: None,
        retry: SimTime::from_millis(200),
        votes: [NodeId(0), NodeId(2)].into(),
        client: ClientId(4),
        params: Params {
            heartbeat: SimTime::from_millis(50),
            prevote: true,
        },
    }
}

#[test]
fn the_default_view_formats_times_ids_options_and_folds_params() {
    let view = View::from_debug(&format!("{:?}", node()));
    assert!(view.from_debug);
    assert_eq!(
        text(&view, 40, false),
        [
            "Node",
            "term       3         voted_for  n1",
            "leader     —         retry      200ms",
            "votes      [n0, n2]  client     c4",
            "▸ parameters (2)  e expands",
        ]
    );
    assert_eq!(
        text(&view, 30, true)[7..],
        ["▾ parameters (2)", "heartbeat  50ms", "prevote    true"]
    );
}

#[test]
fn long_lists_fold_to_their_count_keeping_the_chosen_end() {
    let log = Item::list_last((1..=12u64).map(|i| (i.to_string(), Item::from(i * 10))));
    let view = View::new().section("").field("log", log);
    assert_eq!(
        text(&view, 40, false),
        [
            "log  12 items",
            "  … 8 earlier (e expands)",
            "  9   90",
            "  10  100",
            "  11  110",
            "  12  120",
        ]
    );
    let expanded = text(&view, 40, true);
    assert_eq!(expanded.len(), 1 + 12, "list items are not packed");
    assert_eq!(expanded[1], "  1   10");
    let set = Item::set((0..10u32).map(NodeId));
    let view = View::new().field("peers", set);
    assert_eq!(
        text(&view, 80, false),
        ["peers  [n0, n1, n2, n3, n4, n5, n6, n7, n8, n9]"],
        "a set of short items goes on one line when it fits"
    );
    assert_eq!(
        text(&view, 20, false),
        [
            "peers  10 items",
            "  n0",
            "  n1",
            "  n2",
            "  n3",
            "  … 6 more (e expands)"
        ]
    );
}

#[test]
fn maps_show_their_keys_as_labels_and_fit_on_one_line_when_short() {
    let map: BTreeMap<NodeId, SimTime> = [(NodeId(1), SimTime::from_millis(5))].into();
    let view = View::new().field("acks", Item::debug(&map));
    assert_eq!(text(&view, 40, false), ["acks  {n1: 5ms}"]);
    let narrow = text(&view, 10, false);
    assert_eq!(narrow, ["acks  1 item", "  n1  5ms"]);
}

#[test]
fn a_role_enum_wrapping_a_struct_is_shown_as_the_struct() {
    #[derive(Debug)]
    #[allow(dead_code)]
    enum Role {
        Coordinator(Inner),
    }
    #[derive(Debug)]
    #[allow(dead_code)]
    struct Inner {
        txn: Option<u64>,
    }
    let view = View::from_debug(&format!("{:?}", Role::Coordinator(Inner { txn: None })));
    assert_eq!(text(&view, 40, false), ["Inner", "txn  —"]);
}

#[test]
fn unparsable_debug_shows_as_its_text() {
    let view = View::from_debug("weird { output");
    assert_eq!(text(&view, 40, false), ["weird { output"]);
    assert_eq!(text(&View::note("(crashed)"), 40, false), ["(crashed)"]);
}

/// Arbitrary nested values of the types nodes hold, rendered with `Debug`.
fn debug_value() -> impl Strategy<Value = String> {
    let leaf = prop_oneof![
        any::<u64>().prop_map(|n| format!("{:?}", SimTime(n))),
        any::<u32>().prop_map(|n| format!("{:?}", Some(NodeId(n)))),
        any::<String>().prop_map(|s| format!("{s:?}")),
        any::<char>().prop_map(|c| format!("{c:?}")),
        any::<f64>().prop_map(|f| format!("{f:?}")),
        any::<i64>().prop_map(|n| format!("{n:?}")),
        Just(format!("{:?}", None::<u8>)),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(|v| format!("[{}]", v.join(", "))),
            prop::collection::vec((inner.clone(), inner.clone()), 0..4).prop_map(|v| {
                let body: Vec<String> = v.iter().map(|(k, v)| format!("{k}: {v}")).collect();
                format!("{{{}}}", body.join(", "))
            }),
            prop::collection::vec(inner.clone(), 1..4)
                .prop_map(|v| format!("Variant({})", v.join(", "))),
            prop::collection::vec(inner, 0..4).prop_map(|v| {
                let body: Vec<String> = v
                    .iter()
                    .enumerate()
                    .map(|(i, x)| format!("f{i}: {x}"))
                    .collect();
                format!("S {{ {} }}", body.join(", "))
            }),
        ]
    })
}

proptest! {
    #[test]
    fn the_parser_never_panics_on_any_text(s in any::<String>(), width in 0usize..200) {
        let view = View::from_debug(&s);
        let _ = lines(&view, width, false);
        let _ = lines(&view, width, true);
    }

    #[test]
    fn the_parser_never_panics_on_debug_punctuation(
        s in "[\\[\\](){}:,\"'\\\\. a-z0-9#]{0,60}", width in 0usize..100
    ) {
        let view = View::from_debug(&s);
        let _ = lines(&view, width, true);
    }

    #[test]
    fn real_debug_text_parses_into_structure(value in debug_value()) {
        let tree = parse(&value);
        let structured = value.starts_with(['[', '{', 'V', 'S']);
        if structured {
            prop_assert!(!matches!(tree, Tree::Atom(_)), "{value} did not parse");
        }
        let _ = lines(&View::from_debug(&value), 40, true);
    }
}
