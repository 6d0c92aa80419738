//! [`ParamTable`]: free-form parameters (`[protocol]`, extra `[workload]`
//! keys) that a protocol or workload validates itself, with spans kept so its
//! errors still point into the scenario file.

use super::error::{ScenarioError, SourceInfo};
use super::param_spec::{BugDecl, BugSwitch, Param, ParamDecl, ParamKind, ParamValue, Setting};
use super::read::{self, unknown_key_message};
use super::value::{parse_document, Item, Table, Value};
use crate::base::SimTime;
use std::ops::{Range, RangeInclusive};

/// Parameters kept for a protocol or workload to read.
///
/// Read them with a [`ParamReader`] from [`ParamTable::reader`]: each getter
/// takes a default, returns a [`ScenarioError`] pointing at the bad value, and
/// records the key as known; [`ParamReader::finish`] then rejects every key
/// nobody asked for.
///
/// ```
/// use distlab::scenario::ParamTable;
/// use distlab::sim::SimTime;
///
/// let params = ParamTable::from_toml("t.toml", "fanout = 3\n", "in [protocol]").unwrap();
/// let mut reader = params.reader();
/// assert_eq!(reader.u64_in("fanout", 2, 1..=10).unwrap(), 3);
/// assert_eq!(reader.duration("interval", SimTime::from_millis(100)).unwrap(),
///            SimTime::from_millis(100));
/// reader.finish().unwrap();
/// ```
#[derive(Clone, Debug, PartialEq)]
pub struct ParamTable {
    source: SourceInfo,
    place: String,
    entries: Table,
    fixed_keys: Vec<String>,
}

impl ParamTable {
    /// Builds a table from already-parsed entries. `place` names it in
    /// messages (`in [protocol] for protocol \`raft\``); `fixed_keys` are keys
    /// the scenario format itself reads there (listed as expected keys).
    pub(crate) fn new(
        source: SourceInfo,
        place: String,
        entries: Table,
        fixed_keys: &[&str],
    ) -> Self {
        ParamTable {
            source,
            place,
            entries,
            fixed_keys: fixed_keys.iter().map(|k| k.to_string()).collect(),
        }
    }

    /// Parses a TOML text as a parameter table (handy in protocol tests).
    /// `place` names the table in messages, e.g. `in [protocol]`.
    pub fn from_toml(origin: &str, text: &str, place: &str) -> Result<Self, ScenarioError> {
        let source = SourceInfo::new(origin, text);
        let document = parse_document(&source)?;
        let Value::Table(entries) = document.value else {
            return Err(ScenarioError::whole(
                origin,
                "a TOML document must be a table",
            ));
        };
        Ok(ParamTable::new(source, place.to_string(), entries, &[]))
    }

    /// The entries, by key (for the scenario writer).
    pub(crate) fn entries(&self) -> &Table {
        &self.entries
    }

    /// This table with every position blanked and `source` in place of its
    /// own: two tables read from different texts compare by content.
    #[cfg(test)]
    pub(crate) fn without_positions(&self, source: &SourceInfo) -> ParamTable {
        fn blank(item: &mut Item) {
            item.span = 0..0;
            match &mut item.value {
                Value::Array(items) => items.iter_mut().for_each(blank),
                Value::Table(table) => table.values_mut().for_each(|e| {
                    e.key_span = 0..0;
                    blank(&mut e.item);
                }),
                _ => {}
            }
        }
        let mut table = self.clone();
        table.source = source.clone();
        for entry in table.entries.values_mut() {
            entry.key_span = 0..0;
            blank(&mut entry.item);
        }
        table
    }

    /// True when the table has no parameters.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// The parameter names, sorted.
    pub fn keys(&self) -> impl Iterator<Item = &str> {
        self.entries.keys().map(String::as_str)
    }

    /// A copy with `key` set to `value`, written as TOML (`3`, `"rumor"`,
    /// `"250ms"`); text that is not a TOML value is taken as a string, so
    /// `rumor` works too. An existing key keeps its place in the file for
    /// error messages; a new one points at the start of the file.
    pub fn with_param(&self, key: &str, value: &str) -> Result<ParamTable, ScenarioError> {
        let parse = |text: String| {
            let source = SourceInfo::new("--param", &text);
            match parse_document(&source) {
                Ok(Item {
                    value: Value::Table(mut t),
                    ..
                }) => t.remove(key),
                _ => None,
            }
        };
        let entry = parse(format!("{key} = {value}"))
            .or_else(|| parse(format!("{key} = {value:?}")))
            .ok_or_else(|| ScenarioError::whole("--param", format!("cannot read {key}={value}")))?;
        let mut table = self.clone();
        let (key_span, span) = match self.entries.get(key) {
            Some(old) => (old.key_span.clone(), old.item.span.clone()),
            None => (0..0, 0..0),
        };
        let item = Item {
            value: entry.item.value,
            span,
        };
        table
            .entries
            .insert(key.to_string(), super::value::Entry { key_span, item });
        Ok(table)
    }

    /// Starts reading parameters that are not declared (a workload's
    /// extra keys): every key a getter asks for is known.
    pub fn reader(&self) -> ParamReader<'_> {
        ParamReader {
            declared: false,
            ..self.reader_for(&[], &[])
        }
    }

    /// Starts reading a protocol's declared parameters and bug switches:
    /// [`ParamReader::get`] reads a declared parameter, [`ParamReader::bugs`]
    /// the `bugs` list, and [`ParamReader::finish`] rejects every key that
    /// is neither declared nor asked for.
    pub fn reader_for(
        &self,
        params: &'static [ParamDecl],
        bugs: &'static [BugDecl],
    ) -> ParamReader<'_> {
        ParamReader {
            table: self,
            asked: Vec::new(),
            params,
            bugs,
            declared: true,
        }
    }
}

/// Reads typed values out of a [`ParamTable`] and remembers which keys were
/// asked for, so that [`ParamReader::finish`] can reject the others.
#[derive(Debug)]
pub struct ParamReader<'a> {
    table: &'a ParamTable,
    asked: Vec<String>,
    params: &'static [ParamDecl],
    bugs: &'static [BugDecl],
    declared: bool,
}

impl ParamReader<'_> {
    fn item(&mut self, key: &str) -> Option<&Item> {
        if !self.asked.iter().any(|k| k == key) {
            self.asked.push(key.to_string());
        }
        self.table.entries.get(key).map(|entry| &entry.item)
    }

    /// The byte span of `key`'s value, if present (for [`ScenarioError::at`]).
    pub fn span(&self, key: &str) -> Option<Range<usize>> {
        self.table.entries.get(key).map(|e| e.item.span.clone())
    }

    /// An error at `key`'s value (or at the start of the file if it is
    /// absent), for checks the getters cannot express.
    pub fn error_at(&self, key: &str, message: impl Into<String>) -> ScenarioError {
        let span = self.span(key).unwrap_or(0..0);
        ScenarioError::at(&self.table.source, span, message)
    }

    /// A duration such as `"250ms"`; `default` if absent.
    pub fn duration(&mut self, key: &str, default: SimTime) -> Result<SimTime, ScenarioError> {
        let source = &self.table.source;
        match self.item(key) {
            None => Ok(default),
            Some(item) => read::duration(source, key, item),
        }
    }

    /// A duration that must be more than zero (a period or a timeout that
    /// re-arms: zero would make simulated time stand still); `default` if
    /// absent.
    pub fn positive_duration(
        &mut self,
        key: &str,
        default: SimTime,
    ) -> Result<SimTime, ScenarioError> {
        let source = &self.table.source;
        match self.item(key) {
            None => Ok(default),
            Some(item) => read::positive_duration(source, key, item),
        }
    }

    /// A range of durations: `{ min = "150ms", max = "300ms" }` (a missing
    /// bound takes its default) or one duration `"200ms"` (min = max).
    /// Errors if min > max.
    pub fn duration_range(
        &mut self,
        key: &str,
        default_min: SimTime,
        default_max: SimTime,
    ) -> Result<(SimTime, SimTime), ScenarioError> {
        let source = &self.table.source;
        let Some(item) = self.item(key) else {
            return Ok((default_min, default_max));
        };
        let (min, max) = match &item.value {
            Value::String(_) => {
                let time = read::duration(source, key, item)?;
                (time, time)
            }
            Value::Table(_) => {
                let place = format!("in `{key}`");
                let section = read::Section::new(source, item, key, place)?;
                section.check_keys(&["min", "max"])?;
                let bound = |name: &str, default: SimTime| match section.get(name) {
                    None => Ok(default),
                    Some(value) => read::duration(source, name, value),
                };
                (bound("min", default_min)?, bound("max", default_max)?)
            }
            other => {
                let message = format!(
                    "expected a duration range like {{ min = \"150ms\", max = \"300ms\" }} for `{key}`, got {}",
                    other.describe()
                );
                return Err(read::error(source, item, message));
            }
        };
        if min > max {
            let message = format!("{key}: min ({min}) must not be more than max ({max})");
            return Err(read::error(source, item, message));
        }
        Ok((min, max))
    }

    /// A non-negative integer; `default` if absent.
    pub fn u64(&mut self, key: &str, default: u64) -> Result<u64, ScenarioError> {
        let source = &self.table.source;
        let Some(item) = self.item(key) else {
            return Ok(default);
        };
        match item.value {
            Value::Integer(n) if n >= 0 => Ok(n.unsigned_abs()),
            Value::Integer(n) => {
                let message = format!("{key} must be 0 or more, got {n}");
                Err(read::error(source, item, message))
            }
            ref other => {
                let got = other.describe();
                let message = format!("expected an integer (0 or more) for `{key}`, got {got}");
                Err(read::error(source, item, message))
            }
        }
    }

    /// An integer in `range`; `default` if absent (the default is not
    /// checked against the range).
    pub fn u64_in(
        &mut self,
        key: &str,
        default: u64,
        range: RangeInclusive<u64>,
    ) -> Result<u64, ScenarioError> {
        let source = &self.table.source;
        let Some(item) = self.item(key) else {
            return Ok(default);
        };
        let low = i64::try_from(*range.start()).unwrap_or(i64::MAX);
        let high = i64::try_from(*range.end()).unwrap_or(i64::MAX);
        let value = read::integer_in(source, key, item, low..=high)?;
        Ok(value.unsigned_abs())
    }

    /// A number (integer or float) in `range`; `default` if absent.
    pub fn f64_in(
        &mut self,
        key: &str,
        default: f64,
        range: RangeInclusive<f64>,
    ) -> Result<f64, ScenarioError> {
        let source = &self.table.source;
        match self.item(key) {
            None => Ok(default),
            Some(item) => read::number_in(source, key, item, range),
        }
    }

    /// `true` or `false`; `default` if absent.
    pub fn bool(&mut self, key: &str, default: bool) -> Result<bool, ScenarioError> {
        let source = &self.table.source;
        match self.item(key) {
            None => Ok(default),
            Some(item) => read::boolean(source, key, item),
        }
    }

    /// A string; `default` if absent.
    pub fn string(&mut self, key: &str, default: &str) -> Result<String, ScenarioError> {
        let source = &self.table.source;
        match self.item(key) {
            None => Ok(default.to_string()),
            Some(item) => read::string(source, key, item).map(|s| s.into_inner()),
        }
    }

    /// One of `choices` (returned as the matching choice); `default` if absent.
    pub fn one_of<'c>(
        &mut self,
        key: &str,
        default: &'c str,
        choices: &[&'c str],
    ) -> Result<&'c str, ScenarioError> {
        let source = &self.table.source;
        let Some(item) = self.item(key) else {
            return Ok(default);
        };
        let expected = format!("one of {}", quoted_list(choices));
        let Value::String(text) = &item.value else {
            let got = item.value.describe();
            let message = format!("expected {expected} for `{key}`, got {got}");
            return Err(read::error(source, item, message));
        };
        choices.iter().copied().find(|c| c == text).ok_or_else(|| {
            let message = format!("unknown {key} {text:?}; expected {expected}");
            read::error(source, item, message)
        })
    }

    /// A list of strings, each one of `choices` (returned as the matching
    /// choices, in file order); empty if absent. A value that is not a list,
    /// an element that is not a string or not a choice, and an element given
    /// twice are errors pointing at the value.
    pub fn strings_in<'c>(
        &mut self,
        key: &str,
        choices: &[&'c str],
    ) -> Result<Vec<&'c str>, ScenarioError> {
        let source = &self.table.source;
        let Some(item) = self.item(key) else {
            return Ok(Vec::new());
        };
        let expected = format!("one of {}", quoted_list(choices));
        let Value::Array(elements) = &item.value else {
            let got = item.value.describe();
            let message = format!("expected a list of strings for `{key}` ({expected}), got {got}");
            return Err(read::error(source, item, message));
        };
        let mut out: Vec<&'c str> = Vec::new();
        for element in elements {
            let Value::String(text) = &element.value else {
                let got = element.value.describe();
                let message = format!("expected {expected} in `{key}`, got {got}");
                return Err(read::error(source, element, message));
            };
            let Some(choice) = choices.iter().copied().find(|c| c == text) else {
                let message = format!("unknown {key} {text:?}; expected {expected}");
                return Err(read::error(source, element, message));
            };
            if out.contains(&choice) {
                let message = format!("{text:?} appears twice in `{key}`");
                return Err(read::error(source, element, message));
            }
            out.push(choice);
        }
        Ok(out)
    }

    /// A list of strings, in file order; empty if absent. A value that is
    /// not a list and an element that is not a string are errors pointing
    /// at the value.
    pub fn strings(&mut self, key: &str) -> Result<Vec<String>, ScenarioError> {
        let source = &self.table.source;
        let Some(item) = self.item(key) else {
            return Ok(Vec::new());
        };
        let Value::Array(elements) = &item.value else {
            let got = item.value.describe();
            let message = format!("expected a list of strings for `{key}`, got {got}");
            return Err(read::error(source, item, message));
        };
        let mut out = Vec::new();
        for element in elements {
            let Value::String(text) = &element.value else {
                let got = element.value.describe();
                let message = format!("expected a string in `{key}`, got {got}");
                return Err(read::error(source, element, message));
            };
            out.push(text.to_string());
        }
        Ok(out)
    }

    /// The declared parameter `param`: its value in the table, checked as
    /// its declaration says, or its default.
    pub fn get<T: ParamValue>(&mut self, param: &Param<T>) -> Result<T, ScenarioError> {
        let decl = &param.decl;
        debug_assert!(
            self.params.iter().any(|d| d.key == decl.key),
            "`{}` is read but not in the declared table",
            decl.key
        );
        let setting = self.setting(decl)?;
        match T::from_setting(setting) {
            Some(value) => Ok(value),
            None => Err(self.error_at(decl.key, format!("cannot read `{}`", decl.key))),
        }
    }

    /// A declared parameter's value as its kind reads it.
    fn setting(&mut self, decl: &ParamDecl) -> Result<Setting, ScenarioError> {
        let key = decl.key;
        Ok(match decl.kind {
            ParamKind::Duration { default, min } => {
                let time = if min == SimTime::ZERO {
                    self.duration(key, default)?
                } else {
                    self.positive_duration(key, default)?
                };
                if time < min {
                    let message = format!("{key} must be at least {min}, got {time}");
                    return Err(self.error_at(key, message));
                }
                Setting::Duration(time)
            }
            ParamKind::DurationRange { default } => {
                let (min, max) = self.duration_range(key, default.0, default.1)?;
                Setting::DurationRange(min, max)
            }
            ParamKind::Integer { default, min, max } => {
                Setting::Integer(self.u64_in(key, default, min..=max)?)
            }
            ParamKind::Number { default, min, max } => {
                Setting::Number(self.f64_in(key, default, min..=max)?)
            }
            ParamKind::Bool { default } => Setting::Bool(self.bool(key, default)?),
            ParamKind::Choice { default, choices } => {
                Setting::Choice(self.one_of(key, default, choices)?)
            }
            ParamKind::ChoiceList { choices } => {
                Setting::ChoiceList(self.strings_in(key, choices)?)
            }
            ParamKind::Texts { .. } => Setting::Texts(self.strings(key)?),
        })
    }

    /// The bug switches `bugs = ["name", ...]` turns on, in file order
    /// (none if absent), each one of the declared switches and given once.
    pub fn bugs<B: BugSwitch>(&mut self) -> Result<Vec<B>, ScenarioError> {
        let source = &self.table.source;
        let bugs = self.bugs;
        let Some(item) = self.item("bugs") else {
            return Ok(Vec::new());
        };
        let names: Vec<&str> = bugs.iter().map(|b| b.name).collect();
        let expected = format!("one of {}", quoted_list(&names));
        let Value::Array(elements) = &item.value else {
            let message = match &item.value {
                Value::String(name) => {
                    format!("`bugs` is a list: use bugs = [{name:?}]")
                }
                other => format!(
                    "expected a list of bug switches for `bugs` ({expected}), got {}",
                    other.describe()
                ),
            };
            return Err(read::error(source, item, message));
        };
        let mut out: Vec<B> = Vec::new();
        for element in elements {
            let Value::String(text) = &element.value else {
                let got = element.value.describe();
                let message = format!("expected a bug switch in `bugs` ({expected}), got {got}");
                return Err(read::error(source, element, message));
            };
            let known = bugs.iter().find(|b| b.name == *text);
            let Some(bug) = known.and_then(|b| B::from_name(b.name)) else {
                let mut message = format!("unknown bug switch {text:?}; expected {expected}");
                if let Some(close) = read::closest(text, &names) {
                    message.push_str(&format!(" (did you mean {close:?}?)"));
                }
                return Err(read::error(source, element, message));
            };
            if out.contains(&bug) {
                let message = format!("{text:?} appears twice in `bugs`");
                return Err(read::error(source, element, message));
            }
            out.push(bug);
        }
        Ok(out)
    }

    /// Rejects the first key (in file order) that is neither declared nor
    /// asked for. The old single-bug key `bug = "x"` gets its own message
    /// (`use bugs = ["x"]`).
    pub fn finish(self) -> Result<(), ScenarioError> {
        let bugs_key: &[&str] = if self.bugs.is_empty() { &[] } else { &["bugs"] };
        let mut known: Vec<&str> = self.table.fixed_keys.iter().map(String::as_str).collect();
        let declared = self
            .params
            .iter()
            .map(|p| p.key)
            .chain(bugs_key.iter().copied());
        for key in declared.chain(self.asked.iter().map(String::as_str)) {
            if !known.contains(&key) {
                known.push(key);
            }
        }
        debug_assert!(
            self.params
                .iter()
                .all(|p| self.asked.iter().any(|k| k == p.key)),
            "a declared parameter of {} is never read",
            self.table.place
        );
        let unknown = self
            .table
            .entries
            .iter()
            .filter(|(key, _)| !known.contains(&key.as_str()))
            .min_by_key(|(_, entry)| entry.key_span.start);
        let Some((key, entry)) = unknown else {
            return Ok(());
        };
        let span = entry.key_span.clone();
        let mut message = unknown_key_message(key, &self.table.place, &known);
        if key == "bug" && !self.bugs.is_empty() {
            message = match &entry.item.value {
                Value::String(name) if name == "none" => {
                    "`bug` is now `bugs`, a list: leave it out (or write bugs = []) for no bug"
                        .to_string()
                }
                Value::String(name) => {
                    format!("`bug` is now `bugs`, a list: use bugs = [{name:?}]")
                }
                _ => "`bug` is now `bugs`, a list: use bugs = [\"name\", ...]".to_string(),
            };
        } else if (key == "bug" || key == "bugs") && self.declared && self.bugs.is_empty() {
            message = format!(
                "unknown key `{key}` {}: the protocol has no bug switches",
                self.table.place
            );
        }
        Err(ScenarioError::at(&self.table.source, span, message))
    }
}

/// `"a", "b" or "c"`.
pub(crate) fn quoted_list(items: &[&str]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| format!("{s:?}")).collect();
    match quoted.split_last() {
        None => String::new(),
        Some((last, [])) => last.clone(),
        Some((last, rest)) => format!("{} or {last}", rest.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(text: &str) -> ParamTable {
        ParamTable::from_toml("p.toml", text, "in [protocol] for protocol `gossip`")
            .expect("valid TOML")
    }

    #[test]
    fn getters_return_values_or_defaults() {
        let params = table(
            "interval = \"20ms\"\nfanout = 3\nratio = 0.5\npush = true\nmode = \"grid\"\nname = \"x\"\n\
             timeout = { min = \"150ms\", max = \"300ms\" }\n",
        );
        let mut r = params.reader();
        assert_eq!(
            r.duration("interval", SimTime::ZERO),
            Ok(SimTime::from_millis(20))
        );
        assert_eq!(r.u64("fanout", 1), Ok(3));
        assert_eq!(r.f64_in("ratio", 0.0, 0.0..=1.0), Ok(0.5));
        assert_eq!(r.bool("push", false), Ok(true));
        assert_eq!(r.one_of("mode", "line", &["line", "grid"]), Ok("grid"));
        assert_eq!(r.string("name", "y"), Ok("x".to_string()));
        let ms = SimTime::from_millis;
        assert_eq!(
            r.duration_range("timeout", ms(1), ms(2)),
            Ok((ms(150), ms(300)))
        );
        assert_eq!(r.u64_in("absent", 7, 1..=10), Ok(7));
        assert_eq!(r.finish(), Ok(()));
    }

    #[test]
    fn finish_rejects_keys_nobody_asked_for() {
        let params = table("fanout = 3\nfanuot = 4\n");
        let mut r = params.reader();
        assert_eq!(r.u64("fanout", 1), Ok(3));
        r.u64("rounds", 1).expect("absent");
        let err = r.finish().expect_err("unknown key");
        assert_eq!(
            err.message,
            "unknown key `fanuot` in [protocol] for protocol `gossip`; expected one of: fanout, rounds (did you mean `fanout`?)"
        );
        assert_eq!((err.line, err.column), (2, 1));
    }

    #[test]
    fn getter_errors_point_at_the_value() {
        let params = table("fanout = 30\nmode = \"ring\"\nt = { min = \"3s\", max = \"1s\" }\n");
        let mut r = params.reader();
        let err = r.u64_in("fanout", 1, 1..=10).expect_err("range");
        assert_eq!(err.message, "fanout must be between 1 and 10, got 30");
        assert_eq!((err.line, err.column), (1, 10));
        let err = r
            .one_of("mode", "line", &["line", "grid"])
            .expect_err("choice");
        assert_eq!(
            err.message,
            "unknown mode \"ring\"; expected one of \"line\" or \"grid\""
        );
        let err = r
            .duration_range("t", SimTime::ZERO, SimTime::ZERO)
            .expect_err("min > max");
        assert_eq!(err.message, "t: min (3s) must not be more than max (1s)");
    }

    #[test]
    fn string_lists_are_checked_element_by_element() {
        let choices = ["a", "bb", "c"];
        let params = table("x = [\"bb\", \"a\"]\ny = []\n");
        let mut r = params.reader();
        assert_eq!(r.strings_in("x", &choices), Ok(vec!["bb", "a"]));
        assert_eq!(r.strings_in("y", &choices), Ok(vec![]));
        assert_eq!(r.strings_in("absent", &choices), Ok(vec![]));
        assert_eq!(r.finish(), Ok(()));

        let params =
            table("bugs = [\"a\", \"d\"]\nb = \"a\"\nc = [\"a\", 3]\nd = [\"c\", \"c\"]\n");
        let mut r = params.reader();
        let err = r.strings_in("bugs", &choices).expect_err("unknown element");
        assert_eq!(
            err.message,
            "unknown bugs \"d\"; expected one of \"a\", \"bb\" or \"c\""
        );
        assert_eq!((err.line, err.column), (1, 14));
        let err = r.strings_in("b", &choices).expect_err("not a list");
        assert!(
            err.message
                .starts_with("expected a list of strings for `b`"),
            "{}",
            err.message
        );
        assert_eq!((err.line, err.column), (2, 5));
        let err = r.strings_in("c", &choices).expect_err("not a string");
        assert!(
            err.message.starts_with("expected one of"),
            "{}",
            err.message
        );
        assert_eq!((err.line, err.column), (3, 11));
        let err = r.strings_in("d", &choices).expect_err("twice");
        assert_eq!(err.message, "\"c\" appears twice in `d`");
        assert_eq!((err.line, err.column), (4, 11));
    }

    #[test]
    fn with_param_overrides_or_adds_a_value() {
        let params = table("fanout = 3\nmode = \"push\"\n");
        let changed = params.with_param("fanout", "5").expect("integer");
        let changed = changed.with_param("mode", "rumor").expect("bare string");
        let changed = changed.with_param("interval", "\"20ms\"").expect("new key");
        let mut r = changed.reader();
        assert_eq!(r.u64("fanout", 1), Ok(5));
        assert_eq!(r.one_of("mode", "push", &["push", "rumor"]), Ok("rumor"));
        assert_eq!(
            r.duration("interval", SimTime::ZERO),
            Ok(SimTime::from_millis(20))
        );
        assert_eq!(r.finish(), Ok(()));
        let err = params.with_param("fanout", "99").expect("parses");
        let err = err.reader().u64_in("fanout", 1, 1..=10).expect_err("range");
        assert_eq!(err.message, "fanout must be between 1 and 10, got 99");
        assert_eq!(
            (err.line, err.column),
            (1, 10),
            "points at the file's fanout"
        );
    }

    mod declared {
        use crate::base::SimTime;
        use crate::scenario::param_spec::{BugSwitch, Param, ParamDecl};

        crate::bug_switches! {
            /// Test switches.
            pub(super) enum Bug {
                /// Forgets things.
                Forget = "forget",
                /// Never retries.
                NoRetry = "no-retry",
            }
        }

        pub(super) const FANOUT: Param<u32> = Param::integer("fanout", 2, 1, 10, "peers");
        pub(super) const INTERVAL: Param<SimTime> =
            Param::positive_duration("interval", SimTime::from_millis(100), "round");
        pub(super) const PARAMS: &[ParamDecl] = &[FANOUT.decl, INTERVAL.decl];
        pub(super) const BUGS: &[crate::scenario::BugDecl] = Bug::DECLS;
    }

    /// Reads FANOUT, INTERVAL and the bugs from `text`, then finishes.
    fn read_declared(text: &str) -> Result<(u32, SimTime, Vec<declared::Bug>), String> {
        let params = table(text);
        let mut r = params.reader_for(declared::PARAMS, declared::BUGS);
        let read = (|| {
            let fanout = r.get(&declared::FANOUT)?;
            let interval = r.get(&declared::INTERVAL)?;
            let bugs = r.bugs::<declared::Bug>()?;
            Ok((fanout, interval, bugs))
        })();
        let read = read.map_err(|e: ScenarioError| e.headline())?;
        r.finish().map_err(|e| e.headline())?;
        Ok(read)
    }

    #[test]
    fn declared_parameters_read_or_default() {
        assert_eq!(
            read_declared(""),
            Ok((2, SimTime::from_millis(100), vec![]))
        );
        assert_eq!(
            read_declared("fanout = 3\nbugs = [\"no-retry\", \"forget\"]\n"),
            Ok((
                3,
                SimTime::from_millis(100),
                vec![declared::Bug::NoRetry, declared::Bug::Forget]
            ))
        );
        assert_eq!(
            read_declared("fanout = 11"),
            Err("p.toml:1:10: fanout must be between 1 and 10, got 11".into())
        );
        assert_eq!(
            read_declared("interval = \"0s\""),
            Err("p.toml:1:12: interval must be more than 0, got \"0s\"".into())
        );
    }

    #[test]
    fn bug_switch_errors_name_the_valid_switches() {
        assert_eq!(
            read_declared("bugs = [\"forgot\"]"),
            Err("p.toml:1:9: unknown bug switch \"forgot\"; expected one of \"forget\" or \"no-retry\" (did you mean \"forget\"?)".into())
        );
        assert_eq!(
            read_declared("bugs = [\"forget\", \"forget\"]"),
            Err("p.toml:1:19: \"forget\" appears twice in `bugs`".into())
        );
        assert_eq!(
            read_declared("bugs = \"forget\""),
            Err("p.toml:1:8: `bugs` is a list: use bugs = [\"forget\"]".into())
        );
        assert_eq!(
            read_declared("bug = \"forget\""),
            Err("p.toml:1:1: `bug` is now `bugs`, a list: use bugs = [\"forget\"]".into())
        );
        assert_eq!(
            read_declared("fanuot = 3"),
            Err("p.toml:1:1: unknown key `fanuot` in [protocol] for protocol `gossip`; expected one of: fanout, interval, bugs (did you mean `fanout`?)".into())
        );
    }

    #[test]
    fn empty_table_finishes() {
        let params = table("");
        assert!(params.is_empty());
        assert_eq!(params.reader().finish(), Ok(()));
    }
}
