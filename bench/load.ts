/**
 * An injectable intermittent load: `procs` processes that are busy for onMs, then sleep for offMs, in step
 * (every process follows the same wall-clock epoch, so the host alternates between all-busy and quiet).
 *
 *   kind "ort": each process runs onnxruntime-node (CPU EP, 1 thread) on a conv-heavy zoo model with weights
 *               (ResNet-18 at 112×112): AVX-heavy, cache- and memory-bandwidth-hungry, like a real neighbour;
 *   kind "yes": a busy JavaScript spin loop (pure ALU, like `yes > /dev/null`).
 *
 * Library: `const load = await startLoad({ procs: 2, onMs: 2000, offMs: 2000, kind: "ort" }); …; await load.stop()`.
 * CLI (until Ctrl-C): node --import tsx bench/load.ts [--procs 2] [--on-ms 2000] [--off-ms 2000] [--kind ort|yes]
 *
 * No orphans: the load processes are forked with an IPC channel and exit when it closes (the parent exited,
 * even by SIGKILL); the parent also kills them on stop(), on exit and on SIGINT/SIGTERM.
 */
import { fork, type ChildProcess } from "node:child_process";
import { fileURLToPath, pathToFileURL } from "node:url";
import { intArg, listArg, parseArgsOrExit, UsageError, validOrExit } from "@/lib/args";

export type LoadKind = "ort" | "yes";
export const LOAD_KINDS: readonly LoadKind[] = ["ort", "yes"];

export interface LoadOptions {
  procs?: number;
  onMs?: number;
  offMs?: number;
  kind?: LoadKind;
}

export interface LoadStats {
  kind: LoadKind;
  procs: number;
  onMs: number;
  offMs: number;
  /** wall time since the load started (ms) */
  elapsedMs: number;
  /** per process: busy iterations (inferences or spin chunks) and busy wall time reported so far (ms) */
  perProc: { pid: number; iterations: number; busyMs: number }[];
}

export interface Load {
  pids: number[];
  /** pause the load (the processes sleep) / resume it on the common schedule; idempotent */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
  stats(): LoadStats;
}

const SELF = fileURLToPath(import.meta.url);
const CHILD_ENV = "NNLQ_LOAD_CHILD";

interface ChildConfig {
  kind: LoadKind;
  onMs: number;
  offMs: number;
  /** Date.now() of the common epoch: phase = (now − epoch) mod (on + off) */
  epoch: number;
}

interface ParentCommand {
  paused: boolean;
}

interface ChildReport {
  ready?: boolean;
  iterations: number;
  busyMs: number;
}

const live = new Set<ChildProcess>();
let exitHooked = false;

function killAll(): void {
  for (const c of live) {
    try {
      c.kill("SIGKILL");
    } catch {
      /* already gone */
    }
  }
}

function hookExit(): void {
  if (exitHooked) return;
  exitHooked = true;
  process.on("exit", killAll);
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.once(sig, () => {
      killAll();
      process.exit(sig === "SIGINT" ? 130 : 143);
    });
  }
}

/** Start the load; resolves once every process is ready (ORT session created) and following the epoch. */
export async function startLoad(o: LoadOptions = {}): Promise<Load> {
  const procs = o.procs ?? 2, onMs = o.onMs ?? 2000, offMs = o.offMs ?? 2000, kind = o.kind ?? "ort";
  if (!Number.isInteger(procs) || procs < 1) throw new Error(`procs must be a positive integer (got ${procs})`);
  if (!(onMs > 0) || !(offMs >= 0)) throw new Error(`onMs must be > 0 and offMs ≥ 0 (got ${onMs}, ${offMs})`);
  hookExit();
  const started = Date.now();
  // the epoch lies a little in the future so that all processes start their first on-phase together
  const config: ChildConfig = { kind, onMs, offMs, epoch: started + (kind === "ort" ? 3000 : 200) };
  const children: ChildProcess[] = [];
  const reports = new Map<number, ChildReport>();
  const ready: Promise<void>[] = [];
  for (let i = 0; i < procs; i++) {
    const child = fork(SELF, [], {
      execArgv: ["--import", "tsx"],
      env: { ...process.env, [CHILD_ENV]: JSON.stringify(config) },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    });
    live.add(child);
    children.push(child);
    child.on("exit", () => live.delete(child));
    ready.push(
      new Promise<void>((resolve, reject) => {
        child.on("message", (m: ChildReport) => {
          if (child.pid !== undefined) reports.set(child.pid, m);
          if (m.ready) resolve();
        });
        child.once("exit", (code, sig) => reject(new Error(`load process ${child.pid} exited (${sig ?? code}) before it was ready`)));
      }),
    );
  }
  try {
    await Promise.all(ready);
  } catch (e) {
    for (const c of children) c.kill("SIGKILL");
    throw e;
  }
  let stopped: Promise<void> | undefined;
  let paused = false;
  const command = (m: ParentCommand) => {
    if (paused === m.paused) return;
    paused = m.paused;
    for (const c of children) if (c.connected) c.send(m);
  };
  return {
    pids: children.map((c) => c.pid!),
    pause: () => command({ paused: true }),
    resume: () => command({ paused: false }),
    stats: () => ({
      kind, procs, onMs, offMs,
      elapsedMs: Date.now() - started,
      perProc: children.map((c) => {
        const r = reports.get(c.pid!);
        return { pid: c.pid!, iterations: r?.iterations ?? 0, busyMs: r?.busyMs ?? 0 };
      }),
    }),
    stop: () =>
      (stopped ??= Promise.all(
        children.map(
          (c) =>
            new Promise<void>((resolve) => {
              if (c.exitCode !== null || c.signalCode !== null) return resolve();
              c.once("exit", () => resolve());
              c.kill("SIGKILL");
            }),
        ),
      ).then(() => {})),
  };
}

/* ───────────────────────── the load process ───────────────────────── */

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function ortWork(): Promise<() => Promise<void>> {
  const ort = await import("onnxruntime-node");
  const { generate, sampleSpecs } = await import("@/lib/zoo");
  // ResNet-18 (basic blocks, [2,2,2,2], width 64) at 112×112: ≈ 0.45 GFLOP of convolutions, ~15–30 ms a run
  const base = sampleSpecs("resnet", 1, 1, { batch: 1, resolution: 112 })[0];
  const spec = { ...base, block: "basic", depths: [2, 2, 2, 2], width: 64 };
  const bytes = generate(spec, { weights: true });
  const session = await ort.InferenceSession.create(bytes, {
    executionProviders: ["cpu"],
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
    graphOptimizationLevel: "all",
    logSeverityLevel: 3,
  });
  const data = new Float32Array(3 * 112 * 112);
  for (let i = 0; i < data.length; i++) data[i] = Math.sin(i) * 0.5;
  const feeds = { [session.inputNames[0]]: new ort.Tensor("float32", data, [1, 3, 112, 112]) };
  return async () => {
    await session.run(feeds);
  };
}

function spinWork(): () => Promise<void> {
  let x = 1;
  return async () => {
    const until = performance.now() + 10;
    while (performance.now() < until) x = (x * 1103515245 + 12345) % 2147483647;
    if (x === -1) console.log(x); // keeps the loop from being optimised away
    await new Promise<void>((r) => setImmediate(r));
  };
}

async function childMain(config: ChildConfig): Promise<void> {
  // the parent is gone (exit, crash, SIGKILL): the IPC channel closes, and so does this process
  process.on("disconnect", () => process.exit(0));
  let paused = false;
  process.on("message", (m: ParentCommand) => {
    paused = m.paused;
  });
  const work = config.kind === "ort" ? await ortWork() : spinWork();
  await work(); // first run outside the schedule (allocations, kernel selection)
  const period = config.onMs + config.offMs;
  let iterations = 0, busyMs = 0, lastReport = 0;
  process.send?.({ ready: true, iterations, busyMs } satisfies ChildReport);
  for (;;) {
    const phase = (((Date.now() - config.epoch) % period) + period) % period;
    if (paused) {
      await sleep(20);
      continue;
    }
    if (Date.now() < config.epoch || phase >= config.onMs) {
      const toOn = Date.now() < config.epoch ? config.epoch - Date.now() : period - phase;
      await sleep(Math.max(1, Math.min(toOn, 50)));
      continue;
    }
    const t0 = performance.now();
    await work();
    busyMs += performance.now() - t0;
    iterations++;
    if (Date.now() - lastReport > 500) {
      lastReport = Date.now();
      process.send?.({ iterations, busyMs } satisfies ChildReport);
    }
  }
}

/* ───────────────────────── CLI ───────────────────────── */

async function cliMain(): Promise<void> {
  const usage = "usage: node --import tsx bench/load.ts [--procs 2] [--on-ms 2000] [--off-ms 2000] [--kind ort|yes]";
  const { values } = parseArgsOrExit(
    "bench/load",
    { options: { procs: { type: "string" }, "on-ms": { type: "string" }, "off-ms": { type: "string" }, kind: { type: "string" } } },
    usage,
  );
  const o = validOrExit(
    "bench/load",
    () => {
      const kinds = listArg("kind", values.kind ?? "ort", LOAD_KINDS);
      if (kinds.length !== 1) throw new UsageError("--kind takes one of: ort, yes");
      return {
        procs: intArg("procs", values.procs, 1, 64, 2),
        onMs: intArg("on-ms", values["on-ms"], 1, 3_600_000, 2000),
        offMs: intArg("off-ms", values["off-ms"], 0, 3_600_000, 2000),
        kind: kinds[0],
      };
    },
    usage,
  );
  const load = await startLoad(o);
  console.log(`load: ${o.procs} × ${o.kind}, ${o.onMs} ms on / ${o.offMs} ms off, pids ${load.pids.join(" ")} (Ctrl-C stops)`);
  setInterval(() => {
    const s = load.stats();
    const busy = s.perProc.map((p) => `${p.pid}: ${p.iterations} it, ${(p.busyMs / 1000).toFixed(1)} s busy`).join("; ");
    console.log(`  ${(s.elapsedMs / 1000).toFixed(0)} s — ${busy}`);
  }, 10_000);
}

if (process.env[CHILD_ENV]) {
  childMain(JSON.parse(process.env[CHILD_ENV]) as ChildConfig).catch((e) => {
    console.error(`load process: ${(e as Error).stack ?? e}`);
    process.exit(1);
  });
} else if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  cliMain().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
