//! Cutting source out of a Rust file without a parser: replace the bodies
//! of chosen functions with `unimplemented!(...)` (signatures, types and doc
//! comments stay, so everything that names them still compiles), and remove
//! `#[cfg(test)]` items.
//!
//! The scanner knows just enough Rust to find items: comments (nested),
//! string, raw string, byte and char literals, lifetimes, and brackets. It
//! reads the item level of a file and of the `mod`, `impl` and `trait`
//! blocks in it; every other block (a function body, a struct, a macro) is
//! skipped by matching its braces.

/// Which function bodies to cut from a file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cut<'a> {
    /// Every function body.
    All,
    /// Bodies of functions in `impl` blocks for these types (`impl Raft`,
    /// `impl Node for Raft`).
    Impls(&'a [&'a str]),
    /// No function bodies (only `#[cfg(test)]` items go).
    TestsOnly,
}

/// The body a cut function gets.
pub const STUB: &str = "{\n        unimplemented!(\"not in the handout: the reference implementation is not shipped to students\")\n    }";

/// The result of cutting a file.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Stripped {
    /// The new text.
    pub text: String,
    /// Function bodies replaced.
    pub bodies: usize,
    /// Names of `#[cfg(test)] mod NAME;` declarations removed (their files
    /// can be deleted).
    pub test_modules: Vec<String>,
}

/// What a `{` opens, judged from the item header before it.
#[derive(Debug, PartialEq, Eq)]
enum Block {
    Function,
    Impl(String),
    Container,
    Other,
}

/// Cut `text` (one Rust source file) as `cut` says.
pub fn strip(text: &str, cut: Cut<'_>) -> Stripped {
    let mut out = Stripped::default();
    let bytes = text.as_bytes();
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    items(bytes, 0, bytes.len(), cut, None, &mut edits, &mut out);
    let mut result = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end, replacement) in edits {
        result.push_str(&text[at..start]);
        result.push_str(&replacement);
        at = end;
    }
    result.push_str(&text[at..]);
    out.text = result;
    out
}

/// Scan the items in `bytes[start..end]` (inside `impl_of`'s impl block,
/// if any), recording edits.
fn items(
    bytes: &[u8],
    start: usize,
    end: usize,
    cut: Cut<'_>,
    impl_of: Option<&str>,
    edits: &mut Vec<(usize, usize, String)>,
    out: &mut Stripped,
) {
    let mut item_start = start;
    let mut depth = 0usize; // parentheses and brackets in the header
    let mut i = start;
    while i < end {
        if let Some(next) = skip_trivia(bytes, i) {
            i = next;
            continue;
        }
        match bytes[i] {
            b'(' | b'[' => depth += 1,
            b')' | b']' => depth = depth.saturating_sub(1),
            b';' if depth == 0 => {
                let header = clean(&bytes[item_start..i]);
                if let Some(name) = test_module(&header) {
                    edits.push((item_start, i + 1, String::new()));
                    out.test_modules.push(name);
                }
                item_start = i + 1;
            }
            b'{' if depth == 0 => {
                let close = matching(bytes, i).unwrap_or(end);
                let header = clean(&bytes[item_start..i]);
                if is_test_item(&header) {
                    edits.push((item_start, (close + 1).min(bytes.len()), String::new()));
                } else {
                    match judge(&header) {
                        Block::Function if cuts(cut, impl_of) => {
                            edits.push((i, (close + 1).min(bytes.len()), STUB.to_string()));
                            out.bodies += 1;
                        }
                        Block::Impl(ty) => items(bytes, i + 1, close, cut, Some(&ty), edits, out),
                        Block::Container => items(bytes, i + 1, close, cut, impl_of, edits, out),
                        _ => {}
                    }
                }
                i = close + 1;
                item_start = i;
                continue;
            }
            _ => {}
        }
        i += 1;
    }
}

/// Whether a function in `impl_of`'s block (or outside any) is cut.
fn cuts(cut: Cut<'_>, impl_of: Option<&str>) -> bool {
    match cut {
        Cut::All => true,
        Cut::Impls(types) => impl_of.is_some_and(|t| types.contains(&t)),
        Cut::TestsOnly => false,
    }
}

/// The header's words and punctuation, with comments, attributes' insides
/// kept, and literals as written (only the start of each word matters).
fn clean(header: &[u8]) -> String {
    let mut text = String::new();
    let mut i = 0;
    while i < header.len() {
        if let Some(next) = skip_comment(header, i) {
            text.push(' ');
            i = next;
            continue;
        }
        text.push(header[i] as char);
        i += 1;
    }
    text
}

fn words(header: &str) -> Vec<&str> {
    header
        .split(|c: char| !(c.is_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .collect()
}

/// What the block after `header` is.
fn judge(header: &str) -> Block {
    let body = without_attributes(header);
    let w = words(&body);
    if w.contains(&"fn") {
        return Block::Function;
    }
    let first = w
        .iter()
        .find(|x| !matches!(**x, "pub" | "crate" | "super" | "in" | "unsafe" | "default"));
    match first {
        Some(&"impl") => Block::Impl(self_type(&body)),
        Some(&"mod") | Some(&"trait") => Block::Container,
        _ => Block::Other,
    }
}

/// The header without `#[...]` attributes.
fn without_attributes(header: &str) -> String {
    let mut out = String::new();
    let mut chars = header.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '#' && matches!(chars.peek(), Some('[') | Some('!')) {
            let mut depth = 0;
            for d in chars.by_ref() {
                match d {
                    '[' => depth += 1,
                    ']' => {
                        depth -= 1;
                        if depth == 0 {
                            break;
                        }
                    }
                    _ => {}
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// The type an impl header is for: the last path segment after ` for `, or
/// after `impl<...>`.
fn self_type(header: &str) -> String {
    let text = match header.rfind(" for ") {
        Some(at) => &header[at + 5..],
        None => {
            let after = &header[header.find("impl").map_or(0, |i| i + 4)..];
            skip_generics(after)
        }
    };
    let path = text.split(['<', ' ', '\n', '{']).find(|s| !s.is_empty());
    path.unwrap_or_default()
        .rsplit("::")
        .next()
        .unwrap_or_default()
        .to_string()
}

fn skip_generics(text: &str) -> &str {
    let text = text.trim_start();
    if !text.starts_with('<') {
        return text;
    }
    let mut depth = 0;
    for (i, c) in text.char_indices() {
        match c {
            '<' => depth += 1,
            '>' => {
                depth -= 1;
                if depth == 0 {
                    return &text[i + 1..];
                }
            }
            _ => {}
        }
    }
    ""
}

fn is_test_item(header: &str) -> bool {
    let compact: String = header.chars().filter(|c| !c.is_whitespace()).collect();
    compact.contains("#[cfg(test)]")
}

/// `#[cfg(test)] mod NAME;` → `NAME`.
fn test_module(header: &str) -> Option<String> {
    if !is_test_item(header) {
        return None;
    }
    let body = without_attributes(header);
    let w = words(&body);
    let at = w.iter().position(|x| *x == "mod")?;
    w.get(at + 1).map(|s| s.to_string())
}

/// The index of the `}` matching the `{` at `open`.
fn matching(bytes: &[u8], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut i = open;
    while i < bytes.len() {
        if let Some(next) = skip_trivia(bytes, i) {
            i = next;
            continue;
        }
        match bytes[i] {
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return Some(i);
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// If a comment or literal starts at `i`, the index just after it.
fn skip_trivia(bytes: &[u8], i: usize) -> Option<usize> {
    skip_comment(bytes, i).or_else(|| skip_literal(bytes, i))
}

fn skip_comment(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'/') {
        return None;
    }
    match bytes.get(i + 1) {
        Some(b'/') => Some(
            bytes[i..]
                .iter()
                .position(|&b| b == b'\n')
                .map_or(bytes.len(), |p| i + p + 1),
        ),
        Some(b'*') => {
            let (mut depth, mut j) = (0usize, i);
            while j + 1 < bytes.len() {
                if bytes[j] == b'/' && bytes[j + 1] == b'*' {
                    depth += 1;
                    j += 2;
                } else if bytes[j] == b'*' && bytes[j + 1] == b'/' {
                    depth -= 1;
                    j += 2;
                    if depth == 0 {
                        return Some(j);
                    }
                } else {
                    j += 1;
                }
            }
            Some(bytes.len())
        }
        _ => None,
    }
}

fn is_ident(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_'
}

fn skip_literal(bytes: &[u8], i: usize) -> Option<usize> {
    let prev_ident = i > 0 && is_ident(bytes[i - 1]);
    match bytes[i] {
        b'"' => Some(skip_string(bytes, i + 1)),
        b'r' | b'b' if !prev_ident => skip_prefixed(bytes, i),
        b'\'' => skip_char(bytes, i),
        _ => None,
    }
}

/// `b"..."`, `r"..."`, `r#"..."#`, `br#"..."#`, `b'x'`.
fn skip_prefixed(bytes: &[u8], i: usize) -> Option<usize> {
    let mut j = i;
    if bytes[j] == b'b' {
        j += 1;
        match bytes.get(j) {
            Some(b'"') => return Some(skip_string(bytes, j + 1)),
            Some(b'\'') => return skip_char(bytes, j),
            Some(b'r') => {}
            _ => return None,
        }
    }
    // A raw string: r, hashes, quote.
    j += 1;
    let hashes = bytes[j..].iter().take_while(|&&b| b == b'#').count();
    if bytes.get(j + hashes) != Some(&b'"') {
        return None;
    }
    let mut k = j + hashes + 1;
    while k < bytes.len() {
        if bytes[k] == b'"' && bytes[k + 1..].iter().take(hashes).all(|&b| b == b'#') {
            let end = k + 1 + hashes;
            if end <= bytes.len() {
                return Some(end);
            }
        }
        k += 1;
    }
    Some(bytes.len())
}

fn skip_string(bytes: &[u8], mut j: usize) -> usize {
    while j < bytes.len() {
        match bytes[j] {
            b'\\' => j += 2,
            b'"' => return j + 1,
            _ => j += 1,
        }
    }
    bytes.len()
}

/// A char literal (`'x'`, `'\n'`, `'\u{1F600}'`, `'é'`) or a lifetime
/// (`'a`, which is not skipped).
fn skip_char(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes.get(i + 1) {
        Some(b'\\') => {
            let close = bytes.get(i + 3..)?.iter().position(|&b| b == b'\'')?;
            Some(i + 3 + close + 1)
        }
        Some(_) => {
            // One char (possibly several UTF-8 bytes) then a quote.
            let width = utf8_width(bytes[i + 1]);
            (bytes.get(i + 1 + width) == Some(&b'\'')).then_some(i + 2 + width)
        }
        None => None,
    }
}

fn utf8_width(first: u8) -> usize {
    match first {
        0xF0..=0xFF => 4,
        0xE0..=0xEF => 3,
        0xC0..=0xDF => 2,
        _ => 1,
    }
}
