//! The studio's Upload step as its own wasm module. The studio loads it the first time the
//! Upload tab opens (`web/src/upload_host.rs`), so the page's first load carries only the editor
//! and the checker; a user who never uploads never downloads this.
//!
//! The two modules share no memory. They talk through DOM events on the host element:
//! - studio → here: `cps:config`, detail = [`ConfigEvent`] as JSON (the exact API body, or why
//!   there is none, and the check it came from);
//! - here → studio: `cps:set-connection` (detail: the zero-copy config id to put everywhere) and
//!   `cps:server-refused` (detail: `{"status", "body"}` of TD's refusal, which the studio points
//!   at the config with `cps_td_api::locate`).
//!
//! **Invariant:** the TD API key stays in this module's memory (or the tab's sessionStorage when
//! the user opts in); no event carries it.

mod panel;
mod services;

pub use cps_td_api::bridge::{
    ConfigEvent, CONFIG_EVENT, SERVER_REFUSED_EVENT, SET_CONNECTION_EVENT,
};
use wasm_bindgen::prelude::*;

/// Renders the Upload panel into a new element inside `host`, starting from `config` (a
/// [`ConfigEvent`] as JSON).
#[wasm_bindgen]
pub fn mount(host: web_sys::Element, config: String) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    // Two Yew apps share this page, each with its own copy of Yew, and Yew tells its apps apart
    // by a per-copy counter of tree ids stored on the DOM nodes: both would start at 1, and the
    // studio would then run its own handlers for clicks in this panel. Rendering a throwaway
    // app first makes this panel tree 2, which the studio (tree 1, with no portals) ignores.
    // The browser tests click through this panel and would catch a regression.
    yew::Renderer::<Nothing>::with_root(document.create_element("div")?).render();
    let root = document.create_element("div")?;
    host.append_child(&root)?;
    yew::Renderer::<panel::Upload>::with_root_and_props(
        root,
        panel::UploadProps {
            host,
            initial: ConfigEvent::from_json(&config),
        },
    )
    .render();
    Ok(())
}

#[yew::function_component(Nothing)]
fn nothing() -> yew::Html {
    yew::Html::default()
}
