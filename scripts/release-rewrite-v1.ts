/**
 * npm run data:rewrite-v1 -- --from DIR [--to data/release-v2]
 * Release v1 → release v2 history (lib/services/release.ts rewriteV1Release): every row of the format 1
 * release at DIR re-identified from the host it recorded (x86-epyc-2c → x86-zen4-avx512-2c, x86-xeon-2c →
 * x86-sapphirerapids-amx-2c), graded legacy (protocol 1, label kind wall-v1), without its per-kernel
 * profile, merged into the release at --to. Deterministic and idempotent; needs no database. Release v1
 * lives in git history:  git archive c4c0cfa data/release-v1 | tar -x -C /tmp  → --from /tmp/data/release-v1
 */
import path from "node:path";
import { parseArgsOrExit } from "@/lib/args";
import { isNnlqError } from "@/lib/errors";
import { DEFAULT_RELEASE_DIR, rewriteV1Release } from "@/lib/services/release";

const { values } = parseArgsOrExit("data:rewrite-v1", { options: { from: { type: "string" }, to: { type: "string" } } });
if (!values.from) {
  console.error("data:rewrite-v1: --from DIR (a format 1 release directory) is required");
  process.exit(2);
}
const to = values.to ? path.resolve(values.to) : DEFAULT_RELEASE_DIR;
try {
  const t0 = performance.now();
  const m = rewriteV1Release(path.resolve(values.from), to);
  const bytes = Object.values(m.files).reduce((a, f) => a + f.bytes, 0);
  console.log(
    `${path.relative(process.cwd(), to) || to}: ${m.counts.models} models, ${m.counts.measurements} measurements ` +
      `(${Object.entries(m.counts.byGrade ?? {})
        .map(([g, n]) => `${g} ${n}`)
        .join(", ")}) on ${m.counts.platforms} platforms, ` +
      `${(bytes / 1e6).toFixed(2)} MB in ${Object.keys(m.files).length} files, ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  for (const [hw, plats] of Object.entries(m.grades ?? {})) console.log(`  ${hw}: ${Object.keys(plats).length} platforms`);
} catch (e) {
  console.error(`data:rewrite-v1: ${isNnlqError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.stack : String(e)}`);
  process.exit(isNnlqError(e) ? 3 : 1);
}
