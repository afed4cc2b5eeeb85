/**
 * The route wrapper without a database: validation messages, JSON errors, NnlqError → status, and
 * unknown errors → a generic 500 without a stack trace.
 */
import { beforeAll, describe, expect, it, vi } from "vitest";
import { z } from "zod";
import { json, route } from "@/lib/api/http";
import { NnlqError } from "@/lib/errors";
import { signupBody } from "@/lib/api/schemas";
import { call } from "../setup/fixtures";

beforeAll(() => {
  // a pool is created lazily and never connects unless a query runs (none does without credentials)
  process.env.DATABASE_URL ??= "mysql://nobody@127.0.0.1:1/unused";
});

describe("route()", () => {
  const echo = route(
    { auth: "public", body: z.object({ n: z.number().int().min(1, "must be at least 1") }), query: z.object({ q: z.string().optional() }) },
    ({ body, query }) => json({ n: body.n, q: query.q ?? null }, 201),
  );

  it("validates the body and passes typed values", async () => {
    const r = await call(echo, { method: "POST", path: "/x?q=hi", body: { n: 3 } });
    expect(r).toMatchObject({ status: 201, body: { n: 3, q: "hi" } });
  });

  it("field messages on bad input (400 VALIDATION)", async () => {
    const r = await call(echo, { method: "POST", body: { n: 0 } });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({
      code: "VALIDATION",
      message: "Invalid request body: n must be at least 1",
      details: { fields: { n: "must be at least 1" } },
    });
  });

  it("malformed JSON is a 400 with a message", async () => {
    const r = await call(echo, { method: "POST", rawBody: "{not json", headers: { "content-type": "application/json" } });
    expect(r.status).toBe(400);
    expect(r.body.error).toEqual({ code: "BAD_REQUEST", message: "Request body must be valid JSON" });
  });

  it("sign-up schema explains every bad field", async () => {
    const h = route({ auth: "public", body: signupBody }, () => ({}));
    const r = await call(h, { method: "POST", body: { email: "nope", password: "short", name: "" } });
    expect(r.status).toBe(400);
    expect(r.body.error.details.fields).toEqual({
      email: "must be a valid email address",
      password: "Password must be at least 8 characters, with letters and digits",
      name: "is required",
    });
    expect(r.body.error.message).toMatch(/^Invalid request body: email must be a valid email address; Password must be/);
  });

  it("maps NnlqError codes to their status", async () => {
    const h = route({ auth: "public" }, () => {
      throw new NnlqError("QUOTA_EXCEEDED", "only 3 s left");
    });
    expect(await call(h)).toMatchObject({ status: 402, body: { error: { code: "QUOTA_EXCEEDED", message: "only 3 s left" } } });
  });

  it("unknown errors become a generic 500 without internals", async () => {
    const spy = vi.spyOn(console, "error").mockImplementation(() => {});
    const h = route({ auth: "public" }, () => {
      throw new Error("secret detail at /srv/app.ts:12");
    });
    const r = await call(h);
    expect(spy).toHaveBeenCalled(); // logged server-side
    spy.mockRestore();
    expect(r.status).toBe(500);
    expect(r.body).toEqual({ error: { code: "INTERNAL", message: "Internal server error" } });
    expect(r.text).not.toMatch(/secret detail|app\.ts/);
  });

  it("undefined → 204, anonymous on a user route → 401", async () => {
    expect((await call(route({ auth: "public" }, () => undefined))).status).toBe(204);
    const r = await call(route({ auth: "user" }, () => ({})));
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe("UNAUTHENTICATED");
  });

  it("a malformed Authorization header is 401 even on public routes", async () => {
    const r = await call(route({ auth: "public" }, () => ({})), { headers: { authorization: "Token abc" } });
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: "INVALID_API_KEY", message: expect.stringMatching(/Malformed Authorization header/) });
    const bad = await call(route({ auth: "public" }, () => ({})), { key: "nnlq_short" });
    expect(bad.body.error.message).toMatch(/Malformed API key/);
  });

  it("path parameters are validated", async () => {
    const r = await call(
      route({ auth: "public", params: z.object({ teamId: z.coerce.number().int().positive("must be a positive integer") }) }, () => ({})),
      {
        params: { teamId: "abc" },
      },
    );
    expect(r.status).toBe(400);
    expect(r.body.error.message).toMatch(/teamId/);
  });
});
