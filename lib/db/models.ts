/**
 * Models. Visibility: `visibleTo` (public, or owned by one of the caller's teams; `teamIds` empty for
 * anonymous callers) is the base rule; the one access check for reads on behalf of a caller is
 * lib/db/model-access.ts `getAccessibleModel`/`accessibleTo`, which adds possession grants on top.
 */
import { desc, eq, inArray, or, type SQL } from "drizzle-orm";
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
const INT_MAX = 2 ** 31 - 1;

/**
 * Refuses (422 ONNX_SHAPE) an analysis whose figures the model columns cannot hold: FLOPs, MACs, params
 * and bytes are BIGINT read as JS numbers, so they must be safe integers (< 2^53 ≈ 9.0e15 — no real
 * network's single inference comes near); batch, node count and opset are INT. Only absurd declared
 * dimensions (an input of 2^40 × 2^40) get here. Called before any write and for anonymous lookups
 * alike, so every caller gets the same answer.
 */
export function assertStorableFigures(
  summary: Pick<
    ModelSummary,
    "flops" | "macs" | "params" | "memoryAccess" | "activationMemory" | "batch" | "nodeCount" | "opset" | "inputs"
  >,
): void {
  const big = {
    FLOPs: summary.flops,
    MACs: summary.macs,
    parameters: summary.params,
    "bytes of memory access": summary.memoryAccess,
    "bytes of activation memory": summary.activationMemory,
  };
  const small = { batch: summary.batch, "node count": summary.nodeCount, opset: summary.opset };
  const shapes = Object.entries(summary.inputs)
    .map(([n, d]) => `${n}: [${d.join(", ")}]`)
    .join("; ");
  for (const [what, v] of Object.entries(big)) {
    if (v !== null && v !== undefined && !(Number.isSafeInteger(v) && v >= 0)) {
      throw new NnlqError(
        "ONNX_SHAPE",
        `The declared shapes give ${v.toExponential(2)} ${what}, more than the ${Number.MAX_SAFE_INTEGER.toExponential(2)} (2^53) nnlq can store; check the input dimensions (${shapes})`,
      );
    }
  }
  for (const [what, v] of Object.entries(small)) {
    if (v !== null && v !== undefined && !(Number.isInteger(v) && v >= 0 && v <= INT_MAX)) {
      throw new NnlqError(
        "ONNX_SHAPE",
        `The model's ${what} is ${v}, more than the ${INT_MAX} nnlq can store; check the input dimensions (${shapes})`,
      );
    }
  }
}

export function modelFieldsOf(summary: ModelSummary) {
  assertStorableFigures(summary);
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
