//! Stage 5 of [`super::inspect_key`]: the report. Armor and damage become diagnostics once the
//! content's kind is known (a bare SubjectPublicKeyInfo body is what `ALTER USER` takes, not
//! damage), and the report says whether the outputs come from repaired text.

use super::armor::{Located, Marker};
use super::scan::Damage;
use super::{KeyKind, KeyReport};
use cps_core::diagnostics::{Code, Diagnostic};
use cps_core::Span;

/// Armor diagnostics, once the content's kind is known: a missing, damaged or wrong BEGIN or
/// END line.
pub fn armor(
    text: &str,
    begin: &Option<Marker>,
    end: &Option<Marker>,
    label_kind: Option<KeyKind>,
    report: &mut KeyReport,
) {
    let kind = report.kind;
    let Some(want) = kind.label() else { return };
    let fix = format!("the key starts with `-----BEGIN {want}-----` and ends with `-----END {want}-----`; cps adds them");
    let marker_span = |m: &Marker| Span::new(m.start, m.end);
    match (begin, end) {
        (None, None) => {
            // A bare SubjectPublicKeyInfo body is what ALTER USER takes: not damage.
            if kind != KeyKind::SpkiPublic {
                report.diagnostics.push(
                    Diagnostic::new(
                        Code::KeyMissingArmor,
                        format!(
                            "the BEGIN and END lines are missing; the content is a {}",
                            kind.describe()
                        ),
                        Span::empty(text.len() - text.trim_start().len()),
                    )
                    .help(fix),
                );
            }
            return;
        }
        (None, Some(e)) => report.diagnostics.push(
            Diagnostic::new(
                Code::KeyMissingArmor,
                "the BEGIN line is missing",
                Span::empty(text.len() - text.trim_start().len()),
            )
            .related(marker_span(e), "the END line")
            .help(fix.clone()),
        ),
        (Some(b), None) => report.diagnostics.push(
            Diagnostic::new(
                Code::KeyMissingArmor,
                "the END line is missing (the copy may be cut short)",
                Span::empty(text.trim_end().len()),
            )
            .related(marker_span(b), "the BEGIN line")
            .help(fix.clone()),
        ),
        (Some(b), Some(e)) if b.label != e.label => report.diagnostics.push(
            Diagnostic::new(
                Code::KeyMissingArmor,
                format!(
                    "the END line says `{}`, the BEGIN line `{}`",
                    e.label, b.label
                ),
                marker_span(e),
            )
            .related(marker_span(b), "the BEGIN line")
            .help(fix.clone()),
        ),
        _ => {}
    }
    for m in [begin, end].into_iter().flatten() {
        if !m.well_formed {
            report.diagnostics.push(
                Diagnostic::new(
                    Code::KeyMissingArmor,
                    "this line is damaged: PEM lines have five dashes on each side, e.g. `-----BEGIN PRIVATE KEY-----`",
                    marker_span(m),
                )
                .help(fix.clone()),
            );
        }
    }
    let said = begin.as_ref().or(end.as_ref());
    if let (Some(m), Some(l)) = (said, label_kind) {
        if l != kind && m.well_formed {
            report.diagnostics.push(
                Diagnostic::new(
                    Code::KeyMissingArmor,
                    format!(
                        "the label says `{}`, but the content is a {}",
                        m.label,
                        kind.describe()
                    ),
                    marker_span(m),
                )
                .help(fix),
            );
        }
    } else if let (Some(m), None) = (said, label_kind) {
        report.diagnostics.push(
            Diagnostic::new(
                Code::KeyMissingArmor,
                format!(
                    "`{}` is not a key label; the content is a {}",
                    m.label,
                    kind.describe()
                ),
                marker_span(m),
            )
            .help(fix),
        );
    }
}

/// Stage 5: the damage found by the armor and the scan, as diagnostics, once the kind is known
/// (`readable`: the body decoded to a key). Damage is reported when the text is a PEM key,
/// readable or not (it is what to fix), and for bare text that reads as a key; not for text that
/// is no key at all.
pub fn damage(at: Located, readable: bool, report: &mut KeyReport) {
    let armored = at.armored();
    if !armored && !readable {
        return;
    }
    let Located {
        begin,
        end,
        start,
        stop,
        junk,
        mut damage,
        ..
    } = at;
    if begin.as_ref().or(end.as_ref()).map(|m| m.label.as_str()) == Some("OPENSSH PRIVATE KEY") {
        // OpenSSH wraps at 70 characters; the format itself is the problem.
        damage.long_line = None;
    }
    let bare_public = !armored && report.kind == KeyKind::SpkiPublic;
    // Spaces that replaced line breaks are reported as one line, not as stray spaces.
    let breaks_as_spaces = damage.spaces_for_breaks && armored && damage.escaped.is_none();
    for (span, where_) in junk {
        report.diagnostics.push(
            Diagnostic::new(Code::KeyJunk, format!("text {where_} is not part of the key"), span)
                .help("cps reads the key alone; paste only the key file's text, without quotes or surrounding text"),
        );
    }
    report.diagnostics.extend(
        [
            one_line(
                &damage,
                breaks_as_spaces,
                bare_public,
                Span::new(start, stop),
            ),
            crlf(&damage),
            whitespace(&damage, breaks_as_spaces, start),
        ]
        .into_iter()
        .flatten(),
    );
    report.repaired = report.diagnostics.iter().any(|d| {
        matches!(
            d.code,
            Code::KeyOneLine
                | Code::KeyMissingArmor
                | Code::KeyCrlf
                | Code::KeyWhitespace
                | Code::KeyJunk
        )
    });
}

const REWRAP: &str =
    "paste the key with real line breaks (TD: not one long line); cps shows the key rewrapped";

/// Lost line breaks: `\n` escapes, breaks turned into spaces, the body joined to BEGIN or END,
/// or lines longer than PEM's 64 characters. A bare public body on one line is what `ALTER USER`
/// takes, not damage.
fn one_line(
    damage: &Damage,
    breaks_as_spaces: bool,
    bare_public: bool,
    region: Span,
) -> Option<Diagnostic> {
    if let Some(at) = damage.escaped {
        return Some(Diagnostic::new(
            Code::KeyOneLine,
            "the line breaks are written as `\\n` (the key was copied from a JSON or code string)",
            Span::new(at, at + 2),
        )
        .help("paste the key with real line breaks; TD's key field wants the PEM file as it is, one line per 64 characters"));
    }
    if breaks_as_spaces {
        let at = damage.header_joined.or(damage.long_line).unwrap_or(region);
        return Some(
            Diagnostic::new(
                Code::KeyOneLine,
                "the key is on one line: its line breaks became spaces",
                at,
            )
            .help(REWRAP),
        );
    }
    if bare_public {
        return None;
    }
    if let Some(at) = damage.header_joined.or(damage.footer_joined) {
        let what = match (
            damage.header_joined.is_some(),
            damage.footer_joined.is_some(),
        ) {
            (true, true) => "the BEGIN line, the key and the END line are on one line",
            (true, false) => "the key starts on the BEGIN line",
            _ => "the END line follows the key on the same line",
        };
        return Some(Diagnostic::new(Code::KeyOneLine, what, at).help(REWRAP));
    }
    let at = damage.long_line?;
    let what = if damage.content_lines == 1 {
        format!(
            "the key's body is one line of {} characters; PEM lines hold 64",
            damage.longest
        )
    } else {
        format!(
            "the key has lines of up to {} characters; PEM lines hold 64",
            damage.longest
        )
    };
    Some(Diagnostic::new(Code::KeyOneLine, what, at).help(REWRAP))
}

fn crlf(damage: &Damage) -> Option<Diagnostic> {
    let at = damage.cr?;
    Some(
        Diagnostic::new(
            Code::KeyCrlf,
            format!(
                "the key has Windows line endings ({} CR characters)",
                damage.cr_count
            ),
            Span::new(at, at + 1),
        )
        .help(
            "cps writes the key with LF line endings; save key files with Unix (LF) line endings",
        ),
    )
}

/// Blank lines and spaces or tabs in or around the body (not the spaces that replaced line
/// breaks: those are one-line damage).
fn whitespace(damage: &Damage, breaks_as_spaces: bool, start: usize) -> Option<Diagnostic> {
    let mut ws = Vec::new();
    if damage.blank_count > 0 {
        ws.push(plural(damage.blank_count, "blank line"));
    }
    if damage.space_lines > 0 && !breaks_as_spaces {
        ws.push(format!(
            "spaces or tabs on {}",
            plural(damage.space_lines, "line")
        ));
    }
    if ws.is_empty() {
        return None;
    }
    let at = match (damage.blank, damage.space) {
        (Some(a), Some(b)) => a.min(b),
        (a, b) => a.or(b).unwrap_or(start),
    };
    Some(
        Diagnostic::new(
            Code::KeyWhitespace,
            format!("the key has stray whitespace: {}", ws.join(", ")),
            Span::new(at, at + 1),
        )
        .help("PEM has no blank lines or spaces; cps removed them (an indented or re-wrapped copy is the usual cause)"),
    )
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
