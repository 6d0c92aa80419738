//! distlab's own format: one `HistoryEvent` as JSON per line.

use crate::check::history::HistoryEvent;

/// Parse one JSON line into an event.
pub(super) fn parse_line(line: &str) -> Result<HistoryEvent, String> {
    let json: serde_json::Value = serde_json::from_str(line).map_err(|e| {
        format!(
            "expected a history event as JSON ({{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",...}}): {}",
            strip_position(&e.to_string())
        )
    })?;
    if json.get("step").is_some() && json.get("kind").is_some() {
        return Err("this is a line of a run's trace (`distlab export --format jsonl`), not a client history; write the run's history with `distlab export SCENARIO --format history > history.jsonl` and check that".into());
    }
    if let Some(number) = find_non_integer(&json) {
        return Err(format!("expected an integer, found the number {number}"));
    }
    serde_json::from_value::<HistoryEvent>(json).map_err(|e| {
        format!(
            "expected a history event with process, type, f and value: {}",
            strip_position(&e.to_string())
        )
    })
}

fn strip_position(message: &str) -> String {
    message
        .split(" at line")
        .next()
        .unwrap_or(message)
        .to_string()
}

/// A number that is not an `i64` (a float, or too large), anywhere in the line.
fn find_non_integer(json: &serde_json::Value) -> Option<String> {
    match json {
        serde_json::Value::Number(n) if n.as_i64().is_none() && n.as_u64().is_none() => {
            Some(n.to_string())
        }
        serde_json::Value::Array(items) => items.iter().find_map(find_non_integer),
        serde_json::Value::Object(map) => map.values().find_map(find_non_integer),
        _ => None,
    }
}
