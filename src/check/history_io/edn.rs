//! A small EDN reader: one map per line, as Jepsen prints histories.
//!
//! Supported: `nil`, `true`/`false`, integers, strings, keywords, vectors and
//! lists, maps. Keywords become strings without the colon.

use crate::check::history::{EventType, HistoryEvent, Value};
use std::collections::BTreeMap;

/// Deepest nesting of vectors, lists and maps a line may hold, as in
/// `serde_json` (128): deeper input is an error, never a stack overflow.
pub const MAX_DEPTH: usize = 128;

/// Parse one EDN value (a keyword becomes a `Str` without its colon; a map is an error).
pub fn parse_edn_value(text: &str) -> Result<Value, String> {
    let mut parser = Parser {
        text,
        pos: 0,
        depth: 0,
    };
    let value = parser.value()?;
    parser.skip_space();
    if parser.pos < text.len() {
        return Err(format!(
            "unexpected text after value at column {}",
            parser.pos + 1
        ));
    }
    match value {
        Edn::Map(_) => Err("expected a value, found a map".into()),
        other => other.into_value(),
    }
}

/// Parse one EDN map line into an event.
pub(super) fn parse_line(line: &str) -> Result<HistoryEvent, String> {
    let mut parser = Parser {
        text: line,
        pos: 0,
        depth: 0,
    };
    let map = match parser.value()? {
        Edn::Map(map) => map,
        _ => return Err("expected an EDN map `{:process P, :type T, :f F, ...}`".into()),
    };
    parser.skip_space();
    if parser.pos < line.len() {
        return Err(format!(
            "unexpected text after the map at column {}",
            parser.pos + 1
        ));
    }
    let process = match map.get("process") {
        Some(Edn::Int(p)) if *p >= 0 => *p as u64,
        Some(_) => return Err("expected :process to be a non-negative integer".into()),
        None => return Err("expected a :process entry".into()),
    };
    let kind = match map.get("type") {
        Some(Edn::Keyword(k)) => match k.as_str() {
            "invoke" => EventType::Invoke,
            "ok" => EventType::Ok,
            "fail" => EventType::Fail,
            "info" => EventType::Info,
            other => {
                return Err(format!(
                    "expected :type :invoke, :ok, :fail or :info, found :{other}"
                ))
            }
        },
        _ => return Err("expected a :type keyword (:invoke, :ok, :fail or :info)".into()),
    };
    let f = match map.get("f") {
        Some(Edn::Keyword(k)) | Some(Edn::Str(k)) => k.clone(),
        _ => return Err("expected an :f keyword (the operation)".into()),
    };
    let key = match map.get("key") {
        None | Some(Edn::Nil) => None,
        Some(Edn::Str(k)) | Some(Edn::Keyword(k)) => Some(k.clone()),
        Some(Edn::Int(i)) => Some(i.to_string()),
        Some(_) => return Err("expected :key to be a string, keyword or integer".into()),
    };
    let value = match map.get("value") {
        None => Value::Nil,
        Some(v) => v.clone().into_value()?,
    };
    let time = match map.get("time") {
        None => 0,
        Some(Edn::Int(t)) if *t >= 0 => *t as u64,
        Some(_) => return Err("expected :time to be a non-negative integer".into()),
    };
    let error = match map.get("error") {
        None | Some(Edn::Nil) => None,
        Some(e) => Some(
            e.clone()
                .into_value()?
                .to_string()
                .trim_matches('"')
                .to_string(),
        ),
    };
    Ok(HistoryEvent {
        process,
        kind,
        f,
        key,
        value,
        time,
        error,
    })
}

#[derive(Clone, Debug)]
enum Edn {
    Nil,
    Bool(bool),
    Int(i64),
    Str(String),
    Keyword(String),
    Seq(Vec<Edn>),
    Map(BTreeMap<String, Edn>),
}

impl Edn {
    fn into_value(self) -> Result<Value, String> {
        Ok(match self {
            Edn::Nil => Value::Nil,
            Edn::Bool(b) => Value::Bool(b),
            Edn::Int(i) => Value::Int(i),
            Edn::Str(s) | Edn::Keyword(s) => Value::Str(s),
            Edn::Seq(items) => Value::List(
                items
                    .into_iter()
                    .map(Edn::into_value)
                    .collect::<Result<_, _>>()?,
            ),
            Edn::Map(_) => return Err("nested maps are not supported as values".into()),
        })
    }
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    /// Vectors, lists and maps open around the current position.
    depth: usize,
}

impl Parser<'_> {
    fn skip_space(&mut self) {
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len()
            && (bytes[self.pos].is_ascii_whitespace() || bytes[self.pos] == b',')
        {
            self.pos += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn column(&self) -> usize {
        self.pos + 1
    }

    fn value(&mut self) -> Result<Edn, String> {
        self.skip_space();
        match self.peek() {
            None => Err(format!(
                "expected a value at column {}, found the end of the line",
                self.column()
            )),
            Some(b'{') => self.map(),
            Some(b'[') => self.seq(b']'),
            Some(b'(') => self.seq(b')'),
            Some(b'"') => self.string(),
            Some(b':') => {
                self.pos += 1;
                Ok(Edn::Keyword(self.symbol()))
            }
            Some(_) => self.atom(),
        }
    }

    /// Enter a vector, list or map at the current position, or refuse to
    /// go deeper than [`MAX_DEPTH`].
    fn open(&mut self) -> Result<(), String> {
        if self.depth >= MAX_DEPTH {
            return Err(format!(
                "nesting deeper than {MAX_DEPTH} levels at column {}",
                self.column()
            ));
        }
        self.depth += 1;
        self.pos += 1;
        Ok(())
    }

    fn map(&mut self) -> Result<Edn, String> {
        self.open()?;
        let mut map = BTreeMap::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(b'}') => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Edn::Map(map));
                }
                None => {
                    return Err("expected `}` to close the map, found the end of the line".into())
                }
                _ => {}
            }
            let key = match self.value()? {
                Edn::Keyword(k) | Edn::Str(k) => k,
                _ => {
                    return Err(format!(
                        "expected a keyword as map key before column {}",
                        self.column()
                    ))
                }
            };
            let value = self.value()?;
            map.insert(key, value);
        }
    }

    fn seq(&mut self, close: u8) -> Result<Edn, String> {
        self.open()?;
        let mut items = Vec::new();
        loop {
            self.skip_space();
            match self.peek() {
                Some(c) if c == close => {
                    self.pos += 1;
                    self.depth -= 1;
                    return Ok(Edn::Seq(items));
                }
                None => {
                    return Err(format!(
                        "expected `{}` to close a vector, found the end of the line",
                        close as char
                    ))
                }
                _ => items.push(self.value()?),
            }
        }
    }

    fn string(&mut self) -> Result<Edn, String> {
        let start = self.column();
        self.pos += 1;
        let mut out = String::new();
        let mut chars = self.text[self.pos..].char_indices();
        while let Some((i, c)) = chars.next() {
            match c {
                '"' => {
                    self.pos += i + 1;
                    return Ok(Edn::Str(out));
                }
                '\\' => match chars.next() {
                    Some((_, 'n')) => out.push('\n'),
                    Some((_, 't')) => out.push('\t'),
                    Some((_, other)) => out.push(other),
                    None => break,
                },
                c => out.push(c),
            }
        }
        Err(format!("unterminated string starting at column {start}"))
    }

    fn symbol(&mut self) -> String {
        let start = self.pos;
        let bytes = self.text.as_bytes();
        while self.pos < bytes.len() && !b" \t,{}[]()\"".contains(&bytes[self.pos]) {
            self.pos += 1;
        }
        self.text[start..self.pos].to_string()
    }

    fn atom(&mut self) -> Result<Edn, String> {
        let column = self.column();
        let word = self.symbol();
        match word.as_str() {
            "nil" => Ok(Edn::Nil),
            "true" => Ok(Edn::Bool(true)),
            "false" => Ok(Edn::Bool(false)),
            "" => Err(format!("unexpected character at column {column}")),
            w => w.parse::<i64>().map(Edn::Int).map_err(|_| {
                format!("expected a number, string, keyword or nil at column {column}, found `{w}`")
            }),
        }
    }
}
