// The guided path in real Chromium: every stage's state comes from what the page knows (its own
// check, the steps' words through the bridge, the upload's result), and each stage opens its
// place. TD is the fake (tests/td_fake) behind cps serve's proxy.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startServer, startFakeTd, launch, openPage, replaceText } from "./harness.mjs";

const SNOWFLAKE = readFileSync(new URL("../../examples/snowflake.yaml", import.meta.url), "utf8");
let fake, server, browser;

before(async () => {
  fake = await startFakeTd();
  server = await startServer(undefined, ["--td-endpoint", fake.url]);
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
  fake?.stop();
});
beforeEach(async () => fake.reset());

/// Each stage's `data-state` and status words, by id.
async function path(page) {
  return page.evaluate(() => Object.fromEntries([...document.querySelectorAll("[data-testid=path] [data-step]")]
    .map((b) => [b.dataset.step, `${b.dataset.state}: ${b.querySelector(".path-status").textContent}`])));
}

async function stage(page, id, state) {
  await page.waitForSelector(`[data-testid=path] [data-step=${id}][data-state=${state}]`);
}

test("a fresh page: the config and its check are done, the rest not started, ready to upload", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await page.waitForSelector("[data-testid=path]");
  assert.deepEqual(await path(page), {
    keypair: "todo: not started",
    connection: "todo: id 167 not confirmed",
    config: "done: reads as tdx-yaml",
    file: "done: no problems",
    catalog: "todo: not started",
    data: "todo: not started",
    upload: "todo: not started",
  });
  const ready = page.locator("[data-testid=readiness]");
  assert.equal(await ready.getAttribute("data-ready"), "true");
  assert.equal((await ready.textContent()).trim(), "✓ Ready to upload");
  assert.deepEqual(problems, []);
  await context.close();
});

test("errors need attention and block the upload; warnings are summarised; not read is said plainly", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await replaceText(page, SNOWFLAKE.replace("timezone: Asia/Tokyo", "timezone: Tokyo"));
  await stage(page, "file", "attention");
  assert.equal((await path(page)).file, "attention: 1 error");
  const ready = page.locator("[data-testid=readiness]");
  assert.equal(await ready.getAttribute("data-ready"), "false");
  assert.match(await ready.textContent(), /Not ready to upload: 1 error/);
  // Lower-case names: warnings of one kind, counted in one line; still ready.
  await replaceText(page, SNOWFLAKE.replace(/: ([A-Z][A-Z_]+)\b/g, (_, name) => `: ${name.toLowerCase()}`));
  await page.waitForSelector("[data-testid=readiness][data-ready=true]");
  assert.match(await ready.textContent(), /Ready to upload, with \d+ warnings \(identifier-case ×\d+\)/);
  // A syntax error: the config is not read, and the toolbar says why, not "unparsed".
  await replaceText(page, "name: [unclosed\n");
  await stage(page, "config", "attention");
  assert.equal((await path(page)).config, "attention: not read: syntax error");
  assert.equal(await page.textContent("[data-testid=counts] .format"), "not read: syntax error");
  // The readiness line opens the problems.
  await page.click("[data-tab=form]");
  await ready.click();
  await page.waitForSelector("[data-tab=problems][aria-selected=true]");
  assert.deepEqual(problems, []);
  await context.close();
});

test("each stage opens its place; the key pair, catalog and data stages follow the Snowflake step", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await page.click("[data-testid=path] [data-step=keypair]");
  await page.waitForSelector("[data-tab=snowflake][aria-selected=true]");
  // The section is scrolled to and its heading focused (the steps module loaded first).
  await page.waitForFunction(() => document.activeElement?.closest("[data-testid=sf-keypair]"));
  await page.click("[data-testid=sf-generate]");
  await stage(page, "keypair", "done");
  assert.equal((await path(page)).keypair, "done: generated");
  // A fingerprint Snowflake does not hold needs attention.
  await page.fill("[data-testid=sf-desc-user]", "RSA_PUBLIC_KEY_FP | SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  await stage(page, "keypair", "attention");
  // The catalog: a column the warehouse lacks is an error against it.
  await page.click("[data-testid=path] [data-step=catalog]");
  await page.waitForFunction(() => document.activeElement?.closest("[data-testid=sf-catalog]"));
  await page.fill("[data-testid=sf-catalog-input]", "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE\nPUBLIC,CUSTOMERS,CDP_CUSTOMER_ID,TEXT\n");
  await stage(page, "catalog", "attention");
  assert.match((await path(page)).catalog, /^attention: \d+ errors? against it$/);
  // Emptied: not started again.
  await page.fill("[data-testid=sf-catalog-input]", "");
  await stage(page, "catalog", "todo");
  // The data checks: results that cannot be read need attention.
  await page.fill("[data-testid=sf-checkpack-input]", "not,a\nresult");
  await stage(page, "data", "attention");
  // The config stage opens the form, the file stage the problems.
  await page.click("[data-testid=path] [data-step=config]");
  await page.waitForSelector("[data-tab=form][aria-selected=true]");
  await page.click("[data-testid=path] [data-step=file]");
  await page.waitForSelector("[data-tab=problems][aria-selected=true]");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the connection is done once TD lists the config's id, and the upload once TD created it", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await page.click("[data-testid=path] [data-step=upload]");
  await page.waitForSelector("[data-tab=upload][aria-selected=true]");
  await page.waitForSelector("[data-testid=td-route] option[value=proxy]:checked", { state: "attached" });
  await page.selectOption("[data-testid=td-region]", "custom");
  await page.fill("[data-testid=td-key]", "1/fake-secret");
  // TD lists the template's 167: confirmed.
  await page.click("[data-testid=td-check]");
  await stage(page, "connection", "done");
  assert.equal((await path(page)).connection, "done: TD lists config 167");
  // An id typed by hand is not confirmed; one TD does not list needs attention.
  await replaceText(page, SNOWFLAKE.replaceAll("'167'", "'999'"));
  await stage(page, "connection", "todo");
  assert.equal((await path(page)).connection, "todo: id 999 not confirmed");
  await page.click("[data-testid=td-check]");
  await stage(page, "connection", "attention");
  assert.equal((await path(page)).connection, "attention: id not in TD's list");
  // Picked from TD's list: into every entry, and done.
  await page.click("[data-testid=use-config][data-id='168']");
  await stage(page, "connection", "done");
  assert.equal((await path(page)).connection, "done: config 168");
  await page.click("[data-testid=td-review]");
  await page.click("[data-testid=td-apply]");
  await page.waitForSelector("[data-testid=td-done]");
  await stage(page, "upload", "done");
  assert.equal((await path(page)).upload, "done: created in TD");
  // Changed since: the upload stage is open again.
  await page.click(".cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.insertText("\n# changed");
  await stage(page, "upload", "todo");
  assert.equal((await path(page)).upload, "todo: changed since the upload");
  assert.deepEqual(problems, []);
  await context.close();
});
