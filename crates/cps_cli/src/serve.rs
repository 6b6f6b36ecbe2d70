//! `cps serve`: serves the built page (`dist/`) on loopback, and forwards the page's calls to TD
//! (`/td/<region>/<service>/<path>`) for browsers that TD's hosts refuse (CORS).
//!
//! A small, closed server: files under the served folder only (GET/HEAD); requests whose Host
//! is not this server are refused (a DNS-rebinding page cannot read it); the proxy forwards only
//! the calls in `cps_td_api::endpoints` to the hosts in its region table (or the one
//! `--td-endpoint` names), only for this origin, and never logs keys, bodies or paths.

use cps_td_api::endpoints::{self, Service, Target, ENDPOINTS, PROXY_HEADER};
use cps_td_api::native::NativeTransport;
use cps_td_api::{ApiKey, Request, TransportError};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Larger bodies are refused; the core reads at most this much anyway.
const MAX_BODY: usize = cps_core::MAX_INPUT_BYTES;

struct Site {
    root: PathBuf,
    /// `127.0.0.1:8080` and `localhost:8080`: the only Host values served.
    hosts: Vec<String>,
    custom: Option<String>,
    upstream: NativeTransport,
}

pub fn run(dir: &Path, host: &str, port: u16, custom: Option<String>) -> Result<(), String> {
    let index = dir.join("index.html");
    if !index.is_file() {
        return Err(format!(
            "{} has no index.html: build the page first (`cargo xtask build-web`)",
            dir.display()
        ));
    }
    if let Some(c) = &custom {
        if !(c.starts_with("http://") || c.starts_with("https://")) {
            return Err(format!("--td-endpoint must be an http(s) URL, not `{c}`"));
        }
    }
    let listener = TcpListener::bind((host, port))
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let site = Arc::new(Site {
        root: dir.canonicalize().map_err(|e| e.to_string())?,
        hosts: vec![format!("{addr}"), format!("localhost:{}", addr.port())],
        custom,
        upstream: NativeTransport::new(std::time::Duration::from_secs(90)),
    });
    println!("cps: serving {} at http://{addr}/", dir.display());
    let _ = std::io::stdout().flush();
    for stream in listener.incoming().flatten() {
        let site = site.clone();
        std::thread::spawn(move || {
            let _ = handle(stream, &site);
        });
    }
    Ok(())
}

struct Head {
    method: String,
    target: String,
    headers: Vec<(String, String)>,
}

impl Head {
    fn get(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

fn read_head(reader: &mut impl BufRead) -> std::io::Result<Head> {
    let mut request_line = String::new();
    reader.read_line(&mut request_line)?;
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 || line == "\r\n" || line == "\n" {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            headers.push((k.trim().to_string(), v.trim().to_string()));
        }
    }
    let mut parts = request_line.split_whitespace();
    Ok(Head {
        method: parts.next().unwrap_or("").to_string(),
        target: parts.next().unwrap_or("").to_string(),
        headers,
    })
}

fn handle(mut stream: TcpStream, site: &Site) -> std::io::Result<()> {
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10)))?;
    let mut reader = BufReader::new(stream.try_clone()?);
    let head = read_head(&mut (&mut reader).take(16 * 1024))?;
    let is_head = head.method == "HEAD";
    if !head
        .get("host")
        .is_some_and(|h| site.hosts.iter().any(|a| a == h))
    {
        return respond(
            &mut stream,
            421,
            "text/plain",
            b"misdirected request: unknown Host\n",
            &[],
            is_head,
        );
    }
    let path = head
        .target
        .split(['?', '#'])
        .next()
        .unwrap_or("/")
        .to_string();
    if path == "/td" || path.starts_with("/td/") {
        proxy(&mut stream, &mut reader, &head, &path, site)?;
        // A refusal may leave the body unread; closing with unread bytes makes the OS reset the
        // connection, and some browsers then lose the answer. Finish sending, then drain a little.
        let _ = stream.shutdown(std::net::Shutdown::Write);
        let _ = stream.set_read_timeout(Some(std::time::Duration::from_secs(1)));
        let _ = std::io::copy(&mut reader.take(1 << 20), &mut std::io::sink());
        return Ok(());
    }
    if head.method != "GET" && !is_head {
        return respond(
            &mut stream,
            405,
            "text/plain",
            b"method not allowed\n",
            &[],
            false,
        );
    }
    let Some(file) = resolve(&site.root, &path) else {
        return respond(&mut stream, 404, "text/plain", b"not found\n", &[], is_head);
    };
    match std::fs::read(&file) {
        Ok(body) => respond(&mut stream, 200, content_type(&file), &body, &[], is_head),
        Err(_) => respond(&mut stream, 404, "text/plain", b"not found\n", &[], is_head),
    }
}

fn json_error(stream: &mut TcpStream, status: u16, message: &str) -> std::io::Result<()> {
    let body = serde_json::json!({ "message": message, "source": "cps serve" }).to_string();
    respond(
        stream,
        status,
        "application/json",
        body.as_bytes(),
        &[],
        false,
    )
}

/// `/td/status` tells the page the proxy is there; `/td/<region>/<service>/<path>` forwards.
fn proxy(
    stream: &mut TcpStream,
    reader: &mut impl Read,
    head: &Head,
    path: &str,
    site: &Site,
) -> std::io::Result<()> {
    // Only this page may use the proxy: a browser sends Origin on cross-origin calls and on
    // every POST/PUT, and a cross-origin page cannot add the custom header without a preflight
    // (which is never answered). A terminal (curl) sends neither Origin nor Sec-Fetch-Site.
    let own = head.get("host").map(|h| format!("http://{h}"));
    if head
        .get("origin")
        .is_some_and(|o| Some(o) != own.as_deref())
        || head
            .get("sec-fetch-site")
            .is_some_and(|s| s != "same-origin" && s != "none")
    {
        return json_error(
            stream,
            403,
            "cps serve forwards calls from its own page only",
        );
    }
    if path == "/td/status" {
        let regions: Vec<_> = endpoints::REGIONS
            .iter()
            .map(|r| serde_json::json!({ "id": r.id, "label": r.label, "cas": r.cas.is_some() }))
            .collect();
        let body = serde_json::json!({ "proxy": true, "regions": regions, "custom": site.custom.is_some() })
            .to_string();
        return respond(
            stream,
            200,
            "application/json",
            body.as_bytes(),
            &[],
            head.method == "HEAD",
        );
    }
    if head.get(PROXY_HEADER.0) != Some(PROXY_HEADER.1) {
        return json_error(stream, 403, "missing the X-Cps-Proxy header the page sends");
    }
    let Some((target, service, rest)) = route(path, site) else {
        return json_error(
            stream,
            404,
            "cps serve forwards only the TD calls cps makes, to the hosts of its region table",
        );
    };
    let methods: Vec<_> = ENDPOINTS
        .iter()
        .filter(|e| e.service == service && path_matches(e.path, rest))
        .map(|e| e.method)
        .collect();
    // A path cps never calls is not there (404); a known path with another method is 405.
    if methods.is_empty() {
        return json_error(
            stream,
            404,
            "cps serve forwards only the TD calls cps makes",
        );
    }
    let Some(method) = methods.into_iter().find(|m| m.as_str() == head.method) else {
        return json_error(stream, 405, "method not allowed for this TD call");
    };
    let Some(key) = head
        .get("authorization")
        .and_then(|a| a.strip_prefix("TD1 "))
        .and_then(|k| ApiKey::new(k).ok())
    else {
        return json_error(stream, 401, "no TD1 Authorization header");
    };
    let length: usize = head
        .get("content-length")
        .and_then(|l| l.parse().ok())
        .unwrap_or(0);
    if length > MAX_BODY {
        return json_error(stream, 413, "body too large");
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body)?;
    let base = match target.base(service) {
        Ok(b) => b,
        Err(e) => return json_error(stream, 404, &e),
    };
    let mut headers = vec![("Accept".to_string(), "application/json".to_string())];
    if let Some(ct) = head.get("content-type") {
        headers.push(("Content-Type".into(), ct.to_string()));
    }
    let request = Request {
        method,
        url: format!("{base}{rest}"),
        headers,
        key,
        body: (length > 0).then(|| String::from_utf8_lossy(&body).into_owned()),
    };
    match site.upstream.send_blocking(&request) {
        Ok(r) => {
            let retry = r.retry_after.map(|s| ("Retry-After", s.to_string()));
            let extra: Vec<(&str, String)> = retry.into_iter().collect();
            respond(
                stream,
                r.status,
                "application/json",
                r.body.as_bytes(),
                &extra,
                false,
            )
        }
        Err(TransportError::Timeout) => json_error(stream, 504, "TD did not answer in time"),
        // The page reads a 502 as "may have happened", like a broken connection.
        Err(TransportError::Network(e)) | Err(TransportError::Body(e)) => {
            json_error(stream, 502, &format!("cps serve could not reach TD: {e}"))
        }
    }
}

/// `/td/<region>/<service><rest>` → where to send it. Regions come from the table; `custom` only
/// when `--td-endpoint` was given.
fn route<'a>(path: &'a str, site: &Site) -> Option<(Target, Service, &'a str)> {
    let mut parts = path.strip_prefix("/td/")?.splitn(3, '/');
    let (region, service) = (parts.next()?, Service::parse(parts.next()?)?);
    let rest = &path[4 + region.len() + 1 + service.as_str().len()..];
    let target = match (region, &site.custom) {
        ("custom", Some(url)) => Target::Custom(url.clone()),
        _ => Target::Region(endpoints::region(region)?),
    };
    Some((target, service, rest))
}

/// Whether `rest` is an instance of an endpoint's path template (`{id}`: one plain segment).
fn path_matches(template: &str, rest: &str) -> bool {
    let (t, r): (Vec<_>, Vec<_>) = (template.split('/').collect(), rest.split('/').collect());
    t.len() == r.len()
        && t.iter().zip(&r).all(|(t, r)| {
            if *t == "{id}" {
                !r.is_empty()
                    && r.bytes()
                        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
            } else {
                t == r
            }
        })
}

/// Maps a URL path to a file under `root`, refusing anything that would leave it.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let decoded = percent_decode(url_path)?;
    let rel = decoded.trim_start_matches('/');
    let rel = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    let rel = Path::new(&rel);
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let full = root.join(rel).canonicalize().ok()?;
    (full.starts_with(root) && full.is_file()).then_some(full)
}

fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = std::str::from_utf8(bytes.get(i + 1..i + 3)?).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "wasm" => "application/wasm",
        "css" => "text/css; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "ico" => "image/x-icon",
        "yaml" | "yml" | "txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

fn respond(
    stream: &mut TcpStream,
    status: u16,
    ctype: &str,
    body: &[u8],
    extra: &[(&str, String)],
    head: bool,
) -> std::io::Result<()> {
    let reason = match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        413 => "Payload Too Large",
        421 => "Misdirected Request",
        429 => "Too Many Requests",
        502 => "Bad Gateway",
        504 => "Gateway Timeout",
        s if s >= 500 => "Server Error",
        _ => "Status",
    };
    let mut header = format!(
        "HTTP/1.1 {status} {reason}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nX-Content-Type-Options: nosniff\r\nReferrer-Policy: no-referrer\r\nConnection: close\r\n",
        body.len()
    );
    for (k, v) in extra {
        header.push_str(&format!("{k}: {v}\r\n"));
    }
    header.push_str("\r\n");
    stream.write_all(header.as_bytes())?;
    if !head {
        stream.write_all(body)?;
    }
    stream.flush()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_known_call_paths_are_forwarded() {
        assert!(path_matches(
            "/composable_audiences",
            "/composable_audiences"
        ));
        assert!(path_matches(
            "/composable_audiences/{id}",
            "/composable_audiences/1001"
        ));
        assert!(!path_matches(
            "/composable_audiences/{id}",
            "/composable_audiences/"
        ));
        assert!(!path_matches(
            "/composable_audiences/{id}",
            "/composable_audiences/..%2F"
        ));
        assert!(!path_matches("/composable_audiences", "/v3/job/list"));
        let site = Site {
            root: PathBuf::new(),
            hosts: vec![],
            custom: None,
            upstream: NativeTransport::new(std::time::Duration::from_secs(1)),
        };
        let (t, s, rest) = route("/td/eu01/cas/composable_audiences", &site).unwrap();
        assert_eq!(s, Service::Cas);
        assert_eq!(rest, "/composable_audiences");
        assert_eq!(t.base(s).unwrap(), "https://api-cas.eu01.treasuredata.com");
        assert!(route("/td/custom/cas/composable_audiences", &site).is_none());
        assert!(route("/td/evil.example/cas/x", &site).is_none());
        assert!(route("/td/us/other/x", &site).is_none());
    }

    #[test]
    fn paths_cannot_leave_the_root() {
        let root = std::env::temp_dir().join(format!("cps-serve-{}", std::process::id()));
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("index.html"), "x").unwrap();
        std::fs::write(root.join("sub/a b.js"), "x").unwrap();
        let root = root.canonicalize().unwrap();
        assert!(resolve(&root, "/").unwrap().ends_with("index.html"));
        assert!(resolve(&root, "/sub/a%20b.js").is_some());
        for bad in [
            "/../etc/passwd",
            "/sub/../../x",
            "/%2e%2e/x",
            "//etc/passwd",
            "/nope",
        ] {
            assert!(resolve(&root, bad).is_none(), "{bad}");
        }
    }
}
