//! Small text edits that add or remove one `key: value` entry, keeping the rest of the file (its
//! comments and layout) as it is: what the form's type dropdown needs, where "(inferred by TD)"
//! removes the `type` key (TD's published schema makes it optional, S31) and a type adds it back.
//!
//! Both edits work from a value's span in the text and handle the three layouts cps writes and
//! reads: YAML block mappings (one entry per line, or the first entry of a `- ` list item), YAML
//! flow mappings (`{ name: a, type: string }`) and JSON objects.

use cps_core::Span;

fn is_key_char(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_' || c == b'-'
}

/// Where the key of the entry whose value is at `value` starts: back over `:`, whitespace and
/// the key itself (plain, or in single or double quotes).
fn key_start(text: &str, value: Span) -> Option<usize> {
    let b = text.as_bytes();
    let mut i = value.start as usize;
    while i > 0 && matches!(b[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    if i == 0 || b[i - 1] != b':' {
        return None;
    }
    i -= 1;
    while i > 0 && matches!(b[i - 1], b' ' | b'\t') {
        i -= 1;
    }
    match b.get(i.checked_sub(1)?) {
        Some(&q @ (b'"' | b'\'')) => {
            let open = text[..i - 1].rfind(q as char)?;
            Some(open)
        }
        Some(&c) if is_key_char(c) => {
            while i > 0 && is_key_char(b[i - 1]) {
                i -= 1;
            }
            Some(i)
        }
        _ => None,
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

fn line_end(text: &str, at: usize) -> usize {
    text[at..].find('\n').map_or(text.len(), |i| at + i)
}

/// Removes the entry whose value is at `value` (its key, the value and one separator).
pub fn remove_entry(text: &str, value: Span) -> Option<String> {
    let b = text.as_bytes();
    let (start, end) = (key_start(text, value)?, value.end as usize);
    if end > text.len() {
        return None;
    }
    let mut after = end;
    while after < b.len() && matches!(b[after], b' ' | b'\t') {
        after += 1;
    }
    let ls = line_start(text, start);
    let first_on_line = text[ls..start].trim().is_empty();
    let next_token = text[end..].trim_start().bytes().next();
    let (from, to) = match b.get(after) {
        // Flow or JSON, not the last entry: the entry and its comma (the whole line when the
        // entry is alone on it).
        Some(b',') => {
            let mut to = after + 1;
            while to < b.len() && matches!(b[to], b' ' | b'\t') {
                to += 1;
            }
            if first_on_line && matches!(b.get(to), Some(b'\n') | Some(b'\r') | None) {
                (ls, (line_end(text, to) + 1).min(text.len()))
            } else {
                (start, to)
            }
        }
        // The last entry of a flow mapping or JSON object: the comma before it goes.
        _ if next_token == Some(b'}') => {
            let before = text[..start].trim_end();
            if before.ends_with(',') {
                (before.len() - 1, end)
            } else {
                (start, end)
            }
        }
        // YAML block: the line; or, as a list item's first entry, up to the next entry, which
        // then follows the `- `.
        None | Some(b'\n') | Some(b'\r') | Some(b'#') => {
            if first_on_line {
                (ls, (line_end(text, end) + 1).min(text.len()))
            } else if text[ls..start].trim_end().ends_with('-') {
                let next = line_end(text, end) + 1;
                let indent = text[next.min(text.len())..]
                    .bytes()
                    .take_while(|c| *c == b' ')
                    .count();
                (start, (next + indent).min(text.len()))
            } else {
                return None;
            }
        }
        Some(_) => return None,
    };
    let mut out = String::with_capacity(text.len());
    out.push_str(&text[..from]);
    out.push_str(&text[to..]);
    Some(out)
}

/// Adds `key: literal` right after the entry whose value is at `anchor` (in the same mapping),
/// where `literal` is already written for the file's syntax; `json` says how to write the key.
pub fn insert_after(
    text: &str,
    anchor: Span,
    key: &str,
    literal: &str,
    json: bool,
) -> Option<String> {
    let b = text.as_bytes();
    let start = key_start(text, anchor)?;
    let end = anchor.end as usize;
    if end > text.len() {
        return None;
    }
    let mut after = end;
    while after < b.len() && matches!(b[after], b' ' | b'\t') {
        after += 1;
    }
    let entry = if json {
        format!("\"{key}\": {literal}")
    } else {
        format!("{key}: {literal}")
    };
    let (at, insert) = match b.get(after) {
        // Block YAML: a line of its own, at the anchor key's column.
        None | Some(b'\n') | Some(b'\r') | Some(b'#') if !json => {
            let column = text[line_start(text, start)..start].chars().count();
            let at = line_end(text, end);
            let at = if text[..at].ends_with('\r') {
                at - 1
            } else {
                at
            };
            (at, format!("\n{}{entry}", " ".repeat(column)))
        }
        Some(b',') | Some(b'}') => (end, format!(", {entry}")),
        _ => return None,
    };
    let mut out = String::with_capacity(text.len() + insert.len());
    out.push_str(&text[..at]);
    out.push_str(&insert);
    out.push_str(&text[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn span_of(text: &str, needle: &str) -> Span {
        let i = text.find(needle).unwrap();
        Span::new(i, i + needle.len())
    }

    #[test]
    fn removes_from_every_layout() {
        let block = "a:\n  name: x\n  type: string  # note\n  column: C\n";
        assert_eq!(
            remove_entry(block, span_of(block, "string")).unwrap(),
            "a:\n  name: x\n  column: C\n"
        );
        let item = "- type: string\n  name: x\n";
        assert_eq!(
            remove_entry(item, span_of(item, "string")).unwrap(),
            "- name: x\n"
        );
        let flow = "- { name: u, type: string, column: U }\n";
        assert_eq!(
            remove_entry(flow, span_of(flow, "string")).unwrap(),
            "- { name: u, column: U }\n"
        );
        let flow_last = "- { name: u, column: U, type: string }\n";
        assert_eq!(
            remove_entry(flow_last, span_of(flow_last, "string")).unwrap(),
            "- { name: u, column: U }\n"
        );
        let json = "{\n  \"name\": \"a\",\n  \"type\": \"string\",\n  \"column\": \"c\"\n}";
        assert_eq!(
            remove_entry(json, span_of(json, "\"string\"")).unwrap(),
            "{\n  \"name\": \"a\",\n  \"column\": \"c\"\n}"
        );
        let json_last = "{\n  \"name\": \"a\",\n  \"type\": \"string\"\n}";
        assert_eq!(
            remove_entry(json_last, span_of(json_last, "\"string\"")).unwrap(),
            "{\n  \"name\": \"a\"\n}"
        );
        let one_line = r#"{"name":"a","type":"string","cdwColumn":"c"}"#;
        assert_eq!(
            remove_entry(one_line, span_of(one_line, "\"string\"")).unwrap(),
            r#"{"name":"a","cdwColumn":"c"}"#
        );
    }

    #[test]
    fn inserts_into_every_layout() {
        let block = "  - name: x  # the name\n    column: C\n";
        assert_eq!(
            insert_after(block, span_of(block, "x"), "type", "date", false).unwrap(),
            "  - name: x  # the name\n    type: date\n    column: C\n"
        );
        let flow = "- { name: u, column: U }\n";
        assert_eq!(
            insert_after(flow, span_of(flow, "u"), "type", "date", false).unwrap(),
            "- { name: u, type: date, column: U }\n"
        );
        let json = "{\"name\": \"a\"}";
        assert_eq!(
            insert_after(json, span_of(json, "\"a\""), "type", "\"date\"", true).unwrap(),
            "{\"name\": \"a\", \"type\": \"date\"}"
        );
    }
}
