/**
 * The query API through its real route handlers (API keys, session cookies, anonymous): upload with
 * server-side stripping and dedupe, possession grants, bad input → 4xx with a message, tenant isolation
 * of models / jobs / measurements, keyset pagination, platforms and devices, worker registration and
 * worker tokens, and the anonymous rate limit.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generate } from "@/lib/zoo";
import { analyze } from "@/lib/onnx";
import * as modelsRoute from "@/app/api/v1/models/route";
import * as modelRoute from "@/app/api/v1/models/[modelId]/route";
import * as queryRoute from "@/app/api/v1/query/route";
import * as jobsRoute from "@/app/api/v1/jobs/route";
import * as jobRoute from "@/app/api/v1/jobs/[jobId]/route";
import * as cancelRoute from "@/app/api/v1/jobs/[jobId]/cancel/route";
import * as platformsRoute from "@/app/api/v1/platforms/route";
import * as devicesRoute from "@/app/api/v1/devices/route";
import * as measurementsRoute from "@/app/api/v1/measurements/route";
import * as registerRoute from "@/app/api/v1/worker/register/route";
import * as claimRoute from "@/app/api/v1/worker/claim/route";
import * as tokensRoute from "@/app/api/v1/admin/worker-tokens/route";
import * as tokenRoute from "@/app/api/v1/admin/worker-tokens/[tokenId]/route";
import { recordMeasurement } from "@/lib/db/measurements";
import { resetRateLimits } from "@/lib/api/rate-limit";
import { sessionCookie } from "../setup/fixtures";
import { call, db, makeSiteAdmin } from "../setup/fixtures";
import { giveQuota, makeModelRow, makeTeam, registerHosts, seedOnce, testPlatform, type Registered, type TeamCtx } from "./world";

let admin: Awaited<ReturnType<typeof makeSiteAdmin>>;
let A: TeamCtx, B: TeamCtx, C: TeamCtx;
let reg: Registered;

beforeAll(async () => {
  await seedOnce();
  admin = await makeSiteAdmin();
  [A, B, C] = [await makeTeam("a"), await makeTeam("b"), await makeTeam("c")];
  reg = await registerHosts("api", 1);
  for (const t of [A, B, C]) await giveQuota(t.teamId, reg.platformId, 1000);
});
beforeEach(() => resetRateLimits());

/** POST /api/v1/models with binary bytes. */
async function upload(
  bytes: Uint8Array | string,
  o: { key?: string; as?: { id: number }; query?: string; type?: string; headers?: Record<string, string> } = {},
) {
  const headers: Record<string, string> = { "content-type": o.type ?? "application/octet-stream", ...o.headers };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  if (o.as) headers.cookie = await sessionCookie(o.as);
  const req = new Request(`http://localhost/api/v1/models${o.query ?? ""}`, { method: "POST", headers, body: bytes as BodyInit });
  const res = await modelsRoute.POST(req, { params: Promise.resolve({}) });
  return { status: res.status, body: await res.json() };
}

const RESNET = { family: "resnet", depths: [1, 1, 2, 1], resolution: 64 } as const; // structures unique to this file (the run shares one database)

describe("upload", () => {
  it("strips a full ONNX server-side, stores structure only, dedupes by structure hash", async () => {
    const full = generate(RESNET, { weights: true });
    const structure = generate(RESNET);
    const r = await upload(full, { key: A.key, query: "?name=tiny-resnet" });
    expect(r.status).toBe(201);
    expect(r.body).toMatchObject({ created: true, stored: true, stripped: true, receivedBytes: full.byteLength });
    expect(r.body.structureBytes).toBeLessThan(full.byteLength / 10);
    expect(r.body.model).toMatchObject({
      name: "tiny-resnet",
      family: "resnet",
      visibility: "private",
      ownedByCaller: true,
      source: "api",
    });
    expect(r.body.model.hash).toBe(analyze(structure).hash);
    expect(r.body.analysis.flops).toBeGreaterThan(0);

    const again = await upload(structure, { as: A.user });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ created: false, stored: true, stripped: false, model: { id: r.body.model.id } });
  });

  it("multipart/form-data with field 'file' (name from the file name)", async () => {
    const form = new FormData();
    form.append("file", new Blob([generate({ ...RESNET, resolution: 96 }) as BlobPart]), "net96.onnx");
    const req = new Request("http://localhost/api/v1/models?visibility=public", {
      method: "POST",
      headers: { authorization: `Bearer ${A.key}` },
      body: form,
    });
    const res = await modelsRoute.POST(req, { params: Promise.resolve({}) });
    const body = await res.json();
    expect(res.status).toBe(201);
    expect(body.model).toMatchObject({ name: "net96", visibility: "public" });
  });

  it("anonymous uploads are lookups: analysed, never stored; a private structure is not revealed", async () => {
    const priv = generate({ ...RESNET, resolution: 128 });
    await upload(priv, { key: A.key });
    const anon = await upload(priv);
    expect(anon.status).toBe(200);
    expect(anon.body).toMatchObject({ stored: false, created: false, model: null });
    expect(anon.body.analysis.hash).toBe(analyze(priv).hash);
    const pub = generate({ ...RESNET, resolution: 96 }); // stored public above
    expect((await upload(pub)).body.model).toMatchObject({ name: "net96", ownedByCaller: false });
    const unknown = generate({ ...RESNET, resolution: 160 });
    expect((await upload(unknown)).body).toMatchObject({ stored: false, model: null });
  });

  it("a team uploading a structure another team owns privately gets access to it (possession), others do not", async () => {
    const bytes = generate({ ...RESNET, resolution: 192 });
    const a = await upload(bytes, { key: A.key, query: "?name=a-secret" });
    const id = a.body.model.id;
    expect((await call(modelRoute.GET, { key: C.key, params: { modelId: id } })).status).toBe(404);
    const b = await upload(bytes, { key: B.key });
    expect(b.status).toBe(200);
    // B gets the structure, not A's name for it
    const anonymousName = `model-${a.body.model.hash.slice(0, 12)}`;
    expect(b.body.model).toMatchObject({ id, ownedByCaller: false, name: anonymousName });
    expect((await call(modelRoute.GET, { key: B.key, params: { modelId: id } })).body.model.name).toBe(anonymousName);
    const q = await call(queryRoute.POST, { method: "POST", key: B.key, body: { modelId: id, platforms: [reg.slug] } });
    expect(q.body.results[0].status).toBe("queued");
    expect(q.body.model.name).toBe(anonymousName);
    const bJob = await call(jobRoute.GET, { key: B.key, params: { jobId: q.body.results[0].jobId } });
    expect(bJob.body.job).toMatchObject({ own: true, model: { id, name: anonymousName } });
    expect((await call(jobRoute.GET, { key: A.key, params: { jobId: q.body.results[0].jobId } })).body.job).toMatchObject({
      own: false, teamId: null, reservedSeconds: null, model: { name: "a-secret" },
    });
    expect((await call(modelRoute.GET, { key: C.key, params: { modelId: id } })).status).toBe(404);
  });
});

describe("bad input → 4xx with a message", () => {
  it("not ONNX, empty, wrong media type, too large", async () => {
    const junk = await upload("this is not an onnx model", { key: A.key });
    expect(junk.status).toBe(422);
    expect(junk.body.error.code).toBe("ONNX_NOT_PROTOBUF");
    const empty = await upload(new Uint8Array(0), { key: A.key });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toMatch(/empty/);
    const json = await upload("{}", { key: A.key, type: "application/json" });
    expect(json.status).toBe(415);
    const truncated = generate(RESNET).subarray(0, 500);
    expect((await upload(truncated, { key: A.key })).body.error.code).toBe("ONNX_TRUNCATED");

    process.env.NNLQ_MAX_UPLOAD_BYTES = "4096";
    try {
      const big = generate(RESNET, { weights: true });
      const r = await upload(big, { key: A.key });
      expect(r.status).toBe(413);
      expect(r.body.error).toMatchObject({ code: "PAYLOAD_TOO_LARGE", details: { limitBytes: 4096 } });
      expect(r.body.error.message).toMatch(/4096-byte limit/);
      const declared = await upload(new Uint8Array(10), { key: A.key, headers: { "content-length": "999999999" } });
      expect(declared.status).toBe(413); // refused from Content-Length, before reading the body
    } finally {
      delete process.env.NNLQ_MAX_UPLOAD_BYTES;
    }
  });

  it("query: unknown platform, malformed slug, batch out of range, both ids, malformed key", async () => {
    const model = await makeModelRow("bad-q");
    const q = (body: unknown, key = A.key) => call(queryRoute.POST, { method: "POST", key, body });
    const unknown = await q({ modelId: model.id, platforms: ["nope-1c/ort-cpu-1.0/fp32/t1"] });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error.message).toMatch(/Unknown platform 'nope-1c\/ort-cpu-1.0\/fp32\/t1'/);
    const malformed = await q({ modelId: model.id, platforms: ["cpu"] });
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.message).toMatch(/platforms\.0 must be a platform slug/);
    for (const batch of [0, 5000, 1.5]) {
      const r = await q({ modelId: model.id, platforms: [reg.slug], batch });
      expect(r.status).toBe(400);
      expect(r.body.error.message).toMatch(/batch must be an integer in 1…1024/);
    }
    const both = await q({ modelId: model.id, hash: model.hash, platforms: [reg.slug] });
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/exactly one of modelId or hash/);
    const noPlatforms = await q({ modelId: model.id, platforms: [] });
    expect(noPlatforms.body.error.message).toMatch(/at least one platform/);
    const badKey = await q({ modelId: model.id, platforms: [reg.slug] }, "nnlq_short");
    expect(badKey.status).toBe(401);
    expect(badKey.body.error.code).toBe("INVALID_API_KEY");
    const missing = await q({ modelId: 99999999, platforms: [reg.slug] });
    expect(missing.status).toBe(404);
  });

  it("measurements and jobs: bad filters", async () => {
    expect((await call(measurementsRoute.GET, { path: "/x?platform=cpu" })).status).toBe(400);
    expect((await call(measurementsRoute.GET, { path: `/x?platform=${reg.slug}&batch=0` })).status).toBe(400);
    expect((await call(measurementsRoute.GET, { path: `/x?platform=${reg.slug}&cursor=abc` })).status).toBe(400);
    expect((await call(measurementsRoute.GET, { path: `/x?platform=${reg.slug}&family=nope` })).status).toBe(400);
    expect((await call(jobsRoute.GET, { key: A.key, path: "/x?state=sleeping" })).status).toBe(400);
    expect((await call(jobsRoute.GET, { path: "/x" })).status).toBe(401);
  });
});

describe("tenant isolation: team B cannot see team A's private models, jobs or results", () => {
  it("models, jobs, cancel, measurements", async () => {
    const priv = await makeModelRow("a-private", { visibility: "private", ownerTeamId: A.teamId });
    const q = await call(queryRoute.POST, { method: "POST", key: A.key, body: { modelId: priv.id, platforms: [reg.slug] } });
    const jobId = q.body.results[0].jobId;
    expect(jobId).toBeGreaterThan(0);

    for (const who of [{ key: B.key }, { as: B.user }, {}]) {
      expect((await call(modelRoute.GET, { ...who, params: { modelId: priv.id } })).status).toBe(404);
      expect((await call(queryRoute.POST, { method: "POST", ...who, body: { hash: priv.hash, platforms: [reg.slug] } })).status).toBe(404);
      expect((await call(jobRoute.GET, { ...who, params: { jobId } })).status).toBe(404);
    }
    expect((await call(cancelRoute.POST, { method: "POST", key: B.key, params: { jobId } })).status).toBe(404);
    const bJobs = await call(jobsRoute.GET, { key: B.key });
    expect(bJobs.body.items.map((j: { id: number }) => j.id)).not.toContain(jobId);
    expect((await call(jobsRoute.GET, { key: B.key, path: `/x?teamId=${A.teamId}` })).status).toBe(403);

    const mine = await call(jobRoute.GET, { key: A.key, params: { jobId } });
    expect(mine.body.job).toMatchObject({ id: jobId, own: true, teamId: A.teamId, state: "queued", queuePosition: expect.any(Number) });
    expect(mine.body.job.reservedSeconds).toBeGreaterThan(0);
    const aJobs = await call(jobsRoute.GET, { as: A.user, path: `/x?state=queued,running&platform=${encodeURIComponent(reg.slug)}` });
    expect(aJobs.body.items.map((j: { id: number }) => j.id)).toContain(jobId);

    // a measured private model is listed for its team only
    await recordMeasurement(db(), measurementOf(priv.id, reg.platformId, 0.001));
    const list = async (who: object) =>
      (await call(measurementsRoute.GET, { ...who, path: `/x?platform=${encodeURIComponent(reg.slug)}&limit=200` })).body.items.map(
        (i: { model: { id: number } }) => i.model.id,
      );
    expect(await list({ key: A.key })).toContain(priv.id);
    expect(await list({ key: B.key })).not.toContain(priv.id);
    expect(await list({})).not.toContain(priv.id);
    const teamOnly = await call(measurementsRoute.GET, {
      key: B.key,
      path: `/x?platform=${encodeURIComponent(reg.slug)}&teamId=${A.teamId}`,
    });
    expect(teamOnly.status).toBe(403);
  });

  it("anonymous callers read existing public results and cannot queue measurements", async () => {
    const pub = await makeModelRow("public-net", { visibility: "public" });
    await recordMeasurement(db(), measurementOf(pub.id, reg.platformId, 1.25));
    const other = await registerHosts("anon", 1);
    const r = await call(queryRoute.POST, { method: "POST", body: { modelId: pub.id, platforms: [reg.slug, other.slug] } });
    expect(r.status).toBe(200);
    expect(r.body.results[0]).toMatchObject({ status: "measured", result: { medianMs: 1.25 }, provenance: { runtimeVersion: "1.30.0" } });
    expect(r.body.results[1]).toMatchObject({ status: "not_measured", message: expect.stringMatching(/Sign in or send an API key/) });
  });
});

function measurementOf(modelId: number, platformId: number, medianMs: number) {
  return {
    modelId, platformId, batch: 1, runtimeVersion: "1.30.0", medianMs, meanMs: medianMs, minMs: medianMs, p90Ms: medianMs,
    p99Ms: medianMs, stdMs: 0, runs: 10, warmups: 2, measuredAt: new Date(),
    // a protocol v2 label (legacy v1 rows are history: never a query's answer, not browsed by default)
    protocol: 2, grade: "clean" as const, labelKind: "wall-clean" as const, cleanRuns: 10, ciRel: 0.005,
  };
}

describe("browsing measurements", () => {
  it("keyset pages sorted by median, no duplicates, family and batch filters", async () => {
    const r = await registerHosts("browse", 1);
    const medians = [5, 1, 3, 3, 9, 7, 2];
    const ids: number[] = [];
    for (const [i, m] of medians.entries()) {
      const model = await makeModelRow(`browse-${i}`);
      ids.push(model.id);
      await recordMeasurement(db(), measurementOf(model.id, r.platformId, m));
    }
    const seen: { id: number; m: number }[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const path: string = `/x?platform=${encodeURIComponent(r.slug)}&limit=3${cursor ? `&cursor=${cursor}` : ""}`;
      const page = await call(measurementsRoute.GET, { path });
      expect(page.status).toBe(200);
      for (const it of page.body.items) seen.push({ id: it.model.id, m: it.result.medianMs });
      cursor = page.body.nextCursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen.map((s) => s.m)).toEqual([...medians].sort((a, b) => a - b));
    expect(new Set(seen.map((s) => s.id)).size).toBe(medians.length);
    const vgg = await call(measurementsRoute.GET, { path: `/x?platform=${encodeURIComponent(r.slug)}&family=vgg` });
    expect(vgg.body.items).toEqual([]);
    const resnet = await call(measurementsRoute.GET, { path: `/x?platform=${encodeURIComponent(r.slug)}&family=resnet&batch=1` });
    expect(resnet.body.items).toHaveLength(7);

    // a batch-8 result on the same platform: only batch=8 lists it, batch=1 leaves it out
    const b8 = await makeModelRow("browse-b8", { batch: 8 });
    await recordMeasurement(db(), { ...measurementOf(b8.id, r.platformId, 4), batch: 8 });
    const all = await call(measurementsRoute.GET, { path: `/x?platform=${encodeURIComponent(r.slug)}` });
    expect(all.body.items).toHaveLength(8);
    const eight = await call(measurementsRoute.GET, { path: `/x?platform=${encodeURIComponent(r.slug)}&batch=8` });
    expect(eight.status).toBe(200);
    expect(eight.body.items.map((it: { model: { id: number }; batch: number }) => [it.model.id, it.batch])).toEqual([[b8.id, 8]]);
    const one = await call(measurementsRoute.GET, { path: `/x?platform=${encodeURIComponent(r.slug)}&family=resnet&batch=1` });
    expect(one.body.items).toHaveLength(7);
    expect(one.body.items.every((it: { model: { id: number }; batch: number }) => it.batch === 1 && it.model.id !== b8.id)).toBe(true);
  });
});

describe("platforms, devices, worker registration", () => {
  it("a worker registers a platform the server never heard of; it is listed with its device online", async () => {
    const r = await call(tokensRoute.POST, { method: "POST", as: admin, body: { name: "jetson lab" } });
    expect(r.status).toBe(201);
    const secret = r.body.secret;
    expect(secret).toMatch(/^nnlqw_[0-9a-f]{8}_/);
    const spec = { ...testPlatform("jetson"), hardware: "jetson-orin", runtime: "trt", runtimeVersion: "10.3", precision: "int8" as const };
    const reg1 = await call(registerRoute.POST, {
      method: "POST",
      headers: { "x-worker-token": secret },
      body: { hostName: "orin-01", hostInfo: { gpu: "Orin" }, platforms: [spec] },
    });
    expect(reg1.status).toBe(200);
    expect(reg1.body.devices[0]).toMatchObject({ platformCreated: true, platform: { slug: "jetson-orin/trt-10.3/int8/t1", active: true } });
    expect(reg1.body.lease).toMatchObject({ leaseSeconds: 60, heartbeatSeconds: 10, maxWaitSeconds: 30 });

    const plats = (await call(platformsRoute.GET, {})).body.platforms;
    const p = plats.find((x: { slug: string }) => x.slug === "jetson-orin/trt-10.3/int8/t1");
    expect(p).toMatchObject({
      runtime: "trt",
      devicesOnline: 1,
      queue: { queued: 0, running: 0 },
      devices: [{ hostName: "orin-01", status: "online" }],
    });
    const devs = (await call(devicesRoute.GET, { path: `/x?platform=${encodeURIComponent(p.slug)}` })).body.devices;
    expect(devs).toEqual([expect.objectContaining({ hostName: "orin-01", hostInfo: { gpu: "Orin" } })]);

    // registering by slug alone works once the platform exists; a clashing spec does not
    const bySlug = await call(registerRoute.POST, {
      method: "POST",
      headers: { "x-worker-token": secret },
      body: { hostName: "orin-02", platforms: [{ slug: p.slug }] },
    });
    expect(bySlug.body.devices[0].platformCreated).toBe(false);
    const clash = await call(registerRoute.POST, {
      method: "POST",
      headers: { "x-worker-token": secret },
      body: { hostName: "x", platforms: [{ ...spec, slug: "jetson-orin/trt-10.3/fp16/t1" }] },
    });
    expect(clash.status).toBe(400);
    expect(clash.body.error.message).toMatch(/does not match its fields/);

    // revoking the token disables its devices at once
    const tokenId = r.body.token.id;
    expect((await call(tokenRoute.DELETE, { method: "DELETE", as: admin, params: { tokenId } })).body.token.revokedAt).not.toBeNull();
    const claim = await call(claimRoute.POST, {
      method: "POST",
      headers: { "x-device-token": reg1.body.devices[0].deviceToken },
      body: {},
    });
    expect(claim.status).toBe(401);
    const again = await call(registerRoute.POST, {
      method: "POST",
      headers: { "x-worker-token": secret },
      body: { hostName: "orin-01", platforms: [spec] },
    });
    expect(again.status).toBe(401);
    expect(again.body.error.message).toMatch(/revoked/);
  });

  it("worker tokens: site admin only; a token without platform rights cannot create platforms", async () => {
    expect((await call(tokensRoute.POST, { method: "POST", as: A.user, body: { name: "x" } })).status).toBe(403);
    expect((await call(tokensRoute.GET, { key: A.key })).status).toBe(403);
    const r = await call(tokensRoute.POST, { method: "POST", as: admin, body: { name: "restricted", allowNewPlatforms: false } });
    const res = await call(registerRoute.POST, {
      method: "POST",
      headers: { "x-worker-token": r.body.secret },
      body: { hostName: "h", platforms: [testPlatform("restricted")] },
    });
    expect(res.status).toBe(403);
    expect(res.body.error.message).toMatch(/may not create platforms/);
    const list = (await call(tokensRoute.GET, { as: admin })).body.tokens;
    expect(list.find((t: { id: number }) => t.id === r.body.token.id)).toMatchObject({ name: "restricted", allowNewPlatforms: false });
    expect(JSON.stringify(list)).not.toContain(r.body.secret);
    const bad = await call(registerRoute.POST, {
      method: "POST",
      headers: { "x-worker-token": "nope" },
      body: { hostName: "h", platforms: [{ slug: reg.slug }] },
    });
    expect(bad.status).toBe(401);
  });
});

describe("anonymous rate limit", () => {
  it("a burst from one IP gets 429 with retryAfterSeconds; other IPs and API keys are unaffected", async () => {
    process.env.NNLQ_ANON_RPS = "1";
    process.env.NNLQ_ANON_BURST = "3";
    try {
      // the address the web server stamps from the socket (scripts/web-server.mjs); X-Forwarded-For is not trusted
      const ip = { "x-nnlq-remote-addr": "203.0.113.7", "x-forwarded-for": "10.0.0.1" };
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await call(platformsRoute.GET, { headers: ip })).status);
      expect(statuses).toEqual([200, 200, 200, 429]);
      const limited = await call(platformsRoute.GET, { headers: ip });
      expect(limited.body.error).toMatchObject({ code: "RATE_LIMITED", details: { retryAfterSeconds: 1 } });
      expect((await call(platformsRoute.GET, { headers: { "x-nnlq-remote-addr": "203.0.113.8" } })).status).toBe(200);
      // varying X-Forwarded-For from the same socket address does not escape the limit
      expect((await call(platformsRoute.GET, { headers: { ...ip, "x-forwarded-for": "198.51.100.1" } })).status).toBe(429);
      expect((await call(platformsRoute.GET, { headers: ip, key: A.key })).status).toBe(200);
    } finally {
      delete process.env.NNLQ_ANON_RPS;
      delete process.env.NNLQ_ANON_BURST;
    }
  });
});
