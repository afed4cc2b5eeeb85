import { route } from "@/lib/api/http";
import { predictBody } from "@/lib/api/schemas/predict";
import { predictModels } from "@/lib/services/predictors";

export const dynamic = "force-dynamic";

/** POST /api/v1/predict {models: [{spec}|{onnx}|{modelId}], platforms?} → predicted latency per model × platform, with the predictor version. */
export const POST = route({ auth: "public", body: predictBody }, async ({ db, principal, body }) =>
  predictModels(
    db,
    principal,
    body.models.map((m) => ("onnx" in m ? { onnx: new Uint8Array(Buffer.from(m.onnx, "base64")) } : m)),
    { platforms: body.platforms },
  ),
);
