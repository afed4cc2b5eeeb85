import { route } from "@/lib/api/http";
import { claimBody, DEVICE_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { authenticateDevice } from "@/lib/services/devices";
import { claim } from "@/lib/services/jobs";

export const dynamic = "force-dynamic";

/** POST /api/v1/worker/claim (X-Device-Token) {waitSeconds?} → {job | null}; long-polls up to waitSeconds (≤ 30). */
export const POST = route({ auth: "public", body: claimBody }, async ({ req, db, body }) => {
  const auth = await authenticateDevice(db, req.headers.get(DEVICE_TOKEN_HEADER));
  return { job: await claim(db, auth, { waitSeconds: body.waitSeconds, signal: req.signal }) };
});
