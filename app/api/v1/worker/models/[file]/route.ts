import { otherMethods, route } from "@/lib/api/http";
import { workerModelParams } from "@/lib/api/schemas/worker";
import { modelBytesForDevice } from "@/lib/services/jobs";

/** GET /api/v1/worker/models/:modelId.onnx (X-Device-Token) → structure-only ONNX of a model the device holds a job for. */
export const GET = route({ auth: "device", params: workerModelParams }, async ({ db, device, params }) => {
  const bytes = await modelBytesForDevice(db, device, parseInt(params.file, 10));
  return new Response(bytes as BodyInit, {
    headers: { "content-type": "application/octet-stream", "content-length": String(bytes.byteLength), "cache-control": "no-store" },
  });
});

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
