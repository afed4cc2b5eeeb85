/**
 * Campaign planning and measurement quality (a database of its own): only a clean kept row counts as
 * measured; a pair whose results are estimated / contended only is planned again as a retake, after every
 * stage's missing items; a protocol v1 (legacy) row is history, so its pair is planned as missing.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { asc } from "drizzle-orm";
import { createDb, type DbHandle } from "@/lib/db/client";
import { recordMeasurement } from "@/lib/db/measurements";
import { models, type NewMeasurement } from "@/lib/db/schema";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import { canonicalJson } from "@/lib/zoo";
import { enqueueWorkItem, planCampaign, type Stage } from "@/lib/services/campaign";
import { seed } from "@/lib/services/seed";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

// this file is about retakes: queue them (the test configs turn them off elsewhere: NNLQ_RETAKES=0)
const retakesBefore = process.env.NNLQ_RETAKES;
process.env.NNLQ_RETAKES = "3";
afterAll(() => {
  if (retakesBefore === undefined) delete process.env.NNLQ_RETAKES;
  else process.env.NNLQ_RETAKES = retakesBefore;
});

const host = detectHost();
const [t1, t2] = [localPlatforms(host)[0]!, localPlatforms(host)[1]!];
let T: TestDatabase;
let h: DbHandle;

beforeAll(async () => {
  T = await createTestDatabase();
  h = createDb(T.url, { connectionLimit: 3 });
  await seed(h.db, { demo: false });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await T?.drop();
});

const grades = { clean: "wall-clean", contended: "wall-contended", estimated: "cpu-estimate", legacy: "wall-v1" } as const;

function row(modelId: number, platformId: number, grade: keyof typeof grades): NewMeasurement {
  return {
    modelId,
    platformId,
    batch: 1,
    runtimeVersion: "1.30.0",
    medianMs: 3,
    meanMs: 3,
    minMs: 3,
    p90Ms: 3,
    p99Ms: 3,
    stdMs: 0,
    runs: 10,
    warmups: 1,
    env: { host },
    protocol: grade === "legacy" ? 1 : 2,
    grade,
    labelKind: grades[grade],
    measuredAt: new Date(),
  };
}

describe("campaign planning by quality", () => {
  it("clean counts as measured, estimated/contended only are retaken last, legacy is planned as missing", async () => {
    const stages: Stage[] = [
      { name: "a", platform: t1.slug, batch: 1, perFamily: 4, families: ["alexnet"] },
      { name: "b", platform: t2.slug, batch: 1, perFamily: 1, families: ["squeezenet"] },
    ];
    const first = await planCampaign(h.db, { stages, host });
    expect(first).toMatchObject({ planned: 5, alreadyMeasured: 0, toRetake: 0 });
    const [a, b] = first.stages;
    expect(a!.items).toHaveLength(4);
    for (const it of a!.items) await enqueueWorkItem(h.db, it, a!.platform);
    const rows = await h.db.select().from(models).orderBy(asc(models.id));
    const idOf = (spec: unknown) => rows.find((m) => canonicalJson(m.zooSpec) === canonicalJson(spec))!.id;
    const [clean, contended, estimated, legacy] = a!.items;
    await recordMeasurement(h.db, row(idOf(clean!.spec), a!.platform.id, "clean"));
    await recordMeasurement(h.db, row(idOf(contended!.spec), a!.platform.id, "contended"));
    await recordMeasurement(h.db, row(idOf(estimated!.spec), a!.platform.id, "estimated"));
    await recordMeasurement(h.db, row(idOf(legacy!.spec), a!.platform.id, "legacy"));
    // a contended result, then a clean one: measured
    await recordMeasurement(h.db, row(idOf(contended!.spec), a!.platform.id, "contended"));

    const again = await planCampaign(h.db, { stages, host });
    expect(again).toMatchObject({ planned: 5, alreadyMeasured: 1, toRetake: 2 });
    expect(again.byStage.a).toMatchObject({ planned: 4, missing: 1, retake: 2 });
    expect(again.byStage.b).toMatchObject({ planned: 1, missing: 1, retake: 0 });
    const specs = (items: { spec?: unknown }[]) => items.map((i) => canonicalJson(i.spec));
    // order: every stage's missing items first, then the retakes
    expect(again.stages.map((s) => s.stage.name)).toEqual(["a", "b", "a"]);
    expect(specs(again.stages[0]!.items)).toEqual(specs([legacy!]));
    expect(specs(again.stages[1]!.items)).toEqual(specs(b!.items));
    expect(specs(again.stages[2]!.items)).toEqual(specs([contended!, estimated!]));

    await recordMeasurement(h.db, row(idOf(contended!.spec), a!.platform.id, "clean"));
    const third = await planCampaign(h.db, { stages, host });
    expect(third).toMatchObject({ alreadyMeasured: 2, toRetake: 1 });
    expect(specs(third.stages[2]!.items)).toEqual(specs([estimated!]));
  });
});
