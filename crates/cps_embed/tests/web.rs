//! The façade in a real browser (headless Chromium via wasm-bindgen-test-runner): what the
//! embed's JavaScript receives.
#![cfg(target_arch = "wasm32")]

use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn report(text: &str, options: &str) -> serde_json::Value {
    serde_json::from_str(&cps_embed::check(text, options)).unwrap()
}

#[wasm_bindgen_test]
fn check_reports_utf16_columns_in_the_cli_shape() {
    let v = report("{\"name\": \"😀\",\n\"timezone\": \"Tokyo\"}", "{}");
    assert_eq!(v["version"], 1);
    let d = v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "invalid-timezone")
        .unwrap()
        .clone();
    // `😀` is two UTF-16 units: columns are what JS string indices see.
    assert_eq!(d["line"], 2);
    assert_eq!(d["column"], 13);
    assert_eq!(d["endColumn"], 20);
    assert_eq!(d["severity"], "error");
}

/// The JSON-only flavour (`--no-default-features`): JSON is checked, YAML is politely refused.
#[cfg(not(feature = "yaml"))]
#[wasm_bindgen_test]
fn json_only_flavour_checks_json_and_refuses_yaml() {
    let v = report(r#"{"name": "x", "timezone": "Tokyo"}"#, "{}");
    let codes: Vec<&str> = v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"invalid-timezone"), "{codes:?}");
    let y = report("name: x\n", "{}");
    assert_eq!(y["files"][0]["diagnostics"][0]["code"], "yaml-unsupported");
}

#[cfg(feature = "yaml")]
#[wasm_bindgen_test]
fn options_reach_the_core() {
    let text = include_str!("../../../examples/snowflake.yaml");
    assert_eq!(
        report(text, "{}")["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .len(),
        0
    );
    let bq = report(text, r#"{"warehouse":"bigquery"}"#);
    assert_eq!(bq["files"][0]["settings"]["warehouse"], "bigquery");
    assert!(bq["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["code"] == "missing-catalog"));
}

#[cfg(feature = "yaml")]
#[wasm_bindgen_test]
fn convert_returns_text_or_throws_the_report() {
    let text = include_str!("../../../examples/snowflake.yaml");
    let body = cps_embed::convert(text, "api-json", "{}").unwrap();
    assert!(body.contains("\"isComposable\": true"));
    let err = cps_embed::convert("timezone: Tokyo\n", "api-json", "{}").unwrap_err();
    let thrown: serde_json::Value = serde_json::from_str(&err.as_string().unwrap()).unwrap();
    assert_eq!(thrown["version"], 1);
    assert!(cps_embed::convert(text, "xml", "{}").is_err());
}

/// A JSON copy of `GET /audiences/{id}` (the flat shape), in both flavours: checked as
/// `get-json` and converted to the nested create body.
#[wasm_bindgen_test]
fn a_get_response_is_checked_and_converted_in_the_browser() {
    let text = include_str!("../../cps_core/tests/fixtures/valid/get-response.json");
    let v = report(text, "{}");
    assert_eq!(v["files"][0]["format"], "get-json");
    assert_eq!(v["files"][0]["kind"], "parent-segment");
    assert!(!v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .any(|d| d["severity"] == "error"));
    let body: serde_json::Value =
        serde_json::from_str(&cps_embed::convert(text, "api-json", "{}").unwrap()).unwrap();
    assert_eq!(body["master"]["schema"], "PUBLIC");
    assert_eq!(body["master"]["name"], "CUSTOMERS");
}

/// A segment checked against its parent in the browser, in both flavours (the texts are YAML
/// and JSON respectively): UTF-16 columns, the related place in the parent's text.
#[wasm_bindgen_test]
fn a_segment_is_checked_against_a_parent_given_as_a_second_text() {
    #[cfg(feature = "yaml")]
    let (parent, segment, line) = (
        include_str!("../../../examples/snowflake.yaml"),
        "type: composable_segment\nname: 😀 VIP\nrule:\n  type: And\n  conditions:\n    - type: Value\n      exclude: false\n      leftValue: { name: 😀Email }\n      operator: { type: Equal, not: false, rightValue: x }\n",
        8,
    );
    #[cfg(not(feature = "yaml"))]
    let (parent, segment, line) = (
        include_str!("../../cps_core/tests/fixtures/valid/snowflake-api.json"),
        "{\"type\": \"composable_segment\", \"name\": \"😀 VIP\", \"rule\": {\"type\": \"And\", \"conditions\": [\n {\"type\": \"Value\", \"exclude\": false, \"leftValue\": {\"name\": \"😀Email\"},\n \"operator\": {\"type\": \"Equal\", \"not\": false, \"rightValue\": \"x\"}}]}}",
        2,
    );
    let v: serde_json::Value =
        serde_json::from_str(&cps_embed::check_segment(segment, parent, "{}")).unwrap();
    assert_eq!(v["version"], 1);
    assert_eq!(v["files"][0]["kind"], "segment");
    assert_eq!(v["files"][0]["parent"], "parent");
    assert_eq!(v["files"][1]["kind"], "parent-segment");
    let d = v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unknown-attribute")
        .unwrap()
        .clone();
    assert_eq!(d["severity"], "error");
    assert_eq!(d["line"], line);
    // `😀` is two UTF-16 units: the range ends where JS string indices say.
    assert_eq!(
        d["endColumn"].as_u64().unwrap() - d["column"].as_u64().unwrap(),
        "😀Email".encode_utf16().count() as u64 + if cfg!(feature = "yaml") { 0 } else { 2 }
    );
    assert_eq!(d["related"][0]["file"], "parent");
    assert!(d["help"]
        .as_str()
        .unwrap()
        .contains("did you mean `email`?"));
}
