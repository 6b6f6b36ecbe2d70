// Takes the README's screenshots of the page (light and dark) with an invalid config loaded:
// `cargo xtask screenshot`. Not a test.
import { readFileSync } from "node:fs";
import { startServer, launch, openPage, replaceText } from "../e2e/harness.mjs";

const out = process.argv[2] || "docs/screenshot.png";
const SNOWFLAKE = readFileSync(new URL("../../examples/snowflake.yaml", import.meta.url), "utf8");
const server = await startServer();
const browser = await launch();
try {
  for (const scheme of ["light", "dark"]) {
    const { page, context } = await openPage(browser, server.url);
    await page.emulateMedia({ colorScheme: scheme });
    await replaceText(page, SNOWFLAKE.replace("timezone: Asia/Tokyo", "timezone: Tokyo").replace("    type: number\n", "    type: decimal\n"));
    await page.waitForSelector(".cm-lintRange-error");
    await page.click("[data-testid=problems] li");
    await page.screenshot({ path: scheme === "light" ? out : out.replace(".png", "-dark.png") });
    if (scheme === "light") {
      await page.click("[data-tab=diagram]");
      await page.screenshot({ path: out.replace(".png", "-diagram.png") });
      await page.click("[data-tab=form]");
      await page.screenshot({ path: out.replace(".png", "-form.png") });
    }
    await context.close();
  }
} finally {
  await browser.close();
  server.stop();
}
