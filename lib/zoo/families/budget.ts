/**
 * Building a spec's graph (shared by generate, paramCount and specCost) and the Zoo v2 samplers' caps.
 *
 * Zoo v2 families sample real-world sizes (e.g. 96–1280 px, sequences up to 512, hidden sizes up to 1024),
 * where a free draw can land on a network that takes minutes per inference or gigabytes of activations. The
 * campaign measures hundreds of draws per family on one CPU thread, so every v2 sampler keeps its batch-1
 * draw under V2_CAPS: a draw over a cap is shrunk (the family's own rule, usually a smaller resolution or
 * sequence) and redrawn when it cannot be shrunk enough. Explicit specs are not capped (only validated).
 */
import { NnlqError } from "@/lib/errors";
import { GraphBuilder } from "../builder";
import type { Rng } from "../rng";
import { parseWith, type BaseSpec, type FamilyDef } from "../spec";

/**
 * Batch-1 caps of a sampled Zoo v2 spec, so one inference stays under ~2 s on one CPU thread: the data
 * release measured the v1 zoo at 26–47 ms per GMAC (family medians, x86-zen3-avx2 fp32 t1; worst 66), so
 * 50 GMACs is ~1.3–2.3 s. Memory-bound full-resolution graphs (U-Net, super-resolution at 1280 px) run slower
 * per MAC: the largest-tensor cap (2^24 elements, 64 MiB fp32) bounds them. 150 M parameters keep a weighted
 * model under 600 MB.
 */
export const V2_CAPS = { macs: 50e9, params: 150e6, largestTensor: 2 ** 24 } as const;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFamily = FamilyDef<any>;

/** The graph of a validated spec: its input (the family's, or the image [batch, 3, r, r]), build, named outputs. */
export function buildGraph(d: AnyFamily, s: BaseSpec): GraphBuilder {
  const b = new GraphBuilder(s.family);
  const inp = d.input?.(s) ?? { name: "input", shape: [s.batch, 3, s.resolution, s.resolution] };
  const x = b.input(inp.name, inp.shape, inp.dtype);
  const outputs = d.build(b, x, s);
  for (const [name, t] of Object.entries(outputs)) b.output(t, name);
  return b;
}

/** Whether a batch-1 draw of hyperparameters fits V2_CAPS (false also when the graph cannot be built). */
export function fitsCaps(d: AnyFamily, hp: Record<string, unknown>): boolean {
  let b: GraphBuilder;
  try {
    b = buildGraph(d, parseWith(d.schema, { ...hp, family: d.family, batch: 1 }, `${d.family} spec`) as BaseSpec);
  } catch {
    return false;
  }
  return b.macs() <= V2_CAPS.macs && b.paramCount() <= V2_CAPS.params && b.largestTensor() <= V2_CAPS.largestTensor;
}

/**
 * Draw hyperparameters under the caps: `draw` samples freely; `shrink` returns a cheaper variant (e.g. the
 * next smaller resolution) or null when there is none, and the sampler draws again. Deterministic in `rng`.
 */
export function sampleWithin(
  rng: Rng,
  d: AnyFamily,
  draw: (rng: Rng) => Record<string, unknown>,
  shrink: (hp: Record<string, unknown>) => Record<string, unknown> | null,
): Record<string, unknown> {
  for (let tries = 0; tries < 200; tries++) {
    let hp: Record<string, unknown> | null = draw(rng);
    while (hp && !fitsCaps(d, hp)) hp = shrink(hp);
    if (hp) return hp;
  }
  throw new NnlqError("INTERNAL", `the ${d.family} sampler found no draw under the caps in 200 tries`);
}

/** A resolution log-uniform in [lo, hi], a multiple of `multiple` (real inputs cluster at the small end). */
export function logUniformStep(rng: Rng, lo: number, hi: number, multiple: number): number {
  const v = Math.exp(Math.log(lo) + rng.next() * (Math.log(hi) - Math.log(lo)));
  return Math.min(hi - (hi % multiple), Math.max(Math.ceil(lo / multiple) * multiple, Math.round(v / multiple) * multiple));
}

/** The next smaller multiple of `multiple` about 15% below r, or null below `min`. */
export function shrinkStep(r: number, min: number, multiple: number): number | null {
  const next = Math.min(r - multiple, Math.floor((r * 0.85) / multiple) * multiple);
  return next >= min ? next : null;
}
