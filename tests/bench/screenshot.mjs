// Takes the README's screenshots of the page with an invalid config loaded: every tab in the
// light theme (`docs/screenshot-<tab>.png`, the Problems tab as `docs/screenshot.png`) and the
// Problems tab in the dark one (`docs/screenshot-dark.png`): `cargo xtask screenshot`. The
// Upload tab's plan comes from the fake TD API (tests/td_fake). Not a test.
import { readFileSync } from "node:fs";
import { startServer, startFakeTd, launch, openPage, replaceText } from "../e2e/harness.mjs";

const out = process.argv[2] || "docs/screenshot.png";
const named = (tab) => out.replace(".png", `-${tab}.png`);
const SNOWFLAKE = readFileSync(new URL("../../examples/snowflake.yaml", import.meta.url), "utf8");
const INVALID = SNOWFLAKE.replace("timezone: Asia/Tokyo", "timezone: Tokyo").replace("    type: number\n", "    type: decimal\n");
const fake = await startFakeTd();
const server = await startServer(undefined, ["--td-endpoint", fake.url]);
const browser = await launch();
try {
  for (const colorScheme of ["light", "dark"]) {
    const { page, context } = await openPage(browser, server.url, ".cm-content", { colorScheme });
    await replaceText(page, INVALID);
    await page.waitForSelector(".cm-lintRange-error");
    await page.click("[data-testid=problems] li button");
    await page.screenshot({ path: colorScheme === "light" ? out : named("dark") });
    if (colorScheme === "light") {
      for (const tab of ["form", "diagram", "output", "settings"]) {
        await page.click(`[data-tab=${tab}]`);
        await page.screenshot({ path: named(tab === "output" ? "formats" : tab) });
      }
      // Snowflake setup: a key pair generated in the browser.
      await page.click("[data-testid=path] [data-step=keypair]");
      await page.click("[data-testid=sf-generate]");
      await page.waitForSelector("[data-testid=sf-fingerprint]");
      await page.screenshot({ path: named("snowflake") });
      // Upload: the valid template, reviewed against the fake TD: the plan before a create.
      await replaceText(page, SNOWFLAKE);
      await page.click("[data-testid=path] [data-step=upload]");
      await page.waitForSelector("[data-testid=td-route] option[value=proxy]:checked", { state: "attached" });
      await page.selectOption("[data-testid=td-region]", "custom");
      await page.fill("[data-testid=td-key]", "1/fake-secret");
      await page.click("[data-testid=td-review]");
      await page.waitForSelector("[data-testid=plan]");
      await page.screenshot({ path: named("upload") });
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.stop();
  fake.stop();
}
