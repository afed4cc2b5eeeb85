/** Sign-up and credential checks. */
import { NnlqError } from "@/lib/errors";
import type { Db, DbOrTx } from "@/lib/db/client";
import { findUserByEmail, insertUser, toPublicUser, type PublicUser } from "@/lib/db/users";
import { normalizeEmail } from "@/lib/db/util";
import { hashPassword, passwordProblem, verifyPassword } from "@/lib/auth/password";
import { isConfiguredAdmin } from "./admin-setup";

/**
 * Creates an account. Only the account whose email equals NNLQ_ADMIN_EMAIL becomes site admin here; being
 * first gives nothing (lib/services/admin-setup.ts: the setup link is the other way). Duplicate email →
 * CONFLICT; weak password → VALIDATION.
 */
export async function signUp(db: Db, input: { email: string; password: string; name: string }): Promise<PublicUser> {
  const problem = passwordProblem(input.password);
  if (problem) throw new NnlqError("VALIDATION", problem, { fields: { password: problem } });
  const email = normalizeEmail(input.email);
  const name = input.name.trim();
  const passwordHash = await hashPassword(input.password);
  return toPublicUser(await insertUser(db, { email, name, passwordHash, isSiteAdmin: isConfiguredAdmin(email) }));
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
