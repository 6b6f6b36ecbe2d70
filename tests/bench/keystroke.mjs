// Browser benchmark (not a test): keystroke → diagnostics painted on a 5,000-line config, beside
// a no-op keystroke (a cursor move, which repaints without re-checking) in the same page as the
// baseline; plus the shipped size of the page, gzipped. Run by `cargo xtask bench --web`.
//
// Both timings run from the keydown event to the start of the frame that shows the result: the
// diagnostics-painted event (dispatched in the frame that paints the new diagnostics) for an
// edit, the next animation frame for the no-op.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { join } from "node:path";
import { startServer, launch, openPage, replaceText } from "../e2e/harness.mjs";

const RUNS = Number(process.env.RUNS || 40);

function config(lines) {
  let s = "name: Bench\ndescription: 5000-line config\ntimezone: UTC\nmaster:\n  connection: '167'\n  schema: PUBLIC\n  table: CUSTOMERS\n  key_column: ID\nattributes:\n  - name: email\n    connection: '167'\n    schema: PUBLIC\n    table: CUSTOMERS\n    join: { table_key: ID, master_key: ID }\n    column: EMAIL\n    type: string\nbehaviors:\n";
  for (let b = 0; s.split("\n").length < lines; b++) {
    s += `  - name: behavior_${b}\n    connection: '167'\n    schema: PUBLIC\n    table: EVENTS_${b}\n    join: { table_key: ID, master_key: ID }\n    time_column: TIME\n    columns:\n`;
    for (let c = 0; c < 10; c++) s += `      - { name: col_${c}, type: string, column: COL_${c} }\n`;
  }
  return s;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

function sizes(dist, keep = () => true) {
  const files = readdirSync(dist, { recursive: true }).filter((f) => statSync(join(dist, f)).isFile() && keep(f));
  const gz = (f) => gzipSync(readFileSync(join(dist, f)), { level: 9 }).length;
  const by = (pred) => files.filter(pred).reduce((n, f) => n + gz(f), 0);
  return {
    wasm: by((f) => f.endsWith(".wasm")),
    js: by((f) => f.endsWith(".js")),
    css: by((f) => f.endsWith(".css")),
    html: by((f) => f.endsWith(".html")),
  };
}

const server = await startServer();
const browser = await launch();
try {
  const { page, context } = await openPage(browser, server.url);
  const text = config(5000);
  await replaceText(page, text);
  await page.waitForFunction((n) => window.cpsEditor.getDoc(1).split("\n").length >= n, 5000);
  // Put the cursor inside a value in the middle of the file.
  const offset = text.indexOf("type: string }", Math.floor(text.length / 2)) + "type: str".length;
  await page.evaluate((o) => window.cpsEditor.select(1, o, o), offset);
  await page.evaluate(() => {
    const host = document.querySelector("[data-testid=editor]");
    window.__bench = { t0: 0, done: null };
    document.addEventListener("keydown", () => { window.__bench.t0 = performance.now(); }, true);
    host.addEventListener("cps-diagnostics-painted", () => {
      const t = performance.now() - window.__bench.t0;
      window.__bench.done?.(t);
    });
  });
  // Arm the listener first, then press: the promise lives in the page until the frame comes.
  const measure = async (key, kind) => {
    await page.evaluate((kind) => {
      window.__bench.result = new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no ${kind} frame within 5 s`)), 5000);
        const finish = (t) => { clearTimeout(timer); resolve(t); };
        if (kind === "edit") {
          window.__bench.done = finish;
        } else {
          window.__bench.done = null;
          document.addEventListener("keydown", () => requestAnimationFrame(() => finish(performance.now() - window.__bench.t0)), { once: true });
        }
      });
    }, kind);
    await page.keyboard.press(key);
    return page.evaluate(() => window.__bench.result);
  };
  const edit = (key) => measure(key, "edit");
  const noop = (key) => measure(key, "noop");
  // Warm up, then interleave: edit (type, delete), no-op (right, left).
  for (let i = 0; i < 3; i++) { await edit("x"); await edit("Backspace"); }
  const edits = [], noops = [];
  for (let i = 0; i < RUNS; i++) {
    edits.push(await edit(i % 2 ? "Backspace" : "x"));
    noops.push(await noop(i % 2 ? "ArrowLeft" : "ArrowRight"));
  }
  await context.close();
  // The first load: top-level files and wasm-bindgen snippets; the embed and the lazily loaded
  // Upload step are not part of it.
  const s = sizes(process.env.CPS_DIST, (f) => !f.startsWith("embed") && !f.startsWith("steps"));
  const kb = (n) => (n / 1024).toFixed(1) + " KB";
  const e = median(edits), n = median(noops);
  console.log(`Keystroke on a ${text.split("\n").length - 1}-line config (${(text.length / 1024).toFixed(0)} KB), median of ${RUNS} runs each, interleaved, headless Chromium:\n`);
  console.log("| keystroke | median to painted | ratio | target |\n|---|---|---|---|");
  console.log(`| no-op (cursor move), baseline | ${n.toFixed(1)} ms | 1.00× | |`);
  console.log(`| edit → re-check → diagnostics painted | ${e.toFixed(1)} ms | **${(e / n).toFixed(2)}×** | within one frame (16 ms) of input |`);
  console.log(`\nShipped size (dist/, gzip -9):\n\n| part | gzipped | budget |\n|---|---|---|`);
  console.log(`| app wasm | ${kb(s.wasm)} | ≤ 350 KB |`);
  console.log(`| JS (editor bundle + wasm-bindgen glue) | ${kb(s.js)} | |`);
  console.log(`| CSS + HTML | ${kb(s.css + s.html)} | |`);
  console.log(`| whole page | **${kb(s.wasm + s.js + s.css + s.html)}** | ≤ 500 KB |`);
  const steps = sizes(join(process.env.CPS_DIST, "steps"));
  console.log(`| Snowflake setup and Upload steps (dist/steps/, fetched when such a tab opens) | ${kb(steps.wasm + steps.js)} | |`);
  const embed = join(process.env.CPS_DIST, "embed");
  const shared = (f) => f === "cps-api.js" || f === "cps-config.js";
  const full = sizes(embed, (f) => shared(f) || f === "cps.js" || f.startsWith("cps_embed.") || f === "cps_embed_bg.wasm");
  const json = sizes(embed, (f) => shared(f) || f === "cps-json.js" || f.startsWith("cps_embed_json"));
  console.log(`\nThe documentation embed (dist/embed/, gzip -9; JS = wasm-bindgen glue, wrapper and the <cps-config> widget):\n\n| flavour | wasm | JS | total | budget |\n|---|---|---|---|---|`);
  console.log(`| full (JSON and YAML): cps.js | ${kb(full.wasm)} | ${kb(full.js)} | **${kb(full.wasm + full.js)}** | ≤ 200 KB |`);
  console.log(`| JSON only: cps-json.js | ${kb(json.wasm)} | ${kb(json.js)} | **${kb(json.wasm + json.js)}** | ≤ 200 KB |`);
} finally {
  await browser.close();
  server.stop();
}
