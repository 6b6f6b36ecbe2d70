//! The file list beside the editor (the audience first, then segments by folder, each with its
//! problem counts; journeys listed as skipped), and the links of a diagnostic to its related
//! places in other open files (`Related`), which open that file at that place.

use crate::project::{short, Files};
use crate::state::Action;
use cps_core::{Diagnostic, FileKind, Span};
use yew::prelude::*;

/// What the problems panel needs to point into other files, given by the page as a context so
/// that panel takes no new props.
#[derive(Clone, PartialEq)]
pub struct ProjectCtx {
    pub files: Files,
    /// Opens file `.0` with `.1` selected.
    pub on_open: Callback<(usize, Span)>,
}

/// The file list of `f`; its actions go to `dispatch`.
pub fn file_list(f: &Files, dispatch: &Callback<Action>) -> Html {
    let audience = f.audience();
    let active_segment = f.active_kind() == Some(FileKind::Segment);
    let item = |i: usize| {
        let file = &f.files[i];
        let e = f.entries.get(i);
        let current = i == f.active;
        let name = if file.name.is_empty() {
            "untitled"
        } else {
            short(&file.name)
        };
        // Segments are most files: only the audience is labelled.
        let kind = match e.and_then(|e| e.kind) {
            Some(FileKind::ParentSegment) => "audience",
            _ => "",
        };
        let (errors, warnings) = e.map(|e| (e.errors, e.warnings)).unwrap_or_default();
        let open = {
            let d = dispatch.clone();
            Callback::from(move |_| d.emit(Action::Switch(i)))
        };
        let close = {
            let d = dispatch.clone();
            Callback::from(move |_| d.emit(Action::Close(i)))
        };
        html! {
            <li class={classes!("file", current.then_some("current"))} data-file={file.name.to_string()}>
                <button class="file-open" aria-current={current.then_some("true")} onclick={open}
                    title={file.name.to_string()}>
                    <span class="file-name">{name}</span>
                    if !kind.is_empty() { <span class="file-kind">{kind}</span> }
                    if errors > 0 { <span class="count errors some" data-testid="file-errors">{errors}</span> }
                    if warnings > 0 { <span class="count warnings some">{warnings}</span> }
                </button>
                if f.is_project() {
                    <button class="file-close" aria-label={format!("Close {name}")} title="Close" onclick={close}>{"×"}</button>
                }
                if let Some(why) = e.and_then(|e| e.skipped.clone()) {
                    <span class="file-skipped">{cps_bridge::words::html(&why)}</span>
                }
            </li>
        }
    };
    let new_segment = {
        let d = dispatch.clone();
        Callback::from(move |_| d.emit(Action::NewSegment))
    };
    html! {
        <nav class="files" aria-label="Open files" data-testid="files">
            <ul>
                { for f.listed().into_iter().map(|(group, members)| html! {
                    <>
                        if !group.is_empty() { <li class="folder" aria-hidden="true">{group}{"/"}</li> }
                        { for members.into_iter().map(item) }
                    </>
                }) }
            </ul>
            if audience.is_some() {
                <button class="add" onclick={new_segment} data-testid="new-segment">{"+ New segment"}</button>
            }
            if active_segment {
                <p class="files-note" data-testid="segment-note">{cps_bridge::words::html(
                    "This segment is checked against the audience file. Uploading sends the parent segment only: TD has published no API to write segments (push them with `tdx cas push`)."
                )}</p>
            }
        </nav>
    }
}

/// A diagnostic's related places in other open files, each a link that opens the file there.
pub fn related(d: &Diagnostic, ctx: &ProjectCtx) -> Html {
    let links = d.related.iter().filter_map(|r| {
        let i = ctx.files.index_of(r.file.as_deref()?)?;
        let text = &ctx.files.files[i].text;
        let line = cps_core::LineIndex::new(text).line_of(r.span.start) + 1;
        let (open, span) = (ctx.on_open.clone(), r.span);
        let name = short(&ctx.files.files[i].name);
        Some(html! {
            // Its own click and keys, not the problem's (which selects in this file).
            <button class="related" data-testid="related"
                onkeydown={Callback::from(|e: KeyboardEvent| e.stop_propagation())}
                onclick={Callback::from(move |e: MouseEvent| {
                    e.stop_propagation();
                    open.emit((i, span));
                })}>{format!("{name}:{line}: ")}{cps_bridge::words::html(&r.message)}</button>
        })
    });
    html! { <>{ for links }</> }
}
