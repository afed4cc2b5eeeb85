import { otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { predictBody } from "@/lib/api/schemas/predict";
import { PREDICT_ITEMS_PER_TOKEN, predictModels } from "@/lib/services/predictors";

export const dynamic = "force-dynamic";

/**
 * POST /api/v1/predict {models: [{spec}|{onnx, inputs?}|{modelId, inputs?}], platforms?} → predicted latency per
 * model × platform (at the input shapes given), with the predictor version.
 * Anonymous callers are rate-limited by item count (one token per started block of PREDICT_ITEMS_PER_TOKEN items).
 */
export const POST = route({ auth: "public", body: predictBody }, async ({ req, db, principal, body }) => {
  const tokens = Math.ceil(body.models.length / PREDICT_ITEMS_PER_TOKEN);
  for (let i = 0; i < tokens; i++) limitAnonymous(req, principal);
  return predictModels(
    db,
    principal,
    body.models.map((m) => ("onnx" in m ? { ...m, onnx: new Uint8Array(Buffer.from(m.onnx, "base64")) } : m)),
    { platforms: body.platforms },
  );
});

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
