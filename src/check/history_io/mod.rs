//! Readers for history files: distlab's JSON Lines, Jepsen log lines and EDN maps.
//!
//! Every reader returns a [`ParsedHistory`]: the events plus the file line each
//! came from, so later errors (pairing, unknown operations) can name the line.

mod edn;
mod jepsen_log;
mod jsonl;

use super::error::HistoryError;
use super::history::History;
use std::fmt;
use std::str::FromStr;

pub use edn::parse_edn_value;

/// A history file format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    /// distlab's JSON Lines: one serialized `HistoryEvent` per line.
    Jsonl,
    /// Jepsen log lines (`INFO  jepsen.util - PROC TYPE F VALUE`), a CAS register.
    JepsenLog,
    /// One EDN map per line (`{:process 0, :type :invoke, :f :get, ...}`).
    Edn,
}

impl Format {
    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Format::Jsonl => "jsonl",
            Format::JepsenLog => "jepsen-log",
            Format::Edn => "edn",
        }
    }

    /// Guess the format from the first non-blank line, then from the file name.
    pub fn detect(path: &str, text: &str) -> Format {
        if let Some(first) = text.lines().map(str::trim).find(|l| !l.is_empty()) {
            if first.starts_with("INFO") {
                return Format::JepsenLog;
            }
            if first.starts_with("{:") {
                return Format::Edn;
            }
            if first.starts_with('{') {
                return Format::Jsonl;
            }
        }
        if path.ends_with(".log") {
            Format::JepsenLog
        } else if path.ends_with(".edn") || path.ends_with(".txt") {
            Format::Edn
        } else {
            Format::Jsonl
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "jsonl" => Ok(Format::Jsonl),
            "jepsen-log" => Ok(Format::JepsenLog),
            "edn" => Ok(Format::Edn),
            other => Err(format!(
                "unknown format `{other}` (expected jsonl, jepsen-log or edn)"
            )),
        }
    }
}

/// A history read from text, with the line number of every event.
#[derive(Clone, Debug, Default)]
pub struct ParsedHistory {
    /// The events.
    pub history: History,
    /// `lines[i]` is the 1-based file line of `history.events[i]`.
    pub lines: Vec<usize>,
}

/// Parse `text` in the given format.
pub fn parse(text: &str, format: Format) -> Result<ParsedHistory, HistoryError> {
    let mut parsed = ParsedHistory::default();
    for (index, raw) in text.lines().enumerate() {
        let line = index + 1;
        if raw.trim().is_empty() {
            continue;
        }
        let event = match format {
            Format::Jsonl => jsonl::parse_line(raw),
            Format::JepsenLog => jepsen_log::parse_line(raw),
            Format::Edn => edn::parse_line(raw),
        }
        .map_err(|message| HistoryError::new(line, message))?;
        parsed.history.push(event);
        parsed.lines.push(line);
    }
    Ok(parsed)
}

/// Write a history as JSON Lines (the inverse of reading [`Format::Jsonl`]).
pub fn to_jsonl(history: &History) -> String {
    let mut out = String::new();
    for event in &history.events {
        // Serializing plain data with string keys cannot fail.
        out.push_str(&serde_json::to_string(event).unwrap_or_default());
        out.push('\n');
    }
    out
}
