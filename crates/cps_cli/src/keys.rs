//! `cps key check` and `cps keygen`: the key-pair step (TD setup step 2) from a terminal.
//!
//! All reading, repairing, decrypting and fingerprinting is `cps_snowflake::keys`'s, and the
//! `ALTER USER` is `cps_snowflake::sql`'s one builder; this edge reads and writes files, takes
//! the passphrase from the environment (never from a flag, which `ps` and shell history show)
//! and, for `keygen`, draws the randomness the pure libraries must not.

use crate::{display_name, human, read_input, use_color, ColorArg, Format};
use cps_core::diagnostics::render::{render, Style};
use cps_core::{Code, ColumnUnit, Diagnostic, LineIndex, Severity, Span};
use cps_snowflake::keys::{self, KeyKind, KeyReport};
use cps_snowflake::sql::{self, KeySlot};
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Subcommand)]
pub enum KeyCommand {
    /// Check a key for Snowflake key-pair auth: kind, size, fingerprint, copy-paste damage;
    /// with two files (private and public), whether they are a pair
    Check {
        /// The key file (`-` reads standard input)
        file: String,
        /// A second key file: the other half of the pair
        file2: Option<String>,
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
        /// Write the repaired key: PKCS#8 PEM for a private key, SubjectPublicKeyInfo PEM for a
        /// public key (needs --output)
        #[arg(long, requires = "output")]
        fix: bool,
        /// Where --fix writes
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// The Snowflake user, for the ALTER USER statement shown
        #[arg(long)]
        user: Option<String>,
        /// Show the ALTER USER for the second key slot (RSA_PUBLIC_KEY_2), to rotate keys
        #[arg(long)]
        rotate: bool,
        /// The environment variable holding an encrypted key's passphrase (the passphrase itself
        /// is never a flag: flags show in `ps` and shell history)
        #[arg(long, value_name = "VAR")]
        passphrase_env: Option<String>,
        #[arg(long, value_enum, default_value = "auto")]
        color: ColorArg,
    },
}

#[derive(clap::Args)]
pub struct KeygenArgs {
    /// Where rsa_key.p8 and rsa_key.pub are written (existing files are never overwritten)
    #[arg(long, default_value = ".")]
    out_dir: PathBuf,
    /// RSA modulus size (Snowflake needs 2048 or more)
    #[arg(long, default_value_t = 2048, value_parser = parse_bits)]
    bits: usize,
    /// The Snowflake user, for the ALTER USER statement shown
    #[arg(long)]
    user: Option<String>,
    /// Show the ALTER USER for the second key slot (RSA_PUBLIC_KEY_2), to rotate keys
    #[arg(long)]
    rotate: bool,
}

fn parse_bits(s: &str) -> Result<usize, String> {
    match s {
        "2048" | "3072" | "4096" => s.parse().map_err(|_| String::new()),
        _ => Err("the size is 2048, 3072 or 4096 (Snowflake needs 2048 or more)".into()),
    }
}

pub fn run(command: KeyCommand) -> ExitCode {
    match command {
        KeyCommand::Check {
            file,
            file2,
            format,
            fix,
            output,
            user,
            rotate,
            passphrase_env,
            color,
        } => {
            let passphrase = match passphrase_env.as_deref().map(passphrase_from) {
                None => None,
                Some(Ok(p)) => Some(p),
                Some(Err(e)) => {
                    eprintln!("cps: {}", human(e));
                    return ExitCode::from(2);
                }
            };
            check(
                &file,
                file2.as_deref(),
                format,
                fix.then_some(output).flatten(),
                &Alter {
                    user: user.as_deref(),
                    slot: slot(rotate),
                },
                passphrase.as_deref().map(str::as_bytes),
                use_color(color),
            )
        }
    }
}

/// The passphrase from the environment variable `var` (it stays in this process's memory and is
/// never printed); an empty or missing variable is an error rather than "no passphrase".
fn passphrase_from(var: &str) -> Result<String, String> {
    match std::env::var(var) {
        Ok(p) if !p.is_empty() => Ok(p),
        Ok(_) => Err(format!("--passphrase-env {var}: the variable is empty")),
        Err(_) => Err(format!(
            "--passphrase-env {var}: the variable is not set (or not UTF-8); export it first, e.g. `read -rs {var} && export {var}`"
        )),
    }
}

/// What the `ALTER USER` shown is for.
struct Alter<'a> {
    user: Option<&'a str>,
    slot: KeySlot,
}

fn slot(rotate: bool) -> KeySlot {
    if rotate {
        KeySlot::Second
    } else {
        KeySlot::First
    }
}

/// One read key: its name, the text diagnostics point into, and the core's report.
struct Checked {
    name: String,
    text: String,
    report: KeyReport,
}

fn inspect_file(file: &str, passphrase: Option<&[u8]>) -> Result<Checked, String> {
    let bytes = read_input(file)?;
    let name = display_name(file).to_string();
    // A DER file (binary, starting with a SEQUENCE) is read as DER; anything else as text.
    let report;
    let text;
    match std::str::from_utf8(&bytes) {
        Err(_) if bytes.first() == Some(&0x30) => {
            report = keys::from_der_with(KeyKind::Unknown, &bytes, passphrase);
            text = String::new();
        }
        _ => {
            text = String::from_utf8_lossy(&bytes).into_owned();
            report = keys::inspect_key_with(&text, passphrase);
        }
    }
    Ok(Checked { name, text, report })
}

fn check(
    file: &str,
    file2: Option<&str>,
    format: Format,
    fix: Option<PathBuf>,
    alter: &Alter,
    passphrase: Option<&[u8]>,
    color: bool,
) -> ExitCode {
    let mut checked = Vec::new();
    for f in std::iter::once(file).chain(file2) {
        match inspect_file(f, passphrase) {
            Ok(c) => checked.push(c),
            Err(e) => {
                eprintln!("cps: {}", human(e));
                return ExitCode::from(2);
            }
        }
    }
    if fix.is_some() && checked.len() > 1 {
        eprintln!("cps: --fix takes one key file");
        return ExitCode::from(2);
    }
    // With two keys: are they a pair?
    let pair = match checked.as_slice() {
        [a, b] => keys::same_pair(&a.report, &b.report),
        _ => None,
    };
    if let (Some(false), [a, b]) = (pair, checked.as_mut_slice()) {
        let d = Diagnostic::new(
            Code::KeyPairMismatch,
            format!(
                "{} and {} are not a pair: their public keys differ ({} vs {})",
                a.name,
                b.name,
                a.report.fingerprint.as_deref().unwrap_or("?"),
                b.report.fingerprint.as_deref().unwrap_or("?")
            ),
            Span::empty(0),
        )
        .help("set the public key made from this private key on the Snowflake user (`openssl rsa -in rsa_key.p8 -pubout`), or use the private key that belongs to the public one");
        b.report.diagnostics.insert(0, d);
    }

    let style = Style {
        color: color && std::io::stdout().is_terminal(),
    };
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    match format {
        Format::Json => {
            let files: Vec<serde_json::Value> = checked.iter().map(json_report).collect();
            let value = serde_json::json!({
                "version": 1,
                "files": files,
                "pair": pair,
            });
            let _ = writeln!(
                out,
                "{}",
                serde_json::to_string_pretty(&value).unwrap_or_default()
            );
        }
        Format::Human => {
            for c in &checked {
                human_report(&mut out, c, alter, &style);
            }
            match (pair, checked.as_slice()) {
                (Some(true), [a, b]) => {
                    let _ = writeln!(out, "{} and {} are a pair", human(&a.name), human(&b.name));
                }
                (None, [a, b]) => {
                    let _ = writeln!(
                        out,
                        "cannot tell whether {} and {} are a pair: a public key is unknown",
                        human(&a.name),
                        human(&b.name)
                    );
                }
                _ => {}
            }
        }
    }
    let mut code = if checked.iter().any(|c| c.report.has_errors()) {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    };
    if let (Some(path), Some(c)) = (fix, checked.first()) {
        if let Err(e) = write_fixed(&path, c) {
            eprintln!("cps: {}", human(e));
            code = ExitCode::from(2);
        } else if format == Format::Human {
            eprintln!("cps: wrote {}", human(path.display()));
        }
    }
    code
}

/// `--fix`: the PKCS#8 PEM of a private key, the SubjectPublicKeyInfo PEM of a public key.
fn write_fixed(path: &Path, c: &Checked) -> Result<(), String> {
    let r = &c.report;
    let (pem, private) = match r.kind {
        KeyKind::Pkcs8Private | KeyKind::Pkcs1Private => (r.pkcs8_pem.as_ref(), true),
        KeyKind::SpkiPublic | KeyKind::Pkcs1Public => (r.public_pem.as_ref(), false),
        _ => (None, false),
    };
    let Some(pem) = pem else {
        if r.kind == KeyKind::EncryptedPkcs8Private {
            // Nothing to convert, and nothing cps would write: the decrypted key is the one
            // thing that must not land in a file.
            return Err(format!(
                "nothing written: {} is an encrypted PKCS#8 key, already PKCS#8; give it with its \
                 passphrase (TD's Snowflake connection form has a Passphrase field, which the CAS \
                 docs do not mention) — cps never writes a private key decrypted",
                c.name
            ));
        }
        return Err(format!(
            "nothing written: cps cannot convert {} ({}); see the messages above",
            c.name,
            r.kind.describe()
        ));
    };
    let write = || -> std::io::Result<()> {
        let mut options = std::fs::OpenOptions::new();
        // Not truncated on open: an existing file is made private first, so the key is never
        // in a file others can read, and a failure leaves the old content as it was.
        options.write(true).create(true).truncate(false);
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let mut f = options.open(path)?;
        // `mode` applies only to a file the open creates; an existing one keeps its own (often
        // 0644) unless it is changed here.
        #[cfg(unix)]
        if private {
            use std::os::unix::fs::PermissionsExt;
            f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
        }
        #[cfg(not(unix))]
        let _ = private;
        f.set_len(0)?;
        f.write_all(pem.as_bytes())
    };
    write().map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn plural(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}

/// The `ALTER USER` lines for a public key: the statement, what `DESC USER` then shows, and the
/// service-user advice; or why the user name cannot go into SQL.
fn alter_lines(body: &str, fingerprint: Option<&str>, alter: &Alter) -> Vec<String> {
    let who = alter
        .user
        .and_then(|u| sql::sql_name(u).ok())
        .unwrap_or_else(|| sql::USER_PLACEHOLDER.to_string());
    match sql::alter_user_sql(alter.user, body, alter.slot) {
        Ok(statement) => {
            let mut lines = vec![format!("set it on the Snowflake user: {statement}")];
            if let Some(fp) = fingerprint {
                lines.push(format!(
                    "then `DESC USER {who}` shows {} = {fp}",
                    alter.slot.fingerprint_property()
                ));
            }
            lines.push(sql::service_user_advice(alter.user));
            lines
        }
        Err(e) => vec![format!("no ALTER USER statement: {e}")],
    }
}

fn human_report(out: &mut impl Write, c: &Checked, alter: &Alter, style: &Style) {
    let r = &c.report;
    let bits = r.bits.map_or(String::new(), |b| format!(", {b} bits"));
    let _ = writeln!(out, "{}: {}{bits}", human(&c.name), r.kind.describe());
    if let Some(fp) = &r.fingerprint {
        let _ = writeln!(out, "  fingerprint: {fp}");
    }
    if let Some(body) = &r.public_body {
        let _ = writeln!(out, "  public key ({}): {body}", alter.slot.property());
        for line in alter_lines(body, r.fingerprint.as_deref(), alter) {
            let _ = writeln!(out, "  {}", human(line));
        }
    }
    // What --fix would write, when it can write something.
    let fixable = match r.kind {
        KeyKind::Pkcs8Private | KeyKind::Pkcs1Private => {
            r.pkcs8_pem.is_some().then_some("rsa_key.p8")
        }
        KeyKind::SpkiPublic | KeyKind::Pkcs1Public => {
            r.public_pem.is_some().then_some("rsa_key.pub")
        }
        _ => None,
    };
    if let Some(out_name) = fixable {
        let what = if r.repaired {
            Some("the repaired key")
        } else if r.kind == KeyKind::Pkcs1Private {
            Some("the PKCS#8 key TD needs")
        } else if r.kind == KeyKind::Pkcs1Public {
            Some("the SubjectPublicKeyInfo key Snowflake takes")
        } else {
            None
        };
        if let Some(what) = what {
            let _ = writeln!(
                out,
                "  `cps key check --fix -o {out_name} {}` writes {what}",
                human(&c.name)
            );
        }
    }
    let shown = masked(c);
    let index = LineIndex::new(&shown);
    for d in &r.diagnostics {
        let _ = writeln!(out, "{}", render(&c.name, &shown, &index, d, style));
    }
    let _ = writeln!(
        out,
        "{}: {}, {}",
        human(&c.name),
        plural(r.count(Severity::Error), "error"),
        plural(r.count(Severity::Warning), "warning")
    );
}

/// The text the diagnostics quote: a private key's (or an unrecognised text's, which may be a
/// damaged private key) base64 is masked, so no part of it reaches a terminal or a CI log. The
/// carets still point where they did: every masked character is replaced by one ASCII `*`, and
/// what is not base64 (the stray space, quote or dash a diagnostic is about) is kept, as are the
/// BEGIN/END labels and PEM headers (`Proc-Type: …`), which hold no key material.
fn masked(c: &Checked) -> std::borrow::Cow<'_, str> {
    if c.report.kind.is_public() {
        return std::borrow::Cow::Borrowed(&c.text);
    }
    let mask = |part: &str| -> String {
        part.chars()
            .map(|ch| {
                if ch.is_ascii_alphanumeric() || matches!(ch, '+' | '/' | '=') {
                    '*'
                } else {
                    ch
                }
            })
            .collect()
    };
    let lines: Vec<String> = c
        .text
        .split('\n')
        .map(|line| {
            // OpenSSL's legacy headers (`Proc-Type: 4,ENCRYPTED`, `DEK-Info: <cipher>,<iv>`).
            let header = line.split_once(':').is_some_and(|(name, _)| {
                name.eq_ignore_ascii_case("Proc-Type") || name.eq_ignore_ascii_case("DEK-Info")
            });
            if header {
                return line.to_string();
            }
            // Between `-----` pairs, a BEGIN or END label stays; the rest (even a key pasted on
            // the BEGIN line) is masked.
            line.split("-----")
                .enumerate()
                .map(|(i, part)| {
                    if i % 2 == 1 && (part.starts_with("BEGIN ") || part.starts_with("END ")) {
                        part.to_string()
                    } else {
                        mask(part)
                    }
                })
                .collect::<Vec<_>>()
                .join("-----")
        })
        .collect();
    std::borrow::Cow::Owned(lines.join("\n"))
}

fn json_report(c: &Checked) -> serde_json::Value {
    let r = &c.report;
    let index = LineIndex::new(&c.text);
    let diagnostics: Vec<_> = r
        .diagnostics
        .iter()
        .map(|d| cps_core::diagnostics::report::diagnostic(&c.text, &index, d, ColumnUnit::Chars))
        .collect();
    serde_json::json!({
        "file": c.name,
        "kind": r.kind,
        "bits": r.bits,
        "fingerprint": r.fingerprint,
        "publicBody": r.public_body,
        "repaired": r.repaired,
        "diagnostics": diagnostics,
    })
}

/// `cps keygen`: a new RSA pair, written as `rsa_key.p8` (PKCS#8 PEM, mode 0600) and
/// `rsa_key.pub` (SubjectPublicKeyInfo PEM), the files TD's setup makes with openssl.
pub fn keygen(args: &KeygenArgs) -> ExitCode {
    let private_path = args.out_dir.join("rsa_key.p8");
    let public_path = args.out_dir.join("rsa_key.pub");
    for p in [&private_path, &public_path] {
        if p.exists() {
            eprintln!(
                "cps: {} exists; cps never overwrites a key (move it away or pick --out-dir)",
                p.display()
            );
            return ExitCode::from(2);
        }
    }
    // Key generation only. The `rsa` crate's advisory RUSTSEC-2023-0071 (the Marvin attack) is
    // about timing side channels in decryption and signing with the private key; cps never
    // decrypts or signs, it only generates the pair and writes it out. (rsa 0.10 also carries
    // the constant-time fixes.) The randomness is the operating system's, drawn here at the
    // edge: the core stays pure.
    let key = match rsa::PrivateKey::new(&mut rand::rngs::SysRng, args.bits) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("cps: key generation failed: {e}");
            return ExitCode::from(2);
        }
    };
    let der = match rsa::pkcs8::EncodePrivateKey::to_pkcs8_der(&key) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("cps: cannot encode the key: {e}");
            return ExitCode::from(2);
        }
    };
    let report = keys::from_der(KeyKind::Pkcs8Private, der.as_bytes());
    let (Some(p8), Some(public), Some(fp), Some(body)) = (
        &report.pkcs8_pem,
        &report.public_pem,
        &report.fingerprint,
        &report.public_body,
    ) else {
        eprintln!("cps: the generated key did not read back (a bug in cps)");
        return ExitCode::from(2);
    };
    if let Err(e) = std::fs::create_dir_all(&args.out_dir) {
        eprintln!("cps: cannot create {}: {e}", args.out_dir.display());
        return ExitCode::from(2);
    }
    if let Err(e) =
        write_new(&private_path, p8, true).and_then(|()| write_new(&public_path, public, false))
    {
        eprintln!("cps: {e}");
        return ExitCode::from(2);
    }
    println!(
        "wrote {} (private, PKCS#8: paste it into TD's Snowflake authentication; keep it secret)",
        private_path.display()
    );
    println!("wrote {} (public)", public_path.display());
    println!("fingerprint: {fp}");
    let alter = Alter {
        user: args.user.as_deref(),
        slot: slot(args.rotate),
    };
    println!("public key ({}): {body}", alter.slot.property());
    for line in alter_lines(body, Some(fp), &alter) {
        println!("{}", human(line));
    }
    ExitCode::SUCCESS
}

/// Creates `path`, refusing an existing file; private keys get mode 0600 on unix.
fn write_new(path: &Path, text: &str, private: bool) -> Result<(), String> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    if private {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = private;
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
