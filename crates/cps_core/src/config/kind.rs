//! What kind of file a text is, before it is judged (spec §9.5). Users hold look-alike files: a
//! classic `tdx ps` YAML, a classic CDP audience body, a journey. Each gets one diagnostic saying
//! what it is, why cps does not check it as a parent segment and what to do, instead of dozens of
//! missing-key errors. A composable (child) segment is checked as a segment (`config::segment`,
//! `rules::segment`); here it gets rule G1's diagnostics (a missing `type`, parent keys in it).
//!
//! Detection needs clear evidence, so a real parent segment with a typo is never taken for
//! something else: an explicit marker (`type: composable_segment`, `type: journey`, a
//! `*.journey.yml` name), or, for the classic formats, at least two different classic keys and
//! more classic keys than composable ones. [`FileKind`] is reported with every check; the
//! pipeline dispatches on it.

use crate::diagnostics::{Code, Diagnostic};
use crate::syntax::span::Span;
use crate::syntax::tree::{Node, Value};
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "kebab-case")]
pub enum FileKind {
    /// A composable parent segment, in any of its forms: what cps checks.
    ParentSegment,
    /// A composable (child) segment: `type: composable_segment` (S11), or a file with a `rule`
    /// and no `type`. Checked as a segment.
    Segment,
    /// A journey: `type: journey`, `journeys:`, or a `*.journey.yml` file (S11, S32).
    Journey,
    /// A classic parent segment in `tdx ps` YAML: `master.database`, `join.parent_key`, … .
    ClassicParentSegment,
    /// A classic CDP API audience body: `master.parentDatabaseName`, `parentKey`, … (S31, S13).
    ClassicAudience,
}

impl FileKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FileKind::ParentSegment => "parent-segment",
            FileKind::Segment => "segment",
            FileKind::Journey => "journey",
            FileKind::ClassicParentSegment => "classic-parent-segment",
            FileKind::ClassicAudience => "classic-audience",
        }
    }

    /// What the file is, in words.
    pub fn describe(self) -> &'static str {
        match self {
            FileKind::ParentSegment => "composable parent segment",
            FileKind::Segment => "composable segment",
            FileKind::Journey => "journey",
            FileKind::ClassicParentSegment => "classic parent segment (tdx ps YAML)",
            FileKind::ClassicAudience => "classic CDP audience body",
        }
    }
}

/// Whether a file name alone says what the file is: tdx's pull layout names journeys
/// `*.journey.yml` (S32).
pub fn kind_from_name(name: &str) -> Option<FileKind> {
    let lower = name.to_ascii_lowercase();
    (lower.ends_with(".journey.yml") || lower.ends_with(".journey.yaml"))
        .then_some(FileKind::Journey)
}

/// The kind of a parsed file, with the one diagnostic that explains a look-alike (or a segment's
/// rule G1 finding).
pub fn detect(root: &Node, name: Option<&str>) -> (FileKind, Option<Diagnostic>) {
    if let Some(FileKind::Journey) = name.and_then(kind_from_name) {
        let file = name.unwrap_or_default();
        let file = file.rsplit(['/', '\\']).next().unwrap_or(file);
        return (
            FileKind::Journey,
            Some(journey(
                format!("its name `{file}` ends in `.journey.yml`"),
                Span::empty(first_key(root).start as usize),
            )),
        );
    }
    if root.as_map().is_none() {
        return (FileKind::ParentSegment, None);
    }
    let type_value = root
        .get("type")
        .and_then(|t| t.as_str().map(|s| (s, t.span)));
    if let Some((t, span)) = type_value {
        if t.eq_ignore_ascii_case("composable_segment") {
            return (FileKind::Segment, segment(root, span, t));
        }
        if t.eq_ignore_ascii_case("journey") {
            return (
                FileKind::Journey,
                Some(journey("it says `type: journey`".into(), span)),
            );
        }
    }
    let has = |k: &str| root.get(k).is_some();
    if !has("master") && !has("attributes") {
        if let Some(j) = root.get("journeys") {
            let span = key_span(root, "journeys").unwrap_or(j.span);
            return (
                FileKind::Journey,
                Some(journey("it has `journeys`".into(), span)),
            );
        }
        if let Some(r) = root.get("rule").filter(|r| r.as_map().is_some()) {
            let span = key_span(root, "rule").unwrap_or(r.span);
            return (FileKind::Segment, Some(untyped_segment(root, r, span)));
        }
    }
    let ev = Evidence::gather(root);
    if let Some((kind, markers)) = ev.classic() {
        let span = markers[0].1;
        let named: Vec<String> = markers
            .iter()
            .take(3)
            .map(|(m, _)| format!("`{m}`"))
            .collect();
        let d = match kind {
            FileKind::ClassicAudience => Diagnostic::new(
                Code::ClassicAudience,
                format!(
                    "this is a classic CDP audience body, not a composable parent segment: it has {}",
                    named.join(", ")
                ),
                span,
            )
            .help(
                "cps checks composable parent segments (POST /composable_audiences, zero-copy); a classic audience reads tables stored in TD and is created with the CDP API's POST /audiences, which cps does not check. For a composable parent segment, name the warehouse table instead: `master: {name, federatedQueryConfigId, schema, table, keyColumn}`, and `tableKey`, `masterKey`, `column` on each attribute",
            ),
            _ => Diagnostic::new(
                Code::ClassicParentSegment,
                format!(
                    "this is a classic parent segment (`tdx ps` YAML), not a composable one: it has {}",
                    named.join(", ")
                ),
                span,
            )
            .help(
                "cps checks composable parent segments (`tdx cas`, zero-copy); check and push a classic one with `tdx ps validate` and `tdx ps push`. To make it composable, write it as `tdx cas` YAML: `master: {connection, schema, table, key_column}`, and `column`, `join: {table_key, master_key}` on each attribute",
            ),
        };
        let d = markers
            .iter()
            .skip(1)
            .take(4)
            .fold(d, |d, (m, s)| d.related(*s, format!("also classic: `{m}`")));
        return (kind, Some(d));
    }
    (FileKind::ParentSegment, None)
}

fn first_key(root: &Node) -> Span {
    root.as_map()
        .and_then(|e| e.first())
        .map(|e| e.key_span)
        .unwrap_or(root.span)
}

fn key_span(node: &Node, key: &str) -> Option<Span> {
    node.as_map()?
        .iter()
        .find(|e| &*e.key == key)
        .map(|e| e.key_span)
}

fn journey(why: String, span: Span) -> Diagnostic {
    Diagnostic::new(
        Code::JourneyFile,
        format!("this is a journey, not a parent segment: {why}"),
        span,
    )
    .help("`tdx cas validate` and `tdx cas push` skip journeys; check one with `tdx journey validate` and push it with `tdx journey push`. cps checks the parent segment file (`cas/<audience>.yml`)")
}

/// Rule G1 on a file that says `type: composable_segment` (in any case): nothing when it is
/// a plain segment; an error when it also has parent-segment keys; a warning when the literal
/// differs in case.
fn segment(root: &Node, span: Span, written: &str) -> Option<Diagnostic> {
    let audience_keys: Vec<String> = crate::config::segment::AUDIENCE_KEYS
        .iter()
        .filter(|k| root.get(k).is_some())
        .map(|k| format!("`{k}`"))
        .collect();
    if !audience_keys.is_empty() {
        let first = crate::config::segment::AUDIENCE_KEYS
            .iter()
            .find_map(|k| key_span(root, k))
            .unwrap_or(span);
        return Some(
            Diagnostic::new(
                Code::SegmentMixedKeys,
                format!(
                    "this file says `type: composable_segment` and also has parent-segment keys ({})",
                    audience_keys.join(", ")
                ),
                first,
            )
            .path(first_segment_key(root))
            .related(span, "tdx reads the file as a segment because of this")
            .help("tdx reads it as a segment and ignores the parent keys: if this is the parent segment (the audience file), remove `type`; if it is a segment, remove the parent keys (S11)"),
        );
    }
    if written != "composable_segment" {
        return Some(
            Diagnostic::new(
                Code::SegmentMissingType,
                format!("`{written}` differs in case from `composable_segment`"),
                span,
            )
            .severity(crate::Severity::Warning)
            .path("type")
            .help("write `type: composable_segment` in lower case, as tdx writes it; whether tdx reads other spellings is not documented (S11)"),
        );
    }
    None
}

fn first_segment_key(root: &Node) -> &'static str {
    crate::config::segment::AUDIENCE_KEYS
        .iter()
        .find(|k| root.get(k).is_some())
        .copied()
        .unwrap_or("type")
}

/// Rule G1 on a file with a `rule` and no `type`: tdx reads it as an audience. A standard
/// (`tdx sg`) segment has a `rule` and no `type` too; its signs (`kind: batch`, conditions naming
/// an `attribute`, TD's segment skill) make the message say so, since adding the type alone
/// would not make it a composable segment.
fn untyped_segment(root: &Node, rule: &Node, span: Span) -> Diagnostic {
    let kind = root
        .get("kind")
        .and_then(Node::as_str)
        .filter(|k| matches!(*k, "batch" | "realtime" | "funnel_stage"));
    let attribute = rule
        .get("conditions")
        .and_then(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .any(|c| c.get("attribute").is_some());
    let standard = match (kind, attribute) {
        (Some(k), true) => Some(format!("`kind: {k}` and conditions naming an `attribute`")),
        (Some(k), false) => Some(format!("`kind: {k}`")),
        (None, true) => Some("conditions naming an `attribute`".to_string()),
        (None, false) => None,
    };
    match standard {
        Some(signs) => Diagnostic::new(
            Code::SegmentMissingType,
            format!("this looks like a standard segment (`tdx sg` YAML: it has {signs}), not a composable one; a composable segment says `type: composable_segment`"),
            span,
        )
        .path("type")
        .help("check and push a standard segment with `tdx sg validate` and `tdx sg push`. To make it a composable segment: add `type: composable_segment` as the first line, name each field as `leftValue: {name: …}` and put the compared value inside `operator` as `rightValue` (S11)"),
        None => Diagnostic::new(
            Code::SegmentMissingType,
            "this is a composable segment (it has `rule`) without `type: composable_segment`",
            span,
        )
        .path("type")
        .help("add `type: composable_segment` as the first line: without it tdx reads the file as a parent segment (an audience file), and a folder with it holds two audiences (S11)"),
    }
}

/// The one error of a segment file where a parent segment is expected (`cps convert`, `cps
/// push`, `--parent`, the embed's parent text).
pub fn segment_where_parent_expected(root_span: Span, role: &str) -> Diagnostic {
    Diagnostic::new(
        Code::SegmentFile,
        format!("this is a composable segment (`type: composable_segment`), not a parent segment: {role}"),
        root_span,
    )
    .help("cps checks segments with `cps validate` (the pulled folder, or `--parent AUDIENCE SEGMENT`); segment files are tdx YAML and are pushed with `tdx cas push` or `tdx sg push`: TD's published API has no path that writes segments (S31, spec §9.1)")
}

/// Keys that mark a classic file, and keys that mark a composable parent segment, as found.
#[derive(Default)]
struct Evidence {
    /// (key as written, where), one per occurrence.
    tdx_ps: Vec<(&'static str, Span)>,
    audience: Vec<(&'static str, Span)>,
    composable: usize,
}

/// Keys only a composable parent segment has (either dialect, or the GET shape).
const COMPOSABLE: &[&str] = &[
    "connection",
    "key_column",
    "keyColumn",
    "federatedQueryConfigId",
    "connectionId",
    "table_key",
    "master_key",
    "tableKey",
    "masterKey",
    "time_column",
    "timeColumn",
    "columnMapping",
    "cdwColumn",
    "kind",
    "isComposable",
    "masterSchema",
    "masterTable",
    "masterKeyColumn",
];

/// Classic `tdx ps` YAML keys (TD's parent-segment skill), most telling first.
const TDX_PS_ORDER: &[&str] = &[
    "master.database",
    "join.parent_key",
    "join.child_key",
    "source",
    "attributes[].columns",
    "schedule",
    "columns[].label",
    "master.filters",
    "source.database",
];

/// Classic CDP audience keys (S31 `Audience`, S13), most telling first.
const AUDIENCE: &[&str] = &[
    "parentDatabaseName",
    "parentTableName",
    "parentKey",
    "foreignKey",
    "parentColumn",
    "scheduleType",
    "audienceFilters",
    "hiveEngineVersion",
    "workflowHiveOnly",
];

impl Evidence {
    fn gather(root: &Node) -> Evidence {
        let mut ev = Evidence::default();
        ev.scan(root, Place::Root);
        if root.get("schedule").and_then(Node::as_map).is_some() {
            if let Some(span) = key_span(root, "schedule") {
                ev.tdx_ps.push(("schedule", span));
            }
        }
        if let Some(m) = root.get("master") {
            ev.scan(m, Place::Master);
        }
        for list in ["attributes", "behaviors"] {
            // The first entries decide, as for the dialect.
            for item in root
                .get(list)
                .and_then(Node::as_seq)
                .unwrap_or(&[])
                .iter()
                .take(8)
            {
                ev.scan(item, Place::Entry);
                for sub in ["join", "source"] {
                    if let Some(j) = item.get(sub) {
                        ev.scan(j, Place::Join);
                    }
                }
                // Classic behaviors list their columns under `schema` (a list); composable
                // entries have `schema` as a string.
                if let (Some(span), Some(_)) = (
                    key_span(item, "schema"),
                    item.get("schema").and_then(Node::as_seq),
                ) {
                    ev.audience.push(("schema: [ … ]", span));
                }
                for sub in ["columns", "columnMapping", "schema"] {
                    for c in item
                        .get(sub)
                        .and_then(Node::as_seq)
                        .unwrap_or(&[])
                        .iter()
                        .take(4)
                    {
                        ev.scan(c, Place::Column);
                    }
                }
                // A classic attribute lists `columns`; a composable attribute names one `column`.
                if list == "attributes" && item.get("columns").and_then(Node::as_seq).is_some() {
                    if let Some(span) = key_span(item, "columns") {
                        ev.tdx_ps.push(("attributes[].columns", span));
                    }
                }
            }
        }
        ev
    }

    fn scan(&mut self, node: &Node, place: Place) {
        let Some(entries) = node.as_map() else { return };
        for e in entries {
            let key: &str = &e.key;
            if COMPOSABLE.contains(&key) {
                self.composable += 1;
            }
            if let Some(k) = AUDIENCE.iter().find(|k| **k == key) {
                self.audience.push((k, e.key_span));
            }
            let classic = match (place, key) {
                (Place::Master, "database") => Some("master.database"),
                (Place::Master, "filters") => Some("master.filters"),
                (Place::Entry, "source") if matches!(e.value.value, Value::Map(_)) => {
                    Some("source")
                }
                (Place::Join, "parent_key") => Some("join.parent_key"),
                (Place::Join, "child_key") => Some("join.child_key"),
                (Place::Join, "database") => Some("source.database"),
                (Place::Column, "label") => Some("columns[].label"),
                _ => None,
            };
            // Classic `tdx ps` YAML keys (TD's parent-segment skill), where that format has them.
            if let Some(k) = classic {
                self.tdx_ps.push((k, e.key_span));
            }
        }
    }

    /// The classic kind the evidence shows, with one marker per key, the most telling first.
    fn classic(mut self) -> Option<(FileKind, Vec<(&'static str, Span)>)> {
        let (kind, markers, order) = if self.audience.len() >= self.tdx_ps.len() {
            (
                FileKind::ClassicAudience,
                std::mem::take(&mut self.audience),
                AUDIENCE,
            )
        } else {
            (
                FileKind::ClassicParentSegment,
                std::mem::take(&mut self.tdx_ps),
                TDX_PS_ORDER,
            )
        };
        // Each key once, the most telling first (its first use), then any other key. Plain
        // loops over a few entries: no sort is needed, and the page's wasm stays small.
        let mut named: Vec<(&'static str, Span)> = Vec::new();
        for o in order {
            if let Some(m) = markers.iter().find(|(k, _)| k == o) {
                named.push(*m);
            }
        }
        for m in &markers {
            if !named.iter().any(|(k, _)| *k == m.0) {
                named.push(*m);
            }
        }
        let anchor_key = named
            .iter()
            .any(|(k, _)| *k == "master.database" || *k == "parentDatabaseName");
        // Two different classic keys, or the classic master key in a file with nothing
        // composable; and always more classic keys than composable ones.
        let enough = named.len() >= 2 || (anchor_key && self.composable == 0);
        if !enough || markers.len() <= self.composable {
            return None;
        }
        Some((kind, named))
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Place {
    Root,
    Master,
    Entry,
    Join,
    Column,
}
