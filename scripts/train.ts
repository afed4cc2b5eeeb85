/**
 * Train a predictor version on a dataset and write its weights under the predictor store the app serves,
 * .data/predictors/<version>/ (NNLQ_PREDICTORS_DIR; --out DIR elsewhere): model.json + weights.bin,
 * ignored by git — the data release and this script reproduce them.
 *
 *   node --import tsx scripts/train.ts [--data data/release-v2 | .data/devdata.jsonl] [--method gnn|all|<m>,<m>]
 *        [--version <name>] [--epochs 150] [--budget-min 15] [--batch 32] [--lr 3e-3] [--seed 1] [--label median|min] [--log-every 1]
 *
 * 90/10 split by graph: the GNN keeps its best epoch on the 10%; the validation metrics go into the manifest.
 * --budget-min caps the GNN's training time (default 15 min: the epochs shrink to what fits after the first).
 */
import path from "node:path";
import { parseArgsOrExit, usageExit } from "@/lib/args";
import { isMethod, METHODS, trainVersion, type LabelStat, type Method } from "@/lib/predict";
import { initTfNode } from "@/lib/predict/node/backend";
import { defaultDataset, epochLine, PREDICTORS_DIR } from "@/lib/predict/node/cli";
import { loadDataset, saveArtifacts } from "@/lib/predict/node/io";
import { checkEnvOrExit } from "@/lib/env";

checkEnvOrExit("train:predict");

const { values } = parseArgsOrExit("train:predict", {
  options: {
    data: { type: "string" },
    method: { type: "string", default: "gnn" },
    version: { type: "string" },
    epochs: { type: "string" },
    "budget-min": { type: "string", default: "15" },
    batch: { type: "string" },
    lr: { type: "string" },
    seed: { type: "string", default: "1" },
    label: { type: "string", default: "median" },
    "log-every": { type: "string", default: "1" },
    out: { type: "string" },
  },
});
const methods = (values.method === "all" ? [...METHODS] : values.method!.split(",")) as Method[];
for (const m of methods) if (!isMethod(m)) usageExit("train:predict", `unknown method ${m} (one of: ${METHODS.join(", ")}, all)`);
const backend = await initTfNode();
const data = defaultDataset(values.data);
const t0 = performance.now();
const samples = loadDataset(data, { label: values.label as LabelStat });
console.log(
  `dataset ${path.relative(process.cwd(), data)}: ${samples.length} measurements, ${new Set(samples.map((s) => s.graph.key)).size} ` +
    `graphs (${((performance.now() - t0) / 1000).toFixed(1)} s); tfjs backend ${backend}`,
);
const stamp = new Date().toISOString().slice(0, 10).replace(/-/g, "");
const every = Number(values["log-every"]);
for (const method of methods) {
  const version = values.version && methods.length === 1 ? values.version : `${method}-${stamp}-${values.seed}`;
  const t1 = performance.now();
  const r = await trainVersion(method, samples, {
    version,
    seed: Number(values.seed),
    gnn: {
      ...(values.epochs ? { epochs: Number(values.epochs) } : {}),
      timeBudgetMs: Number(values["budget-min"]) * 60_000,
      ...(values.batch ? { batchSize: Number(values.batch) } : {}),
      ...(values.lr ? { lr: Number(values.lr) } : {}),
      onEpoch: (e) => {
        if (e.epoch % every === 0 || e.epoch === e.epochs) console.log(`  ${epochLine(e)}`);
      },
    },
  });
  const file = saveArtifacts(path.join(values.out ? path.resolve(values.out) : PREDICTORS_DIR, version), r.predictor.save(), {
    metrics: { validation: r.val },
  });
  console.log(
    `${method}: ${version} trained on ${r.trainSamples} samples in ${((performance.now() - t1) / 1000).toFixed(1)} s; validation (${r.valSamples}) MAPE ${r.valMape.toFixed(2)}%`,
  );
  for (const [p, m] of Object.entries(r.val))
    console.log(
      `  ${p}: MAPE ${m.mape.toFixed(2)}% RMSPE ${m.rmspe.toFixed(2)}% Acc@10 ${m.acc10.toFixed(1)}% τ ${m.kendallTau.toFixed(3)}`,
    );
  console.log(`  → ${path.relative(process.cwd(), file)}`);
  r.predictor.dispose();
}
