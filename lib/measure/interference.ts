/**
 * Interference readings for measurement protocol v2 (Linux; elsewhere the probe reports "unknown" and every
 * window counts as contended unless the caller says otherwise).
 *
 * A reading is a snapshot of counters; the protocol differences two readings around a window of timed runs:
 * - hostBusyMs: CPU time of the whole host (every CPU) spent busy or stolen by the hypervisor, from the
 *   aggregate `cpu` line of /proc/stat (user + nice + system + irq + softirq + steal; guest time is already
 *   inside user). Kernel ticks of USER_HZ (100/s): ±1 tick per CPU per window, so the protocol judges
 *   windows of runs long enough for that to be small, never a 1 ms run on its own.
 * - ownCpuMs: this process's CPU time, all threads (getrusage: nanosecond accounting).
 *   foreign = hostBusy − ownCpu is the host's CPU spent outside this process: other programs on any core,
 *   which contend for the core, its SMT sibling, caches and memory bandwidth.
 * - runqDelayMs: how long this process's threads were runnable but waiting for a CPU (field 2 of
 *   /proc/self/task/<tid>/schedstat, nanoseconds): time-slicing seen directly, precise even for short runs.
 *   Per thread too (`threads`): a window counts only the delay of its *measuring* threads — those that ran
 *   ≥ 10 % of the window — because a mostly idle helper (a V8 GC or compiler thread woken on the one core a
 *   single-threaded platform is pinned to) waits behind the measuring thread itself, which is no interference.
 * - nivcsw: involuntary context switches of this process (getrusage).
 */
import fs from "node:fs";

export interface InterferenceReading {
  /** monotonic wall clock of the reading (ms) */
  atMs: number;
  hostBusyMs: number;
  ownCpuMs: number;
  /** NaN where /proc/self/task/<tid>/schedstat is unavailable */
  runqDelayMs: number;
  /** per thread id: on-CPU and run-queue wait time so far (ms), where readable */
  threads?: Map<string, { cpuMs: number; waitMs: number }>;
  nivcsw: number;
  /** false where the host counters could not be read (non-Linux): interference unknown */
  known: boolean;
}

export type InterferenceProbe = () => InterferenceReading;

/** USER_HZ of /proc/stat; 100 on every Linux architecture nnlq runs on (sysconf(_SC_CLK_TCK)). */
export const USER_HZ = 100;

/** Busy + steal ticks of the aggregate `cpu` line of a /proc/stat text, in ms; NaN when absent. */
export function parseProcStatBusyMs(text: string, hz = USER_HZ): number {
  const line = text.split("\n").find((l) => l.startsWith("cpu "));
  if (!line) return NaN;
  const f = line.trim().split(/\s+/).slice(1).map(Number);
  // user nice system idle iowait irq softirq steal guest guest_nice
  const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = f;
  return ((user + nice + system + irq + softirq + steal) * 1000) / hz;
}

/** Run-queue delay (ms) from the text of a /proc/<pid>/task/<tid>/schedstat file: "<on-cpu ns> <wait ns> <slices>". */
export function parseSchedstatWaitMs(text: string): number {
  const f = text.trim().split(/\s+/);
  const wait = Number(f[1]);
  return Number.isFinite(wait) ? wait / 1e6 : NaN;
}

/** On-CPU time (ms) from a schedstat text (field 1). */
export function parseSchedstatCpuMs(text: string): number {
  const cpu = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(cpu) ? cpu / 1e6 : NaN;
}

function readThreads(): { sum: number; threads: Map<string, { cpuMs: number; waitMs: number }> | undefined } {
  let tids: string[];
  try {
    tids = fs.readdirSync("/proc/self/task");
  } catch {
    return { sum: NaN, threads: undefined };
  }
  let sum = 0;
  const threads = new Map<string, { cpuMs: number; waitMs: number }>();
  for (const tid of tids) {
    try {
      const text = fs.readFileSync(`/proc/self/task/${tid}/schedstat`, "utf8");
      const waitMs = parseSchedstatWaitMs(text);
      sum += waitMs;
      threads.set(tid, { cpuMs: parseSchedstatCpuMs(text), waitMs });
    } catch {
      /* the thread ended between readdir and read: its delay is gone with it */
    }
  }
  return { sum, threads };
}

/** Share of a window's wall time a thread must run to count as a measuring thread. */
export const MEASURING_THREAD_SHARE = 0.1;

/** Run-queue delay (ms) in a window of the threads that ran ≥ MEASURING_THREAD_SHARE of it; NaN if unknown. */
export function measuringThreadsDelayMs(a: InterferenceReading, b: InterferenceReading, wallMs: number): number {
  if (!a.threads || !b.threads) return NaN;
  let delay = 0;
  for (const [tid, t1] of b.threads) {
    const t0 = a.threads.get(tid) ?? { cpuMs: 0, waitMs: 0 };
    if (t1.cpuMs - t0.cpuMs >= MEASURING_THREAD_SHARE * wallMs) delay += Math.max(0, t1.waitMs - t0.waitMs);
  }
  return delay;
}

/** The probe of this process on this host. */
export const linuxProbe: InterferenceProbe = () => {
  const atMs = performance.now();
  let hostBusyMs = NaN;
  try {
    hostBusyMs = parseProcStatBusyMs(fs.readFileSync("/proc/stat", "utf8"));
  } catch {
    /* not Linux */
  }
  const u = process.resourceUsage();
  const t = readThreads();
  return {
    atMs,
    hostBusyMs,
    ownCpuMs: (u.userCPUTime + u.systemCPUTime) / 1000,
    runqDelayMs: t.sum,
    ...(t.threads ? { threads: t.threads } : {}),
    nivcsw: u.involuntaryContextSwitches,
    known: Number.isFinite(hostBusyMs),
  };
};

/** What one window of runs suffered, from the readings before and after it. */
export interface WindowInterference {
  wallMs: number;
  /** host CPU time outside this process during the window (ms, ≥ 0) */
  foreignMs: number;
  /** foreignMs / (wallMs × cores): 0 on a quiet host, 1 when every other core was busy all along */
  foreignShare: number;
  /** run-queue delay of this process's threads / wallMs (NaN when unknown) */
  runqShare: number;
  nivcsw: number;
  known: boolean;
}

function runqShareOf(a: InterferenceReading, b: InterferenceReading, wallMs: number): number {
  const measuring = measuringThreadsDelayMs(a, b, wallMs);
  if (Number.isFinite(measuring)) return measuring / wallMs;
  return Number.isFinite(a.runqDelayMs) && Number.isFinite(b.runqDelayMs) ? Math.max(0, b.runqDelayMs - a.runqDelayMs) / wallMs : NaN;
}

export function windowInterference(a: InterferenceReading, b: InterferenceReading, cores: number): WindowInterference {
  const wallMs = Math.max(b.atMs - a.atMs, 1e-6);
  const known = a.known && b.known;
  const foreignMs = known ? Math.max(0, b.hostBusyMs - a.hostBusyMs - (b.ownCpuMs - a.ownCpuMs)) : NaN;
  return {
    wallMs,
    foreignMs,
    foreignShare: known ? foreignMs / (wallMs * Math.max(1, cores)) : NaN,
    runqShare: runqShareOf(a, b, wallMs),
    nivcsw: b.nivcsw - a.nivcsw,
    known,
  };
}

/**
 * Waits until the host has been quiet (foreign CPU share ≤ maxForeignShare in every poll) for quietMs in a
 * row, or maxWaitMs passed, or the signal aborts. For bulk work (a campaign) that would rather idle than
 * spend a measurement's own wait on a host busy for minutes. This process must be idle meanwhile.
 */
export async function waitForQuietHost(o: {
  cores: number;
  quietMs?: number;
  pollMs?: number;
  maxWaitMs?: number;
  maxForeignShare?: number;
  signal?: AbortSignal;
  /** stop waiting when this says so (e.g. another process waits for the device: a user's job goes first) */
  giveUp?: () => boolean;
  probe?: InterferenceProbe;
  sleep?: (ms: number) => Promise<void>;
}): Promise<{ quiet: boolean; waitedMs: number }> {
  const probe = o.probe ?? linuxProbe;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const pollMs = o.pollMs ?? 250;
  const quietMs = o.quietMs ?? 1000;
  const maxWaitMs = o.maxWaitMs ?? 60_000;
  const limit = o.maxForeignShare ?? 0.06;
  const t0 = probe().atMs;
  let quietFor = 0;
  for (;;) {
    const a = probe();
    if (!a.known) return { quiet: false, waitedMs: 0 };
    await sleep(pollMs);
    const b = probe();
    const w = windowInterference(a, b, o.cores);
    quietFor = w.foreignShare <= limit ? quietFor + w.wallMs : 0;
    const waited = b.atMs - t0;
    if (quietFor >= quietMs) return { quiet: true, waitedMs: waited };
    if (waited >= maxWaitMs || o.signal?.aborted || o.giveUp?.()) return { quiet: false, waitedMs: waited };
  }
}
