// Runs the real @upstash/ratelimit limiters against a Lodestone command endpoint, under concurrency.
// Usage: node ratelimit.mjs <url ending in /commands> <write token>
// Every algorithm is an EVALSHA with an EVAL fallback: the first call of each finds no script.
// Exits 0 when every check passes; otherwise prints the failed check and exits 1.
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";
import { Ratelimit } from "@upstash/ratelimit";

const [url, token] = process.argv.slice(2);
const redis = new Redis({ url, token, retry: false, enableTelemetry: false });
const prefix = `ratelimit:${process.pid}:${Date.now()}`;
const limit = 10;
const callers = 50;

const limiter = (name, algorithm) =>
  new Ratelimit({ redis, limiter: algorithm, prefix: `${prefix}:${name}`, analytics: false, ephemeralCache: false });

// All callers at once; how many were let through. A fixed window that rolls over during the burst
// would admit a second window's worth, so the burst is repeated (with a fresh identifier) if it did.
async function burst(rl, windowMs) {
  for (let attempt = 0; attempt < 3; attempt++) {
    const window = Math.floor(Date.now() / windowMs);
    const id = `user-${attempt}`;
    const results = await Promise.all(Array.from({ length: callers }, () => rl.limit(id)));
    if (Math.floor(Date.now() / windowMs) !== window) continue;
    for (const r of results) assert.equal(r.limit, limit);
    const after = await rl.limit(id);
    assert.equal(after.success, false, "a call after the burst is refused");
    return results.filter((r) => r.success).length;
  }
  throw new Error("the window rolled over three bursts in a row");
}

const hourMs = 3600 * 1000;
const checks = [
  ["fixed window admits exactly its limit", async () => {
    assert.equal(await burst(limiter("fixed", Ratelimit.fixedWindow(limit, "1 h")), hourMs), limit);
  }],
  ["token bucket admits exactly its bucket", async () => {
    assert.equal(await burst(limiter("bucket", Ratelimit.tokenBucket(1, "1 h", limit)), hourMs), limit);
  }],
  ["sliding window admits at most its limit, and in a fresh window all of it", async () => {
    // Documented bound: the current window's count plus the previous window's, weighted by how much
    // of it still overlaps, never exceeds the limit. With no previous window that is the limit itself.
    const admitted = await burst(limiter("sliding", Ratelimit.slidingWindow(limit, "1 h")), hourMs);
    assert.ok(admitted <= limit, `admitted ${admitted}`);
    assert.equal(admitted, limit);
  }],
  ["remaining counts down and reset lies in the future", async () => {
    const rl = limiter("remaining", Ratelimit.fixedWindow(3, "1 h"));
    const first = await rl.limit("r");
    assert.equal(first.remaining, 2);
    assert.ok(first.reset > Date.now());
    const second = await rl.limit("r");
    assert.equal(second.remaining, 1);
  }],
];

let passed = 0;
for (const [name, fn] of checks) {
  try {
    await fn();
    passed++;
  } catch (error) {
    console.error(`FAILED: ${name}\n${error?.stack ?? error}`);
    process.exit(1);
  }
}
console.log(`${passed}/${checks.length} checks passed`);
