//! What `cps serve` does with a request, decided from the request's parts alone: no sockets, no
//! files, no clock, so every rule is a unit test. `serve.rs` does the I/O around it.
//!
//! The rules: only this server's own Host (a DNS-rebinding page cannot read it); files by GET or
//! HEAD, never outside the folder; under `/td/` only this page's calls (no foreign `Origin` or
//! `Sec-Fetch-Site`, the `X-Cps-Proxy` header), only the paths and methods of
//! `cps_td_api::endpoints`, only to its region table's hosts (or `--td-endpoint`), and only bodies
//! whose length is declared and within the limit.

use cps_td_api::endpoints::{self, Service, Target, ENDPOINTS, PROXY_HEADER};
use cps_td_api::{ApiKey, Request, Response, TransportError};
use http::header::{self, HeaderMap, HeaderValue};
use http::{Method, StatusCode};
use std::path::{Component, Path, PathBuf};

/// Larger bodies are refused; the core reads at most this much anyway.
pub const MAX_BODY: usize = cps_core::MAX_INPUT_BYTES;

pub struct Policy {
    /// `127.0.0.1:8080` and `localhost:8080`: the only Host values served.
    pub hosts: Vec<String>,
    /// `--td-endpoint`: where the "custom" region goes, when given.
    pub custom: Option<String>,
}

/// What to do with a request.
#[derive(Debug)]
pub enum Decision {
    /// A file under the served folder, as a relative path of plain components.
    File(PathBuf),
    /// `GET /td/status`: the page asks whether the proxy is there.
    Status,
    /// A TD call to forward once its body (of exactly `length` bytes) has arrived.
    Forward { request: Request, length: usize },
    /// Answered at once; the body, if any, is never read.
    Refuse(Reply),
}

/// An answer, before it becomes HTTP.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    pub status: StatusCode,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// TD's `Retry-After`, passed on.
    pub retry_after: Option<u64>,
}

impl Reply {
    pub fn new(status: StatusCode, content_type: &'static str, body: Vec<u8>) -> Reply {
        Reply {
            status,
            content_type,
            body,
            retry_after: None,
        }
    }

    fn text(status: StatusCode, message: &str) -> Reply {
        Reply::new(status, "text/plain", format!("{message}\n").into_bytes())
    }

    /// The proxy's own refusals: JSON like TD's, marked as coming from cps serve so the page can
    /// tell them from TD's.
    pub fn json_error(status: StatusCode, message: &str) -> Reply {
        let body = serde_json::json!({ "message": message, "source": "cps serve" }).to_string();
        Reply::new(status, "application/json", body.into_bytes())
    }

    /// The HTTP response. Nothing is cached or sniffed, no Referer leaves the page, and every
    /// connection serves one request. (For HEAD, hyper sends the head only.)
    pub fn into_response(self) -> http::Response<Vec<u8>> {
        let mut response = http::Response::new(self.body);
        *response.status_mut() = self.status;
        let h = response.headers_mut();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static(self.content_type),
        );
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        h.insert(
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        );
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("no-referrer"),
        );
        h.insert(header::CONNECTION, HeaderValue::from_static("close"));
        if let Some(s) = self.retry_after {
            h.insert(header::RETRY_AFTER, HeaderValue::from(s));
        }
        response
    }
}

/// The decision for a request's method, target and headers.
pub fn decide(policy: &Policy, req: &http::request::Parts) -> Decision {
    let Some(host) = own_host(policy, req) else {
        return Decision::Refuse(Reply::text(
            StatusCode::MISDIRECTED_REQUEST,
            "misdirected request: unknown Host",
        ));
    };
    let path = req.uri.path();
    if path == "/td" || path.starts_with("/td/") {
        return proxy(policy, req, host, path);
    }
    if req.method != Method::GET && req.method != Method::HEAD {
        return Decision::Refuse(Reply::text(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed",
        ));
    }
    match relative_path(path) {
        Some(rel) => Decision::File(rel),
        None => Decision::Refuse(not_found()),
    }
}

pub fn not_found() -> Reply {
    Reply::text(StatusCode::NOT_FOUND, "not found")
}

/// The request's Host when it names this server: exactly one Host header, one of ours, and the
/// same authority if the target is in absolute form (`GET http://…/ HTTP/1.1`).
fn own_host<'a>(policy: &Policy, req: &'a http::request::Parts) -> Option<&'a str> {
    let mut all = req.headers.get_all(header::HOST).iter();
    let host = all.next()?.to_str().ok()?;
    let ours = |h: &str| policy.hosts.iter().any(|a| a == h);
    let authority_ok = req.uri.authority().is_none_or(|a| ours(a.as_str()));
    (all.next().is_none() && ours(host) && authority_ok).then_some(host)
}

/// `/td/status` tells the page the proxy is there; `/td/<region>/<service>/<path>` forwards.
fn proxy(policy: &Policy, req: &http::request::Parts, host: &str, path: &str) -> Decision {
    use Decision::Refuse;
    let refuse = |status, message: &str| Refuse(Reply::json_error(status, message));
    // Only this page may use the proxy: a browser sends Origin on cross-origin calls and on
    // every POST/PUT, and a cross-origin page cannot add the custom header without a preflight
    // (which is never answered). A terminal (curl) sends neither Origin nor Sec-Fetch-Site.
    let own = format!("http://{host}");
    let headers = &req.headers;
    if headers
        .get_all(header::ORIGIN)
        .iter()
        .any(|o| o.as_bytes() != own.as_bytes())
        || headers
            .get_all("sec-fetch-site")
            .iter()
            .any(|s| s != "same-origin" && s != "none")
    {
        return refuse(
            StatusCode::FORBIDDEN,
            "cps serve forwards calls from its own page only",
        );
    }
    if path == "/td/status" {
        return if req.method == Method::GET || req.method == Method::HEAD {
            Decision::Status
        } else {
            refuse(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        };
    }
    if headers.get(PROXY_HEADER.0).map(HeaderValue::as_bytes) != Some(PROXY_HEADER.1.as_bytes()) {
        return refuse(
            StatusCode::FORBIDDEN,
            "missing the X-Cps-Proxy header the page sends",
        );
    }
    let Some((target, service, rest)) = route(path, policy.custom.as_deref()) else {
        return refuse(
            StatusCode::NOT_FOUND,
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
        return refuse(
            StatusCode::NOT_FOUND,
            "cps serve forwards only the TD calls cps makes",
        );
    }
    let Some(method) = methods
        .into_iter()
        .find(|m| m.as_str() == req.method.as_str())
    else {
        return refuse(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed for this TD call",
        );
    };
    let Some(key) = headers
        .get(header::AUTHORIZATION)
        .and_then(|a| a.to_str().ok())
        .and_then(cps_td_api::request::without_scheme)
        .and_then(|k| ApiKey::new(k).ok())
    else {
        return refuse(StatusCode::UNAUTHORIZED, "no TD1 Authorization header");
    };
    let length = match body_length(method, headers) {
        Ok(n) => n,
        Err(reply) => return Refuse(reply),
    };
    let base = match target.base(service) {
        Ok(b) => b,
        Err(e) => return refuse(StatusCode::NOT_FOUND, &e),
    };
    // Forwarded: what TD needs to read the call, nothing else (no cookies, no client headers).
    let mut forwarded = vec![("Accept".to_string(), "application/json".to_string())];
    if let Some(ct) = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
    {
        forwarded.push(("Content-Type".into(), ct.to_string()));
    }
    Decision::Forward {
        request: Request {
            method,
            url: format!("{base}{rest}"),
            headers: forwarded,
            key,
            body: None,
        },
        length,
    }
}

/// The length of a forwarded call's body, from its framing, or the refusal. Only a declared
/// `Content-Length` is accepted: a chunked body would have to be buffered to an unknown size
/// before it could be checked, and a malformed or missing length must not become an empty body
/// sent upstream.
pub fn body_length(method: endpoints::Method, headers: &HeaderMap) -> Result<usize, Reply> {
    use endpoints::Method as M;
    let refuse = |status, message: &str| Err(Reply::json_error(status, message));
    if headers.contains_key(header::TRANSFER_ENCODING) {
        return refuse(
            StatusCode::LENGTH_REQUIRED,
            "cps serve forwards bodies sent with Content-Length only (not chunked)",
        );
    }
    let mut values = headers.get_all(header::CONTENT_LENGTH).iter();
    let Some(first) = values.next() else {
        return match method {
            M::Post | M::Put => refuse(
                StatusCode::LENGTH_REQUIRED,
                "a POST or PUT needs a Content-Length",
            ),
            M::Get => Ok(0),
        };
    };
    let digits = first.as_bytes();
    if digits.is_empty()
        || !digits.iter().all(u8::is_ascii_digit)
        || values.any(|v| v.as_bytes() != digits)
    {
        return refuse(StatusCode::BAD_REQUEST, "Content-Length is not a length");
    }
    // All digits: only an overflow fails to parse, and that is too large as well.
    let length = std::str::from_utf8(digits)
        .ok()
        .and_then(|s| s.parse::<usize>().ok())
        .filter(|n| *n <= MAX_BODY);
    match (length, method) {
        (None, _) => refuse(StatusCode::PAYLOAD_TOO_LARGE, "body too large"),
        (Some(n), M::Get) if n > 0 => refuse(StatusCode::BAD_REQUEST, "a GET has no body"),
        (Some(n), _) => Ok(n),
    }
}

/// The forwarded body: TD's bodies are JSON, so text that is not UTF-8 is refused rather than
/// altered on the way.
pub fn body_text(bytes: &[u8]) -> Result<Option<String>, Reply> {
    if bytes.is_empty() {
        return Ok(None);
    }
    match std::str::from_utf8(bytes) {
        Ok(s) => Ok(Some(s.to_string())),
        Err(_) => Err(Reply::json_error(
            StatusCode::BAD_REQUEST,
            "the body is not UTF-8 text",
        )),
    }
}

/// TD's answer as the page gets it: its status and body as they are, `Retry-After` passed on;
/// no answer becomes 504 (timeout) or 502, which the page reads as "may have happened", like a
/// broken connection, for its guarded create.
pub fn upstream_reply(result: Result<Response, TransportError>) -> Reply {
    match result {
        Ok(r) => Reply {
            status: StatusCode::from_u16(r.status).unwrap_or(StatusCode::BAD_GATEWAY),
            content_type: "application/json",
            body: r.body.into_bytes(),
            retry_after: r.retry_after,
        },
        Err(TransportError::Timeout) => {
            Reply::json_error(StatusCode::GATEWAY_TIMEOUT, "TD did not answer in time")
        }
        Err(TransportError::Network(e)) | Err(TransportError::Body(e)) => Reply::json_error(
            StatusCode::BAD_GATEWAY,
            &format!("cps serve could not reach TD: {e}"),
        ),
    }
}

/// `GET /td/status`: the proxy is here, with these regions.
pub fn status_reply(policy: &Policy) -> Reply {
    let regions: Vec<_> = endpoints::REGIONS
        .iter()
        .map(|r| serde_json::json!({ "id": r.id, "label": r.label, "cas": r.cas.is_some() }))
        .collect();
    let body =
        serde_json::json!({ "proxy": true, "regions": regions, "custom": policy.custom.is_some() });
    Reply::new(
        StatusCode::OK,
        "application/json",
        body.to_string().into_bytes(),
    )
}

/// `/td/<region>/<service><rest>` → where to send it. Regions come from the table; `custom` only
/// when `--td-endpoint` was given.
fn route<'a>(path: &'a str, custom: Option<&str>) -> Option<(Target, Service, &'a str)> {
    let mut parts = path.strip_prefix("/td/")?.splitn(3, '/');
    let (region, service) = (parts.next()?, Service::parse(parts.next()?)?);
    let rest = &path[4 + region.len() + 1 + service.as_str().len()..];
    let target = match (region, custom) {
        ("custom", Some(url)) => Target::Custom(url.to_string()),
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

/// A URL path as a relative file path of plain components (`index.html` for a folder), or `None`
/// when it would leave the folder or is not UTF-8 once decoded. The caller still checks that the
/// file, links resolved, lies inside the folder.
pub fn relative_path(url_path: &str) -> Option<PathBuf> {
    let decoded = percent_encoding::percent_decode_str(url_path)
        .decode_utf8()
        .ok()?;
    let rel = decoded.trim_start_matches('/');
    let rel = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    let rel = PathBuf::from(rel);
    rel.components()
        .all(|c| matches!(c, Component::Normal(_)))
        .then_some(rel)
}

pub fn content_type(path: &Path) -> &'static str {
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

#[cfg(test)]
mod tests {
    use super::*;
    use cps_td_api::endpoints::Method as M;

    const HOST: &str = "127.0.0.1:8080";

    fn policy(custom: Option<&str>) -> Policy {
        Policy {
            hosts: vec![HOST.into(), "localhost:8080".into()],
            custom: custom.map(str::to_string),
        }
    }

    /// Request parts: `headers` as `Name: value` lines.
    fn parts(method: &str, target: &str, headers: &[&str]) -> http::request::Parts {
        let mut b = http::Request::builder().method(method).uri(target);
        for h in headers {
            let (k, v) = h.split_once(": ").unwrap();
            b = b.header(k, v);
        }
        b.body(()).unwrap().into_parts().0
    }

    /// A proxied call as the page makes it, plus `extra` headers.
    fn page_call(method: &str, target: &str, extra: &[&str]) -> http::request::Parts {
        let mut h = vec![
            "Host: 127.0.0.1:8080",
            "X-Cps-Proxy: 1",
            "Authorization: TD1 1/secret",
        ];
        h.extend_from_slice(extra);
        parts(method, target, &h)
    }

    fn status(d: &Decision) -> u16 {
        match d {
            Decision::Refuse(r) => r.status.as_u16(),
            Decision::Forward { .. } | Decision::File(_) | Decision::Status => 200,
        }
    }

    #[test]
    fn only_this_servers_own_host_is_served() {
        let p = policy(None);
        for (headers, target, expected) in [
            (&["Host: 127.0.0.1:8080"][..], "/", 200),
            (&["Host: localhost:8080"], "/", 200),
            // DNS rebinding: another name for this address.
            (&["Host: attacker.example:8080"], "/", 421),
            (&["Host: 127.0.0.1:9999"], "/", 421),
            (&[], "/", 421),
            (&["Host: 127.0.0.1:8080", "Host: evil.example"], "/", 421),
            // An absolute-form target must name this server too.
            (&["Host: 127.0.0.1:8080"], "http://evil.example/", 421),
            (&["Host: 127.0.0.1:8080"], "http://127.0.0.1:8080/", 200),
        ] {
            let d = decide(&p, &parts("GET", target, headers));
            assert_eq!(status(&d), expected, "{headers:?} {target}");
        }
        let d = decide(&p, &parts("GET", "/", &["Host: evil.example"]));
        let Decision::Refuse(r) = d else { panic!() };
        assert_eq!(r.content_type, "text/plain");
    }

    #[test]
    fn files_by_get_or_head_inside_the_folder() {
        let p = policy(None);
        let get = |m: &str, t: &str| decide(&p, &parts(m, t, &["Host: 127.0.0.1:8080"]));
        assert!(matches!(get("GET", "/"), Decision::File(f) if f == Path::new("index.html")));
        assert!(
            matches!(get("HEAD", "/sub/"), Decision::File(f) if f == Path::new("sub/index.html"))
        );
        assert!(
            matches!(get("GET", "/sub/a%20b.js?v=1"), Decision::File(f) if f == Path::new("sub/a b.js"))
        );
        for m in ["POST", "PUT", "DELETE", "OPTIONS"] {
            assert_eq!(status(&get(m, "/")), 405, "{m}");
        }
        for bad in [
            "/../etc/passwd",
            "/sub/../../x",
            "/%2e%2e/x",
            "/a/%2E%2E/%2E%2E/x",
            "/%ff",
        ] {
            assert_eq!(status(&get("GET", bad)), 404, "{bad}");
        }
        assert_eq!(relative_path("/a/./b"), Some(PathBuf::from("a/b")));
        assert_eq!(relative_path("/sub/..%2F..%2Fx"), None);
        assert_eq!(content_type(Path::new("a.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("a")), "application/octet-stream");
    }

    #[test]
    fn the_proxy_serves_its_own_page_only() {
        let p = policy(Some("http://127.0.0.1:1"));
        let configs = "/td/custom/api/v4/federated_query_configs";
        for extra in [
            "Origin: http://evil.example",
            "Origin: null",
            "Origin: http://localhost:8080",
            "Sec-Fetch-Site: cross-site",
            "Sec-Fetch-Site: same-site",
        ] {
            let d = decide(&p, &page_call("GET", configs, &[extra]));
            let Decision::Refuse(r) = d else {
                panic!("{extra}")
            };
            assert_eq!(r.status, 403, "{extra}");
            assert_eq!(r.content_type, "application/json");
            let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
            assert_eq!(v["source"], "cps serve");
        }
        for extra in [
            "Origin: http://127.0.0.1:8080",
            "Sec-Fetch-Site: same-origin",
            "Sec-Fetch-Site: none",
        ] {
            let d = decide(&p, &page_call("GET", configs, &[extra]));
            assert!(matches!(d, Decision::Forward { .. }), "{extra}: {d:?}");
        }
        // No X-Cps-Proxy: a cross-origin page cannot add it without a preflight.
        let d = decide(
            &p,
            &parts(
                "GET",
                configs,
                &["Host: 127.0.0.1:8080", "Authorization: TD1 1/s"],
            ),
        );
        assert_eq!(status(&d), 403);
        let d = decide(
            &p,
            &parts(
                "GET",
                configs,
                &[
                    "Host: 127.0.0.1:8080",
                    "X-Cps-Proxy: 2",
                    "Authorization: TD1 1/s",
                ],
            ),
        );
        assert_eq!(status(&d), 403);
        // The status needs no header, but the same origin.
        let host = ["Host: 127.0.0.1:8080"];
        assert!(matches!(
            decide(&p, &parts("GET", "/td/status", &host)),
            Decision::Status
        ));
        assert!(matches!(
            decide(&p, &parts("HEAD", "/td/status", &host)),
            Decision::Status
        ));
        assert_eq!(
            status(&decide(&p, &parts("POST", "/td/status", &host))),
            405
        );
        assert_eq!(
            status(&decide(
                &p,
                &parts(
                    "GET",
                    "/td/status",
                    &["Host: 127.0.0.1:8080", "Origin: null"]
                )
            )),
            403
        );
    }

    #[test]
    fn only_known_calls_to_known_hosts_are_forwarded() {
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
        let (t, s, rest) = route("/td/eu01/cas/composable_audiences", None).unwrap();
        assert_eq!(s, Service::Cas);
        assert_eq!(rest, "/composable_audiences");
        assert_eq!(t.base(s).unwrap(), "https://api-cas.eu01.treasuredata.com");
        assert!(route("/td/custom/cas/composable_audiences", None).is_none());
        assert!(route("/td/evil.example/cas/x", None).is_none());
        assert!(route("/td/us/other/x", None).is_none());

        let p = policy(Some("http://127.0.0.1:1/"));
        for (method, target, expected) in [
            ("GET", "/td/custom/cas/v3/job/list", 404),
            ("GET", "/td/custom/api/v3/database/list", 404),
            ("GET", "/td/custom/cas/composable_audiences/1/../2", 404),
            ("GET", "/td/nowhere/cas/composable_audiences", 404),
            ("GET", "/td/evil.example/cas/composable_audiences", 404),
            ("GET", "/td/custom/other/composable_audiences", 404),
            ("GET", "/td", 404),
            ("DELETE", "/td/custom/cas/composable_audiences/1001", 405),
            ("PUT", "/td/custom/cas/composable_audiences", 405),
            ("GET", "/td/custom/cas/composable_audiences", 200),
        ] {
            let d = decide(&p, &page_call(method, target, &[]));
            assert_eq!(status(&d), expected, "{method} {target}");
        }
        // The key is required, and only TD's scheme.
        for auth in [None, Some("Bearer 1/secret"), Some("TD1 "), Some("TD1 a b")] {
            let mut h = vec!["Host: 127.0.0.1:8080", "X-Cps-Proxy: 1"];
            let line = auth.map(|a| format!("Authorization: {a}"));
            h.extend(line.as_deref());
            let d = decide(&p, &parts("GET", "/td/custom/cas/composable_audiences", &h));
            assert_eq!(status(&d), 401, "{auth:?}");
        }
        for auth in ["td1 1/secret", "Td1 1/secret"] {
            let h = [
                "Host: 127.0.0.1:8080",
                "X-Cps-Proxy: 1",
                &format!("Authorization: {auth}"),
            ];
            let d = decide(&p, &parts("GET", "/td/custom/cas/composable_audiences", &h));
            let Decision::Forward { request, .. } = d else {
                panic!("{auth}: {d:?}")
            };
            assert_eq!(request.key.expose(), "1/secret");
        }
    }

    #[test]
    fn a_forward_carries_the_call_and_nothing_else() {
        let p = policy(Some("http://127.0.0.1:1/"));
        let d = decide(
            &p,
            &page_call(
                "PUT",
                "/td/custom/cas/composable_audiences/1001?x=1",
                &[
                    "Content-Type: application/json",
                    "Content-Length: 2",
                    "Cookie: a=b",
                    "X-Other: 1",
                ],
            ),
        );
        let Decision::Forward { request, length } = d else {
            panic!("{d:?}")
        };
        assert_eq!(length, 2);
        assert_eq!(request.method, M::Put);
        assert_eq!(request.url, "http://127.0.0.1:1/composable_audiences/1001");
        assert_eq!(request.key.expose(), "1/secret");
        assert_eq!(
            request.headers,
            [
                ("Accept".to_string(), "application/json".to_string()),
                ("Content-Type".to_string(), "application/json".to_string())
            ]
        );
        // A region without a CAS host has nowhere to send it.
        let no_cas = endpoints::REGIONS
            .iter()
            .find(|r| r.cas.is_none())
            .map(|r| r.id);
        if let Some(region) = no_cas {
            let d = decide(
                &p,
                &page_call(
                    "GET",
                    &format!("/td/{region}/cas/composable_audiences"),
                    &[],
                ),
            );
            assert_eq!(status(&d), 404, "{region}");
        }
    }

    #[test]
    fn bodies_need_a_declared_length_within_the_limit() {
        let headers = |lines: &[&str]| parts("POST", "/", lines).headers;
        let code = |m, lines: &[&str]| match body_length(m, &headers(lines)) {
            Ok(n) => Ok(n),
            Err(r) => Err(r.status.as_u16()),
        };
        let max = MAX_BODY.to_string();
        let over = (MAX_BODY + 1).to_string();
        let cl = |v: &str| format!("Content-Length: {v}");
        for (method, lines, expected) in [
            (M::Post, vec![cl("10")], Ok(10)),
            (M::Put, vec![cl("0")], Ok(0)),
            (M::Post, vec![cl(&max)], Ok(MAX_BODY)),
            (M::Get, vec![], Ok(0)),
            (M::Get, vec![cl("0")], Ok(0)),
            (M::Post, vec![cl("10"), cl("10")], Ok(10)),
            (M::Post, vec![], Err(411)),
            (M::Put, vec![], Err(411)),
            (M::Post, vec!["Transfer-Encoding: chunked".into()], Err(411)),
            (
                M::Post,
                vec!["Transfer-Encoding: chunked".into(), cl("10")],
                Err(411),
            ),
            (M::Get, vec!["Transfer-Encoding: chunked".into()], Err(411)),
            (M::Post, vec![cl("abc")], Err(400)),
            (M::Post, vec![cl("-5")], Err(400)),
            (M::Post, vec![cl("+5")], Err(400)),
            (M::Post, vec![cl("5, 5")], Err(400)),
            (M::Post, vec![cl("0x10")], Err(400)),
            (M::Post, vec![cl("10"), cl("11")], Err(400)),
            (M::Post, vec![cl(&over)], Err(413)),
            (M::Post, vec![cl("99999999999999999999999999")], Err(413)),
            (M::Get, vec![cl("5")], Err(400)),
        ] {
            let refs: Vec<&str> = lines.iter().map(String::as_str).collect();
            assert_eq!(code(method, &refs), expected, "{method:?} {lines:?}");
        }
        // Through `decide`: the refusal comes before anything is sent, after the key check.
        let p = policy(Some("http://127.0.0.1:1"));
        let post = "/td/custom/cas/composable_audiences";
        assert_eq!(
            status(&decide(
                &p,
                &page_call("POST", post, &["Transfer-Encoding: chunked"])
            )),
            411
        );
        assert_eq!(status(&decide(&p, &page_call("POST", post, &[]))), 411);
        assert_eq!(
            status(&decide(
                &p,
                &page_call("POST", post, &["Content-Length: abc"])
            )),
            400
        );
        assert_eq!(
            status(&decide(
                &p,
                &page_call("POST", post, &["Content-Length: 2"])
            )),
            200
        );
        // Text only: bytes that are not UTF-8 are refused, not altered.
        assert_eq!(body_text(b"").unwrap(), None);
        assert_eq!(body_text(b"{}").unwrap().as_deref(), Some("{}"));
        assert_eq!(body_text(b"{\"a\":\"\xff\"}").unwrap_err().status, 400);
    }

    #[test]
    fn tds_answers_pass_through_and_failures_become_gateway_errors() {
        let r = upstream_reply(Ok(Response {
            status: 429,
            body: "{}".into(),
            retry_after: Some(7),
        }));
        assert_eq!((r.status.as_u16(), r.retry_after), (429, Some(7)));
        let http = r.into_response();
        assert_eq!(http.headers()["retry-after"], "7");
        assert_eq!(http.headers()["x-content-type-options"], "nosniff");
        assert_eq!(http.headers()["cache-control"], "no-store");
        assert_eq!(http.headers()["referrer-policy"], "no-referrer");
        assert_eq!(http.body(), b"{}");
        let r = upstream_reply(Err(TransportError::Timeout));
        assert_eq!(r.status, 504);
        let r = upstream_reply(Err(TransportError::Network("reset".into())));
        assert_eq!(r.status, 502);
        let v: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(v["source"], "cps serve");
        assert!(v["message"].as_str().unwrap().contains("reset"));
        let v: serde_json::Value =
            serde_json::from_slice(&status_reply(&policy(Some("x"))).body).unwrap();
        assert_eq!(
            (v["proxy"].clone(), v["custom"].clone()),
            (true.into(), true.into())
        );
        assert!(v["regions"]
            .as_array()
            .unwrap()
            .iter()
            .any(|r| r["id"] == "us"));
    }
}
