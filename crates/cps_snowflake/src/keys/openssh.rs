//! OpenSSH keys, which users paste where a PEM key belongs: `ssh-rsa AAAA…` lines and `BEGIN
//! OPENSSH PRIVATE KEY` files. They are explained (with the `ssh-keygen` conversion), and an RSA
//! one is fingerprinted from its public half, so the user can match it against Snowflake's.
//! SSH's wire format (length-prefixed strings, RFC 4251) is read here: it is not DER, and reading
//! the public half needs four fields of it.

use super::analyse::fill_public;
use super::armor::Marker;
use super::decode::{self, Rsa};
use super::scan::is_base64_char;
use super::{unreadable, KeyReport};
use cps_core::diagnostics::{Code, Diagnostic};
use cps_core::Span;

fn ssh_string<'a>(b: &'a [u8], p: &mut usize) -> Option<&'a [u8]> {
    let len_bytes: [u8; 4] = b.get(*p..p.checked_add(4)?)?.try_into().ok()?;
    let len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
    let start = p.checked_add(4)?;
    let s = b.get(start..start.checked_add(len)?)?;
    *p = start + len;
    Some(s)
}

/// The public key in OpenSSH's wire format: its type and, for `ssh-rsa`, the key.
fn ssh_public(blob: &[u8]) -> Option<(String, Option<Rsa>)> {
    let mut p = 0;
    let kind = ssh_string(blob, &mut p)?;
    // The type is shown in messages: capped and escaped like every name read from a key.
    let kind = crate::shown(&String::from_utf8_lossy(kind));
    if kind != "ssh-rsa" {
        return Some((kind, None));
    }
    let e = ssh_string(blob, &mut p)?;
    let n = ssh_string(blob, &mut p)?;
    // SSH's mpints are signed: a negative modulus or exponent is no key.
    if [e, n]
        .iter()
        .any(|m| m.first().is_some_and(|&b| b & 0x80 != 0))
    {
        return None;
    }
    Some((kind, Some(Rsa::new(n, e))))
}

const SSH_HELP_PUBLIC: &str = "convert it to PEM: `ssh-keygen -e -m PKCS8 -f rsa_key.pub`; the fingerprint shown is the one Snowflake will show once the converted key is set";

/// A `ssh-rsa AAAA... comment` line; `None` when the text is not one.
pub fn public(text: &str, from: usize, report: &mut KeyReport) -> Option<()> {
    let lead = text[from..].len()
        - text[from..]
            .trim_start_matches(|c: char| c.is_whitespace() || c == '\'' || c == '"')
            .len();
    let start = from + lead;
    let rest = &text[start..];
    let is_ssh = ["ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-"]
        .iter()
        .any(|p| rest.starts_with(p));
    if !is_ssh {
        return None;
    }
    let type_len = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let type_span = Span::new(start, start + type_len);
    let ssh_type = &rest[..type_len];
    if ssh_type != "ssh-rsa" {
        report.diagnostics.push(
            Diagnostic::new(
                Code::KeyNotRsa,
                format!("this is an OpenSSH `{}` key; only RSA keys work for Snowflake key-pair authentication, as PEM", crate::shown(ssh_type)),
                type_span,
            )
            .help("make an RSA pair: `openssl genrsa 2048 | openssl pkcs8 -topk8 -inform PEM -out rsa_key.p8 -nocrypt`"),
        );
        return Some(());
    }
    report.diagnostics.push(
        Diagnostic::new(
            Code::KeyOpenssh,
            "this is an OpenSSH public key (`ssh-rsa AAAA...`); Snowflake takes a PEM public key (`BEGIN PUBLIC KEY`)",
            type_span,
        )
        .help(SSH_HELP_PUBLIC),
    );
    let after = &rest[type_len..];
    let b64_start = start + type_len + (after.len() - after.trim_start().len());
    let b64_len = text[b64_start..]
        .bytes()
        .take_while(|&b| is_base64_char(b))
        .count();
    let blob = decode::base64(&text.as_bytes()[b64_start..b64_start + b64_len]);
    match blob.ok().as_deref().and_then(ssh_public) {
        Some((_, Some(rsa))) if !rsa.n.is_empty() && !rsa.e.is_empty() => {
            fill_public(&rsa, type_span, report);
        }
        _ => report.diagnostics.push(unreadable(
            Span::new(b64_start, b64_start + b64_len),
            "the OpenSSH key's base64 cannot be read",
            "copy the whole `ssh-rsa AAAA...` line again",
        )),
    }
    Some(())
}

/// `BEGIN OPENSSH PRIVATE KEY`: reported; the public half (stored unencrypted) gives the
/// fingerprint.
pub fn private(bytes: &[u8], marker: Option<&Marker>, report: &mut KeyReport) {
    let at = marker.map_or(Span::empty(0), |m| Span::new(m.start, m.end));
    report.diagnostics.push(
        Diagnostic::new(
            Code::KeyOpenssh,
            "this is an OpenSSH private key; TD and Snowflake take a PKCS#8 PEM key (`BEGIN PRIVATE KEY`)",
            at,
        )
        .help("convert a copy: `cp id_rsa rsa_key.p8 && ssh-keygen -p -m PKCS8 -N '' -f rsa_key.p8` (asks for the old passphrase if there is one), or `openssl pkcs8 -topk8 -nocrypt` on a PEM copy"),
    );
    const MAGIC: &[u8] = b"openssh-key-v1\0";
    let public = bytes.strip_prefix(MAGIC).and_then(|rest| {
        let mut p = 0;
        ssh_string(rest, &mut p)?; // cipher
        ssh_string(rest, &mut p)?; // kdf
        ssh_string(rest, &mut p)?; // kdf options
        p = p.checked_add(4).filter(|&q| q <= rest.len())?; // number of keys
        ssh_public(ssh_string(rest, &mut p)?)
    });
    match public {
        Some((_, Some(rsa))) if !rsa.n.is_empty() && !rsa.e.is_empty() => {
            fill_public(&rsa, at, report)
        }
        Some((kind, None)) => report.diagnostics.push(
            Diagnostic::new(
                Code::KeyNotRsa,
                format!("this OpenSSH key is `{kind}`; only RSA keys work for Snowflake key-pair authentication"),
                at,
            )
            .help("make an RSA pair: `openssl genrsa 2048 | openssl pkcs8 -topk8 -inform PEM -out rsa_key.p8 -nocrypt`"),
        ),
        _ => report.diagnostics.push(unreadable(
            at,
            "the OpenSSH key cannot be read",
            "copy the key file again, every line from BEGIN to END",
        )),
    }
}
