//! `explore` finds every bug switch of Raft and two-phase commit in a small
//! configuration (at most 3 nodes, 1 crash and restart, 2 operations), and
//! the reference passes the same searches. Each test prints the
//! counterexample (`--nocapture`).
//!
//! Two switches have their search test in `tests/engine/explore.rs`
//! already: 2PC's `presume-commit` (3 steps) and Raft's `forget-vote` (one
//! crash and restart, depth first). The rest are here.
//!
//! Most searches use the deadline-ordered time model (`Config::ordered`:
//! timers fire in deadline order, as in a run; messages take any time),
//! Raft with a fixed 100 ms election timeout and a 99 ms heartbeat (few
//! timer firings between elections). Bugs a few elections deep are searched
//! in phases, as DSLabs' search tests do: a breadth-first search finds a
//! shortest path to a state where a goal holds (a `sometimes` check's
//! witness), and the next search starts there (`explore::search_from`).
//! Each phase is small; one search over the whole depth would visit
//! millions of states (docs/explore.md, "Finding power").

use distlab::check::history::EventType;
use distlab::explore::{self, Budgets, Config, Counterexample, Report};
use distlab::protocols::raft::{self, Raft};
use distlab::protocols::two_pc::{self, Outcome, TwoPc, TwoPcLabNode};
use distlab::scenario::engine::{configure, BuildOptions};
use distlab::scenario::{parse, Overrides, Scenario};
use distlab::sim::{Choice, DynSim, Invariant, Sim, Verdict};

/// A scenario from its text.
fn scenario(text: &str) -> Scenario {
    parse("explore-bugs.toml", text, &Overrides::default()).expect("the scenario parses")
}

/// Three Raft nodes with one client; `bugs` and any extra `[protocol]`
/// lines; a fixed election timeout, so timers tie and few fire.
fn raft_text(bugs: &[&str], protocol: &str, workload: &str) -> String {
    let bugs: Vec<String> = bugs.iter().map(|b| format!("{b:?}")).collect();
    format!(
        r#"name = "explore-raft"
description = "Three Raft nodes, one client."
nodes = 3
duration = "10s"

[protocol]
name = "raft"
bugs = [{}]
election_timeout = {{ min = "100ms", max = "100ms" }}
heartbeat = "99ms"
# Without PreVote, as these searches were sized: PreVote adds a round to
# every election and puts the bugs deeper than the depth bounds below.
prevote = false
{protocol}

[workload]
kind = "kv"
clients = 1
{workload}
"#,
        bugs.join(", ")
    )
}

/// A Raft world from `text`, with extra `sometimes` checks as search goals.
fn raft(text: &str, goals: &[Invariant<Raft>]) -> Box<dyn DynSim> {
    let scenario = scenario(text);
    let mut b = raft::scenario::configured::<Raft>(&scenario, &BuildOptions::default())
        .expect("the scenario builds");
    for goal in goals {
        b = b.invariant(goal.clone());
    }
    Box::new(b.build())
}

/// A coordinator and `nodes - 1` participants over two accounts.
fn two_pc_text(bugs: &[&str], nodes: u32, clients: u32, balance: u32) -> String {
    let bugs: Vec<String> = bugs.iter().map(|b| format!("{b:?}")).collect();
    format!(
        r#"name = "explore-2pc"
description = "Two-phase commit over two accounts."
nodes = {nodes}
duration = "10s"

[protocol]
name = "two-pc"
accounts = 2
initial_balance = {balance}
bugs = [{}]

[workload]
kind = "bank"
clients = {clients}
max_amount = 5
audit_ratio = 0.0
"#,
        bugs.join(", ")
    )
}

/// A 2PC world from `text`, with extra `sometimes` checks as search goals.
fn two_pc(text: &str, goals: &[Invariant<TwoPc>]) -> Box<dyn DynSim> {
    let scenario = scenario(text);
    let params = two_pc::scenario::params(&scenario).expect("params");
    let workload = two_pc::scenario::workload(&scenario, &params).expect("workload");
    let b = two_pc::builder(params, scenario.nodes, scenario.seed);
    let mut b = configure(
        b,
        &scenario,
        &two_pc::scenario::FACTS,
        workload,
        &BuildOptions::default(),
    )
    .expect("the scenario builds");
    for goal in goals {
        b = b.invariant(goal.clone());
    }
    Box::new(b.build())
}

/// A search in phases: each phase searches (with its config) from where
/// the previous ones led, for the shortest path to its goal (a `sometimes`
/// check); the last phase's report is returned with the whole prefix.
struct Phases {
    make: Box<dyn Fn() -> Box<dyn DynSim>>,
    prefix: Vec<Choice>,
    /// The options every phase shares (the world enters explore mode once).
    base: Config,
}

impl Phases {
    fn new(make: impl Fn() -> Box<dyn DynSim> + 'static, base: Config) -> Self {
        Phases {
            make: Box::new(make),
            prefix: Vec::new(),
            base,
        }
    }

    fn search(&self, config: &Config) -> Report {
        explore::search_from((self.make)(), &self.prefix, config).expect("the prefix replays")
    }

    /// Search one step deeper at a time, up to `max` steps, for the goal
    /// `goal`; extend the prefix with the first (shortest) witness.
    fn reach(&mut self, goal: &str, max: u32) -> &mut Self {
        let mut states = 0;
        for depth in 1..=max {
            let report = self.search(&self.base.clone().depth(depth));
            report.assert_no_violation();
            states += report.unique_states;
            let witness = report
                .sometimes
                .iter()
                .find(|s| s.name == goal)
                .and_then(|s| s.witness.clone());
            if let Some(witness) = witness {
                println!("phase `{goal}` ({states} states):");
                for step in &witness {
                    println!("    {}", step.label);
                }
                self.prefix.extend(witness.iter().map(|s| s.choice));
                return self;
            }
        }
        panic!("goal `{goal}` not reached within {max} steps ({states} states)")
    }

    /// The last phase: one step deeper at a time, up to `max` steps, until
    /// a search finds a violation (the last report, with it if found).
    fn finish(&self, config: &Config, max: u32) -> Report {
        let mut last = None;
        for depth in 1..=max {
            let report = self.search(&config.clone().depth(depth));
            let stop = report.violation.is_some() || report.exhausted;
            last = Some(report);
            if stop {
                break;
            }
        }
        last.expect("at least one step")
    }
}

/// The counterexample, printed, with its check.
fn found<'r>(report: &'r Report, check: &str) -> &'r Counterexample {
    let c = report.expect_violation();
    println!("{} states:\n{c}", report.unique_states);
    assert_eq!(c.check, check, "{c}");
    c
}

fn crash_and_restart() -> Budgets {
    Budgets {
        crashes: 1,
        restarts: 1,
        ..Budgets::default()
    }
}

// ---------------------------------------------------------------- Raft --

/// Some node leads term `term`.
fn leader_of(term: u64) -> Invariant<Raft> {
    Invariant::sometimes(
        format!("a-leader-of-term-{term}"),
        move |sim: &Sim<Raft>| {
            sim.live_nodes()
                .any(|(_, n)| raft::is_leader(n) && n.term == term)
        },
    )
}

/// Some node has committed an entry.
fn entry_committed() -> Invariant<Raft> {
    Invariant::sometimes("an-entry-is-committed", |sim: &Sim<Raft>| {
        sim.live_nodes().any(|(_, n)| n.commit >= 1)
    })
}

/// `no-dedup`: a client resends its request (the same id) while the first
/// copy waits at a node that knows no leader yet; when that node wins its
/// election it appends both copies in its term (`one-append-per-term`).
/// Ten steps, one search; the reference holds both requests and appends
/// one (its session check), with no violation to the same depth.
#[test]
fn no_dedup_appends_a_resent_request_twice() {
    let config = Config::default().ordered().depth(10);
    let text = |bugs: &[&str]| raft_text(bugs, "", r#"resend = "20ms""#);
    let buggy = explore::search(raft(&text(&["no-dedup"]), &[]), &config);
    let c = found(&buggy, "one-append-per-term");
    assert_eq!(c.path.len(), 10, "{c}");
    let reference = explore::search(raft(&text(&[]), &[]), &config);
    reference.assert_no_violation();
}

/// `apply-before-commit`: a leader applies its client's command before any
/// follower holds it; a leader of the next term commits a different entry
/// at the same index (`state-machine-safety`). Phase 1: a client operation
/// applied (the buggy leader applied its log, no-op and command, 5
/// steps); phase 2: another node, holding only the no-op, leads term 2;
/// phase 3: its own no-op replaces the command at index 2 on the old
/// leader and commits.
#[test]
fn apply_before_commit_lets_two_leaders_apply_different_entries() {
    let text = raft_text(&["apply-before-commit"], "", "");
    let second = Invariant::sometimes("a-second-leader", |sim: &Sim<Raft>| {
        sim.live_nodes()
            .any(|(_, n)| raft::is_leader(n) && n.term == 2 && n.log.term_at(1) == Some(1))
    });
    let make = move || raft(&text, std::slice::from_ref(&second));
    let config = Config::default().ordered();
    let report = Phases::new(make, config.clone())
        .reach("client-op-applied", 9)
        .reach("a-second-leader", 8)
        .finish(&config, 6);
    found(&report, "state-machine-safety");
}

/// `vote-without-log-check`: once an entry is committed on two nodes, the
/// third, which lacks it, wins an election with a vote from a node that
/// holds it (`leader-completeness`). Phase 1: the client's operation
/// applied (so committed on a majority); phase 2: the third node's
/// election.
#[test]
fn vote_without_log_check_elects_a_leader_missing_a_committed_entry() {
    let text = raft_text(&["vote-without-log-check"], "", "");
    let make = move || raft(&text, &[]);
    let config = Config::default().ordered();
    let report = Phases::new(make, config.clone())
        .reach("client-op-applied", 10)
        .finish(&config, 8);
    found(&report, "leader-completeness");
}

/// `reply-before-sync`: a leader commits its no-op and crashes before the
/// late flush; it restarts with its old commit index
/// (`commit-never-decreases`). Phase 1: an entry committed; phase 2: one
/// crash and one restart.
#[test]
fn reply_before_sync_loses_a_commit_index_in_a_crash() {
    let text = raft_text(&["reply-before-sync"], "", "");
    let make = move || raft(&text, &[entry_committed()]);
    let config = Config::default().ordered().ops(0);
    let report = Phases::new(make, config.clone())
        .reach("an-entry-is-committed", 8)
        .finish(&config.clone().budgets(crash_and_restart()), 3);
    found(&report, "commit-never-decreases");
}

/// Figure 8 of the Raft paper, on three nodes (one entry per message): A
/// leads term 1 with its no-op unreplicated; C leads term 2 with B's vote
/// and its own no-op at the same index; A leads term 3, replicates its
/// term-1 entry to B and, with the bug, counts it committed; C, whose log
/// ends in term 2, wins term 4 with B's vote and lacks the committed entry
/// (`leader-completeness`). Seven phases, each a shallow search.
#[test]
fn commit_old_terms_loses_an_entry_committed_by_counting() {
    let text = raft_text(&["commit-old-terms"], "max_entries = 1", "");
    // Two nodes hold different entries at index 1 (terms 1 and 2).
    let conflict = Invariant::sometimes("conflicting-entries", |sim: &Sim<Raft>| {
        let terms: Vec<u64> = sim
            .live_nodes()
            .filter_map(|(_, n)| n.log.term_at(1))
            .collect();
        terms.contains(&1) && terms.contains(&2)
    });
    // A leader of term 3 holds the other entry.
    let third = Invariant::sometimes("term-3-leader-with-old-entry", |sim: &Sim<Raft>| {
        sim.live_nodes()
            .any(|(_, n)| raft::is_leader(n) && n.term == 3 && n.log.term_at(1) == Some(1))
    });
    // ... and counts it committed.
    let counted = Invariant::sometimes("old-entry-committed", |sim: &Sim<Raft>| {
        sim.live_nodes()
            .any(|(_, n)| n.term == 3 && n.commit >= 1 && n.log.term_at(1) == Some(1))
    });
    // The node with the term-1 entry stands in term 3 ...
    let standing = Invariant::sometimes("old-entry-candidate", |sim: &Sim<Raft>| {
        sim.live_nodes().any(|(_, n)| {
            n.role == raft::Role::Candidate && n.term == 3 && n.log.term_at(1) == Some(1)
        })
    });
    // ... and, once it counted it committed, the node whose log ends in
    // term 2 stands in term 4.
    let rival = Invariant::sometimes("term-2-candidate", |sim: &Sim<Raft>| {
        sim.live_nodes()
            .any(|(_, n)| n.role == raft::Role::Candidate && n.term == 4 && n.log.last_term() == 2)
    });
    let goals = [leader_of(1), conflict, standing, third, counted, rival];
    let make = move || raft(&text, &goals);
    let config = Config::default().ordered().ops(0);
    let report = Phases::new(make, config.clone())
        .reach("a-leader-of-term-1", 4)
        .reach("conflicting-entries", 8)
        .reach("old-entry-candidate", 8)
        .reach("term-3-leader-with-old-entry", 4)
        .reach("old-entry-committed", 6)
        .reach("term-2-candidate", 8)
        .finish(&config, 4);
    found(&report, "leader-completeness");
}

// ----------------------------------------------------------------- 2PC --

/// `unilateral-abort`: both participants vote yes and the coordinator
/// commits; one participant applies the commit, the other's in-doubt timer
/// fires first and it aborts alone (`atomicity`). Eight steps, no fault.
/// Frozen time: 2PC's handlers read the clock only to timestamp records,
/// and with time moving the coordinator's 200 ms retry timer would fire
/// five times before the 1 s in-doubt timeout.
#[test]
fn unilateral_abort_breaks_atomicity_without_any_fault() {
    let config = Config::default().frozen().depth(8);
    let buggy = explore::search(
        two_pc(&two_pc_text(&["unilateral-abort"], 3, 1, 10), &[]),
        &config,
    );
    let c = found(&buggy, "atomicity");
    assert_eq!(c.path.len(), 8, "{c}");
    explore::search(two_pc(&two_pc_text(&[], 3, 1, 10), &[]), &config).assert_no_violation();
}

/// `forget-prepared`: a participant votes yes, crashes and restarts without
/// its prepared record; its yes vote still arrives and the coordinator
/// commits (`commit-needs-every-yes-vote`). Eight steps.
#[test]
fn forget_prepared_commits_without_a_logged_yes_vote() {
    let config = Config::default()
        .ordered()
        .depth(8)
        .budgets(crash_and_restart());
    let buggy = explore::search(
        two_pc(&two_pc_text(&["forget-prepared"], 3, 1, 10), &[]),
        &config,
    );
    let c = found(&buggy, "commit-needs-every-yes-vote");
    assert_eq!(c.path.len(), 8, "{c}");
    explore::search(two_pc(&two_pc_text(&[], 3, 1, 10), &[]), &config).assert_no_violation();
}

/// `send-before-log`: the coordinator commits, one participant applies the
/// decision, the coordinator crashes before its late flush and restarts
/// with no record; the other participant, in doubt, asks and is told
/// "abort" (`atomicity`). Phase 1: a commit decided (6 steps); phase 2: one
/// crash and one restart.
#[test]
fn send_before_log_forgets_a_commit_in_a_crash() {
    let text = two_pc_text(&["send-before-log"], 3, 1, 10);
    let make = move || two_pc(&text, &[]);
    let config = Config::default().ordered();
    let report = Phases::new(make, config.clone())
        .reach("a-transaction-commits", 6)
        .finish(&config.clone().budgets(crash_and_restart()), 7);
    found(&report, "atomicity");
}

/// `always-yes`: a participant votes yes to a debit that overdraws its
/// account (balance 0), the transfer commits (`money-conserved`, checked
/// when nothing is left to happen). One participant holds both accounts;
/// time is frozen and the network duplicating, so the retry timer that
/// finds nothing to resend leads back to the same state and the search
/// can tell that the run is over. The reference votes no.
#[test]
fn always_yes_commits_an_overdraft() {
    let config = Config::default().frozen().duplicating().depth(12);
    let buggy = explore::search(two_pc(&two_pc_text(&["always-yes"], 2, 1, 0), &[]), &config);
    found(&buggy, "money-conserved");
    let reference = explore::search(two_pc(&two_pc_text(&[], 2, 1, 0), &[]), &config);
    reference.assert_no_violation();
    assert!(reference.terminal_states > 0, "the reference's runs end");
}

/// `early-unlock`: two transfers of 4 out of the same account (balance 5),
/// at one participant: the second is prepared after the first voted yes
/// and released its locks, so each passes the funds check against the
/// committed balance, both commit, and the account is overdrawn
/// (`money-conserved`, checked when nothing is left to happen: the
/// locks are what makes the funds check sound). Phases: both transactions
/// committed by the coordinator; both applied by the participant; both
/// clients answered; then to the end (acknowledgements, in-doubt timers
/// that find nothing to do). (The history is serializable here: no later
/// transaction reads the accounts, so the checker cannot order the two
/// appends.)
#[test]
fn early_unlock_lets_two_transfers_overdraw_an_account() {
    let both = Invariant::sometimes("both-commit", |sim: &Sim<TwoPc>| {
        sim.node(two_pc::COORDINATOR)
            .and_then(|c| c.decision_log())
            .is_some_and(|log| {
                log.values()
                    .filter(|r| r.outcome == Outcome::Commit)
                    .count()
                    == 2
            })
    });
    // The participant applied both.
    let applied = Invariant::sometimes("both-applied", |sim: &Sim<TwoPc>| {
        sim.live_nodes().any(|(_, n)| {
            n.accounts()
                .is_some_and(|a| a.get("a0").is_some_and(|e| e.len() == 2))
        })
    });
    // Both clients have their answer.
    let answered = Invariant::sometimes("both-answered", |sim: &Sim<TwoPc>| {
        let ok = sim.history().events.iter();
        ok.filter(|e| e.kind == EventType::Ok).count() == 2
    });
    let text = two_pc_text(&["early-unlock"], 2, 2, 5);
    let goals = [both, applied, answered];
    let make = move || two_pc(&text, &goals);
    let config = Config::default().frozen().duplicating();
    let report = Phases::new(make, config.clone())
        .reach("both-commit", 12)
        .reach("both-applied", 4)
        .reach("both-answered", 4)
        .finish(&config, 10);
    found(&report, "money-conserved");
    assert_eq!(report.verdict(), Verdict::SafetyViolation);
}

// ----------------------------------------------------------- references --

/// The Raft reference with a client operation, under the deadline-ordered
/// model: every path of up to 10 steps (elections, the operation, its
/// replication and answer) breaks no check, and the operation can apply.
#[test]
fn raft_reference_with_a_client_is_clean_to_depth_10() {
    let config = Config::default().ordered().depth(10);
    let report = explore::search(raft(&raft_text(&[], "", ""), &[]), &config);
    report.assert_no_violation();
    println!("{} states", report.unique_states);
    let applied = report
        .sometimes
        .iter()
        .find(|s| s.name == "client-op-applied");
    assert!(
        applied.is_some_and(|s| s.witness.is_some()),
        "an operation applies"
    );
}

/// The 2PC reference with two concurrent transfers at one participant
/// (frozen time, duplicating network): no check fails on any path of up to
/// 12 steps, and some paths run to their end (where the end-of-run checks,
/// money and serializability, pass).
#[test]
fn two_pc_reference_with_two_transfers_is_clean_to_depth_12() {
    let config = Config::default().frozen().duplicating().depth(12);
    let report = explore::search(two_pc(&two_pc_text(&[], 2, 2, 5), &[]), &config);
    report.assert_no_violation();
    println!(
        "{} states, {} terminal",
        report.unique_states, report.terminal_states
    );
    assert!(report.terminal_states > 0, "some runs end within 12 steps");
}
