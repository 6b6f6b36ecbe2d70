//! The form view: the master table, attributes and behaviors as cards. The text stays the source
//! of truth and every edit is a text edit: a changed value replaces just that value; adding,
//! removing or reordering entries changes just those entries' text (`cps_core::output::edit`), comments
//! and layout kept, also while other parts of the file have errors.

use crate::state::{Action, FormEdit};
use cps_core::config::model::{Column, Text};
use cps_core::{Diagnostic, Severity, Span};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct FormProps {
    pub checked: crate::state::Shared,
    pub options: cps_core::Options,
    pub dispatch: Callback<Action>,
}

/// What every field needs: the edit callback, and the check's findings to mark the field a
/// finding points into (the diagram marks its elements the same way).
struct Fields<'a> {
    dispatch: &'a Callback<Action>,
    diagnostics: &'a [Diagnostic],
}

/// The most severe error or warning inside a value (infos are not marked).
fn finding<'a>(d: &Fields<'a>, value: Option<Span>) -> Option<&'a Diagnostic> {
    let v = value?;
    d.diagnostics
        .iter()
        .filter(|x| x.severity != Severity::Info && x.span.start >= v.start && x.span.end <= v.end)
        .min_by_key(|x| x.severity != Severity::Error)
}

/// A field's finding under it: its class, the control's `aria-invalid`/`aria-describedby`, and
/// the words (hidden from the label's name, read as the control's description).
fn marked(
    found: Option<&Diagnostic>,
    testid: &str,
) -> (Option<String>, Option<AttrValue>, Option<AttrValue>, Html) {
    match found {
        None => (None, None, None, html! {}),
        Some(x) => {
            let sev = x.severity.as_str();
            let id = format!("{testid}-finding");
            (
                Some(format!("has-{sev}")),
                (x.severity == Severity::Error).then(|| AttrValue::from("true")),
                Some(AttrValue::from(id.clone())),
                html! { <span class={classes!("field-finding", sev)} id={id} aria-hidden="true" data-testid={format!("{testid}-finding")}>{cps_bridge::words::html(&x.message)}</span> },
            )
        }
    }
}

fn set(dispatch: &Callback<Action>, span: Span) -> Callback<String> {
    let dispatch = dispatch.clone();
    Callback::from(move |value: String| {
        dispatch.emit(Action::Form(FormEdit::SetValue { span, value }))
    })
}

/// One labelled input bound to a value of the text. A missing value shows as a disabled field:
/// it is reported in Problems, and added in the editor.
fn field(label: &str, value: &Option<Text>, d: &Fields, testid: String) -> Html {
    match value {
        Some(t) => {
            let on = set(d.dispatch, t.span);
            let (class, invalid, described, words) = marked(finding(d, Some(t.span)), &testid);
            html! {
                <label class={classes!("field", class)}>
                    <span class="label">{label.to_string()}</span>
                    <input value={t.value.to_string()} data-testid={testid} aria-invalid={invalid} aria-describedby={described}
                        onchange={Callback::from(move |e: Event| on.emit(e.target_unchecked_into::<HtmlInputElement>().value()))} />
                    { words }
                </label>
            }
        }
        None => html! {
            <label class="field missing">
                <span class="label">{label.to_string()}</span>
                <input disabled=true placeholder="missing: add it in the editor" data-testid={testid} />
            </label>
        },
    }
}

/// A long text (the description): a textarea that shows all of it, wrapped.
fn long_field(label: &str, value: &Option<Text>, d: &Fields, testid: String) -> Html {
    match value {
        Some(t) => {
            let on = set(d.dispatch, t.span);
            let (class, invalid, described, words) = marked(finding(d, Some(t.span)), &testid);
            html! {
                <label class={classes!("field", "wide", class)}>
                    <span class="label">{label.to_string()}</span>
                    <textarea rows="3" value={t.value.to_string()} data-testid={testid} aria-invalid={invalid} aria-describedby={described}
                        onchange={Callback::from(move |e: Event| on.emit(e.target_unchecked_into::<web_sys::HtmlTextAreaElement>().value()))} />
                    { words }
                </label>
            }
        }
        None => field(label, value, d, testid),
    }
}

/// The value of the type dropdown that leaves `type` out: TD fills it from the warehouse
/// column (S31).
const INFERRED: &str = "";

/// The `type` dropdown: the profile's types, and "(inferred by TD)", which removes the key (TD's
/// published schema makes it optional); choosing a type when there is none adds the key after
/// the entry's `name`.
fn type_select(
    value: &Option<Text>,
    name: &Option<Text>,
    types: &[&'static str],
    d: &Fields,
    testid: String,
) -> Html {
    let current = value.as_ref().map(|t| t.value.to_string());
    let (value_span, name_span) = (
        value.as_ref().map(|t| t.span),
        name.as_ref().map(|n| n.span),
    );
    if value_span.is_none() && name_span.is_none() {
        // Nowhere to add it from the form.
        return field("Type", value, d, testid);
    }
    let (class, invalid, described, words) = marked(finding(d, value_span), &testid);
    let on = {
        let dispatch = d.dispatch.clone();
        Callback::from(move |e: Event| {
            let v = e.target_unchecked_into::<HtmlSelectElement>().value();
            let edit = match (value_span, name_span) {
                (Some(span), _) if v == INFERRED => FormEdit::RemoveValue { span },
                (Some(span), _) => FormEdit::SetValue { span, value: v },
                (None, _) if v == INFERRED => return,
                (None, Some(after)) => FormEdit::AddValue {
                    after,
                    key: "type",
                    value: v,
                },
                (None, None) => return,
            };
            dispatch.emit(Action::Form(edit));
        })
    };
    let known = current.as_deref().is_none_or(|c| types.contains(&c));
    html! {
        <label class={classes!("field", class)}>
            <span class="label">{"Type"}</span>
            <select data-testid={testid} onchange={on} aria-invalid={invalid} aria-describedby={described}>
                if !known { <option value={current.clone().unwrap_or_default()} selected=true>{format!("{} (not allowed)", current.clone().unwrap_or_default())}</option> }
                <option value={INFERRED} selected={current.is_none()}>{"(inferred by TD)"}</option>
                { for types.iter().map(|ty| html! { <option value={*ty} selected={current.as_deref() == Some(*ty)}>{*ty}</option> }) }
            </select>
            { words }
        </label>
    }
}

/// Move and remove buttons; `what` names the entry (`attribute email`) for screen readers and
/// tooltips.
fn buttons(
    dispatch: &Callback<Action>,
    up: FormEdit,
    down: FormEdit,
    remove: FormEdit,
    what: &str,
) -> Html {
    let click = |edit: FormEdit| {
        let dispatch = dispatch.clone();
        Callback::from(move |_| dispatch.emit(Action::Form(edit.clone())))
    };
    html! {
        <div class="card-buttons">
            <button class="icon" title={format!("Move {what} up")} aria-label={format!("Move {what} up")} onclick={click(up)}>{"↑"}</button>
            <button class="icon" title={format!("Move {what} down")} aria-label={format!("Move {what} down")} onclick={click(down)}>{"↓"}</button>
            <button class="icon danger" title={format!("Remove {what}")} aria-label={format!("Remove {what}")} onclick={click(remove)}>{"✕"}</button>
        </div>
    }
}

fn add(dispatch: &Callback<Action>, edit: FormEdit, label: &str, testid: &str) -> Html {
    let dispatch = dispatch.clone();
    html! { <button class="add" data-testid={testid.to_string()} onclick={Callback::from(move |_| dispatch.emit(Action::Form(edit.clone())))}>{label.to_string()}</button> }
}

/// The warehouse setting (the same one as in Settings): it decides which connection keys apply.
fn warehouse_select(
    options: cps_core::Options,
    resolved: &cps_core::Settings,
    dispatch: &Callback<Action>,
) -> Html {
    let dispatch = dispatch.clone();
    let on = Callback::from(move |e: Event| {
        let v = e.target_unchecked_into::<HtmlSelectElement>().value();
        dispatch.emit(Action::SetOptions(cps_core::Options {
            warehouse: cps_core::Warehouse::parse(&v),
            ..options
        }));
    });
    html! {
        <label class="field">
            <span class="label">{"Warehouse"}</span>
            <select onchange={on} data-testid="form-warehouse">
                <option value="auto" selected={options.warehouse.is_none()}>{format!("Auto ({})", resolved.warehouse.as_str())}</option>
                { for cps_core::Warehouse::ALL.iter().map(|w| html! { <option value={w.as_str()} selected={options.warehouse == Some(*w)}>{w.as_str()}</option> }) }
            </select>
        </label>
    }
}

fn name_of(t: &Option<Text>, fallback: String) -> String {
    t.as_ref().map(|t| t.value.to_string()).unwrap_or(fallback)
}

#[function_component(Form)]
pub fn form(props: &FormProps) -> Html {
    let c = &props.checked;
    let d = &Fields {
        dispatch: &props.dispatch,
        diagnostics: c.diagnostics(),
    };
    let Some(config) = &c.config else {
        if let Some(kind) = c.kind.filter(|k| *k != cps_core::FileKind::ParentSegment) {
            return html! { <p class="blocked" data-testid="form-not-parent">{format!("This is a {}, not a parent segment: see Problems.", kind.describe())}</p> };
        }
        return html! { <p class="blocked">{"The text does not parse yet; fix the syntax error shown in Problems."}</p> };
    };
    let types = c.settings.types.types();
    let conn_label = if c.settings.warehouse.uses_catalog() {
        "Connection id"
    } else {
        "Zero-copy config id"
    };
    let master = config.master.as_ref();
    html! {
        <div class="form" data-testid="form">
            <p class="note" data-testid="form-note">{"Edits here change the text in place: adding, removing or reordering entries moves their lines with their comments and keeps the rest of the file as written. Use the editor's undo to go back."}</p>
            // One field a row: a name or time zone is often longer than half the pane.
            <fieldset class="card single">
                <legend>{"Parent segment"}</legend>
                { field("Name", &config.name, d, "form-name".into()) }
                { long_field("Description", &config.description, d, "form-description".into()) }
                { field("Time zone", &config.timezone, d, "form-timezone".into()) }
            </fieldset>
            <fieldset class="card master">
                <legend>{"Customers (master) table"}</legend>
                { warehouse_select(props.options, &c.settings, d.dispatch) }
                if let Some(m) = master {
                    { field(conn_label, &m.table.conn.id().cloned(), d, "form-master-connection".into()) }
                    if c.settings.warehouse.uses_catalog() { { field("Catalog", &m.table.conn.catalog, d, "form-master-catalog".into()) } }
                    { field("Schema", &m.table.schema, d, "form-master-schema".into()) }
                    { field("Table", &m.table.table, d, "form-master-table".into()) }
                    { field("Key column", &m.key_column, d, "form-master-key".into()) }
                } else {
                    <p class="blocked">{cps_bridge::words::html("No master table: add `master` in the editor.")}</p>
                }
            </fieldset>
            <h2 class="section">{"Attributes"}</h2>
            { for config.attributes.iter().flat_map(|l| l.items.iter().enumerate()).map(|(i, a)| html! {
                <fieldset class="card" data-testid={format!("attribute-{i}")}>
                    <legend>{name_of(&a.name, format!("attribute {}", i + 1))}</legend>
                    { buttons(d.dispatch, FormEdit::MoveAttribute { from: i, up: true }, FormEdit::MoveAttribute { from: i, up: false }, FormEdit::RemoveAttribute(i), &format!("attribute {}", name_of(&a.name, (i + 1).to_string()))) }
                    { field("Name", &a.name, d, format!("attribute-{i}-name")) }
                    { field("Column", &a.column, d, format!("attribute-{i}-column")) }
                    { type_select(&a.type_, &a.name, types, d, format!("attribute-{i}-type")) }
                    { field("Table", &a.table.table, d, format!("attribute-{i}-table")) }
                    { field("Table key", &a.table_key, d, format!("attribute-{i}-table-key")) }
                    { field("Master key", &a.master_key, d, format!("attribute-{i}-master-key")) }
                </fieldset>
            }) }
            { add(d.dispatch, FormEdit::AddAttribute, "+ Add attribute", "add-attribute") }
            <h2 class="section">{"Behaviors"}</h2>
            { for config.behaviors.iter().flat_map(|l| l.items.iter().enumerate()).map(|(i, b)| {
                let cols: Vec<(usize, &Column)> = b.columns.iter().flat_map(|l| l.items.iter().enumerate()).collect();
                html! {
                    <fieldset class="card" data-testid={format!("behavior-{i}")}>
                        <legend>{name_of(&b.name, format!("behavior {}", i + 1))}</legend>
                        { buttons(d.dispatch, FormEdit::MoveBehavior { from: i, up: true }, FormEdit::MoveBehavior { from: i, up: false }, FormEdit::RemoveBehavior(i), &format!("behavior {}", name_of(&b.name, (i + 1).to_string()))) }
                        { field("Name", &b.name, d, format!("behavior-{i}-name")) }
                        { field("Table", &b.table.table, d, format!("behavior-{i}-table")) }
                        { field("Time column", &b.time_column, d, format!("behavior-{i}-time")) }
                        { field("Table key", &b.table_key, d, format!("behavior-{i}-table-key")) }
                        { field("Master key", &b.master_key, d, format!("behavior-{i}-master-key")) }
                        <div class="columns">
                            { for cols.into_iter().map(|(j, col)| html! {
                                <div class="column-row" data-testid={format!("behavior-{i}-column-{j}")}>
                                    { field("Name", &col.name, d, format!("behavior-{i}-column-{j}-name")) }
                                    { type_select(&col.type_, &col.name, types, d, format!("behavior-{i}-column-{j}-type")) }
                                    { field("Warehouse column", &col.cdw_column, d, format!("behavior-{i}-column-{j}-cdw")) }
                                    { buttons(d.dispatch, FormEdit::MoveColumn { behavior: i, from: j, up: true }, FormEdit::MoveColumn { behavior: i, from: j, up: false }, FormEdit::RemoveColumn { behavior: i, column: j }, &format!("column {}", name_of(&col.name, (j + 1).to_string()))) }
                                </div>
                            }) }
                            { add(d.dispatch, FormEdit::AddColumn { behavior: i }, "+ Add column", &format!("add-column-{i}")) }
                        </div>
                    </fieldset>
                }
            }) }
            { add(d.dispatch, FormEdit::AddBehavior, "+ Add behavior", "add-behavior") }
        </div>
    }
}
