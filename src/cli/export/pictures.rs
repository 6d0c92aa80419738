//! `distlab export --format html|svg`: a picture of one run (see
//! [`crate::pictures::run`]), written to stdout.

use super::{ExportArgs, Format};
use crate::cli::common;
use crate::cli::Context;
use crate::pictures::run::{self, StepRange, MAX_SVG_STEPS};
use crate::scenario::engine::BuildOptions;
use crate::scenario::Scenario;
use crate::sim::TraceLevel;
use std::io::Write;

/// Most nodes an SVG or HTML picture draws (one lane each; the picture
/// keeps the whole run): the scenario limit before big clusters. A
/// 10,000-node run exports as JSON Lines, streamed.
pub const MAX_PICTURE_NODES: u32 = 256;

/// Parse `--steps A..B` (B excluded) or `A..=B` (B included), steps from 1.
pub fn parse_steps(text: &str) -> Result<StepRange, String> {
    let bad =
        || format!("expected a step range like 1..101 (end excluded) or 1..=100, got {text:?}");
    let (a, b, inclusive) = match text.split_once("..=") {
        Some((a, b)) => (a, b, true),
        None => {
            let (a, b) = text.split_once("..").ok_or_else(bad)?;
            (a, b, false)
        }
    };
    let first: u64 = a.trim().parse().map_err(|_| bad())?;
    let end: u64 = b.trim().parse().map_err(|_| bad())?;
    if first == 0 {
        return Err(format!("steps are numbered from 1, got {text:?}"));
    }
    let last = if inclusive {
        end
    } else {
        end.saturating_sub(1)
    };
    if last < first {
        return Err(format!("the step range {text:?} is empty"));
    }
    if last - first + 1 > MAX_SVG_STEPS {
        return Err(format!(
            "the step range {text:?} holds {} steps; an SVG draws at most {MAX_SVG_STEPS} (use --format html for the whole run)",
            last - first + 1
        ));
    }
    Ok(StepRange { first, last })
}

/// Run the scenario at `seed` and write its picture; returns the exit code.
pub fn export_picture(ctx: &Context, args: &ExportArgs, scenario: &Scenario, seed: u64) -> i32 {
    if scenario.nodes > MAX_PICTURE_NODES {
        return common::report_error(format!(
            "{} has {} nodes; --format svg and html draw one lane per node and read the whole run, so they take at most {MAX_PICTURE_NODES} (--nodes {MAX_PICTURE_NODES} shrinks the run; --format jsonl streams any size)",
            scenario.name, scenario.nodes
        ));
    }
    let options = BuildOptions {
        trace_level: TraceLevel::Full,
    };
    let mut sim = match common::guard_build(|| common::build(ctx, scenario, seed, &options)) {
        Ok(sim) => sim,
        Err(code) => return code,
    };
    let (model, report) = run::run_and_read(sim.as_mut());
    let text = match args.format {
        Format::Html => run::render_html(&model),
        _ => {
            let range = match args.steps {
                Some(range) if range.first > model.last_step() => {
                    return common::report_error(format!(
                        "--steps starts at step {} but the run has {} steps",
                        range.first,
                        model.last_step()
                    ))
                }
                Some(range) => StepRange {
                    first: range.first,
                    last: range.last.min(model.last_step()),
                },
                None => run::default_window(&model),
            };
            run::render_svg(&model, range)
        }
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            return common::report_error(format!("cannot write the picture: {e}"));
        }
    }
    super::exported(seed, &report)
}
