/**
 * The one seeded pseudo-random generator of nnlq (isomorphic, no crypto): mulberry32. The zoo samples specs and
 * fills weights with it, structure-only models get their weights re-materialized with it, the measurement
 * passes draw inputs and calibration data from it and the predictors split and initialise with it — the same
 * seed gives the same numbers on every platform (zoo hashes and data releases depend on that).
 */

/** A mulberry32 stream of uint32 values from a 32-bit seed. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/** A mulberry32 stream of uniform floats in [0, 1). */
export function seededRandom(seed: number): () => number {
  const next = mulberry32(seed);
  return () => next() / 4294967296;
}
