/**
 * The OpenAPI document covers every /api/v1 route handler, its schemas come from the zod schemas, it
 * states the rules the service enforces and declares every success response's fields, and
 * `@redocly/cli lint` (recommended rules, offline) finds no error in it.
 * The live check of the document against the server: test/e2e/api-contract.e2e.ts.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { OPERATIONS, openApiDocument } from "@/lib/api/openapi";
import { password, signupBody } from "@/lib/api/schemas";
import { queryBody } from "@/lib/api/schemas/models";
import { predictBody } from "@/lib/api/schemas/predict";
import { passwordProblem } from "@/lib/auth/password-policy";

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
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generated document, walked by key
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
    expect(upload.parameters.map((p: { name: string }) => p.name)).toEqual(["name", "visibility", "teamId", "batch", "inputs"]);
    // explicit input shapes travel as name=DxDxD pairs: the document states the pattern the service parses
    const inputs = upload.parameters.find((p: { name: string }) => p.name === "inputs");
    expect(inputs.required).toBe(false);
    expect(new RegExp(inputs.schema.pattern).test("images=1x3x640x640;mask=1x640x640")).toBe(true);
    expect(new RegExp(inputs.schema.pattern).test("images=1x3x0x640")).toBe(false);
    const claim = doc.paths["/api/v1/worker/claim"]!.post;
    expect(claim.security).toEqual([{ deviceToken: [] }]);
    const jobParam = doc.paths["/api/v1/worker/jobs/{jobId}/result"]!.post.parameters[0];
    expect(jobParam).toMatchObject({ name: "jobId", in: "path", required: true });
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId));
    expect(new Set(ids).size).toBe(ids.length);
  });
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- the generated document, walked by key
type Json = Record<string, any>;
const doc = () => openApiDocument() as { info: Json; paths: Record<string, Record<string, Json>> };
const op = (method: string, p: string) => doc().paths[p]![method]!;
const bodySchema = (o: Json) => o.requestBody.content["application/json"].schema as Json;

describe("openapi.json says what the service does", () => {
  it("API keys are not offered where the service refuses them (creating teams, creating and revoking keys)", () => {
    expect(op("post", "/api/v1/teams").security).toEqual([{ session: [] }]);
    expect(op("post", "/api/v1/teams/{teamId}/keys").security).toEqual([{ session: [] }]);
    expect(op("delete", "/api/v1/teams/{teamId}/keys/{keyId}").security).toEqual([{ session: [] }]);
    expect(op("get", "/api/v1/teams/{teamId}/keys").security).toContainEqual({ apiKey: [] });
  });

  it("states the password policy, and the schema and the service's passwordProblem agree", () => {
    const pw = bodySchema(op("post", "/api/v1/auth/signup")).properties.password;
    expect(pw).toMatchObject({ type: "string", minLength: 8, maxLength: 200 });
    expect(JSON.stringify(pw)).toContain("[A-Za-z]");
    expect(JSON.stringify(pw)).toContain("[0-9]");
    const samples = fc.oneof(
      fc.string({ maxLength: 12 }),
      fc.stringMatching(/^[a-z0-9]{6,12}$/),
      fc.string({ minLength: 195, maxLength: 205 }),
    );
    fc.assert(
      fc.property(samples, (s) => password.safeParse(s).success === (passwordProblem(s) === null)),
      { numRuns: 500 },
    );
    const weak = signupBody.safeParse({ email: "a@b.co", password: "abcdefgh", name: "A" });
    expect(weak.success).toBe(false);
    expect(weak.error!.issues[0]!.message).toBe(passwordProblem("abcdefgh"));
  });

  it("/query needs exactly one of modelId or hash; platform lists and uploads must not be empty", () => {
    const q = bodySchema(op("post", "/api/v1/query"));
    expect(q.oneOf).toEqual([{ required: ["modelId"] }, { required: ["hash"] }]);
    const hash = "a".repeat(64);
    const platforms = ["x86/ort-cpu-1.30/fp32/t1"];
    expect(queryBody.safeParse({ platforms }).success).toBe(false);
    expect(queryBody.safeParse({ modelId: 1, hash, platforms }).success).toBe(false);
    expect(queryBody.safeParse({ hash, platforms }).success).toBe(true);
    const p = bodySchema(op("post", "/api/v1/predict"));
    expect(p.properties.platforms).toMatchObject({ minItems: 1 });
    expect(predictBody.safeParse({ models: [{ modelId: 1 }], platforms: [] }).success).toBe(false);
    const upload = op("post", "/api/v1/models").requestBody.content["application/octet-stream"].schema;
    expect(upload.minLength).toBe(1);
  });

  it("declares every field of every success response (no bare objects)", () => {
    const bare: string[] = [];
    for (const [p, ops] of Object.entries(doc().paths)) {
      for (const [m, o] of Object.entries(ops)) {
        for (const [status, r] of Object.entries(o.responses as Record<string, Json>)) {
          if (!/^2/.test(status)) continue;
          const s = r.content?.["application/json"]?.schema as Json | undefined;
          if (!r.content) continue;
          if (!s) continue; // binary
          const where = `${m.toUpperCase()} ${p} ${status}`;
          if (s.type !== "object" || !s.properties || s.additionalProperties !== false) bare.push(where);
          // arrays of objects: their items declare fields too
          const walk = (x: unknown, at: string) => {
            if (!x || typeof x !== "object") return;
            const j = x as Json;
            if (j.type === "array" && j.items?.type === "object" && !j.items.properties) bare.push(`${where} ${at}[]`);
            for (const [k, v] of Object.entries(j)) walk(v, `${at}.${k}`);
          };
          walk(s, "");
        }
      }
    }
    expect(bare).toEqual([]);
  });

  it("passes @redocly/cli lint (recommended rules) with no errors or warnings, offline", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "nnlq-openapi-"));
    try {
      const file = path.join(dir, "openapi.json");
      writeFileSync(file, JSON.stringify(openApiDocument()));
      const cli = path.join(root, "node_modules/@redocly/cli/bin/cli.js");
      // no telemetry and no update check: the lint makes no network request
      const env = { ...process.env, REDOCLY_TELEMETRY: "off", REDOCLY_SUPPRESS_UPDATE_NOTICE: "true", NO_COLOR: "1" };
      const r = spawnSync(process.execPath, [cli, "lint", file, "--format=json"], { cwd: dir, env, encoding: "utf8", timeout: 60_000 });
      const out = JSON.parse(r.stdout.slice(r.stdout.indexOf("{"))) as {
        totals: { errors: number; warnings: number };
        problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
      };
      const problems = out.problems.map((p) => `${p.ruleId}: ${p.message} (${p.location[0]?.pointer})`);
      expect(problems).toEqual([]);
      expect(out.totals.errors).toBe(0);
      expect(r.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
