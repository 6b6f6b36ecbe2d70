//! Runs the old reader (serde-saphyr, `old_yaml.rs`) and the new one (`cps_core::syntax::yaml`) on one
//! text and says how they differ. Shared by `tests/yaml_differential.rs` and the `yaml_diff` fuzz
//! target.
//!
//! What must agree:
//! - when both read the text: the whole tree, every value and every byte span;
//! - when both refuse it: the diagnostic code and the byte offset where it points, and for YAML
//!   syntax and duplicate keys the message too.
//!
//! Deliberate differences, each an improvement:
//! - The old reader reported an exceeded alias-replay limit as `yaml-syntax` ("YAML document too
//!   large or too complex: …"); the new one reports it as what it is, `resource-limit` (an alias
//!   bomb), at the same place.
//! - Budget messages (`resource-limit`) are written anew: the old ones printed the serde-saphyr
//!   breach's debug form ("the file exceeds a safety limit of the YAML reader (Documents { … })").
//! - A duplicate key now also points at its first occurrence (`related`), and help texts differ.
//! - The old reader placed every error by the parser's line and column, which it translated back
//!   into a byte offset with our line index. The two count differently after a lone carriage
//!   return (a line break to YAML, not to the index) and after a byte-order mark the parser skips
//!   (it takes no column), so there the old reader pointed at the wrong place; the new reader uses
//!   the parser's byte offsets. Such an old position is accepted when it is exactly that
//!   translation of the parser position the new one points at.

use super::old_yaml;
use cps_core::{Code, Diagnostic, LineIndex};
use std::collections::HashMap;

fn describe(text: &str, index: &LineIndex, d: &Diagnostic) -> String {
    let at = index.line_col(text, d.span.start, cps_core::ColumnUnit::Chars);
    format!(
        "{} at {}:{} (byte {}): {}",
        d.code.as_str(),
        at.line,
        at.column,
        d.span.start,
        d.message
    )
}

/// Line (1-based) and column (0-based), as granit-parser counts them, of every event start and of
/// the parser's error, by byte offset: where the old reader's line:column came from.
fn parser_positions(text: &str) -> HashMap<usize, (u64, u64)> {
    let mut options = granit_parser::Options::default();
    options.flow_nesting_limit = cps_core::MAX_DEPTH;
    options.set_emit_comments(false);
    let mut positions = HashMap::new();
    for item in granit_parser::Parser::new_from_str_with_options(text, options) {
        let marker = match &item {
            Ok((_, span)) => span.start,
            Err(e) => *e.marker(),
        };
        if let Some(at) = marker.byte_offset() {
            positions
                .entry(at)
                .or_insert((marker.line() as u64, marker.col() as u64));
        }
        if item.is_err() {
            break;
        }
    }
    positions
}

/// Whether the old reader's error offset is the new one's, or the line:column translation the old
/// reader made of the same parser position.
fn same_place(text: &str, index: &LineIndex, old: usize, new: usize) -> bool {
    if old == new {
        return true;
    }
    match parser_positions(text).get(&new) {
        Some(&(line, col)) => index.offset_of(text, line, col + 1) == old,
        None => false,
    }
}

/// `None` when the readers agree, else what differs.
pub fn compare(text: &str) -> Option<String> {
    let index = LineIndex::new(text);
    let old = old_yaml::parse(text, &index);
    let new = cps_core::syntax::yaml::parse(text, &index);
    match (old, new) {
        (Ok(old), Ok(new)) => {
            if old == new {
                None
            } else {
                Some(format!("trees differ\n--- old\n{old:?}\n--- new\n{new:?}"))
            }
        }
        (Err(old), Err(new)) => {
            let old_code = if old.code == Code::YamlSyntax
                && old
                    .message
                    .starts_with("YAML document too large or too complex")
            {
                Code::ResourceLimit
            } else {
                old.code
            };
            let same_message = match old_code {
                Code::YamlSyntax | Code::DuplicateKey => old.message == new.message,
                _ => true,
            };
            let place = same_place(
                text,
                &index,
                old.span.start as usize,
                new.span.start as usize,
            );
            if old_code == new.code && place && same_message {
                None
            } else {
                Some(format!(
                    "errors differ\n--- old: {}\n--- new: {}",
                    describe(text, &index, &old),
                    describe(text, &index, &new)
                ))
            }
        }
        (Ok(old), Err(new)) => Some(format!(
            "only the new reader refuses the text: {}\n--- old tree\n{old:?}",
            describe(text, &index, &new)
        )),
        (Err(old), Ok(new)) => Some(format!(
            "only the old reader refuses the text: {}\n--- new tree\n{new:?}",
            describe(text, &index, &old)
        )),
    }
}
