//! The YAML reader cps shipped until the event-folding reader (`cps_core::yaml`) replaced it:
//! serde-saphyr 2.2 deserialized into the spanned [`Node`] tree through a `deserialize_any`
//! visitor. Kept verbatim (only the `crate::` paths became `cps_core::`) as the reference the
//! differential test (`tests/yaml_differential.rs`) and the `yaml_diff` fuzz target hold the new
//! reader to. serde-saphyr is a dev-dependency only: no shipped build links it.

use cps_core::diagnostics::{Code, Diagnostic};
use cps_core::syntax::span::{LineIndex, Span};
use cps_core::syntax::tree::{Entry, Node, Value};
use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};
use std::borrow::Cow;
use std::fmt;

use cps_core::MAX_DEPTH;

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
        Ok(root) => Ok(with_span(root)),
        Err(err) => Err(cx.error(&err)),
    }
}

struct Cx<'t> {
    index: &'t LineIndex,
    text: &'t str,
}

/// The byte range serde-saphyr recorded. It records bytes for every node of a string source;
/// should one lack them, the node points at the start of the file rather than at a wrong place.
fn span_of(loc: &Location) -> Span {
    let s = loc.span();
    match (s.byte_offset(), s.byte_len()) {
        (Some(start), Some(len)) => Span::new(start as usize, (start + len) as usize),
        _ => Span::empty(0),
    }
}

fn with_span(n: Spanned<YNode<'_>>) -> Node<'_> {
    let mut node = n.value.0;
    node.span = span_of(&n.referenced);
    node
}

impl Cx<'_> {
    fn error(&self, err: &serde_saphyr::Error) -> Diagnostic {
        let (span, line, column) = match err.location() {
            Some(loc) if loc.line() > 0 => {
                let start = self.index.offset_of(self.text, loc.line(), loc.column());
                let span = span_of(&loc);
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
        // Structured variants first; the formatter gives the bare message of the rest. Going
        // through `Display` would also link the snippet renderer, which we never show (we render
        // frames ourselves), into the wasm.
        let mut inner = err;
        while let serde_saphyr::Error::WithSnippet { error, .. }
        | serde_saphyr::Error::AliasError { error, .. } = inner
        {
            inner = error;
        }
        match inner {
            serde_saphyr::Error::DuplicateMappingKey { key, .. } => {
                let key = key.as_deref().unwrap_or("?");
                return Diagnostic::new(
                    Code::DuplicateKey,
                    format!("the key `{key}` appears twice in the same mapping"),
                    span,
                )
                .help("keep one of the two entries; readers disagree on which one wins");
            }
            serde_saphyr::Error::Budget { breach, .. } => {
                return resource_limit(&format!("{breach:?}"), span);
            }
            _ => {}
        }
        let raw = serde_saphyr::MessageFormatter::format_message(
            &serde_saphyr::UserMessageFormatter,
            err,
        );
        let message = clean_message(&raw, line, column);
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

/// A breached budget (its `Debug` name says which) as a diagnostic.
fn resource_limit(what: &str, span: Span) -> Diagnostic {
    let lower = what.to_ascii_lowercase();
    let message = if lower.contains("depth") || lower.contains("nesting") {
        format!("the YAML is nested deeper than {MAX_DEPTH} levels")
    } else if lower.contains("alias") || lower.contains("anchor") || lower.contains("replay") {
        "the file's aliases expand to far more data than a config holds (an alias bomb)".to_string()
    } else if lower.contains("node") || lower.contains("event") || lower.contains("scalar") {
        "the file holds more values than cps reads".to_string()
    } else {
        format!("the file exceeds a safety limit of the YAML reader ({what})")
    };
    Diagnostic::new(Code::ResourceLimit, message, span).help(
        "a parent-segment config needs no deep nesting and few or no aliases; \
         write the values out plainly",
    )
}

fn classify(message: String, span: Span) -> Diagnostic {
    let lower = message.to_ascii_lowercase();
    if lower.contains("recursion limit") || lower.contains("budget") || lower.contains("too many") {
        return resource_limit(&message, span);
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
/// `Spanned` children (keys and values alike). Nodes are built directly, so no second tree
/// exists at any time; each node's own span is set by its parent, which receives it `Spanned`.
struct YNode<'a>(Node<'a>);

impl<'de> Deserialize<'de> for YNode<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(NodeVisitor).map(|value| {
            YNode(Node {
                span: Span::default(),
                value,
            })
        })
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = Value<'de>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_unit<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value<'de>, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value<'de>, D::Error> {
        d.deserialize_any(NodeVisitor)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value<'de>, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value<'de>, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value<'de>, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value<'de>, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }
    fn visit_u128<E>(self, v: u128) -> Result<Value<'de>, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value<'de>, E> {
        Ok(Value::Number(Cow::Owned(v.to_string())))
    }
    fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Borrowed(v)))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Owned(v.to_string())))
    }
    fn visit_string<E>(self, v: String) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Owned(v)))
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<Value<'de>, E> {
        Ok(Value::Str(Cow::Owned(
            String::from_utf8_lossy(v).into_owned(),
        )))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value<'de>, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<YNode<'de>>>()? {
            items.push(with_span(item));
        }
        items.shrink_to_fit();
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value<'de>, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<YNode<'de>>>()? {
            let key_span = span_of(&key.referenced);
            let key = match key.value.0.value {
                Value::Str(s) | Value::Number(s) => s,
                Value::Bool(b) => Cow::Owned(b.to_string()),
                Value::Null => Cow::Borrowed("null"),
                // A list or mapping used as a key: no config has one; "unknown key" names it so.
                Value::Seq(_) | Value::Map(_) => Cow::Borrowed("<complex key>"),
            };
            let value = with_span(map.next_value::<Spanned<YNode<'de>>>()?);
            entries.push(Entry {
                key,
                key_span,
                value,
            });
        }
        entries.shrink_to_fit();
        Ok(Value::Map(entries))
    }
}
