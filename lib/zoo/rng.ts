/**
 * Seeded pseudo-random numbers for the zoo (isomorphic, no crypto): the mulberry32 stream of lib/onnx/rng with
 * the draws the zoo needs. Used both to sample specs from design spaces and to fill weights, so the same seed
 * gives the same numbers on every platform.
 */
import { mulberry32 } from "@/lib/onnx/rng";

export class Rng {
  private readonly stream: () => number;

  constructor(seed: number) {
    this.stream = mulberry32(seed);
  }

  /** Next uint32. */
  u32(): number {
    return this.stream();
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.u32() / 4294967296;
  }

  /** Uniform integer in [lo, hi] (inclusive). */
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  /** Uniform multiple of `step` in [lo, hi]. */
  step(lo: number, hi: number, step: number): number {
    return lo + step * this.int(0, Math.floor((hi - lo) / step));
  }

  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)];
  }

  bool(p = 0.5): boolean {
    return this.next() < p;
  }
}

/** 32-bit FNV-1a of a string, to derive independent streams (e.g. one per family) from one seed. */
export function hashString(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Combine a seed with a label into a new 32-bit seed. */
export function deriveSeed(seed: number, label: string): number {
  return (Math.imul((seed >>> 0) ^ 0x9e3779b9, 0x85ebca6b) ^ hashString(label)) >>> 0;
}
