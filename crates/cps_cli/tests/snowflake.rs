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
    repo(&format!("crates/cps_snowflake/tests/catalog/{name}"))
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
    assert!(
        out.contains("WHERE UPPER(TABLE_SCHEMA) IN ('PUBLIC')"),
        "{out}"
    );

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

fn bigquery_config() -> PathBuf {
    tmp(
        "bq.yaml",
        "name: bq\ndescription: d\ntimezone: UTC\nmaster:\n  connection: '1'\n  catalog: my-project\n  schema: ds\n  table: customers\n  key_column: id\nattributes:\n  - { name: id, connection: '1', schema: ds, table: customers, join: { table_key: id, master_key: id }, column: id, type: string }\nbehaviors:\n  - name: e\n    connection: '1'\n    schema: ds\n    table: events\n    join: { table_key: id, master_key: id }\n    time_column: ts\n    columns:\n      - { name: u, type: string, column: u }\n",
    )
}

#[test]
fn a_bigquery_export_settles_the_warehouse_and_its_int64_time_column() {
    let export = tmp(
        "bq-export.csv",
        "table_schema,table_name,column_name,data_type,ordinal_position\nds,customers,id,STRING,1\nds,events,id,STRING,1\nds,events,ts,INT64,2\nds,events,u,STRING,3\n",
    );
    let config = bigquery_config();
    let o = cps(&[
        "validate",
        "--catalog",
        export.to_str().unwrap(),
        config.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(0), "{out}");
    assert!(!out.contains("catalog-time-type"), "{out}");
    assert!(
        out.contains("warehouse bigquery (from the catalog export's type names)"),
        "{out}"
    );
}

#[test]
fn catalog_query_speaks_the_configs_warehouse_or_refuses() {
    let config = bigquery_config();
    let c = config.to_str().unwrap();
    // The file says "Databricks or BigQuery": which one must be given.
    let o = cps(&["snowflake", "catalog-query", c]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stdout(&o).is_empty(), "no Snowflake SQL: {}", stdout(&o));
    assert!(
        stderr(&o).contains("--warehouse databricks or --warehouse bigquery"),
        "{}",
        stderr(&o)
    );
    let o = cps(&["snowflake", "catalog-query", c, "--warehouse", "bigquery"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("FROM `my-project`.`ds`.INFORMATION_SCHEMA.COLUMNS"),
        "{}",
        stdout(&o)
    );
    let o = cps(&["snowflake", "catalog-query", c, "--warehouse", "databricks"]);
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("WHERE lower(table_schema) IN ('ds')"),
        "{}",
        stdout(&o)
    );
    // Snowflake still needs its database.
    let o = cps(&["snowflake", "catalog-query", &example()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(stderr(&o).contains("--database"), "{}", stderr(&o));
    // The check pack and the grants are Snowflake SQL: refused for this config.
    for cmd in [
        vec!["snowflake", "check-pack", c, "--database", "D"],
        vec![
            "snowflake",
            "grants",
            c,
            "--role",
            "R",
            "--warehouse",
            "W",
            "--database",
            "D",
            "--user",
            "U",
        ],
    ] {
        let o = cps(&cmd);
        assert_eq!(o.status.code(), Some(1), "{cmd:?}");
        assert!(
            stderr(&o).contains("writes Snowflake SQL"),
            "{}",
            stderr(&o)
        );
    }
}

#[test]
fn a_master_schema_missing_from_the_export_is_an_error() {
    // The export of another schema only: the master's cannot be checked, and the query would
    // have found it in any case, so it is not there.
    let export = tmp(
        "other-schema.csv",
        "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\nSALES,ORDERS,ID,NUMBER\n",
    );
    let o = cps(&[
        "validate",
        "--catalog",
        export.to_str().unwrap(),
        &example(),
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(
        out.contains("error[catalog-not-covered]: the catalog export has no rows for the master's schema `PUBLIC`"),
        "{out}"
    );
}

#[test]
fn a_typo_in_a_column_gets_the_catalogs_suggestion_only() {
    let text = std::fs::read_to_string(example())
        .unwrap()
        .replace("column: EMAIL", "column: emial");
    let p = tmp("typo.yaml", &text);
    let o = cps(&[
        "validate",
        "--catalog",
        &catalog("snowflake.csv"),
        p.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert_eq!(o.status.code(), Some(1), "{out}");
    assert!(out.contains("did you mean `EMAIL` or `email`?"), "{out}");
    assert!(
        !out.contains("identifier-case") && !out.contains("write `EMIAL`"),
        "no advice to write the typo in upper case: {out}"
    );
}

#[test]
fn wrong_connection_key_help_fits_what_is_there() {
    let with_catalog = tmp(
        "dbx.json",
        r#"{"name":"d","description":"d","timezone":"UTC","kind":"composable","isComposable":true,
          "master":{"name":"c","federatedQueryConfigId":"1","catalog":"main","schema":"s","table":"t","keyColumn":"k"},
          "attributes":[{"name":"a","connectionId":"1","schema":"s","table":"t","tableKey":"k","masterKey":"k","column":"c"}],
          "behaviors":[]}"#,
    );
    let o = cps(&[
        "validate",
        "--warehouse",
        "databricks",
        with_catalog.to_str().unwrap(),
    ]);
    let out = stdout(&o);
    assert!(out.contains("error[wrong-connection-key]"), "{out}");
    assert!(
        out.contains("help: rename the key to `connectionId`, or set the warehouse setting (--warehouse) to snowflake"),
        "{out}"
    );
    assert!(!out.contains("add `catalog`"), "{out}");
    let without = tmp(
        "dbx2.json",
        &std::fs::read_to_string(&with_catalog)
            .unwrap()
            .replace(r#""catalog":"main","#, ""),
    );
    let o = cps(&[
        "validate",
        "--warehouse",
        "databricks",
        without.to_str().unwrap(),
    ]);
    assert!(
        stdout(&o).contains("rename the key to `connectionId` and add `catalog`"),
        "{}",
        stdout(&o)
    );
}

#[test]
fn a_huge_or_hostile_name_in_an_export_is_refused_in_a_line() {
    // Ten million characters as a schema name: one short error (not 42 MB of output).
    let huge = tmp(
        "huge.csv",
        &format!(
            "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\n{},T,C,TEXT\n",
            "S".repeat(10_000_000)
        ),
    );
    let o = cps(&["validate", "--catalog", huge.to_str().unwrap(), &example()]);
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        o.stdout.len() + o.stderr.len() < 1000,
        "{} bytes",
        o.stdout.len() + o.stderr.len()
    );
    assert!(
        stderr(&o).contains("the schema name has 10000000 characters"),
        "{}",
        stderr(&o)
    );
    // A name with an escape sequence is shown escaped wherever it appears.
    let evil = tmp(
        "evil.csv",
        "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\nPUBLIC,\"CUSTOMERS\u{1b}]0;x\u{7}\",C,TEXT\n",
    );
    let o = cps(&["validate", "--catalog", evil.to_str().unwrap(), &example()]);
    let all = format!("{}{}", stdout(&o), stderr(&o));
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
    assert!(all.contains("has `CUSTOMERS\\u{1b}]0;x\\u{7}`"), "{all}");
}
