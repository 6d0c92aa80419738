//! From TOML text to a validated [`Scenario`]: the top level and the simple
//! sections. Faults and the nemesis are in `faults.rs`.

use super::error::{ScenarioError, SourceInfo};
use super::experiment::parse_experiment;
use super::explore::{parse_explore, ExploreSpec};
use super::faults::{endpoint, node_index, parse_faults, parse_nemesis};
use super::latency::parse_latency;
use super::params::{quoted_list, ParamTable};
use super::read::{self, array_of_tables, Context, Section};
use super::spec::*;
use super::value::{parse_document, Item, Table, Value};
use super::Overrides;
use crate::base::SimTime;
use crate::check::{Expectation, Quantity, UnknownPolicy};

const TOP_KEYS: [&str; 18] = [
    "name",
    "description",
    "protocol",
    "nodes",
    "seed",
    "duration",
    "settle",
    "network",
    "clocks",
    "storage",
    "service",
    "workload",
    "faults",
    "nemesis",
    "check",
    "expect",
    "experiment",
    "explore",
];

/// Parses and validates a whole scenario.
pub(crate) fn parse_scenario(
    origin: &str,
    text: &str,
    overrides: &Overrides,
) -> Result<Scenario, ScenarioError> {
    let source = SourceInfo::new(origin, text);
    let document = parse_document(&source)?;
    let top = Section::new(
        &source,
        &document,
        "the document",
        "at the top level".into(),
    )?;
    top.check_keys(&TOP_KEYS)?;
    let name = required_text(&top, "name")?;
    let description = required_text(&top, "description")?;
    let (protocol, protocol_params) = parse_protocol(&top)?;
    let mut context = parse_size_and_time(&top, overrides)?;
    let seed = match (overrides.seed, top.get("seed")) {
        (Some(seed), _) => seed,
        (None, Some(item)) => read::integer_in(&source, "seed", item, 0..=i64::MAX)?.unsigned_abs(),
        (None, None) => 0,
    };
    let settle = match top.get("settle") {
        Some(item) => read::duration(&source, "settle", item)?,
        None => SimTime::from_secs(5),
    };
    let section = |key: &str| optional_section(&top, key);
    // Read before `[network]`, whose `lose_messages` entries may name clients.
    let workload = section("workload")?
        .map(|s| parse_workload(&s))
        .transpose()?;
    context.clients = workload.as_ref().map_or(0, |w| w.clients);
    let faults = parse_faults(&top, &context)?;
    let nemesis = section("nemesis")?
        .map(|s| parse_nemesis(&s, &context))
        .transpose()?;
    let experiment = section("experiment")?
        .map(|s| parse_experiment(&s, &context, &faults, nemesis.as_ref()))
        .transpose()?;
    Ok(Scenario {
        name,
        description,
        protocol,
        protocol_params,
        nodes: context.nodes,
        seed,
        duration: context.duration,
        settle,
        network: match section("network")? {
            Some(s) => parse_network(&s, &context, workload.as_ref())?,
            None => NetworkSpec::default(),
        },
        clocks: section("clocks")?.map_or(Ok(ClockSpec::default()), |s| parse_clocks(&s))?,
        storage: section("storage")?.map_or(Ok(StorageSpec::default()), |s| parse_storage(&s))?,
        service: section("service")?
            .map(|s| parse_service(&s, &context))
            .transpose()?,
        workload,
        faults,
        nemesis,
        experiment,
        check: CheckSpec {
            expect: section("expect")?.map_or(Ok(Vec::new()), |s| parse_expect(&s))?,
            ..section("check")?.map_or(Ok(CheckSpec::default()), |s| parse_check(&s))?
        },
        explore: section("explore")?.map_or(Ok(ExploreSpec::default()), |s| parse_explore(&s))?,
        source: source.clone(),
    })
}

/// A required non-empty string.
fn required_text(top: &Section<'_>, key: &str) -> Result<String, ScenarioError> {
    let item = top.required(key, "a string")?;
    let text = read::string(top.source, key, item)?.into_inner();
    if text.trim().is_empty() {
        return Err(top.error(item, format!("{key} must not be empty")));
    }
    Ok(text)
}

/// `[key]` as a section, if present.
fn optional_section<'a>(
    top: &Section<'a>,
    key: &str,
) -> Result<Option<Section<'a>>, ScenarioError> {
    top.get(key)
        .map(|item| Section::new(top.source, item, &format!("[{key}]"), format!("in [{key}]")))
        .transpose()
}

/// `protocol = "name"`, or `[protocol]` with `name` and parameters.
fn parse_protocol(top: &Section<'_>) -> Result<(toml::Spanned<String>, ParamTable), ScenarioError> {
    let expected = "a protocol name like \"raft\", or a [protocol] table with `name`";
    let item = top.required("protocol", expected)?;
    let source = top.source;
    let (name, entries) = match &item.value {
        Value::String(_) => (read::string(source, "protocol", item)?, Table::new()),
        Value::Table(table) => {
            let section = Section::new(source, item, "[protocol]", "in [protocol]".into())?;
            let name_item = section.required("name", "the protocol's name, a string")?;
            let name = read::string(source, "name", name_item)?;
            let mut entries = table.clone();
            entries.remove("name");
            (name, entries)
        }
        other => {
            let got = other.describe();
            let message = format!(
                "expected a protocol name like \"raft\" for `protocol` (or a [protocol] table with `name`), got {got}"
            );
            return Err(top.error(item, message));
        }
    };
    if name.get_ref().trim().is_empty() {
        let message = "protocol must not be empty".to_string();
        return Err(ScenarioError::at(source, name.span(), message));
    }
    let place = format!("in [protocol] for protocol `{}`", name.get_ref());
    let params = ParamTable::new(source.clone(), place, entries, &["name"]);
    Ok((name, params))
}

/// `nodes` and `duration`, each replaced by its override if given.
fn parse_size_and_time<'a>(
    top: &Section<'a>,
    overrides: &Overrides,
) -> Result<Context<'a>, ScenarioError> {
    let source = top.source;
    let file_nodes = top
        .get("nodes")
        .map(|item| read::integer_in(source, "nodes", item, 1..=i64::from(MAX_NODES)))
        .transpose()?;
    let (nodes, nodes_from) = match (overrides.nodes, file_nodes) {
        (Some(n), _) if !(1..=MAX_NODES).contains(&n) => {
            let message = format!("--nodes must be between 1 and {MAX_NODES}, got {n}");
            return Err(ScenarioError::whole("--nodes", message));
        }
        (Some(n), _) => (n, format!("--nodes {n}")),
        (None, Some(n)) => (n as u32, format!("nodes = {n}")),
        (None, None) => {
            return Err(top.missing("nodes", &format!("an integer from 1 to {MAX_NODES}")))
        }
    };
    let file_duration = top
        .get("duration")
        .map(|item| read::positive_duration(source, "duration", item))
        .transpose()?;
    let (duration, duration_from) = match (overrides.duration, file_duration) {
        (Some(d), _) if d == SimTime::ZERO => {
            let message = "--duration must be more than 0".to_string();
            return Err(ScenarioError::whole("--duration", message));
        }
        (Some(d), _) => (d, format!("--duration {d}")),
        (None, Some(d)) => (d, format!("duration = \"{d}\"")),
        (None, None) => return Err(top.missing("duration", "a duration like \"30s\"")),
    };
    Ok(Context {
        source,
        nodes,
        nodes_from,
        duration,
        duration_from,
        clients: 0,
    })
}

const NETWORK_KEYS: [&str; 8] = [
    "latency",
    "loss",
    "duplicate",
    "fifo",
    "links",
    "lose_messages",
    "keep_loss_draws",
    "clients",
];
const LOSE_KEYS: [&str; 3] = ["from", "to", "nth"];
const LINK_KEYS: [&str; 6] = ["from", "to", "both_ways", "latency", "loss", "duplicate"];

fn parse_network(
    section: &Section<'_>,
    context: &Context<'_>,
    workload: Option<&WorkloadSpec>,
) -> Result<NetworkSpec, ScenarioError> {
    section.check_keys(&NETWORK_KEYS)?;
    let source = section.source;
    let mut network = NetworkSpec::default();
    if let Some(item) = section.get("latency") {
        network.latency = parse_latency(source, item)?;
    }
    if let Some(item) = section.get("loss") {
        network.loss = read::probability(source, "loss", item)?;
    }
    if let Some(item) = section.get("duplicate") {
        network.duplicate = read::probability(source, "duplicate", item)?;
    }
    if let Some(item) = section.get("fifo") {
        network.fifo = read::boolean(source, "fifo", item)?;
    }
    if let Some(item) = section.get("links") {
        let entries = array_of_tables(source, item, "network.links")?;
        for entry in entries {
            network.links.push(parse_link(source, entry, context)?);
        }
    }
    if let Some(item) = section.get("keep_loss_draws") {
        network.keep_loss_draws = read::boolean(source, "keep_loss_draws", item)?;
    }
    if let Some(item) = section.get("clients") {
        network.clients = parse_client_traffic(source, item)?;
    }
    if let Some(item) = section.get("lose_messages") {
        let clients = workload.map_or(0, |w| w.clients);
        let entries = array_of_tables(source, item, "network.lose_messages")?;
        for entry in entries {
            let lose = parse_lose(source, entry, context, clients)?;
            if network.lose.contains(&lose) {
                let message = format!(
                    "message {} from {} to {} is already listed in `lose_messages`",
                    lose.nth, lose.from, lose.to
                );
                return Err(read::error(source, entry, message));
            }
            network.lose.push(lose);
        }
    }
    Ok(network)
}

/// `[network] clients = "loss-only" | "lossy" | "reliable"`.
fn parse_client_traffic(source: &SourceInfo, item: &Item) -> Result<ClientTraffic, ScenarioError> {
    let names: Vec<&str> = ClientTraffic::NAMED.iter().map(|(n, _)| *n).collect();
    let text = read::string(source, "clients", item)?;
    match ClientTraffic::NAMED
        .iter()
        .find(|(n, _)| n == text.get_ref())
    {
        Some((_, mode)) => Ok(*mode),
        None => {
            let message = format!(
                "unknown client traffic {:?} for `clients` in [network]; expected {} (`clients` in [workload] is the number of clients)",
                text.get_ref(),
                quoted_list(&names)
            );
            Err(read::error(source, item, message))
        }
    }
}

/// One `[network] lose_messages` entry: `{ from = 0, to = "c1", nth = 3 }`.
fn parse_lose(
    source: &SourceInfo,
    item: &Item,
    context: &Context<'_>,
    clients: u32,
) -> Result<LoseSpec, ScenarioError> {
    let section = Section::new(
        source,
        item,
        "a `lose_messages` entry",
        "in a `lose_messages` entry".into(),
    )?;
    section.check_keys(&LOSE_KEYS)?;
    let expected = "a node index or a client like \"c0\"";
    let from = endpoint(
        context,
        "from",
        section.required("from", expected)?,
        clients,
    )?;
    let to_item = section.required("to", expected)?;
    let to = endpoint(context, "to", to_item, clients)?;
    use crate::base::Endpoint;
    if let (Endpoint::Client(_), Endpoint::Client(_)) = (from, to) {
        let message = format!(
            "clients only talk to nodes, but from and to are both clients ({from} and {to})"
        );
        return Err(section.error(to_item, message));
    }
    let nth_item = section.required("nth", "which message on the link, 1 for the first")?;
    let nth = read::integer_in(source, "nth", nth_item, 1..=i64::MAX)?.unsigned_abs();
    Ok(LoseSpec { from, to, nth })
}

fn parse_link(
    source: &SourceInfo,
    item: &Item,
    context: &Context<'_>,
) -> Result<LinkSpec, ScenarioError> {
    let section = Section::new(
        source,
        item,
        "[[network.links]]",
        "in [[network.links]]".into(),
    )?;
    section.check_keys(&LINK_KEYS)?;
    let from = node_index(context, "from", section.required("from", "a node index")?)?;
    let to_item = section.required("to", "a node index")?;
    let to = node_index(context, "to", to_item)?;
    if from == to {
        let message = format!("a link joins two different nodes, but from and to are both {to}");
        return Err(section.error(to_item, message));
    }
    let optional_probability = |key: &str| {
        section
            .get(key)
            .map(|i| read::probability(source, key, i))
            .transpose()
    };
    Ok(LinkSpec {
        from,
        to,
        both_ways: match section.get("both_ways") {
            Some(i) => read::boolean(source, "both_ways", i)?,
            None => true,
        },
        latency: section
            .get("latency")
            .map(|i| parse_latency(source, i))
            .transpose()?,
        loss: optional_probability("loss")?,
        duplicate: optional_probability("duplicate")?,
    })
}

fn parse_clocks(section: &Section<'_>) -> Result<ClockSpec, ScenarioError> {
    section.check_keys(&["offset", "drift_ppm"])?;
    let source = section.source;
    let mut clocks = ClockSpec::default();
    if let Some(item) = section.get("offset") {
        clocks.offset = read::duration(source, "offset", item)?;
    }
    if let Some(item) = section.get("drift_ppm") {
        let ppm = read::integer_in(source, "drift_ppm", item, 0..=100_000)?;
        clocks.drift_ppm = ppm.unsigned_abs() as u32;
    }
    Ok(clocks)
}

fn parse_storage(section: &Section<'_>) -> Result<StorageSpec, ScenarioError> {
    section.check_keys(&["lose_unsynced"])?;
    let mut storage = StorageSpec::default();
    if let Some(item) = section.get("lose_unsynced") {
        storage.lose_unsynced = read::boolean(section.source, "lose_unsynced", item)?;
    }
    Ok(storage)
}

/// `[service] time = {...}, workers = N, nodes = [...], requests = bool`.
fn parse_service(
    section: &Section<'_>,
    context: &Context<'_>,
) -> Result<ServiceSpec, ScenarioError> {
    let source = section.source;
    section.check_keys(&["time", "workers", "nodes", "requests"])?;
    let time = section.required(
        "time",
        "a distribution like { kind = \"exponential\", mean = \"5ms\" }",
    )?;
    if !matches!(time.value, Value::Table(_)) {
        let message = format!(
            "expected a distribution like {{ kind = \"exponential\", mean = \"5ms\" }} for `time` in [service] (kinds as for `latency`), got {}",
            time.value.describe()
        );
        return Err(read::error(source, time, message));
    }
    let time = parse_latency(source, time)?;
    let workers = match section.get("workers") {
        Some(item) => read::integer_in(source, "workers", item, 1..=1024)?.unsigned_abs() as u32,
        None => 1,
    };
    let nodes = match section.get("nodes") {
        None => None,
        Some(item) => match &item.value {
            Value::Array(items) if !items.is_empty() => {
                let mut nodes = Vec::new();
                for node in items {
                    let index = node_index(context, "nodes", node)?;
                    if nodes.contains(&index) {
                        let message = format!("node {index} is listed twice in `nodes`");
                        return Err(read::error(source, node, message));
                    }
                    nodes.push(index);
                }
                Some(nodes)
            }
            other => {
                let message = format!(
                    "expected a non-empty list of node indices like [0, 2] for `nodes` in [service], got {}",
                    other.describe()
                );
                return Err(read::error(source, item, message));
            }
        },
    };
    let requests = match section.get("requests") {
        Some(item) => read::boolean(source, "requests", item)?,
        None => true,
    };
    Ok(ServiceSpec {
        time,
        workers,
        nodes,
        requests,
    })
}

const WORKLOAD_KEYS: [&str; 9] = [
    "kind",
    "clients",
    "rate",
    "ops",
    "timeout",
    "resend",
    "retry",
    "retries",
    "in_flight",
];

fn parse_workload(section: &Section<'_>) -> Result<WorkloadSpec, ScenarioError> {
    let source = section.source;
    let kind_item = section.required("kind", "the workload's name, a string like \"kv\"")?;
    let kind = read::string(source, "kind", kind_item)?;
    let clients = match section.get("clients") {
        Some(item) => read::integer_in(source, "clients", item, 0..=1000)?.unsigned_abs() as u32,
        None => 1,
    };
    let rate = match section.get("rate") {
        Some(item) => parse_rate(source, item)?,
        None => Rate {
            count: 10,
            per: SimTime::from_secs(1),
        },
    };
    let ops = section
        .get("ops")
        .map(|item| read::integer_in(source, "ops", item, 1..=i64::MAX))
        .transpose()?
        .map(i64::unsigned_abs);
    let timeout = match section.get("timeout") {
        Some(item) => read::positive_duration(source, "timeout", item)?,
        None => SimTime::from_secs(1),
    };
    let resend = match section.get("resend") {
        Some(item) => {
            let every = read::positive_duration(source, "resend", item)?;
            if every >= timeout {
                let message = format!(
                    "`resend` ({every}) must be shorter than the workload's `timeout` ({timeout}): \
                     a client resends an unanswered request until it gives up on it"
                );
                return Err(read::error(source, item, message));
            }
            Some(every)
        }
        None => None,
    };
    let (retry, retries) = parse_retry(section)?;
    let in_flight = match section.get("in_flight") {
        Some(item) => {
            if let Some(rate) = section.get("rate") {
                let message = "`rate` and `in_flight` do not go together: with `in_flight` each \
                               client keeps that many operations open and issues the next as soon \
                               as one ends; remove one of them"
                    .to_string();
                return Err(read::error(source, rate, message));
            }
            Some(read::integer_in(source, "in_flight", item, 1..=100)?.unsigned_abs() as u32)
        }
        None => None,
    };
    let mut entries = section.table.clone();
    entries.retain(|key, _| !WORKLOAD_KEYS.contains(&key.as_str()));
    let place = format!("in [workload] for workload `{}`", kind.get_ref());
    let params = ParamTable::new(source.clone(), place, entries, &WORKLOAD_KEYS);
    Ok(WorkloadSpec {
        kind,
        clients,
        rate,
        ops,
        timeout,
        resend,
        retry,
        retries,
        in_flight,
        params,
    })
}

/// `retry = "new-id" | "same-id"` and `retries` (only with `"same-id"`).
fn parse_retry(section: &Section<'_>) -> Result<(RetryMode, Option<u32>), ScenarioError> {
    let source = section.source;
    let names: Vec<&str> = RetryMode::NAMED.iter().map(|(name, _)| *name).collect();
    let retry = match section.get("retry") {
        Some(item) => {
            let text = read::string(source, "retry", item)?;
            let found = RetryMode::NAMED.iter().find(|(n, _)| n == text.get_ref());
            let Some((_, mode)) = found else {
                let message = format!(
                    "unknown retry mode {:?}; expected {}",
                    text.get_ref(),
                    quoted_list(&names)
                );
                return Err(read::error(source, item, message));
            };
            *mode
        }
        None => RetryMode::NewId,
    };
    let retries = match section.get("retries") {
        Some(item) if retry != RetryMode::SameId => {
            let message = "`retries` counts the retries of `retry = \"same-id\"`; without it a \
                           timed-out operation is not retried (it ends `info`)"
                .to_string();
            Err(read::error(source, item, message))?
        }
        Some(item) => {
            Some(read::integer_in(source, "retries", item, 1..=1000)?.unsigned_abs() as u32)
        }
        None => None,
    };
    Ok((retry, retries))
}

/// `"10/s"`, `"5/ms"`, `"600/m"`.
fn parse_rate(source: &SourceInfo, item: &Item) -> Result<Rate, ScenarioError> {
    let expected = "a rate like \"10/s\" (operations per s, ms or m)";
    let Value::String(text) = &item.value else {
        let message = format!(
            "expected {expected} for `rate`, got {}",
            item.value.describe()
        );
        return Err(read::error(source, item, message));
    };
    let bad = |why: &str| {
        let message = format!("invalid rate {text:?}: {why}; expected {expected}");
        read::error(source, item, message)
    };
    let Some((count, unit)) = text.split_once('/') else {
        return Err(bad("missing `/`"));
    };
    let count: u64 = count
        .trim()
        .parse()
        .map_err(|_| bad("the count before `/` must be a whole number"))?;
    if count == 0 {
        return Err(bad("the count must be at least 1"));
    }
    let per = match unit.trim() {
        "ms" => SimTime::from_millis(1),
        "s" => SimTime::from_secs(1),
        "m" => SimTime::from_secs(60),
        _ => return Err(bad("the unit after `/` must be s, ms or m")),
    };
    Ok(Rate { count, per })
}

fn parse_check(section: &Section<'_>) -> Result<CheckSpec, ScenarioError> {
    section.check_keys(&[
        "invariants",
        "history",
        "history_steps",
        "unknown",
        "at",
        "within",
    ])?;
    let source = section.source;
    let mut check = CheckSpec::default();
    if let Some(item) = section.get("at") {
        check.timed.extend(super::timed::parse_at(source, item)?);
    }
    if let Some(item) = section.get("within") {
        check
            .timed
            .extend(super::timed::parse_within(source, item)?);
    }
    if let Some(item) = section.get("invariants") {
        check.invariants = parse_invariants(source, item)?;
    }
    if let Some(item) = section.get("history") {
        let history = read::string(source, "history", item)?;
        if history.get_ref().is_empty() {
            let message = "history must be a model name like \"linearizable\", or \"none\"";
            return Err(read::error(source, item, message.to_string()));
        }
        check.history = (history.get_ref() != "none").then_some(history);
    }
    if let Some(item) = section.get("history_steps") {
        let steps = read::integer_in(source, "history_steps", item, 1..=MAX_HISTORY_STEPS)?;
        check.history_steps = Some(steps.unsigned_abs());
    }
    if let Some(item) = section.get("unknown") {
        let policy = read::string(source, "unknown", item)?;
        check.unknown = match policy.get_ref().as_str() {
            "fail" => UnknownPolicy::Fail,
            "pass" => UnknownPolicy::Pass,
            other => {
                let message = format!(
                    "expected \"fail\" (an undecided check makes the run `unknown`, exit code 6) or \"pass\" for `unknown`, got {other:?}"
                );
                return Err(ScenarioError::at(source, policy.span(), message));
            }
        };
    }
    Ok(check)
}

/// `[expect]`: one bound per metric, `name = { min = .., max = .. }`; each
/// side a number (`8`, `1.5`), a percentage (`"99.5%"`) or a duration
/// (`"50ms"`), both of one kind, at least one given, `min <= max`.
fn parse_expect(section: &Section<'_>) -> Result<Vec<Expectation>, ScenarioError> {
    let source = section.source;
    let mut out = Vec::new();
    let mut entries: Vec<_> = section.table.iter().collect();
    entries.sort_by_key(|(_, entry)| entry.key_span.start);
    for (metric, entry) in entries {
        let place = format!("in [expect] {metric}");
        let what = format!("`{metric}` (a table like {{ max = 8 }})");
        let bound = Section::new(source, &entry.item, &what, place)?;
        bound.check_keys(&["min", "max"])?;
        let side = |key: &str| -> Result<Option<Quantity>, ScenarioError> {
            let Some(item) = bound.get(key) else {
                return Ok(None);
            };
            let expected = "a number (8, 1.5), a percentage (\"99.5%\") or a duration (\"50ms\")";
            let quantity = match &item.value {
                Value::Integer(i) => Ok(Quantity::Number(*i as f64)),
                Value::Float(f) if f.is_finite() => Ok(Quantity::Number(*f)),
                Value::String(s) => s.parse::<Quantity>(),
                other => Err(format!("got {}", other.describe())),
            };
            quantity.map(Some).map_err(|why| {
                read::error(
                    source,
                    item,
                    format!("expected {expected} for `{key}`: {why}"),
                )
            })
        };
        let (min, max) = (side("min")?, side("max")?);
        match (min, max) {
            (None, None) => {
                return Err(bound.missing("min` or `max", "a bound on the metric"));
            }
            (Some(lo), Some(hi)) if lo.kind() != hi.kind() => {
                let message = format!(
                    "`min` is a {} and `max` a {}: a metric's bounds are of one kind",
                    lo.kind(),
                    hi.kind()
                );
                return Err(read::error(source, &entry.item, message));
            }
            (Some(lo), Some(hi)) if lo.value() > hi.value() => {
                let message = format!("`min` ({lo}) is above `max` ({hi})");
                return Err(read::error(source, &entry.item, message));
            }
            _ => {}
        }
        out.push(Expectation {
            metric: metric.clone(),
            min,
            max,
        });
    }
    Ok(out)
}

/// The most steps `[check] history_steps` may give a history checker: a
/// run's linearizability search at about 10 M steps/s takes minutes there.
pub const MAX_HISTORY_STEPS: i64 = 10_000_000_000;

fn parse_invariants(source: &SourceInfo, item: &Item) -> Result<InvariantSelection, ScenarioError> {
    let expected = "\"all\", \"none\" or a list of invariant names";
    match &item.value {
        Value::String(s) if s == "all" => Ok(InvariantSelection::All),
        Value::String(s) if s == "none" => Ok(InvariantSelection::None),
        Value::Array(items) => {
            let mut names: Vec<toml::Spanned<String>> = Vec::new();
            for name in items {
                let name = read::string(source, "invariants", name)?;
                if names.iter().any(|n| n.get_ref() == name.get_ref()) {
                    let message = format!("invariant {:?} is listed twice", name.get_ref());
                    return Err(ScenarioError::at(source, name.span(), message));
                }
                names.push(name);
            }
            Ok(InvariantSelection::Named(names))
        }
        other => {
            let message = format!(
                "expected {expected} for `invariants`, got {}",
                other.describe()
            );
            Err(read::error(source, item, message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_value<T>(text: &str, f: impl FnOnce(&SourceInfo, &Item) -> T) -> T {
        let source = SourceInfo::new("p.toml", text);
        let document = parse_document(&source).expect("valid TOML");
        let Value::Table(table) = &document.value else {
            unreachable!("a document is a table")
        };
        f(&source, &table["v"].item)
    }

    #[test]
    fn rates() {
        let read = |t: &str| with_value(t, parse_rate);
        let per = SimTime::from_secs;
        assert_eq!(
            read("v = \"10/s\""),
            Ok(Rate {
                count: 10,
                per: per(1)
            })
        );
        assert_eq!(
            read("v = \"600/m\""),
            Ok(Rate {
                count: 600,
                per: per(60)
            })
        );
        assert_eq!(
            read("v = \"2/ms\"").map(Rate::interval),
            Ok(SimTime::from_micros(500))
        );
        for bad in [
            "v = \"0/s\"",
            "v = \"1.5/s\"",
            "v = \"10\"",
            "v = \"10/h\"",
            "v = 10",
        ] {
            assert!(read(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn latencies() {
        let read = |t: &str| with_value(t, parse_latency);
        let constant = read("v = { kind = \"constant\", value = \"5ms\" }");
        assert_eq!(
            constant,
            Ok(LatencySpec::Constant {
                value: SimTime::from_millis(5)
            })
        );
        assert!(read("v = { kind = \"exponential\", mean = \"0ms\" }").is_err());
        assert!(read("v = { kind = \"lognormal\", median = \"1ms\", sigma = 0 }").is_err());
        assert!(read("v = { kind = \"lognormal\", median = \"1ms\", sigma = 1 }").is_ok());
        assert!(read("v = { min = \"1ms\" }").is_err());
    }

    #[test]
    fn invariants() {
        let read = |t: &str| with_value(t, parse_invariants);
        assert_eq!(read("v = \"none\""), Ok(InvariantSelection::None));
        assert!(
            matches!(read("v = [\"a\", \"b\"]"), Ok(InvariantSelection::Named(n)) if n.len() == 2)
        );
        assert!(read("v = [\"a\", \"a\"]").is_err());
        assert!(read("v = \"some\"").is_err());
    }
}
