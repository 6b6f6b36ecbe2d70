//! Formats: the config as the exact API body (JSON or YAML) or tdx YAML, to view and download.

use crate::state::Action;
use cps_core::output::convert::{self, Target};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct OutputProps {
    pub checked: crate::state::Shared,
    pub target: Target,
    pub dispatch: Callback<Action>,
}

const TARGETS: &[(Target, &str, &str, &str, &str)] = &[
    (
        Target::ApiJson,
        "api-json",
        "API JSON (the upload body)",
        "parent_segment_config.json",
        "application/json",
    ),
    (
        Target::ApiYaml,
        "api-yaml",
        "API body as YAML",
        "parent_segment_config.yaml",
        "text/yaml",
    ),
    (
        Target::TdxYaml,
        "tdx-yaml",
        "tdx YAML",
        "parent_segment.yaml",
        "text/yaml",
    ),
];

#[function_component(Output)]
pub fn output(props: &OutputProps) -> Html {
    let c = &props.checked;
    let blocking = c
        .diagnostics
        .iter()
        .filter(|d| convert::blocks_conversion(d))
        .count();
    let (_, id, _, file, mime) = TARGETS
        .iter()
        .find(|t| t.0 == props.target)
        .copied()
        .unwrap_or(TARGETS[0]);
    let converted = match (&c.config, blocking) {
        (Some(config), 0) => Some(convert::write(config, &c.settings, props.target)),
        _ => None,
    };
    let on_select = {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some(t) = TARGETS.iter().find(|t| t.1 == v) {
                dispatch.emit(Action::SetOutput(t.0));
            }
        })
    };
    let on_download = {
        let text = converted.clone().unwrap_or_default();
        Callback::from(move |_| cps_bridge::browser::download(file, mime, &text))
    };
    let on_use = {
        let (text, dispatch) = (
            converted.clone().unwrap_or_default(),
            props.dispatch.clone(),
        );
        Callback::from(move |_| dispatch.emit(Action::Load(text.clone())))
    };
    html! {
        <div class="output">
            <div class="output-bar">
                <label class="select-label">{"Format "}
                    <select onchange={on_select} data-testid="output-format">
                        { for TARGETS.iter().map(|t| html! { <option value={t.1} selected={t.0 == props.target}>{t.2}</option> }) }
                    </select>
                </label>
                <button onclick={on_download} disabled={converted.is_none()} data-testid="download">{format!("Download {file}")}</button>
                <button onclick={on_use} disabled={converted.is_none()} title="Replace the editor text with this format" data-testid="use-format">{"Edit in this format"}</button>
            </div>
            { match converted {
                Some(text) => html! { <pre class="converted" tabindex="0" data-testid="converted" data-format={id}>{text}</pre> },
                None => html! { <p class="blocked" data-testid="converted-blocked">{format!("Fix the {blocking} error{} first: the output is written only from a config without errors.", if blocking == 1 { "" } else { "s" })}</p> },
            } }
            <p class="note">{"The API body adds kind, isComposable and master.name (the table name) when the input lacks them, and leaves out server-assigned fields (id, createdAt, updatedAt, createdBy, updatedBy, population) and unknown keys. A GET response (flat: masterSchema, masterTable, …) becomes the nested body; its allowActivationBehavior and maxActivationBehaviorRow stay in the API body and are left out of tdx YAML, which has no keys for them."}</p>
            if c.dialect == Some(cps_core::Dialect::Get) {
                <p class="note" data-testid="get-note">{"This file is a GET response (the flat shape). \"Edit in this format\" turns it into the create body."}</p>
            }
        </div>
    }
}
