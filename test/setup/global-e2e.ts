/**
 * e2e globalSetup: a production build (reused when up to date), its own migrated test database, and
 * the production web server (scripts/web-server.mjs, what `npm run up` starts) on a free port.
 * Everything is torn down afterwards, also when tests fail.
 * Provides baseUrl, the server's database (e2eDatabaseUrl) and its predictor store (predictorsDir, a
 * temporary NNLQ_PREDICTORS_DIR: tests that train write there, and the running server serves it).
 */
import { spawn, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { TestProject } from "vitest/node";
import { freePort } from "@/lib/db/server";
import { seed } from "@/lib/services/seed";
import { createDb } from "@/lib/db/client";
import { ensureBuild } from "../../scripts/lib/next-build";
import { createTestDatabase, type TestDatabase } from "./test-database";

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string;
    e2eDatabaseUrl: string;
    predictorsDir: string;
  }
}

const root = path.resolve(import.meta.dirname, "../..");
let testDb: TestDatabase | undefined;
let server: ChildProcess | undefined;
let predictorsDir: string | undefined;

export async function setup(project: TestProject) {
  ensureBuild(root, (l) => console.log(`[e2e] ${l}`));
  testDb = await createTestDatabase((l) => console.log(`[e2e] ${l}`));
  const h = createDb(testDb.url, { connectionLimit: 1 });
  await seed(h.db, { demo: false });
  await h.close();
  predictorsDir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-e2e-predictors-"));

  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  // the production web server `npm run up` runs (Next's handler + the socket-address stamp, scripts/web-server.mjs)
  server = spawn(process.execPath, [path.join(root, "scripts/web-server.mjs"), "-p", String(port), "-H", "127.0.0.1"], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: testDb.url,
      NEXTAUTH_URL: baseUrl,
      NEXTAUTH_SECRET: "nnlq-e2e-secret-not-for-production",
      NEXT_TELEMETRY_DISABLED: "1",
      NNLQ_TRUSTED_PROXIES: "127.0.0.9", // test/e2e/rate-limit.e2e.ts plays a reverse proxy from this address
      NNLQ_PREDICTORS_DIR: predictorsDir,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  server.stdout!.on("data", (d) => (output += d));
  server.stderr!.on("data", (d) => (output += d));

  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${baseUrl}/api/health`);
      if (r.ok) break;
    } catch {
      /* not up yet */
    }
    if (server.exitCode !== null || Date.now() > deadline) {
      throw new Error(`the web server did not become healthy on ${baseUrl}:\n${output.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  console.log(`[e2e] app on ${baseUrl} (database ${testDb.name})`);
  project.provide("baseUrl", baseUrl);
  project.provide("e2eDatabaseUrl", testDb.url);
  project.provide("predictorsDir", predictorsDir);
}

export async function teardown() {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server!.once("exit", r));
    server.kill("SIGTERM");
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    if (server.exitCode === null) server.kill("SIGKILL");
  }
  await testDb?.drop();
  if (predictorsDir) fs.rmSync(predictorsDir, { recursive: true, force: true });
}
