//! The `cps` binary as a whole process: arguments, stdin, stdout, stderr and exit codes.

mod common;
use common::project;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn cps(args: &[&str]) -> Output {
    cps_stdin(args, None)
}

fn cps_stdin(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_cps"))
        .args(args)
        .env_remove("NO_COLOR")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    {
        let mut pipe = child.stdin.take().unwrap();
        if let Some(bytes) = stdin {
            pipe.write_all(bytes).unwrap();
        }
    }
    child.wait_with_output().unwrap()
}

fn fixture(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../cps_core/tests/fixtures")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn tmp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cps-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn valid_file_exits_zero_with_a_summary_naming_the_settings() {
    let o = cps(&["validate", &fixture("valid/snowflake-tdx.yaml")]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let out = stdout(&o);
    assert!(out.contains("0 errors, 0 warnings"), "{out}");
    assert!(out.contains("tdx-yaml"), "{out}");
    assert!(out.contains("warehouse snowflake (default)"), "{out}");
    assert!(out.contains("types published"), "{out}");
    assert!(!out.contains('\x1b'), "no colour when not on a terminal");
}

#[test]
fn errors_exit_one_with_source_frames() {
    let o = cps(&["validate", &fixture("invalid/snowflake-mistakes.json")]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    assert!(
        out.contains("error[invalid-timezone]: `Tokyo` is not an IANA time zone name"),
        "{out}"
    );
    assert!(out.contains("snowflake-mistakes.json:4:15"), "{out}");
    assert!(out.contains("^^^^^^^"), "{out}");
    assert!(out.contains("help: did you mean `Asia/Tokyo`?"), "{out}");
}

#[test]
fn warnings_alone_exit_zero() {
    let text = std::fs::read_to_string(fixture("valid/from-get-response.json")).unwrap();
    let p = tmp("warn.json", &text);
    let o = cps(&["validate", p.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).contains("warning[no-behaviors]"));
}

#[test]
fn settings_flags_change_the_check() {
    let f = fixture("annotated/lowercase-legacy.yaml");
    // `timestamp` is fine for the current backend, not for the legacy one.
    let current = cps(&["validate", "--format", "json", &f]);
    let legacy = cps(&[
        "validate",
        "--format",
        "json",
        "--types",
        "legacy-api-cas",
        &f,
    ]);
    let codes = |o: &Output| -> Vec<String> {
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        v["files"][0]["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["code"].as_str().unwrap().to_string())
            .collect()
    };
    assert!(!codes(&current).contains(&"invalid-type".to_string()));
    assert!(codes(&legacy).contains(&"invalid-type".to_string()));
    let v: serde_json::Value = serde_json::from_slice(&legacy.stdout).unwrap();
    assert_eq!(v["files"][0]["settings"]["types"], "legacy-api-cas");
    let lower = cps(&["validate", "--identifier-case", "lowercase", &f]);
    assert!(stdout(&lower).contains("identifier case lowercase"));
    let bq = cps(&["validate", "--warehouse", "bigquery", &f]);
    assert!(stdout(&bq).contains("warehouse bigquery (given)"));
    assert!(stdout(&bq).contains("error[missing-catalog]"));
}

#[test]
fn json_output_has_the_documented_shape() {
    let o = cps(&[
        "validate",
        "--format",
        "json",
        &fixture("invalid/snowflake-mistakes.json"),
        &fixture("valid/snowflake-api.json"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["version"], 1);
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(files[0]["file"]
        .as_str()
        .unwrap()
        .ends_with("snowflake-mistakes.json"));
    assert_eq!(files[0]["format"], "api-json");
    assert_eq!(files[0]["settings"]["warehouse"], "snowflake");
    assert_eq!(files[0]["settings"]["types"], "published");
    assert_eq!(files[0]["kind"], "parent-segment");
    let diags = files[0]["diagnostics"].as_array().unwrap();
    let tz = diags
        .iter()
        .find(|d| d["code"] == "invalid-timezone")
        .unwrap();
    assert_eq!(tz["severity"], "error");
    assert_eq!(tz["line"], 4);
    assert_eq!(tz["column"], 15);
    assert_eq!(tz["endLine"], 4);
    assert_eq!(tz["endColumn"], 22);
    assert_eq!(tz["path"], "timezone");
    assert!(tz["help"].as_str().unwrap().contains("Asia/Tokyo"));
    assert!(tz["message"].is_string());
    let col = diags
        .iter()
        .find(|d| d["code"] == "duplicate-column-name")
        .unwrap();
    assert_eq!(col["path"], "behaviors[0].columnMapping[1].name");
    assert_eq!(col["related"][0]["line"], 37);
    assert_eq!(files[1]["diagnostics"].as_array().unwrap().len(), 0);
}

#[test]
fn json_columns_count_characters_not_bytes() {
    let p = tmp("chars.yaml", "name: 顧客\ntimezone: Tōkyō\n");
    let o = cps(&["validate", "--format", "json", p.to_str().unwrap()]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let d = v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "invalid-timezone")
        .unwrap()
        .clone();
    assert_eq!(
        (d["line"].as_u64(), d["column"].as_u64()),
        (Some(2), Some(11))
    );
    assert_eq!(d["endColumn"], 16);
}

#[test]
fn stdin_is_read_with_a_dash() {
    let text = std::fs::read(fixture("valid/snowflake-api.yaml")).unwrap();
    let o = cps_stdin(&["validate", "-"], Some(&text));
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(stdout(&o).starts_with("<stdin>: 0 errors"));
}

#[test]
fn unreadable_files_and_bad_arguments_exit_two() {
    let o = cps(&["validate", "/nonexistent/cps.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("cannot read /nonexistent/cps.yaml"));
    assert_eq!(
        cps(&["validate", "--format", "xml", "x.yaml"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(cps(&["validate"]).status.code(), Some(2));
    assert_eq!(
        cps(&["validate", "--warehouse", "redshift", "x.yaml"])
            .status
            .code(),
        Some(2)
    );
    let o = cps(&["validate", "--format", "json", "/nonexistent/a.yaml"]);
    assert_eq!(o.status.code(), Some(2));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert!(v["files"][0]["error"]
        .as_str()
        .unwrap()
        .contains("cannot read"));
}

#[test]
fn binary_input_is_a_diagnostic_not_a_crash() {
    let bytes: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
    let o = cps_stdin(&["validate", "-"], Some(&bytes));
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[not-utf8]"));
}

#[test]
fn convert_tdx_to_api_and_back() {
    let o = cps(&[
        "convert",
        &fixture("valid/snowflake-tdx.yaml"),
        "--to",
        "api-json",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let body: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(body["kind"], "composable");
    assert_eq!(body["isComposable"], true);
    assert_eq!(body["master"]["name"], "CUSTOMERS");
    assert_eq!(body["master"]["federatedQueryConfigId"], "167");
    assert_eq!(
        body["behaviors"][0]["columnMapping"][0]["cdwColumn"],
        "TD_URL"
    );
    let api = tmp("api.json", &stdout(&o));
    let out = tmp("back.yaml", "");
    let o = cps(&[
        "convert",
        api.to_str().unwrap(),
        "--to",
        "tdx-yaml",
        "-o",
        out.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(o.stdout.is_empty());
    let back = std::fs::read_to_string(&out).unwrap();
    let o2 = cps(&[
        "convert",
        &fixture("valid/snowflake-tdx.yaml"),
        "--to",
        "tdx-yaml",
    ]);
    assert_eq!(back, stdout(&o2));
    assert!(back.contains("key_column: CDP_CUSTOMER_ID"));
}

#[test]
fn convert_refuses_configs_with_errors() {
    let o = cps(&[
        "convert",
        &fixture("invalid/snowflake-mistakes.json"),
        "--to",
        "tdx-yaml",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(o.stdout.is_empty());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("not converted"), "{err}");
    assert!(err.contains("error[invalid-timezone]"), "{err}");
}

#[test]
fn convert_fills_in_what_tdx_files_lack() {
    // An API file missing kind/isComposable/master.name converts: cps adds them.
    let p = tmp(
        "nokind.yaml",
        "name: N\ndescription: D\ntimezone: UTC\nmaster: {federatedQueryConfigId: '1', schema: S, table: '\"Customers\"', keyColumn: ID}\nattributes: [{name: a, federatedQueryConfigId: '1', schema: S, table: '\"Customers\"', tableKey: ID, masterKey: ID, column: A, type: string}]\nbehaviors: []\n",
    );
    let v = cps(&["validate", p.to_str().unwrap()]);
    assert_eq!(v.status.code(), Some(0), "{}", stdout(&v));
    // One kind, three places: said once, with every place.
    for note in [
        "info[added-on-upload]: 3 places: ",
        "^^^^ no `kind`: cps adds",
        "isComposable: no `isComposable`",
        "master.name: no `master.name`: cps sends the table name, `Customers`",
    ] {
        assert!(stdout(&v).contains(note), "{note}: {}", stdout(&v));
    }
    let o = cps(&["convert", p.to_str().unwrap(), "--to", "api-json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(body["master"]["name"], "Customers");
    assert_eq!(body["kind"], "composable");
}

#[test]
fn schema_is_json_and_matches_the_committed_file() {
    let o = cps(&["schema"]);
    assert_eq!(o.status.code(), Some(0));
    let _: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let committed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schema/cps.schema.json"),
    )
    .unwrap();
    assert_eq!(stdout(&o), committed);
}

/// The schema editors use accepts what cps accepts: every valid JSON fixture (GET responses
/// with `null` in optional fields included: `"type": null` failed the schema's `enum` while cps
/// read it as absent).
#[test]
fn the_schema_accepts_the_valid_json_fixtures() {
    let o = cps(&["schema"]);
    let schema: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let validator = jsonschema::validator_for(&schema).expect("the schema compiles");
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../cps_core/tests/fixtures/valid");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_none_or(|e| e != "json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let value: serde_json::Value =
            serde_json::from_str(text.trim_start_matches('\u{feff}')).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&value)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{}: {errors:#?}", path.display());
        n += 1;
    }
    assert!(n >= 5, "only {n} JSON fixtures");
}

#[test]
fn explain_prints_a_code_and_refuses_unknown_ones() {
    let o = cps(&["explain", "all-columns-refused"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("all_columns"));
    assert!(stdout(&o).contains("Sources: S11"), "{}", stdout(&o));
    assert_eq!(cps(&["explain", "nope"]).status.code(), Some(2));
    // As pasted from a report, or typed in another case.
    for pasted in [
        "error[all-columns-refused]",
        "ALL_COLUMNS_REFUSED",
        " all-columns-refused ",
    ] {
        let o = cps(&["explain", pasted]);
        assert_eq!(o.status.code(), Some(0), "{pasted}");
        assert!(
            stdout(&o).starts_with("all-columns-refused (error)"),
            "{}",
            stdout(&o)
        );
    }
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let f = fixture("invalid/snowflake-mistakes.json");
    assert!(stdout(&cps(&["validate", "--color", "always", &f])).contains("\x1b["));
    assert!(!stdout(&cps(&["validate", "--color", "never", &f])).contains("\x1b["));
}

#[test]
fn the_published_contract_validates_without_errors() {
    // Every published type, no `type` on some entries, no `timeColumn`, no description, kind,
    // isComposable or master.name: TD's published schema (S31) accepts it.
    let o = cps(&["validate", &fixture("valid/published-contract.json")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains(": 0 errors, 2 warnings (api-json"), "{out}");
    assert!(out.contains("warning[missing-disputed-key]"), "{out}");
    assert!(out.contains("info[type-inferred]"), "{out}");
    // The older profiles stay available, named, and judge by their own sources.
    let o = cps(&[
        "validate",
        "--types",
        "tdx-2026-08",
        &fixture("valid/published-contract.json"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("error[invalid-type]: 3 places: ")
            && stdout(&o).contains("`date` is not a type the backend accepts")
            // The help names the setting, and the CLI adds its flag.
            && stdout(&o).contains("the type profile setting (--types)"),
        "{}",
        stdout(&o)
    );
    assert!(
        stdout(&o).contains("warning[type-inferred]"),
        "{}",
        stdout(&o)
    );
    // `current`, the default's old name, still reads (as the default).
    let o = cps(&[
        "validate",
        "--types",
        "current",
        "--format",
        "json",
        &fixture("valid/published-contract.json"),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["settings"]["types"], "published");
}

#[test]
fn a_get_response_validates_and_converts_to_the_nested_body() {
    let f = fixture("valid/get-response.json");
    let o = cps(&["validate", &f]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("(get-json;"), "{out}");
    assert!(out.contains("info[server-field]: 15 places: "), "{out}");
    assert!(
        out.contains("population: `population` is assigned by the server"),
        "{out}"
    );
    let o = cps(&["convert", &f, "--to", "api-json"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let body: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(body["master"]["schema"], "PUBLIC");
    assert_eq!(body["master"]["name"], "CUSTOMERS");
    assert_eq!(body["master"]["federatedQueryConfigId"], "167");
    assert!(body.get("masterSchema").is_none() && body.get("id").is_none());
    assert_eq!(body["maxActivationBehaviorRow"], 1000);
    let o = cps(&["convert", &f, "--to", "tdx-yaml"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(
        stdout(&o).contains("  key_column: CDP_CUSTOMER_ID\n"),
        "{}",
        stdout(&o)
    );
    // tdx YAML has no keys for the activation settings: said on standard error, not dropped
    // silently; the API body keeps them, so nothing is noted there.
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("cps: note: left out `allowActivationBehavior: true`")
            && err.contains("`maxActivationBehaviorRow: 1000`"),
        "{err}"
    );
    assert!(!stdout(&o).contains("ActivationBehavior"), "{}", stdout(&o));
    let o = cps(&["convert", &f, "--to", "api-json"]);
    assert!(
        o.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // A master display name other than the table's is lost in tdx YAML: noted too.
    let o = cps(&[
        "convert",
        &fixture("valid/snowflake-api.json"),
        "--to",
        "tdx-yaml",
    ]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("left out `master.name` (`customers`)")
            && err.contains("`CUSTOMERS` (its table)"),
        "{err}"
    );
    // Both ids: refused, with the one error.
    let o = cps(&[
        "convert",
        &fixture("invalid/get-both-ids.json"),
        "--to",
        "api-json",
    ]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error[both-connection-keys]"), "{err}");
}

#[test]
fn look_alike_files_get_one_error_naming_what_they_are() {
    for (file, words) in [
        (
            "classic-tdx-ps.yaml",
            "a classic parent segment (tdx ps YAML), not a parent segment",
        ),
        (
            "classic-audience.json",
            "a classic CDP audience body, not a parent segment",
        ),
        ("journey.yml", "a journey, not a parent segment"),
        ("winback.journey.yml", "a journey, not a parent segment"),
    ] {
        let o = cps(&["validate", &fixture(&format!("invalid/{file}"))]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(1), "{out}");
        assert_eq!(out.matches("error[").count(), 1, "{out}");
        assert!(!out.contains("warning["), "{out}");
        assert!(
            out.contains(&format!("1 error, 0 warnings ({words})")),
            "{out}"
        );
    }
    let o = cps(&[
        "validate",
        "--format",
        "json",
        &fixture("invalid/classic-tdx-ps.yaml"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["files"][0]["kind"], "classic-parent-segment");
    assert_eq!(
        v["files"][0]["diagnostics"][0]["code"],
        "classic-parent-segment"
    );
    // Read from standard input, a journey file has no name: its content says `type: journey`.
    let o = Command::new(env!("CARGO_BIN_EXE_cps"))
        .args(["validate", "-"])
        .stdin(std::fs::File::open(fixture("invalid/journey.yml")).unwrap())
        .output()
        .unwrap();
    assert!(stdout(&o).contains("error[journey-file]"), "{}", stdout(&o));
}

/// A folder laid out as `tdx cas pull` writes it, given as the project root (holding `cas/`) or
/// as `cas/` itself: the audience, its segments in subfolders, a journey skipped.
#[test]
fn validate_dir_checks_a_pulled_folder_as_one_project() {
    for dir in [project("pulled-valid"), project("pulled-valid/cas")] {
        let o = cps(&["validate", &dir]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{out}");
        assert!(out.contains("4 files: 0 errors, 0 warnings"), "{out}");
        assert!(out.contains("info[journey-skipped]"), "{out}");
        assert!(
            out.contains("winback.journey.yml: 0 errors, 0 warnings (a journey: skipped)"),
            "{out}"
        );
        assert!(
            out.contains("vip.yml: 0 errors, 0 warnings (a composable segment; checked against ")
                && out.contains("cas/customer360.yml)"),
            "{out}"
        );
    }
    let o = cps(&["validate", &project("pulled-invalid")]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    // The segment's error names the parent's file and line, and frames the attribute there.
    assert!(
        out.contains("error[unknown-attribute]: 3 places: ")
            && out.contains(
                "^^^ `LTV` is not an attribute of `Customer360 Snowflake` (customer360.yml:18)"
            ),
        "{out}"
    );
    assert!(out.contains("did you mean `ltv`?"), "{out}");
    let related = out.find("::: ").expect("a frame in the other file");
    assert!(
        out[related..].starts_with("::: ") && out[related..].contains("cas/customer360.yml:18:11"),
        "{out}"
    );
    assert!(out.contains("--- `ltv` is defined here"), "{out}");
    for code in [
        "segment-missing-type",
        "segment-mixed-keys",
        "segment-no-rule",
        "right-value-outside-operator",
        "invalid-condition-type",
        "invalid-operator",
        "invalid-time-unit",
        "invalid-array-matching",
        "operator-missing-value",
        "operator-type-mismatch",
        "right-value-type",
        "activation-columns",
        "invalid-schedule-type",
    ] {
        assert!(out.contains(&format!("[{code}]")), "{code}: {out}");
    }
}

#[test]
fn a_folder_with_two_audiences_is_one_error_naming_both() {
    let o = cps(&["validate", "--format", "json", &project("two-audiences")]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let all: Vec<&serde_json::Value> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().unwrap())
        .filter(|d| d["severity"] == "error")
        .collect();
    assert_eq!(all.len(), 1, "{all:#?}");
    let message = all[0]["message"].as_str().unwrap();
    assert!(
        message.contains("customer360.yml`") && message.contains("customer360-copy.yml`"),
        "{message}"
    );
    // The other audience is a related place in another file.
    assert!(all[0]["related"][0]["file"]
        .as_str()
        .unwrap()
        .ends_with("customer360-copy.yml"));
    // Segments are not checked against either.
    let seg = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["kind"] == "segment")
        .unwrap();
    assert!(seg.get("parent").is_none(), "{seg}");
}

/// Segments outside a pulled folder: `--parent`, or the files given together.
#[test]
fn parent_flag_and_files_given_together_form_a_project() {
    let parent = project("pulled-valid/cas/customer360.yml");
    let bad = project("pulled-invalid/cas/high-value.yml");
    let good = project("pulled-valid/cas/high-value.yml");
    let o = cps(&[
        "validate", "--format", "json", "--parent", &parent, &bad, &good,
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 3);
    assert_eq!(files[0]["kind"], "parent-segment");
    assert_eq!(files[1]["parent"], files[0]["file"]);
    let g5 = files[1]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["code"] == "unknown-attribute")
        .unwrap();
    assert_eq!(g5["line"], 8);
    assert_eq!(g5["related"][0]["file"], files[0]["file"]);
    assert_eq!(g5["related"][0]["line"], 18);
    assert_eq!(g5["related"][0]["column"], 11);
    assert_eq!(files[2]["diagnostics"].as_array().unwrap().len(), 0);

    // The same without the flag: a segment among the files makes them a project.
    let o = cps(&["validate", &parent, &bad]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stdout(&o).contains("error[unknown-attribute]"),
        "{}",
        stdout(&o)
    );

    // A segment alone is checked alone, with a warning that its names were not.
    let o = cps(&["validate", &good]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(out.contains("warning[no-parent]"), "{out}");
    assert!(
        out.contains("(a composable segment; not checked against a parent)"),
        "{out}"
    );

    // A segment given as the parent is refused as one.
    let o = cps(&["validate", "--parent", &good, &bad]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).contains("error[segment-file]"), "{}", stdout(&o));
}

/// `--parent` naming a file of the folder given (the natural `cps validate --parent
/// cas/customer360.yml cas/`), or a file given twice, is one file: read twice it was two
/// audiences, a false `multiple-audiences` error, and no segment was checked.
#[test]
fn a_file_given_twice_is_one_file() {
    let cas = project("pulled-invalid/cas");
    let parent = project("pulled-invalid/cas/customer360.yml");
    let o = cps(&["validate", "--format", "json", "--parent", &parent, &cas]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let files = v["files"].as_array().unwrap();
    let codes: Vec<&str> = files
        .iter()
        .flat_map(|f| f["diagnostics"].as_array().unwrap())
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(!codes.contains(&"multiple-audiences"), "{codes:?}");
    assert!(codes.contains(&"unknown-attribute"), "{codes:?}");
    let audiences = files
        .iter()
        .filter(|f| f["kind"] == "parent-segment")
        .count();
    assert_eq!(audiences, 1, "{v:#}");
    assert_eq!(files[0]["file"], parent.as_str());
    // The same path twice, spelled differently, on the command line.
    let seg = project("pulled-invalid/cas/high-value.yml");
    let again = project("pulled-invalid/cas/../cas/customer360.yml");
    let o = cps(&["validate", &parent, &seg, &again]);
    let out = stdout(&o);
    assert!(!out.contains("multiple-audiences"), "{out}");
    assert!(out.contains("2 files:"), "{out}");
}

#[test]
fn segments_are_not_converted_or_pushed() {
    let seg = project("pulled-valid/cas/high-value.yml");
    let o = cps(&["convert", &seg, "--to", "api-json"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error[segment-file]"), "{err}");
    assert!(
        err.contains("`cps convert` converts parent segments"),
        "{err}"
    );
    let o = Command::new(env!("CARGO_BIN_EXE_cps"))
        .args(["push", &seg, "--dry-run"])
        .env_remove("TD_API_KEY")
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("error[segment-file]"), "{err}");
}

#[test]
fn a_folder_without_yaml_files_cannot_be_validated() {
    let dir = std::env::temp_dir().join(format!("cps-cli-empty-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("cas")).unwrap();
    std::fs::write(dir.join("cas/README.md"), "not a config").unwrap();
    let o = cps(&["validate", dir.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("holds no .yml files"));
}

/// A segment in a deeply nested folder (`folder: A/B/…`) is found: the search went 8 folders
/// deep and skipped the rest without a word. Past the new bound, the folder is named.
#[test]
fn deeply_nested_segment_folders_are_searched() {
    let dir = std::env::temp_dir().join(format!("cps-cli-deep-{}", std::process::id()));
    let deep = (0..12).fold(dir.join("cas"), |d, i| d.join(format!("F{i}")));
    std::fs::create_dir_all(&deep).unwrap();
    std::fs::copy(
        project("pulled-valid/cas/customer360.yml"),
        dir.join("cas/customer360.yml"),
    )
    .unwrap();
    std::fs::copy(
        project("pulled-invalid/cas/high-value.yml"),
        deep.join("high-value.yml"),
    )
    .unwrap();
    let o = cps(&["validate", dir.to_str().unwrap()]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("F11/high-value.yml: "), "{out}");
    assert!(out.contains("error[unknown-attribute]"), "{out}");
    let too_deep = (0..40).fold(dir.join("cas"), |d, i| d.join(format!("G{i}")));
    std::fs::create_dir_all(&too_deep).unwrap();
    let o = cps(&["validate", dir.to_str().unwrap()]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("nested more than 32 folders deep; not searched"),
        "{err}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--format github`: one workflow command per diagnostic, with GitHub's escapes in the file
/// name (`,` and `:`) and the message (line breaks between message, help and related places).
#[test]
fn github_annotations_are_escaped_workflow_commands() {
    let dir = std::env::temp_dir().join(format!("cps-cli-gh-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let parent = dir.join("customer360.yml");
    std::fs::copy(project("pulled-valid/cas/customer360.yml"), &parent).unwrap();
    let seg = dir.join("a,b:c 100%.yml");
    std::fs::copy(project("pulled-invalid/cas/high-value.yml"), &seg).unwrap();
    let o = cps(&[
        "validate",
        "--format",
        "github",
        "--parent",
        parent.to_str().unwrap(),
        seg.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let out = stdout(&o);
    let line = out
        .lines()
        .find(|l| l.contains("title=cps unknown-attribute") && l.contains("line=8,"))
        .unwrap_or_else(|| panic!("{out}"));
    assert!(line.starts_with("::error file="), "{line}");
    assert!(
        line.contains("a%2Cb%3Ac 100%25.yml,line=8,col=26,endLine=8,endColumn=29,"),
        "{line}"
    );
    let message = line.split_once("::").unwrap().1.split_once("::").unwrap().1;
    assert!(message.starts_with("`LTV` is not an attribute of `Customer360 Snowflake` (customer360.yml:18)%0Ahelp: did you mean `ltv`?"), "{message}");
    assert!(
        message.contains("%0Arelated: ")
            && message.contains("customer360.yml:18:11: `ltv` is defined here"),
        "{message}"
    );
    assert!(!message.contains('\n'));
    assert!(
        out.lines()
            .any(|l| l.starts_with("::warning file=") && l.contains("title=cps right-value-type")),
        "{out}"
    );
    assert!(
        out.lines()
            .any(|l| l.starts_with("::notice file=") && l.contains("title=cps type-inferred")),
        "{out}"
    );
    assert!(
        out.ends_with("cps: 2 files: 7 errors, 6 warnings\n"),
        "{out}"
    );
}
