//! Where the Upload step lives: an element that stays in the page, into which the Upload module
//! (`web/upload`, its own wasm) is loaded the first time the tab opens. Keeping it out of this
//! wasm keeps the first load small; keeping the element mounted keeps its state (and the key in
//! its memory) across tab switches.
//!
//! The two talk through events on the element (`cps_td_api::bridge`): every check goes to the
//! module as the exact API body; a picked zero-copy config comes back as a form edit, and TD's
//! refusal comes back to be pointed at the config here, where the spans are.

use crate::state::{Action, FormEdit, Shared};
use cps_td_api::bridge::{self, ConfigEvent};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[wasm_bindgen(inline_js = "export async function loadUpload(host, config) {
  const url = new URL('upload/cps_upload.js', document.baseURI).href;
  const m = await import(url);
  await m.default();
  m.mount(host, config);
}")]
extern "C" {
    #[wasm_bindgen(catch, js_name = loadUpload)]
    async fn load_upload(host: &web_sys::Element, config: &str) -> Result<JsValue, JsValue>;
}

#[derive(Properties, PartialEq)]
pub struct UploadHostProps {
    pub checked: Shared,
    pub checks: u64,
    pub visible: bool,
    pub dispatch: Callback<Action>,
}

/// What the module is told about a check: the body to upload, or why there is none.
fn config_event(checked: &cps_core::Checked, revision: u64) -> String {
    let (body, blocked) = match cps_td_api::upload_body(checked) {
        Ok(b) => (serde_json::to_string_pretty(&b).ok(), None),
        Err(e) => (None, Some(e)),
    };
    ConfigEvent {
        body,
        blocked,
        revision,
    }
    .to_json()
}

fn send_config(el: &web_sys::Element, config: &str) {
    let init = web_sys::CustomEventInit::new();
    init.set_detail(&JsValue::from_str(config));
    if let Ok(e) = web_sys::CustomEvent::new_with_event_init_dict(bridge::CONFIG_EVENT, &init) {
        let _ = el.dispatch_event(&e);
    }
}

#[function_component(UploadHost)]
pub fn upload_host(props: &UploadHostProps) -> Html {
    let host = use_node_ref();
    let loaded = use_mut_ref(|| false);
    let error = use_state(|| None::<String>);
    // The listeners read the newest check through this.
    let latest = use_mut_ref(|| props.checked.clone());
    *latest.borrow_mut() = props.checked.clone();
    let latest_checks = use_mut_ref(|| props.checks);
    *latest_checks.borrow_mut() = props.checks;

    // Events from the module.
    {
        let (host, dispatch, latest) = (host.clone(), props.dispatch.clone(), latest.clone());
        use_effect_with((), move |_| {
            let element: Option<web_sys::Element> = host.cast();
            let set_connection = {
                let dispatch = dispatch.clone();
                Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                    if let Some(id) = e.detail().as_string() {
                        dispatch.emit(Action::Form(FormEdit::SetConnection(id)));
                    }
                })
            };
            let refused =
                Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                    let checked: Shared = latest.borrow().clone();
                    let error = e
                        .detail()
                        .as_string()
                        .and_then(|d| bridge::refused_from_detail(&d));
                    if let (Some(error), Some(config)) = (error, &checked.config) {
                        let located = cps_td_api::locate::locate(config, &error);
                        if !located.is_empty() {
                            dispatch.emit(Action::ServerRefused(located));
                        }
                    }
                });
            if let Some(el) = &element {
                let _ = el.add_event_listener_with_callback(
                    bridge::SET_CONNECTION_EVENT,
                    set_connection.as_ref().unchecked_ref(),
                );
                let _ = el.add_event_listener_with_callback(
                    bridge::SERVER_REFUSED_EVENT,
                    refused.as_ref().unchecked_ref(),
                );
            }
            move || {
                if let Some(el) = element {
                    let _ = el.remove_event_listener_with_callback(
                        bridge::SET_CONNECTION_EVENT,
                        set_connection.as_ref().unchecked_ref(),
                    );
                    let _ = el.remove_event_listener_with_callback(
                        bridge::SERVER_REFUSED_EVENT,
                        refused.as_ref().unchecked_ref(),
                    );
                }
            }
        });
    }

    // Load the module the first time the tab is shown; after that, send it every check.
    {
        let (host, loaded, error, checked, latest, latest_checks) = (
            host.clone(),
            loaded.clone(),
            error.clone(),
            props.checked.clone(),
            latest.clone(),
            latest_checks.clone(),
        );
        use_effect_with((props.visible, props.checks), move |(visible, checks)| {
            if let Some(el) = host.cast::<web_sys::Element>() {
                let config = config_event(&checked, *checks);
                if *loaded.borrow() {
                    send_config(&el, &config);
                } else if *visible {
                    *loaded.borrow_mut() = true;
                    wasm_bindgen_futures::spawn_local(async move {
                        if load_upload(&el, &config).await.is_ok() {
                            // The text may have changed while the module loaded.
                            let now = *latest_checks.borrow();
                            send_config(&el, &config_event(&latest.borrow(), now));
                        } else {
                            *loaded.borrow_mut() = false;
                            error.set(Some("The Upload step could not be loaded. Reload the page; if it persists, rebuild the site (`cargo xtask build-web`).".into()));
                        }
                    });
                }
            }
        });
    }

    html! {
        <div class="upload-host" style={(!props.visible).then_some("display: none")} data-testid="upload-host">
            if let Some(e) = &*error { <p class="notice" role="alert">{e.clone()}</p> }
            <div ref={host}></div>
        </div>
    }
}
