//! Lab 02 (broadcast): the reference and the solution earn full marks,
//! each bug switch loses the parts it breaks (A for the broadcast bugs, C
//! for the gossip one), a correct but chatty node keeps part A and loses
//! part B, a node that waits for its timer to push loses part B's latency,
//! the skeleton (the solution cut down) scores zero without crashing the
//! grader, each part passes with only its own node written, grading is
//! deterministic, and the cheat catalogue (`tests/labs/broadcast/cheats.rs`)
//! loses. Every node here implements the protocols' traits
//! (`BroadcastLabNode`, `GossipLabNode`), as the student's do.

#[path = "broadcast/cheats.rs"]
mod cheat_nodes;
#[path = "../../labs/02-broadcast/src/lib.rs"]
mod skeleton;
mod solution;

use crate::support::labs::{cheats, cut, grading};
use distlab::check::history::Value;
use distlab::labs::broadcast::{
    self, BroadcastLabNode, BroadcastSetup, BroadcastTypes, Gossip, LAB,
};
use distlab::labs::grade::{grade, Scoreboard};
use distlab::labs::repo_root;
use distlab::protocols::broadcast::{Broadcast, Msg, Timer};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use std::collections::{BTreeMap, BTreeSet};

/// The reference's gossip node with the broadcast node `S`.
struct WithBroadcast<S>(std::marker::PhantomData<S>);

impl<S: BroadcastLabNode> BroadcastTypes for WithBroadcast<S> {
    type Broadcast = S;
    type Gossip = Gossip;
}

fn grade_node<S: BroadcastLabNode>(part: Option<&str>) -> Scoreboard {
    grade_types::<WithBroadcast<S>>(part)
}

fn grade_types<T: BroadcastTypes>(part: Option<&str>) -> Scoreboard {
    let options = grading::options(part, 2);
    grade(&LAB, &broadcast::build::<T>, &repo_root(), &options, &|| {}).expect("grade")
}

/// One line per part, with the first failure: for assertion messages.
fn describe(board: &Scoreboard) -> String {
    let mut lines = Vec::new();
    for part in &board.parts {
        let mut line = format!("{} {}/{}", part.id, part.earned(), part.possible());
        for case in part.cases.iter().filter(|c| !c.ok()) {
            let first = case.first_failure.as_ref();
            line += &format!(
                "\n  {} seed {:?}: {:?} {:?}",
                case.scenario,
                first.map(|f| f.seed),
                first.map(|f| &f.reasons),
                case.error
            );
            if let Some(report) = first.and_then(|f| f.report.as_ref()) {
                line += &format!(" metrics {:?}", report.metrics);
            }
        }
        lines.push(line);
    }
    lines.join("\n")
}

#[test]
fn the_reference_earns_full_marks() {
    grading::reference_gets_full_marks(&LAB);
}

#[test]
fn the_solution_earns_full_marks() {
    grading::gets_full_marks(&LAB, &broadcast::build::<solution::Nodes>);
}

#[test]
fn every_bug_switch_loses_points_on_the_parts_it_breaks() {
    assert_eq!(LAB.bugs.len(), 3);
    grading::every_bug_loses_the_parts_it_breaks(&LAB);
}

#[test]
fn the_skeleton_is_the_solution_cut_down() {
    cut::assert_cut(
        "tests/labs/broadcast/solution.rs",
        "labs/02-broadcast/src/lib.rs",
        "02",
    );
}

#[test]
fn the_skeleton_scores_zero_without_crashing_the_grader() {
    let board = grade_types::<skeleton::Nodes>(None);
    assert_eq!(board.earned(), 0, "{}", describe(&board));
    assert_eq!(board.possible(), LAB.points());
    for part in &board.parts {
        for case in &part.cases {
            let first = case.first_failure.as_ref().expect("a failing seed");
            assert_eq!(first.seed, case.seeds.0, "the very first seed fails");
            assert_eq!(first.reasons[0].0, "panic", "{:?}", first.reasons);
            let why = &first.reasons[0].1;
            assert!(
                why.contains("not yet implemented: lab 02, part")
                    && why.contains("02-broadcast/src/lib.rs:"),
                "{:?}",
                first.reasons
            );
        }
    }
}

#[test]
fn grading_is_deterministic() {
    grading::grading_is_independent_of_jobs(&LAB, "no-retransmit", "A");
}

/// Correct but chatty: every value goes to every node, and every timer tick
/// resends the whole set to every node (acknowledgements are ignored).
#[derive(Clone, Debug)]
struct Chatty {
    nodes: u32,
    id: NodeId,
    retry: SimTime,
    values: BTreeSet<i64>,
}

impl Chatty {
    fn everyone(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.nodes).map(NodeId).filter(move |&n| n != self.id)
    }

    fn add(&mut self, ctx: &mut Ctx<Self>, value: i64) {
        if self.values.insert(value) {
            ctx.storage().put(&format!("value/{value}"), &true);
            ctx.storage().sync();
            for peer in self.everyone().collect::<Vec<_>>() {
                ctx.send(peer, Msg::Gossip(vec![value]));
            }
        }
    }
}

impl BroadcastLabNode for Chatty {
    fn new(setup: &BroadcastSetup) -> Self {
        Chatty {
            nodes: setup.nodes,
            id: setup.id,
            retry: setup.retry,
            values: BTreeSet::new(),
        }
    }
    fn values(&self) -> &BTreeSet<i64> {
        &self.values
    }
}

impl Node for Chatty {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let keys = ctx.storage().keys();
        let stored = keys
            .iter()
            .filter_map(|k| k.strip_prefix("value/")?.parse::<i64>().ok());
        self.values.extend(stored);
        ctx.set_timer(self.retry, Timer::Retransmit);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, _from: NodeId, msg: Msg) {
        if let Msg::Gossip(values) = msg {
            for v in values {
                self.add(ctx, v);
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: Timer) {
        if !self.values.is_empty() {
            let all: Vec<i64> = self.values.iter().copied().collect();
            for peer in self.everyone().collect::<Vec<_>>() {
                ctx.send(peer, Msg::Gossip(all.clone()));
            }
        }
        ctx.set_timer(self.retry, Timer::Retransmit);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match (request.op.f.as_str(), &request.op.value) {
            ("broadcast", Value::Int(v)) => {
                self.add(ctx, *v);
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
            _ => {
                let values = self.values.iter().map(|&v| Value::Int(v)).collect();
                ctx.reply(&request, Reply::Ok(Value::List(values)));
            }
        }
    }
}

/// Frugal but slow: floods along the topology with acknowledgements like
/// the reference, but pushes new values only when the retry timer fires.
#[derive(Clone, Debug)]
struct Lazy {
    neighbours: Vec<NodeId>,
    retry: SimTime,
    values: BTreeSet<i64>,
    unacked: BTreeMap<NodeId, BTreeSet<i64>>,
}

impl Lazy {
    fn add(&mut self, ctx: &mut Ctx<Self>, value: i64, from: Option<NodeId>) {
        if self.values.insert(value) {
            ctx.storage().put(&format!("value/{value}"), &true);
            ctx.storage().sync();
            for &peer in &self.neighbours {
                if Some(peer) != from {
                    self.unacked.entry(peer).or_default().insert(value);
                }
            }
        }
    }
}

impl BroadcastLabNode for Lazy {
    fn new(setup: &BroadcastSetup) -> Self {
        Lazy {
            neighbours: setup.neighbours.clone(),
            retry: setup.retry,
            values: BTreeSet::new(),
            unacked: BTreeMap::new(),
        }
    }
    fn values(&self) -> &BTreeSet<i64> {
        &self.values
    }
}

impl Node for Lazy {
    type Msg = Msg;
    type Timer = Timer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let keys = ctx.storage().keys();
        let stored = keys
            .iter()
            .filter_map(|k| k.strip_prefix("value/")?.parse::<i64>().ok());
        self.values.extend(stored);
        for &peer in &self.neighbours {
            self.unacked.insert(peer, self.values.clone());
        }
        ctx.set_timer(self.retry, Timer::Retransmit);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: Msg) {
        match msg {
            Msg::Gossip(values) => {
                for &v in &values {
                    self.add(ctx, v, Some(from));
                }
                ctx.send(from, Msg::Ack(values));
            }
            Msg::Ack(values) => {
                if let Some(pending) = self.unacked.get_mut(&from) {
                    for v in values {
                        pending.remove(&v);
                    }
                }
            }
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: Timer) {
        for (&peer, pending) in &self.unacked {
            if !pending.is_empty() {
                ctx.send(peer, Msg::Gossip(pending.iter().copied().collect()));
            }
        }
        ctx.set_timer(self.retry, Timer::Retransmit);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match (request.op.f.as_str(), &request.op.value) {
            ("broadcast", Value::Int(v)) => {
                self.add(ctx, *v, None);
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
            _ => {
                let values = self.values.iter().map(|&v| Value::Int(v)).collect();
                ctx.reply(&request, Reply::Ok(Value::List(values)));
            }
        }
    }
}

#[test]
fn a_correct_but_chatty_node_keeps_part_a_and_loses_part_b() {
    let board = grade_node::<Chatty>(None);
    assert_eq!(
        board.part("C").map(|c| c.earned()),
        Some(20),
        "{}",
        describe(&board)
    );
    println!("chatty:\n{}", describe(&board));
    let (a, b) = (board.part("A").expect("A"), board.part("B").expect("B"));
    assert_eq!(a.earned(), a.possible(), "{}", describe(&board));
    assert_eq!(b.earned(), 0, "{}", describe(&board));
    for case in &b.cases {
        let first = case.first_failure.as_ref().expect("fails");
        assert!(
            first
                .reasons
                .iter()
                .any(|(check, _)| check == "messages-per-broadcast"),
            "{}",
            describe(&board)
        );
    }
}

#[test]
fn a_node_that_waits_for_its_timer_to_push_loses_part_b_on_latency() {
    let board = grade_node::<Lazy>(Some("B"));
    println!("lazy:\n{}", describe(&board));
    let b = board.part("B").expect("B");
    assert!(b.earned() < b.possible(), "{}", describe(&board));
    let case = b.first_failure().expect("a failing case");
    let first = case.first_failure.as_ref().expect("fails");
    assert!(
        first
            .reasons
            .iter()
            .any(|(check, _)| check.starts_with("delivery-latency")),
        "{}",
        describe(&board)
    );
}

#[test]
fn the_reference_broadcast_node_is_the_one_graded() {
    // The reference's types, named explicitly, grade like `LAB.reference`.
    let board = grade_node::<Broadcast>(Some("B"));
    assert_eq!(board.earned(), board.possible(), "{}", describe(&board));
}

#[test]
fn the_cheat_catalogue_loses() {
    use cheats::Cheat;
    cheats::assert_cheats_lose(
        &LAB,
        &[
            Cheat {
                name: "does nothing",
                build: &broadcast::build::<cheat_nodes::Idle>,
                real_parts: &[],
            },
            Cheat {
                name: "acknowledges every value, keeps nothing",
                build: &broadcast::build::<cheat_nodes::AcksOnly>,
                real_parts: &[],
            },
            Cheat {
                name: "values in a thread_local shared by every node, no messages",
                build: &broadcast::build::<cheat_nodes::Global>,
                real_parts: &[],
            },
            Cheat {
                name: "floods and gossips honestly, durable values in a thread_local",
                build: &broadcast::build::<cheat_nodes::DiskInThreadLocal>,
                real_parts: &[],
            },
            Cheat {
                name: "the same, the thread_local wiped at boot (nothing leaks between runs)",
                build: &broadcast::build::<cheat_nodes::DiskResetAtBoot>,
                real_parts: &[],
            },
        ],
    );
}

#[test]
fn the_plausible_shortcuts_lose_their_parts() {
    use cheats::Shortcut;
    cheats::assert_shortcuts_lose(
        &LAB,
        &[Shortcut {
            name: "values only in memory (never stored): a restart forgets them",
            build: &broadcast::build::<cheat_nodes::MemoryOnly>,
            must_lose: &["A", "B", "C"],
        }],
    );
}

/// The solution's broadcast node with the skeleton's gossip node, and the
/// other way round.
struct OnlyFlood;
impl BroadcastTypes for OnlyFlood {
    type Broadcast = solution::Flood;
    type Gossip = skeleton::Gossiper;
}
struct OnlyGossip;
impl BroadcastTypes for OnlyGossip {
    type Broadcast = skeleton::Flood;
    type Gossip = solution::Gossiper;
}

#[test]
fn each_part_passes_with_only_its_own_node_written() {
    // Parts in order: parts A and B run only the broadcast node, so the
    // gossip node's todo!()s (part C) never fail them, and part C runs only
    // the gossip node.
    let board = grade_types::<OnlyFlood>(None);
    for (id, points) in [("A", 50), ("B", 30), ("C", 0)] {
        let part = board.part(id).expect("graded");
        assert_eq!(part.earned(), points, "{}", describe(&board));
    }
    let board = grade_types::<OnlyGossip>(None);
    for (id, points) in [("A", 0), ("B", 0), ("C", 20)] {
        let part = board.part(id).expect("graded");
        assert_eq!(part.earned(), points, "{}", describe(&board));
    }
}
