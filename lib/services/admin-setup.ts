/**
 * Who is site admin. Never "whoever signed up first" (a public deployment would belong to its first
 * visitor) and never the demo user (its password is printed). Admin rights come from exactly two places:
 *   - NNLQ_ADMIN_EMAIL: the account with that email is admin when it signs up, or at start-up if it exists;
 *   - a one-time setup link `/setup?token=…` that the start script prints while the site has no admin:
 *     opening it signed in makes that user admin and burns the token (lib/db/setup-tokens.ts).
 */
import { createHash, randomBytes } from "node:crypto";
import { NnlqError } from "@/lib/errors";
import { env } from "@/lib/env";
import type { Db, DbOrTx } from "@/lib/db/client";
import * as tokensDb from "@/lib/db/setup-tokens";
import { DEMO_EMAIL, findUserByEmail, hasSiteAdmin, setSiteAdmin, type PublicUser } from "@/lib/db/users";
import { normalizeEmail } from "@/lib/db/util";
import type { Principal } from "@/lib/auth/principal";

/** How long a printed setup link works. */
export const SETUP_TOKEN_TTL_MS = 24 * 3600_000;

const sha256 = (s: string) => createHash("sha256").update(s).digest("hex");

/** NNLQ_ADMIN_EMAIL normalised, or null when unset (or naming the demo account, which is never admin). */
export function configuredAdminEmail(source: NodeJS.ProcessEnv = process.env): string | null {
  const raw = env(source).NNLQ_ADMIN_EMAIL?.trim();
  if (!raw) return null;
  const email = normalizeEmail(raw);
  return email === DEMO_EMAIL ? null : email;
}

/** May an account with this email be made site admin? (Everyone but the demo user.) */
export function mayBeSiteAdmin(email: string): boolean {
  return normalizeEmail(email) !== DEMO_EMAIL;
}

/** Is this email the one NNLQ_ADMIN_EMAIL names? (Sign-up makes that account admin.) */
export function isConfiguredAdmin(email: string): boolean {
  const admin = configuredAdminEmail();
  return admin !== null && normalizeEmail(email) === admin;
}

export interface AdminStartup {
  /** the NNLQ_ADMIN_EMAIL account, made admin now (null: unset, or no such account yet) */
  promoted: string | null;
  /** a fresh one-time token while the site has no admin (print it as /setup?token=…), else null */
  setupToken: string | null;
  /** why NNLQ_ADMIN_EMAIL was ignored, if it was */
  warning: string | null;
}

/**
 * Run at start-up (scripts/start.ts): makes the NNLQ_ADMIN_EMAIL account admin when it exists; then,
 * while no admin exists, replaces any unused setup token with a new one and returns it.
 */
export async function prepareSiteAdmin(db: DbOrTx, now = new Date()): Promise<AdminStartup> {
  const raw = env().NNLQ_ADMIN_EMAIL?.trim();
  const warning =
    raw && !configuredAdminEmail() ? `NNLQ_ADMIN_EMAIL names the demo account (${DEMO_EMAIL}), which is never site admin; ignored` : null;
  let promoted: string | null = null;
  const adminEmail = configuredAdminEmail();
  if (adminEmail) {
    const user = await findUserByEmail(db, { email: adminEmail });
    if (user) {
      if (!user.isSiteAdmin) await setSiteAdmin(db, { userId: user.id, isSiteAdmin: true });
      promoted = user.email;
    }
  }
  let setupToken: string | null = null;
  if (!(await hasSiteAdmin(db))) setupToken = await issueSetupToken(db, now);
  return { promoted, setupToken, warning };
}

/** A new one-time setup token (unused older ones stop working); only its sha256 is stored. */
export async function issueSetupToken(db: DbOrTx, now = new Date(), ttlMs = SETUP_TOKEN_TTL_MS): Promise<string> {
  const token = randomBytes(24).toString("base64url");
  await tokensDb.deleteUnusedSetupTokens(db);
  await tokensDb.insertSetupToken(db, { hash: sha256(token), expiresAt: new Date(now.getTime() + ttlMs) });
  return token;
}

/**
 * Opens a setup link: the signed-in caller becomes site admin and the token is used up. Errors (all
 * NnlqError, 4xx): not signed in → UNAUTHENTICATED; an API key → FORBIDDEN; the demo user → FORBIDDEN;
 * unknown token → NOT_FOUND; used, expired, or an admin already exists → CONFLICT.
 */
export async function claimSiteAdmin(db: Db, p: Principal | null, token: string | null | undefined, now = new Date()): Promise<PublicUser> {
  if (!p) throw new NnlqError("UNAUTHENTICATED", "Sign in (or create an account) first, then open the setup link again");
  if (p.via !== "session") throw new NnlqError("FORBIDDEN", "The setup link needs a signed-in session, not an API key");
  if (!mayBeSiteAdmin(p.user.email)) {
    throw new NnlqError(
      "FORBIDDEN",
      "The demo account cannot become site admin: sign up with your own account, then open the setup link again",
    );
  }
  const t = (token ?? "").trim();
  if (!/^[A-Za-z0-9_-]{16,128}$/.test(t))
    throw new NnlqError("NOT_FOUND", "This setup link is not valid: copy the whole link that `npm run up` printed");
  const hash = sha256(t);
  const row = await tokensDb.findSetupToken(db, { hash });
  if (!row)
    throw new NnlqError(
      "NOT_FOUND",
      "This setup link is not valid (a newer one replaces it at every start): use the link that `npm run up` printed last",
    );
  if (row.usedAt) throw new NnlqError("CONFLICT", "This setup link was already used; it works once");
  if (row.expiresAt.getTime() <= now.getTime()) {
    throw new NnlqError("CONFLICT", "This setup link has expired; restart nnlq (`npm run up`) to print a new one");
  }
  const outcome = await db.transaction(async (tx) => {
    // the conditional UPDATE lets exactly one request use the token, however many arrive at once
    if (!(await tokensDb.claimSetupToken(tx, { hash, userId: p.user.id, now }))) return "used" as const;
    // an admin appeared since the link was printed: the token is burnt all the same (a stale link from a log must not work later)
    if (await hasSiteAdmin(tx)) return "has-admin" as const;
    await setSiteAdmin(tx, { userId: p.user.id, isSiteAdmin: true });
    return "admin" as const;
  });
  if (outcome === "used") throw new NnlqError("CONFLICT", "This setup link was already used; it works once");
  if (outcome === "has-admin")
    throw new NnlqError("CONFLICT", "This site already has an administrator; ask them, or set NNLQ_ADMIN_EMAIL and restart");
  return { ...p.user, isSiteAdmin: true };
}
