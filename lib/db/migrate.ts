/**
 * Applies the SQL migrations in drizzle/ (written by `npm run db:generate`) with drizzle-orm's migrator,
 * then the data migrations SQL cannot express (lib/db/reidentify.ts: measurements of old-scheme hardware
 * slugs moved to the platforms of their recorded CPU identities; idempotent, so every start runs it).
 * Node only (reads the folder). A named lock serialises concurrent starts against one database.
 */
import path from "node:path";
import mysql from "mysql2/promise";
import { drizzle } from "drizzle-orm/mysql2";
import { migrate } from "drizzle-orm/mysql2/migrator";
import * as schema from "./schema";
import type { Db } from "./client";
import { reidentifyPlatforms, type ReidentifySummary } from "./reidentify";

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../drizzle");

export async function runMigrations(url: string, { log }: { log?: (line: string) => void } = {}): Promise<void> {
  const conn = await mysql.createConnection({ uri: url, timezone: "Z", multipleStatements: false });
  try {
    await conn.query("SET time_zone = '+00:00'");
    const [rows] = await conn.query("SELECT GET_LOCK('nnlq_migrate', 120) AS got");
    if ((rows as { got: number }[])[0]?.got !== 1) throw new Error("timed out waiting for the migration lock");
    try {
      await migrate(drizzle(conn), { migrationsFolder: MIGRATIONS_DIR });
      const summary = await reidentifyPlatforms(drizzle(conn, { schema, mode: "default" }) as unknown as Db);
      if (log) for (const line of describeReidentify(summary)) log(line);
    } finally {
      await conn.query("SELECT RELEASE_LOCK('nnlq_migrate')");
    }
  } finally {
    await conn.end();
  }
}

function describeReidentify(s: ReidentifySummary): string[] {
  const lines = Object.entries(s.moved).map(
    ([from, to]) => `hardware identity: ${from} → ${Object.entries(to).map(([slug, n]) => `${slug} (${n} measurements)`).join(", ")}`,
  );
  if (s.deleted.length) lines.push(`hardware identity: removed platforms ${s.deleted.join(", ")}`);
  if (s.deactivated.length) lines.push(`hardware identity: retired platforms ${s.deactivated.join(", ")}`);
  return lines;
}
