//! The studio's steps beyond editing — Snowflake setup and Upload — as one wasm module of their
//! own. The studio loads it the first time one of those tabs opens (`web/src/step_host.rs`), so
//! the page's first load carries only the editor and the checker; a user who never sets up or
//! uploads never downloads this.
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
mod snowflake;

pub use cps_td_api::bridge::{
    ConfigEvent, CONFIG_EVENT, SERVER_REFUSED_EVENT, SET_CONNECTION_EVENT,
};
use wasm_bindgen::prelude::*;

/// Renders the step `name` (`upload` or `snowflake`) into a new element inside `host`, starting
/// from `config` (a [`ConfigEvent`] as JSON).
#[wasm_bindgen]
pub fn mount(name: String, host: web_sys::Element, config: String) -> Result<(), JsValue> {
    let document = web_sys::window()
        .and_then(|w| w.document())
        .ok_or("no document")?;
    // Two copies of Yew share this page (the studio's and this module's), and Yew tells its apps
    // apart by a per-copy counter of tree ids stored on the DOM nodes: both would start at 1, and
    // the studio would then run its own handlers for clicks in these panels. Rendering one
    // throwaway app first makes this module's panels trees 2 and up, which the studio (tree 1,
    // no portals) ignores. The browser tests click through the panels and would catch a
    // regression.
    THROWAWAY.with(|done| {
        if !done.replace(true) {
            if let Ok(el) = document.create_element("div") {
                yew::Renderer::<Nothing>::with_root(el).render();
            }
        }
    });
    let root = document.create_element("div")?;
    host.append_child(&root)?;
    let initial = ConfigEvent::from_json(&config);
    match name.as_str() {
        "upload" => {
            yew::Renderer::<panel::Upload>::with_root_and_props(
                root,
                panel::UploadProps { host, initial },
            )
            .render();
        }
        "snowflake" => {
            yew::Renderer::<snowflake::Snowflake>::with_root_and_props(
                root,
                snowflake::SnowflakeProps { host, initial },
            )
            .render();
        }
        other => return Err(format!("no step named {other}").into()),
    }
    Ok(())
}

thread_local! {
    static THROWAWAY: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[yew::function_component(Nothing)]
fn nothing() -> yew::Html {
    yew::Html::default()
}
