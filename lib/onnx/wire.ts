/**
 * Hand-written protobuf wire decoder for the ONNX messages (isomorphic, no dependencies).
 *
 * Why not protobufjs' decode: (1) bytes fields (raw_data) must stay zero-copy views of the input; (2) packed
 * float_data / double_data of FLOAT / DOUBLE tensors are surfaced as a raw_data view instead of being
 * converted into JS number arrays (same little-endian layout, so this is lossless); (3) errors must say
 * precisely whether the input ended early (WireError kind "eof") or is not protobuf at all ("invalid");
 * (4) nesting depth is bounded so hostile inputs cannot blow the stack.
 * Field numbers follow onnx.proto (see onnx.proto.ts). Unknown fields are skipped.
 */
import type {
  AttributeProto, Dimension, FunctionProto, GraphProto, ModelProto, NodeProto, OperatorSetId, SparseTensorProto,
  StringStringEntry, TensorProto, TensorShape, TypeProto, ValueInfo,
} from "./messages";

export class WireError extends Error {
  constructor(readonly kind: "eof" | "invalid", message: string, readonly offset: number) {
    super(message);
    this.name = "WireError";
  }
}

const MAX_DEPTH = 64;
const utf8 = new TextDecoder("utf-8", { fatal: false });

class Reader {
  pos: number;
  constructor(readonly buf: Uint8Array, start: number, readonly end: number, readonly depth: number) {
    this.pos = start;
  }

  eof(what: string): never {
    throw new WireError("eof", `unexpected end of data while reading ${what} at byte ${this.pos}`, this.pos);
  }

  /** Varint as a JS number, interpreting the 64-bit value as two's-complement signed (int64 semantics). */
  varint(): number {
    const buf = this.buf;
    let lo = 0;
    let hi = 0;
    let shift = 0;
    let b: number;
    // low 28 bits
    for (; shift < 28; shift += 7) {
      if (this.pos >= this.end) this.eof("varint");
      b = buf[this.pos++];
      lo |= (b & 0x7f) << shift;
      if (b < 0x80) return lo >>> 0;
    }
    // byte 5: 4 bits into lo, 3 bits into hi
    if (this.pos >= this.end) this.eof("varint");
    b = buf[this.pos++];
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      let done = false;
      for (shift = 3; shift < 32; shift += 7) {
        if (this.pos >= this.end) this.eof("varint");
        b = buf[this.pos++];
        hi |= (b & 0x7f) << shift;
        if (b < 0x80) { done = true; break; }
      }
      if (!done) throw new WireError("invalid", `varint longer than 10 bytes at byte ${this.pos}`, this.pos);
    }
    lo >>>= 0;
    hi >>>= 0;
    if (hi >= 0x80000000) return (hi - 0x100000000) * 0x100000000 + lo; // negative int64
    return hi * 0x100000000 + lo;
  }

  /** Unsigned 64-bit varint as a JS number (uint64_data). */
  uvarint(): number {
    const v = this.varint();
    return v < 0 ? v + 18446744073709551616 : v;
  }

  int32(): number {
    return this.varint() | 0;
  }

  fixed32Float(): number {
    if (this.pos + 4 > this.end) this.eof("float");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 4).getFloat32(0, true);
    this.pos += 4;
    return v;
  }

  fixed64Double(): number {
    if (this.pos + 8 > this.end) this.eof("double");
    const v = new DataView(this.buf.buffer, this.buf.byteOffset + this.pos, 8).getFloat64(0, true);
    this.pos += 8;
    return v;
  }

  /** Length-delimited payload as a zero-copy view. */
  bytes(): Uint8Array {
    const len = this.varint();
    if (len < 0) throw new WireError("invalid", `negative length at byte ${this.pos}`, this.pos);
    if (this.pos + len > this.end) this.eof("bytes");
    const v = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return v;
  }

  string(): string {
    const b = this.bytes();
    if (b.length < 64) {
      let ascii = true;
      for (let i = 0; i < b.length; i++) if (b[i] >= 0x80) { ascii = false; break; }
      if (ascii) return String.fromCharCode.apply(null, b as unknown as number[]);
    }
    return utf8.decode(b);
  }

  /** Sub-reader over a nested message. */
  sub(): Reader {
    if (this.depth >= MAX_DEPTH) throw new WireError("invalid", `messages nested deeper than ${MAX_DEPTH}`, this.pos);
    const len = this.varint();
    if (len < 0) throw new WireError("invalid", `negative length at byte ${this.pos}`, this.pos);
    if (this.pos + len > this.end) this.eof("message");
    const r = new Reader(this.buf, this.pos, this.pos + len, this.depth + 1);
    this.pos += len;
    return r;
  }

  tag(): [number, number] {
    const t = this.varint();
    const field = Math.floor(t / 8);
    const wire = t & 7;
    if (field < 1 || field > 536870911) throw new WireError("invalid", `invalid field number ${field} at byte ${this.pos}`, this.pos);
    return [field, wire];
  }

  skip(wire: number): void {
    switch (wire) {
      case 0: this.varint(); return;
      case 1: if (this.pos + 8 > this.end) this.eof("fixed64"); this.pos += 8; return;
      case 2: this.bytes(); return;
      case 5: if (this.pos + 4 > this.end) this.eof("fixed32"); this.pos += 4; return;
      default: throw new WireError("invalid", `invalid wire type ${wire} at byte ${this.pos}`, this.pos);
    }
  }

  expect(wire: number, want: number, what: string): void {
    if (wire !== want) throw new WireError("invalid", `field ${what} has wire type ${wire}, expected ${want} (byte ${this.pos})`, this.pos);
  }

  /** Repeated varint field, packed or not. */
  varints(wire: number, out: number[], unsigned = false): void {
    if (wire === 2) {
      const r = this.sub();
      while (r.pos < r.end) out.push(unsigned ? r.uvarint() : r.varint());
    } else if (wire === 0) out.push(unsigned ? this.uvarint() : this.varint());
    else throw new WireError("invalid", `bad wire type ${wire} for repeated varint (byte ${this.pos})`, this.pos);
  }
}

function push<T>(arr: T[] | undefined, v: T): T[] {
  if (arr) { arr.push(v); return arr; }
  return [v];
}

function decodeStringString(r: Reader): StringStringEntry {
  const m: StringStringEntry = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) m.key = r.string();
    else if (f === 2 && w === 2) m.value = r.string();
    else r.skip(w);
  }
  return m;
}

function decodeOpset(r: Reader): OperatorSetId {
  const m: OperatorSetId = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) m.domain = r.string();
    else if (f === 2 && w === 0) m.version = r.varint();
    else r.skip(w);
  }
  return m;
}

/** Packed fixed-width field kept as a view until we know the tensor's data_type. */
interface PackedView { field: number; bytes: Uint8Array }

function decodeTensor(r: Reader): TensorProto {
  const m: TensorProto = {};
  let packed: PackedView[] | undefined;
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.varints(w, (m.dims ??= [])); break;
      case 2: r.expect(w, 0, "data_type"); m.data_type = r.int32(); break;
      case 4: // float_data
        if (w === 2) (packed ??= []).push({ field: 4, bytes: r.bytes() });
        else { r.expect(w, 5, "float_data"); (m.float_data ??= []).push(r.fixed32Float()); }
        break;
      case 5: r.varints(w, (m.int32_data ??= [])); break;
      case 6: r.expect(w, 2, "string_data"); m.string_data = push(m.string_data, r.bytes()); break;
      case 7: r.varints(w, (m.int64_data ??= [])); break;
      case 8: r.expect(w, 2, "name"); m.name = r.string(); break;
      case 9: r.expect(w, 2, "raw_data"); m.raw_data = r.bytes(); break;
      case 10: // double_data
        if (w === 2) (packed ??= []).push({ field: 10, bytes: r.bytes() });
        else { r.expect(w, 1, "double_data"); (m.double_data ??= []).push(r.fixed64Double()); }
        break;
      case 11: r.varints(w, (m.uint64_data ??= []), true); break;
      case 12: r.expect(w, 2, "doc_string"); m.doc_string = r.string(); break;
      case 13: r.expect(w, 2, "external_data"); m.external_data = push(m.external_data, decodeStringString(r.sub())); break;
      case 14: r.expect(w, 0, "data_location"); m.data_location = r.int32(); break;
      default: r.skip(w);
    }
  }
  if (packed) resolvePacked(m, packed, r.pos);
  return m;
}

/**
 * Packed float_data of a FLOAT/COMPLEX64 tensor (and double_data of DOUBLE/COMPLEX128) has exactly the
 * raw_data layout: expose it as a zero-copy raw_data view. Otherwise convert to numbers.
 */
function resolvePacked(m: TensorProto, packed: PackedView[], pos: number): void {
  const dt = m.data_type ?? 0;
  const single = packed.length === 1 && !m.raw_data && !m.float_data && !m.double_data;
  if (single && ((packed[0].field === 4 && (dt === 1 || dt === 14)) || (packed[0].field === 10 && (dt === 11 || dt === 15)))) {
    const width = packed[0].field === 4 ? 4 : 8;
    if (packed[0].bytes.length % width !== 0)
      throw new WireError("invalid", "packed tensor data length is not a multiple of the element size", pos);
    m.raw_data = packed[0].bytes;
    return;
  }
  for (const p of packed) {
    const width = p.field === 4 ? 4 : 8;
    if (p.bytes.length % width !== 0)
      throw new WireError("invalid", "packed tensor data length is not a multiple of the element size", pos);
    const dv = new DataView(p.bytes.buffer, p.bytes.byteOffset, p.bytes.byteLength);
    const out = p.field === 4 ? (m.float_data ??= []) : (m.double_data ??= []);
    for (let i = 0; i < p.bytes.length; i += width) out.push(width === 4 ? dv.getFloat32(i, true) : dv.getFloat64(i, true));
  }
}

function decodeSparse(r: Reader): SparseTensorProto {
  const m: SparseTensorProto = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) m.values = decodeTensor(r.sub());
    else if (f === 2 && w === 2) m.indices = decodeTensor(r.sub());
    else if (f === 3) r.varints(w, (m.dims ??= []));
    else r.skip(w);
  }
  return m;
}

function decodeDimension(r: Reader): Dimension {
  const m: Dimension = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    if (f === 1 && w === 0) { m.dim_value = r.varint(); delete m.dim_param; }
    else if (f === 2 && w === 2) { m.dim_param = r.string(); delete m.dim_value; }
    else if (f === 3 && w === 2) m.denotation = r.string();
    else r.skip(w);
  }
  return m;
}

function decodeShape(r: Reader): TensorShape {
  const m: TensorShape = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) m.dim = push(m.dim, decodeDimension(r.sub()));
    else r.skip(w);
  }
  return m;
}

function decodeTensorType(r: Reader): { elem_type?: number; shape?: TensorShape } {
  const m: { elem_type?: number; shape?: TensorShape } = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    if (f === 1 && w === 0) m.elem_type = r.int32();
    else if (f === 2 && w === 2) m.shape = decodeShape(r.sub());
    else r.skip(w);
  }
  return m;
}

function decodeTypeProto(r: Reader): TypeProto {
  const m: TypeProto = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    if (w !== 2) { r.skip(w); continue; }
    switch (f) {
      case 1: m.tensor_type = decodeTensorType(r.sub()); break;
      case 4: m.sequence_type = { elem_type: decodeInner(r.sub()) }; break;
      case 5: { // map
        const s = r.sub();
        const mt: { key_type?: number; value_type?: TypeProto } = {};
        while (s.pos < s.end) {
          const [f2, w2] = s.tag();
          if (f2 === 1 && w2 === 0) mt.key_type = s.int32();
          else if (f2 === 2 && w2 === 2) mt.value_type = decodeTypeProto(s.sub());
          else s.skip(w2);
        }
        m.map_type = mt;
        break;
      }
      case 9: m.optional_type = { elem_type: decodeInner(r.sub()) }; break;
      case 8: m.sparse_tensor_type = decodeTensorType(r.sub()); break;
      case 7: {
        const s = r.sub();
        const o: { domain?: string; name?: string } = {};
        while (s.pos < s.end) {
          const [f2, w2] = s.tag();
          if (f2 === 1 && w2 === 2) o.domain = s.string();
          else if (f2 === 2 && w2 === 2) o.name = s.string();
          else s.skip(w2);
        }
        m.opaque_type = o;
        break;
      }
      case 6: m.denotation = r.string(); break;
      default: r.skip(w);
    }
  }
  return m;
}

/** Sequence/Optional wrapper: { elem_type: TypeProto } (field 1). */
function decodeInner(r: Reader): TypeProto | undefined {
  let t: TypeProto | undefined;
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) t = decodeTypeProto(r.sub());
    else r.skip(w);
  }
  return t;
}

function decodeValueInfo(r: Reader): ValueInfo {
  const m: ValueInfo = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    if (f === 1 && w === 2) m.name = r.string();
    else if (f === 2 && w === 2) m.type = decodeTypeProto(r.sub());
    else if (f === 3 && w === 2) m.doc_string = r.string();
    else r.skip(w);
  }
  return m;
}

function decodeAttribute(r: Reader): AttributeProto {
  const m: AttributeProto = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.expect(w, 2, "name"); m.name = r.string(); break;
      case 21: r.expect(w, 2, "ref_attr_name"); m.ref_attr_name = r.string(); break;
      case 20: r.expect(w, 0, "type"); m.type = r.int32(); break;
      case 2: r.expect(w, 5, "f"); m.f = r.fixed32Float(); break;
      case 3: r.expect(w, 0, "i"); m.i = r.varint(); break;
      case 4: r.expect(w, 2, "s"); m.s = r.bytes(); break;
      case 5: r.expect(w, 2, "t"); m.t = decodeTensor(r.sub()); break;
      case 6: r.expect(w, 2, "g"); m.g = decodeGraph(r.sub()); break;
      case 22: r.expect(w, 2, "sparse_tensor"); m.sparse_tensor = decodeSparse(r.sub()); break;
      case 14: r.expect(w, 2, "tp"); m.tp = decodeTypeProto(r.sub()); break;
      case 7: {
        const out = (m.floats ??= []);
        if (w === 2) { const s = r.sub(); while (s.pos < s.end) out.push(s.fixed32Float()); }
        else { r.expect(w, 5, "floats"); out.push(r.fixed32Float()); }
        break;
      }
      case 8: r.varints(w, (m.ints ??= [])); break;
      case 9: r.expect(w, 2, "strings"); m.strings = push(m.strings, r.bytes()); break;
      case 10: r.expect(w, 2, "tensors"); m.tensors = push(m.tensors, decodeTensor(r.sub())); break;
      case 11: r.expect(w, 2, "graphs"); m.graphs = push(m.graphs, decodeGraph(r.sub())); break;
      default: r.skip(w);
    }
  }
  return m;
}

function decodeNode(r: Reader): NodeProto {
  const m: NodeProto = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.expect(w, 2, "input"); m.input = push(m.input, r.string()); break;
      case 2: r.expect(w, 2, "output"); m.output = push(m.output, r.string()); break;
      case 3: r.expect(w, 2, "name"); m.name = r.string(); break;
      case 4: r.expect(w, 2, "op_type"); m.op_type = r.string(); break;
      case 7: r.expect(w, 2, "domain"); m.domain = r.string(); break;
      case 5: r.expect(w, 2, "attribute"); m.attribute = push(m.attribute, decodeAttribute(r.sub())); break;
      case 6: r.expect(w, 2, "doc_string"); m.doc_string = r.string(); break;
      default: r.skip(w);
    }
  }
  return m;
}

function decodeGraph(r: Reader): GraphProto {
  const m: GraphProto = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.expect(w, 2, "node"); m.node = push(m.node, decodeNode(r.sub())); break;
      case 2: r.expect(w, 2, "name"); m.name = r.string(); break;
      case 5: r.expect(w, 2, "initializer"); m.initializer = push(m.initializer, decodeTensor(r.sub())); break;
      case 15: r.expect(w, 2, "sparse_initializer"); m.sparse_initializer = push(m.sparse_initializer, decodeSparse(r.sub())); break;
      case 10: r.expect(w, 2, "doc_string"); m.doc_string = r.string(); break;
      case 11: r.expect(w, 2, "input"); m.input = push(m.input, decodeValueInfo(r.sub())); break;
      case 12: r.expect(w, 2, "output"); m.output = push(m.output, decodeValueInfo(r.sub())); break;
      case 13: r.expect(w, 2, "value_info"); m.value_info = push(m.value_info, decodeValueInfo(r.sub())); break;
      default: r.skip(w);
    }
  }
  return m;
}

function decodeFunction(r: Reader): FunctionProto {
  const m: FunctionProto = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.expect(w, 2, "name"); m.name = r.string(); break;
      case 4: r.expect(w, 2, "input"); m.input = push(m.input, r.string()); break;
      case 5: r.expect(w, 2, "output"); m.output = push(m.output, r.string()); break;
      case 6: r.expect(w, 2, "attribute"); m.attribute = push(m.attribute, r.string()); break;
      case 11: r.expect(w, 2, "attribute_proto"); m.attribute_proto = push(m.attribute_proto, decodeAttribute(r.sub())); break;
      case 7: r.expect(w, 2, "node"); m.node = push(m.node, decodeNode(r.sub())); break;
      case 9: r.expect(w, 2, "opset_import"); m.opset_import = push(m.opset_import, decodeOpset(r.sub())); break;
      case 10: r.expect(w, 2, "domain"); m.domain = r.string(); break;
      default: r.skip(w);
    }
  }
  return m;
}

/** Tag bytes that may start an ONNX ModelProto (a known field with the right wire type). */
const MODEL_FIRST_TAGS = new Set([0x08, 0x12, 0x1a, 0x22, 0x28, 0x32, 0x3a, 0x42, 0x72, 0xa2, 0xca]);

/** True when the first byte is a plausible ModelProto tag (used to tell "truncated" from "not protobuf"). */
export function plausibleModelStart(bytes: Uint8Array): boolean {
  return bytes.length > 0 && MODEL_FIRST_TAGS.has(bytes[0]);
}

export function decodeModelWire(bytes: Uint8Array): ModelProto {
  const r = new Reader(bytes, 0, bytes.length, 0);
  const m: ModelProto = {};
  while (r.pos < r.end) {
    const [f, w] = r.tag();
    switch (f) {
      case 1: r.expect(w, 0, "ir_version"); m.ir_version = r.varint(); break;
      case 8: r.expect(w, 2, "opset_import"); m.opset_import = push(m.opset_import, decodeOpset(r.sub())); break;
      case 2: r.expect(w, 2, "producer_name"); m.producer_name = r.string(); break;
      case 3: r.expect(w, 2, "producer_version"); m.producer_version = r.string(); break;
      case 4: r.expect(w, 2, "domain"); m.domain = r.string(); break;
      case 5: r.expect(w, 0, "model_version"); m.model_version = r.varint(); break;
      case 6: r.expect(w, 2, "doc_string"); m.doc_string = r.string(); break;
      case 7: r.expect(w, 2, "graph"); m.graph = decodeGraph(r.sub()); break;
      case 14: r.expect(w, 2, "metadata_props"); m.metadata_props = push(m.metadata_props, decodeStringString(r.sub())); break;
      case 25: r.expect(w, 2, "functions"); m.functions = push(m.functions, decodeFunction(r.sub())); break;
      default: r.skip(w);
    }
  }
  return m;
}

export function decodeTensorWire(bytes: Uint8Array): TensorProto {
  return decodeTensor(new Reader(bytes, 0, bytes.length, 0));
}
