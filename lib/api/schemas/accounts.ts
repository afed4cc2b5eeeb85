/**
 * zod schemas of sign-up, teams, members and API keys (plus the shared `id`). Shared by route handlers
 * (validation), client forms (instant feedback), the typed client/CLI and the OpenAPI document.
 * Isomorphic: no Node or server imports.
 */
import { z } from "zod";
import { passwordProblem } from "@/lib/auth/password-policy";

export const id = z.coerce
  .number({ error: "must be a positive integer" })
  .int("must be a positive integer")
  .positive("must be a positive integer");

export const role = z.enum(["member", "admin", "owner"], { error: "must be one of member, admin, owner" });

export const email = z.email({ error: "must be a valid email address" }).max(255, "must be at most 255 characters");

export const password = z.string({ error: "is required" }).superRefine((pw, ctx) => {
  const problem = passwordProblem(pw);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
});

const name = (max: number) =>
  z.string({ error: "is required" }).trim().min(1, "is required").max(max, `must be at most ${max} characters`);

// ── auth ──
export const signupBody = z.object({ email, password, name: name(120) });
export type SignupBody = z.infer<typeof signupBody>;

// ── teams ──
export const teamParams = z.object({ teamId: id });
export const memberParams = z.object({ teamId: id, userId: id });
export const keyParams = z.object({ teamId: id, keyId: id });

export const createTeamBody = z.object({ name: name(120) });
export const renameTeamBody = createTeamBody;
export const addMemberBody = z.object({ email, role: role.default("member") });
export const changeRoleBody = z.object({ role });
export const createKeyBody = z.object({ name: name(100) });
export const usageQuery = z.object({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, "must look like 2025-01")
    .optional(),
});
