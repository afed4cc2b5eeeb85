/**
 * The one route wrapper for app/api handlers. A handler declares how it authenticates and what it
 * accepts; the wrapper does the rest and always answers JSON:
 *
 *   export const POST = route(
 *     { auth: "team", role: "admin", params: teamParams, body: addMemberBody },
 *     async ({ db, principal, params, body, team }) => reply(await addMember(db, principal, {...}), 201),
 *   );
 *
 * - auth "public": principal may be null; "user": signed in (session cookie or API key) else 401;
 *   "team": additionally the path param `teamId` must name a team where the caller has `role`
 *   (default "member") → 404 unknown team, 403 not a member / role too low. `team` is then set.
 *   A present but malformed/unknown/revoked `Authorization: Bearer` key is 401 in every mode.
 * - params / query / body: zod schemas (body = JSON). Failure → 400 VALIDATION, message lists fields,
 *   details.fields maps field → message. Order: path params → authentication/authorisation → query and
 *   body, so callers without access learn nothing from validation. Without `body` the handler may read
 *   `req` itself (raw uploads).
 * - Handler result: a Response is sent as is; `undefined` → 204; anything else → 200 JSON.
 *   Use reply(data, status) for another status.
 * - Errors: NnlqError → statusOf(code) with {error:{code,message,details?}}; lost database → 503;
 *   anything else → 500 {error:{code:"INTERNAL"}} with a generic message (logged server-side, no stack).
 */
import { z } from "zod";
import { NnlqError, isNnlqError, statusOf } from "@/lib/errors";
import { getDb, type Db } from "@/lib/db/client";
import type { Role, Team } from "@/lib/db/schema";
import { principalFromRequest } from "@/lib/auth/session";
import { requireTeamRole, requireUser } from "@/lib/auth/guards";
import type { Principal } from "@/lib/auth/principal";

export type AuthMode = "public" | "user" | "team";
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
  principal: A extends "public" ? Principal | null : Principal;
  team: A extends "team" ? { team: Team; role: Role } : undefined;
  params: P extends Schema ? z.output<P> : Record<string, string | string[]>;
  query: Out<Q>;
  body: Out<B>;
}

/** What Next passes as the second argument of a route handler. */
export interface NextRouteContext {
  params: Promise<Record<string, string | string[] | undefined>>;
}

export function json(data: unknown, status = 200, headers?: HeadersInit): Response {
  return new Response(JSON.stringify(data), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", ...headers },
  });
}

/** A JSON response with a chosen status (e.g. 201). */
export const reply = json;

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
  const tooLarge = () => new NnlqError("PAYLOAD_TOO_LARGE", `Request body is larger than ${MAX_JSON_BYTES / 1024 / 1024} MiB; send fewer items per request`);
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

export function route<A extends AuthMode, P extends Schema | undefined = undefined, Q extends Schema | undefined = undefined, B extends Schema | undefined = undefined>(
  opts: RouteOptions<A, P, Q, B>,
  handler: (ctx: RouteContext<A, P, Q, B>) => Promise<unknown> | unknown,
): (req: Request, ctx: NextRouteContext) => Promise<Response> {
  return async (req, nextCtx) => {
    const where = `${req.method} ${new URL(req.url).pathname}`;
    try {
      const rawParams = (await nextCtx?.params) ?? {};
      const params = opts.params ? validate(opts.params, rawParams, "path parameters") : rawParams;

      const db = getDb();
      const principal = await principalFromRequest(db, req);
      let team: { team: Team; role: Role } | undefined;
      if (opts.auth === "user") requireUser(principal);
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
      const result = await handler({ req, db, principal, team, params, query, body } as RouteContext<A, P, Q, B>);
      if (result instanceof Response) return result;
      if (result === undefined) return new Response(null, { status: 204 });
      return json(result);
    } catch (e) {
      return errorResponse(e, where);
    }
  };
}
