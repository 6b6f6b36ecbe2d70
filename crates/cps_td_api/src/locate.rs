//! TD's refusal, pointed at the config. TD's messages are free text (spec §4.3: "Column not
//! found, Available columns: …", "Type is not included in the list", "name … already taken",
//! field paths such as `attributes[0].type`); this finds the values and entries they name and
//! turns each into an ordinary `server-refused` diagnostic at its range.

use crate::error::ApiError;
use cps_core::model::{Config, Text};
use cps_core::{Code, Diagnostic, Span};

/// Words TD's messages use about the config rather than naming a value in it.
const NOT_NAMES: &[&str] = &[
    "name", "type", "table", "column", "columns", "schema", "not", "found", "is", "are", "the",
    "in", "list", "of", "required", "invalid", "included", "has", "been", "already", "taken",
    "must", "be", "a", "an", "and", "or", "for", "to", "does", "exist", "catalog", "missing",
    "blank", "can't", "cannot", "error", "value",
];

/// Diagnostics for the parts of `config` that the error's message names. Empty when it names
/// none (the error is then shown on its own).
pub fn locate(config: &Config, error: &ApiError) -> Vec<Diagnostic> {
    // A refused key or permission is about the key, never the config: its words ("Invalid API
    // key") must not mark a column that happens to be called `KEY`.
    if matches!(
        error,
        ApiError::Unauthorized { .. } | ApiError::Forbidden { .. }
    ) {
        return Vec::new();
    }
    let Some(message) = error.server_text() else {
        return Vec::new();
    };
    // A fixed help: the full advice is shown with the error itself (the page's Upload panel, the
    // CLI's last lines), and the page's first load stays without the advice texts.
    let help = "TD's message names this part of the config: fix it here and upload again.";
    let make = |span: Span| {
        Diagnostic::new(Code::ServerRefused, format!("TD: {message}"), span).help(help)
    };
    if matches!(error, ApiError::NameTaken { .. }) {
        return config
            .name
            .as_ref()
            .map(|n| make(n.span))
            .into_iter()
            .collect();
    }
    let mut spans: Vec<Span> = paths_in(message)
        .into_iter()
        .filter_map(|p| span_of_path(config, &p))
        .collect();
    // What follows "Available …" lists the server's suggestions, not the culprits.
    let lower = message.to_ascii_lowercase();
    let culprit_text = match lower.find("available") {
        Some(i) => &message[..i],
        None => message,
    };
    let tokens: Vec<&str> = culprit_text
        // Any non-ASCII character counts as part of a name (quoted Snowflake names may hold
        // them); ASCII punctuation and spaces separate.
        .split(|c: char| {
            !(c.is_ascii_alphanumeric() || !c.is_ascii() || matches!(c, '_' | '$' | '-' | '/'))
        })
        .filter(|t| !t.is_empty() && !NOT_NAMES.contains(&t.to_ascii_lowercase().as_str()))
        .collect();
    if spans.is_empty() {
        let values = texts(config);
        // Exact matches first: `MEMBERSHIP_TIER` names the column, not the attribute
        // `membership_tier`. Only when nothing matches exactly is case ignored.
        for exact in [true, false] {
            spans.extend(values.iter().filter_map(|text| {
                let v = text.value.as_str();
                let hit = !v.is_empty()
                    && tokens.iter().any(|t| {
                        if exact {
                            *t == v
                        } else {
                            v.len() >= 3 && t.eq_ignore_ascii_case(v.trim_matches('"'))
                        }
                    });
                hit.then_some(text.span)
            }));
            if !spans.is_empty() {
                break;
            }
        }
    }
    // Unsorted: callers order diagnostics with `cps_core::sort_diagnostics`.
    let mut unique: Vec<Span> = Vec::with_capacity(spans.len());
    for s in spans {
        if !unique.contains(&s) {
            unique.push(s);
        }
    }
    unique.into_iter().map(make).collect()
}

/// `attributes[0].type`, `behaviors[2]`, `master.keyColumn`, `timezone`: field paths in a message.
fn paths_in(message: &str) -> Vec<String> {
    message
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '\'' | '"' | '`'))
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| {
            w.starts_with("attributes[")
                || w.starts_with("behaviors[")
                || w.starts_with("master.")
                || matches!(*w, "description" | "timezone" | "kind" | "isComposable")
        })
        .map(str::to_string)
        .collect()
}

/// The range of the value (or entry) an API-style path names.
fn span_of_path(config: &Config, path: &str) -> Option<Span> {
    let (head, field) = match path.split_once("].") {
        Some((h, f)) => (format!("{h}]"), Some(f)),
        None => (path.to_string(), None),
    };
    let index = |prefix: &str| -> Option<usize> {
        head.strip_prefix(prefix)?.strip_suffix(']')?.parse().ok()
    };
    if let Some(i) = index("attributes[") {
        let a = config.attributes.as_ref()?.items.get(i)?;
        let f = match field {
            Some("name") => a.name.as_ref(),
            Some("type") => a.type_.as_ref(),
            Some("column") => a.column.as_ref(),
            Some("table") => a.table.table.as_ref(),
            Some("schema") => a.table.schema.as_ref(),
            _ => None,
        };
        return Some(f.map_or(a.span, |t| t.span));
    }
    if let Some(i) = index("behaviors[") {
        let b = config.behaviors.as_ref()?.items.get(i)?;
        let f = match field {
            Some("name") => b.name.as_ref(),
            Some("timeColumn") => b.time_column.as_ref(),
            Some("tableKey") => b.table_key.as_ref(),
            Some("masterKey") => b.master_key.as_ref(),
            Some("table") => b.table.table.as_ref(),
            Some("schema") => b.table.schema.as_ref(),
            _ => None,
        };
        return Some(f.map_or(b.span, |t| t.span));
    }
    if let Some(f) = path.strip_prefix("master.") {
        let m = config.master.as_ref()?;
        let t = match f {
            "name" => m.name.as_ref(),
            "keyColumn" => m.key_column.as_ref(),
            "table" => m.table.table.as_ref(),
            "schema" => m.table.schema.as_ref(),
            _ => None,
        };
        return Some(t.map_or(m.span, |t| t.span));
    }
    match path {
        "description" => config.description.as_ref().map(|t| t.span),
        "timezone" => config.timezone.as_ref().map(|t| t.span),
        "kind" => config.kind.as_ref().map(|t| t.span),
        "isComposable" => config.is_composable.as_ref().map(|f| f.span),
        _ => None,
    }
}

/// Every value a message could name: names, tables, columns, types, ids.
fn texts(c: &Config) -> Vec<&Text> {
    let mut out: Vec<&Text> = Vec::new();
    for (_, _, t) in c.table_refs() {
        out.extend(t.schema.iter().chain(t.table.iter()).chain(t.conn.id()));
        out.extend(t.conn.catalog.iter());
    }
    if let Some(m) = &c.master {
        out.extend(m.key_column.iter());
    }
    for a in c.attributes.iter().flat_map(|l| &l.items) {
        out.extend([&a.name, &a.column, &a.type_].into_iter().flatten());
    }
    for b in c.behaviors.iter().flat_map(|l| &l.items) {
        out.extend(
            [&b.name, &b.time_column, &b.table_key]
                .into_iter()
                .flatten(),
        );
        for col in b.columns.iter().flat_map(|l| &l.items) {
            out.extend(
                [&col.name, &col.type_, &col.cdw_column]
                    .into_iter()
                    .flatten(),
            );
        }
    }
    out.extend(c.timezone.iter());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "name: Retail\ndescription: d\ntimezone: UTC\nmaster:\n  connection: \"167\"\n  schema: PUBLIC\n  table: CUSTOMERS\n  key_column: ID\nattributes:\n  - name: Email\n    connection: \"167\"\n    schema: PUBLIC\n    table: CUSTOMERS\n    column: EMIAL\n    type: strng\nbehaviors: []\n";

    fn config() -> Config {
        cps_core::check(YAML, &cps_core::Options::default())
            .config
            .unwrap()
    }

    fn marked(message: &str, status: u16) -> Vec<&'static str> {
        let e = ApiError::from_response(&crate::Response {
            status,
            body: serde_json::json!({ "message": message }).to_string(),
            retry_after: None,
        });
        let mut found = locate(&config(), &e);
        cps_core::sort_diagnostics(&mut found);
        found
            .iter()
            .map(|d| {
                assert_eq!(d.code, Code::ServerRefused);
                &YAML[d.span.start as usize..d.span.end as usize]
            })
            .collect()
    }

    #[test]
    fn messages_point_at_what_they_name() {
        assert_eq!(
            marked("Column not found: EMIAL, Available columns: ID, EMAIL", 400),
            ["EMIAL"]
        );
        assert_eq!(
            marked("Type is not included in the list: strng", 400),
            ["strng"]
        );
        assert_eq!(marked("attributes[0].type is required", 400), ["strng"]);
        assert_eq!(marked("Name has already been taken", 400), ["Retail"]);
        assert_eq!(marked("timezone is invalid", 400), ["UTC"]);
        assert_eq!(marked("Column not found: emial", 400), ["EMIAL"]);
        assert_eq!(marked("Column not found: Email", 400), ["Email"]);
        assert!(marked("Something else went wrong", 400).is_empty());
        // The key's refusals name no part of the config, even when a value has the same word.
        assert!(marked("Invalid API key: EMIAL", 401).is_empty());
        assert!(marked("No permission for EMIAL", 403).is_empty());
        assert!(marked("", 500).is_empty());
    }
}
