/**
 * Who becomes site admin, on a fresh database of its own (so "first" means first): never the first
 * sign-up, never the demo user; the NNLQ_ADMIN_EMAIL account (at sign-up or at start-up); or whoever
 * opens the one-time setup link signed in (GET /setup?token=…, the real route handler), once.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { GET as setupRoute } from "@/app/setup/route";
import { POST as signupRoute } from "@/app/api/v1/auth/signup/route";
import { createDb, getDb, type DbHandle } from "@/lib/db/client";
import { seed, DEMO } from "@/lib/services/seed";
import { findUserByEmail, hasSiteAdmin, setSiteAdmin } from "@/lib/db/users";
import { signUp } from "@/lib/services/accounts";
import { claimSiteAdmin, issueSetupToken, prepareSiteAdmin, SETUP_TOKEN_TTL_MS } from "@/lib/services/admin-setup";
import { createApiKey } from "@/lib/services/keys";
import { createTeam } from "@/lib/services/teams";
import { call, PASSWORD, sessionOf, uniqueEmail } from "../setup/fixtures";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

let fresh: TestDatabase;
let h: DbHandle;
let savedUrl: string | undefined;

beforeAll(async () => {
  fresh = await createTestDatabase();
  h = createDb(fresh.url, { connectionLimit: 8 });
  // the /setup route handler uses the shared client (getDb): point it at this file's own database
  savedUrl = process.env.DATABASE_URL;
  process.env.DATABASE_URL = fresh.url;
});
afterAll(async () => {
  process.env.DATABASE_URL = savedUrl;
  await h?.close();
  await fresh?.drop();
});
afterEach(async () => {
  delete process.env.NNLQ_ADMIN_EMAIL;
  // leave the database without admins for the next test
  for (const email of admins) {
    const u = await findUserByEmail(h.db, { email });
    if (u) await setSiteAdmin(h.db, { userId: u.id, isSiteAdmin: false });
  }
  admins.length = 0;
});
const admins: string[] = [];

const signUpAs = (tag: string) => signUp(h.db, { email: uniqueEmail(tag), password: PASSWORD, name: tag });

describe("nobody is admin for being first", () => {
  it("the first sign-ups of a fresh install (demo account present, several at once) are not site admins", async () => {
    await seed(h.db, { demo: true });
    expect(await hasSiteAdmin(getDb())).toBe(false);
    const first = await call(signupRoute, { method: "POST", body: { email: uniqueEmail("first"), password: PASSWORD, name: "First" } });
    expect(first.status).toBe(201);
    expect(first.body.user.isSiteAdmin).toBe(false);
    const crowd = await Promise.all(Array.from({ length: 6 }, (_, i) => signUpAs(`crowd${i}`)));
    expect(crowd.filter((u) => u.isSiteAdmin)).toEqual([]);
    expect(await hasSiteAdmin(h.db)).toBe(false);
    expect((await findUserByEmail(h.db, { email: DEMO.email }))!.isSiteAdmin).toBe(false);
  });
});

describe("NNLQ_ADMIN_EMAIL", () => {
  it("makes that account admin at sign-up, and nobody else", async () => {
    const bossEmail = uniqueEmail("boss");
    process.env.NNLQ_ADMIN_EMAIL = ` ${bossEmail.toUpperCase()} `;
    admins.push(bossEmail);
    expect((await signUpAs("before")).isSiteAdmin).toBe(false);
    expect((await signUp(h.db, { email: bossEmail, password: PASSWORD, name: "Boss" })).isSiteAdmin).toBe(true);
    expect((await signUpAs("after")).isSiteAdmin).toBe(false);
  });

  it("makes an existing account admin at start-up; then no setup link is printed", async () => {
    const existing = await signUpAs("existing");
    expect(existing.isSiteAdmin).toBe(false);
    process.env.NNLQ_ADMIN_EMAIL = existing.email;
    admins.push(existing.email);
    const r = await prepareSiteAdmin(h.db);
    expect(r).toEqual({ promoted: existing.email, setupToken: null, warning: null });
    expect((await findUserByEmail(h.db, { email: existing.email }))!.isSiteAdmin).toBe(true);
  });

  it("naming the demo account is ignored with a warning (a setup link is printed instead)", async () => {
    process.env.NNLQ_ADMIN_EMAIL = DEMO.email;
    const r = await prepareSiteAdmin(h.db);
    expect(r.promoted).toBeNull();
    expect(r.warning).toMatch(/demo account .* never site admin/);
    expect(r.setupToken).toMatch(/^[A-Za-z0-9_-]{32}$/);
    expect((await findUserByEmail(h.db, { email: DEMO.email }))!.isSiteAdmin).toBe(false);
  });
});

describe("the demo user is never admin", () => {
  it("seed un-admins a demo user that an older install made admin", async () => {
    await seed(h.db, { demo: true });
    const demo = (await findUserByEmail(h.db, { email: DEMO.email }))!;
    await setSiteAdmin(h.db, { userId: demo.id, isSiteAdmin: true });
    await seed(h.db, { demo: true });
    expect((await findUserByEmail(h.db, { email: DEMO.email }))!.isSiteAdmin).toBe(false);
    await setSiteAdmin(h.db, { userId: demo.id, isSiteAdmin: true });
    await seed(h.db, { demo: false }); // also with NNLQ_DEMO=0
    expect((await findUserByEmail(h.db, { email: DEMO.email }))!.isSiteAdmin).toBe(false);
  });

  it("the demo user cannot use a setup link (and does not burn it)", async () => {
    const demo = (await findUserByEmail(h.db, { email: DEMO.email }))!;
    const token = await issueSetupToken(h.db);
    const r = await call(setupRoute as never, { path: `/setup?token=${token}`, as: demo });
    expect(r.status).toBe(403);
    expect(r.text).toContain("The demo account cannot become site admin");
    const me = await signUpAs("after-demo");
    admins.push(me.email);
    expect((await call(setupRoute as never, { path: `/setup?token=${token}`, as: me })).status).toBe(200);
  });
});

describe("the one-time setup link (GET /setup?token=…)", () => {
  it("start-up issues a link while there is no admin; a newer one replaces it", async () => {
    const first = await prepareSiteAdmin(h.db);
    const second = await prepareSiteAdmin(h.db);
    expect(first.setupToken).toBeTruthy();
    expect(second.setupToken).toBeTruthy();
    expect(second.setupToken).not.toBe(first.setupToken);
    const me = await signUpAs("replaced");
    const old = await call(setupRoute as never, { path: `/setup?token=${first.setupToken}`, as: me });
    expect(old.status).toBe(404);
    expect(old.text).toContain("This setup link is not valid");
  });

  it("signed in: makes that user admin and works once; the next user gets 409", async () => {
    const token = (await prepareSiteAdmin(h.db)).setupToken!;
    // not signed in: 401 with a sign-in link back here; nothing is used up
    const anon = await call(setupRoute as never, { path: `/setup?token=${token}` });
    expect(anon.status).toBe(401);
    expect(anon.headers.get("content-type")).toMatch(/text\/html/);
    expect(anon.text).toContain(`/signin?callbackUrl=${encodeURIComponent(`/setup?token=${token}`)}`);
    const me = await signUpAs("owner-of-site");
    admins.push(me.email);
    const ok = await call(setupRoute as never, { path: `/setup?token=${token}`, as: me });
    expect(ok.status).toBe(200);
    expect(ok.text).toContain("You are the site administrator");
    expect((await findUserByEmail(h.db, { email: me.email }))!.isSiteAdmin).toBe(true);
    const intruder = await signUpAs("intruder");
    const again = await call(setupRoute as never, { path: `/setup?token=${token}`, as: intruder });
    expect(again.status).toBe(409);
    expect(again.text).toContain("This setup link was already used; it works once");
    expect((await findUserByEmail(h.db, { email: intruder.email }))!.isSiteAdmin).toBe(false);
    // while an admin exists, start-up prints no link
    expect((await prepareSiteAdmin(h.db)).setupToken).toBeNull();
  });

  it("concurrent openings with one token: exactly one user becomes admin", async () => {
    const token = await issueSetupToken(h.db);
    const users = await Promise.all(Array.from({ length: 6 }, (_, i) => signUpAs(`race${i}`)));
    admins.push(...users.map((u) => u.email));
    const results = await Promise.allSettled(users.map((u) => claimSiteAdmin(h.db, sessionOf(u), token)));
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    const admins_ = await Promise.all(users.map((u) => findUserByEmail(h.db, { email: u.email })));
    expect(admins_.filter((u) => u!.isSiteAdmin)).toHaveLength(1);
  });

  it("expired, wrong, missing token, an API key, and a stale link once an admin exists → 4xx with a message", async () => {
    const me = await signUpAs("tries");
    const expired = await issueSetupToken(h.db, new Date(Date.now() - SETUP_TOKEN_TTL_MS - 1000));
    const e = await call(setupRoute as never, { path: `/setup?token=${expired}`, as: me });
    expect([e.status, e.text.includes("This setup link has expired")]).toEqual([409, true]);
    const wrong = await call(setupRoute as never, { path: `/setup?token=${"x".repeat(32)}`, as: me });
    expect([wrong.status, wrong.text.includes("This setup link is not valid")]).toEqual([404, true]);
    const missing = await call(setupRoute as never, { path: `/setup`, as: me });
    expect(missing.status).toBe(404);
    const xss = await call(setupRoute as never, { path: `/setup?token=%3Cscript%3E`, as: me });
    expect(xss.status).toBe(404);
    expect(xss.text).not.toContain("<script>");

    const token = await issueSetupToken(h.db);
    const team = await createTeam(h.db, sessionOf(me), { name: "Keyed" });
    const { secret } = await createApiKey(h.db, sessionOf(me), { teamId: team.id, name: "k" });
    const viaKey = await call(setupRoute as never, { path: `/setup?token=${token}`, key: secret });
    expect([viaKey.status, viaKey.text.includes("needs a signed-in session, not an API key")]).toEqual([403, true]);

    // an admin appears some other way (NNLQ_ADMIN_EMAIL): the old link no longer works, and is burnt
    const boss = await signUpAs("boss2");
    await setSiteAdmin(h.db, { userId: boss.id, isSiteAdmin: true });
    admins.push(boss.email);
    const stale = await call(setupRoute as never, { path: `/setup?token=${token}`, as: me });
    expect([stale.status, stale.text.includes("already has an administrator")]).toEqual([409, true]);
    expect((await findUserByEmail(h.db, { email: me.email }))!.isSiteAdmin).toBe(false);
    await setSiteAdmin(h.db, { userId: boss.id, isSiteAdmin: false });
    const burnt = await call(setupRoute as never, { path: `/setup?token=${token}`, as: me });
    expect(burnt.status).toBe(409);
  });
});
