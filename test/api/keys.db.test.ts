/** API keys: shown once, hashed at rest, team-scoped, member rights, revocable, last-used time. */
import { beforeAll, describe, expect, it } from "vitest";
import { eq } from "drizzle-orm";
import * as teamsRoute from "@/app/api/v1/teams/route";
import * as membersRoute from "@/app/api/v1/teams/[teamId]/members/route";
import * as keysRoute from "@/app/api/v1/teams/[teamId]/keys/route";
import * as keyRoute from "@/app/api/v1/teams/[teamId]/keys/[keyId]/route";
import * as meRoute from "@/app/api/v1/me/route";
import { apiKeys } from "@/lib/db/schema";
import { hashApiKey } from "@/lib/auth/api-key-format";
import type { PublicUser } from "@/lib/db/users";
import { call, db, makeUser } from "../setup/fixtures";

let owner: PublicUser, member: PublicUser;
let teamId: number, otherTeamId: number;

beforeAll(async () => {
  [owner, member] = await Promise.all([makeUser("key-owner"), makeUser("key-member")]);
  teamId = (await call(teamsRoute.POST, { method: "POST", as: owner, body: { name: "Keys team" } })).body.team.id;
  otherTeamId = (await call(teamsRoute.POST, { method: "POST", as: owner, body: { name: "Other team" } })).body.team.id;
  await call(membersRoute.POST, { method: "POST", as: owner, params: { teamId }, body: { email: member.email } });
});

async function newKey(as: PublicUser, name = "ci") {
  const r = await call(keysRoute.POST, { method: "POST", as, params: { teamId }, body: { name } });
  expect(r.status).toBe(201);
  return r.body as { key: { id: number; prefix: string }; secret: string };
}

describe("API keys", () => {
  it("returns the secret once, stores only its hash, and lists prefix/name/times", async () => {
    const { key, secret } = await newKey(member, "laptop");
    expect(secret).toMatch(/^nnlq_[a-z0-9]{8}_[A-Za-z0-9]{32}$/);
    expect(secret.startsWith(`nnlq_${key.prefix}_`)).toBe(true);
    const [row] = await db().select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row!.hash).toBe(hashApiKey(secret));
    expect(JSON.stringify(row)).not.toContain(secret.split("_")[2]);

    const list = await call(keysRoute.GET, { as: owner, params: { teamId } });
    expect(list.status).toBe(200);
    const listed = list.body.keys.find((k: { id: number }) => k.id === key.id);
    expect(listed).toMatchObject({ name: "laptop", prefix: key.prefix, lastUsedAt: null, revokedAt: null, createdBy: { id: member.id } });
    expect(list.text).not.toContain(secret.split("_")[2]);
    expect(list.text).not.toMatch(/"hash"/);
  });

  it("authenticates as its creator inside its team, records last use, and has member rights only", async () => {
    const { key, secret } = await newKey(owner, "automation");
    const me = await call(meRoute.GET, { key: secret });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ user: { id: owner.id }, via: "api-key", apiKey: { id: key.id, teamId } });
    expect(me.body.teams.map((t: { id: number }) => t.id)).toEqual([teamId]); // only the key's team
    const [row] = await db().select().from(apiKeys).where(eq(apiKeys.id, key.id));
    expect(row!.lastUsedAt).toBeInstanceOf(Date);

    expect((await call(keysRoute.GET, { key: secret, params: { teamId } })).status).toBe(200);
    const other = await call(keysRoute.GET, { key: secret, params: { teamId: otherTeamId } });
    expect(other.status).toBe(403);
    expect(other.body.error.message).toBe('This API key belongs to another team and cannot access team "Other team"');
    const admin = await call(membersRoute.POST, { method: "POST", key: secret, params: { teamId }, body: { email: member.email } });
    expect(admin.status).toBe(403);
    expect(admin.body.error.message).toBe("API keys have member rights; sign in as a team admin to do this");
    const mint = await call(keysRoute.POST, { method: "POST", key: secret, params: { teamId }, body: { name: "x" } });
    expect(mint.status).toBe(403);
  });

  it("a key never manages keys or teams, even its creator's own: create, revoke and new teams need a session", async () => {
    const { key, secret } = await newKey(owner, "ci");
    const mint = await call(keysRoute.POST, { method: "POST", key: secret, params: { teamId }, body: { name: "more" } });
    expect([mint.status, mint.body.error.message]).toEqual([403, "API keys cannot create API keys; sign in to create one"]);
    const revokeSelf = await call(keyRoute.DELETE, { method: "DELETE", key: secret, params: { teamId, keyId: key.id } });
    expect([revokeSelf.status, revokeSelf.body.error.message]).toEqual([403, "API keys cannot revoke API keys; sign in to revoke one"]);
    const team = await call(teamsRoute.POST, { method: "POST", key: secret, body: { name: "Minted by a key" } });
    expect([team.status, team.body.error.message]).toEqual([403, "Teams are created by signed-in users, not API keys"]);
    // the key still works (nothing was revoked) and the same user signed in may do all three
    expect((await call(meRoute.GET, { key: secret })).status).toBe(200);
    expect((await call(keyRoute.DELETE, { method: "DELETE", as: owner, params: { teamId, keyId: key.id } })).status).toBe(200);
  });

  it("revoked, unknown and malformed keys → 401 with a message", async () => {
    const { key, secret } = await newKey(owner, "to revoke");
    const revoked = await call(keyRoute.DELETE, { method: "DELETE", as: owner, params: { teamId, keyId: key.id } });
    expect(revoked.status).toBe(200);
    expect(revoked.body.key.revokedAt).toBeTruthy();
    const use = await call(meRoute.GET, { key: secret });
    expect(use.status).toBe(401);
    expect(use.body.error.code).toBe("INVALID_API_KEY");
    expect(use.body.error.message).toMatch(new RegExp(`^API key nnlq_${key.prefix}_… was revoked on \\d{4}-\\d\\d-\\d\\d$`));

    const forged = secret.slice(0, -4) + "AAAA";
    expect((await call(meRoute.GET, { key: forged })).body.error).toEqual({ code: "INVALID_API_KEY", message: "Unknown API key" });
    const malformed = await call(meRoute.GET, { key: "sk-123" });
    expect(malformed.status).toBe(401);
    expect(malformed.body.error.message).toBe("Malformed API key: expected nnlq_<8-char prefix>_<32-char secret>");
  });

  it("only the creator or a team admin revokes; unknown key ids → 404", async () => {
    const { key } = await newKey(owner, "owner's");
    const byMember = await call(keyRoute.DELETE, { method: "DELETE", as: member, params: { teamId, keyId: key.id } });
    expect(byMember.status).toBe(403);
    expect(byMember.body.error.message).toBe("Only the key's creator or a team admin can revoke it");
    const own = await newKey(member, "member's");
    expect((await call(keyRoute.DELETE, { method: "DELETE", as: member, params: { teamId, keyId: own.key.id } })).status).toBe(200);
    expect((await call(keyRoute.DELETE, { method: "DELETE", as: owner, params: { teamId, keyId: 99999999 } })).status).toBe(404);
    // a key id of another team is not found through this team
    const foreign = await call(keysRoute.POST, { method: "POST", as: owner, params: { teamId: otherTeamId }, body: { name: "other" } });
    const cross = await call(keyRoute.DELETE, { method: "DELETE", as: owner, params: { teamId, keyId: foreign.body.key.id } });
    expect(cross.status).toBe(404);
  });

  it("a key stops working when its creator leaves the team", async () => {
    const leaver = await makeUser("key-leaver");
    await call(membersRoute.POST, { method: "POST", as: owner, params: { teamId }, body: { email: leaver.email } });
    const { secret } = await newKey(leaver, "leaver's");
    expect((await call(keysRoute.GET, { key: secret, params: { teamId } })).status).toBe(200);
    const { DELETE } = await import("@/app/api/v1/teams/[teamId]/members/[userId]/route");
    await call(DELETE, { method: "DELETE", as: owner, params: { teamId, userId: leaver.id } });
    const after = await call(keysRoute.GET, { key: secret, params: { teamId } });
    expect(after.status).toBe(403);
    expect(after.body.error.message).toMatch(/creator is no longer a member/);
  });
});
