//! The versioned JSON shape of a check, shared by `cps validate --format json` and the embed:
//! `{"version": 1, "files": [{"file", "format", "kind", "parent", "settings", "diagnostics":
//! [...]}]}`. Lines and columns are 1-based; columns count in the unit the caller picks
//! (characters for the CLI, UTF-16 code units for the browser); `endLine`/`endColumn` point just
//! past the range.
//!
//! `version` changes only when a field changes meaning or goes away. Fields added since version
//! 1 are optional, so a reader of the first shape reads every report: `parent` (the audience
//! file a segment was checked against) and `related[].file` (a related place in another file of
//! the project, named as `files[].file` names it; absent for the diagnostic's own file).

use crate::config::options::Settings;
use crate::diagnostics::{Code, Diagnostic, Severity};
use crate::syntax::span::{ColumnUnit, LineIndex, Span};
use crate::Checked;
use serde::Serialize;

pub const VERSION: u32 = 1;

#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Report {
    pub version: u32,
    pub files: Vec<FileReport>,
}

#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct FileReport {
    pub file: String,
    /// `api-json`, `api-yaml`, `tdx-yaml` or `get-json` (a GET response, flat); absent when the
    /// text did not parse, or is not a parent segment (segment files are tdx YAML).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub format: Option<&'static str>,
    /// What the file is: `parent-segment` or `segment` (checked), or a look-alike that got one
    /// error saying so (`journey`, `classic-parent-segment`, `classic-audience`; in a project a
    /// journey is skipped with an info); absent when the text did not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<crate::FileKind>,
    /// For a segment checked against its project's audience file: that file, as `file` names
    /// it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub parent: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub settings: Option<Settings>,
    pub diagnostics: Vec<JsonDiagnostic>,
    /// Set when the file could not be read at all (then `diagnostics` is empty).
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub error: Option<String>,
}

#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct Range {
    pub line: u32,
    pub column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "camelCase")]
pub struct JsonDiagnostic {
    /// A stable kebab-case code, e.g. `missing-key` (docs/diagnostics.md lists them).
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub code: Code,
    pub severity: Severity,
    pub message: String,
    #[serde(flatten)]
    pub range: Range,
    pub path: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub help: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "ts", ts(as = "Option<Vec<JsonRelated>>", optional))]
    pub related: Vec<JsonRelated>,
}

#[derive(Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JsonRelated {
    /// Another file of the project, as its report's `file` names it; absent for the
    /// diagnostic's own file.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub file: Option<String>,
    pub message: String,
    #[serde(flatten)]
    pub range: Range,
}

pub fn range(text: &str, index: &LineIndex, span: Span, unit: ColumnUnit) -> Range {
    let start = index.line_col(text, span.start, unit);
    let end = index.line_col(text, span.end, unit);
    Range {
        line: start.line,
        column: start.column,
        end_line: end.line,
        end_column: end.column,
    }
}

/// Finds another file of a project by name: its text and line index.
pub type Lookup<'a> = dyn Fn(&str) -> Option<(&'a str, &'a LineIndex)> + 'a;

pub fn diagnostic(
    text: &str,
    index: &LineIndex,
    d: &Diagnostic,
    unit: ColumnUnit,
) -> JsonDiagnostic {
    diagnostic_in(text, index, d, unit, &|_| None)
}

/// [`diagnostic`] with related places in other files resolved through `others` (a place in a
/// file it does not know is left out).
pub fn diagnostic_in<'a>(
    text: &str,
    index: &LineIndex,
    d: &Diagnostic,
    unit: ColumnUnit,
    others: &Lookup<'a>,
) -> JsonDiagnostic {
    JsonDiagnostic {
        code: d.code,
        severity: d.severity,
        message: d.message.clone(),
        range: range(text, index, d.span, unit),
        path: d.path.clone(),
        help: d.help.clone(),
        related: d
            .related
            .iter()
            .filter_map(|r| {
                let (t, i) = match &r.file {
                    Some(f) => others(f)?,
                    None => (text, index),
                };
                Some(JsonRelated {
                    file: r.file.clone(),
                    message: r.message.clone(),
                    range: range(t, i, r.span, unit),
                })
            })
            .collect(),
    }
}

/// The report entry of one checked text.
pub fn file_report(file: &str, text: &str, checked: &Checked, unit: ColumnUnit) -> FileReport {
    FileReport {
        file: file.to_string(),
        format: checked.format_name(),
        kind: checked.kind,
        parent: None,
        settings: checked.config.as_ref().map(|_| checked.settings),
        diagnostics: checked
            .diagnostics
            .iter()
            .map(|d| diagnostic(text, &checked.line_index, d, unit))
            .collect(),
        error: None,
    }
}

/// The report entries of a project, one per file in its order, with related places in other
/// files resolved.
pub fn project_reports(project: &crate::Project, unit: ColumnUnit) -> Vec<FileReport> {
    let lookup = |name: &str| {
        project
            .file(name)
            .map(|f| (f.text.as_str(), &f.checked.line_index))
    };
    project
        .files
        .iter()
        .map(|f| {
            let mut r = file_report(&f.name, &f.text, &f.checked, unit);
            r.parent = f.parent.map(|p| project.files[p].name.clone());
            r.diagnostics = f
                .checked
                .diagnostics
                .iter()
                .map(|d| diagnostic_in(&f.text, &f.checked.line_index, d, unit, &lookup))
                .collect();
            r
        })
        .collect()
}
