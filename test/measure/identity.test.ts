/**
 * Hardware identity on recorded /proc/cpuinfo texts: the slug names what changes kernel selection
 * (microarchitecture from CPUID family/model, ISA tier, cores), so two different CPUs never share one.
 */
import { describe, expect, it } from "vitest";
import { detectHost, hardwareSlug, hardwareSlugOfRecord } from "@/lib/measure/host";

const x86 = (vendor: string, name: string, family: number, model: number, stepping: number, flags: string) =>
  `processor\t: 0\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nmodel\t\t: ${model}\nmodel name\t: ${name}\nstepping\t: ${stepping}\nflags\t\t: fpu ${flags}\n\n`;

const ZEN3_EPYC = x86("AuthenticAMD", "AMD EPYC", 25, 1, 1, "sse4_2 avx avx2 fma");
const ZEN4_EPYC = x86("AuthenticAMD", "AMD EPYC", 25, 17, 1, "sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni avx512_bf16");
const ZEN2_ROME = x86("AuthenticAMD", "AMD EPYC 7B12", 23, 49, 0, "sse4_2 avx avx2 fma");
const ZEN5 = x86("AuthenticAMD", "AMD EPYC 9B45", 26, 2, 1, "avx2 fma avx512f avx512_bf16 avx_vnni avx512_vp2intersect");
const SPR = x86("GenuineIntel", "Intel(R) Xeon(R) Processor", 6, 143, 8, "avx avx2 fma avx512f avx512bw avx512_vnni avx512_bf16 avx512_fp16 amx_bf16 amx_tile amx_int8");
const ICX = x86("GenuineIntel", "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", 6, 106, 6, "avx avx2 fma avx512f avx512bw avx512_vnni");
const CLX = x86("GenuineIntel", "Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz", 6, 85, 7, "avx avx2 fma avx512f avx512bw avx512_vnni");
const SKX = x86("GenuineIntel", "Intel(R) Xeon(R) Gold 6130 CPU @ 2.10GHz", 6, 85, 4, "avx avx2 fma avx512f avx512bw");
const ZEN4_MASKED = x86("AuthenticAMD", "AMD EPYC", 25, 17, 1, "sse4_2 avx avx2 fma"); // a VM that hides AVX-512
const UNKNOWN_AMD = x86("AuthenticAMD", "AMD Future", 29, 3, 0, "avx2 fma avx512f");
const GRAVITON2 = `processor\t: 0\nBogoMIPS\t: 243.75\nFeatures\t: fp asimd evtstrm aes pmull sha1 sha2 crc32 atomics fphp asimdhp cpuid asimdrdm lrcpc dcpop asimddp ssbs\nCPU implementer\t: 0x41\nCPU architecture: 8\nCPU variant\t: 0x3\nCPU part\t: 0xd0c\nCPU revision\t: 1\n`;

const slug = (text: string, cores = 2, archShort = "x86") => hardwareSlug({ ...detectHost(text), archShort, cores });

describe("hardware identity", () => {
  it("names microarchitecture and ISA tier from CPUID family/model and flags", () => {
    expect(slug(ZEN3_EPYC)).toBe("x86-zen3-avx2-2c");
    expect(slug(ZEN4_EPYC)).toBe("x86-zen4-avx512-2c");
    expect(slug(ZEN2_ROME, 4)).toBe("x86-zen2-avx2-4c");
    expect(slug(ZEN5)).toBe("x86-zen5-avx512-2c");
    expect(slug(SPR)).toBe("x86-sapphirerapids-amx-2c");
    expect(slug(ICX)).toBe("x86-icelakex-avx512-2c");
    expect(slug(CLX)).toBe("x86-cascadelake-avx512-2c");
    expect(slug(SKX)).toBe("x86-skylakex-avx512-2c");
    expect(slug(GRAVITON2, 2, "arm")).toBe("arm-neoverse-n1-dotprod-2c");
  });

  it("never gives two of these CPUs the same slug (the EPYC with and without AVX-512 included)", () => {
    const all = [ZEN3_EPYC, ZEN4_EPYC, ZEN2_ROME, ZEN5, SPR, ICX, CLX, SKX, ZEN4_MASKED].map((t) => slug(t));
    expect(new Set(all).size).toBe(all.length);
    // the same microarchitecture with AVX-512 hidden by the hypervisor runs other kernels: another identity
    expect(slug(ZEN4_MASKED)).toBe("x86-zen4-avx2-2c");
  });

  it("keeps the core count and falls back to vendor plus CPUID numbers for an unknown model", () => {
    expect(slug(ZEN3_EPYC, 16)).toBe("x86-zen3-avx2-16c");
    expect(slug(UNKNOWN_AMD)).toBe("x86-amd-f1dm3-avx512-2c");
  });

  it("derives the identity of a recorded host (a v1 row: flags, no CPUID numbers) from its flags", () => {
    const epycV1 = { arch: "x64", cpuModel: "AMD EPYC", cores: 2, cpuFlags: ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16"] };
    const xeonV1 = {
      arch: "x64",
      cpuModel: "Intel(R) Xeon(R) Processor",
      cores: 2,
      cpuFlags: ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx_vnni", "avx512_bf16", "avx512_fp16", "amx_int8"],
    };
    expect(hardwareSlugOfRecord(epycV1)).toBe("x86-zen4-avx512-2c");
    expect(hardwareSlugOfRecord(xeonV1)).toBe("x86-sapphirerapids-amx-2c");
    // an AVX2-only EPYC record cannot be placed in a generation: family name + ISA tier, never a Zen 4 slug
    expect(hardwareSlugOfRecord({ ...epycV1, cpuFlags: ["avx2", "fma"] })).toBe("x86-epyc-avx2-2c");
    // a v2 record carries CPUID numbers: the same answer as on the live host
    const live = detectHost(ZEN3_EPYC);
    expect(hardwareSlugOfRecord({ ...live, arch: "x64", cores: 2 })).toBe("x86-zen3-avx2-2c");
  });
});
