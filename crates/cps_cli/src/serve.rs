//! `cps serve`: serves the built page (`dist/`) on loopback, and forwards the page's calls to TD
//! (`/td/<region>/<service>/<path>`) for browsers that TD's hosts refuse (CORS).
//!
//! HTTP is hyper's (HTTP/1.x only: a request line without a version, `HTTP/9.9` or an HTTP/2
//! preface is refused by its parser), on a current-thread tokio runtime. What to do with a
//! request is decided by the pure functions in [`policy`]; this file is the I/O around them: the
//! listener and its connection cap, the whole-request deadline, file reads, and the upstream call
//! on `cps_td_api`'s native transport (blocking, so on tokio's blocking threads). Nothing is
//! logged: no keys, bodies or paths.

mod policy;

use bytes::Bytes;
use cps_td_api::native::NativeTransport;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use policy::{Decision, Policy, Reply};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// How long a client has to send a whole request, head and body, and how many connections may
/// be open at once. The defaults suit one person's browser on loopback; tests shorten them.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub deadline: Duration,
    pub max_connections: usize,
}

/// The whole call to TD, connect to last byte.
const UPSTREAM_TIMEOUT: Duration = Duration::from_secs(90);
/// Once a request has arrived: the upstream call, plus time for a slow reader to take the answer.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(100);
/// The request line and headers (hyper answers 431 beyond this).
const MAX_HEAD: usize = 16 * 1024;
/// After the answer, at most this much unread request is drained, for at most this long.
const DRAIN_BYTES: u64 = 1 << 20;
const DRAIN_TIME: Duration = Duration::from_secs(1);
/// The answer to a connection over the cap. Written by hand because such a connection gets no
/// task, no buffer and no parser: it costs one non-blocking write and a close.
const BUSY: &[u8] = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain\r\nContent-Length: 32\r\nRetry-After: 1\r\nCache-Control: no-store\r\nConnection: close\r\n\r\ncps serve: too many connections\n";

struct Site {
    root: PathBuf,
    policy: Policy,
    upstream: NativeTransport,
    limits: Limits,
}

pub fn run(
    dir: &Path,
    host: &str,
    port: u16,
    custom: Option<String>,
    limits: Limits,
) -> Result<(), String> {
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
    let listener = std::net::TcpListener::bind((host, port))
        .map_err(|e| format!("cannot listen on {host}:{port}: {e}"))?;
    listener.set_nonblocking(true).map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let max_connections = limits.max_connections.max(1);
    let site = Arc::new(Site {
        root: dir.canonicalize().map_err(|e| e.to_string())?,
        policy: Policy {
            hosts: vec![format!("{addr}"), format!("localhost:{}", addr.port())],
            custom,
        },
        upstream: NativeTransport::new(UPSTREAM_TIMEOUT),
        limits: Limits {
            max_connections,
            ..limits
        },
    });
    // One thread does all the socket work; file reads and upstream calls block, so they run on
    // tokio's blocking threads, at most one per connection.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .enable_time()
        .max_blocking_threads(max_connections)
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    println!("cps: serving {} at http://{addr}/", dir.display());
    let _ = std::io::stdout().flush();
    runtime.block_on(async move {
        let listener = TcpListener::from_std(listener).map_err(|e| e.to_string())?;
        accept(listener, site).await;
        Ok(())
    })
}

/// Accepts connections while fewer than the cap are open; beyond it, answers 503 and closes.
async fn accept(listener: TcpListener, site: Arc<Site>) {
    let slots = Arc::new(Semaphore::new(site.limits.max_connections));
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _)) => stream,
            // Out of file descriptors or similar: wait a little instead of spinning on it.
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        match slots.clone().try_acquire_owned() {
            Ok(slot) => {
                tokio::spawn(connection(stream, site.clone(), slot));
            }
            Err(_) => {
                let _ = stream.try_write(BUSY);
            }
        }
    }
}

/// One connection, one request. The request (head and body) must arrive within the deadline
/// whatever pace it comes at; the connection is cut off otherwise.
async fn connection(stream: TcpStream, site: Arc<Site>, slot: OwnedSemaphorePermit) {
    let deadline = tokio::time::Instant::now() + site.limits.deadline;
    // Set by the handler once the whole request is in: from then on the deadline no longer
    // applies, and the answer gets its own time.
    let received = Arc::new(AtomicBool::new(false));
    let service = {
        let (site, received) = (site.clone(), received.clone());
        service_fn(move |req| handle(req, site.clone(), received.clone()))
    };
    let conn = http1::Builder::new()
        .keep_alive(false)
        .title_case_headers(true)
        .max_buf_size(MAX_HEAD)
        .serve_connection(TokioIo::new(stream), service)
        .without_shutdown();
    let mut conn = std::pin::pin!(conn);
    let done = match tokio::time::timeout_at(deadline, conn.as_mut()).await {
        Ok(done) => done,
        // Dropping the connection closes the socket.
        Err(_) if !received.load(Ordering::Acquire) => return,
        Err(_) => match tokio::time::timeout(ANSWER_TIMEOUT, conn.as_mut()).await {
            Ok(done) => done,
            Err(_) => return,
        },
    };
    // The slot is free before the client can see the end of the answer, so a client that read
    // it to the end can connect again at once.
    drop(slot);
    if let Ok(parts) = done {
        finish(parts.io.into_inner()).await;
    }
}

/// A refusal may leave the body unread; closing with unread bytes makes the OS reset the
/// connection, and some browsers then lose the answer. Finish sending, then drain a little.
async fn finish(mut stream: TcpStream) {
    let _ = stream.shutdown().await;
    let (mut rest, mut sink) = ((&mut stream).take(DRAIN_BYTES), tokio::io::sink());
    let _ = tokio::time::timeout(DRAIN_TIME, tokio::io::copy(&mut rest, &mut sink)).await;
}

async fn handle(
    req: hyper::Request<Incoming>,
    site: Arc<Site>,
    received: Arc<AtomicBool>,
) -> Result<hyper::Response<Full<Bytes>>, std::convert::Infallible> {
    let (parts, body) = req.into_parts();
    let decision = policy::decide(&site.policy, &parts);
    if !matches!(decision, Decision::Forward { .. }) {
        // Nothing more is read from this request.
        received.store(true, Ordering::Release);
    }
    let reply = match decision {
        Decision::Refuse(reply) => reply,
        Decision::Status => policy::status_reply(&site.policy),
        Decision::File(rel) => file(site, rel).await,
        Decision::Forward { request, length } => {
            // hyper reads exactly `length` bytes (the policy refused any other framing); the
            // limit is a second guard.
            let bytes = match Limited::new(body, length).collect().await {
                Ok(collected) => collected.to_bytes(),
                Err(_) => {
                    return Ok(respond(Reply::json_error(
                        http::StatusCode::BAD_REQUEST,
                        "the body did not arrive whole",
                    )))
                }
            };
            received.store(true, Ordering::Release);
            match policy::body_text(&bytes) {
                Err(reply) => reply,
                Ok(body) => {
                    let request = cps_td_api::Request { body, ..request };
                    let sent =
                        tokio::task::spawn_blocking(move || site.upstream.send_blocking(&request))
                            .await;
                    match sent {
                        Ok(result) => policy::upstream_reply(result),
                        Err(_) => policy::upstream_reply(Err(cps_td_api::TransportError::Network(
                            "the call failed".into(),
                        ))),
                    }
                }
            }
        }
    };
    Ok(respond(reply))
}

fn respond(reply: Reply) -> hyper::Response<Full<Bytes>> {
    reply.into_response().map(|b| Full::new(Bytes::from(b)))
}

async fn file(site: Arc<Site>, rel: PathBuf) -> Reply {
    let read = tokio::task::spawn_blocking(move || {
        let path = resolve(&site.root, &rel)?;
        std::fs::read(&path).ok().map(|body| (path, body))
    })
    .await;
    match read {
        Ok(Some((path, body))) => {
            Reply::new(http::StatusCode::OK, policy::content_type(&path), body)
        }
        _ => policy::not_found(),
    }
}

/// The file a checked relative path names, if it is a file inside `root` once links are
/// resolved.
fn resolve(root: &Path, rel: &Path) -> Option<PathBuf> {
    let full = root.join(rel).canonicalize().ok()?;
    (full.starts_with(root) && full.is_file()).then_some(full)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_busy_answer_declares_its_length() {
        let text = std::str::from_utf8(BUSY).unwrap();
        let (head, body) = text.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 503 "));
        let length = head
            .lines()
            .find_map(|l| l.strip_prefix("Content-Length: "))
            .unwrap();
        assert_eq!(length.parse::<usize>().unwrap(), body.len());
    }

    #[test]
    fn links_cannot_leave_the_root() {
        let base = std::env::temp_dir().join(format!("cps-serve-{}", std::process::id()));
        let root = base.join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("index.html"), "x").unwrap();
        std::fs::write(root.join("sub/a b.js"), "x").unwrap();
        std::fs::write(base.join("secret"), "x").unwrap();
        #[cfg(unix)]
        {
            let _ = std::os::unix::fs::symlink(base.join("secret"), root.join("link"));
            let _ = std::os::unix::fs::symlink(root.join("index.html"), root.join("inside"));
        }
        let root = root.canonicalize().unwrap();
        let at = |url: &str| policy::relative_path(url).and_then(|rel| resolve(&root, &rel));
        assert!(at("/").unwrap().ends_with("index.html"));
        assert!(at("/sub/a%20b.js").is_some());
        for bad in [
            "/../secret",
            "/sub/../../secret",
            "/%2e%2e/secret",
            "//etc/passwd",
            "/nope",
            "/sub",
        ] {
            assert!(at(bad).is_none(), "{bad}");
        }
        #[cfg(unix)]
        {
            assert!(at("/link").is_none(), "a link out of the folder");
            assert!(at("/inside").is_some(), "a link within it");
        }
        let _ = std::fs::remove_dir_all(&base);
    }
}
