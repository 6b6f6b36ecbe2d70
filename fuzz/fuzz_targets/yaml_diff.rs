//! Differential fuzzing of the YAML reader: the new reader (`cps_core::syntax::yaml`, folded from
//! granit-parser's events) against the serde-saphyr reader it replaced (kept as test support in
//! `crates/cps_core/tests/support/old_yaml.rs`). Both must give the same tree with the same spans,
//! or the same error at the same place (`support/differential.rs` lists the deliberate
//! differences). The new reader must also never panic and keep every span inside the text on
//! character boundaries.
#![no_main]

#[path = "../../crates/cps_core/tests/support/differential.rs"]
mod differential;
#[path = "../../crates/cps_core/tests/support/old_yaml.rs"]
mod old_yaml;

use cps_core::syntax::tree::{Node, Value};
use libfuzzer_sys::fuzz_target;

fn assert_spans(text: &str, node: &Node<'_>) {
    let mut stack = vec![node];
    while let Some(n) = stack.pop() {
        let mut spans = vec![n.span];
        match &n.value {
            Value::Seq(items) => stack.extend(items.iter()),
            Value::Map(entries) => {
                for e in entries {
                    spans.push(e.key_span);
                    stack.push(&e.value);
                }
            }
            _ => {}
        }
        for s in spans {
            let (start, end) = (s.start as usize, s.end as usize);
            assert!(start <= end && end <= text.len(), "span {start}..{end}");
            assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        }
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let index = cps_core::LineIndex::new(text);
    match cps_core::syntax::yaml::parse(text, &index) {
        Ok(root) => assert_spans(text, &root),
        Err(d) => {
            let (start, end) = (d.span.start as usize, d.span.end as usize);
            assert!(start <= end && end <= text.len());
            assert!(text.is_char_boundary(start) && text.is_char_boundary(end));
        }
    }
    if let Some(diff) = differential::compare(text) {
        panic!("the readers differ on {text:?}:\n{diff}");
    }
});
