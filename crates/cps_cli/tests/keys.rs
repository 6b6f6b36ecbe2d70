//! `cps key check` and `cps keygen` against the real `openssl` binary: fingerprints, the
//! PKCS#1 → PKCS#8 conversion and generated pairs must match what openssl computes.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const OPENSSL: &str = "openssl";

fn run(program: &str, args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(program)
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {program}: {e}"));
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn cps(args: &[&str]) -> Output {
    run(env!("CARGO_BIN_EXE_cps"), args, None)
}

fn openssl(args: &[&str], stdin: Option<&[u8]>) -> Vec<u8> {
    let o = run(OPENSSL, args, stdin);
    assert!(
        o.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    o.stdout
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// A fresh directory per test.
fn dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("cps-keys-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A 2048-bit RSA private key in PKCS#8, written by openssl (the key users bring).
fn rsa_key(out: &Path) {
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            s(out),
        ],
        None,
    );
}

/// Snowflake's RSA_PUBLIC_KEY_FP as openssl computes it (the command TD's docs cite).
fn openssl_fingerprint(key: &Path, public_in: bool) -> String {
    let mut args = vec!["pkey", "-in", s(key), "-pubout", "-outform", "DER"];
    if public_in {
        args.insert(1, "-pubin");
    }
    let der = openssl(&args, None);
    let digest = openssl(&["dgst", "-sha256", "-binary"], Some(&der));
    let b64 = openssl(&["enc", "-base64", "-A"], Some(&digest));
    format!("SHA256:{}", String::from_utf8(b64).unwrap().trim())
}

fn check_json(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut all = vec!["key", "check", "--format", "json"];
    all.extend_from_slice(args);
    let o = cps(&all);
    let v = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", text(&o)));
    (o.status.code(), v)
}

fn codes(file: &serde_json::Value) -> Vec<String> {
    let mut c: Vec<String> = file["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap().to_string())
        .collect();
    c.sort();
    c
}

#[test]
fn fingerprints_match_openssl() {
    let d = dir("fp");
    let key = d.join("k.p8");
    let public = d.join("k.pub");
    rsa_key(&key);
    openssl(
        &["pkey", "-in", s(&key), "-pubout", "-out", s(&public)],
        None,
    );
    let want = openssl_fingerprint(&key, false);
    assert_eq!(openssl_fingerprint(&public, true), want);

    let o = cps(&["key", "check", s(&key)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    assert!(out.contains(&format!("fingerprint: {want}")), "{out}");
    assert!(out.contains("PKCS#8 private key, 2048 bits"), "{out}");
    assert!(
        out.contains("ALTER USER <user> SET RSA_PUBLIC_KEY='MII"),
        "{out}"
    );
    assert!(out.contains("0 errors, 0 warnings"), "{out}");

    let (code, v) = check_json(&[s(&public), "--user", "TD_USER"]);
    assert_eq!(code, Some(0));
    assert_eq!(v["files"][0]["fingerprint"], want.as_str());
    assert_eq!(v["files"][0]["kind"], "spki-public");
    assert_eq!(v["files"][0]["bits"], 2048);
    let body: String = std::fs::read_to_string(&public)
        .unwrap()
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    assert_eq!(v["files"][0]["publicBody"], body.as_str());

    // The pair, in either order.
    let o = cps(&["key", "check", s(&key), s(&public)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("are a pair"), "{}", text(&o));

    // Standard input.
    let o = run(
        env!("CARGO_BIN_EXE_cps"),
        &["key", "check", "-"],
        Some(&std::fs::read(&key).unwrap()),
    );
    assert_eq!(o.status.code(), Some(0));
    assert!(text(&o).contains(&want));
}

#[test]
fn fix_converts_pkcs1_byte_for_byte_like_openssl() {
    let d = dir("pkcs1");
    let pkcs1 = d.join("k.pem");
    let expected = d.join("expected.p8");
    let fixed = d.join("fixed.p8");
    openssl(&["genrsa", "-traditional", "-out", s(&pkcs1), "2048"], None);
    assert!(std::fs::read_to_string(&pkcs1)
        .unwrap()
        .starts_with("-----BEGIN RSA PRIVATE KEY-----"));
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-nocrypt",
            "-in",
            s(&pkcs1),
            "-out",
            s(&expected),
        ],
        None,
    );

    let o = cps(&["key", "check", "--fix", "-o", s(&fixed), s(&pkcs1)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("warning[key-pkcs1]"), "{}", text(&o));
    assert!(text(&o).contains("TD requires PKCS#8"), "{}", text(&o));
    assert_eq!(
        std::fs::read(&fixed).unwrap(),
        std::fs::read(&expected).unwrap()
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&fixed).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    let (_, v) = check_json(&[s(&pkcs1)]);
    assert_eq!(
        v["files"][0]["fingerprint"],
        openssl_fingerprint(&pkcs1, false).as_str()
    );

    // A PKCS#1 public key becomes what `openssl rsa -pubout` writes.
    let expected_pub = openssl(&["rsa", "-in", s(&pkcs1), "-pubout"], None);
    let pkcs1_pub = d.join("pkcs1.pub");
    openssl(
        &[
            "rsa",
            "-in",
            s(&pkcs1),
            "-RSAPublicKey_out",
            "-out",
            s(&pkcs1_pub),
        ],
        None,
    );
    let spki = d.join("spki.pub");
    let o = cps(&["key", "check", "--fix", "-o", s(&spki), s(&pkcs1_pub)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(std::fs::read(&spki).unwrap(), expected_pub);
}

#[test]
fn keygen_writes_a_pair_openssl_reads() {
    let d = dir("keygen");
    let o = cps(&["keygen", "--out-dir", s(&d), "--user", "TD_USER"]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let out = text(&o);
    let p8 = d.join("rsa_key.p8");
    let public = d.join("rsa_key.pub");
    let p8_text = std::fs::read_to_string(&p8).unwrap();
    assert!(
        p8_text.starts_with("-----BEGIN PRIVATE KEY-----\n"),
        "{p8_text}"
    );
    openssl(&["pkey", "-in", s(&p8), "-noout"], None);
    openssl(&["pkey", "-pubin", "-in", s(&public), "-noout"], None);
    let info =
        String::from_utf8(openssl(&["pkey", "-in", s(&p8), "-text", "-noout"], None)).unwrap();
    assert!(info.contains("Private-Key: (2048 bit"), "{info}");
    // A pair: openssl's public key of the private one is the .pub file.
    let derived = openssl(&["pkey", "-in", s(&p8), "-pubout"], None);
    assert_eq!(derived, std::fs::read(&public).unwrap());
    let fp = openssl_fingerprint(&p8, false);
    assert!(out.contains(&format!("fingerprint: {fp}")), "{out}");
    assert!(
        out.contains("ALTER USER TD_USER SET RSA_PUBLIC_KEY='MII"),
        "{out}"
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&p8).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    // The checker agrees, and existing keys are never overwritten.
    let o = cps(&["key", "check", s(&p8), s(&public)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("0 errors, 0 warnings"), "{}", text(&o));
    assert!(text(&o).contains("are a pair"));
    let o = cps(&["keygen", "--out-dir", s(&d)]);
    assert_eq!(o.status.code(), Some(2));
    assert!(text(&o).contains("never overwrites"), "{}", text(&o));
    assert_eq!(std::fs::read_to_string(&p8).unwrap(), p8_text);
    // Sizes under Snowflake's minimum are refused.
    let o = cps(&["keygen", "--out-dir", s(&d.join("small")), "--bits", "1024"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn damaged_pastes_are_repaired_to_the_same_key() {
    let d = dir("damage");
    let key = d.join("k.p8");
    rsa_key(&key);
    let original = std::fs::read_to_string(&key).unwrap();
    let want = openssl_fingerprint(&key, false);
    let without_footer: String = original
        .lines()
        .filter(|l| !l.starts_with("-----END"))
        .map(|l| format!("{l}\n"))
        .collect();
    let cases = [
        ("one-line", original.replace('\n', ""), "key-one-line"),
        (
            "spaces",
            original.trim_end().replace('\n', " "),
            "key-one-line",
        ),
        ("crlf", original.replace('\n', "\r\n"), "key-crlf"),
        ("no-footer", without_footer, "key-missing-armor"),
    ];
    for (name, damaged, code) in cases {
        let path = d.join(format!("{name}.p8"));
        std::fs::write(&path, &damaged).unwrap();
        let (exit, v) = check_json(&[s(&path)]);
        assert_eq!(exit, Some(0), "{name}: {v}");
        assert_eq!(v["files"][0]["fingerprint"], want.as_str(), "{name}");
        assert_eq!(v["files"][0]["repaired"], true, "{name}");
        assert_eq!(codes(&v["files"][0]), [code], "{name}");
        let fixed = d.join(format!("{name}.fixed.p8"));
        let o = cps(&["key", "check", "--fix", "-o", s(&fixed), s(&path)]);
        assert_eq!(o.status.code(), Some(0), "{name}: {}", text(&o));
        assert_eq!(std::fs::read_to_string(&fixed).unwrap(), original, "{name}");
        openssl(&["pkey", "-in", s(&fixed), "-noout"], None);
    }
}

#[test]
fn problems_set_the_exit_code() {
    let d = dir("problems");
    let a = d.join("a.p8");
    let b = d.join("b.p8");
    let small = d.join("small.p8");
    let enc = d.join("enc.p8");
    rsa_key(&a);
    rsa_key(&b);
    openssl(
        &[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:1024",
            "-out",
            s(&small),
        ],
        None,
    );
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:x",
            "-in",
            s(&a),
            "-out",
            s(&enc),
        ],
        None,
    );
    let b_pub = d.join("b.pub");
    openssl(&["pkey", "-in", s(&b), "-pubout", "-out", s(&b_pub)], None);

    // Not a pair: an error, named by its code.
    let o = cps(&["key", "check", s(&a), s(&b_pub)]);
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("error[key-pair-mismatch]"),
        "{}",
        text(&o)
    );
    let (_, v) = check_json(&[s(&a), s(&b_pub)]);
    assert_eq!(v["pair"], false);

    let o = cps(&["key", "check", s(&small)]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).contains("Snowflake requires RSA 2048 bits or more"),
        "{}",
        text(&o)
    );

    // Encrypted: a warning, nothing more can be checked.
    let o = cps(&["key", "check", s(&enc)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("warning[key-encrypted]"), "{}", text(&o));
    let o = cps(&["key", "check", s(&enc), s(&b_pub)]);
    assert!(text(&o).contains("cannot tell whether"), "{}", text(&o));
    // --fix has nothing to write for it, and says why: it is PKCS#8 already, and a decrypted
    // copy is never written.
    let x = d.join("x.p8");
    let o = cps(&["key", "check", "--fix", "-o", s(&x), s(&enc)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(
        text(&o)
            .contains("is an encrypted PKCS#8 key, already PKCS#8; give it with its passphrase"),
        "{}",
        text(&o)
    );
    assert!(!x.exists());

    let o = cps(&["key", "check", s(&d.join("missing.p8"))]);
    assert_eq!(o.status.code(), Some(2));
    // A DER file is read as DER.
    let der = d.join("a.der");
    openssl(
        &["pkey", "-in", s(&a), "-outform", "DER", "-out", s(&der)],
        None,
    );
    let (code, v) = check_json(&[s(&der)]);
    assert_eq!(code, Some(0));
    assert_eq!(
        v["files"][0]["fingerprint"],
        openssl_fingerprint(&a, false).as_str()
    );
}

/// Every file that holds a private key is 0600, whatever the umask and whatever the mode of a
/// file it replaces (`open`'s mode applies only to a file it creates).
#[cfg(unix)]
#[test]
fn private_key_files_are_mode_600_even_over_existing_files() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    // `umask 000`: a file created without an explicit mode would be 0666.
    let loose = |args: &[&str]| {
        let mut all = vec![
            "-c",
            "umask 000 && exec \"$0\" \"$@\"",
            env!("CARGO_BIN_EXE_cps"),
        ];
        all.extend_from_slice(args);
        run("sh", &all, None)
    };
    let d = dir("modes");
    let o = loose(&["keygen", "--out-dir", s(&d)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    let p8 = d.join("rsa_key.p8");
    assert_eq!(mode(&p8), 0o600);
    let key = std::fs::read_to_string(&p8).unwrap();

    // `--fix -o` onto an existing, world-readable, longer file: 0600 and only the key in it.
    let out = d.join("existing.p8");
    std::fs::write(&out, "old text\n".repeat(1000)).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = loose(&["key", "check", "--fix", "-o", s(&out), s(&p8)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mode(&out), 0o600);
    assert_eq!(std::fs::read_to_string(&out).unwrap(), key);

    // A new file under the loose umask is 0600 too; a public key keeps the umask's mode.
    let fresh = d.join("fresh.p8");
    let o = loose(&["key", "check", "--fix", "-o", s(&fresh), s(&p8)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mode(&fresh), 0o600);
    let public = d.join("public.pub");
    let o = loose(&[
        "key",
        "check",
        "--fix",
        "-o",
        s(&public),
        s(&d.join("rsa_key.pub")),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert_eq!(mode(&public), 0o666);
}

fn cps_env(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cps"));
    c.args(args).env_remove("NO_COLOR");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

#[test]
fn encrypted_keys_open_with_a_passphrase_from_the_environment() {
    // A key openssl encrypts with its defaults (PBES2: PBKDF2-SHA256, AES-256-CBC).
    let d = dir("passphrase");
    let plain = d.join("plain.pem");
    let enc = d.join("rsa_key.p8");
    openssl(&["genrsa", "-out", s(&plain), "2048"], None);
    openssl(
        &[
            "pkcs8",
            "-topk8",
            "-v2",
            "aes-256-cbc",
            "-passout",
            "pass:s3cret phrase",
            "-in",
            s(&plain),
            "-out",
            s(&enc),
        ],
        None,
    );
    let fp = openssl_fingerprint(&plain, false);
    // Without a passphrase: a warning, no fingerprint.
    let o = cps(&["key", "check", s(&enc)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o));
    assert!(text(&o).contains("warning[key-encrypted]"), "{}", text(&o));
    assert!(!text(&o).contains("fingerprint:"), "{}", text(&o));
    // With it: size and fingerprint checked, and the passphrase never printed.
    let env = [("KEY_PASS", "s3cret phrase")];
    let o = cps_env(
        &[
            "key",
            "check",
            "--passphrase-env",
            "KEY_PASS",
            s(&enc),
            s(&plain),
        ],
        &env,
    );
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains(&format!("fingerprint: {fp}")), "{out}");
    assert!(
        out.contains("encrypted PKCS#8 private key, 2048 bits"),
        "{out}"
    );
    assert!(out.contains("are a pair"), "{out}");
    assert!(!out.contains("s3cret"), "{out}");
    // A wrong passphrase is an error; a missing variable a usage error.
    let o = cps_env(
        &["key", "check", "--passphrase-env", "KEY_PASS", s(&enc)],
        &[("KEY_PASS", "nope")],
    );
    assert_eq!(o.status.code(), Some(1), "{}", text(&o));
    assert!(
        text(&o).contains("error[key-passphrase]: the passphrase does not open this key"),
        "{}",
        text(&o)
    );
    let o = cps_env(
        &[
            "key",
            "check",
            "--passphrase-env",
            "CPS_TEST_UNSET_VAR",
            s(&enc),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
    assert!(text(&o).contains("CPS_TEST_UNSET_VAR"), "{}", text(&o));
    // There is no flag that takes the passphrase itself.
    let o = cps(&["key", "check", "--passphrase", "s3cret", s(&enc)]);
    assert_eq!(o.status.code(), Some(2), "{}", text(&o));
}

#[test]
fn alter_user_is_checked_quoted_and_rotates() {
    let d = dir("alter");
    let o = cps(&[
        "keygen",
        "--out-dir",
        s(&d),
        "--user",
        "td user",
        "--rotate",
    ]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(
        out.contains("ALTER USER \"td user\" SET RSA_PUBLIC_KEY_2='MII"),
        "{out}"
    );
    assert!(out.contains("shows RSA_PUBLIC_KEY_2_FP = SHA256:"), "{out}");
    assert!(
        out.contains("ALTER USER \"td user\" SET TYPE = SERVICE;"),
        "{out}"
    );
    // A name that would end the statement is quoted, the same in `key check`.
    let o = cps(&[
        "key",
        "check",
        s(&d.join("rsa_key.pub")),
        "--user",
        "x'; DROP USER y; --",
    ]);
    let out = text(&o);
    assert!(
        out.contains("ALTER USER \"x'; DROP USER y; --\" SET RSA_PUBLIC_KEY='MII"),
        "{out}"
    );
    // Without a user, the placeholder, which cannot run by accident.
    let o = cps(&["key", "check", s(&d.join("rsa_key.pub"))]);
    assert!(
        text(&o).contains("ALTER USER <user> SET RSA_PUBLIC_KEY='MII"),
        "{}",
        text(&o)
    );
}

#[test]
fn names_from_keys_and_files_never_reach_the_terminal_raw() {
    let d = dir("escapes");
    // A file name and a key type carrying terminal escape sequences.
    let name = d.join("key\u{1b}[2J.pub");
    std::fs::write(&name, "ssh-\u{1b}]0;owned\u{7}rsa AAAA user@host\n").unwrap();
    let o = cps(&["key", "check", s(&name)]);
    let out = text(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(!out.contains('\u{1b}') && !out.contains('\u{7}'), "{out:?}");
    assert!(out.contains("key\\u{1b}[2J.pub"), "{out}");
    assert!(out.contains("ssh-\\u{1b}]0;owned\\u{7}rsa"), "{out}");
}

/// The longest run of base64 characters in the quoted source lines (`12 | …`) of a report.
fn longest_quoted_base64(report: &str) -> usize {
    report
        .lines()
        .filter_map(|l| {
            l.split_once(" | ")
                .filter(|(n, _)| n.trim().parse::<u32>().is_ok())
        })
        .flat_map(|(_, quoted)| {
            quoted
                .split(|c: char| !(c.is_ascii_alphanumeric() || "+/=".contains(c)))
                .map(str::len)
                .collect::<Vec<_>>()
        })
        .max()
        .unwrap_or(0)
}

#[test]
fn a_private_keys_text_is_never_quoted_in_a_report() {
    let d = dir("quoted");
    let key = d.join("k.p8");
    rsa_key(&key);
    let ed = d.join("ed.pem");
    openssl(&["genpkey", "-algorithm", "ed25519", "-out", s(&ed)], None);
    let original = std::fs::read_to_string(&key).unwrap();
    let body: String = original
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    let mut stray = original.clone();
    // A typographic quote inside the third line: the diagnostic points at that line.
    let third = stray.match_indices('\n').nth(2).unwrap().0 + 10;
    stray.insert(third, '\u{2019}');
    let cases = [
        ("one-line", original.replace('\n', "")),
        ("no-armor", body.clone()),
        ("stray", stray),
        ("ed25519", std::fs::read_to_string(&ed).unwrap()),
    ];
    for (name, damaged) in cases {
        let path = d.join(format!("{name}.p8"));
        std::fs::write(&path, &damaged).unwrap();
        let o = cps(&["key", "check", "--color", "never", s(&path)]);
        let out = text(&o);
        assert!(out.contains(" | "), "{name}: a line is quoted: {out}");
        assert!(
            longest_quoted_base64(&out) < 16,
            "{name}: the private key is quoted: {out}"
        );
    }
    // A public key's text is no secret: it stays readable.
    let public = d.join("k.pub");
    openssl(
        &["pkey", "-in", s(&key), "-pubout", "-out", s(&public)],
        None,
    );
    let one_line = d.join("pub-one-line.pem");
    std::fs::write(
        &one_line,
        std::fs::read_to_string(&public).unwrap().replace('\n', ""),
    )
    .unwrap();
    let out = text(&cps(&["key", "check", "--color", "never", s(&one_line)]));
    assert!(longest_quoted_base64(&out) >= 16, "{out}");
}
