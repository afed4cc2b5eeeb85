/** Sign-up and credentials over the real route handler and database. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as signup } from "@/app/api/v1/auth/signup/route";
import { GET as health } from "@/app/api/health/route";
import { verifyCredentials, signUp } from "@/lib/services/accounts";
import { createDb } from "@/lib/db/client";
import { findUserByEmail } from "@/lib/db/users";
import { call, db, uniqueEmail, PASSWORD } from "../setup/fixtures";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";
import journal from "@/drizzle/meta/_journal.json";

const LATEST_MIGRATION = journal.entries.at(-1)!.tag;

describe("POST /api/v1/auth/signup", () => {
  it("creates an account with a bcrypt hash and answers 201 without secrets", async () => {
    const email = uniqueEmail("Signup").toUpperCase();
    const r = await call(signup, { method: "POST", body: { email, password: PASSWORD, name: "  Ada  " } });
    expect(r.status).toBe(201);
    expect(r.body.user).toMatchObject({ email: email.toLowerCase(), name: "Ada" });
    expect(r.text).not.toMatch(/password|hash/i);
    const row = await findUserByEmail(db(), { email });
    expect(row!.passwordHash).toMatch(/^\$2[aby]\$10\$/);
    expect(await verifyCredentials(db(), { email, password: PASSWORD })).toMatchObject({ id: row!.id });
    expect(await verifyCredentials(db(), { email, password: "wrong-password-1" })).toBeNull();
    expect(await verifyCredentials(db(), { email: uniqueEmail("nobody"), password: PASSWORD })).toBeNull();
  });

  it("duplicate email → 409 with a message", async () => {
    const email = uniqueEmail("dup");
    expect((await call(signup, { method: "POST", body: { email, password: PASSWORD, name: "A" } })).status).toBe(201);
    const r = await call(signup, { method: "POST", body: { email: email.toUpperCase(), password: PASSWORD, name: "B" } });
    expect(r.status).toBe(409);
    expect(r.body.error).toEqual({ code: "CONFLICT", message: `An account with the email ${email} already exists` });
  });

  it.each([
    ["short1", "too short"],
    ["onlyletters", "no digits"],
    ["1234567890", "no letters"],
  ])("weak password %s (%s) → 400 naming the rule", async (password) => {
    const r = await call(signup, { method: "POST", body: { email: uniqueEmail("weak"), password, name: "W" } });
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe("VALIDATION");
    expect(r.body.error.message).toBe("Invalid request body: Password must be at least 8 characters, with letters and digits");
  });

  it("missing fields and a non-JSON body → 400, never 500", async () => {
    const r = await call(signup, { method: "POST", body: {} });
    expect(r.status).toBe(400);
    expect(Object.keys(r.body.error.details.fields).sort()).toEqual(["email", "name", "password"]);
    const raw = await call(signup, { method: "POST", rawBody: "email=a@b.c" });
    expect(raw.status).toBe(400);
  });
});

describe("site admin", () => {
  let fresh: TestDatabase;
  beforeAll(async () => {
    fresh = await createTestDatabase();
  });
  afterAll(async () => {
    await fresh.drop();
  });

  it("none of many simultaneous first sign-ups is site admin; only the one named by NNLQ_ADMIN_EMAIL is", async () => {
    const h = createDb(fresh.url, { connectionLimit: 8 });
    const adminEmail = uniqueEmail("boss");
    process.env.NNLQ_ADMIN_EMAIL = adminEmail;
    try {
      const crowd = await Promise.all(
        Array.from({ length: 12 }, (_, i) => signUp(h.db, { email: uniqueEmail(`first${i}`), password: PASSWORD, name: `F${i}` })),
      );
      expect(crowd.filter((u) => u.isSiteAdmin)).toHaveLength(0); // being first gives nothing (test/api/admin-setup.db.test.ts)
      const later = await signUp(h.db, { email: uniqueEmail("later"), password: PASSWORD, name: "Later" });
      const boss = await signUp(h.db, { email: adminEmail, password: PASSWORD, name: "Boss" });
      expect([later.isSiteAdmin, boss.isSiteAdmin]).toEqual([false, true]);
    } finally {
      delete process.env.NNLQ_ADMIN_EMAIL;
      await h.close();
    }
  });
});

describe("GET /api/health", () => {
  it("reports the database and the applied migration", async () => {
    const r = await call(health as never);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ ok: true, database: { reachable: true }, migration: { tag: LATEST_MIGRATION }, pending: [] });
    expect(r.body.migration.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("answers 503 with reachable:false when the database is down", async () => {
    const saved = process.env.DATABASE_URL;
    process.env.DATABASE_URL = "mysql://root@127.0.0.1:1/nnlq";
    try {
      const r = await call(health as never);
      expect(r.status).toBe(503);
      expect(r.body).toMatchObject({ ok: false, database: { reachable: false }, migration: null });
    } finally {
      process.env.DATABASE_URL = saved;
    }
  });
});
