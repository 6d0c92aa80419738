//! Declarations of a protocol's `[protocol]` parameters and bug switches:
//! each is written once, and that one declaration drives the scenario
//! reader and its errors ([`ParamReader::get`](super::ParamReader::get),
//! [`ParamReader::bugs`](super::ParamReader::bugs)), the defaults
//! ([`Param::default_value`]), `distlab list --params PROTOCOL`
//! ([`listing`]) and the tables in `docs/protocols/*.md` ([`markdown`]).
//!
//! A parameter is a typed constant; the protocol lists its constants in a
//! table and attaches the table to its `ProtocolFacts`:
//!
//! ```
//! use distlab::scenario::{Param, ParamDecl, ParamTable};
//! use distlab::sim::SimTime;
//!
//! const PERIOD: Param<SimTime> = Param::positive_duration(
//!     "period", SimTime::from_millis(200), "one probe per period");
//! const FANOUT: Param<u32> = Param::integer("fanout", 2, 1, 64, "peers per round");
//! const PARAMS: &[ParamDecl] = &[PERIOD.decl, FANOUT.decl];
//!
//! let table = ParamTable::from_toml("t.toml", "fanout = 3\n", "in [protocol]").unwrap();
//! let mut reader = table.reader_for(PARAMS, &[]);
//! assert_eq!(reader.get(&PERIOD).unwrap(), SimTime::from_millis(200));
//! assert_eq!(reader.get(&FANOUT).unwrap(), 3);
//! reader.finish().unwrap();
//! assert_eq!(FANOUT.default_value(), 2);
//! ```
//!
//! Bug switches are an enum declared with [`bug_switches!`](crate::bug_switches):
//! each variant's name in scenario files and its doc comment, which says
//! what the switch breaks.

use crate::sim::{Ratio, SimTime};
use std::fmt::Write as _;
use std::marker::PhantomData;

/// What values a parameter takes, with its default.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ParamKind {
    /// A duration such as `"250ms"`, at least `min`.
    Duration {
        /// The default.
        default: SimTime,
        /// The least value accepted (zero: any duration).
        min: SimTime,
    },
    /// A range of durations, `{ min = "150ms", max = "300ms" }` or one
    /// duration (min = max).
    DurationRange {
        /// The default bounds.
        default: (SimTime, SimTime),
    },
    /// An integer in `min..=max`.
    Integer {
        /// The default.
        default: u64,
        /// The least value accepted.
        min: u64,
        /// The largest value accepted (`u64::MAX`: no bound).
        max: u64,
    },
    /// A number (integer or float) in `min..=max`.
    Number {
        /// The default.
        default: f64,
        /// The least value accepted.
        min: f64,
        /// The largest value accepted.
        max: f64,
    },
    /// `true` or `false`.
    Bool {
        /// The default.
        default: bool,
    },
    /// One of `choices`.
    Choice {
        /// The default (one of the choices).
        default: &'static str,
        /// The names accepted.
        choices: &'static [&'static str],
    },
    /// A list of `choices`, each at most once (default: empty).
    ChoiceList {
        /// The names accepted.
        choices: &'static [&'static str],
    },
}

/// One `[protocol]` parameter: its key, what it takes, its default and
/// what it means, in one line.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ParamDecl {
    /// The key in `[protocol]`.
    pub key: &'static str,
    /// Type, range and default.
    pub kind: ParamKind,
    /// What it means, one line.
    pub doc: &'static str,
}

/// A parameter's value, read from a scenario or taken from its default.
#[derive(Clone, Debug, PartialEq)]
pub enum Setting {
    /// A duration.
    Duration(SimTime),
    /// A range of durations.
    DurationRange(SimTime, SimTime),
    /// An integer.
    Integer(u64),
    /// A number.
    Number(f64),
    /// A boolean.
    Bool(bool),
    /// One of the choices.
    Choice(&'static str),
    /// Some of the choices, in file order.
    ChoiceList(Vec<&'static str>),
}

impl ParamKind {
    /// The default as a [`Setting`].
    pub fn default_setting(&self) -> Setting {
        match *self {
            ParamKind::Duration { default, .. } => Setting::Duration(default),
            ParamKind::DurationRange { default } => Setting::DurationRange(default.0, default.1),
            ParamKind::Integer { default, .. } => Setting::Integer(default),
            ParamKind::Number { default, .. } => Setting::Number(default),
            ParamKind::Bool { default } => Setting::Bool(default),
            ParamKind::Choice { default, .. } => Setting::Choice(default),
            ParamKind::ChoiceList { .. } => Setting::ChoiceList(Vec::new()),
        }
    }
}

/// A type a parameter can be read as. Each constructor of [`Param`] pairs
/// its type with one [`ParamKind`], so `from_setting` only sees the
/// [`Setting`] of that kind.
pub trait ParamValue: Sized {
    /// The value of a setting of this type's kind.
    fn from_setting(setting: Setting) -> Option<Self>;
}

impl ParamValue for SimTime {
    fn from_setting(setting: Setting) -> Option<Self> {
        match setting {
            Setting::Duration(t) => Some(t),
            _ => None,
        }
    }
}

impl ParamValue for (SimTime, SimTime) {
    fn from_setting(setting: Setting) -> Option<Self> {
        match setting {
            Setting::DurationRange(min, max) => Some((min, max)),
            _ => None,
        }
    }
}

/// An integer type a parameter can be read as; its largest value.
pub trait Integer: ParamValue {
    /// The type's largest value, as a `u64`.
    const LIMIT: u64;
}

macro_rules! integer_values {
    ($($t:ty),*) => {$(
        impl ParamValue for $t {
            fn from_setting(setting: Setting) -> Option<Self> {
                match setting {
                    Setting::Integer(n) => <$t>::try_from(n).ok(),
                    _ => None,
                }
            }
        }

        impl Integer for $t {
            const LIMIT: u64 = <$t>::MAX as u64;
        }
    )*};
}

integer_values!(u32, u64, usize, i64);

impl<T: Integer> Param<T> {
    /// An integer in `min..=max` (`u64::MAX`: no upper bound), read as
    /// `T`. The bounds must fit `T` and the default be in range (checked
    /// when the declaration compiles).
    pub const fn integer(
        key: &'static str,
        default: u64,
        min: u64,
        max: u64,
        doc: &'static str,
    ) -> Self {
        assert!(min <= default && default <= max, "default out of range");
        assert!(max <= T::LIMIT, "bound beyond the type");
        Param::new(key, ParamKind::Integer { default, min, max }, doc)
    }
}

impl ParamValue for f64 {
    fn from_setting(setting: Setting) -> Option<Self> {
        match setting {
            Setting::Number(x) => Some(x),
            _ => None,
        }
    }
}

impl ParamValue for Ratio {
    /// A probability read as a float, kept to one part per billion
    /// ([`Ratio::from_probability`]), the default too.
    fn from_setting(setting: Setting) -> Option<Self> {
        match setting {
            Setting::Number(x) => Some(Ratio::from_probability(x)),
            _ => None,
        }
    }
}

impl ParamValue for bool {
    fn from_setting(setting: Setting) -> Option<Self> {
        match setting {
            Setting::Bool(b) => Some(b),
            _ => None,
        }
    }
}

impl ParamValue for &'static str {
    fn from_setting(setting: Setting) -> Option<Self> {
        match setting {
            Setting::Choice(name) => Some(name),
            _ => None,
        }
    }
}

impl ParamValue for Vec<&'static str> {
    fn from_setting(setting: Setting) -> Option<Self> {
        match setting {
            Setting::ChoiceList(names) => Some(names),
            _ => None,
        }
    }
}

/// An enum whose values a scenario names: `conflict = "lww"`.
///
/// `NAMES[i]` names `ALL[i]`; a declaration over the enum
/// ([`Param::choice`]) checks, when it compiles, that both have the same
/// length and that its default is one of the names.
pub trait Choice: Copy + PartialEq + 'static {
    /// The names in scenario files, in the order messages list them.
    const NAMES: &'static [&'static str];
    /// The values, in the order of [`Choice::NAMES`].
    const ALL: &'static [Self];

    /// The value called `name`.
    fn from_name(name: &str) -> Option<Self> {
        let i = Self::NAMES.iter().position(|n| *n == name)?;
        Self::ALL.get(i).copied()
    }

    /// The value's name in scenario files.
    fn name(self) -> &'static str {
        let i = Self::ALL.iter().position(|v| *v == self);
        i.and_then(|i| Self::NAMES.get(i)).copied().unwrap_or("?")
    }
}

impl<T: Choice> ParamValue for T {
    fn from_setting(setting: Setting) -> Option<Self> {
        match setting {
            Setting::Choice(name) => T::from_name(name),
            _ => None,
        }
    }
}

/// A parameter declaration that reads as `T`: the constants a protocol
/// declares, reads ([`ParamReader::get`](super::ParamReader::get)) and
/// takes defaults from ([`Param::default_value`]).
#[derive(Debug)]
pub struct Param<T> {
    /// The untyped declaration, for tables and listings.
    pub decl: ParamDecl,
    value: PhantomData<fn() -> T>,
}

impl<T> Param<T> {
    const fn new(key: &'static str, kind: ParamKind, doc: &'static str) -> Self {
        Param {
            decl: ParamDecl { key, kind, doc },
            value: PhantomData,
        }
    }

    /// The key in `[protocol]`.
    pub const fn key(&self) -> &'static str {
        self.decl.key
    }
}

impl<T: ParamValue> Param<T> {
    /// The declared default.
    pub fn default_value(&self) -> T {
        match T::from_setting(self.decl.kind.default_setting()) {
            Some(value) => value,
            // Each constructor pairs `T` with its kind and checks the
            // default when the declaration compiles.
            None => unreachable!("the default of `{}` has the wrong type", self.decl.key),
        }
    }
}

impl Param<SimTime> {
    /// A duration, zero allowed.
    pub const fn duration(key: &'static str, default: SimTime, doc: &'static str) -> Self {
        let kind = ParamKind::Duration {
            default,
            min: SimTime::ZERO,
        };
        Param::new(key, kind, doc)
    }

    /// A duration that must be more than zero (a period or a timeout that
    /// re-arms: zero would make simulated time stand still).
    pub const fn positive_duration(key: &'static str, default: SimTime, doc: &'static str) -> Self {
        assert!(default.as_nanos() > 0, "default must be more than 0");
        let kind = ParamKind::Duration {
            default,
            min: SimTime::from_nanos(1),
        };
        Param::new(key, kind, doc)
    }
}

impl Param<(SimTime, SimTime)> {
    /// A range of durations: `{ min = "150ms", max = "300ms" }`, or one
    /// duration for both bounds.
    pub const fn duration_range(
        key: &'static str,
        min: SimTime,
        max: SimTime,
        doc: &'static str,
    ) -> Self {
        assert!(min.as_nanos() <= max.as_nanos(), "min above max");
        let kind = ParamKind::DurationRange {
            default: (min, max),
        };
        Param::new(key, kind, doc)
    }
}

impl Param<f64> {
    /// A number (integer or float) in `min..=max`.
    pub const fn number(
        key: &'static str,
        default: f64,
        min: f64,
        max: f64,
        doc: &'static str,
    ) -> Self {
        assert!(min <= default && default <= max, "default out of range");
        Param::new(key, ParamKind::Number { default, min, max }, doc)
    }
}

impl Param<Ratio> {
    /// A probability in `0..=1`, read as a float and kept to one part per
    /// billion.
    pub const fn probability(key: &'static str, default: f64, doc: &'static str) -> Self {
        Param::probability_up_to(key, default, 1.0, doc)
    }

    /// A probability in `0..=max`.
    pub const fn probability_up_to(
        key: &'static str,
        default: f64,
        max: f64,
        doc: &'static str,
    ) -> Self {
        assert!(
            0.0 <= default && default <= max && max <= 1.0,
            "not a probability"
        );
        let kind = ParamKind::Number {
            default,
            min: 0.0,
            max,
        };
        Param::new(key, kind, doc)
    }
}

impl Param<bool> {
    /// `true` or `false`.
    pub const fn flag(key: &'static str, default: bool, doc: &'static str) -> Self {
        Param::new(key, ParamKind::Bool { default }, doc)
    }
}

impl Param<&'static str> {
    /// One of `choices`, read as the matching name (for a choice that
    /// becomes a value with data, such as a topology with a degree).
    pub const fn one_of(
        key: &'static str,
        default: &'static str,
        choices: &'static [&'static str],
        doc: &'static str,
    ) -> Self {
        assert!(
            contains(choices, default),
            "default is not one of the choices"
        );
        Param::new(key, ParamKind::Choice { default, choices }, doc)
    }
}

impl Param<Vec<&'static str>> {
    /// A list of `choices`, each at most once; empty by default.
    pub const fn list_of(
        key: &'static str,
        choices: &'static [&'static str],
        doc: &'static str,
    ) -> Self {
        Param::new(key, ParamKind::ChoiceList { choices }, doc)
    }
}

impl<T: Choice> Param<T> {
    /// One of the values of the enum `T`, by name ([`Choice`]).
    pub const fn choice(key: &'static str, default: &'static str, doc: &'static str) -> Self {
        assert!(T::NAMES.len() == T::ALL.len(), "a name for every value");
        assert!(
            contains(T::NAMES, default),
            "default is not one of the names"
        );
        let kind = ParamKind::Choice {
            default,
            choices: T::NAMES,
        };
        Param::new(key, kind, doc)
    }
}

/// Whether `list` contains `word` (usable in a `const`).
const fn contains(list: &[&str], word: &str) -> bool {
    let mut i = 0;
    while i < list.len() {
        if same(list[i], word) {
            return true;
        }
        i += 1;
    }
    false
}

const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// One bug switch: its name in `bugs = [...]` and what it breaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BugDecl {
    /// The name in `bugs = [...]`.
    pub name: &'static str,
    /// What it breaks, one line (the variant's doc comment).
    pub breaks: &'static str,
}

impl BugDecl {
    /// What it breaks, trimmed.
    pub fn breaks(&self) -> &'static str {
        self.breaks.trim()
    }
}

/// An enum of bug switches, declared with [`bug_switches!`](crate::bug_switches).
pub trait BugSwitch: Copy + Ord + 'static {
    /// Every switch, in declaration order.
    const ALL: &'static [Self];
    /// Their declarations, in the same order.
    const DECLS: &'static [BugDecl];

    /// The switch called `name`.
    fn from_name(name: &str) -> Option<Self> {
        let i = Self::DECLS.iter().position(|d| d.name == name)?;
        Self::ALL.get(i).copied()
    }
}

/// Declares an enum of bug switches once: each variant with its doc
/// comment (what it breaks, shown by `distlab list --params` and the
/// protocol docs) and its name in `bugs = [...]`. Generates the enum
/// (`Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash`; add more
/// derives above it), [`BugSwitch`](crate::scenario::BugSwitch) and
/// `const fn decl(self)` and `fn name(self)`.
///
/// ```
/// distlab::bug_switches! {
///     /// Deliberate defects.
///     pub enum Bug {
///         /// Never raise the incarnation: suspicions cannot be refuted.
///         NoIncarnation = "no-incarnation",
///     }
/// }
/// use distlab::scenario::BugSwitch;
/// assert_eq!(Bug::from_name("no-incarnation"), Some(Bug::NoIncarnation));
/// assert_eq!(Bug::NoIncarnation.name(), "no-incarnation");
/// assert_eq!(Bug::DECLS[0].breaks(), "Never raise the incarnation: suspicions cannot be refuted.");
/// ```
#[macro_export]
macro_rules! bug_switches {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $(
                $(#[doc = $doc:literal])+
                $variant:ident = $text:literal,
            )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        $vis enum $name {
            $(
                $(#[doc = $doc])+
                $variant,
            )+
        }

        #[allow(dead_code)]
        impl $name {
            /// The switch's declaration: its name and what it breaks.
            pub const fn decl(self) -> $crate::scenario::BugDecl {
                match self {
                    $(
                        $name::$variant => $crate::scenario::BugDecl {
                            name: $text,
                            breaks: concat!($($doc),+),
                        },
                    )+
                }
            }

            /// The switch's name in `bugs = [...]`.
            pub const fn name(self) -> &'static str {
                self.decl().name
            }
        }

        impl $crate::scenario::BugSwitch for $name {
            const ALL: &'static [Self] = &[$($name::$variant),+];
            const DECLS: &'static [$crate::scenario::BugDecl] = &[$($name::$variant.decl()),+];
        }
    };
}

impl ParamDecl {
    /// The type, as listings show it: `duration`, `integer`, ...
    pub fn type_name(&self) -> &'static str {
        match self.kind {
            ParamKind::Duration { .. } => "duration",
            ParamKind::DurationRange { .. } => "duration range",
            ParamKind::Integer { .. } => "integer",
            ParamKind::Number { .. } => "number",
            ParamKind::Bool { .. } => "bool",
            ParamKind::Choice { .. } => "choice",
            ParamKind::ChoiceList { .. } => "list",
        }
    }

    /// The default as it would be written in the file: `"200ms"`, `3`,
    /// `true`, `"push-pull"`, `[]`.
    pub fn default_text(&self) -> String {
        match self.kind {
            ParamKind::Duration { default, .. } => format!("\"{default}\""),
            ParamKind::DurationRange {
                default: (min, max),
            } => {
                format!("{{ min = \"{min}\", max = \"{max}\" }}")
            }
            ParamKind::Integer { default, .. } => default.to_string(),
            ParamKind::Number { default, .. } => super::value::format_float(default),
            ParamKind::Bool { default } => default.to_string(),
            ParamKind::Choice { default, .. } => format!("{default:?}"),
            ParamKind::ChoiceList { .. } => "[]".to_string(),
        }
    }

    /// The values accepted, in words: `more than 0`, `1 to 16`,
    /// `push, pull, rumor`.
    pub fn values_text(&self) -> String {
        match self.kind {
            ParamKind::Duration { min, .. } if min == SimTime::ZERO => "0 or more".to_string(),
            ParamKind::Duration { min, .. } if min == SimTime::from_nanos(1) => {
                "more than 0".to_string()
            }
            ParamKind::Duration { min, .. } => format!("at least {min}"),
            ParamKind::DurationRange { .. } => "min ≤ max".to_string(),
            ParamKind::Integer { min, max, .. } if max == u64::MAX => format!("{min} or more"),
            ParamKind::Integer { min, max, .. } => format!("{min} to {max}"),
            ParamKind::Number { min, max, .. } => {
                format!("{} to {}", trim_float(min), trim_float(max))
            }
            ParamKind::Bool { .. } => "true, false".to_string(),
            ParamKind::Choice { choices, .. } => choices.join(", "),
            ParamKind::ChoiceList { choices } => format!("each of {}", choices.join(", ")),
        }
    }
}

fn trim_float(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        f.to_string()
    }
}

/// `distlab list --params`: the parameters (key, type, default, values,
/// meaning) and then the bug switches (name, what it breaks), as aligned
/// plain-text columns.
pub fn listing(protocol: &str, params: &[ParamDecl], bugs: &[BugDecl]) -> String {
    let mut out = String::new();
    if params.is_empty() {
        let _ = writeln!(out, "protocol `{protocol}` takes no [protocol] parameters");
    } else {
        let _ = writeln!(out, "[protocol] parameters of `{protocol}`:");
        let rows: Vec<[String; 5]> = params
            .iter()
            .map(|p| {
                [
                    p.key.to_string(),
                    p.type_name().to_string(),
                    p.default_text(),
                    p.values_text(),
                    p.doc.to_string(),
                ]
            })
            .collect();
        let header = ["key", "type", "default", "values", "meaning"].map(String::from);
        out += &columns(std::iter::once(&header).chain(&rows));
    }
    out.push('\n');
    if bugs.is_empty() {
        let _ = writeln!(out, "no bug switches");
    } else {
        let _ = writeln!(out, "bug switches (bugs = [\"name\", ...]):");
        let rows: Vec<[String; 2]> = bugs
            .iter()
            .map(|b| [b.name.to_string(), b.breaks().to_string()])
            .collect();
        let header = ["name", "what it breaks"].map(String::from);
        out += &columns(std::iter::once(&header).chain(&rows));
    }
    out
}

/// Rows as left-aligned columns, two spaces in front, the last column
/// unpadded.
fn columns<'a, const N: usize>(rows: impl Iterator<Item = &'a [String; N]> + Clone) -> String {
    let mut widths = [0usize; N];
    for row in rows.clone() {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::from(" ");
        for (i, cell) in row.iter().enumerate() {
            line.push(' ');
            if i + 1 == N {
                line += cell;
            } else {
                let _ = write!(line, "{cell:<width$}", width = widths[i]);
                line.push(' ');
            }
        }
        out += line.trim_end();
        out.push('\n');
    }
    out
}

/// The markdown tables of the parameters and the bug switches, for the
/// protocol docs (without the markers around them).
pub fn markdown(params: &[ParamDecl], bugs: &[BugDecl]) -> String {
    let mut out = String::new();
    if params.is_empty() {
        out += "No `[protocol]` parameters.\n";
    } else {
        out += "| key | type | default | values | meaning |\n|---|---|---|---|---|\n";
        for p in params {
            let cells = [
                format!("`{}`", p.key),
                p.type_name().to_string(),
                format!("`{}`", p.default_text()),
                p.values_text(),
                p.doc.to_string(),
            ];
            out += &markdown_row(&cells);
        }
    }
    if !bugs.is_empty() {
        out += "\nBug switches (`bugs = [\"name\", ...]`):\n\n";
        out += "| bug switch | what it breaks |\n|---|---|\n";
        for b in bugs {
            out += &markdown_row(&[format!("`{}`", b.name), b.breaks().to_string()]);
        }
    }
    out
}

fn markdown_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// The line that opens a protocol's generated tables in its doc.
pub fn doc_begin(protocol: &str) -> String {
    format!(
        "<!-- BEGIN parameters of {protocol}, generated from its declarations: edit them, \
         then run `DISTLAB_BLESS=1 cargo test --test cli protocol_docs` -->"
    )
}

/// The line that closes them.
pub fn doc_end(protocol: &str) -> String {
    format!("<!-- END parameters of {protocol} -->")
}

/// `doc` with the text between `protocol`'s markers replaced by `tables`;
/// `None` when the doc has no (well-ordered) markers for it.
pub fn splice_doc(doc: &str, protocol: &str, tables: &str) -> Option<String> {
    let (begin, end) = (doc_begin(protocol), doc_end(protocol));
    let start = doc.find(&begin)? + begin.len();
    let stop = start + doc[start..].find(&end)?;
    Some(format!("{}\n{tables}{}", &doc[..start], &doc[stop..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq)]
    enum Colour {
        Red,
        Green,
    }

    impl Choice for Colour {
        const NAMES: &'static [&'static str] = &["red", "green"];
        const ALL: &'static [Self] = &[Colour::Red, Colour::Green];
    }

    const PERIOD: Param<SimTime> =
        Param::positive_duration("period", SimTime::from_millis(200), "one probe per period");
    const FANOUT: Param<u32> = Param::integer("fanout", 2, 1, 64, "peers per round");
    const EVERY: Param<u64> = Param::integer("every", 100, 0, u64::MAX, "0 never");
    const LOSS: Param<Ratio> = Param::probability("loss", 0.1, "chance");
    const COLOUR: Param<Colour> = Param::choice("colour", "green", "what colour");
    const TIMEOUT: Param<(SimTime, SimTime)> = Param::duration_range(
        "timeout",
        SimTime::from_millis(150),
        SimTime::from_millis(300),
        "drawn anew",
    );

    #[test]
    fn defaults_come_from_the_declaration() {
        assert_eq!(PERIOD.default_value(), SimTime::from_millis(200));
        assert_eq!(FANOUT.default_value(), 2);
        assert_eq!(LOSS.default_value(), Ratio::from_probability(0.1));
        assert_eq!(COLOUR.default_value(), Colour::Green);
        assert_eq!(Colour::Red.name(), "red");
        assert_eq!(
            TIMEOUT.default_value(),
            (SimTime::from_millis(150), SimTime::from_millis(300))
        );
    }

    #[test]
    fn texts_for_listings() {
        assert_eq!(PERIOD.decl.default_text(), "\"200ms\"");
        assert_eq!(PERIOD.decl.values_text(), "more than 0");
        assert_eq!(FANOUT.decl.values_text(), "1 to 64");
        assert_eq!(EVERY.decl.values_text(), "0 or more");
        assert_eq!(LOSS.decl.values_text(), "0 to 1");
        assert_eq!(COLOUR.decl.values_text(), "red, green");
        assert_eq!(
            TIMEOUT.decl.default_text(),
            "{ min = \"150ms\", max = \"300ms\" }"
        );
    }

    crate::bug_switches! {
        /// Test switches.
        enum Bug {
            /// Breaks one thing,
            /// over two lines.
            One = "one",
            /// Breaks another.
            Two = "two",
        }
    }

    #[test]
    fn bug_switches_join_their_doc_lines() {
        assert_eq!(
            Bug::One.decl().breaks(),
            "Breaks one thing, over two lines."
        );
        assert_eq!(Bug::from_name("two"), Some(Bug::Two));
        assert_eq!(Bug::from_name("three"), None);
        assert_eq!(Bug::Two.name(), "two");
    }

    #[test]
    fn listing_and_markdown() {
        let params = [PERIOD.decl, FANOUT.decl];
        let text = listing("x", &params, Bug::DECLS);
        assert_eq!(
            text,
            "[protocol] parameters of `x`:\n  \
             key     type      default  values       meaning\n  \
             period  duration  \"200ms\"  more than 0  one probe per period\n  \
             fanout  integer   2        1 to 64      peers per round\n\n\
             bug switches (bugs = [\"name\", ...]):\n  \
             name  what it breaks\n  \
             one   Breaks one thing, over two lines.\n  \
             two   Breaks another.\n"
        );
        let md = markdown(&params, &[]);
        assert!(md.contains(
            "| `period` | duration | `\"200ms\"` | more than 0 | one probe per period |"
        ));
    }

    #[test]
    fn splicing_replaces_between_the_markers() {
        let doc = format!("a\n{}\nold\n{}\nb\n", doc_begin("p"), doc_end("p"));
        let new = splice_doc(&doc, "p", "new\n").expect("markers");
        assert_eq!(
            new,
            format!("a\n{}\nnew\n{}\nb\n", doc_begin("p"), doc_end("p"))
        );
        assert_eq!(splice_doc("no markers", "p", ""), None);
    }
}
