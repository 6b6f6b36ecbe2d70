//! Generated files must match their generators: `docs/diagnostics.md` and
//! `schema/cps.schema.json`. Run with `CPS_BLESS=1` to rewrite them after a deliberate change.

// Tests read fixtures and write blessed files; the purity lints are for the library.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use std::path::Path;

#[path = "support/reference.rs"]
mod reference;

fn check_file(rel: &str, expected: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel);
    if std::env::var_os("CPS_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, expected).unwrap();
        return;
    }
    let actual = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        actual == expected,
        "{rel} is stale: run `CPS_BLESS=1 cargo test -p cps_core --test generated`"
    );
}

#[test]
fn diagnostics_reference_is_current() {
    check_file("docs/diagnostics.md", &reference::diagnostics_markdown());
}

#[test]
fn json_schema_is_current() {
    check_file(
        "schema/cps.schema.json",
        &cps_core::output::schema::json_schema_text(),
    );
}

#[test]
fn json_schema_accepts_the_examples_shape() {
    // The schema's required keys and properties come from the same tables as the decoder.
    let schema = cps_core::output::schema::json_schema();
    let defs = schema["definitions"].as_object().unwrap();
    for def in [
        "api-config",
        "tdx-config",
        "api-behavior",
        "tdx-behavior",
        "tdx-join",
    ] {
        assert!(defs.contains_key(def), "{def}");
    }
    let tdx_required = defs["tdx-config"]["required"].as_array().unwrap();
    assert!(tdx_required.iter().any(|v| v == "master"));
    assert!(!tdx_required.iter().any(|v| v == "kind"));
}
