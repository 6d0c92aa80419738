//! Lab 02 (broadcast): the reference earns full marks, each bug switch
//! loses the parts it breaks (A for the broadcast bugs, C for the gossip
//! one), a correct but chatty node keeps part A and loses part B, a node
//! that waits for its timer to push loses part B's latency, a gossip node
//! written from the README's rules earns part C, the skeleton scores zero
//! without crashing the grader, and grading is deterministic.

#[path = "labs_broadcast/cheats.rs"]
mod cheat_nodes;
#[path = "labs_common/cheats.rs"]
mod cheats;
#[path = "../labs/02-broadcast/src/lib.rs"]
mod skeleton;

use distlab::check::history::Value;
use distlab::labs::broadcast::{
    self, BroadcastSetup, BroadcastTypes, GossipSetup, LabBroadcast, LabGossip,
};
use distlab::labs::grade::{grade, grade_reference, GradeOptions, Scoreboard};
use distlab::labs::repo_root;
use distlab::protocols::broadcast::{Broadcast, Msg, Timer};
use distlab::protocols::gossip::{Gossip, Msg as GossipMsg, Timer as GossipTimer};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use std::collections::{BTreeMap, BTreeSet};

fn options(part: Option<&str>, jobs: usize) -> GradeOptions {
    GradeOptions {
        part: part.map(str::to_string),
        extra_seeds: 0,
        jobs,
    }
}

/// The reference's gossip node with the broadcast node `S`.
struct WithBroadcast<S>(std::marker::PhantomData<S>);

impl<S: LabBroadcast> BroadcastTypes for WithBroadcast<S> {
    type Broadcast = S;
    type Gossip = Gossip;
}

fn grade_node<S: LabBroadcast>(part: Option<&str>) -> Scoreboard {
    grade_types::<WithBroadcast<S>>(part)
}

fn grade_types<T: BroadcastTypes>(part: Option<&str>) -> Scoreboard {
    grade(
        &broadcast::LAB,
        &broadcast::build::<T>,
        &repo_root(),
        &options(part, 2),
        &|| {},
    )
    .expect("grade")
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
    let board = grade_reference(
        &broadcast::LAB,
        None,
        &repo_root(),
        &options(None, 2),
        &|| {},
    )
    .expect("grade");
    assert_eq!(
        board.possible(),
        broadcast::LAB.points(),
        "{}",
        describe(&board)
    );
    assert_eq!(board.earned(), board.possible(), "{}", describe(&board));
}

#[test]
fn every_bug_switch_loses_points_on_the_parts_it_breaks() {
    assert_eq!(broadcast::LAB.bugs.len(), 3);
    for bug in broadcast::LAB.bugs {
        for &part in bug.breaks {
            let board = grade_reference(
                &broadcast::LAB,
                Some(bug),
                &repo_root(),
                &options(Some(part), 2),
                &|| {},
            )
            .expect("grade");
            let result = board.part(part).expect("part graded");
            println!("{} part {part}:\n{}", bug.name, describe(&board));
            assert!(
                result.earned() < result.possible(),
                "bug {} kept every point of part {part}",
                bug.name
            );
        }
    }
}

#[test]
fn the_skeleton_scores_zero_without_crashing_the_grader() {
    let board = grade_types::<skeleton::Nodes>(None);
    assert_eq!(board.earned(), 0, "{}", describe(&board));
    assert_eq!(board.possible(), broadcast::LAB.points());
    for part in &board.parts {
        for case in &part.cases {
            let first = case.first_failure.as_ref().expect("a failing seed");
            assert_eq!(first.seed, case.seeds.0, "the very first seed fails");
            assert_eq!(first.reasons[0].0, "panic", "{:?}", first.reasons);
            assert!(
                first.reasons[0].1.contains("not yet implemented"),
                "{:?}",
                first.reasons
            );
        }
    }
}

#[test]
fn grading_is_deterministic() {
    let bug = &broadcast::LAB.bugs[0]; // no-retransmit
    let run = |jobs| {
        let board = grade_reference(
            &broadcast::LAB,
            Some(bug),
            &repo_root(),
            &options(Some("A"), jobs),
            &|| {},
        )
        .expect("grade");
        let firsts: Vec<_> = board.parts[0]
            .cases
            .iter()
            .map(|c| (c.passed, c.first_failure.as_ref().map(|f| f.seed)))
            .collect();
        (board.earned(), firsts)
    };
    let once = run(1);
    assert_eq!(once, run(1));
    assert_eq!(once, run(2));
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

impl LabBroadcast for Chatty {
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

impl LabBroadcast for Lazy {
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

/// Part C written from the README's four rules (not the reference's code:
/// its first round is at `interval`, not at a random offset).
#[derive(Clone, Debug)]
struct ReadmeGossiper {
    neighbours: Vec<NodeId>,
    fanout: u32,
    interval: SimTime,
    values: BTreeSet<i64>,
}

impl ReadmeGossiper {
    fn learn(&mut self, ctx: &mut Ctx<Self>, value: i64) {
        if self.values.insert(value) {
            ctx.storage().put(&format!("value/{value}"), &true);
            ctx.storage().sync();
        }
    }
}

impl LabGossip for ReadmeGossiper {
    fn new(setup: &GossipSetup) -> Self {
        ReadmeGossiper {
            neighbours: setup.neighbours.clone(),
            fanout: setup.fanout,
            interval: setup.interval,
            values: BTreeSet::new(),
        }
    }
    fn values(&self) -> Vec<i64> {
        self.values.iter().copied().collect()
    }
}

impl Node for ReadmeGossiper {
    type Msg = GossipMsg;
    type Timer = GossipTimer;

    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let keys = ctx.storage().keys();
        let stored = keys
            .iter()
            .filter_map(|k| k.strip_prefix("value/")?.parse::<i64>().ok());
        self.values.extend(stored);
        ctx.set_timer(self.interval, GossipTimer::Round);
    }

    fn on_message(&mut self, ctx: &mut Ctx<Self>, from: NodeId, msg: GossipMsg) {
        match msg {
            GossipMsg::PushPull(values) => {
                let theirs: BTreeSet<i64> = values.iter().copied().collect();
                let missing: Vec<i64> = self.values.difference(&theirs).copied().collect();
                if !missing.is_empty() {
                    ctx.send(from, GossipMsg::Push(missing));
                }
                for v in values {
                    self.learn(ctx, v);
                }
            }
            GossipMsg::Push(values) => {
                for v in values {
                    self.learn(ctx, v);
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: GossipTimer) {
        let mut peers = self.neighbours.clone();
        ctx.rng().shuffle(&mut peers);
        peers.truncate(self.fanout as usize);
        let all: Vec<i64> = self.values.iter().copied().collect();
        for peer in peers {
            ctx.send(peer, GossipMsg::PushPull(all.clone()));
        }
        ctx.set_timer(self.interval, GossipTimer::Round);
    }

    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        match (request.op.f.as_str(), &request.op.value) {
            ("add", Value::Int(v)) => {
                self.learn(ctx, *v);
                ctx.reply(&request, Reply::Ok(Value::Nil));
            }
            _ => {
                let values = self.values.iter().map(|&v| Value::Int(v)).collect();
                ctx.reply(&request, Reply::Ok(Value::List(values)));
            }
        }
    }
}

struct ReadmeTypes;
impl BroadcastTypes for ReadmeTypes {
    type Broadcast = Broadcast;
    type Gossip = ReadmeGossiper;
}

#[test]
fn a_gossip_node_written_from_the_readme_earns_part_c() {
    let board = grade_types::<ReadmeTypes>(Some("C"));
    assert_eq!(board.earned(), board.possible(), "{}", describe(&board));
}

#[test]
fn the_cheat_catalogue_loses() {
    use cheats::Cheat;
    cheats::assert_cheats_lose(
        &broadcast::LAB,
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
        ],
    );
}

/// The reference broadcast node with the skeleton's gossip node.
struct SkeletonGossip;
impl BroadcastTypes for SkeletonGossip {
    type Broadcast = Broadcast;
    type Gossip = skeleton::Gossiper;
}

#[test]
fn part_c_todos_never_fail_parts_a_and_b() {
    // Parts in order: parts A and B run only the broadcast node, so the
    // gossip node's todo!()s (part C) never fail them.
    let board = grade_types::<SkeletonGossip>(None);
    for (id, points) in [("A", 50), ("B", 30)] {
        let part = board.part(id).expect("graded");
        assert_eq!(
            (part.earned(), part.possible()),
            (points, points),
            "{}",
            describe(&board)
        );
    }
    assert_eq!(board.part("C").map(|p| p.earned()), Some(0));
}
