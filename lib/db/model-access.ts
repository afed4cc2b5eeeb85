/**
 * Access to models beyond lib/db/models.ts's visibility rule: a team that uploaded the bytes of a structure
 * another team owns privately gets a `model_access` grant (it proved possession of the structure). A model
 * is accessible to a caller when it is public, owned by one of `teamIds`, or granted to one of them.
 */
import { and, eq, exists, inArray, or, type SQL } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { modelAccess, modelBlobs, models, type Model } from "./schema";
import { visibleTo } from "./models";

export function accessibleTo(db: DbOrTx, teamIds: readonly number[]): SQL {
  if (!teamIds.length) return visibleTo(teamIds);
  const granted = db
    .select({ one: modelAccess.modelId })
    .from(modelAccess)
    .where(and(eq(modelAccess.modelId, models.id), inArray(modelAccess.teamId, [...teamIds])));
  return or(visibleTo(teamIds), exists(granted))!;
}

export async function grantModelAccess(db: DbOrTx, { modelId, teamId }: { modelId: number; teamId: number }): Promise<void> {
  await db.insert(modelAccess).values({ modelId, teamId }).onDuplicateKeyUpdate({ set: { teamId } });
}

/** A model by id or structure hash if the caller may use it, else null. */
export async function getAccessibleModel(
  db: DbOrTx,
  { id, hash, teamIds }: { id?: number; hash?: string; teamIds: readonly number[] },
): Promise<Model | null> {
  const key = id !== undefined ? eq(models.id, id) : hash !== undefined ? eq(models.hash, hash) : undefined;
  if (!key) return null;
  const [m] = await db
    .select()
    .from(models)
    .where(and(key, accessibleTo(db, teamIds)))
    .limit(1);
  return m ?? null;
}

/** Stored structure-only bytes of a model (no visibility check: callers authorise first). */
export async function getStructureBytes(db: DbOrTx, { modelId }: { modelId: number }): Promise<Uint8Array | null> {
  const [b] = await db.select({ bytes: modelBlobs.bytes }).from(modelBlobs).where(eq(modelBlobs.modelId, modelId)).limit(1);
  return b ? new Uint8Array(b.bytes) : null;
}

/** Whether a model has stored structure-only bytes (no visibility check). */
export async function hasStructureBytes(db: DbOrTx, { modelId }: { modelId: number }): Promise<boolean> {
  const [b] = await db.select({ id: modelBlobs.modelId }).from(modelBlobs).where(eq(modelBlobs.modelId, modelId)).limit(1);
  return !!b;
}

/** A model row by id (no visibility check: for the queue and workers, which authorise otherwise). */
export async function getModelRow(db: DbOrTx, { id }: { id: number }): Promise<Model | null> {
  const [m] = await db.select().from(models).where(eq(models.id, id)).limit(1);
  return m ?? null;
}
