//! Fuzzes `cps_core::check_bytes`, `convert::convert` and projects (a parent with its segments)
//! with arbitrary bytes.
//!
//! cps_core promises no panics and bounded time/memory on any input, and every front-end slices
//! the text with diagnostic spans, so a span out of range or inside a UTF-8 character would panic
//! there. Conversion output must itself be a valid config, so it is checked again and must have
//! no errors. In a project every related place that names another file must lie inside that
//! file's text: the input is checked as a segment against a real parent (also with the segment
//! marker put in front, so the segment reader sees most inputs), as the parent of a real
//! segment, and, split at its first NUL byte, as a parent and a segment of its own.
#![no_main]

use cps_core::output::convert::{convert, Target};
use cps_core::{check, check_bytes, Checked, Options, Project, Severity, Span, Warehouse};
use libfuzzer_sys::fuzz_target;

fn assert_span(text: &str, span: Span, what: &str) {
    let (start, end) = (span.start as usize, span.end as usize);
    assert!(start <= end, "{what} span {start}..{end}: start > end");
    assert!(
        end <= text.len(),
        "{what} span {start}..{end} past text length {}",
        text.len()
    );
    assert!(
        text.is_char_boundary(start),
        "{what} span start {start} not a char boundary"
    );
    assert!(
        text.is_char_boundary(end),
        "{what} span end {end} not a char boundary"
    );
}

fn assert_spans(text: &str, checked: &Checked) {
    for d in &checked.diagnostics {
        assert_span(text, d.span, d.code.as_str());
        for r in &d.related {
            assert_span(text, r.span, "related");
        }
    }
}

const PARENT: &str =
    include_str!("../../crates/cps_core/tests/projects/pulled-valid/cas/customer360.yml");
const SEGMENT: &str =
    include_str!("../../crates/cps_core/tests/projects/pulled-valid/cas/high-value.yml");

/// Checks the named texts as one project and asserts every range, related places in other files
/// against those files' texts.
fn project(files: &[(&str, &str)]) {
    let project = Project::check(
        files.iter().map(|(n, t)| (n.to_string(), t.to_string())),
        &Options::default(),
    );
    for f in &project.files {
        for d in &f.checked.diagnostics {
            assert_span(&f.text, d.span, d.code.as_str());
            for r in &d.related {
                let text = match &r.file {
                    Some(other) => &project.file(other).expect("a file of the project").text,
                    None => &f.text,
                };
                assert_span(text, r.span, "related");
            }
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let valid_utf8 = std::str::from_utf8(data).is_ok();

    let defaults = Options::default();
    assert_spans(&text, &check_bytes(data, &defaults));
    for w in Warehouse::ALL {
        let options = Options {
            warehouse: Some(w),
            ..Default::default()
        };
        assert_spans(&text, &check_bytes(data, &options));
    }

    project(&[("cas/parent.yml", PARENT), ("cas/input.yml", &text)]);
    project(&[("cas/input.yml", &text), ("cas/segment.yml", SEGMENT)]);
    let marked = format!("type: composable_segment\n{text}");
    project(&[("cas/parent.yml", PARENT), ("cas/input.yml", &marked)]);
    if let Some(nul) = text.find('\0') {
        project(&[("a.yml", &text[..nul]), ("b.yml", &text[nul + 1..])]);
    }

    if valid_utf8 {
        for target in [Target::ApiJson, Target::TdxYaml] {
            if let Ok(out) = convert(&text, &defaults, target) {
                let again = check(&out, &defaults);
                assert_spans(&out, &again);
                let errors: Vec<_> = again
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == Severity::Error)
                    .map(|d| format!("{} at {}: {}", d.code.as_str(), d.path, d.message))
                    .collect();
                assert!(
                    errors.is_empty(),
                    "{target:?} output is not a valid config: {errors:#?}\n--- output ---\n{out}"
                );
            }
        }
    }
});
