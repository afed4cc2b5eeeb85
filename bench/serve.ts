/**
 * bench:serve — request throughput of a production server (`next start`) while heavy work runs, one run:
 *
 *   npm run bench:serve -- [--connections 50] [--seconds 20] [--nodes 200000]
 *
 * Its own database (seeded, the data release imported: measurements to browse and cached queries), a GNN
 * predictor trained here in seconds on tiny zoo graphs for the local platforms and put in a private
 * predictor store, then autocannon (C connections, S seconds each):
 *   1. GET /api/health                               the reference
 *   2. POST /api/v1/query (API key)                  a measured model → answered from the database, no new job
 *   3. GET /api/v1/browse (anonymous)                the browse API
 *   4. POST /api/v1/predict (API key), one zoo spec  inference in the compute pool, micro-batched
 *   1b. GET /api/health with a light probe (--probe connections, default 2): the idle responsiveness
 *   5. GET /api/health (C connections, then the light probe) while a client uploads an N-node ONNX chain over and over
 *      (analysis in the pool) and a
 *      predict storm (C connections) runs
 *   6. one predict request at the item limit (distinct zoo specs): its time
 * Prints req/s, p50, p99, errors per run and each throughput as a ratio of health's, the goals
 * (cached query ≥ 0.75×, predict ≥ 0.5×, health p99 ≤ 100 ms under load, 0 errors), cores and load average.
 * The load client shares the machine with the server.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { createRequire } from "node:module";
import { randomBytes } from "node:crypto";
import { count } from "drizzle-orm";
import { jobs } from "@/lib/db/schema";
import { dropDatabase, ensureDatabase, resolveServer, withDatabase } from "@/lib/db/server";
import { runMigrations } from "@/lib/db/migrate";
import { importRelease } from "@/lib/services/release";
import { listPlatforms } from "@/lib/db/platforms";
import { sampleSpecs, ZOO_FAMILIES } from "@/lib/zoo";
import { PREDICT_MAX_ITEMS } from "@/lib/api/schemas/predict";
import { trainVersion } from "@/lib/predict";
import { initTfNode } from "@/lib/predict/node/backend";
import { saveArtifacts } from "@/lib/predict/node/io";
import { ensureBuild } from "../scripts/lib/next-build";
import { ROOT, makeWorld, startApp } from "../test/worker/harness";
import { tinyGraphs } from "../test/predict/helpers";
import { reluChain } from "../test/compute/chain";

interface Result {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number; average: number; max: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  "2xx": number;
  duration: number;
}
const autocannon = createRequire(import.meta.url)("autocannon") as (o: Record<string, unknown>) => Promise<Result>;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  const v = i >= 0 ? Number(process.argv[i + 1]) : dflt;
  if (!Number.isFinite(v) || v <= 0) throw new Error(`--${name} must be a positive number`);
  return v;
}
const C = arg("connections", 50);
const S = arg("seconds", 20);
const NODES = arg("nodes", 200_000);
/**
 * The responsiveness probe: a monitor's few connections. 50 closed-loop connections on health alone queue
 * behind each other (Little's law: 50 / ~500 req/s ≈ 100 ms mean on an idle server), so a stall shows in
 * a light probe's p99, not in a saturating run's; both are printed.
 */
const PROBE = arg("probe", 2);
const log = (l: string) => console.log(`[bench:serve] ${l}`);

async function main() {
  ensureBuild(ROOT, log);
  const server = await resolveServer({ createDatabase: false, log });
  const name = `nnlq_bench_${Date.now().toString(36)}_${randomBytes(3).toString("hex")}`;
  await ensureDatabase(server.serverUrl, name);
  const url = withDatabase(server.serverUrl, name);
  const store = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-bench-serve-"));
  const cleanup: (() => Promise<unknown>)[] = [
    async () => fs.rmSync(store, { recursive: true, force: true }),
    async () => dropDatabase(server.serverUrl, name),
    async () => server.stop(),
  ];
  try {
    await runMigrations(url);
    const world = await makeWorld(url, "serve");
    cleanup.unshift(() => world.close());
    const t0 = performance.now();
    await importRelease(world.db, undefined, { verify: 0, predictors: false });
    log(`data release imported (${((performance.now() - t0) / 1000).toFixed(0)} s)`);

    // a predictor for the platforms of the database, written to a private store (found without promotion)
    await initTfNode();
    const slugs = (await listPlatforms(world.db, { activeOnly: false })).map((p) => p.slug).slice(0, 6);
    const graphs = tinyGraphs(["resnet", "vgg"], 4);
    const samples = graphs.flatMap((g) =>
      slugs.map((platform, k) => ({ ...g, platform, latencyMs: (1 + k) * (1 + g.features.numNodes / 20) })),
    );
    const version = `gnn-bench-serve-${Date.now().toString(36)}`;
    const trained = await trainVersion("gnn", samples, { version, seed: 1, gnn: { epochs: 2 } } as never);
    saveArtifacts(path.join(store, "predictors", version), trained.predictor.save());
    trained.predictor.dispose();

    const app = await startApp({
      databaseUrl: url,
      env: {
        NNLQ_PREDICTORS_DIR: path.join(store, "predictors"),
        NNLQ_PUBLIC_DIR: store,
        // the anonymous browse run measures the server, not the rate limiter
        NNLQ_ANON_RPS: "1000000",
        NNLQ_ANON_BURST: "1000000",
        // the stress upload is analysed (the default limit, 100k nodes, would refuse it after decoding)
        NNLQ_MAX_NODES: String(Math.max(NODES, 100_000)),
        NNLQ_COMPUTE_DEADLINE_MS: "120000",
      },
    });
    cleanup.unshift(() => app.stop("SIGTERM"));
    const auth = { authorization: `Bearer ${world.apiKey}`, "content-type": "application/json" };

    // a measured model and its platform (a cache hit of /query), found through the browse API
    let hit: { modelId: number; platform: string } | null = null;
    for (const slug of slugs) {
      const r = (await (await fetch(`${app.url}/api/v1/browse?platform=${encodeURIComponent(slug)}&limit=5`)).json()) as {
        items?: { model: { id: number } }[];
      };
      if (r.items?.length) {
        hit = { modelId: r.items[0]!.model.id, platform: slug };
        break;
      }
    }
    if (!hit) throw new Error("no measured model found through /api/v1/browse");
    const queryBody = JSON.stringify({ modelId: hit.modelId, platforms: [hit.platform] });
    const q = (await (await fetch(`${app.url}/api/v1/query`, { method: "POST", headers: auth, body: queryBody })).json()) as {
      results: { status: string }[];
    };
    if (q.results?.[0]?.status !== "measured") throw new Error(`the query is not a cache hit: ${JSON.stringify(q).slice(0, 300)}`);
    const spec = sampleSpecs("resnet", 1, 7, { batch: 1, resolution: 224 })[0]!;
    const predictBody = JSON.stringify({ models: [{ spec }] });
    const p = await fetch(`${app.url}/api/v1/predict`, { method: "POST", headers: auth, body: predictBody });
    if (p.status !== 200) throw new Error(`predict: HTTP ${p.status} ${(await p.text()).slice(0, 300)}`);
    const jobsBefore = (await world.db.select({ n: count() }).from(jobs))[0]!.n;

    const run = (title: string, o: Record<string, unknown>) =>
      autocannon({ url: `${app.url}/api/health`, connections: C, duration: S, ...o, title });
    const rows: { name: string; r: Result }[] = [];
    const bench = async (label: string, o: Record<string, unknown>) => {
      log(`${label}: ${(o.connections as number | undefined) ?? C} connections, ${S} s`);
      const r = await run(label, o);
      rows.push({ name: label, r });
      return r;
    };
    await bench("health", {});
    await bench(`health probe (${PROBE} conn)`, { connections: PROBE });
    await bench("query (cached, key)", { url: `${app.url}/api/v1/query`, method: "POST", headers: auth, body: queryBody });
    await bench("browse (anonymous)", { url: `${app.url}/api/v1/browse?platform=${encodeURIComponent(hit.platform)}&limit=20` });
    await bench("predict (1 spec, key)", { url: `${app.url}/api/v1/predict`, method: "POST", headers: auth, body: predictBody });
    const jobsAfter = (await world.db.select({ n: count() }).from(jobs))[0]!.n;

    // 5. health while uploads of a large graph and a predict storm run
    const chain = reluChain(NODES);
    log(`stress upload: a ${NODES}-node chain, ${(chain.byteLength / 2 ** 20).toFixed(1)} MiB, uploaded in a loop`);
    let stop = false;
    const uploads: { status: number; ms: number; code?: string }[] = [];
    const uploader = (async () => {
      while (!stop) {
        const t = performance.now();
        const r = await fetch(`${app.url}/api/v1/models`, {
          method: "POST",
          headers: { authorization: auth.authorization, "content-type": "application/octet-stream" },
          body: chain as unknown as BodyInit,
        });
        const b = (await r.json().catch(() => ({}))) as { error?: { code: string } };
        uploads.push({ status: r.status, ms: performance.now() - t, code: b.error?.code });
      }
    })();
    const storm = run("predict storm", {
      url: `${app.url}/api/v1/predict`,
      method: "POST",
      headers: auth,
      body: predictBody,
      duration: 2 * S + 2,
    });
    await new Promise((r) => setTimeout(r, 1000)); // the first upload and the storm are under way
    await bench("health under load", {});
    await bench(`health probe under load`, { connections: PROBE });
    const stormResult = await storm;
    stop = true;
    await uploader;
    rows.push({ name: "(predict storm)", r: stormResult });

    // 6. one request at the item limit: distinct zoo specs (nothing cached)
    const many = Array.from({ length: PREDICT_MAX_ITEMS }, (_, i) => ({
      spec: sampleSpecs(ZOO_FAMILIES[i % ZOO_FAMILIES.length]!, 1, 1000 + i, { batch: 1 })[0]!,
    }));
    const tMany = performance.now();
    const rMany = await fetch(`${app.url}/api/v1/predict`, { method: "POST", headers: auth, body: JSON.stringify({ models: many }) });
    const bMany = (await rMany.json()) as { results?: { error?: unknown }[] };
    const manyMs = performance.now() - tMany;

    // ── report ──
    const health = rows[0]!.r.requests.average;
    const pad = (s: string, n: number) => s.padEnd(n);
    const num = (x: number, d = 0) => x.toFixed(d).padStart(9);
    console.log("");
    console.log(
      `${pad("endpoint", 24)}${"req/s".padStart(9)}${"p50 ms".padStart(9)}${"p99 ms".padStart(9)}${"errors".padStart(9)}${"non2xx".padStart(9)}${"×health".padStart(9)}`,
    );
    for (const { name: n, r } of rows) {
      console.log(
        `${pad(n, 24)}${num(r.requests.average, 1)}${num(r.latency.p50)}${num(r.latency.p99)}${num(r.errors + r.timeouts)}${num(r.non2xx)}${num(r.requests.average / health, 2)}`,
      );
    }
    const upOk = uploads.filter((u) => u.status === 200 || u.status === 201);
    console.log(
      `uploads of the ${NODES}-node chain during run 5: ${uploads.length} (${upOk.length} × 2xx${
        uploads.length - upOk.length
          ? `, others: ${uploads
              .filter((u) => u.status !== 200 && u.status !== 201)
              .map((u) => `${u.status} ${u.code ?? ""}`)
              .join(", ")}`
          : ""
      }), ${
        upOk.length
          ? `median ${upOk
              .map((u) => u.ms)
              .sort((a, b) => a - b)
              [Math.floor(upOk.length / 2)]!.toFixed(0)} ms each`
          : ""
      }`,
    );
    console.log(`new jobs during the cached-query run: ${jobsAfter - jobsBefore}`);
    console.log(
      `one predict request of ${PREDICT_MAX_ITEMS} distinct zoo specs (the item limit): HTTP ${rMany.status} ` +
        `in ${(manyMs / 1000).toFixed(1)} s, ${bMany.results?.filter((x) => x.error).length ?? "?"} item errors`,
    );
    const by = (n: string) => rows.find((r) => r.name === n)!.r;
    const errorsAll = rows.reduce((a, { r }) => a + r.errors + r.timeouts + r.non2xx, 0);
    const goals = [
      [`cached query ≥ 0.75× health req/s`, by("query (cached, key)").requests.average / health >= 0.75],
      [`predict ≥ 0.5× health req/s`, by("predict (1 spec, key)").requests.average / health >= 0.5],
      [
        `health p99 ≤ 100 ms while uploads and predicts run (probe of ${PROBE} connections)`,
        by("health probe under load").latency.p99 <= 100,
      ],
      [`0 errors (errors + timeouts + non-2xx over every run)`, errorsAll === 0],
    ] as const;
    for (const [g, ok] of goals) console.log(`goal ${ok ? "met   " : "MISSED"}  ${g}`);
    console.log(
      `machine: ${os.availableParallelism()} cores (${os.cpus()[0]?.model ?? "?"}), load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(" ")}; client and server share it`,
    );
  } finally {
    for (const f of cleanup) await f().catch((e) => log(`cleanup: ${e}`));
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
