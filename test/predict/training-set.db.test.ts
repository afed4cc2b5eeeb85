/**
 * The predictors' training set read from the database (lib/services/predictors datasetFromDatabase): clean
 * measurements only by default — estimated, contended and legacy rows never become labels — with every
 * grade on request (experiments), and the count a trained version reports ("trained on N clean measurements").
 */
import { randomBytes } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { analyze } from "@/lib/onnx";
import { generate, sampleSpecs } from "@/lib/zoo";
import { insertModel } from "@/lib/db/models";
import { recordMeasurement } from "@/lib/db/measurements";
import { upsertFamilies, upsertPlatform } from "@/lib/db/platforms";
import { ALL_FAMILIES, FAMILY_LABELS } from "@/lib/onnx/families";
import { datasetFromDatabase, trainedOn } from "@/lib/services/predictors";
import type { Grade } from "@/lib/quality";
import { db } from "../setup/fixtures";
import { qualityColumns } from "../portal/portal-world";

const tag = randomBytes(3).toString("hex");
const slug = `train-${tag}/ort-cpu-1.30/fp32/t1`;
/** model hash → (grade, median) of its one measurement */
const stored = new Map<string, { grade: Grade; medianMs: number }>();

beforeAll(async () => {
  await upsertFamilies(db(), ALL_FAMILIES.map((name) => ({ name, label: FAMILY_LABELS[name] })));
  const p = await upsertPlatform(db(), {
    slug,
    name: `Training set test ${tag}`,
    hardware: `train-${tag}`,
    runtime: "ort-cpu",
    runtimeVersion: "1.30",
    precision: "fp32",
    threads: 1,
    config: { adapter: "ort-node", passes: [] },
  });
  const grades: Grade[] = ["clean", "clean", "estimated", "contended", "legacy", "clean"];
  const specs = sampleSpecs("resnet", grades.length, 7 + parseInt(tag, 16), { resolution: 32, batch: 1 });
  for (const [k, spec] of specs.entries()) {
    const s = analyze(generate(spec));
    const m = await insertModel(db(), {
      hash: s.hash,
      name: `${tag}-train-${k}`,
      family: "resnet",
      familyConfidence: 1,
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
    });
    const v = 1 + k;
    await recordMeasurement(db(), {
      modelId: m.id,
      platformId: p.id,
      batch: 1,
      runtimeVersion: "1.30.0",
      medianMs: v,
      meanMs: v,
      minMs: v,
      maxMs: v,
      p90Ms: v,
      p99Ms: v,
      stdMs: 0,
      cv: 0,
      runs: 30,
      warmups: 3,
      deviceSeconds: 1,
      env: null,
      profile: null,
      measuredAt: new Date(),
      ...qualityColumns(grades[k]!, 30, v),
    });
    stored.set(s.hash, { grade: grades[k]!, medianMs: v });
  }
}, 120_000);

const mine = (samples: { platform: string; graph: { key: string }; latencyMs: number }[]) => samples.filter((s) => s.platform === slug);

describe("training set", () => {
  it("clean measurements only by default; every grade on request", async () => {
    const clean = await datasetFromDatabase(db());
    expect(clean.quality).toBe("clean");
    const got = mine(clean.samples)
      .map((s) => s.latencyMs)
      .sort((a, b) => a - b);
    const want = [...stored.values()]
      .filter((v) => v.grade === "clean")
      .map((v) => v.medianMs)
      .sort((a, b) => a - b);
    expect(got).toEqual(want);
    expect(got).toEqual([1, 2, 6]);
    expect(clean.excluded).toBeGreaterThanOrEqual(3);

    const all = await datasetFromDatabase(db(), { quality: "all" });
    expect(
      mine(all.samples)
        .map((s) => s.latencyMs)
        .sort((a, b) => a - b),
    ).toEqual([1, 2, 3, 4, 5, 6]);
    expect(all.measurements).toBe(clean.measurements + clean.excluded);
    expect(all.excluded).toBe(0);
  });

  it("a trained version says what it was trained on", () => {
    expect(trainedOn({ quality: "clean", measurements: 7512, excluded: 0 })).toBe("trained on 7512 clean measurements");
    expect(trainedOn({ quality: "clean", measurements: 10, excluded: 3 })).toBe(
      "trained on 10 clean measurements (3 estimated/contended/legacy left out)",
    );
    expect(trainedOn({ quality: "all", measurements: 13, excluded: 0 })).toMatch(/^trained on 13 measurements of every grade/);
  });
});
