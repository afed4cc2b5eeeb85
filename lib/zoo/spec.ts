/**
 * Zoo specs: `{ family, seed, batch, resolution, ...hyperparameters }` — JSON that fully determines a model.
 * Each family defines a zod schema (validation + defaults), a sampler over its design space and a builder.
 */
import { z } from "zod";
import { NnlqError } from "@/lib/errors";
import { ALL_FAMILIES, FAMILY_LABELS, type FamilyName } from "@/lib/onnx/families";
import type { GraphBuilder, Tensor } from "./builder";
import type { Rng } from "./rng";

/**
 * Zoo v2 (ZOO_VERSION 2, issue 17): families shaped like the real networks people bring that v1 lacked.
 * They are zoo families whether or not the shared vocabulary (lib/onnx/families.ts) lists them yet; where
 * it does not, the database's architecture_families and the family detector cannot name them, and the
 * detector answers with a documented close equivalent (lib/onnx/family.ts, ZOO_V2_EQUIVALENT).
 */
export const ZOO_V2_FAMILIES = ["unet", "ssd", "superres", "deeplab", "bert", "mobilevit", "rnn", "resnext", "mixer"] as const;
export type ZooV2Family = (typeof ZOO_V2_FAMILIES)[number];

/** Every family the zoo generates: the shared vocabulary minus "other", then the v2 families. */
export type ZooFamily = Exclude<FamilyName, "other"> | ZooV2Family;
const isV2 = (f: string): f is ZooV2Family => (ZOO_V2_FAMILIES as readonly string[]).includes(f);
/** The ZOO_VERSION 1 families (their specs generate exactly the bytes they did under version 1). */
export const ZOO_V1_FAMILIES = ALL_FAMILIES.filter((f) => f !== "other" && !isV2(f)) as Exclude<ZooFamily, ZooV2Family | "other">[];
export const ZOO_FAMILIES: readonly ZooFamily[] = [...ZOO_V1_FAMILIES, ...ZOO_V2_FAMILIES];

/** Display labels of every zoo family: the shared vocabulary's (lib/onnx/families.ts names the v2 families too). */
export const ZOO_LABELS: Record<ZooFamily, string> = FAMILY_LABELS as Record<ZooFamily, string>;

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
/** Largest resolution of the v1 families (a family's rule may allow more: Zoo v2 vision families go to 1280). */
export const MAX_RESOLUTION = 640;

export interface ResolutionRule {
  min: number;
  /** Largest resolution (default MAX_RESOLUTION). */
  max?: number;
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
  /** The ZOO_VERSION that introduced the family (default 1); it is the nnlq.zoo_version of its models. */
  since?: number;
  /** The graph's first input when it is not the image [batch, 3, resolution, resolution] "input". */
  input?(spec: S): { name: string; shape: number[]; dtype?: number };
  /** The model's opset when it is not ZOO_OPSET (17). */
  opset?(spec: S): number;
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
      .max(rule.max ?? MAX_RESOLUTION)
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
