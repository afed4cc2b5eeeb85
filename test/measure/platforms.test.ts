import { describe, expect, it } from "vitest";
import { cpuFamilyOf, detectHost, hardwareSlug, type HostInfo } from "@/lib/measure/host";
import { localPlatforms, parsePlatformSlug, platformFromSlug } from "@/lib/measure/platforms";

const CPUINFO = `processor\t: 0
vendor_id\t: GenuineIntel
model name\t: Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz
flags\t\t: fpu sse4_2 avx avx2 fma avx512f avx512bw avx512_vnni
`;

function host(cores: number): HostInfo {
  return { ...detectHost(CPUINFO), cores };
}

describe("host detection", () => {
  it("reads CPU model and kernel-relevant flags from cpuinfo", () => {
    const h = detectHost(CPUINFO);
    expect(h.cpuModel).toBe("Intel(R) Xeon(R) Gold 6230 CPU @ 2.10GHz");
    expect(h.cpuFlags).toEqual(expect.arrayContaining(["avx2", "avx512f", "avx512_vnni"]));
    expect(h.cpuFlags).not.toContain("fpu");
    expect(h.cores).toBeGreaterThan(0);
    expect(h.memoryBytes).toBeGreaterThan(0);
  });

  it("detects this machine", () => {
    const h = detectHost();
    expect(h.cpuModel.length).toBeGreaterThan(0);
    expect(["x86", "arm"]).toContain(h.archShort);
    expect(hardwareSlug(h)).toMatch(/^(x86|arm)-[a-z0-9-]+-(amx|avx512|avx2|avx|sse|sve2|sve|dotprod|neon)-\d+c$/);
  });

  it("names the CPU family in the hardware slug, so different CPUs never share a platform", () => {
    const cases: [string, string][] = [
      ["AMD EPYC", "epyc"],
      ["AMD EPYC 7B13 64-Core Processor", "epyc"],
      ["Intel(R) Xeon(R) Processor", "xeon"],
      ["Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "xeon"],
      ["AMD Ryzen 9 7950X 16-Core Processor", "ryzen"],
      ["Intel(R) Core(TM) i7-9750H CPU @ 2.60GHz", "core-i7"],
      ["Apple M2 Pro", "m2"],
      ["Neoverse-N1", "neoverse-n1"],
      ["Some Unknown CPU", ""],
    ];
    for (const [model, family] of cases) expect(cpuFamilyOf(model), model).toBe(family);
    // without CPUID numbers or a telling flag set, the family name and the ISA tier are what is known
    expect(hardwareSlug({ archShort: "x86", cores: 2, cpuModel: "AMD EPYC", cpuFlags: ["avx2"] })).toBe("x86-epyc-avx2-2c");
    expect(hardwareSlug({ archShort: "x86", cores: 2, cpuModel: "Intel(R) Xeon(R) Processor", cpuFlags: ["avx2", "avx512f"] })).toBe(
      "x86-xeon-avx512-2c",
    );
    expect(hardwareSlug({ archShort: "x86", cores: 8, cpuModel: "Some Unknown CPU" })).toBe("x86-cpu-sse-8c");
  });
});

describe("platform registry", () => {
  it("lists the four local platforms as plain serialisable specs", () => {
    const list = localPlatforms(host(2));
    const hw = hardwareSlug(host(2));
    expect(list.map((p) => p.slug)).toEqual([
      `${hw}/ort-cpu-1.30/fp32/t1`,
      `${hw}/ort-cpu-1.30/fp32/t2`,
      `${hw}/ort-wasm-1.30/fp32/t1`,
      `${hw}/ort-cpu-1.30/int8/t1`,
    ]);
    expect(JSON.parse(JSON.stringify(list))).toEqual(list);
    const int8 = list[3];
    expect(int8.passes).toEqual(["materialize-weights", "set-shapes", "quantize-int8-qdq", "check-ops"]);
    expect(int8.pinned).toBe(true);
    expect(list[1].pinned).toBe(false);
    expect(int8.hardwareInfo.cpuModel).toContain("Xeon");
    for (const p of list) expect(platformFromSlug(p.slug, host(2))).toEqual(p);
  });

  it("does not list an all-cores platform twice on a single-core host", () => {
    expect(localPlatforms(host(1)).map((p) => p.threads)).toEqual([1, 1, 1]);
  });

  it("parses slugs and rejects malformed ones with a typed error", () => {
    expect(parsePlatformSlug("x86-2c/ort-cpu-1.30/fp32/t1")).toEqual({
      hardware: "x86-2c",
      runtime: "ort-cpu",
      runtimeVersion: "1.30",
      precision: "fp32",
      threads: 1,
    });
    expect(parsePlatformSlug("jetson-orin/tensorrt-10.3/fp16/t1").runtime).toBe("tensorrt");
    for (const bad of ["", "x86-2c", "x86-2c/ort-cpu/fp32/t1", "x86-2c/ort-cpu-1.30/fp32/1", "X86/ort-cpu-1.30/fp32/t1"]) {
      expect(() => parsePlatformSlug(bad)).toThrowError(expect.objectContaining({ code: "VALIDATION" }));
    }
  });

  it("refuses platforms this host does not serve", () => {
    const h = host(2);
    const hw = hardwareSlug(h);
    const notFound = expect.objectContaining({ code: "NOT_FOUND" });
    expect(() => platformFromSlug("riscv-64c/ort-cpu-1.30/fp32/t1", h)).toThrowError(notFound);
    expect(() => platformFromSlug(`${hw}/tensorrt-10.3/fp16/t1`, h)).toThrowError(notFound);
    expect(() => platformFromSlug(`${hw}/ort-cpu-1.29/fp32/t1`, h)).toThrowError(notFound);
    expect(() => platformFromSlug(`${hw}/ort-cpu-1.30/fp32/t3`, h)).toThrowError(notFound);
    expect(() => platformFromSlug(`${hw}/ort-wasm-1.30/fp32/t2`, h)).toThrowError(notFound);
    expect(() => platformFromSlug(`${hw}/ort-cpu-1.30/bf16/t1`, h)).toThrowError(notFound);
    // other precisions of a local runtime resolve (fp16 is then reported unsupported by the measurement)
    expect(platformFromSlug(`${hw}/ort-cpu-1.30/fp16/t1`, h).passes).toContain("convert-fp16");
  });
});
