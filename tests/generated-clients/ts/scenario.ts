// The TypeScript scenario: Lodestone driven through openapi-fetch, typed by the types openapi-typescript
// generated from the service's own OpenAPI document (lodestone.ts beside this file), with no hand edits.
// Usage: node dist/scenario.js <base url> <API key>
// Prints one line per step and exits 0 only when every step passed.
import createClient from "openapi-fetch";
import type { operations, paths } from "./lodestone.js";

const [baseUrl, apiKey] = process.argv.slice(2);
if (!baseUrl || !apiKey) {
  console.error("Usage: node dist/scenario.js <base url> <API key>");
  process.exit(2);
}

const client = createClient<paths, "application/json" | "application/problem+json">({ baseUrl: baseUrl.replace(/\/$/, ""), headers: { Authorization: `Bearer ${apiKey}` } });
const prefix = `generated-ts:${crypto.randomUUID()}:`;
let passed = 0;
let failed = 0;

class ScenarioFailure extends Error {}

function expect(condition: boolean, what: string): asserts condition {
  if (!condition) throw new ScenarioFailure(what);
}

/** The header names the document declares for one response of an operation (the index signature left out). */
type DeclaredHeaders<R> = R extends { headers: infer H }
  ? keyof { [K in keyof H as string extends K ? never : K]: H[K] } & string
  : never;

/**
 * A response header, named as the document declares it for that operation and status: an undeclared
 * header, or an operation the document does not name, does not compile.
 */
function header<O extends keyof operations, S extends keyof operations[O]["responses"]>(
  response: Response, _operation: O, _status: S, name: DeclaredHeaders<operations[O]["responses"][S]>): string {
  const value = response.headers.get(name);
  if (value === null) throw new ScenarioFailure(`no ${name} header in the ${response.status} response`);
  return value;
}

/**
 * A score is a number, or "inf" / "-inf" (JSON has no infinities); an untyped score does not compile.
 * It is optional because lex ranges return members without scores.
 */
function scoreText(score: number | "inf" | "+inf" | "-inf" | undefined): string {
  return score === undefined ? "none" : String(score);
}

async function step(name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
    passed++;
    console.log(`ok   ${name}`);
  } catch (failure) {
    failed++;
    console.log(`FAIL ${name}: ${failure instanceof ScenarioFailure ? failure.message : (failure as Error)?.stack ?? failure}`);
  }
}

await step("strings: put and get with If-None-Match and If-Match", async () => {
  const path = { key: prefix + "greeting" };
  const created = await client.PUT("/strings/{key}", { params: { path }, body: { value: "hello" }, headers: { "If-None-Match": "*" } });
  expect(created.response.status === 201 && created.data?.value === "hello", `PUT If-None-Match: * is 201 with 'hello', got ${created.response.status}`);
  const etag = header(created.response, "setString", 201, "ETag");

  const again = await client.PUT("/strings/{key}", { params: { path }, body: { value: "again" }, headers: { "If-None-Match": "*" } });
  expect(again.response.status === 412 && again.error?.code === "PRECONDITION", `a second If-None-Match: * is 412 PRECONDITION, got ${again.response.status} ${again.error?.code}`);

  const got = await client.GET("/strings/{key}", { params: { path } });
  expect(got.data?.value === "hello" && header(got.response, "getString", 200, "ETag") === etag, "GET returns the value and the ETag of the PUT");

  const cached = await client.GET("/strings/{key}", { params: { path }, headers: { "If-None-Match": etag } });
  expect(cached.response.status === 304 && cached.data === undefined, `GET If-None-Match: <current ETag> is 304, got ${cached.response.status}`);

  const replaced = await client.PUT("/strings/{key}", { params: { path }, body: { value: "world" }, headers: { "If-Match": etag } });
  expect(replaced.response.status === 200 && replaced.data?.value === "world", `PUT If-Match: <current ETag> is 200, got ${replaced.response.status}`);
  expect(header(replaced.response, "setString", 200, "ETag") !== etag, "the replacement changed the ETag");

  const stale = await client.PUT("/strings/{key}", { params: { path }, body: { value: "lost update" }, headers: { "If-Match": etag } });
  expect(stale.response.status === 412 && stale.error?.code === "PRECONDITION", `PUT If-Match: <stale ETag> is 412 PRECONDITION, got ${stale.response.status} ${stale.error?.code}`);
  expect((await client.GET("/strings/{key}", { params: { path } })).data?.value === "world", "the stale PUT changed nothing");

  const deleted = await client.DELETE("/strings/{key}", { params: { path } });
  expect(deleted.response.status === 204, `DELETE is 204, got ${deleted.response.status}`);
  const gone = await client.GET("/strings/{key}", { params: { path } });
  expect(gone.response.status === 404 && gone.error?.status === 404, `GET after DELETE is 404, got ${gone.response.status}`);
});

await step("lists: push right, pop left", async () => {
  const path = { key: prefix + "queue" };
  const pushed = await client.POST("/lists/{key}/right", { params: { path }, body: { items: ["first", "second", "third"] } });
  expect(pushed.data?.length === 3, `RPUSH of 3 items: length 3, got ${pushed.data?.length}`);
  const one = await client.POST("/lists/{key}/left/pop", { params: { path } });
  expect(JSON.stringify(one.data?.items) === '["first"]', `LPOP: [first], got ${JSON.stringify(one.data?.items)}`);
  const two = await client.POST("/lists/{key}/left/pop", { params: { path, query: { count: 2 } } });
  expect(JSON.stringify(two.data?.items) === '["second","third"]', `LPOP count=2: [second, third], got ${JSON.stringify(two.data?.items)}`);
});

await step("hashes: an object round trip", async () => {
  const path = { key: prefix + "user:1" };
  const profile: Record<string, string> = { name: "Ada Lovelace", lang: "en", born: "1815" };
  const set = await client.PUT("/hashes/{key}", { params: { path }, body: { fields: profile } });
  expect(set.response.ok, `HMSET is a success, got ${set.response.status}`);
  const hash = await client.GET("/hashes/{key}", { params: { path } });
  const fields = hash.data?.fields ?? {};
  const sorted = (o: Record<string, string>) => JSON.stringify(Object.entries(o).sort());
  expect(sorted(fields) === sorted(profile), `HGETALL returns the object as written, got ${JSON.stringify(fields)}`);
});

await step("zsets: a leaderboard range with inf bounds, paged", async () => {
  const path = { key: prefix + "leaderboard" };
  const added = await client.POST("/zsets/{key}/members", {
    params: { path },
    body: {
      members: [
        { member: "ann", score: 120 },
        { member: "bob", score: 75.5 },
        { member: "cy", score: 98 },
        { member: "disqualified", score: "-inf" },
      ],
    },
  });
  // ZADD answers a count, or with INCR a member's score: the type says which came.
  const count = added.data && "count" in added.data ? added.data.count : undefined;
  expect(count === 4, `ZADD of 4 new members: count 4, got ${added.response.status} ${JSON.stringify(added.data)}`);
  const range = { by: "score", min: "-inf", max: "+inf", reverse: true, limit: 3 } as const;
  const top = await client.GET("/zsets/{key}/members", { params: { path, query: range } });
  const board = (top.data?.members ?? []).map((m) => `${m.member}=${scoreText(m.score)}`).join(", ");
  expect(board === "ann=120, cy=98, bob=75.5", `the top 3 from +inf down: ann=120, cy=98, bob=75.5, got ${board}`);
  expect(typeof top.data?.next === "string", "the page says there is more");

  const rest = await client.GET("/zsets/{key}/members", { params: { path, query: { ...range, page: top.data?.next ?? undefined } } });
  const last = (rest.data?.members ?? []).map((m) => `${m.member}=${scoreText(m.score)}`).join(", ");
  expect(last === "disqualified=-inf" && rest.data?.next === null, `the next page: disqualified=-inf and no more, got ${last}`);
});

await step("locks: acquire, extend and release, with fencing tokens", async () => {
  const path = { name: prefix + "nightly-report" };
  const grant = (await client.POST("/locks/{name}", { params: { path }, body: { ttlMs: 30_000 } })).data;
  expect(grant !== undefined && grant.fencingToken > 0 && grant.owner.length > 0 && grant.ttlMs === 30_000,
    "acquire grants the lock with a fencing token and an owner token");

  const busy = await client.POST("/locks/{name}", { params: { path }, body: { ttlMs: 30_000, owner: "someone-else" } });
  expect(busy.response.status === 409 && !!busy.error?.code,
    `a second owner is refused with 409 and a code, got ${busy.response.status}`);

  const extended = (await client.PATCH("/locks/{name}", { params: { path }, body: { owner: grant.owner, ttlMs: 60_000 } })).data;
  expect(extended?.fencingToken === grant.fencingToken && extended.ttlMs === 60_000, "extend renews the lease and keeps the fencing token");

  const released = await client.DELETE("/locks/{name}", { params: { path, query: { owner: grant.owner } } });
  expect(released.response.status === 204, `release is 204, got ${released.response.status}`);
  const next = (await client.POST("/locks/{name}", { params: { path }, body: { ttlMs: 30_000, owner: "someone-else" } })).data;
  expect(next !== undefined && next.fencingToken > grant.fencingToken,
    `after release the next grant's fencing token is greater: ${next?.fencingToken} > ${grant.fencingToken}`);
  await client.DELETE("/locks/{name}", { params: { path, query: { owner: "someone-else" } } });
});

await step("ratelimits: throttle until 429, headers read from the typed client", async () => {
  const path = { key: prefix + "api-calls" };
  const body = { maxBurst: 2, count: 1, periodMs: 60_000 };
  const admitted: number[] = [];
  for (let attempt = 0; attempt < 10; attempt++) {
    const { data, error, response } = await client.POST("/ratelimits/{key}", { params: { path }, body });
    if (response.status === 429) {
      expect(!!error && "limited" in error && error.limited && error.retryAfterMs > 0, "the 429 carries the decision: limited, with a retry time");
      const retryAfter = Number(header(response, "throttle", 429, "Retry-After"));
      expect(retryAfter * 1000 >= error.retryAfterMs, `Retry-After (${retryAfter} s) is not before retryAfterMs (${error.retryAfterMs})`);
      const policy = header(response, "throttle", 429, "RateLimit-Policy");
      expect(policy === '"default";q=3;w=180', `RateLimit-Policy names the limit of 3, got ${policy}`);
      expect(header(response, "throttle", 429, "RateLimit").startsWith('"default";r=0;'), "RateLimit says nothing remains");
      expect(JSON.stringify(admitted) === "[2,1,0]", `3 requests admitted (burst of 3), remaining 2, 1, 0; got ${JSON.stringify(admitted)}`);
      return;
    }
    expect(data?.limited === false, `an admitted request is 200 and not limited, got ${response.status}`);
    expect(header(response, "throttle", 200, "RateLimit").includes(`r=${data.remaining}`), "an admitted request's RateLimit header says what remains");
    admitted.push(data.remaining);
  }
  throw new ScenarioFailure(`no 429 after 10 requests (admitted: ${JSON.stringify(admitted)})`);
});

await step("errors: the problem's code, read from the typed problem", async () => {
  const path = { key: prefix + "not-a-string" };
  await client.POST("/lists/{key}/right", { params: { path }, body: { items: ["x"] } });
  const { error, response } = await client.GET("/strings/{key}", { params: { path } });
  expect(response.status === 409 && error?.status === 409, `GET of a list as a string is 409, got ${response.status}`);
  expect(error.code === "WRONGTYPE", `the problem carries Redis's error code WRONGTYPE, got '${error.code}'`);
});

console.log(`TypeScript scenario: ${passed}/${passed + failed} steps passed`);
process.exitCode = failed === 0 ? 0 : 1;
