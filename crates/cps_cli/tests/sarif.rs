//! `cps validate --format sarif` against the official SARIF 2.1.0 JSON Schema (vendored in
//! `tests/sarif/`, source and checksum in `SOURCE.md`), through the `jsonschema` validator: for
//! a project with every kind of finding (related places in other files included), a clean
//! project, a single file and an unreadable one.

mod common;
use common::project;
use std::path::Path;
use std::process::Command;

fn validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/sarif/sarif-schema-2.1.0.json"),
    )
    .unwrap();
    let schema: serde_json::Value = serde_json::from_str(&text).unwrap();
    // Formats too (the `uri` of `$schema`).
    jsonschema::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn sarif(args: &[&str]) -> (Option<i32>, serde_json::Value) {
    let o = Command::new(env!("CARGO_BIN_EXE_cps"))
        .args(["validate", "--format", "sarif"])
        .args(args)
        .output()
        .unwrap();
    (
        o.status.code(),
        serde_json::from_slice(&o.stdout).expect("SARIF output is JSON"),
    )
}

fn assert_valid(v: &jsonschema::Validator, log: &serde_json::Value) {
    let errors: Vec<String> = v
        .iter_errors(log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "not SARIF 2.1.0: {errors:#?}\n{log:#}");
}

#[test]
fn sarif_output_validates_against_the_official_schema() {
    let v = validator();
    let (code, log) = sarif(&[&project("pulled-invalid"), &project("two-audiences")]);
    assert_eq!(code, Some(1));
    assert_valid(&v, &log);
    let run = &log["runs"][0];
    assert_eq!(log["version"], "2.1.0");
    assert_eq!(run["tool"]["driver"]["name"], "cps");
    assert_eq!(run["columnKind"], "unicodeCodePoints");
    let results = run["results"].as_array().unwrap();
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    // Every result names a rule of the driver by id and index.
    for r in results {
        let i = r["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[i]["id"], r["ruleId"]);
    }
    // The G5 error: its location in the segment, its related location in the parent's file.
    let g5 = results
        .iter()
        .find(|r| r["ruleId"] == "unknown-attribute")
        .unwrap();
    let here = &g5["locations"][0]["physicalLocation"];
    assert!(here["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("pulled-invalid/cas/high-value.yml"));
    assert_eq!(here["region"]["startLine"], 8);
    assert_eq!(here["region"]["startColumn"], 26);
    assert_eq!(here["region"]["endColumn"], 29);
    let there = &g5["relatedLocations"][0];
    assert!(there["physicalLocation"]["artifactLocation"]["uri"]
        .as_str()
        .unwrap()
        .ends_with("pulled-invalid/cas/customer360.yml"));
    assert_eq!(there["physicalLocation"]["region"]["startLine"], 18);
    assert_eq!(
        g5["locations"][0]["logicalLocations"][0]["fullyQualifiedName"],
        "rule.conditions[0].leftValue.name"
    );
    let levels: Vec<&str> = results
        .iter()
        .map(|r| r["level"].as_str().unwrap())
        .collect();
    for level in ["error", "warning", "note"] {
        assert!(levels.contains(&level), "{level}");
    }
    assert!(results.iter().any(|r| r["ruleId"] == "multiple-audiences"));

    // A clean project: no results, still a valid log.
    let (code, log) = sarif(&[&project("pulled-valid")]);
    assert_eq!(code, Some(0));
    assert_valid(&v, &log);
    // One file; and a file that cannot be read becomes a tool notification.
    let (code, log) = sarif(&[
        &project("pulled-valid/cas/customer360.yml"),
        "/nonexistent/cps/a b.yml",
    ]);
    assert_eq!(code, Some(2));
    assert_valid(&v, &log);
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    assert_eq!(
        invocation["toolExecutionNotifications"][0]["locations"][0]["physicalLocation"]
            ["artifactLocation"]["uri"],
        "/nonexistent/cps/a%20b.yml"
    );
}

/// The validator is not a rubber stamp: the same log broken in small ways is refused.
#[test]
fn the_schema_check_refuses_broken_logs() {
    let v = validator();
    let (_, log) = sarif(&[&project("pulled-invalid")]);
    assert_valid(&v, &log);
    let mut no_version = log.clone();
    no_version.as_object_mut().unwrap().remove("version");
    assert!(!v.is_valid(&no_version));
    let mut bad_level = log.clone();
    bad_level["runs"][0]["results"][0]["level"] = "fatal".into();
    assert!(!v.is_valid(&bad_level));
    let mut bad_line = log.clone();
    bad_line["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startLine"] =
        0.into();
    assert!(!v.is_valid(&bad_line));
    // Draft 4 knows the `uri` format (`uri-reference` came later and is not checked).
    let mut bad_uri = log.clone();
    bad_uri["$schema"] = "not a uri".into();
    assert!(!v.is_valid(&bad_uri));
}
