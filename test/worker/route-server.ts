/**
 * A tiny HTTP server over the app's own route handlers (app/api/**\/route.ts), for *.db.test.ts that need
 * a real worker process talking HTTP without a Next production build. The same handler functions Next
 * serves, with Next's path-segment rules ([param], [...rest]); nothing else of Next (pages, middleware).
 * Acceptance tests use the real app (`next start`, test/worker/harness.ts).
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";

const ROOT = path.resolve(import.meta.dirname, "../..");
const API = path.join(ROOT, "app/api");

type Handler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
interface RouteEntry {
  pattern: RegExp;
  names: string[];
  file: string;
  module?: Record<string, Handler>;
}

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? routeFiles(p) : e.name === "route.ts" ? [p] : [];
  });
}

function compile(file: string): RouteEntry {
  const segs = path.relative(path.join(ROOT, "app"), path.dirname(file)).split(path.sep);
  const names: string[] = [];
  const re = segs
    .map((s) => {
      const rest = /^\[\.\.\.(\w+)\]$/.exec(s);
      if (rest) return names.push(rest[1]!), "/(.+)";
      const one = /^\[(\w+)\]$/.exec(s);
      if (one) return names.push(one[1]!), "/([^/]+)";
      return "/" + s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    })
    .join("");
  return { pattern: new RegExp(`^${re}$`), names, file };
}

export interface RouteServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Serves the route handlers on 127.0.0.1 (`port` 0 = a free one). */
export async function startRouteServer(port = 0): Promise<RouteServer> {
  // static segments first, so /worker/offline wins over a [param] at the same depth
  const routes = routeFiles(API)
    .map(compile)
    .sort((a, b) => a.names.length - b.names.length);
  const sockets = new Set<import("node:net").Socket>();
  const server = http.createServer(async (req, res) => {
    try {
      const url = new URL(req.url ?? "/", `http://127.0.0.1`);
      const route = routes.find((r) => r.pattern.test(url.pathname));
      const handler = route && ((route.module ??= await import(route.file)) as Record<string, Handler>)[req.method ?? "GET"];
      if (!route || !handler) {
        res
          .writeHead(404, { "content-type": "application/json" })
          .end(JSON.stringify({ error: { code: "NOT_FOUND", message: `no route ${req.method} ${url.pathname}` } }));
        return;
      }
      const m = route.pattern.exec(url.pathname)!;
      const params = Object.fromEntries(route.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      const hasBody = req.method !== "GET" && req.method !== "HEAD";
      const controller = new AbortController();
      res.on("close", () => controller.abort());
      const request = new Request(url, {
        method: req.method,
        headers: Object.entries(req.headers).flatMap(([k, v]) =>
          v === undefined ? [] : [[k, Array.isArray(v) ? v.join(", ") : v] as [string, string]],
        ),
        body: hasBody ? (req as unknown as ReadableStream) : undefined,
        signal: controller.signal,
        ...(hasBody ? { duplex: "half" } : {}),
      } as RequestInit);
      const response = await handler(request, { params: Promise.resolve(params) });
      res.writeHead(response.status, Object.fromEntries(response.headers));
      res.end(Buffer.from(await response.arrayBuffer()));
    } catch (e) {
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "INTERNAL", message: String((e as Error)?.message ?? e) } }));
    }
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const actual = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
