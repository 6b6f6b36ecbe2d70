//! Strict JSON reader (RFC 8259) into the spanned tree.
//!
//! Why our own: the TD guide has users send the file itself with `curl -d @file.json`, and TD's
//! server parses strict JSON, so a trailing comma or a comment must be reported at its exact
//! position. serde_json gives no value spans and YAML readers accept what JSON forbids.
//! Duplicate keys are reported (with the first occurrence) and the first one is kept.

use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::span::{LineIndex, Span};
use crate::syntax::tree::{Entry, Node, Value};
use std::borrow::Cow;
use std::collections::HashSet;

pub use crate::MAX_DEPTH;

pub struct Parsed<'a> {
    pub root: Option<Node<'a>>,
    pub diagnostics: Vec<Diagnostic>,
    /// The line index, collected while skipping whitespace (strict JSON has line breaks nowhere
    /// else), so large files are not scanned twice.
    pub line_index: LineIndex,
}

pub fn parse(text: &str) -> Parsed<'_> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let mut p = Parser {
        text,
        bytes: text.as_bytes(),
        pos: start,
        depth: 0,
        diagnostics: Vec::new(),
        line_starts: vec![0],
    };
    let root = match p.document() {
        Ok(node) => Some(node),
        Err(d) => {
            p.diagnostics.push(d);
            None
        }
    };
    // After a syntax error the parser has not seen the rest of the file.
    let line_index = if root.is_some() {
        LineIndex::from_line_starts(p.line_starts, text.len())
    } else {
        LineIndex::new(text)
    };
    Parsed {
        root,
        diagnostics: p.diagnostics,
        line_index,
    }
}

struct Parser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    pos: usize,
    depth: usize,
    diagnostics: Vec<Diagnostic>,
    line_starts: Vec<u32>,
}

type R<T> = Result<T, Diagnostic>;

impl<'a> Parser<'a> {
    fn document(&mut self) -> R<Node<'a>> {
        self.ws()?;
        if self.pos >= self.bytes.len() {
            return Err(self.err("the file is empty: expected a JSON object", "", self.pos));
        }
        let node = self.value()?;
        self.ws()?;
        if self.pos < self.bytes.len() {
            return Err(self.err(
                "unexpected text after the end of the JSON value",
                "a JSON file holds exactly one value; remove what follows, or add the missing `,` or `[`",
                self.pos,
            ));
        }
        Ok(node)
    }

    fn err(&self, message: &str, help: &str, at: usize) -> Diagnostic {
        let at = crate::syntax::span::floor_char_boundary(self.text, at);
        let end = self.text[at..]
            .chars()
            .next()
            .map(|c| at + c.len_utf8())
            .unwrap_or(at);
        let d = Diagnostic::new(Code::JsonSyntax, message.to_string(), Span::new(at, end));
        if help.is_empty() {
            d
        } else {
            d.help(help)
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.pos).copied()
    }

    /// Skips JSON whitespace; gives a precise error for the things people put there that JSON
    /// forbids (comments).
    fn ws(&mut self) -> R<()> {
        while let Some(b) = self.peek() {
            match b {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' => {
                    self.pos += 1;
                    self.line_starts.push(self.pos as u32);
                }
                b'/' if matches!(self.bytes.get(self.pos + 1), Some(b'/') | Some(b'*')) => {
                    return Err(self.err(
                        "comments are not allowed in JSON",
                        "remove the comment, or write the config as YAML, where `#` starts a comment",
                        self.pos,
                    ))
                }
                _ => break,
            }
        }
        Ok(())
    }

    fn value(&mut self) -> R<Node<'a>> {
        let start = self.pos;
        match self.peek() {
            Some(b'{') => self.object(),
            Some(b'[') => self.array(),
            Some(b'"') => {
                let s = self.string()?;
                Ok(Node {
                    span: Span::new(start, self.pos),
                    value: Value::Str(s),
                })
            }
            Some(b'-' | b'0'..=b'9') => self.number(),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'\'') => Err(self.err(
                "single quotes are not allowed in JSON",
                "use double quotes: \"like this\"",
                start,
            )),
            Some(b']' | b'}') => Err(self.err(
                "expected a value",
                "a trailing comma is not allowed in JSON; remove the `,` before this bracket",
                start,
            )),
            Some(_) => Err(self.err(
                "expected a JSON value (object, array, string, number, true, false or null)",
                "strings need double quotes in JSON",
                start,
            )),
            None => Err(self.err(
                "the file ends where a value was expected",
                "the file looks cut off; restore its end",
                start,
            )),
        }
    }

    fn literal(&mut self, word: &'static str, value: Value<'a>) -> R<Node<'a>> {
        let start = self.pos;
        if self.bytes[start..].starts_with(word.as_bytes()) {
            self.pos += word.len();
            if !matches!(self.peek(), Some(b) if b.is_ascii_alphanumeric() || b == b'_') {
                return Ok(Node {
                    span: Span::new(start, self.pos),
                    value,
                });
            }
        }
        Err(self.err(
            "expected a JSON value (object, array, string, number, true, false or null)",
            "strings need double quotes in JSON",
            start,
        ))
    }

    fn enter(&mut self, at: usize) -> R<()> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            let mut d = self.err(
                &format!("the JSON is nested deeper than {MAX_DEPTH} levels"),
                "a parent-segment config is at most 6 levels deep and a segment's rule a few more; this file is neither",
                at,
            );
            d.code = Code::ResourceLimit;
            return Err(d);
        }
        Ok(())
    }

    fn object(&mut self) -> R<Node<'a>> {
        let start = self.pos;
        self.enter(start)?;
        self.pos += 1;
        let mut entries: Vec<Entry<'a>> = Vec::new();
        // Linear search is fastest for the small objects configs have; a set takes over for
        // hostile objects with thousands of keys, so duplicate detection stays linear.
        let mut seen: Option<HashSet<Cow<'a, str>>> = None;
        self.ws()?;
        if self.peek() == Some(b'}') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Node {
                span: Span::new(start, self.pos),
                value: Value::Map(entries),
            });
        }
        loop {
            self.ws()?;
            let key_start = self.pos;
            match self.peek() {
                Some(b'"') => {}
                Some(b'}') => {
                    return Err(self.err(
                        "a trailing comma is not allowed in JSON",
                        "remove the `,` before this `}`",
                        key_start,
                    ))
                }
                Some(b'\'') => {
                    return Err(self.err(
                        "single quotes are not allowed in JSON",
                        "write the key in double quotes",
                        key_start,
                    ))
                }
                None => {
                    return Err(self.err(
                        "the file ends inside an object",
                        "the file looks cut off; close the object with `}`",
                        key_start,
                    ))
                }
                Some(_) => {
                    return Err(self.err(
                        "expected a key in double quotes",
                        "JSON object keys are strings: \"key\": value",
                        key_start,
                    ))
                }
            }
            let key = self.string()?;
            let key_span = Span::new(key_start, self.pos);
            self.ws()?;
            if self.peek() != Some(b':') {
                return Err(self.err(
                    "expected `:` after the key",
                    "write the key, a colon, then the value: \"key\": value",
                    self.pos,
                ));
            }
            self.pos += 1;
            self.ws()?;
            let value = self.value()?;
            let first = match &mut seen {
                Some(set) => {
                    if set.contains(&key) {
                        entries.iter().find(|e| e.key == key).map(|e| e.key_span)
                    } else {
                        set.insert(key.clone());
                        None
                    }
                }
                None => entries.iter().find(|e| e.key == key).map(|e| e.key_span),
            };
            if let Some(first) = first {
                self.diagnostics.push(
                    Diagnostic::new(
                        Code::DuplicateKey,
                        format!("the key `{key}` appears twice in the same object"),
                        key_span,
                    )
                    .related(first, "first defined here")
                    .help("keep one of the two entries; JSON readers disagree on which one wins"),
                );
            } else {
                entries.push(Entry {
                    key,
                    key_span,
                    value,
                });
                if seen.is_none() && entries.len() > 32 {
                    seen = Some(entries.iter().map(|e| e.key.clone()).collect());
                }
            }
            self.ws()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'}') => {
                    self.pos += 1;
                    break;
                }
                None => {
                    return Err(self.err(
                        "the file ends inside an object",
                        "the file looks cut off; close the object with `}`",
                        self.pos,
                    ))
                }
                Some(_) => {
                    return Err(self.err(
                        "expected `,` or `}` after an object member",
                        "separate members with commas",
                        self.pos,
                    ))
                }
            }
        }
        self.depth -= 1;
        entries.shrink_to_fit();
        Ok(Node {
            span: Span::new(start, self.pos),
            value: Value::Map(entries),
        })
    }

    fn array(&mut self) -> R<Node<'a>> {
        let start = self.pos;
        self.enter(start)?;
        self.pos += 1;
        let mut items = Vec::new();
        self.ws()?;
        if self.peek() == Some(b']') {
            self.pos += 1;
            self.depth -= 1;
            return Ok(Node {
                span: Span::new(start, self.pos),
                value: Value::Seq(items),
            });
        }
        loop {
            self.ws()?;
            items.push(self.value()?);
            self.ws()?;
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => {
                    self.pos += 1;
                    break;
                }
                None => {
                    return Err(self.err(
                        "the file ends inside an array",
                        "the file looks cut off; close the array with `]`",
                        self.pos,
                    ))
                }
                Some(_) => {
                    return Err(self.err(
                        "expected `,` or `]` after an array element",
                        "separate elements with commas",
                        self.pos,
                    ))
                }
            }
        }
        self.depth -= 1;
        items.shrink_to_fit();
        Ok(Node {
            span: Span::new(start, self.pos),
            value: Value::Seq(items),
        })
    }

    fn number(&mut self) -> R<Node<'a>> {
        let start = self.pos;
        let bad = |p: &Self, at: usize| {
            p.err(
                "malformed number",
                "JSON numbers have no leading zeros, `+`, or trailing `.`; ids belong in quotes: \"167\"",
                at,
            )
        };
        if self.peek() == Some(b'-') {
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => self.pos += 1,
            Some(b'1'..=b'9') => {
                while matches!(self.peek(), Some(b'0'..=b'9')) {
                    self.pos += 1;
                }
            }
            _ => return Err(bad(self, self.pos)),
        }
        if self.peek() == Some(b'.') {
            self.pos += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(bad(self, self.pos));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.pos += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.pos += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(bad(self, self.pos));
            }
            while matches!(self.peek(), Some(b'0'..=b'9')) {
                self.pos += 1;
            }
        }
        if matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'a'..=b'z' | b'A'..=b'Z' | b'_')
        ) {
            return Err(bad(self, self.pos));
        }
        Ok(Node {
            span: Span::new(start, self.pos),
            value: Value::Number(Cow::Borrowed(&self.text[start..self.pos])),
        })
    }

    /// Reads a string starting at the opening quote; borrows when there is no escape.
    fn string(&mut self) -> R<Cow<'a, str>> {
        let open = self.pos;
        self.pos += 1;
        let content_start = self.pos;
        // Fast path: scan to the closing quote; fall back to building a String at the first `\`.
        loop {
            match self.peek() {
                Some(b'"') => {
                    let s = &self.text[content_start..self.pos];
                    self.pos += 1;
                    return Ok(Cow::Borrowed(s));
                }
                Some(b'\\') => break,
                Some(b) if b < 0x20 => return Err(self.control_char(b)),
                Some(_) => self.pos += 1,
                None => return Err(self.unterminated(open)),
            }
        }
        let mut out = String::from(&self.text[content_start..self.pos]);
        loop {
            match self.peek() {
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(Cow::Owned(out));
                }
                Some(b'\\') => {
                    let esc_at = self.pos;
                    self.pos += 1;
                    let c = match self.peek() {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.pos += 1;
                            let hi = self.hex4(esc_at)?;
                            let c = if (0xD800..0xDC00).contains(&hi) {
                                if self.bytes.get(self.pos..self.pos + 2) != Some(b"\\u") {
                                    return Err(self.bad_escape(esc_at));
                                }
                                self.pos += 2;
                                let lo = self.hex4(esc_at)?;
                                if !(0xDC00..0xE000).contains(&lo) {
                                    return Err(self.bad_escape(esc_at));
                                }
                                char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))
                            } else {
                                char::from_u32(hi)
                            };
                            match c {
                                Some(c) => {
                                    out.push(c);
                                    continue;
                                }
                                None => return Err(self.bad_escape(esc_at)),
                            }
                        }
                        _ => return Err(self.bad_escape(esc_at)),
                    };
                    self.pos += 1;
                    out.push(c);
                }
                Some(b) if b < 0x20 => return Err(self.control_char(b)),
                Some(_) => {
                    // Copy the run of plain characters up to the next quote or backslash.
                    let run_start = self.pos;
                    while matches!(self.peek(), Some(b) if b != b'"' && b != b'\\' && b >= 0x20) {
                        self.pos += 1;
                    }
                    out.push_str(&self.text[run_start..self.pos]);
                }
                None => return Err(self.unterminated(open)),
            }
        }
    }

    fn hex4(&mut self, esc_at: usize) -> R<u32> {
        let digits = self
            .text
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| self.bad_escape(esc_at))?;
        let v = u32::from_str_radix(digits, 16).map_err(|_| self.bad_escape(esc_at))?;
        if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(self.bad_escape(esc_at));
        }
        self.pos += 4;
        Ok(v)
    }

    fn bad_escape(&self, at: usize) -> Diagnostic {
        self.err(
            "invalid escape sequence in a string",
            "JSON knows \\\" \\\\ \\/ \\b \\f \\n \\r \\t and \\uXXXX (surrogates in pairs); write a backslash as \\\\",
            at,
        )
    }

    fn control_char(&self, b: u8) -> Diagnostic {
        let (msg, help) = if b == b'\n' || b == b'\r' {
            (
                "a string runs past the end of the line",
                "close the string with `\"` on the same line, or write the line break as \\n",
            )
        } else if b == b'\t' {
            (
                "a raw tab inside a string is not allowed in JSON",
                "write it as \\t",
            )
        } else {
            (
                "a control character inside a string is not allowed in JSON",
                "remove it, or write it as a \\u escape",
            )
        };
        self.err(msg, help, self.pos)
    }

    fn unterminated(&self, open: usize) -> Diagnostic {
        self.err(
            "the file ends inside a string",
            "close the string with `\"`",
            open,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> Node<'_> {
        let p = parse(text);
        assert!(p.diagnostics.is_empty(), "{:?}", p.diagnostics);
        p.root.unwrap()
    }

    fn first_error(text: &str) -> (Code, usize, String) {
        let p = parse(text);
        let d = &p.diagnostics[0];
        (d.code, d.span.start as usize, d.message.clone())
    }

    #[test]
    fn parses_values_with_spans() {
        let text = r#"{"a": [1, -2.5e3, true, null], "b": "x\u00e9\n", "c": {}}"#;
        let root = ok(text);
        let a = root.get("a").unwrap();
        assert_eq!(&text[a.span.range()], "[1, -2.5e3, true, null]");
        let b = root.get("b").unwrap();
        assert_eq!(b.as_str(), Some("xé\n"));
        assert_eq!(&text[b.span.range()], r#""x\u00e9\n""#);
        assert!(matches!(a.as_seq().unwrap()[1].value, Value::Number(ref n) if n == "-2.5e3"));
    }

    #[test]
    fn surrogate_pairs_decode() {
        let root = ok(r#"{"e": "\ud83d\ude00"}"#);
        assert_eq!(root.get("e").unwrap().as_str(), Some("😀"));
        assert_eq!(first_error(r#"{"e": "\ud83d"}"#).0, Code::JsonSyntax);
    }

    #[test]
    fn strict_json_errors_point_at_the_culprit() {
        let (code, at, msg) = first_error("{\n  \"a\": 1,\n}");
        assert_eq!(code, Code::JsonSyntax);
        assert_eq!(at, 12);
        assert!(msg.contains("trailing comma"), "{msg}");
        assert!(first_error("[1,]").2.contains("expected a value"));
        assert!(first_error("{\"a\": 1 // c\n}").2.contains("comments"));
        assert!(first_error("{'a': 1}").2.contains("single quotes"));
        assert!(first_error("{\"a\": 01}").2.contains("malformed number"));
        assert!(first_error("{\"a\": tru}")
            .2
            .contains("expected a JSON value"));
        assert!(first_error("{\"a\": \"x")
            .2
            .contains("ends inside a string"));
        assert!(first_error("{} {}").2.contains("after the end"));
        assert!(first_error("").2.contains("empty"));
    }

    #[test]
    fn duplicate_keys_are_reported_and_the_first_kept() {
        let p = parse(r#"{"a": 1, "a": 2}"#);
        assert_eq!(p.diagnostics.len(), 1);
        assert_eq!(p.diagnostics[0].code, Code::DuplicateKey);
        assert_eq!(p.diagnostics[0].span.start, 9);
        let root = p.root.unwrap();
        assert!(matches!(root.get("a").unwrap().value, Value::Number(ref n) if n == "1"));
    }

    #[test]
    fn deep_nesting_is_refused_without_recursion_blowup() {
        let text = "[".repeat(100_000);
        let (code, at, _) = first_error(&text);
        assert_eq!(code, Code::ResourceLimit);
        assert_eq!(at, MAX_DEPTH);
    }

    #[test]
    fn line_index_from_the_parser_equals_a_full_scan() {
        let text = "{\r\n  \"a\": [1,\n 2],\n\n  \"b\": \"x\"\n}\n";
        let p = parse(text);
        let full = LineIndex::new(text);
        for i in 0..=text.len() as u32 {
            assert_eq!(
                p.line_index.line_col(text, i, crate::ColumnUnit::Chars),
                full.line_col(text, i, crate::ColumnUnit::Chars)
            );
        }
        assert_eq!(p.line_index.line_count(), full.line_count());
    }

    #[test]
    fn bom_is_skipped() {
        ok("\u{feff}{\"a\": 1}");
    }
}
