/**
 * npm run data:import -- [--dir data/release-v2] [--verify N]
 * Loads the data release into the database (idempotent; see lib/services/release.ts). `--verify N`
 * regenerates N zoo specs to check their structure hashes (default 12). The predictor versions the release
 * ships are copied into the predictor store (NNLQ_PREDICTORS_DIR) and registered (promoted when their method
 * has no promoted version yet): the API and the portal predict with them at once.
 */
import path from "node:path";
import { parseArgsOrExit } from "@/lib/args";
import { isNnlqError } from "@/lib/errors";
import { createDb } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { resolveServer } from "@/lib/db/server";
import { seed } from "@/lib/services/seed";
import { DEFAULT_RELEASE_DIR, importRelease } from "@/lib/services/release";
import { checkEnvOrExit } from "@/lib/env";

checkEnvOrExit("data:import");

const { values } = parseArgsOrExit("data:import", { options: { dir: { type: "string" }, verify: { type: "string" } } });
const dir = values.dir ? path.resolve(values.dir) : DEFAULT_RELEASE_DIR;
const server = await resolveServer({ log: () => {} });
await runMigrations(server.url);
const h = createDb(server.url, { connectionLimit: 2 });
let code = 0;
try {
  await seed(h.db, { demo: false });
  const r = await importRelease(h.db, dir, { verify: values.verify ? Number(values.verify) : undefined });
  console.log(
    `imported ${r.modelsInserted}/${r.models} models, ${r.measurementsInserted}/${r.measurements} measurements (${r.platformsCreated} ` +
      `new platforms) in ${(r.ms / 1000).toFixed(2)} s; ${r.verified.checked} zoo specs re-hashed, ${r.verified.mismatched.length} mismatched`,
  );
  for (const p of r.predictors)
    console.log(`  predictor ${p.version} (${p.method}): ${p.action}${p.reason ? ` — ${p.reason}` : ""}`);
  if (r.verified.mismatched.length)
    console.warn(
      `warning: these zoo specs no longer generate the stored structure (zoo version changed?): ${r.verified.mismatched.join(", ")}`,
    );
} catch (e) {
  console.error(`data:import: ${isNnlqError(e) ? `${e.code}: ${e.message}` : e instanceof Error ? e.stack : String(e)}`);
  code = isNnlqError(e) ? 3 : 1;
} finally {
  await h.close();
  await server.stop();
}
process.exit(code);
