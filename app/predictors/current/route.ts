import { errorResponse, json } from "@/lib/api/http";
import { getDb } from "@/lib/db/client";
import { currentPredictor } from "@/lib/services/portal-predictor";

/**
 * GET /predictors/current: `{predictor: {url, version, method, platforms} | null}`, the version the browser
 * preview loads now (the promoted one). Pages are cached (the home page for a minute): the preview asks
 * here when it starts, so a version promoted a moment ago is used without waiting for the page to refresh.
 */
export const dynamic = "force-dynamic";

export async function GET(): Promise<Response> {
  try {
    let db = null;
    try {
      db = getDb();
    } catch {
      /* no database configured: the files alone name the predictor */
    }
    return json({ predictor: await currentPredictor(db) });
  } catch (e) {
    return errorResponse(e, "GET /predictors/current");
  }
}
