import NextAuth from "next-auth";
import { authOptions } from "@/lib/auth/options";

// Options are built per request so the build never needs a secret or a database.
const handler = (req: Request, ctx: { params: Promise<{ nextauth: string[] }> }) =>
  NextAuth(req as never, ctx as never, authOptions()) as Promise<Response>;

export { handler as GET, handler as POST };
