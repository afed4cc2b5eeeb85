/**
 * zod schemas of sign-up, teams, members and API keys (plus the shared `id`). Shared by route handlers
 * (validation), client forms (instant feedback), the typed client/CLI and the OpenAPI document.
 * Isomorphic: no Node or server imports.
 */
import { z } from "zod";
import { PASSWORD_RULE } from "@/lib/auth/password-policy";

export const id = z.coerce
  .number({ error: "must be a positive integer" })
  .int("must be a positive integer")
  .positive("must be a positive integer");

export const role = z.enum(["member", "admin", "owner"], { error: "must be one of member, admin, owner" });

export const email = z.email({ error: "must be a valid email address" }).max(255, "must be at most 255 characters");

/**
 * The password policy as zod checks (so the OpenAPI document states it: minLength, maxLength, patterns);
 * the same rule as lib/auth/password-policy's passwordProblem, which the service and the form use
 * (test/query/openapi.test.ts checks that the two agree).
 */
const weak = `Password must be ${PASSWORD_RULE}`;
export const password = z
  .string({ error: "is required" })
  .min(8, weak)
  .regex(/[A-Za-z]/, weak)
  .regex(/[0-9]/, weak)
  .max(200, "Password must be at most 200 characters")
  .describe(`${PASSWORD_RULE}; at most 200`);

const name = (max: number) =>
  z.string({ error: "is required" }).trim().min(1, "is required").regex(/\S/, "is required").max(max, `must be at most ${max} characters`);

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

// ── responses (what the services return; the OpenAPI document declares them) ──
const time = z.string().describe("ISO-8601 UTC time");

export const userView = z.object({ id: z.number(), email: z.string(), name: z.string(), isSiteAdmin: z.boolean(), createdAt: time });
export const signupResponse = z.object({ user: userView });

export const teamOfUser = z.object({ id: z.number(), name: z.string(), role, memberCount: z.number(), createdAt: time });
export const teamsResponse = z.object({ teams: z.array(teamOfUser) });

export const meResponse = z.object({
  user: userView,
  via: z.enum(["session", "api-key"]),
  apiKey: z.object({ id: z.number(), teamId: z.number(), prefix: z.string() }).nullable().describe("the key in use (via api-key)"),
  teams: z.array(teamOfUser).describe("an API key sees only its own team"),
});

export const teamView = z.object({ id: z.number(), name: z.string(), createdBy: z.number().nullable(), createdAt: time });
export const createTeamResponse = z.object({ team: teamView });

export const memberView = z.object({ userId: z.number(), email: z.string(), name: z.string(), role, joinedAt: time });
export const membersResponse = z.object({ members: z.array(memberView) });
export const teamOverviewResponse = z.object({
  team: teamView,
  role: role.describe("the caller's role (API keys: member)"),
  members: z.array(memberView),
});
export const addMemberResponse = z.object({ member: memberView.omit({ joinedAt: true }) });
export const changeRoleResponse = z.object({ member: z.object({ userId: z.number(), role }) });

export const apiKeyView = z.object({
  id: z.number(),
  teamId: z.number(),
  name: z.string(),
  prefix: z.string(),
  createdAt: time,
  lastUsedAt: time.nullable(),
  revokedAt: time.nullable(),
  createdBy: z.object({ id: z.number(), email: z.string() }).nullable(),
});
export const keysResponse = z.object({ keys: z.array(apiKeyView) });
export const createKeyResponse = z.object({ key: apiKeyView, secret: z.string().describe("nnlq_<prefix>_<secret>: shown this once") });
export const revokeKeyResponse = z.object({ key: apiKeyView });

export const usageLine = z.object({
  platformId: z.number(),
  platformSlug: z.string(),
  month: z.string(),
  quotaSeconds: z.number().nullable(),
  usedSeconds: z.number(),
  remainingSeconds: z.number().nullable(),
});
export const ledgerRow = z.object({
  id: z.number(),
  teamId: z.number(),
  platformId: z.number(),
  platformSlug: z.string(),
  month: z.string(),
  jobId: z.number().nullable(),
  kind: z.enum(["reserve", "settle", "refund", "adjust"]),
  deltaSeconds: z.number(),
  note: z.string().nullable(),
  createdBy: z.number().nullable(),
  createdAt: time,
});
export const usageResponse = z.object({ summary: z.array(usageLine), ledger: z.array(ledgerRow) });

export type UserView = z.infer<typeof userView>;
export type TeamOfUser = z.infer<typeof teamOfUser>;
export type MeResponse = z.infer<typeof meResponse>;
export type ApiKeyView = z.infer<typeof apiKeyView>;
