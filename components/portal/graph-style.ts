/**
 * Colours of the model graph: by operator category (Netron-like groups) when no profile exists, and by
 * share of the measured kernel time (discrete buckets, so the legend is readable) when one does.
 */

export interface Category {
  label: string;
  fill: string;
  stroke: string;
}

const CAT = {
  layer: { label: "Conv / MatMul / Gemm", fill: "#dbe7fb", stroke: "#5b7fc7" },
  activation: { label: "Activation", fill: "#fbe1dc", stroke: "#c4604d" },
  pool: { label: "Pooling", fill: "#dcf1dd", stroke: "#4f9a55" },
  norm: { label: "Normalization", fill: "#d8efef", stroke: "#3f8f8f" },
  elementwise: { label: "Elementwise / math", fill: "#eee8fb", stroke: "#8168c4" },
  shape: { label: "Shape / data movement", fill: "#efe9e4", stroke: "#8d7564" },
  attention: { label: "Attention / contrib", fill: "#fdf0d2", stroke: "#c08a1e" },
  other: { label: "Other", fill: "#eef1f5", stroke: "#7b8798" },
  io: { label: "Graph input / output", fill: "#ffffff", stroke: "#334155" },
} satisfies Record<string, Category>;

export type CategoryKey = keyof typeof CAT;

const OPS: [CategoryKey, RegExp][] = [
  ["attention", /Attention|^Embed|^Skip|Gelu$|^Bias|Rotary|GroupQuery|MultiHead/],
  [
    "layer",
    /^(Conv|ConvTranspose|ConvInteger|QLinearConv|Gemm|MatMul|MatMulInteger|QLinearMatMul|FusedConv|FusedGemm|FusedMatMul|Einsum|LSTM|GRU|RNN|DeformConv)$/,
  ],
  ["norm", /Normalization|^LRN$|^LpNormalization$|LayerNorm/],
  ["pool", /Pool$|^GlobalMaxPool$|^MaxRoiPool$|^RoiAlign$/],
  [
    "activation",
    /^(Relu|LeakyRelu|PRelu|Sigmoid|HardSigmoid|HardSwish|Tanh|Elu|Selu|Celu|Gelu|Mish|Softplus|Softsign|Softmax|LogSoftmax|Hardmax|ThresholdedRelu|Clip|Swish|QuickGelu)$/,
  ],
  [
    "shape",
    /^(Reshape|Flatten|Squeeze|Unsqueeze|Transpose|Concat|Split|Slice|Gather|GatherElements|GatherND|Shape|Size|Expand|Tile|Pad|Cast|CastLike|Identity|Dropout|Resize|Upsample|DepthToSpace|SpaceToDepth|ScatterND|ScatterElements|Constant|ConstantOfShape|Range|Where|NonZero|OneHot|Compress|Trilu)$/,
  ],
  [
    "elementwise",
    /^(Add|Sub|Mul|Div|Pow|Sqrt|Exp|Log|Abs|Neg|Reciprocal|Floor|Ceil|Round|Sum|Mean|Max|Min|Erf|Sin|Cos|Equal|Less|Greater|LessOrEqual|GreaterOrEqual|And|Or|Not|Xor|Sign|Mod|BitShift)$|^Reduce|^ArgM|^CumSum$|^TopK$/,
  ],
];

export function category(op: string, kind: "op" | "input" | "output" = "op"): CategoryKey {
  if (kind !== "op") return "io";
  for (const [k, re] of OPS) if (re.test(op)) return k;
  return "other";
}

export const categoryStyle = (k: CategoryKey): Category => CAT[k];

/** Share buckets of measured kernel time, hottest first. */
export const SHARE_BUCKETS: { min: number; label: string; fill: string; stroke: string; text: string }[] = [
  { min: 0.1, label: "≥ 10%", fill: "#b91c1c", stroke: "#7f1d1d", text: "#ffffff" },
  { min: 0.05, label: "5–10%", fill: "#ea580c", stroke: "#9a3412", text: "#ffffff" },
  { min: 0.02, label: "2–5%", fill: "#fb923c", stroke: "#c2410c", text: "#1c1917" },
  { min: 0.01, label: "1–2%", fill: "#fdba74", stroke: "#ea580c", text: "#1c1917" },
  { min: 0.003, label: "0.3–1%", fill: "#fed7aa", stroke: "#f97316", text: "#1c1917" },
  { min: 0, label: "< 0.3%", fill: "#fff1e0", stroke: "#fdba74", text: "#1c1917" },
];
export const NO_TIME = { label: "no kernel time (fused away / not profiled)", fill: "#f1f5f9", stroke: "#94a3b8", text: "#475569" };

export function shareStyle(share: number | null): { fill: string; stroke: string; text: string } {
  if (share === null || share < 0) return NO_TIME;
  return SHARE_BUCKETS.find((b) => share >= b.min) ?? SHARE_BUCKETS[SHARE_BUCKETS.length - 1]!;
}

export const fmtUs = (us: number) => (us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(us < 10 ? 2 : 1)} µs`);
export function fmtBig(x: number | null): string {
  if (x === null) return "—";
  const a = Math.abs(x);
  if (a >= 1e12) return `${(x / 1e12).toFixed(2)} T`;
  if (a >= 1e9) return `${(x / 1e9).toFixed(2)} G`;
  if (a >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (a >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return String(x);
}
