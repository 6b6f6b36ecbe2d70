// The Snowflake setup tab in real Chromium: a key pair made by the browser and checked here with
// openssl, the key checker, the zero-copy step and the catalog check.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, launch, openPage, editorText, replaceText } from "./harness.mjs";

const SNOWFLAKE = readFileSync(new URL("../../examples/snowflake.yaml", import.meta.url), "utf8");

let server, browser, dir;

before(async () => {
  server = await startServer();
  browser = await launch();
  dir = mkdtempSync(join(tmpdir(), "cps-sf-"));
});
after(async () => {
  await browser?.close();
  server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const openssl = (args, input) => execFileSync("openssl", args, { input, encoding: input instanceof Buffer ? undefined : "utf8" });
const fingerprintOf = (privatePath) => {
  const der = execFileSync("openssl", ["pkey", "-in", privatePath, "-pubout", "-outform", "DER"]);
  const digest = execFileSync("openssl", ["dgst", "-sha256", "-binary"], { input: der });
  return "SHA256:" + digest.toString("base64");
};

async function snowflakeTab() {
  const opened = await openPage(browser, server.url);
  await opened.page.click("[data-tab=snowflake]");
  await opened.page.waitForSelector("[data-testid=sf-generate]");
  return opened;
}

async function download(page, selector, name) {
  const [d] = await Promise.all([page.waitForEvent("download"), page.click(selector)]);
  assert.equal(d.suggestedFilename(), name);
  const path = join(dir, name);
  await d.saveAs(path);
  return path;
}

test("a key pair made in the browser is PKCS#8, a pair, and has the fingerprint openssl computes", async () => {
  const { page, problems, context } = await snowflakeTab();
  await page.click("[data-testid=sf-generate]");
  await page.waitForSelector("[data-testid=sf-fingerprint]");
  const shown = await page.textContent("[data-testid=sf-fingerprint]");
  // The fingerprint has its copy button, apart from it, and the next field's label does not
  // touch it.
  await context.grantPermissions(["clipboard-read", "clipboard-write"]);
  await page.click("[data-testid=sf-copy-fingerprint]");
  assert.equal(await page.evaluate(() => navigator.clipboard.readText()), shown);
  const gaps = await page.evaluate(() => {
    const box = (s) => document.querySelector(s).getBoundingClientRect();
    const fp = box("[data-testid=sf-fingerprint]"), copy = box("[data-testid=sf-copy-fingerprint]");
    const row = document.querySelector("[data-testid=sf-fingerprint]").closest("p").getBoundingClientRect();
    const next = document.querySelector("[data-testid=sf-user]").closest("label").getBoundingClientRect();
    return { beside: copy.left - fp.right, below: next.top - row.bottom, wrapped: copy.top >= fp.bottom };
  });
  assert.ok(gaps.wrapped || gaps.beside >= 4, JSON.stringify(gaps));
  assert.ok(gaps.below >= 4, JSON.stringify(gaps));
  const privatePath = await download(page, "[data-testid=sf-download-private]", "rsa_key.p8");
  const publicPath = await download(page, "[data-testid=sf-download-public]", "rsa_key.pub");
  const pem = readFileSync(privatePath, "utf8");
  assert.match(pem, /^-----BEGIN PRIVATE KEY-----\n/);
  // openssl reads it as an unencrypted PKCS#8 key of 2048 bits.
  openssl(["pkcs8", "-nocrypt", "-in", privatePath, "-out", join(dir, "check.pem")]);
  assert.match(openssl(["pkey", "-in", privatePath, "-noout", "-text"]), /Private-Key: \(2048 bit/);
  // The public key shown for download is the private key's.
  assert.equal(openssl(["pkey", "-in", privatePath, "-pubout"]), readFileSync(publicPath, "utf8"));
  assert.equal(shown, fingerprintOf(privatePath));
  // ALTER USER with the body, the user name quoted when it must be.
  await page.fill("[data-testid=sf-user]", "td user");
  const alter = await page.textContent("[data-testid=sf-alter-user]");
  const body = readFileSync(publicPath, "utf8").split("\n").filter((l) => l && !l.startsWith("-----")).join("");
  assert.equal(alter.trim(), `ALTER USER "td user" SET RSA_PUBLIC_KEY='${body}';`);
  // DESC USER's output is compared with the key.
  await page.fill("[data-testid=sf-desc-user]", `property\tvalue\tdefault\tdescription\nRSA_PUBLIC_KEY_FP\t${shown}\tnull\tFingerprint of user's RSA public key.`);
  assert.match(await page.textContent("[data-testid=sf-fp-match]"), /^Match/);
  await page.fill("[data-testid=sf-desc-user]", "RSA_PUBLIC_KEY_FP\tSHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
  assert.match(await page.textContent("[data-testid=sf-fp-match]"), /^Mismatch/);
  // The private key is nowhere but the page's memory.
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href);
  assert.ok(!storage.includes("PRIVATE KEY") && !storage.includes(pem.split("\n")[1]));
  assert.deepEqual(problems, []);
  await context.close();
});

test("the key checker repairs a one-line PKCS#1 paste, converts it to PKCS#8 like openssl, and finds the pair", async () => {
  const privatePath = join(dir, "pkcs1.pem");
  openssl(["genrsa", "-traditional", "-out", privatePath, "2048"]);
  const pkcs1 = readFileSync(privatePath, "utf8");
  assert.match(pkcs1, /BEGIN RSA PRIVATE KEY/);
  const { page, problems, context } = await snowflakeTab();
  // Pasted the way chat tools mangle it: one line, CRLF-free, spaces for line breaks.
  await page.fill("[data-testid=sf-key-input]", pkcs1.trim().split("\n").join(" "));
  const report = page.locator("[data-testid=sf-key-report]");
  await report.waitFor();
  assert.match(await report.textContent(), /PKCS#1/);
  assert.match(await report.textContent(), /2048 bits/);
  assert.equal(await page.textContent("[data-testid=sf-key-fingerprint]"), fingerprintOf(privatePath));
  const fixed = await download(page, "[data-testid=sf-key-fixed]", "rsa_key.p8");
  assert.equal(readFileSync(fixed, "utf8"), openssl(["pkcs8", "-topk8", "-nocrypt", "-in", privatePath]));
  // Its public key, from openssl, is recognised as the pair.
  await page.click("[data-testid=sf-keycheck] summary");
  await page.fill("[data-testid=sf-key-input2]", openssl(["pkey", "-in", privatePath, "-pubout"]));
  assert.match(await page.textContent("[data-testid=sf-key-pair]"), /are a pair/);
  const other = join(dir, "other.pem");
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", other]);
  await page.fill("[data-testid=sf-key-input2]", openssl(["pkey", "-in", other, "-pubout"]));
  assert.match(await page.textContent("[data-testid=sf-key-pair]"), /not a pair/);
  // A small key is refused.
  const small = join(dir, "small.pem");
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", small]);
  await page.fill("[data-testid=sf-key-input]", readFileSync(small, "utf8"));
  await page.waitForSelector("[data-testid=sf-key-report] [data-code=key-too-small]");
  assert.deepEqual(problems, []);
  await context.close();
});

test("an encrypted key opens with its passphrase in the page, which keeps it in memory only", async () => {
  const plainPath = join(dir, "plain.pem");
  const encPath = join(dir, "enc.p8");
  openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", plainPath]);
  // Snowflake's documented command: PBES2 with 3DES.
  openssl(["pkcs8", "-topk8", "-v2", "des3", "-passout", "pass:page secret", "-in", plainPath, "-out", encPath]);
  const { page, problems, context } = await snowflakeTab();
  await page.fill("[data-testid=sf-key-input]", readFileSync(encPath, "utf8"));
  // Without the passphrase: a warning, no fingerprint, and a field to type it.
  await page.waitForSelector("[data-testid=sf-key-report] [data-code=key-encrypted]");
  assert.equal(await page.locator("[data-testid=sf-key-fingerprint]").count(), 0);
  await page.fill("[data-testid=sf-key-passphrase]", "wrong");
  await page.waitForSelector("[data-testid=sf-key-report] [data-code=key-passphrase]");
  await page.fill("[data-testid=sf-key-passphrase]", "page secret");
  await page.waitForSelector("[data-testid=sf-key-fingerprint]");
  assert.equal(await page.textContent("[data-testid=sf-key-fingerprint]"), fingerprintOf(plainPath));
  assert.match(await page.textContent("[data-testid=sf-key-report]"), /2048 bits/);
  assert.equal(await page.locator("[data-testid=sf-key-report] [data-code=key-passphrase]").count(), 0);
  // The passphrase is in no storage and no URL, and the decrypted key is never offered.
  const storage = await page.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + location.href);
  assert.ok(!storage.includes("page secret"));
  assert.equal(await page.locator("[data-testid=sf-key-fixed]").count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the ALTER USER for a generated key can use the rotation slot and says to make a service user", async () => {
  const { page, problems, context } = await snowflakeTab();
  await page.click("[data-testid=sf-generate]");
  await page.waitForSelector("[data-testid=sf-fingerprint]");
  await page.fill("[data-testid=sf-user]", "TD_USER");
  assert.match(await page.textContent("[data-testid=sf-alter-user]"), /^ALTER USER TD_USER SET RSA_PUBLIC_KEY='MII/);
  assert.match(await page.textContent("[data-testid=sf-service-user]"), /ALTER USER TD_USER SET TYPE = SERVICE;/);
  await page.check("[data-testid=sf-rotate]");
  assert.match(await page.textContent("[data-testid=sf-alter-user]"), /^ALTER USER TD_USER SET RSA_PUBLIC_KEY_2='MII/);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the zero-copy step checks the account, writes the grants and puts the config id in every entry", async () => {
  const { page, problems, context } = await snowflakeTab();
  // Before anything is typed, the console checklist says which value goes where (not "account ,
  // user ,"), and then shows the values typed.
  const checklist = page.locator("[data-testid=sf-checklist]");
  assert.match(await checklist.textContent(), /Snowflake: account \(the account identifier above\), user \(the user above\), authentication Key Pair/);
  assert.match(await checklist.textContent(), /role \(the role above\), warehouse \(the warehouse above\), database \(the database above\)\./);
  assert.equal(await checklist.locator("code").count(), 0);
  await page.fill("[data-testid=sf-account]", "https://myorg-acct.snowflakecomputing.com");
  await page.waitForSelector("[data-testid=sf-account-note].warn");
  await page.fill("[data-testid=sf-account]", "myorg-account123");
  assert.match(await page.textContent("[data-testid=sf-account-note]"), /preferred/);
  await page.fill("[data-testid=sf-warehouse]", "COMPUTE_WH");
  await page.fill("[data-testid=sf-database]", "CDP_PROD");
  await page.fill("[data-testid=sf-zc-user]", "TD_USER");
  await page.fill("[data-testid=sf-role]", "TD_ROLE");
  assert.deepEqual(await checklist.locator("code").allTextContents(), ["myorg-account123", "TD_USER", "TD_ROLE", "COMPUTE_WH", "CDP_PROD"]);
  const grants = await page.textContent("[data-testid=sf-grants]");
  assert.match(grants, /GRANT USAGE ON WAREHOUSE COMPUTE_WH TO ROLE TD_ROLE;/);
  assert.match(grants, /GRANT USAGE ON DATABASE CDP_PROD TO ROLE TD_ROLE;/);
  assert.match(grants, /GRANT SELECT ON TABLE CDP_PROD\.PUBLIC\.ORDERS TO ROLE TD_ROLE;/);
  await page.fill("[data-testid=sf-config-id]", "4242");
  await page.click("[data-testid=sf-use-config]");
  await page.waitForFunction(() => window.cpsEditor.getDoc(1).includes("'4242'"));
  assert.equal((await editorText(page)).split("'4242'").length - 1, 6);
  // The click stayed in the step (two Yew apps on one page).
  assert.equal(await page.getAttribute("[role=tab][aria-selected=true]", "data-tab"), "snowflake");
  assert.deepEqual(problems, []);
  await context.close();
});

test("a catalog export marks what the warehouse lacks in the editor and completes names", async () => {
  const { page, problems, context } = await snowflakeTab();
  const rows = [
    "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE",
    "PUBLIC,CUSTOMERS,CDP_CUSTOMER_ID,TEXT",
    "PUBLIC,CUSTOMERS,EMAIL,TEXT",
    "PUBLIC,CUSTOMERS,LTV,NUMBER",
    "PUBLIC,BEHAVIOR_PAGEVIEWS,CDP_CUSTOMER_ID,TEXT",
    "PUBLIC,BEHAVIOR_PAGEVIEWS,TIME,TIMESTAMP_TZ",
    "PUBLIC,BEHAVIOR_PAGEVIEWS,TD_URL,TEXT",
    "PUBLIC,BEHAVIOR_PAGEVIEWS,TD_TITLE,TEXT",
  ];
  // MEMBERSHIP_TIER is missing from CUSTOMERS.
  rows.push(
    "PUBLIC,ORDERS,CDP_CUSTOMER_ID,TEXT",
    // No time zone: read in the segment's timezone (a warning).
    "PUBLIC,ORDERS,ORDERED_AT,TIMESTAMP_NTZ",
    "PUBLIC,ORDERS,ORDER_TOTAL,NUMBER",
    "PUBLIC,ORDERS,SKU,TEXT",
  );
  await page.fill("[data-testid=sf-catalog-input]", rows.join("\r\n"));
  await page.waitForSelector("[data-testid=sf-catalog-summary]");
  const results = await page.textContent("[data-testid=sf-catalog-results]");
  assert.match(results, /MEMBERSHIP_TIER/);
  assert.match(results, /TIMESTAMP_NTZ|time zone/);
  // Underlined in the editor, on the column the warehouse lacks.
  await page.waitForFunction(() => [...document.querySelectorAll(".cm-lintRange-error")].some((e) => e.textContent === "MEMBERSHIP_TIER"));
  // Table and column names complete from the catalog.
  await page.click(".cm-content");
  await page.keyboard.press("Control+End");
  await page.keyboard.insertText("\n# CUS");
  await page.keyboard.press("Control+Space");
  await page.waitForSelector(".cm-tooltip-autocomplete li");
  const options = await page.locator(".cm-tooltip-autocomplete li").allTextContents();
  assert.ok(options.includes("CUSTOMERS"), options.join(","));
  assert.deepEqual(problems, []);
  await context.close();
});

test("catalog findings reach the toolbar counts and the problem list, and follow the text on every tab", async () => {
  const { page, problems, context } = await snowflakeTab();
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  const warnings = Number((await page.textContent("[data-testid=counts] .warnings")).split(" ")[0]);
  // The template's tables, without CUSTOMERS.MEMBERSHIP_TIER (an error) and with ORDERED_AT
  // without a time zone (a warning).
  await page.fill("[data-testid=sf-catalog-input]", [
    "TABLE_SCHEMA,TABLE_NAME,COLUMN_NAME,DATA_TYPE",
    "PUBLIC,CUSTOMERS,CDP_CUSTOMER_ID,TEXT", "PUBLIC,CUSTOMERS,EMAIL,TEXT", "PUBLIC,CUSTOMERS,LTV,NUMBER",
    "PUBLIC,BEHAVIOR_PAGEVIEWS,CDP_CUSTOMER_ID,TEXT", "PUBLIC,BEHAVIOR_PAGEVIEWS,TIME,TIMESTAMP_TZ",
    "PUBLIC,BEHAVIOR_PAGEVIEWS,TD_URL,TEXT", "PUBLIC,BEHAVIOR_PAGEVIEWS,TD_TITLE,TEXT",
    "PUBLIC,ORDERS,CDP_CUSTOMER_ID,TEXT", "PUBLIC,ORDERS,ORDERED_AT,TIMESTAMP_NTZ",
    "PUBLIC,ORDERS,ORDER_TOTAL,NUMBER", "PUBLIC,ORDERS,SKU,TEXT",
  ].join("\n"));
  await page.waitForFunction(() => document.querySelector("[data-testid=counts] .errors").textContent === "1 error");
  assert.ok(Number((await page.textContent("[data-testid=counts] .warnings")).split(" ")[0]) > warnings);
  // The problem list shows them with the file's own, at their lines.
  await page.click("[data-tab=problems]");
  const missing = page.locator("[data-testid=problems] li[data-code=catalog-unknown-column]");
  assert.equal(await missing.count(), 1);
  assert.match(await missing.textContent(), /MEMBERSHIP_TIER/);
  const line = SNOWFLAKE.split("\n").findIndex((l) => l.includes("column: MEMBERSHIP_TIER")) + 1;
  assert.equal(await missing.getAttribute("data-line"), String(line));
  // Typing on another tab: the step (hidden) checks the new text against the catalog too, so
  // the finding stays, at its new line.
  await page.click(".cm-content");
  await page.keyboard.press("Control+Home");
  await page.keyboard.insertText("# a comment\n");
  await page.waitForFunction((l) => document.querySelector("[data-testid=problems] li[data-code=catalog-unknown-column]")?.dataset.line === String(l), line + 1);
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "1 error");
  // Fixed in the text: gone everywhere.
  await replaceText(page, "# a comment\n" + SNOWFLAKE.replace("column: MEMBERSHIP_TIER", "column: EMAIL"));
  await page.waitForSelector("[data-testid=problems] li[data-code=catalog-unknown-column]", { state: "detached" });
  assert.equal(await page.textContent("[data-testid=counts] .errors"), "0 errors");
  // No catalog, no findings: emptied export, the counts are the file's own again.
  await page.click("[data-tab=snowflake]");
  await page.fill("[data-testid=sf-catalog-input]", "");
  await page.waitForFunction((w) => document.querySelector("[data-testid=counts] .warnings").textContent.startsWith(`${w} `), warnings);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the check pack's SQL covers every table, and its pasted result becomes findings tied to the config", async () => {
  const { page, problems, context } = await snowflakeTab();
  await page.fill("[data-testid=sf-checkpack-database]", "CDP_PROD");
  const sql = await page.textContent("[data-testid=sf-checkpack-sql]");
  for (const table of ["CUSTOMERS", "BEHAVIOR_PAGEVIEWS", "ORDERS"]) assert.match(sql, new RegExp(`CDP_PROD\\.PUBLIC\\.${table}`));
  // Snowsight's CSV export of the script's result: 10 duplicate keys, and a behavior whose keys
  // match no customer at all.
  await page.fill("[data-testid=sf-checkpack-input]", [
    "CHECK_NAME,SUBJECT,VALUE",
    "master_rows,master,1000",
    "master_distinct_keys,master,990",
    "master_null_keys,master,0",
    "behavior_rows,behaviors[0] page_views,50000",
    "behavior_rows_without_customer,behaviors[0] page_views,50000",
    "behavior_null_times,behaviors[0] page_views,0",
    "behavior_min_time,behaviors[0] page_views,2024-01-01 00:00:00.000",
    "behavior_max_time,behaviors[0] page_views,2025-06-30 23:59:59.000",
    "behavior_rows,behaviors[1] purchases,2000",
    "behavior_rows_without_customer,behaviors[1] purchases,0",
    "behavior_null_times,behaviors[1] purchases,0",
    "behavior_min_time,behaviors[1] purchases,2024-02-01 00:00:00.000",
    "behavior_max_time,behaviors[1] purchases,2025-06-30 12:00:00.000",
  ].join("\n"));
  const findings = page.locator("[data-testid=sf-findings] li");
  await findings.first().waitFor();
  const texts = await findings.allTextContents();
  assert.ok(texts.some((t) => /master/.test(t) && /10/.test(t)), texts.join("\n"));
  assert.ok(texts.some((t) => /page_views/.test(t) && /matches nothing/.test(t)), texts.join("\n"));
  assert.equal(await page.locator("[data-testid=sf-findings] li.error").count() >= 2, true);
  assert.deepEqual(problems, []);
  await context.close();
});
