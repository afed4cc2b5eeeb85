/** One-time setup tokens (rows of setup_tokens; only sha256 of the token is stored). */
import { and, eq, gt, isNull } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { setupTokens } from "./schema";

export type SetupTokenRow = typeof setupTokens.$inferSelect;

export async function insertSetupToken(db: DbOrTx, input: { hash: string; expiresAt: Date }): Promise<void> {
  await db.insert(setupTokens).values(input);
}

/** Unused tokens stop working (a newer link replaces them); used ones stay as the record of who claimed. */
export async function deleteUnusedSetupTokens(db: DbOrTx): Promise<void> {
  await db.delete(setupTokens).where(isNull(setupTokens.usedAt));
}

export async function findSetupToken(db: DbOrTx, { hash }: { hash: string }): Promise<SetupTokenRow | null> {
  const [row] = await db.select().from(setupTokens).where(eq(setupTokens.hash, hash)).limit(1);
  return row ?? null;
}

/**
 * Marks the token used by `userId` if it is unused and unexpired at `now`. True for exactly one caller
 * (a single conditional UPDATE), so a token cannot be claimed twice even by concurrent requests.
 */
export async function claimSetupToken(db: DbOrTx, { hash, userId, now }: { hash: string; userId: number; now: Date }): Promise<boolean> {
  const [res] = await db
    .update(setupTokens)
    .set({ usedAt: now, usedBy: userId })
    .where(and(eq(setupTokens.hash, hash), isNull(setupTokens.usedAt), gt(setupTokens.expiresAt, now)));
  return res.affectedRows === 1;
}
