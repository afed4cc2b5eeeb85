/**
 * npm run data:export -- [--dir data/release-v1]
 * Writes the data release (lib/services/release.ts) from the database (DATABASE_URL, else MySQL on
 * 127.0.0.1:3306 database nnlq, else the private server of `npm run up`).
 */
import path from "node:path";
import { parseArgsOrExit } from "@/lib/args";
import { createDb } from "@/lib/db/client";
import { runMigrations } from "@/lib/db/migrate";
import { resolveServer } from "@/lib/db/server";
import { DEFAULT_RELEASE_DIR, exportRelease } from "@/lib/services/release";
import { checkEnvOrExit } from "@/lib/env";

checkEnvOrExit("data:export");

const { values } = parseArgsOrExit("data:export", { options: { dir: { type: "string" } } });
const dir = values.dir ? path.resolve(values.dir) : DEFAULT_RELEASE_DIR;
const server = await resolveServer({ log: () => {} });
await runMigrations(server.url);
const h = createDb(server.url, { connectionLimit: 2 });
try {
  const t0 = performance.now();
  const m = await exportRelease(h.db, dir);
  const bytes = Object.values(m.files).reduce((a, f) => a + f.bytes, 0);
  console.log(
    `exported ${m.counts.models} models (${m.counts.zooModels} zoo, ${m.counts.corpusModels} corpus), ${m.counts.measurements} ` +
      `measurements on ${m.counts.platforms} platforms to ${path.relative(process.cwd(), dir) || dir} (${(bytes / 1e6).toFixed(2)} MB) in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );
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
