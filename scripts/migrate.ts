/**
 * npm run db:migrate — finds the database exactly as `npm run up` does (DATABASE_URL, else 127.0.0.1:3306,
 * else a private server under .data/), applies drizzle/ migrations and seeds reference data.
 */
import { resolveServer } from "@/lib/db/server";
import { runMigrations } from "@/lib/db/migrate";
import { createDb } from "@/lib/db/client";
import { seed } from "@/lib/services/seed";
import { isNnlqError } from "@/lib/errors";
import { checkEnvOrExit, env } from "@/lib/env";

checkEnvOrExit("db:migrate");

const server = await resolveServer({ log: console.log }).catch((e) => {
  console.error(isNnlqError(e) ? e.message : e);
  process.exit(1);
});
try {
  await runMigrations(server.url);
  const h = createDb(server.url, { connectionLimit: 2 });
  const r = await seed(h.db, { demo: env().NNLQ_DEMO });
  await h.close();
  console.log(`migrated and seeded ${server.url.replace(/:[^:@/]*@/, ":***@")} (${r.platforms.length} platforms)`);
} finally {
  await server.stop();
}
