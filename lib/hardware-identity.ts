/**
 * Hardware identity (isomorphic, no Node built-ins): the hardware part of a platform slug from a CPU's
 * architecture, CPUID identity, flags and core count. lib/measure/host.ts detects a host and re-exports
 * these; lib/db's data migration (lib/db/reidentify.ts) maps recorded hosts onto identities with them.
 */

export function archShortOf(arch: string): string {
  if (arch === "x64" || arch === "ia32") return "x86";
  if (arch === "arm64" || arch === "arm") return "arm";
  return arch;
}

/* ───────────────────────── hardware identity ───────────────────────── */

/** AMD family 0x17 / 0x19 / 0x1a model ranges → Zen generation (AMD's published CPUID models). */
function amdMicroarch(family: number, model: number): string | undefined {
  if (family === 0x17) {
    if (model <= 0x2f) return model === 0x08 || model === 0x18 ? "zenplus" : "zen";
    return "zen2"; // 0x31 Rome, 0x60 Renoir, 0x68 Lucienne, 0x71 Matisse, 0x90 Van Gogh, 0xa0 Mendocino
  }
  if (family === 0x19) {
    if (model <= 0x0f) return "zen3"; // 0x01 Milan, 0x08 Chagall
    if (model <= 0x1f) return "zen4"; // 0x11 Genoa, 0x18 Storm Peak
    if (model <= 0x2f) return "zen3"; // 0x21 Vermeer
    if (model <= 0x3f) return "zen3"; // 0x30 Badami
    if (model <= 0x4f) return "zen3plus"; // 0x44 Rembrandt
    if (model <= 0x5f) return "zen3"; // 0x50 Cezanne
    if (model <= 0x7f) return "zen4"; // 0x61 Raphael, 0x74/0x78 Phoenix
    if (model >= 0xa0 && model <= 0xaf) return "zen4"; // Bergamo / Siena
    return undefined;
  }
  if (family === 0x1a) return "zen5";
  return undefined;
}

/** Intel family 6 model numbers → microarchitecture (server and common client parts). */
const INTEL_FAMILY6: Record<number, string> = {
  0x3f: "haswell", 0x3c: "haswell", 0x45: "haswell", 0x46: "haswell",
  0x4f: "broadwell", 0x56: "broadwell", 0x3d: "broadwell", 0x47: "broadwell",
  0x55: "skylakex", // Cascade Lake / Cooper Lake by stepping (see below)
  0x4e: "skylake", 0x5e: "skylake", 0x8e: "kabylake", 0x9e: "kabylake", 0xa5: "cometlake", 0xa6: "cometlake",
  0x6a: "icelakex", 0x6c: "icelakex", 0x7d: "icelake", 0x7e: "icelake", 0x8c: "tigerlake", 0x8d: "tigerlake",
  0x8f: "sapphirerapids", 0xcf: "emeraldrapids", 0xad: "graniterapids", 0xae: "graniterapids",
  0x97: "alderlake", 0x9a: "alderlake", 0xb7: "raptorlake", 0xba: "raptorlake", 0xbf: "raptorlake",
  0xaa: "meteorlake", 0xac: "meteorlake", 0xc5: "arrowlake", 0xc6: "arrowlake", 0xbd: "lunarlake",
  0xaf: "sierraforest", 0x86: "snowridge",
};

/** Arm implementer 0x41 part numbers → core. */
const ARM_PARTS: Record<number, string> = {
  0xd03: "a53", 0xd04: "a35", 0xd05: "a55", 0xd07: "a57", 0xd08: "a72", 0xd09: "a73", 0xd0a: "a75", 0xd0b: "a76",
  0xd0c: "neoverse-n1", 0xd0d: "a77", 0xd40: "neoverse-v1", 0xd41: "a78", 0xd44: "x1", 0xd46: "a510", 0xd47: "a710",
  0xd48: "x2", 0xd49: "neoverse-n2", 0xd4f: "neoverse-v2", 0xd80: "a520", 0xd81: "a720", 0xd82: "x4", 0xd8e: "neoverse-n3",
};

/** ISA tier: the widest vector/matrix extension kernels can select (x86: amx > avx512 > avx2 > avx > sse). */
export function isaTier(archShort: string, flags: readonly string[]): string {
  const f = new Set(flags);
  if (archShort === "x86") {
    if (f.has("amx_int8") || f.has("amx_tile")) return "amx";
    if (f.has("avx512f")) return "avx512";
    if (f.has("avx2")) return "avx2";
    if (f.has("avx")) return "avx";
    return "sse";
  }
  if (archShort === "arm") {
    if (f.has("sve2")) return "sve2";
    if (f.has("sve")) return "sve";
    if (f.has("asimddp")) return "dotprod";
    return "neon";
  }
  return "";
}

export interface CpuIdentityInput {
  archShort: string;
  cpuModel: string;
  cpuFlags: readonly string[];
  cpuVendor?: string;
  cpuFamily?: number;
  cpuModelNumber?: number;
  cpuStepping?: number;
}

/**
 * Microarchitecture from the flags alone, for records that kept no CPUID family/model (protocol v1 rows):
 * only where the flag set pins it down — AMD with AVX-512 BF16 is Zen 4 (Zen 5 adds AVX-VNNI and
 * VP2INTERSECT); Intel with AMX and AVX512-FP16 is Sapphire Rapids class (Emerald Rapids has the same ISA
 * and cannot be told apart from flags; Granite Rapids adds AMX-FP16).
 */
export function microarchFromFlags(vendor: "amd" | "intel" | undefined, flags: readonly string[]): string | undefined {
  const f = new Set(flags);
  if (vendor === "amd" && f.has("avx512_bf16")) return f.has("avx_vnni") || f.has("avx512_vp2intersect") ? "zen5" : "zen4";
  if (vendor === "intel" && f.has("amx_int8")) return f.has("amx_fp16") ? "graniterapids" : "sapphirerapids";
  return undefined;
}

function vendorOf(i: CpuIdentityInput): "amd" | "intel" | undefined {
  const v = (i.cpuVendor ?? "").toLowerCase();
  if (v.startsWith("arm-")) return undefined; // an Arm implementer code (CPU implementer of /proc/cpuinfo)
  const m = i.cpuModel.toLowerCase();
  if (v.includes("amd") || /\b(amd|epyc|ryzen|threadripper)\b/.test(m)) return "amd";
  if (v.includes("intel") || /\b(intel|xeon|core\(tm\))\b/.test(m)) return "intel";
  return undefined;
}

/**
 * The identity of a CPU for kernel selection: microarchitecture (from CPUID family/model; from flags where
 * those were not recorded; else the marketing family plus CPUID numbers) and ISA tier. Two hosts whose
 * identity differs run different kernels or the same kernels at different speeds: their measurements are
 * never pooled.
 */
export function cpuIdentity(i: CpuIdentityInput): { microarch: string; isa: string } {
  const isa = isaTier(i.archShort, i.cpuFlags);
  const vendor = vendorOf(i);
  let micro: string | undefined;
  if (i.cpuFamily !== undefined && i.cpuModelNumber !== undefined) {
    if (vendor === "amd") micro = amdMicroarch(i.cpuFamily, i.cpuModelNumber);
    else if (vendor === "intel" && i.cpuFamily === 6) {
      micro = INTEL_FAMILY6[i.cpuModelNumber];
      if (micro === "skylakex" && i.cpuStepping !== undefined)
        micro = i.cpuStepping >= 10 ? "cooperlake" : i.cpuStepping >= 5 ? "cascadelake" : "skylakex";
    } else if (i.archShort === "arm" && (i.cpuVendor ?? "") === "arm-0x41") micro = ARM_PARTS[i.cpuModelNumber];
    if (!micro) {
      const base = vendor ?? (cpuFamilyOf(i.cpuModel) || i.archShort);
      micro = `${base}-f${i.cpuFamily.toString(16)}m${i.cpuModelNumber.toString(16)}`;
    }
  }
  micro ??= microarchFromFlags(vendor, i.cpuFlags) ?? cpuFamilyOf(i.cpuModel) ?? "";
  return { microarch: micro || "cpu", isa };
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

/**
 * Hardware part of a platform slug: architecture, microarchitecture, ISA tier and logical cores, e.g.
 * "x86-zen3-avx2-2c", "x86-sapphirerapids-amx-2c", "arm-neoverse-n1-neon-4c". What changes kernel
 * selection or their speed is in it, so two CPUs that run different kernels never share a slug.
 */
export function hardwareSlug(host: { archShort: string; cores: number; cpuModel: string } & Partial<CpuIdentityInput>): string {
  const id = cpuIdentity({ cpuFlags: [], ...host });
  return [host.archShort, id.microarch, id.isa, `${host.cores}c`].filter(Boolean).join("-");
}

/** The hardware slug a recorded host description (a measurement's env.host) belongs to. */
export function hardwareSlugOfRecord(h: {
  arch?: string;
  cpuModel?: string;
  cores?: number;
  cpuFlags?: string[];
  cpuVendor?: string;
  cpuFamily?: number;
  cpuModelNumber?: number;
  cpuStepping?: number;
}): string {
  return hardwareSlug({ ...h, archShort: archShortOf(h.arch ?? "x64"), cores: h.cores ?? 1, cpuModel: h.cpuModel ?? "", cpuFlags: h.cpuFlags ?? [] });
}

/**
 * The identity of a host as a measurement recorded it (env.host: parsed JSON, so every field is checked),
 * or null when it recorded no CPU (no model name and no flags).
 */
export function identityOfRecordedHost(host: unknown): string | null {
  if (!host || typeof host !== "object" || Array.isArray(host)) return null;
  const h = host as Record<string, unknown>;
  const num = (k: string) => (typeof h[k] === "number" ? (h[k] as number) : undefined);
  const str = (k: string) => (typeof h[k] === "string" ? (h[k] as string) : undefined);
  if (!str("cpuModel") && !Array.isArray(h.cpuFlags)) return null;
  return hardwareSlugOfRecord({
    arch: str("arch"),
    cpuModel: str("cpuModel"),
    cores: num("cores"),
    cpuFlags: Array.isArray(h.cpuFlags) ? h.cpuFlags.filter((f): f is string => typeof f === "string") : undefined,
    cpuVendor: str("cpuVendor"),
    cpuFamily: num("cpuFamily"),
    cpuModelNumber: num("cpuModelNumber"),
    cpuStepping: num("cpuStepping"),
  });
}

/** ISA tiers isaTier() names: the part before the core count in a hardware slug of this scheme. */
const ISA_TIERS = new Set(["amx", "avx512", "avx2", "avx", "sse", "sve2", "sve", "dotprod", "neon"]);

/**
 * True for the hardware part of a host's platform slug (`<arch>-…-<cores>c`, x86 / arm, either this
 * scheme or the older `<arch>-<family>-<cores>c`): the hardware a CPU worker derives from its own host, so
 * its results must carry that host (env.host) and match it. Other hardware names (jetson-orin, pixel8,
 * test-…) belong to platforms registered by hand, whose workers need not describe a CPU.
 */
export function isHostHardwareSlug(hardware: string): boolean {
  return /^(x86|arm)(-[a-z0-9.]+)*-\d+c$/.test(hardware);
}

/** True for a host hardware slug of the old scheme without an ISA tier (x86-epyc-2c, x86-xeon-2c, x86-2c). */
export function isOldStyleHardwareSlug(hardware: string): boolean {
  if (!isHostHardwareSlug(hardware)) return false;
  const parts = hardware.split("-");
  return parts.length < 4 || !ISA_TIERS.has(parts[parts.length - 2]!);
}
