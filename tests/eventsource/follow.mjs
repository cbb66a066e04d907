// A browser's EventSource on GET /streams/{key}/events, in headless Chromium (Debian's chromium
// package, driven by playwright-core), across a server that goes away: the page follows the stream;
// once it has `first` entries this script prints "SEEN" and waits for a line on stdin (the test kills
// the service meanwhile, restarts it and adds entries); then it waits for `more` entries and prints
// every event the page received, with the number of errors (disconnects) it saw. The test judges them.
// Usage: node follow.mjs <base url> <path of the event stream> <first> <more> [chromium path]
// Exits 0 when the page received first + more events in time, 1 otherwise.
import { chromium } from "playwright-core";
import { createInterface } from "node:readline";

const [baseUrl, path, first, more, executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!baseUrl || !path || !first || !more) {
  console.error("Usage: node follow.mjs <base url> <path> <first> <more> [chromium path]");
  process.exit(2);
}
// Every wait is bounded; the one across the restart allows for a service start and EventSource's retry delay.
const WAIT_MS = 15_000;
const RESUME_WAIT_MS = 45_000;

const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
const browser = await chromium.launch({
  executablePath,
  headless: true,
  timeout: 30_000,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--disable-quic"],
});
let failed = false;
let page;
const seen = () => page.evaluate(() => ({ events: window.__events, errors: window.__errors }));
try {
  page = await browser.newPage();
  await page.goto(new URL("/alive", baseUrl).toString());
  await page.evaluate((url) => {
    window.__events = [];
    window.__errors = 0;
    const source = new EventSource(url);
    window.__source = source;
    source.addEventListener("message", (event) => window.__events.push({ id: event.lastEventId, data: event.data }));
    // A dropped connection (EventSource then reconnects by itself, sending Last-Event-ID).
    source.addEventListener("error", () => window.__errors++);
  }, path);

  await page.waitForFunction((count) => window.__events.length >= count, Number(first), { timeout: WAIT_MS });
  console.log(`SEEN ${JSON.stringify(await seen())}`);
  const { value: go } = await lines.next();
  if (go !== "GO") {
    throw new Error(`expected GO on stdin, got ${go}`);
  }
  await page.waitForFunction((count) => window.__events.length >= count, Number(first) + Number(more), { timeout: RESUME_WAIT_MS });
  // A little longer, so a repeated entry would show.
  await page.waitForTimeout(500);
  await page.evaluate(() => window.__source.close());
} catch (error) {
  failed = true;
  console.log(`failed: ${error?.message ?? error}`);
} finally {
  const result = page ? await seen().catch(() => null) : null;
  console.log(`RESULT ${JSON.stringify(result)}`);
  await browser.close();
}
process.exit(failed ? 1 : 0);
