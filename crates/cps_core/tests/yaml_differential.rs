//! Differential test of the YAML reader: the new reader (`cps_core::syntax::yaml`, folded from
//! granit-parser's events) against the serde-saphyr reader it replaced (`support/old_yaml.rs`),
//! on the whole corpus: every fixture, the examples, the fuzz seeds (and the local fuzz corpus when
//! one exists), hand-written YAML corner cases (`yaml/cases.txt`), a generated config, and
//! variants of the committed files (cut at every line and character, CRLF, BOM, lines dropped,
//! doubled or re-indented).
//! Both must give the same tree with the same spans, or the same error at the same place
//! (`support/differential.rs` lists the deliberate differences).

// Tests read fixtures; the purity lints are for the library.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]
#![cfg(feature = "yaml")]

mod support {
    pub mod differential;
    pub mod old_yaml;
    pub mod sample;
}

use std::path::{Path, PathBuf};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.is_dir() {
            walk(&path, out);
        } else if path.extension().is_none_or(|e| e != "snap") {
            out.push(path);
        }
    }
}

/// Every corpus file as text (lossy: the reader only ever sees text). With `fuzzed`, also the
/// local fuzz corpus, present after a `cargo xtask fuzz` and absent from a clean checkout.
fn corpus(fuzzed: bool) -> Vec<(String, String)> {
    let root = repo();
    let mut paths = Vec::new();
    let mut dirs = vec![
        "crates/cps_core/tests/fixtures",
        "crates/cps_core/tests/catalog",
        "crates/cps_core/tests/keys",
        "examples",
        "fuzz/seeds",
    ];
    if fuzzed {
        dirs.push("fuzz/corpus");
    }
    for dir in dirs {
        walk(&root.join(dir), &mut paths);
    }
    paths.sort();
    let mut out: Vec<(String, String)> = paths
        .into_iter()
        .map(|p| {
            let name = p.strip_prefix(&root).unwrap_or(&p).display().to_string();
            let text = String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into_owned();
            (name, text)
        })
        .collect();
    let cases =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/yaml/cases.txt"))
            .unwrap();
    for (i, case) in cases.split("\n=====\n").enumerate() {
        out.push((format!("yaml/cases.txt #{}", i + 1), case.to_string()));
    }
    out.push((
        "sample::tdx_config(40, 6)".into(),
        support::sample::tdx_config(40, 6),
    ));
    out
}

fn check_all(inputs: impl IntoIterator<Item = (String, String)>) -> usize {
    let inputs: Vec<(String, String)> = inputs.into_iter().collect();
    // The old reader deserializes recursively: at the 64-level limit its debug frames overflow a
    // test thread's 2 MiB (the new reader has its own stack and reads that depth on 1 MiB,
    // `hostile.rs`). A thread with room for it.
    std::thread::Builder::new()
        .stack_size(64 << 20)
        .spawn(move || check_all_here(inputs))
        .unwrap()
        .join()
        .unwrap_or_else(|e| std::panic::resume_unwind(e))
}

fn check_all_here(inputs: Vec<(String, String)>) -> usize {
    let mut failures = Vec::new();
    let mut n = 0;
    for (name, text) in inputs {
        n += 1;
        if let Some(diff) = support::differential::compare(&text) {
            if failures.len() < 5 {
                let shown: String = text.chars().take(400).collect();
                failures.push(format!("== {name}\n{shown:?}\n{diff}"));
            } else {
                failures.push(format!("== {name}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {n} inputs differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
    n
}

#[test]
fn whole_files_read_alike() {
    let n = check_all(corpus(true));
    assert!(n > 60, "the corpus is too small ({n})");
}

/// Cuts at every line end, and at every character of the shorter files: a file cut off mid-token
/// must fail at the same place in both readers. (Alias replays are slow in the old reader, so
/// files with aliases are cut at line ends only, to keep the test quick in debug builds.)
#[test]
fn every_cut_reads_alike() {
    let mut inputs = Vec::new();
    for (name, text) in corpus(false) {
        if text.len() > 12_000 {
            continue;
        }
        let every_char = text.len() <= 1_200 && !text.contains('*');
        for (i, c) in text.char_indices() {
            if every_char || c == '\n' {
                inputs.push((format!("{name} cut at byte {i}"), text[..i].to_string()));
            }
        }
    }
    check_all(inputs);
}

/// Line-level variants: CRLF, a BOM, each line dropped, doubled (duplicate keys), indented one
/// more or one less, or indented with a tab.
#[test]
fn variants_read_alike() {
    let mut inputs = Vec::new();
    for (name, text) in corpus(false) {
        if text.len() > 8_000 || text.matches('*').count() > 20 {
            continue;
        }
        inputs.push((format!("{name} with CRLF"), text.replace('\n', "\r\n")));
        inputs.push((format!("{name} with a BOM"), format!("\u{feff}{text}")));
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for i in 0..lines.len() {
            let with = |line: &str| -> String {
                let mut v = lines.clone();
                v[i] = line;
                v.concat()
            };
            let line = lines[i];
            inputs.push((format!("{name} without line {}", i + 1), with("")));
            inputs.push((
                format!("{name} with line {} twice", i + 1),
                with(&format!("{line}{line}")),
            ));
            inputs.push((
                format!("{name} line {} indented", i + 1),
                with(&format!(" {line}")),
            ));
            if let Some(rest) = line.strip_prefix(' ') {
                inputs.push((format!("{name} line {} outdented", i + 1), with(rest)));
                inputs.push((
                    format!("{name} line {} tab", i + 1),
                    with(&format!("\t{rest}")),
                ));
            }
        }
    }
    check_all(inputs);
}
