//! Rules over the decoded model (spec §5, the checks that need only the file). Each rule skips
//! what is missing: the decoder has reported it already. A segment's rules are in [`segment`].

pub mod ident;
pub mod segment;
pub mod suggest;
pub mod tz;

use crate::config::fields::Dialect;
use crate::config::model::*;
use crate::config::options::{IdentifierCase, Settings, Warehouse};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::syntax::span::Span;
use std::collections::HashMap;

pub fn run(config: &Config, settings: &Settings, out: &mut Vec<Diagnostic>) {
    top_level(config, out);
    lists(config, out);
    connections(config, settings, out);
    keys_and_tables(config, settings, out);
    types(config, settings, out);
    behaviors(config, out);
    if settings.warehouse == Warehouse::Snowflake {
        identifiers(config, settings, out);
    }
}

fn at(loc: Loc, t: &Text) -> String {
    loc.at(t.key)
}

fn top_level(c: &Config, out: &mut Vec<Diagnostic>) {
    if let Some(kind) = &c.kind {
        if kind.value != "composable" {
            out.push(
                Diagnostic::new(
                    Code::KindNotComposable,
                    format!("`kind` must be \"composable\", found \"{}\"", kind.value),
                    kind.span,
                )
                .path(at(Loc::Root, kind))
                .help(
                    "write `kind: composable`; the CAS API creates composable parent segments only",
                ),
            );
        }
    }
    if let Some(flag) = &c.is_composable {
        if !flag.value {
            out.push(
                Diagnostic::new(
                    Code::NotComposable,
                    "`isComposable` must be true",
                    flag.span,
                )
                .path(flag.key)
                .help("write `isComposable: true`"),
            );
        }
    }
    match &c.description {
        Some(d) if d.value.trim().is_empty() => out.push(
            Diagnostic::new(Code::EmptyDescription, "the description is empty", d.span)
                .path(at(Loc::Root, d))
                .help(
                    "describe the segment in a few words: TD's guide (S5) marks `description` as required; its published schema (S31) makes it optional",
                ),
        ),
        // A missing one is reported by the decoder, which knows an unreadable one from none.
        _ => {}
    }
    if let Some(tz) = &c.timezone {
        if !crate::rules::tz::is_valid(&tz.value) {
            let mut d = Diagnostic::new(
                Code::InvalidTimezone,
                format!("`{}` is not an IANA time zone name", tz.value),
                tz.span,
            )
            .path(at(Loc::Root, tz));
            d = match crate::rules::tz::suggest(&tz.value) {
                Some(s) => d.help(format!("did you mean `{s}`?")),
                None => d.help("use a name such as `UTC`, `Asia/Tokyo` or `America/New_York`"),
            };
            out.push(d);
        }
    }
}

/// Empty lists and duplicate names.
fn lists(c: &Config, out: &mut Vec<Diagnostic>) {
    if let Some(list) = &c.attributes {
        if list.items.is_empty() {
            out.push(
                Diagnostic::new(Code::NoAttributes, "`attributes` is empty", list.key_span)
                    .path(list.key)
                    .help("add at least one attribute: a column of the Customers table"),
            );
        }
        duplicates(
            list.items.iter().map(|a| (a.loc, a.name.as_ref())),
            Code::DuplicateAttributeName,
            "attribute",
            out,
        );
    }
    // A missing list is reported by the decoder, which knows an unreadable one from none.
    match &c.behaviors {
        Some(list) if list.items.is_empty() => out.push(
            Diagnostic::new(Code::NoBehaviors, "`behaviors` is empty", list.key_span)
                .path(list.key)
                .help(crate::config::decode::NO_BEHAVIORS_HELP),
        ),
        _ => {}
    }
    if let Some(list) = &c.behaviors {
        duplicates(
            list.items.iter().map(|b| (b.loc, b.name.as_ref())),
            Code::DuplicateBehaviorName,
            "behavior",
            out,
        );
        for b in &list.items {
            if let Some(cols) = &b.columns {
                duplicates(
                    cols.items.iter().map(|c| (c.loc, c.name.as_ref())),
                    Code::DuplicateColumnName,
                    "column of this behavior",
                    out,
                );
            }
        }
    }
}

fn duplicates<'c>(
    names: impl Iterator<Item = (Loc, Option<&'c Text>)>,
    code: Code,
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    // Most lists are short (a behavior's columns), where a linear search beats hashing; a set
    // takes over for long ones so the check stays linear.
    let mut small: Vec<(&str, Span)> = Vec::new();
    let mut large: HashMap<&str, Span> = HashMap::new();
    for (loc, name) in names {
        let Some(name) = name else { continue };
        let key = name.value.as_str();
        let first = if large.is_empty() {
            small.iter().find(|(n, _)| *n == key).map(|(_, s)| *s)
        } else {
            large.get(key).copied()
        };
        match first {
            Some(first) => out.push(
                Diagnostic::new(
                    code,
                    format!("another {what} is already named `{}`", name.value),
                    name.span,
                )
                .path(at(loc, name))
                .related(first, "first used here")
                .help("segment rules find entries by exact name; rename one of them"),
            ),
            None if large.is_empty() && small.len() < 32 => small.push((key, name.span)),
            None => {
                if large.is_empty() {
                    large.extend(small.drain(..));
                }
                large.insert(key, name.span);
            }
        }
    }
}

fn connections(c: &Config, s: &Settings, out: &mut Vec<Diagnostic>) {
    let wh = s.warehouse;
    let mut first_id: Option<&Text> = None;
    let mut first_catalog: Option<&Text> = None;
    for (loc, anchor, t) in c.table_refs() {
        let conn = &t.conn;
        let is_master = matches!(loc, Loc::Master | Loc::Root);
        if let (Some(fqc), Some(cid)) = (&conn.federated_query_config_id, &conn.connection_id) {
            out.push(
                Diagnostic::new(
                    Code::BothConnectionKeys,
                    "this entry has both `federatedQueryConfigId` and `connectionId`; TD takes exactly one",
                    cid.span,
                )
                .path(at(loc, cid))
                .related(fqc.span, "`federatedQueryConfigId`")
                .help(if wh == Warehouse::Snowflake {
                    "remove `connectionId`: Snowflake entries name the zero-copy config with `federatedQueryConfigId` (TD's published schema, S31: the two are mutually exclusive)"
                } else {
                    "remove `federatedQueryConfigId`: Databricks and BigQuery entries name the connection with `connectionId` (TD's published schema, S31: the two are mutually exclusive)"
                }),
            );
            // Which of the two ids is meant is the question; comparing either would only guess.
            continue;
        } else {
            match wh {
                Warehouse::Snowflake => {
                    if let Some(cid) = &conn.connection_id {
                        out.push(
                            Diagnostic::new(
                                Code::WrongConnectionKey,
                                "Snowflake entries name the zero-copy config with `federatedQueryConfigId`, not `connectionId`",
                                cid.span,
                            )
                            .path(at(loc, cid))
                            .help("rename the key to `federatedQueryConfigId`, or set the warehouse setting to databricks or bigquery if this is not Snowflake"),
                        );
                    }
                }
                Warehouse::Databricks | Warehouse::Bigquery => {
                    if let Some(fqc) = &conn.federated_query_config_id {
                        out.push(
                            Diagnostic::new(
                                Code::WrongConnectionKey,
                                format!(
                                    "{} entries use `connectionId` and `catalog`, not `federatedQueryConfigId`",
                                    warehouse_name(wh)
                                ),
                                fqc.span,
                            )
                            .path(at(loc, fqc))
                            .help(if conn.catalog.is_some() || !is_master {
                                "rename the key to `connectionId`, or set the warehouse setting to snowflake"
                            } else {
                                "rename the key to `connectionId` and add `catalog`, or set the warehouse setting to snowflake"
                            }),
                        );
                    }
                }
            }
        }
        match wh {
            Warehouse::Snowflake => {
                if let Some(cat) = &conn.catalog {
                    out.push(
                        Diagnostic::new(
                            Code::UnexpectedCatalog,
                            "`catalog` is not used with Snowflake; the database comes from the zero-copy config",
                            cat.span,
                        )
                        .path(at(loc, cat))
                        .help("remove `catalog`, or set the warehouse setting to databricks or bigquery"),
                    );
                }
            }
            // The master's catalog is required (S31: `masterCatalog` "required for Databricks");
            // entries without their own read the master's (S31's entries have no `catalog`).
            Warehouse::Databricks | Warehouse::Bigquery if is_master && conn.catalog.is_none() => {
                let key = if loc == Loc::Root {
                    "masterCatalog"
                } else {
                    "catalog"
                };
                out.push(
                    Diagnostic::new(
                        Code::MissingCatalog,
                        format!("the master table has no `{key}`"),
                        anchor,
                    )
                    .path(loc.at(key))
                    .help(if wh == Warehouse::Bigquery {
                        format!("add `{key}`: the GCP project id")
                    } else {
                        format!("add `{key}`: the Unity Catalog name")
                    }),
                );
            }
            _ => {}
        }
        let Some(id) = conn.id() else {
            if t.conn_unreadable {
                continue;
            }
            let key = match (c.dialect, wh) {
                (Dialect::Tdx, _) => "connection",
                (_, Warehouse::Snowflake) => "federatedQueryConfigId",
                (_, _) => "connectionId",
            };
            let message = if loc == Loc::Root {
                "the config has neither `federatedQueryConfigId` nor `connectionId`; a GET response has exactly one of them at the top level".to_string()
            } else {
                format!("`{}` has no `{key}`", loc.path())
            };
            out.push(
                Diagnostic::new(Code::MissingConnection, message, anchor)
                .path(loc.at(key))
                .help(if wh == Warehouse::Snowflake {
                    format!("add `{key}`: the zero-copy config id, e.g. \"167\" (GET /v4/federated_query_configs lists them)")
                } else {
                    format!("add `{key}`: the Integration Hub connection id")
                }),
            );
            continue;
        };
        if !is_numeric_id(&id.value) {
            let mut d = Diagnostic::new(
                Code::ConnectionNotNumeric,
                format!("`{}` is not a numeric id", id.value),
                id.span,
            )
            .path(at(loc, id));
            d = if wh == Warehouse::Snowflake {
                d.help("use the zero-copy config's numeric `id` from GET /v4/federated_query_configs, in quotes (\"167\"); connector names are refused")
            } else {
                d.severity(Severity::Warning).help(
                    "tdx resolves connector names, but the API needs the connection's numeric id",
                )
            };
            out.push(d);
        }
        match first_id {
            None => first_id = Some(id),
            Some(first) if first.value != id.value => out.push(
                Diagnostic::new(
                    Code::ConnectionMismatch,
                    format!(
                        "this entry uses connection `{}`, the first entry uses `{}`",
                        id.value, first.value
                    ),
                    id.span,
                )
                .path(at(loc, id))
                .related(first.span, "first connection")
                .help("a parent segment reads through one connection; use the same id everywhere"),
            ),
            _ => {}
        }
        if let Some(cat) = &conn.catalog {
            match first_catalog {
                None => first_catalog = Some(cat),
                Some(first) if first.value != cat.value => out.push(
                    Diagnostic::new(
                        Code::ConnectionMismatch,
                        format!(
                            "this entry uses catalog `{}`, the first entry uses `{}`",
                            cat.value, first.value
                        ),
                        cat.span,
                    )
                    .path(at(loc, cat))
                    .related(first.span, "first catalog")
                    .help("use the same catalog everywhere"),
                ),
                _ => {}
            }
        }
    }
}

fn warehouse_name(w: Warehouse) -> &'static str {
    match w {
        Warehouse::Snowflake => "Snowflake",
        Warehouse::Databricks => "Databricks",
        Warehouse::Bigquery => "BigQuery",
    }
}

fn is_numeric_id(s: &str) -> bool {
    !s.is_empty() && s.len() <= 19 && s.bytes().all(|b| b.is_ascii_digit())
}

/// Compares two names the way the warehouse resolves them.
fn same_name(s: &Settings, a: &str, b: &str) -> bool {
    if a == b {
        true
    } else if s.warehouse == Warehouse::Snowflake {
        ident::resolve(a) == ident::resolve(b)
    } else {
        a == b
    }
}

fn keys_and_tables(c: &Config, s: &Settings, out: &mut Vec<Diagnostic>) {
    let Some(master) = &c.master else { return };
    let key = master.key_column.as_ref();
    let mut check_master_key = |loc: Loc, mk: Option<&Text>| {
        if let (Some(key), Some(mk)) = (key, mk) {
            if !same_name(s, &key.value, &mk.value) {
                out.push(
                    Diagnostic::new(
                        Code::MasterKeyMismatch,
                        format!(
                            "`{}` is `{}`, but the master's key column is `{}`",
                            mk.key, mk.value, key.value
                        ),
                        mk.span,
                    )
                    .path(at(loc, mk))
                    .related(key.span, "the master's key column")
                    .help(format!(
                        "write `{}`: entries join the Customers table on its key",
                        key.value
                    )),
                );
            }
        }
    };
    for a in c.attributes.iter().flat_map(|l| &l.items) {
        check_master_key(a.loc, a.master_key.as_ref());
    }
    for b in c.behaviors.iter().flat_map(|l| &l.items) {
        check_master_key(b.loc, b.master_key.as_ref());
    }
    let (Some(mtable), mschema) = (&master.table.table, &master.table.schema) else {
        return;
    };
    for a in c.attributes.iter().flat_map(|l| &l.items) {
        let Some(table) = &a.table.table else {
            continue;
        };
        let same_schema = match (&a.table.schema, mschema) {
            (Some(x), Some(y)) => same_name(s, &x.value, &y.value),
            _ => true,
        };
        if !(same_schema && same_name(s, &table.value, &mtable.value)) {
            out.push(
                Diagnostic::new(
                    Code::AttributeTableDiffers,
                    format!(
                        "this attribute reads `{}`, not the master table `{}`",
                        table.value, mtable.value
                    ),
                    table.span,
                )
                .path(at(a.loc, table))
                .related(mtable.span, "the master table")
                .help("TD's guide puts attributes on the Customers table; tdx allows joined tables. Check the join keys if this is intended"),
            );
        } else if let (Some(tk), Some(key)) = (&a.table_key, key) {
            if !same_name(s, &tk.value, &key.value) {
                out.push(
                    Diagnostic::new(
                        Code::TableKeyMismatch,
                        format!(
                            "this attribute reads the master table but joins on `{}`, not its key `{}`",
                            tk.value, key.value
                        ),
                        tk.span,
                    )
                    .path(at(a.loc, tk))
                    .related(key.span, "the master's key column")
                    .help(format!("write `{}`", key.value)),
                );
            }
        }
    }
}

fn types(c: &Config, s: &Settings, out: &mut Vec<Diagnostic>) {
    let allowed = s.types.types();
    // (where, what the entry is called, its anchor, its `type`)
    let attrs = c.attributes.iter().flat_map(|l| &l.items).map(|a| {
        (
            a.loc,
            a.name.as_ref(),
            a.column.as_ref(),
            a.span,
            a.type_.as_ref(),
        )
    });
    let cols = c
        .behaviors
        .iter()
        .flat_map(|l| &l.items)
        .flat_map(|b| b.columns.iter().flat_map(|l| &l.items))
        .map(|col| {
            (
                col.loc,
                col.name.as_ref(),
                col.cdw_column.as_ref(),
                col.span,
                col.type_.as_ref(),
            )
        });
    for (loc, name, column, anchor, t) in attrs.chain(cols) {
        let Some(t) = t else {
            missing_type(s, loc, name, column, anchor, out);
            continue;
        };
        if allowed.contains(&t.value.as_str()) {
            continue;
        }
        let elsewhere: Vec<&str> = crate::config::options::TypeProfile::ALL
            .iter()
            .filter(|p| p.types().contains(&t.value.as_str()))
            .map(|p| p.as_str())
            .collect();
        let mut help = match crate::rules::suggest::did_you_mean(&t.value, allowed) {
            Some(sug) => format!("did you mean `{sug}`? "),
            None => String::new(),
        };
        // "Profile" alone is cps's word: say what it is and where it is changed.
        help.push_str(&format!(
            "TD's sources disagree on which `type` values the backend accepts, so the type profile setting picks a set; with `{}` ({}) they are {}",
            s.types.as_str(),
            s.types.label(),
            allowed.join(", ")
        ));
        if !elsewhere.is_empty() {
            help.push_str(&format!(
                "; `{}` is in the set of {}",
                t.value,
                elsewhere.join(", ")
            ));
        }
        out.push(
            Diagnostic::new(
                Code::InvalidType,
                format!("`{}` is not a type the backend accepts", t.value),
                t.span,
            )
            .path(at(loc, t))
            .help(help),
        );
    }
}

/// An attribute or behavior column without `type`: TD's published schema fills it from the
/// warehouse column (S31), so that is an info; the older profiles' sources wrote a `type` on
/// every entry, so there it is a warning.
fn missing_type(
    s: &Settings,
    loc: Loc,
    name: Option<&Text>,
    column: Option<&Text>,
    anchor: Span,
    out: &mut Vec<Diagnostic>,
) {
    let what = match column {
        Some(col) => format!("column `{}`", col.value),
        None => "the column".to_string(),
    };
    let mut d = Diagnostic::new(
        Code::TypeInferred,
        format!("no `type`: TD infers it from {what}'s type in the warehouse"),
        name.map(|n| n.span).unwrap_or(anchor),
    )
    .path(loc.at("type"));
    d = if s.types.expects_type() {
        d.severity(Severity::Warning).help(format!(
            "with the type profile setting at `{}` ({}), every entry has a `type`: add one of {}",
            s.types.as_str(),
            s.types.label(),
            s.types.types().join(", ")
        ))
    } else {
        d.help(format!(
            "nothing to do: TD's published schema (S31) makes `type` optional and fills it from the column; write one ({}) to pin it",
            s.types.types().join(", ")
        ))
    };
    out.push(d);
}

fn behaviors(c: &Config, out: &mut Vec<Diagnostic>) {
    for b in c.behaviors.iter().flat_map(|l| &l.items) {
        let all = b.all_columns.as_ref().filter(|f| f.value);
        if let Some(flag) = all {
            out.push(
                Diagnostic::new(
                    Code::AllColumnsRefused,
                    "`all_columns: true` is refused by the backend for new behaviors",
                    flag.span,
                )
                .path(b.loc.at(flag.key))
                .help("list the columns under `columns:` with name, type and column: TD refuses `all_columns` on a new behavior, and the API body cps uploads has no way to say it (tdx keeps it only on a behavior that already has it in TD)"),
            );
            continue;
        }
        let key = if c.dialect == Dialect::Tdx {
            "columns"
        } else {
            "columnMapping"
        };
        match &b.columns {
            Some(cols) if cols.items.is_empty() => out.push(
                Diagnostic::new(
                    Code::NoColumns,
                    format!("`{}` is empty", cols.key),
                    cols.key_span,
                )
                .path(b.loc.at(cols.key))
                .help("list the event columns to segment on: name, type and warehouse column"),
            ),
            None => out.push(
                Diagnostic::new(
                    Code::NoColumns,
                    format!("`{}` has no `{key}`", b.loc.path()),
                    b.name.as_ref().map(|n| n.span).unwrap_or(b.span),
                )
                .path(b.loc.at(key))
                .help("list the event columns to segment on: name, type and warehouse column"),
            ),
            _ => {}
        }
    }
}

/// Every value that names a Snowflake object, with the path of the entry it belongs to.
fn identifier_values(c: &Config) -> Vec<(Loc, &Text)> {
    let mut v: Vec<(Loc, &Text)> = Vec::new();
    if let Some(m) = &c.master {
        for t in [&m.table.schema, &m.table.table, &m.key_column]
            .into_iter()
            .flatten()
        {
            v.push((m.loc, t));
        }
    }
    for a in c.attributes.iter().flat_map(|l| &l.items) {
        for t in [
            &a.table.schema,
            &a.table.table,
            &a.table_key,
            &a.master_key,
            &a.column,
        ]
        .into_iter()
        .flatten()
        {
            v.push((a.loc, t));
        }
    }
    for b in c.behaviors.iter().flat_map(|l| &l.items) {
        for t in [
            &b.table.schema,
            &b.table.table,
            &b.table_key,
            &b.master_key,
            &b.time_column,
        ]
        .into_iter()
        .flatten()
        {
            v.push((b.loc, t));
        }
        for col in b.columns.iter().flat_map(|l| &l.items) {
            if let Some(t) = &col.cdw_column {
                v.push((col.loc, t));
            }
        }
    }
    v
}

fn identifiers(c: &Config, s: &Settings, out: &mut Vec<Diagnostic>) {
    // One case warning per distinct name, pointing at its first use and listing the others:
    // a file that writes `customers` twenty times has one thing to decide, not twenty.
    let mut case_warnings: HashMap<&str, usize> = HashMap::new();
    for (loc, t) in identifier_values(c) {
        match ident::parse(&t.value) {
            Err(why) => {
                let help = if t.value.contains('.') && !t.value.starts_with('"') {
                    "write the single name only: the database comes from the zero-copy config, the schema from `schema`".to_string()
                } else {
                    format!(
                        "if the object really has this name, write it quoted: {} (in YAML: '{}')",
                        ident::quote(&t.value),
                        ident::quote(&t.value)
                    )
                };
                out.push(
                    Diagnostic::new(
                        Code::InvalidIdentifier,
                        format!("`{}` is not a valid Snowflake name: {why}", t.value),
                        t.span,
                    )
                    .path(at(loc, t))
                    .help(help),
                );
            }
            Ok(id) if !id.quoted => {
                let warn = match s.identifier_case {
                    IdentifierCase::Exact => id.resolved != t.value,
                    IdentifierCase::Lowercase => t.value.bytes().any(|b| b.is_ascii_uppercase()),
                };
                if !warn {
                    continue;
                }
                if let Some(&i) = case_warnings.get(t.value.as_str()) {
                    out[i]
                        .related
                        .push(crate::diagnostics::Related::here(t.span, "same name"));
                    continue;
                }
                let message = match s.identifier_case {
                    IdentifierCase::Exact => {
                        format!("Snowflake resolves `{}` as `{}`", t.value, id.resolved)
                    }
                    IdentifierCase::Lowercase => {
                        format!("`{}` is not lower case", t.value)
                    }
                };
                let help = match s.identifier_case {
                    IdentifierCase::Exact => format!(
                        "Snowflake stores unquoted names in upper case and the current CAS backend matches exactly: write `{}`, or {} if the object was created with that exact case; names are matched as written under the identifier case setting",
                        id.resolved,
                        ident::quote(&t.value)
                    ),
                    IdentifierCase::Lowercase => format!(
                        "the legacy api-cas backend reads names through Trino, which lower-cases them: write `{}`; names are lower-cased under the identifier case setting",
                        t.value.to_ascii_lowercase()
                    ),
                };
                case_warnings.insert(&t.value, out.len());
                out.push(
                    Diagnostic::new(Code::IdentifierCase, message, t.span)
                        .path(at(loc, t))
                        .help(help),
                );
            }
            Ok(_) => {}
        }
    }
}
