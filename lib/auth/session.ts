/**
 * Authenticating a request: `Authorization: Bearer nnlq_...` (API key) or the next-auth session cookie
 * (an encrypted JWT whose `sub` is the user id). Works on a plain Request, so route handlers and tests
 * share it; server components use currentPrincipal() (next/headers).
 */
import { decode } from "next-auth/jwt";
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "@/lib/db/client";
import { getUser, toPublicUser } from "@/lib/db/users";
import { authenticateApiKey } from "@/lib/services/keys";
import type { Principal } from "./principal";
import { authSecret } from "./secret";

export const SESSION_COOKIES = ["__Secure-next-auth.session-token", "next-auth.session-token"] as const;

/**
 * The request's cookies. Other cookies on the site's domain are not ours (`theme=100%`): a value that is
 * not valid percent-encoding is kept as sent, never an error (a URIError here was a 500 on every route).
 */
export function parseCookieHeader(header: string | null): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of (header ?? "").split(";")) {
    const i = part.indexOf("=");
    if (i <= 0) continue;
    const raw = part.slice(i + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      /* malformed escape: keep the raw value */
    }
    out.set(part.slice(0, i).trim(), value);
  }
  return out;
}

/** The session token (joining next-auth's chunked cookies `<name>.0`, `<name>.1`... when large). */
function sessionToken(get: (name: string) => string | undefined): string | undefined {
  for (const name of SESSION_COOKIES) {
    const whole = get(name);
    if (whole) return whole;
    let joined = "";
    for (let i = 0; ; i++) {
      const chunk = get(`${name}.${i}`);
      if (!chunk) break;
      joined += chunk;
    }
    if (joined) return joined;
  }
  return undefined;
}

async function principalFromSessionToken(db: DbOrTx, token: string | undefined): Promise<Principal | null> {
  if (!token) return null;
  let sub: unknown;
  try {
    sub = (await decode({ token, secret: authSecret() }))?.sub;
  } catch {
    return null; // expired, or signed with another secret: treat as signed out
  }
  const id = Number(sub);
  if (!Number.isInteger(id)) return null;
  const user = await getUser(db, { id });
  return user ? { user: toPublicUser(user), via: "session" } : null;
}

/**
 * The caller of a request, or null when anonymous. A present but bad Authorization header is an error
 * (INVALID_API_KEY), never silently anonymous.
 */
export async function principalFromRequest(db: DbOrTx, req: Request): Promise<Principal | null> {
  const auth = req.headers.get("authorization");
  if (auth !== null) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(auth);
    if (!m) {
      throw new NnlqError("INVALID_API_KEY", "Malformed Authorization header: expected `Authorization: Bearer nnlq_<prefix>_<secret>`");
    }
    return authenticateApiKey(db, m[1]!);
  }
  const cookies = parseCookieHeader(req.headers.get("cookie"));
  return principalFromSessionToken(db, sessionToken((n) => cookies.get(n)));
}

/** The signed-in user of the current server-component render, or null. */
export async function currentPrincipal(db: DbOrTx): Promise<Principal | null> {
  const { cookies } = await import("next/headers");
  const jar = await cookies();
  return principalFromSessionToken(db, sessionToken((n) => jar.get(n)?.value));
}
