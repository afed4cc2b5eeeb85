/**
 * Drizzle client over a mysql2 pool. Server-only.
 *
 *   getDb()          process-wide client for process.env.DATABASE_URL (Next server, workers, scripts)
 *   createDb(url)    a separate client you close yourself (tests, migrations, tools)
 *
 * Every connection runs in UTC so DATETIME values mean the same thing everywhere.
 */
import mysql from "mysql2/promise";
import { drizzle, type MySql2Database } from "drizzle-orm/mysql2";
import * as schema from "./schema";
import { NnlqError } from "@/lib/errors";

export type Db = MySql2Database<typeof schema>;
/** A drizzle transaction or the client itself: lib/db functions accept either. */
export type DbOrTx = Db | Parameters<Parameters<Db["transaction"]>[0]>[0];

export interface DbHandle {
  db: Db;
  pool: mysql.Pool;
  close(): Promise<void>;
}

export function createDb(url: string, opts: { connectionLimit?: number } = {}): DbHandle {
  const pool = mysql.createPool({
    uri: url,
    connectionLimit: opts.connectionLimit ?? 10,
    timezone: "Z",
    supportBigNumbers: true,
    enableKeepAlive: true,
    charset: "utf8mb4",
  });
  pool.on("connection", (conn) => {
    // mysql2's pool "connection" event hands the callback-style connection
    (conn as unknown as { query(sql: string): void }).query("SET time_zone = '+00:00'");
  });
  const db = drizzle(pool, { schema, mode: "default" });
  pools.set(db, pool);
  return { db, pool, close: () => pool.end() };
}

const pools = new WeakMap<Db, mysql.Pool>();

/**
 * Runs `fn` while holding the MySQL named lock `name`, on one pinned connection in autocommit mode, so
 * whatever `fn` writes is committed before the lock is released (unlike a lock taken inside a
 * transaction). For rare "check, then write" sections that row locks would deadlock on.
 */
export async function withNamedLock<T>(db: Db, name: string, fn: (pinned: Db) => Promise<T>, timeoutSeconds = 10): Promise<T> {
  const pool = pools.get(db);
  if (!pool) throw new Error("withNamedLock needs a client made by createDb() or getDb()");
  const conn = await pool.getConnection();
  try {
    const [rows] = await conn.query("SELECT GET_LOCK(?, ?) AS got", [name, timeoutSeconds]);
    if ((rows as { got: number | null }[])[0]?.got !== 1) {
      throw new NnlqError("DB_UNAVAILABLE", `Timed out after ${timeoutSeconds} s waiting for the database lock '${name}'`);
    }
    try {
      return await fn(drizzle(conn, { schema, mode: "default" }) as unknown as Db);
    } finally {
      await conn.query("SELECT RELEASE_LOCK(?)", [name]);
    }
  } finally {
    conn.release();
  }
}

const GLOBAL_KEY = Symbol.for("nnlq.db");
type GlobalWithDb = typeof globalThis & { [GLOBAL_KEY]?: { url: string; handle: DbHandle } };

/** The shared client for DATABASE_URL (kept on globalThis so Next dev reloads don't leak pools). */
export function getDb(): Db {
  const url = process.env.DATABASE_URL;
  if (!url) {
    throw new NnlqError(
      "DB_UNAVAILABLE",
      "DATABASE_URL is not set: start nnlq with `npm run up` (it finds or starts MySQL) or set DATABASE_URL",
    );
  }
  const g = globalThis as GlobalWithDb;
  const cached = g[GLOBAL_KEY];
  if (cached && cached.url === url) return cached.handle.db;
  if (cached) void cached.handle.close().catch(() => {});
  const handle = createDb(url);
  g[GLOBAL_KEY] = { url, handle };
  return handle.db;
}

/** Closes the shared client (scripts that must exit cleanly). */
export async function closeDb(): Promise<void> {
  const g = globalThis as GlobalWithDb;
  const cached = g[GLOBAL_KEY];
  g[GLOBAL_KEY] = undefined;
  if (cached) await cached.handle.close();
}

export { schema };
