//! Keys as data: every file under `tests/keys/` is inspected and its report snapshotted beside
//! it (`<file>.snap`): the kind, size, fingerprint, whether the text was repaired, which clean
//! key the outputs equal, and every diagnostic as the CLI renders it. Encrypted keys are
//! reported three times: without a passphrase, with the right one (`test-only`) and a wrong one.
//!
//! - the top folder: keys made by OpenSSL and ssh-keygen (see `tests/keys/README.txt`);
//! - `damaged/`: repairable copy-paste damage (`make_damaged.py`): warnings only, and the clean
//!   key's outputs, byte for byte;
//! - `broken/`: what cannot be used: at least one error, and no fingerprint unless the key's
//!   public half was readable.
//!
//! Update snapshots after a deliberate change: `INSTA_UPDATE=always cargo test -p cps_snowflake
//! --test keys`, then review the `.snap` diffs.

// Tests read fixtures; the purity lints are for the library.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use cps_core::diagnostics::render::{render, Style};
use cps_core::{Code, LineIndex, Severity, Span};
use cps_snowflake::keys::{
    self, decode, fingerprint_matches, fingerprint_spki, from_der, inspect_key, inspect_key_with,
    pem, same_pair, KeyKind, KeyReport, MAX_KEY_TEXT,
};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

const PASSPHRASE: &str = "test-only";

fn dir(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/keys")
        .join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(dir(rel)).unwrap()
}

/// The key files of a folder (not the snapshots, fingerprints, notes or the generator).
fn files(rel: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir(rel))
        .unwrap()
        .flatten()
        .filter(|e| e.path().is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| {
            !n.ends_with(".snap") && !n.ends_with(".fp") && !n.ends_with(".py") && n != "README.txt"
        })
        .collect();
    out.sort();
    out
}

/// Every span inside the text and on character boundaries; every message non-empty, with help.
fn assert_sane(text: &str, r: &KeyReport) {
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
        assert!(p.starts_with("-----BEGIN PRIVATE KEY-----\n"));
        assert!(p.ends_with("-----END PRIVATE KEY-----\n"));
    }
    if let Some(p) = &r.public_pem {
        assert!(p.lines().all(|l| l.len() <= 64), "{p}");
    }
}

/// The clean keys' files by content: the PKCS#8 and public PEMs cps must reproduce.
fn clean_outputs() -> Vec<(String, String)> {
    files("")
        .into_iter()
        .filter(|n| n.ends_with(".pub") || n.ends_with("_pkcs8.p8"))
        .filter(|n| !n.contains("openssh") && !n.contains("pkcs1"))
        .map(|n| {
            let text = read(&n);
            (n, text)
        })
        .collect()
}

fn which(output: &Option<String>, clean: &[(String, String)]) -> String {
    match output {
        None => "none".into(),
        Some(text) => clean
            .iter()
            .find(|(_, t)| t == text)
            .map(|(n, _)| format!("= {n}"))
            .unwrap_or_else(|| "differs from every clean key file".into()),
    }
}

fn describe(name: &str, text: &str, r: &KeyReport, clean: &[(String, String)]) -> String {
    let mut out = format!(
        "kind: {}\nbits: {}\nfingerprint: {}\nrepaired: {}\npkcs8: {}\npublic: {}\n",
        r.kind.as_str(),
        r.bits.map_or("?".into(), |b| b.to_string()),
        r.fingerprint.as_deref().unwrap_or("none"),
        r.repaired,
        which(&r.pkcs8_pem, clean),
        which(&r.public_pem, clean),
    );
    let index = LineIndex::new(text);
    for d in &r.diagnostics {
        out.push('\n');
        out.push_str(&render(name, text, &index, d, &Style { color: false }));
    }
    out
}

fn snapshot(rel: &str, content: &str) {
    let path = dir(rel);
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(path.parent().unwrap());
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    settings.bind(|| insta::assert_snapshot!(name, content));
}

/// Inspects one fixture; returns the reports (encrypted keys: without, right, wrong passphrase)
/// after snapshotting them.
fn fixture(
    rel: &str,
    clean: &[(String, String)],
    seen: &mut BTreeSet<&'static str>,
) -> Vec<KeyReport> {
    let text = read(rel);
    let name = Path::new(rel)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    let mut reports = vec![("", inspect_key(&text))];
    if rel.contains("encrypted") {
        reports.push((
            "with the passphrase",
            inspect_key_with(&text, Some(PASSPHRASE.as_bytes())),
        ));
        reports.push((
            "with a wrong passphrase",
            inspect_key_with(&text, Some(b"Test-only")),
        ));
    }
    let mut content = String::new();
    for (how, r) in &reports {
        assert_sane(&text, r);
        seen.extend(r.diagnostics.iter().map(|d| d.code.as_str()));
        if !how.is_empty() {
            content.push_str(&format!("\n==== {how}\n"));
        }
        content.push_str(&describe(&name, &text, r, clean));
    }
    snapshot(rel, &content);
    reports.into_iter().map(|(_, r)| r).collect()
}

#[test]
fn every_key_file_matches_its_snapshot() {
    let clean = clean_outputs();
    let mut seen = BTreeSet::new();
    let p8 = read("rsa2048_pkcs8.p8");
    let public = read("rsa2048.pub");
    for name in files("") {
        fixture(&name, &clean, &mut seen);
    }
    for name in files("damaged") {
        let r = fixture(&format!("damaged/{name}"), &clean, &mut seen).remove(0);
        // Repairable: warnings only, and the clean key's outputs.
        assert!(!r.has_errors(), "{name}: {:?}", r.diagnostics);
        assert!(
            r.diagnostics
                .iter()
                .all(|d| d.severity == Severity::Warning),
            "{name}"
        );
        assert_eq!(r.public_pem.as_deref(), Some(public.as_str()), "{name}");
        if r.kind.is_private() {
            assert_eq!(r.pkcs8_pem.as_deref(), Some(p8.as_str()), "{name}");
        }
        let bare = name.starts_with("public-bare");
        assert_eq!(r.repaired, !bare, "{name}");
    }
    for name in files("broken") {
        let r = fixture(&format!("broken/{name}"), &clean, &mut seen).remove(0);
        assert!(r.has_errors(), "{name}: {:?}", r.diagnostics);
        assert_eq!(r.pkcs8_pem, None, "{name}");
    }
    // The corpus shows every key code; the pair mismatch is a CLI finding (two files).
    seen.insert(Code::KeyPairMismatch.as_str());
    for c in Code::ALL.iter().filter(|c| c.as_str().starts_with("key-")) {
        assert!(
            seen.contains(c.as_str()),
            "no key fixture produces {}",
            c.as_str()
        );
    }
}

#[test]
fn encrypted_keys_open_with_their_passphrase() {
    let fp = format!("SHA256:{}", read("rsa2048.fp").trim());
    for name in [
        "rsa2048_encrypted.p8",
        "rsa2048_encrypted_des3.p8",
        "rsa2048_encrypted_scrypt.p8",
    ] {
        let text = read(name);
        let locked = inspect_key(&text);
        assert_eq!(locked.kind, KeyKind::EncryptedPkcs8Private);
        assert_eq!((locked.bits, locked.fingerprint.as_ref()), (None, None));
        let open = inspect_key_with(&text, Some(PASSPHRASE.as_bytes()));
        assert!(!open.has_errors(), "{name}: {:?}", open.diagnostics);
        assert_eq!(open.fingerprint.as_deref(), Some(fp.as_str()), "{name}");
        // The decrypted key is never an output.
        assert_eq!(open.pkcs8_pem, None);
        let wrong = inspect_key_with(&text, Some(b"wrong"));
        let codes: Vec<_> = wrong.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, [Code::KeyPassphrase], "{name}");
        assert_eq!(wrong.fingerprint, None);
        // Pairing works once opened.
        let public = inspect_key(&read("rsa2048.pub"));
        assert_eq!(same_pair(&open, &public), Some(true));
        assert_eq!(same_pair(&locked, &public), None);
    }
    // A key that asks for more work than cps spends is not opened, whatever the passphrase.
    let costly = inspect_key_with(
        &read("rsa2048_encrypted_costly.p8"),
        Some(PASSPHRASE.as_bytes()),
    );
    assert!(
        costly.diagnostics[0].message.contains("PBKDF2 rounds"),
        "{:?}",
        costly.diagnostics
    );
    assert_eq!(costly.fingerprint, None);
}

#[test]
fn pairs_and_fingerprints() {
    let fp = |file: &str| format!("SHA256:{}", read(file).trim());
    let private = inspect_key(&read("rsa2048_pkcs1.pem"));
    let public = inspect_key(&read("rsa2048.pub"));
    let other = inspect_key(&read("rsa4096.pub"));
    assert_eq!(same_pair(&private, &public), Some(true));
    assert_eq!(same_pair(&private, &other), Some(false));

    let want = fp("rsa2048.fp");
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
        fp("rsa4096.fp")
    );
    assert_eq!(
        fingerprint_matches(read("rsa2048.fp").trim(), &second),
        Some(true)
    );
    assert_eq!(fingerprint_matches(&fp("rsa1024.fp"), &second), Some(false));
    assert_eq!(fingerprint_matches(&want, "RSA_PUBLIC_KEY_FP | null"), None);
    assert_eq!(fingerprint_matches("nonsense", &table), None);
}

fn der_of(pem_text: &str) -> Vec<u8> {
    let body: String = pem_text
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    decode::base64(body.as_bytes()).unwrap()
}

#[test]
fn from_der_reads_webcrypto_exports() {
    let p8 = read("rsa2048_pkcs8.p8");
    let public = read("rsa2048.pub");
    let fp = format!("SHA256:{}", read("rsa2048.fp").trim());
    let r = from_der(KeyKind::Pkcs8Private, &der_of(&p8));
    assert!(r.diagnostics.is_empty());
    assert_eq!(r.pkcs8_pem.as_deref(), Some(p8.as_str()));
    assert_eq!(r.public_pem.as_deref(), Some(public.as_str()));
    let spki = der_of(&public);
    let r = from_der(KeyKind::SpkiPublic, &spki);
    assert_eq!(r.fingerprint.as_deref(), Some(fp.as_str()));
    assert_eq!(fingerprint_spki(&spki), fp);
    // PKCS#1 → PKCS#8, byte for byte what openssl writes.
    let r = from_der(KeyKind::Unknown, &der_of(&read("rsa4096_pkcs1.pem")));
    assert_eq!(r.kind, KeyKind::Pkcs1Private);
    assert_eq!(
        r.pkcs8_pem.as_deref(),
        Some(read("rsa4096_pkcs8.p8").as_str())
    );
    assert_eq!(pem("PRIVATE KEY", &der_of(&p8)), p8);
    let r = from_der(KeyKind::Pkcs8Private, b"\x30\x03\x02\x01");
    assert!(r.has_errors());
}

#[test]
fn base64_errors_point_at_the_character() {
    assert_eq!(decode::base64(b"Zm9vYmFy").unwrap(), b"foobar");
    assert_eq!(decode::base64(b"Zm8=").unwrap(), b"fo");
    assert_eq!(decode::base64(b"Zm8").unwrap(), b"fo");
    assert_eq!(decode::base64(b"Zm9v=YmFy").unwrap_err().0, 4);
    assert!(decode::base64(b"Zm9vY").is_err());
    assert!(decode::base64(b"Zm8===").is_err());
    assert_eq!(decode::base64_encode(b"fo"), "Zm8=");
}

/// A fixed pseudo-random sequence (no `rand` here).
fn lcg(seed: &mut u64) -> u8 {
    *seed = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    (*seed >> 33) as u8
}

fn inspect(text: &str) -> KeyReport {
    let r = inspect_key(text);
    assert_sane(text, &r);
    r
}

#[test]
fn hostile_input_never_panics() {
    let der = der_of(&read("rsa2048_pkcs8.p8"));
    // Truncated at every length, as DER and as PEM.
    for n in 0..der.len() {
        let r = from_der(KeyKind::Pkcs8Private, &der[..n]);
        assert!(r.has_errors(), "{n}");
        let r = inspect(&pem("PRIVATE KEY", &der[..n]));
        assert!(r.has_errors() && r.fingerprint.is_none(), "{n}");
    }
    let enc = der_of(&read("rsa2048_encrypted.p8"));
    let mut seed = 7u64;
    for round in 0..300 {
        let len = (round * 13) % 700;
        let bytes: Vec<u8> = (0..len).map(|_| lcg(&mut seed)).collect();
        for kind in KeyKind::ALL.into_iter().chain([KeyKind::Unknown]) {
            let _ = from_der(kind, &bytes);
            let _ = keys::from_der_with(kind, &bytes, Some(b"x"));
        }
        let text = String::from_utf8_lossy(&bytes);
        inspect(&text);
        inspect(&pem("PRIVATE KEY", &bytes));
        inspect(&pem("PUBLIC KEY", &bytes));
        inspect(&pem("OPENSSH PRIVATE KEY", &bytes));
        inspect(&format!("ssh-rsa {}", decode::base64_encode(&bytes)));
        // Flipped bytes inside a real key, and inside an encrypted one opened with its passphrase.
        let mut flipped = der.clone();
        let i = (round * 31) % flipped.len();
        flipped[i] ^= lcg(&mut seed) | 1;
        inspect(&pem("PRIVATE KEY", &flipped));
        let mut flipped = enc.clone();
        let i = (round * 17) % flipped.len();
        flipped[i] ^= lcg(&mut seed) | 1;
        let text = pem("ENCRYPTED PRIVATE KEY", &flipped);
        assert_sane(&text, &inspect_key_with(&text, Some(PASSPHRASE.as_bytes())));
    }
    // Huge lengths in TLV headers.
    for header in [
        &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff][..],
        &[0x30, 0x88, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
        &[0x30, 0x80, 0x02, 0x01, 0x00, 0x00, 0x00],
        &[0x30, 0x82, 0x04, 0xbd, 0x02, 0x84, 0x7f, 0xff, 0xff, 0xff],
        &[0x30, 0x06, 0x02, 0x01, 0x00, 0x30, 0x81, 0xff],
    ] {
        assert!(from_der(KeyKind::Unknown, header).has_errors());
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
    assert!(inspect(&"QUFB".repeat(250_000)).has_errors());
    assert!(inspect(&pem("PRIVATE KEY", &vec![0x41; 700_000])).has_errors());
    let r = inspect(&"A".repeat(MAX_KEY_TEXT + 1));
    assert_eq!(r.diagnostics.len(), 1);
    assert_eq!(r.diagnostics[0].code, Code::KeyUnreadable);
    assert_eq!(r.diagnostics[0].span, Span::empty(0));
    assert!(inspect(&"\n".repeat(MAX_KEY_TEXT)).has_errors());
}
