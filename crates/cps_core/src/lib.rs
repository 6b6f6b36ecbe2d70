//! cps_core: read, check and convert Treasure Data Composable Parent Segment configs.
//!
//! Pure: no I/O, no platform crates, no panics on any input. Data flows one way:
//! text → spanned tree ([`tree`]) → model ([`model`]) → rules → [`Diagnostic`]s; the front-ends
//! (CLI, web page, embed) only render what [`check`] returns.
//!
//! ```
//! let text = r#"{"name": "Retail", "timezone": "Tokyo", "attributes": []}"#;
//! let checked = cps_core::check(text, &cps_core::Options::default());
//! let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
//! assert!(codes.contains(&"invalid-timezone"));
//! assert!(codes.contains(&"no-attributes"));
//! ```

pub mod catalog;
pub mod convert;
pub mod decode;
mod der;
pub mod diagnostic;
pub mod edit;
pub mod fields;
pub mod ident;
pub mod json;
pub mod keys;
pub mod kind;
pub mod model;
pub mod options;
pub mod reference;
pub mod render;
pub mod report;
pub mod rules;
pub mod sample;
pub mod schema;
pub mod snowflake;
pub mod span;
pub mod suggest;
pub mod tree;
pub mod tz;
#[cfg(feature = "yaml")]
pub mod yaml;

pub use diagnostic::{Code, Diagnostic, Severity};
pub use fields::Dialect;
pub use kind::FileKind;
pub use model::{Config, Syntax};
pub use options::{IdentifierCase, Options, Settings, Source, TypeProfile, Warehouse};
pub use span::{ColumnUnit, LineIndex, Span};

/// Nesting deeper than this is refused, in both syntaxes. A parent-segment config is at most 6
/// levels deep. The limit is low on purpose: serde's recursive descent costs tens of kilobytes of
/// stack per level in debug builds, and the page runs on wasm's 1 MiB stack.
pub const MAX_DEPTH: usize = 16;

/// Inputs larger than this are refused with a diagnostic instead of being read (16 MiB: a real
/// config is a few kilobytes; the cap bounds time and memory on hostile input).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;

/// The order every report uses: by position, then severity, then end.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
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
    /// What the file is, once it parsed: a parent segment (checked), or a look-alike that got
    /// one diagnostic saying so (see [`kind`]).
    pub kind: Option<FileKind>,
    pub settings: Settings,
}

impl Checked {
    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    pub fn count(&self, severity: Severity) -> usize {
        crate::diagnostic::count(&self.diagnostics, severity)
    }

    /// The input format's name as the CLI and page show it: `api-json`, `api-yaml`, `tdx-yaml`,
    /// `get-json` (a GET response, flat).
    pub fn format_name(&self) -> Option<&'static str> {
        format_name(self.syntax?, self.dialect?)
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
            let d = Diagnostic::new(
                Code::NotUtf8,
                if binary {
                    "this is a binary file, not a config".to_string()
                } else {
                    format!("the file is not UTF-8: byte {at} cannot be decoded")
                },
                Span::new(at, at),
            )
            .help("save the config as UTF-8 text (JSON or YAML)");
            finish(&shown, None, None, None, vec![d], options)
        }
    }
}

/// [`check`], plus the checks against a catalog export ([`catalog::check`]) when one is given:
/// names, types and time columns as the warehouse has them. Without a catalog it is [`check`].
/// Diagnostics are sorted as [`check`] sorts them (the sort is stable, so among equal positions
/// the file's own diagnostics come first either way).
///
/// `check` itself does not call this: pages that never pass a catalog (the studio's wasm, with
/// its size budget) then do not carry the catalog code.
pub fn check_with_catalog(
    text: &str,
    options: &Options,
    catalog: Option<&catalog::Catalog>,
) -> Checked {
    check_with_catalog_named(text, None, options, catalog)
}

/// [`check_with_catalog`] of a named file (see [`check_named`]). When the warehouse is not
/// given and the file shows only "Databricks or BigQuery", the export's own type names settle
/// which one ([`catalog::Catalog::warehouse`]): BigQuery's INT64 time columns are then fine.
pub fn check_with_catalog_named(
    text: &str,
    name: Option<&str>,
    options: &Options,
    catalog: Option<&catalog::Catalog>,
) -> Checked {
    let mut checked = check_named(text, name, options);
    let Some(catalog) = catalog else {
        return checked;
    };
    if options.warehouse.is_none() && checked.settings.warehouse.uses_catalog() {
        if let Some(w) = catalog.warehouse().filter(|w| w.uses_catalog()) {
            if w != checked.settings.warehouse {
                let settled = Options {
                    warehouse: Some(w),
                    ..*options
                };
                checked = check_named(text, name, &settled);
                checked.settings.warehouse_source = Source::Catalog;
            }
        }
    }
    if let Some(config) = &checked.config {
        catalog::check(config, &checked.settings, catalog, &mut checked.diagnostics);
        sort_diagnostics(&mut checked.diagnostics);
    }
    checked
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
    let syntax = sniff_syntax(text);
    let (root, index) = match syntax {
        Syntax::Json => {
            let parsed = json::parse(text);
            diagnostics.extend(parsed.diagnostics);
            (parsed.root, parsed.line_index)
        }
        #[cfg(feature = "yaml")]
        Syntax::Yaml => {
            let index = LineIndex::new(text);
            match yaml::parse(text, &index) {
                Ok(root) => (Some(root), index),
                Err(d) => {
                    diagnostics.push(d);
                    (None, index)
                }
            }
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
            (None, LineIndex::new(text))
        }
    };
    let Some(root) = root else {
        return finish_with_index(index, None, Some(syntax), None, diagnostics, options);
    };
    // The one place that decides what the file is: parent segments get the parent rules; every
    // look-alike gets its one diagnostic (segment rules will dispatch from here).
    let (kind, verdict) = kind::detect(&root, name);
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

/// JSON when the first meaningful character opens an object or array; YAML otherwise. A file
/// that starts like JSON is read as strict JSON, so a trailing comma is reported rather than
/// accepted by YAML's more lenient flow syntax.
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
