/**
 * The trainer (`npm run worker:train`, workers/train.ts) never migrates: migrations run at start-up or with
 * `npm run db:migrate`. On a database that was never migrated it says so and exits 3, leaving it untouched.
 */
import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import mysql from "mysql2/promise";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropDatabase, ensureDatabase, resolveServer, withDatabase, type DatabaseServer } from "@/lib/db/server";
import { migrationProblem } from "@/lib/services/training";

const ROOT = path.resolve(import.meta.dirname, "../..");
let server: DatabaseServer;
const name = `nnlq_test_${Date.now().toString(36)}_train${randomBytes(2).toString("hex")}`;

beforeAll(async () => {
  server = await resolveServer({ createDatabase: false });
  await ensureDatabase(server.serverUrl, name);
}, 60_000);

afterAll(async () => {
  await dropDatabase(server.serverUrl, name).catch(() => {});
  await server?.stop();
});

describe("worker:train and the migration state", () => {
  it("refuses a database that was never migrated, with the command that fixes it, and creates no tables", { timeout: 120_000 }, async () => {
    const url = withDatabase(server.serverUrl, name);
    const r = spawnSync(process.execPath, ["--import", "tsx", "workers/train.ts", "--method", "gnn", "--epochs", "1"], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: url },
      encoding: "utf8",
      timeout: 100_000,
    });
    expect(r.stderr).toMatch(/never migrated/);
    expect(r.stderr).toMatch(/npm run db:migrate/);
    expect(r.status).toBe(3);
    const conn = await mysql.createConnection({ uri: url });
    try {
      const [tables] = await conn.query("SHOW TABLES");
      expect(tables).toEqual([]);
    } finally {
      await conn.end();
    }
  });

  it("names pending migrations and an unreachable database", () => {
    const migration = { tag: "0001_x", hash: "h", createdAt: "", applied: 1 };
    expect(migrationProblem({ reachable: true, migration, pending: [] }, "db")).toBeNull();
    expect(migrationProblem({ reachable: true, migration, pending: ["0002_y", "0003_z"] }, "db")).toMatch(/2 migrations pending: 0002_y, 0003_z.*npm run db:migrate/);
    expect(migrationProblem({ reachable: false, error: "ECONNREFUSED", migration: null, pending: [] }, "db")).toMatch(/not reachable \(ECONNREFUSED\)/);
  });
});
