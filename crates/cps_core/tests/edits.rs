//! Structural form edits as text splices (`cps_core::output::edit`).
//!
//! Fixtures: `fixtures/edits/<format>/<case>.before` is edited as its name says and must give
//! `<case>.after` byte for byte (or, for a `<case>.refused`, be refused with a message that starts
//! with that file's text).
//! Case names: `add-attribute`, `add-behavior`, `add-column-<b>`, `remove-attribute-<i>`,
//! `remove-behavior-<i>`, `remove-column-<b>-<j>`, `move-attribute-<i>-up|down`,
//! `move-behavior-<i>-up|down`, `move-column-<b>-<j>-up|down`, optionally followed by
//! `--<what the case is about>`. Write the expected files after a deliberate change with
//! `CPS_BLESS=1 cargo test -p cps_core --test edits`, then review the diff.
//!
//! Property: over the valid corpus (and each file converted to the other formats), every edit
//! succeeds, changes the config exactly as the same edit on the model would, keeps every comment
//! line (a removed entry takes its own) and adds no error.

// Tests read fixtures and write blessed files; the purity lints are for the library.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]
#![cfg(feature = "yaml")]

use cps_core::output::convert::{api_value, to_api_json, to_api_yaml, to_tdx_yaml};
use cps_core::output::edit::{apply, Edit, ListId};
use cps_core::{check, Checked, Options, Severity};

#[path = "support/sample.rs"]
mod sample;
use serde_json::Value as J;
use std::path::{Path, PathBuf};

fn parse_case(name: &str) -> Edit {
    let base = name.split("--").next().unwrap();
    let parts: Vec<&str> = base.split('-').collect();
    let n = |s: &str| {
        s.parse::<usize>()
            .unwrap_or_else(|_| panic!("bad case name {name}"))
    };
    let list = |kind: &str, rest: &[&str]| -> (ListId, usize) {
        match kind {
            "attribute" => (ListId::Attributes, 0),
            "behavior" => (ListId::Behaviors, 0),
            "column" => (
                ListId::Columns {
                    behavior: n(rest[0]),
                },
                1,
            ),
            _ => panic!("bad case name {name}"),
        }
    };
    match parts.as_slice() {
        ["add", kind, rest @ ..] => Edit::Add(list(kind, rest).0),
        ["remove", kind, rest @ ..] => {
            let (list, skip) = list(kind, rest);
            Edit::Remove {
                list,
                index: n(rest[skip]),
            }
        }
        ["move", kind, rest @ ..] => {
            let (list, skip) = list(kind, rest);
            Edit::Move {
                list,
                from: n(rest[skip]),
                up: match rest[skip + 1] {
                    "up" => true,
                    "down" => false,
                    _ => panic!("bad case name {name}"),
                },
            }
        }
        _ => panic!("bad case name {name}"),
    }
}

fn edits_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/edits")
}

#[test]
fn fixtures() {
    let bless = std::env::var_os("CPS_BLESS").is_some();
    let mut count = 0;
    let mut failures = Vec::new();
    let mut formats: Vec<PathBuf> = std::fs::read_dir(edits_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    formats.sort();
    for format in formats {
        let mut cases: Vec<PathBuf> = std::fs::read_dir(&format)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "before"))
            .collect();
        cases.sort();
        for before_path in cases {
            count += 1;
            let name = before_path.file_stem().unwrap().to_str().unwrap();
            let label = format!("{}/{name}", format.file_name().unwrap().to_str().unwrap());
            let before = std::fs::read_to_string(&before_path).unwrap();
            let edit = parse_case(name);
            let checked = check(&before, &Options::default());
            let result = apply(&before, &checked, edit);
            let refused_path = before_path.with_extension("refused");
            let after_path = before_path.with_extension("after");
            match result {
                Ok(after) => {
                    if bless && !refused_path.exists() {
                        std::fs::write(&after_path, &after).unwrap();
                        continue;
                    }
                    match std::fs::read_to_string(&after_path) {
                        Ok(expected) if expected == after => {}
                        Ok(expected) => failures
                            .push(format!("{label}: got\n{after}\n--- expected\n{expected}")),
                        Err(_) => failures.push(format!(
                            "{label}: edited, but expected a refusal or has no .after:\n{after}"
                        )),
                    }
                    // No new errors: an edit of a clean file leaves it clean (removing the last
                    // entry of a required list aside, which the model edit does too).
                    let again = check(&after, &Options::default());
                    if !checked.has_errors() && again.has_errors() {
                        let codes: Vec<&str> = again
                            .diagnostics
                            .iter()
                            .filter(|d| d.severity == Severity::Error)
                            .map(|d| d.code.as_str())
                            .collect();
                        if !codes
                            .iter()
                            .all(|c| *c == "no-attributes" || *c == "no-columns")
                        {
                            failures.push(format!("{label}: new errors {codes:?}"));
                        }
                    }
                }
                // A `.refused` file holds the start of the message (what is refused and why;
                // the reader's own words may follow).
                Err(refused) => match std::fs::read_to_string(&refused_path) {
                    Ok(expected)
                        if refused.message.starts_with(expected.trim_end_matches('\n')) => {}
                    _ => failures.push(format!("{label}: refused: {}", refused.message)),
                },
            }
        }
    }
    assert!(count >= 30, "only {count} edit fixtures");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

// ---- the property over the valid corpus ---------------------------------------------------

fn corpus() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join("tests/fixtures/valid"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "snap"))
        .collect();
    for e in std::fs::read_dir(root.join("../../examples")).unwrap() {
        files.push(e.unwrap().path());
    }
    files.sort();
    let mut out = Vec::new();
    for path in files {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        // Named, as the CLI and the page read a file (`flow-style.yaml` opens like JSON).
        let checked = cps_core::check_named(&text, Some(&name), &Options::default());
        assert!(!checked.has_errors(), "{name} is not valid");
        let config = checked.config.as_ref().unwrap();
        // The same config in every format the studio edits.
        out.push((
            format!("{name} as api-json"),
            to_api_json(config, &checked.settings),
        ));
        out.push((
            format!("{name} as api-yaml"),
            to_api_yaml(config, &checked.settings),
        ));
        out.push((
            format!("{name} as tdx-yaml"),
            to_tdx_yaml(config, &checked.settings),
        ));
        out.push((name, text));
    }
    out.push(("generated".into(), sample::tdx_config(3, 3)));
    // The edit fixtures' layouts (comments, blank lines, `-` alone, zero-indented lists, CRLF,
    // flow lists, minified JSON, …), where they check clean; texts with a refused case are left
    // out, as some of their edits are refused on purpose.
    let mut fixtures: Vec<PathBuf> = std::fs::read_dir(edits_dir())
        .unwrap()
        .flat_map(|d| std::fs::read_dir(d.unwrap().path()).unwrap())
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "before"))
        .collect();
    fixtures.sort();
    let mut seen: std::collections::HashSet<String> = fixtures
        .iter()
        .filter(|p| p.with_extension("refused").exists())
        .map(|p| std::fs::read_to_string(p).unwrap())
        .collect();
    for path in fixtures {
        let text = std::fs::read_to_string(&path).unwrap();
        let name = path.to_str().unwrap();
        if !seen.insert(text.clone()) {
            continue;
        }
        if check(&text, &Options::default()).has_errors() {
            continue;
        }
        out.push((name.rsplit("edits/").next().unwrap().to_string(), text));
    }
    out
}

/// The API body as JSON (the model, format aside), with its lists.
fn body(checked: &Checked) -> J {
    api_value(checked.config.as_ref().unwrap(), &checked.settings)
}

fn list_mut(body: &mut J, list: ListId) -> &mut Vec<J> {
    let v = match list {
        ListId::Attributes => &mut body["attributes"],
        ListId::Behaviors => &mut body["behaviors"],
        ListId::Columns { behavior } => &mut body["behaviors"][behavior]["columnMapping"],
    };
    v.as_array_mut().unwrap()
}

fn comment_lines(text: &str) -> Vec<&str> {
    let mut v: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| l.starts_with('#'))
        .collect();
    v.sort();
    v
}

fn error_codes(checked: &Checked) -> Vec<&'static str> {
    checked
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .map(|d| d.code.as_str())
        .collect()
}

/// Every edit the form offers on `checked`'s config.
fn all_edits(checked: &Checked) -> Vec<Edit> {
    let c = checked.config.as_ref().unwrap();
    let attrs = c.attributes.as_ref().map_or(0, |l| l.items.len());
    let behaviors = c.behaviors.as_ref().map_or(0, |l| l.items.len());
    let mut lists = vec![(ListId::Attributes, attrs), (ListId::Behaviors, behaviors)];
    for (b, behavior) in c.behaviors.iter().flat_map(|l| &l.items).enumerate() {
        lists.push((
            ListId::Columns { behavior: b },
            behavior.columns.as_ref().map_or(0, |l| l.items.len()),
        ));
    }
    let mut edits = Vec::new();
    for (list, n) in lists {
        edits.push(Edit::Add(list));
        for i in 0..n {
            edits.push(Edit::Remove { list, index: i });
            edits.push(Edit::Move {
                list,
                from: i,
                up: true,
            });
            edits.push(Edit::Move {
                list,
                from: i,
                up: false,
            });
        }
    }
    edits
}

/// A corpus text checked under its name, as the CLI and the page read a file: a `.yaml` name
/// reads flow style as YAML (`flow-style.yaml`); converted texts have no such name.
fn read(name: &str, text: &str) -> Checked {
    cps_core::check_named(text, Some(name), &Options::default())
}

/// Checks one edit against the same edit made on the model; returns the edited text.
fn check_edit(name: &str, text: &str, edit: Edit) -> String {
    let checked = read(name, text);
    let out = apply(text, &checked, edit)
        .unwrap_or_else(|r| panic!("{name}: {edit:?} refused: {}\n{text}", r.message));
    let again = read(name, &out);
    let ctx = || format!("{name}: {edit:?}\n--- before\n{text}\n--- after\n{out}");
    assert_eq!(again.syntax, checked.syntax, "{}", ctx());
    assert_eq!(again.dialect, checked.dialect, "{}", ctx());
    let mut expected = body(&checked);
    let got = body(&again);
    match edit {
        Edit::Add(list) => {
            let new = list_mut(&mut got.clone(), list).last().cloned().unwrap();
            let old = list_mut(&mut expected, list);
            // A fresh name, and join keys prefilled from the master's key column.
            assert!(!old.iter().any(|e| e["name"] == new["name"]), "{}", ctx());
            old.push(new.clone());
            if let (false, Some(key)) = (
                matches!(list, ListId::Columns { .. }),
                expected["master"].get("keyColumn"),
            ) {
                assert_eq!(new.get("tableKey"), Some(key), "{}", ctx());
                assert_eq!(new.get("masterKey"), Some(key), "{}", ctx());
            }
        }
        Edit::Remove { list, index } => {
            list_mut(&mut expected, list).remove(index);
        }
        Edit::Move { list, from, up } => {
            let items = list_mut(&mut expected, list);
            let to = if up {
                from.checked_sub(1)
            } else {
                Some(from + 1)
            };
            if let Some(to) = to.filter(|&t| t < items.len()) {
                items.swap(from, to);
            } else {
                assert_eq!(out, text, "{}", ctx());
            }
        }
    }
    assert_eq!(got, expected, "{}", ctx());
    // Comments: all kept by add and move; a removal takes only lines of its own.
    let (before_c, after_c) = (comment_lines(text), comment_lines(&out));
    match edit {
        Edit::Remove { .. } => {
            let mut rest = before_c.clone();
            for c in &after_c {
                let i = rest
                    .iter()
                    .position(|x| x == c)
                    .unwrap_or_else(|| panic!("{}", ctx()));
                rest.remove(i);
            }
        }
        _ => assert_eq!(before_c, after_c, "{}", ctx()),
    }
    // No new errors (emptying a required list aside).
    let before_e = error_codes(&checked);
    let mut after_e = error_codes(&again);
    if let Edit::Remove { .. } = edit {
        after_e.retain(|c| *c != "no-attributes" && *c != "no-columns");
    }
    assert!(after_e.len() <= before_e.len(), "{}: {after_e:?}", ctx());
    if let Edit::Move { .. } = edit {
        let count = |c: &Checked, s| c.count(s);
        for s in [Severity::Error, Severity::Warning, Severity::Info] {
            assert_eq!(count(&checked, s), count(&again, s), "{}", ctx());
        }
    }
    out
}

#[test]
fn every_edit_of_the_valid_corpus_is_the_model_edit() {
    let mut n = 0;
    for (name, text) in corpus() {
        let checked = read(&name, &text);
        for edit in all_edits(&checked) {
            check_edit(&name, &text, edit);
            n += 1;
        }
    }
    assert!(n > 300, "only {n} edits");
}

/// A small deterministic generator (xorshift), so a failure reproduces.
struct Rng(u64);

impl Rng {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n.max(1) as u64) as usize
    }
}

/// Random chains of edits: each edit's result is edited again. One chain per corpus file by
/// default; `CPS_EDIT_SEEDS=150 cargo test --release -p cps_core --test edits chains` explores
/// more (a chain of 40 per file and seed).
#[test]
fn chains_of_edits_stay_editable() {
    let seeds: u64 = std::env::var("CPS_EDIT_SEEDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    for seed in 0..seeds {
        let mut rng = Rng(0x9e37_79b9_7f4a_7c15 ^ seed.wrapping_mul(0x2545_f491_4f6c_dd1d));
        for (name, text) in corpus() {
            let mut text = text;
            for _ in 0..if seeds == 1 { 25 } else { 40 } {
                let checked = read(&name, &text);
                let edits = all_edits(&checked);
                let edit = edits[rng.below(edits.len())];
                text = check_edit(&name, &text, edit);
            }
        }
    }
}

/// Damaged text (cut anywhere, a line dropped) never makes an edit panic; what an edit returns
/// still reads as the same syntax.
#[test]
fn damaged_text_never_panics() {
    let texts = [
        include_str!("fixtures/edits/tdx-yaml/add-attribute.before"),
        include_str!("fixtures/edits/tdx-yaml/move-column-1-0-down--flow-list-comments.before"),
        include_str!("fixtures/edits/api-yaml/add-attribute.before"),
        include_str!("fixtures/edits/api-json/add-attribute.before"),
    ];
    for text in texts {
        let full = check(text, &Options::default());
        let edits = all_edits(&full);
        let mut damaged: Vec<String> = (0..text.len())
            .step_by(29)
            .filter(|&i| text.is_char_boundary(i))
            .map(|i| text[..i].to_string())
            .collect();
        let lines: Vec<&str> = text.split_inclusive('\n').collect();
        for i in (0..lines.len()).step_by(3) {
            let mut l = lines.clone();
            l.remove(i);
            damaged.push(l.concat());
        }
        for t in damaged {
            let checked = check(&t, &Options::default());
            for &edit in &edits {
                if let Ok(out) = apply(&t, &checked, edit) {
                    let again = check(&out, &Options::default());
                    assert!(again.config.is_some(), "{edit:?}\n{t}\n---\n{out}");
                }
            }
        }
    }
}
