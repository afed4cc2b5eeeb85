/**
 * Tenant isolation: a member of team A cannot read or change team B's members, keys, private models
 * or usage — through the HTTP handlers (session and API key) and through the lib/db visibility rule.
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import * as teamsRoute from "@/app/api/v1/teams/route";
import * as teamRoute from "@/app/api/v1/teams/[teamId]/route";
import * as membersRoute from "@/app/api/v1/teams/[teamId]/members/route";
import * as memberRoute from "@/app/api/v1/teams/[teamId]/members/[userId]/route";
import * as keysRoute from "@/app/api/v1/teams/[teamId]/keys/route";
import * as keyRoute from "@/app/api/v1/teams/[teamId]/keys/[keyId]/route";
import * as modelsRoute from "@/app/api/v1/teams/[teamId]/models/route";
import * as usageRoute from "@/app/api/v1/teams/[teamId]/usage/route";
import { insertModel, listTeamModels } from "@/lib/db/models";
import { getAccessibleModel } from "@/lib/db/model-access";
import { insertLedgerRow, setQuota } from "@/lib/db/usage";
import { listPlatforms } from "@/lib/db/platforms";
import { seed } from "@/lib/services/seed";
import type { Model } from "@/lib/db/schema";
import type { PublicUser } from "@/lib/db/users";
import { call, db, makeUser } from "../setup/fixtures";

let alice: PublicUser, bob: PublicUser; // alice ∈ A, bob ∈ B
let teamA: number, teamB: number;
let bKeyId: number, aKey: string;
let privateB: Model, publicB: Model;

const model = (name: string, visibility: "public" | "private", ownerTeamId: number) => ({
  hash: randomBytes(32).toString("hex"),
  name,
  family: "mobilenetv2",
  batch: 1,
  inputShapes: { x: [1, 3, 224, 224] },
  flops: 600_000_000,
  params: 3_500_000,
  memoryAccess: 50_000_000,
  nodeCount: 100,
  opHistogram: { Conv: 52 },
  visibility,
  source: "upload" as const,
  ownerTeamId,
  bytes: new Uint8Array([1, 2, 3]),
});

beforeAll(async () => {
  await seed(db(), { demo: false });
  [alice, bob] = await Promise.all([makeUser("alice"), makeUser("bob")]);
  teamA = (await call(teamsRoute.POST, { method: "POST", as: alice, body: { name: "Team A" } })).body.team.id;
  teamB = (await call(teamsRoute.POST, { method: "POST", as: bob, body: { name: "Team B" } })).body.team.id;
  bKeyId = (await call(keysRoute.POST, { method: "POST", as: bob, params: { teamId: teamB }, body: { name: "b" } })).body.key.id;
  aKey = (await call(keysRoute.POST, { method: "POST", as: alice, params: { teamId: teamA }, body: { name: "a" } })).body.secret;

  privateB = await insertModel(db(), model("b-secret-net", "private", teamB));
  publicB = await insertModel(db(), model("b-open-net", "public", teamB));
  const [platform] = await listPlatforms(db());
  await setQuota(db(), { teamId: teamB, platformId: platform!.id, deviceSeconds: 500 });
  await insertLedgerRow(db(), { teamId: teamB, platformId: platform!.id, kind: "adjust", deltaSeconds: 42, note: "b usage" });
});

describe("team A cannot reach team B", () => {
  const forbidden = (r: { status: number; body: { error: { message: string } } }) => {
    expect(r.status).toBe(403);
    expect(r.body.error.message).toMatch(/Team B/);
  };

  it("members: read, add, re-role, remove", async () => {
    forbidden(await call(teamRoute.GET, { as: alice, params: { teamId: teamB } }));
    forbidden(await call(membersRoute.GET, { as: alice, params: { teamId: teamB } }));
    forbidden(await call(membersRoute.POST, { method: "POST", as: alice, params: { teamId: teamB }, body: { email: alice.email } }));
    forbidden(
      await call(memberRoute.PATCH, { method: "PATCH", as: alice, params: { teamId: teamB, userId: bob.id }, body: { role: "member" } }),
    );
    forbidden(await call(memberRoute.DELETE, { method: "DELETE", as: alice, params: { teamId: teamB, userId: bob.id } }));
    forbidden(await call(teamRoute.PATCH, { method: "PATCH", as: alice, params: { teamId: teamB }, body: { name: "pwned" } }));
  });

  it("keys: list, create, revoke", async () => {
    forbidden(await call(keysRoute.GET, { as: alice, params: { teamId: teamB } }));
    forbidden(await call(keysRoute.POST, { method: "POST", as: alice, params: { teamId: teamB }, body: { name: "x" } }));
    forbidden(await call(keyRoute.DELETE, { method: "DELETE", as: alice, params: { teamId: teamB, keyId: bKeyId } }));
    // and through team A's own URL the key of B does not exist
    expect((await call(keyRoute.DELETE, { method: "DELETE", as: alice, params: { teamId: teamA, keyId: bKeyId } })).status).toBe(404);
  });

  it("private models and usage, by session and by API key", async () => {
    forbidden(await call(modelsRoute.GET, { as: alice, params: { teamId: teamB } }));
    forbidden(await call(usageRoute.GET, { as: alice, params: { teamId: teamB } }));
    expect((await call(modelsRoute.GET, { key: aKey, params: { teamId: teamB } })).status).toBe(403);
    expect((await call(usageRoute.GET, { key: aKey, params: { teamId: teamB } })).status).toBe(403);
  });

  it("the visibility rule hides B's private model from A and anonymous callers", async () => {
    expect(await getAccessibleModel(db(), { id: privateB.id, teamIds: [teamA] })).toBeNull();
    expect(await getAccessibleModel(db(), { id: privateB.id, teamIds: [] })).toBeNull();
    expect((await getAccessibleModel(db(), { id: publicB.id, teamIds: [teamA] }))?.name).toBe("b-open-net");
    expect((await getAccessibleModel(db(), { id: privateB.id, teamIds: [teamB] }))?.name).toBe("b-secret-net");
    expect(await listTeamModels(db(), { teamId: teamA })).toEqual([]);
  });

  it("team B itself sees its members, keys, models and usage", async () => {
    expect((await call(membersRoute.GET, { as: bob, params: { teamId: teamB } })).body.members).toHaveLength(1);
    expect((await call(keysRoute.GET, { as: bob, params: { teamId: teamB } })).body.keys).toHaveLength(1);
    const models = (await call(modelsRoute.GET, { as: bob, params: { teamId: teamB } })).body.models;
    expect(models.map((m: Model) => m.name).sort()).toEqual(["b-open-net", "b-secret-net"]);
    const usage = (await call(usageRoute.GET, { as: bob, params: { teamId: teamB } })).body;
    expect(usage.summary[0]).toMatchObject({ quotaSeconds: 500, usedSeconds: 42, remainingSeconds: 458 });
    expect(usage.ledger[0]).toMatchObject({ kind: "adjust", deltaSeconds: 42, note: "b usage" });
    const badMonth = await call(usageRoute.GET, { as: bob, params: { teamId: teamB }, path: "/x?month=2025-13" });
    expect(badMonth.status).toBe(400);
    expect(badMonth.body.error.message).toBe("Invalid query string: month must look like 2025-01");
  });
});
