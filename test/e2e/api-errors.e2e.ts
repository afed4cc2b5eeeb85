/**
 * What only the real server shows (a production build under the e2e setup's server): every /api/v1 answer
 * is JSON in the error shape — methods a route lacks (405 with Allow), unknown paths (404, not the HTML
 * page), TRACE (which Next cannot hand to a route: a plain-text 500 before), OPTIONS/HEAD, and a
 * malformed cookie (500 on every route before). Raw node:http, since fetch refuses TRACE.
 */
import http from "node:http";
import { describe, expect, inject, it } from "vitest";

const base = new URL(inject("baseUrl"));

interface Answer {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  json: () => { error: { code: string; message: string } };
}

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: base.hostname, port: base.port, method, path, headers }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d) => (text += d));
      res.on("end", () => resolve({ status: res.statusCode!, headers: res.headers, text, json: () => JSON.parse(text) }));
    });
    req.on("error", reject);
    req.end(body);
  });
}

function expectError(r: Answer, status: number, code: string) {
  expect(r.status, r.text.slice(0, 300)).toBe(status);
  expect(r.headers["content-type"]).toMatch(/^application\/json/);
  const body = r.json();
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe("string");
  return body.error.message;
}

describe("/api/v1 answers JSON in the error shape", () => {
  it("a method a route lacks: 405 with Allow (DELETE /query, PUT /models, POST /platforms)", async () => {
    const del = await send("DELETE", "/api/v1/query");
    expect(expectError(del, 405, "METHOD_NOT_ALLOWED")).toBe("DELETE is not allowed on /api/v1/query; allowed: OPTIONS, POST");
    expect(del.headers.allow).toBe("OPTIONS, POST");
    const put = await send("PUT", "/api/v1/models", { "content-type": "application/octet-stream" }, "x");
    expectError(put, 405, "METHOD_NOT_ALLOWED");
    expect(put.headers.allow).toBe("OPTIONS, POST");
    const post = await send("POST", "/api/v1/platforms", { "content-type": "application/json" }, "{}");
    expectError(post, 405, "METHOD_NOT_ALLOWED");
    expect(post.headers.allow).toBe("GET, HEAD, OPTIONS");
  });

  it("OPTIONS lists the methods (204 + Allow); HEAD is served where GET is", async () => {
    const o = await send("OPTIONS", "/api/v1/teams");
    expect(o.status).toBe(204);
    expect(o.headers.allow).toBe("GET, HEAD, OPTIONS, POST");
    const h = await send("HEAD", "/api/v1/platforms");
    expect(h.status).toBe(200);
    expect(h.text).toBe("");
  });

  it("unknown paths: 404 JSON for any method, not the HTML page", async () => {
    for (const [m, p] of [
      ["GET", "/api/v1/nope"],
      ["POST", "/api/v1/models/1/nope"],
      ["GET", "/api/v1"],
      ["DELETE", "/api/v1/a/b/c"],
    ] as const) {
      const r = await send(m, p);
      expect(expectError(r, 404, "NOT_FOUND")).toBe(`No API operation at ${m} ${p}; the operations are listed at /api/v1/openapi.json`);
      expect(r.text).not.toMatch(/<html/i);
    }
  });

  it("TRACE (and other methods Next does not route): the route's 405, or 404 for unknown paths", async () => {
    const t = await send("TRACE", "/api/v1/query");
    expect(expectError(t, 405, "METHOD_NOT_ALLOWED")).toBe("TRACE is not allowed on /api/v1/query; allowed: OPTIONS, POST");
    expect(t.headers.allow).toBe("OPTIONS, POST");
    const p = await send("PROPFIND", "/api/v1/platforms");
    expectError(p, 405, "METHOD_NOT_ALLOWED");
    expect(p.headers.allow).toBe("GET, HEAD, OPTIONS");
    expectError(await send("TRACE", "/api/v1/nope"), 404, "NOT_FOUND");
    // outside the API too: never Next's plain-text 500
    expectError(await send("TRACE", "/"), 405, "METHOD_NOT_ALLOWED");
  });

  it("a client cannot forge the guard's internal header", async () => {
    const o = await send("OPTIONS", "/api/v1/query", { "x-nnlq-original-method": "TRACE" });
    expect(o.status).toBe(204);
  });

  it("a malformed cookie is ignored: `Cookie: theme=100%`", async () => {
    const ok = await send("GET", "/api/v1/platforms", { cookie: "theme=100%" });
    expect(ok.status).toBe(200);
    expect(Array.isArray(JSON.parse(ok.text).platforms)).toBe(true);
    expectError(await send("GET", "/api/v1/me", { cookie: "theme=100%; x=%E0%A4%A" }), 401, "UNAUTHENTICATED");
  });

  it("worker and admin routes authenticate before validating (401 / 403, not 400)", async () => {
    expectError(await send("POST", "/api/v1/worker/register", { "content-type": "application/json" }, "{}"), 401, "INVALID_WORKER_TOKEN");
    expectError(
      await send("POST", "/api/v1/worker/jobs/abc/fail", { "content-type": "application/json" }, '{"code":"x"}'),
      401,
      "INVALID_WORKER_TOKEN",
    );
    expectError(await send("PUT", "/api/v1/admin/quotas", { "content-type": "application/json" }, "{}"), 401, "UNAUTHENTICATED");
  });
});
