//! `[[check.at]]` and `[[check.within]]`: checks in time (docs/scenarios.md).
//! Predicate names are checked against the protocol later, when the
//! scenario is built (`engine::configure`), so their spans are kept.

use super::error::{ScenarioError, SourceInfo};
use super::read::{self, array_of_tables, Section};
use super::spec::TimedSpec;
use super::value::{Item, Value};
use crate::base::SimTime;
use crate::check::{Moment, PredicateRef};
use crate::faults::FaultAction;
use toml::Spanned;

/// The `[[check.at]]` tables.
pub(crate) fn parse_at(source: &SourceInfo, item: &Item) -> Result<Vec<TimedSpec>, ScenarioError> {
    let mut out = Vec::new();
    for entry in array_of_tables(source, item, "check.at")? {
        let t = Section::new(source, entry, "[[check.at]]", "in [[check.at]]".into())?;
        t.check_keys(&["at", "since", "holds"])?;
        let at = read::duration(source, "at", t.required("at", "a moment like \"5s\"")?)?;
        let since = match t.get("since") {
            Some(item) => {
                let since = read::duration(source, "since", item)?;
                if since > at {
                    let message = format!(
                        "`since` ({since}) is after `at` ({at}): it is the moment \"since\" predicates count from"
                    );
                    return Err(read::error(source, item, message));
                }
                since
            }
            None => SimTime::ZERO,
        };
        let holds = parse_holds(source, &t)?;
        out.push(TimedSpec {
            moment: Moment::At { at, since },
            holds,
        });
    }
    Ok(out)
}

/// The `[[check.within]]` tables.
pub(crate) fn parse_within(
    source: &SourceInfo,
    item: &Item,
) -> Result<Vec<TimedSpec>, ScenarioError> {
    let mut out = Vec::new();
    for entry in array_of_tables(source, item, "check.within")? {
        let place = "in [[check.within]]".to_string();
        let t = Section::new(source, entry, "[[check.within]]", place)?;
        t.check_keys(&["after", "within", "holds"])?;
        let kinds: Vec<&str> = FaultAction::KINDS
            .iter()
            .copied()
            .chain(["fault"])
            .collect();
        let expected = format!(
            "a fault kind or a list of them ({}; \"fault\" for every fault)",
            FaultAction::KINDS.join(", ")
        );
        let after_item = t.required("after", &expected)?;
        let after = match &after_item.value {
            Value::Array(items) if !items.is_empty() => items
                .iter()
                .map(|i| fault_kind(source, i, &kinds))
                .collect::<Result<Vec<_>, _>>()?,
            _ => vec![fault_kind(source, after_item, &kinds)?],
        };
        // "fault" anywhere means every fault: no filter.
        let after = if after.iter().any(|a| a == "fault") {
            Vec::new()
        } else {
            after
        };
        let within_item = t.required("within", "a deadline like \"2s\"")?;
        let within = read::positive_duration(source, "within", within_item)?;
        let holds = parse_holds(source, &t)?;
        out.push(TimedSpec {
            moment: Moment::Within { after, within },
            holds,
        });
    }
    Ok(out)
}

/// One fault kind of `after`, or `fault`.
fn fault_kind(source: &SourceInfo, item: &Item, kinds: &[&str]) -> Result<String, ScenarioError> {
    let after = read::string(source, "after", item)?;
    let after = after.get_ref().as_str();
    if kinds.contains(&after) {
        return Ok(after.to_string());
    }
    let hint = read::closest(after, kinds)
        .map(|k| format!(" (did you mean `{k}`?)"))
        .unwrap_or_default();
    let message = format!(
        "expected a fault kind for `after`, got {after:?}{hint}; the kinds: {}, or \"fault\" for every fault",
        FaultAction::KINDS.join(", ")
    );
    Err(read::error(source, item, message))
}

const HOLDS: &str = "a predicate name like \"leader-exists\", a role count like { role = \"leader\", count = 0 }, or a list of them";

/// `holds`: one predicate or a non-empty list.
fn parse_holds(
    source: &SourceInfo,
    t: &Section<'_>,
) -> Result<Vec<Spanned<PredicateRef>>, ScenarioError> {
    let item = t.required("holds", HOLDS)?;
    match &item.value {
        Value::Array(items) if items.is_empty() => Err(read::error(
            source,
            item,
            format!("`holds` is empty; expected {HOLDS}"),
        )),
        Value::Array(items) => items.iter().map(|i| predicate(source, i)).collect(),
        _ => Ok(vec![predicate(source, item)?]),
    }
}

/// One predicate: a name, or `{ role = "x", count = n }` / `{ role = "x",
/// min = a, max = b }`.
fn predicate(source: &SourceInfo, item: &Item) -> Result<Spanned<PredicateRef>, ScenarioError> {
    let span = item.span.clone();
    match &item.value {
        Value::String(name) if !name.is_empty() => {
            Ok(Spanned::new(span, PredicateRef::Named(name.clone())))
        }
        Value::Table(_) => {
            let place = "in a role count of `holds`".to_string();
            let t = Section::new(source, item, "a role count", place)?;
            t.check_keys(&["role", "count", "min", "max"])?;
            let role = read::string(source, "role", t.required("role", "a role name")?)?;
            let number = |key: &str| -> Result<Option<u32>, ScenarioError> {
                t.get(key)
                    .map(|i| read::integer_in(source, key, i, 0..=65_536).map(|n| n as u32))
                    .transpose()
            };
            let (count, min, max) = (number("count")?, number("min")?, number("max")?);
            let (min, max) = match (count, min, max) {
                (Some(c), None, None) => (c, Some(c)),
                (None, None, None) => {
                    return Err(
                        t.missing("count` or `min`/`max", "how many live nodes hold the role")
                    )
                }
                (None, min, max) => (min.unwrap_or(0), max),
                (Some(_), _, _) => {
                    let message = "give `count`, or `min` and/or `max`, not both".to_string();
                    return Err(read::error(source, item, message));
                }
            };
            if max.is_some_and(|max| max < min) {
                let message = format!("`min` ({min}) is above `max` ({})", max.unwrap_or(0));
                return Err(read::error(source, item, message));
            }
            Ok(Spanned::new(
                span,
                PredicateRef::RoleCount {
                    role: role.into_inner(),
                    min,
                    max,
                },
            ))
        }
        other => Err(read::error(
            source,
            item,
            format!("expected {HOLDS} in `holds`, got {}", other.describe()),
        )),
    }
}
