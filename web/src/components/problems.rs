//! The problems panel: every diagnostic by position; a click (or Enter) selects its range in the
//! editor.

use cps_core::{ColumnUnit, Severity, Span};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ProblemsProps {
    pub checked: crate::state::Shared,
    pub text: AttrValue,
    pub on_jump: Callback<Span>,
    /// The open files, for related places in other files.
    #[prop_or_default]
    pub project: Option<crate::components::files::ProjectCtx>,
}

#[function_component(Problems)]
pub fn problems(props: &ProblemsProps) -> Html {
    let c = &props.checked;
    if c.diagnostics().is_empty() {
        return html! {
            <div class="empty-state" data-testid="no-problems">
                <p class="ok-mark" aria-hidden="true">{"✓"}</p>
                <p>{"No problems found. The config is ready to upload."}</p>
            </div>
        };
    }
    html! {
        <ul class="problems" data-testid="problems">
            { for c.diagnostics().iter().map(|d| {
                let pos = c.line_index.line_col(&props.text, d.span.start, ColumnUnit::Chars);
                let span = d.span;
                let jump = props.on_jump.clone();
                let jump_key = props.on_jump.clone();
                let sev = d.severity.as_str();
                let icon = match d.severity { Severity::Error => "✕", Severity::Warning => "!", Severity::Info => "i" };
                html! {
                    <li class={classes!("problem", sev)} tabindex="0" role="button"
                        data-code={d.code.as_str()} data-line={pos.line.to_string()}
                        aria-label={format!("{sev} at line {}, column {}: {}", pos.line, pos.column, d.message)}
                        onclick={Callback::from(move |_| jump.emit(span))}
                        onkeydown={Callback::from(move |e: KeyboardEvent| if e.key() == "Enter" || e.key() == " " { e.prevent_default(); jump_key.emit(span) })}>
                        <span class={classes!("sev-icon", sev)} aria-hidden="true">{icon}</span>
                        <div class="problem-body">
                            <div class="problem-head">
                                <span class="pos">{format!("{}:{}", pos.line, pos.column)}</span>
                                <code class="code">{d.code.as_str()}</code>
                                if !d.path.is_empty() { <span class="path">{d.path.clone()}</span> }
                            </div>
                            <div class="message">{d.message.clone()}</div>
                            if let Some(h) = &d.help { <div class="help">{h.clone()}</div> }
                            if let Some(p) = &props.project { { crate::components::files::related(d, p) } }
                        </div>
                    </li>
                }
            }) }
        </ul>
    }
}
