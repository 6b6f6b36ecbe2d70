//! Human-readable diagnostics: a source frame with the range underlined, like rustc. Pure
//! string building; the CLI decides about colour (only on a terminal, never with NO_COLOR).

use crate::diagnostics::settings::with_flags;
use crate::diagnostics::{Diagnostic, Severity};
use crate::syntax::span::{ColumnUnit, LineIndex, Span};
use std::borrow::Cow;
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

/// Whether `c` must not reach a terminal as it is: control characters (ESC starts escape
/// sequences that recolour, retitle or rewrite the terminal) and the bidirectional overrides
/// that make text read differently from what it is.
pub fn needs_escape(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Appends `c`, escaped as Rust writes it (`\t`, `\u{1b}`) when [`needs_escape`] says so.
pub fn push_escaped(out: &mut String, c: char) {
    if needs_escape(c) {
        out.extend(c.escape_default());
    } else {
        out.push(c);
    }
}

/// `s` with every character [`needs_escape`] names escaped: what every human output shows of a
/// text it did not write itself (messages carry names from files, exports and keys).
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(needs_escape) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// A diagnostic as a terminal frame. Everything from the input (the message's names, the help,
/// the source line, the file name) is shown with control characters escaped ([`escape`]).
pub fn render(file: &str, text: &str, index: &LineIndex, d: &Diagnostic, style: &Style) -> String {
    render_in(file, text, index, d, style, &|_| None)
}

/// [`render`] in a project: a related place in another file is framed from that file's text,
/// found through `others`, under a `:::` line naming it (a file it does not know gets a note).
pub fn render_in<'a>(
    file: &str,
    text: &str,
    index: &LineIndex,
    d: &Diagnostic,
    style: &Style,
    others: &crate::diagnostics::report::Lookup<'a>,
) -> String {
    let mut out = String::new();
    let head = format!("{}[{}]", d.severity.as_str(), d.code.as_str());
    let _ = writeln!(
        out,
        "{}: {}",
        style.paint(sev_color(d.severity), &head),
        style.paint("1", &escape(&d.message))
    );
    body(&mut out, file, text, index, d, "", style, others);
    out
}

/// A diagnostic's frame below its heading: the place, related places, path and help. `label`
/// goes beside the underline (a group's first place carries its own message there).
#[allow(clippy::too_many_arguments)]
fn body<'a>(
    out: &mut String,
    file: &str,
    text: &str,
    index: &LineIndex,
    d: &Diagnostic,
    label: &str,
    style: &Style,
    others: &crate::diagnostics::report::Lookup<'a>,
) {
    let file = escape(file);
    let pos = index.line_col(text, d.span.start, ColumnUnit::Chars);
    let (here, elsewhere): (Vec<_>, Vec<_>) = d.related.iter().partition(|r| r.file.is_none());
    let elsewhere: Vec<_> = elsewhere
        .into_iter()
        .map(|r| (r, r.file.as_deref().and_then(others)))
        .collect();
    let last_line = here
        .iter()
        .map(|r| index.line_of(r.span.start))
        .chain([index.line_of(d.span.start)])
        .chain(
            elsewhere
                .iter()
                .filter_map(|(r, o)| o.map(|(_, i)| i.line_of(r.span.start))),
        )
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
        out,
        text,
        index,
        d.span,
        '^',
        label,
        sev_color(d.severity),
        width,
        style,
    );
    // A few related places make the point; a long list would bury the message.
    const SHOWN: usize = 3;
    for r in here.iter().take(SHOWN) {
        frame(
            out, text, index, r.span, '-', &r.message, "1;34", width, style,
        );
    }
    if here.len() > SHOWN {
        let _ = writeln!(
            out,
            "{gutter} {} and {} more places",
            style.paint("1;34", "="),
            here.len() - SHOWN
        );
    }
    for (r, other) in elsewhere.iter().take(SHOWN) {
        match other {
            Some((t, i)) => {
                let pos = i.line_col(t, r.span.start, ColumnUnit::Chars);
                let _ = writeln!(
                    out,
                    "{gutter}{} {}:{}:{}",
                    style.paint("1;34", ":::"),
                    escape(r.file.as_deref().unwrap_or_default()),
                    pos.line,
                    pos.column
                );
                let _ = writeln!(out, "{gutter} {bar}");
                frame(out, t, i, r.span, '-', &r.message, "1;34", width, style);
            }
            None => {
                let _ = writeln!(
                    out,
                    "{gutter} {} note: {}: {}",
                    style.paint("1;34", "="),
                    escape(r.file.as_deref().unwrap_or_default()),
                    escape(&r.message)
                );
            }
        }
    }
    if !d.path.is_empty() {
        let _ = writeln!(
            out,
            "{gutter} {} at: {}",
            style.paint("1;34", "="),
            escape(&d.path)
        );
    }
    if let Some(help) = &d.help {
        let _ = writeln!(
            out,
            "{gutter} {} help: {}",
            style.paint("1;34", "="),
            escape(&with_flags(help))
        );
    }
}

/// A group of findings of one kind ([`crate::diagnostics::group`]) as the terminal shows it: one
/// diagnostic as [`render_in`] frames it; several as one heading with their count and the
/// code's summary; the first place framed in full, its message beside the underline; then
/// every other place on a line of its own (position, path, message, and its fix unless all share
/// one, said once with the first place's).
pub fn render_group<'a>(
    file: &str,
    text: &str,
    index: &LineIndex,
    g: &crate::diagnostics::group::Group<'_>,
    style: &Style,
    others: &crate::diagnostics::report::Lookup<'a>,
) -> String {
    if g.single() {
        return render_in(file, text, index, g.first(), style, others);
    }
    let mut out = String::new();
    let file = escape(file);
    let head = format!("{}[{}]", g.severity.as_str(), g.code.as_str());
    let _ = writeln!(
        out,
        "{}: {}",
        style.paint(sev_color(g.severity), &head),
        style.paint(
            "1",
            &format!("{} places: {}", g.places.len(), g.code.doc().summary)
        )
    );
    let shared = g.shared_help();
    let arrow = style.paint("1;34", "-->");
    let eq = style.paint("1;34", "=");
    body(
        &mut out,
        &file,
        text,
        index,
        g.first(),
        &g.first().message,
        style,
        others,
    );
    let _ = writeln!(out, " {eq} and at:");
    for d in &g.places[1..] {
        let pos = index.line_col(text, d.span.start, ColumnUnit::Chars);
        let path = if d.path.is_empty() {
            String::new()
        } else {
            format!(" {}:", escape(&d.path))
        };
        let _ = writeln!(
            out,
            " {arrow} {file}:{}:{}{path} {}",
            pos.line,
            pos.column,
            escape(&d.message)
        );
        if let (None, Some(help)) = (shared, &d.help) {
            let _ = writeln!(out, "     {eq} help: {}", escape(&with_flags(help)));
        }
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
    // Columns count displayed characters: a tab shows as one space, an escaped control
    // character as its escape (`\u{1b}` is six wide).
    let width_of = |t: &str| -> usize {
        t.chars()
            .map(|c| {
                if needs_escape(c) && c != '\t' {
                    c.escape_default().count()
                } else {
                    1
                }
            })
            .sum()
    };
    let col = width_of(
        &line_text[offset
            ..crate::syntax::span::floor_char_boundary(line_text, start_in_line.max(offset))],
    );
    let shown_width = width_of(shown);
    let len = width_of(
        &line_text[crate::syntax::span::floor_char_boundary(line_text, start_in_line)
            ..crate::syntax::span::floor_char_boundary(line_text, end_in_line.max(start_in_line))],
    )
    .clamp(1, shown_width.saturating_sub(col).max(1));
    let mut line_shown = String::with_capacity(shown.len());
    for c in shown.chars() {
        if c == '\t' {
            line_shown.push(' ');
        } else {
            push_escaped(&mut line_shown, c);
        }
    }
    let shown = line_shown;
    let bar = style.paint("1;34", "|");
    let num = style.paint("1;34", &format!("{:>width$}", line + 1));
    let _ = writeln!(out, "{num} {bar} {shown}");
    let marks: String = std::iter::repeat_n(mark, len).collect();
    let label = if label.is_empty() {
        String::new()
    } else {
        format!(" {}", escape(label))
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Code, Diagnostic};

    #[test]
    fn control_characters_never_reach_the_terminal() {
        // A name carrying an escape sequence (set the window title, clear the screen) and a
        // right-to-left override, in the file, the message, the help and the file name.
        let text = "name: \"\u{1b}]0;owned\u{7}x\u{202e}y\"\ntimezone: UTC\n";
        let start = text.find('x').unwrap();
        let d = Diagnostic::new(
            Code::EmptyValue,
            format!("`{}` is odd", &text[6..start + 1]),
            Span::new(start, start + 1),
        )
        .help("rename \u{1b}[2J it");
        let out = render(
            "a\u{1b}[31m.yaml",
            text,
            &LineIndex::new(text),
            &d,
            &Style { color: false },
        );
        assert!(
            out.chars().all(|c| c == '\n' || !needs_escape(c)),
            "{out:?}"
        );
        assert!(out.contains("\\u{1b}]0;owned\\u{7}x\\u{202e}y"), "{out}");
        assert!(out.contains("a\\u{1b}[31m.yaml:1:"), "{out}");
        assert!(out.contains("help: rename \\u{1b}[2J it"), "{out}");
        // The caret sits under the `x` as displayed: after the escapes' own width.
        let lines: Vec<&str> = out.lines().collect();
        let source = lines.iter().find(|l| l.starts_with("1 |")).unwrap();
        let marks = lines.iter().find(|l| l.contains('^')).unwrap();
        assert_eq!(source.find("x\\u{202e}"), marks.find('^'), "{out}");
        assert_eq!(escape("plain"), Cow::Borrowed("plain"));
    }
}
