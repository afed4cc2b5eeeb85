/** Password policy (pure; shared by the zod schemas, the sign-up form and the service). */
export const PASSWORD_RULE = "at least 8 characters, with letters and digits";

/** null when acceptable, else the reason. */
export function passwordProblem(pw: string): string | null {
  if (pw.length < 8 || !/[A-Za-z]/.test(pw) || !/[0-9]/.test(pw)) return `Password must be ${PASSWORD_RULE}`;
  if (pw.length > 200) return "Password must be at most 200 characters";
  return null;
}
