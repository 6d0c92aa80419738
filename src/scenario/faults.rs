//! `[[faults]]` (the schedule), `[nemesis]` (random faults) and targets.

use super::error::ScenarioError;
use super::params::quoted_list;
use super::read::{self, array_of_tables, Context, Section};
use super::spec::*;
use super::value::{Item, Value};
use crate::base::{Endpoint, SimTime};

/// The action keys of a `[[faults]]` entry, in documentation order.
const ACTIONS: [&str; 13] = [
    "partition",
    "isolate",
    "cut",
    "heal",
    "crash",
    "restart",
    "clock_jump",
    "clock_strobe",
    "pause",
    "slow",
    "loss",
    "duplicate",
    "network",
];

/// A node index below the node count.
pub(crate) fn node_index(
    context: &Context<'_>,
    key: &str,
    item: &Item,
) -> Result<u32, ScenarioError> {
    let nodes = context.nodes;
    match item.value {
        Value::Integer(n) if (0..i64::from(nodes)).contains(&n) => Ok(n.unsigned_abs() as u32),
        Value::Integer(n) => {
            let message = if nodes == 1 {
                format!(
                    "node {n} does not exist: there is 1 node, numbered 0 ({})",
                    context.nodes_from
                )
            } else {
                format!(
                    "node {n} does not exist: there are {nodes} nodes, numbered 0 to {} ({})",
                    nodes - 1,
                    context.nodes_from
                )
            };
            Err(read::error(context.source, item, message))
        }
        ref other => {
            let got = other.describe();
            let message = format!(
                "expected a node index (0 to {}) for `{key}`, got {got}",
                nodes - 1
            );
            Err(read::error(context.source, item, message))
        }
    }
}

/// A message's end: a node index, or a client `"c0"` below the workload's
/// `clients`.
pub(crate) fn endpoint(
    context: &Context<'_>,
    key: &str,
    item: &Item,
    clients: u32,
) -> Result<crate::base::Endpoint, ScenarioError> {
    use crate::base::{ClientId, Endpoint, NodeId};
    let source = context.source;
    match &item.value {
        Value::Integer(_) => node_index(context, key, item).map(|n| Endpoint::Node(NodeId(n))),
        Value::String(s) => {
            let index = s
                .strip_prefix('c')
                .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|d| d.parse::<u32>().ok());
            match index {
                Some(c) if c < clients => Ok(Endpoint::Client(ClientId(c))),
                Some(c) if clients == 0 => Err(read::error(
                    source,
                    item,
                    format!("client c{c} does not exist: the scenario has no clients (no [workload], or clients = 0)"),
                )),
                Some(c) => Err(read::error(
                    source,
                    item,
                    if clients == 1 {
                        format!("client c{c} does not exist: there is 1 client, c0")
                    } else {
                        format!(
                            "client c{c} does not exist: there are {clients} clients, c0 to c{}",
                            clients - 1
                        )
                    },
                )),
                None => Err(read::error(
                    source,
                    item,
                    format!("expected a node index or a client like \"c0\" for `{key}`, got \"{s}\""),
                )),
            }
        }
        other => {
            let message = format!(
                "expected a node index (0 to {}) or a client like \"c0\" for `{key}`, got {}",
                context.nodes - 1,
                other.describe()
            );
            Err(read::error(source, item, message))
        }
    }
}

/// A target: a node index, `"random"`, or a role name such as `"leader"`.
fn target(context: &Context<'_>, key: &str, item: &Item) -> Result<Target, ScenarioError> {
    if let Value::String(s) = &item.value {
        if client_name(s).is_some() {
            let message = format!(
                "`{key}` acts on a node, not a client ({s}); only `isolate`, `cut`, `heal` and partition groups take a client"
            );
            return Err(read::error(context.source, item, message));
        }
    }
    node_target(context, key, item)
}

/// A target that may also be a client `"c1"` (for `isolate` and `cut`).
fn target_or_client(
    context: &Context<'_>,
    key: &str,
    item: &Item,
) -> Result<Target, ScenarioError> {
    match &item.value {
        Value::String(s) if client_name(s).is_some() => {
            match endpoint(context, key, item, context.clients)? {
                Endpoint::Client(c) => Ok(Target::Client(c.0)),
                Endpoint::Node(n) => Ok(Target::Node(n.0)),
            }
        }
        _ => node_target(context, key, item),
    }
}

/// `"c12"` → 12: the name of a client.
fn client_name(s: &str) -> Option<u32> {
    s.strip_prefix('c')
        .filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))
        .and_then(|d| d.parse::<u32>().ok())
}

fn node_target(context: &Context<'_>, key: &str, item: &Item) -> Result<Target, ScenarioError> {
    match &item.value {
        Value::Integer(_) => node_index(context, key, item).map(Target::Node),
        Value::String(s) if s == "random" => Ok(Target::Random),
        Value::String(s) if s == "all" => {
            let message = format!(
                "\"all\" is only allowed for `restart`; `{key}` takes a node index, \"random\" or a role like \"leader\""
            );
            Err(read::error(context.source, item, message))
        }
        Value::String(s) if is_role_name(s) => Ok(Target::Role(toml::Spanned::new(
            item.span.clone(),
            s.clone(),
        ))),
        Value::String(s) if s.contains('+') => relative_target(context, key, item, s),
        Value::String(s) => {
            let message = format!(
                "invalid target {s:?} for `{key}`: a role name uses letters, digits, `-` and `_` (like \"leader\")"
            );
            Err(read::error(context.source, item, message))
        }
        other => {
            let message = format!(
                "expected a target (a node index like 2, \"random\", or a role like \"leader\") for `{key}`, got {}",
                other.describe()
            );
            Err(read::error(context.source, item, message))
        }
    }
}

/// `"leader+1"`: a role, `+`, and an offset from 1 to `nodes - 1`.
fn relative_target(
    context: &Context<'_>,
    key: &str,
    item: &Item,
    s: &str,
) -> Result<Target, ScenarioError> {
    let (role, offset) = s.split_once('+').unwrap_or((s, ""));
    let bad = |why: String| {
        let message = format!(
            "invalid target {s:?} for `{key}`: {why} (like \"leader+1\": the node after the leader, in id order)"
        );
        Err(read::error(context.source, item, message))
    };
    if !is_role_name(role) || role == "random" || role == "all" {
        return bad(format!("{role:?} before `+` is not a role name"));
    }
    let Ok(offset) = offset.parse::<u32>() else {
        return bad(format!("{offset:?} after `+` is not a whole number"));
    };
    if offset == 0 || offset >= context.nodes {
        return bad(format!(
            "the offset must be from 1 to {} ({})",
            context.nodes.saturating_sub(1),
            context.nodes_from
        ));
    }
    let role = toml::Spanned::new(item.span.clone(), role.to_string());
    Ok(Target::Relative { role, offset })
}

fn is_role_name(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// All `[[faults]]` entries, sorted by `at` (stable).
pub(crate) fn parse_faults(
    top: &Section<'_>,
    context: &Context<'_>,
) -> Result<Vec<FaultSpec>, ScenarioError> {
    let Some(item) = top.get("faults") else {
        return Ok(Vec::new());
    };
    let mut faults = Vec::new();
    for entry in array_of_tables(context.source, item, "faults")? {
        faults.push(parse_fault(context, entry)?);
    }
    faults.sort_by_key(|fault| fault.at);
    Ok(faults)
}

fn parse_fault(context: &Context<'_>, item: &Item) -> Result<FaultSpec, ScenarioError> {
    let source = context.source;
    let section = Section::new(source, item, "[[faults]]", "in [[faults]]".into())?;
    let mut allowed = vec!["at", "for", "in_flight"];
    allowed.extend(ACTIONS);
    section.check_keys(&allowed)?;
    let actions = &ACTIONS;
    let at_item = section.required("at", "a time like \"5s\"")?;
    let at = read::duration(source, "at", at_item)?;
    if at >= context.duration {
        let message = format!(
            "fault at {at} never happens: faults run only before the end of the run ({})",
            context.duration_from
        );
        return Err(section.error(at_item, message));
    }
    let mut present: Vec<(&str, &super::value::Entry)> = actions
        .iter()
        .filter_map(|&key| section.table.get(key).map(|entry| (key, entry)))
        .collect();
    present.sort_by_key(|(_, entry)| entry.key_span.start);
    let (key, entry) = match present.as_slice() {
        [] => {
            let message = format!(
                "this fault has no action; expected exactly one of: {}",
                actions.join(", ")
            );
            return Err(section.error(at_item, message));
        }
        [one] => *one,
        [(first, _), (second, entry), ..] => {
            let message = format!(
                "a fault has exactly one action, but this one has `{first}` and `{second}`; split it into two [[faults]] entries"
            );
            return Err(ScenarioError::at(source, entry.key_span.clone(), message));
        }
    };
    let mut action = parse_action(context, key, &entry.item)?;
    let for_item = section.get("for");
    match (&mut action, for_item) {
        (FaultAction::Pause { duration, .. }, Some(item)) => {
            *duration = read::positive_duration(source, "for", item)?;
        }
        (FaultAction::Pause { .. }, None) => {
            let message = "a pause needs `for` beside it: how long the node is paused (like pause = \"leader\", for = \"3s\")".to_string();
            return Err(ScenarioError::at(source, entry.key_span.clone(), message));
        }
        (_, Some(item)) => {
            let message = format!(
                "`for` goes with `pause` only (how long the node is paused), not with `{key}`"
            );
            return Err(section.error(item, message));
        }
        (_, None) => {}
    }
    let in_flight = match section.get("in_flight") {
        None => InFlight::Deliver,
        Some(item) => {
            if !matches!(key, "partition" | "isolate" | "cut") {
                let message = format!(
                    "`in_flight` goes with `partition`, `isolate` and `cut` only (what becomes of messages on the wire over the links they cut), not with `{key}`"
                );
                return Err(section.error(item, message));
            }
            let names: Vec<&str> = InFlight::NAMED.iter().map(|(n, _)| *n).collect();
            let text = read::string(source, "in_flight", item)?;
            match InFlight::NAMED.iter().find(|(n, _)| n == text.get_ref()) {
                Some((_, mode)) => *mode,
                None => {
                    let message = format!(
                        "unknown in_flight {:?}; expected {} (what becomes of messages already on the wire over a link the fault cuts)",
                        text.get_ref(),
                        quoted_list(&names)
                    );
                    return Err(section.error(item, message));
                }
            }
        }
    };
    Ok(FaultSpec {
        at,
        action,
        span: entry.item.span.clone(),
        in_flight,
    })
}

fn parse_action(
    context: &Context<'_>,
    key: &str,
    item: &Item,
) -> Result<FaultAction, ScenarioError> {
    let source = context.source;
    match key {
        "partition" => parse_partition(context, item).map(FaultAction::Partition),
        "isolate" => target_or_client(context, key, item).map(FaultAction::Isolate),
        "crash" => target(context, key, item).map(FaultAction::Crash),
        "restart" => match &item.value {
            Value::String(s) if s == "all" => Ok(FaultAction::RestartAll),
            _ => target(context, key, item).map(FaultAction::Restart),
        },
        "heal" => parse_heal(context, item),
        "network" => parse_network_change(context, item),
        "cut" => {
            let place = "in `cut`".to_string();
            let section = Section::new(source, item, "`cut` (like { from = 0, to = 1 })", place)?;
            section.check_keys(&["from", "to"])?;
            let from_item = section.required("from", "a target")?;
            let from = target_or_client(context, "from", from_item)?;
            let to_item = section.required("to", "a target")?;
            let to = target_or_client(context, "to", to_item)?;
            match (&from, &to) {
                (Target::Node(a), Target::Node(b)) if a == b => {
                    let message = format!(
                        "a cut is between two different nodes, but from and to are both {a}"
                    );
                    return Err(section.error(to_item, message));
                }
                (Target::Client(a), Target::Client(b)) => {
                    let message = format!(
                        "clients only talk to nodes, but from and to are both clients (c{a} and c{b})"
                    );
                    return Err(section.error(to_item, message));
                }
                _ => {}
            }
            Ok(FaultAction::Cut { from, to })
        }
        "pause" => target(context, key, item).map(|node| FaultAction::Pause {
            node,
            duration: SimTime::ZERO,
        }),
        "clock_jump" => parse_clock_jump(context, item),
        "clock_strobe" => parse_clock_strobe(context, item),
        "slow" => parse_slow(context, item),
        "loss" => read::probability(source, key, item).map(FaultAction::Loss),
        _ => read::probability(source, key, item).map(FaultAction::Duplicate),
    }
}

/// `heal = true`, `heal = TARGET`, `heal = { from, to, both_ways }` or
/// `heal = { group = [...] }`.
fn parse_heal(context: &Context<'_>, item: &Item) -> Result<FaultAction, ScenarioError> {
    let source = context.source;
    match &item.value {
        Value::Boolean(true) => Ok(FaultAction::Heal),
        Value::Boolean(false) => {
            let message = "heal must be true (to not heal, leave the entry out)".to_string();
            Err(read::error(source, item, message))
        }
        Value::Integer(_) | Value::String(_) => {
            target_or_client(context, "heal", item).map(FaultAction::HealNode)
        }
        Value::Table(_) => {
            let what = "`heal` (like { from = 0, to = 1 } or { group = [0, 1] })";
            let section = Section::new(source, item, what, "in `heal`".into())?;
            if let Some(group) = section.get("group") {
                section.check_keys(&["group"])?;
                let Value::Array(members) = &group.value else {
                    let message = format!(
                        "expected a list of nodes like [0, 1, \"leader\"] for `group`, got {}",
                        group.value.describe()
                    );
                    return Err(read::error(source, group, message));
                };
                if members.len() < 2 {
                    let message = "a group to heal needs two members or more (to heal one node's links, write heal = NODE)".to_string();
                    return Err(read::error(source, group, message));
                }
                let members = group_members(context, members)?;
                return Ok(FaultAction::HealGroup(members));
            }
            section.check_keys(&["from", "to", "both_ways", "group"])?;
            let from_item = section.required("from", "a target (or give `group` alone)")?;
            let from = target_or_client(context, "from", from_item)?;
            let to_item = section.required("to", "a target")?;
            let to = target_or_client(context, "to", to_item)?;
            if from == to && matches!(from, Target::Node(_) | Target::Client(_)) {
                let message =
                    "a link joins two different ends, but from and to are the same".to_string();
                return Err(section.error(to_item, message));
            }
            let both_ways = match section.get("both_ways") {
                Some(i) => read::boolean(source, "both_ways", i)?,
                None => false,
            };
            Ok(FaultAction::HealLink {
                from,
                to,
                both_ways,
            })
        }
        other => {
            let message = format!(
                "expected true, a target (like 2, \"leader\" or \"c0\"), {{ from = 0, to = 1 }} or {{ group = [0, 1] }} for `heal`, got {}",
                other.describe()
            );
            Err(read::error(source, item, message))
        }
    }
}

const NETWORK_CHANGE_KEYS: [&str; 7] = [
    "from",
    "to",
    "both_ways",
    "message",
    "latency",
    "loss",
    "duplicate",
];

/// `network = "reset"` or `network = { from, to, both_ways, message,
/// latency, loss, duplicate }`.
fn parse_network_change(context: &Context<'_>, item: &Item) -> Result<FaultAction, ScenarioError> {
    let source = context.source;
    let expected = "\"reset\" or a table like { from = 0, to = 1, latency = { kind = \"constant\", value = \"200ms\" } }";
    match &item.value {
        Value::String(s) if s == "reset" => return Ok(FaultAction::NetworkReset),
        Value::Table(_) => {}
        other => {
            let message = format!(
                "expected {expected} for `network`, got {}",
                other.describe()
            );
            return Err(read::error(source, item, message));
        }
    }
    let section = Section::new(source, item, "`network`", "in `network`".into())?;
    section.check_keys(&NETWORK_CHANGE_KEYS)?;
    let end = |key: &str| {
        section
            .get(key)
            .map(|i| target(context, key, i))
            .transpose()
    };
    let (from, to) = (end("from")?, end("to")?);
    if let (Some(Target::Node(a)), Some(Target::Node(b))) = (&from, &to) {
        if a == b {
            let message = format!("a link joins two different nodes, but from and to are both {a}");
            return Err(section.error(section.get("to").unwrap_or(item), message));
        }
    }
    let both_ways = match section.get("both_ways") {
        Some(i) => read::boolean(source, "both_ways", i)?,
        None => true,
    };
    let messages = match section.get("message") {
        None => Vec::new(),
        Some(i) => message_kinds(source, i)?,
    };
    let latency = section
        .get("latency")
        .map(|i| super::latency::parse_latency(source, i))
        .transpose()?;
    let probability = |key: &str| {
        section
            .get(key)
            .map(|i| read::probability(source, key, i))
            .transpose()
    };
    let (loss, duplicate) = (probability("loss")?, probability("duplicate")?);
    if latency.is_none() && loss.is_none() && duplicate.is_none() {
        let message = format!(
            "missing what changes {}; expected `latency`, `loss` or `duplicate` (to undo the changes, write network = \"reset\")",
            section.place
        );
        return Err(ScenarioError::at(source, section.span.clone(), message));
    }
    Ok(FaultAction::Network(NetworkChangeSpec {
        from,
        to,
        both_ways,
        messages,
        latency,
        loss,
        duplicate,
    }))
}

/// `message = "AppendEntries"` or a list of such names.
fn message_kinds(
    source: &super::error::SourceInfo,
    item: &Item,
) -> Result<Vec<String>, ScenarioError> {
    let one = |i: &Item| -> Result<String, ScenarioError> {
        let name = read::string(source, "message", i)?.into_inner();
        let ok = name
            .chars()
            .next()
            .is_some_and(|c| c.is_alphabetic() || c == '_')
            && name.chars().all(|c| c.is_alphanumeric() || c == '_');
        if !ok {
            let message = format!(
                "invalid message kind {name:?}: a kind is the name of the protocol's message variant, like \"AppendEntries\" (the first word of the message in the trace)"
            );
            return Err(read::error(source, i, message));
        }
        Ok(name)
    };
    match &item.value {
        Value::Array(items) if !items.is_empty() => items.iter().map(one).collect(),
        Value::Array(_) => {
            let message =
                "`message` must not be empty; leave it out to change every message".to_string();
            Err(read::error(source, item, message))
        }
        _ => Ok(vec![one(item)?]),
    }
}

fn parse_clock_jump(context: &Context<'_>, item: &Item) -> Result<FaultAction, ScenarioError> {
    let source = context.source;
    let what = "`clock_jump` (like { node = 1, by = \"-2s\" })";
    let section = Section::new(source, item, what, "in `clock_jump`".into())?;
    section.check_keys(&["node", "by"])?;
    let node = target(context, "node", section.required("node", "a target")?)?;
    let by_item = section.required("by", "a signed duration like \"-2s\"")?;
    let by = read::signed_duration(source, "by", by_item)?;
    Ok(FaultAction::ClockJump { node, by })
}

fn parse_clock_strobe(context: &Context<'_>, item: &Item) -> Result<FaultAction, ScenarioError> {
    let source = context.source;
    let what =
        "`clock_strobe` (like { node = 1, delta = \"200ms\", period = \"10ms\", for = \"1s\" })";
    let section = Section::new(source, item, what, "in `clock_strobe`".into())?;
    section.check_keys(&["node", "delta", "period", "for"])?;
    let node = target(context, "node", section.required("node", "a target")?)?;
    let time = |key: &str| {
        let value = section.required(key, "a duration like \"10ms\"")?;
        read::duration(source, key, value)
    };
    let delta = time("delta")?;
    let period_item = section.required("period", "a duration like \"10ms\"")?;
    let period = read::positive_duration(source, "period", period_item)?;
    let duration = time("for")?;
    Ok(FaultAction::ClockStrobe {
        node,
        delta,
        period,
        duration,
    })
}

/// `slow = { node = 2, factor = 10, for = "5s" }`.
fn parse_slow(context: &Context<'_>, item: &Item) -> Result<FaultAction, ScenarioError> {
    let source = context.source;
    let what = "`slow` (like { node = 2, factor = 10, for = \"5s\" })";
    let section = Section::new(source, item, what, "in `slow`".into())?;
    section.check_keys(&["node", "factor", "for"])?;
    let node = target(context, "node", section.required("node", "a target")?)?;
    let factor_item = section.required("factor", "a whole number from 1 to 1000")?;
    let factor = read::integer_in(source, "factor", factor_item, 1..=1000)?.unsigned_abs() as u32;
    let for_item = section.required("for", "a duration like \"5s\"")?;
    let duration = read::positive_duration(source, "for", for_item)?;
    Ok(FaultAction::Slow {
        node,
        factor,
        duration,
    })
}

/// `partition = "halves"` or `partition = [[0, 1], [2, 3, 4]]`.
fn parse_partition(context: &Context<'_>, item: &Item) -> Result<PartitionSpec, ScenarioError> {
    let source = context.source;
    let names: Vec<&str> = PartitionShape::NAMED
        .iter()
        .map(|(name, _)| *name)
        .collect();
    let expected = format!(
        "a shape ({}) or groups of node indices like [[0, 1], [2, 3, 4]]",
        quoted_list(&names)
    );
    match &item.value {
        Value::String(s) => PartitionShape::NAMED
            .iter()
            .find(|(name, _)| name == s)
            .map(|(_, shape)| PartitionSpec::Shape(*shape))
            .ok_or_else(|| {
                let message = format!("unknown partition {s:?}; expected {expected}");
                read::error(source, item, message)
            }),
        Value::Array(groups) => parse_groups(context, groups, item),
        other => {
            let message = format!(
                "expected {expected} for `partition`, got {}",
                other.describe()
            );
            Err(read::error(source, item, message))
        }
    }
}

fn parse_groups(
    context: &Context<'_>,
    groups: &[Item],
    whole: &Item,
) -> Result<PartitionSpec, ScenarioError> {
    let source = context.source;
    if groups.is_empty() {
        let message = "a partition needs at least one group, like [[0, 1], [2, 3, 4]]".to_string();
        return Err(read::error(source, whole, message));
    }
    let mut seen: Vec<Target> = Vec::new();
    let mut out: Vec<Vec<Target>> = Vec::new();
    for group in groups {
        let Value::Array(members) = &group.value else {
            let message = format!(
                "expected a group of node indices (and clients like \"c0\", roles like \"leader\") like [0, 1] in `partition`, got {}",
                group.value.describe()
            );
            return Err(read::error(source, group, message));
        };
        if members.is_empty() {
            let message = "a partition group must not be empty".to_string();
            return Err(read::error(source, group, message));
        }
        out.push(members_of(
            context,
            members,
            &mut seen,
            "is in two partition groups",
        )?);
    }
    let node = |t: &Target| match t {
        Target::Node(n) => Some(*n),
        _ => None,
    };
    let endpoint = |t: &Target| match t {
        Target::Node(n) => Some(Endpoint::Node(crate::base::NodeId(*n))),
        Target::Client(c) => Some(Endpoint::Client(crate::base::ClientId(*c))),
        _ => None,
    };
    let all = || out.iter().flatten();
    if all().all(|t| node(t).is_some()) {
        let groups = out
            .iter()
            .map(|g| g.iter().filter_map(node).collect())
            .collect();
        return Ok(PartitionSpec::Groups(groups));
    }
    if all().all(|t| endpoint(t).is_some()) {
        let groups = out
            .iter()
            .map(|g| g.iter().filter_map(endpoint).collect())
            .collect();
        return Ok(PartitionSpec::Mixed(groups));
    }
    Ok(PartitionSpec::Targets(out))
}

/// The members of a healed group (`heal = { group = [...] }`).
fn group_members(context: &Context<'_>, members: &[Item]) -> Result<Vec<Target>, ScenarioError> {
    members_of(
        context,
        members,
        &mut Vec::new(),
        "is listed twice in `group`",
    )
}

/// Group members: node indices, clients (`"c0"`), roles (`"leader"`),
/// `"random"` and relative targets (`"leader+1"`); a node index or a
/// client already in `seen` is an error (`twice` says where it was).
fn members_of(
    context: &Context<'_>,
    members: &[Item],
    seen: &mut Vec<Target>,
    twice: &str,
) -> Result<Vec<Target>, ScenarioError> {
    let mut out = Vec::new();
    for member in members {
        let target = match &member.value {
            Value::String(s) if client_name(s).is_some() => {
                target_or_client(context, "partition", member)?
            }
            Value::String(_) => node_target(context, "partition", member)?,
            _ => Target::Node(node_index(context, "partition", member)?),
        };
        if matches!(target, Target::Node(_) | Target::Client(_)) {
            if seen.contains(&target) {
                let (what, kind) = match &target {
                    Target::Client(c) => (format!("client c{c}"), "client"),
                    Target::Node(n) => (format!("node {n}"), "node"),
                    _ => unreachable!("only fixed members are checked"),
                };
                let message = if twice.contains("partition") {
                    format!("{what} {twice}; each {kind} may be in one")
                } else {
                    format!("{what} {twice}")
                };
                return Err(read::error(context.source, member, message));
            }
            seen.push(target.clone());
        }
        out.push(target);
    }
    Ok(out)
}

const NEMESIS_KEYS: [&str; 6] = ["kinds", "every", "heal_after", "start", "stop", "swarm"];

/// `[nemesis]`.
pub(crate) fn parse_nemesis(
    section: &Section<'_>,
    context: &Context<'_>,
) -> Result<NemesisSpec, ScenarioError> {
    section.check_keys(&NEMESIS_KEYS)?;
    let source = section.source;
    let kinds = parse_nemesis_kinds(section)?;
    let every_item = section.required("every", "a duration like \"3s\"")?;
    let every = read::positive_duration(source, "every", every_item)?;
    let heal_after = match section.get("heal_after") {
        Some(item) => read::positive_duration(source, "heal_after", item)?,
        None => SimTime::from_secs(1),
    };
    let start = match section.get("start") {
        Some(item) => read::duration(source, "start", item)?,
        None => SimTime::ZERO,
    };
    let stop = match section.get("stop") {
        Some(item) => {
            let stop = read::duration(source, "stop", item)?;
            if stop > context.duration {
                let message = format!(
                    "nemesis stop ({stop}) is after the end of the run ({})",
                    context.duration_from
                );
                return Err(section.error(item, message));
            }
            stop
        }
        None => context.duration,
    };
    if start >= stop {
        let message = format!("nemesis start ({start}) must be before its stop ({stop})");
        let at = section.get("start").unwrap_or(every_item);
        return Err(section.error(at, message));
    }
    let swarm = match section.get("swarm") {
        Some(item) => read::boolean(source, "swarm", item)?,
        None => false,
    };
    Ok(NemesisSpec {
        kinds,
        every,
        heal_after,
        start,
        stop,
        swarm,
    })
}

fn parse_nemesis_kinds(section: &Section<'_>) -> Result<Vec<NemesisKind>, ScenarioError> {
    let source = section.source;
    let names: Vec<&str> = NemesisKind::ALL.iter().map(|(name, _)| *name).collect();
    let expected = format!("a list of fault kinds from {}", quoted_list(&names));
    let item = section.required("kinds", &expected)?;
    let Value::Array(items) = &item.value else {
        let message = format!(
            "expected {expected} for `kinds`, got {}",
            item.value.describe()
        );
        return Err(section.error(item, message));
    };
    if items.is_empty() {
        let message = format!("kinds must not be empty; expected {expected}");
        return Err(section.error(item, message));
    }
    let mut kinds = Vec::new();
    for entry in items {
        let name = read::string(source, "kinds", entry)?.into_inner();
        let Some((_, kind)) = NemesisKind::ALL.iter().find(|(n, _)| *n == name) else {
            let message = format!(
                "unknown nemesis kind {name:?}; expected one of {}",
                quoted_list(&names)
            );
            return Err(section.error(entry, message));
        };
        if kinds.contains(kind) {
            let message = format!("nemesis kind {name:?} is listed twice");
            return Err(section.error(entry, message));
        }
        kinds.push(*kind);
    }
    Ok(kinds)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::error::SourceInfo;
    use crate::scenario::value::parse_document;

    /// Runs `f` on the value of `v` in `text`, with 4 nodes and a 10s run.
    fn with_value<T>(text: &str, f: impl FnOnce(&Context<'_>, &Item) -> T) -> T {
        let source = SourceInfo::new("f.toml", text);
        let document = parse_document(&source).expect("valid TOML");
        let Value::Table(table) = &document.value else {
            unreachable!("a document is a table")
        };
        let context = Context {
            source: &source,
            nodes: 4,
            nodes_from: "nodes = 4".into(),
            duration: SimTime::from_secs(10),
            duration_from: "duration = \"10s\"".into(),
            clients: 2,
        };
        f(&context, &table["v"].item)
    }

    #[test]
    fn targets() {
        let read = |t: &str| with_value(t, |c, i| target(c, "crash", i));
        assert_eq!(read("v = 3"), Ok(Target::Node(3)));
        assert_eq!(read("v = \"random\""), Ok(Target::Random));
        assert!(matches!(read("v = \"leader\""), Ok(Target::Role(r)) if r.get_ref() == "leader"));
        assert!(read("v = 4").is_err());
        assert!(read("v = -1").is_err());
        assert!(read("v = \"\"").is_err());
        assert!(read("v = \"two words\"").is_err());
        assert!(read("v = \"all\"").is_err());
    }

    #[test]
    fn partitions() {
        let read = |t: &str| with_value(t, parse_partition);
        let shape = read("v = \"bridge\"");
        assert_eq!(shape, Ok(PartitionSpec::Shape(PartitionShape::Bridge)));
        let groups = read("v = [[0], [1, 2]]");
        assert_eq!(groups, Ok(PartitionSpec::Groups(vec![vec![0], vec![1, 2]])));
        assert!(read("v = []").is_err());
        assert!(read("v = [[]]").is_err());
        assert!(read("v = [[0, 0]]").is_err());
        assert!(read("v = [0, 1]").is_err());
        assert!(read("v = [[0, 9]]").is_err());
    }

    #[test]
    fn actions() {
        let read = |key: &str, t: &str| with_value(t, |c, i| parse_action(c, key, i));
        assert_eq!(read("restart", "v = \"all\""), Ok(FaultAction::RestartAll));
        assert_eq!(read("heal", "v = true"), Ok(FaultAction::Heal));
        let jump = read("clock_jump", "v = { node = 0, by = \"+1ms\" }");
        let by = SignedDuration(1_000_000);
        assert_eq!(
            jump,
            Ok(FaultAction::ClockJump {
                node: Target::Node(0),
                by
            })
        );
        let strobe = "v = { node = 0, delta = \"1ms\", period = \"0s\", for = \"1s\" }";
        assert!(read("clock_strobe", strobe).is_err());
        let cut = read("cut", "v = { from = 0, to = \"leader\" }");
        assert!(matches!(
            cut,
            Ok(FaultAction::Cut {
                from: Target::Node(0),
                ..
            })
        ));
    }
}
