//! `cps serve` as a process: serves the built site on loopback and refuses what it must.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn serve() -> Server {
    let dir = std::env::temp_dir().join(format!("cps-serve-test-{}", std::process::id()));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    std::fs::write(dir.join("index.html"), "<!doctype html><title>cps</title>").unwrap();
    std::fs::write(dir.join("app.wasm"), b"\0asm").unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cps"))
        .args(["serve", "--port", "0", "--dir"])
        .arg(&dir)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
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
    Server { child, addr }
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
