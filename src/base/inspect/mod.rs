//! A labelled view of a node's state (or of a message), for the inspector:
//! what a protocol shows instead of its `Debug` dump.
//!
//! A [`View`] is an ordered list of [`Section`]s; a section is a titled
//! list of [`Field`]s; a field is a label and an [`Item`]: a text, a
//! virtual time (shown `200ms`), a node or client (`n1`, `c0`), nothing
//! (`—`), or a [`Group`] of fields — a struct or a list, which the layout
//! ([`lines`]) shows on one line when it fits and folds (with its count)
//! when it is long. A section may start folded (a protocol's parameters).
//!
//! Every node gets one for free: `Node::inspect`'s default parses the
//! node's `Debug` text ([`View::from_debug`], [`debug`]) and formats what
//! it recognises (`SimTime(200000000)` → `200ms`, `Some(NodeId(1))` →
//! `n1`, `None` → `—`, a `params` field folded below). A protocol
//! overrides it with hand-picked labels:
//!
//! ```
//! use distlab::base::inspect::{Item, View};
//! use distlab::base::{NodeId, SimTime};
//! let view = View::new()
//!     .section("state")
//!     .field("currentTerm", 3u64)
//!     .field("votedFor", Some(NodeId(1)))
//!     .field("log", Item::list_last((1..=3u64).map(|i| (i.to_string(), Item::text(format!("t1 put x {i}"))))))
//!     .field("timeout", SimTime::from_millis(200))
//!     .params(&(1, 2));
//! let text: Vec<String> = distlab::base::inspect::lines(&view, 40, false)
//!     .iter()
//!     .map(|l| l.text())
//!     .collect();
//! assert_eq!(text[0], "state");
//! assert_eq!(text[1], "currentTerm  3   votedFor     n1");
//! assert_eq!(text[2], "log          3 items");
//! ```

pub mod debug;
mod from_debug;
mod layout;

pub use layout::{lines, Line, Span, SpanKind};

use super::ids::{ClientId, NodeId};
use super::time::SimTime;
use std::fmt::Debug;

/// A node's or a message's state as titled sections of labelled fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct View {
    /// The sections, in display order.
    pub sections: Vec<Section>,
    /// True when the view was built from `Debug` text ([`View::from_debug`],
    /// `Node::inspect`'s default) rather than chosen by the protocol.
    pub from_debug: bool,
}

/// A titled list of fields.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    /// Its title (`state`, `leader`, `parameters`); empty for none.
    pub title: String,
    /// Its fields, in display order.
    pub fields: Vec<Field>,
    /// Shown as one line (title and count) until the user expands it.
    pub folded: bool,
}

/// A label and what it shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Field {
    /// The label (`currentTerm`); empty for an unlabelled list item.
    pub label: String,
    /// The value.
    pub item: Item,
}

/// What a field shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Item {
    /// Any text, shown as it is.
    Text(String),
    /// A virtual time or duration, shown `200ms`, `1.250s`.
    Time(SimTime),
    /// A node, shown `n1`.
    Node(NodeId),
    /// A client, shown `c0`.
    Client(ClientId),
    /// Nothing (an empty `Option`), shown `—`.
    Absent,
    /// Nested fields: a struct or a list.
    Group(Group),
}

/// A struct or a list of fields.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Group {
    /// A type or variant name shown before the fields (`Leader`), if any.
    pub name: Option<String>,
    /// What it holds.
    pub kind: GroupKind,
    /// Its fields (list items may be unlabelled).
    pub fields: Vec<Field>,
}

/// How a [`Group`] shows and folds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GroupKind {
    /// A struct or a tuple: always shown whole.
    Struct,
    /// A collection: folded with its count when long, keeping its first
    /// or its last items in sight.
    List(Keep),
}

/// Which end of a long list stays in sight when it is folded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    /// The first items (a set, a map by key).
    First,
    /// The last items (a log: the newest entries matter).
    Last,
}

impl View {
    /// An empty view; add sections and fields with the builder methods.
    pub fn new() -> View {
        View::default()
    }

    /// The default view: `text` (a `{:?}` rendering) parsed and formatted
    /// ([`debug::parse`]); never fails — text it cannot parse is shown as
    /// it is.
    pub fn from_debug(text: &str) -> View {
        from_debug::view(&debug::parse(text))
    }

    /// A one-section view of one line of text (`(crashed)`).
    pub fn note(text: impl Into<String>) -> View {
        View::new().section("").field("", Item::Text(text.into()))
    }

    /// Start a new section titled `title`.
    pub fn section(mut self, title: impl Into<String>) -> View {
        self.sections.push(Section {
            title: title.into(),
            fields: Vec::new(),
            folded: false,
        });
        self
    }

    /// Add a field to the last section (opening an untitled one if none).
    pub fn field(mut self, label: impl Into<String>, item: impl Into<Item>) -> View {
        if self.sections.is_empty() {
            self = self.section("");
        }
        let field = Field {
            label: label.into(),
            item: item.into(),
        };
        if let Some(section) = self.sections.last_mut() {
            section.fields.push(field);
        }
        self
    }

    /// Fold the last section (shown as its title and count until the
    /// user expands it): for hand-built fields that matter less, such as
    /// the checks' ghost state.
    pub fn fold(mut self) -> View {
        if let Some(section) = self.sections.last_mut() {
            section.folded = true;
        }
        self
    }

    /// Add a folded section titled `title` holding `value`'s fields, read
    /// from its `Debug` text (a struct's fields, or the value itself).
    pub fn folded(mut self, title: impl Into<String>, value: &dyn Debug) -> View {
        let fields = debug_fields(value);
        self.sections.push(Section {
            title: title.into(),
            fields,
            folded: true,
        });
        self
    }

    /// Add `value`'s fields (read from its `Debug` text, formatted as the
    /// default view formats them) to the last section: for a part whose
    /// own fields read well, e.g. a role's state struct.
    pub fn fields_of(mut self, value: &dyn Debug) -> View {
        for field in debug_fields(value) {
            self = self.field(field.label, field.item);
        }
        self
    }

    /// The protocol's parameters, folded below everything else.
    pub fn params(self, params: &dyn Debug) -> View {
        self.folded("parameters", params)
    }
}

/// A struct's fields (a role variant unwrapped), or the value as one
/// unlabelled field.
fn debug_fields(value: &dyn Debug) -> Vec<Field> {
    let tree = debug::parse(&format!("{value:?}"));
    match from_debug::item(from_debug::unwrap_variant(&tree)) {
        Item::Group(Group {
            kind: GroupKind::Struct,
            fields,
            ..
        }) if fields.iter().all(|f| !f.label.is_empty()) => fields,
        item => vec![Field {
            label: String::new(),
            item,
        }],
    }
}

impl Item {
    /// A text item.
    pub fn text(text: impl Into<String>) -> Item {
        Item::Text(text.into())
    }

    /// `value`'s `Debug` text, parsed and formatted as the default view
    /// formats it (`Some(NodeId(1))` → `n1`).
    pub fn debug(value: &dyn Debug) -> Item {
        from_debug::item(&debug::parse(&format!("{value:?}")))
    }

    /// A struct of labelled fields, optionally named.
    pub fn fields<L: Into<String>>(
        name: Option<&str>,
        fields: impl IntoIterator<Item = (L, Item)>,
    ) -> Item {
        Item::group(name, GroupKind::Struct, fields)
    }

    /// A list that keeps its first items in sight when folded.
    pub fn list<L: Into<String>>(items: impl IntoIterator<Item = (L, Item)>) -> Item {
        Item::group(None, GroupKind::List(Keep::First), items)
    }

    /// A list that keeps its last items in sight when folded (a log).
    pub fn list_last<L: Into<String>>(items: impl IntoIterator<Item = (L, Item)>) -> Item {
        Item::group(None, GroupKind::List(Keep::Last), items)
    }

    /// A list of unlabelled items (a set).
    pub fn set<T: Into<Item>>(items: impl IntoIterator<Item = T>) -> Item {
        Item::list(items.into_iter().map(|i| ("", i.into())))
    }

    /// The same item, but a list keeps its last items in sight when
    /// folded (a log of decisions keyed by increasing id).
    pub fn newest_last(self) -> Item {
        match self {
            Item::Group(Group {
                name,
                kind: GroupKind::List(_),
                fields,
            }) => Item::Group(Group {
                name,
                kind: GroupKind::List(Keep::Last),
                fields,
            }),
            other => other,
        }
    }

    fn group<L: Into<String>>(
        name: Option<&str>,
        kind: GroupKind,
        fields: impl IntoIterator<Item = (L, Item)>,
    ) -> Item {
        Item::Group(Group {
            name: name.map(str::to_string),
            kind,
            fields: fields
                .into_iter()
                .map(|(label, item)| Field {
                    label: label.into(),
                    item,
                })
                .collect(),
        })
    }
}

impl From<String> for Item {
    fn from(text: String) -> Item {
        Item::Text(text)
    }
}

impl From<&str> for Item {
    fn from(text: &str) -> Item {
        Item::Text(text.to_string())
    }
}

impl From<SimTime> for Item {
    fn from(time: SimTime) -> Item {
        Item::Time(time)
    }
}

impl From<NodeId> for Item {
    fn from(node: NodeId) -> Item {
        Item::Node(node)
    }
}

impl From<ClientId> for Item {
    fn from(client: ClientId) -> Item {
        Item::Client(client)
    }
}

impl<T: Into<Item>> From<Option<T>> for Item {
    fn from(value: Option<T>) -> Item {
        value.map_or(Item::Absent, Into::into)
    }
}

/// Numbers and booleans show as their `Display`.
macro_rules! item_from_display {
    ($($t:ty),*) => {$(
        impl From<$t> for Item {
            fn from(value: $t) -> Item {
                Item::Text(value.to_string())
            }
        }
    )*};
}

item_from_display!(u8, u16, u32, u64, usize, i32, i64, bool);

#[cfg(test)]
mod tests;
