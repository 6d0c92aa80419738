//! Jepsen log lines for a compare-and-set register (the etcd histories).
//!
//! `INFO  jepsen.util - PROC TYPE F VALUE`, fields separated by tabs or spaces.
//! Conventions (see `docs/histories.md`):
//! - `:fail :cas [a b]` is a definite "compare did not match" answer: it becomes
//!   an `ok` event whose value is `false`;
//! - `:fail :read :timed-out` and `:info ... :timed-out` become `info` events.

use crate::check::history::{EventType, HistoryEvent, Value};

/// Parse one log line into an event.
pub(super) fn parse_line(line: &str) -> Result<HistoryEvent, String> {
    let tokens: Vec<&str> = line.split_whitespace().collect();
    if tokens.len() < 6 || tokens[0] != "INFO" || tokens[1] != "jepsen.util" || tokens[2] != "-" {
        return Err("expected `INFO  jepsen.util - PROC TYPE F VALUE`".into());
    }
    let process: u64 = tokens[3]
        .parse()
        .map_err(|_| format!("expected a process number, found `{}`", tokens[3]))?;
    let kind = match tokens[4] {
        ":invoke" => EventType::Invoke,
        ":ok" => EventType::Ok,
        ":fail" => EventType::Fail,
        ":info" => EventType::Info,
        other => {
            return Err(format!(
                "expected a type (:invoke, :ok, :fail or :info), found `{other}`"
            ))
        }
    };
    let f = match tokens[5] {
        ":read" => "read",
        ":write" => "write",
        ":cas" => "cas",
        other => {
            return Err(format!(
                "unknown operation `{other}` (expected :read, :write or :cas)"
            ))
        }
    };
    let rest = tokens[6..].join(" ");
    let mut event = HistoryEvent {
        process,
        kind,
        f: f.to_string(),
        key: None,
        value: Value::Nil,
        time: 0,
        error: None,
    };
    if rest.starts_with(':') {
        // `:timed-out` and friends: the outcome is unknown.
        if kind == EventType::Invoke || kind == EventType::Ok {
            return Err(format!("expected a value after {f}, found `{rest}`"));
        }
        event.kind = EventType::Info;
        event.error = Some(rest.trim_start_matches(':').to_string());
        return Ok(event);
    }
    event.value = parse_value(f, &rest)?;
    if kind == EventType::Fail && f == "cas" {
        event.kind = EventType::Ok;
        event.value = Value::Bool(false);
    }
    Ok(event)
}

fn parse_value(f: &str, text: &str) -> Result<Value, String> {
    let int = |t: &str| -> Result<Value, String> {
        t.parse::<i64>()
            .map(Value::Int)
            .map_err(|_| format!("expected an integer, found `{t}`"))
    };
    match f {
        "read" if text == "nil" => Ok(Value::Nil),
        "read" | "write" => int(text),
        _ => {
            let inner = text
                .strip_prefix('[')
                .and_then(|t| t.strip_suffix(']'))
                .ok_or_else(|| format!("expected `[FROM TO]` for cas, found `{text}`"))?;
            let parts: Vec<&str> = inner.split_whitespace().collect();
            if parts.len() != 2 {
                return Err(format!("expected `[FROM TO]` for cas, found `{text}`"));
            }
            Ok(Value::List(vec![int(parts[0])?, int(parts[1])?]))
        }
    }
}
