/**
 * Small hand-built ONNX models with control flow (If / Loop / Scan / sequences) for the cost-model tests, and a
 * voice-activity-detector-shaped model built like Silero VAD: an If on the runtime sample rate whose branches
 * run an STFT as a strided Conv, a conv encoder and a two-layer LSTM iterated by a Loop that collects the new
 * states in sequences. Every count the tests expect is derived here from the layer sizes, not read back.
 */
import { DataType, type AttributeProto, type GraphProto, type NodeProto, type TensorProto, type ValueInfo } from "@/lib/onnx/proto";
import { makeTensor } from "@/lib/onnx/tensor";
import { model, node, vi } from "./helpers";

export const zeros = (name: string, dims: number[], dtype: number = DataType.FLOAT): TensorProto =>
  makeTensor(name, dtype, dims, new Array(dims.reduce((a, b) => a * b, 1)).fill(0));
export const i64 = (name: string, values: number[], dims: number[] = [values.length]): TensorProto =>
  makeTensor(name, DataType.INT64, dims, values);
export const bool = (name: string, v: boolean): TensorProto => makeTensor(name, DataType.BOOL, [], [v ? 1 : 0]);

export function graph(name: string, nodes: NodeProto[], inputs: ValueInfo[], outputs: ValueInfo[], inits: TensorProto[] = []): GraphProto {
  return { name, node: nodes, input: inputs, output: outputs, initializer: inits };
}

/** A node with graph attributes (If then_branch / else_branch, Loop / Scan body) besides plain ones. */
export function withGraphs(n: NodeProto, graphs: Record<string, GraphProto>): NodeProto {
  const attribute: AttributeProto[] = [...(n.attribute ?? []), ...Object.entries(graphs).map(([name, g]) => ({ name, type: 5, g }))];
  return { ...n, attribute };
}

/**
 * If on a runtime condition: then = x·W1 [8→16] · W3 [16→4] (128 + 64 MACs), else = x·W2 [8→4] (32 MACs).
 * `cond` given → the condition is a constant instead of a graph input.
 */
export function ifModel(cond?: boolean): Uint8Array {
  const thenG = graph("then", [node("MatMul", ["x", "W1"], ["t1"]), node("MatMul", ["t1", "W3"], ["t_out"])], [], [vi("t_out", [1, 4])]);
  const elseG = graph("else", [node("MatMul", ["x", "W2"], ["e_out"])], [], [vi("e_out", [1, 4])]);
  return model({
    nodes: [withGraphs(node("If", ["c"], ["y"]), { then_branch: thenG, else_branch: elseG })],
    inputs: [vi("x", [1, 8]), ...(cond === undefined ? [vi("c", [], DataType.BOOL)] : [])],
    outputs: [vi("y", [1, 4])],
    inits: [zeros("W1", [8, 16]), zeros("W3", [16, 4]), zeros("W2", [8, 4]), ...(cond === undefined ? [] : [bool("c", cond)])],
  });
}

/** Loop whose body is x·W [8→8] (64 MACs); M = `trips` (a constant), or a graph input when undefined. */
export function loopModel(trips?: number): Uint8Array {
  const body = graph(
    "body",
    [node("MatMul", ["x_in", "W"], ["x_out"]), node("Identity", ["c_in"], ["c_out"])],
    [vi("i", [], DataType.INT64), vi("c_in", [], DataType.BOOL), vi("x_in", [1, 8])],
    [vi("c_out", [], DataType.BOOL), vi("x_out", [1, 8])],
  );
  return model({
    nodes: [withGraphs(node("Loop", ["M", "cond", "x"], ["y"]), { body })],
    inputs: [vi("x", [1, 8]), ...(trips === undefined ? [vi("M", [], DataType.INT64)] : [])],
    outputs: [vi("y", [1, 8])],
    inits: [zeros("W", [8, 8]), bool("cond", true), ...(trips === undefined ? [] : [i64("M", [trips], [])])],
  });
}

/** Scan over `steps` rows of xs [steps, 8]: s = s + x_t; y_t = s·W [8→8] (64 MACs, 8 adds per step). */
export function scanModel(steps: number | string): Uint8Array {
  const body = graph(
    "body",
    [node("Add", ["s_in", "x_t"], ["s_out"]), node("MatMul", ["s_out", "W"], ["y_t"])],
    [vi("s_in", [1, 8]), vi("x_t", [8])],
    [vi("s_out", [1, 8]), vi("y_t", [1, 8])],
  );
  return model({
    nodes: [withGraphs(node("Scan", ["s0", "xs"], ["s_final", "ys"], { num_scan_inputs: 1 }), { body })],
    inputs: [vi("s0", [1, 8]), vi("xs", [steps, 8])],
    outputs: [vi("s_final", [1, 8]), vi("ys", [steps, 1, 8])],
    inits: [zeros("W", [8, 8])],
  });
}

/** Sizes of the VAD-shaped model (Silero VAD v4 layout: 64-wide two-layer LSTM, STFT by a strided Conv). */
export const VAD = { hidden: 64, layers: 2, samples: 512, branches: { k16: { win: 256, hop: 128 }, k8: { win: 128, hop: 64 } } };

/**
 * One sample-rate branch: Unsqueeze → reflect Pad (win/2 right) → STFT Conv [win+2 bins, 1, win] stride hop →
 * |X| (Slice, Pow, Add, Sqrt) → Conv(k3) Relu → Conv(k3, stride 2) Relu → Transpose to [T, 1, 64] → Loop over
 * the LSTM layers (M = 2; Gather of the layer's h/c, LSTM, Squeeze; new states SequenceInsert-ed) →
 * ConcatFromSequence → Conv(k1) Sigmoid ReduceMean head.
 */
function vadBranch(tag: string, win: number, hop: number): { g: GraphProto; inits: TensorProto[] } {
  const H = VAD.hidden;
  const bins = win / 2 + 1;
  const p = (s: string) => `${tag}_${s}`;
  const layerBody = graph(
    p("layer"),
    [
      node("Gather", ["h", "i"], [p("h0")], { axis: 0 }),
      node("Gather", ["c", "i"], [p("c0")], { axis: 0 }),
      node("Unsqueeze", [p("h0"), "axes0"], [p("h0u")]),
      node("Unsqueeze", [p("c0"), "axes0"], [p("c0u")]),
      node("LSTM", [p("x_in"), p("W"), p("R"), p("B"), "", p("h0u"), p("c0u")], [p("Y"), p("Yh"), p("Yc")], { hidden_size: H }),
      node("Squeeze", [p("Y"), "axes1"], [p("x_out")]),
      node("SequenceInsert", [p("hs_in"), p("Yh")], [p("hs_out")]),
      node("SequenceInsert", [p("cs_in"), p("Yc")], [p("cs_out")]),
      node("Identity", [p("cond_in")], [p("cond_out")]),
    ],
    [vi("i", [], DataType.INT64), vi(p("cond_in"), [], DataType.BOOL), vi(p("x_in"), ["T", 1, H]), seqVi(p("hs_in")), seqVi(p("cs_in"))],
    [vi(p("cond_out"), [], DataType.BOOL), vi(p("x_out"), ["T", 1, H]), seqVi(p("hs_out")), seqVi(p("cs_out"))],
  );
  const nodes: NodeProto[] = [
    node("Unsqueeze", ["input", "axes1"], [p("x3")]),
    node("Pad", [p("x3"), p("pads")], [p("xp")], { mode: "reflect" }),
    node("Conv", [p("xp"), p("basis")], [p("spec")], { strides: [hop] }),
    node("Slice", [p("spec"), "zero", p("half"), "one"], [p("re")]),
    node("Slice", [p("spec"), p("half"), p("full"), "one"], [p("im")]),
    node("Pow", [p("re"), "two"], [p("re2")]),
    node("Pow", [p("im"), "two"], [p("im2")]),
    node("Add", [p("re2"), p("im2")], [p("pw")]),
    node("Sqrt", [p("pw")], [p("mag")]),
    node("Conv", [p("mag"), p("E1")], [p("e1")], { pads: [1, 1] }),
    node("Relu", [p("e1")], [p("r1")]),
    node("Conv", [p("r1"), p("E2")], [p("e2")], { pads: [1, 1], strides: [2] }),
    node("Relu", [p("e2")], [p("r2")]),
    node("Transpose", [p("r2")], [p("seq")], { perm: [2, 0, 1] }),
    node("SequenceEmpty", [], [p("hs0")], { dtype: DataType.FLOAT }),
    node("SequenceEmpty", [], [p("cs0")], { dtype: DataType.FLOAT }),
    withGraphs(node("Loop", ["layers", "true", p("seq"), p("hs0"), p("cs0")], [p("lx"), p("hs"), p("cs")]), { body: layerBody }),
    node("ConcatFromSequence", [p("hs")], [p("hn")], { axis: 0 }),
    node("ConcatFromSequence", [p("cs")], [p("cn")], { axis: 0 }),
    node("Relu", [p("lx")], [p("dr")]),
    node("Transpose", [p("dr")], [p("dt")], { perm: [1, 2, 0] }),
    node("Conv", [p("dt"), p("D")], [p("d1")]),
    node("Sigmoid", [p("d1")], [p("sg")]),
    node("ReduceMean", [p("sg")], [p("out")], { axes: [2], keepdims: 0 }),
  ];
  const inits = [
    i64(p("pads"), [0, 0, 0, 0, 0, win / 2]),
    zeros(p("basis"), [2 * bins, 1, win]),
    i64(p("half"), [bins]),
    i64(p("full"), [2 * bins]),
    zeros(p("E1"), [128, bins, 3]),
    zeros(p("E2"), [H, 128, 3]),
    zeros(p("W"), [1, 4 * H, H]),
    zeros(p("R"), [1, 4 * H, H]),
    zeros(p("B"), [1, 8 * H]),
    zeros(p("D"), [1, H, 1]),
  ];
  const g = graph(p("branch"), nodes, [], [vi(p("out"), [1, 1]), vi(p("hn"), [VAD.layers, 1, H]), vi(p("cn"), [VAD.layers, 1, H])]);
  return { g, inits };
}

function seqVi(name: string): ValueInfo {
  return { name, type: { sequence_type: { elem_type: { tensor_type: { elem_type: DataType.FLOAT } } } } };
}

/** The VAD-shaped model; `samples` undefined → the input's length is symbolic ("samples"), as exported. */
export function vadModel(samples: number | string = "samples"): Uint8Array {
  const b16 = vadBranch("k16", VAD.branches.k16.win, VAD.branches.k16.hop);
  const b8 = vadBranch("k8", VAD.branches.k8.win, VAD.branches.k8.hop);
  const H = VAD.hidden;
  return model(
    {
      nodes: [
        node("Equal", ["sr", "sr16k"], ["is16k"]),
        withGraphs(node("If", ["is16k"], ["output", "hn", "cn"]), { then_branch: b16.g, else_branch: b8.g }),
      ],
      inputs: [vi("input", [1, samples]), vi("sr", [], DataType.INT64), vi("h", [VAD.layers, 1, H]), vi("c", [VAD.layers, 1, H])],
      outputs: [vi("output", [1, 1]), vi("hn", [VAD.layers, 1, H]), vi("cn", [VAD.layers, 1, H])],
      inits: [
        i64("sr16k", [16000], []), i64("axes0", [0]), i64("axes1", [1]), i64("zero", [0]), i64("one", [1]), i64("layers", [VAD.layers], []),
        makeTensor("two", DataType.FLOAT, [], [2]), bool("true", true), ...b16.inits, ...b8.inits,
      ],
    },
    { opset_import: [{ domain: "", version: 16 }] },
  );
}

/** MACs of one branch at `samples` input samples, from the layer sizes (the LSTM runs on T frames). */
export function vadBranchMacs(samples: number, win: number, hop: number): { macs: number; lstm: number } {
  const H = VAD.hidden;
  const bins = win / 2 + 1;
  const frames = Math.floor((samples + win / 2 - win) / hop) + 1;
  const t = Math.floor((frames + 2 - 3) / 2) + 1; // Conv k3 pad 1 stride 2
  const lstm = VAD.layers * t * 4 * H * (H + H);
  const macs = frames * 2 * bins * win + frames * 128 * bins * 3 + t * H * 128 * 3 + lstm + t * H;
  return { macs, lstm };
}
