/** ShuffleNetV2 (Ma et al. 2018): channel split, two-branch units, channel shuffle via Reshape/Transpose. */
import type { GraphBuilder, Tensor } from "../builder";
import { baseShape, zIntList, zOneOf, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";

/** Stage output channels and the final 1×1 conv per width (paper table 5). */
const CHANNELS: Record<number, number[]> = {
  0.5: [48, 96, 192, 1024],
  1: [116, 232, 464, 1024],
  1.5: [176, 352, 704, 1024],
  2: [244, 488, 976, 2048],
};
const RES = { min: 32 };
const schema = z.strictObject({
  ...baseShape("shufflenet", RES),
  width: zOneOf([0.5, 1, 1.5, 2]).default(1),
  depths: zIntList(3, 1, 16).default([4, 8, 4]),
  kernel: zOneOf([3, 5, 7]).default(3),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

function unit(b: GraphBuilder, x: Tensor, out: number, stride: number, k: number): Tensor {
  const half = out / 2;
  const branch = (t: Tensor) => {
    let y = b.convBnAct(t, half, 1, "relu");
    y = b.batchNorm(b.conv(y, half, k, { stride, group: half }));
    return b.convBnAct(y, half, 1, "relu");
  };
  let y: Tensor;
  if (stride === 1) {
    const [x1, x2] = b.split(x, 1, [x.shape[1] / 2, x.shape[1] / 2]);
    y = b.concat([x1, branch(x2)]);
  } else {
    const c = x.shape[1];
    const left = b.convBnAct(b.batchNorm(b.conv(x, c, k, { stride, group: c })), half, 1, "relu");
    y = b.concat([left, branch(x)]);
  }
  return b.channelShuffle(y, 2);
}

export const shufflenet: FamilyDef<Spec> = {
  family: "shufflenet",
  summary: "channel split → (identity ‖ 1×1-dw-1×1) → concat → channel shuffle",
  space: {
    width: "0.5× | 1× | 1.5× | 2× (paper channel tables)",
    depths: "units per stage [2–6, 4–12, 2–6] (paper [4,8,4])",
    kernel: "depthwise kernel 3 (70%) | 5 | 7 (ShuffleNetV2+ style)",
  },
  resolution: RES,
  example: { width: 1, depths: [4, 8, 4], kernel: 3 },
  schema,
  sample(rng) {
    return {
      width: rng.pick([0.5, 1, 1.5, 2]),
      depths: [rng.int(2, 6), rng.int(4, 12), rng.int(2, 6)],
      kernel: rng.bool(0.7) ? 3 : rng.pick([5, 7]),
    };
  },
  build(b, x, s) {
    const ch = CHANNELS[s.width];
    let y = b.maxPool(b.convBnAct(x, 24, 3, "relu", { stride: 2 }), 3, 2, 1);
    s.depths.forEach((n, stage) => {
      for (let i = 0; i < n; i++) y = unit(b, y, ch[stage], i === 0 ? 2 : 1, s.kernel);
    });
    y = b.convBnAct(y, ch[3], 1, "relu");
    return { logits: b.gemm(b.reduceMean(y, [2, 3], false), s.classes) };
  },
};
