/**
 * Measurement protocol v2 (lib/measure/protocol.ts runProtocolV2, gradeRuns, windowIsClean) and the
 * interference arithmetic (lib/measure/interference.ts), with an injected host: a wall clock, the
 * measuring process's CPU clock, the probe's counters and sleep all advance together, instantly.
 */
import { describe, expect, it } from "vitest";
import {
  parseProcStatBusyMs,
  parseSchedstatWaitMs,
  windowInterference,
  type InterferenceReading,
} from "@/lib/measure/interference";
import { gradeRuns, measureOnce, runProtocolV2, V2_DEFAULTS, windowIsClean, type ProtocolV2Options } from "@/lib/measure/protocol";

interface HostModel {
  cores?: number;
  /** foreign CPU at time t, as a share of the host's capacity (0..1) */
  foreign?: (t: number) => number;
  /** run-queue delay of the measuring threads per ms of wall time at time t */
  runq?: (t: number) => number;
  /** the i-th call of run() (warm-ups included), starting at time t: its wall and CPU time */
  run: (i: number, t: number) => { wall: number; cpu: number };
}

/** A simulated host; every counter advances only when run() or sleep() advance the clock. */
function simHost(m: HostModel) {
  const cores = m.cores ?? 2;
  let t = 0, own = 0, busy = 0, rq = 0, calls = 0;
  const sleeps: number[] = [];
  const starts: number[] = [];
  const advance = (dt: number, ownCpu: number) => {
    busy += (m.foreign?.(t) ?? 0) * dt * cores + ownCpu;
    rq += (m.runq?.(t) ?? 0) * dt;
    own += ownCpu;
    t += dt;
  };
  return {
    cores,
    sleeps,
    starts,
    now: () => t,
    cpu: () => own,
    run: async () => {
      starts.push(t);
      const r = m.run(calls++, t);
      advance(r.wall, r.cpu);
    },
    sleep: async (ms: number) => {
      sleeps.push(ms);
      advance(ms, 0);
    },
    probe: (): InterferenceReading => ({ atMs: t, hostBusyMs: busy, ownCpuMs: own, runqDelayMs: rq, nivcsw: 0, known: true }),
  };
}

type Sim = ReturnType<typeof simHost>;

function v2(h: Sim, o: Partial<ProtocolV2Options> & { threads: number }) {
  return runProtocolV2(h.run, { timeBudgetMs: 1000, cores: h.cores, ...o }, { now: h.now, cpu: h.cpu, probe: h.probe, sleep: h.sleep });
}

const steady = (ms: number) => () => ({ wall: ms, cpu: ms });

describe("protocol v2: clean windows and labels", () => {
  it("grades a quiet host clean and labels it with the median of its runs", async () => {
    const seq = [9.95, 10, 10.05, 10, 10];
    const h = simHost({ foreign: () => 0.02, run: (i) => ({ wall: seq[i % seq.length], cpu: seq[i % seq.length] }) });
    const r = await v2(h, { threads: 1 });
    expect(r.quality.protocol).toBe(2);
    expect(r.quality.grade).toBe("clean");
    expect(r.quality.labelKind).toBe("wall-clean");
    expect(r.noisy).toBe(false);
    expect(r.stats.median).toBe(10);
    expect(r.stats.converged).toBe(true);
    // one 250 ms window of ~10 ms runs, all clean, then the CI (±0.5%) is within ±1%
    expect(r.quality.windows).toBe(1);
    expect(r.quality.cleanWindows).toBe(1);
    expect(r.quality.runs).toBe(25);
    expect(r.quality.cleanRuns).toBe(25);
    expect(r.samples).toHaveLength(25);
    expect(r.quality.waitMs).toBe(0);
    expect(h.sleeps).toHaveLength(0);
    expect(r.quality.interferenceShare).toBeCloseTo(0.02, 6);
    expect(r.quality.runqShare).toBe(0);
    expect(r.quality.wallCpuRatio).toBeCloseTo(1, 6);
    expect(r.quality.cpuMedianMs).toBe(10);
  });

  it("excludes the runs of a window whose foreign share is above the threshold from the label", async () => {
    // warm-up 0–100 ms; the first timed window (100–352 ms) shares the host with a neighbour that takes
    // half of it and slows the runs to 12 ms (cache contention: wall = CPU, so only the window can tell)
    const h = simHost({
      foreign: (t) => (t < 350 ? 0.5 : 0),
      run: (_i, t) => (t >= 100 && t < 350 ? { wall: 12, cpu: 12 } : { wall: 10, cpu: 10 }),
    });
    const r = await v2(h, { threads: 1 });
    expect(r.windows[0].foreignShare).toBeGreaterThan(V2_DEFAULTS.maxForeignShare);
    expect(windowIsClean(r.windows[0], {})).toBe(false);
    const slow = r.runs.filter((x) => x.wallMs === 12);
    expect(slow).toHaveLength(21);
    expect(slow.every((x) => !x.clean)).toBe(true);
    expect(r.runs.filter((x) => x.wallMs === 10).every((x) => x.clean)).toBe(true);
    expect(r.quality.grade).toBe("clean");
    expect(r.stats.median).toBe(10);
    expect(r.samples.every((x) => x === 10)).toBe(true);
    expect(r.quality.wallMedianAllMs).toBe(10); // 21 slow of 46 runs
    expect(r.quality.cleanRuns).toBe(r.quality.runs - 21);
    expect(r.quality.cleanWindows).toBe(r.quality.windows - 1);
  });

  it("marks runs not clean when the run-queue delay share is above the threshold", async () => {
    // single-threaded, wall = CPU (the per-run check passes): no foreign CPU seen, but the thread waited 10% of the time
    const h = simHost({
      runq: (t) => (t >= 100 && t < 350 ? 0.1 : 0.01),
      run: () => ({ wall: 10, cpu: 10 }),
    });
    const r = await v2(h, { threads: 1 });
    expect(r.windows[0].foreignShare).toBe(0);
    expect(r.windows[0].runqShare).toBeCloseTo(0.1, 6);
    expect(windowIsClean(r.windows[0], {})).toBe(false);
    expect(r.windows[1].runqShare).toBeCloseTo(0.01, 6);
    expect(windowIsClean(r.windows[1], {})).toBe(true);
    const firstWindowRuns = r.runs.slice(0, 25);
    expect(firstWindowRuns.every((x) => !x.clean)).toBe(true);
    expect(r.quality.cleanRuns).toBe(r.quality.runs - 25);
    expect(r.quality.grade).toBe("clean");
    expect(r.quality.runqShare).toBeGreaterThan(0.01);
    expect(r.quality.runqShare).toBeLessThan(0.1);
  });

  it("marks a single-threaded run whose wall time exceeds its CPU time by more than 5% as not clean", async () => {
    // every 4th run was time-sliced: 11 ms of wall for 10 ms of CPU; a run at exactly ×1.05 still counts
    const walls = [10, 10.5, 10, 11];
    const model = { run: (i: number) => ({ wall: walls[i % 4], cpu: 10 }) };
    const t1 = await v2(simHost(model), { threads: 1 });
    expect(t1.runs.length).toBeGreaterThan(0);
    for (const x of t1.runs) expect(x.clean).toBe(x.wallMs <= 10.5);
    expect(t1.runs.some((x) => x.wallMs === 11)).toBe(true);
    expect(t1.samples).not.toContain(11);
    expect(t1.quality.cleanRuns).toBe(t1.runs.filter((x) => x.wallMs <= 10.5).length);
    expect(t1.quality.cleanWindows).toBe(t1.quality.windows); // the host was quiet: only the runs are out
    // the rule is a single-threaded one: with 2 threads the same runs are clean
    const t2 = await v2(simHost(model), { threads: 2 });
    expect(t2.runs.every((x) => x.clean)).toBe(true);
    expect(t2.samples).toContain(11);
  });
});

describe("protocol v2: no quiet window", () => {
  const busy = { foreign: () => 0.5 };

  it("grades a single-threaded platform estimated, with the CPU-time label", async () => {
    const h = simHost({ ...busy, run: () => ({ wall: 15, cpu: 10 }) });
    const r = await v2(h, { threads: 1 });
    expect(r.quality.grade).toBe("estimated");
    expect(r.quality.labelKind).toBe("cpu-estimate");
    expect(r.noisy).toBe(true);
    expect(r.quality.cleanRuns).toBe(0);
    expect(r.quality.cleanWindows).toBe(0);
    expect(r.stats.median).toBe(10);
    expect(r.stats.converged).toBe(false);
    expect(r.quality.wallMedianAllMs).toBe(15);
    expect(r.quality.cpuMedianMs).toBe(10);
    expect(r.quality.wallCpuRatio).toBeCloseTo(1.5, 6);
    expect(r.quality.interferenceShare).toBeCloseTo(0.5, 6);
    // it waited (sleeping, not measuring) until the deadline (budget + maxWaitMs past the warm-up), then took one
    // more budget of runs (1000 ms of 15 ms runs), so the fallback label is the median of a full budget
    const timedStart = h.starts[r.stats.warmups];
    expect(h.now()).toBeGreaterThanOrEqual(timedStart + 2000 + V2_DEFAULTS.maxWaitMs);
    expect(h.now()).toBeLessThan(timedStart + 2000 + V2_DEFAULTS.maxWaitMs + V2_DEFAULTS.windowMs + 2 * V2_DEFAULTS.quietPollMs);
    expect(r.quality.runs).toBeGreaterThanOrEqual(Math.floor(1000 / 15));
    expect(r.quality.waitMs).toBeGreaterThan(V2_DEFAULTS.maxWaitMs);
    expect(h.sleeps.length).toBeGreaterThan(100);
  });

  it("grades a multi-threaded platform contended, with the wall-time label", async () => {
    const h = simHost({ ...busy, run: () => ({ wall: 15, cpu: 20 }) });
    const r = await v2(h, { threads: 2 });
    expect(r.quality.grade).toBe("contended");
    expect(r.quality.labelKind).toBe("wall-contended");
    expect(r.stats.median).toBe(15);
    expect(r.quality.cpuMedianMs).toBe(20);
    expect(r.quality.cleanRuns).toBe(0);
  });
});

describe("protocol v2: waiting for quiet and the budget", () => {
  it("waits for quiet without measuring, then resumes and grades the result clean", async () => {
    // a neighbour is busy until t = 5 s; the runs it slows (13 ms) fall in the first window only
    const h = simHost({
      foreign: (t) => (t < 5000 ? 0.5 : 0.01),
      run: (_i, t) => (t >= 100 && t < 5000 ? { wall: 13, cpu: 13 } : { wall: 10, cpu: 10 }),
    });
    const r = await v2(h, { threads: 1 });
    expect(r.quality.grade).toBe("clean");
    expect(r.stats.median).toBe(10);
    expect(r.quality.windows).toBe(2);
    expect(r.quality.cleanWindows).toBe(1);
    expect(r.runs.filter((x) => x.wallMs === 13)).toHaveLength(20); // 100–360 ms
    // the gate polled with sleeps of quietPollMs until the host was quiet, then re-warmed with one untimed run
    expect(h.sleeps.every((ms) => ms === V2_DEFAULTS.quietPollMs)).toBe(true);
    // polls starting at 360, 560 … 4960 ms see the neighbour; the one from 5160 ms is quiet
    expect(h.sleeps.length).toBe(Math.ceil((5000 - 360) / V2_DEFAULTS.quietPollMs) + 1);
    const timedAfterWait = h.starts.filter((t) => t > 360 && t < 5000);
    expect(timedAfterWait).toHaveLength(0);
    // waitMs = the contended window (100–360 ms) + the gate (360–5360 ms)
    expect(r.quality.waitMs).toBeCloseTo(260 + 25 * V2_DEFAULTS.quietPollMs, 6);
    expect(h.starts.length).toBe(r.stats.warmups + r.runs.length + 1);
  });

  it("grows the budget with the latency: a 100 ms model gets many more than 3 runs", async () => {
    // spread too wide for a ±1% CI: the timed phase runs to the budget, grown from 200 ms to latency × 30
    const seq = [80, 100, 120, 90, 110];
    const model = { run: (i: number) => ({ wall: seq[i % seq.length], cpu: seq[i % seq.length] }) };
    const h = simHost(model);
    const r = await v2(h, { threads: 1, timeBudgetMs: 200 });
    const timedStart = h.starts[r.stats.warmups];
    expect(r.quality.grade).toBe("clean");
    expect(r.stats.converged).toBe(false);
    expect(h.now() - timedStart).toBeGreaterThanOrEqual(80 * V2_DEFAULTS.runsPerBudget);
    expect(r.quality.runs).toBeGreaterThanOrEqual(24);
    expect(r.stats.median).toBe(100);
    // v1 with the same nominal budget stops after 3 runs
    const h1 = simHost(model);
    const v1 = await measureOnce(h1.run, { timeBudgetMs: 200 }, h1.now, h1.cpu);
    expect(v1.stats.runs).toBe(3);
  });

  it("needs fewer clean runs (down to 3) for a model slower than maxBudgetMs / 10", async () => {
    const h = simHost({ run: steady(10_000) });
    const r = await v2(h, { threads: 1 });
    expect(r.quality.grade).toBe("clean");
    expect(r.quality.runs).toBe(6); // 60 s / 10 s
    expect(r.stats.converged).toBe(true);
    const h2 = simHost({ run: steady(30_000) });
    const r2 = await v2(h2, { threads: 1 });
    expect(r2.quality.runs).toBe(3);
    expect(r2.quality.grade).toBe("clean");
  });
});

describe("gradeRuns and windowIsClean", () => {
  const runs = [
    { wallMs: 10, cpuMs: 9, clean: true },
    { wallMs: 30, cpuMs: 11, clean: false },
    { wallMs: 12, cpuMs: 10, clean: true },
  ];
  it("labels with clean runs only when there are enough of them", () => {
    expect(gradeRuns(runs, { threads: 1, minCleanRuns: 2 })).toEqual({ grade: "clean", labelKind: "wall-clean", labelSamples: [10, 12] });
    expect(gradeRuns(runs, { threads: 1, minCleanRuns: 3 })).toEqual({
      grade: "estimated",
      labelKind: "cpu-estimate",
      labelSamples: [9, 11, 10],
    });
    expect(gradeRuns(runs, { threads: 2, minCleanRuns: 3 })).toEqual({
      grade: "contended",
      labelKind: "wall-contended",
      labelSamples: [10, 30, 12],
    });
  });

  it("judges a window by its foreign share and run-queue share; unknown interference is never clean", () => {
    const w = { wallMs: 250, foreignMs: 0, foreignShare: 0.06, runqShare: 0.02, nivcsw: 0, known: true };
    expect(windowIsClean(w, {})).toBe(true); // at the thresholds
    expect(windowIsClean({ ...w, foreignShare: 0.0601 }, {})).toBe(false);
    expect(windowIsClean({ ...w, runqShare: 0.0201 }, {})).toBe(false);
    expect(windowIsClean({ ...w, runqShare: NaN }, {})).toBe(true); // no schedstat: foreign share alone
    expect(windowIsClean({ ...w, known: false }, {})).toBe(false);
    expect(windowIsClean({ ...w, foreignShare: NaN }, {})).toBe(false);
    expect(windowIsClean({ ...w, foreignShare: 0.1 }, { maxForeignShare: 0.12 })).toBe(true);
  });
});

describe("interference readings", () => {
  // recorded on the 2-core AMD EPYC VM (cpu line: user nice system idle iowait irq softirq steal guest guest_nice)
  const procStat = [
    "cpu  152483 0 19308 101131 1259 0 562 1067 0 0",
    "cpu0 65076 0 8164 63728 289 0 213 544 0 0",
    "cpu1 87406 0 11144 37402 970 0 348 523 0 0",
    "intr 1606532 0 0 0 0 0 0 0 0 0 0 0 0 0",
    "ctxt 3874621",
    "btime 1796674200",
    "processes 19702",
    "procs_running 3",
    "procs_blocked 0",
  ].join("\n");

  it("parses busy + steal ticks of the aggregate cpu line of /proc/stat", () => {
    // (152483 + 0 + 19308 + 0 + 562 + 1067) ticks × 10 ms; idle and iowait are not busy
    expect(parseProcStatBusyMs(procStat)).toBe(1_734_200);
    expect(parseProcStatBusyMs(procStat, 250)).toBe(693_680);
    // guest time is already inside user: not counted twice
    expect(parseProcStatBusyMs(procStat.replace("1067 0 0", "1067 500 0"))).toBe(1_734_200);
    expect(parseProcStatBusyMs("cpu0 1 2 3 4\nintr 5")).toBeNaN();
  });

  it("parses the run-queue delay of /proc/<pid>/task/<tid>/schedstat", () => {
    expect(parseSchedstatWaitMs("100665537 67287348 228\n")).toBeCloseTo(67.287348, 9);
    expect(parseSchedstatWaitMs("5 0 1")).toBe(0);
    expect(parseSchedstatWaitMs("garbage")).toBeNaN();
  });

  it("differences two readings into a window's interference", () => {
    const a: InterferenceReading = { atMs: 1000, hostBusyMs: 5000, ownCpuMs: 300, runqDelayMs: 10, nivcsw: 5, known: true };
    const b: InterferenceReading = { atMs: 1250, hostBusyMs: 5300, ownCpuMs: 500, runqDelayMs: 15, nivcsw: 9, known: true };
    const w = windowInterference(a, b, 2);
    expect(w).toEqual({ wallMs: 250, foreignMs: 100, foreignShare: 0.2, runqShare: 0.02, nivcsw: 4, known: true });
    expect(windowInterference(a, b, 4).foreignShare).toBe(0.1);
    // host ticks lag the process's nanosecond CPU time: a negative difference is no interference
    expect(windowInterference(a, { ...b, hostBusyMs: 5150 }, 2).foreignMs).toBe(0);
    const unknown = windowInterference(a, { ...b, known: false, hostBusyMs: NaN }, 2);
    expect(unknown.known).toBe(false);
    expect(unknown.foreignShare).toBeNaN();
    expect(windowInterference({ ...a, runqDelayMs: NaN }, b, 2).runqShare).toBeNaN();
  });
});
