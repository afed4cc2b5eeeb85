/**
 * The OpenAPI 3.1 document of /api/v1, generated from the same zod schemas the handlers validate with
 * (z.toJSONSchema). OPERATIONS lists every route; test/query/openapi.test.ts checks it against the
 * route files under app/api/v1, so a new handler without an entry here fails the tests.
 */
import { z } from "zod";
import * as base from "./schemas";
import { errorBody } from "./schemas/common";
import * as M from "./schemas/models";
import * as J from "./schemas/jobs";
import * as W from "./schemas/worker";
import * as A from "./schemas/admin";
import * as P from "./schemas/portal";
import * as O from "./schemas/offline";
import * as PR from "./schemas/predict";

/**
 * Who may call: "user" / "team" accept a session or an API key; "session" / "team-session" only a signed-in
 * session (the service refuses API keys: creating teams, creating and revoking API keys); "team-admin"
 * needs a team admin, which an API key never is (keys act with member rights).
 */
type Auth = "public" | "user" | "session" | "team" | "team-session" | "team-admin" | "site-admin" | "worker-token" | "device-token";
type Body = z.ZodType | "onnx";

export interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  tag: string;
  auth: Auth;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: Body;
  /** status → response body (undefined: no body) */
  responses: Record<number, { description: string; schema?: Body }>;
}

const anyObject = z.record(z.string(), z.unknown());
/** The document itself (its top-level fields; the paths are not re-described). */
const documentSchema = z.object({
  openapi: z.string(),
  info: z.object({
    title: z.string(),
    version: z.string(),
    license: z.object({ name: z.string(), identifier: z.string() }),
    description: z.string(),
  }),
  servers: z.array(z.object({ url: z.string() })),
  components: anyObject,
  paths: anyObject,
});
const ok = (schema: z.ZodType, description = "OK") => ({ 200: { description, schema } });

export const OPERATIONS: Operation[] = [
  // ── accounts and teams (lib/services/accounts, teams, keys) ──
  {
    method: "post",
    path: "/api/v1/auth/signup",
    tag: "accounts",
    auth: "public",
    summary: "Create an account",
    body: base.signupBody,
    responses: {
      201: { description: "created", schema: base.signupResponse },
      409: { description: "the email is taken", schema: errorBody },
    },
  },
  {
    method: "get",
    path: "/api/v1/me",
    tag: "accounts",
    auth: "user",
    summary: "The caller and their teams",
    responses: ok(base.meResponse),
  },
  { method: "get", path: "/api/v1/teams", tag: "teams", auth: "user", summary: "The caller's teams", responses: ok(base.teamsResponse) },
  {
    method: "post",
    path: "/api/v1/teams",
    tag: "teams",
    auth: "session",
    summary: "Create a team (caller becomes owner; signed-in users, not API keys)",
    body: base.createTeamBody,
    responses: { 201: { description: "created", schema: base.createTeamResponse } },
  },
  {
    method: "get",
    path: "/api/v1/teams/{teamId}",
    tag: "teams",
    auth: "team",
    summary: "A team with its members",
    params: base.teamParams,
    responses: ok(base.teamOverviewResponse),
  },
  {
    method: "patch",
    path: "/api/v1/teams/{teamId}",
    tag: "teams",
    auth: "team-admin",
    summary: "Rename a team",
    params: base.teamParams,
    body: base.renameTeamBody,
    responses: { 204: { description: "renamed" } },
  },
  {
    method: "get",
    path: "/api/v1/teams/{teamId}/members",
    tag: "teams",
    auth: "team",
    summary: "Members of a team",
    params: base.teamParams,
    responses: ok(base.membersResponse),
  },
  {
    method: "post",
    path: "/api/v1/teams/{teamId}/members",
    tag: "teams",
    auth: "team-admin",
    summary: "Add a member by email",
    params: base.teamParams,
    body: base.addMemberBody,
    responses: { 201: { description: "added", schema: base.addMemberResponse } },
  },
  {
    method: "patch",
    path: "/api/v1/teams/{teamId}/members/{userId}",
    tag: "teams",
    auth: "team-admin",
    summary: "Change a member's role",
    params: base.memberParams,
    body: base.changeRoleBody,
    responses: ok(base.changeRoleResponse),
  },
  {
    method: "delete",
    path: "/api/v1/teams/{teamId}/members/{userId}",
    tag: "teams",
    auth: "team",
    summary: "Remove a member (or leave)",
    params: base.memberParams,
    responses: { 204: { description: "removed" } },
  },
  {
    method: "get",
    path: "/api/v1/teams/{teamId}/keys",
    tag: "teams",
    auth: "team",
    summary: "API keys of a team (never secrets)",
    params: base.teamParams,
    responses: ok(base.keysResponse),
  },
  {
    method: "post",
    path: "/api/v1/teams/{teamId}/keys",
    tag: "teams",
    auth: "team-session",
    summary: "Create an API key (the secret is returned once; signed-in members, not API keys)",
    params: base.teamParams,
    body: base.createKeyBody,
    responses: { 201: { description: "created", schema: base.createKeyResponse } },
  },
  {
    method: "delete",
    path: "/api/v1/teams/{teamId}/keys/{keyId}",
    tag: "teams",
    auth: "team-session",
    summary: "Revoke an API key (its creator or a team admin, signed in)",
    params: base.keyParams,
    responses: ok(base.revokeKeyResponse),
  },
  {
    method: "get",
    path: "/api/v1/teams/{teamId}/models",
    tag: "teams",
    auth: "team",
    summary: "Models the team owns",
    params: base.teamParams,
    responses: ok(M.teamModelsResponse),
  },
  {
    method: "get",
    path: "/api/v1/teams/{teamId}/usage",
    tag: "teams",
    auth: "team",
    summary: "Quota, usage and ledger of a month",
    params: base.teamParams,
    query: base.usageQuery,
    responses: ok(base.usageResponse),
  },

  // ── models, query, measurements ──
  {
    method: "post",
    path: "/api/v1/models",
    tag: "query",
    auth: "public",
    summary: "Upload an ONNX model (weights are stripped; anonymous: lookup only)",
    query: M.uploadQuery,
    body: "onnx",
    responses: {
      201: { description: "stored", schema: M.uploadResponse },
      200: { description: "known structure, or anonymous lookup", schema: M.uploadResponse },
      413: { description: "over the size limit, or more graph nodes than NNLQ_MAX_NODES (GRAPH_TOO_LARGE)", schema: errorBody },
      422: { description: "not a valid ONNX model", schema: errorBody },
      503: {
        description: "the analysis overran its deadline or its compute thread failed (COMPUTE_DEADLINE, COMPUTE_FAILED, COMPUTE_BUSY)",
        schema: errorBody,
      },
    },
  },
  {
    method: "get",
    path: "/api/v1/models/{modelId}",
    tag: "query",
    auth: "public",
    summary: "A model and its newest results",
    params: M.modelParams,
    responses: ok(M.modelResponse),
  },
  {
    method: "post",
    path: "/api/v1/query",
    tag: "query",
    auth: "public",
    summary: "Latency of a model on platforms: measured result or a job",
    body: M.queryBody,
    responses: { ...ok(M.queryResponse), 402: { description: "over quota (every platform)", schema: errorBody } },
  },
  {
    method: "get",
    path: "/api/v1/measurements",
    tag: "query",
    auth: "public",
    summary: "Browse newest results on a platform, fastest first (keyset pages)",
    query: M.measurementsQuery,
    responses: ok(M.measurementsResponse),
  },

  // ── portal reads (lib/services/portal) ──
  {
    method: "get",
    path: "/api/v1/browse",
    tag: "portal",
    auth: "public",
    summary:
      "Browse newest results: filters (platform, family, batch, source, FLOPs and latency ranges), sort, keyset pages; " +
      "clean measurements only unless quality=all (every row carries its quality)",
    query: P.browseQuery,
    responses: ok(P.browseResponse),
  },
  {
    method: "get",
    path: "/api/v1/stats/matrix",
    tag: "portal",
    auth: "public",
    summary: "Platform × family matrix: result counts and median latencies (clean measurements only unless quality=all)",
    query: P.matrixQuery,
    responses: ok(P.matrixResponse),
  },
  {
    method: "get",
    path: "/api/v1/models/{modelId}/overview",
    tag: "portal",
    auth: "public",
    summary: "Everything the model page shows: structure, results with history, profile-coloured graph, predictions, similar models",
    params: M.modelParams,
    responses: ok(P.modelOverviewResponse),
  },
  {
    method: "get",
    path: "/api/v1/teams/{teamId}/quota-preview",
    tag: "teams",
    auth: "team",
    summary:
      "What a query would cost: per platform stored (free) or the device-seconds a measurement reserves, against the remaining budget",
    params: base.teamParams,
    query: P.quotaPreviewQuery,
    responses: ok(P.quotaPreviewResponse),
  },
  {
    method: "get",
    path: "/api/v1/leaderboards",
    tag: "portal",
    auth: "public",
    summary:
      "Fastest models per family, latency-vs-FLOPs Pareto front, platforms ranked on common models — ranked over clean " +
      "measurements only; quality=all lists the other rows in notRanked, marked with their grade",
    query: P.leaderboardQuery,
    responses: ok(P.leaderboardResponse),
  },

  // ── jobs, platforms, devices ──
  {
    method: "get",
    path: "/api/v1/jobs",
    tag: "jobs",
    auth: "user",
    summary: "Jobs of the caller's teams, newest first",
    query: J.jobsQuery,
    responses: ok(J.jobsResponse),
  },
  {
    method: "get",
    path: "/api/v1/jobs/{jobId}",
    tag: "jobs",
    auth: "public",
    summary: "A job (with its result once done)",
    params: J.jobParams,
    responses: ok(J.jobResponse),
  },
  {
    method: "post",
    path: "/api/v1/jobs/{jobId}/cancel",
    tag: "jobs",
    auth: "user",
    summary: "Cancel a job of your team (refunds the reservation)",
    params: J.jobParams,
    responses: { ...ok(J.jobResponse), 409: { description: "already ended", schema: errorBody } },
  },
  {
    method: "get",
    path: "/api/v1/platforms",
    tag: "platforms",
    auth: "public",
    summary: "Platforms with device status and queue depth",
    responses: ok(J.platformsResponse),
  },
  {
    method: "get",
    path: "/api/v1/devices",
    tag: "platforms",
    auth: "public",
    summary: "Devices (worker hosts per platform)",
    query: J.devicesQuery,
    responses: ok(J.devicesResponse),
  },

  // ── site administration ──
  {
    method: "put",
    path: "/api/v1/admin/quotas",
    tag: "admin",
    auth: "site-admin",
    summary: "Set a team's device-seconds quota on a platform for a month",
    body: A.setQuotaBody,
    responses: ok(A.quotaResponse),
  },
  {
    method: "get",
    path: "/api/v1/admin/worker-tokens",
    tag: "admin",
    auth: "site-admin",
    summary: "Worker tokens (never secrets)",
    responses: ok(A.workerTokensResponse),
  },
  {
    method: "post",
    path: "/api/v1/admin/worker-tokens",
    tag: "admin",
    auth: "site-admin",
    summary: "Issue a worker token (returned once)",
    body: A.createWorkerTokenBody,
    responses: { 201: { description: "issued", schema: A.createWorkerTokenResponse } },
  },
  {
    method: "delete",
    path: "/api/v1/admin/worker-tokens/{tokenId}",
    tag: "admin",
    auth: "site-admin",
    summary: "Revoke a worker token (disables its devices)",
    params: A.workerTokenParams,
    responses: ok(A.revokeWorkerTokenResponse),
  },
  {
    method: "patch",
    path: "/api/v1/admin/devices/{deviceId}",
    tag: "admin",
    auth: "site-admin",
    summary: "Take one device out of service (its held jobs are requeued) or back in",
    params: A.deviceParams,
    body: A.setDeviceBody,
    responses: ok(A.deviceResponse),
  },

  // ── prediction ──
  {
    method: "post",
    path: "/api/v1/predict",
    tag: "predict",
    auth: "public",
    summary: `Predicted latency on every platform for up to ${PR.PREDICT_MAX_ITEMS} zoo specs, structure-only ONNX models (base64) ` +
      `or stored models; per-item errors (a graph over NNLQ_MAX_NODES: GRAPH_TOO_LARGE); anonymous callers pay one rate-limit token per 50 items`,
    body: PR.predictBody,
    responses: {
      ...ok(PR.predictResponse),
      404: { description: "no predictor trained yet", schema: errorBody },
      413: { description: "body over 64 MiB", schema: errorBody },
      429: { description: "anonymous rate limit", schema: errorBody },
      503: {
        description: "the prediction overran its deadline or its compute thread failed (COMPUTE_DEADLINE, COMPUTE_FAILED, COMPUTE_BUSY)",
        schema: errorBody,
      },
    },
  },

  // ── worker protocol (docs/worker-protocol.md) ──
  {
    method: "post",
    path: "/api/v1/worker/register",
    tag: "worker",
    auth: "worker-token",
    summary: "Register a worker host: one device and device token per platform",
    body: W.registerBody,
    responses: ok(W.registerResponse),
  },
  {
    method: "post",
    path: "/api/v1/worker/claim",
    tag: "worker",
    auth: "device-token",
    summary: "Claim the next job (long-poll up to waitSeconds)",
    body: W.claimBody,
    responses: ok(W.claimResponse),
  },
  {
    method: "post",
    path: "/api/v1/worker/heartbeat",
    tag: "worker",
    auth: "device-token",
    summary: "Idle-device heartbeat",
    body: W.deviceHeartbeatBody,
    responses: ok(W.deviceHeartbeatResponse),
  },
  {
    method: "post",
    path: "/api/v1/worker/offline",
    tag: "worker",
    auth: "device-token",
    summary: "Clean shutdown: requeue held jobs without using an attempt",
    responses: ok(W.offlineResponse),
  },
  {
    method: "post",
    path: "/api/v1/worker/jobs/{jobId}/heartbeat",
    tag: "worker",
    auth: "device-token",
    summary: "Extend the lease; learn about cancellation",
    params: W.workerJobParams,
    body: W.heartbeatBody,
    responses: ok(W.heartbeatResponse),
  },
  {
    method: "post",
    path: "/api/v1/worker/jobs/{jobId}/result",
    tag: "worker",
    auth: "device-token",
    summary: "Upload the measurement",
    params: W.workerJobParams,
    body: W.resultBody,
    responses: {
      ...ok(W.resultResponse),
      409: { description: "lease lost or job cancelled", schema: errorBody },
      422: { description: "HARDWARE_MISMATCH: env.host is another CPU than the platform's hardware (or missing); nothing stored", schema: errorBody },
    },
  },
  {
    method: "post",
    path: "/api/v1/worker/jobs/{jobId}/fail",
    tag: "worker",
    auth: "device-token",
    summary: "Report a failed attempt (UNSUPPORTED_OPERATOR: final)",
    params: W.workerJobParams,
    body: W.failBody,
    responses: ok(W.failResponse),
  },
  {
    method: "get",
    path: "/api/v1/worker/models/{file}",
    tag: "worker",
    auth: "device-token",
    summary: "Structure-only ONNX of a model the device holds a job for ({file} = <modelId>.onnx)",
    params: W.workerModelParams,
    responses: { 200: { description: "ONNX bytes", schema: "onnx" } },
  },
  {
    method: "post",
    path: "/api/v1/worker/offline/export",
    tag: "worker",
    auth: "worker-token",
    summary: "Offline device mode: lease a platform's queued jobs to an offline device and return them as a jobs bundle",
    body: O.offlineExportBody,
    responses: ok(O.offlineExportResponse),
  },

  { method: "get", path: "/api/v1/openapi.json", tag: "meta", auth: "public", summary: "This document", responses: ok(documentSchema) },
];

const SECURITY: Record<Auth, Record<string, string[]>[]> = {
  public: [{}, { apiKey: [] }, { session: [] }],
  user: [{ apiKey: [] }, { session: [] }],
  session: [{ session: [] }],
  team: [{ apiKey: [] }, { session: [] }],
  "team-session": [{ session: [] }],
  "team-admin": [{ session: [] }],
  "site-admin": [{ session: [] }],
  "worker-token": [{ workerToken: [] }],
  "device-token": [{ deviceToken: [] }],
};

function schema(s: Body, io: "input" | "output"): Record<string, unknown> {
  if (s === "onnx") {
    // uploads must not be empty (the service answers 400 for an empty body)
    return { type: "string", format: "binary", contentMediaType: "application/octet-stream", ...(io === "input" ? { minLength: 1 } : {}) };
  }
  const { $schema: _drop, ...rest } = z.toJSONSchema(s, { io, unrepresentable: "any", target: "draft-2020-12" }) as Record<string, unknown>;
  return rest;
}

function content(s: Body, io: "input" | "output") {
  if (s === "onnx") {
    return {
      "application/octet-stream": { schema: schema(s, io) },
      "multipart/form-data": { schema: { type: "object", properties: { file: schema(s, io) }, required: ["file"] } },
    };
  }
  return { "application/json": { schema: schema(s, io) } };
}

function parameters(where: "path" | "query", o?: z.ZodObject) {
  if (!o) return [];
  const json = schema(o, "input") as { properties?: Record<string, Record<string, unknown>>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || (json.required ?? []).includes(name),
    ...(typeof s.description === "string" ? { description: s.description } : {}),
    schema: s,
  }));
}

export function openApiDocument(serverUrl?: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of OPERATIONS) {
    const responses: Record<string, unknown> = {};
    for (const [status, r] of Object.entries(op.responses)) {
      responses[status] = { description: r.description, ...(r.schema ? { content: content(r.schema, "output") } : {}) };
    }
    responses["4XX"] ??= { description: "error (code, message, details)", content: content(errorBody, "output") };
    paths[op.path] ??= {};
    paths[op.path]![op.method] = {
      operationId: `${op.method}${op.path
        .replace(/^\/api\/v1/, "")
        .replace(/[{}]/g, "")
        .replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ""))}`,
      summary: op.summary,
      tags: [op.tag],
      security: SECURITY[op.auth],
      ...(op.auth === "site-admin" ? { description: "Site administrators only (signed-in session)." } : {}),
      parameters: [...parameters("path", op.params), ...parameters("query", op.query)],
      ...(op.body ? { requestBody: { required: true, content: content(op.body, "input") } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "nnlq API",
      version: "1",
      license: { name: "Apache-2.0", identifier: "Apache-2.0" },
      description:
        "Neural-network latency query: upload ONNX models, query measured latencies per platform, follow measurement jobs. " +
        "Errors are {error: {code, message, details?}}. Anonymous reads are rate-limited (429). Worker protocol: docs/worker-protocol.md.",
    },
    servers: [{ url: serverUrl ?? "/" }],
    components: {
      securitySchemes: {
        apiKey: { type: "http", scheme: "bearer", description: "Team API key nnlq_<prefix>_<secret>" },
        session: { type: "apiKey", in: "cookie", name: "next-auth.session-token" },
        workerToken: { type: "apiKey", in: "header", name: "X-Worker-Token" },
        deviceToken: { type: "apiKey", in: "header", name: "X-Device-Token" },
      },
    },
    paths,
  };
}
