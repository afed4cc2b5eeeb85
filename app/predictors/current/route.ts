import { errorResponse, json } from "@/lib/api/http";
import { currentPredictorInfo } from "@/lib/services/pages";

/**
 * GET /predictors/current: `{predictor: {url, version, method, platforms} | null}`, the version the browser
 * preview loads now (the promoted one). Pages are cached (the home page for a minute): the preview asks
 * here when it starts, so a version promoted a moment ago is used without waiting for the page to refresh.
 */
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    // without a database configured, the files alone name the predictor
    return json({ predictor: await currentPredictorInfo() });
  } catch (e) {
    return errorResponse(e, "GET /predictors/current");
  }
}
