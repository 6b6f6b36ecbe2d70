//! The data-model diagram as plain data: where every table, row and edge goes for a given width,
//! which part of the text each element stands for, what the checks found on it, and the SVG
//! text it draws as. No DOM: the page puts the SVG into the pane and exports the same text, and
//! the native tests measure it (no overlapping boxes, no text past its box).
//!
//! One unit is one CSS pixel at scale 1: text is 12–14 units, so the page never shows it smaller
//! than 12 px unless it scales the drawing down (it does not: it lays out again for the width it
//! has). Text widths are estimated for a monospace font (every glyph 0.6 em; 0.62 is used to be
//! safe), which is why every label is monospace: a name that does not fit is cut with "…" and
//! shown whole in its tooltip and accessible name.

use cps_core::config::fields::is_flat_master_key;
use cps_core::config::model::{Config, Flag, TableRef, Text};
use cps_core::config::segment::{Condition, Group, Segment};
use cps_core::{Diagnostic, Dialect, Severity, Span};
use std::fmt::Write;

/// Estimated advance of one character, in em, for the monospace fonts the diagram asks for
/// (DejaVu Sans Mono, Menlo, Consolas: 0.60).
const EM: f64 = 0.62;
const FONT: i32 = 13;
const SMALL: i32 = 12;
const TITLE: i32 = 14;
const MARGIN: i32 = 12;
/// The trunk's x: every edge leaves the master's key along it.
const TRUNK: i32 = 20;
/// The left edge of the boxes (room for the trunk and the master's key stub).
const X0: i32 = 42;
const PAD: i32 = 10;
const ROW: i32 = 26;
const HEAD: i32 = 48;
/// The gap above each row of behavior tables: the bus, the drops and the join labels.
const GAP_Y: i32 = 48;
const GAP_X: i32 = 20;
/// The narrowest behavior table before the tables go into fewer columns.
const MIN_BOX: i32 = 280;
/// The narrowest attribute column in the master table.
const MIN_ATTR: i32 = 270;
/// The narrowest drawing: narrower panes scale it down rather than cut it.
pub const MIN_WIDTH: i32 = 300;
/// What is drawn at most: far beyond what a person reads in one drawing, and it keeps a hostile
/// or generated file (thousands of behaviors) from making the page draw for seconds.
pub const MAX_ATTRIBUTES: usize = 300;
pub const MAX_BEHAVIORS: usize = 100;
pub const MAX_COLUMNS: usize = 100;
/// Errors and warnings marked at most (the first by position; Problems lists them all): each
/// is placed by a scan of the elements (at most about 10,000), so this bounds the work.
pub const MAX_MARKS: usize = 500;

/// A segment open beside the parent: its name and the names its rule and activations use
/// (`leftValue.name`s and activation columns), as [`fields_used`] reads them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SegmentUse {
    pub name: String,
    pub fields: Vec<String>,
}

#[cfg(test)]
impl SegmentUse {
    /// A segment file's model ([`cps_core::Checked::segment`]) as the diagram takes it.
    pub fn of(name: impl Into<String>, segment: &Segment) -> SegmentUse {
        SegmentUse {
            name: name.into(),
            fields: fields_used(segment),
        }
    }
}

/// The parent's field names a segment uses: every `leftValue.name` of its rule (at any depth;
/// customer-group and aggregation left values name no field of the parent) and every activation
/// column, each once, in first-use order.
pub fn fields_used(segment: &Segment) -> Vec<String> {
    fn walk(g: &Group, out: &mut Vec<String>) {
        for c in &g.conditions {
            match c {
                Condition::Group(g) => walk(g, out),
                Condition::Value(v) => {
                    if let Some(l) = &v.left {
                        if !l.customer_group && !l.aggregation {
                            if let Some(n) = &l.name {
                                push(out, &n.value);
                            }
                        }
                    }
                }
                Condition::Reference => {}
            }
        }
    }
    fn push(out: &mut Vec<String>, name: &str) {
        if !out.iter().any(|n| n == name) {
            out.push(name.to_string());
        }
    }
    let mut out = Vec::new();
    if let Some(g) = &segment.rule {
        walk(g, &mut out);
    }
    for a in segment.activations.iter().flat_map(|l| &l.items) {
        for c in a.columns.iter().flat_map(|l| &l.items) {
            push(&mut out, &c.value);
        }
    }
    out
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Header,
    Key,
    Time,
    Field,
    AllColumns,
}

/// Something the user can click: a table's header or one of its rows.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub kind: Kind,
    pub table: usize,
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    /// The name shown (a field's name, a key column, a table).
    pub name: String,
    /// Where the value comes from, when it differs from the name (`← EMAIL`).
    pub source: Option<String>,
    pub type_: Option<String>,
    /// What a click selects in the editor.
    pub jump: Span,
    /// The text this element stands for: the editor's selection inside it highlights it, a
    /// diagnostic starting inside it is marked on it.
    pub ranges: Vec<Span>,
    /// The worst error or warning found on it, and the messages.
    pub mark: Option<Severity>,
    pub notes: Vec<String>,
    /// Segments (of those given) that use this field.
    pub used_by: Vec<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Table {
    pub x: i32,
    pub y: i32,
    pub w: i32,
    pub h: i32,
    pub testid: String,
    /// "Customers · PUBLIC", "Behavior · page_views".
    pub kind: String,
    /// The join, for behaviors: master key → behavior key.
    pub join: Option<String>,
    /// Its items: the header first.
    pub items: std::ops::Range<usize>,
    pub mark: Option<Severity>,
    pub errors: bool,
}

/// A join: from the trunk along the bus over the table's row, down into the table.
#[derive(Clone, Debug, PartialEq)]
pub struct Edge {
    pub table: usize,
    /// The bus's y and the drop's x.
    pub bus_y: i32,
    pub x: i32,
    /// The table's top, where the crow's foot lands.
    pub y: i32,
    pub label: String,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Layout {
    pub width: i32,
    pub height: i32,
    pub tables: Vec<Table>,
    pub items: Vec<Item>,
    pub edges: Vec<Edge>,
    /// The master key row's y centre, where the trunk starts.
    pub key_y: i32,
    /// Diagnostics (errors and warnings) that belong to no table: the top-level settings.
    pub unplaced: usize,
    /// Attributes, behaviors and columns past the `MAX_` limits, not drawn.
    pub hidden: usize,
    /// Errors and warnings past `MAX_MARKS`, not marked.
    pub unmarked: usize,
}

fn chars(s: &str) -> usize {
    s.chars().count()
}

/// The estimated width of `s` at `font` px.
pub fn text_width(s: &str, font: i32) -> f64 {
    chars(s) as f64 * f64::from(font) * EM
}

/// `s`, cut with "…" to fit `width` px at `font` px.
pub fn fit(s: &str, width: f64, font: i32) -> String {
    if text_width(s, font) <= width {
        return s.to_string();
    }
    let n = (width / (f64::from(font) * EM)).floor() as usize;
    if n == 0 {
        return String::new();
    }
    s.chars().take(n - 1).chain(['…']).collect()
}

fn val(t: &Option<Text>) -> Option<&str> {
    t.as_ref().map(|t| t.value.as_str())
}

/// The smallest range holding `anchor` and every span given (an entry as written, first key
/// to last value). Not generic, like the helpers below: every copy costs the page's size.
fn extent(anchor: Span, spans: &[Span]) -> Span {
    spans.iter().fold(anchor, |a, s| Span {
        start: a.start.min(s.start),
        end: a.end.max(s.end),
    })
}

/// The spans of the values given, onto `out`.
fn text_spans(out: &mut Vec<Span>, ts: &[&Option<Text>]) {
    out.extend(ts.iter().filter_map(|t| t.as_ref()).map(|t| t.span));
}

fn table_spans(t: &TableRef) -> Vec<Span> {
    let mut out = Vec::new();
    text_spans(
        &mut out,
        &[
            &t.conn.federated_query_config_id,
            &t.conn.connection_id,
            &t.conn.connection,
            &t.conn.catalog,
            &t.schema,
            &t.table,
        ],
    );
    out
}

fn flag_span(f: &Option<Flag>) -> Option<Span> {
    f.as_ref().map(|f| f.span)
}

/// Builds the rows before they get places.
struct Proto {
    kind: Kind,
    name: String,
    source: Option<String>,
    type_: Option<String>,
    jump: Span,
    ranges: Vec<Span>,
    used_by: Vec<String>,
}

fn used_by(segments: &[SegmentUse], name: &str) -> Vec<String> {
    segments
        .iter()
        .filter(|s| s.fields.iter().any(|f| f == name))
        .map(|s| s.name.clone())
        .collect()
}

/// The source shown after a name: the column, prefixed by its table when that is not the
/// master's; nothing when it is the name itself (any case).
fn source(
    name: &str,
    column: Option<&str>,
    table: Option<&str>,
    master: Option<&str>,
) -> Option<String> {
    let column = column?;
    let other = table.filter(|t| Some(*t) != master);
    match other {
        Some(t) => Some(format!("{t}.{column}")),
        None if column.eq_ignore_ascii_case(name) => None,
        None => Some(column.to_string()),
    }
}

/// Lays the diagram out for `width` px.
pub fn layout(
    config: &Config,
    diagnostics: &[Diagnostic],
    segments: &[SegmentUse],
    width: i32,
) -> Layout {
    let width = width.max(MIN_WIDTH);
    let avail = width - X0 - MARGIN;
    let q = |t: &Option<Text>| val(t).unwrap_or("?").to_string();
    let mut l = Layout {
        width,
        height: 0,
        tables: Vec::new(),
        items: Vec::new(),
        edges: Vec::new(),
        key_y: 0,
        unplaced: 0,
        hidden: 0,
        unmarked: 0,
    };

    // The master: its header, its key, the attributes (in columns when the pane is wide).
    let master = config.master.as_ref();
    let master_table = master.and_then(|m| val(&m.table.table));
    let master_key = master.and_then(|m| val(&m.key_column));
    let master_ranges: Vec<Span> = match master {
        None => Vec::new(),
        Some(m) => {
            let mut spans = table_spans(&m.table);
            text_spans(&mut spans, &[&m.name, &m.key_column]);
            if config.dialect == Dialect::Get {
                // Its keys are top-level keys among all the others: each stands for itself.
                spans
            } else {
                vec![extent(m.span, &spans)]
            }
        }
    };
    let header = Proto {
        kind: Kind::Header,
        name: master_table.unwrap_or("Customers").to_string(),
        source: None,
        type_: None,
        jump: master
            .map(|m| m.table.table.as_ref().map_or(m.span, |t| t.span))
            .unwrap_or(config.root_span),
        ranges: master_ranges,
        used_by: Vec::new(),
    };
    let key = master.and_then(|m| m.key_column.as_ref()).map(|k| Proto {
        kind: Kind::Key,
        name: k.value.to_string(),
        source: None,
        type_: None,
        jump: k.span,
        ranges: vec![k.span],
        used_by: Vec::new(),
    });
    let all_attrs = config.attributes.as_ref().map_or(0, |a| a.items.len());
    l.hidden += all_attrs.saturating_sub(MAX_ATTRIBUTES);
    let attrs: Vec<Proto> = config
        .attributes
        .iter()
        .flat_map(|a| &a.items)
        .take(MAX_ATTRIBUTES)
        .map(|a| {
            let name = q(&a.name);
            let mut spans = table_spans(&a.table);
            text_spans(
                &mut spans,
                &[&a.name, &a.table_key, &a.master_key, &a.column, &a.type_],
            );
            Proto {
                source: source(&name, val(&a.column), val(&a.table.table), master_table),
                type_: val(&a.type_).map(str::to_string),
                jump: extent(a.span, &spans),
                ranges: vec![extent(a.span, &spans)],
                used_by: used_by(segments, &name),
                kind: Kind::Field,
                name,
            }
        })
        .collect();
    let inner = avail - 2 * PAD;
    let cols = if attrs.len() > 6 {
        ((inner + GAP_X) / (MIN_ATTR + GAP_X)).clamp(1, 3)
    } else {
        1
    };
    let col_w = (inner - (cols - 1) * GAP_X) / cols;
    let per_col = attrs.len().div_ceil(cols as usize).max(1);
    let key_rows = i32::from(key.is_some());
    let rows = key_rows + per_col.min(attrs.len()) as i32;
    let (mx, my) = (X0, MARGIN);
    let master_h = HEAD + 6 + rows.max(1) * ROW + 6;
    let first = l.items.len();
    let row_y = |i: i32| my + HEAD + 6 + i * ROW;
    push(&mut l, header, 0, mx, my, avail, HEAD);
    if let Some(k) = key {
        l.key_y = row_y(0) + ROW / 2;
        push(&mut l, k, 0, mx + PAD, row_y(0), inner, ROW);
    } else {
        l.key_y = my + HEAD / 2;
    }
    for (i, a) in attrs.into_iter().enumerate() {
        let (c, r) = ((i / per_col) as i32, (i % per_col) as i32);
        let x = mx + PAD + c * (col_w + GAP_X);
        push(&mut l, a, 0, x, row_y(key_rows + r), col_w, ROW);
    }
    l.tables.push(Table {
        x: mx,
        y: my,
        w: avail,
        h: master_h,
        testid: "diagram-master".into(),
        kind: format!(
            "Customers · {}",
            master.and_then(|m| val(&m.table.schema)).unwrap_or("?")
        ),
        join: None,
        items: first..l.items.len(),
        mark: None,
        errors: false,
    });

    // The behaviors, in rows of as many columns as fit.
    let mut behaviors: Vec<_> = config.behaviors.iter().flat_map(|b| &b.items).collect();
    l.hidden += behaviors.len().saturating_sub(MAX_BEHAVIORS);
    behaviors.truncate(MAX_BEHAVIORS);
    let bcols = (((avail + GAP_X) / (MIN_BOX + GAP_X)).max(1) as usize).min(behaviors.len().max(1));
    let bw = (avail - (bcols as i32 - 1) * GAP_X) / bcols as i32;
    let mut y = my + master_h;
    for chunk in behaviors.chunks(bcols) {
        let top = y + GAP_Y;
        let mut bottom = top;
        for (c, b) in chunk.iter().enumerate() {
            let x = X0 + c as i32 * (bw + GAP_X);
            let name = q(&b.name);
            let cols: Vec<_> = b.columns.iter().flat_map(|c| &c.items).collect();
            let col_extent = |c: &cps_core::config::model::Column| {
                let mut s = Vec::new();
                text_spans(&mut s, &[&c.name, &c.type_, &c.cdw_column]);
                extent(c.span, &s)
            };
            let mut spans = table_spans(&b.table);
            text_spans(
                &mut spans,
                &[&b.name, &b.table_key, &b.master_key, &b.time_column],
            );
            spans.extend(flag_span(&b.all_columns));
            spans.extend(b.columns.iter().map(|l| l.key_span));
            spans.extend(cols.iter().map(|c| col_extent(c)));
            let table = l.tables.len();
            let first = l.items.len();
            let mut protos = vec![Proto {
                kind: Kind::Header,
                name: q(&b.table.table),
                source: None,
                type_: None,
                jump: b.table.table.as_ref().map_or(b.span, |t| t.span),
                ranges: vec![extent(b.span, &spans)],
                used_by: used_by(segments, &name),
            }];
            for (kind, t) in [(Kind::Key, &b.table_key), (Kind::Time, &b.time_column)] {
                if let Some(t) = t {
                    protos.push(Proto {
                        kind,
                        name: t.value.to_string(),
                        source: None,
                        type_: None,
                        jump: t.span,
                        ranges: vec![t.span],
                        used_by: Vec::new(),
                    });
                }
            }
            if let Some(f) = b.all_columns.as_ref().filter(|f| f.value) {
                protos.push(Proto {
                    kind: Kind::AllColumns,
                    name: "all columns".into(),
                    source: None,
                    type_: None,
                    jump: f.span,
                    ranges: vec![f.span],
                    used_by: Vec::new(),
                });
            }
            l.hidden += cols.len().saturating_sub(MAX_COLUMNS);
            for c in cols.iter().take(MAX_COLUMNS) {
                let cname = q(&c.name);
                let ext = col_extent(c);
                protos.push(Proto {
                    kind: Kind::Field,
                    source: source(&cname, val(&c.cdw_column), None, None),
                    type_: val(&c.type_).map(str::to_string),
                    jump: ext,
                    ranges: vec![ext],
                    used_by: used_by(segments, &cname),
                    name: cname,
                });
            }
            let n = protos.len() as i32 - 1;
            let h = HEAD + 6 + n.max(1) * ROW + 6;
            for (i, p) in protos.into_iter().enumerate() {
                if i == 0 {
                    push(&mut l, p, table, x, top, bw, HEAD);
                } else {
                    let ry = top + HEAD + 6 + (i as i32 - 1) * ROW;
                    push(&mut l, p, table, x + PAD, ry, bw - 2 * PAD, ROW);
                }
            }
            let join = format!(
                "{} → {}",
                val(&b.master_key).or(master_key).unwrap_or("?"),
                val(&b.table_key).unwrap_or("?")
            );
            l.edges.push(Edge {
                table,
                bus_y: top - GAP_Y + 16,
                x: x + 16,
                y: top,
                label: join.clone(),
            });
            l.tables.push(Table {
                x,
                y: top,
                w: bw,
                h,
                testid: format!("diagram-behavior-{}", l.tables.len() - 1),
                kind: format!("Behavior · {name}"),
                join: Some(join),
                items: first..l.items.len(),
                mark: None,
                errors: false,
            });
            bottom = bottom.max(top + h);
        }
        y = bottom;
    }
    l.height = y + MARGIN;
    mark(&mut l, diagnostics, config);
    l
}

fn push(l: &mut Layout, p: Proto, table: usize, x: i32, y: i32, w: i32, h: i32) {
    l.items.push(Item {
        kind: p.kind,
        table,
        x,
        y,
        w,
        h,
        name: p.name,
        source: p.source,
        type_: p.type_,
        jump: p.jump,
        ranges: p.ranges,
        mark: None,
        notes: Vec::new(),
        used_by: p.used_by,
    });
}

/// Marks each error and warning on the element it belongs to: the narrowest one whose text
/// holds where it points, else (a missing key, pointed at its object's first key) by its path.
fn mark(l: &mut Layout, diagnostics: &[Diagnostic], config: &Config) {
    let mut marked = 0;
    for d in diagnostics.iter().filter(|d| d.severity != Severity::Info) {
        if marked == MAX_MARKS {
            l.unmarked += 1;
            continue;
        }
        marked += 1;
        let by_path = || {
            let p = d.path.as_str();
            let under = |prefix: &str| {
                p == prefix
                    || p.strip_prefix(prefix)
                        .is_some_and(|r| r.starts_with('.') || r.starts_with('['))
            };
            if under("master")
                || under("attributes")
                || (config.dialect == Dialect::Get
                    && p.split(['.', '[']).next().is_some_and(is_flat_master_key))
            {
                return Some(0);
            }
            // `behaviors[3]…`: the fourth table after the master.
            let rest = p.strip_prefix("behaviors[")?;
            let i: usize = rest[..rest.find(']')?].parse().ok()?;
            l.tables.get(i + 1).map(|t| t.items.start)
        };
        let Some(i) = l.at(d.span.start).or_else(by_path) else {
            l.unplaced += 1;
            continue;
        };
        let item = &mut l.items[i];
        item.mark = item.mark.min(Some(d.severity)).or(Some(d.severity));
        item.notes
            .push(format!("{}: {}", d.severity.as_str(), d.message));
    }
    for t in &mut l.tables {
        let items = &l.items[t.items.clone()];
        t.mark = items.iter().filter_map(|i| i.mark).min();
        t.errors = t.mark == Some(Severity::Error);
    }
}

impl Layout {
    /// The narrowest element whose text holds byte `at` (ends included).
    pub fn at(&self, at: u32) -> Option<usize> {
        let mut best: Option<(u32, usize)> = None;
        for (i, it) in self.items.iter().enumerate() {
            for r in &it.ranges {
                if r.start <= at
                    && at <= r.end
                    && best.is_none_or(|(len, _)| r.end - r.start <= len)
                {
                    best = Some((r.end - r.start, i));
                }
            }
        }
        best.map(|(_, i)| i)
    }
}

/// The UTF-16 offset `at` (the editor's) as a byte offset into `text`.
pub fn byte_offset(text: &str, at: u32) -> u32 {
    if text.is_ascii() {
        return (at as usize).min(text.len()) as u32;
    }
    let mut units = 0;
    for (i, c) in text.char_indices() {
        if units >= at as usize {
            return i as u32;
        }
        units += c.len_utf16();
    }
    text.len() as u32
}

/// Escapes text for XML (content and attribute values).
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Control characters are not allowed in XML 1.0.
            c if (c as u32) < 0x20 && c != '\t' && c != '\n' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// The diagram's style: page colours as CSS variables, which `color` turns into values for an
/// exported file (`var(--x)` in the page, so the theme applies without drawing again).
pub fn style(color: &dyn Fn(&str) -> String) -> String {
    let c = |n: &str| color(n);
    format!(
        ".cps-er{{font-family:ui-monospace,\"DejaVu Sans Mono\",Menlo,Consolas,monospace;font-size:{FONT}px}}\
.cps-er .bg{{fill:{bg}}}\
.cps-er .box{{fill:{panel};stroke:{border};stroke-width:1.5}}\
.cps-er .head{{fill:{accent}}}\
.cps-er .title{{fill:{accent_fg};font-weight:700;font-size:{TITLE}px}}\
.cps-er .kind{{fill:{accent_fg};font-size:{SMALL}px}}\
.cps-er .ico{{fill:none;stroke:{accent_fg};stroke-width:1.5}}\
.cps-er .row .ico{{stroke:{muted}}}\
.cps-er .name{{fill:{fg}}}\
.cps-er .src{{fill:{muted}}}\
.cps-er .all{{fill:{muted};font-style:italic}}\
.cps-er .badge{{fill:{code};stroke:{border}}}\
.cps-er .type{{fill:{muted};font-size:{SMALL}px}}\
.cps-er .seg{{fill:{panel};stroke:{accent}}}\
.cps-er .segn{{fill:{accent};font-size:{SMALL}px;font-weight:700}}\
.cps-er .segi{{fill:{accent}}}\
.cps-er .hit{{fill:transparent;stroke:none}}\
.cps-er .edge{{fill:none;stroke:{muted};stroke-width:1.5}}\
.cps-er .join{{fill:{muted};font-size:{SMALL}px}}\
.cps-er .warn>.box{{stroke:{warning};stroke-width:2.5}}\
.cps-er .err>.box{{stroke:{error};stroke-width:2.5}}\
.cps-er .err>.hd .head{{fill:{error}}}\
.cps-er .row.warn .hit{{fill:{warning_bg}}}\
.cps-er .row.err .hit{{fill:{error_bg}}}\
.cps-er .mbg{{fill:{panel}}}\
.cps-er .me{{fill:{error}}}\
.cps-er .mw{{fill:{warning}}}\
.cps-er .mx{{fill:none;stroke:{panel};stroke-width:2}}\
.cps-er .sel>.box{{stroke:{accent};stroke-width:3}}\
.cps-er .row.sel .hit{{fill:{selection};stroke:{accent}}}\
.cps-er [data-el]{{cursor:pointer}}\
.cps-er [data-el]:hover .hit{{stroke:{accent}}}\
.cps-er [data-el]:focus{{outline:none}}\
.cps-er [data-el]:focus-visible .hit{{stroke:{focus};stroke-width:3}}",
        bg = c("--code-bg"),
        panel = c("--panel"),
        border = c("--border"),
        accent = c("--accent"),
        accent_fg = c("--accent-fg"),
        muted = c("--muted"),
        fg = c("--fg"),
        code = c("--code-bg"),
        warning = c("--warning"),
        warning_bg = c("--warning-bg"),
        error = c("--error"),
        error_bg = c("--error-bg"),
        selection = c("--cm-selection"),
        focus = c("--focus"),
    )
}

/// A key: a ring and a bar with two teeth.
fn key_icon(x: i32, y: i32) -> String {
    format!(
        "<path class=\"ico\" d=\"M{a},{y}m-4,0a4,4 0 1,0 8,0a4,4 0 1,0 -8,0M{b},{y}h8m-3,0v4m-3,-4v3\"/>",
        a = x + 4,
        b = x + 8,
    )
}

/// A clock: a circle and two hands.
fn clock_icon(x: i32, y: i32) -> String {
    format!(
        "<path class=\"ico\" d=\"M{c},{y}m-6,0a6,6 0 1,0 12,0a6,6 0 1,0 -12,0M{c},{t}v4h3\"/>",
        c = x + 6,
        t = y - 4,
    )
}

/// A table: a frame, a header line and a column line.
fn table_icon(x: i32, y: i32) -> String {
    format!(
        "<path class=\"ico\" d=\"M{x},{t}h14v12h-14zM{x},{m}h14M{c},{m}v8\"/>",
        t = y - 6,
        m = y - 2,
        c = x + 5,
    )
}

/// An error (a disc with a cross) or a warning (a triangle with a bar and a dot) at (x, y),
/// 14 px wide, centred on y.
fn mark_icon(sev: Severity, x: i32, y: i32) -> String {
    match sev {
        Severity::Error => format!(
            "<circle class=\"me\" cx=\"{cx}\" cy=\"{y}\" r=\"7\"/><path class=\"mx\" d=\"M{a},{b}l6,6m0,-6l-6,6\"/>",
            cx = x + 7,
            a = x + 4,
            b = y - 3,
        ),
        _ => format!(
            "<path class=\"mw\" d=\"M{cx},{t}l7,13h-14z\"/><path class=\"mx\" d=\"M{cx},{a}v4m0,2.5v1\"/>",
            cx = x + 7,
            t = y - 7,
            a = y - 3,
        ),
    }
}

/// A segment badge ending at `right`: a funnel and how many segments use the field.
fn seg_badge(out: &mut String, n: usize, right: i32, y: i32) {
    let label = n.to_string();
    let w = seg_width(n);
    let x = right - w;
    let _ = write!(
        out,
        "<rect class=\"seg\" x=\"{x}\" y=\"{t}\" width=\"{w}\" height=\"18\" rx=\"9\"/>\
<path class=\"segi\" d=\"M{a},{f}h10l-4,5v4l-2,1v-5z\"/>\
<text class=\"segn\" x=\"{tx}\" y=\"{by}\">{label}</text>",
        t = y - 9,
        a = x + 5,
        f = y - 5,
        tx = x + 18,
        by = y + 4,
    );
}

fn plural(n: usize, one: &str) -> String {
    if n == 1 {
        format!("1 {one}")
    } else {
        format!("{n} {one}s")
    }
}

impl Item {
    /// What a screen reader says and the tooltip shows.
    fn label(&self, table: &Table) -> String {
        let mut s = match self.kind {
            Kind::Header => format!("Table {}, {}", self.name, table.kind),
            Kind::Key => format!("Key column {}", self.name),
            Kind::Time => format!("Time column {}", self.name),
            Kind::AllColumns => "All columns".to_string(),
            Kind::Field => format!("Field {}", self.name),
        };
        if let Some(src) = &self.source {
            let _ = write!(s, " from {src}");
        }
        if let Some(t) = &self.type_ {
            let _ = write!(s, ", type {t}");
        }
        if let Some(j) = table.join.as_ref().filter(|_| self.kind == Kind::Header) {
            let _ = write!(s, ", joined on {j}");
        }
        if !self.used_by.is_empty() {
            let _ = write!(
                s,
                ", used by {}: {}",
                plural(self.used_by.len(), "segment"),
                self.used_by.join(", ")
            );
        }
        for n in &self.notes {
            let _ = write!(s, ". {n}");
        }
        s
    }
}

/// The SVG text: `interactive` adds what the page needs (focus, roles, element numbers);
/// `selected` is the element the editor's selection is in; `css` is the style to embed; `scale`
/// sizes it (the viewBox keeps the layout's units).
pub fn svg(
    l: &Layout,
    selected: Option<usize>,
    interactive: bool,
    css: &str,
    scale: f64,
) -> String {
    let mut o = String::with_capacity(4096 + l.items.len() * 600);
    let _ = write!(
        o,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"cps-er\" viewBox=\"0 0 {w} {h}\" width=\"{sw}\" height=\"{sh}\" role=\"group\" aria-label=\"Data model: the Customers table joined one-to-many to {n}\" data-testid=\"diagram\"><style>{css}</style><rect class=\"bg\" width=\"{w}\" height=\"{h}\" rx=\"8\"/>",
        w = l.width,
        h = l.height,
        sw = (f64::from(l.width) * scale).round() as i32,
        sh = (f64::from(l.height) * scale).round() as i32,
        n = plural(l.tables.len().saturating_sub(1), "behavior table"),
    );
    // Edges first, under the tables: the trunk from the master's key, then one bus per row of
    // tables with a drop and a crow's foot into each.
    if let Some(last) = l.edges.iter().map(|e| e.bus_y).max() {
        let _ = write!(
            o,
            "<g class=\"edges\" aria-hidden=\"true\"><path class=\"edge\" d=\"M{X0},{k}H{TRUNK}V{last}M{a},{b}v10M{c},{b}v10\"/>",
            k = l.key_y,
            a = X0 - 6,
            c = X0 - 10,
            b = l.key_y - 5,
        );
        for e in &l.edges {
            let label = fit(&e.label, f64::from(l.tables[e.table].w - 34), SMALL);
            let _ = write!(
                o,
                "<path class=\"edge\" d=\"M{TRUNK},{by}H{x}V{y}M{l},{y}L{x},{f}L{r},{y}\"/><text class=\"join\" x=\"{tx}\" y=\"{ty}\">{label}</text>",
                by = e.bus_y,
                x = e.x,
                y = e.y,
                l = e.x - 8,
                r = e.x + 8,
                f = e.y - 10,
                tx = e.x + 16,
                ty = e.y - 8,
                label = esc(&label),
            );
        }
        o.push_str("</g>");
    }
    let sel_table = selected.and_then(|i| l.items.get(i)).map(|i| i.table);
    for (ti, t) in l.tables.iter().enumerate() {
        let class = match t.mark {
            Some(Severity::Error) => " err",
            Some(Severity::Warning) => " warn",
            _ => "",
        };
        let sel = if sel_table == Some(ti) { " sel" } else { "" };
        let _ = write!(
            o,
            "<g class=\"tbl{class}{sel}\" data-testid=\"{id}\" data-error=\"{e}\" data-mark=\"{m}\" role=\"group\" aria-label=\"{label}\"><rect class=\"box\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"6\"/>",
            id = t.testid,
            e = t.errors,
            m = t.mark.map_or("none", Severity::as_str),
            label = esc(&format!(
                "{} table {}",
                if ti == 0 { "Customers" } else { "Behavior" },
                l.items[t.items.start].name
            )),
            x = t.x,
            y = t.y,
            w = t.w,
            h = t.h,
        );
        for i in t.items.clone() {
            item(&mut o, l, i, selected == Some(i), interactive);
        }
        o.push_str("</g>");
    }
    o.push_str("</svg>");
    o
}

/// Where an element's parts go, right to left (mark, segment badge, type badge), and its text
/// cut to the room they leave.
#[derive(Debug)]
pub struct Fitted {
    /// The type badge: x, width, text.
    pub badge: Option<(i32, i32, String)>,
    /// The segment badge's right edge.
    pub seg: Option<i32>,
    /// The mark's x.
    pub mark: Option<i32>,
    pub text_x: i32,
    /// Where the text must end.
    pub text_end: i32,
    pub name: String,
    /// `" ← SOURCE"`, cut, or nothing when too little room is left.
    pub source: Option<String>,
    /// A header's second line ("Behavior · page_views"), cut.
    pub kind: Option<String>,
}

impl Item {
    pub fn fitted(&self, table: &Table) -> Fitted {
        let header = self.kind == Kind::Header;
        let mut right = self.x + self.w - if header { PAD } else { 6 };
        let mut f = Fitted {
            badge: None,
            seg: None,
            mark: None,
            text_x: self.x + if header { PAD + 22 } else { 26 },
            text_end: 0,
            name: String::new(),
            source: None,
            kind: None,
        };
        if let Some(ty) = self.type_.as_ref().filter(|_| !header) {
            // Room for the longest type TD names, `number_array`, in any row.
            let shown = fit(ty, f64::from((self.w / 3).max(92)), SMALL);
            let bw = text_width(&shown, SMALL).ceil() as i32 + 12;
            right -= bw;
            f.badge = Some((right, bw, shown));
            right -= 6;
        }
        if !self.used_by.is_empty() {
            f.seg = Some(right);
            right -= seg_width(self.used_by.len()) + 6;
        }
        if self.mark.is_some() {
            f.mark = Some(right - 14);
            right -= 20;
        }
        f.text_end = right;
        let room = f64::from(right - f.text_x);
        let font = if header { TITLE } else { FONT };
        f.name = fit(&self.name, room, font);
        if header {
            let line = f64::from(self.x + self.w - PAD - f.text_x);
            f.kind = Some(fit(&table.kind, line, SMALL));
        } else if let Some(src) = &self.source {
            let arrow = " ← ";
            let rest = room - text_width(&f.name, FONT) - text_width(arrow, FONT);
            if rest >= text_width("ab…", FONT) {
                f.source = Some(format!("{arrow}{}", fit(src, rest, FONT)));
            }
        }
        f
    }
}

fn seg_width(n: usize) -> i32 {
    22 + text_width(&n.to_string(), SMALL).ceil() as i32
}

fn item(o: &mut String, l: &Layout, i: usize, selected: bool, interactive: bool) {
    let it = &l.items[i];
    let t = &l.tables[it.table];
    let label = esc(&it.label(t));
    let class = match (it.kind, it.mark) {
        (Kind::Header, _) => "hd",
        (_, Some(Severity::Error)) => "row err",
        (_, Some(Severity::Warning)) => "row warn",
        _ => "row",
    };
    let sel = if selected && it.kind != Kind::Header {
        " sel"
    } else {
        ""
    };
    let _ = write!(
        o,
        "<g class=\"{class}{sel}\" data-name=\"{}\"",
        esc(&it.name)
    );
    // The accessible name is the `<title>` (SVG's own name, also the tooltip): an
    // `aria-label` would have to repeat the visible text word for word (WCAG 2.5.3).
    if interactive {
        let _ = write!(o, " data-el=\"{i}\" tabindex=\"0\" role=\"button\"");
    }
    let _ = write!(o, "><title>{label}</title>");
    let (x, y, w, h) = (it.x, it.y, it.w, it.h);
    let f = it.fitted(t);
    let header = it.kind == Kind::Header;
    let cy = if header { y + 16 } else { y + h / 2 };
    if header {
        let _ = write!(
            o,
            "<rect class=\"head\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"6\"/><rect class=\"hit\" x=\"{x}\" y=\"{y}\" width=\"{w}\" height=\"{h}\" rx=\"6\"/>"
        );
        o.push_str(&table_icon(x + PAD, y + 20));
    } else {
        let _ = write!(
            o,
            "<rect class=\"hit\" x=\"{x}\" y=\"{a}\" width=\"{w}\" height=\"{b}\" rx=\"4\"/>",
            a = y + 1,
            b = h - 2,
        );
        match it.kind {
            Kind::Key => o.push_str(&key_icon(x + 4, cy)),
            Kind::Time => o.push_str(&clock_icon(x + 3, cy)),
            _ => {}
        }
    }
    if let Some((bx, bw, shown)) = &f.badge {
        let _ = write!(
            o,
            "<rect class=\"badge\" x=\"{bx}\" y=\"{a}\" width=\"{bw}\" height=\"18\" rx=\"4\"/><text class=\"type\" x=\"{tx}\" y=\"{b}\">{}</text>",
            esc(shown),
            a = cy - 9,
            tx = bx + 6,
            b = cy + 4,
        );
    }
    if let Some(right) = f.seg {
        seg_badge(o, it.used_by.len(), right, cy);
    }
    if let (Some(mx), Some(sev)) = (f.mark, it.mark) {
        if header {
            // On the header's colour the mark needs a ground of its own.
            let _ = write!(
                o,
                "<circle class=\"mbg\" cx=\"{}\" cy=\"{cy}\" r=\"10\"/>",
                mx + 7
            );
        }
        o.push_str(&mark_icon(sev, mx, cy));
    }
    let tx = f.text_x;
    if header {
        let _ = write!(
            o,
            "<text class=\"title\" x=\"{tx}\" y=\"{a}\">{}</text><text class=\"kind\" x=\"{tx}\" y=\"{b}\">{}</text></g>",
            esc(&f.name),
            esc(f.kind.as_deref().unwrap_or_default()),
            a = y + 21,
            b = y + 39,
        );
        return;
    }
    let class = if it.kind == Kind::AllColumns {
        "all"
    } else {
        "name"
    };
    let _ = write!(
        o,
        "<text class=\"{class}\" x=\"{tx}\" y=\"{b}\">{}",
        esc(&f.name),
        b = cy + 5
    );
    if let Some(src) = &f.source {
        let _ = write!(o, "<tspan class=\"src\">{}</tspan>", esc(src));
    }
    o.push_str("</text></g>");
}

#[cfg(test)]
mod tests;
