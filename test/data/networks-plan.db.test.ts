/**
 * The campaign's networks stage measures each corpus network at several sizes (lib/services/campaign.ts,
 * lib/measure/shape-variants.ts), on a corpus of its own in a temp dir and a database of its own: the plan
 * lists natural sizes first, leaves out the sizes shape inference refuses, and the sizes are rows of their
 * own (name `…@size`, storage key with the shapes, the natural size's family); a symbolic model, which
 * could not be measured as it is, is measured at its default sizes through the real queue and onnxruntime.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eq, like } from "drizzle-orm";
import { createDb, type DbHandle } from "@/lib/db/client";
import { models } from "@/lib/db/schema";
import { DataType } from "@/lib/onnx/proto";
import { detectHost } from "@/lib/measure/host";
import { localPlatforms } from "@/lib/measure/platforms";
import { closeSharedPool } from "@/lib/measure/pool";
import { seed } from "@/lib/services/seed";
import { enqueueWorkItem, planCampaign, stageItems, type Stage } from "@/lib/services/campaign";
import { runCampaign } from "@/workers/campaign";
import { model, node, vi } from "../onnx/helpers";
import { convNet } from "../measure/models";
import { createTestDatabase, type TestDatabase } from "../setup/test-database";

const host = detectHost();
const t1 = localPlatforms(host)[0]!;
const root = fs.mkdtempSync(path.join(os.tmpdir(), "nnlq-corpus-test-"));
const weights = (name: string, dims: number[]) => ({
  name,
  dims,
  data_type: DataType.FLOAT,
  raw_data: new Uint8Array(4 * dims.reduce((a, b) => a * b, 1)),
});

/** [batch, 3, height, width] → Conv 3→4 → Relu: measurable only once its sizes are given. */
function symbolicNet(): Uint8Array {
  return model({
    inputs: [vi("images", ["batch", 3, "height", "width"])],
    outputs: [vi("y", ["batch", 4, "height", "width"])],
    inits: [weights("w", [4, 3, 3, 3])],
    nodes: [node("Conv", ["images", "w"], ["c"], { pads: [1, 1, 1, 1] }), node("Relu", ["c"], ["y"])],
  });
}

/** [1, 3, 64, 64] → Reshape to [1, 12288]: no other size fits. */
function flatNet(): Uint8Array {
  return model({
    inputs: [vi("x", [1, 3, 64, 64])],
    outputs: [vi("y", [1, 12288])],
    inits: [{ name: "shape", dims: [2], data_type: DataType.INT64, int64_data: [1, 12288] }],
    nodes: [node("Reshape", ["x", "shape"], ["y"])],
  });
}

function write(rel: string, bytes: Uint8Array) {
  fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
  fs.writeFileSync(path.join(root, rel), bytes);
}

let D: TestDatabase;
let h: DbHandle;

beforeAll(async () => {
  write("networks/a/conv.onnx", convNet({ resolution: 64, batch: 1 }));
  write("networks/b/flat.onnx", flatNet());
  write("networks/c/symbolic.onnx", symbolicNet());
  D = await createTestDatabase();
  h = createDb(D.url, { connectionLimit: 3 });
  await seed(h.db, { demo: false });
}, 120_000);

afterAll(async () => {
  await closeSharedPool();
  await h?.close();
  await D?.drop();
  fs.rmSync(root, { recursive: true, force: true });
});

const stage: Stage = { name: "nets", platform: t1.slug, batch: 1, perFamily: 0, families: [], networks: true };
const label = (it: { corpusPath?: string; variant?: { label: string } }) => `${it.corpusPath}@${it.variant?.label ?? ""}`;

describe("the networks stage", () => {
  it("lists every network at its natural size first, then the other sizes", () => {
    const items = stageItems(stage, { corpusRoot: root });
    expect(items.map(label)).toEqual([
      "networks/a/conv.onnx@",
      "networks/b/flat.onnx@",
      "networks/c/symbolic.onnx@r224",
      "networks/a/conv.onnx@r32",
      "networks/a/conv.onnx@r96",
      "networks/a/conv.onnx@r128",
      "networks/b/flat.onnx@r32",
      "networks/b/flat.onnx@r96",
      "networks/b/flat.onnx@r128",
      "networks/c/symbolic.onnx@r320",
      "networks/c/symbolic.onnx@r640",
    ]);
  });

  it("plans the sizes shape inference accepts, lists them (dry run), and stores each size as a model of its own", async () => {
    const lines: string[] = [];
    const plan = await planCampaign(h.db, { stages: [stage], host, corpusRoot: root, log: (l) => lines.push(l), listNetworks: true });
    expect(plan.skippedInvalid).toBe(3); // flat.onnx at 32, 96, 128
    expect(plan.planned).toBe(8);
    expect(plan.byStage.nets).toMatchObject({ planned: 8, missing: 8, invalid: 3 });
    expect(plan.stages[0]!.items.map(label)).not.toContain("networks/b/flat.onnx@r96");
    expect(lines).toContain("  corpus/c/symbolic.onnx@r320 [images=1x3x320x320]: missing");
    expect(lines).toContain("  corpus/a/conv.onnx [as declared] natural: missing");
    expect(lines.some((l) => l.startsWith("  corpus/b/flat.onnx@r96 [x=1x3x96x96]: left out, ONNX_SHAPE:"))).toBe(true);

    const r320 = plan.stages[0]!.items.find((it) => label(it) === "networks/c/symbolic.onnx@r320")!;
    await enqueueWorkItem(h.db, r320, plan.stages[0]!.platform, root);
    const r224 = plan.stages[0]!.items.find((it) => label(it) === "networks/c/symbolic.onnx@r224")!;
    await enqueueWorkItem(h.db, r224, plan.stages[0]!.platform, root);
    const rows = await h.db.select().from(models).where(like(models.name, "corpus/c/%"));
    expect(rows.map((r) => [r.name, r.storageKey]).sort()).toEqual([
      ["corpus/c/symbolic.onnx@r224", "corpus:networks/c/symbolic.onnx#images=1x3x224x224"],
      ["corpus/c/symbolic.onnx@r320", "corpus:networks/c/symbolic.onnx#images=1x3x320x320"],
    ]);
    expect(new Set(rows.map((r) => r.hash)).size).toBe(2);
    expect(rows.every((r) => r.family === rows[0]!.family && r.visibility === "public")).toBe(true);
    const [row] = await h.db.select().from(models).where(eq(models.name, "corpus/c/symbolic.onnx@r320"));
    expect(row!.inputShapes).toEqual({ images: [1, 3, 320, 320] });
  });

  // (it waits its turn for the host lock: a campaign running on this machine may hold it for a measurement)
  it("measures a symbolic model at its default sizes through the queue (it failed as it is before)", { timeout: 600_000 }, async () => {
    fs.rmSync(path.join(root, "networks/a"), { recursive: true });
    fs.rmSync(path.join(root, "networks/b"), { recursive: true });
    // the host's own lock (no private one): measurements here take turns with any campaign on this machine
    const s = await runCampaign(h.db, { stages: [stage], host, budgetMs: 150, corpusRoot: root, quietWaitMs: 0 });
    expect(s.failed).toBe(0);
    expect(s.measured).toBeGreaterThanOrEqual(3); // r224, r320, r640 (plus retakes where not clean)
    const again = await planCampaign(h.db, { stages: [stage], host, corpusRoot: root });
    expect(again.byStage.nets!.missing).toBe(0);
  });
});
