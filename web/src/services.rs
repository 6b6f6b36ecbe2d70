//! Browser services: storage, URL fragment, clipboard, downloads, files. Only the config text
//! and non-secret settings are ever stored; nothing here sends anything anywhere.

use wasm_bindgen::JsCast;

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// localStorage keys. The draft is the config text only, never a secret.
pub const DRAFT_KEY: &str = "cps.draft.v1";
pub const PREVIOUS_DRAFT_KEY: &str = "cps.draft.previous.v1";
pub const SETTINGS_KEY: &str = "cps.settings.v1";
pub const THEME_KEY: &str = "cps.theme.v1";
pub fn load(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

pub fn save(key: &str, value: &str) {
    // A full or disabled storage must not break editing: the draft is a convenience.
    if let Some(Ok(Some(s))) = window().map(|w| w.local_storage()) {
        let _ = s.set_item(key, value);
    }
}

pub fn fragment() -> String {
    window()
        .and_then(|w| w.location().hash().ok())
        .unwrap_or_default()
}

/// Drops the fragment from the address bar without reloading, so a reload restores the draft.
pub fn clear_fragment() {
    if let Some(w) = window() {
        let path = w.location().pathname().unwrap_or_default()
            + &w.location().search().unwrap_or_default();
        if let Ok(h) = w.history() {
            let _ = h.replace_state_with_url(&wasm_bindgen::JsValue::NULL, "", Some(&path));
        }
    }
}

/// The page's address without fragment, plus `fragment`.
pub fn url_with_fragment(fragment: &str) -> String {
    window()
        .and_then(|w| {
            let l = w.location();
            Some(format!(
                "{}{}{}{}",
                l.origin().ok()?,
                l.pathname().ok()?,
                l.search().ok()?,
                fragment
            ))
        })
        .unwrap_or_default()
}

pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

/// Offers `content` as a file download (through a Blob URL; nothing leaves the browser).
pub fn download(name: &str, mime: &str, content: &str) {
    let Some(doc) = window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(content));
    let opts = web_sys::BlobPropertyBag::new();
    opts.set_type(mime);
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

/// Reads a dropped or picked file as text, then calls `done` (with an error message on failure).
pub fn read_file(file: web_sys::File, done: impl FnOnce(Result<String, String>) + 'static) {
    if file.size() > cps_core::MAX_INPUT_BYTES as f64 {
        done(Err(format!(
            "{} is larger than cps reads (16 MiB).",
            file.name()
        )));
        return;
    }
    let name = file.name();
    yew::platform::spawn_local(async move {
        let result = wasm_bindgen_futures::JsFuture::from(file.text())
            .await
            .map(|v| v.as_string().unwrap_or_default())
            .map_err(|_| format!("Could not read {name}."));
        done(result);
    });
}

pub fn set_theme_attribute(theme: &str) {
    if let Some(el) = window()
        .and_then(|w| w.document())
        .and_then(|d| d.document_element())
    {
        if theme == "auto" {
            let _ = el.remove_attribute("data-theme");
        } else {
            let _ = el.set_attribute("data-theme", theme);
        }
    }
}
