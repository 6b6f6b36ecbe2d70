//! The native transport: a blocking HTTP client (ureq, rustls) and a minimal `block_on`, since
//! the CLI makes one call at a time and needs no async runtime.

use crate::request::{Request, Response, TransportError};
use crate::Transport;
use std::future::Future;
use std::io::Read;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};
use std::time::{Duration, Instant};

/// Bodies larger than this are not read (a parent segment is kilobytes).
const MAX_BODY: u64 = 32 * 1024 * 1024;

pub struct NativeTransport {
    agent: ureq::Agent,
    started: Instant,
}

impl NativeTransport {
    /// `timeout`: the whole call, connect to last byte.
    pub fn new(timeout: Duration) -> NativeTransport {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            // Errors are answers too: their bodies carry TD's message.
            .http_status_as_error(false)
            // Never follow a redirect with the key to another host.
            .max_redirects(0)
            .user_agent(concat!("cps/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        NativeTransport {
            agent,
            started: Instant::now(),
        }
    }

    /// Sends and reads the whole answer, blocking. Also used by `cps serve`'s proxy.
    pub fn send_blocking(&self, r: &Request) -> Result<Response, TransportError> {
        let mut builder = ureq::http::Request::builder()
            .method(r.method.as_str())
            .uri(&r.url)
            .header("Authorization", r.authorization());
        for (k, v) in &r.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        let result = match &r.body {
            Some(b) => builder
                .body(b.clone())
                .map_err(|e| TransportError::Network(e.to_string()))
                .and_then(|req| self.agent.run(req).map_err(classify)),
            None => builder
                .body(())
                .map_err(|e| TransportError::Network(e.to_string()))
                .and_then(|req| self.agent.run(req).map_err(classify)),
        };
        let mut resp = result?;
        let status = resp.status().as_u16();
        let retry_after = resp
            .headers()
            .get("retry-after")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse().ok());
        let mut bytes = Vec::new();
        resp.body_mut()
            .as_reader()
            .take(MAX_BODY)
            .read_to_end(&mut bytes)
            .map_err(|e| {
                if e.kind() == std::io::ErrorKind::TimedOut {
                    TransportError::Timeout
                } else {
                    TransportError::Body(e.to_string())
                }
            })?;
        Ok(Response {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
            retry_after,
        })
    }
}

fn classify(e: ureq::Error) -> TransportError {
    match e {
        ureq::Error::Timeout(_) => TransportError::Timeout,
        ureq::Error::Io(io) if io.kind() == std::io::ErrorKind::TimedOut => TransportError::Timeout,
        other => TransportError::Network(other.to_string()),
    }
}

impl Transport for NativeTransport {
    async fn send(&self, request: &Request) -> Result<Response, TransportError> {
        self.send_blocking(request)
    }

    async fn sleep(&self, ms: u64) {
        std::thread::sleep(Duration::from_millis(ms));
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

struct ThreadWaker(std::thread::Thread);

impl Wake for ThreadWaker {
    fn wake(self: Arc<Self>) {
        self.0.unpark();
    }
}

/// Runs a future to completion on this thread. The native transport never returns `Pending`, so
/// this only parks if some future does.
pub fn block_on<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let waker = Waker::from(Arc::new(ThreadWaker(std::thread::current())));
    let mut cx = Context::from_waker(&waker);
    loop {
        match future.as_mut().poll(&mut cx) {
            Poll::Ready(v) => return v,
            Poll::Pending => std::thread::park(),
        }
    }
}
