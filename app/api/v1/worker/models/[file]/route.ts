import { route } from "@/lib/api/http";
import { workerModelParams, DEVICE_TOKEN_HEADER } from "@/lib/api/schemas/worker";
import { authenticateDevice } from "@/lib/services/devices";
import { modelBytesForDevice } from "@/lib/services/jobs";

/** GET /api/v1/worker/models/:modelId.onnx (X-Device-Token) → structure-only ONNX of a model the device holds a job for. */
export const GET = route({ auth: "public", params: workerModelParams }, async ({ req, db, params }) => {
  const bytes = await modelBytesForDevice(db, await authenticateDevice(db, req.headers.get(DEVICE_TOKEN_HEADER)), parseInt(params.file, 10));
  return new Response(bytes as BodyInit, {
    headers: { "content-type": "application/octet-stream", "content-length": String(bytes.byteLength), "cache-control": "no-store" },
  });
});
