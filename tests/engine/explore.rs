//! `explore`: exhaustive search. State counts derived by hand, breadth first
//! equal to depth first, a bug switch found with its shortest path, a
//! reference exhausted clean, counterexamples that replay, bad input.

use crate::support;
use distlab::explore::{self, Budgets, Config, Limit, Report};
use distlab::protocols::pingpong::PingPong;
use distlab::registry::Registry;
use distlab::scenario::engine::BuildOptions;
use distlab::scenario::{load, Overrides};
use distlab::sim::{
    relative_time, Bound, Ctx, DynSim, Invariant, Node, NodeId, Sim, SimBuilder, SimTime, TimerId,
    Verdict,
};
use serde::Serialize;

fn pingpong(nodes: u32) -> Box<dyn DynSim> {
    Box::new(SimBuilder::new(nodes, 0, |_, _| PingPong::default()).build())
}

/// Both strategies, the same counts; returns the breadth-first report.
fn both(make: impl Fn() -> Box<dyn DynSim>, config: &Config) -> Report {
    let bfs = explore::search(make(), &config.clone().bfs());
    let dfs = explore::search(make(), &config.clone().dfs());
    assert_eq!(
        (bfs.unique_states, bfs.terminal_states, bfs.exhausted),
        (dfs.unique_states, dfs.terminal_states, dfs.exhausted),
        "breadth first and depth first disagree"
    );
    bfs
}

fn scenario_sim(path: &str, params: &[(&str, &str)]) -> Box<dyn DynSim> {
    let mut scenario = load(path.as_ref(), &Overrides::default()).expect("scenario loads");
    for (key, value) in params {
        scenario.protocol_params = scenario
            .protocol_params
            .with_param(key, value)
            .expect("param");
    }
    Registry::builtin()
        .build(&scenario, &BuildOptions::default())
        .expect("builds")
}

/// Two pingpong nodes each send Ping(0) at boot, and every delivery is
/// answered by one message back, so exactly two messages are on the wire
/// in every state: message a (started n0 -> n1) and message b (started
/// n1 -> n0). A message that has bounced v times carries Ping(v) and
/// travels n0 -> n1 when v is even for a, odd for b, so the wire's multiset
/// names (va, vb) exactly, and the nodes' delivery counts follow from them.
/// Each step bounces one of the two: the states at depth k are the pairs
/// with va + vb = k, k + 1 of them, and up to depth d there are
/// (d + 1)(d + 2) / 2.
#[test]
fn pingpong_two_nodes_has_k_plus_one_states_at_depth_k() {
    for depth in 1..=8u64 {
        let report = both(|| pingpong(2), &Config::default().depth(depth as u32));
        assert_eq!(
            report.unique_states,
            (depth + 1) * (depth + 2) / 2,
            "depth {depth}"
        );
        assert_eq!(report.max_depth as u64, depth);
        assert!(!report.exhausted, "pingpong never ends");
        report.assert_no_violation();
    }
}

/// Three nodes: six messages bounce, two per pair of nodes, told apart as
/// above. A state is how often each has bounced: six counts summing to the
/// depth k, C(k + 5, 5) of them; up to depth d, C(d + 6, 6): 84 for d = 3,
/// 210 for d = 4.
#[test]
fn pingpong_three_nodes_counts_six_bouncing_messages() {
    assert_eq!(
        both(|| pingpong(3), &Config::default().depth(3)).unique_states,
        84
    );
    assert_eq!(
        both(|| pingpong(3), &Config::default().depth(4)).unique_states,
        210
    );
}

/// Every node says hello once to every other node and counts what it hears.
#[derive(Clone, Debug, Default)]
struct Hello {
    heard: u32,
}

#[derive(Clone, Debug, Hash, Serialize)]
struct Hi;

impl Node for Hello {
    type Msg = Hi;
    type Timer = ();
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        ctx.broadcast(Hi);
    }
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, _msg: Hi) {
        self.heard += 1;
    }
    fn on_timer(&mut self, _ctx: &mut Ctx<Self>, _timer: ()) {}
}

fn hello(nodes: u32) -> Box<dyn DynSim> {
    let everyone =
        Invariant::eventually("everyone-heard-everyone", move |sim: &Sim<Hello>| match sim
            .live_nodes()
            .find(|(_, n)| n.heard + 1 < sim.node_count())
        {
            Some((id, n)) => Err(format!("{id} heard {} of {}", n.heard, nodes - 1)),
            None => Ok(()),
        });
    let builder = SimBuilder::new(nodes, 0, |_, _| Hello::default()).invariant(everyone);
    Box::new(builder.build())
}

/// Three nodes, six distinct messages (one per ordered pair), each
/// delivered once: a state is the set already delivered, 2^6 = 64 states,
/// one terminal (all delivered), where the eventually check passes.
/// With one drop allowed each message is pending, delivered or dropped,
/// at most one dropped: 2^6 + 6 * 2^5 = 256 paths' end states, but a node
/// only counts what it hears, so once both of a node's incoming messages
/// are off the wire, which of the two was lost does not show: for each of
/// the 3 receivers, the 2^4 settings of the other four messages merge in
/// pairs, 3 * 16 = 48 fewer: 208 states (the budget left tells a state with
/// a drop from one without). Terminal: all delivered (1), or one drop per
/// receiver (3): 4. The eventually check fails on those three: a shortest
/// path drops one message and delivers the other five.
#[test]
fn hello_three_nodes_counts_subsets_and_a_drop_breaks_eventually() {
    let clean = both(|| hello(3), &Config::default());
    assert_eq!((clean.unique_states, clean.terminal_states), (64, 1));
    clean.assert_exhausted().assert_no_violation();

    let config = Config::default().budgets(Budgets {
        drops: 1,
        ..Budgets::default()
    });
    let enough = config.clone().states(10_000);
    // No check fails while the space is counted: drop the eventually check.
    let counted = both(
        || Box::new(SimBuilder::new(3, 0, |_, _| Hello::default()).build()),
        &enough,
    );
    assert_eq!((counted.unique_states, counted.terminal_states), (208, 4));
    counted.assert_exhausted();

    let found = explore::search(hello(3), &config);
    let c = found.expect_violation();
    assert_eq!(c.check, "everyone-heard-everyone");
    assert_eq!(c.verdict, Verdict::LivenessFailure);
    assert_eq!(c.path.len(), 6, "{c}");
    let drops = c
        .path
        .iter()
        .filter(|s| s.label.starts_with("drop: deliver"))
        .count();
    assert_eq!(drops, 1, "{c}");
}

/// A periodic timer a node never keeps the id of: firing it re-arms it
/// with a fresh id, which the fingerprint leaves out (the node cannot
/// cancel a timer it has no id for), so the space is the one state. A
/// node that keeps the id of its timer and cancels it keeps the id in the
/// fingerprint.
#[derive(Clone, Debug, Default)]
struct Ticker {
    kept: Option<TimerId>,
    keep: bool,
}

#[derive(Clone, Debug, Hash, Serialize)]
enum Tick {
    Again,
    Stop,
}

impl Node for Ticker {
    type Msg = ();
    type Timer = Tick;
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        let id = ctx.set_timer(SimTime::from_millis(10), Tick::Again);
        if self.keep {
            self.kept = Some(id);
            ctx.set_timer(SimTime::from_millis(10), Tick::Stop);
        }
    }
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, _msg: ()) {}
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, timer: Tick) {
        match timer {
            Tick::Again => {
                let id = ctx.set_timer(SimTime::from_millis(10), Tick::Again);
                if self.keep && self.kept.is_some() {
                    self.kept = Some(id);
                }
            }
            Tick::Stop => {
                if let Some(id) = self.kept.take() {
                    ctx.cancel_timer(id);
                }
            }
        }
    }
}

#[test]
fn timer_ids_a_node_never_keeps_do_not_split_states() {
    let free =
        || -> Box<dyn DynSim> { Box::new(SimBuilder::new(1, 0, |_, _| Ticker::default()).build()) };
    // Frozen time: the re-armed timer differs only by its id: one state.
    let report = both(free, &Config::default().frozen());
    assert_eq!(report.unique_states, 1);
    report.assert_exhausted();
    assert!(
        !report.frozen_clock_read,
        "the ticker never reads its clock"
    );
    // Timer-driven time: each firing moves time 10 ms on, a new state per
    // firing: depth + 1 states.
    let report = both(free, &Config::default().depth(4));
    assert_eq!((report.unique_states, report.exhausted), (5, false));
    // Keeping the id (frozen time): at boot the node arms Again (id kept)
    // and Stop. Each Again re-arms with a new id it keeps, so j re-arms
    // give a new state (j = 0..=5 within depth 5: six states); Stop cancels
    // the kept timer and leaves nothing pending: one terminal state,
    // however reached.
    let kept = || -> Box<dyn DynSim> {
        Box::new(
            SimBuilder::new(1, 0, |_, _| Ticker {
                kept: None,
                keep: true,
            })
            .build(),
        )
    };
    let report = both(kept, &Config::default().frozen().depth(5));
    assert_eq!((report.unique_states, report.terminal_states), (7, 1));
    assert!(!report.exhausted);
}

/// The 2PC bug switch `presume-commit` is found in three steps (a client
/// invokes, its request arrives, the vote timeout fires before any vote);
/// the reference exhausts the same small space with no violation.
#[test]
fn two_pc_presume_commit_is_found_and_the_reference_is_clean_to_depth_7() {
    let path = "scenarios/explore-2pc.toml";
    let buggy = explore::search(
        scenario_sim(path, &[("bugs", "[\"presume-commit\"]")]),
        &Config::default().duplicating(),
    );
    let c = buggy.expect_violation();
    assert_eq!(c.check, "commit-needs-every-yes-vote");
    assert_eq!(c.path.len(), 3, "{c}");
    assert!(c.path[2].label.contains("VoteTimeout"), "{c}");

    // The reference: no violation anywhere within 7 steps, and the same
    // count both ways (the coordinator's retry timer makes the whole space
    // infinite under timer-driven time; docs/explore.md).
    let scenario = load(path.as_ref(), &Overrides::default()).expect("loads");
    let config = Config::from_spec(&scenario.explore).depth(7);
    let reference = both(|| scenario_sim(path, &[]), &config);
    reference.assert_no_violation();
    assert_eq!(reference.unique_states, REFERENCE_STATES_DEPTH_7);
    let commits = reference
        .sometimes
        .iter()
        .find(|s| s.name == "a-transaction-commits")
        .expect("the sometimes check is reported");
    assert!(commits.witness.is_some(), "a commit is reachable");
}

/// Pinned: a change in the engine's choices or fingerprint moves it. (1680
/// while the fingerprint left out when each pending timer is due: states
/// whose retry timers would move time to different deadlines were merged.)
const REFERENCE_STATES_DEPTH_7: u64 = 2197;

/// `distlab explore` writes the counterexample as a replay file, and
/// `distlab replay` re-runs it to the same verdict and trace hash.
#[test]
fn a_counterexample_replays() {
    let dir = std::env::temp_dir().join(format!("distlab-explore-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let out = dir.join("found.json");
    let out_text = out.to_str().expect("UTF-8 path");
    let found = support::distlab(&[
        "explore",
        "scenarios/2pc-bug-presume-commit.toml",
        "--nodes",
        "3",
        "--out",
        out_text,
    ]);
    assert_eq!(support::code(&found), 1, "{}", support::stdout(&found));
    let text = support::stdout(&found);
    assert!(
        text.contains("safety-violation `commit-needs-every-yes-vote`"),
        "{text}"
    );
    assert!(
        text.contains(&format!("replay: distlab replay {out_text}")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "step through it (opens at the violating step): distlab replay {out_text} --tui"
        )),
        "{text}"
    );
    let replayed = support::distlab(&["replay", out_text]);
    let replay_text = support::stdout(&replayed);
    assert_eq!(support::code(&replayed), 1, "{replay_text}");
    assert!(
        replay_text.contains("replay: reproduced seed 3 with 3 explored choice(s)"),
        "{replay_text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A scenario the explorer's model cannot honour, and bad bounds, are bad
/// input (exit 3) with a reason.
#[test]
fn unexplorable_scenarios_and_bad_bounds_are_bad_input() {
    let fifo = support::distlab(&["explore", "tests/fixtures/explore/fifo.toml"]);
    assert_eq!(support::code(&fifo), 3);
    let err = support::stderr(&fifo);
    assert!(
        err.contains("cannot explore: scenario `explore-fifo` asks for FIFO links"),
        "{err}"
    );
    let lose = support::distlab(&["explore", "tests/fixtures/explore/lose-messages.toml"]);
    assert_eq!(support::code(&lose), 3);
    let err = support::stderr(&lose);
    assert!(
        err.contains("cannot explore: scenario `explore-lose-messages` names messages to lose"),
        "{err}"
    );
    let served = support::distlab(&["explore", "scenarios/raft-gray-leader.toml"]);
    assert_eq!(support::code(&served), 3);
    let err = support::stderr(&served);
    assert!(
        err.contains("cannot explore: scenario `raft-gray-leader` gives its nodes service times"),
        "{err}"
    );
    let bad = support::distlab(&[
        "explore",
        "tests/fixtures/invalid_scenarios/explore-unknown-key.toml",
    ]);
    assert_eq!(support::code(&bad), 3);
    assert!(
        support::stderr(&bad).contains("crash"),
        "{}",
        support::stderr(&bad)
    );
    let depth = support::distlab(&["explore", "scenarios/explore-pingpong.toml", "--depth", "0"]);
    assert_eq!(support::code(&depth), 3);
    // A bad --bug or --param is the flag's fault: named, no file position.
    let raft = "scenarios/explore-raft.toml";
    let bug = support::distlab(&["explore", raft, "--bug", "none"]);
    assert_eq!(support::code(&bug), 3);
    assert!(
        support::stderr(&bug)
            .starts_with("distlab: --bug none: unknown bug switch \"none\"; expected one of"),
        "{}",
        support::stderr(&bug)
    );
    let param = support::distlab(&["explore", raft, "--param", "heartbeat=-3"]);
    assert_eq!(support::code(&param), 3);
    assert_eq!(
        support::stderr(&param).trim(),
        "distlab: --param heartbeat=-3: expected a duration like \"250ms\" for `heartbeat`, got -3"
    );
    let shape = support::distlab(&["explore", raft, "--param", "heartbeat"]);
    assert_eq!(
        support::code(&shape),
        3,
        "a setting without `=` is bad input"
    );
}

/// Raft's `forget-vote` switch: with one crash and one restart the search
/// finds two leaders in one term. A shortest path (BFS, 8 steps: n0 and n1
/// time out, n2 votes for n0, crashes, restarts forgetting its vote, votes
/// for n1) is in docs/explore.md; depth first finds one within the same
/// depth in a fraction of the states.
#[test]
fn raft_forget_vote_is_found_with_one_crash() {
    let config = Config::default().dfs().depth(8).ops(0).budgets(Budgets {
        crashes: 1,
        restarts: 1,
        ..Budgets::default()
    });
    let path = "scenarios/raft-bug-forget-vote.toml";
    // Without PreVote (on by default since pipelining came in): a PreVote
    // round lengthens every election, and the double vote lies past depth 8.
    let found = explore::search(scenario_sim(path, &[("prevote", "false")]), &config);
    let c = found.expect_violation();
    assert_eq!(c.check, "election-safety", "{c}");
    assert!(c.path.iter().any(|s| s.label.starts_with("crash")), "{c}");
}

/// The Raft reference, three nodes, one crash and one restart, every path of
/// up to 6 steps: no violation, and the same count both ways.
#[test]
fn raft_reference_is_clean_to_depth_6_with_a_crash() {
    let config = Config::default().depth(6).ops(0).budgets(Budgets {
        crashes: 1,
        restarts: 1,
        ..Budgets::default()
    });
    let make = || {
        let mut sim = load(
            "scenarios/raft-basic.toml".as_ref(),
            &Overrides {
                nodes: Some(3),
                ..Overrides::default()
            },
        )
        .expect("loads");
        sim.seed = 1;
        Registry::builtin()
            .build(&sim, &BuildOptions::default())
            .expect("builds")
    };
    let report = both(make, &config);
    report.assert_no_violation();
    // 24,304 while Raft's fingerprint was its `Debug` text, which leaves out
    // the election deadline: states whose nodes would start elections at
    // different times were merged; 84,662 while the fingerprint left out
    // when each pending timer (the heartbeat) is due; 90,792 before PreVote
    // was on by default and replication pipelined (one probe in flight per
    // follower instead of a re-send at every trigger).
    assert_eq!(report.unique_states, 42_157);
}

/// A node whose timer counts its firings (`round`, a bound quantity) and
/// re-arms itself, noting when it fired: an endless line of states, one per
/// firing. It hashes its time relative to now, so under relative time only
/// the round tells states apart.
#[derive(Clone, Debug, Default)]
struct Rounds {
    round: u64,
    counts: bool,
    last: Option<SimTime>,
}

impl Node for Rounds {
    type Msg = ();
    type Timer = ();
    const BOUNDS: &'static [Bound<Self>] = &[Bound {
        name: "round",
        meaning: "timer firings so far",
        value: |n| n.round,
    }];
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timer(SimTime::from_millis(10), ());
    }
    fn on_message(&mut self, _ctx: &mut Ctx<Self>, _from: NodeId, _msg: ()) {}
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _timer: ()) {
        if self.counts {
            self.round += 1;
        }
        self.last = Some(ctx.now());
        ctx.set_timer(SimTime::from_millis(10), ());
    }
    fn fingerprint_relative(
        &self,
        now: SimTime,
        hasher: &mut distlab::base::hash::StableHasher,
    ) -> bool {
        use std::hash::Hash;
        (
            self.round,
            self.counts,
            self.last.map(|t| relative_time(t, now)),
        )
            .hash(hasher);
        true
    }
}

fn rounds(counts: bool) -> Box<dyn DynSim> {
    Box::new(
        SimBuilder::new(1, 0, move |_, _| Rounds {
            counts,
            ..Rounds::default()
        })
        .build(),
    )
}

/// Bounded at round 3: rounds 0 to 3 are inside and expanded, round 4 is
/// outside (found, checked, not expanded): 5 states, one outside, the space
/// exhausted within the boundary but not plainly exhausted. The same
/// breadth first and depth first; random walks stop at the boundary.
#[test]
fn a_boundary_makes_an_endless_line_of_states_finite() {
    let config = Config::default().frozen().bound("round", 3);
    let report = both(|| rounds(true), &config);
    assert_eq!((report.unique_states, report.outside_states), (5, 1));
    assert_eq!(report.limits, vec![Limit::Boundary]);
    assert!(!report.exhausted);
    report
        .assert_exhausted_within_boundary()
        .assert_no_violation();
    let dfs = explore::search(rounds(true), &config.clone().dfs());
    assert_eq!(dfs.outside_states, 1);
    dfs.assert_exhausted_within_boundary();

    let walks = explore::search(rounds(true), &config.clone().walk(3));
    assert_eq!((walks.unique_states, walks.outside_states), (5, 1));
    assert_eq!(walks.transitions, 3 * 4, "each walk stops at round 4");
    assert_eq!(walks.limits, vec![Limit::Boundary]);
    assert!(!walks.exhausted_within_boundary, "a sample proves nothing");

    // Unbounded, the line goes on to the depth bound.
    let unbounded = explore::search(rounds(true), &Config::default().frozen().depth(8));
    assert_eq!(unbounded.limits, vec![Limit::Depth]);
    assert_eq!(unbounded.outside_states, 0);
}

/// Under timer-driven time each firing is a later time: absolute, a new
/// state each (depth + 1 of them); relative to now, the node that noted
/// when it last fired comes back to the state it was in one firing
/// earlier: two states, exhausted.
#[test]
fn relative_time_merges_states_that_differ_only_by_when() {
    let absolute = both(|| rounds(false), &Config::default().depth(4));
    assert_eq!((absolute.unique_states, absolute.exhausted), (5, false));
    let relative = both(|| rounds(false), &Config::default().relative_time());
    assert_eq!(relative.unique_states, 2);
    relative.assert_exhausted();
    assert!(rounds(false).relative_time_refusal().is_none());

    // Pingpong does not hash itself relative to now: the explorer keeps
    // absolute time (the same count as without), and says why.
    let pingpong_relative =
        explore::search(pingpong(2), &Config::default().depth(4).relative_time());
    assert_eq!(pingpong_relative.unique_states, 15);
    let why = pingpong(2).relative_time_refusal().expect("refused");
    assert!(why.contains("Node::fingerprint_relative"), "{why}");
}

/// The engine's own bound, `wire`: three hello-sending nodes put six
/// messages on the wire at boot. With at most six, the boundary cuts
/// nothing and the space is plainly exhausted (64 states); with at most
/// five, the initial state is already outside: counted, not expanded.
#[test]
fn the_wire_bound_counts_messages_in_flight() {
    let all = both(|| hello(3), &Config::default().bound("wire", 6));
    assert_eq!((all.unique_states, all.outside_states), (64, 0));
    all.assert_exhausted().assert_exhausted_within_boundary();
    let none = both(|| hello(3), &Config::default().bound("wire", 5));
    assert_eq!((none.unique_states, none.outside_states), (1, 1));
    none.assert_exhausted_within_boundary();
}

/// A name the protocol does not declare (nor the engine) is a mistake the
/// error explains; the library panics with it, the CLI reports it (exit 3,
/// tests/cli).
#[test]
fn unknown_bound_names_are_explained() {
    let declared = rounds(true).bounds();
    assert_eq!(declared, vec![("round", "timer firings so far")]);
    let why = explore::check_bound(&declared, "protocol `rounds`", "rund").expect_err("unknown");
    assert_eq!(
        why,
        "protocol `rounds` has no bound \"rund\"; expected one of: round (timer firings so far), \
         wire (messages, client requests and replies on the wire) (did you mean `round`?)"
    );
    let none = explore::check_bound(&pingpong(2).bounds(), "protocol `pingpong`", "term")
        .expect_err("pingpong declares none");
    assert!(
        none.contains("it declares no bound quantities of its own"),
        "{none}"
    );
    assert!(explore::check_bound(&[], "protocol `pingpong`", "wire").is_ok());
}

#[test]
#[should_panic(expected = "has no bound \"rund\"")]
fn searching_with_an_unknown_bound_panics() {
    explore::search(rounds(true), &Config::default().bound("rund", 1));
}
