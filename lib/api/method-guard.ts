/**
 * Methods Next cannot hand to a route, answered in the error shape. Next 16 serves GET HEAD OPTIONS POST
 * PUT PATCH DELETE; for any other method it answers an empty 400, and for TRACE/TRACK (which fetch's
 * `Request` refuses to construct) a plain-text 500 before any route or proxy.ts runs. So this runs at the
 * HTTP server, before Next (installed by instrumentation.ts):
 *
 * - under /api/v1 the request goes on as OPTIONS carrying `x-nnlq-original-method`; the route's method
 *   table (lib/api/http.ts otherMethods) then answers 405 JSON with its own `Allow`, and unknown paths
 *   their 404 (app/api/v1/[[...rest]]);
 * - elsewhere it is answered here: 405 JSON, `Allow: GET, HEAD` (pages).
 *
 * A client's own copy of the header is always dropped, so only this guard can set it. CONNECT (a
 * 'connect' event, not a request) gets a 405 on the socket when nothing else listens for it.
 */
import http from "node:http";
import type { Duplex } from "node:stream";

export const ORIGINAL_METHOD_HEADER = "x-nnlq-original-method";

const NEXT_METHODS = new Set(["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"]);

function errorBody(method: string, path: string, allow: string): string {
  return JSON.stringify({ error: { code: "METHOD_NOT_ALLOWED", message: `${method} is not allowed on ${path}; allowed: ${allow}` } });
}

/** Prepares (or answers) one request; true when it was answered here. */
export function guardRequest(req: http.IncomingMessage, res: http.ServerResponse): boolean {
  const lower = ORIGINAL_METHOD_HEADER;
  if (lower in req.headers) {
    delete req.headers[lower];
    const raw = req.rawHeaders;
    for (let i = raw.length - 2; i >= 0; i -= 2) if (raw[i]!.toLowerCase() === lower) raw.splice(i, 2);
  }
  const method = (req.method ?? "GET").toUpperCase();
  if (NEXT_METHODS.has(method)) return false;
  const path = (req.url ?? "/").split("?")[0]!;
  if (path === "/api/v1" || path.startsWith("/api/v1/")) {
    req.method = "OPTIONS";
    req.headers[lower] = method;
    req.rawHeaders.push(lower, method);
    return false;
  }
  const allow = "GET, HEAD";
  res.writeHead(405, { "content-type": "application/json; charset=utf-8", "cache-control": "no-store", allow });
  res.end(errorBody(method, path, allow));
  return true;
}

const INSTALLED = Symbol.for("nnlq.methodGuard");

/** Wraps http.Server's event dispatch once per process, so every server (Next's included) is guarded. */
export function installMethodGuard(proto: { emit: http.Server["emit"] } = http.Server.prototype): void {
  const p = proto as typeof proto & { [INSTALLED]?: true };
  if (p[INSTALLED]) return;
  p[INSTALLED] = true;
  const emit = p.emit as (this: http.Server, event: string | symbol, ...args: unknown[]) => boolean;
  p.emit = function (this: http.Server, event: string | symbol, ...args: unknown[]): boolean {
    if (event === "request") {
      if (guardRequest(args[0] as http.IncomingMessage, args[1] as http.ServerResponse)) return true;
    } else if (event === "connect" && this.listenerCount("connect") === 0) {
      const req = args[0] as http.IncomingMessage;
      const body = errorBody("CONNECT", req.url ?? "", "GET, HEAD");
      (args[1] as Duplex).end(
        `HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json; charset=utf-8\r\nallow: GET, HEAD\r\nconnection: close\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
      return true;
    }
    return emit.call(this, event, ...args);
  } as http.Server["emit"];
}
