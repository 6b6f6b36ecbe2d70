// CodeMirror 6 bridge for the cps web page.
//
// Bundled by web/editor/build.mjs into web/vendor/editor.js (a minified IIFE)
// and loaded with a plain <script> tag. The Rust/Yew side calls it through
// wasm-bindgen via the global `window.cpsEditor`:
//
//   create(parent, doc, language, onChange) -> id
//       Mount an editor in `parent` (an HTMLElement). `language` is "yaml" or
//       "json". `onChange()` is called after every user edit (never for
//       setDoc); the text is read with getDoc when it is needed, so a page
//       that checks a long text only when typing pauses does not copy it out
//       on every keystroke.
//   setDoc(id, doc)          Replace the document; onChange is NOT called. The
//       replacement is one step of the editor's history of its own, so undo
//       takes back a form edit (or a loaded file) in one go, and the undo
//       calls onChange like any edit.
//   switchDoc(id, key, doc)  Show another open file: the current document, with
//       its undo history, is kept under the key it was shown with; `doc` is
//       shown with the history kept under `key` when that history ends in
//       `doc`, else with a fresh one. onChange is NOT called.
//   getDoc(id) -> string     Current text.
//   setLanguage(id, language)
//   setDiagnostics(id, json) JSON array of {from, to, severity, message, source};
//       from/to are UTF-16 offsets (JS string indices) into the current text.
//       When painted, parent.dataset.diagnosticsVersion is bumped and a
//       bubbling "cps-diagnostics-painted" CustomEvent fires on parent.
//   select(id, from, to)     Select (UTF-16 offsets), scroll to centre, focus.
//   watchSelection(id, onSelect) Calls onSelect(from, to) (the main selection,
//       UTF-16 offsets) now and after every change of it, at most once per
//       animation frame; null stops. The data-model diagram highlights the
//       table or field the selection is in, and only watches while shown.
//   focus(id), destroy(id)
//   setCompletions(json)     JSON array of names (tables, columns) offered as
//       completions in every editor; [] turns completion off.
//   droppedFiles(dataTransfer) -> Promise<[{path, file}]>  The files of a drop,
//       folders walked (hidden ones skipped, at most 10,000 entries); `path` is
//       relative to the drop ("shop/cas/x.yml"), or "" for a file dropped alone.
//
// Only the studio calls these: findings of the page's steps module (catalog
// checks, TD's refusal) reach the editor as part of the studio's diagnostics.
//
// Editors are referred to by small integer ids rather than by JS objects so
// the Rust side can bind these as plain `extern "C"`-style functions taking
// numbers and strings: no JsValue handles to keep alive, clone or drop, and no
// wasm-bindgen class glue. Unknown ids are ignored (with a console warning).
//
// Line endings: CodeMirror normalises "\r\n" and "\r" to "\n". getDoc()
// always returns the normalised text, and diagnostic offsets must be computed
// against that text.
//
// Colours come from CSS custom properties on the page (--cm-bg, --cm-fg,
// --cm-gutter-bg, --cm-gutter-fg, --cm-selection, --cm-cursor,
// --cm-active-line, --cm-keyword, --cm-string, --cm-number, --cm-bool,
// --cm-comment, --cm-property; optional --cm-null, --cm-focus, --cm-font), so
// the page's light/dark themes apply without reconfiguring the editor.
// --cm-active-line should be translucent so the selection shows through it.
//
// Tab is deliberately not bound (no indentWithTab): Tab/Shift-Tab move focus
// out of the editor as for any other form control.

import {
  Annotation,
  Compartment,
  EditorSelection,
  EditorState,
  Prec,
  RangeSetBuilder,
} from "@codemirror/state";
import {
  Decoration,
  EditorView,
  ViewPlugin,
  drawSelection,
  highlightActiveLine,
  highlightActiveLineGutter,
  keymap,
  lineNumbers,
} from "@codemirror/view";
import {
  defaultKeymap,
  history,
  historyKeymap,
  isolateHistory,
} from "@codemirror/commands";
import {
  HighlightStyle,
  bracketMatching,
  syntaxHighlighting,
  syntaxTree,
} from "@codemirror/language";
import { yaml } from "@codemirror/lang-yaml";
import { json } from "@codemirror/lang-json";
import { lintGutter, lintKeymap, setDiagnostics } from "@codemirror/lint";
import { autocompletion, completionKeymap } from "@codemirror/autocomplete";
import { searchKeymap } from "@codemirror/search";
import { tags as t } from "@lezer/highlight";

// Marks transactions made by setDoc so the update listener does not report
// them through onChange.
const external = Annotation.define();

const highlightStyle = HighlightStyle.define([
  { tag: [t.keyword, t.labelName, t.typeName], color: "var(--cm-keyword)" },
  {
    tag: [t.string, t.content, t.attributeValue],
    color: "var(--cm-string)",
  },
  { tag: t.number, color: "var(--cm-number)" },
  { tag: t.bool, color: "var(--cm-bool)" },
  { tag: t.null, color: "var(--cm-null, var(--cm-bool))" },
  { tag: [t.comment, t.meta], color: "var(--cm-comment)", fontStyle: "italic" },
  { tag: t.propertyName, color: "var(--cm-property)" },
  { tag: t.invalid, color: "var(--cm-invalid, #d00)" },
]);

// lang-yaml tags every plain scalar as `content`; recolour the ones that the
// YAML 1.2 core schema resolves to numbers, booleans or null.
const yamlNumber = /^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?|0o[0-7]+|0x[0-9a-fA-F]+|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$/;
const yamlBool = /^(?:true|True|TRUE|false|False|FALSE)$/;
const yamlNull = /^(?:~|null|Null|NULL)$/;
const scalarMarks = {
  number: Decoration.mark({ class: highlightStyle.style([t.number]) }),
  bool: Decoration.mark({ class: highlightStyle.style([t.bool]) }),
  null: Decoration.mark({ class: highlightStyle.style([t.null]) }),
};

function yamlScalarDecorations(view) {
  const builder = new RangeSetBuilder();
  const tree = syntaxTree(view.state);
  for (const { from, to } of view.visibleRanges) {
    tree.iterate({
      from,
      to,
      enter(node) {
        if (node.name !== "Literal") return;
        if (node.node.parent && node.node.parent.name === "Key") return false;
        const text = view.state.sliceDoc(node.from, node.to);
        const mark = yamlBool.test(text)
          ? scalarMarks.bool
          : yamlNull.test(text)
            ? scalarMarks.null
            : yamlNumber.test(text)
              ? scalarMarks.number
              : null;
        if (mark) builder.add(node.from, node.to, mark);
        return false;
      },
    });
  }
  return builder.finish();
}

const yamlScalars = ViewPlugin.fromClass(
  class {
    constructor(view) {
      this.decorations = yamlScalarDecorations(view);
    }
    update(update) {
      if (
        update.docChanged ||
        update.viewportChanged ||
        syntaxTree(update.startState) !== syntaxTree(update.state)
      ) {
        this.decorations = yamlScalarDecorations(update.view);
      }
    }
  },
  { decorations: (plugin) => plugin.decorations },
);

function languageExtension(language) {
  switch (language) {
    case "yaml":
      // Highest precedence so these marks nest inside (and override) the
      // syntax highlighter's `content` spans, which are Prec.high.
      return [yaml(), Prec.highest(yamlScalars)];
    case "json":
      return json();
    default:
      console.warn(`cpsEditor: unknown language ${JSON.stringify(language)}`);
      return [];
  }
}

const theme = EditorView.theme({
  "&": {
    color: "var(--cm-fg)",
    backgroundColor: "var(--cm-bg)",
  },
  "&.cm-focused": {
    outline: "2px solid var(--cm-focus, var(--cm-cursor, Highlight))",
    outlineOffset: "-2px",
  },
  ".cm-scroller": {
    fontFamily:
      "var(--cm-font, ui-monospace, SFMono-Regular, Menlo, Consolas, monospace)",
  },
  ".cm-content": { caretColor: "var(--cm-cursor)" },
  ".cm-cursor, .cm-dropCursor": { borderLeftColor: "var(--cm-cursor)" },
  ".cm-selectionBackground, &.cm-focused > .cm-scroller > .cm-selectionLayer .cm-selectionBackground, .cm-content ::selection":
    { backgroundColor: "var(--cm-selection)" },
  ".cm-activeLine": { backgroundColor: "var(--cm-active-line)" },
  ".cm-gutters": {
    backgroundColor: "var(--cm-gutter-bg)",
    color: "var(--cm-gutter-fg)",
    borderRight: "1px solid var(--cm-gutter-fg)",
  },
  ".cm-activeLineGutter": { backgroundColor: "var(--cm-active-line)" },
  ".cm-tooltip, .cm-panels": {
    color: "var(--cm-fg)",
    backgroundColor: "var(--cm-gutter-bg)",
  },
  ".cm-tooltip": { border: "1px solid var(--cm-gutter-fg)" },
});

// id -> { view, parent, language: Compartment, onChange, version, alive }
const editors = new Map();
let nextId = 1;

// Completions (a catalog's names), shared by all editors.
let completionNames = [];

// Completes the word before the cursor from the catalog's names (nothing
// without a catalog).
function catalogCompletions(context) {
  if (completionNames.length === 0) return null;
  const word = context.matchBefore(/"?[\w$]*/);
  if (!word || (word.from === word.to && !context.explicit)) return null;
  return {
    from: word.from,
    options: completionNames.map((label) => ({ label, type: "variable" })),
    validFor: /^"?[\w$]*$/,
  };
}

function get(id, fn) {
  const editor = editors.get(id);
  if (!editor) console.warn(`cpsEditor.${fn}: no editor with id ${id}`);
  return editor;
}

function toInt(value) {
  const n = Math.trunc(Number(value));
  return Number.isFinite(n) ? n : 0;
}

function clamp(value, len) {
  return Math.min(Math.max(toInt(value), 0), len);
}

function normalize(doc) {
  return String(doc ?? "").replace(/\r\n?/g, "\n");
}

function create(parent, doc, language, onChange) {
  const id = nextId++;
  const compartment = new Compartment();
  const editor = {
    view: null,
    parent,
    language: compartment,
    onChange,
    onSelect: null,
    selectionFrame: 0,
    version: 0,
    alive: true,
  };
  editor.lang = language;
  editor.extensions = () => [
      lineNumbers(),
      lintGutter(),
      autocompletion({ override: [catalogCompletions], icons: false }),
      highlightActiveLineGutter(),
      highlightActiveLine(),
      drawSelection(),
      history(),
      bracketMatching(),
      syntaxHighlighting(highlightStyle),
      compartment.of(languageExtension(editor.lang)),
      keymap.of([
        ...defaultKeymap,
        ...historyKeymap,
        ...searchKeymap,
        ...lintKeymap,
        ...completionKeymap,
      ]),
      theme,
      EditorView.contentAttributes.of({ "aria-label": "Config editor" }),
      EditorView.updateListener.of((update) => {
        if (editor.onSelect && (update.selectionSet || update.docChanged))
          reportSelection(editor);
        if (!update.docChanged || typeof editor.onChange !== "function") return;
        const user = update.transactions.some(
          (tr) => tr.docChanged && !tr.annotation(external),
        );
        if (user) editor.onChange();
      }),
    ];
  // Undo histories of the other open files, by key (switchDoc).
  editor.saved = new Map();
  editor.key = 0;
  const state = EditorState.create({
    doc: normalize(doc),
    extensions: editor.extensions(),
  });
  editor.view = new EditorView({ state, parent });
  // The scroll area is a tab stop of its own (axe's scrollable-region-focusable): a keyboard
  // user can scroll a long file without moving the cursor. It is named for screen readers.
  editor.view.scrollDOM.tabIndex = 0;
  editor.view.scrollDOM.setAttribute("role", "region");
  editor.view.scrollDOM.setAttribute("aria-label", "Config editor, scroll area");
  editors.set(id, editor);
  return id;
}

function setDoc(id, doc) {
  const editor = get(id, "setDoc");
  if (!editor) return;
  const view = editor.view;
  const next = normalize(doc);
  const current = view.state.doc.toString();
  if (next === current) return;
  // Replace only the differing middle so diagnostics, scroll position and
  // the selection outside the edited region are preserved.
  const max = Math.min(next.length, current.length);
  let start = 0;
  while (start < max && next.charCodeAt(start) === current.charCodeAt(start))
    start++;
  let end = 0;
  while (
    end < max - start &&
    next.charCodeAt(next.length - 1 - end) ===
      current.charCodeAt(current.length - 1 - end)
  )
    end++;
  // Don't split a surrogate pair at either edge of the change.
  const isHigh = (c) => c >= 0xd800 && c <= 0xdbff;
  const isLow = (c) => c >= 0xdc00 && c <= 0xdfff;
  if (start > 0 && isHigh(current.charCodeAt(start - 1))) start--;
  if (end > 0 && isLow(current.charCodeAt(current.length - end))) end--;
  const oldEnd = current.length - end;
  const insertEnd = start + (next.length - end - start);
  const changes = { from: start, to: oldEnd, insert: next.slice(start, next.length - end) };
  // Positions before/after the changed region map normally; positions inside
  // it keep their offset, clamped into the replacement text. (For a wholesale
  // replacement this is "same offset, clamped to the new length".)
  const delta = insertEnd - oldEnd;
  const keep = (pos) =>
    pos < start ? pos : pos > oldEnd ? pos + delta : Math.min(pos, insertEnd);
  const selection = EditorSelection.create(
    view.state.selection.ranges.map((r) =>
      EditorSelection.range(keep(r.anchor), keep(r.head)),
    ),
    view.state.selection.mainIndex,
  );
  view.dispatch({
    changes,
    selection,
    // Undoable, and never merged with the user's typing before or after it.
    annotations: [external.of(true), isolateHistory.of("full")],
  });
}

function switchDoc(id, key, doc) {
  const editor = get(id, "switchDoc");
  if (!editor) return;
  const next = normalize(doc);
  editor.saved.set(editor.key, editor.view.state);
  editor.key = key;
  const kept = editor.saved.get(key);
  editor.saved.delete(key);
  editor.view.setState(
    kept && kept.doc.toString() === next
      ? kept
      : EditorState.create({ doc: next, extensions: editor.extensions() }),
  );
  // A kept state has the language it was left with.
  editor.view.dispatch({
    effects: editor.language.reconfigure(languageExtension(editor.lang)),
  });
}

function getDoc(id) {
  const editor = get(id, "getDoc");
  return editor ? editor.view.state.doc.toString() : "";
}

function setLanguage(id, language) {
  const editor = get(id, "setLanguage");
  if (!editor) return;
  editor.lang = language;
  editor.view.dispatch({
    effects: editor.language.reconfigure(languageExtension(language)),
  });
}

const severities = new Set(["error", "warning", "info", "hint"]);

// A diagnostic's words in its hover tooltip as the problems panel draws them: one line each,
// every `name` as code (the backticks kept in the text, not drawn; style.css `code.name`).
function renderWords(message) {
  return () => {
    const box = document.createElement("div");
    for (const line of message.split("\n")) {
      const p = box.appendChild(document.createElement("div"));
      const parts = line.split(/(`[^`]+`)/);
      for (const part of parts) {
        if (part.length > 2 && part.startsWith("`") && part.endsWith("`")) {
          const code = p.appendChild(document.createElement("code"));
          code.className = "name";
          for (const t of ["`", part.slice(1, -1), "`"]) {
            const s = code.appendChild(t === "`" ? document.createElement("span") : document.createTextNode(t));
            if (t === "`") { s.className = "tick"; s.textContent = "`"; }
          }
        } else if (part) {
          p.appendChild(document.createTextNode(part));
        }
      }
    }
    return box;
  };
}

function setDiagnosticsJson(id, jsonText) {
  const editor = get(id, "setDiagnostics");
  if (!editor) return;
  let input;
  try {
    input = JSON.parse(jsonText);
  } catch (err) {
    console.error("cpsEditor.setDiagnostics: invalid JSON", err);
    return;
  }
  if (!Array.isArray(input)) {
    console.error("cpsEditor.setDiagnostics: expected a JSON array");
    return;
  }
  paint(id, editor, input);
}

function paint(id, editor, input) {
  const view = editor.view;
  const text = view.state.doc.toString();
  const len = text.length;
  const diagnostics = [];
  for (const d of input) {
    if (!d || typeof d !== "object") continue;
    let from = clamp(d.from, len);
    let to = clamp(d.to ?? d.from, len);
    if (from > to) [from, to] = [to, from];
    if (from === to) {
      // Widen to one character so there is something to underline; prefer
      // the character after, else the one before; never a line break (lint
      // draws a point marker for those) and never half a surrogate pair.
      const code = (i) => text.charCodeAt(i);
      if (from < len && text[from] !== "\n") {
        to = from + (code(from) >= 0xd800 && code(from) <= 0xdbff && from + 1 < len ? 2 : 1);
      } else if (from > 0 && text[from - 1] !== "\n") {
        from = to - (code(from - 1) >= 0xdc00 && code(from - 1) <= 0xdfff && from > 1 ? 2 : 1);
      }
    }
    const diagnostic = {
      from,
      to,
      severity: severities.has(d.severity) ? d.severity : "error",
      message: String(d.message ?? ""),
    };
    diagnostic.renderMessage = renderWords(diagnostic.message);
    if (d.source != null && d.source !== "") diagnostic.source = String(d.source);
    diagnostics.push(diagnostic);
  }
  view.dispatch(setDiagnostics(view.state, diagnostics));
  // The dispatch above updated the DOM synchronously; report in the next
  // animation frame (right before that frame is painted).
  requestAnimationFrame(() => {
    if (!editor.alive) return;
    editor.version += 1;
    editor.parent.dataset.diagnosticsVersion = String(editor.version);
    editor.parent.dispatchEvent(
      new CustomEvent("cps-diagnostics-painted", {
        bubbles: true,
        detail: { id, version: editor.version, count: diagnostics.length },
      }),
    );
  });
}

function setCompletions(jsonText) {
  try {
    const names = JSON.parse(jsonText);
    completionNames = Array.isArray(names) ? names.map(String) : [];
  } catch (err) {
    console.error("cpsEditor.setCompletions: invalid JSON", err);
  }
}

function select(id, from, to) {
  const editor = get(id, "select");
  if (!editor) return;
  const view = editor.view;
  const len = view.state.doc.length;
  const range = EditorSelection.range(clamp(from, len), clamp(to, len));
  view.dispatch({
    selection: EditorSelection.create([range]),
    effects: EditorView.scrollIntoView(range, { y: "center" }),
  });
  view.focus();
}

function reportSelection(editor) {
  if (editor.selectionFrame) return;
  editor.selectionFrame = requestAnimationFrame(() => {
    editor.selectionFrame = 0;
    if (!editor.alive || typeof editor.onSelect !== "function") return;
    const { from, to } = editor.view.state.selection.main;
    editor.onSelect(from, to);
  });
}

function watchSelection(id, onSelect) {
  const editor = get(id, "watchSelection");
  if (!editor) return;
  editor.onSelect = typeof onSelect === "function" ? onSelect : null;
  if (editor.onSelect) {
    const { from, to } = editor.view.state.selection.main;
    editor.onSelect(from, to);
  }
}

function focus(id) {
  const editor = get(id, "focus");
  if (editor) editor.view.focus();
}

function destroy(id) {
  const editor = get(id, "destroy");
  if (!editor) return;
  editor.alive = false;
  editor.onChange = null;
  editor.onSelect = null;
  editor.view.destroy();
  editors.delete(id);
}

// The files of a drop: entries must be taken while the drop event runs; the
// folders are read after. Bounded, so a dropped home folder cannot hang the tab.
function droppedFiles(dataTransfer) {
  const entries = [];
  for (const item of dataTransfer?.items ?? []) {
    const entry = item.kind === "file" && item.webkitGetAsEntry?.();
    if (entry) entries.push(entry);
  }
  if (entries.length === 0) {
    return Promise.resolve(
      Array.from(dataTransfer?.files ?? [], (file) => ({ path: "", file })),
    );
  }
  // Files dropped as such keep their names; a folder's files, their paths.
  const single = entries.every((e) => e.isFile);
  let budget = 10000;
  const out = [];
  const walk = async (entry) => {
    if (budget-- <= 0 || entry.name.startsWith(".")) return;
    if (entry.isFile) {
      const file = await new Promise((ok, fail) => entry.file(ok, fail));
      out.push({ path: single ? "" : entry.fullPath.replace(/^\//, ""), file });
    } else if (entry.isDirectory) {
      const reader = entry.createReader();
      for (;;) {
        const batch = await new Promise((ok, fail) => reader.readEntries(ok, fail));
        if (batch.length === 0) break;
        for (const e of batch) await walk(e);
      }
    }
  };
  return (async () => {
    for (const e of entries) await walk(e);
    return out;
  })();
}

window.cpsEditor = {
  create,
  setDoc,
  switchDoc,
  droppedFiles,
  getDoc,
  setLanguage,
  setDiagnostics: setDiagnosticsJson,
  setCompletions,
  select,
  watchSelection,
  focus,
  destroy,
};
