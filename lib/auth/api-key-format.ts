/** API key format `nnlq_<prefix>_<secret>`: 8-char visible prefix, 32-char secret; stored as sha256(key). */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

const ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789";
const SECRET_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
export const API_KEY_PATTERN = /^nnlq_([a-z0-9]{8})_([A-Za-z0-9]{32})$/;

function randomString(n: number, alphabet: string): string {
  // rejection sampling keeps every character uniform
  let out = "";
  while (out.length < n) {
    for (const b of randomBytes(n * 2)) {
      if (b < 256 - (256 % alphabet.length)) out += alphabet[b % alphabet.length];
      if (out.length === n) break;
    }
  }
  return out;
}

export function generateApiKey(): { key: string; prefix: string; hash: string } {
  const prefix = randomString(8, ALPHABET);
  const key = `nnlq_${prefix}_${randomString(32, SECRET_ALPHABET)}`;
  return { key, prefix, hash: hashApiKey(key) };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export function parseApiKey(key: string): { prefix: string } | null {
  const m = API_KEY_PATTERN.exec(key);
  return m ? { prefix: m[1]! } : null;
}

export function sameHash(a: string, b: string): boolean {
  const x = Buffer.from(a, "hex");
  const y = Buffer.from(b, "hex");
  return x.length === y.length && timingSafeEqual(x, y);
}
