//! Spanned tree → [`Config`]: checks every key against the dialect's key table, reports unknown
//! keys (with "did you mean"), keys spelled the other dialect's way, missing keys and wrong value
//! kinds, and keeps going after each problem.

use crate::diagnostic::{Code, Diagnostic};
use crate::fields::{fields, Dialect, Field, Obj, Shape, F};
use crate::model::*;
use crate::span::Span;
use crate::suggest::did_you_mean;
use crate::tree::{Entry, Node, Value};

/// Chooses the dialect by counting keys only one dialect uses; ties go to the API format.
pub fn detect_dialect(root: &Node) -> Dialect {
    let (mut api, mut tdx) = (0usize, 0usize);
    let mut count = |n: &Node| {
        if let Some(entries) = n.as_map() {
            for e in entries {
                if crate::fields::is_api_only_key(&e.key) {
                    api += 1;
                }
                if crate::fields::is_tdx_only_key(&e.key) {
                    tdx += 1;
                }
            }
        }
    };
    count(root);
    if let Some(m) = root.get("master") {
        count(m);
    }
    for list in ["attributes", "behaviors"] {
        // The first few entries decide; scanning all of a huge file would only confirm it.
        for item in root.get(list).and_then(Node::as_seq).unwrap_or(&[]).iter().take(8) {
            count(item);
            for sub in ["columnMapping", "columns"] {
                if let Some(c) = item.get(sub).and_then(Node::as_seq).and_then(|s| s.first()) {
                    count(c);
                }
            }
        }
    }
    if tdx > api {
        Dialect::Tdx
    } else {
        Dialect::Api
    }
}

pub fn decode(
    root: &Node,
    syntax: Syntax,
    dialect: Dialect,
    diags: &mut Vec<Diagnostic>,
) -> Option<Config> {
    let mut d = Decoder { dialect, diags };
    match &root.value {
        Value::Map(_) => {}
        Value::Null => {
            d.diags.push(
                Diagnostic::new(Code::EmptyFile, "the file holds no config", Span::empty(0)).help(
                    "start from `cps convert` output or the example in the README: name, \
                     description, timezone, master, attributes, behaviors",
                ),
            );
            return None;
        }
        other => {
            d.diags.push(
                Diagnostic::new(
                    Code::WrongType,
                    format!(
                        "the config must be a mapping of keys to values, found {}",
                        other.kind_name()
                    ),
                    first_line(root),
                )
                .help("the file's top level holds `name`, `description`, `timezone`, `master`, …"),
            );
            return None;
        }
    }
    let anchor = root
        .as_map()
        .and_then(|e| e.first())
        .map(|e| e.key_span)
        .unwrap_or(root.span);
    let got = d.read_obj(root, Obj::Root, "", anchor);
    let master = got.node(F::Master).map(|(node, key_span)| {
        let g = d.read_obj(node, Obj::Master, "master", key_span);
        Master {
            span: key_span,
            name: g.text(F::Name),
            table: g.table_ref(),
            key_column: g.text(F::KeyColumn),
        }
    });
    let attributes = got.list(F::Attributes).map(|(items, key_span, key)| List {
        key_span,
        key,
        items: items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let path = format!("{key}[{i}]");
                let g = d.read_item(item, Obj::Attribute, &path)?;
                Some(Attribute {
                    span: item_anchor(item),
                    name: g.text(F::Name),
                    table: g.table_ref(),
                    table_key: g.text(F::TableKey),
                    master_key: g.text(F::MasterKey),
                    column: g.text(F::Column),
                    type_: g.text(F::Type),
                    path,
                })
            })
            .collect(),
    });
    let behaviors = got.list(F::Behaviors).map(|(items, key_span, key)| List {
        key_span,
        key,
        items: items
            .iter()
            .enumerate()
            .filter_map(|(i, item)| {
                let path = format!("{key}[{i}]");
                let g = d.read_item(item, Obj::Behavior, &path)?;
                let columns = g.list(F::Columns).map(|(cols, key_span, ckey)| List {
                    key_span,
                    key: ckey,
                    items: cols
                        .iter()
                        .enumerate()
                        .filter_map(|(j, col)| {
                            let cpath = format!("{path}.{ckey}[{j}]");
                            let cg = d.read_item(col, Obj::Column, &cpath)?;
                            Some(Column {
                                span: item_anchor(col),
                                name: cg.text(F::Name),
                                type_: cg.text(F::Type),
                                cdw_column: cg.text(F::CdwColumn),
                                path: cpath,
                            })
                        })
                        .collect(),
                });
                Some(Behavior {
                    span: item_anchor(item),
                    name: g.text(F::Name),
                    table: g.table_ref(),
                    table_key: g.text(F::TableKey),
                    master_key: g.text(F::MasterKey),
                    time_column: g.text(F::TimeColumn),
                    columns,
                    all_columns: g.flag(F::AllColumns),
                    path,
                })
            })
            .collect(),
    });
    Some(Config {
        syntax,
        dialect,
        root_span: anchor,
        name: got.text(F::Name),
        description: got.text(F::Description),
        timezone: got.text(F::Timezone),
        kind: got.text(F::Kind),
        is_composable: got.flag(F::IsComposable),
        master,
        attributes,
        behaviors,
    })
}

/// Where to point at a list item as a whole: its first key (narrower than a whole JSON object).
fn item_anchor(item: &Node) -> Span {
    item.as_map()
        .and_then(|e| e.first())
        .map(|e| e.key_span)
        .unwrap_or(item.span)
}

fn first_line(node: &Node) -> Span {
    node.span
}

/// The accepted entries of one object, by field.
struct Got<'n, 'a> {
    items: Vec<(&'static Field, &'n Entry<'a>)>,
    /// Fields that were present but unreadable (already reported), so rules do not call them
    /// missing.
    failed: Vec<F>,
}

impl<'n, 'a> Got<'n, 'a> {
    fn find(&self, id: F) -> Option<&(&'static Field, &'n Entry<'a>)> {
        self.items.iter().find(|(f, _)| f.id == id)
    }

    fn node(&self, id: F) -> Option<(&'n Node<'a>, Span)> {
        self.find(id).map(|(_, e)| (&e.value, e.key_span))
    }

    fn text(&self, id: F) -> Option<Text> {
        let (field, entry) = self.find(id)?;
        let value = match &entry.value.value {
            Value::Str(s) => s.to_string(),
            // A number where a string belongs was reported as wrong-type; keeping its text lets
            // the other rules judge the value instead of calling it missing.
            Value::Number(n) => n.to_string(),
            _ => return None,
        };
        Some(Text {
            value,
            span: entry.value.span,
            key: field.path,
        })
    }

    fn flag(&self, id: F) -> Option<Flag> {
        let (field, entry) = self.find(id)?;
        match entry.value.value {
            Value::Bool(value) => Some(Flag {
                value,
                span: entry.value.span,
                key: field.path,
            }),
            _ => None,
        }
    }

    fn list(&self, id: F) -> Option<(&'n [Node<'a>], Span, &'static str)> {
        let (field, entry) = self.find(id)?;
        Some((entry.value.as_seq()?, entry.key_span, field.key))
    }

    fn table_ref(&self) -> TableRef {
        TableRef {
            conn: Conn {
                federated_query_config_id: self.text(F::FederatedQueryConfigId),
                connection_id: self.text(F::ConnectionId),
                connection: self.text(F::Connection),
                catalog: self.text(F::Catalog),
            },
            schema: self.text(F::Schema),
            table: self.text(F::Table),
            conn_unreadable: self.failed.iter().any(|f| {
                matches!(f, F::FederatedQueryConfigId | F::ConnectionId | F::Connection)
            }),
        }
    }
}

struct Decoder<'d> {
    dialect: Dialect,
    diags: &'d mut Vec<Diagnostic>,
}

impl Decoder<'_> {
    fn read_item<'n, 'a>(&mut self, item: &'n Node<'a>, obj: Obj, path: &str) -> Option<Got<'n, 'a>> {
        if item.as_map().is_none() {
            self.diags.push(
                Diagnostic::new(
                    Code::WrongType,
                    format!(
                        "each entry of this list must be a mapping of keys to values, found {}",
                        item.value.kind_name()
                    ),
                    item.span,
                )
                .path(path)
                .help(entry_example(self.dialect, obj)),
            );
            return None;
        }
        Some(self.read_obj(item, obj, path, item_anchor(item)))
    }

    /// Reads one mapping against its key table. `anchor` is where "missing key" points.
    fn read_obj<'n, 'a>(&mut self, node: &'n Node<'a>, obj: Obj, path: &str, anchor: Span) -> Got<'n, 'a> {
        let mut got = Got {
            items: Vec::new(),
            failed: Vec::new(),
        };
        let own = fields(self.dialect, obj);
        let other = fields(self.dialect.other(), obj);
        let Some(entries) = node.as_map() else {
            return got;
        };
        for entry in entries {
            let key: &str = &entry.key;
            let (field, foreign) = match own.iter().find(|f| f.key == key) {
                Some(f) => (f, false),
                None => match other.iter().find(|f| f.key == key) {
                    Some(f) => (f, true),
                    None => {
                        self.unknown_key(entry, own, obj, path);
                        continue;
                    }
                },
            };
            let full = join_path(path, field.key);
            if got.find(field.id).is_some() {
                self.diags.push(
                    Diagnostic::new(
                        Code::UnknownKey,
                        format!("`{key}` repeats a value already given under another spelling; it is ignored"),
                        entry.key_span,
                    )
                    .path(full)
                    .help("keep one spelling: the one of this file's format"),
                );
                continue;
            }
            if foreign {
                let own_spelling = crate::fields::spelling(self.dialect, obj, field.id);
                let help = match own_spelling {
                    Some(s) => format!("write `{s}`, as {} does", self.dialect.describe()),
                    None => format!("{} has no such key; remove it", self.dialect.describe()),
                };
                self.diags.push(
                    Diagnostic::new(
                        Code::OtherDialectKey,
                        format!(
                            "`{key}` is how {} spells it, but this file is in {}",
                            self.dialect.other().describe(),
                            self.dialect.describe()
                        ),
                        entry.key_span,
                    )
                    .path(full.clone())
                    .help(help),
                );
            }
            if !self.shape_ok(field, entry, &full) {
                if field.shape == Shape::Str && matches!(entry.value.value, Value::Number(_)) {
                    got.items.push((field, entry));
                } else {
                    got.failed.push(field.id);
                }
                continue;
            }
            if let Shape::Map(Obj::Join) = field.shape {
                let inner = self.read_obj(&entry.value, Obj::Join, &full, entry.key_span);
                got.items.extend(inner.items);
                got.failed.extend(inner.failed);
                got.items.push((field, entry));
                continue;
            }
            got.items.push((field, entry));
        }
        for field in own.iter().filter(|f| f.required) {
            let present = got.find(field.id).is_some()
                || (field.id == F::Join
                    && got.find(F::TableKey).is_some()
                    && got.find(F::MasterKey).is_some());
            let failed = entries
                .iter()
                .any(|e| e.key == field.key || other.iter().any(|o| o.id == field.id && o.key == e.key));
            if present || failed {
                continue;
            }
            let what = if path.is_empty() { "the config".to_string() } else { format!("`{path}`") };
            self.diags.push(
                Diagnostic::new(
                    Code::MissingKey,
                    format!("{what} has no `{}`", field.key),
                    anchor,
                )
                .path(join_path(path, field.path))
                .help(format!("add `{}`: {}", field.key, field.doc)),
            );
        }
        got
    }

    /// Checks the value kind; reports and returns false when it does not fit.
    fn shape_ok(&mut self, field: &Field, entry: &Entry, path: &str) -> bool {
        let v = &entry.value.value;
        let ok = match field.shape {
            Shape::Str => matches!(v, Value::Str(_)),
            Shape::Bool => matches!(v, Value::Bool(_)),
            Shape::Map(_) => matches!(v, Value::Map(_)),
            Shape::Seq(_) => matches!(v, Value::Seq(_)),
            Shape::Scalar => !matches!(v, Value::Map(_) | Value::Seq(_)),
        };
        if !ok {
            let expected = match field.shape {
                Shape::Str => "a string",
                Shape::Bool => "a boolean (true or false)",
                Shape::Map(_) => "a mapping of keys to values",
                Shape::Seq(_) => "a list",
                Shape::Scalar => "a single value",
            };
            let help = match (field.shape, v) {
                (Shape::Str, Value::Number(n)) => format!(
                    "write it in quotes, \"{n}\": the API takes ids and names as strings"
                ),
                (Shape::Str, Value::Bool(b)) => format!("write it in quotes if you mean the text \"{b}\""),
                (Shape::Bool, Value::Str(s)) if s == "true" || s == "false" => {
                    format!("write {s} without quotes: \"{s}\" is a string, not a boolean")
                }
                (_, Value::Null) => format!("fill in `{}`: {}", field.key, field.doc),
                (Shape::Seq(_), Value::Map(_)) => {
                    "start each entry with `- ` (YAML) or wrap the entries in [ ] (JSON)".to_string()
                }
                _ => format!("`{}` is {}", field.key, field.doc),
            };
            let code = if field.id == F::IsComposable {
                Code::NotComposable
            } else {
                Code::WrongType
            };
            self.diags.push(
                Diagnostic::new(
                    code,
                    format!("`{}` must be {expected}, found {}", field.key, v.kind_name()),
                    entry.value.span,
                )
                .path(path)
                .help(help),
            );
            return false;
        }
        match (field.shape, v) {
            (Shape::Scalar, _) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::ServerField,
                        format!("`{}` is assigned by the server; cps leaves it out of the upload", field.key),
                        entry.key_span,
                    )
                    .path(path)
                    .help("this file looks copied from a GET response; nothing to do"),
                );
                false
            }
            (Shape::Str, Value::Str(s)) if field.id != F::Description && s.trim().is_empty() => {
                self.diags.push(
                    Diagnostic::new(Code::EmptyValue, format!("`{}` is empty", field.key), entry.value.span)
                        .path(path)
                        .help(format!("fill in `{}`: {}", field.key, field.doc)),
                );
                false
            }
            _ => true,
        }
    }

    fn unknown_key(&mut self, entry: &Entry, own: &[Field], obj: Obj, path: &str) {
        let key: &str = &entry.key;
        let full = join_path(path, key);
        let candidates: Vec<&str> = own.iter().map(|f| f.key).collect();
        let mut d = Diagnostic::new(
            Code::UnknownKey,
            format!("unknown key `{key}` in {}", describe_obj(obj)),
            entry.key_span,
        )
        .path(full);
        d = match did_you_mean(key, &candidates) {
            Some(s) => d.help(format!("did you mean `{s}`? cps leaves unknown keys out of the upload")),
            None => d.help(format!(
                "known keys here: {}; cps leaves unknown keys out of the upload",
                candidates.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            )),
        };
        self.diags.push(d);
    }
}

fn describe_obj(obj: Obj) -> &'static str {
    match obj {
        Obj::Root => "the config",
        Obj::Master => "`master`",
        Obj::Attribute => "an attribute",
        Obj::Behavior => "a behavior",
        Obj::Column => "a behavior column",
        Obj::Join => "`join`",
    }
}

fn entry_example(dialect: Dialect, obj: Obj) -> String {
    let keys: Vec<&str> = fields(dialect, obj).iter().filter(|f| f.required).map(|f| f.key).collect();
    format!("an entry here has the keys {}", keys.join(", "))
}
