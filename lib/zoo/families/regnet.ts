/**
 * RegNetX / RegNetY (Radosavovic et al. 2020). A spec carries the stage depths and widths explicitly
 * (AnyNet parametrisation); the sampler draws them from the RegNet quantised-linear rule
 * u_j = w0 + wa·j, w_j = w0·wm^round(log(u_j/w0)/log(wm)) (rounded to 8), keeping 4-stage networks.
 */
import type { GraphBuilder, Tensor } from "../builder";
import type { Rng } from "../rng";
import { baseShape, zInt, zIntList, type FamilyDef } from "../spec";
import { poolClassifier, z, zClasses } from "./common";

const RES = { min: 32 };
const schema = z
  .strictObject({
    ...baseShape("regnet", RES),
    depths: zIntList(4, 1, 40).default([1, 1, 4, 7]),
    widths: z.array(zInt(8, 4096).refine((w) => w % 8 === 0, "widths must be multiples of 8")).length(4).default([24, 56, 152, 368]),
    groupWidth: zInt(1, 512).default(8),
    /** RegNetY: squeeze-excite (ratio 0.25 of the block input) in every block. */
    se: z.boolean().default(false),
    classes: zClasses(),
  })
  .refine((s) => s.widths.every((w) => w % Math.min(w, s.groupWidth) === 0), {
    message: "every stage width must be a multiple of the group width",
    path: ["groupWidth"],
  });
type Spec = z.infer<typeof schema>;

/** RegNet's quantised linear widths → per-stage [width, depth], adjusted to the group width. */
export function regnetStages(w0: number, wa: number, wm: number, d: number, g: number): { widths: number[]; depths: number[] } {
  const widths: number[] = [], depths: number[] = [];
  for (let j = 0; j < d; j++) {
    const k = Math.round(Math.log((w0 + wa * j) / w0) / Math.log(wm));
    let w = Math.round((w0 * wm ** k) / 8) * 8;
    const gw = Math.min(g, w);
    w = Math.max(8, Math.round(w / gw) * gw);
    if (widths.length && widths[widths.length - 1] === w) depths[depths.length - 1]++;
    else {
      widths.push(w);
      depths.push(1);
    }
  }
  return { widths, depths };
}

function sampleRegnet(rng: Rng) {
  for (;;) {
    const d = rng.int(8, 28), w0 = rng.step(16, 96, 8), wa = rng.step(8, 64, 0.5), wm = 2 + rng.int(0, 90) / 100;
    const groupWidth = rng.pick([8, 16, 24, 32, 48, 64]);
    const { widths, depths } = regnetStages(w0, wa, wm, d, groupWidth);
    const ok = widths.length === 4 && widths.every((w) => w % Math.min(w, groupWidth) === 0) && widths[3] <= 2048;
    if (ok) return { depths, widths, groupWidth, se: rng.bool() };
  }
}

function block(b: GraphBuilder, x: Tensor, w: number, stride: number, s: Spec): Tensor {
  const groups = w / Math.min(w, s.groupWidth);
  let y = b.convBnAct(x, w, 1, "relu");
  y = b.convBnAct(y, w, 3, "relu", { stride, group: groups });
  if (s.se) y = b.squeezeExcite(y, Math.max(1, Math.round(0.25 * x.shape[1])));
  y = b.batchNorm(b.conv(y, w, 1));
  const shortcut = stride !== 1 || x.shape[1] !== w ? b.batchNorm(b.conv(x, w, 1, { stride })) : x;
  return b.act(b.add(y, shortcut), "relu");
}

export const regnet: FamilyDef<Spec> = {
  family: "regnet",
  summary: "RegNetX/Y: 4 stages of residual bottleneck blocks with group convs (Y adds squeeze-excite)",
  space: {
    depths: "blocks per stage, from the RegNet rule with total depth d = 8–28",
    widths: "stage widths from w0 = 16–96, wa = 8–64, wm = 2.0–2.9 (quantised linear), 4 stages",
    groupWidth: "8 | 16 | 24 | 32 | 48 | 64",
    se: "RegNetY squeeze-excite or RegNetX (50/50)",
  },
  resolution: RES,
  example: { depths: [1, 1, 4, 7], widths: [24, 56, 152, 368], groupWidth: 8, se: false },
  schema,
  sample: sampleRegnet,
  build(b, x, s) {
    let y = b.convBnAct(x, 32, 3, "relu", { stride: 2 });
    s.depths.forEach((n, i) => {
      for (let j = 0; j < n; j++) y = block(b, y, s.widths[i], j === 0 ? 2 : 1, s);
    });
    return poolClassifier(b, y, s.classes);
  },
};
