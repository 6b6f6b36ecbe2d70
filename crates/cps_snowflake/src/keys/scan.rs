//! Stage 2 of [`super::inspect_key`]: the body's scan. Collects the base64 characters with the
//! place of each in the text (so a DER offset maps back to a character), and notes every kind of
//! copy-paste damage on the way (CR, spaces, blank lines, `\n` escapes, joined and long lines).
//! The first character that belongs in no key ends the scan.

use super::armor::Located;
use cps_core::Span;

/// The body's characters and damage, and the first character that is no part of a key.
pub struct Scanned {
    pub body: Body,
    pub bad: Option<Span>,
}

/// Scans the located body; the damage goes into `at.damage`.
pub fn body(text: &str, at: &mut Located) -> Scanned {
    let mut body = Body::default();
    let bad = scan_region(
        text,
        at.start,
        at.stop,
        at.begin.is_some(),
        at.end.is_some(),
        &mut body,
        &mut at.damage,
    );
    at.damage.cr_count = text.bytes().filter(|&b| b == b'\r').count();
    at.damage.cr = text.find('\r');
    Scanned { body, bad }
}

/// Base64 characters (the standard alphabet and `=`).
pub fn is_base64_char(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'+' || b == b'/' || b == b'='
}

/// Copy-paste damage found in the text; reported once the kind is known.
#[derive(Default)]
pub struct Damage {
    /// First `\r`, and how many.
    pub cr: Option<usize>,
    pub cr_count: usize,
    /// Spaces or tabs at the start or end of lines, or inside them.
    pub space: Option<usize>,
    pub space_lines: usize,
    /// Blank lines inside the body.
    pub blank: Option<usize>,
    pub blank_count: usize,
    /// `\n` written as two characters.
    pub escaped: Option<usize>,
    /// The BEGIN line and the body share a line; the body and the END line share a line.
    pub header_joined: Option<Span>,
    pub footer_joined: Option<Span>,
    /// No line break at all in the body, but spaces between its parts.
    pub spaces_for_breaks: bool,
    /// Lines longer than 64: the first one's span, and the longest length.
    pub long_line: Option<Span>,
    pub longest: usize,
    pub content_lines: usize,
}

/// The base64 characters of the body and the text offset of each.
#[derive(Default)]
pub struct Body {
    pub chars: Vec<u8>,
    pub pos: Vec<u32>,
}

impl Body {
    pub fn span_of_char(&self, i: usize, text_len: usize) -> Span {
        match self.pos.get(i) {
            Some(&p) => Span::new(p as usize, p as usize + 1),
            None => Span::empty(self.pos.last().map_or(text_len, |&p| p as usize + 1)),
        }
    }

    /// The text span of the character carrying DER byte `at`.
    pub fn span_of_byte(&self, at: usize, text_len: usize) -> Span {
        let i = (at / 3) * 4 + at % 3;
        self.span_of_char(i.min(self.chars.len().saturating_sub(1)), text_len)
    }
}

/// The line being scanned, and what earlier lines left pending.
struct LineState {
    begin: bool,
    end_marker: bool,
    start: usize,
    /// Base64 characters on the line, where they start and end.
    content: usize,
    first: Option<usize>,
    last: usize,
    /// The first space or tab on the line.
    spaces: Option<usize>,
    is_first: bool,
    /// Blank lines after content, reported only when content (or the END line) follows.
    pending_blank: Option<usize>,
    pending_blanks: usize,
    seen_content: bool,
}

impl LineState {
    fn commit_blanks(&mut self, damage: &mut Damage) {
        if self.pending_blanks > 0 {
            damage.blank = damage.blank.or(self.pending_blank);
            damage.blank_count += self.pending_blanks;
            self.pending_blank = None;
            self.pending_blanks = 0;
        }
    }

    /// Ends the current line. `last`: it is the region's final line. The BEGIN line's rest and
    /// the END line's start are not body lines: content there means the lines were joined.
    fn end_line(&mut self, last: bool, next_start: usize, damage: &mut Damage) {
        let is_first = std::mem::replace(&mut self.is_first, false);
        let on_begin = is_first && self.begin;
        let on_end = last && self.end_marker;
        if self.content == 0 {
            if let Some(sp) = self.spaces {
                damage.space.get_or_insert(sp);
                damage.space_lines += 1;
            }
            if !(on_begin || on_end) && (self.begin || self.seen_content) {
                self.pending_blank.get_or_insert(self.start);
                self.pending_blanks += 1;
            }
            if on_end {
                self.commit_blanks(damage);
            }
        } else {
            self.commit_blanks(damage);
            self.seen_content = true;
            let joined = Span::new(self.first.unwrap_or(self.start), self.last);
            if on_begin {
                damage.header_joined = Some(joined);
            }
            if on_end {
                damage.footer_joined = Some(joined);
            }
            // Spaces that separate the body from BEGIN/END on a joined line belong to the
            // joined line, not to stray whitespace.
            if !(on_begin || on_end) {
                if let Some(sp) = self.spaces {
                    damage.space.get_or_insert(sp);
                    damage.space_lines += 1;
                }
            }
            damage.content_lines += 1;
            if self.content > 64 {
                damage.long_line.get_or_insert(joined);
            }
            damage.longest = damage.longest.max(self.content);
        }
        self.start = next_start;
        self.content = 0;
        self.first = None;
        self.spaces = None;
    }
}

/// Scans `text[start..end]` as a PEM body. `begin`/`end_marker`: whether a BEGIN line precedes
/// and an END line follows (their lines' rests are not body lines). Returns the span of the
/// first character that is not base64 or whitespace, if any.
fn scan_region(
    text: &str,
    start: usize,
    end: usize,
    begin: bool,
    end_marker: bool,
    body: &mut Body,
    damage: &mut Damage,
) -> Option<Span> {
    let bytes = text.as_bytes();
    let mut line = LineState {
        begin,
        end_marker,
        start,
        content: 0,
        first: None,
        last: start,
        spaces: None,
        is_first: true,
        pending_blank: None,
        pending_blanks: 0,
        seen_content: false,
    };
    let mut breaks = 0usize;
    let mut inner_space: Option<usize> = None;
    let mut i = start;
    while i < end {
        match bytes[i] {
            b'\n' => {
                line.end_line(false, i + 1, damage);
                breaks += 1;
            }
            b'\\' if i + 1 < end && matches!(bytes[i + 1], b'n' | b'r') => {
                damage.escaped.get_or_insert(i);
                if bytes[i + 1] == b'n' {
                    line.end_line(false, i + 2, damage);
                    breaks += 1;
                }
                i += 2;
                continue;
            }
            b'\r' => {}
            b' ' | b'\t' => {
                line.spaces.get_or_insert(i);
                if line.content > 0 {
                    inner_space.get_or_insert(i);
                }
            }
            b if is_base64_char(b) => {
                line.content += 1;
                line.first.get_or_insert(i);
                line.last = i + 1;
                body.chars.push(b);
                body.pos.push(u32::try_from(i).unwrap_or(u32::MAX));
            }
            _ => {
                let len = text[i..].chars().next().map_or(1, char::len_utf8);
                return Some(Span::new(i, i + len));
            }
        }
        i += 1;
    }
    line.end_line(true, end, damage);
    if breaks == 0 && damage.escaped.is_none() && inner_space.is_some() {
        damage.spaces_for_breaks = true;
    }
    None
}
