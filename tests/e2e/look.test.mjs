// The page as a user sees it: axe-core (WCAG 2.1 A/AA and best practices) on every tab in light
// and dark, and the layout at 1024 and 1440 px wide, light and dark: no pane overflows sideways
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
  if (tab === "upload") await page.click("[data-testid=dry-run] summary");
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

for (const width of [1024, 1440]) {
  for (const colorScheme of ["light", "dark"]) {
    test(`at ${width} px (${colorScheme}) nothing overflows or is cut off on any tab`, async () => {
      const viewport = { width, height: width === 1024 ? 768 : 900 };
      const { page, problems, context } = await openPage(browser, server.url, ".cm-content", { viewport, colorScheme });
      await replaceText(page, MIXED);
      await page.waitForSelector("[data-testid=problems] .problem-group");
      const found = [];
      for (const tab of TABS) {
        await openTab(page, tab);
        for (const p of await layoutProblems(page)) found.push(`${tab}: ${p}`);
      }
      assert.deepEqual(found, []);
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}

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
  });
  const found = await layoutProblems(page);
  assert.ok(found.some((p) => p.includes("reaches past")), found.join("\n"));
  assert.ok(found.some((p) => p.includes("cuts its text off")), found.join("\n"));
  await context.close();
});
