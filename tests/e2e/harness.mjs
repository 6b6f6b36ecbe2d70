// Shared setup for the browser tests: the real `cps serve` on loopback serving the Trunk-built
// dist/, and Debian's Chromium driven by playwright-core. No browser download, no network.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const BIN = process.env.CPS_BIN;
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
export async function openPage(browser, url, ready = ".cm-content") {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 860 } });
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
