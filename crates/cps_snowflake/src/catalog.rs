//! Catalog-aware checks (spec §5: V13, V17, V22), offline: the user runs
//! [`crate::sql::catalog_query_sql`] in Snowsight and gives cps the exported result, and
//! cps checks every schema, table and column the config names against it, under the name the
//! warehouse resolves (Snowflake: unquoted names in upper case, quoted names exactly), plus each
//! `type` against the column's data type and each behavior's time column.
//!
//! The export is read here too ([`parse_catalog`]): CSV (quoted fields, `""` escapes, CRLF), TSV,
//! or JSON. Reading is bounded: at most [`MAX_ROWS`] rows and [`MAX_EXPORT_BYTES`] bytes, and
//! JSON is read row by row without building a document tree.

/// The check pack's report lives with its SQL in [`crate::snowflake`]; it is here too, next to
/// the other reader of Snowsight exports.
pub use crate::sql::{check_pack_report, Finding};

use cps_core::config::model::{Config, Loc, Syntax, Text};
use cps_core::config::options::{IdentifierCase, Settings, Warehouse};
use cps_core::diagnostics::{Code, Diagnostic, Related, Severity};
use cps_core::rules::ident;
use cps_core::syntax::span::Span;
use std::collections::{HashMap, HashSet};

/// Rows read from one export at most (a catalog of a few schemas has a few thousand).
pub const MAX_ROWS: usize = 200_000;
/// Bytes read from one export at most.
pub const MAX_EXPORT_BYTES: usize = 64 * 1024 * 1024;
/// Fields in one row at most.
const MAX_FIELDS: usize = 4096;

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
    let columns = rows
        .into_iter()
        .map(|(_, mut r)| {
            let data_type = data_type_text(&r[3]);
            CatalogColumn {
                column: std::mem::take(&mut r[2]),
                table: std::mem::take(&mut r[1]),
                schema: std::mem::take(&mut r[0]),
                data_type,
            }
        })
        .collect();
    Ok(Catalog { columns })
}

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
// Tabular exports (shared with the check pack's results)

/// Reads a tabular export and returns, for every data row, where it is (`line 3`, `row 2`) and
/// the values of the `wanted` columns in that order. `wanted` is `(name, accepted header names)`;
/// header names match in any case, with spaces for `_`.
pub(crate) fn parse_table(
    text: &str,
    wanted: &[(&str, &[&str])],
) -> Result<Vec<(String, Vec<String>)>, String> {
    if text.len() > MAX_EXPORT_BYTES {
        return Err(format!(
            "the export is over {MAX_EXPORT_BYTES} bytes; a catalog of the config's schemas is far smaller"
        ));
    }
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    if text.bytes().any(|b| b == 0) {
        return Err("this is a binary file, not a CSV, TSV or JSON export".into());
    }
    if text.trim().is_empty() {
        return Err("the export is empty".into());
    }
    match text.trim_start().as_bytes().first() {
        Some(b'[') | Some(b'{') => json_table(text, wanted),
        _ => delimited_table(text, wanted),
    }
}

fn norm_header(h: &str) -> String {
    h.trim()
        .trim_matches('"')
        .trim()
        .to_ascii_uppercase()
        .replace(' ', "_")
}

/// The index of every wanted column in `header`, or what is missing.
fn locate(header: &[String], wanted: &[(&str, &[&str])]) -> Result<Vec<usize>, String> {
    let normed: Vec<String> = header.iter().map(|h| norm_header(h)).collect();
    let mut idx = Vec::new();
    let mut missing = Vec::new();
    for (name, aliases) in wanted {
        match aliases
            .iter()
            .find_map(|a| normed.iter().position(|h| h == a))
        {
            Some(i) => idx.push(i),
            None => missing.push(*name),
        }
    }
    if missing.is_empty() {
        return Ok(idx);
    }
    let mut found: Vec<String> = header
        .iter()
        .take(12)
        .map(|h| {
            let mut s: String = h.chars().take(40).filter(|c| !c.is_control()).collect();
            if h.chars().count() > 40 {
                s.push('…');
            }
            s
        })
        .collect();
    if header.len() > 12 {
        found.push(format!("… ({} in all)", header.len()));
    }
    let want: Vec<&str> = wanted.iter().map(|(n, _)| *n).collect();
    Err(format!(
        "the export has no {} {}; its first row has: {} (the first row must name the columns {})",
        missing.join(", "),
        if missing.len() == 1 {
            "column"
        } else {
            "columns"
        },
        if found.is_empty() {
            "nothing".to_string()
        } else {
            found.join(", ")
        },
        want.join(", ")
    ))
}

fn too_many_rows() -> String {
    format!("the export has more than {MAX_ROWS} rows; limit the query to the config's schemas")
}

/// A CSV/TSV reader: RFC 4180 quoting (`"a,b"`, `""` for a quote, line breaks inside quotes),
/// LF or CRLF line ends.
struct Records<'a> {
    s: &'a str,
    pos: usize,
    line: usize,
    delim: u8,
}

impl<'a> Records<'a> {
    fn new(s: &'a str, delim: u8) -> Self {
        Records {
            s,
            pos: 0,
            line: 1,
            delim,
        }
    }

    /// The next record and the line it starts on.
    fn next_record(&mut self) -> Option<Result<(usize, Vec<String>), String>> {
        let b = self.s.as_bytes();
        if self.pos >= b.len() {
            return None;
        }
        let start_line = self.line;
        let mut fields: Vec<String> = Vec::new();
        loop {
            if fields.len() >= MAX_FIELDS {
                return Some(Err(format!(
                    "line {start_line} has more than {MAX_FIELDS} fields"
                )));
            }
            if b.get(self.pos) == Some(&b'"') {
                let open_line = self.line;
                self.pos += 1;
                let mut value = String::new();
                loop {
                    let rest = &b[self.pos..];
                    let Some(q) = rest.iter().position(|&c| c == b'"') else {
                        return Some(Err(format!(
                            "line {open_line}: a quoted field is never closed (a `\"` is missing)"
                        )));
                    };
                    // Positions of ASCII bytes are always character boundaries.
                    let piece = &self.s[self.pos..self.pos + q];
                    self.line += piece.bytes().filter(|&c| c == b'\n').count();
                    value.push_str(piece);
                    self.pos += q + 1;
                    if b.get(self.pos) == Some(&b'"') {
                        value.push('"');
                        self.pos += 1;
                    } else {
                        break;
                    }
                }
                fields.push(value);
                match b.get(self.pos) {
                    None => return Some(Ok((start_line, fields))),
                    Some(&c) if c == self.delim => self.pos += 1,
                    Some(b'\n') => {
                        self.pos += 1;
                        self.line += 1;
                        return Some(Ok((start_line, fields)));
                    }
                    Some(b'\r') if b.get(self.pos + 1) == Some(&b'\n') => {
                        self.pos += 2;
                        self.line += 1;
                        return Some(Ok((start_line, fields)));
                    }
                    Some(_) => {
                        return Some(Err(format!(
                            "line {}: text after a closing quote (inside a quoted field, a `\"` is written `\"\"`)",
                            self.line
                        )))
                    }
                }
            } else {
                let rest = &b[self.pos..];
                let end = rest
                    .iter()
                    .position(|&c| c == self.delim || c == b'\n')
                    .map_or(b.len(), |i| self.pos + i);
                let mut field = &self.s[self.pos..end];
                let at_line_end = b.get(end) != Some(&self.delim);
                if at_line_end {
                    field = field.strip_suffix('\r').unwrap_or(field);
                }
                fields.push(field.to_string());
                // Past the delimiter or line end; a delimiter right before the end leaves an
                // empty last field, read by the next turn.
                self.pos = end + 1;
                if at_line_end {
                    if end < b.len() {
                        self.line += 1;
                    }
                    return Some(Ok((start_line, fields)));
                }
            }
        }
    }
}

fn delimited_table(
    text: &str,
    wanted: &[(&str, &[&str])],
) -> Result<Vec<(String, Vec<String>)>, String> {
    // The header decides the delimiter: the first one under which every wanted column is found.
    type Candidate = (u8, Vec<String>, Result<Vec<usize>, String>);
    let mut best: Option<Candidate> = None;
    // A header that does not even parse under a delimiter rules that one out (`"A","B"` read
    // with tabs has text after a closing quote); if none parses, the comma's error is reported.
    let mut comma_error = None;
    for delim in [b'\t', b',', b';', b'|'] {
        let mut r = Records::new(text, delim);
        let header = match r.next_record() {
            Some(Ok((_, h))) => h,
            Some(Err(e)) => {
                if delim == b',' {
                    comma_error = Some(e);
                }
                continue;
            }
            None => return Err("the export is empty".into()),
        };
        let located = locate(&header, wanted);
        let better = match &best {
            None => true,
            Some((_, h, Err(_))) => located.is_ok() || header.len() > h.len(),
            Some((_, _, Ok(_))) => false,
        };
        if better {
            best = Some((delim, header, located));
        }
    }
    let Some((delim, _, located)) = best else {
        return Err(comma_error.unwrap_or_else(|| "the export is empty".into()));
    };
    let idx = located?;
    let needed = idx.iter().copied().max().unwrap_or(0) + 1;
    let mut r = Records::new(text, delim);
    let _ = r.next_record();
    let mut rows = Vec::new();
    while let Some(rec) = r.next_record() {
        let (line, mut fields) = rec?;
        if fields.len() == 1 && fields[0].trim().is_empty() {
            continue;
        }
        if fields.len() < needed {
            return Err(format!(
                "line {line} has {} fields; the header needs at least {needed}",
                fields.len()
            ));
        }
        if rows.len() >= MAX_ROWS {
            return Err(too_many_rows());
        }
        let picked = idx
            .iter()
            .map(|&i| std::mem::take(&mut fields[i]))
            .collect();
        rows.push((format!("line {line}"), picked));
    }
    Ok(rows)
}

/// JSON exports, read without a document tree: an array of objects (`[{"TABLE_NAME": …}]`), an
/// array of arrays whose first row is the header, or the SQL API's result
/// (`{"resultSetMetaData": {"rowType": [{"name": …}]}, "data": [[…]]}`); an object whose `data`,
/// `rows` or `results` holds such an array is read too.
mod json_rows {
    use super::{too_many_rows, MAX_FIELDS, MAX_ROWS};
    use serde::de::{self, Deserialize, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use std::fmt;

    pub enum Row {
        Map(Vec<(String, String)>),
        List(Vec<String>),
    }

    #[derive(Default)]
    pub struct Doc {
        pub header: Option<Vec<String>>,
        pub rows: Option<Vec<Row>>,
    }

    /// A scalar as text; nested values become empty.
    struct Cell(String);

    impl<'de> Deserialize<'de> for Cell {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Cell;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a value")
                }
                fn visit_str<E>(self, v: &str) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_string<E>(self, v: String) -> Result<Cell, E> {
                    Ok(Cell(v))
                }
                fn visit_bool<E>(self, v: bool) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_i64<E>(self, v: i64) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_u64<E>(self, v: u64) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_f64<E>(self, v: f64) -> Result<Cell, E> {
                    Ok(Cell(v.to_string()))
                }
                fn visit_unit<E>(self) -> Result<Cell, E> {
                    Ok(Cell(String::new()))
                }
                fn visit_none<E>(self) -> Result<Cell, E> {
                    Ok(Cell(String::new()))
                }
                fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Cell, D::Error> {
                    Cell::deserialize(d)
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Cell, A::Error> {
                    while a.next_element::<IgnoredAny>()?.is_some() {}
                    Ok(Cell(String::new()))
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Cell, A::Error> {
                    while a.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
                    Ok(Cell(String::new()))
                }
            }
            d.deserialize_any(V)
        }
    }

    impl<'de> Deserialize<'de> for Row {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Row;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a row: an object or a list")
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Row, A::Error> {
                    let mut v = Vec::new();
                    while let Some((k, c)) = a.next_entry::<String, Cell>()? {
                        if v.len() >= MAX_FIELDS {
                            return Err(de::Error::custom(format!(
                                "a row has more than {MAX_FIELDS} fields"
                            )));
                        }
                        v.push((k, c.0));
                    }
                    Ok(Row::Map(v))
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Row, A::Error> {
                    let mut v = Vec::new();
                    while let Some(c) = a.next_element::<Cell>()? {
                        if v.len() >= MAX_FIELDS {
                            return Err(de::Error::custom(format!(
                                "a row has more than {MAX_FIELDS} fields"
                            )));
                        }
                        v.push(c.0);
                    }
                    Ok(Row::List(v))
                }
            }
            d.deserialize_any(V)
        }
    }

    struct Rows(Vec<Row>);

    impl<'de> Deserialize<'de> for Rows {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Rows;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a list of rows")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Rows, A::Error> {
                    let mut v = Vec::new();
                    while let Some(r) = a.next_element::<Row>()? {
                        if v.len() > MAX_ROWS {
                            return Err(de::Error::custom(too_many_rows()));
                        }
                        v.push(r);
                    }
                    Ok(Rows(v))
                }
            }
            d.deserialize_seq(V)
        }
    }

    /// `rowType`: `[{"name": "TABLE_NAME", …}, …]` (or plain strings).
    struct Names(Vec<String>);

    impl<'de> Deserialize<'de> for Names {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Names;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a list of column descriptions")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, mut a: A) -> Result<Names, A::Error> {
                    let mut v = Vec::new();
                    while let Some(r) = a.next_element::<Row>()? {
                        if v.len() >= MAX_FIELDS {
                            return Err(de::Error::custom("too many columns"));
                        }
                        v.push(match r {
                            Row::Map(m) => m
                                .into_iter()
                                .find(|(k, _)| k.eq_ignore_ascii_case("name"))
                                .map(|(_, n)| n)
                                .unwrap_or_default(),
                            Row::List(l) => l.into_iter().next().unwrap_or_default(),
                        });
                    }
                    Ok(Names(v))
                }
            }
            d.deserialize_seq(V)
        }
    }

    /// A single string is a row of its own here (`rowType` entries may be plain names).
    impl<'de> Deserialize<'de> for Doc {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            struct V;
            impl<'de> Visitor<'de> for V {
                type Value = Doc;
                fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                    f.write_str("a list of rows, or an object holding one")
                }
                fn visit_seq<A: SeqAccess<'de>>(self, a: A) -> Result<Doc, A::Error> {
                    let rows = Rows::deserialize(de::value::SeqAccessDeserializer::new(a))?;
                    Ok(Doc {
                        header: None,
                        rows: Some(rows.0),
                    })
                }
                fn visit_map<A: MapAccess<'de>>(self, mut a: A) -> Result<Doc, A::Error> {
                    let mut doc = Doc::default();
                    while let Some(k) = a.next_key::<String>()? {
                        match k.to_ascii_lowercase().as_str() {
                            "data" | "rows" | "results" | "result" | "resultset"
                                if doc.rows.is_none() =>
                            {
                                let inner = a.next_value::<Doc>()?;
                                doc.rows = inner.rows;
                                if doc.header.is_none() {
                                    doc.header = inner.header;
                                }
                            }
                            "rowtype" | "columns" if doc.header.is_none() => {
                                doc.header = Some(a.next_value::<Names>()?.0);
                            }
                            "resultsetmetadata" | "metadata" => {
                                let inner = a.next_value::<Doc>()?;
                                if doc.header.is_none() {
                                    doc.header = inner.header;
                                }
                            }
                            _ => {
                                a.next_value::<IgnoredAny>()?;
                            }
                        }
                    }
                    Ok(doc)
                }
            }
            d.deserialize_any(V)
        }
    }
}

fn json_table(
    text: &str,
    wanted: &[(&str, &[&str])],
) -> Result<Vec<(String, Vec<String>)>, String> {
    use serde::Deserialize;
    let mut de = serde_json::Deserializer::from_str(text);
    let doc = json_rows::Doc::deserialize(&mut de)
        .and_then(|d| de.end().map(|_| d))
        .map_err(|e| format!("the JSON export cannot be read: {e}"))?;
    let Some(rows) = doc.rows else {
        return Err("the JSON export holds no rows: expected a list of objects with the columns, or an object with `data`".into());
    };
    let mut rows = rows.into_iter().peekable();
    let header: Vec<String> = match (doc.header, rows.peek()) {
        (Some(h), _) => h,
        (None, Some(json_rows::Row::Map(m))) => m.iter().map(|(k, _)| k.clone()).collect(),
        (None, Some(json_rows::Row::List(_))) => match rows.next() {
            Some(json_rows::Row::List(h)) => h,
            _ => Vec::new(),
        },
        (None, None) => return Ok(Vec::new()),
    };
    let idx = locate(&header, wanted)?;
    let normed: Vec<String> = idx.iter().map(|&i| norm_header(&header[i])).collect();
    let mut out = Vec::new();
    for (n, row) in rows.enumerate() {
        if out.len() >= MAX_ROWS {
            return Err(too_many_rows());
        }
        let picked = match row {
            json_rows::Row::List(mut l) => idx
                .iter()
                .map(|&i| l.get_mut(i).map(std::mem::take).unwrap_or_default())
                .collect(),
            json_rows::Row::Map(m) => {
                let mut picked = vec![String::new(); normed.len()];
                for (k, v) in m {
                    let k = norm_header(&k);
                    if let Some(slot) = normed.iter().position(|w| *w == k) {
                        picked[slot] = v;
                    }
                }
                picked
            }
        };
        out.push((format!("row {}", n + 1), picked));
    }
    Ok(out)
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
                d.related.push(Related {
                    span: t.span,
                    message: "same name".into(),
                });
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
            "the `{}` type profile has no `{t}`: expose the column as VARCHAR or NUMBER in a view, or check the type profile setting",
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
