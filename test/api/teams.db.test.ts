/** Teams over the real route handlers: roles, owner protections and clear 4xx answers. */
import { beforeAll, describe, expect, it } from "vitest";
import * as teamsRoute from "@/app/api/v1/teams/route";
import * as teamRoute from "@/app/api/v1/teams/[teamId]/route";
import * as membersRoute from "@/app/api/v1/teams/[teamId]/members/route";
import * as memberRoute from "@/app/api/v1/teams/[teamId]/members/[userId]/route";
import type { PublicUser } from "@/lib/db/users";
import { call, makeUser, uniqueEmail } from "../setup/fixtures";

let owner: PublicUser, admin: PublicUser, member: PublicUser, outsider: PublicUser;
let teamId: number;

beforeAll(async () => {
  [owner, admin, member, outsider] = await Promise.all([makeUser("owner"), makeUser("admin"), makeUser("member"), makeUser("outsider")]);
  const created = await call(teamsRoute.POST, { method: "POST", as: owner, body: { name: "Vision Lab" } });
  expect(created.status).toBe(201);
  teamId = created.body.team.id;
  for (const [u, role] of [
    [admin, "admin"],
    [member, "member"],
  ] as const) {
    const r = await call(membersRoute.POST, {
      method: "POST",
      as: owner,
      params: { teamId },
      body: { email: u.email.toUpperCase(), role },
    });
    expect(r.status).toBe(201);
    expect(r.body.member).toMatchObject({ userId: u.id, role });
  }
});

describe("teams", () => {
  it("lists the caller's teams with role and member count", async () => {
    const r = await call(teamsRoute.GET, { as: member });
    expect(r.status).toBe(200);
    expect(r.body.teams).toContainEqual(expect.objectContaining({ id: teamId, name: "Vision Lab", role: "member", memberCount: 3 }));
    expect((await call(teamsRoute.GET, { as: outsider })).body.teams).toEqual([]);
  });

  it("members read the team; the roster is ordered owner, admin, member", async () => {
    const r = await call(teamRoute.GET, { as: member, params: { teamId } });
    expect(r.status).toBe(200);
    expect(r.body.role).toBe("member");
    expect(r.body.members.map((m: { role: string }) => m.role)).toEqual(["owner", "admin", "member"]);
  });

  it("anonymous → 401, unknown team → 404, non-member → 403, bad id → 400", async () => {
    const anon = await call(teamRoute.GET, { params: { teamId } });
    expect(anon.status).toBe(401);
    const unknown = await call(teamRoute.GET, { as: owner, params: { teamId: 987654321 } });
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toEqual({ code: "NOT_FOUND", message: "Team 987654321 does not exist" });
    const stranger = await call(membersRoute.GET, { as: outsider, params: { teamId } });
    expect(stranger.status).toBe(403);
    expect(stranger.body.error.message).toBe('You are not a member of team "Vision Lab"');
    const bad = await call(teamRoute.GET, { as: owner, params: { teamId: "abc" } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toBe("Invalid path parameters: teamId must be a positive integer");
  });

  it("a plain member cannot add, re-role or remove (403 naming the role)", async () => {
    const add = await call(membersRoute.POST, { method: "POST", as: member, params: { teamId }, body: { email: outsider.email } });
    expect(add.status).toBe(403);
    expect(add.body.error.message).toBe('This needs the admin role in team "Vision Lab" (you are member)');
    const promote = await call(memberRoute.PATCH, {
      method: "PATCH",
      as: member,
      params: { teamId, userId: member.id },
      body: { role: "admin" },
    });
    expect(promote.status).toBe(403);
    const remove = await call(memberRoute.DELETE, { method: "DELETE", as: member, params: { teamId, userId: admin.id } });
    expect(remove.status).toBe(403);
  });

  it("adding an unknown email → 404 that says to sign up first; adding twice → 409", async () => {
    const email = uniqueEmail("ghost");
    const r = await call(membersRoute.POST, { method: "POST", as: admin, params: { teamId }, body: { email } });
    expect(r.status).toBe(404);
    expect(r.body.error.message).toBe(`No account uses the email ${email}; ask them to sign up first`);
    const again = await call(membersRoute.POST, { method: "POST", as: admin, params: { teamId }, body: { email: member.email } });
    expect(again.status).toBe(409);
    const badRole = await call(membersRoute.POST, {
      method: "POST",
      as: admin,
      params: { teamId },
      body: { email: outsider.email, role: "king" },
    });
    expect(badRole.status).toBe(400);
    expect(badRole.body.error.message).toBe("Invalid request body: role must be one of member, admin, owner");
  });

  it("admins manage members but not owners", async () => {
    const temp = await makeUser("temp");
    expect((await call(membersRoute.POST, { method: "POST", as: admin, params: { teamId }, body: { email: temp.email } })).status).toBe(
      201,
    );
    const promote = await call(memberRoute.PATCH, {
      method: "PATCH",
      as: admin,
      params: { teamId, userId: temp.id },
      body: { role: "admin" },
    });
    expect(promote).toMatchObject({ status: 200, body: { member: { userId: temp.id, role: "admin" } } });
    const makeOwner = await call(memberRoute.PATCH, {
      method: "PATCH",
      as: admin,
      params: { teamId, userId: temp.id },
      body: { role: "owner" },
    });
    expect(makeOwner.status).toBe(403);
    expect(makeOwner.body.error.message).toBe("Only an owner can grant or change the owner role");
    const demoteOwner = await call(memberRoute.PATCH, {
      method: "PATCH",
      as: admin,
      params: { teamId, userId: owner.id },
      body: { role: "member" },
    });
    expect(demoteOwner.status).toBe(403);
    const removeOwner = await call(memberRoute.DELETE, { method: "DELETE", as: admin, params: { teamId, userId: owner.id } });
    expect(removeOwner.status).toBe(403);
    expect((await call(memberRoute.DELETE, { method: "DELETE", as: admin, params: { teamId, userId: temp.id } })).status).toBe(204);
    const gone = await call(memberRoute.DELETE, { method: "DELETE", as: admin, params: { teamId, userId: temp.id } });
    expect(gone.status).toBe(404);
  });

  it("the last owner can be neither demoted nor removed (409); with two owners one may leave", async () => {
    const demote = await call(memberRoute.PATCH, {
      method: "PATCH",
      as: owner,
      params: { teamId, userId: owner.id },
      body: { role: "admin" },
    });
    expect(demote.status).toBe(409);
    expect(demote.body.error.message).toBe("A team needs at least one owner: make someone else owner first");
    const leave = await call(memberRoute.DELETE, { method: "DELETE", as: owner, params: { teamId, userId: owner.id } });
    expect(leave.status).toBe(409);

    const co = await makeUser("co-owner");
    const team2 = (await call(teamsRoute.POST, { method: "POST", as: co, body: { name: "Second" } })).body.team.id;
    expect(
      (await call(membersRoute.POST, { method: "POST", as: co, params: { teamId: team2 }, body: { email: owner.email, role: "owner" } }))
        .status,
    ).toBe(201);
    expect((await call(memberRoute.DELETE, { method: "DELETE", as: co, params: { teamId: team2, userId: co.id } })).status).toBe(204);
    const left = await call(teamRoute.GET, { as: co, params: { teamId: team2 } });
    expect(left.status).toBe(403);
  });

  it("members may leave on their own; team names are validated and renamed by admins", async () => {
    const leaver = await makeUser("leaver");
    await call(membersRoute.POST, { method: "POST", as: owner, params: { teamId }, body: { email: leaver.email } });
    expect((await call(memberRoute.DELETE, { method: "DELETE", as: leaver, params: { teamId, userId: leaver.id } })).status).toBe(204);
    const empty = await call(teamsRoute.POST, { method: "POST", as: owner, body: { name: "   " } });
    expect(empty.status).toBe(400);
    expect(empty.body.error.message).toBe("Invalid request body: name is required");
    expect((await call(teamRoute.PATCH, { method: "PATCH", as: member, params: { teamId }, body: { name: "X" } })).status).toBe(403);
    expect((await call(teamRoute.PATCH, { method: "PATCH", as: admin, params: { teamId }, body: { name: "Vision Lab" } })).status).toBe(
      204,
    );
  });
});
