//! The studio's own browser services: storage, URL fragment, theme. Only the config text and
//! non-secret settings are ever stored; nothing here sends anything anywhere. Downloads, the
//! clipboard and files are `cps_bridge::browser`'s (the steps use them too).

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

/// localStorage keys. The draft is the config text only, never a secret.
pub const DRAFT_KEY: &str = "cps.draft.v1";
/// The open files a share link replaced (`project::Files::to_stored`).
pub const PREVIOUS_DRAFT_KEY: &str = "cps.project.previous.v1";
pub const SETTINGS_KEY: &str = "cps.settings.v1";
pub const THEME_KEY: &str = "cps.theme.v1";
/// The open files, names and texts (`project::Files::to_stored`): every file's draft.
pub const PROJECT_KEY: &str = "cps.project.v1";
pub fn load(key: &str) -> Option<String> {
    window()?.local_storage().ok()??.get_item(key).ok()?
}

pub fn save(key: &str, value: &str) {
    // A full or disabled storage must not break editing: the draft is a convenience.
    if let Some(Ok(Some(s))) = window().map(|w| w.local_storage()) {
        let _ = s.set_item(key, value);
    }
}

/// [`save`], and where the value does not fit (storage full or off) the key is removed: an
/// older value must not come back in its place (the open files' draft; the active file's is
/// kept under [`DRAFT_KEY`] too).
pub fn save_or_forget(key: &str, value: &str) {
    if let Some(Ok(Some(s))) = window().map(|w| w.local_storage()) {
        if s.set_item(key, value).is_err() {
            let _ = s.remove_item(key);
        }
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

#[wasm_bindgen::prelude::wasm_bindgen]
extern "C" {
    /// `web/editor/src/editor.js`: a drop's files, folders walked.
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = droppedFiles)]
    pub fn dropped_files(data: &web_sys::DataTransfer) -> js_sys::Promise;
}

/// A file's path in the folder picked (`webkitRelativePath`; empty for a file picked as such).
pub fn relative_path(file: &web_sys::File) -> String {
    js_sys::Reflect::get(file, &"webkitRelativePath".into())
        .ok()
        .and_then(|v| v.as_string())
        .unwrap_or_default()
}

/// [`dropped_files`]' answer as `(path, file)`.
pub fn picked_files(
    answer: Result<wasm_bindgen::JsValue, wasm_bindgen::JsValue>,
) -> Vec<(String, web_sys::File)> {
    use wasm_bindgen::JsCast;
    let Ok(list) = answer.and_then(|v| v.dyn_into::<js_sys::Array>()) else {
        return Vec::new();
    };
    list.iter()
        .filter_map(|item| {
            let path = js_sys::Reflect::get(&item, &"path".into())
                .ok()?
                .as_string()?;
            let file = js_sys::Reflect::get(&item, &"file".into())
                .ok()?
                .dyn_into()
                .ok()?;
            Some((path, file))
        })
        .collect()
}
