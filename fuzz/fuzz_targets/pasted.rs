//! Fuzzes what users paste into the Snowflake step and the CLI (`cps_snowflake`): keys
//! (`keys::inspect_key`, with and without a passphrase, `fingerprint_matches`), catalog exports
//! (`catalog::parse_catalog`, then `check_with_catalog` on the example config) and check-pack
//! results (`pack::check_pack_report`).
//!
//! Each must return diagnostics or an error, never panic or hang, and every range must lie inside
//! the text it points into (the page and the CLI slice with them).
#![no_main]

use cps_core::{Options, Span};
use cps_snowflake::{catalog, keys, pack};
use libfuzzer_sys::fuzz_target;

const EXAMPLE: &str = include_str!("../../examples/snowflake.yaml");

fn assert_span(text: &str, span: Span, what: &str) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(start <= end && end <= text.len(), "{what}: span {start}..{end} outside 0..{}", text.len());
    assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "{what}: span {start}..{end} splits a character");
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);

    let report = keys::inspect_key(&text);
    for d in &report.diagnostics {
        assert_span(&text, d.span, d.code.as_str());
    }
    let opened = keys::inspect_key_with(&text, Some(b"test-only"));
    for d in &opened.diagnostics {
        assert_span(&text, d.span, d.code.as_str());
    }
    if let Some(fp) = &report.fingerprint {
        assert!(fp.starts_with("SHA256:"));
        let _ = keys::fingerprint_matches(fp, &text);
    }

    let config = cps_core::check(EXAMPLE, &Options::default()).config.expect("the example parses");
    if let Ok(cat) = catalog::parse_catalog(&text) {
        let checked = cps_snowflake::check_with_catalog(EXAMPLE, &Options::default(), Some(&cat));
        for d in &checked.diagnostics {
            assert_span(EXAMPLE, d.span, d.code.as_str());
        }
        let _ = catalog::completions(&cat);
    }
    if let Ok(findings) = pack::check_pack_report(&config, &text) {
        for f in findings.iter().filter_map(|f| f.span) {
            assert_span(EXAMPLE, f, "check-pack finding");
        }
    }
});
