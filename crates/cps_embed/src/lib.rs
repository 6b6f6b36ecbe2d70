//! cps_embed: `cps_core` for documentation pages, as a small ES module (wasm-bindgen
//! `--target web`). A façade only: it parses options, calls the core and serialises its report;
//! no logic of its own.
//!
//! - `check(text, optionsJson)` → the JSON of `cps validate --format json` for one file, with
//!   columns in UTF-16 code units (what the browser indexes strings by).
//! - `convert(text, to, optionsJson)` → the converted text; throws the check report (JSON) when
//!   the config has errors that block conversion.
//! - `checkSegment(segment, parent, optionsJson)` → the report of a composable segment checked
//!   against its parent segment (a project of two files: `files[0]` is the segment, named
//!   `segment`; `files[1]` the parent, named `parent`; related places in the parent name it).
//!
//! `js/cps.js` wraps both with parsed, typed results; `cps.d.ts` holds the TypeScript types,
//! generated from the core's report types (see `tests/types.rs`).

use cps_core::diagnostics::report::{self, Report};
use cps_core::output::convert::{self, Target};
use cps_core::{ColumnUnit, IdentifierCase, Options, TypeProfile, Warehouse};
#[cfg(feature = "yaml")]
use cps_core::{Project, ProjectFile};
use wasm_bindgen::prelude::*;

/// Options as JSON: `{"warehouse": "snowflake"|"databricks"|"bigquery", "types":
/// "published"|"tdx-2026-07"|"tdx-2026-08"|"legacy-api-cas", "identifierCase":
/// "exact"|"lowercase"}`; every key optional, unknown values fall back to the documented
/// defaults (`current`, the default's old name, reads as `published`).
pub fn options_from_json(json: &str) -> Options {
    // The core's own JSON reader, already linked for configs: serde_json's reader would add
    // about 3 KB gzipped to each flavour for these three keys (BENCHMARKS.md).
    let parsed = cps_core::syntax::json::parse(json);
    let root = parsed.root.filter(|_| parsed.diagnostics.is_empty());
    let s = |k: &str| {
        root.as_ref()
            .and_then(|r| r.get(k))
            .and_then(|x| x.as_str())
            .unwrap_or("")
    };
    Options {
        warehouse: Warehouse::parse(s("warehouse")),
        types: TypeProfile::parse(s("types")).unwrap_or(TypeProfile::Published),
        identifier_case: IdentifierCase::parse(s("identifierCase"))
            .unwrap_or(IdentifierCase::Exact),
    }
}

/// The report of one text, as `cps validate --format json` prints it, with UTF-16 columns.
pub fn check_report(text: &str, options: &Options) -> String {
    let checked = cps_core::check(text, options);
    let report = Report {
        version: report::VERSION,
        files: vec![report::file_report(
            "input",
            text,
            &checked,
            ColumnUnit::Utf16,
        )],
    };
    serde_json::to_string(&report).unwrap_or_default()
}

#[wasm_bindgen]
pub fn check(text: &str, options: &str) -> String {
    check_report(text, &options_from_json(options))
}

/// A segment checked against its parent, as `cps validate --parent parent segment` reports it,
/// with UTF-16 columns: the segment's file first (`segment`), then the parent's (`parent`).
/// Not in the JSON-only flavour: segments are tdx YAML, which it cannot read (`cps-api.js`
/// throws for it).
#[cfg(feature = "yaml")]
pub fn check_segment_report(segment: &str, parent: &str, options: &Options) -> String {
    let mut parent_checked = cps_core::check(parent, options);
    parent_checked
        .expect_parent("the second text is the parent segment the first is checked against");
    let project = Project::link(vec![
        ProjectFile::new("segment", segment, cps_core::check(segment, options)),
        ProjectFile::new("parent", parent, parent_checked),
    ]);
    let report = Report {
        version: report::VERSION,
        files: report::project_reports(&project, ColumnUnit::Utf16),
    };
    serde_json::to_string(&report).unwrap_or_default()
}

#[cfg(feature = "yaml")]
#[wasm_bindgen(js_name = checkSegment)]
pub fn check_segment(segment: &str, parent: &str, options: &str) -> String {
    check_segment_report(segment, parent, &options_from_json(options))
}

/// Converts `text` (any input form, a GET response's flat shape included) to `to` (`api-json`,
/// `api-yaml` or `tdx-yaml`).
#[wasm_bindgen]
pub fn convert(text: &str, to: &str, options: &str) -> Result<String, JsValue> {
    let Some(target) = Target::parse(to) else {
        return Err(JsValue::from_str(&format!(
            "unknown format `{to}`: use api-json, api-yaml or tdx-yaml"
        )));
    };
    let options = options_from_json(options);
    convert::convert(text, &options, target)
        .map_err(|_| JsValue::from_str(&check_report(text, &options)))
}

/// The version of cps_core this module was built from.
#[wasm_bindgen]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_parse_with_defaults() {
        let o = options_from_json(r#"{"warehouse":"bigquery","types":"legacy-api-cas"}"#);
        assert_eq!(o.warehouse, Some(Warehouse::Bigquery));
        assert_eq!(o.types, TypeProfile::LegacyApiCas);
        assert_eq!(o.identifier_case, IdentifierCase::Exact);
        assert_eq!(options_from_json("not json"), Options::default());
    }

    #[test]
    fn a_get_response_is_checked_and_converted() {
        let text = r#"{"id": "9", "name": "N", "timezone": "UTC", "federatedQueryConfigId": "167",
          "masterSchema": "PUBLIC", "masterTable": "CUSTOMERS", "masterKeyColumn": "ID",
          "attributes": [{"name": "a", "federatedQueryConfigId": "167", "schema": "PUBLIC",
            "table": "CUSTOMERS", "tableKey": "ID", "masterKey": "ID", "column": "A"}],
          "behaviors": [], "population": null}"#;
        let v: serde_json::Value =
            serde_json::from_str(&check_report(text, &Options::default())).unwrap();
        assert_eq!(v["files"][0]["format"], "get-json");
        assert_eq!(v["files"][0]["kind"], "parent-segment");
        let options = options_from_json("{}");
        let body = convert::convert(text, &options, Target::ApiJson).unwrap();
        let body: serde_json::Value = serde_json::from_str(&body).unwrap();
        assert_eq!(body["master"]["table"], "CUSTOMERS");
        assert_eq!(
            options_from_json(r#"{"types":"current"}"#).types,
            TypeProfile::Published
        );
    }

    #[cfg(feature = "yaml")]
    #[test]
    fn a_segment_is_checked_against_its_parent() {
        let parent = "name: P\ntimezone: UTC\nmaster: {connection: '1', schema: S, table: T, key_column: K}\nattributes:\n  - {name: ltv, connection: '1', schema: S, table: T, join: {table_key: K, master_key: K}, column: LTV, type: number}\nbehaviors: []\n";
        let segment = "type: composable_segment\nname: 😀 big\nrule:\n  type: And\n  conditions:\n    - {type: Value, exclude: false, leftValue: {name: LTV}, operator: {type: Greater, not: false, rightValue: '1'}}\n";
        let v: serde_json::Value =
            serde_json::from_str(&check_segment_report(segment, parent, &Options::default()))
                .unwrap();
        assert_eq!(v["files"][0]["file"], "segment");
        assert_eq!(v["files"][0]["kind"], "segment");
        assert_eq!(v["files"][0]["parent"], "parent");
        let d = &v["files"][0]["diagnostics"][0];
        assert_eq!(d["code"], "unknown-attribute");
        assert_eq!(d["message"], "`LTV` is not an attribute of `P` (parent:5)");
        assert_eq!(d["related"][0]["file"], "parent");
        assert_eq!(d["related"][0]["line"], 5);
        // The parent given as a segment is refused as one.
        let v: serde_json::Value =
            serde_json::from_str(&check_segment_report(segment, segment, &Options::default()))
                .unwrap();
        assert_eq!(v["files"][1]["diagnostics"][0]["code"], "segment-file");
    }

    #[test]
    fn report_has_the_cli_shape_with_utf16_columns() {
        let v: serde_json::Value = serde_json::from_str(&check_report(
            "name: 😀\ntimezone: Tokyo\n",
            &Options::default(),
        ))
        .unwrap();
        assert_eq!(v["version"], 1);
        let d = v["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["code"] == "invalid-timezone")
            .unwrap()
            .clone();
        assert_eq!(
            (
                d["line"].as_u64(),
                d["column"].as_u64(),
                d["endColumn"].as_u64()
            ),
            (Some(2), Some(11), Some(16))
        );
    }
}
