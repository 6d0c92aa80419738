//! A [`View`] laid out as lines of a given width: labels aligned, short
//! fields packed side by side, groups on one line when they fit, long lists
//! folded to their count and a few items, folded sections as one line.
//! Display code (the TUI) only styles the spans.

use super::{Field, Group, GroupKind, Item, Keep, Section, View};

/// A list longer than this is folded (unless expanded).
pub const FOLD_OVER: usize = 8;
/// How many items of a folded list stay in sight.
pub const KEEP_SHOWN: usize = 4;
/// Labels are padded to the longest in their group, up to this width.
const LABEL_WIDTH_MAX: usize = 18;
/// The hint on a folded line.
const EXPAND_HINT: &str = "e expands";
/// Spaces between fields packed on one line.
const COLUMN_GAP: usize = 2;

/// One laid-out line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// Its pieces, left to right (indentation and padding included).
    pub spans: Vec<Span>,
}

/// A piece of a line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Span {
    /// What it is, for styling.
    pub kind: SpanKind,
    /// Its text.
    pub text: String,
}

/// What a [`Span`] shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpanKind {
    /// A section title.
    Title,
    /// A field's label (with its padding).
    Label,
    /// A value.
    Value,
    /// A fold marker or count (`… 12 earlier`, `▸ parameters`).
    Hint,
}

impl Line {
    /// The line as plain text.
    pub fn text(&self) -> String {
        self.spans.iter().map(|s| s.text.as_str()).collect()
    }

    fn push(&mut self, kind: SpanKind, text: impl Into<String>) {
        self.spans.push(Span {
            kind,
            text: text.into(),
        });
    }
}

/// Lay `view` out for a panel `width` columns wide; `expanded` unfolds
/// every folded list and section.
pub fn lines(view: &View, width: usize, expanded: bool) -> Vec<Line> {
    let mut out = Vec::new();
    for section in &view.sections {
        section_lines(section, width, expanded, &mut out);
    }
    out
}

fn section_lines(section: &Section, width: usize, expanded: bool, out: &mut Vec<Line>) {
    let mut title = Line { spans: Vec::new() };
    if section.folded {
        let marker = if expanded { "▾" } else { "▸" };
        title.push(SpanKind::Title, format!("{marker} {}", section.title));
        title.push(SpanKind::Hint, format!(" ({})", section.fields.len()));
        if !expanded {
            title.push(SpanKind::Hint, format!("  {EXPAND_HINT}"));
            out.push(title);
            return;
        }
        out.push(title);
    } else if !section.title.is_empty() {
        title.push(SpanKind::Title, section.title.clone());
        out.push(title);
    }
    fields_lines(&section.fields, 0, width, expanded, true, out);
}

/// `fields` at `indent`; `pack` lets short scalar fields share a line.
fn fields_lines(
    fields: &[Field],
    indent: usize,
    width: usize,
    expanded: bool,
    pack: bool,
    out: &mut Vec<Line>,
) {
    let label_width = fields
        .iter()
        .map(|f| f.label.chars().count())
        .max()
        .unwrap_or(0)
        .min(LABEL_WIDTH_MAX);
    let room = width.saturating_sub(indent);
    let mut i = 0;
    while i < fields.len() {
        // A run of fields shown on one line each (scalars, or groups that fit).
        let cell = |f: &Field| -> Option<(String, String)> {
            if is_long_list(&f.item) {
                return None;
            }
            let value = inline(&f.item);
            let label = label_cell(&f.label, label_width);
            let len = label.chars().count() + value.chars().count();
            (len <= room).then_some((label, value))
        };
        let run_end = (i..fields.len())
            .find(|&j| cell(&fields[j]).is_none())
            .unwrap_or(fields.len());
        if run_end > i {
            let cells: Vec<(String, String)> = fields[i..run_end].iter().filter_map(cell).collect();
            packed_lines(&cells, indent, room, pack, out);
            i = run_end;
            continue;
        }
        field_lines(&fields[i], label_width, indent, width, expanded, out);
        i += 1;
    }
}

/// Scalar cells, several to a line when `pack` and they fit.
fn packed_lines(
    cells: &[(String, String)],
    indent: usize,
    room: usize,
    pack: bool,
    out: &mut Vec<Line>,
) {
    let cell_width = cells
        .iter()
        .map(|(l, v)| l.chars().count() + v.chars().count())
        .max()
        .unwrap_or(0)
        + COLUMN_GAP;
    let columns = if pack {
        ((room + COLUMN_GAP) / cell_width.max(1)).clamp(1, 3)
    } else {
        1
    };
    for row in cells.chunks(columns) {
        let mut line = Line { spans: Vec::new() };
        line.push(SpanKind::Value, " ".repeat(indent));
        for (k, (label, value)) in row.iter().enumerate() {
            line.push(SpanKind::Label, label.clone());
            let last = k + 1 == row.len();
            let used = label.chars().count() + value.chars().count();
            let gap = if last { 0 } else { cell_width - used };
            line.push(SpanKind::Value, format!("{value}{}", " ".repeat(gap)));
        }
        trim_end(&mut line);
        out.push(line);
    }
}

/// A field that does not fit one line: its label and a summary, then its
/// group's fields below, indented (a long list folded unless expanded).
fn field_lines(
    field: &Field,
    label_width: usize,
    indent: usize,
    width: usize,
    expanded: bool,
    out: &mut Vec<Line>,
) {
    let mut line = Line { spans: Vec::new() };
    line.push(SpanKind::Value, " ".repeat(indent));
    line.push(SpanKind::Label, label_cell(&field.label, label_width));
    let Item::Group(group) = &field.item else {
        line.push(SpanKind::Value, inline(&field.item));
        out.push(line);
        return;
    };
    if let Some(name) = &group.name {
        line.push(SpanKind::Value, name.clone());
    }
    let count = group.fields.len();
    let folded = !expanded && matches!(group.kind, GroupKind::List(_)) && count > FOLD_OVER;
    if let GroupKind::List(_) = group.kind {
        let noun = if count == 1 { "item" } else { "items" };
        line.push(SpanKind::Hint, format!("{count} {noun}"));
    }
    trim_end(&mut line);
    out.push(line);
    let inner = indent + 2;
    if !folded {
        fields_lines(&group.fields, inner, width, expanded, is_struct(group), out);
        return;
    }
    let hidden = count - KEEP_SHOWN;
    let hint = |word: &str| {
        let mut l = Line { spans: Vec::new() };
        l.push(
            SpanKind::Hint,
            format!("{}… {hidden} {word} ({EXPAND_HINT})", " ".repeat(inner)),
        );
        l
    };
    match group.kind {
        GroupKind::List(Keep::Last) => {
            out.push(hint("earlier"));
            fields_lines(&group.fields[hidden..], inner, width, expanded, false, out);
        }
        _ => {
            fields_lines(
                &group.fields[..KEEP_SHOWN],
                inner,
                width,
                expanded,
                false,
                out,
            );
            out.push(hint("more"));
        }
    }
}

fn is_struct(group: &Group) -> bool {
    group.kind == GroupKind::Struct
}

/// A map or log too long to show on one line, whatever the width (a set
/// of short items still goes on one line when it fits).
fn is_long_list(item: &Item) -> bool {
    matches!(item, Item::Group(g) if matches!(g.kind, GroupKind::List(_))
        && g.fields.len() > FOLD_OVER
        && g.fields.iter().any(|f| !f.label.is_empty()))
}

/// A label padded to `width` and followed by two spaces; nothing when no
/// field around it has a label.
fn label_cell(label: &str, width: usize) -> String {
    if width == 0 {
        String::new()
    } else {
        format!("{label:<width$}  ")
    }
}

fn trim_end(line: &mut Line) {
    while line.spans.last().is_some_and(|s| s.text.trim().is_empty()) {
        line.spans.pop();
    }
    if let Some(last) = line.spans.last_mut() {
        last.text = last.text.trim_end().to_string();
    }
}

/// An item on one line: `200ms`, `n1`, `—`, `[n1, n2]`, `{n1: 3}`,
/// `Name { a: 1 }`, `Name(x)`.
pub fn inline(item: &Item) -> String {
    match item {
        Item::Text(text) => text.clone(),
        Item::Time(time) => time.to_string(),
        Item::Node(node) => node.to_string(),
        Item::Client(client) => client.to_string(),
        Item::Absent => "—".to_string(),
        Item::Group(group) => inline_group(group),
    }
}

fn inline_group(group: &Group) -> String {
    let labelled = group.fields.iter().any(|f| !f.label.is_empty());
    let parts: Vec<String> = group
        .fields
        .iter()
        .map(|f| match (labelled, f.label.is_empty()) {
            (true, false) => format!("{}: {}", f.label, inline(&f.item)),
            _ => inline(&f.item),
        })
        .collect();
    let body = parts.join(", ");
    let name = group.name.as_deref().unwrap_or("");
    match (group.kind, labelled) {
        (GroupKind::List(_), true) => format!("{{{body}}}"),
        (GroupKind::List(_), false) => format!("[{body}]"),
        (GroupKind::Struct, _) if group.fields.is_empty() => name.to_string(),
        (GroupKind::Struct, true) if name.is_empty() => format!("{{ {body} }}"),
        (GroupKind::Struct, true) => format!("{name} {{ {body} }}"),
        (GroupKind::Struct, false) => format!("{name}({body})"),
    }
}
