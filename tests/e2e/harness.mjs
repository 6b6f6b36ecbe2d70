// Shared setup for the browser tests: the real `cps serve` on loopback serving the Trunk-built
// dist/, and Debian's Chromium driven by playwright-core. No browser download, no network.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const BIN = process.env.CPS_BIN;
const AXE = new URL("../../node_modules/axe-core/axe.min.js", import.meta.url).pathname;
const DIST = process.env.CPS_DIST;

/// Spawns a server that prints its address on its first line; resolves to that URL.
async function spawnListening(bin, args, stdin) {
  const child = spawn(bin, args, { stdio: [stdin, "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`${bin} exited with ${code}`)));
    lines.on("line", (line) => {
      const m = line.match(/(http:\/\/\S+?)\/?$/);
      if (m) resolve(m[1]);
    });
  });
  return { child, url };
}

/// `cps serve` on loopback; `args` adds options (e.g. `--td-endpoint`).
export async function startServer(dir = DIST, args = []) {
  if (!BIN || !DIST) throw new Error("CPS_BIN and CPS_DIST must be set (cargo xtask test does)");
  const { child, url } = await spawnListening(BIN, ["serve", "--dir", dir, "--port", "0", ...args], "ignore");
  return { url: url + "/", stop: () => child.kill() };
}

/// The fake TD API (tests/td_fake) on loopback, with its control API. It exits when its stdin
/// closes, so it never outlives the test run.
export async function startFakeTd() {
  const bin = process.env.TD_FAKE_BIN;
  if (!bin) throw new Error("TD_FAKE_BIN must be set (cargo xtask test does)");
  const { child, url } = await spawnListening(bin, [], "pipe");
  const control = async (method, path, body) => {
    const r = await fetch(url + path, { method, body: body === undefined ? undefined : JSON.stringify(body) });
    if (!r.ok) throw new Error(`td-fake ${method} ${path}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  return {
    url,
    stop: () => child.kill(),
    reset: () => control("POST", "/_fake/reset"),
    state: () => control("GET", "/_fake/state"),
    faults: (rules) => control("POST", "/_fake/faults", rules),
    seed: (segment) => control("POST", "/_fake/segments", segment),
    catalog: (tables) => control("POST", "/_fake/catalog", tables),
  };
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-dev-shm-usage",
    ],
  });
}

/// A fresh page (own storage) that records page errors and console errors: a CSP violation or
/// a panic in the wasm shows up there and fails the test. `ready` is what to wait for (the
/// studio's editor by default).
/// `options`: `viewport` (1280×860 by default), `colorScheme` (`light` by default), `axe` (inject
/// axe-core from node_modules before the page's own scripts, through the browser's debugging
/// protocol, so the page's CSP stays in force).
export async function openPage(browser, url, ready = ".cm-content", options = {}) {
  const context = await browser.newContext({
    acceptDownloads: true,
    viewport: options.viewport ?? { width: 1280, height: 860 },
    colorScheme: options.colorScheme ?? "light",
  });
  if (options.axe) await context.addInitScript({ path: AXE });
  const page = await context.newPage();
  const problems = [];
  // Offline by design: every request stays on the page's own origin (no CDN, no telemetry).
  const origin = new URL(url).origin;
  page.on("request", (r) => {
    const u = r.url();
    if (!u.startsWith(origin) && !u.startsWith("data:") && !u.startsWith("blob:")) problems.push(`request off-site: ${u}`);
  });
  page.on("pageerror", (e) => problems.push(`pageerror: ${e.message}`));
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  await page.goto(url);
  await page.waitForSelector(ready);
  return { context, page, problems };
}

export async function editorText(page) {
  return page.evaluate(() => window.cpsEditor.getDoc(1));
}

/// Replaces the editor's whole text the way a user would: select all, then paste. (A paste event
/// carries the text at once; typing it through keyboard.insertText makes Chromium build and
/// CodeMirror re-read a DOM node per line, minutes for a large file.)
export async function replaceText(page, text) {
  await page.click(".cm-content");
  await page.keyboard.press("Control+A");
  await page.evaluate((t) => {
    const data = new DataTransfer();
    data.setData("text/plain", t);
    document.querySelector(".cm-content").dispatchEvent(
      new ClipboardEvent("paste", { clipboardData: data, bubbles: true, cancelable: true }));
  }, text);
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, text);
}

/// axe-core's violations of WCAG 2.1 A and AA and its best practices on the page as it is now,
/// each as `rule: targets` (the page must have been opened with `{ axe: true }`).
export async function axeViolations(page) {
  return page.evaluate(async () => {
    const r = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] },
    });
    return r.violations.map((v) => `${v.id} (${v.nodes.length}): ${v.nodes.slice(0, 4).map((n) => n.target.join(" ")).join(", ")}`);
  });
}

/// Everything in the panes that does not fit: a pane (or a scroll area inside it that must not
/// scroll sideways) wider than its box, text elements whose box reaches past the pane's or is
/// cut off in its own box (scrollWidth beyond clientWidth with overflow hidden), and one-line
/// fields (inputs, selects) too narrow for the text they show. Measured on element boxes and
/// the text's width in its font, not pixels.
export async function layoutProblems(page) {
  return page.evaluate(() => {
    const out = [];
    const name = (el) => el.dataset.testid ? `[data-testid=${el.dataset.testid}]`
      : el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.trim().split(/\s+/).join(".") : "");
    const visible = (el) => el.offsetParent !== null && el.getClientRects().length > 0;
    // What a one-line box shows (an input's value or placeholder, a select's chosen option) and
    // the width its text needs, measured in the box's own font; a select's arrow takes ~20 px.
    const canvas = document.createElement("canvas").getContext("2d");
    const shown = (el) => el.tagName === "SELECT" ? el.selectedOptions[0]?.textContent ?? "" : el.value || el.placeholder || "";
    const fits = (el) => {
      const style = getComputedStyle(el);
      canvas.font = style.font;
      const room = el.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - (el.tagName === "SELECT" ? 20 : 0);
      return canvas.measureText(shown(el)).width <= room + 1;
    };
    const oneLine = "input:not([type=checkbox]):not([type=radio]):not([type=file]):not([type=password]), select";
    // The page itself never scrolls sideways.
    const doc = document.documentElement;
    if (doc.scrollWidth > doc.clientWidth + 1) out.push(`page: ${doc.scrollWidth} > ${doc.clientWidth}`);
    const containers = [...document.querySelectorAll(".toolbar, .path, .pane, .tab-body, .hint")];
    for (const c of containers.filter(visible)) {
      // Code blocks scroll inside themselves on purpose (a long SQL line, the editor): they are
      // checked as boxes below, not by their content.
      if (c.scrollWidth > c.clientWidth + 1) out.push(`${name(c)} overflows sideways: ${c.scrollWidth} > ${c.clientWidth}`);
      const box = c.getBoundingClientRect();
      for (const el of c.querySelectorAll("*")) {
        if (!visible(el) || el.closest(".cm-editor, svg, .visually-hidden")) continue;
        const r = el.getBoundingClientRect();
        if (r.width === 0 || r.height === 0) continue;
        if (r.right > box.right + 1 || r.left < box.left - 1) {
          out.push(`${name(el)} reaches past ${name(c)} (${Math.round(r.left)}–${Math.round(r.right)} vs ${Math.round(box.left)}–${Math.round(box.right)})`);
          continue;
        }
        if (el.matches(oneLine) && !fits(el)) {
          out.push(`${name(el)} cuts its text off: “${shown(el)}”`);
          continue;
        }
        const style = getComputedStyle(el);
        const clips = style.overflowX === "hidden" || style.overflowX === "clip" || style.textOverflow === "ellipsis";
        const text = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
        if (text && clips && el.scrollWidth > el.clientWidth + 1) out.push(`${name(el)} cuts its text off: ${el.scrollWidth} > ${el.clientWidth}`);
      }
    }
    return [...new Set(out)];
  });
}
