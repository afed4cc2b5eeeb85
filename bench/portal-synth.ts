/**
 * Synthetic portal data for benchmarks and local demos ONLY (never the real release): models with
 * plausible FLOPs/params/op histograms per family, newest results and run history on every platform of
 * the database, a batch-8 subset, a few private team models, and one predictor version with predictions.
 * Bulk multi-row INSERTs straight into a throwaway database (100k+ rows in seconds), keeping
 * latest_measurements consistent with measurements exactly as lib/db/measurements.ts would.
 */
import type mysql from "mysql2/promise";
import { seededRandom } from "@/lib/onnx/rng";
import { ZOO_FAMILIES } from "@/lib/zoo";

export interface SynthOptions {
  models: number;
  seed?: number;
  /** share of models also measured at batch 8 */
  batch8Share?: number;
  /** share of models that are private to `privateTeamId` */
  privateShare?: number;
  privateTeamId?: number | null;
  /** every k-th model gets a second (older) run */
  historyEvery?: number;
  predictions?: boolean;
}

const OPS: Record<string, string[]> = {
  default: ["Conv", "Relu", "Add", "BatchNormalization", "GlobalAveragePool", "Gemm", "MaxPool"],
  vit: ["MatMul", "Add", "Softmax", "LayerNormalization", "Gelu", "Reshape", "Transpose"],
  mobile: ["Conv", "Clip", "Add", "HardSigmoid", "Mul", "GlobalAveragePool", "Gemm"],
};

async function insertRows(pool: mysql.Pool, table: string, cols: string[], rows: unknown[][], chunk = 2000): Promise<number> {
  let first = 0;
  for (let i = 0; i < rows.length; i += chunk) {
    const [res] = await pool.query(`INSERT INTO ${table} (${cols.join(", ")}) VALUES ?`, [rows.slice(i, i + chunk)]);
    if (i === 0) first = (res as { insertId: number }).insertId;
  }
  return first;
}

export async function synthesize(
  pool: mysql.Pool,
  o: SynthOptions,
): Promise<{ models: number; measurements: number; latest: number; predictions: number }> {
  const rand = seededRandom(o.seed ?? 42);
  const [plats] = (await pool.query("SELECT id, threads, `precision` FROM platforms ORDER BY id")) as unknown as [
    { id: number; threads: number; precision: string }[],
  ];
  if (!plats.length) throw new Error("synthesize: seed the platforms first (lib/services/seed)");
  const families = ZOO_FAMILIES as readonly string[];
  const now = Date.now();
  const models: unknown[][] = [];
  const meta: { family: string; flops: number; params: number; visibility: string; owner: number | null; batch8: boolean; eff: number }[] =
    [];
  for (let i = 0; i < o.models; i++) {
    const family = families[i % families.length]!;
    const flops = Math.round(10 ** (7 + rand() * 3.3));
    const params = Math.round(10 ** (5 + rand() * 3));
    const ops = OPS[family === "vit" ? "vit" : /mobile|mnas|efficient/.test(family) ? "mobile" : "default"]!;
    const hist: Record<string, number> = {};
    for (const op of ops) hist[op] = 1 + Math.floor(rand() * 40);
    const priv = o.privateTeamId && rand() < (o.privateShare ?? 0);
    const hash = Array.from({ length: 8 }, () =>
      Math.floor(rand() * 2 ** 32)
        .toString(16)
        .padStart(8, "0"),
    ).join("");
    const nodes = Object.values(hist).reduce((a, b) => a + b, 0);
    models.push([
      hash,
      `${family}-synth-${i}`,
      family,
      0.9,
      1,
      JSON.stringify({ input: [1, 3, 224, 224] }),
      13,
      flops,
      Math.round(flops / 2),
      params,
      Math.round(params * 4 + flops / 20),
      Math.round(flops / 50),
      nodes,
      JSON.stringify(hist),
      priv ? o.privateTeamId : null,
      priv ? "private" : "public",
      "zoo",
    ]);
    meta.push({
      family,
      flops,
      params,
      visibility: priv ? "private" : "public",
      owner: priv ? o.privateTeamId! : null,
      batch8: rand() < (o.batch8Share ?? 0.1),
      eff: 0.6 + rand() * 0.8,
    });
  }
  const firstModel = await insertRows(
    pool,
    "models",
    [
      "hash",
      "name",
      "family",
      "family_confidence",
      "batch",
      "input_shapes",
      "opset",
      "flops",
      "macs",
      "params",
      "memory_access",
      "activation_memory",
      "node_count",
      "op_histogram",
      "owner_team_id",
      "visibility",
      "source",
    ],
    models,
  );

  const meas: unknown[][] = [];
  const keys: { modelIdx: number; platformId: number; batch: number; median: number; at: Date; runs: number; grade: string }[] = [];
  meta.forEach((m, idx) => {
    for (const p of plats) {
      for (const batch of m.batch8 ? [1, 8] : [1]) {
        const gflops = 6 * p.threads * (p.precision === "int8" ? 1.8 : 1) * m.eff;
        const median = 0.05 + (m.flops * batch) / (gflops * 1e9) * 1000;
        const runs = idx % (o.historyEvery ?? 5) === 0 ? 2 : 1;
        // one model in ten measured without a quiet window (protocol v2 grades; the portal reads clean rows by default)
        const grade = idx % 10 === 7 ? "contended" : "clean";
        for (let r = 0; r < runs; r++) {
          const v = median * (1 + (r ? 0.03 : 0) * (rand() - 0.5));
          const at = new Date(now - (runs - r) * 86400_000 - rand() * 86400_000 * 30);
          meas.push([
            firstModel + idx,
            p.id,
            batch,
            "1.30",
            v,
            v * 1.01,
            v * 0.97,
            v * 1.2,
            v * 1.05,
            v * 1.1,
            v * 0.02,
            0.02,
            40,
            5,
            3.5,
            at,
            2,
            grade,
            grade === "clean" ? "wall-clean" : "wall-contended",
          ]);
          if (r === runs - 1) keys.push({ modelIdx: idx, platformId: p.id, batch, median: v, at, runs, grade });
        }
      }
    }
  });
  const firstMeas = await insertRows(pool, "measurements", [
    "model_id", "platform_id", "batch", "runtime_version", "median_ms", "mean_ms", "min_ms", "max_ms", "p90_ms", "p99_ms",
    "std_ms", "cv", "runs", "warmups", "device_seconds", "measured_at", "protocol", "grade", "label_kind",
  ], meas);
  // measurement ids are consecutive in insert order: the newest run of each key is the last one emitted for it
  let cursor = firstMeas - 1;
  const latest: unknown[][] = [];
  let k = 0;
  meta.forEach((m, idx) => {
    for (let p = 0; p < plats.length; p++) {
      for (let b = 0; b < (m.batch8 ? 2 : 1); b++) {
        const key = keys[k++]!;
        cursor += key.runs;
        latest.push([
          firstModel + idx,
          key.platformId,
          key.batch,
          cursor,
          key.median,
          key.grade,
          key.runs,
          m.family,
          m.flops,
          m.params,
          m.visibility,
          m.owner,
          "zoo",
          key.at,
        ]);
      }
    }
  });
  const [[span]] = (await pool.query("SELECT MIN(id) AS lo, MAX(id) AS hi, COUNT(*) AS n FROM measurements WHERE id >= ?", [
    firstMeas,
  ])) as unknown as [{ lo: number; hi: number; n: number }[]];
  if (span!.lo !== firstMeas || span!.hi - span!.lo + 1 !== Number(span!.n) || cursor !== span!.hi) {
    throw new Error("synthesize: measurement ids were not consecutive (run it on a throwaway database with no concurrent writers)");
  }
  await insertRows(
    pool,
    "latest_measurements",
    [
      "model_id",
      "platform_id",
      "batch",
      "measurement_id",
      "median_ms",
      "grade",
      "measurement_count",
      "family",
      "flops",
      "params",
      "visibility",
      "owner_team_id",
      "source",
      "measured_at",
    ],
    latest,
  );

  let nPred = 0;
  if (o.predictions) {
    const [res] = await pool.query(
      "INSERT INTO predictor_versions (name, method, platform_ids, feature_set_version, training_set_size, status, weights_uri) VALUES (?, 'gnn', ?, 'synthetic', ?, 'promoted', NULL)",
      [`synthetic-gnn-${o.seed ?? 42}`, JSON.stringify(plats.map((p) => p.id)), o.models],
    );
    const versionId = (res as { insertId: number }).insertId;
    const preds = keys
      .filter((_, i) => i % 2 === 0)
      .map((key) => {
        const err = (rand() + rand() + rand() - 1.5) * 0.08;
        return [firstModel + key.modelIdx, key.platformId, key.batch, versionId, key.median * (1 + err), key.median * 0.04];
      });
    await insertRows(
      pool,
      "predictions",
      ["model_id", "platform_id", "batch", "predictor_version_id", "value_ms", "uncertainty_ms"],
      preds,
    );
    nPred = preds.length;
  }
  return { models: models.length, measurements: meas.length, latest: latest.length, predictions: nPred };
}
