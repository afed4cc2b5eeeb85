import { json, otherMethods, route } from "@/lib/api/http";
import { openApiDocument } from "@/lib/api/openapi";

/** GET /api/v1/openapi.json → the OpenAPI 3.1 document of /api/v1 (generated from the zod schemas). */
export const GET = route({ auth: "public" }, ({ req }) =>
  json(openApiDocument(new URL(req.url).origin), 200, { "cache-control": "public, max-age=300" }),
);

export const { HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = otherMethods({ GET });
