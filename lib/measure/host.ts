/**
 * Host detection for workers and platform slugs: CPU model, architecture, core count, memory, and the
 * CPU flags that matter for kernels (AVX2, AVX-512, VNNI, NEON...), from node:os and /proc/cpuinfo.
 */
import fs from "node:fs";
import os from "node:os";

export interface HostInfo {
  hostname: string;
  /** node's process.arch: x64, arm64, ... */
  arch: string;
  /** short architecture used in slugs: x86, arm, ... */
  archShort: string;
  cpuModel: string;
  /** logical CPUs of the machine */
  cores: number;
  memoryBytes: number;
  os: string;
  kernel: string;
  nodeVersion: string;
  /** kernel-relevant CPU flags that are present (subset of a fixed list) */
  cpuFlags: string[];
}

const INTERESTING_FLAGS = [
  "sse4_2",
  "avx",
  "avx2",
  "fma",
  "avx512f",
  "avx512bw",
  "avx512_vnni",
  "avx_vnni",
  "avx512_bf16",
  "avx512_fp16",
  "amx_int8",
  "neon",
  "asimd",
  "asimddp",
  "sve",
];

function readCpuinfo(): string {
  try {
    return fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}

export function archShortOf(arch: string): string {
  if (arch === "x64" || arch === "ia32") return "x86";
  if (arch === "arm64" || arch === "arm") return "arm";
  return arch;
}

export function detectHost(cpuinfo = readCpuinfo()): HostInfo {
  const cpus = os.cpus();
  const field = (name: string) => cpuinfo.match(new RegExp(`^${name}\\s*:\\s*(.+)$`, "m"))?.[1]?.trim();
  const flags = new Set((field("flags") ?? field("Features") ?? "").split(/\s+/));
  // all logical CPUs of the machine, not os.availableParallelism(): that shrinks to 1 inside a process
  // pinned to one core (the measuring child), and the hardware slug must not depend on affinity
  const cores = Math.max(1, cpus.length);
  return {
    hostname: os.hostname(),
    arch: process.arch,
    archShort: archShortOf(process.arch),
    cpuModel: (field("model name") ?? field("Hardware") ?? cpus[0]?.model ?? "unknown").replace(/\s+/g, " "),
    cores,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.platform()}`,
    kernel: os.release(),
    nodeVersion: process.version,
    cpuFlags: INTERESTING_FLAGS.filter((f) => flags.has(f)),
  };
}

const CPU_FAMILIES: [RegExp, (m: RegExpMatchArray) => string][] = [
  [/\bepyc\b/, () => "epyc"],
  [/threadripper/, () => "threadripper"],
  [/\bryzen\b/, () => "ryzen"],
  [/\bxeon\b/, () => "xeon"],
  [/\bcore\(tm\) ultra\b/, () => "core-ultra"],
  [/\bcore\(tm\) (i[3579])\b/, (m) => `core-${m[1]}`],
  [/\bapple (m\d+)\b/, (m) => m[1]!],
  [/graviton(\d*)/, (m) => `graviton${m[1]}`],
  [/neoverse[- ]([nv]\d+)/, (m) => `neoverse-${m[1]}`],
  [/cortex[- ](a\d+)/, (m) => m[1]!],
];

/**
 * The CPU family of a model name, for platform slugs: "epyc", "xeon", "ryzen", "core-i7", "m2",
 * "graviton3", "a76"...; "" when not recognised. Two hosts with the same core count but different CPUs
 * are different hardware: their measurements must not be pooled under one platform.
 */
export function cpuFamilyOf(cpuModel: string): string {
  const m = cpuModel.toLowerCase();
  for (const [re, name] of CPU_FAMILIES) {
    const hit = m.match(re);
    if (hit) return name(hit);
  }
  return "";
}

/** Hardware part of a platform slug: architecture, CPU family (when known) and cores, e.g. "x86-epyc-2c". */
export function hardwareSlug(host: Pick<HostInfo, "archShort" | "cores" | "cpuModel">): string {
  return [host.archShort, cpuFamilyOf(host.cpuModel), `${host.cores}c`].filter(Boolean).join("-");
}

/** Peak and current resident set size of this process (bytes), from /proc/self/status; 0 where unknown. */
export function processMemory(): { peakRssBytes: number; rssBytes: number } {
  try {
    const s = fs.readFileSync("/proc/self/status", "utf8");
    const kb = (k: string) => Number(s.match(new RegExp(`^${k}:\\s*(\\d+)\\s*kB`, "m"))?.[1] ?? 0) * 1024;
    return { peakRssBytes: kb("VmHWM"), rssBytes: kb("VmRSS") };
  } catch {
    const rss = process.memoryUsage().rss;
    return { peakRssBytes: rss, rssBytes: rss };
  }
}
