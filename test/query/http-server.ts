/**
 * A plain node:http server that serves the app/api/v1 route handlers (the same functions Next serves),
 * for testing the client and CLI over real HTTP without a `next build`.
 */
import http from "node:http";
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { AddressInfo } from "node:net";

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

const root = path.resolve(import.meta.dirname, "../..");

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? routeFiles(p) : name === "route.ts" ? [p] : [];
  });
}

export async function startApiServer(): Promise<{ url: string; close(): Promise<void> }> {
  const routes: { re: RegExp; names: string[]; mod: Record<string, Handler> }[] = [];
  for (const file of routeFiles(path.join(root, "app/api/v1"))) {
    const rel = "/" + path.relative(path.join(root, "app"), path.dirname(file)).split(path.sep).join("/");
    const names: string[] = [];
    const re = new RegExp(
      "^" + rel.replace(/\./g, "\\.").replace(/\[([^\]]+)\]/g, (_m, n: string) => (names.push(n), "([^/]+)")) + "$",
    );
    routes.push({ re, names, mod: (await import(file)) as Record<string, Handler> });
  }
  // literal paths before parameterised ones
  routes.sort((a, b) => a.names.length - b.names.length);

  const server = http.createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const body = chunks.length ? Buffer.concat(chunks) : undefined;
    let response: Response = new Response(JSON.stringify({ error: { code: "NOT_FOUND", message: "no route" } }), { status: 404 });
    for (const r of routes) {
      const m = r.re.exec(url.pathname);
      const h = m && r.mod[req.method ?? "GET"];
      if (!m || !h) continue;
      const params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      const request = new Request(url, {
        method: req.method,
        headers: req.headers as Record<string, string>,
        body: req.method === "GET" || req.method === "HEAD" ? undefined : (body as BodyInit | undefined),
      });
      response = await h(request, { params: Promise.resolve(params) });
      break;
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => new Promise((r) => server.close(() => r())) };
}
