//! The fake over real sockets, with hand-written HTTP/1.1 (no client crate).

use serde_json::{json, Value};
use std::io::{self, BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpStream};
use std::process::{Command, Stdio};
use td_fake::{FakeTd, READ_ONLY_KEY, VALID_KEY};

struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// Sends raw bytes and reads until the server closes.
fn raw(fake: &FakeTd, request: &[u8]) -> io::Result<Vec<u8>> {
    let mut stream = TcpStream::connect(fake.addr())?;
    stream.write_all(request)?;
    let mut out = vec![];
    stream.read_to_end(&mut out)?;
    Ok(out)
}

fn parse(bytes: &[u8]) -> Reply {
    let split = bytes
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("no end of head");
    let head = std::str::from_utf8(&bytes[..split]).unwrap();
    let mut lines = head.split("\r\n");
    let status = lines
        .next()
        .unwrap()
        .split(' ')
        .nth(1)
        .unwrap()
        .parse()
        .unwrap();
    let headers = lines
        .map(|l| l.split_once(": ").unwrap())
        .map(|(n, v)| (n.to_string(), v.to_string()))
        .collect();
    Reply {
        status,
        headers,
        body: bytes[split + 4..].to_vec(),
    }
}

fn request_bytes(method: &str, path: &str, key: Option<&str>, body: Option<&Value>) -> Vec<u8> {
    let body = body.map(Value::to_string).unwrap_or_default();
    let auth = key
        .map(|k| format!("Authorization: TD1 {k}\r\n"))
        .unwrap_or_default();
    format!("{method} {path} HTTP/1.1\r\nHost: td\r\n{auth}Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}", body.len()).into_bytes()
}

fn call(fake: &FakeTd, method: &str, path: &str, key: Option<&str>, body: Option<&Value>) -> Reply {
    let reply = parse(&raw(fake, &request_bytes(method, path, key, body)).unwrap());
    let length: usize = reply.header("Content-Length").unwrap().parse().unwrap();
    assert_eq!(length, reply.body.len(), "Content-Length");
    assert_eq!(reply.header("Connection"), Some("close"));
    reply
}

fn api(fake: &FakeTd, method: &str, path: &str, body: Option<&Value>) -> Reply {
    call(fake, method, path, Some(VALID_KEY), body)
}

fn segment(name: &str) -> Value {
    json!({
        "name": name, "description": "d", "timezone": "UTC", "kind": "composable", "isComposable": true,
        "master": {"name": "customers", "federatedQueryConfigId": "167", "schema": "PUBLIC", "table": "CUSTOMERS", "keyColumn": "ID"},
        "attributes": [
            {"name": "Age", "type": "number", "schema": "PUBLIC", "table": "CUSTOMERS", "column": "AGE", "tableKey": "ID", "masterKey": "ID"},
            {"name": "City", "type": "string", "schema": "PUBLIC", "table": "CUSTOMERS", "column": "CITY", "tableKey": "ID", "masterKey": "ID"}
        ],
        "behaviors": [{"name": "views", "schema": "PUBLIC", "table": "VIEWS", "timeColumn": "TIME", "tableKey": "CID", "masterKey": "ID",
            "columnMapping": [{"name": "Url", "type": "string", "cdwColumn": "URL"}]}]
    })
}

fn state(fake: &FakeTd) -> Value {
    call(fake, "GET", "/_fake/state", None, None).json()
}

#[test]
fn unauthorized_without_a_valid_key() {
    let fake = FakeTd::start();
    let expected =
        json!({"error": "Unauthorized", "message": "Invalid API key", "severity": "error"});
    for key in [None, Some("1/wrong")] {
        let r = call(&fake, "GET", "/composable_audiences", key, None);
        assert_eq!((r.status, r.json()), (401, expected.clone()));
        assert_eq!(r.header("Content-Type"), Some("application/json"));
        assert_eq!(r.header("Access-Control-Allow-Origin"), None);
    }
    let malformed =
        b"GET /composable_audiences HTTP/1.1\r\nAuthorization: Bearer 1/fake-secret\r\n\r\n";
    assert_eq!(parse(&raw(&fake, malformed).unwrap()).status, 401);
    let log: Vec<Value> = fake.requests().iter().map(|r| r["auth"].clone()).collect();
    assert_eq!(log, ["missing", "invalid", "invalid"]);
    assert!(
        !json!(fake.requests()).to_string().contains("fake-secret"),
        "keys are never logged"
    );
}

#[test]
fn read_only_key_reads_but_cannot_write() {
    let fake = FakeTd::start();
    assert_eq!(
        call(
            &fake,
            "GET",
            "/composable_audiences",
            Some(READ_ONLY_KEY),
            None
        )
        .status,
        200
    );
    let r = call(
        &fake,
        "POST",
        "/composable_audiences",
        Some(READ_ONLY_KEY),
        Some(&segment("a")),
    );
    assert_eq!(r.status, 403);
    assert_eq!(r.json()["error"], "Forbidden");
    assert!(fake.segments().is_empty());
}

#[test]
fn create_list_show() {
    let fake = FakeTd::start();
    let r = api(
        &fake,
        "POST",
        "/composable_audiences",
        Some(&segment("Retail")),
    );
    assert_eq!(r.status, 200);
    let created = r.json();
    assert_eq!(created["id"], "1001");
    assert_eq!(created["name"], "Retail");
    assert_eq!(created["master"], segment("Retail")["master"]);
    let ids: Vec<&str> = [
        &created["attributes"][0],
        &created["attributes"][1],
        &created["behaviors"][0],
    ]
    .iter()
    .map(|i| i["id"].as_str().unwrap())
    .collect();
    assert_eq!(ids, ["5001", "5002", "5003"]);
    assert!(created["createdAt"].is_string() && created["behaviors"][0]["updatedAt"].is_string());
    assert_eq!(fake.segments(), std::slice::from_ref(&created));

    let list = api(&fake, "GET", "/composable_audiences?limit=10", None);
    let expected = json!([{"id": "1001", "name": "Retail", "description": "d", "createdAt": created["createdAt"], "updatedAt": created["updatedAt"]}]);
    assert_eq!((list.status, list.json()), (200, expected));

    assert_eq!(
        api(&fake, "GET", "/composable_audiences/1001", None).json(),
        created
    );
    let missing = api(&fake, "GET", "/composable_audiences/999", None);
    assert_eq!(
        (missing.status, missing.json()),
        (404, json!({"message": "Not found"}))
    );
}

#[test]
fn create_rejects_bad_bodies() {
    let fake = FakeTd::start();
    let message = |body: &Value| {
        let r = api(&fake, "POST", "/composable_audiences", Some(body));
        assert_eq!(r.status, 400, "{body}");
        r.json()["message"].as_str().unwrap().to_string()
    };
    let mut no_column = segment("x");
    no_column["attributes"][0]
        .as_object_mut()
        .unwrap()
        .remove("column");
    assert_eq!(message(&no_column), "attributes[0].column is required");
    let mut bad_type = segment("x");
    bad_type["behaviors"][0]["columnMapping"][0]["type"] = json!("long");
    assert_eq!(
        message(&bad_type),
        "Type is not included in the list: 'long'"
    );
    // The published schema (S31): `type` and `timeColumn` may be left out, TD fills the type.
    let mut optional = segment("optional");
    optional["attributes"][0]
        .as_object_mut()
        .unwrap()
        .remove("type");
    optional["behaviors"][0]
        .as_object_mut()
        .unwrap()
        .remove("timeColumn");
    optional["behaviors"][0]["columnMapping"][0]["type"] = json!("date");
    let r = api(&fake, "POST", "/composable_audiences", Some(&optional));
    assert_eq!(r.status, 200, "{}", String::from_utf8_lossy(&r.body));
    let mut no_mapping = segment("x");
    no_mapping["behaviors"][0]["columnMapping"] = json!([]);
    assert_eq!(
        message(&no_mapping),
        "behaviors[0].columnMapping is required"
    );
    let mut not_composable = segment("x");
    not_composable["isComposable"] = json!("true");
    assert_eq!(message(&not_composable), "isComposable is required");

    let r = parse(&raw(&fake, b"POST /composable_audiences HTTP/1.1\r\nAuthorization: TD1 1/fake-secret\r\nContent-Length: 5\r\n\r\n{nope").unwrap());
    assert_eq!(
        (r.status, r.json()),
        (400, json!({"message": "Invalid JSON"}))
    );

    fake.set_catalog(json!({"CUSTOMERS": ["ID", "AGE", "CITY"], "VIEWS": ["CID", "TIME"]}));
    assert_eq!(
        message(&segment("x")),
        "Column not found: 'URL', Available columns: CID, TIME"
    );
    call(&fake, "DELETE", "/_fake/catalog", None, None);

    assert_eq!(
        api(&fake, "POST", "/composable_audiences", Some(&segment("x"))).status,
        200
    );
    assert!(message(&segment("x")).contains("already been taken"));
    assert_eq!(fake.segments().len(), 2, "`optional` and one `x`");
}

#[test]
fn update_replaces_and_renumbers() {
    let fake = FakeTd::start();
    let first = api(&fake, "POST", "/composable_audiences", Some(&segment("A"))).json();
    api(&fake, "POST", "/composable_audiences", Some(&segment("B")));
    let mut changed = first.clone();
    changed["attributes"].as_array_mut().unwrap().truncate(1);
    changed["description"] = json!("new");

    let r = api(&fake, "PUT", "/composable_audiences/1001", Some(&changed));
    assert_eq!(r.status, 200);
    let updated = r.json();
    assert_eq!(
        (updated["id"].as_str(), updated["description"].as_str()),
        (Some("1001"), Some("new"))
    );
    assert_eq!(updated["createdAt"], first["createdAt"]);
    assert_ne!(updated["updatedAt"], first["updatedAt"]);
    assert_eq!(updated["attributes"].as_array().unwrap().len(), 1);
    assert_eq!(
        (
            updated["attributes"][0]["id"].as_str(),
            updated["behaviors"][0]["id"].as_str()
        ),
        (Some("5007"), Some("5008"))
    );
    assert_eq!(fake.segments()[0], updated);

    changed["name"] = json!("B");
    assert_eq!(
        api(&fake, "PUT", "/composable_audiences/1001", Some(&changed)).status,
        400,
        "name clash with another segment"
    );
    assert_eq!(
        api(&fake, "PUT", "/composable_audiences/42", Some(&changed)).status,
        404
    );
}

#[test]
fn configs_and_routing() {
    let fake = FakeTd::start();
    let configs = api(&fake, "GET", "/v4/federated_query_configs", None).json();
    let summary: Vec<(u64, &str)> = configs
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["id"].as_u64().unwrap(), c["name"].as_str().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [(167, "snowflake_conn"), (168, "snowflake_conn_new")]
    );
    assert_eq!(configs[0]["settings"]["private_key"], "***");

    assert_eq!(api(&fake, "GET", "/audiences", None).status, 404);
    assert_eq!(
        api(&fake, "GET", "/composable_audiences/", None).status,
        404
    );
    let r = api(&fake, "DELETE", "/composable_audiences", None);
    assert_eq!((r.status, r.header("Allow")), (405, Some("GET, POST")));
    assert_eq!(
        api(&fake, "POST", "/v4/federated_query_configs", None).status,
        405
    );
}

#[test]
fn commit_fault_stores_but_answers_500() {
    let fake = FakeTd::start();
    fake.push_faults(json!([{"method": "POST", "path": "/composable_audiences", "status": 500, "commit": true, "headers": {"Retry-After": "1"}}]));
    let r = api(&fake, "POST", "/composable_audiences", Some(&segment("A")));
    assert_eq!(
        (r.status, r.json()),
        (500, json!({"message": "Injected failure"}))
    );
    assert_eq!(r.header("Retry-After"), Some("1"));
    assert_eq!(fake.segments().len(), 1, "the server did it");

    // Without commit nothing is stored, and a custom body is sent as given.
    fake.push_faults(
        json!([{"path": "/composable_*", "status": 503, "body": "{\"message\":\"busy\"}"}]),
    );
    let r = api(&fake, "POST", "/composable_audiences", Some(&segment("B")));
    assert_eq!((r.status, r.json()), (503, json!({"message": "busy"})));
    assert_eq!(fake.segments().len(), 1);
}

#[test]
fn refusals_come_in_each_of_tds_error_shapes() {
    let fake = FakeTd::start();
    // Two columns the catalog lacks: the default shape names the first, JSON:API both.
    fake.set_catalog(json!({"CUSTOMERS": ["ID", "CITY"], "VIEWS": ["CID", "TIME"]}));
    let post = |shape: &str| {
        fake.push_faults(
            json!({"method": "POST", "path": "/composable_audiences", "shape": shape}),
        );
        api(&fake, "POST", "/composable_audiences", Some(&segment("x")))
    };
    let r = post("code_message");
    assert_eq!(
        (r.status, r.json()),
        (
            400,
            json!({"code": "BAD_REQUEST", "message": "Column not found: 'AGE', Available columns: ID, CITY"})
        )
    );
    let r = post("json_api");
    assert_eq!(r.status, 400);
    assert_eq!(
        r.json(),
        json!({"errors": [
            {"code": "BAD_REQUEST", "status": "400", "detail": "Column not found: 'AGE', Available columns: ID, CITY",
             "source": {"pointer": "/attributes/0/column"}, "meta": {"validationCode": "INVALID_FORMAT_OR_ASSOCIATION"}},
            {"code": "BAD_REQUEST", "status": "400", "detail": "Column not found: 'URL', Available columns: CID, TIME",
             "source": {"pointer": "/behaviors/0/columnMapping/0/cdwColumn"}, "meta": {"validationCode": "INVALID_FORMAT_OR_ASSOCIATION"}},
        ]})
    );
    let r = post("status_error");
    assert_eq!(
        r.json(),
        json!({"status": 400, "error": "Bad Request", "details": "Column not found: 'AGE', Available columns: ID, CITY"})
    );
    // A required field: its path becomes the pointer, `CANNOT_BE_BLANK` the code.
    fake.set_catalog(Value::Null);
    let mut no_column = segment("x");
    no_column["attributes"][1]
        .as_object_mut()
        .unwrap()
        .remove("column");
    fake.push_faults(json!({"shape": "json_api"}));
    let r = api(&fake, "POST", "/composable_audiences", Some(&no_column));
    assert_eq!(
        r.json()["errors"][0]["source"],
        json!({"pointer": "/attributes/1/column"})
    );
    assert_eq!(
        r.json()["errors"][0]["meta"],
        json!({"validationCode": "CANNOT_BE_BLANK"})
    );
    // An injected failure and the key's refusal take the shape too; a success is untouched.
    fake.push_faults(json!({"status": 503, "shape": "status_error"}));
    let r = api(&fake, "GET", "/composable_audiences", None);
    assert_eq!(
        (r.status, r.json()),
        (
            503,
            json!({"status": 503, "error": "Service Unavailable", "details": "Injected failure"})
        )
    );
    fake.push_faults(json!({"shape": "code_message"}));
    let r = call(&fake, "GET", "/composable_audiences", Some("9/nope"), None);
    assert_eq!(
        (r.status, r.json()),
        (
            401,
            json!({"code": "UNAUTHORIZED", "message": "Invalid API key"})
        )
    );
    fake.push_faults(json!({"shape": "json_api"}));
    let r = api(&fake, "POST", "/composable_audiences", Some(&segment("y")));
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["name"], "y");
    assert_eq!(state(&fake)["faults_left"], 0);
    // The same name again: a uniqueness error on the name.
    fake.push_faults(json!({"shape": "json_api"}));
    let r = api(&fake, "POST", "/composable_audiences", Some(&segment("y")));
    assert_eq!(r.json()["errors"][0]["source"], json!({"pointer": "/name"}));
    assert_eq!(
        r.json()["errors"][0]["meta"],
        json!({"validationCode": "VIOLATES_UNIQUENESS_CONSTRAINT"})
    );
    let bad = call(
        &fake,
        "POST",
        "/_fake/faults",
        None,
        Some(&json!({"shape": "xml"})),
    );
    assert_eq!(bad.status, 400);
}

#[test]
fn reset_closes_without_a_response() {
    let fake = FakeTd::start();
    fake.push_faults(
        json!([{"path": "/composable_audiences", "reset": true, "commit": true}, {"reset": true}]),
    );
    for _ in 0..2 {
        let mut stream = TcpStream::connect(fake.addr()).unwrap();
        stream
            .write_all(&request_bytes(
                "POST",
                "/composable_audiences",
                Some(VALID_KEY),
                Some(&segment("A")),
            ))
            .unwrap();
        let mut out = vec![];
        let result = stream.read_to_end(&mut out);
        assert!(out.is_empty());
        // Linux turns a close with unread request bytes into RST.
        #[cfg(target_os = "linux")]
        assert_eq!(result.unwrap_err().kind(), io::ErrorKind::ConnectionReset);
        #[cfg(not(target_os = "linux"))]
        let _ = result;
    }
    assert_eq!(
        fake.segments().len(),
        1,
        "only the committing rule stored it"
    );
    let statuses: Vec<Value> = fake
        .requests()
        .iter()
        .map(|r| r["status"].clone())
        .collect();
    assert_eq!(statuses, [Value::Null, Value::Null]);
}

#[test]
fn truncate_sends_a_short_body() {
    let fake = FakeTd::start();
    fake.push_faults(json!({"method": "GET", "truncate": true, "commit": true}));
    let bytes = raw(
        &fake,
        &request_bytes("GET", "/v4/federated_query_configs", Some(VALID_KEY), None),
    )
    .unwrap();
    let r = parse(&bytes);
    let announced: usize = r.header("Content-Length").unwrap().parse().unwrap();
    assert_eq!(r.status, 200);
    assert!(
        r.body.len() < announced && !r.body.is_empty(),
        "{} of {announced}",
        r.body.len()
    );
}

#[test]
fn rules_count_their_uses() {
    let fake = FakeTd::start();
    let pushed = call(
        &fake,
        "POST",
        "/_fake/faults",
        None,
        Some(&json!([{"method": "GET", "status": 502, "times": 2}, {"delay_ms": 1}])),
    );
    assert_eq!(pushed.json()["faults_left"], 3);
    assert_eq!(
        api(&fake, "POST", "/composable_audiences", Some(&segment("A"))).status,
        200,
        "POST skips the GET rule and uses the delay rule"
    );
    assert_eq!(state(&fake)["faults_left"], 2);
    let statuses: Vec<u16> = (0..3)
        .map(|_| api(&fake, "GET", "/composable_audiences", None).status)
        .collect();
    assert_eq!(statuses, [502, 502, 200]);
    assert_eq!(state(&fake)["faults_left"], 0);

    let bad = call(
        &fake,
        "POST",
        "/_fake/faults",
        None,
        Some(&json!([{"status": 500, "tiems": 2}])),
    );
    assert_eq!(bad.status, 400);
    fake.push_faults(json!([{"status": 500}]));
    assert_eq!(
        call(&fake, "DELETE", "/_fake/faults", None, None).json()["faults_left"],
        0
    );
}

#[test]
fn control_api_state_seed_and_reset() {
    let fake = FakeTd::start();
    let seeded = call(
        &fake,
        "POST",
        "/_fake/segments",
        None,
        Some(&json!({"name": "seeded", "attributes": [{"name": "a"}]})),
    )
    .json();
    assert_eq!(
        (
            seeded["id"].as_str(),
            seeded["attributes"][0]["id"].as_str()
        ),
        (Some("1001"), Some("5001"))
    );
    assert_eq!(fake.seed(json!({"name": "two"}))["id"], "1002");
    assert_eq!(
        call(
            &fake,
            "POST",
            "/_fake/segments",
            None,
            Some(&json!({"name": ""}))
        )
        .status,
        400
    );
    api(&fake, "GET", "/composable_audiences/1001", None);

    let st = state(&fake);
    assert_eq!(st["segments"].as_array().unwrap().len(), 2);
    assert_eq!(
        st["requests"],
        json!([{"method": "GET", "path": "/composable_audiences/1001", "auth": "valid", "status": 200}])
    );

    call(
        &fake,
        "POST",
        "/_fake/catalog",
        None,
        Some(&json!({"CUSTOMERS": ["ID"]})),
    );
    assert_eq!(
        call(
            &fake,
            "POST",
            "/_fake/catalog",
            None,
            Some(&json!({"T": "ID"}))
        )
        .status,
        400
    );
    assert_eq!(call(&fake, "POST", "/_fake/reset", None, None).status, 200);
    assert_eq!(
        state(&fake),
        json!({"segments": [], "requests": [], "faults_left": 0})
    );
    // The catalog went too: a create with columns outside it succeeds, with ids from the start.
    assert_eq!(
        api(&fake, "POST", "/composable_audiences", Some(&segment("A"))).json()["id"],
        "1001"
    );
    assert_eq!(call(&fake, "GET", "/_fake/nothing", None, None).status, 404);
    assert_eq!(call(&fake, "GET", "/_fake/reset", None, None).status, 405);
}

#[test]
fn malformed_requests_get_400_and_the_server_survives() {
    let fake = FakeTd::start();
    let big_header = format!("GET / HTTP/1.1\r\nX: {}\r\n\r\n", "a".repeat(20_000));
    let cases: [(&[u8], u16); 8] = [
        (b"GARBAGE\r\n\r\n", 400),
        (b"GET /x HTTP/1.1 extra\r\n\r\n", 400),
        (b"GET x HTTP/1.1\r\n\r\n", 400),
        (b"GET / HTTP/1.1\r\nno colon\r\n\r\n", 400),
        (b"\xff\xfe / HTTP/1.1\r\n\r\n", 400),
        (
            b"POST /composable_audiences HTTP/1.1\r\nContent-Length: 1x\r\n\r\n",
            400,
        ),
        (
            b"POST /composable_audiences HTTP/1.1\r\nContent-Length: 99999999999\r\n\r\n",
            413,
        ),
        (big_header.as_bytes(), 431),
    ];
    for (request, status) in cases {
        let reply = parse(&raw(&fake, request).unwrap());
        assert_eq!(
            reply.status,
            status,
            "{}",
            String::from_utf8_lossy(&request[..request.len().min(60)])
        );
    }
    // A request cut short: the client half-closes and still gets its 400.
    let mut stream = TcpStream::connect(fake.addr()).unwrap();
    stream
        .write_all(b"POST /composable_audiences HTTP/1.1\r\nContent-Length: 10\r\n\r\nabc")
        .unwrap();
    stream.shutdown(Shutdown::Write).unwrap();
    let mut out = vec![];
    stream.read_to_end(&mut out).unwrap();
    assert_eq!(parse(&out).status, 400);
    // Connecting and leaving without a byte is fine too.
    drop(TcpStream::connect(fake.addr()).unwrap());

    assert_eq!(api(&fake, "GET", "/composable_audiences", None).status, 200);
    assert!(
        fake.requests()
            .iter()
            .all(|r| r["path"] == "/composable_audiences"),
        "malformed requests are not logged"
    );
}

#[test]
fn expect_continue_is_answered() {
    let fake = FakeTd::start();
    let body = segment("A").to_string();
    let mut stream = TcpStream::connect(fake.addr()).unwrap();
    let head = format!("POST /composable_audiences HTTP/1.1\r\nAuthorization: TD1 {VALID_KEY}\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n", body.len());
    stream.write_all(head.as_bytes()).unwrap();
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut line = String::new();
    reader.read_line(&mut line).unwrap();
    assert_eq!(line, "HTTP/1.1 100 Continue\r\n");
    reader.read_line(&mut line).unwrap();
    stream.write_all(body.as_bytes()).unwrap();
    let mut rest = vec![];
    reader.read_to_end(&mut rest).unwrap();
    assert_eq!(parse(&rest).status, 200);
}

#[test]
fn binary_prints_its_address_and_exits_on_stdin_eof() {
    let mut child = Command::new(env!("CARGO_BIN_EXE_td-fake"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line
        .strip_prefix("td-fake: listening on http://")
        .expect(&line)
        .trim_end();
    let mut stream = TcpStream::connect(url).unwrap();
    stream
        .write_all(
            b"GET /v4/federated_query_configs HTTP/1.1\r\nAuthorization: TD1 1/fake-secret\r\n\r\n",
        )
        .unwrap();
    let mut out = vec![];
    stream.read_to_end(&mut out).unwrap();
    assert_eq!(parse(&out).status, 200);

    drop(child.stdin.take());
    assert!(child.wait().unwrap().success());
    let mut rest = String::new();
    stdout.read_to_string(&mut rest).unwrap();
    assert_eq!(rest, "", "exactly one line of output");
}
