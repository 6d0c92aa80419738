//! The tables a lab's README shows — parts, cases, seeds, checks, points,
//! and what each bug switch of the reference breaks — generated from its
//! `lab.toml`, between two markers, so they are never typed twice. A test
//! (`tests/labs/grader.rs`) fails when a README is stale; `DISTLAB_BLESS=1` rewrites
//! it ([`splice`]).

use super::LabData;

/// The line that opens the generated tables.
pub const BEGIN: &str = "<!-- BEGIN tables generated from lab.toml: edit lab.toml, then run \
`DISTLAB_BLESS=1 cargo test --test labs readme` -->";
/// The line that closes them.
pub const END: &str = "<!-- END tables generated from lab.toml -->";

/// The generated tables of `data` (without the markers). `quiz`: the lab's
/// cases are questions (the tour), not scenario runs.
pub fn tables(data: &LabData, quiz: bool) -> String {
    let lab = &data.lab;
    let mut lists: Vec<&[&str]> = Vec::new();
    for case in lab.parts.iter().flat_map(|p| p.cases) {
        if !lists.contains(&case.checks) {
            lists.push(case.checks);
        }
    }
    let one_list = lists.len() == 1 && !quiz;
    let mut out = if one_list {
        String::from("| part | what | scenario | seeds | points |\n|---|---|---|---|---|\n")
    } else {
        let checks = if quiz { "question" } else { "checks" };
        format!(
            "| part | what | scenario | seeds | {checks} | points |\n|---|---|---|---|---|---|\n"
        )
    };
    for (part, notes) in lab.parts.iter().zip(&data.parts) {
        for (i, (case, (note, set))) in part.cases.iter().zip(&notes.cases).enumerate() {
            let (id, what) = if i == 0 {
                let what = match &notes.note {
                    Some(note) => format!("{} ({note})", part.title),
                    None => part.title.to_string(),
                };
                (format!("**{}**", part.id), what)
            } else {
                (String::new(), String::new())
            };
            let mut scenario = format!("`{}`", case.scenario);
            if let Some(note) = note {
                scenario += &format!(": {note}");
            }
            let seeds = format!("{}..{}", case.seeds.0, case.seeds.1);
            let checks = match set {
                Some(set) => format!("*{set}*"),
                None => code_list(case.checks),
            };
            let row = if one_list {
                vec![id, what, scenario, seeds, case.points.to_string()]
            } else {
                vec![id, what, scenario, seeds, checks, case.points.to_string()]
            };
            out += &table_row(&row);
        }
    }
    out += &format!("\nTotal: {} points.", lab.points());
    if one_list {
        out += &format!(
            " Every case grades {} (and every other check its runs report).\n",
            code_list(lists[0])
        );
    } else {
        out.push('\n');
        let used: Vec<&(String, Vec<String>)> = data
            .sets
            .iter()
            .filter(|(name, _)| {
                data.parts
                    .iter()
                    .flat_map(|p| &p.cases)
                    .any(|(_, set)| set.as_deref() == Some(name.as_str()))
            })
            .collect();
        if !used.is_empty() {
            out += "\nCheck sets:\n\n";
            for (name, checks) in used {
                let names: Vec<&str> = checks.iter().map(String::as_str).collect();
                out += &format!("- *{name}*: {}\n", code_list(&names));
            }
        }
    }
    out += &bug_table(data);
    out
}

/// What each bug switch breaks, with the command that shows it.
fn bug_table(data: &LabData) -> String {
    let lab = &data.lab;
    if lab.bugs.is_empty() {
        return String::new();
    }
    let with_rules = data.rules.iter().any(Option::is_some);
    let mut out = format!(
        "\nThe reference's bug switches and the parts each must lose (the project's \
         tests prove it; see one with `distlab lab check {} --reference --bug NAME`):\n\n",
        lab.id
    );
    out += if with_rules {
        "| bug switch | what it breaks | loses |\n|---|---|---|\n"
    } else {
        "| bug switch | loses |\n|---|---|\n"
    };
    for (bug, rule) in lab.bugs.iter().zip(&data.rules) {
        let mut row = vec![format!("`{}`", bug.name)];
        if with_rules {
            row.push(rule.clone().unwrap_or_else(|| "—".into()));
        }
        row.push(bug.breaks.join(", "));
        out += &table_row(&row);
    }
    out
}

fn code_list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    quoted.join(", ")
}

fn table_row(cells: &[String]) -> String {
    let cells: Vec<String> = cells.iter().map(|c| c.replace('|', "\\|")).collect();
    format!("| {} |\n", cells.join(" | "))
}

/// `readme` with the text between [`BEGIN`] and [`END`] replaced by
/// `tables`; an error when the markers are missing or out of order.
pub fn splice(readme: &str, tables: &str) -> Result<String, String> {
    let (Some(begin), Some(end)) = (readme.find(BEGIN), readme.find(END)) else {
        return Err(format!("the README has no `{BEGIN}` … `{END}` markers"));
    };
    if end < begin {
        return Err("the README's END marker comes before its BEGIN marker".into());
    }
    let head = &readme[..begin + BEGIN.len()];
    Ok(format!("{head}\n{tables}{}", &readme[end..]))
}
