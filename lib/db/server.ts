/**
 * Finding a MySQL server, in every mode (Node only; used by scripts/start.ts and the test setups):
 *
 *   1. DATABASE_URL set            → use it (the database in its path is created if missing)
 *   2. 127.0.0.1:3306 answers as root without a password → use it, database `nnlq`
 *   3. otherwise                   → start a private MariaDB/MySQL from the system's server binary with
 *                                    its data under .data/, stopped by `stop()` (and on process exit)
 *   no server binary either        → NnlqError DB_UNAVAILABLE naming the package to install
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import mysql from "mysql2/promise";
import { NnlqError } from "@/lib/errors";
import { env } from "@/lib/env";
import { alive, sleep } from "@/lib/proc";

export type ServerMode = "env" | "local" | "private";

export interface DatabaseServer {
  /** full URL including the database, e.g. mysql://root@127.0.0.1:3306/nnlq */
  url: string;
  /** the same server with no database in the path (for CREATE/DROP DATABASE) */
  serverUrl: string;
  mode: ServerMode;
  /** stops the private server if this call started one; a no-op otherwise */
  stop(): Promise<void>;
}

export interface ResolveOptions {
  /** database name when DATABASE_URL is unset (default "nnlq") */
  database?: string;
  /** directory for the private server's files (default <cwd>/.data) */
  dataDir?: string;
  /** override the DATABASE_URL environment variable (undefined = read process.env) */
  databaseUrl?: string | null;
  /** create the database if missing (default true; test setups create their own) */
  createDatabase?: boolean;
  log?: (line: string) => void;
}

const LOCAL_URL = "mysql://root@127.0.0.1:3306";
/** preferred port of the private server (a free one is used when it is taken) */
const PRIVATE_PORT = 3307;
export const INSTALL_HINT =
  "Install a MySQL-compatible server (Debian/Ubuntu: `sudo apt-get install mariadb-server`) or set DATABASE_URL.";

export async function resolveServer(opts: ResolveOptions = {}): Promise<DatabaseServer> {
  const log = opts.log ?? (() => {});
  const envUrl = opts.databaseUrl === undefined ? process.env.DATABASE_URL : opts.databaseUrl;
  const database = opts.database ?? "nnlq";
  const create = opts.createDatabase ?? true;

  if (envUrl) {
    const { serverUrl, database: dbName } = splitUrl(envUrl);
    const reach = await probe(serverUrl);
    if (!reach.ok) {
      throw new NnlqError("DB_UNAVAILABLE", `DATABASE_URL (${redact(serverUrl)}) is not reachable: ${reach.reason}`);
    }
    if (create) await ensureDatabase(serverUrl, dbName ?? database);
    return { url: withDatabase(serverUrl, dbName ?? database), serverUrl, mode: "env", stop: async () => {} };
  }

  const local = await probe(LOCAL_URL);
  if (local.ok) {
    log(`database: using MySQL on 127.0.0.1:3306`);
    if (create) await ensureDatabase(LOCAL_URL, database);
    return { url: withDatabase(LOCAL_URL, database), serverUrl: LOCAL_URL, mode: "local", stop: async () => {} };
  }
  log(`database: nothing usable on 127.0.0.1:3306 (${local.reason}); starting a private server`);
  const priv = await startPrivateServer({ dataDir: opts.dataDir ?? path.resolve(".data"), port: PRIVATE_PORT, log });
  if (create) await ensureDatabase(priv.serverUrl, database);
  return { url: withDatabase(priv.serverUrl, database), serverUrl: priv.serverUrl, mode: "private", stop: priv.stop };
}

// ───────────────────────────── URLs and databases ─────────────────────────────

export function splitUrl(url: string): { serverUrl: string; database: string | null } {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new NnlqError("DB_UNAVAILABLE", `DATABASE_URL is not a valid URL (expected mysql://user:pass@host:port/db)`);
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, "")) || null;
  u.pathname = "";
  return { serverUrl: u.toString().replace(/\/$/, ""), database };
}

export function withDatabase(serverUrl: string, database: string): string {
  const u = new URL(serverUrl);
  u.pathname = `/${encodeURIComponent(database)}`;
  return u.toString();
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = "***";
  return u.toString();
}

const DB_NAME = /^[A-Za-z0-9_]{1,64}$/;

function checkName(name: string): string {
  if (!DB_NAME.test(name)) throw new NnlqError("BAD_REQUEST", `invalid database name '${name}'`);
  return name;
}

async function admin<T>(serverUrl: string, fn: (c: mysql.Connection) => Promise<T>): Promise<T> {
  const conn = await mysql.createConnection({ uri: serverUrl, connectTimeout: 5000 });
  try {
    return await fn(conn);
  } finally {
    await conn.end().catch(() => {});
  }
}

export async function ensureDatabase(serverUrl: string, name: string): Promise<void> {
  await admin(serverUrl, (c) =>
    c.query(`CREATE DATABASE IF NOT EXISTS \`${checkName(name)}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`),
  );
}

export async function dropDatabase(serverUrl: string, name: string): Promise<void> {
  await admin(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS \`${checkName(name)}\``));
}

/** Does a MySQL server answer at this URL (without a database)? Never throws. */
export async function probe(serverUrl: string, timeoutMs = 2000): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const conn = await mysql.createConnection({ uri: serverUrl, connectTimeout: timeoutMs });
    await conn.query("SELECT 1");
    await conn.end();
    return { ok: true };
  } catch (e) {
    const err = e as { code?: string; message?: string };
    return { ok: false, reason: err.code ?? err.message ?? String(e) };
  }
}

// ───────────────────────────── the private server ─────────────────────────────

export interface PrivateServer {
  serverUrl: string;
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const SEARCH_DIRS = ["/usr/sbin", "/usr/local/sbin", "/usr/bin", "/usr/local/bin", "/usr/local/mysql/bin", "/opt/homebrew/bin"];

function which(names: string[]): string | null {
  const dirs = [...(process.env.PATH ?? "").split(path.delimiter).filter(Boolean), ...SEARCH_DIRS];
  for (const name of names) {
    for (const dir of dirs) {
      const p = path.join(dir, name);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        return p;
      } catch {
        /* keep looking */
      }
    }
  }
  return null;
}

/**
 * The server binary (mariadbd or mysqld, from PATH or the usual sbin directories) and MariaDB's
 * installer. NNLQ_MYSQLD names a server binary explicitly (non-standard installs).
 */
export function findServerBinaries(
  explicit: string | undefined = env().NNLQ_MYSQLD,
): { server: string; installer: string | null; flavor: "mariadb" | "mysql" } | null {
  const server = explicit ? (fs.existsSync(explicit) ? explicit : null) : which(["mariadbd", "mysqld"]);
  if (!server) return null;
  const version = spawnSync(server, ["--version"], { encoding: "utf8" }).stdout ?? "";
  const flavor = /mariadb/i.test(version) || path.basename(server) === "mariadbd" ? "mariadb" : "mysql";
  const installer = flavor === "mariadb" ? which(["mariadb-install-db", "mysql_install_db"]) : null;
  return { server, installer, flavor };
}

export function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | null>((resolve) => {
      const srv = net.createServer();
      srv.once("error", () => resolve(null));
      srv.listen(port, "127.0.0.1", () => {
        const got = (srv.address() as net.AddressInfo).port;
        srv.close(() => resolve(got));
      });
    });
  return (async () => {
    if (preferred) {
      const p = await tryPort(preferred);
      if (p) return p;
    }
    const p = await tryPort(0);
    if (!p) throw new Error("no free TCP port");
    return p;
  })();
}

async function waitExit(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (!alive(pid)) return true;
    await sleep(100);
  }
  return !alive(pid);
}

function readInt(file: string): number | null {
  try {
    const n = Number(fs.readFileSync(file, "utf8").trim());
    return Number.isInteger(n) && n > 0 ? n : null;
  } catch {
    return null;
  }
}

function stopper(pid: number, log: (l: string) => void, onStop: () => void = () => {}): () => Promise<void> {
  let stopping: Promise<void> | null = null;
  return () =>
    (stopping ??= (async () => {
      onStop();
      if (!alive(pid)) return;
      process.kill(pid, "SIGTERM");
      if (!(await waitExit(pid, 30_000))) process.kill(pid, "SIGKILL");
      log("database: private server stopped");
    })());
}

/**
 * A private server already running on this data directory (pid file + /proc cmdline + it answers).
 * If the process that started it is still alive (e.g. `npm run up` while tests run) it is shared and
 * left running; if that process died (a crash, kill -9) it is adopted and stopped by us.
 */
async function existingServer(base: string, datadir: string, log: (l: string) => void): Promise<PrivateServer | null> {
  const pid = readInt(path.join(base, "mysqld.pid"));
  if (!pid || !alive(pid)) return null;
  try {
    if (!fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").includes(datadir)) return null;
  } catch {
    /* not Linux: trust the pid file */
  }
  const port = readInt(path.join(base, "mysqld.port"));
  const serverUrl = `mysql://root@127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  while (port && Date.now() < deadline) {
    if ((await probe(serverUrl, 1000)).ok) {
      const ownerFile = path.join(base, "mysqld.owner");
      const owner = readInt(ownerFile);
      if (owner && owner !== process.pid && alive(owner)) {
        log(`database: sharing the private server of process ${owner} on 127.0.0.1:${port}`);
        return { serverUrl, port, pid, stop: async () => {} };
      }
      log(`database: adopting a private server left running by an earlier run (pid ${pid}, port ${port})`);
      fs.writeFileSync(ownerFile, String(process.pid));
      return { serverUrl, port, pid, stop: stopper(pid, log) };
    }
    await sleep(200);
  }
  log(`database: stopping an unresponsive private server (pid ${pid})`);
  await stopper(pid, log)();
  return null;
}

/**
 * Starts a private MariaDB/MySQL on 127.0.0.1 with its files under `dataDir` (initialised on first use;
 * root without password, reachable only from this machine). Prefers `port`, else a free one. Reuses a
 * server already running on that directory (see existingServer).
 */
export async function startPrivateServer(opts: {
  dataDir: string;
  port?: number;
  log?: (line: string) => void;
}): Promise<PrivateServer> {
  const log = opts.log ?? (() => {});
  const base = path.resolve(opts.dataDir);
  const datadir = path.join(base, "mysql");
  const socket = path.join(base, "mysqld.sock");
  const pidFile = path.join(base, "mysqld.pid");
  const errLog = path.join(base, "mysqld.err");
  fs.mkdirSync(base, { recursive: true });
  const existing = await existingServer(base, datadir, log);
  if (existing) return existing;

  const bins = findServerBinaries();
  if (!bins) {
    throw new NnlqError(
      "DB_UNAVAILABLE",
      `No MySQL server answers on 127.0.0.1:3306 and no server binary (mariadbd or ` +
        `mysqld${env().NNLQ_MYSQLD ? `; NNLQ_MYSQLD=${env().NNLQ_MYSQLD} does not exist` : ""}) is installed. ${INSTALL_HINT}`,
    );
  }

  const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
  if (!fs.existsSync(path.join(datadir, "mysql"))) {
    log(`database: initialising a private ${bins.flavor} data directory in ${datadir}`);
    fs.rmSync(datadir, { recursive: true, force: true });
    const init =
      bins.flavor === "mariadb" && bins.installer
        ? spawnSync(
            bins.installer,
            [
              "--no-defaults",
              `--datadir=${datadir}`,
              "--auth-root-authentication-method=normal",
              "--skip-test-db",
              ...(isRoot ? ["--user=root"] : []),
            ],
            { encoding: "utf8" },
          )
        : spawnSync(
            bins.server,
            ["--no-defaults", "--initialize-insecure", `--datadir=${datadir}`, ...(isRoot ? ["--user=root"] : [])],
            { encoding: "utf8" },
          );
    if (init.status !== 0) {
      fs.rmSync(datadir, { recursive: true, force: true });
      throw new NnlqError(
        "DB_UNAVAILABLE",
        `Could not initialise a private database in ${datadir}: ${(init.stderr || init.stdout || String(init.error)).trim().slice(-800)}`,
      );
    }
  }

  const port = await freePort(opts.port);
  const args = [
    "--no-defaults",
    `--datadir=${datadir}`,
    `--socket=${socket}`,
    `--port=${port}`,
    "--bind-address=127.0.0.1",
    `--pid-file=${pidFile}`,
    `--log-error=${errLog}`,
    "--innodb-buffer-pool-size=128M",
    "--max-connections=500",
    ...(isRoot ? ["--user=root"] : []),
  ];
  log(`database: starting ${path.basename(bins.server)} on 127.0.0.1:${port}`);
  const child: ChildProcess = spawn(bins.server, args, { detached: true, stdio: "ignore" });
  child.unref();
  const pid = child.pid!;
  const state: { exited: number | null } = { exited: null };
  child.once("exit", (code) => (state.exited = code ?? -1));
  // last resort if our process exits without calling stop(): mariadbd shuts down cleanly on SIGTERM
  const killOnExit = () => {
    if (alive(pid)) process.kill(pid, "SIGTERM");
  };
  process.once("exit", killOnExit);

  const serverUrl = `mysql://root@127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if ((await probe(serverUrl, 1000)).ok) break;
    const exited = state.exited;
    if (exited !== null || Date.now() > deadline) {
      killOnExit();
      const tail = fs.existsSync(errLog) ? fs.readFileSync(errLog, "utf8").split("\n").slice(-12).join("\n") : "";
      throw new NnlqError(
        "DB_UNAVAILABLE",
        `The private database server ${exited !== null ? `exited (code ${exited})` : "did not answer within 60 s"}; its log (${errLog}):\n${tail}`,
      );
    }
    await sleep(150);
  }
  fs.writeFileSync(path.join(base, "mysqld.port"), String(port));
  fs.writeFileSync(path.join(base, "mysqld.owner"), String(process.pid));
  return { serverUrl, port, pid, stop: stopper(pid, log, () => process.removeListener("exit", killOnExit)) };
}
