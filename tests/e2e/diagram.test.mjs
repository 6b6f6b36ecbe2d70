// The data-model diagram in real Chromium: clicks select the text, the editor's selection is
// highlighted, problems are marked where they point, both exports produce files, and a large
// config (40 attributes, 30 behaviors) stays legible: measured on the rendered boxes and glyphs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, launch, openPage, replaceText } from "./harness.mjs";

const SNOWFLAKE = readFileSync(new URL("../../examples/snowflake.yaml", import.meta.url), "utf8");
let server, browser;

before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

const SVG = "[data-testid=diagram-canvas] svg";

async function openDiagram(page) {
  await page.click("[data-tab=diagram]");
  await page.waitForSelector(`${SVG} [data-testid=diagram-master]`);
}

/// The editor's selected text, as CodeMirror holds it.
const selected = (page) =>
  page.evaluate(() => {
    const sel = window.getSelection();
    return sel ? sel.toString() : "";
  });

/// A parent with `attrs` attributes and `behaviors` behaviors of 1–4 columns, long names here
/// and there (as the layout's native test builds it).
function big(attrs, behaviors) {
  let s = "name: Big\ntimezone: UTC\nmaster:\n  connection: '1'\n  schema: PUBLIC\n  table: CUSTOMERS\n  key_column: CUSTOMER_ID\nattributes:\n";
  for (let i = 0; i < attrs; i++) {
    const name = i % 7 === 3 ? `a_rather_long_attribute_name_number_${i}` : `attr_${i}`;
    s += `  - name: ${name}\n    connection: '1'\n    schema: PUBLIC\n    table: CUSTOMERS\n    join: { table_key: CUSTOMER_ID, master_key: CUSTOMER_ID }\n    column: COL_${i}\n    type: ${i % 2 ? "number" : "string"}\n`;
  }
  s += "behaviors:\n";
  for (let i = 0; i < behaviors; i++) {
    s += `  - name: behavior_${i}\n    connection: '1'\n    schema: PUBLIC\n    table: EVENTS_WITH_A_LONG_TABLE_NAME_${i}\n    join: { table_key: CUSTOMER_ID_IN_EVENTS, master_key: CUSTOMER_ID }\n    time_column: TIME\n    columns:\n`;
    for (let j = 0; j < 1 + (i % 4); j++) s += `      - { name: col_${j}, type: timestamp, column: SOURCE_COLUMN_${j} }\n`;
  }
  return s;
}

/// Everything the legibility check measures, in CSS pixels on the page: the smallest rendered
/// font, overlapping tables, text outside its table or the drawing, labels over a table.
function measure() {
  const svg = document.querySelector("[data-testid=diagram-canvas] svg");
  const scale = svg.getScreenCTM().a;
  const r = (e) => e.getBoundingClientRect();
  const inside = (a, b) => a.left >= b.left - 0.5 && a.right <= b.right + 0.5 && a.top >= b.top - 0.5 && a.bottom <= b.bottom + 0.5;
  const overlap = (a, b) => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  const boxes = [...svg.querySelectorAll("g.tbl > rect.box")].map(r);
  const out = { tables: boxes.length, texts: 0, minFont: Infinity, overlaps: [], overflow: [], labels: [] };
  for (let i = 0; i < boxes.length; i++)
    for (let j = i + 1; j < boxes.length; j++) if (overlap(boxes[i], boxes[j])) out.overlaps.push([i, j]);
  const whole = r(svg);
  for (const t of svg.querySelectorAll("text")) {
    out.texts += 1;
    out.minFont = Math.min(out.minFont, parseFloat(getComputedStyle(t).fontSize) * scale);
    const box = r(t);
    if (!inside(box, whole)) out.overflow.push(`outside the drawing: ${t.textContent}`);
    const table = t.closest("g.tbl");
    if (table) {
      // Inside its table, and inside its own row or header.
      if (!inside(box, r(table.querySelector("rect.box")))) out.overflow.push(`outside its table: ${t.textContent}`);
      const hit = t.closest("[data-el]")?.querySelector("rect.hit");
      if (hit && !inside(box, r(hit))) out.overflow.push(`outside its row: ${t.textContent}`);
      // Nothing after the name's end overlaps it: the badges sit to its right.
      for (const badge of t.closest("[data-el]")?.querySelectorAll("rect.badge, rect.seg") ?? [])
        if (t.classList.contains("name") && overlap(box, r(badge))) out.overflow.push(`over a badge: ${t.textContent}`);
    } else {
      for (const b of boxes) if (overlap(box, b)) out.labels.push(t.textContent);
    }
  }
  return out;
}

test("a click on a table or a field selects its text in the editor", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await openDiagram(page);
  await page.click(`${SVG} [data-testid=diagram-behavior-1] .hd`);
  assert.equal(await selected(page), "ORDERS");
  await page.click(`${SVG} g[data-name=lifetime_value]`);
  const entry = await selected(page);
  assert.ok(entry.startsWith("name: lifetime_value"), entry);
  assert.ok(entry.endsWith("type: number"), entry);
  await page.click(`${SVG} [data-testid=diagram-behavior-0] g[data-name=TIME]`);
  assert.equal(await selected(page), "TIME");
  // By keyboard too: Enter on a focused field.
  await page.focus(`${SVG} g[data-name=sku]`);
  await page.keyboard.press("Enter");
  assert.match(await selected(page), /name: sku, type: string, column: SKU/);
  assert.deepEqual(problems, []);
  await context.close();
});

// Clicks the editor's line holding `text`, scrolling the editor to it first: CodeMirror draws
// only the lines near its viewport, so a line far down is not in the page until scrolled to.
async function clickLine(page, text) {
  const line = page.locator(`.cm-line:has-text('${text}')`);
  for (let i = 0; i < 50 && (await line.count()) === 0; i++) {
    await page.evaluate(() => {
      const s = document.querySelector(".cm-scroller");
      s.scrollTop += s.clientHeight / 2;
      return new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
    });
  }
  await line.first().click();
}

test("the editor's selection highlights the field and the table it is in", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await openDiagram(page);
  await clickLine(page, "column: LTV");
  await page.waitForSelector(`${SVG} g.row.sel[data-name=lifetime_value]`);
  assert.match(await page.getAttribute(`${SVG} [data-testid=diagram-master]`, "class"), /\bsel\b/);
  await clickLine(page, "ORDER_TOTAL");
  await page.waitForSelector(`${SVG} g.row.sel[data-name=order_total]`);
  assert.match(await page.getAttribute(`${SVG} [data-testid=diagram-behavior-1]`, "class"), /\bsel\b/);
  assert.doesNotMatch(await page.getAttribute(`${SVG} [data-testid=diagram-master]`, "class"), /\bsel\b/);
  assert.equal(await page.locator(`${SVG} g.row.sel`).count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test("errors and warnings are marked on the element they point at", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await replaceText(page, SNOWFLAKE.replace("{ name: sku, type: string", "{ name: sku, type: strang").replace("table: BEHAVIOR_PAGEVIEWS", "table: behavior_pageviews"));
  await openDiagram(page);
  await page.waitForSelector(`${SVG} g.row.err[data-name=sku]`);
  const sku = page.locator(`${SVG} g[data-name=sku]`);
  // Said in its accessible name (and tooltip), the row's <title>.
  assert.match(await sku.locator("title").textContent(), /`strang` is not a type the backend accepts/);
  assert.equal(await page.getByRole("button", { name: /^Field sku, type strang\. error: / }).count(), 1);
  assert.equal(await sku.locator("circle.me").count(), 1, "an error mark is drawn on the row");
  assert.equal(await page.getAttribute(`${SVG} [data-testid=diagram-behavior-1]`, "data-mark"), "error");
  // The lower-case table name is a warning on the page-views table's header.
  assert.equal(await page.getAttribute(`${SVG} [data-testid=diagram-behavior-0]`, "data-mark"), "warning");
  assert.match(await page.textContent(`${SVG} [data-testid=diagram-behavior-0] .hd > title`), /warning: /);
  assert.equal(await page.getAttribute(`${SVG} [data-testid=diagram-master]`, "data-mark"), "none");
  assert.deepEqual(problems, []);
  await context.close();
});

test("export as SVG and PNG", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await openDiagram(page);
  const [svgDownload] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=diagram-svg]")]);
  assert.equal(svgDownload.suggestedFilename(), "data-model.svg");
  const svg = readFileSync(await svgDownload.path(), "utf8");
  assert.ok(svg.startsWith("<svg xmlns=\"http://www.w3.org/2000/svg\""), svg.slice(0, 80));
  assert.match(svg, /CDP_CUSTOMER_ID → CDP_CUSTOMER_ID/);
  assert.doesNotMatch(svg, /var\(--|data-el=|tabindex/, "stands alone: colours resolved, nothing interactive");
  // Well-formed XML, and the same drawing.
  const parsed = await page.evaluate((text) => {
    const doc = new DOMParser().parseFromString(text, "image/svg+xml");
    return { error: doc.querySelector("parsererror")?.textContent ?? null, tables: doc.querySelectorAll("g.tbl").length };
  }, svg);
  assert.deepEqual(parsed, { error: null, tables: 3 });
  const [pngDownload] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=diagram-png]")]);
  assert.equal(pngDownload.suggestedFilename(), "data-model.png");
  const png = readFileSync(await pngDownload.path());
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  // Twice the drawing's size (IHDR width and height).
  const [, w, h] = svg.match(/viewBox="0 0 (\d+) (\d+)"/).map(Number);
  assert.equal(png.readUInt32BE(16), w * 2);
  assert.equal(png.readUInt32BE(20), h * 2);
  assert.ok(png.length > 5000, "a drawing, not an empty canvas");
  assert.deepEqual(problems, []);
  await context.close();
});

test("40 attributes and 30 behaviors stay legible: type at least 12 px, no overlap, no text past its box", async () => {
  const text = big(40, 30);
  for (const [width, scheme] of [[1024, "light"], [1280, "dark"], [1440, "light"]]) {
    const { page, problems, context } = await openPage(browser, server.url);
    await page.setViewportSize({ width, height: 860 });
    await page.emulateMedia({ colorScheme: scheme });
    await replaceText(page, text);
    await openDiagram(page);
    await page.waitForFunction(() => document.querySelectorAll("[data-testid=diagram-canvas] g.tbl").length === 31);
    const m = await page.evaluate(measure);
    assert.equal(m.tables, 31);
    assert.ok(m.texts > 300, `measured ${m.texts} texts`);
    assert.ok(m.minFont >= 12, `smallest type ${m.minFont} px at ${width}`);
    assert.deepEqual(m.overlaps, [], `at ${width}`);
    assert.deepEqual(m.overflow, [], `at ${width}`);
    assert.deepEqual(m.labels, [], `at ${width}`);
    // It fills the pane's width, and nothing scrolls sideways.
    const fill = await page.evaluate(() => {
      const canvas = document.querySelector("[data-testid=diagram-canvas]");
      const body = canvas.closest(".tab-body");
      return { svg: canvas.querySelector("svg").getBoundingClientRect().width, pane: canvas.clientWidth, scroll: body.scrollWidth - body.clientWidth };
    });
    assert.ok(Math.abs(fill.svg - fill.pane) <= 1, JSON.stringify(fill));
    assert.equal(fill.scroll, 0);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test("a text that does not read yet says so, and the drawing appears once it does", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await replaceText(page, "master: [\n");
  await page.click("[data-tab=diagram]");
  await page.waitForSelector(".diagram-canvas, .blocked");
  assert.match(await page.textContent(".tab-body"), /does not read as a config yet/);
  await replaceText(page, SNOWFLAKE);
  await page.waitForSelector(`${SVG} [data-testid=diagram-behavior-1]`);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the drawing follows the window: wider pane, wider drawing, same type size", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await openDiagram(page);
  const width = () => page.evaluate(() => document.querySelector("[data-testid=diagram-canvas] svg").getBoundingClientRect().width);
  const before = await width();
  await page.setViewportSize({ width: 1600, height: 860 });
  await page.waitForFunction((w) => document.querySelector("[data-testid=diagram-canvas] svg").getBoundingClientRect().width > w + 100, before);
  const m = await page.evaluate(measure);
  assert.ok(m.minFont >= 12);
  assert.deepEqual(m.overflow, []);
  assert.deepEqual(problems, []);
  await context.close();
});
