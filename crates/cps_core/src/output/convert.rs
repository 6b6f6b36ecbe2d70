//! Conversion: the exact JSON body `POST /composable_audiences` receives, and tdx YAML.
//!
//! Both writers take the decoded [`Config`], so any input dialect converts to any output (a GET
//! response's flat shape included). The API body gets `kind`, `isComposable` and `master.name`
//! (derived from the table) when the input lacks them (tdx files and GET responses never carry
//! `master.name`); server-assigned fields and unknown keys are left out. For Databricks and
//! BigQuery, an entry without its own `catalog` gets the master's (S31's entries carry none).
//!
//! `allowActivationBehavior` and `maxActivationBehaviorRow` (S31's optional audience settings)
//! are kept in the API body, at the top level where TD's published schema has them; tdx YAML
//! documents no keys for them (S4, S11), so tdx output leaves them out rather than invent keys
//! tdx would not read. The Formats tab and the README say so.

use crate::config::model::*;
use crate::config::options::{Options, Settings};
use crate::diagnostics::{Diagnostic, Severity};
use crate::rules::ident;
use serde_json::{Map, Value as J};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    ApiJson,
    ApiYaml,
    TdxYaml,
}

impl Target {
    pub fn parse(s: &str) -> Option<Target> {
        match s {
            "api-json" => Some(Target::ApiJson),
            "api-yaml" => Some(Target::ApiYaml),
            "tdx-yaml" => Some(Target::TdxYaml),
            _ => None,
        }
    }
}

/// Whether a diagnostic stops conversion: any error. (What conversion adds itself, `kind`,
/// `isComposable` and `master.name`, is an `added-on-upload` note, not an error.)
pub fn blocks_conversion(d: &Diagnostic) -> bool {
    d.severity == Severity::Error
}

/// Checks `text` and converts it. `Err` carries the check whose errors block conversion.
pub fn convert(
    text: &str,
    options: &Options,
    target: Target,
) -> Result<String, Box<crate::Checked>> {
    let mut checked = crate::check(text, options);
    checked.expect_parent(
        "cps converts parent segments; a segment file is tdx YAML, the only form tdx pushes",
    );
    if checked.diagnostics.iter().any(blocks_conversion) {
        return Err(Box::new(checked));
    }
    let Some(config) = &checked.config else {
        return Err(Box::new(checked));
    };
    Ok(match target {
        Target::ApiJson => to_api_json(config, &checked.settings),
        Target::ApiYaml => to_api_yaml(config, &checked.settings),
        Target::TdxYaml => to_tdx_yaml(config, &checked.settings),
    })
}

/// Writes the config in `target`'s format.
pub fn write(config: &Config, settings: &Settings, target: Target) -> String {
    match target {
        Target::ApiJson => to_api_json(config, settings),
        Target::ApiYaml => to_api_yaml(config, settings),
        Target::TdxYaml => to_tdx_yaml(config, settings),
    }
}

impl Target {
    /// The format a checked file is in, as a conversion target (tdx in JSON is written as YAML;
    /// a GET response, which cps does not write, as the API body in its syntax).
    pub fn of(syntax: crate::Syntax, dialect: crate::Dialect) -> Target {
        match (dialect, syntax) {
            (crate::Dialect::Api | crate::Dialect::Get, crate::Syntax::Json) => Target::ApiJson,
            (crate::Dialect::Api | crate::Dialect::Get, crate::Syntax::Yaml) => Target::ApiYaml,
            (crate::Dialect::Tdx, _) => Target::TdxYaml,
        }
    }
}

fn s(t: &Option<Text>) -> Option<J> {
    t.as_ref().map(|t| J::String(t.value.to_string()))
}

fn put(map: &mut Map<String, J>, key: &str, v: Option<J>) {
    if let Some(v) = v {
        map.insert(key.to_string(), v);
    }
}

/// The master's catalog, which entries without their own read.
fn master_catalog(c: &Config) -> Option<&Text> {
    c.master.as_ref()?.table.conn.catalog.as_ref()
}

fn put_conn(map: &mut Map<String, J>, t: &TableRef, settings: &Settings, catalog: Option<&Text>) {
    let id = t.conn.id().map(|t| J::String(t.value.to_string()));
    if settings.warehouse.uses_catalog() {
        put(map, "connectionId", id);
        let catalog = t.conn.catalog.as_ref().or(catalog);
        put(
            map,
            "catalog",
            catalog.map(|c| J::String(c.value.to_string())),
        );
    } else {
        put(map, "federatedQueryConfigId", id);
    }
    put(map, "schema", s(&t.schema));
    put(map, "table", s(&t.table));
}

/// What `target` cannot carry of `c`, in words, one item a line: tdx YAML has no keys for
/// `master.name` (tdx sends the table name) nor for S31's activation settings, so an API body
/// or GET response converted to it loses them. Empty when nothing is lost. The CLI prints these
/// as notes, so a round trip through tdx YAML never changes a value silently.
pub fn left_out(c: &Config, target: Target) -> Vec<String> {
    let mut out = Vec::new();
    if target != Target::TdxYaml {
        return out;
    }
    if let Some(m) = &c.master {
        if let (Some(name), Some(derived)) = (&m.name, derived_master_name(m)) {
            if name.value.as_str() != derived {
                out.push(format!(
                    "`master.name` (`{}`): tdx YAML has no key for it; uploading the tdx file names the master `{derived}` (its table)",
                    name.value
                ));
            }
        }
    }
    if let Some(f) = &c.allow_activation_behavior {
        out.push(format!(
            "`allowActivationBehavior: {}`: tdx YAML has no key for it (S4, S11); keep the API body to upload it",
            f.value
        ));
    }
    if let Some(n) = &c.max_activation_behavior_row {
        out.push(format!(
            "`maxActivationBehaviorRow: {}`: tdx YAML has no key for it (S4, S11); keep the API body to upload it",
            n.value
        ));
    }
    out
}

/// The display name the API wants for the master table when the input has none: the table's
/// name without identifier quotes.
pub fn derived_master_name(m: &Master) -> Option<String> {
    let table = m.table.table.as_ref()?;
    Some(match ident::parse(&table.value) {
        Ok(id) if id.quoted => id.resolved.into_owned(),
        _ => table.value.to_string(),
    })
}

/// The request body, pretty-printed with two-space indents and a final newline.
pub fn to_api_json(c: &Config, settings: &Settings) -> String {
    let mut out = serde_json::to_string_pretty(&api_value(c, settings)).unwrap_or_default();
    out.push('\n');
    out
}

/// The API body written as YAML (same keys and order as the JSON).
pub fn to_api_yaml(c: &Config, settings: &Settings) -> String {
    let mut out = String::new();
    if let J::Object(map) = api_value(c, settings) {
        yaml_map(&mut out, &map, 0, false);
    }
    out
}

fn yaml_value_inline(v: &J) -> Option<String> {
    match v {
        J::String(s) => Some(yaml_scalar(s)),
        J::Bool(b) => Some(b.to_string()),
        J::Number(n) => Some(n.to_string()),
        J::Null => Some("null".into()),
        J::Array(a) if a.is_empty() => Some("[]".into()),
        J::Object(o) if o.is_empty() => Some("{}".into()),
        _ => None,
    }
}

/// Block-style YAML for a JSON object; `first_inline` continues a `- ` line.
fn yaml_map(out: &mut String, map: &Map<String, J>, level: usize, first_inline: bool) {
    for (i, (k, v)) in map.iter().enumerate() {
        if !(first_inline && i == 0) {
            out.push_str(&"  ".repeat(level));
        }
        out.push_str(&yaml_scalar(k));
        match yaml_value_inline(v) {
            Some(s) => {
                out.push_str(": ");
                out.push_str(&s);
                out.push('\n');
            }
            None => {
                out.push_str(":\n");
                match v {
                    J::Object(o) => yaml_map(out, o, level + 1, false),
                    J::Array(a) => {
                        for item in a {
                            out.push_str(&"  ".repeat(level + 1));
                            out.push_str("- ");
                            match item {
                                J::Object(o) if !o.is_empty() => yaml_map(out, o, level + 2, true),
                                other => {
                                    out.push_str(&yaml_value_inline(other).unwrap_or_default());
                                    out.push('\n');
                                }
                            }
                        }
                    }
                    _ => {}
                }
            }
        }
    }
}

/// The request body as a JSON value, keys in the order of TD's guide.
pub fn api_value(c: &Config, settings: &Settings) -> J {
    let mut root = Map::new();
    put(&mut root, "name", s(&c.name));
    root.insert(
        "description".into(),
        J::String(
            c.description
                .as_ref()
                .map(|d| d.value.to_string())
                .unwrap_or_default(),
        ),
    );
    put(&mut root, "timezone", s(&c.timezone));
    root.insert("kind".into(), J::String("composable".into()));
    root.insert("isComposable".into(), J::Bool(true));
    if let Some(f) = &c.allow_activation_behavior {
        root.insert("allowActivationBehavior".into(), J::Bool(f.value));
    }
    if let Some(n) = &c.max_activation_behavior_row {
        // The decoder accepted an int64 only (`1000.0` is 1000); anything else was an error and
        // is not written.
        if let Some(v) = crate::config::decode::whole_number(&n.value) {
            root.insert("maxActivationBehaviorRow".into(), J::from(v));
        }
    }
    let catalog = master_catalog(c);
    if let Some(m) = &c.master {
        let mut o = Map::new();
        let name = m
            .name
            .as_ref()
            .map(|n| n.value.to_string())
            .or_else(|| derived_master_name(m));
        put(&mut o, "name", name.map(J::String));
        put_conn(&mut o, &m.table, settings, None);
        put(&mut o, "keyColumn", s(&m.key_column));
        root.insert("master".into(), J::Object(o));
    }
    let attributes: Vec<J> = c
        .attributes
        .iter()
        .flat_map(|l| &l.items)
        .map(|a| {
            let mut o = Map::new();
            put(&mut o, "name", s(&a.name));
            put_conn(&mut o, &a.table, settings, catalog);
            put(&mut o, "tableKey", s(&a.table_key));
            put(&mut o, "masterKey", s(&a.master_key));
            put(&mut o, "column", s(&a.column));
            put(&mut o, "type", s(&a.type_));
            J::Object(o)
        })
        .collect();
    root.insert("attributes".into(), J::Array(attributes));
    let behaviors: Vec<J> = c
        .behaviors
        .iter()
        .flat_map(|l| &l.items)
        .map(|b| {
            let mut o = Map::new();
            put(&mut o, "name", s(&b.name));
            put_conn(&mut o, &b.table, settings, catalog);
            put(&mut o, "tableKey", s(&b.table_key));
            put(&mut o, "masterKey", s(&b.master_key));
            put(&mut o, "timeColumn", s(&b.time_column));
            let cols: Vec<J> = b
                .columns
                .iter()
                .flat_map(|l| &l.items)
                .map(|col| {
                    let mut o = Map::new();
                    put(&mut o, "name", s(&col.name));
                    put(&mut o, "type", s(&col.type_));
                    put(&mut o, "cdwColumn", s(&col.cdw_column));
                    J::Object(o)
                })
                .collect();
            o.insert("columnMapping".into(), J::Array(cols));
            J::Object(o)
        })
        .collect();
    root.insert("behaviors".into(), J::Array(behaviors));
    J::Object(root)
}

/// tdx YAML, in the key order of TD's tdx docs.
pub fn to_tdx_yaml(c: &Config, settings: &Settings) -> String {
    let mut w = Yaml::default();
    w.field(0, "name", &c.name);
    // Always written, as in the API body: what the upload sends (`''` when the input had none).
    let description = Some(c.description.clone().unwrap_or(Text {
        value: Default::default(),
        span: Default::default(),
        key: "description",
    }));
    w.field(0, "description", &description);
    w.field(0, "timezone", &c.timezone);
    let catalog = master_catalog(c);
    if let Some(m) = &c.master {
        w.line(0, "master:");
        w.conn(1, &m.table, settings, None);
        w.field(1, "key_column", &m.key_column);
    }
    let attributes: Vec<&Attribute> = c.attributes.iter().flat_map(|l| &l.items).collect();
    w.list_key(0, "attributes", attributes.is_empty());
    for a in attributes {
        w.item(1);
        w.field(2, "name", &a.name);
        w.conn(2, &a.table, settings, catalog);
        w.join(2, &a.table_key, &a.master_key);
        w.field(2, "column", &a.column);
        w.field(2, "type", &a.type_);
    }
    let behaviors: Vec<&Behavior> = c.behaviors.iter().flat_map(|l| &l.items).collect();
    w.list_key(0, "behaviors", behaviors.is_empty());
    for b in behaviors {
        w.item(1);
        w.field(2, "name", &b.name);
        w.conn(2, &b.table, settings, catalog);
        w.join(2, &b.table_key, &b.master_key);
        w.field(2, "time_column", &b.time_column);
        let columns: Vec<&Column> = b.columns.iter().flat_map(|l| &l.items).collect();
        w.list_key(2, "columns", columns.is_empty());
        for col in columns {
            w.item(3);
            w.field(4, "name", &col.name);
            w.field(4, "type", &col.type_);
            w.field(4, "column", &col.cdw_column);
        }
    }
    w.finish()
}

/// A minimal block-style YAML writer: two-space indents; list items open with `- ` on the same
/// line as their first key.
#[derive(Default)]
struct Yaml {
    out: String,
    pending_item: bool,
}

impl Yaml {
    fn indent(&mut self, level: usize) {
        if self.pending_item {
            // `- ` already stands where this key's indentation would be.
            self.pending_item = false;
            return;
        }
        for _ in 0..level {
            self.out.push_str("  ");
        }
    }

    fn line(&mut self, level: usize, text: &str) {
        self.indent(level);
        self.out.push_str(text);
        self.out.push('\n');
    }

    /// A list's key; an empty list is written `[]` (a bare `key:` would read back as null).
    fn list_key(&mut self, level: usize, key: &str, empty: bool) {
        if empty {
            self.line(level, &format!("{key}: []"));
        } else {
            self.line(level, &format!("{key}:"));
        }
    }

    fn item(&mut self, level: usize) {
        for _ in 0..level {
            self.out.push_str("  ");
        }
        self.out.push_str("- ");
        self.pending_item = true;
    }

    fn field(&mut self, level: usize, key: &str, value: &Option<Text>) {
        if let Some(v) = value {
            self.indent(level);
            self.out.push_str(key);
            self.out.push_str(": ");
            self.out.push_str(&yaml_scalar(&v.value));
            self.out.push('\n');
        }
    }

    fn conn(&mut self, level: usize, t: &TableRef, settings: &Settings, catalog: Option<&Text>) {
        let id = t.conn.id().cloned();
        self.field(level, "connection", &id);
        if settings.warehouse.uses_catalog() {
            let catalog = t.conn.catalog.as_ref().or(catalog).cloned();
            self.field(level, "catalog", &catalog);
        }
        self.field(level, "schema", &t.schema);
        self.field(level, "table", &t.table);
    }

    fn join(&mut self, level: usize, table_key: &Option<Text>, master_key: &Option<Text>) {
        if table_key.is_none() && master_key.is_none() {
            return;
        }
        self.line(level, "join:");
        self.field(level + 1, "table_key", table_key);
        self.field(level + 1, "master_key", master_key);
    }

    fn finish(self) -> String {
        self.out
    }
}

/// Writes a string so that every YAML reader reads it back as the same string: plain when that
/// is unambiguous, else single-quoted, else double-quoted with escapes.
pub fn yaml_scalar(v: &str) -> String {
    if is_plain_safe(v) {
        return v.to_string();
    }
    if v.chars().all(|c| !c.is_control() && !is_yaml11_break(c)) {
        return format!("'{}'", v.replace('\'', "''"));
    }
    // JSON string syntax is valid YAML double-quoted syntax; JSON leaves LS, PS and NEL as they
    // are, YAML 1.1 folds them, so they are escaped too.
    serde_json::to_string(v)
        .unwrap_or_default()
        .replace('\u{85}', "\\u0085")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn is_plain_safe(v: &str) -> bool {
    let Some(first) = v.chars().next() else {
        return false;
    };
    if v.trim() != v || v.chars().any(|c| c.is_control() || is_yaml11_break(c)) {
        return false;
    }
    if "-?:,[]{}#&*!|>'\"%@`".contains(first)
        || first.is_ascii_digit()
        || first == '+'
        || first == '.'
    {
        return false;
    }
    // Flow indicators anywhere would end the scalar inside `{ … }` or `[ … ]`.
    if v.contains(": ")
        || v.contains(" #")
        || v.ends_with(':')
        || v.contains([',', '[', ']', '{', '}'])
    {
        return false;
    }
    // Words some YAML readers (1.1 or 1.2) turn into booleans or null, and YAML 1.1's merge
    // and value keys (`<<`, `=`), which PyYAML refuses to read as a plain value.
    let lower = v.to_ascii_lowercase();
    !matches!(
        lower.as_str(),
        "null" | "~" | "true" | "false" | "yes" | "no" | "on" | "off" | "y" | "n" | "<<" | "="
    )
}

/// Characters YAML 1.1 readers take as line breaks (NEL, LS, PS): inside single quotes they
/// would fold, so such a value is written double-quoted with escapes.
fn is_yaml11_break(c: char) -> bool {
    matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    #[cfg(feature = "yaml")]
    fn scalars_round_trip_through_yaml() {
        for v in [
            "plain",
            "167",
            "",
            " lead",
            "a: b",
            "yes",
            "NO",
            "null",
            "it's",
            "x #y",
            "-a",
            "tab\there",
            "Retail Customers (Snowflake)",
            "\"Q\"",
            "é",
            "<<",
            "=",
            "line\u{2028}separator",
        ] {
            let doc = format!("k: {}\n", yaml_scalar(v));
            let idx = crate::syntax::span::LineIndex::new(&doc);
            let root =
                crate::syntax::yaml::parse(&doc, &idx).unwrap_or_else(|e| panic!("{v:?}: {e:?}"));
            assert_eq!(root.get("k").and_then(|n| n.as_str()), Some(v), "{doc}");
        }
        // YAML 1.1 readers (PyYAML) take `<<` as a merge key and LS/PS/NEL as line breaks:
        // such values are quoted, the last ones double-quoted with escapes.
        assert_eq!(yaml_scalar("<<"), "'<<'");
        assert_eq!(yaml_scalar("="), "'='");
        assert_eq!(yaml_scalar("a\u{2028}b"), "\"a\\u2028b\"");
    }
}
