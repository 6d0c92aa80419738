//! An owned TOML value tree that keeps the span of every key and value.
//!
//! The parsed document (`toml::de::DeTable`) borrows the input; this tree is
//! owned, comparable and cheap to reason about, so every later step (section
//! readers, [`ParamTable`](super::ParamTable)) works on it.

use super::error::{ScenarioError, SourceInfo};
use std::collections::BTreeMap;
use std::fmt;
use std::ops::Range;
use toml::de::{DeTable, DeValue};
use toml::Spanned;

/// A TOML value with its span.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Item {
    /// The value.
    pub value: Value,
    /// Byte span of the value in the source.
    pub span: Range<usize>,
}

/// One `key = value` of a table.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Entry {
    /// Byte span of the key.
    pub key_span: Range<usize>,
    /// The value.
    pub item: Item,
}

/// A TOML table: keys in sorted order, each with its spans.
pub(crate) type Table = BTreeMap<String, Entry>;

/// A TOML value.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Value {
    String(String),
    Integer(i64),
    Float(f64),
    Boolean(bool),
    Datetime(String),
    Array(Vec<Item>),
    Table(Table),
}

impl Value {
    /// The value as an error message shows it after "got": `5`, `"5s"`,
    /// `true`, `an array`, `a table`.
    pub fn describe(&self) -> String {
        match self {
            Value::String(s) => format!("{s:?}"),
            Value::Integer(i) => i.to_string(),
            Value::Float(f) => format_float(*f),
            Value::Boolean(b) => b.to_string(),
            Value::Datetime(d) => format!("the date-time {d}"),
            Value::Array(_) => "an array".to_string(),
            Value::Table(_) => "a table".to_string(),
        }
    }
}

/// Floats as a reader wrote them: `1.5`, `2.0`, `NaN`.
pub(crate) fn format_float(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{f:.1}")
    } else {
        f.to_string()
    }
}

impl fmt::Display for Value {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.describe())
    }
}

/// Parses a TOML document into an owned table, or the syntax error.
pub(crate) fn parse_document(source: &SourceInfo) -> Result<Item, ScenarioError> {
    let document = DeTable::parse(&source.text).map_err(|e| syntax_error(source, &e))?;
    let span = document.span();
    let table = convert_table(source, document.get_ref())?;
    Ok(Item {
        value: Value::Table(table),
        span,
    })
}

fn syntax_error(source: &SourceInfo, error: &toml::de::Error) -> ScenarioError {
    let span = error.span().unwrap_or(0..0);
    let mut message = format!("invalid TOML: {}", error.message().trim_end());
    let key = source.text.get(span.clone()).unwrap_or("");
    if message.contains("duplicate key") && !key.is_empty() {
        message = format!("invalid TOML: duplicate key `{key}`; a key may appear once per table");
        if key == "protocol" {
            message.push_str(
                "; to give protocol parameters, put the name in the table: \
                 [protocol] name = \"...\" (see docs/scenarios.md)",
            );
        }
    }
    ScenarioError::at(source, span, message.replace('\n', "; "))
}

fn convert_table(source: &SourceInfo, table: &DeTable<'_>) -> Result<Table, ScenarioError> {
    let mut out = Table::new();
    for (key, value) in table.iter() {
        let item = convert(source, value)?;
        let entry = Entry {
            key_span: key.span(),
            item,
        };
        out.insert(key.get_ref().to_string(), entry);
    }
    Ok(out)
}

fn convert(source: &SourceInfo, value: &Spanned<DeValue<'_>>) -> Result<Item, ScenarioError> {
    let span = value.span();
    let value = match value.get_ref() {
        DeValue::String(s) => Value::String(s.to_string()),
        DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
            Ok(n) => Value::Integer(n),
            Err(_) => {
                let message = format!("integer {i} does not fit in 64 bits");
                return Err(ScenarioError::at(source, span, message));
            }
        },
        DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
            Ok(x) => Value::Float(x),
            Err(_) => {
                let message = format!("cannot read the number {f}");
                return Err(ScenarioError::at(source, span, message));
            }
        },
        DeValue::Boolean(b) => Value::Boolean(*b),
        DeValue::Datetime(d) => Value::Datetime(d.to_string()),
        DeValue::Array(items) => {
            let items: Result<Vec<Item>, _> = items.iter().map(|v| convert(source, v)).collect();
            Value::Array(items?)
        }
        DeValue::Table(t) => Value::Table(convert_table(source, t)?),
    };
    Ok(Item { value, span })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Table, ScenarioError> {
        let source = SourceInfo::new("t.toml", text);
        match parse_document(&source)?.value {
            Value::Table(t) => Ok(t),
            _ => unreachable!("a document is a table"),
        }
    }

    #[test]
    fn keeps_values_and_spans() {
        let table = parse("a = 5\nb = \"x\"\nc = [1, 2.5]\n").expect("valid");
        let a = &table["a"];
        assert_eq!(a.item.value, Value::Integer(5));
        assert_eq!(a.key_span, 0..1);
        assert_eq!(a.item.span, 4..5);
        assert_eq!(table["b"].item.value, Value::String("x".into()));
        let Value::Array(items) = &table["c"].item.value else {
            panic!("array expected")
        };
        assert_eq!(items[1].value, Value::Float(2.5));
    }

    #[test]
    fn integers_in_other_bases_and_negative() {
        let table = parse("a = 0x10\nb = -3\nc = 1_000").expect("valid");
        assert_eq!(table["a"].item.value, Value::Integer(16));
        assert_eq!(table["b"].item.value, Value::Integer(-3));
        assert_eq!(table["c"].item.value, Value::Integer(1000));
    }

    #[test]
    fn syntax_errors_have_a_position() {
        let error = parse("a = 5\nb = \n").expect_err("invalid");
        assert_eq!(error.line, 2);
        assert!(
            error.message.starts_with("invalid TOML"),
            "{}",
            error.message
        );
    }

    #[test]
    fn describes_values_for_messages() {
        assert_eq!(Value::Float(1.5).describe(), "1.5");
        assert_eq!(Value::Float(2.0).describe(), "2.0");
        assert_eq!(Value::String("5s".into()).describe(), "\"5s\"");
        assert_eq!(Value::Array(vec![]).describe(), "an array");
    }
}
