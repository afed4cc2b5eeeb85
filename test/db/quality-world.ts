/**
 * Shared setup of the measurement-quality DB tests (quality-*.db.test.ts): a platform of a host-style
 * hardware slug with a registered device, recorded hosts of two EPYCs (AVX-512 and AVX2 only), and worker
 * results carrying protocol v2 quality.
 */
import { randomBytes } from "node:crypto";
import * as registerRoute from "@/app/api/v1/worker/register/route";
import { createWorkerToken, authenticateDevice, type AuthedDevice } from "@/lib/services/devices";
import { getPlatformBySlug } from "@/lib/db/platforms";
import type { Platform } from "@/lib/db/schema";
import type { ResultQuality, WorkerResult } from "@/lib/api/schemas/worker";
import { call, db } from "../setup/fixtures";
import { result } from "../query/world";

/** env.host of a protocol v1 record on an EPYC with AVX-512 (Zen 4 by its flags): x86-zen4-avx512-2c */
export const EPYC_AVX512_HOST = {
  arch: "x64",
  cpuModel: "AMD EPYC 9R14",
  cores: 2,
  cpuFlags: ["sse4_2", "avx", "avx2", "fma", "avx512f", "avx512bw", "avx512_vnni", "avx512_bf16"],
};
/** env.host of an EPYC without AVX-512 (Zen 3 by CPUID family 0x19 model 0x01): x86-zen3-avx2-2c */
export const EPYC_AVX2_HOST = {
  arch: "x64",
  cpuModel: "AMD EPYC 7B13",
  cores: 2,
  cpuFlags: ["sse4_2", "avx", "avx2", "fma"],
  cpuVendor: "AuthenticAMD",
  cpuFamily: 0x19,
  cpuModelNumber: 0x01,
};
export const ZEN4 = "x86-zen4-avx512-2c";
export const ZEN3 = "x86-zen3-avx2-2c";

export interface HostPlatform {
  platform: Platform;
  token: string;
  auth: AuthedDevice;
}

/** Registers one device for a new platform on `hardware` (a runtime name nobody else uses keeps it apart). */
export async function hostPlatform(tag: string, hardware = ZEN4): Promise<HostPlatform> {
  const { secret } = await createWorkerToken(db(), { name: `quality ${tag}` });
  const runtime = `q${tag.replace(/[^a-z0-9]/g, "")}${randomBytes(3).toString("hex").replace(/\d/g, "x")}`;
  const r = await call(registerRoute.POST, {
    method: "POST",
    headers: { "x-worker-token": secret },
    body: {
      hostName: `host-${tag}`,
      hostInfo: { cpu: "test" },
      platforms: [
        { hardware, runtime, runtimeVersion: "1.0", precision: "fp32", threads: 1, config: { adapter: "ort-node", passes: [] } },
      ],
    },
  });
  if (r.status !== 200) throw new Error(`register failed: ${r.text}`);
  const d = r.body.devices[0];
  const platform = (await getPlatformBySlug(db(), { slug: d.platform.slug }))!;
  return { platform, token: d.deviceToken, auth: await authenticateDevice(db(), d.deviceToken) };
}

export function quality(grade: ResultQuality["grade"], over: Partial<ResultQuality> = {}): ResultQuality {
  const labelKind = grade === "clean" ? "wall-clean" : grade === "estimated" ? "cpu-estimate" : "wall-contended";
  return {
    protocol: 2,
    grade,
    labelKind,
    cleanRuns: grade === "clean" ? 38 : 0,
    runs: 40,
    ciRel: grade === "clean" ? 0.008 : null,
    wallCpuRatio: grade === "clean" ? 1.01 : 1.9,
    interferenceShare: grade === "clean" ? 0.004 : 0.41,
    runqShare: null,
    waitMs: grade === "clean" ? 120 : 30_000,
    cpuMedianMs: 2.1,
    ...over,
  };
}

/** A worker result measured on `host` (default: the AVX-512 EPYC), with protocol v2 quality unless `grade` is null. */
export function hostResult(
  grade: ResultQuality["grade"] | null,
  o: { medianMs?: number; host?: Record<string, unknown> | null; measuredAt?: string } = {},
): WorkerResult {
  const base = result({ medianMs: o.medianMs, grade: null });
  const host = o.host === undefined ? EPYC_AVX512_HOST : o.host;
  return {
    ...base,
    env: { ...(host ? { host } : {}), cpu: "test" },
    ...(grade ? { quality: quality(grade) } : {}),
    ...(o.measuredAt ? { measuredAt: o.measuredAt } : {}),
  };
}
