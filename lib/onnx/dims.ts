/**
 * Dimension arithmetic for shape inference. A Dim is a number or a symbol string; "?" means unknown and never
 * equals anything (two "?" dims are not known to be equal). Named symbols ("batch", "seq") compare by name.
 */
import type { Dim, Shape } from "./graph";

export class ShapeError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "ShapeError";
  }
}

export const UNKNOWN = "?";

/**
 * Symbol binding hook: while shapes are inferred with symbolic input dims, a rule that finds a named symbol
 * where a concrete size is required (MatMul inner dims, broadcasting, conv channels) reports "symbol = size".
 * resolveOverrides() uses these bindings to default symbolic input dims consistently (e.g. a feature dim
 * "input_dim" feeding a [500, 784] Gemm becomes 784 instead of 1). Single-threaded: set around one inference.
 */
let binder: ((symbol: string, size: number) => void) | null = null;
export function withBinder<T>(fn: (symbol: string, size: number) => void, body: () => T): T {
  const prev = binder;
  binder = fn;
  try {
    return body();
  } finally {
    binder = prev;
  }
}
/** Record that dims a and b must be equal (a named symbol against a number > 1). */
export function unify(a: Dim, b: Dim): void {
  if (!binder) return;
  if (typeof a === "string" && a !== UNKNOWN && typeof b === "number" && b !== 1) binder(a, b);
  else if (typeof b === "string" && b !== UNKNOWN && typeof a === "number" && a !== 1) binder(b, a);
}

export const isNum = (d: Dim | undefined): d is number => typeof d === "number";

export function dimEq(a: Dim, b: Dim): boolean {
  return a === b && a !== UNKNOWN;
}

export function allKnown(s: Shape | null | undefined): s is number[] {
  return !!s && s.every(isNum);
}

/** Highest tensor rank accepted (ONNX runtimes cap ranks far lower; guards hostile shape vectors). */
export const MAX_RANK = 64;

export function unknownDims(rank: number): Shape {
  if (!(Number.isInteger(rank) && rank >= 0 && rank <= MAX_RANK)) throw new ShapeError(`invalid tensor rank ${rank}`);
  return new Array<Dim>(rank).fill(UNKNOWN);
}

/** Multiply dims: numbers multiply; a symbol times 1 stays; otherwise unknown. */
export function mulDim(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return a * b;
  if (a === 1) return b;
  if (b === 1) return a;
  if (a === 0 || b === 0) return 0;
  return UNKNOWN;
}

export function addDim(a: Dim, b: Dim): Dim {
  if (isNum(a) && isNum(b)) return a + b;
  if (a === 0) return b;
  if (b === 0) return a;
  return UNKNOWN;
}

export function prodDims(s: readonly Dim[]): Dim {
  let p: Dim = 1;
  for (const d of s) p = mulDim(p, d);
  return p;
}

/** Numeric product and multiset of symbols (null if some dim is "?"). */
export function factor(s: readonly Dim[]): { num: number; syms: string[] } | null {
  let num = 1;
  const syms: string[] = [];
  for (const d of s) {
    if (isNum(d)) num *= d;
    else if (d === UNKNOWN) return null;
    else syms.push(d);
  }
  return { num, syms };
}

/** (product of a) / (product of b) when it simplifies to a number or a single symbol. */
export function divideProducts(a: readonly Dim[], b: readonly Dim[]): Dim {
  const fa = factor(a);
  const fb = factor(b);
  if (!fa || !fb) return UNKNOWN;
  const rest = fa.syms.slice();
  for (const s of fb.syms) {
    const i = rest.indexOf(s);
    if (i < 0) return UNKNOWN;
    rest.splice(i, 1);
  }
  if (fb.num === 0) return UNKNOWN;
  const q = fa.num / fb.num;
  if (rest.length === 0) return Number.isInteger(q) ? q : UNKNOWN;
  if (rest.length === 1 && q === 1) return rest[0];
  return UNKNOWN;
}

/** Numpy-style multidirectional broadcasting. */
export function broadcast(shapes: (Shape | null | undefined)[]): Shape | null {
  if (shapes.some((s) => !s)) return null;
  const ss = shapes as Shape[];
  const rank = Math.max(0, ...ss.map((s) => s.length));
  const out: Shape = [];
  for (let i = 0; i < rank; i++) {
    let d: Dim = 1;
    let sawUnknown = false;
    for (const s of ss) {
      const k = s.length - rank + i;
      if (k < 0) continue;
      const e = s[k];
      if (e === 1) continue;
      if (e === UNKNOWN) { sawUnknown = true; continue; }
      if (d === 1) d = e;
      else if (d !== e) {
        if (isNum(d) && isNum(e)) throw new ShapeError(`cannot broadcast shapes ${ss.map(fmtShape).join(" and ")}`);
        // number vs symbol: the number wins (the symbol must equal it); two symbols: unknown.
        unify(d, e);
        if (isNum(e)) d = e;
        else if (!isNum(d)) d = UNKNOWN;
      }
    }
    out.push(sawUnknown && d === 1 ? UNKNOWN : d);
  }
  return out;
}

export function fmtShape(s: Shape | null | undefined): string {
  return s ? `[${s.join(",")}]` : "[?]";
}

/** Normalize a possibly negative axis for a given rank; throws for out-of-range axes. */
export function normAxis(axis: number, rank: number, what = "axis"): number {
  const a = axis < 0 ? axis + rank : axis;
  if (!(a >= 0 && a < rank) || !Number.isInteger(a)) throw new ShapeError(`${what} ${axis} is out of range for rank ${rank}`);
  return a;
}
