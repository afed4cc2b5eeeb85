/** Sign-up and credential checks. */
import { NnlqError } from "@/lib/errors";
import { withNamedLock, type Db, type DbOrTx } from "@/lib/db/client";
import { findUserByEmail, hasSiteAdmin, insertUser, toPublicUser, type PublicUser } from "@/lib/db/users";
import { normalizeEmail } from "@/lib/db/util";
import { hashPassword, passwordProblem, verifyPassword } from "@/lib/auth/password";

/**
 * Creates an account. The first account (no site admin yet), or the one whose email equals
 * NNLQ_ADMIN_EMAIL, becomes site admin. Duplicate email → CONFLICT; weak password → VALIDATION.
 */
export async function signUp(db: Db, input: { email: string; password: string; name: string }): Promise<PublicUser> {
  const problem = passwordProblem(input.password);
  if (problem) throw new NnlqError("VALIDATION", problem, { fields: { password: problem } });
  const email = normalizeEmail(input.email);
  const name = input.name.trim();
  const passwordHash = await hashPassword(input.password);
  const adminEmail = process.env.NNLQ_ADMIN_EMAIL ? normalizeEmail(process.env.NNLQ_ADMIN_EMAIL) : null;
  if (email === adminEmail) return toPublicUser(await insertUser(db, { email, name, passwordHash, isSiteAdmin: true }));
  if (await hasSiteAdmin(db)) return toPublicUser(await insertUser(db, { email, name, passwordHash }));
  // No admin yet: the first account becomes one. The named lock makes "first" exact when several people
  // sign up at once (row locks on an empty range deadlock under concurrent inserts).
  return withNamedLock(db, "nnlq_first_admin", async (pinned) =>
    toPublicUser(await insertUser(pinned, { email, name, passwordHash, isSiteAdmin: !(await hasSiteAdmin(pinned)) })),
  );
}

/** The user for an email + password, or null (same answer for unknown email and wrong password). */
export async function verifyCredentials(
  db: DbOrTx,
  { email, password }: { email: string; password: string },
): Promise<PublicUser | null> {
  const user = await findUserByEmail(db, { email });
  if (!user) {
    await verifyPassword(password, DUMMY_HASH); // same timing as a wrong password
    return null;
  }
  return (await verifyPassword(password, user.passwordHash)) ? toPublicUser(user) : null;
}

const DUMMY_HASH = "$2b$10$sdqLpfLfizjxy4H1qa5ZW.QfcIBDPLaERXEyQ5SpZXSALgQLRyUEm"; // bcrypt of a throwaway string
