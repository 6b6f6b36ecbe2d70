// The page as a user sees it: axe-core (WCAG 2.1 A/AA and best practices) on every tab in light
// and dark, and the layout at 1024, 1280 and 1440 px wide, light and dark: no pane overflows sideways
// and no text is cut off (measured on element boxes, no pixel comparison).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, launch, openPage, replaceText, axeViolations, layoutProblems } from "./harness.mjs";

const SNOWFLAKE = readFileSync(new URL("../../examples/snowflake.yaml", import.meta.url), "utf8");
// One error, and a group of warnings (lower-case names), so every kind of row is drawn.
const MIXED = SNOWFLAKE.replace("timezone: Asia/Tokyo", "timezone: Tokyo")
  .replace(/: ([A-Z][A-Z_]+)\b/g, (_, name) => `: ${name.toLowerCase()}`)
  .replace("description: Zero-copy parent segment on the CDP_PROD Snowflake database",
    "description: Zero-copy parent segment on the CDP_PROD Snowflake database, with a description long enough to need more than one line in the form so that nothing of it may be cut off");
const TABS = ["problems", "form", "diagram", "output", "settings", "snowflake", "upload"];
let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

/// Opens a tab and waits until it has drawn (the steps module's tabs load it first).
async function openTab(page, tab) {
  await page.click(`[data-tab=${tab}]`);
  if (tab === "snowflake") await page.waitForSelector("[data-testid=snowflake]");
  if (tab === "upload") await page.waitForSelector("[data-testid=upload]");
  if (tab === "upload") {
    // The region with the longest name, so a narrow pane has to fit it.
    const longest = await page.$eval("[data-testid=td-region]", (s) => [...s.options].sort((a, b) => b.text.length - a.text.length)[0].value);
    await page.selectOption("[data-testid=td-region]", longest);
    await page.click("[data-testid=dry-run] summary");
  }
}

/// Text on the page (outside the editor and code blocks) that still shows the terminal's
/// backticks around a name, instead of drawing the name as code.
function backticks() {
  const out = [];
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    const el = n.parentElement;
    if (!n.textContent.includes("`") || el.closest(".cm-editor, pre, textarea, svg, .visually-hidden, [hidden]") || el.offsetParent === null) continue;
    out.push(n.textContent.trim().slice(0, 80));
  }
  return out;
}

/// Words broken across two lines where they must stay whole: a command-line flag in a help text
/// (`--identifier-case`), a name in a code block shorter than its line (`DATA_TYPE`); and code
/// blocks that scroll sideways instead of wrapping.
function broken() {
  const out = [];
  const lines = (node, from, to) => {
    const r = document.createRange();
    r.setStart(node, from);
    r.setEnd(node, to);
    return new Set([...r.getClientRects()].filter((b) => b.width > 0).map((b) => Math.round(b.top))).size;
  };
  const shown = (el) => el.offsetParent !== null && !el.closest(".cm-editor, svg, [hidden]");
  const walk = document.createTreeWalker(document.querySelector(".side-pane"), NodeFilter.SHOW_TEXT);
  for (let n = walk.nextNode(); n; n = walk.nextNode()) {
    if (!shown(n.parentElement)) continue;
    const code = n.parentElement.closest("pre");
    const words = code ? /[A-Za-z0-9_]{2,24}/g : /--[a-z][a-z-]+/g;
    for (const m of n.textContent.matchAll(words)) {
      if (lines(n, m.index, m.index + m[0].length) > 1) out.push(`“${m[0]}” is split across lines`);
    }
  }
  for (const pre of document.querySelectorAll(".side-pane pre")) {
    if (shown(pre) && pre.scrollWidth > pre.clientWidth + 1) out.push(`${pre.dataset.testid ?? pre.className} scrolls sideways`);
  }
  return out;
}

for (const colorScheme of ["light", "dark"]) {
  test(`axe-core finds no violation on any tab (${colorScheme})`, async () => {
    const { page, problems, context } = await openPage(browser, server.url, ".cm-content", { axe: true, colorScheme });
    await replaceText(page, MIXED);
    await page.waitForSelector("[data-testid=problems] .problem-group");
    const found = [];
    for (const tab of TABS) {
      await openTab(page, tab);
      for (const v of await axeViolations(page)) found.push(`${tab}: ${v}`);
    }
    assert.deepEqual(found, []);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

// 1280 too: the screenshots' width, and the first where the tabs must fit one row.
for (const width of [1024, 1280, 1440]) {
  for (const colorScheme of ["light", "dark"]) {
    test(`at ${width} px (${colorScheme}) nothing overflows or is cut off on any tab`, async () => {
      const viewport = { width, height: { 1024: 768, 1280: 860, 1440: 900 }[width] };
      const { page, problems, context } = await openPage(browser, server.url, ".cm-content", { viewport, colorScheme });
      await replaceText(page, MIXED);
      await page.waitForSelector("[data-testid=problems] .problem-group");
      const found = [];
      for (const tab of TABS) {
        await openTab(page, tab);
        for (const p of await layoutProblems(page)) found.push(`${tab}: ${p}`);
      }
      if (width >= 1280) {
        // Wide enough for the tabs in one row: none left alone on a second one.
        const rows = await page.$$eval("[role=tab]", (tabs) => new Set(tabs.map((t) => Math.round(t.getBoundingClientRect().top))).size);
        if (rows !== 1) found.push(`the tabs take ${rows} rows`);
      }
      assert.deepEqual(found, []);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}

test("cps's words read as words at 1024 px: names as code, a problem's place on one plain line, flags and SQL names whole", async () => {
  const { page, problems, context } = await openPage(browser, server.url, ".cm-content", { viewport: { width: 1024, height: 768 } });
  await replaceText(page, MIXED);
  await page.waitForSelector("[data-testid=problems] .problem-group");
  const found = [];
  for (const tab of TABS) {
    await openTab(page, tab);
    if (tab === "snowflake") await page.waitForSelector("[data-testid=sf-checkpack-sql]");
    if (tab === "output") {
      // A config without errors, so the converted file is shown; then back to the mixed one.
      await replaceText(page, SNOWFLAKE.replace("Snowflake database", "Snowflake database, described at some length so the line is longer than the pane"));
      await page.waitForSelector("[data-testid=converted]");
      for (const p of await page.evaluate(broken)) found.push(`${tab}: ${p}`);
      await replaceText(page, MIXED);
    }
    for (const t of await page.evaluate(backticks)) found.push(`${tab}: backticks in “${t}”`);
    for (const p of await page.evaluate(broken)) found.push(`${tab}: ${p}`);
  }
  // A problem's head (position, code, key path) is small print on one line: none of the page's
  // other boxes (the guided path's bar) lends it padding or a border.
  await openTab(page, "problems");
  const boxed = await page.evaluate(() => [...document.querySelectorAll("[data-testid=problems] .problem-head *")]
    .filter((el) => { const s = getComputedStyle(el); return parseFloat(s.paddingTop) > 0 || parseFloat(s.paddingBottom) > 0 || parseFloat(s.borderBottomWidth) > 0; })
    .map((el) => `problems: a box around “${el.textContent}”`));
  // The editor's hover on an underline says the same words the same way.
  await page.hover(".cm-lintRange-error");
  const tip = page.locator(".cm-tooltip-lint");
  await tip.waitFor();
  if ((await tip.innerText()).includes("`")) found.push(`editor tooltip: backticks in “${await tip.innerText()}”`);
  assert.deepEqual(await tip.locator("code.name").allInnerTexts(), ["Tokyo", "Asia/Tokyo"]);
  assert.deepEqual([...found, ...boxed], []);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the layout check fails on a pane that overflows and on text cut off", async () => {
  // The check itself, on a page made to fail it: it must not pass everything.
  const { page, context } = await openPage(browser, server.url);
  await page.evaluate(() => {
    const body = document.querySelector(".tab-body");
    const wide = document.createElement("div");
    wide.style.width = "3000px";
    wide.textContent = "too wide";
    body.append(wide);
    const cut = document.createElement("p");
    cut.style.cssText = "width: 40px; overflow: hidden; white-space: nowrap";
    cut.textContent = "a sentence far longer than forty pixels";
    body.append(cut);
    const field = document.createElement("input");
    field.style.width = "60px";
    field.value = "a value far longer than sixty pixels";
    field.dataset.testid = "narrow-input";
    body.append(field);
  });
  const found = await layoutProblems(page);
  assert.ok(found.some((p) => p.includes("reaches past")), found.join("\n"));
  assert.ok(found.some((p) => p.includes("cuts its text off")), found.join("\n"));
  assert.ok(found.some((p) => p.startsWith("[data-testid=narrow-input] cuts its text off")), found.join("\n"));
  await context.close();
});
