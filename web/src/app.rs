//! The page: toolbar, editor on the left, panels on the right. Owns the state (a reducer) and
//! the side effects: autosave, share links, files, theme.

use crate::components::{
    diagram::Diagram, form::Form, output::Output, problems::Problems, settings::Settings,
};
use crate::editor::{Editor, Selection};
use crate::services;
use crate::state::{self, Action, State, Tab, TEMPLATES};
use crate::step_host::StepHost;
use crate::typing::{self, Typing};
use cps_core::Severity;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The first text: a shared config from the URL fragment, else the saved draft, else the
/// Snowflake template.
fn initial() -> (String, cps_core::Options, Option<String>) {
    let options = services::load(services::SETTINGS_KEY)
        .map(|s| state::options_from_string(&s))
        .unwrap_or_default();
    let draft = services::load(services::DRAFT_KEY);
    if let Some(shared) = state::from_fragment(&services::fragment()) {
        services::clear_fragment();
        let mut notice = "Opened the shared config.".to_string();
        if let Some(d) = draft.filter(|d| *d != shared) {
            services::save(services::PREVIOUS_DRAFT_KEY, &d);
            notice.push_str(
                " Your previous draft was kept: choose “Restore previous draft” under Templates.",
            );
        }
        return (shared, options, Some(notice));
    }
    match draft {
        Some(d) => (d, options, None),
        None => (
            TEMPLATES[0].text.to_string(),
            cps_core::Options {
                warehouse: Some(TEMPLATES[0].warehouse),
                ..options
            },
            None,
        ),
    }
}

#[function_component(App)]
pub fn app() -> Html {
    // How long the first check took: it paces the first keystrokes (see `typing.rs`).
    let first_check_ms = use_mut_ref(|| 0.0);
    let state = use_reducer({
        let first_check_ms = first_check_ms.clone();
        move || {
            let (text, options, notice) = initial();
            let (mut s, ms) = typing::timed(|| State::new(text, options));
            *first_check_ms.borrow_mut() = ms;
            s.notice = notice;
            s
        }
    });
    let typing = use_memo((), {
        let dispatch = state.dispatcher();
        move |_| Typing::new(dispatch, *first_check_ms.borrow())
    });
    let selection = use_state(Selection::default);
    let theme = use_state(|| services::load(services::THEME_KEY).unwrap_or_else(|| "auto".into()));
    let share_url = use_state(|| None::<String>);

    // Autosave: the config text and the settings, on every change (local, and the text is
    // shared, not copied).
    use_effect_with(state.text.clone(), |text: &std::rc::Rc<str>| {
        services::save(services::DRAFT_KEY, text)
    });
    use_effect_with(state.options, |o| {
        services::save(services::SETTINGS_KEY, &state::options_to_string(o))
    });
    use_effect_with((*theme).clone(), |t| {
        services::set_theme_attribute(t);
        services::save(services::THEME_KEY, t);
    });

    let checked = state.checked.clone();
    // Keyed on what is shown, not on equal JSON: the editor is told after every check and
    // every change of the steps' findings.
    let diagnostics_json = use_memo(state.shown, |_| {
        (
            state.shown,
            std::rc::Rc::new(state::editor_diagnostics(
                &state.text,
                checked.diagnostics(),
            )),
        )
    });
    let errors = checked.count(Severity::Error);
    let warnings = checked.count(Severity::Warning);
    let language = if checked.syntax == Some(cps_core::Syntax::Json) {
        "json"
    } else {
        "yaml"
    };

    let on_change = {
        let typing = typing.clone();
        Callback::from(move |doc: crate::editor::Doc| typing.edited(doc))
    };
    let on_jump = {
        let (selection, text) = (selection.clone(), state.text.clone());
        Callback::from(move |span: cps_core::Span| {
            let at = cps_bridge::utf16::utf16_offsets(&text, &[span.start, span.end]);
            selection.set(Selection {
                from: at[0],
                to: at[1],
                nonce: selection.nonce + 1,
            });
        })
    };
    // Every other action acts on the editor's newest text: an edit still waiting for a pause in
    // typing is checked first.
    let dispatch = {
        let (state, typing) = (state.clone(), typing.clone());
        Callback::from(move |a: Action| {
            typing.flush();
            state.dispatch(a)
        })
    };
    let on_template = {
        let state = dispatch.clone();
        Callback::from(move |e: Event| {
            let select: HtmlSelectElement = e.target_unchecked_into();
            let v = select.value();
            select.set_value("");
            if v == "previous" {
                if let Some(d) = services::load(services::PREVIOUS_DRAFT_KEY) {
                    state.emit(Action::Load(d));
                }
            } else if let Some(t) = TEMPLATES.iter().find(|t| t.id == v) {
                state.emit(Action::Template(t.id));
            }
        })
    };
    let load_file = {
        let state = dispatch.clone();
        Callback::from(move |file: web_sys::File| {
            let state = state.clone();
            cps_bridge::browser::read_file(file, move |r| match r {
                Ok(text) => state.emit(Action::Load(text)),
                Err(e) => state.emit(Action::Notice(Some(e))),
            });
        })
    };
    let on_pick = {
        let load_file = load_file.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            if let Some(f) = input.files().and_then(|l| l.get(0)) {
                load_file.emit(f);
            }
            input.set_value("");
        })
    };
    let on_drop = {
        let load_file = load_file.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            if let Some(f) = cps_bridge::browser::dropped_file(&e) {
                load_file.emit(f);
            }
        })
    };
    let on_share = {
        let (text, share_url, typing) = (state.text.clone(), share_url.clone(), typing.clone());
        Callback::from(move |_| {
            // The editor's newest text, also while its check waits for a pause in typing.
            let newest = typing.newest();
            let text = newest.as_deref().unwrap_or(&text);
            let url = services::url_with_fragment(&state::share_fragment(text));
            cps_bridge::browser::copy_to_clipboard(&url);
            share_url.set(Some(url));
        })
    };
    let on_theme = {
        let theme = theme.clone();
        Callback::from(move |_| {
            let next = match theme.as_str() {
                "auto" => "dark",
                "dark" => "light",
                _ => "auto",
            };
            theme.set(next.to_string());
        })
    };
    let tab_button = |tab: Tab, label: String| {
        let dispatch = dispatch.clone();
        let selected = state.tab == tab;
        html! {
            <button role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("selected"))}
                data-tab={format!("{tab:?}").to_ascii_lowercase()}
                onclick={Callback::from(move |_| dispatch.emit(Action::SetTab(tab)))}>{label}</button>
        }
    };
    // Read once: a previous draft is only ever kept when the page opens a share link.
    let has_previous = *use_state(|| services::load(services::PREVIOUS_DRAFT_KEY).is_some());
    // A look-alike file (a segment, a classic config) has no parent-segment format: name it.
    let format = checked
        .format_name()
        .or_else(|| {
            checked
                .kind
                .filter(|k| *k != cps_core::FileKind::ParentSegment)
                .map(|k| k.as_str())
        })
        .unwrap_or("unparsed");

    html! {
        <div class="app">
            <header class="toolbar">
                <div class="brand"><span class="logo" aria-hidden="true">{"◆"}</span>{" cps "}<span class="tagline">{"Composable Parent Segment studio"}</span></div>
                <div class="counts" aria-live="polite" data-testid="counts">
                    <span class={classes!("count", "errors", (errors > 0).then_some("some"))}>{format!("{errors} error{}", if errors == 1 { "" } else { "s" })}</span>
                    <span class={classes!("count", "warnings", (warnings > 0).then_some("some"))}>{format!("{warnings} warning{}", if warnings == 1 { "" } else { "s" })}</span>
                    <span class="format" title="detected format">{format}</span>
                </div>
                <div class="actions">
                    <label class="select-label">{"Templates "}
                        <select aria-label="Load a template" onchange={on_template} data-testid="templates">
                            <option value="" selected=true>{"Choose…"}</option>
                            { for TEMPLATES.iter().map(|t| html! { <option value={t.id}>{t.label}</option> }) }
                            if has_previous { <option value="previous">{"Restore previous draft"}</option> }
                        </select>
                    </label>
                    <label class="button">{"Open file…"}
                        <input type="file" accept=".json,.yaml,.yml,application/json,text/yaml" class="visually-hidden" onchange={on_pick} data-testid="file-input" />
                    </label>
                    <button onclick={on_share} data-testid="share">{"Share link"}</button>
                    <button onclick={on_theme} title="Theme: auto, dark, light" aria-label={format!("Theme: {}", *theme)}>{ match theme.as_str() { "dark" => "☾ Dark", "light" => "☀ Light", _ => "◐ Auto" } }</button>
                </div>
            </header>
            if let Some(url) = (*share_url).clone() {
                <div class="notice share" role="status">
                    {"Share link copied. It carries the config in the URL fragment, which browsers never send to a server: "}
                    <input readonly=true value={url} class="share-url" data-testid="share-url" aria-label="Share link" />
                </div>
            }
            if let Some(n) = &state.notice {
                <div class="notice" role="status" data-testid="notice">{n.clone()}</div>
            }
            <main class="panes">
                <section class="pane editor-pane" aria-label="Editor" ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={on_drop}>
                    <Editor text={AttrValue::Rc(state.text.clone())} revision={state.revision} {language}
                        diagnostics={(*diagnostics_json).clone()} completions={state.completions.clone()} selection={*selection} {on_change} />
                    <p class="hint">{"Drop a .json or .yaml file here. Everything stays in this browser; the draft is saved locally as you type."}</p>
                </section>
                <section class="pane side-pane">
                    <div role="tablist" class="tabs">
                        { tab_button(Tab::Problems, format!("Problems ({})", checked.diagnostics().len())) }
                        { tab_button(Tab::Form, "Form".into()) }
                        { tab_button(Tab::Diagram, "Data model".into()) }
                        { tab_button(Tab::Output, "Formats".into()) }
                        { tab_button(Tab::Settings, "Settings".into()) }
                        { tab_button(Tab::Snowflake, "Snowflake setup".into()) }
                        { tab_button(Tab::Upload, "Upload".into()) }
                    </div>
                    <div class="tab-body" role="tabpanel">
                        { match state.tab {
                            Tab::Problems => html! { <Problems checked={checked.clone()} text={AttrValue::Rc(state.text.clone())} on_jump={on_jump.clone()} /> },
                            Tab::Form => html! { <Form checked={checked.clone()} options={state.options} dispatch={dispatch.clone()} /> },
                            Tab::Diagram => html! { <Diagram checked={checked.clone()} /> },
                            Tab::Output => html! { <Output checked={checked.clone()} target={state.output} dispatch={dispatch.clone()} /> },
                            Tab::Settings => html! { <Settings options={state.options} settings={checked.settings} dispatch={dispatch.clone()} /> },
                            // Rendered below, always: it holds the Upload module and its state.
                            Tab::Snowflake | Tab::Upload => html! {},
                        } }
                        <StepHost step="snowflake" checked={checked.clone()} text={AttrValue::Rc(state.text.clone())} options={state.options} checks={state.checks} visible={state.tab == Tab::Snowflake} dispatch={dispatch.clone()} />
                        <StepHost step="upload" checked={checked.clone()} text={AttrValue::Rc(state.text.clone())} options={state.options} checks={state.checks} visible={state.tab == Tab::Upload} dispatch={dispatch.clone()} />
                    </div>
                </section>
            </main>
        </div>
    }
}
