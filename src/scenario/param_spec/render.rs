//! Rendering declarations for people: the texts of one parameter, the
//! `distlab list --params` listing and the markdown tables of the docs
//! (with the markers they are spliced between).

use super::{BugDecl, ParamDecl, ParamKind};
use crate::base::SimTime;
use std::fmt::Write as _;

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
            ParamKind::Texts { .. } => "list of strings",
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
            ParamKind::Number { default, .. } => crate::scenario::value::format_float(default),
            ParamKind::Bool { default } => default.to_string(),
            ParamKind::Choice { default, .. } => format!("{default:?}"),
            ParamKind::ChoiceList { .. } | ParamKind::Texts { .. } => "[]".to_string(),
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
            ParamKind::Texts { what } => format!("each a {what}"),
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
