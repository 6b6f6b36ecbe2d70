//! `cps push` and `cps zero-copy` as whole processes against the fake TD server (`td_fake`):
//! the key from the environment, the plan, the guarded create, explained refusals, exit codes.

use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use td_fake::{FakeTd, READ_ONLY_KEY, VALID_KEY};

/// The secret part of [`VALID_KEY`]: it must never be printed.
const SECRET: &str = "fake-secret";

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/snowflake.yaml")
}

/// The example config, copied to a file of this test's own.
fn config(test: &str) -> PathBuf {
    config_with(test, "", "")
}

/// The example config with `from` replaced by `to`, in a file of this test's own.
fn config_with(test: &str, from: &str, to: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cps-push-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let p = dir.join(format!("{test}.yaml"));
    let mut text = std::fs::read_to_string(example()).unwrap();
    if !from.is_empty() {
        assert!(text.contains(from));
        text = text.replace(from, to);
    }
    std::fs::write(&p, text).unwrap();
    p
}

/// The API body `cps push` sends for the example config.
fn api_body() -> Value {
    let o = Command::new(env!("CARGO_BIN_EXE_cps"))
        .args(["convert", "--to", "api-json"])
        .arg(example())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    serde_json::from_slice(&o.stdout).unwrap()
}

/// Runs `cps <args>` with `TD_API_KEY` set to `key` (unset for `None`) and stdin not a terminal.
fn cps(key: Option<&str>, args: &[&str]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cps"));
    c.args(args)
        .env_remove("TD_API_KEY")
        .env_remove("NO_COLOR")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(k) = key {
        c.env("TD_API_KEY", k);
    }
    let o = c.output().unwrap();
    let (out, err) = (text(&o.stdout), text(&o.stderr));
    assert!(
        !out.contains(SECRET) && !err.contains(SECRET),
        "the key's secret was printed:\n{out}\n{err}"
    );
    o
}

/// `cps push FILE --endpoint <fake> [extra]`.
fn push(fake: &FakeTd, key: Option<&str>, file: &Path, extra: &[&str]) -> Output {
    let base = fake.base_url();
    let mut args = vec![
        "push",
        file.to_str().unwrap(),
        "--endpoint",
        &base,
        "--timeout",
        "20",
    ];
    args.extend_from_slice(extra);
    cps(key, &args)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn out(o: &Output) -> String {
    text(&o.stdout)
}

fn err(o: &Output) -> String {
    text(&o.stderr)
}

fn both(o: &Output) -> String {
    format!("stdout:\n{}\nstderr:\n{}", out(o), err(o))
}

/// `METHOD PATH STATUS` per request the fake saw (`-` for a reset connection).
fn log(fake: &FakeTd) -> Vec<String> {
    fake.requests()
        .iter()
        .map(|r| {
            let status = r["status"].as_u64().map_or("-".into(), |s| s.to_string());
            format!(
                "{} {} {status}",
                r["method"].as_str().unwrap(),
                r["path"].as_str().unwrap()
            )
        })
        .collect()
}

fn names(segment: &Value, list: &str) -> Vec<String> {
    segment[list]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn creates_the_segment_and_prints_its_id() {
    let fake = FakeTd::start();
    let file = config("create");
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let segments = fake.segments();
    assert_eq!(segments.len(), 1);
    let id = segments[0]["id"].as_str().unwrap();
    assert_eq!(segments[0]["name"], "Retail Customers (Snowflake)");
    assert!(
        out(&o).contains("Plan: create the parent segment “Retail Customers (Snowflake)”"),
        "{}",
        both(&o)
    );
    assert!(
        out(&o).contains(&format!("created “Retail Customers (Snowflake)”, id {id}")),
        "{}",
        both(&o)
    );
    assert_eq!(
        log(&fake),
        [
            "GET /composable_audiences 200",
            "POST /composable_audiences 200"
        ]
    );
    assert!(fake.requests().iter().all(|r| r["auth"] == "valid"));
}

#[test]
fn without_a_key_it_is_a_usage_error_and_nothing_is_sent() {
    let fake = FakeTd::start();
    let file = config("nokey");
    let o = push(&fake, None, &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(err(&o).contains("TD_API_KEY"), "{}", both(&o));
    // A blank key is no key.
    let o = push(&fake, Some("  "), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    let o = cps(None, &["zero-copy", "--endpoint", &fake.base_url()]);
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(err(&o).contains("TD_API_KEY"), "{}", both(&o));
    assert!(fake.requests().is_empty());
    assert!(fake.segments().is_empty());
}

#[test]
fn a_dry_run_without_a_key_shows_the_create_request_masked() {
    let fake = FakeTd::start();
    let file = config("dry-nokey");
    let o = push(&fake, None, &file, &["--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let s = out(&o);
    assert!(
        s.contains(&format!("POST {}/composable_audiences", fake.base_url())),
        "{s}"
    );
    assert!(s.contains("Authorization: TD1 ••••\n"), "{s}");
    assert!(s.contains(r#"-H "Authorization: TD1 $TD_API_KEY""#), "{s}");
    assert!(
        s.contains(r#""name": "Retail Customers (Snowflake)""#),
        "{s}"
    );
    assert!(s.contains("\nDry run: nothing was sent to TD.\n"), "{s}");
    assert!(fake.requests().is_empty(), "{:?}", log(&fake));
}

#[test]
fn a_wrong_key_is_explained_as_401() {
    let fake = FakeTd::start();
    // A column named like a word of TD's 401 message ("Invalid API key").
    let file = config_with("badkey", "column: EMAIL", "column: KEY");
    let o = push(&fake, Some("1/wrong-secret"), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let e = err(&o);
    assert!(e.contains("401"), "{e}");
    assert!(e.contains("Invalid API key"), "the server's words: {e}");
    assert!(e.contains("Check the key"), "advice: {e}");
    assert!(!e.contains("wrong-secret"), "{e}");
    assert!(
        !e.contains("server-refused"),
        "a key is not in the file: {e}"
    );
    assert_eq!(log(&fake), ["GET /composable_audiences 401"]);
    assert!(fake.segments().is_empty());
}

#[test]
fn a_read_only_key_is_explained_as_403() {
    let fake = FakeTd::start();
    let file = config("readonly");
    let o = push(&fake, Some(READ_ONLY_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let e = err(&o);
    assert!(e.contains("403: permission denied"), "{e}");
    // Either cause is named: the key, or CAS's policy-based permissions.
    assert!(e.contains("master API key"), "advice: {e}");
    assert!(e.contains("policy-based permissions"), "advice: {e}");
    assert!(!e.contains("server-refused"), "{e}");
    assert_eq!(
        log(&fake),
        [
            "GET /composable_audiences 200",
            "POST /composable_audiences 403"
        ]
    );
    assert!(fake.segments().is_empty());
}

/// The example's segment as stored earlier, with `old_score` where `lifetime_value` is now.
fn seed_older_version(fake: &FakeTd) -> Value {
    let mut older = api_body();
    older["attributes"][2]["name"] = json!("old_score");
    older["description"] = json!("before");
    fake.seed(older)
}

#[test]
fn an_existing_name_is_updated_and_removals_need_delete() {
    let fake = FakeTd::start();
    let file = config("update");
    let seeded = seed_older_version(&fake);
    let id = seeded["id"].as_str().unwrap();

    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let s = out(&o);
    assert!(
        s.contains(&format!(
            "Plan: update “Retail Customers (Snowflake)” (id {id}), which already exists."
        )),
        "{s}"
    );
    assert!(s.contains("  ~ description\n"), "{s}");
    assert!(s.contains("  + attribute “lifetime_value”\n"), "{s}");
    assert!(s.contains("  - attribute “old_score”\n"), "{s}");
    assert!(err(&o).contains("--delete"), "{}", both(&o));
    assert_eq!(fake.segments(), std::slice::from_ref(&seeded), "unchanged");
    assert!(
        log(&fake).iter().all(|l| l.starts_with("GET ")),
        "{:?}",
        log(&fake)
    );

    let o = push(&fake, Some(VALID_KEY), &file, &["--yes", "--delete"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert!(
        out(&o).contains(&format!("updated “Retail Customers (Snowflake)”, id {id}")),
        "{}",
        both(&o)
    );
    let segments = fake.segments();
    assert_eq!(segments.len(), 1);
    assert_eq!(segments[0]["id"], id);
    assert_eq!(
        names(&segments[0], "attributes"),
        ["email", "membership_tier", "lifetime_value"]
    );
    assert_eq!(segments[0]["description"], api_body()["description"]);
    assert_eq!(
        log(&fake).last().unwrap(),
        &format!("PUT /composable_audiences/{id} 200")
    );
}

#[test]
fn without_yes_and_no_terminal_nothing_is_sent() {
    let fake = FakeTd::start();
    let file = config("noyes");
    let o = push(&fake, Some(VALID_KEY), &file, &[]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    assert!(err(&o).contains("not pushed"), "{}", both(&o));
    assert!(err(&o).contains("--yes"), "{}", both(&o));
    assert!(fake.segments().is_empty());
    assert_eq!(log(&fake), ["GET /composable_audiences 200"]);
}

/// Pushes the example with one fault rule on the create; the output and the fake.
fn create_through(rule: Value, test: &str) -> (Output, FakeTd) {
    let fake = FakeTd::start();
    fake.push_faults(rule);
    let file = config(test);
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let segments = fake.segments();
    assert_eq!(segments.len(), 1, "exactly one segment: {:?}", log(&fake));
    assert!(
        out(&o).contains(&format!(
            "created “Retail Customers (Snowflake)”, id {}",
            segments[0]["id"].as_str().unwrap()
        )),
        "{}",
        both(&o)
    );
    (o, fake)
}

const FOUND: &str = "cps found the segment by name instead of creating it again";

#[test]
fn a_500_is_checked_by_name_then_created_once() {
    let (o, fake) = create_through(
        json!({"method": "POST", "path": "/composable_audiences", "status": 500}),
        "500",
    );
    assert!(!out(&o).contains(FOUND), "{}", both(&o));
    assert!(err(&o).contains("checking by name"), "{}", both(&o));
    assert_eq!(
        log(&fake),
        [
            "GET /composable_audiences 200",
            "POST /composable_audiences 500",
            "GET /composable_audiences 200",
            "POST /composable_audiences 200",
        ]
    );
}

#[test]
fn a_500_after_the_create_happened_is_recovered_by_name() {
    let (o, fake) = create_through(
        json!({"method": "POST", "path": "/composable_audiences", "status": 500, "commit": true}),
        "500-commit",
    );
    assert!(out(&o).contains(FOUND), "{}", both(&o));
    let id = fake.segments()[0]["id"].as_str().unwrap().to_string();
    assert!(err(&o).contains(&format!("(id {id})")), "{}", both(&o));
    assert_eq!(
        log(&fake),
        [
            "GET /composable_audiences 200".to_string(),
            "POST /composable_audiences 500".to_string(),
            "GET /composable_audiences 200".to_string(),
            format!("GET /composable_audiences/{id} 200"),
        ]
    );
}

#[test]
fn a_reset_after_the_create_happened_is_recovered_by_name() {
    let (o, fake) = create_through(
        json!({"method": "POST", "path": "/composable_audiences", "reset": true, "commit": true}),
        "reset-commit",
    );
    assert!(out(&o).contains(FOUND), "{}", both(&o));
    assert!(log(&fake).contains(&"POST /composable_audiences -".to_string()));
    assert_eq!(
        log(&fake).iter().filter(|l| l.starts_with("POST")).count(),
        1
    );
}

#[test]
fn a_reset_before_the_create_happened_is_retried_once() {
    let (o, fake) = create_through(
        json!({"method": "POST", "path": "/composable_audiences", "reset": true}),
        "reset",
    );
    assert!(!out(&o).contains(FOUND), "{}", both(&o));
    assert_eq!(
        log(&fake).iter().filter(|l| l.starts_with("POST")).count(),
        2
    );
}

#[test]
fn a_truncated_answer_after_the_create_happened_is_recovered_by_name() {
    let (o, fake) = create_through(
        json!({"method": "POST", "path": "/composable_audiences", "truncate": true, "commit": true}),
        "truncate-commit",
    );
    assert!(out(&o).contains(FOUND), "{}", both(&o));
    assert_eq!(
        log(&fake).iter().filter(|l| l.starts_with("POST")).count(),
        1
    );
}

#[test]
fn an_unreadable_success_is_recovered_by_name() {
    // 200 with a body that is not the segment: it was created, the answer just cannot be read.
    let (o, fake) = create_through(
        json!({"method": "POST", "path": "/composable_audiences", "status": 200,
               "body": "<html>OK</html>", "commit": true}),
        "unreadable-200",
    );
    assert!(out(&o).contains(FOUND), "{}", both(&o));
    assert_eq!(
        log(&fake).iter().filter(|l| l.starts_with("POST")).count(),
        1
    );
}

#[test]
fn a_429_is_waited_out_and_created_once() {
    let (o, fake) = create_through(
        json!({"method": "POST", "path": "/composable_audiences", "status": 429,
               "headers": {"Retry-After": "0"}, "body": "{\"message\":\"Too many requests\"}"}),
        "429",
    );
    assert!(!out(&o).contains(FOUND), "{}", both(&o));
    assert!(err(&o).contains("429: too many requests"), "{}", both(&o));
    assert_eq!(
        log(&fake),
        [
            "GET /composable_audiences 200",
            "POST /composable_audiences 429",
            "POST /composable_audiences 200",
        ]
    );
}

#[test]
fn a_name_taken_after_a_lost_answer_is_our_own_create() {
    // The first create happened but its answer was lost, and the list (eventually consistent on
    // a real server) did not show it yet: the retry's "already taken" is the first try's doing.
    let empty_list = json!({"method": "GET", "path": "/composable_audiences", "times": 2,
                            "status": 200, "body": "[]"});
    let (o, fake) = create_through(
        json!([
            {"method": "POST", "path": "/composable_audiences", "status": 500, "commit": true},
            empty_list,
        ]),
        "taken-after-lost",
    );
    assert!(out(&o).contains(FOUND), "{}", both(&o));
    let posts: Vec<String> = log(&fake)
        .into_iter()
        .filter(|l| l.starts_with("POST"))
        .collect();
    assert_eq!(
        posts,
        [
            "POST /composable_audiences 500",
            "POST /composable_audiences 400"
        ]
    );
}

#[test]
fn a_refused_column_is_pointed_at_in_the_file() {
    let fake = FakeTd::start();
    fake.set_catalog(json!({
        "CUSTOMERS": ["CDP_CUSTOMER_ID", "EMAIL", "MEMBERSHIP_TIER"],
        "BEHAVIOR_PAGEVIEWS": ["CDP_CUSTOMER_ID", "TIME", "TD_URL", "TD_TITLE"],
        "ORDERS": ["CDP_CUSTOMER_ID", "ORDERED_AT", "ORDER_TOTAL", "SKU"],
    }));
    let file = config("column");
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let e = err(&o);
    assert!(
        e.contains("error[server-refused]: TD: Column not found: 'LTV'"),
        "{e}"
    );
    let source = std::fs::read_to_string(&file).unwrap();
    let (line, col) = source
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            l.find("column: LTV")
                .map(|c| (i + 1, c + "column: ".len() + 1))
        })
        .unwrap();
    assert!(
        e.contains(&format!("--> {}:{line}:{col}\n", file.display())),
        "{e}"
    );
    assert!(e.contains("400: TD refused the request"), "{e}");
    assert_eq!(e.matches("error[server-refused]").count(), 1, "{e}");
    assert!(fake.segments().is_empty());
    assert_eq!(
        log(&fake),
        [
            "GET /composable_audiences 200",
            "POST /composable_audiences 400"
        ],
        "a 400 is not retried"
    );
}

#[test]
fn a_dry_run_with_a_key_shows_the_update_and_writes_nothing() {
    let fake = FakeTd::start();
    let file = config("dry-update");
    let seeded = seed_older_version(&fake);
    let id = seeded["id"].as_str().unwrap();
    let o = push(&fake, Some(VALID_KEY), &file, &["--dry-run"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let s = out(&o);
    assert!(s.contains("Plan: update"), "{s}");
    assert!(s.contains("  - attribute “old_score”\n"), "{s}");
    assert!(
        s.contains(&format!(
            "PUT {}/composable_audiences/{id}\n",
            fake.base_url()
        )),
        "{s}"
    );
    assert!(s.contains("Authorization: TD1 1/••••\n"), "{s}");
    assert!(s.contains("$TD_API_KEY"), "{s}");
    // It says exactly what it sent to make the plan: the two reads, and no write.
    let base = fake.base_url();
    assert!(
        s.contains(&format!("\nDry run: read the existing segments to make the plan (GET {base}/composable_audiences, GET {base}/composable_audiences/{id}); wrote nothing.\n")),
        "{s}"
    );
    assert!(!s.contains("nothing was sent"), "{s}");
    assert_eq!(fake.segments(), std::slice::from_ref(&seeded));
    assert_eq!(
        log(&fake),
        [
            "GET /composable_audiences 200".to_string(),
            format!("GET /composable_audiences/{id} 200"),
        ]
    );
}

#[test]
fn zero_copy_lists_the_configs() {
    let fake = FakeTd::start();
    let o = cps(
        Some(VALID_KEY),
        &["zero-copy", "--endpoint", &fake.base_url()],
    );
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    let rows: Vec<Vec<String>> = out(&o)
        .lines()
        .skip(1)
        .map(|l| l.split_whitespace().map(str::to_string).collect())
        .collect();
    assert_eq!(
        rows,
        [
            ["167", "snowflake_conn", "snowflake", "ANALYTICS"],
            ["168", "snowflake_conn_new", "snowflake", "ANALYTICS"],
        ],
        "{}",
        both(&o)
    );
    assert_eq!(log(&fake), ["GET /v4/federated_query_configs 200"]);
    let o = cps(
        Some("1/wrong-secret"),
        &["zero-copy", "--endpoint", &fake.base_url()],
    );
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    assert!(err(&o).contains("401"), "{}", both(&o));
}

#[test]
fn a_bad_endpoint_or_region_is_a_usage_error() {
    let file = config("usage");
    let f = file.to_str().unwrap();
    let o = cps(
        Some(VALID_KEY),
        &["push", f, "--endpoint", "ftp://x", "--yes"],
    );
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(err(&o).contains("--endpoint"), "{}", both(&o));
    let o = cps(Some(VALID_KEY), &["push", f, "--region", "mars", "--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(err(&o).contains("unknown region `mars`"), "{}", both(&o));
}

/// The example's catalog in the fake, without `LTV` and `TD_TITLE`.
fn catalog_missing_two(fake: &FakeTd) {
    fake.set_catalog(json!({
        "CUSTOMERS": ["CDP_CUSTOMER_ID", "EMAIL", "MEMBERSHIP_TIER"],
        "BEHAVIOR_PAGEVIEWS": ["CDP_CUSTOMER_ID", "TIME", "TD_URL"],
        "ORDERS": ["CDP_CUSTOMER_ID", "ORDERED_AT", "ORDER_TOTAL", "SKU"],
    }));
}

/// `--> file:line:col` of the value after `key: value` in `file`.
fn place(file: &Path, line_text: &str, value: &str) -> String {
    let source = std::fs::read_to_string(file).unwrap();
    let (line, col) = source
        .lines()
        .enumerate()
        .find_map(|(i, l)| {
            l.find(line_text)
                .map(|c| (i + 1, l[c..].find(value).unwrap() + c + 1))
        })
        .unwrap();
    format!("--> {}:{line}:{col}\n", file.display())
}

#[test]
fn several_json_api_errors_each_become_a_diagnostic_in_the_files_own_keys() {
    let fake = FakeTd::start();
    catalog_missing_two(&fake);
    fake.push_faults(
        json!({"method": "POST", "path": "/composable_audiences", "shape": "json_api"}),
    );
    let file = config("json-api");
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let e = err(&o);
    assert_eq!(e.matches("error[server-refused]").count(), 2, "{e}");
    assert!(
        e.contains("error[server-refused]: TD: Column not found: 'LTV', Available columns: CDP_CUSTOMER_ID, EMAIL, MEMBERSHIP_TIER (INVALID_FORMAT_OR_ASSOCIATION)"),
        "{e}"
    );
    assert!(e.contains(&place(&file, "column: LTV", "LTV")), "{e}");
    assert!(
        e.contains(&place(&file, "column: TD_TITLE", "TD_TITLE")),
        "{e}"
    );
    // The paths are the tdx file's own (`columns[1].column`), not the API's pointer.
    assert!(e.contains("= at: attributes[2].column\n"), "{e}");
    assert!(e.contains("= at: behaviors[0].columns[1].column\n"), "{e}");
    assert!(
        e.contains("400: TD refused the request (2 problems):"),
        "{e}"
    );
    assert!(
        e.contains("at /behaviors/0/columnMapping/1/cdwColumn"),
        "{e}"
    );
    // TD's answer as it came.
    assert!(
        e.contains(r#"TD's answer (JSON:API errors, HTTP 400): {"errors":[{"code":"BAD_REQUEST""#),
        "{e}"
    );
    assert!(fake.segments().is_empty());
}

#[test]
fn a_code_message_error_is_pointed_at_by_its_quoted_name() {
    let fake = FakeTd::start();
    catalog_missing_two(&fake);
    fake.push_faults(
        json!({"method": "POST", "path": "/composable_audiences", "shape": "code_message"}),
    );
    let file = config("code-message");
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let e = err(&o);
    assert_eq!(e.matches("error[server-refused]").count(), 1, "{e}");
    assert!(e.contains(&place(&file, "column: LTV", "LTV")), "{e}");
    assert!(e.contains("(BAD_REQUEST)"), "{e}");
    assert!(
        e.contains(r#"TD's answer ({code, message}, HTTP 400): {"code":"BAD_REQUEST","message":"Column not found: 'LTV'"#),
        "{e}"
    );
}

#[test]
fn a_status_error_answer_is_explained_with_its_details() {
    let fake = FakeTd::start();
    // Every try of the plan's read fails: the retries give up and the last answer is explained.
    fake.push_faults(
        json!({"method": "GET", "path": "/composable_audiences", "status": 503,
                            "shape": "status_error", "times": 4}),
    );
    let file = config("status-error");
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let e = err(&o);
    assert!(
        e.contains("503: TD had an internal error: Service Unavailable — Injected failure."),
        "{e}"
    );
    assert!(
        e.contains(r#"TD's answer ({status, error, details}, HTTP 503): {"status":503,"error":"Service Unavailable","details":"Injected failure"}"#),
        "{e}"
    );
    assert!(!e.contains("server-refused"), "{e}");
    assert_eq!(log(&fake), ["GET /composable_audiences 503"; 4]);
}

#[test]
fn a_403_with_a_permission_code_names_the_policy() {
    let fake = FakeTd::start();
    fake.push_faults(json!({"method": "POST", "path": "/composable_audiences", "status": 403,
        "body": {"errors": [{"code": "forbidden", "status": "403", "detail": "Not allowed in folder 'EMAIL'",
                             "meta": {"permissionCode": "SEGMENT_FOLDER_EDIT_REQUIRED"}}]}}));
    let file = config("permission");
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let e = err(&o);
    assert!(e.contains("403: permission denied"), "{e}");
    assert!(
        e.contains("SEGMENT_FOLDER_EDIT_REQUIRED (edit rights on the segment folder)"),
        "{e}"
    );
    assert!(e.contains("policy"), "{e}");
    assert!(
        !e.contains("server-refused"),
        "a permission is not in the file: {e}"
    );
}

#[test]
fn a_refused_redirect_is_never_pinned_to_a_column_named_url() {
    let fake = FakeTd::start();
    // A behavior column named `URL`, and a redirect whose body even quotes the word.
    fake.push_faults(json!({"method": "GET", "path": "/composable_audiences", "status": 301,
        "headers": {"Location": "https://elsewhere.example/"}, "body": {"message": "Moved: check the base 'URL'"}}));
    let file = config_with("redirect", "column: TD_URL", "column: URL");
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(1), "{}", both(&o));
    let e = err(&o);
    assert!(
        e.contains("301: TD answered with a redirect, which cps does not follow"),
        "{e}"
    );
    assert!(e.contains("base URL"), "{e}");
    assert!(
        !e.contains("server-refused"),
        "cps's own words are never located: {e}"
    );
    assert!(
        !e.contains("answer ("),
        "a redirect's body is not TD's word: {e}"
    );
    assert_eq!(
        log(&fake),
        ["GET /composable_audiences 301"],
        "not retried, not followed"
    );
}

#[test]
fn verbose_shows_all_of_a_long_answer() {
    let fake = FakeTd::start();
    let long = format!("{{\"message\":\"{}\"}}", "x".repeat(900));
    let rule =
        json!({"method": "POST", "path": "/composable_audiences", "status": 400, "body": long});
    let file = config("verbose");
    fake.push_faults(rule.clone());
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert!(
        err(&o).contains("… (--verbose shows all of it)"),
        "{}",
        both(&o)
    );
    assert!(!err(&o).contains(&long), "{}", both(&o));
    fake.push_faults(rule);
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes", "--verbose"]);
    assert!(err(&o).contains(&long), "{}", both(&o));
}

#[test]
fn a_key_with_a_typographic_dash_is_refused_before_anything_is_sent() {
    // U+2010 from a document: it cannot go into a header. It used to fail as a "network
    // failure", retried four times.
    let fake = FakeTd::start();
    let file = config("unicode-key");
    let o = push(&fake, Some("1/fake\u{2010}secret"), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(2), "{}", both(&o));
    assert!(err(&o).contains("not plain ASCII"), "{}", both(&o));
    assert!(!both(&o).contains("network"), "{}", both(&o));
    assert!(!both(&o).contains("fake\u{2010}secret"), "{}", both(&o));
    assert!(fake.requests().is_empty(), "{:?}", log(&fake));
    // The pasted scheme, in any case, is trimmed.
    let lower = format!("td1 {VALID_KEY}");
    let o = push(&fake, Some(&lower), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
}

#[test]
fn control_characters_in_tds_success_answer_never_reach_the_terminal() {
    let fake = FakeTd::start();
    fake.push_faults(
        json!({"method": "POST", "path": "/composable_audiences", "status": 200,
        "body": "{\"id\":\"7\\u001b[2J\",\"name\":\"n\\u001b]0;owned\\u0007\"}"}),
    );
    let file = config("escape-success");
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert!(
        !o.stdout.contains(&0x1b) && !o.stdout.contains(&0x07),
        "{}",
        both(&o)
    );
    assert!(out(&o).contains("created “n"), "{}", both(&o));
    // The same id in the lookup notes after a lost answer.
    let fake = FakeTd::start();
    // The plan's list runs for real (a shape-only rule); the lookup after the 500 gets the id.
    fake.push_faults(
        json!({"method": "GET", "path": "/composable_audiences", "times": 1,
        "shape": "code_message"}),
    );
    fake.push_faults(json!({"method": "POST", "path": "/composable_audiences", "status": 500}));
    fake.push_faults(json!({"method": "GET", "path": "/composable_audiences", "status": 200,
        "body": "[{\"id\":\"9\\u001b[2J\",\"name\":\"Retail Customers (Snowflake)\",\"attributes\":[]}]"}));
    let o = push(&fake, Some(VALID_KEY), &file, &["--yes"]);
    assert_eq!(o.status.code(), Some(0), "{}", both(&o));
    assert!(out(&o).contains(FOUND), "{}", both(&o));
    assert!(!o.stderr.contains(&0x1b), "{}", both(&o));
    assert!(!o.stdout.contains(&0x1b), "{}", both(&o));
}
