/**
 * API keys: any team member creates keys for the team (the secret is returned once); members list them;
 * the key's creator or a team admin revokes. A key authenticates as its creator, inside its team only,
 * with member rights, and never manages keys or creates teams: creating and revoking keys needs a signed-in
 * session, so a leaked key cannot mint more keys (or keep itself alive by replacing itself).
 */
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import * as keysDb from "@/lib/db/api-keys";
import { getUser, toPublicUser } from "@/lib/db/users";
import { generateApiKey, hashApiKey, parseApiKey, sameHash } from "@/lib/auth/api-key-format";
import { ROLE_RANK, requireTeamRole } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";
import { cached, invalidate } from "./read-cache";

export async function createApiKey(db: DbOrTx, p: Principal | null, { teamId, name }: { teamId: number; name: string }) {
  const { principal } = await requireTeamRole(db, p, teamId, "member");
  if (principal.apiKey) throw new NnlqError("FORBIDDEN", "API keys cannot create API keys; sign in to create one");
  const { key, prefix, hash } = generateApiKey();
  const info = await keysDb.insertApiKey(db, { teamId, createdBy: principal.user.id, name: name.trim(), prefix, hash });
  return { key: info, secret: key };
}

export async function listTeamApiKeys(db: DbOrTx, p: Principal | null, teamId: number) {
  await requireTeamRole(db, p, teamId, "member");
  return keysDb.listApiKeys(db, { teamId });
}

export async function revokeTeamApiKey(db: DbOrTx, p: Principal | null, { teamId, keyId }: { teamId: number; keyId: number }) {
  const { role, principal } = await requireTeamRole(db, p, teamId, "member");
  // like creation: a leaked key must not manage keys (not even revoke its siblings or itself)
  if (principal.apiKey) throw new NnlqError("FORBIDDEN", "API keys cannot revoke API keys; sign in to revoke one");
  const key = await keysDb.getApiKey(db, { teamId, keyId });
  if (!key) throw new NnlqError("NOT_FOUND", `Team ${teamId} has no API key ${keyId}`);
  const own = key.createdBy?.id === principal.user.id;
  if (!own && ROLE_RANK[role] < ROLE_RANK.admin) {
    throw new NnlqError("FORBIDDEN", "Only the key's creator or a team admin can revoke it");
  }
  await keysDb.revokeApiKey(db, { teamId, keyId });
  invalidate("apiKeys");
  return (await keysDb.getApiKey(db, { teamId, keyId }))!;
}

/** Resolves `nnlq_<prefix>_<secret>` to its principal; malformed, unknown or revoked → INVALID_API_KEY. */
export async function authenticateApiKey(db: DbOrTx, key: string): Promise<Principal> {
  const parsed = parseApiKey(key);
  if (!parsed) throw new NnlqError("INVALID_API_KEY", "Malformed API key: expected nnlq_<8-char prefix>_<32-char secret>");
  const hash = hashApiKey(key);
  return cached("apiKeys", hash, async () => {
    const row = await keysDb.findApiKeyByPrefix(db, parsed);
    if (!row || !sameHash(row.hash, hash)) throw new NnlqError("INVALID_API_KEY", "Unknown API key");
    if (row.revokedAt) {
      throw new NnlqError("INVALID_API_KEY", `API key nnlq_${row.prefix}_… was revoked on ${row.revokedAt.toISOString().slice(0, 10)}`);
    }
    const user = row.createdBy ? await getUser(db, { id: row.createdBy }) : null;
    if (!user) throw new NnlqError("INVALID_API_KEY", "The account that created this API key no longer exists");
    // last use is recorded to the minute: no write while the stored time is recent
    if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000) await keysDb.touchApiKey(db, { keyId: row.id });
    const principal: Principal = {
      user: toPublicUser(user),
      via: "api-key",
      apiKey: { id: row.id, teamId: row.teamId, prefix: row.prefix },
    };
    return principal;
  });
}
