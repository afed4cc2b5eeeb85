/**
 * NEXTAUTH_SECRET, or for local installs a random secret generated once into .data/nextauth-secret
 * (mode 0600, never committed). scripts/start.ts resolves it before starting Next so every process agrees.
 */
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

let cached: string | undefined;

export function authSecret(): string {
  const secret = env().NEXTAUTH_SECRET;
  if (secret) return secret;
  if (cached) return cached;
  const file = path.resolve(env().NNLQ_DATA_DIR ?? ".data", "nextauth-secret");
  try {
    cached = fs.readFileSync(file, "utf8").trim();
  } catch {
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const fresh = randomBytes(32).toString("base64url");
    try {
      fs.writeFileSync(file, fresh + "\n", { mode: 0o600, flag: "wx" });
      cached = fresh;
    } catch {
      cached = fs.readFileSync(file, "utf8").trim(); // another process wrote it first
    }
  }
  return cached;
}
