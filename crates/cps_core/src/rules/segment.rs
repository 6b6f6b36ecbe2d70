//! Rules over a segment (spec §9.4). [`run`] holds the rules on the file alone (G2's empty rule
//! and G3 are the decoder's; G1 is `config::kind`'s): the types of groups, conditions, operators
//! and time units (G4), the values each operator needs, activations (G8). [`against`] holds the
//! rules that need the parent: every field a segment names exists in the parent, exactly (G5,
//! G8's columns), its operator fits the field's declared type (G6) and its compared values read
//! as that type (G7). G9, one audience per project, is the project's (`crate::project`).

use crate::config::model::{join_path, Config, Text};
use crate::config::segment::{
    Condition, Group, Operand, OperandValue, Operator, Segment, ValueCondition, GROUP_TYPES,
    REFERENCE_TYPES,
};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::rules::suggest::did_you_mean;
use crate::syntax::span::{LineIndex, Span};
use std::collections::HashMap;

/// Operator types of TD's rule schema (S31).
pub const OPERATORS: &[&str] = &[
    "Equal",
    "Greater",
    "GreaterEqual",
    "Less",
    "LessEqual",
    "Between",
    "In",
    "Contain",
    "StartWith",
    "EndWith",
    "Regexp",
    "IsNull",
    "TimeRange",
    "TimeWithinPast",
    "TimeWithinNext",
    "TimeToday",
    "TimeThis",
    "TimeNext",
    "TimeInBetweenNext",
];

/// Operators that compare times (on `timestamp` and `date` fields, rule G6).
const TIME_OPERATORS: &[&str] = &[
    "TimeRange",
    "TimeWithinPast",
    "TimeWithinNext",
    "TimeToday",
    "TimeThis",
    "TimeNext",
    "TimeInBetweenNext",
];

/// Operators that order values (on `number`, `timestamp` and `date` fields).
const ORDER_OPERATORS: &[&str] = &["Greater", "GreaterEqual", "Less", "LessEqual", "Between"];

/// Operators that match text (on strings).
const TEXT_OPERATORS: &[&str] = &["Contain", "StartWith", "EndWith", "Regexp"];

/// Time units of TD's rule schema (S31).
pub const UNITS: &[&str] = &[
    "year", "quarter", "month", "week", "day", "hour", "minute", "second",
];

/// Schedule types of composable activations (tdx CAS skill, S11).
pub const SCHEDULE_TYPES: &[&str] = &["none", "daily", "weekly", "monthly"];

/// Schedule types TD's activation skill lists for standard segments (`hourly`, `cron`) and TD's
/// published `ScheduleType` (S31, the activations of standard segments) adds
/// (`minutes_interval`), undocumented for composable ones: a warning.
const OTHER_SCHEDULE_TYPES: &[&str] = &["hourly", "cron", "minutes_interval"];

/// The rules on the segment file alone.
pub fn run(seg: &Segment, out: &mut Vec<Diagnostic>) {
    if let Some(rule) = &seg.rule {
        group(rule, out);
    }
    for a in seg.activations.iter().flat_map(|l| &l.items) {
        let all = a.all_columns.as_ref().is_some_and(|f| f.value);
        // A key that was there but unreadable counts as given: its own error says what is wrong.
        let listed = a.has_columns;
        if all && listed {
            let at = a.all_columns.as_ref().map_or(a.span, |f| f.span);
            out.push(
                Diagnostic::new(
                    Code::ActivationColumns,
                    "this activation has both `all_columns: true` and `columns`; tdx takes exactly one",
                    at,
                )
                .path(join_path(&a.path, "all_columns"))
                .help("keep `columns` to send the listed fields, or remove it to send every column (tdx CAS skill, S11)"),
            );
        } else if !(all || listed || (a.has_all_columns && a.all_columns.is_none())) {
            out.push(
                Diagnostic::new(
                    Code::ActivationColumns,
                    "this activation says neither `all_columns: true` nor which `columns` to send",
                    a.span,
                )
                .path(a.path.clone())
                .help("add `all_columns: true`, or `columns: [email, …]` with the parent's field names; tdx requires one of the two (S11)"),
            );
        }
        if let Some(s) = &a.schedule {
            if let Some(t) = &s.type_ {
                schedule_type(t, &s.path, out);
            }
            if let Some(tz) = &s.timezone {
                if !crate::rules::tz::is_valid(&tz.value) {
                    let d = Diagnostic::new(
                        Code::InvalidTimezone,
                        format!("`{}` is not an IANA time zone name", tz.value),
                        tz.span,
                    )
                    .path(join_path(&s.path, tz.key));
                    out.push(match crate::rules::tz::suggest(&tz.value) {
                        Some(z) => d.help(format!("did you mean `{z}`?")),
                        None => d.help("use a name such as `UTC` or `America/Los_Angeles`"),
                    });
                }
            }
        }
    }
}

fn schedule_type(t: &Text, path: &str, out: &mut Vec<Diagnostic>) {
    let v = t.value.as_str();
    if SCHEDULE_TYPES.contains(&v) {
        return;
    }
    let path = join_path(path, t.key);
    if OTHER_SCHEDULE_TYPES.contains(&v) {
        out.push(
            Diagnostic::new(
                Code::InvalidScheduleType,
                format!("`{v}` is not a schedule type tdx lists for composable activations"),
                t.span,
            )
            .severity(Severity::Warning)
            .path(path)
            .help("the tdx CAS skill (S11) lists `none`, `daily`, `weekly` and `monthly`; TD's activation skill and its published `ScheduleType` (S31) also list `hourly`, `cron` and `minutes_interval` for standard segments, and nothing says whether composable activations take them"),
        );
        return;
    }
    let d = Diagnostic::new(
        Code::InvalidScheduleType,
        format!("`{v}` is not a schedule type"),
        t.span,
    )
    .path(path);
    out.push(match did_you_mean(v, SCHEDULE_TYPES) {
        Some(s) => d.help(format!("did you mean `{s}`? Schedules are `none`, `daily`, `weekly` or `monthly` (tdx CAS skill, S11)")),
        None => d.help("write `none`, `daily`, `weekly` or `monthly` (tdx CAS skill, S11)"),
    });
}

fn group(g: &Group, out: &mut Vec<Diagnostic>) {
    if let Some(t) = &g.type_ {
        if !GROUP_TYPES.contains(&t.value.as_str()) {
            invalid_condition_type(t, &g.path, GROUP_TYPES, "a group of conditions", out);
        }
    }
    for c in &g.conditions {
        match c {
            Condition::Group(inner) => group(inner, out),
            Condition::Value(v) => value_condition(v, out),
            Condition::Reference => {}
        }
    }
}

fn invalid_condition_type(
    t: &Text,
    path: &str,
    expected: &[&str],
    what: &str,
    out: &mut Vec<Diagnostic>,
) {
    let all: Vec<&str> = GROUP_TYPES
        .iter()
        .chain(["Value"].iter())
        .chain(REFERENCE_TYPES)
        .copied()
        .collect();
    let d = Diagnostic::new(
        Code::InvalidConditionType,
        format!("`{}` is not a condition type", t.value),
        t.span,
    )
    .path(join_path(path, t.key));
    let list = expected
        .iter()
        .map(|e| format!("`{e}`"))
        .collect::<Vec<_>>()
        .join(", ");
    out.push(match did_you_mean(&t.value, &all) {
        Some(s) => d.help(format!(
            "did you mean `{s}`? Types are case-sensitive; {what} is {list} (TD's rule schema, S31)"
        )),
        None => d.help(format!("{what} is {list} (TD's rule schema, S31)")),
    });
}

fn value_condition(v: &ValueCondition, out: &mut Vec<Diagnostic>) {
    if let Some(t) = &v.type_ {
        if t.value != "Value" {
            invalid_condition_type(t, &v.path, &["Value"], "a condition on a field", out);
        }
    }
    if let Some(op) = &v.operator {
        operator(op, out);
    }
}

fn operator(op: &Operator, out: &mut Vec<Diagnostic>) {
    for u in &op.units {
        if !UNITS.contains(&u.value.as_str()) {
            let d = Diagnostic::new(
                Code::InvalidTimeUnit,
                format!("`{}` is not a time unit", u.value),
                u.span,
            )
            .path(join_path(&op.path, u.key));
            out.push(match did_you_mean(&u.value, UNITS) {
                Some(s) => d.help(format!("did you mean `{s}`? Units are `year`, `quarter`, `month`, `week`, `day`, `hour`, `minute` or `second`, in the singular (TD's rule schema, S31)")),
                None => d.help("write `year`, `quarter`, `month`, `week`, `day`, `hour`, `minute` or `second` (TD's rule schema, S31)"),
            });
        }
    }
    let Some(t) = &op.type_ else { return };
    let ty = t.value.as_str();
    if !OPERATORS.contains(&ty) {
        let d = Diagnostic::new(
            Code::InvalidOperator,
            format!("`{ty}` is not an operator"),
            t.span,
        )
        .path(join_path(&op.path, t.key));
        out.push(match did_you_mean(ty, OPERATORS) {
            Some(s) => d.help(format!(
                "did you mean `{s}`? Operators are case-sensitive (TD's rule schema, S31)"
            )),
            None => d.help(format!(
                "write one of {} (TD's rule schema, S31)",
                OPERATORS
                    .iter()
                    .map(|o| format!("`{o}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
        });
        return;
    }
    let missing = |what: &str, help: String| {
        Diagnostic::new(
            Code::OperatorMissingValue,
            format!("`{ty}` has no {what}"),
            t.span,
        )
        .path(op.path.clone())
        .help(help)
    };
    let tdx_sg = |key: &str| {
        format!(
            "add `{key}` inside `operator`; composable segments write `rightValue` where standard `tdx sg` rules write `value` (S11; TD's rule schema, S31)"
        )
    };
    match ty {
        "Equal" | "Greater" | "GreaterEqual" | "Less" | "LessEqual" | "Regexp"
            if op.right_value.is_none() =>
        {
            let help = if op.value.is_some() {
                tdx_sg("rightValue")
            } else {
                format!("add the compared value: `operator: {{type: {ty}, not: false, rightValue: \"…\"}}` (TD's rule schema, S31)")
            };
            out.push(missing("`rightValue`", help));
        }
        "In" | "Contain" | "StartWith" | "EndWith" if op.right_values.is_none() => {
            if let Some(rv) = &op.right_value {
                out.push(
                    Diagnostic::new(
                        Code::OperatorMissingValue,
                        format!("`{ty}` takes a list, `rightValues`; this one has `rightValue`"),
                        rv.span,
                    )
                    .severity(Severity::Warning)
                    .path(join_path(&op.path, "rightValue"))
                    .help(format!("write `rightValues: [\"…\", \"…\"]`: TD's rule schema (S31) names the list `rightValues` for `{ty}`, and nothing says tdx converts a single `rightValue`")),
                );
            } else if op.value.is_some() {
                out.push(missing("`rightValues`", tdx_sg("rightValues")));
            } else {
                out.push(missing(
                    "`rightValues`",
                    format!("add the list of values: `operator: {{type: {ty}, not: false, rightValues: [\"…\"]}}` (TD's rule schema, S31)"),
                ));
            }
        }
        "Between" if op.min_value.is_none() || op.max_value.is_none() => {
            let what = match (op.min_value.is_none(), op.max_value.is_none()) {
                (true, true) => "`minValue` and `maxValue`",
                (true, false) => "`minValue`",
                _ => "`maxValue`",
            };
            out.push(missing(
                what,
                "give both bounds: `operator: {type: Between, not: false, minValue: …, maxValue: …}` (TD's rule schema, S31)".into(),
            ));
        }
        "TimeWithinPast" | "TimeWithinNext" if op.value.is_none() || !op.has_unit => {
            let what = match (op.value.is_none(), !op.has_unit) {
                (true, true) => "`value` and `unit`",
                (true, false) => "`value`",
                _ => "`unit`",
            };
            out.push(missing(
                what,
                format!("say how far: `operator: {{type: {ty}, value: 30, unit: day}}` (TD's rule schema, S31)"),
            ));
        }
        "TimeRange" | "TimeThis" | "TimeNext" if !op.has_from => {
            out.push(missing(
                "`from`",
                format!("say where the range starts, e.g. `from: {{unit: month}}` (TD's rule schema, S31 has `from` on `{ty}`)"),
            ));
        }
        "TimeInBetweenNext" if !op.has_from || !op.has_to => {
            out.push(missing(
                "`from` and `to`",
                "give both ends: `from: {next: 1, unit: day}`, `to: {next: 7, unit: day}` (TD's rule schema, S31)".into(),
            ));
        }
        _ => {}
    }
}

/// The parent a segment is checked against: its model, and where it is (for messages that
/// point into it).
pub struct Parent<'p> {
    /// The parent's name in the project (`cas/customer360.yml`); related places name it.
    pub file: &'p str,
    pub config: &'p Config,
    pub line_index: &'p LineIndex,
}

/// What a name in a segment can refer to in the parent.
#[derive(Clone, Copy)]
struct Field<'p> {
    /// Where the name is written in the parent.
    span: Span,
    /// The declared type, when the parent declares one (TD infers the others, S31).
    type_: Option<&'p Text>,
}

/// The parent's fields by exact name: attribute names, behavior names and behavior column
/// names (spec §9.4: `leftValue.name` names an attribute or a behavior (column) of the parent).
struct Names<'p> {
    by_name: HashMap<&'p str, Vec<Field<'p>>>,
    /// In file order, for suggestions.
    all: Vec<&'p str>,
}

impl<'p> Names<'p> {
    fn of(c: &'p Config) -> Names<'p> {
        let mut n = Names {
            by_name: HashMap::new(),
            all: Vec::new(),
        };
        let mut add = |name: &'p Text, type_: Option<&'p Text>| {
            let e = n.by_name.entry(name.value.as_str()).or_default();
            if e.is_empty() {
                n.all.push(name.value.as_str());
            }
            e.push(Field {
                span: name.span,
                type_,
            });
        };
        for a in c.attributes.iter().flat_map(|l| &l.items) {
            if let Some(name) = &a.name {
                add(name, a.type_.as_ref());
            }
        }
        for b in c.behaviors.iter().flat_map(|l| &l.items) {
            if let Some(name) = &b.name {
                add(name, None);
            }
            for col in b.columns.iter().flat_map(|l| &l.items) {
                if let Some(name) = &col.name {
                    add(name, col.type_.as_ref());
                }
            }
        }
        n
    }

    /// The one declared type of a name, when every field of that name declares the same
    /// known type; otherwise `None` (TD infers it, or the name is ambiguous).
    fn declared_type(&self, fields: &[Field<'p>]) -> Option<&'p Text> {
        let first = fields.first()?.type_?;
        let known = crate::config::options::TypeProfile::Published
            .types()
            .contains(&first.value.as_str());
        (known
            && fields
                .iter()
                .all(|f| f.type_.is_some_and(|t| t.value == first.value)))
        .then_some(first)
    }
}

/// The rules that need the parent: G5, G6, G7 and G8's columns.
pub fn against(seg: &Segment, parent: &Parent, out: &mut Vec<Diagnostic>) {
    // A parent without readable lists cannot say what is missing; its own errors say why.
    if parent.config.attributes.is_none() && parent.config.behaviors.is_none() {
        return;
    }
    let names = Names::of(parent.config);
    let cx = Cx {
        parent,
        names: &names,
        suggested: Default::default(),
    };
    if let Some(rule) = &seg.rule {
        cx.group(rule, out);
    }
    for a in seg.activations.iter().flat_map(|l| &l.items) {
        for (i, col) in a.columns.iter().flat_map(|l| l.items.iter().enumerate()) {
            if !names.by_name.contains_key(col.value.as_str()) {
                out.push(cx.unknown(col, format!("{}.columns[{i}]", a.path), "sends"));
            }
        }
    }
}

struct Cx<'a, 'p> {
    parent: &'a Parent<'p>,
    names: &'a Names<'p>,
    /// Suggestions made so far, by unknown name: a name repeated in many conditions costs one
    /// search, and at most [`SUGGESTIONS`] distinct names are searched, so a hostile segment
    /// with many unknown names against a parent with many fields stays linear.
    suggested: std::cell::RefCell<HashMap<String, Option<&'p str>>>,
}

/// How many distinct unknown names get a "did you mean" (each search compares the name with
/// every field of the parent).
const SUGGESTIONS: usize = 64;

impl Cx<'_, '_> {
    fn group(&self, g: &Group, out: &mut Vec<Diagnostic>) {
        for c in &g.conditions {
            match c {
                Condition::Group(inner) => self.group(inner, out),
                Condition::Value(v) => self.condition(v, out),
                Condition::Reference => {}
            }
        }
    }

    /// `customer360.yml:19`: the parent's file name and the line of `span`.
    fn at(&self, span: Span) -> String {
        let file = self.parent.file;
        let short = file.rsplit(['/', '\\']).next().unwrap_or(file);
        format!("{short}:{}", self.parent.line_index.line_of(span.start) + 1)
    }

    fn title(&self) -> String {
        match &self.parent.config.name {
            Some(n) => format!("`{}`", n.value),
            None => "the parent segment".to_string(),
        }
    }

    fn unknown(&self, name: &Text, path: String, verb: &str) -> Diagnostic {
        let c = self.parent.config;
        let list_span = c
            .attributes
            .as_ref()
            .map(|l| l.key_span)
            .or(c.behaviors.as_ref().map(|l| l.key_span))
            .unwrap_or(c.root_span);
        let suggestion = self
            .suggest(&name.value)
            .and_then(|s| Some((s, self.names.by_name.get(s)?.first()?.span)));
        let (point, related) = match suggestion {
            Some((s, span)) => (span, format!("`{s}` is defined here")),
            None => (list_span, "the parent's fields are listed here".to_string()),
        };
        let d = Diagnostic::new(
            Code::UnknownAttribute,
            format!(
                "`{}` is not an attribute of {} ({})",
                name.value,
                self.title(),
                self.at(point)
            ),
            name.span,
        )
        .path(path)
        .related_in(self.parent.file, point, related);
        let consequence = if verb == "sends" {
            "an activation can only send the parent's fields"
        } else {
            "tdx does not check names: the segment would push, show a blank rule in TD's console and match no one (S11)"
        };
        match suggestion {
            Some((s, _)) => d.help(format!(
                "did you mean `{s}`? Names match exactly, case included; {consequence}"
            )),
            None => {
                let mut shown: Vec<String> = self
                    .names
                    .all
                    .iter()
                    .take(8)
                    .map(|n| format!("`{n}`"))
                    .collect();
                if self.names.all.len() > 8 {
                    shown.push("…".into());
                }
                d.help(format!(
                    "name one of the parent's attributes, behaviors or behavior columns ({}); {consequence}",
                    shown.join(", ")
                ))
            }
        }
    }

    fn suggest(&self, name: &str) -> Option<&str> {
        let mut cache = self.suggested.borrow_mut();
        if let Some(s) = cache.get(name) {
            return *s;
        }
        if cache.len() >= SUGGESTIONS {
            return None;
        }
        let s = did_you_mean(name, &self.names.all);
        cache.insert(name.to_string(), s);
        s
    }

    fn condition(&self, v: &ValueCondition, out: &mut Vec<Diagnostic>) {
        let Some(left) = &v.left else { return };
        // Customer groups and aggregations name things cps cannot see in the parent file.
        if left.customer_group || left.aggregation {
            return;
        }
        let Some(name) = &left.name else { return };
        let Some(fields) = self.names.by_name.get(name.value.as_str()) else {
            out.push(self.unknown(name, join_path(&v.path, "leftValue.name"), "compares"));
            return;
        };
        let Some(ty) = self.names.declared_type(fields) else {
            return;
        };
        let Some(op) = &v.operator else { return };
        if !self.operator_fits(v, op, name, ty, out) {
            return;
        }
        self.values_fit(op, name, ty, out);
    }

    /// Rule G6; false when it reported.
    fn operator_fits(
        &self,
        v: &ValueCondition,
        op: &Operator,
        name: &Text,
        ty: &Text,
        out: &mut Vec<Diagnostic>,
    ) -> bool {
        let t = ty.value.as_str();
        let mut fits = true;
        if let Some(o) = &op.type_ {
            let o = o.value.as_str();
            let (ok, does) = if TIME_OPERATORS.contains(&o) {
                (matches!(t, "timestamp" | "date"), "compares times")
            } else if ORDER_OPERATORS.contains(&o) {
                (
                    matches!(t, "number" | "timestamp" | "date"),
                    "orders numbers and times",
                )
            } else if TEXT_OPERATORS.contains(&o) {
                (matches!(t, "string" | "string_array"), "matches text")
            } else {
                (true, "")
            };
            if !ok {
                fits = false;
                out.push(self.mismatch(
                    op.type_.as_ref().map_or(op.span, |x| x.span),
                    join_path(&op.path, "type"),
                    format!(
                        "`{o}` {does}, and `{}` is a `{t}` ({})",
                        name.value,
                        self.at(ty.span)
                    ),
                    ty,
                ));
            }
        }
        if let Some(span) = v.array_matching {
            if !t.ends_with("_array") {
                fits = false;
                out.push(self.mismatch(
                    span,
                    join_path(&v.path, "arrayMatching"),
                    format!(
                        "`arrayMatching` is for array fields, and `{}` is a `{t}` ({})",
                        name.value,
                        self.at(ty.span)
                    ),
                    ty,
                ));
            }
        }
        fits
    }

    fn mismatch(&self, span: Span, path: String, message: String, ty: &Text) -> Diagnostic {
        Diagnostic::new(Code::OperatorTypeMismatch, message, span)
            .path(path)
            .related_in(
                self.parent.file,
                ty.span,
                format!("declared `type: {}` here", ty.value),
            )
            .help(format!(
                "operators for a `{}` field: {}. Inferred from TD's operator list (S31), not stated by TD: if TD accepts this, the warning can be ignored",
                ty.value,
                operators_for(&ty.value)
            ))
    }

    /// Rule G7.
    fn values_fit(&self, op: &Operator, name: &Text, ty: &Text, out: &mut Vec<Diagnostic>) {
        let Some(o) = op.type_.as_ref().map(|t| t.value.as_str()) else {
            return;
        };
        if TIME_OPERATORS.contains(&o) || matches!(o, "IsNull" | "Regexp") {
            return;
        }
        let element = ty.value.strip_suffix("_array").unwrap_or(&ty.value);
        let operands = op
            .right_value
            .iter()
            .chain(op.min_value.iter())
            .chain(op.max_value.iter())
            .chain(op.right_values.iter().flatten());
        for operand in operands {
            if let Some(shown) = misfit(operand, element) {
                out.push(
                    Diagnostic::new(
                        Code::RightValueType,
                        format!(
                            "{shown} does not read as a {element}, and `{}` is a `{}` ({})",
                            name.value,
                            ty.value,
                            self.at(ty.span)
                        ),
                        operand.span,
                    )
                    .path(op.path.clone())
                    .related_in(
                        self.parent.file,
                        ty.span,
                        format!("declared `type: {}` here", ty.value),
                    )
                    .help(format!(
                        "{}. Inferred (spec rule G7): TD's rule schema types compared values loosely",
                        how_to_write(element)
                    )),
                );
            }
        }
    }
}

fn operators_for(ty: &str) -> &'static str {
    match ty {
        "number" => "`Equal`, `Greater`, `GreaterEqual`, `Less`, `LessEqual`, `Between`, `In`, `IsNull`",
        "string" => "`Equal`, `In`, `Contain`, `StartWith`, `EndWith`, `Regexp`, `IsNull`",
        "timestamp" | "date" => "the time operators (`TimeWithinPast`, `TimeRange`, …), `Greater`, `Less`, `Between`, `Equal`, `IsNull`",
        "boolean" => "`Equal`, `IsNull`",
        "string_array" => "`Equal`, `In`, `Contain`, `StartWith`, `EndWith`, `Regexp`, `IsNull`, with `arrayMatching`",
        _ => "`Equal`, `In`, `Greater`, `Less`, `Between`, `IsNull`, with `arrayMatching`",
    }
}

fn how_to_write(element: &str) -> &'static str {
    match element {
        "number" => "write the number alone, without separators, units or currency: `1000`, `12.5`",
        "date" => "write an ISO date, `2026-12-01`",
        "timestamp" => "write an ISO date-time, `2026-12-01T09:30:00Z`, or a date",
        "boolean" => "write true or false",
        _ => "write a value of the field's type",
    }
}

/// How `operand` is shown when it does not read as `element`, or `None` when it does (or
/// cannot be judged: relative times, other shapes).
fn misfit(operand: &Operand, element: &str) -> Option<String> {
    let shown = |s: &str| {
        if s.chars().count() <= 40 {
            format!("`{s}`")
        } else {
            "the value".to_string()
        }
    };
    match (&operand.value, element) {
        (OperandValue::Str(s), "number") if !is_number(s) => Some(shown(s)),
        (OperandValue::Bool(b), "number") => Some(format!("`{b}`")),
        (OperandValue::Timestamp(s), "number") => Some(shown(s)),
        (OperandValue::Str(s) | OperandValue::Timestamp(s), "date" | "timestamp")
            if !is_iso_date(s) && !is_iso_date_time(s) =>
        {
            Some(shown(s))
        }
        (OperandValue::Bool(b), "date" | "timestamp") => Some(format!("`{b}`")),
        (OperandValue::Str(s), "boolean") if s != "true" && s != "false" => Some(shown(s)),
        (OperandValue::Number(n), "boolean") => Some(shown(n)),
        _ => None,
    }
}

/// A decimal number as JSON writes it, with an optional `+`: `1000`, `-2.5`, `1e3`.
pub fn is_number(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s).as_bytes();
    let digits = |b: &[u8], i: &mut usize| {
        let start = *i;
        while *i < b.len() && b[*i].is_ascii_digit() {
            *i += 1;
        }
        *i > start
    };
    let mut i = 0;
    let int = digits(b, &mut i);
    let mut frac = false;
    if i < b.len() && b[i] == b'.' {
        i += 1;
        frac = digits(b, &mut i);
    }
    if !int && !frac {
        return false;
    }
    if i < b.len() && (b[i] == b'e' || b[i] == b'E') {
        i += 1;
        if i < b.len() && (b[i] == b'+' || b[i] == b'-') {
            i += 1;
        }
        if !digits(b, &mut i) {
            return false;
        }
    }
    i == b.len()
}

fn two(b: &[u8], at: usize) -> Option<u32> {
    let d = b.get(at..at + 2)?;
    d.iter()
        .all(u8::is_ascii_digit)
        .then(|| u32::from(d[0] - b'0') * 10 + u32::from(d[1] - b'0'))
}

/// `YYYY-MM-DD`, a real day of the proleptic Gregorian calendar.
pub fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && date_prefix(b)
}

fn date_prefix(b: &[u8]) -> bool {
    if b.len() < 10 || b[4] != b'-' || b[7] != b'-' || !b[..4].iter().all(u8::is_ascii_digit) {
        return false;
    }
    let year: u32 = b[..4].iter().fold(0, |y, d| y * 10 + u32::from(d - b'0'));
    let (Some(month), Some(day)) = (two(b, 5), two(b, 8)) else {
        return false;
    };
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let days = match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1..=days).contains(&day)
}

/// An ISO 8601 date-time: `2026-12-01T09:30`, `…:00`, `…:00.123`, with `Z` or an offset;
/// a space instead of the `T` too.
pub fn is_iso_date_time(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() < 16 || !date_prefix(b) || !matches!(b[10], b'T' | b't' | b' ') {
        return false;
    }
    let (Some(h), Some(m)) = (two(b, 11), two(b, 14)) else {
        return false;
    };
    if b[13] != b':' || h > 23 || m > 59 {
        return false;
    }
    let mut i = 16;
    if b.get(i) == Some(&b':') {
        match two(b, i + 1) {
            Some(sec) if sec <= 60 => i += 3,
            _ => return false,
        }
        if b.get(i) == Some(&b'.') {
            i += 1;
            let start = i;
            while i < b.len() && b[i].is_ascii_digit() {
                i += 1;
            }
            if i == start {
                return false;
            }
        }
    }
    match &b[i..] {
        [] | [b'Z' | b'z'] => true,
        [b'+' | b'-', rest @ ..] => {
            let ok = |h: Option<u32>, m: Option<u32>| {
                h.is_some_and(|h| h <= 23) && m.is_some_and(|m| m <= 59)
            };
            match rest.len() {
                2 => two(rest, 0).is_some_and(|h| h <= 23),
                4 => ok(two(rest, 0), two(rest, 2)),
                5 => rest[2] == b':' && ok(two(rest, 0), two(rest, 3)),
                _ => false,
            }
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_dates_and_times() {
        for n in ["1000", "-2.5", "+3", "1e3", ".5", "5.", "12.5E-2"] {
            assert!(is_number(n), "{n}");
        }
        for n in [
            "", "1,000", "1000 USD", "inf", "NaN", "1e", "-", "0x10", " 1",
        ] {
            assert!(!is_number(n), "{n}");
        }
        for d in ["2026-12-01", "2024-02-29", "2000-02-29"] {
            assert!(is_iso_date(d), "{d}");
        }
        for d in [
            "2026-13-01",
            "2026-02-29",
            "1900-02-29",
            "2026-1-01",
            "2026/12/01",
            "12/01/2026",
        ] {
            assert!(!is_iso_date(d), "{d}");
        }
        for t in [
            "2026-12-01T09:30",
            "2026-12-01T09:30:00Z",
            "2026-12-01 09:30:00.123+09:00",
            "2026-12-01T23:59:60-0500",
            "2026-12-01T00:00:00+09",
        ] {
            assert!(is_iso_date_time(t), "{t}");
        }
        for t in [
            "2026-12-01T24:00",
            "2026-12-01T09:3",
            "2026-12-01T09:30:00.",
            "2026-12-01T09:30Z+1",
            "2026-12-01",
        ] {
            assert!(!is_iso_date_time(t), "{t}");
        }
    }
}
