/**
 * Test harness of the latency query loop: a team with an API key and quota, a worker token, real worker
 * processes (`node --import tsx workers/worker.ts`, the same as `npm run worker`) whose log lines can be
 * awaited, and the real app (`next start` from the production build) on its own port and environment.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import path from "node:path";
import { createDb, type Db } from "@/lib/db/client";
import { freePort } from "@/lib/db/server";
import { seed } from "@/lib/services/seed";
import { setQuota } from "@/lib/db/usage";
import { getPlatformBySlug } from "@/lib/db/platforms";
import { signUp } from "@/lib/services/accounts";
import { createTeam } from "@/lib/services/teams";
import { createApiKey } from "@/lib/services/keys";
import { createWorkerToken } from "@/lib/services/devices";
import { platformForSpec } from "@/lib/services/platforms";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import { platformSpecInput } from "@/workers/measure/platforms";

export const ROOT = path.resolve(import.meta.dirname, "../..");
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
export const PLATFORMS = localPlatforms(detectHost()).map((p) => p.slug);
/** the 1-thread CPU, all-cores CPU, WASM and int8 platforms of this host */
export const [T1, TN, WASM, INT8] = [
  PLATFORMS[0]!,
  PLATFORMS.find((s) => /fp32\/t[2-9]/.test(s)) ?? PLATFORMS[0]!,
  PLATFORMS.find((s) => s.includes("wasm"))!,
  PLATFORMS.find((s) => s.includes("int8"))!,
];

export interface World {
  db: Db;
  close(): Promise<void>;
  apiKey: string;
  teamId: number;
  user: { id: number; email: string };
  password: string;
  workerToken: string;
}

/** Seeds the database at `url`, creates a user + team + API key with quota on the local platforms, and a worker token. */
export async function makeWorld(url: string, tag = randomBytes(3).toString("hex")): Promise<World> {
  const h = createDb(url, { connectionLimit: 2 });
  const db = h.db;
  await seed(db, { demo: false });
  for (const p of localPlatforms(detectHost())) await platformForSpec(db, platformSpecInput(p), { allowNew: true });
  const password = "worker-test-pass-1";
  const user = await signUp(db, { email: `worker-${tag}-${randomBytes(3).toString("hex")}@example.test`, password, name: `Worker ${tag}` });
  const me = { user, via: "session" as const };
  const team = await createTeam(db, me, { name: `Measurement lab ${tag}` });
  const { secret } = await createApiKey(db, me, { teamId: team.id, name: "tests" });
  for (const slug of PLATFORMS) {
    const plat = (await getPlatformBySlug(db, { slug }))!;
    await setQuota(db, { teamId: team.id, platformId: plat.id, deviceSeconds: 3600 });
  }
  const { secret: workerToken } = await createWorkerToken(db, { name: `test worker ${tag}` });
  return { db, close: () => h.close(), apiKey: secret, teamId: team.id, user, password, workerToken };
}

/** A process whose output lines can be awaited. */
export class Proc {
  readonly lines: string[] = [];
  private waiters: { re: RegExp; resolve: (m: RegExpMatchArray) => void }[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(readonly name: string, readonly child: ChildProcess, private readonly echo = !!process.env.NNLQ_TEST_ECHO) {
    let buf = "";
    const onData = (d: Buffer) => {
      buf += d.toString("utf8");
      let i: number;
      while ((i = buf.indexOf("\n")) >= 0) {
        this.line(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    this.exited = new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal })));
  }

  private line(l: string) {
    this.lines.push(l);
    if (this.echo) console.log(`[${this.name}] ${l}`);
    this.waiters = this.waiters.filter((w) => {
      const m = l.match(w.re);
      if (m) w.resolve(m);
      return !m;
    });
  }

  get pid(): number {
    return this.child.pid!;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The first line (already seen, or coming) matching `re`. */
  waitFor(re: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    for (const l of this.lines) {
      const m = l.match(re);
      if (m) return Promise.resolve(m);
    }
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(
            new Error(`${this.name}: no line matching ${re} within ${timeoutMs} ms; last lines:\n${this.lines.slice(-15).join("\n")}`),
          ),
        timeoutMs,
      );
      this.waiters.push({ re, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }

  /** Lines matching `re` seen so far. */
  count(re: RegExp): number {
    return this.lines.filter((l) => re.test(l)).length;
  }

  async stop(signal: NodeJS.Signals = "SIGTERM", timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.alive) this.child.kill(signal);
    const t = setTimeout(() => this.alive && this.child.kill("SIGKILL"), timeoutMs);
    const r = await this.exited;
    clearTimeout(t);
    return r;
  }
}

export const TEST_LOCK = `test-${process.pid}`;

/** Starts a worker process (workers/worker.ts) against `url`. */
export function startWorker(o: {
  url: string;
  token: string;
  args?: string[];
  env?: Record<string, string>;
  name?: string;
  lock?: string | null;
}): Proc {
  // by default a lock of this test run: measurements of the run never overlap, and never queue behind a
  // campaign someone else runs on this machine; `lock: null` shares the host's lock (benchmarks)
  const lock = o.lock === undefined ? TEST_LOCK : o.lock;
  const args = ["--url", o.url, "--token", o.token, ...(lock ? ["--lock", lock] : []), ...(o.args ?? [])];
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "workers/worker.ts"), ...args], {
    cwd: ROOT,
    env: { ...process.env, ...o.env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  return new Proc(o.name ?? "worker", child);
}

/** The real app: the production web server (scripts/web-server.mjs, as npm run up starts it) from the production build
 * (tests build it in globalSetup) on a free port. */
export async function startApp(o: {
  databaseUrl: string;
  env?: Record<string, string>;
  port?: number;
}): Promise<Proc & { url: string; port: number }> {
  const port = o.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(process.execPath, [path.join(ROOT, "scripts/web-server.mjs"), "-p", String(port), "-H", "127.0.0.1"], {
    cwd: ROOT,
    env: {
      ...process.env,
      NODE_ENV: "production",
      DATABASE_URL: o.databaseUrl,
      NEXTAUTH_URL: url,
      NEXTAUTH_SECRET: "nnlq-worker-test-secret",
      NEXT_TELEMETRY_DISABLED: "1",
      ...o.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const app = Object.assign(new Proc(`app:${port}`, child), { url, port });
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      if ((await fetch(`${url}/api/health`)).ok) return app;
    } catch {
      /* not yet */
    }
    if (!app.alive || Date.now() > deadline) {
      await app.stop("SIGKILL");
      throw new Error(`next start did not become healthy on ${url}:\n${app.lines.slice(-20).join("\n")}`);
    }
    await sleep(200);
  }
}

/** Polls `fn` until it returns a truthy value (or throws after timeoutMs). */
export async function until<T>(
  what: string,
  fn: () => Promise<T | null | undefined | false>,
  timeoutMs = 60_000,
  everyMs = 250,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ""}`);
    await sleep(everyMs);
  }
}
