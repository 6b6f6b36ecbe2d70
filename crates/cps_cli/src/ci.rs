//! CI output of `cps validate`, built from the same report entries as `--format json`:
//! `--format sarif` (SARIF 2.1.0, for code scanning) and `--format github` (GitHub Actions
//! workflow commands, which annotate the lines of a pull request). Columns count characters
//! (SARIF says so with `columnKind`); end columns point just past the range, as SARIF's do.

use cps_core::diagnostics::render::push_escaped;
use cps_core::diagnostics::report::{FileReport, JsonDiagnostic, Range};
use cps_core::{Code, Severity};
use serde_json::{json, Value};

/// The schema a SARIF log names: the OASIS standard with its approved errata.
pub const SARIF_SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

fn level(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "note",
    }
}

/// A path as a URI reference: `/` separators, anything outside RFC 3986's unreserved characters
/// (and `/`) percent-encoded, so a file named `a b#1.yml` stays one relative reference.
pub fn uri(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for b in path.replace('\\', "/").bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn region(r: &Range) -> Value {
    json!({
        "startLine": r.line,
        "startColumn": r.column,
        "endLine": r.end_line,
        "endColumn": r.end_column,
    })
}

fn text(d: &JsonDiagnostic) -> String {
    match &d.help {
        Some(h) => format!("{}\nhelp: {h}", d.message),
        None => d.message.clone(),
    }
}

/// The SARIF log of a run over `files`: one run, one result per diagnostic, a rule per code
/// used (with its documentation), related places (in the same or another file) as
/// `relatedLocations`, unreadable files as tool notifications.
pub fn sarif(files: &[FileReport]) -> Value {
    let mut codes: Vec<Code> = Vec::new();
    for f in files {
        for d in &f.diagnostics {
            if !codes.contains(&d.code) {
                codes.push(d.code);
            }
        }
    }
    codes.sort();
    let rules: Vec<Value> = codes
        .iter()
        .map(|c| {
            let doc = c.doc();
            json!({
                "id": c.as_str(),
                "shortDescription": { "text": doc.summary },
                "fullDescription": { "text": doc.why },
                "help": { "text": format!("{}\n\nExample: {}\n\nSources: {}", doc.why, doc.example, doc.sources) },
                "defaultConfiguration": { "level": level(c.severity()) },
                "properties": { "sources": doc.sources },
            })
        })
        .collect();
    let mut results = Vec::new();
    let mut notifications = Vec::new();
    for f in files {
        if let Some(e) = &f.error {
            notifications.push(json!({
                "level": "error",
                "message": { "text": e },
                "locations": [{ "physicalLocation": { "artifactLocation": { "uri": uri(&f.file) } } }],
            }));
        }
        for d in &f.diagnostics {
            let mut result = json!({
                "ruleId": d.code.as_str(),
                "ruleIndex": codes.iter().position(|c| *c == d.code).unwrap_or(0),
                "level": level(d.severity),
                "message": { "text": text(d) },
                "locations": [{
                    "physicalLocation": {
                        "artifactLocation": { "uri": uri(&f.file) },
                        "region": region(&d.range),
                    },
                }],
            });
            if !d.path.is_empty() {
                result["locations"][0]["logicalLocations"] =
                    json!([{ "fullyQualifiedName": d.path }]);
            }
            if !d.related.is_empty() {
                result["relatedLocations"] = d
                    .related
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        json!({
                            "id": i,
                            "message": { "text": r.message },
                            "physicalLocation": {
                                "artifactLocation": { "uri": uri(r.file.as_deref().unwrap_or(&f.file)) },
                                "region": region(&r.range),
                            },
                        })
                    })
                    .collect();
            }
            results.push(result);
        }
    }
    json!({
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "cps",
                "version": env!("CARGO_PKG_VERSION"),
                "rules": rules,
            } },
            "columnKind": "unicodeCodePoints",
            "invocations": [{
                "executionSuccessful": notifications.is_empty(),
                "toolExecutionNotifications": notifications,
            }],
            "results": results,
        }],
    })
}

/// A workflow command's message: `%`, CR and LF escaped (GitHub's rules for data); every other
/// control character shown escaped, so nothing read from a file drives the log.
fn data(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '%' => out.push_str("%25"),
            '\r' => out.push_str("%0D"),
            '\n' => out.push_str("%0A"),
            c => push_escaped(&mut out, c),
        }
    }
    out
}

/// A workflow command's property value: as [`data`], plus `:` and `,`.
fn property(s: &str) -> String {
    data(s).replace(':', "%3A").replace(',', "%2C")
}

/// The GitHub Actions annotations of a run: `::error file=…,line=…,col=…,endLine=…,
/// endColumn=…,title=…::message` per diagnostic (`::warning`, `::notice` for infos), the help
/// and related places as further lines of the message.
pub fn github(files: &[FileReport]) -> String {
    let mut out = String::new();
    for f in files {
        if let Some(e) = &f.error {
            out.push_str(&format!(
                "::error file={},title={}::{}\n",
                property(&f.file),
                property("cps: unreadable file"),
                data(e)
            ));
        }
        for d in &f.diagnostics {
            let command = match d.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "notice",
            };
            // Lines of the message, each escaped on its own; joined by the escaped line break.
            let mut lines = vec![data(&d.message)];
            if let Some(h) = &d.help {
                lines.push(data(&format!("help: {h}")));
            }
            for r in &d.related {
                lines.push(data(&format!(
                    "related: {}:{}:{}: {}",
                    r.file.as_deref().unwrap_or(&f.file),
                    r.range.line,
                    r.range.column,
                    r.message
                )));
            }
            out.push_str(&format!(
                "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}\n",
                property(&f.file),
                d.range.line,
                d.range.column,
                d.range.end_line,
                d.range.end_column,
                property(&format!("cps {}", d.code.as_str())),
                lines.join("%0A")
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_escape_by_githubs_rules() {
        assert_eq!(data("100% done\r\nnext"), "100%25 done%0D%0Anext");
        assert_eq!(property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(data("\u{1b}[31m"), "\\u{1b}[31m");
    }

    #[test]
    fn paths_become_uri_references() {
        assert_eq!(
            uri("cas/Marketing/VIP/vip.yml"),
            "cas/Marketing/VIP/vip.yml"
        );
        assert_eq!(uri("a b#1.yml"), "a%20b%231.yml");
        assert_eq!(uri("C:\\x\\é.yml"), "C%3A/x/%C3%A9.yml");
    }
}
