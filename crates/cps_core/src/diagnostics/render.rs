//! Human-readable diagnostics: a source frame with the range underlined, like rustc. Pure
//! string building; the CLI decides about colour (only on a terminal, never with NO_COLOR).

use crate::diagnostics::{Diagnostic, Severity};
use crate::syntax::span::{ColumnUnit, LineIndex, Span};
use std::fmt::Write;

pub struct Style {
    pub color: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

fn sev_color(s: Severity) -> &'static str {
    match s {
        Severity::Error => "1;31",
        Severity::Warning => "1;33",
        Severity::Info => "1;36",
    }
}

pub fn render(file: &str, text: &str, index: &LineIndex, d: &Diagnostic, style: &Style) -> String {
    let mut out = String::new();
    let head = format!("{}[{}]", d.severity.as_str(), d.code.as_str());
    let _ = writeln!(
        out,
        "{}: {}",
        style.paint(sev_color(d.severity), &head),
        style.paint("1", &d.message)
    );
    let pos = index.line_col(text, d.span.start, ColumnUnit::Chars);
    let last_line = d
        .related
        .iter()
        .map(|r| index.line_of(r.span.start))
        .chain([index.line_of(d.span.start)])
        .max()
        .unwrap_or(0);
    let width = (last_line + 1).to_string().len();
    let gutter = " ".repeat(width);
    let _ = writeln!(
        out,
        "{gutter}{} {file}:{}:{}",
        style.paint("1;34", "-->"),
        pos.line,
        pos.column
    );
    let bar = style.paint("1;34", "|");
    let _ = writeln!(out, "{gutter} {bar}");
    frame(
        &mut out,
        text,
        index,
        d.span,
        '^',
        "",
        sev_color(d.severity),
        width,
        style,
    );
    // A few related places make the point; a long list would bury the message.
    const SHOWN: usize = 3;
    for r in d.related.iter().take(SHOWN) {
        frame(
            &mut out, text, index, r.span, '-', &r.message, "1;34", width, style,
        );
    }
    if d.related.len() > SHOWN {
        let _ = writeln!(
            out,
            "{gutter} {} and {} more places",
            style.paint("1;34", "="),
            d.related.len() - SHOWN
        );
    }
    if !d.path.is_empty() {
        let _ = writeln!(out, "{gutter} {} at: {}", style.paint("1;34", "="), d.path);
    }
    if let Some(help) = &d.help {
        let _ = writeln!(out, "{gutter} {} help: {help}", style.paint("1;34", "="));
    }
    out
}

#[allow(clippy::too_many_arguments)]
fn frame(
    out: &mut String,
    text: &str,
    index: &LineIndex,
    span: Span,
    mark: char,
    label: &str,
    color: &str,
    width: usize,
    style: &Style,
) {
    let line = index.line_of(span.start);
    let range = index.line_range(text, line);
    let line_text = &text[range.clone()];
    // Very long lines (minified JSON) are cut around the range so the frame stays readable.
    let start_in_line = (span.start as usize).clamp(range.start, range.end) - range.start;
    let end_in_line = (span.end as usize).clamp(range.start, range.end) - range.start;
    let (shown, offset) = window(line_text, start_in_line);
    let col = line_text
        [offset..crate::syntax::span::floor_char_boundary(line_text, start_in_line.max(offset))]
        .chars()
        .count();
    let len = line_text[crate::syntax::span::floor_char_boundary(line_text, start_in_line)
        ..crate::syntax::span::floor_char_boundary(line_text, end_in_line.max(start_in_line))]
        .chars()
        .count()
        .clamp(1, shown.chars().count().saturating_sub(col).max(1));
    let shown: String = shown
        .chars()
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect();
    let bar = style.paint("1;34", "|");
    let num = style.paint("1;34", &format!("{:>width$}", line + 1));
    let _ = writeln!(out, "{num} {bar} {shown}");
    let marks: String = std::iter::repeat_n(mark, len).collect();
    let label = if label.is_empty() {
        String::new()
    } else {
        format!(" {label}")
    };
    let _ = writeln!(
        out,
        "{} {bar} {}{}",
        " ".repeat(width),
        " ".repeat(col),
        style.paint(color, &format!("{marks}{label}"))
    );
}

/// At most ~120 characters of a line, starting a little before `at` when the line is long.
fn window(line: &str, at: usize) -> (&str, usize) {
    const MAX: usize = 120;
    if line.len() <= MAX {
        return (line, 0);
    }
    let start = crate::syntax::span::floor_char_boundary(line, at.saturating_sub(40));
    let end = crate::syntax::span::floor_char_boundary(line, (start + MAX).min(line.len()));
    (&line[start..end], start)
}
