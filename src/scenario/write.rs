//! From a [`Scenario`] back to TOML text that [`parse`](super::parse)
//! reads as the same scenario (positions aside): what `distlab shrink`
//! writes its minimal scenarios with.
//!
//! Values are written exactly: durations in the largest unit that divides
//! them (`"1500us"`, never a rounded `"1.5ms"` that could lose a digit),
//! probabilities and other floats in Rust's shortest round-trip form,
//! protocol and workload parameters as the TOML values they were read as.
//! Sections at their defaults are left out; comments are not kept.

use super::explore::{ExploreNetwork, ExploreSpec, ExploreTime};
use super::params::ParamTable;
use super::spec::*;
use super::value::{Item, Value};
use crate::base::SimTime;
use std::fmt::Write as _;

/// The scenario as a TOML document. `parse(origin, &to_toml(s), &Default)`
/// gives back `s`, except for positions and the source text (the tests
/// check it on every shipped scenario).
///
/// ```
/// use distlab::scenario::{parse, to_toml, Overrides};
///
/// let text = "name = \"x\"\ndescription = \"d\"\nprotocol = \"echo\"\nnodes = 2\nduration = \"1.5s\"\n";
/// let scenario = parse("x.toml", text, &Overrides::default()).unwrap();
/// let written = to_toml(&scenario);
/// assert!(written.contains("duration = \"1500ms\""));
/// let again = parse("y.toml", &written, &Overrides::default()).unwrap();
/// assert_eq!(again.duration, scenario.duration);
/// ```
pub fn to_toml(scenario: &Scenario) -> String {
    let mut out = String::new();
    let s = scenario;
    line(&mut out, "name", &string(&s.name));
    line(&mut out, "description", &string(&s.description));
    if s.protocol_params.is_empty() {
        line(&mut out, "protocol", &string(s.protocol.get_ref()));
    }
    line(&mut out, "nodes", &s.nodes.to_string());
    line(&mut out, "seed", &s.seed.to_string());
    line(&mut out, "duration", &time(s.duration));
    line(&mut out, "settle", &time(s.settle));
    if !s.protocol_params.is_empty() {
        out.push_str("\n[protocol]\n");
        line(&mut out, "name", &string(s.protocol.get_ref()));
        params(&mut out, &s.protocol_params);
    }
    network(&mut out, &s.network);
    if s.clocks != ClockSpec::default() {
        out.push_str("\n[clocks]\n");
        line(&mut out, "offset", &time(s.clocks.offset));
        line(&mut out, "drift_ppm", &s.clocks.drift_ppm.to_string());
    }
    if s.storage != StorageSpec::default() {
        out.push_str("\n[storage]\n");
        line(
            &mut out,
            "lose_unsynced",
            &s.storage.lose_unsynced.to_string(),
        );
    }
    if let Some(service) = &s.service {
        out.push_str("\n[service]\n");
        line(&mut out, "time", &latency(&service.time));
        line(&mut out, "workers", &service.workers.to_string());
        if let Some(nodes) = &service.nodes {
            let list: Vec<String> = nodes.iter().map(u32::to_string).collect();
            line(&mut out, "nodes", &format!("[{}]", list.join(", ")));
        }
        if !service.requests {
            line(&mut out, "requests", "false");
        }
    }
    if let Some(w) = &s.workload {
        workload(&mut out, w);
    }
    for fault in &s.faults {
        out.push_str("\n[[faults]]\n");
        line(&mut out, "at", &time(fault.at));
        let (key, value) = action(&fault.action);
        line(&mut out, key, &value);
        if let FaultAction::Pause { duration, .. } = &fault.action {
            line(&mut out, "for", &time(*duration));
        }
        if fault.in_flight == InFlight::Drop {
            line(&mut out, "in_flight", &string("drop"));
        }
    }
    if let Some(n) = &s.nemesis {
        nemesis(&mut out, n);
    }
    check(&mut out, &s.check);
    expect(&mut out, &s.check.expect);
    if let Some(e) = &s.experiment {
        experiment(&mut out, e);
    }
    explore(&mut out, &s.explore);
    out
}

fn line(out: &mut String, key: &str, value: &str) {
    let _ = writeln!(out, "{} = {value}", bare_or_quoted(key));
}

fn network(out: &mut String, n: &NetworkSpec) {
    out.push_str("\n[network]\n");
    line(out, "latency", &latency(&n.latency));
    if n.loss != Probability::ZERO {
        line(out, "loss", &probability(n.loss));
    }
    if n.duplicate != Probability::ZERO {
        line(out, "duplicate", &probability(n.duplicate));
    }
    if n.fifo {
        line(out, "fifo", "true");
    }
    if n.keep_loss_draws {
        line(out, "keep_loss_draws", "true");
    }
    if n.clients != ClientTraffic::LossOnly {
        let name = ClientTraffic::NAMED
            .iter()
            .find(|(_, mode)| *mode == n.clients)
            .map_or("loss-only", |(name, _)| name);
        line(out, "clients", &string(name));
    }
    if !n.lose.is_empty() {
        out.push_str("lose_messages = [\n");
        for l in &n.lose {
            let _ = writeln!(
                out,
                "  {{ from = {}, to = {}, nth = {} }},",
                endpoint(l.from),
                endpoint(l.to),
                l.nth
            );
        }
        out.push_str("]\n");
    }
    for link in &n.links {
        out.push_str("\n[[network.links]]\n");
        line(out, "from", &link.from.to_string());
        line(out, "to", &link.to.to_string());
        line(out, "both_ways", &link.both_ways.to_string());
        if let Some(l) = &link.latency {
            line(out, "latency", &latency(l));
        }
        if let Some(p) = link.loss {
            line(out, "loss", &probability(p));
        }
        if let Some(p) = link.duplicate {
            line(out, "duplicate", &probability(p));
        }
    }
}

/// A node as its index, a client as `"c0"`.
fn endpoint(e: crate::base::Endpoint) -> String {
    match e {
        crate::base::Endpoint::Node(n) => n.0.to_string(),
        crate::base::Endpoint::Client(c) => format!("\"c{}\"", c.0),
    }
}

fn workload(out: &mut String, w: &WorkloadSpec) {
    out.push_str("\n[workload]\n");
    line(out, "kind", &string(w.kind.get_ref()));
    line(out, "clients", &w.clients.to_string());
    match w.in_flight {
        Some(n) => line(out, "in_flight", &n.to_string()),
        None => line(out, "rate", &string(&w.rate.to_string())),
    }
    if let Some(ops) = w.ops {
        line(out, "ops", &ops.to_string());
    }
    line(out, "timeout", &time(w.timeout));
    if let Some(every) = w.resend {
        line(out, "resend", &time(every));
    }
    if w.retry == RetryMode::SameId {
        line(out, "retry", &string("same-id"));
    }
    if let Some(n) = w.retries {
        line(out, "retries", &n.to_string());
    }
    params(out, &w.params);
}

fn nemesis(out: &mut String, n: &NemesisSpec) {
    out.push_str("\n[nemesis]\n");
    let kinds: Vec<String> = n
        .kinds
        .iter()
        .filter_map(|k| NemesisKind::ALL.iter().find(|(_, x)| x == k))
        .map(|(name, _)| string(name))
        .collect();
    line(out, "kinds", &format!("[{}]", kinds.join(", ")));
    line(out, "every", &time(n.every));
    line(out, "heal_after", &time(n.heal_after));
    line(out, "start", &time(n.start));
    line(out, "stop", &time(n.stop));
    if n.swarm {
        line(out, "swarm", "true");
    }
}

fn explore(out: &mut String, e: &ExploreSpec) {
    if *e == ExploreSpec::default() {
        return;
    }
    let d = ExploreSpec::default();
    out.push_str("\n[explore]\n");
    if e.strategy != d.strategy {
        line(out, "strategy", &string(e.strategy.name()));
    }
    if let Some(depth) = e.depth {
        line(out, "depth", &depth.to_string());
    }
    for (key, value, default) in [
        ("states", e.states, d.states),
        ("walks", e.walks, d.walks),
        ("ops", e.ops, d.ops),
        ("drops", e.drops.into(), d.drops.into()),
        ("duplicates", e.duplicates.into(), d.duplicates.into()),
        ("crashes", e.crashes.into(), d.crashes.into()),
        ("restarts", e.restarts.into(), d.restarts.into()),
    ] {
        if value != default {
            line(out, key, &value.to_string());
        }
    }
    if e.network == ExploreNetwork::Duplicating {
        line(out, "network", "\"duplicating\"");
    }
    match e.time {
        ExploreTime::Timers => {}
        ExploreTime::Frozen => line(out, "time", "\"frozen\""),
        ExploreTime::Ordered => line(out, "time", "\"ordered\""),
    }
    if e.relative_time {
        line(out, "relative_time", "true");
    }
    if !e.bounds.is_empty() {
        let bounds: Vec<String> = e
            .bounds
            .iter()
            .map(|b| format!("{} = {}", bare_or_quoted(b.name.get_ref()), b.limit))
            .collect();
        line(out, "bounds", &format!("{{ {} }}", bounds.join(", ")));
    }
}

fn check(out: &mut String, c: &CheckSpec) {
    let without_tables = CheckSpec {
        expect: Vec::new(),
        timed: Vec::new(),
        ..c.clone()
    };
    if without_tables == CheckSpec::default() {
        timed(out, &c.timed);
        return;
    }
    out.push_str("\n[check]\n");
    match &c.invariants {
        InvariantSelection::All => {}
        InvariantSelection::None => line(out, "invariants", "\"none\""),
        InvariantSelection::Named(names) => {
            let names: Vec<String> = names.iter().map(|n| string(n.get_ref())).collect();
            line(out, "invariants", &format!("[{}]", names.join(", ")));
        }
    }
    if let Some(h) = &c.history {
        line(out, "history", &string(h.get_ref()));
    }
    if let Some(steps) = c.history_steps {
        line(out, "history_steps", &steps.to_string());
    }
    if c.unknown == crate::check::UnknownPolicy::Pass {
        line(out, "unknown", "\"pass\"");
    }
    timed(out, &c.timed);
}

/// `[[check.at]]` and `[[check.within]]` tables, in order.
fn timed(out: &mut String, timed: &[crate::scenario::TimedSpec]) {
    use crate::check::{Moment, PredicateRef};
    for t in timed {
        match &t.moment {
            Moment::At { at, since } => {
                out.push_str("\n[[check.at]]\n");
                line(out, "at", &time(*at));
                if *since != SimTime::ZERO {
                    line(out, "since", &time(*since));
                }
            }
            Moment::Within { after, within } => {
                out.push_str("\n[[check.within]]\n");
                let after: Vec<String> = after.iter().map(|a| string(a)).collect();
                match after.len() {
                    0 => line(out, "after", "\"fault\""),
                    1 => line(out, "after", &after[0]),
                    _ => line(out, "after", &format!("[{}]", after.join(", "))),
                }
                line(out, "within", &time(*within));
            }
        }
        let holds: Vec<String> = t
            .holds
            .iter()
            .map(|p| match p.get_ref() {
                PredicateRef::Named(name) => string(name),
                PredicateRef::RoleCount { role, min, max } => match max {
                    Some(max) if max == min => {
                        format!("{{ role = {}, count = {min} }}", string(role))
                    }
                    Some(max) => format!("{{ role = {}, min = {min}, max = {max} }}", string(role)),
                    None => format!("{{ role = {}, min = {min} }}", string(role)),
                },
            })
            .collect();
        line(out, "holds", &format!("[{}]", holds.join(", ")));
    }
}

/// `[expect]`: one inline table per metric, in order.
fn expect(out: &mut String, expect: &[crate::check::Expectation]) {
    if expect.is_empty() {
        return;
    }
    out.push_str("\n[expect]\n");
    for e in expect {
        let sides: Vec<String> = [("min", e.min), ("max", e.max)]
            .into_iter()
            .filter_map(|(key, q)| q.map(|q| format!("{key} = {}", quantity(q))))
            .collect();
        line(out, &e.metric, &format!("{{ {} }}", sides.join(", ")));
    }
}

/// `[experiment]`, then its `[[experiment.window]]` tables.
fn experiment(out: &mut String, e: &crate::check::Experiment) {
    use crate::check::experiment::bound_text;
    use crate::check::WindowSpec;
    let list = |bounds: &[crate::check::Expectation]| {
        let texts: Vec<String> = bounds.iter().map(|b| string(&bound_text(b))).collect();
        format!("[{}]", texts.join(", "))
    };
    out.push_str("\n[experiment]\n");
    line(out, "hypothesis", &list(&e.hypothesis));
    if let WindowSpec::Phases { warmup, recovery } = &e.windows {
        for (key, value) in [("warmup", warmup), ("recovery", recovery)] {
            if *value != SimTime::ZERO {
                line(out, key, &time(*value));
            }
        }
    }
    if let Some(radius) = &e.blast_radius {
        let nodes: Vec<String> = radius.iter().map(|n| n.0.to_string()).collect();
        line(out, "blast_radius", &format!("[{}]", nodes.join(", ")));
    }
    if !e.abort.is_empty() {
        line(out, "abort", &list(&e.abort));
    }
    if let WindowSpec::Explicit(windows) = &e.windows {
        for w in windows {
            out.push_str("\n[[experiment.window]]\n");
            line(out, "name", &string(&w.name));
            line(out, "from", &time(w.from));
            line(out, "to", &time(w.to));
        }
    }
}

/// A bound as TOML: a number bare, a percentage or duration quoted.
fn quantity(q: crate::check::Quantity) -> String {
    match q {
        crate::check::Quantity::Number(_) => q.to_string(),
        _ => string(&q.to_string()),
    }
}

fn params(out: &mut String, table: &ParamTable) {
    for (key, entry) in table.entries() {
        line(out, key, &value(&entry.item));
    }
}

/// The action key and its value of one `[[faults]]` entry.
fn action(a: &FaultAction) -> (&'static str, String) {
    match a {
        FaultAction::Partition(PartitionSpec::Shape(shape)) => {
            let name = PartitionShape::NAMED
                .iter()
                .find(|(_, s)| s == shape)
                .map_or("halves", |(n, _)| n);
            ("partition", string(name))
        }
        FaultAction::Partition(PartitionSpec::Groups(groups)) => {
            let groups: Vec<String> = groups
                .iter()
                .map(|g| {
                    let nodes: Vec<String> = g.iter().map(u32::to_string).collect();
                    format!("[{}]", nodes.join(", "))
                })
                .collect();
            ("partition", format!("[{}]", groups.join(", ")))
        }
        FaultAction::Partition(PartitionSpec::Mixed(groups)) => {
            let groups: Vec<String> = groups
                .iter()
                .map(|g| {
                    let members: Vec<String> = g.iter().map(|e| endpoint(*e)).collect();
                    format!("[{}]", members.join(", "))
                })
                .collect();
            ("partition", format!("[{}]", groups.join(", ")))
        }
        FaultAction::Partition(PartitionSpec::Targets(groups)) => {
            let groups: Vec<String> = groups.iter().map(|g| targets(g)).collect();
            ("partition", format!("[{}]", groups.join(", ")))
        }
        FaultAction::HealNode(t) => ("heal", target(t)),
        FaultAction::HealLink {
            from,
            to,
            both_ways,
        } => {
            let both = if *both_ways { ", both_ways = true" } else { "" };
            let value = format!("{{ from = {}, to = {}{both} }}", target(from), target(to));
            ("heal", value)
        }
        FaultAction::HealGroup(members) => ("heal", format!("{{ group = {} }}", targets(members))),
        FaultAction::NetworkReset => ("network", string("reset")),
        FaultAction::Network(change) => ("network", network_change(change)),
        FaultAction::Isolate(t) => ("isolate", target(t)),
        FaultAction::Cut { from, to } => (
            "cut",
            format!("{{ from = {}, to = {} }}", target(from), target(to)),
        ),
        FaultAction::Heal => ("heal", "true".into()),
        FaultAction::Crash(t) => ("crash", target(t)),
        FaultAction::Restart(t) => ("restart", target(t)),
        FaultAction::RestartAll => ("restart", "\"all\"".into()),
        FaultAction::ClockJump { node, by } => {
            let sign = if by.as_nanos() < 0 { "-" } else { "+" };
            let by = format!("{sign}{}", time_text(SimTime(by.as_nanos().unsigned_abs())));
            let value = format!("{{ node = {}, by = {} }}", target(node), string(&by));
            ("clock_jump", value)
        }
        FaultAction::Slow {
            node,
            factor,
            duration,
        } => (
            "slow",
            format!(
                "{{ node = {}, factor = {factor}, for = {} }}",
                target(node),
                time(*duration)
            ),
        ),
        FaultAction::ClockStrobe {
            node,
            delta,
            period,
            duration,
        } => (
            "clock_strobe",
            format!(
                "{{ node = {}, delta = {}, period = {}, for = {} }}",
                target(node),
                time(*delta),
                time(*period),
                time(*duration)
            ),
        ),
        FaultAction::Pause { node, .. } => ("pause", target(node)),
        FaultAction::Loss(p) => ("loss", probability(*p)),
        FaultAction::Duplicate(p) => ("duplicate", probability(*p)),
    }
}

fn target(t: &Target) -> String {
    match t {
        Target::Node(n) => n.to_string(),
        Target::Client(c) => format!("\"c{c}\""),
        Target::Random => "\"random\"".into(),
        Target::Role(role) => string(role.get_ref()),
        Target::Relative { role, offset } => string(&format!("{}+{offset}", role.get_ref())),
    }
}

/// `[0, "leader"]`.
fn targets(ts: &[Target]) -> String {
    let members: Vec<String> = ts.iter().map(target).collect();
    format!("[{}]", members.join(", "))
}

/// `{ from = 0, to = 1, both_ways = false, message = ["Vote"], latency = ... }`.
fn network_change(c: &NetworkChangeSpec) -> String {
    let mut parts = Vec::new();
    if let Some(t) = &c.from {
        parts.push(format!("from = {}", target(t)));
    }
    if let Some(t) = &c.to {
        parts.push(format!("to = {}", target(t)));
    }
    if !c.both_ways {
        parts.push("both_ways = false".into());
    }
    if !c.messages.is_empty() {
        let names: Vec<String> = c.messages.iter().map(|m| string(m)).collect();
        parts.push(format!("message = [{}]", names.join(", ")));
    }
    if let Some(l) = &c.latency {
        parts.push(format!("latency = {}", latency(l)));
    }
    if let Some(p) = c.loss {
        parts.push(format!("loss = {}", probability(p)));
    }
    if let Some(p) = c.duplicate {
        parts.push(format!("duplicate = {}", probability(p)));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn latency(l: &LatencySpec) -> String {
    match l {
        LatencySpec::Constant { value } => {
            format!("{{ kind = \"constant\", value = {} }}", time(*value))
        }
        LatencySpec::Uniform { min, max } => format!(
            "{{ kind = \"uniform\", min = {}, max = {} }}",
            time(*min),
            time(*max)
        ),
        LatencySpec::Exponential { mean } => {
            format!("{{ kind = \"exponential\", mean = {} }}", time(*mean))
        }
        LatencySpec::LogNormal { median, sigma } => format!(
            "{{ kind = \"lognormal\", median = {}, sigma = {} }}",
            time(*median),
            float(*sigma)
        ),
    }
}

fn probability(p: Probability) -> String {
    float(p.value())
}

/// A float as TOML: `0.25`, `1.0`, `1e300`, `nan`, `inf`. Rust's `Debug`
/// form is the shortest that reads back exactly and always has a `.` or an
/// exponent, so TOML never reads it as an integer (`Display` writes 1e300
/// as 301 digits and no point).
fn float(f: f64) -> String {
    if f.is_nan() {
        "nan".into()
    } else if f.is_infinite() {
        if f < 0.0 { "-inf" } else { "inf" }.into()
    } else {
        format!("{f:?}")
    }
}

/// A duration as a quoted TOML string, exactly.
fn time(t: SimTime) -> String {
    string(&time_text(t))
}

/// `"0s"`, `"30s"`, `"1500ms"`, `"250us"`, `"7ns"`: the largest unit that
/// divides the value, so nothing is rounded.
fn time_text(t: SimTime) -> String {
    let ns = t.as_nanos();
    if ns == 0 {
        return "0s".into();
    }
    for (unit, scale) in [("s", 1_000_000_000), ("ms", 1_000_000), ("us", 1_000)] {
        if ns.is_multiple_of(scale) {
            return format!("{}{unit}", ns / scale);
        }
    }
    format!("{ns}ns")
}

/// A TOML value (from a parameter table) as inline TOML.
fn value(item: &Item) -> String {
    match &item.value {
        Value::String(s) => string(s),
        Value::Integer(i) => i.to_string(),
        Value::Float(f) => float(*f),
        Value::Boolean(b) => b.to_string(),
        Value::Datetime(d) => d.clone(),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(value).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Table(table) => {
            if table.is_empty() {
                return "{}".into();
            }
            let entries: Vec<String> = table
                .iter()
                .map(|(k, e)| format!("{} = {}", bare_or_quoted(k), value(&e.item)))
                .collect();
            format!("{{ {} }}", entries.join(", "))
        }
    }
}

fn bare_or_quoted(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        key.to_string()
    } else {
        string(key)
    }
}

/// A TOML basic string, escaped.
fn string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::{parse, Overrides};

    /// `s` with every position and the source text blanked, so two
    /// scenarios read from different texts compare by content.
    fn content(s: &Scenario) -> Scenario {
        let mut s = s.clone();
        let blank = super::super::SourceInfo::new("", "");
        s.source = blank.clone();
        s.protocol_params = s.protocol_params.without_positions(&blank);
        if let Some(w) = &mut s.workload {
            w.params = w.params.without_positions(&blank);
        }
        for f in &mut s.faults {
            f.span = 0..0;
        }
        s
    }

    fn round_trip(origin: &str, text: &str) {
        let first = match parse(origin, text, &Overrides::default()) {
            Ok(s) => s,
            Err(e) => panic!("{origin} does not parse: {e}"),
        };
        let written = to_toml(&first);
        let again = match parse("written.toml", &written, &Overrides::default()) {
            Ok(s) => s,
            Err(e) => panic!("{origin} written back does not parse: {e}\n{written}"),
        };
        assert_eq!(content(&again), content(&first), "{origin}:\n{written}");
        assert_eq!(to_toml(&again), written, "{origin}: writing is stable");
    }

    #[test]
    fn every_shipped_and_fixture_scenario_round_trips() {
        let mut count = 0;
        let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut dirs = vec![
            manifest.join("scenarios"),
            manifest.join("tests/fixtures/valid_scenarios"),
        ];
        // The labs' scenarios too (lab 08's use `resend`).
        let mut labs: Vec<_> = std::fs::read_dir(manifest.join("labs"))
            .expect("labs/ exists")
            .map(|e| e.expect("an entry").path().join("scenarios"))
            .filter(|p| p.is_dir())
            .collect();
        labs.sort();
        dirs.extend(labs);
        for root in dirs {
            let mut files: Vec<_> = std::fs::read_dir(&root)
                .expect("the folder exists")
                .map(|e| e.expect("an entry").path())
                .filter(|p| p.extension().is_some_and(|e| e == "toml"))
                .collect();
            files.sort();
            for path in files {
                let text = std::fs::read_to_string(&path).expect("readable");
                round_trip(&path.display().to_string(), &text);
                count += 1;
            }
        }
        assert!(count > 100, "only {count} scenarios found");
    }

    #[test]
    fn awkward_values_round_trip() {
        let text = r#"
name = "odd \"quoted\" name\twith tab"
description = "ünïcode and \\ backslash"
protocol = { name = "raft", "odd key" = 1.0, nested = { a = [1, 2.5, "x"], b = {} }, when = 1979-05-27T07:32:00Z }
nodes = 5
duration = "3.000000001s"
settle = "0s"
[network]
latency = { kind = "lognormal", median = "1500us", sigma = 0.1 }
loss = 0.1
duplicate = 1
[[network.links]]
from = 0
to = 1
both_ways = false
loss = 0.333333333333
[clocks]
offset = "7ns"
drift_ppm = 10
[storage]
lose_unsynced = false
[workload]
kind = "kv"
clients = 0
rate = "7/ms"
ops = 3
extra = "x"
[[faults]]
at = "1s"
clock_jump = { node = "leader", by = "-1500ms" }
[[faults]]
at = "1s"
partition = [[0, 1], [2]]
[[faults]]
at = "2s"
clock_strobe = { node = "random", delta = "1ms", period = "3us", for = "1s" }
[[faults]]
at = "0s"
restart = "all"
[[faults]]
at = "0.5s"
cut = { from = 1, to = "follower" }
[nemesis]
kinds = ["crash", "partition-ring"]
every = "1s"
start = "1ms"
[check]
invariants = ["a", "b"]
history = "linearizable"
[explore]
strategy = "walk"
walks = 12345
depth = 40
crashes = 2
time = "frozen"
relative_time = true
bounds = { term = 3, "odd bound" = 0 }
"#;
        round_trip("awkward.toml", text);
        let written = to_toml(&parse("a.toml", text, &Overrides::default()).expect("valid"));
        assert!(written.contains("duration = \"3000000001ns\""), "{written}");
        assert!(written.contains("\"odd key\" = 1.0"), "{written}");
        assert!(written.contains("strategy = \"walk\""), "{written}");
        assert!(written.contains("walks = 12345"), "{written}");
        assert!(
            written.contains("bounds = { \"odd bound\" = 0, term = 3 }"),
            "{written}"
        );
        assert_eq!(float(1e300), "1e300");
        assert_eq!(float(0.1), "0.1");
    }

    proptest::proptest! {
        /// Any text, number or nesting a user can put in a scenario (here
        /// written by the toml crate's own encoder) comes back unchanged.
        #[test]
        fn arbitrary_strings_and_numbers_round_trip(
            text in "\\PC*",
            key in "[a-z_][a-z0-9_-]{0,8}|\\PC{1,6}",
            number in proptest::num::f64::NORMAL | proptest::num::f64::ZERO,
            integer in proptest::prelude::any::<i64>(),
            loss in 0.0f64..=1.0,
            nanos in 0u64..10_000_000_000_000,
        ) {
            let encode = |v: toml::Value| v.to_string();
            let mut table = toml::map::Map::new();
            table.insert("t".into(), toml::Value::String(text.clone()));
            table.insert("f".into(), toml::Value::Float(number));
            let source = format!(
                "name = {name}\ndescription = \"d\"\nnodes = 2\nduration = \"{nanos}ns\"\nsettle = \"{nanos}ns\"\n\
                 [protocol]\nname = \"echo\"\n{key} = {value}\nlist = [{integer}, {float}, {string}]\nnested = {nested}\n\
                 [network]\nloss = {loss}\n",
                name = encode(toml::Value::String(text.clone())),
                key = encode(toml::Value::String(key.clone())),
                value = encode(toml::Value::String(text.clone())),
                float = encode(toml::Value::Float(number)),
                string = encode(toml::Value::String(text.clone())),
                nested = encode(toml::Value::Table(table)),
                nanos = nanos.max(1),
            );
            let Ok(first) = parse("p.toml", &source, &Overrides::default()) else {
                // The generator's own collisions (an empty name, a key
                // given twice) make no scenario: nothing to test.
                return Ok(());
            };
            let written = to_toml(&first);
            let again = parse("w.toml", &written, &Overrides::default());
            proptest::prop_assert!(again.is_ok(), "{written}\n{:?}", again.err());
            proptest::prop_assert_eq!(content(&again.expect("checked")), content(&first));
        }
    }

    #[test]
    fn durations_are_written_exactly() {
        let cases = [
            (0, "0s"),
            (1, "1ns"),
            (1_500, "1500ns"),
            (2_000, "2us"),
            (1_500_000, "1500us"),
            (30_000_000_000, "30s"),
        ];
        for (ns, text) in cases {
            assert_eq!(time_text(SimTime(ns)), text);
            assert_eq!(text.parse::<SimTime>(), Ok(SimTime(ns)));
        }
    }
}
