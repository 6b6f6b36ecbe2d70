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
    serve_args(td_endpoint, &[])
}

/// As `serve_with`, with more arguments (the hidden `--deadline-ms` and `--max-connections`).
fn serve_args(td_endpoint: Option<&str>, args: &[&str]) -> Server {
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
    command.args(args);
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

/// Reads until the server closes the connection (a reset counts as closed): what it sent.
fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    let mut out = Vec::new();
    let mut buf = [0; 4096];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return out,
            Ok(n) => out.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return out,
            Err(e) => panic!("the server kept the connection open: {e}"),
        }
    }
}

#[test]
fn http_1x_only() {
    let server = serve();
    let host = &server.addr;
    for (what, raw) in [
        (
            "a future version",
            format!("GET / HTTP/9.9\r\nHost: {host}\r\n\r\n"),
        ),
        ("HTTP/0.9's bare request line", "GET /\r\n\r\n".to_string()),
        (
            "no version after the target",
            format!("GET / \r\nHost: {host}\r\n\r\n"),
        ),
        (
            "HTTP/2.0 in an HTTP/1 line",
            format!("GET / HTTP/2.0\r\nHost: {host}\r\n\r\n"),
        ),
    ] {
        let r = request(&server.addr, &raw);
        assert_eq!(status(&r), 400, "{what}: {r}");
        assert!(!r.contains("<title>"), "{what}: {r}");
    }
    // HTTP/2's preface (prior knowledge) gets no HTTP/2 answer: the connection is closed.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").unwrap();
    let answer = read_until_closed(&mut s);
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 4"),
        "{answer:?}"
    );
    // HTTP/1.0 and 1.1 are served.
    let r = request(
        &server.addr,
        &format!("GET / HTTP/1.0\r\nHost: {host}\r\n\r\n"),
    );
    assert!(
        r.starts_with("HTTP/1.0 200") && r.ends_with("<title>cps</title>"),
        "{r}"
    );
}

#[test]
fn the_proxy_refuses_bodies_without_a_sound_length() {
    let fake = FakeTd::start();
    let server = serve_with(Some(&fake.base_url()));
    let host = &server.addr;
    let create = "/td/custom/cas/composable_audiences";
    let page = format!("Host: {host}\r\nAuthorization: TD1 {VALID_KEY}\r\nX-Cps-Proxy: 1\r\n");
    let too_large = (16 * 1024 * 1024 + 1).to_string();
    for (what, method, framing, body, expected) in [
        (
            "a length that is not a number",
            "POST",
            "Content-Length: abc\r\n",
            "{}",
            400,
        ),
        (
            "a negative length",
            "POST",
            "Content-Length: -5\r\n",
            "{}",
            400,
        ),
        (
            "two different lengths",
            "POST",
            "Content-Length: 2\r\nContent-Length: 3\r\n",
            "{}",
            400,
        ),
        ("no length on a POST", "POST", "", "{}", 411),
        ("no length on a PUT", "PUT", "", "{}", 411),
        (
            "a chunked body",
            "POST",
            "Transfer-Encoding: chunked\r\n",
            "2\r\n{}\r\n0\r\n\r\n",
            411,
        ),
        (
            "chunked with a length",
            "POST",
            "Transfer-Encoding: chunked\r\nContent-Length: 2\r\n",
            "2\r\n{}\r\n0\r\n\r\n",
            411,
        ),
        ("a body on a GET", "GET", "Content-Length: 2\r\n", "{}", 400),
        (
            "a body over the limit",
            "POST",
            &format!("Content-Length: {too_large}\r\n"),
            "{",
            413,
        ),
    ] {
        let path = if method == "PUT" {
            format!("{create}/1001")
        } else {
            create.to_string()
        };
        let target = if method == "GET" {
            create.to_string()
        } else {
            path
        };
        let r = request(
            &server.addr,
            &format!("{method} {target} HTTP/1.1\r\n{page}{framing}\r\n{body}"),
        );
        assert_eq!(status(&r), expected, "{what}: {r}");
    }
    // A body that is not UTF-8 text is refused, not altered on the way.
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(format!("POST {create} HTTP/1.1\r\n{page}Content-Length: 3\r\n\r\n").as_bytes())
        .unwrap();
    s.write_all(b"{\xff}").unwrap();
    let r = String::from_utf8(read_until_closed(&mut s)).unwrap();
    assert_eq!(status(&r), 400, "{r}");
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());
    assert!(fake.segments().is_empty());
}

/// Sends `bytes` one at a time, waiting up to 50 ms for an answer after each (the pace of a slow
/// client, not a measurement). Returns how many bytes went out before the server closed the
/// connection and what it sent, or `None` if it never closed it.
fn trickle(s: &mut TcpStream, bytes: &[u8]) -> Option<(usize, Vec<u8>)> {
    use std::io::ErrorKind;
    s.set_read_timeout(Some(std::time::Duration::from_millis(50)))
        .unwrap();
    let mut answer = Vec::new();
    let mut buf = [0; 1024];
    for (i, b) in bytes.iter().enumerate() {
        if s.write_all(&[*b]).is_err() {
            return Some((i, answer));
        }
        match s.read(&mut buf) {
            Ok(0) => return Some((i + 1, answer)),
            Ok(n) => answer.extend_from_slice(&buf[..n]),
            Err(e) if matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut) => {}
            Err(_) => return Some((i + 1, answer)),
        }
    }
    None
}

#[test]
fn a_trickled_request_is_cut_off_at_the_deadline() {
    // A whole request (head and body) must arrive within the deadline (here 1 s), however often
    // bytes come: a per-read timeout would never fire at one byte per 50 ms.
    let fake = FakeTd::start();
    let server = serve_args(Some(&fake.base_url()), &["--deadline-ms", "1000"]);
    let host = &server.addr;
    let mut head = format!("GET / HTTP/1.1\r\nHost: {host}\r\nX-Pad: ").into_bytes();
    head.resize(head.len() + 400, b'a');
    let mut s = TcpStream::connect(&server.addr).unwrap();
    let (sent, answer) = trickle(&mut s, &head).expect("the server never closed the connection");
    assert!(sent < head.len());
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));

    // The same for a body trickling into the proxy: nothing reaches TD.
    let body = format!("{{\"pad\":\"{}\"}}", "x".repeat(400));
    let mut s = TcpStream::connect(&server.addr).unwrap();
    s.write_all(
        format!(
            "POST /td/custom/cas/composable_audiences HTTP/1.1\r\nHost: {host}\r\n\
             Authorization: TD1 {VALID_KEY}\r\nX-Cps-Proxy: 1\r\nContent-Type: application/json\r\n\
             Content-Length: {}\r\n\r\n",
            body.len()
        )
        .as_bytes(),
    )
    .unwrap();
    let (sent, answer) =
        trickle(&mut s, body.as_bytes()).expect("the server never closed the connection");
    assert!(sent < body.len());
    assert!(answer.is_empty(), "{}", String::from_utf8_lossy(&answer));
    assert!(fake.requests().is_empty(), "{:?}", fake.requests());

    // A client that sends its request at once is served as before.
    let r = request(
        &server.addr,
        &format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n"),
    );
    assert_eq!(status(&r), 200, "{r}");
    let r = call(
        &server,
        "GET",
        "/td/custom/cas/composable_audiences",
        "",
        "",
    );
    assert_eq!(status(&r), 200, "{r}");
}

#[test]
fn connections_over_the_cap_are_refused() {
    let server = serve_args(None, &["--max-connections", "2", "--deadline-ms", "60000"]);
    let host = &server.addr;
    let get = format!("GET / HTTP/1.1\r\nHost: {host}\r\n\r\n");
    // Two idle connections hold both slots (accepted in the order they connected).
    let mut a = TcpStream::connect(&server.addr).unwrap();
    let mut b = TcpStream::connect(&server.addr).unwrap();
    let mut c = TcpStream::connect(&server.addr).unwrap();
    let refused = String::from_utf8(read_until_closed(&mut c)).unwrap();
    assert_eq!(status(&refused), 503, "{refused}");
    assert!(refused.contains("too many connections"), "{refused}");
    // The open ones are still served, and their slots are free once they are answered.
    for s in [&mut a, &mut b] {
        s.write_all(get.as_bytes()).unwrap();
        let r = String::from_utf8(read_until_closed(s)).unwrap();
        assert_eq!(status(&r), 200, "{r}");
    }
    for _ in 0..2 {
        let r = request(&server.addr, &get);
        assert_eq!(status(&r), 200, "{r}");
    }
}
