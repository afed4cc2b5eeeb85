/**
 * npm run campaign -- [--platform SLUG]... [--family F]... [--per-family N] [--batch B] [--budget-ms M]
 *                     [--until-minutes T] [--repeat N [--repeat-since T]] [--noisy-retakes N] [--networks] [--background] [--dry-run]
 *
 * Measures zoo models on this host's platforms through the job queue (plan: lib/services/campaign.ts; run: workers/campaign.ts). With no
 * --platform/--family/--per-family/--batch it runs the release plan (t1 batch 1 ×150 per family, the
 * classic networks, every other local platform ×100 per family, t1 batch 8 ×19 per family); otherwise one
 * stage per --platform (default: t1) with the given families, count and batch.
 * --networks measures the classic networks of ../shared/onnx/networks instead of zoo specs, each at its natural
 * input size and 2–3 other sizes where the model allows (lib/measure/shape-variants.ts); --dry-run lists them.
 * --repeat N re-measures N random already-measured models of those stages (repeatability; models with two
 * runs count towards N, so it resumes too); --repeat-since T only picks models first measured at or after T.
 * Resumable: only what is missing is measured. Progress and ETA on stderr. --background re-launches itself
 * detached (log and pid under .data/campaign/), safe to leave running across sessions; Ctrl-C / SIGTERM
 * finish the current measurement, give held jobs back, and stop.
 * Database: DATABASE_URL, else MySQL on 127.0.0.1:3306 (database nnlq), else the private server of
 * `npm run up`. Exit codes: 0 done (or stopped by --until-minutes / signal), 2 usage, 3 bad input.
 */
import { spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { NnlqError, isNnlqError } from "@/lib/errors";
import { resolveServer } from "@/lib/db/server";
import { runMigrations } from "@/lib/db/migrate";
import { createDb } from "@/lib/db/client";
import { seed } from "@/lib/services/seed";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import { closeSharedPool, sharedPool } from "@/lib/measure/pool";
import { isZooFamily, ZOO_FAMILIES, type ZooFamily } from "@/lib/zoo";
import { CAMPAIGN, planCampaign, releaseStages, type Stage } from "@/lib/services/campaign";
import { runCampaign, type CampaignProgress } from "@/workers/campaign";
import { numberArg, parseArgsOrExit, usageExit, validOrExit } from "@/lib/args";
import { alive } from "@/lib/proc";
import { checkEnvOrExit } from "@/lib/env";

checkEnvOrExit("campaign");

const ROOT = path.resolve(import.meta.dirname, "..");
const DIR = path.join(ROOT, ".data/campaign");
const USAGE = `usage: npm run campaign -- [--platform SLUG]... [--family F]... [--per-family N] [--batch B]
                           [--budget-ms M] [--until-minutes T] [--repeat N [--repeat-since T]] [--noisy-retakes N] [--networks] [--background] [--dry-run]`;

const usage = (msg: string): never => usageExit("campaign", msg, USAGE);

const { values } = parseArgsOrExit("campaign", {
  options: {
    platform: { type: "string", multiple: true },
    family: { type: "string", multiple: true },
    "per-family": { type: "string" },
    batch: { type: "string" },
    "budget-ms": { type: "string" },
    "until-minutes": { type: "string" },
    repeat: { type: "string" },
    "repeat-since": { type: "string" },
    "noisy-retakes": { type: "string" },
    networks: { type: "boolean", default: false },
    background: { type: "boolean", default: false },
    "dry-run": { type: "boolean", default: false },
    help: { type: "boolean", default: false },
  },
  strict: true,
}, USAGE);
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const int = (name: string, v: string | undefined, min: number, max: number): number | undefined =>
  validOrExit("campaign", () => numberArg(name, v, min, max, { integer: name !== "until-minutes" }), USAGE);
const perFamily = int("per-family", values["per-family"], 1, 5000);
const batch = int("batch", values.batch, 1, 64);
const budgetMs = int("budget-ms", values["budget-ms"], 50, 60_000);
const untilMinutes = int("until-minutes", values["until-minutes"], 0.1, 100_000);
const repeat = int("repeat", values.repeat, 1, 100_000);
const repeatSince = values["repeat-since"] ? new Date(values["repeat-since"]) : undefined;
if (repeatSince && Number.isNaN(repeatSince.getTime())) usage(`--repeat-since must be a date/time, got '${values["repeat-since"]}'`);
const noisyRetakes = int("noisy-retakes", values["noisy-retakes"], 0, 5);
const families = (values.family ?? []).flatMap((f) => f.split(",")).filter(Boolean);
for (const f of families) if (!isZooFamily(f)) usage(`unknown family '${f}' (one of: ${ZOO_FAMILIES.join(", ")})`);

const host = detectHost();
const local = localPlatforms(host);
const slugs = (values.platform ?? []).flatMap((p) => p.split(",")).filter(Boolean);
for (const s of slugs)
  if (!local.some((p) => p.slug === s)) usage(`platform '${s}' is not served by this host (local: ${local.map((p) => p.slug).join(", ")})`);

const custom =
  slugs.length > 0 || families.length > 0 || perFamily !== undefined || batch !== undefined || repeat !== undefined || values.networks;
const stages: Stage[] = values.networks
  ? (slugs.length ? slugs : [local[0]!.slug]).map((slug) => ({
      name: `networks-${slug.split("/").slice(1).join("-")}`,
      platform: slug,
      batch: 1,
      perFamily: 0,
      families: [],
      networks: true,
    }))
  : custom
    ? (slugs.length ? slugs : [local[0]!.slug]).map((slug) => ({
        name: `${repeat ? "repeat" : "custom"}-${slug.split("/").slice(1).join("-")}-b${batch ?? 1}`,
        ...(repeat ? { repeat, ...(repeatSince ? { repeatSince } : {}) } : {}),
        platform: slug,
        batch: batch ?? 1,
        perFamily: perFamily ?? CAMPAIGN.planSize,
        families: (families.length ? families : [...ZOO_FAMILIES]) as ZooFamily[],
      }))
    : releaseStages(local);

if (values.background) {
  fs.mkdirSync(DIR, { recursive: true });
  const pidFile = path.join(DIR, "campaign.pid");
  const old = fs.existsSync(pidFile) ? Number(fs.readFileSync(pidFile, "utf8")) : 0;
  if (old && alive(old)) {
    console.error(`campaign: already running in the background (pid ${old}); log: ${path.join(DIR, "campaign.log")}`);
    process.exit(3);
  }
  const logFile = path.join(DIR, "campaign.log");
  const out = fs.openSync(logFile, "a");
  const args = process.argv.slice(2).filter((a) => a !== "--background");
  const child = spawn(process.execPath, ["--import", "tsx", path.join(ROOT, "scripts/campaign.ts"), ...args], {
    cwd: ROOT,
    detached: true,
    stdio: ["ignore", out, out],
    env: { ...process.env, NNLQ_CAMPAIGN_BACKGROUND: "1" },
  });
  fs.writeFileSync(pidFile, String(child.pid));
  child.unref();
  console.log(`campaign running in the background: pid ${child.pid}, log ${logFile} (stop: kill ${child.pid})`);
  process.exit(0);
}

const log = (line: string) => console.log(`[campaign ${new Date().toISOString().slice(11, 19)}] ${line}`);
const fmtDur = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s >= 3600
    ? `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`
    : `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
};
const tty = process.stderr.isTTY;
let lastLine = 0;
function progress(p: CampaignProgress) {
  const width = 30;
  const frac = p.total ? p.done / p.total : 1;
  const bar = "█".repeat(Math.round(frac * width)).padEnd(width, "░");
  const line = `${bar} ${p.done}/${p.total} (${(frac * 100).toFixed(1)}%) ${p.failed} failed · ${p.stage} · elapsed ` +
    `${fmtDur(p.elapsedMs)} · ETA ${p.etaMs === null ? "?" : fmtDur(p.etaMs)} · last ${p.last ?? ""}`;
  if (tty) process.stderr.write(`\r${line.slice(0, (process.stderr.columns ?? 160) - 1)}\x1b[K`);
  else if (p.done === p.total || Date.now() - lastLine > 30_000 || p.done % 25 === 0) {
    lastLine = Date.now();
    process.stderr.write(`${line}\n`);
  }
}

const controller = new AbortController();
const onSignal = (sig: string) => {
  if (controller.signal.aborted) process.exit(130);
  log(`${sig}: finishing the current measurement, then stopping (again to stop now)`);
  controller.abort();
};
process.on("SIGINT", () => onSignal("SIGINT"));
process.on("SIGTERM", () => onSignal("SIGTERM"));

try {
  const server = await resolveServer({ log });
  await runMigrations(server.url);
  const h = createDb(server.url, { connectionLimit: 3 });
  try {
    await seed(h.db, { demo: false });
    log(
      `database ${server.url.replace(/:[^:@/]*@/, ":***@")}; host ${host.cpuModel}, ${host.cores} cores; ${stages.length} stage(s)${untilMinutes ? `, until ${untilMinutes} min` : ""}`,
    );
    if (values["dry-run"]) {
      // the plan only (corpus networks listed size by size with their state); nothing is enqueued
      const p = await planCampaign(h.db, { stages, host, log, listNetworks: true });
      log(
        `dry run: ${p.planned} planned, ${p.alreadyMeasured} already measured, ${p.toRetake} to retake, ` +
          `${p.skippedFailed} failed for good earlier` +
          (p.skippedInvalid ? `, ${p.skippedInvalid} corpus sizes left out (shape inference refused them)` : ""),
      );
    } else {
      const deviceName = values.networks ? "campaign-networks" : repeat ? "campaign-repeat" : custom ? "campaign-custom" : "campaign";
      const s = await runCampaign(h.db, {
        stages,
        budgetMs,
        noisyRetakes,
        untilMinutes,
        host,
        log,
        progress,
        signal: controller.signal,
        deviceName,
      });
      if (tty) process.stderr.write("\n");
      log(
        `${s.stoppedEarly ? "stopped" : "done"}: ${s.measured} measured, ${s.failed} failed, ${s.alreadyMeasured} were already measured, ` +
          `${s.skippedFailed} skipped (failed earlier), ${s.skippedInvalid ? `${s.skippedInvalid} corpus sizes left out, ` : ""}${s.retakes} noisy re-takes, ${s.busy} on a busy device; device time ${s.deviceSeconds.toFixed(0)} s; ` +
          `${fmtDur(s.elapsedMs)}; measuring processes started: ${sharedPool().stats.starts}`,
      );
      if (s.measured + s.failed > 0)
        log(
          `ms per job: ${Object.entries(s.phases)
            .map(([k, v]) => `${k} ${(v / (s.measured + s.failed)).toFixed(0)}`)
            .join(", ")}`,
        );
      for (const [name, st] of Object.entries(s.byStage))
        log(
          `  ${name}: planned ${st.planned}, missing at start ${st.missing}, measured ${st.measured}, failed ${st.failed}` +
            (st.invalid ? `, ${st.invalid} sizes left out` : ""),
        );
    }
  } finally {
    await closeSharedPool();
    await h.close();
    await server.stop();
  }
  process.exit(0);
} catch (e) {
  console.error(`campaign: ${isNnlqError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.stack : String(e)}`);
  process.exit(isNnlqError(e) && e instanceof NnlqError && e.code === "VALIDATION" ? 3 : 1);
}
