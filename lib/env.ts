/**
 * Every environment variable nnlq reads, declared once: its type and accepted values (a zod schema over the
 * raw string), its default and a one-line description. README.md's configuration tables list the same
 * variables (test/config/env.test.ts checks both ways).
 *
 *   env().NNLQ_ANON_RPS        the typed value, read from process.env at that moment (tests that set
 *                              process.env before use keep working); a bad value reads as the default
 *   envProblems()              one line per bad value: "NNLQ_ANON_RPS='abc': expected a number > 0"
 *   checkEnvOrExit("nnlq")     at a process's start-up (web server, worker, trainer, CLI, scripts):
 *                              prints the problems and exits 2
 * Node-only; no database, no Next. Variables nnlq only passes on (NODE_ENV, PATH) are not declared here.
 */
import os from "node:os";
import { z } from "zod";

type Raw = string | undefined;

interface Declared<T> {
  /** parses the raw value (undefined or blank → the default) */
  schema: z.ZodType<T, Raw>;
  /** the default as README shows it ("—": none) */
  default: string;
  description: string;
}

const blank = (v: Raw): v is undefined => v === undefined || v.trim() === "";

function declare<T>(
  accepted: string,
  def: string,
  description: string,
  parse: (v: string, raw: string) => T | undefined,
  fallback: () => T,
): Declared<T> {
  const schema = z.string().optional().transform((v, ctx): T => {
    if (blank(v)) return fallback();
    const out = parse(v.trim(), v);
    if (out === undefined) {
      ctx.addIssue({ code: "custom", message: `expected ${accepted}` });
      return z.NEVER;
    }
    return out;
  });
  return { schema: schema as unknown as z.ZodType<T, Raw>, default: def, description };
}

function int(min: number, max: number, def: number | (() => number), docDefault: string, description: string) {
  return declare(
    `an integer in ${min}…${max}`,
    docDefault,
    description,
    (v) => (/^-?\d+$/.test(v) && Number.isSafeInteger(Number(v)) && Number(v) >= min && Number(v) <= max ? Number(v) : undefined),
    () => (typeof def === "function" ? def() : def),
  );
}

function positive(def: number, description: string, min = 0) {
  return declare(
    min > 0 ? `a number ≥ ${min}` : "a number > 0",
    String(def),
    description,
    (v) => {
      const n = Number(v);
      return Number.isFinite(n) && (min > 0 ? n >= min : n > 0) ? n : undefined;
    },
    () => def,
  );
}

/** "0" off, "1" on. */
function flag(def: boolean, description: string) {
  return declare("0 or 1", def ? "1" : "0", description, (v) => (v === "0" ? false : v === "1" ? true : undefined), () => def);
}

function text(description: string, docDefault = "—") {
  return declare<string | undefined>("a string", docDefault, description, (_, raw) => raw, () => undefined); // as set, spaces kept
}

function url<D extends string | undefined>(protocols: string[], example: string, def: D, description: string) {
  return declare<string | D>(
    `a ${protocols.join("/")} URL such as ${example}`,
    def ?? "—",
    description,
    (v) => {
      try {
        return protocols.includes(new URL(v).protocol.slice(0, -1)) ? v : undefined;
      } catch {
        return undefined;
      }
    },
    () => def,
  );
}

function oneOf<T extends string>(values: readonly T[], def: T, description: string) {
  return declare<T>(values.join(" or "), def, description, (v) => ((values as readonly string[]).includes(v) ? (v as T) : undefined), () => def);
}

/** The declarations, grouped as README's tables are. */
export const ENV = {
  // web app
  DATABASE_URL: url(["mysql", "mariadb"], "mysql://user:password@host:3306/nnlq", undefined, "the MySQL/MariaDB server and database (else 127.0.0.1:3306, else a private server)"),
  PORT: int(1, 65535, 3000, "3000", "port of the web app"),
  NEXTAUTH_SECRET: text("secret that encrypts session cookies (else generated into .data/nextauth-secret)"),
  NEXTAUTH_URL: url(["http", "https"], "https://nnlq.example.org", undefined, "public URL of the app (default http://localhost:$PORT)"),
  NNLQ_ADMIN_EMAIL: text("the account with this email is site admin"),
  NNLQ_TRUSTED_PROXIES: text("comma-separated IPs / CIDRs of reverse proxies whose X-Forwarded-For is read"),
  NNLQ_ANON_RPS: positive(5, "anonymous rate limit per client address: requests per second"),
  NNLQ_ANON_BURST: positive(30, "anonymous rate limit per client address: burst"),
  NNLQ_DEMO: flag(true, "0 skips the demo team and user"),
  NNLQ_DATA_DIR: text("folder of generated local state (the NextAuth secret)", ".data"),
  NNLQ_PREDICTORS_DIR: text("where trained predictor versions are written and served from", ".data/predictors"),
  NNLQ_PUBLIC_DIR: text("the app's public/ folder (shipped predictor versions)", "public"),
  NNLQ_ROOT: text("the app's root folder (compute threads' entry file)", "the working directory"),
  NNLQ_MYSQLD: text("path of a mariadbd/mysqld binary for the private server"),
  NNLQ_READ_CACHE: flag(true, "0 turns off the per-process read caches of the hot API path"),
  NNLQ_MAX_UPLOAD_BYTES: int(1, Number.MAX_SAFE_INTEGER, 256 * 1024 * 1024, "268435456", "upload size limit of POST /api/v1/models"),
  NNLQ_COMPUTE_THREADS: int(0, 1024, () => Math.max(2, os.availableParallelism() - 1), "cores − 1, at least 2", "threads that analyse uploads and run predictions (0: in-process)"),
  NNLQ_COMPUTE_DEADLINE_MS: int(1, 3_600_000, 30_000, "30000", "per analysis/predict job"),
  NNLQ_COMPUTE_MEMORY_MB: int(64, 1_048_576, 2048, "2048", "heap limit of a compute thread"),
  NNLQ_COMPUTE_QUEUE: int(1, 10_000_000, 20_000, "20000", "compute jobs waiting for a thread before 503"),
  NNLQ_COMPUTE_NICE: int(0, 19, 10, "10", "the compute threads' CPU nice value (0: unchanged)"),
  NNLQ_MAX_NODES: int(1, 100_000_000, 100_000, "100000", "larger graphs are refused"),
  NNLQ_PREDICT_BATCH: int(1, 100_000, 64, "64", "predict items that go into one inference call"),
  NNLQ_LEASE_SECONDS: positive(60, "a job's lease after a claim or heartbeat", 1),
  NNLQ_MAX_ATTEMPTS: positive(3, "attempts before a job fails", 1),
  // npm run up, workers, trainer
  NNLQ_WORKER: flag(true, "0: npm run up starts no local worker"),
  NNLQ_TRAINER: flag(true, "0: npm run up starts no predictor trainer"),
  NNLQ_TRAIN_BUDGET_MIN: positive(10, "the GNN's training-time cap in that trainer (minutes)"),
  NNLQ_URL: url(["http", "https"], "http://localhost:3000", "http://localhost:3000", "the nnlq app the worker and the CLI talk to"),
  NNLQ_WORKER_TOKEN: text("the worker's token (nnlqw_…)"),
  NNLQ_WORKER_HOST: text("the worker's device host name", "the machine's host name"),
  NNLQ_DEVICE_TOKEN: text("an offline device's token (nnlqd_…): measure-bundle and import"),
  NNLQ_API_KEY: text("a team API key for the CLI (nnlq query, jobs)"),
  NNLQ_MEASURE_POOL: flag(false, "1: the worker measures in a pool of warm processes instead of a child per job"),
  NNLQ_MEASURE_NICE: int(-20, 19, -10, "-10", "nice value a measuring process asks for (where allowed)"),
  NNLQ_MEASURE_MAX_WAIT_S: int(
    0,
    3600,
    30,
    "30",
    "how long a measurement waits past its budget for a quiet host before it is stored as estimated/contended (s)",
  ),
  NNLQ_RETAKES: int(0, 3, 3, "3", "retakes queued for a result graded estimated/contended, per model × platform × batch (0: none)"),
  NNLQ_MEASURE_TMPDIR: text("folder for a measurement's converted models", "the system's temp folder"),
  NNLQ_TF_BACKEND: oneOf(["wasm", "cpu"] as const, "wasm", "TensorFlow.js backend of the trainer and the scripts"),
  NNLQ_TFJS_WASM_PACKAGE: text("the tfjs WASM backend package", "@tensorflow/tfjs-backend-wasm"),
  // development and tests
  CHROMIUM_PATH: text("Chromium used by the browser tests", "/usr/bin/chromium"),
  NEXT_DIST_DIR: text("Next.js build folder (a build of one's own beside another)", ".next"),
  NNLQ_CAMPAIGN_BACKGROUND: flag(false, "set by npm run campaign -- --background for its detached child"),
  NNLQ_MEASURE_FAULT: text("tests: a fault the measuring child injects"),
  NNLQ_WORKER_FAULT: text("tests: a fault the worker injects for a model hash"),
  NNLQ_CONTRACT_RUNS: int(1, 10_000, 4, "4", "API contract e2e: draws per operation"),
} as const;

export type EnvName = keyof typeof ENV;
export type Env = { readonly [K in EnvName]: z.output<(typeof ENV)[K]["schema"]> };

type Source = Record<string, string | undefined>;

/** One variable's value from `source` (a bad value reads as the default; envProblems reports it). */
export function envValue<K extends EnvName>(name: K, source: Source = process.env): Env[K] {
  const s = ENV[name].schema;
  const r = s.safeParse(source[name]);
  return (r.success ? r.data : s.parse(undefined)) as Env[K];
}

/** The typed environment, read lazily: each property reads process.env (or `source`) when used. */
export function env(source: Source = process.env): Env {
  return new Proxy({} as Env, {
    get: (_, name) => (typeof name === "string" && name in ENV ? envValue(name as EnvName, source) : undefined),
  });
}

/** One line per variable whose value is not accepted, naming it and what it accepts. */
export function envProblems(source: Source = process.env, names: readonly EnvName[] = Object.keys(ENV) as EnvName[]): string[] {
  const out: string[] = [];
  for (const name of names) {
    const r = ENV[name].schema.safeParse(source[name]);
    if (!r.success) out.push(`${name}='${source[name]}': ${r.error.issues.map((i) => i.message).join("; ")}`);
  }
  return out;
}

/** At start-up: every problem on stderr as "<who>: NAME='x': expected …", then exit 2. */
export function checkEnvOrExit(who: string, source: Source = process.env): void {
  const problems = envProblems(source);
  if (!problems.length) return;
  for (const p of problems) console.error(`${who}: ${p}`);
  process.exit(2);
}
