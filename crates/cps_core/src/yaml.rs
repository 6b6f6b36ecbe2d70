//! YAML reader: serde-saphyr's event parser, deserialized into our spanned [`Node`] tree through
//! a `deserialize_any` visitor, so that one pass gives a byte range for every key and value.
//!
//! Why not typed serde structs: typed deserialization stops at the first structural mistake, and
//! we want every problem in one run; the decoder (`decode.rs`) reports them from this tree.

use crate::diagnostic::{Code, Diagnostic};
use crate::span::{LineIndex, Span};
use crate::tree::{Entry, Node, Value};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};
use std::borrow::Cow;
use std::fmt;

/// Nesting deeper than this is refused. A parent-segment config is at most 6 levels deep. The
/// limit is low on purpose: serde's recursive descent costs tens of kilobytes of stack per level
/// in debug builds, and the page runs on wasm's 1 MiB stack.
pub const MAX_DEPTH: usize = 16;

pub fn parse<'a>(text: &'a str, index: &LineIndex) -> Result<Node<'a>, Diagnostic> {
    let mut options = serde_saphyr::Options::default();
    // YAML 1.2 core schema booleans: a column named `NO` or `on` stays a string (the tdx CLI
    // reads YAML the same way).
    options.strict_booleans = true;
    options.duplicate_keys = serde_saphyr::DuplicateKeyPolicy::Error;
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_DEPTH;
    budget.flow_nesting_limit = MAX_DEPTH;
    budget.max_documents = 1;
    // Configs use no anchors at all; a few are allowed for hand-written files, thousands are an
    // attack (alias bombs).
    budget.max_aliases = 1_000;
    budget.max_anchors = 1_000;
    budget.max_recorded_anchor_events = 100_000;
    // Large enough for a 16 MiB config (our input cap), small enough to bound memory.
    budget.max_nodes = 4_000_000;
    budget.max_events = 8_000_000;
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = 100_000;

    let cx = Cx { index, text };
    match serde_saphyr::from_str_with_options::<Spanned<YNode<'a>>>(text, options) {
        Ok(root) => Ok(cx.node(root)),
        Err(err) => Err(cx.error(&err)),
    }
}

struct Cx<'t> {
    index: &'t LineIndex,
    text: &'t str,
}

impl Cx<'_> {
    fn span(&self, loc: &Location) -> Span {
        let s = loc.span();
        match (s.byte_offset(), s.byte_len()) {
            (Some(start), Some(len)) if start <= self.text.len() as u64 => {
                let start = start as usize;
                let end = (start + len as usize).min(self.text.len());
                Span::new(start, end)
            }
            _ => {
                let start = self.index.offset_of(self.text, loc.line(), loc.column());
                Span::empty(start)
            }
        }
    }

    fn node<'a>(&self, n: Spanned<YNode<'a>>) -> Node<'a> {
        let span = self.span(&n.referenced);
        let value = match n.value.0 {
            Raw::Null => Value::Null,
            Raw::Bool(b) => Value::Bool(b),
            Raw::Number(s) => Value::Number(s),
            Raw::Str(s) => Value::Str(s),
            Raw::Seq(items) => Value::Seq(items.into_iter().map(|i| self.node(i)).collect()),
            Raw::Map(entries) => Value::Map(
                entries
                    .into_iter()
                    .map(|(k, v)| {
                        let key_span = self.span(&k.referenced);
                        let key = match k.value.0 {
                            Raw::Str(s) | Raw::Number(s) => s,
                            Raw::Bool(b) => Cow::Owned(b.to_string()),
                            Raw::Null => Cow::Borrowed("null"),
                            // A list or mapping used as a key: keep its text so "unknown key"
                            // can quote it.
                            Raw::Seq(_) | Raw::Map(_) => Cow::Owned(
                                self.text.get(key_span.range()).unwrap_or("?").to_string(),
                            ),
                        };
                        Entry {
                            key,
                            key_span,
                            value: self.node(v),
                        }
                    })
                    .collect(),
            ),
        };
        Node { span, value }
    }

    fn error(&self, err: &serde_saphyr::Error) -> Diagnostic {
        let (span, line, column) = match err.location() {
            Some(loc) if loc.line() > 0 => {
                let start = self.index.offset_of(self.text, loc.line(), loc.column());
                let span = self.span(&loc);
                // Prefer the parser's byte range when it starts where line:column says.
                let span = if span.start as usize == start {
                    span
                } else {
                    Span::empty(start)
                };
                (span, loc.line(), loc.column())
            }
            _ => (Span::empty(self.text.len()), 0, 0),
        };
        let message = clean_message(&err.without_snippet().to_string(), line, column);
        classify(message, span)
    }
}

/// serde-saphyr puts the position into its message text; we show positions ourselves.
fn clean_message(raw: &str, line: u64, column: u64) -> String {
    let mut msg = raw.trim().to_string();
    if let Some(rest) = msg.strip_prefix("error: ") {
        msg = rest.to_string();
    }
    let prefix = format!("line {line} column {column}: ");
    if let Some(rest) = msg.strip_prefix(&prefix) {
        msg = rest.to_string();
    }
    let suffix = format!(" at line {line}, column {column}");
    if let Some(rest) = msg.strip_suffix(&suffix) {
        msg = rest.to_string();
    }
    msg.lines().next().unwrap_or("").trim().to_string()
}

fn classify(message: String, span: Span) -> Diagnostic {
    if let Some(rest) = message.strip_prefix("duplicate mapping key: ") {
        let key = rest.split(", set DuplicateKeyPolicy").next().unwrap_or(rest);
        return Diagnostic::new(
            Code::DuplicateKey,
            format!("the key `{key}` appears twice in the same mapping"),
            span,
        )
        .help("keep one of the two entries; readers disagree on which one wins");
    }
    let lower = message.to_ascii_lowercase();
    if lower.contains("budget") || lower.contains("limit") || lower.contains("too many") {
        let what = if lower.contains("depth") || lower.contains("recursion") || lower.contains("nesting") {
            format!("the YAML is nested deeper than {MAX_DEPTH} levels")
        } else if lower.contains("alias") || lower.contains("anchor") || lower.contains("replay") {
            "the file's aliases expand to far more data than a config holds (an alias bomb)".to_string()
        } else if lower.contains("node") || lower.contains("event") || lower.contains("scalar") {
            "the file holds more values than cps reads".to_string()
        } else {
            format!("the file exceeds a safety limit of the YAML reader ({message})")
        };
        return Diagnostic::new(Code::ResourceLimit, what, span)
        .help(
            "a parent-segment config needs no deep nesting and few or no aliases; \
             write the values out plainly",
        );
    }
    let help = if lower.contains("tab") {
        "YAML indents with spaces only; replace the tab characters with spaces"
    } else if lower.contains("recursive") || lower.contains("alias") || lower.contains("anchor") {
        "write the value out instead of using an alias"
    } else {
        "fix the YAML syntax at this position; cps checks the content once the file parses"
    };
    Diagnostic::new(Code::YamlSyntax, message, span).help(help)
}

/// The deserialization target: a private wrapper so that the visitor can ask serde-saphyr for
/// `Spanned` children (keys and values alike).
struct YNode<'a>(Raw<'a>);

enum Raw<'a> {
    Null,
    Bool(bool),
    Number(Cow<'a, str>),
    Str(Cow<'a, str>),
    Seq(Vec<Spanned<YNode<'a>>>),
    Map(Vec<(Spanned<YNode<'a>>, Spanned<YNode<'a>>)>),
}

impl<'de> Deserialize<'de> for YNode<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(RawVisitor).map(YNode)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw<'de>, E> {
        Ok(Raw::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Raw<'de>, D::Error> {
        d.deserialize_any(RawVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw<'de>, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cow::Owned(v.to_string())))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cow::Owned(v.to_string())))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw<'de>, E> {
        Ok(Raw::Number(Cow::Owned(v.to_string())))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Raw<'de>, E> {
        Ok(Raw::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw<'de>, E> {
        Ok(Raw::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw<'de>, E> {
        Ok(Raw::Str(Cow::Owned(v)))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Raw<'de>, E> {
        Ok(Raw::Str(Cow::Owned(String::from_utf8_lossy(v).into_owned())))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw<'de>, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(64));
        while let Some(item) = seq.next_element()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw<'de>, A::Error> {
        let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0).min(64));
        while let Some(key) = map.next_key()? {
            let value = map.next_value()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}
