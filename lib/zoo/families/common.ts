/** Pieces shared by several families. */
import { z } from "zod";
import type { GraphBuilder, Tensor } from "../builder";
import { zInt } from "../spec";

/** Classes of the classifier head (not sampled: ImageNet's 1000 unless a spec says otherwise). */
export const zClasses = (d = 1000) => zInt(1, 100_000).default(d);

/** GlobalAveragePool → Flatten → Gemm, as torchvision classifiers export. */
export function poolClassifier(b: GraphBuilder, x: Tensor, classes: number): Record<string, Tensor> {
  return { logits: b.gemm(b.flatten(b.globalAvgPool(x)), classes) };
}

export { z };
