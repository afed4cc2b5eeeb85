/**
 * The database-server modes of lib/db/server.ts, for real: a private MariaDB started from the system
 * binary in a temporary directory on a random port, migrated and stopped; an unreachable DATABASE_URL;
 * a missing server binary.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findServerBinaries, freePort, probe, resolveServer, startPrivateServer, ensureDatabase, withDatabase } from "@/lib/db/server";
import { runMigrations } from "@/lib/db/migrate";
import { createDb } from "@/lib/db/client";
import { databaseHealth } from "@/lib/db/meta";
import { NnlqError } from "@/lib/errors";
import journal from "@/drizzle/meta/_journal.json";

const LATEST_MIGRATION = journal.entries.at(-1)!.tag;

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-private-db-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

function alive(pid: number) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("private database server", () => {
  it.skipIf(!findServerBinaries())("initialises, serves, migrates, is reused, and stops", async () => {
    const wanted = await freePort();
    const logs: string[] = [];
    const srv = await startPrivateServer({ dataDir: tmp, port: wanted, log: (l) => logs.push(l) });
    try {
      expect(srv.port).toBe(wanted);
      expect(logs.some((l) => l.includes("initialising"))).toBe(true);
      expect(fs.existsSync(path.join(tmp, "mysql", "mysql"))).toBe(true);
      expect((await probe(srv.serverUrl)).ok).toBe(true);

      await ensureDatabase(srv.serverUrl, "nnlq");
      const url = withDatabase(srv.serverUrl, "nnlq");
      await runMigrations(url);
      const h = createDb(url, { connectionLimit: 1 });
      const health = await databaseHealth(h.db);
      await h.close();
      expect(health).toMatchObject({ reachable: true, pending: [], migration: { tag: LATEST_MIGRATION } });

      // a second start on the same directory reuses the running server instead of fighting over it
      const again = await startPrivateServer({ dataDir: tmp, log: (l) => logs.push(l) });
      expect(again.port).toBe(srv.port);
      expect(again.pid).toBe(srv.pid);
    } finally {
      await srv.stop();
    }
    expect(alive(srv.pid)).toBe(false);
    expect((await probe(srv.serverUrl, 500)).ok).toBe(false);
  });
});

describe("server resolution errors", () => {
  it("an unreachable DATABASE_URL is a clear DB_UNAVAILABLE error", async () => {
    const port = await freePort();
    const err = await resolveServer({ databaseUrl: `mysql://root@127.0.0.1:${port}/nnlq` }).catch((e) => e);
    expect(err).toBeInstanceOf(NnlqError);
    expect(err.code).toBe("DB_UNAVAILABLE");
    expect(err.message).toMatch(new RegExp(`DATABASE_URL \\(mysql://root@127.0.0.1:${port}\\) is not reachable: ECONNREFUSED`));
  });

  it("a malformed DATABASE_URL is a clear error", async () => {
    const err = await resolveServer({ databaseUrl: "not a url" }).catch((e) => e);
    expect(err.code).toBe("DB_UNAVAILABLE");
    expect(err.message).toMatch(/not a valid URL/);
  });

  it("no server binary names the package to install", async () => {
    const before = process.env.NNLQ_MYSQLD;
    process.env.NNLQ_MYSQLD = path.join(tmp, "no-such-mariadbd");
    try {
      const err = await startPrivateServer({ dataDir: path.join(tmp, "nobin") }).catch((e) => e);
      expect(err).toBeInstanceOf(NnlqError);
      expect(err.message).toMatch(/apt-get install mariadb-server/);
    } finally {
      if (before === undefined) delete process.env.NNLQ_MYSQLD;
      else process.env.NNLQ_MYSQLD = before;
    }
  });
});
