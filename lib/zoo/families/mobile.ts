/** The inverted-residual (MBConv) block shared by MobileNetV2/V3, MnasNet, EfficientNet and the detector. */
import type { Activation, GraphBuilder, Tensor } from "../builder";

export interface MBConv {
  out: number;
  /** Expanded (hidden) channels; equal to the input channels means no expansion conv. */
  hidden: number;
  kernel: number;
  stride: number;
  /** Depthwise dilation (DeepLab's dilated backbones; default 1). */
  dilation?: number;
  act: Activation;
  se?: { reduced: number; act: Activation; gate: Activation };
}

export function mbconv(b: GraphBuilder, x: Tensor, m: MBConv): Tensor {
  let y = m.hidden !== x.shape[1] ? b.convBnAct(x, m.hidden, 1, m.act) : x;
  y = b.convBnAct(y, m.hidden, m.kernel, m.act, { stride: m.stride, group: m.hidden, dilation: m.dilation });
  if (m.se) y = b.squeezeExcite(y, m.se.reduced, m.se.act, m.se.gate);
  y = b.batchNorm(b.conv(y, m.out, 1));
  return m.stride === 1 && x.shape[1] === m.out ? b.add(y, x) : y;
}

/** MobileNetV2's stage table: [expansion t, channels c, repeats n, stride s]. */
export const MBV2_STAGES = [
  [1, 16, 1, 1],
  [6, 24, 2, 2],
  [6, 32, 3, 2],
  [6, 64, 4, 2],
  [6, 96, 3, 1],
  [6, 160, 3, 2],
  [6, 320, 1, 1],
] as const;
