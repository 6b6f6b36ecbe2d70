//! TD's error bodies as data: every file in `tests/replies/` is one answer (`<status>-<what>.json`
//! or `.txt`), read as `cps push` and the page read it: its kind, shape and problems, the advice,
//! and where each problem lands in the example config, once as tdx YAML and once as the API JSON
//! (the same segment: the paths differ, the places are the same entries). Snapshots in
//! `tests/snapshots/`; review changes with `INSTA_UPDATE=always` and git diff.

use cps_td_api::{ApiError, Response};
use std::fmt::Write;
use std::path::Path;

fn example() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/snowflake.yaml");
    std::fs::read_to_string(path).unwrap()
}

/// Every located problem as `line:column `text` path — message`.
fn located(text: &str, error: &ApiError) -> String {
    let checked = cps_core::check(text, &cps_core::Options::default());
    let config = checked.config.as_ref().expect("the example is a config");
    let mut found = cps_td_api::locate::locate(config, error);
    cps_core::sort_diagnostics(&mut found);
    if found.is_empty() {
        return "  (nothing)\n".into();
    }
    let mut out = String::new();
    for d in found {
        let at = checked
            .line_index
            .line_col(text, d.span.start, cps_core::ColumnUnit::Chars);
        let (line, col) = (at.line, at.column);
        let marked = &text[d.span.start as usize..d.span.end as usize];
        let _ = writeln!(out, "  {line}:{col} `{marked}` {} — {}", d.path, d.message);
    }
    out
}

fn describe(status: u16, body: &str) -> String {
    let e = ApiError::from_response(&Response {
        status,
        body: body.into(),
        retry_after: None,
    });
    let kind = format!("{e:?}");
    let kind = kind.split([' ', '{', '(']).next().unwrap_or_default();
    let mut s = format!("{status} → {kind}\ntitle: {}\n", e.title());
    if let Some(reply) = e.reply() {
        assert_eq!(reply.raw, body, "the raw text is kept as received");
        let _ = writeln!(s, "shape: {}", reply.shape.as_str());
        let _ = writeln!(s, "from cps serve: {}", reply.from_proxy);
        for p in &reply.problems {
            let _ = writeln!(s, "- {}", p.describe());
        }
    } else {
        s.push_str("no reply of TD's (cps's own words)\n");
    }
    let _ = writeln!(s, "advice: {}", e.advice());
    let yaml = example();
    let checked = cps_core::check(&yaml, &cps_core::Options::default());
    let api =
        cps_core::output::convert::to_api_json(checked.config.as_ref().unwrap(), &checked.settings);
    let _ = write!(s, "located in tdx YAML:\n{}", located(&yaml, &e));
    let _ = write!(s, "located in API JSON:\n{}", located(&api, &e));
    s
}

#[test]
fn every_reply_is_read_and_located() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replies");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 10, "fixtures missing in {}", dir.display());
    for path in files {
        let name = path.file_stem().unwrap().to_str().unwrap().to_string();
        let status: u16 = name.split('-').next().unwrap().parse().unwrap();
        let body = std::fs::read_to_string(&path).unwrap();
        insta::assert_snapshot!(name.clone(), describe(status, &body));
    }
}

/// Cut and damaged answers (every prefix of every fixture, and each with one byte dropped) are
/// read and located without a panic, whatever status they come with.
#[test]
fn damaged_replies_never_panic() {
    let yaml = example();
    let checked = cps_core::check(&yaml, &cps_core::Options::default());
    let config = checked.config.as_ref().unwrap();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/replies");
    for entry in std::fs::read_dir(dir).unwrap() {
        let body = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        let cuts = (0..=body.len()).filter(|&i| body.is_char_boundary(i));
        for i in cuts {
            let mut dropped = body.clone();
            if i < body.len() {
                dropped.remove(i);
            }
            for (status, text) in [(400, &body[..i]), (422, dropped.as_str())] {
                let e = ApiError::from_response(&Response {
                    status,
                    body: text.into(),
                    retry_after: None,
                });
                let _ = cps_td_api::locate::locate(config, &e);
                let _ = e.explain();
            }
        }
    }
}
