/** API key rows. The secret is never stored: only sha256(full key) and the visible prefix. */
import { and, desc, eq, isNull, lt, or } from "drizzle-orm";
import type { DbOrTx } from "./client";
import { apiKeys, users } from "./schema";

export interface ApiKeyInfo {
  id: number;
  teamId: number;
  name: string;
  prefix: string;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
  createdBy: { id: number; email: string } | null;
}

const infoColumns = {
  id: apiKeys.id,
  teamId: apiKeys.teamId,
  name: apiKeys.name,
  prefix: apiKeys.prefix,
  createdAt: apiKeys.createdAt,
  lastUsedAt: apiKeys.lastUsedAt,
  revokedAt: apiKeys.revokedAt,
  creatorId: users.id,
  creatorEmail: users.email,
};

type InfoRow = { [K in keyof typeof infoColumns]: (typeof infoColumns)[K]["_"]["data"] | null };

function toInfo(r: InfoRow): ApiKeyInfo {
  return {
    id: r.id!,
    teamId: r.teamId!,
    name: r.name!,
    prefix: r.prefix!,
    createdAt: r.createdAt!,
    lastUsedAt: r.lastUsedAt,
    revokedAt: r.revokedAt,
    createdBy: r.creatorId ? { id: r.creatorId, email: r.creatorEmail! } : null,
  };
}

export async function insertApiKey(
  db: DbOrTx,
  input: { teamId: number; createdBy: number; name: string; prefix: string; hash: string },
): Promise<ApiKeyInfo> {
  const [res] = await db.insert(apiKeys).values(input);
  return (await getApiKey(db, { teamId: input.teamId, keyId: res.insertId }))!;
}

export async function listApiKeys(db: DbOrTx, { teamId }: { teamId: number }): Promise<ApiKeyInfo[]> {
  const rows = await db
    .select(infoColumns)
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .where(eq(apiKeys.teamId, teamId))
    .orderBy(desc(apiKeys.createdAt), desc(apiKeys.id));
  return rows.map(toInfo);
}

export async function getApiKey(db: DbOrTx, { teamId, keyId }: { teamId: number; keyId: number }): Promise<ApiKeyInfo | null> {
  const [r] = await db
    .select(infoColumns)
    .from(apiKeys)
    .leftJoin(users, eq(users.id, apiKeys.createdBy))
    .where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.id, keyId)))
    .limit(1);
  return r ? toInfo(r) : null;
}

/** Marks a key revoked (idempotent). Returns false when the team has no such key. */
export async function revokeApiKey(db: DbOrTx, { teamId, keyId }: { teamId: number; keyId: number }): Promise<boolean> {
  const key = await getApiKey(db, { teamId, keyId });
  if (!key) return false;
  if (!key.revokedAt) {
    await db
      .update(apiKeys)
      .set({ revokedAt: new Date() })
      .where(and(eq(apiKeys.teamId, teamId), eq(apiKeys.id, keyId), isNull(apiKeys.revokedAt)));
  }
  return true;
}

/** Authentication lookup by the visible prefix (not team-scoped: the key decides the team). */
export async function findApiKeyByPrefix(db: DbOrTx, { prefix }: { prefix: string }) {
  const [k] = await db.select().from(apiKeys).where(eq(apiKeys.prefix, prefix)).limit(1);
  return k ?? null;
}

/** Records use; writes at most once a minute per key so hot API paths don't write on every request. */
export async function touchApiKey(db: DbOrTx, { keyId }: { keyId: number }): Promise<void> {
  const now = new Date();
  await db
    .update(apiKeys)
    .set({ lastUsedAt: now })
    .where(
      and(
        eq(apiKeys.id, keyId),
        or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, new Date(now.getTime() - 60_000))),
      ),
    );
}
