//! `cps validate --catalog` and `cps snowflake …` as whole processes: output, stderr, exit codes.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn cps(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_cps"))
        .args(args)
        .env_remove("NO_COLOR")
        .output()
        .unwrap()
}

fn repo(rel: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join(rel)
        .to_string_lossy()
        .into_owned()
}

fn catalog(name: &str) -> String {
    repo(&format!("crates/cps_core/tests/catalog/{name}"))
}

fn example() -> String {
    repo("examples/snowflake.yaml")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn tmp(name: &str, content: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cps-cli-snowflake-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(name);
    std::fs::write(&p, content).unwrap();
    p
}

#[test]
fn validate_with_a_catalog_adds_the_catalog_checks() {
    let plain = cps(&["validate", &example()]);
    assert!(!stdout(&plain).contains("catalog-"), "{}", stdout(&plain));
    for export in ["snowflake.csv", "snowflake.tsv", "snowflake.json"] {
        let o = cps(&["validate", "--catalog", &catalog(export), &example()]);
        let out = stdout(&o);
        assert_eq!(o.status.code(), Some(0), "{out}");
        assert!(
            out.contains("warning[catalog-time-no-zone]: time column `TIME` is `TIMESTAMP_NTZ`"),
            "{out}"
        );
        assert!(out.contains("snowflake.yaml:40:18"), "{out}");
    }
}

#[test]
fn catalog_errors_exit_one_and_work_with_json_output() {
    let o = cps(&[
        "validate",
        "--catalog",
        &catalog("snowflake.csv"),
        "--format",
        "json",
        &catalog("crm-mistakes.yaml"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_str(&stdout(&o)).unwrap();
    let codes: Vec<&str> = v["files"][0]["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["code"].as_str().unwrap())
        .collect();
    assert!(codes.contains(&"catalog-name-case"), "{codes:?}");
    assert!(codes.contains(&"catalog-unknown-column"), "{codes:?}");
}

#[test]
fn an_unreadable_catalog_exits_two_with_the_reason() {
    let bad = tmp("bad-catalog.csv", "name,type\nEMAIL,TEXT\n");
    let o = cps(&["validate", "--catalog", bad.to_str().unwrap(), &example()]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("cannot read the catalog"), "{err}");
    assert!(err.contains("no TABLE_SCHEMA"), "{err}");
    let o = cps(&[
        "validate",
        "--catalog",
        "/nonexistent/export.csv",
        &example(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("the catalog: cannot read"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn grants() {
    let o = cps(&[
        "snowflake",
        "grants",
        &example(),
        "--role",
        "TD_ROLE",
        "--warehouse",
        "COMPUTE_WH",
        "--database",
        "CDP_PROD",
        "--user",
        "john.doe@example.com",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("GRANT USAGE ON WAREHOUSE COMPUTE_WH TO ROLE TD_ROLE;"),
        "{out}"
    );
    assert!(
        out.contains("GRANT SELECT ON TABLE CDP_PROD.PUBLIC.ORDERS TO ROLE TD_ROLE;"),
        "{out}"
    );
    assert!(
        out.contains("GRANT ROLE TD_ROLE TO USER \"john.doe@example.com\";"),
        "{out}"
    );
    // A missing required flag is clap's usage error.
    let o = cps(&["snowflake", "grants", &example(), "--role", "R"]);
    assert_eq!(o.status.code(), Some(2));
    // An empty name is refused with the reason.
    let o = cps(&[
        "snowflake",
        "grants",
        &example(),
        "--role",
        "",
        "--warehouse",
        "W",
        "--database",
        "D",
        "--user",
        "U",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("role: the name is empty"),
        "{}",
        stderr(&o)
    );
}

#[test]
fn catalog_query_and_check_pack() {
    let o = cps(&[
        "snowflake",
        "catalog-query",
        &example(),
        "--database",
        "CDP_PROD",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("FROM CDP_PROD.INFORMATION_SCHEMA.COLUMNS"),
        "{out}"
    );
    assert!(out.contains("WHERE TABLE_SCHEMA IN ('PUBLIC')"), "{out}");

    let o = cps(&[
        "snowflake",
        "check-pack",
        &example(),
        "--database",
        "CDP_PROD",
    ]);
    assert_eq!(o.status.code(), Some(0));
    let out = stdout(&o);
    assert!(
        out.contains("SELECT CHECK_NAME, SUBJECT, VALUE FROM ("),
        "{out}"
    );
    assert!(out.contains("'behaviors[1] purchases'"), "{out}");

    let o = cps(&["snowflake", "check-pack", &example(), "--database", ""]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("database:"), "{}", stderr(&o));
}

#[test]
fn sql_commands_note_config_errors_but_still_print() {
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace("timezone: Asia/Tokyo", "timezone: Tokyo");
    let p = tmp("tz.yaml", &text);
    let o = cps(&[
        "snowflake",
        "catalog-query",
        p.to_str().unwrap(),
        "--database",
        "D",
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stderr(&o).contains("has 1 error"), "{}", stderr(&o));
    assert!(stdout(&o).contains("INFORMATION_SCHEMA"));
    // No config at all: the reason, exit 1.
    let p = tmp("broken.json", "{\"name\": ");
    let o = cps(&[
        "snowflake",
        "catalog-query",
        p.to_str().unwrap(),
        "--database",
        "D",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("holds no readable config"),
        "{}",
        stderr(&o)
    );
}

const RESULTS: &str = "\"CHECK_NAME\",\"SUBJECT\",\"VALUE\"\r
\"master_rows\",\"master\",\"1000\"\r
\"master_distinct_keys\",\"master\",\"998\"\r
\"master_null_keys\",\"master\",\"0\"\r
\"behavior_rows\",\"behaviors[0] page_views\",\"500\"\r
\"behavior_rows_without_customer\",\"behaviors[0] page_views\",\"50\"\r
\"behavior_null_times\",\"behaviors[0] page_views\",\"0\"\r
\"behavior_min_time\",\"behaviors[0] page_views\",\"2024-01-01 00:00:00.000\"\r
\"behavior_max_time\",\"behaviors[0] page_views\",\"2025-01-01 00:00:00.000\"\r
\"behavior_rows\",\"behaviors[1] purchases\",\"20\"\r
\"behavior_rows_without_customer\",\"behaviors[1] purchases\",\"0\"\r
\"behavior_rows\",\"behaviors[7] gone\",\"1\"\r
";

#[test]
fn check_results_are_shown_at_the_config_lines() {
    let r = tmp("results.csv", RESULTS);
    let o = cps(&[
        "snowflake",
        "check-results",
        &example(),
        r.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(1), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(
        out.contains("error[pack-duplicate-keys]: 2 master rows repeat a key"),
        "{out}"
    );
    assert!(out.contains("snowflake.yaml:11:15"), "{out}");
    assert!(
        out.contains(
            "warning[pack-orphan-rows]: 50 of 500 rows of `PUBLIC.BEHAVIOR_PAGEVIEWS` (10.0%)"
        ),
        "{out}"
    );
    assert!(out.contains("info[pack-time-range]"), "{out}");
    // Results about an entry the config does not have: no source frame.
    assert!(
        out.contains("warning[pack-stale-results]: the results are about `behaviors[7] gone`"),
        "{out}"
    );
    assert!(
        out.contains("1 error, 2 warnings (check pack results"),
        "{out}"
    );
    assert!(!out.contains('\x1b'), "no colour when not on a terminal");

    // Clean results exit 0.
    let clean = RESULTS
        .replace("\"998\"", "\"1000\"")
        .replace("\"50\"", "\"0\"")
        .replace("\"behavior_rows\",\"behaviors[7] gone\",\"1\"\r\n", "");
    let r = tmp("clean.csv", &clean);
    let o = cps(&[
        "snowflake",
        "check-results",
        &example(),
        r.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("0 errors, 0 warnings"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn unreadable_results_exit_two() {
    let r = tmp("nonsense.csv", "a,b\n1,2\n");
    let o = cps(&[
        "snowflake",
        "check-results",
        &example(),
        r.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("cannot read the results"),
        "{}",
        stderr(&o)
    );
    let o = cps(&["snowflake", "check-results", &example(), "/nonexistent.csv"]);
    assert_eq!(o.status.code(), Some(2));
}

#[test]
fn account_identifiers() {
    let o = cps(&["snowflake", "account", "myorg-account123"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("preferred"), "{}", stdout(&o));
    let o = cps(&[
        "snowflake",
        "account",
        "https://myorg-account123.snowflakecomputing.com",
    ]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        stderr(&o).contains("write `myorg-account123`"),
        "{}",
        stderr(&o)
    );
    let o = cps(&["snowflake", "account", "xy12345.us-east-2.aws"]);
    assert_eq!(o.status.code(), Some(0));
    assert!(stdout(&o).contains("legacy"), "{}", stdout(&o));
}
