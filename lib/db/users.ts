/** Users (accounts). Not team-scoped: the callers are sign-up, sign-in and the auth guards. */
import { eq } from "drizzle-orm";
import { NnlqError } from "@/lib/errors";
import type { DbOrTx } from "./client";
import { users, type User } from "./schema";
import { isDuplicateKey, normalizeEmail } from "./util";

/** The demo account that `npm run up` seeds (its password is printed): never a site admin. */
export const DEMO_EMAIL = "demo@nnlq.local";

export type PublicUser = Pick<User, "id" | "email" | "name" | "isSiteAdmin" | "createdAt">;

export function toPublicUser(u: User): PublicUser {
  return { id: u.id, email: u.email, name: u.name, isSiteAdmin: u.isSiteAdmin, createdAt: u.createdAt };
}

export async function insertUser(
  db: DbOrTx,
  input: { email: string; name: string; passwordHash: string; isSiteAdmin?: boolean },
): Promise<User> {
  const email = normalizeEmail(input.email);
  try {
    const [res] = await db.insert(users).values({ ...input, email, isSiteAdmin: input.isSiteAdmin ?? false });
    return (await getUser(db, { id: res.insertId }))!;
  } catch (e) {
    if (isDuplicateKey(e)) throw new NnlqError("CONFLICT", `An account with the email ${email} already exists`);
    throw e;
  }
}

export async function getUser(db: DbOrTx, { id }: { id: number }): Promise<User | null> {
  const [u] = await db.select().from(users).where(eq(users.id, id)).limit(1);
  return u ?? null;
}

export async function findUserByEmail(db: DbOrTx, { email }: { email: string }): Promise<User | null> {
  const [u] = await db.select().from(users).where(eq(users.email, normalizeEmail(email))).limit(1);
  return u ?? null;
}

/** Is there a site admin yet? */
export async function hasSiteAdmin(db: DbOrTx): Promise<boolean> {
  const rows = await db.select({ id: users.id }).from(users).where(eq(users.isSiteAdmin, true)).limit(1);
  return rows.length > 0;
}

export async function setSiteAdmin(db: DbOrTx, { userId, isSiteAdmin }: { userId: number; isSiteAdmin: boolean }) {
  await db.update(users).set({ isSiteAdmin }).where(eq(users.id, userId));
}

export async function setPasswordHash(db: DbOrTx, { userId, passwordHash }: { userId: number; passwordHash: string }) {
  await db.update(users).set({ passwordHash }).where(eq(users.id, userId));
}
