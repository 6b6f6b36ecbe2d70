//! Stage 1 of [`super::inspect_key`]: the armor. Finds the BEGIN and END lines even when they
//! are damaged (short dashes, a missing line, a wrong label), sets aside text around the key
//! (quotes, a variable name, `RSA_PUBLIC_KEY='…'`), and recognises at once what is no PEM RSA
//! key. This repair is cps's own: PEM readers (`pem-rfc7468` included) refuse damaged text, and
//! saying what the damage is, at its place, is the point.

use super::scan::Damage;
use super::{encrypted, find_ascii_ci, openssh, unreadable, KeyKind, KeyReport};
use cps_core::diagnostics::{Code, Diagnostic};
use cps_core::Span;

/// Where the key is: its markers, the body's region, and what is not part of it.
pub struct Located {
    pub bom: usize,
    pub begin: Option<Marker>,
    pub end: Option<Marker>,
    /// The body's region (after the armor and junk are set aside).
    pub start: usize,
    pub stop: usize,
    pub junk: Vec<(Span, &'static str)>,
    /// Whitespace around the marker lines; the scan adds the body's damage.
    pub damage: Damage,
}

impl Located {
    /// The marker that names the label: the BEGIN line, else the END line.
    pub fn label_marker(&self) -> Option<&Marker> {
        self.begin.as_ref().or(self.end.as_ref())
    }

    pub fn label(&self) -> Option<&str> {
        self.label_marker().map(|m| m.label.as_str())
    }

    pub fn armored(&self) -> bool {
        self.begin.is_some() || self.end.is_some()
    }
}

/// A `-----BEGIN LABEL-----` or `-----END LABEL-----` marker.
#[derive(Clone, Debug)]
pub struct Marker {
    pub start: usize,
    pub end: usize,
    pub label: String,
    /// Five dashes on each side and nothing between them and the label.
    pub well_formed: bool,
}

/// The first marker with `word` (`BEGIN` or `END`) at or after `from`: at least one dash, the
/// word, a space, an upper-case label, dashes.
fn find_marker(text: &str, word: &str, from: usize) -> Option<Marker> {
    let bytes = text.as_bytes();
    let mut search = from;
    while let Some(i) = text.get(search..)?.find(word) {
        let at = search + i;
        search = at + word.len();
        // The dashes before the word, maybe with one space (`----- BEGIN`).
        let mut s = at;
        let spaced = s > 0 && bytes[s - 1] == b' ';
        if spaced {
            s -= 1;
        }
        let dash_end = s;
        while s > 0 && bytes[s - 1] == b'-' {
            s -= 1;
        }
        let lead = dash_end - s;
        // Without dashes, only at the start of a line (the copy began one character late).
        let line_start = s == 0 || bytes[s - 1] == b'\n';
        if (lead == 0 && !line_start) || bytes.get(at + word.len()) != Some(&b' ') {
            continue;
        }
        let label_start = at + word.len() + 1;
        let mut p = label_start;
        while p < bytes.len()
            && p - label_start <= 64
            && (bytes[p].is_ascii_uppercase() || bytes[p].is_ascii_digit() || bytes[p] == b' ')
        {
            p += 1;
        }
        let label = text[label_start..p].trim_end();
        if label.is_empty() || label.len() > 64 {
            continue;
        }
        let trailing_space = p - label_start != label.len();
        let mut e = p;
        while e < bytes.len() && bytes[e] == b'-' {
            e += 1;
        }
        let trail = e - p;
        // Without dashes, only at the end of a line (the copy ended early).
        if trail == 0 && !matches!(bytes.get(p), None | Some(b'\n') | Some(b'\r')) {
            continue;
        }
        return Some(Marker {
            start: s,
            end: e,
            label: label.to_string(),
            well_formed: lead == 5 && trail == 5 && !spaced && !trailing_space,
        });
    }
    None
}

/// Stage 1: finds the key in the text. Reports and ends the inspection (`None`) for what is no
/// PEM RSA key at all (empty text, PuTTY and SSH2 keys, an `ssh-rsa` line, EC/DSA labels,
/// certificates, OpenSSL's legacy encryption); otherwise returns the markers, the body's region
/// and the junk around it.
pub fn locate(text: &str, report: &mut KeyReport) -> Option<Located> {
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    if no_pem_key(text, bom, report) {
        return None;
    }
    let begin = find_marker(text, "BEGIN", bom);
    let end = find_marker(text, "END", begin.as_ref().map_or(bom, |b| b.end));
    if begin.is_none() && end.is_none() && openssh::public(text, bom, report).is_some() {
        return None;
    }
    // The body's region, before the junk around it is set aside.
    let start = begin.as_ref().map_or(bom, |b| b.end);
    let stop = match (&begin, &end) {
        (Some(_), Some(e)) if e.start < start => start,
        (_, Some(e)) => e.start,
        (_, None) => text.len(),
    };
    let mut at = Located {
        bom,
        begin,
        end,
        start,
        stop,
        junk: Vec::new(),
        damage: Damage::default(),
    };
    set_aside_before(text, &mut at);
    set_aside_after(text, &mut at);
    if label_says_no_rsa_key(text, &at, report) {
        return None;
    }
    Some(at)
}

/// Empty text, and the SSH formats recognised by a line of their own (PuTTY's `.ppk`, RFC 4716's
/// SSH2 public key): reported, and the inspection ends.
fn no_pem_key(text: &str, bom: usize, report: &mut KeyReport) -> bool {
    if text[bom..].trim().is_empty() {
        report.diagnostics.push(unreadable(
            Span::empty(0),
            "there is no key: the text is empty",
            "paste the key file's whole text, from `-----BEGIN` to `-----END ...-----`",
        ));
        return true;
    }
    if let Some(i) = text.find("PuTTY-User-Key-File") {
        report.diagnostics.push(
            Diagnostic::new(
                Code::KeyOpenssh,
                "this is a PuTTY key (.ppk); Snowflake and TD take PEM keys",
                Span::new(i, i + "PuTTY-User-Key-File".len()),
            )
            .help("in PuTTYgen, export it with Conversions > Export OpenSSH key, then convert that with `ssh-keygen -p -m PKCS8 -N '' -f key`; or make a new pair with openssl"),
        );
        return true;
    }
    if let Some(i) = text.find("BEGIN SSH2 PUBLIC KEY") {
        report.diagnostics.push(
            Diagnostic::new(
                Code::KeyOpenssh,
                "this is an SSH2 (RFC 4716) public key; Snowflake takes a PEM public key (`BEGIN PUBLIC KEY`)",
                Span::new(i, i + "BEGIN SSH2 PUBLIC KEY".len()),
            )
            .help("convert it: `ssh-keygen -i -f key.pub > key.openssh.pub`, then `ssh-keygen -e -m PKCS8 -f key.openssh.pub`"),
        );
        return true;
    }
    false
}

/// Characters that are neither base64, whitespace nor `\` (of a `\n` escape): junk around a bare
/// body.
fn is_junk(c: char) -> bool {
    !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '\\') || c.is_whitespace())
}

/// Text before the body: before the BEGIN line, or, without one, around a bare body (inside
/// `RSA_PUBLIC_KEY='...'` or quotes, or after leading junk). Moves the region's start.
fn set_aside_before(text: &str, at: &mut Located) {
    let bom = at.bom;
    match &at.begin {
        Some(b) => {
            let before = &text[bom..b.start];
            let line = before.rfind('\n').map_or(bom, |i| bom + i + 1);
            if !blankish(before) {
                at.junk.push((
                    Span::new(
                        bom + (before.len() - before.trim_start().len()),
                        bom + before.trim_end().len(),
                    ),
                    "before the BEGIN line",
                ));
            }
            if text[line..b.start].contains([' ', '\t']) && text[line..b.start].trim().is_empty() {
                at.damage.space.get_or_insert(line);
                at.damage.space_lines += 1;
            }
        }
        None => {
            if let Some((s, e)) = quoted_key_value(text, bom, at.stop) {
                let before = &text[bom..s];
                if !before.trim().is_empty() {
                    let lead = before.len() - before.trim_start().len();
                    at.junk.push((Span::new(bom + lead, s), "before the key"));
                }
                let after = &text[e..];
                if at.end.is_none() && !after.trim().is_empty() {
                    at.junk
                        .push((Span::new(e, e + after.trim_end().len()), "after the key"));
                }
                at.start = s;
                if at.end.is_none() {
                    at.stop = e;
                }
            } else {
                let region = &text[at.start..at.stop];
                let cut = region.len() - region.trim_start_matches(is_junk).len();
                let cut_text = &region[..cut];
                if !cut_text.trim().is_empty() {
                    let lead = cut_text.len() - cut_text.trim_start().len();
                    at.junk.push((
                        Span::new(at.start + lead, at.start + cut_text.trim_end().len()),
                        "before the key",
                    ));
                }
                at.start += cut;
            }
        }
    }
}

/// Text after the body: after the END line (a second PEM block, say), or, without one, junk
/// after the body. Moves the region's stop.
fn set_aside_after(text: &str, at: &mut Located) {
    let len = text.len();
    match &at.end {
        Some(e) => {
            let after = &text[e.end..];
            let line_end = after.find('\n').map_or(len, |i| e.end + i);
            let rest = after.trim();
            if !blankish(rest) {
                let from = e.end + (after.len() - after.trim_start().len());
                let what = if rest.contains("-----BEGIN") {
                    "after the END line (a second PEM block; cps reads the first)"
                } else {
                    "after the END line"
                };
                at.junk
                    .push((Span::new(from, e.end + after.trim_end().len()), what));
            }
            let tail = &text[e.end..line_end];
            if tail.contains([' ', '\t']) && tail.trim().is_empty() {
                at.damage.space.get_or_insert(e.end);
                at.damage.space_lines += 1;
            }
        }
        None if at.begin.is_some() || at.stop == len => {
            let region = &text[at.start..at.stop];
            let trimmed = region.trim_end_matches(is_junk);
            let cut_text = &region[trimmed.len()..];
            if !cut_text.trim().is_empty() {
                let lead = cut_text.len() - cut_text.trim_start().len();
                let from = at.start + trimmed.len();
                at.junk.push((
                    Span::new(from + lead, from + cut_text.trim_end().len()),
                    "after the key",
                ));
            }
            at.stop = at.start + trimmed.len();
        }
        None => {}
    }
}

/// What the label alone settles: an EC or DSA key, a certificate, or OpenSSL's legacy
/// encryption (`Proc-Type:`) is reported and ends the inspection.
fn label_says_no_rsa_key(text: &str, at: &Located, report: &mut KeyReport) -> bool {
    let label_marker = at.label_marker();
    let label = at.label();
    let marker_span = || label_marker.map_or(Span::empty(0), |m| Span::new(m.start, m.end));
    match label {
        Some("EC PRIVATE KEY" | "EC PARAMETERS" | "DSA PRIVATE KEY") => {
            let alg = if label.is_some_and(|l| l.starts_with("EC")) {
                "an EC (elliptic curve)"
            } else {
                "a DSA"
            };
            report.diagnostics.push(
                Diagnostic::new(
                    Code::KeyNotRsa,
                    format!("this is {alg} key; only RSA keys work for Snowflake key-pair authentication"),
                    marker_span(),
                )
                .help("make an RSA pair: `openssl genrsa 2048 | openssl pkcs8 -topk8 -inform PEM -out rsa_key.p8 -nocrypt`"),
            );
            return true;
        }
        Some(l) if l.contains("CERTIFICATE") || l.contains("CRL") => {
            report.diagnostics.push(unreadable(
                marker_span(),
                format!("this is a {}, not a key", l.to_lowercase()),
                "Snowflake takes the RSA public key itself; from a certificate: `openssl x509 -in cert.pem -pubkey -noout`",
            ));
            return true;
        }
        _ => {}
    }
    if let Some(i) = text[at.start..at.stop].find("Proc-Type:") {
        report.kind = label
            .and_then(KeyKind::from_label)
            .unwrap_or(KeyKind::Pkcs1Private);
        report.diagnostics.push(encrypted(
            Span::new(at.start + i, at.start + i + "Proc-Type:".len()),
            "this key is encrypted in OpenSSL's legacy way (`Proc-Type: 4,ENCRYPTED`), which cps does not open: `openssl pkcs8 -topk8 -v2 aes-256-cbc -in key.pem -out rsa_key.p8` makes it an encrypted PKCS#8 key",
        ));
        return true;
    }
    false
}

/// Whitespace only, counting `\n`, `\r` and `\t` written as escapes (a key copied from a JSON
/// or code string).
fn blankish(s: &str) -> bool {
    s.replace("\\n", "")
        .replace("\\r", "")
        .replace("\\t", "")
        .trim()
        .is_empty()
}

/// In a bare paste, the value of `RSA_PUBLIC_KEY='...'` (an ALTER USER statement or DESC USER
/// row) or a quoted string: its start and end.
fn quoted_key_value(text: &str, from: usize, to: usize) -> Option<(usize, usize)> {
    let region = text.get(from..to)?;
    let upper = find_ascii_ci(region.as_bytes(), b"RSA_PUBLIC_KEY");
    let search_from = upper.map_or(0, |i| i + "RSA_PUBLIC_KEY".len());
    let rest = &region[search_from..];
    let q = rest.find(['\'', '"'])?;
    // With RSA_PUBLIC_KEY, the quote follows `=` (or `_2 =`); without, the text itself must
    // start with the quote.
    let between = &rest[..q];
    if upper.is_some() {
        if !between
            .trim_start_matches("_2")
            .trim()
            .trim_end_matches('=')
            .trim()
            .is_empty()
        {
            return None;
        }
    } else if !between.trim().is_empty() {
        return None;
    }
    let quote = rest.as_bytes()[q];
    let s = search_from + q + 1;
    let e = region[s..]
        .find(char::from(quote))
        .map_or(region.len(), |i| s + i);
    Some((from + s, from + e))
}
