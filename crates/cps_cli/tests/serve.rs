//! `cps serve` as a process: serves the built site on loopback and refuses what it must.

use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use td_fake::{FakeTd, VALID_KEY};

struct Server {
    child: Child,
    addr: String,
    dir: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn serve() -> Server {
    serve_with(None)
}

/// `cps serve` on a free port, forwarding the "custom" region to `td_endpoint` when given.
fn serve_with(td_endpoint: Option<&str>) -> Server {
    // A folder per server: tests run in parallel, and rewriting a shared index.html while
    // another test reads it would make that test see a partial file.
    static SERVERS: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "cps-serve-test-{}-{}",
        std::process::id(),
        SERVERS.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>cps</title>").unwrap();
    std::fs::write(dir.join("app.wasm"), b"\0asm").unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_cps"));
    command
        .args(["serve", "--port", "0", "--dir"])
        .arg(&dir)
        .stdout(Stdio::piped());
    if let Some(url) = td_endpoint {
        command.args(["--td-endpoint", url]);
    }
    let mut child = command.spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .split("http://")
        .nth(1)
        .unwrap()
        .trim()
        .trim_end_matches('/')
        .to_string();
    Server { child, addr, dir }
}

fn request(addr: &str, raw: &str) -> String {
    let mut s = TcpStream::connect(addr).unwrap();
    s.write_all(raw.as_bytes()).unwrap();
    let mut out = String::new();
    let _ = s.read_to_string(&mut out);
    out
}

#[test]
fn serves_files_with_their_types_on_loopback() {
    let server = serve();
    assert!(server.addr.starts_with("127.0.0.1:"), "{}", server.addr);
    let host = server.addr.clone();
    let r = request(
        &server.addr,
        &format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"),
    );
    assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    assert!(r.contains("Content-Type: text/html"));
    assert!(r.ends_with("<title>cps</title>"));
    let r = request(
        &server.addr,
        &format!("GET /app.wasm HTTP/1.1\r\nHost: {host}\r\n\r\n"),
    );
    assert!(r.contains("Content-Type: application/wasm"), "{r}");
    let port = host.split(':').nth(1).unwrap();
    let r = request(
        &server.addr,
        &format!("HEAD / HTTP/1.1\r\nHost: localhost:{port}\r\n\r\n"),
    );
    assert!(
        r.starts_with("HTTP/1.1 200") && !r.contains("<title>"),
        "{r}"
    );
}

#[test]
fn refuses_foreign_hosts_other_methods_and_paths_outside() {
    let server = serve();
    let host = server.addr.clone();
    // DNS rebinding: a page on another name that resolves here must not read the site.
    let r = request(
        &server.addr,
        "GET / HTTP/1.1\r\nHost: attacker.example:80\r\n\r\n",
    );
    assert!(r.starts_with("HTTP/1.1 421"), "{r}");
    let r = request(&server.addr, "GET / HTTP/1.1\r\n\r\n");
    assert!(r.starts_with("HTTP/1.1 421"), "no Host: {r}");
    let r = request(
        &server.addr,
        &format!("POST / HTTP/1.1\r\nHost: {host}\r\nContent-Length: 0\r\n\r\n"),
    );
    assert!(r.starts_with("HTTP/1.1 405"), "{r}");
    for path in ["/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/nope.js"] {
        let r = request(
            &server.addr,
            &format!("GET {path} HTTP/1.1\r\nHost: {host}\r\n\r\n"),
        );
        assert!(r.starts_with("HTTP/1.1 404"), "{path}: {r}");
    }
}

#[test]
fn refuses_a_folder_without_a_built_site() {
    let o = Command::new(env!("CARGO_BIN_EXE_cps"))
        .args(["serve", "--port", "0", "--dir", "/nonexistent-cps-dist"])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("build the page first"));
}

/// The status code of a raw response.
fn status(response: &str) -> u16 {
    response
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an HTTP response: {response:?}"))
}

/// The body of a raw response, as JSON.
fn json_body(response: &str) -> Value {
    let (_, body) = response.split_once("\r\n\r\n").unwrap();
    serde_json::from_str(body).unwrap_or_else(|e| panic!("{e}: {response}"))
}

/// A proxied call as the page makes it: own Host, `X-Cps-Proxy`, the key; plus `extra` headers.
fn call(server: &Server, method: &str, path: &str, extra: &str, body: &str) -> String {
    let host = &server.addr;
    request(
        &server.addr,
        &format!(
            "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: TD1 {VALID_KEY}\r\n\
             X-Cps-Proxy: 1\r\n{extra}Content-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    )
}

/// The API body of the example config.
fn api_body() -> String {
    let o = Command::new(env!("CARGO_BIN_EXE_cps"))
        .args(["convert", "--to", "api-json"])
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../examples/snowflake.yaml"
        ))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0));
    String::from_utf8(o.stdout).unwrap()
}

#[test]
fn the_proxy_reports_itself_and_forwards_known_calls() {
    let fake = FakeTd::start();
    let server = serve_with(Some(&fake.base_url()));
    let host = server.addr.clone();
    let r = request(
        &server.addr,
        &format!("GET /td/status HTTP/1.1\r\nHost: {host}\r\n\r\n"),
    );
    assert_eq!(status(&r), 200, "{r}");
    let v = json_body(&r);
    assert_eq!(v["proxy"], true);
    assert_eq!(v["custom"], true);
    assert!(v["regions"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == "us"));

    let r = call(
        &server,
        "GET",
        "/td/custom/api/v4/federated_query_configs",
        "",
        "",
    );
    assert_eq!(status(&r), 200, "{r}");
    let ids: Vec<u64> = json_body(&r)
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_u64().unwrap())
        .collect();
    assert_eq!(ids, [167, 168]);
    assert!(!r.contains("fake-secret"));

    let body = api_body();
    let r = call(
        &server,
        "POST",
        "/td/custom/cas/composable_audiences",
        "Content-Type: application/json\r\n",
        &body,
    );
    assert_eq!(status(&r), 200, "{r}");
    let created = json_body(&r);
    let segments = fake.segments();
    assert_eq!(segments.len(), 1);
    assert_eq!(segments[0]["id"], created["id"]);
    assert_eq!(segments[0]["name"], "Retail Customers (Snowflake)");
    let id = created["id"].as_str().unwrap();
    let r = call(
        &server,
        "GET",
        &format!("/td/custom/cas/composable_audiences/{id}"),
        "",
        "",
    );
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(json_body(&r), segments[0]);

    let paths: Vec<Value> = fake.requests().iter().map(|r| r["path"].clone()).collect();
    assert_eq!(
        paths,
        [
            json!("/v4/federated_query_configs"),
            json!("/composable_audiences"),
            json!(format!("/composable_audiences/{id}")),
        ]
    );
    assert!(fake.requests().iter().all(|r| r["auth"] == "valid"));
}

#[test]
fn the_proxy_refuses_other_pages_hosts_and_calls() {
    let fake = FakeTd::start();
    let server = serve_with(Some(&fake.base_url()));
    let host = server.addr.clone();
    let configs = "/td/custom/api/v4/federated_query_configs";

    // No X-Cps-Proxy: a cross-origin page cannot add it without a preflight.
    let r = request(
        &server.addr,
        &format!(
            "GET {configs} HTTP/1.1\r\nHost: {host}\r\nAuthorization: TD1 {VALID_KEY}\r\n\r\n"
        ),
    );
    assert_eq!(status(&r), 403, "{r}");
    assert_eq!(json_body(&r)["source"], "cps serve");
    for extra in [
        "Origin: http://evil.example\r\n",
        "Origin: null\r\n",
        "Sec-Fetch-Site: cross-site\r\n",
    ] {
        let r = call(&server, "GET", configs, extra, "");
        assert_eq!(status(&r), 403, "{extra}: {r}");
    }
    // Its own origin is fine.
    let r = call(
        &server,
        "GET",
        configs,
        &format!("Origin: http://{host}\r\n"),
        "",
    );
    assert_eq!(status(&r), 200, "{r}");
    // DNS rebinding: another name for this address.
    let r = request(
        &server.addr,
        &format!(
            "GET {configs} HTTP/1.1\r\nHost: evil.example\r\nAuthorization: TD1 {VALID_KEY}\r\nX-Cps-Proxy: 1\r\n\r\n"
        ),
    );
    assert_eq!(status(&r), 421, "{r}");
    assert_eq!(
        fake.requests().len(),
        1,
        "only the same-origin call went through"
    );

    // Calls cps does not make, and hosts outside the region table.
    for (method, path, expected) in [
        ("GET", "/td/custom/cas/v3/job/list", 404),
        ("GET", "/td/custom/api/v3/database/list", 404),
        ("GET", "/td/custom/cas/composable_audiences/1/../2", 404),
        ("GET", "/td/nowhere/cas/composable_audiences", 404),
        ("GET", "/td/evil.example/cas/composable_audiences", 404),
        ("GET", "/td/custom/other/composable_audiences", 404),
        ("DELETE", "/td/custom/cas/composable_audiences/1001", 405),
        ("PUT", "/td/custom/cas/composable_audiences", 405),
    ] {
        let r = call(&server, method, path, "", "");
        assert_eq!(status(&r), expected, "{method} {path}: {r}");
    }
    // No key, no call.
    let r = request(
        &server.addr,
        &format!("GET {configs} HTTP/1.1\r\nHost: {host}\r\nX-Cps-Proxy: 1\r\n\r\n"),
    );
    assert_eq!(status(&r), 401, "{r}");
    assert_eq!(fake.requests().len(), 1, "the fake saw nothing more");
}

#[test]
fn the_custom_region_needs_td_endpoint() {
    let server = serve();
    let r = request(
        &server.addr,
        &format!("GET /td/status HTTP/1.1\r\nHost: {}\r\n\r\n", server.addr),
    );
    assert_eq!(json_body(&r)["custom"], false);
    let r = call(
        &server,
        "GET",
        "/td/custom/api/v4/federated_query_configs",
        "",
        "",
    );
    assert_eq!(status(&r), 404, "{r}");
}

#[test]
fn the_proxy_passes_td_failures_on() {
    let fake = FakeTd::start();
    let server = serve_with(Some(&fake.base_url()));
    let list = "/td/custom/cas/composable_audiences";
    fake.push_faults(json!([
        {"method": "GET", "path": "/composable_audiences", "status": 500,
         "body": "{\"message\":\"Internal failure\"}"},
        {"method": "GET", "path": "/composable_audiences", "status": 429,
         "headers": {"Retry-After": "7"}},
        {"method": "GET", "path": "/composable_audiences", "reset": true},
    ]));
    let r = call(&server, "GET", list, "", "");
    assert_eq!(status(&r), 500, "{r}");
    assert_eq!(json_body(&r)["message"], "Internal failure");
    let r = call(&server, "GET", list, "", "");
    assert_eq!(status(&r), 429, "{r}");
    assert!(r.contains("\r\nRetry-After: 7\r\n"), "{r}");
    // A broken connection becomes 502: "may have happened", for the page's guarded create.
    let r = call(&server, "GET", list, "", "");
    assert_eq!(status(&r), 502, "{r}");
    assert_eq!(json_body(&r)["source"], "cps serve");
    // TD's own refusals pass through as they are.
    let r = request(
        &server.addr,
        &format!(
            "GET {list} HTTP/1.1\r\nHost: {}\r\nAuthorization: TD1 1/wrong\r\nX-Cps-Proxy: 1\r\n\r\n",
            server.addr
        ),
    );
    assert_eq!(status(&r), 401, "{r}");
    assert_eq!(json_body(&r)["message"], "Invalid API key");
    let r = call(&server, "GET", list, "", "");
    assert_eq!(status(&r), 200, "{r}");
    assert_eq!(json_body(&r), json!([]));
}

#[test]
fn a_refused_upload_is_answered_and_never_forwarded() {
    // Refused before the body is read: the answer still arrives, and nothing reaches TD.
    let fake = FakeTd::start();
    let server = serve_with(Some(&fake.base_url()));
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(256 * 1024));
    let host = &server.addr;
    let r = request(
        &server.addr,
        &format!(
            "POST /td/custom/cas/composable_audiences HTTP/1.1\r\nHost: {host}\r\n\
             Authorization: TD1 {VALID_KEY}\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        ),
    );
    assert_eq!(status(&r), 403, "{r}");
    assert!(fake.requests().is_empty());
}
