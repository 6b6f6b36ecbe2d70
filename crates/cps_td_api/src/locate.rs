//! TD's refusal, pointed at the config: every problem of TD's answer ([`crate::error::Reply`])
//! that names a part of the config becomes an ordinary `server-refused` diagnostic at that part's
//! range, with the path in the file's own key names (tdx `behaviors[0].columns[1].column` for the
//! API's `/behaviors/0/columnMapping/1/cdwColumn`).
//!
//! What counts as naming a part, in order (spec §9.3):
//!
//! 1. a JSON:API `source.pointer` into the body cps sent. JSON:API's wrapper is taken off first:
//!    a leading `/data`, then `attributes` when what follows it is a field name, not an index
//!    (`/data/attributes/name` is the segment's `name`; `/data/attributes/attributes/0/type` and
//!    `/attributes/0/type` are the first attribute's `type`; `/attributes` alone is the list, and
//!    `/data/attributes` alone the whole segment, which names nothing). Keys are compared without
//!    case and underscores, in either dialect's spelling, and the flat GET shape's
//!    `masterSchema`/`masterTable`/… are the master's fields;
//! 2. a field named by the answer's structure (`errors: {name: [...]}`);
//! 3. field paths in TD's words (`attributes[0].type is required`);
//! 4. names TD quotes (`'URL'`, `"URL"`, `` `URL` ``), matched against the config's values as
//!    whole names: exactly first, without case only when nothing matches exactly. Unquoted words
//!    are never matched, and nothing after "Available" (TD's list of suggestions) is.
//!
//! Errors that are cps's own (a refused redirect, a target without a host, the proxy's own
//! refusals) carry no reply of TD's, so they are never located. Nor are 401 and 403: they are
//! about the key or the user's permissions, never the config.

use crate::error::{ApiError, Problem};
use cps_core::config::fields::{self, Dialect, Obj, F};
use cps_core::config::model::{Config, Loc, Text};
use cps_core::{Code, Diagnostic, Span};

/// The help of every `server-refused` mark. Fixed: the full advice is shown with the error itself
/// (the Upload panel, the CLI's last lines).
pub const SERVER_REFUSED_HELP: &str =
    "TD's message names this part of the config: fix it here and upload again.";

/// Diagnostics for the parts of `config` that TD's answer names. Empty when it names none (the
/// error is then shown on its own).
pub fn locate(config: &Config, error: &ApiError) -> Vec<Diagnostic> {
    if matches!(
        error,
        ApiError::Unauthorized { .. } | ApiError::Forbidden { .. }
    ) {
        return Vec::new();
    }
    let Some(reply) = error.reply().filter(|r| !r.from_proxy) else {
        return Vec::new();
    };
    let help = SERVER_REFUSED_HELP;
    let mut out: Vec<Diagnostic> = Vec::new();
    for problem in &reply.problems {
        let mut found = places(config, problem);
        if found.is_empty() && matches!(error, ApiError::NameTaken { .. }) {
            found.extend(config.name.as_ref().map(|n| (n.span, Loc::Root.at(n.key))));
        }
        let message = match problem.short_code() {
            Some(code) if !problem.message.contains(code) => {
                format!("TD: {} ({code})", problem.message)
            }
            _ => format!("TD: {}", problem.message),
        };
        for (span, path) in found {
            // One diagnostic per place: a second problem at the same place adds nothing new.
            if !out.iter().any(|d| d.span == span) {
                out.push(
                    Diagnostic::new(Code::ServerRefused, message.clone(), span)
                        .path(path)
                        .help(help),
                );
            }
        }
    }
    // Unsorted: callers order diagnostics with `cps_core::sort_diagnostics`.
    out
}

/// Where one problem points: (range, path in the file's own key names).
fn places(config: &Config, p: &Problem) -> Vec<(Span, String)> {
    let structural = p
        .pointer
        .as_deref()
        .map(pointer_path)
        .or_else(|| p.field.as_deref().map(path_tokens));
    if let Some(tokens) = structural {
        return resolve(config, &tokens).into_iter().collect();
    }
    let from_paths: Vec<(Span, String)> = field_paths(&p.message)
        .filter_map(|w| resolve(config, &path_tokens(w)))
        .collect();
    if !from_paths.is_empty() {
        return from_paths;
    }
    quoted_values(config, &p.message)
}

/// The tokens of a JSON Pointer into the body cps sent, with JSON:API's wrapper taken off (see
/// the module docs). A "pointer" that does not start with `/` is read as a field path.
pub fn pointer_path(pointer: &str) -> Vec<String> {
    let p = pointer.trim();
    let p = p.strip_prefix('#').unwrap_or(p);
    let Some(rest) = p.strip_prefix('/') else {
        return path_tokens(p);
    };
    let mut tokens: Vec<String> = rest
        .split('/')
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
        .collect();
    let wrapped = tokens.first().is_some_and(|t| t == "data");
    if wrapped {
        tokens.remove(0);
    }
    let resource_attributes = tokens.first().is_some_and(|t| t == "attributes")
        && match tokens.get(1) {
            Some(next) => index(next).is_none(),
            None => wrapped,
        };
    if resource_attributes {
        tokens.remove(0);
    }
    tokens
}

/// `behaviors[1].columnMapping[0].cdwColumn` → `behaviors`, `1`, `columnMapping`, `0`, `cdwColumn`.
fn path_tokens(path: &str) -> Vec<String> {
    path.split(['.', '[', ']', '/'])
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect()
}

/// Words of a message that are field paths: `attributes[0].type`, `master.keyColumn`, `timezone`.
fn field_paths(message: &str) -> impl Iterator<Item = &str> {
    message
        .split(|c: char| c.is_whitespace() || matches!(c, ',' | ';' | ':' | '\'' | '"' | '`'))
        .map(|w| w.trim_end_matches('.'))
        .filter(|w| {
            w.starts_with("attributes[")
                || w.starts_with("behaviors[")
                || w.starts_with("master.")
                || matches!(*w, "description" | "timezone" | "isComposable")
        })
}

fn index(token: &str) -> Option<usize> {
    token
        .bytes()
        .all(|b| b.is_ascii_digit())
        .then(|| token.parse().ok())
        .flatten()
}

/// A key compared without case and underscores: `cdw_column`, `cdwColumn` and `CDWCOLUMN` meet.
fn same_key(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        s.bytes()
            .filter(|b| *b != b'_')
            .map(|b| b.to_ascii_lowercase())
            .collect::<Vec<u8>>()
    };
    norm(a) == norm(b)
}

/// The field a key names inside `obj`, in either dialect's spelling.
fn field_id(obj: Obj, key: &str) -> Option<F> {
    [Dialect::Api, Dialect::Tdx]
        .into_iter()
        .flat_map(|d| {
            let join = if matches!(obj, Obj::Attribute | Obj::Behavior) && d == Dialect::Tdx {
                fields::fields(d, Obj::Join)
            } else {
                &[]
            };
            fields::fields(d, obj).iter().chain(join)
        })
        .find(|f| same_key(f.key, key))
        .map(|f| f.id)
}

/// The range and file path of what `tokens` (API or tdx key names) name in `config`.
fn resolve(config: &Config, tokens: &[String]) -> Option<(Span, String)> {
    let t: Vec<&str> = tokens
        .iter()
        .map(String::as_str)
        .filter(|t| *t != "join")
        .collect();
    let (first, rest) = t.split_first()?;
    if same_key(first, "master") {
        let m = config.master.as_ref()?;
        return Some(field_place(config, Entry::Master(m), rest.first().copied()));
    }
    // The flat GET shape (spec §9.1) names the master's fields at the top level.
    for (flat, id) in [
        ("masterSchema", F::Schema),
        ("masterTable", F::Table),
        ("masterKeyColumn", F::KeyColumn),
        ("masterCatalog", F::Catalog),
        ("federatedQueryConfigId", F::FederatedQueryConfigId),
        ("connectionId", F::ConnectionId),
    ] {
        if same_key(first, flat) {
            let m = config.master.as_ref()?;
            return Some(place_of(config, Entry::Master(m), Some(id)));
        }
    }
    if same_key(first, "attributes") {
        let list = config.attributes.as_ref()?;
        let Some((i, rest)) = split_index(rest) else {
            return Some((list.key_span, list.key.to_string()));
        };
        let a = list.items.get(i)?;
        return Some(field_place(
            config,
            Entry::Attribute(a),
            rest.first().copied(),
        ));
    }
    if same_key(first, "behaviors") {
        let list = config.behaviors.as_ref()?;
        let Some((i, rest)) = split_index(rest) else {
            return Some((list.key_span, list.key.to_string()));
        };
        let b = list.items.get(i)?;
        let (Some(key), Some(j)) = (rest.first(), rest.get(1).and_then(|x| index(x))) else {
            return Some(field_place(
                config,
                Entry::Behavior(b),
                rest.first().copied(),
            ));
        };
        if field_id(Obj::Behavior, key) == Some(F::Columns) {
            let c = b.columns.as_ref()?.items.get(j)?;
            return Some(field_place(config, Entry::Column(c), rest.get(2).copied()));
        }
        return Some(field_place(config, Entry::Behavior(b), Some(key)));
    }
    let id = field_id(Obj::Root, first)?;
    Some(place_of(config, Entry::Root, Some(id)))
}

/// `["0", "type"]` → `(0, ["type"])`.
fn split_index<'a>(tokens: &'a [&'a str]) -> Option<(usize, &'a [&'a str])> {
    let (first, rest) = tokens.split_first()?;
    Some((index(first)?, rest))
}

/// An entry of the model, with its kind.
#[derive(Clone, Copy)]
enum Entry<'a> {
    Root,
    Master(&'a cps_core::config::model::Master),
    Attribute(&'a cps_core::config::model::Attribute),
    Behavior(&'a cps_core::config::model::Behavior),
    Column(&'a cps_core::config::model::Column),
}

fn field_place(config: &Config, entry: Entry, key: Option<&str>) -> (Span, String) {
    let obj = match entry {
        Entry::Root => Obj::Root,
        Entry::Master(_) => Obj::Master,
        Entry::Attribute(_) => Obj::Attribute,
        Entry::Behavior(_) => Obj::Behavior,
        Entry::Column(_) => Obj::Column,
    };
    place_of(config, entry, key.and_then(|k| field_id(obj, k)))
}

/// The value's range and path when the file has it; else the entry's, with the path naming the
/// missing key as the file's dialect spells it.
fn place_of(config: &Config, entry: Entry, id: Option<F>) -> (Span, String) {
    let (loc, span, obj) = match entry {
        Entry::Root => (Loc::Root, config.root_span, Obj::Root),
        Entry::Master(m) => (Loc::Master, m.span, Obj::Master),
        Entry::Attribute(a) => (a.loc, a.span, Obj::Attribute),
        Entry::Behavior(b) => (b.loc, b.span, Obj::Behavior),
        Entry::Column(c) => (c.loc, c.span, Obj::Column),
    };
    let Some(id) = id else {
        return (span, loc.path());
    };
    if let Some(t) = value_of(config, entry, id) {
        return (t.span, loc.at(t.key));
    }
    if id == F::IsComposable {
        if let Some(f) = &config.is_composable {
            return (f.span, loc.at(f.key));
        }
    }
    if let (Entry::Behavior(b), F::Columns) = (entry, id) {
        if let Some(l) = &b.columns {
            return (l.key_span, loc.at(l.key));
        }
    }
    match fields::spelling(config.dialect, obj, id) {
        Some(key) => (span, loc.at(key)),
        None => (span, loc.path()),
    }
}

fn value_of<'a>(config: &'a Config, entry: Entry<'a>, id: F) -> Option<&'a Text> {
    let table = match entry {
        Entry::Root => {
            return match id {
                F::Name => config.name.as_ref(),
                F::Description => config.description.as_ref(),
                F::Timezone => config.timezone.as_ref(),
                F::Kind => config.kind.as_ref(),
                _ => None,
            }
        }
        Entry::Column(c) => {
            return match id {
                F::Name => c.name.as_ref(),
                F::Type => c.type_.as_ref(),
                F::CdwColumn => c.cdw_column.as_ref(),
                _ => None,
            }
        }
        Entry::Master(m) => {
            if id == F::Name {
                return m.name.as_ref();
            }
            if id == F::KeyColumn {
                return m.key_column.as_ref();
            }
            &m.table
        }
        Entry::Attribute(a) => match id {
            F::Name => return a.name.as_ref(),
            F::TableKey => return a.table_key.as_ref(),
            F::MasterKey => return a.master_key.as_ref(),
            F::Column => return a.column.as_ref(),
            F::Type => return a.type_.as_ref(),
            _ => &a.table,
        },
        Entry::Behavior(b) => match id {
            F::Name => return b.name.as_ref(),
            F::TableKey => return b.table_key.as_ref(),
            F::MasterKey => return b.master_key.as_ref(),
            F::TimeColumn => return b.time_column.as_ref(),
            _ => &b.table,
        },
    };
    match id {
        F::Schema => table.schema.as_ref(),
        F::Table => table.table.as_ref(),
        F::Catalog => table.conn.catalog.as_ref(),
        F::FederatedQueryConfigId | F::ConnectionId | F::Connection => table.conn.id(),
        _ => None,
    }
}

/// The names TD quotes in a message, up to its list of suggestions ("Available …"): `'x'`,
/// `"x"` and `` `x` ``. A quote opens only after a non-alphanumeric character and closes only
/// before one, so the apostrophe of "can't" is not a quote.
pub fn quoted(message: &str) -> Vec<&str> {
    let end = message
        .to_ascii_lowercase()
        .find("available")
        .unwrap_or(message.len());
    let text = &message[..end];
    let bytes = text.as_bytes();
    let word = |i: usize| bytes.get(i).is_some_and(|b| b.is_ascii_alphanumeric());
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let q = bytes[i];
        if matches!(q, b'\'' | b'"' | b'`') && (i == 0 || !word(i - 1)) {
            let close = (i + 1..bytes.len()).find(|&j| bytes[j] == q && !word(j + 1));
            if let Some(j) = close {
                let inner = &text[i + 1..j];
                if !inner.trim().is_empty() && !inner.contains('\n') {
                    out.push(inner);
                }
                i = j + 1;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The values equal to a name TD quotes, as whole names: exact matches, else (when none) matches
/// without case (TD may report a name upper-cased, as Snowflake resolves it).
fn quoted_values(config: &Config, message: &str) -> Vec<(Span, String)> {
    let names = quoted(message);
    if names.is_empty() {
        return Vec::new();
    }
    let values = values(config);
    for exact in [true, false] {
        let hits: Vec<(Span, String)> = values
            .iter()
            .filter(|(_, t)| {
                let v = t.value.as_str();
                !v.is_empty()
                    && names.iter().any(|n| {
                        if exact {
                            *n == v
                        } else {
                            n.eq_ignore_ascii_case(v.trim_matches('"'))
                        }
                    })
            })
            .map(|(loc, t)| (t.span, loc.at(t.key)))
            .collect();
        if !hits.is_empty() {
            return hits;
        }
    }
    Vec::new()
}

/// Every value a message could name (names, tables, columns, types, ids), with its entry.
fn values(c: &Config) -> Vec<(Loc, &Text)> {
    let mut out: Vec<(Loc, &Text)> = Vec::new();
    for (loc, _, t) in c.table_refs() {
        let texts = t.schema.iter().chain(t.table.iter()).chain(t.conn.id());
        out.extend(texts.chain(t.conn.catalog.iter()).map(|x| (loc, x)));
    }
    if let Some(m) = &c.master {
        out.extend(m.key_column.iter().map(|x| (Loc::Master, x)));
    }
    for a in c.attributes.iter().flat_map(|l| &l.items) {
        let texts = [&a.name, &a.column, &a.type_, &a.table_key, &a.master_key];
        out.extend(texts.into_iter().flatten().map(|x| (a.loc, x)));
    }
    for b in c.behaviors.iter().flat_map(|l| &l.items) {
        let texts = [&b.name, &b.time_column, &b.table_key, &b.master_key];
        out.extend(texts.into_iter().flatten().map(|x| (b.loc, x)));
        for col in b.columns.iter().flat_map(|l| &l.items) {
            let texts = [&col.name, &col.type_, &col.cdw_column];
            out.extend(texts.into_iter().flatten().map(|x| (col.loc, x)));
        }
    }
    out.extend(c.name.iter().chain(&c.timezone).map(|x| (Loc::Root, x)));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "name: Retail\ndescription: d\ntimezone: UTC\nmaster:\n  connection: \"167\"\n  schema: PUBLIC\n  table: CUSTOMERS\n  key_column: ID\nattributes:\n  - name: Email\n    connection: \"167\"\n    schema: PUBLIC\n    table: CUSTOMERS\n    join: { table_key: ID, master_key: ID }\n    column: EMIAL\n    type: strng\nbehaviors:\n  - name: views\n    connection: \"167\"\n    schema: PUBLIC\n    table: VIEWS\n    join: { table_key: ID, master_key: ID }\n    time_column: TIME\n    columns:\n      - { name: url, type: string, column: URL }\n";

    fn config() -> Config {
        cps_core::check(YAML, &cps_core::Options::default())
            .config
            .unwrap()
    }

    /// (marked text, path) per diagnostic, in file order.
    fn marked_in(error: &ApiError) -> Vec<(&'static str, String)> {
        let mut found = locate(&config(), error);
        cps_core::sort_diagnostics(&mut found);
        found
            .iter()
            .map(|d| {
                assert_eq!(d.code, Code::ServerRefused);
                (
                    &YAML[d.span.start as usize..d.span.end as usize],
                    d.path.clone(),
                )
            })
            .collect()
    }

    fn marked(message: &str, status: u16) -> Vec<&'static str> {
        let e = ApiError::from_response(&crate::Response {
            status,
            body: serde_json::json!({ "message": message }).to_string(),
            retry_after: None,
        });
        marked_in(&e).into_iter().map(|(t, _)| t).collect()
    }

    #[test]
    fn messages_point_at_what_they_quote_or_the_paths_they_name() {
        assert_eq!(
            marked(
                "Column not found: 'EMIAL', Available columns: ID, EMAIL",
                400
            ),
            ["EMIAL"]
        );
        assert_eq!(
            marked("Type is not included in the list: \"strng\"", 400),
            ["strng"]
        );
        assert_eq!(marked("attributes[0].type is required", 400), ["strng"]);
        assert_eq!(marked("Name has already been taken", 400), ["Retail"]);
        assert_eq!(marked("timezone is invalid", 400), ["UTC"]);
        assert_eq!(marked("Column not found: `emial`", 400), ["EMIAL"]);
        assert_eq!(marked("Column not found: 'Email'", 400), ["Email"]);
        assert!(marked("Something else went wrong", 400).is_empty());
        // Unquoted words never mark anything, however much they look like a value.
        assert!(marked("Column not found: EMIAL", 400).is_empty());
        assert!(marked("check the base URL", 400).is_empty());
        // Only whole names: a quoted phrase that contains a value is not that value.
        assert!(marked("'base URL' is wrong", 400).is_empty());
        assert_eq!(marked("can't read 'URL'", 400), ["URL"]);
        // The key's refusals name no part of the config, even when a value has the same word.
        assert!(marked("Invalid API key: 'EMIAL'", 401).is_empty());
        assert!(marked("No permission for 'EMIAL'", 403).is_empty());
        assert!(marked("", 500).is_empty());
    }

    #[test]
    fn errors_of_cps_own_are_never_located() {
        // The old defect: "base URL" in cps's own redirect message marked the column `URL`.
        let redirect = ApiError::from_response(&crate::Response {
            status: 302,
            body: r#"{"message":"Moved: 'URL'"}"#.into(),
            retry_after: None,
        });
        assert!(marked_in(&redirect).is_empty());
        // The proxy's own refusals (`"source": "cps serve"`) are not TD's words either.
        let proxy = ApiError::from_response(&crate::Response {
            status: 404,
            body: r#"{"message":"cps serve forwards only 'URL'","source":"cps serve"}"#.into(),
            retry_after: None,
        });
        assert!(marked_in(&proxy).is_empty());
        let own = ApiError::Unsupported {
            detail: "no 'URL'".into(),
        };
        assert!(marked_in(&own).is_empty());
    }

    #[test]
    fn pointers_land_on_the_files_own_keys() {
        let e = ApiError::from_response(&crate::Response {
            status: 400,
            body: serde_json::json!({"errors": [
                {"detail": "is not valid", "source": {"pointer": "/behaviors/0/columnMapping/0/cdwColumn"},
                 "meta": {"validationCode": "INVALID_FORMAT_OR_ASSOCIATION"}},
                {"detail": "is blank", "source": {"pointer": "/data/attributes/attributes/0/tableKey"},
                 "meta": {"validationCode": "CANNOT_BE_BLANK"}},
                {"detail": "too long", "source": {"pointer": "/data/attributes/name"}},
                {"detail": "bad", "source": {"pointer": "/master/federatedQueryConfigId"}},
                {"detail": "bad", "source": {"pointer": "/masterSchema"}},
                {"detail": "nowhere", "source": {"pointer": "/data/relationships/folder"}},
                {"detail": "whole", "source": {"pointer": "/data/attributes"}},
            ]})
            .to_string(),
            retry_after: None,
        });
        assert_eq!(
            marked_in(&e),
            [
                ("Retail", "name".to_string()),
                ("\"167\"", "master.connection".to_string()),
                ("PUBLIC", "master.schema".to_string()),
                ("ID", "attributes[0].join.table_key".to_string()),
                ("URL", "behaviors[0].columns[0].column".to_string()),
            ]
        );
        let d = locate(&config(), &e);
        assert!(d
            .iter()
            .any(|d| d.message == "TD: is not valid (INVALID_FORMAT_OR_ASSOCIATION)"));
    }

    #[test]
    fn a_missing_field_points_at_its_entry_in_the_files_spelling() {
        let p = Problem {
            message: "can't be blank".into(),
            pointer: Some("/behaviors/0/columnMapping/0/name".into()),
            ..Problem::default()
        };
        let c = config();
        let (span, path) = places(&c, &p).pop().unwrap();
        assert_eq!(&YAML[span.start as usize..span.end as usize], "url");
        assert_eq!(path, "behaviors[0].columns[0].name");
        let p = Problem {
            message: "can't be blank".into(),
            pointer: Some("/master/name".into()),
            ..Problem::default()
        };
        // tdx files have no master name: the master entry, by its path.
        let (_, path) = places(&c, &p).pop().unwrap();
        assert_eq!(path, "master");
    }

    #[test]
    fn pointer_prefixes() {
        let p = |s: &str| pointer_path(s);
        assert_eq!(p("/data/attributes/name"), ["name"]);
        assert_eq!(p("/attributes/0/type"), ["attributes", "0", "type"]);
        assert_eq!(
            p("/data/attributes/attributes/0/type"),
            ["attributes", "0", "type"]
        );
        assert_eq!(p("/attributes"), ["attributes"]);
        assert!(p("/data/attributes").is_empty());
        assert!(p("").is_empty());
        assert_eq!(p("#/a~1b/c~0d"), ["a/b", "c~d"]);
        assert_eq!(p("attributes[0].type"), ["attributes", "0", "type"]);
    }

    #[test]
    fn quotes_are_found_as_whole_names() {
        assert_eq!(quoted("'a' and \"b c\" and `d`"), ["a", "b c", "d"]);
        assert_eq!(quoted("can't find 'URL'"), ["URL"]);
        assert_eq!(quoted("it's 'x'. Available: 'y'"), ["x"]);
        assert!(quoted("don't won't").is_empty());
        assert!(quoted("'' unclosed 'x").is_empty());
    }
}
