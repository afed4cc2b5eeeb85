/**
 * Isolated measurements through real child processes with real onnxruntime-node and onnxruntime-web.
 * Assertions are on structure and validity, never on speed (the test machine is shared and noisy).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { stripWeights } from "@/lib/onnx";
import { detectHost } from "@/lib/measure/host";
import type { MeasurementResult } from "@/lib/measure/measure";
import { localPlatforms } from "@/lib/measure/platforms";
import { INT8_KERNELS } from "@/lib/measure/profile";
import { acquireFileLock, DeviceQueue, measureInChild, othersWaiting } from "@/lib/measure/runner";
import { convNet, customOpModel, doubleConvModel, hasShared, SHARED_ONNX } from "./models";

const host = detectHost();
const platforms = localPlatforms(host);
const [cpuT1] = platforms;
// a device key of its own: these tests do not queue behind other processes measuring on this host
const base = { device: `test-measure-${process.pid}`, timeBudgetMs: 300, profileRuns: 5 } as const;
const hasTaskset = spawnSync("taskset", ["-V"]).status === 0;

function expectValid(r: MeasurementResult, slug: string) {
  expect(r.platform).toBe(slug);
  const s = r.stats;
  expect(s.runs).toBeGreaterThanOrEqual(3);
  expect(s.min).toBeGreaterThan(0);
  expect(s.min).toBeLessThanOrEqual(s.median);
  expect(s.median).toBeLessThanOrEqual(s.p90);
  expect(s.p90).toBeLessThanOrEqual(s.p99);
  expect(s.p99).toBeLessThanOrEqual(s.max);
  expect(s.ciLow).toBeLessThanOrEqual(s.median);
  expect(s.ciHigh).toBeGreaterThanOrEqual(s.median);
  expect(s.cv).toBeGreaterThanOrEqual(0);
  expect(s.warmups).toBeGreaterThanOrEqual(3);
  expect(r.attempts).toBe(r.attemptCvs.length);
  expect(r.cpu.median).toBeGreaterThan(0);
  expect(r.cpu.busyRatio).toBeGreaterThan(0);
  expect(r.sessionCreateMs).toBeGreaterThan(0);
  expect(r.memory.peakRssBytes).toBeGreaterThan(0);
  expect(r.host.cores).toBe(host.cores);
  expect(r.runtimeVersion).toMatch(/^1\.30\./);
  const p = r.profile!;
  expect(p.runs).toBeGreaterThanOrEqual(3);
  expect(p.runs).toBeLessThanOrEqual(5);
  expect(p.kernels.length).toBeGreaterThan(0);
  expect(p.kernels.reduce((a, k) => a + k.share, 0)).toBeCloseTo(1, 5);
  expect(Object.values(p.byOpType).reduce((a, k) => a + k.count, 0)).toBe(p.kernels.length);
  for (const k of p.kernels) expect(k.medianUs).toBeGreaterThanOrEqual(0);
  expect(JSON.parse(JSON.stringify(r))).toEqual(r);
}

describe("measureInChild on every local platform", () => {
  for (const platform of platforms) {
    it(`measures a small conv net on ${platform.slug}`, async () => {
      const r = await measureInChild(convNet(), platform.slug, { ...base, batch: 1 });
      expectValid(r, platform.slug);
      expect(r.inputs).toEqual({ x: [1, 3, 32, 32] });
      expect(r.conversion.map((c) => c.name)).toEqual(platform.passes);
      if (platform.pinned && hasTaskset) expect(r.pinnedCpu).toBe(host.cores - 1);
      if (!platform.pinned) expect(r.pinnedCpu).toBeNull();
      const kernels = r.profile!.kernels;
      if (platform.precision === "int8") {
        expect(kernels.filter((k) => k.opType === "QLinearConv").length).toBe(3);
        expect(r.precisionCheck.int8Kernels).toBeGreaterThanOrEqual(4);
        expect(r.precisionCheck.int8Share).toBeGreaterThan(0.3);
      } else {
        expect(kernels.some((k) => INT8_KERNELS.has(k.opType))).toBe(false);
        // the runtime fused each Relu into its Conv: conv1 and relu1 map to one kernel
        const conv1 = kernels.find((k) => k.fusedFrom.includes("conv1"))!;
        expect(conv1.fusedFrom).toContain("relu1");
        expect(conv1.kernelType).toMatch(/Conv/);
      }
      if (platform.runtime === "ort-cpu") expect(r.memory.ortArenaHeldBytes).toBeGreaterThan(0);
    }, 120_000);
  }
});

describe("conversion inside the child", () => {
  it("re-materializes a structure-only model and honours a batch override", async () => {
    const stripped = stripWeights(convNet());
    const r = await measureInChild(stripped, cpuT1.slug, { ...base, batch: 4 });
    expectValid(r, cpuT1.slug);
    expect(r.batch).toBe(4);
    expect(r.inputs).toEqual({ x: [4, 3, 32, 32] });
    expect(r.conversion[0]).toMatchObject({ name: "materialize-weights", notes: { materialized: true } });
    const first = r.profile!.kernels.find((k) => k.fusedFrom.includes("conv1"))!;
    expect(first.inputShapes[0][0]).toBe(4);
  }, 120_000);

  it("gives a clear unsupported-operator result instead of a crash", async () => {
    await expect(measureInChild(customOpModel(), cpuT1.slug, base)).rejects.toMatchObject({
      code: "UNSUPPORTED_OPERATOR",
      message: `operator nnlq.test:Frobnicate is not supported on platform ${cpuT1.slug} (unknown operator domain 'nnlq.test')`,
    });
    const wasm = platforms.find((p) => p.runtime === "ort-wasm")!;
    await expect(measureInChild(doubleConvModel(), wasm.slug, base)).rejects.toMatchObject({
      code: "UNSUPPORTED_OPERATOR",
      message: `operator Conv is not supported on platform ${wasm.slug} (no kernel for this operator and data type)`,
      details: expect.objectContaining({ operator: "Conv", node: "conv_f64" }),
    });
    const fp16 = cpuT1.slug.replace("/fp32/", "/fp16/");
    await expect(measureInChild(convNet(), fp16, base)).rejects.toMatchObject({
      code: "UNSUPPORTED_OPERATOR",
      message: expect.stringContaining(`not supported in fp16 on platform ${fp16}`),
    });
  }, 120_000);

  it("checks fp16 before any timed run, with the profile off too", async () => {
    // a long budget that the protocol would use in full (no early CI stop): the unsupported result must come
    // long before it, and without a profile an fp32 fallback must not pass for an fp16 latency
    const fp16 = cpuT1.slug.replace("/fp32/", "/fp16/");
    const t0 = Date.now();
    await expect(
      measureInChild(convNet(), fp16, { ...base, profile: false, timeBudgetMs: 30_000, protocol: { targetRelCi: 0 } }),
    ).rejects.toMatchObject({
      code: "UNSUPPORTED_OPERATOR",
      message: expect.stringContaining(`not supported in fp16 on platform ${fp16}`),
    });
    expect(Date.now() - t0).toBeLessThan(25_000);
    // profileRuns 0 (the worker's --profile-runs 0) is the same as profile: false
    await expect(measureInChild(convNet(), fp16, { ...base, profile: false, profileRuns: 0 })).rejects.toMatchObject({
      code: "UNSUPPORTED_OPERATOR",
    });
  }, 120_000);

  it("rejects bad input and unknown platforms with typed errors", async () => {
    await expect(measureInChild(new Uint8Array([8, 1, 2]), cpuT1.slug, base)).rejects.toMatchObject({
      code: expect.stringMatching(/^ONNX_/),
    });
    await expect(measureInChild(convNet(), "riscv-1c/ort-cpu-1.30/fp32/t1", base)).rejects.toMatchObject({ code: "NOT_FOUND" });
    await expect(measureInChild(convNet(), "not a slug", base)).rejects.toMatchObject({ code: "VALIDATION" });
  }, 60_000);
});

describe("isolation", () => {
  it("turns a runtime abort into MEASUREMENT_FAILED and keeps serving", async () => {
    const err = await measureInChild(convNet(), cpuT1.slug, { ...base, env: { NNLQ_MEASURE_FAULT: "abort" } }).catch((e) => e);
    expect(err).toMatchObject({ code: "MEASUREMENT_FAILED", details: expect.objectContaining({ signal: "SIGABRT" }) });
    expect(err.message).toContain("killed by SIGABRT");
    const exit = await measureInChild(convNet(), cpuT1.slug, { ...base, env: { NNLQ_MEASURE_FAULT: "exit" } }).catch((e) => e);
    expect(exit).toMatchObject({ code: "MEASUREMENT_FAILED", details: expect.objectContaining({ exitCode: 3 }) });
    // the parent is unaffected: the next measurement succeeds
    expectValid(await measureInChild(convNet(), cpuT1.slug, base), cpuT1.slug);
  }, 120_000);

  it("removes measurement dirs left behind by a killed process", async () => {
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    const stale = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-measure-"));
    fs.writeFileSync(path.join(stale, "owner.pid"), dead);
    fs.writeFileSync(path.join(stale, "model.onnx"), convNet());
    await measureInChild(convNet(), cpuT1.slug, { ...base, profile: false });
    expect(fs.existsSync(stale)).toBe(false);
  }, 60_000);

  it("kills a hanging measurement at its timeout", async () => {
    const t0 = Date.now();
    await expect(
      measureInChild(convNet(), cpuT1.slug, { ...base, timeoutMs: 1500, env: { NNLQ_MEASURE_FAULT: "hang" } }),
    ).rejects.toMatchObject({
      code: "MEASUREMENT_TIMEOUT",
      details: { platform: cpuT1.slug, timeoutMs: 1500 },
    });
    expect(Date.now() - t0).toBeLessThan(20_000);
  }, 60_000);
});

describe("cancellation", () => {
  it("kills a running measurement when its signal aborts, and never starts an aborted one", async () => {
    const ac = new AbortController();
    const t0 = Date.now();
    const running = measureInChild(convNet(), cpuT1.slug, {
      ...base,
      timeoutMs: 30_000,
      signal: ac.signal,
      env: { NNLQ_MEASURE_FAULT: "hang" },
    });
    setTimeout(() => ac.abort(), 500);
    await expect(running).rejects.toMatchObject({ code: "MEASUREMENT_FAILED", details: expect.objectContaining({ aborted: true }) });
    expect(Date.now() - t0).toBeLessThan(15_000);
    await expect(measureInChild(convNet(), cpuT1.slug, { ...base, signal: ac.signal })).rejects.toMatchObject({
      details: expect.objectContaining({ aborted: true }),
    });
  }, 60_000);
});

describe("one measurement at a time per device", () => {
  it("runs queued jobs one after another, in order, even when some fail", async () => {
    const q = new DeviceQueue("test");
    let running = 0, maxRunning = 0;
    const order: number[] = [];
    const job = (i: number, fail = false) => q.run(async () => {
      running++;
      maxRunning = Math.max(maxRunning, running);
      await new Promise((r) => setTimeout(r, 20));
      order.push(i);
      running--;
      if (fail) throw new Error(`job ${i}`);
      return i;
    });
    const results = await Promise.allSettled([job(1), job(2, true), job(3), job(4)]);
    expect(maxRunning).toBe(1);
    expect(order).toEqual([1, 2, 3, 4]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    expect(q.pending).toBe(0);
  });

  it("a job aborted while it waits for the device gives up its turn at once; the others still run in order", async () => {
    const file = path.join(os.tmpdir(), `nnlq-test-queue-lock-${process.pid}`);
    const q = new DeviceQueue("test-abort", file);
    let releaseFirst!: () => void;
    const order: string[] = [];
    const first = q.run(() => new Promise<string>((r) => (releaseFirst = () => r("first"))).then((v) => (order.push(v), v)));
    const ac = new AbortController();
    const cancelled = q.run(async () => (order.push("cancelled ran"), "cancelled"), ac.signal);
    const third = q.run(async () => (order.push("third"), "third"));
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await expect(cancelled).rejects.toMatchObject({ code: "MEASUREMENT_FAILED", details: expect.objectContaining({ aborted: true }) });
    releaseFirst();
    expect(await Promise.all([first, third])).toEqual(["first", "third"]);
    expect(order).toEqual(["first", "third"]);
    expect(q.pending).toBe(0);
    // a wait for another process's lock file is abortable too
    fs.writeFileSync(file, String(process.ppid)); // held by a live process (our parent)
    const ac2 = new AbortController();
    const waiting = acquireFileLock(file, 10, ac2.signal);
    await new Promise((r) => setTimeout(r, 50));
    // while it waits it announces itself, so a holder with a long slice (a campaign) can yield early
    expect(fs.existsSync(`${file}.waiting.${process.pid}`)).toBe(true);
    expect(othersWaiting(file)).toBe(false); // (our own wait does not count for us)
    ac2.abort();
    await expect(waiting).rejects.toMatchObject({ details: expect.objectContaining({ aborted: true }) });
    expect(fs.existsSync(`${file}.waiting.${process.pid}`)).toBe(false);
    fs.rmSync(file, { force: true });
  });

  it("sees other live processes waiting for a lock, and clears markers of dead ones", () => {
    const file = path.join(os.tmpdir(), `nnlq-test-waiters-${process.pid}`);
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    fs.writeFileSync(`${file}.waiting.${dead}`, "");
    expect(othersWaiting(file)).toBe(false);
    expect(fs.existsSync(`${file}.waiting.${dead}`)).toBe(false);
    fs.writeFileSync(`${file}.waiting.${process.ppid}`, "");
    expect(othersWaiting(file)).toBe(true);
    fs.rmSync(`${file}.waiting.${process.ppid}`);
    expect(othersWaiting(file)).toBe(false);
  });

  it("excludes other processes with a lock file and takes over a dead owner's lock", async () => {
    const file = path.join(os.tmpdir(), `nnlq-test-lock-${process.pid}`);
    const release = await acquireFileLock(file);
    let second = false;
    const waiting = acquireFileLock(file, 10).then((rel) => ((second = true), rel));
    await new Promise((r) => setTimeout(r, 100));
    expect(second).toBe(false);
    release();
    (await waiting)();
    expect(second).toBe(true);
    // a lock left behind by a process that no longer exists
    const dead = spawnSync(process.execPath, ["-e", "process.stdout.write(String(process.pid))"]).stdout.toString();
    fs.writeFileSync(file, dead);
    const rel = await acquireFileLock(file);
    expect(fs.readFileSync(file, "utf8")).toBe(String(process.pid));
    rel();
    expect(fs.existsSync(file)).toBe(false);
  });
});

describe.skipIf(!hasShared)("real networks from ../shared/onnx", () => {
  it("measures NNLQP's structure-only ResNet-18 (IR 3, opset 8) in fp32 and int8", async () => {
    const bytes = new Uint8Array(fs.readFileSync(path.join(SHARED_ONNX, "networks/nnlqp/resnet18-v1-7-no-weight.onnx")));
    const int8 = platforms.find((p) => p.precision === "int8")!;
    for (const p of [cpuT1, int8]) {
      const r = await measureInChild(bytes, p.slug, { ...base, timeBudgetMs: 500 });
      expectValid(r, p.slug);
      expect(r.inputs).toEqual({ data: [1, 3, 224, 224] });
      if (p === int8) expect(r.profile!.kernels.filter((k) => k.opType === "QLinearConv").length).toBeGreaterThanOrEqual(17);
    }
  }, 180_000);
});
if (!hasShared) console.warn(`[test/measure] SKIP real-network measurements: ${SHARED_ONNX} is absent`);
