/**
 * Evaluation splits. Splits are by graph (every measurement of a graph, on every platform, lands in the
 * same part), seeded and deterministic.
 *   randomSplit          80/10/10 train/val/test
 *   leaveOneFamilyOut    test = one family; train/val = the other families (90/10)
 *   fewShotSplit         one platform held out: pretraining on the others; N graphs of the held-out
 *                        platform to adapt on; its remaining graphs are the test set
 *   realWorldSplit       train/val = the zoo's generated models (90/10), test = every other model (the corpus
 *                        networks people bring): how a predictor trained on the zoo holds on real networks
 */
import { graphKeysOf, type ReleaseModelLike, type Sample } from "./dataset";
import { seededRandom, shuffle } from "./numeric";

export interface Split { train: Sample[]; val: Sample[]; test: Sample[] }

function partition(samples: Sample[], keysOf: (keys: string[]) => [Set<string>, Set<string>]): [Sample[], Sample[], Sample[]] {
  const [a, b] = keysOf(graphKeysOf(samples).sort());
  const A: Sample[] = [], B: Sample[] = [], C: Sample[] = [];
  for (const s of samples) (a.has(s.graph.key) ? A : b.has(s.graph.key) ? B : C).push(s);
  return [A, B, C];
}

export function randomSplit(samples: Sample[], o: { seed?: number; fractions?: [number, number, number] } = {}): Split {
  const [ft, fv] = o.fractions ?? [0.8, 0.1, 0.1];
  const [train, val, test] = partition(samples, (keys) => {
    const k = shuffle(keys, seededRandom(o.seed ?? 1));
    const nt = Math.round(k.length * ft), nv = Math.round(k.length * fv);
    return [new Set(k.slice(0, nt)), new Set(k.slice(nt, nt + nv))];
  });
  return { train, val, test };
}

export function leaveOneFamilyOut(samples: Sample[], family: string, o: { seed?: number; valFraction?: number } = {}): Split {
  const test = samples.filter((s) => s.family === family);
  const rest = samples.filter((s) => s.family !== family);
  const [train, val] = partition(rest, (keys) => {
    const k = shuffle(keys, seededRandom(o.seed ?? 1));
    const nv = Math.max(1, Math.round(k.length * (o.valFraction ?? 0.1)));
    return [new Set(k.slice(nv)), new Set(k.slice(0, nv))];
  });
  return { train, val, test };
}

export interface FewShotSplit {
  /** other platforms: pretraining train / validation */
  pretrain: Sample[];
  preval: Sample[];
  /** N samples of the held-out platform to adapt on */
  shots: Sample[];
  /** the held-out platform's other samples */
  test: Sample[];
}

/**
 * Few-shot transfer split. The test graphs are fixed per (platform, seed) — independent of N — so results
 * for different N are comparable; the N shots are drawn from the remaining graphs.
 */
export function fewShotSplit(
  samples: Sample[],
  platform: string,
  n: number,
  o: { seed?: number; testFraction?: number } = {},
): FewShotSplit {
  const target = samples.filter((s) => s.platform === platform);
  const others = samples.filter((s) => s.platform !== platform);
  const keys = shuffle(graphKeysOf(target).sort(), seededRandom((o.seed ?? 1) * 31 + 7));
  const nTest = Math.round(keys.length * (o.testFraction ?? 0.5));
  const testKeys = new Set(keys.slice(0, nTest));
  const shotKeys = new Set(keys.slice(nTest, nTest + n));
  const { train: pretrain, val: preval } = (() => {
    const [a, b] = partition(others, (k) => {
      const s = shuffle(k, seededRandom(o.seed ?? 1));
      const nv = Math.max(1, Math.round(s.length * 0.1));
      return [new Set(s.slice(nv)), new Set(s.slice(0, nv))];
    });
    return { train: a, val: b };
  })();
  return {
    pretrain, preval,
    shots: target.filter((s) => shotKeys.has(s.graph.key)),
    test: target.filter((s) => testKeys.has(s.graph.key)),
  };
}

/**
 * The real-world split: samples `isZoo` accepts train (90% of their graphs) and validate (10%); the rest
 * are the test set.
 */
export function realWorldSplit(samples: Sample[], isZoo: (s: Sample) => boolean, o: { seed?: number; valFraction?: number } = {}): Split {
  const zoo = samples.filter(isZoo);
  const test = samples.filter((s) => !isZoo(s));
  const [train, val] = partition(zoo, (keys) => {
    const k = shuffle(keys, seededRandom(o.seed ?? 1));
    const nv = Math.max(1, Math.round(k.length * (o.valFraction ?? 0.1)));
    return [new Set(k.slice(nv)), new Set(k.slice(0, nv))];
  });
  return { train, val, test };
}

/**
 * Zoo membership of samples built from a data release (samplesFromRelease keys a graph "<model hash>@b<batch>"):
 * a sample is a zoo sample unless its model is a release model without a zoo spec (an uploaded / corpus
 * network). Samples of other sources (dev-data rows are all zoo specs) count as zoo.
 */
export function zooMembership(models: Pick<ReleaseModelLike, "hash" | "zooSpec" | "source">[]): (s: Sample) => boolean {
  const corpus = new Set(models.filter((m) => !m.zooSpec && m.source !== "zoo").map((m) => m.hash));
  return (s) => !corpus.has(s.graph.key.replace(/@b\d+$/, ""));
}
