//! The pipeline, run once per check: text → spanned tree → what the file is → model (a parent's
//! or a segment's) → rules → sorted diagnostics. Every function here returns a [`Checked`],
//! never an `Err`. A project (several files: a parent and its segments) is checked file by file
//! here, then linked by [`crate::project`].

use crate::config::segment::{self, Segment};
use crate::config::{decode, kind};
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::syntax::json;
#[cfg(feature = "yaml")]
use crate::syntax::yaml;
use crate::{
    rules, Config, Dialect, FileKind, LineIndex, Options, Settings, Source, Span, Syntax,
    Warehouse, MAX_INPUT_BYTES,
};

/// The order every report uses: by position, then severity, then end.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    crate::sort::sort_by(diagnostics, |a, b| {
        (a.span.start, a.severity, a.span.end).cmp(&(b.span.start, b.severity, b.span.end))
    });
}

/// Everything one check produced. Never an `Err`: every problem is a diagnostic.
#[derive(Debug)]
pub struct Checked {
    /// The decoded config, when the text parsed into a mapping. Partial when keys were missing.
    pub config: Option<Config>,
    /// Sorted by position, then severity.
    pub diagnostics: Vec<Diagnostic>,
    pub line_index: LineIndex,
    pub syntax: Option<Syntax>,
    pub dialect: Option<Dialect>,
    /// What the file is, once it parsed: a parent segment or a segment (checked), or a
    /// look-alike that got one diagnostic saying so (see [`kind`]).
    pub kind: Option<FileKind>,
    /// A segment file's model (`kind` is `Segment`): checked on its own here; against its
    /// parent by [`crate::project`].
    pub segment: Option<Segment>,
    pub settings: Settings,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    pub fn count(&self, severity: Severity) -> usize {
        crate::diagnostics::count(&self.diagnostics, severity)
    }

    /// The input format's name as the CLI and page show it: `api-json`, `api-yaml`, `tdx-yaml`,
    /// `get-json` (a GET response, flat).
    pub fn format_name(&self) -> Option<&'static str> {
        format_name(self.syntax?, self.dialect?)
    }

    /// Where a parent segment is expected (`role` says where: "`cps convert` converts parent
    /// segments"), a segment file gets the one `segment-file` error; other kinds have theirs.
    pub fn expect_parent(&mut self, role: &str) {
        if let Some(seg) = self
            .segment
            .as_ref()
            .filter(|_| self.kind == Some(FileKind::Segment))
        {
            let d = kind::segment_where_parent_expected(seg.root_span, role);
            self.diagnostics.push(d);
            sort_diagnostics(&mut self.diagnostics);
        }
    }
}

pub fn format_name(syntax: Syntax, dialect: Dialect) -> Option<&'static str> {
    Some(match (dialect, syntax) {
        (Dialect::Api, Syntax::Json) => "api-json",
        (Dialect::Api, Syntax::Yaml) => "api-yaml",
        (Dialect::Tdx, Syntax::Yaml) => "tdx-yaml",
        (Dialect::Tdx, Syntax::Json) => "tdx-json",
        (Dialect::Get, Syntax::Json) => "get-json",
        (Dialect::Get, Syntax::Yaml) => "get-yaml",
    })
}

/// Checks raw bytes: reports text that is not UTF-8 at the first bad byte, then checks the text.
pub fn check_bytes(bytes: &[u8], options: &Options) -> Checked {
    check_bytes_named(bytes, None, options)
}

/// [`check_bytes`] of a file whose name may say what it is (`*.journey.yml`).
pub fn check_bytes_named(bytes: &[u8], name: Option<&str>, options: &Options) -> Checked {
    if bytes.len() > MAX_INPUT_BYTES {
        return too_large(bytes.len(), options);
    }
    match std::str::from_utf8(bytes) {
        Ok(text) => check_named(text, name, options),
        Err(e) => {
            // Positions refer to the lossy text the front-ends show; up to the first bad byte it
            // is the file itself, so the offset is the same in both.
            let at = e.valid_up_to();
            let shown = String::from_utf8_lossy(bytes);
            let binary = bytes.iter().take(4096).filter(|&&b| b == 0).count() > 0;
            // UTF-16 (what Windows PowerShell's `>` writes) is full of zero bytes, but it is a
            // text file saved in the wrong encoding, not a binary one: say so.
            let utf16 = match bytes {
                [0xFF, 0xFE, ..] => Some("UTF-16 LE"),
                [0xFE, 0xFF, ..] => Some("UTF-16 BE"),
                _ => None,
            };
            let d = Diagnostic::new(
                Code::NotUtf8,
                match utf16 {
                    Some(enc) => format!("the file is {enc} text (it starts with that byte order mark); cps reads UTF-8"),
                    None if binary => "this is a binary file, not a config".to_string(),
                    None => format!("the file is not UTF-8: byte {at} cannot be decoded"),
                },
                Span::new(at, at),
            )
            .help(if utf16.is_some() {
                "save the config as UTF-8 (an editor's \"Save with encoding\", or `Out-File -Encoding utf8` in PowerShell)"
            } else {
                "save the config as UTF-8 text (JSON or YAML)"
            });
            finish(&shown, None, None, None, vec![d], options)
        }
    }
}

/// Reads, decodes and checks one config. Bounded in time and memory for any input.
pub fn check(text: &str, options: &Options) -> Checked {
    check_named(text, None, options)
}

/// [`check`] of a file whose name may say what it is: tdx names journeys `*.journey.yml`.
pub fn check_named(text: &str, name: Option<&str>, options: &Options) -> Checked {
    if text.len() > MAX_INPUT_BYTES {
        return too_large(text.len(), options);
    }
    let mut diagnostics = Vec::new();
    let (root, index, syntax) = match sniff_syntax(text) {
        Syntax::Json => {
            let parsed = json::parse(text);
            match parsed.root {
                // A `.yaml` file that opens with `{` is YAML in flow style (`{name: x, master:
                // {…}}`), which tdx reads as YAML: strict JSON first (so a JSON body named
                // `.yaml` reads as before), and when that fails, the YAML reader decides.
                #[cfg(feature = "yaml")]
                None if says_yaml(name) => {
                    let (root, index) = read_yaml(text, &mut diagnostics);
                    (root, index, Syntax::Yaml)
                }
                root => {
                    diagnostics.extend(parsed.diagnostics);
                    (root, parsed.line_index, Syntax::Json)
                }
            }
        }
        #[cfg(feature = "yaml")]
        Syntax::Yaml => {
            let (root, index) = read_yaml(text, &mut diagnostics);
            (root, index, Syntax::Yaml)
        }
        #[cfg(not(feature = "yaml"))]
        Syntax::Yaml => {
            diagnostics.push(
                Diagnostic::new(
                    Code::YamlUnsupported,
                    "this build of cps reads JSON only; the text is not JSON",
                    Span::empty(text.len() - text.trim_start().len()),
                )
                .help("load the full cps module (with YAML) for YAML configs, or write the config as the API's JSON body"),
            );
            (None, LineIndex::new(text), Syntax::Yaml)
        }
    };
    let Some(root) = root else {
        return finish_with_index(index, None, Some(syntax), None, diagnostics, options);
    };
    // The one place that decides what the file is: parent segments get the parent rules,
    // segments the segment rules; every look-alike gets its one diagnostic.
    let (kind, verdict) = kind::detect(&root, name);
    if kind == FileKind::Segment {
        diagnostics.extend(verdict);
        // Segments are tdx YAML (spec §9.1: TD's API writes none), so a build without the YAML
        // reader (the JSON-only embed) leaves their reader and rules out: one error says where
        // they are checked. A third of that flavour's code otherwise (BENCHMARKS.md).
        if !cfg!(feature = "segments") {
            diagnostics.push(
                Diagnostic::new(
                    Code::SegmentFile,
                    "this is a composable segment; this build of cps (the JSON-only embed) checks parent segments only",
                    root.span,
                )
                .help("load the full cps module (cps.js) to check segments; segment files are tdx YAML"),
            );
            let mut checked =
                finish_with_index(index, None, Some(syntax), None, diagnostics, options);
            checked.kind = Some(kind);
            return checked;
        }
        let seg = segment::decode(root, &mut diagnostics);
        rules::segment::run(&seg, &mut diagnostics);
        let mut checked = finish_with_index(index, None, Some(syntax), None, diagnostics, options);
        checked.kind = Some(kind);
        checked.segment = Some(seg);
        return checked;
    }
    if let Some(d) = verdict {
        // Syntax problems the reader found (a duplicate key) stay; nothing of the parent rules.
        diagnostics.push(d);
        let mut checked = finish_with_index(index, None, Some(syntax), None, diagnostics, options);
        checked.kind = Some(kind);
        return checked;
    }
    let dialect = decode::detect_dialect(&root);
    let config = decode::decode(root, syntax, dialect, &mut diagnostics);
    let mut checked = finish_with_index(
        index,
        config,
        Some(syntax),
        Some(dialect),
        diagnostics,
        options,
    );
    checked.kind = Some(kind);
    checked
}

fn too_large(len: usize, options: &Options) -> Checked {
    let d = Diagnostic::new(
        Code::InputTooLarge,
        format!("the file is over {MAX_INPUT_BYTES} bytes ({len} read); cps reads configs up to that size"),
        Span::empty(0),
    )
    .help("a parent-segment config is a few kilobytes; check that this is the right file");
    finish("", None, None, None, vec![d], options)
}

#[cfg(feature = "yaml")]
fn read_yaml<'a>(
    text: &'a str,
    diagnostics: &mut Vec<Diagnostic>,
) -> (Option<crate::syntax::tree::Node<'a>>, LineIndex) {
    let index = LineIndex::new(text);
    match yaml::parse(text, &index) {
        Ok(root) => (Some(root), index),
        Err(d) => {
            diagnostics.push(d);
            (None, index)
        }
    }
}

/// Whether a file name says YAML (`.yaml`, `.yml`, in any case).
#[cfg(feature = "yaml")]
fn says_yaml(name: Option<&str>) -> bool {
    name.and_then(|n| n.rsplit_once('.'))
        .is_some_and(|(_, ext)| ext.eq_ignore_ascii_case("yaml") || ext.eq_ignore_ascii_case("yml"))
}

/// JSON when the first meaningful character opens an object or array; YAML otherwise. A file
/// that starts like JSON is read as strict JSON, so a trailing comma is reported rather than
/// accepted by YAML's more lenient flow syntax; only a file named `.yaml`/`.yml` that is not
/// JSON is read as YAML in flow style ([`check_named`]).
pub fn sniff_syntax(text: &str) -> Syntax {
    let body = text.strip_prefix('\u{feff}').unwrap_or(text);
    match body.trim_start().bytes().next() {
        Some(b'{') | Some(b'[') => Syntax::Json,
        _ => Syntax::Yaml,
    }
}

fn finish(
    text: &str,
    config: Option<Config>,
    syntax: Option<Syntax>,
    dialect: Option<Dialect>,
    diagnostics: Vec<Diagnostic>,
    options: &Options,
) -> Checked {
    finish_with_index(
        LineIndex::new(text),
        config,
        syntax,
        dialect,
        diagnostics,
        options,
    )
}

fn finish_with_index(
    line_index: LineIndex,
    config: Option<Config>,
    syntax: Option<Syntax>,
    dialect: Option<Dialect>,
    mut diagnostics: Vec<Diagnostic>,
    options: &Options,
) -> Checked {
    let settings = resolve_settings(config.as_ref(), options);
    if let Some(config) = &config {
        rules::run(config, &settings, &mut diagnostics);
    }
    sort_diagnostics(&mut diagnostics);
    Checked {
        config,
        diagnostics,
        line_index,
        syntax,
        dialect,
        kind: None,
        segment: None,
        settings,
    }
}

/// Resolves the warehouse: the caller's choice, else what the file shows (entries with
/// `connectionId` or `catalog` mean Databricks or BigQuery, which check alike from the file
/// alone; reported as databricks), else Snowflake.
pub fn resolve_settings(config: Option<&Config>, options: &Options) -> Settings {
    let (warehouse, warehouse_source) = match options.warehouse {
        Some(w) => (w, Source::Option),
        None => {
            // A file mixing both styles has mistakes either way; the majority decides which
            // entries get reported, ties go to Snowflake.
            let (mut snowflake, mut catalog) = (0usize, 0usize);
            for (_, _, t) in config.iter().flat_map(|c| c.table_refs()) {
                if t.conn.federated_query_config_id.is_some() {
                    snowflake += 1;
                } else if t.conn.connection_id.is_some() || t.conn.catalog.is_some() {
                    catalog += 1;
                }
            }
            let catalog_style = catalog > snowflake;
            if catalog_style {
                (Warehouse::Databricks, Source::Inferred)
            } else {
                (Warehouse::Snowflake, Source::Default)
            }
        }
    };
    Settings {
        warehouse,
        warehouse_source,
        types: options.types,
        identifier_case: options.identifier_case,
    }
}

#[cfg(all(test, feature = "yaml"))]
mod tests {
    use super::*;

    /// Flow-style YAML opens like JSON: a `.yaml`/`.yml` name reads it as YAML; a `.json` name
    /// or no name keeps strict JSON (a trailing comma in an API body is still reported).
    #[test]
    fn a_yaml_name_reads_flow_style_as_yaml() {
        let text = "{name: x, timezone: UTC,}\n";
        let codes = |name: Option<&str>| -> (Option<Syntax>, Vec<Code>) {
            let c = check_named(text, name, &Options::default());
            (c.syntax, c.diagnostics.iter().map(|d| d.code).collect())
        };
        let (syntax, codes_yaml) = codes(Some("cas/audience.YML"));
        assert_eq!(syntax, Some(Syntax::Yaml));
        assert!(!codes_yaml.contains(&Code::JsonSyntax), "{codes_yaml:?}");
        for name in [None, Some("body.json")] {
            let (syntax, codes) = codes(name);
            assert_eq!(syntax, Some(Syntax::Json));
            assert_eq!(codes, vec![Code::JsonSyntax]);
        }
        // Strict JSON in a `.yaml` file reads as JSON, as before.
        let json = check_named("{\"name\": \"x\"}", Some("a.yaml"), &Options::default());
        assert_eq!(json.syntax, Some(Syntax::Json));
        // Broken flow YAML in a `.yaml` file gets the YAML reader's error, not JSON's.
        let broken = check_named("{name: [x\n", Some("a.yaml"), &Options::default());
        assert_eq!(broken.diagnostics[0].code, Code::YamlSyntax);
    }
}
