//! Lab 03's cheat catalogue: nodes that fake two-phase commit. Each must
//! score 0 on every part it does not really implement and at most 10%
//! overall (`tests/support/labs/cheats.rs`).

use distlab::check::history::Value;
use distlab::labs::two_pc::{Decided, TwoPcLabNode};
use distlab::protocols::two_pc::bank::{
    accounts_of, balance, entry_amount, owner, parse_txn, MicroOp,
};
use distlab::protocols::two_pc::{DecisionRecord, Outcome, Params, TxId, TxnRecord};
use distlab::sim::{Ctx, Node, NodeId, Reply, Request, SimTime};
use std::cell::RefCell;
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// What every cheat shows the grader.
#[derive(Clone, Debug)]
pub struct Shown {
    params: Arc<Params>,
    id: NodeId,
    nodes: u32,
    log: BTreeMap<TxId, DecisionRecord>,
    txns: BTreeMap<TxId, TxnRecord>,
    accounts: BTreeMap<String, Vec<i64>>,
    last: Option<TxId>,
}

impl Shown {
    fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
        let accounts = accounts_of(id, params.accounts, nodes)
            .into_iter()
            .map(|a| (a, Vec::new()))
            .collect();
        Shown {
            params,
            id,
            nodes,
            log: BTreeMap::new(),
            txns: BTreeMap::new(),
            accounts,
            last: None,
        }
    }

    /// Log `tx` as decided by the coordinator, without participants.
    fn decide(&mut self, request: &Request, outcome: Outcome) {
        self.decide_for(request, outcome, Vec::new());
    }

    /// Log `tx` as decided by the coordinator for `participants`.
    fn decide_for(&mut self, request: &Request, outcome: Outcome, participants: Vec<NodeId>) {
        let tx = TxId {
            client: request.client.0,
            request: request.id,
        };
        self.log.insert(
            tx,
            DecisionRecord {
                tx,
                outcome,
                participants,
                acked: BTreeSet::new(),
                presumed: false,
            },
        );
        self.last = Some(tx);
    }
}

/// The accessors, the same for every cheat (and any more methods after
/// the type).
macro_rules! shows {
    ($t:ty $(, $($more:tt)*)?) => {
        impl TwoPcLabNode for $t {
            $($($more)*)?
            fn new(params: Arc<Params>, id: NodeId, nodes: u32) -> Self {
                Self(Shown::new(params, id, nodes))
            }
            fn decision_log(&self) -> Option<&BTreeMap<TxId, DecisionRecord>> {
                (self.0.id.0 == 0).then_some(&self.0.log)
            }
            fn collecting_votes(&self) -> usize {
                0
            }
            fn txn_records(&self) -> Option<&BTreeMap<TxId, TxnRecord>> {
                (self.0.id.0 != 0).then_some(&self.0.txns)
            }
            fn accounts(&self) -> Option<&BTreeMap<String, Vec<i64>>> {
                (self.0.id.0 != 0).then_some(&self.0.accounts)
            }
            fn last_decided(&self) -> Option<TxId> {
                self.0.last
            }
        }
    };
}

/// Does nothing: no messages, no answers.
#[derive(Clone, Debug)]
pub struct Idle(Shown);
shows!(Idle);

impl Node for Idle {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, _: &mut Ctx<Self>, _: Request) {}
}

/// A coordinator that always commits, at once, asking nobody: every
/// transaction is answered committed (reads nil) and logged as a commit.
#[derive(Clone, Debug)]
pub struct AlwaysCommit(Shown);
shows!(AlwaysCommit);

impl Node for AlwaysCommit {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        self.0.decide(&request, Outcome::Commit);
        ctx.reply(&request, Reply::Ok(request.op.value.clone()));
    }
}

thread_local! {
    /// The whole bank in a process global instead of the participants'
    /// storage: every account's entries.
    static BANK: RefCell<BTreeMap<String, Vec<i64>>> = const { RefCell::new(BTreeMap::new()) };
}

/// The bank in a thread-local map: the coordinator runs each transaction
/// on it atomically (reads, funds check, appends), answers at once and
/// logs the decision; every 20 ms each participant copies its accounts
/// from the map. Serializable, conserving and never blocked, with no
/// message and no storage.
#[derive(Clone, Debug)]
pub struct Global(Shown);
shows!(Global);

impl Global {
    /// Run `request` on the shared bank: the reply and the outcome.
    fn run(&self, request: &Request) -> (Reply, Outcome) {
        let Ok(ops) = parse_txn(&request.op.value) else {
            return (Reply::Fail("malformed".into()), Outcome::Abort);
        };
        BANK.with(|bank| {
            let mut bank = bank.borrow_mut();
            let mut staged = bank.clone();
            let mut items = Vec::new();
            for op in &ops {
                let entries = staged.entry(op.account.clone()).or_default();
                let account = Value::Str(op.account.clone());
                match op.op {
                    MicroOp::Read => {
                        let read = Value::List(entries.iter().copied().map(Value::Int).collect());
                        items.push(Value::List(vec![Value::Str("r".into()), account, read]));
                    }
                    MicroOp::Append(e) => {
                        if balance(self.0.params.initial_balance, entries) + entry_amount(e) < 0 {
                            return (Reply::Fail("insufficient funds".into()), Outcome::Abort);
                        }
                        entries.push(e);
                        let append = vec![Value::Str("append".into()), account, Value::Int(e)];
                        items.push(Value::List(append));
                    }
                }
            }
            *bank = staged;
            (Reply::Ok(Value::List(items)), Outcome::Commit)
        })
    }
}

impl Node for Global {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, ctx: &mut Ctx<Self>) {
        ctx.set_timer(SimTime::from_millis(20), ());
    }
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, ctx: &mut Ctx<Self>, _: ()) {
        let (accounts, nodes, me) = (self.0.params.accounts, self.0.nodes, self.0.id);
        BANK.with(|bank| {
            for (name, entries) in bank.borrow().iter() {
                if owner(name, accounts, nodes) == Some(me) {
                    self.0.accounts.insert(name.clone(), entries.clone());
                }
            }
        });
        ctx.set_timer(SimTime::from_millis(20), ());
    }
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let (reply, outcome) = self.run(&request);
        self.0.decide(&request, outcome);
        ctx.reply(&request, reply);
    }
}

/// A coordinator that commits every transaction at once in the name of
/// participants n1 and n2, which never voted: `commit-needs-every-yes-vote`
/// fails at its first decision (read from its records).
#[derive(Clone, Debug)]
pub struct CommitsForOthers(Shown);
shows!(CommitsForOthers);

impl CommitsForOthers {
    fn commit(shown: &mut Shown, request: &Request) -> Reply {
        shown.decide_for(request, Outcome::Commit, vec![NodeId(1), NodeId(2)]);
        Reply::Ok(request.op.value.clone())
    }
}

impl Node for CommitsForOthers {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let reply = CommitsForOthers::commit(&mut self.0, &request);
        ctx.reply(&request, reply);
    }
}

/// [`CommitsForOthers`] with an override of `last_decision` that hides
/// every decision from the per-step checks. The grader never calls an
/// override, so this lie must not change the grade.
#[derive(Clone, Debug)]
pub struct HidesItsDecisions(Shown);
shows!(
    HidesItsDecisions,
    fn last_decision(&self) -> Option<Decided<'_>> {
        None
    }
);

impl Node for HidesItsDecisions {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let reply = CommitsForOthers::commit(&mut self.0, &request);
        ctx.reply(&request, reply);
    }
}

/// [`CommitsForOthers`] with an override of `stance` that claims every
/// participant voted yes and committed everything. The grader never calls
/// an override, so this lie must not change the grade.
#[derive(Clone, Debug)]
pub struct ClaimsEveryYesVote(Shown);
shows!(
    ClaimsEveryYesVote,
    fn stance(&self, _tx: TxId) -> Option<(distlab::protocols::two_pc::Phase, bool)> {
        Some((distlab::protocols::two_pc::Phase::Committed, true))
    }
);

impl Node for ClaimsEveryYesVote {
    type Msg = ();
    type Timer = ();
    fn on_start(&mut self, _: &mut Ctx<Self>) {}
    fn on_message(&mut self, _: &mut Ctx<Self>, _: NodeId, _: ()) {}
    fn on_timer(&mut self, _: &mut Ctx<Self>, _: ()) {}
    fn on_request(&mut self, ctx: &mut Ctx<Self>, request: Request) {
        let reply = CommitsForOthers::commit(&mut self.0, &request);
        ctx.reply(&request, reply);
    }
}
