/**
 * npm run data:export -- [--dir data/release-v2] [--history DIR | --no-history] [--with-predictors | --no-predictors]
 * Writes the data release (lib/services/release.ts) from the database (DATABASE_URL, else MySQL on
 * 127.0.0.1:3306 database nnlq, else the private server of `npm run up`), merged with the legacy history
 * rows (release v1, re-identified) of the release already at --dir (or at --history): the command alone
 * regenerates the whole directory. The database is only read (never migrated: a campaign database the
 * quality migration has not reached exports too, its rows' quality taken from env.quality).
 * Predictors (default, --with-predictors): the database's promoted predictor versions, copied from the
 * predictor store (NNLQ_PREDICTORS_DIR) into predictors/<version>/; a database without one keeps the versions
 * the release ships; --no-predictors ships none.
 */
import path from "node:path";
import { parseArgsOrExit } from "@/lib/args";
import { createDb } from "@/lib/db/client";
import { resolveServer } from "@/lib/db/server";
import { DEFAULT_RELEASE_DIR, exportRelease } from "@/lib/services/release";
import { MAX_SHIPPED_BYTES } from "@/lib/services/release-predictors";
import { checkEnvOrExit } from "@/lib/env";

checkEnvOrExit("data:export");

const { values } = parseArgsOrExit("data:export", {
  options: {
    dir: { type: "string" },
    history: { type: "string" },
    "no-history": { type: "boolean" },
    "with-predictors": { type: "boolean" },
    "no-predictors": { type: "boolean" },
  },
});
if (values["with-predictors"] && values["no-predictors"]) {
  console.error("data:export: --with-predictors and --no-predictors contradict each other");
  process.exit(2);
}
const dir = values.dir ? path.resolve(values.dir) : DEFAULT_RELEASE_DIR;
const server = await resolveServer({ log: () => {} });
const h = createDb(server.url, { connectionLimit: 2 });
try {
  const t0 = performance.now();
  const skippedPredictors: { version: string; method: string; bytes: number }[] = [];
  const m = await exportRelease(h.db, dir, {
    history: values["no-history"] ? null : values.history ? path.resolve(values.history) : dir,
    predictors: !values["no-predictors"],
    skippedPredictors,
  });
  const bytes = Object.values(m.files).reduce((a, f) => a + f.bytes, 0);
  console.log(
    `exported ${m.counts.models} models (${m.counts.zooModels} zoo, ${m.counts.corpusModels} corpus), ${m.counts.measurements} ` +
      `measurements on ${m.counts.platforms} platforms to ${path.relative(process.cwd(), dir) || dir} (${(bytes / 1e6).toFixed(2)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
  console.log(
    `  by grade: ${Object.entries(m.counts.byGrade ?? {}).map(([g, n]) => `${g} ${n}`).join(", ")}; clean: ${m.clean?.measurements ?? 0} ` +
      `measurements, ${m.clean?.results ?? 0} model × platform × batch results`,
  );
  const shipped = m.predictors ?? [];
  console.log(
    shipped.length
      ? `  predictors shipped: ${shipped
          .map((p) => `${p.version} (${p.method}, ${p.platforms.length} platforms, ${(Object.values(p.files).reduce((a, f) => a + f.bytes, 0) / 1e3).toFixed(0)} kB)`)
          .join(", ")}`
      : "  predictors shipped: none (no promoted version in the database or the release)",
  );
  for (const p of skippedPredictors)
    console.log(`  not shipped: ${p.version} (${p.method}, ${(p.bytes / 1e6).toFixed(1)} MB: over the release's ${MAX_SHIPPED_BYTES / 1e6} MB per version)`);
  for (const [p, byBatch] of Object.entries(m.matrix))
    for (const [b, fams] of Object.entries(byBatch))
      console.log(
        `  ${p} ${b}: ${Object.entries(fams)
          .map(([f, n]) => `${f} ${n}`)
          .join(", ")}`,
      );
} finally {
  await h.close();
  await server.stop();
}
