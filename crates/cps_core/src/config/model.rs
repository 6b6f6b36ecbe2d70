//! The config model: one shape for every input dialect, every value with its byte range
//! and the key it was written under (so diagnostics can name the file's own path).
//!
//! Every field is optional: the decoder fills what it could read and has already reported what
//! it could not, and rules skip what is missing, so one mistake gives one diagnostic.

use crate::config::fields::Dialect;
use crate::syntax::span::Span;
use compact_str::CompactString;
use serde::Serialize;

/// The text syntax of the file (independent of its key vocabulary, [`Dialect`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Syntax {
    Json,
    Yaml,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Text {
    /// Inline up to 24 bytes (most names and ids), so a large config costs no allocation per
    /// value.
    pub value: CompactString,
    pub span: Span,
    /// The key's path relative to the object it belongs to, as written (`join.table_key`).
    pub key: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flag {
    pub value: bool,
    pub span: Span,
    pub key: &'static str,
}

/// Where an entry's data lives. Snowflake entries carry `federatedQueryConfigId`; Databricks and
/// BigQuery carry `connectionId` + `catalog`; tdx files carry the neutral `connection`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Conn {
    pub federated_query_config_id: Option<Text>,
    pub connection_id: Option<Text>,
    pub connection: Option<Text>,
    pub catalog: Option<Text>,
}

impl Conn {
    /// The connection id, whichever key carried it.
    pub fn id(&self) -> Option<&Text> {
        self.federated_query_config_id
            .as_ref()
            .or(self.connection_id.as_ref())
            .or(self.connection.as_ref())
    }
}

/// Fields shared by every entry that points at a warehouse table.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TableRef {
    pub conn: Conn,
    pub schema: Option<Text>,
    pub table: Option<Text>,
    /// A connection key was present but unreadable (reported already).
    pub conn_unreadable: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Master {
    /// Where its keys are: `master` (`Loc::Master`), or the top level of a GET response, whose
    /// master is flattened into it (`Loc::Root`, keys `masterSchema`, …).
    pub loc: Loc,
    /// Where to point when the whole master is at fault (its key).
    pub span: Span,
    pub name: Option<Text>,
    pub table: TableRef,
    pub key_column: Option<Text>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Attribute {
    pub loc: Loc,
    pub span: Span,
    pub name: Option<Text>,
    pub table: TableRef,
    pub table_key: Option<Text>,
    pub master_key: Option<Text>,
    pub column: Option<Text>,
    pub type_: Option<Text>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Behavior {
    pub loc: Loc,
    pub span: Span,
    pub name: Option<Text>,
    pub table: TableRef,
    pub table_key: Option<Text>,
    pub master_key: Option<Text>,
    pub time_column: Option<Text>,
    pub columns: Option<List<Column>>,
    pub all_columns: Option<Flag>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Column {
    pub loc: Loc,
    pub span: Span,
    pub name: Option<Text>,
    pub type_: Option<Text>,
    pub cdw_column: Option<Text>,
}

/// A list with the position of its key (for "empty list" diagnostics).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct List<T> {
    pub items: Vec<T>,
    pub key_span: Span,
    pub key: &'static str,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    pub syntax: Syntax,
    pub dialect: Dialect,
    /// Where to point when a top-level key is missing (the first line of the document).
    pub root_span: Span,
    pub name: Option<Text>,
    pub description: Option<Text>,
    pub timezone: Option<Text>,
    pub kind: Option<Text>,
    pub is_composable: Option<Flag>,
    pub master: Option<Master>,
    pub attributes: Option<List<Attribute>>,
    pub behaviors: Option<List<Behavior>>,
    /// Optional audience settings of TD's published schema (S31): kept in the API body, which
    /// can carry them; tdx YAML has no keys for them.
    pub allow_activation_behavior: Option<Flag>,
    /// The number as written (a whole number).
    pub max_activation_behavior_row: Option<Text>,
}

impl Config {
    /// Every entry that names a table, with where it is and where it starts, in file order:
    /// master first.
    pub fn table_refs(&self) -> impl Iterator<Item = (Loc, Span, &TableRef)> {
        let master = self.master.as_ref().map(|m| (m.loc, m.span, &m.table));
        let attrs = self
            .attributes
            .iter()
            .flat_map(|l| l.items.iter().map(|a| (a.loc, a.span, &a.table)));
        let behaviors = self
            .behaviors
            .iter()
            .flat_map(|l| l.items.iter().map(|b| (b.loc, b.span, &b.table)));
        master.into_iter().chain(attrs).chain(behaviors)
    }
}

/// Where an object sits in the file. Paths are built from it only when a diagnostic needs one,
/// so a large config does not carry a path string per entry.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Loc {
    #[default]
    Root,
    Master,
    Attribute(u32),
    Behavior(u32),
    /// A column of behavior `behavior`, in the list spelled `key` (`columnMapping` or `columns`).
    Column {
        behavior: u32,
        index: u32,
        key: &'static str,
    },
}

impl Loc {
    /// The logical path in the file's own key names: `behaviors[1].columnMapping[0]`.
    pub fn path(self) -> String {
        match self {
            Loc::Root => String::new(),
            Loc::Master => "master".into(),
            Loc::Attribute(i) => format!("attributes[{i}]"),
            Loc::Behavior(i) => format!("behaviors[{i}]"),
            Loc::Column {
                behavior,
                index,
                key,
            } => format!("behaviors[{behavior}].{key}[{index}]"),
        }
    }

    /// The path of a key inside this object.
    pub fn at(self, key: &str) -> String {
        join_path(&self.path(), key)
    }
}

/// Joins an object path and a relative key path: `behaviors[1]` + `join.table_key`.
pub fn join_path(base: &str, key: &str) -> String {
    if base.is_empty() {
        key.to_string()
    } else {
        format!("{base}.{key}")
    }
}
