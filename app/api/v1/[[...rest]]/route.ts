import { unknownRoute } from "@/lib/api/http";

/** Any /api/v1 path no route serves → 404 NOT_FOUND in the error shape (instead of the HTML 404 page), for every method. */
export const { GET, HEAD, OPTIONS, POST, PUT, PATCH, DELETE } = unknownRoute();
