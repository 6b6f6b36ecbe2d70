//! The few browser services the Upload step needs: the region (localStorage, not a secret), the
//! key (sessionStorage, only when the user opts in), the proxy probe, the clipboard and the events
//! to the studio.

use wasm_bindgen::JsCast;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// The TD region (not a secret).
pub const REGION_KEY: &str = "cps.td.region.v1";
/// sessionStorage only, and only while "Remember for this tab" is ticked.
const SESSION_KEY: &str = "cps.td.key";

pub fn load_region() -> Option<String> {
    window()?.local_storage().ok()??.get_item(REGION_KEY).ok()?
}

pub fn save_region(region: &str) {
    if let Some(Ok(Some(s))) = window().map(|w| w.local_storage()) {
        let _ = s.set_item(REGION_KEY, region);
    }
}

fn session() -> Option<web_sys::Storage> {
    window()?.session_storage().ok()?
}

pub fn session_key() -> Option<String> {
    session()?
        .get_item(SESSION_KEY)
        .ok()?
        .filter(|k| !k.is_empty())
}

/// Remembers the TD key for this tab, or forgets it (`None`).
pub fn set_session_key(key: Option<&str>) {
    if let Some(s) = session() {
        let _ = match key {
            Some(k) if !k.is_empty() => s.set_item(SESSION_KEY, k),
            _ => s.remove_item(SESSION_KEY),
        };
    }
}

/// Whether the page is served by `cps serve` (its TD proxy answers `td/status`), and if so
/// whether it forwards a custom endpoint.
pub async fn proxy_status() -> Option<bool> {
    let response = wasm_bindgen_futures::JsFuture::from(window()?.fetch_with_str("td/status"))
        .await
        .ok()?
        .dyn_into::<web_sys::Response>()
        .ok()?;
    if !response.ok() {
        return None;
    }
    let json = wasm_bindgen_futures::JsFuture::from(response.json().ok()?)
        .await
        .ok()?;
    let get = |k: &str| js_sys::Reflect::get(&json, &k.into()).ok();
    if get("proxy")?.as_bool() != Some(true) {
        return None;
    }
    Some(get("custom").and_then(|v| v.as_bool()).unwrap_or(false))
}

/// `cps serve`'s proxy as an absolute URL on the page's own origin (`http://127.0.0.1:8080/td`),
/// so the dry run shows a URL a user can run. Resolved like the `td/status` probe, against the
/// page's address.
pub fn proxy_prefix() -> String {
    window()
        .and_then(|w| w.document())
        .and_then(|d| d.url().ok())
        .and_then(|page| web_sys::Url::new_with_base("td", &page).ok())
        .map(|u| u.href())
        .unwrap_or_else(|| "td".into())
}

pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Tells the studio something (see the crate docs for the events).
pub fn emit(host: &web_sys::Element, name: &str, detail: &str) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&wasm_bindgen::JsValue::from_str(detail));
    if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict(name, &init) {
        let _ = host.dispatch_event(&e);
    }
}

/// Offers `content` as a file download through a Blob URL, revoked right after: nothing is
/// stored and nothing leaves the browser.
pub fn download(name: &str, content: &str) {
    let Some(doc) = window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(content));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type("application/x-pem-file");
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &opts) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    if let Ok(a) = doc.create_element("a") {
        let a: web_sys::HtmlAnchorElement = a.unchecked_into();
        a.set_href(&url);
        a.set_download(name);
        a.click();
    }
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Calls `on_config` with every check the studio sends ([`crate::CONFIG_EVENT`] on `host`).
#[yew::hook]
pub fn use_studio_config(host: &web_sys::Element, on_config: yew::Callback<crate::ConfigEvent>) {
    let host = host.clone();
    yew::use_effect_with((), move |_| {
        let listener = wasm_bindgen::closure::Closure::<dyn Fn(web_sys::CustomEvent)>::new(
            move |e: web_sys::CustomEvent| {
                if let Some(s) = e.detail().as_string() {
                    on_config.emit(crate::ConfigEvent::from_json(&s));
                }
            },
        );
        let _ = host.add_event_listener_with_callback(
            crate::CONFIG_EVENT,
            listener.as_ref().unchecked_ref(),
        );
        move || {
            let _ = host.remove_event_listener_with_callback(
                crate::CONFIG_EVENT,
                listener.as_ref().unchecked_ref(),
            );
        }
    });
}
