/**
 * Models. Visibility: `visibleTo` (public, or owned by one of the caller's teams; `teamIds` empty for
 * anonymous callers) is the base rule; the one access check for reads on behalf of a caller is
 * lib/db/model-access.ts `getAccessibleModel`/`accessibleTo`, which adds possession grants on top.
 */
import { and, desc, eq, inArray, or, type SQL } from "drizzle-orm";
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "./client";
import { modelBlobs, models, type Model, type NewModel } from "./schema";
import { isDuplicateKey } from "./util";
import type { ModelSummary } from "@/lib/onnx";

export function visibleTo(teamIds: readonly number[]): SQL {
  return teamIds.length
    ? or(eq(models.visibility, "public"), inArray(models.ownerTeamId, [...teamIds]))!
    : eq(models.visibility, "public");
}

/** Inserts a model (and its structure-only bytes). A duplicate structure hash → CONFLICT with the existing id. */
export async function insertModel(db: DbOrTx, input: NewModel & { bytes?: Uint8Array }): Promise<Model> {
  const { bytes, ...row } = input;
  try {
    return await db.transaction(async (tx) => {
      const [res] = await tx.insert(models).values({ ...row, onnxBytes: bytes?.byteLength ?? row.onnxBytes });
      if (bytes) await tx.insert(modelBlobs).values({ modelId: res.insertId, bytes: Buffer.from(bytes) });
      const [m] = await tx.select().from(models).where(eq(models.id, res.insertId));
      return m!;
    });
  } catch (e) {
    if (isDuplicateKey(e)) {
      const existing = await getModelByHash(db, { hash: row.hash });
      throw new NnlqError("CONFLICT", `A model with structure hash ${row.hash} already exists`, {
        modelId: existing?.id,
      });
    }
    throw e;
  }
}

/** Internal lookup by structure hash (dedupe, workers). Callers must apply visibility before showing it. */
export async function getModelByHash(db: DbOrTx, { hash }: { hash: string }): Promise<Model | null> {
  const [m] = await db.select().from(models).where(eq(models.hash, hash)).limit(1);
  return m ?? null;
}

/** Models owned by a team (private and public), newest first. */
export async function listTeamModels(
  db: DbOrTx,
  { teamId, limit = 100, offset = 0 }: { teamId: number; limit?: number; offset?: number },
): Promise<Model[]> {
  return db
    .select()
    .from(models)
    .where(eq(models.ownerTeamId, teamId))
    .orderBy(desc(models.createdAt), desc(models.id))
    .limit(limit)
    .offset(offset);
}

/** The columns of a model row that lib/onnx's analysis gives (uploads, API, campaigns share this mapping). */
export function modelFieldsOf(summary: ModelSummary) {
  return {
    hash: summary.hash,
    family: summary.family.name,
    familyConfidence: summary.family.confidence,
    batch: summary.batch,
    inputShapes: summary.inputs,
    opset: summary.opset,
    flops: summary.flops,
    macs: summary.macs,
    params: summary.params,
    memoryAccess: summary.memoryAccess,
    activationMemory: summary.activationMemory,
    nodeCount: summary.nodeCount,
    opHistogram: summary.opHistogram,
  } satisfies Partial<NewModel>;
}

/** Stores a model's structure-only bytes when it has none yet (a corpus network loaded from a data release). */
export async function ensureModelBlob(db: DbOrTx, { modelId, bytes }: { modelId: number; bytes: Uint8Array }): Promise<void> {
  const [has] = await db.select({ id: modelBlobs.modelId }).from(modelBlobs).where(eq(modelBlobs.modelId, modelId)).limit(1);
  if (!has) await db.insert(modelBlobs).values({ modelId, bytes: Buffer.from(bytes) });
}
