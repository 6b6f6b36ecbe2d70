// The Upload tab in real Chromium: the page talks to `cps serve`'s proxy, which forwards to the
// fake TD API (tests/td_fake) on loopback. The live TD API is never called.
import { test, before, after, beforeEach } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { startServer, startFakeTd, launch, openPage, editorText } from "./harness.mjs";

const KEY = "1/fake-secret";
const SECRET = "fake-secret";
const EXAMPLE = new URL("../../examples/snowflake.yaml", import.meta.url).pathname;
// The exact body the page uploads for the Snowflake template (cps convert is the same core).
const BODY = JSON.parse(execFileSync(process.env.CPS_BIN, ["convert", EXAMPLE, "--to", "api-json"], { encoding: "utf8" }));
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

/// Opens the studio on its Upload tab, routed through cps serve to the fake, with the key typed.
async function uploadTab(key = KEY) {
  const opened = await openPage(browser, server.url);
  const { page } = opened;
  // The steps (Snowflake setup, Upload) are their own wasm, fetched only when such a tab opens.
  const loaded = () => page.evaluate(() => performance.getEntriesByType("resource").some((e) => e.name.includes("cps_steps")));
  assert.equal(await loaded(), false);
  await page.click("[data-tab=upload]");
  // The page finds cps serve's proxy by itself and routes through it.
  await page.waitForSelector("[data-testid=td-route] option[value=proxy]:checked", { state: "attached" });
  await page.selectOption("[data-testid=td-region]", "custom");
  await page.fill("[data-testid=td-key]", key);
  assert.equal(await loaded(), true);
  return opened;
}

/// After every flow: the key is nowhere but the page's memory.
async function assertNoKeyLeft(page, problems, { session = false } = {}) {
  const storage = await page.evaluate(() => ({
    local: JSON.stringify({ ...localStorage }),
    session: JSON.stringify({ ...sessionStorage }),
    url: location.href,
  }));
  assert.ok(!storage.local.includes(SECRET), "key in localStorage");
  assert.equal(storage.session.includes(SECRET), session, "sessionStorage");
  assert.ok(!storage.url.includes(SECRET), "key in the URL");
  assert.ok(!problems.some((p) => p.includes(SECRET)), "key in the console");
}

test("before a key is typed, the page says why both buttons wait, and what is wrong with a key that cannot be one", async () => {
  const { page, problems, context } = await uploadTab("");
  assert.equal(await page.isDisabled("[data-testid=td-check]"), true);
  assert.equal(await page.isDisabled("[data-testid=td-review]"), true);
  const why = page.locator("[data-testid=td-key-needed]");
  assert.equal(await why.textContent(), "Type or paste your TD API key above to check the connection or review the upload.");
  await page.fill("[data-testid=td-key]", "1/fake secret");
  assert.match(await why.textContent(), /contains spaces or control characters: paste it again/);
  assert.ok(!(await why.textContent()).includes("fake secret"), "the key is not echoed");
  await page.fill("[data-testid=td-key]", KEY);
  await why.waitFor({ state: "detached" });
  assert.equal(await page.isDisabled("[data-testid=td-review]"), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test("check connection lists the zero-copy configs; picking one fills every entry; create shows the id", async () => {
  const { page, problems, context } = await uploadTab();
  await page.click("[data-testid=td-check]");
  await page.waitForSelector("[data-testid=td-configs]");
  await page.click("[data-testid=use-config][data-id='168']");
  await page.waitForFunction(() => !window.cpsEditor.getDoc(1).includes("'167'"));
  const text = await editorText(page);
  assert.equal(text.split("'168'").length - 1, 6, "master, 3 attributes, 2 behaviors");
  // The dry run shows the exact request with the key masked, at an absolute URL on the page's
  // own origin (the proxy), and says that nothing was sent to build it.
  await page.click("[data-testid=dry-run] summary");
  const request = await page.textContent("[data-testid=dry-run-request]");
  assert.ok(request.startsWith(`POST ${server.url}td/custom/cas/composable_audiences\n`), request);
  assert.match(request, /Authorization: TD1 1\/••••/);
  assert.match(request, /X-Cps-Proxy: 1/);
  assert.ok(!request.includes(SECRET));
  assert.equal(await page.textContent("[data-testid=dry-run-sent]"), "Dry run: nothing is sent to TD to show this request.");
  await page.click("[data-testid=td-review]");
  await page.waitForSelector("[data-testid=plan]");
  assert.match(await page.textContent("[data-testid=plan]"), /creates it/);
  // The plan read the segment list, and the dry run says exactly that.
  assert.equal(
    await page.textContent("[data-testid=dry-run-sent]"),
    `Dry run: read the existing segments to make the plan (GET ${server.url}td/custom/cas/composable_audiences); wrote nothing.`,
  );
  await page.click("[data-testid=td-apply]");
  await page.waitForSelector("[data-testid=td-done]");
  assert.equal(await page.textContent("[data-testid=segment-id]"), "1001");
  // The studio hears how it ended: its status line says so, on every tab.
  assert.equal(await page.textContent("[data-testid=notice]"), "Uploaded: created “Retail Customers (Snowflake)” in TD (id 1001).");
  const state = await fake.state();
  assert.equal(state.segments.length, 1);
  assert.equal(state.segments[0].master.federatedQueryConfigId, "168");
  assert.ok(state.requests.every((r) => r.auth === "valid"));
  await assertNoKeyLeft(page, problems);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a bad key is explained as a 401 and nothing changes", async () => {
  const { page, problems, context } = await uploadTab("1/wrong");
  const before = await editorText(page);
  await page.click("[data-testid=td-review]");
  await page.waitForSelector("[data-testid=td-error]");
  const error = await page.textContent("[data-testid=td-error]");
  assert.match(error, /401/);
  assert.match(error, /Check the key/);
  assert.equal(await editorText(page), before);
  assert.equal((await fake.state()).segments.length, 0);
  // The browser logs the failed call itself; nothing else, and never the key.
  assert.deepEqual(problems.filter((p) => !p.includes("401")), []);
  await assertNoKeyLeft(page, problems);
  await context.close();
});

test("an existing name turns into an update with its difference; removals need confirmation", async () => {
  await fake.seed({ ...BODY, attributes: [...BODY.attributes, { ...BODY.attributes[0], name: "legacy_score", column: "LEGACY" }] });
  const { page, problems, context } = await uploadTab();
  await page.click("[data-testid=td-review]");
  await page.waitForSelector("[data-testid=diff]");
  const diff = await page.textContent("[data-testid=diff]");
  assert.match(diff, /- attribute “legacy_score”/);
  assert.match(await page.textContent("[data-testid=plan]"), /removal plus an addition/);
  const apply = page.locator("[data-testid=td-apply]");
  assert.match(await apply.textContent(), /^Update/);
  assert.ok(await apply.isDisabled(), "removal needs confirmation first");
  await page.check("[data-testid=confirm-removals]");
  await apply.click();
  await page.waitForSelector("[data-testid=td-done]");
  const state = await fake.state();
  assert.equal(state.segments.length, 1);
  assert.deepEqual(state.segments[0].attributes.map((a) => a.name), BODY.attributes.map((a) => a.name));
  await assertNoKeyLeft(page, problems);
  assert.deepEqual(problems, []);
  await context.close();
});

test("a create whose answer is lost (500 after the server made it) is found by name, not made twice", async () => {
  await fake.faults([{ method: "POST", path: "/composable_audiences", status: 500, commit: true }]);
  const { page, problems, context } = await uploadTab();
  await page.click("[data-testid=td-review]");
  await page.click("[data-testid=td-apply]");
  await page.waitForSelector("[data-testid=td-done]");
  assert.match(await page.textContent("[data-testid=td-done]"), /found the segment by name/);
  assert.match(await page.textContent("[data-testid=td-notes]"), /500/);
  assert.equal((await fake.state()).segments.length, 1);
  // Chromium logs the 500 response as a console error; that is the only one allowed.
  assert.deepEqual(problems.filter((p) => !p.includes("500")), []);
  await assertNoKeyLeft(page, problems);
  await context.close();
});

test("a 500 before anything was made is retried once it is clear nothing exists: exactly one segment", async () => {
  await fake.faults([{ method: "POST", path: "/composable_audiences", status: 500 }]);
  const { page, problems, context } = await uploadTab();
  await page.click("[data-testid=td-review]");
  await page.click("[data-testid=td-apply]");
  await page.waitForSelector("[data-testid=td-done]");
  const state = await fake.state();
  assert.equal(state.segments.length, 1);
  assert.equal(state.requests.filter((r) => r.method === "POST").length, 2);
  assert.deepEqual(problems.filter((p) => !p.includes("500")), []);
  await assertNoKeyLeft(page, problems);
  await context.close();
});

test("TD's refusal naming a column is shown at that column in the editor", async () => {
  await fake.catalog({
    CUSTOMERS: ["CDP_CUSTOMER_ID", "EMAIL", "LTV"],
    BEHAVIOR_PAGEVIEWS: ["CDP_CUSTOMER_ID", "TIME", "TD_URL", "TD_TITLE"],
    ORDERS: ["CDP_CUSTOMER_ID", "ORDERED_AT", "ORDER_ID", "AMOUNT", "SKU"],
  });
  const { page, problems, context } = await uploadTab();
  await page.click("[data-testid=td-review]");
  await page.click("[data-testid=td-apply]");
  await page.waitForSelector("[data-testid=td-error]");
  assert.match(await page.textContent("[data-testid=td-error]"), /MEMBERSHIP_TIER/);
  const underline = page.locator(".cm-lintRange-error");
  await underline.first().waitFor();
  assert.equal(await underline.first().textContent(), "MEMBERSHIP_TIER");
  // The studio's status line and toolbar count it; the problem list shows it.
  assert.match(await page.textContent("[data-testid=notice]"), /^Upload failed: .*names 1 place in the config, marked as server-refused\.$/);
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "1 error");
  await page.click("[data-tab=problems]");
  assert.equal(await page.locator("[data-testid=problems] li[data-code=server-refused]").count(), 1);
  // An edit makes a new text: the marks were for the old one.
  await page.click(".cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.insertText("# edited\n");
  await page.waitForSelector("[data-testid=problems] li[data-code=server-refused]", { state: "detached" });
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  assert.equal((await fake.state()).segments.length, 0);
  assert.deepEqual(problems.filter((p) => !p.includes("400")), []);
  await assertNoKeyLeft(page, problems);
  await context.close();
});

test("remember for this tab keeps the key in sessionStorage only, and forgets it when unticked", async () => {
  const { page, problems, context } = await uploadTab();
  // Other tabs leave the Upload step as it was (the key stays in its memory), and clicks in it
  // never reach the studio's own controls.
  await page.click("[data-tab=problems]");
  await page.click("[data-tab=upload]");
  assert.equal(await page.inputValue("[data-testid=td-key]"), KEY);
  await page.click("[data-testid=td-remember]");
  assert.equal(await page.getAttribute("[role=tab][aria-selected=true]", "data-tab"), "upload");
  await page.uncheck("[data-testid=td-remember]");
  await page.check("[data-testid=td-remember]");
  await assertNoKeyLeft(page, problems, { session: true });
  await page.reload();
  await page.click("[data-tab=upload]");
  assert.equal(await page.inputValue("[data-testid=td-key]"), KEY);
  await page.uncheck("[data-testid=td-remember]");
  await assertNoKeyLeft(page, problems);
  // The share link never carries the key.
  await page.click("[data-testid=share]");
  assert.ok(!(await page.inputValue("[data-testid=share-url]")).includes(SECRET));
  await context.close();
});

test("a direct call the browser blocks is explained as possible CORS, with the way out", async () => {
  const { page, problems, context } = await uploadTab();
  // Stand-in for a CORS refusal: the request to TD's real host fails before any byte is sent,
  // so the live API is never reached.
  let intercepted = 0;
  await page.route((url) => url.hostname.endsWith("treasuredata.com"), (route) => {
    intercepted += 1;
    return route.abort("failed");
  });
  await page.selectOption("[data-testid=td-route]", "direct");
  // The custom endpoint exists only behind cps serve: no host is guessed for it.
  await page.click("[data-testid=td-check]");
  await page.waitForSelector("[data-testid=td-error]");
  assert.match(await page.textContent("[data-testid=td-error]"), /through cps serve only/);
  assert.equal(intercepted, 0);
  await page.selectOption("[data-testid=td-region]", "us");
  await page.click("[data-testid=td-check]");
  await page.waitForSelector("[data-testid=td-error]");
  const error = await page.textContent("[data-testid=td-error]");
  assert.match(error, /CORS/);
  assert.match(error, /cps serve/);
  // Tried, with retries (listing is safe to repeat), and every try was stopped here.
  assert.ok(intercepted >= 1);
  assert.ok(problems.every((p) => p.includes("api.treasuredata.com") || p.includes("net::ERR_FAILED")), problems.join("\n"));
  await assertNoKeyLeft(page, problems);
  await context.close();
});

/// The text "Copy as curl" puts on the clipboard.
async function copiedCurl(page, context) {
  await context.grantPermissions(["clipboard-read", "clipboard-write"], { origin: new URL(server.url).origin });
  await page.click("[data-testid=copy-curl]");
  return page.evaluate(() => navigator.clipboard.readText());
}

test("copy as curl gives a runnable command: TD's own host for a region, the proxy only for its custom endpoint", async () => {
  const { page, problems, context } = await uploadTab();
  await page.click("[data-testid=dry-run] summary");
  // The custom endpoint is known to cps serve alone: the command goes through it, with its header.
  let curl = await copiedCurl(page, context);
  assert.ok(curl.startsWith(`curl -sS -X POST ${server.url}td/custom/cas/composable_audiences \\`), curl);
  assert.match(curl, /-H 'X-Cps-Proxy: 1'/);
  assert.match(curl, /-H "Authorization: TD1 \$TD_API_KEY"/);
  assert.match(await page.textContent("[data-testid=curl-note]"), /cps serve must be running/);
  // A region: the page still calls the proxy, but a terminal goes to TD's host, without the header.
  await page.selectOption("[data-testid=td-region]", "us");
  const request = await page.textContent("[data-testid=dry-run-request]");
  assert.ok(request.startsWith(`POST ${server.url}td/us/cas/composable_audiences\n`), request);
  curl = await copiedCurl(page, context);
  assert.ok(curl.startsWith("curl -sS -X POST https://api-cas.treasuredata.com/composable_audiences \\"), curl);
  assert.ok(!curl.includes("X-Cps-Proxy") && !curl.includes(SECRET), curl);
  assert.match(await page.textContent("[data-testid=curl-note]"), /TD's own host for the region/);
  // Nothing was sent anywhere to show all this.
  assert.deepEqual((await fake.state()).requests, []);
  assert.deepEqual(problems, []);
  await assertNoKeyLeft(page, problems);
  await context.close();
});

/// Uploads the template with TD answering in `shape`; resolves when the error is shown.
async function refusedIn(shape, catalog) {
  if (catalog) await fake.catalog(catalog);
  await fake.faults([{ method: "POST", path: "/composable_audiences", shape }]);
  const opened = await uploadTab();
  await opened.page.click("[data-testid=td-review]");
  await opened.page.click("[data-testid=td-apply]");
  await opened.page.waitForSelector("[data-testid=td-error]");
  return opened;
}

// The template's tables without `LTV` and `TD_TITLE`.
const MISSING_TWO = {
  CUSTOMERS: ["CDP_CUSTOMER_ID", "EMAIL", "MEMBERSHIP_TIER"],
  BEHAVIOR_PAGEVIEWS: ["CDP_CUSTOMER_ID", "TIME", "TD_URL"],
  ORDERS: ["CDP_CUSTOMER_ID", "ORDERED_AT", "ORDER_TOTAL", "SKU"],
};

test("a JSON:API answer with two errors: both listed, both marked at their columns, the raw answer kept", async () => {
  const { page, problems, context } = await refusedIn("json_api", MISSING_TWO);
  const error = page.locator("[data-testid=td-error]");
  assert.match(await error.textContent(), /TD reported 2 problems/);
  const listed = await page.locator("[data-testid=td-problems] li").allTextContents();
  assert.equal(listed.length, 2);
  assert.match(listed[0], /Column not found: 'LTV'.*validationCode INVALID_FORMAT_OR_ASSOCIATION.* at \/attributes\/2\/column/);
  assert.match(listed[1], /'TD_TITLE'.* at \/behaviors\/0\/columnMapping\/1\/cdwColumn/);
  // The raw answer, in a disclosure.
  const raw = page.locator("[data-testid=td-raw]");
  assert.match(await raw.locator("summary").textContent(), /JSON:API errors, HTTP 400/);
  assert.equal(JSON.parse(await raw.locator("pre").textContent()).errors.length, 2);
  // Each is marked where it is, in the problem list and in the editor.
  await page.click("[data-tab=problems]");
  // Two places of one kind: one row with its count, both places listed underneath.
  const refused = page.locator("[data-testid=problems] li[data-code=server-refused]");
  await refused.waitFor();
  assert.equal(await refused.getAttribute("data-count"), "2");
  const places = refused.locator("li.place");
  assert.equal(await places.count(), 2);
  assert.match(await places.nth(1).textContent(), /behaviors\[0\]\.columns\[1\]\.column/);
  // A place selects its range, which the editor underlines (scrolled into view by the jump:
  // CodeMirror draws only the lines near its viewport).
  for (const [i, name] of ["LTV", "TD_TITLE"].entries()) {
    await places.nth(i).locator(".problem-jump").click();
    assert.equal(await page.evaluate(() => window.getSelection().toString()), name);
    await page.locator(".cm-lintRange-error", { hasText: name }).waitFor();
  }
  assert.equal(await refused.count(), 1);
  assert.equal((await fake.state()).segments.length, 0);
  assert.deepEqual(problems.filter((p) => !p.includes("400")), []);
  await assertNoKeyLeft(page, problems);
  await context.close();
});

test("a {code, message} answer: TD's words with its code, marked by the quoted name", async () => {
  const { page, problems, context } = await refusedIn("code_message", MISSING_TWO);
  const error = await page.textContent("[data-testid=td-error]");
  assert.match(error, /TD said: Column not found: 'LTV'.*\[BAD_REQUEST\]/);
  assert.match(await page.locator("[data-testid=td-raw] summary").textContent(), /\{code, message\}, HTTP 400/);
  const underline = page.locator(".cm-lintRange-error");
  await underline.first().waitFor();
  assert.deepEqual(await underline.allTextContents(), ["LTV"]);
  assert.deepEqual(problems.filter((p) => !p.includes("400")), []);
  await context.close();
});

test("a {status, error, details} answer (5XX) is explained with its details; nothing is marked", async () => {
  // Every try of the review's read fails; the retries give up and the answer is explained.
  await fake.faults([{ method: "GET", path: "/composable_audiences", status: 503, shape: "status_error", times: 4 }]);
  const { page, problems, context } = await uploadTab();
  await page.click("[data-testid=td-review]");
  await page.waitForSelector("[data-testid=td-error]");
  const error = await page.textContent("[data-testid=td-error]");
  assert.match(error, /503: TD had an internal error/);
  assert.match(error, /TD said: Service Unavailable — Injected failure/);
  assert.match(await page.locator("[data-testid=td-raw] summary").textContent(), /\{status, error, details\}, HTTP 503/);
  assert.equal(await page.locator(".cm-lintRange-error").count(), 0);
  assert.deepEqual(problems.filter((p) => !p.includes("503")), []);
  await context.close();
});

test("a 403 with a permissionCode names the policy, not only the key, and marks nothing", async () => {
  await fake.faults([{ method: "POST", path: "/composable_audiences", status: 403,
    body: { errors: [{ code: "forbidden", status: "403", detail: "Not allowed in folder 'EMAIL'", meta: { permissionCode: "SEGMENT_FOLDER_EDIT_REQUIRED" } }] } }]);
  const { page, problems, context } = await uploadTab();
  await page.click("[data-testid=td-review]");
  await page.click("[data-testid=td-apply]");
  await page.waitForSelector("[data-testid=td-error]");
  const error = await page.textContent("[data-testid=td-error]");
  assert.match(error, /403: permission denied/);
  assert.match(error, /SEGMENT_FOLDER_EDIT_REQUIRED \(edit rights on the segment folder\)/);
  assert.match(error, /polic/);
  assert.equal(await page.locator(".cm-lintRange-error").count(), 0);
  assert.deepEqual(problems.filter((p) => !p.includes("403")), []);
  await context.close();
});

test("retries after 429 are said in the Upload result: how many times and why", async () => {
  await fake.faults([{ method: "POST", path: "/composable_audiences", status: 429, times: 2 }]);
  const { page, problems, context } = await uploadTab();
  await page.click("[data-testid=td-review]");
  await page.click("[data-testid=td-apply]");
  await page.waitForSelector("[data-testid=td-done]");
  assert.equal(
    await page.textContent("[data-testid=td-retried]"),
    "cps tried again 2 times (waiting 0.9 s in all), after “429: too many requests” twice.",
  );
  assert.equal((await fake.state()).segments.length, 1);
  assert.deepEqual(problems.filter((p) => !p.includes("429")), []);
  await assertNoKeyLeft(page, problems);
  await context.close();
});

test("the region list reads plainly, and what cps assumes about TD's paths is in the dry run's details", async () => {
  const { page, problems, context } = await uploadTab();
  const labels = await page.locator("[data-testid=td-region] option").allTextContents();
  assert.ok(labels.includes("AP02 (Korea) — no documented CAS host"), labels.join(" | "));
  assert.ok(!labels.some((l) => l.includes(")(") || l.includes(") (")), labels.join(" | "));
  const note = page.locator("[data-testid=dry-run-assumptions]");
  assert.equal(await note.isVisible(), false, "inside the closed details");
  await page.click("[data-testid=dry-run] summary");
  assert.match(await note.textContent(), /If TD answers one of those calls otherwise \(404 or 405\), cps stops there/);
  assert.deepEqual(problems, []);
  await context.close();
});
