/**
 * Helpers for *.db.test.ts: users, principals, session cookies, and calling route handlers with real
 * Requests (the same handler functions Next serves).
 */
import { randomBytes } from "node:crypto";
import { encode } from "next-auth/jwt";
import { getDb, type Db } from "@/lib/db/client";
import { setSiteAdmin, type PublicUser } from "@/lib/db/users";
import { signUp } from "@/lib/services/accounts";
import type { Principal } from "@/lib/auth/principal";
import { authSecret } from "@/lib/auth/secret";

export function db(): Db {
  return getDb();
}

export function uniqueEmail(tag = "user"): string {
  return `${tag}-${randomBytes(5).toString("hex")}@example.test`;
}

export const PASSWORD = "correct-horse-42";

export async function makeUser(tag = "user"): Promise<PublicUser> {
  return signUp(db(), { email: uniqueEmail(tag), password: PASSWORD, name: `Test ${tag}` });
}

/**
 * A site admin. Don't rely on "the first account is admin" in tests: test files run in parallel on one
 * database, so which account is first is not known.
 */
export async function makeSiteAdmin(tag = "site-admin"): Promise<PublicUser> {
  const user = await makeUser(tag);
  await setSiteAdmin(db(), { userId: user.id, isSiteAdmin: true });
  return { ...user, isSiteAdmin: true };
}

export function sessionOf(user: PublicUser): Principal {
  return { user, via: "session" };
}

/** A next-auth session cookie for the user, exactly as next-auth would set it after sign-in. */
export async function sessionCookie(user: { id: number }): Promise<string> {
  const token = await encode({ token: { sub: String(user.id) }, secret: authSecret() });
  return `next-auth.session-token=${token}`;
}

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

export interface CallResult {
  status: number;
  headers: Headers;
  body: any; // eslint-disable-line @typescript-eslint/no-explicit-any
  text: string;
}

/** Calls a route handler with a real Request: `as` a user (session cookie) or with an API `key`. */
export async function call(
  handler: Handler,
  opts: {
    method?: string;
    path?: string;
    params?: Record<string, string | number>;
    body?: unknown;
    rawBody?: string;
    as?: { id: number };
    key?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.as) headers.cookie = await sessionCookie(opts.as);
  if (opts.key) headers.authorization = `Bearer ${opts.key}`;
  let body: string | undefined = opts.rawBody;
  if (opts.body !== undefined) {
    body = JSON.stringify(opts.body);
    headers["content-type"] = "application/json";
  }
  const req = new Request(`http://localhost${opts.path ?? "/api/test"}`, { method: opts.method ?? "GET", headers, body });
  const params = Object.fromEntries(Object.entries(opts.params ?? {}).map(([k, v]) => [k, String(v)]));
  const res = await handler(req, { params: Promise.resolve(params) });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = text;
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}
