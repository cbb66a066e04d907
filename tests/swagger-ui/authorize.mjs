// Swagger UI as a person uses it, in headless Chromium (Debian's chromium package, driven by playwright-core):
// open /swagger, run "Try it out" on GET /keys without a key (401), click Authorize, enter the API key,
// run it again (200). Usage: node authorize.mjs <base url> <API key> [chromium path]
// Prints what it saw and exits 0 only when both answers are as expected.
import { chromium } from "playwright-core";

const [baseUrl, apiKey, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!baseUrl || !apiKey) {
  console.error("Usage: node authorize.mjs <base url> <API key> [chromium path]");
  process.exit(2);
}

// Without the background-networking flags Chromium keeps reaching for Google's hosts, which a closed
// network refuses; a fresh profile each run (playwright's default) keeps runs independent.
const browser = await chromium.launch({
  executablePath,
  headless: true,
  timeout: 30_000,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic"],
});
let failed = false;
try {
  const page = await browser.newPage();
  page.setDefaultTimeout(15_000);
  await page.goto(new URL("/swagger/index.html", baseUrl).toString());

  // GET /keys (SCAN): found by its path, not its operationId, which the document may rename.
  const operation = page.locator(".opblock.opblock-get", { has: page.locator('[data-path="/keys"]') }).first();
  await operation.locator(".opblock-summary").first().click();
  await operation.locator("button.try-out__btn").click();

  const status = async () => {
    await operation.locator("button.execute").click();
    const cell = operation.locator(".live-responses-table tr.response .response-col_status").first();
    await cell.waitFor();
    // The cell holds the status, then "Undocumented" when the document does not list it.
    const text = (await cell.innerText()).trim().split(/\s+/)[0];
    await operation.locator("button.btn-clear").click();
    await cell.waitFor({ state: "detached" });
    return text;
  };

  const anonymous = await status();
  console.log(`without a key: ${anonymous}`);

  const authorize = page.locator(".auth-wrapper button.authorize");
  if (!(await authorize.count())) {
    throw new Error("Swagger UI shows no Authorize button: the document declares no security scheme (components.securitySchemes).");
  }
  await authorize.click();
  const dialog = page.locator(".dialog-ux .modal-ux");
  await dialog.locator("input").first().fill(apiKey);
  await dialog.locator("button.authorize").first().click();
  await dialog.locator("button.btn-done").first().click();

  const authorized = await status();
  console.log(`with the key: ${authorized}`);

  failed = anonymous !== "401" || authorized !== "200";
} catch (error) {
  failed = true;
  console.log(`failed: ${error?.message ?? error}`);
} finally {
  await browser.close();
}
console.log(failed ? "Swagger UI check failed" : "Swagger UI check passed: 401 without the key, 200 with it");
process.exitCode = failed ? 1 : 0;
