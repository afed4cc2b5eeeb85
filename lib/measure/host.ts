/**
 * Host detection for workers and platform slugs: CPU model, architecture, core count, memory, and the
 * CPU flags that matter for kernels (AVX2, AVX-512, VNNI, NEON...), from node:os and /proc/cpuinfo.
 */
import fs from "node:fs";
import os from "node:os";
import { archShortOf, cpuIdentity } from "@/lib/hardware-identity";

export {
  archShortOf,
  isaTier,
  microarchFromFlags,
  cpuIdentity,
  cpuFamilyOf,
  hardwareSlug,
  hardwareSlugOfRecord,
  type CpuIdentityInput,
} from "@/lib/hardware-identity";

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
  /** CPUID identity (x86: vendor_id, cpu family, model, stepping; arm: implementer, part); absent where unknown */
  cpuVendor?: string;
  cpuFamily?: number;
  cpuModelNumber?: number;
  cpuStepping?: number;
  /** microarchitecture (zen3, zen4, sapphirerapids, neoverse-n1...) and ISA tier (amx, avx512, avx2...) */
  microarch: string;
  isa: string;
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
  "amx_tile",
  "amx_bf16",
  "amx_fp16",
  "avx512_vp2intersect",
  "neon",
  "asimd",
  "asimddp",
  "sve",
  "sve2",
];

function readCpuinfo(): string {
  try {
    return fs.readFileSync("/proc/cpuinfo", "utf8");
  } catch {
    return "";
  }
}

export function detectHost(cpuinfo = readCpuinfo()): HostInfo {
  const cpus = os.cpus();
  const field = (name: string) => cpuinfo.match(new RegExp(`^${name}\\s*:\\s*(.+)$`, "m"))?.[1]?.trim();
  const flags = new Set((field("flags") ?? field("Features") ?? "").split(/\s+/));
  // all logical CPUs of the machine, not os.availableParallelism(): that shrinks to 1 inside a process
  // pinned to one core (the measuring child), and the hardware slug must not depend on affinity
  const cores = Math.max(1, cpus.length);
  const cpuModel = (field("model name") ?? field("Hardware") ?? cpus[0]?.model ?? "unknown").replace(/\s+/g, " ");
  const num = (v: string | undefined) => (v === undefined || !/^(0x[0-9a-f]+|\d+)$/i.test(v) ? undefined : Number(v));
  const cpuVendor = field("vendor_id") ?? (field("CPU implementer") ? `arm-${field("CPU implementer")!.toLowerCase()}` : undefined);
  const cpuFamily = num(field("cpu family")) ?? num(field("CPU architecture"));
  const cpuModelNumber = num(field("model")) ?? num(field("CPU part"));
  const cpuStepping = num(field("stepping")) ?? num(field("CPU variant"));
  const cpuFlags = INTERESTING_FLAGS.filter((f) => flags.has(f));
  const id = cpuIdentity({ archShort: archShortOf(process.arch), cpuModel, cpuFlags, cpuVendor, cpuFamily, cpuModelNumber });
  return {
    hostname: os.hostname(),
    arch: process.arch,
    archShort: archShortOf(process.arch),
    cpuModel,
    cores,
    memoryBytes: os.totalmem(),
    os: `${os.type()} ${os.platform()}`,
    kernel: os.release(),
    nodeVersion: process.version,
    cpuFlags,
    ...(cpuVendor !== undefined ? { cpuVendor } : {}),
    ...(cpuFamily !== undefined ? { cpuFamily } : {}),
    ...(cpuModelNumber !== undefined ? { cpuModelNumber } : {}),
    ...(cpuStepping !== undefined ? { cpuStepping } : {}),
    microarch: id.microarch,
    isa: id.isa,
  };
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
