//! The problems panel: one row per kind of finding (`cps_core::diagnostics::group`), with its
//! count and every place listed underneath; a single finding is its own row. A click (or Enter)
//! on a place selects its range in the editor, which still underlines every place. A help text
//! that names a setting links to it.

use cps_bridge::words::html as words;
use cps_core::diagnostics::group::{group, Group};
use cps_core::diagnostics::settings::mentions;
use cps_core::{ColumnUnit, Diagnostic, Severity, Span};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProblemsProps {
    pub checked: crate::state::Shared,
    pub text: AttrValue,
    pub on_jump: Callback<Span>,
    /// Opens a setting (its `Setting::id`) in the Settings tab.
    pub on_setting: Callback<&'static str>,
    /// The open files, for related places in other files.
    #[prop_or_default]
    pub project: Option<crate::components::files::ProjectCtx>,
}

/// A help text, each setting it names a link to that setting.
pub fn help_text(help: &str, on_setting: &Callback<&'static str>) -> Html {
    let mut parts = Vec::new();
    let mut at = 0;
    for (range, setting) in mentions(help) {
        parts.push(words(&help[at..range.start]));
        let on_setting = on_setting.clone();
        let id = setting.id();
        parts.push(html! {
            <a href={format!("#setting-{id}")} class="setting-link" data-setting={id}
                onclick={Callback::from(move |e: MouseEvent| { e.prevent_default(); on_setting.emit(id) })}>
                {help[range.clone()].to_string()}
            </a>
        });
        at = range.end;
    }
    parts.push(words(&help[at..]));
    html! { <>{ for parts }</> }
}

fn icon(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "✕",
        Severity::Warning => "!",
        Severity::Info => "i",
    }
}

/// One place: a row whose button jumps to it (its name is what it shows: position, code, path,
/// message); the help sits beside the button, so a link to a setting is no control inside
/// another. `alone`: the finding is a kind of its own (its code shown).
fn place(props: &ProblemsProps, d: &Diagnostic, alone: bool, shared_help: bool) -> Html {
    let c = &props.checked;
    let pos = c
        .line_index
        .line_col(&props.text, d.span.start, ColumnUnit::Chars);
    let span = d.span;
    let jump = props.on_jump.clone();
    let sev = d.severity.as_str();
    html! {
        <li class={classes!("problem", sev, (!alone).then_some("place"))}
            data-code={alone.then(|| d.code.as_str())} data-line={pos.line.to_string()}>
            <button class="problem-jump" onclick={Callback::from(move |_| jump.emit(span))}>
                if alone { <span class={classes!("sev-icon", sev)}>{icon(d.severity)}<span class="visually-hidden">{format!(" {sev}")}</span></span> }
                <span class="problem-body">
                    <span class="problem-head">
                        <span class="pos">{format!("{}:{}", pos.line, pos.column)}</span>
                        if alone { <code class="code">{d.code.as_str()}</code> }
                        if !d.path.is_empty() { <span class="key-path">{d.path.clone()}</span> }
                    </span>
                    <span class="message">{words(&d.message)}</span>
                </span>
            </button>
            if let (false, Some(h)) = (shared_help, &d.help) { <div class="help">{help_text(h, &props.on_setting)}</div> }
            if let Some(p) = &props.project { { crate::components::files::related(d, p) } }
        </li>
    }
}

fn group_row(props: &ProblemsProps, g: &Group<'_>) -> Html {
    if g.single() {
        return place(props, g.first(), true, false);
    }
    let sev = g.severity.as_str();
    let first = g.first();
    let line = props
        .checked
        .line_index
        .line_col(&props.text, first.span.start, ColumnUnit::Chars)
        .line;
    let shared = g.shared_help();
    let heading = format!("{} places", g.places.len());
    html! {
        <li class={classes!("problem-group", sev)} data-code={g.code.as_str()} data-count={g.places.len().to_string()} data-line={line.to_string()}>
            <div class="group-head">
                <span class={classes!("sev-icon", sev)}>{icon(g.severity)}<span class="visually-hidden">{format!(" {sev}")}</span></span>
                <div class="problem-body">
                    <div class="problem-head">
                        <code class="code">{g.code.as_str()}</code>
                        <span class="count-badge">{heading}</span>
                    </div>
                    <div class="message">{words(g.code.doc().summary)}</div>
                    if let Some(h) = shared { <div class="help">{help_text(h, &props.on_setting)}</div> }
                </div>
            </div>
            <ul class="places">
                { for g.places.iter().map(|d| place(props, d, false, shared.is_some())) }
            </ul>
        </li>
    }
}

#[function_component(Problems)]
pub fn problems(props: &ProblemsProps) -> Html {
    let c = &props.checked;
    let all = c.diagnostics();
    if all.is_empty() {
        return html! {
            <div class="empty-state" data-testid="no-problems">
                <p class="ok-mark" aria-hidden="true">{"✓"}</p>
                <p>{"No problems found. The config is ready to upload."}</p>
            </div>
        };
    }
    let errors = cps_core::diagnostics::count(all, Severity::Error);
    let groups = group(all);
    html! { <>
        if errors == 0 && c.config.is_some() {
            <p class="ok lead" data-testid="problems-ready">{"No errors: the config is ready to upload. The findings below do not block it."}</p>
        }
        <ul class="problems" data-testid="problems">
            { for groups.iter().map(|g| group_row(props, g)) }
        </ul>
    </> }
}
