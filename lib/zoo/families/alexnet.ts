/** AlexNet (Krizhevsky et al. 2012), torchvision layout, optional LRN as in the original paper. */
import { baseShape, makeDivisible, zOneOf, type FamilyDef } from "../spec";
import { z, zClasses } from "./common";

const RES = { min: 64 };
const CHANNELS = [64, 192, 384, 256, 256];
const schema = z.strictObject({
  ...baseShape("alexnet", RES),
  width: zOneOf([0.25, 0.375, 0.5, 0.75, 1, 1.25, 1.5]).default(1),
  stemKernel: zOneOf([7, 9, 11]).default(11),
  lrn: z.boolean().default(false),
  hidden: zOneOf([256, 512, 1024, 2048, 4096]).default(4096),
  classes: zClasses(),
});
type Spec = z.infer<typeof schema>;

export const alexnet: FamilyDef<Spec> = {
  family: "alexnet",
  summary: "5 convs (11×11 stride-4 stem), 3 max-pools, 3 fully connected layers",
  space: {
    width: "channel multiplier 0.25–1.5 on [64,192,384,256,256]",
    stemKernel: "first conv kernel 7, 9 or 11 (stride 4)",
    lrn: "local response normalisation after conv1/conv2 (original paper) or not (torchvision)",
    hidden: "fully connected width 256–4096",
  },
  resolution: RES,
  example: { width: 1, stemKernel: 11, lrn: false, hidden: 4096 },
  schema,
  sample(rng) {
    return {
      width: rng.pick([0.25, 0.375, 0.5, 0.75, 1, 1.25, 1.5]),
      stemKernel: rng.pick([7, 9, 11]),
      lrn: rng.bool(0.3),
      hidden: rng.pick([256, 512, 1024, 2048, 4096]),
    };
  },
  build(b, x, s) {
    const c = CHANNELS.map((v) => makeDivisible(v * s.width, 8));
    let y = b.act(b.conv(x, c[0], s.stemKernel, { stride: 4, pad: 2, bias: true }), "relu");
    if (s.lrn) y = b.lrn(y);
    y = b.maxPool(y, 3, 2);
    y = b.act(b.conv(y, c[1], 5, { bias: true }), "relu");
    if (s.lrn) y = b.lrn(y);
    y = b.maxPool(y, 3, 2);
    for (const ch of c.slice(2)) y = b.act(b.conv(y, ch, 3, { bias: true }), "relu");
    y = b.flatten(b.maxPool(y, 3, 2));
    y = b.act(b.gemm(y, s.hidden), "relu");
    y = b.act(b.gemm(y, s.hidden), "relu");
    return { logits: b.gemm(y, s.classes) };
  },
};
