//! The guided path, drawn: one row above the panes, always visible, each stage a button with its
//! state (a mark and a few words) that opens its place; "Ready to upload" (or why not) at the
//! end. The states are `path.rs`'s.

use crate::path::{Place, Readiness, Step};
use cps_bridge::Standing;
use wasm_bindgen::prelude::*;
use yew::prelude::*;

#[wasm_bindgen(inline_js = "export function reveal(testid) {
  let tries = 0;
  const look = () => {
    const el = document.querySelector(`[data-testid=\"${testid}\"]`);
    if (el && el.offsetParent !== null) {
      el.scrollIntoView({ block: 'start' });
      const h = el.querySelector('h2, h3');
      if (h) h.tabIndex = -1;
      (h || el.querySelector('select, input, textarea'))?.focus({ preventScroll: true });
    } else if (++tries < 600) {
      requestAnimationFrame(look);
    }
  };
  requestAnimationFrame(look);
}")]
extern "C" {
    /// Scrolls the element with this `data-testid` into view and focuses its heading (or its
    /// first control), once it
    /// is shown (the steps module may still be loading; it gives up after ~10 s).
    fn reveal(testid: &str);
}

/// Opens a place: its tab, then its section.
pub fn go(place: Place, set_tab: &Callback<crate::state::Tab>) {
    set_tab.emit(place.tab);
    if let Some(section) = place.section {
        reveal(section);
    }
}

#[derive(Properties, PartialEq)]
pub struct PathProps {
    pub steps: Vec<Step>,
    pub readiness: Readiness,
    pub on_go: Callback<Place>,
}

fn button(s: &Step, n: usize, on_go: &Callback<Place>) -> Html {
    let (class, mark, word) = match s.standing {
        Standing::Done => ("done", "✓".to_string(), "done"),
        Standing::Attention => ("attention", "!".to_string(), "needs attention"),
        // The main stages are numbered; the checks inside "Checks" are not.
        Standing::NotStarted if n == 0 => ("todo", "○".to_string(), "not started"),
        Standing::NotStarted => ("todo", n.to_string(), "not started"),
    };
    let (on_go, place) = (on_go.clone(), s.place);
    html! {
        <li>
            <button class={classes!("path-step", class)} data-step={s.id} data-state={class}
                onclick={Callback::from(move |_| on_go.emit(place))}>
                <span class="path-mark" aria-hidden="true">{mark}</span>
                <span class="path-text">
                    <span class="path-label">{s.label}<span class="visually-hidden">{format!(": {word}, ")}</span></span>
                    <span class="path-status">{s.status.clone()}</span>
                </span>
            </button>
        </li>
    }
}

#[function_component(Path)]
pub fn path(props: &PathProps) -> Html {
    let before: Vec<&Step> = props.steps.iter().take_while(|s| !s.check).collect();
    let checks: Vec<&Step> = props.steps.iter().filter(|s| s.check).collect();
    let after: Vec<&Step> = props
        .steps
        .iter()
        .skip(before.len() + checks.len())
        .collect();
    let mut n = 0;
    let mut next = || {
        n += 1;
        n
    };
    let on_problems = {
        let on_go = props.on_go.clone();
        Callback::from(move |_| {
            on_go.emit(Place {
                tab: crate::state::Tab::Problems,
                section: None,
            })
        })
    };
    let r = &props.readiness;
    html! {
        <nav class="path" aria-label="Guided path" data-testid="path">
            <ol class="path-steps">
                { for before.iter().map(|s| button(s, next(), &props.on_go)) }
                <li class="path-checks">
                    <span class="path-checks-label" id="path-checks-label">{format!("{} Checks", next())}</span>
                    <ol aria-labelledby="path-checks-label">
                        { for checks.iter().map(|s| button(s, 0, &props.on_go)) }
                    </ol>
                </li>
                { for after.iter().map(|s| button(s, next(), &props.on_go)) }
            </ol>
            <button class={classes!("readiness", if r.ready { "ready" } else { "blocked" })}
                data-testid="readiness" data-ready={r.ready.to_string()} onclick={on_problems}>
                <span aria-hidden="true">{ if r.ready { "✓ " } else { "✕ " } }</span>{r.text.clone()}
            </button>
        </nav>
    }
}
