// The studio holds a project: a `tdx cas pull` folder (an audience and its segments) opened
// together, in real Chromium against the Trunk-built site served by `cps serve`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, mkdtempSync, mkdirSync, writeFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, launch, openPage, editorText } from "./harness.mjs";

const fixture = (p) =>
  readFileSync(new URL(`../../crates/cps_core/tests/projects/pulled-valid/cas/${p}`, import.meta.url), "utf8");
const AUDIENCE = fixture("customer360.yml");
// `LTV` where the audience's attribute is `ltv`: rule G5.
const HIGH_VALUE = fixture("high-value.yml").replace("{ name: ltv }", "{ name: LTV }");
const VIP = fixture("Marketing/VIP/vip.yml");

let server, browser, dir;

before(async () => {
  // The folder as `tdx cas pull` writes it, plus what a folder also holds and is not opened.
  dir = mkdtempSync(join(tmpdir(), "cps-project-"));
  const cas = join(dir, "shop", "cas");
  mkdirSync(join(cas, "Marketing", "VIP"), { recursive: true });
  mkdirSync(join(dir, "shop", ".git"));
  writeFileSync(join(cas, "customer360.yml"), AUDIENCE);
  writeFileSync(join(cas, "high-value.yml"), HIGH_VALUE);
  writeFileSync(join(cas, "Marketing", "VIP", "vip.yml"), VIP);
  writeFileSync(join(dir, "shop", "README.md"), "# not a config\n");
  writeFileSync(join(dir, "shop", ".git", "config.yml"), "not: opened\n");
  server = await startServer();
  browser = await launch();
});
after(async () => {
  await browser?.close();
  server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const files = (page) =>
  page.$$eval("[data-testid=files] li.file", (lis) => lis.map((li) => li.dataset.file));
const current = (page) =>
  page.getAttribute("[data-testid=files] li.file.current", "data-file");
const fileErrors = (page, name) =>
  page.locator(`[data-testid=files] li.file[data-file="${name}"] [data-testid=file-errors]`);

test("a folder opens as a project; a segment's G5 error is in its file and fixed from a completion; a reload brings all files back", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await page.setInputFiles("[data-testid=folder-input]", join(dir, "shop"));
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=files] li.file").length === 3);
  // The audience first and active; segments by folder; nothing else of the folder.
  assert.deepEqual(await files(page), ["cas/customer360.yml", "cas/high-value.yml", "cas/Marketing/VIP/vip.yml"]);
  assert.equal(await current(page), "cas/customer360.yml");
  assert.equal(await editorText(page), AUDIENCE);
  assert.match(await page.textContent("[data-testid=files]"), /Marketing\/VIP\//);
  // The segment's error is counted in its own file, not the audience's.
  assert.equal(await fileErrors(page, "cas/high-value.yml").textContent(), "1");
  assert.equal(await fileErrors(page, "cas/customer360.yml").count(), 0);
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");

  // Open the segment: its text, its G5 error at its line, pointing into the audience.
  await page.click('[data-testid=files] li.file[data-file="cas/high-value.yml"] .file-open');
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, HIGH_VALUE);
  const entry = page.locator("[data-testid=problems] li[data-code=unknown-attribute]");
  await entry.waitFor();
  assert.match(await entry.textContent(), /`LTV` is not an attribute of `Customer360 Snowflake` \(customer360\.yml:18\)/);
  assert.deepEqual(await entry.locator(".message code").allInnerTexts(), ["LTV", "Customer360 Snowflake"]);
  assert.equal(await entry.getAttribute("data-line"), String(HIGH_VALUE.split("\n").findIndex((l) => l.includes("LTV")) + 1));
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "1 error");
  assert.equal(await page.locator(".cm-lintRange-error").first().textContent(), "LTV");
  // Uploading is the parent's only: the list says so while a segment is active.
  assert.match(await page.textContent("[data-testid=segment-note]"), /Uploading sends the parent segment only/);
  // The command is drawn as code, not between the terminal's backticks.
  assert.equal(await page.innerText("[data-testid=segment-note] code"), "tdx cas push");
  assert.ok(!(await page.innerText("[data-testid=files]")).includes("`"));

  // The related place opens the audience at the attribute, and back.
  const related = entry.locator("[data-testid=related]").first();
  assert.match(await related.textContent(), /^customer360\.yml:\d+: /);
  await related.click();
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, AUDIENCE);
  assert.equal(await current(page), "cas/customer360.yml");
  assert.equal(await page.evaluate(() => window.getSelection().toString()), "ltv");
  await page.click('[data-testid=files] li.file[data-file="cas/high-value.yml"] .file-open');
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, HIGH_VALUE);

  // Fix it from a completion of the audience's names: select `LTV`, type, take `ltv`.
  await page.locator("[data-testid=problems] li[data-code=unknown-attribute] .problem-jump").click();
  assert.equal(await page.evaluate(() => window.getSelection().toString()), "LTV");
  await page.keyboard.type("lt");
  const option = page.locator(".cm-tooltip-autocomplete li[aria-selected]");
  await option.waitFor();
  assert.equal(await option.textContent(), "ltv");
  // Taken with the mouse: CodeMirror ignores keys for 75 ms after the list opens or changes
  // (its interactionDelay, against accidental picks), and a test's Enter can land inside it.
  await option.click();
  const fixed = HIGH_VALUE.replace("{ name: LTV }", "{ name: ltv }");
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, fixed);
  await page.waitForFunction(() => !document.querySelector("[data-testid=problems] li[data-code=unknown-attribute]"));
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  assert.equal(await fileErrors(page, "cas/high-value.yml").count(), 0);

  // Each file keeps its own undo history: undo in the audience changes nothing there.
  await page.click('[data-testid=files] li.file[data-file="cas/customer360.yml"] .file-open');
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, AUDIENCE);
  await page.click(".cm-content");
  await page.keyboard.press("Control+Z");
  assert.equal(await editorText(page), AUDIENCE);
  // Back in the segment, undo takes the completion back.
  await page.click('[data-testid=files] li.file[data-file="cas/high-value.yml"] .file-open');
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, fixed);
  await page.click(".cm-content");
  await page.keyboard.press("Control+Z");
  await page.waitForFunction(() => !window.cpsEditor.getDoc(1).includes("{ name: ltv }"));
  await page.keyboard.press("Control+Shift+Z");
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, fixed);
  await page.waitForFunction(() => !document.querySelector("[data-testid=problems] li[data-code=unknown-attribute]"));

  // A reload brings all three files back, each with its text, the segment still active.
  await page.reload();
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=files] li.file").length === 3);
  assert.deepEqual(await files(page), ["cas/customer360.yml", "cas/high-value.yml", "cas/Marketing/VIP/vip.yml"]);
  assert.equal(await current(page), "cas/high-value.yml");
  assert.equal(await editorText(page), fixed);
  await page.click('[data-testid=files] li.file[data-file="cas/Marketing/VIP/vip.yml"] .file-open');
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, VIP);
  await page.click('[data-testid=files] li.file[data-file="cas/customer360.yml"] .file-open');
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, AUDIENCE);
  // The data-model diagram shows which open segments use a field: `ltv`, now fixed, is used by
  // high-value.yml (its rule), and the badge says so in the field's accessible name.
  await page.click("[data-tab=diagram]");
  const titles = page.locator("[data-testid=diagram] title");
  await titles.first().waitFor({ state: "attached" });
  const used = (await titles.allTextContents()).filter((t) => /^Field ltv\b/.test(t));
  assert.equal(used.length, 1, "one `ltv` field in the diagram");
  assert.match(used[0], /used by \d+ segments?: [^.]*cas\/high-value\.yml/);
  assert.ok((await page.locator("[data-testid=diagram] rect.seg").count()) > 0, "segment badges drawn");
  assert.deepEqual(problems, []);
  await context.close();
});

test("dropped files form a project; a new segment is valid; the share link carries every file; Upload says it is parent-only", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  // Several files dropped at once (a synthetic drop carries files, not folder entries).
  await page.evaluate(([a, s]) => {
    const data = new DataTransfer();
    data.items.add(new File([a], "customer360.yml", { type: "text/yaml" }));
    data.items.add(new File([s], "high-value.yml", { type: "text/yaml" }));
    document.querySelector(".editor-pane").dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true, cancelable: true }));
  }, [AUDIENCE, HIGH_VALUE]);
  await page.waitForFunction(() => document.querySelectorAll("[data-testid=files] li.file").length === 2);
  assert.equal(await current(page), "customer360.yml");
  assert.equal(await page.textContent("[data-testid=notice]"), "Opened 2 files as one project.");

  // A new segment from the template: valid against the audience's first attribute.
  await page.click("[data-testid=new-segment]");
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).startsWith("type: composable_segment"));
  assert.equal(await current(page), "new-segment.yml");
  assert.match(await editorText(page), /leftValue: \{ name: email \}/);
  await page.waitForSelector("[data-testid=no-problems]");

  // Upload: parent-only, said where a user looks. With a segment open, the guided path names
  // the parent instead of calling the segment a wrong config, and one click opens the parent.
  await page.click("[data-tab=upload]");
  assert.match(await page.textContent("[data-testid=upload-parent-only]"), /parent segment \(the audience file\) only/);
  const config = page.locator("[data-testid=path] [data-step=config]");
  assert.equal(await config.getAttribute("data-state"), "done");
  assert.equal(await config.locator(".path-status").textContent(), "parent: customer360.yml");
  assert.equal((await page.textContent("[data-testid=readiness]")).trim(), "✕ A segment is open: upload the parent from customer360.yml");
  await page.click("[data-testid=open-audience]");
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, AUDIENCE);
  assert.equal(await current(page), "customer360.yml");
  await page.waitForSelector("[data-testid=readiness][data-ready=true]");
  assert.equal(await page.locator("[data-testid=open-audience]").count(), 0);
  await page.click('[data-testid=files] li.file[data-file="new-segment.yml"] .file-open');
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).startsWith("type: composable_segment"));

  // The share link carries all three files to a fresh browser.
  await page.click("[data-testid=share]");
  const link = await page.inputValue("[data-testid=share-url]");
  assert.ok(link.includes("#project="), link);
  await context.close();
  const b = await openPage(browser, link);
  await b.page.waitForFunction(() => document.querySelectorAll("[data-testid=files] li.file").length === 3);
  assert.deepEqual(await files(b.page), ["customer360.yml", "high-value.yml", "new-segment.yml"]);
  assert.equal(await current(b.page), "new-segment.yml");
  assert.equal(await b.page.textContent("[data-testid=notice]"), "Opened the 3 shared files.");
  assert.equal(await fileErrors(b.page, "high-value.yml").textContent(), "1");
  assert.deepEqual(problems, []);
  assert.deepEqual(b.problems, []);
  await b.context.close();
});
