// <cps-config>: drop-in widget that shows a parent-segment config, checked live by cps.
//
//   <script type="module" src="cps-config.js"></script>
//   <cps-config><pre>name: …</pre></cps-config>            inline config
//   <cps-config src="segment.yaml"></cps-config>            fetched from the page's own site
//   attributes: warehouse, types, identifier-case (check settings), studio (URL of the cps
//   page for "Open in cps"; default: the studio this widget was served with).
//
// Everything renders in a shadow root, so the host page's styles neither leak in nor out.
// A JSON config loads the small JSON-only checker (cps-json.js); YAML loads the full one.

const STYLE = `
:host { display: block; margin: 1em 0; font: 13px/1.5 system-ui, sans-serif; color: #1d2330; }
.frame { border: 1px solid #dde1e8; border-radius: 8px; overflow: hidden; background: #fff; }
.bar { display: flex; gap: 10px; align-items: center; padding: 6px 10px; background: #f6f7f9; border-bottom: 1px solid #dde1e8; }
.status { font-weight: 600; font-size: 12px; padding: 1px 8px; border-radius: 999px; }
.status.ok { background: #e3f4ea; color: #1e7f4f; } .status.bad { background: #fdecea; color: #c9302c; } .status.warn { background: #fff4e0; color: #a15c00; }
.fmt { color: #5b6475; font: 12px ui-monospace, Menlo, Consolas, monospace; }
a.open { margin-left: auto; color: #2f6fde; text-decoration: none; font-size: 12px; } a.open:hover { text-decoration: underline; }
pre { margin: 0; padding: 8px 0; overflow: auto; font: 12.5px/1.55 ui-monospace, Menlo, Consolas, monospace; }
.line { display: block; padding: 0 10px 0 0; white-space: pre; }
.ln { display: inline-block; width: 3.2em; padding-right: .8em; text-align: right; color: #8a93a3; user-select: none; }
.k { color: #2559b5; } .s { color: #1e7f4f; } .n { color: #b5500b; } .c { color: #7a8495; font-style: italic; }
mark { background: none; color: inherit; text-decoration: underline wavy; text-underline-offset: 3px; }
mark.error { text-decoration-color: #c9302c; } mark.warning { text-decoration-color: #a15c00; } mark.info { text-decoration-color: #1f6f8b; }
.msg { display: block; white-space: normal; margin: 2px 10px 4px 4em; padding: 4px 8px; border-left: 3px solid; border-radius: 4px; font: 12px system-ui, sans-serif; }
.msg.error { border-color: #c9302c; background: #fdecea; } .msg.warning { border-color: #a15c00; background: #fff4e0; } .msg.info { border-color: #1f6f8b; background: #e6f4f8; }
.msg code { font-size: 11px; background: rgba(0,0,0,.06); padding: 0 4px; border-radius: 3px; }
.msg .help { color: #5b6475; }
`;

const esc = (s) => s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]);

// A light highlighter: keys, strings, numbers and literals, comments. Works on YAML and JSON.
function highlight(line) {
  const out = [];
  const re = /(#.*$)|("(?:[^"\\]|\\.)*"\s*(?=:))|("(?:[^"\\]|\\.)*"|'(?:[^']|'')*')|(\b(?:true|false|null)\b|-?\b\d+(?:\.\d+)?\b)|([A-Za-z_][\w$-]*)(?=\s*:(?:\s|$))/g;
  let last = 0, m;
  while ((m = re.exec(line))) {
    if (m.index > last) out.push([line.slice(last, m.index), null]);
    const cls = m[1] ? "c" : m[2] || m[5] ? "k" : m[3] ? "s" : "n";
    out.push([m[0], cls]);
    last = m.index + m[0].length;
  }
  if (last < line.length) out.push([line.slice(last), null]);
  return out;
}

// Renders one line with its highlighted tokens and the diagnostics' underlines; columns are
// UTF-16 units, which is what JS string indices are.
function renderLine(line, marks) {
  const tokens = highlight(line);
  let html = "", pos = 0;
  for (const [text, cls] of tokens) {
    for (let i = 0; i < text.length; ) {
      const at = pos + i;
      const bounds = marks.flatMap((m) => [m.from, m.to]).filter((b) => b > at).concat([pos + text.length]);
      const next = Math.min(...bounds);
      const piece = esc(text.slice(i, next - pos));
      const wrapped = cls ? `<span class="${cls}">${piece}</span>` : piece;
      const active = marks.filter((m) => m.from <= at && at < m.to);
      html += active.length ? `<mark class="${active[0].severity}">${wrapped}</mark>` : wrapped;
      i = next - pos;
    }
    pos += text.length;
  }
  return html;
}

function base64url(text) {
  const bytes = new TextEncoder().encode(text);
  let bin = "";
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

class CpsConfig extends HTMLElement {
  async connectedCallback() {
    if (this.shadowRoot) return;
    const root = this.attachShadow({ mode: "open" });
    const src = this.getAttribute("src");
    let text;
    try {
      text = src ? await (await fetch(new URL(src, document.baseURI))).text() : (this.querySelector("pre") ?? this).textContent;
    } catch (e) {
      root.innerHTML = `<style>${STYLE}</style><div class="frame"><div class="bar"><span class="status bad">could not load ${esc(src)}</span></div></div>`;
      return;
    }
    text = text.replace(/^\n/, "");
    const options = {};
    for (const [attr, key] of [["warehouse", "warehouse"], ["types", "types"], ["identifier-case", "identifierCase"]]) {
      if (this.hasAttribute(attr)) options[key] = this.getAttribute(attr);
    }
    const checkWith = async (module) => {
      const { load, check } = await import(module);
      await load();
      return check(text, options).files[0];
    };
    let file = await checkWith(text.trimStart().startsWith("{") ? "./cps-json.js" : "./cps.js");
    // The JSON-only checker has no segment reader (segments are tdx YAML): a segment written as
    // JSON is checked by the full one.
    if (file.kind === "segment" && file.diagnostics.some((d) => d.code === "segment-file")) file = await checkWith("./cps.js");
    const diags = file.diagnostics;
    const count = (s) => diags.filter((d) => d.severity === s).length;
    const errors = count("error"), warnings = count("warning");
    const status = errors ? `<span class="status bad">${errors} error${errors === 1 ? "" : "s"}</span>`
      : warnings ? `<span class="status warn">${warnings} warning${warnings === 1 ? "" : "s"}</span>`
      : `<span class="status ok">✓ valid</span>`;
    const studio = this.getAttribute("studio") ?? new URL("../", import.meta.url).href;
    const link = `${studio}#config=${base64url(text)}`;
    const lines = text.split("\n");
    if (lines.length && lines[lines.length - 1] === "") lines.pop();
    let body = "";
    lines.forEach((line, i) => {
      const n = i + 1;
      const marks = diags
        .filter((d) => d.line <= n && n <= d.endLine)
        .map((d) => ({
          from: d.line === n ? d.column - 1 : 0,
          to: d.endLine === n ? Math.max(d.endColumn - 1, d.column) : line.length,
          severity: d.severity,
        }));
      body += `<span class="line"><span class="ln">${n}</span>${renderLine(line, marks)}</span>`;
      for (const d of diags.filter((d) => d.line === n)) {
        body += `<span class="msg ${d.severity}" data-code="${esc(d.code)}">${esc(d.message)} <code>${esc(d.code)}</code>${d.help ? `<br><span class="help">${esc(d.help)}</span>` : ""}</span>`;
      }
    });
    root.innerHTML = `<style>${STYLE}</style><div class="frame" part="frame"><div class="bar">${status}<span class="fmt">${esc(file.format ?? "")}</span><a class="open" href="${esc(link)}" target="_blank" rel="noopener">Open in cps ↗</a></div><pre>${body}</pre></div>`;
    this.dataset.errors = String(errors);
    this.dataset.warnings = String(warnings);
    this.dispatchEvent(new CustomEvent("cps-checked", { detail: file, bubbles: true }));
  }
}

customElements.define("cps-config", CpsConfig);
