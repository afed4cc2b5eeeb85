/**
 * bench:query — the latency query system against a production build (`next start`), with a real worker.
 *
 *   npm run bench:query -- [--models 30] [--clients 50] [--requests 6000] [--budget 1000] [--resolution 64] [--seed 11]
 *
 * 1. Measurement repeatability through the whole loop: K zoo models (families in turn, batch 1) are
 *    uploaded and queried on the 1-thread CPU platform; the worker measures them (pass 1); then each is
 *    queried again with `remeasure` (pass 2). Per model |Δ| = |median₁ − median₂| / mean(median₁, median₂);
 *    prints the median and p90 of |Δ| for the wall-clock medians and for the CPU-time medians (robust to
 *    other processes sharing the CPU), and the median wall/CPU ratio of each pass (1.0 = an idle core).
 * 2. Cache-hit query latency: C concurrent clients (API key, loopback, keep-alive) send POST /api/v1/query
 *    for random measured models until R requests are answered (after a warm-up); prints p50/p90/p99
 *    latency and requests/s, and checks that every answer came from the database with no new job.
 * Its own database on the local server (dropped afterwards). Timings depend on what else runs on the
 * machine (the load client shares the CPU with the server): the report prints cores and load average.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { count } from "drizzle-orm";
import { generate, sampleSpecs, ZOO_FAMILIES } from "@/lib/zoo";
import { NnlqClient } from "@/lib/api/client";
import { dropDatabase, ensureDatabase, resolveServer, withDatabase } from "@/lib/db/server";
import { runMigrations } from "@/lib/db/migrate";
import { jobs } from "@/lib/db/schema";
import { ensureBuild } from "../scripts/lib/next-build";
import { ROOT, T1, makeWorld, startApp, startWorker } from "../test/worker/harness";

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}

const K = arg("models", 30);
const CLIENTS = arg("clients", 50);
const REQUESTS = arg("requests", 6000);
const BUDGET = arg("budget", 1000);
const RES = arg("resolution", 64);
const SEED = arg("seed", 11);

const quantile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
const log = (l: string) => console.log(`[bench:query] ${l}`);

async function main() {
  ensureBuild(ROOT, log);
  const server = await resolveServer({ createDatabase: false, log });
  const name = `nnlq_bench_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await ensureDatabase(server.serverUrl, name);
  const url = withDatabase(server.serverUrl, name);
  const cleanup: (() => Promise<unknown>)[] = [async () => dropDatabase(server.serverUrl, name), async () => server.stop()];
  try {
    await runMigrations(url);
    const world = await makeWorld(url, "bench");
    cleanup.unshift(() => world.close());
    const app = await startApp({ databaseUrl: url });
    cleanup.unshift(() => app.stop("SIGTERM"));
    // the host's shared measurement lock: the bench never measures while another measurement runs
    const worker = startWorker({
      url: app.url,
      token: world.workerToken,
      lock: null,
      args: ["--platform", T1, "--budget-ms", String(BUDGET), "--wait", "5"],
      name: "bench-worker",
    });
    cleanup.unshift(() => worker.stop("SIGTERM"));
    await worker.waitFor(/serving 1 platform/);
    const api = new NnlqClient({ baseUrl: app.url, apiKey: world.apiKey });

    // ── 1. repeatability ──
    const specs = Array.from({ length: K }, (_, i) =>
      sampleSpecs(ZOO_FAMILIES[i % ZOO_FAMILIES.length]!, Math.floor(i / ZOO_FAMILIES.length) + 1, SEED, { batch: 1, resolution: RES }).at(
        -1,
      )!,
    );
    const modelIds: number[] = [];
    for (const [i, spec] of specs.entries()) {
      const up = await api.uploadModel(generate(spec), { name: `bench-${i}-${spec.family}` });
      modelIds.push(up.model!.id);
    }
    const pass = async (remeasure: boolean) => {
      const t0 = Date.now();
      const ids: number[] = [];
      for (const id of modelIds) {
        const item = (await api.query({ modelId: id, platforms: [T1], remeasure })).results[0]!;
        if (item.status !== "queued" && item.status !== "running")
          throw new Error(`model ${id}: expected a job, got ${JSON.stringify(item)}`);
        ids.push(item.jobId);
      }
      const { jobs: done, timedOut } = await api.waitForJobs(ids, { intervalMs: 1000, timeoutMs: 90 * 60_000 });
      if (timedOut) throw new Error("measurements did not finish in 90 min");
      const failed = done.filter((j) => j.state !== "done");
      if (failed.length) throw new Error(`failed jobs: ${failed.map((j) => `${j.id} ${j.error?.code}: ${j.error?.message}`).join("; ")}`);
      log(`pass ${remeasure ? 2 : 1}: ${done.length} measurements in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
      return done.map((j) => {
        const cpu = (j.result!.provenance.env as { cpu?: { median: number; busyRatio: number } } | null)?.cpu;
        return { wall: j.result!.result.medianMs, cpu: cpu?.median ?? NaN, busy: cpu?.busyRatio ?? NaN };
      });
    };
    log(`measuring ${K} zoo models (${RES}×${RES}, batch 1) on ${T1}, twice, ${BUDGET} ms budget per attempt`);
    const m1 = await pass(false);
    const m2 = await pass(true);
    const relDeltas = (f: (x: (typeof m1)[number]) => number) =>
      m1
        .map((a, i) => Math.abs(f(a) - f(m2[i]!)) / ((f(a) + f(m2[i]!)) / 2))
        .filter(Number.isFinite)
        .sort((a, b) => a - b);
    const deltas = relDeltas((x) => x.wall);
    const cpuDeltas = relDeltas((x) => x.cpu);
    const medianOf = (xs: number[]) => [...xs].filter(Number.isFinite).sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
    const busy = [medianOf(m1.map((x) => x.busy)), medianOf(m2.map((x) => x.busy))];

    // ── 2. cache-hit query latency ──
    const jobsBefore = (await world.db.select({ n: count() }).from(jobs))[0]!.n;
    const key = world.apiKey;
    const ask = async () => {
      const modelId = modelIds[Math.floor(Math.random() * modelIds.length)]!;
      const t = performance.now();
      const res = await fetch(`${app.url}/api/v1/query`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
        body: JSON.stringify({ modelId, platforms: [T1] }),
      });
      const body = (await res.json()) as { results?: { status: string }[] };
      const ms = performance.now() - t;
      if (res.status !== 200 || body.results?.[0]?.status !== "measured")
        throw new Error(`not a cache hit: HTTP ${res.status} ${JSON.stringify(body).slice(0, 300)}`);
      return ms;
    };
    const load = async (total: number) => {
      const lat: number[] = [];
      let issued = 0;
      const t0 = performance.now();
      await Promise.all(
        Array.from({ length: CLIENTS }, async () => {
          while (issued < total) {
            issued++;
            lat.push(await ask());
          }
        }),
      );
      return { lat: lat.sort((a, b) => a - b), seconds: (performance.now() - t0) / 1000 };
    };
    await load(Math.min(500, REQUESTS)); // warm-up: connections, JIT, caches
    const loadavg0 = os.loadavg()[0]!;
    const { lat, seconds } = await load(REQUESTS);
    const jobsAfter = (await world.db.select({ n: count() }).from(jobs))[0]!.n;
    if (jobsAfter !== jobsBefore) throw new Error(`cache hits created ${jobsAfter - jobsBefore} jobs`);

    const report = {
      at: new Date().toISOString(),
      host: {
        cpu: os.cpus()[0]?.model,
        cores: os.availableParallelism(),
        loadavg1: Number(os.loadavg()[0]!.toFixed(2)),
        loadavgAtLoadStart: Number(loadavg0.toFixed(2)),
      },
      repeatability: {
        platform: T1,
        models: K,
        resolution: RES,
        budgetMs: BUDGET,
        medianRelDelta: deltas[Math.floor(deltas.length / 2)]!,
        p90RelDelta: quantile(deltas, 0.9),
        maxRelDelta: deltas.at(-1)!,
        medianLatencyMs: medianOf(m1.map((x) => x.wall)),
        cpuTime: {
          medianRelDelta: cpuDeltas[Math.floor(cpuDeltas.length / 2)] ?? NaN,
          p90RelDelta: cpuDeltas.length ? quantile(cpuDeltas, 0.9) : NaN,
        },
        medianBusyRatio: { pass1: busy[0]!, pass2: busy[1]! },
      },
      cacheHit: {
        clients: CLIENTS,
        requests: lat.length,
        p50Ms: quantile(lat, 0.5),
        p90Ms: quantile(lat, 0.9),
        p99Ms: quantile(lat, 0.99),
        maxMs: lat.at(-1)!,
        requestsPerSecond: lat.length / seconds,
        newJobs: jobsAfter - jobsBefore,
      },
    };
    const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
    console.log(`
nnlq bench:query — ${report.host.cpu}, ${report.host.cores} cores, load average ${report.host.loadavg1} (other processes share this machine)

measurement repeatability on ${T1} (${K} zoo models, ${RES}×${RES}, batch 1, measured twice through worker + database)
  median |Δ| / latency   ${pct(report.repeatability.medianRelDelta)}
  p90    |Δ| / latency   ${pct(report.repeatability.p90RelDelta)}
  max    |Δ| / latency   ${pct(report.repeatability.maxRelDelta)}
  (median model latency ${report.repeatability.medianLatencyMs.toFixed(3)} ms)
  CPU time per run (robust to a shared CPU): median |Δ| ${pct(report.repeatability.cpuTime.medianRelDelta)}, p90 ${pct(report.repeatability.cpuTime.p90RelDelta)}
  median wall/CPU ratio while measuring: pass 1 ${report.repeatability.medianBusyRatio.pass1.toFixed(2)}, pass 2 ${report.repeatability.medianBusyRatio.pass2.toFixed(2)} (1.0 = the core was ours alone)

cache-hit query latency (POST /api/v1/query, ${CLIENTS} concurrent clients, ${lat.length} requests, loopback, next start)
  p50   ${report.cacheHit.p50Ms.toFixed(1)} ms
  p90   ${report.cacheHit.p90Ms.toFixed(1)} ms
  p99   ${report.cacheHit.p99Ms.toFixed(1)} ms
  max   ${report.cacheHit.maxMs.toFixed(1)} ms
  throughput   ${report.cacheHit.requestsPerSecond.toFixed(0)} requests/s   (new jobs created: ${report.cacheHit.newJobs})
`);
    const dir = path.join(ROOT, "bench/results");
    fs.mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `query-${report.at.replace(/[:.]/g, "-")}.json`);
    fs.writeFileSync(file, JSON.stringify(report, null, 2) + "\n");
    log(`written ${path.relative(ROOT, file)}`);
  } finally {
    for (const c of cleanup) await c().catch((e) => log(`cleanup: ${(e as Error).message}`));
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(`[bench:query] failed: ${e instanceof Error ? e.message : e}`);
    process.exit(1);
  },
);
