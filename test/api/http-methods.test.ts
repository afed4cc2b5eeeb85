/**
 * Every /api/v1 answer is JSON in the error shape, without a database: methods a route does not serve
 * (405 with Allow), unknown paths (404), methods Next cannot hand to a route (TRACE: the server-level guard
 * turns them into a 405 of the route), a malformed cookie (ignored, never a 500), and failure texts with
 * stack traces (what a worker sends and what the server stores).
 */
import fs from "node:fs";
import http from "node:http";
import path from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { route } from "@/lib/api/http";
import { guardRequest, ORIGINAL_METHOD_HEADER } from "@/lib/api/method-guard";
import { publicErrorText } from "@/lib/errors";
import { failureBody } from "@/workers/measure/report";
import { call } from "../setup/fixtures";

beforeAll(() => {
  process.env.DATABASE_URL ??= "mysql://nobody@127.0.0.1:1/unused";
});

const METHODS = ["GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE"] as const;
const root = path.resolve(import.meta.dirname, "../..");
const v1 = path.join(root, "app/api/v1");

/** app/api/v1/**\/route.ts with the URL path Next serves it at (params filled in). */
function routeFiles(): { file: string; url: string }[] {
  return fs
    .readdirSync(v1, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name === "route.ts")
    .map((e) => {
      const file = path.join(e.parentPath, e.name);
      const segs = path.relative(path.join(root, "app"), path.dirname(file)).split(path.sep);
      const url = "/" + segs.map((s) => (/^\[\[?\.\.\./.test(s) ? "x/y" : s.startsWith("[") ? "1" : s)).join("/");
      return { file, url };
    });
}

type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

describe("every /api/v1 route module answers every method", () => {
  const files = routeFiles();

  it("finds the route modules", () => {
    expect(files.length).toBeGreaterThan(30);
  });

  it.each(files.map((f) => [path.relative(root, f.file), f] as const))(
    "%s: 405 JSON with Allow for methods it does not serve",
    async (_, f) => {
      const mod = (await import(f.file)) as Record<string, Handler>;
      for (const m of METHODS) expect(typeof mod[m], `${m} is exported`).toBe("function");
      if (f.file.includes("[[...")) return; // the catch-all: see below

      const opts = await call(mod.OPTIONS!, { method: "OPTIONS", path: f.url });
      expect(opts.status).toBe(204);
      const allow = opts.headers.get("allow")!.split(/,\s*/);
      expect(allow).toContain("OPTIONS");
      expect(allow.some((m) => ["GET", "POST", "PUT", "PATCH", "DELETE"].includes(m))).toBe(true);
      if (allow.includes("GET")) expect(allow).toContain("HEAD");
      for (const m of METHODS.filter((x) => !allow.includes(x))) {
        const r = await call(mod[m]!, { method: m, path: f.url, body: m === "GET" || m === "HEAD" ? undefined : { any: 1 } });
        expect(r.status, `${m} ${f.url}`).toBe(405);
        expect(r.headers.get("allow")).toBe(allow.join(", "));
        expect(r.headers.get("content-type")).toMatch(/^application\/json/);
        if (m !== "HEAD") {
          expect(r.body.error.code).toBe("METHOD_NOT_ALLOWED");
          expect(r.body.error.message).toBe(`${m} is not allowed on ${f.url}; allowed: ${allow.join(", ")}`);
        }
      }
    },
  );

  it("unknown /api/v1 paths answer 404 JSON for every method (the catch-all)", async () => {
    const mod = (await import(path.join(v1, "[[...rest]]/route.ts"))) as Record<string, Handler>;
    for (const m of METHODS) {
      const r = await call(mod[m]!, { method: m, path: "/api/v1/nope" });
      expect(r.status).toBe(404);
      expect(r.headers.get("content-type")).toMatch(/^application\/json/);
      if (m !== "HEAD") {
        expect(r.body.error).toEqual({
          code: "NOT_FOUND",
          message: `No API operation at ${m} /api/v1/nope; the operations are listed at /api/v1/openapi.json`,
        });
      }
    }
  });

  it("a method Next cannot serve arrives as OPTIONS with the original method, and the route answers 405", async () => {
    const mod = (await import(path.join(v1, "query/route.ts"))) as Record<string, Handler>;
    const r = await call(mod.OPTIONS!, { method: "OPTIONS", path: "/api/v1/query", headers: { [ORIGINAL_METHOD_HEADER]: "TRACE" } });
    expect(r.status).toBe(405);
    expect(r.headers.get("allow")).toBe("OPTIONS, POST");
    expect(r.body.error).toEqual({ code: "METHOD_NOT_ALLOWED", message: "TRACE is not allowed on /api/v1/query; allowed: OPTIONS, POST" });
  });
});

describe("the method guard at the HTTP server (methods fetch's Request refuses)", () => {
  let server: http.Server;
  let base: string;
  const seen: { method?: string; original?: string | string[] }[] = [];

  beforeAll(async () => {
    server = http.createServer((req, res) => {
      if (guardRequest(req, res)) return;
      seen.push({ method: req.method, original: req.headers[ORIGINAL_METHOD_HEADER] });
      res.end("ok");
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    base = `127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  const send = (method: string, p: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }>((resolve, reject) => {
      const [host, port] = base.split(":");
      const req = http.request({ host, port: Number(port), method, path: p, headers }, (res) => {
        let body = "";
        res.on("data", (d) => (body += d));
        res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      });
      req.on("error", reject);
      req.end();
    });

  it("TRACE under /api/v1 reaches the app as OPTIONS carrying the original method", async () => {
    seen.length = 0;
    expect((await send("TRACE", "/api/v1/query")).body).toBe("ok");
    expect(seen).toEqual([{ method: "OPTIONS", original: "TRACE" }]);
  });

  it("a client's own copy of the internal header is dropped", async () => {
    seen.length = 0;
    await send("OPTIONS", "/api/v1/query", { [ORIGINAL_METHOD_HEADER]: "TRACE" });
    await send("GET", "/api/v1/query", { [ORIGINAL_METHOD_HEADER]: "TRACE" });
    expect(seen).toEqual([{ method: "OPTIONS" }, { method: "GET" }]);
  });

  it("outside /api/v1 TRACE is answered 405 JSON at once; ordinary methods pass untouched", async () => {
    seen.length = 0;
    const r = await send("TRACE", "/browse");
    expect(r.status).toBe(405);
    expect(r.headers["content-type"]).toMatch(/^application\/json/);
    expect(JSON.parse(r.body).error.code).toBe("METHOD_NOT_ALLOWED");
    expect(seen).toEqual([]);
    await send("POST", "/browse");
    expect(seen).toEqual([{ method: "POST" }]);
  });
});

describe("a malformed cookie is ignored", () => {
  it("`Cookie: theme=100%` (a stray %) leaves a public route answering", async () => {
    const r = await call(route({ auth: "public" }, ({ principal }) => ({ principal })), { headers: { cookie: "theme=100%; a=%E0%A4%A" } });
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ principal: null });
  });

  it("…and a user route answers 401, not 500", async () => {
    const r = await call(route({ auth: "user" }, () => ({})), { headers: { cookie: "theme=100%" } });
    expect(r.status).toBe(401);
  });
});

describe("failure texts keep the message, not the stack", () => {
  const stacked = [
    "Error: Non-zero status code returned while running Conv node. Name:'conv1'",
    "    at OnnxruntimeSessionHandler.run (/home/alice/nnlq/node_modules/onnxruntime-node/dist/backend.js:97:28)",
    "    at async measureModel (file:///srv/nnlq/lib/measure/measure.ts:212:7)",
    "    at async Promise.all (index 0)",
  ].join("\n");

  it("publicErrorText drops stack frames and reduces absolute paths to file names", () => {
    expect(publicErrorText(stacked)).toBe("Error: Non-zero status code returned while running Conv node. Name:'conv1'");
    expect(publicErrorText("cannot open /tmp/nnlq-x1/model.onnx: EACCES")).toBe("cannot open model.onnx: EACCES");
    expect(publicErrorText("C:\\Users\\bob\\nnlq\\lib\\x.ts failed")).toBe("x.ts failed");
    // what is not a path stays: platform slugs, URLs, ratios
    const plain =
      "operator GridSample is not supported on x86-8c/ort-cpu-1.20/fp32/t1 (see http://127.0.0.1:3000/api/v1/platforms), 3/4 runs";
    expect(publicErrorText(plain)).toBe(plain);
    expect(publicErrorText("    at x (/a/b.ts:1:1)")).toBe("failed without a message");
  });

  it("the worker sends the message of an error with a stack, not the stack", () => {
    const e = new Error("runtime exploded");
    const body = failureBody(new Error(stacked), { slug: "x86/ort/fp32/t1" }, 1.5);
    expect(body.message).toBe(
      "measuring on x86/ort/fp32/t1 failed: Error: Non-zero status code returned while running Conv node. Name:'conv1'",
    );
    expect(failureBody(e, { slug: "p" }, 0).message).toBe("measuring on p failed: runtime exploded");
    expect(body.message).not.toMatch(/\bat\s|\/home|measure\.ts/);
  });
});
