/** The campaign's quiet gate (waitForQuietHost) on injected readings: no real waiting. */
import { describe, expect, it } from "vitest";
import { measuringThreadsDelayMs, waitForQuietHost, windowInterference, type InterferenceReading } from "@/lib/measure/interference";

/** A fake host: `busy(t)` = share of all cores busy outside this process at time t (ms). */
function fakeHost(busy: (t: number) => number, cores = 2) {
  let t = 0;
  let hostBusy = 0;
  const probe = (): InterferenceReading => ({ atMs: t, hostBusyMs: hostBusy, ownCpuMs: 0, runqDelayMs: 0, nivcsw: 0, known: true });
  const sleep = async (ms: number) => {
    hostBusy += busy(t) * ms * cores;
    t += ms;
  };
  return { probe, sleep, now: () => t };
}

describe("waitForQuietHost", () => {
  it("returns at once (after one quiet second) on a quiet host", async () => {
    const h = fakeHost(() => 0.01);
    const r = await waitForQuietHost({ cores: 2, probe: h.probe, sleep: h.sleep });
    expect(r).toEqual({ quiet: true, waitedMs: 1000 });
  });

  it("waits out a busy stretch and needs a whole quiet second after it", async () => {
    const h = fakeHost((t) => (t < 5000 ? 0.5 : t < 5500 ? 0 : t < 5750 ? 0.3 : 0));
    const r = await waitForQuietHost({ cores: 2, probe: h.probe, sleep: h.sleep });
    expect(r.quiet).toBe(true);
    // quiet 5000–5500, disturbed 5500–5750, then a full quiet second: 5750 + 1000
    expect(r.waitedMs).toBe(6750);
  });

  it("gives up at maxWaitMs on a host that never calms down", async () => {
    const h = fakeHost(() => 0.2);
    const r = await waitForQuietHost({ cores: 2, probe: h.probe, sleep: h.sleep, maxWaitMs: 3000 });
    expect(r).toEqual({ quiet: false, waitedMs: 3000 });
  });

  it("stops waiting as soon as giveUp says so (a user's job waits for the device)", async () => {
    const h = fakeHost(() => 0.5);
    const r = await waitForQuietHost({ cores: 2, probe: h.probe, sleep: h.sleep, giveUp: () => h.now() >= 1000 });
    expect(r).toEqual({ quiet: false, waitedMs: 1000 });
  });

  it("does not wait where the host counters cannot be read", async () => {
    const r = await waitForQuietHost({
      cores: 2,
      probe: () => ({ atMs: 0, hostBusyMs: NaN, ownCpuMs: 0, runqDelayMs: NaN, nivcsw: 0, known: false }),
      sleep: async () => {
        throw new Error("must not sleep");
      },
    });
    expect(r).toEqual({ quiet: false, waitedMs: 0 });
  });
});

describe("run-queue delay of the measuring threads", () => {
  const reading = (at: number, threads: [string, number, number][]): InterferenceReading => ({
    atMs: at,
    hostBusyMs: 0,
    ownCpuMs: 0,
    runqDelayMs: threads.reduce((s, [, , w]) => s + w, 0),
    threads: new Map(threads.map(([tid, cpuMs, waitMs]) => [tid, { cpuMs, waitMs }])),
    nivcsw: 0,
    known: true,
  });

  it("counts only threads that ran ≥ 10% of the window (an idle GC thread waiting behind the measuring one is not interference)", () => {
    // main thread ran 240 of 250 ms and waited 5 ms; a V8 helper ran 2 ms and waited 80 ms behind it
    const a = reading(0, [["100", 1000, 50], ["101", 10, 10]]);
    const b = reading(250, [["100", 1240, 55], ["101", 12, 90]]);
    expect(measuringThreadsDelayMs(a, b, 250)).toBe(5);
    const w = windowInterference(a, b, 2);
    expect(w.runqShare).toBeCloseTo(5 / 250, 9);
    // without per-thread data the whole process's delay counts (85 ms)
    const { threads: _a, ...a0 } = a;
    const { threads: _b, ...b0 } = b;
    expect(windowInterference(a0, b0, 2).runqShare).toBeCloseTo(85 / 250, 9);
  });
});

describe("the run-queue allowance of a multi-threaded platform", () => {
  it("grows with the foreign allowance per thread: t2 is clean at a run-queue share t1 is not", async () => {
    const { runProtocolV2 } = await import("@/lib/measure/protocol");
    // a host with 4% foreign CPU (below 6%) that delays the measuring threads 8% of the time
    let t = 0;
    let busy = 0;
    let wait = 0;
    const probe = (): InterferenceReading => ({ atMs: t, hostBusyMs: busy, ownCpuMs: 0, runqDelayMs: wait, nivcsw: 0, known: true });
    const run = async () => {
      t += 10;
      busy += 0.04 * 10 * 2;
      wait += 0.08 * 10;
    };
    const deps = { probe, now: () => t, cpu: () => t, sleep: async (ms: number) => void (t += ms) };
    const t2 = await runProtocolV2(run, { timeBudgetMs: 500, threads: 2, cores: 2 }, deps);
    expect(t2.quality.grade).toBe("clean");
    t = busy = wait = 0;
    const t1 = await runProtocolV2(run, { timeBudgetMs: 500, threads: 1, cores: 2, maxWaitMs: 1000 }, deps);
    expect(t1.quality.cleanRuns).toBe(0);
  });
});
