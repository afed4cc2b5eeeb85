/**
 * The generator the API contract test (test/e2e/api-contract.e2e.ts) draws requests from: for every
 * request body, query string and path parameter of the OpenAPI document, its "valid" draws pass the
 * schema (ajv) and its "invalid" draws fail it — and the valid ones also pass the zod schema the
 * handler validates with, so the document is not looser than the service.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { OPERATIONS, openApiDocument } from "@/lib/api/openapi";
import { invalid, makeAjv, valid, type Json } from "../e2e/contract/schema-arbitrary";

const doc = openApiDocument() as { paths: Record<string, Record<string, Json>> };
const ajv = makeAjv();

function parametersSchema(params: Json[], where: "query" | "path"): Json {
  const ps = params.filter((p) => p.in === where);
  return {
    type: "object",
    properties: Object.fromEntries(ps.map((p) => [p.name, p.schema])),
    required: ps.filter((p) => p.required).map((p) => p.name),
  };
}

/**
 * Rules between two fields that JSON Schema cannot state (the document says them in the fields'
 * descriptions): a draw that breaks only these may be refused by zod.
 */
export const CROSS_FIELD_RULES = ["must not exceed flopsMax", "must not exceed latencyMax"];
const onlyCrossField = (e: z.ZodError) => e.issues.every((i) => i.code === "custom" && CROSS_FIELD_RULES.includes(i.message));

/** query/path values travel as strings */
const asStrings = (v: Json) => Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));

describe("schema arbitraries", () => {
  for (const op of OPERATIONS) {
    const o = doc.paths[op.path]![op.method]!;
    const body = o.requestBody?.content?.["application/json"]?.schema as Json | undefined;
    it(`${op.method.toUpperCase()} ${op.path}: valid draws pass the document and the handler's zod schema, invalid draws fail`, () => {
      const cases: [string, Json, z.ZodType | undefined, boolean][] = [];
      if (body) cases.push(["body", body, op.body === "onnx" ? undefined : op.body, false]);
      if (o.parameters?.some((p: Json) => p.in === "query")) cases.push(["query", parametersSchema(o.parameters, "query"), op.query, true]);
      if (o.parameters?.some((p: Json) => p.in === "path")) cases.push(["path", parametersSchema(o.parameters, "path"), op.params, true]);
      for (const [what, schema, zod, strings] of cases) {
        const check = ajv.compile(schema);
        fc.assert(
          fc.property(valid(schema), (v) => {
            expect(check(v), `${what} ${JSON.stringify(v)}: ${ajv.errorsText(check.errors)}`).toBe(true);
            if (zod) {
              const r = zod.safeParse(strings ? asStrings(v as Json) : v);
              expect(r.success || onlyCrossField(r.error), `${what} ${JSON.stringify(v)} refused by zod: ${r.error?.message}`).toBe(true);
            }
          }),
          { numRuns: 40 },
        );
        fc.assert(fc.property(invalid(schema, (v) => check(v)), (v) => {
          expect(check(v), `${what} ${JSON.stringify(v)}`).toBe(false);
        }), { numRuns: 20 });
      }
    });
  }
});
