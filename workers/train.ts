/**
 * `npm run worker:train` — the evolving predictor (lib/services/predictors.ts) as a command:
 *   [--force] [--method gnn|all|<m>,<m>] [--budget-min 15] [--epochs N] [--growth 0.1] [--seed 1]
 *   [--watch MINUTES]   (check again every MINUTES, retraining whenever the database grew enough)
 * Database: DATABASE_URL, else MySQL on 127.0.0.1:3306 (database nnlq), else `npm run up`'s private server;
 * reached through lib/services/training.ts. It must be migrated already (`npm run db:migrate` or `npm run up`):
 * the trainer never migrates, it says so and exits 3.
 * Exit codes: 0 done, 2 usage, 3 database unreachable or not migrated, 1 a method failed.
 */
import { numberArg, parseCommandLine, UsageError } from "@/lib/args";
import { checkEnvOrExit } from "@/lib/env";
import { isNnlqError } from "@/lib/errors";
import type { EvolveOutcome } from "@/lib/services/predictors";
import { openTrainingData, type TrainingData } from "@/lib/services/training";
import { isMethod, METHODS, type Method } from "@/lib/predict";
import { initTfNode } from "@/lib/predict/node/backend";
import { epochLine } from "@/lib/predict/node/cli";

const USAGE =
  "usage: npm run worker:train -- [--force] [--method gnn|all|<m>,<m>] [--budget-min 15] [--epochs N] [--growth 0.1] [--seed 1] [--watch MINUTES]";

async function evolveMain(
  argv: string[],
  log: (l: string) => void = (l) => console.log(`[train ${new Date().toISOString().slice(11, 19)}] ${l}`),
): Promise<number> {
  let values;
  try {
    ({ values } = parseCommandLine({
      args: argv,
      options: {
        force: { type: "boolean", default: false },
        method: { type: "string", default: "all" },
        "budget-min": { type: "string", default: "15" },
        epochs: { type: "string" },
        growth: { type: "string", default: "0.1" },
        seed: { type: "string", default: "1" },
        watch: { type: "string" },
        "log-every": { type: "string", default: "10" },
        help: { type: "boolean", default: false },
      },
      strict: true,
    }));
  } catch (e) {
    console.error(`worker:train: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const methods = (values.method === "all" ? [...METHODS] : values.method!.split(",")) as Method[];
  const bad = methods.filter((m) => !isMethod(m));
  const num = (name: string, v: string | undefined, min: number, max: number) => numberArg(name, v, min, max);
  let budgetMin, epochs, growth, seed, watch;
  try {
    if (bad.length) throw new UsageError(`unknown method ${bad.join(", ")} (one of: ${METHODS.join(", ")}, all)`);
    budgetMin = num("budget-min", values["budget-min"], 0.1, 24 * 60);
    epochs = num("epochs", values.epochs, 1, 10_000);
    growth = num("growth", values.growth, 0, 100);
    seed = num("seed", values.seed, 0, 2 ** 31);
    watch = num("watch", values.watch, 0.1, 7 * 24 * 60);
  } catch (e) {
    console.error(`worker:train: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  const every = Number(values["log-every"]) || 10;
  let data: TrainingData;
  try {
    data = await openTrainingData({ log });
  } catch (e) {
    console.error(`worker:train: ${isNnlqError(e) ? e.message : e instanceof Error ? e.message : String(e)}`);
    return 3;
  }
  log(`tfjs backend ${await initTfNode()}`);
  let failed = false;
  let stop = false;
  const onSignal = () => (stop = true);
  process.once("SIGTERM", onSignal);
  process.once("SIGINT", onSignal);
  try {
    for (;;) {
      const outcomes: EvolveOutcome[] = await data.evolve({
        methods, force: values.force, budgetMin, epochs, growth, seed, log,
        onEpoch: (m, e) => {
          if (e.epoch % every === 0 || e.epoch === e.epochs) log(`  ${m} ${epochLine(e)}`);
        },
      });
      for (const o of outcomes) log(`${o.method}: ${o.action}${o.version ? ` ${o.version}` : ""} — ${o.reason}`);
      failed ||= outcomes.some((o) => o.action === "failed");
      if (!watch || stop) break;
      values.force = false;
      for (let waited = 0; waited < watch * 60_000 && !stop; waited += 1000) await new Promise((r) => setTimeout(r, 1000));
      if (stop) break;
    }
  } finally {
    await data.close();
  }
  return failed ? 1 : 0;
}

checkEnvOrExit("worker:train");
process.exit(await evolveMain(process.argv.slice(2)));
