//! The steps' own browser services: the region (localStorage, not a secret), the key
//! (sessionStorage, only when the user opts in), the proxy probe, and the messages to and from
//! the studio. Downloads, the clipboard and files are `cps_bridge::browser`'s (the studio's too).

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

/// Tells the studio something (see `cps_bridge::ToStudio`).
pub fn tell(host: &web_sys::Element, message: &cps_bridge::ToStudio) {
    cps_bridge::browser::send(host, message);
}

/// Calls `on` with every check the studio sends on `host` (`cps_bridge::ToStep`).
#[yew::hook]
pub fn use_revisions(host: &web_sys::Element, on: yew::Callback<cps_bridge::Revision>) {
    let host = host.clone();
    yew::use_effect_with((), move |_| {
        let listener = cps_bridge::browser::listen(&host, move |m| match m {
            cps_bridge::ToStep::Revision(r) => on.emit(r),
        });
        move || drop(listener)
    });
}
