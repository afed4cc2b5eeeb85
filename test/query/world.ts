/**
 * Shared setup of the query-system DB tests: seeded families/platforms, users and teams with API keys,
 * a worker token, devices registered over the real /api/v1/worker/register handler, and model rows.
 */
import { randomBytes } from "node:crypto";
import * as teamsRoute from "@/app/api/v1/teams/route";
import * as keysRoute from "@/app/api/v1/teams/[teamId]/keys/route";
import * as registerRoute from "@/app/api/v1/worker/register/route";
import { insertModel } from "@/lib/db/models";
import { seed } from "@/lib/services/seed";
import { setQuota } from "@/lib/db/usage";
import type { Model } from "@/lib/db/schema";
import type { PublicUser } from "@/lib/db/users";
import { createWorkerToken, authenticateDevice, type AuthedDevice } from "@/lib/services/devices";
import type { WorkerResult } from "@/lib/api/schemas/worker";
import { call, db, makeUser } from "../setup/fixtures";

export interface TeamCtx {
  user: PublicUser;
  teamId: number;
  key: string;
}

export async function makeTeam(tag: string): Promise<TeamCtx> {
  const user = await makeUser(tag);
  const teamId = (await call(teamsRoute.POST, { method: "POST", as: user, body: { name: `Team ${tag}` } })).body.team.id;
  const key = (await call(keysRoute.POST, { method: "POST", as: user, params: { teamId }, body: { name: tag } })).body.secret;
  return { user, teamId, key };
}

let seeded: Promise<unknown> | undefined;
export function seedOnce() {
  return (seeded ??= seed(db(), { demo: false }));
}

/** A platform spec nobody seeded: registration creates it (the "new platform, no server change" path). */
export function testPlatform(tag: string, threads = 1) {
  return {
    hardware: `test-${tag}`,
    runtime: "trt",
    runtimeVersion: "10.0",
    precision: "fp16" as const,
    threads,
    config: { adapter: "tensorrt", passes: ["materialize-weights", "set-shapes", "convert-fp16"], options: { gflops: 1000 } },
    description: `test platform ${tag}`,
  };
}

export interface Registered {
  slug: string;
  platformId: number;
  devices: { deviceId: number; token: string; auth: AuthedDevice }[];
}

/** Registers `hosts` worker hosts for one new test platform; returns their device tokens. */
export async function registerHosts(tag: string, hosts: number): Promise<Registered> {
  const { secret } = await createWorkerToken(db(), { name: `test ${tag}` });
  const devices: Registered["devices"] = [];
  let slug = "";
  let platformId = 0;
  for (let i = 0; i < hosts; i++) {
    const r = await call(registerRoute.POST, {
      method: "POST",
      headers: { "x-worker-token": secret },
      body: { hostName: `host-${tag}-${i}`, hostInfo: { cpu: "test" }, platforms: [testPlatform(tag)] },
    });
    if (r.status !== 200) throw new Error(`register failed: ${r.text}`);
    const d = r.body.devices[0];
    slug = d.platform.slug;
    platformId = d.platform.id;
    devices.push({ deviceId: d.deviceId, token: d.deviceToken, auth: await authenticateDevice(db(), d.deviceToken) });
  }
  return { slug, platformId, devices };
}

export async function makeModelRow(
  name: string,
  o: { visibility?: "public" | "private"; ownerTeamId?: number | null; flops?: number; batch?: number } = {},
): Promise<Model> {
  return insertModel(db(), {
    hash: randomBytes(32).toString("hex"),
    name,
    family: "resnet",
    batch: o.batch ?? 1,
    inputShapes: { input: [o.batch ?? 1, 3, 32, 32] },
    flops: o.flops ?? 1_000_000,
    params: 1000,
    memoryAccess: 10_000,
    nodeCount: 3,
    opHistogram: { Conv: 1, Relu: 1, Gemm: 1 },
    visibility: o.visibility ?? "public",
    ownerTeamId: o.ownerTeamId ?? null,
    source: "upload",
    bytes: new Uint8Array([8, 7]),
  });
}

export async function giveQuota(teamId: number, platformId: number, deviceSeconds: number) {
  await setQuota(db(), { teamId, platformId, deviceSeconds });
}

/**
 * A worker's result body: protocol v2, graded clean (a label: queries answer from it) unless `grade` says
 * otherwise; `grade: null` sends none, as a protocol v1 worker does (stored as legacy history).
 */
export function result(
  o: { medianMs?: number; deviceSeconds?: number; grade?: "clean" | "estimated" | "contended" | null } = {},
): WorkerResult {
  const m = o.medianMs ?? 2;
  const grade = o.grade === undefined ? "clean" : o.grade;
  return {
    runtimeVersion: "10.0.1",
    stats: {
      medianMs: m,
      meanMs: m * 1.02,
      minMs: m * 0.95,
      maxMs: m * 1.3,
      p90Ms: m * 1.1,
      p99Ms: m * 1.2,
      stdMs: m * 0.03,
      runs: 40,
      warmups: 5,
    },
    peakMemoryBytes: 12_345_678,
    profile: { kernels: [{ name: "conv_1", op: "Conv", ms: m * 0.8 }] },
    env: { cpu: "test" },
    ...(grade
      ? {
          quality: {
            protocol: 2 as const,
            grade,
            labelKind: grade === "clean" ? ("wall-clean" as const) : grade === "estimated" ? ("cpu-estimate" as const) : ("wall-contended" as const),
            cleanRuns: grade === "clean" ? 38 : 0,
            runs: 40,
            ciRel: grade === "clean" ? 0.006 : null,
            wallCpuRatio: grade === "clean" ? 1.02 : 1.8,
            interferenceShare: grade === "clean" ? 0.005 : 0.4,
            waitMs: grade === "clean" ? 50 : 30_000,
          },
        }
      : {}),
    deviceSeconds: o.deviceSeconds ?? 3,
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
