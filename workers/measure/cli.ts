/**
 * Command line of the measurement worker, shared by `npm run worker` (workers/worker.ts) and `nnlq worker`:
 *
 *   --url URL            the nnlq app (NNLQ_URL, default http://localhost:3000)
 *   --token TOKEN        worker token nnlqw_… (NNLQ_WORKER_TOKEN)
 *   --platform SLUG      serve only this platform (repeatable or comma-separated; default: all local ones)
 *   --host-name NAME     device host name (NNLQ_WORKER_HOST, default: the machine's host name)
 *   --budget-ms N        timed-run budget per measurement attempt (default 2000)
 *   --timeout-ms N       hard limit per measurement, conversion included
 *   --ci-target F        stop an attempt once the median's 95% CI is within ±F (default 0.01; 0 = whole budget)
 *   --profile-runs N     per-operator profile runs (0 = no profile)
 *   --wait N             claim long-poll in seconds (default 20)
 *   --lock NAME          host measurement lock (default: the hardware slug, shared by everything that
 *                        measures on this CPU; tests use their own so they don't queue behind campaigns)
 *   --list               print the platforms this host can serve and exit
 * SIGTERM / SIGINT stop gracefully (a second one stops at once). Exit codes: 0 stopped, 2 usage, 3 refused
 * (bad token, unknown platform).
 */
import { fractionArg, optionalIntArg, parseCommandLine, splitList, UsageError } from "@/lib/args";
import { NnlqError, isNnlqError, statusOf } from "@/lib/errors";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import { Worker, type WorkerConfig } from "./loop";

export const WORKER_USAGE = `usage: nnlq worker [--url URL] [--token nnlqw_…] [--platform SLUG]... [--host-name NAME]
                   [--budget-ms N] [--timeout-ms N] [--ci-target F] [--profile-runs N] [--wait SECONDS] [--lock NAME] [--list]
environment: NNLQ_URL, NNLQ_WORKER_TOKEN, NNLQ_WORKER_HOST`;

export function parseWorkerArgs(argv: string[], env: Record<string, string | undefined> = process.env): WorkerConfig & { list: boolean } {
  let values;
  try {
    ({ values } = parseCommandLine({
      args: argv,
      options: {
        url: { type: "string" },
        token: { type: "string" },
        platform: { type: "string", multiple: true },
        "host-name": { type: "string" },
        "budget-ms": { type: "string" },
        "timeout-ms": { type: "string" },
        "profile-runs": { type: "string" },
        "ci-target": { type: "string" },
        wait: { type: "string" },
        lock: { type: "string" },
        list: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (e) {
    throw new NnlqError("BAD_REQUEST", `${(e as Error).message}\n${WORKER_USAGE}`, { usage: true });
  }
  // integers written as digits, in range; the message keeps the worker's ", got 'x'" wording
  const int = (name: string, v: string | undefined, min: number, max: number) => optionalIntArg(name, v, min, max, "comma");
  try {
    return {
      url: values.url ?? env.NNLQ_URL ?? "http://localhost:3000",
      workerToken: values.token ?? env.NNLQ_WORKER_TOKEN ?? "",
      platforms: splitList(values.platform),
      hostName: values["host-name"] ?? env.NNLQ_WORKER_HOST ?? undefined,
      budgetMs: int("budget-ms", values["budget-ms"], 10, 600_000),
      timeoutMs: int("timeout-ms", values["timeout-ms"], 1000, 3_600_000),
      profileRuns: int("profile-runs", values["profile-runs"], 0, 1000),
      ciTarget: fractionArg("ci-target", values["ci-target"]),
      waitSeconds: int("wait", values.wait, 0, 30),
      lock: values.lock,
      list: values.list ?? false,
    };
  } catch (e) {
    throw e instanceof UsageError ? new NnlqError("VALIDATION", e.message) : e;
  }
}

/** Runs the worker until SIGTERM/SIGINT; returns the exit code. */
export async function workerMain(argv: string[]): Promise<number> {
  let cfg;
  try {
    cfg = parseWorkerArgs(argv);
  } catch (e) {
    console.error(`nnlq worker: ${(e as Error).message}`);
    return 2;
  }
  if (cfg.list) {
    for (const p of localPlatforms(detectHost())) console.log(`${p.slug}\t${p.description}`);
    return 0;
  }
  for (const k of Object.keys(cfg) as (keyof typeof cfg)[]) if (cfg[k] === undefined) delete cfg[k];
  let worker: Worker;
  try {
    worker = new Worker(cfg);
  } catch (e) {
    console.error(`nnlq worker: ${isNnlqError(e) ? e.message : String(e)}`);
    return isNnlqError(e) && statusOf(e.code) < 500 ? 3 : 1;
  }
  let firstSignalAt = 0;
  const onSignal = (sig: string) => {
    // Ctrl-C under `npm run up` reaches the worker twice (the terminal's SIGINT and the start script's
    // SIGTERM): a second signal within a second is the same request
    if (worker.stopped && Date.now() - firstSignalAt < 1000) return;
    firstSignalAt ||= Date.now();
    console.log(
      `[worker] ${sig}: ${worker.stopped ? "stopping now" : "finishing the current measurement, then stopping (again to stop now)"}`,
    );
    worker.stop();
  };
  process.on("SIGTERM", onSignal);
  process.on("SIGINT", onSignal);
  try {
    await worker.run();
    return 0;
  } catch (e) {
    console.error(`[worker] cannot start: ${isNnlqError(e) ? `${e.code}: ${e.message}` : String(e)}`);
    return isNnlqError(e) && statusOf(e.code) < 500 ? 3 : 1;
  } finally {
    process.off("SIGTERM", onSignal);
    process.off("SIGINT", onSignal);
  }
}
