//! Where the Snowflake setup and Upload steps live: one element per step that stays in the page,
//! into which the steps module (`web/steps`, its own wasm) mounts the step the first time its
//! tab opens. Keeping the steps out of this wasm keeps the first load small; keeping the elements
//! mounted keeps their state (and the key in the Upload step's memory) across tab switches.
//!
//! The two talk through events on the element (`cps_td_api::bridge`): every check goes to the
//! step as the exact API body and the text; a picked zero-copy config comes back as a form edit,
//! and TD's refusal comes back as `server-refused` marks the step located in that text (shown
//! while the editor still holds it), so the TD error handling stays out of this wasm.

use crate::state::{Action, FormEdit, Shared};
use cps_td_api::bridge::{self, ConfigEvent};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use yew::prelude::*;

#[wasm_bindgen(inline_js = "let steps;
export async function loadStep(name, host, config) {
  steps ??= import(new URL('steps/cps_steps.js', document.baseURI).href)
    .then(async (m) => { await m.default(); return m; });
  (await steps).mount(name, host, config);
}")]
extern "C" {
    #[wasm_bindgen(catch, js_name = loadStep)]
    async fn load_step(
        name: &str,
        host: &web_sys::Element,
        config: &str,
    ) -> Result<JsValue, JsValue>;
}

#[derive(Properties, PartialEq)]
pub struct StepHostProps {
    /// `upload` or `snowflake` (see `web/steps/src/lib.rs`).
    pub step: &'static str,
    pub checked: Shared,
    pub text: AttrValue,
    pub options: cps_core::Options,
    pub checks: u64,
    pub visible: bool,
    pub dispatch: Callback<Action>,
}

/// What the module is told about a check: the body to upload, or why there is none.
fn config_event(
    text: &str,
    options: &cps_core::Options,
    checked: &cps_core::Checked,
    revision: u64,
) -> String {
    let (body, blocked) = match cps_td_api::upload_body(checked) {
        Ok(b) => (serde_json::to_string_pretty(&b).ok(), None),
        Err(e) => (None, Some(e)),
    };
    ConfigEvent {
        body,
        blocked,
        revision,
        text: text.to_string(),
        options: cps_core::config::options::options_to_string(options),
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

/// The newest check, as the step is told about it.
struct Latest {
    checked: Shared,
    text: AttrValue,
    options: cps_core::Options,
    checks: u64,
}

impl Latest {
    fn of(p: &StepHostProps) -> Latest {
        Latest {
            checked: p.checked.clone(),
            text: p.text.clone(),
            options: p.options,
            checks: p.checks,
        }
    }

    fn event(&self) -> String {
        config_event(&self.text, &self.options, &self.checked, self.checks)
    }
}

#[function_component(StepHost)]
pub fn step_host(props: &StepHostProps) -> Html {
    let host = use_node_ref();
    let loaded = use_mut_ref(|| false);
    let error = use_state(|| None::<String>);
    // The listeners (and a step that finishes loading) read the newest check through this.
    let latest = use_mut_ref(|| Latest::of(props));
    *latest.borrow_mut() = Latest::of(props);

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
            // TD's refusal, already located by the step in the text it uploaded: shown while
            // the editor still holds that text.
            let refused =
                Closure::<dyn Fn(web_sys::CustomEvent)>::new(move |e: web_sys::CustomEvent| {
                    let text = latest.borrow().text.clone();
                    let located = e
                        .detail()
                        .as_string()
                        .and_then(|d| bridge::refused_from_detail(&d, &text));
                    if let Some(located) = located.filter(|l| !l.is_empty()) {
                        dispatch.emit(Action::ServerRefused(located));
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

    // Load the step the first time its tab is shown; after that, send it every check made while
    // it is shown.
    {
        let (host, loaded, error, latest, step) = (
            host.clone(),
            loaded.clone(),
            error.clone(),
            latest.clone(),
            props.step,
        );
        use_effect_with((props.visible, props.checks), move |(visible, _)| {
            if let Some(el) = host.cast::<web_sys::Element>() {
                if *loaded.borrow() {
                    // Only while shown: a hidden step needs no work per keystroke, and it is
                    // sent the newest check when it is shown again (`visible` is a dependency).
                    if *visible {
                        send_config(&el, &latest.borrow().event());
                    }
                } else if *visible {
                    *loaded.borrow_mut() = true;
                    let config = latest.borrow().event();
                    wasm_bindgen_futures::spawn_local(async move {
                        if load_step(step, &el, &config).await.is_ok() {
                            // The text may have changed while the module loaded.
                            send_config(&el, &latest.borrow().event());
                        } else {
                            *loaded.borrow_mut() = false;
                            error.set(Some("This step could not be loaded. Reload the page; if it persists, rebuild the site (`cargo xtask build-web`).".into()));
                        }
                    });
                }
            }
        });
    }

    html! {
        <div class="step-host" style={(!props.visible).then_some("display: none")} data-testid={format!("{}-host", props.step)}>
            if let Some(e) = &*error { <p class="notice" role="alert">{e.clone()}</p> }
            <div ref={host}></div>
        </div>
    }
}
