//! A parser for Rust's `Debug` text (`{:?}`): structs `Name { a: x }`,
//! tuples and tuple variants `Some(x)`, `(a, b)`, lists `[..]`, maps
//! `{k: v}`, sets `{a, b}`, strings and characters. It never fails and never
//! panics: a node's `Debug` is user code and may print anything, so text
//! that does not parse (or nests deeper than [`MAX_DEPTH`]) comes back
//! whole as an [`Tree::Atom`].

/// How deep a value may nest before the parser gives up (and returns the
/// whole text as an atom): keeps the recursion's stack small.
pub const MAX_DEPTH: usize = 64;

/// A parsed `Debug` value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Tree {
    /// A number, a unit variant, a string or character literal (with its
    /// quotes), or any text that is not a structure (`1.250s`, `n1`).
    Atom(String),
    /// `Name { a: x, b: y }` (a trailing `..` is dropped).
    Struct {
        /// The type or variant name.
        name: String,
        /// The fields, in order.
        fields: Vec<(String, Tree)>,
    },
    /// `Name(x, y)`, or `(x, y)` with an empty name.
    Tuple {
        /// The type or variant name; empty for a plain tuple.
        name: String,
        /// The items, in order.
        items: Vec<Tree>,
    },
    /// `[x, y]`.
    List(Vec<Tree>),
    /// `{k: v}`.
    Map(Vec<(Tree, Tree)>),
    /// `{x, y}`.
    Set(Vec<Tree>),
}

/// Parse `text`; what does not parse is one [`Tree::Atom`] of the trimmed
/// text.
pub fn parse(text: &str) -> Tree {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
    };
    match parser.value(0) {
        Some(tree) if parser.skip_space() => tree,
        _ => Tree::Atom(text.trim().to_string()),
    }
}

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    /// Skip whitespace; true when at the end.
    fn skip_space(&mut self) -> bool {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
        self.at >= self.chars.len()
    }

    fn eat(&mut self, c: char) -> bool {
        self.skip_space();
        if self.peek() == Some(c) {
            self.at += 1;
            true
        } else {
            false
        }
    }

    /// `: ` (a field or key separator; `::` inside a path is not one).
    fn at_colon(&self) -> bool {
        let previous = self.at.checked_sub(1).and_then(|i| self.chars.get(i));
        self.peek() == Some(':') && self.peek_at(1) != Some(':') && previous != Some(&':')
    }

    fn value(&mut self, depth: usize) -> Option<Tree> {
        if depth > MAX_DEPTH {
            return None;
        }
        self.skip_space();
        match self.peek()? {
            '"' | '\'' => self.quoted(),
            '[' => {
                self.at += 1;
                Some(Tree::List(self.items(']', depth)?))
            }
            '(' => {
                self.at += 1;
                let items = self.items(')', depth)?;
                Some(Tree::Tuple {
                    name: String::new(),
                    items,
                })
            }
            '{' => {
                self.at += 1;
                self.map_or_set(depth)
            }
            _ => self.word_value(depth),
        }
    }

    /// A string or character literal, escapes included, kept with quotes.
    fn quoted(&mut self) -> Option<Tree> {
        let quote = self.peek()?;
        let start = self.at;
        self.at += 1;
        loop {
            match self.peek()? {
                '\\' => self.at += 2,
                c if c == quote => {
                    self.at += 1;
                    break;
                }
                _ => self.at += 1,
            }
        }
        let end = self.at.min(self.chars.len());
        Some(Tree::Atom(self.chars[start..end].iter().collect()))
    }

    /// Text up to a delimiter; then a struct or tuple body if one opens.
    fn word_value(&mut self, depth: usize) -> Option<Tree> {
        let start = self.at;
        while let Some(c) = self.peek() {
            if matches!(c, ',' | ')' | ']' | '}' | '(' | '{' | '[' | '"') || self.at_colon() {
                break;
            }
            self.at += 1;
        }
        let word: String = self.chars[start..self.at].iter().collect();
        let word = word.trim().to_string();
        match self.peek() {
            Some('(') if !word.is_empty() => {
                self.at += 1;
                let items = self.items(')', depth)?;
                Some(Tree::Tuple { name: word, items })
            }
            Some('{') if !word.is_empty() => {
                self.at += 1;
                let fields = self.fields(depth)?;
                Some(Tree::Struct { name: word, fields })
            }
            _ if word.is_empty() => None,
            _ => Some(Tree::Atom(word)),
        }
    }

    /// Comma-separated values up to `close` (a trailing comma allowed).
    fn items(&mut self, close: char, depth: usize) -> Option<Vec<Tree>> {
        let mut items = Vec::new();
        loop {
            if self.eat(close) {
                return Some(items);
            }
            items.push(self.value(depth + 1)?);
            if !self.eat(',') {
                return self.eat(close).then_some(items);
            }
        }
    }

    /// `a: x, b: y, .. }` after `Name {`.
    fn fields(&mut self, depth: usize) -> Option<Vec<(String, Tree)>> {
        let mut fields = Vec::new();
        loop {
            if self.eat('}') {
                return Some(fields);
            }
            self.skip_space();
            if self.peek() == Some('.') && self.peek_at(1) == Some('.') {
                self.at += 2;
                return self.eat('}').then_some(fields);
            }
            let start = self.at;
            while self
                .peek()
                .is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '#')
            {
                self.at += 1;
            }
            let name: String = self.chars[start..self.at].iter().collect();
            if name.is_empty() || !self.eat(':') {
                return None;
            }
            fields.push((name, self.value(depth + 1)?));
            if !self.eat(',') {
                return self.eat('}').then_some(fields);
            }
        }
    }

    /// After `{`: `k: v, ...}` or `x, y}` or `}`.
    fn map_or_set(&mut self, depth: usize) -> Option<Tree> {
        if self.eat('}') {
            return Some(Tree::Map(Vec::new()));
        }
        let first = self.value(depth + 1)?;
        self.skip_space();
        if !self.at_colon() {
            let mut items = vec![first];
            if self.eat(',') {
                items.extend(self.items('}', depth)?);
                return Some(Tree::Set(items));
            }
            return self.eat('}').then_some(Tree::Set(items));
        }
        let mut entries = Vec::new();
        let mut key = first;
        loop {
            if !self.eat(':') {
                return None;
            }
            entries.push((key, self.value(depth + 1)?));
            if !self.eat(',') {
                return self.eat('}').then_some(Tree::Map(entries));
            }
            if self.eat('}') {
                return Some(Tree::Map(entries));
            }
            key = self.value(depth + 1)?;
        }
    }
}
