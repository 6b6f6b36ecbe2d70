//! Developer tasks, run as `cargo xtask <task>` (a cargo alias in `.cargo/config.toml`).
//!
//! - `setup`: installs what is missing: rust components and the wasm32 target, Trunk,
//!   wasm-bindgen-cli (the version in Cargo.lock), Debian's Chromium and ChromeDriver, and the
//!   npm packages (CodeMirror, esbuild, binaryen's wasm-opt, playwright-core).
//! - `build-web`: the editor bundle, then `trunk build --release` into dist/.
//! - `run`:   the README's run command: setup, build-web, then serve the page on 127.0.0.1.
//! - `test`:  the README's test command and CI's: formatting, clippy (native, and the pure
//!   libraries and the page for wasm32), every test.
//! - `bench`: benchmarks; `--write` records the results in BENCHMARKS.md.
//! - `fuzz [SECONDS]`: the cargo-fuzz target (not part of `test`).

mod bench;
mod csp;
mod wasm_sizes;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let result = match task {
        "setup" => setup(),
        "build-web" => setup().and_then(|()| build_web()),
        "run" => run(rest),
        "test" => test(),
        "bench" if rest.first().map(String::as_str) == Some("--web") => bench_web(&rest[1..]),
        "bench" => bench::main(rest),
        "screenshot" => setup()
            .and_then(|()| build_web())
            .and_then(|()| screenshot()),
        "fuzz" => fuzz(rest),
        "wasm-sizes" => wasm_sizes::main(rest),
        _ => {
            eprintln!("usage: cargo xtask <setup|build-web|run [PORT]|test|bench [--web] [--write]|screenshot|fuzz [SECONDS]>");
            return ExitCode::from(2);
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}

type Result<T = ()> = std::result::Result<T, String>;

pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn step(what: &str) {
    eprintln!("\n==> {what}");
}

/// Runs a command in the repository root; fails with its description when it fails.
pub fn sh(cmd: &mut Command) -> Result {
    cmd.current_dir(root());
    let desc = format!("{cmd:?}");
    let status = cmd.status().map_err(|e| format!("{desc}: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("{desc} failed ({status})"))
    }
}

fn output(cmd: &mut Command) -> String {
    cmd.current_dir(root())
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

/// Installs what the other tasks need, skipping what is already there, so a fresh machine pays
/// once and every later run nothing. Tools go to the user's cargo bin folder and the repo's
/// node_modules, outside the build output; nothing is downloaded from GitHub.
fn setup() -> Result {
    step("setup: rust components and the wasm32 target");
    let components = output(Command::new("rustup").args(["component", "list", "--installed"]));
    for c in ["clippy", "rustfmt"] {
        if !components.lines().any(|l| l.starts_with(c)) {
            sh(Command::new("rustup").args(["component", "add", c]))?;
        }
    }
    let targets = output(Command::new("rustup").args(["target", "list", "--installed"]));
    if !targets
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        sh(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }

    step("setup: trunk and wasm-bindgen-cli");
    // Trunk 0.22 needs a newer rustc than this machine's; 0.21.14 is the pinned version.
    if !output(
        Command::new("trunk")
            .arg("--version")
            .env("PATH", tool_path()),
    )
    .contains(TRUNK_VERSION)
    {
        sh(cargo().args(["install", "trunk", "--locked", "--version", TRUNK_VERSION]))?;
    }
    let wb = wasm_bindgen_version()?;
    // Trunk.toml names the same version, or Trunk would refuse (offline) to use the CLI.
    let trunk_toml =
        std::fs::read_to_string(root().join("Trunk.toml")).map_err(|e| e.to_string())?;
    if !trunk_toml.contains(&format!("wasm_bindgen = \"{wb}\"")) {
        return Err(format!(
            "Trunk.toml's wasm_bindgen must be {wb}, the version in Cargo.lock"
        ));
    }
    if !output(
        Command::new("wasm-bindgen")
            .arg("--version")
            .env("PATH", tool_path()),
    )
    .contains(&wb)
    {
        // Without --locked: its lockfile pins a webpki-roots version the registry here lacks.
        sh(cargo().args(["install", "wasm-bindgen-cli", "--version", &wb]))?;
    }

    step("setup: chromium and chromedriver (Debian)");
    if !Path::new("/usr/bin/chromium").exists() || !Path::new("/usr/bin/chromedriver").exists() {
        let sudo: &[&str] = if output(Command::new("id").arg("-u")).trim() == "0" {
            &[]
        } else {
            &["sudo"]
        };
        let apt = |args: &[&str]| {
            let mut all: Vec<&str> = sudo.to_vec();
            all.push("apt-get");
            all.extend_from_slice(args);
            let mut c = Command::new(all[0]);
            c.args(&all[1..]).env("DEBIAN_FRONTEND", "noninteractive");
            sh(&mut c)
        };
        apt(&["update", "-qq"])?;
        apt(&["install", "-y", "-qq", "chromium", "chromium-driver"])?;
    }

    step("setup: npm packages");
    let lock = root().join("package-lock.json");
    let stamp = root().join("node_modules/.package-lock.json");
    let stale = match (std::fs::metadata(&lock), std::fs::metadata(&stamp)) {
        (Ok(l), Ok(s)) => l.modified().ok() > s.modified().ok(),
        _ => true,
    };
    if stale || !root().join("node_modules/.bin/wasm-opt").exists() {
        sh(Command::new("npm").args(["ci", "--no-audit", "--no-fund"]))?;
    }
    Ok(())
}

const TRUNK_VERSION: &str = "0.21.14";

/// The wasm-bindgen version in Cargo.lock: the CLI must match it exactly.
fn wasm_bindgen_version() -> Result<String> {
    let lock = std::fs::read_to_string(root().join("Cargo.lock")).map_err(|e| e.to_string())?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\"" {
            if let Some(v) = lines.next().and_then(|l| l.strip_prefix("version = \"")) {
                return Ok(v.trim_end_matches('"').to_string());
            }
        }
    }
    Err("wasm-bindgen is not in Cargo.lock".into())
}

/// PATH with the installed tools first, so Trunk finds our wasm-bindgen and wasm-opt (not
/// Debian's older wasm-opt, and never a download).
fn tool_path() -> String {
    let home = std::env::var("HOME").unwrap_or_default();
    let cargo_bin = std::env::var("CARGO_HOME")
        .map(|h| format!("{h}/bin"))
        .unwrap_or(format!("{home}/.cargo/bin"));
    format!(
        "{}:{}:{}",
        root().join("node_modules/.bin").display(),
        cargo_bin,
        std::env::var("PATH").unwrap_or_default()
    )
}

/// Builds the page into dist/: the CodeMirror bundle, the release wasm (wasm-opt -Oz), then the
/// Content-Security-Policy hash of Trunk's inline loader.
fn build_web() -> Result {
    step("build-web: editor bundle (esbuild)");
    sh(Command::new("node").arg("web/editor/build.mjs"))?;
    step("build-web: trunk build --release");
    sh(Command::new("trunk")
        .args(["build", "--release", "--public-url", "./"])
        .env("PATH", tool_path()))?;
    csp::fill_loader_hash(&root().join("dist/index.html"))?;
    step("build-web: the steps module (dist/steps: Snowflake setup, Upload), loaded when such a tab opens");
    wasm_module("cps_steps", &[], "target", "dist/steps", "cps_steps")?;
    build_embed()
}

/// One wasm-bindgen module (`--target web`, then wasm-opt -Oz): the page's lazily loaded parts
/// and the embed. `target_dir` apart when features differ, so builds do not undo each other.
fn wasm_module(
    package: &str,
    args: &[&str],
    target_dir: &str,
    out_dir: &str,
    name: &str,
) -> Result {
    std::fs::create_dir_all(root().join(out_dir)).map_err(|e| e.to_string())?;
    sh(cargo()
        .args([
            "build",
            "-p",
            package,
            "--lib",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .args(["--profile", "wasm-release", "--target-dir", target_dir])
        .args(args))?;
    sh(Command::new("wasm-bindgen")
        .args([
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            out_dir,
            "--out-name",
            name,
        ])
        .arg(root().join(target_dir).join(format!(
            "wasm32-unknown-unknown/wasm-release/{package}.wasm"
        )))
        .env("PATH", tool_path()))?;
    let wasm = root().join(out_dir).join(format!("{name}_bg.wasm"));
    sh(Command::new("wasm-opt")
        .args(WASM_OPT_FEATURES)
        .args(["-Oz", "-o"])
        .arg(&wasm)
        .arg(&wasm)
        .env("PATH", tool_path()))
}

/// The documentation embed into dist/embed/: cps_embed as an ES module (wasm-bindgen
/// `--target web`, then wasm-opt -Oz), its JS wrapper, widget, types and the demo page.
fn build_embed() -> Result {
    step("build-web: the embed (dist/embed): full and JSON-only flavours");
    let out = root().join("dist/embed");
    // The JSON-only flavour builds in its own target dir: same crate, other features.
    wasm_module("cps_embed", &[], "target", "dist/embed", "cps_embed")?;
    wasm_module(
        "cps_embed",
        &["--no-default-features"],
        "target/embed-json",
        "dist/embed",
        "cps_embed_json",
    )?;
    for dir in ["crates/cps_embed/js", "crates/cps_embed/demo"] {
        for entry in std::fs::read_dir(root().join(dir))
            .map_err(|e| e.to_string())?
            .flatten()
        {
            std::fs::copy(entry.path(), out.join(entry.file_name())).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The wasm features rustc enables by default for wasm32, which binaryen needs named (the same
/// list as web/index.html's data-wasm-opt-params).
const WASM_OPT_FEATURES: &[&str] = &[
    // Not features but facts about these modules (see web/index.html).
    "--zero-filled-memory",
    "--low-memory-unused",
    "--enable-bulk-memory",
    "--enable-nontrapping-float-to-int",
    "--enable-sign-ext",
    "--enable-mutable-globals",
    "--enable-reference-types",
    "--enable-multivalue",
];

fn run(rest: &[String]) -> Result {
    setup()?;
    build_web()?;
    step("build cps (release)");
    sh(cargo().args(["build", "--release", "--bin", "cps"]))?;
    let port = rest.first().map(String::as_str).unwrap_or("8080");
    step("serve the page (Ctrl-C stops it)");
    sh(Command::new(root().join("target/release/cps"))
        .args(["serve", "--dir", "dist", "--port", port]))
}

fn test() -> Result {
    setup()?;
    step("cargo fmt --check");
    sh(cargo().args(["fmt", "--all", "--check"]))?;
    step("clippy (native, all targets)");
    sh(cargo().args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    step("clippy cps_core, cps_snowflake, the TD client, the page, its steps and bridge, and the embed for wasm32-unknown-unknown (the libraries are pure)");
    sh(cargo().args([
        "clippy",
        "-p",
        "cps_core",
        "-p",
        "cps_snowflake",
        "-p",
        "cps_td_api",
        "-p",
        "cps_web",
        "-p",
        "cps_steps",
        "-p",
        "cps_bridge",
        "-p",
        "cps_embed",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ]))?;
    step("cargo test --workspace");
    // Snapshots never update themselves here: a mismatch is a failure to review.
    sh(cargo()
        .args(["test", "--workspace"])
        .env("INSTA_UPDATE", "no"))?;
    step("wasm tests of the embed in headless Chromium (wasm-bindgen-test-runner)");
    sh(cargo()
        .args([
            "test",
            "-p",
            "cps_embed",
            "--target",
            "wasm32-unknown-unknown",
        ])
        .env("PATH", tool_path()))?;
    build_web()?;
    step("browser tests: real Chromium against the built site");
    sh(cargo().args(["build", "-p", "cps_cli", "-p", "td_fake", "--bins"]))?;
    sh(Command::new("node")
        .args(["--test", "--test-concurrency=1", "tests/e2e/"])
        .env("CPS_BIN", root().join("target/debug/cps"))
        .env("TD_FAKE_BIN", root().join("target/debug/td-fake"))
        .env("CPS_DIST", root().join("dist")))?;
    eprintln!("\nxtask test: all checks passed");
    Ok(())
}

/// Runs a node script against the built site served by a debug `cps serve`.
fn node_with_site(script: &str, args: &[&str], env: &[(&str, String)]) -> Result<String> {
    sh(cargo().args(["build", "--bin", "cps"]))?;
    let out = Command::new("node")
        .arg(script)
        .args(args)
        .current_dir(root())
        .env("CPS_BIN", root().join("target/debug/cps"))
        .env("CPS_DIST", root().join("dist"))
        .envs(env.iter().map(|(k, v)| (k, v)))
        .stderr(std::process::Stdio::inherit())
        .output()
        .map_err(|e| format!("node {script}: {e}"))?;
    if !out.status.success() {
        return Err(format!("node {script} failed ({})", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The browser benchmark: keystroke → diagnostics painted on 5,000- and 300-line configs,
/// typing on a 1.4 MB one, the embed's `check()` in Chromium against the same function natively
/// (timed first, in a release build), and the shipped sizes; `--write` records it in
/// BENCHMARKS.md.
fn bench_web(rest: &[String]) -> Result {
    setup()?;
    build_web()?;
    step("bench: the checker natively (release), in process and as `cps validate`, on the configs the page is timed on");
    sh(cargo().args(["build", "--quiet", "--release", "--package", "cps_cli"]))?;
    let dir = root().join("target/bench-web");
    let native = Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
        .current_dir(root())
        .env("CPS_BENCH_CPS", root().join("target/release/cps"))
        .args(["run", "--quiet", "--release", "--package", "xtask", "--"])
        .args(["bench", "--check-native"])
        .arg(&dir)
        .output()
        .map_err(|e| e.to_string())?;
    if !native.status.success() {
        return Err(String::from_utf8_lossy(&native.stderr).into_owned());
    }
    step("bench: the page in Chromium");
    let table = node_with_site(
        "tests/bench/keystroke.mjs",
        &[],
        &[
            ("CPS_BENCH_DIR", dir.display().to_string()),
            (
                "CPS_BENCH_NATIVE",
                String::from_utf8_lossy(&native.stdout).into_owned(),
            ),
        ],
    )?;
    print!("{table}");
    if rest.iter().any(|a| a == "--write") {
        bench::write_section(&table, "web")?;
    }
    Ok(())
}

/// Every tab of the page, light (and the first dark), into docs/: the Upload tab's plan comes
/// from the fake TD API (tests/td_fake), never the live one.
fn screenshot() -> Result {
    sh(cargo().args(["build", "-p", "td_fake", "--bins"]))?;
    node_with_site(
        "tests/bench/screenshot.mjs",
        &["docs/screenshot.png"],
        &[(
            "TD_FAKE_BIN",
            root().join("target/debug/td-fake").display().to_string(),
        )],
    )
    .map(|_| ())
}

fn fuzz(rest: &[String]) -> Result {
    let secs = rest.first().map(String::as_str).unwrap_or("600");
    let target = rest.get(1).map(String::as_str).unwrap_or("check");
    sh(Command::new("bash").args(["fuzz/run.sh", secs, target]))
}
