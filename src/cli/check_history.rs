//! `distlab check-history FILE`: check a recorded history from a file.

use crate::check::history::Value;
use crate::check::history_io::{self, Format, ParsedHistory};
use crate::check::linearizability::{self, Budget, Model, Options};
use crate::check::ops::{self, Operations, Outcome};
use crate::check::serializability::{self, Consistency};
use crate::check::verdict::Status;
use crate::check::HistoryError;
use crate::pictures::history::{self as timeline, HistoryPicture};
use crate::sim::time::SimTime;
use serde_json::json;
use std::fmt::Write as _;
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// Which checker and model to use.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelArg {
    /// Compare-and-set register (read, write, cas).
    CasRegister,
    /// Read/write register.
    Register,
    /// Key-value store (get, put, append, cas), checked per key.
    Kv,
    /// Counter (add, read).
    Counter,
    /// Grow-only set (add, read).
    Set,
    /// FIFO queue (enqueue, dequeue).
    Queue,
    /// List-append transactions, checked for serializability (Elle-style).
    ListAppend,
}

/// The history file format.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormatArg {
    /// Guess from the first line, then the file extension.
    Auto,
    /// distlab JSON Lines.
    Jsonl,
    /// Jepsen log lines (etcd CAS register).
    JepsenLog,
    /// One EDN map per line.
    Edn,
}

/// Arguments of `distlab check-history`.
#[derive(clap::Args, Debug, Clone)]
#[command(after_help = "Examples:
  distlab check-history tests/fixtures/histories/porcupine/etcd_002.log
  distlab export scenarios/raft-basic.toml --format history > history.jsonl
  distlab check-history history.jsonl --model kv --json
  distlab check-history txns.jsonl --model list-append --consistency serializable
  distlab check-history tests/fixtures/histories/porcupine/etcd_000.log --html timeline.html
  distlab check-history kv/c10-bad.txt --svg c10-bad.svg

--svg and --html draw one lane per process and a time axis; for kv, the failing key's
sub-history first (the svg draws only it), the checker's explanation beside it (docs/pictures.md).

Exit codes: 0 the property holds, 1 it does not, 2 unknown (budget exhausted), 3 bad input.")]
pub struct CheckHistoryArgs {
    /// The history file.
    pub file: PathBuf,
    /// The model to check against (default: guessed from the format and operations).
    #[arg(long, value_enum)]
    pub model: Option<ModelArg>,
    /// The file format.
    #[arg(long, value_enum, default_value = "auto")]
    pub format: FormatArg,
    /// For list-append: strict-serializable, serializable, snapshot-isolation or read-committed.
    #[arg(long, default_value = "strict-serializable", value_parser = |s: &str| s.parse::<Consistency>())]
    pub consistency: Consistency,
    /// Give up (verdict unknown, exit 2) after this much wall-clock time, e.g. `30s`, `500ms`.
    #[arg(long, default_value = "30s", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Bound on the linearizability search's memo tables, in MiB (verdict
    /// unknown, exit 2, when reached).
    #[arg(long = "max-memory", value_name = "MIB", default_value_t = crate::check::linearizability::DEFAULT_MAX_MEMORY >> 20, value_parser = clap::value_parser!(u64).range(1..=1 << 24))]
    pub max_memory_mb: u64,
    /// Print one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Check the kv model as one store instead of key by key (slower; for comparison).
    #[arg(long)]
    pub no_partition: bool,
    /// Write the history as an HTML timeline: the failing key first, the
    /// other keys folded below, failing operations marked and explained.
    #[arg(long, value_name = "OUT")]
    pub html: Option<PathBuf>,
    /// Write the history as an SVG timeline (for kv: the failing key only),
    /// failing operations marked and explained beside it.
    #[arg(long, value_name = "OUT")]
    pub svg: Option<PathBuf>,
}

fn parse_timeout(text: &str) -> Result<Duration, String> {
    text.parse::<SimTime>()
        .map(|t| Duration::from_nanos(t.as_nanos()))
        .map_err(|e| e.to_string())
}

/// What a check produced, ready to print.
struct Report {
    status: Status,
    verdict: String,
    partitions: usize,
    steps: Option<u64>,
    failing_ops: Vec<usize>,
    /// For the kv model: the key whose sub-history failed.
    failing_key: Option<String>,
    explanation: String,
    extra: serde_json::Value,
}

/// Run `check-history`; returns the exit code.
pub fn run(args: &CheckHistoryArgs) -> i32 {
    let file = args.file.display().to_string();
    let fail = |e: String| {
        eprintln!("distlab: {e}");
        3
    };
    let limit = crate::input::HISTORY_LIMIT;
    let text = match crate::input::read_text(&args.file, crate::input::Kind::Named, limit) {
        Ok(t) => t,
        Err(e) => return fail(format!("{file}: cannot read: {e}")),
    };
    let format = match args.format {
        FormatArg::Auto => Format::detect(&file, &text),
        FormatArg::Jsonl => Format::Jsonl,
        FormatArg::JepsenLog => Format::JepsenLog,
        FormatArg::Edn => Format::Edn,
    };
    let at = |e: HistoryError| format!("{file}:{}: {}", e.line, e.message);
    let parsed = match history_io::parse(&text, format) {
        Ok(p) => p,
        Err(e) => return fail(at(e)),
    };
    if parsed.history.events.is_empty() {
        return fail(format!(
            "{file}: the history is empty (no events{}): nothing to check",
            if text.trim().is_empty() {
                ", the file is empty"
            } else {
                ""
            }
        ));
    }
    let ops = match ops::pair(&parsed.history, Some(&parsed.lines)) {
        Ok(o) => o,
        Err(e) => return fail(at(e)),
    };
    let model = match args.model.or_else(|| guess_model(format, &parsed, &ops)) {
        Some(m) => m,
        None => {
            return fail(format!(
                "{file}: cannot guess the model from the operations; pass --model"
            ))
        }
    };
    let started = Instant::now(); // allow-nondeterminism: checker budget/timing, not simulation
    let report = match check(args, model, &ops) {
        Ok(r) => r,
        Err(e) => return fail(at(e)),
    };
    let elapsed = started.elapsed(); // allow-nondeterminism: checker budget/timing, not simulation
    if let Err(e) = write_pictures(args, &ops, &report, &file) {
        return fail(e);
    }
    print_report(args, &file, format, model, &ops, &report, elapsed);
    report.status.exit_code()
}

fn check(
    args: &CheckHistoryArgs,
    model: ModelArg,
    ops: &Operations,
) -> Result<Report, HistoryError> {
    let linear = match model {
        ModelArg::CasRegister => Model::CasRegister,
        ModelArg::Register => Model::Register,
        ModelArg::Kv => Model::Kv,
        ModelArg::Counter => Model::Counter,
        ModelArg::Set => Model::Set,
        ModelArg::Queue => Model::Queue,
        ModelArg::ListAppend => {
            let r = serializability::check_operations_within(
                ops,
                args.consistency,
                Some(args.timeout),
            )?;
            let verdict = match r.status {
                Status::Valid => args.consistency.name().to_string(),
                Status::Unknown => "unknown (budget exhausted)".into(),
                _ => format!(
                    "not {} ({})",
                    args.consistency.name(),
                    r.anomaly_names().join(", ")
                ),
            };
            return Ok(Report {
                status: r.status,
                verdict,
                partitions: 1,
                steps: None,
                failing_ops: r.failing_ops.clone(),
                failing_key: None,
                explanation: r.explanation.clone(),
                extra: json!({ "transactions": r.transactions, "anomalies": r.anomaly_names(), "consistency": args.consistency.name() }),
            });
        }
    };
    let options = Options {
        budget: Budget::timeout(args.timeout).with_max_memory(args.max_memory_mb << 20),
        partition: !args.no_partition,
    };
    let v = linearizability::check_operations(ops, linear, &options)?;
    let mut explanation = v.explanation.clone();
    if let Some(key) = &v.failing_key {
        explanation = format!(
            "In the sub-history of key {key:?} (keys are checked separately):\n{explanation}"
        );
    }
    Ok(Report {
        status: v.status,
        verdict: match v.status {
            Status::Valid => "linearizable".into(),
            Status::Invalid => "not linearizable".into(),
            Status::Unknown => "unknown (budget exhausted)".into(),
        },
        partitions: v.partitions,
        steps: Some(v.steps),
        failing_ops: v.failing_ops,
        failing_key: v.failing_key.clone(),
        explanation,
        extra: json!({ "failing_key": v.failing_key }),
    })
}

/// Guess the model: jepsen logs are CAS registers; otherwise look at the operations.
fn guess_model(format: Format, parsed: &ParsedHistory, ops: &Operations) -> Option<ModelArg> {
    if format == Format::JepsenLog {
        return Some(ModelArg::CasRegister);
    }
    let has = |f: &str| ops.ops.iter().any(|o| o.f == f);
    if has("txn") {
        Some(ModelArg::ListAppend)
    } else if has("get")
        || has("put")
        || has("append")
        || parsed.history.events.iter().any(|e| e.key.is_some())
    {
        Some(ModelArg::Kv)
    } else if has("enqueue") || has("dequeue") {
        Some(ModelArg::Queue)
    } else if has("cas") {
        Some(ModelArg::CasRegister)
    } else if has("write") {
        Some(ModelArg::Register)
    } else if has("add") {
        let list_reads = ops
            .ops
            .iter()
            .any(|o| o.f == "read" && matches!(o.output, Value::List(_)));
        Some(if list_reads {
            ModelArg::Set
        } else {
            ModelArg::Counter
        })
    } else if ops.ops.is_empty() {
        Some(ModelArg::Register)
    } else {
        None
    }
}

fn model_name(model: ModelArg) -> &'static str {
    match model {
        ModelArg::CasRegister => "cas-register",
        ModelArg::Register => "register",
        ModelArg::Kv => "kv",
        ModelArg::Counter => "counter",
        ModelArg::Set => "set",
        ModelArg::Queue => "queue",
        ModelArg::ListAppend => "list-append",
    }
}

fn write_pictures(
    args: &CheckHistoryArgs,
    ops: &Operations,
    report: &Report,
    file: &str,
) -> Result<(), String> {
    let title = format!("{file}: {}", report.verdict);
    let picture = HistoryPicture {
        title: &title,
        failing: &report.failing_ops,
        failing_key: report.failing_key.as_deref(),
        explanation: &report.explanation,
    };
    if let Some(out) = &args.html {
        std::fs::write(out, timeline::render_html(ops, &picture))
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
    }
    if let Some(out) = &args.svg {
        std::fs::write(out, timeline::render_svg(ops, &picture))
            .map_err(|e| format!("{}: cannot write: {e}", out.display()))?;
    }
    Ok(())
}

fn print_report(
    args: &CheckHistoryArgs,
    file: &str,
    format: Format,
    model: ModelArg,
    ops: &Operations,
    report: &Report,
    elapsed: Duration,
) {
    let millis = elapsed.as_secs_f64() * 1000.0;
    let mut out = String::new();
    let (ok, info, failed) = (
        ops.count(Outcome::Ok),
        ops.count(Outcome::Info),
        ops.count(Outcome::Fail),
    );
    if args.json {
        let object = json!({
            "file": file,
            "verdict": report.verdict,
            "status": report.status,
            "model": model_name(model),
            "format": format.name(),
            "events": ops.events,
            "operations": { "ok": ok, "info": info, "fail": failed },
            "partitions": report.partitions,
            "steps": report.steps,
            "elapsed_ms": (millis * 1000.0).round() / 1000.0,
            "failing_ops": report.failing_ops,
            "explanation": report.explanation,
            "details": report.extra,
        });
        emit(&format!("{object}\n"));
        return;
    }
    let _ = writeln!(out, "{file}: {}", report.verdict);
    let _ = writeln!(out,
        "  model {}, format {}, {} events, {} operations ({ok} ok, {info} info, {failed} failed), {} partition{}",
        model_name(model),
        format.name(),
        ops.events,
        ops.ops.len(),
        report.partitions,
        if report.partitions == 1 { "" } else { "s" }
    );
    let _ = match report.steps {
        Some(steps) => writeln!(out, "  checked in {millis:.1} ms ({steps} search steps)"),
        None => writeln!(out, "  checked in {millis:.1} ms"),
    };
    if !report.explanation.is_empty() {
        out.push('\n');
        for line in report.explanation.lines() {
            let _ = writeln!(out, "  {line}");
        }
    }
    emit(&out);
}

/// Print to stdout, ignoring a closed pipe (`| head`).
fn emit(text: &str) {
    use std::io::Write as _;
    let _ = std::io::stdout().lock().write_all(text.as_bytes());
}
