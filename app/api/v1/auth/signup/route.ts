import { json, otherMethods, route } from "@/lib/api/http";
import { signupBody } from "@/lib/api/schemas";
import { signUp } from "@/lib/services/accounts";

/** POST /api/v1/auth/signup {email, password, name} → 201 {user}; duplicate email → 409. */
export const POST = route({ auth: "public", body: signupBody }, async ({ db, body }) =>
  json({ user: await signUp(db, body) }, 201),
);

export const { GET, HEAD, OPTIONS, PUT, PATCH, DELETE } = otherMethods({ POST });
