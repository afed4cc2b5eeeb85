/**
 * The one route wrapper for app/api handlers. A handler declares how it authenticates and what it
 * accepts; the wrapper does the rest and always answers JSON:
 *
 *   export const POST = route(
 *     { auth: "team", role: "admin", params: teamParams, body: addMemberBody },
 *     async ({ db, principal, params, body, team }) => json(await addMember(db, principal, {...}), 201),
 *   );
 *
 * - auth "public": principal may be null; "user": signed in (session cookie or API key) else 401;
 *   "team": additionally the path param `teamId` must name a team where the caller has `role`
 *   (default "member") → 404 unknown team, 403 not a member / role too low. `team` is then set.
 *   "admin": a site administrator signed in (not an API key) → 401 / 403.
 *   A present but malformed/unknown/revoked `Authorization: Bearer` key is 401 in every mode above.
 *   "device": the X-Device-Token of a registered device (`device` is set); "worker": the X-Worker-Token
 *   of a worker host (`workerToken` is set) → 401 INVALID_WORKER_TOKEN (403 for a disabled device).
 * - params / query / body: zod schemas (body = JSON). Failure → 400 VALIDATION, message lists fields,
 *   details.fields maps field → message. Order: authentication (and site admin) → path params → team
 *   authorisation → query and body, so callers without access learn nothing from validation. Without
 *   `body` the handler may read `req` itself (raw uploads).
 * - Handler result: a Response is sent as is; `undefined` → 204; anything else → 200 JSON.
 *   Use json(data, status) for another status.
 * - Errors: NnlqError → statusOf(code) with {error:{code,message,details?}}; lost database → 503;
 *   anything else → 500 {error:{code:"INTERNAL"}} with a generic message (logged server-side, no stack).
 * - Methods: a route module exports every method Next serves, the ones it does not implement through
 *   otherMethods(): 405 METHOD_NOT_ALLOWED with `Allow`, OPTIONS → 204 with `Allow`, HEAD = GET.
 *
 *   export const GET = route(...);
 *   export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
 *
 *   Unknown /api/v1 paths are app/api/v1/[[...rest]] (404); methods Next cannot route (TRACE) arrive as
 *   OPTIONS marked by lib/api/method-guard.ts and get the route's 405.
 */
import { z } from "zod";
import { NnlqError, isNnlqError, statusOf } from "@/lib/errors";
import { getDb, type Db } from "@/lib/db/client";
import type { Role, Team } from "@/lib/db/schema";
import { principalFromRequest } from "@/lib/auth/session";
import { requireSiteAdmin, requireTeamRole, requireUser } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";
import { authenticateDevice, authenticateWorkerToken, type AuthedDevice } from "@/lib/services/devices";
import type { WorkerToken } from "@/lib/db/schema";
import { DEVICE_TOKEN_HEADER, WORKER_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { ORIGINAL_METHOD_HEADER } from "./method-guard";

export type AuthMode = "public" | "user" | "team" | "admin" | "device" | "worker";
type Schema = z.ZodType;
type Out<S> = S extends Schema ? z.output<S> : undefined;

export interface RouteOptions<A extends AuthMode, P, Q, B> {
  auth: A;
  /** minimum team role for auth "team" (default "member") */
  role?: Role;
  params?: P;
  query?: Q;
  body?: B;
}

export interface RouteContext<A extends AuthMode, P, Q, B> {
  req: Request;
  db: Db;
  principal: A extends "public" ? Principal | null : A extends "device" | "worker" ? null : Principal;
  team: A extends "team" ? { team: Team; role: Role } : undefined;
  /** auth "device": the calling device and its platform */
  device: A extends "device" ? AuthedDevice : undefined;
  /** auth "worker": the worker token row */
  workerToken: A extends "worker" ? WorkerToken : undefined;
  params: P extends Schema ? z.output<P> : Record<string, string | string[]>;
  query: Out<Q>;
  body: Out<B>;
}

/** What Next passes as the second argument of a route handler. */
export interface NextRouteContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

/** A JSON response (200 unless a status is given, e.g. 201), never cached. */
export function json(data: unknown, status = 200, headers?: HeadersInit): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

const DB_LOST = new Set(["ECONNREFUSED", "PROTOCOL_CONNECTION_LOST", "ETIMEDOUT", "ER_CON_COUNT_ERROR", "ECONNRESET"]);

function dbLost(e: unknown): boolean {
  for (let cur = e as { code?: string; cause?: unknown } | undefined; cur; cur = cur.cause as typeof cur) {
    if (cur.code && DB_LOST.has(cur.code)) return true;
  }
  return false;
}

/** Maps any thrown value to the JSON error response (the only place errors become HTTP). */
export function errorResponse(e: unknown, where = "api"): Response {
  if (isNnlqError(e)) {
    if (statusOf(e.code) >= 500) console.error(`[${where}] ${e.code}: ${e.message}`);
    return json(e.toJSON(), statusOf(e.code));
  }
  if (dbLost(e)) {
    console.error(`[${where}] database unavailable:`, e);
    return json({ error: { code: "DB_UNAVAILABLE", message: "The database is unavailable; try again shortly" } }, 503);
  }
  console.error(`[${where}] unexpected error:`, e);
  return json({ error: { code: "INTERNAL", message: "Internal server error" } }, 500);
}

function validate<S extends Schema>(schema: S, value: unknown, what: string): z.output<S> {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const fields: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const key = issue.path.map(String).join(".") || what;
    fields[key] ??= issue.message;
  }
  const list = Object.entries(fields)
    .map(([k, m]) => (/^[a-z]/.test(m) ? `${k} ${m}` : m.toLowerCase().startsWith(k.toLowerCase()) ? m : `${k}: ${m}`))
    .join("; ");
  throw new NnlqError("VALIDATION", `Invalid ${what}: ${list}`, { fields });
}

/** Largest JSON body a route reads (a predict batch of thousands of structure-only models fits). */
export const MAX_JSON_BYTES = 64 * 1024 * 1024;

async function readJson(req: Request): Promise<unknown> {
  const declared = Number(req.headers.get("content-length") ?? NaN);
  const tooLarge = () =>
    new NnlqError("PAYLOAD_TOO_LARGE", `Request body is larger than ${MAX_JSON_BYTES / 1024 / 1024} MiB; send fewer items per request`);
  if (declared > MAX_JSON_BYTES) throw tooLarge();
  const text = await req.text();
  if (text.length > MAX_JSON_BYTES) throw tooLarge();
  if (!text.trim()) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new NnlqError("BAD_REQUEST", "Request body must be valid JSON");
  }
}

export function route<
  A extends AuthMode,
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(
  opts: RouteOptions<A, P, Q, B>,
  handler: (ctx: RouteContext<A, P, Q, B>) => Promise<unknown> | unknown,
): (req: Request, ctx: NextRouteContext) => Promise<Response> {
  return async (req, nextCtx) => {
    const where = `${req.method} ${new URL(req.url).pathname}`;
    try {
      const db = getDb();
      let principal: Principal | null = null;
      let device: AuthedDevice | undefined;
      let workerToken: WorkerToken | undefined;
      if (opts.auth === "device") device = await authenticateDevice(db, req.headers.get(DEVICE_TOKEN_HEADER));
      else if (opts.auth === "worker") workerToken = await authenticateWorkerToken(db, req.headers.get(WORKER_TOKEN_HEADER));
      else principal = await principalFromRequest(db, req);
      if (opts.auth === "user" || opts.auth === "team") requireUser(principal);
      if (opts.auth === "admin") requireSiteAdmin(principal);

      const rawParams = (await nextCtx?.params) ?? {};
      const params = opts.params ? validate(opts.params, rawParams, "path parameters") : rawParams;
      let team: { team: Team; role: Role } | undefined;
      if (opts.auth === "team") {
        const teamId = Number((params as { teamId?: unknown }).teamId);
        if (!Number.isInteger(teamId) || teamId <= 0) {
          throw new NnlqError("VALIDATION", "Invalid path parameters: teamId must be a positive integer", {
            fields: { teamId: "must be a positive integer" },
          });
        }
        const r = await requireTeamRole(db, principal, teamId, opts.role ?? "member");
        team = { team: r.team, role: r.role };
      }

      const query = opts.query
        ? validate(opts.query, Object.fromEntries(new URL(req.url).searchParams), "query string")
        : undefined;
      const body = opts.body ? validate(opts.body, await readJson(req), "request body") : undefined;
      const result = await handler({ req, db, principal, team, device, workerToken, params, query, body } as RouteContext<A, P, Q, B>);
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: 204 });
      return json(result);
    } catch (e) {
      return errorResponse(e, where);
    }
  };
}

/** The methods Next routes to an app/api route module. */
export const HTTP_METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];
export type RouteHandler = (req: Request, ctx: NextRouteContext) => Promise<Response>;

function methodNotAllowed(method: string, req: Request, allow: string): Response {
  const e = new NnlqError("METHOD_NOT_ALLOWED", `${method} is not allowed on ${new URL(req.url).pathname}; allowed: ${allow}`);
  return json(e.toJSON(), 405, { allow });
}

/**
 * The handlers of every method a route module does not implement: 405 JSON with `Allow`; HEAD runs GET
 * (when served); OPTIONS answers 204 with `Allow`, or the 405 of a method lib/api/method-guard.ts passed
 * on as OPTIONS (TRACE). Destructure the ones the module lacks (TypeScript rejects one it defines twice).
 */
export function otherMethods<S extends Partial<Record<HttpMethod, RouteHandler>>>(
  served: S,
): Record<Exclude<HttpMethod, keyof S>, RouteHandler> {
  const has = (m: HttpMethod) => typeof served[m] === "function";
  const allowed = HTTP_METHODS.filter((m) => has(m) || m === "OPTIONS" || (m === "HEAD" && has("GET")));
  const allow = [...allowed].sort().join(", ");
  const out: Partial<Record<HttpMethod, RouteHandler>> = {};
  for (const m of HTTP_METHODS) {
    if (has(m)) continue;
    if (m === "HEAD" && has("GET")) out.HEAD = served.GET!;
    else if (m === "OPTIONS") {
      out.OPTIONS = async (req) => {
        const original = req.headers.get(ORIGINAL_METHOD_HEADER);
        if (original) return methodNotAllowed(original, req, allow);
        return new Response(null, { status: 204, headers: { allow, "cache-control": "no-store" } });
      };
    } else out[m] = async (req) => methodNotAllowed(m, req, allow);
  }
  return out as Record<Exclude<HttpMethod, keyof S>, RouteHandler>;
}

/** Every method of a path no route serves (app/api/v1/[[...rest]]): 404 in the error shape. */
export function unknownRoute(): Record<HttpMethod, RouteHandler> {
  const handler: RouteHandler = async (req) => {
    const method = req.headers.get(ORIGINAL_METHOD_HEADER) ?? req.method;
    const e = new NnlqError(
      "NOT_FOUND",
      `No API operation at ${method} ${new URL(req.url).pathname}; the operations are listed at /api/v1/openapi.json`,
    );
    return json(e.toJSON(), 404);
  };
  return Object.fromEntries(HTTP_METHODS.map((m) => [m, handler])) as Record<HttpMethod, RouteHandler>;
}
