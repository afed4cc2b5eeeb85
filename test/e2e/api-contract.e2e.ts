/**
 * Schema-driven API contract test: every operation of the OpenAPI document the server serves
 * (/api/v1/openapi.json) is exercised against the real server (the production build, `next start`, its own
 * database), and every answer is checked against the document:
 *   - the status is declared for the operation (no 5xx at all), the media type is the declared one, and the
 *     body matches the declared schema (ajv; every object's fields declared: additionalProperties false);
 *   - a request the document calls invalid is never answered 2xx; one it calls valid is never refused
 *     as VALIDATION (the document must state every rule the service enforces);
 *   - a caller the operation's `security` does not list (anonymous, an API key where only a session is
 *     allowed, a worker endpoint without its token) never gets 2xx, and anonymous/no token gets 401.
 * First a scenario walks every operation once with meaningful input (a user, team, API key and model made
 * through the API; the site admin from NNLQ_ADMIN_EMAIL issues a worker token; a worker registers, claims,
 * reports), so every success response is checked; then fast-check draws valid and invalid inputs from the
 * document's JSON Schemas (test/e2e/contract/schema-arbitrary.ts) for every operation, as a key holder,
 * anonymously, and on the worker endpoints with and without a token. NNLQ_CONTRACT_RUNS sets the draws per
 * operation × caller × kind (default 4).
 */
import { randomBytes } from "node:crypto";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ValidateFunction } from "ajv";
import { Ajv2020 } from "ajv/dist/2020.js";
import { createDb } from "@/lib/db/client";
import { seed } from "@/lib/services/seed";
import { generate } from "@/lib/zoo";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import { startApp, type Proc } from "../worker/harness";
import { invalid, makeAjv, valid, type Json } from "./contract/schema-arbitrary";

const RUNS = Number(process.env.NNLQ_CONTRACT_RUNS ?? 4);
const tag = randomBytes(4).toString("hex");
const PASSWORD = "contract-pass-123";
const admin = { email: `admin-${tag}@contract.test`, password: PASSWORD, name: "Contract Admin" };
const user = { email: `user-${tag}@contract.test`, password: PASSWORD, name: "Contract User" };
const member = { email: `member-${tag}@contract.test`, password: PASSWORD, name: "Contract Member" };
/** Rules between two fields JSON Schema cannot state (the document says them in descriptions). */
const CROSS_FIELD_RULES = [
  /must not exceed (flopsMax|latencyMax)/,
  // input shapes are checked against the model (documented on the inputs parameter): names, rank, fixed dims
  /^(unknown input '|input '.*' (is given two shapes|has rank|\[.*\]: dim \d+ is fixed|at \S+ has \d+ elements))/,
];

type Caller = "anon" | "key" | "session" | "admin" | "worker" | "device";
const SCHEME: Record<Caller, string | null> = {
  anon: null,
  key: "apiKey",
  session: "session",
  admin: "session",
  worker: "workerToken",
  device: "deviceToken",
};

interface Op {
  method: string;
  path: string;
  o: Json;
  security: Json[];
  body?: Json;
  binaryBody: boolean;
  query?: Json;
  params?: Json;
}

interface Exchange {
  op: Op;
  caller: Caller;
  kind: "scenario" | "valid" | "invalid";
  url: string;
  reqBody?: string;
  status: number;
  contentType: string;
  text: string;
  json: unknown;
}

let testDb: TestDatabase;
let app: Proc & { url: string };
let doc: Json;
let ops: Op[];
const ajv = makeAjv();
const coercing = new Ajv2020({ strict: false, coerceTypes: true });
const validators = new Map<unknown, ValidateFunction>();
const auth: Partial<Record<Caller, Record<string, string>>> = { anon: {} };
const failures: string[] = [];
const seen = new Map<string, Set<number>>();
let requests = 0;
let retries = 0;

/** Every object with declared fields allows no others (responses must declare all their fields). */
function closed(s: unknown): unknown {
  if (Array.isArray(s)) return s.map(closed);
  if (!s || typeof s !== "object") return s;
  const out = Object.fromEntries(
    Object.entries(s).map(([k, v]) => [
      k,
      k === "properties" ? Object.fromEntries(Object.entries(v as Json).map(([p, x]) => [p, closed(x)])) : closed(v),
    ]),
  );
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

function validator(schema: Json): ValidateFunction {
  let v = validators.get(schema);
  if (!v) validators.set(schema, (v = ajv.compile(closed(schema) as Json)));
  return v;
}

function paramsSchema(o: Json, where: "path" | "query"): Json | undefined {
  const ps = ((o.parameters ?? []) as Json[]).filter((p) => p.in === where);
  if (!ps.length) return undefined;
  return {
    type: "object",
    properties: Object.fromEntries(ps.map((p) => [p.name, p.schema])),
    required: ps.filter((p) => p.required).map((p) => p.name),
  };
}

const asStrings = (v: unknown): Record<string, string> =>
  Object.fromEntries(
    Object.entries((v ?? {}) as Json)
      .filter(([, x]) => x !== undefined)
      .map(([k, x]) => [k, typeof x === "object" && x !== null ? JSON.stringify(x) : String(x)]),
  );
/** Does the server's (coercing) reading of these strings satisfy the parameters' schema? */
const paramsValid = (schema: Json, v: Record<string, string>) => coercing.validate(schema, structuredClone(v)) as boolean;

function declared(op: Op, status: number): Json | undefined {
  const r = op.o.responses as Record<string, Json>;
  return r[String(status)] ?? r[`${String(status)[0]}XX`] ?? r.default;
}

function describeReq(x: Pick<Exchange, "op" | "caller" | "url" | "reqBody">): string {
  const body = x.reqBody === undefined ? "" : ` body=${x.reqBody.length > 300 ? x.reqBody.slice(0, 300) + "…" : x.reqBody}`;
  return `${x.op.method.toUpperCase()} ${x.url.replace(app.url, "")} as ${x.caller}${body}`;
}

function fail(x: Exchange, why: string) {
  failures.push(`${why}: ${describeReq(x)} → ${x.status} ${x.text.slice(0, 300)}`);
}

/** Checks one answer against the document; returns it for the scenario's next steps. */
function check(x: Exchange): Exchange {
  requests++;
  const key = `${x.op.method} ${x.op.path}`;
  seen.set(key, (seen.get(key) ?? new Set()).add(x.status));
  if (x.status >= 500) return (fail(x, "5xx"), x);
  const r = declared(x.op, x.status);
  if (!r) return (fail(x, `status ${x.status} not declared`), x);
  const content = r.content as Record<string, Json> | undefined;
  if (!content) {
    if (x.text !== "") fail(x, "body on a response declared without content");
  } else {
    const type = x.contentType.split(";")[0]!.trim();
    if (!content[type]) fail(x, `content-type ${type || "(none)"} not declared (${Object.keys(content).join(", ")})`);
    else if (type === "application/json") {
      const v = validator(content[type]!.schema);
      if (!v(x.json)) fail(x, `body does not match the declared schema: ${ajv.errorsText(v.errors, { separator: "; " })}`);
    }
  }
  const allowed = x.op.security.some((s) => (SCHEME[x.caller] === null ? Object.keys(s).length === 0 : SCHEME[x.caller]! in s));
  if (!allowed && x.status < 300) fail(x, "2xx for a caller the document's security does not allow");
  // authentication comes before validation: no credentials → 401 whatever the input
  if (!allowed && x.caller === "anon" && x.status !== 401) fail(x, "anonymous call of an authenticated operation not answered 401");
  if (x.kind === "invalid" && x.status < 300) fail(x, "2xx for input the document calls invalid");
  if (x.kind === "valid" && x.status === 400 && (x.json as Json)?.error?.code === "VALIDATION") {
    const msg = String((x.json as Json).error.message);
    if (!CROSS_FIELD_RULES.some((re) => re.test(msg)))
      fail(x, "input the document calls valid refused as VALIDATION (a rule the document does not state)");
  }
  return x;
}

async function send(
  op: Op,
  caller: Caller,
  kind: Exchange["kind"],
  input: { path?: Json; query?: Record<string, string>; body?: unknown; bytes?: Uint8Array } = {},
): Promise<Exchange> {
  let p = op.path;
  for (const [k, v] of Object.entries(input.path ?? {})) p = p.replace(`{${k}}`, encodeURIComponent(String(v)));
  const url = new URL(app.url + p);
  for (const [k, v] of Object.entries(input.query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = { accept: "application/json", ...auth[caller] };
  let reqBody: string | undefined;
  let body: BodyInit | undefined;
  if (input.bytes) {
    headers["content-type"] = "application/octet-stream";
    body = input.bytes as BodyInit;
    reqBody = `<${input.bytes.byteLength} bytes>`;
  } else if (input.body !== undefined) {
    headers["content-type"] = "application/json";
    body = reqBody = JSON.stringify(input.body);
  }
  let res: Response;
  let buf: Uint8Array;
  try {
    const go = () => fetch(url, { method: op.method.toUpperCase(), headers, body, redirect: "manual" });
    // a kept-alive connection the server closed for idleness just as it was reused: sent again once
    res = await go().catch((e) => {
      if ((e as { cause?: { code?: string } }).cause?.code !== "UND_ERR_SOCKET" || !app.alive) throw e;
      retries++;
      return go();
    });
    buf = new Uint8Array(await res.arrayBuffer());
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const x = {
      op,
      caller,
      kind,
      url: url.toString(),
      reqBody,
      status: 0,
      contentType: "",
      text: `connection failed: ${cause?.code ?? ""} ${cause?.message ?? (e as Error).message}`,
      json: undefined,
    };
    failures.push(`no answer: ${describeReq(x)} → ${x.text}${app.alive ? "" : " (the server died)"}`);
    requests++;
    return x;
  }
  const contentType = res.headers.get("content-type") ?? "";
  const text =
    contentType.includes("json") || contentType.startsWith("text")
      ? new TextDecoder().decode(buf)
      : buf.byteLength
        ? `<${buf.byteLength} bytes>`
        : "";
  let json: unknown;
  try {
    json = contentType.includes("json") ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return check({ op, caller, kind, url: url.toString(), reqBody, status: res.status, contentType, text, json });
}

const opOf = (method: string, path: string): Op => {
  const op = ops.find((o) => o.method === method && o.path === path);
  if (!op) throw new Error(`the document has no ${method} ${path}`);
  return op;
};
/** A scenario step: the request, checked, and the status it must have. */
async function step(
  method: string,
  path: string,
  caller: Caller,
  status: number | number[],
  input: Parameters<typeof send>[3] = {},
): Promise<Json> {
  const x = await send(opOf(method, `/api/v1${path}`), caller, "scenario", input);
  const want = ([] as number[]).concat(status);
  if (!want.includes(x.status))
    failures.push(`scenario expected ${want.join("|")}: ${describeReq(x)} → ${x.status} ${x.text.slice(0, 300)}`);
  return (x.json ?? {}) as Json;
}

async function signIn(email: string, password: string): Promise<string> {
  const r1 = await fetch(`${app.url}/api/auth/csrf`);
  const { csrfToken } = (await r1.json()) as { csrfToken: string };
  const jar = r1.headers.getSetCookie().map((c) => c.split(";")[0]!);
  const r2 = await fetch(`${app.url}/api/auth/callback/credentials`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", cookie: jar.join("; ") },
    body: new URLSearchParams({ csrfToken, email, password, json: "true" }),
    redirect: "manual",
  });
  const session = r2.headers.getSetCookie().map((c) => c.split(";")[0]!).find((c) => c.startsWith("next-auth.session-token="));
  if (!session) throw new Error(`sign-in of ${email} failed: ${r2.status}`);
  return session;
}

/** Ids the scenario made, used as path parameters (besides drawn ones). */
const pool: Record<string, (string | number)[]> = {};

beforeAll(async () => {
  testDb = await createTestDatabase();
  const h = createDb(testDb.url, { connectionLimit: 1 });
  await seed(h.db, { demo: false });
  await h.close();
  app = await startApp({
    databaseUrl: testDb.url,
    // the site admin comes from NNLQ_ADMIN_EMAIL; anonymous limits high enough that draws are not all 429
    env: { NNLQ_ADMIN_EMAIL: admin.email, NNLQ_ANON_RPS: "10000", NNLQ_ANON_BURST: "100000" },
  });
  doc = (await (await fetch(`${app.url}/api/v1/openapi.json`)).json()) as Json;
  ops = Object.entries(doc.paths as Record<string, Json>).flatMap(([path, byMethod]) =>
    Object.entries(byMethod as Record<string, Json>).map(([method, o]) => ({
      method,
      path,
      o,
      security: o.security as Json[],
      body: o.requestBody?.content?.["application/json"]?.schema as Json | undefined,
      binaryBody: !!o.requestBody?.content?.["application/octet-stream"],
      query: paramsSchema(o, "query"),
      params: paramsSchema(o, "path"),
    })),
  );
}, 300_000);

afterAll(async () => {
  await app?.stop("SIGTERM");
  await testDb?.drop();
});

describe("the OpenAPI document against the server", () => {
  it("a scenario through every operation: each success answer matches its declared schema", async () => {
    const slugHw = `x86-contract-${tag}`;
    const slug = `${slugHw}/ort-cpu-1.30/fp32/t1`;
    // accounts: the admin (NNLQ_ADMIN_EMAIL), a user, a member
    for (const a of [admin, user, member]) await step("post", "/auth/signup", "anon", 201, { body: a });
    await step("post", "/auth/signup", "anon", 409, { body: user });
    auth.session = { cookie: await signIn(user.email, user.password) };
    auth.admin = { cookie: await signIn(admin.email, admin.password) };
    const me = await step("get", "/me", "session", 200);
    expect(me.user?.isSiteAdmin).toBe(false);

    // a team and an API key (sessions only), the key's view
    const { team } = await step("post", "/teams", "session", 201, { body: { name: `Contract ${tag}` } });
    const teamId = team.id as number;
    const { secret, key } = await step("post", `/teams/{teamId}/keys`, "session", 201, { path: { teamId }, body: { name: "contract" } });
    auth.key = { authorization: `Bearer ${secret}` };
    await step("post", "/teams", "key", 403, { body: { name: "by key" } });
    await step("post", "/teams/{teamId}/keys", "key", 403, { path: { teamId }, body: { name: "by key" } });
    await step("delete", "/teams/{teamId}/keys/{keyId}", "key", 403, { path: { teamId, keyId: key.id } });
    const spareKey = (await step("post", "/teams/{teamId}/keys", "session", 201, { path: { teamId }, body: { name: "spare" } })).key;
    await step("get", "/me", "key", 200);
    await step("get", "/teams", "key", 200);
    await step("get", "/teams/{teamId}", "key", 200, { path: { teamId } });
    await step("patch", "/teams/{teamId}", "session", 204, { path: { teamId }, body: { name: `Contract ${tag} renamed` } });
    const added = await step("post", "/teams/{teamId}/members", "session", 201, { path: { teamId }, body: { email: member.email } });
    await step("patch", "/teams/{teamId}/members/{userId}", "session", 200, {
      path: { teamId, userId: added.member.userId },
      body: { role: "admin" },
    });
    await step("get", "/teams/{teamId}/members", "key", 200, { path: { teamId } });
    await step("get", "/teams/{teamId}/keys", "key", 200, { path: { teamId } });
    await step("delete", "/teams/{teamId}/keys/{keyId}", "session", 200, { path: { teamId, keyId: spareKey.id } });

    // a model, uploaded with the key
    const bytes = generate({ family: "resnet", depths: [1, 1, 1, 1], width: 8, resolution: 32, batch: 1, seed: 7 } as never);
    const upload = await step("post", "/models", "key", 201, { bytes, query: { name: `contract-${tag}` } });
    const modelId = upload.model.id as number;
    await step("post", "/models", "anon", 200, { bytes });
    await step("get", "/models/{modelId}", "key", 200, { path: { modelId } });
    await step("get", "/teams/{teamId}/models", "key", 200, { path: { teamId } });

    // the site admin issues worker tokens; a worker registers a platform
    const issued = await step("post", "/admin/worker-tokens", "admin", 201, { body: { name: `contract-${tag}` } });
    auth.worker = { "x-worker-token": issued.secret };
    const spareToken = (await step("post", "/admin/worker-tokens", "admin", 201, { body: { name: "spare", allowNewPlatforms: false } }))
      .token;
    await step("get", "/admin/worker-tokens", "admin", 200);
    await step("delete", "/admin/worker-tokens/{tokenId}", "admin", 200, { path: { tokenId: spareToken.id } });
    await step("get", "/admin/worker-tokens", "session", 403);
    const reg = await step("post", "/worker/register", "worker", 200, {
      body: {
        hostName: `contract-host-${tag}`,
        hostInfo: { cpu: "test" },
        platforms: [{ hardware: slugHw, runtime: "ort-cpu", runtimeVersion: "1.30", precision: "fp32", threads: 1 }],
      },
    });
    const device = reg.devices?.[0];
    auth.device = { "x-device-token": device.deviceToken };
    expect(device.platform.slug).toBe(slug);
    await step("patch", "/admin/devices/{deviceId}", "admin", 200, { path: { deviceId: device.deviceId }, body: { disabled: true } });
    await step("patch", "/admin/devices/{deviceId}", "admin", 200, { path: { deviceId: device.deviceId }, body: { disabled: false } });
    await step("put", "/admin/quotas", "admin", 200, { body: { teamId, platform: slug, deviceSeconds: 100000 } });
    await step("get", "/platforms", "anon", 200);
    await step("get", "/devices", "anon", 200, { query: { platform: slug } });

    // a query → a job → claimed, measured, reported
    const q = await step("post", "/query", "key", 200, { body: { modelId, platforms: [slug] } });
    const jobId = q.results?.[0]?.jobId as number;
    expect(q.results?.[0]?.status).toBe("queued");
    await step("get", "/teams/{teamId}/quota-preview", "key", 200, {
      path: { teamId },
      query: { modelId: String(modelId), platforms: slug },
    });
    const claimed = await step("post", "/worker/claim", "device", 200, { body: { waitSeconds: 0 } });
    expect(claimed.job?.id).toBe(jobId);
    await step("get", "/worker/models/{file}", "device", 200, { path: { file: `${modelId}.onnx` } });
    await step("post", "/worker/jobs/{jobId}/heartbeat", "device", 200, { path: { jobId }, body: { progress: { phase: "measure" } } });
    await step("post", "/worker/heartbeat", "device", 200, { body: { status: "busy" } });
    const stats = { medianMs: 1.5, meanMs: 1.6, minMs: 1.2, maxMs: 2.5, p90Ms: 2, p99Ms: 2.4, stdMs: 0.2, cv: 0.1, runs: 20, warmups: 3 };
    await step("post", "/worker/jobs/{jobId}/result", "device", 200, {
      path: { jobId },
      body: { runtimeVersion: "1.30.0", stats, deviceSeconds: 2 },
    });
    await step("get", "/jobs/{jobId}", "key", 200, { path: { jobId } });
    await step("post", "/query", "key", 200, { body: { hash: upload.model.hash, platforms: [slug] } });

    // a second job cancelled, a third failed, a fourth exported to an offline device
    const job2 = (await step("post", "/query", "key", 200, { body: { modelId, platforms: [slug], remeasure: true } })).results?.[0]?.jobId;
    await step("post", "/jobs/{jobId}/cancel", "key", 200, { path: { jobId: job2 } });
    await step("post", "/jobs/{jobId}/cancel", "key", 409, { path: { jobId: job2 } });
    const job3 = (await step("post", "/query", "key", 200, { body: { modelId, platforms: [slug], remeasure: true } })).results?.[0]?.jobId;
    await step("post", "/worker/claim", "device", 200, { body: {} });
    await step("post", "/worker/jobs/{jobId}/fail", "device", 200, {
      path: { jobId: job3 },
      body: { code: "RUNTIME_ERROR", message: "contract test failure", retry: false },
    });
    await step("post", "/query", "key", 200, { body: { modelId, platforms: [slug], remeasure: true } });
    await step("post", "/worker/offline/export", "worker", 200, { body: { platform: slug, hostName: `offline-${tag}` } });
    await step("post", "/worker/offline", "device", 200);

    // reads
    await step("get", "/jobs", "key", 200, { query: { limit: "5" } });
    await step("get", "/measurements", "anon", 200, { query: { platform: slug } });
    await step("get", "/measurements", "key", 200, { query: { platform: slug, teamId: String(teamId) } });
    await step("get", "/browse", "key", 200, { query: { platform: slug, scope: "team" } });
    await step("get", "/browse", "anon", 200, {});
    await step("get", "/stats/matrix", "anon", 200, {});
    await step("get", "/leaderboards", "key", 200, { query: { platform: slug } });
    await step("get", "/models/{modelId}/overview", "key", 200, { path: { modelId } });
    await step("get", "/models/{modelId}/overview", "anon", 404, { path: { modelId } });
    await step("get", "/teams/{teamId}/usage", "key", 200, { path: { teamId } });
    // no predictor is trained in this world: 404 (declared); with one, 200 and its schema
    await step("post", "/predict", "anon", [200, 404], { body: { models: [{ modelId: 999_999_999 }, { spec: { family: "resnet" } }] } });
    await step("get", "/openapi.json", "anon", 200);
    await step("delete", "/teams/{teamId}/members/{userId}", "session", 204, { path: { teamId, userId: added.member.userId } });

    Object.assign(pool, {
      teamId: [teamId],
      userId: [added.member.userId, me.user.id],
      keyId: [spareKey.id], // not the key in use: a session may revoke it
      modelId: [modelId],
      jobId: [jobId, job2, job3],
      tokenId: [spareToken.id],
      deviceId: [device.deviceId],
      file: [`${modelId}.onnx`],
    });
    const successes = ops.filter((o) => [...(seen.get(`${o.method} ${o.path}`) ?? [])].some((s) => s < 300)).length;
    console.log(`[contract] scenario: ${requests} requests, ${successes}/${ops.length} operations answered 2xx`);
    expect(failures).toEqual([]);
    const missing = ops.filter((o) => !seen.has(`${o.method} ${o.path}`)).map((o) => `${o.method} ${o.path}`);
    expect(missing).toEqual([]);
  });

  it(`generated valid and invalid inputs (${RUNS} per operation × caller × kind): declared statuses, schemas, no 5xx`, async () => {
    expect(pool.teamId, "the scenario ran").toBeDefined();
    const before = requests;
    const t0 = Date.now();
    const jobs: (() => Promise<unknown>)[] = [];
    let seedNo = 1;
    for (const op of ops) {
      const schemes = new Set(op.security.flatMap((s) => Object.keys(s)));
      const callers: Caller[] = schemes.has("workerToken")
        ? ["anon", "worker"]
        : schemes.has("deviceToken")
          ? ["anon", "device"]
          : op.path.startsWith("/api/v1/admin")
            ? ["anon", "key", "admin"]
            : schemes.has("apiKey") || op.security.some((s) => !Object.keys(s).length)
              ? ["anon", "key"]
              : ["anon", "key", "session"];
      const pathArb = (s: Json) =>
        fc.record(
          Object.fromEntries(
            Object.entries(s.properties as Record<string, Json>).map(([k, ps]) => [
              k,
              pool[k] ? fc.oneof(fc.constantFrom(...pool[k]!), valid(ps)) : valid(ps),
            ]),
          ),
        );
      for (const caller of callers) {
        for (const kind of ["valid", "invalid"] as const) {
          // which part is broken for an invalid draw: the body, else the query, else the path
          const breaking =
            kind === "valid" ? null : op.body ? "body" : op.binaryBody ? "bytes" : op.query ? "query" : op.params ? "path" : null;
          if (kind === "invalid" && !breaking) continue;
          const qValid = op.query
            ? valid(op.query)
                .map(asStrings)
                .filter((v) => paramsValid(op.query!, v))
            : fc.constant(undefined);
          const qInvalid = op.query
            ? invalid(op.query, (v) => paramsValid(op.query!, asStrings(v))).map(asStrings)
            : fc.constant(undefined);
          const pValid = op.params ? pathArb(op.params).map(asStrings) : fc.constant(undefined);
          const pInvalid = op.params
            ? invalid(op.params, (v) => paramsValid(op.params!, asStrings(v)))
                .map(asStrings)
                .filter((v) => Object.values(v).every((x) => x !== "" && x !== "." && x !== ".."))
            : fc.constant(undefined);
          const bodyValid = op.body ? valid(op.body) : fc.constant(undefined);
          const bodyInvalid = op.body ? invalid(op.body, (v) => validator(op.body!)(v) as boolean) : fc.constant(undefined);
          const bytes = op.binaryBody
            ? breaking === "bytes"
              ? fc.constant(new Uint8Array(0))
              : fc.uint8Array({ minLength: 1, maxLength: 64 })
            : fc.constant(undefined);
          const arb = fc.record({
            path: breaking === "path" ? pInvalid : pValid,
            query: breaking === "query" ? qInvalid : qValid,
            body: breaking === "body" ? bodyInvalid : bodyValid,
            bytes,
          });
          for (const input of fc.sample(arb, { numRuns: RUNS, seed: seedNo++ })) {
            jobs.push(() => send(op, caller, kind, { path: input.path, query: input.query, body: input.body, bytes: input.bytes }));
          }
        }
      }
    }
    // a few at a time, in a stable order
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (next < jobs.length) await jobs[next++]!();
      }),
    );
    const s = (Date.now() - t0) / 1000;
    const fivexx = failures.filter((f) => f.startsWith("5xx")).length;
    console.log(
      `[contract] generated: ${requests - before} requests over ${ops.length} operations in ${s.toFixed(1)} s; ` +
        `${fivexx} × 5xx; ${failures.length} mismatches; ${retries} re-sent after a closed keep-alive connection`,
    );
    for (const f of failures.slice(0, 60)) console.log(`[contract] ${f}`);
    if (failures.length) console.log(`[contract] server's last lines:\n${app.lines.slice(-40).join("\n")}`);
    expect(failures).toEqual([]);
  });
});
