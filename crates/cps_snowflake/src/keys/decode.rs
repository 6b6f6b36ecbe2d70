//! Stage 3 of [`super::inspect_key`]: base64 → DER bytes → key structures. The reading is
//! RustCrypto's: `base64ct`, `der`, `pkcs1` (RSAPrivateKey, RSAPublicKey), `pkcs8`
//! (PrivateKeyInfo, EncryptedPrivateKeyInfo and its PBES2 decryption), `spki`
//! (SubjectPublicKeyInfo). What is cps's own is the translation of their errors into places and
//! words a user can act on, and the bounds put on a hostile key's decryption cost.

use super::KeyKind;
use base64ct::{Base64Unpadded, Encoding};
use der::asn1::{AnyRef, BitStringRef, OctetStringRef, UintRef};
use der::{Decode, Encode, ErrorKind, Reader, SliceReader, Tag, Tagged};
use pkcs1::{RsaPrivateKeyRef, RsaPublicKeyRef};
use pkcs8::pkcs5::pbes2::Kdf;
use pkcs8::{EncryptedPrivateKeyInfoRef, PrivateKeyInfoRef};
use spki::{AlgorithmIdentifierRef, ObjectIdentifier, SubjectPublicKeyInfoRef};

/// An RSA public key: modulus and public exponent, unsigned big-endian without leading zeros.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rsa {
    pub n: Vec<u8>,
    pub e: Vec<u8>,
}

impl Rsa {
    pub fn new(n: &[u8], e: &[u8]) -> Rsa {
        let strip = |b: &[u8]| b[b.iter().take_while(|&&x| x == 0).count()..].to_vec();
        Rsa {
            n: strip(n),
            e: strip(e),
        }
    }

    /// The number of significant bits of the modulus.
    pub fn bits(&self) -> u32 {
        match self.n.first() {
            None => 0,
            Some(&b) => {
                let bytes = u32::try_from(self.n.len()).unwrap_or(u32::MAX / 8);
                bytes.saturating_mul(8) - b.leading_zeros()
            }
        }
    }

    /// The DER SubjectPublicKeyInfo of this key: `{ rsaEncryption NULL, BIT STRING
    /// RSAPublicKey }`, byte for byte what `openssl rsa -pubout -outform DER` writes.
    pub fn spki_der(&self) -> Option<Vec<u8>> {
        let public = RsaPublicKeyRef {
            modulus: UintRef::new(&self.n).ok()?,
            public_exponent: UintRef::new(&self.e).ok()?,
        }
        .to_der()
        .ok()?;
        SubjectPublicKeyInfoRef {
            algorithm: pkcs1::ALGORITHM_ID,
            subject_public_key: BitStringRef::from_bytes(&public).ok()?,
        }
        .to_der()
        .ok()
    }
}

/// Why bytes are not a usable key; `at` is a byte offset into the DER bytes.
#[derive(Debug)]
pub enum Problem {
    Der { at: usize, what: String },
    NotRsa { at: usize, algorithm: String },
}

/// A key read from its DER bytes.
pub struct Decoded {
    pub kind: KeyKind,
    pub rsa: Rsa,
    /// A PKCS#1 private key as PKCS#8 (`openssl pkcs8 -topk8 -nocrypt`); `None` when the bytes
    /// are PKCS#8 already or a public key.
    pub converted: Option<Vec<u8>>,
}

/// Decodes base64 without whitespace (the scan took it out). Padding is optional at the end;
/// `=` elsewhere and a length no key can have are errors at the index of the character.
pub fn base64(chars: &[u8]) -> Result<Vec<u8>, (usize, String)> {
    let data_len = chars.iter().rposition(|&b| b != b'=').map_or(0, |i| i + 1);
    let pad = chars.len() - data_len;
    if let Some(i) = chars[..data_len].iter().position(|&b| b == b'=') {
        return Err((
            i,
            "`=` inside the base64 text (padding belongs only at the end)".into(),
        ));
    }
    if pad > 2 || (pad > 0 && !(data_len + pad).is_multiple_of(4)) {
        return Err((
            data_len,
            "the `=` padding does not fit the text's length".into(),
        ));
    }
    let text = std::str::from_utf8(&chars[..data_len])
        .map_err(|e| (e.valid_up_to(), "not base64 text".to_string()))?;
    Base64Unpadded::decode_vec(text).map_err(|_| {
        (
            data_len.saturating_sub(1),
            "the base64 text has a stray last character (a character is missing, extra or changed)"
                .into(),
        )
    })
}

/// base64 (standard alphabet, padded), as PEM bodies and fingerprints write it.
pub fn base64_encode(bytes: &[u8]) -> String {
    base64ct::Base64::encode_string(bytes)
}

/// Where `inner` (a subslice of `outer`) starts in `outer`.
fn offset_in(outer: &[u8], inner: &[u8]) -> usize {
    (inner.as_ptr() as usize)
        .saturating_sub(outer.as_ptr() as usize)
        .min(outer.len())
}

/// A `der` error as a place and words: its position (relative to `base`) and what it means for
/// a key.
fn der_problem(e: der::Error, base: usize) -> Problem {
    let at = base + e.position().map_or(0, |p| u32::from(p) as usize);
    let what = match e.kind() {
        ErrorKind::Incomplete { actual_len, .. } => {
            format!("the data ends after {actual_len} bytes, inside the key (the key is cut short)")
        }
        ErrorKind::TrailingData { remaining, .. } => {
            format!("{remaining} unexpected bytes after the key")
        }
        ErrorKind::TagUnexpected {
            expected: Some(expected),
            actual,
        } => format!("expected {expected}, found {actual}"),
        ErrorKind::TagUnexpected {
            expected: None,
            actual,
        } => format!("an unexpected {actual}"),
        ErrorKind::IndefiniteLength => {
            "an indefinite length (BER, not DER) is not allowed in a key".into()
        }
        ErrorKind::Overlength | ErrorKind::Overflow => "a length too large for a key".into(),
        ErrorKind::Value { tag: Tag::Integer } => {
            "a number in the key (its version, or a negative value) is not what a key holds".into()
        }
        other => other.to_string(),
    };
    Problem::Der { at, what }
}

/// The kind the bytes' shape says, from the tags of the first two elements, without checking
/// everything.
pub fn sniff(bytes: &[u8]) -> Option<KeyKind> {
    let outer = AnyRef::from_der(bytes).ok()?;
    if outer.tag() != Tag::Sequence {
        return None;
    }
    let mut r = SliceReader::new(outer.value()).ok()?;
    let first = AnyRef::decode(&mut r).ok()?.tag();
    let second = AnyRef::decode(&mut r).ok()?.tag();
    Some(match (first, second) {
        (Tag::Integer, Tag::Sequence) => KeyKind::Pkcs8Private,
        (Tag::Integer, Tag::Integer) if r.is_finished() => KeyKind::Pkcs1Public,
        (Tag::Integer, Tag::Integer) => KeyKind::Pkcs1Private,
        (Tag::Sequence, Tag::BitString) => KeyKind::SpkiPublic,
        (Tag::Sequence, Tag::OctetString) => KeyKind::EncryptedPkcs8Private,
        _ => return None,
    })
}

/// Reads `bytes` as a key of `kind` (an encrypted key only as far as its structure).
pub fn key(bytes: &[u8], kind: KeyKind) -> Result<Option<Decoded>, Problem> {
    let (rsa, converted) = match kind {
        KeyKind::Pkcs8Private => (pkcs8_private(bytes)?, None),
        KeyKind::Pkcs1Private => {
            let rsa = pkcs1_private(bytes, 0)?;
            (rsa, Some(to_pkcs8(bytes)?))
        }
        KeyKind::SpkiPublic => (spki_public(bytes)?, None),
        KeyKind::Pkcs1Public => {
            let k = RsaPublicKeyRef::from_der(bytes).map_err(|e| der_problem(e, 0))?;
            (
                Rsa::new(k.modulus.as_bytes(), k.public_exponent.as_bytes()),
                None,
            )
        }
        KeyKind::EncryptedPkcs8Private => {
            encrypted_structure(bytes)?;
            return Ok(None);
        }
        KeyKind::Unknown => return Ok(None),
    };
    Ok(Some(Decoded {
        kind,
        rsa,
        converted,
    }))
}

/// `PrivateKeyInfo { 0, { rsaEncryption, NULL }, OCTET STRING { PKCS#1 } }`: what `openssl
/// pkcs8 -topk8 -nocrypt` writes for a PKCS#1 key.
fn to_pkcs8(pkcs1: &[u8]) -> Result<Vec<u8>, Problem> {
    let key = OctetStringRef::new(pkcs1).map_err(|e| der_problem(e, 0))?;
    PrivateKeyInfoRef::new(pkcs1::ALGORITHM_ID, key)
        .to_der()
        .map_err(|e| der_problem(e, 0))
}

fn check_rsa(alg: &AlgorithmIdentifierRef<'_>, bytes: &[u8]) -> Result<(), Problem> {
    if alg.oid == pkcs1::ALGORITHM_OID {
        return Ok(());
    }
    // The OID's place in the bytes, for the diagnostic's span.
    let oid = alg.oid.as_bytes();
    let at = bytes
        .windows(oid.len().max(1))
        .position(|w| w == oid)
        .unwrap_or(0);
    Err(Problem::NotRsa {
        at,
        algorithm: algorithm_name(&alg.oid),
    })
}

fn algorithm_name(oid: &ObjectIdentifier) -> String {
    let dotted = oid.to_string();
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

fn pkcs8_private(bytes: &[u8]) -> Result<Rsa, Problem> {
    let info = PrivateKeyInfoRef::from_der(bytes).map_err(|e| der_problem(e, 0))?;
    check_rsa(&info.algorithm, bytes)?;
    let inner = info.private_key.as_bytes();
    pkcs1_private(inner, offset_in(bytes, inner))
}

/// An RSAPrivateKey at offset `base` of the outermost bytes.
fn pkcs1_private(bytes: &[u8], base: usize) -> Result<Rsa, Problem> {
    let k = RsaPrivateKeyRef::from_der(bytes).map_err(|e| der_problem(e, base))?;
    Ok(Rsa::new(k.modulus.as_bytes(), k.public_exponent.as_bytes()))
}

fn spki_public(bytes: &[u8]) -> Result<Rsa, Problem> {
    let info = SubjectPublicKeyInfoRef::from_der(bytes).map_err(|e| der_problem(e, 0))?;
    check_rsa(&info.algorithm, bytes)?;
    let raw = info.subject_public_key.raw_bytes();
    let Some(inner) = info.subject_public_key.as_bytes() else {
        return Err(Problem::Der {
            at: offset_in(bytes, raw).saturating_sub(1),
            what: "the public key's BIT STRING is malformed".into(),
        });
    };
    let k =
        RsaPublicKeyRef::from_der(inner).map_err(|e| der_problem(e, offset_in(bytes, inner)))?;
    Ok(Rsa::new(k.modulus.as_bytes(), k.public_exponent.as_bytes()))
}

/// `EncryptedPrivateKeyInfo ::= SEQUENCE { AlgorithmIdentifier, OCTET STRING }`, whatever the
/// algorithm (this is read without a passphrase, and any scheme is a well-formed key).
fn encrypted_structure(bytes: &[u8]) -> Result<(), Problem> {
    let outer = AnyRef::from_der(bytes).map_err(|e| der_problem(e, 0))?;
    let base = offset_in(bytes, outer.value());
    let mut r = SliceReader::new(outer.value()).map_err(|e| der_problem(e, base))?;
    AlgorithmIdentifierRef::decode(&mut r).map_err(|e| der_problem(e, base))?;
    <&OctetStringRef>::decode(&mut r).map_err(|e| der_problem(e, base))?;
    r.finish().map_err(|e| der_problem(e, base))?;
    Ok(())
}

/// PBKDF2 iterations cps runs at most (OpenSSL writes 2048; a million is ample for any real key
/// and takes about a second in the browser). A hostile key asking for billions would hang it.
pub const MAX_PBKDF2_ITERATIONS: u32 = 1_000_000;
/// scrypt memory (128 · N · r bytes) cps spends at most: OpenSSL's own default limit, 32 MiB.
pub const MAX_SCRYPT_BYTES: u64 = 32 * 1024 * 1024;

/// Why an encrypted key did not open.
pub enum Unopened {
    /// The passphrase does not decrypt it (or the decrypted bytes are not a key, which is what a
    /// wrong passphrase gives when the padding happens to check out).
    WrongPassphrase,
    /// A scheme or cost cps does not run; the text says which.
    Unsupported(String),
}

/// Opens an EncryptedPrivateKeyInfo with `passphrase` (PBES2: PBKDF2 or scrypt, AES-CBC or
/// 3DES-CBC) and returns the PKCS#8 PrivateKeyInfo inside, zeroed when dropped.
pub fn decrypt(bytes: &[u8], passphrase: &[u8]) -> Result<der::SecretDocument, Unopened> {
    let scheme = AnyRef::from_der(bytes)
        .ok()
        .and_then(|outer| {
            AlgorithmIdentifierRef::decode(&mut SliceReader::new(outer.value()).ok()?).ok()
        })
        .map(|alg| alg.oid);
    if let Some(oid) = scheme.filter(|oid| *oid != pkcs8::pkcs5::pbes2::PBES2_OID) {
        return Err(Unopened::Unsupported(format!(
            "its encryption scheme ({oid}) is not PBES2, the one cps opens; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
        )));
    }
    let info = EncryptedPrivateKeyInfoRef::from_der(bytes).map_err(|e| {
        Unopened::Unsupported(format!(
            "cps cannot read its encryption scheme ({})",
            e.kind()
        ))
    })?;
    let Some(params) = info.encryption_algorithm.pbes2() else {
        return Err(Unopened::Unsupported(
            "it uses the old PBES1 scheme, which cps does not open; re-encrypt it with `openssl pkcs8 -topk8 -v2 aes-256-cbc`"
                .into(),
        ));
    };
    match &params.kdf {
        Kdf::Pbkdf2(p) if p.iteration_count > MAX_PBKDF2_ITERATIONS => {
            return Err(Unopened::Unsupported(format!(
                "its key derivation asks for {} PBKDF2 rounds; cps runs at most {MAX_PBKDF2_ITERATIONS}",
                p.iteration_count
            )))
        }
        Kdf::Scrypt(s) => {
            let memory = 128u64
                .saturating_mul(s.cost_parameter)
                .saturating_mul(u64::from(s.block_size));
            if memory > MAX_SCRYPT_BYTES || s.parallelization > 16 {
                return Err(Unopened::Unsupported(format!(
                    "its scrypt settings need {} MiB or more; cps spends at most {} MiB",
                    memory / (1024 * 1024),
                    MAX_SCRYPT_BYTES / (1024 * 1024)
                )));
            }
        }
        _ => {}
    }
    match info.decrypt(passphrase) {
        Ok(doc) => Ok(doc),
        Err(pkcs8::Error::EncryptedPrivateKey(pkcs8::pkcs5::Error::UnsupportedAlgorithm {
            oid,
        })) => Err(Unopened::Unsupported(format!(
            "its cipher ({oid}) is not one cps opens (AES-CBC, 3DES-CBC)"
        ))),
        Err(pkcs8::Error::EncryptedPrivateKey(
            pkcs8::pkcs5::Error::AlgorithmParametersInvalid { oid },
        )) => Err(Unopened::Unsupported(format!(
            "its encryption parameters ({oid}) are malformed or not supported"
        ))),
        Err(_) => Err(Unopened::WrongPassphrase),
    }
}

/// The RSA key inside a decrypted PrivateKeyInfo.
pub fn decrypted(bytes: &[u8]) -> Result<Rsa, Problem> {
    pkcs8_private(bytes)
}
