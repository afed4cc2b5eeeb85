/**
 * FLOPs spread per zoo family over a sampled draw (lib/onnx analyze → flops).
 *
 *   npm run zoo:spread -- [--count 200] [--seed 1] [--families resnet,vit] [--help]
 *
 * Prints min / median / max FLOPs and max/min, both for the whole model at its sampled batch and per image
 * (FLOPs / batch). Exits 1 if some family spans less than 100× (whole-model); 2 on a usage error (one line on stderr).
 */
import { intArg, listArg, parseArgsOrExit, validOrExit } from "@/lib/args";
import { analyze } from "@/lib/onnx";
import { generate, sampleSpecs, ZOO_FAMILIES } from "@/lib/zoo";
import { checkEnvOrExit } from "@/lib/env";

checkEnvOrExit("zoo:spread");

const USAGE = `usage: npm run zoo:spread -- [--count 200] [--seed 1] [--families resnet,vit]
families: ${ZOO_FAMILIES.join(", ")}`;
const { values } = parseArgsOrExit("zoo:spread", {
  options: {
    count: { type: "string", default: "200" },
    seed: { type: "string", default: "1" },
    families: { type: "string" },
    help: { type: "boolean", short: "h" },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const { count, seed, families } = validOrExit("zoo:spread", () => ({
  count: intArg("count", values.count, 1, 100_000),
  seed: intArg("seed", values.seed, 0, 2 ** 31 - 1),
  families: listArg("families", values.families, ZOO_FAMILIES),
}));

const fmt = (v: number) => {
  for (const [u, s] of [[1e12, "T"], [1e9, "G"], [1e6, "M"], [1e3, "K"]] as const) if (v >= u) return `${(v / u).toFixed(2)}${s}`;
  return v.toFixed(0);
};
const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return { min: s[0], median: s[Math.floor(s.length / 2)], max: s[s.length - 1], ratio: s[s.length - 1] / s[0] };
};

const header = ["family", "n", "min", "median", "max", "max/min", "per-image max/min"];
const rows: string[][] = [];
let narrow = 0;
const t0 = performance.now();
for (const family of families) {
  const flops: number[] = [], perImage: number[] = [];
  for (const spec of sampleSpecs(family, count, seed)) {
    const f = analyze(generate(spec)).flops;
    flops.push(f);
    perImage.push(f / spec.batch);
  }
  const a = stats(flops), p = stats(perImage);
  if (a.ratio < 100) narrow++;
  rows.push([family, String(count), fmt(a.min), fmt(a.median), fmt(a.max), `${a.ratio.toFixed(0)}×`, `${p.ratio.toFixed(0)}×`]);
}
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (r: string[]) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
console.log(line(header));
for (const r of rows) console.log(line(r));
console.log(
  `\nFLOPs from lib/onnx analyze(); ${families.length} families × ${count} specs (seed ${seed}), ` +
    `${((performance.now() - t0) / 1000).toFixed(1)} s; ${narrow ? `${narrow} family(ies) below 100×` : "every family spans ≥ 100×"}`,
);
process.exit(narrow ? 1 : 0);
