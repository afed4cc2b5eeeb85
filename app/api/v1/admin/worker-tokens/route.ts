import { route, reply } from "@/lib/api/http";
import { createWorkerTokenBody } from "@/lib/api/schemas/admin";
import { issueWorkerToken, listWorkerTokenViews } from "@/lib/services/devices";

/** GET /api/v1/admin/worker-tokens → {tokens} (never secrets; site admins). */
export const GET = route({ auth: "user" }, async ({ db, principal }) => ({ tokens: await listWorkerTokenViews(db, principal) }));

/** POST /api/v1/admin/worker-tokens {name, allowNewPlatforms?} → 201 {token, secret}: the secret is shown once. */
export const POST = route({ auth: "user", body: createWorkerTokenBody }, async ({ db, principal, body }) =>
  reply(await issueWorkerToken(db, principal, body), 201),
);
