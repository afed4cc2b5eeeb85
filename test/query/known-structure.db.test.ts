/**
 * A model the database already knows without its structure (a data release's corpus network: public row,
 * measurements, `corpus:<path>` storage key, no bytes) can be measured on another platform: a team's upload
 * of the same structure stores the structure-only bytes (ownership and visibility unchanged), the query
 * then creates a job, and the device that claims it fetches bytes with that structure hash. Before the
 * upload, the query answers "upload the structure" instead of queueing a job no device could run.
 */
import { beforeAll, beforeEach, describe, expect, it } from "vitest";
import { generate } from "@/lib/zoo";
import { analyze, decodeModel } from "@/lib/onnx";
import { insertModel, modelFieldsOf } from "@/lib/db/models";
import { getModelRow, getStructureBytes } from "@/lib/db/model-access";
import { resetRateLimits } from "@/lib/api/rate-limit";
import * as modelsRoute from "@/app/api/v1/models/route";
import * as queryRoute from "@/app/api/v1/query/route";
import * as claimRoute from "@/app/api/v1/worker/claim/route";
import * as modelFileRoute from "@/app/api/v1/worker/models/[file]/route";
import { call, db } from "../setup/fixtures";
import { giveQuota, makeTeam, registerHosts, seedOnce, type Registered, type TeamCtx } from "./world";

// a structure unique to this file (the run shares one database)
const SPEC = { family: "squeezenet", version: "1.1", baseE: 48, incrE: 16, resolution: 72 } as const;
let A: TeamCtx, B: TeamCtx;
let reg: Registered;

beforeAll(async () => {
  await seedOnce();
  [A, B] = [await makeTeam("known-a"), await makeTeam("known-b")];
  reg = await registerHosts("known", 1);
  for (const t of [A, B]) await giveQuota(t.teamId, reg.platformId, 1000);
});
beforeEach(() => resetRateLimits());

async function upload(bytes: Uint8Array, key?: string) {
  const headers: Record<string, string> = { "content-type": "application/octet-stream" };
  if (key) headers.authorization = `Bearer ${key}`;
  const res = await modelsRoute.POST(
    new Request("http://localhost/api/v1/models?name=mine", { method: "POST", headers, body: bytes as BodyInit }),
    {
      params: Promise.resolve({}),
    },
  );
  return { status: res.status, body: await res.json() };
}

describe("a known model without stored structure", () => {
  it("is measured on another platform once a team uploads its structure; the device fetches the bytes", async () => {
    const structure = generate(SPEC);
    const s = analyze(structure);
    // what the data release loads: the analysis and provenance of a corpus network, no bytes
    const release = await insertModel(db(), {
      ...modelFieldsOf(s),
      name: "corpus/squeezenet-like",
      visibility: "public",
      source: "upload",
      storageKey: "corpus:networks/squeezenet-like.onnx",
    });
    expect(await getStructureBytes(db(), { modelId: release.id })).toBeNull();

    // before anyone uploads it: no job that would fail at once, a message saying what to do
    const before = await call(queryRoute.POST, { method: "POST", key: A.key, body: { modelId: release.id, platforms: [reg.slug] } });
    expect(before.status).toBe(404);
    expect(before.body.error.message).toMatch(/no stored structure of model \d+ yet: upload the ONNX file/);

    // an anonymous lookup stores nothing
    const anon = await upload(structure);
    expect(anon.status).toBe(200);
    expect(anon.body).toMatchObject({ stored: false, model: { id: release.id } });
    expect(await getStructureBytes(db(), { modelId: release.id })).toBeNull();

    // the team's upload (what /query sends) matches the known model and supplies its structure
    const up = await upload(structure, A.key);
    expect(up.status).toBe(200);
    expect(up.body).toMatchObject({ created: false, stored: true, model: { id: release.id, visibility: "public", ownedByCaller: false } });
    const stored = await getStructureBytes(db(), { modelId: release.id });
    expect(stored && analyze(decodeModel(stored)).hash).toBe(s.hash);
    // ownership and visibility are the release's
    expect(await getModelRow(db(), { id: release.id })).toMatchObject({
      visibility: "public",
      ownerTeamId: null,
      name: "corpus/squeezenet-like",
    });

    // a second team's upload keeps the first bytes (one blob per model)
    expect((await upload(structure, B.key)).body).toMatchObject({ stored: true, model: { id: release.id } });

    // the query now creates a job, and the device that claims it fetches the structure
    const q = await call(queryRoute.POST, { method: "POST", key: A.key, body: { modelId: release.id, platforms: [reg.slug] } });
    expect(q.status).toBe(200);
    expect(q.body.results[0]).toMatchObject({ platform: reg.slug, status: "queued" });
    const h = { "x-device-token": reg.devices[0]!.token };
    const c = await call(claimRoute.POST, { method: "POST", headers: h, body: { waitSeconds: 0 } });
    expect(c.status).toBe(200);
    expect(c.body.job).toMatchObject({ id: q.body.results[0].jobId, model: { id: release.id, hash: s.hash } });
    const file = await modelFileRoute.GET(new Request(`http://localhost${c.body.job.model.url}`, { headers: h }), {
      params: Promise.resolve({ file: `${release.id}.onnx` }),
    });
    expect(file.status).toBe(200);
    expect(analyze(decodeModel(new Uint8Array(await file.arrayBuffer()))).hash).toBe(s.hash);
  });
});
