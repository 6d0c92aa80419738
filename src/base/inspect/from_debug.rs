//! The default view: a parsed `Debug` tree formatted by what it recognises
//! — `SimTime(n)` as a time, `NodeId(n)` as `n1`, `ClientId(n)` as `c0`,
//! `Some(x)` as `x`, `None` as `—` — with a field named `params` (or of a
//! type named `…Params`) moved to a folded section at the bottom.

use super::debug::Tree;
use super::{Field, Group, GroupKind, Item, Keep, Section, View};
use crate::base::ids::{ClientId, NodeId};
use crate::base::time::SimTime;

/// The view of a whole node (or message): a struct's fields become the
/// first section (titled by its name), its parameters a folded one.
pub(super) fn view(tree: &Tree) -> View {
    let tree = unwrap_variant(tree);
    let (title, fields) = match tree {
        Tree::Struct { name, fields } => (name.clone(), fields.clone()),
        Tree::Atom(name) if !name.starts_with(['"', '\'']) => (name.clone(), Vec::new()),
        other => (String::new(), vec![(String::new(), other.clone())]),
    };
    let (params, state): (Vec<_>, Vec<_>) = fields.into_iter().partition(|(name, value)| {
        name == "params" || name.ends_with("_params") || type_name(value).ends_with("Params")
    });
    let mut sections = vec![Section {
        title,
        fields: state.iter().map(|(l, t)| field(l, t)).collect(),
        folded: false,
    }];
    for (name, value) in &params {
        let fields = match unwrap_variant(value) {
            Tree::Struct { fields, .. } => fields.iter().map(|(l, t)| field(l, t)).collect(),
            other => vec![field("", other)],
        };
        let title = if name == "params" {
            "parameters".to_string()
        } else {
            name.replace('_', " ")
        };
        sections.push(Section {
            title,
            fields,
            folded: true,
        });
    }
    View {
        sections,
        from_debug: true,
    }
}

/// `Name(inner)` with one struct inside (an enum of roles wrapping a
/// state struct) is shown as the struct, titled `Name`.
pub(super) fn unwrap_variant(tree: &Tree) -> &Tree {
    match tree {
        Tree::Tuple { name, items } if items.len() == 1 && !name.is_empty() => match &items[0] {
            inner @ Tree::Struct { .. } => inner,
            _ => tree,
        },
        _ => tree,
    }
}

fn type_name(tree: &Tree) -> &str {
    match unwrap_variant(tree) {
        Tree::Struct { name, .. } => name,
        Tree::Tuple { name, .. } => name,
        _ => "",
    }
}

fn field(label: &str, tree: &Tree) -> Field {
    Field {
        label: label.to_string(),
        item: item(tree),
    }
}

/// One value, formatted.
pub(super) fn item(tree: &Tree) -> Item {
    match tree {
        Tree::Atom(text) if text == "None" => Item::Absent,
        Tree::Atom(text) => Item::Text(text.clone()),
        Tree::Tuple { name, items } => tuple(name, items),
        Tree::Struct { name, fields } => Item::Group(Group {
            name: Some(name.clone()),
            kind: GroupKind::Struct,
            fields: fields.iter().map(|(l, t)| field(l, t)).collect(),
        }),
        Tree::List(items) | Tree::Set(items) => list(items.iter().map(|t| field("", t))),
        Tree::Map(entries) => list(
            entries
                .iter()
                .map(|(k, v)| field(&super::layout::inline(&item(k)), v)),
        ),
    }
}

fn list(fields: impl Iterator<Item = Field>) -> Item {
    Item::Group(Group {
        name: None,
        kind: GroupKind::List(Keep::First),
        fields: fields.collect(),
    })
}

fn tuple(name: &str, items: &[Tree]) -> Item {
    let number = || match items {
        [Tree::Atom(n)] => n.parse::<u64>().ok(),
        _ => None,
    };
    match (name, items) {
        ("Some", [inner]) => return item(inner),
        ("SimTime", _) => {
            if let Some(n) = number() {
                return Item::Time(SimTime::from_nanos(n));
            }
        }
        ("NodeId", _) => {
            if let Some(n) = number().and_then(|n| u32::try_from(n).ok()) {
                return Item::Node(NodeId(n));
            }
        }
        ("ClientId", _) => {
            if let Some(n) = number().and_then(|n| u32::try_from(n).ok()) {
                return Item::Client(ClientId(n));
            }
        }
        ("TimerId", _) => {
            if let Some(n) = number() {
                return Item::Text(format!("timer #{n}"));
            }
        }
        _ => {}
    }
    Item::Group(Group {
        name: (!name.is_empty()).then(|| name.to_string()),
        kind: GroupKind::Struct,
        fields: items.iter().map(|t| field("", t)).collect(),
    })
}
