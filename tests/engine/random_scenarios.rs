//! proptest: randomly generated scenarios (every fault kind, every network
//! setting, nemesis, skewed clocks, service times) never panic and always replay identically.

use distlab::scenario::{parse, Overrides};
use distlab::testing;
use proptest::prelude::*;

fn latency() -> impl Strategy<Value = String> {
    prop_oneof![
        (0u64..20).prop_map(|v| format!("{{ kind = \"constant\", value = \"{v}ms\" }}")),
        (0u64..5, 5u64..30).prop_map(|(a, b)| format!(
            "{{ kind = \"uniform\", min = \"{a}ms\", max = \"{b}ms\" }}"
        )),
        (1u64..20).prop_map(|m| format!("{{ kind = \"exponential\", mean = \"{m}ms\" }}")),
        (1u64..20, 1u32..15).prop_map(|(m, s)| format!(
            "{{ kind = \"lognormal\", median = \"{m}ms\", sigma = {} }}",
            f64::from(s) / 10.0
        )),
    ]
}

fn fault(nodes: u32) -> impl Strategy<Value = String> {
    let node = 0..nodes;
    let action = prop_oneof![
        prop::sample::select(vec![
            "halves",
            "majorities-ring",
            "bridge",
            "isolate-one",
            "random"
        ])
        .prop_map(|s| format!("partition = \"{s}\"")),
        node.clone().prop_map(|n| format!("partition = [[{n}]]")),
        node.clone().prop_map(|n| format!("isolate = {n}")),
        Just("isolate = \"random\"".to_string()),
        (node.clone(), 1..nodes.max(2)).prop_map(move |(a, step)| {
            let b = (a + step) % nodes;
            if a == b {
                "heal = true".to_string() // one node: nothing to cut
            } else {
                format!("cut = {{ from = {a}, to = {b} }}")
            }
        }),
        Just("heal = true".to_string()),
        node.clone().prop_map(|n| format!("crash = {n}")),
        Just("crash = \"random\"".to_string()),
        node.clone().prop_map(|n| format!("restart = {n}")),
        Just("restart = \"all\"".to_string()),
        (node.clone(), -3000i64..3000)
            .prop_map(|(n, ms)| format!("clock_jump = {{ node = {n}, by = \"{ms}ms\" }}")),
        node.clone()
            .prop_map(|n| format!("slow = {{ node = {n}, factor = 5, for = \"300ms\" }}")),
        node.prop_map(|n| format!(
            "clock_strobe = {{ node = {n}, delta = \"50ms\", period = \"20ms\", for = \"200ms\" }}"
        )),
        (0u32..=10).prop_map(|p| format!("loss = {}", f64::from(p) / 10.0)),
        (0u32..=5).prop_map(|p| format!("duplicate = {}", f64::from(p) / 10.0)),
    ];
    (0u64..1900, action).prop_map(|(at, action)| format!("[[faults]]\nat = \"{at}ms\"\n{action}\n"))
}

fn scenario() -> impl Strategy<Value = String> {
    (1u32..7).prop_flat_map(|nodes| {
        (
            Just(nodes),
            prop::sample::select(vec!["line", "ring", "grid", "tree", "total"]),
            latency(),
            (0u32..=5, 0u32..=3, any::<bool>()),
            (0u32..4, 1u64..60),
            prop::collection::vec(fault(nodes), 0..6),
            prop::option::of(prop::sample::subsequence(vec!["partition", "crash", "clock-jump", "clock-strobe", "loss"], 1..4)),
            (0u64..50, 0u32..500, any::<bool>()),
            prop::option::of((latency(), 1u32..4)),
        )
    })
    .prop_map(|(nodes, topology, latency, (loss, dup, fifo), (clients, rate), faults, nemesis, (offset, drift, lose), service)| {
        let mut text = format!(
            "name = \"random\"\ndescription = \"generated\"\nnodes = {nodes}\nduration = \"2s\"\nsettle = \"1s\"\n\n\
             [protocol]\nname = \"broadcast\"\ntopology = \"{topology}\"\n\n\
             [network]\nlatency = {latency}\nloss = {}\nduplicate = {}\nfifo = {fifo}\n\n\
             [clocks]\noffset = \"{offset}ms\"\ndrift_ppm = {drift}\n\n[storage]\nlose_unsynced = {lose}\n\n",
            f64::from(loss) / 10.0,
            f64::from(dup) / 10.0,
        );
        if let Some((time, workers)) = service {
            text += &format!("[service]\ntime = {time}\nworkers = {workers}\n\n");
        }
        if clients > 0 {
            text += &format!("[workload]\nkind = \"broadcast\"\nclients = {clients}\nrate = \"{rate}/s\"\ntimeout = \"300ms\"\n\n");
        }
        for f in faults {
            text += &f;
            text += "\n";
        }
        if let Some(kinds) = nemesis {
            let kinds: Vec<String> = kinds.iter().map(|k| format!("\"{k}\"")).collect();
            text += &format!("[nemesis]\nkinds = [{}]\nevery = \"300ms\"\nheal_after = \"200ms\"\n", kinds.join(", "));
        }
        text
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn random_scenarios_run_without_panics_and_deterministically(text in scenario(), seed in 0u64..1000) {
        let scenario = parse("generated.toml", &text, &Overrides::default())
            .unwrap_or_else(|e| panic!("the generator wrote an invalid scenario: {e}\n{text}"));
        let first = testing::run(&scenario, seed);
        let second = testing::run(&scenario, seed);
        prop_assert_eq!(&first, &second);
        prop_assert!(first.steps > 0);
    }
}
