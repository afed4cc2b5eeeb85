/**
 * The latency query use cases: upload a model, ask how fast it runs on platforms, browse
 * measurements.
 *
 * Upload: the server decodes the ONNX, strips weights when present (structure-only uploads are
 * preferred: smaller and nothing secret leaves the client), analyses it, and dedupes by structure hash.
 * Explicit input shapes (`inputs`) are written into the structure as it is stripped: a detector exported
 * with symbolic [batch, 3, height, width] is stored, hashed and measured at 1×3×640×640 when asked so;
 * without them its symbolic dims are defaulted and the analysis' warnings say which.
 * Team uploads are stored (private by default). A team that uploads a structure another team owns
 * privately gets access to that model (it proved possession), without learning who owns it.
 * Anonymous callers (and users without a team) get a lookup only: the analysis, plus the model when it is
 * public; nothing is stored.
 *
 * Query: per platform, the kept measurement (latest_measurements: the newest clean one, else the newest)
 * when it is a label of that platform's hardware identity — clean, measured on the CPU the platform's slug
 * names — else the active job, else the stored "unsupported" verdict, else a new job paid from the acting
 * team's quota. A pair with only estimated / contended v2 results is answered with that row, its grade in
 * `quality`, and the retake queued for it (`retake`); protocol v1 rows (grade legacy) and rows of another
 * CPU never answer as a measurement (history only: GET /api/v1/models/{id}). Anonymous callers only read
 * what exists.
 */
import { NnlqError, isErrorCode, isNnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import type { Model, Platform } from "@/lib/db/schema";
import { assertStorableFigures, ensureModelBlob, getModelByHash, insertModel, modelFieldsOf } from "@/lib/db/models";
import { isDuplicateKey } from "@/lib/db/util";
import { getAccessibleModel, grantModelAccess, hasStructureBytes } from "@/lib/db/model-access";
import { effectiveStatus, listDevices } from "@/lib/db/devices";
import * as jobsDb from "@/lib/db/jobs";
import { latestOfModel, latestPage, measurementsById, type LatestKey } from "@/lib/db/results";
import { requireTeamRole } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";
import type { ModelSummary } from "@/lib/onnx";
import { computePool, computeSettings } from "@/lib/compute/pool";
import { decodeCursor, encodeCursor } from "@/lib/api/schemas/common";
import { inputShapesOf, type InputShapes } from "@/lib/api/schemas/input-shapes";
import {
  uploadLimit,
  type AnalysisView,
  type MeasurementsResponse,
  type ModelView,
  type QueryItem,
  type QueryResponse,
  type UploadResponse,
} from "@/lib/api/schemas/models";
import { actingTeam, callerTeamIds, modelDisplayName } from "./caller";
import { enqueue, hardwareMismatch, isRetake, maybeSweep } from "./jobs";
import { requirePlatform } from "./platforms";
import { QUEUE } from "./queue-config";
import { latestResult, measuredResults, qualityOf, statsOf, type MeasuredResult } from "./results";
import { GRADE_TEXT } from "@/lib/quality";
import { cached } from "./read-cache";

// ── models ──

export function modelView(m: Model, teamIds: readonly number[]): ModelView {
  return {
    id: m.id,
    hash: m.hash,
    name: modelDisplayName(m, teamIds),
    family: m.family,
    familyConfidence: m.familyConfidence,
    batch: m.batch,
    inputShapes: m.inputShapes,
    opset: m.opset,
    flops: m.flops,
    macs: m.macs,
    params: m.params,
    memoryAccess: m.memoryAccess,
    activationMemory: m.activationMemory,
    nodeCount: m.nodeCount,
    opHistogram: m.opHistogram,
    visibility: m.visibility,
    source: m.source,
    ownedByCaller: m.ownerTeamId !== null && teamIds.includes(m.ownerTeamId),
    onnxBytes: m.onnxBytes,
    createdAt: m.createdAt.toISOString(),
  };
}

function analysisView(s: ModelSummary): AnalysisView {
  return {
    hash: s.hash,
    flops: s.flops,
    macs: s.macs,
    params: s.params,
    memoryAccess: s.memoryAccess,
    activationMemory: s.activationMemory,
    nodeCount: s.nodeCount,
    opHistogram: s.opHistogram,
    family: { name: s.family.name, confidence: s.family.confidence },
    inputs: s.inputs,
    outputs: s.outputs,
    batch: s.batch,
    opset: s.opset,
    irVersion: s.irVersion,
    structureOnly: s.structureOnly,
    warnings: s.warnings,
  };
}

export interface UploadInput {
  bytes: Uint8Array;
  name?: string;
  visibility?: "public" | "private";
  teamId?: number;
  batch?: number;
  /**
   * Explicit input shapes (the query string's `inputs` parses to pairs: an input named twice is refused
   * here). The structure is stripped with them: stored model, hash and measurements are at that size.
   */
  inputs?: InputShapes | readonly (readonly [string, number[]])[];
}

/** POST /api/v1/models */
export async function uploadModel(db: DbOrTx, p: Principal | null, input: UploadInput): Promise<UploadResponse> {
  const { bytes } = input;
  if (bytes.byteLength === 0) {
    throw new NnlqError(
      "BAD_REQUEST",
      "The request body is empty: send the ONNX file as application/octet-stream (or multipart field 'file')",
    );
  }
  const limit = uploadLimit();
  if (bytes.byteLength > limit) {
    throw new NnlqError(
      "PAYLOAD_TOO_LARGE",
      `The model is ${bytes.byteLength} bytes; the limit is ${limit} bytes. Strip the weights first (nnlq query does)`,
      {
        limitBytes: limit,
      },
    );
  }
  const inputs = Array.isArray(input.inputs) ? inputShapesOf(input.inputs) : (input.inputs as InputShapes | undefined);
  // decode → node-count check → strip (at the explicit shapes) → analyse, in the compute pool (never on the request thread)
  const { stripped, structure, summary } = await computePool().run({
    kind: "analyze",
    bytes,
    batch: input.batch,
    ...(inputs && Object.keys(inputs).length ? { inputs } : {}),
    maxNodes: computeSettings().maxNodes,
  });
  assertStorableFigures(summary); // 422 for absurd declared dimensions, for anonymous lookups as for uploads
  const base = { analysis: analysisView(summary), stripped, receivedBytes: bytes.byteLength, structureBytes: structure.byteLength };

  const teamIds = await callerTeamIds(db, p);
  const team = await actingTeam(db, p, input.teamId);
  if (!team) {
    const known = await getAccessibleModel(db, { hash: summary.hash, teamIds });
    return { ...base, model: known ? modelView(known, teamIds) : null, created: false, stored: false };
  }

  const existing = await getModelByHash(db, { hash: summary.hash });
  if (existing) return { ...base, ...(await joinExisting(db, existing, team.id, teamIds, structure)), created: false, stored: true };
  try {
    const model = await insertModel(db, {
      ...modelFieldsOf(summary),
      name: input.name ?? `model-${summary.hash.slice(0, 12)}`,
      ownerTeamId: team.id,
      uploadedBy: p?.user.id ?? null,
      visibility: input.visibility ?? "private",
      source: p?.apiKey ? "api" : "upload",
      bytes: structure,
    });
    return { ...base, model: modelView(model, teamIds), created: true, stored: true };
  } catch (e) {
    // a concurrent upload of the same structure won the insert
    if (!(isNnlqError(e) && e.code === "CONFLICT")) throw e;
    const again = (await getModelByHash(db, { hash: summary.hash }))!;
    return { ...base, ...(await joinExisting(db, again, team.id, teamIds, structure)), created: false, stored: true };
  }
}

async function joinExisting(db: DbOrTx, existing: Model, teamId: number, teamIds: number[], structure: Uint8Array) {
  if (!(await getAccessibleModel(db, { id: existing.id, teamIds: [teamId] }))) {
    await grantModelAccess(db, { modelId: existing.id, teamId });
  }
  // a model the database knows without its structure (a data release's corpus network: measurements and a
  // storage key, no bytes): this upload has the same structure hash, so its structure-only bytes become the
  // model's — devices can then fetch it for a job, and the graph view and predictions work. Zoo models are
  // regenerated from their spec. Visibility and ownership are unchanged.
  if (!existing.zooSpec) {
    try {
      await ensureModelBlob(db, { modelId: existing.id, bytes: structure });
    } catch (e) {
      if (!isDuplicateKey(e)) throw e; // a concurrent upload stored it first
    }
  }
  return { model: modelView(existing, teamIds) };
}

async function requireModel(db: DbOrTx, ref: { modelId?: number; hash?: string }, teamIds: number[]): Promise<Model> {
  const key = `${ref.modelId ?? ""}|${ref.hash ?? ""}|${teamIds.join(",")}`;
  const m = await cached("models", key, () => getAccessibleModel(db, { id: ref.modelId, hash: ref.hash, teamIds }));
  if (!m) {
    const what = ref.modelId !== undefined ? `Model ${ref.modelId}` : `No model with structure hash ${ref.hash}`;
    throw new NnlqError("NOT_FOUND", `${what} is not known or not visible to you; upload it first (POST /api/v1/models)`);
  }
  return m;
}

/** GET /api/v1/models/{id}: the model and its newest result per platform × batch. */
export async function getModelForCaller(db: DbOrTx, p: Principal | null, modelId: number) {
  const teamIds = await callerTeamIds(db, p);
  const m = await requireModel(db, { modelId }, teamIds);
  const latest = await latestOfModel(db, { modelId: m.id });
  const results = await measuredResults(db, latest.map((l) => l.measurementId));
  return {
    model: modelView(m, teamIds),
    results: latest.map((l) => ({ platform: l.platform, batch: l.batch, ...results.get(l.measurementId)! })),
  };
}

// ── query ──

export interface QueryInput {
  modelId?: number;
  hash?: string;
  platforms: string[];
  batch?: number;
  teamId?: number;
  priority?: number;
  remeasure?: boolean;
}

async function devicesOnline(db: DbOrTx, platformId: number): Promise<number> {
  const staleMs = QUEUE.deviceStaleSeconds * 1000;
  return (await listDevices(db, { platformId })).filter((d) => ["online", "busy"].includes(effectiveStatus(d, staleMs))).length;
}

/** POST /api/v1/query */
export async function queryLatency(db: DbOrTx, p: Principal | null, q: QueryInput): Promise<QueryResponse> {
  await maybeSweep(db);
  const teamIds = await callerTeamIds(db, p);
  const model = await requireModel(db, q, teamIds);
  const batch = q.batch ?? model.batch;
  const slugs = [...new Set(q.platforms)];
  const plats: Platform[] = [];
  for (const s of slugs) plats.push(await requirePlatform(db, s));

  let team: { id: number; name: string } | null | undefined; // resolved when a measurement is needed
  const results: QueryItem[] = [];
  for (const platform of plats) {
    const item = await queryOne(db, p, { model, platform, batch, q, team: async () => (team ??= await actingTeam(db, p, q.teamId)) });
    results.push(item);
  }
  const errors = results.filter((r) => r.status === "error");
  if (errors.length === results.length) {
    const e = errors[0]!.error;
    throw new NnlqError(isErrorCode(e.code) ? e.code : "INTERNAL", e.message, e.details);
  }
  return { model: { id: model.id, hash: model.hash, name: modelDisplayName(model, teamIds), batch: model.batch }, batch, results };
}

async function queryOne(
  db: DbOrTx,
  p: Principal | null,
  {
    model,
    platform,
    batch,
    q,
    team,
  }: { model: Model; platform: Platform; batch: number; q: QueryInput; team: () => Promise<{ id: number; name: string } | null> },
): Promise<QueryItem> {
  const slug = platform.slug;
  const activeJob = () => jobsDb.findActiveJob(db, { key: jobsDb.jobKey(model.hash, platform.id, batch) });
  if (!q.remeasure) {
    const r = answerOf(platform, await latestResult(db, { modelId: model.id, platformId: platform.id, batch, quality: "all" }));
    if (r?.quality.grade === "clean") return { platform: slug, status: "measured", ...r };
    if (r) {
      // no clean result yet: the best there is, marked, with the retake that will replace it
      const active = await activeJob();
      return {
        platform: slug,
        status: "measured",
        ...r,
        retake: active
          ? {
              jobId: active.id,
              state: active.state === "queued" ? ("queued" as const) : ("running" as const),
              queuePosition: active.state === "queued" ? await jobsDb.queuePosition(db, active) : null,
            }
          : null,
        message:
          `${r.quality.grade}: ${GRADE_TEXT[r.quality.grade]}; ` +
          (active ? "a re-measurement is queued for a quieter moment" : "query with remeasure to measure it again"),
      };
    }
  }
  const active = await activeJob();
  // a queued retake runs at the priority of a caller who asks for the measurement (enqueue adopts it, free)
  if (active && !(isRetake(active) && active.state === "queued" && (await team().catch(() => null)))) return jobItem(db, slug, active);
  if (!q.remeasure) {
    const unsupported = await jobsDb.lastFailure(db, {
      modelId: model.id,
      platformId: platform.id,
      batch,
      errorCode: "UNSUPPORTED_OPERATOR",
    });
    if (unsupported)
      return { platform: slug, status: "unsupported", message: unsupported.error ?? "unsupported on this platform", jobId: unsupported.id };
  }
  if (!platform.active) {
    return { platform: slug, status: "unsupported", message: `Platform ${slug} is retired and takes no new measurements`, jobId: null };
  }
  try {
    const t = await team();
    if (!t) {
      return {
        platform: slug,
        status: "not_measured",
        message: p
          ? "Not measured yet. Join or create a team with a quota to request a measurement"
          : "Not measured yet. Sign in or send an API key of a team with a quota to request a measurement",
      };
    }
    if (!model.zooSpec && !(await hasStructureBytes(db, { modelId: model.id }))) {
      // a job no device could fetch the model for: ask for the structure instead of queueing a job that fails
      throw new NnlqError(
        "NOT_FOUND",
        `nnlq has no stored structure of model ${model.id} yet: upload the ONNX file with your team (POST /api/v1/models, or drop it on /query), then query again`,
      );
    }
    const { job } = await enqueue(db, {
      model,
      platform,
      batch,
      teamId: t.id,
      userId: p?.user.id ?? null,
      apiKeyId: p?.apiKey?.id ?? null,
      priority: q.priority ?? 0,
    });
    return jobItem(db, slug, job);
  } catch (e) {
    if (!isNnlqError(e)) throw e;
    return { platform: slug, status: "error", error: { code: e.code, message: e.message, ...(e.details ? { details: e.details } : {}) } };
  }
}

/**
 * A stored result as a query answer: only a protocol v2 row (clean, estimated or contended; a legacy v1 row
 * is history) measured on the platform's own hardware identity (a row whose env.host names another CPU —
 * a record from before identities were exact — is never another CPU's answer).
 */
function answerOf(platform: Platform, r: MeasuredResult | null): MeasuredResult | null {
  if (!r || r.quality.grade === "legacy") return null;
  if (hardwareMismatch(platform, r.provenance.env ?? undefined)) return null;
  return r;
}

async function jobItem(
  db: DbOrTx,
  slug: string,
  job: { id: number; state: string; platformId: number; priority: number },
): Promise<QueryItem> {
  return {
    platform: slug,
    status: job.state === "queued" ? "queued" : "running",
    jobId: job.id,
    queuePosition: job.state === "queued" ? await jobsDb.queuePosition(db, job) : null,
    devicesOnline: await devicesOnline(db, job.platformId),
  };
}

// ── measurements ──

export interface MeasurementsInput {
  platform: string;
  family?: string;
  batch?: number;
  /** clean (default): clean measurements only; all: every row, with its quality */
  quality?: "clean" | "all";
  teamId?: number;
  cursor?: string;
  limit: number;
}

/**
 * GET /api/v1/measurements: newest result per model × batch on a platform, fastest first, keyset-paginated
 * on (median, model, batch) over latest_measurements. Anonymous: public models; members: plus their
 * teams' private ones; `teamId`: only that team's models.
 */
export async function listMeasurements(db: DbOrTx, p: Principal | null, q: MeasurementsInput): Promise<MeasurementsResponse> {
  const platform = await requirePlatform(db, q.platform);
  if (q.teamId !== undefined) await requireTeamRole(db, p, q.teamId, "member");
  let after: LatestKey | undefined;
  if (q.cursor) {
    const c = decodeCursor(q.cursor);
    if (!c || c.length !== 3 || !c.every((v) => typeof v === "number" && Number.isFinite(v))) {
      throw new NnlqError("VALIDATION", "Invalid query string: cursor is not a valid cursor", {
        fields: { cursor: "is not a valid cursor" },
      });
    }
    after = c as LatestKey;
  }
  const rows = await latestPage(db, {
    platformId: platform.id,
    teamIds: await callerTeamIds(db, p),
    ownerTeamId: q.teamId,
    family: q.family,
    batch: q.batch,
    quality: q.quality,
    after,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  const byId = await measurementsById(db, page.map((r) => r.l.measurementId));
  const last = page[page.length - 1]?.l;
  return {
    items: page.map(({ l, name, hash }) => ({
      model: { id: l.modelId, hash, name, family: l.family, flops: l.flops, params: l.params },
      platform: platform.slug,
      batch: l.batch,
      visibility: l.visibility,
      result: statsOf(byId.get(l.measurementId)!),
      quality: qualityOf(byId.get(l.measurementId)!),
      measurementId: l.measurementId,
      measurementCount: l.measurementCount,
      measuredAt: l.measuredAt.toISOString(),
    })),
    nextCursor: rows.length > q.limit && last ? encodeCursor([last.medianMs, last.modelId, last.batch]) : null,
  };
}
