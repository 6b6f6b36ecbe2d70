//! The page: toolbar, editor on the left, panels on the right. Owns the state (a reducer) and
//! the side effects: autosave, share links, files, theme.

use crate::components::{
    diagram::{layout::SegmentUse, Diagram},
    files::{self, ProjectCtx},
    form::Form,
    output::Output,
    path::Path,
    problems::Problems,
    settings::Settings,
};
use crate::editor::{Editor, Selection};
use crate::project::{self, Files};
use crate::services;
use crate::state::{self, Action, State, Tab, TEMPLATES};
use crate::step_host::StepHost;
use crate::typing::{self, Typing};
use cps_core::{FileKind, Severity};
use std::rc::Rc;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// The first files: shared ones from the URL fragment, else the saved draft (all open files),
/// else the Snowflake template.
fn initial() -> (Files, cps_core::Options, Option<String>) {
    let options = services::load(services::SETTINGS_KEY)
        .map(|s| state::options_from_string(&s))
        .unwrap_or_default();
    // The open files' draft; a draft of one text from before the page held several.
    let saved = services::load(services::PROJECT_KEY)
        .and_then(|j| Files::from_stored(&j))
        .or_else(|| services::load(services::DRAFT_KEY).map(|d| Files::single(d.into())));
    let fragment = services::fragment();
    let shared = project::from_fragment(&fragment)
        .or_else(|| state::from_fragment(&fragment).map(|t| Files::single(t.into())));
    if let Some(shared) = shared {
        services::clear_fragment();
        let mut notice = match shared.files.len() {
            1 => "Opened the shared config.".to_string(),
            n => format!("Opened the {n} shared files."),
        };
        if let Some(d) = saved
            .map(|d| d.to_stored())
            .filter(|d| *d != shared.to_stored())
        {
            services::save(services::PREVIOUS_DRAFT_KEY, &d);
            notice.push_str(
                " Your previous draft was kept: choose “Restore previous draft” under Templates.",
            );
        }
        return (shared, options, Some(notice));
    }
    match saved {
        Some(files) => (files, options, None),
        None => (
            Files::single(TEMPLATES[0].text.into()),
            cps_core::Options {
                warehouse: Some(TEMPLATES[0].warehouse),
                ..options
            },
            None,
        ),
    }
}

/// Reads picked or dropped files (`(relative path, file)`; the path is empty for a file picked
/// as such) and opens them together: project files only from a folder, at most
/// [`project::MAX_FILES`] and 32 MiB.
fn open_files(picked: Vec<(String, web_sys::File)>, dispatch: Callback<Action>) {
    // In the file list's order (inserted in place: no sort's code in the page).
    let mut named: Vec<(String, web_sys::File)> = Vec::new();
    for (path, f) in picked {
        if let Some(name) = project::picked_name(&path, &f.name()) {
            let at = project::list_position(named.iter().map(|n| n.0.as_str()), &name);
            named.insert(at, (name, f));
        }
    }
    wasm_bindgen_futures::spawn_local(async move {
        let mut opened = project::Opened {
            found: named.len(),
            ..Default::default()
        };
        let mut total = 0.0;
        for (name, file) in named.into_iter().take(project::MAX_FILES) {
            total += file.size();
            if total > 32.0 * 1024.0 * 1024.0 {
                break;
            }
            match cps_bridge::browser::read_text(file).await {
                Ok(text) => opened.files.push((name, text)),
                Err(why) => opened.refused.push(why),
            }
        }
        dispatch.emit(Action::Open(opened));
    });
}

/// One tab of the side pane. A plain function, not a closure in the view: the view's seven
/// tabs share one copy of this markup in the wasm (the `html!` expands to a lot of code).
fn tab_button(tab: Tab, label: String, current: Tab, dispatch: &Callback<Action>) -> Html {
    let dispatch = dispatch.clone();
    let selected = current == tab;
    html! {
        <button role="tab" aria-selected={selected.to_string()} class={classes!("tab", selected.then_some("selected"))}
            data-tab={format!("{tab:?}").to_ascii_lowercase()}
            onclick={Callback::from(move |_| dispatch.emit(Action::SetTab(tab)))}>{label}</button>
    }
}

/// A step's host (always rendered: it holds its module and its state), shown on its tab. One
/// function for both steps, for the same reason as [`tab_button`].
fn step_host(step: &'static str, tab: Tab, state: &State, dispatch: &Callback<Action>) -> Html {
    html! {
        <StepHost {step} checked={state.checked.clone()} text={AttrValue::Rc(state.text.clone())} options={state.options} checks={state.checks} visible={state.tab == tab} dispatch={dispatch.clone()} />
    }
}

#[function_component(App)]
pub fn app() -> Html {
    // How long the first check took: it paces the first keystrokes (see `typing.rs`).
    let first_check_ms = use_mut_ref(|| 0.0);
    let state = use_reducer({
        let first_check_ms = first_check_ms.clone();
        move || {
            let (files, options, notice) = initial();
            let (mut s, ms) = typing::timed(|| State::with_files(files, options));
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
    // The editor's selection, reported only while the diagram is shown (it highlights there).
    let editor_selection = use_state_eq(|| None::<(u32, u32)>);
    let theme = use_state(|| services::load(services::THEME_KEY).unwrap_or_else(|| "auto".into()));
    let share_url = use_state(|| None::<String>);

    // Autosave: the config text and the settings, on every change (local, and the text is
    // shared, not copied).
    use_effect_with(state.text.clone(), |text: &std::rc::Rc<str>| {
        services::save(services::DRAFT_KEY, text)
    });
    // The open files, with their names, after every check (each keystroke's text is in it).
    use_effect_with(state.checks, {
        let files = state.files.clone();
        move |_| services::save_or_forget(services::PROJECT_KEY, &files.to_stored())
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
    let on_select = {
        let editor_selection = editor_selection.clone();
        Callback::from(move |range| editor_selection.set(Some(range)))
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
                if let Some(f) = services::load(services::PREVIOUS_DRAFT_KEY)
                    .and_then(|d| Files::from_stored(&d))
                {
                    state.emit(Action::Restore(f));
                }
            } else if let Some(t) = TEMPLATES.iter().find(|t| t.id == v) {
                state.emit(Action::Template(t.id));
            }
        })
    };
    let on_pick = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let picked = (0..input.files().map_or(0, |l| l.length()))
                .filter_map(|i| input.files()?.get(i))
                .map(|f| (services::relative_path(&f), f))
                .collect();
            open_files(picked, dispatch.clone());
            input.set_value("");
        })
    };
    let on_drop = {
        let dispatch = dispatch.clone();
        Callback::from(move |e: DragEvent| {
            e.prevent_default();
            let dispatch = dispatch.clone();
            let Some(data) = e.data_transfer() else {
                return;
            };
            // The folder walk is the editor bundle's (`droppedFiles`): entries must be taken
            // while the drop event runs.
            let promise = services::dropped_files(&data);
            wasm_bindgen_futures::spawn_local(async move {
                let picked = wasm_bindgen_futures::JsFuture::from(promise).await;
                open_files(services::picked_files(picked), dispatch);
            });
        })
    };
    let on_share = {
        let (text, share_url, typing) = (state.text.clone(), share_url.clone(), typing.clone());
        let (files, dispatch) = (state.files.clone(), dispatch.clone());
        Callback::from(move |_| {
            // The editor's newest text, also while its check waits for a pause in typing.
            let newest = typing.newest();
            let text = newest.as_deref().unwrap_or(&text);
            // All open files while they fit a link; else the active one, and the notice says so.
            let fragment = match files.is_project() {
                false => state::share_fragment(text),
                true => project::share_fragment(&files, text).unwrap_or_else(|len| {
                    dispatch.emit(Action::Notice(Some(format!(
                        "The open files are too large for one link ({} KB of at most {} KB): the link carries the active file only. Share the others one by one, or the folder itself.",
                        len / 1024,
                        project::MAX_SHARE_BYTES / 1024
                    ))));
                    state::share_fragment(text)
                }),
            };
            let url = services::url_with_fragment(&fragment);
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
    // The guided path: every stage's state, and a click opens its place.
    let path_steps = crate::path::steps(&state);
    let readiness = crate::path::readiness(&state);
    let on_go = {
        let dispatch = dispatch.clone();
        let set_tab = Callback::from(move |tab| dispatch.emit(Action::SetTab(tab)));
        Callback::from(move |place| crate::components::path::go(place, &set_tab))
    };
    let on_setting = {
        let on_go = on_go.clone();
        Callback::from(move |id: &'static str| {
            let section = match id {
                "warehouse" => "setting-field-warehouse",
                "types" => "setting-field-types",
                _ => "setting-field-case",
            };
            on_go.emit(crate::path::Place {
                tab: Tab::Settings,
                section: Some(section),
            })
        })
    };
    // Read once: a previous draft is only ever kept when the page opens a share link.
    let has_previous = *use_state(|| services::load(services::PREVIOUS_DRAFT_KEY).is_some());
    // A segment completes `leftValue.name` from its audience; other files, from the catalog.
    let segment = state.files.active_kind() == Some(cps_core::FileKind::Segment);
    let completions = if segment && !state.files.names.is_empty() {
        state.files.names.clone()
    } else {
        state.completions.clone()
    };
    let doc = state.files.active_file().map_or(0, |f| f.id);
    // The open segments and the parent's names each uses, for the diagram's badges (kept while
    // the check's entries are the same, so the diagram is not drawn again per render).
    let segments = use_memo(state.files.entries.clone(), {
        let files = state.files.files.clone();
        move |entries: &Rc<Vec<crate::project::Entry>>| -> Rc<Vec<SegmentUse>> {
            entries
                .iter()
                .zip(files.iter())
                .filter(|(e, _)| e.kind == Some(cps_core::FileKind::Segment))
                .map(|(e, f)| SegmentUse {
                    name: f.name.to_string(),
                    fields: e.uses.clone(),
                })
                .collect::<Vec<_>>()
                .into()
        }
    });
    let project_ctx = ProjectCtx {
        files: state.files.clone(),
        on_open: {
            let (dispatch, selection) = (dispatch.clone(), selection.clone());
            let files = state.files.clone();
            Callback::from(move |(i, span): (usize, cps_core::Span)| {
                let Some(f) = files.files.get(i) else {
                    return;
                };
                let at = cps_bridge::utf16::utf16_offsets(&f.text, &[span.start, span.end]);
                dispatch.emit(Action::Switch(i));
                selection.set(Selection {
                    from: at[0],
                    to: at[1],
                    nonce: selection.nonce + 1,
                });
            })
        },
    };
    // A look-alike file (a segment, a classic config) has no parent-segment format: name it.
    let format = checked
        .format_name()
        .or_else(|| {
            checked
                .kind
                .filter(|k| *k != cps_core::FileKind::ParentSegment)
                .map(|k| k.as_str())
        })
        .unwrap_or("not read: syntax error");

    html! {
        <div class="app">
            <header class="toolbar">
                <h1 class="brand"><span class="logo" aria-hidden="true">{"◆"}</span>{" cps "}<span class="tagline">{"Composable Parent Segment studio"}</span></h1>
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
                    <label class="button">{"Open files…"}
                        <input type="file" multiple=true accept=".json,.yaml,.yml,application/json,text/yaml" class="visually-hidden" onchange={on_pick.clone()} data-testid="file-input" />
                    </label>
                    <label class="button" title="A folder as `tdx cas pull` writes it: the audience file and its segments">{"Open folder…"}
                        <input type="file" webkitdirectory=true class="visually-hidden" onchange={on_pick} data-testid="folder-input" />
                    </label>
                    <button onclick={on_share} data-testid="share">{"Share link"}</button>
                    <button onclick={on_theme} title="Theme: auto, dark, light" aria-label={format!("Theme: {}", *theme)}>{ match theme.as_str() { "dark" => "☾ Dark", "light" => "☀ Light", _ => "◐ Auto" } }</button>
                </div>
            </header>
            <Path steps={path_steps} {readiness} {on_go} />
            if let Some(url) = (*share_url).clone() {
                <div class="notice share" role="status">
                    {"Share link copied. It carries the config in the URL fragment, which browsers never send to a server: "}
                    <input readonly=true value={url} class="share-url" data-testid="share-url" aria-label="Share link" />
                </div>
            }
            if let Some(n) = &state.notice {
                <div class="notice" role="status" data-testid="notice">{cps_bridge::words::html(n)}</div>
            }
            <main class="panes">
                <section class={classes!("pane", "editor-pane", state.files.is_project().then_some("project"))} aria-label="Editor" ondragover={Callback::from(|e: DragEvent| e.prevent_default())} ondrop={on_drop}>
                    { files::file_list(&state.files, &dispatch) }
                    <Editor text={AttrValue::Rc(state.text.clone())} revision={state.revision} {doc} {language}
                        diagnostics={(*diagnostics_json).clone()} {completions} selection={*selection} {on_change}
                        watch_selection={state.tab == Tab::Diagram} {on_select} />
                    <p class="hint">{"Drop .json or .yaml files, or a folder, here. Everything stays in this browser; the drafts are saved locally as you type."}</p>
                </section>
                <section class="pane side-pane">
                    <div role="tablist" class="tabs">
                        { tab_button(Tab::Problems, format!("Problems ({})", checked.diagnostics().len()), state.tab, &dispatch) }
                        { tab_button(Tab::Form, "Form".into(), state.tab, &dispatch) }
                        { tab_button(Tab::Diagram, "Data model".into(), state.tab, &dispatch) }
                        { tab_button(Tab::Output, "Formats".into(), state.tab, &dispatch) }
                        { tab_button(Tab::Settings, "Settings".into(), state.tab, &dispatch) }
                        { tab_button(Tab::Snowflake, "Snowflake".into(), state.tab, &dispatch) }
                        { tab_button(Tab::Upload, "Upload".into(), state.tab, &dispatch) }
                    </div>
                    <div class="tab-body" role="tabpanel">
                        { match state.tab {
                            Tab::Problems => html! { <Problems checked={checked.clone()} text={AttrValue::Rc(state.text.clone())} on_jump={on_jump.clone()} on_setting={on_setting.clone()} project={state.files.is_project().then(|| project_ctx.clone())} /> },
                            Tab::Form => html! { <Form checked={checked.clone()} options={state.options} dispatch={dispatch.clone()} /> },
                            Tab::Diagram => html! { <Diagram checked={checked.clone()} text={AttrValue::Rc(state.text.clone())} on_jump={on_jump.clone()} selection={*editor_selection} segments={(*segments).clone()} /> },
                            Tab::Output => html! { <Output checked={checked.clone()} target={state.output} dispatch={dispatch.clone()} /> },
                            Tab::Settings => html! { <Settings options={state.options} settings={checked.settings} dispatch={dispatch.clone()} /> },
                            // Rendered below, always: it holds the Upload module and its state.
                            Tab::Snowflake | Tab::Upload => html! {},
                        } }
                        if state.tab == Tab::Upload && state.files.is_project() {
                            <p class="notice" data-testid="upload-parent-only">{cps_bridge::words::html("Upload sends the parent segment (the audience file) only: TD has published no API to write segments. Push segments with `tdx cas push`.")}
                                // A segment is open: what would be uploaded is another file; one click opens it.
                                if let (Some(FileKind::Segment), Some(i), Some(name)) = (state.files.active_kind(), state.files.audience(), state.files.audience_name()) {
                                    {" "}<button class="link-button" data-testid="open-audience" onclick={{ let d = dispatch.clone(); Callback::from(move |_| d.emit(Action::Switch(i))) }}>{format!("Open {name} to upload it")}</button>
                                }
                            </p>
                        }
                        { step_host("snowflake", Tab::Snowflake, &state, &dispatch) }
                        { step_host("upload", Tab::Upload, &state, &dispatch) }
                    </div>
                </section>
            </main>
        </div>
    }
}
