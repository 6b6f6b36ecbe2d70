//! The versioned JSON shape of a check, shared by `cps validate --format json` and the embed:
//! `{"version": 1, "files": [{"file", "format", "settings", "diagnostics": [...]}]}`.
//! Lines and columns are 1-based; columns count in the unit the caller picks (characters for the
//! CLI, UTF-16 code units for the browser); `endLine`/`endColumn` point just past the range.

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
    /// text did not parse, or is not a parent segment.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(as = "Option<String>", optional))]
    pub format: Option<&'static str>,
    /// What the file is: `parent-segment` (checked), or a look-alike that got one error saying
    /// so (`segment`, `journey`, `classic-parent-segment`, `classic-audience`); absent when the
    /// text did not parse.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "ts", ts(optional))]
    pub kind: Option<crate::FileKind>,
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

pub fn diagnostic(
    text: &str,
    index: &LineIndex,
    d: &Diagnostic,
    unit: ColumnUnit,
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
            .map(|r| JsonRelated {
                message: r.message.clone(),
                range: range(text, index, r.span, unit),
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
        settings: checked.config.as_ref().map(|_| checked.settings),
        diagnostics: checked
            .diagnostics
            .iter()
            .map(|d| diagnostic(text, &checked.line_index, d, unit))
            .collect(),
        error: None,
    }
}
