/** Password hashing with bcryptjs (cost 10). Server only; the policy is in password-policy.ts. */
import bcrypt from "bcryptjs";

export { passwordProblem, PASSWORD_RULE } from "./password-policy";

export function hashPassword(pw: string): Promise<string> {
  return bcrypt.hash(pw, 10);
}

export function verifyPassword(pw: string, hash: string): Promise<boolean> {
  return bcrypt.compare(pw, hash);
}
