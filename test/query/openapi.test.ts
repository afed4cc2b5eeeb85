/** The OpenAPI document covers every /api/v1 route handler, and its schemas come from the zod schemas. */
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { OPERATIONS, openApiDocument } from "@/lib/api/openapi";

const root = path.resolve(import.meta.dirname, "../..");
const apiDir = path.join(root, "app/api/v1");

function routeFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = path.join(dir, name);
    return statSync(p).isDirectory() ? routeFiles(p) : name === "route.ts" ? [p] : [];
  });
}

function handlers(): string[] {
  const out: string[] = [];
  for (const file of routeFiles(apiDir)) {
    const rel = path.relative(path.join(root, "app"), path.dirname(file)).split(path.sep).join("/");
    const url = "/" + rel.replace(/\[([^\]]+)\]/g, "{$1}");
    for (const m of readFileSync(file, "utf8").matchAll(/^export (?:const|async function) (GET|POST|PUT|PATCH|DELETE)\b/gm)) {
      out.push(`${m[1]!.toLowerCase()} ${url}`);
    }
  }
  return out.sort();
}

describe("openapi.json", () => {
  it("documents exactly the route handlers under app/api/v1", () => {
    const documented = OPERATIONS.map((o) => `${o.method} ${o.path}`).sort();
    const found = handlers();
    expect(found.length).toBeGreaterThan(30);
    expect(documented).toEqual(found);
  });

  it("is OpenAPI 3.1 with request/response schemas generated from zod", () => {
    const doc = openApiDocument("http://localhost:3000") as { openapi: string; paths: Record<string, Record<string, any>> };
    expect(doc.openapi).toBe("3.1.0");
    const query = doc.paths["/api/v1/query"]!.post;
    const body = query.requestBody.content["application/json"].schema;
    expect(body.properties.platforms).toMatchObject({ type: "array", minItems: 1, maxItems: 16 });
    expect(body.properties.batch).toMatchObject({ type: "integer", minimum: 1, maximum: 1024 });
    const ok = query.responses["200"].content["application/json"].schema;
    expect(ok.properties.results.items.oneOf ?? ok.properties.results.items.anyOf).toHaveLength(5);
    const upload = doc.paths["/api/v1/models"]!.post;
    expect(Object.keys(upload.requestBody.content)).toEqual(["application/octet-stream", "multipart/form-data"]);
    expect(upload.parameters.map((p: { name: string }) => p.name)).toEqual(["name", "visibility", "teamId", "batch"]);
    const claim = doc.paths["/api/v1/worker/claim"]!.post;
    expect(claim.security).toEqual([{ deviceToken: [] }]);
    const jobParam = doc.paths["/api/v1/worker/jobs/{jobId}/result"]!.post.parameters[0];
    expect(jobParam).toMatchObject({ name: "jobId", in: "path", required: true });
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });
});
