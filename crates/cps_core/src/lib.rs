//! cps_core: read, check and convert Treasure Data Composable Parent Segment configs.
//!
//! Pure: no I/O, no platform crates, no panics on any input. The folders follow the data, which
//! flows one way: [`syntax`] (text → spanned tree) → [`config`] (what the file is, tree → model)
//! → [`rules`] → [`diagnostics`] (the code registry, the terminal frame, the JSON report); and
//! [`output`] (model → API body, tdx YAML, JSON Schema). Segment files are read and checked too;
//! a [`Project`] checks a parent with its segments. The front-ends (CLI, web page, embed) only
//! render what [`check`] and [`Project::check`] return. Snowflake's side (keys, catalog exports, SQL) is the
//! `cps_snowflake` crate, built on this one.
//!
//! ```
//! let text = r#"{"name": "Retail", "timezone": "Tokyo", "attributes": []}"#;
//! let checked = cps_core::check(text, &cps_core::Options::default());
//! let codes: Vec<&str> = checked.diagnostics.iter().map(|d| d.code.as_str()).collect();
//! assert!(codes.contains(&"invalid-timezone"));
//! assert!(codes.contains(&"no-attributes"));
//! ```

pub mod config;
pub mod diagnostics;
pub mod output;
mod pipeline;
pub mod project;
pub mod rules;
pub mod sort;
pub mod syntax;

pub use config::fields::Dialect;
pub use config::kind::FileKind;
pub use config::model::{Config, Syntax};
pub use config::options::{IdentifierCase, Options, Settings, Source, TypeProfile, Warehouse};
pub use diagnostics::{Code, Diagnostic, Severity};
pub use pipeline::{
    check, check_bytes, check_bytes_named, check_named, format_name, resolve_settings,
    sniff_syntax, sort_diagnostics, Checked,
};
pub use project::{Project, ProjectFile};
pub use syntax::span::{ColumnUnit, LineIndex, Span};

/// Nesting deeper than this is refused, in both syntaxes. A parent-segment config is at most 6
/// levels deep, but a segment's rule nests: each group inside a group adds two levels (its list
/// and its map), and a condition with an aggregation, a filter and a relative time adds ten; 16
/// refused a rule of seven nested groups that TD's schema (S31) allows. 64 keeps about 28 nested
/// groups readable. The readers keep their own stacks, but decoding and the rules recurse over
/// the tree, and the page runs on wasm's 1 MiB stack: `tests/hostile.rs` checks a rule nested to
/// the limit on a 1 MiB thread.
pub const MAX_DEPTH: usize = 64;

/// Inputs larger than this are refused with a diagnostic instead of being read (16 MiB: a real
/// config is a few kilobytes; the cap bounds time and memory on hostile input).
pub const MAX_INPUT_BYTES: usize = 16 * 1024 * 1024;
