/**
 * next-auth v4 configuration: email + password (credentials provider), JWT sessions (30 days) whose
 * `sub` is the user id. The sign-up endpoint is /api/v1/auth/signup; sign-in is next-auth's own
 * /api/auth/callback/credentials, driven by the /signin page.
 */
import type { NextAuthOptions } from "next-auth";
import CredentialsProvider from "next-auth/providers/credentials";
import { getDb } from "@/lib/db/client";
import { verifyCredentials } from "@/lib/services/accounts";
import { authSecret } from "./secret";

export function authOptions(): NextAuthOptions {
  return {
    secret: authSecret(),
    session: { strategy: "jwt", maxAge: 30 * 24 * 3600 },
    pages: { signIn: "/signin" },
    providers: [
      CredentialsProvider({
        name: "Email and password",
        credentials: { email: { label: "Email", type: "email" }, password: { label: "Password", type: "password" } },
        async authorize(credentials) {
          if (!credentials?.email || !credentials.password) return null;
          const user = await verifyCredentials(getDb(), { email: credentials.email, password: credentials.password });
          return user ? { id: String(user.id), email: user.email, name: user.name } : null;
        },
      }),
    ],
  };
}
