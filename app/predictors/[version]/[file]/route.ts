import { errorResponse } from "@/lib/api/http";
import { predictorVersionFile } from "@/lib/services/portal-predictor";

/**
 * GET /predictors/<version>/<file>: a trained predictor version's model.json / weights.bin from the
 * predictor store (NNLQ_PREDICTORS_DIR, default .data/predictors; legacy public/predictors read too), served
 * by the app so that versions promoted after `next start` load at once. Names are checked against strict
 * patterns (no path traversal); unknown → 404 JSON. A version never changes: cached for a year, immutable.
 */
export const dynamic = "force-dynamic";

export async function GET(_req: Request, ctx: { params: Promise<{ version: string; file: string }> }): Promise<Response> {
  try {
    const { version, file } = await ctx.params;
    const { bytes, contentType } = predictorVersionFile(version, file);
    return new Response(new Uint8Array(bytes), {
      headers: {
        "content-type": contentType,
        "content-length": String(bytes.byteLength),
        "cache-control": "public, max-age=31536000, immutable",
        "x-content-type-options": "nosniff",
      },
    });
  } catch (e) {
    return errorResponse(e, "GET /predictors");
  }
}
