//! Command handlers: load an aggregate from the store (snapshot + later
//! events, upcast), validate the command against it, and append the
//! resulting event with the version it was validated against. A conflict
//! (the stream moved on — another command got there first) reloads and
//! retries; an unanswered load or append is resent (appends are idempotent
//! at the store, keyed by the command).
//!
//! The handler caches each account's state; only the events after the
//! cached version travel on a reload. The cache is volatile: after a restart
//! the first load brings the latest snapshot and the events after it.

use super::aggregate::{AccountState, Command};
use super::events::{stream_name, Account, CommandId, StoredEvent};
use super::{account_of, CqrsNode, Msg, Params, Timer, STORE};
use crate::check::history::Value;
use crate::sim::{Ctx, Reply, Request, SimTime};
use std::collections::BTreeMap;

/// Where a command is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stage {
    /// Waiting for the account's latest events.
    Loading,
    /// Waiting for the store to append (or refuse) the event.
    Appending {
        /// The version the command was validated against.
        expected: u64,
        /// The event.
        payload: super::events::Payload,
    },
}

/// A command in progress.
#[derive(Clone, Debug)]
pub struct PendingCommand {
    /// The client request, to answer.
    pub request: Request,
    /// The account.
    pub account: Account,
    /// The command.
    pub command: Command,
    /// Where it is.
    pub stage: Stage,
    /// Conflicts so far.
    pub conflicts: u32,
    /// Local time the current stage's request was sent.
    pub sent_at: SimTime,
}

/// A command handler's state.
#[derive(Clone, Debug, Default)]
pub struct CommandHandler {
    /// Accounts as of the last events seen.
    pub cache: BTreeMap<Account, AccountState>,
    /// Commands in progress, by command id.
    pub pending: BTreeMap<CommandId, PendingCommand>,
    /// Conflicts retried (persisted).
    pub retries: u64,
    /// True if this handler writes deposits with schema v1.
    pub writes_v1: bool,
    /// The state the last command was decided against (volatile; for lab
    /// 10's `decisions-on-true-state` check).
    pub last_decided: Option<AccountState>,
}

impl CommandHandler {
    /// Boot: restore the retry count, start the resend timer.
    pub(crate) fn start(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>) {
        self.retries = ctx.storage().get("retries").unwrap_or(0);
        self.writes_v1 = ctx.id().0 < 2 + params.v1_writers;
        ctx.set_timer(params.retry, Timer::Retry);
    }

    /// A client command.
    pub(crate) fn on_request(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        request: Request,
    ) {
        let amount = request.op.value.as_int().unwrap_or(0);
        let command = match request.op.f.as_str() {
            "deposit" => Command::Deposit { amount },
            "withdraw" => Command::Withdraw { amount },
            other => {
                let why = format!("unknown command {other:?}; expected deposit or withdraw");
                return ctx.reply(&request, Reply::Fail(why));
            }
        };
        let Some(account) = account_of(params, &request) else {
            let why = format!("expected an account acct-0..acct-{}", params.accounts - 1);
            return ctx.reply(&request, Reply::Fail(why));
        };
        let id = CommandId {
            client: request.client.0,
            request: request.id,
        };
        if self.pending.contains_key(&id) {
            return;
        }
        let pending = PendingCommand {
            request,
            account,
            command,
            stage: Stage::Loading,
            conflicts: 0,
            sent_at: ctx.now(),
        };
        self.pending.insert(id, pending);
        self.send_load(ctx, account);
    }

    fn send_load(&self, ctx: &mut Ctx<CqrsNode>, account: Account) {
        let after = self.cache.get(&account).map_or(0, |s| s.version);
        ctx.send(STORE, Msg::Load { account, after });
    }

    /// Store replies.
    pub(crate) fn on_message(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, msg: Msg) {
        match msg {
            Msg::Loaded {
                account,
                snapshot,
                events,
            } => {
                self.refresh(params, account, snapshot.as_ref(), &events);
                self.decide_waiting(params, ctx, account);
            }
            Msg::Appended { command, event } => self.appended(params, ctx, command, &event),
            Msg::Conflict {
                command,
                account,
                current,
            } => self.conflict(params, ctx, command, account, current),
            other => ctx.log(format!("command handler ignored {other:?}")),
        }
    }

    /// Resend what has gone unanswered.
    pub(crate) fn on_timer(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, _timer: Timer) {
        let now = ctx.now();
        let due: Vec<CommandId> = self
            .pending
            .iter()
            .filter(|(_, p)| now.saturating_sub(p.sent_at) >= params.retry)
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let Some(p) = self.pending.get_mut(&id) else {
                continue;
            };
            p.sent_at = now;
            match p.stage.clone() {
                Stage::Loading => {
                    let account = p.account;
                    self.send_load(ctx, account);
                }
                Stage::Appending { expected, payload } => {
                    let msg = Msg::Append {
                        command: id,
                        account: p.account,
                        expected,
                        payload,
                    };
                    ctx.send(STORE, msg);
                }
            }
        }
        ctx.set_timer(params.retry, Timer::Retry);
    }

    /// Bring the cached state forward with a snapshot and events.
    fn refresh(
        &mut self,
        params: &Params,
        account: Account,
        snapshot: Option<&AccountState>,
        events: &[StoredEvent],
    ) {
        let state = self
            .cache
            .entry(account)
            .or_insert_with(|| AccountState::new(account));
        let base = match snapshot.filter(|s| s.version > state.version) {
            Some(s) => s.clone(),
            None => state.clone(),
        };
        let next: Vec<StoredEvent> = events
            .iter()
            .filter(|e| e.version > base.version)
            .cloned()
            .collect();
        let contiguous = next
            .iter()
            .enumerate()
            .take_while(|(i, e)| e.version == base.version + 1 + *i as u64)
            .count();
        *state = (params.hooks.rebuild)(account, Some(&base), &next[..contiguous]);
    }

    /// Validate every loading command on `account` and append its event.
    fn decide_waiting(&mut self, params: &Params, ctx: &mut Ctx<CqrsNode>, account: Account) {
        let state = self
            .cache
            .get(&account)
            .cloned()
            .unwrap_or_else(|| AccountState::new(account));
        let now = ctx.now();
        let waiting: Vec<CommandId> = self
            .pending
            .iter()
            .filter(|(_, p)| p.account == account && p.stage == Stage::Loading)
            .map(|(id, _)| *id)
            .collect();
        for id in waiting {
            let Some(p) = self.pending.get_mut(&id) else {
                continue;
            };
            self.last_decided = Some(state.clone());
            match (params.hooks.decide)(&state, &p.command, self.writes_v1) {
                Err(why) => {
                    ctx.log(format!("{id} refused on {}: {why}", stream_name(account)));
                    let request = p.request.clone();
                    self.pending.remove(&id);
                    ctx.reply(&request, Reply::Fail(why));
                }
                Ok(payload) => {
                    p.stage = Stage::Appending {
                        expected: state.version,
                        payload: payload.clone(),
                    };
                    p.sent_at = now;
                    let msg = Msg::Append {
                        command: id,
                        account,
                        expected: state.version,
                        payload,
                    };
                    ctx.send(STORE, msg);
                }
            }
        }
    }

    fn appended(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        command: CommandId,
        event: &StoredEvent,
    ) {
        self.refresh(params, event.account, None, std::slice::from_ref(event));
        let Some(p) = self.pending.remove(&command) else {
            return;
        };
        ctx.log(format!("{command} accepted: {event}"));
        let reply = Value::List(vec![
            Value::Int(event.version as i64),
            Value::Int(event.position as i64),
        ]);
        ctx.reply(&p.request, Reply::Ok(reply));
    }

    fn conflict(
        &mut self,
        params: &Params,
        ctx: &mut Ctx<CqrsNode>,
        command: CommandId,
        account: Account,
        current: u64,
    ) {
        let Some(p) = self.pending.get_mut(&command) else {
            return;
        };
        if !matches!(p.stage, Stage::Appending { .. }) {
            return; // a duplicate of an earlier conflict: already reloading
        }
        p.conflicts += 1;
        if p.conflicts > params.max_conflicts {
            let why = format!("gave up after {} conflicts", p.conflicts);
            let request = p.request.clone();
            self.pending.remove(&command);
            return ctx.reply(&request, Reply::Fail(why));
        }
        p.stage = Stage::Loading;
        p.sent_at = ctx.now();
        self.retries += 1;
        ctx.storage().put("retries", &self.retries);
        ctx.storage().sync();
        ctx.log(format!(
            "{command}: {} moved to v{current}; reload and retry",
            stream_name(account)
        ));
        self.send_load(ctx, account);
    }

    /// One line for the cluster view.
    pub fn summary(&self) -> String {
        let cached: Vec<String> = self
            .cache
            .values()
            .map(|s| format!("{}={}@v{}", stream_name(s.account), s.balance, s.version))
            .collect();
        format!(
            "pending {}; retries {}; {}{}",
            self.pending.len(),
            self.retries,
            cached.join(" "),
            if self.writes_v1 { "; writes v1" } else { "" }
        )
    }
}
