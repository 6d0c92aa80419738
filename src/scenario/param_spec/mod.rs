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

mod bugs;
mod render;

pub use bugs::{BugDecl, BugSwitch};
pub use render::{doc_begin, doc_end, listing, markdown, splice_doc};

use crate::base::{Ratio, SimTime};
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
    /// A list of free-form strings (default: empty), each one `what`
    /// says; the protocol parses them and reports what it cannot read.
    Texts {
        /// What each string is, for listings (`"membership change"`).
        what: &'static str,
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
    /// Free-form strings, in file order.
    Texts(Vec<String>),
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
            ParamKind::Texts { .. } => Setting::Texts(Vec::new()),
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

impl ParamValue for Vec<String> {
    fn from_setting(setting: Setting) -> Option<Self> {
        match setting {
            Setting::Texts(texts) => Some(texts),
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

impl Param<Vec<String>> {
    /// A list of free-form strings, each one `what` says; empty by
    /// default. The protocol parses each (and points its errors at the key).
    pub const fn texts(key: &'static str, what: &'static str, doc: &'static str) -> Self {
        Param::new(key, ParamKind::Texts { what }, doc)
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
