//! Runs the old reader (serde-saphyr, `old_yaml.rs`) and the new one (`cps_core::yaml`) on one
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
//!   return (a line break to YAML, not to the index) and after a byte-order mark before the content
//!   (which the parser skips without counting a column), so there it pointed at
//!   the wrong place; the new reader uses the parser's byte offsets. Such an old position is
//!   accepted when it is exactly that translation of the new one.

use super::old_yaml;
use cps_core::{Code, Diagnostic, LineIndex};

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

/// Line (1-based) and column (0-based) of `at` as granit-parser counts them: `\r\n`, `\r` and
/// `\n` each end a line, and a byte-order mark that the parser skips (at the start of a line,
/// before any content) takes no column.
fn parser_line_col(text: &str, at: usize) -> (u64, u64) {
    let (mut line, mut col) = (1u64, 0u64);
    let mut content = false;
    let mut chars = text[..at].chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' => {
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                line += 1;
                col = 0;
            }
            '\n' => {
                line += 1;
                col = 0;
            }
            '\u{feff}' if col == 0 && !content => {}
            ' ' | '\t' => col += 1,
            _ => {
                content = true;
                col += 1;
            }
        }
    }
    (line, col)
}

/// Whether the old reader's error offset is the new one's, or the line:column translation the old
/// reader made of it.
fn same_place(text: &str, index: &LineIndex, old: usize, new: usize) -> bool {
    if old == new {
        return true;
    }
    if new > text.len() || !text.is_char_boundary(new) {
        return false;
    }
    let (line, col) = parser_line_col(text, new);
    index.offset_of(text, line, col + 1) == old
}

/// `None` when the readers agree, else what differs.
pub fn compare(text: &str) -> Option<String> {
    let index = LineIndex::new(text);
    let old = old_yaml::parse(text, &index);
    let new = cps_core::yaml::parse(text, &index);
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
