//! The studio's steps beyond editing — Snowflake setup and Upload — as one wasm module of their
//! own. The studio loads it the first time one of those tabs opens (`web/src/step_host.rs`), so
//! the page's first load carries only the editor and the checker; a user who never sets up or
//! uploads never downloads this.
//!
//! The two modules share no memory. They talk through `cps_bridge`'s typed messages on the host
//! element: the studio sends each check a step needs (`ToStep::Revision`); the steps send back
//! findings (catalog checks, TD's refusal located in the uploaded text), completions, a
//! connection id and how an upload ended (`ToStudio`). The studio alone drives the editor.
//!
//! **Invariant:** the TD API key and private keys stay in this module's memory (or the tab's
//! sessionStorage for the TD key when the user opts in); no message carries them.

mod panel;
mod services;
mod snowflake;
pub mod upload;

use cps_bridge::{Message, ToStep};
use wasm_bindgen::prelude::*;

/// Renders the step `name` (`upload` or `snowflake`) into a new element inside `host`, starting
/// from `config` (an encoded `ToStep`). `protocol` is the studio's `cps_bridge::PROTOCOL`: a
/// module from another build (a stale cache) refuses to mount rather than misread messages.
#[wasm_bindgen]
pub fn mount(
    name: String,
    host: web_sys::Element,
    protocol: u32,
    config: Vec<u8>,
) -> Result<(), JsValue> {
    if protocol != cps_bridge::PROTOCOL {
        return Err("the steps module is from another build of the page: reload it".into());
    }
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
    let initial = match ToStep::decode(&config) {
        Ok(ToStep::Revision(r)) => r,
        Err(why) => return Err(format!("not a check from the studio: {why}").into()),
    };
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
