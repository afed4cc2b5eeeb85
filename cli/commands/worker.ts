/**
 * `nnlq worker`: run a measurement worker, or use offline device mode for air-gapped labs.
 *
 *   nnlq worker [--platform SLUG]... [options]          the worker loop (same as `npm run worker`, workers/measure/cli.ts)
 *   nnlq worker --offline-export SLUG --out jobs.jsonl [--host-name NAME] [--limit N] [--lease-hours H]
 *        (online, with a worker token) lease the platform's queued jobs to the offline device NAME and
 *        write them as a jobs bundle; prints the device token the offline machine signs with
 *   nnlq worker measure-bundle jobs.jsonl --out results.jsonl --token nnlqd_… [--budget-ms N] [--timeout-ms N]
 *        (on the offline machine, no network) measure every job in isolation, write the signed results
 *   nnlq worker import results.jsonl --token nnlqd_…
 *        (online) check the signature with the device token, then deliver every result or failure
 *
 * Environment: NNLQ_URL, NNLQ_WORKER_TOKEN (export), NNLQ_DEVICE_TOKEN (measure-bundle, import).
 */
import fs from "node:fs";
import os from "node:os";
import { optionalIntArg, parseCommandLine, UsageError } from "@/lib/args";
import { env } from "@/lib/env";
import { NnlqError, isNnlqError } from "@/lib/errors";
import { DeviceClient, NnlqClient } from "@/lib/api/client";
import type { OfflineExportResponse } from "@/lib/api/schemas/offline";
import { measureJobsBundle, verifyResultsBundle, decodeJobsBundle } from "@/lib/measure/bundle";
import { detectHost } from "@/lib/measure/host";
import { platformFromSlug } from "@/lib/measure/platforms";
import { workerMain, WORKER_USAGE } from "@/workers/measure/cli";
import { resultBody } from "@/workers/measure/report";

export const summary = "run a measurement worker, or offline device mode (--offline-export, measure-bundle, import)";

const USAGE = `${WORKER_USAGE}
       nnlq worker --offline-export SLUG --out jobs.jsonl [--host-name NAME] [--limit N] [--lease-hours H] [--url URL] [--token nnlqw_…]
       nnlq worker measure-bundle jobs.jsonl --out results.jsonl --token nnlqd_… [--budget-ms N] [--timeout-ms N]
       nnlq worker import results.jsonl --token nnlqd_… [--url URL]`;

function usage(msg: string): number {
  console.error(`nnlq worker: ${msg}\n${USAGE}`);
  return 2;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    throw new NnlqError("BAD_REQUEST", `cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

export async function run(argv: string[]): Promise<number> {
  if (argv[0] === "measure-bundle") return measureBundle(argv.slice(1));
  if (argv[0] === "import") return importResults(argv.slice(1));
  if (argv.some((a) => a === "--offline-export" || a.startsWith("--offline-export="))) return offlineExport(argv);
  if (argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  return workerMain(argv);
}

async function offlineExport(argv: string[]): Promise<number> {
  let v;
  try {
    v = parseCommandLine({
      args: argv,
      options: {
        "offline-export": { type: "string" },
        out: { type: "string" },
        "host-name": { type: "string" },
        limit: { type: "string" },
        "lease-hours": { type: "string" },
        url: { type: "string" },
        token: { type: "string" },
      },
    }).values;
  } catch (e) {
    return usage((e as Error).message);
  }
  if (!v.out) return usage("--out FILE is required");
  const token = v.token ?? env().NNLQ_WORKER_TOKEN;
  if (!token) return usage("a worker token is required (--token or NNLQ_WORKER_TOKEN)");
  const body = {
    platform: v["offline-export"]!,
    hostName: v["host-name"] ?? `offline-${os.hostname()}`,
    ...(v.limit !== undefined ? { limit: Number(v.limit) } : {}),
    ...(v["lease-hours"] !== undefined ? { leaseHours: Number(v["lease-hours"]) } : {}),
  };
  const api = new NnlqClient({ baseUrl: v.url ?? env().NNLQ_URL, headers: { "x-worker-token": token } });
  const r = await api.request<OfflineExportResponse>("POST", "/api/v1/worker/offline/export", { json: body });
  fs.writeFileSync(v.out, r.bundle);
  console.log(
    `exported ${r.jobIds.length} job${r.jobIds.length === 1 ? "" : "s"} of ${r.platform} to ${v.out} for device ${r.deviceId} (host ${body.hostName})`,
  );
  if (r.leaseExpiresAt) console.log(`the device holds them until ${r.leaseExpiresAt}; import the results before then`);
  console.log(`device token (measure-bundle and import need it; shown once): ${r.deviceToken}`);
  return 0;
}

async function measureBundle(argv: string[]): Promise<number> {
  let p;
  try {
    p = parseCommandLine({
      args: argv,
      allowPositionals: true,
      options: {
        out: { type: "string" },
        token: { type: "string" },
        "budget-ms": { type: "string" },
        "timeout-ms": { type: "string" },
        lock: { type: "string" },
      },
    });
  } catch (e) {
    return usage((e as Error).message);
  }
  const [input] = p.positionals;
  const v = p.values;
  if (!input || p.positionals.length > 1) return usage("measure-bundle takes one jobs bundle");
  if (!v.out) return usage("--out FILE is required");
  const key = v.token ?? env().NNLQ_DEVICE_TOKEN;
  if (!key) return usage("the device token from the export is required (--token or NNLQ_DEVICE_TOKEN): it signs the results");
  let budget, timeout;
  try {
    budget = optionalIntArg("budget-ms", v["budget-ms"], 10, 600_000);
    timeout = optionalIntArg("timeout-ms", v["timeout-ms"], 1000, 3_600_000);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    return usage(e.message);
  }

  const text = read(input);
  const { header, jobs } = decodeJobsBundle(text);
  platformFromSlug(header.platform, detectHost()); // NOT_FOUND when this host cannot serve the platform
  console.log(`measuring ${jobs.length} job${jobs.length === 1 ? "" : "s"} of ${header.platform} (no network needed)`);
  const signed = await measureJobsBundle(text, {
    key,
    measure: {
      ...(budget ? { timeBudgetMs: budget } : {}),
      ...(timeout ? { timeoutMs: timeout } : {}),
      ...(v.lock ? { device: v.lock } : {}),
    },
    onProgress: (done, total, r) =>
      console.log(
        `[${done}/${total}] job ${r.jobId}: ${r.ok ? `median ${r.result.stats.median.toFixed(3)} ms (${r.result.stats.runs} runs)` : `${r.error.code}: ${r.error.message}`}`,
      ),
  });
  fs.writeFileSync(v.out, signed);
  console.log(`signed results written to ${v.out}; import them with: nnlq worker import ${v.out} --token …`);
  return 0;
}

async function importResults(argv: string[]): Promise<number> {
  let p;
  try {
    p = parseCommandLine({ args: argv, allowPositionals: true, options: { token: { type: "string" }, url: { type: "string" } } });
  } catch (e) {
    return usage((e as Error).message);
  }
  const [input] = p.positionals;
  if (!input || p.positionals.length > 1) return usage("import takes one results bundle");
  const token = p.values.token ?? env().NNLQ_DEVICE_TOKEN;
  if (!token) return usage("the device token from the export is required (--token or NNLQ_DEVICE_TOKEN)");
  const { header, results } = verifyResultsBundle(read(input), token); // BUNDLE_INVALID when altered or signed with another token
  const device = new DeviceClient({ baseUrl: p.values.url ?? env().NNLQ_URL, headers: { "x-device-token": token } });
  let refused = 0;
  for (const r of results) {
    const jobId = Number(r.jobId);
    try {
      if (!Number.isInteger(jobId) || jobId <= 0) throw new NnlqError("BUNDLE_INVALID", `job id '${r.jobId}' is not a job of this server`);
      if (r.ok) {
        const body = resultBody(r.result);
        await device.result(jobId, body);
        console.log(`job ${jobId}: done, median ${body.stats.medianMs.toFixed(3)} ms`);
      } else {
        const out = await device.fail(jobId, {
          code: /^[A-Z][A-Z0-9_]{1,63}$/.test(r.error.code) ? r.error.code : "MEASUREMENT_FAILED",
          message: r.error.message.slice(0, 4000) || "failed",
          retry: false,
          details: r.error.details,
        });
        console.log(`job ${jobId}: ${out.job.state} — ${r.error.code}: ${r.error.message.split("\n")[0]}`);
      }
    } catch (e) {
      refused++;
      console.error(`job ${r.jobId}: refused — ${isNnlqError(e) ? `${e.code}: ${e.message}` : String(e)}`);
    }
  }
  console.log(
    `imported ${results.length - refused} of ${results.length} results of ${header.platform}${refused ? ` (${refused} refused)` : ""}`,
  );
  return refused ? 4 : 0;
}
