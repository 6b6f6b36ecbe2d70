// The studio page in real Chromium against the Trunk-built site served by `cps serve`.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, launch, openPage, editorText, replaceText } from "./harness.mjs";

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

test("loads with the Snowflake template, no errors and no CSP violations", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  assert.equal(await editorText(page), SNOWFLAKE);
  await page.waitForSelector("[data-testid=no-problems]");
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  assert.deepEqual(problems, []);
  await context.close();
});

test("an invalid config shows the diagnostic at the right place in the editor and the panel; fixing it clears it", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  // Non-ASCII before the error: positions in the browser are UTF-16, cps works in bytes.
  const text = SNOWFLAKE.replace("name: Retail Customers (Snowflake)", "name: 顧客 😀 Retail").replace("timezone: Asia/Tokyo", "timezone: Tokyo");
  await replaceText(page, text);
  const underline = page.locator(".cm-lintRange-error");
  await underline.first().waitFor();
  assert.equal(await underline.count(), 1);
  assert.equal(await underline.first().textContent(), "Tokyo");
  const line = text.split("\n").findIndex((l) => l.startsWith("timezone:")) + 1;
  const entry = page.locator("[data-testid=problems] li[data-code=invalid-timezone]");
  assert.equal(await entry.getAttribute("data-line"), String(line));
  assert.match(await entry.textContent(), /did you mean `Asia\/Tokyo`/);
  // The message's names are drawn as code, without the terminal's backticks.
  assert.match(await entry.innerText(), /did you mean Asia\/Tokyo\?/);
  assert.deepEqual(await entry.locator(".message code, .help code").allInnerTexts(), ["Tokyo", "Asia/Tokyo"]);
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "1 error");
  assert.equal(await page.locator(".cm-lint-marker-error").count(), 1);
  // Clicking the problem selects its range in the editor.
  await entry.click();
  const selected = await page.evaluate(() => window.getSelection().toString());
  assert.equal(selected, "Tokyo");
  // Fix it: the diagnostic goes away everywhere.
  await page.keyboard.insertText("Asia/Tokyo");
  await page.waitForSelector("[data-testid=no-problems]");
  assert.equal(await page.locator(".cm-lintRange-error").count(), 0);
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the form marks the field a finding points into, with its words, until it is fixed", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await replaceText(page, SNOWFLAKE.replace("timezone: Asia/Tokyo", "timezone: Tokyo").replace("  schema: PUBLIC\n  table: CUSTOMERS\n  key_column", "  schema: public\n  table: CUSTOMERS\n  key_column"));
  await page.click("[data-tab=form]");
  const tz = page.locator("[data-testid=form-timezone]");
  await page.waitForSelector("[data-testid=form-timezone][aria-invalid=true]");
  assert.equal(await page.innerText("#form-timezone-finding"), "Tokyo is not an IANA time zone name");
  assert.equal(await tz.getAttribute("aria-describedby"), "form-timezone-finding");
  // A warning is marked too, without making the field invalid; fields without findings are plain.
  const schema = page.locator("[data-testid=form-master-schema]");
  assert.equal(await schema.getAttribute("aria-invalid"), null);
  assert.match(await page.innerText("[data-testid=form-master-schema-finding]"), /Snowflake resolves public as PUBLIC/);
  assert.equal(await page.locator("[data-testid=form-name-finding]").count(), 0);
  // Fixed in the form: the mark goes.
  await tz.fill("Asia/Tokyo");
  await tz.press("Tab");
  await page.waitForSelector("[data-testid=form-timezone]:not([aria-invalid])");
  assert.equal(await page.locator("[data-testid=form-timezone-finding]").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the form edits the text, and the text edits the form", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await page.click("[data-tab=form]");
  const tz = page.locator("[data-testid=form-timezone]");
  assert.equal(await tz.inputValue(), "Asia/Tokyo");
  await tz.fill("Europe/Berlin");
  await tz.press("Tab");
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).includes("timezone: Europe/Berlin\n"));
  assert.equal(await editorText(page), SNOWFLAKE.replace("Asia/Tokyo", "Europe/Berlin"));
  // Text → form.
  await replaceText(page, SNOWFLAKE.replace("name: email", "name: email_address"));
  await page.waitForFunction(() => document.querySelector("[data-testid=attribute-0-name]")?.value === "email_address");
  // Structural edit: add a behavior; join keys are prefilled from the master key.
  await page.click("[data-testid=add-behavior]");
  await page.waitForSelector("[data-testid=behavior-2]");
  assert.equal(await page.locator("[data-testid=behavior-2-table-key]").inputValue(), "CDP_CUSTOMER_ID");
  assert.match(await editorText(page), /name: behavior_1\n/);
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  assert.deepEqual(problems, []);
  await context.close();
});

test("adding, removing and reordering in the form keep comments; undo takes each edit back", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  // Comments of every kind: the file's header, one above an entry, one at the end of a line.
  const text = SNOWFLAKE
    .replace("  - name: email\n", "  # Contact e-mail, lower-cased upstream\n  - name: email\n")
    .replace("    column: LTV\n", "    column: LTV  # in JPY\n");
  await replaceText(page, text);
  await page.click("[data-tab=form]");
  await page.waitForSelector("[data-testid=attribute-2]");
  const lines = (t) => t.split("\n");
  const block = (t, name) => {
    // An attribute's lines: its own comment above it, up to the next entry or list.
    const l = lines(t);
    const dash = l.findIndex((x) => x === `  - name: ${name}`);
    const start = l[dash - 1]?.startsWith("  #") ? dash - 1 : dash;
    let end = dash + 1;
    while (end < l.length && l[end].startsWith("    ")) end++;
    return l.slice(start, end).join("\n");
  };
  // Reorder: the entry moves with its comment line; nothing else changes.
  await page.getByRole("button", { name: "Move attribute email down" }).click();
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).indexOf("name: membership_tier") < window.cpsEditor.getDoc(1).indexOf("name: email"));
  let now = await editorText(page);
  assert.equal(now, text.replace(`${block(text, "email")}\n${block(text, "membership_tier")}`, `${block(text, "membership_tier")}\n${block(text, "email")}`));
  assert.match(block(now, "email"), /^  # Contact e-mail, lower-cased upstream\n  - name: email\n/);
  // Undo in the editor takes the move back in one step.
  await page.click(".cm-content");
  await page.keyboard.press("Control+z");
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, text);
  await page.waitForFunction(() => document.querySelector("[data-testid=attribute-0-name]")?.value === "email");
  // Add: a new entry after the last, written like its neighbours; every comment stays.
  await page.click("[data-testid=add-attribute]");
  await page.waitForSelector("[data-testid=attribute-3]");
  now = await editorText(page);
  assert.ok(now.startsWith(text.slice(0, text.indexOf("behaviors:"))), now);
  assert.match(now, /    column: LTV  # in JPY\n    type: number\n  - name: attribute_1\n    connection: '167'\n/);
  assert.match(now, /    join: \{ table_key: CDP_CUSTOMER_ID, master_key: CDP_CUSTOMER_ID \}\n    column: ATTRIBUTE_1\n/);
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  // Remove: the entry goes with its own comment, the others' comments stay.
  await page.getByRole("button", { name: "Remove attribute email" }).click();
  await page.waitForFunction(() => !window.cpsEditor.getDoc(1).includes("name: email"));
  now = await editorText(page);
  assert.ok(!now.includes("# Contact e-mail"), now);
  assert.ok(now.includes("column: LTV  # in JPY\n"), now);
  assert.ok(now.startsWith(SNOWFLAKE.split("\n").slice(0, 3).join("\n")), now);
  assert.equal(now, text.replace(`${block(text, "email")}\n`, "").replace(
    "    type: number\nbehaviors:",
    "    type: number\n" + block(now, "attribute_1") + "\nbehaviors:"));
  // Each edit is one undo step: two undos give the commented text back.
  await page.click(".cm-content");
  await page.keyboard.press("Control+z");
  await page.keyboard.press("Control+z");
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, text);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the form's type dropdown leaves the type to TD and sets it again", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await page.click("[data-tab=form]");
  const type = page.locator("[data-testid=attribute-0-type]");
  assert.equal(await type.inputValue(), "string");
  // "(inferred by TD)" removes the key: TD's published schema fills it from the column (S31).
  await type.selectOption({ label: "(inferred by TD)" });
  const without = SNOWFLAKE.replace("    column: EMAIL\n    type: string\n", "    column: EMAIL\n");
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, without);
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  assert.equal(await type.inputValue(), "");
  // A published type comes back as a key after the attribute's name.
  await type.selectOption("date");
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).includes("  - name: email\n    type: date\n"));
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  // A behavior column in a flow mapping loses just its `type`.
  await page.locator("[data-testid=behavior-0-column-0-type]").selectOption({ label: "(inferred by TD)" });
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).includes("- { name: td_url, column: TD_URL }"));
  await page.click("[data-tab=problems]");
  await page.waitForSelector("[data-testid=problems] li[data-code=type-inferred]");
  assert.equal(await page.locator("[data-testid=problems] li.error").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the Formats tab turns a GET response (flat) into the nested create body", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  const get = readFileSync(new URL("../../crates/cps_core/tests/fixtures/valid/get-response.json", import.meta.url), "utf8");
  await replaceText(page, get);
  await page.waitForFunction(() => document.querySelector("[data-testid=counts] .format")?.textContent === "get-json");
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  await page.click("[data-tab=output]");
  await page.waitForSelector("[data-testid=get-note]");
  const out = page.locator("[data-testid=converted]");
  const body = JSON.parse(await out.textContent());
  assert.deepEqual(body.master, {
    name: "CUSTOMERS", federatedQueryConfigId: "167", schema: "PUBLIC", table: "CUSTOMERS", keyColumn: "CDP_CUSTOMER_ID",
  });
  assert.equal(body.masterSchema, undefined);
  assert.equal(body.id, undefined);
  assert.equal(body.maxActivationBehaviorRow, 1000);
  await page.selectOption("[data-testid=output-format]", "tdx-yaml");
  await page.waitForFunction(() => document.querySelector("[data-testid=converted]")?.dataset.format === "tdx-yaml");
  assert.match(await out.textContent(), /master:\n  connection: '167'\n  schema: PUBLIC\n  table: CUSTOMERS\n  key_column: CDP_CUSTOMER_ID\n/);
  assert.doesNotMatch(await out.textContent(), /ctivation/);
  // Continue in the create body.
  await page.selectOption("[data-testid=output-format]", "api-json");
  await page.click("[data-testid=use-format]");
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).includes('"master": {'));
  assert.equal(await page.textContent("[data-testid=counts] .format"), "api-json");
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a classic parent segment gets one error saying what it is", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  const classic = readFileSync(new URL("../../crates/cps_core/tests/fixtures/invalid/classic-tdx-ps.yaml", import.meta.url), "utf8");
  await replaceText(page, classic);
  const entry = page.locator("[data-testid=problems] li[data-code=classic-parent-segment]");
  await entry.waitFor();
  assert.equal(await page.locator("[data-testid=problems] li").count(), 1);
  assert.match(await entry.textContent(), /classic parent segment/);
  await page.click("[data-tab=form]");
  assert.match(await page.textContent("[data-testid=form-not-parent]"), /classic parent segment/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("formats switch between API JSON, API YAML and tdx YAML, and download", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await page.click("[data-tab=output]");
  const out = page.locator("[data-testid=converted]");
  assert.match(await out.textContent(), /"isComposable": true/);
  assert.match(await out.textContent(), /"federatedQueryConfigId": "167"/);
  await page.selectOption("[data-testid=output-format]", "tdx-yaml");
  await page.waitForFunction(() => document.querySelector("[data-testid=converted]")?.dataset.format === "tdx-yaml");
  assert.match(await out.textContent(), /key_column: CDP_CUSTOMER_ID/);
  await page.selectOption("[data-testid=output-format]", "api-json");
  const [download] = await Promise.all([page.waitForEvent("download"), page.click("[data-testid=download]")]);
  assert.equal(download.suggestedFilename(), "parent_segment_config.json");
  const body = JSON.parse(readFileSync(await download.path(), "utf8"));
  assert.equal(body.kind, "composable");
  // Edit in another format: the editor switches to JSON.
  await page.click("[data-testid=use-format]");
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).startsWith("{"));
  assert.equal(await page.textContent("[data-testid=counts] .format"), "api-json");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the draft survives a reload; templates load", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  const edited = SNOWFLAKE.replace("Retail Customers (Snowflake)", "Draft kept across reloads");
  await replaceText(page, edited);
  await page.waitForFunction(() => localStorage.getItem("cps.draft.v1")?.includes("Draft kept"));
  await page.reload();
  await page.waitForSelector(".cm-content");
  assert.equal(await editorText(page), edited);
  await page.selectOption("[data-testid=templates]", "databricks");
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).includes("connectionId"));
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a share link carries the config to a fresh browser, and nothing leaves the page", async () => {
  const a = await openPage(browser, server.url);
  const shared = SNOWFLAKE.replace("Retail Customers (Snowflake)", "Shared 顧客");
  await replaceText(a.page, shared);
  await a.page.click("[data-testid=share]");
  const link = await a.page.inputValue("[data-testid=share-url]");
  assert.ok(link.startsWith(server.url) && link.includes("#config="), link);
  await a.context.close();
  const b = await openPage(browser, link);
  await b.page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, shared);
  // The fragment is dropped so a reload restores the (now saved) draft, not the link again.
  assert.equal(new URL(b.page.url()).hash, "");
  assert.deepEqual(b.problems, []);
  await b.context.close();
});

test("the data model diagram marks the table with errors", async () => {
  const { page, context } = await openPage(browser, server.url);
  await replaceText(page, SNOWFLAKE.replace("    time_column: ORDERED_AT\n", "    time_column: ORDERED_AT\n    all_columns: true\n"));
  await page.click("[data-tab=diagram]");
  await page.waitForSelector("[data-testid=diagram-behavior-1]");
  assert.equal(await page.getAttribute("[data-testid=diagram-behavior-1]", "data-error"), "true");
  assert.equal(await page.getAttribute("[data-testid=diagram-behavior-0]", "data-error"), "false");
  assert.equal(await page.getAttribute("[data-testid=diagram-master]", "data-error"), "false");
  await context.close();
});

test("settings change the check and say what they are", async () => {
  const { page, context } = await openPage(browser, server.url);
  await page.click("[data-tab=settings]");
  await page.selectOption("[data-testid=setting-warehouse]", "bigquery");
  await page.click("[data-tab=problems]");
  await page.waitForSelector("[data-testid=problems] li[data-code=missing-catalog]");
  await page.click("[data-tab=settings]");
  await page.selectOption("[data-testid=setting-warehouse]", "auto");
  await page.click("[data-tab=problems]");
  await page.waitForSelector("[data-testid=no-problems]");
  await context.close();
});

test("a file opened with the picker replaces the text; the keyboard reaches every control", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  const json = readFileSync(new URL("../../examples/databricks.json", import.meta.url), "utf8");
  await page.setInputFiles("[data-testid=file-input]", { name: "segment.json", mimeType: "application/json", buffer: Buffer.from(json) });
  await page.waitForFunction((t) => window.cpsEditor.getDoc(1) === t, json);
  assert.equal(await page.textContent("[data-testid=counts] .format"), "api-json");
  // Keyboard: a problem is reachable with Tab and Enter selects its range in the editor.
  await page.evaluate((t) => window.cpsEditor.setDoc(1, t), json);
  const { replaceText } = await import("./harness.mjs");
  await replaceText(page, json.replace('"America/New_York"', '"Mars/Base"'));
  const item = page.locator("[data-testid=problems] li[data-code=invalid-timezone] button.problem-jump");
  await item.focus();
  assert.equal(await page.evaluate(() => document.activeElement?.closest("li")?.dataset.code), "invalid-timezone");
  await page.keyboard.press("Enter");
  assert.equal(await page.evaluate(() => window.getSelection().toString()), '"Mars/Base"');
  // Focus is visible: the focused control has an outline.
  await page.focus("[data-testid=share]");
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, "none");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the built site works from a sub-path", async () => {
  const root = mkdtempSync(join(tmpdir(), "cps-subpath-"));
  cpSync(process.env.CPS_DIST, join(root, "docs", "studio"), { recursive: true });
  // A root index so `cps serve` accepts the folder; the page itself lives at /docs/studio/.
  cpSync(join(process.env.CPS_DIST, "index.html"), join(root, "index.html"));
  const sub = await startServer(root);
  try {
    const { page, problems, context } = await openPage(browser, `${sub.url}docs/studio/`);
    assert.equal(await editorText(page), SNOWFLAKE);
    await page.waitForSelector("[data-testid=no-problems]");
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    sub.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test("typing on a very large config: the check waits for a pause, and the newest text is what every action sees", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  // About 2.2 MB of tdx YAML: its check takes longer than the 50 ms a keystroke may, so later
  // edits are checked when typing pauses (web/src/typing.rs).
  let big = SNOWFLAKE.replace(/\nbehaviors:\n[\s\S]*$/, "\nbehaviors:\n");
  for (let b = 0; big.length < 2_200_000; b++) {
    big += `  - name: behavior_${b}\n    connection: '167'\n    schema: PUBLIC\n    table: EVENTS_${b}\n    join: { table_key: CDP_CUSTOMER_ID, master_key: CDP_CUSTOMER_ID }\n    time_column: TIME\n    columns:\n`;
    for (let c = 0; c < 10; c++) big += `      - { name: col_${c}, type: string, column: COL_${c} }\n`;
  }
  await replaceText(page, big);
  await page.waitForFunction(() => localStorage.getItem("cps.draft.v1")?.length > 2_000_000);
  // A mistake typed at the end, then the share link at once: it carries the text as typed.
  await page.click(".cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.insertText("timezone: Mars/Base\n");
  await page.click("[data-testid=share]");
  const link = await page.inputValue("[data-testid=share-url]");
  const shared = Buffer.from(link.split("#config=")[1], "base64url").toString("utf8");
  assert.ok(shared.endsWith("timezone: Mars/Base\n"), shared.slice(-40));
  // The check has run on that text: the duplicate key is an error at the end of the file.
  await page.waitForFunction(() => document.querySelector("[data-testid=counts] .errors").textContent !== "0 errors");
  assert.equal(await editorText(page), big + "timezone: Mars/Base\n");
  assert.deepEqual(problems, []);
  await context.close();
});

test("findings of one kind are one row with their count and every place; the editor marks each place", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  // Lower-case names: several identifier-case warnings.
  const lower = SNOWFLAKE.replace(/: ([A-Z][A-Z_]+)\b/g, (_, name) => `: ${name.toLowerCase()}`);
  await replaceText(page, lower);
  const group = page.locator("[data-testid=problems] li.problem-group[data-code=identifier-case]");
  await group.waitFor();
  const count = Number(await group.getAttribute("data-count"));
  assert.ok(count > 1, `${count}`);
  assert.equal(await page.locator("[data-testid=problems] [data-code=identifier-case]").count(), 1);
  assert.equal(await group.locator("li.place").count(), count);
  assert.equal(await page.locator(".cm-lintRange-warning").count(), count);
  // A place jumps to its range.
  await group.locator("li.place button").nth(1).click();
  const selected = await page.evaluate(() => window.getSelection().toString());
  assert.equal(selected, selected.toLowerCase());
  assert.ok(selected.length > 0);
  // The help names the setting and links to it: the Settings tab opens at it.
  await group.locator("a.setting-link[data-setting=case]").first().click();
  await page.waitForSelector("[data-tab=settings][aria-selected=true]");
  await page.waitForFunction(() => document.activeElement?.dataset.testid === "setting-case");
  assert.deepEqual(problems, []);
  await context.close();
});

test("the description is a textarea that keeps all of its text", async () => {
  const { page, problems, context } = await openPage(browser, server.url);
  await page.click("[data-tab=form]");
  const d = page.locator("[data-testid=form-description]");
  assert.equal(await d.evaluate((e) => e.tagName), "TEXTAREA");
  const long = "A description long enough to wrap over several lines in the form, which an input would cut off on the right.";
  await d.fill(long);
  await d.press("Tab");
  await page.waitForFunction((l) => window.cpsEditor.getDoc(1).includes(l), long);
  assert.equal(await d.evaluate((e) => e.scrollWidth <= e.clientWidth), true);
  assert.deepEqual(problems, []);
  await context.close();
});
