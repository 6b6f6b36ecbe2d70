//! The CodeMirror 6 editor, bundled from npm into `web/vendor/editor.js`
//! (`web/editor/src/editor.js`), driven through a tiny global API: `window.cpsEditor`.
//! Editors are plain integer ids so the bindings stay simple functions. Only the studio drives
//! the editor: what the steps find reaches it through the studio's state.

use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use web_sys::HtmlElement;
use yew::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = create)]
    fn cm_create(
        parent: &HtmlElement,
        doc: &str,
        language: &str,
        on_change: &Closure<dyn FnMut()>,
    ) -> u32;
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = getDoc)]
    fn cm_get_doc(id: u32) -> String;
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = setDoc)]
    fn cm_set_doc(id: u32, doc: &str);
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = switchDoc)]
    fn cm_switch_doc(id: u32, key: u32, doc: &str);
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = setLanguage)]
    fn cm_set_language(id: u32, language: &str);
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = setDiagnostics)]
    fn cm_set_diagnostics(id: u32, json: &str);
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = setCompletions)]
    fn cm_set_completions(json: &str);
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = select)]
    fn cm_select(id: u32, from: u32, to: u32);
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = watchSelection)]
    fn cm_watch_selection(id: u32, on_select: &JsValue);
    #[wasm_bindgen(js_namespace = cpsEditor, js_name = destroy)]
    fn cm_destroy(id: u32);
}

/// An editor whose text changed: the text is read when it is needed (`Doc::text`), so an edit
/// that is not checked right away costs no copy of the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Doc(u32);

impl Doc {
    /// The editor's text now.
    pub fn text(self) -> String {
        cm_get_doc(self.0)
    }
}

/// A request to select a range (UTF-16 offsets); `nonce` makes a repeated click count.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct Selection {
    pub from: u32,
    pub to: u32,
    pub nonce: u64,
}

#[derive(Properties, PartialEq)]
pub struct EditorProps {
    pub text: AttrValue,
    /// Bumped when the text changed outside the editor and must be pushed into it.
    pub revision: u64,
    /// Which open file the text is (`project.rs`): another one swaps the editor's undo history
    /// for that file's.
    #[prop_or_default]
    pub doc: u32,
    pub language: &'static str,
    /// Diagnostics as the bridge takes them (JSON, UTF-16 offsets), with the revision of the
    /// check they come from: sent after every check, even when unchanged, so the editor always
    /// confirms that what it shows belongs to the current text.
    pub diagnostics: (u64, Rc<String>),
    /// Names to complete (a catalog's tables and columns, from the Snowflake step); empty: none.
    pub completions: Rc<Vec<String>>,
    pub selection: Selection,
    pub on_change: Callback<Doc>,
    /// While true, `on_select` hears the editor's selection (UTF-16 `from`, `to`) now and after
    /// every change (the diagram highlights what it is in); off, the editor reports nothing.
    #[prop_or_default]
    pub watch_selection: bool,
    #[prop_or_default]
    pub on_select: Callback<(u32, u32)>,
}

#[function_component(Editor)]
pub fn editor(props: &EditorProps) -> Html {
    let host = use_node_ref();
    let id: Rc<RefCell<Option<u32>>> = use_mut_ref(|| None);
    let on_change = use_mut_ref(|| props.on_change.clone());
    *on_change.borrow_mut() = props.on_change.clone();

    {
        let (host, id, on_change) = (host.clone(), id.clone(), on_change.clone());
        let (text, language) = (props.text.clone(), props.language);
        use_effect_with((), move |_| {
            let changed = id.clone();
            let closure = Closure::<dyn FnMut()>::new(move || {
                if let Some(i) = *changed.borrow() {
                    let cb = on_change.borrow().clone();
                    cb.emit(Doc(i));
                }
            });
            if let Some(el) = host.cast::<HtmlElement>() {
                *id.borrow_mut() = Some(cm_create(&el, &text, language, &closure));
            }
            let id_drop = id.clone();
            move || {
                if let Some(i) = id_drop.borrow_mut().take() {
                    cm_destroy(i);
                }
                drop(closure);
            }
        });
    }
    {
        let (id, text) = (id.clone(), props.text.clone());
        // 0: none yet, so the first file gets its own history under its key.
        let shown = use_mut_ref(|| 0);
        use_effect_with((props.revision, props.doc), move |&(_, doc)| {
            if let Some(i) = *id.borrow() {
                if doc == *shown.borrow() {
                    cm_set_doc(i, &text);
                } else {
                    *shown.borrow_mut() = doc;
                    cm_switch_doc(i, doc, &text);
                }
            }
        });
    }
    {
        let id = id.clone();
        use_effect_with(props.language, move |lang| {
            if let Some(i) = *id.borrow() {
                cm_set_language(i, lang);
            }
        });
    }
    {
        let id = id.clone();
        use_effect_with(props.diagnostics.clone(), move |(_, json)| {
            if let Some(i) = *id.borrow() {
                cm_set_diagnostics(i, json);
            }
        });
    }
    use_effect_with(props.completions.clone(), |names| {
        cm_set_completions(&serde_json::to_string(&**names).unwrap_or_default())
    });
    {
        let id = id.clone();
        use_effect_with(props.selection, move |sel| {
            if sel.nonce > 0 {
                if let Some(i) = *id.borrow() {
                    cm_select(i, sel.from, sel.to);
                }
            }
        });
    }
    let on_select = use_mut_ref(|| props.on_select.clone());
    *on_select.borrow_mut() = props.on_select.clone();
    {
        let id = id.clone();
        use_effect_with(props.watch_selection, move |watch| {
            let watching = (*watch).then(|| {
                let closure = Closure::<dyn FnMut(u32, u32)>::new(move |from, to| {
                    let cb = on_select.borrow().clone();
                    cb.emit((from, to));
                });
                if let Some(i) = *id.borrow() {
                    cm_watch_selection(i, closure.as_ref());
                }
                closure
            });
            move || {
                if let (Some(closure), Some(i)) = (watching, *id.borrow()) {
                    cm_watch_selection(i, &JsValue::NULL);
                    drop(closure);
                }
            }
        });
    }
    html! { <div class="editor-host" ref={host} data-testid="editor"></div> }
}
