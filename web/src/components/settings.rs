//! Settings where TD's sources disagree or the file cannot tell, with their documented defaults.

use crate::state::Action;
use cps_bridge::words::html as words;
use cps_core::{IdentifierCase, Options, Settings as Resolved, Source, TypeProfile, Warehouse};
use web_sys::HtmlSelectElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub options: Options,
    pub settings: Resolved,
    pub dispatch: Callback<Action>,
}

/// A command-line flag, kept on one line.
fn flag(name: &'static str) -> Html {
    html! { <code class="flag">{name}</code> }
}

#[function_component(Settings)]
pub fn settings(props: &SettingsProps) -> Html {
    let o = props.options;
    let set = |f: fn(&mut Options, &str)| {
        let dispatch = props.dispatch.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            let mut next = o;
            f(&mut next, &v);
            dispatch.emit(Action::SetOptions(next));
        })
    };
    let resolved = match props.settings.warehouse_source {
        Source::Option => "chosen here".to_string(),
        Source::Inferred => format!(
            "inferred from the file: {}",
            props.settings.warehouse.as_str()
        ),
        Source::Catalog => format!(
            "from the catalog export's type names: {}",
            props.settings.warehouse.as_str()
        ),
        Source::Default => format!("default: {}", props.settings.warehouse.as_str()),
    };
    html! {
        <div class="settings" data-testid="settings">
            <p class="lead">{"TD's documentation and its own tools disagree on a few points. cps makes each one a setting with a documented default instead of guessing. The settings are stored in this browser."}</p>
            <label class="field" data-testid="setting-field-warehouse" id="setting-warehouse">
                <span class="label">{"Warehouse"}</span>
                <select onchange={set(|o, v| o.warehouse = Warehouse::parse(v))} data-testid="setting-warehouse">
                    <option value="auto" selected={o.warehouse.is_none()}>{"Auto (from the file)"}</option>
                    { for Warehouse::ALL.iter().map(|w| html! { <option value={w.as_str()} selected={o.warehouse == Some(*w)}>{w.as_str()}</option> }) }
                </select>
                <span class="note">{words(&format!("Now: {resolved}. Default: entries with `connectionId`/`catalog` mean Databricks or BigQuery (they check alike), otherwise Snowflake. CLI: "))}{flag("--warehouse")}{"."}</span>
            </label>
            <label class="field" data-testid="setting-field-types" id="setting-types">
                <span class="label">{words("Type profile: which `type` values TD accepts")}</span>
                <select onchange={set(|o, v| o.types = TypeProfile::parse(v).unwrap_or_default_profile())} data-testid="setting-types">
                    { for TypeProfile::ALL.iter().map(|p| html! { <option value={p.as_str()} selected={o.types == *p} title={p.label()}>{format!("{} — {} types", p.as_str(), p.types().len())}</option> }) }
                </select>
                // The choices' own text is short (a long one is cut off in a narrow pane): the
                // types themselves are listed here.
                <span class="note" data-testid="setting-types-note">{words("A type profile is a set of `type` values, after one of TD's sources: they disagree, so you choose which one to follow (CLI: ")}{flag("--types")}{words(&format!("). Now: {}; its types: {}. Default: published, TD's published CDP API schema (S31): seven types, and `type` may be left out (TD infers it from the warehouse column). The older sets stay for older backends: tdx-2026-07 (tdx skill, July 2026), tdx-2026-08 (tdx skill, Aug 2026, no boolean or date), legacy-api-cas (March 2026, string and number only).", o.types.label(), o.types.types().join(", ")))}</span>
            </label>
            <label class="field" data-testid="setting-field-case" id="setting-case">
                <span class="label">{"Identifier case"}</span>
                <select onchange={set(|o, v| o.identifier_case = IdentifierCase::parse(v).unwrap_or(IdentifierCase::Exact))} data-testid="setting-case">
                    <option value="exact" selected={o.identifier_case == IdentifierCase::Exact}>{"exact — unquoted names resolve to upper case"}</option>
                    <option value="lowercase" selected={o.identifier_case == IdentifierCase::Lowercase}>{"lowercase — legacy api-cas host"}</option>
                </select>
                <span class="note">{"Default: exact (current backend, case-sensitive matching against Snowflake's stored names). CLI: "}{flag("--identifier-case")}{"."}</span>
            </label>
        </div>
    }
}

trait OrDefaultProfile {
    fn unwrap_or_default_profile(self) -> TypeProfile;
}

impl OrDefaultProfile for Option<TypeProfile> {
    fn unwrap_or_default_profile(self) -> TypeProfile {
        self.unwrap_or(TypeProfile::Published)
    }
}
