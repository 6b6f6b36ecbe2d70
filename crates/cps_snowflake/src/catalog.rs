//! Catalog-aware checks (spec §5: V13, V17, V22), offline: the user runs
//! [`crate::sql::catalog_query_sql`] in Snowsight and gives cps the exported result, and
//! cps checks every schema, table and column the config names against it, under the name the
//! warehouse resolves (Snowflake: unquoted names in upper case, quoted names exactly), plus each
//! `type` against the column's data type and each behavior's time column.
//!
//! [`parse_catalog`] reads the export (CSV, TSV or JSON, through [`crate::export`]) and refuses
//! names no warehouse has (over [`crate::MAX_NAME_CHARS`], or BigQuery's 1024), without echoing
//! them.

use crate::export::parse_table;
use cps_core::config::model::{Config, Loc, Syntax, Text};
use cps_core::config::options::{IdentifierCase, Settings, Warehouse};
use cps_core::diagnostics::{Code, Diagnostic, Related, Severity};
use cps_core::rules::ident;
use cps_core::syntax::span::Span;
use std::collections::{HashMap, HashSet};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CatalogColumn {
    /// Names as the warehouse stores them (`CUSTOMERS`, or `Customers` for a table created as
    /// `"Customers"`).
    pub schema: String,
    pub table: String,
    pub column: String,
    /// As the export gives it: `NUMBER`, `TEXT`, `TIMESTAMP_NTZ`, `ARRAY<STRING>`.
    pub data_type: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Catalog {
    pub columns: Vec<CatalogColumn>,
}

impl Catalog {
    /// The warehouse whose `INFORMATION_SCHEMA` wrote these type names, when they say: BigQuery
    /// writes INT64, FLOAT64, BOOL; Databricks BIGINT, DOUBLE, DECIMAL; Snowflake NUMBER, TEXT,
    /// VARIANT. `None` when no name tells (or the names disagree evenly). A config with
    /// `connectionId` + `catalog` cannot tell BigQuery from Databricks; its export can.
    pub fn warehouse(&self) -> Option<Warehouse> {
        let mut votes = [0usize; 3];
        for c in &self.columns {
            let base = base_type(&c.data_type);
            let w = match base.as_str() {
                "INT64" | "FLOAT64" | "BOOL" | "BYTES" | "BIGNUMERIC" | "BIGDECIMAL"
                | "GEOGRAPHY" | "DATETIME" | "NUMERIC" | "JSON" => Warehouse::Bigquery,
                "BIGINT" | "INT" | "SMALLINT" | "TINYINT" | "DOUBLE" | "DECIMAL" | "MAP"
                | "VOID" => Warehouse::Databricks,
                "NUMBER" | "TEXT" | "VARCHAR" | "TIMESTAMP_LTZ" | "TIMESTAMP_TZ" | "VARIANT"
                | "OBJECT" => Warehouse::Snowflake,
                _ => continue,
            };
            votes[w as usize] += 1;
        }
        let max = *votes.iter().max()?;
        if max == 0 || votes.iter().filter(|&&v| v == max).count() > 1 {
            return None;
        }
        Warehouse::ALL
            .into_iter()
            .find(|w| votes[*w as usize] == max)
    }
}

const CATALOG_COLUMNS: &[(&str, &[&str])] = &[
    (
        "TABLE_SCHEMA",
        &["TABLE_SCHEMA", "SCHEMA_NAME", "TABLE_SCHEM"],
    ),
    ("TABLE_NAME", &["TABLE_NAME"]),
    ("COLUMN_NAME", &["COLUMN_NAME"]),
    ("DATA_TYPE", &["DATA_TYPE", "TYPE_NAME"]),
];

/// Reads a catalog export: the result of the catalog query (`TABLE_SCHEMA`, `TABLE_NAME`,
/// `COLUMN_NAME`, `DATA_TYPE`, any case, extra columns ignored) as CSV, TSV or JSON. Also reads
/// `SHOW COLUMNS` output, whose `data_type` is a JSON object.
pub fn parse_catalog(text: &str) -> Result<Catalog, String> {
    let rows = parse_table(text, CATALOG_COLUMNS)?;
    let mut lines = Vec::with_capacity(rows.len());
    let columns = rows
        .into_iter()
        .map(|(line, mut r)| {
            lines.push(line);
            let data_type = data_type_text(&r[3]);
            CatalogColumn {
                column: std::mem::take(&mut r[2]),
                table: std::mem::take(&mut r[1]),
                schema: std::mem::take(&mut r[0]),
                data_type,
            }
        })
        .collect();
    let catalog = Catalog { columns };
    // Snowflake and Databricks names have at most 255 characters; BigQuery's tables and datasets
    // up to 1024. A longer "name" is not one (a damaged export, or a hostile one): refused here,
    // once, and never echoed back.
    let limit = if catalog.warehouse() == Some(Warehouse::Bigquery) {
        1024
    } else {
        crate::MAX_NAME_CHARS
    };
    for (c, line) in catalog.columns.iter().zip(&lines) {
        for (what, name) in [
            ("schema", &c.schema),
            ("table", &c.table),
            ("column", &c.column),
        ] {
            let n = name.chars().count();
            if n > limit {
                return Err(format!(
                    "{line}: the {what} name has {n} characters; warehouse names have at most {limit}, so this is not a name (the export may be damaged)"
                ));
            }
        }
        // Data types can be long (BigQuery STRUCTs), not this long.
        let n = c.data_type.chars().count();
        if n > MAX_DATA_TYPE_CHARS {
            return Err(format!(
                "{line}: the data type has {n} characters, more than any warehouse writes (the export may be damaged)"
            ));
        }
    }
    Ok(catalog)
}

/// Characters of one data type at most.
const MAX_DATA_TYPE_CHARS: usize = 4096;

/// `SHOW COLUMNS` gives `{"type":"FIXED","precision":38,…}`; INFORMATION_SCHEMA gives `NUMBER`.
fn data_type_text(raw: &str) -> String {
    let t = raw.trim();
    if t.starts_with('{') && t.len() < 4096 {
        if let Ok(serde_json::Value::Object(o)) = serde_json::from_str::<serde_json::Value>(t) {
            if let Some(serde_json::Value::String(s)) = o.get("type") {
                return match s.as_str() {
                    "FIXED" => "NUMBER".into(),
                    "REAL" => "FLOAT".into(),
                    other => other.to_string(),
                };
            }
        }
    }
    t.to_string()
}

// ---------------------------------------------------------------------------------------------
// Checks

/// A set of stored names, looked up exactly or ignoring case.
struct Names<'c> {
    exact: HashMap<&'c str, usize>,
    folded: HashMap<String, Vec<&'c str>>,
    list: Vec<&'c str>,
}

impl<'c> Names<'c> {
    fn new() -> Self {
        Names {
            exact: HashMap::new(),
            folded: HashMap::new(),
            list: Vec::new(),
        }
    }

    /// Adds a name; returns its index (the same for a name added twice).
    fn add(&mut self, name: &'c str) -> usize {
        if let Some(&i) = self.exact.get(name) {
            return i;
        }
        let i = self.list.len();
        self.exact.insert(name, i);
        self.folded
            .entry(name.to_lowercase())
            .or_default()
            .push(name);
        self.list.push(name);
        i
    }
}

struct TableIdx<'c> {
    columns: Names<'c>,
    types: Vec<&'c str>,
}

struct SchemaIdx<'c> {
    tables: Names<'c>,
    tables_idx: Vec<TableIdx<'c>>,
}

struct Index<'c> {
    schemas: Names<'c>,
    schemas_idx: Vec<SchemaIdx<'c>>,
}

impl<'c> Index<'c> {
    fn new(catalog: &'c Catalog) -> Self {
        let mut ix = Index {
            schemas: Names::new(),
            schemas_idx: Vec::new(),
        };
        for c in &catalog.columns {
            let si = ix.schemas.add(&c.schema);
            if si == ix.schemas_idx.len() {
                ix.schemas_idx.push(SchemaIdx {
                    tables: Names::new(),
                    tables_idx: Vec::new(),
                });
            }
            let s = &mut ix.schemas_idx[si];
            let ti = s.tables.add(&c.table);
            if ti == s.tables_idx.len() {
                s.tables_idx.push(TableIdx {
                    columns: Names::new(),
                    types: Vec::new(),
                });
            }
            let t = &mut s.tables_idx[ti];
            let ci = t.columns.add(&c.column);
            if ci == t.types.len() {
                t.types.push(&c.data_type);
            }
        }
        ix
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Schema,
    Table,
    Column,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Schema => "schema",
            Kind::Table => "table",
            Kind::Column => "column",
        }
    }
}

enum Found<'c> {
    /// The index of the stored name the written one resolves to.
    Exact(usize),
    /// Only a name differing in case (or quoting) exists: its index and spelling.
    Case(usize, &'c str),
    Missing,
}

struct Ctx<'a> {
    settings: &'a Settings,
    syntax: Syntax,
    timezone: Option<&'a Text>,
}

impl Ctx<'_> {
    /// Whether names of this kind match ignoring case in this warehouse and setting.
    fn case_insensitive(&self, kind: Kind) -> bool {
        match self.settings.warehouse {
            Warehouse::Snowflake => self.settings.identifier_case == IdentifierCase::Lowercase,
            Warehouse::Databricks => true,
            // BigQuery: datasets and tables are case-sensitive, columns are not.
            Warehouse::Bigquery => kind == Kind::Column,
        }
    }

    /// The name the warehouse looks up for a value as written.
    fn resolve<'t>(&self, written: &'t str) -> std::borrow::Cow<'t, str> {
        match self.settings.warehouse {
            Warehouse::Snowflake => ident::resolve(written),
            _ => std::borrow::Cow::Borrowed(
                written
                    .strip_prefix('`')
                    .and_then(|w| w.strip_suffix('`'))
                    .unwrap_or(written),
            ),
        }
    }

    fn find<'c>(&self, names: &Names<'c>, kind: Kind, written: &str) -> Found<'c> {
        let resolved = self.resolve(written);
        if let Some(&i) = names.exact.get(resolved.as_ref()) {
            return Found::Exact(i);
        }
        let folded = resolved.to_lowercase();
        match names.folded.get(&folded).and_then(|v| v.first()) {
            Some(&stored) => {
                let i = names.exact.get(stored).copied().unwrap_or(0);
                if self.case_insensitive(kind) {
                    Found::Exact(i)
                } else {
                    Found::Case(i, stored)
                }
            }
            None => Found::Missing,
        }
    }

    /// How to write a stored name in the config so that it resolves to exactly that name.
    fn spelling(&self, stored: &str) -> String {
        if self.settings.warehouse != Warehouse::Snowflake {
            return format!("`{stored}`");
        }
        match ident::parse(stored) {
            Ok(id) if !id.quoted && id.resolved == stored => {
                let lower = stored.to_ascii_lowercase();
                if lower == stored {
                    format!("`{stored}`")
                } else if self.settings.identifier_case == IdentifierCase::Lowercase {
                    format!("`{lower}`")
                } else {
                    format!("`{stored}` or `{lower}`")
                }
            }
            _ => {
                let q = ident::quote(stored);
                match self.syntax {
                    Syntax::Yaml => {
                        format!("`{q}` (the quotes are part of the value; in YAML: `'{q}'`)")
                    }
                    Syntax::Json => format!(
                        "`{q}` (the quotes are part of the value; in JSON: `\"{}\"`)",
                        q.replace('"', "\\\"")
                    ),
                }
            }
        }
    }
}

/// Whether this value names a Snowflake object cps can resolve: names that do not parse are
/// reported by the identifier rule already, so they are not looked up (one mistake, one
/// diagnostic).
fn lookable(ctx: &Ctx, t: &Text) -> bool {
    ctx.settings.warehouse != Warehouse::Snowflake || ident::parse(&t.value).is_ok()
}

/// Suggestions cost an edit distance per candidate; these caps keep a hostile catalog or config
/// fast.
const SUGGEST_MAX_CANDIDATES: usize = 5000;
const SUGGEST_MAX_CALLS: usize = 64;

struct Emitter<'o> {
    out: &'o mut Vec<Diagnostic>,
    /// Values the catalog resolved (exactly or but for case).
    resolved: HashSet<Span>,
    /// One diagnostic per distinct problem; later uses become related places.
    seen: HashMap<(u8, String), usize>,
    suggestions: usize,
}

impl Emitter<'_> {
    fn once(&mut self, kind: u8, key: String, t: &Text, make: impl FnOnce() -> Diagnostic) {
        if let Some(&i) = self.seen.get(&(kind, key.clone())) {
            if let Some(d) = self.out.get_mut(i) {
                d.related.push(Related::here(t.span, "same name"));
            }
            return;
        }
        self.seen.insert((kind, key), self.out.len());
        self.out.push(make());
    }

    /// Looks a value up, noting it when the catalog resolves it.
    fn find<'c>(&mut self, ctx: &Ctx, names: &Names<'c>, kind: Kind, t: &Text) -> Found<'c> {
        let found = ctx.find(names, kind, &t.value);
        if !matches!(found, Found::Missing) {
            self.resolved.insert(t.span);
        }
        found
    }

    /// A "did you mean" for a problem not reported yet.
    fn suggest<'c>(
        &mut self,
        kind: u8,
        key: &str,
        written: &str,
        names: &Names<'c>,
    ) -> Option<&'c str> {
        if self.seen.contains_key(&(kind, key.to_string())) {
            return None;
        }
        if self.suggestions >= SUGGEST_MAX_CALLS || names.list.len() > SUGGEST_MAX_CANDIDATES {
            return None;
        }
        self.suggestions += 1;
        let bare = ident::parse(written)
            .map(|i| i.resolved.into_owned())
            .unwrap_or_else(|_| written.to_string());
        cps_core::rules::suggest::did_you_mean(&bare, &names.list)
    }
}

/// Runs the catalog checks: every name the config uses exists under the name the warehouse
/// resolves, every `type` fits its column, and every time column is a timestamp.
///
/// The catalog answers what the file alone can only guess: an `identifier-case` warning (exact
/// setting) is dropped when the catalog settled every value it points at, since each is then
/// either found, or reported here with the exact spelling that works, or reported unknown with
/// the stored names to pick from.
pub fn check(config: &Config, settings: &Settings, catalog: &Catalog, out: &mut Vec<Diagnostic>) {
    let ix = Index::new(catalog);
    let ctx = Ctx {
        settings,
        syntax: config.syntax,
        timezone: config.timezone.as_ref(),
    };
    let mut em = Emitter {
        out,
        resolved: HashSet::new(),
        seen: HashMap::new(),
        suggestions: 0,
    };
    // The master table, for `masterKey` columns.
    let master_table = config
        .master
        .as_ref()
        .and_then(|m| table(&ctx, &ix, &mut em, m.loc, &m.table));
    if let Some(m) = &config.master {
        if let (Some(t), Some(k)) = (master_table, &m.key_column) {
            column(&ctx, &ix, &mut em, m.loc, t, k);
        }
    }
    for a in config.attributes.iter().flat_map(|l| &l.items) {
        let t = table(&ctx, &ix, &mut em, a.loc, &a.table);
        if let Some(t) = t {
            if let Some(k) = &a.table_key {
                column(&ctx, &ix, &mut em, a.loc, t, k);
            }
            if let Some(c) = &a.column {
                if let Some(dt) = column(&ctx, &ix, &mut em, a.loc, t, c) {
                    if let Some(ty) = &a.type_ {
                        type_fits(&ctx, em.out, a.loc, c, ty, dt);
                    }
                }
            }
        }
        if let (Some(t), Some(k)) = (master_table, &a.master_key) {
            column(&ctx, &ix, &mut em, a.loc, t, k);
        }
    }
    for b in config.behaviors.iter().flat_map(|l| &l.items) {
        let t = table(&ctx, &ix, &mut em, b.loc, &b.table);
        if let Some(t) = t {
            if let Some(k) = &b.table_key {
                column(&ctx, &ix, &mut em, b.loc, t, k);
            }
            if let Some(tc) = &b.time_column {
                if let Some(dt) = column(&ctx, &ix, &mut em, b.loc, t, tc) {
                    time_column(&ctx, em.out, b.loc, tc, dt);
                }
            }
            for col in b.columns.iter().flat_map(|l| &l.items) {
                if let Some(c) = &col.cdw_column {
                    if let Some(dt) = column(&ctx, &ix, &mut em, col.loc, t, c) {
                        if let Some(ty) = &col.type_ {
                            type_fits(&ctx, em.out, col.loc, c, ty, dt);
                        }
                    }
                }
            }
        }
        if let (Some(t), Some(k)) = (master_table, &b.master_key) {
            column(&ctx, &ix, &mut em, b.loc, t, k);
        }
    }
    if settings.warehouse == Warehouse::Snowflake
        && settings.identifier_case == IdentifierCase::Exact
    {
        // A name the catalog settled needs no guess: it was found (perhaps but for its case,
        // reported with the spelling that works), or it is reported unknown with a "did you
        // mean" of the stored name; a case warning would only advise a second, wrong spelling.
        let mut resolved = std::mem::take(&mut em.resolved);
        for d in em.out.iter().filter(|d| {
            matches!(
                d.code,
                Code::CatalogUnknownTable | Code::CatalogUnknownColumn
            )
        }) {
            resolved.insert(d.span);
            resolved.extend(d.related.iter().map(|r| r.span));
        }
        em.out.retain(|d| {
            d.code != Code::IdentifierCase
                || !std::iter::once(d.span)
                    .chain(d.related.iter().map(|r| r.span))
                    .all(|s| resolved.contains(&s))
        });
    }
}

/// A table found in the catalog: (schema index, table index).
type TableAt = (usize, usize);

fn unquoted(s: &str) -> String {
    format!("`{s}`")
}

/// Checks an entry's schema and table; returns the table when the catalog has it (also when only
/// its case differed, which is reported, so its columns are still checked).
fn table(
    ctx: &Ctx,
    ix: &Index,
    em: &mut Emitter,
    loc: Loc,
    tr: &cps_core::config::model::TableRef,
) -> Option<TableAt> {
    let schema = tr.schema.as_ref()?;
    if !lookable(ctx, schema) {
        return None;
    }
    let si = match em.find(ctx, &ix.schemas, Kind::Schema, schema) {
        Found::Exact(i) => i,
        Found::Case(i, stored) => {
            let key = schema.value.to_string();
            let d = || case_diagnostic(ctx, Kind::Schema, loc, schema, stored, "the catalog");
            em.once(1, key, schema, d);
            i
        }
        Found::Missing => {
            let resolved = ctx.resolve(&schema.value).into_owned();
            let hint = em.suggest(2, &resolved, &schema.value, &ix.schemas);
            let is_master = matches!(loc, Loc::Master | Loc::Root);
            let covered: Vec<String> = ix
                .schemas
                .list
                .iter()
                .take(5)
                .map(|s| unquoted(s))
                .collect();
            em.once(2, resolved.clone(), schema, || {
                let mut help = match hint {
                    Some(s) => format!("did you mean {}? ", ctx.spelling(s)),
                    None => String::new(),
                };
                help.push_str(if is_master {
                    "the catalog query asks for this schema in any case, so it is not in that database: check the name, and that the export is of the database the zero-copy config reads"
                } else {
                    "if the schema is right, run `cps snowflake catalog-query` for this config and export its result again"
                });
                let has = if covered.is_empty() {
                    "no schema at all".to_string()
                } else {
                    format!("only {}", covered.join(", "))
                };
                let whose = if is_master { "the master's " } else { "" };
                let d = Diagnostic::new(
                    Code::CatalogNotCovered,
                    format!(
                        "the catalog export has no rows for {whose}schema `{resolved}` (it has {has}), so its tables and columns are not checked"
                    ),
                    schema.span,
                )
                .path(loc.at(schema.key))
                .help(help);
                // Without the master's schema nothing of the segment can be checked, and the
                // query asks for it in any case: it is not there.
                if is_master {
                    d.severity(Severity::Error)
                } else {
                    d
                }
            });
            return None;
        }
    };
    let table = tr.table.as_ref()?;
    if !lookable(ctx, table) {
        return None;
    }
    let s = &ix.schemas_idx[si];
    let schema_name = ix.schemas.list[si];
    match em.find(ctx, &s.tables, Kind::Table, table) {
        Found::Exact(ti) => Some((si, ti)),
        Found::Case(ti, stored) => {
            let key = format!("{schema_name}\u{0}{}", table.value);
            em.once(3, key, table, || {
                case_diagnostic(
                    ctx,
                    Kind::Table,
                    loc,
                    table,
                    stored,
                    &format!("schema `{schema_name}`"),
                )
            });
            Some((si, ti))
        }
        Found::Missing => {
            let key = format!("{schema_name}\u{0}{}", table.value);
            let hint = em.suggest(4, &key, &table.value, &s.tables);
            em.once(4, key, table, || {
                missing_diagnostic(
                    ctx,
                    Code::CatalogUnknownTable,
                    Kind::Table,
                    loc,
                    table,
                    &format!("schema `{schema_name}`"),
                    hint,
                    &s.tables,
                )
            });
            None
        }
    }
}

/// Checks one column of a found table; returns its data type when the catalog has it.
fn column<'c>(
    ctx: &Ctx,
    ix: &Index<'c>,
    em: &mut Emitter,
    loc: Loc,
    (si, ti): TableAt,
    c: &Text,
) -> Option<&'c str> {
    if !lookable(ctx, c) {
        return None;
    }
    let t = &ix.schemas_idx[si].tables_idx[ti];
    let table_name = format!(
        "{}.{}",
        ix.schemas.list[si], ix.schemas_idx[si].tables.list[ti]
    );
    match em.find(ctx, &t.columns, Kind::Column, c) {
        Found::Exact(ci) => t.types.get(ci).copied(),
        Found::Case(ci, stored) => {
            let key = format!("{table_name}\u{0}{}", c.value);
            em.once(5, key, c, || {
                case_diagnostic(
                    ctx,
                    Kind::Column,
                    loc,
                    c,
                    stored,
                    &format!("table `{table_name}`"),
                )
            });
            t.types.get(ci).copied()
        }
        Found::Missing => {
            let key = format!("{table_name}\u{0}{}", c.value);
            let hint = em.suggest(6, &key, &c.value, &t.columns);
            em.once(6, key, c, || {
                missing_diagnostic(
                    ctx,
                    Code::CatalogUnknownColumn,
                    Kind::Column,
                    loc,
                    c,
                    &format!("table `{table_name}`"),
                    hint,
                    &t.columns,
                )
            });
            None
        }
    }
}

fn case_diagnostic(
    ctx: &Ctx,
    kind: Kind,
    loc: Loc,
    t: &Text,
    stored: &str,
    within: &str,
) -> Diagnostic {
    let what = kind.as_str();
    let head = format!("{what} `{}` is not in {within}", t.value);
    let message = if ctx.settings.warehouse != Warehouse::Snowflake {
        format!("{head}, which has `{stored}`: the case differs")
    } else {
        match ident::parse(&t.value) {
            Ok(id) if id.quoted => format!(
                "{head}: quoted, the name means exactly `{}`, and {within} has `{stored}`",
                id.resolved
            ),
            Ok(id) => format!(
                "{head}: unquoted, Snowflake resolves it as `{}`, and {within} has `{stored}`{}",
                id.resolved,
                if created_quoted(stored) {
                    " (created with quotes)"
                } else {
                    ""
                }
            ),
            Err(_) => format!("{head}, which has `{stored}`"),
        }
    };
    let help = if ctx.settings.warehouse != Warehouse::Snowflake || !created_quoted(stored) {
        format!("write {}", ctx.spelling(stored))
    } else {
        format!(
            "write {}: a name created in quotes keeps its case, and only the quoted name finds it",
            ctx.spelling(stored)
        )
    };
    Diagnostic::new(Code::CatalogNameCase, message, t.span)
        .path(loc.at(t.key))
        .help(help)
}

/// Whether a stored name can only have been created quoted: an unquoted name would have been
/// stored in upper case.
fn created_quoted(stored: &str) -> bool {
    ident::parse(stored)
        .map(|s| s.quoted || s.resolved != stored)
        .unwrap_or(true)
}

#[allow(clippy::too_many_arguments)]
fn missing_diagnostic(
    ctx: &Ctx,
    code: Code,
    kind: Kind,
    loc: Loc,
    t: &Text,
    within: &str,
    hint: Option<&str>,
    names: &Names,
) -> Diagnostic {
    let resolved = ctx.resolve(&t.value);
    let shown = if resolved != t.value.as_str() {
        format!("`{}` (resolved: `{resolved}`)", t.value)
    } else {
        format!("`{}`", t.value)
    };
    let help = match hint {
        Some(s) => format!("did you mean {}?", ctx.spelling(s)),
        None if names.list.is_empty() => "check the name".to_string(),
        None => {
            let mut listed: Vec<String> = names.list.iter().take(8).map(|n| unquoted(n)).collect();
            if names.list.len() > 8 {
                listed.push(format!("… ({} in all)", names.list.len()));
            }
            format!("{within} has {}", listed.join(", "))
        }
    };
    Diagnostic::new(
        code,
        format!("{} {shown} is not in {within}", kind.as_str()),
        t.span,
    )
    .path(loc.at(t.key))
    .help(help)
}

/// What a warehouse data type holds, as far as the config's `type` is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    String,
    Number,
    /// TIMESTAMP_*, DATETIME.
    Timestamp,
    Date,
    Boolean,
    /// With the element's family when the type says (`ARRAY<STRING>`, `ARRAY(NUMBER)`).
    Array(Option<Element>),
    /// A type known to match no config `type` (VARIANT, OBJECT, BINARY, TIME, …).
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Element {
    String,
    Number,
    Other,
}

/// `NUMBER(38,0)` → `NUMBER`; `ARRAY<STRING>` → `ARRAY`.
fn base_type(dt: &str) -> String {
    let end = dt.find(['(', '<']).unwrap_or(dt.len());
    dt[..end].trim().to_ascii_uppercase()
}

fn family(dt: &str) -> Option<Family> {
    let base = base_type(dt);
    Some(match base.as_str() {
        "TEXT" | "VARCHAR" | "CHAR" | "CHARACTER" | "STRING" | "NCHAR" | "NVARCHAR"
        | "NVARCHAR2" | "CHAR VARYING" | "NCHAR VARYING" | "CHARACTER VARYING" => Family::String,
        "NUMBER" | "DECIMAL" | "DEC" | "NUMERIC" | "BIGNUMERIC" | "BIGDECIMAL" | "INT"
        | "INTEGER" | "BIGINT" | "SMALLINT" | "TINYINT" | "BYTEINT" | "INT64" | "INT32"
        | "INT16" | "INT8" | "FLOAT" | "FLOAT4" | "FLOAT8" | "FLOAT64" | "DOUBLE"
        | "DOUBLE PRECISION" | "REAL" | "LONG" | "SHORT" | "BYTE" => Family::Number,
        "DATE" => Family::Date,
        "DATETIME" => Family::Timestamp,
        b if b.starts_with("TIMESTAMP") => Family::Timestamp,
        "BOOLEAN" | "BOOL" => Family::Boolean,
        "ARRAY" => {
            let inner = dt
                .find(['(', '<'])
                .map(|i| dt[i + 1..].trim_end_matches([')', '>']).trim())
                .filter(|s| !s.is_empty());
            Family::Array(inner.map(|e| match family(e) {
                Some(Family::String) => Element::String,
                Some(Family::Number) => Element::Number,
                _ => Element::Other,
            }))
        }
        "VARIANT" | "OBJECT" | "MAP" | "STRUCT" | "RECORD" | "JSON" | "BINARY" | "VARBINARY"
        | "BYTES" | "GEOGRAPHY" | "GEOMETRY" | "VECTOR" | "TIME" | "INTERVAL" | "FILE" => {
            Family::Other
        }
        _ => return None,
    })
}

/// Whether a config `type` reads a column of this family; `None` for a `type` cps does not know
/// (reported by the type rule).
fn accepts(ty: &str, f: Family) -> Option<bool> {
    Some(match ty {
        "string" => f == Family::String,
        "number" => f == Family::Number,
        "timestamp" | "date" => matches!(f, Family::Timestamp | Family::Date),
        "boolean" => f == Family::Boolean,
        "string_array" => matches!(f, Family::Array(None | Some(Element::String))),
        "number_array" => matches!(f, Family::Array(None | Some(Element::Number))),
        _ => return None,
    })
}

/// The config `type` for a family, if there is one (DATE: `date` where the profile has it).
fn type_for(f: Family, allowed: &[&str]) -> Option<&'static str> {
    match f {
        Family::String => Some("string"),
        Family::Number => Some("number"),
        Family::Date if allowed.contains(&"date") => Some("date"),
        Family::Timestamp | Family::Date => Some("timestamp"),
        Family::Boolean => Some("boolean"),
        Family::Array(Some(Element::Number)) => Some("number_array"),
        Family::Array(Some(Element::String)) => Some("string_array"),
        Family::Array(_) | Family::Other => None,
    }
}

fn type_fits(ctx: &Ctx, out: &mut Vec<Diagnostic>, loc: Loc, col: &Text, ty: &Text, dt: &str) {
    let allowed = ctx.settings.types.types();
    if !allowed.contains(&ty.value.as_str()) {
        return; // reported by the type rule
    }
    let fam = family(dt);
    let Some(fam) = fam else {
        out.push(
            Diagnostic::new(
                Code::CatalogTypeMismatch,
                format!(
                    "column `{}` is `{dt}`, a data type cps does not know; it cannot tell whether `type: {}` fits",
                    col.value, ty.value
                ),
                ty.span,
            )
            .severity(Severity::Warning)
            .path(loc.at(ty.key))
            .help("TD answers 400 when `type` does not match the column: if the upload is refused, expose the column as VARCHAR or NUMBER in a view"),
        );
        return;
    };
    if accepts(&ty.value, fam) != Some(false) {
        return;
    }
    let help = match type_for(fam, allowed) {
        Some(t) if allowed.contains(&t) => format!("write `type: {t}`"),
        Some(t) => format!(
            "the type profile setting (which `type` values the backend accepts) is `{}`, whose set has no `{t}`: expose the column as VARCHAR or NUMBER in a view, or choose another set in the type profile setting",
            ctx.settings.types.as_str()
        ),
        None if matches!(fam, Family::Array(_)) => {
            "write `type: string_array` or `type: number_array`, after the array's elements".into()
        }
        None => format!(
            "no `type` reads `{dt}`: expose the column as VARCHAR, NUMBER or TIMESTAMP in a view"
        ),
    };
    out.push(
        Diagnostic::new(
            Code::CatalogTypeMismatch,
            format!(
                "`type: {}` does not match column `{}`, which is `{dt}`",
                ty.value, col.value
            ),
            ty.span,
        )
        .path(loc.at(ty.key))
        .related(col.span, "the column")
        .help(help),
    );
}

fn time_column(ctx: &Ctx, out: &mut Vec<Diagnostic>, loc: Loc, tc: &Text, dt: &str) {
    let base = base_type(dt);
    let fam = family(dt);
    let wh = ctx.settings.warehouse;
    let ok = match wh {
        Warehouse::Bigquery => base == "TIMESTAMP" || base == "INT64" || base == "INTEGER",
        _ => matches!(fam, Some(Family::Timestamp | Family::Date)),
    };
    if !ok {
        let wanted = match wh {
            Warehouse::Snowflake => "TIMESTAMP_NTZ, TIMESTAMP_LTZ, TIMESTAMP_TZ or DATE",
            Warehouse::Databricks => "TIMESTAMP, TIMESTAMP_NTZ or DATE",
            Warehouse::Bigquery => "TIMESTAMP or INT64 (Unix seconds)",
        };
        let help = match fam {
            Some(Family::String) => format!(
                "point `{}` at the event time column, or expose this one as a timestamp in a view (TRY_TO_TIMESTAMP({}))",
                tc.key, tc.value
            ),
            Some(Family::Number) => format!(
                "if it holds Unix seconds, expose it as a timestamp in a view (TO_TIMESTAMP({})); else point `{}` at the event time column",
                tc.value, tc.key
            ),
            _ => format!("point `{}` at the event time column", tc.key),
        };
        out.push(
            Diagnostic::new(
                Code::CatalogTimeType,
                format!(
                    "time column `{}` is `{dt}`; a behavior's time column must be {wanted}",
                    tc.value
                ),
                tc.span,
            )
            .path(loc.at(tc.key))
            .help(help),
        );
        return;
    }
    let no_zone = match wh {
        Warehouse::Snowflake => {
            base == "TIMESTAMP_NTZ" || base == "TIMESTAMP" || base == "DATETIME" || base == "DATE"
        }
        Warehouse::Databricks => base == "TIMESTAMP_NTZ" || base == "DATE",
        Warehouse::Bigquery => false,
    };
    if !no_zone {
        return;
    }
    let (zone, zone_text) = match ctx.timezone {
        Some(z) => (z.value.to_string(), format!("`{}`", z.value)),
        None => ("UTC".to_string(), "(not set)".to_string()),
    };
    if base == "DATE" {
        out.push(
            Diagnostic::new(
                Code::CatalogTimeZone,
                format!(
                    "time column `{}` is `DATE`: it holds days, with no time of day or zone; TD reads the days in the segment's `timezone` {zone_text}",
                    tc.value
                ),
                tc.span,
            )
            .path(loc.at(tc.key))
            .help(format!(
                "fine for conditions by day; for windows in hours, point `{}` at a timestamp column",
                tc.key
            )),
        );
        return;
    }
    out.push(
        Diagnostic::new(
            Code::CatalogTimeZone,
            format!(
                "time column `{}` is `{dt}`, which holds no time zone: TD reads its values as times in the segment's `timezone` {zone_text}",
                tc.value
            ),
            tc.span,
        )
        .path(loc.at(tc.key))
        .help(format!(
            "if the values were written in another zone (often UTC), convert them in a view, e.g. CONVERT_TIMEZONE('UTC', '{zone}', {}), or store them as TIMESTAMP_TZ; if they are {zone} times, nothing to do",
            tc.value
        )),
    );
}

/// The catalog's distinct schema, table and column names as a config should write them: as
/// stored when Snowflake resolves the unquoted name to it (`CUSTOMERS`), else quoted
/// (`"Customers"`). Sorted, for editor completion.
pub fn completions(catalog: &Catalog) -> Vec<String> {
    let mut set = std::collections::BTreeSet::new();
    let mut last: Option<(&str, &str)> = None;
    for c in &catalog.columns {
        if last != Some((&c.schema, &c.table)) {
            set.insert(config_spelling(&c.schema));
            set.insert(config_spelling(&c.table));
            last = Some((&c.schema, &c.table));
        }
        set.insert(config_spelling(&c.column));
    }
    set.into_iter().filter(|s| !s.is_empty()).collect()
}

fn config_spelling(stored: &str) -> String {
    if stored.is_empty() {
        return String::new();
    }
    match ident::parse(stored) {
        Ok(id) if !id.quoted && id.resolved == stored => stored.to_string(),
        _ => ident::quote(stored),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_quoting_and_line_ends() {
        let t = "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\r\nPUBLIC,\"a,b\",\"say \"\"hi\"\"\",TEXT\r\nPUBLIC,T,\"x\ny\",NUMBER\n\n";
        let c = parse_catalog(t).unwrap();
        assert_eq!(c.columns.len(), 2);
        assert_eq!(c.columns[0].table, "a,b");
        assert_eq!(c.columns[0].column, "say \"hi\"");
        assert_eq!(c.columns[1].column, "x\ny");
        assert_eq!(c.columns[1].data_type, "NUMBER");
    }

    #[test]
    fn tsv_and_extra_columns() {
        let t = "table_catalog\ttable_schema\ttable_name\tcolumn_name\tordinal\tdata_type\nDB\tS\tT\tC\t1\tTEXT";
        let c = parse_catalog(t).unwrap();
        assert_eq!(
            c.columns,
            vec![CatalogColumn {
                schema: "S".into(),
                table: "T".into(),
                column: "C".into(),
                data_type: "TEXT".into()
            }]
        );
    }

    #[test]
    fn json_shapes() {
        let a = r#"[{"table_schema":"S","TABLE_NAME":"T","Column_Name":"C","DATA_TYPE":"TEXT","X":{"y":[1]}}]"#;
        let b = r#"{"resultSetMetaData":{"rowType":[{"name":"TABLE_SCHEMA"},{"name":"TABLE_NAME"},{"name":"COLUMN_NAME"},{"name":"DATA_TYPE"}]},"data":[["S","T","C","TEXT"]],"code":"090001"}"#;
        let c = r#"[["TABLE_SCHEMA","TABLE_NAME","COLUMN_NAME","DATA_TYPE"],["S","T","C","TEXT"]]"#;
        for t in [a, b, c] {
            let cat = parse_catalog(t).unwrap();
            assert_eq!(cat.columns.len(), 1, "{t}");
            assert_eq!(cat.columns[0].column, "C");
        }
    }

    #[test]
    fn show_columns_data_type() {
        assert_eq!(
            data_type_text(r#"{"type":"FIXED","precision":38}"#),
            "NUMBER"
        );
        assert_eq!(
            data_type_text(r#"{"type":"TEXT","length":16777216}"#),
            "TEXT"
        );
    }

    #[test]
    fn errors_name_what_was_found() {
        let e = parse_catalog("a,b,c\n1,2,3").unwrap_err();
        assert!(e.contains("has: a, b, c"), "{e}");
        let e =
            parse_catalog("TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\n\"open,x").unwrap_err();
        assert!(e.contains("never closed"), "{e}");
        assert!(parse_catalog("").is_err());
        assert!(parse_catalog("\0\0").is_err());
    }

    #[test]
    fn families() {
        assert_eq!(family("NUMBER(38,0)"), Some(Family::Number));
        assert_eq!(family("TIMESTAMP_NTZ(9)"), Some(Family::Timestamp));
        assert_eq!(
            family("ARRAY<STRING>"),
            Some(Family::Array(Some(Element::String)))
        );
        assert_eq!(family("ARRAY"), Some(Family::Array(None)));
        assert_eq!(family("VARIANT"), Some(Family::Other));
        assert_eq!(family("WEIRD"), None);
    }
}
