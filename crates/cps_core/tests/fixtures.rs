//! Fixture corpus: `valid/` must give no errors (its API body is snapshotted, so the exact upload
//! is reviewed in diffs); `invalid/` snapshots the rendered diagnostics; `annotated/` YAML files
//! carry `# error: [code]` comments that must match the diagnostics line for line (a segment's
//! first line may name its parent: `# cps: --parent valid/snowflake-tdx.yaml`); `../projects/`
//! holds one folder per project (a `tdx cas pull` layout: a parent, its segments, journeys),
//! checked together and snapshotted beside the folder (`<name>.snap`; folders named `*-valid`
//! must give no errors). Together they must produce every diagnostic code at least once.
//!
//! Update snapshots after a deliberate change: `INSTA_UPDATE=always cargo test -p cps_core`,
//! then review the `.snap` diffs.

// Tests read fixtures and write blessed files; the purity lints are for the library.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]
#![cfg(feature = "yaml")]

use cps_core::diagnostics::render::{render, render_in, Style};
use cps_core::output::convert::{to_api_json, to_tdx_yaml};
use cps_core::{check, check_bytes_named, Code, FileKind, Options, Project, Severity};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn inputs(name: &str) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir(name))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e != "snap"))
        .collect();
    v.sort();
    assert!(!v.is_empty(), "no fixtures in {name}");
    v
}

/// Options from a first line `# cps: --warehouse bigquery --types … --identifier-case …`.
fn options_for(text: &str) -> Options {
    options_and_parent(text).0
}

/// The options of a first line `# cps: …`, and the parent it names (`--parent
/// valid/snowflake-tdx.yaml`, relative to `tests/fixtures`) for a segment.
fn options_and_parent(text: &str) -> (Options, Option<PathBuf>) {
    let mut o = Options::default();
    let mut parent = None;
    let first = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap_or("");
    if let Some(args) = first.strip_prefix("# cps:") {
        let words: Vec<&str> = args.split_whitespace().collect();
        for pair in words.chunks(2) {
            match pair {
                ["--warehouse", v] => o.warehouse = cps_core::Warehouse::parse(v),
                ["--types", v] => o.types = cps_core::TypeProfile::parse(v).unwrap(),
                ["--identifier-case", v] => {
                    o.identifier_case = cps_core::IdentifierCase::parse(v).unwrap()
                }
                ["--parent", p] => parent = Some(dir(p)),
                other => panic!("bad fixture options {other:?}"),
            }
        }
    }
    (o, parent)
}

fn rendered(name: &str, text: &str, checked: &cps_core::Checked) -> String {
    let style = Style { color: false };
    let mut out = String::new();
    for d in &checked.diagnostics {
        out.push_str(&render(name, text, &checked.line_index, d, &style));
        out.push('\n');
    }
    out.push_str(&format!(
        "format: {:?}; kind: {:?}; settings: {:?}\n",
        checked.format_name(),
        checked.kind,
        checked.settings
    ));
    out
}

fn snapshot(dir_name: &str, name: &str, content: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(dir(dir_name));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name.to_string(), content));
}

fn codes_seen() -> &'static std::sync::Mutex<BTreeSet<&'static str>> {
    static SEEN: std::sync::OnceLock<std::sync::Mutex<BTreeSet<&'static str>>> =
        std::sync::OnceLock::new();
    SEEN.get_or_init(Default::default)
}

fn note_codes(checked: &cps_core::Checked) {
    let mut seen = codes_seen().lock().unwrap();
    for d in &checked.diagnostics {
        seen.insert(d.code.as_str());
    }
}

fn valid_fixtures() {
    for path in inputs("valid") {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let options = options_for(&text);
        // Named, as the CLI and the page check a file: a `.yaml` name reads flow style as YAML.
        let checked = cps_core::check_named(&text, Some(&name), &options);
        note_codes(&checked);
        assert!(
            !checked.has_errors(),
            "{name} should be valid:\n{}",
            rendered(&name, &text, &checked)
        );
        let config = checked.config.as_ref().unwrap();
        let body = to_api_json(config, &checked.settings);
        // The body is what we upload: it must itself be a clean config in the API dialect.
        let again = check(&body, &options);
        assert!(
            !again.has_errors(),
            "{name}: converted body has errors:\n{}",
            rendered("body", &body, &again)
        );
        // tdx → API → tdx keeps everything both formats carry.
        let tdx = to_tdx_yaml(config, &checked.settings);
        let tdx_checked = check(&tdx, &options);
        assert!(
            !tdx_checked.has_errors(),
            "{name}: tdx output has errors:\n{tdx}"
        );
        let tdx_config = tdx_checked.config.as_ref().unwrap();
        assert_eq!(
            to_tdx_yaml(
                check(&to_api_json(tdx_config, &tdx_checked.settings), &options)
                    .config
                    .as_ref()
                    .unwrap(),
                &tdx_checked.settings
            ),
            tdx,
            "{name}: tdx → API → tdx changed the config"
        );
        // The API body in YAML reads back as the same body.
        let api_yaml = cps_core::output::convert::to_api_yaml(config, &checked.settings);
        let yaml_checked = check(&api_yaml, &options);
        assert!(
            !yaml_checked.has_errors(),
            "{name}: API YAML has errors:\n{api_yaml}"
        );
        assert_eq!(
            to_api_json(
                yaml_checked.config.as_ref().unwrap(),
                &yaml_checked.settings
            ),
            body,
            "{name}: API YAML does not read back as the same body"
        );
        let mut snap = body.clone();
        let notes: Vec<_> = checked
            .diagnostics
            .iter()
            .map(|d| format!("{} {} at {}", d.severity.as_str(), d.code.as_str(), d.path))
            .collect();
        if !notes.is_empty() {
            snap.push_str("\n--- non-blocking diagnostics\n");
            snap.push_str(&notes.join("\n"));
            snap.push('\n');
        }
        snapshot("valid", &name, &snap);
    }
}

fn invalid_fixtures() {
    for path in inputs("invalid") {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let bytes = std::fs::read(&path).unwrap();
        let text = String::from_utf8_lossy(&bytes).into_owned();
        // The name too: tdx names journeys `*.journey.yml`.
        let checked = check_bytes_named(&bytes, Some(&name), &options_for(&text));
        note_codes(&checked);
        assert!(checked.has_errors(), "{name} should have errors");
        snapshot("invalid", &name, &rendered(&name, &text, &checked));
    }
}

/// `(line, severity, code)` triples from `# error: [code]` comments.
fn annotations(text: &str) -> BTreeSet<(usize, String, String)> {
    let mut out = BTreeSet::new();
    for (i, line) in text.lines().enumerate() {
        let Some(hash) = line.find("  # ") else {
            continue;
        };
        let comment = &line[hash + 4..];
        for part in comment.split(", ") {
            if let Some((sev, rest)) = part.split_once(": [") {
                if let Some(code) = rest.strip_suffix(']') {
                    if matches!(sev, "error" | "warning" | "info") {
                        out.insert((i + 1, sev.to_string(), code.to_string()));
                    }
                }
            }
        }
    }
    out
}

fn annotated_fixtures() {
    for path in inputs("annotated") {
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        let (options, parent) = options_and_parent(&text);
        let checked = match parent {
            // A segment checked against its parent: the segment's diagnostics are compared.
            Some(parent) => {
                let parent_text = std::fs::read_to_string(&parent).unwrap();
                let mut project = Project::check(
                    [
                        ("parent.yaml".to_string(), parent_text),
                        (name.clone(), text.clone()),
                    ],
                    &options,
                );
                assert!(
                    !project.files[0].checked.has_errors(),
                    "{name}: its parent has errors"
                );
                assert_eq!(project.files[1].parent, Some(0), "{name}");
                project.files.remove(1).checked
            }
            None => check(&text, &options),
        };
        note_codes(&checked);
        let expected = annotations(&text);
        let actual: BTreeSet<(usize, String, String)> = checked
            .diagnostics
            .iter()
            .map(|d| {
                let pos =
                    checked
                        .line_index
                        .line_col(&text, d.span.start, cps_core::ColumnUnit::Chars);
                (
                    pos.line as usize,
                    d.severity.as_str().to_string(),
                    d.code.as_str().to_string(),
                )
            })
            .collect();
        let missing: Vec<_> = expected.difference(&actual).collect();
        let unexpected: Vec<_> = actual.difference(&expected).collect();
        assert!(
            missing.is_empty() && unexpected.is_empty(),
            "{name}: annotated but not reported: {missing:?}\nreported but not annotated: {unexpected:?}\n{}",
            rendered(&name, &text, &checked)
        );
    }
}

/// Look-alike files (spec §9.5) get exactly one diagnostic, an error naming what they are, and
/// nothing of the parent rules.
#[test]
fn lookalikes_get_one_error_each() {
    for (file, kind, code, words) in [
        (
            "classic-tdx-ps.yaml",
            FileKind::ClassicParentSegment,
            Code::ClassicParentSegment,
            "classic parent segment",
        ),
        (
            "classic-audience.json",
            FileKind::ClassicAudience,
            Code::ClassicAudience,
            "classic CDP audience",
        ),
        (
            "journey.yml",
            FileKind::Journey,
            Code::JourneyFile,
            "journey",
        ),
        (
            "winback.journey.yml",
            FileKind::Journey,
            Code::JourneyFile,
            "`winback.journey.yml`",
        ),
    ] {
        let bytes = std::fs::read(dir("invalid").join(file)).unwrap();
        let checked = check_bytes_named(&bytes, Some(file), &Options::default());
        assert_eq!(checked.kind, Some(kind), "{file}");
        assert_eq!(
            checked.diagnostics.len(),
            1,
            "{file}: {:#?}",
            checked.diagnostics
        );
        let d = &checked.diagnostics[0];
        assert_eq!((d.code, d.severity), (code, Severity::Error), "{file}");
        assert!(d.message.contains(words), "{file}: {}", d.message);
        let help = d.help.as_deref().unwrap_or_default();
        assert!(help.contains("cps checks"), "{file}: {help}");
        assert!(checked.config.is_none(), "{file}: not judged as a parent");
    }
    // Without its name, the win-back journey is not recognised by content alone, and a real
    // parent is a parent.
    let text = std::fs::read_to_string(dir("valid").join("snowflake-tdx.yaml")).unwrap();
    assert_eq!(
        check(&text, &Options::default()).kind,
        Some(FileKind::ParentSegment)
    );
}

/// Segment files are checked as segments (issue 12), not as look-alikes: a clean segment has no
/// diagnostics alone, one without its `type` has the one rule-G1 error, and where a parent is
/// expected (`convert`) a segment gets the one `segment-file` error.
#[test]
fn segments_are_checked_as_segments() {
    let text = std::fs::read_to_string(dir("annotated").join("composable-segment.yml")).unwrap();
    let checked = check(&text, &Options::default());
    assert_eq!(checked.kind, Some(FileKind::Segment));
    assert!(checked.diagnostics.is_empty(), "{:#?}", checked.diagnostics);
    let seg = checked.segment.as_ref().unwrap();
    assert_eq!(seg.name.as_ref().unwrap().value, "High Value Customers");
    assert!(checked.config.is_none(), "not judged as a parent");
    let refused = cps_core::output::convert::convert(
        &text,
        &Options::default(),
        cps_core::output::convert::Target::ApiJson,
    )
    .unwrap_err();
    let codes: Vec<Code> = refused.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec![Code::SegmentFile]);
    let help = refused.diagnostics[0].help.as_deref().unwrap();
    assert!(help.contains("tdx cas push"), "{help}");

    let untyped = std::fs::read(dir("invalid").join("segment-without-type.yml")).unwrap();
    let checked = check_bytes_named(&untyped, Some("x.yml"), &Options::default());
    assert_eq!(checked.kind, Some(FileKind::Segment));
    let codes: Vec<Code> = checked.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, vec![Code::SegmentMissingType]);
}

/// A GET response (the flat shape) converts to the nested create body and to tdx YAML.
#[test]
fn a_get_response_converts_to_the_create_body_and_tdx() {
    let text = std::fs::read_to_string(dir("valid").join("get-response.json")).unwrap();
    let checked = check(&text, &Options::default());
    assert_eq!(checked.format_name(), Some("get-json"));
    assert!(!checked.has_errors(), "{:#?}", checked.diagnostics);
    let config = checked.config.as_ref().unwrap();
    let body: serde_json::Value =
        serde_json::from_str(&to_api_json(config, &checked.settings)).unwrap();
    assert_eq!(
        body["master"],
        serde_json::json!({
            "name": "CUSTOMERS",
            "federatedQueryConfigId": "167",
            "schema": "PUBLIC",
            "table": "CUSTOMERS",
            "keyColumn": "CDP_CUSTOMER_ID"
        })
    );
    for gone in [
        "id",
        "population",
        "createdAt",
        "updatedAt",
        "createdBy",
        "updatedBy",
        "masterSchema",
        "masterTable",
        "masterKeyColumn",
        "masterCatalog",
        "federatedQueryConfigId",
        "connectionId",
    ] {
        assert!(body.get(gone).is_none(), "{gone} in the body");
    }
    assert_eq!(body["allowActivationBehavior"], true);
    assert_eq!(body["maxActivationBehaviorRow"], 1000);
    assert_eq!(body["description"], "");
    let tdx = to_tdx_yaml(config, &checked.settings);
    assert!(
        tdx.contains("master:\n  connection: '167'\n  schema: PUBLIC\n"),
        "{tdx}"
    );
    assert!(
        !tdx.contains("ctivation"),
        "tdx YAML has no activation keys:\n{tdx}"
    );
    // Both ids, or neither: the one error says exactly one is needed.
    for (file, code) in [
        ("get-both-ids.json", Code::BothConnectionKeys),
        ("get-no-id.json", Code::MissingConnection),
    ] {
        let text = std::fs::read_to_string(dir("invalid").join(file)).unwrap();
        let checked = check(&text, &Options::default());
        let errors: Vec<_> = checked
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error)
            .collect();
        assert_eq!(errors.len(), 1, "{file}: {errors:#?}");
        assert_eq!(errors[0].code, code, "{file}");
        assert_eq!(errors[0].path.split('.').count(), 1, "{file}: top level");
    }
}

fn projects_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/projects")
}

/// Every file under `root` (sorted), named by its path relative to `root` with `/`.
fn project_files(root: &Path) -> Vec<(String, String)> {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap();
                let name = rel
                    .components()
                    .map(|c| c.as_os_str().to_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("/");
                out.push((name, std::fs::read_to_string(&p).unwrap()));
            }
        }
    }
    let mut out = Vec::new();
    walk(root, root, &mut out);
    out
}

/// A project's diagnostics as the CLI shows them: every file's frames, related places in other
/// files framed from those files.
fn rendered_project(project: &Project) -> String {
    let style = Style { color: false };
    let lookup = |name: &str| {
        project
            .file(name)
            .map(|f| (f.text.as_str(), &f.checked.line_index))
    };
    let mut out = String::new();
    for f in &project.files {
        let parent = f
            .parent
            .map(|p| format!("; parent: {}", project.files[p].name))
            .unwrap_or_default();
        out.push_str(&format!(
            "=== {} (kind: {:?}{parent}; {} errors, {} warnings)\n",
            f.name,
            f.checked.kind,
            f.checked.count(Severity::Error),
            f.checked.count(Severity::Warning)
        ));
        for d in &f.checked.diagnostics {
            out.push_str(&render_in(
                &f.name,
                &f.text,
                &f.checked.line_index,
                d,
                &style,
                &lookup,
            ));
            out.push('\n');
        }
    }
    out
}

fn project_fixtures() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(projects_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(!dirs.is_empty(), "no fixture projects");
    for root in dirs {
        let name = root.file_name().unwrap().to_str().unwrap().to_string();
        let project = Project::check(project_files(&root), &Options::default());
        for f in &project.files {
            note_codes(&f.checked);
            // Every related place in another file names a file of the project.
            for d in &f.checked.diagnostics {
                for r in d.related.iter().filter(|r| r.file.is_some()) {
                    let other = project
                        .file(r.file.as_deref().unwrap())
                        .expect("a file of the project");
                    assert!(r.span.end as usize <= other.text.len(), "{name}: {d:?}");
                }
            }
        }
        let rendered = rendered_project(&project);
        if name.ends_with("-valid") {
            assert!(!project.has_errors(), "{name} should be valid:\n{rendered}");
        } else {
            assert!(
                project.has_errors() || project.count(Severity::Warning) > 0,
                "{name} should have findings"
            );
        }
        let mut settings = insta::Settings::clone_current();
        settings.set_snapshot_path(projects_dir());
        settings.set_prepend_module_to_snapshot(false);
        settings.set_omit_expression(true);
        settings.bind(|| insta::assert_snapshot!(name.clone(), rendered));
    }
}

#[test]
fn corpus() {
    valid_fixtures();
    invalid_fixtures();
    annotated_fixtures();
    project_fixtures();
    // Codes exercised by dedicated tests rather than fixture files.
    let mut seen = codes_seen().lock().unwrap().clone();
    seen.insert(Code::InputTooLarge.as_str()); // hostile::inputs_over_the_cap_are_refused
    seen.insert(Code::YamlUnsupported.as_str()); // JSON-only builds: cps_embed's wasm tests
    seen.insert(Code::SegmentFile.as_str()); // segments_are_checked_as_segments (a segment converted)
                                             // Only after an upload: cps_td_api's locate tests, cps_cli's push tests, the page's upload test.
    seen.insert(Code::ServerRefused.as_str());
    // Only with a catalog export: cps_snowflake's tests/catalog.rs (crm_mistakes_rendered and the tests named
    // after each check).
    for c in [
        Code::CatalogNotCovered,
        Code::CatalogNameCase,
        Code::CatalogUnknownTable,
        Code::CatalogUnknownColumn,
        Code::CatalogTypeMismatch,
        Code::CatalogTimeType,
        Code::CatalogTimeZone,
    ] {
        seen.insert(c.as_str());
    }
    // Only from the check pack's results: tests/catalog.rs (check pack results section).
    for c in [
        Code::PackEmptyTable,
        Code::PackDuplicateKeys,
        Code::PackNullKeys,
        Code::PackOrphanRows,
        Code::PackNullTimes,
        Code::PackTimeRange,
        Code::PackStaleResults,
    ] {
        seen.insert(c.as_str());
    }
    // Keys: cps_snowflake's key fixtures (tests/keys/ with a snapshot per file; tests/keys.rs
    // asserts that they produce every key code); the pair mismatch also in cps_cli's
    // tests/keys.rs (problems_set_the_exit_code).
    for c in [
        Code::KeyUnreadable,
        Code::KeyNotRsa,
        Code::KeyTooSmall,
        Code::KeyPkcs1,
        Code::KeyEncrypted,
        Code::KeyPassphrase,
        Code::KeyOpenssh,
        Code::KeyOneLine,
        Code::KeyMissingArmor,
        Code::KeyCrlf,
        Code::KeyWhitespace,
        Code::KeyJunk,
        Code::KeyPairMismatch,
    ] {
        seen.insert(c.as_str());
    }
    let missing: Vec<&str> = Code::ALL
        .iter()
        .map(|c| c.as_str())
        .filter(|c| !seen.contains(c))
        .collect();
    assert!(missing.is_empty(), "codes no fixture produces: {missing:?}");
    let _ = Severity::Error;
}
