/**
 * Zoo specs: `{ family, seed, batch, resolution, ...hyperparameters }` — JSON that fully determines a model.
 * Each family defines a zod schema (validation + defaults), a sampler over its design space and a builder.
 */
import { z } from "zod";
import { NnlqError } from "@/lib/errors";
import { ALL_FAMILIES, type FamilyName } from "@/lib/onnx/families";
import type { GraphBuilder, Tensor } from "./builder";
import type { Rng } from "./rng";

/** Every family the zoo generates: the shared vocabulary minus "other". */
export type ZooFamily = Exclude<FamilyName, "other">;
export const ZOO_FAMILIES = ALL_FAMILIES.filter((f): f is ZooFamily => f !== "other");

export interface BaseSpec {
  family: ZooFamily;
  /** Seeds the pseudo-random weights (it does not change the structure). */
  seed: number;
  batch: number;
  resolution: number;
}
export type ZooSpec = BaseSpec & Record<string, unknown>;

/** Sampled ranges of the fields every family shares. */
export const SAMPLED_BATCH = { min: 1, max: 8 } as const;
export const SAMPLED_RESOLUTION = { min: 96, max: 320, step: 16 } as const;
export const MAX_BATCH = 64;
export const MAX_RESOLUTION = 640;

export interface ResolutionRule {
  min: number;
  /** Resolution must be a multiple of this (default 1). */
  multiple?: number;
  /** Resolution when a spec gives none (default 224). */
  default?: number;
}

export interface FamilyDef<S extends BaseSpec = BaseSpec> {
  family: ZooFamily;
  summary: string;
  /** Hyperparameter → human description of its sampled range (for `zoo --list`). */
  space: Record<string, string>;
  resolution: ResolutionRule;
  /** A canonical member (hyperparameters only), e.g. ResNet-18. */
  example: Record<string, unknown>;
  schema: z.ZodType<S>;
  /** Draw hyperparameters (and optionally a resolution) from the design space. */
  sample(rng: Rng): Record<string, unknown>;
  /** Build the graph on `x` ([batch, 3, resolution, resolution]); returns named outputs. */
  build(b: GraphBuilder, x: Tensor, spec: S): Record<string, Tensor>;
}

/** The fields every spec has, with the family's resolution rule. Spread into each family's strictObject. */
export function baseShape<F extends ZooFamily>(family: F, rule: ResolutionRule) {
  const multiple = rule.multiple ?? 1;
  return {
    family: z.literal(family),
    seed: z.int().min(0).max(2 ** 31 - 1).default(0),
    batch: z.int().min(1).max(MAX_BATCH).default(1),
    resolution: z
      .int()
      .min(rule.min)
      .max(MAX_RESOLUTION)
      .refine((r) => r % multiple === 0, `resolution must be a multiple of ${multiple}`)
      .default(rule.default ?? 224),
  };
}

/** Validate with a zod schema, turning failures into one NnlqError(VALIDATION). */
export function parseWith<S>(schema: z.ZodType<S>, value: unknown, what: string): S {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const problems = r.error.issues.map((i) => `${i.path.length ? i.path.join(".") : "(spec)"}: ${i.message}`);
  throw new NnlqError("VALIDATION", `invalid ${what}: ${problems.join("; ")}`, { problems });
}

/** Canonical JSON: object keys sorted recursively, no whitespace. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(",")}]`;
  if (v !== null && typeof v === "object") {
    const entries = Object.entries(v as Record<string, unknown>)
      .filter(([, x]) => x !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, x]) => `${JSON.stringify(k)}:${canonicalJson(x)}`).join(",")}}`;
  }
  if (typeof v === "number" && !Number.isFinite(v)) throw new NnlqError("VALIDATION", "spec numbers must be finite");
  return JSON.stringify(v);
}

/** Round channels to a multiple of `divisor`, never below 90% of the target (the MobileNet rule). */
export function makeDivisible(v: number, divisor = 8, min = divisor): number {
  const r = Math.max(min, Math.floor(v + divisor / 2) - (Math.floor(v + divisor / 2) % divisor));
  return r < 0.9 * v ? r + divisor : r;
}

/** Common zod pieces. */
export const zInt = (min: number, max: number) => z.int().min(min).max(max);
export const zIntList = (len: number, min: number, max: number) => z.array(zInt(min, max)).length(len);
export const zNum = (min: number, max: number) => z.number().min(min).max(max);
/** A number from a fixed set (discrete choices keep distinct specs structurally distinct). */
export const zOneOf = (values: readonly number[]) =>
  z.number().refine((v) => values.includes(v), `must be one of ${values.join(", ")}`);
