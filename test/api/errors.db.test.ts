/**
 * Errors that must be 4xx (or not shown), through the real route handlers and database (issue 14: 7, 8, 9,
 * 18, 20): a malformed cookie is ignored; absurd declared dimensions are a 422 for every caller before any
 * write; numbers a measurement cannot store are a 400; a failed job shows the message, never a stack trace
 * with server paths; an empty platform list to predict is a 400; worker and admin routes authenticate
 * and authorise before they look at the body.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { count, eq } from "drizzle-orm";
import * as platformsRoute from "@/app/api/v1/platforms/route";
import * as meRoute from "@/app/api/v1/me/route";
import * as modelsRoute from "@/app/api/v1/models/route";
import * as queryRoute from "@/app/api/v1/query/route";
import * as jobRoute from "@/app/api/v1/jobs/[jobId]/route";
import * as predictRoute from "@/app/api/v1/predict/route";
import * as registerRoute from "@/app/api/v1/worker/register/route";
import * as exportRoute from "@/app/api/v1/worker/offline/export/route";
import * as offlineRoute from "@/app/api/v1/worker/offline/route";
import * as claimRoute from "@/app/api/v1/worker/claim/route";
import * as deviceHbRoute from "@/app/api/v1/worker/heartbeat/route";
import * as failRoute from "@/app/api/v1/worker/jobs/[jobId]/fail/route";
import * as resultRoute from "@/app/api/v1/worker/jobs/[jobId]/result/route";
import * as jobHbRoute from "@/app/api/v1/worker/jobs/[jobId]/heartbeat/route";
import * as modelFileRoute from "@/app/api/v1/worker/models/[file]/route";
import * as quotasRoute from "@/app/api/v1/admin/quotas/route";
import * as tokensRoute from "@/app/api/v1/admin/worker-tokens/route";
import * as tokenRoute from "@/app/api/v1/admin/worker-tokens/[tokenId]/route";
import * as deviceAdminRoute from "@/app/api/v1/admin/devices/[deviceId]/route";
import { encodeModelProto, DataType } from "@/lib/onnx/proto";
import { models } from "@/lib/db/schema";
import { claim } from "@/lib/services/jobs";
import { resetRateLimits } from "@/lib/api/rate-limit";
import { call, db, makeSiteAdmin, makeUser, sessionCookie } from "../setup/fixtures";
import { giveQuota, makeModelRow, makeTeam, registerHosts, result, seedOnce, type Registered, type TeamCtx } from "../query/world";

let team: TeamCtx;
let reg: Registered;
beforeAll(async () => {
  await seedOnce();
  team = await makeTeam("errors");
  reg = await registerHosts("errors", 1);
  await giveQuota(team.teamId, reg.platformId, 1000);
});
beforeEach(() => resetRateLimits());

describe("7: a malformed cookie is ignored, never a 500", () => {
  it("`Cookie: theme=100%` on a public route", async () => {
    const r = await call(platformsRoute.GET, { headers: { cookie: "theme=100%" } });
    expect(r.status).toBe(200);
    expect(Array.isArray(r.body.platforms)).toBe(true);
  });

  it("beside a valid session cookie, the session still signs the caller in", async () => {
    const user = await makeUser("cookie");
    const r = await call(meRoute.GET, { headers: { cookie: `theme=100%; ${await sessionCookie(user)}; x=%zz` } });
    expect(r.status).toBe(200);
    expect(r.body.user.id).toBe(user.id);
  });
});

/** A one-Relu ONNX whose input declares `dims` (no weights: a few dozen bytes). */
function reluModel(dims: number[]): Uint8Array {
  const vi = (name: string) => ({
    name,
    type: { tensor_type: { elem_type: DataType.FLOAT, shape: { dim: dims.map((d) => ({ dim_value: d })) } } },
  });
  return encodeModelProto({
    ir_version: 8,
    opset_import: [{ domain: "", version: 17 }],
    graph: { name: "huge", node: [{ op_type: "Relu", input: ["x"], output: ["y"] }], input: [vi("x")], output: [vi("y")] },
  });
}

async function upload(bytes: Uint8Array, o: { key?: string } = {}) {
  const headers: Record<string, string> = { "content-type": "application/octet-stream" };
  if (o.key) headers.authorization = `Bearer ${o.key}`;
  const req = new Request("http://localhost/api/v1/models?name=huge", { method: "POST", headers, body: bytes as BodyInit });
  const res = await modelsRoute.POST(req, { params: Promise.resolve({}) });
  return { status: res.status, body: await res.json() };
}

describe("8: figures the database cannot hold are a 422 for every caller, before any write", () => {
  const D = 2 ** 40;

  it.each([
    ["2^40 × 2^40 input", [D, D], /FLOPs/],
    ["1 × 3 × 2^40 × 2^40 input", [1, 3, D, D], /FLOPs/],
    ["batch 2^40", [D, 1], /batch/],
  ])("%s: anonymous and keyed callers both get 422 and nothing is stored", async (_, dims, what) => {
    const before = (await db().select({ n: count() }).from(models))[0]!.n;
    const anon = await upload(reluModel(dims));
    const keyed = await upload(reluModel(dims), { key: team.key });
    for (const r of [anon, keyed]) {
      expect(r.status).toBe(422);
      expect(r.body.error.code).toBe("ONNX_SHAPE");
      expect(r.body.error.message).toMatch(what);
    }
    expect((await db().select({ n: count() }).from(models))[0]!.n).toBe(before);
  });

  it("a large but storable model is still accepted", async () => {
    const r = await upload(reluModel([1, 2 ** 30]), { key: team.key });
    expect(r.status).toBe(201);
    expect(r.body.model.flops).toBe(2 ** 30);
    await db().delete(models).where(eq(models.id, r.body.model.id));
  });

  it.each([
    ["runs", { stats: { ...result().stats, runs: 2 ** 40 } }, "stats.runs"],
    ["warmups", { stats: { ...result().stats, warmups: 2 ** 31 } }, "stats.warmups"],
    ["peakMemoryBytes", { peakMemoryBytes: 2 ** 60 }, "peakMemoryBytes"],
  ])("a result whose %s cannot be stored is a 400 naming the field", async (_, patch, field) => {
    const d = reg.devices[0]!;
    const r = await call(resultRoute.POST, {
      method: "POST",
      params: { jobId: 1 },
      headers: { "x-device-token": d.token },
      body: { ...result(), ...patch },
    });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.error.details.fields)).toContain(field);
  });
});

describe("9: a failed job shows the message, not the worker's stack trace", () => {
  it("a stack with server paths sent by an (old or remote) worker is cleaned when stored", async () => {
    const model = await makeModelRow("stacked-net");
    const q = await call(queryRoute.POST, { method: "POST", key: team.key, body: { modelId: model.id, platforms: [reg.slug] } });
    const jobId = q.body.results[0].jobId;
    const d = reg.devices[0]!;
    expect((await claim(db(), d.auth))?.id).toBe(jobId);
    const message = [
      "Error: Non-zero status code returned while running Conv node",
      "    at OnnxruntimeSessionHandler.run (/home/alice/nnlq/node_modules/onnxruntime-node/dist/backend.js:97:28)",
      "    at async measureModel (file:///srv/nnlq/lib/measure/measure.ts:212:7)",
    ].join("\n");
    const f = await call(failRoute.POST, {
      method: "POST",
      params: { jobId },
      headers: { "x-device-token": d.token },
      body: { code: "MEASUREMENT_FAILED", message },
    });
    expect(f.status).toBe(200);
    const j = await call(jobRoute.GET, { params: { jobId }, key: team.key });
    expect(j.status).toBe(200);
    expect(j.body.job.state).toBe("failed");
    expect(j.body.job.error).toEqual({
      code: "MEASUREMENT_FAILED",
      message: "Error: Non-zero status code returned while running Conv node",
    });
    expect(j.text).not.toMatch(/\/home\/|\/srv\/|backend\.js|\bat async\b/);
  });
});

describe("18: predict with an empty platform list", () => {
  it("is a 400 with a message, not a 500", async () => {
    const r = await call(predictRoute.POST, { method: "POST", body: { models: [{ modelId: 1 }], platforms: [] } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION");
    expect(r.body.error.message).toMatch(/platforms/);
  });
});

describe("20: authentication and authorisation come before validation", () => {
  const bad = { nonsense: true, waitSeconds: 999, status: "sleepy", code: "oops" };

  it.each([
    ["register", registerRoute.POST, {}],
    ["offline export", exportRoute.POST, {}],
    ["offline", offlineRoute.POST, {}],
    ["claim", claimRoute.POST, {}],
    ["device heartbeat", deviceHbRoute.POST, {}],
    ["fail", failRoute.POST, { jobId: "abc" }],
    ["result", resultRoute.POST, { jobId: "abc" }],
    ["job heartbeat", jobHbRoute.POST, { jobId: "abc" }],
  ] as const)("worker %s without a token: 401, whatever the body and path", async (_, handler, params) => {
    const r = await call(handler, { method: "POST", params, body: bad });
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("INVALID_WORKER_TOKEN");
  });

  it("worker model download without a token: 401 for a malformed file name too", async () => {
    const r = await call(modelFileRoute.GET, { params: { file: "../../etc/passwd" } });
    expect(r.status).toBe(401);
  });

  it("with a device token the body is validated (400)", async () => {
    const r = await call(failRoute.POST, {
      method: "POST",
      params: { jobId: 1 },
      headers: { "x-device-token": reg.devices[0]!.token },
      body: { code: "oops" },
    });
    expect(r.status).toBe(400);
  });

  it("admin routes: anonymous 401, a member 403, an admin's API key 403 — before the body; an admin gets the 400", async () => {
    const member = await makeUser("not-admin");
    const admin = await makeSiteAdmin("errors-admin");
    const adminTeam = await makeTeam("errors-admin-team");
    const cases = [
      (o: object) => call(quotasRoute.PUT, { method: "PUT", body: {}, ...o }),
      (o: object) => call(tokensRoute.POST, { method: "POST", body: { name: "" }, ...o }),
      (o: object) => call(tokensRoute.GET, { ...o }),
      (o: object) => call(tokenRoute.DELETE, { method: "DELETE", params: { tokenId: "abc" }, ...o }),
      (o: object) => call(deviceAdminRoute.PATCH, { method: "PATCH", params: { deviceId: "abc" }, body: {}, ...o }),
    ];
    for (const c of cases) {
      expect((await c({})).status).toBe(401);
      const m = await c({ as: member });
      expect(m.status).toBe(403);
      expect(m.body.error.message).toBe("This needs a site administrator");
    }
    // a site admin's membership in a team gives keys; keys never administer the site
    await (await import("@/lib/db/users")).setSiteAdmin(db(), { userId: adminTeam.user.id, isSiteAdmin: true });
    expect((await cases[0]!({ key: adminTeam.key })).status).toBe(403);
    const ok = await cases[0]!({ as: admin });
    expect(ok.status).toBe(400);
    expect(ok.body.error.code).toBe("VALIDATION");
  });
});
