//! Where the Snowflake setup and Upload steps live: one element per step that stays in the page,
//! into which the steps module (`web/steps`, its own wasm) mounts the step the first time its
//! tab opens. Keeping the steps out of this wasm keeps the first load small; keeping the elements
//! mounted keeps their state (and the key in the Upload step's memory) across tab switches.
//!
//! The two talk through `cps_bridge`'s typed messages on the element: each check goes to the
//! step as a [`Revision`] (the upload body only for the Upload step, which alone needs it);
//! the step answers with findings, completions, a connection id or an upload's result, which
//! become actions of the studio's state: the studio alone drives the editor.
//!
//! A step is told about a check after the studio has painted it: the studio's own diagnostics
//! never wait for a step's work, and checks that come faster than frames reach it once, newest
//! only.

use crate::state::{Action, Shared};
use cps_bridge::browser::{self, Listener};
use cps_bridge::{Body, Message, Revision, ToStep, ToStudio};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen(inline_js = "let steps;
export async function loadStep(name, host, protocol, config) {
  steps ??= import(new URL('steps/cps_steps.js', document.baseURI).href)
    .then(async (m) => { await m.default(); return m; });
  (await steps).mount(name, host, protocol, config);
}
export function afterPaint(f) { requestAnimationFrame(() => setTimeout(f, 0)); }")]
extern "C" {
    #[wasm_bindgen(catch, js_name = loadStep)]
    async fn load_step(
        name: &str,
        host: &web_sys::Element,
        protocol: u32,
        config: &[u8],
    ) -> Result<JsValue, JsValue>;
    /// Runs `f` once the next frame has been painted.
    #[wasm_bindgen(js_name = afterPaint)]
    fn after_paint(f: &JsValue);
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

    fn revision(&self, step: &str) -> ToStep {
        // Only the Upload step uploads: the body is made for it alone.
        let body = (step == "upload").then(|| match cps_td_api::upload_body(&self.checked) {
            Ok(b) => Body::Ready(serde_json::to_string_pretty(&b).unwrap_or_default()),
            Err(why) => Body::Blocked(why),
        });
        ToStep::Revision(Revision {
            revision: self.checks,
            text: self.text.to_string(),
            options: cps_core::config::options::options_to_string(&self.options),
            body,
        })
    }
}

/// What the host knows about its step between renders.
#[derive(Default)]
struct Link {
    /// The module is loaded (or loading) and the step mounted.
    loaded: Cell<bool>,
    /// The step asked for every check, also while hidden ([`ToStudio::Follow`]).
    follow: Cell<bool>,
    /// A send is scheduled after the next paint (it sends whatever is newest then).
    pending: Cell<bool>,
    /// The revision the step was last sent.
    sent: Cell<Option<u64>>,
    listener: RefCell<Option<Listener>>,
}

/// Sends the newest check after the next paint, unless one is already on its way.
fn send_after_paint(
    el: web_sys::Element,
    link: Rc<Link>,
    latest: Rc<RefCell<Latest>>,
    step: &'static str,
) {
    if link.pending.replace(true) {
        return;
    }
    let send = Closure::once_into_js(move || {
        link.pending.set(false);
        let latest = latest.borrow();
        if link.sent.get() != Some(latest.checks) {
            link.sent.set(Some(latest.checks));
            browser::send(&el, &latest.revision(step));
        }
    });
    after_paint(&send);
}

#[function_component(StepHost)]
pub fn step_host(props: &StepHostProps) -> Html {
    let host = use_node_ref();
    let link = use_memo((), |_| Link::default());
    let error = use_state(|| None::<String>);
    // The listener and a send after the paint read the newest check through this.
    let latest = use_mut_ref(|| Latest::of(props));
    *latest.borrow_mut() = Latest::of(props);

    // Messages from the step: `Follow` is the host's; everything else is the studio's state.
    {
        let (host, link, dispatch) = (host.clone(), link.clone(), props.dispatch.clone());
        use_effect_with((), move |_| {
            if let Some(el) = host.cast::<web_sys::Element>() {
                let l = link.clone();
                *link.listener.borrow_mut() =
                    Some(browser::listen::<ToStudio>(&el, move |m| match m {
                        ToStudio::Follow(on) => l.follow.set(on),
                        other => dispatch.emit(Action::Step(other)),
                    }));
            }
            move || drop(link.listener.borrow_mut().take())
        });
    }

    // Load the step the first time its tab is shown; after that, tell it about every check made
    // while it is shown or follows (a hidden step that does not follow gets the newest check
    // when it is shown again: `visible` is a dependency).
    {
        let (host, link, error, latest, step) = (
            host.clone(),
            link.clone(),
            error.clone(),
            latest.clone(),
            props.step,
        );
        use_effect_with((props.visible, props.checks), move |(visible, _)| {
            let Some(el) = host.cast::<web_sys::Element>() else {
                return;
            };
            if link.loaded.get() {
                if *visible || link.follow.get() {
                    send_after_paint(el, link.clone(), latest, step);
                }
            } else if *visible {
                link.loaded.set(true);
                let first = latest.borrow().revision(step);
                link.sent.set(Some(latest.borrow().checks));
                wasm_bindgen_futures::spawn_local(async move {
                    let mounted = load_step(step, &el, cps_bridge::PROTOCOL, &first.encode()).await;
                    if mounted.is_ok() {
                        // The text may have changed while the module loaded.
                        send_after_paint(el, link, latest, step);
                    } else {
                        link.loaded.set(false);
                        error.set(Some("This step could not be loaded. Reload the page; if it persists, rebuild the site (`cargo xtask build-web`).".into()));
                    }
                });
            }
        });
    }

    html! {
        <div class="step-host" style={(!props.visible).then_some("display: none")} data-testid={format!("{}-host", props.step)}>
            if let Some(e) = &*error { <p class="notice" role="alert">{cps_bridge::words::html(e)}</p> }
            <div ref={host}></div>
        </div>
    }
}
