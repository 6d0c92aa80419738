//! A lab's data, read from its `labs/NN-name/lab.toml`: title, package,
//! protocol, hints, named check sets, parts → cases (scenario, seeds,
//! checks, points) and the reference's bug switches with the parts each must
//! break. Nothing of it is typed anywhere else: the grader reads the
//! compiled-in copy of the file ([`super::integrity`]), and the README's
//! tables are generated from it ([`readme`]).
//!
//! ```toml
//! id = "03"                              # must match the folder: 03-...
//! title = "Two-phase commit: durable votes and decisions, recovery"
//! package = "lab-03-two-phase-commit"    # the student's crate (none: a quiz)
//! protocol = "two-pc"                    # the protocol the student replaces
//! hints = ["one at a time, by `distlab lab hint 03`"]
//!
//! [checks]                               # named check sets
//! all = ["atomicity", "money-conserved"]
//!
//! [[parts]]
//! id = "A"
//! title = "commit and abort: no crashes"
//! note = "R1–R4"                         # README only
//!
//! [[parts.cases]]
//! scenario = "../../scenarios/2pc-basic.toml"   # relative to the lab folder
//! seeds = "0..40"                        # end excluded
//! checks = "all"                         # a set, or a list of checks
//! points = 15
//! note = "no faults"                     # README only
//!
//! [[bugs]]
//! name = "presume-commit"
//! param = "bugs"                         # the [protocol] key it sets
//! value = ["presume-commit"]             # any TOML value
//! breaks = ["A"]                         # parts it must lose points on
//! rule = "R6: a missing vote counts as yes"   # README only
//! ```
//!
//! Errors name the file, line and column and say what was expected, like a
//! scenario's ([`ScenarioError`]). A parsed [`Lab`] is plain `&'static`
//! data: labs are read once per process (the compiled-in table, or a test's
//! own lab), so their few kilobytes are interned for the process's lifetime
//! and a `Lab` stays a `Copy` value, as the grader and the CLI pass it.

pub mod readme;

use super::{Case, Lab, LabBug, Part};
use crate::scenario::read::{self, Section};
use crate::scenario::value::{parse_document, Item, Value};
use crate::scenario::{ScenarioError, SourceInfo};

const TOP_KEYS: [&str; 8] = [
    "id", "title", "package", "protocol", "hints", "checks", "parts", "bugs",
];
const PART_KEYS: [&str; 4] = ["id", "title", "note", "cases"];
const CASE_KEYS: [&str; 5] = ["scenario", "seeds", "checks", "points", "note"];
const BUG_KEYS: [&str; 5] = ["name", "param", "value", "breaks", "rule"];

/// Most points a case may be worth.
pub const MAX_POINTS: i64 = 1000;

/// A lab as its `lab.toml` describes it: the grading data (without the
/// code: [`Lab::reference`] and [`Lab::custom`] are `None`) and what only
/// the README shows.
#[derive(Clone, Debug)]
pub struct LabData {
    /// The lab.
    pub lab: Lab,
    /// Per part, in order: its note, and per case its note and the name of
    /// the check set it grades (if it names one).
    pub parts: Vec<PartNotes>,
    /// Per bug switch, in order: the rule it breaks, in words.
    pub rules: Vec<Option<String>>,
    /// The named check sets, in file order.
    pub sets: Vec<(String, Vec<String>)>,
}

/// What the README shows of a part beyond the grading data.
#[derive(Clone, Debug, Default)]
pub struct PartNotes {
    /// The part's note (`R1–R4`).
    pub note: Option<String>,
    /// Per case: its note, and the check set it names.
    pub cases: Vec<(Option<String>, Option<String>)>,
}

/// Parse the text of `labs/<slug>/lab.toml`; `origin` names it in errors.
/// Scenario paths are relative to the lab's folder and come back relative
/// to the repository root; `exists` says whether such a scenario exists
/// (on disk, or among the grader's copies).
pub fn parse(
    origin: &str,
    slug: &str,
    text: &str,
    exists: &dyn Fn(&str) -> bool,
) -> Result<LabData, ScenarioError> {
    let source = SourceInfo::new(origin, text);
    let document = parse_document(&source)?;
    let top = Section::new(
        &source,
        &document,
        "the document",
        "at the top level".into(),
    )?;
    top.check_keys(&TOP_KEYS)?;
    let id = required_text(&top, "id")?;
    if !slug.starts_with(&format!("{id}-")) {
        let item = top.required("id", "a string")?;
        let message = format!(
            "id {id:?} does not match the lab's folder `{slug}` (its name must start with `{id}-`)"
        );
        return Err(top.error(item, message));
    }
    let title = required_text(&top, "title")?;
    let protocol = required_text(&top, "protocol")?;
    let package = match top.get("package") {
        Some(_) => Some(required_text(&top, "package")?),
        None => None,
    };
    let hints = match top.get("hints") {
        Some(item) => strings(&source, "hints", item, false)?,
        None => Vec::new(),
    };
    let sets = match top.get("checks") {
        Some(item) => check_sets(&source, item)?,
        None => Vec::new(),
    };
    let dir = format!("labs/{slug}");
    let reader = Reader {
        source: &source,
        dir: &dir,
        sets: &sets,
        exists,
    };
    let (parts, notes) = reader.parts(&top)?;
    let (bugs, rules) = reader.bugs(&top, &parts)?;
    reader.every_set_used(&top, &notes)?;
    let lab = Lab {
        id: intern(id),
        slug: intern(slug.to_string()),
        title: intern(title),
        package: package.map(intern),
        protocol: intern(protocol),
        parts: intern_slice(parts.into_iter().map(OwnedPart::intern).collect()),
        hints: intern_slice(hints.into_iter().map(intern).collect()),
        reference: None,
        bugs: intern_slice(bugs.into_iter().map(OwnedBug::intern).collect()),
        custom: None,
    };
    Ok(LabData {
        lab,
        parts: notes,
        rules,
        sets,
    })
}

/// `s`, kept for the rest of the process (see the module doc).
fn intern(s: String) -> &'static str {
    Box::leak(s.into_boxed_str())
}

fn intern_slice<T>(items: Vec<T>) -> &'static [T] {
    Box::leak(items.into_boxed_slice())
}

struct OwnedPart {
    id: String,
    title: String,
    cases: Vec<OwnedCase>,
}

struct OwnedCase {
    scenario: String,
    seeds: (u64, u64),
    checks: Vec<String>,
    points: u32,
}

struct OwnedBug {
    name: String,
    param: String,
    value: String,
    breaks: Vec<String>,
}

impl OwnedPart {
    fn intern(self) -> Part {
        let cases = self.cases.into_iter().map(|c| Case {
            scenario: intern(c.scenario),
            seeds: c.seeds,
            checks: intern_slice(c.checks.into_iter().map(intern).collect()),
            points: c.points,
        });
        Part {
            id: intern(self.id),
            title: intern(self.title),
            cases: intern_slice(cases.collect()),
        }
    }
}

impl OwnedBug {
    fn intern(self) -> LabBug {
        LabBug {
            name: intern(self.name),
            param: intern(self.param),
            value: intern(self.value),
            breaks: intern_slice(self.breaks.into_iter().map(intern).collect()),
        }
    }
}

/// What reading parts and bugs needs.
struct Reader<'a> {
    source: &'a SourceInfo,
    /// The lab's folder, relative to the repository root.
    dir: &'a str,
    sets: &'a [(String, Vec<String>)],
    exists: &'a dyn Fn(&str) -> bool,
}

impl Reader<'_> {
    fn parts(&self, top: &Section<'_>) -> Result<(Vec<OwnedPart>, Vec<PartNotes>), ScenarioError> {
        let item = top.required("parts", "[[parts]] tables")?;
        let tables = array_of_tables(self.source, item, "parts")?;
        if tables.is_empty() {
            return Err(top.error(item, "a lab needs at least one part".into()));
        }
        let (mut parts, mut notes) = (Vec::new(), Vec::new());
        for (i, table) in tables.iter().enumerate() {
            let place = format!("in part {} ([[parts]])", i + 1);
            let section = Section::new(self.source, table, "[[parts]]", place)?;
            section.check_keys(&PART_KEYS)?;
            let id = required_text(&section, "id")?;
            if parts
                .iter()
                .any(|p: &OwnedPart| p.id.eq_ignore_ascii_case(&id))
            {
                let message = format!("duplicate part id {id:?}: every part needs its own id");
                return Err(section.error(section.required("id", "")?, message));
            }
            let title = required_text(&section, "title")?;
            let note = optional_text(&section, "note")?;
            let (cases, case_notes) = self.cases(&section, &id)?;
            parts.push(OwnedPart { id, title, cases });
            notes.push(PartNotes {
                note,
                cases: case_notes,
            });
        }
        Ok((parts, notes))
    }

    #[allow(clippy::type_complexity)]
    fn cases(
        &self,
        part: &Section<'_>,
        part_id: &str,
    ) -> Result<(Vec<OwnedCase>, Vec<(Option<String>, Option<String>)>), ScenarioError> {
        let item = part.required("cases", "[[parts.cases]] tables")?;
        let tables = array_of_tables(self.source, item, "parts.cases")?;
        if tables.is_empty() {
            let message = format!("part {part_id} needs at least one case");
            return Err(part.error(item, message));
        }
        let (mut cases, mut notes) = (Vec::new(), Vec::new());
        for (i, table) in tables.iter().enumerate() {
            let place = format!("in case {} of part {part_id} ([[parts.cases]])", i + 1);
            let section = Section::new(self.source, table, "[[parts.cases]]", place)?;
            section.check_keys(&CASE_KEYS)?;
            let scenario = self.scenario(&section)?;
            let seeds_item = section.required("seeds", "a seed range like \"0..100\"")?;
            let seeds = seed_range(self.source, seeds_item)?;
            let checks_item =
                section.required("checks", "a check set's name or a list of checks")?;
            let (checks, set) = self.checks(checks_item)?;
            let points_item = section.required("points", "an integer (1 or more)")?;
            let points = read::integer_in(self.source, "points", points_item, 1..=MAX_POINTS)?;
            cases.push(OwnedCase {
                scenario,
                seeds,
                checks,
                points: points as u32,
            });
            notes.push((optional_text(&section, "note")?, set));
        }
        Ok((cases, notes))
    }

    /// A case's scenario, relative to the repository root; it must exist.
    fn scenario(&self, case: &Section<'_>) -> Result<String, ScenarioError> {
        let item = case.required("scenario", "a scenario path relative to the lab's folder")?;
        let relative = read::string(self.source, "scenario", item)?.into_inner();
        let path = resolve(self.dir, &relative).map_err(|why| case.error(item, why))?;
        if !(self.exists)(&path) {
            let message = format!("scenario {relative:?} ({path}) does not exist");
            return Err(case.error(item, message));
        }
        Ok(path)
    }

    /// A case's checks: a set's name, or a non-empty list of check names.
    fn checks(&self, item: &Item) -> Result<(Vec<String>, Option<String>), ScenarioError> {
        let Value::String(name) = &item.value else {
            return Ok((strings(self.source, "checks", item, true)?, None));
        };
        match self.sets.iter().find(|(set, _)| set == name) {
            Some((_, checks)) => Ok((checks.clone(), Some(name.clone()))),
            None => {
                let known: Vec<&str> = self.sets.iter().map(|(s, _)| s.as_str()).collect();
                let known = if known.is_empty() {
                    "the file has no [checks] sets".to_string()
                } else {
                    format!("the sets are: {}", known.join(", "))
                };
                let message = format!("no check set {name:?} in [checks]; {known}");
                Err(read::error(self.source, item, message))
            }
        }
    }

    fn bugs(
        &self,
        top: &Section<'_>,
        parts: &[OwnedPart],
    ) -> Result<(Vec<OwnedBug>, Vec<Option<String>>), ScenarioError> {
        let Some(item) = top.get("bugs") else {
            return Ok((Vec::new(), Vec::new()));
        };
        let (mut bugs, mut rules) = (Vec::new(), Vec::new());
        for (i, table) in array_of_tables(self.source, item, "bugs")?
            .iter()
            .enumerate()
        {
            let place = format!("in bug switch {} ([[bugs]])", i + 1);
            let section = Section::new(self.source, table, "[[bugs]]", place)?;
            section.check_keys(&BUG_KEYS)?;
            let name = required_text(&section, "name")?;
            if bugs.iter().any(|b: &OwnedBug| b.name == name) {
                let message =
                    format!("duplicate bug switch {name:?}: every bug needs its own name");
                return Err(section.error(section.required("name", "")?, message));
            }
            let param = required_text(&section, "param")?;
            let value =
                section.required("value", "the value the bug switch sets (any TOML value)")?;
            let value = self.source.text[value.span.clone()].to_string();
            let breaks_item = section.required("breaks", "a list of part ids")?;
            let breaks = strings(self.source, "breaks", breaks_item, true)?;
            if let Some(unknown) = breaks.iter().find(|b| !parts.iter().any(|p| p.id == **b)) {
                let ids: Vec<&str> = parts.iter().map(|p| p.id.as_str()).collect();
                let message = format!(
                    "bug switch {name:?} breaks part {unknown:?}, but the lab's parts are {}",
                    ids.join(", ")
                );
                return Err(section.error(breaks_item, message));
            }
            rules.push(optional_text(&section, "rule")?);
            bugs.push(OwnedBug {
                name,
                param,
                value,
                breaks,
            });
        }
        Ok((bugs, rules))
    }

    /// A named check set no case uses is a mistake (a renamed set, a case
    /// that lists the checks again).
    fn every_set_used(&self, top: &Section<'_>, notes: &[PartNotes]) -> Result<(), ScenarioError> {
        let used = |name: &str| {
            notes
                .iter()
                .flat_map(|p| &p.cases)
                .any(|(_, set)| set.as_deref() == Some(name))
        };
        let Some((name, _)) = self.sets.iter().find(|(name, _)| !used(name)) else {
            return Ok(());
        };
        let checks = top.required("checks", "")?;
        let Value::Table(table) = &checks.value else {
            return Ok(());
        };
        let span = table
            .get(name)
            .map_or(checks.span.clone(), |e| e.key_span.clone());
        let message = format!("check set {name:?} is not used by any case");
        Err(ScenarioError::at(self.source, span, message))
    }
}

/// `[checks]`: set name → a non-empty list of check names.
fn check_sets(
    source: &SourceInfo,
    item: &Item,
) -> Result<Vec<(String, Vec<String>)>, ScenarioError> {
    let Value::Table(table) = &item.value else {
        let message = format!(
            "expected a table of check sets for [checks], got {}",
            item.value.describe()
        );
        return Err(read::error(source, item, message));
    };
    let mut entries: Vec<(&String, &crate::scenario::value::Entry)> = table.iter().collect();
    entries.sort_by_key(|(_, entry)| entry.key_span.start);
    entries
        .into_iter()
        .map(|(name, entry)| Ok((name.clone(), strings(source, name, &entry.item, true)?)))
        .collect()
}

/// A list of strings (`non_empty`: at least one), each given once.
fn strings(
    source: &SourceInfo,
    key: &str,
    item: &Item,
    non_empty: bool,
) -> Result<Vec<String>, ScenarioError> {
    let Value::Array(items) = &item.value else {
        let message = format!(
            "expected a list of strings for `{key}`, got {}",
            item.value.describe()
        );
        return Err(read::error(source, item, message));
    };
    if non_empty && items.is_empty() {
        return Err(read::error(
            source,
            item,
            format!("`{key}` must not be empty"),
        ));
    }
    let mut out: Vec<String> = Vec::new();
    for element in items {
        let text = read::string(source, key, element)?.into_inner();
        if out.contains(&text) {
            let message = format!("{text:?} is listed twice in `{key}`");
            return Err(read::error(source, element, message));
        }
        out.push(text);
    }
    Ok(out)
}

/// A required non-empty string.
fn required_text(section: &Section<'_>, key: &str) -> Result<String, ScenarioError> {
    let item = section.required(key, "a string")?;
    let text = read::string(section.source, key, item)?.into_inner();
    if text.trim().is_empty() {
        return Err(section.error(item, format!("`{key}` must not be empty")));
    }
    Ok(text)
}

fn optional_text(section: &Section<'_>, key: &str) -> Result<Option<String>, ScenarioError> {
    match section.get(key) {
        Some(_) => required_text(section, key).map(Some),
        None => Ok(None),
    }
}

/// The tables of `[[key]]`.
fn array_of_tables<'a>(
    source: &SourceInfo,
    item: &'a Item,
    key: &str,
) -> Result<&'a [Item], ScenarioError> {
    match &item.value {
        Value::Array(items) => match items.iter().find(|i| !matches!(i.value, Value::Table(_))) {
            None => Ok(items),
            Some(bad) => {
                let message = format!(
                    "expected [[{key}]] tables, got {} in the array",
                    bad.value.describe()
                );
                Err(read::error(source, bad, message))
            }
        },
        other => {
            let message = format!("expected [[{key}]] tables, got {}", other.describe());
            Err(read::error(source, item, message))
        }
    }
}

/// `"0..100"`: seeds 0 to 99.
fn seed_range(source: &SourceInfo, item: &Item) -> Result<(u64, u64), ScenarioError> {
    let expected = "expected a seed range like \"0..100\" (start..end, end excluded) for `seeds`";
    let Value::String(text) = &item.value else {
        let message = format!("{expected}, got {}", item.value.describe());
        return Err(read::error(source, item, message));
    };
    let range = text
        .split_once("..")
        .and_then(|(a, b)| Some((a.trim().parse::<u64>().ok()?, b.trim().parse::<u64>().ok()?)));
    match range {
        None => Err(read::error(
            source,
            item,
            format!("{expected}, got {text:?}"),
        )),
        Some((start, end)) if start >= end => {
            let message = format!(
                "seeds {text:?} is empty: the end is excluded (\"{start}..{}\" is seed {start})",
                start.saturating_add(1)
            );
            Err(read::error(source, item, message))
        }
        Some(range) => Ok(range),
    }
}

/// `relative` (a path from the lab's folder `dir`, `/`-separated) as a path
/// from the repository root; it may not leave the repository.
pub fn resolve(dir: &str, relative: &str) -> Result<String, String> {
    let usage = "a scenario path is relative to the lab's folder, with `/` between names \
                 (`scenarios/x.toml`, or `../../scenarios/x.toml` for a shared one)";
    if relative.starts_with('/') || relative.contains('\\') || relative.contains(':') {
        return Err(format!("{relative:?}: {usage}"));
    }
    if !relative.ends_with(".toml") {
        return Err(format!("{relative:?} is not a .toml scenario file"));
    }
    let mut names: Vec<&str> = dir.split('/').filter(|n| !n.is_empty()).collect();
    for name in relative.split('/') {
        match name {
            "" | "." => {}
            ".." => {
                if names.pop().is_none() {
                    return Err(format!("{relative:?} leaves the repository: {usage}"));
                }
            }
            name => names.push(name),
        }
    }
    Ok(names.join("/"))
}
