/**
 * Applies the SQL migrations in drizzle/ (written by `npm run db:generate`) with drizzle-orm's migrator.
 * Node only (reads the folder). A named lock serialises concurrent starts against one database.
 */
import path from "node:path";
import mysql from "mysql2/promise";
import { drizzle } from "drizzle-orm/mysql2";
import { migrate } from "drizzle-orm/mysql2/migrator";

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, "../../drizzle");

export async function runMigrations(url: string): Promise<void> {
  const conn = await mysql.createConnection({ uri: url, timezone: "Z", multipleStatements: false });
  try {
    await conn.query("SET time_zone = '+00:00'");
    const [rows] = await conn.query("SELECT GET_LOCK('nnlq_migrate', 120) AS got");
    if ((rows as { got: number }[])[0]?.got !== 1) throw new Error("timed out waiting for the migration lock");
    try {
      await migrate(drizzle(conn), { migrationsFolder: MIGRATIONS_DIR });
    } finally {
      await conn.query("SELECT RELEASE_LOCK('nnlq_migrate')");
    }
  } finally {
    await conn.end();
  }
}
