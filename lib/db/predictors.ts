/**
 * Predictor versions and their stored predictions (lib/services/predictors.ts trains and promotes them;
 * lib/db/browse.ts reads them for the portal).
 */
import { and, desc, eq, ne, sql } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { predictions, predictorVersions, type PredictorVersion } from "./schema";

type Status = PredictorVersion["status"];

export async function insertPredictorVersion(
  db: DbOrTx,
  v: {
    name: string;
    method: string;
    platformIds: number[];
    featureSetVersion: string;
    trainingSetSize: number;
    status: Status;
    parentId?: number | null;
  },
): Promise<PredictorVersion> {
  await db.insert(predictorVersions).values({ ...v, parentId: v.parentId ?? null });
  const [row] = await db.select().from(predictorVersions).where(eq(predictorVersions.name, v.name)).limit(1);
  return row!;
}

export async function updatePredictorVersion(
  db: DbOrTx,
  id: number,
  set: Partial<Pick<PredictorVersion, "status" | "metrics" | "weightsUri" | "trainingSetSize" | "platformIds">>,
): Promise<void> {
  await db.update(predictorVersions).set(set).where(eq(predictorVersions.id, id));
}

/** The promoted version of a method (at most one), or null. */
export async function promotedVersion(db: DbOrTx, { method }: { method: string }): Promise<PredictorVersion | null> {
  const [row] = await db
    .select()
    .from(predictorVersions)
    .where(and(eq(predictorVersions.method, method), eq(predictorVersions.status, "promoted")))
    .orderBy(desc(predictorVersions.promotedAt), desc(predictorVersions.id))
    .limit(1);
  return row ?? null;
}

/** Promote `id`; the method's previously promoted version is retired (in the caller's transaction). */
export async function promoteVersion(db: DbOrTx, { id, method }: { id: number; method: string }): Promise<void> {
  await db
    .update(predictorVersions)
    .set({ status: "retired" })
    .where(and(eq(predictorVersions.method, method), eq(predictorVersions.status, "promoted"), ne(predictorVersions.id, id)));
  await db.update(predictorVersions).set({ status: "promoted", promotedAt: sql`CURRENT_TIMESTAMP(3)` }).where(eq(predictorVersions.id, id));
}

export interface PredictionRow {
  modelId: number;
  platformId: number;
  batch: number;
  valueMs: number;
  uncertaintyMs: number | null;
}

/** Stores a version's predictions (idempotent per model × platform × batch × version), in chunks. */
export async function upsertPredictions(db: DbOrTx, versionId: number, rows: PredictionRow[], chunk = 1000): Promise<void> {
  for (let i = 0; i < rows.length; i += chunk) {
    await db
      .insert(predictions)
      .values(rows.slice(i, i + chunk).map((r) => ({ ...r, predictorVersionId: versionId })))
      .onDuplicateKeyUpdate({ set: { valueMs: sql`VALUES(value_ms)`, uncertaintyMs: sql`VALUES(uncertainty_ms)` } });
  }
}

/** Marks versions still "training" as failed (their trainer stopped); returns how many. */
export async function failInterruptedVersions(db: DbOrTx): Promise<number> {
  const stale = await db.select({ id: predictorVersions.id }).from(predictorVersions).where(eq(predictorVersions.status, "training"));
  for (const { id } of stale)
    await db
      .update(predictorVersions)
      .set({ status: "failed", metrics: { error: "interrupted: the trainer stopped before this version was evaluated" } })
      .where(eq(predictorVersions.id, id));
  return stale.length;
}
