/**
 * Brings up nnlq (run by `npm run up` after npm install, or `npm start`):
 *   database (DATABASE_URL | 127.0.0.1:3306 | private MariaDB under .data/) → migrations → seed data →
 *   the data release into an empty database, and the trained predictor versions it ships (registered and
 *   promoted when their method has none, so the first page load predicts) → `next build` when stale → the
 *   web server (scripts/web-server.mjs: Next's `next start` handler behind a Node HTTP server that stamps
 *   each request with its socket address) on PORT (default 3000) → one local measurement worker
 *   (workers/worker.ts, every local platform; NNLQ_WORKER=0 leaves it out) → the predictor trainer
 *   (workers/train.ts --watch 60: trains at once when no predictor is promoted, then whenever the data
 *   grew by 10%; NNLQ_TRAINER=0 leaves it out, NNLQ_TRAIN_BUDGET_MIN caps the GNN's training time).
 * While the site has no admin it prints a one-time setup link (/setup?token=…; lib/services/admin-setup.ts).
 * Ctrl-C stops everything, including a private database server.
 */
import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { freePort, resolveServer, type DatabaseServer } from "@/lib/db/server";
import { runMigrations } from "@/lib/db/migrate";
import { createDb } from "@/lib/db/client";
import { seed } from "@/lib/services/seed";
import { loadReleaseIfEmpty, registerReleasePredictors } from "@/lib/services/release";
import { authSecret } from "@/lib/auth/secret";
import { isNnlqError } from "@/lib/errors";
import { ensureBuild } from "./lib/next-build";
import { createWorkerToken } from "@/lib/services/devices";
import { platformForSpec } from "@/lib/services/platforms";
import { localPlatforms } from "@/lib/measure/platforms";
import { platformSpecInput } from "@/workers/measure/platforms";
import { prepareSiteAdmin } from "@/lib/services/admin-setup";
import { parseTrustedProxies } from "@/lib/api/rate-limit";
import { env as settings, envProblems } from "@/lib/env";

const root = path.resolve(import.meta.dirname, "..");
process.chdir(root);
const log = (line: string) => console.log(`[nnlq] ${line}`);

const envBad = envProblems();
if (envBad.length) fail(envBad.join("\n[nnlq] "));
const port = settings().PORT;
try {
  parseTrustedProxies(settings().NNLQ_TRUSTED_PROXIES);
} catch (e) {
  fail((e as Error).message);
}
if ((await freePort(port)) !== port) fail(`Port ${port} is already in use. Stop what uses it or start with PORT=<another port> npm run up`);

const children: { name: string; proc: ChildProcess }[] = [];
let db: DatabaseServer | null = null;
let shuttingDown = false;

function fail(msg: string): never {
  console.error(`[nnlq] ${msg}`);
  process.exit(1);
}

async function shutdown(code: number) {
  if (shuttingDown) return;
  shuttingDown = true;
  log("stopping...");
  // the worker first (it finishes its measurement, then gives its jobs back through the web app), then the rest
  const stop = ({ name, proc }: (typeof children)[number]) =>
    new Promise<void>((resolve) => {
      if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
      proc.once("exit", () => resolve());
      proc.kill("SIGTERM");
      setTimeout(() => (proc.kill("SIGKILL"), resolve()), name === "worker" ? 40_000 : 10_000).unref();
    });
  await Promise.all(children.filter((c) => c.name === "worker").map(stop));
  await Promise.all(children.filter((c) => c.name !== "worker").map(stop));
  await db?.stop();
  process.exit(code);
}
process.on("SIGINT", () => void shutdown(0));
process.on("SIGTERM", () => void shutdown(0));

try {
  db = await resolveServer({ log });
  log(`database: ${db.url.replace(/:[^:@/]*@/, ":***@")} (${db.mode})`);
  await runMigrations(db.url);
  const h = createDb(db.url, { connectionLimit: 2 });
  const seeded = await seed(h.db, { demo: settings().NNLQ_DEMO });
  // site admin: NNLQ_ADMIN_EMAIL's account, else a one-time setup link while there is none (never the first sign-up)
  const admin = await prepareSiteAdmin(h.db);
  if (admin.warning) console.error(`[nnlq] ${admin.warning}`);
  // an empty database gets the data release (data/release-v2: zoo specs + measurements with their quality), in seconds
  const release = await loadReleaseIfEmpty(h.db);
  if (release)
    log(
      `data release: ${release.modelsInserted} models, ${release.measurementsInserted} measurements loaded in ${(release.ms / 1000).toFixed(1)} s`,
    );
  // the predictor versions the release ships (trained weights): a fresh install predicts at once, and a newer
  // release's versions reach a database that already holds data (registered once; promoted when the method has none)
  try {
    for (const p of [...(release?.predictors ?? []), ...(await registerReleasePredictors(h.db))])
      if (p.action !== "present") log(`shipped predictor ${p.version} (${p.method}): ${p.action}${p.reason ? ` — ${p.reason}` : ""}`);
  } catch (e) {
    // a damaged predictors/ folder must not keep the site down: the trainer trains one instead
    console.error(`[nnlq] the release's shipped predictors were not registered: ${e instanceof Error ? e.message : String(e)}`);
  }
  // the local worker (NNLQ_WORKER=0 disables it): its platforms as rows, and a fresh worker token
  const localWorker = settings().NNLQ_WORKER;
  let workerToken = "";
  if (localWorker) {
    for (const p of localPlatforms()) await platformForSpec(h.db, platformSpecInput(p), { allowNew: true });
    workerToken = (await createWorkerToken(h.db, { name: "local worker (npm run up)", replaceSameName: true })).secret;
  }
  await h.close();
  log(`seed: ${seeded.families} architecture families, platforms ${seeded.platforms.join(", ")}`);
  ensureBuild(root, log);

  const env = {
    ...process.env,
    DATABASE_URL: db.url,
    NEXTAUTH_SECRET: authSecret(),
    NEXTAUTH_URL: settings().NEXTAUTH_URL ?? `http://localhost:${port}`,
    PORT: String(port),
    NEXT_TELEMETRY_DISABLED: "1",
  };
  const spawnChild = (name: string, args: string[], extraEnv: Record<string, string> = {}, critical = true) => {
    // own process group: a terminal's Ctrl-C reaches this script only, which stops the children in order
    const proc = spawn(process.execPath, args, { cwd: root, env: { ...env, ...extraEnv }, stdio: "inherit", detached: true });
    children.push({ name, proc });
    proc.once("exit", (code, signal) => {
      if (shuttingDown) return;
      if (!critical) return void console.error(`[nnlq] ${name} exited (${signal ?? code}); the rest keeps running`);
      console.error(`[nnlq] ${name} exited (${signal ?? code}); stopping`);
      void shutdown(code || 1);
    });
    return proc;
  };
  spawnChild("web", [path.join(root, "scripts/web-server.mjs"), "-p", String(port)]);

  await waitForHealth(`http://127.0.0.1:${port}/api/health`);
  if (localWorker) {
    // one local measurement worker serving every local platform (workers/measure; `npm run worker` alone)
    spawnChild("worker", ["--import", "tsx", path.join(root, "workers/worker.ts")], {
      NNLQ_URL: `http://127.0.0.1:${port}`,
      NNLQ_WORKER_TOKEN: workerToken,
    });
  }
  if (settings().NNLQ_TRAINER) {
    // the evolving predictor (lib/services/predictors.ts): trains now when no version is promoted (a fresh
    // clone: the portal shows predictions once it is done), then hourly whenever the data grew by 10%
    spawnChild(
      "trainer",
      ["--import", "tsx", path.join(root, "workers/train.ts"), "--watch", "60", "--budget-min", String(settings().NNLQ_TRAIN_BUDGET_MIN)],
      {},
      false,
    );
  }
  log(`nnlq is up: http://localhost:${port}`);
  if (seeded.demo) log(`demo sign-in: ${seeded.demo.email} / ${seeded.demo.password}  (disable with NNLQ_DEMO=0; never a site admin)`);
  if (admin.promoted) log(`site admin: ${admin.promoted} (NNLQ_ADMIN_EMAIL)`);
  if (admin.setupToken) {
    log("no site admin yet: sign up (or sign in) with your own account, then open this one-time link within 24 h:");
    log(`  ${env.NEXTAUTH_URL.replace(/\/+$/, "")}/setup?token=${admin.setupToken}`);
    log("  (or set NNLQ_ADMIN_EMAIL=<your email> and restart; a new link replaces this one at every start)");
  }
  log("press Ctrl-C to stop");
} catch (e) {
  console.error(`[nnlq] ${isNnlqError(e) ? e.message : e instanceof Error ? e.message : String(e)}`);
  await shutdown(1);
}

async function waitForHealth(url: string) {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline && !shuttingDown) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  throw new Error(`the web server did not become healthy at ${url} within 60 s`);
}
