import { otherMethods, route } from "@/lib/api/http";
import { claimBody } from "@/lib/api/schemas/worker";
import { claim } from "@/lib/services/jobs";

export const dynamic = "force-dynamic";

/** POST /api/v1/worker/claim (X-Device-Token) {waitSeconds?} → {job | null}; long-polls up to waitSeconds (≤ 30). */
export const POST = route({ auth: "device", body: claimBody }, async ({ req, db, device, body }) => ({
  job: await claim(db, device, { waitSeconds: body.waitSeconds, signal: req.signal }),
}));

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
