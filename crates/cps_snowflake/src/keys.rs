//! RSA key helpers for Snowflake key-pair authentication (TD setup step 2): recognise the key a
//! user pasted, repair copy-paste damage, convert PKCS#1 to PKCS#8, derive the public key, and
//! compute the fingerprint Snowflake shows as `RSA_PUBLIC_KEY_FP`.
//!
//! Pure like the rest of the core: no I/O, no clocks, no randomness (key generation lives in the
//! CLI), and no panics: hostile text gives diagnostics. The DER and base64 code is in
//! `crate::der`; SHA-256 is RustCrypto's `sha2`.
//!
//! ```
//! let pem = "-----BEGIN PUBLIC KEY-----\nnot a key\n-----END PUBLIC KEY-----\n";
//! let report = cps_snowflake::keys::inspect_key(pem);
//! assert!(report.has_errors());
//! assert_eq!(report.fingerprint, None);
//! ```

use crate::der::{self, DerError, Reader, Tlv};
use cps_core::diagnostics::{Code, Diagnostic, Severity};
use cps_core::syntax::span::Span;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Snowflake's minimum RSA modulus size.
pub const MIN_BITS: u32 = 2048;

/// Texts longer than this are refused unread (1 MiB; a 16384-bit private key PEM is 13 KB).
pub const MAX_KEY_TEXT: usize = 1 << 20;

/// The DER content of the OID rsaEncryption, 1.2.840.113549.1.1.1.
const RSA_ENCRYPTION: &[u8] = &[0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];

const OPENSSL_PKCS8: &str = "openssl pkcs8 -topk8 -nocrypt -in rsa_key.pem -out rsa_key.p8";

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

    fn from_label(label: &str) -> Option<KeyKind> {
        KeyKind::ALL
            .iter()
            .copied()
            .find(|k| k.label() == Some(label))
    }

    const ALL: [KeyKind; 5] = [
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

    /// The statement that sets the public key on a Snowflake user (`<user>` when not given).
    pub fn alter_user(&self, user: Option<&str>) -> Option<String> {
        let body = self.public_body.as_ref()?;
        Some(format!(
            "ALTER USER {} SET RSA_PUBLIC_KEY='{body}';",
            user.unwrap_or("<user>")
        ))
    }
}

/// PEM: `-----BEGIN {label}-----`, base64 in 64-character lines, `-----END {label}-----`, each
/// line ending in `\n`.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = der::base64_encode(der);
    let mut out = String::with_capacity(body.len() + body.len() / 64 + 2 * label.len() + 40);
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    let mut rest = body.as_str();
    while !rest.is_empty() {
        let (line, tail) = rest.split_at(rest.len().min(64));
        out.push_str(line);
        out.push('\n');
        rest = tail;
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    out
}

/// `SHA256:` + base64 of the SHA-256 of a DER SubjectPublicKeyInfo: Snowflake's
/// `RSA_PUBLIC_KEY_FP`, the same as
/// `openssl rsa -pubout -outform DER | openssl dgst -sha256 -binary | openssl enc -base64`.
pub fn fingerprint_spki(der: &[u8]) -> String {
    let digest = Sha256::digest(der);
    format!("SHA256:{}", der::base64_encode(&digest))
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
    let digest = der::base64_decode(body.as_bytes()).ok()?;
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
                Some(&b) if der::is_base64_char(b) => chars.push(b),
                // JSON may escape `/` as `\/`.
                Some(b'\\') if bytes.get(p + 1) == Some(&b'/') => {
                    chars.push(b'/');
                    p += 1;
                }
                _ => break,
            }
            p += 1;
        }
        if let Ok(d) = der::base64_decode(&chars) {
            if d.len() == 32 {
                found.push(d);
            }
        }
        from = p.max(from + i + 7);
    }
    found
}

fn find_ascii_ci(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len())
        .position(|w| w.eq_ignore_ascii_case(needle))
}

/// Reads a key from DER bytes (the browser's WebCrypto exports PKCS#8 and SPKI DER). With
/// [`KeyKind::Unknown`] the kind is read from the bytes. Diagnostics have empty spans at 0.
pub fn from_der(kind: KeyKind, der: &[u8]) -> KeyReport {
    let mut report = KeyReport::empty(kind);
    if der.len() > MAX_KEY_TEXT {
        report.diagnostics.push(too_large(der.len()));
        return report;
    }
    let expected = (kind != KeyKind::Unknown).then_some(kind);
    analyze(
        der,
        expected,
        Span::empty(0),
        &|_| Span::empty(0),
        &mut report,
    );
    cps_core::sort_diagnostics(&mut report.diagnostics);
    report
}

fn too_large(len: usize) -> Diagnostic {
    Diagnostic::new(
        Code::KeyUnreadable,
        format!("this is {len} bytes, far more than a key; cps reads up to {MAX_KEY_TEXT}"),
        Span::empty(0),
    )
    .help("an RSA private key PEM is under 4 KB: check that this is the key file")
}

// ---------------------------------------------------------------------------------------------
// DER structures

/// An RSA public key: modulus and public exponent, unsigned big-endian without leading zeros.
struct Rsa<'a> {
    n: &'a [u8],
    e: &'a [u8],
}

impl Rsa<'_> {
    fn spki(&self) -> Vec<u8> {
        let public = der::sequence(&[&der::integer(self.n), &der::integer(self.e)]);
        let mut bits = Vec::with_capacity(public.len() + 1);
        bits.push(0);
        bits.extend_from_slice(&public);
        der::sequence(&[&rsa_algorithm(), &der::tlv(der::BIT_STRING, &bits)])
    }
}

fn rsa_algorithm() -> Vec<u8> {
    der::sequence(&[
        &der::tlv(der::OID, RSA_ENCRYPTION),
        &der::tlv(der::NULL, &[]),
    ])
}

enum Problem {
    Der(DerError),
    NotRsa { at: usize, algorithm: String },
}

impl From<DerError> for Problem {
    fn from(e: DerError) -> Problem {
        Problem::Der(e)
    }
}

fn der_err<T>(at: usize, what: impl Into<String>) -> Result<T, Problem> {
    Err(Problem::Der(DerError {
        at,
        what: what.into(),
    }))
}

/// The one top-level element of `bytes`, which must be a SEQUENCE, with nothing after it.
fn top<'a>(bytes: &'a [u8], what: &str) -> Result<Tlv<'a>, Problem> {
    let mut r = Reader::new(bytes);
    let t = r.expect(der::SEQUENCE, what)?;
    r.finish(what)?;
    Ok(t)
}

/// Reads an AlgorithmIdentifier and checks that it is rsaEncryption.
fn rsa_algorithm_id(r: &mut Reader<'_>) -> Result<(), Problem> {
    let alg = r.expect(der::SEQUENCE, "the algorithm identifier")?;
    let mut ar = alg.reader();
    let oid = ar.expect(der::OID, "the algorithm's OID")?;
    if oid.content != RSA_ENCRYPTION {
        return Err(Problem::NotRsa {
            at: oid.start,
            algorithm: algorithm_name(oid.content),
        });
    }
    Ok(())
}

fn algorithm_name(oid: &[u8]) -> String {
    let dotted = der::oid_string(oid).unwrap_or_else(|| "a malformed OID".into());
    let name = match dotted.as_str() {
        "1.2.840.10045.2.1" => "an EC (elliptic curve)",
        "1.3.101.112" => "an Ed25519",
        "1.3.101.113" => "an Ed448",
        "1.3.101.110" => "an X25519",
        "1.3.101.111" => "an X448",
        "1.2.840.10040.4.1" => "a DSA",
        "1.2.840.113549.1.1.10" => "an RSASSA-PSS",
        _ => return format!("an algorithm {dotted}"),
    };
    format!("{name} key ({dotted})")
}

/// RSAPrivateKey ::= SEQUENCE { version, n, e, d, p, q, dp, dq, qinv, otherPrimeInfos OPTIONAL }
fn pkcs1_private<'a>(seq: &Tlv<'a>) -> Result<Rsa<'a>, Problem> {
    let mut r = seq.reader();
    let version = r.expect(der::INTEGER, "the key's version")?;
    let n = der::unsigned(&r.expect(der::INTEGER, "the modulus")?, "the modulus")?;
    let e = der::unsigned(
        &r.expect(der::INTEGER, "the public exponent")?,
        "the public exponent",
    )?;
    for what in [
        "the private exponent",
        "the first prime",
        "the second prime",
        "the first CRT exponent",
        "the second CRT exponent",
        "the CRT coefficient",
    ] {
        r.expect(der::INTEGER, what)?;
    }
    match version.content {
        [0] => r.finish("the RSA private key")?,
        // Multi-prime keys (version 1) carry otherPrimeInfos.
        [1] => {}
        _ => return der_err(version.start, "the RSA private key's version is not 0"),
    }
    Ok(Rsa { n, e })
}

/// RSAPublicKey ::= SEQUENCE { n, e }
fn pkcs1_public<'a>(seq: &Tlv<'a>) -> Result<Rsa<'a>, Problem> {
    let mut r = seq.reader();
    let n = der::unsigned(&r.expect(der::INTEGER, "the modulus")?, "the modulus")?;
    let e = der::unsigned(
        &r.expect(der::INTEGER, "the public exponent")?,
        "the public exponent",
    )?;
    r.finish("the RSA public key")?;
    Ok(Rsa { n, e })
}

/// PrivateKeyInfo ::= SEQUENCE { version, AlgorithmIdentifier, OCTET STRING, [0] attributes
/// OPTIONAL, [1] publicKey OPTIONAL }
fn pkcs8_private(bytes: &[u8]) -> Result<Rsa<'_>, Problem> {
    let seq = top(bytes, "the PrivateKeyInfo SEQUENCE")?;
    let mut r = seq.reader();
    let version = r.expect(der::INTEGER, "the key's version")?;
    if !matches!(version.content, [0] | [1]) {
        return der_err(version.start, "the PKCS#8 version is not 0 or 1");
    }
    rsa_algorithm_id(&mut r)?;
    let key = r.expect(der::OCTET_STRING, "the private key")?;
    while !r.is_empty() {
        let extra = r.any()?;
        if !matches!(extra.tag, 0xa0 | 0x81 | 0xa1) {
            return der_err(extra.start, "unexpected data after the private key");
        }
    }
    let mut inner = key.reader();
    let rsa_seq = inner.expect(der::SEQUENCE, "the RSAPrivateKey SEQUENCE")?;
    inner.finish("the RSA private key")?;
    pkcs1_private(&rsa_seq)
}

/// SubjectPublicKeyInfo ::= SEQUENCE { AlgorithmIdentifier, BIT STRING }
fn spki_public(bytes: &[u8]) -> Result<Rsa<'_>, Problem> {
    let seq = top(bytes, "the SubjectPublicKeyInfo SEQUENCE")?;
    let mut r = seq.reader();
    rsa_algorithm_id(&mut r)?;
    let bits = r.expect(der::BIT_STRING, "the public key bits")?;
    r.finish("the public key")?;
    match bits.content.first() {
        Some(0) => {}
        _ => return der_err(bits.start, "the public key's BIT STRING is malformed"),
    }
    let mut inner = Reader::at(&bits.content[1..], bits.content_start + 1);
    let rsa_seq = inner.expect(der::SEQUENCE, "the RSAPublicKey SEQUENCE")?;
    inner.finish("the RSA public key")?;
    pkcs1_public(&rsa_seq)
}

/// EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }
fn encrypted_private(bytes: &[u8]) -> Result<(), Problem> {
    let seq = top(bytes, "the EncryptedPrivateKeyInfo SEQUENCE")?;
    let mut r = seq.reader();
    let alg = r.expect(der::SEQUENCE, "the encryption algorithm")?;
    alg.reader()
        .expect(der::OID, "the encryption algorithm's OID")?;
    r.expect(der::OCTET_STRING, "the encrypted key")?;
    r.finish("the encrypted key")?;
    Ok(())
}

/// The kind the bytes' shape says, without checking everything.
fn sniff(bytes: &[u8]) -> Option<KeyKind> {
    let mut outer = Reader::new(bytes);
    let seq = outer.expect(der::SEQUENCE, "").ok()?;
    let mut r = seq.reader();
    let first = r.any().ok()?;
    let second = r.any().ok()?;
    Some(match (first.tag, second.tag) {
        (der::INTEGER, der::SEQUENCE) => KeyKind::Pkcs8Private,
        (der::INTEGER, der::INTEGER) if r.is_empty() => KeyKind::Pkcs1Public,
        (der::INTEGER, der::INTEGER) => KeyKind::Pkcs1Private,
        (der::SEQUENCE, der::BIT_STRING) => KeyKind::SpkiPublic,
        (der::SEQUENCE, der::OCTET_STRING) => KeyKind::EncryptedPkcs8Private,
        _ => return None,
    })
}

/// Reads `bytes` as `expected` (or as what they look like), fills the report's kind, outputs
/// and content diagnostics. `span` maps a DER offset to a place in the text. Returns false when
/// the bytes could not be read as a key.
fn analyze(
    bytes: &[u8],
    expected: Option<KeyKind>,
    whole: Span,
    span: &dyn Fn(usize) -> Span,
    report: &mut KeyReport,
) -> bool {
    let kind = sniff(bytes).or(expected).unwrap_or(KeyKind::Unknown);
    report.kind = kind;
    let parsed = match kind {
        KeyKind::Pkcs8Private => pkcs8_private(bytes).map(|rsa| (rsa, None)),
        KeyKind::Pkcs1Private => top(bytes, "the RSAPrivateKey SEQUENCE")
            .and_then(|t| pkcs1_private(&t))
            .map(|rsa| {
                // PrivateKeyInfo { 0, { rsaEncryption, NULL }, OCTET STRING { PKCS#1 } }: what
                // `openssl pkcs8 -topk8 -nocrypt` writes.
                let p8 = der::sequence(&[
                    &der::integer(&[]),
                    &rsa_algorithm(),
                    &der::tlv(der::OCTET_STRING, bytes),
                ]);
                (rsa, Some(p8))
            }),
        KeyKind::SpkiPublic => spki_public(bytes).map(|rsa| (rsa, None)),
        KeyKind::Pkcs1Public => top(bytes, "the RSAPublicKey SEQUENCE")
            .and_then(|t| pkcs1_public(&t))
            .map(|rsa| (rsa, None)),
        KeyKind::EncryptedPkcs8Private => {
            return match encrypted_private(bytes) {
                Ok(()) => {
                    report
                        .diagnostics
                        .push(encrypted(whole, "an encrypted PKCS#8 key"));
                    true
                }
                Err(p) => {
                    report.diagnostics.push(problem(p, span));
                    false
                }
            }
        }
        KeyKind::Unknown => {
            report.diagnostics.push(
                Diagnostic::new(
                    Code::KeyUnreadable,
                    "the decoded bytes are not an RSA key (no PKCS#8, PKCS#1 or SubjectPublicKeyInfo structure)",
                    whole,
                )
                .help("paste the whole key file, BEGIN and END lines included; TD's setup makes it with `openssl genrsa 2048 | openssl pkcs8 -topk8 -inform PEM -out rsa_key.p8 -nocrypt`"),
            );
            return false;
        }
    };
    let (rsa, converted) = match parsed {
        Ok(p) => p,
        Err(p) => {
            if matches!(p, Problem::NotRsa { .. }) {
                report.kind = KeyKind::Unknown;
            }
            report.diagnostics.push(problem(p, span));
            return false;
        }
    };
    if rsa.n.is_empty() || rsa.e.is_empty() {
        report.diagnostics.push(Diagnostic::new(
            Code::KeyUnreadable,
            "the key's modulus or public exponent is zero",
            whole,
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
        let p8 = converted.as_deref().unwrap_or(bytes);
        report.pkcs8_pem = Some(pem("PRIVATE KEY", p8));
    }
    true
}

/// Bits, the size check, and the public outputs.
fn fill_public(rsa: &Rsa<'_>, at: Span, report: &mut KeyReport) {
    let bits = der::bit_len(rsa.n);
    report.bits = Some(bits);
    if bits < MIN_BITS {
        report.diagnostics.push(
            Diagnostic::new(
                Code::KeyTooSmall,
                format!("this RSA key has {bits} bits; Snowflake requires RSA 2048 bits or more"),
                at,
            )
            .help("make a new pair: `openssl genrsa 2048 | openssl pkcs8 -topk8 -inform PEM -out rsa_key.p8 -nocrypt`, then `openssl rsa -in rsa_key.p8 -pubout -out rsa_key.pub`"),
        );
    }
    let spki = rsa.spki();
    report.public_pem = Some(pem("PUBLIC KEY", &spki));
    report.public_body = Some(der::base64_encode(&spki));
    report.fingerprint = Some(fingerprint_spki(&spki));
}

fn encrypted(at: Span, what: &str) -> Diagnostic {
    Diagnostic::new(
        Code::KeyEncrypted,
        format!("{what}: TD's docs only show unencrypted keys (`-nocrypt`), and passphrase support is not documented; its size and fingerprint cannot be checked without the passphrase"),
        at,
    )
    .help(format!(
        "decrypt it to an unencrypted PKCS#8 key with `{OPENSSL_PKCS8}` (openssl asks for the passphrase), or make a new unencrypted pair; keep the key secret either way"
    ))
}

fn problem(p: Problem, span: &dyn Fn(usize) -> Span) -> Diagnostic {
    match p {
        Problem::Der(e) => Diagnostic::new(
            Code::KeyUnreadable,
            format!("the key cannot be read: {}", e.what),
            span(e.at),
        )
        .help("the base64 decodes, but not to a whole key: copy the key file again, every line from BEGIN to END"),
        Problem::NotRsa { at, algorithm } => Diagnostic::new(
            Code::KeyNotRsa,
            format!("this is {algorithm}; only RSA keys work for Snowflake key-pair authentication"),
            span(at),
        )
        .help("make an RSA pair: `openssl genrsa 2048 | openssl pkcs8 -topk8 -inform PEM -out rsa_key.p8 -nocrypt`"),
    }
}

// ---------------------------------------------------------------------------------------------
// Text: armor, damage, base64

/// A `-----BEGIN LABEL-----` or `-----END LABEL-----` marker.
#[derive(Clone, Debug)]
struct Marker {
    start: usize,
    end: usize,
    label: String,
    /// Five dashes on each side and nothing between them and the label.
    well_formed: bool,
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

/// Copy-paste damage found in the text; reported once the kind is known.
#[derive(Default)]
struct Damage {
    /// First `\r`, and how many.
    cr: Option<usize>,
    cr_count: usize,
    /// Spaces or tabs at the start or end of lines, or inside them.
    space: Option<usize>,
    space_lines: usize,
    /// Blank lines inside the body.
    blank: Option<usize>,
    blank_count: usize,
    /// `\n` written as two characters.
    escaped: Option<usize>,
    /// The BEGIN line and the body share a line; the body and the END line share a line.
    header_joined: Option<Span>,
    footer_joined: Option<Span>,
    /// No line break at all in the body, but spaces between its parts.
    spaces_for_breaks: bool,
    /// Lines longer than 64: the first one's span, and the longest length.
    long_line: Option<Span>,
    longest: usize,
    content_lines: usize,
}

/// The base64 characters of the body and the text offset of each.
#[derive(Default)]
struct Body {
    chars: Vec<u8>,
    pos: Vec<u32>,
}

impl Body {
    fn span_of_char(&self, i: usize, text_len: usize) -> Span {
        match self.pos.get(i) {
            Some(&p) => Span::new(p as usize, p as usize + 1),
            None => Span::empty(self.pos.last().map_or(text_len, |&p| p as usize + 1)),
        }
    }

    /// The text span of the character carrying DER byte `at`.
    fn span_of_byte(&self, at: usize, text_len: usize) -> Span {
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
fn scan_body(
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
            b if der::is_base64_char(b) => {
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

/// Inspects pasted key text: recognises the kind, reports and repairs copy-paste damage, and
/// derives the PKCS#8 PEM, the public key and its fingerprint. Bounded in time and memory for
/// any input; never panics.
pub fn inspect_key(text: &str) -> KeyReport {
    let mut report = KeyReport::empty(KeyKind::Unknown);
    if text.len() > MAX_KEY_TEXT {
        report.diagnostics.push(too_large(text.len()));
        return report;
    }
    inspect_into(text, &mut report);
    cps_core::sort_diagnostics(&mut report.diagnostics);
    report
}

fn unreadable(at: Span, message: impl Into<String>, help: &str) -> Diagnostic {
    Diagnostic::new(Code::KeyUnreadable, message, at).help(help)
}

fn inspect_into(text: &str, report: &mut KeyReport) {
    let len = text.len();
    let bom = if text.starts_with('\u{feff}') { 3 } else { 0 };
    if text[bom..].trim().is_empty() {
        report.diagnostics.push(unreadable(
            Span::empty(0),
            "there is no key: the text is empty",
            "paste the key file's whole text, from `-----BEGIN` to `-----END ...-----`",
        ));
        return;
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
        return;
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
        return;
    }

    let begin = find_marker(text, "BEGIN", bom);
    let end = find_marker(text, "END", begin.as_ref().map_or(bom, |b| b.end));
    if begin.is_none() && end.is_none() {
        if let Some(done) = openssh_public(text, bom, report) {
            return done;
        }
    }
    let mut damage = Damage::default();
    let mut junk: Vec<(Span, &'static str)> = Vec::new();

    // The body's region, after the armor and junk are set aside.
    let (mut start, mut stop) = (
        begin.as_ref().map_or(bom, |b| b.end),
        end.as_ref().map_or(len, |e| e.start),
    );
    if let (Some(_), Some(e)) = (&begin, &end) {
        if e.start < start {
            stop = start;
        }
    }
    let is_junk = |c: char| {
        !(c.is_ascii_alphanumeric() || matches!(c, '+' | '/' | '=' | '\\') || c.is_whitespace())
    };
    match &begin {
        Some(b) => {
            let before = &text[bom..b.start];
            let line = before.rfind('\n').map_or(bom, |i| bom + i + 1);
            if !blankish(before) {
                junk.push((
                    Span::new(
                        bom + (before.len() - before.trim_start().len()),
                        bom + before.trim_end().len(),
                    ),
                    "before the BEGIN line",
                ));
            }
            if text[line..b.start].contains([' ', '\t']) && text[line..b.start].trim().is_empty() {
                damage.space.get_or_insert(line);
                damage.space_lines += 1;
            }
        }
        None => {
            // No BEGIN line: a bare body, maybe inside `RSA_PUBLIC_KEY='...'` or quotes.
            if let Some((s, e)) = quoted_key_value(text, bom, stop) {
                let before = &text[bom..s];
                if !before.trim().is_empty() {
                    let lead = before.len() - before.trim_start().len();
                    junk.push((Span::new(bom + lead, s), "before the key"));
                }
                let after = &text[e..];
                if end.is_none() && !after.trim().is_empty() {
                    junk.push((Span::new(e, e + after.trim_end().len()), "after the key"));
                }
                start = s;
                stop = if end.is_none() { e } else { stop };
            } else {
                let region = &text[start..stop];
                let trimmed = region.trim_start_matches(is_junk);
                let cut = region.len() - trimmed.len();
                let cut_text = &region[..cut];
                if !cut_text.trim().is_empty() {
                    let lead = cut_text.len() - cut_text.trim_start().len();
                    junk.push((
                        Span::new(start + lead, start + cut_text.trim_end().len()),
                        "before the key",
                    ));
                }
                start += cut;
            }
        }
    }
    match &end {
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
                junk.push((Span::new(from, e.end + after.trim_end().len()), what));
            }
            let tail = &text[e.end..line_end];
            if tail.contains([' ', '\t']) && tail.trim().is_empty() {
                damage.space.get_or_insert(e.end);
                damage.space_lines += 1;
            }
        }
        None if begin.is_some() || stop == len => {
            let region = &text[start..stop];
            let trimmed = region.trim_end_matches(is_junk);
            let cut_text = &region[trimmed.len()..];
            if !cut_text.trim().is_empty() {
                let lead = cut_text.len() - cut_text.trim_start().len();
                let from = start + trimmed.len();
                junk.push((
                    Span::new(from + lead, from + cut_text.trim_end().len()),
                    "after the key",
                ));
            }
            stop = start + trimmed.len();
        }
        None => {}
    }

    // The label, and what it says.
    let label_marker = begin.as_ref().or(end.as_ref());
    let label = label_marker.map(|m| m.label.as_str());
    if let Some(label) = label {
        match label {
            "OPENSSH PRIVATE KEY" => {}
            "EC PRIVATE KEY" | "EC PARAMETERS" | "DSA PRIVATE KEY" => {
                let m = label_marker.map_or(Span::empty(0), |m| Span::new(m.start, m.end));
                let alg = if label.starts_with("EC") {
                    "an EC (elliptic curve)"
                } else {
                    "a DSA"
                };
                report.diagnostics.push(
                    Diagnostic::new(
                        Code::KeyNotRsa,
                        format!("this is {alg} key; only RSA keys work for Snowflake key-pair authentication"),
                        m,
                    )
                    .help("make an RSA pair: `openssl genrsa 2048 | openssl pkcs8 -topk8 -inform PEM -out rsa_key.p8 -nocrypt`"),
                );
                return;
            }
            l if l.contains("CERTIFICATE") || l.contains("CRL") => {
                let m = label_marker.map_or(Span::empty(0), |m| Span::new(m.start, m.end));
                report.diagnostics.push(unreadable(
                    m,
                    format!("this is a {}, not a key", l.to_lowercase()),
                    "Snowflake takes the RSA public key itself; from a certificate: `openssl x509 -in cert.pem -pubkey -noout`",
                ));
                return;
            }
            _ => {}
        }
    }
    if let Some(i) = text[start..stop].find("Proc-Type:") {
        report.kind = label
            .and_then(KeyKind::from_label)
            .unwrap_or(KeyKind::Pkcs1Private);
        report.diagnostics.push(encrypted(
            Span::new(start + i, start + i + "Proc-Type:".len()),
            "this key is encrypted with a passphrase (OpenSSL's legacy `Proc-Type: 4,ENCRYPTED`)",
        ));
        return;
    }

    let mut body = Body::default();
    let bad = scan_body(
        text,
        start,
        stop,
        begin.is_some(),
        end.is_some(),
        &mut body,
        &mut damage,
    );
    damage.cr_count = text.bytes().filter(|&b| b == b'\r').count();
    damage.cr = text.find('\r');

    let label_kind = label.and_then(KeyKind::from_label);
    report.kind = label_kind.unwrap_or(KeyKind::Unknown);
    let mut readable = false;
    if let Some(at) = bad {
        let shown = &text[at.range()];
        report.diagnostics.push(unreadable(
            at,
            if shown == "-" {
                "a `-` inside the key: a BEGIN or END line is damaged, or two keys run together".to_string()
            } else {
                format!("`{}` is not part of a PEM key (base64 letters, digits, `+`, `/` and `=`)", shown.escape_debug())
            },
            "copy the key file again, every line from BEGIN to END; a key holds nothing but base64 between them",
        ));
    } else if body.chars.is_empty() {
        report.diagnostics.push(unreadable(
            Span::new(start, stop),
            if label.is_some() {
                "the key has no body: nothing between the BEGIN and END lines"
            } else {
                "there is no key in this text"
            },
            "paste the key file's whole text, from `-----BEGIN` to `-----END ...-----`",
        ));
    } else {
        match der::base64_decode(&body.chars) {
            Err((i, what)) => report.diagnostics.push(unreadable(
                body.span_of_char(i, len),
                format!("the key's base64 cannot be decoded: {what}"),
                "copy the key file again: a character was lost or changed, or the text was cut short",
            )),
            Ok(bytes) if label == Some("OPENSSH PRIVATE KEY") => {
                openssh_private(&bytes, label_marker, report);
                readable = true;
            }
            Ok(bytes) => {
                let map = |at: usize| body.span_of_byte(at, len);
                let whole = label_marker.map_or_else(
                    || {
                        let first = body.span_of_char(0, len);
                        Span::new(first.start as usize, stop)
                    },
                    |m| Span::new(m.start, m.end),
                );
                readable = analyze(&bytes, label_kind, whole, &map, report);
                if readable || report.kind != KeyKind::Unknown {
                    armor(text, &begin, &end, label_kind, report);
                }
            }
        }
    }

    // Damage is reported when the text is a PEM key, readable or not (it is what to fix), and
    // for bare text that reads as a key; not for text that is no key at all.
    let armored = begin.is_some() || end.is_some();
    if !armored && !readable {
        return;
    }
    if label == Some("OPENSSH PRIVATE KEY") {
        // OpenSSH wraps at 70 characters; the format itself is the problem.
        damage.long_line = None;
    }
    let bare_public = !armored && report.kind == KeyKind::SpkiPublic;
    // Spaces that replaced line breaks are reported as one line, not as stray spaces.
    let breaks_as_spaces = damage.spaces_for_breaks && armored && damage.escaped.is_none();
    let mut warn = |d: Diagnostic| report.diagnostics.push(d);
    for (span, where_) in junk {
        warn(Diagnostic::new(Code::KeyJunk, format!("text {where_} is not part of the key"), span)
            .help("cps reads the key alone; paste only the key file's text, without quotes or surrounding text"));
    }
    if let Some(at) = damage.escaped {
        warn(Diagnostic::new(
            Code::KeyOneLine,
            "the line breaks are written as `\\n` (the key was copied from a JSON or code string)",
            Span::new(at, at + 2),
        )
        .help("paste the key with real line breaks; TD's key field wants the PEM file as it is, one line per 64 characters"));
    } else if breaks_as_spaces {
        let at = damage
            .header_joined
            .or(damage.long_line)
            .unwrap_or(Span::new(start, stop));
        warn(Diagnostic::new(
            Code::KeyOneLine,
            "the key is on one line: its line breaks became spaces",
            at,
        )
        .help("paste the key with real line breaks (TD: not one long line); cps shows the key rewrapped"));
    } else if !bare_public {
        let joined = damage.header_joined.or(damage.footer_joined);
        if let Some(at) = joined {
            let what = match (
                damage.header_joined.is_some(),
                damage.footer_joined.is_some(),
            ) {
                (true, true) => "the BEGIN line, the key and the END line are on one line",
                (true, false) => "the key starts on the BEGIN line",
                _ => "the END line follows the key on the same line",
            };
            warn(Diagnostic::new(Code::KeyOneLine, what, at)
                .help("paste the key with real line breaks (TD: not one long line); cps shows the key rewrapped"));
        } else if let Some(at) = damage.long_line {
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
            warn(Diagnostic::new(Code::KeyOneLine, what, at)
                .help("paste the key with real line breaks (TD: not one long line); cps shows the key rewrapped"));
        }
    }
    if let Some(at) = damage.cr {
        warn(
            Diagnostic::new(
                Code::KeyCrlf,
                format!(
                    "the key has Windows line endings ({} CR characters)",
                    damage.cr_count
                ),
                Span::new(at, at + 1),
            )
            .help("cps writes the key with LF line endings; save key files with Unix (LF) line endings"),
        );
    }
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
    if !ws.is_empty() {
        let at = match (damage.blank, damage.space) {
            (Some(a), Some(b)) => a.min(b),
            (a, b) => a.or(b).unwrap_or(start),
        };
        warn(
            Diagnostic::new(
                Code::KeyWhitespace,
                format!("the key has stray whitespace: {}", ws.join(", ")),
                Span::new(at, at + 1),
            )
            .help("PEM has no blank lines or spaces; cps removed them (an indented or re-wrapped copy is the usual cause)"),
        );
    }
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

/// Whitespace only, counting `\n`, `\r` and `\t` written as escapes (a key copied from a JSON
/// or code string).
fn blankish(s: &str) -> bool {
    s.replace("\\n", "")
        .replace("\\r", "")
        .replace("\\t", "")
        .trim()
        .is_empty()
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// Armor diagnostics, once the content's kind is known: a missing, damaged or wrong BEGIN or
/// END line.
fn armor(
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

// ---------------------------------------------------------------------------------------------
// OpenSSH

fn ssh_string<'a>(b: &'a [u8], p: &mut usize) -> Option<&'a [u8]> {
    let len_bytes: [u8; 4] = b.get(*p..p.checked_add(4)?)?.try_into().ok()?;
    let len = usize::try_from(u32::from_be_bytes(len_bytes)).ok()?;
    let start = p.checked_add(4)?;
    let s = b.get(start..start.checked_add(len)?)?;
    *p = start + len;
    Some(s)
}

/// The public key in OpenSSH's wire format: its type and, for `ssh-rsa`, the key.
fn ssh_public(blob: &[u8]) -> Option<(String, Option<Rsa<'_>>)> {
    let mut p = 0;
    let kind = ssh_string(blob, &mut p)?;
    let kind = String::from_utf8_lossy(kind).into_owned();
    if kind != "ssh-rsa" {
        return Some((kind, None));
    }
    let e = ssh_string(blob, &mut p)?;
    let n = ssh_string(blob, &mut p)?;
    let unsigned = |m: &'_ [u8]| -> Option<usize> {
        if m.first().is_some_and(|&b| b & 0x80 != 0) {
            return None;
        }
        Some(m.iter().take_while(|&&b| b == 0).count())
    };
    let (ez, nz) = (unsigned(e)?, unsigned(n)?);
    Some((
        kind,
        Some(Rsa {
            n: &n[nz..],
            e: &e[ez..],
        }),
    ))
}

const SSH_HELP_PUBLIC: &str = "convert it to PEM: `ssh-keygen -e -m PKCS8 -f rsa_key.pub`; the fingerprint shown is the one Snowflake will show once the converted key is set";

/// A `ssh-rsa AAAA... comment` line; `None` when the text is not one.
fn openssh_public(text: &str, from: usize, report: &mut KeyReport) -> Option<()> {
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
                format!("this is an OpenSSH `{ssh_type}` key; only RSA keys work for Snowflake key-pair authentication, as PEM"),
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
        .take_while(|&b| der::is_base64_char(b))
        .count();
    let blob = der::base64_decode(&text.as_bytes()[b64_start..b64_start + b64_len]);
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
fn openssh_private(bytes: &[u8], marker: Option<&Marker>, report: &mut KeyReport) {
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

#[cfg(test)]
mod tests {
    use super::*;

    const P1: &str = include_str!("../tests/keys/rsa2048_pkcs1.pem");
    const P8: &str = include_str!("../tests/keys/rsa2048_pkcs8.p8");
    const PUB: &str = include_str!("../tests/keys/rsa2048.pub");
    const PUB1: &str = include_str!("../tests/keys/rsa2048_pkcs1.pub");
    const FP: &str = include_str!("../tests/keys/rsa2048.fp");
    const ENC: &str = include_str!("../tests/keys/rsa2048_encrypted.p8");
    const SSH_KEY: &str = include_str!("../tests/keys/rsa2048_openssh.key");
    const SSH_PUB: &str = include_str!("../tests/keys/rsa2048_openssh.pub");
    const SMALL1: &str = include_str!("../tests/keys/rsa1024_pkcs1.pem");
    const SMALL8: &str = include_str!("../tests/keys/rsa1024_pkcs8.p8");
    const SMALL_FP: &str = include_str!("../tests/keys/rsa1024.fp");
    const BIG1: &str = include_str!("../tests/keys/rsa4096_pkcs1.pem");
    const BIG8: &str = include_str!("../tests/keys/rsa4096_pkcs8.p8");
    const BIG_PUB: &str = include_str!("../tests/keys/rsa4096.pub");
    const BIG_FP: &str = include_str!("../tests/keys/rsa4096.fp");
    const ED: &str = include_str!("../tests/keys/ed25519.p8");
    const EC: &str = include_str!("../tests/keys/ec_p256.p8");

    fn fp(file: &str) -> String {
        format!("SHA256:{}", file.trim())
    }

    /// Every span inside the text and on character boundaries; every message non-empty.
    fn sane(text: &str, r: &KeyReport) {
        for d in &r.diagnostics {
            for span in std::iter::once(d.span).chain(d.related.iter().map(|x| x.span)) {
                assert!(span.start <= span.end, "{d:?}");
                assert!(
                    span.end as usize <= text.len(),
                    "{d:?} in {} bytes",
                    text.len()
                );
                assert!(text.is_char_boundary(span.start as usize), "{d:?}");
                assert!(text.is_char_boundary(span.end as usize), "{d:?}");
            }
            assert!(!d.message.is_empty());
            assert!(d.help.is_some(), "{d:?}");
        }
        if let Some(p) = &r.pkcs8_pem {
            assert!(
                p.starts_with("-----BEGIN PRIVATE KEY-----\n")
                    && p.ends_with("-----END PRIVATE KEY-----\n")
            );
        }
        if let Some(p) = &r.public_pem {
            assert!(p.lines().all(|l| l.len() <= 64), "{p}");
        }
    }

    fn inspect(text: &str) -> KeyReport {
        let r = inspect_key(text);
        sane(text, &r);
        r
    }

    fn codes(r: &KeyReport) -> Vec<&'static str> {
        let mut c: Vec<&str> = r.diagnostics.iter().map(|d| d.code.as_str()).collect();
        c.sort_unstable();
        c
    }

    /// The 2048-bit test key's outputs, whatever form it came in.
    fn assert_outputs_2048(r: &KeyReport, private: bool) {
        assert_eq!(r.bits, Some(2048));
        assert_eq!(r.fingerprint.as_deref(), Some(fp(FP).as_str()));
        assert_eq!(r.public_pem.as_deref(), Some(PUB));
        let body: String = PUB.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(r.public_body.as_deref(), Some(body.as_str()));
        if private {
            assert_eq!(r.pkcs8_pem.as_deref(), Some(P8));
        } else {
            assert_eq!(r.pkcs8_pem, None);
        }
    }

    #[test]
    fn pkcs8_is_clean() {
        let r = inspect(P8);
        assert_eq!(r.kind, KeyKind::Pkcs8Private);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert!(!r.repaired);
        assert_outputs_2048(&r, true);
    }

    #[test]
    fn pkcs1_converts_to_what_openssl_writes() {
        let r = inspect(P1);
        assert_eq!(r.kind, KeyKind::Pkcs1Private);
        assert_eq!(codes(&r), ["key-pkcs1"]);
        assert!(r.diagnostics[0].message.contains("TD requires PKCS#8"));
        assert_eq!(r.diagnostics[0].span, Span::new(0, 31), "the BEGIN line");
        assert!(!r.repaired);
        assert_outputs_2048(&r, true);

        let big = inspect(BIG1);
        assert_eq!(big.bits, Some(4096));
        assert_eq!(big.pkcs8_pem.as_deref(), Some(BIG8));
        assert_eq!(big.public_pem.as_deref(), Some(BIG_PUB));
        assert_eq!(big.fingerprint.as_deref(), Some(fp(BIG_FP).as_str()));
    }

    #[test]
    fn public_keys() {
        let r = inspect(PUB);
        assert_eq!(r.kind, KeyKind::SpkiPublic);
        assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
        assert_outputs_2048(&r, false);

        let r = inspect(PUB1);
        assert_eq!(r.kind, KeyKind::Pkcs1Public);
        assert_eq!(codes(&r), ["key-pkcs1"]);
        assert_outputs_2048(&r, false);

        // The bare body, as ALTER USER takes it, on one line or wrapped: accepted as it is.
        let lines: Vec<&str> = PUB.lines().filter(|l| !l.starts_with("-----")).collect();
        for bare in [
            lines.concat(),
            lines.join("\n"),
            format!("{}\n", lines.concat()),
        ] {
            let r = inspect(&bare);
            assert_eq!(r.kind, KeyKind::SpkiPublic, "{bare}");
            assert!(r.diagnostics.is_empty(), "{:?}", r.diagnostics);
            assert!(!r.repaired);
            assert_outputs_2048(&r, false);
        }
    }

    #[test]
    fn encrypted_keys_cannot_be_checked_further() {
        let r = inspect(ENC);
        assert_eq!(r.kind, KeyKind::EncryptedPkcs8Private);
        assert_eq!(codes(&r), ["key-encrypted"]);
        assert!(r.diagnostics[0].message.contains("-nocrypt"));
        assert!(!r.has_errors());
        assert_eq!((r.bits, r.fingerprint, r.pkcs8_pem), (None, None, None));

        let legacy = "-----BEGIN RSA PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,0123456789ABCDEF0123456789ABCDEF\n\nAAAA\n-----END RSA PRIVATE KEY-----\n";
        let r = inspect(legacy);
        assert_eq!(codes(&r), ["key-encrypted"]);
        assert_eq!(r.kind, KeyKind::Pkcs1Private);
    }

    #[test]
    fn small_and_foreign_keys() {
        for text in [SMALL1, SMALL8] {
            let r = inspect(text);
            assert!(codes(&r).contains(&"key-too-small"), "{:?}", r.diagnostics);
            assert!(r.has_errors());
            assert_eq!(r.bits, Some(1024));
            assert_eq!(r.fingerprint.as_deref(), Some(fp(SMALL_FP).as_str()));
            let d = r
                .diagnostics
                .iter()
                .find(|d| d.code == Code::KeyTooSmall)
                .unwrap();
            assert!(d
                .message
                .contains("Snowflake requires RSA 2048 bits or more"));
        }
        for text in [ED, EC] {
            let r = inspect(text);
            assert_eq!(codes(&r), ["key-not-rsa"], "{:?}", r.diagnostics);
            assert_eq!(r.fingerprint, None);
        }
        let r = inspect("-----BEGIN EC PRIVATE KEY-----\nAAAA\n-----END EC PRIVATE KEY-----\n");
        assert_eq!(codes(&r), ["key-not-rsa"]);
        let r = inspect("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n");
        assert_eq!(codes(&r), ["key-unreadable"]);
    }

    #[test]
    fn openssh_keys_are_explained_and_fingerprinted() {
        let r = inspect(SSH_KEY);
        assert_eq!(codes(&r), ["key-openssh"]);
        assert!(r.diagnostics[0]
            .help
            .as_deref()
            .unwrap()
            .contains("ssh-keygen -p -m PKCS8"));
        assert_eq!(r.kind, KeyKind::Unknown);
        assert_eq!(r.pkcs8_pem, None);
        assert_eq!(r.fingerprint.as_deref(), Some(fp(FP).as_str()));

        let r = inspect(SSH_PUB);
        assert_eq!(codes(&r), ["key-openssh"]);
        assert_eq!(r.public_pem.as_deref(), Some(PUB));
        assert_eq!(r.fingerprint.as_deref(), Some(fp(FP).as_str()));

        let r = inspect(
            "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIPlaceholderPlaceholderPlaceholder user@host\n",
        );
        assert_eq!(codes(&r), ["key-not-rsa"]);
        let r = inspect("---- BEGIN SSH2 PUBLIC KEY ----\nAAAA\n---- END SSH2 PUBLIC KEY ----\n");
        assert_eq!(codes(&r), ["key-openssh"]);
    }

    fn body_lines(pem: &str) -> Vec<&str> {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    /// Each damaged paste: its codes, and the outputs of the clean key.
    #[test]
    fn damage_is_reported_and_repaired() {
        let lines = body_lines(P8);
        let begin = "-----BEGIN PRIVATE KEY-----";
        let end = "-----END PRIVATE KEY-----";
        let cases: Vec<(&str, String, Vec<&str>)> = vec![
            (
                "all on one line",
                P8.replace('\n', ""),
                vec!["key-one-line"],
            ),
            (
                "breaks became spaces",
                P8.trim_end().replace('\n', " "),
                vec!["key-one-line"],
            ),
            (
                "body on one line",
                format!("{begin}\n{}\n{end}\n", lines.concat()),
                vec!["key-one-line"],
            ),
            (
                "json escapes",
                P8.replace('\n', "\\n"),
                vec!["key-one-line"],
            ),
            ("crlf", P8.replace('\n', "\r\n"), vec!["key-crlf"]),
            (
                "missing footer",
                format!("{begin}\n{}\n", lines.join("\n")),
                vec!["key-missing-armor"],
            ),
            (
                "missing header",
                format!("{}\n{end}\n", lines.join("\n")),
                vec!["key-missing-armor"],
            ),
            ("no armor", lines.join("\n"), vec!["key-missing-armor"]),
            (
                "short dashes",
                P8.replacen("-----BEGIN", "----BEGIN", 1),
                vec!["key-missing-armor"],
            ),
            (
                "footer without dashes",
                P8.replace("-----END PRIVATE KEY-----", "-----END PRIVATE KEY"),
                vec!["key-missing-armor"],
            ),
            (
                "wrong label",
                P8.replace("PRIVATE KEY", "RSA PRIVATE KEY"),
                vec!["key-missing-armor"],
            ),
            (
                "mismatched END",
                P8.replace("-----END PRIVATE KEY", "-----END RSA PRIVATE KEY"),
                vec!["key-missing-armor"],
            ),
            (
                "blank lines",
                P8.replacen('\n', "\n\n", 3),
                vec!["key-whitespace"],
            ),
            (
                "trailing spaces",
                P8.replace('\n', "  \n"),
                vec!["key-whitespace"],
            ),
            (
                "tabs inside",
                P8.replacen("MII", "MI\tI", 1),
                vec!["key-whitespace"],
            ),
            ("quoted", format!("'{P8}'"), vec!["key-junk", "key-junk"]),
            (
                "yaml",
                format!(
                    "private_key: |\n{}",
                    P8.lines().map(|l| format!("  {l}\n")).collect::<String>()
                ),
                vec!["key-junk", "key-whitespace"],
            ),
            (
                "everything",
                format!(
                    "\"{}\"",
                    P8.replace('\n', "\r\n").replacen("MII", "MII ", 1)
                ),
                vec!["key-crlf", "key-junk", "key-junk", "key-whitespace"],
            ),
        ];
        for (name, text, want) in cases {
            let r = inspect(&text);
            assert_eq!(codes(&r), want, "{name}: {:?}", r.diagnostics);
            assert!(r.repaired, "{name}");
            assert!(!r.has_errors(), "{name}");
            assert_eq!(r.kind, KeyKind::Pkcs8Private, "{name}");
            assert_outputs_2048(&r, true);
            for d in &r.diagnostics {
                assert_eq!(d.severity, Severity::Warning, "{name}: {d:?}");
            }
        }

        // PKCS#1 content under the PKCS#8 label: read as what it is.
        let r = inspect(&P1.replace("RSA PRIVATE KEY", "PRIVATE KEY"));
        assert_eq!(codes(&r), ["key-missing-armor", "key-pkcs1"]);
        assert_eq!(r.kind, KeyKind::Pkcs1Private);
        assert_outputs_2048(&r, true);

        // A public key inside an ALTER USER statement, and in quotes.
        let body = body_lines(PUB).concat();
        for text in [
            format!("ALTER USER jsmith SET RSA_PUBLIC_KEY='{body}';"),
            format!("alter user jsmith set rsa_public_key_2 = \"{body}\"\n"),
            format!("  '{body}'  "),
        ] {
            let r = inspect(&text);
            assert!(
                !codes(&r).is_empty() && codes(&r).iter().all(|c| *c == "key-junk"),
                "{text}: {:?}",
                r.diagnostics
            );
            assert_outputs_2048(&r, false);
        }
    }

    #[test]
    fn one_line_messages_point_at_the_line() {
        let text = P8.replace('\n', "");
        let r = inspect(&text);
        let d = &r.diagnostics[0];
        assert!(d.message.contains("on one line"), "{d:?}");
        assert_eq!(d.span.start as usize, "-----BEGIN PRIVATE KEY-----".len());
        let lines = body_lines(P8);
        let text = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines.concat()
        );
        let d = &inspect(&text).diagnostics[0];
        assert!(
            d.message
                .contains(&format!("one line of {} characters", lines.concat().len())),
            "{d:?}"
        );
    }

    #[test]
    fn unreadable_text_points_at_the_fault() {
        // A character that is not base64.
        let at = P8.find("MII").unwrap() + 100;
        let mut bad = P8.to_string();
        bad.replace_range(at..at + 1, "*");
        let r = inspect(&bad);
        assert_eq!(codes(&r), ["key-unreadable"]);
        assert_eq!(r.diagnostics[0].span, Span::new(at, at + 1));
        assert_eq!((r.fingerprint.as_ref(), r.pkcs8_pem.as_ref()), (None, None));

        // Non-ASCII inside the body: the span covers the whole character.
        bad.replace_range(at..at + 1, "é");
        let r = inspect(&bad);
        assert_eq!(r.diagnostics[0].span, Span::new(at, at + 2));

        // A cut-short copy: the base64 decodes, the DER does not.
        let lines = body_lines(P8);
        let cut = format!(
            "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
            lines[..20].join("\n")
        );
        let r = inspect(&cut);
        assert_eq!(codes(&r), ["key-unreadable"], "{:?}", r.diagnostics);
        assert!(
            r.diagnostics[0].message.contains("cut short"),
            "{:?}",
            r.diagnostics
        );
        assert_eq!(r.kind, KeyKind::Pkcs8Private);

        // Padding in the middle.
        let r = inspect(&P8.replacen("MII", "M=I", 1));
        assert_eq!(codes(&r), ["key-unreadable"]);

        for text in [
            "",
            "   \n",
            "hello world",
            "-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n",
        ] {
            let r = inspect(text);
            assert_eq!(codes(&r), ["key-unreadable"], "{text:?}");
        }
    }

    #[test]
    fn pairs_and_fingerprints() {
        let private = inspect(P1);
        let public = inspect(PUB);
        let other = inspect(BIG_PUB);
        let enc = inspect(ENC);
        assert_eq!(same_pair(&private, &public), Some(true));
        assert_eq!(same_pair(&private, &other), Some(false));
        assert_eq!(same_pair(&enc, &public), None);

        let want = fp(FP);
        let table = format!(
            "| property | value | default | description |\n| RSA_PUBLIC_KEY | MIIBIjANBgkqh... | null | RSA public key of the user |\n| RSA_PUBLIC_KEY_FP | {want} | null | Fingerprint of user's RSA public key. |\n| RSA_PUBLIC_KEY_2_FP | null | null | |\n"
        );
        assert_eq!(fingerprint_matches(&want, &table), Some(true));
        let tsv = format!("property\tvalue\nRSA_PUBLIC_KEY_FP\t{want}\n");
        assert_eq!(fingerprint_matches(&want, &tsv), Some(true));
        let csv = format!("\"RSA_PUBLIC_KEY_FP\",\"{want}\",\"null\"\n");
        assert_eq!(fingerprint_matches(&want, &csv), Some(true));
        let json = format!(
            "[{{\"property\":\"RSA_PUBLIC_KEY_FP\",\"value\":\"{}\"}}]",
            want.replace('/', "\\/")
        );
        assert_eq!(fingerprint_matches(&want, &json), Some(true));
        // Without the prefix, and against the rotation slot.
        let second = format!(
            "RSA_PUBLIC_KEY_FP  {}\nRSA_PUBLIC_KEY_2_FP  {want}\n",
            fp(BIG_FP)
        );
        assert_eq!(fingerprint_matches(FP.trim(), &second), Some(true));
        assert_eq!(fingerprint_matches(&fp(SMALL_FP), &second), Some(false));
        assert_eq!(fingerprint_matches(&want, "RSA_PUBLIC_KEY_FP | null"), None);
        assert_eq!(fingerprint_matches("nonsense", &table), None);
    }

    #[test]
    fn from_der_reads_webcrypto_exports() {
        let der_of = |pem: &str| der::base64_decode(body_lines(pem).concat().as_bytes()).unwrap();
        let p8 = der_of(P8);
        let r = from_der(KeyKind::Pkcs8Private, &p8);
        assert!(r.diagnostics.is_empty());
        assert_outputs_2048(&r, true);
        let spki = der_of(PUB);
        let r = from_der(KeyKind::SpkiPublic, &spki);
        assert_outputs_2048(&r, false);
        assert_eq!(fingerprint_spki(&spki), fp(FP));
        let r = from_der(KeyKind::Unknown, &der_of(P1));
        assert_eq!(r.kind, KeyKind::Pkcs1Private);
        assert_outputs_2048(&r, true);
        assert_eq!(pem("PRIVATE KEY", &p8), P8);
        assert_eq!(pem("X", &[]), "-----BEGIN X-----\n-----END X-----\n");
        let r = from_der(KeyKind::Pkcs8Private, b"\x30\x03\x02\x01");
        assert_eq!(codes(&r), ["key-unreadable"]);
    }

    /// A fixed pseudo-random sequence (no `rand` in the core).
    fn lcg(seed: &mut u64) -> u8 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (*seed >> 33) as u8
    }

    #[test]
    fn hostile_input_never_panics() {
        let der = der::base64_decode(body_lines(P8).concat().as_bytes()).unwrap();
        // Truncated at every length, as DER and as PEM.
        for n in 0..der.len() {
            let r = from_der(KeyKind::Pkcs8Private, &der[..n]);
            assert!(r.has_errors(), "{n}");
            let text = pem("PRIVATE KEY", &der[..n]);
            let r = inspect(&text);
            assert!(r.has_errors() && r.fingerprint.is_none(), "{n}");
        }
        // Random bytes, random text, and random bytes armored.
        let mut seed = 7u64;
        for round in 0..300 {
            let len = (round * 13) % 700;
            let bytes: Vec<u8> = (0..len).map(|_| lcg(&mut seed)).collect();
            for kind in KeyKind::ALL.into_iter().chain([KeyKind::Unknown]) {
                let _ = from_der(kind, &bytes);
            }
            let text = String::from_utf8_lossy(&bytes);
            inspect(&text);
            inspect(&pem("PRIVATE KEY", &bytes));
            inspect(&pem("PUBLIC KEY", &bytes));
            inspect(&pem("OPENSSH PRIVATE KEY", &bytes));
            inspect(&format!("ssh-rsa {}", der::base64_encode(&bytes)));
            // Flipped bytes inside a real key.
            let mut flipped = der.clone();
            let i = (round * 31) % flipped.len();
            flipped[i] ^= lcg(&mut seed) | 1;
            inspect(&pem("PRIVATE KEY", &flipped));
        }
        // Huge lengths in TLV headers.
        for header in [
            &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff][..],
            &[0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
            &[0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00],
            &[0x30, 0x82, 0x04, 0xbd, 0x02, 0x84, 0x7f, 0xff, 0xff, 0xff],
            &[0x30, 0x06, 0x02, 0x01, 0x00, 0x30, 0x81, 0xff],
        ] {
            let r = from_der(KeyKind::Unknown, header);
            assert!(r.has_errors());
            inspect(&pem("PRIVATE KEY", header));
        }
        // Markers everywhere, odd armor, odd escapes.
        for text in [
            "-----BEGIN ",
            "-----BEGIN -----",
            "-----END PRIVATE KEY-----",
            "-----END PRIVATE KEY----------BEGIN PRIVATE KEY-----",
            "BEGIN PRIVATE KEY\nEND PRIVATE KEY",
            "\\",
            "\\n\\n\\n",
            "\u{feff}",
            "'",
            "RSA_PUBLIC_KEY='",
            "RSA_PUBLIC_KEY=\"é",
            "ssh-rsa",
            "ssh-rsa é",
            "-----BEGIN PRIVATE KEY-----é-----END PRIVATE KEY-----",
        ] {
            inspect(text);
        }
        // 1 MB of base64, and more than the cap.
        let big = "QUFB".repeat(250_000);
        let r = inspect(&big);
        assert!(r.has_errors());
        let r = inspect(&pem("PRIVATE KEY", &vec![0x41; 700_000]));
        assert!(r.has_errors());
        let r = inspect(&"A".repeat(MAX_KEY_TEXT + 1));
        assert_eq!(codes(&r), ["key-unreadable"]);
        let r = inspect(&"\n".repeat(MAX_KEY_TEXT));
        assert_eq!(codes(&r), ["key-unreadable"]);
    }
}
