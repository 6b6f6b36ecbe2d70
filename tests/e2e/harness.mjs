// Shared setup for the browser tests: the real `cps serve` on loopback serving the Trunk-built
// dist/, and Debian's Chromium driven by playwright-core. No browser download, no network.
import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { chromium } from "playwright-core";

const BIN = process.env.CPS_BIN;
const DIST = process.env.CPS_DIST;

export async function startServer(dir = DIST) {
  if (!BIN || !DIST) throw new Error("CPS_BIN and CPS_DIST must be set (cargo xtask test does)");
  const child = spawn(BIN, ["serve", "--dir", dir, "--port", "0"], { stdio: ["ignore", "pipe", "inherit"] });
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`cps serve exited with ${code}`)));
    lines.on("line", (line) => {
      const m = line.match(/(http:\/\/\S+)/);
      if (m) resolve(m[1]);
    });
  });
  return { url, stop: () => child.kill() };
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
