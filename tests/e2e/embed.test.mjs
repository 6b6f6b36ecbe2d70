// The documentation embed: the demo page in real Chromium shows the broken config's diagnostics
// and none for the valid one; "Open in cps" carries the config to the studio.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startServer, launch, openPage } from "./harness.mjs";

let server, browser;
before(async () => {
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
});

async function openDemo() {
  const demo = await openPage(browser, `${server.url}embed/`, "#valid[data-errors]");
  await demo.page.waitForSelector("#broken[data-errors]");
  return demo;
}

test("the demo page shows diagnostics for the broken config and none for the valid one", async () => {
  const { context, page, problems } = await openDemo();
  assert.equal(await page.getAttribute("#valid", "data-errors"), "0");
  assert.equal(await page.getAttribute("#valid", "data-warnings"), "0");
  assert.equal(await page.locator("#valid >> .status").textContent(), "✓ valid");
  assert.equal(await page.locator("#valid >> .msg").count(), 0);
  assert.equal(await page.getAttribute("#broken", "data-errors"), "4");
  const codes = await page.locator("#broken >> .msg").evaluateAll((els) => els.map((e) => e.dataset.code));
  assert.deepEqual(codes.sort(), ["connection-not-numeric", "connection-not-numeric", "invalid-timezone", "invalid-type", "no-behaviors"].sort());
  // The underline sits on the offending value.
  const marked = await page.locator("#broken >> mark.error").allTextContents();
  assert.ok(marked.includes('"Tokyo"'), JSON.stringify(marked));
  assert.ok(marked.includes('"varchar"'), JSON.stringify(marked));
  // Styles are isolated: the host page's serif font does not reach the widget's code.
  const font = await page.locator("#broken >> pre").evaluate((e) => getComputedStyle(e).fontFamily);
  assert.match(font, /monospace/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("Open in cps opens the studio with the widget's config", async () => {
  const { context, page } = await openDemo();
  const href = await page.locator("#broken >> a.open").getAttribute("href");
  assert.ok(href.startsWith(server.url) && href.includes("#config="), href);
  const studio = await openPage(browser, href);
  await studio.page.waitForFunction(() => window.cpsEditor.getDoc(1).includes('"varchar"'));
  await studio.page.waitForSelector("[data-testid=problems] li[data-code=invalid-type]");
  await studio.context.close();
  await context.close();
});

test("a JSON-only page loads only the small JSON-only checker", async () => {
  const wasm = [];
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on("request", (r) => { if (r.url().endsWith(".wasm")) wasm.push(new URL(r.url()).pathname); });
  await page.goto(`${server.url}embed/json.html`);
  await page.waitForSelector("#broken[data-errors]");
  assert.equal(await page.getAttribute("#broken", "data-errors"), "4");
  assert.deepEqual(wasm, ["/embed/cps_embed_json_bg.wasm"]);
  await context.close();
});

test("the JSON-only module leaves segments (tdx YAML) to the full one, and the widget falls back to it", async () => {
  const wasm = [];
  const { context, page, problems } = await openPage(browser, `${server.url}embed/json.html`, "#broken[data-errors]");
  page.on("request", (r) => { if (r.url().endsWith(".wasm")) wasm.push(new URL(r.url()).pathname); });
  const segment = '{"type": "composable_segment", "name": "Big spenders", "rule": {"type": "And", "conditions": []}}';
  const r = await page.evaluate(async (segment) => {
    const cps = await import("/embed/cps-json.js");
    await cps.load();
    const file = cps.check(segment).files[0];
    let threw = null;
    try { cps.checkSegment(segment, "{}"); } catch (e) { threw = e.message; }
    return { kind: file.kind, codes: file.diagnostics.map((d) => d.code), threw };
  }, segment);
  assert.equal(r.kind, "segment");
  assert.deepEqual(r.codes, ["segment-file"]);
  assert.match(r.threw, /cps\.js/);
  // A widget showing a segment written as JSON checks it with the full module.
  await page.evaluate((segment) => {
    const el = document.createElement("cps-config");
    el.id = "segment";
    el.textContent = segment;
    document.body.append(el);
  }, segment);
  await page.waitForSelector("#segment[data-errors]");
  assert.ok(wasm.includes("/embed/cps_embed_bg.wasm"), JSON.stringify(wasm));
  const codes = await page.locator("#segment >> .msg").evaluateAll((els) => els.map((e) => e.dataset.code));
  assert.ok(!codes.includes("segment-file"), JSON.stringify(codes));
  assert.deepEqual(problems, []);
  await context.close();
});

test("the module's checkSegment checks a segment against its parent given as a second text", async () => {
  const { context, page, problems } = await openDemo();
  const report = await page.evaluate(async () => {
    const cps = await import("/embed/cps.js");
    await cps.load();
    const parent = "name: Customers\ntimezone: UTC\nmaster: {connection: '1', schema: S, table: T, key_column: K}\n" +
      "attributes:\n  - {name: ltv, connection: '1', schema: S, table: T, join: {table_key: K, master_key: K}, column: LTV, type: number}\nbehaviors: []\n";
    const segment = "type: composable_segment\nname: Big spenders\nrule:\n  type: And\n  conditions:\n" +
      "    - {type: Value, exclude: false, leftValue: {name: LTV}, operator: {type: Greater, not: false, rightValue: '1'}}\n";
    return cps.checkSegment(segment, parent);
  });
  assert.equal(report.version, 1);
  assert.deepEqual(report.files.map((f) => [f.file, f.kind]), [["segment", "segment"], ["parent", "parent-segment"]]);
  assert.equal(report.files[0].parent, "parent");
  const [d] = report.files[0].diagnostics;
  assert.equal(d.code, "unknown-attribute");
  assert.equal(d.message, "`LTV` is not an attribute of `Customers` (parent:5)");
  assert.deepEqual([d.line, d.column], [6, 55]);
  assert.deepEqual([d.related[0].file, d.related[0].line], ["parent", 5]);
  assert.deepEqual(problems, []);
  await context.close();
});
