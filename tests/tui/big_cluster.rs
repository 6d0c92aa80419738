//! A 10,000-node cluster in the TUI: the cluster panel summarises (counts
//! by state and the commonest summaries) and lists only the selected,
//! picked (`o`) and busiest nodes; the diagram draws columns for those
//! only. Pinned with insta at two sizes (the trace hash is masked).

use crate::support::tui::{screen, session};
use distlab::tui::{Action, App, PromptKind};

const SIZES: [(u16, u16); 2] = [(120, 40), (80, 24)];

fn steps(app: &mut App, n: u64) {
    for _ in 0..n {
        app.apply(Action::StepForward);
    }
}

fn type_prompt(app: &mut App, kind: PromptKind, text: &str) {
    app.apply(Action::OpenPrompt(kind));
    for c in text.chars() {
        app.apply(Action::PromptInput(c));
    }
    app.apply(Action::PromptSubmit);
}

#[test]
fn swim_10k_is_summarised_and_shows_the_busiest_nodes() {
    let mut app = session("scenarios/swim-10k.toml");
    steps(&mut app, 12_000);
    assert!(app.is_big_cluster());
    for (w, h) in SIZES {
        let text = screen(&app, w, h);
        assert!(text.contains("10000 up, 0 crashed"), "{text}");
        if w >= 120 {
            assert!(text.contains("7/10000 nodes"), "{text}");
        }
        insta::assert_snapshot!(format!("swim_10k_{w}x{h}"), text);
    }
}

#[test]
fn picking_nodes_shows_and_selects_them() {
    let mut app = session("scenarios/gossip-10k.toml");
    steps(&mut app, 12_000);
    type_prompt(&mut app, PromptKind::Pick, "n7 9999 42-43");
    assert_eq!(app.picked_nodes(), &[7, 9999, 42, 43]);
    assert_eq!(app.selected_node(), 7);
    let shown = app.shown_nodes(10);
    for n in [7, 42, 43, 9999] {
        assert!(shown.contains(&n), "{n} not in {shown:?}");
    }
    for (w, h) in SIZES {
        let text = screen(&app, w, h);
        assert!(text.contains("n9999"), "{text}");
        insta::assert_snapshot!(format!("gossip_10k_picked_{w}x{h}"), text);
    }
    // A bad pick says why and keeps the old one.
    type_prompt(&mut app, PromptKind::Pick, "10000");
    assert_eq!(app.picked_nodes(), &[7, 9999, 42, 43]);
    // Empty clears.
    type_prompt(&mut app, PromptKind::Pick, "");
    assert!(app.picked_nodes().is_empty());
}

#[test]
fn a_small_cluster_is_not_summarised() {
    let app = session("scenarios/swim-failure-detection.toml");
    assert!(!app.is_big_cluster());
    assert_eq!(app.shown_nodes(100), (0..8).collect::<Vec<_>>());
}
