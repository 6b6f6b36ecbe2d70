//! Structural edits of a config's lists (attributes, behaviors, a behavior's columns) as text
//! splices: adding, removing and reordering entries changes only the bytes of the entries
//! involved, so comments, blank lines, quoting and layout everywhere else stay as written.
//!
//! What moves with an entry: its own text, the comment lines directly above it at its
//! indentation (YAML block lists) and a trailing comment on its last line. New entries follow
//! their neighbours: a block entry among block entries, a `{ … }` entry among flow entries, JSON
//! with the file's indentation and commas; an empty or missing list gets the file's style.
//!
//! Pure: text in (with its check, for the model's indices and the master's values), new text
//! out; the splices work on the text's spanned tree, read again here because the check consumes
//! its own. Every edit is verified before it is returned: the new text is read again and must
//! hold exactly the old tree with the one list changed as asked (spans aside), so a splice can
//! be refused but never corrupts a file. A refusal says which part of the text could not be read
//! and why.

use crate::config::fields::Dialect;
use crate::config::model::{Config, Text};
use crate::config::options::Settings;
use crate::output::convert::yaml_scalar;
use crate::syntax::span::Span;
use crate::syntax::tree::{Entry, Node, Value};
use crate::{Checked, Syntax};
use std::borrow::Cow;
use std::fmt;

/// The list an edit works on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ListId {
    Attributes,
    Behaviors,
    /// The columns (`columnMapping` / tdx `columns`) of behavior `behavior`.
    Columns {
        behavior: usize,
    },
}

/// A structural edit. Indices are the model's (what the form shows), which skip list items that
/// are not mappings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Edit {
    /// Appends a new entry prefilled like the master (same connection and schema, its key column
    /// as both join keys) with a name no other entry of the list uses.
    Add(ListId),
    Remove {
        list: ListId,
        index: usize,
    },
    /// Swaps entry `from` with the one above (`up`) or below; a move past either end is no edit.
    Move {
        list: ListId,
        from: usize,
        up: bool,
    },
}

impl Edit {
    pub fn list(self) -> ListId {
        match self {
            Edit::Add(list) | Edit::Remove { list, .. } | Edit::Move { list, .. } => list,
        }
    }
}

/// Why an edit was not made: which part of the text could not be read, and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refused {
    pub message: String,
    /// The part of the text that could not be read, when there is one.
    pub span: Option<Span>,
}

impl Refused {
    fn new(message: impl Into<String>, span: Option<Span>) -> Refused {
        Refused {
            message: message.into(),
            span,
        }
    }
}

impl fmt::Display for Refused {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

const CHANGED: &str = "The text changed under the form; try again.";

/// Applies `edit` to `text`, which `checked` is the check of. The text may have problems
/// elsewhere: only the list being edited (and the entries it touches) has to read cleanly.
pub fn apply(text: &str, checked: &Checked, edit: Edit) -> Result<String, Refused> {
    let (Some(config), Some(syntax), Some(dialect)) =
        (&checked.config, checked.syntax, checked.dialect)
    else {
        // Say what does not read, when that is the reason.
        if let Some(Err(refused)) = checked.syntax.map(|s| parse(text, s)) {
            return Err(refused);
        }
        return Err(Refused::new(
            "The text is not a config yet: fix the problem shown in Problems first.",
            None,
        ));
    };
    let eol = if text.contains("\r\n") { "\r\n" } else { "\n" };
    // Every line ends with a break while editing, so that an entry moved to or added after the
    // end is a line like the others; the break is taken off again at the end.
    let added_eol = !text.is_empty() && !text.ends_with('\n');
    let owned;
    let work: &str = if added_eol {
        owned = format!("{text}{eol}");
        &owned
    } else {
        text
    };
    let root = parse(work, syntax)?;
    let cx = Cx::new(work, syntax == Syntax::Json, eol);
    let api = dialect != Dialect::Tdx;
    let target = locate(&root, config, edit.list(), api)?;
    let (out, change) = match edit {
        Edit::Move { from, up, .. } => {
            let Some(to) = (if up {
                from.checked_sub(1)
            } else {
                from.checked_add(1)
            }) else {
                return Ok(text.to_string());
            };
            if from >= target.index.len() || to >= target.index.len() {
                return Ok(text.to_string());
            }
            let (a, b) = (target.index[from.min(to)], target.index[from.max(to)]);
            let (list, entry) = target.list()?;
            let out = cx.swap(list, entry, a, b)?;
            let mut items = list.as_seq().unwrap_or(&[]).to_vec();
            items.swap(a, b);
            (out, Change::Items(target.entry_index()?, items))
        }
        Edit::Remove { index, .. } => {
            let Some(&t) = target.index.get(index) else {
                return Err(Refused::new(CHANGED, None));
            };
            let (list, entry) = target.list()?;
            let out = cx.remove(list, entry, t)?;
            let mut items = list.as_seq().unwrap_or(&[]).to_vec();
            items.remove(t);
            (out, Change::Items(target.entry_index()?, items))
        }
        Edit::Add(list_id) => {
            let val = new_entry(config, &checked.settings, api, list_id)?;
            let node = val.node();
            let style = Style::of(&cx, &root);
            match target.entry {
                Some(e) => {
                    let entry = &target.parent.as_map().unwrap_or(&[])[e];
                    let out = cx.add(target.parent, entry, &val, list_id, &style)?;
                    let mut items = entry.value.as_seq().unwrap_or(&[]).to_vec();
                    items.push(node);
                    (out, Change::Items(e, items))
                }
                None => {
                    let (out, at) = cx.add_list(
                        target.parent,
                        target.key,
                        target.before,
                        &val,
                        list_id,
                        &style,
                    )?;
                    (
                        out,
                        Change::Insert {
                            at,
                            key: target.key,
                            node,
                        },
                    )
                }
            }
        }
    };
    let place = match target.entry() {
        Some(e) => format!(
            "`{}` (line {})",
            e.key,
            cx.line_of(e.key_span.start as usize) + 1
        ),
        None => format!("`{}`", target.key),
    };
    verify(
        &root,
        &target.path,
        change,
        &out,
        syntax,
        (&place, target.key_span()),
    )?;
    let mut out = out;
    if added_eol && out.ends_with(eol) {
        out.truncate(out.len() - eol.len());
    }
    Ok(out)
}

// ---- reading ------------------------------------------------------------------------------

/// What a reader reported about text that does not read: the line (1-based) and its message.
struct Unread {
    line: usize,
    message: String,
    span: Option<Span>,
}

fn read(text: &str, syntax: Syntax) -> Result<Node<'_>, Unread> {
    let unread = |d: Option<&crate::Diagnostic>| Unread {
        line: d.map_or(0, |d| crate::LineIndex::new(text).line_of(d.span.start) + 1),
        message: d.map_or_else(String::new, |d| d.message.clone()),
        span: d.map(|d| d.span),
    };
    match syntax {
        Syntax::Json => {
            let parsed = crate::syntax::json::parse(text);
            parsed
                .root
                .ok_or_else(|| unread(parsed.diagnostics.first()))
        }
        #[cfg(feature = "yaml")]
        Syntax::Yaml => {
            let index = crate::LineIndex::new(text);
            crate::syntax::yaml::parse(text, &index).map_err(|d| unread(Some(&d)))
        }
        #[cfg(not(feature = "yaml"))]
        Syntax::Yaml => Err(Unread {
            line: 0,
            message: "this build of cps reads JSON only".into(),
            span: None,
        }),
    }
}

/// The text as it is: what does not read is the reason to refuse.
fn parse(text: &str, syntax: Syntax) -> Result<Node<'_>, Refused> {
    read(text, syntax).map_err(|u| {
        Refused::new(
            format!(
                "The text does not read as {} (line {}: {}); fix that first, then add, remove or reorder entries.",
                if syntax == Syntax::Json { "JSON" } else { "YAML" },
                u.line,
                u.message
            ),
            u.span,
        )
    })
}

/// Where a list item is pointed at as a whole: its first key (what the decoder records as the
/// model entry's span), else the item itself.
fn anchor(item: &Node) -> Span {
    item.as_map()
        .and_then(|e| e.first())
        .map(|e| e.key_span)
        .unwrap_or(item.span)
}

/// One step from a node to a child.
#[derive(Clone, Copy, Debug)]
enum Step {
    /// The value of the mapping's entry at this index.
    Entry(usize),
    /// The sequence's item at this index.
    Item(usize),
}

/// The edited list, found in the tree.
struct Target<'n, 'a> {
    /// From the root to the mapping that holds the list.
    path: Vec<Step>,
    parent: &'n Node<'a>,
    /// The list's entry in `parent`, when the key is there.
    entry: Option<usize>,
    /// The key a missing list is added under.
    key: &'static str,
    /// A missing list is added before this key when it is there (attributes before behaviors).
    before: Option<&'static str>,
    /// Model index → index in the tree's list.
    index: Vec<usize>,
}

impl<'n, 'a> Target<'n, 'a> {
    fn entry_index(&self) -> Result<usize, Refused> {
        self.entry.ok_or_else(|| Refused::new(CHANGED, None))
    }

    fn entry(&self) -> Option<&'n Entry<'a>> {
        Some(&self.parent.as_map()?[self.entry?])
    }

    fn key_span(&self) -> Option<Span> {
        self.entry().map(|e| e.key_span)
    }

    /// The list node (a sequence) and its entry.
    fn list(&self) -> Result<(&'n Node<'a>, &'n Entry<'a>), Refused> {
        let entry = self.entry().ok_or_else(|| Refused::new(CHANGED, None))?;
        match entry.value.value {
            Value::Seq(_) => Ok((&entry.value, entry)),
            _ => Err(Refused::new(CHANGED, Some(entry.key_span))),
        }
    }
}

fn locate<'n, 'a>(
    root: &'n Node<'a>,
    config: &Config,
    list: ListId,
    api: bool,
) -> Result<Target<'n, 'a>, Refused> {
    let root_entries = root
        .as_map()
        .ok_or_else(|| Refused::new("The config is not a mapping of keys to values.", None))?;
    // The entry of `map` for a model list: by the span of its key, else (no model list) by
    // either spelling.
    let find = |entries: &[Entry], key_span: Option<Span>, names: &[&str]| -> Option<usize> {
        match key_span {
            Some(s) => entries.iter().position(|e| e.key_span == s),
            None => entries.iter().position(|e| names.contains(&e.key.as_ref())),
        }
    };
    let map_items =
        |node: &Node, spans: &mut dyn Iterator<Item = Span>| -> Result<Vec<usize>, Refused> {
            let items = node.as_seq().unwrap_or(&[]);
            spans
                .map(|s| {
                    items
                        .iter()
                        .position(|i| anchor(i) == s)
                        .ok_or_else(|| Refused::new(CHANGED, Some(s)))
                })
                .collect()
        };
    match list {
        ListId::Attributes | ListId::Behaviors => {
            let (key, before) = match list {
                ListId::Attributes => ("attributes", Some("behaviors")),
                _ => ("behaviors", None),
            };
            let model = match list {
                ListId::Attributes => config.attributes.as_ref().map(|l| {
                    (
                        l.key_span,
                        l.items.iter().map(|a| a.span).collect::<Vec<_>>(),
                    )
                }),
                _ => config.behaviors.as_ref().map(|l| {
                    (
                        l.key_span,
                        l.items.iter().map(|b| b.span).collect::<Vec<_>>(),
                    )
                }),
            };
            let entry = find(root_entries, model.as_ref().map(|m| m.0), &[key]);
            if model.is_some() && entry.is_none() {
                return Err(Refused::new(CHANGED, None));
            }
            let index = match (&model, entry) {
                (Some((_, spans)), Some(e)) => {
                    map_items(&root_entries[e].value, &mut spans.iter().copied())?
                }
                _ => Vec::new(),
            };
            Ok(Target {
                path: Vec::new(),
                parent: root,
                entry,
                key,
                before,
                index,
            })
        }
        ListId::Columns { behavior } => {
            let behaviors = config
                .behaviors
                .as_ref()
                .ok_or_else(|| Refused::new(CHANGED, None))?;
            let b = behaviors
                .items
                .get(behavior)
                .ok_or_else(|| Refused::new(CHANGED, None))?;
            let be = find(root_entries, Some(behaviors.key_span), &[])
                .ok_or_else(|| Refused::new(CHANGED, None))?;
            let items = root_entries[be].value.as_seq().unwrap_or(&[]);
            let bi = items
                .iter()
                .position(|i| anchor(i) == b.span)
                .ok_or_else(|| Refused::new(CHANGED, Some(b.span)))?;
            let parent = &items[bi];
            let entries = parent
                .as_map()
                .ok_or_else(|| Refused::new(CHANGED, Some(b.span)))?;
            let key_span = b.columns.as_ref().map(|l| l.key_span);
            let entry = find(entries, key_span, &["columnMapping", "columns"]);
            if key_span.is_some() && entry.is_none() {
                return Err(Refused::new(CHANGED, None));
            }
            let index = match (&b.columns, entry) {
                (Some(l), Some(e)) => {
                    map_items(&entries[e].value, &mut l.items.iter().map(|c| c.span))?
                }
                _ => Vec::new(),
            };
            Ok(Target {
                path: vec![Step::Entry(be), Step::Item(bi)],
                parent,
                entry,
                key: if api { "columnMapping" } else { "columns" },
                before: None,
                index,
            })
        }
    }
}

// ---- verification -------------------------------------------------------------------------

/// What the edit must have done to the tree.
enum Change<'a> {
    /// The list at this entry of the parent now holds these items.
    Items(usize, Vec<Node<'a>>),
    /// A new entry `key: [node]` at this position of the parent.
    Insert {
        at: usize,
        key: &'static str,
        node: Node<'static>,
    },
}

fn verify(
    root: &Node,
    path: &[Step],
    change: Change,
    out: &str,
    syntax: Syntax,
    (place, at): (&str, Option<Span>),
) -> Result<(), Refused> {
    let failed = || {
        Refused::new(
            format!("This edit of {place} cannot be made as a text edit without changing other parts of the file; make it in the editor."),
            at,
        )
    };
    let new_root = read(out, syntax).map_err(|u| {
        // The splice itself is sound; what breaks is a reference across entries (an alias
        // moved above the anchor it names) or a layout this module misread.
        Refused::new(
            format!(
                "After this edit of {place} the text would not read (line {}: {}); make the edit in the editor.",
                u.line, u.message
            ),
            at,
        )
    })?;
    let mut expected = root.clone();
    let mut node = &mut expected;
    for step in path {
        node = match (step, &mut node.value) {
            (Step::Entry(i), Value::Map(entries)) => {
                &mut entries.get_mut(*i).ok_or_else(failed)?.value
            }
            (Step::Item(i), Value::Seq(items)) => items.get_mut(*i).ok_or_else(failed)?,
            _ => return Err(failed()),
        };
    }
    let Value::Map(entries) = &mut node.value else {
        return Err(failed());
    };
    match change {
        Change::Items(e, items) => {
            entries.get_mut(e).ok_or_else(failed)?.value.value = Value::Seq(items);
        }
        Change::Insert { at, key, node } => {
            if at > entries.len() {
                return Err(failed());
            }
            entries.insert(
                at,
                Entry {
                    key: Cow::Borrowed(key),
                    key_span: Span::default(),
                    value: Node {
                        span: Span::default(),
                        value: Value::Seq(vec![node]),
                    },
                },
            );
        }
    }
    if same(&expected, &new_root) {
        Ok(())
    } else {
        Err(failed())
    }
}

/// Equal trees, spans aside.
fn same(a: &Node, b: &Node) -> bool {
    match (&a.value, &b.value) {
        (Value::Null, Value::Null) => true,
        (Value::Bool(x), Value::Bool(y)) => x == y,
        (Value::Number(x), Value::Number(y)) | (Value::Str(x), Value::Str(y)) => x == y,
        (Value::Seq(x), Value::Seq(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| same(a, b))
        }
        (Value::Map(x), Value::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(a, b)| a.key == b.key && same(&a.value, &b.value))
        }
        _ => false,
    }
}

// ---- new entries --------------------------------------------------------------------------

/// A value to write: strings, mappings with their keys in order, lists.
#[derive(Clone, Debug, PartialEq)]
enum Val {
    S(String),
    M(Vec<(&'static str, Val)>),
    L(Vec<Val>),
}

impl Val {
    fn node(&self) -> Node<'static> {
        let value = match self {
            Val::S(s) => Value::Str(Cow::Owned(s.clone())),
            Val::M(entries) => Value::Map(
                entries
                    .iter()
                    .map(|(k, v)| Entry {
                        key: Cow::Borrowed(*k),
                        key_span: Span::default(),
                        value: v.node(),
                    })
                    .collect(),
            ),
            Val::L(items) => Value::Seq(items.iter().map(Val::node).collect()),
        };
        Node {
            span: Span::default(),
            value,
        }
    }
}

/// `base_1`, `base_2`, …: the first name none of `taken` uses.
fn unique<'t>(base: &str, taken: impl Iterator<Item = &'t Option<Text>>) -> String {
    let taken: Vec<&str> = taken.flatten().map(|t| t.value.as_str()).collect();
    (1..)
        .map(|i| format!("{base}_{i}"))
        .find(|n| !taken.contains(&n.as_str()))
        .unwrap_or_else(|| base.to_string())
}

fn new_column(name: &str, api: bool) -> Val {
    Val::M(vec![
        ("name", Val::S(name.into())),
        ("type", Val::S("string".into())),
        (
            if api { "cdwColumn" } else { "column" },
            Val::S(name.to_ascii_uppercase()),
        ),
    ])
}

/// The new entry for `list`: like the master (connection, catalog, schema; attributes read the
/// master's table), joined on the master's key column, in the file's dialect and key order.
fn new_entry(
    config: &Config,
    settings: &Settings,
    api: bool,
    list: ListId,
) -> Result<Val, Refused> {
    let master = config.master.as_ref();
    let s = |t: Option<&Text>| t.map(|t| Val::S(t.value.to_string()));
    let key = master.and_then(|m| m.key_column.as_ref());
    let table_entry = |name: String, table: Option<Val>| {
        let mut m: Vec<(&'static str, Val)> = vec![("name", Val::S(name))];
        let t = master.map(|m| &m.table);
        let id = s(t.and_then(|t| t.conn.id()));
        let catalog = s(t.and_then(|t| t.conn.catalog.as_ref()));
        let uses_catalog = settings.warehouse.uses_catalog();
        let conn_key = match (api, uses_catalog) {
            (false, _) => "connection",
            (true, true) => "connectionId",
            (true, false) => "federatedQueryConfigId",
        };
        let mut put = |k: &'static str, v: Option<Val>| {
            if let Some(v) = v {
                m.push((k, v));
            }
        };
        put(conn_key, id);
        if uses_catalog {
            put("catalog", catalog);
        }
        put("schema", s(t.and_then(|t| t.schema.as_ref())));
        put("table", table);
        if api {
            put("tableKey", s(key));
            put("masterKey", s(key));
        } else if key.is_some() {
            put(
                "join",
                Some(Val::M(vec![
                    (
                        "table_key",
                        Val::S(key.map(|k| k.value.to_string()).unwrap_or_default()),
                    ),
                    (
                        "master_key",
                        Val::S(key.map(|k| k.value.to_string()).unwrap_or_default()),
                    ),
                ])),
            );
        }
        m
    };
    Ok(match list {
        ListId::Attributes => {
            let name = unique(
                "attribute",
                config
                    .attributes
                    .iter()
                    .flat_map(|l| &l.items)
                    .map(|a| &a.name),
            );
            let table = s(master.and_then(|m| m.table.table.as_ref()));
            let mut m = table_entry(name.clone(), table);
            m.push(("column", Val::S(name.to_ascii_uppercase())));
            m.push(("type", Val::S("string".into())));
            Val::M(m)
        }
        ListId::Behaviors => {
            let name = unique(
                "behavior",
                config
                    .behaviors
                    .iter()
                    .flat_map(|l| &l.items)
                    .map(|b| &b.name),
            );
            let mut m = table_entry(name.clone(), Some(Val::S(name.to_ascii_uppercase())));
            m.push((
                if api { "timeColumn" } else { "time_column" },
                Val::S("TIME".into()),
            ));
            m.push((
                if api { "columnMapping" } else { "columns" },
                Val::L(vec![new_column("column_1", api)]),
            ));
            Val::M(m)
        }
        ListId::Columns { behavior } => {
            let b = config
                .behaviors
                .as_ref()
                .and_then(|l| l.items.get(behavior))
                .ok_or_else(|| Refused::new(CHANGED, None))?;
            let name = unique(
                "column",
                b.columns.iter().flat_map(|l| &l.items).map(|c| &c.name),
            );
            new_column(&name, api)
        }
    })
}

// ---- style --------------------------------------------------------------------------------

/// How a list is written in YAML.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ListStyle {
    /// `- …` lines; entries as block mappings or as `{ … }`.
    Block { flow_items: bool },
    /// `[ … ]`.
    Flow,
}

/// The file's own way of writing things, read from what it already holds; used where a new
/// entry has no neighbour to copy (an empty or missing list, the columns of a new behavior).
#[derive(Clone, Copy, Debug)]
struct Style {
    /// Indentation step of nested mappings (YAML and JSON).
    unit: usize,
    /// YAML: columns from a list's key to its `-` (0 for `key:\n- item`).
    seq_offset: usize,
    /// YAML: columns from `-` to the entry's first key.
    item_offset: usize,
    /// YAML: `{ a: b }` rather than `{a: b}`; JSON: `{ "a": "b" }` rather than `{"a": "b"}`.
    spaced: bool,
    /// tdx: `join: { … }` rather than a block.
    join_flow: bool,
    /// YAML: how attributes and behaviors are written.
    entries: ListStyle,
    /// YAML: how column lists are written.
    columns: ListStyle,
    /// JSON: column entries on one line each.
    json_inline_columns: bool,
    /// JSON: one-line column entries written `{ "name": … }` rather than `{"name": …}`.
    json_columns_spaced: bool,
    /// JSON: `"key":value` with no space.
    json_tight: bool,
}

impl Style {
    fn of(cx: &Cx, root: &Node) -> Style {
        let mut st = Style {
            unit: 2,
            seq_offset: 2,
            item_offset: 2,
            spaced: true,
            join_flow: false,
            entries: ListStyle::Block { flow_items: false },
            columns: ListStyle::Block { flow_items: false },
            json_inline_columns: false,
            json_tight: false,
            json_columns_spaced: true,
        };
        let Some(entries) = root.as_map() else {
            return st;
        };
        if cx.json {
            if let Some(first) = entries.first() {
                let l = cx.line_of(first.key_span.start as usize);
                if l != cx.line_of(root.span.start as usize) {
                    st.unit = cx.indent(l).max(1);
                }
                st.json_tight = cx
                    .colon_after(first.key_span.end as usize)
                    .is_some_and(|c| cx.b.get(c + 1) != Some(&b' '));
            }
        }
        if let Some(m) = root.get("master").filter(|m| !cx.json && !cx.is_flow(m)) {
            let key_col = entries
                .iter()
                .find(|e| e.key == "master")
                .map(|e| cx.col(e.key_span.start as usize));
            if let (Some(k), Some(first)) = (key_col, m.as_map().and_then(|e| e.first())) {
                let c = cx.col(first.key_span.start as usize);
                if c > k {
                    st.unit = c - k;
                }
            }
        }
        let mut found_list = false;
        let mut found_flow_map = false;
        let mut found_join = false;
        let mut found_columns = false;
        for e in entries
            .iter()
            .filter(|e| e.key == "attributes" || e.key == "behaviors")
        {
            let Some(items) = e.value.as_seq().filter(|i| !i.is_empty()) else {
                continue;
            };
            if !cx.json {
                let ls = cx.list_style(&e.value);
                if !found_list {
                    found_list = true;
                    st.entries = ls;
                    if let Some((d, o)) = cx.block_offsets(e.key_span, &items[0]) {
                        st.seq_offset = d;
                        if let Some(o) = o {
                            st.item_offset = o;
                        }
                    }
                }
            }
            for item in items.iter().take(8) {
                if !found_flow_map && cx.is_flow(item) {
                    found_flow_map = true;
                    st.spaced = cx.b.get(item.span.start as usize + 1) == Some(&b' ');
                }
                if let Some(j) = item.get("join").filter(|_| !found_join) {
                    found_join = true;
                    st.join_flow = cx.is_flow(j);
                    if st.join_flow && !found_flow_map {
                        found_flow_map = true;
                        st.spaced = cx.b.get(j.span.start as usize + 1) == Some(&b' ');
                    }
                }
                let cols = item.as_map().and_then(|m| {
                    m.iter()
                        .find(|e| e.key == "columnMapping" || e.key == "columns")
                        .filter(|e| e.value.as_seq().is_some_and(|s| !s.is_empty()))
                });
                if let Some(c) = cols.filter(|_| !found_columns) {
                    found_columns = true;
                    let first = &c.value.as_seq().unwrap_or(&[])[0];
                    if cx.json {
                        let r = first.span.range();
                        st.json_inline_columns = !cx.at(r.start, r.end).contains('\n');
                        st.json_columns_spaced = cx.b.get(r.start + 1) == Some(&b' ');
                    } else {
                        st.columns = cx.list_style(&c.value);
                    }
                }
            }
        }
        st
    }

    /// The style for a new entry added after `neighbour` (the list's last item).
    fn near(mut self, cx: &Cx, list_key: Span, neighbour: &Node) -> Style {
        if cx.json {
            self.spaced = cx.b.get(neighbour.span.start as usize + 1) == Some(&b' ');
        } else {
            if cx.is_flow(neighbour) {
                self.spaced = cx.b.get(neighbour.span.start as usize + 1) == Some(&b' ');
            }
            if let Some((_, Some(o))) = cx.block_offsets(list_key, neighbour) {
                self.item_offset = o;
            }
            if let Some(j) = neighbour.get("join") {
                self.join_flow = cx.is_flow(j);
            }
        }
        let cols = neighbour.as_map().and_then(|m| {
            m.iter()
                .find(|e| e.key == "columnMapping" || e.key == "columns")
                .filter(|e| e.value.as_seq().is_some_and(|s| !s.is_empty()))
        });
        if let Some(c) = cols {
            let first = &c.value.as_seq().unwrap_or(&[])[0];
            if cx.json {
                let r = first.span.range();
                self.json_inline_columns = !cx.at(r.start, r.end).contains('\n');
                self.json_columns_spaced = cx.b.get(r.start + 1) == Some(&b' ');
            } else {
                self.columns = cx.list_style(&c.value);
            }
        }
        self
    }
}

// ---- the text -----------------------------------------------------------------------------

/// The text with its lines, and the splices.
struct Cx<'t> {
    text: &'t str,
    b: &'t [u8],
    json: bool,
    eol: &'static str,
    starts: Vec<usize>,
}

fn is_ws(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\r' | b'\n')
}

/// The column of `-` when `prefix` (a line up to an item's first token) is `-` with optional
/// anchors and tags: `  - `, `  - &a `.
fn dash_prefix(prefix: &str) -> Option<usize> {
    let t = prefix.trim_start_matches(' ');
    let col = prefix.len() - t.len();
    let rest = t.strip_prefix('-')?;
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    rest.split_whitespace()
        .all(|tok| tok.starts_with('&') || tok.starts_with('!'))
        .then_some(col)
}

/// A line without its comment (a `#` after whitespace).
fn strip_comment(line: &str) -> &str {
    let b = line.as_bytes();
    for i in 0..b.len() {
        if b[i] == b'#' && (i == 0 || matches!(b[i - 1], b' ' | b'\t')) {
            return &line[..i];
        }
    }
    line
}

/// A `[ … ]` list: its entries' extents, its `[` and just after its `]`.
struct Bracketed {
    items: Vec<(usize, usize)>,
    open: usize,
    close: usize,
    /// The entries as runs of lines, for a list with comments between its entries.
    lines: Option<FlowLines>,
}

/// The entries of a `[ … ]` list with one entry per line (or run of lines).
struct FlowLines {
    heads: Vec<usize>,
    tails: Vec<usize>,
    /// The comma after each entry.
    commas: Vec<Option<usize>>,
    /// The last entry has a comma too.
    trailing: bool,
}

/// A YAML block list's entries as runs of lines.
struct Units {
    /// Where each entry's text starts: its own comment lines above it, else its `-` line.
    heads: Vec<usize>,
    /// Just after each entry's last line (its line break included).
    tails: Vec<usize>,
}

impl<'t> Cx<'t> {
    fn new(text: &'t str, json: bool, eol: &'static str) -> Cx<'t> {
        // A byte order mark is not indentation: the first line starts after it.
        let first = if text.starts_with('\u{feff}') { 3 } else { 0 };
        let starts = std::iter::once(first)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .filter(|&s| s < text.len() || s == first)
            .collect();
        Cx {
            text,
            b: text.as_bytes(),
            json,
            eol,
            starts,
        }
    }

    /// `text[a..b]`, or nothing where a misjudged position would not slice (the result is
    /// then refused by the verification, never a panic).
    fn at(&self, a: usize, b: usize) -> &'t str {
        self.text.get(a..b).unwrap_or("")
    }

    fn lines(&self) -> usize {
        self.starts.len()
    }

    fn line_of(&self, pos: usize) -> usize {
        match self.starts.binary_search(&pos) {
            Ok(i) => i,
            Err(i) => i.saturating_sub(1),
        }
    }

    fn ls(&self, line: usize) -> usize {
        self.starts.get(line).copied().unwrap_or(self.text.len())
    }

    /// The end of a line, its break included.
    fn le(&self, line: usize) -> usize {
        self.starts
            .get(line + 1)
            .copied()
            .unwrap_or(self.text.len())
    }

    fn content(&self, line: usize) -> &'t str {
        let s = self.at(self.ls(line), self.le(line));
        s.trim_end_matches(['\n', '\r'])
    }

    fn indent(&self, line: usize) -> usize {
        self.content(line)
            .bytes()
            .take_while(|&c| c == b' ')
            .count()
    }

    fn blank(&self, line: usize) -> bool {
        self.content(line).trim().is_empty()
    }

    fn comment(&self, line: usize) -> bool {
        self.content(line).trim_start().starts_with('#')
    }

    fn col(&self, pos: usize) -> usize {
        pos.saturating_sub(self.ls(self.line_of(pos)))
    }

    /// The position of the `:` after a key ending at `end`.
    fn colon_after(&self, end: usize) -> Option<usize> {
        let mut i = end;
        while i < self.b.len() && matches!(self.b[i], b' ' | b'\t') {
            i += 1;
        }
        (self.b.get(i) == Some(&b':')).then_some(i)
    }

    /// The `:` after a list's key (the list is written after it, or replaced there).
    fn list_colon(&self, entry: &Entry) -> Result<usize, Refused> {
        self.colon_after(entry.key_span.end as usize)
            .ok_or_else(|| {
                Refused::new(
                    "The `:` after the list's key was not found.",
                    Some(entry.key_span),
                )
            })
    }

    /// Where a node starts in the text: a flow collection's bracket, a block mapping's first
    /// key, a scalar's first character.
    fn first_pos(&self, node: &Node) -> usize {
        match &node.value {
            Value::Map(e) if !e.is_empty() => {
                (node.span.start as usize).min(e[0].key_span.start as usize)
            }
            _ => node.span.start as usize,
        }
    }

    /// A `{ … }` or `[ … ]` collection (always, in JSON).
    fn is_flow(&self, node: &Node) -> bool {
        let start = node.span.start as usize;
        // A list written `key:\n- item` (no indentation) starts where its first item does, which
        // may itself be a `{ … }` or `[ … ]`: a bracket of the node's own comes before its first
        // item.
        let opens = |bracket: u8, first: Option<usize>| {
            self.b.get(start) == Some(&bracket) && first.is_none_or(|f| f > start)
        };
        match &node.value {
            Value::Map(entries) => {
                self.json || opens(b'{', entries.first().map(|e| e.key_span.start as usize))
            }
            Value::Seq(items) => self.json || opens(b'[', items.first().map(|i| self.first_pos(i))),
            _ => false,
        }
    }

    fn list_style(&self, list: &Node) -> ListStyle {
        if self.is_flow(list) {
            ListStyle::Flow
        } else {
            let flow_items = list
                .as_seq()
                .and_then(|s| s.first())
                .is_some_and(|i| self.is_flow(i));
            ListStyle::Block { flow_items }
        }
    }

    /// The `-` of a block list item: its line and column.
    fn find_dash(&self, item: &Node) -> Option<(usize, usize)> {
        let pos = self.first_pos(item);
        let line = self.line_of(pos);
        if self.b.get(pos) == Some(&b'-') {
            let prefix = self.at(self.ls(line), pos);
            return prefix
                .bytes()
                .all(|c| c == b' ')
                .then_some((line, prefix.len()));
        }
        let prefix = self.at(self.ls(line), pos);
        if let Some(col) = dash_prefix(prefix) {
            return Some((line, col));
        }
        if !prefix.trim().is_empty() {
            return None;
        }
        // `-` alone (or with an anchor) on an earlier line.
        let mut l = line;
        while l > 0 {
            l -= 1;
            if self.blank(l) || self.comment(l) {
                continue;
            }
            return dash_prefix(strip_comment(self.content(l)).trim_end()).map(|c| (l, c));
        }
        None
    }

    /// For a block list under the key at `key`: columns from the key to `-`, and from `-` to
    /// the first item's first key when it is on the `-` line.
    fn block_offsets(&self, key: Span, item: &Node) -> Option<(usize, Option<usize>)> {
        if self.json || self.is_flow_list_item(item) {
            return None;
        }
        let (line, dash) = self.find_dash(item)?;
        let key_col = self.col(key.start as usize);
        let first = self.first_pos(item);
        let on_line = self.line_of(first) == line;
        Some((
            dash.saturating_sub(key_col),
            on_line.then(|| self.col(first).saturating_sub(dash)),
        ))
    }

    fn is_flow_list_item(&self, item: &Node) -> bool {
        // An item of a `[ … ]` list has no `-`.
        self.find_dash(item).is_none()
    }

    fn is_dash_line(&self, line: usize, col: usize) -> bool {
        if self.indent(line) != col {
            return false;
        }
        let rest = &self.content(line)[col..];
        rest == "-" || rest.starts_with("- ") || rest.starts_with("-\t")
    }

    /// Splits a YAML block list into its entries' lines. Entry `k` owns its `-` line, the lines
    /// after it indented deeper than its `-` (comments included) and the comment lines directly
    /// above it at the `-`'s column; blank lines and other comments between entries stay where
    /// they are.
    fn units(&self, key: Option<Span>, list: &Node) -> Result<Units, Refused> {
        let items = list.as_seq().unwrap_or(&[]);
        let unreadable = |what: &str, at: Span| {
            Refused::new(
                format!(
                    "The list at line {} cannot be edited from the form: {what}. Edit it in the editor.",
                    self.line_of(at.start as usize) + 1
                ),
                Some(at),
            )
        };
        let at = key.unwrap_or(list.span);
        let Some(first) = items.first() else {
            return Err(unreadable("it is empty", at));
        };
        let (first_line, col) = self
            .find_dash(first)
            .ok_or_else(|| unreadable("the `-` of its first entry was not found", at))?;
        let mut dash_lines = Vec::with_capacity(items.len());
        let mut end = self.lines();
        for l in first_line..self.lines() {
            if self.blank(l) || self.comment(l) {
                continue;
            }
            if self.is_dash_line(l, col) {
                dash_lines.push(l);
            } else if self.indent(l) <= col {
                end = l;
                break;
            }
        }
        if dash_lines.len() != items.len() {
            return Err(unreadable(
                "its entries could not be told apart by their `-` lines",
                at,
            ));
        }
        let mut heads = Vec::with_capacity(items.len());
        let mut tails = Vec::with_capacity(items.len());
        let floor = key.map_or(0, |k| self.line_of(k.start as usize) + 1);
        for (k, item) in items.iter().enumerate() {
            let from = dash_lines[k];
            let to = dash_lines.get(k + 1).copied().unwrap_or(end);
            let pos = self.first_pos(item);
            if pos < self.ls(from) || pos >= self.ls(to) {
                return Err(unreadable(
                    &format!("entry {} does not start at its `-`", k + 1),
                    Span::new(pos, pos),
                ));
            }
            let last = (from..to)
                .rev()
                .find(|&l| !self.blank(l) && (!self.comment(l) || self.indent(l) > col))
                .unwrap_or(from);
            tails.push(self.le(last));
            let lower = if k == 0 {
                floor
            } else {
                self.line_of(tails[k - 1].saturating_sub(1)) + 1
            };
            let mut h = from;
            while h > lower && self.comment(h - 1) && self.indent(h - 1) == col {
                h -= 1;
            }
            heads.push(self.ls(h));
        }
        Ok(Units { heads, tails })
    }

    /// The end of a flow (or JSON) node: just after its last character.
    fn flow_end(&self, node: &Node) -> Option<usize> {
        if self.json {
            return Some(node.span.end as usize);
        }
        let (closer, last) = match &node.value {
            Value::Map(entries) if self.is_flow(node) => (
                b'}',
                entries
                    .last()
                    .map(|e| Some((e.key_span.end as usize).max(self.flow_end(&e.value)?)))
                    .unwrap_or(Some(node.span.start as usize + 1))?,
            ),
            Value::Seq(items) if self.is_flow(node) => (
                b']',
                items
                    .last()
                    .map(|i| self.flow_end(i))
                    .unwrap_or(Some(node.span.start as usize + 1))?,
            ),
            Value::Map(_) | Value::Seq(_) => return None,
            _ => return Some(node.span.end as usize),
        };
        let mut i = last;
        while i < self.b.len() {
            match self.b[i] {
                c if is_ws(c) || c == b',' => i += 1,
                b'#' if i > 0 && is_ws(self.b[i - 1]) => {
                    while i < self.b.len() && self.b[i] != b'\n' {
                        i += 1;
                    }
                }
                c if c == closer => return Some(i + 1),
                _ => return None,
            }
        }
        None
    }

    /// Each item's extent in a `[ … ]` list, and the list's own.
    fn bracketed(&self, list: &Node, key: Span) -> Result<Bracketed, Refused> {
        let unreadable = |what: &str| {
            Refused::new(
                format!(
                    "The list at line {} cannot be edited from the form: {what}. Edit it in the editor.",
                    self.line_of(key.start as usize) + 1
                ),
                Some(key),
            )
        };
        let open = list.span.start as usize;
        let close = self
            .flow_end(list)
            .ok_or_else(|| unreadable("its closing `]` was not found"))?;
        let mut items = Vec::new();
        for item in list.as_seq().unwrap_or(&[]) {
            let s = item.span.start as usize;
            let e = self
                .flow_end(item)
                .ok_or_else(|| unreadable("the end of an entry was not found"))?;
            items.push((s, e));
        }
        let mut b = Bracketed {
            items,
            open,
            close,
            lines: None,
        };
        if !self.json {
            let mut prev = open + 1;
            let mut comments = false;
            for &(s, e) in b.items.iter().chain(std::iter::once(&(close - 1, close))) {
                comments |= self.at(prev, s).contains('#');
                prev = e;
            }
            if comments {
                // Comments say something about the entry they stand by, so the entries are
                // moved as whole lines, which needs each entry on lines of its own.
                b.lines = Some(self.flow_lines(&b).ok_or_else(|| {
                    unreadable("it has comments between `[ … ]` entries that do not stand on lines of their own")
                })?);
            }
        }
        Ok(b)
    }

    /// The lines of a `[ … ]` list's entries, when each stands on lines of its own (with its
    /// comma and a comment after it).
    fn flow_lines(&self, b: &Bracketed) -> Option<FlowLines> {
        let mut u = FlowLines {
            heads: Vec::new(),
            tails: Vec::new(),
            commas: Vec::new(),
            trailing: false,
        };
        let mut floor = self.line_of(b.open) + 1;
        for &(s, e) in &b.items {
            let line = self.line_of(s);
            if !self.at(self.ls(line), s).trim().is_empty() || line < floor {
                return None;
            }
            let last = self.line_of(e.saturating_sub(1));
            let rest = self.at(e, self.le(last));
            let after = rest.trim_start_matches([' ', '\t']);
            let comma = after
                .starts_with(',')
                .then(|| e + (rest.len() - after.len()));
            let after = after.strip_prefix(',').unwrap_or(after).trim();
            if !(after.is_empty() || after.starts_with('#')) {
                return None;
            }
            let col = self.indent(line);
            let mut h = line;
            while h > floor && self.comment(h - 1) && self.indent(h - 1) == col {
                h -= 1;
            }
            u.heads.push(self.ls(h));
            u.tails.push(self.le(last));
            u.commas.push(comma);
            floor = last + 1;
        }
        u.trailing = u.commas.last().is_some_and(Option::is_some);
        Some(u)
    }

    /// Entry `k`'s lines, with a comma after it or not.
    fn flow_unit(&self, b: &Bracketed, u: &FlowLines, k: usize, comma: bool) -> String {
        let (h, t, e) = (u.heads[k], u.tails[k], b.items[k].1);
        match (u.commas[k], comma) {
            (Some(c), false) => format!("{}{}", self.at(h, c), self.at(c + 1, t)),
            (None, true) => format!("{},{}", self.at(h, e), self.at(e, t)),
            _ => self.at(h, t).to_string(),
        }
    }

    fn splice(&self, parts: &[(usize, usize, &str)]) -> String {
        // Non-overlapping replacements, in order.
        let mut out = String::with_capacity(self.text.len() + 256);
        let mut at = 0;
        for &(s, e, with) in parts {
            out.push_str(self.at(at, s));
            out.push_str(with);
            at = e;
        }
        out.push_str(self.at(at, self.text.len()));
        out
    }

    // ---- the edits ----

    fn swap(&self, list: &Node, entry: &Entry, a: usize, b: usize) -> Result<String, Refused> {
        let (ra, rb) = if self.is_flow(list) {
            let br = self.bracketed(list, entry.key_span)?;
            if let Some(u) = &br.lines {
                let n = br.items.len();
                let comma = |at: usize| at + 1 < n || u.trailing;
                let (ta, tb) = (
                    self.flow_unit(&br, u, a, comma(b)),
                    self.flow_unit(&br, u, b, comma(a)),
                );
                return Ok(
                    self.splice(&[(u.heads[a], u.tails[a], &tb), (u.heads[b], u.tails[b], &ta)])
                );
            }
            (br.items[a], br.items[b])
        } else {
            let u = self.units(Some(entry.key_span), list)?;
            ((u.heads[a], u.tails[a]), (u.heads[b], u.tails[b]))
        };
        let (ta, tb) = (self.at(ra.0, ra.1), self.at(rb.0, rb.1));
        Ok(self.splice(&[(ra.0, ra.1, tb), (rb.0, rb.1, ta)]))
    }

    fn remove(&self, list: &Node, entry: &Entry, k: usize) -> Result<String, Refused> {
        let n = list.as_seq().map_or(0, |s| s.len());
        let blank_gap = |from: usize, to: usize| self.at(from, to).trim().is_empty();
        if self.is_flow(list) {
            let br = self.bracketed(list, entry.key_span)?;
            if let Some(u) = &br.lines {
                // The entry's lines go; the brackets and other comments stay.
                if n == 1 {
                    return Ok(self.splice(&[(u.heads[0], u.tails[0], "")]));
                }
                return Ok(if k + 1 < n && blank_gap(u.tails[k], u.heads[k + 1]) {
                    self.splice(&[(u.heads[k], u.heads[k + 1], "")])
                } else if k + 1 < n {
                    self.splice(&[(u.heads[k], u.tails[k], "")])
                } else {
                    let (from, to) = if blank_gap(u.tails[k - 1], u.heads[k]) {
                        (u.tails[k - 1], u.tails[k])
                    } else {
                        (u.heads[k], u.tails[k])
                    };
                    match u.commas[k - 1].filter(|_| !u.trailing) {
                        Some(c) => self.splice(&[(c, c + 1, ""), (from, to, "")]),
                        None => self.splice(&[(from, to, "")]),
                    }
                });
            }
            let (items, open, close) = (br.items, br.open, br.close);
            return Ok(if n == 1 {
                self.splice(&[(open, close, "[]")])
            } else if k + 1 < n {
                self.splice(&[(items[k].0, items[k + 1].0, "")])
            } else {
                self.splice(&[(items[k - 1].1, items[k].1, "")])
            });
        }
        let u = self.units(Some(entry.key_span), list)?;
        if n == 1 {
            // `key: []`: a bare `key:` would read as null.
            let colon = self.list_colon(entry)?;
            return Ok(self.splice(&[(colon + 1, colon + 1, " []"), (u.heads[0], u.tails[0], "")]));
        }
        let (from, to) = if k + 1 < n && blank_gap(u.tails[k], u.heads[k + 1]) {
            (u.heads[k], u.heads[k + 1])
        } else if k + 1 == n && blank_gap(u.tails[k - 1], u.heads[k]) {
            (u.tails[k - 1], u.tails[k])
        } else {
            (u.heads[k], u.tails[k])
        };
        Ok(self.splice(&[(from, to, "")]))
    }

    /// Adds `val` to the list of `entry` (in `parent`): after its last item, or into `[]` or a
    /// null value.
    fn add(
        &self,
        parent: &Node,
        entry: &Entry,
        val: &Val,
        list: ListId,
        st: &Style,
    ) -> Result<String, Refused> {
        let node = &entry.value;
        let items = match &node.value {
            Value::Seq(items) => items.as_slice(),
            Value::Null => &[],
            other => {
                return Err(Refused::new(
                    format!(
                        "`{}` (line {}) holds {}, not a list: fix it in the editor first.",
                        entry.key,
                        self.line_of(entry.key_span.start as usize) + 1,
                        other.kind_name()
                    ),
                    Some(entry.key_span),
                ))
            }
        };
        let Some(last) = items.last() else {
            return self.fill(parent, entry, val, list, st);
        };
        let st = st.near(self, entry.key_span, last);
        if self.is_flow(node) {
            let br = self.bracketed(node, entry.key_span)?;
            let (spans, open) = (&br.items, br.open);
            let (s, e) = spans[spans.len() - 1];
            if let Some(u) = &br.lines {
                let n = spans.len();
                let mut line = " ".repeat(self.indent(self.line_of(s)));
                yaml_flow(&mut line, val, st.spaced);
                if u.trailing {
                    line.push(',');
                }
                line.push_str(self.eol);
                let tail = u.tails[n - 1];
                return Ok(match u.commas[n - 1] {
                    Some(_) => self.splice(&[(tail, tail, &line)]),
                    None => self.splice(&[(e, e, ","), (tail, tail, &line)]),
                });
            }
            let sep = if spans.len() >= 2 {
                let between = self.at(spans[spans.len() - 2].1, s);
                between.split_once(',').map_or(" ", |(_, w)| w)
            } else {
                self.at(open + 1, s)
            };
            let multi = self.at(s, e).contains('\n');
            let mut item = String::new();
            if self.json {
                if multi {
                    let indent = self.indent(self.line_of(s));
                    self.json_pretty(&mut item, val, indent, &st);
                } else {
                    json_inline(&mut item, val, st.spaced, st.json_tight);
                }
            } else {
                yaml_flow(&mut item, val, st.spaced);
            }
            let insert = format!(",{sep}{item}");
            return Ok(self.splice(&[(e, e, &insert)]));
        }
        let u = self.units(Some(entry.key_span), node)?;
        let n = items.len();
        let (_, dash) = self
            .find_dash(last)
            .ok_or_else(|| Refused::new(CHANGED, Some(entry.key_span)))?;
        let gap = if n >= 2 && self.at(u.tails[n - 2], u.heads[n - 1]).trim().is_empty() {
            self.at(u.tails[n - 2], u.heads[n - 1])
        } else {
            ""
        };
        let mut text = gap.to_string();
        let flow_item = self.is_flow(last);
        self.yaml_item(&mut text, val, dash, flow_item, &st);
        let at = u.tails[n - 1];
        Ok(self.splice(&[(at, at, &text)]))
    }

    /// Fills an empty list (`[]`) or a null value with a list holding `val`.
    fn fill(
        &self,
        parent: &Node,
        entry: &Entry,
        val: &Val,
        list: ListId,
        st: &Style,
    ) -> Result<String, Refused> {
        let node = &entry.value;
        let key_line = self.line_of(entry.key_span.start as usize);
        let (vs, ve) = if node.value == Value::Null {
            (node.span.start as usize, node.span.end as usize)
        } else {
            let end = self.flow_end(node).ok_or_else(|| {
                Refused::new(
                    "The list's closing `]` was not found.",
                    Some(entry.key_span),
                )
            })?;
            (node.span.start as usize, end)
        };
        if self.json {
            let rendered = self.json_list(parent, entry.key_span, val, st, list);
            return Ok(self.splice(&[(vs, ve, &rendered)]));
        }
        if self.is_flow(parent) {
            if vs == ve {
                return Err(Refused::new(
                    format!(
                        "`{}` (line {}) has no value to replace: write `[]` after it first.",
                        entry.key,
                        key_line + 1
                    ),
                    Some(entry.key_span),
                ));
            }
            let mut item = String::from("[");
            yaml_flow(&mut item, val, st.spaced);
            item.push(']');
            return Ok(self.splice(&[(vs, ve, &item)]));
        }
        // A block mapping: the list goes on the lines after the key; the key line keeps its
        // comment.
        if vs != ve && self.line_of(vs) != key_line {
            return Err(Refused::new(
                format!(
                    "The value of `{}` (line {}) is not on its key's line.",
                    entry.key,
                    key_line + 1
                ),
                Some(entry.key_span),
            ));
        }
        let colon = self.list_colon(entry)?;
        let (cut_from, cut_to) = if vs == ve {
            (colon + 1, colon + 1)
        } else {
            (colon + 1, ve)
        };
        // Keep what follows the value (a comment) as it was spaced from the value.
        let mut lines = String::new();
        let dash = self.col(entry.key_span.start as usize) + st.seq_offset;
        let flow_items = match st.fresh(list) {
            ListStyle::Flow => {
                let mut item = String::from(" [");
                yaml_flow(&mut item, val, st.spaced);
                item.push(']');
                return Ok(self.splice(&[(cut_from, cut_to, &item)]));
            }
            ListStyle::Block { flow_items } => flow_items,
        };
        self.yaml_item(&mut lines, val, dash, flow_items, st);
        // After the line the old value ends on (a `[ … ]` may span lines).
        let after = self.le(self.line_of(cut_to.saturating_sub(1)).max(key_line));
        Ok(self.splice(&[(cut_from, cut_to, ""), (after, after, &lines)]))
    }

    /// Adds `key: [val]` to `parent`, before the entry `before` when it is there, else at the
    /// end. Returns the text and the new entry's position in the mapping.
    fn add_list(
        &self,
        parent: &Node,
        key: &'static str,
        before: Option<&str>,
        val: &Val,
        list: ListId,
        st: &Style,
    ) -> Result<(String, usize), Refused> {
        let entries = parent.as_map().unwrap_or(&[]);
        let at = before
            .and_then(|b| entries.iter().position(|e| e.key == b))
            .unwrap_or(entries.len());
        if entries.is_empty() {
            return Err(Refused::new(
                "The mapping to add the list to is empty: add a key in the editor first.",
                Some(parent.span),
            ));
        }
        if self.json || self.is_flow(parent) {
            let mut value = String::new();
            let entry_text = if self.json {
                let anchor = &entries[at.min(entries.len() - 1)];
                value.push_str(&self.json_list(parent, anchor.key_span, val, st, list));
                format!("\"{key}\":{}{value}", if st.json_tight { "" } else { " " })
            } else {
                value.push('[');
                yaml_flow(&mut value, val, st.spaced);
                value.push(']');
                format!("{key}: {value}")
            };
            return Ok(if at < entries.len() {
                // Before the entry: take its separator from the one before it.
                let s = entries[at].key_span.start as usize;
                let sep = if at > 0 {
                    let prev_end = self.flow_end(&entries[at - 1].value).unwrap_or(s);
                    self.at(prev_end, s)
                        .split_once(',')
                        .map_or(" ", |(_, w)| w)
                        .to_string()
                } else {
                    let open = parent.span.start as usize;
                    self.at(open + 1, s).to_string()
                };
                (self.splice(&[(s, s, &format!("{entry_text},{sep}"))]), at)
            } else {
                let last = &entries[entries.len() - 1];
                let e = self
                    .flow_end(&last.value)
                    .ok_or_else(|| Refused::new(CHANGED, Some(last.key_span)))?;
                let sep = if entries.len() >= 2 {
                    let prev_end = self
                        .flow_end(&entries[entries.len() - 2].value)
                        .unwrap_or(e);
                    let s = last.key_span.start as usize;
                    self.at(prev_end, s)
                        .split_once(',')
                        .map_or(" ", |(_, w)| w)
                        .to_string()
                } else {
                    let open = parent.span.start as usize;
                    self.at(open + 1, last.key_span.start as usize).to_string()
                };
                (self.splice(&[(e, e, &format!(",{sep}{entry_text}"))]), at)
            });
        }
        // A block mapping: new lines at the keys' column.
        let key_col = self.col(entries[0].key_span.start as usize);
        let mut lines = " ".repeat(key_col);
        lines.push_str(key);
        lines.push(':');
        match st.fresh(list) {
            ListStyle::Flow => {
                lines.push_str(" [");
                yaml_flow(&mut lines, val, st.spaced);
                lines.push(']');
                lines.push_str(self.eol);
            }
            ListStyle::Block { flow_items } => {
                lines.push_str(self.eol);
                self.yaml_item(&mut lines, val, key_col + st.seq_offset, flow_items, st);
            }
        }
        let pos = if at < entries.len() {
            // Before the key's own comment lines.
            let mut h = self.line_of(entries[at].key_span.start as usize);
            while h > 0 && self.comment(h - 1) && self.indent(h - 1) == key_col {
                h -= 1;
            }
            self.ls(h)
        } else {
            self.block_entry_end(parent, entries.len() - 1, key_col)
        };
        Ok((self.splice(&[(pos, pos, &lines)]), at))
    }

    /// Just after the last line of a block mapping's entry `i` (its value's lines included).
    fn block_entry_end(&self, parent: &Node, i: usize, key_col: usize) -> usize {
        let entries = parent.as_map().unwrap_or(&[]);
        let e = &entries[i];
        let first = self.line_of(e.key_span.start as usize);
        // A list written `key:\n- item` has its `-` at the key's column.
        let zero_indented = e
            .value
            .as_seq()
            .and_then(|s| s.first())
            .is_some_and(|item| {
                !self.is_flow(&e.value) && self.find_dash(item).is_some_and(|(_, c)| c == key_col)
            });
        let mut last = first;
        for l in first + 1..self.lines() {
            if self.blank(l) || self.comment(l) {
                if self.comment(l) && self.indent(l) > key_col {
                    last = l;
                }
                continue;
            }
            if self.indent(l) > key_col || (zero_indented && self.is_dash_line(l, key_col)) {
                last = l;
            } else {
                break;
            }
        }
        self.le(last)
    }

    // ---- writing ----

    /// One block list item at `dash`'s column, ending with a line break.
    fn yaml_item(&self, out: &mut String, val: &Val, dash: usize, flow: bool, st: &Style) {
        out.push_str(&" ".repeat(dash));
        out.push('-');
        let offset = st.item_offset.max(2);
        out.push_str(&" ".repeat(offset - 1));
        if flow {
            yaml_flow(out, val, st.spaced);
            out.push_str(self.eol);
        } else if let Val::M(entries) = val {
            self.yaml_block(out, entries, dash + offset, true, st);
        }
    }

    fn yaml_block(
        &self,
        out: &mut String,
        entries: &[(&'static str, Val)],
        col: usize,
        first_inline: bool,
        st: &Style,
    ) {
        for (i, (k, v)) in entries.iter().enumerate() {
            if !(first_inline && i == 0) {
                out.push_str(&" ".repeat(col));
            }
            out.push_str(k);
            out.push(':');
            match v {
                Val::S(s) => {
                    out.push(' ');
                    out.push_str(&yaml_scalar(s));
                    out.push_str(self.eol);
                }
                Val::M(m) if st.join_flow => {
                    out.push(' ');
                    yaml_flow(out, &Val::M(m.clone()), st.spaced);
                    out.push_str(self.eol);
                }
                Val::M(m) => {
                    out.push_str(self.eol);
                    self.yaml_block(out, m, col + st.unit, false, st);
                }
                Val::L(items) => match st.columns {
                    ListStyle::Flow => {
                        out.push(' ');
                        yaml_flow(out, v, st.spaced);
                        out.push_str(self.eol);
                    }
                    ListStyle::Block { flow_items } => {
                        out.push_str(self.eol);
                        for item in items {
                            self.yaml_item(out, item, col + st.seq_offset, flow_items, st);
                        }
                    }
                },
            }
        }
    }

    fn json_pretty(&self, out: &mut String, val: &Val, indent: usize, st: &Style) {
        let colon = if st.json_tight { ":" } else { ": " };
        match val {
            Val::S(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
            Val::M(entries) => {
                out.push('{');
                out.push_str(self.eol);
                for (i, (k, v)) in entries.iter().enumerate() {
                    out.push_str(&" ".repeat(indent + st.unit));
                    out.push_str(&serde_json::to_string(k).unwrap_or_default());
                    out.push_str(colon);
                    self.json_pretty(out, v, indent + st.unit, st);
                    if i + 1 < entries.len() {
                        out.push(',');
                    }
                    out.push_str(self.eol);
                }
                out.push_str(&" ".repeat(indent));
                out.push('}');
            }
            Val::L(items) if items.is_empty() => out.push_str("[]"),
            Val::L(items) => {
                out.push('[');
                out.push_str(self.eol);
                for (i, item) in items.iter().enumerate() {
                    out.push_str(&" ".repeat(indent + st.unit));
                    if st.json_inline_columns {
                        json_inline(out, item, st.json_columns_spaced, st.json_tight);
                    } else {
                        self.json_pretty(out, item, indent + st.unit, st);
                    }
                    if i + 1 < items.len() {
                        out.push(',');
                    }
                    out.push_str(self.eol);
                }
                out.push_str(&" ".repeat(indent));
                out.push(']');
            }
        }
    }

    /// A new JSON list holding `val`, for the key at `key` in `parent`: on lines of its own when
    /// the parent is written on several lines, else on one line.
    fn json_list(&self, parent: &Node, key: Span, val: &Val, st: &Style, list: ListId) -> String {
        let multi = self
            .at(parent.span.start as usize, parent.span.end as usize)
            .contains('\n');
        let mut out = String::from("[");
        if multi {
            let indent = self.indent(self.line_of(key.start as usize));
            out.push_str(self.eol);
            out.push_str(&" ".repeat(indent + st.unit));
            let inline = matches!(list, ListId::Columns { .. }) && st.json_inline_columns;
            if inline {
                json_inline(&mut out, val, st.json_columns_spaced, st.json_tight);
            } else {
                self.json_pretty(&mut out, val, indent + st.unit, st);
            }
            out.push_str(self.eol);
            out.push_str(&" ".repeat(indent));
        } else {
            json_inline(&mut out, val, false, st.json_tight);
        }
        out.push(']');
        out
    }
}

impl Style {
    /// How a new list of `list`'s kind is written.
    fn fresh(&self, list: ListId) -> ListStyle {
        match list {
            ListId::Columns { .. } => self.columns,
            _ => self.entries,
        }
    }
}

fn yaml_flow(out: &mut String, val: &Val, spaced: bool) {
    match val {
        Val::S(s) => out.push_str(&yaml_scalar(s)),
        Val::M(entries) => {
            out.push('{');
            if spaced {
                out.push(' ');
            }
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                out.push_str(k);
                out.push_str(": ");
                yaml_flow(out, v, spaced);
            }
            if spaced {
                out.push(' ');
            }
            out.push('}');
        }
        Val::L(items) => {
            out.push('[');
            if spaced && !items.is_empty() {
                out.push(' ');
            }
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                yaml_flow(out, item, spaced);
            }
            if spaced && !items.is_empty() {
                out.push(' ');
            }
            out.push(']');
        }
    }
}

fn json_inline(out: &mut String, val: &Val, spaced: bool, tight: bool) {
    let (colon, comma) = if tight { (":", ",") } else { (": ", ", ") };
    match val {
        Val::S(s) => out.push_str(&serde_json::to_string(s).unwrap_or_default()),
        Val::M(entries) => {
            out.push('{');
            if spaced {
                out.push(' ');
            }
            for (i, (k, v)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                out.push_str(&serde_json::to_string(k).unwrap_or_default());
                out.push_str(colon);
                json_inline(out, v, spaced, tight);
            }
            if spaced {
                out.push(' ');
            }
            out.push('}');
        }
        Val::L(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(comma);
                }
                json_inline(out, item, spaced, tight);
            }
            out.push(']');
        }
    }
}
