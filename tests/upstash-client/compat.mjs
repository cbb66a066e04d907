// Runs the real @upstash/redis client against a Lodestone command endpoint and checks every reply.
// Usage: node compat.mjs <url ending in /commands> <write token> <read-only token>
// Exits 0 when every check passes; otherwise prints the failed check and exits 1.
import assert from "node:assert/strict";
import { Redis } from "@upstash/redis";

const [url, writeToken, readToken] = process.argv.slice(2);
const options = { url, retry: false, enableTelemetry: false };
const redis = new Redis({ ...options, token: writeToken });
const prefix = `compat:${process.pid}:${Date.now()}:`;
const key = (name) => prefix + name;

const checks = [];
const check = (name, fn) => checks.push([name, fn]);

check("set and get a string (base64 replies decoded)", async () => {
  assert.equal(await redis.set(key("s"), "hello"), "OK");
  assert.equal(await redis.get(key("s")), "hello");
});

check("unicode survives the base64 round trip", async () => {
  await redis.set(key("u"), "héllo 日本 🎉");
  assert.equal(await redis.get(key("u")), "héllo 日本 🎉");
});

check("objects are stored as JSON and read back", async () => {
  await redis.set(key("o"), { a: 1, b: ["x"] });
  assert.deepEqual(await redis.get(key("o")), { a: 1, b: ["x"] });
});

check("a missing key is null", async () => {
  assert.equal(await redis.get(key("missing")), null);
});

check("incr, incrby, decr", async () => {
  assert.equal(await redis.incr(key("n")), 1);
  assert.equal(await redis.incrby(key("n"), 5), 6);
  assert.equal(await redis.decr(key("n")), 5);
  assert.equal(await redis.incrbyfloat(key("f"), 1.5), 1.5);
});

check("expire and ttl", async () => {
  await redis.set(key("e"), "v");
  assert.equal(await redis.ttl(key("e")), -1);
  assert.equal(await redis.expire(key("e"), 100), 1);
  const ttl = await redis.ttl(key("e"));
  assert.ok(ttl > 0 && ttl <= 100, `ttl ${ttl}`);
  assert.equal(await redis.persist(key("e")), 1);
  assert.equal(await redis.ttl(key("e")), -1);
});

check("set with ex and nx options", async () => {
  assert.equal(await redis.set(key("x"), "v", { ex: 50 }), "OK");
  const pttl = await redis.pttl(key("x"));
  assert.ok(pttl > 0 && pttl <= 50000, `pttl ${pttl}`);
  assert.equal(await redis.set(key("x"), "w", { nx: true }), null);
  assert.equal(await redis.get(key("x")), "v");
});

check("mset and mget, with null for a missing key", async () => {
  assert.equal(await redis.mset({ [key("m1")]: "one", [key("m2")]: "two" }), "OK");
  assert.deepEqual(await redis.mget(key("m1"), key("missing"), key("m2")), ["one", null, "two"]);
});

check("keys: exists, type, rename, del", async () => {
  await redis.set(key("k"), "v");
  assert.equal(await redis.exists(key("k"), key("missing")), 1);
  assert.equal(await redis.type(key("k")), "string");
  assert.equal(await redis.rename(key("k"), key("k2")), "OK");
  assert.equal(await redis.del(key("k2"), key("missing")), 1);
});

check("strings: append, strlen, getrange, getdel", async () => {
  assert.equal(await redis.append(key("a"), "Hello"), 5);
  assert.equal(await redis.append(key("a"), " World"), 11);
  assert.equal(await redis.strlen(key("a")), 11);
  assert.equal(await redis.getrange(key("a"), 0, 4), "Hello");
  assert.equal(await redis.getdel(key("a")), "Hello World");
  assert.equal(await redis.exists(key("a")), 0);
});

check("scan finds the keys", async () => {
  await redis.set(key("scan:1"), "v");
  let cursor = "0";
  const found = [];
  do {
    const [next, keys] = await redis.scan(cursor, { match: key("scan:*"), count: 1000 });
    found.push(...keys);
    cursor = String(next);
  } while (cursor !== "0");
  assert.deepEqual(found, [key("scan:1")]);
});

check("pipeline runs in order and returns every result", async () => {
  const p = redis.pipeline();
  p.set(key("p"), "1");
  p.incr(key("p"));
  p.get(key("p"));
  p.mget(key("p"), key("missing"));
  assert.deepEqual(await p.exec(), ["OK", 2, 2, [2, null]]);
});

check("a failing command inside a pipeline is reported", async () => {
  await redis.set(key("notnum"), "abc");
  const p = redis.pipeline();
  p.set(key("q"), "1");
  p.incr(key("notnum"));
  await assert.rejects(p.exec(), /ERR value is not an integer or out of range/);
  assert.equal(await redis.get(key("q")), 1);
});

check("multi-exec runs as a transaction", async () => {
  const tx = redis.multi();
  tx.set(key("t"), "10");
  tx.incrby(key("t"), 5);
  tx.get(key("t"));
  assert.deepEqual(await tx.exec(), ["OK", 15, 15]);
});

check("bitmaps: setbit, getbit, bitcount, bitpos, bitop and bitfield", async () => {
  assert.equal(await redis.setbit(key("b1"), 7, 1), 0);
  assert.equal(await redis.setbit(key("b1"), 7, 1), 1);
  assert.equal(await redis.getbit(key("b1"), 7), 1);
  assert.equal(await redis.getbit(key("b1"), 100), 0);
  await redis.setbit(key("b2"), 6, 1);
  assert.equal(await redis.bitcount(key("b1")), 1);
  assert.equal(await redis.bitpos(key("b1"), 1), 7);
  assert.equal(await redis.bitop("or", key("b3"), key("b1"), key("b2")), 1);
  assert.equal(await redis.bitcount(key("b3")), 2);
  // The client's chained bitfield builder does not survive its auto-pipelining proxy: a plain client runs it.
  const plain = new Redis({ ...options, token: writeToken, enableAutoPipelining: false });
  assert.deepEqual(await plain.bitfield(key("bf")).set("u8", 0, 255).incrby("u8", 0, 10).overflow("SAT").incrby("i8", 8, 200).get("u8", 0).exec(), [0, 9, 127, 9]);
});

check("HyperLogLogs: pfadd, pfcount over one and many keys, pfmerge", async () => {
  assert.equal(await redis.pfadd(key("h1"), "a", "b", "c"), 1);
  assert.equal(await redis.pfadd(key("h1"), "a"), 0);
  await redis.pfadd(key("h2"), "c", "d");
  assert.equal(await redis.pfcount(key("h1")), 3);
  assert.equal(await redis.pfcount(key("h1"), key("h2")), 4);
  assert.equal(await redis.pfmerge(key("h3"), key("h1"), key("h2")), "OK");
  assert.equal(await redis.pfcount(key("h3")), 4);
});

check("geo: geoadd, geopos, geodist, geohash, geosearch and geosearchstore with Redis's digits", async () => {
  const places = key("geo");
  assert.equal(await redis.geoadd(places,
    { longitude: 13.361389, latitude: 38.115556, member: "Palermo" },
    { longitude: 15.087269, latitude: 37.502669, member: "Catania" }), 2);
  assert.deepEqual(await redis.geopos(places, "Palermo"), [{ lng: 13.36138933897018433, lat: 38.11555639549629859 }]);
  assert.equal(await redis.geodist(places, "Palermo", "Catania", "KM"), 166.2742);
  assert.deepEqual(await redis.geohash(places, "Palermo", "Catania"), ["sqc8b49rny0", "sqdtr74hyu0"]);
  const found = await redis.geosearch(places, { type: "FROMLONLAT", coordinate: { lon: 15, lat: 37 } },
    { type: "BYRADIUS", radius: 200, radiusType: "KM" }, "ASC", { withDist: true, withCoord: true });
  assert.deepEqual(found.map((place) => [place.member, place.dist]), [["Catania", 56.4413], ["Palermo", 190.4424]]);
  assert.deepEqual(found[0].coord, { long: 15.08726745843887329, lat: 37.50266842333162032 });
  const boxed = await redis.geosearch(places, { type: "FROMMEMBER", member: "Palermo" },
    { type: "BYBOX", rect: { width: 400, height: 400 }, rectType: "KM" }, "DESC", { count: { limit: 1 } });
  assert.deepEqual(boxed.map((place) => place.member), ["Catania"]);
  assert.equal(await redis.geosearchstore(key("near"), places, { type: "FROMLONLAT", coordinate: { lon: 15, lat: 37 } },
    { type: "BYRADIUS", radius: 100, radiusType: "KM" }, "ASC", { storeDist: true }), 1);
  assert.deepEqual(await redis.zrange(key("near"), 0, -1), ["Catania"]);
});

check("hash-field TTLs: hsetex, httl, hexpire, hpersist, hgetex, hgetdel", async () => {
  const session = key("session");
  assert.equal(await redis.hsetex(session, { expiration: { ex: 100 } }, { token: "abc", user: "ada" }), 1);
  assert.deepEqual(await redis.httl(session, ["token", "user", "nope"]), [100, 100, -2]);
  assert.deepEqual(await redis.hexpire(session, "token", 50, "LT"), [1]);
  assert.deepEqual(await redis.httl(session, "token"), [50]);
  assert.deepEqual(await redis.hpersist(session, "user"), [1]);
  assert.deepEqual(await redis.hgetex(session, { px: 20000 }, "user"), { user: "ada" });
  assert.deepEqual(await redis.hpttl(session, "user"), [20000]);
  assert.deepEqual(await redis.hgetdel(session, "token"), { token: "abc" });
  assert.equal(await redis.hlen(session), 1);
});

check("subscribe and psubscribe receive what is published", async () => {
  const channel = key("chat");
  const subscriber = redis.subscribe([channel]);
  // The client JSON-parses pmessage payloads without a fallback (a plain string would be dropped as an
  // error), so the pattern subscriber takes them raw.
  const raw = new Redis({ ...options, token: writeToken, automaticDeserialization: false });
  const patterns = raw.psubscribe([key("ch*")]);
  const received = [];
  const matched = [];
  const subscribed = new Promise((resolve) => subscriber.on("subscribe", resolve));
  const psubscribed = new Promise((resolve) => patterns.on("psubscribe", resolve));
  subscriber.on("message", ({ channel: from, message }) => received.push([from, message]));
  patterns.on("pmessage", ({ pattern, channel: from, message }) => matched.push([pattern, from, message]));
  const timeout = (ms) => new Promise((_, reject) => setTimeout(() => reject(new Error("timed out")), ms));
  await Promise.race([Promise.all([subscribed, psubscribed]), timeout(5000)]);
  assert.equal(await redis.publish(channel, "hello"), 2);
  assert.equal(await redis.publish(channel, { n: 1 }), 2);
  const deadline = Date.now() + 5000;
  while ((received.length < 2 || matched.length < 2) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  await subscriber.unsubscribe();
  await patterns.unsubscribe();
  assert.deepEqual(received, [[channel, "hello"], [channel, { n: 1 }]]);
  assert.deepEqual(matched, [[key("ch*"), channel, "hello"], [key("ch*"), channel, '{"n":1}']]);
});

check("streams: xadd, xrange, xgroup, xreadgroup, xack, xpending", async () => {
  const first = await redis.xadd(key("orders"), "*", { type: "placed", order: 1001 });
  assert.match(first, /^\d+-\d+$/);
  const second = await redis.xadd(key("orders"), "*", { type: "cancelled", order: 1001 });
  const range = await redis.xrange(key("orders"), "-", "+");
  assert.deepEqual(range, { [first]: { type: "placed", order: 1001 }, [second]: { type: "cancelled", order: 1001 } });
  assert.equal(await redis.xlen(key("orders")), 2);

  assert.equal(await redis.xgroup(key("orders"), { type: "CREATE", group: "billing", id: "0" }), "OK");
  const read = await redis.xreadgroup("billing", "billing-1", key("orders"), ">", { count: 1 });
  // The client parses values that are JSON, as it does everywhere: the order number comes back a number.
  assert.deepEqual(read, [[key("orders"), [[first, ["type", "placed", "order", 1001]]]]]);
  const pending = await redis.xpending(key("orders"), "billing", "-", "+", 10);
  assert.equal(pending.length, 1);
  assert.equal(pending[0][0], first);
  assert.equal(pending[0][1], "billing-1");
  assert.equal(await redis.xack(key("orders"), "billing", first), 1);
  assert.deepEqual(await redis.xpending(key("orders"), "billing", "-", "+", 10), []);
});

check("scripts: createScript, eval, evalsha and script load", async () => {
  const script = redis.createScript("return {KEYS[1], ARGV[1], redis.call('INCR', KEYS[1])}");
  assert.deepEqual(await script.exec([key("script")], ["a"]), [key("script"), "a", 1]);
  assert.deepEqual(await script.exec([key("script")], ["b"]), [key("script"), "b", 2]);
  const sha = await redis.scriptLoad("return ARGV[1]");
  assert.equal(await redis.evalsha(sha, [], ["hello"]), "hello");
  assert.equal(await redis.eval("return tonumber(ARGV[1]) * 2", [], ["21"]), 42);
  assert.deepEqual(await redis.scriptExists(sha, "0000000000000000000000000000000000000000"), [1, 0]);
  await assert.rejects(redis.evalsha("0000000000000000000000000000000000000000", [], []), /NOSCRIPT No matching script/);
});

check("errors carry Redis's text", async () => {
  await redis.set(key("word"), "abc");
  await assert.rejects(redis.incr(key("word")), /ERR value is not an integer or out of range/);
});

check("a wrong token is refused with WRONGPASS", async () => {
  const stranger = new Redis({ ...options, token: "not-a-key" });
  await assert.rejects(stranger.get(key("s")), /WRONGPASS invalid auth token/);
});

check("a read-only token reads but may not write", async () => {
  const reader = new Redis({ ...options, token: readToken });
  assert.equal(await reader.get(key("s")), "hello");
  await assert.rejects(reader.set(key("s"), "changed"), /NOPERM/);
  assert.equal(await redis.get(key("s")), "hello");
});

let failed = 0;
for (const [name, fn] of checks) {
  try {
    await fn();
    console.log(`ok   ${name}`);
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}: ${error?.stack ?? error}`);
  }
}
console.log(`${checks.length - failed}/${checks.length} checks passed`);
process.exit(failed === 0 ? 0 : 1);
