/**
 * Per-operator shape (and small-value) inference rules. Each rule maps input infos to output infos; values
 * are folded for small tensors so that shape arithmetic (Shape → Gather → Concat → Reshape...) resolves.
 * SUPPORTED_OPS lists the ops whose rules pass 100% of the ONNX backend node tests that use only supported ops.
 */
import { aFloat, aInt, aInts, aStr, aTensor, type Attrs } from "./attrs";
import {
  addDim, allKnown, broadcast, dimEq, divideProducts, fmtShape, isNum, mulDim, normAxis, prodDims, ShapeError, unify, UNKNOWN, unknownDims,
} from "./dims";
import type { ConstValue, Dim, NodeIR, SeqElem, SeqValue, Shape } from "./graph";
import { DataType, type TensorProto, type TypeProto } from "./proto";
import { bytesPerElement, isFloatDtype, numElements, readTensorValues } from "./tensor";

export const MAX_FOLD = 4096;

/** seq: a sequence value (shape null); present: an optional value's presence (absent for plain tensors). */
export interface Info { dtype: number; shape: Shape | null; value?: ConstValue; seq?: SeqValue; present?: boolean | null }
export interface Out { dtype: number; shape: Shape | null; value?: ConstValue; seq?: SeqValue; present?: boolean | null }

export interface OpCtx {
  node: NodeIR;
  opset: number;
  attrs: Attrs;
  /** undefined = omitted optional input. */
  inputs: (Info | undefined)[];
  nOut: number;
  /** Infer a subgraph given its formal input infos; returns its output infos. */
  subgraph(attr: string, inputs: (Info | undefined)[]): Out[] | null;
  /** Reserve n loop-body unrollings from the per-inference budget (false when exhausted). */
  unrollBudget(n: number): boolean;
  /** Report a part of the graph no input of these shapes can run (an If none of whose branches infers). */
  invalid(message: string): void;
}
export type ShapeFn = (c: OpCtx) => (Out | undefined)[];

const I64 = DataType.INT64;
const BOOL = DataType.BOOL;

// ---------- small helpers ----------
const inp = (c: OpCtx, i: number): Info | undefined => c.inputs[i];
const need = (c: OpCtx, i: number): Info => {
  const x = c.inputs[i];
  if (!x) throw new ShapeError(`missing required input ${i}`);
  return x;
};
const out = (dtype: number, shape: Shape | null, value?: ConstValue): Out => (value ? { dtype, shape, value } : { dtype, shape });

function mkValue(dims: number[], data: Dim[]): ConstValue | undefined {
  return data.length <= MAX_FOLD ? { dims, data } : undefined;
}

/** Integer values of an input (numbers only), or undefined. */
function ints(x: Info | undefined): number[] | undefined {
  const d = x?.value?.data;
  if (!d || !d.every(isNum)) return undefined;
  return d as number[];
}

/** Values possibly with symbolic dims (from Shape). */
function dimVals(x: Info | undefined): Dim[] | undefined {
  return x?.value?.data;
}

function tensorAttrValue(t: TensorProto): ConstValue | undefined {
  const v = readTensorValues(t, MAX_FOLD);
  return v ? { dims: (t.dims ?? []).slice(), data: v } : undefined;
}

function castValue(x: number, to: number): number {
  if (to === BOOL) return x ? 1 : 0;
  if (isFloatDtype(to)) return to === DataType.FLOAT ? Math.fround(x) : x;
  const t = Math.trunc(x);
  switch (to) {
    case DataType.INT32: return t | 0;
    case DataType.INT8: return (t << 24) >> 24;
    case DataType.UINT8: return t & 0xff;
    case DataType.INT16: return (t << 16) >> 16;
    case DataType.UINT16: return t & 0xffff;
    case DataType.UINT32: return t >>> 0;
    default: return t;
  }
}

/** Broadcast-fold an elementwise function over small known values. */
function foldElementwise(shape: Shape | null, xs: (Info | undefined)[], fn: (...v: Dim[]) => Dim): ConstValue | undefined {
  if (!allKnown(shape) || xs.some((x) => !x?.value)) return undefined;
  const n = numElements(shape);
  if (n > MAX_FOLD) return undefined;
  const rank = shape.length;
  const data: Dim[] = new Array(n);
  const srcs = xs.map((x) => x!.value!);
  const strides = srcs.map((v) => {
    const st = new Array<number>(rank).fill(0);
    let acc = 1;
    for (let i = v.dims.length - 1; i >= 0; i--) {
      const k = rank - v.dims.length + i;
      st[k] = v.dims[i] === 1 ? 0 : acc;
      acc *= v.dims[i];
    }
    return st;
  });
  const idx = new Array<number>(rank).fill(0);
  for (let e = 0; e < n; e++) {
    const args = srcs.map((v, j) => {
      let off = 0;
      for (let k = 0; k < rank; k++) off += idx[k] * strides[j][k];
      return v.data[off];
    });
    data[e] = fn(...args);
    for (let k = rank - 1; k >= 0; k--) {
      if (++idx[k] < (shape[k] as number)) break;
      idx[k] = 0;
    }
  }
  return { dims: shape.slice(), data };
}

// ---------- generic rule builders ----------
const sameAs0: ShapeFn = (c) => {
  const x = need(c, 0);
  return [out(x.dtype, x.shape)];
};

function unary(fold?: (x: number) => number, dtype?: number): ShapeFn {
  return (c) => {
    const x = need(c, 0);
    const dt = dtype ?? x.dtype;
    const v = fold && x.value ? foldElementwise(x.shape, [x], (a) => (isNum(a) ? castValue(fold(a), dt) : UNKNOWN)) : undefined;
    return [out(dt, x.shape, v)];
  };
}

function binary(fold?: (a: number, b: number) => number, resultDtype?: number, symbolic?: (a: Dim, b: Dim) => Dim): ShapeFn {
  return (c) => {
    const a = need(c, 0);
    const b = need(c, 1);
    // opset < 7 (or an old model still carrying the broadcast attribute): legacy broadcasting of B onto A,
    // the output has A's shape.
    const legacy = c.node.domain === "" && (c.opset < 7 || c.attrs.broadcast !== undefined);
    const shape = legacy ? a.shape : broadcast([a.shape, b.shape]);
    const dt = resultDtype ?? a.dtype;
    let v: ConstValue | undefined;
    if (fold && !legacy) {
      v = foldElementwise(shape, [a, b], (x, y) => {
        if (isNum(x) && isNum(y)) return castValue(fold(x, y), dt);
        return symbolic ? symbolic(x, y) : UNKNOWN;
      });
    }
    return [out(dt, shape, v)];
  };
}

function variadic(fold?: (a: number, b: number) => number): ShapeFn {
  return (c) => {
    const xs = c.inputs.filter((x): x is Info => !!x);
    if (!xs.length) throw new ShapeError("no inputs");
    const shape = broadcast(xs.map((x) => x.shape));
    const v = fold
      ? foldElementwise(shape, xs, (...a) => (a.every(isNum) ? (a as number[]).reduce((x, y) => fold(x, y)) : UNKNOWN))
      : undefined;
    return [out(xs[0].dtype, shape, v)];
  };
}

// ---------- convolution and pooling ----------
interface Window { kernel: number[]; strides: number[]; dilations: number[]; pads: number[] }

function spatialOut(c: OpCtx, inSpatial: Shape, kernel: number[], ceil: boolean): { shape: Shape; win: Window } {
  const n = kernel.length;
  const a = c.attrs;
  const strides = aInts(a, "strides")?.slice() ?? new Array(n).fill(1);
  const dilations = aInts(a, "dilations")?.slice() ?? new Array(n).fill(1);
  let pads = aInts(a, "pads")?.slice() ?? new Array(2 * n).fill(0);
  if (strides.length !== n || dilations.length !== n || pads.length !== 2 * n) {
    throw new ShapeError(`strides/dilations/pads do not match ${n} spatial dims`);
  }
  if (strides.some((s) => !(s >= 1)) || dilations.some((d) => !(d >= 1)) || kernel.some((k) => !(k >= 1))) {
    throw new ShapeError("strides, dilations and kernel sizes must be positive");
  }
  const autoPad = aStr(a, "auto_pad", "NOTSET");
  const shape: Shape = [];
  const newPads = pads.slice();
  for (let i = 0; i < n; i++) {
    const d = inSpatial[i];
    const ek = (kernel[i] - 1) * dilations[i] + 1;
    if (!isNum(d)) { shape.push(UNKNOWN); continue; }
    if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      const o = Math.ceil(d / strides[i]);
      const total = Math.max(0, (o - 1) * strides[i] + ek - d);
      const small = Math.floor(total / 2);
      newPads[i] = autoPad === "SAME_UPPER" ? small : total - small;
      newPads[i + n] = total - newPads[i];
      shape.push(o);
      continue;
    }
    if (autoPad === "VALID") { newPads[i] = 0; newPads[i + n] = 0; }
    const eff = d + newPads[i] + newPads[i + n] - ek;
    if (eff < 0) throw new ShapeError(`kernel ${kernel[i]} (dilation ${dilations[i]}) is larger than the padded input ${d}`);
    let o = (ceil ? Math.ceil(eff / strides[i]) : Math.floor(eff / strides[i])) + 1;
    // ceil_mode: the last window must start inside the input or the left padding.
    if (ceil && (o - 1) * strides[i] >= d + newPads[i]) o--;
    shape.push(o);
  }
  pads = newPads;
  return { shape, win: { kernel, strides, dilations, pads } };
}

/** Write effective window attributes back (normalized: hashes and features see explicit values). */
function recordWindow(c: OpCtx, w: Window): void {
  c.attrs.kernel_shape = w.kernel;
  c.attrs.strides = w.strides;
  c.attrs.dilations = w.dilations;
  c.attrs.pads = w.pads;
  c.attrs.auto_pad = "NOTSET";
}

const conv = (outDtype?: (c: OpCtx) => number, wIndex = 1, xIndex = 0, checkChannels = true): ShapeFn => (c) => {
  const x = need(c, xIndex);
  const w = need(c, wIndex);
  const dt = outDtype ? outDtype(c) : x.dtype;
  const xs = x.shape;
  const ws = w.shape;
  const kernelAttr = aInts(c.attrs, "kernel_shape");
  const rank = xs?.length ?? (ws ? ws.length : kernelAttr ? kernelAttr.length + 2 : null);
  if (rank === null) return [out(dt, null)];
  if (rank < 3) throw new ShapeError(`convolution input must have rank >= 3, got ${fmtShape(xs)}`);
  const kernel = kernelAttr ?? (ws && allKnown(ws.slice(2)) ? (ws.slice(2) as number[]) : null);
  const cout: Dim = ws ? ws[0] : UNKNOWN;
  const group = aInt(c.attrs, "group", 1);
  if (xs && ws && isNum(ws[1])) unify(xs[1], ws[1] * group);
  if (checkChannels && xs && ws && isNum(xs[1]) && isNum(ws[1]) && xs[1] !== ws[1] * group) {
    throw new ShapeError(`input channels ${xs[1]} != weight channels ${ws[1]} x group ${group}`);
  }
  if (!kernel || !xs) return [out(dt, [xs?.[0] ?? UNKNOWN, cout, ...unknownDims(rank - 2)])];
  if (kernel.length !== rank - 2) throw new ShapeError(`kernel_shape has ${kernel.length} dims for a rank-${rank} input`);
  const { shape, win } = spatialOut(c, xs.slice(2), kernel, false);
  recordWindow(c, win);
  return [out(dt, [xs[0], cout, ...shape])];
};

const convTranspose: ShapeFn = (c) => {
  const x = need(c, 0);
  const w = need(c, 1);
  const xs = x.shape;
  const ws = w.shape;
  if (!xs) return [out(x.dtype, null)];
  const n = xs.length - 2;
  if (n < 1) throw new ShapeError("ConvTranspose input must have rank >= 3");
  const a = c.attrs;
  const group = aInt(a, "group", 1);
  const kernel = aInts(a, "kernel_shape") ?? (ws && allKnown(ws.slice(2)) ? (ws.slice(2) as number[]) : null);
  const cout = ws ? mulDim(ws[1], group) : UNKNOWN;
  if (!kernel) return [out(x.dtype, [xs[0], cout, ...unknownDims(n)])];
  const strides = aInts(a, "strides") ?? new Array(n).fill(1);
  const dilations = aInts(a, "dilations") ?? new Array(n).fill(1);
  const outPad = aInts(a, "output_padding") ?? new Array(n).fill(0);
  const outputShape = aInts(a, "output_shape");
  const autoPad = aStr(a, "auto_pad", "NOTSET");
  let pads = aInts(a, "pads") ?? new Array(2 * n).fill(0);
  const spatial: Shape = [];
  const newPads = pads.slice();
  for (let i = 0; i < n; i++) {
    const d = xs[i + 2];
    if (!isNum(d)) { spatial.push(UNKNOWN); continue; }
    const ek = (kernel[i] - 1) * dilations[i] + 1;
    const full = strides[i] * (d - 1) + outPad[i] + ek;
    if (outputShape) {
      const o = outputShape[outputShape.length - n + i];
      const total = Math.max(0, full - o);
      if (autoPad === "SAME_LOWER") { newPads[i] = Math.ceil(total / 2); newPads[i + n] = total - newPads[i]; }
      else { newPads[i] = Math.floor(total / 2); newPads[i + n] = total - newPads[i]; }
      spatial.push(o);
    } else if (autoPad === "SAME_UPPER" || autoPad === "SAME_LOWER") {
      const o = d * strides[i];
      const total = Math.max(0, full - o);
      if (autoPad === "SAME_LOWER") { newPads[i] = Math.ceil(total / 2); newPads[i + n] = total - newPads[i]; }
      else { newPads[i] = Math.floor(total / 2); newPads[i + n] = total - newPads[i]; }
      spatial.push(o);
    } else {
      if (autoPad === "VALID") { newPads[i] = 0; newPads[i + n] = 0; }
      const o = full - newPads[i] - newPads[i + n];
      if (o < 0) throw new ShapeError("negative ConvTranspose output size");
      spatial.push(o);
    }
  }
  pads = newPads;
  Object.assign(c.attrs, { kernel_shape: kernel, strides, dilations, pads, output_padding: outPad, auto_pad: "NOTSET" });
  return [out(x.dtype, [xs[0], cout, ...spatial])];
};

const pool = (withIndices: boolean): ShapeFn => (c) => {
  const x = need(c, 0);
  const xs = x.shape;
  const kernel = aInts(c.attrs, "kernel_shape");
  if (!xs || !kernel) return [out(x.dtype, xs ? unknownDims(xs.length) : null)];
  if (kernel.length !== xs.length - 2) throw new ShapeError(`kernel_shape has ${kernel.length} dims for a rank-${xs.length} input`);
  const { shape, win } = spatialOut(c, xs.slice(2), kernel, aInt(c.attrs, "ceil_mode", 0) === 1);
  recordWindow(c, win);
  const s: Shape = [xs[0], xs[1], ...shape];
  return withIndices ? [out(x.dtype, s), out(I64, s)] : [out(x.dtype, s)];
};

const globalPool: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(x.dtype, null)];
  if (x.shape.length < 2) throw new ShapeError("global pooling needs rank >= 2");
  return [out(x.dtype, [x.shape[0], x.shape[1], ...new Array(x.shape.length - 2).fill(1)])];
};

// ---------- matrix products ----------
const matmul = (dtype?: number, aIdx = 0, bIdx = 1): ShapeFn => (c) => {
  const a = need(c, aIdx);
  const b = need(c, bIdx);
  const dt = dtype ?? a.dtype;
  if (!a.shape || !b.shape) return [out(dt, null)];
  let as = a.shape.slice();
  let bs = b.shape.slice();
  if (as.length === 0 || bs.length === 0) throw new ShapeError("MatMul inputs must not be scalars");
  const aVec = as.length === 1;
  const bVec = bs.length === 1;
  if (aVec) as = [1, as[0]];
  if (bVec) bs = [bs[0], 1];
  const k1 = as[as.length - 1];
  const k2 = bs[bs.length - 2];
  unify(k1, k2);
  if (isNum(k1) && isNum(k2) && k1 !== k2) throw new ShapeError(`MatMul inner dims differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  const batch = broadcast([as.slice(0, -2), bs.slice(0, -2)])!;
  const res: Shape = [...batch];
  if (!aVec) res.push(as[as.length - 2]);
  if (!bVec) res.push(bs[bs.length - 1]);
  return [out(dt, res)];
};

const gemm: ShapeFn = (c) => {
  const a = need(c, 0);
  const b = need(c, 1);
  if (!a.shape || !b.shape) return [out(a.dtype, null)];
  const ta = aInt(c.attrs, "transA", 0);
  const tb = aInt(c.attrs, "transB", 0);
  let as = a.shape;
  // Gemm opset < 7 and some exporters pass rank > 2 A: flatten like the runtime does (batch = all but last).
  if (as.length !== 2) {
    if (as.length < 2) throw new ShapeError("Gemm A must be 2-D");
    as = [prodDims(as.slice(0, -1)), as[as.length - 1]];
  }
  if (b.shape.length !== 2) throw new ShapeError("Gemm B must be 2-D");
  const m = ta ? as[1] : as[0];
  const k1 = ta ? as[0] : as[1];
  const k2 = tb ? b.shape[1] : b.shape[0];
  const n = tb ? b.shape[0] : b.shape[1];
  unify(k1, k2);
  if (isNum(k1) && isNum(k2) && k1 !== k2) throw new ShapeError(`Gemm inner dims differ: ${fmtShape(a.shape)} x ${fmtShape(b.shape)}`);
  return [out(a.dtype, [m, n])];
};

function parseEinsum(eq: string, shapes: Shape[]): Shape {
  const [lhs, rhsRaw] = eq.replace(/\s+/g, "").split("->");
  const terms = lhs.split(",");
  if (terms.length !== shapes.length) throw new ShapeError(`Einsum equation has ${terms.length} operands, got ${shapes.length}`);
  const dims = new Map<string, Dim>();
  let ell: Shape = [];
  const counts = new Map<string, number>();
  terms.forEach((t, i) => {
    const s = shapes[i];
    const hasEll = t.includes("...");
    const letters = t.replace("...", "").split("");
    const ellRank = hasEll ? s.length - letters.length : 0;
    if (ellRank < 0 || (!hasEll && letters.length !== s.length)) throw new ShapeError(`Einsum term '${t}' does not match rank ${s.length}`);
    let k = 0;
    for (let j = 0; j < t.length; j++) {
      if (t.startsWith("...", j)) {
        ell = broadcast([ell, s.slice(k, k + ellRank)])!;
        k += ellRank;
        j += 2;
        continue;
      }
      const ch = t[j];
      const d = s[k++];
      counts.set(ch, (counts.get(ch) ?? 0) + 1);
      const prev = dims.get(ch);
      if (prev === undefined || prev === 1) dims.set(ch, d);
    }
  });
  const rhs = rhsRaw ?? "..." + [...counts.keys()].filter((ch) => counts.get(ch) === 1).sort().join("");
  const res: Shape = [];
  for (let j = 0; j < rhs.length; j++) {
    if (rhs.startsWith("...", j)) { res.push(...ell); j += 2; continue; }
    const d = dims.get(rhs[j]);
    if (d === undefined) throw new ShapeError(`Einsum output label '${rhs[j]}' not in inputs`);
    res.push(d);
  }
  return res;
}

// ---------- tensor manipulation ----------
function axesFrom(c: OpCtx, inputIdx: number, attrName = "axes", attrUntil = 13): number[] | undefined | null {
  // returns undefined when not given, null when given but unknown
  if (c.opset < attrUntil || c.node.domain !== "") return aInts(c.attrs, attrName);
  const x = inp(c, inputIdx);
  if (!x) return aInts(c.attrs, attrName);
  return ints(x) ?? null;
}

const reshape: ShapeFn = (c) => {
  const x = need(c, 0);
  let target: Dim[] | undefined;
  if (c.opset < 5) target = aInts(c.attrs, "shape");
  else {
    const s = need(c, 1);
    target = dimVals(s);
    if (!target) {
      const r = s.shape && allKnown(s.shape) && s.shape.length === 1 ? s.shape[0] : null;
      return [out(x.dtype, r === null ? null : unknownDims(r), undefined)];
    }
  }
  if (!target) return [out(x.dtype, null)];
  const allowZero = aInt(c.attrs, "allowzero", 0) === 1;
  const res: Dim[] = target.map((d, i) => (d === 0 && !allowZero ? (x.shape ? x.shape[i] ?? UNKNOWN : UNKNOWN) : d));
  const neg = res.findIndex((d) => d === -1);
  if (neg >= 0) {
    if (res.filter((d) => d === -1).length > 1) throw new ShapeError("Reshape target has more than one -1");
    res[neg] = x.shape ? divideProducts(x.shape, res.filter((_, i) => i !== neg)) : UNKNOWN;
  }
  if (res.some((d) => isNum(d) && d < 0)) throw new ShapeError(`invalid Reshape target ${fmtShape(target)}`);
  if (x.shape && allKnown(x.shape) && allKnown(res) && numElements(x.shape) !== numElements(res)) {
    throw new ShapeError(`cannot reshape ${fmtShape(x.shape)} to ${fmtShape(res)}`);
  }
  const v = x.value && allKnown(res) ? { dims: res.slice() as number[], data: x.value.data } : undefined;
  return [out(x.dtype, res, v)];
};

const flatten: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(x.dtype, null)];
  const r = x.shape.length;
  let axis = aInt(c.attrs, "axis", 1);
  if (axis < 0) axis += r;
  if (axis < 0 || axis > r) throw new ShapeError(`Flatten axis out of range for rank ${r}`);
  const s: Shape = [prodDims(x.shape.slice(0, axis)), prodDims(x.shape.slice(axis))];
  return [out(x.dtype, s, x.value && allKnown(s) ? { dims: s as number[], data: x.value.data } : undefined)];
};

const transpose: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(x.dtype, null)];
  const r = x.shape.length;
  const perm = aInts(c.attrs, "perm") ?? [...Array(r).keys()].reverse();
  if (perm.length !== r || new Set(perm.map((p) => (p < 0 ? p + r : p))).size !== r)
    throw new ShapeError(`invalid perm ${fmtShape(perm)} for rank ${r}`);
  const np = perm.map((p) => normAxis(p, r, "perm entry"));
  c.attrs.perm = np;
  const s = np.map((p) => x.shape![p]);
  let v: ConstValue | undefined;
  if (x.value && allKnown(x.shape)) {
    const xs = x.shape as number[];
    const os = s as number[];
    const n = numElements(xs);
    const inStr = new Array<number>(r);
    let acc = 1;
    for (let i = r - 1; i >= 0; i--) { inStr[i] = acc; acc *= xs[i]; }
    const data: Dim[] = new Array(n);
    const idx = new Array<number>(r).fill(0);
    for (let e = 0; e < n; e++) {
      let off = 0;
      for (let k = 0; k < r; k++) off += idx[k] * inStr[np[k]];
      data[e] = x.value.data[off];
      for (let k = r - 1; k >= 0; k--) { if (++idx[k] < os[k]) break; idx[k] = 0; }
    }
    v = { dims: os, data };
  }
  return [out(x.dtype, s, v)];
};

const squeeze: ShapeFn = (c) => {
  const x = need(c, 0);
  const axes = axesFrom(c, 1);
  if (!x.shape || axes === null) return [out(x.dtype, null)];
  const r = x.shape.length;
  let keep: Shape;
  if (axes === undefined || axes.length === 0) {
    if (x.shape.some((d) => !isNum(d))) return [out(x.dtype, null)];
    keep = x.shape.filter((d) => d !== 1);
  } else {
    const ax = new Set(axes.map((a) => normAxis(a, r)));
    for (const a of ax) if (isNum(x.shape[a]) && x.shape[a] !== 1) throw new ShapeError(`cannot squeeze axis ${a} of size ${x.shape[a]}`);
    keep = x.shape.filter((_, i) => !ax.has(i));
  }
  return [out(x.dtype, keep, x.value && allKnown(keep) ? { dims: keep as number[], data: x.value.data } : undefined)];
};

const unsqueeze: ShapeFn = (c) => {
  const x = need(c, 0);
  const axes = axesFrom(c, 1);
  if (!x.shape || !axes) return [out(x.dtype, null)];
  const r = x.shape.length + axes.length;
  const ax = new Set(axes.map((a) => normAxis(a, r)));
  if (ax.size !== axes.length) throw new ShapeError("Unsqueeze axes repeat");
  const s: Shape = [];
  let k = 0;
  for (let i = 0; i < r; i++) s.push(ax.has(i) ? 1 : x.shape[k++]);
  return [out(x.dtype, s, x.value && allKnown(s) ? { dims: s as number[], data: x.value.data } : undefined)];
};

const concat: ShapeFn = (c) => {
  const xs = c.inputs.filter((x): x is Info => !!x);
  if (!xs.length) throw new ShapeError("Concat without inputs");
  const dt = xs[0].dtype;
  const known = xs.find((x) => x.shape);
  if (!known) return [out(dt, null)];
  const r = known.shape!.length;
  const axisAttr = aInt(c.attrs, "axis");
  const axis = normAxis(axisAttr ?? (c.opset < 4 ? 1 : 0), r);
  const s: Shape = known.shape!.slice();
  let total: Dim = 0;
  for (const x of xs) {
    if (!x.shape) { total = UNKNOWN; continue; }
    if (x.shape.length !== r) throw new ShapeError(`Concat inputs have ranks ${r} and ${x.shape.length}`);
    total = addDim(total, x.shape[axis]);
    for (let i = 0; i < r; i++) {
      if (i === axis) continue;
      if (isNum(x.shape[i]) && isNum(s[i]) && x.shape[i] !== s[i])
        throw new ShapeError(`Concat inputs differ in dim ${i}: ${s[i]} vs ${x.shape[i]}`);
      if (!isNum(s[i]) && isNum(x.shape[i])) s[i] = x.shape[i];
    }
  }
  s[axis] = total;
  let v: ConstValue | undefined;
  if (xs.every((x) => x.value && x.shape) && allKnown(s) && numElements(s as number[]) <= MAX_FOLD) {
    const outer = numElements(s.slice(0, axis) as number[]);
    const data: Dim[] = [];
    for (let o = 0; o < outer; o++) {
      for (const x of xs) {
        const inner = numElements(x.shape!.slice(axis) as number[]);
        for (let j = 0; j < inner; j++) data.push(x.value!.data[o * inner + j]);
      }
    }
    v = mkValue(s as number[], data);
  }
  return [out(dt, s, v)];
};

const split: ShapeFn = (c) => {
  const x = need(c, 0);
  const n = c.nOut;
  if (!x.shape) return new Array(n).fill(out(x.dtype, null));
  const r = x.shape.length;
  const axis = normAxis(aInt(c.attrs, "axis", 0), r);
  let sizes: number[] | undefined | null = c.opset < 13 ? aInts(c.attrs, "split") : inp(c, 1) ? ints(inp(c, 1)) ?? null : undefined;
  const d = x.shape[axis];
  if (sizes === null) return new Array(n).fill(0).map(() => out(x.dtype, x.shape!.map((e, i) => (i === axis ? UNKNOWN : e))));
  if (sizes === undefined || sizes.length === 0) {
    if (!isNum(d)) return new Array(n).fill(0).map(() => out(x.dtype, x.shape!.map((e, i) => (i === axis ? UNKNOWN : e))));
    const numOutputs = aInt(c.attrs, "num_outputs") ?? n;
    if (numOutputs !== n) throw new ShapeError(`Split num_outputs ${numOutputs} differs from its ${n} outputs`);
    if (c.opset >= 18 && aInt(c.attrs, "num_outputs") !== undefined) {
      const chunk = Math.ceil(d / numOutputs);
      sizes = new Array(numOutputs).fill(chunk);
      sizes[numOutputs - 1] = d - chunk * (numOutputs - 1);
      if (sizes[numOutputs - 1] < 0) throw new ShapeError("Split num_outputs too large");
    } else {
      if (d % n !== 0) throw new ShapeError(`cannot split ${d} into ${n} equal parts`);
      sizes = new Array(n).fill(d / n);
    }
  }
  if (isNum(d) && sizes.reduce((a, b) => a + b, 0) !== d) throw new ShapeError(`split sizes ${fmtShape(sizes)} do not sum to ${d}`);
  let offset = 0;
  return sizes.map((sz) => {
    const s = x.shape!.map((e, i) => (i === axis ? sz : e));
    // Fold 1-D values (shape vectors split into scalars-as-1-D, as exporters do).
    const v = x.value && r === 1 ? { dims: [sz], data: x.value.data.slice(offset, offset + sz) } : undefined;
    offset += sz;
    return out(x.dtype, s, v);
  });
};

function sliceDim(dim: number, start: number, end: number, step: number): { s: number; len: number } {
  if (step === 0) throw new ShapeError("Slice step must not be 0");
  let s = start < 0 ? start + dim : start;
  let e = end < 0 ? end + dim : end;
  if (step > 0) {
    s = Math.min(Math.max(s, 0), dim);
    e = Math.min(Math.max(e, 0), dim);
    return { s, len: Math.max(0, Math.ceil((e - s) / step)) };
  }
  s = Math.min(Math.max(s, 0), dim - 1);
  e = Math.min(Math.max(e, -1), dim - 1);
  return { s, len: Math.max(0, Math.ceil((s - e) / -step)) };
}

const slice: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(x.dtype, null)];
  const r = x.shape.length;
  let starts: number[] | undefined, ends: number[] | undefined, axes: number[] | undefined, steps: number[] | undefined;
  if (c.opset < 10) {
    starts = aInts(c.attrs, "starts");
    ends = aInts(c.attrs, "ends");
    axes = aInts(c.attrs, "axes");
  } else {
    // Bounds may hold symbols (from Shape of a symbolic tensor): such axes become unknown, the others resolve.
    const sv = dimVals(inp(c, 1));
    const ev = dimVals(inp(c, 2));
    axes = inp(c, 3) ? ints(inp(c, 3)) : undefined;
    steps = inp(c, 4) ? ints(inp(c, 4)) : undefined;
    if ((inp(c, 3) && !axes) || (inp(c, 4) && !steps)) return [out(x.dtype, unknownDims(r))];
    if (sv && ev && (!sv.every(isNum) || !ev.every(isNum))) {
      const ax = axes ?? sv.map((_, i) => i);
      const st = steps ?? sv.map(() => 1);
      const shp = x.shape.slice();
      ax.forEach((a, i) => {
        const k = normAxis(a, r);
        const d = shp[k];
        const [b, e] = [sv[i], ev[i]];
        if (isNum(b) && isNum(e) && isNum(d)) shp[k] = sliceDim(d, b, e, st[i]).len;
        else shp[k] = b === 0 && st[i] === 1 && (e === d || (isNum(e) && e >= 2 ** 31 - 1)) ? d : UNKNOWN;
      });
      return [out(x.dtype, shp)];
    }
    starts = sv as number[] | undefined;
    ends = ev as number[] | undefined;
  }
  if (!starts || !ends) {
    // Unknown bounds: axes we know are sliced become unknown; with unknown axes, every dim may change.
    if (axes) {
      const ax = new Set(axes.map((a) => normAxis(a, r)));
      return [
        out(
          x.dtype,
          x.shape.map((d, i) => (ax.has(i) ? UNKNOWN : d)),
        ),
      ];
    }
    const len = inp(c, 1)?.shape;
    if (len && len.length === 1 && isNum(len[0]) && len[0] === r) return [out(x.dtype, unknownDims(r))];
    return [out(x.dtype, unknownDims(r))];
  }
  axes ??= starts.map((_, i) => i);
  steps ??= starts.map(() => 1);
  if (starts.length !== ends.length || axes.length !== starts.length || steps.length !== starts.length)
    throw new ShapeError("Slice starts/ends/axes/steps lengths differ");
  const s = x.shape.slice();
  const plan = new Map<number, { s: number; step: number; len: number }>();
  axes.forEach((a, i) => {
    const ax = normAxis(a, r);
    const d = x.shape![ax];
    if (!isNum(d)) {
      // Common symbolic case: [0:INT_MAX] keeps the dim.
      s[ax] = starts![i] === 0 && ends![i] >= 2 ** 31 - 1 && steps![i] === 1 ? d : UNKNOWN;
      return;
    }
    const { s: st, len } = sliceDim(d, starts![i], ends![i], steps![i]);
    s[ax] = len;
    plan.set(ax, { s: st, step: steps![i], len });
  });
  let v: ConstValue | undefined;
  if (x.value && allKnown(x.shape) && allKnown(s)) {
    const xs = x.shape as number[];
    const os = s as number[];
    const n = numElements(os);
    const str = new Array<number>(r);
    let acc = 1;
    for (let i = r - 1; i >= 0; i--) { str[i] = acc; acc *= xs[i]; }
    const data: Dim[] = new Array(n);
    const idx = new Array<number>(r).fill(0);
    for (let e = 0; e < n; e++) {
      let off = 0;
      for (let k = 0; k < r; k++) {
        const p = plan.get(k);
        off += (p ? p.s + idx[k] * p.step : idx[k]) * str[k];
      }
      data[e] = x.value.data[off];
      for (let k = r - 1; k >= 0; k--) { if (++idx[k] < os[k]) break; idx[k] = 0; }
    }
    v = { dims: os, data };
  }
  return [out(x.dtype, s, v)];
};

const gather: ShapeFn = (c) => {
  const x = need(c, 0);
  const idx = need(c, 1);
  if (!x.shape || !idx.shape) return [out(x.dtype, null)];
  const r = x.shape.length;
  const axis = normAxis(aInt(c.attrs, "axis", 0), r);
  const s: Shape = [...x.shape.slice(0, axis), ...idx.shape, ...x.shape.slice(axis + 1)];
  let v: ConstValue | undefined;
  const iv = ints(idx);
  if (x.value && iv && allKnown(x.shape) && allKnown(s) && numElements(s as number[]) <= MAX_FOLD) {
    const xs = x.shape as number[];
    const outer = numElements(xs.slice(0, axis));
    const inner = numElements(xs.slice(axis + 1));
    const d = xs[axis];
    const data: Dim[] = [];
    for (let o = 0; o < outer; o++) {
      for (const i0 of iv) {
        const i = i0 < 0 ? i0 + d : i0;
        if (i < 0 || i >= d) throw new ShapeError(`Gather index ${i0} out of range for dim ${d}`);
        for (let j = 0; j < inner; j++) data.push(x.value.data[(o * d + i) * inner + j]);
      }
    }
    v = mkValue(s as number[], data);
  }
  return [out(x.dtype, s, v)];
};

const gatherND: ShapeFn = (c) => {
  const x = need(c, 0);
  const idx = need(c, 1);
  if (!x.shape || !idx.shape) return [out(x.dtype, null)];
  const b = aInt(c.attrs, "batch_dims", 0);
  const last = idx.shape[idx.shape.length - 1];
  if (!isNum(last)) return [out(x.dtype, null)];
  return [out(x.dtype, [...idx.shape.slice(0, -1), ...x.shape.slice(b + last)])];
};

const expand: ShapeFn = (c) => {
  const x = need(c, 0);
  const sv = dimVals(need(c, 1));
  if (!sv) {
    const len = need(c, 1).shape;
    return [out(x.dtype, len && isNum(len[0]) && x.shape ? unknownDims(Math.max(len[0], x.shape.length)) : null)];
  }
  const s = broadcast([x.shape, sv]);
  const v = x.value ? foldElementwise(s, [x], (a) => a) : undefined;
  return [out(x.dtype, s, v)];
};

const tile: ShapeFn = (c) => {
  const x = need(c, 0);
  const reps = ints(need(c, 1));
  if (!x.shape) return [out(x.dtype, null)];
  if (!reps) return [out(x.dtype, unknownDims(x.shape.length))];
  if (reps.length !== x.shape.length) throw new ShapeError("Tile repeats length differs from rank");
  const s = x.shape.map((d, i) => mulDim(d, reps[i]));
  let v: ConstValue | undefined;
  if (x.value && allKnown(x.shape) && allKnown(s) && numElements(s) <= MAX_FOLD) {
    const xs = x.shape as number[];
    const os = s as number[];
    const r = xs.length;
    const n = numElements(os);
    const str = new Array<number>(r);
    let acc = 1;
    for (let i = r - 1; i >= 0; i--) { str[i] = acc; acc *= xs[i]; }
    const data: Dim[] = new Array(n);
    const id = new Array<number>(r).fill(0);
    for (let e = 0; e < n; e++) {
      let off = 0;
      for (let k = 0; k < r; k++) off += (id[k] % xs[k]) * str[k];
      data[e] = x.value.data[off];
      for (let k = r - 1; k >= 0; k--) { if (++id[k] < os[k]) break; id[k] = 0; }
    }
    v = { dims: os, data };
  }
  return [out(x.dtype, s, v)];
};

const pad: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(x.dtype, null)];
  const r = x.shape.length;
  let pads: number[] | undefined;
  let axes: number[] | undefined;
  if (c.opset < 11) pads = aInts(c.attrs, "pads") ?? aInts(c.attrs, "paddings");
  else {
    pads = ints(inp(c, 1));
    if (inp(c, 3)) {
      axes = ints(inp(c, 3));
      if (!axes) return [out(x.dtype, unknownDims(r))];
    }
  }
  if (!pads) return [out(x.dtype, unknownDims(r))];
  const ax = (axes ?? [...Array(r).keys()]).map((a) => normAxis(a, r));
  if (pads.length !== 2 * ax.length) throw new ShapeError(`Pad has ${pads.length} pads for ${ax.length} axes`);
  const s = x.shape.slice();
  ax.forEach((a, i) => {
    s[a] = addDim(addDim(s[a], pads![i]), pads![i + ax.length]);
    if (isNum(s[a]) && s[a] < 0) throw new ShapeError("Pad gives a negative dim");
  });
  return [out(x.dtype, s)];
};

function resizeShape(c: OpCtx, x: Info, scales: number[] | undefined, sizes: number[] | undefined): Shape {
  const xs = x.shape!;
  const r = xs.length;
  const axes = (aInts(c.attrs, "axes") ?? [...Array(r).keys()]).map((a) => normAxis(a, r));
  const s = xs.slice();
  if (sizes && sizes.length) {
    if (sizes.length !== axes.length) throw new ShapeError("Resize sizes length differs from axes");
    const policy = aStr(c.attrs, "keep_aspect_ratio_policy", "stretch");
    if (policy !== "stretch") {
      if (!axes.every((a) => isNum(xs[a]))) return axes.reduce((acc, a) => { acc[a] = UNKNOWN; return acc; }, s);
      const ratios = axes.map((a, i) => sizes[i] / (xs[a] as number));
      const scale = policy === "not_larger" ? Math.min(...ratios) : Math.max(...ratios);
      axes.forEach((a) => { const v = scale * (xs[a] as number); s[a] = Math.floor(v + 0.5); });
      return s;
    }
    axes.forEach((a, i) => { s[a] = sizes[i]; });
    return s;
  }
  if (scales) {
    if (scales.length !== axes.length) throw new ShapeError("Resize scales length differs from axes");
    axes.forEach((a, i) => { const d = xs[a]; s[a] = isNum(d) ? Math.floor(d * scales[i]) : scales[i] === 1 ? d : UNKNOWN; });
    return s;
  }
  return unknownDims(r);
}

/**
 * A Resize of an NCHW / NCDHW tensor that changes a known batch dim: in practice a model exported at one
 * batch with its Resize `sizes` (or a scale ≠ 1 on dim 0) baked in, then run at another batch — the Resize
 * shrinks the batch back and a later broadcast hides it, so the compute would be quietly wrong.
 */
function keepBatch(x: Info, s: Shape): Shape {
  const b = x.shape![0];
  if ((s.length === 4 || s.length === 5) && isNum(b) && isNum(s[0]) && s[0] !== b) {
    throw new ShapeError(
      `Resize changes the batch dimension from ${b} to ${s[0]}: the model hard-codes its batch size (export it with a dynamic batch, or generate it at this batch)`,
    );
  }
  return s;
}

const resize: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(x.dtype, null)];
  if (c.opset < 11) {
    const scales = inp(c, 1)?.value?.data as number[] | undefined;
    return [out(x.dtype, keepBatch(x, resizeShape(c, x, scales, undefined)))];
  }
  const scalesIn = inp(c, 2);
  const sizesIn = inp(c, 3);
  const sizes = sizesIn && sizesIn.shape && !(isNum(sizesIn.shape[0]) && sizesIn.shape[0] === 0) ? ints(sizesIn) : undefined;
  const scales =
    scalesIn && scalesIn.shape && !(isNum(scalesIn.shape[0]) && scalesIn.shape[0] === 0)
      ? (scalesIn.value?.data as number[] | undefined)
      : undefined;
  if (!sizes && !scales) return [out(x.dtype, unknownDims(x.shape.length))];
  return [out(x.dtype, keepBatch(x, resizeShape(c, x, scales, sizes)))];
};

const upsample: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(x.dtype, null)];
  const scales =
    c.opset < 9
      ? ((c.attrs.scales as number[] | undefined) ??
        (c.attrs.height_scale !== undefined ? [1, 1, aFloat(c.attrs, "height_scale", 1), aFloat(c.attrs, "width_scale", 1)] : undefined))
      : (inp(c, 1)?.value?.data as number[] | undefined);
  if (!scales) return [out(x.dtype, unknownDims(x.shape.length))];
  return [
    out(
      x.dtype,
      x.shape.map((d, i) => (isNum(d) ? Math.floor(d * scales[i]) : scales[i] === 1 ? d : UNKNOWN)),
    ),
  ];
};

function reduce(dtype?: number, axesInputSince = 18): ShapeFn {
  return (c) => {
    const x = need(c, 0);
    const dt = dtype ?? x.dtype;
    if (!x.shape) return [out(dt, null)];
    const r = x.shape.length;
    const keep = aInt(c.attrs, "keepdims", 1) === 1;
    let axes = axesFrom(c, 1, "axes", axesInputSince);
    if (axes === null) return [out(dt, keep ? unknownDims(r) : null)];
    if (!axes || axes.length === 0) {
      if (aInt(c.attrs, "noop_with_empty_axes", 0) === 1 && c.opset >= axesInputSince) return [out(dt, x.shape, x.value)];
      axes = [...Array(r).keys()];
    }
    const ax = new Set(axes.map((a) => normAxis(a, Math.max(r, 1))));
    const s: Shape = [];
    x.shape.forEach((d, i) => {
      if (!ax.has(i)) s.push(d);
      else if (keep) s.push(1);
    });
    let v: ConstValue | undefined;
    if (x.value && r <= 1 && c.node.opType === "ReduceProd" && x.value.data.every(isNum))
      v = { dims: s as number[], data: [(x.value.data as number[]).reduce((a, b) => a * b, 1)] };
    if (x.value && r <= 1 && c.node.opType === "ReduceSum" && x.value.data.every(isNum))
      v = { dims: s as number[], data: [(x.value.data as number[]).reduce((a, b) => a + b, 0)] };
    return [out(dt, s, v)];
  };
}

const argReduce: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(I64, null)];
  const r = x.shape.length;
  const axis = normAxis(aInt(c.attrs, "axis", 0), r);
  const keep = aInt(c.attrs, "keepdims", 1) === 1;
  const s: Shape = [];
  x.shape.forEach((d, i) => { if (i !== axis) s.push(d); else if (keep) s.push(1); });
  return [out(I64, s)];
};

const shapeOp: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(I64, [UNKNOWN])];
  const r = x.shape.length;
  let start = c.opset >= 15 ? aInt(c.attrs, "start", 0) : 0;
  let end = c.opset >= 15 ? aInt(c.attrs, "end", r) : r;
  if (start < 0) start += r;
  if (end < 0) end += r;
  start = Math.min(Math.max(start, 0), r);
  end = Math.min(Math.max(end, 0), r);
  const data = x.shape.slice(start, Math.max(start, end));
  return [out(I64, [data.length], { dims: [data.length], data })];
};

const sizeOp: ShapeFn = (c) => {
  const x = need(c, 0);
  const p = x.shape ? prodDims(x.shape) : UNKNOWN;
  return [out(I64, [], { dims: [], data: [p] })];
};

const constant: ShapeFn = (c) => {
  const a = c.attrs;
  const t = aTensor(a, "value");
  if (t) return [out(t.data_type ?? 0, (t.dims ?? []).slice(), tensorAttrValue(t))];
  if (a.value_float !== undefined) return [out(DataType.FLOAT, [], { dims: [], data: [a.value_float as number] })];
  if (a.value_int !== undefined) return [out(I64, [], { dims: [], data: [a.value_int as number] })];
  const fl = aInts(a, "value_floats");
  if (a.value_floats !== undefined) return [out(DataType.FLOAT, [fl?.length ?? 0], mkValue([fl?.length ?? 0], fl ?? []))];
  const il = aInts(a, "value_ints");
  if (a.value_ints !== undefined) return [out(I64, [il?.length ?? 0], mkValue([il?.length ?? 0], il ?? []))];
  if (a.value_string !== undefined) return [out(DataType.STRING, [])];
  if (a.value_strings !== undefined) return [out(DataType.STRING, [(a.value_strings as string[]).length])];
  const sp = a.sparse_value as { dims?: number[]; values?: TensorProto } | undefined;
  if (sp && typeof sp === "object" && "dims" in sp) return [out(sp.values?.data_type ?? 0, (sp.dims ?? []).slice())];
  throw new ShapeError("Constant without a value attribute");
};

const constantOfShape: ShapeFn = (c) => {
  const s = need(c, 0);
  const t = aTensor(c.attrs, "value");
  const dt = t?.data_type ?? DataType.FLOAT;
  const fill = t ? readTensorValues(t, 1)?.[0] ?? 0 : 0;
  const dims = dimVals(s);
  if (!dims) {
    const len = s.shape?.[0];
    return [out(dt, isNum(len) ? unknownDims(len) : null)];
  }
  if (dims.some((d) => isNum(d) && d < 0)) throw new ShapeError("ConstantOfShape with a negative dim");
  const n = allKnown(dims) ? numElements(dims) : Infinity;
  return [out(dt, dims.slice(), n <= MAX_FOLD ? { dims: dims as number[], data: new Array(n).fill(fill) } : undefined)];
};

const range: ShapeFn = (c) => {
  const [s, l, d] = [need(c, 0), need(c, 1), need(c, 2)];
  const sv = s.value?.data[0], lv = l.value?.data[0], dv = d.value?.data[0];
  if (!isNum(sv) || !isNum(lv) || !isNum(dv)) return [out(s.dtype, [UNKNOWN])];
  if (dv === 0) throw new ShapeError("Range delta is 0");
  const n = Math.max(Math.ceil((lv - sv) / dv), 0);
  if (!Number.isFinite(n)) throw new ShapeError("Range size is not finite");
  const v = n <= MAX_FOLD ? { dims: [n], data: Array.from({ length: n }, (_, i) => castValue(sv + i * dv, s.dtype)) } : undefined;
  return [out(s.dtype, [n], v)];
};

const castOp: ShapeFn = (c) => {
  const x = need(c, 0);
  const to = aInt(c.attrs, "to", 0);
  const v = x.value
    ? {
        dims: x.value.dims,
        data: x.value.data.map((d) => (isNum(d) ? castValue(d, to) : to === I64 || to === DataType.INT32 ? d : UNKNOWN)),
      }
    : undefined;
  return [out(to, x.shape, v)];
};

const where: ShapeFn = (c) => {
  const [cond, a, b] = [need(c, 0), need(c, 1), need(c, 2)];
  const s = broadcast([cond.shape, a.shape, b.shape]);
  const v = foldElementwise(s, [cond, a, b], (k, x, y) => (isNum(k) ? (k ? x : y) : UNKNOWN));
  return [out(a.dtype, s, v)];
};

const oneHot: ShapeFn = (c) => {
  const idx = need(c, 0);
  const depth = need(c, 1).value?.data[0];
  const vals = need(c, 2);
  if (!idx.shape) return [out(vals.dtype, null)];
  const r = idx.shape.length + 1;
  const axis = normAxis(aInt(c.attrs, "axis", -1), r);
  const s = idx.shape.slice();
  s.splice(axis, 0, isNum(depth) ? Math.trunc(depth) : UNKNOWN);
  return [out(vals.dtype, s)];
};

const topK: ShapeFn = (c) => {
  const x = need(c, 0);
  const k = c.opset < 10 ? aInt(c.attrs, "k") : need(c, 1).value?.data[0];
  if (!x.shape) return [out(x.dtype, null), out(I64, null)];
  const axis = normAxis(aInt(c.attrs, "axis", -1), x.shape.length);
  const s = x.shape.slice();
  s[axis] = isNum(k) ? k : UNKNOWN;
  return [out(x.dtype, s), out(I64, s)];
};

const nonZero: ShapeFn = (c) => {
  const x = need(c, 0);
  const r = x.shape?.length;
  const nnz = x.value && x.value.data.every(isNum) ? x.value.data.filter((v) => v !== 0).length : UNKNOWN;
  return [out(I64, r === undefined ? null : [r, nnz])];
};

const compress: ShapeFn = (c) => {
  const x = need(c, 0);
  const cond = need(c, 1).value?.data;
  const count = cond && cond.every(isNum) ? cond.filter((v) => v !== 0).length : UNKNOWN;
  const axis = aInt(c.attrs, "axis");
  if (axis === undefined || !x.shape) return [out(x.dtype, [count])];
  const a = normAxis(axis, x.shape.length);
  return [out(x.dtype, x.shape.map((d, i) => (i === a ? count : d)))];
};

function normLike(extraOutputs: (c: OpCtx, x: Info) => Out[]): ShapeFn {
  return (c) => {
    const x = need(c, 0);
    return [out(x.dtype, x.shape), ...extraOutputs(c, x)];
  };
}

const layerNorm = normLike((c, x) => {
  if (!x.shape) return [out(DataType.FLOAT, null), out(DataType.FLOAT, null)];
  const r = x.shape.length;
  const axis = normAxis(aInt(c.attrs, "axis", -1), r);
  const s = x.shape.map((d, i) => (i < axis ? d : 1));
  const st = aInt(c.attrs, "stash_type", 1);
  return [out(st, s), out(st, s)];
});

const batchNorm: ShapeFn = (c) => {
  const x = need(c, 0);
  const ch = inp(c, 1)?.shape ?? (x.shape ? [x.shape[1] ?? UNKNOWN] : null);
  const statDt = inp(c, 3)?.dtype ?? x.dtype;
  return [out(x.dtype, x.shape), out(statDt, ch), out(statDt, ch), out(statDt, ch), out(statDt, ch)];
};

const dropout: ShapeFn = (c) => {
  const x = need(c, 0);
  return [out(x.dtype, x.shape, x.value), out(c.opset >= 10 ? BOOL : x.dtype, x.shape)];
};

function rnn(gates: number, hasCell: boolean): ShapeFn {
  return (c) => {
    const x = need(c, 0);
    const w = need(c, 1);
    const hidden: Dim = aInt(c.attrs, "hidden_size") ?? (w.shape && isNum(w.shape[1]) ? w.shape[1] / gates : UNKNOWN);
    const dirs = aStr(c.attrs, "direction", "forward") === "bidirectional" ? 2 : 1;
    if (!x.shape) return [out(x.dtype, null), out(x.dtype, null), out(x.dtype, null)];
    const layout = aInt(c.attrs, "layout", 0);
    const [seq, batch] = layout ? [x.shape[1], x.shape[0]] : [x.shape[0], x.shape[1]];
    const y: Shape = layout ? [batch, seq, dirs, hidden] : [seq, dirs, batch, hidden];
    const h: Shape = layout ? [batch, dirs, hidden] : [dirs, batch, hidden];
    return hasCell ? [out(x.dtype, y), out(x.dtype, h), out(x.dtype, h)] : [out(x.dtype, y), out(x.dtype, h)];
  };
}

const depthToSpace: ShapeFn = (c) => {
  const x = need(c, 0);
  const b = aInt(c.attrs, "blocksize", 1);
  if (!x.shape) return [out(x.dtype, null)];
  if (x.shape.length !== 4) throw new ShapeError("DepthToSpace needs a 4-D input");
  const [n, ch, h, w] = x.shape;
  return [out(x.dtype, [n, isNum(ch) ? ch / (b * b) : UNKNOWN, mulDim(h, b), mulDim(w, b)])];
};

const spaceToDepth: ShapeFn = (c) => {
  const x = need(c, 0);
  const b = aInt(c.attrs, "blocksize", 1);
  if (!x.shape) return [out(x.dtype, null)];
  if (x.shape.length !== 4) throw new ShapeError("SpaceToDepth needs a 4-D input");
  const [n, ch, h, w] = x.shape;
  return [out(x.dtype, [n, mulDim(ch, b * b), isNum(h) ? h / b : UNKNOWN, isNum(w) ? w / b : UNKNOWN])];
};

const ifOp: ShapeFn = (c) => {
  const cond = c.inputs[0]?.value?.data[0];
  // A known condition: only the taken branch matters (the other may be invalid for these shapes).
  if (isNum(cond)) return c.subgraph(cond ? "then_branch" : "else_branch", []) ?? [];
  const errors: string[] = [];
  const branch = (name: string) => {
    try {
      return c.subgraph(name, []);
    } catch (e) {
      errors.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    }
  };
  const thenOut = branch("then_branch");
  const elseOut = branch("else_branch");
  // A branch that is invalid for these shapes cannot be the one taken: the other one's outputs are the If's.
  if (!thenOut && !elseOut && errors.length === 2) c.invalid(`no branch is valid for these shapes (${errors.join("; ")})`);
  if (!thenOut || !elseOut) return thenOut ?? elseOut ?? [];
  return thenOut.map((t, i) => mergeOut(t, elseOut[i]));
};

const MAX_UNROLL = 64;

// ---------- sequences and optionals ----------
/** The sequence / optional wrappers of a value, to pass along with its type (Identity, If, Loop). */
function wrap(x: Info | undefined): Pick<Out, "seq" | "present"> {
  return { ...(x?.seq ? { seq: x.seq } : {}), ...(x?.present !== undefined ? { present: x.present } : {}) };
}

/** One type for two values that may differ (If branches, Loop iterations): equal dims stay, others are "?". */
function mergeShape(a: Shape | null, b: Shape | null): Shape | null {
  if (!a || !b || a.length !== b.length) return null;
  return a.map((d, k) => (dimEq(d, b[k]) ? d : UNKNOWN));
}

function mergeElem(a: SeqElem, b: SeqElem): SeqElem {
  return { dtype: a.dtype || b.dtype, shape: mergeShape(a.shape, b.shape) };
}

function mergeSeq(a: SeqValue, b: SeqValue): SeqValue {
  const elem = a.length === 0 ? b.elem : b.length === 0 ? a.elem : mergeElem(a.elem, b.elem);
  const same = a.items && b.items && a.items.length === b.items.length;
  return {
    elem,
    length: dimEq(a.length, b.length) || (a.length === 0 && b.length === 0) ? a.length : UNKNOWN,
    items: same ? a.items!.map((x, k) => mergeElem(x, b.items![k])) : null,
  };
}

/** The type of a value that is `a` on one path and `b` on another. */
function mergeOut(a: Out, b: Out | undefined): Out {
  if (!b) return out(a.dtype, null);
  // an empty optional on one path: the element, when there is one, has the other path's type
  const element = (x: Out, y: Out): Out => ({ ...out(x.dtype || y.dtype, x.shape), ...(x.seq ? { seq: x.seq } : {}), present: null });
  if (a.present === false && b.present !== false) return element(b, a);
  if (b.present === false && a.present !== false) return element(a, b);
  const o = out(a.dtype || b.dtype, mergeShape(a.shape, b.shape));
  if (a.seq && b.seq) o.seq = mergeSeq(a.seq, b.seq);
  if (a.present !== undefined || b.present !== undefined) o.present = a.present === b.present ? a.present : null;
  return o;
}

function seqOut(items: SeqElem[] | null, elem: SeqElem, length: Dim): Out {
  const merged = items?.length ? items.reduce(mergeElem) : elem;
  const dtype = merged.dtype || elem.dtype;
  return { dtype, shape: null, seq: { elem: { dtype, shape: merged.shape }, length: items ? items.length : length, items } };
}

const elemOf = (x: Info): SeqElem => (x.value ? { dtype: x.dtype, shape: x.shape, value: x.value } : { dtype: x.dtype, shape: x.shape });

function needSeq(c: OpCtx, i: number): SeqValue {
  return need(c, i).seq ?? { elem: { dtype: need(c, i).dtype, shape: null }, length: UNKNOWN, items: null };
}

/** A position input (SequenceAt/Insert/Erase) as an index into `len` elements; undefined when not known. */
function seqPos(x: Info | undefined, len: number, insert: boolean): number | undefined {
  const p = ints(x)?.[0];
  if (p === undefined) return undefined;
  const k = p < 0 ? p + len : p;
  if (k < 0 || k > (insert ? len : len - 1)) throw new ShapeError(`sequence position ${p} is out of range for ${len} element(s)`);
  return k;
}

const sequenceConstruct: ShapeFn = (c) => {
  const xs = c.inputs.filter((x): x is Info => !!x);
  if (!xs.length) throw new ShapeError("SequenceConstruct without inputs");
  return [seqOut(xs.map(elemOf), elemOf(xs[0]), xs.length)];
};

const sequenceEmpty: ShapeFn = (c) => [seqOut([], { dtype: aInt(c.attrs, "dtype", DataType.FLOAT), shape: null }, 0)];

const sequenceInsert: ShapeFn = (c) => {
  const s = needSeq(c, 0);
  const x = elemOf(need(c, 1));
  const items = s.items;
  if (items && (!inp(c, 2) || ints(inp(c, 2)))) {
    const k = inp(c, 2) ? seqPos(inp(c, 2), items.length, true)! : items.length;
    return [seqOut([...items.slice(0, k), x, ...items.slice(k)], x, 0)];
  }
  return [seqOut(null, s.length === 0 ? x : mergeElem(s.elem, x), addDim(s.length, 1))];
};

const sequenceErase: ShapeFn = (c) => {
  const s = needSeq(c, 0);
  if (s.items && (!inp(c, 1) || ints(inp(c, 1)))) {
    if (!s.items.length) throw new ShapeError("SequenceErase on an empty sequence");
    const k = inp(c, 1) ? seqPos(inp(c, 1), s.items.length, false)! : s.items.length - 1;
    return [seqOut(s.items.filter((_, i) => i !== k), s.elem, 0)];
  }
  return [seqOut(null, s.elem, isNum(s.length) ? Math.max(0, s.length - 1) : UNKNOWN)];
};

const sequenceAt: ShapeFn = (c) => {
  const s = needSeq(c, 0);
  const k = s.items && ints(inp(c, 1)) ? seqPos(inp(c, 1), s.items.length, false) : undefined;
  const e = k !== undefined ? s.items![k] : s.elem;
  return [out(e.dtype, e.shape, k !== undefined ? e.value : undefined)];
};

const sequenceLength: ShapeFn = (c) => {
  const s = needSeq(c, 0);
  return [out(I64, [], isNum(s.length) ? { dims: [], data: [s.length] } : undefined)];
};

/** SplitToSequence: equal pieces of `split` (a scalar), pieces of the listed sizes, or (no split) size-1 slices. */
const splitToSequence: ShapeFn = (c) => {
  const x = need(c, 0);
  const sp = inp(c, 1);
  const keep = aInt(c.attrs, "keepdims", 1);
  if (!x.shape) return [seqOut(null, { dtype: x.dtype, shape: null }, UNKNOWN)];
  const axis = normAxis(aInt(c.attrs, "axis", 0), x.shape.length);
  const d = x.shape[axis];
  const piece = (size: Dim): SeqElem => {
    const s = x.shape!.slice();
    if (!sp && !keep) s.splice(axis, 1);
    else s[axis] = size;
    return { dtype: x.dtype, shape: s };
  };
  const many = (sizes: number[]) =>
    sizes.length <= MAX_FOLD ? seqOut(sizes.map(piece), piece(sizes[0] ?? 0), 0) : seqOut(null, piece(UNKNOWN), sizes.length);
  if (!sp) return [isNum(d) ? many(new Array<number>(d).fill(1)) : seqOut(null, piece(1), d)];
  const v = ints(sp);
  if (v && sp.shape?.length === 0) {
    const [size] = v;
    if (!(size > 0)) throw new ShapeError(`SplitToSequence split must be positive, got ${size}`);
    if (!isNum(d)) return [seqOut(null, piece(UNKNOWN), UNKNOWN)];
    const n = Math.ceil(d / size);
    return [many(Array.from({ length: n }, (_, i) => (i < n - 1 ? size : d - size * (n - 1))))];
  }
  if (v) {
    if (isNum(d) && v.reduce((a, b) => a + b, 0) !== d) throw new ShapeError(`SplitToSequence sizes [${v}] do not add up to ${d}`);
    return [many(v)];
  }
  return [seqOut(null, piece(UNKNOWN), sp.shape?.length === 1 ? sp.shape[0] : UNKNOWN)];
};

const concatFromSequence: ShapeFn = (c) => {
  const s = needSeq(c, 0);
  const newAxis = aInt(c.attrs, "new_axis", 0) === 1;
  const axisAttr = aInt(c.attrs, "axis", 0);
  if (s.items && s.items.length && !newAxis) {
    return concat({ ...c, inputs: s.items.map((e) => out(e.dtype, e.shape, e.value)), attrs: { axis: axisAttr } });
  }
  const e = s.elem;
  if (!e.shape) return [out(e.dtype, null)];
  if (newAxis) {
    const shape = e.shape.slice();
    shape.splice(normAxis(axisAttr, shape.length + 1), 0, s.length);
    return [out(e.dtype, shape)];
  }
  const shape = e.shape.slice();
  const ax = normAxis(axisAttr, shape.length);
  shape[ax] = mulDim(shape[ax], s.length);
  return [out(e.dtype, shape)];
};

/** Optional(x) wraps x (present); Optional() with only a `type` attribute is an empty optional of that type. */
const optionalOp: ShapeFn = (c) => {
  const x = inp(c, 0);
  if (x) return [{ ...out(x.dtype, x.shape, x.value), ...(x.seq ? { seq: x.seq } : {}), present: true }];
  const tp = c.attrs.type as TypeProto | undefined;
  const tt = tp?.tensor_type ?? tp?.sequence_type?.elem_type?.tensor_type;
  return [{ dtype: tt?.elem_type ?? 0, shape: null, present: false }];
};

const optionalGetElement: ShapeFn = (c) => {
  const x = need(c, 0);
  if (x.present === false) throw new ShapeError("OptionalGetElement on an empty optional");
  return [{ ...out(x.dtype, x.shape, x.value), ...(x.seq ? { seq: x.seq } : {}) }];
};

const optionalHasElement: ShapeFn = (c) => {
  const x = inp(c, 0);
  // no input, or a plain tensor (opset 18 accepts tensors): the answer is known
  const has = !x ? false : x.present === undefined ? true : x.present;
  return [out(BOOL, [], has === null ? undefined : { dims: [], data: [has ? 1 : 0] })];
};

/**
 * Loop: with a known trip count (<= 64) the body is inferred once per iteration (iteration number and carried
 * values fed forward), so shape-varying bodies resolve exactly; otherwise one symbolic pass, and carried values
 * keep their input shape where the body's is unknown (the usual loop-invariant case).
 */
const loop: ShapeFn = (c) => {
  const trip = c.inputs[0]?.value?.data[0];
  const cond0 = c.inputs[1]?.value?.data[0];
  const carried0 = c.inputs.slice(2).map((x) => (x ? { ...out(x.dtype, x.shape, x.value), ...wrap(x) } : undefined));
  const n = carried0.length;
  const merge = (a: Out | undefined, b: Out | undefined): Out => {
    // a carried sequence may grow each iteration: its length and per-position items become unknown
    const seq = a?.seq && b?.seq ? { seq: { ...mergeSeq(a.seq, b.seq), length: UNKNOWN, items: null } } : {};
    if (!a?.shape || !b?.shape || a.shape.length !== b.shape.length)
      return { ...out(b?.dtype || a?.dtype || 0, b?.shape ?? a?.shape ?? null), ...seq };
    const shape = b.shape.map((d, k) => (dimEq(d, a.shape![k]) ? d : d === UNKNOWN ? a.shape![k] : UNKNOWN));
    return { ...out(b.dtype || a.dtype, shape), ...seq };
  };
  if (isNum(trip) && trip <= MAX_UNROLL && cond0 !== 0 && c.unrollBudget(trip)) {
    let carried = carried0;
    const scans: Out[][] = [];
    let iters = 0;
    let condKnown = true;
    for (let i = 0; i < trip; i++) {
      const body = c.subgraph("body", [out(I64, [], { dims: [], data: [i] }), out(BOOL, [], { dims: [], data: [1] }), ...carried]);
      if (!body) return [];
      iters++;
      carried = body.slice(1, 1 + n);
      scans.push(body.slice(1 + n));
      const cv = body[0]?.value?.data[0];
      if (cv === 0) break;
      if (!isNum(cv) && c.inputs[1]) condKnown = false;
    }
    const res: Out[] = carried.map((x, i) => (x ? x : out(carried0[i]?.dtype ?? 0, null)));
    const k = scans[0]?.length ?? 0;
    for (let j = 0; j < k; j++) {
      const first = scans[0][j];
      const same = scans.every(
        (it) =>
          it[j]?.shape &&
          first.shape &&
          it[j].shape!.length === first.shape.length &&
          it[j].shape!.every((d, q) => dimEq(d, first.shape![q])),
      );
      res.push(
        out(first.dtype, first.shape ? [condKnown ? iters : UNKNOWN, ...(same ? first.shape : first.shape.map(() => UNKNOWN))] : null),
      );
    }
    return res;
  }
  const body = c.subgraph("body", [out(I64, []), out(BOOL, []), ...carried0.map((x) => x && { ...out(x.dtype, x.shape), ...wrap(x) })]);
  const res: Out[] = [];
  for (let i = 0; i < n; i++) res.push(merge(carried0[i], body?.[1 + i]));
  for (const s of (body ?? []).slice(1 + n))
    res.push(out(s.dtype, s.shape ? [isNum(trip) && !c.inputs[1] ? trip : UNKNOWN, ...s.shape] : null));
  return res;
};

/** Scan (opset 9+: no batch axis; opset 8: inputs [sequence_lens?, states..., scans...] with a leading batch axis). */
const scan: ShapeFn = (c) => {
  const nScan = aInt(c.attrs, "num_scan_inputs", 0);
  const v8 = c.opset < 9;
  const ins = v8 ? c.inputs.slice(1) : c.inputs;
  const nState = ins.length - nScan;
  const states = ins.slice(0, nState);
  const scans = ins.slice(nState);
  const inAxes = v8 ? scans.map(() => 1) : aInts(c.attrs, "scan_input_axes") ?? scans.map(() => 0);
  const axisOf = (x: Info, i: number) => normAxis(inAxes[i] ?? 0, x.shape!.length);
  const seq = scans[0]?.shape ? scans[0].shape[axisOf(scans[0], 0)] : UNKNOWN;
  const batch: Dim = v8 ? states[0]?.shape?.[0] ?? scans[0]?.shape?.[0] ?? UNKNOWN : 1;
  const strip = (s: Shape, drop: number[]) => s.filter((_, k) => !drop.includes(k));
  const bodyIns = [
    ...states.map((x) => (x ? out(x.dtype, x.shape ? (v8 ? x.shape.slice(1) : x.shape) : null) : undefined)),
    ...scans.map((x, i) => (x?.shape ? out(x.dtype, strip(x.shape, v8 ? [0, 1] : [axisOf(x, i)])) : undefined)),
  ];
  const body = c.subgraph("body", bodyIns);
  if (!body) return [];
  const outAxes = v8 ? undefined : aInts(c.attrs, "scan_output_axes");
  return body.map((b, i) => {
    if (!b.shape) return out(b.dtype, null);
    if (i < nState) return v8 ? out(b.dtype, [batch, ...b.shape]) : b;
    const s = b.shape.slice();
    const ax = normAxis(outAxes?.[i - nState] ?? 0, s.length + 1);
    s.splice(ax, 0, seq);
    return out(b.dtype, v8 ? [batch, ...s] : s);
  });
};

const einsum: ShapeFn = (c) => {
  const xs = c.inputs.filter((x): x is Info => !!x);
  if (xs.some((x) => !x.shape)) return [out(xs[0]?.dtype ?? 0, null)];
  return [out(xs[0].dtype, parseEinsum(aStr(c.attrs, "equation", ""), xs.map((x) => x.shape!)))];
};

const eyeLike: ShapeFn = (c) => {
  const x = need(c, 0);
  return [out(aInt(c.attrs, "dtype") ?? x.dtype, x.shape)];
};

const randomLike: ShapeFn = (c) => {
  const x = need(c, 0);
  return [out(aInt(c.attrs, "dtype") ?? x.dtype, x.shape)];
};

const randomShape: ShapeFn = (c) => [out(aInt(c.attrs, "dtype", DataType.FLOAT), aInts(c.attrs, "shape") ?? null)];

const det: ShapeFn = (c) => {
  const x = need(c, 0);
  return [out(x.dtype, x.shape ? x.shape.slice(0, -2) : null)];
};

const maxRoiPool: ShapeFn = (c) => {
  const x = need(c, 0);
  const rois = need(c, 1);
  const ps = aInts(c.attrs, "pooled_shape") ?? [UNKNOWN as unknown as number, UNKNOWN as unknown as number];
  return [out(x.dtype, [rois.shape?.[0] ?? UNKNOWN, x.shape?.[1] ?? UNKNOWN, ...ps])];
};

const roiAlign: ShapeFn = (c) => {
  const x = need(c, 0);
  const rois = need(c, 1);
  return [
    out(x.dtype, [
      rois.shape?.[0] ?? UNKNOWN,
      x.shape?.[1] ?? UNKNOWN,
      aInt(c.attrs, "output_height", 1),
      aInt(c.attrs, "output_width", 1),
    ]),
  ];
};

const gridSample: ShapeFn = (c) => {
  const x = need(c, 0);
  const g = need(c, 1);
  if (!x.shape || !g.shape) return [out(x.dtype, null)];
  return [out(x.dtype, [x.shape[0], x.shape[1], ...g.shape.slice(1, -1)])];
};

const affineGrid: ShapeFn = (c) => {
  const theta = need(c, 0);
  const size = ints(need(c, 1));
  if (!size) return [out(theta.dtype, null)];
  const [n, , ...spatial] = size;
  return [out(theta.dtype, [n, ...spatial, spatial.length])];
};

const centerCropPad: ShapeFn = (c) => {
  const x = need(c, 0);
  const sh = ints(need(c, 1));
  if (!x.shape || !sh) return [out(x.dtype, x.shape ? unknownDims(x.shape.length) : null)];
  const r = x.shape.length;
  const axes = (aInts(c.attrs, "axes") ?? [...Array(r).keys()]).map((a) => normAxis(a, r));
  const s = x.shape.slice();
  axes.forEach((a, i) => { s[a] = sh[i]; });
  return [out(x.dtype, s)];
};

const col2im: ShapeFn = (c) => {
  const x = need(c, 0);
  const img = ints(need(c, 1));
  const block = ints(need(c, 2));
  if (!x.shape || !img || !block) return [out(x.dtype, null)];
  const ch = isNum(x.shape[1]) ? x.shape[1] / numElements(block) : UNKNOWN;
  return [out(x.dtype, [x.shape[0], ch, ...img])];
};

const maxUnpool: ShapeFn = (c) => {
  const x = need(c, 0);
  const os = inp(c, 2) ? ints(inp(c, 2)) : undefined;
  if (os) return [out(x.dtype, os)];
  if (!x.shape) return [out(x.dtype, null)];
  const kernel = aInts(c.attrs, "kernel_shape") ?? [];
  const n = kernel.length;
  const strides = aInts(c.attrs, "strides") ?? new Array(n).fill(1);
  const pads = aInts(c.attrs, "pads") ?? new Array(2 * n).fill(0);
  const sp = x.shape.slice(2).map((d, i) => (isNum(d) ? (d - 1) * strides[i] + kernel[i] - pads[i] - pads[i + n] : UNKNOWN));
  return [out(x.dtype, [x.shape[0], x.shape[1], ...sp])];
};

const windowOp: ShapeFn = (c) => {
  const n = need(c, 0).value?.data[0];
  return [out(aInt(c.attrs, "output_datatype", DataType.FLOAT), [isNum(n) ? n : UNKNOWN])];
};

const melWeight: ShapeFn = (c) => {
  const bins = need(c, 0).value?.data[0];
  const dft = need(c, 1).value?.data[0];
  return [
    out(aInt(c.attrs, "output_datatype", DataType.FLOAT), [isNum(dft) ? Math.floor(dft / 2) + 1 : UNKNOWN, isNum(bins) ? bins : UNKNOWN]),
  ];
};

const dft: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(x.dtype, null)];
  const r = x.shape.length;
  const axisRaw = c.opset >= 20 ? (inp(c, 2) ? inp(c, 2)!.value?.data[0] : -2) : aInt(c.attrs, "axis", 1);
  if (!isNum(axisRaw)) return [out(x.dtype, unknownDims(r))];
  const axis = normAxis(axisRaw, r);
  const lenIn = inp(c, 1);
  const len: Dim = lenIn ? lenIn.value?.data[0] ?? UNKNOWN : x.shape[axis];
  const onesided = aInt(c.attrs, "onesided", 0) === 1;
  const inverse = aInt(c.attrs, "inverse", 0) === 1;
  const s = x.shape.slice();
  if (inverse && onesided) {
    // irfft: a one-sided complex spectrum in, a real signal of dft_length (default 2*(n-1)) out.
    s[axis] = lenIn ? len : isNum(x.shape[axis]) ? 2 * (x.shape[axis] - 1) : UNKNOWN;
    s[r - 1] = 1;
    return [out(x.dtype, s)];
  }
  s[axis] = onesided && isNum(len) ? Math.floor(len / 2) + 1 : len;
  s[r - 1] = 2;
  return [out(x.dtype, s)];
};

const quantizeLinear: ShapeFn = (c) => {
  const x = need(c, 0);
  const zp = inp(c, 2);
  const dt = aInt(c.attrs, "output_dtype") || zp?.dtype || DataType.UINT8;
  return [out(dt, x.shape)];
};

const dequantizeLinear: ShapeFn = (c) => {
  const x = need(c, 0);
  const scale = inp(c, 1);
  return [out(aInt(c.attrs, "output_dtype") || scale?.dtype || DataType.FLOAT, x.shape)];
};

const dynamicQuantizeLinear: ShapeFn = (c) => {
  const x = need(c, 0);
  return [out(DataType.UINT8, x.shape), out(DataType.FLOAT, []), out(DataType.UINT8, [])];
};

const qlinearMatMul: ShapeFn = (c) => {
  const [r] = matmul(undefined, 0, 3)(c);
  return [out(inp(c, 7)?.dtype ?? inp(c, 0)!.dtype, r!.shape)];
};

const crop: ShapeFn = (c) => {
  const x = need(c, 0);
  if (!x.shape) return [out(x.dtype, null)];
  const border = aInts(c.attrs, "border") ?? [0, 0, 0, 0];
  const scale = aInts(c.attrs, "scale");
  const [n, ch, h, w] = x.shape;
  if (scale) return [out(x.dtype, [n, ch, scale[0], scale[1]])];
  return [out(x.dtype, [n, ch, addDim(h, -(border[1] + border[3])), addDim(w, -(border[0] + border[2]))])];
};

const prelu: ShapeFn = (c) => {
  const x = need(c, 0);
  const s = need(c, 1);
  return [out(x.dtype, c.opset < 7 ? x.shape : broadcast([x.shape, s.shape]))];
};

const castLike: ShapeFn = (c) => {
  const x = need(c, 0);
  const t = need(c, 1);
  return castOp({ ...c, attrs: { ...c.attrs, to: t.dtype } }).map((o) => o && out(t.dtype, x.shape, o.value));
};

const bitShift = binary(undefined);
const cmp = (f: (a: number, b: number) => boolean) =>
  binary(
    (a, b) => (f(a, b) ? 1 : 0),
    BOOL,
    (a, b) => (a === b && a !== UNKNOWN && f === eqFn ? 1 : UNKNOWN),
  );
const eqFn = (a: number, b: number) => a === b;

// ---------- attention-era ops (opset 23+) ----------
/** Attention (opset 23/24): 4-D [B, H, S, D] or 3-D [B, S, H*D] with q_num_heads / kv_num_heads. */
const attention: ShapeFn = (c) => {
  const [q, k, v] = [need(c, 0), need(c, 1), need(c, 2)];
  const pastK = inp(c, 4);
  if (!q.shape || !k.shape || !v.shape) return [out(q.dtype, null)];
  const four = q.shape.length === 4;
  const qh = aInt(c.attrs, "q_num_heads");
  const kvh = aInt(c.attrs, "kv_num_heads");
  const div = (d: Dim, n: number | undefined): Dim => (isNum(d) && n ? d / n : UNKNOWN);
  const B = q.shape[0];
  const Hq: Dim = four ? q.shape[1] : qh ?? UNKNOWN;
  const Hkv: Dim = four ? k.shape[1] : kvh ?? UNKNOWN;
  const Sq = four ? q.shape[2] : q.shape[1];
  const Skv = four ? k.shape[2] : k.shape[1];
  const Dk = four ? k.shape[3] : div(k.shape[2], kvh);
  const Dv = four ? v.shape[3] : div(v.shape[2], kvh);
  const total = pastK?.shape ? addDim(pastK.shape[2], Skv) : Skv;
  const y: Shape = four ? [B, Hq, Sq, Dv] : [B, Sq, mulDim(Hq, Dv)];
  return [out(q.dtype, y), out(k.dtype, [B, Hkv, total, Dk]), out(v.dtype, [B, Hkv, total, Dv]), out(q.dtype, [B, Hq, Sq, total])];
};

/** LinearAttention (opset 28): 3-D [B, S, H*D] inputs; recurrent state [B, Hkv, Dk, Dv]. */
const linearAttention: ShapeFn = (c) => {
  const [q, k, v] = [need(c, 0), need(c, 1), need(c, 2)];
  if (!q.shape || !k.shape || !v.shape) return [out(q.dtype, null), out(q.dtype, null)];
  const qh = aInt(c.attrs, "q_num_heads", 1);
  const kvh = aInt(c.attrs, "kv_num_heads", qh);
  const last = (x: Shape) => x[x.length - 1];
  const Dk: Dim = isNum(last(k.shape)) ? last(k.shape) as number / kvh : UNKNOWN;
  const Dv: Dim = isNum(last(v.shape)) ? last(v.shape) as number / kvh : UNKNOWN;
  return [out(q.dtype, [q.shape[0], q.shape[1], mulDim(qh, Dv)]), out(q.dtype, [q.shape[0], kvh, Dk, Dv])];
};

const causalConvWithState: ShapeFn = (c) => {
  const x = need(c, 0);
  const w = need(c, 1);
  if (!x.shape) return [out(x.dtype, null), out(x.dtype, null)];
  const k = w.shape?.[2];
  return [out(x.dtype, x.shape), out(x.dtype, [x.shape[0], x.shape[1], isNum(k) ? k - 1 : UNKNOWN])];
};

const bitCast: ShapeFn = (c) => {
  const x = need(c, 0);
  const to = aInt(c.attrs, "to", 0);
  return [out(to, bytesPerElement(to) === bytesPerElement(x.dtype) ? x.shape : null)];
};

const swiglu: ShapeFn = (c) => {
  const a = need(c, 0);
  const b = inp(c, 1);
  if (b) return [out(a.dtype, broadcast([a.shape, b.shape]))];
  if (!a.shape) return [out(a.dtype, null)];
  const last = a.shape[a.shape.length - 1];
  return [out(a.dtype, [...a.shape.slice(0, -1), isNum(last) ? last / 2 : UNKNOWN])];
};

const stft: ShapeFn = (c) => {
  const sig = need(c, 0);
  const step = need(c, 1).value?.data[0];
  const win = inp(c, 2);
  const flIn = inp(c, 3)?.value?.data[0];
  const fl: Dim = isNum(flIn) ? flIn : win?.shape?.[0] ?? UNKNOWN;
  if (!sig.shape) return [out(sig.dtype, null)];
  const len = sig.shape[1];
  const frames = isNum(len) && isNum(fl) && isNum(step) ? Math.floor((len - fl) / step) + 1 : UNKNOWN;
  const bins = isNum(fl) ? (aInt(c.attrs, "onesided", 1) ? Math.floor(fl / 2) + 1 : fl) : UNKNOWN;
  return [out(sig.dtype, [sig.shape[0], frames, bins, 2])];
};

const lossOp =
  (withLogProb: boolean): ShapeFn =>
  (c) => {
    const x = need(c, 0);
    const t = need(c, 1);
    const red = aStr(c.attrs, "reduction", "mean");
    const loss = out(x.dtype, red === "none" ? t.shape : []);
    return withLogProb ? [loss, out(x.dtype, x.shape)] : [loss];
  };

/** Training optimizers (ai.onnx.preview.training): each output has the shape of its matching input. */
const optimizer =
  (groups: number, outGroups: number[]): ShapeFn =>
  (c) => {
    const n = (c.inputs.length - 2) / groups;
    const res: Out[] = [];
    for (const g of outGroups)
      for (let j = 0; j < n; j++) {
        const x = inp(c, 2 + g * n + j);
        res.push(out(x?.dtype ?? 0, x?.shape ?? null));
      }
    return res;
  };

// ---------- contrib (com.microsoft) ops seen in the networks corpus ----------
const attentionMs: ShapeFn = (c) => {
  const x = need(c, 0);
  const w = inp(c, 1);
  const qkv = aInts(c.attrs, "qkv_hidden_sizes");
  const hidden: Dim = qkv ? qkv[2] : w?.shape && isNum(w.shape[1]) ? w.shape[1] / 3 : UNKNOWN;
  if (!x.shape) return [out(x.dtype, null)];
  return [out(x.dtype, [x.shape[0], x.shape[1], hidden]), out(x.dtype, null)];
};

const embedLayerNorm: ShapeFn = (c) => {
  const ids = need(c, 0);
  const wordEmb = inp(c, 2);
  const hidden = wordEmb?.shape?.[1] ?? UNKNOWN;
  const dt = wordEmb?.dtype ?? DataType.FLOAT;
  if (!ids.shape) return [out(dt, null), out(DataType.INT32, null)];
  return [
    out(dt, [ids.shape[0], ids.shape[1], hidden]),
    out(DataType.INT32, [ids.shape[0]]),
    out(dt, [ids.shape[0], ids.shape[1], hidden]),
  ];
};

const skipLayerNorm: ShapeFn = (c) => {
  const x = need(c, 0);
  const stat = x.shape ? [...x.shape.slice(0, -1), 1] : null;
  return [out(x.dtype, x.shape), out(DataType.FLOAT, stat), out(DataType.FLOAT, stat), out(x.dtype, x.shape)];
};

const gqa: ShapeFn = (c) => {
  const q = need(c, 0);
  const heads = aInt(c.attrs, "num_heads");
  const kvHeads = aInt(c.attrs, "kv_num_heads");
  const k = inp(c, 1);
  if (!q.shape) return [out(q.dtype, null)];
  let hidden: Dim = q.shape[2];
  if (!k && heads && kvHeads && isNum(q.shape[2])) hidden = (q.shape[2] / (heads + 2 * kvHeads)) * heads; // packed QKV
  return [out(q.dtype, [q.shape[0], q.shape[1], hidden]), out(q.dtype, null), out(q.dtype, null)];
};

/** com.microsoft FusedMatMul: MatMul with optional transposes of the last two dims (batch transposes: unknown). */
const fusedMatMul: ShapeFn = (c) => {
  const a = need(c, 0);
  const b = need(c, 1);
  if (aInt(c.attrs, "transBatchA", 0) || aInt(c.attrs, "transBatchB", 0)) return [out(a.dtype, null)];
  const t = (x: Info, on: boolean): Info =>
    on && x.shape && x.shape.length >= 2
      ? { dtype: x.dtype, shape: [...x.shape.slice(0, -2), x.shape[x.shape.length - 1], x.shape[x.shape.length - 2]] }
      : x;
  return matmul()({ ...c, inputs: [t(a, aInt(c.attrs, "transA", 0) === 1), t(b, aInt(c.attrs, "transB", 0) === 1)] });
};

// ---------- registry ----------
export const OPS: Record<string, ShapeFn> = {
  // elementwise unary (shape-preserving)
  Abs: unary(Math.abs),
  Neg: unary((x) => -x),
  Floor: unary(Math.floor),
  Ceil: unary(Math.ceil),
  Sqrt: unary(Math.sqrt),
  Round: unary((x) => {
    const f = Math.floor(x);
    const d = x - f;
    return d > 0.5 ? f + 1 : d < 0.5 ? f : f % 2 === 0 ? f : f + 1;
  }),
  Reciprocal: unary((x) => 1 / x),
  Exp: unary(Math.exp),
  Log: unary(Math.log),
  Sign: unary(Math.sign),
  Relu: unary((x) => Math.max(0, x)),
  Identity: (c) => {
    const x = need(c, 0);
    return [{ ...out(x.dtype, x.shape, x.value), ...wrap(x) }];
  },
  Acos: unary(),
  Acosh: unary(),
  Asin: unary(),
  Asinh: unary(),
  Atan: unary(),
  Atanh: unary(),
  Cos: unary(),
  Cosh: unary(),
  Sin: unary(),
  Sinh: unary(),
  Tan: unary(),
  Tanh: unary(),
  Erf: unary(),
  Sigmoid: unary(),
  HardSigmoid: unary(),
  HardSwish: unary(),
  Elu: unary(),
  Selu: unary(),
  Celu: unary(),
  LeakyRelu: unary(),
  ThresholdedRelu: unary(),
  Softplus: unary(),
  Softsign: unary(),
  Mish: unary(),
  Gelu: unary(),
  Shrink: unary(),
  Clip: sameAs0,
  Softmax: sameAs0,
  LogSoftmax: sameAs0,
  Hardmax: sameAs0,
  LpNormalization: sameAs0,
  MeanVarianceNormalization: sameAs0,
  InstanceNormalization: sameAs0,
  LRN: sameAs0,
  BitwiseNot: unary(),
  CumSum: sameAs0,
  Trilu: sameAs0,
  ReverseSequence: sameAs0,
  Swish: unary(),
  ImageScaler: sameAs0,
  GroupNormalization: sameAs0,
  RMSNormalization: sameAs0,
  PRelu: prelu,
  // experimental ops of opsets <= 9, still found in old exported models
  Affine: sameAs0,
  ScaledTanh: sameAs0,
  ParametricSoftplus: sameAs0,
  Scale: sameAs0,
  Not: unary((x) => (x ? 0 : 1), BOOL),
  IsNaN: unary(undefined, BOOL),
  IsInf: unary(undefined, BOOL),
  Cast: castOp,
  CastLike: castLike,
  EyeLike: eyeLike,
  RandomNormalLike: randomLike,
  RandomUniformLike: randomLike,
  Bernoulli: randomLike,
  RandomNormal: randomShape,
  RandomUniform: randomShape,
  QuantizeLinear: quantizeLinear,
  DequantizeLinear: dequantizeLinear,
  DynamicQuantizeLinear: dynamicQuantizeLinear,
  BatchNormalization: batchNorm,
  LayerNormalization: layerNorm,
  Dropout: dropout,
  // elementwise binary / variadic
  Add: binary(
    (a, b) => a + b,
    undefined,
    (a, b) => (a === 0 ? b : b === 0 ? a : UNKNOWN),
  ),
  Sub: binary(
    (a, b) => a - b,
    undefined,
    (a, b) => (b === 0 ? a : UNKNOWN),
  ),
  Mul: binary(
    (a, b) => a * b,
    undefined,
    (a, b) => (a === 1 ? b : b === 1 ? a : UNKNOWN),
  ),
  Div: binary(
    (a, b) => a / b,
    undefined,
    (a, b) => (b === 1 ? a : UNKNOWN),
  ),
  Pow: binary((a, b) => a ** b),
  Mod: binary((a, b) => a - b * Math.floor(a / b)),
  And: binary((a, b) => (a && b ? 1 : 0), BOOL),
  Or: binary((a, b) => (a || b ? 1 : 0), BOOL),
  Xor: binary((a, b) => (a ? 1 : 0) ^ (b ? 1 : 0), BOOL),
  Equal: cmp(eqFn),
  Greater: cmp((a, b) => a > b),
  Less: cmp((a, b) => a < b),
  GreaterOrEqual: cmp((a, b) => a >= b),
  LessOrEqual: cmp((a, b) => a <= b),
  BitShift: bitShift,
  BitwiseAnd: binary(),
  BitwiseOr: binary(),
  BitwiseXor: binary(),
  Max: variadic(Math.max),
  Min: variadic(Math.min),
  Sum: variadic((a, b) => a + b),
  Mean: variadic(),
  Where: where,
  // conv / pool / matmul
  Conv: conv(),
  ConvInteger: conv(() => DataType.INT32),
  QLinearConv: conv((c) => inp(c, 7)?.dtype ?? need(c, 0).dtype, 3),
  ConvTranspose: convTranspose,
  MaxPool: pool(true),
  AveragePool: pool(false),
  LpPool: pool(false),
  GlobalAveragePool: globalPool,
  GlobalMaxPool: globalPool,
  GlobalLpPool: globalPool,
  MaxRoiPool: maxRoiPool,
  RoiAlign: roiAlign,
  MaxUnpool: maxUnpool,
  Gemm: gemm,
  MatMul: matmul(),
  MatMulInteger: matmul(DataType.INT32),
  QLinearMatMul: qlinearMatMul,
  Einsum: einsum,
  // tensor manipulation
  Reshape: reshape,
  Flatten: flatten,
  Transpose: transpose,
  Squeeze: squeeze,
  Unsqueeze: unsqueeze,
  Concat: concat,
  Split: split,
  Slice: slice,
  Gather: gather,
  GatherND: gatherND,
  GatherElements: (c) => {
    const x = need(c, 0);
    return [out(x.dtype, need(c, 1).shape)];
  },
  ScatterElements: sameAs0,
  Scatter: sameAs0,
  ScatterND: sameAs0,
  Expand: expand,
  Tile: tile,
  Pad: pad,
  Resize: resize,
  Upsample: upsample,
  DepthToSpace: depthToSpace,
  SpaceToDepth: spaceToDepth,
  Crop: crop,
  Shape: shapeOp,
  Size: sizeOp,
  Constant: constant,
  ConstantOfShape: constantOfShape,
  Range: range,
  OneHot: oneHot,
  TopK: topK,
  NonZero: nonZero,
  Compress: compress,
  ArgMax: argReduce,
  ArgMin: argReduce,
  ReduceSum: reduce(undefined, 13),
  ReduceMean: reduce(),
  ReduceMax: reduce(),
  ReduceMin: reduce(),
  ReduceProd: reduce(),
  ReduceL1: reduce(),
  ReduceL2: reduce(),
  ReduceLogSum: reduce(),
  ReduceLogSumExp: reduce(),
  ReduceSumSquare: reduce(),
  LSTM: rnn(4, true),
  GRU: rnn(3, false),
  RNN: rnn(1, false),
  If: ifOp,
  Loop: loop,
  Scan: scan,
  SequenceConstruct: sequenceConstruct,
  SequenceEmpty: sequenceEmpty,
  SequenceInsert: sequenceInsert,
  SequenceErase: sequenceErase,
  SequenceAt: sequenceAt,
  SequenceLength: sequenceLength,
  SplitToSequence: splitToSequence,
  ConcatFromSequence: concatFromSequence,
  Optional: optionalOp,
  OptionalGetElement: optionalGetElement,
  OptionalHasElement: optionalHasElement,
  Det: det,
  GridSample: gridSample,
  AffineGrid: affineGrid,
  CenterCropPad: centerCropPad,
  Col2Im: col2im,
  HannWindow: windowOp,
  HammingWindow: windowOp,
  BlackmanWindow: windowOp,
  MelWeightMatrix: melWeight,
  DFT: dft,
  STFT: stft,
  Attention: attention,
  LinearAttention: linearAttention,
  RotaryEmbedding: sameAs0,
  TensorScatter: sameAs0,
  CausalConvWithState: causalConvWithState,
  BitCast: bitCast,
  SwiGLU: swiglu,
  CumProd: sameAs0,
  DeformConv: conv(undefined, 1, 0, false),
  NegativeLogLikelihoodLoss: lossOp(false),
  SoftmaxCrossEntropyLoss: lossOp(true),
  RegexFullMatch: unary(undefined, BOOL),
  StringConcat: (c) => [out(DataType.STRING, broadcast([need(c, 0).shape, need(c, 1).shape]))],
  TfIdfVectorizer: (c) => {
    const x = need(c, 0);
    const idx = aInts(c.attrs, "ngram_indexes") ?? [];
    const width = idx.length ? Math.max(...idx) + 1 : 0;
    if (!x.shape) return [out(DataType.FLOAT, null)];
    return [out(DataType.FLOAT, x.shape.length === 1 ? [width] : [x.shape[0], width])];
  },
};

/** ai.onnx.ml ops with data-independent shapes. */
const ML_OPS: Record<string, ShapeFn> = {
  Binarizer: sameAs0,
  Normalizer: (c) => [out(DataType.FLOAT, need(c, 0).shape)],
  Scaler: (c) => [out(DataType.FLOAT, need(c, 0).shape)],
  LabelEncoder: (c) => {
    const x = need(c, 0);
    const a = c.attrs;
    const dt = a.values_tensor
      ? (aTensor(a, "values_tensor")?.data_type ?? 0)
      : a.values_strings
        ? DataType.STRING
        : a.values_int64s
          ? I64
          : a.values_floats
            ? DataType.FLOAT
            : 0;
    return [out(dt, x.shape)];
  },
  ArrayFeatureExtractor: (c) => {
    const x = need(c, 0);
    const idx = need(c, 1);
    if (!x.shape || !idx.shape) return [out(x.dtype, null)];
    const k = prodDims(idx.shape);
    return [out(x.dtype, x.shape.length === 1 ? [1, k] : [...x.shape.slice(0, -1), k])];
  },
  TreeEnsemble: (c) => {
    const x = need(c, 0);
    return [out(x.dtype, x.shape ? [x.shape[0], aInt(c.attrs, "n_targets", 1)] : null)];
  },
};

const PREVIEW_OPS: Record<string, ShapeFn> = {
  FlexAttention: (c) => {
    const [q, , v] = [need(c, 0), need(c, 1), need(c, 2)];
    if (!q.shape || !v.shape) return [out(q.dtype, null)];
    return [out(q.dtype, [q.shape[0], q.shape[1], q.shape[2], v.shape[3]])];
  },
};

const TRAINING_OPS: Record<string, ShapeFn> = {
  Adagrad: optimizer(3, [0, 2]), Adam: optimizer(4, [0, 2, 3]), Momentum: optimizer(3, [0, 2]),
};

/** com.microsoft contrib ops used by the transformer networks of the corpus. */
export const MS_OPS: Record<string, ShapeFn> = {
  FastGelu: sameAs0, BiasGelu: sameAs0, Gelu: sameAs0, QuickGelu: sameAs0, BiasAdd: sameAs0,
  Attention: attentionMs, EmbedLayerNormalization: embedLayerNorm,
  SkipLayerNormalization: skipLayerNorm, SkipSimplifiedLayerNormalization: skipLayerNorm,
  LayerNormalization: layerNorm, SimplifiedLayerNormalization: layerNorm,
  GroupQueryAttention: gqa, FusedMatMul: fusedMatMul, FusedConv: conv(),
};

/** Every op with a shape rule, as "op" (ai.onnx) or "domain::op". */
export const SUPPORTED_OPS: readonly string[] = [
  ...Object.keys(OPS),
  ...Object.keys(MS_OPS).map((o) => `com.microsoft::${o}`),
  ...Object.keys(ML_OPS).map((o) => `ai.onnx.ml::${o}`),
  ...Object.keys(PREVIEW_OPS).map((o) => `ai.onnx.preview::${o}`),
  ...Object.keys(TRAINING_OPS).map((o) => `ai.onnx.preview.training::${o}`),
].sort();

export function shapeRule(domain: string, opType: string): ShapeFn | undefined {
  if (domain === "") return OPS[opType];
  if (domain === "com.microsoft") return MS_OPS[opType];
  if (domain === "ai.onnx.ml") return ML_OPS[opType];
  if (domain === "ai.onnx.preview") return PREVIEW_OPS[opType];
  if (domain === "ai.onnx.preview.training") return TRAINING_OPS[opType];
  return undefined;
}
