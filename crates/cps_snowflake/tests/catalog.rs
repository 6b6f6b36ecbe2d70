//! Catalog-aware checks (`cps_snowflake::catalog`), the Snowflake SQL texts (`cps_snowflake::sql`)
//! and the check pack's report. Fixture exports live in `tests/catalog/`: the same catalog as
//! CSV (Snowsight's download: every field quoted, CRLF), TSV, JSON and the SQL API's shape.
//!
//! Update snapshots after a deliberate change: `INSTA_UPDATE=always cargo test -p cps_snowflake --test
//! catalog`, then review the `.snap` diffs.

// Tests read fixtures; the purity lints are for the library.
#![allow(clippy::disallowed_methods, clippy::disallowed_types)]

use cps_core::diagnostics::render::{render, Style};
use cps_core::{check, Code, Config, Diagnostic, Options, Severity};
use cps_snowflake::catalog::{self, parse_catalog, Catalog};
use cps_snowflake::check_with_catalog;
use cps_snowflake::export;
use cps_snowflake::pack::{self, check_pack_report};
use cps_snowflake::sql::{self, Grants};
use std::path::{Path, PathBuf};

fn path(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(rel)
}

fn read(rel: &str) -> String {
    std::fs::read_to_string(path(rel)).unwrap()
}

fn example() -> String {
    read("../../examples/snowflake.yaml")
}

fn catalog() -> Catalog {
    parse_catalog(&read("tests/catalog/snowflake.csv")).unwrap()
}

fn config(text: &str) -> Config {
    check(text, &Options::default()).config.unwrap()
}

/// The catalog diagnostics only (the file's own rules are tested elsewhere).
fn catalog_diags(text: &str) -> Vec<Diagnostic> {
    check_with_catalog(text, &Options::default(), Some(&catalog()))
        .diagnostics
        .into_iter()
        .filter(|d| d.code.as_str().starts_with("catalog-"))
        .collect()
}

fn codes(ds: &[Diagnostic]) -> Vec<&'static str> {
    ds.iter().map(|d| d.code.as_str()).collect()
}

fn snapshot(name: &str, content: &str) {
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(path("tests/catalog"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    settings.bind(|| insta::assert_snapshot!(name.to_string(), content));
}

/// Replaces the `n`th (0-based) occurrence of `from`.
fn replace_nth(text: &str, from: &str, to: &str, n: usize) -> String {
    let (i, _) = text.match_indices(from).nth(n).expect(from);
    format!("{}{to}{}", &text[..i], &text[i + from.len()..])
}

#[test]
fn csv_tsv_and_json_exports_read_the_same() {
    let csv = catalog();
    assert_eq!(csv.columns.len(), 24);
    assert_eq!(csv.columns[8].column, "notes, free text");
    assert_eq!(csv.columns[15].column, "say \"hi\"");
    assert_eq!(csv.columns[16].table, "Customers");
    for f in ["snowflake.tsv", "snowflake.json", "snowflake-sqlapi.json"] {
        let other = parse_catalog(&read(&format!("tests/catalog/{f}"))).unwrap();
        assert_eq!(other, csv, "{f}");
    }
}

#[test]
fn export_errors_say_what_was_found() {
    let e = parse_catalog("name,type\nEMAIL,TEXT\n").unwrap_err();
    assert!(
        e.contains("TABLE_SCHEMA") && e.contains("has: name, type"),
        "{e}"
    );
    let e = parse_catalog("[{\"name\": \"EMAIL\"}]").unwrap_err();
    assert!(e.contains("has: name"), "{e}");
    let e = parse_catalog("{\"data\": 3}").unwrap_err();
    assert!(e.contains("cannot be read"), "{e}");
    let e = parse_catalog("TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\nPUBLIC,T\n").unwrap_err();
    assert!(e.contains("line 2 has 2 fields"), "{e}");
}

#[test]
fn the_example_matches_its_catalog_but_for_a_zone_less_time_column() {
    let ds = catalog_diags(&example());
    assert_eq!(codes(&ds), ["catalog-time-no-zone"], "{ds:#?}");
    let d = &ds[0];
    assert_eq!(d.severity, Severity::Warning);
    assert_eq!(d.path, "behaviors[0].time_column");
    assert!(d.message.contains("TIMESTAMP_NTZ"), "{}", d.message);
    assert!(d.message.contains("`Asia/Tokyo`"), "{}", d.message);
}

#[test]
fn without_a_catalog_the_checks_are_absent() {
    let text = read("tests/catalog/crm-mistakes.yaml");
    let plain = check(&text, &Options::default());
    let none = check_with_catalog(&text, &Options::default(), None);
    assert_eq!(plain.diagnostics, none.diagnostics);
    let with = check_with_catalog(&text, &Options::default(), Some(&catalog()));
    assert!(with.diagnostics.len() > plain.diagnostics.len());
    // Sorted exactly as `check` sorts.
    let mut sorted = with.diagnostics.clone();
    cps_core::sort_diagnostics(&mut sorted);
    assert_eq!(sorted, with.diagnostics);
    // Everything `check` reported is still there, but for the identifier-case guess about
    // `Customers`, which the catalog answers (with the exact spelling that works).
    for d in &plain.diagnostics {
        if d.code == Code::IdentifierCase {
            assert!(!with.diagnostics.contains(d), "{d:?}");
            continue;
        }
        assert!(with.diagnostics.contains(d), "{d:?}");
    }
}

#[test]
fn the_catalog_answers_the_identifier_case_guess() {
    let text = example().replace("table: ORDERS", "table: orders");
    let guess = |ds: &[Diagnostic]| ds.iter().any(|d| d.code == Code::IdentifierCase);
    assert!(guess(&check(&text, &Options::default()).diagnostics));
    let with = check_with_catalog(&text, &Options::default(), Some(&catalog()));
    assert!(!guess(&with.diagnostics), "{:#?}", with.diagnostics);
    // A name the catalog cannot resolve keeps its warning (here: a schema it does not cover).
    let text = text.replace(
        "schema: PUBLIC
    table: orders",
        "schema: SALES
    table: orders",
    );
    let with = check_with_catalog(&text, &Options::default(), Some(&catalog()));
    assert!(guess(&with.diagnostics), "{:#?}", with.diagnostics);
}

#[test]
fn unquoted_lower_case_finds_the_upper_case_table() {
    let text = example().replace("table: CUSTOMERS", "table: customers");
    assert_eq!(codes(&catalog_diags(&text)), ["catalog-time-no-zone"]);
}

#[test]
fn quoted_lower_case_does_not_find_the_upper_case_table() {
    let text = replace_nth(&example(), "table: CUSTOMERS", "table: '\"customers\"'", 0);
    let ds = catalog_diags(&text);
    let d = ds
        .iter()
        .find(|d| d.code == Code::CatalogNameCase)
        .expect("case error");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.path, "master.table");
    assert!(
        d.message
            .contains("quoted, the name means exactly `customers`"),
        "{}",
        d.message
    );
    assert!(d.message.contains("`CUSTOMERS`"), "{}", d.message);
    assert_eq!(
        d.help.as_deref(),
        Some("write `CUSTOMERS` or `customers`"),
        "{d:?}"
    );
}

fn crm(table: &str) -> String {
    format!(
        "name: crm\ndescription: d\ntimezone: UTC\nmaster:\n  connection: '167'\n  schema: CRM\n  table: {table}\n  key_column: '\"Id\"'\nattributes:\n  - name: email\n    connection: '167'\n    schema: CRM\n    table: {table}\n    join: {{ table_key: '\"Id\"', master_key: '\"Id\"' }}\n    column: EMAIL\n    type: string\nbehaviors: []\n"
    )
}

#[test]
fn a_table_created_quoted_is_found_only_quoted() {
    // Unquoted `Customers` resolves to CUSTOMERS; the catalog has `Customers`.
    let ds = catalog_diags(&crm("Customers"));
    assert_eq!(codes(&ds), ["catalog-name-case"], "{ds:#?}");
    let d = &ds[0];
    assert!(
        d.message
            .contains("unquoted, Snowflake resolves it as `CUSTOMERS`"),
        "{}",
        d.message
    );
    assert!(d.message.contains("(created with quotes)"), "{}", d.message);
    let help = d.help.as_deref().unwrap();
    assert!(help.starts_with("write `\"Customers\"`"), "{help}");
    assert!(help.contains("in YAML: `'\"Customers\"'`"), "{help}");
    // Both uses are one diagnostic: the second is a related place.
    assert_eq!(d.related.len(), 1, "{d:?}");
    // Quoted, it is found (and its columns are checked: all exist).
    assert_eq!(
        codes(&catalog_diags(&crm("'\"Customers\"'"))),
        [] as [&str; 0]
    );
}

#[test]
fn json_configs_get_the_json_spelling() {
    let text = r#"{"name":"x","description":"d","timezone":"UTC","kind":"composable","isComposable":true,
      "master":{"name":"c","federatedQueryConfigId":"1","schema":"CRM","table":"Customers","keyColumn":"\"Id\""},
      "attributes":[],"behaviors":[]}"#;
    let ds = catalog_diags(text);
    assert_eq!(codes(&ds), ["catalog-name-case"]);
    let help = ds[0].help.as_deref().unwrap();
    assert!(help.contains(r#"in JSON: `"\"Customers\""`"#), "{help}");
}

#[test]
fn the_legacy_lowercase_setting_matches_any_case() {
    let options = Options {
        identifier_case: cps_core::IdentifierCase::Lowercase,
        ..Options::default()
    };
    let text = replace_nth(&example(), "table: CUSTOMERS", "table: '\"customers\"'", 0);
    let checked = check_with_catalog(&text, &options, Some(&catalog()));
    assert!(
        !checked
            .diagnostics
            .iter()
            .any(|d| d.code == Code::CatalogNameCase),
        "{:#?}",
        checked.diagnostics
    );
}

#[test]
fn types_must_fit_the_columns() {
    let text = example().replace(
        "column: LTV\n    type: number",
        "column: LTV\n    type: string",
    );
    let ds = catalog_diags(&text);
    let d = ds
        .iter()
        .find(|d| d.code == Code::CatalogTypeMismatch)
        .expect("mismatch");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.path, "attributes[2].type");
    assert!(d.message.contains("`NUMBER`"), "{}", d.message);
    assert_eq!(d.help.as_deref(), Some("write `type: number`"));

    // Arrays and booleans: `current` has no boolean type.
    let text = example()
        .replace(
            "{ name: sku, type: string, column: SKU }",
            "{ name: tags, type: number, column: TAGS }",
        )
        .replace(
            "{ name: order_total, type: number, column: ORDER_TOTAL }",
            "{ name: gift, type: string, column: IS_GIFT }",
        );
    let ds = catalog_diags(&text);
    let helps: Vec<&str> = ds
        .iter()
        .filter(|d| d.code == Code::CatalogTypeMismatch)
        .map(|d| d.help.as_deref().unwrap())
        .collect();
    assert_eq!(helps.len(), 2, "{ds:#?}");
    assert_eq!(helps[0], "write `type: boolean`", "{helps:?}");
    assert!(helps[1].contains("string_array"), "{helps:?}");
    // A profile without `boolean` says so.
    let options = Options {
        types: cps_core::TypeProfile::Tdx202608,
        ..Options::default()
    };
    let d = check_with_catalog(&text, &options, Some(&catalog()))
        .diagnostics
        .into_iter()
        .find(|d| d.code == Code::CatalogTypeMismatch)
        .unwrap();
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("is `tdx-2026-08`, whose set has no `boolean`"),
        "{d:?}"
    );
    // Arrays read with an array type are fine.
    let text = example().replace(
        "{ name: sku, type: string, column: SKU }",
        "{ name: tags, type: string_array, column: TAGS }",
    );
    assert_eq!(codes(&catalog_diags(&text)), ["catalog-time-no-zone"]);
}

#[test]
fn time_columns_must_be_timestamps() {
    let text = example().replace("time_column: ORDERED_AT", "time_column: SKU");
    let ds = catalog_diags(&text);
    let d = ds
        .iter()
        .find(|d| d.code == Code::CatalogTimeType)
        .expect("time type");
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.path, "behaviors[1].time_column");
    assert!(d.message.contains("`TEXT`"), "{}", d.message);
    assert!(d.help.as_deref().unwrap().contains("TRY_TO_TIMESTAMP(SKU)"));

    // A zone-aware column gives no warning; BigQuery takes INT64 too.
    let text = example().replace("time_column: TIME", "time_column: ORDERED_AT");
    let text = text.replace("table: BEHAVIOR_PAGEVIEWS", "table: ORDERS");
    let text = text
        .replace("column: TD_URL", "column: SKU")
        .replace("column: TD_TITLE", "column: SKU");
    assert_eq!(codes(&catalog_diags(&text)), [] as [&str; 0]);
}

#[test]
fn bigquery_time_columns() {
    let cat = parse_catalog(
        "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\nds,customers,id,STRING\nds,events,id,STRING\nds,events,ts,INT64\nds,events,d,DATETIME\nds,events,u,STRING\n",
    )
    .unwrap();
    let make = |time: &str| {
        format!(
            "name: bq\ndescription: d\ntimezone: UTC\nmaster:\n  connection: '1'\n  catalog: proj\n  schema: ds\n  table: customers\n  key_column: id\nattributes:\n  - {{ name: id, connection: '1', catalog: proj, schema: ds, table: customers, join: {{ table_key: id, master_key: id }}, column: ID, type: string }}\nbehaviors:\n  - name: e\n    connection: '1'\n    catalog: proj\n    schema: ds\n    table: events\n    join: {{ table_key: id, master_key: id }}\n    time_column: {time}\n    columns:\n      - {{ name: u, type: string, column: u }}\n"
        )
    };
    let options = Options {
        warehouse: Some(cps_core::Warehouse::Bigquery),
        ..Options::default()
    };
    let run = |time: &str| -> Vec<&'static str> {
        check_with_catalog(&make(time), &options, Some(&cat))
            .diagnostics
            .iter()
            .filter(|d| d.code.as_str().starts_with("catalog-"))
            .map(|d| d.code.as_str())
            .collect()
    };
    // INT64 is fine, and BigQuery column names match in any case (`ID` finds `id`).
    assert_eq!(run("ts"), [] as [&str; 0]);
    assert_eq!(run("d"), ["catalog-time-type"]);
}

#[test]
fn unknown_names_get_a_suggestion_or_the_list() {
    let text = example().replace("column: EMAIL", "column: EMAL");
    let ds = catalog_diags(&text);
    let d = ds
        .iter()
        .find(|d| d.code == Code::CatalogUnknownColumn)
        .unwrap();
    assert_eq!(d.path, "attributes[0].column");
    assert_eq!(
        d.message,
        "column `EMAL` is not in table `PUBLIC.CUSTOMERS`"
    );
    assert_eq!(d.help.as_deref(), Some("did you mean `EMAIL` or `email`?"));

    let text = example().replace("table: ORDERS", "table: SHIPMENTS");
    let ds = catalog_diags(&text);
    let d = ds
        .iter()
        .find(|d| d.code == Code::CatalogUnknownTable)
        .unwrap();
    assert!(
        d.help
            .as_deref()
            .unwrap()
            .contains("`BEHAVIOR_PAGEVIEWS`, `CUSTOMERS`, `ORDERS`"),
        "{d:?}"
    );
    // The table's columns are not checked once the table is unknown.
    assert!(!ds.iter().any(|d| d.code == Code::CatalogUnknownColumn));
}

#[test]
fn a_schema_the_export_does_not_cover_is_one_diagnostic_an_error_for_the_masters() {
    // Every entry's schema, the master's included: one error at the master, the rest related.
    let text = example().replace("schema: PUBLIC", "schema: SALES");
    let ds = catalog_diags(&text);
    assert_eq!(codes(&ds), ["catalog-not-covered"], "{ds:#?}");
    let d = &ds[0];
    assert_eq!(d.severity, Severity::Error);
    assert_eq!(d.path, "master.schema");
    assert!(
        d.message.contains("the master's schema `SALES`"),
        "{}",
        d.message
    );
    assert!(d.message.contains("only `PUBLIC`, `CRM`"), "{}", d.message);
    assert_eq!(d.related.len(), 5, "every other use is a related place");
    // Another entry's schema only: a warning (the export may be partial).
    let text = replace_nth(&example(), "schema: PUBLIC", "schema: SALES", 4);
    let ds = catalog_diags(&text);
    assert_eq!(codes(&ds), ["catalog-not-covered"], "{ds:#?}");
    assert_eq!(ds[0].severity, Severity::Warning);
    assert_eq!(ds[0].path, "behaviors[0].schema");
}

#[test]
fn a_typo_gets_the_catalogs_suggestion_and_no_case_advice() {
    // `emial` is unquoted: without a catalog, cps can only say Snowflake resolves it as `EMIAL`.
    let text = example().replace("column: EMAIL", "column: emial");
    let guess = |ds: &[Diagnostic]| {
        ds.iter()
            .any(|d| d.code == Code::IdentifierCase && d.message.contains("emial"))
    };
    assert!(guess(&check(&text, &Options::default()).diagnostics));
    let with = check_with_catalog(&text, &Options::default(), Some(&catalog()));
    let d = with
        .diagnostics
        .iter()
        .find(|d| d.code == Code::CatalogUnknownColumn)
        .expect("unknown column");
    assert_eq!(d.help.as_deref(), Some("did you mean `EMAIL` or `email`?"));
    assert!(!guess(&with.diagnostics), "{:#?}", with.diagnostics);
}

#[test]
fn a_schema_created_quoted_in_lower_case_is_found_by_the_query_and_reported_by_case() {
    // The query matches schemas in any case, so a schema created as `"crm"` comes back.
    let sql = sql::catalog_query_sql(&config(&crm("'\"Customers\"'")), "CDP_PROD");
    assert!(
        sql.contains("WHERE UPPER(TABLE_SCHEMA) IN ('CRM')"),
        "{sql}"
    );
    let quoted = sql::catalog_query_sql(
        &config(&crm("'\"Customers\"'").replace("schema: CRM", "schema: '\"crm\"'")),
        "CDP_PROD",
    );
    assert!(quoted.contains("IN ('CRM')"), "{quoted}");
    // Its rows: the config's unquoted `CRM` does not find `crm`, and says why.
    let lower = parse_catalog(
        "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\ncrm,Customers,Id,TEXT\ncrm,Customers,EMAIL,TEXT\n",
    )
    .unwrap();
    let checked = check_with_catalog(&crm("'\"Customers\"'"), &Options::default(), Some(&lower));
    let d = checked
        .diagnostics
        .iter()
        .find(|d| d.code.as_str().starts_with("catalog-"))
        .expect("a catalog diagnostic");
    assert_eq!(d.code, Code::CatalogNameCase, "{d:#?}");
    assert_eq!(d.severity, Severity::Error);
    assert!(d.help.as_deref().unwrap().contains("\"crm\""), "{d:?}");
}

fn bigquery_catalog() -> Catalog {
    parse_catalog(
        "table_schema,table_name,column_name,data_type,ordinal_position\nds,customers,id,STRING,1\nds,events,id,STRING,1\nds,events,ts,INT64,2\nds,events,u,STRING,3\n",
    )
    .unwrap()
}

fn bigquery_config() -> String {
    "name: bq\ndescription: d\ntimezone: UTC\nmaster:\n  connection: '1'\n  catalog: my-project\n  schema: ds\n  table: customers\n  key_column: id\nattributes:\n  - { name: id, connection: '1', schema: ds, table: customers, join: { table_key: id, master_key: id }, column: id, type: string }\nbehaviors:\n  - name: e\n    connection: '1'\n    schema: ds\n    table: events\n    join: { table_key: id, master_key: id }\n    time_column: ts\n    columns:\n      - { name: u, type: string, column: u }\n".to_string()
}

#[test]
fn the_exports_type_names_settle_bigquery() {
    let cat = bigquery_catalog();
    assert_eq!(cat.warehouse(), Some(cps_core::Warehouse::Bigquery));
    assert_eq!(catalog().warehouse(), Some(cps_core::Warehouse::Snowflake));
    // Without --warehouse the file says "databricks or bigquery"; the export's INT64 says which,
    // and an INT64 time column is fine for BigQuery.
    let plain = check(&bigquery_config(), &Options::default());
    assert_eq!(plain.settings.warehouse, cps_core::Warehouse::Databricks);
    let with = check_with_catalog(&bigquery_config(), &Options::default(), Some(&cat));
    assert_eq!(with.settings.warehouse, cps_core::Warehouse::Bigquery);
    assert_eq!(with.settings.warehouse_source, cps_core::Source::Catalog);
    assert!(!with.has_errors(), "{:#?}", with.diagnostics);
    // A given warehouse is never overridden.
    let given = Options {
        warehouse: Some(cps_core::Warehouse::Databricks),
        ..Options::default()
    };
    let with = check_with_catalog(&bigquery_config(), &given, Some(&cat));
    assert_eq!(with.settings.warehouse, cps_core::Warehouse::Databricks);
    assert!(with
        .diagnostics
        .iter()
        .any(|d| d.code == Code::CatalogTimeType));
}

#[test]
fn bigquery_and_databricks_get_their_own_catalog_query() {
    let c = config(&bigquery_config());
    let bq = sql::catalog_query_for(&c, cps_core::Warehouse::Bigquery, None).unwrap();
    assert!(
        bq.contains("FROM `my-project`.`ds`.INFORMATION_SCHEMA.COLUMNS"),
        "{bq}"
    );
    assert!(!bq.contains("DS"), "names as stored, not upper-cased: {bq}");
    let dbx = sql::catalog_query_for(&c, cps_core::Warehouse::Databricks, None).unwrap();
    assert!(
        dbx.contains(
            "FROM `my-project`.information_schema.columns\nWHERE lower(table_schema) IN ('ds')"
        ),
        "{dbx}"
    );
    snapshot("catalog-query-bigquery.sql", &bq);
    snapshot("catalog-query-databricks.sql", &dbx);
    // Snowflake needs its database; a config without `catalog` cannot name a BigQuery project.
    let sf = config(&example());
    assert!(
        sql::catalog_query_for(&sf, cps_core::Warehouse::Snowflake, None)
            .unwrap_err()
            .contains("--database")
    );
    assert!(
        sql::catalog_query_for(&sf, cps_core::Warehouse::Bigquery, None)
            .unwrap_err()
            .contains("`catalog`")
    );
}

#[test]
fn crm_mistakes_rendered() {
    let name = "crm-mistakes.yaml";
    let text = read("tests/catalog/crm-mistakes.yaml");
    let checked = check_with_catalog(&text, &Options::default(), Some(&catalog()));
    let style = Style { color: false };
    let mut out = String::new();
    for d in &checked.diagnostics {
        out.push_str(&render(name, &text, &checked.line_index, d, &style));
        out.push('\n');
    }
    snapshot(name, &out);
    let mut codes: Vec<&str> = checked
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    codes.sort();
    codes.dedup();
    for c in [
        "catalog-name-case",
        "catalog-not-covered",
        "catalog-time-no-zone",
        "catalog-time-type",
        "catalog-type-mismatch",
        "catalog-unknown-column",
    ] {
        assert!(codes.contains(&c), "{c} missing: {codes:?}");
    }
}

#[test]
fn completions_are_spelled_as_a_config_writes_them() {
    let c = catalog::completions(&catalog());
    for want in [
        "CUSTOMERS",
        "EMAIL",
        "\"Customers\"",
        "\"Id\"",
        "\"notes, free text\"",
        "\"say \"\"hi\"\"\"",
        "PUBLIC",
        "CRM",
    ] {
        assert!(c.contains(&want.to_string()), "{want}: {c:?}");
    }
    let mut sorted = c.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(sorted, c);
}

// -------------------------------------------------------------------------------------------
// SQL

fn grants() -> Grants<'static> {
    Grants {
        role: "TD_ROLE",
        warehouse: "COMPUTE_WH",
        database: "CDP_PROD",
        schema: "PUBLIC",
        user: "td_user",
    }
}

#[test]
fn grants_sql_snapshot() {
    let sql = sql::grants_sql(&config(&example()), &grants()).unwrap();
    snapshot("grants.sql", &sql);
    // Deduplicated: CUSTOMERS is named four times, granted once.
    assert_eq!(sql.matches("PUBLIC.CUSTOMERS").count(), 1);
}

#[test]
fn grants_quote_what_needs_quotes_and_refuse_broken_names() {
    let text = read("tests/catalog/crm-mistakes.yaml");
    let g = Grants {
        role: "td role",
        user: "john.doe@example.com",
        ..grants()
    };
    let sql = sql::grants_sql(&config(&text), &g).unwrap();
    assert!(
        sql.contains("GRANT ROLE \"td role\" TO USER \"john.doe@example.com\";"),
        "{sql}"
    );
    assert!(
        sql.contains("GRANT SELECT ON TABLE CDP_PROD.CRM.\"Customers\" TO ROLE \"td role\";"),
        "{sql}"
    );
    // `Customers` and `"Customers"` are different objects; both are granted.
    assert!(sql.contains("CDP_PROD.CRM.Customers "), "{sql}");
    assert!(
        sql.contains("GRANT USAGE ON SCHEMA CDP_PROD.SALES"),
        "{sql}"
    );
    // The default schema is granted too.
    assert!(
        sql.contains("GRANT USAGE ON SCHEMA CDP_PROD.PUBLIC"),
        "{sql}"
    );
    let e = sql::grants_sql(
        &config(&text),
        &Grants {
            role: "",
            ..grants()
        },
    )
    .unwrap_err();
    assert!(e.starts_with("role:"), "{e}");
    let broken = example().replace("table: ORDERS", "table: '\"ORDERS'");
    let e = sql::grants_sql(&config(&broken), &grants()).unwrap_err();
    assert!(e.contains("behaviors[1].table"), "{e}");
    // A config name cannot break out of its SQL comment.
    let evil = example().replace(
        "name: Retail Customers (Snowflake)",
        "name: \"x\\nDROP DATABASE CDP_PROD;\"",
    );
    let sql = sql::grants_sql(&config(&evil), &grants()).unwrap();
    assert!(!sql.lines().any(|l| l.starts_with("DROP")), "{sql}");
}

#[test]
fn catalog_query_snapshot() {
    let sql = sql::catalog_query_sql(&config(&example()), "CDP_PROD");
    snapshot("catalog-query.sql", &sql);
    let crm = sql::catalog_query_sql(
        &config(&read("tests/catalog/crm-mistakes.yaml")),
        "cdp prod",
    );
    assert!(
        crm.contains("FROM \"cdp prod\".INFORMATION_SCHEMA.COLUMNS"),
        "{crm}"
    );
    assert!(
        crm.contains("WHERE UPPER(TABLE_SCHEMA) IN ('CRM', 'SALES')"),
        "{crm}"
    );
}

#[test]
fn check_pack_snapshot() {
    let sql = pack::check_pack_sql(&config(&example()), "CDP_PROD");
    snapshot("check-pack.sql", &sql);
    let crm = pack::check_pack_sql(
        &config(&read("tests/catalog/crm-mistakes.yaml")),
        "CDP_PROD",
    );
    assert!(crm.contains("COUNT(DISTINCT \"Id\")"), "{crm}");
    assert!(crm.contains("FROM CDP_PROD.CRM.\"Events\" AS b"), "{crm}");
}

// -------------------------------------------------------------------------------------------
// Check pack results

const GOOD: &str = "CHECK_NAME,SUBJECT,VALUE
master_rows,master,1000
master_distinct_keys,master,1000
master_null_keys,master,0
behavior_rows,behaviors[0] page_views,50000
behavior_rows_without_customer,behaviors[0] page_views,0
behavior_null_times,behaviors[0] page_views,0
behavior_min_time,behaviors[0] page_views,2024-01-01 00:00:00.000
behavior_max_time,behaviors[0] page_views,2025-06-30 23:59:59.000
behavior_rows,behaviors[1] purchases,2000
behavior_rows_without_customer,behaviors[1] purchases,0
behavior_null_times,behaviors[1] purchases,0
behavior_min_time,behaviors[1] purchases,2024-02-01 00:00:00.000 +0900
behavior_max_time,behaviors[1] purchases,2025-06-30 12:00:00.000 +0900
";

fn report(results: &str) -> Vec<pack::Finding> {
    check_pack_report(&config(&example()), results).unwrap()
}

#[test]
fn clean_results_give_the_time_ranges_only() {
    let f = report(GOOD);
    assert_eq!(f.len(), 2, "{f:#?}");
    assert!(f.iter().all(|f| f.severity == Severity::Info));
    assert_eq!(f[0].subject, "behaviors[0] page_views");
    assert_eq!(f[0].path, "behaviors[0].time_column");
    assert!(f[0]
        .message
        .contains("from 2024-01-01 00:00:00.000 to 2025-06-30"));
    let text = example();
    let span = f[0].span.unwrap();
    assert_eq!(&text[span.range()], "TIME");
}

#[test]
fn duplicate_and_null_master_keys_are_errors() {
    let r = GOOD
        .replace(
            "master_distinct_keys,master,1000",
            "master_distinct_keys,master,990",
        )
        .replace("master_null_keys,master,0", "master_null_keys,master,4");
    let f = report(&r);
    let dup = f
        .iter()
        .find(|f| f.code == Code::PackDuplicateKeys)
        .unwrap();
    assert_eq!(dup.severity, Severity::Error);
    // 1000 rows, 4 without a key, 990 distinct keys: 6 rows repeat a key.
    assert!(
        dup.message.starts_with("6 master rows repeat a key"),
        "{}",
        dup.message
    );
    assert_eq!(&example()[dup.span.unwrap().range()], "CDP_CUSTOMER_ID");
    assert!(dup.help.as_deref().unwrap().contains("HAVING COUNT(*) > 1"));
    let nulls = f.iter().find(|f| f.code == Code::PackNullKeys).unwrap();
    assert_eq!(nulls.severity, Severity::Error);
    assert!(
        nulls.message.contains("4 of 1000 master rows (0.4%)"),
        "{}",
        nulls.message
    );
}

#[test]
fn behavior_rows_without_a_customer() {
    let r = GOOD.replace(
        "behavior_rows_without_customer,behaviors[0] page_views,0",
        "behavior_rows_without_customer,behaviors[0] page_views,1250",
    );
    let f = report(&r);
    let o = f.iter().find(|f| f.code == Code::PackOrphanRows).unwrap();
    assert_eq!(o.severity, Severity::Warning);
    assert!(o.message.contains("1250 of 50000 rows"), "{}", o.message);
    assert!(o.message.contains("(2.5%)"), "{}", o.message);
    assert_eq!(o.path, "behaviors[0].join.table_key");

    // None match: the join matches nothing.
    let r = GOOD.replace(
        "behavior_rows_without_customer,behaviors[1] purchases,0",
        "behavior_rows_without_customer,behaviors[1] purchases,2000",
    );
    let f = report(&r);
    let o = f.iter().find(|f| f.code == Code::PackOrphanRows).unwrap();
    assert_eq!(o.severity, Severity::Error);
    assert!(o.message.contains("none of the 2000 rows"), "{}", o.message);
    assert!(o.help.as_deref().unwrap().contains("different identifiers"));
}

#[test]
fn null_times_empty_tables_and_stale_results() {
    let r =
        GOOD.replace(
            "behavior_null_times,behaviors[1] purchases,0",
            "behavior_null_times,behaviors[1] purchases,20",
        )
        .replace(
            "behavior_rows,behaviors[0] page_views,50000",
            "behavior_rows,behaviors[0] page_views,0",
        ) + "behavior_rows,behaviors[2] returns,10\n";
    let f = report(&r);
    let got: Vec<(&str, Severity)> = f.iter().map(|f| (f.code.as_str(), f.severity)).collect();
    assert_eq!(
        got,
        [
            ("pack-empty-table", Severity::Warning),
            ("pack-null-times", Severity::Warning),
            ("pack-time-range", Severity::Info),
            ("pack-stale-results", Severity::Warning),
        ],
        "{f:#?}"
    );
    assert!(f[1].message.contains("20 of 2000 rows"), "{}", f[1].message);
    assert_eq!(f[3].span, None);
    // An empty master table is an error.
    let f = report(&GOOD.replace("master_rows,master,1000", "master_rows,master,0"));
    assert_eq!(f[0].code, Code::PackEmptyTable);
    assert_eq!(f[0].severity, Severity::Error);
}

#[test]
fn results_in_tsv_and_json_read_the_same() {
    let tsv = GOOD.replace(',', "\t");
    assert_eq!(report(&tsv), report(GOOD));
    let json: Vec<serde_json::Value> = GOOD
        .lines()
        .skip(1)
        .map(|l| {
            let v: Vec<&str> = l.split(',').collect();
            serde_json::json!({"check_name": v[0], "subject": v[1], "value": v[2]})
        })
        .collect();
    assert_eq!(report(&serde_json::to_string(&json).unwrap()), report(GOOD));
}

#[test]
fn unreadable_results_are_errors() {
    let c = config(&example());
    let e = check_pack_report(&c, "a,b\n1,2\n").unwrap_err();
    assert!(e.contains("CHECK_NAME"), "{e}");
    let e = check_pack_report(&c, "CHECK_NAME,SUBJECT,VALUE\nfoo,bar,1\n").unwrap_err();
    assert!(e.contains("no check-pack results"), "{e}");
    let e =
        check_pack_report(&c, "CHECK_NAME,SUBJECT,VALUE\nmaster_rows,master,many\n").unwrap_err();
    assert!(e.contains("line 2") && e.contains("`many`"), "{e}");
}

#[test]
fn findings_render_as_diagnostics() {
    let text = example();
    let r = GOOD.replace("master_null_keys,master,0", "master_null_keys,master,4");
    let f = report(&r);
    let d = f[0].to_diagnostic();
    let out = render(
        "snowflake.yaml",
        &text,
        &cps_core::LineIndex::new(&text),
        &d,
        &Style { color: false },
    );
    assert!(
        out.starts_with("error[pack-null-keys]: 4 of 1000 master rows"),
        "{out}"
    );
    assert!(out.contains("snowflake.yaml:11:15"), "{out}");
}

// -------------------------------------------------------------------------------------------
// Hostile exports: errors or results, never a panic, in bounded time.

#[test]
fn hostile_exports_never_panic() {
    let header = "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\n";
    let big = "x".repeat(1 << 20);
    let cases: Vec<String> = vec![
        format!("{header}\"PUBLIC,T,C,TEXT\n"),
        format!("{header}PUBLIC,\"T\"x,C,TEXT\n"),
        format!("\"{header}"),
        format!("{header}PUBLIC,T,\"{big}\",TEXT\n"),
        format!("{header}PUBLIC,T,{big},TEXT\n"),
        format!("{header}{}\n", ",".repeat(100_000)),
        format!("{header}{}", "\"".repeat(100_001)),
        "\r\r\r\n\n\n".into(),
        ",,,,".into(),
        "\u{feff}".into(),
        format!("{}{}", "[".repeat(100_000), "]".repeat(100_000)),
        format!("[{}]", vec!["{}"; 10_000].join(",")),
        format!("[[{}]]", vec!["1"; 10_000].join(",")),
        "{\"data\": [[\"a\"]], \"rowType\": 5}".into(),
        "[{\"TABLE_SCHEMA\": {\"a\": [1, {\"b\": null}]}, \"TABLE_NAME\": 1, \"COLUMN_NAME\": true, \"DATA_TYPE\": null}]".into(),
        String::from_utf8_lossy(&(0u8..=255).cycle().take(100_000).collect::<Vec<u8>>()).into_owned(),
        String::from_utf8_lossy(&(1u8..=255).cycle().take(100_000).collect::<Vec<u8>>()).into_owned(),
    ];
    let cfg = config(&example());
    for (i, text) in cases.iter().enumerate() {
        if let Ok(cat) = parse_catalog(text) {
            let mut out = Vec::new();
            catalog::check(
                &cfg,
                &check(&example(), &Options::default()).settings,
                &cat,
                &mut out,
            );
            let _ = catalog::completions(&cat);
        }
        let _ = check_pack_report(&cfg, text);
        let _ = i;
    }
    // The one-megabyte field is read whole, and refused as a name without being echoed.
    let e = parse_catalog(&format!("{header}PUBLIC,T,\"{big}\",TEXT\n")).unwrap_err();
    assert!(e.len() < 200 && e.contains("1048576 characters"), "{e}");
}

#[test]
fn names_longer_than_any_warehouse_allows_are_refused_unechoed() {
    let header = "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\n";
    let name = |n: usize| "S".repeat(n);
    // Snowflake's limit is 255 characters, quoted or not.
    assert!(parse_catalog(&format!("{header}{},T,C,TEXT\n", name(255))).is_ok());
    let e = parse_catalog(&format!("{header}{},T,C,TEXT\n", name(256))).unwrap_err();
    assert!(
        e.starts_with("line 2: the schema name has 256 characters"),
        "{e}"
    );
    assert!(!e.contains(&name(100)), "{e}");
    // BigQuery's tables and datasets may have up to 1024 (its type names say which warehouse).
    let bq = format!("{header}{},T,C,INT64\n", name(1000));
    assert!(parse_catalog(&bq).is_ok());
    // Ten million characters: one short error, not the name twice.
    let e = parse_catalog(&format!("{header}{},T,C,TEXT\n", name(10_000_000))).unwrap_err();
    assert!(e.len() < 200, "{} bytes", e.len());
}

#[test]
fn a_quote_never_closed_is_an_error_at_its_line() {
    let e = parse_catalog("TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\nS,T,C,TEXT\n\"open,x\n")
        .unwrap_err();
    assert!(e.contains("line 3") && e.contains("never closed"), "{e}");
    // A closed quote at the very end, with or without a line end, is fine.
    for end in ["", "\n", "\r\n"] {
        let t = format!("TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\nS,T,\"C\"\"x\",TEXT{end}");
        let cat = parse_catalog(&t).unwrap();
        assert_eq!(cat.columns[0].column, "C\"x", "{end:?}");
    }
}

#[test]
fn row_caps_hold() {
    let mut text = String::from("TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\n");
    for i in 0..=export::MAX_ROWS {
        text.push_str(&format!("S,T,C{i},TEXT\n"));
    }
    let e = parse_catalog(&text).unwrap_err();
    assert!(e.contains("more than 200000 rows"), "{e}");
    let json = format!(
        "[{}]",
        vec!["[\"S\",\"T\",\"C\",\"TEXT\"]"; export::MAX_ROWS + 2].join(",")
    );
    assert!(parse_catalog(&json).is_err());
}

#[test]
fn a_large_catalog_checks_quickly() {
    // 100 000 columns in one table and a config full of unknown names: suggestions are capped.
    let mut text = String::from("TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\n");
    for i in 0..100_000 {
        text.push_str(&format!("PUBLIC,CUSTOMERS,COL_{i},TEXT\n"));
    }
    let cat = parse_catalog(&text).unwrap();
    let mut cfg = String::from("name: x\ndescription: d\ntimezone: UTC\nmaster:\n  connection: '1'\n  schema: PUBLIC\n  table: CUSTOMERS\n  key_column: COL_1\nattributes:\n");
    for i in 0..2000 {
        cfg.push_str(&format!("  - {{ name: a{i}, connection: '1', schema: PUBLIC, table: CUSTOMERS, join: {{ table_key: COL_1, master_key: COL_1 }}, column: MISSING_{i}, type: string }}\n"));
    }
    cfg.push_str("behaviors: []\n");
    let checked = check_with_catalog(&cfg, &Options::default(), Some(&cat));
    assert_eq!(
        checked
            .diagnostics
            .iter()
            .filter(|d| d.code == Code::CatalogUnknownColumn)
            .count(),
        2000
    );
}
