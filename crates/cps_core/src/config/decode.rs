//! Spanned tree → [`Config`]: checks every key against the dialect's key table, reports unknown
//! keys (with "did you mean"), keys spelled the other dialect's way, missing keys and wrong value
//! kinds, and keeps going after each problem.

use crate::config::fields::{fields, Dialect, Field, Need, Obj, Shape, F};
use crate::config::model::*;
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::suggest::did_you_mean;
use crate::syntax::span::Span;
use crate::syntax::tree::{Entry, Node, Value};

/// The help of `no-behaviors`, missing or empty.
pub(crate) const NO_BEHAVIORS_HELP: &str = "add the event tables; TD's guide (S5) lists `behaviors` as required, its published schema (S31) as optional, and no source says whether a segment may have none";

/// Chooses the dialect: the flat GET shape when the top level has no `master` but the master's
/// flattened keys (`masterSchema`, a top-level `federatedQueryConfigId`, …); else by counting
/// keys only one dialect uses, ties going to the API format.
pub fn detect_dialect(root: &Node) -> Dialect {
    if root.get("master").is_none()
        && root.as_map().is_some_and(|e| {
            e.iter()
                .any(|e| crate::config::fields::is_flat_master_key(&e.key))
        })
    {
        return Dialect::Get;
    }
    let (mut api, mut tdx) = (0usize, 0usize);
    let mut count = |n: &Node| {
        if let Some(entries) = n.as_map() {
            for e in entries {
                if crate::config::fields::is_api_only_key(&e.key) {
                    api += 1;
                }
                if crate::config::fields::is_tdx_only_key(&e.key) {
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
        for item in root
            .get(list)
            .and_then(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .take(8)
        {
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

/// Decodes the tree, consuming it: each list entry's subtree is freed as soon as it is decoded,
/// so a large file never holds its whole tree and its whole model at once.
pub fn decode(
    root: Node,
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
                    root.span,
                )
                .help("the file's top level holds `name`, `description`, `timezone`, `master`, …"),
            );
            return None;
        }
    }
    let anchor = item_anchor(&root);
    let mut got = d.read_obj(root, Obj::Root, &String::new, anchor);
    // Keys S5 requires and S31 does not: cps sends an empty value, and says so.
    if !got.has(F::Description) && !got.failed.contains(F::Description) {
        d.diags.push(
            Diagnostic::new(
                Code::EmptyDescription,
                "no `description`: cps will send an empty string",
                anchor,
            )
            .path("description")
            .help("add `description: …`: TD's guide (S5) marks it as required; its published schema (S31) makes it optional"),
        );
    }
    if !got.has(F::Behaviors) && !got.failed.contains(F::Behaviors) {
        d.diags.push(
            Diagnostic::new(
                Code::NoBehaviors,
                "no `behaviors`: cps will send an empty list",
                anchor,
            )
            .path("behaviors")
            .help(NO_BEHAVIORS_HELP),
        );
    }
    // What the upload adds: the API's own keys, which tdx files never carry (no note there).
    if dialect != Dialect::Tdx {
        for (id, key, value) in [
            (F::Kind, "kind", "`\"kind\": \"composable\"`"),
            (F::IsComposable, "isComposable", "`\"isComposable\": true`"),
        ] {
            if !got.has(id) && !got.failed.contains(id) {
                d.diags.push(
                    Diagnostic::new(
                        Code::AddedOnUpload,
                        format!("no `{key}`: cps adds {value} to the upload"),
                        anchor,
                    )
                    .path(key)
                    .help("nothing to do: it has one allowed value (TD's guide, S5; optional in TD's published schema, S31)"),
                );
            }
        }
    }
    let master = if dialect == Dialect::Get {
        // The GET shape's master is its top level: `masterSchema` & co. were read with it.
        let m = Master {
            loc: Loc::Root,
            span: anchor,
            name: None,
            table: got.table_ref(),
            key_column: got.text(F::KeyColumn),
        };
        if let Some(name) = crate::output::convert::derived_master_name(&m) {
            d.diags.push(
                Diagnostic::new(
                    Code::AddedOnUpload,
                    format!("a GET response has no master display name: cps sends the table name, `{name}`, as `master.name`"),
                    m.table.table.as_ref().map(|t| t.span).unwrap_or(anchor),
                )
                .path("masterTable")
                .help("nothing to do; after converting, `master.name` can be changed (TD's guide, S5)"),
            );
        }
        Some(m)
    } else {
        got.take(F::Master).map(|(node, key_span)| {
            let mut g = d.read_obj(node, Obj::Master, &|| "master".to_string(), key_span);
            let unreadable_name = g.failed.contains(F::Name);
            let m = Master {
                loc: Loc::Master,
                span: key_span,
                name: g.text(F::Name),
                table: g.table_ref(),
                key_column: g.text(F::KeyColumn),
            };
            if dialect != Dialect::Tdx && m.name.is_none() && !unreadable_name {
                if let Some(name) = crate::output::convert::derived_master_name(&m) {
                    d.diags.push(
                        Diagnostic::new(
                            Code::AddedOnUpload,
                            format!("no `master.name`: cps sends the table name, `{name}`"),
                            key_span,
                        )
                        .path("master.name")
                        .help(
                            "add `name` under `master` for another display name (TD's guide, S5)",
                        ),
                    );
                }
            }
            m
        })
    };
    let attributes = got.list(F::Attributes).map(|(items, key_span, key)| List {
        key_span,
        key,
        items: collect(items.into_iter().enumerate().filter_map(|(i, item)| {
            let span = item_anchor(&item);
            let mut g = d.read_item(item, Obj::Attribute, &|| format!("{key}[{i}]"))?;
            Some(Attribute {
                loc: Loc::Attribute(i as u32),
                span,
                name: g.text(F::Name),
                table: g.table_ref(),
                table_key: g.text(F::TableKey),
                master_key: g.text(F::MasterKey),
                column: g.text(F::Column),
                type_: g.text(F::Type),
            })
        })),
    });
    let behaviors = got.list(F::Behaviors).map(|(items, key_span, key)| List {
        key_span,
        key,
        items: collect(items.into_iter().enumerate().filter_map(|(i, item)| {
            let span = item_anchor(&item);
            let path = || format!("{key}[{i}]");
            let mut g = d.read_item(item, Obj::Behavior, &path)?;
            let columns = g.list(F::Columns).map(|(cols, key_span, ckey)| List {
                key_span,
                key: ckey,
                items: collect(cols.into_iter().enumerate().filter_map(|(j, col)| {
                    let span = item_anchor(&col);
                    let cpath = || format!("{}.{ckey}[{j}]", path());
                    let mut cg = d.read_item(col, Obj::Column, &cpath)?;
                    Some(Column {
                        loc: Loc::Column {
                            behavior: i as u32,
                            index: j as u32,
                            key: ckey,
                        },
                        span,
                        name: cg.text(F::Name),
                        type_: cg.text(F::Type),
                        cdw_column: cg.text(F::CdwColumn),
                    })
                })),
            });
            Some(Behavior {
                loc: Loc::Behavior(i as u32),
                span,
                name: g.text(F::Name),
                table: g.table_ref(),
                table_key: g.text(F::TableKey),
                master_key: g.text(F::MasterKey),
                time_column: g.text(F::TimeColumn),
                columns,
                all_columns: g.flag(F::AllColumns),
            })
        })),
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
        allow_activation_behavior: got.flag(F::AllowActivationBehavior),
        max_activation_behavior_row: got.text(F::MaxActivationBehaviorRow),
    })
}

/// Collects without capacity slack: on a large config the slack of grown vectors was a third of
/// the model.
fn collect<T>(items: impl Iterator<Item = T>) -> Vec<T> {
    items.collect::<Vec<T>>().into_boxed_slice().into_vec()
}

/// Where to point at a list item as a whole: its first key (narrower than a whole JSON object).
fn item_anchor(item: &Node) -> Span {
    item.as_map()
        .and_then(|e| e.first())
        .map(|e| e.key_span)
        .unwrap_or(item.span)
}

/// The accepted entries of one object, by field, owned: values are moved out as they are used.
struct Got<'a> {
    items: Vec<(&'static Field, Entry<'a>)>,
    /// Fields given in the file (including `join`, whose entries are merged in).
    seen: FieldSet,
    /// Fields that were present but unreadable (already reported), so rules do not call them
    /// missing.
    failed: FieldSet,
}

/// A set of fields as a bit mask: no allocation per decoded object.
#[derive(Clone, Copy, Default)]
struct FieldSet(u64);

impl FieldSet {
    fn insert(&mut self, f: F) {
        self.0 |= 1 << (f as u32);
    }
    fn contains(self, f: F) -> bool {
        self.0 & (1 << (f as u32)) != 0
    }
    fn extend(&mut self, other: FieldSet) {
        self.0 |= other.0;
    }
}

impl<'a> Got<'a> {
    fn has(&self, id: F) -> bool {
        self.seen.contains(id)
    }

    fn take_entry(&mut self, id: F) -> Option<(&'static Field, Entry<'a>)> {
        let i = self.items.iter().position(|(f, _)| f.id == id)?;
        Some(self.items.swap_remove(i))
    }

    fn take(&mut self, id: F) -> Option<(Node<'a>, Span)> {
        self.take_entry(id).map(|(_, e)| (e.value, e.key_span))
    }

    fn text(&mut self, id: F) -> Option<Text> {
        let (field, entry) = self.take_entry(id)?;
        let value = match entry.value.value {
            Value::Str(s) => compact_str::CompactString::from(s),
            // A number where a string belongs was reported as wrong-type; keeping its text lets
            // the other rules judge the value instead of calling it missing.
            Value::Number(n) => compact_str::CompactString::from(n),
            _ => return None,
        };
        Some(Text {
            value,
            span: entry.value.span,
            key: field.path,
        })
    }

    fn flag(&mut self, id: F) -> Option<Flag> {
        let (field, entry) = self.take_entry(id)?;
        match entry.value.value {
            Value::Bool(value) => Some(Flag {
                value,
                span: entry.value.span,
                key: field.path,
            }),
            _ => None,
        }
    }

    fn list(&mut self, id: F) -> Option<(Vec<Node<'a>>, Span, &'static str)> {
        let (field, entry) = self.take_entry(id)?;
        match entry.value.value {
            Value::Seq(items) => Some((items, entry.key_span, field.key)),
            _ => None,
        }
    }

    fn table_ref(&mut self) -> TableRef {
        let conn_unreadable = [F::FederatedQueryConfigId, F::ConnectionId, F::Connection]
            .into_iter()
            .any(|f| self.failed.contains(f));
        TableRef {
            conn: Conn {
                federated_query_config_id: self.text(F::FederatedQueryConfigId),
                connection_id: self.text(F::ConnectionId),
                connection: self.text(F::Connection),
                catalog: self.text(F::Catalog),
            },
            schema: self.text(F::Schema),
            table: self.text(F::Table),
            conn_unreadable,
        }
    }
}

struct Decoder<'d> {
    dialect: Dialect,
    diags: &'d mut Vec<Diagnostic>,
}

impl Decoder<'_> {
    /// `path` builds the object's path; it is called only when a diagnostic needs it, since
    /// decoding visits every object of the file.
    fn read_item<'a>(
        &mut self,
        item: Node<'a>,
        obj: Obj,
        path: &dyn Fn() -> String,
    ) -> Option<Got<'a>> {
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
                .path(path())
                .help(entry_example(self.dialect, obj)),
            );
            return None;
        }
        let anchor = item_anchor(&item);
        Some(self.read_obj(item, obj, path, anchor))
    }

    /// Reads one mapping against its key table. `anchor` is where "missing key" points.
    fn read_obj<'a>(
        &mut self,
        node: Node<'a>,
        obj: Obj,
        path: &dyn Fn() -> String,
        anchor: Span,
    ) -> Got<'a> {
        let mut got = Got {
            items: Vec::new(),
            seen: FieldSet::default(),
            failed: FieldSet::default(),
        };
        let own = fields(self.dialect, obj);
        let other = fields(self.dialect.other(), obj);
        let Value::Map(entries) = node.value else {
            return got;
        };
        got.items.reserve_exact(entries.len());
        for entry in entries {
            let key: &str = &entry.key;
            if dialect_has_no_master_object(self.dialect, obj, key) {
                self.flat_master_key(&entry);
                continue;
            }
            let (field, foreign) = match own.iter().find(|f| f.key == key) {
                Some(f) => (f, false),
                None => match other.iter().find(|f| f.key == key) {
                    Some(f) => (f, true),
                    None => {
                        self.unknown_key(&entry, own, obj, &path());
                        continue;
                    }
                },
            };
            // Built only when a diagnostic needs it: this loop runs for every key of the file.
            let full = || join_path(&path(), field.key);
            if got.has(field.id) {
                self.diags.push(
                    Diagnostic::new(
                        Code::UnknownKey,
                        format!("`{key}` repeats a value already given under another spelling; it is ignored"),
                        entry.key_span,
                    )
                    .path(full())
                    .help("keep one spelling: the one of this file's format"),
                );
                continue;
            }
            if foreign {
                let own_spelling = crate::config::fields::spelling(self.dialect, obj, field.id);
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
                    .path(full())
                    .help(help),
                );
            }
            if field.nullable && matches!(entry.value.value, Value::Null) {
                // Read as absent: GET responses write `null` for what is not set.
                continue;
            }
            if !field.required()
                && matches!(entry.value.value, Value::Null)
                && !matches!(field.shape, Shape::Scalar | Shape::Any)
            {
                // An optional key left empty (`description:` with nothing after it in YAML):
                // what it means is clear, absent, and nothing says TD or tdx refuse it, so a
                // warning rather than the wrong-type error it was.
                self.diags.push(
                    Diagnostic::new(
                        Code::WrongType,
                        format!("`{key}` is empty (null); cps reads it as not given"),
                        entry.value.span,
                    )
                    .severity(crate::Severity::Warning)
                    .path(full())
                    .help(format!(
                        "remove the key or give it a value: TD's published schema (S31) does not mark `{key}` as nullable, so whether TD and tdx take null is not documented"
                    )),
                );
                continue;
            }
            if !self.shape_ok(field, &entry, &full) {
                if field.shape == Shape::Str && matches!(entry.value.value, Value::Number(_)) {
                    got.seen.insert(field.id);
                    got.items.push((field, entry));
                } else {
                    got.failed.insert(field.id);
                }
                continue;
            }
            got.seen.insert(field.id);
            if let Shape::Map(Obj::Join) = field.shape {
                let inner = self.read_obj(entry.value, Obj::Join, &full, entry.key_span);
                got.items.extend(inner.items);
                got.seen.extend(inner.seen);
                got.failed.extend(inner.failed);
                continue;
            }
            got.items.push((field, entry));
        }
        for field in own.iter().filter(|f| f.need != Need::Optional) {
            let present = got.has(field.id)
                || (field.id == F::Join && got.has(F::TableKey) && got.has(F::MasterKey));
            // Only when absent: was it there but unreadable (already reported)?
            if present || got.failed.contains(field.id) {
                continue;
            }
            let path = path();
            let what = if path.is_empty() {
                "the config".to_string()
            } else {
                format!("`{path}`")
            };
            let d = match field.need {
                Need::Disputed(why) => Diagnostic::new(
                    Code::MissingDisputedKey,
                    format!("{what} has no `{}`", field.key),
                    anchor,
                )
                .help(why),
                _ => Diagnostic::new(
                    Code::MissingKey,
                    format!("{what} has no `{}`", field.key),
                    anchor,
                )
                .help(format!("add `{}`: {}", field.key, field.doc)),
            };
            self.diags.push(d.path(join_path(&path, field.path)));
        }
        got
    }

    /// Checks the value kind; reports and returns false when it does not fit.
    fn shape_ok(&mut self, field: &Field, entry: &Entry, path: &dyn Fn() -> String) -> bool {
        let v = &entry.value.value;
        let ok = match field.shape {
            Shape::Str => matches!(v, Value::Str(_)),
            Shape::Bool => matches!(v, Value::Bool(_)),
            Shape::Map(_) => matches!(v, Value::Map(_)),
            Shape::Seq(_) => matches!(v, Value::Seq(_)),
            Shape::Int => matches!(v, Value::Number(n) if whole_number(n).is_some()),
            Shape::Scalar => !matches!(v, Value::Map(_) | Value::Seq(_)),
            Shape::Any => true,
        };
        if !ok {
            let expected = match field.shape {
                Shape::Str => "a string",
                Shape::Bool => "a boolean (true or false)",
                Shape::Map(_) => "a mapping of keys to values",
                Shape::Seq(_) => "a list",
                Shape::Int => "a whole number (int64)",
                Shape::Scalar | Shape::Any => "a single value",
            };
            let help = match (field.shape, v) {
                (Shape::Str, Value::Number(n)) => {
                    format!("write it in quotes, \"{n}\": the API takes ids and names as strings")
                }
                (Shape::Str, Value::Bool(b)) => {
                    format!("write it in quotes if you mean the text \"{b}\"")
                }
                (Shape::Bool, Value::Str(s)) if s == "true" || s == "false" => {
                    format!("write {s} without quotes: \"{s}\" is a string, not a boolean")
                }
                (_, Value::Null) => format!("fill in `{}`: {}", field.key, field.doc),
                (Shape::Seq(_), Value::Map(_)) => {
                    "start each entry with `- ` (YAML) or wrap the entries in [ ] (JSON)"
                        .to_string()
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
                    format!(
                        "`{}` must be {expected}, found {}",
                        field.key,
                        v.kind_name()
                    ),
                    entry.value.span,
                )
                .path(path())
                .help(help),
            );
            return false;
        }
        match (field.shape, v) {
            (Shape::Scalar | Shape::Any, _) => {
                self.diags.push(
                    Diagnostic::new(
                        Code::ServerField,
                        format!(
                            "`{}` is assigned by the server; cps leaves it out of the upload",
                            field.key
                        ),
                        entry.key_span,
                    )
                    .path(path())
                    .help(if self.dialect == Dialect::Get {
                        "a GET response carries it; nothing to do"
                    } else {
                        "this file looks copied from a GET response; nothing to do"
                    }),
                );
                false
            }
            (Shape::Str, Value::Str(s)) if field.id != F::Description && s.trim().is_empty() => {
                self.diags.push(
                    Diagnostic::new(
                        Code::EmptyValue,
                        format!("`{}` is empty", field.key),
                        entry.value.span,
                    )
                    .path(path())
                    .help(format!("fill in `{}`: {}", field.key, field.doc)),
                );
                false
            }
            _ => true,
        }
    }

    /// `masterSchema` & co. in a file that has a `master` object (or is tdx YAML).
    fn flat_master_key(&mut self, entry: &Entry) {
        let key: &str = &entry.key;
        let nested = match (key, self.dialect) {
            ("masterSchema", _) => "master.schema",
            ("masterTable", _) => "master.table",
            ("masterKeyColumn", Dialect::Tdx) => "master.key_column",
            ("masterKeyColumn", _) => "master.keyColumn",
            (_, _) => "master.catalog",
        };
        self.diags.push(
            Diagnostic::new(
                Code::OtherDialectKey,
                format!(
                    "`{key}` is how a GET response spells it, but this file is in {}",
                    self.dialect.describe()
                ),
                entry.key_span,
            )
            .path(key)
            .help(format!(
                "write it as `{nested}`; cps leaves `{key}` out of the upload"
            )),
        );
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
            Some(s) => d.help(format!(
                "did you mean `{s}`? cps leaves unknown keys out of the upload"
            )),
            None => d.help(format!(
                "known keys here: {}; cps leaves unknown keys out of the upload",
                candidates
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        };
        self.diags.push(d);
    }
}

/// Whether a key of the GET shape's flattened master is misplaced here: only the top level of a
/// GET response has them.
fn dialect_has_no_master_object(dialect: Dialect, obj: Obj, key: &str) -> bool {
    dialect != Dialect::Get
        && obj == Obj::Root
        && matches!(
            key,
            "masterSchema" | "masterTable" | "masterKeyColumn" | "masterCatalog"
        )
}

/// The value of a number TD's schema types as an integer (int64, S31): any integer literal in
/// int64's range, and a whole value written as a float (`1000.0`, `1e3`), which JSON Schema
/// counts as an integer too; a float literal is exact in a double only up to 2^53, so larger
/// ones are refused. Digits are read exactly: `1.0000000000000000001` is not whole, though a
/// double would round it to 1.
///
/// Read as decimal digits and an exponent, not through `f64::from_str`: the float parser and its
/// power-of-five tables cost the JSON-only embed 15 KB gzipped (measured), for a question about
/// digits that needs no float.
pub(crate) fn whole_number(n: &str) -> Option<i64> {
    if let Ok(v) = n.parse::<i64>() {
        return Some(v);
    }
    const EXACT_IN_A_DOUBLE: i64 = 1 << 53;
    let (negative, rest) = match n.as_bytes().first()? {
        b'-' => (true, &n[1..]),
        b'+' => (false, &n[1..]),
        _ => (false, n),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let all_digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int_part.len() + frac_part.len() == 0 || !all_digits(int_part) || !all_digits(frac_part) {
        return None;
    }
    // The exponent, saturated: anything past ±10^6 is far outside int64 either way.
    let exp: i64 = match exponent {
        None => 0,
        Some(e) => {
            let (sign, digits) = match e.as_bytes().first()? {
                b'-' => (-1, &e[1..]),
                b'+' => (1, &e[1..]),
                _ => (1, e),
            };
            if digits.is_empty() || !all_digits(digits) {
                return None;
            }
            let digits = digits.trim_start_matches('0');
            sign * if digits.len() > 7 {
                10_000_000
            } else {
                digits.parse::<i64>().unwrap_or(0)
            }
        }
    };
    // value = digits × 10^scale, trailing zeros moved into the scale.
    let digits = format!("{int_part}{frac_part}");
    let digits = digits.trim_start_matches('0');
    let significant = digits.trim_end_matches('0');
    let scale = exp - frac_part.len() as i64 + (digits.len() - significant.len()) as i64;
    if significant.is_empty() {
        return Some(0);
    }
    if scale < 0 || significant.len() as i64 + scale > 16 {
        return None; // a fraction, or more than 16 digits: past 2^53 (16 digits)
    }
    let mut v: i64 = significant.parse().ok()?;
    for _ in 0..scale {
        v = v.checked_mul(10)?;
    }
    (v <= EXACT_IN_A_DOUBLE).then_some(if negative { -v } else { v })
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
    let keys: Vec<&str> = fields(dialect, obj)
        .iter()
        .filter(|f| f.required())
        .map(|f| f.key)
        .collect();
    format!("an entry here has the keys {}", keys.join(", "))
}

#[cfg(test)]
mod tests {
    use super::whole_number;

    #[test]
    fn whole_numbers_as_json_schema_counts_them() {
        assert_eq!(whole_number("1000"), Some(1000));
        assert_eq!(whole_number("-1"), Some(-1));
        // 19 digits: int64's own range (the old check stopped at 18 digits).
        assert_eq!(whole_number("9223372036854775807"), Some(i64::MAX));
        // A float with a zero fraction is a whole number ("must be a whole number, found 1000.0"
        // was a false error).
        assert_eq!(whole_number("1000.0"), Some(1000));
        assert_eq!(whole_number("1e3"), Some(1000));
        assert_eq!(whole_number("1.5"), None);
        assert_eq!(whole_number("9223372036854775808"), None);
        assert_eq!(whole_number("1e300"), None);
        assert_eq!(whole_number(""), None);
        assert_eq!(whole_number("-"), None);
        assert_eq!(whole_number("1e99999999999999999999"), None);
        assert_eq!(whole_number("0e99999999999999999999"), Some(0));
        assert_eq!(whole_number("-0.0"), Some(0));
    }

    /// The digit reading agrees with what the float parser said before (a whole double within
    /// 2^53) on every literal shape the YAML and JSON readers pass on.
    #[test]
    fn agrees_with_the_float_parser() {
        fn by_float(n: &str) -> Option<i64> {
            if let Ok(v) = n.parse::<i64>() {
                return Some(v);
            }
            let f: f64 = n.parse().ok()?;
            (f.is_finite() && f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0)
                .then_some(f as i64)
        }
        let signs = ["", "-", "+"];
        let ints = [
            "",
            "0",
            "1",
            "10",
            "007",
            "123456789",
            "9007199254740992",
            "9007199254740993",
            "90071992547409920",
        ];
        let fracs = [
            None,
            Some(""),
            Some("0"),
            Some("5"),
            Some("000"),
            Some("25"),
            Some("0000000001"),
        ];
        let exps = [
            None,
            Some("e0"),
            Some("E3"),
            Some("e+2"),
            Some("e-1"),
            Some("e-3"),
            Some("e16"),
            Some("e17"),
            Some("e-30"),
            Some("e"),
            Some("e+"),
        ];
        let mut n = 0;
        for sign in signs {
            for int in ints {
                for frac in fracs {
                    for exp in exps {
                        let mut t = format!("{sign}{int}");
                        if let Some(f) = frac {
                            t = format!("{t}.{f}");
                        }
                        if let Some(e) = exp {
                            t.push_str(e);
                        }
                        // Past 15 significant digits a double may round a fraction away
                        // (123456789.0000000001 and 9007199254740992.5 became whole); the digits
                        // are read exactly, as JSON Schema means.
                        let significant = t
                            .split(['e', 'E'])
                            .next()
                            .unwrap()
                            .replace(['-', '+', '.'], "");
                        if significant.trim_matches('0').len() <= 15 {
                            assert_eq!(whole_number(&t), by_float(&t), "{t:?}");
                            n += 1;
                        }
                    }
                }
            }
        }
        assert!(n > 1200, "{n} literals compared");
    }
}
