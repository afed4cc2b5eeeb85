/** `next build` when no production build exists or a source file is newer than it (shared by up and e2e). */
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { env } from "@/lib/env";

const SOURCES = ["app", "lib", "components", "public", "drizzle", "workers"];
const FILES = [
  "package.json",
  "package-lock.json",
  "next.config.js",
  "postcss.config.mjs",
  "tsconfig.json",
  "tsconfig.next.json",
  "instrumentation.ts",
];

function newestMtime(p: string): number {
  let st: fs.Stats;
  try {
    st = fs.statSync(p);
  } catch {
    return 0;
  }
  if (!st.isDirectory()) return st.mtimeMs;
  let max = st.mtimeMs;
  for (const e of fs.readdirSync(p)) {
    if (e === "node_modules" || e.startsWith(".")) continue;
    max = Math.max(max, newestMtime(path.join(p, e)));
  }
  return max;
}

export function buildStatus(root: string): { stale: boolean; reason: string } {
  const stamp = path.join(root, env().NEXT_DIST_DIR || ".next", "BUILD_ID");
  if (!fs.existsSync(stamp)) return { stale: true, reason: "no production build yet" };
  const built = fs.statSync(stamp).mtimeMs;
  const newest = Math.max(...[...SOURCES, ...FILES].map((p) => newestMtime(path.join(root, p))));
  return newest > built ? { stale: true, reason: "sources changed since the last build" } : { stale: false, reason: "up to date" };
}

export function ensureBuild(root: string, log: (l: string) => void = console.log): void {
  const { stale, reason } = buildStatus(root);
  if (!stale) {
    log("build: production build is up to date");
    return;
  }
  log(`build: running next build (${reason}) — a minute or two on first start`);
  const started = Date.now();
  const r = spawnSync(process.execPath, [path.join(root, "node_modules/next/dist/bin/next"), "build"], {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: "1" },
  });
  if (r.status !== 0) throw new Error(`next build failed (exit ${r.status ?? r.signal})`);
  log(`build: done in ${((Date.now() - started) / 1000).toFixed(0)} s`);
}
