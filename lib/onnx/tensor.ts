/**
 * Tensor helpers (isomorphic): data-type facts, element counts, reading small tensor values, and writing
 * raw_data. Values are read only for small tensors (constant folding of shapes, axes, scales...): weight
 * bytes are never converted.
 */
import { bfloat16ToFloat, halfToFloat } from "./float16";
import { DataType, type TensorProto } from "./proto";

/** Bits per element of each DataType (0 = not a fixed-width numeric type). */
const BITS: Record<number, number> = {
  [DataType.FLOAT]: 32, [DataType.UINT8]: 8, [DataType.INT8]: 8, [DataType.UINT16]: 16, [DataType.INT16]: 16,
  [DataType.INT32]: 32, [DataType.INT64]: 64, [DataType.BOOL]: 8, [DataType.FLOAT16]: 16, [DataType.DOUBLE]: 64,
  [DataType.UINT32]: 32, [DataType.UINT64]: 64, [DataType.COMPLEX64]: 64, [DataType.COMPLEX128]: 128,
  [DataType.BFLOAT16]: 16, [DataType.FLOAT8E4M3FN]: 8, [DataType.FLOAT8E4M3FNUZ]: 8, [DataType.FLOAT8E5M2]: 8,
  [DataType.FLOAT8E5M2FNUZ]: 8, [DataType.UINT4]: 4, [DataType.INT4]: 4, [DataType.FLOAT4E2M1]: 4,
  [DataType.FLOAT8E8M0]: 8, [DataType.UINT2]: 2, [DataType.INT2]: 2,
};

/** Bytes per element (fractional for sub-byte types); strings and unknown types count 4 (a pointer-ish guess). */
export function bytesPerElement(dt: number): number {
  const b = BITS[dt];
  return b ? b / 8 : 4;
}

export function isFloatDtype(dt: number): boolean {
  return dt === DataType.FLOAT || dt === DataType.DOUBLE || dt === DataType.FLOAT16 || dt === DataType.BFLOAT16
    || (dt >= DataType.FLOAT8E4M3FN && dt <= DataType.FLOAT8E5M2FNUZ) || dt === DataType.FLOAT4E2M1 || dt === DataType.FLOAT8E8M0;
}

export function isIntDtype(dt: number): boolean {
  return dt === DataType.INT64 || dt === DataType.INT32 || dt === DataType.INT16 || dt === DataType.INT8
    || dt === DataType.UINT8 || dt === DataType.UINT16 || dt === DataType.UINT32 || dt === DataType.UINT64
    || dt === DataType.INT4 || dt === DataType.UINT4 || dt === DataType.INT2 || dt === DataType.UINT2;
}

/** Product of dims; NaN for negative dims. */
export function numElements(dims: readonly number[] | undefined): number {
  let n = 1;
  for (const d of dims ?? []) {
    if (!(d >= 0)) return NaN;
    n *= d;
  }
  return n;
}

export function isExternal(t: TensorProto): boolean {
  return t.data_location === 1 || (t.external_data?.length ?? 0) > 0;
}

/** Number of data elements actually stored in the tensor (any field), or -1 for external data. */
export function storedElements(t: TensorProto): number {
  if (isExternal(t)) return -1;
  const dt = t.data_type ?? 0;
  if (t.raw_data && t.raw_data.length > 0) {
    const bits = BITS[dt];
    return bits ? Math.floor((t.raw_data.length * 8) / bits) : t.raw_data.length;
  }
  const per = dt === DataType.COMPLEX64 || dt === DataType.COMPLEX128 ? 2 : 1;
  const n = (t.float_data?.length ?? 0) + (t.int32_data?.length ?? 0) + (t.string_data?.length ?? 0)
    + (t.int64_data?.length ?? 0) + (t.double_data?.length ?? 0) + (t.uint64_data?.length ?? 0);
  if (dt === DataType.UINT4 || dt === DataType.INT4 || dt === DataType.FLOAT4E2M1) return n * 2;
  if (dt === DataType.UINT2 || dt === DataType.INT2) return n * 4;
  return n / per;
}

/** True when the tensor carries its data inline (not external, not a declared-only "structure" tensor). */
export function hasInlineData(t: TensorProto): boolean {
  const n = numElements(t.dims);
  if (n === 0) return true;
  return storedElements(t) > 0;
}

/**
 * Read a tensor's values as JS numbers (int64 beyond 2^53 lose precision; bool → 0/1).
 * Returns undefined for strings, external data, sub-byte / float8 types, missing data, or more than `max` elements.
 */
export function readTensorValues(t: TensorProto, max = 1 << 16): number[] | undefined {
  const dt = t.data_type ?? 0;
  const n = numElements(t.dims);
  if (!(n >= 0) || n > max || isExternal(t)) return undefined;
  if (dt === DataType.STRING || dt === DataType.COMPLEX64 || dt === DataType.COMPLEX128) return undefined;
  const bits = BITS[dt];
  if (!bits || bits < 8 || (dt >= DataType.FLOAT8E4M3FN && dt <= DataType.FLOAT8E5M2FNUZ) || dt === DataType.FLOAT8E8M0) return undefined;
  if (n === 0) return [];
  const raw = t.raw_data;
  if (raw && raw.length > 0) {
    if (raw.length < (n * bits) / 8) return undefined;
    const dv = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) {
      switch (dt) {
        case DataType.FLOAT: out[i] = dv.getFloat32(i * 4, true); break;
        case DataType.DOUBLE: out[i] = dv.getFloat64(i * 8, true); break;
        case DataType.INT64: out[i] = Number(dv.getBigInt64(i * 8, true)); break;
        case DataType.UINT64: out[i] = Number(dv.getBigUint64(i * 8, true)); break;
        case DataType.INT32: out[i] = dv.getInt32(i * 4, true); break;
        case DataType.UINT32: out[i] = dv.getUint32(i * 4, true); break;
        case DataType.INT16: out[i] = dv.getInt16(i * 2, true); break;
        case DataType.UINT16: out[i] = dv.getUint16(i * 2, true); break;
        case DataType.INT8: out[i] = dv.getInt8(i); break;
        case DataType.UINT8: out[i] = dv.getUint8(i); break;
        case DataType.BOOL: out[i] = dv.getUint8(i) ? 1 : 0; break;
        case DataType.FLOAT16: out[i] = halfToFloat(dv.getUint16(i * 2, true)); break;
        case DataType.BFLOAT16: out[i] = bfloat16ToFloat(dv.getUint16(i * 2, true)); break;
        default: return undefined;
      }
    }
    return out;
  }
  let src: number[] | undefined;
  switch (dt) {
    case DataType.FLOAT: src = t.float_data; break;
    case DataType.DOUBLE: src = t.double_data; break;
    case DataType.INT64: src = t.int64_data; break;
    case DataType.UINT64: case DataType.UINT32: src = t.uint64_data; break;
    case DataType.FLOAT16: src = t.int32_data?.map((x) => halfToFloat(x & 0xffff)); break;
    case DataType.BFLOAT16: src = t.int32_data?.map((x) => bfloat16ToFloat(x & 0xffff)); break;
    case DataType.BOOL: src = t.int32_data?.map((x) => (x ? 1 : 0)); break;
    default: src = t.int32_data;
  }
  if (!src || src.length < n) return undefined;
  return src.length === n ? src.slice() : src.slice(0, n);
}

/** Write numbers as a tensor's raw_data in the dtype's little-endian layout (used for tiny tensors and tests). */
export function makeTensor(name: string, dtype: number, dims: number[], values: ArrayLike<number>): TensorProto {
  const bytes = new Uint8Array(Math.ceil(values.length * bytesPerElement(dtype)));
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    switch (dtype) {
      case DataType.FLOAT: dv.setFloat32(i * 4, v, true); break;
      case DataType.DOUBLE: dv.setFloat64(i * 8, v, true); break;
      case DataType.INT64: dv.setBigInt64(i * 8, BigInt(Math.trunc(v)), true); break;
      case DataType.INT32: dv.setInt32(i * 4, v, true); break;
      case DataType.INT8: dv.setInt8(i, v); break;
      case DataType.UINT8: case DataType.BOOL: dv.setUint8(i, v); break;
      default: throw new Error(`makeTensor: unsupported dtype ${dtype}`);
    }
  }
  return { name, data_type: dtype, dims, raw_data: bytes };
}
