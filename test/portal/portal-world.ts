/**
 * A small, fully known portal dataset written through lib/db functions (insertModel, recordMeasurement,
 * predictor rows): two platforms of its own (unique slugs, so tests sharing a database don't mix), public
 * models of several families with FLOPs/params spread, a few private models of one team, batch-8 results,
 * older runs (history), per-operator profiles, and one predictor version with predictions. Every result is
 * clean (protocol v2 figures); with `unclean: true` the world also holds models whose only results are
 * estimated / contended / legacy (`uncleanRows`: the fastest and largest, so ranking them would show) and
 * one pair with a newer contended run after its clean one (`contendedAfterClean`). Used by the
 * DB tests (which compare every portal answer to a brute-force computation over `rows`) and the browser
 * tests (which seed the e2e database with it).
 */
import { randomBytes } from "node:crypto";
import type { Db } from "@/lib/db/client";
import { insertModel } from "@/lib/db/models";
import { recordMeasurement } from "@/lib/db/measurements";
import { upsertPlatform, upsertFamilies } from "@/lib/db/platforms";
import { predictions, predictorVersions, type Model, type Platform } from "@/lib/db/schema";
import { ALL_FAMILIES, FAMILY_LABELS } from "@/lib/onnx/families";
import type { Grade } from "@/lib/quality";
import { analyze } from "@/lib/onnx";
import { generate } from "@/lib/zoo";

export interface WorldRow {
  modelId: number;
  name: string;
  family: string;
  flops: number;
  params: number;
  platformId: number;
  batch: number;
  medianMs: number;
  visibility: "public" | "private";
  ownerTeamId: number | null;
  source: "zoo" | "upload" | "api";
}

export interface PortalWorld {
  tag: string;
  platforms: Platform[];
  models: Model[];
  /** newest result per (model, platform, batch) */
  rows: WorldRow[];
  zooModel: Model;
  predictor: { id: number; name: string };
  /** predicted value per `${modelId}|${platformId}|${batch}` */
  predicted: Map<string, number>;
  /** with `unclean`: kept rows whose measurement is not clean (public models of their own, both platforms, batch 1) */
  uncleanRows: (WorldRow & { grade: Grade })[];
  /** with `unclean`: a clean pair of `rows` that also has a newer contended run (the kept row stays the clean one) */
  contendedAfterClean: { modelId: number; platformId: number; batch: number; contendedMs: number } | null;
}

/** Quality columns of a measurement (recordMeasurement's input): clean protocol v2 figures, or another grade. */
export function qualityColumns(grade: Grade, runs: number, medianMs: number) {
  if (grade === "legacy") return { protocol: 1, grade, labelKind: "wall-v1" as const };
  const labelKind = grade === "clean" ? "wall-clean" : grade === "estimated" ? "cpu-estimate" : "wall-contended";
  return {
    protocol: 2,
    grade,
    labelKind: labelKind as "wall-clean" | "cpu-estimate" | "wall-contended",
    cleanRuns: grade === "clean" ? runs : Math.floor(runs / 10),
    ciRel: grade === "clean" ? 0.004 : 0.08,
    wallCpuRatio: grade === "clean" ? 1.02 : 1.8,
    interferenceShare: grade === "clean" ? 0.003 : 0.41,
    runqShare: grade === "clean" ? 0.001 : 0.3,
    waitMs: grade === "clean" ? 0 : 30_000,
    cpuMedianMs: medianMs / (grade === "clean" ? 1.02 : 1.8),
  };
}

const FAMILIES = ["resnet", "mobilenetv2", "vit", "vgg"] as const;

export async function makePortalWorld(
  db: Db,
  o: { teamId: number; models?: number; tag?: string; unclean?: boolean },
): Promise<PortalWorld> {
  const tag = o.tag ?? randomBytes(3).toString("hex");
  await upsertFamilies(db, ALL_FAMILIES.map((name) => ({ name, label: FAMILY_LABELS[name] })));
  const platforms: Platform[] = [];
  for (const [i, threads] of [1, 2].entries()) {
    platforms.push(
      await upsertPlatform(db, {
        slug: `portal-${tag}/ort-cpu-1.30/fp32/t${threads}`,
        name: `Portal test ${tag} #${i + 1}`,
        hardware: `portal-${tag}`,
        runtime: "ort-cpu",
        runtimeVersion: "1.30",
        precision: "fp32",
        threads,
        config: { adapter: "ort-node", passes: ["materialize-weights", "set-batch"] },
      }),
    );
  }
  const n = o.models ?? 40;
  const models: Model[] = [];
  const rows: WorldRow[] = [];
  const now = Date.now();
  for (let i = 0; i < n; i++) {
    const family = FAMILIES[i % FAMILIES.length]!;
    const priv = i % 9 === 4;
    const flops = Math.round(2e7 * 1.31 ** i);
    const params = Math.round(1e5 * 1.23 ** ((i * 7) % n));
    const m = await insertModel(db, {
      hash: randomBytes(32).toString("hex"),
      name: `${tag}-${family}-${i}`,
      family,
      familyConfidence: 0.9,
      batch: 1,
      inputShapes: { input: [1, 3, 224, 224] },
      opset: 13,
      flops,
      macs: flops / 2,
      params,
      memoryAccess: params * 4,
      activationMemory: 1e6,
      nodeCount: 20 + (i % 7),
      opHistogram: family === "vit" ? { MatMul: 10 + (i % 5), Add: 8, Softmax: 4 } : { Conv: 10 + (i % 5), Relu: 9, Add: i % 3 },
      ownerTeamId: priv ? o.teamId : null,
      visibility: priv ? "private" : "public",
      source: i % 5 === 0 ? "upload" : "zoo",
    });
    models.push(m);
    for (const p of platforms) {
      for (const batch of i % 4 === 0 ? [1, 8] : [1]) {
        // latency ∝ FLOPs with a family/model-dependent efficiency, distinct values, faster on 2 threads
        const median = ((flops * batch) / 1e9) * (1 + ((i * 37) % 11) / 10) / p.threads + 0.01 * (i + 1);
        const runs = i % 3 === 0 ? [median * 1.04, median] : [median];
        for (const [k, v] of runs.entries()) {
          await recordMeasurement(db, {
            modelId: m.id,
            platformId: p.id,
            batch,
            runtimeVersion: "1.30.0",
            medianMs: v,
            meanMs: v * 1.01,
            minMs: v * 0.98,
            maxMs: v * 1.2,
            p90Ms: v * 1.05,
            p99Ms: v * 1.1,
            stdMs: v * 0.01,
            cv: 0.01,
            runs: 50,
            warmups: 5,
            deviceSeconds: 3,
            env: { cpuModel: "Test CPU", cores: 2 },
            profile: null,
            measuredAt: new Date(now - (runs.length - k) * 3600_000 - i * 1000),
            ...qualityColumns("clean", 50, v),
          });
        }
        rows.push({
          modelId: m.id,
          name: m.name,
          family,
          flops,
          params,
          platformId: p.id,
          batch,
          medianMs: median,
          visibility: m.visibility,
          ownerTeamId: m.ownerTeamId,
          source: m.source as WorldRow["source"],
        });
      }
    }
  }

  // a real zoo model (structure regenerated from its spec) with a profile naming its nodes
  const spec = { family: "resnet", depths: [2, 2, 2, 2], width: 16, resolution: 64, batch: 1, seed: 1 };
  const bytes = generate(spec);
  const s = analyze(bytes);
  const zooModel = await insertModel(db, {
    hash: s.hash,
    name: `${tag}-zoo-resnet18`,
    family: "resnet",
    familyConfidence: s.family.confidence,
    batch: 1,
    inputShapes: s.inputs,
    opset: s.opset,
    flops: s.flops,
    macs: s.macs,
    params: s.params,
    memoryAccess: s.memoryAccess,
    activationMemory: s.activationMemory,
    nodeCount: s.nodeCount,
    opHistogram: s.opHistogram,
    visibility: "public",
    source: "zoo",
    zooSpec: spec,
    storageKey: "zoo:",
  }).catch(async (e) => {
    // the same zoo structure may exist from an earlier world in this database
    const { getModelByHash } = await import("@/lib/db/models");
    const existing = await getModelByHash(db, { hash: s.hash });
    if (!existing) throw e;
    return existing;
  });
  const { decodeModel, buildGraph } = await import("@/lib/onnx");
  const ir = buildGraph(decodeModel(bytes));
  const computeNodes = ir.order.map((i) => ir.nodes[i]!).filter((nd) => !nd.static);
  await recordMeasurement(db, {
    modelId: zooModel.id,
    platformId: platforms[0]!.id,
    batch: 1,
    runtimeVersion: "1.30.0",
    medianMs: 1.5,
    meanMs: 1.52,
    minMs: 1.45,
    maxMs: 1.9,
    p90Ms: 1.6,
    p99Ms: 1.7,
    stdMs: 0.02,
    cv: 0.013,
    runs: 80,
    warmups: 5,
    deviceSeconds: 4,
    env: { cpuModel: "Test CPU", cores: 2 },
    ...qualityColumns("clean", 80, 1.5),
    profile: {
      runs: 3,
      kernels: computeNodes.map((nd, k) => ({
        name: nd.name,
        opType: nd.opType,
        medianUs: nd.opType === "Conv" ? 40 + k : 2,
        fusedFrom: [nd.name],
      })),
    } as never,
    measuredAt: new Date(now),
  });

  rows.push({
    modelId: zooModel.id,
    name: zooModel.name,
    family: "resnet",
    flops: zooModel.flops,
    params: zooModel.params,
    platformId: platforms[0]!.id,
    batch: 1,
    medianMs: 1.5,
    visibility: "public",
    ownerTeamId: null,
    source: "zoo",
  });

  const uncleanRows: PortalWorld["uncleanRows"] = [];
  let contendedAfterClean: PortalWorld["contendedAfterClean"] = null;
  if (o.unclean) {
    const record = (modelId: number, platformId: number, batch: number, v: number, grade: Grade, at: Date) =>
      recordMeasurement(db, {
        modelId,
        platformId,
        batch,
        runtimeVersion: "1.30.0",
        medianMs: v,
        meanMs: v,
        minMs: v * 0.9,
        maxMs: v * 2,
        p90Ms: v * 1.5,
        p99Ms: v * 1.9,
        stdMs: v * 0.2,
        cv: 0.2,
        runs: 30,
        warmups: 5,
        deviceSeconds: 3,
        env: { cpuModel: "Test CPU", cores: 2 },
        profile: null,
        measuredAt: at,
        ...qualityColumns(grade, 30, v),
      });
    const grades: Grade[] = ["estimated", "contended", "legacy"];
    for (let k = 0; k < 6; k++) {
      const family = FAMILIES[k % FAMILIES.length]!;
      const flops = 1e12 + k;
      const m = await insertModel(db, {
        hash: randomBytes(32).toString("hex"),
        name: `${tag}-noisy-${family}-${k}`,
        family,
        familyConfidence: 0.9,
        batch: 1,
        inputShapes: { input: [1, 3, 224, 224] },
        opset: 13,
        flops,
        macs: flops / 2,
        params: 1e6 + k,
        memoryAccess: 4e6,
        activationMemory: 1e6,
        nodeCount: 20,
        opHistogram: { Conv: 10, Relu: 9 },
        ownerTeamId: null,
        visibility: "public",
        source: "zoo",
      });
      for (const p of platforms) {
        // faster than every clean row and with the most FLOPs: ranked, they would top every board
        const v = 1e-4 * (k + 1);
        const grade = grades[k % grades.length]!;
        await record(m.id, p.id, 1, v, grade, new Date(now - k * 1000));
        uncleanRows.push({
          modelId: m.id,
          name: m.name,
          family,
          flops,
          params: m.params,
          platformId: p.id,
          batch: 1,
          medianMs: v,
          visibility: "public",
          ownerTeamId: null,
          source: "zoo",
          grade,
        });
      }
    }
    const pair = rows.find((r) => r.visibility === "public" && r.platformId === platforms[0]!.id && r.batch === 1 && r.modelId !== zooModel.id)!;
    contendedAfterClean = { modelId: pair.modelId, platformId: pair.platformId, batch: 1, contendedMs: pair.medianMs * 3 };
    await record(pair.modelId, pair.platformId, 1, pair.medianMs * 3, "contended", new Date(now + 60_000));
  }

  // one predictor version with predictions for every public result on the first platform
  const [res] = await db.insert(predictorVersions).values({
    name: `portal-test-gnn-${tag}`,
    method: "gnn",
    platformIds: platforms.map((p) => p.id),
    featureSetVersion: "test",
    trainingSetSize: n,
    status: "promoted",
  });
  const predicted = new Map<string, number>();
  const values = [...rows, ...uncleanRows]
    .filter((r) => r.batch === 1)
    .map((r, k) => {
      const v = r.medianMs * (1 + (((k * 13) % 9) - 4) / 100); // −4% … +4%, and one family off by 25%
      const value = r.family === "vgg" ? r.medianMs * 1.25 : v;
      predicted.set(`${r.modelId}|${r.platformId}|${r.batch}`, value);
      return {
        modelId: r.modelId,
        platformId: r.platformId,
        batch: r.batch,
        predictorVersionId: res.insertId,
        valueMs: value,
        uncertaintyMs: value * 0.03,
      };
    });
  await db.insert(predictions).values(values);
  return {
    tag,
    platforms,
    models,
    rows,
    zooModel,
    predictor: { id: res.insertId, name: `portal-test-gnn-${tag}` },
    predicted,
    uncleanRows,
    contendedAfterClean,
  };
}
