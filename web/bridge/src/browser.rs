//! The browser services both wasm modules use: the message events, Blob downloads, the
//! clipboard and reading a picked or dropped file. Nothing here sends anything off the page.

use crate::message::Message;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};

fn window() -> Option<web_sys::Window> {
    web_sys::window()
}

// ---- messages -------------------------------------------------------------------------------

/// Sends `message` to whoever listens on `el` (synchronously: the listener runs before this
/// returns).
pub fn send<M: Message>(el: &web_sys::Element, message: &M) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&js_sys::Uint8Array::from(&message.encode()[..]));
    if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict(M::EVENT, &init) {
        let _ = el.dispatch_event(&e);
    }
}

/// A listener for `M` on an element, removed when dropped.
pub struct Listener {
    el: web_sys::Element,
    event: &'static str,
    closure: Closure<dyn Fn(web_sys::CustomEvent)>,
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self
            .el
            .remove_event_listener_with_callback(self.event, self.closure.as_ref().unchecked_ref());
    }
}

/// Calls `on` with every `M` sent on `el`. A detail that is not an `M` is dropped: both sides
/// are built from this crate at the same commit, so that would be a bug, and the console says it.
pub fn listen<M: Message + 'static>(el: &web_sys::Element, on: impl Fn(M) + 'static) -> Listener {
    let closure = Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
        let detail = e.detail().dyn_into::<js_sys::Uint8Array>().ok();
        match detail.map(|d| M::decode(&d.to_vec())) {
            Some(Ok(m)) => on(m),
            Some(Err(why)) => web_sys::console::warn_1(&format!("cps: {}: {why}", M::EVENT).into()),
            None => {}
        }
    });
    let _ = el.add_event_listener_with_callback(M::EVENT, closure.as_ref().unchecked_ref());
    Listener {
        el: el.clone(),
        event: M::EVENT,
        closure,
    }
}

// ---- downloads and the clipboard ------------------------------------------------------------

/// Offers `content` as a file download through a Blob URL, revoked right after: nothing is
/// stored and nothing leaves the browser.
pub fn download(name: &str, mime: &str, content: &str) {
    let Some(doc) = window().and_then(|w| w.document()) else {
        return;
    };
    let parts = js_sys::Array::of1(&JsValue::from_str(content));
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

pub fn copy_to_clipboard(text: &str) {
    if let Some(w) = window() {
        let _ = w.navigator().clipboard().write_text(text);
    }
}

// ---- files ----------------------------------------------------------------------------------

/// The first file of a drop, if the drop carried one.
pub fn dropped_file(e: &web_sys::DragEvent) -> Option<web_sys::File> {
    e.data_transfer()?.files()?.get(0)
}

/// A picked or dropped file's text, up to the core's input limit (a larger file is refused
/// before it is read, so a wrong drop cannot fill the tab's memory).
pub async fn read_text(file: web_sys::File) -> Result<String, String> {
    let name = file.name();
    if file.size() > cps_core::MAX_INPUT_BYTES as f64 {
        return Err(format!("{name} is larger than cps reads (16 MiB)."));
    }
    wasm_bindgen_futures::JsFuture::from(file.text())
        .await
        .map(|v| v.as_string().unwrap_or_default())
        .map_err(|_| format!("Could not read {name}."))
}

/// [`read_text`], then `done` with the result, on the page's event loop.
pub fn read_file(file: web_sys::File, done: impl FnOnce(Result<String, String>) + 'static) {
    wasm_bindgen_futures::spawn_local(async move { done(read_text(file).await) });
}
