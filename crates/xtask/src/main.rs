//! Developer tasks, run as `cargo xtask <task>` (a cargo alias in `.cargo/config.toml`).
//!
//! - `setup`: installs what is missing (rust components and targets).
//! - `run`:   the README's run command: setup, build, and run cps on the bundled example.
//! - `test`:  the README's test command and CI's: formatting, clippy (native and the core
//!   for wasm32, proving it pure), every test.
//! - `bench`: benchmarks; `--write` records the results in BENCHMARKS.md.
//! - `fuzz [SECONDS]`: the cargo-fuzz target (not part of `test`).

mod bench;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let rest = &args[args.len().min(1)..];
    let result = match task {
        "setup" => setup(),
        "run" => run(),
        "test" => test(),
        "bench" => bench::main(rest),
        "fuzz" => fuzz(rest),
        _ => {
            eprintln!("usage: cargo xtask <setup|run|test|bench [--write]|fuzz [SECONDS]>");
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
/// once and every later run nothing.
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
    Ok(())
}

fn run() -> Result {
    setup()?;
    step("build cps (release)");
    sh(cargo().args(["build", "--release", "--bin", "cps"]))?;
    let cps = root().join("target/release/cps");
    step("cps validate examples/snowflake.yaml");
    sh(Command::new(&cps).args(["validate", "examples/snowflake.yaml"]))?;
    step("cps convert examples/snowflake.yaml --to api-json");
    sh(Command::new(&cps).args(["convert", "examples/snowflake.yaml", "--to", "api-json"]))
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
    step("clippy cps_core for wasm32-unknown-unknown (the core is pure)");
    sh(cargo().args([
        "clippy",
        "-p",
        "cps_core",
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
    eprintln!("\nxtask test: all checks passed");
    Ok(())
}

fn fuzz(rest: &[String]) -> Result {
    let secs = rest.first().map(String::as_str).unwrap_or("600");
    sh(Command::new("bash").args(["fuzz/run.sh", secs]))
}
