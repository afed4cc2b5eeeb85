import { json, otherMethods, route } from "@/lib/api/http";
import { limitAnonymous } from "@/lib/api/rate-limit";
import { readUpload } from "@/lib/api/upload";
import { uploadLimit, uploadQuery } from "@/lib/api/schemas/models";
import { uploadModel } from "@/lib/services/query";

/**
 * POST /api/v1/models?name=&visibility=&teamId=&batch=&inputs=name%3D1x3x640x640 with the ONNX as the raw body (or multipart field
 * "file") → 201 {model, analysis, created, stored, stripped, ...} when stored, 200 for a known structure
 * or an anonymous lookup. Weights are stripped server-side; limit 256 MiB (413).
 */
export const POST = route({ auth: "public", query: uploadQuery }, async ({ req, db, principal, query }) => {
  limitAnonymous(req, principal);
  const { bytes, filename } = await readUpload(req, uploadLimit());
  const name = query.name ?? filename?.replace(/\.onnx$/i, "");
  const out = await uploadModel(db, principal, { ...query, name, bytes });
  return json(out, out.created ? 201 : 200);
});

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
