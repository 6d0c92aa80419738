//! Reading typed values out of the owned TOML tree, with errors that say
//! where and what was expected.

use super::error::{ScenarioError, SourceInfo};
use super::units::{Probability, SignedDuration};
use super::value::{format_float, Item, Table, Value};
use crate::base::SimTime;
use std::ops::{Range, RangeInclusive};
use toml::Spanned;

/// A table being read: its keys, and a phrase naming it in messages.
pub(crate) struct Section<'a> {
    /// The scenario text, for errors.
    pub source: &'a SourceInfo,
    /// The table's entries.
    pub table: &'a Table,
    /// Where the table is, as messages say it: `in [network]`, `at the top level`.
    pub place: String,
    /// Span of the table (its header, or the inline table), for missing keys.
    pub span: Range<usize>,
}

impl<'a> Section<'a> {
    /// Reads `item` as a table; `what` names it in a type error
    /// (`[network]`, `latency`).
    pub fn new(
        source: &'a SourceInfo,
        item: &'a Item,
        what: &str,
        place: String,
    ) -> Result<Self, ScenarioError> {
        match &item.value {
            Value::Table(table) => Ok(Section {
                source,
                table,
                place,
                span: item.span.clone(),
            }),
            other => Err(error(
                source,
                item,
                format!("expected a table for {what}, got {}", other.describe()),
            )),
        }
    }

    /// Errors on the first key (in file order) not in `allowed`.
    pub fn check_keys(&self, allowed: &[&str]) -> Result<(), ScenarioError> {
        let unknown = self
            .table
            .iter()
            .filter(|(key, _)| !allowed.contains(&key.as_str()))
            .min_by_key(|(_, entry)| entry.key_span.start);
        match unknown {
            None => Ok(()),
            Some((key, entry)) => {
                let message = unknown_key_message(key, &self.place, allowed);
                Err(ScenarioError::at(
                    self.source,
                    entry.key_span.clone(),
                    message,
                ))
            }
        }
    }

    /// The value of `key`, if present.
    pub fn get(&self, key: &str) -> Option<&'a Item> {
        self.table.get(key).map(|entry| &entry.item)
    }

    /// The value of `key`, or an error naming what was expected.
    pub fn required(&self, key: &str, expected: &str) -> Result<&'a Item, ScenarioError> {
        self.get(key).ok_or_else(|| self.missing(key, expected))
    }

    /// The error for a missing required key, at the table.
    pub fn missing(&self, key: &str, expected: &str) -> ScenarioError {
        let message = format!("missing `{key}` {}; expected {expected}", self.place);
        ScenarioError::at(self.source, self.span.clone(), message)
    }

    /// An error at a value of this section.
    pub fn error(&self, item: &Item, message: String) -> ScenarioError {
        error(self.source, item, message)
    }
}

/// `unknown key `x` in [t]; expected one of: a, b (did you mean `a`?)`.
pub(crate) fn unknown_key_message(key: &str, place: &str, allowed: &[&str]) -> String {
    let mut message = format!("unknown key `{key}` {place}; ");
    if allowed.is_empty() {
        message.push_str("this table takes no keys");
        return message;
    }
    message.push_str("expected one of: ");
    message.push_str(&allowed.join(", "));
    if let Some(close) = closest(key, allowed) {
        message.push_str(&format!(" (did you mean `{close}`?)"));
    }
    message
}

pub(crate) use crate::base::suggest::closest;

/// An error at the span of `item`.
pub(crate) fn error(source: &SourceInfo, item: &Item, message: String) -> ScenarioError {
    ScenarioError::at(source, item.span.clone(), message)
}

fn type_error(source: &SourceInfo, key: &str, item: &Item, expected: &str) -> ScenarioError {
    let got = item.value.describe();
    error(
        source,
        item,
        format!("expected {expected} for `{key}`, got {got}"),
    )
}

/// A string.
pub(crate) fn string(
    source: &SourceInfo,
    key: &str,
    item: &Item,
) -> Result<Spanned<String>, ScenarioError> {
    match &item.value {
        Value::String(s) => Ok(Spanned::new(item.span.clone(), s.clone())),
        _ => Err(type_error(source, key, item, "a string")),
    }
}

/// A boolean.
pub(crate) fn boolean(source: &SourceInfo, key: &str, item: &Item) -> Result<bool, ScenarioError> {
    match item.value {
        Value::Boolean(b) => Ok(b),
        _ => Err(type_error(source, key, item, "true or false")),
    }
}

/// An integer in `range`.
pub(crate) fn integer_in(
    source: &SourceInfo,
    key: &str,
    item: &Item,
    range: RangeInclusive<i64>,
) -> Result<i64, ScenarioError> {
    let (low, high) = (*range.start(), *range.end());
    // An open-ended range reads "0 or more", not "between 0 and 9223372036854775807".
    let (expected, bounds) = if high == i64::MAX {
        (
            format!("an integer ({low} or more)"),
            format!("{low} or more"),
        )
    } else {
        let between = format!("between {low} and {high}");
        (format!("an integer from {low} to {high}"), between)
    };
    match item.value {
        Value::Integer(n) if range.contains(&n) => Ok(n),
        Value::Integer(n) => Err(error(
            source,
            item,
            format!("{key} must be {bounds}, got {n}"),
        )),
        _ => Err(type_error(source, key, item, &expected)),
    }
}

/// A number (integer or float) in `range`.
pub(crate) fn number_in(
    source: &SourceInfo,
    key: &str,
    item: &Item,
    range: RangeInclusive<f64>,
) -> Result<f64, ScenarioError> {
    let value = match item.value {
        Value::Float(f) => f,
        Value::Integer(n) => n as f64,
        _ => {
            let expected = format!(
                "a number from {} to {}",
                format_float(*range.start()),
                format_float(*range.end())
            );
            return Err(type_error(source, key, item, &expected));
        }
    };
    if range.contains(&value) {
        return Ok(value);
    }
    let (low, high) = (trim_float(*range.start()), trim_float(*range.end()));
    let message = format!(
        "{key} must be between {low} and {high}, got {}",
        item.value.describe()
    );
    Err(error(source, item, message))
}

/// `0` rather than `0.0` in a range, to read like prose.
fn trim_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// A probability in `0..=1`.
pub(crate) fn probability(
    source: &SourceInfo,
    key: &str,
    item: &Item,
) -> Result<Probability, ScenarioError> {
    let value = number_in(source, key, item, 0.0..=1.0)?;
    Probability::new(value).ok_or_else(|| {
        let message = format!("{key} must be between 0 and 1, got {value}");
        error(source, item, message)
    })
}

/// A duration string such as `"250ms"`.
pub(crate) fn duration(
    source: &SourceInfo,
    key: &str,
    item: &Item,
) -> Result<SimTime, ScenarioError> {
    let Value::String(text) = &item.value else {
        return Err(type_error(source, key, item, "a duration like \"250ms\""));
    };
    text.parse::<SimTime>().map_err(|e| {
        let message = format!("invalid duration for `{key}`: {e}");
        error(source, item, message)
    })
}

/// A duration that must be more than zero.
pub(crate) fn positive_duration(
    source: &SourceInfo,
    key: &str,
    item: &Item,
) -> Result<SimTime, ScenarioError> {
    let time = duration(source, key, item)?;
    if time == SimTime::ZERO {
        let message = format!("{key} must be more than 0, got {:?}", text_of(item));
        return Err(error(source, item, message));
    }
    Ok(time)
}

fn text_of(item: &Item) -> String {
    match &item.value {
        Value::String(s) => s.clone(),
        other => other.describe(),
    }
}

/// A signed duration: `"+2s"`, `"-2s"` or `"2s"`.
pub(crate) fn signed_duration(
    source: &SourceInfo,
    key: &str,
    item: &Item,
) -> Result<SignedDuration, ScenarioError> {
    let expected = "a signed duration like \"-2s\" or \"+500ms\"";
    let Value::String(text) = &item.value else {
        return Err(type_error(source, key, item, expected));
    };
    let trimmed = text.trim();
    let (negative, magnitude) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let bad = |reason: String| {
        error(
            source,
            item,
            format!("invalid duration for `{key}`: {reason}"),
        )
    };
    let magnitude = magnitude
        .parse::<SimTime>()
        .map_err(|_| bad(format!("{text:?} is not {expected}")))?;
    let nanos =
        i64::try_from(magnitude.as_nanos()).map_err(|_| bad(format!("{text:?} is too large")))?;
    Ok(SignedDuration(if negative { -nanos } else { nanos }))
}

/// What later validation needs to know: the file, and the final node count
/// and duration (after command-line overrides).
pub(crate) struct Context<'a> {
    /// The scenario text.
    pub source: &'a SourceInfo,
    /// Number of nodes.
    pub nodes: u32,
    /// Where `nodes` came from, for messages: `nodes = 5` or `--nodes 5`.
    pub nodes_from: String,
    /// How long faults and clients run.
    pub duration: SimTime,
    /// Where `duration` came from: `duration = "30s"` or `--duration 30s`.
    pub duration_from: String,
    /// Number of clients (`[workload] clients`; 0 without a workload).
    pub clients: u32,
}

/// The tables of `[[key]]`, or an error saying that is what was expected.
pub(crate) fn array_of_tables<'a>(
    source: &SourceInfo,
    item: &'a Item,
    key: &str,
) -> Result<&'a [Item], ScenarioError> {
    let expected = format!("expected [[{key}]] tables");
    match &item.value {
        Value::Array(items) => match items.iter().find(|i| !matches!(i.value, Value::Table(_))) {
            None => Ok(items),
            Some(bad) => {
                let message = format!("{expected}, got {} in the array", bad.value.describe());
                Err(error(source, bad, message))
            }
        },
        other => {
            let message = format!("{expected}, got {}", other.describe());
            Err(error(source, item, message))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::value::parse_document;

    fn with_item<T>(text: &str, f: impl FnOnce(&SourceInfo, &Item) -> T) -> T {
        let source = SourceInfo::new("t.toml", text);
        let document = parse_document(&source).expect("valid TOML");
        let Value::Table(table) = &document.value else {
            unreachable!()
        };
        f(&source, &table["v"].item)
    }

    #[test]
    fn durations_and_their_errors() {
        let ok = with_item("v = \"250ms\"", |s, i| duration(s, "v", i));
        assert_eq!(ok, Ok(SimTime::from_millis(250)));
        let err = with_item("v = 5", |s, i| duration(s, "v", i)).expect_err("not a string");
        assert_eq!(
            err.message,
            "expected a duration like \"250ms\" for `v`, got 5"
        );
        assert_eq!((err.line, err.column), (1, 5));
        let err = with_item("v = \"5 parsecs\"", |s, i| duration(s, "v", i)).expect_err("unit");
        assert!(err
            .message
            .starts_with("invalid duration for `v`: unknown time unit"));
    }

    #[test]
    fn signed_durations() {
        let read = |t: &str| with_item(t, |s, i| signed_duration(s, "by", i));
        assert_eq!(read("v = \"-2s\""), Ok(SignedDuration(-2_000_000_000)));
        assert_eq!(read("v = \"+2s\""), Ok(SignedDuration(2_000_000_000)));
        assert_eq!(read("v = \"2ms\""), Ok(SignedDuration(2_000_000)));
        assert!(read("v = \"--2s\"").is_err());
        assert!(read("v = \"999999999m\"").is_err());
    }

    #[test]
    fn probabilities_accept_integers_and_reject_out_of_range() {
        let read = |t: &str| with_item(t, |s, i| probability(s, "loss", i));
        assert_eq!(read("v = 0"), Ok(Probability::ZERO));
        assert_eq!(read("v = 0.25").map(|p| p.per_billion()), Ok(250_000_000));
        let err = read("v = 1.5").expect_err("out of range");
        assert_eq!(err.message, "loss must be between 0 and 1, got 1.5");
        assert!(read("v = nan").is_err());
        assert!(read("v = \"0.5\"").is_err());
    }

    #[test]
    fn integers_in_range() {
        let read = |t: &str| with_item(t, |s, i| integer_in(s, "nodes", i, 1..=256));
        assert_eq!(read("v = 3"), Ok(3));
        let err = read("v = 0").expect_err("zero");
        assert_eq!(err.message, "nodes must be between 1 and 256, got 0");
        let err = read("v = 2.5").expect_err("float");
        assert_eq!(
            err.message,
            "expected an integer from 1 to 256 for `nodes`, got 2.5"
        );
    }

    #[test]
    fn open_ended_integer_ranges_read_well() {
        let err = with_item("v = -1", |s, i| integer_in(s, "seed", i, 0..=i64::MAX));
        let err = err.expect_err("negative");
        assert_eq!(err.message, "seed must be 0 or more, got -1");
    }

    #[test]
    fn unknown_keys_suggest_a_close_one() {
        let message = unknown_key_message("lose", "in [network]", &["loss", "fifo"]);
        assert_eq!(
            message,
            "unknown key `lose` in [network]; expected one of: loss, fifo (did you mean `loss`?)"
        );
        let message = unknown_key_message("zzz", "in [x]", &["a"]);
        assert_eq!(message, "unknown key `zzz` in [x]; expected one of: a");
    }
}
