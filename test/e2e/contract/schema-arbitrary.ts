/**
 * fast-check arbitraries from the JSON Schemas of the OpenAPI document (draft 2020-12 as zod writes it):
 * `valid(schema)` draws values the schema accepts, `invalid(schema)` values it refuses (a valid value with
 * one mutation: a required field dropped, a field or the whole value of the wrong type, a bound crossed,
 * a string that breaks its pattern or enum). Both are checked with ajv against the schema, so a generator
 * bug shows up as a filtered-out draw, never as a wrong expectation. Also used by test/query/schema-arbitrary.test.ts.
 */
import fc from "fast-check";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormatsModule from "ajv-formats";

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a JSON Schema walked by key; its shape is the document's
export type Json = Record<string, any>;

const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (a: Ajv2020) => void;

/** ajv for the document's schemas: formats checked, OpenAPI's `binary` and unknown keywords tolerated. */
export function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020({ strict: false, allErrors: false, validateFormats: true });
  addFormats(ajv);
  ajv.addFormat("binary", true);
  return ajv;
}

const MAX_INT = 2 ** 31 - 1;

function stringArb(s: Json): fc.Arbitrary<string> {
  const min = s.minLength ?? 0;
  const max: number = s.maxLength ?? Infinity;
  const patterns: string[] = [s.pattern, ...((s.allOf ?? []) as Json[]).map((a) => a.pattern)].filter(
    (p): p is string => typeof p === "string",
  );
  const fits = (v: string) => v.length >= min && v.length <= max && patterns.every((p) => new RegExp(p, "u").test(v));
  if (s.format === "email") return fc.emailAddress().filter((v) => fits(v) && v.length <= 200);
  if (s.format === "date-time")
    return fc.date({ min: new Date("2000-01-01"), max: new Date("2099-12-31"), noInvalidDate: true }).map((d) => d.toISOString());
  if (patterns.length === 1 && /^\^.*\$$/.test(patterns[0]!)) return fc.stringMatching(new RegExp(patterns[0]!)).filter(fits);
  if (patterns.length) {
    // unanchored patterns (e.g. "has a letter", "has a digit"): a piece matching each, padded to the minimum length
    return fc
      .tuple(
        fc.tuple(...patterns.map((p) => fc.stringMatching(new RegExp(p), { size: "xsmall" }))),
        fc.string({ minLength: min, maxLength: Math.min(max, min + 8), unit: "grapheme-ascii" }),
      )
      .map(([parts, pad]) => (parts.join("") + pad).slice(0, max))
      .filter(fits);
  }
  return fc
    .string({
      minLength: min,
      maxLength: Math.min(max, min + 24),
      unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCXYZ0123456789 -_.é/%"),
    })
    .filter(fits);
}

function numberArb(s: Json, integer: boolean): fc.Arbitrary<number> {
  let min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + (integer ? 1 : 1e-9) : -1e6);
  let max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - (integer ? 1 : 1e-9) : 1e6);
  if (integer) {
    min = Math.max(Math.ceil(min), -MAX_INT);
    max = Math.min(Math.floor(max), MAX_INT);
    // small values are the interesting ones (ids, counts); keep a chance of the bounds
    return fc.oneof(fc.integer({ min, max: Math.min(max, min + 20) }), fc.integer({ min, max }), fc.constantFrom(min, max));
  }
  return fc.oneof(fc.double({ min, max, noNaN: true, noDefaultInfinity: true }), fc.constantFrom(min, max));
}

const requiredOnly = (alts: Json[]) => alts.every((b) => Array.isArray(b.required) && Object.keys(b).length === 1);

/** Values the schema accepts. */
export function valid(s: Json | boolean, depth = 0): fc.Arbitrary<unknown> {
  if (s === true || !s || Object.keys(s).length === 0 || (Object.keys(s).length === 1 && s.description)) {
    return depth > 2 ? fc.constant(null) : fc.jsonValue({ maxDepth: 1 });
  }
  if ("const" in s) return fc.constant(s.const);
  if (Array.isArray(s.enum)) return fc.constantFrom(...(s.enum as unknown[]));
  const alts = (s.anyOf ?? (s.type === undefined ? s.oneOf : undefined)) as Json[] | undefined;
  if (alts && !(s.type === "object" && requiredOnly(alts))) return fc.oneof(...alts.map((a) => valid(a, depth)));
  switch (Array.isArray(s.type) ? s.type[0] : s.type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
      return numberArb(s, true);
    case "number":
      return numberArb(s, false);
    case "string":
      return stringArb(s);
    case "array": {
      if (Array.isArray(s.prefixItems)) return fc.tuple(...(s.prefixItems as Json[]).map((p) => valid(p, depth + 1)));
      const minLength = s.minItems ?? 0;
      return fc.array(valid(s.items ?? {}, depth + 1), { minLength, maxLength: Math.min(s.maxItems ?? minLength + 3, minLength + 3) });
    }
    case "object": {
      const props = (s.properties ?? {}) as Record<string, Json>;
      let required = [...((s.required ?? []) as string[])];
      // `oneOf` / `anyOf: [{required: [a]}, {required: [b, c]}]` (exactly / at least one of): choose a
      // branch, leave the other branches' fields out
      const branches = (s.oneOf ?? s.anyOf ?? []) as Json[];
      const recordOf = (req: string[], omit: string[]) => {
        const keys = Object.keys(props).filter((k) => !omit.includes(k));
        const rec = fc.record(Object.fromEntries(keys.map((k) => [k, valid(props[k]!, depth + 1)])), {
          requiredKeys: req.filter((k) => keys.includes(k)),
        });
        const extra =
          s.additionalProperties && typeof s.additionalProperties === "object" && !Object.keys(props).length
            ? fc.dictionary(fc.stringMatching(/^[a-z][a-zA-Z0-9_]{0,8}$/), valid(s.additionalProperties, depth + 1), { maxKeys: 3 })
            : fc.constant({});
        return fc.tuple(rec, extra).map(([a, b]) => ({ ...b, ...a }));
      };
      if (branches.length && requiredOnly(branches)) {
        const all = branches.flatMap((b) => b.required as string[]);
        return fc.oneof(...branches.map((b) => recordOf([...required, ...b.required], all.filter((k) => !b.required.includes(k)))));
      }
      required = required.filter((k) => k in props);
      return recordOf(required, []);
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

/** Values of the wrong JSON type for a schema of type `t`. */
function wrongType(t: string | undefined): fc.Arbitrary<unknown> {
  const all: Record<string, fc.Arbitrary<unknown>> = {
    string: fc.string({ maxLength: 6 }),
    number: fc.double({ noNaN: true, noDefaultInfinity: true }),
    integer: fc.integer(),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.integer(), { maxLength: 2 }),
    object: fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
  };
  const others = Object.entries(all).filter(
    ([k]) => k !== t && !(t === "number" && k === "integer") && !(t === "integer" && k === "number"),
  );
  return fc.oneof(...others.map(([, a]) => a));
}

/** A violation of one schema node (not of its children). */
function breakNode(s: Json): fc.Arbitrary<unknown> {
  const options: fc.Arbitrary<unknown>[] = [wrongType(Array.isArray(s.type) ? s.type[0] : s.type)];
  if (typeof s.minimum === "number") options.push(fc.constant(s.minimum - 1), fc.constant(s.minimum - 0.5));
  if (typeof s.maximum === "number") options.push(fc.constant(s.maximum + 1));
  if (typeof s.minLength === "number" && s.minLength > 0) options.push(fc.constant(""));
  if (typeof s.maxLength === "number") options.push(fc.constant("x".repeat(s.maxLength + 1)));
  if (typeof s.pattern === "string" || s.format) options.push(fc.constantFrom("not valid!", "../x", "%", " "));
  if (Array.isArray(s.enum)) options.push(fc.constantFrom("nope", "NOPE", ""));
  if (typeof s.minItems === "number" && s.minItems > 0) options.push(fc.constant([]));
  if (s.type === "object" && (s.required ?? []).length) options.push(fc.constant({}));
  return fc.oneof(...options);
}

const clone = <T>(v: T): T => (v === undefined ? v : JSON.parse(JSON.stringify(v)));

/**
 * Values the schema refuses: a valid value with one node broken (the root, or a property at any depth),
 * kept only when ajv confirms it is invalid.
 */
export function invalid(s: Json, check: (v: unknown) => boolean): fc.Arbitrary<unknown> {
  const props = (s.properties ?? {}) as Record<string, Json>;
  const keys = Object.keys(props);
  const mutations: fc.Arbitrary<unknown>[] = [breakNode(s)];
  if (s.type === "object" && keys.length) {
    mutations.push(
      fc.tuple(valid(s), fc.constantFrom(...keys)).chain(([v, k]) =>
        fc.oneof(
          fc.constant(undefined),
          breakNode(props[k]!),
          props[k]!.type === "object" || props[k]!.type === "array" ? invalid(props[k]!, () => false) : breakNode(props[k]!),
        ).map((bad) => {
          const out = clone(v) as Json;
          if (bad === undefined) delete out[k];
          else out[k] = bad;
          return out;
        }),
      ),
    );
  }
  if (s.type === "array" && s.items && typeof s.items === "object") {
    mutations.push(fc.tuple(valid(s), breakNode(s.items)).map(([v, bad]) => [...((v as unknown[]) ?? []), bad]));
  }
  return fc.oneof(...mutations).filter((v) => v !== undefined && !check(v));
}
