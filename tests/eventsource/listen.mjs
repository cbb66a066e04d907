// A browser's EventSource on GET /channels/{channel}/events, in headless Chromium (Debian's chromium
// package, driven by playwright-core): the page subscribes, waits for 'event: subscribe', then this
// script publishes three messages with POST /channels/{channel}/messages and the page must receive
// them as 'message' events, with their JSON, in order.
// Usage: node listen.mjs <base url> [read key] [write key] [chromium path]
// EventSource sends no headers, so the read key travels as ?_token=; the write key (fetch, here in
// node) as Authorization: Bearer. Empty keys send none (a service without keys).
// Prints what it saw and exits 0 only when the three messages arrived as expected.
import { chromium } from "playwright-core";

const [baseUrl, readKey = "", writeKey = "", executablePath = "/usr/bin/chromium"] = process.argv.slice(2);
if (!baseUrl) {
  console.error("Usage: node listen.mjs <base url> [read key] [write key] [chromium path]");
  process.exit(2);
}

// Every wait is bounded: a missing event fails the check in seconds rather than hanging the test.
const WAIT_MS = 10_000;
const channel = `eventsource-${Date.now()}-${Math.random().toString(36).slice(2, 10)}`;
// Plain text, non-ASCII and text that looks like JSON: each must come back exactly.
const messages = ["first", "second: héllo ✓ 🚀", '{"third":[1,2,3]}'];

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
let seen = [];
let page;
try {
  page = await browser.newPage();
  page.setDefaultTimeout(WAIT_MS);
  // Any page of the service's origin: the EventSource is then same-origin and needs no CORS.
  await page.goto(new URL("/alive", baseUrl).toString());

  const path = `/channels/${encodeURIComponent(channel)}/events` + (readKey ? `?_token=${encodeURIComponent(readKey)}` : "");
  await page.evaluate((url) => {
    window.__events = [];
    const source = new EventSource(url);
    window.__source = source;
    const record = (event) => window.__events.push({ type: event.type, data: event.data ?? null, readyState: source.readyState });
    source.addEventListener("subscribe", record);
    source.addEventListener("message", record);
    // Both the server's 'event: error' (output limit) and a failed or dropped connection.
    source.addEventListener("error", record);
  }, path);

  await page.waitForFunction(() => window.__events.some((e) => e.type === "subscribe" || e.type === "error"), null, { timeout: WAIT_MS });
  seen = await page.evaluate(() => window.__events);
  const subscribe = seen.find((e) => e.type === "subscribe");
  if (!subscribe) {
    // EventSource says nothing of why it gave up: ask once more with fetch, for the status and problem.
    const why = await page.evaluate(async (url) => {
      // The headers EventSource sends.
      const response = await fetch(url, { headers: { Accept: "text/event-stream", "Cache-Control": "no-cache" }, signal: AbortSignal.timeout(5_000) });
      const type = response.headers.get("content-type") ?? "";
      const headers = [...response.headers].map(([name, value]) => `${name}: ${value}`).join("; ");
      let body;
      if (type.startsWith("text/event-stream")) {
        const { value } = await response.body.getReader().read();
        body = JSON.stringify(new TextDecoder().decode(value ?? new Uint8Array()));
      } else {
        body = await response.text();
      }
      return `${response.status} [${headers}] ${body}`;
    }, path).catch((error) => `fetch failed too: ${error?.message ?? error}`);
    throw new Error(`no 'subscribe' event before the first error; GET ${path} answers ${why}`);
  }
  const confirmed = JSON.parse(subscribe.data);
  if (confirmed.channel !== channel || confirmed.count !== 1) {
    throw new Error(`'subscribe' said ${subscribe.data}, expected {"channel":"${channel}","count":1}`);
  }
  console.log(`subscribed: ${subscribe.data}`);

  for (const message of messages) {
    const response = await fetch(new URL(`/channels/${encodeURIComponent(channel)}/messages`, baseUrl), {
      method: "POST",
      headers: { "Content-Type": "application/json", ...(writeKey ? { Authorization: `Bearer ${writeKey}` } : {}) },
      body: JSON.stringify({ message }),
      signal: AbortSignal.timeout(WAIT_MS),
    });
    const text = await response.text();
    console.log(`published ${JSON.stringify(message)}: ${response.status} ${text}`);
    if (response.status !== 200 || JSON.parse(text).receivers !== 1) {
      throw new Error(`POST answered ${response.status} ${text}, expected 200 with receivers 1`);
    }
  }

  await page.waitForFunction((count) => window.__events.filter((e) => e.type === "message").length >= count || window.__events.some((e) => e.type === "error"),
    messages.length, { timeout: WAIT_MS });
  seen = await page.evaluate(() => window.__events);
  const received = seen.filter((e) => e.type === "message").map((e) => e.data);
  const expected = messages.map((message) => ({ channel, message }));
  for (const [i, want] of expected.entries()) {
    const got = received[i] === undefined ? undefined : JSON.parse(received[i]);
    if (got?.channel !== want.channel || got?.message !== want.message || Object.keys(got).length !== 2) {
      throw new Error(`message ${i + 1}: got ${received[i]}, expected ${JSON.stringify(want)}`);
    }
  }
  if (received.length !== messages.length || seen.some((e) => e.type === "error")) {
    throw new Error(`expected exactly ${messages.length} messages and no error`);
  }
  await page.evaluate(() => window.__source.close());
} catch (error) {
  failed = true;
  console.log(`failed: ${error?.message ?? error}`);
  seen = (await page?.evaluate(() => window.__events).catch(() => null)) ?? seen;
  console.log(`events the page saw: ${JSON.stringify(seen)}`);
} finally {
  await browser.close();
}
console.log(failed ? "EventSource check failed" : `EventSource check passed: subscribe, then ${messages.length} messages in order`);
process.exitCode = failed ? 1 : 0;
