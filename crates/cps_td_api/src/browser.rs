//! The browser transport: `fetch`, with an `AbortController` for the timeout. A failed fetch
//! without a response is reported as a network failure that may be CORS: the browser does not
//! say which.

use crate::request::{Request, Response, TransportError};
use crate::Transport;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;

pub struct FetchTransport {
    pub timeout_ms: u32,
}

impl Default for FetchTransport {
    fn default() -> Self {
        FetchTransport { timeout_ms: 60_000 }
    }
}

impl Transport for FetchTransport {
    async fn send(&self, r: &Request) -> Result<Response, TransportError> {
        let window =
            web_sys::window().ok_or_else(|| TransportError::Network("no window".into()))?;
        let net = |e: wasm_bindgen::JsValue| {
            TransportError::Network(
                e.dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| "fetch failed".into()),
            )
        };
        let headers = web_sys::Headers::new().map_err(net)?;
        headers
            .set("Authorization", &r.authorization())
            .map_err(net)?;
        for (k, v) in &r.headers {
            headers.set(k, v).map_err(net)?;
        }
        let controller = web_sys::AbortController::new().map_err(net)?;
        let init = web_sys::RequestInit::new();
        init.set_method(r.method.as_str());
        init.set_headers(&headers);
        // No cookies to TD, and no redirects that would carry the key elsewhere.
        init.set_credentials(web_sys::RequestCredentials::Omit);
        init.set_redirect(web_sys::RequestRedirect::Error);
        init.set_cache(web_sys::RequestCache::NoStore);
        init.set_signal(Some(&controller.signal()));
        if let Some(b) = &r.body {
            init.set_body(&wasm_bindgen::JsValue::from_str(b));
        }
        let abort = controller.clone();
        let timer = gloo_timers::callback::Timeout::new(self.timeout_ms, move || abort.abort());
        let result = JsFuture::from(window.fetch_with_str_and_init(&r.url, &init)).await;
        let timed_out = controller.signal().aborted();
        let response: web_sys::Response = match result {
            Ok(v) => v.unchecked_into(),
            Err(_) if timed_out => return Err(TransportError::Timeout),
            Err(e) => return Err(net(e)),
        };
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .ok()
            .flatten()
            .and_then(|v| v.trim().parse().ok());
        let body = JsFuture::from(response.text().map_err(net)?).await;
        drop(timer);
        let body = match body {
            Ok(t) => t.as_string().unwrap_or_default(),
            Err(_) if controller.signal().aborted() => return Err(TransportError::Timeout),
            Err(e) => {
                return Err(TransportError::Body(
                    e.dyn_ref::<js_sys::Error>()
                        .map(|e| String::from(e.message()))
                        .unwrap_or_else(|| "the body could not be read".into()),
                ))
            }
        };
        Ok(Response {
            status,
            body,
            retry_after,
        })
    }

    async fn sleep(&self, ms: u64) {
        gloo_timers::future::TimeoutFuture::new(ms.min(u32::MAX as u64) as u32).await;
    }

    fn now_ms(&self) -> u64 {
        js_sys::Date::now() as u64
    }

    fn is_browser(&self) -> bool {
        true
    }
}
