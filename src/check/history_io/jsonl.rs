//! distlab's own format: one `HistoryEvent` as JSON per line.

use crate::check::history::HistoryEvent;

/// Parse one JSON line into an event.
pub(super) fn parse_line(line: &str) -> Result<HistoryEvent, String> {
    serde_json::from_str::<HistoryEvent>(line).map_err(|e| {
        let what = e.to_string();
        let what = what.split(" at line").next().unwrap_or(&what).to_string();
        format!(
            "expected a history event as JSON ({{\"process\":0,\"type\":\"invoke\",\"f\":\"read\",...}}): {what}"
        )
    })
}
