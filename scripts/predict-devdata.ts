/**
 * A small development dataset for the predictors, measured here and now (the measurement campaign,
 * npm run campaign, produces the real one). Samples `--per-family` zoo specs of every family at small resolutions, measures each with
 * lib/measure's isolated runner (short budgets) on the chosen local platforms, and appends one JSONL row per
 * measurement to `--out` (default .data/devdata.jsonl, gitignored). Resumable: pairs already in the file
 * (or in <out>.failed) are skipped. Rows have the data-release shape read by lib/predict/dataset.ts.
 *
 *   node --import tsx scripts/predict-devdata.ts [--per-family 40] [--platforms t1,wasm] [--budget 200]
 *        [--resolutions 64,96,128] [--seed 7] [--out .data/devdata.jsonl] [--device <key> --pin-cpu <n>]
 *
 * Rows carry the CPU time per run next to the wall-clock statistics: on this shared, busy machine the CPU
 * time of a 1-thread platform is a cleaner latency label than wall time (labels "cpu" and "best" in lib/predict). With --device a
 * separate device queue is used (e.g. while a campaign holds the machine's device lock); run it under
 * `nice -n 19` then, pinned to the other core, so that the campaign's measurements keep priority.
 */
import fs from "node:fs";
import path from "node:path";
import { parseArgsOrExit } from "@/lib/args";
import { isNnlqError } from "@/lib/errors";
import { localPlatforms } from "@/lib/measure/platforms";
import { measureInChild } from "@/lib/measure/runner";
import { compactProfile, type DataRow } from "@/lib/predict/dataset";
import { generate, Rng, sampleSpec, specKey, structureKey, ZOO_FAMILIES, type ZooSpec } from "@/lib/zoo";
import { deriveSeed } from "@/lib/zoo/rng";
import { checkEnvOrExit } from "@/lib/env";

checkEnvOrExit("predict-devdata");

const { values } = parseArgsOrExit("predict-devdata", {
  options: {
    "per-family": { type: "string", default: "40" },
    platforms: { type: "string", default: "t1,wasm" },
    budget: { type: "string", default: "200" },
    resolutions: { type: "string", default: "64,96,128" },
    seed: { type: "string", default: "7" },
    out: { type: "string", default: ".data/devdata.jsonl" },
    device: { type: "string" },
    "pin-cpu": { type: "string" },
    attempts: { type: "string", default: "1" },
  },
});
const perFamily = Number(values["per-family"]);
const budget = Number(values.budget);
const resolutions = values.resolutions!.split(",").map(Number);
const seed = Number(values.seed);
const out = path.resolve(values.out!);
const failedFile = `${out}.failed`;

/** Platform aliases: t1 = ORT CPU 1 thread fp32, tN = ORT CPU all cores, wasm = ORT WASM, int8 = ORT CPU int8. */
const local = localPlatforms();
function platformOf(alias: string): string {
  const p = local.find((x) =>
    alias === "wasm"
      ? x.runtime === "ort-wasm"
      : alias === "int8"
        ? x.precision === "int8"
        : x.runtime === "ort-cpu" && x.precision === "fp32" && `t${x.threads}` === alias,
  );
  if (!p) throw new Error(`no local platform for '${alias}' (have ${local.map((x) => x.slug).join(", ")})`);
  return p.slug;
}
const platforms = values.platforms!.split(",").map(platformOf);

function specsOf(family: (typeof ZOO_FAMILIES)[number]): ZooSpec[] {
  const rng = new Rng(deriveSeed(seed, `devdata:${family}`));
  const seen = new Set<string>();
  const specs: ZooSpec[] = [];
  for (let tries = 0; specs.length < perFamily && tries < perFamily * 50; tries++) {
    const batch = rng.bool(0.8) ? 1 : rng.pick([2, 4]);
    let spec: ZooSpec;
    try {
      spec = sampleSpec(family, rng, { batch, resolution: rng.pick(resolutions) });
    } catch (e) {
      if (isNnlqError(e) && e.code === "VALIDATION") continue; // e.g. a ViT patch size that does not divide the resolution
      throw e;
    }
    const key = structureKey(spec);
    if (!seen.has(key)) {
      seen.add(key);
      specs.push(spec);
    }
  }
  return specs;
}

const readKeys = (file: string) =>
  new Set(
    fs.existsSync(file)
      ? fs.readFileSync(file, "utf8").split("\n").filter(Boolean).map((l) => {
          const r = JSON.parse(l) as { spec: unknown; platform: string };
          return `${specKey(r.spec)}|${r.platform}`;
        })
      : [],
  );

fs.mkdirSync(path.dirname(out), { recursive: true });
const done = readKeys(out);
const failed = readKeys(failedFile);
const perFam = ZOO_FAMILIES.map(specsOf);
// round-robin over families so that a partial run covers every family
const queue: { spec: ZooSpec; platform: string }[] = [];
for (let i = 0; i < perFamily; i++)
  for (const list of perFam) if (list[i]) for (const platform of platforms) queue.push({ spec: list[i], platform });
const todo = queue.filter((q) => !done.has(`${specKey(q.spec)}|${q.platform}`) && !failed.has(`${specKey(q.spec)}|${q.platform}`));
console.log(
  `devdata: ${queue.length} pairs (${perFamily}/family × ${ZOO_FAMILIES.length} families × ${platforms.length} platforms), ${queue.length - todo.length} done, ${todo.length} to measure → ${out}`,
);

const t0 = performance.now();
let ok = 0,
  bad = 0;
for (const [i, { spec, platform }] of todo.entries()) {
  try {
    const r = await measureInChild(generate(spec), platform, {
      timeBudgetMs: budget,
      profileRuns: 5,
      protocol: { attempts: Number(values.attempts) },
      ...(values.device ? { device: values.device } : {}),
      ...(values["pin-cpu"] !== undefined ? { pinCpu: Number(values["pin-cpu"]) } : {}),
    });
    const row: DataRow = {
      spec,
      family: spec.family,
      platform,
      batch: r.batch,
      stats: {
        median: r.stats.median,
        mean: r.stats.mean,
        min: r.stats.min,
        p90: r.stats.p90,
        p99: r.stats.p99,
        std: r.stats.std,
        cv: r.stats.cv,
        runs: r.stats.runs,
      },
      ...(r.cpu ? { cpu: { median: r.cpu.median, p90: r.cpu.p90, cv: r.cpu.cv, busyRatio: r.cpu.busyRatio } } : {}),
      noisy: r.noisy,
      runtimeVersion: r.runtimeVersion,
      measuredAt: r.measuredAt,
      cpuModel: r.host.cpuModel,
      profile: r.profile ? compactProfile(r.profile) : null,
    };
    fs.appendFileSync(out, JSON.stringify(row) + "\n");
    ok++;
  } catch (e) {
    bad++;
    const err = isNnlqError(e) ? { code: e.code, message: e.message.slice(0, 300) } : { code: "ERROR", message: String(e).slice(0, 300) };
    fs.appendFileSync(failedFile, JSON.stringify({ spec, platform, error: err }) + "\n");
    console.log(`  failed ${spec.family} on ${platform}: ${err.code} ${err.message}`);
  }
  if ((i + 1) % 10 === 0 || i + 1 === todo.length) {
    const el = (performance.now() - t0) / 1000;
    const eta = (el / (i + 1)) * (todo.length - i - 1);
    console.log(`  ${i + 1}/${todo.length}  ok ${ok}  failed ${bad}  ${el.toFixed(0)} s elapsed, ETA ${(eta / 60).toFixed(1)} min`);
  }
}
console.log(`devdata: measured ${ok}, failed ${bad}, ${((performance.now() - t0) / 60000).toFixed(1)} min`);
