//! RSA keys for Snowflake key-pair authentication (TD setup step 2): recognise the key a user
//! pasted, repair copy-paste damage, convert PKCS#1 to PKCS#8, open an encrypted PKCS#8 key with
//! its passphrase, derive the public key, and compute the fingerprint Snowflake shows as
//! `RSA_PUBLIC_KEY_FP`.
//!
//! [`inspect_key`] runs in stages, each a module: [`armor`] (find the key and its BEGIN/END
//! lines in the text) → [`scan`] (the body's base64 and the damage around it) → [`decode`]
//! (base64 → DER → key structures, through RustCrypto's crates) → [`analyse`] (size, form,
//! outputs) → [`report`] (damage and armor as diagnostics). [`openssh`] explains SSH keys.
//!
//! Pure like the rest: no I/O, no clocks, no randomness (key generation lives in the CLI and the
//! browser), and no panics: hostile text gives diagnostics.
//!
//! ```
//! let pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
//! let report = cps_snowflake::keys::inspect_key(pem);
//! assert!(report.has_errors());
//! assert_eq!(report.fingerprint, None);
//! ```

pub mod analyse;
pub mod armor;
pub mod decode;
pub mod openssh;
pub mod report;
pub mod scan;

use cps_core::diagnostics::{Code, Diagnostic, Severity};
use cps_core::syntax::span::Span;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use analyse::encrypted;

/// Snowflake's minimum RSA modulus size.
pub const MIN_BITS: u32 = 2048;

/// Texts longer than this are refused unread (1 MiB; a 16384-bit private key PEM is 13 KB).
pub const MAX_KEY_TEXT: usize = 1 << 20;

pub(crate) const OPENSSL_PKCS8: &str =
    "openssl pkcs8 -topk8 -nocrypt -in rsa_key.pem -out rsa_key.p8";

/// What the text holds, read from its content (the BEGIN line can be wrong or missing).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyKind {
    /// `BEGIN PRIVATE KEY`: PKCS#8 PrivateKeyInfo, what TD takes.
    Pkcs8Private,
    /// `BEGIN RSA PRIVATE KEY`: PKCS#1 RSAPrivateKey.
    Pkcs1Private,
    /// `BEGIN ENCRYPTED PRIVATE KEY`: PKCS#8 EncryptedPrivateKeyInfo.
    EncryptedPkcs8Private,
    /// `BEGIN PUBLIC KEY`, or its bare base64 body: SubjectPublicKeyInfo, what Snowflake takes.
    SpkiPublic,
    /// `BEGIN RSA PUBLIC KEY`: PKCS#1 RSAPublicKey.
    Pkcs1Public,
    /// Anything else: OpenSSH keys, other algorithms' keys, unreadable text.
    Unknown,
}

impl KeyKind {
    pub fn as_str(self) -> &'static str {
        match self {
            KeyKind::Pkcs8Private => "pkcs8-private",
            KeyKind::Pkcs1Private => "pkcs1-private",
            KeyKind::EncryptedPkcs8Private => "encrypted-pkcs8-private",
            KeyKind::SpkiPublic => "spki-public",
            KeyKind::Pkcs1Public => "pkcs1-public",
            KeyKind::Unknown => "unknown",
        }
    }

    /// A short description for people: `PKCS#8 private key`.
    pub fn describe(self) -> &'static str {
        match self {
            KeyKind::Pkcs8Private => "PKCS#8 private key",
            KeyKind::Pkcs1Private => "PKCS#1 private key",
            KeyKind::EncryptedPkcs8Private => "encrypted PKCS#8 private key",
            KeyKind::SpkiPublic => "public key (SubjectPublicKeyInfo)",
            KeyKind::Pkcs1Public => "PKCS#1 public key",
            KeyKind::Unknown => "unrecognised key",
        }
    }

    pub fn is_private(self) -> bool {
        matches!(
            self,
            KeyKind::Pkcs8Private | KeyKind::Pkcs1Private | KeyKind::EncryptedPkcs8Private
        )
    }

    pub fn is_public(self) -> bool {
        matches!(self, KeyKind::SpkiPublic | KeyKind::Pkcs1Public)
    }

    /// The PEM label this kind is written with.
    pub fn label(self) -> Option<&'static str> {
        Some(match self {
            KeyKind::Pkcs8Private => "PRIVATE KEY",
            KeyKind::Pkcs1Private => "RSA PRIVATE KEY",
            KeyKind::EncryptedPkcs8Private => "ENCRYPTED PRIVATE KEY",
            KeyKind::SpkiPublic => "PUBLIC KEY",
            KeyKind::Pkcs1Public => "RSA PUBLIC KEY",
            KeyKind::Unknown => return None,
        })
    }

    pub fn from_label(label: &str) -> Option<KeyKind> {
        KeyKind::ALL
            .iter()
            .copied()
            .find(|k| k.label() == Some(label))
    }

    pub const ALL: [KeyKind; 5] = [
        KeyKind::Pkcs8Private,
        KeyKind::Pkcs1Private,
        KeyKind::EncryptedPkcs8Private,
        KeyKind::SpkiPublic,
        KeyKind::Pkcs1Public,
    ];
}

/// Everything [`inspect_key`] found. Outputs are `None` when they cannot be derived.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct KeyReport {
    pub kind: KeyKind,
    /// The RSA modulus size.
    pub bits: Option<u32>,
    /// Sorted by position; spans are byte ranges into the inspected text (empty at 0 for
    /// [`from_der`]).
    pub diagnostics: Vec<Diagnostic>,
    /// Private keys only: the PKCS#8 PEM (converted from PKCS#1 when needed), 64-character lines,
    /// trailing newline. What TD's key-pair field takes.
    pub pkcs8_pem: Option<String>,
    /// The SubjectPublicKeyInfo PEM (`BEGIN PUBLIC KEY`), from the private key or the public key.
    pub public_pem: Option<String>,
    /// The SubjectPublicKeyInfo base64 on one line, without BEGIN/END: what
    /// `ALTER USER ... SET RSA_PUBLIC_KEY='...'` takes.
    pub public_body: Option<String>,
    /// `SHA256:` + base64(SHA-256(DER SubjectPublicKeyInfo)): Snowflake's `RSA_PUBLIC_KEY_FP`.
    pub fingerprint: Option<String>,
    /// The text needed repair (one line, missing BEGIN/END, whitespace, junk) and the outputs
    /// come from the repaired text.
    pub repaired: bool,
}

impl KeyReport {
    fn empty(kind: KeyKind) -> KeyReport {
        KeyReport {
            kind,
            bits: None,
            diagnostics: Vec::new(),
            pkcs8_pem: None,
            public_pem: None,
            public_body: None,
            fingerprint: None,
            repaired: false,
        }
    }

    pub fn has_errors(&self) -> bool {
        self.count(Severity::Error) > 0
    }

    pub fn count(&self, severity: Severity) -> usize {
        cps_core::diagnostics::count(&self.diagnostics, severity)
    }
}

/// PEM: `-----BEGIN {label}-----`, base64 in 64-character lines, `-----END {label}-----`, each
/// line ending in `\n`.
pub fn pem(label: &str, der: &[u8]) -> String {
    // The labels are cps's own constants, which pem-rfc7468 accepts; no error is possible.
    pem_rfc7468::encode_string(label, pem_rfc7468::LineEnding::LF, der).unwrap_or_default()
}

/// `SHA256:` + base64 of the SHA-256 of a DER SubjectPublicKeyInfo: Snowflake's
/// `RSA_PUBLIC_KEY_FP`, the same as
/// `openssl rsa -pubout -outform DER | openssl dgst -sha256 -binary | openssl enc -base64`.
pub fn fingerprint_spki(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    format!("SHA256:{}", decode::base64_encode(&digest))
}

/// Whether two reports hold the two halves of one RSA key pair: compares the modulus and public
/// exponent (through the canonical SubjectPublicKeyInfo each report derived from them). `None`
/// when either is unknown (unreadable, encrypted).
pub fn same_pair(a: &KeyReport, b: &KeyReport) -> Option<bool> {
    Some(a.public_body.as_ref()? == b.public_body.as_ref()?)
}

/// Finds the `SHA256:...` fingerprints in pasted `DESC USER` output (Snowsight's table, the
/// classic console's text, CSV, TSV or JSON) and says whether `fingerprint` is among them. Both
/// `RSA_PUBLIC_KEY_FP` and `RSA_PUBLIC_KEY_2_FP` count: Snowflake accepts either key. `None`
/// when the output holds no fingerprint or `fingerprint` is not one.
pub fn fingerprint_matches(fingerprint: &str, desc_user_output: &str) -> Option<bool> {
    let want = parse_fingerprint(fingerprint.trim())?;
    let found = fingerprints_in(desc_user_output);
    if found.is_empty() {
        None
    } else {
        Some(found.contains(&want))
    }
}

fn parse_fingerprint(s: &str) -> Option<Vec<u8>> {
    let body = match s.get(..7) {
        Some(p) if p.eq_ignore_ascii_case("SHA256:") => &s[7..],
        _ => s,
    };
    let digest = decode::base64(body.as_bytes()).ok()?;
    (digest.len() == 32).then_some(digest)
}

fn fingerprints_in(text: &str) -> Vec<Vec<u8>> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut from = 0;
    while let Some(i) = find_ascii_ci(&bytes[from..], b"SHA256:") {
        let mut p = from + i + 7;
        let mut chars = Vec::with_capacity(44);
        while chars.len() <= 64 {
            match bytes.get(p) {
                Some(&b) if scan::is_base64_char(b) => chars.push(b),
                // JSON may escape `/` as `\/`.
                Some(b'\\') if bytes.get(p + 1) == Some(&b'/') => {
                    chars.push(b'/');
                    p += 1;
                }
                _ => break,
            }
            p += 1;
        }
        if let Ok(d) = decode::base64(&chars) {
            if d.len() == 32 {
                found.push(d);
            }
        }
        from = p.max(from + i + 7);
    }
    found
}

pub(crate) fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Reads a key from DER bytes (the browser's WebCrypto exports PKCS#8 and SPKI DER; `cps key
/// check` reads binary DER files). With [`KeyKind::Unknown`] the kind is read from the bytes.
/// Diagnostics have empty spans at 0.
pub fn from_der(kind: KeyKind, der: &[u8]) -> KeyReport {
    from_der_with(kind, der, None)
}

/// [`from_der`] of a key that may be encrypted, with its passphrase.
pub fn from_der_with(kind: KeyKind, der: &[u8], passphrase: Option<&[u8]>) -> KeyReport {
    let mut report = KeyReport::empty(kind);
    if der.len() > MAX_KEY_TEXT {
        report.diagnostics.push(too_large(der.len()));
        return report;
    }
    let expected = (kind != KeyKind::Unknown).then_some(kind);
    analyse::analyse(
        der,
        expected,
        Span::empty(0),
        &|_| Span::empty(0),
        passphrase,
        &mut report,
    );
    cps_core::sort_diagnostics(&mut report.diagnostics);
    report
}

/// Inspects pasted key text: recognises the kind, reports and repairs copy-paste damage, and
/// derives the PKCS#8 PEM, the public key and its fingerprint. Bounded in time and memory for
/// any input; never panics.
pub fn inspect_key(text: &str) -> KeyReport {
    inspect_key_with(text, None)
}

/// [`inspect_key`] with the passphrase of an encrypted PKCS#8 key: the key is opened (PBES2) and
/// checked like any other; a wrong passphrase is a `key-passphrase` error. The passphrase is only
/// read, and the decrypted key is zeroed when dropped and never part of the report.
pub fn inspect_key_with(text: &str, passphrase: Option<&[u8]>) -> KeyReport {
    let mut report = KeyReport::empty(KeyKind::Unknown);
    if text.len() > MAX_KEY_TEXT {
        report.diagnostics.push(too_large(text.len()));
        return report;
    }
    stages(text, passphrase, &mut report);
    cps_core::sort_diagnostics(&mut report.diagnostics);
    report
}

/// armor → scan → decode → analyse → report.
fn stages(text: &str, passphrase: Option<&[u8]>, report: &mut KeyReport) {
    let len = text.len();
    let Some(mut at) = armor::locate(text, report) else {
        return;
    };
    let scanned = scan::body(text, &mut at);
    let label = at.label().map(str::to_string);
    let label_kind = label.as_deref().and_then(KeyKind::from_label);
    report.kind = label_kind.unwrap_or(KeyKind::Unknown);
    let body = &scanned.body;
    let mut readable = false;
    if let Some(bad) = scanned.bad {
        let shown = &text[bad.range()];
        report.diagnostics.push(unreadable(
            bad,
            if shown == "-" {
                "a `-` inside the key: a BEGIN or END line is damaged, or two keys run together".to_string()
            } else {
                format!("`{}` is not part of a PEM key (base64 letters, digits, `+`, `/` and `=`)", shown.escape_debug())
            },
            "copy the key file again, every line from BEGIN to END; a key holds nothing but base64 between them",
        ));
    } else if body.chars.is_empty() {
        report.diagnostics.push(unreadable(
            Span::new(at.start, at.stop),
            if label.is_some() {
                "the key has no body: nothing between the BEGIN and END lines"
            } else {
                "there is no key in this text"
            },
            "paste the key file's whole text, from `-----BEGIN` to `-----END ...-----`",
        ));
    } else {
        match decode::base64(&body.chars) {
            Err((i, what)) => report.diagnostics.push(unreadable(
                body.span_of_char(i, len),
                format!("the key's base64 cannot be decoded: {what}"),
                "copy the key file again: a character was lost or changed, or the text was cut short",
            )),
            Ok(bytes) if label.as_deref() == Some("OPENSSH PRIVATE KEY") => {
                openssh::private(&bytes, at.label_marker(), report);
                readable = true;
            }
            Ok(bytes) => {
                let map = |offset: usize| body.span_of_byte(offset, len);
                let whole = at.label_marker().map_or_else(
                    || {
                        let first = body.span_of_char(0, len);
                        Span::new(first.start as usize, at.stop)
                    },
                    |m| Span::new(m.start, m.end),
                );
                readable = analyse::analyse(&bytes, label_kind, whole, &map, passphrase, report);
                if readable || report.kind != KeyKind::Unknown {
                    report::armor(text, &at.begin, &at.end, label_kind, report);
                }
            }
        }
    }
    report::damage(at, readable, report);
}

pub(crate) fn unreadable(at: Span, message: impl Into<String>, help: &str) -> Diagnostic {
    Diagnostic::new(Code::KeyUnreadable, message, at).help(help)
}

fn too_large(len: usize) -> Diagnostic {
    Diagnostic::new(
        Code::KeyUnreadable,
        format!("this is {len} bytes, far more than a key; cps reads up to {MAX_KEY_TEXT}"),
        Span::empty(0),
    )
    .help("an RSA private key PEM is under 4 KB: check that this is the key file")
}
