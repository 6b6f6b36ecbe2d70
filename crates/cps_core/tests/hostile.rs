//! Hostile input: every case must end in diagnostics, never a panic, a hang or unbounded
//! memory. Every range must lie inside the text, on character boundaries.

#![cfg(feature = "yaml")]

use cps_core::{check, check_bytes, Code, Options};

#[path = "support/sample.rs"]
mod sample;

fn assert_span(text: &str, span: cps_core::Span, d: &cps_core::Diagnostic) {
    assert!(span.start <= span.end, "{d:?}");
    assert!((span.end as usize) <= text.len(), "{d:?}");
    assert!(text.is_char_boundary(span.start as usize), "{d:?}");
    assert!(text.is_char_boundary(span.end as usize), "{d:?}");
}

fn assert_sane(text: &str, checked: &cps_core::Checked) {
    for d in &checked.diagnostics {
        for span in std::iter::once(d.span).chain(d.related.iter().map(|r| r.span)) {
            assert_span(text, span, d);
        }
        assert!(!d.message.is_empty());
    }
}

fn codes(text: &str) -> Vec<Code> {
    let checked = check(text, &Options::default());
    assert_sane(text, &checked);
    checked.diagnostics.iter().map(|d| d.code).collect()
}

#[test]
fn alias_bombs_are_refused() {
    let mut doc = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
    for i in 1..40 {
        doc.push_str(&format!(
            "a{i}: &a{i} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n",
            p = i - 1
        ));
    }
    assert_eq!(codes(&doc), vec![Code::ResourceLimit]);
}

#[test]
fn every_way_to_amplify_through_aliases_is_refused() {
    // A large scalar replayed many times (the scalar-byte budget counts every copy).
    let big = "x".repeat(2_000_000);
    let mut doc = format!("a: &a \"{big}\\t\"\nb: [");
    doc.push_str(&"*a, ".repeat(40));
    doc.push_str("*a]\n");
    assert_eq!(codes(&doc), vec![Code::ResourceLimit]);
    // Merge keys replaying the same mapping over and over.
    let mut doc = String::from("m: &m {");
    doc.push_str(
        &(0..500)
            .map(|i| format!("k{i}: {i}"))
            .collect::<Vec<_>>()
            .join(", "),
    );
    doc.push_str("}\nl:\n");
    for _ in 0..300 {
        doc.push_str("  - <<: *m\n");
    }
    assert_eq!(codes(&doc), vec![Code::ResourceLimit]);
    // One huge anchored list, and anchors nested in anchors: every event is copied into each
    // open anchor, so 15 nested anchors around 7,000 items cost 105,000 copies.
    let wide = format!("a: &w [{}]\n", ["y"; 120_000].join(", "));
    assert_eq!(codes(&wide), vec![Code::ResourceLimit]);
    let items = ["y"; 7_000].join(", ");
    let nested = format!("a: {}{items}{}\n", "&a [".repeat(15), "]".repeat(15));
    assert_eq!(codes(&nested), vec![Code::ResourceLimit]);
    // Many aliases to one anchor.
    let mut doc = String::from("a: &a x\nb: [");
    doc.push_str(&"*a, ".repeat(200));
    doc.push_str("*a]\n");
    assert_eq!(codes(&doc), vec![Code::ResourceLimit]);
}

#[test]
fn self_referencing_alias_is_an_error() {
    assert_eq!(codes("a: &a [*a]\n"), vec![Code::YamlSyntax]);
}

#[test]
fn deep_nesting_is_refused_in_both_syntaxes() {
    assert_eq!(
        codes(&format!("{}{}", "[".repeat(200_000), "]".repeat(200_000))),
        vec![Code::ResourceLimit]
    );
    assert_eq!(
        codes(&format!("a: {}", "[".repeat(200_000))),
        vec![Code::ResourceLimit]
    );
    let block: String = (0..500)
        .map(|i| format!("{}k{i}:\n", "  ".repeat(i)))
        .collect();
    assert_eq!(codes(&block), vec![Code::ResourceLimit]);
    assert_eq!(codes(&format!("a: {}", "- ".repeat(100_000))).len(), 1);
}

#[test]
fn inputs_over_the_cap_are_refused() {
    let big = "#".repeat(cps_core::MAX_INPUT_BYTES + 1);
    assert_eq!(codes(&big), vec![Code::InputTooLarge]);
    let checked = check_bytes(big.as_bytes(), &Options::default());
    assert_eq!(checked.diagnostics[0].code, Code::InputTooLarge);
}

#[test]
fn ten_megabyte_configs_are_read() {
    // A valid config of ~10 MB: every behavior is checked, and nothing is reported.
    let text = cps_core::output::convert::to_api_json(
        &check(&sample::tdx_config(9_000, 10), &Options::default())
            .config
            .unwrap(),
        &cps_core::resolve_settings(None, &Options::default()),
    );
    assert!(text.len() > 10_000_000, "{}", text.len());
    let checked = check(&text, &Options::default());
    assert!(
        checked.diagnostics.is_empty(),
        "{:?}",
        &checked.diagnostics[..1]
    );
}

#[test]
fn long_lines_and_huge_scalars() {
    let line = format!("name: {}\n", "x".repeat(5_000_000));
    codes(&line);
    let key = format!("{}: 1\n", "k".repeat(100_000));
    codes(&key);
    let json = format!("{{\"name\": \"{}\"}}", "\\u00e9".repeat(500_000));
    codes(&json);
}

#[test]
fn many_keys_in_one_object() {
    let mut json = String::from("{");
    for i in 0..200_000 {
        json.push_str(&format!("\"k{i}\": {i},"));
    }
    json.push_str("\"k0\": 0}");
    let c = codes(&json);
    assert!(c.contains(&Code::DuplicateKey));
}

#[test]
fn binary_junk_and_control_characters() {
    let mut bytes: Vec<u8> = (0..=255u8).cycle().take(100_000).collect();
    assert_eq!(
        check_bytes(&bytes, &Options::default()).diagnostics[0].code,
        Code::NotUtf8
    );
    bytes.retain(|b| b.is_ascii());
    let text = String::from_utf8(bytes).unwrap();
    let checked = check(&text, &Options::default());
    assert_sane(&text, &checked);
    assert!(checked.has_errors());
    codes("name: \u{0}\u{1}\u{7f}\n");
    codes("{\"name\": \"\u{0}\"}");
}

#[test]
fn boms_crlf_and_tabs() {
    let text = "\u{feff}name: x\r\ntimezone: UTC\r\n";
    let c = codes(text);
    assert!(!c.contains(&Code::YamlSyntax), "{c:?}");
    assert!(codes("name: x\n\tmaster: 1\n").contains(&Code::YamlSyntax));
    assert!(!codes("\u{feff}\u{feff}{}").is_empty());
    assert!(!codes("\r\r\r").is_empty());
}

#[test]
fn every_prefix_of_a_real_config_is_handled() {
    // Truncation at every character boundary: a file cut off mid-way must give diagnostics.
    for text in [
        include_str!("fixtures/valid/snowflake-api.json"),
        include_str!("fixtures/valid/snowflake-tdx.yaml"),
        include_str!("fixtures/valid/quoted-crlf-bom.yaml"),
    ] {
        for (i, _) in text.char_indices() {
            let cut = &text[..i];
            let checked = check(cut, &Options::default());
            assert_sane(cut, &checked);
        }
    }
}

const PARENT: &str = include_str!("projects/pulled-valid/cas/customer360.yml");

/// Checks a parent and a segment as one project; every range must lie inside its own file, and
/// a related place in the other file inside that one.
fn project(parent: &str, segment: &str) -> cps_core::Project {
    let project = cps_core::Project::check(
        [("cas/parent.yml", parent), ("cas/segment.yml", segment)],
        &Options::default(),
    );
    for f in &project.files {
        for d in &f.checked.diagnostics {
            assert_span(&f.text, d.span, d);
            assert!(!d.message.is_empty());
            for r in &d.related {
                let text = match &r.file {
                    Some(other) => project.file(other).unwrap().text.as_str(),
                    None => f.text.as_str(),
                };
                assert_span(text, r.span, d);
            }
        }
    }
    project
}

#[test]
fn every_prefix_of_a_segment_and_of_its_parent_is_handled() {
    for segment in [
        include_str!("projects/pulled-invalid/cas/high-value.yml"),
        include_str!("projects/pulled-valid/cas/Marketing/VIP/vip.yml"),
    ] {
        for (i, _) in segment.char_indices() {
            project(PARENT, &segment[..i]);
        }
    }
    let segment = include_str!("projects/pulled-invalid/cas/high-value.yml");
    for (i, _) in PARENT.char_indices().step_by(5) {
        project(&PARENT[..i], segment);
    }
}

/// Every fifth character of the segments replaced by characters that change YAML's structure.
#[test]
fn damaged_segments_give_diagnostics() {
    for segment in [
        include_str!("projects/pulled-invalid/cas/high-value.yml"),
        include_str!("projects/pulled-invalid/cas/Retention/shapes.yml"),
    ] {
        let chars: Vec<char> = segment.chars().collect();
        for i in (0..chars.len()).step_by(5) {
            for c in [':', '{', '\u{0}', '"'] {
                let mut damaged = chars.clone();
                damaged[i] = c;
                let text: String = damaged.into_iter().collect();
                project(PARENT, &text);
            }
        }
    }
}

#[test]
fn deeply_nested_groups_are_refused_and_shallow_ones_read() {
    let nested = |depth: usize| {
        let mut doc = String::from("type: composable_segment\nname: Deep\nrule:\n");
        for i in 0..depth {
            let pad = "  ".repeat(2 * i + 1);
            doc.push_str(&format!("{pad}type: And\n{pad}conditions:\n{pad}  -\n"));
        }
        let pad = "  ".repeat(2 * depth + 1);
        doc.push_str(&format!(
            "{pad}type: Value\n{pad}leftValue: {{ name: ltv }}\n{pad}operator: {{ type: IsNull, not: false, rightValue: true }}\n"
        ));
        doc
    };
    assert_eq!(codes(&nested(400)), vec![Code::ResourceLimit]);
    // A rule of `d` nested groups is 2d + 3 levels deep: 30 groups are the most the limit reads.
    assert_eq!(2 * 30 + 3, cps_core::MAX_DEPTH - 1);
    assert_eq!(codes(&nested(31)), vec![Code::ResourceLimit]);
    // Seven nested groups are a real rule (S31 allows any nesting); the old limit of 16 levels
    // refused it with `resource-limit`. Up to the limit, a rule reads without an error, on a
    // 1 MiB stack like the page's wasm (native debug frames are the larger ones).
    for depth in [3, 7, 30] {
        let text = nested(depth);
        let errors = std::thread::Builder::new()
            .stack_size(1 << 20)
            .spawn(move || {
                let p = project(PARENT, &text);
                p.files[1]
                    .checked
                    .diagnostics
                    .iter()
                    .filter(|d| d.severity == cps_core::Severity::Error)
                    .map(|d| format!("{}: {}", d.code.as_str(), d.message))
                    .collect::<Vec<_>>()
            })
            .unwrap()
            .join()
            .expect("no stack overflow");
        assert!(errors.is_empty(), "{depth} groups: {errors:#?}");
    }
    // The same nesting in JSON.
    let json = format!(
        "{{\"type\": \"composable_segment\", \"name\": \"x\", \"rule\": {}{}}}",
        "{\"type\": \"And\", \"conditions\": [".repeat(5_000),
        "]}".repeat(5_000)
    );
    assert_eq!(codes(&json), vec![Code::ResourceLimit]);
}

/// A segment with tens of thousands of conditions naming fields a parent with thousands of
/// attributes does not have: every name is reported, suggestions are bounded, nothing is
/// quadratic (the test would not finish otherwise).
#[test]
fn many_unknown_names_against_a_large_parent() {
    let parent = sample::tdx_config(5_000, 2);
    let mut segment = String::from(
        "{\"type\": \"composable_segment\", \"name\": \"many\", \"rule\": {\"type\": \"Or\", \"conditions\": [",
    );
    for i in 0..40_000 {
        if i > 0 {
            segment.push(',');
        }
        segment.push_str(&format!(
            "{{\"type\": \"Value\", \"exclude\": false, \"leftValue\": {{\"name\": \"field_{i}_{}\"}}, \"operator\": {{\"type\": \"Equal\", \"not\": false, \"rightValue\": \"x\"}}}}",
            "z".repeat(i % 50)
        ));
    }
    segment.push_str("]}}");
    let project = project(&parent, &segment);
    let unknown = project.files[1]
        .checked
        .diagnostics
        .iter()
        .filter(|d| d.code == Code::UnknownAttribute)
        .count();
    assert_eq!(unknown, 40_000);
}

#[test]
fn hostile_values_in_segments() {
    let huge = "x".repeat(2_000_000);
    let texts = [
        format!("type: composable_segment\nname: n\nrule: {{type: And, conditions: [{{type: Value, leftValue: {{name: {huge}}}, operator: {{type: {huge}, rightValue: {huge}}}}}]}}\n"),
        "type: composable_segment\nname: \"\\u001b]0;x\\u0007\"\nrule: {type: And, conditions: [{type: Value, leftValue: {name: \"\\u202e\\u0000\"}, operator: {type: Equal, rightValue: \"\\u0000\"}}]}\n".to_string(),
        "type: composable_segment\nrule: [1, 2]\nactivations: {a: 1}\n".to_string(),
        "type: composable_segment\nrule: {type: And, conditions: {a: 1}}\nactivations: [1, [2], {columns: {a: 1}, schedule: [1]}]\n".to_string(),
        "type: composable_segment\nrule: {type: And, conditions: [1, [], null, {conditions: 5}, {type: Value, leftValue: 1, operator: []}]}\n".to_string(),
        "{\"type\": \"composable_segment\", \"rule\": {\"type\": \"And\", \"conditions\": [{\"type\": \"Value\", \"leftValue\": {\"name\": \"ltv\"}, \"operator\": {\"type\": \"Between\", \"minValue\": {\"timestamp\": 5}, \"maxValue\": {\"last\": [], \"unit\": {}}, \"rightValues\": [{}, [], null]}, \"arrayMatching\": {\"atLeast\": \"x\", \"atMost\": 1}}]}}".to_string(),
    ];
    for text in &texts {
        let p = project(PARENT, text);
        assert!(p.has_errors(), "{text:.200}");
    }
}
