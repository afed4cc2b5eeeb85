/**
 * A throwaway database per test run, on the server nnlq would use (DATABASE_URL's server, else
 * 127.0.0.1:3306, else a private MariaDB under .data/). Shared by the vitest and e2e global setups.
 */
import { randomBytes } from "node:crypto";
import mysql from "mysql2/promise";
import { dropDatabase, ensureDatabase, resolveServer, withDatabase } from "@/lib/db/server";
import { runMigrations } from "@/lib/db/migrate";

export interface TestDatabase {
  url: string;
  name: string;
  drop(): Promise<void>;
}

const STALE_MS = 6 * 3600_000;

/** nnlq_test_<base36 ms>_<random>: the time lets a later run drop databases of killed runs. */
function testDbName(): string {
  return `nnlq_test_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`;
}

async function dropStale(serverUrl: string): Promise<void> {
  const conn = await mysql.createConnection({ uri: serverUrl });
  try {
    const [rows] = await conn.query("SHOW DATABASES LIKE 'nnlq\\_test\\_%'");
    for (const r of rows as Record<string, string>[]) {
      const name = Object.values(r)[0]!;
      const born = parseInt(name.split("_")[2] ?? "", 36);
      if (Number.isFinite(born) && Date.now() - born > STALE_MS) await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
    }
  } finally {
    await conn.end();
  }
}

export async function createTestDatabase(log: (l: string) => void = () => {}): Promise<TestDatabase> {
  const server = await resolveServer({ createDatabase: false, log });
  const name = testDbName();
  try {
    await dropStale(server.serverUrl).catch(() => {});
    await ensureDatabase(server.serverUrl, name);
    const url = withDatabase(server.serverUrl, name);
    await runMigrations(url);
    return {
      url,
      name,
      drop: async () => {
        try {
          await dropDatabase(server.serverUrl, name);
        } finally {
          await server.stop();
        }
      },
    };
  } catch (e) {
    await dropDatabase(server.serverUrl, name).catch(() => {});
    await server.stop();
    throw e;
  }
}
