//! Composable (child) segment files (spec §9.4): `type: composable_segment`, a `name`, a `rule`
//! of nested `And`/`Or` groups whose `Value` conditions compare a parent's field (`leftValue`)
//! through an `operator`, and `activations`. Read from the same spanned tree as a parent, with
//! the same diagnostics for keys (unknown keys with "did you mean", missing keys, wrong value
//! kinds); the model keeps every value's span and each object's path for the rules
//! (`rules::segment`).
//!
//! The key tables follow tdx's segment YAML (S11) for the file's own keys and TD's published rule
//! schema (S31, `v5IonRule`) for the rule, whose keys tdx passes through.

use crate::config::model::{join_path, Flag, List, Text};
use crate::diagnostics::{Code, Diagnostic};
use crate::rules::suggest::did_you_mean;
use crate::syntax::span::Span;
use crate::syntax::tree::{Entry, Node, Value};
use compact_str::CompactString;

/// A segment file, as far as it could be read. Every part is optional: what is missing or
/// unreadable has been reported, and the rules skip it.
#[derive(Clone, Debug, PartialEq)]
pub struct Segment {
    /// Where to point when a top-level key is missing (the first key of the file).
    pub root_span: Span,
    pub name: Option<Text>,
    pub description: Option<Text>,
    pub folder: Option<Text>,
    pub rule: Option<Group>,
    pub activations: Option<List<Activation>>,
}

/// An `And`/`Or`/`Composite` group: the rule itself, or a nested group.
#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    /// `rule`, `rule.conditions[2]`, …
    pub path: String,
    /// The group's first key (or the `rule` key), where "missing key" points.
    pub span: Span,
    pub type_: Option<Text>,
    pub conditions: Vec<Condition>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    Group(Group),
    /// Boxed: a value condition is several times a group's size, and rules hold many.
    Value(Box<ValueCondition>),
    /// A reference to another segment, funnel stage, A/B test variant or model score (S31):
    /// accepted as written; cps cannot see what it points at.
    Reference,
}

/// A `Value` condition: `leftValue` (a field of the parent) compared through `operator`.
#[derive(Clone, Debug, PartialEq)]
pub struct ValueCondition {
    pub path: String,
    pub span: Span,
    /// As written; `None` when missing (reported). Anything but `Value` is judged by the rules.
    pub type_: Option<Text>,
    pub exclude: Option<Flag>,
    pub left: Option<LeftValue>,
    pub operator: Option<Operator>,
    /// A readable, non-null `arrayMatching` (a condition on the elements of an array field).
    pub array_matching: Option<Span>,
}

/// `leftValue`: `{name}`, `{customerGroup, name}` or an aggregation (S31).
#[derive(Clone, Debug, PartialEq)]
pub struct LeftValue {
    pub name: Option<Text>,
    /// `{customerGroup, name}`: a customer group's attribute, not checked against the parent.
    pub customer_group: bool,
    /// An aggregation over a behavior (`aggregation`, `source`, `filter`, `window`): read as
    /// written, not checked against the parent.
    pub aggregation: bool,
}

/// `operator`: its type and whichever values that type takes (S31).
#[derive(Clone, Debug, PartialEq)]
pub struct Operator {
    /// `rule.conditions[0].operator`.
    pub path: String,
    /// The `operator` key, where "missing value" points.
    pub span: Span,
    pub type_: Option<Text>,
    pub not: Option<Flag>,
    pub right_value: Option<Operand>,
    pub right_values: Option<Vec<Operand>>,
    pub min_value: Option<Operand>,
    pub max_value: Option<Operand>,
    /// `TimeWithinPast`/`TimeWithinNext`'s count (S31); standard `tdx sg` rules also write the
    /// compared value under this key.
    pub value: Option<Operand>,
    /// Every time unit written in the operator (`unit`, `from.unit`, `to.unit`,
    /// `rightValue.unit`, …), with its key.
    pub units: Vec<Text>,
    /// Whether the operator has a `unit` of its own (`TimeWithinPast`), a `from` and a `to`.
    pub has_unit: bool,
    pub has_from: bool,
    pub has_to: bool,
}

/// A compared value and where it is.
#[derive(Clone, Debug, PartialEq)]
pub struct Operand {
    pub span: Span,
    pub value: OperandValue,
}

#[derive(Clone, Debug, PartialEq)]
pub enum OperandValue {
    Str(CompactString),
    /// As written.
    Number(CompactString),
    Bool(bool),
    Null,
    /// `{timestamp: "…"}` (S31): the text, whose span is the operand's.
    Timestamp(CompactString),
    /// `{last: n, unit: …}` or `{next: n, unit: …}`: a time relative to now.
    Relative,
    /// A list, or a mapping of another shape.
    Other,
}

/// An activation: where the segment's customers are sent (S11).
#[derive(Clone, Debug, PartialEq)]
pub struct Activation {
    /// `activations[0]`.
    pub path: String,
    pub span: Span,
    pub name: Option<Text>,
    pub connection: Option<Text>,
    pub all_columns: Option<Flag>,
    /// Whether the file has the keys at all (readable or not), for "exactly one of".
    pub has_all_columns: bool,
    pub has_columns: bool,
    pub columns: Option<List<Text>>,
    pub schedule: Option<Schedule>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Schedule {
    pub path: String,
    pub type_: Option<Text>,
    pub timezone: Option<Text>,
}

/// The value kinds of the segment keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    Str,
    Bool,
    Map,
    Seq,
    /// A string, number or boolean.
    Scalar,
    /// Anything: passed through as written.
    Any,
}

/// One key of a segment object.
struct K {
    key: &'static str,
    shape: Shape,
    required: bool,
    doc: &'static str,
}

const fn k(key: &'static str, shape: Shape, required: bool, doc: &'static str) -> K {
    K {
        key,
        shape,
        required,
        doc,
    }
}

const ROOT: &[K] = &[
    k(
        "type",
        Shape::Str,
        false,
        "`composable_segment`: what makes tdx read the file as a segment",
    ),
    k("name", Shape::Str, true, "the segment's display name"),
    k("description", Shape::Str, false, "what the segment is for"),
    k(
        "folder",
        Shape::Str,
        false,
        "the folder path in TD's console, such as `Marketing/VIP`; created when missing",
    ),
    k(
        "rule",
        Shape::Map,
        false,
        "the conditions: `type: And` or `Or` with `conditions`",
    ),
    k(
        "activations",
        Shape::Seq,
        false,
        "where the segment's customers are sent",
    ),
];

const GROUP: &[K] = &[
    k("type", Shape::Str, true, "`And`, `Or` or `Composite`"),
    k(
        "conditions",
        Shape::Seq,
        true,
        "the conditions and nested groups",
    ),
    k("description", Shape::Str, false, "what the group is for"),
    k(
        "expr",
        Shape::Str,
        false,
        "a `Composite` group's expression",
    ),
    k(
        "limit",
        Shape::Any,
        false,
        "a limit on the matched customers",
    ),
];

const VALUE: &[K] = &[
    k("type", Shape::Str, true, "`Value`"),
    k(
        "exclude",
        Shape::Bool,
        false,
        "true to match the customers the condition does not match",
    ),
    k(
        "leftValue",
        Shape::Map,
        true,
        "the parent's field, `{ name: … }`: an attribute name or a behavior column name",
    ),
    k(
        "operator",
        Shape::Map,
        true,
        "the comparison, `{ type: …, not: false, rightValue: … }`",
    ),
    k(
        "arrayMatching",
        Shape::Any,
        false,
        "for array fields: `all`, `any`, `{atLeast: n}`, `{atMost: n}` or `{exactly: n}`",
    ),
    k("limit", Shape::Any, false, "a limit on the matched rows"),
];

const LEFT: &[K] = &[
    k(
        "name",
        Shape::Str,
        false,
        "an attribute name or a behavior column name of the parent segment",
    ),
    k(
        "customerGroup",
        Shape::Str,
        false,
        "the customer group whose attribute `name` is",
    ),
    k(
        "aggregation",
        Shape::Any,
        false,
        "an aggregation over a behavior",
    ),
    k("source", Shape::Any, false, "the behavior aggregated"),
    k(
        "filter",
        Shape::Any,
        false,
        "which behavior rows are aggregated",
    ),
    k("window", Shape::Any, false, "the time window aggregated"),
];

const OPERATOR: &[K] = &[
    k(
        "type",
        Shape::Str,
        true,
        "the comparison: `Equal`, `Greater`, `In`, `TimeWithinPast`, …",
    ),
    k("not", Shape::Bool, false, "true to negate the comparison"),
    k("rightValue", Shape::Any, false, "the value compared with"),
    k("rightValues", Shape::Seq, false, "the values compared with (`In`, `Contain`, …)"),
    k("minValue", Shape::Any, false, "`Between`'s lower bound"),
    k("maxValue", Shape::Any, false, "`Between`'s upper bound"),
    k(
        "value",
        Shape::Scalar,
        false,
        "`TimeWithinPast`/`TimeWithinNext`: how many units",
    ),
    k(
        "unit",
        Shape::Str,
        false,
        "`TimeWithinPast`/`TimeWithinNext`: `year`, `quarter`, `month`, `week`, `day`, `hour`, `minute` or `second`",
    ),
    k("from", Shape::Map, false, "where a time range starts"),
    k("to", Shape::Map, false, "where a time range ends"),
    k("duration", Shape::Map, false, "how long a time range lasts"),
    k("reverse", Shape::Bool, false, "a time range counted backwards"),
];

const ACTIVATION: &[K] = &[
    k("name", Shape::Str, true, "the activation's display name"),
    k(
        "connection",
        Shape::Str,
        true,
        "the connection the customers are sent through (a name from `tdx connection list`)",
    ),
    k(
        "description",
        Shape::Str,
        false,
        "what the activation is for",
    ),
    k(
        "all_columns",
        Shape::Bool,
        false,
        "true to send every column (or list `columns`)",
    ),
    k(
        "columns",
        Shape::Seq,
        false,
        "the parent's fields to send (or `all_columns: true`)",
    ),
    k(
        "schedule",
        Shape::Map,
        false,
        "when it runs: `{type: none|daily|weekly|monthly, timezone: …}`",
    ),
    k(
        "connector_config",
        Shape::Any,
        false,
        "the connector's own settings (`tdx connection schema <type>`); not checked",
    ),
    k(
        "notification",
        Shape::Any,
        false,
        "who is told when it runs",
    ),
];

/// Condition types that refer to something else (S31 `referenceCondition`).
pub const REFERENCE_TYPES: &[&str] = &[
    "Reference",
    "FunnelStageReference",
    "AbTestVariantReference",
    "PredictiveScoreReference",
    "MlAttributeReference",
];

/// Group types (S31 `ionRule`, `valueConditionSet`).
pub const GROUP_TYPES: &[&str] = &["And", "Or", "Composite"];

/// The keys of the parent-segment format, which a segment file must not have (rule G1).
pub const AUDIENCE_KEYS: &[&str] = &["master", "attributes", "behaviors"];

/// The parent's top-level keys a segment does not have: one G1 error covers them all.
const PARENT_ROOT_KEYS: &[&str] = &[
    "master",
    "attributes",
    "behaviors",
    "timezone",
    "kind",
    "isComposable",
];

/// Reads a segment file's tree (a mapping: `config::kind` decided so). Consumes the tree.
pub fn decode(root: Node, diags: &mut Vec<Diagnostic>) -> Segment {
    let anchor = first_key(&root);
    let mut r = Reader { diags };
    let mixed = AUDIENCE_KEYS.iter().any(|k| root.get(k).is_some());
    let mut got = r.obj(root, ROOT, "the segment", "", anchor, true);
    for e in got.extra.drain(..) {
        // A mix-up with a parent (rule G1) is one error of its own (`config::kind`), which
        // covers the parent's keys.
        if !(mixed && PARENT_ROOT_KEYS.contains(&&*e.key)) {
            r.unknown(&e, ROOT, "the segment", "", None);
        }
    }
    let rule = match got.take("rule") {
        Some((node, key_span)) => {
            if node.as_map().is_some_and(|m| m.is_empty()) {
                r.diags.push(
                    Diagnostic::new(Code::SegmentNoRule, "the `rule` is empty", key_span)
                        .severity(crate::Severity::Warning)
                        .path("rule")
                        .help("add `type: And` and the `conditions`: TD's published schema (S31) allows an empty rule, but tdx's skill (S11) says a segment without a rule gets a raw database error from the backend"),
                );
                None
            } else {
                Some(r.group(node, "rule".to_string(), key_span))
            }
        }
        None => {
            if !got.failed.contains(&"rule") {
                r.diags.push(
                    Diagnostic::new(Code::SegmentNoRule, "the segment has no `rule`", anchor)
                        .path("rule")
                        .help("add the conditions, e.g. `rule: {type: And, conditions: [{type: Value, leftValue: {name: ltv}, operator: {type: Greater, not: false, rightValue: \"1000\"}}]}`; without a rule TD's backend answers with a raw database error (S11)"),
                );
            }
            None
        }
    };
    let activations = got.take_entry("activations").and_then(|e| {
        let key_span = e.key_span;
        let Value::Seq(items) = e.value.value else {
            return None;
        };
        let items = items
            .into_iter()
            .enumerate()
            .filter_map(|(i, item)| r.activation(item, format!("activations[{i}]")))
            .collect();
        Some(List {
            items,
            key_span,
            key: "activations",
        })
    });
    Segment {
        root_span: anchor,
        name: got.text("name"),
        description: got.text("description"),
        folder: got.text("folder"),
        rule,
        activations,
    }
}

fn first_key(node: &Node) -> Span {
    node.as_map()
        .and_then(|e| e.first())
        .map(|e| e.key_span)
        .unwrap_or(node.span)
}

/// The entries of one object, sorted by the key table.
struct Got<'a> {
    /// Known keys whose value has the right kind.
    known: Vec<(&'static K, Entry<'a>)>,
    /// Keys the table does not have, for the caller (some have a diagnostic of their own).
    extra: Vec<Entry<'a>>,
    /// Known keys present with an unreadable value (reported), so they are not called missing.
    failed: Vec<&'static str>,
}

impl<'a> Got<'a> {
    fn take_entry(&mut self, key: &str) -> Option<Entry<'a>> {
        let i = self.known.iter().position(|(k, _)| k.key == key)?;
        Some(self.known.swap_remove(i).1)
    }

    fn take(&mut self, key: &str) -> Option<(Node<'a>, Span)> {
        self.take_entry(key).map(|e| (e.value, e.key_span))
    }

    fn has(&self, key: &str) -> bool {
        self.known.iter().any(|(k, _)| k.key == key) || self.failed.contains(&key)
    }

    fn text(&mut self, key: &str) -> Option<Text> {
        let i = self.known.iter().position(|(k, _)| k.key == key)?;
        let (k, e) = self.known.swap_remove(i);
        let value = match e.value.value {
            Value::Str(s) => CompactString::from(s),
            Value::Number(n) => CompactString::from(n),
            _ => return None,
        };
        Some(Text {
            value,
            span: e.value.span,
            key: k.key,
        })
    }

    fn flag(&mut self, key: &str) -> Option<Flag> {
        let i = self.known.iter().position(|(k, _)| k.key == key)?;
        let (k, e) = self.known.swap_remove(i);
        match e.value.value {
            Value::Bool(value) => Some(Flag {
                value,
                span: e.value.span,
                key: k.key,
            }),
            _ => None,
        }
    }
}

struct Reader<'d> {
    diags: &'d mut Vec<Diagnostic>,
}

impl Reader<'_> {
    /// Sorts an object's entries by `table`: reports wrong value kinds (and, with
    /// `check_missing`, missing required keys); unknown keys are left to the caller in `extra`.
    fn obj<'a>(
        &mut self,
        node: Node<'a>,
        table: &'static [K],
        what: &str,
        path: &str,
        anchor: Span,
        check_missing: bool,
    ) -> Got<'a> {
        let mut got = Got {
            known: Vec::new(),
            extra: Vec::new(),
            failed: Vec::new(),
        };
        let Value::Map(entries) = node.value else {
            return got;
        };
        for e in entries {
            let Some(k) = table.iter().find(|k| k.key == e.key) else {
                got.extra.push(e);
                continue;
            };
            // tdx pulls unset optional values as null; read them as absent.
            if !k.required && matches!(e.value.value, Value::Null) {
                continue;
            }
            if self.shape_ok(k, &e, path) {
                got.known.push((k, e));
            } else if k.shape == Shape::Str && matches!(e.value.value, Value::Number(_)) {
                // Reported; the text still lets the rules judge the value.
                got.known.push((k, e));
            } else {
                got.failed.push(k.key);
            }
        }
        if check_missing {
            for k in table.iter().filter(|k| k.required) {
                if got.has(k.key) {
                    continue;
                }
                let whose = if path.is_empty() {
                    what.to_string()
                } else {
                    format!("`{path}`")
                };
                self.diags.push(
                    Diagnostic::new(
                        Code::MissingKey,
                        format!("{whose} has no `{}`", k.key),
                        anchor,
                    )
                    .path(join_path(path, k.key))
                    .help(format!("add `{}`: {}", k.key, k.doc)),
                );
            }
        }
        got
    }

    fn shape_ok(&mut self, k: &K, e: &Entry, path: &str) -> bool {
        let v = &e.value.value;
        let ok = match k.shape {
            Shape::Str => matches!(v, Value::Str(_)),
            Shape::Bool => matches!(v, Value::Bool(_)),
            Shape::Map => matches!(v, Value::Map(_)),
            Shape::Seq => matches!(v, Value::Seq(_)),
            Shape::Scalar => matches!(v, Value::Str(_) | Value::Number(_) | Value::Bool(_)),
            Shape::Any => true,
        };
        if !ok {
            let expected = match k.shape {
                Shape::Str => "a string",
                Shape::Bool => "a boolean (true or false)",
                Shape::Map => "a mapping of keys to values",
                Shape::Seq => "a list",
                Shape::Scalar | Shape::Any => "a single value",
            };
            let help = match (k.shape, v) {
                (Shape::Str, Value::Number(n)) => format!("write it in quotes, \"{n}\""),
                (Shape::Str, Value::Bool(b)) => {
                    format!("write it in quotes if you mean the text \"{b}\"")
                }
                (Shape::Bool, Value::Str(s)) if s == "true" || s == "false" => {
                    format!("write {s} without quotes: \"{s}\" is a string, not a boolean")
                }
                (Shape::Seq, Value::Map(_)) => {
                    "start each entry with `- ` (YAML) or wrap the entries in [ ] (JSON)".into()
                }
                _ => format!("`{}` is {}", k.key, k.doc),
            };
            self.diags.push(
                Diagnostic::new(
                    Code::WrongType,
                    format!("`{}` must be {expected}, found {}", k.key, v.kind_name()),
                    e.value.span,
                )
                .path(join_path(path, k.key))
                .help(help),
            );
            return false;
        }
        if let (Shape::Str, Value::Str(s)) = (k.shape, v) {
            if k.required && s.trim().is_empty() {
                self.diags.push(
                    Diagnostic::new(
                        Code::EmptyValue,
                        format!("`{}` is empty", k.key),
                        e.value.span,
                    )
                    .path(join_path(path, k.key))
                    .help(format!("fill in `{}`: {}", k.key, k.doc)),
                );
            }
        }
        true
    }

    /// An unknown key, with "did you mean" or the known keys; `hint` replaces the help.
    fn unknown(&mut self, e: &Entry, table: &[K], what: &str, path: &str, hint: Option<&str>) {
        let key: &str = &e.key;
        let candidates: Vec<&str> = table.iter().map(|k| k.key).collect();
        let help = match (hint, did_you_mean(key, &candidates)) {
            (Some(h), _) => h.to_string(),
            (None, Some(s)) => format!("did you mean `{s}`? tdx does not read unknown keys"),
            (None, None) => format!(
                "known keys here: {}",
                candidates
                    .iter()
                    .map(|c| format!("`{c}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        };
        self.diags.push(
            Diagnostic::new(
                Code::UnknownKey,
                format!("unknown key `{key}` in {what}"),
                e.key_span,
            )
            .path(join_path(path, key))
            .help(help),
        );
    }

    fn not_a_mapping(&mut self, node: &Node, path: &str, what: &str) {
        self.diags.push(
            Diagnostic::new(
                Code::WrongType,
                format!(
                    "each condition must be a mapping of keys to values, found {}",
                    node.value.kind_name()
                ),
                node.span,
            )
            .path(path)
            .help(what.to_string()),
        );
    }

    fn group(&mut self, node: Node, path: String, span: Span) -> Group {
        let mut got = self.obj(node, GROUP, "a group", &path, span, true);
        for e in got.extra.drain(..) {
            self.unknown(&e, GROUP, "a group of conditions", &path, None);
        }
        let type_ = got.text("type");
        let mut conditions = Vec::new();
        if let Some((
            Node {
                value: Value::Seq(items),
                ..
            },
            _,
        )) = got.take("conditions")
        {
            for (i, item) in items.into_iter().enumerate() {
                let cpath = format!("{path}.conditions[{i}]");
                if item.as_map().is_none() {
                    self.not_a_mapping(
                        &item,
                        &cpath,
                        "a condition is `{type: Value, leftValue: {name: …}, operator: {…}}`; a group is `{type: And, conditions: […]}`",
                    );
                    continue;
                }
                conditions.push(self.condition(item, cpath));
            }
        }
        Group {
            path,
            span,
            type_,
            conditions,
        }
    }

    fn condition(&mut self, item: Node, path: String) -> Condition {
        let anchor = first_key(&item);
        let t = item.get("type").and_then(Node::as_str);
        if t.is_some_and(|t| REFERENCE_TYPES.contains(&t)) {
            return Condition::Reference;
        }
        let is_group = t.is_some_and(|t| GROUP_TYPES.contains(&t))
            || (t != Some("Value") && item.get("conditions").is_some());
        if is_group {
            return Condition::Group(self.group(item, path, anchor));
        }
        Condition::Value(Box::new(self.value_condition(item, path, anchor)))
    }

    fn value_condition(&mut self, item: Node, path: String, anchor: Span) -> ValueCondition {
        let mut got = self.obj(item, VALUE, "a condition", &path, anchor, true);
        // `rightValue` beside the operator (rule G3): reported once, and read as the operator's,
        // so the operator is not also called incomplete.
        let mut misplaced: Option<(Entry, &'static str)> = None;
        for e in got.extra.drain(..) {
            let key: &str = &e.key;
            match key {
                "rightValue" | "rightValues" => {
                    self.diags.push(
                        Diagnostic::new(
                            Code::RightValueOutsideOperator,
                            format!("`{key}` sits beside `operator`; it belongs inside it"),
                            e.key_span,
                        )
                        .path(join_path(&path, key))
                        .help(format!("move it into the operator: `operator: {{type: …, not: false, {key}: …}}` (tdx's segment YAML, S11; TD's rule schema, S31)")),
                    );
                    if misplaced.is_none() {
                        let key = if key == "rightValue" {
                            "rightValue"
                        } else {
                            "rightValues"
                        };
                        misplaced = Some((e, key));
                    }
                }
                "attribute" => self.unknown(
                    &e,
                    VALUE,
                    "a condition",
                    &path,
                    Some("composable segments name the field as `leftValue: {name: …}`; `attribute` is the shape of standard `tdx sg` rules (S11)"),
                ),
                _ => self.unknown(&e, VALUE, "a condition", &path, None),
            }
        }
        let array_matching = got
            .take_entry("arrayMatching")
            .and_then(|e| self.array_matching(&e, &path));
        let left = got.take("leftValue").map(|(node, span)| {
            let lpath = join_path(&path, "leftValue");
            let mut lg = self.obj(node, LEFT, "`leftValue`", &lpath, span, false);
            for e in lg.extra.drain(..) {
                self.unknown(&e, LEFT, "`leftValue`", &lpath, None);
            }
            let aggregation = lg.has("aggregation");
            if !lg.has("name") && !aggregation {
                self.diags.push(
                    Diagnostic::new(
                        Code::MissingKey,
                        format!("`{lpath}` has no `name`"),
                        span,
                    )
                    .path(join_path(&lpath, "name"))
                    .help("add `name`: an attribute name or a behavior column name of the parent segment, e.g. `leftValue: {name: ltv}`"),
                );
            }
            LeftValue {
                customer_group: lg.has("customerGroup"),
                aggregation,
                name: lg.text("name"),
            }
        });
        let mut operator = got
            .take("operator")
            .map(|(node, span)| self.operator(node, join_path(&path, "operator"), span));
        if let (Some(op), Some((e, key))) = (operator.as_mut(), misplaced) {
            if key == "rightValue" {
                if op.right_value.is_none() {
                    op.right_value = Some(operand_with_units(&e.value, key, &mut op.units));
                }
            } else if let Value::Seq(items) = &e.value.value {
                if op.right_values.is_none() {
                    op.right_values = Some(
                        items
                            .iter()
                            .map(|i| operand_with_units(i, key, &mut op.units))
                            .collect(),
                    );
                }
            }
        }
        ValueCondition {
            span: anchor,
            type_: got.text("type"),
            exclude: got.flag("exclude"),
            left,
            operator,
            array_matching,
            path,
        }
    }

    /// `all`, `any`, `{atLeast|atMost|exactly: n}` or null (S31).
    fn array_matching(&mut self, e: &Entry, path: &str) -> Option<Span> {
        let ok = match &e.value.value {
            Value::Null => return None,
            Value::Str(s) => s == "all" || s == "any",
            Value::Map(m) => {
                m.len() == 1
                    && matches!(&*m[0].key, "atLeast" | "atMost" | "exactly")
                    && matches!(m[0].value.value, Value::Number(_))
            }
            _ => false,
        };
        if !ok {
            self.diags.push(
                Diagnostic::new(
                    Code::InvalidArrayMatching,
                    format!(
                        "`arrayMatching` must be `all`, `any`, `{{atLeast: n}}`, `{{atMost: n}}` or `{{exactly: n}}`, found {}",
                        describe(&e.value)
                    ),
                    e.value.span,
                )
                .path(join_path(path, "arrayMatching"))
                .help("write `arrayMatching: any` to match customers with at least one such element, `all` for every element, or `{atLeast: 2}` (TD's rule schema, S31)"),
            );
            return None;
        }
        Some(e.value.span)
    }

    fn operator(&mut self, node: Node, path: String, span: Span) -> Operator {
        let mut got = self.obj(node, OPERATOR, "`operator`", &path, span, true);
        for e in got.extra.drain(..) {
            self.unknown(&e, OPERATOR, "`operator`", &path, None);
        }
        let mut units = Vec::new();
        let mut read = |got: &mut Got, key: &'static str| {
            got.take(key)
                .map(|(n, _)| operand_with_units(&n, key, &mut units))
        };
        let right_value = read(&mut got, "rightValue");
        let min_value = read(&mut got, "minValue");
        let max_value = read(&mut got, "maxValue");
        let value = read(&mut got, "value");
        let right_values = got.take("rightValues").and_then(|(n, _)| match n.value {
            Value::Seq(items) => Some(
                items
                    .iter()
                    .map(|i| operand_with_units(i, "rightValues", &mut units))
                    .collect(),
            ),
            _ => None,
        });
        let has_from = got.has("from");
        let has_to = got.has("to");
        let has_unit = got.has("unit");
        for key in ["from", "to"] {
            if let Some((n, _)) = got.take(key) {
                if let Some(u) = n.get("unit") {
                    unit_text(
                        u,
                        if key == "from" {
                            "from.unit"
                        } else {
                            "to.unit"
                        },
                        &mut units,
                    );
                }
            }
        }
        if let Some(u) = got.text("unit") {
            units.push(u);
        }
        Operator {
            span,
            type_: got.text("type"),
            not: got.flag("not"),
            right_value,
            right_values,
            min_value,
            max_value,
            value,
            units,
            has_unit,
            has_from,
            has_to,
            path,
        }
    }

    fn activation(&mut self, item: Node, path: String) -> Option<Activation> {
        if item.as_map().is_none() {
            self.diags.push(
                Diagnostic::new(
                    Code::WrongType,
                    format!(
                        "each activation must be a mapping of keys to values, found {}",
                        item.value.kind_name()
                    ),
                    item.span,
                )
                .path(path)
                .help("an activation has `name`, `connection`, `all_columns: true` or `columns`, and `schedule`"),
            );
            return None;
        }
        let span = first_key(&item);
        let mut got = self.obj(item, ACTIVATION, "an activation", &path, span, true);
        for e in got.extra.drain(..) {
            self.unknown(&e, ACTIVATION, "an activation", &path, None);
        }
        let has_all_columns = got.has("all_columns");
        let has_columns = got.has("columns");
        let columns = got.take_entry("columns").and_then(|e| {
            let key_span = e.key_span;
            let Value::Seq(items) = e.value.value else {
                return None;
            };
            let mut out = Vec::new();
            for (i, c) in items.into_iter().enumerate() {
                match c.value {
                    Value::Str(s) => out.push(Text {
                        value: CompactString::from(s),
                        span: c.span,
                        key: "columns",
                    }),
                    other => self.diags.push(
                        Diagnostic::new(
                            Code::WrongType,
                            format!(
                                "each of `columns` must be a field name, found {}",
                                other.kind_name()
                            ),
                            c.span,
                        )
                        .path(format!("{path}.columns[{i}]"))
                        .help("list the parent segment's attribute names, e.g. `columns: [email, first_name]`"),
                    ),
                }
            }
            Some(List {
                items: out,
                key_span,
                key: "columns",
            })
        });
        let schedule = got.take("schedule").map(|(node, _)| {
            let spath = join_path(&path, "schedule");
            // Only `type` and `timezone` are documented; the other keys of weekly and monthly
            // schedules are passed through unjudged.
            let text = |key: &'static str| {
                node.get(key).and_then(|n| match &n.value {
                    Value::Str(s) => Some(Text {
                        value: CompactString::from(&**s),
                        span: n.span,
                        key,
                    }),
                    _ => None,
                })
            };
            Schedule {
                type_: text("type"),
                timezone: text("timezone"),
                path: spath,
            }
        });
        Some(Activation {
            span,
            name: got.text("name"),
            connection: got.text("connection"),
            all_columns: got.flag("all_columns"),
            has_all_columns,
            has_columns,
            columns,
            schedule,
            path,
        })
    }
}

/// An operand, with the unit of a `{last, unit}` form collected under `key`'s unit path.
fn operand_with_units(node: &Node, key: &str, units: &mut Vec<Text>) -> Operand {
    let (op, unit) = operand(node);
    if let Some(u) = unit {
        let key = match key {
            "rightValue" => "rightValue.unit",
            "minValue" => "minValue.unit",
            "maxValue" => "maxValue.unit",
            _ => "unit",
        };
        unit_text(u, key, units);
    }
    op
}

fn unit_text(n: &Node, key: &'static str, units: &mut Vec<Text>) {
    if let Value::Str(s) = &n.value {
        units.push(Text {
            value: CompactString::from(&**s),
            span: n.span,
            key,
        });
    }
}

/// Reads a compared value, and the `unit` node of a relative form (`{last: 7, unit: day}`).
fn operand<'n, 'a>(node: &'n Node<'a>) -> (Operand, Option<&'n Node<'a>>) {
    let mut unit = None;
    let value = match &node.value {
        Value::Str(s) => OperandValue::Str(CompactString::from(&**s)),
        Value::Number(n) => OperandValue::Number(CompactString::from(&**n)),
        Value::Bool(b) => OperandValue::Bool(*b),
        Value::Null => OperandValue::Null,
        Value::Map(_) => {
            if let Some(Value::Str(s)) = node.get("timestamp").map(|t| &t.value) {
                let span = node.get("timestamp").map_or(node.span, |t| t.span);
                return (
                    Operand {
                        span,
                        value: OperandValue::Timestamp(CompactString::from(&**s)),
                    },
                    None,
                );
            }
            if node.get("last").is_some() || node.get("next").is_some() {
                unit = node.get("unit");
                OperandValue::Relative
            } else {
                OperandValue::Other
            }
        }
        Value::Seq(_) => OperandValue::Other,
    };
    (
        Operand {
            span: node.span,
            value,
        },
        unit,
    )
}

/// A value as a message shows it: short strings quoted, other kinds named.
fn describe(node: &Node) -> String {
    match &node.value {
        Value::Str(s) if s.chars().count() <= 40 => format!("`{s}`"),
        other => other.kind_name(),
    }
}
