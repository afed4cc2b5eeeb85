/**
 * The compute pool (lib/compute): heavy work runs in worker threads while the request thread stays
 * responsive; graphs over the node limit are refused with a message; a thread that crashes or overruns
 * its deadline fails only its job and is replaced; micro-batched predictions equal unbatched ones.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ComputePool } from "@/lib/compute/pool";
import type { PredictItemOutcome } from "@/lib/compute/tasks";
import type { NnlqError } from "@/lib/errors";
import { analyze } from "@/lib/onnx";
import { generate, sampleSpecs } from "@/lib/zoo";
import { fromArtifacts, trainVersion } from "@/lib/predict";
import { initTfNode } from "@/lib/predict/node/backend";
import { readArtifacts, saveArtifacts } from "@/lib/predict/node/io";
import { tinyGraphs } from "../predict/helpers";
import { reluChain } from "./chain";

const pools: ComputePool[] = [];
const newPool = (o: ConstructorParameters<typeof ComputePool>[0]) => {
  const p = new ComputePool(o);
  pools.push(p);
  return p;
};
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

describe("compute pool", () => {
  it("analyses a large graph in a thread while the main thread keeps answering timers", async () => {
    const pool = newPool({ size: 1, deadlineMs: 120_000 });
    const chain = reluChain(20_000);
    await pool.run({ kind: "analyze", bytes: reluChain(10), maxNodes: 100 }); // thread started (tsx compile) before timing
    // a 20 ms timer: the longest gap between its ticks (and from the last tick to the answer) is how long
    // the event loop was blocked
    let ticks = 0;
    let last = performance.now();
    let maxLagMs = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxLagMs = Math.max(maxLagMs, now - last - 20);
      last = now;
      ticks++;
    }, 20);
    const t0 = performance.now();
    const r = await pool.run({ kind: "analyze", bytes: chain, maxNodes: 100_000 });
    const ms = performance.now() - t0;
    maxLagMs = Math.max(maxLagMs, performance.now() - last - 20);
    clearInterval(timer);
    expect(r.summary.nodeCount).toBe(20_000);
    expect(r.summary.hash).toBe(analyze(reluChain(20_000)).hash); // the same analysis as in-process
    // the analysis takes seconds; the event loop never waited for it
    expect(ms).toBeGreaterThan(500);
    expect(maxLagMs, `event loop blocked ${maxLagMs.toFixed(0)} ms during a ${ms.toFixed(0)} ms analysis`).toBeLessThan(
      Math.min(250, ms / 4),
    );
    expect(ticks).toBeGreaterThan(ms / 20 / 3);
  }, 180_000);

  it("refuses a graph over the node limit with GRAPH_TOO_LARGE and a message", async () => {
    const pool = newPool({ size: 1 });
    const e = await pool.run({ kind: "analyze", bytes: reluChain(2_001), maxNodes: 2_000 }).catch((x) => x);
    expect(e.code).toBe("GRAPH_TOO_LARGE");
    expect(e.message).toMatch(/2001 nodes; this server analyses at most 2000 \(NNLQ_MAX_NODES\)/);
    expect((await pool.run({ kind: "analyze", bytes: reluChain(2_000), maxNodes: 2_000 })).summary.nodeCount).toBe(2_000);
  }, 60_000);

  it("replaces a thread that crashes or overruns its deadline; only that job fails", async () => {
    const pool = newPool({ size: 1, deadlineMs: 1_500 });
    await pool.run({ kind: "analyze", bytes: reluChain(10), maxNodes: 100 });
    const crash = (await pool.run({ kind: "crash" }).catch((x) => x)) as NnlqError;
    expect(crash.code).toBe("COMPUTE_FAILED");
    expect(crash.message).toMatch(/compute thread stopped \(exit code 70\)/);
    expect((await pool.run({ kind: "analyze", bytes: reluChain(10), maxNodes: 100 })).summary.nodeCount).toBe(10);
    const late = (await pool.run({ kind: "spin", ms: 60_000 }).catch((x) => x)) as NnlqError;
    expect(late.code).toBe("COMPUTE_DEADLINE");
    expect(late.message).toMatch(/after 1500 ms \(its per-job deadline\)/);
    expect((await pool.run({ kind: "analyze", bytes: reluChain(10), maxNodes: 100 })).summary.nodeCount).toBe(10);
    expect(pool.stats).toMatchObject({ started: 3, crashed: 1, deadlines: 1 });
    expect(pool.threads).toBe(1);
  }, 120_000);
});

describe("predict in the pool", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-pool-"));
  let file = "";
  beforeAll(async () => {
    await initTfNode();
    const s = tinyGraphs(["resnet", "vgg"], 4).flatMap((x) => [
      { ...x, platform: "a", latencyMs: 1 + x.features.numNodes / 10 },
      { ...x, platform: "b", latencyMs: 2 },
    ]);
    const r = await trainVersion("gnn", s, { version: "gnn-pool-test", seed: 1, gnn: { epochs: 2 } } as never);
    file = saveArtifacts(path.join(dir, "gnn-pool-test"), r.predictor.save());
    r.predictor.dispose();
  }, 120_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("batches concurrent requests into fewer inference calls, with the results of unbatched calls", async () => {
    const specs = [...sampleSpecs("resnet", 4, 5, { resolution: 32 }), ...sampleSpecs("vgg", 4, 5, { resolution: 32 })];
    const items = [...specs.map((spec) => ({ spec })), { spec: { family: "nope" } }];
    const base = { predictor: { file, version: "gnn-pool-test" }, maxNodes: 100_000 };

    const one = newPool({ size: 1, batchMax: 1 });
    const unbatched: PredictItemOutcome[] = [];
    for (const it of items) unbatched.push((await one.predict(base, [it])).results[0]!);
    expect(one.stats.jobs).toBe(items.length);

    const pool = newPool({ size: 1, batchMax: 64 });
    const batched = (await Promise.all(items.map((it) => pool.predict(base, [it])))).map((r) => r.results[0]!);
    expect(pool.stats.jobs).toBeLessThan(items.length); // requests that waited went in together
    expect(pool.stats.batchedItems).toBe(items.length);

    // and in-process, one call for all: the same numbers
    const direct = fromArtifacts(readArtifacts(file));
    const ref = direct.predict(specs.map((s) => generate(s)));
    direct.dispose();

    expect(batched.at(-1)!.error!.code).toBe("VALIDATION");
    expect(unbatched.at(-1)!.error!.code).toBe("VALIDATION");
    for (let i = 0; i < specs.length; i++) {
      expect(batched[i]!.hash).toBe(unbatched[i]!.hash);
      expect(batched[i]!.predictions!.map((p) => p.platform)).toEqual(["a", "b"]);
      batched[i]!.predictions!.forEach((p, k) => {
        expect(p.latencyMs).toBeCloseTo(unbatched[i]!.predictions![k]!.latencyMs, 4);
        expect(p.latencyMs).toBeCloseTo(ref[i]![k]!.latencyMs, 4);
        expect(p.latencyMs).toBeGreaterThan(0);
      });
    }
  }, 120_000);
});
