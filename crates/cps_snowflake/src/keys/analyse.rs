//! Stage 4 of [`super::inspect_key`]: what the decoded key means for Snowflake and TD. Its form
//! (PKCS#1 is converted, an encrypted key is opened when the passphrase is given), its size, and
//! the outputs: the PKCS#8 PEM TD takes, the public key Snowflake takes, the fingerprint
//! `DESC USER` shows.

use super::decode::{self, Decoded, Problem, Rsa, Unopened};
use super::{pem, unreadable, KeyKind, KeyReport, MIN_BITS, OPENSSL_PKCS8};
use cps_core::diagnostics::{Code, Diagnostic, Severity};
use cps_core::Span;

const OPENSSL_GENRSA: &str =
    "openssl genrsa 2048 | openssl pkcs8 -topk8 -inform PEM -out rsa_key.p8 -nocrypt";

/// Reads `bytes` as `expected` (or as what they look like), fills the report's kind, outputs
/// and content diagnostics. `span` maps a DER offset to a place in the text. Returns false when
/// the bytes could not be read as a key.
pub fn analyse(
    bytes: &[u8],
    expected: Option<KeyKind>,
    whole: Span,
    span: &dyn Fn(usize) -> Span,
    passphrase: Option<&[u8]>,
    report: &mut KeyReport,
) -> bool {
    let kind = decode::sniff(bytes)
        .or(expected)
        .unwrap_or(KeyKind::Unknown);
    report.kind = kind;
    if kind == KeyKind::Unknown {
        report.diagnostics.push(unreadable(
            whole,
            "the decoded bytes are not an RSA key (no PKCS#8, PKCS#1 or SubjectPublicKeyInfo structure)",
            &format!("paste the whole key file, BEGIN and END lines included; TD's setup makes it with `{OPENSSL_GENRSA}`"),
        ));
        return false;
    }
    let decoded = match decode::key(bytes, kind) {
        Ok(Some(d)) => d,
        // Encrypted: the structure is sound; what is inside needs the passphrase.
        Ok(None) => return encrypted_key(bytes, whole, passphrase, report),
        Err(p) => {
            if matches!(p, Problem::NotRsa { .. }) {
                report.kind = KeyKind::Unknown;
            }
            report.diagnostics.push(problem(p, span));
            return false;
        }
    };
    let Decoded { rsa, converted, .. } = decoded;
    if is_zero(&rsa.n) || is_zero(&rsa.e) {
        report.diagnostics.push(unreadable(
            whole,
            "the key's modulus or public exponent is zero",
            "copy the key file again, every line from BEGIN to END",
        ));
        return false;
    }
    match kind {
        KeyKind::Pkcs1Private => report.diagnostics.push(
            Diagnostic::new(
                Code::KeyPkcs1,
                "this is a PKCS#1 private key (`BEGIN RSA PRIVATE KEY`); TD requires PKCS#8 (`BEGIN PRIVATE KEY`)",
                whole,
            )
            .help(format!(
                "use the PKCS#8 form cps shows, the same bytes as `{OPENSSL_PKCS8}`; TD warns that other formats make the connection fail"
            )),
        ),
        KeyKind::Pkcs1Public => report.diagnostics.push(
            Diagnostic::new(
                Code::KeyPkcs1,
                "this is a PKCS#1 public key (`BEGIN RSA PUBLIC KEY`); Snowflake takes a SubjectPublicKeyInfo key (`BEGIN PUBLIC KEY`)",
                whole,
            )
            .help("use the `BEGIN PUBLIC KEY` form cps shows, the same as `openssl rsa -RSAPublicKey_in -in rsa_key.pub -pubout`"),
        ),
        _ => {}
    }
    fill_public(&rsa, whole, report);
    if kind.is_private() {
        report.pkcs8_pem = Some(pem("PRIVATE KEY", converted.as_deref().unwrap_or(bytes)));
    }
    true
}

fn is_zero(n: &[u8]) -> bool {
    n.iter().all(|&b| b == 0)
}

/// An encrypted PKCS#8 key: without a passphrase, a warning that it cannot be checked; with
/// one, opened and checked like any key. The decrypted key is never an output: what the user
/// gives TD stays the encrypted file and its passphrase.
fn encrypted_key(
    bytes: &[u8],
    whole: Span,
    passphrase: Option<&[u8]>,
    report: &mut KeyReport,
) -> bool {
    let Some(passphrase) = passphrase else {
        report.diagnostics.push(encrypted(
            whole,
            "an encrypted PKCS#8 key; without its passphrase its size and fingerprint cannot be checked",
        ));
        return true;
    };
    let wrong = |report: &mut KeyReport| {
        report.diagnostics.push(
            Diagnostic::new(
                Code::KeyPassphrase,
                "the passphrase does not open this key",
                whole,
            )
            .help("check the passphrase (it is case-sensitive, and a trailing space or line break counts); if the key was copied, a changed character also makes it fail"),
        );
    };
    match decode::decrypt(bytes, passphrase) {
        Ok(doc) => match decode::decrypted(doc.as_bytes()) {
            Ok(rsa) if !is_zero(&rsa.n) && !is_zero(&rsa.e) => {
                fill_public(&rsa, whole, report);
                report.diagnostics.push(
                    Diagnostic::new(
                        Code::KeyEncrypted,
                        "an encrypted PKCS#8 key, opened with the passphrase: size and fingerprint checked",
                        whole,
                    )
                    .severity(Severity::Info)
                    .help("give TD the key with the same passphrase (TD's Snowflake authentication has a Passphrase field; leave it empty only for unencrypted keys)"),
                );
            }
            Err(p @ Problem::NotRsa { .. }) => {
                report.kind = KeyKind::Unknown;
                report.diagnostics.push(problem(p, &|_| whole));
            }
            _ => wrong(report),
        },
        Err(Unopened::WrongPassphrase) => wrong(report),
        Err(Unopened::Unsupported(why)) => report.diagnostics.push(encrypted(
            whole,
            &format!("an encrypted PKCS#8 key that cps cannot open: {why}"),
        )),
    }
    true
}

/// Bits, the size check, and the public outputs.
pub fn fill_public(rsa: &Rsa, at: Span, report: &mut KeyReport) {
    let bits = rsa.bits();
    report.bits = Some(bits);
    if bits < MIN_BITS {
        report.diagnostics.push(
            Diagnostic::new(
                Code::KeyTooSmall,
                format!("this RSA key has {bits} bits; Snowflake requires RSA 2048 bits or more"),
                at,
            )
            .help(format!("make a new pair: `{OPENSSL_GENRSA}`, then `openssl rsa -in rsa_key.p8 -pubout -out rsa_key.pub`")),
        );
    }
    if let Some(spki) = rsa.spki_der() {
        report.public_pem = Some(pem("PUBLIC KEY", &spki));
        report.public_body = Some(decode::base64_encode(&spki));
        report.fingerprint = Some(super::fingerprint_spki(&spki));
    }
}

/// The warning for an encrypted key cps did not open.
pub fn encrypted(at: Span, what: &str) -> Diagnostic {
    Diagnostic::new(Code::KeyEncrypted, what.to_string(), at).help(format!(
        "give cps the passphrase to check it (`cps key check --passphrase-env VAR`, or the passphrase field); TD's Snowflake authentication takes the key with its passphrase, TD's zero-copy docs show unencrypted keys only (`-nocrypt`: `{OPENSSL_PKCS8}` decrypts it)"
    ))
}

fn problem(p: Problem, span: &dyn Fn(usize) -> Span) -> Diagnostic {
    match p {
        Problem::Der { at, what } => Diagnostic::new(
            Code::KeyUnreadable,
            format!("the key cannot be read: {what}"),
            span(at),
        )
        .help("the base64 decodes, but not to a whole key: copy the key file again, every line from BEGIN to END"),
        Problem::NotRsa { at, algorithm } => Diagnostic::new(
            Code::KeyNotRsa,
            format!("this is {algorithm}; only RSA keys work for Snowflake key-pair authentication"),
            span(at),
        )
        .help(format!("make an RSA pair: `{OPENSSL_GENRSA}`")),
    }
}
