//! YAML reader: granit-parser's event stream folded into our spanned [`Node`] tree, with a byte
//! range on every key and value.
//!
//! Why we fold events ourselves rather than deserialize through serde (serde-saphyr, which runs on
//! the same parser): measured on the same machine, the serde layer was most of the cost and most
//! of the size. The fold is 2.5× faster natively, about 5× faster in wasm, and 139 KB smaller
//! gzipped (`../shared/design/yaml-readers.md`, issue 11). Typed serde structs were never an option:
//! they stop at the first structural mistake, and we report every problem in one run from this
//! tree (`decode.rs`).
//!
//! What the fold keeps from the serde-saphyr reader it replaced, which the differential test
//! (`tests/yaml_differential.rs`) and the `yaml_diff` fuzz target check on every input:
//! - the same tree: YAML 1.2 core-schema scalars (`true`/`false` only, so a column named `NO` stays
//!   a string), numbers printed as that reader printed them, tags resolved as it did, merge keys
//!   (`<<`), aliases replayed with the alias's own position on every replayed node;
//! - the same errors at the same positions: the parser's own messages, duplicate keys, and the same
//!   budgets (depth, nodes, aliases, anchors, alias replay), so an alias bomb is refused before it
//!   costs time or memory.

use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::span::{LineIndex, Span};
use crate::syntax::tree::{Entry, Node, Value};
use granit_parser::{ErrorKind, Event, Parser, ScalarStyle, ScanError, Tag};
use std::borrow::Cow;
use std::collections::HashSet;

pub use crate::MAX_DEPTH;

// Budgets. A parent-segment config uses no anchors at all and is far below every one of these;
// they bound time and memory on hostile input. The numbers are those the serde-saphyr reader was
// configured with, so the two readers refuse the same files at the same place.
/// Parser events, counting replayed ones: enough for a 16 MiB config (our input cap).
const MAX_EVENTS: usize = 8_000_000;
/// Scalars, sequences and mappings, counting replayed ones.
const MAX_NODES: usize = 4_000_000;
/// Bytes of scalar text plus tag spellings, counting replayed scalars.
const MAX_SCALAR_BYTES: usize = 64 << 20;
/// Alias uses (`*a`) and anchor definitions (`&a`): a few are fine in a hand-written file,
/// thousands are an attack.
const MAX_ALIASES: usize = 1_000;
const MAX_ANCHORS: usize = 1_000;
/// Events replayed by aliases, in total: the alias-bomb limit.
const MAX_REPLAYED_EVENTS: usize = 100_000;
/// Events copied into anchor definitions (an event inside three anchored nodes is copied three
/// times), and the bytes of owned text those copies carry.
const MAX_ANCHOR_COPIES: usize = 100_000;
const MAX_ANCHOR_COPY_BYTES: usize = 64 << 20;
/// Merge keys (`<<`), counting replayed ones.
const MAX_MERGE_KEYS: usize = 10_000;
/// From this many aliases on, more than this many aliases per anchor is refused at the end.
const RATIO_MIN_ALIASES: usize = 100;
const RATIO_ALIASES_PER_ANCHOR: usize = 10;
/// The parser's own lookahead for a simple key (YAML's limit of 1024 characters).
const SIMPLE_KEY_LOOKAHEAD: usize = 1024;
/// The parser refuses deeper block nesting itself; our depth budget stops far earlier.
const BLOCK_NESTING_LIMIT: usize = 255;

const YAML_NAMESPACE: &str = "tag:yaml.org,2002:";

/// Reads one YAML document into the spanned tree, or the first problem as a diagnostic.
pub fn parse<'a>(text: &'a str, index: &LineIndex) -> Result<Node<'a>, Diagnostic> {
    let mut reader = Reader::new(text);
    match reader.run() {
        Ok(root) => Ok(root),
        Err(fail) => Err(fail.into_diagnostic(text, index)),
    }
}

/// Why reading stopped. Converted to a diagnostic only at the end.
#[derive(Clone, Debug)]
enum Fail {
    /// The parser refused the text.
    Scan(Box<ScanError>),
    /// A budget was exceeded.
    Limit(Limit, Span),
    /// A key that is already in the mapping.
    Duplicate {
        key: Option<String>,
        at: Span,
        first: Option<Span>,
    },
    /// Anything else: a message the user sees as a YAML syntax error.
    Syntax(Cow<'static, str>, Span),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Limit {
    Depth,
    Aliases,
    Documents,
    Values,
}

impl Fail {
    fn into_diagnostic(self, text: &str, index: &LineIndex) -> Diagnostic {
        match self {
            Fail::Scan(err) => {
                let marker = err.marker();
                // granit gives byte offsets for string input; the line:column fallback is for a
                // marker without one (never seen, but a wrong place is worse than a computed one).
                let at = match marker.byte_offset() {
                    Some(b) if b <= text.len() && text.is_char_boundary(b) => b,
                    _ => index.offset_of(text, marker.line() as u64, marker.col() as u64 + 1),
                };
                let span = Span::empty(at);
                match err.kind() {
                    ErrorKind::UnknownAnchor => {
                        Diagnostic::new(Code::YamlSyntax, "reference to unknown value", span)
                            .help("write the value out instead of using an alias")
                    }
                    ErrorKind::RecursionLimitExceeded => resource_limit(Limit::Depth, span),
                    _ => {
                        let info = err.info();
                        let message = info.lines().next().unwrap_or("").trim().to_string();
                        classify(message, span)
                    }
                }
            }
            Fail::Limit(limit, span) => resource_limit(limit, span),
            Fail::Duplicate { key, at, first } => {
                let key = key.as_deref().unwrap_or("?");
                let d = Diagnostic::new(
                    Code::DuplicateKey,
                    format!("the key `{key}` appears twice in the same mapping"),
                    at,
                )
                .help("keep one of the two entries; readers disagree on which one wins");
                match first {
                    Some(first) => d.related(first, "first defined here"),
                    None => d,
                }
            }
            Fail::Syntax(message, span) => classify(message.into_owned(), span),
        }
    }
}

/// A breached budget as a diagnostic.
fn resource_limit(limit: Limit, span: Span) -> Diagnostic {
    let (message, help) = match limit {
        Limit::Depth => (
            format!("the YAML is nested deeper than {MAX_DEPTH} levels"),
            "a parent-segment config is at most 6 levels deep and a segment's rule a few more; flatten the nesting",
        ),
        Limit::Aliases => (
            "the file's aliases expand to far more data than a config holds (an alias bomb)"
                .to_string(),
            "a parent-segment config needs few or no aliases; write the values out plainly",
        ),
        Limit::Documents => (
            "the file holds a second YAML document (after `---`); a config is one document"
                .to_string(),
            "keep one config per file: remove the `---` line and what follows it",
        ),
        Limit::Values => (
            "the file holds more values than cps reads".to_string(),
            "a parent-segment config is a few kilobytes; check that this is the right file",
        ),
    };
    Diagnostic::new(Code::ResourceLimit, message, span).help(help)
}

/// A parser or resolution message as a diagnostic, with the help that fits it.
fn classify(message: String, span: Span) -> Diagnostic {
    let lower = message.to_ascii_lowercase();
    if lower.contains("recursion limit") {
        return resource_limit(Limit::Depth, span);
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

/// What a tag asks for, as the serde-saphyr reader understood tags (`!!str`, `!!int`, …; local and
/// unknown tags are `Other` and leave the value to be resolved as if untagged).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum TagKind {
    None,
    Int,
    Float,
    Bool,
    Null,
    Seq,
    Map,
    TimeStamp,
    Time,
    Binary,
    Str,
    Merge,
    Value,
    NonSpecific,
    Include,
    Degrees,
    Radians,
    Other,
}

/// The node kind a tag requires, if any.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum NodeKind {
    Scalar,
    Seq,
    Map,
}

impl TagKind {
    fn of(tag: Option<&Tag>) -> TagKind {
        let Some(tag) = tag else {
            return TagKind::None;
        };
        for prefix in [
            "!include",
            "tag:yaml.org,2002:include",
            "tag:yaml.org,2002:!include",
        ] {
            if let Some(rest) = tag.suffix_in_namespace(prefix) {
                if rest.is_empty() || rest.starts_with('#') {
                    return TagKind::Include;
                }
            }
        }
        if let Some(core) = tag.core_suffix().and_then(core_name) {
            return core;
        }
        if let Some(suffix) = tag.suffix_in_namespace(YAML_NAMESPACE) {
            match suffix.as_ref() {
                "merge" => return TagKind::Merge,
                "value" => return TagKind::Value,
                other => return tag_name(other.strip_prefix('!').unwrap_or(other)),
            }
        }
        let Some(suffix) = tag.suffix_in_namespace("!") else {
            return TagKind::Other;
        };
        match suffix.as_ref() {
            "" | "!" => TagKind::NonSpecific,
            "!timestamp" => TagKind::TimeStamp,
            "!binary" => TagKind::Binary,
            name => match name.strip_prefix('!') {
                Some(name) => core_name(name).unwrap_or(TagKind::Other),
                None => tag_name(name),
            },
        }
    }

    fn requires(self) -> Option<NodeKind> {
        match self {
            TagKind::Int
            | TagKind::Float
            | TagKind::Bool
            | TagKind::Null
            | TagKind::TimeStamp
            | TagKind::Time
            | TagKind::Binary
            | TagKind::Str
            | TagKind::Merge
            | TagKind::Value
            | TagKind::Include
            | TagKind::Degrees
            | TagKind::Radians => Some(NodeKind::Scalar),
            TagKind::Seq => Some(NodeKind::Seq),
            TagKind::Map => Some(NodeKind::Map),
            TagKind::None | TagKind::NonSpecific | TagKind::Other => None,
        }
    }

    /// Tags whose scalar may be read as text.
    fn textual(self) -> bool {
        matches!(
            self,
            TagKind::None
                | TagKind::Str
                | TagKind::Merge
                | TagKind::Value
                | TagKind::Other
                | TagKind::Include
                | TagKind::NonSpecific
        )
    }

    fn is_core(self) -> bool {
        matches!(
            self,
            TagKind::Int
                | TagKind::Float
                | TagKind::Bool
                | TagKind::Null
                | TagKind::Seq
                | TagKind::Map
                | TagKind::Str
        )
    }
}

fn core_name(name: &str) -> Option<TagKind> {
    Some(match name {
        "null" => TagKind::Null,
        "bool" => TagKind::Bool,
        "int" => TagKind::Int,
        "float" => TagKind::Float,
        "map" => TagKind::Map,
        "seq" => TagKind::Seq,
        "str" => TagKind::Str,
        _ => return None,
    })
}

fn tag_name(name: &str) -> TagKind {
    match name {
        "timestamp" => TagKind::TimeStamp,
        "time" => TagKind::Time,
        "binary" => TagKind::Binary,
        "include" => TagKind::Include,
        "degrees" => TagKind::Degrees,
        "radians" => TagKind::Radians,
        other => core_name(other).unwrap_or(TagKind::Other),
    }
}

/// Refuses a tag on a node of the wrong kind (`!!str [x]`, `!!map x`).
fn check_tag(kind: TagKind, tag: Option<&Tag>, node: NodeKind, at: Span) -> Result<(), Fail> {
    match kind.requires() {
        Some(required) if required != node => Err(Fail::Syntax(
            if kind == TagKind::Include {
                Cow::Borrowed("!include currently only supports the scalar form: !include <path>")
            } else {
                Cow::Owned(format!(
                    "unsupported tag `{}`",
                    tag.map(Tag::original).unwrap_or_default()
                ))
            },
            at,
        )),
        _ => Ok(()),
    }
}

/// Trims the padding the scalar resolvers accept (quoted and tagged scalars can carry it).
fn yaml_trim(s: &str) -> &str {
    s.trim_matches([' ', '\t', '\r', '\n'])
}

fn nullish(value: &str, style: ScalarStyle) -> bool {
    style == ScalarStyle::Plain && matches!(value, "" | "~" | "null" | "Null" | "NULL")
}

/// Whether a scalar reads as null: `!!null`, or a plain `~`/`null`/empty that no tag claims.
fn scalar_is_null(kind: TagKind, value: &str, style: ScalarStyle) -> bool {
    kind == TagKind::Null
        || (!kind.is_core()
            && !matches!(
                kind,
                TagKind::NonSpecific
                    | TagKind::Binary
                    | TagKind::TimeStamp
                    | TagKind::Time
                    | TagKind::Degrees
                    | TagKind::Radians
            )
            && nullish(value, style))
}

fn yaml12_bool(s: &str) -> Option<bool> {
    match yaml_trim(s) {
        "true" | "True" | "TRUE" => Some(true),
        "false" | "False" | "FALSE" => Some(false),
        _ => None,
    }
}

/// Digits with single underscores between them, in `radix`; `None` on anything else or overflow.
fn digits_u128(digits: &str, radix: u32) -> Option<u128> {
    let bytes = digits.as_bytes();
    let mut value: u128 = 0;
    let mut seen = false;
    for (i, &b) in bytes.iter().enumerate() {
        let d = match b {
            b'_' => {
                if i == 0 || bytes[i - 1] == b'_' || i + 1 == bytes.len() || bytes[i + 1] == b'_' {
                    return None;
                }
                continue;
            }
            b'0'..=b'9' => u32::from(b - b'0'),
            b'a'..=b'f' if radix > 10 => 10 + u32::from(b - b'a'),
            b'A'..=b'F' if radix > 10 => 10 + u32::from(b - b'A'),
            _ => return None,
        };
        if d >= radix {
            return None;
        }
        value = value
            .checked_mul(u128::from(radix))?
            .checked_add(u128::from(d))?;
        seen = true;
    }
    seen.then_some(value)
}

/// `0x`, `0o` and `0b` prefixes (either case of the letter); decimal otherwise.
fn radix_and_digits(rest: &str) -> (u32, &str) {
    let bytes = rest.as_bytes();
    if bytes.len() >= 2 && bytes[0] == b'0' {
        match bytes[1] {
            b'x' | b'X' => return (16, &rest[2..]),
            b'o' | b'O' => return (8, &rest[2..]),
            b'b' | b'B' => return (2, &rest[2..]),
            _ => {}
        }
    }
    (10, rest)
}

/// An integer as the YAML 1.2 core schema writes it: sign, then decimal without a redundant
/// leading zero, or a `0x`/`0o`/`0b` literal; underscores between digits.
fn parse_int(s: &str) -> Option<(bool, u128)> {
    let t = yaml_trim(s);
    let (negative, rest) = match t.as_bytes().first() {
        Some(b'+') => (false, &t[1..]),
        Some(b'-') => (true, &t[1..]),
        _ => (false, t),
    };
    let (radix, digits) = radix_and_digits(rest);
    if radix == 10 && digits.starts_with('0') && digits != "0" {
        return None;
    }
    Some((negative, digits_u128(digits, radix)?))
}

/// The integer as an `i64` (a leading `-`) or a `u64`, printed; `None` when it does not fit.
fn int_text(s: &str) -> Option<String> {
    let (negative, magnitude) = parse_int(s)?;
    if yaml_trim(s).starts_with('-') {
        let value = if negative {
            0i128.checked_sub(i128::try_from(magnitude).ok()?)?
        } else {
            i128::try_from(magnitude).ok()?
        };
        i64::try_from(value).ok().map(|v| v.to_string())
    } else {
        u64::try_from(magnitude).ok().map(|v| v.to_string())
    }
}

/// A float as YAML 1.2 writes it (with `.inf`/`.nan`), or a numeral that overflows to infinity.
fn parse_float(s: &str, kind: TagKind) -> Option<f64> {
    let t = yaml_trim(s);
    let (negative, unsigned) = match t.as_bytes().first() {
        Some(b'-') => (true, &t[1..]),
        Some(b'+') => (false, &t[1..]),
        _ => (false, t),
    };
    match unsigned {
        ".nan" | ".NaN" | ".NAN" => {
            // A signed NaN is a number only under an explicit float tag.
            return if t.len() == unsigned.len() || kind == TagKind::Float {
                Some(f64::NAN)
            } else {
                None
            };
        }
        ".inf" | ".Inf" | ".INF" => {
            return Some(if negative {
                f64::NEG_INFINITY
            } else {
                f64::INFINITY
            })
        }
        _ => {}
    }
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() => Some(v),
        // Rust's parser also takes `inf` and `nan`; only numerals count, and those overflow.
        Ok(v) if v.is_infinite() && unsigned.as_bytes().first().is_some_and(u8::is_ascii_digit) => {
            Some(v)
        }
        _ => None,
    }
}

fn float_value<'a>(v: f64, raw: &str, at: Span) -> Result<Value<'a>, Fail> {
    if v.is_finite() {
        Ok(Value::Number(Cow::Owned(display_f64(v))))
    } else {
        Err(Fail::Syntax(
            Cow::Owned(format!("value `{raw}` is not a finite number")),
            at,
        ))
    }
}

/// `v.to_string()` for a finite `v`, which the tree has always held (Rust's `Display`: the
/// shortest digits that read back as `v`, never an exponent, `-0` for negative zero), laid out
/// from serde_json's shortest digits (zmij), which every module links anyway: `Display`'s own
/// float formatting (Grisu, a Dragon fallback and their tables) cost about 6 KB gzipped in each
/// wasm module with YAML (BENCHMARKS.md). Both pick the closest shortest digits; when two are
/// exactly as close, zmij takes the even one and `Display` the larger, which `is_exactly` finds.
fn display_f64(v: f64) -> String {
    let shortest = serde_json::Number::from_f64(v).map_or_else(String::new, |n| n.to_string());
    let (negative, s) = match shortest.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, shortest.as_str()),
    };
    let (mantissa, exponent) = match s.find(['e', 'E']) {
        Some(i) => (
            &s[..i],
            s[i + 1..]
                .trim_start_matches('+')
                .parse::<i32>()
                .unwrap_or(0),
        ),
        None => (s, 0),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all: Vec<u8> = [int, frac].concat().into_bytes();
    let lead = all.iter().take_while(|&&b| b == b'0').count();
    let mut digits: Vec<u8> = all[lead..].to_vec();
    while digits.last() == Some(&b'0') {
        digits.pop();
    }
    // The value is 0.DIGITS × 10^point.
    let mut point = int.len() as i32 + exponent - lead as i32;
    if !digits.is_empty() {
        // The tie: `v` exactly halfway between DIGITS and the next number of as many digits.
        let halfway = digits
            .iter()
            .try_fold(0u64, |n, &d| {
                n.checked_mul(10)?.checked_add(u64::from(d - b'0'))
            })
            .and_then(|n| n.checked_mul(10)?.checked_add(5));
        let at = point - digits.len() as i32 - 1;
        if halfway.is_some_and(|n| is_exactly(v.abs(), n, at)) {
            let mut i = digits.len();
            loop {
                if i == 0 {
                    digits.insert(0, b'1');
                    point += 1;
                    break;
                }
                i -= 1;
                if digits[i] == b'9' {
                    digits[i] = b'0';
                } else {
                    digits[i] += 1;
                    break;
                }
            }
            while digits.last() == Some(&b'0') {
                digits.pop();
            }
        }
    }
    let digits = String::from_utf8(digits).unwrap_or_default();
    let mut out = String::with_capacity(digits.len() + 8);
    if negative {
        out.push('-');
    }
    if digits.is_empty() {
        out.push('0');
    } else if point <= 0 {
        out.push_str("0.");
        out.extend(std::iter::repeat_n('0', point.unsigned_abs() as usize));
        out.push_str(&digits);
    } else if point as usize >= digits.len() {
        out.push_str(&digits);
        out.extend(std::iter::repeat_n('0', point as usize - digits.len()));
    } else {
        let (a, b) = digits.split_at(point as usize);
        out.push_str(a);
        out.push('.');
        out.push_str(b);
    }
    out
}

/// Whether the positive finite `v` is exactly `n × 10^k`, in integers: `v` = m × 2^e with m odd,
/// and 10^k = 2^k × 5^k.
fn is_exactly(v: f64, n: u64, k: i32) -> bool {
    let bits = v.to_bits();
    let (frac, exp) = (bits & ((1 << 52) - 1), ((bits >> 52) & 0x7ff) as i32);
    let (m, e) = if exp == 0 {
        (frac, -1074)
    } else {
        (frac | 1 << 52, exp - 1075)
    };
    if m == 0 || n == 0 {
        return m == n;
    }
    let (m, e) = (m >> m.trailing_zeros(), e + m.trailing_zeros() as i32);
    let (n, twos) = (n >> n.trailing_zeros(), k + n.trailing_zeros() as i32);
    // Odd parts: m = n × 5^k (k ≥ 0), or m × 5^-k = n (k < 0); powers of two: e = twos.
    let five = 5u128.checked_pow(k.unsigned_abs());
    let odd_equal = match five {
        Some(f) if k >= 0 => f.checked_mul(u128::from(n)) == Some(u128::from(m)),
        Some(f) => f.checked_mul(u128::from(m)) == Some(u128::from(n)),
        None => false,
    };
    odd_equal && e == twos
}

fn invalid(what: &'static str, at: Span) -> Fail {
    Fail::Syntax(Cow::Borrowed(what), at)
}

/// A scalar's value: null, boolean, number or string, by its tag, style and text.
fn resolve<'a>(
    value: Cow<'a, str>,
    style: ScalarStyle,
    kind: TagKind,
    at: Span,
) -> Result<Value<'a>, Fail> {
    match kind {
        TagKind::Null => return Ok(Value::Null),
        TagKind::Bool => {
            return yaml12_bool(&value)
                .map(Value::Bool)
                .ok_or_else(|| invalid("invalid boolean (true or false expected)", at))
        }
        TagKind::Int => {
            let signed = yaml_trim(&value).starts_with('-');
            return int_text(&value)
                .map(|n| Value::Number(Cow::Owned(n)))
                .ok_or_else(|| invalid(if signed { "invalid i64" } else { "invalid u64" }, at));
        }
        TagKind::Float => {
            let v =
                parse_float(&value, kind).ok_or_else(|| invalid("invalid floating point", at))?;
            return float_value(v, &value, at);
        }
        // The serde-saphyr reader knew these only with its robotics feature, which cps never had.
        TagKind::Time | TagKind::Degrees | TagKind::Radians => {
            return Err(invalid("invalid floating point", at))
        }
        _ => {}
    }
    if scalar_is_null(kind, &value, style) {
        return Ok(Value::Null);
    }
    if kind == TagKind::Binary {
        return binary_text(&value, at).map(|s| Value::Str(Cow::Owned(s)));
    }
    if !kind.textual() {
        return Err(invalid("cannot deserialize tagged scalar into string", at));
    }
    if style != ScalarStyle::Plain || kind == TagKind::Str || kind == TagKind::NonSpecific {
        return Ok(Value::Str(value));
    }
    resolve_plain(value, kind, at)
}

/// An untagged plain scalar: the YAML 1.2 core schema, in the order the serde-saphyr reader tried
/// it (booleans, integers, floats, else text). A plain scalar has no surrounding blanks.
fn resolve_plain<'a>(value: Cow<'a, str>, kind: TagKind, at: Span) -> Result<Value<'a>, Fail> {
    // Most scalars are names: the first character rules out booleans or numbers for them.
    match value.as_bytes().first() {
        Some(b't' | b'T' | b'f' | b'F') => {
            return Ok(match yaml12_bool(&value) {
                Some(b) => Value::Bool(b),
                None => Value::Str(value),
            })
        }
        Some(b'0'..=b'9' | b'+' | b'-' | b'.') => {}
        _ => return Ok(Value::Str(value)),
    }
    let t = value.as_ref();
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let upper_radix = matches!(unsigned.as_bytes(), [b'0', b'X' | b'O' | b'B', ..]);
    let signed_nan = t.len() != unsigned.len() && matches!(unsigned, ".nan" | ".NaN" | ".NAN");
    if upper_radix || signed_nan {
        return Ok(Value::Str(value));
    }
    // A negative decimal with a redundant leading zero is never an integer (it may be a float).
    if let Some(n) = int_text(t) {
        return Ok(Value::Number(Cow::Owned(n)));
    }
    if let Some(v) = parse_float(t, kind) {
        return float_value(v, t, at);
    }
    Ok(Value::Str(value))
}

/// `!!binary` text: base64 (ASCII whitespace ignored) that decodes to UTF-8.
fn binary_text(s: &str, at: Span) -> Result<String, Fail> {
    let bad = || invalid("invalid !!binary base64", at);
    let cleaned: Vec<u8> = s.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    if !cleaned.len().is_multiple_of(4) {
        return Err(bad());
    }
    let val = |c: u8| -> Option<u32> {
        Some(u32::from(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        }))
    };
    let chunks = cleaned.len() / 4;
    let mut out = Vec::with_capacity(chunks * 3);
    for (i, chunk) in cleaned.chunks_exact(4).enumerate() {
        let pad = chunk.iter().rev().take_while(|&&c| c == b'=').count();
        if pad > 0 && i + 1 != chunks {
            return Err(bad());
        }
        let a = val(chunk[0]).ok_or_else(bad)?;
        let b = val(chunk[1]).ok_or_else(bad)?;
        let c = match chunk[2] {
            b'=' if pad >= 2 => 0,
            b'=' => return Err(bad()),
            c => val(c).ok_or_else(bad)?,
        };
        let d = match chunk[3] {
            b'=' if pad >= 1 => 0,
            b'=' => return Err(bad()),
            c => val(c).ok_or_else(bad)?,
        };
        // Bits the padding drops must be zero (one canonical spelling per byte string).
        if (pad == 2 && b & 0x0F != 0) || (pad == 1 && c & 0x03 != 0) {
            return Err(bad());
        }
        let n = (a << 18) | (b << 12) | (c << 6) | d;
        out.push((n >> 16) as u8);
        if pad < 2 {
            out.push((n >> 8) as u8);
        }
        if pad < 1 {
            out.push(n as u8);
        }
    }
    String::from_utf8(out).map_err(|_| {
        invalid(
            "!!binary scalar is not valid UTF-8 so cannot be stored into string.",
            at,
        )
    })
}

/// The identity of a mapping key for duplicate detection, as the serde-saphyr reader defined it:
/// integers by value (`1` and `0x1` are the same key), other scalars by their text as written and
/// their tag (`"1"` is not the integer `1`, `~` is not `null`), collections by their content.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum KeyId<'a> {
    Int(bool, u128),
    Scalar(Cow<'a, str>, KeyTag),
    /// A sequence or mapping used as a key: its [fingerprint](Reader::fingerprints).
    Complex(String),
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum KeyTag {
    Kind(TagKind),
    Custom(String),
}

impl<'a> KeyId<'a> {
    fn scalar(value: &Cow<'a, str>, style: ScalarStyle, kind: TagKind, tag: Option<&Tag>) -> Self {
        // The usual key, a plain name: only these first characters can make it a number or null.
        if kind == TagKind::None
            && style == ScalarStyle::Plain
            && !matches!(
                value.as_bytes().first(),
                None | Some(b'0'..=b'9' | b'+' | b'-' | b' ' | b'\t' | b'~' | b'n' | b'N')
            )
        {
            return KeyId::Scalar(value.clone(), KeyTag::Kind(TagKind::Str));
        }
        if kind == TagKind::Int || (kind == TagKind::None && style == ScalarStyle::Plain) {
            if let Some((negative, magnitude)) = parse_int(value) {
                // Beyond `i128` a negative integer was not an integer identity.
                if !negative || magnitude <= 1u128 << 127 {
                    return KeyId::Int(negative && magnitude != 0, magnitude);
                }
            }
        }
        let tag = match kind {
            TagKind::Other => KeyTag::Custom(tag.map(ToString::to_string).unwrap_or_default()),
            TagKind::None if nullish(value, style) => KeyTag::Kind(TagKind::Null),
            k if k.textual() => KeyTag::Kind(TagKind::Str),
            k => KeyTag::Kind(k),
        };
        KeyId::Scalar(value.clone(), tag)
    }

    /// The identity as text, for the fingerprint of a collection that holds it.
    fn fingerprint(&self) -> String {
        match self {
            KeyId::Int(negative, magnitude) => {
                format!("i{}{magnitude}", if *negative { "-" } else { "" })
            }
            // Each text with its length before it, so the fingerprint still reads one way (as
            // a quoted `{:?}` did) without linking `str`'s `Debug` escaping into every module.
            KeyId::Scalar(value, KeyTag::Kind(k)) => format!("s{k:?}:{}:{value}", value.len()),
            KeyId::Scalar(value, KeyTag::Custom(t)) => {
                format!("s!{}:{t}:{}:{value}", t.len(), value.len())
            }
            KeyId::Complex(fp) => fp.clone(),
        }
    }
}

/// The tag part of a collection's fingerprint: untagged and `!!seq`/`!!map` alike, a custom tag
/// by its resolved spelling.
fn collection_tag(kind: TagKind, tag: Option<&Tag>, node: NodeKind) -> String {
    match (kind, tag) {
        (TagKind::Other, Some(t)) => format!("!{t}"),
        (TagKind::Map, Some(t)) if t.to_string() == "!map" => "!!map".to_string(),
        (TagKind::None | TagKind::NonSpecific, _) => format!("{node:?}"),
        (k, _) => format!("{k:?}"),
    }
}

/// The key text our tree keeps for a key node.
fn key_text<'a>(value: Value<'a>) -> Cow<'a, str> {
    match value {
        Value::Str(s) | Value::Number(s) => s,
        Value::Bool(b) => Cow::Borrowed(if b { "true" } else { "false" }),
        Value::Null => Cow::Borrowed("null"),
        // A list or mapping used as a key: no config has one; "unknown key" names it so.
        Value::Seq(_) | Value::Map(_) => Cow::Borrowed("<complex key>"),
    }
}

/// Running totals of what anchors record, so that an anchored node knows what replaying it costs.
#[derive(Clone, Copy, Default)]
struct Totals {
    /// Events an anchor records: nodes, collection ends and replayed events (not alias uses,
    /// stream or document markers).
    recorded: usize,
    nodes: usize,
    /// Scalar text: what a replay costs the scalar budget (tags are not replayed).
    replay_bytes: usize,
    /// Owned (unescaped) text and tag spellings: what copying an event into an anchor costs.
    owned_bytes: usize,
    merge_keys: usize,
}

impl Totals {
    fn since(self, start: Totals) -> Totals {
        Totals {
            recorded: self.recorded - start.recorded,
            nodes: self.nodes - start.nodes,
            replay_bytes: self.replay_bytes - start.replay_bytes,
            owned_bytes: self.owned_bytes - start.owned_bytes,
            merge_keys: self.merge_keys - start.merge_keys,
        }
    }
}

/// A scalar's identity as a key, and its text as the duplicate-key message shows it (none for
/// a tag that makes it a non-string, as `!!int 1`).
#[derive(Clone)]
struct ScalarKey<'a> {
    id: KeyId<'a>,
    shown: Option<Cow<'a, str>>,
    /// Whether it is a merge key (`<<`) when used as a key.
    merge: bool,
}

/// What a merge key needs to know about a node besides the node itself: the identities of a
/// mapping's keys (merged entries are skipped when the mapping already has the key, by identity,
/// not by text), the errors held back in each entry, and the error that processing the node as a
/// merge value raises.
#[derive(Clone)]
enum Meta<'a> {
    Map {
        ids: Vec<KeyId<'a>>,
        held: Vec<Option<Fail>>,
        merge: Option<Fail>,
    },
    Seq(Vec<Meta<'a>>),
    /// A scalar, and where it is written.
    Scalar(Span),
    Null,
    /// An alias to a node still being read, held back as this error.
    Recursive(Fail),
}

/// Entries a merge key brings, each with its key's identity and its held-back error.
type Merged<'a> = Vec<(Entry<'a>, KeyId<'a>, Option<Fail>)>;

/// An anchored node, ready to be replayed by its aliases.
struct Anchor<'a> {
    node: Node<'a>,
    /// Its key identity, when it is a scalar (a replayed scalar key compares as the original).
    key: Option<ScalarKey<'a>>,
    extra: Extra<'a>,
    /// What replaying it adds to the totals, and how deep it nests.
    cost: Totals,
    height: usize,
    /// Where its events are in [`Reader::positions`].
    positions: std::ops::Range<usize>,
}

/// A collection being read.
struct Frame<'a> {
    span: Span,
    anchor: usize,
    /// Totals before the collection started, for an anchored collection's replay cost.
    start: Totals,
    /// Where its events start in [`Reader::positions`] (anchored collections).
    first_position: usize,
    /// Nesting below this collection (0 when it holds only scalars).
    height: usize,
    /// Whether the finished collection keeps its [`Meta`] (anchored, inside an anchor, or inside
    /// a merge value).
    keep_meta: bool,
    /// Inside the value of a merge key written in place, or inside a key. The serde-saphyr reader
    /// copied such a node whole before it looked at it: it checked a key once the key ended, it
    /// checked a merge value's keys once the value ended, and it met the errors inside merged
    /// entries only when it deserialized them at the end of the receiving mapping (and never in an
    /// entry the mapping overrides). Errors here are held back to be raised at those points.
    held: bool,
    /// The first error held back in this collection, in the order reading it as a value meets
    /// them.
    poison: Option<Box<Fail>>,
    /// The fingerprints of its items or entries, when it is (inside) a key or an anchor.
    fingerprints: Option<Box<Fingerprints>>,
    kind: FrameKind<'a>,
}

/// A collection's content as key identity: the serde-saphyr reader compared keys that are
/// collections by their tag and content as written (mapping entries in any order).
struct Fingerprints {
    tag: String,
    items: Vec<String>,
    /// A mapping's key, waiting for its value.
    key: Option<String>,
}

impl Fingerprints {
    fn finish(mut self, node: NodeKind) -> String {
        if node == NodeKind::Map {
            crate::sort::sort_by(&mut self.items, String::cmp);
            format!("{{{}|{}}}", self.tag, self.items.join(","))
        } else {
            format!("[{}|{}]", self.tag, self.items.join(","))
        }
    }
}

enum FrameKind<'a> {
    Seq {
        items: Vec<Node<'a>>,
        /// The items' [`Meta`], when the sequence keeps its own.
        metas: Vec<Meta<'a>>,
        /// A merge key's list value: the entries of its items, merged as each item ends.
        merge: Option<Merged<'a>>,
    },
    Map(MapFrame<'a>),
}

enum PendingKey<'a> {
    Key {
        text: Cow<'a, str>,
        span: Span,
        id: KeyId<'a>,
        held: Option<Box<Fail>>,
    },
    /// A merge key (`<<`): its value is merged rather than stored.
    Merge,
}

#[derive(Default)]
struct MapFrame<'a> {
    entries: Vec<Entry<'a>>,
    /// Key identities other than the usual one, a string key written as its text
    /// (`KeyId::Scalar(key, Str)`), by entry index. Most mappings have none.
    odd: Vec<(usize, KeyId<'a>)>,
    /// Every key identity, once the mapping is large enough for lookups to be worth hashing.
    /// Boxed: the set is rare, and every open mapping carries this field.
    #[allow(clippy::box_collection)]
    index: Option<Box<HashSet<KeyId<'a>>>>,
    /// A key read, waiting for its value.
    key: Option<PendingKey<'a>>,
    /// What only merges and held mappings need.
    rare: Option<Box<MapRare<'a>>>,
}

#[derive(Default)]
struct MapRare<'a> {
    /// Each entry's held-back error (held mappings only).
    held: Vec<Option<Fail>>,
    /// Entries from merge keys, in order, applied when the mapping ends.
    merged: Merged<'a>,
    /// Held mappings: the first error a merge key's value raised and the first duplicate key,
    /// which processing this mapping as a merge value raises in that order.
    merge_error: Option<Fail>,
    dup_error: Option<Fail>,
}

/// What a finished node carries besides itself, when anything: rare enough to be boxed.
#[derive(Clone, Default)]
struct Extra<'a> {
    meta: Option<Meta<'a>>,
    /// The first error held back inside the node.
    poison: Option<Fail>,
    /// A merge key's list value: the entries its items gave.
    merged: Option<Merged<'a>>,
    /// Its fingerprint, when its parent keeps them or it is anchored.
    fingerprint: Option<String>,
}

impl<'a> Extra<'a> {
    fn boxed(self) -> Option<Box<Extra<'a>>> {
        let empty = self.meta.is_none()
            && self.poison.is_none()
            && self.merged.is_none()
            && self.fingerprint.is_none();
        (!empty).then(|| Box::new(self))
    }
}

/// A finished node on its way to its parent.
struct Done<'a> {
    node: Node<'a>,
    /// Where the node is written: its own span, or for an alias the anchored node's (a duplicate
    /// key is reported where the key is written).
    defined: Span,
    key: Option<ScalarKey<'a>>,
    height: usize,
    extra: Option<Box<Extra<'a>>>,
}

struct Reader<'a> {
    text: &'a str,
    stack: Vec<Frame<'a>>,
    anchors: Vec<Option<Anchor<'a>>>,
    /// Anchored collections currently open: every event is copied into each of them.
    open_anchors: usize,
    root: Option<Node<'a>>,
    totals: Totals,
    /// Budget counters (see the constants).
    events: usize,
    scalar_bytes: usize,
    documents: usize,
    aliases: usize,
    anchor_count: usize,
    replayed: usize,
    anchor_copies: usize,
    anchor_copy_bytes: usize,
    /// The last event's position: where a stream without a document, or a budget checked at the
    /// end, is reported.
    end: Span,
    /// The position of every event recorded into an open anchor, in order (replayed events
    /// included, at their own positions): where an alias replay that goes over its budget
    /// mid-way is reported when the replay is being read whole (see [`Reader::alias`]).
    positions: Vec<Span>,
    /// Spare buffers for the items and entries of open collections: a collection is gathered in
    /// one and copied out at its end into a vector of its exact size, which saves the growing and
    /// shrinking of a vector per collection.
    item_buffers: Vec<Vec<Node<'a>>>,
    entry_buffers: Vec<Vec<Entry<'a>>>,
}

fn span_of(span: &granit_parser::Span) -> Span {
    match span.byte_range() {
        Some(r) => Span::new(r.start, r.end),
        None => Span::empty(0),
    }
}

fn tag_len(tag: Option<&Tag>) -> usize {
    tag.map_or(0, |t| {
        let (handle, suffix) = t.parts();
        handle.len() + suffix.len()
    })
}

/// What copying an event into an anchor costs in owned bytes: unescaped text and the tag
/// spelling the serde-saphyr reader kept with it.
fn owned_len(value: Option<&Cow<'_, str>>, tag: Option<&Tag>) -> usize {
    let value = match value {
        Some(Cow::Owned(s)) => s.len(),
        _ => 0,
    };
    value + tag.map_or(0, |t| t.to_string().len())
}

/// Stands in for an error that cannot be missing (keeps the reader free of panics).
fn unreachable_fail(at: Span) -> Fail {
    invalid("internal error in the YAML reader", at)
}

fn not_mergeable(at: Span) -> Fail {
    invalid(
        "YAML merge value must be mapping or sequence of mappings",
        at,
    )
}

fn scalar_meta(node: &Node<'_>, defined: Span) -> Meta<'static> {
    match node.value {
        Value::Null => Meta::Null,
        _ => Meta::Scalar(defined),
    }
}

/// The usual identity of a key with this text: a string written as itself.
fn is_plain_id(id: &KeyId<'_>, text: &str) -> bool {
    matches!(id, KeyId::Scalar(v, KeyTag::Kind(TagKind::Str)) if same_str(v, text))
}

/// String equality that skips comparing the bytes of two slices of the same text.
fn same_str(a: &str, b: &str) -> bool {
    a.len() == b.len() && (a.as_ptr() == b.as_ptr() || a == b)
}

/// The entries a merge key's value brings: a mapping's entries, each item's for a list, nothing
/// for null; anything else is refused. Merged keys and values take the position the merge refers
/// to them from: the alias, or the mapping written in place (inside a nested list, the item of
/// the merge key's list that holds it).
fn merge_unit<'a>(
    node: &Node<'a>,
    meta: Option<&Meta<'a>>,
    defined: Span,
    at: Option<Span>,
) -> Result<Merged<'a>, Fail> {
    if let Some(Meta::Recursive(e)) = meta {
        return Err(e.clone());
    }
    match &node.value {
        Value::Null => Ok(Vec::new()),
        Value::Map(entries) => {
            let (ids, held) = match meta {
                Some(Meta::Map { merge: Some(e), .. }) => return Err(e.clone()),
                Some(Meta::Map { ids, held, .. }) => (&ids[..], &held[..]),
                _ => (&[][..], &[][..]),
            };
            let at = at.unwrap_or(node.span);
            Ok(entries
                .iter()
                .enumerate()
                .map(|(i, e)| {
                    let mut e = e.clone();
                    let id = ids.get(i).cloned().unwrap_or_else(|| {
                        KeyId::Scalar(e.key.clone(), KeyTag::Kind(TagKind::Str))
                    });
                    e.key_span = at;
                    respan(&mut e.value, at);
                    (e, id, held.get(i).cloned().flatten())
                })
                .collect())
        }
        Value::Seq(items) => {
            let metas = match meta {
                Some(Meta::Seq(metas)) => &metas[..],
                _ => &[][..],
            };
            let mut out = Vec::new();
            for (i, item) in items.iter().enumerate() {
                let item_meta = metas.get(i);
                let item_defined = match item_meta {
                    Some(Meta::Scalar(d)) => *d,
                    _ => item.span,
                };
                let item_at = Some(at.unwrap_or(node.span));
                out.extend(merge_unit(item, item_meta, item_defined, item_at)?);
            }
            Ok(out)
        }
        _ => Err(not_mergeable(defined)),
    }
}

impl<'a> Reader<'a> {
    fn new(text: &'a str) -> Self {
        Reader {
            text,
            stack: Vec::new(),
            anchors: Vec::new(),
            open_anchors: 0,
            root: None,
            totals: Totals::default(),
            events: 0,
            scalar_bytes: 0,
            documents: 0,
            aliases: 0,
            anchor_count: 0,
            replayed: 0,
            anchor_copies: 0,
            anchor_copy_bytes: 0,
            end: Span::empty(text.len()),
            positions: Vec::new(),
            item_buffers: Vec::new(),
            entry_buffers: Vec::new(),
        }
    }

    fn run(&mut self) -> Result<Node<'a>, Fail> {
        let mut options = granit_parser::Options::default();
        options.simple_key_max_lookahead = SIMPLE_KEY_LOOKAHEAD;
        options.flow_nesting_limit = MAX_DEPTH;
        options.block_nesting_limit = BLOCK_NESTING_LIMIT;
        options.set_emit_comments(false);
        let parser = Parser::new_from_str_with_options(self.text, options);
        for item in parser {
            let (event, span) = item.map_err(|e| Fail::Scan(Box::new(e)))?;
            let at = span_of(&span);
            self.end = at;
            self.events += 1;
            if self.events > MAX_EVENTS {
                return Err(Fail::Limit(Limit::Values, at));
            }
            match event {
                Event::Scalar(value, style, anchor, tag) => {
                    self.scalar(value, style, anchor, tag.as_deref(), at)?
                }
                Event::SequenceStart(_, anchor, tag) => {
                    self.start(anchor, tag.as_deref(), NodeKind::Seq, at)?
                }
                Event::MappingStart(_, anchor, tag) => {
                    self.start(anchor, tag.as_deref(), NodeKind::Map, at)?
                }
                Event::SequenceEnd | Event::MappingEnd => self.end_collection(at)?,
                Event::Alias(id) => self.alias(id, at)?,
                Event::DocumentStart(..) => {
                    self.documents += 1;
                    if self.documents > 1 {
                        return Err(Fail::Limit(Limit::Documents, at));
                    }
                }
                _ => {}
            }
        }
        if self.aliases >= RATIO_MIN_ALIASES
            && self.aliases > RATIO_ALIASES_PER_ANCHOR.saturating_mul(self.anchor_count)
        {
            return Err(Fail::Limit(Limit::Aliases, self.end));
        }
        // A stream without a document (empty, or only comments) reads as null at its end.
        Ok(self.root.take().unwrap_or(Node {
            span: self.end,
            value: Value::Null,
        }))
    }

    /// Counts a scalar or the start of a collection against the node, scalar-byte and anchor
    /// budgets.
    fn count_node(
        &mut self,
        anchor: usize,
        tag: Option<&Tag>,
        bytes: usize,
        at: Span,
    ) -> Result<(), Fail> {
        self.totals.nodes += 1;
        self.totals.recorded += 1;
        if self.totals.nodes > MAX_NODES {
            return Err(Fail::Limit(Limit::Values, at));
        }
        self.scalar_bytes = self.scalar_bytes.saturating_add(bytes + tag_len(tag));
        if self.scalar_bytes > MAX_SCALAR_BYTES {
            return Err(Fail::Limit(Limit::Values, at));
        }
        if anchor != 0 {
            self.anchor_count += 1;
            if self.anchor_count > MAX_ANCHORS {
                return Err(Fail::Limit(Limit::Aliases, at));
            }
        }
        Ok(())
    }

    /// Charges copying `events` events that carry `bytes` owned bytes into each of `copies`
    /// anchors.
    fn copy_into_anchors(
        &mut self,
        copies: usize,
        events: usize,
        bytes: usize,
        at: Span,
    ) -> Result<(), Fail> {
        if copies == 0 {
            return Ok(());
        }
        self.anchor_copies = self
            .anchor_copies
            .saturating_add(copies.saturating_mul(events));
        self.anchor_copy_bytes = self
            .anchor_copy_bytes
            .saturating_add(copies.saturating_mul(bytes));
        if self.anchor_copies > MAX_ANCHOR_COPIES || self.anchor_copy_bytes > MAX_ANCHOR_COPY_BYTES
        {
            return Err(Fail::Limit(Limit::Aliases, at));
        }
        Ok(())
    }

    fn count_merge_key(&mut self, at: Span) -> Result<(), Fail> {
        self.totals.merge_keys += 1;
        if self.totals.merge_keys > MAX_MERGE_KEYS {
            return Err(Fail::Limit(Limit::Values, at));
        }
        Ok(())
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame { kind: FrameKind::Map(m), .. }) if m.key.is_none())
    }

    /// Whether the current collection keeps its children's fingerprints.
    fn keeps_fingerprints(&self) -> bool {
        self.stack.last().is_some_and(|f| f.fingerprints.is_some())
    }

    /// Whether the current collection keeps its children's [`Meta`].
    fn keeps_meta(&self) -> bool {
        match self.stack.last() {
            Some(Frame {
                kind: FrameKind::Map(m),
                ..
            }) => matches!(m.key, Some(PendingKey::Merge)),
            Some(f) => f.keep_meta,
            None => false,
        }
    }

    /// Whether the next node is a merge key's value.
    fn merge_value_next(&self) -> bool {
        matches!(self.stack.last(), Some(Frame { kind: FrameKind::Map(m), .. }) if matches!(m.key, Some(PendingKey::Merge)))
    }

    /// Whether errors in the next node are held back (see [`Frame::held`]).
    fn held(&self) -> bool {
        self.stack.last().is_some_and(|f| f.held) || self.merge_value_next()
    }

    /// Whether errors in a collection starting now are held back: also when it is a key.
    fn held_collection(&self) -> bool {
        self.held() || self.expecting_key()
    }

    fn scalar(
        &mut self,
        value: Cow<'a, str>,
        style: ScalarStyle,
        anchor: usize,
        tag: Option<&Tag>,
        at: Span,
    ) -> Result<(), Fail> {
        self.count_node(anchor, tag, value.len(), at)?;
        if anchor == 0 && tag.is_none() && self.open_anchors == 0 {
            // The usual scalar, a plain value in a collection read as it comes, goes straight in.
            // (Outside anchors the replay totals are not needed.)
            if let Some(Frame {
                held: false,
                fingerprints: None,
                keep_meta: false,
                kind,
                ..
            }) = self.stack.last_mut()
            {
                match kind {
                    FrameKind::Seq {
                        items, merge: None, ..
                    } => {
                        let value = resolve(value, style, TagKind::None, at)?;
                        items.push(Node { span: at, value });
                        return Ok(());
                    }
                    FrameKind::Map(map) if matches!(map.key, Some(PendingKey::Key { .. })) => {
                        if let Some(PendingKey::Key { text, span, id, .. }) = map.key.take() {
                            let value = resolve(value, style, TagKind::None, at)?;
                            let entry = Entry {
                                key: text,
                                key_span: span,
                                value: Node { span: at, value },
                            };
                            map.push(entry, id, None);
                        }
                        return Ok(());
                    }
                    _ => {}
                }
            }
        }
        let kind = TagKind::of(tag);
        let is_key = self.expecting_key();
        let merge = value == "<<"
            && (kind == TagKind::Merge || tag.is_none() && style == ScalarStyle::Plain);
        if is_key && merge {
            self.count_merge_key(at)?;
        }
        check_tag(kind, tag, NodeKind::Scalar, at)?;
        let owned = owned_len(Some(&value), tag);
        self.copy_into_anchors(self.open_anchors + usize::from(anchor != 0), 1, owned, at)?;
        let len = value.len();
        self.totals.replay_bytes += len;
        self.totals.owned_bytes += owned;
        let key = (is_key || anchor != 0).then(|| ScalarKey {
            id: KeyId::scalar(&value, style, kind, tag),
            shown: kind.textual().then(|| value.clone()),
            merge,
        });
        // Anything beyond the node is rare: built only when needed.
        let mut extra: Option<Box<Extra<'a>>> = None;
        if anchor != 0 || self.keeps_fingerprints() {
            extra.get_or_insert_with(Box::default).fingerprint = Some(match &key {
                Some(k) => k.id.fingerprint(),
                None => KeyId::scalar(&value, style, kind, tag).fingerprint(),
            });
        }
        let value = match resolve(value, style, kind, at) {
            Ok(v) => v,
            // A placeholder that is neither null nor a collection, as the scalar was not.
            Err(e) if self.held() => {
                extra.get_or_insert_with(Box::default).poison = Some(e);
                Value::Str(Cow::Borrowed(""))
            }
            Err(e) => return Err(e),
        };
        let node = Node { span: at, value };
        if anchor != 0 || self.keeps_meta() {
            extra.get_or_insert_with(Box::default).meta = Some(scalar_meta(&node, at));
        }
        if anchor != 0 || self.open_anchors > 0 {
            self.positions.push(at);
        }
        if anchor != 0 {
            let last = self.positions.len();
            self.set_anchor(
                anchor,
                Anchor {
                    node: node.clone(),
                    key: key.clone(),
                    extra: extra.as_deref().cloned().unwrap_or_default(),
                    cost: Totals {
                        recorded: 1,
                        nodes: 1,
                        replay_bytes: len,
                        owned_bytes: owned,
                        merge_keys: 0,
                    },
                    height: 0,
                    positions: last - 1..last,
                },
            );
        }
        self.deliver(Done {
            node,
            defined: at,
            key,
            height: 0,
            extra,
        })
    }

    fn start(
        &mut self,
        anchor: usize,
        tag: Option<&Tag>,
        kind: NodeKind,
        at: Span,
    ) -> Result<(), Fail> {
        let start = self.totals;
        self.count_node(anchor, tag, 0, at)?;
        if self.stack.len() >= MAX_DEPTH {
            return Err(Fail::Limit(Limit::Depth, at));
        }
        check_tag(TagKind::of(tag), tag, kind, at)?;
        let owned = owned_len(None, tag);
        let merge_value = self.merge_value_next();
        let held = self.held_collection();
        let keep_meta = anchor != 0 || self.open_anchors > 0 || held;
        let fingerprints = (anchor != 0
            || self.open_anchors > 0
            || self.expecting_key()
            || self.keeps_fingerprints())
        .then(|| {
            Box::new(Fingerprints {
                tag: collection_tag(TagKind::of(tag), tag, kind),
                items: Vec::new(),
                key: None,
            })
        });
        if anchor != 0 {
            self.open_anchors += 1;
        }
        self.copy_into_anchors(self.open_anchors, 1, owned, at)?;
        self.totals.owned_bytes += owned;
        let first_position = self.positions.len();
        if self.open_anchors > 0 {
            self.positions.push(at);
        }
        self.stack.push(Frame {
            span: at,
            anchor,
            start,
            first_position,
            height: 0,
            keep_meta,
            held,
            poison: None,
            fingerprints,
            kind: match kind {
                NodeKind::Seq => FrameKind::Seq {
                    items: self.item_buffers.pop().unwrap_or_default(),
                    metas: Vec::new(),
                    merge: merge_value.then(Vec::new),
                },
                _ => FrameKind::Map(MapFrame {
                    entries: self.entry_buffers.pop().unwrap_or_default(),
                    ..MapFrame::default()
                }),
            },
        });
        Ok(())
    }

    fn end_collection(&mut self, at: Span) -> Result<(), Fail> {
        self.totals.recorded += 1;
        self.copy_into_anchors(self.open_anchors, 1, 0, at)?;
        if self.open_anchors > 0 {
            self.positions.push(at);
        }
        let Some(frame) = self.stack.pop() else {
            return Ok(());
        };
        let mut extra = Extra {
            poison: frame.poison.map(|p| *p),
            ..Extra::default()
        };
        let value = match frame.kind {
            FrameKind::Seq {
                items,
                metas,
                merge,
            } => {
                extra.fingerprint = frame.fingerprints.map(|f| f.finish(NodeKind::Seq));
                if frame.keep_meta {
                    extra.meta = Some(Meta::Seq(metas));
                }
                extra.merged = merge;
                Value::Seq(exact_size(items, &mut self.item_buffers))
            }
            FrameKind::Map(map) => {
                extra.fingerprint = frame.fingerprints.map(|f| f.finish(NodeKind::Map));
                let finished = map.finish(frame.held, frame.keep_meta);
                if let Some(p) = finished.kept_poison {
                    // The merged entries are deserialized when the mapping ends.
                    if !frame.held {
                        return Err(p);
                    }
                    extra.poison.get_or_insert(p);
                }
                if frame.keep_meta {
                    extra.meta = Some(Meta::Map {
                        ids: finished.ids,
                        held: finished.held,
                        merge: finished.merge_error,
                    });
                }
                Value::Map(exact_size(finished.entries, &mut self.entry_buffers))
            }
        };
        let node = Node {
            span: frame.span,
            value,
        };
        let height = frame.height + 1;
        if frame.anchor != 0 {
            self.open_anchors -= 1;
            self.set_anchor(
                frame.anchor,
                Anchor {
                    node: node.clone(),
                    key: None,
                    extra: extra.clone(),
                    cost: self.totals.since(frame.start),
                    height,
                    positions: frame.first_position..self.positions.len(),
                },
            );
        }
        self.deliver(Done {
            defined: node.span,
            node,
            key: None,
            height,
            extra: extra.boxed(),
        })
    }

    fn anchor(&self, id: usize) -> Option<&Anchor<'a>> {
        self.anchors.get(id).and_then(Option::as_ref)
    }

    fn set_anchor(&mut self, id: usize, anchor: Anchor<'a>) {
        if id >= self.anchors.len() {
            self.anchors.resize_with(id + 8, || None);
        }
        self.anchors[id] = Some(anchor);
    }

    /// An alias: a copy of the anchored node, checked against the budgets before it is made.
    fn alias(&mut self, id: usize, at: Span) -> Result<(), Fail> {
        self.aliases += 1;
        if self.aliases > MAX_ALIASES {
            return Err(Fail::Limit(Limit::Aliases, at));
        }
        if self.stack.iter().any(|f| f.anchor == id) {
            let e = invalid("Recursive reference not allowed here", at);
            if !self.held() {
                return Err(e);
            }
            let node = Node {
                span: at,
                value: Value::Str(Cow::Borrowed("")),
            };
            let extra = Extra {
                meta: Some(Meta::Recursive(e.clone())),
                poison: Some(e),
                merged: None,
                fingerprint: Some(format!("r{id}")),
            };
            return self.deliver(Done {
                node,
                defined: at,
                key: None,
                height: 0,
                extra: extra.boxed(),
            });
        }
        let Some((cost, height, merge, defined, positions)) = self.anchor(id).map(|a| {
            let merge = a.key.as_ref().is_some_and(|k| k.merge);
            (a.cost, a.height, merge, a.node.span, a.positions.clone())
        }) else {
            return Err(invalid("reference to unknown value", at));
        };
        if self.replayed.saturating_add(cost.recorded) > MAX_REPLAYED_EVENTS {
            // The serde-saphyr reader counted replayed events one by one and pointed at the event
            // that went over: at the anchored node when it was the first, else at the alias, or,
            // where it read the replay whole (a key, a merge key's value), at that event.
            let over = MAX_REPLAYED_EVENTS.saturating_sub(self.replayed);
            let place = if over == 0 {
                defined
            } else if self.held_collection() {
                self.positions
                    .get(positions.start + over)
                    .copied()
                    .unwrap_or(at)
            } else {
                at
            };
            return Err(Fail::Limit(Limit::Aliases, place));
        }
        self.replayed += cost.recorded;
        self.events = self.events.saturating_add(cost.recorded);
        self.scalar_bytes = self.scalar_bytes.saturating_add(cost.replay_bytes);
        self.totals.recorded += cost.recorded;
        self.totals.nodes += cost.nodes;
        self.totals.merge_keys += cost.merge_keys;
        if self.events > MAX_EVENTS
            || self.totals.nodes > MAX_NODES
            || self.scalar_bytes > MAX_SCALAR_BYTES
            || self.totals.merge_keys > MAX_MERGE_KEYS
        {
            return Err(Fail::Limit(Limit::Values, at));
        }
        if self.stack.len() + height > MAX_DEPTH {
            return Err(Fail::Limit(Limit::Depth, at));
        }
        self.copy_into_anchors(self.open_anchors, cost.recorded, cost.owned_bytes, at)?;
        if self.open_anchors > 0 {
            self.positions.extend_from_within(positions);
        }
        self.totals.replay_bytes += cost.replay_bytes;
        self.totals.owned_bytes += cost.owned_bytes;
        if merge && self.expecting_key() {
            self.count_merge_key(at)?;
        }
        let Some(anchor) = self.anchor(id) else {
            return Err(invalid("reference to unknown value", at));
        };
        let done = Done {
            node: replay(&anchor.node, at),
            defined,
            key: anchor.key.clone(),
            height,
            extra: anchor.extra.clone().boxed(),
        };
        self.deliver(done)
    }

    /// Hands a finished node to its parent: an item, a key, a value, or the document root.
    fn deliver(&mut self, done: Done<'a>) -> Result<(), Fail> {
        let depth = self.stack.len();
        let Done {
            node,
            defined,
            key,
            height,
            extra,
        } = done;
        let (mut meta, mut poison, merged, mut fingerprint) = match extra {
            Some(e) => {
                let Extra {
                    meta,
                    poison,
                    merged,
                    fingerprint,
                } = *e;
                (meta, poison, merged, fingerprint)
            }
            None => (None, None, None, None),
        };
        let Some(frame) = self.stack.last_mut() else {
            if let Some(p) = poison {
                return Err(p);
            }
            self.root = Some(node);
            return Ok(());
        };
        frame.height = frame.height.max(height);
        let held = frame.held;
        if let Some(f) = &mut frame.fingerprints {
            let mine = fingerprint.take().unwrap_or_default();
            match &frame.kind {
                FrameKind::Seq { .. } => f.items.push(mine),
                FrameKind::Map(m) if m.key.is_none() => {
                    // A scalar key's fingerprint is its identity.
                    f.key = Some(match &key {
                        Some(k) if mine.is_empty() => k.id.fingerprint(),
                        _ => mine.clone(),
                    });
                    fingerprint = Some(mine);
                }
                FrameKind::Map(_) => {
                    let key = f.key.take().unwrap_or_default();
                    f.items.push(format!("{key}={mine}"));
                }
            }
        }
        // A held-back error that reaches a collection read as it comes is raised (a merge key's
        // value is the exception: its entries keep their own).
        let raise = !held && poison.is_some();
        match &mut frame.kind {
            FrameKind::Seq {
                items,
                metas,
                merge,
            } => {
                if let Some(p) = poison.take() {
                    if raise {
                        return Err(p);
                    }
                    frame.poison.get_or_insert_with(|| Box::new(p));
                }
                let mut merge_failure = None;
                if let Some(acc) = merge {
                    // The items of a merge key's list are merged as each one ends.
                    match merge_unit(&node, meta.as_ref(), defined, None) {
                        Ok(entries) => acc.extend(entries),
                        Err(e) => merge_failure = Some(e),
                    }
                }
                if frame.keep_meta {
                    metas.push(meta.take().unwrap_or(Meta::Null));
                }
                items.push(node);
                if let Some(e) = merge_failure {
                    // Raised, or held, by the mapping that receives the merge.
                    return self.merge_failed(depth - 2, e);
                }
            }
            FrameKind::Map(map) => match map.key.take() {
                None => {
                    let (id, shown) = match key {
                        Some(ScalarKey { merge: true, .. }) => {
                            map.key = Some(PendingKey::Merge);
                            return Ok(());
                        }
                        Some(k) if !matches!(node.value, Value::Seq(_) | Value::Map(_)) => {
                            (k.id, k.shown)
                        }
                        _ => (KeyId::Complex(fingerprint.take().unwrap_or_default()), None),
                    };
                    let text = key_text(node.value);
                    let mut key_held = None;
                    if let Some(first) = map.find(&id, &text) {
                        let e = Fail::Duplicate {
                            key: shown.map(Cow::into_owned),
                            at: defined,
                            first: Some(first),
                        };
                        if !held {
                            return Err(e);
                        }
                        map.rare().dup_error.get_or_insert_with(|| e.clone());
                        key_held = Some(e);
                    }
                    // A key was read whole before anything in it was checked, and checked for
                    // being a duplicate first.
                    if raise {
                        return Err(poison.unwrap_or_else(|| unreachable_fail(node.span)));
                    }
                    let key_held = key_held.or(poison);
                    if let Some(p) = &key_held {
                        frame.poison.get_or_insert_with(|| Box::new(p.clone()));
                    }
                    map.key = Some(PendingKey::Key {
                        text,
                        span: node.span,
                        id,
                        held: key_held.map(Box::new),
                    });
                }
                Some(PendingKey::Key {
                    text,
                    span,
                    id,
                    held: key_held,
                }) => {
                    if let Some(p) = &poison {
                        if raise {
                            return Err(p.clone());
                        }
                        frame.poison.get_or_insert_with(|| Box::new(p.clone()));
                    }
                    let entry_held = held.then(|| key_held.map(|b| *b).or(poison));
                    map.push(
                        Entry {
                            key: text,
                            key_span: span,
                            value: node,
                        },
                        id,
                        entry_held,
                    );
                }
                Some(PendingKey::Merge) => {
                    let merged = match merged {
                        Some(entries) => Ok(entries),
                        None => merge_unit(&node, meta.as_ref(), defined, None),
                    };
                    match merged {
                        Ok(entries) => map.rare().merged.extend(entries),
                        Err(e) => return self.merge_failed(depth - 1, e),
                    }
                }
            },
        }
        Ok(())
    }

    /// A merge key's value was refused: raised when the receiving mapping (at `level` in the
    /// stack) is read as it comes, else held back in it.
    fn merge_failed(&mut self, level: usize, e: Fail) -> Result<(), Fail> {
        let Some(frame) = self.stack.get_mut(level) else {
            return Err(e);
        };
        if !frame.held {
            return Err(e);
        }
        if let FrameKind::Map(map) = &mut frame.kind {
            map.rare().merge_error.get_or_insert_with(|| e.clone());
        }
        frame.poison.get_or_insert_with(|| Box::new(e));
        Ok(())
    }
}

/// A finished collection's items in a vector of their exact size. Small collections (nearly all)
/// are copied out of their buffer, which goes back to `spare`; a large one keeps its buffer,
/// shrunk in place, so that it never exists twice.
fn exact_size<T>(mut items: Vec<T>, spare: &mut Vec<Vec<T>>) -> Vec<T> {
    if items.len() >= 256 {
        items.shrink_to_fit();
        return items;
    }
    let mut exact = Vec::with_capacity(items.len());
    exact.append(&mut items);
    spare.push(items);
    exact
}

/// A copy of an anchored node for one of its aliases: every span is the alias's, so a problem in
/// a replayed value points at the alias that brought it in.
fn replay<'a>(node: &Node<'a>, at: Span) -> Node<'a> {
    Node {
        span: at,
        value: match &node.value {
            Value::Seq(items) => Value::Seq(items.iter().map(|n| replay(n, at)).collect()),
            Value::Map(entries) => Value::Map(
                entries
                    .iter()
                    .map(|e| Entry {
                        key: e.key.clone(),
                        key_span: at,
                        value: replay(&e.value, at),
                    })
                    .collect(),
            ),
            other => other.clone(),
        },
    }
}

/// Moves every span of a merged value to `at`, where the merge refers to it.
fn respan(node: &mut Node<'_>, at: Span) {
    node.span = at;
    match &mut node.value {
        Value::Seq(items) => items.iter_mut().for_each(|n| respan(n, at)),
        Value::Map(entries) => entries.iter_mut().for_each(|e| {
            e.key_span = at;
            respan(&mut e.value, at);
        }),
        _ => {}
    }
}

/// A mapping's entries once it ends, with what a merge key may need of them.
struct Finished<'a> {
    entries: Vec<Entry<'a>>,
    ids: Vec<KeyId<'a>>,
    held: Vec<Option<Fail>>,
    /// The first error held back in a merged entry that was kept.
    kept_poison: Option<Fail>,
    merge_error: Option<Fail>,
}

impl<'a> MapFrame<'a> {
    fn rare(&mut self) -> &mut MapRare<'a> {
        self.rare.get_or_insert_with(Box::default)
    }

    /// The identity of entry `i`'s key.
    fn id_of(&self, i: usize) -> KeyId<'a> {
        match self.odd.binary_search_by_key(&i, |(j, _)| *j) {
            Ok(at) => self.odd[at].1.clone(),
            Err(_) => KeyId::Scalar(self.entries[i].key.clone(), KeyTag::Kind(TagKind::Str)),
        }
    }

    /// The span of an earlier key with the same identity (`text` is the new key's tree text).
    fn find(&self, id: &KeyId<'a>, text: &str) -> Option<Span> {
        if let Some(index) = &self.index {
            if !index.contains(id) {
                return None;
            }
        }
        let plain = is_plain_id(id, text);
        let mut odd = self.odd.iter().peekable();
        for (i, e) in self.entries.iter().enumerate() {
            let odd_id = match odd.peek() {
                Some((j, odd_id)) if *j == i => {
                    odd.next();
                    Some(odd_id)
                }
                _ => None,
            };
            let same = match odd_id {
                Some(odd_id) => odd_id == id,
                // Entry `i` is a string key written as its text: only that identity matches.
                None => plain && same_str(&e.key, text),
            };
            if same {
                return Some(e.key_span);
            }
        }
        None
    }

    fn push(&mut self, entry: Entry<'a>, id: KeyId<'a>, held: Option<Option<Fail>>) {
        if let Some(index) = &mut self.index {
            index.insert(id.clone());
        }
        if !is_plain_id(&id, &entry.key) {
            self.odd.push((self.entries.len(), id));
        }
        self.entries.push(entry);
        if let Some(held) = held {
            self.rare().held.push(held);
        }
        // Small mappings (every mapping in a config) compare keys directly; a hostile mapping
        // with thousands of keys gets a hash set, so duplicate detection stays linear.
        if self.index.is_none() && self.entries.len() > 32 {
            let ids = (0..self.entries.len()).map(|i| self.id_of(i)).collect();
            self.index = Some(Box::new(ids));
        }
    }

    /// The entries: the mapping's own, then merged ones whose key it does not have yet (its
    /// own keys win, and among merged ones the first wins).
    fn finish(mut self, keep_held: bool, keep_ids: bool) -> Finished<'a> {
        let mut kept_poison = None;
        let mut ids: Vec<KeyId<'a>> = if keep_ids || self.rare.is_some() {
            (0..self.entries.len()).map(|i| self.id_of(i)).collect()
        } else {
            Vec::new()
        };
        let rare = self.rare.take().map(|r| *r).unwrap_or_default();
        let mut held = rare.held;
        if !rare.merged.is_empty() {
            let mut seen: HashSet<KeyId<'a>> = ids.iter().cloned().collect();
            for (e, id, entry_held) in rare.merged {
                if seen.insert(id.clone()) {
                    if kept_poison.is_none() {
                        kept_poison.clone_from(&entry_held);
                    }
                    self.entries.push(e);
                    ids.push(id);
                    if keep_held {
                        held.push(entry_held);
                    }
                }
            }
        }
        Finished {
            entries: self.entries,
            ids,
            held,
            kept_poison,
            merge_error: rare.merge_error.or(rare.dup_error),
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn floats_print_as_display_does() {
        let mut values = vec![
            0.0,
            -0.0,
            1.0,
            -1.0,
            0.1,
            0.5,
            1.5,
            2.5,
            100.0,
            1e15,
            1e16,
            1e17,
            1e20,
            1e21,
            1e22,
            1e23,
            1e-5,
            1e-6,
            1e-7,
            1.25e-7,
            123456.789,
            5e-324,
            -5e-324,
            f64::MAX,
            f64::MIN,
            f64::MIN_POSITIVE,
            f64::EPSILON,
            9007199254740993.0,
            0.30000000000000004,
            1658206780088562.2,
            1658206780088562.8,
            9999999999999998.0,
        ];
        // Random bit patterns over every exponent (xorshift, fixed seed), short decimals, and
        // numbers around 2^53 and beyond, where two shortest candidates can tie.
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for i in 0..300_000u64 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            values.push(f64::from_bits(x));
            values.push((x % 2_000_001) as f64 / 1000.0 - 1000.0);
            values.push(i as f64 * 1e-3);
            values.push((x >> 11) as f64 * 4.0 + i as f64 * 0.25);
            values.push(f64::from_bits(
                (x & 0x000f_ffff_ffff_ffff) | ((1075 + (i % 20)) << 52),
            ));
        }
        for v in values.into_iter().filter(|v| v.is_finite()) {
            assert_eq!(super::display_f64(v), v.to_string(), "{:e}", v);
        }
    }

    use super::*;

    fn ok(text: &str) -> Node<'_> {
        let index = LineIndex::new(text);
        parse(text, &index).unwrap_or_else(|d| panic!("{text:?}: {d:?}"))
    }

    fn err(text: &str) -> Diagnostic {
        let index = LineIndex::new(text);
        parse(text, &index).expect_err(text)
    }

    fn value<'a>(root: &'a Node<'a>, key: &str) -> &'a Value<'a> {
        &root.get(key).unwrap_or_else(|| panic!("no {key}")).value
    }

    fn number(n: &str) -> Value<'_> {
        Value::Number(Cow::Borrowed(n))
    }

    #[test]
    fn every_key_and_value_has_its_byte_range() {
        let text = "a: 1\nb: [x, \"y\"]\nc:\n  - d: é\n";
        let root = ok(text);
        let map = root.as_map().unwrap();
        assert_eq!(&text[map[1].key_span.range()], "b");
        let b = root.get("b").unwrap();
        assert_eq!(&text[b.as_seq().unwrap()[1].span.range()], "\"y\"");
        let c = root.get("c").unwrap().as_seq().unwrap()[0]
            .get("d")
            .unwrap();
        assert_eq!(&text[c.span.range()], "é");
        // Strings that need no unescaping borrow from the text.
        assert!(matches!(&c.value, Value::Str(Cow::Borrowed("é"))));
    }

    #[test]
    fn yaml_1_2_core_schema_scalars() {
        let root = ok("a: NO\nb: yes\nc: true\nd: False\ne: ~\nf:\ng: 0x1F\nh: 1.5e3\ni: 0777\nj: '1'\nk: -0\nl: 0X1F\n");
        // A column named `NO` (or `yes`) stays a string: YAML 1.1 booleans are not booleans.
        assert_eq!(value(&root, "a"), &Value::Str(Cow::Borrowed("NO")));
        assert_eq!(value(&root, "b"), &Value::Str(Cow::Borrowed("yes")));
        assert_eq!(value(&root, "c"), &Value::Bool(true));
        assert_eq!(value(&root, "d"), &Value::Bool(false));
        assert_eq!(value(&root, "e"), &Value::Null);
        assert_eq!(value(&root, "f"), &Value::Null);
        // Numbers are printed as the reader before this one printed them.
        assert_eq!(value(&root, "g"), &number("31"));
        assert_eq!(value(&root, "h"), &number("1500"));
        assert_eq!(value(&root, "i"), &number("777"));
        assert_eq!(value(&root, "j"), &Value::Str(Cow::Borrowed("1")));
        assert_eq!(value(&root, "k"), &number("0"));
        assert_eq!(value(&root, "l"), &Value::Str(Cow::Borrowed("0X1F")));
    }

    #[test]
    fn tags_decide_what_a_scalar_is() {
        let root = ok("a: !!str 12\nb: !custom 12\nc: ! ~\nd: !!binary aGVsbG8=\ne: !!null x\n");
        assert_eq!(value(&root, "a"), &Value::Str(Cow::Borrowed("12")));
        assert_eq!(value(&root, "b"), &number("12"));
        assert_eq!(value(&root, "c"), &Value::Str(Cow::Borrowed("~")));
        assert_eq!(value(&root, "d"), &Value::Str(Cow::Borrowed("hello")));
        assert_eq!(value(&root, "e"), &Value::Null);
        assert_eq!(err("a: !!int x\n").message, "invalid u64");
        assert_eq!(err("a: !!str [x]\n").message, "unsupported tag `!!str`");
        assert_eq!(
            err("a: .inf\n").message,
            "value `.inf` is not a finite number"
        );
    }

    #[test]
    fn duplicate_keys_point_at_both_places() {
        let d = err("name: x\ntimezone: UTC\nname: y\n");
        assert_eq!(d.code, Code::DuplicateKey);
        assert_eq!(d.span, Span::new(22, 26));
        assert_eq!(d.related[0].span, Span::new(0, 4));
        // Integers are the same key however they are written; a quoted one is a string.
        assert_eq!(err("1: a\n0x1: b\n").code, Code::DuplicateKey);
        ok("1: a\n'1': b\n");
        // Large mappings switch to a hash set and still find the duplicate.
        let mut big: String = (0..100).map(|i| format!("k{i}: {i}\n")).collect();
        big.push_str("k7: again\n");
        assert_eq!(err(&big).code, Code::DuplicateKey);
    }

    #[test]
    fn aliases_replay_with_the_alias_position_and_merges_apply() {
        let text = "a: &x {b: 1}\nc: *x\nd:\n  <<: *x\n  e: 2\n";
        let root = ok(text);
        let c = root.get("c").unwrap();
        assert_eq!(&text[c.span.range()], "*x");
        assert_eq!(&text[c.get("b").unwrap().span.range()], "*x");
        let d = root.get("d").unwrap().as_map().unwrap();
        let keys: Vec<&str> = d.iter().map(|e| e.key.as_ref()).collect();
        assert_eq!(keys, ["e", "b"]);
        assert_eq!(err("<<: 5\n").code, Code::YamlSyntax);
        assert_eq!(
            err("a: &a [*a]\n").message,
            "Recursive reference not allowed here"
        );
    }

    #[test]
    fn budgets_refuse_hostile_files_early() {
        let mut bomb = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for i in 1..40 {
            let p = i - 1;
            bomb.push_str(&format!(
                "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
            ));
        }
        let d = err(&bomb);
        assert_eq!(d.code, Code::ResourceLimit);
        assert!(d.message.contains("alias bomb"), "{}", d.message);
        let deep: String = (0..MAX_DEPTH + 10)
            .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
            .collect();
        let d = err(&deep);
        assert_eq!(d.code, Code::ResourceLimit);
        assert_eq!(
            d.message,
            format!("the YAML is nested deeper than {MAX_DEPTH} levels")
        );
        let d = err(&format!("a: {}", "[".repeat(100)));
        assert_eq!(d.code, Code::ResourceLimit);
        assert_eq!(err("a: 1\n---\nb: 2\n").code, Code::ResourceLimit);
    }

    #[test]
    fn syntax_errors_point_at_the_place() {
        let d = err("name: \"unclosed\ntimezone: UTC\n");
        assert_eq!(
            (d.code, d.span.start, d.message.as_str()),
            (Code::YamlSyntax, 6, "unclosed quote")
        );
        let d = err("name: x\nmaster:\n\tschema: PUBLIC\n");
        assert_eq!(d.span.start, 17);
        assert!(d.message.contains("tabs"), "{}", d.message);
        assert!(d.help.unwrap().contains("spaces"));
        // After a byte-order mark and a lone carriage return, positions stay byte-exact.
        assert_eq!(err("\u{feff}a: \"x\n").span.start, 6);
        assert_eq!(err("\r name: x\n- name: y\n").span.start, 10);
    }

    #[test]
    fn boms_crlf_and_empty_streams() {
        let text = "\u{feff}name: x\r\ntimezone: UTC\r\n";
        let root = ok(text);
        assert_eq!(
            &text[root.as_map().unwrap()[1].key_span.range()],
            "timezone"
        );
        assert_eq!(ok("").value, Value::Null);
        assert_eq!(ok("# only a comment\n").span, Span::empty(17));
    }
}
