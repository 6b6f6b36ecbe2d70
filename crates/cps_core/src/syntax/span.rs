//! Byte ranges into the source text, and the conversion of a byte offset to the line:column an
//! editor or a terminal shows. Everything inside the core speaks bytes; columns exist only at the
//! edges, with an explicit unit (characters for terminals and JSON output, UTF-16 code units for
//! the browser editor).

use serde::Serialize;

/// A half-open byte range `start..end` into the checked text.
///
/// `u32` keeps tree nodes small; the reader refuses inputs over [`crate::MAX_INPUT_BYTES`], so
/// every offset fits.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct Span {
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        let start = u32::try_from(start).unwrap_or(u32::MAX);
        let end = u32::try_from(end).unwrap_or(u32::MAX).max(start);
        Span { start, end }
    }

    pub fn empty(at: usize) -> Span {
        Span::new(at, at)
    }

    pub fn range(self) -> std::ops::Range<usize> {
        self.start as usize..self.end as usize
    }

    pub fn is_empty(self) -> bool {
        self.start == self.end
    }
}

/// 1-based position of a character, with the column counted in the unit the caller asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct LineCol {
    pub line: u32,
    pub column: u32,
}

/// Which unit columns are counted in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ColumnUnit {
    /// Unicode scalar values: what a terminal shows and what `cps validate --format json` reports.
    Chars,
    /// UTF-16 code units: what browser editors (CodeMirror, Monaco) index by.
    Utf16,
}

/// Start offsets of every line, built once per text so that each lookup is a binary search.
#[derive(Clone, Debug)]
pub struct LineIndex {
    line_starts: Vec<u32>,
    len: u32,
}

impl LineIndex {
    pub fn new(text: &str) -> LineIndex {
        // A lone `\r` (old Mac) is not a line break for YAML 1.2 either, so only `\n` counts; a
        // `\r` before it stays at the end of the previous line and is trimmed when shown.
        // `match_indices` on a char uses a memchr-style search, several times faster than a
        // byte loop on large files.
        let line_starts = std::iter::once(0)
            .chain(
                text.match_indices('\n')
                    .map(|(i, _)| u32::try_from(i + 1).unwrap_or(u32::MAX)),
            )
            .collect();
        LineIndex {
            line_starts,
            len: u32::try_from(text.len()).unwrap_or(u32::MAX),
        }
    }

    /// An index from line starts a parser collected (`0` first, then the offset after every
    /// `\n`, ascending).
    pub fn from_line_starts(line_starts: Vec<u32>, len: usize) -> LineIndex {
        LineIndex {
            line_starts,
            len: u32::try_from(len).unwrap_or(u32::MAX),
        }
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// 0-based line containing `offset` (clamped to the text).
    pub fn line_of(&self, offset: u32) -> usize {
        let offset = offset.min(self.len);
        match self.line_starts.binary_search(&offset) {
            Ok(i) => i,
            Err(i) => i - 1,
        }
    }

    /// Where 0-based line `line`'s text starts: after a byte order mark on the first line, which
    /// editors do not show, so columns on line 1 of a BOM file count as the user sees them (the
    /// BOM counted as a column put every line-1 finding one column to the right).
    fn shown_start(&self, text: &str, line: usize) -> usize {
        let start = self.line_starts.get(line).copied().unwrap_or(self.len) as usize;
        if start == 0 && text.starts_with('\u{feff}') {
            '\u{feff}'.len_utf8()
        } else {
            start
        }
    }

    /// Byte range of 0-based line `line` as shown, without its line break (nor a byte order mark).
    pub fn line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let range = self.raw_line_range(text, line);
        self.shown_start(text, line).min(range.end)..range.end
    }

    /// Byte range of 0-based line `line`, without its line break; a byte order mark included.
    fn raw_line_range(&self, text: &str, line: usize) -> std::ops::Range<usize> {
        let start = self.line_starts.get(line).copied().unwrap_or(self.len) as usize;
        let mut end = self
            .line_starts
            .get(line + 1)
            .map(|&s| s as usize - 1)
            .unwrap_or(text.len());
        let bytes = text.as_bytes();
        if end > start && bytes.get(end - 1) == Some(&b'\r') {
            end -= 1;
        }
        start..end.max(start)
    }

    /// 1-based line and column of `offset`. An offset inside a multi-byte character counts as
    /// that character.
    pub fn line_col(&self, text: &str, offset: u32, unit: ColumnUnit) -> LineCol {
        let line = self.line_of(offset);
        // Characters are what a terminal or a CI annotation shows: a BOM is not one of them.
        // UTF-16 columns index an editor's document, which holds the BOM if the text does.
        let start = match unit {
            ColumnUnit::Chars => self.shown_start(text, line),
            ColumnUnit::Utf16 => self.line_starts[line] as usize,
        };
        let end = floor_char_boundary(text, (offset.min(self.len)) as usize);
        let prefix = text.get(start..end.max(start)).unwrap_or("");
        let column = match unit {
            ColumnUnit::Chars => prefix.chars().count(),
            ColumnUnit::Utf16 => prefix.encode_utf16().count(),
        };
        LineCol {
            line: u32::try_from(line + 1).unwrap_or(u32::MAX),
            column: u32::try_from(column + 1).unwrap_or(u32::MAX),
        }
    }

    /// Byte offset of 1-based `line` and character `column`, clamped to the line's end. Used to
    /// place positions that a parser reports only as line:column (the parser counts a byte
    /// order mark as a character, so this does too).
    pub fn offset_of(&self, text: &str, line: u64, column: u64) -> usize {
        let line0 = (line.max(1) - 1) as usize;
        if line0 >= self.line_starts.len() {
            return text.len();
        }
        let range = self.raw_line_range(text, line0);
        let line_text = &text[range.clone()];
        let skip = (column.max(1) - 1) as usize;
        match line_text.char_indices().nth(skip) {
            Some((i, _)) => range.start + i,
            None => range.end,
        }
    }
}

/// The largest char boundary at or below `i` (std's version is not stable on our MSRV).
pub fn floor_char_boundary(text: &str, i: usize) -> usize {
    let mut i = i.min(text.len());
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_or_utf16() {
        let text = "a: é😀x\r\nb: 1\n";
        let idx = LineIndex::new(text);
        let x = text.find('x').unwrap() as u32;
        assert_eq!(
            idx.line_col(text, x, ColumnUnit::Chars),
            LineCol { line: 1, column: 6 }
        );
        assert_eq!(
            idx.line_col(text, x, ColumnUnit::Utf16),
            LineCol { line: 1, column: 7 }
        );
        let b = text.find('b').unwrap() as u32;
        assert_eq!(
            idx.line_col(text, b, ColumnUnit::Chars),
            LineCol { line: 2, column: 1 }
        );
        assert_eq!(&text[idx.line_range(text, 0)], "a: é😀x");
        assert_eq!(idx.offset_of(text, 1, 6), x as usize);
        assert_eq!(idx.offset_of(text, 2, 1), b as usize);
        assert_eq!(idx.offset_of(text, 9, 1), text.len());
    }

    /// A BOM is invisible: line 1's columns and shown text start after it (in characters; an
    /// editor's UTF-16 index keeps it), and a parser's line:column still maps back.
    #[test]
    fn a_byte_order_mark_is_not_a_column() {
        let text = "\u{feff}name: \"\"\r\nb: 1\n";
        let idx = LineIndex::new(text);
        let q = text.find('"').unwrap() as u32;
        assert_eq!(
            idx.line_col(text, q, ColumnUnit::Chars),
            LineCol { line: 1, column: 7 }
        );
        assert_eq!(
            idx.line_col(text, q, ColumnUnit::Utf16),
            LineCol { line: 1, column: 8 }
        );
        assert_eq!(
            idx.line_col(text, 0, ColumnUnit::Chars),
            LineCol { line: 1, column: 1 }
        );
        assert_eq!(&text[idx.line_range(text, 0)], "name: \"\"");
        assert_eq!(idx.offset_of(text, 1, 8), q as usize);
    }

    #[test]
    fn offsets_past_the_end_are_clamped() {
        let text = "ab";
        let idx = LineIndex::new(text);
        assert_eq!(
            idx.line_col(text, 99, ColumnUnit::Chars),
            LineCol { line: 1, column: 3 }
        );
    }
}
