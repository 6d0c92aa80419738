//! Errors that point into a scenario file: `FILE:LINE:COL: message`.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

/// The text of a scenario and where it came from, kept so that errors found
/// after parsing (by the protocol registry, say) can still point into the file.
///
/// Cloning is cheap: the text is shared.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SourceInfo {
    /// Where the text came from, as shown in errors (usually a relative path).
    pub origin: String,
    /// The whole text of the scenario file.
    pub text: Arc<str>,
}

impl SourceInfo {
    /// Wraps a scenario text and its origin.
    pub fn new(origin: &str, text: &str) -> Self {
        SourceInfo {
            origin: origin.to_string(),
            text: Arc::from(text),
        }
    }

    /// The 1-based line and column (in characters) of a byte offset.
    ///
    /// Offsets past the end, or inside a multi-byte character, are clamped.
    pub fn line_column(&self, offset: usize) -> (usize, usize) {
        let offset = clamp_to_char_boundary(&self.text, offset);
        let before = &self.text[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        let column = before[line_start..].chars().count() + 1;
        (line, column)
    }
}

fn clamp_to_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A problem with a scenario: where it is and what was expected.
///
/// `Display` prints `FILE:LINE:COL: message`, followed (when the position is
/// known) by the offending source line and a caret under the span:
///
/// ```text
/// scenarios/x.toml:12:8: loss must be between 0 and 1, got 1.5
///    |
/// 12 | loss = 1.5
///    |        ^^^
/// ```
///
/// Errors about the file as a whole (it cannot be read) have `line == 0` and
/// print just the message, e.g. `cannot read scenarios/x.toml: No such file or
/// directory`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Where the scenario came from (usually a relative path), or the command
    /// line flag at fault (`--nodes`).
    pub origin: String,
    /// 1-based line of the offending value; 0 when there is no position.
    pub line: usize,
    /// 1-based column (in characters) of the offending value; 0 when there is
    /// no position.
    pub column: usize,
    /// What is wrong and what was expected, on one line.
    pub message: String,
    /// The source line and a caret under the span, if the position is known.
    pub snippet: Option<String>,
}

impl ScenarioError {
    /// An error at a byte span of the scenario text.
    ///
    /// Use this with the spans kept on [`Scenario`](super::Scenario) values
    /// (the protocol name, role targets, invariant names) to report problems
    /// found after parsing.
    pub fn at(source: &SourceInfo, span: Range<usize>, message: impl Into<String>) -> Self {
        let (line, column) = source.line_column(span.start);
        ScenarioError {
            origin: source.origin.clone(),
            line,
            column,
            message: message.into(),
            snippet: Some(snippet(source, span, line, column)),
        }
    }

    /// An error with no position in the file: the file cannot be read, or a
    /// command-line override is itself invalid.
    pub fn whole(origin: &str, message: impl Into<String>) -> Self {
        ScenarioError {
            origin: origin.to_string(),
            line: 0,
            column: 0,
            message: message.into(),
            snippet: None,
        }
    }

    /// The first line only: `FILE:LINE:COL: message` (or just the message
    /// when there is no position).
    pub fn headline(&self) -> String {
        if self.line == 0 {
            self.message.clone()
        } else {
            format!(
                "{}:{}:{}: {}",
                self.origin, self.line, self.column, self.message
            )
        }
    }
}

/// The source line with a caret line under the span (clamped to that line).
fn snippet(source: &SourceInfo, span: Range<usize>, line: usize, column: usize) -> String {
    let text_line = source.text.lines().nth(line - 1).unwrap_or("");
    let text_line = text_line.trim_end_matches('\r');
    let line_chars = text_line.chars().count();
    let span_text = source
        .text
        .get(clamp_to_char_boundary(&source.text, span.start)..)
        .unwrap_or("");
    let span_chars = span_text
        .get(..span.len().min(span_text.len()))
        .map_or(1, |s| s.chars().take_while(|&c| c != '\n').count());
    let width = span_chars.min(line_chars.saturating_sub(column - 1)).max(1);
    let number = line.to_string();
    let pad = " ".repeat(number.len());
    let indent: String = text_line
        .chars()
        .take(column - 1)
        .map(|c| if c == '\t' { '\t' } else { ' ' })
        .collect();
    format!(
        "{pad} |\n{number} | {text_line}\n{pad} | {indent}{}",
        "^".repeat(width)
    )
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.headline())?;
        if let Some(snippet) = &self.snippet {
            write!(f, "\n{snippet}")?;
        }
        Ok(())
    }
}

impl std::error::Error for ScenarioError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_and_column_are_one_based_and_count_characters() {
        let source = SourceInfo::new("x.toml", "a = 1\nbé = 2\n");
        assert_eq!(source.line_column(0), (1, 1));
        assert_eq!(source.line_column(6), (2, 1));
        assert_eq!(source.line_column(10), (2, 4));
        assert_eq!(source.line_column(999), (3, 1));
    }

    #[test]
    fn display_shows_position_line_and_caret() {
        let source = SourceInfo::new("x.toml", "name = \"a\"\nloss = 1.5\n");
        let error = ScenarioError::at(&source, 18..21, "loss must be between 0 and 1, got 1.5");
        assert_eq!(
            error.to_string(),
            "x.toml:2:8: loss must be between 0 and 1, got 1.5\n  |\n2 | loss = 1.5\n  |        ^^^"
        );
    }

    #[test]
    fn whole_file_errors_print_only_the_message() {
        let error = ScenarioError::whole("x.toml", "cannot read x.toml: No such file");
        assert_eq!(error.to_string(), "cannot read x.toml: No such file");
    }

    #[test]
    fn spans_past_the_end_do_not_panic() {
        let source = SourceInfo::new("x.toml", "a = é");
        let error = ScenarioError::at(&source, 5..99, "m");
        assert_eq!(error.line, 1);
        let error = ScenarioError::at(&source, 99..100, "m");
        assert_eq!(error.line, 1);
    }
}
